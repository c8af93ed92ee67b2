"""The resource graph's nodes are typed: a node's kind is its class, so nodes of different kinds
never meet, whatever their fields, and the graph answers the rules' questions by kind."""

from __future__ import annotations

from homelint.model.graph import DirNode, FileNode, PatternNode, RefNode, ResourceGraph
from homelint.model.multigraph import MultiDiGraph


def test_nodes_of_different_kinds_with_the_same_fields_are_different_nodes():
    assert FileNode("apps") != DirNode("apps")
    assert len({FileNode("apps"), DirNode("apps"), FileNode("apps")}) == 2
    assert RefNode("secret", "default", "s") != PatternNode("secret", "default", "s")


def test_needed_lists_the_nodes_of_one_kind_sorted_by_namespace_and_name():
    import networkx as nx

    graph = nx.MultiDiGraph()
    for node in (RefNode("secret", "b", "x"), RefNode("claim", "a", "x"), RefNode("secret", "a", "y"), FileNode("secret")):
        graph.add_node(node)
    graph.add_node(PatternNode("secret", "a", "z.*"))
    needed = ResourceGraph(graph).needed("secret")
    assert [(n.namespace, n.name) for n in needed] == [("a", "y"), ("b", "x")]


def test_produced_covers_names_and_patterns_of_its_own_kind_only():
    import networkx as nx

    graph = nx.MultiDiGraph()
    graph.add_edge("maker", RefNode("secret", "a", "made"), type="produces-secret")
    graph.add_edge("maker", RefNode("configmap", "a", "other"), type="produces-configmap")
    graph.add_edge("maker", PatternNode("secret", "a", "db-.*"), type="produces-secret")
    graph.add_edge("user", RefNode("secret", "a", "used"), type="uses-secret")
    produced = ResourceGraph(graph).produced("secret")
    assert produced.covers("a", "made") and produced.covers("a", "db-1")
    assert not produced.covers("a", "other") and not produced.covers("a", "used") and not produced.covers("b", "made")


def test_a_name_only_hashed_generators_make_is_not_covered_but_kept_apart():
    from homelint.core.model import K8sObject
    from homelint.model.flux import Applied
    from homelint.model.graph import ProductEdge

    def generated(name: str, hashed: bool) -> Applied:
        obj = K8sObject("k/kustomization.yaml", 0, {}, "v1", "ConfigMap", name, None, anchor=("configMapGenerator", 0, "name"))
        return Applied(obj, "a", None, f"{name}-abc" if hashed else None, hashed)

    graph = MultiDiGraph()
    hashed, plain, other = generated("values", True), generated("plain", False), generated("values", False)
    graph.add_shared_edge("gen", RefNode("configmap", "a", "values"), ProductEdge("produces-configmap", (), hashed, None))
    graph.add_shared_edge("gen", RefNode("configmap", "a", "values-abc"), ProductEdge("produces-configmap", (), hashed, None))
    graph.add_shared_edge("gen", RefNode("configmap", "a", "plain"), ProductEdge("produces-configmap", (), plain, None))
    graph.add_shared_edge("gen", RefNode("configmap", "b", "values"), ProductEdge("produces-configmap", (), hashed, None))
    graph.add_shared_edge("cm", RefNode("configmap", "b", "values"), ProductEdge("produces-configmap", (), other, None))
    produced = ResourceGraph(graph).produced("configmap")
    assert not produced.covers("a", "values") and produced.hashed == {("a", "values"): [hashed]}
    assert produced.covers("a", "values-abc")  # the hashed name itself is what the cluster has
    assert produced.covers("a", "plain") and produced.covers("b", "values")  # a plain producer of the name is enough


def test_a_kustomization_two_clusters_apply_keeps_both_instances_on_its_node(repo):
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config
    from homelint.model.graph import KsNode

    root = repo({}, base="demo")
    staging = root / "kubernetes/flux/staging"
    staging.mkdir()
    (staging / "ks.yaml").write_text((root / "kubernetes/flux/cluster/ks.yaml").read_text())
    config = root / ".homelint.yaml"
    config.write_text(
        config.read_text().replace(
            "roots: [kubernetes/flux/cluster]", "roots: [kubernetes/flux/cluster, kubernetes/flux/staging]"
        )
    )
    loaded, _ = load_repo(root, load_config(root, None), use_cache=False)
    instances = loaded.graph.nx.nodes[KsNode("default/echo")]["kustomizations"]
    assert [ks.cluster for ks in instances] == ["kubernetes/flux/cluster", "kubernetes/flux/staging"]
    assert instances == [ks for ks in loaded.flux_model.kustomizations if ks.key == "default/echo"]
