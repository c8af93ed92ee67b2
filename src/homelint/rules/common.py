"""Helpers shared by checks."""

from __future__ import annotations

import difflib
import fnmatch
import itertools
import json
import posixpath
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from homelint.core.model import Finding, K8sObject, dig, list_items
from homelint.core.scriptvars import expanded_lines, script_variables
from homelint.core.wording import with_article
from homelint.loading.discovery import NON_YAML_INPUT_NAMES, NON_YAML_INPUT_SUFFIXES
from homelint.loading.safeio import printable
from homelint.loading.yamlload import ParsedFile, parse_bytes
from homelint.model.flux import Applied, FluxKS, flux_patches, instance_patches_at, remote_cluster, unreadable_file_entry
from homelint.model.graph import ANY_NAMESPACE, USE_EDGE, app_template_release, release_name, served_chart
from homelint.model.helmvalues import substituted_text
from homelint.model.kindschemas import SCHEMAS, enum_at, kustomize_version_error
from homelint.model.kustomize import KustomizeDir, canonical_fields, inside, is_empty_kustomization, is_remote, join
from homelint.model.podscripts import POD, KubectlMade, kubectl_made
from homelint.model.refs import ANY, POD_SPEC_PATHS, chart_name, get, products_of
from homelint.model.scripts import unnamed_scripts
from homelint.model.sources import SourceRef
from homelint.model.targets import CLUSTER_SCOPED_BUILTINS
from homelint.model.variables import variables_of
from homelint.model.versions import has_behaviour, versions_of
from homelint.rules.templated import TEMPLATE_SUFFIXES, template_keys, template_objects
from homelint.rules.unlisted import set_aside_owner

if TYPE_CHECKING:
    from homelint.core.context import Context
    from homelint.model.flux import Applied
    from homelint.model.graph import Produced, RefKind, RefNode


MAX_SUGGEST_NAME = 100  # "did you mean" compares names up to this long ...
MAX_SUGGEST_CANDIDATES = 500  # ... against at most this many candidates: bounded work per finding ...
MAX_SUGGESTIONS = 2_000  # ... for at most this many findings of one check (thousands of dangling references)
_suggested = [0]  # close_matches calls of the running check


def new_check() -> None:
    """Start a check's count of suggestions (the engine calls it before each check, so the same
    check gives the same suggestions in whichever process runs it)."""
    _suggested[0] = 0


class Names:
    """The names "did you mean" compares with, chosen once: many findings against one large set of
    names then cost a bounded amount each, not a sort of every name (thousands of dangling
    references)."""

    def __init__(self, candidates: Iterable[str]) -> None:
        self.pool = sorted({c for c in candidates if len(c) <= MAX_SUGGEST_NAME})[:MAX_SUGGEST_CANDIDATES]


def close_matches(name: str, candidates: Names | Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """difflib's close matches of `name`, with the work bounded (a repository can hold thousands
    of long names, and difflib is quadratic in a name's length). Pass a `Names` made once when
    many names are looked up in one large set."""
    _suggested[0] += 1
    if len(name) > MAX_SUGGEST_NAME or _suggested[0] > MAX_SUGGESTIONS:
        return []
    pool = candidates.pool if isinstance(candidates, Names) else Names(candidates).pool
    return difflib.get_close_matches(name, pool, n=n, cutoff=cutoff)


def spec_fix(ks: FluxKS, field: str, written: str) -> str:
    """How to add `field` to a Flux Kustomization: `written` for one a file defines; for the one
    flux-operator makes for a FluxInstance's sync, a patch of the instance (its template writes
    the Kustomization without that field, model/flux.py sync_kustomization)."""
    if ks.obj is not None or ks.maker is None:
        return written
    return (
        f"flux-operator writes the sync's Kustomization {ks.namespace}/{ks.name} without {field}: add it with a patch "
        f"(target kind: Kustomization, name: {ks.name}) in {instance_patches_at(ks.maker)}"
    )


# where an instance's fields are, by its kind: a FluxInstance's spec, the flux-instance chart's values.instance
INSTANCE_FIELDS: dict[str, tuple[str, ...]] = {"FluxInstance": ("spec",), "HelmRelease": ("spec", "values", "instance")}


def written_at(ks: FluxKS, keys: tuple[Any, ...]) -> tuple[K8sObject, tuple[Any, ...]] | None:
    """(object, field) where a finding on the spec field `keys` of a Flux Kustomization goes: the
    field itself in its file; for the sync flux-operator makes, the kustomize patches of the instance
    that gave the sync that field (model.flux.patched_sync); None for a Kustomization no file shows."""
    if ks.obj is not None:
        return ks.obj, keys
    maker = ks.maker
    if ks.synced and ks.known and maker is not None and maker.data and maker.kind in INSTANCE_FIELDS:
        return maker, (*INSTANCE_FIELDS[maker.kind], "kustomize", "patches")
    return None


def has_flux(ctx: Context) -> bool:
    return bool(ctx.flux.kustomizations)


def chart_of(ctx: Context, path: str) -> str | None:
    """The folder of the Helm chart a file belongs to: the nearest folder above it with a
    Chart.yaml ("" for the repository's root); None when there is none."""
    charts: set[str] = ctx.repo.memo(
        "rules.common.charts",
        lambda: {posixpath.dirname(p) for p in ctx.repo.files.all_files if posixpath.basename(p) == "Chart.yaml"},
    )
    folder = posixpath.dirname(path)
    while True:
        if folder in charts:
            return folder
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def chart_template(ctx: Context, path: str) -> bool:
    """Whether a file is a template of a Helm chart: below the `templates/` folder of the chart it
    belongs to (Helm's chart loader, pkg/chart/loader LoadFiles, takes every file there as a
    template). Helm renders it before anything applies it: it is not a manifest. (The chart's
    `crds/` are applied as written.)"""
    chart = chart_of(ctx, path)
    return chart is not None and path.startswith(f"{chart}/templates/" if chart else "templates/")


def templated_value(ctx: Context, obj: K8sObject, keys: tuple[Any, ...]) -> bool:
    """Whether the value at `keys` of an object holds a template action (`{{ }}`, `{% %}`, `#{ }#`,
    `#% %#`: ParsedFile.templated) in the object's own file. Such a value is what a
    template engine renders, not what is applied: `{{ .Chart.Version }}` parses as a mapping."""
    parsed = ctx.repo.parsed.get(obj.path)
    if obj.origins or obj.anchor is not None or parsed is None or not parsed.templated:
        return False  # patched or generated: not the file's text
    span = ctx.repo.positions.extent(obj.path, obj.doc, keys)
    return span is not None and any(
        span.line <= line <= span.end_line
        and (line != span.line or column >= span.column)
        and (line != span.end_line or column < span.end_column)
        for line, column, _ in parsed.templated
    )


def crd_kind(obj: K8sObject) -> tuple[str, str] | None:
    """(group, kind) a CustomResourceDefinition defines; None for any other object, or one whose
    spec.group or spec.names.kind is not a string."""
    if obj.kind != "CustomResourceDefinition" or obj.group != "apiextensions.k8s.io":
        return None
    names = obj.spec.get("names")
    group, kind = obj.spec.get("group"), names.get("kind") if isinstance(names, dict) else None
    return (group, kind) if isinstance(group, str) and isinstance(kind, str) else None


def manifest_objects(ctx: Context) -> list[K8sObject]:
    """Objects Flux applies; when the repo has no Flux entry point at all, every object but those
    of Helm chart templates (chart_template). Made once per run for the checks that ask (a new
    list each time: a caller may change its own)."""

    def build() -> list[K8sObject]:
        if not has_flux(ctx):
            return [obj for obj in ctx.repo.objects if not chart_template(ctx, obj.path)]
        seen: dict[int, K8sObject] = {}
        for applied in ctx.flux.applied:
            seen.setdefault(id(applied.obj), applied.obj)
        return list(seen.values())

    return list(ctx.repo.memo("manifest-objects", build))


def applied_instances(ctx: Context) -> list[Applied]:
    """What Flux applies; when the repo has no Flux at all, every object (with its own namespace)
    but those of Helm chart templates (chart_template)."""
    if has_flux(ctx):
        return list(ctx.flux.applied)
    return [Applied(obj, obj.namespace, None) for obj in manifest_objects(ctx)]


FLUX_CONTENT_MEDIA_TYPE = "application/vnd.cncf.flux.content.v1.tar+gzip"  # `flux push artifact` layers


def manifest_artifact(obj: K8sObject) -> bool:
    """Whether an OCIRepository's layerSelector takes the layer `flux push artifact` writes: its
    artifact holds manifests, never a Helm chart (whose layer is application/vnd.cncf.helm.chart.content.v1.tar+gzip)."""
    selector = obj.spec.get("layerSelector") if obj.kind == "OCIRepository" else None
    return isinstance(selector, dict) and selector.get("mediaType") == FLUX_CONTENT_MEDIA_TYPE


def applied_once(ctx: Context, group: str, kinds: Collection[str]) -> Iterator[K8sObject]:
    """Each object of these kinds in an API group starting with `group` that Flux applies, once
    (an object several Kustomizations apply is one definition to judge), SOPS documents left out."""
    seen: set[int] = set()
    for applied in ctx.flux.applied:
        obj = applied.obj
        if obj.kind in kinds and obj.group.startswith(group) and id(obj) not in seen and not obj.is_sops:
            seen.add(id(obj))
            yield obj


def post_renderer_entries(obj: K8sObject) -> Iterator[tuple[tuple[Any, ...], str, Any]]:
    """(where in the object, the list it is in, the entry) of each entry of a HelmRelease's
    post-renderer kustomize patches, which helm-controller runs over what the chart renders
    (internal/postrender/kustomize.go): `patches`, `patchesStrategicMerge`, `patchesJson6902`."""
    renderers = obj.spec.get("postRenderers")
    for index, renderer in enumerate(renderers if isinstance(renderers, list) else []):
        custom = renderer.get("kustomize") if isinstance(renderer, dict) else None
        if not isinstance(custom, dict):
            continue
        for field in ("patches", "patchesStrategicMerge", "patchesJson6902"):
            items = custom.get(field)
            for number, item in enumerate(items if isinstance(items, list) else []):
                yield ("spec", "postRenderers", index, "kustomize", field, number), field, item


def post_renderer_patches(obj: K8sObject) -> list[Any]:
    """The documents of a HelmRelease's post-renderer patches (post_renderer_entries): each
    `patches[].patch` text (a strategic-merge document or a JSON6902 list of operations), each
    `patchesStrategicMerge` item and each `patchesJson6902[].patch` list. A text that does not
    parse gives nothing."""
    found: list[Any] = []
    for _, field, item in post_renderer_entries(obj):
        patch = item.get("patch") if isinstance(item, dict) and field != "patchesStrategicMerge" else item
        if isinstance(patch, str):
            found.extend(parse_bytes(obj.path, patch.encode("utf-8", "surrogatepass")).docs)
        elif isinstance(patch, dict | list):
            found.append(patch)
    return found


# generators whose `files`/`envs` kustomize reads as data, not as YAML (api/kv: the bytes become
# ConfigMap/Secret values): a file there that does not parse does not fail the build
DATA_GENERATORS = ("configmapgenerator", "secretgenerator")
# the kustomization fields whose file entries kustomize fails on when the file is missing or not YAML
UNREADABLE_FIELDS = ("patchesStrategicMerge", "patches", "patchesJson6902", "replacements")


def not_an_object(doc: Any) -> tuple[str, str, tuple[str, ...] | None] | None:
    """What keeps a document from being an object kustomize builds, as (text, key, where to
    point): what it is when not a mapping (where: None), else the fields it lacks."""
    if not isinstance(doc, dict):
        what = "a list" if isinstance(doc, list) else f"{with_article(type(doc).__name__)} scalar"
        return what, what, None
    missing = [k for k in ("apiVersion", "kind") if not isinstance(doc.get(k), str) or not doc.get(k)]
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        missing.append("metadata" if meta is None else "metadata (must be a mapping)")
    elif not (meta.get("name") or meta.get("generateName")):
        missing.append("metadata.name")
    if not missing:
        return None
    return ", ".join(missing), ",".join(missing), (("metadata",) if missing == ["metadata.name"] else ())


def not_an_object_file(ctx: Context, path: str) -> bool:
    """Whether a file read as a resource holds a document (or a List item) that kustomize fails
    the build on (HL004): not a mapping, no kind ("missing kind in object"), no metadata.name
    ("missing metadata.name in object"). One without apiVersion builds (kubectl kustomize v5.8.1):
    dropped_document_file."""
    return any(missing != "apiVersion" for missing in _object_problems(ctx, path))


def dropped_document_file(ctx: Context, path: str) -> bool:
    """Whether a file read as a resource holds a document (or a List item) with a kind and a name
    but no apiVersion: kustomize builds it, kustomize-controller drops it (HL004), and the model
    has no object of it."""
    return "apiVersion" in _object_problems(ctx, path)


def _object_problems(ctx: Context, path: str) -> set[str]:
    """What the documents (and List items) of a resource file lack to be objects (not_an_object's
    second part), read once per file."""
    memo: dict[str, set[str]] = ctx.repo.memo("rules.object-problems", dict)
    if path not in memo:
        parsed = ctx.repo.parsed.get(path)
        docs = parsed.docs if parsed is not None and parsed.text_ok else []
        items = [obj for doc in docs if doc is not None for _, obj in (list_items(doc) or [((), doc)])]
        memo[path] = {problem[1] for problem in map(not_an_object, items) if problem is not None}
    return memo[path]


def missing_entry(ctx: Context, ks: FluxKS) -> str | None:
    """The first kustomization file (in path order) of ks's build that lists a resource or component
    kustomize cannot find or read as what it is listed as (HL101: a missing path, a folder without
    a kustomization, a Component under resources: or a plain kustomization under components:, a
    file under components:); for a missing `spec.components` folder, the file of the Flux
    Kustomization. kustomize fails the build there. None when every entry is there; entries that
    are remote, hold `${` or lie in another artifact's mount (spec.include) are not judged."""
    memo: dict[int, str | None] = ctx.repo.memo("rules.missing-entry", dict)  # by object: clusters repeat keys
    if id(ks) not in memo:
        memo[id(ks)] = _missing_entry(ctx, ks)
    return memo[id(ks)]


def _missing_entry(ctx: Context, ks: FluxKS) -> str | None:
    kdirs = ctx.repo.kustomize_dirs
    if not ks.spec.get("ignoreMissingComponents") and ks.path is not None:
        for comp in spec_components_of(ks):
            if join(ks.path, comp) not in kdirs:
                return ks.obj.path if ks.obj is not None else ks.path  # Flux fails the build on a missing component
    return missing_entry_in(ctx, ks.dirs)


def build_lists_missing(ctx: Context, applied: Any) -> bool:
    """Whether the build that applies `applied` lists, where it holds its file, a resource,
    component or patch file kustomize cannot find (listed_beside_missing): the build fails, and the
    missing file may be what a finding on this object would say nothing makes (HL101 says it once)."""
    return listed_beside_missing(ctx, applied.ks, applied.obj.path)


_VAR_NAME = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


def substituted_reference(ctx: Context, applied: Applied, text: str) -> str | None:
    """A reference's name or namespace as the applying Kustomization's substitution leaves it
    (Flux substitutes the whole object: fluxcd/pkg kustomize SubstituteVariables): the text itself
    without `${`; the substituted text when every variable in it is known and none comes from a
    Secret (a message must not print a Secret's value); None when it cannot be known here."""
    if "${" not in text:
        return text
    if applied.ks is None:
        return None
    origin = variables_of(ctx.repo, applied.ks).origin
    if any(origin.get(var, "").startswith("Secret") for var in _VAR_NAME.findall(text)):
        return None
    done = substituted_text(ctx.repo, applied, text)
    return done if done and "${" not in done else None


def shown_name(ctx: Context, applied: Applied) -> str:
    """An applied object's name for messages: as written, with the substitution of the
    Kustomization that applies it done (`${APP}` -> `app-a`) when it can be, and when no variable
    it uses comes from a Secret (a message must not print a Secret's value)."""
    if applied.renamed is not None and not applied.substituted:  # by a patch, an affix, a replacement
        return applied.renamed
    return substituted_reference(ctx, applied, applied.obj.name) or applied.obj.name


def user_label(ctx: Context, edge: Any) -> str:
    """`Kind name` of what a use edge's reference belongs to, for messages: the applied object, or
    the object of a ResourceSet's spec.resources the reference is in (`Deployment app-a (a
    resource of ResourceSet set-a)`)."""
    applied, field = edge["applied"], edge["field"]
    obj = applied.obj
    own = f"{obj.kind} {shown_name(ctx, applied)}"
    if obj.kind != "ResourceSet" or tuple(field[:2]) != ("spec", "resources") or len(field) < 3 or not isinstance(field[2], int):
        return own
    resources = obj.spec.get("resources")
    item = resources[field[2]] if isinstance(resources, list) and field[2] < len(resources) else None
    meta = item.get("metadata") if isinstance(item, dict) else None
    kind, name = (item.get("kind"), meta.get("name")) if isinstance(item, dict) and isinstance(meta, dict) else (None, None)
    if not isinstance(kind, str) or not isinstance(name, str):
        return own
    return f"{kind} {printable(name)} (a resource of {own})"


def use_at(ctx: Context, rule: str, edge: Any, message: str, **kw: Any) -> Finding:
    """A finding at the reference of a use edge (graph.UseEdge): where a chart value from
    `valuesFrom` is written (its file also names the HelmRelease's: `related`), else at the field
    of the object (Context.at)."""
    obj, written = edge["applied"].obj, edge["ref"].written
    if written is None:
        return ctx.at(rule, obj, edge["field"], message, **kw)
    kw.setdefault("key", f"{obj.kind}/{obj.name}/{'.'.join(map(str, edge['field']))}/{message}")
    kw["related"] = (*kw.get("related", ()), *([obj.path] if obj.path != written.path else []))
    finding = ctx.finding(rule, written.path, written.span(), message, **kw)
    return ctx.held(finding, ctx.suspension(obj, tuple(edge["field"]), rule))


def use_place(ctx: Context, edge: Any) -> tuple[int, str, int, int]:
    """Where the reference of a use edge is, to order them: those written in the object's own
    fields first, by line and column; then those of chart values from `valuesFrom`, by file."""
    written = edge["ref"].written
    if written is None:
        span = ctx.repo.obj_span(edge["applied"].obj, *edge["field"])
        return 0, "", span.line, span.column
    span = written.span()
    return 1, written.path, span.line, span.column


def set_in(edge: Any) -> str:
    """` (set in ConfigMap x key values.yaml)` for a reference in chart values from `valuesFrom`, else ""."""
    written = edge["ref"].written
    return f" (set in {written.label})" if written is not None else ""


def listed_beside_missing(ctx: Context, build: FluxKS | None, path: str) -> bool:
    """Whether a kustomization of `build` that holds `path` (in its folder or a folder above it, or
    one whose resources and components reach it: an overlay of a base elsewhere) lists a resource,
    component or patch file the repository lacks, or a resource file that does not parse (HL001):
    kustomize fails the build, and that file, listed where it would be applied with this one, may
    define what a finding on it says is not there. Folders beside it (another namespace's) do not
    count: one missing file there must not silence a whole cluster."""
    if build is None or not _lacks_a_file(ctx, build):
        return False
    if _missing_spec_component(ctx, build) or _generated_lists_unparseable(ctx, build):
        return True  # the kustomization at spec.path (Flux's spec.components, or Flux's own): above every file of the build
    kdirs = ctx.repo.kustomize_dirs
    holding = _holding(ctx, build, path)
    spec_components = [join(build.path, c) for c in spec_components_of(build)] if build.path is not None else []
    return any(_lists_broken(ctx, kdirs[d]) for d in holding) or any(
        _lists_broken(ctx, kdirs[d])
        for d in _components_below(
            ctx, [*spec_components, *(e.target for d in holding for e in kdirs[d].entries if e.kind == "components")]
        )
    )


def _lists_broken(ctx: Context, kd: KustomizeDir) -> bool:
    """Whether a kustomization lists a resource or component kustomize cannot find or read, a
    patch file that is not there, or a resource file that does not parse."""
    return _lists_missing(ctx, kd) or _lists_missing_patch(ctx, kd) or _lists_unparseable(ctx, kd)


def spec_components_of(build: FluxKS) -> list[str]:
    """The local folders of a Flux Kustomization's spec.components, as written (relative to spec.path)."""
    comps = build.spec.get("components")
    return [c for c in comps if isinstance(c, str) and not is_remote(c)] if isinstance(comps, list) else []


def _components_below(ctx: Context, folders: Iterable[str]) -> list[str]:
    """The Component folders among `folders` and the kustomization folders they include (resources:
    and components:, at any depth): kustomize builds them into the kustomization that lists them
    (spec.components: into the one at spec.path), so a broken file there fails that build too."""
    kdirs = ctx.repo.kustomize_dirs
    todo = [f for f in folders if f in kdirs]
    seen = set(todo)
    found = []
    while todo:
        folder = todo.pop()
        found.append(folder)
        for entry in kdirs[folder].entries:
            if entry.kind in ("resources", "components") and entry.target in kdirs and entry.target not in seen:
                seen.add(entry.target)
                todo.append(entry.target)
    return sorted(found)


def _lacks_a_file(ctx: Context, build: FluxKS) -> bool:
    """Whether the build lists anywhere a resource, component, patch or replacements file that is
    not there, or a resource file that does not parse (judged once per build: most builds lack
    none, and then nothing is walked)."""
    memo: dict[int, bool] = ctx.repo.memo("rules.lacks-a-file", dict)  # by object, as unbuildable
    if id(build) not in memo:
        kdirs = ctx.repo.kustomize_dirs
        memo[id(build)] = (
            missing_entry(ctx, build) is not None
            or _generated_lists_unparseable(ctx, build)
            or any(
                _lists_missing_patch(ctx, kdirs[d]) or _lists_unparseable(ctx, kdirs[d]) for d in sorted(build.dirs) if d in kdirs
            )
        )
    return memo[id(build)]


def _missing_spec_component(ctx: Context, build: FluxKS) -> bool:
    """Whether the Flux Kustomization names a spec.components folder that is not a Component
    kustomize can read (missing_entry's first case: the build fails)."""
    return build.obj is not None and missing_entry(ctx, build) == build.obj.path


def _holding(ctx: Context, build: FluxKS, path: str) -> list[str]:
    """The folders of `build`'s kustomizations that hold `path`: at or above its folder, and each
    that lists (resources/components) a file or folder of one of those, up the include chain."""
    kdirs = ctx.repo.kustomize_dirs
    includers = _includers(ctx, build)
    found = [d for d in sorted(build.dirs) if d in kdirs and inside(path, d)]
    seen = set(found)
    todo = [path, *found]
    while todo:
        for d in includers.get(todo.pop(), ()):
            if d not in seen:
                seen.add(d)
                found.append(d)
                todo.append(d)
    return found


def _includers(ctx: Context, build: FluxKS) -> dict[str, list[str]]:
    """file or folder -> the folders of `build`'s kustomizations that list it under resources: or
    components:, indexed once per build."""
    memo: dict[int, dict[str, list[str]]] = ctx.repo.memo("rules.includers", dict)  # by object, as unbuildable
    includers = memo.get(id(build))
    if includers is None:
        kdirs = ctx.repo.kustomize_dirs
        includers = memo[id(build)] = {}
        for d in sorted(build.dirs):
            kd = kdirs.get(d)
            for entry in kd.entries if kd is not None else ():
                if entry.kind in ("resources", "components"):
                    includers.setdefault(entry.target, []).append(d)
    return includers


# (folder, namespace so far) pairs namespaces_if_listed follows at most: each include chain is
# followed once per namespace it can carry, which many diamonds of namespaces could multiply
MAX_CHAIN_STATES = 10_000


def namespaces_if_listed(ctx: Context, build: FluxKS, folder: str, own: str | None) -> set[str | None]:
    """The namespaces `build` would give an object of `folder` (with metadata.namespace `own`)
    were the kustomization there to list it: the build's targetNamespace, else, up each include
    chain, the `namespace:` of the outermost kustomization that sets one (kustomize's namespace
    transformer of an including kustomization overrides the included's), else `own`."""
    target = build.spec.get("targetNamespace")
    if isinstance(target, str) and target:
        return {target}
    includers, kdirs = _includers(ctx, build), ctx.repo.kustomize_dirs
    out: set[str | None] = set()
    todo: list[tuple[str, str | None]] = [(folder, None)]
    seen = set(todo)
    while todo:
        if len(seen) > MAX_CHAIN_STATES:
            return {None}  # too many ways up to say: not known
        d, ns = todo.pop()
        kd = kdirs.get(d)
        ns = kd.namespace if kd is not None and kd.namespace else ns
        ups = includers.get(d, ())
        if not ups:
            out.add(ns or own)
        for up in ups:
            if (up, ns) not in seen:
                seen.add((up, ns))
                todo.append((up, ns))
    return out


def _lists_missing_patch(ctx: Context, kd: KustomizeDir) -> bool:
    """Whether one kustomization lists a patch or replacements file that is not there (kustomize
    fails the build)."""
    files = ctx.repo.files.all_files
    return any(
        entry.kind == "patches" and not is_remote(entry.value) and "${" not in entry.value and entry.target not in files
        for entry in kd.entries
    )


def _lists_unparseable(ctx: Context, kd: KustomizeDir) -> bool:
    """Whether one kustomization lists under resources: a file that does not parse (HL001):
    kustomize fails the build ("MalformedYAMLError"), and nothing the file holds can be read."""
    repo = ctx.repo
    return any(entry.kind == "resources" and repo.invalid_yaml(entry.target) for entry in kd.entries)


def _generated_lists_unparseable(ctx: Context, build: FluxKS) -> bool:
    """Whether spec.path has no kustomization file and the one kustomize-controller generates
    there lists a file that does not parse: every manifest below that no kustomization folder
    holds (fluxcd/pkg kustomize_generator.go scanManifests)."""
    repo, kdirs = ctx.repo, ctx.repo.kustomize_dirs
    if build.path is None or build.path in kdirs:
        return False
    folders = [d for d in build.dirs if d in kdirs]
    return any(repo.invalid_yaml(path) and not any(inside(path, d) for d in folders) for path in sorted(build.files))


def missing_entry_in(ctx: Context, dirs: Iterable[str]) -> str | None:
    """missing_entry over the kustomizations of the folders `dirs` (a build's folders)."""
    kdirs = ctx.repo.kustomize_dirs
    for kd in sorted((kdirs[d] for d in dirs if d in kdirs), key=lambda kd: kd.file):
        if _lists_missing(ctx, kd):
            return kd.file
    return None


def _lists_missing(ctx: Context, kd: KustomizeDir) -> bool:
    """Whether one kustomization lists a resource or component kustomize cannot find or read as
    what it is listed as (see missing_entry); judged once per kustomization in a run."""
    memo: dict[str, bool] = ctx.repo.memo("rules.lists-missing", dict)
    found = memo.get(kd.file)
    if found is None:
        found = memo[kd.file] = _first_missing(ctx, kd)
    return found


def _first_missing(ctx: Context, kd: KustomizeDir) -> bool:
    repo, flux = ctx.repo, ctx.flux
    files, kdirs = repo.files.all_files, repo.kustomize_dirs
    for entry in kd.entries:
        if entry.kind not in ("resources", "components") or is_remote(entry.value) or "${" in entry.value:
            continue
        target = entry.target
        if flux is not None and flux.include_mount(target) is not None:
            continue  # another artifact's files are there (spec.include): not modelled
        if target in files:
            if entry.kind == "components":
                return True
            continue
        sub = kdirs.get(target)
        if sub is None or sub.is_component != (entry.kind == "components"):
            return True  # missing, a folder without a kustomization, or of the other kind
    return False


def unbuildable(ctx: Context, ks: FluxKS) -> str | None:
    """The first file (in path order) the Flux Kustomization's build reads that kustomize cannot
    read: a YAML file it parses that does not parse (HL001: "MalformedYAMLError"), a kustomization
    file whose apiVersion does not fit its kind (HL601: "Failed to read kustomization file"), a
    kustomization that lists a Component folder under resources: or the kustomization of a
    Component that a generated kustomization lists there (HL101: "expected kind != 'Component'"),
    the second kustomization file of a folder holding several (HL101: "Found multiple kustomization
    files"), a kustomization file that holds another object, a Flux Kustomization (HL601:
    "invalid Kustomization"), a kustomization that lists a resource or component that is not there (missing_entry),
    a listed kustomization that is empty (HL101: "kustomization.yaml is empty"), a kustomization
    with a `patches:` entry kustomize refuses (HL114: several strategic-merge documents and a
    target; FluxModel.refused_patches), the file of a replacement whose target field kustomize fails on (HL114), the file of a
    generator entry kustomize fails on (HL114: no object to merge into; HL002: a key twice), or
    the file of the first JSON6902 operation kustomize fails on (HL114, FluxKS.patch_failures),
    a resource file with a key twice in a mapping (HL002: "mapping key already defined"), or the
    second of two objects of one resource id (HL108: "already registered id"), or an inline patch
    text kustomize cannot read (HL114: "unable to parse SM or JSON patch").
    kustomize stops there: the build fails and nothing of it is applied. None when every file
    reads and every patch applies. A file only a configMapGenerator or secretGenerator reads is
    data, not parsed."""
    memo: dict[int, str | None] = ctx.repo.memo("rules.unbuildable", dict)  # by object: clusters repeat keys
    if id(ks) not in memo:
        memo[id(ks)] = _own_failure(ctx, ks)
    return memo[id(ks)]


def _own_failure(ctx: Context, ks: FluxKS) -> str | None:
    """unbuildable, not memoised."""
    repo, kdirs = ctx.repo, ctx.repo.kustomize_dirs
    data_only: set[str] = set()
    parsed: set[str] = set()
    broken = [kdirs[component].file for _, component in ks.generated_components]
    # HL101: a folder with more than one kustomization file ("Found multiple kustomization files")
    broken += [repo.multiple_kustomizations[d][1] for d in ks.dirs if d in repo.multiple_kustomizations]
    # HL601: a kustomization file that holds another object ("invalid Kustomization: json: unknown field")
    broken += ctx.flux.refused_read_by(ks)
    for directory in ks.dirs:
        kd = kdirs.get(directory)
        if kd is None:
            continue
        for entry in kd.entries:
            is_data = entry.kind == "generator-file" and str(entry.field[0]).lower() in DATA_GENERATORS
            (data_only if is_data else parsed).add(entry.target)
            if entry.kind == "resources" and entry.target in kdirs and kdirs[entry.target].is_component:
                broken.append(kd.file)  # kustomize: "expected kind != 'Component'"
    data_only -= parsed
    broken += [path for path in ks.files if path not in data_only and repo.invalid_yaml(path)]
    broken += [failed.where.path for failed in ks.replacement_failures[:1]]  # HL114: a replacement target field
    broken += [failed.obj.path for failed in ks.generator_failures[:1]]  # HL114, HL002: a generator entry
    for directory in ks.dirs:
        kd = kdirs.get(directory)
        if kd is not None and kd.file not in broken:
            data = canonical_fields(kd.data)[0]
            if data.get("kind") in (None, "", "Kustomization", "Component") and kustomize_version_error(data):
                broken.append(kd.file)
    kustomization_files = ctx.repo.memo("rules.kustomization-files", lambda: {kd.file for kd in kdirs.values()})
    resource_files = ctx.flux.resource_files
    broken += [
        path for path in ks.files if path in resource_files and path not in kustomization_files and not_an_object_file(ctx, path)
    ]  # HL004: kustomize fails on a document that is no object ("missing Resource metadata")
    broken += [
        path for path in ks.files if path in resource_files and path not in kustomization_files and _duplicate_key(repo, path)
    ]  # HL002: kyaml decodes a resource with yaml.v3, which refuses it ('mapping key "x" already defined')
    broken += _duplicate_ids(ctx, ks)  # HL108: two objects of one resource id ('already registered id')
    broken += _unparsable_patches(ctx, ks)  # HL114: 'unable to parse SM or JSON patch'
    broken += [
        kdirs[d].file for d in ks.dirs if d in kdirs and unreadable_file_entry(repo, kdirs[d], *UNREADABLE_FIELDS)
    ]  # HL101: a patch or replacement file that is not there or does not parse
    missing = missing_entry(ctx, ks)
    if missing is not None:
        broken.append(missing)  # HL101: a listed resource or component kustomize cannot read
    broken += [
        kdirs[d].file for d in ks.dirs if d != ks.path and d in kdirs and empty_kustomization(ctx, kdirs[d], ks) is not None
    ]  # HL101: a listed kustomization that is empty ("kustomization.yaml is empty")
    refused = ctx.flux.refused_patches
    broken += [kdirs[d].file for d in ks.dirs if d in kdirs and kdirs[d].file in refused]  # HL114: a refused patch entry
    failed = ks.patch_failures[0].source.path if ks.patch_failures else None
    return min(broken) if broken else failed


IdKey = tuple[str, str, str, str]  # kustomize's resource id: group, kind, namespace ("" unscoped), name


def id_groups(ctx: Context, ks: FluxKS) -> list[tuple[IdKey, list[Applied]]]:
    """The objects of a Flux Kustomization's build that share one kustomize resource id, two or
    more to an id (sorted by id; HL108). kustomize compares ids before Flux substitutes (two `name:
    ${APP}` of one kind collide), a Namespace by the name the build's namespace gives it, and the
    ids of a kind it knows to be cluster-scoped hold no namespace (its namespace transformer leaves
    them alone, ResId.EffectiveNamespace ignores a written one). An object an unread transformer
    may rename is left out. Memoised per Kustomization."""
    memo: dict[int, list[tuple[IdKey, list[Applied]]]] = ctx.repo.memo("rules.id-groups", dict)
    if id(ks) in memo:
        return memo[id(ks)]
    groups: dict[IdKey, list[Applied]] = defaultdict(list)
    for applied in ks.applied:
        obj = applied.obj
        if not obj.name or applied.unread:
            continue
        if obj.kind == "Namespace":
            renamed = applied.renamed is not None and "$" not in obj.name
            name = applied.name if renamed else obj.name
        else:
            name = id_name(applied)
        unscoped = obj.kind == "Namespace" or (obj.group, obj.kind) in CLUSTER_SCOPED_BUILTINS
        groups[(obj.group, obj.kind, "" if unscoped else applied.namespace or "", name)].append(applied)
    memo[id(ks)] = found = [(key, every) for key, every in sorted(groups.items()) if len(every) >= 2]
    return found


def id_name(applied: Applied) -> str:
    """The name kustomize compares ids by: with the namePrefix/nameSuffix of the kustomizations
    it came through (two copies of a base under `a-` and `b-` are two objects), without the hash
    suffix of a generated one (generators of one name collide whatever their contents), and
    before post-build substitution."""
    name: str = applied.name
    if "$" in applied.obj.name:
        return applied.obj.name  # kustomize compares before Flux substitutes (applied.name is substituted)
    if applied.obj.anchor is not None and applied.hashed and not applied.hash_unknown and name != applied.obj.name:
        name = name.rsplit("-", 1)[0]
    return name


def _duplicate_ids(ctx: Context, ks: FluxKS) -> list[str]:
    """The file of the second object of the first id two objects of one version share: kustomize
    fails the build ('already registered id'); objects of one id at two versions both build
    (kustomize#5843)."""
    for _, every in id_groups(ctx, ks):
        by_version: dict[str, list[Applied]] = defaultdict(list)
        for applied in every:
            by_version[applied.obj.version].append(applied)
        same = next((items for items in by_version.values() if len(items) > 1), None)
        if same is not None:
            return [same[1].obj.path]
    return []


@lru_cache(maxsize=512)
def parsed_inline(text: str) -> ParsedFile:
    """An inline patch's text, parsed (once per run: several checks read the same patches)."""
    return parse_bytes("<patch>", text.encode())


NOT_JSON = "starts with '[', so kustomize decodes it as JSON"


def unparsable_patch(text: str) -> str | None:
    """Why kustomize cannot read an inline patch text ('unable to parse SM or JSON patch'): the
    first YAML syntax error in it (JSON is YAML); None when it parses, or holds template markers
    something renders first."""
    parsed = parsed_inline(text)
    if parsed.templated:
        return None
    problem = next((p for p in parsed.problems if p.rule == "HL001"), None)
    if problem is not None:
        return f"line {problem.line} of the patch text: {problem.message}"
    if text.startswith("["):  # kustomize's jsonPatchFromBytes: a text that starts with '[' is decoded as JSON
        try:
            json.loads(text)
        except ValueError as error:
            return f"{NOT_JSON}, which it is not ({str(error).split(':')[0]})"
    return None


def _unparsable_patches(ctx: Context, ks: FluxKS) -> list[str]:
    """The file of the first inline patch text of the build kustomize cannot read (HL114): in a
    kustomization's `patches:` or the Flux Kustomization's spec.patches."""
    kdirs = ctx.repo.kustomize_dirs
    for directory in sorted(ks.dirs):
        kd = kdirs.get(directory)
        if kd is None:
            continue
        items = kd.data.get("patches")
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and isinstance(item.get("patch"), str) and unparsable_patch(item["patch"]):
                return [kd.file]
    for _, text, source in flux_patches(ks):
        if unparsable_patch(text):
            return [source.path]
    return []


def _duplicate_key(repo: Any, path: str) -> bool:
    parsed = repo.parsed.get(path)
    return parsed is not None and any(problem.rule == "HL002" for problem in parsed.problems)


def refused_build(ctx: Context, path: str) -> bool:
    """Whether `path` is a kustomization file kustomize refuses that a Flux build reads as one."""
    directory = posixpath.dirname(path)
    return ctx.repo.refused_kustomizations.get(directory) == path and directory in ctx.flux.refused_builders()


def empty_kustomization(ctx: Context, kd: KustomizeDir, builder: str | FluxKS) -> str | None:
    """How the kustomization file of `kd` is empty, when kustomize refuses it as "kustomization.yaml
    is empty" (is_empty_kustomization) in the Flux that loads it: that of `builder` (a Flux
    Kustomization, or the folder whose build lists `kd`: the Flux of each Kustomization that builds
    it, else of the cluster it would join). Flux before 2.2 (kustomize v5.0) builds an empty one.
    None when it is not empty, or does not parse cleanly (not judged)."""
    parsed = ctx.repo.parsed.get(kd.file)
    if parsed is None or parsed.problems:
        return None
    doc = parsed.docs[0] if parsed.docs else None
    if not is_empty_kustomization(doc):
        return None
    versions = versions_of(ctx.repo)
    if isinstance(builder, FluxKS):
        installed = [versions.for_ks("flux", builder)]
    else:
        builders = [ks for ks in ctx.flux.kustomizations if builder in ks.dirs]
        installed = [versions.for_ks("flux", ks) for ks in builders] or [versions.for_directory("flux", builder)]
    if not any(has_behaviour("empty-kustomization", i) for i in installed):
        return None
    name = posixpath.basename(kd.file)
    if not isinstance(doc, dict):
        return f"{name} holds no YAML document (nothing, or only comments)"
    fields = [f"{key}: {json.dumps(value)}" for key, value in doc.items() if key not in ("apiVersion", "kind")]
    if not doc:
        return f"{name} holds an empty mapping"
    if not fields:
        return f"{name} holds nothing but {' and '.join(k for k in ('apiVersion', 'kind') if k in doc)}"
    return f"{name} holds nothing but empty fields ({', '.join(fields)})"


def listed_external(patterns: list[str], namespace: str, name: str) -> bool:
    """Whether `name` (or `namespace/name`) matches a glob of a config list such as secrets.external."""
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(f"{namespace}/{name}", p) for p in patterns)


def unproduced(ctx: Context, kind: RefKind, external: list[str]) -> tuple[Produced, list[RefNode], list[tuple[RefNode, str]]]:
    """(what the repository produces of `kind`, the nodes it needs but nothing produces and the
    config does not list as external, and those of them in a namespace that also receives objects
    from outside the repository, with why), for HL301/HL401."""
    produced = ctx.graph.produced(kind)
    foreign = foreign_namespaces(ctx)
    missing: list[RefNode] = []
    unseen: list[tuple[RefNode, str]] = []
    for node in ctx.graph.needed(kind):
        if produced.covers(node.namespace, node.name) or listed_external(external, node.namespace, node.name):
            continue
        if _made_outside_flux(ctx, kind, node.namespace, node.name):
            continue
        if (script := kubectl_makes(ctx, kind, node.namespace, node.name)) is not None:
            unseen.append((node, script))
        elif node.namespace in foreign:
            unseen.append((node, foreign[node.namespace]))
        elif (opaque := ctx.flux.opaque_in(node.namespace, _user_builds(ctx, node, kind), node.name)) is not None:
            unseen.append((node, _opaque_why(opaque, node.namespace)))
        else:
            missing.append(node)
    return produced, missing, unseen


def cluster_of(ctx: Context, applied: Applied) -> str | None:
    """The cluster an application of an object goes to: the Flux root whose tree applies it (each
    root is its own cluster when the roots are known, FluxModel._assign_clusters); None when that
    is not known: guessed roots (they may be one cluster), a hand-applied file, a Kustomization
    with spec.kubeConfig (another cluster, not modelled)."""
    ks = applied.ks
    if not ctx.flux.roots_known or ks is None or ks.target:
        return None
    return ks.cluster


def cluster_key(applied: Applied) -> str:
    """A key to group applications by cluster: the cluster of the Flux root whose tree applies it,
    else that root (roots guessed: each taken apart, which compares less); "" for a hand-applied file."""
    ks = applied.ks
    return (ks.cluster or ks.root) if ks is not None else ""


class OtherCluster(NamedTuple):
    node: RefNode
    lacking: frozenset[str]  # the clusters of users where nothing makes it
    makers: tuple[str, ...]  # the clusters that make it


def made_in_other_clusters(ctx: Context, kind: RefKind, external: list[str]) -> list[OtherCluster]:
    """The needed objects the repository makes by name only in other clusters than some of their
    users': a Secret, ConfigMap or claim one Flux root applies does not exist in the cluster of
    another root (the kubelet resolves a reference in the pod's own cluster). Only where every
    maker's cluster is known and nothing else may make it (a name pattern, a mirror, an object
    Kubernetes makes, a bootstrap script, the config's external list, a namespace others fill)."""
    if not ctx.flux.roots_known:
        return []
    produced = ctx.graph.produced(kind)
    foreign = foreign_namespaces(ctx)
    out = []
    for node in ctx.graph.needed(kind):
        ns, name = node.namespace, node.name
        if name not in produced.names.get(ns, ()) or name in produced.names.get(ANY_NAMESPACE, ()):
            continue  # not made by name here (unproduced judges it), or Kubernetes makes it everywhere
        makers = {
            cluster_of(ctx, e["applied"]) if e.get("applied") is not None else None
            for e in ctx.graph.producers_of(kind, ns, name)
        }
        users = {c for e in ctx.graph.users_of(node, USE_EDGE[kind]) if (c := cluster_of(ctx, e["applied"])) is not None}
        lacking = users - makers
        if None in makers or not lacking or produced.mirrored(ns, name) or ns in foreign:
            continue
        if any(p.fullmatch(name) for n in (ns, ANY_NAMESPACE) for p in produced.patterns.get(n, [])):
            continue
        if listed_external(external, ns, name) or _made_outside_flux(ctx, kind, ns, name):
            continue
        if kubectl_makes(ctx, kind, ns, name) is not None:
            continue
        out.append(OtherCluster(node, frozenset(lacking), tuple(sorted(str(m) for m in makers))))
    return out


def clusters_text(clusters: Iterable[str]) -> str:
    """`the root clusters/a, the root clusters/b` ("": the repository root)."""
    return ", ".join(f"the root {c}" if c else "the repository root" for c in sorted(set(clusters)))


def _user_builds(ctx: Context, node: RefNode, kind: RefKind) -> set[str]:
    """The keys of the Flux Kustomizations that apply the users of `node`."""
    return {e["applied"].ks.key for e in ctx.graph.users_of(node, USE_EDGE[kind]) if e["applied"].ks is not None}


# Charts of an admission webhook that adds `spec.postBuild.substitute` (the keys of the ConfigMaps
# and Secrets it is configured with) to every Flux Kustomization the API server admits
# (xunholy/fluxcd-kustomize-mutating-webhook and its forks, handlers/mutate.go createPatch).
SUBSTITUTING_WEBHOOK_CHARTS = frozenset({"kustomize-mutating-webhook", "fluxcd-mutating-webhook"})


def substituting_webhook(ctx: Context) -> str | None:
    """The HelmRelease (namespace/name, the first in order) Flux applies that installs such a
    webhook, or None: with it, a Kustomization substitutes what its manifest does not say."""

    def find() -> str | None:
        for applied in ctx.flux.applied:
            obj = applied.obj
            if obj.kind != "HelmRelease" or not obj.group.startswith("helm.toolkit.fluxcd.io"):
                continue
            if chart_name(obj) in SUBSTITUTING_WEBHOOK_CHARTS or served_chart(ctx.repo, applied) in SUBSTITUTING_WEBHOOK_CHARTS:
                return f"{applied.ns}/{applied.name}"
        return None

    return ctx.repo.memo("rules.common.substituting-webhook", find)


def kubectl_makes(ctx: Context, kind: str, namespace: str, name: str) -> str | None:
    """Why a workload Flux applies in this cluster, or the chart folder of a HelmRelease Flux
    applies there installs (chart_workloads), may create that Secret or ConfigMap at run time: a
    container runs a literal `kubectl create secret|configmap NAME` in that namespace, or in one
    its script computes (model/podscripts.py). None when none does. A suspended Job or CronJob
    runs nothing."""

    def index() -> dict[tuple[str, str | None, str], str]:
        out: dict[tuple[str, str | None, str], str] = {}
        read: dict[int, list[KubectlMade]] = {}  # by object: one object may be applied by several Kustomizations
        for applied in ctx.flux.applied:
            obj = applied.obj
            if obj.kind not in POD_SPEC_PATHS or (applied.ks is not None and applied.ks.target):
                continue  # not a pod template, or applied in another cluster
            if obj.kind in ("Job", "CronJob") and obj.spec.get("suspend") is True:
                continue
            if id(obj) not in read:
                read[id(obj)] = kubectl_made(obj)
            for made in read[id(obj)]:
                namespace = applied.ns if made.namespace == POD else made.namespace
                why = f"{obj.kind} {applied.ns}/{applied.name} runs `{made.command}`, so it may create it"
                out.setdefault((made.kind, namespace, made.name), why)
        for applied in ctx.flux.applied:
            if applied.obj.kind != "HelmRelease" or installs_elsewhere(applied):
                continue
            folder = _chart_folder(ctx, applied)
            release_ns = _release_namespace(applied)
            if folder is None or release_ns is None:
                continue
            for obj, own in chart_workloads(ctx, folder):
                if id(obj) not in read:
                    read[id(obj)] = kubectl_made(obj, helm=True)
                pod_ns = own or release_ns
                for made in read[id(obj)]:
                    namespace = pod_ns if made.namespace == POD else made.namespace
                    why = (
                        f"{obj.kind} {pod_ns}/{obj.name} of the chart {folder or '.'} that HelmRelease "
                        f"{applied.ns}/{applied.obj.name} installs runs `{made.command}`, so it may create it"
                    )
                    out.setdefault((made.kind, namespace, made.name), why)
        return out

    made = ctx.repo.memo("rules.common.kubectl-made", index)
    return made.get((kind, namespace, name)) or made.get((kind, None, name))


def _opaque_why(applied: Applied, namespace: str) -> str:
    """Why a SOPS document encrypted whole may make what a namespace needs."""
    by = applied.ks.label if applied.ks is not None else "the bootstrap"
    if applied.namespace == namespace:
        return (
            f"{by} applies {applied.obj.path} in namespace {namespace}, a file SOPS encrypts whole (its kind and name are "
            "ciphertext until kustomize-controller decrypts it), so it may create it"
        )
    return (
        f"{by} applies {applied.obj.path}, a file SOPS encrypts whole (its kind, name and namespace are ciphertext "
        "until kustomize-controller decrypts it), so it may create it"
    )


def foreign_namespaces(ctx: Context) -> dict[str, str]:
    """Namespaces that receive a Flux Kustomization whose source is not this repository (another
    GitRepository, an OCIRepository, a Bucket, an ExternalArtifact) and may exist
    (FluxModel.source_may_exist): they may hold objects Git does not show. namespace -> why (the
    first such Kustomization by key). The namespace is the Kustomization's targetNamespace, else
    its own."""
    out: dict[str, str] = {}
    for ks in sorted(ctx.flux.kustomizations, key=lambda k: k.key):
        if ks.local or ks.obj is None or ks.source is None or not ctx.flux.source_may_exist(ks.source):
            continue  # a source nothing defines serves nothing: that Kustomization applies nothing (HL107)
        if ctx.flux.serves_flux_itself(ks):
            continue  # Flux's own controllers and CRDs: no Kustomization, HelmRelease, Secret or ConfigMap
        target = ks.spec.get("targetNamespace")
        namespace = target if isinstance(target, str) and target and "${" not in target else ks.namespace
        ref = ks.spec.get("sourceRef")
        ref = ref if isinstance(ref, dict) else {}
        source = f"{ref.get('kind', 'GitRepository')} {ref.get('name', '?')}"
        out.setdefault(
            namespace,
            f"namespace {namespace} also receives {ks.label} from {source}, which this repository does not hold, "
            "so that source may create it",
        )
    return out


def installs_elsewhere(applied: Applied) -> bool:
    """Whether a HelmRelease's chart renders in another cluster: its own spec.kubeConfig
    (helm-controller buildRESTClientGetter: every Helm action goes to that cluster), or a Flux
    Kustomization with spec.kubeConfig applies the HelmRelease there."""
    return bool(remote_cluster(applied.obj.spec, applied.ns)) or (applied.ks is not None and bool(applied.ks.target))


MANIFEST_EXTENSIONS = (".yaml", ".yml", ".json")  # files kustomize reads as manifests under resources:
OBJECT_KIND = {"secret": "Secret", "configmap": "ConfigMap", "claim": "PersistentVolumeClaim"}


def outside_flux(ctx: Context, kind: str, namespace: str, name: str) -> bool:
    """Whether the repository defines that object in a folder no Flux Kustomization builds (a
    bootstrap folder that a script or helmfile applies): it is made, only not by Flux. A folder
    in the path of a Flux Kustomization nothing applies (FluxModel.dead_over) is not such a one."""
    word = OBJECT_KIND[kind]
    return (
        any(
            outside_flux_tree(ctx, obj) and obj.namespace in (None, namespace)
            for obj in ctx.repo.objects_by_kind_name.get((word, name), [])
        )
        or any(
            outside_flux_tree(ctx, maker) and made_in in (ANY, namespace) for maker, made_in in unapplied_makers(ctx, word, name)
        )
        or any(written in (None, ANY, namespace) for _, written in templated_objects(ctx).get((word, name), []))
    )


def templated_objects(ctx: Context) -> dict[tuple[str, str], list[tuple[str, str | None]]]:
    """The objects of bootstrap templates (rules/templated.py) outside every Flux build: made
    before Flux, only not by it, as a manifest outside every Flux build is. A script, Taskfile or
    justfile may name one on a line that runs kubectl (`... resources.yaml.j2 | op inject | kubectl
    apply -f -`), or the bootstrap may be run by hand from its README: either way it is no
    evidence that nothing makes them (say nothing rather than guess)."""

    return ctx.repo.memo("rules.common.templated-objects", lambda: template_objects(_bootstrap_templates(ctx)))


def templated_keys(ctx: Context) -> dict[tuple[str, str], set[str] | None]:
    """The `data`/`stringData` keys of the objects of templated_objects (rules/templated.py
    template_keys): None for one whose keys a template may compute."""
    return ctx.repo.memo("rules.common.templated-keys", lambda: template_keys(_bootstrap_templates(ctx)))


def _bootstrap_templates(ctx: Context) -> list[tuple[str, str]]:
    """(path, text) of each template outside every Flux build, found once per run."""

    def find() -> list[tuple[str, str]]:
        return [(path, text) for path, text in unapplied_files(ctx, outside_flux_tree=True) if path.endswith(TEMPLATE_SUFFIXES)]

    return ctx.repo.memo("rules.common.bootstrap-templates", find)


def _made_outside_flux(ctx: Context, kind: str, namespace: str, name: str) -> bool:
    """Whether the object is made, only not by Flux: defined in a folder a script applies
    (outside_flux), or in a file a bootstrap script applies, in a namespace it may choose (-n)."""
    return outside_flux(ctx, kind, namespace, name) or _script_applies_definition(ctx, kind, namespace, name)


def _script_applies_definition(ctx: Context, kind: str, namespace: str, name: str) -> bool:
    """Whether a file that defines that object without a namespace of its own (`kubectl apply -n`
    puts it where the script says; one that writes another namespace goes there, or kubectl
    refuses the mismatch), or in `namespace`, is named by a script, Taskfile or justfile
    (run_by_script, anywhere in it: a script may list its files in an array and apply them in a
    loop): it may be applied by hand before Flux, where the user needs it."""
    return any(
        obj.namespace in (None, namespace) and run_by_script(ctx, obj.path, on_command_line=False)
        for obj in ctx.repo.objects_by_kind_name.get((OBJECT_KIND[kind], name), [])
    )


def unapplied_makers(ctx: Context, word: str, name: str) -> list[tuple[K8sObject, str]]:
    """(document, the namespace it would make it in: ANY when its own is not written) of each
    document of the repository nothing applies that the producer table says makes `word` `name`
    (an ExternalSecret, a SealedSecret ...), in file order. Not the Secret or ConfigMap documents
    themselves, not patch bodies, not HelmReleases (what a chart makes depends on how it is
    applied)."""
    return ctx.repo.memo("rules.common.unapplied-makers", lambda: _unapplied_makers(ctx)).get((word, name), [])


def _unapplied_makers(ctx: Context) -> dict[tuple[str, str], list[tuple[K8sObject, str]]]:
    out: dict[tuple[str, str], list[tuple[K8sObject, str]]] = defaultdict(list)
    patches = ctx.repo.patch_files
    for obj in ctx.repo.objects:
        if obj.applied_by or obj.path in patches or obj.kind in ("Secret", "ConfigMap", "HelmRelease") or not obj.name:
            continue
        for made in products_of(obj, {"namespace": obj.namespace or ANY, "name": obj.name}):
            if not any(mark in made.name for mark in ("$", "*", "{{", "<<")):
                out[(made.kind, made.name)].append((obj, made.namespace))
    return dict(out)


def outside_flux_tree(ctx: Context, obj: K8sObject) -> bool:
    """Whether a document nothing applies is in a folder no Flux Kustomization builds or is meant
    to build (a bootstrap folder a script or helmfile applies): not in a subfolder without a
    kustomization below one Flux builds, which no entry reaches (HL102: set aside, in Flux's tree),
    unless a script applies that subfolder (run_by_script)."""
    folder = posixpath.dirname(obj.path)
    if obj.applied_by or folder in ctx.flux.reached_dirs or ctx.flux.dead_over(obj.path) is not None:
        return False
    return set_aside_owner(ctx, obj.path) is None or run_by_script(ctx, folder)


CHART_SOURCE_KIND = ("spec", "chart", "spec", "sourceRef", "kind")
POST_BUILD = ("spec", "postBuild")  # where a Flux Kustomization's variables are declared
TARGET_NAMESPACE = ("spec", "targetNamespace")
# source kinds whose chart (spec.chart.spec.chart) is a path of their artifact, not a chart name
PATH_CHART_SOURCES = ("GitRepository", "Bucket")
CHART_REF_KIND = ("spec", "chartRef", "kind")


def chart_ref_fix(api_version: str, data: dict[str, Any]) -> str | None:
    """The fix of a HelmRelease whose spec.chart.spec.sourceRef names a kind the chart template
    does not take but spec.chartRef does (helm-controller v2 HelmReleaseSpec.ChartRef: OCIRepository,
    HelmChart, ExternalArtifact): a chartRef to it, under an apiVersion whose schema (the one
    homelint ships) has chartRef (v2beta1/v2beta2 CRDs carry it only as provisional, "not actively
    used"); None for any other kind."""
    kind = dig(data, CHART_SOURCE_KIND)
    if not isinstance(kind, str):
        return None
    takes = [v for v, k in sorted(SCHEMAS) if k == "HelmRelease" and kind in (enum_at(v, k, CHART_REF_KIND) or ())]
    if not takes:
        return None
    ref = dig(data, CHART_SOURCE_KIND[:-1])
    name, namespace = (ref.get("name"), ref.get("namespace")) if isinstance(ref, dict) else (None, None)
    written = f"{{kind: {kind}, name: {name if isinstance(name, str) and name else 'NAME'}"
    written += f", namespace: {namespace}}}" if isinstance(namespace, str) and namespace else "}"
    article = "an" if kind[:1] in "AEIOU" else "a"
    change = f"replace spec.chart with chartRef: {written}"
    if kind == "OCIRepository":
        change += " (the OCIRepository's spec.ref, not chart.spec.version, picks the chart version)"
    if api_version in takes:
        return f"reference {article} {kind} from spec.chartRef, not spec.chart: {change}"
    return f"reference {article} {kind} from spec.chartRef, a field of {takes[-1]}: change apiVersion to {takes[-1]} and {change}"


def affixed_away(ctx: Context, edge: Any, kind: str, namespace: str, name: str) -> tuple[str, str] | None:
    """(note, fix) when the reference of a use edge finds nothing because namePrefix/nameSuffix
    renamed the `kind` object written `name` in `namespace` and kustomize left the reference as it
    is (model/namerefs.py: not a nameReference field, or another Flux Kustomization's build); None
    when nothing of that written name was renamed."""

    def index() -> dict[tuple[str, str, str], list[Applied]]:
        out: dict[tuple[str, str, str], list[Applied]] = {}
        for made in ctx.flux.applied:
            new = made.renamed
            if made.affixed and not made.hashed and new and new != made.obj.name and "$" not in new:
                out.setdefault((made.kind, made.ns, made.obj.name), []).append(made)
        return out

    renamed = ctx.repo.memo("rules.common.affixed", index).get((kind, namespace, name))
    if not renamed:
        return None
    referrer = edge["applied"]
    new = sorted({made.name for made in renamed})
    shown = " / ".join(repr(n) for n in new[:3])
    field = "/".join(str(p) for p in edge["field"] if not isinstance(p, int))
    same = [made for made in renamed if made.ks is referrer.ks]
    if same:
        tail = f", and kustomize does not rewrite {referrer.obj.kind} {field}"
    else:
        builder = renamed[0].ks.label if renamed[0].ks is not None else "another Kustomization"
        tail = f" in the build of {builder}, and kustomize rewrites references to it only within that build"
    note = f"; the {kind} '{name}' of that namespace is renamed to {shown} by namePrefix/nameSuffix{tail}"
    return note, f"name the renamed {kind} ({shown}), or keep the prefix/suffix off it"


class Release(NamedTuple):
    """A HelmRelease installing a chart that is not known to be app-template, as chart_releases
    lists it."""

    name: str  # the Helm release name
    chart: str
    owner: str  # `namespace/name` of the HelmRelease
    made: frozenset[str] = frozenset()  # a chart folder of this repository: the kinds its templates name computed


def chart_releases(ctx: Context) -> dict[str, list[Release]]:
    """namespace -> the releases of the HelmReleases installing a chart there that is not known to
    be app-template (whose objects the producer table knows), in this cluster."""
    out: dict[str, list[Release]] = {}
    for applied in ctx.flux.applied:
        obj = applied.obj
        if obj.kind != "HelmRelease" or installs_elsewhere(applied) or app_template_release(ctx.repo, applied):
            continue
        target = obj.spec.get("targetNamespace")
        namespace = target if isinstance(target, str) and target else applied.ns
        chart = served_chart(ctx.repo, applied) or chart_name(obj) or "?"  # a chartRef names its source, not the chart
        release = Release(release_name(obj), chart, f"{applied.ns}/{obj.name}", _templated_kinds(ctx, applied))
        out.setdefault(namespace, []).append(release)
    return out


# the objects a chart's template of that kind makes (an ExternalSecret and a SealedSecret make Secrets)
MAKES = {
    "Secret": "Secret",
    "ExternalSecret": "Secret",
    "SealedSecret": "Secret",
    "ConfigMap": "ConfigMap",
    "PersistentVolumeClaim": "PersistentVolumeClaim",
}
_TEMPLATE_KIND = re.compile(r"^kind:[ \t]*[\"']?(\w+)", re.M)
_TEMPLATE_NAME = re.compile(r"^[ \t]+name:[ \t]*(.*)$", re.M)


def _chart_folder(ctx: Context, applied: Applied) -> str | None:
    """The folder of this repository a HelmRelease's chart is: spec.chart.spec.chart of a
    GitRepository the model reads as this repository. None for any other chart."""
    spec = get(applied.obj.spec, ("chart", "spec"))
    if not isinstance(spec, dict) or not isinstance(spec.get("chart"), str):
        return None
    ref = spec.get("sourceRef")
    if not isinstance(ref, dict) or ref.get("kind") != "GitRepository" or not isinstance(ref.get("name"), str):
        return None
    ns = ref["namespace"] if isinstance(ref.get("namespace"), str) else applied.ns
    art = ctx.flux.sources.artifacts.get(SourceRef("GitRepository", str(ns), ref["name"]))
    if art is None or not art.path_known:
        return None
    return art.path(spec["chart"])


def _release_namespace(applied: Applied) -> str | None:
    """The namespace a HelmRelease installs its chart in (helm-controller GetReleaseNamespace:
    spec.targetNamespace, else its own); None when a post-build variable names it."""
    target = applied.obj.spec.get("targetNamespace")
    if not isinstance(target, str) or not target:
        return applied.ns
    return None if "${" in target else target


_RELEASE_NAMESPACE = re.compile(r"\{\{-?\s*\.Release\.Namespace\s*-?\}\}")


def chart_workloads(ctx: Context, folder: str) -> list[tuple[K8sObject, str | None]]:
    """The workloads (POD_SPEC_PATHS) of the templates of a chart folder whose documents read as
    YAML before Helm renders them (one that does not is no object), in a file that is not a
    partial (`_*`: Helm's releaseutil SortManifests renders it into no manifest), each with the
    namespace written on it: a literal one, or None for none or `{{ .Release.Namespace }}` (the
    release's); one whose namespace Helm computes otherwise is left out. Not those of its
    subcharts (charts/). A Job or CronJob written suspended is left out. In file order; made once
    per folder."""

    def index() -> dict[str, list[K8sObject]]:
        """The workloads by each folder whose `templates/` holds them (every `/templates/` of the
        path: a chart's subchart folder is a chart folder too), built once: linear in the objects."""
        by_folder: dict[str, list[K8sObject]] = {}
        for obj in ctx.repo.objects:
            if obj.kind not in POD_SPEC_PATHS or "templates/" not in obj.path:
                continue
            parts = obj.path.split("/")
            for i, part in enumerate(parts[:-1]):
                if part == "templates":
                    by_folder.setdefault("/".join(parts[:i]), []).append(obj)
        return by_folder

    memo: dict[str, list[tuple[K8sObject, str | None]]] = ctx.repo.memo("rules.common.chart-workloads", dict)
    if folder not in memo:
        workloads = ctx.repo.memo("rules.common.template-workloads", index).get(folder, [])
        memo[folder] = _chart_workloads(ctx, workloads)
    return memo[folder]


def _chart_workloads(ctx: Context, workloads: list[K8sObject]) -> list[tuple[K8sObject, str | None]]:
    out: list[tuple[K8sObject, str | None]] = []
    for obj in workloads:
        if obj.origins or obj.anchor is not None:
            continue
        if posixpath.basename(obj.path).startswith("_") or not isinstance(obj.name, str) or not obj.name:
            continue
        metadata = obj.data.get("metadata")
        written = metadata.get("namespace") if isinstance(metadata, dict) else None
        own: str | None = None
        if isinstance(written, str) and _RELEASE_NAMESPACE.fullmatch(written.strip()):
            own = None  # the release namespace, as Helm renders it
        elif written is not None and (not isinstance(written, str) or not written or obj.namespace != written):
            continue  # a namespace Helm computes (`{{ ... }}` parses as a mapping)
        elif templated_value(ctx, obj, ("metadata", "namespace")):
            continue
        else:
            own = written
        if obj.kind in ("Job", "CronJob") and obj.spec.get("suspend") is True:
            continue
        out.append((obj, own))
    return out


def _templated_kinds(ctx: Context, applied: Applied) -> frozenset[str]:
    """For a HelmRelease of a chart folder this repository serves (_chart_folder), the kinds of
    MAKES whose objects its templates name with a Helm template (`name: {{ ... }}`): such a chart
    may make an object of that kind under any name. Read as text: templates are not YAML until
    Helm renders them."""
    folder = _chart_folder(ctx, applied)
    if folder is None:
        return frozenset()
    memo: dict[str, frozenset[str]] = ctx.repo.memo("rules.chart-templated-kinds", dict)
    if folder not in memo:
        memo[folder] = _kinds_in_templates(ctx, folder)
    return memo[folder]


def _kinds_in_templates(ctx: Context, folder: str) -> frozenset[str]:
    kinds: set[str] = set()
    prefix = f"{folder}/templates/" if folder else "templates/"
    for path in sorted(p for p in ctx.repo.files.all_files if p.startswith(prefix)):
        raw = ctx.repo.read_bytes(path)
        if raw is None or len(raw) > 1_000_000:
            continue
        for doc in raw.decode("utf-8", errors="replace").split("\n---"):
            kind = _TEMPLATE_KIND.search(doc)
            name = _TEMPLATE_NAME.search(doc)
            if kind and kind.group(1) in MAKES and (name is None or "{{" in name.group(1)):
                kinds.add(MAKES[kind.group(1)])
    return frozenset(kinds)


def made_by_chart(
    releases: dict[str, list[Release]], namespace: str, name: str, word: str, skip: frozenset[str] = frozenset()
) -> str | None:
    """Why a chart may make the object: it is named after a release in that namespace (charts
    commonly name their Secrets, ConfigMaps and PersistentVolumeClaims `<release>` or
    `<release>-<what>`), or the release's chart is a folder of this repository whose templates make
    an object of that kind under a name Helm computes. The releases of the HelmReleases in `skip`
    do not count."""
    external = f"; if it does, list it in {word.lower()}s.external" if word in ("Secret", "ConfigMap") else ""
    for release in sorted(releases.get(namespace, [])):
        if release.owner in skip:
            continue
        if name == release.name or name.startswith(release.name + "-"):
            return (
                f"the chart {release.chart} of release {release.name} in that namespace may create it "
                f"(charts name their {word}s after the release){external}"
            )
    for release in sorted(releases.get(namespace, [])):
        if release.owner not in skip and word in release.made:
            return (
                f"the chart {release.chart} of release {release.name} in that namespace may create it (its templates "
                f"in this repository make a {word} whose name Helm computes){external}"
            )
    return None


# YAML, and the non-YAML files the run cache watches (discovery.non_yaml_inputs)
BOOTSTRAP_SUFFIXES = (".yaml", ".yml", *(s for s in NON_YAML_INPUT_SUFFIXES if s != ".json"))


def unapplied_texts(ctx: Context, *, outside_flux_tree: bool) -> list[str]:
    """Texts (up to 1 MB each) of the YAML files, scripts and templates (what the run cache
    watches) that no Flux Kustomization applies: where a bootstrap that runs before Flux may be
    written. Scripts are known by suffix or name (`.sh`, justfiles), by place (a mise task
    folder) or by a shell's shebang line (model.scripts). `outside_flux_tree`: also not in a
    folder Flux builds (a manifest there that Flux does not apply is unwired, HL102, not a
    bootstrap)."""
    return [text for _, text in unapplied_files(ctx, outside_flux_tree=outside_flux_tree)]


def unapplied_files(ctx: Context, *, outside_flux_tree: bool) -> list[tuple[str, str]]:
    """(path, text) of each of `unapplied_texts`, by path."""

    def find() -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        applied, reached, kdirs = ctx.flux.applied_files, ctx.flux.reached_dirs, ctx.repo.kustomize_dirs
        scripts = unnamed_scripts(ctx.repo)  # mise tasks, shell scripts without a suffix
        for path in sorted(ctx.repo.files.all_files):
            base, directory = posixpath.basename(path), posixpath.dirname(path)
            if path in applied or (outside_flux_tree and (directory in reached or directory in kdirs)):
                continue
            if not (base.endswith(BOOTSTRAP_SUFFIXES) or base in NON_YAML_INPUT_NAMES or path in scripts):
                continue
            raw = ctx.repo.read_bytes(path)
            if raw is not None and len(raw) <= 1_000_000:
                found.append((path, raw.decode("utf-8", errors="replace")))
        return found

    return list(ctx.repo.memo(f"rules.unapplied-files/{outside_flux_tree}", find))


def run_by_script(ctx: Context, path: str, *, on_command_line: bool = True) -> bool:
    """Whether a file Flux does not apply that runs commands (command_files) names the folder or
    file `path` by its last two path parts (as a script that writes the rest as a variable,
    {{.CLUSTER_DIR}}/bootstrap/secrets, does): `on_command_line`, on a line that runs kubectl or
    kustomize on it (`kubectl apply -k DIR`, `kustomize build DIR`, `-f DIR/x.yaml`); otherwise
    anywhere in it (a file a script lists in an array and applies in a loop). A variable the
    command files define counts as each value they give it (script_variables): a folder written
    `{{.BOOTSTRAP_DIR}}/secrets.yaml.tpl` is the `bootstrap` folder its Taskfile names."""
    return bool(path) and "/".join(path.split("/")[-2:]) in _command_words(ctx, on_command_line)


_WORD_BREAK = re.compile(r"[\s\"'`=;|&()<>,]+")


def _command_words(ctx: Context, on_command_line: bool) -> frozenset[str]:
    """Each path part, and each two neighbouring parts (a/b), of the words of command_files (of
    their lines that run kubectl or kustomize only, with `on_command_line`): read once, so each
    question is a lookup (time linear in the files, whatever the number of questions)."""

    def find() -> frozenset[str]:
        found: set[str] = set()
        texts = [text for _, text in command_files(ctx)]
        variables = script_variables(texts)
        for text in texts:
            for line in text.splitlines():
                if on_command_line and "kubectl" not in line and "kustomize" not in line:
                    continue
                for reading in expanded_lines(line, variables):
                    for word in _WORD_BREAK.split(reading):
                        parts = [part for part in word.split("/") if part not in ("", ".", "..")]
                        found.update(parts)
                        found.update(f"{a}/{b}" for a, b in itertools.pairwise(parts))
        return frozenset(found)

    return ctx.repo.memo(f"rules.common.command-words/{on_command_line}", find)


def command_files(ctx: Context) -> list[tuple[str, str]]:
    """(path, text) of each file Flux does not apply that runs commands: a script, a justfile, a
    mise task, and of YAML files a Taskfile or a helmfile (unapplied_files without manifests)."""
    return [
        (path, text)
        for path, text in unapplied_files(ctx, outside_flux_tree=False)
        if not path.endswith((".yaml", ".yml")) or _task_file(path)
    ]


def _task_file(path: str) -> bool:
    """A YAML file that runs commands: a Taskfile (taskfile.dev: Taskfile.yml and the task files it
    includes, conventionally under a .taskfiles folder) or a helmfile (its hooks run commands)."""
    base = posixpath.basename(path).lower()
    return base.startswith(("taskfile", "helmfile")) or "/.taskfiles/" in f"/{path}" or "/taskfiles/" in f"/{path}"


# The string maps of an object the API server validates as labels or annotations (ObjectMeta;
# a pod template's in ValidatePodTemplateSpec; a selector's matchLabels in ValidateLabelSelector)
STRING_MAPS = (
    ("metadata", "labels"),
    ("metadata", "annotations"),
    ("spec", "template", "metadata", "labels"),
    ("spec", "template", "metadata", "annotations"),
    ("spec", "jobTemplate", "spec", "template", "metadata", "labels"),
    ("spec", "jobTemplate", "spec", "template", "metadata", "annotations"),
    ("spec", "selector", "matchLabels"),
)
WORKLOAD_GROUPS = {"", "apps", "batch"}


def string_maps(obj: K8sObject) -> tuple[tuple[str, ...], ...]:
    """The label and annotation maps of `obj`: its own; a built-in workload's pod-template ones
    and matchLabels; a Service's selector (ValidateService validates it as labels)."""
    if obj.kind == "Service" and obj.group == "":
        return (*STRING_MAPS[:2], ("spec", "selector"))
    return STRING_MAPS if obj.group in WORKLOAD_GROUPS else STRING_MAPS[:2]


def bounded(items: list[str], limit: int = 3) -> str:
    """`a, b, c and 4 more`: messages stay short whatever the repository's size."""
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# --- scope of kinds -----------------------------------------------------------------------------
# Kinds the API server serves cluster-scoped (kustomize keeps a similar built-in list; a CRD of
# unknown scope counts as namespaced there, and as "unknown" here: never reported).
CLUSTER_SCOPED_KINDS = {
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "APIService", "PodSecurityPolicy", "ComponentStatus",
    "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "ClusterIssuer", "ClusterSecretStore",
    "ClusterExternalSecret", "ClusterGenerator", "ClusterPushSecret", "GatewayClass", "VolumeSnapshotClass",
    "VolumeSnapshotContent", "ClusterPolicy", "ClusterCleanupPolicy", "CiliumClusterwideNetworkPolicy",
    "CiliumLoadBalancerIPPool", "CiliumL2AnnouncementPolicy", "CiliumBGPClusterConfig", "CiliumBGPPeerConfig",
    "CiliumBGPAdvertisement", "CiliumBGPNodeConfigOverride", "CiliumNode", "CiliumIdentity", "CiliumExternalWorkload",
    "ClusterTriggerAuthentication", "CompositeResourceDefinition", "Composition", "ProviderConfig",
    "ClusterImagePolicy", "ClusterServingRuntime", "NodeFeatureRule", "ClusterTask", "ClusterInterceptor",
}  # fmt: skip


def cluster_scoped(obj: K8sObject) -> bool:
    """Whether the API server serves the kind of `obj` cluster-scoped (CLUSTER_SCOPED_KINDS)."""
    if obj.kind == "Provider" and obj.group.endswith("crossplane.io"):
        return True
    return obj.kind in CLUSTER_SCOPED_KINDS
