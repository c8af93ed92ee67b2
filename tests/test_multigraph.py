"""The resource graph's own MultiDiGraph answers as networkx's does, in the same orders (nodes as
first added; edges by source, target and key), and HL106's cycle search finds networkx's cycles."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from homelint.model.multigraph import MultiDiGraph
from homelint.rules.wiring import _cycles

NODES = st.sampled_from(["a", "b", "c", "d", ("t", 1), ("t", 2)])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("node"), NODES, st.dictionaries(st.sampled_from(["x", "y"]), st.integers(0, 3), max_size=2)),
        st.tuples(st.just("edge"), st.tuples(NODES, NODES), st.dictionaries(st.sampled_from(["type", "row"]), st.integers(0, 3))),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_it_answers_as_networkx_multidigraph_does(steps):
    ours, theirs = MultiDiGraph(k=1), nx.MultiDiGraph(k=1)
    for kind, what, attrs in steps:
        if kind == "node":
            ours.add_node(what, **attrs)
            theirs.add_node(what, **attrs)
        else:
            assert ours.add_edge(*what, **attrs) == theirs.add_edge(*what, **attrs)
    assert ours.graph == theirs.graph
    assert list(ours.nodes(data=True)) == list(theirs.nodes(data=True))
    assert list(ours.nodes) == list(theirs.nodes) and len(ours) == len(theirs)
    assert list(ours.edges(data=True, keys=True)) == list(theirs.edges(data=True, keys=True))
    assert list(ours.edges(data=True)) == list(theirs.edges(data=True))
    for node in theirs.nodes:
        assert node in ours and ours.nodes[node] == theirs.nodes[node]
        assert list(ours.in_edges(node, data=True)) == list(theirs.in_edges(node, data=True))
    assert "absent" not in ours and list(ours.in_edges("absent", data=True)) == []


def test_a_shared_edge_keeps_the_dict_it_is_given_and_counts_as_any_edge():
    graph = MultiDiGraph()
    shared = {"type": "contains"}
    assert graph.add_shared_edge("a", "b", shared) == 0
    assert graph.add_edge("a", "b", type="uses") == 1
    assert graph.add_shared_edge("c", "b", shared) == 0
    assert list(graph.nodes) == ["a", "b", "c"]
    assert list(graph.edges(data=True, keys=True)) == [
        ("a", "b", 0, shared),
        ("a", "b", 1, {"type": "uses"}),
        ("c", "b", 0, shared),
    ]
    assert all(d is shared for _, _, key, d in graph.in_edges("b", data=True, keys=True) if key == 0)


def test_the_one_edge_between_two_nodes_is_kept_without_a_list_and_a_second_makes_one():
    graph = MultiDiGraph()
    shared = {"type": "contains"}
    graph.add_shared_edge("a", "b", shared)
    assert graph._succ["a"]["b"] is shared and graph._pred["b"]["a"] is shared  # most pairs: no list of one
    assert graph.add_edge("a", "b", type="uses") == 1
    assert graph._succ["a"]["b"] == [shared, {"type": "uses"}] and graph._succ["a"]["b"] is graph._pred["b"]["a"]
    assert list(graph.in_edges("b", data=True, keys=True)) == [("a", "b", 0, shared), ("a", "b", 1, {"type": "uses"})]


EDGES = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=14)


@settings(max_examples=400, deadline=None)
@given(EDGES)
def test_dependency_cycles_are_networkx_simple_cycles(edges):
    graph = nx.DiGraph()
    graph.add_edges_from(edges)
    assert _cycles(edges) == sorted(nx.simple_cycles(graph), key=lambda c: sorted(c))


def test_an_acyclic_graph_has_no_cycle_and_a_self_dependency_is_one():
    assert _cycles([(1, 2), (2, 3), (1, 3), (4, 1)]) == []
    assert _cycles([(1, 1)]) == [[1]]
    assert _cycles([(1, 2), (2, 3), (3, 1)]) == [[1, 2, 3]]


def test_components_are_networkx_s_in_reverse_topological_order():
    """core.graphs.components: the strongly connected components, each after every one it reaches
    (Tarjan), the same sets as networkx finds, on random graphs with cycles."""
    import random

    import networkx as nx

    from homelint.core.graphs import components

    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 12)
        edges: dict[int, list[int]] = {}
        for _ in range(rng.randint(0, 30)):
            edges.setdefault(rng.randrange(n), []).append(rng.randrange(n))
        found = components(range(n), edges)
        graph = nx.DiGraph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from((a, b) for a, targets in edges.items() for b in targets)
        assert sorted(sorted(c) for c in found) == sorted(sorted(c) for c in nx.strongly_connected_components(graph))
        position = {node: i for i, comp in enumerate(found) for node in comp}
        for a, targets in edges.items():
            for b in targets:
                assert position[b] <= position[a]  # what a component reaches comes first
