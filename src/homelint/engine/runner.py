"""The runner: caching, forking, GC tuning and serialisation in one place, so that the loader
(discovery, yamlload, repo), the model and the rules know nothing of them.

- one run (run_record): the kept result of the same contents; else, when the few files changed since
  a kept run changed nothing a check can see (comments: reuse.py), that run's result; else load
  and check;
- loading (load_repo): the cache's parses, the rest parsed in a forked child and here
  (parallel.py), then repo.build_repo;
- only the folders changed since the last walk are listed again (current_walk), the rule metadata
  is cached;
- the signed per-user store is cache.py, the fork parallel.py: both are imported only here.

Values cross a process or run boundary as plain marshal data: `to_plain` turns a dataclass into a
tuple of its fields in declaration order (recursively), `from_plain` rebuilds it from the field
types, so a field added to a dataclass is carried without an encoder to update.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import json
import os
import posixpath
import sys
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from homelint import __version__
from homelint.core import timing
from homelint.core.digest import blake2b
from homelint.engine import reuse
from homelint.engine.cache import Cache, digest, stable_mtime
from homelint.engine.cache import clean as clean_cache
from homelint.engine.parallel import fork_map, fork_produce_map, run_isolated
from homelint.loading.discovery import FileSet, Reuse, git_remotes, link_state, non_yaml_inputs, walk
from homelint.loading.safeio import read_regular
from homelint.loading.yamlload import MAX_FILE_BYTES, ParsedFile, parse_bytes, risky
from homelint.model.config import Config
from homelint.model.filefacts import FACTS_KEY, FileFacts, file_facts, layout
from homelint.model.repo import (
    MAX_READ_BYTES,
    build_repo,
    crashed,
    makejinja_inputs,
    parse_read,
    read_file,
    template_folders,
    template_inputs,
)
from homelint.rules.inputs import run_inputs
from homelint.rules.registry import RuleMeta, builtin_rules, rule_files, use_builtin_rules

if typing.TYPE_CHECKING:
    from homelint.core.model import Finding
    from homelint.model.repo import Repo
    from homelint.rules.registry import RuleMeta

__all__ = ["Cache", "clean_cache", "fork_map", "from_plain", "load_repo", "quiet_gc", "run_record", "to_plain"]
Collect = Callable[[Any, dict[str, "RuleMeta"], set[str], list[str]], list["Finding"]]

T = TypeVar("T")
_SCALARS = (str, int, float, bool, bytes, type(None))


def to_plain(value: Any) -> Any:
    """`value` as marshal data: a dataclass becomes the tuple of its fields; a Path its text. Fields
    typed Any (parsed documents) are passed as they are, not copied."""
    if isinstance(value, _SCALARS):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encoder(type(value))(value)
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


@functools.cache
def _encoder(hint: Any) -> Callable[[Any], Any]:
    """A function turning a value of the type `hint` into plain data (_identity when it is plain)."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = typing.get_type_hints(hint)
        encoders = {f"e{i}": _encoder(hints[f.name]) for i, f in enumerate(dataclasses.fields(hint))}
        values = [
            f"obj.{f.name}" if encoders[f"e{i}"] is _identity else f"e{i}(obj.{f.name})"
            for i, f in enumerate(dataclasses.fields(hint))
        ]
        return _compiled(f"lambda obj: ({', '.join(values)},)", encoders)
    if hint is Path:
        return str
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        present = [a for a in args if a is not type(None)]
        inner = _encoder(present[0]) if len(present) == 1 else _identity
        return _identity if inner is _identity else lambda v: None if v is None else inner(v)
    if origin in (list, tuple) and args:
        parts = [_encoder(a) for a in args if a is not Ellipsis]
        if all(p is _identity for p in parts):
            return _identity
        if origin is list or args[-1] is Ellipsis:
            item = parts[0]
            return lambda v: type(v)(item(x) for x in v) if isinstance(v, tuple) else [item(x) for x in v]
        return lambda v: tuple(p(x) for p, x in zip(parts, v, strict=True))
    if origin is dict and len(args) == 2:
        value = _encoder(args[1])
        return _identity if value is _identity else lambda v: {k: value(x) for k, x in v.items()}
    return _identity


def from_plain(cls: type[T], data: Any) -> T:
    """The `cls` instance `to_plain` turned into `data`. Raises (TypeError, ValueError, IndexError)
    when `data` has not the shape of `cls`: a cached value of another shape is absent."""
    result: T = _decoder(typing.cast(Any, cls))(data)
    return result


def _identity(value: Any) -> Any:
    return value


def _compiled(source: str, names: dict[str, Any]) -> Callable[[Any], Any]:
    """A lambda made from `source` (field access unrolled, as dataclasses makes __init__)."""
    function: Callable[[Any], Any] = eval(source, dict(names))  # field names of our own dataclasses, never repository text
    return function


@functools.cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """A function rebuilding a value of the type `hint` from its plain form."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not all(f.init for f in dataclasses.fields(hint)):
            raise TypeError(f"{hint.__name__} has fields that are not init arguments")
        hints = typing.get_type_hints(hint)
        decoders = {f"d{i}": _decoder(hints[f.name]) for i, f in enumerate(dataclasses.fields(hint))}
        count = len(decoders)

        def arg(i: int) -> str:
            d = decoders[f"d{i}"]
            return f"data[{i}]" if d is _identity or d in _PLAIN else f"d{i}(data[{i}])"

        call = ", ".join(arg(i) for i in range(count))
        shapes = "".join(
            f" and type(data[{i}]) is {_PLAIN[d]}" for i, d in ((i, decoders[f"d{i}"]) for i in range(count)) if d in _PLAIN
        )
        check = _compiled(f"lambda data: type(data) is tuple and len(data) == {count}{shapes}", {})
        make = _compiled(f"lambda data: cls({call})", {**decoders, "cls": hint})

        def build(data: Any) -> Any:
            if not check(data):
                raise ValueError(f"not a {hint.__name__}")
            return make(data)

        return build
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Path:
        return Path
    if origin in (list, dict) and _encoder(hint) is _identity:  # plain inside (marshal keeps tuples): check the outside
        return _PLAIN_LIST if origin is list else _PLAIN_DICT
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


# a list or dict with only plain values inside: its type is checked, its content kept (inlined in
# the dataclass decoders)
_PLAIN_LIST = _checked(list, _identity)
_PLAIN_DICT = _checked(dict, _identity)
_PLAIN = {_PLAIN_LIST: "list", _PLAIN_DICT: "dict"}


# --- The unchanged tree: no walk -------------------------------------------------------------------


def remembered_walk(root: Path, exclude: list[str], cache: Any) -> FileSet | None:
    """The file set of the tree as it is, from the last walk (see current_walk); None when there is
    none to start from, or an ignore file or the excludes changed."""
    found = _recalled(root, exclude, cache)
    return None if found is None else found[0]


def current_walk(root: Path, exclude: list[str], cache: Any) -> FileSet:
    """The file set of the tree as it is: the last walk, with only the folders changed since listed
    again (remembered_walk), kept for the next run when it changed; else a full walk, kept."""
    found = _recalled(root, exclude, cache)
    if found is None:
        files = walk(root, exclude)
        remember_walk(root, exclude, files, cache)
        return files
    files, seen = found
    if seen is not None:
        remember_walk(root, exclude, files, cache, seen)
    return files


def _recalled(root: Path, exclude: list[str], cache: Any) -> tuple[FileSet, Stamps | None] | None:
    """(the file set of the last walk, with the folders whose stamp changed since listed again
    (stat only: a file added, removed or renamed changes its folder's mtime); when one did, the
    stamps of the last walk's paths as they are now, else None); None when there is no last walk
    for these excludes, or an ignore file changed."""
    stored = cache.load_value("tree.marshal") if cache.enabled else None
    try:
        saved_exclude, stamps, _, plain = stored  # type: ignore[misc]
        if saved_exclude != exclude or not isinstance(stamps, dict):
            return None
        files = from_plain(FileSet, plain)
        base = os.path.join(root, "")
        seen: Stamps = {}
        changed: set[str] = set()
        for path, stamp in stamps.items():
            seen[path] = now = _stamp(base, path)
            if now != stamp:
                if path != "" and path not in files.dirs:
                    return None  # an ignore file: what every folder below it shows may change
                changed.add(path)
        changed.update(folder for folder in files.dirs if folder not in stamps)  # gone when it was stamped
        root_real = os.path.realpath(root)
        for link, state in files.symlinks.items():  # its target changed: its folder shows it differently
            if link_state(base + link, root_real) != state:
                changed.add(posixpath.dirname(link))
    except (OSError, TypeError, ValueError, AttributeError):
        return None
    files.root = root
    if not changed:
        return files, None
    relist = {""}
    for folder in changed:
        ignore = f"{folder}/.gitignore" if folder else ".gitignore"
        if ignore in files.dirs or (ignore not in stamps and _stamp(base, ignore) is not None):
            return None  # a new ignore file: what every folder below it shows may change
        while folder not in relist:
            relist.add(folder)
            folder = posixpath.dirname(folder)
    return walk(root, exclude, Reuse(files, relist)), seen


def walk_inputs(
    root: Path, exclude: list[str], cache: Any
) -> tuple[dict[str, tuple[int, int] | None], dict[str, str], FileSet] | None:
    """The remembered walk (see remembered_walk) as it was recorded, without checking it against
    the tree: (the (size, mtime_ns) of each folder and ignore file it depends on, the target of each
    symlink it followed, its file set), paths relative to `root`; None when there is none for
    these excludes. The caller compares the stamps (engine.replay.record)."""
    stored = cache.load_value("tree.marshal") if cache.enabled else None
    try:
        saved_exclude, stamps, links, plain = stored  # type: ignore[misc]
        if saved_exclude != exclude or not isinstance(stamps, dict) or not isinstance(links, list):
            return None
        files = from_plain(FileSet, plain)
        targets = {str(link): str(target) for link, target in links}
    except (TypeError, ValueError):
        return None
    files.root = root
    return stamps, targets, files


Stamps = dict[str, tuple[int, int] | None]


def _stamp(base: str, path: str) -> tuple[int, int] | None:
    """(size, mtime_ns) of a path in the repository (`base`: its root with a trailing separator),
    not through a symlink; None if absent."""
    try:
        st = os.stat(base + path if path else base, follow_symlinks=False)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def remember_walk(root: Path, exclude: list[str], files: FileSet, cache: Any, seen: Stamps | None = None) -> None:
    """Keep the walk for remembered_walk: the stat of every folder it read and of every ignore
    file. `seen`: the stamps _recalled took, before this walk, of the last walk's paths (a folder
    stamped then has its ignore file in `seen` if and only if it has one: a new one means a full
    walk). One that changed too recently for its mtime to show the next change is kept as
    changed (UNTRUSTED_MTIME): the next run lists that folder again (for an ignore file: walks
    the tree again)."""
    if not cache.enabled:
        return
    base = os.path.join(root, "")
    seen = seen or {}
    stamps: Stamps = {}
    for rel in ["", *sorted(files.dirs)]:
        ignore = f"{rel}/.gitignore" if rel else ".gitignore"
        old = seen.get(rel) is not None
        for path, stamp in (
            (rel, seen[rel] if old else _stamp(base, rel)),
            (ignore, seen.get(ignore) if old else _stamp(base, ignore)),
        ):
            if stamp is not None:  # a .gitignore made later changes its folder's mtime
                stamps[path] = (stamp[0], stable_mtime(stamp[1], cache.started_ns))
    for path in (".git/info", ".git/info/exclude"):  # not .git itself: every git command changes it
        stamp = _stamp(base, path)  # None: absent, and must stay so
        stamps[path] = None if stamp is None else (stamp[0], stable_mtime(stamp[1], cache.started_ns))
    links = [(path, os.path.realpath(base + path)) for path in files.links]
    cache.store_value("tree.marshal", (exclude, stamps, links, to_plain(files)))


def kept_template_inputs(root: Path, cache: Any) -> list[str]:
    """repo.template_inputs, the `inputs` of makejinja.toml kept in the cache by its content:
    tomllib's import and the parse cost every run ~8 ms; whether each is a folder is asked anew."""
    try:
        raw = read_regular(root / "makejinja.toml", 1 << 20)
    except OSError:
        return []
    if raw is None:
        return []
    if not cache.enabled:
        return template_folders(root, makejinja_inputs(raw))
    key = digest(raw)
    stored = cache.load_value("makejinja.marshal")
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key and isinstance(stored[1], list):
        inputs = [str(entry) for entry in stored[1]]
    else:
        inputs = makejinja_inputs(raw)
        cache.store_value("makejinja.marshal", (key, inputs))
    return template_folders(root, inputs)


# --- Rule metadata ----------------------------------------------------------------------------------


def load_builtin_rules(cache: Any) -> None:
    """The built-in rules' metadata from the cache while no rule file changed (parsing the 70-odd
    rule files is a fifth of an unchanged run); else parsed, and kept for the next run."""
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


# --- Loading: the cache's parses, the rest parsed (shared with a forked child) ----------------------


def scan_cache(root: Path, files: FileSet, cache: Cache) -> tuple[dict[str, str], list[str]]:
    """(path -> digest of every file the cache knows unchanged, files to parse). Reads no parse data."""
    if not cache.index:
        return {}, list(files.yaml_files)
    known: dict[str, str] = {}
    todo: list[str] = []
    for path in files.yaml_files:
        full = os.path.join(root, path)
        try:
            st = os.stat(full)
        except OSError:
            todo.append(path)
            continue
        content_digest = cache.lookup(path, st.st_size, st.st_mtime_ns)
        if content_digest is None and cache.known_digest(path) is not None:
            # touched but maybe not changed (a checkout, a rebase): the content hash decides
            try:
                raw = read_regular(full, MAX_FILE_BYTES)  # bounded: a huge file is the load's to report
                fresh = digest(raw) if raw is not None else ""
            except OSError:
                fresh = ""
            if fresh and fresh == cache.known_digest(path):
                cache.touch(path, st.st_size, st.st_mtime_ns, fresh)
                content_digest = fresh
        if content_digest is None:
            todo.append(path)
        else:
            known[path] = content_digest
    return known, todo


def load_repo(
    root: Path,
    config: Config,
    *,
    use_cache: bool = True,
    files: FileSet | None = None,
    cache: Cache | None = None,
    scanned: tuple[dict[str, str], list[str]] | None = None,
    parse_results: list[tuple[Any, ...]] | None = None,
    save: bool = False,
    edited: dict[str, EditParse] | None = None,
) -> tuple[Repo, Cache]:
    """Walk (unless `files` is given), parse what the cache lacks (unless `parse_results` has it: see
    walk_and_parse; the list is emptied as it is read; `edited`: files the edit path parsed
    already), then build the repository model
    (repo.build_repo). With `save`, the cache is written before the model is built and its parses
    let go: then neither they nor their marshalled bytes are held beside the model and the graph
    (the peak memory of a run)."""
    if files is None:
        files = walk(root, [*config.exclude, *template_inputs(root)])
        timing.mark("walk")
    cache = cache if cache is not None else Cache(root, enabled=use_cache)
    global WITH_LAYOUTS
    WITH_LAYOUTS = bool(cache.enabled)  # what this load parses is kept only with a cache
    known, todo = scanned if scanned is not None else scan_cache(root, files, cache)
    todo = list(todo)
    parsed: dict[str, ParsedFile] = {}
    facts: dict[str, FileFacts] = {}
    digests: dict[str, str] = {}
    for path, content_digest in known.items():
        stored = cache.parsed(path, content_digest, FACTS_KEY)
        try:
            if stored is None:
                raise ValueError("not cached")
            parsed[path], facts[path] = from_plain(ParsedFile, stored[0]), from_plain(FileFacts, stored[1])
            digests[path] = content_digest
        except (TypeError, ValueError, IndexError, AttributeError):  # absent, or of another shape
            todo.append(path)
    timing.mark("cache-load")
    results = parse_results if parse_results is not None else _parse_todo(str(root), todo, edited or {})
    for path, content_digest, size, mtime_ns, data in results:
        digests[path] = content_digest
        parsed[path], facts[path] = from_plain(ParsedFile, data[0]), from_plain(FileFacts, data[1])
        if content_digest and cache.enabled:
            cache.put(path, size, mtime_ns, content_digest, data[0], (FACTS_KEY, data[1]))
    results.clear()  # the plain copies: the cache holds them until it is saved
    timing.mark("parse")
    cache.prune({*files.yaml_files, *non_yaml_inputs(files.all_files)})  # the frame's inputs are indexed too
    if save:
        cache.save()
        cache.release()
    return build_repo(root, config, files, parsed, digests, facts), cache


PARSE_MEMORY = 1 << 30  # address space a throwaway parse may add (a real 500 KB file needs ~40 MB)
# Set when a supervised run crashed (cli.run): then every file is parsed in a throwaway process,
# so the file that crashed the parser without looking risky is found and reported.
ISOLATE_EVERY_PARSE = False
# Whether the parse computes each file's layout fingerprint (filefacts.layout, ~7% of a parse):
# only the edit path uses it, which needs a cache; run_record sets it for each run
WITH_LAYOUTS = True


def _parse_one(args: tuple[str, str]) -> tuple[str, str, int, int, Any]:
    """(path, content digest, size, mtime_ns, the ParsedFile and its FileFacts as plain data) of one
    file (the parse and the per-file phase, which needs the composed nodes). A file the
    C parser could crash on (yamlload.risky) is parsed in a throwaway process, so a crash cannot
    end this one; a crash or running out of memory is an HL001 problem."""
    root, path = args
    read = read_file(root, path)
    if not isinstance(read, tuple):
        return path, "", 0, 0, _unparsed(read)
    raw, size, mtime_ns = read
    if ISOLATE_EVERY_PARSE or risky(raw):
        done, data = run_isolated(lambda: to_plain(parse_read(path, raw, with_layout=WITH_LAYOUTS)), memory=PARSE_MEMORY)
        if not done:
            return path, "", 0, 0, _unparsed(crashed(path))
        return path, digest(raw), size, mtime_ns, data
    try:
        data = to_plain(parse_read(path, raw, with_layout=WITH_LAYOUTS))
    except MemoryError:
        return path, "", 0, 0, _unparsed(crashed(path))
    return path, digest(raw), size, mtime_ns, data


def _unparsed(parsed: ParsedFile) -> tuple[Any, Any]:
    """A file not parsed (unreadable, refused, crashed) as _parse_one's data: no facts."""
    return to_plain(parsed), to_plain(FileFacts())


def _parse_rescue(items: Sequence[tuple[str, str]]) -> list[tuple[str, str, int, int, Any]]:
    """The files of a chunk whose worker died: each parsed in its own throwaway process, so the
    one that killed the worker is found and reported, and the others are parsed as usual."""
    out: list[tuple[str, str, int, int, Any]] = []
    for item in items:
        done, result = run_isolated(lambda item=item: _parse_one(item), memory=PARSE_MEMORY)  # type: ignore[misc]
        out.append(tuple(result) if done else (item[1], "", 0, 0, _unparsed(crashed(item[1]))))
    return out


class EditParse(typing.NamedTuple):
    """A changed file as the edit path (_edited) read and parsed it: its bytes, their content
    digest, the open file's size and mtime, the parse and its composed documents."""

    raw: bytes
    digest: str
    size: int
    mtime_ns: int
    parsed: ParsedFile
    nodes: list[Any]


def _parse_todo(root: str, todo: list[str], edited: dict[str, EditParse]) -> list[tuple[str, str, int, int, Any]]:
    """_parse_one's results for `todo`, in its order: a file the edit path parsed is not parsed
    again (its facts are made here), the others are (_parse_many)."""
    if not edited:
        return _parse_many(root, todo)
    parsed = {result[0]: result for result in _parse_many(root, [path for path in todo if path not in edited])}
    for path in todo:
        if path in edited:
            e = edited[path]
            facts = file_facts(e.parsed, e.raw, e.nodes, with_layout=WITH_LAYOUTS)
            parsed[path] = (path, e.digest, e.size, e.mtime_ns, (to_plain(e.parsed), to_plain(facts)))
    return [parsed[path] for path in todo]


def _parse_many(root: str, paths: list[str]) -> list[tuple[str, str, int, int, Any]]:
    from homelint.model.kindschemas import warm_validators  # start-up: a warm run does not need it

    if not paths:
        return []
    warm_validators()  # compiled once here, inherited by a forked child
    return fork_map(_parse_one, [(root, p) for p in paths], meanwhile=_import_later_phases, rescue=_parse_rescue)


def walk_and_parse(root: Path, exclude: list[str]) -> tuple[FileSet, list[tuple[Any, ...]]]:
    """A cold run's first step. In a fresh process a forked child walks the tree while this one
    imports what later phases need, then both parse (parallel.fork_produce_map). When those
    imports are done already (a long-lived process: tests, an editor), that overlap is worth
    less than the fork: walk here, and share the parse only if it is big (_parse_many)."""
    from homelint.model.kindschemas import warm_validators  # start-up: a warm run does not need it

    if "networkx" in sys.modules:
        files = walk(root, exclude)
        return files, _parse_many(str(root), files.yaml_files)
    warm_validators()  # compiled once here, inherited by the child
    base = str(root)
    payload, results = fork_produce_map(
        lambda: to_plain(walk(root, exclude)),
        lambda files: [(base, path) for path in files[1]],
        _parse_one,
        meanwhile=_import_later_phases,
        rescue=_parse_rescue,
    )
    return from_plain(FileSet, payload), results


def _import_later_phases() -> None:
    """Import what the graph and checks need while a forked child is already parsing."""
    import networkx  # noqa: F401

    import homelint.model.flux  # start-up: a warm run does not need it
    import homelint.model.graph  # noqa: F401
    from homelint.rules import builtin_checks  # start-up: a warm run does not need it

    builtin_checks()  # imports the check modules


# --- One run: the kept result of these contents, or load and check ---------------------------------


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """The GC off for a run: a run builds many small, rarely cyclic objects, and collections cost
    ~20% of a cold run. The previous state is restored afterwards (the CLI turns the GC off for
    its whole short life, so nothing is collected on the way out)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_record(
    root: Path, config: Config, rules: dict[str, RuleMeta], enabled: set[str], cache: Any, collect: Collect
) -> tuple[dict[str, Any], Any]:
    """(findings, suppressions and stats of the repository as it is, as plain data; the loaded Repo
    or None). `collect` runs the checks (engine.collect).

    Cold: walk and parse at once (repo.walk_and_parse). Nothing changed since the cached run: its
    record, without loading a document. Only comments of a few files changed: a kept run's record
    (_edited). Otherwise: load (reparsing what changed) and check.
    """
    global WITH_LAYOUTS
    WITH_LAYOUTS = bool(cache.enabled)  # before any parse (a forked worker inherits it)
    exclude = [*config.exclude, *kept_template_inputs(root, cache)]
    parse_results = None
    known: dict[str, str] = {}
    todo: list[str] = []
    key = None
    frame = ""
    scanned: dict[str, str] | None = None
    edited: dict[str, EditParse] = {}  # parsed by the edit path: not parsed again by the load
    if not cache.index:
        files, parse_results = walk_and_parse(root, exclude)
        timing.mark("walk+parse")
        remember_walk(root, exclude, files, cache)
    else:
        files = current_walk(root, exclude, cache)
        known, todo = scan_cache(root, files, cache)
        timing.mark("walk")
        # the contents of a kept run (nothing changed; an edit undone; the last commit, which
        # --diff-base HEAD lints) answer without parsing: hashing what changed is enough
        scanned = _digests(root, known, todo)
        if scanned is not None:
            frame = _frame_key(root, files, config, rules, enabled, cache)
            key = _run_key(frame, scanned)
            stored = cache.run_result(key)
            if stored is None:
                stored = _edited(root, frame, scanned, cache, edited)
                if stored is not None:
                    cache.store_run_result(key, stored)
            if stored is not None:
                cache.save()  # touched-but-unchanged files have new stats
                return stored, None
    repo, cache = load_repo(
        root, config, files=files, cache=cache, scanned=(known, todo), parse_results=parse_results, save=True, edited=edited
    )
    if key is None or repo.digests != scanned:  # the key of the scan holds if the files were as hashed
        frame = _frame_key(root, files, config, rules, enabled, cache)
        key = _run_key(frame, repo.digests)
    stored = cache.run_result(key)
    if stored is None:
        repo.positions.memo = cache.spans()
        repo.positions.digests = repo.digests
        notes: list[str] = []
        raw = collect(repo, rules, enabled, notes)
        timing.mark("checks")
        repo.drop_graph()  # what follows holds the record and the cache's bytes beside the model
        stored = {
            "findings": [to_plain(f) for f in raw],
            "suppressions": {p: to_plain(pf.suppressions) for p, pf in repo.parsed.items() if pf.suppressions},
            "stats": {
                "files": len(files.yaml_files),
                "objects": len(repo.objects),
                "kustomizations": len(repo.flux_model.kustomizations),
                "notes": [*repo.flux_model.notes, *notes],  # the Flux model's, then the checks' (one per missing schema)
                "versions": _versions(repo),
            },
            # what the edit path (reuse.py) compares the next tree with
            "frame": frame,
            "layouts": {
                p: (d, repo.facts[p].layout, repo.facts[p].last) for p, d in repo.digests.items() if d and p in repo.facts
            },
            "raw": sorted(repo.raw_reads),
        }
        cache.store_run_result(key, stored)
    cache.save()
    return stored, repo


def _versions(repo: Any) -> list[dict[str, Any]]:
    from homelint.model.versions import versions_of  # start-up: a warm run does not need it

    return versions_of(repo).summary()


def _digests(root: Path, known: dict[str, str], todo: list[str]) -> dict[str, str] | None:
    """Content digests of every YAML file: the cache's for unchanged ones, hashed for the rest (None
    when one cannot be read: the load reports it)."""
    digests = dict(known)
    for path in todo:
        try:
            raw = read_regular(root / path, MAX_FILE_BYTES)
        except OSError:
            return None
        if raw is None:  # too big or not a regular file: the load reports it, reading nothing
            return None
        digests[path] = digest(raw)
    return digests


def _edited(root: Path, frame: str, digests: dict[str, str], cache: Cache, edited: dict[str, EditParse]) -> dict[str, Any] | None:
    """The result of the newest kept run of this frame, when the files changed since are few and
    none changed what a check can see of it (reuse.py); the changed files are parsed here (their
    stats kept in the cache index, their parses in `edited` for the load). None otherwise: the
    tree is loaded and checked."""
    for record in cache.kept_runs():  # newest first: the tree an editor saved a moment ago
        changed = reuse.changed_files(record, frame, digests)
        if changed is not None:
            break
    else:
        return None
    if not changed:
        return None
    fresh: dict[str, tuple[str, str, int, Any]] = {}
    for path in changed:
        read = read_file(str(root), path)
        if not isinstance(read, tuple) or ISOLATE_EVERY_PARSE or risky(read[0]) or digest(read[0]) != digests[path]:
            return None  # unreadable, changed again since it was hashed, or to parse in isolation: the load decides
        raw, size, mtime_ns = read
        nodes: list[Any] = []
        try:
            parsed = parse_bytes(path, raw, nodes)  # the layout needs no facts: no schema validation here
        except MemoryError:
            return None
        edited[path] = EditParse(raw, digests[path], size, mtime_ns, parsed, nodes)
        fingerprint, last = layout(parsed, raw)
        # its stat, so the next run need not hash it; not its parse: the parse cache is read and
        # written whole, which would cost more than this path saves (when this path fails, the
        # load takes the parse from `edited`)
        cache.touch(path, size, mtime_ns, digests[path])
        fresh[path] = (digests[path], fingerprint, last, to_plain(parsed.suppressions) if parsed.suppressions else None)
    timing.mark("edit-parse")
    return reuse.reused(record, fresh)


def _run_key(frame: str, digests: dict[str, str]) -> str:
    """Everything a run's findings depend on: the frame, and every YAML file's content."""
    h = blake2b(digest_size=16)
    h.update(frame.encode())
    for path in sorted(digests):
        h.update(f"{path}\0{digests[path]}\n".encode())
    return h.hexdigest()


def _frame_key(root: Path, files: Any, config: Config, rules: dict[str, RuleMeta], enabled: set[str], cache: Any) -> str:
    """What a run's findings depend on besides the YAML contents: version, config, rules, the
    selection, the tree, and what checks read besides the YAML."""
    h = blake2b(digest_size=16)
    h.update(__version__.encode())
    h.update(",".join(sorted(enabled)).encode())
    h.update(json.dumps(config.__dict__, default=str, sort_keys=True).encode())
    h.update(json.dumps(sorted((r.id, r.origin, repr(r.declarative)) for r in rules.values())).encode())
    h.update("\n".join(sorted(files.all_files)).encode())
    h.update("\n".join(sorted(files.dirs)).encode())
    for chunk in run_inputs(root, config, files.all_files, enabled):  # what checks read besides the YAML
        h.update(chunk)
    for path in non_yaml_inputs(files.all_files):  # other non-YAML files checks may read: by content
        h.update(f"{path}\0{_input_digest(root, path, cache)}\n".encode())
    h.update("\0".join(["remotes", *git_remotes(root)]).encode())  # which GitRepository is this repository
    return h.hexdigest()


def _input_digest(root: Path, path: str, cache: Any) -> str:
    """The content digest of a non-YAML file a check may read: the cache's while its size and mtime
    are unchanged, else read and remembered. By content, not by stat, so that the same contents in
    another place (the tree of `--diff-base HEAD`, written anew for each run) have the same frame."""
    try:
        st = os.stat(root / path)
    except OSError:
        return "absent"
    known = cache.lookup(path, st.st_size, st.st_mtime_ns) if cache.enabled else None
    if known is not None:
        return known
    try:
        raw = read_regular(root / path, MAX_READ_BYTES)
    except OSError:
        raw = None
    if raw is None:  # not a regular file, or too big for a check to read: its stat stands for it
        return f"unread\0{st.st_size}\0{st.st_mtime_ns}"
    found = digest(raw)
    if cache.enabled:
        cache.touch(path, st.st_size, st.st_mtime_ns, found)
    return found
