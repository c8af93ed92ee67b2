"""kustomize `replacements:` on one object's fields (kustomize api/filters/replacement/replacement.go
getRefinedValue, copyValueToTarget and setFieldValue over kyaml's PathMatcher), as kubectl kustomize
v5.8.1 runs them (tests/test_replacements.py compares each case with it):

- a source's `options.delimiter` splits its scalar value and takes the `index`'th part; an index out
  of range fails the build (`options.index N is out of bounds for value V`);
- a target's `options.delimiter` splits the target's value, replaces the `index`'th part, prepends the
  value for a negative index and appends it for an index past the end; `index` without a delimiter
  is ignored; a delimiter on a map or list fails (`delimiter option can only be used with scalar
  nodes`);
- a target field path walks maps by key and lists by `N` (an index), `[key=regex]` (every item whose
  field `key` matches the anchored regex) and `*` (every item that has the rest of the path);
- without `options.create` a field path that reaches nothing fails the build (`unable to find field
  "P" in replacement target`); with it, missing map keys are made, `[key=value]` with no match
  appends `{key: value}`, an index equal to the list's length appends an item; an index past that,
  or `*` where a map is made, fails (`unable to find or create field ...`);
- an existing scalar keeps its type (only the value text is copied); a made scalar takes the type
  its text reads as.

What is not decided here (a null on the path, a key on a list, a non-scalar part of a delimited
value, options it does not know) is Unknown: the caller leaves the object as uncertain."""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

from homelint.core.regex import linear

Pointer = tuple[str, ...]  # map keys and list indexes (as digits) from the object's root
Edit = tuple[Pointer, Any]  # a field set to a value (a list: the whole list, with an item appended)

SCALARS = (str, int, float, bool)
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


class Unknown(Exception):
    """What kustomize does here is not decided by this module."""


class Failure(Exception):
    """kustomize fails the build: its reason, and the field where the path stopped (for the
    caller to judge whether transformers it does not apply could have put something there)."""

    def __init__(self, reason: str, at: Pointer = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.at = at


class _Missing(Exception):
    def __init__(self, at: Pointer, detail: str = "") -> None:
        super().__init__(detail)
        self.at = at
        self.detail = detail


def text(value: Any) -> str:
    """A scalar's YAML text (kyaml GetValue)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _plain(value: str) -> Any:
    """A made scalar's value: its text as YAML reads it untagged (ints, floats, booleans)."""
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value) and any(c.isdigit() for c in value):
        return float(value)
    return {"true": True, "false": False}.get(value, value)


def _retyped(old: Any, value: str) -> Any:
    """An existing scalar given a new value text: it keeps its type where the text reads as one."""
    if isinstance(old, bool):
        return {"true": True, "false": False}.get(value, value)
    if isinstance(old, int) and _INT.fullmatch(value):
        return int(value)
    if isinstance(old, float) and _FLOAT.fullmatch(value):
        return float(value)
    return value


def _options(options: Any) -> tuple[str, int, bool]:
    """(delimiter, index, create) of a FieldOptions; Unknown for what kustomize would not read."""
    if options is None:
        return "", 0, False
    if not isinstance(options, dict) or set(options) - {"delimiter", "index", "create"}:
        raise Unknown
    delimiter, index, create = options.get("delimiter", ""), options.get("index", 0), options.get("create", False)
    if not isinstance(delimiter, str) or isinstance(index, bool) or not isinstance(index, int) or not isinstance(create, bool):
        raise Unknown
    return delimiter, index, create


def source_value(value: Any, options: Any) -> Any:
    """The value a replacement copies: the source field, refined by its options (getRefinedValue)."""
    delimiter, index, _ = _options(options)
    if not delimiter:
        return value
    if not isinstance(value, SCALARS):
        raise Failure("delimiter option can only be used with scalar nodes")
    parts = text(value).split(delimiter)
    if not 0 <= index < len(parts):
        raise Failure(f"options.index {index} is out of bounds for value {text(value)}")
    return parts[index]


@lru_cache(maxsize=256)
def _selector(pattern: str) -> Any:
    try:
        return linear(f"^{pattern}$").search
    except ValueError:
        raise Unknown from None


class _Target:
    """One field path of a target: its parts, the value, the options."""

    def __init__(self, parts: tuple[str, ...], value: Any, options: Any) -> None:
        self.parts = parts
        self.value = value
        self.delimiter, self.index, self.create = _options(options)

    def new_value(self, old: Any, existing: bool) -> Any:
        """setFieldValue: the value the field gets."""
        value = self.value
        if self.delimiter:
            if existing and not isinstance(old, SCALARS):
                raise Failure("delimiter option can only be used with scalar nodes")
            if not isinstance(value, SCALARS):
                raise Unknown
            items = text(old).split(self.delimiter)
            if self.index < 0:
                items.insert(0, text(value))
            elif self.index >= len(items):
                items.append(text(value))
            else:
                items[self.index] = text(value)
            value = self.delimiter.join(items)
        if not existing:
            return _plain(text(value)) if isinstance(value, SCALARS) else copy.deepcopy(value)
        if isinstance(old, SCALARS):
            return _retyped(old, text(value)) if isinstance(value, SCALARS) else copy.deepcopy(value)
        if old is None:
            raise Unknown  # a null: kept as a scalar of tag !!null or replaced, not decided here
        return copy.deepcopy(value)

    def walk(self, node: Any, i: int, at: Pointer) -> list[Edit]:
        """The edits that set the path from parts[i] on, below `node` (which exists, at `at`)."""
        if i == len(self.parts):
            return [(at, self.new_value(node, True))]
        part = self.parts[i]
        if isinstance(node, list):
            return self._in_list(node, i, at)
        if not isinstance(node, dict):
            raise Unknown  # a scalar or null on the way
        if part.isdigit():
            raise Unknown  # an index on a map
        if part == "*" or part.startswith("["):
            raise Failure("wrong node kind: expected SequenceNode but got MappingNode", at)
        if part in node:
            return self.walk(node[part], i + 1, (*at, part))
        if not self.create:
            raise _Missing((*at, part))
        return [((*at, part), self.made(i + 1, (*at, part)))]

    def _in_list(self, node: list[Any], i: int, at: Pointer) -> list[Edit]:
        part = self.parts[i]
        if part == "*":
            edits: list[Edit] = []
            for j, item in enumerate(node):
                try:
                    edits += self.walk(item, i + 1, (*at, str(j)))
                except _Missing:
                    continue  # an item without the rest of the path
            if not edits:
                raise _Missing(at)
            return edits
        if part.isdigit():
            k = int(part)
            if k < len(node):
                return self.walk(node[k], i + 1, (*at, part))
            if self.create and k == len(node):
                return [(at, [*node, self.made(i + 1, (*at, part))])]
            raise _Missing(at, f"index {k} specified but only {len(node)} elements found")
        key, eq, pattern = part[1:-1].partition("=")
        if not (part.startswith("[") and part.endswith("]") and eq and key):
            raise Unknown
        matches = _selector(pattern)
        found = [
            j
            for j, item in enumerate(node)
            if isinstance(item, dict) and isinstance(item.get(key), SCALARS) and matches(text(item[key]))
        ]
        if found:
            return [edit for j in found for edit in self.walk(node[j], i + 1, (*at, str(j)))]
        if not self.create:
            raise _Missing(at)
        rest = self.made(i + 1, (*at, str(len(node))))
        if not isinstance(rest, dict):
            raise Unknown
        return [(at, [*node, {key: pattern, **rest}])]

    def made(self, i: int, at: Pointer) -> Any:
        """The value made for a missing field whose path goes on with parts[i:] (options.create)."""
        if i == len(self.parts):
            return self.new_value(None, False)
        part = self.parts[i]
        if part.isdigit():
            if part != "0":
                raise _Missing(at, f"index {part} specified but only 0 elements found")
            return [self.made(i + 1, (*at, part))]
        if part.startswith("["):
            key, eq, pattern = part[1:-1].partition("=")
            rest = self.made(i + 1, (*at, "0"))
            if not (part.endswith("]") and eq and key and isinstance(rest, dict)):
                raise Unknown
            return [{key: pattern, **rest}]
        if part == "*":
            raise Failure("wrong node kind: expected SequenceNode but got MappingNode", at)
        return {part: self.made(i + 1, (*at, part))}


def replace_field(data: dict[str, Any], parts: tuple[str, ...], field_path: str, value: Any, options: Any) -> list[Edit]:
    """The edits a replacement makes to set `field_path` (split in `parts`) of the object `data`
    to `value`; raises Failure (with kustomize's message) where kustomize fails the build, and
    Unknown where this module does not decide."""
    target = _Target(parts, value, options)
    try:
        return target.walk(data, 0, ())
    except _Missing as missing:
        verb = "find or create" if target.create else "find"
        detail = f": {missing.detail}" if missing.detail else ""
        raise Failure(f'unable to {verb} field "{field_path}" in replacement target{detail}', missing.at) from None
    except Failure as failed:
        verb = "find or create" if target.create else "find"
        if failed.reason.startswith("wrong node kind"):
            raise Failure(f'unable to {verb} field "{field_path}" in replacement target: {failed.reason}', failed.at) from None
        raise
