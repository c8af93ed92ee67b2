"""`homelint graph`: the Flux dependency graph as Mermaid, Graphviz dot or JSON, drawn from the
resource graph the rules query (repo.graph)."""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any

from homelint.model.flux import depends_on

if TYPE_CHECKING:
    from homelint.model.repo import Repo


def _nodes_and_edges(repo: Repo) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, str]]]:
    """The Kustomizations and HelmReleases of the resource graph, with their applies, dependsOn and
    source edges, as `Kind/namespace/name` ids."""
    graph = repo.graph
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, str]] = []
    for ks in graph.kustomizations():
        if ks.obj is None:
            continue
        node = f"Kustomization/{ks.namespace}/{ks.name}"
        nodes[node] = {"kind": "Kustomization", "namespace": ks.namespace, "name": ks.name, "path": ks.obj.path}
        for _, name, namespace in depends_on(ks.spec):
            if name:
                edges.append((node, f"Kustomization/{namespace or ks.namespace}/{name}", "dependsOn"))
        ref = ks.spec.get("sourceRef")
        if isinstance(ref, dict) and ref.get("name"):
            edges.append(
                (node, f"{ref.get('kind', 'GitRepository')}/{ref.get('namespace') or ks.namespace}/{ref['name']}", "source")
            )
        if ks.parent is not None and ks.parent.obj is not None:
            edges.append((f"Kustomization/{ks.parent.namespace}/{ks.parent.name}", node, "applies"))
    for applied in graph.applied("HelmRelease"):
        obj = applied.obj
        node = f"HelmRelease/{applied.ns}/{obj.name}"
        nodes[node] = {"kind": "HelmRelease", "namespace": applied.ns, "name": obj.name, "path": obj.path}
        if applied.ks is not None and applied.ks.obj is not None:
            edges.append((f"Kustomization/{applied.ks.namespace}/{applied.ks.name}", node, "applies"))
        for _, name, namespace in depends_on(obj.spec):
            if name:
                edges.append((node, f"HelmRelease/{namespace or applied.ns}/{name}", "dependsOn"))
        chart = obj.spec.get("chart")
        ref = chart.get("spec", {}).get("sourceRef") if isinstance(chart, dict) and isinstance(chart.get("spec"), dict) else None
        ref = ref if isinstance(ref, dict) else obj.spec.get("chartRef")
        if isinstance(ref, dict) and ref.get("name"):
            edges.append(
                (node, f"{ref.get('kind', 'HelmRepository')}/{ref.get('namespace') or applied.ns}/{ref['name']}", "source")
            )
    defined = _definitions(repo)
    for _, target, _ in edges:
        if target not in nodes:
            kind, ns, name = target.split("/", 2)
            nodes[target] = {"kind": kind, "namespace": ns, "name": name, "path": defined.get(target, "")}
    return nodes, sorted(set(edges))


def _definitions(repo: Repo) -> dict[str, str]:
    """kind/namespace/name -> the file that defines it: as Flux applies it (effective namespace)
    first, then as written, so that sources and other targets have a path too."""
    found: dict[str, str] = {}
    for applied in repo.graph.applied():
        found.setdefault(f"{applied.kind}/{applied.ns}/{applied.name}", applied.obj.path)
    for obj in repo.objects:
        found.setdefault(f"{obj.kind}/{obj.effective_namespace or obj.namespace or 'default'}/{obj.name}", obj.path)
    return found


MERMAID_MAX_EDGES = 500  # Mermaid's default maxEdges: a larger graph does not render


def narrow(nodes: dict[str, dict[str, str]], edges: list[tuple[str, str, str]], folder: str) -> tuple[Any, Any]:
    """The objects defined under `folder` (a path relative to the root), the edges that touch one
    of them, and the nodes at their other ends."""
    inside = {n for n, data in nodes.items() if data["path"] == folder or data["path"].startswith(folder.rstrip("/") + "/")}
    kept = [e for e in edges if e[0] in inside or e[1] in inside]
    wanted = inside | {e[0] for e in kept} | {e[1] for e in kept}
    return {n: d for n, d in nodes.items() if n in wanted}, kept


def _mermaid_text(text: str) -> str:
    return re.sub(r'["<>]', "", text)


def render_graph(repo: Repo, fmt: str, folder: str = "") -> str:
    nodes, edges = _nodes_and_edges(repo)
    if folder:
        nodes, edges = narrow(nodes, edges, folder)
    if fmt == "mermaid" and len(edges) > MERMAID_MAX_EDGES:
        print(
            f"homelint: warning: {len(edges)} edges, over Mermaid's default limit of {MERMAID_MAX_EDGES} (maxEdges): "
            "narrow it with `homelint graph FOLDER`, or raise maxEdges in the renderer's config",
            file=sys.stderr,
        )
    if fmt == "json":
        return (
            json.dumps(
                {
                    "nodes": [{"id": k, **v} for k, v in sorted(nodes.items())],
                    "edges": [{"from": a, "to": b, "type": t} for a, b, t in edges],
                },
                indent=2,
            )
            + "\n"
        )
    ids = {name: f"n{i}" for i, name in enumerate(sorted(nodes))}
    if fmt == "dot":
        lines = ["digraph flux {", "  rankdir=LR;"]
        for name, i in ids.items():
            shape = {"Kustomization": "box", "HelmRelease": "ellipse"}.get(nodes[name]["kind"], "cylinder")
            lines.append(f'  {i} [label="{name}", shape={shape}];')
        for a, b, t in edges:
            style = "dashed" if t == "source" else "solid" if t == "dependsOn" else "dotted"
            lines.append(f'  {ids[a]} -> {ids[b]} [label="{t}", style={style}];')
        lines.append("}")
        return "\n".join(lines) + "\n"
    lines = ["flowchart LR"]
    by_namespace: dict[str, list[str]] = {}
    for name in ids:
        by_namespace.setdefault(nodes[name]["namespace"], []).append(name)
    for number, (namespace, members) in enumerate(sorted(by_namespace.items())):
        lines.append(f'  subgraph ns{number}["{_mermaid_text(namespace)}"]')
        for name in members:
            node = nodes[name]
            label = _mermaid_text(f"{node['kind']}/{node['name']}")
            kind = node["kind"]
            i = ids[name]
            lines.append(
                f'    {i}["{label}"]'
                if kind == "Kustomization"
                else f'    {i}(["{label}"])'
                if kind == "HelmRelease"
                else f'    {i}[("{label}")]'
            )
        lines.append("  end")
    for a, b, t in edges:
        arrow = "-.->" if t == "source" else "-->" if t == "dependsOn" else "==>"
        lines.append(f"  {ids[a]} {arrow}|{t}| {ids[b]}")
    return "\n".join(lines) + "\n"
