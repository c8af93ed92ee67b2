"""`homelint explain FILE[:LINE]`: the chain Flux follows to apply an object, or the first missing link.

For each object at the place: root -> Flux Kustomizations (parent chain) -> the kustomization.yaml
folders that include the file, its effective namespace, the variables the applying Kustomization
substitutes (and where each comes from), and the findings on it.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from homelint.model import K8sObject


def _where(repo: Any, obj: K8sObject | None, *keys: Any) -> str:
    if obj is None:
        return ""
    try:
        span = repo.obj_span(obj, *keys)
        return f"{obj.path}:{span.line}"
    except Exception:
        return obj.path


def _doc_range(repo: Any, obj: K8sObject) -> tuple[int, int]:
    try:
        node = repo.positions.node(obj.path, obj.doc, ())
        if node is None:
            return 0, 0
        return node.start_mark.line + 1, max(
            node.end_mark.line + (0 if node.end_mark.column == 0 else 1), node.start_mark.line + 1
        )
    except Exception:
        return 0, 0


def _objects_at(repo: Any, path: str, line: int | None) -> list[K8sObject]:
    objs = list(repo.objects_by_file.get(path, []))
    if line is None or not objs:
        return objs
    ranges = [(o, *_doc_range(repo, o)) for o in objs]
    inside = [o for o, start, end in ranges if start <= line <= end]
    if inside:
        return inside[:1]
    before = [o for o, start, _ in ranges if start <= line]  # a comment or `---` between documents
    return [before[-1]] if before else [objs[0]]


def _ks_hop(repo: Any, ks: Any) -> dict[str, Any]:
    if ks.obj is None:
        hop: dict[str, Any] = {"kind": "root", "name": ks.label, "path": ks.root or None, "location": None}
        flux = repo.flux
        for ref, _sync_path, obj in getattr(flux.sources, "syncs", []) if flux is not None else []:
            if ks.source is not None and ref == ks.source:  # a FluxInstance (or its HelmRelease) sync
                hop["name"] = f"{obj.kind} {obj.name} syncs {ref}"
                hop["location"] = _where(repo, obj, "metadata", "name")
                break
        return hop
    return {
        "kind": "Kustomization",
        "name": f"{ks.namespace}/{ks.name}",
        "location": _where(repo, ks.obj, "metadata", "name"),
        "path": ks.path,
        "local": ks.local,
    }


def _chain(repo: Any, ks: Any) -> list[dict[str, Any]]:
    hops: list[dict[str, Any]] = []
    seen: set[int] = set()
    while ks is not None and id(ks) not in seen:
        seen.add(id(ks))
        hops.append(_ks_hop(repo, ks))
        ks = ks.parent
    hops.reverse()
    return hops


def _including_dirs(repo: Any, ks: Any, path: str) -> list[dict[str, Any]]:
    """The kustomization.yaml folders of this Kustomization's build that name the file (or its folder)."""
    folder = posixpath.dirname(path)
    out = []
    for directory in sorted(ks.dirs):
        kd = repo.kustomize_dirs.get(directory)
        if kd is None:
            continue
        for entry in kd.entries:
            if entry.target in (path, folder) or (entry.target and folder.startswith(entry.target + "/")):
                out.append({"file": kd.file, "entry": entry.value, "field": entry.kind, "namespace": kd.namespace})
                break
    return out


def _missing_link(repo: Any, path: str) -> str:
    flux = repo.flux
    folder = posixpath.dirname(path)
    kd = repo.kustomize_dirs.get(folder)
    if kd is not None and path not in {e.target for e in kd.entries} and posixpath.basename(path) != posixpath.basename(kd.file):
        return f"{kd.file} does not list {posixpath.basename(path)} (no resources/components entry names it)"
    # which Kustomizations would build the folder, if they were followed?
    remote = []
    for ks in flux.kustomizations if flux is not None else []:
        if ks.obj is None:
            continue
        raw = ks.raw_path or ""
        if not ks.local and raw and (folder == raw.strip("./") or folder.endswith("/" + raw.strip("./"))):
            remote.append(ks)
    if remote:
        ks = remote[0]
        src = f"{ks.source.kind}/{ks.source.namespace}/{ks.source.name}" if ks.source else "an unknown source"
        return (
            f"Kustomization {ks.namespace}/{ks.name} ({_where(repo, ks.obj, 'metadata', 'name')}) builds "
            f"'{ks.raw_path}' from {src}, which is not this repository"
        )
    reached = flux.reached_dirs if flux is not None else set()
    parent = folder
    while parent and parent not in reached:
        parent = posixpath.dirname(parent)
    if parent and parent in reached and parent != folder:
        owner = repo.kustomize_dirs.get(parent)
        name = owner.file if owner is not None else f"{parent}/ (no kustomization.yaml)"
        return f"no Flux Kustomization builds {folder}/: the nearest built folder is {parent}/ and {name} does not include it"
    return f"no Flux Kustomization builds {folder or '.'}/ (and no kustomization.yaml on the way includes it)"


def explain(root: Path, path: str, line: int | None, repo: Any, findings: list[Any]) -> dict[str, Any]:
    flux = repo.flux
    objs = _objects_at(repo, path, line)
    result: dict[str, Any] = {
        "file": path,
        "line": line,
        "roots": list(flux.roots) if flux is not None else [],
        "root_source": flux.root_source if flux is not None else "",
        "objects": [],
    }
    from homelint.variables import variables_of

    for obj in objs:
        start, end = _doc_range(repo, obj)
        entry: dict[str, Any] = {
            "kind": obj.kind,
            "name": obj.name,
            "namespace": obj.namespace,
            "location": f"{obj.path}:{start}",
            "applied": [],
        }
        for applied in flux.applied if flux is not None else []:
            if applied.obj.source is not obj:
                continue
            ks = applied.ks
            item: dict[str, Any] = {
                "namespace": applied.namespace,
                "name": applied.name,
                "chain": _chain(repo, ks) if ks is not None else [],
                "kustomizations": _including_dirs(repo, ks, path) if ks is not None else [],
                "variables": {},
            }
            if ks is not None and ks.obj is not None:
                variables = variables_of(repo, ks)
                item["variables"] = {k: variables.origin.get(k, "") for k in sorted(variables.values)}
                item["substitute_from"] = [
                    {
                        "kind": src.kind,
                        "name": src.name,
                        "optional": src.optional,
                        "files": sorted({o.path for o in [*src.objects, *src.producers]}),
                    }
                    for src in variables.sources
                ]
            entry["applied"].append(item)
        if not entry["applied"]:
            entry["missing"] = _missing_link(repo, path)
        entry["findings"] = [
            {"rule": f.rule, "line": f.span.line, "severity": f.severity, "message": f.message}
            for f in findings
            if f.path == path and (not start or start <= f.span.line <= max(end, start))
        ]
        result["objects"].append(entry)
    if not objs:
        result["missing"] = f"{path} holds no Kubernetes object"
        result["findings"] = [
            {"rule": f.rule, "line": f.span.line, "severity": f.severity, "message": f.message}
            for f in findings
            if f.path == path and (line is None or f.span.line == line)
        ]
    return result


def render_text(data: dict[str, Any]) -> str:
    out = [f"{data['file']}" + (f":{data['line']}" if data.get("line") else "")]
    out.append(f"  roots: {', '.join(data['roots']) or '(none)'} ({data['root_source']})")
    if data.get("missing"):
        out.append(f"  not applied: {data['missing']}")
    for obj in data["objects"]:
        ns = f"{obj['namespace']}/" if obj["namespace"] else ""
        out.append(f"\n{obj['kind']} {ns}{obj['name']} ({obj['location']})")
        if not obj["applied"]:
            out.append(f"  not applied by Flux: {obj['missing']}")
        for index, applied in enumerate(obj["applied"], 1):
            out.append(f"  applied ({index}) in namespace {applied['namespace'] or 'default'} as {applied['name']}:")
            for depth, hop in enumerate(applied["chain"]):
                where = f"  ({hop['location']})" if hop.get("location") else ""
                path = f" path={hop['path']}" if hop.get("path") is not None else ""
                out.append(f"    {'  ' * depth}-> {hop['kind']} {hop['name']}{path}{where}")
            for kz in applied["kustomizations"]:
                ns = f", namespace: {kz['namespace']}" if kz["namespace"] else ""
                out.append(f"    included by {kz['file']} ({kz['field']}: {kz['entry']}{ns})")
            if applied["variables"]:
                shown = ", ".join(f"{k} ({origin})" for k, origin in applied["variables"].items())
                out.append(f"    variables: {shown}")
            for src in applied.get("substitute_from", []):
                files = ", ".join(src["files"]) or "not found in the repository" + (" (optional)" if src["optional"] else "")
                out.append(f"    substituteFrom {src['kind']} {src['name']}: {files}")
        for f in obj["findings"]:
            out.append(f"  {f['rule']} line {f['line']} {f['severity']}: {f['message']}")
    for f in data.get("findings", []):
        out.append(f"  {f['rule']} line {f['line']} {f['severity']}: {f['message']}")
    return "\n".join(out) + "\n"


def run_explain(target: str, fmt: str, config_file: Path | None = None) -> str:
    from homelint.config import ConfigError
    from homelint.discovery import find_repo_root
    from homelint.engine import Options, run_check

    line: int | None = None
    file_arg = target
    head, sep, tail = target.rpartition(":")
    if sep and tail.isdigit() and not Path(target).exists():
        file_arg, line = head, int(tail)
    file_path = Path(file_arg)
    if not file_path.is_file():
        raise ConfigError(f"not a file: {file_arg}")
    root = find_repo_root(file_path)
    rel = file_path.resolve().relative_to(root).as_posix()
    result = run_check(Options(paths=[root], config_file=config_file, use_cache=False))
    repo = result.repo
    if repo is None or repo.flux is None:
        from homelint.config import load_config
        from homelint.runner import load_repo

        repo, _ = load_repo(root, load_config(root, config_file), use_cache=False)
    data = explain(root, rel, line, repo, result.findings)
    if fmt == "json":
        import json

        return json.dumps(data, indent=2) + "\n"
    return render_text(data)
