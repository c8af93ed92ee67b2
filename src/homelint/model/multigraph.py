"""A directed multigraph with the part of networkx's MultiDiGraph interface the resource graph
uses (add_node, add_edge, nodes, edges, in_edges, `graph`, `in`), in the same iteration orders.

Importing networkx takes 0.1-0.25 s and its add_edge ~8 us (cache clearing, backend dispatch), a
third of building the resource graph on a one-file edit; this one is a few dicts. The orders are
networkx's: nodes as first added; edges by source node, then by target in the order of the
first edge between the two, then by key (0, 1, ...: the number of edges between them before).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import Any


class NodeView:
    """`graph.nodes`: iterate the nodes, `nodes[n]` is n's attribute dict, `nodes(data=True)`
    iterates (node, attributes)."""

    def __init__(self, attrs: dict[Hashable, dict[str, Any]]) -> None:
        self._attrs = attrs

    def __iter__(self) -> Iterator[Any]:
        return iter(self._attrs)

    def __len__(self) -> int:
        return len(self._attrs)

    def __contains__(self, node: object) -> bool:
        return node in self._attrs

    def __getitem__(self, node: Hashable) -> dict[str, Any]:
        return self._attrs[node]

    def __call__(self, data: bool = False) -> Iterator[Any]:
        return iter(self._attrs.items()) if data else iter(self._attrs)


# The edges between two nodes: the data of the one edge, or a list of them (an edge's data is never a list)
Edges = Mapping[str, Any] | list[Mapping[str, Any]]


class MultiDiGraph:
    """Nodes with attribute dicts, and any number of edges, each with a data dict, between two."""

    def __init__(self, **graph_attrs: Any) -> None:
        self.graph: dict[str, Any] = dict(graph_attrs)
        self._node: dict[Hashable, dict[str, Any]] = {}
        # the edges from u to v: _succ[u][v] (the same value as _pred[v][u]), the data of the one edge
        # or (from a second edge on) a list of them, each edge's key its index. Most pairs of nodes have
        # one edge: a list each was a tenth of the graph's memory.
        self._succ: dict[Hashable, dict[Hashable, Edges]] = {}
        self._pred: dict[Hashable, dict[Hashable, Edges]] = {}
        self.nodes = NodeView(self._node)

    def __contains__(self, node: object) -> bool:
        try:
            return node in self._node
        except TypeError:  # unhashable: not a node
            return False

    def __len__(self) -> int:
        return len(self._node)

    def add_node(self, node: Hashable, **attrs: Any) -> None:
        """Add `node`, or update the attributes of a node already there (into a new dict: the old one
        may be shared, see add_shared_node)."""
        found = self._node.get(node)
        if found is None:
            self.add_shared_node(node, attrs)  # `**attrs` is a dict of this call's own
        elif attrs:
            self._node[node] = {**found, **attrs}

    def add_shared_node(self, node: Hashable, attrs: dict[str, Any]) -> None:
        """Add `node` (absent) with `attrs` itself as its attribute dict, not a copy: one dict may be
        the attributes of many nodes (read, never changed in place)."""
        self._succ[node] = {}
        self._pred[node] = {}
        self._node[node] = attrs

    def add_edge(self, u: Hashable, v: Hashable, **data: Any) -> int:
        """Add an edge from `u` to `v` (adding either node if absent, `u` first); its key."""
        return self.add_shared_edge(u, v, data)  # `**data` is a dict of this call's own: kept, not copied

    def add_shared_edge(self, u: Hashable, v: Hashable, data: Mapping[str, Any]) -> int:
        """add_edge with `data` itself as the edge's data dict, not a copy: one dict may be the data of
        many edges (edge data is read, never changed, once the graph is built)."""
        succ = self._succ
        if u not in succ:
            self.add_node(u)
        if v not in succ:
            self.add_node(v)
        found = succ[u].get(v)
        if found is None:
            succ[u][v] = self._pred[v][u] = data
            return 0
        if not isinstance(found, list):
            found = succ[u][v] = self._pred[v][u] = [found]
        found.append(data)
        return len(found) - 1

    def edges(self, data: bool = False, keys: bool = False) -> Iterator[Any]:
        """Every edge: (u, v), with its key and/or data when asked ((u, v, key, data) for both)."""
        for u, targets in self._succ.items():
            for v, found in targets.items():
                for key, attrs in enumerate(found if isinstance(found, list) else (found,)):
                    yield _edge(u, v, key, attrs, data, keys)

    def in_edges(self, node: Hashable, data: bool = False, keys: bool = False) -> Iterator[Any]:
        """The edges that end at `node`: by source node in the order of its first edge to `node`."""
        for u, found in self._pred.get(node, {}).items():
            for key, attrs in enumerate(found if isinstance(found, list) else (found,)):
                yield _edge(u, node, key, attrs, data, keys)


def _edge(u: Hashable, v: Hashable, key: int, attrs: Mapping[str, Any], data: bool, keys: bool) -> tuple[Any, ...]:
    if keys:
        return (u, v, key, attrs) if data else (u, v, key)
    return (u, v, attrs) if data else (u, v)
