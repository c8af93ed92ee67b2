"""`homelint explain FILE[:LINE]`: the chain Flux follows to apply an object, or the first missing link.

For each object at the place: root -> Flux Kustomizations (parent chain) -> the kustomization.yaml
folders that include the file, its effective namespace and what set it, the patches whose target
selects it, the variables it uses and where each comes from (substitute, substituteFrom with the
producing file, its own default), and the findings on it. `finding_chains` gives the same chain per
finding for SARIF codeFlows and `check --show-chain`.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import Any

from homelint.core.context import Context
from homelint.core.model import CORE_REFERENCED, K8sObject
from homelint.core.substitution import DISABLE_KEY, placeholder_strings, scan_cached
from homelint.engine.cache import Cache
from homelint.engine.lint import Options, run_check
from homelint.engine.runner import load_repo, remembered_walk
from homelint.loading.discovery import find_file_root, marked
from homelint.loading.safeio import printable
from homelint.model.config import ConfigError
from homelint.model.flux import _patch_body
from homelint.model.generators import data_files
from homelint.model.kustomize import inside, join
from homelint.model.repo import template_inputs
from homelint.model.targets import target_matches
from homelint.model.variables import variables_of
from homelint.rules.common import run_by_script, spec_components_of, templated_objects, unbuildable
from homelint.rules.templated import TEMPLATE_SUFFIXES


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
    hops = [_ks_hop(repo, hop) for hop in ks.lineage()] if ks is not None else []
    hops.reverse()
    return hops


def _template(repo: Any, path: str) -> str:
    """What a template file makes: the objects of a bootstrap template outside every Flux build
    (rules.common.templated_objects), as the producer checks count them, and whether a script
    applies it with kubectl."""
    made = sorted(
        f"{kind} {f'{namespace}/' if namespace else ''}{name}"
        for (kind, name), places in templated_objects(Context(repo, {})).items()
        for where, namespace in places
        if where == path
    )
    scripted = run_by_script(Context(repo, {}), path)
    how = (
        "a bootstrap template a script applies with kubectl before Flux runs"
        if scripted
        else "a bootstrap template outside every Flux build (no line of a script, Taskfile or justfile that runs kubectl "
        "names it: homelint takes it as applied by hand before Flux runs)"
    )
    if made:
        return (
            f"Flux does not read {path}, {how}; it makes "
            f"{', '.join(made[:10])}{', ...' if len(made) > 10 else ''} (what its plain kind, name and namespace say)"
        )
    if scripted:
        return f"Flux does not read {path}, {how}; homelint reads no object in it whose kind and name are written plainly"
    return (
        f"{path} is a template: no line of a script, Taskfile or justfile that runs kubectl names it, and Flux does not read it"
    )


def _failing_build(repo: Any, ks: Any) -> str:
    """Where the build of `ks`, or of a Flux Kustomization that applies it, stops (the file
    kustomize cannot read or apply a patch of: rules.common.unbuildable); "" when none does."""
    ctx = Context(repo, {})
    for above in ks.lineage():
        broken = unbuildable(ctx, above)
        if broken is not None:
            if above is ks:
                return f"the build of {above.label} fails at {printable(broken)} (kustomize stops there)"
            return (
                f"the build of {above.label} fails at {printable(broken)} (kustomize stops there), so {ks.label}, "
                "which it applies, is not created or updated"
            )
    return ""


def _including_dirs(repo: Any, ks: Any, path: str, namespace: str | None = None) -> list[dict[str, Any]]:
    """The kustomization.yaml folders of this Kustomization's build that name the file (or its
    folder). With `namespace` (the one an applied copy got): when some of them set that
    namespace, those that set another one are left out (they include another copy)."""
    out = _includers_of(repo, ks, path)
    if namespace is not None and any(kz["namespace"] == namespace for kz in out):
        out = [kz for kz in out if kz["namespace"] in (None, namespace)]
    return out


def _includers_of(repo: Any, ks: Any, path: str) -> list[dict[str, Any]]:
    folder = posixpath.dirname(path)
    out = []
    for directory in sorted(ks.dirs):
        kd = repo.kustomize_dirs.get(directory)
        if kd is None:
            continue
        for entry in kd.entries:
            if entry.target in (path, folder) or (entry.target and folder.startswith(entry.target + "/")):
                line = _line(repo, kd.file, kd.doc, entry.field)
                out.append({"file": kd.file, "line": line, "entry": entry.value, "field": entry.kind, "namespace": kd.namespace})
                break
    return out


def _line(repo: Any, path: str, doc: int, keys: Any) -> int:
    try:
        return int(repo.span(path, doc, tuple(keys)).line)
    except Exception:
        return 0


def _applications(repo: Any, obj: K8sObject) -> list[Any]:
    """The Applied entries of the repository document `obj` ([] without a Flux model)."""
    return repo.flux.applications_of_document(obj) if repo.flux is not None else []


def _on_path(kd_dir: str, folder: str) -> bool:
    return kd_dir == folder or kd_dir == "" or folder.startswith(kd_dir + "/")


def _namespace_origin(repo: Any, applied: Any, obj: K8sObject) -> dict[str, Any]:
    """The effective namespace and what set it, in kustomize/Flux precedence: the Flux
    Kustomization's spec.targetNamespace, then the outermost kustomization.yaml `namespace:` on the
    way to the file, then the object's own metadata.namespace."""
    from homelint.rules.common import cluster_scoped

    ns = applied.namespace
    ks = applied.ks
    out: dict[str, Any] = {"value": ns, "set_by": "", "location": ""}
    if cluster_scoped(obj):  # kustomize's namespace transformer and the API server give it none
        out["value"] = None
        out["set_by"] = f"nothing ({obj.kind} is cluster-scoped)"
        return out
    if ns is None:
        out["set_by"] = "nothing (a namespaced kind then fails to apply: HL110)"
        return out
    if ks is not None and ks.obj is not None and ks.spec.get("targetNamespace") == ns:
        out["set_by"] = f"spec.targetNamespace of Kustomization {ks.namespace}/{ks.name}"
        path, span = repo.locate(ks.obj, ("spec", "targetNamespace"))
        source = ks.obj.source.data.get("spec")
        if path != ks.obj.path or (isinstance(source, dict) and "targetNamespace" in source):
            out["location"] = f"{path}:{span.line}"  # in its file, or in the patch that sets it
        else:  # a transformer's fieldSpec or a replacement of the build that applies it wrote it
            out["set_by"] += ", which the build applying it sets (its file has none)"
        return out
    folder = posixpath.dirname(obj.path)
    dirs = sorted(d for d in (ks.dirs if ks is not None else ()) if _on_path(d, folder))
    # and the kustomizations that include the file from elsewhere (a Component, a base)
    dirs += [posixpath.dirname(kz["file"]) for kz in (_including_dirs(repo, ks, obj.path, ns) if ks is not None else [])]
    for directory in dirs:  # outermost first: kustomize's outer namespace: wins
        kd = repo.kustomize_dirs.get(directory)
        if kd is not None and kd.namespace == ns:
            out["set_by"] = f"namespace: of {kd.file}"
            out["location"] = f"{kd.file}:{_line(repo, kd.file, kd.doc, ('namespace',))}"
            return out
    if obj.namespace == ns:
        out["set_by"] = "metadata.namespace of the object"
        out["location"] = _where(repo, obj, "metadata", "namespace")
    return out


def _patch_target(item: Any, body: Any) -> Any:
    target = item.get("target") if isinstance(item, dict) else None
    if target is None and isinstance(body, dict):  # a strategic merge patch selects by its own id
        meta = body.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        target = {"kind": body.get("kind"), "name": meta.get("name")}
        if meta.get("namespace"):
            target["namespace"] = meta["namespace"]
    return target


def _patches_of(data: dict[str, Any], keys: tuple[str, ...] = (), load: Any = None) -> list[tuple[tuple[Any, ...], Any, Any]]:
    """(field path, target, body or None) of each patch entry of a kustomization (or of a Flux
    Kustomization's spec: keys=("spec",)); `load` reads a patch given by path."""
    holder: Any = data
    for key in keys:
        holder = holder.get(key) if isinstance(holder, dict) else None
    if not isinstance(holder, dict):
        return []
    out: list[tuple[tuple[Any, ...], Any, Any]] = []
    for field in ("patches", "patchesJson6902", "patchesStrategicMerge"):
        items = holder.get(field)
        for index, item in enumerate(items if isinstance(items, list) else []):
            text = item.get("patch") if isinstance(item, dict) else item if isinstance(item, str) else None
            if isinstance(item, dict) and text is None and isinstance(item.get("path"), str):
                text = item["path"]
            body = None
            if isinstance(text, str):
                body = _patch_body(text) if "\n" in text else load(text) if load is not None else None
            out.append(((*keys, field, index), _patch_target(item, body), body))
    return out


def _patches_on(repo: Any, applied: Any, obj: K8sObject) -> list[dict[str, Any]]:
    """The patches whose target selects the object: those of the kustomization.yaml folders on the
    way from the Flux Kustomization's path to the file (and their components), and the Flux
    Kustomization's own spec.patches (the one that builds the object: a parent's patches do not
    reach the builds of its children)."""
    ks = applied.ks
    folder = posixpath.dirname(obj.path)
    places: list[tuple[str, int, dict[str, Any], tuple[str, ...], str]] = []  # (file, doc, data, keys, label)

    def loader(directory: str) -> Any:
        def load(rel: str) -> Any:
            parsed = repo.parsed.get(posixpath.normpath(posixpath.join(directory, rel)))
            return parsed.docs[0] if parsed is not None and parsed.docs else None

        return load

    listed: set[str] = set()  # kustomization files: each one's patches are listed once

    def with_components(targets: list[str], by: str) -> None:
        """The Components `by` lists, and those they list (nested ones run on the same build)."""
        stack = [(target, by) for target in reversed(targets)]
        while stack:
            target, includer = stack.pop()
            comp = repo.kustomize_dirs.get(target)
            if comp is None or comp.file in listed:
                continue
            listed.add(comp.file)
            places.append((comp.file, comp.doc, comp.data, (), f"{comp.file} (component of {includer})"))
            stack.extend((entry.target, comp.file) for entry in reversed(comp.of_kind("components")))

    # the folders on the way to the file, and those that list the file (or its folder) from elsewhere
    including = {
        posixpath.dirname(kz["file"]) for kz in (_including_dirs(repo, ks, obj.path, applied.namespace) if ks is not None else [])
    }
    for directory in sorted(d for d in (ks.dirs if ks is not None else ()) if _on_path(d, folder) or d in including):
        kd = repo.kustomize_dirs.get(directory)
        if kd is None or kd.file in listed:
            continue
        listed.add(kd.file)
        places.append((kd.file, kd.doc, kd.data, (), kd.file))
        with_components([entry.target for entry in kd.of_kind("components")], kd.file)
    comps = ks.spec.get("components") if ks is not None and ks.obj is not None and ks.path is not None else None
    if isinstance(comps, list):  # spec.components join the kustomization at spec.path
        with_components([join(ks.path, c) for c in comps if isinstance(c, str)], f"Kustomization {ks.namespace}/{ks.name}")
    out = []
    for file, doc, data, keys, label in places:
        for field, target, _body in _patches_of(data, keys, loader(posixpath.dirname(file))):
            if target is not None and target_matches(target, obj.data, applied.namespace):
                out.append({"by": label, "field": _dotted(field), "location": f"{file}:{_line(repo, file, doc, field)}"})
    if ks is not None and ks.obj is not None:  # its spec.patches run in its own build only, not its children's
        # as its parent's build applies it (ks.data): a parent's patch may have written them there
        for field, target, _body in _patches_of(ks.data, ("spec",), loader(posixpath.dirname(ks.obj.path))):
            if target is not None and target_matches(target, obj.data, applied.namespace):
                path, span = repo.locate(ks.obj, field)
                out.append(
                    {"by": f"Kustomization {ks.namespace}/{ks.name}", "field": _dotted(field), "location": f"{path}:{span.line}"}
                )
    return out


def _dotted(field: tuple[Any, ...]) -> str:
    """A field path as explain prints it: spec.patches[0]."""
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in field).lstrip(".")


def _used_variables(repo: Any, obj: K8sObject, ks: Any) -> list[dict[str, Any]]:
    """The ${VAR}s the object uses and where each value comes from (never a value itself)."""
    meta = obj.data.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if isinstance(annotations, dict) and annotations.get(DISABLE_KEY) == "disabled":
        return [{"name": "*", "from": f"substitution disabled by the {DISABLE_KEY} annotation", "location": ""}]
    variables = variables_of(repo, ks) if ks is not None and ks.obj is not None else None
    # a transformer of its parent's build that the model does not apply may set its postBuild
    unsure = ks is not None and repo.flux is not None and ks.obj is not None and repo.flux.field_unread(ks, ("spec", "postBuild"))
    seen: dict[str, dict[str, Any]] = {}
    for keys, text, _is_key in placeholder_strings(obj.data):
        for expr in scan_cached(text):
            if not expr.name or expr.name in seen:
                continue
            entry: dict[str, Any] = {"name": expr.name, "used_at": _where(repo, obj, *keys), "from": "", "location": ""}
            origin = variables.origin.get(expr.name) if variables is not None else None
            if origin == "substitute":
                entry["from"] = f"spec.postBuild.substitute of Kustomization {ks.namespace}/{ks.name}"
                entry["location"] = _where(repo, ks.obj, "spec", "postBuild", "substitute", expr.name)
            elif origin:
                entry["from"] = f"substituteFrom {origin}"
                entry["location"] = _source_location(repo, variables, origin, expr.name)
            elif unsure:
                entry["from"] = (
                    f"not known: a kustomize transformer homelint does not apply may set spec.postBuild of Kustomization {ks.namespace}/{ks.name}"
                )
            elif variables is None or not variables.substitutes:  # nothing is substituted, defaults neither
                entry["from"] = "nothing: applied literally (" + (
                    "no spec.postBuild)" if ks is None or ks.post_build is None else "spec.postBuild provides no variables)"
                )
            elif (open_source := next((s for s in variables.sources if s.open), None)) is not None:
                why = "is not in the repository" if not open_source.found else "gets keys from the secret store"
                default = "; else its default in the expression" if expr.has_default else ""
                entry["from"] = f"not known: {open_source.kind} {open_source.name} {why}, and may define it{default}"
            elif expr.has_default:
                entry["from"] = "its default in the expression (no variable of that name)"
            else:
                entry["from"] = (
                    f"nothing: neither spec.postBuild.substitute nor a substituteFrom source of Kustomization "
                    f"{ks.namespace}/{ks.name} defines it, and it has no default (${{VAR:=default}})"
                )
            seen[expr.name] = entry
    return [seen[name] for name in sorted(seen)]


def _source_location(repo: Any, variables: Any, origin: str, name: str) -> str:
    """file:line of the key `name` in the ConfigMap/Secret (or the ExternalSecret) that provides it."""
    kind, _, rest = origin.partition(" ")
    source_name = rest.split(" ", 1)[0]
    for src in variables.sources:
        if src.kind != kind or src.name != source_name:
            continue
        for o in src.objects:
            for section in ("data", "stringData"):
                if isinstance(o.data.get(section), dict) and name in o.data[section]:
                    return _where(repo, o, section, name)
        for o in [*src.objects, *src.producers]:
            return _where(repo, o, "metadata", "name")
    return ""


def _hops(repo: Any, applied: Any, obj: K8sObject) -> list[tuple[str, int, str]]:
    """(file, line, text) of each hop Flux follows to the object, the object last; hops without a
    place in this repository (a root given by config) are left out."""
    out: list[tuple[str, int, str]] = []
    for hop in _chain(repo, applied.ks) if applied.ks is not None else []:
        where = hop.get("location") or ""
        path, _, line = where.rpartition(":")
        if path and line.isdigit():
            label = f"{hop['kind']} {hop['name']}" + (f" builds {hop['path']}" if hop.get("path") else "")
            out.append((path, int(line), label))
    for kz in _including_dirs(repo, applied.ks, obj.path, applied.namespace) if applied.ks is not None else []:
        out.append((kz["file"], kz["line"] or 1, f"{kz['file']} {kz['field']}: {kz['entry']}"))
    start, _ = _doc_range(repo, obj)
    ns = f" in namespace {applied.namespace}" if applied.namespace else ""
    out.append((obj.path, start or 1, f"{obj.kind} {applied.name}{ns}"))
    return out


def finding_chains(repo: Any, findings: list[Any], limit: int = 3) -> dict[int, list[list[tuple[str, int, str]]]]:
    """id(finding) -> the chains (at most `limit`, one per applying Kustomization) of the object at
    the finding's place; findings outside an applied object have none."""
    out: dict[int, list[list[tuple[str, int, str]]]] = {}
    memo: dict[tuple[str, int], list[list[tuple[str, int, str]]]] = {}
    for finding in findings:
        place = (finding.path, finding.span.line)
        if place not in memo:
            chains = []
            for obj in _objects_at(repo, finding.path, finding.span.line)[:1]:
                for applied in _applications(repo, obj)[:limit]:
                    chains.append(_hops(repo, applied, obj))
            memo[place] = chains
        if memo[place]:
            out[id(finding)] = memo[place]
    return out


def load_model(result: Any) -> Any:
    """The run's Repo with its Flux model: the run's own, or loaded through the parse cache when the
    run answered from its cached record."""
    repo = result.repo
    if repo is None or repo.flux is None:
        cache = Cache(result.root)
        exclude = [*result.config.exclude, *template_inputs(result.root)]
        files = remembered_walk(result.root, exclude, cache)  # the run's own walk: the tree is unchanged
        repo, _ = load_repo(result.root, result.config, files=files, cache=cache)
    return repo


def _refused_over(repo: Any, folder: str) -> str | None:
    """Why nothing of `folder` is applied when it is, or is below, a folder whose kustomization file
    kustomize refuses (it holds another object) and that a Flux build reads: that build fails."""
    flux, current = repo.flux, folder
    while flux is not None:
        file = repo.refused_kustomizations.get(current)
        builds = sorted({ks.label for ks in flux.refused_builders().get(current, ())})
        if builds:
            more = f" and {len(builds) - 1} more" if len(builds) > 1 else ""
            return (
                f"{file} holds no kustomize Kustomization, but {builds[0]}{more} build{'s' if not more else ''} "
                f"{current or '.'}, where kustomize reads it as the kustomization and refuses it: "
                + ("those builds fail and apply nothing" if more else "that build fails and applies nothing")
            )
        if not current:
            break
        current = posixpath.dirname(current)
    return None


MAX_LINK_DEPTH = 8  # kustomizations listed from above followed up, at most


def _component_without_kustomization(repo: Any, folder: str) -> str | None:
    """Why a file in (or below) a folder a Flux Kustomization lists in spec.components is not
    applied when that folder has no kustomization file: Flux fails the build (unless the
    Kustomization sets ignoreMissingComponents)."""
    for ks in repo.flux.kustomizations if repo.flux is not None else []:
        if ks.obj is None or ks.path is None or ks.spec.get("ignoreMissingComponents"):
            continue
        for entry in spec_components_of(ks):
            target = join(ks.path, entry)
            if target and inside(folder, target) and target not in repo.kustomize_dirs:
                return (
                    f"{ks.label} lists {target}/ in spec.components, but that folder has no kustomization file "
                    "(a Component's): Flux fails that build, so nothing of it is applied"
                )
    return None


def _missing_link(repo: Any, path: str, depth: int = 0) -> str:
    flux = repo.flux
    folder = posixpath.dirname(path)
    if path in repo.patch_files:
        users = sorted(
            kd.file for kd in repo.kustomize_dirs.values() if any(e.kind == "patches" and e.target == path for e in kd.entries)
        )
        by = f"{users[0]}{' and others' if len(users) > 1 else ''}" if users else "a kustomization"
        return (
            f"the file is a patch that {by} lists under patches: kustomize applies it to the objects its target "
            "selects, never as an object of its own"
        )
    component = _component_without_kustomization(repo, folder)
    if component is not None:
        return component
    left_out = flux.left_out_by_sources(path) if flux is not None else []
    if left_out:
        sources = ", ".join(sorted({str(art.ref) for art in left_out}))
        return (
            f"the ignore rules of {sources} (.sourceignore, spec.ignore or Flux's default exclusions) leave {path} out "
            "of the artifact Flux builds from, so no build reads it"
        )
    kd = repo.kustomize_dirs.get(folder)
    if kd is not None and repo.invalid_yaml(kd.file):
        return f"{kd.file} is not valid YAML: kustomize cannot build {folder or '.'}, so nothing in it is applied"
    if kd is not None and path not in {e.target for e in kd.entries} and posixpath.basename(path) != posixpath.basename(kd.file):
        listers = sorted(
            other.file
            for other in repo.kustomize_dirs.values()
            if other is not kd and any(e.target == path for e in other.entries)
        )
        if listers and depth < MAX_LINK_DEPTH:  # listed from above (a ks.yaml its parent lists): why that is not applied
            return f"{listers[0]} lists it, but " + _missing_link(repo, listers[0], depth + 1)
        return f"{kd.file} does not list {posixpath.basename(path)} (no resources/components entry names it)"
    for ks in flux.kustomizations if flux is not None else []:
        for generated, component in ks.generated_components:
            if inside(folder, component):
                return (
                    f"{component} is a Component, and the kustomization Flux generates for {generated or '.'} (no "
                    f"kustomization file; {ks.label} builds it) lists it under resources:, where kustomize fails "
                    "(expected kind != 'Component')"
                )
    refused = _refused_over(repo, folder)
    if refused is not None:
        return refused
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
        # a source nothing defines is no other repository: kustomize-controller applies nothing
        undefined = ks.source is not None and flux is not None and not flux.source_found(ks.source)
        return (
            f"Kustomization {ks.namespace}/{ks.name} ({_where(repo, ks.obj, 'metadata', 'name')}) builds "
            f"'{ks.raw_path}' from {src}, "
            + (
                "which nothing the repository applies defines, so kustomize-controller builds nothing"
                if undefined
                else "which is not this repository"
            )
        )
    reached = flux.reached_dirs if flux is not None else set()
    parent = folder
    while parent and parent not in reached:
        parent = posixpath.dirname(parent)
    broken = flux.listed_without_kustomization(folder) if flux is not None else None
    if broken is not None:
        kd, entry = broken
        return (
            f"no Flux Kustomization builds {folder}/: {kd.file} lists '{printable(entry.value)}', a folder with no "
            "kustomization file, so kustomize fails that build"
        )
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
    kd = repo.kustomize_dirs.get(posixpath.dirname(path))
    if kd is not None and kd.file == path:  # a kustomization file: kustomize's input, not an object Flux applies
        objs = []
        folder = kd.dir or "."
        builds = [ks for ks in flux.kustomizations if kd.dir in ks.dirs] if flux is not None else []
        result["kustomization"] = {
            "folder": folder,
            "built_by": [_chain(repo, ks) for ks in builds],
            "missing": "" if builds else _missing_link(repo, path),
        }
    for obj in objs:
        start, end = _doc_range(repo, obj)
        entry: dict[str, Any] = {
            "kind": obj.kind,
            "apiVersion": obj.api_version,
            "name": obj.name,
            "namespace": obj.namespace,
            "location": f"{obj.path}:{start}",
            "applied": [],
        }
        for applied in _applications(repo, obj):
            ks = applied.ks
            item: dict[str, Any] = {
                "namespace": applied.namespace,
                "name": applied.name,
                "chain": _chain(repo, ks) if ks is not None else [],
                "build_fails": _failing_build(repo, ks) if ks is not None else "",
                "kustomizations": _including_dirs(repo, ks, path, applied.namespace) if ks is not None else [],
                "effective_namespace": _namespace_origin(repo, applied, obj),
                "patches": _patches_on(repo, applied, obj),
                "uses": _used_variables(repo, obj, ks),
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
            never = repo.flux.withheld_why(obj) if repo.flux is not None else None
            deleted = repo.flux.deleted_from(obj) if repo.flux is not None else None
            if never:
                entry["missing"] = f"a Flux Kustomization builds it, but {never}"
            elif deleted:
                entry["missing"] = f"{deleted} builds it, and a patch with `$patch: delete` removes it from that build"
            else:
                entry["missing"] = _missing_link(repo, path)
        entry["findings"] = [
            {"rule": f.rule, "line": f.span.line, "severity": f.severity, "message": f.message}
            for f in findings
            if f.path == path and (not start or start <= f.span.line <= max(end, start))
        ]
        result["objects"].append(entry)
    if not objs:
        data_of = [df.label for kd in repo.kustomize_dirs.values() for df in data_files(kd) if df.path == path]
        if data_of:
            result["data_of"] = sorted(data_of)
        elif "kustomization" not in result and path.endswith(TEMPLATE_SUFFIXES):
            result["missing"] = _template(repo, path)
        elif "kustomization" not in result:
            result["missing"] = f"{path} holds no Kubernetes object"
        result["findings"] = [
            {"rule": f.rule, "line": f.span.line, "severity": f.severity, "message": f.message}
            for f in findings
            if f.path == path and (line is None or f.span.line == line)
        ]
    return result


def _hop_text(hop: dict[str, Any]) -> str:
    """One link of a chain: `Kustomization ns/name path=P  (file:line)`; a root by its label (`the
    bootstrap Kustomization of root 'P'`), with its path only where the label does not say it."""
    where = f"  ({hop['location']})" if hop.get("location") else ""
    path = hop.get("path")
    if hop["kind"] == "root":
        shown = f" path={path}" if path is not None and f"'{path}'" not in hop["name"] else ""
        return f"root: {hop['name']}{shown}{where}"
    return f"{hop['kind']} {hop['name']}{f' path={path}' if path is not None else ''}{where}"


def render_text(data: dict[str, Any]) -> str:
    out = [f"{data['file']}" + (f":{data['line']}" if data.get("line") else "")]
    out.append(f"  roots: {', '.join(dict.fromkeys(data['roots'])) or '(none)'} ({data['root_source']})")
    if data.get("missing"):
        out.append(f"  not applied: {data['missing']}")
    for label in data.get("data_of", ()):
        out.append(f"  data of {label} (explain that kustomization for the object it generates)")
    if "kustomization" in data:
        kz = data["kustomization"]
        out.append(f"\nkustomization of {kz['folder']}/")
        if kz["missing"]:
            out.append(f"  not built by Flux: {kz['missing']}")
        for index, chain in enumerate(kz["built_by"], 1):
            out.append(f"  built ({index}):")
            for depth, hop in enumerate(chain):
                out.append(f"    {'  ' * depth}-> {_hop_text(hop)}")
    for obj in data["objects"]:
        ns = f"{obj['namespace']}/" if obj["namespace"] else ""
        kind = (
            obj["kind"]
            if "/" not in obj["apiVersion"] or obj["kind"] not in CORE_REFERENCED
            else f"{obj['kind']} ({obj['apiVersion']})"
        )
        out.append(f"\n{kind} {ns}{obj['name']} ({obj['location']})")
        if not obj["applied"]:
            out.append(f"  not applied by Flux: {obj['missing']}")
        for index, applied in enumerate(obj["applied"], 1):
            where = applied["effective_namespace"]["value"]
            verb = "would be applied" if applied.get("build_fails") else "applied"
            out.append(f"  {verb} ({index}) {f'in namespace {where}' if where else 'with no namespace'} as {applied['name']}:")
            if applied.get("build_fails"):
                out.append(f"    not applied: {applied['build_fails']}")
            for depth, hop in enumerate(applied["chain"]):
                out.append(f"    {'  ' * depth}-> {_hop_text(hop)}")
            for kz in applied["kustomizations"]:
                ns = f", namespace: {kz['namespace']}" if kz["namespace"] else ""
                out.append(f"    included by {kz['file']}:{kz['line']} ({kz['field']}: {kz['entry']}{ns})")
            origin = applied["effective_namespace"]
            where = f" ({origin['location']})" if origin["location"] else ""
            out.append(f"    namespace {origin['value'] or '(none)'}: set by {origin['set_by'] or 'the build'}{where}")
            for patch in applied["patches"]:
                out.append(f"    patched by {patch['by']} {patch['field']} ({patch['location']})")
            for use in applied["uses"]:
                where = f" ({use['location']})" if use["location"] else ""
                at = f" at {use['used_at']}" if use.get("used_at") else ""
                out.append(f"    uses ${{{use['name']}}}{at}: from {use['from']}{where}")
            if applied["variables"]:
                out.append(f"    {len(applied['variables'])} variables available from the applying Kustomization")
            for src in applied.get("substitute_from", []):
                files = ", ".join(src["files"]) or "not found in the repository" + (" (optional)" if src["optional"] else "")
                out.append(f"    substituteFrom {src['kind']} {src['name']}: {files}")
        for f in obj["findings"]:
            out.append(f"  {f['rule']} line {f['line']} {f['severity']}: {f['message']}")
    for f in data.get("findings", []):
        out.append(f"  {f['rule']} line {f['line']} {f['severity']}: {f['message']}")
    if data.get("note"):
        out.append(f"\nnote: {data['note']}")
    return "\n".join(out) + "\n"


def run_explain(target: str, fmt: str, config_file: Path | None = None, root_dir: Path | None = None) -> str:
    line: int | None = None
    file_arg = target
    head, sep, tail = target.rpartition(":")
    if sep and tail.isdigit() and not Path(target).exists():
        file_arg, line = head, int(tail)
    file_path = Path(file_arg)
    if not file_path.is_file():
        raise ConfigError(f"not a file: {file_arg}")
    root = root_dir.resolve() if root_dir is not None else find_file_root(file_path)  # the root `check` uses from here
    if not file_path.resolve().is_relative_to(root):
        raise ConfigError(f"{printable(file_arg)} is not inside the repository root {printable(root.as_posix())}")
    rel = file_path.resolve().relative_to(root).as_posix()
    # the check's cached run answers the findings; the model is loaded from the parse cache only when
    # that run did not load it (nothing changed since the last check)
    result = run_check(Options(paths=[root], config_file=config_file))
    repo = load_model(result)
    data = explain(root, rel, line, repo, result.findings)
    if root_dir is None and not marked(root):  # `check DIR` would take DIR as the root: say which one this is
        where = "the current folder" if root == Path.cwd().resolve() else f"its folder {printable(root.as_posix())}"
        data["note"] = (
            f"no .git or .homelint.yaml at or above {printable(file_arg)}: {where} was taken as the repository root; "
            "run explain from the repository root, pass it with --root, or add a .homelint.yaml there"
        )
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    return render_text(data)
