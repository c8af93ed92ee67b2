"""What makes runs fast, in one place: the serialiser of cached and forked values, the unchanged-tree
walk and the rule metadata kept in the user cache.

Values cross a process or run boundary as plain marshal data: `to_plain` turns a dataclass into a
tuple of its fields in declaration order (recursively), `from_plain` rebuilds it from the field
types, so a field added to a dataclass is carried without an encoder to update.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from homelint.discovery import FileSet

T = TypeVar("T")
_SCALARS = (str, int, float, bool, bytes, type(None))


def to_plain(value: Any) -> Any:
    """`value` as marshal data: a dataclass becomes the tuple of its fields; a Path its text."""
    if isinstance(value, _SCALARS):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(to_plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(to_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return set(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def from_plain(cls: type[T], data: Any) -> T:
    """The `cls` instance `to_plain` turned into `data`. Raises (TypeError, ValueError, IndexError)
    when `data` has not the shape of `cls`: a cached value of another shape is absent."""
    result: T = _decoder(typing.cast(Any, cls))(data)
    return result


def _identity(value: Any) -> Any:
    return value


@functools.cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """A function rebuilding a value of the type `hint` from its plain form."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = typing.get_type_hints(hint)
        names = [f.name for f in dataclasses.fields(hint) if f.init]
        decoders = [_decoder(hints[name]) for name in names]
        plain = [d is _identity for d in decoders]
        count = len(names)
        if not all(f.init for f in dataclasses.fields(hint)):
            raise TypeError(f"{hint.__name__} has fields that are not init arguments")

        def build(data: Any, cls: Any = hint) -> Any:
            if type(data) is not tuple or len(data) != count:
                raise ValueError(f"not a {cls.__name__}")
            return cls(*[v if p else d(v) for v, d, p in zip(data, decoders, plain, strict=True)])

        return build
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Path:
        return Path
    if origin in (types.UnionType, typing.Union):
        present = [a for a in args if a is not type(None)]
        if len(present) == 1:
            inner = _decoder(present[0])
            return _identity if inner is _identity else lambda v: None if v is None else inner(v)
        return _identity
    if origin is list:
        item = _decoder(args[0]) if args else _identity
        return _checked(list, lambda v: v if item is _identity else [item(x) for x in v], list)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            if item is _identity:
                return _checked(tuple, lambda v: v if type(v) is tuple else tuple(v), list)
            return _checked(tuple, lambda v: tuple(item(x) for x in v), list)
        parts = [_decoder(a) for a in args]
        return _checked(tuple, lambda v: tuple(d(x) for d, x in zip(parts, v, strict=True)), list)
    if origin is dict:
        value = _decoder(args[1]) if len(args) == 2 else _identity
        return _checked(dict, lambda v: v if value is _identity else {k: value(x) for k, x in v.items()})
    if origin in (set, frozenset) or hint in (set, frozenset):
        return _checked(set, lambda v: set(v), frozenset, list)
    return _identity


def _checked(kind: type, convert: Callable[[Any], Any], *also: type) -> Callable[[Any], Any]:
    accepted = (kind, *also)

    def decode(value: Any) -> Any:
        if not isinstance(value, accepted):
            raise ValueError(f"not a {kind.__name__}")
        return convert(value)

    return decode


# --- The unchanged tree: no walk -------------------------------------------------------------------


def remembered_walk(root: Path, exclude: list[str], cache: Any) -> FileSet | None:
    """The file set of the last walk, if no folder of it and no ignore file changed since (stat only:
    a file added, removed or renamed changes its folder's mtime), nor the excludes; else None."""
    stored = cache.load_value("tree.marshal") if cache.enabled else None
    try:
        saved_exclude, stamps, links, plain = stored  # type: ignore[misc]
        if saved_exclude != exclude or not isinstance(stamps, dict) or not isinstance(links, list):
            return None
        for path, stamp in stamps.items():
            st = os.stat(os.path.join(root, path), follow_symlinks=False)
            if (st.st_size, st.st_mtime_ns) != stamp:
                return None
        for link, target in links:  # symlinks the walk followed: still pointing at the same place
            if os.path.realpath(os.path.join(root, link)) != target or not os.path.exists(os.path.join(root, link)):
                return None
        files = from_plain(FileSet, plain)
    except (OSError, TypeError, ValueError):
        return None
    files.root = root
    return files


def remember_walk(root: Path, exclude: list[str], files: FileSet, cache: Any) -> None:
    """Keep the walk for remembered_walk: the stat of every folder it read and of every ignore
    file; not when one changed too recently for its mtime to show the next change."""
    if not cache.enabled:
        return
    from homelint.cache import UNTRUSTED_MTIME, stable_mtime

    stamps: dict[str, tuple[int, int]] = {}
    for rel in ["", *files.dirs]:
        for path in (rel, f"{rel}/.gitignore" if rel else ".gitignore"):
            try:
                st = os.stat(os.path.join(root, path), follow_symlinks=False)
            except OSError:
                continue
            if stable_mtime(st.st_mtime_ns) == UNTRUSTED_MTIME:
                return
            stamps[path] = (st.st_size, st.st_mtime_ns)
    for path in (".git/info", ".git/info/exclude"):  # not .git itself: every git command changes it
        try:
            st = os.stat(os.path.join(root, path), follow_symlinks=False)
        except OSError:
            continue
        stamps[path] = (st.st_size, st.st_mtime_ns)
    links = []
    for path in sorted(files.all_files):
        full = os.path.join(root, path)
        if os.path.islink(full):
            links.append((path, os.path.realpath(full)))
    cache.store_value("tree.marshal", (exclude, stamps, links, to_plain(files)))


# --- Rule metadata ----------------------------------------------------------------------------------


def load_builtin_rules(cache: Any) -> None:
    """The built-in rules' metadata from the cache while no rule file changed (parsing the 70-odd
    rule files is a fifth of an unchanged run); else parsed, and kept for the next run."""
    from homelint.registry import RuleMeta, builtin_rules, rule_files, use_builtin_rules

    if not cache.enabled:
        return
    try:
        signature = [(str(p), (st := p.stat()).st_size, st.st_mtime_ns) for p in rule_files()]
    except OSError:
        return
    stored = cache.load_value("rules.marshal")
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == signature and isinstance(stored[1], list):
        try:
            use_builtin_rules({meta.id: meta for meta in (from_plain(RuleMeta, m) for m in stored[1])})
            return
        except (TypeError, ValueError, IndexError):
            pass
    cache.store_value("rules.marshal", (signature, [to_plain(meta) for meta in builtin_rules().values()]))
