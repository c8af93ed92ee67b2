"""The resource graph (a networkx MultiDiGraph) that rules query.

Nodes: ("file", path), ("dir", path), ("ks", key), ("obj", kind, namespace, name) for applied
objects, ("claim", ns, name), ("secret", ns, name), ("source", kind, ns, name), ("var", name).
A substituting ks node carries `defines` (variable name -> origin).
Edges carry `type` (includes, applies-path, reconciles, contains, is-source, claims, uses-claim,
uses-secret, produces-secret, produces-claim, uses-var) and the field and Applied they come from.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from homelint.flux import Applied
from homelint.refs import (
    FieldPath,
    helm_release_refs,
    is_templated,
    pod_spec_refs,
    produced_claims,
    produced_secrets,
    resource_set_objects,
)
from homelint.substitution import resolve

if TYPE_CHECKING:
    from homelint.repo import Repo

SOURCE_KINDS = ("GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Bucket", "ExternalArtifact")


ANY_NAMESPACE = "*"  # a producer whose namespace is a template may create in any namespace
RELEASE_NAME = re.compile(r"\{\{-?\s*\.Release\.Name\s*-?\}\}")


def release_name(obj: Any) -> str:
    """helm-controller's release name: spec.releaseName, else [targetNamespace-]name."""
    spec = obj.spec
    if isinstance(spec.get("releaseName"), str) and spec["releaseName"]:
        return str(spec["releaseName"])
    target = spec.get("targetNamespace")
    return f"{target}-{obj.name}" if isinstance(target, str) and target else obj.name


def resolved_name(applied: Applied, name: str, repo: Repo) -> str | None:
    """A reference name after Flux substitution of the applying Kustomization; None if unknowable.

    In HelmRelease values, `{{ .Release.Name }}` (the only Helm template resolved) becomes the release name.
    """
    if name and "{{" in name and applied.obj.kind == "HelmRelease":
        name = RELEASE_NAME.sub(release_name(applied.obj), name)
    if not name or "{{" in name:
        return None
    if "${" not in name:
        return name
    ks = applied.ks
    if ks is None or ks.post_build is None:
        return None
    from homelint.variables import variables_of

    return resolve(name, variables_of(repo, ks).values)


def name_pattern(name: str) -> str:
    """A regex for a produced name whose variables cannot be resolved: `a-${X}-tls` -> `a-.*-tls`
    (Helm `{{ }}` and ResourceSet `<< >>` parts alike)."""
    import re

    parts = re.split(r"\$\{[^}]*\}|\{\{.*?\}\}|<<.*?>>", name)
    return ".*".join(re.escape(p) for p in parts)


def in_edges_of(graph: Any, node: Any, *edge_types: str) -> list[dict[str, Any]]:
    """Data of the edges of the given types that end at `node`."""
    return [d for _, _, d in graph.in_edges(node, data=True) if d.get("type") in edge_types]


class Produced:
    """What the repository produces of one kind ("claim" or "secret"), per namespace."""

    def __init__(self, graph: Any, kind: str) -> None:
        self.names: dict[str, set[str]] = {}
        self.patterns: dict[str, list[re.Pattern[str]]] = {}
        edge_type = f"produces-{kind}"
        for node in graph.nodes:
            if node[0] == kind and in_edges_of(graph, node, edge_type):
                self.names.setdefault(node[1], set()).add(node[2])
            elif node[0] == f"{kind}-pattern":
                self.patterns.setdefault(node[1], []).append(re.compile(node[2]))

    def covers(self, namespace: str, name: str) -> bool:
        """Produced by name, or possibly by a producer whose name or namespace uses unreadable
        variables (never guess)."""
        if name in self.names.get(namespace, set()):
            return True
        return any(p.fullmatch(name) for ns in (namespace, ANY_NAMESPACE) for p in self.patterns.get(ns, []))


def obj_node(applied: Applied) -> tuple[str, str, str, str]:
    return ("obj", applied.kind, applied.ns, applied.name)


def build_graph(repo: Repo) -> Any:
    import networkx as nx

    graph = nx.MultiDiGraph()
    flux = repo.flux
    for path in repo.files.yaml_files:
        graph.add_node(("file", path), applied=path in flux.applied_files)
    for directory, kd in repo.kustomize_dirs.items():
        graph.add_node(("dir", directory), kustomization=kd)
        graph.add_edge(("dir", directory), ("file", kd.file), type="includes")
        for entry in kd.entries:
            target = ("dir", entry.target) if entry.target in repo.kustomize_dirs else ("file", entry.target)
            graph.add_edge(("dir", directory), target, type="includes", entry=entry)
    for ks in flux.kustomizations:
        graph.add_node(("ks", ks.key), ks=ks)
        if ks.path is not None:
            graph.add_edge(("ks", ks.key), ("dir", ks.path), type="applies-path")
        if ks.parent is not None:
            graph.add_edge(("ks", ks.parent.key), ("ks", ks.key), type="reconciles")
    for ks in flux.kustomizations:
        _add_generators(graph, repo, ks)
        _add_variables(graph, repo, ks)
    for applied in flux.applied:
        node = obj_node(applied)
        if node not in graph:
            graph.add_node(node, applied=[])
        graph.nodes[node].setdefault("applied", []).append(applied)
        graph.add_edge(("file", applied.obj.path), node, type="contains")
        if applied.ks is not None:
            graph.add_edge(("ks", applied.ks.key), node, type="reconciles")
        _add_references(graph, repo, applied)
    return graph


def _add_references(graph: Any, repo: Repo, applied: Applied) -> None:
    obj = applied.obj
    node = obj_node(applied)
    ns = applied.ns
    if obj.kind in SOURCE_KINDS and obj.group.startswith("source.toolkit.fluxcd.io"):
        graph.add_edge(node, ("source", obj.kind, ns, obj.name), type="is-source")
    _add_products(graph, repo, applied, obj, ns, None)
    for made in resource_set_objects(obj):
        made_ns = made.namespace or ns
        _add_products(graph, repo, applied, made, ANY_NAMESPACE if is_templated(made_ns) else made_ns, ("spec",))
    if obj.kind == "ReplicationSource":
        pvc = obj.spec.get("sourcePVC")
        real = resolved_name(applied, pvc, repo) if isinstance(pvc, str) else None
        if real:
            graph.add_edge(node, ("claim", ns, real), type="uses-claim", field=("spec", "sourcePVC"), applied=applied)
    refs = []
    target_ns = ns
    if obj.kind == "HelmRelease":
        refs = list(helm_release_refs(obj))
        tns = obj.spec.get("targetNamespace")
        target_ns = tns if isinstance(tns, str) and tns else ns
    elif obj.kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"):
        refs = list(pod_spec_refs(obj))
    for ref in refs:
        if ref.kind in ("claim", "secret"):
            real = resolved_name(applied, ref.name, repo)
            if not real:
                continue
            # valuesFrom Secrets live in the HelmRelease namespace; chart values in the target one
            where = ns if ref.field[:2] == ("spec", "valuesFrom") else target_ns
            kind = "claims" if ref.kind == "claim" else "uses-secret"
            graph.add_edge(node, (ref.kind, where, real), type=kind, field=ref.field, applied=applied, ref=ref)


def _add_products(graph: Any, repo: Repo, applied: Applied, obj: Any, ns: str, field_of: FieldPath | None) -> None:
    """produces-secret/produces-claim edges from what `obj` creates; `field_of` overrides the
    field of each (what a ResourceSet creates is located at its spec)."""
    node = obj_node(applied)
    for kind, products in (("secret", produced_secrets(obj)), ("claim", produced_claims(obj))):
        for name, field in products:
            where = field_of or field
            real = resolved_name(applied, name, repo) if not is_templated(name) else None
            if real:
                graph.add_edge(node, (kind, ns, real), type=f"produces-{kind}", field=where, applied=applied)
            elif name:
                target = (f"{kind}-pattern", ns, name_pattern(name))
                graph.add_edge(node, target, type=f"produces-{kind}", field=where, applied=applied)


def _add_variables(graph: Any, repo: Repo, ks: Any) -> None:
    """The variables a substituting Kustomization defines (its node's `defines`: name -> origin);
    a uses-var edge per object and variable it substitutes."""
    from homelint.checks.common import substituted_objects
    from homelint.substitution import scan_cached
    from homelint.variables import variables_of

    if ks.post_build is None:
        return
    variables = variables_of(repo, ks)
    if not variables.substitutes:
        return
    graph.nodes[("ks", ks.key)]["defines"] = variables.origin
    applied_as = {id(a.obj): a for a in ks.applied}
    for obj in substituted_objects(ks):
        strings = repo.placeholder_strings(obj)
        if not strings:
            continue
        applied = applied_as[id(obj)]
        uses: dict[str, list[tuple[Any, ...]]] = {}
        for field, text, is_key in strings:
            for expr in scan_cached(text):
                uses.setdefault(expr.name, []).append((field, is_key, expr, text))
        for name, occurrences in uses.items():  # one edge per object and variable, every occurrence on it
            graph.add_edge(obj_node(applied), ("var", name), type="uses-var", ks=ks, obj=obj, uses=occurrences)


def _add_generators(graph: Any, repo: Repo, ks: Any) -> None:
    """secretGenerator/configMapGenerator objects of every kustomization a Flux Kustomization builds."""
    target = ks.spec.get("targetNamespace") if isinstance(ks.spec.get("targetNamespace"), str) else None
    for directory in ks.dirs:
        kd = repo.kustomize_dirs.get(directory)
        if kd is None:
            continue
        items = kd.data.get("secretGenerator")
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                ns = target or item.get("namespace") or kd.namespace or ks.namespace
                graph.add_edge(
                    ("dir", directory),
                    ("secret", ns, item["name"]),
                    type="produces-secret",
                    field=("secretGenerator", index, "name"),
                    file=kd.file,
                )
