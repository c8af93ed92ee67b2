"""Find the exact span of a field in a file by re-composing it with node marks."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from homelint.model import FILE_START, Span
from homelint.yamlload import decode, iter_nodes

PathItem = str | int


class PositionIndex:
    """Composes files lazily (an LRU of node trees) to answer span queries."""

    def __init__(self, read: Any, capacity: int = 64) -> None:
        self._read = read  # callable: repo-relative path -> bytes | None
        self._nodes: OrderedDict[str, list[Any]] = OrderedDict()
        self._capacity = capacity

    def _documents(self, path: str) -> list[Any]:
        if path in self._nodes:
            self._nodes.move_to_end(path)
            return self._nodes[path]
        raw = self._read(path)
        nodes: list[Any] = []
        if raw is not None:
            text, _ = decode(raw)
            if text is not None:
                nodes = iter_nodes(text)
        self._nodes[path] = nodes
        if len(self._nodes) > self._capacity:
            self._nodes.popitem(last=False)
        return nodes

    def span(self, path: str, doc: int, keys: Sequence[PathItem] = (), *, key: bool = False) -> Span:
        """Span of the value at `keys` (or of its key with key=True); the deepest existing node otherwise."""
        docs = self._documents(path)
        if doc >= len(docs) or docs[doc] is None:
            return FILE_START
        node = docs[doc]
        found = node
        key_node = None
        for item in keys:
            nxt = None
            if node.id == "mapping" and isinstance(item, str):
                for k, v in node.value:
                    if k.id == "scalar" and k.value == item:
                        nxt, key_node = v, k
                        break
            elif node.id == "sequence" and isinstance(item, int) and 0 <= item < len(node.value):
                nxt, key_node = node.value[item], None
            if nxt is None:
                break
            node = found = nxt
        else:
            if key and key_node is not None:
                return node_span(key_node)
        return node_span(found)

    def document_span(self, path: str, doc: int) -> Span:
        return self.span(path, doc, ())


def node_span(node: Any) -> Span:
    start, end = node.start_mark, node.end_mark
    if node.id != "scalar":
        # A collection's end mark sits after its last line; point at its first line only.
        return Span(start.line + 1, start.column + 1, start.line + 1, start.column + 2)
    if end.line > start.line:
        return Span(start.line + 1, start.column + 1, start.line + 1, start.column + 2)
    return Span(start.line + 1, start.column + 1, end.line + 1, max(end.column + 1, start.column + 2))
