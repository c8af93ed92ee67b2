"""`homelint graph`: the Flux dependency graph as Mermaid, Graphviz dot or JSON."""

from __future__ import annotations

import json
import re
from typing import Any


def _nodes_and_edges(repo: Any) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, str]]]:
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, str]] = []
    for ks in repo.flux.kustomizations:
        if ks.obj is None:
            continue
        node = f"Kustomization/{ks.namespace}/{ks.name}"
        nodes[node] = {"kind": "Kustomization", "namespace": ks.namespace, "name": ks.name, "path": ks.obj.path}
        deps = ks.spec.get("dependsOn")
        for dep in deps if isinstance(deps, list) else []:
            if isinstance(dep, dict) and dep.get("name"):
                edges.append((node, f"Kustomization/{dep.get('namespace') or ks.namespace}/{dep['name']}", "dependsOn"))
        ref = ks.spec.get("sourceRef")
        if isinstance(ref, dict) and ref.get("name"):
            edges.append(
                (node, f"{ref.get('kind', 'GitRepository')}/{ref.get('namespace') or ks.namespace}/{ref['name']}", "source")
            )
        if ks.parent is not None and ks.parent.obj is not None:
            edges.append((f"Kustomization/{ks.parent.namespace}/{ks.parent.name}", node, "applies"))
    for applied in repo.flux.applied:
        obj = applied.obj
        if obj.kind != "HelmRelease":
            continue
        node = f"HelmRelease/{applied.ns}/{obj.name}"
        nodes[node] = {"kind": "HelmRelease", "namespace": applied.ns, "name": obj.name, "path": obj.path}
        if applied.ks is not None and applied.ks.obj is not None:
            edges.append((f"Kustomization/{applied.ks.namespace}/{applied.ks.name}", node, "applies"))
        deps = obj.spec.get("dependsOn")
        for dep in deps if isinstance(deps, list) else []:
            if isinstance(dep, dict) and dep.get("name"):
                edges.append((node, f"HelmRelease/{dep.get('namespace') or applied.ns}/{dep['name']}", "dependsOn"))
        chart = obj.spec.get("chart")
        ref = chart.get("spec", {}).get("sourceRef") if isinstance(chart, dict) and isinstance(chart.get("spec"), dict) else None
        ref = ref if isinstance(ref, dict) else obj.spec.get("chartRef")
        if isinstance(ref, dict) and ref.get("name"):
            edges.append(
                (node, f"{ref.get('kind', 'HelmRepository')}/{ref.get('namespace') or applied.ns}/{ref['name']}", "source")
            )
    for _, target, _ in edges:
        if target not in nodes:
            kind, ns, name = target.split("/", 2)
            nodes[target] = {"kind": kind, "namespace": ns, "name": name, "path": ""}
    return nodes, sorted(set(edges))


def render_graph(repo: Any, fmt: str) -> str:
    nodes, edges = _nodes_and_edges(repo)
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
    for name, i in ids.items():
        label = re.sub(r'["<>]', "", name)
        kind = nodes[name]["kind"]
        lines.append(
            f'  {i}["{label}"]'
            if kind == "Kustomization"
            else f'  {i}(["{label}"])'
            if kind == "HelmRelease"
            else f'  {i}[("{label}")]'
        )
    for a, b, t in edges:
        arrow = "-.->" if t == "source" else "-->" if t == "dependsOn" else "==>"
        lines.append(f"  {ids[a]} {arrow}|{t}| {ids[b]}")
    return "\n".join(lines) + "\n"
