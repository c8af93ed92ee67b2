"""Find the exact span of a field in a file by re-composing it with node marks."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from homelint.core.model import FILE_START, Span
from homelint.loading.yamlload import decode, iter_nodes

PathItem = str | int


class PositionIndex:
    """Composes files lazily (an LRU of node trees) to answer span queries."""

    def __init__(self, read: Any, capacity: int = 64) -> None:
        self._read = read  # callable: repo-relative path -> bytes | None
        self._nodes: OrderedDict[str, list[Any]] = OrderedDict()
        self._texts: dict[str, str] = {}
        self._capacity = capacity
        # Optional persistent memo: spans of unchanged files need no re-composing (see Cache.spans)
        self.memo: dict[str, tuple[int, int, int, int]] | None = None
        self.added: dict[str, tuple[int, int, int, int]] = {}  # memo entries this process added
        self.digests: dict[str, str] = {}
        self.skip: set[str] = set()  # files the loader could not read as text (or crashed on): never composed
        # (path, doc) of an object inside a document (an item of a List) -> (its document, its
        # field path there): such an object is numbered past the file's documents (repo._index_objects)
        self.within: dict[tuple[str, int], tuple[int, tuple[PathItem, ...]]] = {}

    def _memo_key(self, path: str, *parts: Any) -> str | None:
        digest = self.digests.get(path)
        return f"{digest}|{parts!r}" if self.memo is not None and digest else None

    def _remember(self, key: str | None, span: Span) -> Span:
        if key is not None and self.memo is not None:
            self.memo[key] = self.added[key] = (span.line, span.column, span.end_line, span.end_column)
        return span

    def _documents(self, path: str) -> list[Any]:
        if path in self._nodes:
            self._nodes.move_to_end(path)
            return self._nodes[path]
        raw = self._read(path) if path not in self.skip else None
        nodes: list[Any] = []
        if raw is not None:
            text, _ = decode(raw)
            if text is not None:
                nodes = iter_nodes(text)
                self._texts[path] = text
        self._nodes[path] = nodes
        if len(self._nodes) > self._capacity:
            evicted, _ = self._nodes.popitem(last=False)
            self._texts.pop(evicted, None)
        return nodes

    def span(self, path: str, doc: int, keys: Sequence[PathItem] = (), *, key: bool = False) -> Span:
        """Span of the value at `keys` (or of its key with key=True); the deepest existing node otherwise."""
        memo_key = self._memo_key(path, doc, tuple(keys), key)
        if memo_key is not None and memo_key in self.memo:  # type: ignore[operator]
            return Span(*self.memo[memo_key])  # type: ignore[index]
        node = self.node(path, doc, keys, key=key)
        return self._remember(memo_key, node_span(node) if node is not None else FILE_START)

    def text_span(self, path: str, doc: int, keys: Sequence[PathItem], needle: str, *, key: bool = False, nth: int = 0) -> Span:
        """Span of `needle` inside the scalar at `keys` (e.g. one `${VAR}` in a long string): its
        `nth` occurrence there (from 0), or its first when the scalar holds fewer."""
        memo_key = self._memo_key(path, doc, tuple(keys), key, needle, *((nth,) if nth else ()))
        if memo_key is not None and memo_key in self.memo:  # type: ignore[operator]
            return Span(*self.memo[memo_key])  # type: ignore[index]
        return self._remember(memo_key, self._text_span(path, doc, keys, needle, key=key, nth=nth))

    def _text_span(self, path: str, doc: int, keys: Sequence[PathItem], needle: str, *, key: bool, nth: int) -> Span:
        node = self.node(path, doc, keys, key=key)
        if node is None:
            return FILE_START
        text = self._texts.get(path, "")
        start, end = node.start_mark.index, node.end_mark.index
        found = find_nth(text, needle, nth, start, max(end, start + 1))
        if node.id != "scalar" or found < 0:
            return node_span(node)
        line = text.count("\n", 0, found) + 1
        column = found - (text.rfind("\n", 0, found) + 1) + 1
        first_line_end = text.find("\n", found)
        length = len(needle) if first_line_end < 0 or first_line_end >= found + len(needle) else first_line_end - found
        return Span(line, column, line, column + max(length, 1))

    def plain_text_span(self, path: str, line: int, needle: str | None, nth: int = 0) -> Span:
        """Span of `needle` in a file that is not YAML (a generator's source), searched from the
        0-based `line` on (its `nth` occurrence on the first line that has it, else its first);
        that line itself without a needle or when it is not found."""
        raw = self._read(path)
        text, _ = decode(raw) if raw is not None else (None, None)
        if text is None:
            return FILE_START
        lines = text.split("\n")
        for number in range(line, len(lines)):
            column = find_nth(lines[number], needle, nth) if needle else -1
            if column >= 0 and needle:
                return Span(number + 1, column + 1, number + 1, column + 1 + len(needle))
        return Span(line + 1, 1, line + 1, 2)

    def inner_span(
        self,
        path: str,
        doc: int,
        keys: Sequence[PathItem],
        inner: Sequence[PathItem],
        *,
        key: bool = False,
        needle: str | None = None,
        part: int = 0,
        nth: int = 0,
        outer: Sequence[tuple[Sequence[PathItem], int]] = (),
    ) -> Span:
        """Span of the field `inner` of the YAML held by the block scalar at `keys` (an inline patch
        `patch: |`; in its YAML document `part`), in the file; the scalar's own span when it is not
        a block or not YAML. `outer`: the block scalars between, outermost first, each (field
        inside the YAML of the one before, its document): a patch that writes an inline patch."""
        node = self.node(path, doc, keys)
        if node is None or node.id != "scalar" or node.style not in ("|", ">") or not isinstance(node.value, str):
            return self.span(path, doc, keys)
        lines = self._texts.get(path, "").split("\n")
        first = node.start_mark.line + 1  # the text starts on the line after `|`
        indent = _indent(lines[first:])
        for level_keys, level_part in (*outer, (inner, part)):
            docs = iter_nodes(node.value)  # a text that is not YAML composes to nothing
            if len(docs) <= level_part or docs[level_part] is None:
                return self.span(path, doc, keys)
            found = find_node(docs[level_part], level_keys, key=key and level_keys is inner)
            if found is None:
                return self.span(path, doc, keys)
            if level_keys is inner:
                break
            if found.id != "scalar" or found.style != "|" or node.style != "|" or not isinstance(found.value, str):
                line, column = first + found.start_mark.line + 1, indent + found.start_mark.column + 1
                return Span(line, column, line, column + 1)  # the nearest field written there
            # a literal block inside a literal block: its lines are the file's, less both indents
            inner_first = found.start_mark.line + 1
            indent += _indent(node.value.split("\n")[inner_first:])
            first += inner_first
            node = found
        start, end = found.start_mark, found.end_mark
        line = first + start.line + 1
        column = indent + start.column + 1
        if needle is not None and found.id == "scalar":
            content = lines[line - 1] if line - 1 < len(lines) else ""
            offset = find_nth(content, needle, nth, column - 1)
            if offset >= 0:
                return Span(line, offset + 1, line, offset + 1 + len(needle))
        if found.id == "scalar" and end.line == start.line:
            return Span(line, column, line, max(indent + end.column + 1, column + 1))
        return Span(line, column, line, column + 1)

    def node(self, path: str, doc: int, keys: Sequence[PathItem] = (), *, key: bool = False) -> Any:
        return self._find(path, doc, keys, key=key)

    def _find(self, path: str, doc: int, keys: Sequence[PathItem], *, key: bool = False, value: bool = False) -> Any:
        """The YAML node at `keys` of the document (an item of a List: inside the List's document), or None."""
        inside = self.within.get((path, doc))
        if inside is not None:
            doc, keys = inside[0], (*inside[1], *keys)
        docs = self._documents(path)
        if doc >= len(docs) or docs[doc] is None:
            return None
        return find_node(docs[doc], keys, key=key, value=value)

    def extent(self, path: str, doc: int, keys: Sequence[PathItem]) -> Span | None:
        """Where the whole value at `keys` is written (from its first character to the end of its
        last, a collection's every line); None when the document has no such field."""
        node = self._find(path, doc, keys, value=True)
        if node is None:
            return None
        start, end = node.start_mark, node.end_mark
        return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _indent(lines: Sequence[str]) -> int:
    """The indentation of the first line that is not blank (0 when none is)."""
    return next((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), 0)


def find_node(node: Any, keys: Sequence[PathItem], *, key: bool = False, value: bool = False) -> Any:
    """The node at `keys` (its key node for collections, or with key=True); the deepest existing one otherwise.
    With `value`: the value node itself, collection or not, and None when `keys` is not there."""
    found = node
    key_node = None
    complete = True
    for item in keys:
        nxt = None
        if node.id == "mapping" and isinstance(item, str):
            nxt, found_key = _mapping_item(node, item)
            if nxt is not None:
                key_node = found_key
        elif node.id == "sequence" and isinstance(item, int) and 0 <= item < len(node.value):
            nxt, key_node = node.value[item], None
        if nxt is None:
            complete = False
            break
        node = found = nxt
    if value:
        return found if complete else None
    # a scalar is shown where its value is; a mapping or list where its key is
    if key_node is not None and (found.id != "scalar" or (key and complete)):
        return key_node
    return found


def find_nth(text: str, needle: str, nth: int, start: int = 0, end: int | None = None) -> int:
    """Offset of the `nth` (from 0) non-overlapping occurrence of `needle` in `text[start:end]`,
    the first one when there are fewer, -1 when there is none."""
    first = found = text.find(needle, start, end)
    for _ in range(nth):
        if found < 0:
            return first
        found = text.find(needle, found + len(needle), end)
    return found if found >= 0 else first


def node_span(node: Any) -> Span:
    start, end = node.start_mark, node.end_mark
    if node.id != "scalar":
        # A collection's end mark sits after its last line; point at its first line only.
        return Span(start.line + 1, start.column + 1, start.line + 1, start.column + 2)
    if end.line > start.line:
        return Span(start.line + 1, start.column + 1, start.line + 1, start.column + 2)
    return Span(start.line + 1, start.column + 1, end.line + 1, max(end.column + 1, start.column + 2))


def _mapping_item(node: Any, item: str, depth: int = 0) -> tuple[Any, Any]:
    """(value node, key node) of `item` in a mapping node, following `<<` merge keys as YAML does
    (own keys first, then the merged mappings in order): a key merged from an anchor is shown
    where the anchor defines it, so every alias of it points at one source position."""
    merged: list[Any] = []
    for k, v in node.value:
        if k.id != "scalar":
            continue
        if k.value == item and k.tag != MERGE_TAG:
            return v, k
        if k.tag == MERGE_TAG or k.value == "<<":
            merged.extend([v] if v.id == "mapping" else [m for m in v.value if m.id == "mapping"] if v.id == "sequence" else [])
    if depth < 20:
        for source in merged:
            found = _mapping_item(source, item, depth + 1)
            if found[0] is not None:
                return found
    return None, None


MERGE_TAG = "tag:yaml.org,2002:merge"
