"""HL101-HL111, HL118: every resource exists, every manifest is wired, every reference resolves, no cycles."""

from __future__ import annotations

import fnmatch
import itertools
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from homelint.core.context import Context
from homelint.core.model import FILE_START, Finding, K8sObject
from homelint.core.substitution import resolve, scan_cached
from homelint.core.wording import with_article
from homelint.loading.positions import _mapping_item
from homelint.loading.safeio import printable
from homelint.model.flux import FLUX_KS_GROUP, Applied, FluxKS, GeneratorFailure, Listing, depends_on
from homelint.model.helmvalues import substituted_text
from homelint.model.kustomize import escapes, inside, is_remote, join, join_entry
from homelint.model.refs import get
from homelint.model.sources import SOURCE_KINDS, Artifact, SourceRef, generated_artifact_names
from homelint.model.variables import Variables, variables_of
from homelint.model.versions import installs_flux
from homelint.rules.common import (
    INSTANCE_FIELDS,
    MANIFEST_EXTENSIONS,
    PATH_CHART_SOURCES,
    TARGET_NAMESPACE,
    Names,
    bounded,
    build_lists_missing,
    close_matches,
    cluster_scoped,
    crd_kind,
    empty_kustomization,
    foreign_namespaces,
    has_flux,
    id_groups,
    listed_beside_missing,
    manifest_artifact,
    refused_build,
    run_by_script,
    substituted_reference,
    unbuildable,
)
from homelint.rules.fixing import Edit, FixFile, Outcome, Skip, each, fixes
from homelint.rules.registry import check
from homelint.rules.unlisted import (
    all_flux_ks,
    builders,
    folders_between,
    referenced_somewhere,
    unlisted_below,
    written_paths,
)

MAX_DROPPED_WORDS = 2  # "did you mean" offers a name that drops at most this many leading words


def _nearest(name: str, candidates: Names | set[str] | list[str], exclude: str | None = None) -> str:
    """ "; did you mean ...?" with up to 3 candidates close to `name` (never `exclude`), or "". A
    candidate that is `name` without its leading dash-separated words (`group-app` for `app`, the
    usual rename when a prefix is dropped) comes first: difflib ranks it low."""
    close = _nearest_names(name, candidates, exclude)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _nearest_names(name: str, candidates: Names | set[str] | list[str], exclude: str | None = None) -> list[str]:
    """The candidates `_nearest` offers, closest first."""
    names = candidates if isinstance(candidates, Names) else Names(candidates)  # a bounded pool, made once
    shorter = sorted((c for c in names.pool if _without_prefix(name, c)), key=len, reverse=True)  # longest tail first
    return [c for c in dict.fromkeys([*shorter, *close_matches(name, names, n=4)]) if c != exclude][:3]


def _without_prefix(name: str, candidate: str) -> bool:
    """Whether `candidate` is `name` without one or two leading words (`cluster-apps-` of
    `cluster-apps-app-a`): a prefix dropped in a rename, not a shared last word."""
    return name.endswith(f"-{candidate}") and 1 <= name[: -len(candidate) - 1].count("-") + 1 <= MAX_DROPPED_WORDS


def _nearest_file(name: str, siblings: set[str]) -> str:
    """`_nearest` for a file name: judged on the names without their extension, so a shared
    `.yaml` does not make `vmrule.yaml` look like `helmrelease.yaml`."""
    stems: dict[str, list[str]] = defaultdict(list)
    for sibling in sorted(siblings):
        stems[posixpath.splitext(sibling)[0]].append(sibling)
    close = close_matches(posixpath.splitext(name)[0], list(stems))
    found = [full for stem in close for full in stems[stem]][:3]
    return f"; did you mean {', '.join(repr(c) for c in found)}?" if found else ""


@check("HL101")
def missing_resource(ctx: Context) -> Iterator[Finding]:
    repo = ctx.repo
    files, dirs = repo.files.all_files, repo.files.dirs
    for _directory, kd in sorted(repo.kustomize_dirs.items()):
        listed = {e.target for e in kd.entries}  # a file listed already is not the one meant ("did you mean")
        for entry in kd.entries:
            if is_remote(entry.value) or "${" in entry.value:
                continue
            target = entry.target
            if ctx.flux is not None and ctx.flux.include_mount(target) is not None:
                continue  # another artifact's files are there (spec.include): not modelled
            fix, related = "fix the path, add the missing file, or remove the entry", target
            if escapes(target):
                message = (
                    f"'{entry.value}' ({entry.field[0]}) leads outside the repository; Flux's kustomize build refuses "
                    "to read it and fails"
                )
            elif entry.kind in ("resources", "components"):
                if target in files:
                    if entry.kind == "components":
                        message = (
                            f"component '{entry.value}' is a file; components must be directories with kind: Component, "
                            "so the build fails"
                        )
                        fix = "list the file under resources:, or move it into a folder whose kustomization is kind: Component"
                    else:
                        continue
                elif target in dirs:
                    if target in repo.kustomize_dirs:
                        sub = repo.kustomize_dirs[target]
                        if (empty := empty_kustomization(ctx, sub, kd.dir)) is not None:
                            message = (
                                f"{entry.kind[:-1]} '{entry.value}' is a folder whose {empty}: kustomize fails to "
                                "load it ('kustomization.yaml is empty'), so the build fails"
                            )
                            fix, related = EMPTY_FIX, sub.file
                        elif entry.kind == "resources" and sub.is_component:
                            message = (
                                f"'{entry.value}' is a Component; kustomize fails the build (\"expected kind != 'Component'\")"
                            )
                            fix = "list it under components:, not resources:"
                        elif entry.kind == "components" and not sub.is_component and not repo.invalid_yaml(sub.file):
                            message = (
                                f"'{entry.value}' is listed as a component but its kustomization is kind: Kustomization; "
                                "kustomize fails the build (\"expected kind 'Component'\")"
                            )
                            fix = (
                                "list it under resources:, or make its kustomization kind: Component "
                                "(apiVersion: kustomize.config.k8s.io/v1alpha1)"
                            )
                            related = sub.file
                        else:
                            continue
                    elif target in repo.refused_kustomizations:
                        continue  # it has one, and kustomize refuses it: HL601 reports that file
                    else:
                        message = (
                            f"directory '{entry.value}' has no kustomization.yaml, so kustomize cannot use it "
                            f"as a {entry.kind[:-1]}"
                        )
                else:
                    siblings = {posixpath.basename(p) for p in ctx.flux.entries_of(posixpath.dirname(target)) if p not in listed}
                    hint = _nearest_file(posixpath.basename(target), siblings)
                    message = f"{entry.kind[:-1]} '{entry.value}' does not exist{hint}"
            else:
                if target in files or target in dirs:
                    continue
                message = f"'{entry.value}' ({entry.field[0]}) does not exist; kustomize build fails"
            yield ctx.finding(
                "HL101",
                kd.file,
                repo.span(kd.file, kd.doc, entry.field),
                message,
                fix=fix,
                key=f"HL101/{'.'.join(map(str, entry.field[:1]))}/{entry.value}",
                related=[related],
            )
    yield from _ignored_entries(ctx)
    yield from _generated_components(ctx)
    yield from _multiple_kustomizations(ctx)
    for ks in ctx.flux.kustomizations:
        if ks.obj is None or not ks.local or ks.path is None or not ks.path_exists:
            continue
        comps = ks.spec.get("components")
        if isinstance(comps, list):
            yield from _flux_components(ctx, ks, ks.obj, ks.path, comps)
    yield from _empty_generated_entries(ctx)


EMPTY_FIX = "remove the entry, or give that kustomization something to build (`resources: []` builds nothing and passes)"


def _empty_generated_entries(ctx: Context) -> Iterator[Finding]:
    """An empty kustomization in a subfolder of a spec.path that has none: the kustomization that
    kustomize-controller generates there lists that folder as a resource (fluxcd/pkg kustomize
    generator: a subfolder with a kustomization file is added as a resource, not descended into),
    and kustomize fails to load it. Reported at spec.path, or (a bootstrap root, no object) at
    the empty file."""
    kdirs = ctx.repo.kustomize_dirs
    for ks in ctx.flux.kustomizations:
        if not ks.local or ks.path is None or not ks.path_exists:
            continue
        for sub in ctx.flux.generated_listing(ks):
            empty = empty_kustomization(ctx, kdirs[sub], ks)
            if empty is None:
                continue
            fix = (
                "give that kustomization something to build (an explicit `resources: []` builds nothing and passes), "
                "or delete it (Flux then applies the folder's manifests)"
            )
            if ks.obj is None:
                yield ctx.finding(
                    "HL101",
                    kdirs[sub].file,
                    FILE_START,
                    f"{empty}; spec.path {ks.path or '.'} of {ks.label} has no kustomization, so Flux generates one that "
                    "lists this folder as a resource, and kustomize fails to load it ('kustomization.yaml is empty')",
                    fix=fix,
                    key=f"HL101/generated/{sub}",
                )
                continue
            yield ctx.at(
                "HL101",
                ks.obj,
                ("spec", "path"),
                f"spec.path {ks.path or '.'} has no kustomization, so Flux generates one that lists the folder {sub} "
                f"as a resource, whose {empty}: kustomize fails to load it ('kustomization.yaml is empty') and Flux "
                "fails the build",
                fix=fix,
                related=[kdirs[sub].file],
            )


def _flux_components(ctx: Context, ks: FluxKS, obj: K8sObject, path: str, comps: list[Any]) -> Iterator[Finding]:
    """HL101 for a Flux Kustomization's spec.components (SEMANTICS 2.1, 2.6): each is appended to
    the components: of the kustomization at spec.path, so it must be a local path relative to it
    (Flux rejects others: "must be local and relative"; kustomize's loader refuses an absolute
    root too) to a folder whose kustomization is kind: Component (kustomize: "expected kind
    'Component' for path ... but got 'Kustomization'") and not empty ("kustomization.yaml is
    empty"); a missing one fails unless ignoreMissingComponents drops it."""
    spec = ks.spec
    ignore_missing = bool(spec.get("ignoreMissingComponents"))
    kdirs = ctx.repo.kustomize_dirs
    for index, comp in enumerate(comps):
        if not isinstance(comp, str):
            continue
        if is_remote(comp) or comp.startswith("/"):
            if ignore_missing:
                continue  # whether Flux drops it as missing before rejecting it: not certain
            message = (
                f"component '{comp}' is not a local path relative to spec.path {path}; Flux rejects it "
                "(components must be local and relative) and fails the build"
            )
            fix = "write the component's path relative to spec.path (e.g. ../../components/name)"
        elif (target := join(path, comp)) in ctx.repo.refused_kustomizations:
            continue  # it has a kustomization file, and kustomize refuses it: HL601 reports that file
        elif target not in kdirs:
            if ignore_missing:
                continue
            where = (
                f"resolves to {target or '.'}, which does not exist"
                if target not in ctx.repo.files.dirs
                else "has no kustomization"
            )
            message = f"component '{comp}' (relative to spec.path {path}) {where}; Flux fails the build"
            fix = (
                "components are relative to spec.path; fix the path or set ignoreMissingComponents"
                if target not in ctx.repo.files.dirs
                else f"give {target} a kustomization.yaml of kind: Component listing its files (not listed anywhere "
                "else), fix the path, or set ignoreMissingComponents"
            )
        elif (empty := empty_kustomization(ctx, kdirs[target], ks)) is not None:
            message = (
                f"component '{comp}' (relative to spec.path {path}) is a folder whose {empty}: kustomize fails to "
                "load it ('kustomization.yaml is empty') and Flux fails the build"
            )
            fix = EMPTY_FIX
        elif not kdirs[target].is_component and not ctx.repo.invalid_yaml(kdirs[target].file):
            message = (
                f"component '{comp}' (relative to spec.path {path}) is a folder whose kustomization is kind: "
                "Kustomization; kustomize expects kind: Component there and Flux fails the build"
            )
            fix = "list the folder under resources: of a kustomization, or make its kustomization kind: Component"
        else:
            continue
        yield ctx.at("HL101", obj, ("spec", "components", index), message, fix=fix)


def _multiple_kustomizations(ctx: Context) -> Iterator[Finding]:
    """A folder holding more than one kustomization file (kustomization.yaml, kustomization.yml,
    Kustomization): kustomize's loader refuses it (api/krusty kusttarget Load, "Found multiple
    kustomization files under: DIR"), so every build that reads the folder fails. Reported at
    each file after the first of kustomize's lookup order, with the builds that read the folder."""
    for directory, paths in sorted(ctx.repo.multiple_kustomizations.items()):
        builders = sorted(ks.label for ks in ctx.flux.kustomizations if directory in ks.dirs)
        names = " and ".join(posixpath.basename(path) for path in paths)
        if builders:
            more = f" and {len(builders) - 1} more" if len(builders) > 1 else ""
            fails = f"the build of {builders[0]}{more} fails and Flux applies none of its objects"
        else:
            fails = "any build of the folder fails"
        for path in paths[1:]:
            yield ctx.finding(
                "HL101",
                path,
                FILE_START,
                f"{directory or '.'} holds {names}: kustomize refuses a folder with more than one kustomization "
                f"file ('Found multiple kustomization files under: {directory or '.'}'), so {fails}",
                fix=f"keep one kustomization file in the folder: merge what {posixpath.basename(path)} says into "
                f"{posixpath.basename(paths[0])} and delete it",
                key=f"HL101/multiple/{path}",
                related=[paths[0]],
            )


def _generated_components(ctx: Context) -> Iterator[Finding]:
    """A Component folder below a path Flux builds without a kustomization file: the kustomization
    kustomize-controller generates lists it under resources: (fluxcd/pkg kustomize_generator.go
    scanManifests adds every subfolder holding a kustomization file, whatever its kind), and
    kustomize fails there as on an explicit entry. Reported at the Component's `kind:`, once per
    Component: the generated kustomization is in no file, and the Component is what is misplaced."""
    builders: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # Component -> folder -> labels
    for ks in ctx.flux.kustomizations:
        for generated, component in ks.generated_components:
            builders[component][generated].add(ks.label)
    kdirs = ctx.repo.kustomize_dirs
    for component, by_folder in sorted(builders.items()):
        kd = kdirs[component]
        generated = min(by_folder)
        if empty_kustomization(ctx, kd, generated) is not None:
            continue  # kustomize stops at the empty file first ('kustomization.yaml is empty'): HL101 says so there
        labels = sorted(by_folder[generated])
        shown = [*labels[:2], f"{len(labels) - 2} more"] if len(labels) > 3 else labels
        by = " and ".join([", ".join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)
        folder = generated or "the repository root"
        yield ctx.finding(
            "HL101",
            kd.file,
            ctx.repo.span(kd.file, kd.doc, ("kind",)),
            f"'{component}' is a Component, and {folder}, which {by} {'builds' if len(labels) == 1 else 'build'}, has "
            "no kustomization file: the kustomization Flux generates for it lists every folder below it that has one "
            "under resources:, this one too, and kustomize fails (expected kind != 'Component'), so nothing of that "
            "build is applied",
            fix=f"add a kustomization.yaml to {folder} that lists what to apply (a Component under components:), "
            f"or move the Component out of {folder}",
            key=f"HL101/generated-component/{component}",
            related=sorted({generated or "."} | {kd.file}),
        )


def _ignored_entries(ctx: Context) -> Iterator[Finding]:
    """Entries the repository holds but the artifact of a Flux Kustomization that builds them
    leaves out (.sourceignore, spec.ignore, Flux's default exclusions): kustomize fails there."""
    built_by: dict[tuple[str, str], str] = {}  # (artifact, kustomization file) -> a Kustomization building it
    for ks in ctx.flux.kustomizations:
        if (ks.obj is not None or ks.synced) and ks.local and ks.artifact is not None:
            for path in ks.files:
                built_by.setdefault((ks.artifact.key, path), ks.label)
    repo = ctx.repo
    for (file, _), (kd, entry, art) in sorted(ctx.flux.ignored_entries.items(), key=lambda item: str(item[0])):
        label = built_by.get((art.key, file))
        if label is None:
            continue
        yield ctx.finding(
            "HL101",
            kd.file,
            repo.span(kd.file, kd.doc, entry.field),
            f"'{entry.value}' ({entry.field[0]}) is in the repository, but the ignore rules of {art.ref} (.sourceignore, "
            f"spec.ignore or Flux's default exclusions) leave it out of the artifact {label} builds from; kustomize fails",
            fix="change the ignore pattern that excludes it, or move what it names to a path the source serves",
            key=f"HL101/ignored/{'.'.join(map(str, entry.field[:1]))}/{entry.value}",
            related=[entry.target],
        )


def _wired_files(ctx: Context) -> set[str]:
    wired: set[str] = set(ctx.flux.applied_files)
    repo = ctx.repo
    for kd in repo.kustomize_dirs.values():
        wired.add(kd.file)
        for entry in kd.entries:
            wired.add(entry.target)
            if entry.target in repo.files.dirs and entry.kind not in ("resources", "components"):
                wired.update(ctx.flux.files_under(entry.target))
    return wired


def _applied_identities(ctx: Context) -> dict[tuple[str, str, str, str], K8sObject]:
    """(kind, namespace, name, cluster) of every applied object -> its object (each cluster
    applies its own objects); kustomize renames Namespaces. Left out: a namespaced object that
    gets no namespace (Flux fails to apply it: HL110) and a name or namespace with a variable
    (what its Kustomization makes of it is another object's name only by chance)."""
    out: dict[tuple[str, str, str, str], K8sObject] = {}
    for applied in ctx.flux.applied:
        obj = applied.obj
        name = applied.name if obj.kind == "Namespace" else obj.name  # as the build renames it
        scoped = obj.kind == "Namespace" or cluster_scoped(obj)
        if (applied.namespace is None and not scoped) or "${" in name or (not scoped and "${" in applied.ns):
            continue
        cluster = applied.ks.cluster if applied.ks is not None else ""
        out.setdefault((obj.kind, "" if scoped else applied.ns, name, cluster), obj)
    return out


def _dir_targets(ctx: Context) -> dict[str, set[str]]:
    """The spec.targetNamespace ("" for none) of each Flux Kustomization that builds a folder."""
    out: dict[str, set[str]] = defaultdict(set)
    for ks in ctx.flux.kustomizations:
        target = ks.spec.get("targetNamespace") if ks.obj is not None else None
        for directory in ks.dirs:
            out[directory].add(target if isinstance(target, str) else "")
    return out


def _dir_clusters(ctx: Context) -> dict[str, list[str]]:
    """The clusters whose Flux Kustomizations build each folder."""
    out: dict[str, set[str]] = defaultdict(set)
    for ks in ctx.flux.kustomizations:
        for directory in ks.dirs:
            out[directory].add(ks.cluster)
    return {directory: sorted(clusters) for directory, clusters in out.items()}


# (file, its folder's kustomization, its objects, their identities (kind, namespace, name), the
# applied object of the same identity of each, or None)
Unlisted = tuple[str, Any, list[K8sObject], list[tuple[str, str, str]], list[K8sObject | None]]


def _unlisted(ctx: Context) -> list[Unlisted]:
    """The manifests HL102 reports: in a folder Flux builds whose kustomization.yaml does not list them."""
    return ctx.repo.memo("rules.unlisted-manifests", lambda: list(_find_unlisted(ctx)))


def _find_unlisted(ctx: Context) -> Iterator[Unlisted]:
    repo = ctx.repo
    wired = _wired_files(ctx)
    flux_present = has_flux(ctx)
    identities = _applied_identities(ctx)
    dir_clusters = _dir_clusters(ctx)
    dir_targets = _dir_targets(ctx)
    for path in repo.files.yaml_files:
        if path in wired:
            continue
        directory = posixpath.dirname(path)
        kd = repo.kustomize_dirs.get(directory)
        if kd is None:
            if not flux_present or not repo.objects_by_file.get(path):
                continue
            kd = unlisted_below(ctx).owner(path)  # made when a file without a kustomization beside it asks
            if kd is None:
                continue
        elif path in repo.multiple_kustomizations.get(directory, (kd.file,)):
            continue  # a kustomization file (more than one there: HL101)
        if flux_present and kd.dir not in ctx.flux.reached_dirs:
            continue  # nothing builds this kustomization at all: HL104 reports the folder
        if repo.invalid_yaml(kd.file):
            continue  # what it lists is unknown, and kustomize fails the build: HL001 reports it
        objects = repo.objects_by_file.get(path, [])
        if not objects or all(o.is_sops and o.kind != "Secret" for o in objects):
            continue  # values files, app configs, SOPS data: not Kubernetes objects
        # as listed, the file's objects would take its Flux Kustomizations' targetNamespace, else the
        # kustomization's namespace:, else their own; several targets or a variable: not known
        targets = sorted(dir_targets.get(kd.dir, {""}))
        ns = (targets[0] or kd.namespace or "") if len(targets) == 1 else None
        keys = [(o.kind, _listed_namespace(o, ns), o.name) for o in objects]
        # the same object only where this folder would be applied: another cluster's is another object
        clusters = dir_clusters.get(kd.dir, [""])
        twins = [
            None if _unknown_identity(k) else next((identities[(*k, c)] for c in clusters if (*k, c) in identities), None)
            for k in keys
        ]
        yield path, kd, objects, keys, twins


# the namespace of an unlisted object whose namespace, once listed, is not known (or it gets none):
# no applied object's identity holds it (_applied_identities leaves those with `${` out)
UNKNOWN_NAMESPACE = "${"


def _listed_namespace(obj: K8sObject, ns: str | None) -> str:
    """The namespace `obj` would have once listed ("" for a cluster-scoped kind)."""
    if obj.kind == "Namespace" or cluster_scoped(obj):
        return ""
    if ns is None:
        return UNKNOWN_NAMESPACE
    return ns or obj.namespace or UNKNOWN_NAMESPACE


def _unknown_identity(key: tuple[str, str, str]) -> bool:
    """Whether an unlisted object's (kind, namespace, name) is not known: no twin is looked up."""
    return "${" in key[1] or "${" in key[2]


def _dead_twins(ctx: Context) -> set[str]:
    """Unlisted files each of whose objects is applied from another file (HL102 says so, once)."""
    return {path for path, _, _, _, twins in _unlisted(ctx) if all(twins)}


def _identity_body(data: dict[str, Any]) -> dict[str, Any]:
    """A document without metadata.name and metadata.namespace: the identity, compared already
    (as kustomize sets them: a Namespace is renamed, a namespace: fills in the namespace)."""
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        return data
    return {**data, "metadata": {k: v for k, v in meta.items() if k not in ("name", "namespace")}}


_ABSENT = object()  # a key one of two compared mappings does not have


def _first_difference(one: Any, other: Any) -> str | None:
    """The dotted path of the first field (in `one`'s order, then `other`'s) where two parsed
    documents differ, or None if they are equal (iterative: the data is the repository's)."""
    stack: list[tuple[str, Any, Any]] = [("", one, other)]
    while stack:
        at, a, b = stack.pop()
        if isinstance(a, dict) and isinstance(b, dict):
            keys = list(a) + [k for k in b if k not in a]
            stack.extend((f"{at}.{k}" if at else str(k), a.get(k, _ABSENT), b.get(k, _ABSENT)) for k in reversed(keys))
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                return at or "."
            stack.extend((f"{at}[{i}]", a[i], b[i]) for i in reversed(range(len(a))))
        elif type(a) is not type(b) or a != b:
            return at or "."
    return None


def _component_folders(ctx: Context) -> set[str]:
    """The folders a kustomization's `components:` or a Flux Kustomization's spec.components names."""
    found = {e.target for kd in ctx.repo.kustomize_dirs.values() for e in kd.entries if e.kind == "components" and e.target}
    for ks in ctx.flux.kustomizations if has_flux(ctx) else []:
        comps = ks.spec.get("components") if ks.obj is not None and ks.path is not None else None
        for comp in comps if isinstance(comps, list) else []:
            if isinstance(comp, str) and not is_remote(comp) and not comp.startswith("/"):
                found.add(join(ks.path or "", comp))
    return found


@check("HL102")
def unwired_manifest(ctx: Context) -> Iterator[Finding]:
    repo = ctx.repo
    # the unlisted files of other folders that would apply one object if listed: listing each (the
    # fix) would have two Kustomizations apply it (HL112), so the message names the rival instead
    # (of one cluster: another cluster's copy is another object)
    rivals: dict[tuple[tuple[str, str, str], str], list[tuple[str, str]]] = defaultdict(list)
    clusters = _dir_clusters(ctx) if has_flux(ctx) else {}
    components = _component_folders(ctx)
    for path, kd, _objects, keys, twins in _unlisted(ctx):
        if not all(twins):
            for key in {k for k in keys if not _unknown_identity(k)}:
                for cluster in clusters.get(kd.dir, [""]):
                    rivals[(key, cluster)].append((path, kd.file))
    for path, kd, objects, keys, twins in _unlisted(ctx):
        base = posixpath.relpath(path, kd.dir or ".")  # the file's name, or its path below a subfolder
        named = sorted({f"{o.kind} {o.name}" for o in objects})
        kinds = ", ".join(named[:3]) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
        if all(twins):
            differing = next(
                (
                    (key, twin, field)
                    for o, key, twin in zip(objects, keys, twins, strict=True)
                    if twin is not None
                    and (field := _first_difference(_identity_body(o.data), _identity_body(twin.data))) is not None
                ),
                None,
            )
            if differing is None:
                dead = ctx.finding(
                    "HL102",
                    path,
                    repo.span(path, objects[0].doc, ("kind",)),
                    f"{base} ({kinds}) is not listed in {kd.file}; the same object is applied from "
                    f"{twins[0].path if twins[0] else ''}, so this file is dead",
                    fix="delete the file (or list it instead of the other one)",
                    key=f"HL102/{path}",
                    related=[kd.file],
                )
                dead.severity = "info"
                yield dead
                continue
            (kind, ns, name), twin, field = differing
            other = ctx.finding(
                "HL102",
                path,
                repo.span(path, objects[0].doc, ("kind",)),
                f"{base} ({kinds}) is not listed in {kd.file}; another definition of {kind} "
                f"{ns + '/' if ns else ''}{name} with different content (first differing field: {field}) is applied from "
                f"{twin.path}; this one is not applied",
                fix="delete the file if the applied definition is the one meant, else move its changes there",
                key=f"HL102/{path}",
                related=[kd.file, twin.path],
            )
            other.severity = "warning"  # the object is there, as the other file defines it
            yield other
            continue
        folder = posixpath.dirname(path)
        if folder != kd.dir and any(f in components for f in (folder, *folders_between(folder, kd.dir))):
            continue  # a folder named as a component, without its kustomization: HL101 reports it there
        text = repo.read_text(kd.file) or ""
        # its entry, or (in a subfolder) the entry of a folder it is in
        commented = _commented_out(text, kd.dir, path) or next(
            (line for f in folders_between(folder, kd.dir) if (line := _commented_out(text, kd.dir, f))), 0
        )
        where = f"; it is commented out at {kd.file}:{commented}" if commented else ""
        if folder != kd.dir:  # a subfolder with no kustomization, which no entry reaches
            message = (
                f"{base} ({kinds}) is not listed in {kd.file}, and its folder {folder} has no kustomization, so "
                f"kustomize never reads it and Flux never applies it{where}"
            )
            fix = f"add './{base}' to resources: in {kd.file} (or give {folder} a kustomization and list it), or delete the file"
        else:
            message = f"{base} ({kinds}) is not listed in {kd.file}, so Flux never applies it{where}"
            fix = f"add './{base}' to resources: in {kd.file}, or delete the file"
        rival = next(
            (
                (key, copy)
                for key in keys
                for cluster in clusters.get(kd.dir, [""])
                for copy, listing in rivals.get((key, cluster), ())
                if listing != kd.file
            ),
            None,
        )
        if rival is not None:
            (kind, ns, name), copy = rival
            message += (
                f"; {copy} defines {kind} {ns + '/' if ns else ''}{name} too and is not listed either: listing both "
                "would have two Kustomizations apply it"
            )
            fix = "list the one copy meant (and delete the others), or list none"
        finding = ctx.finding(
            "HL102", path, repo.span(path, objects[0].doc, ("kind",)), message, fix=fix, key=f"HL102/{path}", related=[kd.file]
        )
        if commented or folder != kd.dir:
            # switched off on purpose, or a folder set aside (an archive, an app not yet wired): dead
            # code more often than a file forgotten beside its kustomization
            finding.severity = "warning"
        yield finding


# a comment whose content is one YAML block-sequence entry: `# - ./file.yaml`, `#- "dir"`, then
# nothing, a comment or a note (`# - ./a.yaml TODO: broken`)
_COMMENTED_ENTRY = re.compile(r"#+[ \t]*-[ \t]+(?:\"([^\"]+)\"|'([^']+)'|([^\s#'\"]+))(?:[ \t].*|#.*)?")


def _commented_out(text: str, directory: str, path: str) -> int:
    """The number of the first comment line of a kustomization in `directory` whose content after
    `#` is a list entry (`- ENTRY`, maybe quoted, maybe followed by a note) that, resolved from
    `directory` as kustomize resolves entries, is `path`; 0 if none. Prose that merely names the
    file does not count."""
    if posixpath.basename(path) not in text:
        return 0
    for number, line in enumerate(text.split("\n"), 1):
        match = _COMMENTED_ENTRY.fullmatch(line.strip())
        if match is not None and join_entry(directory, next(g for g in match.groups() if g is not None)) == path:
            return number
    return 0


@check("HL103")
def missing_flux_path(ctx: Context) -> Iterator[Finding]:
    repo = ctx.repo
    evaluated: set[int] = set()
    for ks in ctx.flux.kustomizations:
        if ks.obj is None:
            if ks.synced and ks.maker is not None and ks.local and ks.path is not None and not ks.path_exists:
                yield _missing_sync_path(ctx, ks)
            continue
        evaluated.add(id(ks.obj))
        if ks.local and ks.path is not None and not ks.path_exists:
            yield _missing_path(ctx, ks.obj, ks.path, ks.raw_path, ks.artifact)
    for obj in all_flux_ks(ctx):
        if id(obj) in evaluated or not ctx.flux.is_local_source(obj.data, obj.namespace or "flux-system"):
            continue
        if refused_build(ctx, obj.path):
            continue  # in a kustomization file kustomize refuses where a build reads it: never applied (HL601)
        if ctx.flux.deleted_from(obj) is not None:
            continue  # a build that holds it removes it (`$patch: delete`): never applied, its path never read
        raw = obj.spec.get("path")
        if not isinstance(raw, str):
            continue
        resolved = resolve(raw, {})
        if resolved is None:
            continue
        path = join("", resolved)
        if path and path not in repo.files.dirs:
            yield _missing_path(ctx, obj, path, raw)
    yield from _missing_chart_paths(ctx)


MISSING = "does not exist in the repository"
LEFT_OUT = "is left out of the artifact by its ignore rules"


def _missing_chart_paths(ctx: Context) -> Iterator[Finding]:
    """HL103 for a HelmRelease whose spec.chart.spec.chart is a path of an artifact of this
    repository (a GitRepository or Bucket source) that holds no chart there: source-controller's
    LocalBuilder.Build loads the chart's metadata from that path (LoadChartMetadata) and fails the
    HelmChart with ChartReference; the release never installs."""
    repo, seen = ctx.repo, set()
    for applied in ctx.flux.applied:
        obj = applied.obj
        if obj.kind != "HelmRelease" or id(obj) in seen or applied.unread or not obj.group.startswith("helm.toolkit"):
            continue
        seen.add(id(obj))
        chart_spec = get(obj.spec, ("chart", "spec"))
        ref = chart_spec.get("sourceRef") if isinstance(chart_spec, dict) else None
        if not isinstance(ref, dict) or ref.get("kind") not in PATH_CHART_SOURCES or not isinstance(ref.get("name"), str):
            continue
        written = chart_spec.get("chart")
        chart = substituted_text(repo, applied, written) if isinstance(written, str) else None
        ns = ref["namespace"] if isinstance(ref.get("namespace"), str) else applied.namespace
        if not chart or "${" in chart or not isinstance(ns, str) or "${" in ns + ref["name"]:
            continue
        art = ctx.flux.sources.artifact(SourceRef(ref["kind"], ns, ref["name"]))
        if art is None or not art.path_known:
            continue  # another repository's, or a pushed folder homelint could not find
        path = art.path(chart)
        if art.mounted(path) is not None or art.include:
            continue  # another artifact's files are there (spec.include), or only some folders are
        why = _chart_path_problem(repo, art, path)
        hint = _folder_hint(ctx, path) if why == MISSING else ""
        if why is None:
            yield from _missing_local_dependencies(ctx, applied, art, path)
        if why is not None:
            yield ctx.at(
                "HL103",
                obj,
                ("spec", "chart", "spec", "chart"),
                f"chart '{written}' of {art.ref} (resolved to '{path or '.'}') {why}: source-controller fails the "
                f"HelmChart (ChartReference) and the release never installs{hint}",
                fix="the chart path is relative to the source's root (the repository root for this one), not to this file",
                related=[path],
            )


def _missing_local_dependencies(ctx: Context, applied: Applied, art: Artifact, chart: str) -> Iterator[Finding]:
    """HL103 for each `file://` dependency in the Chart.yaml of a chart folder a HelmRelease
    installs that resolves (relative to the chart folder) to no chart of the artifact:
    source-controller's DependencyManager.addLocalDependency fails the HelmChart ("no chart found
    at"), and the release never installs. Reported at the release's chart, naming the
    dependency. Not judged when the chart vendors dependencies (a charts/ folder: those are not
    resolved again), for a path out of the repository, or one that holds a placeholder."""
    repo = ctx.repo
    chart_yaml = f"{chart}/Chart.yaml" if chart else "Chart.yaml"
    parsed = repo.parsed.get(chart_yaml)
    doc = parsed.docs[0] if parsed is not None and parsed.docs and not parsed.problems else None
    deps = doc.get("dependencies") if isinstance(doc, dict) else None
    if not isinstance(deps, list) or join(chart, "charts") in repo.files.dirs:
        return
    for index, dep in enumerate(deps):
        where = dep.get("repository") if isinstance(dep, dict) else None
        if not isinstance(where, str) or not where.startswith("file://") or "${" in where or "{{" in where:
            continue
        relative = where[len("file://") :]
        target = posixpath.normpath(posixpath.join(chart, relative)) if relative else chart
        if relative.startswith("/") or target == ".." or target.startswith("../"):
            continue
        why = _chart_path_problem(repo, art, "" if target == "." else target)
        if why is None:
            continue
        name = dep.get("name")
        shown = f"'{printable(name)}' " if isinstance(name, str) else ""
        line = repo.span(chart_yaml, 0, ("dependencies", index, "repository")).line
        yield ctx.at(
            "HL103",
            applied.obj,
            ("spec", "chart", "spec", "chart"),
            f"dependency {shown}of chart {chart} ({chart_yaml}:{line}: '{printable(where)}', resolved to '{target}') "
            f"{why}: source-controller fails the HelmChart ('no chart found at') and the release never installs",
            fix="a file:// dependency is relative to the chart's folder: fix the path in Chart.yaml, or vendor the "
            "chart under charts/",
            related=[chart_yaml],
        )


def _chart_path_problem(repo: Any, art: Artifact, path: str) -> str | None:
    """Why the artifact holds no chart at `path` (a folder with Chart.yaml, or a packaged chart
    file), or None when it does."""
    files, hidden = repo.files.all_files, repo.files.ignored
    if path in files:
        return None if art.contains(path) else LEFT_OUT
    folder = path
    while folder:  # a .gitignore or the config's exclude hid it from the walk: not known
        if folder in hidden or f"{folder}/" in hidden:
            return None
        folder = posixpath.dirname(folder)
    if path not in repo.files.dirs:
        return MISSING
    if f"{path}/Chart.yaml" not in files:
        return "is a folder without Chart.yaml"
    if not art.contains(f"{path}/Chart.yaml"):
        return LEFT_OUT
    return None


def _folder_hint(ctx: Context, path: str) -> str:
    """'; did you mean ...' for a folder path that is not there: the folders beside it whose name
    is close to its name (judged on the last part only: a shared parent path is no likeness)."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for sibling in sorted(ctx.flux.entries_of(posixpath.dirname(path), files=False)):
        by_name[posixpath.basename(sibling)].append(sibling)
    close = [full for name in _nearest_names(posixpath.basename(path), list(by_name)) for full in by_name[name]][:3]
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _missing_sync_path(ctx: Context, ks: FluxKS) -> Finding:
    """HL103 for the sync of a FluxInstance (or flux-instance chart) whose path this repository's
    artifact does not hold: flux-operator makes the Kustomization flux-system with that spec.path,
    and kustomize-controller fails it ('kustomization path not found'), so Flux applies nothing
    of the cluster."""
    maker = ks.maker
    assert maker is not None and ks.path is not None
    path = ks.path
    there = path in ctx.repo.files.dirs  # in the repository, but not in what the source serves
    hint = "" if there else _folder_hint(ctx, path)
    where = "is left out of the artifact by the source's ignore rules" if there else MISSING
    message = (
        f"the sync path '{path or '.'}' {where}: flux-operator makes the Kustomization "
        f"{ks.namespace}/{ks.name} with that spec.path, and kustomize-controller fails it ('kustomization path not "
        f"found'), so Flux applies nothing of this cluster{hint}"
    )
    fix = "the sync path is relative to the repository root"
    fields = INSTANCE_FIELDS.get(maker.kind)
    if fields is not None and maker.data:
        return ctx.at("HL103", maker, (*fields, "sync", "path"), message, fix=fix, related=[path])
    span = ctx.repo.span(maker.path, maker.doc, ("instance", "sync", "path"))  # a flux-instance values file
    return ctx.finding("HL103", maker.path, span, message, fix=fix, key=f"HL103/sync/{path}", related=[path])


def _missing_path(ctx: Context, obj: K8sObject, path: str, raw: str | None, art: Artifact | None = None) -> Finding:
    if art is not None and path in ctx.repo.files.dirs:  # there, but not in what the source serves
        return ctx.at(
            "HL103",
            obj,
            ("spec", "path"),
            f"spec.path '{raw}' (resolved to '{path}') is in the repository, but the ignore rules of {art.ref} "
            "(.sourceignore, spec.ignore or Flux's default exclusions) leave it out of the artifact Flux builds from",
            fix="change the .sourceignore/spec.ignore pattern that excludes this folder, or point spec.path elsewhere",
            related=[path],
        )
    hint = _folder_hint(ctx, path)
    return ctx.at(
        "HL103",
        obj,
        ("spec", "path"),
        f"spec.path '{raw}' does not exist in the repository (resolved to '{path or '.'}'){hint}",
        fix="spec.path is relative to the repository root, not to this file",
        related=[path],
    )


@check("HL104", needs_flux=True)
def unreachable(ctx: Context) -> Iterator[Finding]:
    flux = ctx.flux
    repo = ctx.repo
    roots = list(dict.fromkeys(flux.roots))  # two roots in one file are one place to name
    shown = ", ".join(roots[:3]) + (f" and {len(roots) - 3} more" if len(roots) > 3 else "")
    origin = f"roots: {shown or '(none)'} ({flux.root_source})"
    ks_paths: set[str] = set()
    twins = _dead_twins(ctx)
    unlisted = {path for path, *_ in _unlisted(ctx)}  # HL102 reports these files: why they are not reached
    written, patterns = written_paths(ctx)
    items: list[tuple[str, Finding]] = []  # (path, finding) of each unreachable Kustomization or folder
    for obj in all_flux_ks(ctx):
        raw = obj.spec.get("path")
        resolved = resolve(raw, {}) if isinstance(raw, str) else None
        if resolved is not None:
            ks_paths.add(join("", resolved))
        if not obj.applied_by and not flux.sources.pushed_elsewhere(posixpath.dirname(obj.path)):
            never = flux.withheld_why(obj)
            if never is not None:  # reached, and deliberately not applied: not part of a dead tree
                yield ctx.at(
                    "HL104",
                    obj,
                    ("metadata", "name"),
                    f"Flux Kustomization '{obj.name}' is built but never applied: {never}; its path is not reconciled",
                    fix="remove the annotation or label if Flux should apply it, or remove the object",
                )
                continue
            if obj.path in twins or obj.path in unlisted:
                continue  # not listed in its folder's kustomization.yaml: HL102 says so, in one finding
            if refused_build(ctx, obj.path):
                continue  # in a kustomization file kustomize refuses where a build reads it: HL601 says so
            if flux.unsourced_over(obj.path) is not None:
                continue  # in the path of a Kustomization whose source nothing defines: HL107 is the cause
            if flux.deleted_from(obj) is not None:
                continue  # reached, and removed on purpose by a `$patch: delete` of the build
            if flux.left_out_by_sources(obj.path):
                continue  # every source of this repository leaves it out (.sourceignore, spec.ignore): deliberate
            commented = _commented_reference(ctx, obj.path)
            where = f"; its entry is commented out at {commented}" if commented else ""
            finding = ctx.at(
                "HL104",
                obj,
                ("metadata", "name"),
                f"Flux Kustomization '{obj.name}' is not reached from any Flux root{where}; {origin}",
                fix="wire its file into a kustomization.yaml that Flux applies, or set flux.roots in .homelint.yaml",
            )
            items.append((obj.path, finding))
    for directory, kd in sorted(repo.kustomize_dirs.items()):
        if directory in flux.reached_dirs or kd.is_component or _empty(kd):
            continue
        if kd.data.get("helmCharts") or kd.data.get("helmGlobals"):
            continue  # for `kustomize build --enable-helm` (a bootstrap): Flux cannot build it (HL111)
        if installs_flux(e.value for e in kd.of_kind("resources")):
            continue  # Flux's own installation, applied by hand or `flux bootstrap` before Flux runs
        if directory in ks_paths or referenced_somewhere(ctx, directory):
            continue  # reported through the Flux Kustomization that points at it
        if directory in written or any(fnmatch.fnmatchcase(directory, p) for p in patterns):
            continue  # a Kustomization whose path the model cannot follow (a ResourceSet's, a `${VAR}`) may build it
        if flux.sources.pushed_elsewhere(directory):
            continue  # in an OCI artifact another cluster, or a source made at run time, pulls (a note says so)
        if kd.file in flux.resource_files:
            continue  # a reached build lists its kustomization file, not its folder: HL116 reports that entry
        if flux.unfollowed_over(kd.file) is not None:
            continue  # a Kustomization of a source homelint did not follow (maybe this repository) may build it
        if flux.unsourced_over(kd.file) is not None:
            continue  # a Kustomization whose source nothing defines would build it: HL107 is the cause
        if flux.left_out_by_sources(directory, is_dir=True):
            continue  # every source of this repository leaves it out (.sourceignore, spec.ignore): deliberate
        if run_by_script(ctx, directory):
            continue  # a bootstrap script, Taskfile or justfile applies it before Flux runs
        finding = ctx.finding(
            "HL104",
            kd.file,
            repo.span(kd.file, kd.doc),
            f"no Flux Kustomization builds '{directory or '.'}'{_commented_note(ctx, directory)}; {origin}",
            fix="point a Flux Kustomization's spec.path at it, list it in a parent kustomization, or delete it",
            key=f"HL104/{directory}",
        )
        items.append((kd.file, finding))
    yield from _collapse_dead_trees(ctx, items, origin)


def _empty(kd: Any) -> bool:
    """A kustomization that builds nothing (`resources: []`) is not an unreachable app."""
    return not any(e.kind in ("resources", "components") for e in kd.entries) and not any(
        kd.data.get(k) for k in ("configMapGenerator", "secretGenerator", "helmCharts")
    )


def _collapse_dead_trees(ctx: Context, items: list[tuple[str, Finding]], origin: str) -> Iterator[Finding]:
    """One finding at the top of each folder that holds nothing Flux applies (an archive), not
    one per Kustomization in it; an unreachable item beside applied files stays its own finding."""
    live: set[str] = {""}
    for path in ctx.flux.applied_files:
        directory = posixpath.dirname(path)
        while directory not in live:
            live.add(directory)
            directory = posixpath.dirname(directory)
    groups: dict[str, list[tuple[str, Finding]]] = defaultdict(list)
    for path, finding in items:
        top = posixpath.dirname(path)
        if top in live:
            groups[path].append((path, finding))
            continue
        while posixpath.dirname(top) not in live:
            top = posixpath.dirname(top)
        groups[top + "/"].append((path, finding))
    for top, members in sorted(groups.items()):
        if len(members) == 1:
            yield members[0][1]
            continue
        members.sort(key=lambda m: (m[0], m[1].span.line))
        first_path, first = members[0]
        kustomizations = sum(1 for _, f in members if f.message.startswith("Flux Kustomization"))
        folders = len(members) - kustomizations
        manifests = sum(1 for p in ctx.flux.files_under(top.rstrip("/")) if ctx.repo.objects_by_file.get(p))
        parts = [
            f"{kustomizations} Flux Kustomization(s)" if kustomizations else "",
            f"{folders} kustomization folder(s)" if folders else "",
        ]
        what = " and ".join(p for p in parts if p)
        yield ctx.finding(
            "HL104",
            first_path,
            first.span,
            f"{top}: {what} ({manifests} manifest files) that no Flux root applies; dead code unless a root should reach it; {origin}",
            fix="delete the folder, or wire it into a kustomization that Flux applies; list it under `exclude` to stop linting it",
            key=f"HL104/tree/{top}",
            related=sorted({p for p, _ in members})[:50],
        )


def _commented_note(ctx: Context, path: str) -> str:
    where = _commented_reference(ctx, path)
    if where:
        return f"; its entry is commented out at {where}"
    broken = ctx.flux.listed_without_kustomization(path)
    if broken is not None:
        owner, entry = broken
        return (
            f"; {owner.file} lists '{printable(entry.value)}', a folder with no kustomization file, so kustomize fails "
            "that build (HL101)"
        )
    return ""


def _commented_reference(ctx: Context, path: str) -> str:
    """`file:line` of a commented-out kustomization entry naming `path`, searching parent dirs."""
    directory = posixpath.dirname(path)
    for _ in range(3):
        kd = ctx.repo.kustomize_dirs.get(directory)
        if kd is not None:
            line = _commented_out(ctx.repo.read_text(kd.file) or "", directory, path)
            if line:
                return f"{kd.file}:{line}"
        if not directory:
            break
        directory = posixpath.dirname(directory)
    return ""


def _ks_index(ctx: Context) -> dict[tuple[str, str], list[FluxKS]]:
    index: dict[tuple[str, str], list[FluxKS]] = defaultdict(list)
    for ks in ctx.flux.kustomizations:
        if ks.obj is not None or ks.synced:
            index[(ks.namespace, ks.name)].append(ks)
    return index


def _hr_index(ctx: Context) -> dict[tuple[str, str], list[Any]]:
    index: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for applied in ctx.flux.applied:
        if applied.kind == "HelmRelease":
            index[(applied.ns, applied.name)].append(applied)
    return index


def _other_kinds(ctx: Context, name: str, kind: str) -> str:
    others = sorted(
        {
            o.kind
            for o in ctx.repo.objects_by_kind_name.get(("HelmRelease" if kind == "Kustomization" else "Kustomization", name), [])
        }
    )
    if others:
        return (
            f"; {with_article(others[0])} named '{name}' exists, but dependsOn of {with_article(kind)} only names other {kind}s"
        )
    return ""


def _homes(homes: list[str]) -> str:
    """Where a reference without namespace should point: one namespace is the fix (check --fix
    reads it from this text); several are a choice for the author."""
    if len(homes) == 1:
        return f"'{homes[0]}': add namespace: {homes[0]}"
    return "several namespaces (" + ", ".join(f"'{h}'" for h in homes[:5]) + "): add the namespace: of the one meant"


def _unapplied_definition(ctx: Context, ns: str, name: str, kind: str = "Kustomization") -> str | None:
    """The first file defining a Flux Kustomization (or HelmRelease) `name` of namespace `ns` (or of
    none) that nothing applies (not a patch body, not in a folder another cluster pulls)."""
    patches, sources = ctx.repo.patch_files, ctx.flux.sources
    group = FLUX_KS_GROUP if kind == "Kustomization" else "helm.toolkit.fluxcd.io"
    paths = sorted(
        o.path
        for o in ctx.repo.objects_by_kind_name.get((kind, name), [])
        if not o.applied_by
        and o.group == group
        and o.namespace in (None, ns)
        and o.path not in patches
        and not sources.pushed_elsewhere(posixpath.dirname(o.path))
    )
    return paths[0] if paths else None


def _why_unapplied(ctx: Context, path: str) -> str:
    """Why a file in a folder Flux may build applies nothing: the build that reads its folder fails
    (at the first file kustomize cannot read), or no kustomization lists it."""
    folder = posixpath.dirname(path)
    for ks in ctx.flux.kustomizations:
        failing = unbuildable(ctx, ks) if folder in ks.dirs else None
        if failing is not None:
            return f"the build of {ks.label} that reads its folder fails at {failing}"
        if folder in ks.dirs:
            break
    return "no kustomization Flux builds lists it: see HL102, HL104"


@check("HL105", "HL106", needs_flux=True)
def dependencies(ctx: Context) -> Iterator[Finding]:
    ks_index, hr_index = _ks_index(ctx), _hr_index(ctx)
    foreign = foreign_namespaces(ctx)  # namespaces that also get a Kustomization from another source
    # (kind, namespace, name, object) of every dependent, and the names that exist per kind
    # (a HelmRelease's first application: its dependsOn is substituted as that Kustomization does;
    # a Flux Kustomization's spec is read as its parent's build and substitution leave it)
    dependents: list[tuple[str, str, str, K8sObject, Applied | None]] = []
    seen: set[tuple[int, str]] = set()
    missing: set[int] = set()  # dependents whose build lists a file kustomize cannot find (_beside_missing)
    for ks in ctx.flux.kustomizations:
        if ks.obj is not None and (id(ks.obj), ks.namespace) not in seen and not ks.unplaced:
            seen.add((id(ks.obj), ks.namespace))  # an unplaced one is never applied (HL110 says why)
            dependents.append(("Kustomization", ks.namespace, ks.name, ks.obj, None))
            if listed_beside_missing(ctx, ks.parent, ks.obj.path):
                missing.add(id(ks.obj))
    for (hr_ns, hr_name), items in sorted(hr_index.items()):
        dependents.append(("HelmRelease", hr_ns, hr_name, items[0].obj, items[0]))
        if build_lists_missing(ctx, items[0]):
            missing.add(id(items[0].obj))
    existing = {"Kustomization": set(ks_index), "HelmRelease": set(hr_index)}
    # per kind: names to suggest by namespace, namespaces by name (looked up, not scanned per finding)
    suggest: dict[str, dict[str, list[str]]] = {kind: defaultdict(list) for kind in existing}
    homes_of: dict[str, dict[str, list[str]]] = {kind: defaultdict(list) for kind in existing}
    for kind, keys in existing.items():
        for n_ns, n in sorted(keys):
            if "${" not in n:  # not a name to suggest
                suggest[kind][n_ns].append(n)
            homes_of[kind][n].append(n_ns)
    indexes: dict[tuple[str, str], Names] = {}
    for kind, own_ns, own_name, obj, applied in dependents:
        spec = obj.spec if kind == "HelmRelease" else next(k.spec for k in ks_index[(own_ns, own_name)] if k.obj is obj)
        for index, written, written_ns in depends_on(spec):
            explicit = written_ns is not None
            name = substituted_reference(ctx, applied, written) if applied is not None else written
            if written_ns is None:
                ns: str | None = own_ns
            else:
                ns = substituted_reference(ctx, applied, written_ns) if applied is not None else written_ns
            if not name or not ns or "${" in name or "${" in ns:
                continue
            if (ns, name) not in existing[kind] and not ctx.flux.resource_set_makes(kind, ns, name):
                if (kind, ns) not in indexes:
                    indexes[(kind, ns)] = Names(suggest[kind].get(ns, []))
                names = indexes[(kind, ns)]
                homes = homes_of[kind].get(name, [])
                why = foreign.get(ns) if kind == "Kustomization" else None
                moved = bool(homes) and not explicit  # it exists, in another namespace
                unapplied = _unapplied_definition(ctx, ns, name, kind) if not moved else None
                unsourced = ctx.flux.unsourced_over(unapplied) if unapplied is not None else None
                if unapplied is not None and unsourced is not None:  # its Kustomization builds nothing (HL107)
                    message = (
                        f"dependsOn {kind} '{ns}/{name}' is defined in {unapplied}, which {unsourced.label} would apply, "
                        "but that Kustomization's sourceRef names a source nothing in the repository defines (HL107): "
                        "kustomize-controller applies nothing of it, so Flux never finds this dependency and retries forever"
                    )
                    fix = f"fix the sourceRef of {unsourced.label}, or remove the dependency"
                elif unapplied is not None:  # Flux looks it up on the cluster, where nothing put it
                    message = (
                        f"dependsOn {kind} '{ns}/{name}' is defined in {unapplied}, but nothing applies that file "
                        f"({_why_unapplied(ctx, unapplied) if kind == 'HelmRelease' else 'see HL104'}), so Flux never "
                        "finds it and retries forever"
                    )
                    fix = f"wire {unapplied} into a kustomization that Flux applies, or remove the dependency"
                else:
                    if moved:
                        hint = (
                            f"; dependsOn has no namespace, so Flux looks in this {kind}'s namespace '{ns}', but "
                            f"{kind} '{name}' is in {_homes(homes)}"
                        )
                    elif homes:  # the namespace written is not where it is
                        where = ", ".join(f"'{h}'" for h in homes[:5]) + (" and more" if len(homes) > 5 else "")
                        hint = f"; {kind} '{name}' exists in {where}: set the namespace of the one meant"
                    else:
                        itself = own_name if ns == own_ns else None  # depending on itself is a cycle (HL106), not a fix
                        hint = f"{_other_kinds(ctx, name, kind)}{_nearest(name, names, itself)}"
                    message = f"dependsOn {kind} '{ns}/{name}' does not exist{hint}"
                    fix = f"fix the name/namespace (namespace defaults to this {kind}'s), or remove the dependency"
                finding = ctx.at(
                    "HL105",
                    obj,
                    ("spec", "dependsOn", index, "name"),
                    message + (f"; {why}" if why else ""),
                    fix=fix,
                )
                if why:
                    finding.severity = "info"  # a source this repository does not hold may define it
                elif id(obj) in missing and unapplied is None:
                    _beside_missing(finding)
                yield finding
            elif ctx.flux.roots_known and not (kind == "Kustomization" and foreign.get(ns)):
                elsewhere = _applied_elsewhere(kind, (own_ns, own_name), obj, (ns, name), ks_index, hr_index)
                if elsewhere is not None:
                    mine, theirs = elsewhere
                    yield ctx.at(
                        "HL105",
                        obj,
                        ("spec", "dependsOn", index, "name"),
                        f"dependsOn {kind} '{ns}/{name}' is not applied in this {kind}'s cluster ({_cluster_label(mine)}); "
                        f"only {_cluster_label(theirs)} applies it, and Flux looks a dependency up in its own cluster, "
                        "so this one waits forever",
                        fix=f"apply {kind} {ns}/{name} in this cluster too, or remove the dependency",
                    )
    yield from _cycle_findings(ctx, ks_index, hr_index)


def _cluster_label(cluster: str) -> str:
    return f"the cluster of root {cluster}" if cluster else "the cluster of the repository root"


def _applied_elsewhere(
    kind: str,
    me: tuple[str, str],
    obj: K8sObject,
    dep: tuple[str, str],
    ks_index: dict[tuple[str, str], list[FluxKS]],
    hr_index: dict[tuple[str, str], list[Any]],
) -> tuple[str, str] | None:
    """(a cluster that applies the dependent `obj`, a cluster that applies the dependency) when the
    dependency exists, but not in that cluster: kustomize-controller and helm-controller look a
    dependency up on the API server they run against (checkDependencies). None when it is in every
    cluster of the dependent, or where a spec.kubeConfig sends either to another API server (not
    modelled here)."""

    def clusters(key: tuple[str, str], only: K8sObject | None) -> set[str] | None:
        found: set[str] = set()
        if kind == "Kustomization":
            for ks in ks_index.get(key, []):
                if only is None or ks.obj is only:
                    if ks.parent is not None and ks.parent.target:
                        return None
                    found.add(ks.cluster)
        else:
            for applied in hr_index.get(key, []):
                if only is None or applied.obj is only:
                    if applied.ks is None or applied.ks.target:
                        return None
                    found.add(applied.ks.cluster)
        return found

    mine, theirs = clusters(me, obj if kind == "Kustomization" else None), clusters(dep, None)
    if not mine or not theirs:
        return None
    missing = sorted(mine - theirs)
    return (missing[0], sorted(theirs)[0]) if missing else None


Node = tuple[str, str, str, str]  # (cluster, kind, namespace, name)


def _cycle_findings(
    ctx: Context, ks_index: dict[tuple[str, str], list[FluxKS]], hr_index: dict[tuple[str, str], list[Any]]
) -> Iterator[Finding]:
    """HL106: cycles of dependsOn edges within one cluster. kustomize-controller and helm-controller
    look a dependency up on the API server they run against (checkDependencies: a Get of the
    named object), so an edge of one cluster never waits for an object of another: the graph's
    nodes are per cluster (a Kustomization's, and each cluster that applies a HelmRelease).
    Guessed roots (no evidence named them) may all be applied to one cluster: one graph."""
    known = ctx.flux.roots_known
    edges: list[tuple[Node, Node]] = []  # (dependent, what it depends on)
    where: dict[Node, tuple[K8sObject, int]] = {}
    dependents: list[tuple[Node, K8sObject, dict[str, Any]]] = []
    for items in ks_index.values():
        for ks in items:
            if ks.obj is not None:
                dependents.append(((ks.cluster if known else "", "Kustomization", ks.namespace, ks.name), ks.obj, ks.spec))
    for (ns, name), applied in sorted(hr_index.items()):
        clusters: dict[str, K8sObject] = {}
        for item in applied:
            cluster = item.ks.cluster if item.ks is not None and known else ""
            clusters.setdefault(cluster, item.obj)  # the first copy the cluster applies
        dependents.extend(((cluster, "HelmRelease", ns, name), obj, obj.spec) for cluster, obj in clusters.items())
    for me, obj, spec in dependents:
        for index, name, dep_ns in depends_on(spec):
            ns = dep_ns or me[2]
            if "${" in name or "${" in ns:
                continue
            edges.append((me, (me[0], me[1], ns, name)))
            where.setdefault(me, (obj, index))
    for cycle in _cycles(edges):
        first = min(cycle)
        start = cycle.index(first)
        ordered = cycle[start:] + cycle[:start]
        text = " -> ".join(f"{n[2]}/{n[3]}" for n in [*ordered, ordered[0]])
        obj, index = where[first]
        yield ctx.at(
            "HL106",
            obj,
            ("spec", "dependsOn", index),
            f"dependency cycle among {first[1]}s: {text}; every member waits forever",
            fix="remove one dependsOn edge of the cycle",
            key=f"HL106/{text}",
            related=sorted({where[n][0].path for n in ordered if n in where}),
        )


def _cycles(edges: list[tuple[Any, Any]]) -> list[list[Any]]:
    """Every elementary cycle of the graph of `edges` (networkx's simple_cycles), sorted by its
    members; searched for (and networkx, 0.1-0.25 s to import, imported) only when there is one."""
    graph: dict[Any, list[Any]] = {}
    for node, target in edges:
        graph.setdefault(node, []).append(target)
    if not _has_cycle(graph):
        return []
    import networkx as nx  # start-up: imported only where it is needed

    digraph = nx.DiGraph()
    digraph.add_edges_from(edges)  # nodes and edges in the order they were met, as before
    return sorted(nx.simple_cycles(digraph), key=lambda c: sorted(c))


def _has_cycle(graph: dict[Any, list[Any]]) -> bool:
    """Whether a path of edges leads from a node back to it (a depth-first search, iterative)."""
    done: set[Any] = set()
    for start in graph:
        if start in done:
            continue
        on_path = {start}
        stack = [(start, iter(graph[start]))]
        while stack:
            node, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                stack.pop()
                on_path.discard(node)
                done.add(node)
            elif target in on_path:
                return True
            elif target not in done:
                on_path.add(target)
                stack.append((target, iter(graph.get(target, ()))))
    return False


@check("HL107", needs_flux=True)
def dangling_source_ref(ctx: Context) -> Iterator[Finding]:
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    placed: set[tuple[str, str, str]] = set()  # sources whose namespace the model knows
    manifests: set[tuple[str, str]] = set()  # OCIRepositories of Flux manifests (common.manifest_artifact): no chart
    # (kind, namespace, name in its file) -> the names namePrefix/nameSuffix gave it there
    affixed: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for applied in ctx.flux.applied:
        if applied.kind in SOURCE_KINDS and applied.obj.group.startswith("source.toolkit.fluxcd.io"):
            sources[(applied.kind, applied.ns)].add(applied.name)
            if applied.affixed and applied.name != applied.obj.name:
                affixed[(applied.kind, applied.ns, applied.obj.name)].add(applied.name)
            if applied.namespace:
                placed.add((applied.kind, applied.ns, applied.name))
            if manifest_artifact(applied.obj):
                manifests.add((applied.ns, applied.name))
        for made in generated_artifact_names(applied.obj):  # an ArtifactGenerator's, in its namespace
            sources[("ExternalArtifact", applied.ns)].add(made)
            if applied.namespace:
                placed.add(("ExternalArtifact", applied.ns, made))
    seen: set[tuple[int, str]] = set()
    foreign = foreign_namespaces(ctx)
    # a Flux Kustomization as applied: parent patches and substitution done (flux.FluxKS.data)
    materialized = {(id(ks.obj), ks.namespace): ks.spec for ks in ctx.flux.kustomizations if ks.obj is not None}
    unplaced = {(id(ks.obj), ks.namespace) for ks in ctx.flux.kustomizations if ks.unplaced}
    for applied in ctx.flux.applied:
        obj = applied.obj
        if (id(obj), applied.ns) in seen:
            continue
        seen.add((id(obj), applied.ns))
        refs: list[tuple[tuple[Any, ...], Any, str]] = []
        if obj.kind == "Kustomization" and obj.group == FLUX_KS_GROUP:
            spec = materialized.get((id(obj), applied.ns), obj.spec)
            refs.append((("spec", "sourceRef"), spec.get("sourceRef"), "GitRepository"))
        elif obj.kind == "HelmRelease":
            chart = obj.spec.get("chart")
            chart_spec = chart.get("spec") if isinstance(chart, dict) else None
            if isinstance(chart_spec, dict):
                refs.append((("spec", "chart", "spec", "sourceRef"), chart_spec.get("sourceRef"), "HelmRepository"))
            refs.append((("spec", "chartRef"), obj.spec.get("chartRef"), "OCIRepository"))
        elif obj.kind == "ImageUpdateAutomation" and obj.group == IMAGE_GROUP:
            # image-automation-controller: "referenced git repository does not exist", not Ready
            refs.append((("spec", "sourceRef"), obj.spec.get("sourceRef"), "GitRepository"))
        elif obj.kind == "ImagePolicy" and obj.group == IMAGE_GROUP:
            yield from _dangling_image_repository(ctx, applied, foreign)
            continue
        elif obj.kind == "Alert" and obj.group == NOTIFICATION_GROUP:
            yield from _dangling_provider(ctx, applied, foreign)
            continue
        for field, ref, default_kind in refs:
            if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
                continue
            kind: str = ref["kind"] if isinstance(ref.get("kind"), str) else default_kind
            has_namespace = applied.namespace is not None and (id(obj), applied.ns) not in unplaced
            if not has_namespace and not isinstance(ref.get("namespace"), str):
                continue  # the object has no namespace (HL110 says so): where Flux would look is unknown
            # as Flux substitutes them (a `${VAR}` the applying Kustomization sets); unknown: not judged
            name = substituted_reference(ctx, applied, ref["name"])
            ns = substituted_reference(ctx, applied, ref["namespace"]) if isinstance(ref.get("namespace"), str) else applied.ns
            if not name or not ns:
                continue
            if ctx.flux.source_found(SourceRef(kind, ns, name)):
                continue
            elsewhere = sorted(k for (k, n_ns), names in sources.items() if name in names and (k, n_ns) != (kind, ns))
            other = ""
            homes = sorted(n_ns for (k, n_ns, n) in placed if k == kind and n == name and n_ns != ns)
            if not homes and not isinstance(ref.get("namespace"), str):
                # this repository's own source, in the namespace its evidence names
                homes = sorted(
                    {r.namespace for r in ctx.flux.sources.artifacts if r.kind == kind and r.name == name and r.namespace != ns}
                )
            if field == ("spec", "chartRef"):  # a source of manifests is no chart to point a release at
                homes = [h for h in homes if (h, name) not in manifests]
            renamed = sorted(affixed.get((kind, ns, name), ()))
            unapplied = sorted(
                o.path
                for o in ctx.repo.objects_by_kind_name.get((kind, name), [])
                if not o.applied_by and o.namespace in (None, ns) and o.group.startswith("source.toolkit.fluxcd.io")
            )
            # the source meant may be in this namespace after all (a file no build applies, or one a
            # failing build lists): the one of another namespace is no fix to offer
            own_evidence = bool(unapplied) or build_lists_missing(ctx, applied)
            if renamed:
                # kustomize renames the source but not the reference: its name references know no Flux kinds
                other = (
                    f"; the {kind} '{name}' of that namespace is renamed to "
                    f"{' / '.join(repr(r) for r in renamed[:3])} by namePrefix/nameSuffix, and kustomize does not "
                    f"rename {with_article(obj.kind)}'s {field[-1]}"
                )
            elif homes and not isinstance(ref.get("namespace"), str) and applied.namespace and own_evidence:
                other = f"; {with_article(kind)} of that name is in {', '.join(repr(h) for h in homes[:3])}"
            elif homes and not isinstance(ref.get("namespace"), str) and applied.namespace:
                other = (
                    f"; sourceRef has no namespace, so Flux looks in this {obj.kind}'s namespace '{ns}', but the "
                    f"{kind} is in {_homes(homes)}"
                )
            elif elsewhere:
                other = f"; {with_article(elsewhere[0])} of that name exists in another namespace or of another kind"
            names = sources.get((kind, ns), set())
            defined = (
                f"which nothing Flux applies defines: it is defined in {unapplied[0]}, which no Flux Kustomization applies"
                if unapplied
                else "which nothing in the repository defines"
            )
            # no build reaches the file because one lists a folder holding it that has no
            # kustomization file (HL101): that build fails, and the folder is where the fix goes
            broken = ctx.flux.listed_without_kustomization(posixpath.dirname(unapplied[0])) if unapplied else None
            if broken is not None:
                defined += (
                    f": {broken[0].file} lists '{printable(broken[1].value)}', a folder with no kustomization file, so "
                    "kustomize fails that build (HL101)"
                )
            # it may be applied after all (FluxModel.source_may_exist): the first file that may be
            hedge = next((h for path in unapplied if (h := _maybe_applied(ctx, path, "the source's file")) is not None), None)
            if hedge is not None:  # it may be applied after all: say so, do not guess
                defined = f"which is defined in {hedge}"
            # kustomize-controller stops at the missing source (getSource): its spec.path is never built
            unbuilt = (
                "; kustomize-controller applies nothing without it, and homelint did not check what its spec.path holds"
                if obj.kind == "Kustomization" and obj.group == FLUX_KS_GROUP and hedge is None and not _built(ctx, obj)
                else ""
            )
            finding = ctx.at(
                "HL107",
                obj,
                (*field, "name"),
                f"{field[-1]} names {kind} '{ns}/{name}', {defined}{other}{'' if renamed else _nearest(name, names)}{unbuilt}",
                fix=f"name the renamed source ('{renamed[0]}'), or keep the prefix/suffix off the source"
                if renamed
                else f"give {broken[1].target} a kustomization.yaml that lists the source's file (or list the file itself)"
                if broken is not None
                else "fix kind/name/namespace (it defaults to the referrer's namespace), or list the source in flux.external-sources",
            )
            if hedge is not None:
                finding.severity = "info"
            elif build_lists_missing(ctx, applied) and not _lands_elsewhere(ctx, applied, ns):
                _beside_missing(finding)
            yield finding


def _includers_in(ctx: Context, ks: FluxKS, path: str) -> list[str]:
    """The kustomization files of `ks`'s build that list, under resources: or components:, the
    folder of `path` when it has a kustomization (a component, a base), else `path` itself."""
    folder = posixpath.dirname(path)
    wanted = folder if folder in ctx.repo.kustomize_dirs else path
    found = set()
    for directory in ks.dirs:
        kd = ctx.repo.kustomize_dirs.get(directory)
        if kd is not None and any(e.kind in ("resources", "components") and e.target == wanted for e in kd.entries):
            found.add(kd.file)
    return sorted(found)


def _lands_elsewhere(ctx: Context, applied: Applied, namespace: str) -> bool:
    """Whether everything the build applying `applied` makes lands in another namespace than
    `namespace`: its Flux Kustomization's targetNamespace, known and other (a file the build
    lists but kustomize cannot find could not make an object of `namespace` there)."""
    ks = applied.ks
    if ks is None or ks.obj is None or ctx.flux.target_namespace_unread(ks):
        return False
    target = ks.spec.get("targetNamespace")
    return isinstance(target, str) and bool(target) and "$" not in target and target != namespace


def _beside_missing(finding: Finding) -> None:
    """A reference to what nothing defines, in a build that lists a file kustomize cannot find: the
    build fails first (HL101) and that file may define it, which the message says; still an error,
    as it stays one once the file is restored if the file does not (a typo beside a lost file)."""
    finding.message += (
        "; the build that applies it also lists a file kustomize cannot find or read (HL101, HL001), which may define it"
    )


IMAGE_GROUP = "image.toolkit.fluxcd.io"


def _built(ctx: Context, obj: K8sObject) -> bool:
    """Whether the model builds the spec.path of a Flux Kustomization defined by `obj` (in any of
    the places it is applied)."""
    return any(
        ks.local and ks.path is not None for ks in ctx.flux.kustomizations if ks.obj is not None and ks.obj.source is obj.source
    )


def _dangling_image_repository(ctx: Context, applied: Any, foreign: dict[str, str]) -> Iterator[Finding]:
    """HL107 for an ImagePolicy whose spec.imageRepositoryRef names an ImageRepository nothing
    applies (image-reflector-controller: "referenced ImageRepository does not exist", the policy
    is not Ready and selects no tag). Names or namespaces that cannot be read are not judged."""
    ref = applied.obj.spec.get("imageRepositoryRef")
    if not isinstance(ref, dict) or not isinstance(ref.get("name"), str) or applied.unread:
        return
    written = ref.get("namespace")
    if applied.namespace is None and not isinstance(written, str):
        return  # the object has no namespace (HL110): where Flux would look is unknown
    ns = substituted_reference(ctx, applied, written) if isinstance(written, str) else applied.ns
    name = substituted_reference(ctx, applied, ref["name"])
    known = _flux_objects(ctx)
    if not name or not ns or known.found(ctx, "ImageRepository", ns, name):
        return
    hint = known.hint("ImageRepository", ns, name)
    why = foreign.get(ns)
    yield _undefined_ref(
        ctx,
        "HL107",
        applied.obj,
        ("spec", "imageRepositoryRef", "name"),
        f"imageRepositoryRef names ImageRepository '{ns}/{name}', which nothing the repository applies defines: "
        f"the ImagePolicy is not Ready and selects no tag{hint}",
        "fix the name/namespace (it defaults to the ImagePolicy's), or apply the ImageRepository",
        why,
    )


NOTIFICATION_GROUP = "notification.toolkit.fluxcd.io"


def _dangling_provider(ctx: Context, applied: Any, foreign: dict[str, str]) -> Iterator[Finding]:
    """HL107 for an Alert whose spec.providerRef names a Provider nothing applies in the Alert's
    namespace (notification-controller's event handler: "failed to read provider", and the
    Alert's events are dropped). A suspended Alert sends nothing anyway: not judged."""
    obj = applied.obj
    ref = obj.spec.get("providerRef")
    if not isinstance(ref, dict) or not isinstance(ref.get("name"), str) or applied.unread or applied.namespace is None:
        return
    if obj.spec.get("suspend") is True:
        return
    ns, name = applied.ns, substituted_reference(ctx, applied, ref["name"])
    known = _flux_objects(ctx)
    if not name or "${" in ns or known.found(ctx, "Provider", ns, name):
        return
    yield _undefined_ref(
        ctx,
        "HL107",
        obj,
        ("spec", "providerRef", "name"),
        f"providerRef names Provider '{ns}/{name}', which nothing the repository applies defines: "
        f"notification-controller drops every event of this Alert{known.hint('Provider', ns, name)}",
        "fix the name, or apply the Provider in the Alert's namespace (providerRef has no namespace)",
        foreign.get(ns),
    )


def _undefined_ref(
    ctx: Context, rule: str, obj: K8sObject, field: tuple[Any, ...], message: str, fix: str, why: str | None, unsure: bool = False
) -> Finding:
    """A finding on a reference to a Flux object nothing the repository applies defines: an info,
    saying `why`, when a source homelint did not follow may define it (or when `unsure`)."""
    finding = ctx.at(rule, obj, field, message + (f"; {why}" if why else ""), fix=fix)
    if why or unsure:
        finding.severity = "info"
    return finding


# kinds of Flux's own APIs that only manifests make (a controller makes HelmCharts for HelmReleases,
# ArtifactGenerators and third-party controllers make ExternalArtifacts: not judged)
FLUX_API = ".toolkit.fluxcd.io"
MADE_BY_CONTROLLERS = frozenset({"HelmChart", "ExternalArtifact"})


BOOTSTRAP_SYNC = "flux-system"  # the name `flux bootstrap` gives the Kustomization that syncs the cluster


class _FluxObjects:
    """The Flux objects (kinds of the toolkit.fluxcd.io APIs) that the repository applies, by kind:
    (namespace, name) of each, and where a name or namespace cannot be read (a placeholder, a
    transformer the model does not apply, no namespace on a bootstrap root's object) the
    namespaces it may be in ("*": any)."""

    def __init__(self, ctx: Context) -> None:
        self.named: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.unread: dict[str, set[str]] = defaultdict(set)
        self.in_ns: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        # names of objects applied without a namespace (HL110): Flux applies them nowhere, but the fix
        # of HL110 gives each one a namespace, so a reference to its name is not judged (HL110 says it)
        self.without_namespace: dict[str, set[str]] = defaultdict(set)
        for applied in ctx.flux.applied:
            if not applied.obj.group.endswith(FLUX_API):
                continue
            if applied_without_namespace(ctx, applied):
                self.without_namespace[applied.kind].update(applied.names)
                continue
            for name in applied.names:
                self._add(applied.kind, applied.namespace, name, applied.unread)
        self.syncs: dict[str, list[str]] = defaultdict(list)  # namespace -> names of the syncs flux-operator makes
        for ks in ctx.flux.kustomizations:
            if ks.obj is not None or ks.synced:  # flux-operator makes a FluxInstance's sync Kustomization
                self._add("Kustomization", ks.namespace, ks.name, False)
            if ks.synced and ks.obj is None and ks.name not in self.syncs[ks.namespace]:
                self.syncs[ks.namespace].append(ks.name)
        for ks in ctx.flux.kustomizations:  # built, not applied: an object kustomize-controller skips may exist
            for applied, _why in ks.withheld:
                if applied.obj.group.endswith(FLUX_API):
                    self._add(applied.kind, applied.namespace, applied.name, applied.unread)

    def _add(self, kind: str, namespace: str | None, name: str, unread: bool) -> None:
        if unread or namespace is None or "${" in namespace:
            self.unread[kind].add("*")
        elif "${" in name:
            self.unread[kind].add(namespace)
        else:
            self.named[kind].add((namespace, name))
            self.in_ns[kind][name].append(namespace)

    def may_exist(self, kind: str, namespace: str, name: str) -> bool:
        unread = self.unread.get(kind, set())
        return (
            (namespace, name) in self.named.get(kind, set())
            or "*" in unread
            or namespace in unread
            or name in self.without_namespace.get(kind, set())
        )

    def found(self, ctx: Context, kind: str, namespace: str, name: str) -> bool:
        """Whether a reference to this object finds it: applied (may_exist), made by a ResourceSet,
        or a source known without a manifest (the bootstrap's, flux.external-sources)."""
        if self.may_exist(kind, namespace, name) or ctx.flux.resource_set_makes(kind, namespace, name):
            return True
        return kind in SOURCE_KINDS and ctx.flux.known_source(SourceRef(kind, namespace, name))

    def hint(self, kind: str, namespace: str, name: str) -> str:
        """Where an object of that name is instead (other namespaces), else close names in `namespace`."""
        homes = sorted(set(self.in_ns.get(kind, {}).get(name, [])) - {namespace})
        if homes:
            return f"; {with_article(kind)} of that name is in {', '.join(repr(h) for h in homes[:3])}"
        syncs = sorted(self.syncs.get(namespace, [])) if kind == "Kustomization" and name == BOOTSTRAP_SYNC else []
        if syncs:  # `flux bootstrap` names its sync flux-system; flux-operator names it after the sync's source
            return f"; the Kustomization flux-operator makes for the sync here is {', '.join(repr(n) for n in syncs[:3])}"
        return _nearest(name, Names(n for n_ns, n in self.named.get(kind, set()) if n_ns == namespace))


def _flux_objects(ctx: Context) -> _FluxObjects:
    """The `_FluxObjects` of the run, made once for the checks that look references up in it."""
    return ctx.repo.memo("wiring.flux-objects", lambda: _FluxObjects(ctx))


@check("HL118", needs_flux=True)
def dangling_health_check(ctx: Context) -> Iterator[Finding]:
    """Each `spec.healthChecks` entry of a Flux kind names an object that something applies."""
    foreign = foreign_namespaces(ctx)
    seen: set[tuple[int, str]] = set()
    for ks in ctx.flux.kustomizations:
        obj, spec = ks.obj, ks.spec
        if obj is None or (id(obj), ks.namespace) in seen or ks.target:
            continue  # a remote cluster's objects (spec.kubeConfig) are not all in this repository
        seen.add((id(obj), ks.namespace))
        checks = spec.get("healthChecks")
        if spec.get("wait") not in (None, False) or not isinstance(checks, list):
            continue  # wait: true checks everything applied and ignores healthChecks
        if not _reaches_health_checks(ctx, ks):
            continue
        for index, entry in enumerate(checks):
            ref = _health_check(entry)
            if ref is None:
                continue
            kind, ns, name = ref
            known = _flux_objects(ctx)
            if not known.found(ctx, kind, ns, name):
                yield _dangling_health_check(ctx, obj, index, (kind, ns, name), known, foreign.get(ns))


@check("HL119", needs_flux=True)
def dangling_receiver_resource(ctx: Context) -> Iterator[Finding]:
    """Each `spec.resources` entry of a Receiver that names one Flux object (not `*`, no
    matchLabels) names one that something applies."""
    foreign = foreign_namespaces(ctx)
    seen: set[tuple[int, str]] = set()
    for applied in ctx.flux.applied:
        obj = applied.obj
        if obj.kind != "Receiver" or obj.group != "notification.toolkit.fluxcd.io" or applied.namespace is None:
            continue
        if (id(obj), applied.ns) in seen or applied.unread:
            continue
        seen.add((id(obj), applied.ns))
        resources = obj.spec.get("resources")
        for index, entry in enumerate(resources if isinstance(resources, list) else []):
            ref = _receiver_resource(entry, applied.ns)
            if ref is None:
                continue
            kind, ns, name = ref
            known = _flux_objects(ctx)
            if known.found(ctx, kind, ns, name):
                continue
            why = foreign.get(ns)
            hint = known.hint(kind, ns, name)
            yield _undefined_ref(
                ctx,
                "HL119",
                obj,
                ("spec", "resources", index, "name"),
                f"Receiver {obj.name} names {kind} '{ns}/{name}', which nothing the repository applies defines: "
                f"notification-controller fails to read it on every webhook call and answers 500, and the "
                f"Receiver stays Ready{hint}",
                "fix the kind/name/namespace of the entry (namespace defaults to the Receiver's), or remove it",
                why,
            )


def _receiver_resource(entry: Any, own_ns: str) -> tuple[str, str, str] | None:
    """(kind, namespace, name) of a Receiver's resources entry naming one object of a Flux kind
    that only manifests make; None for `*`, matchLabels, placeholders or other kinds."""
    if not isinstance(entry, dict) or entry.get("matchLabels") is not None:
        return None
    kind, name, ns = entry.get("kind"), entry.get("name"), entry.get("namespace", own_ns)
    if not all(isinstance(v, str) and v and "${" not in v for v in (kind, name, ns)) or name == "*":
        return None
    if str(kind) not in RECEIVER_KINDS:
        return None
    return str(kind), str(ns), str(name)


# what a Receiver may name (notification-controller api/v1 CrossNamespaceObjectReference's enum),
# less HelmChart, which helm-controller makes
RECEIVER_KINDS = frozenset({
    "Bucket", "GitRepository", "Kustomization", "HelmRelease", "HelmRepository", "ImageRepository",
    "ImagePolicy", "ImageUpdateAutomation", "OCIRepository",
})  # fmt: skip


def _reaches_health_checks(ctx: Context, ks: FluxKS) -> bool:
    """Whether kustomize-controller gets as far as the health checks of `ks`. Its Reconcile stops
    at getSource when the source does not exist ("Source '...' not found", HL107) and its reconcile
    before the build when spec.path is not in the artifact ("kustomization path not found",
    HL103), and at a build kustomize fails on (unbuildable): it applies nothing and waits for
    nothing, so no entry times out, and what its path would apply is not known (fix the source,
    the path or the build and the entry may resolve)."""
    if ks.source is not None and not ctx.flux.source_may_exist(ks.source):
        return False
    if ks.local and ks.path is not None and not ks.path_exists:
        return False
    return unbuildable(ctx, ks) is None  # a build kustomize fails on applies nothing and checks nothing


def _health_check(entry: Any) -> tuple[str, str, str] | None:
    """(kind, namespace, name) of a healthChecks entry that names an object of a Flux API that only
    manifests make, with apiVersion, namespace and no placeholder left; None for any other entry
    (not judged: where Flux looks for it is not read here)."""
    if not isinstance(entry, dict):
        return None
    fields = [entry.get(k) for k in ("apiVersion", "kind", "name", "namespace")]
    if not all(isinstance(v, str) and v and "${" not in v for v in fields):
        return None
    api, kind, name, ns = (str(v) for v in fields)
    group = api.rsplit("/", 1)[0] if "/" in api else ""
    if not group.endswith(FLUX_API) or kind in MADE_BY_CONTROLLERS:
        return None
    return kind, ns, name


def _dangling_health_check(
    ctx: Context, obj: K8sObject, index: int, ref: tuple[str, str, str], known: _FluxObjects, why: str | None
) -> Finding:
    kind, ns, name = ref
    unapplied = sorted(
        o.path
        for o in ctx.repo.objects_by_kind_name.get((kind, name), [])
        if not o.applied_by and o.group.endswith(FLUX_API) and o.namespace in (None, ns) and o.path not in ctx.repo.patch_files
    )
    hedge = _maybe_applied(ctx, unapplied[0], "that file") if unapplied else None
    if hedge is not None:  # it may be applied after all: say so, do not guess
        defined = f"defined in {hedge}"
    elif unapplied:
        defined = f"defined in {unapplied[0]}, which no Flux Kustomization applies"
    else:
        defined = "which nothing the repository applies defines"
    hint = known.hint(kind, ns, name)
    message = (
        f"healthChecks names {kind} '{ns}/{name}', {defined}; kustomize-controller waits for it until the "
        f"timeout and the Kustomization is not Ready (health check timed out), which blocks what depends on it{hint}"
    )
    fix = "fix the kind/name/namespace of the entry, or remove it"
    return _undefined_ref(ctx, "HL118", obj, ("spec", "healthChecks", index, "name"), message, fix, why, hedge is not None)


def _maybe_applied(ctx: Context, path: str, what: str) -> str | None:
    """`path` (a file nothing applies) and why it may be applied after all, or None: a Flux
    Kustomization builds a path holding it from a source homelint did not follow, or it is beside a
    guessed root, which whatever applies the roots may apply with it (`what`: that file, named)."""
    unfollowed = ctx.flux.unfollowed_over(path)
    if unfollowed is not None:
        source = unfollowed.source
        entry = f" as {source.namespace}/{source.name}" if source is not None else ""
        return (
            f"{path}; {unfollowed.label} builds a path whose build reads that file, from {source}, which homelint "
            f"did not follow (if that is this repository, list it under flux.local-sources in .homelint.yaml{entry})"
        )
    beside = ctx.flux.beside_guessed_root(path)
    if beside is not None:
        return (
            f"{path}, beside {beside}, taken as a root because nothing in the repository applies it; no Flux "
            f"Kustomization applies {what}, but what applies that root may (set flux.roots in .homelint.yaml to say "
            "what the bootstrap applies)"
        )
    return None


@check("HL108", flux_builds=("HL108",))
def duplicate_object(ctx: Context) -> Iterator[Finding]:
    for ks in ctx.flux.kustomizations:
        for (_group, kind, ns, name), every in id_groups(ctx, ks):
            label = f"{kind} '{ns + '/' if ns else ''}{name}'"
            by_version: dict[str, list[Any]] = defaultdict(list)
            for applied in every:
                by_version[applied.obj.version].append(applied)
            items = next((same for same in by_version.values() if len(same) > 1), None)
            if items is None:  # kustomize ids hold the version: the build keeps both (kustomize#5843)
                yield _versions_applied_twice(ctx, ks, label, [same[0].obj for same in by_version.values()])
                continue
            first, second = items[0].obj, items[1].obj
            moved = [o for o in (first, second) if o.name != name] if kind == "Namespace" else []
            nested = _nested_rename(ctx, ks, moved[0], name) if len(moved) == 1 else None
            kept = second if moved and moved[0] is first else first
            if nested is not None and not inside(kept.path, nested):  # moved below the folder that meets the other
                where = f"{moved[0].path}:{ctx.repo.obj_span(moved[0], 'metadata', 'name').line}"
                message = (
                    f"Namespace '{moved[0].name}' ({where}) becomes '{name}' by the namespace: of "
                    f"{ctx.repo.kustomize_dirs[nested].file}, and {ks.label} also applies Namespace '{name}' from "
                    f"{kept.path}; kustomize fails with 'may not add resource with an already registered id'"
                )
                fix = "keep one Namespace in this build (objects of other namespaces belong to another Kustomization)"
            elif kind == "Namespace" and first.name != second.name:  # Namespaces the build renamed alike
                where = f"{first.path}:{ctx.repo.obj_span(first, 'metadata', 'name').line}"
                message = (
                    f"Namespaces '{first.name}' ({where}) and '{second.name}' both become '{name}', the namespace "
                    f"{ks.label} builds into (targetNamespace, or kustomize namespace:); kustomize fails with "
                    "'namespace transformation produces ID conflict'"
                )
                fix = "keep one Namespace in this build (objects of other namespaces belong to another Kustomization)"
            elif (first.source.path, first.source.doc) == (second.source.path, second.source.doc):
                includers = _includers_in(ctx, ks, first.source.path)
                spaces = {ctx.repo.kustomize_dirs[posixpath.dirname(f)].namespace for f in includers}
                if len(includers) > 1 and not ns and kind != "Namespace":
                    message = (
                        f"{label} is applied twice by {ks.label}: {bounded(includers)} each include this document; "
                        f"{with_article(kind)} is cluster-scoped, so their namespace: does not apply to it and both "
                        "copies are one object; kustomize fails with 'already registered id'"
                    )
                    fix = "include it from one place only (e.g. a folder every namespace's build shares, listed once)"
                elif len(includers) > 1 and len(spaces) == 1 and None not in spaces:
                    message = (
                        f"{label} is applied twice by {ks.label}: {bounded(includers)} each include this document, and "
                        f"each sets namespace: {spaces.pop()}, so both copies are one object; kustomize fails with "
                        "'already registered id'"
                    )
                    fix = (
                        "give each of those folders the namespace its copy belongs in (or build them in separate Kustomizations)"
                    )
                else:
                    message = (
                        f"{label} is applied twice by {ks.label}: its build includes this document twice (a folder or "
                        "component reached by two entries, e.g. listed in resources: and in spec.components); kustomize "
                        "fails with 'already registered id'"
                    )
                    fix = "include the folder or component once"
            elif first.anchor is not None or second.anchor is not None:  # a configMapGenerator/secretGenerator entry
                message = (
                    f"{label} is applied twice by {ks.label} (also {first.path}:{ctx.repo.obj_span(first).line}), one "
                    "of them made by a generator without behavior: merge or replace; kustomize fails with 'exists; "
                    "can not use behavior: ..., behavior must be merge or replace' (a generator added after the "
                    "other) or 'already registered id' (a manifest added after a generator)"
                )
                fix = (
                    "to change a generated object, set behavior: merge (or replace) on the later generator entry; else rename one"
                )
            elif ns and (first.namespace or "default") != (
                second.namespace or "default"
            ):  # ids differ until the build's namespace
                message = (
                    f"{label} is applied twice by {ks.label} (also {first.path}:{ctx.repo.obj_span(first).line}): they "
                    f"are written in namespaces {first.namespace or 'default (none)'} and "
                    f"{second.namespace or 'default (none)'}, and the build's namespace (a kustomize namespace:, a "
                    "NamespaceTransformer or a targetNamespace) makes them one; kustomize fails with 'namespace "
                    "transformation produces ID conflict'"
                )
                fix = "remove one of the two, or give them different names"
            else:
                message = (
                    f"{label} is applied twice by {ks.label} (also {first.path}:{ctx.repo.obj_span(first).line}); "
                    "kustomize fails with 'already registered id'"
                )
                fix = "remove one of the two, or give them different names"
            yield ctx.at("HL108", second, ("metadata", "name"), message, fix=fix, related=[first.path])
        yield from _substituted_duplicates(ctx, ks)
    yield from _components_run_twice(ctx)


def _versions_applied_twice(ctx: Context, ks: FluxKS, label: str, objs: list[K8sObject]) -> Finding:
    """A warning: one object written under two apiVersions in one build. kustomize's ids hold the
    version, so the build keeps both documents; Flux then applies both to the one object."""
    first, second = objs[0], objs[1]
    finding = ctx.at(
        "HL108",
        second,
        ("metadata", "name"),
        f"{label} is defined twice in the build of {ks.label}, as {second.api_version} here and as {first.api_version} "
        f"({first.path}:{ctx.repo.obj_span(first).line}); kustomize keeps both (the version is part of its id) and Flux "
        "applies both to the one object, so where they differ the document applied last wins",
        fix="remove one of the two, or give them different names",
        related=[first.path],
    )
    finding.severity = "warning"
    return finding


def _listing_place(ctx: Context, ks: FluxKS, component: str, listed: Listing) -> tuple[str, Any, str] | None:
    """(file, span, words) of where a build lists a Component: a `components:` entry of a
    kustomization, or the spec.components entry of the Flux Kustomization `ks` (None when it has
    no object to point at)."""
    if listed is not None:
        path, doc, at = listed
        span = ctx.repo.span(path, doc, at)
        return path, span, f"components: of {path}:{span.line}"
    comps = ks.spec.get("components")
    if ks.obj is None or ks.path is None or not isinstance(comps, list):
        return None
    for index, comp in enumerate(comps):
        if isinstance(comp, str) and join(ks.path, comp) == component:
            path, span = ctx.repo.locate(ks.obj, ("spec", "components", index))
            return path, span, f"spec.components of {ks.label} ({path}:{span.line})"
    return None


def _components_run_twice(ctx: Context) -> Iterator[Finding]:
    """A Component that runs twice in one build (listed in a kustomization's components: and in
    the Flux Kustomization's spec.components, listed twice, or included by two Components):
    kustomize runs all of it again, and a generator of it without behavior makes an object the
    first run made (GeneratorFailure `exists`): kustomize fails with "merging from generator ...
    exists; can not use behavior: 'unspecified', behavior must be merge or replace". Reported at
    the listing that runs it the second time, once per listing."""
    by_place: dict[tuple[str, Any], list[tuple[FluxKS, GeneratorFailure, str]]] = {}
    for ks in ctx.flux.kustomizations:
        seen: set[str] = set()
        for failed in ks.generator_failures:
            if failed.reason != "exists" or failed.component in seen or len(failed.listed) < 2:
                continue
            seen.add(failed.component)
            places = [_listing_place(ctx, ks, failed.component, listed) for listed in failed.listed[-2:]]
            first, second = places
            if second is None:
                continue
            by_place.setdefault((second[0], second[1]), []).append((ks, failed, first[2] if first else "another entry"))
    for (path, span), found in sorted(by_place.items(), key=lambda item: (item[0][0], item[0][1].line, item[0][1].column)):
        ks, failed, other = found[0]
        made = failed.obj
        labels = sorted({k.label for k, _, _ in found})
        more = f" (and the builds of {len(labels) - 1} more Flux Kustomizations)" if len(labels) > 1 else ""
        entry = f"{made.path}:{ctx.repo.span(made.path, made.doc, made.anchor or ()).line}"
        message = (
            f"Component {failed.component} runs a second time in the build of {ks.label}: it is listed here and in "
            f"{other}, and kustomize runs a Component once per listing; its {made.kind} generator '{made.name}' "
            f"({entry}) has no behavior and makes again what the first run made, so kustomize stops with 'merging "
            "from generator ... exists; can not use behavior: 'unspecified', behavior must be merge or replace', "
            f"the build{more} fails and Flux applies none of its objects"
        )
        fix = "list the Component once in this build: remove this entry (or the other one)"
        finding = ctx.finding("HL108", path, span, message, fix=fix, key=f"HL108/twice/{path}/{span.line}/{span.column}")
        suspended = [ctx.suspended_ks(k) for k, _, _ in found]
        yield ctx.held(finding, suspended[0] if all(suspended) else None)


def _build_id(applied: Any) -> tuple[str, str, str, str]:
    """kustomize's id of an object of a build (resid.ResId: apiVersion, kind, effective namespace,
    name), as Applied holds it after post-build substitution. A Namespace has none (cluster
    scoped); no namespace is "default" (ResId.EffectiveNamespace)."""
    obj = applied.obj
    ns = "" if obj.kind == "Namespace" and obj.group == "" else applied.ns
    return (obj.api_version, obj.kind, ns, applied.name)


# the forms whose value homelint's substitution (core.substitution.resolve) computes as Flux's envsubst
# does: `${V}`, and a default used when V is unset or empty (not `:+`, `:?`, nor transforms)
EVALUATED_OPS = ("", ":=", ":-", "=")


def _variables_used(text: str) -> set[str] | None:
    """The variables of `text`, those of defaults too; None when one is not a form EVALUATED_OPS has."""
    names: set[str] = set()
    pending = list(scan_cached(text))
    while pending:
        expr = pending.pop()
        if expr.error or expr.op not in EVALUATED_OPS:
            return None
        names.add(expr.name)
        pending.extend(expr.nested)
    return names


def _certain_origins(variables: Variables, names: set[str]) -> list[str] | None:
    """Where each of `names` gets the value substitution gave it ("APP from postBuild.substitute"),
    when the repository shows that value for certain: postBuild.substitute, or a ConfigMap no
    later substituteFrom source the repository cannot read may override; a variable no source
    sets keeps its default unless such a source may set it. None when one is not certain, or its
    value comes from a Secret (never shown)."""
    open_at = [s.index for s in variables.open_sources]
    said = []
    for name in sorted(names):
        origin = variables.origin.get(name)
        if origin is None:
            if open_at:
                return None
            said.append(f"{name} unset: its default")
        elif origin == "substitute":
            said.append(f"{name} from postBuild.substitute")
        elif origin.startswith("ConfigMap "):
            at = max((s.index for s in variables.sources if f"{s.kind} {s.name}" == origin), default=-1)
            if any(index > at for index in open_at):
                return None
            said.append(f"{name} from substituteFrom {origin}")
        else:
            return None
    return said


def _substituted_duplicates(ctx: Context, ks: FluxKS) -> Iterator[Finding]:
    """Objects kustomize builds under different ids that post-build substitution gives one id.
    kustomize-controller's build() substitutes each object of the built ResMap in place (fluxcd/pkg
    kustomize SubstituteVariables) and calls m.Replace(res) on every object not opted out; Replace
    looks the object up by its current id (GetIndexOfCurrentId: apiVersion, kind, effective
    namespace, name) and fails with 'id matched 2 resources' when another object has that id:
    whichever of the two is substituted last, so in any order. The build fails; nothing is applied."""
    if ks.post_build is None:
        return
    variables = variables_of(ctx.repo, ks)
    if not variables.substitutes:
        return
    groups: dict[tuple[str, str, str, str], list[Any]] = defaultdict(list)
    for applied in ks.applied:
        name, ns = applied.name, applied.namespace or ""
        if not name or applied.unread or "$" in name or "$" in ns:
            continue  # a name not known after substitution may collide or not: say nothing
        groups[_build_id(applied)].append(applied)
    for (_api, kind, ns, name), items in groups.items():
        changed = [a for a in items if a.substituted]
        if len(items) < 2 or not changed:
            continue
        this = changed[-1]
        # the same document twice, or two of one templated name: kustomize fails first (above)
        others = [a for a in items if a is not this and a.obj.name != this.obj.name]
        if not others:
            continue
        other = next((a for a in others if not a.substituted), others[0])
        obj = this.obj
        used: set[str] | None = set()
        for text in (obj.name, obj.namespace or "", other.obj.name, other.obj.namespace or ""):
            more = _variables_used(text)
            used = None if used is None or more is None else used | more
        said = _certain_origins(variables, used) if used is not None else None
        if not said:
            continue  # the namespace a build gave it was substituted, or a value is not certain
        label = f"{kind} '{ns + '/' if ns and kind != 'Namespace' else ''}{name}'"
        other_at = f"{other.obj.path}:{ctx.repo.obj_span(other.obj, 'metadata', 'name').line}"
        if other.substituted:
            becomes = f"'{obj.name}' here and '{other.obj.name}' at {other_at} both become '{name}'"
        else:
            becomes = f"'{obj.name}' here becomes '{name}', the name of the {kind} at {other_at}"
        message = (
            f"{label} is built twice by {ks.label} once Flux substitutes its variables: {becomes} "
            f"({', '.join(said)}); kustomize builds the two under different names, but kustomize-controller's "
            "post-build substitution gives them one id and its build fails with 'in Replace: id matched 2 "
            "resources' (BuildFailed: nothing is applied)"
        )
        yield ctx.at(
            "HL108",
            obj,
            ("metadata", "name"),
            message,
            fix="rename one of the two (or, if they are meant to be one object, keep one)",
            related=[other.obj.path],
        )


@check("HL109", flux_builds=("HL109",))
def kustomization_cycle(ctx: Context) -> Iterator[Finding]:
    reported: set[tuple[str, frozenset[str]]] = set()
    for cycle in ctx.flux.cycles:
        target = cycle.entry.target
        ident = (target, frozenset(cycle.chain))
        if ident in reported:
            continue  # the same cycle, entered from another directory
        reported.add(ident)
        path = " -> ".join(d or "." for d in cycle.chain)
        if target == cycle.chain[0]:
            message = f"'{cycle.entry.value}' closes a kustomization cycle: {path} -> {target or '.'}"
        elif len(cycle.chain) == 1:
            message = f"'{cycle.entry.value}' names {target or 'the repository root'}, a parent of this kustomization's folder"
        else:
            message = (
                f"'{cycle.entry.value}' names {target or 'the repository root'}, which contains "
                f"{cycle.chain[0]}, already being built through {path}"
            )
        files = [ctx.repo.kustomize_dirs[d].file for d in cycle.chain if d in ctx.repo.kustomize_dirs]
        yield ctx.finding(
            "HL109",
            cycle.kd.file,
            ctx.repo.span(cycle.kd.file, cycle.kd.doc, cycle.entry.field),
            f"{message}; kustomize build fails ('cycle detected') and Flux applies nothing from this Kustomization",
            fix="include sibling or child directories only: a kustomization cannot include itself or a parent, "
            "directly or through others",
            key=f"HL109/{target}/{path}",
            related=sorted(set(files)),
        )


# (API group, kind) of namespaced kinds homelab repositories apply; a kind not listed (a CRD of
# unknown scope) is never flagged. Cluster-scoped look-alikes (ClusterIssuer, ClusterSecretStore,
# IngressClass, GatewayClass, ClusterRole...) are deliberately absent.
NAMESPACED = {
    "": {"ConfigMap", "Secret", "Service", "ServiceAccount", "PersistentVolumeClaim", "Pod", "Endpoints", "LimitRange",
         "ResourceQuota", "ReplicationController"},
    "apps": {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"},
    "batch": {"Job", "CronJob"},
    "networking.k8s.io": {"Ingress", "NetworkPolicy"},
    "policy": {"PodDisruptionBudget"},
    "autoscaling": {"HorizontalPodAutoscaler"},
    "rbac.authorization.k8s.io": {"Role", "RoleBinding"},
    "kustomize.toolkit.fluxcd.io": {"Kustomization"},
    "helm.toolkit.fluxcd.io": {"HelmRelease"},
    "source.toolkit.fluxcd.io": {"GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Bucket"},
    "notification.toolkit.fluxcd.io": {"Alert", "Provider", "Receiver"},
    "image.toolkit.fluxcd.io": {"ImageRepository", "ImagePolicy", "ImageUpdateAutomation"},
    "external-secrets.io": {"ExternalSecret", "SecretStore", "PushSecret"},
    "cert-manager.io": {"Certificate", "Issuer"},
    "gateway.networking.k8s.io": {"HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute", "Gateway", "ReferenceGrant"},
    "monitoring.coreos.com": {"ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe", "ScrapeConfig", "AlertmanagerConfig"},
    # widely used operators' CRDs that say `scope: Namespaced` (their cluster-wide kinds have their
    # own names: CiliumClusterwideNetworkPolicy, ClusterIssuer)
    "cilium.io": {"CiliumNetworkPolicy"},
    "gateway.envoyproxy.io": {"SecurityPolicy", "ClientTrafficPolicy", "BackendTrafficPolicy", "EnvoyExtensionPolicy",
                              "EnvoyPatchPolicy", "EnvoyProxy", "Backend", "HTTPRouteFilter"},
    "externaldns.k8s.io": {"DNSEndpoint"},
    "postgresql.cnpg.io": {"Cluster", "Pooler", "ScheduledBackup", "Backup", "Database"},
    "volsync.backube": {"ReplicationSource", "ReplicationDestination"},
    # Traefik's CRDs (traefik/traefik integration/fixtures/k8s/01-traefik-crd.yml): every one `scope: Namespaced`
    **{group: {"IngressRoute", "IngressRouteTCP", "IngressRouteUDP", "Middleware", "MiddlewareTCP", "TLSOption", "TLSStore",
               "ServersTransport", "ServersTransportTCP", "TraefikService"} for group in ("traefik.io", "traefik.containo.us")},
}  # fmt: skip


def namespaced(ctx: Context, obj: K8sObject) -> bool:
    """Whether `obj`'s kind is known to be namespaced: a kind of NAMESPACED, or one the
    CustomResourceDefinitions of the repository all define with `scope: Namespaced` (a kind of
    unknown or disputed scope is not)."""
    if obj.kind in NAMESPACED.get(obj.group, ()):
        return True
    return _crd_scopes(ctx).get((obj.group, obj.kind)) == "Namespaced"


def _crd_scopes(ctx: Context) -> dict[tuple[str, str], str | None]:
    def build() -> dict[tuple[str, str], str | None]:
        scopes: dict[tuple[str, str], str | None] = {}
        for obj in ctx.repo.objects:
            defined = crd_kind(obj)
            if defined is None:
                continue
            scope = obj.spec.get("scope")
            scope = scope if scope in ("Namespaced", "Cluster") else None
            scopes[defined] = scope if scopes.get(defined, scope) == scope else None
        return scopes

    return ctx.repo.memo("rules.crd-scopes", build)


@check("HL110")
def missing_namespace(ctx: Context) -> Iterator[Finding]:
    reported: set[int] = set()
    kdirs = ctx.repo.kustomize_dirs
    for applied in ctx.flux.applied:
        obj, ks = applied.obj, applied.ks
        if ks is None or id(obj) in reported or not applied_without_namespace(ctx, applied):
            continue
        reported.add(id(obj))
        through = _without_namespace(kdirs, ks, obj.path)
        shown = through[::-1][:3]  # the outermost first: a namespace: there covers the rest
        where = (
            f"no namespace: in {' or '.join(shown)}{' ...' if len(through) > 3 else ''}"
            if through
            else "no kustomization namespace:"
        )
        yield ctx.at(
            "HL110",
            obj,
            ("metadata", "name"),
            f"{obj.kind} {obj.name} is namespaced but gets no namespace (no metadata.namespace, {where}, no "
            f"spec.targetNamespace on {ks.label}): Flux fails to apply it "
            "('namespace not specified') and the Kustomization never becomes ready",
            fix="set metadata.namespace, a namespace: in the kustomization.yaml, or spec.targetNamespace on the Flux Kustomization"
            if ks.obj is not None
            else "set metadata.namespace, or a namespace: in the kustomization.yaml",
            related=[ks.defined_in] if ks.defined_in else [],
        )


def applied_without_namespace(ctx: Context, applied: Applied) -> bool:
    """Whether Flux applies `applied`, of a namespaced kind, with no namespace (HL110): Flux fails
    to apply it ("namespace not specified"), so it exists in no namespace. False when that is not
    known here: the objects of a bootstrap root (kubectl may apply them with -n), a namespace a
    transformer or spec.targetNamespace may set where the model cannot see, a Component's
    `namespace:` (not modelled), a build that fails before anything is applied."""
    obj, ks = applied.obj, applied.ks
    if applied.namespace or ks is None or not ks.known or applied.unread:
        return False
    if ctx.flux.field_unread(ks, TARGET_NAMESPACE) or not namespaced(ctx, obj):
        return False
    kdirs = ctx.repo.kustomize_dirs
    component_namespace: dict[str, bool] = ctx.repo.memo("wiring.component-namespace", dict)  # by Kustomization key
    if ks.key not in component_namespace:
        component_namespace[ks.key] = any(d in kdirs and kdirs[d].is_component and kdirs[d].namespace for d in ks.dirs)
    return not component_namespace[ks.key] and unbuildable(ctx, ks) is None


def _without_namespace(kdirs: dict[str, Any], ks: Any, path: str) -> list[str]:
    """The kustomization files of `ks`'s build through which the file `path` is built and that set
    no `namespace:` (a Component or base several kustomizations include: the one to fix is named),
    from the one that lists the file up to spec.path; [] when the chain is not plain."""
    parents: dict[str, list[str]] = {}
    listing: list[str] = []
    for directory in sorted(ks.dirs):
        kd = kdirs.get(directory)
        for entry in kd.entries if kd is not None else ():
            if entry.kind in ("resources", "components"):
                parents.setdefault(entry.target, []).append(directory)
                if entry.target == path:
                    listing.append(directory)
    found: list[str] = []
    todo, seen = list(listing), set(listing)
    while todo:
        directory = todo.pop(0)
        kd = kdirs.get(directory)
        if kd is None or kd.namespace:
            continue  # a namespace: here is set on every copy built through it
        found.append(kd.file)
        for parent in parents.get(directory, ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return found


@check("HL111")
def helm_charts_under_flux(ctx: Context) -> Iterator[Finding]:
    by_folder = builders(ctx)
    for directory, kd in sorted(ctx.repo.kustomize_dirs.items()):
        if kd.file not in ctx.flux.applied_files:
            continue  # not built by Flux: `kustomize build --enable-helm` by hand is fine
        suspended = [ctx.suspended_ks(ks) for ks in by_folder.get(directory, [])]
        for field in ("helmCharts", "helmGlobals"):
            if kd.data.get(field) is None:
                continue
            yield ctx.held(
                ctx.finding(
                    "HL111",
                    kd.file,
                    ctx.repo.span(kd.file, kd.doc, (field,), key=True),
                    f"{field} in {directory or '.'}/{kd.file.rsplit('/', 1)[-1]}: Flux runs kustomize without Helm, so "
                    "the build fails ('must specify --enable-helm') and nothing of this Kustomization is applied",
                    fix="deploy the chart with a Flux HelmRelease (and a HelmRepository or OCIRepository) instead",
                ),
                suspended[0] if suspended and all(suspended) else None,
            )


# --- Fixes ------------------------------------------------------------------------------------------

_ADD_NAMESPACE = re.compile(r"but (?:\w+ '[^']*' is|the \w+ is) in '([a-z0-9]([-a-z0-9]*[a-z0-9])?)': add namespace: \1\b")
_UNWIRED = re.compile(r"^(\S+) \(.*\) is not listed in (\S+), so Flux never applies it$")
_DASH_ITEM = re.compile(r"[ \t]*-[ \t]+")
_NAME_KEY = re.compile(r"([ \t]*(?:-[ \t]+)?)name[ \t]*:[ \t]+")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


@fixes("HL105", "HL107", when=lambda f: bool(_ADD_NAMESPACE.search(f.message)))
@each
def add_namespace(file: FixFile, finding: Finding) -> Edit | str:
    """`namespace: NS` added after the reference's `name:` line, at its indentation, when the
    finding names exactly one namespace where the target exists."""
    text, offsets = file.text, file.offsets
    match = _ADD_NAMESPACE.search(finding.message)
    if match is None:
        return "not exactly one namespace holds the target"
    namespace = match.group(1)
    span = finding.span
    if span.line != span.end_line or span.line > len(offsets):
        return "the name is not on one line"
    content = file.line(span.line)
    key = _NAME_KEY.fullmatch(content[: span.column - 1])
    if key is None:
        return "the reference is not a block mapping with `name:` on its own line"
    rest = content[span.end_column - 1 :]
    if rest.strip() and not rest.lstrip().startswith("#"):
        return "more follows the name on its line"
    indent = " " * len(key.group(1))
    written = namespace if _DNS_LABEL.fullmatch(namespace) and namespace not in _YAML11_WORDS else f'"{namespace}"'
    newline = "\r\n" if content != text[offsets[span.line - 1] :].split("\n", 1)[0] else "\n"
    at = offsets[span.line - 1] + len(content)

    def accept(_where: tuple[Any, ...], was: Any, now: Any) -> bool:
        return (
            isinstance(was, dict)
            and isinstance(now, dict)
            and "namespace" not in was
            and [k for k in now if k != "namespace"] == list(was)
            and now.get("namespace") == namespace
            and all(now[k] == v for k, v in was.items())
        )

    return Edit(at, at, f"{newline}{indent}namespace: {written}", finding, accept)


def _kustomization_of(finding: Finding) -> str | Skip:
    """The kustomization.yaml of the unwired manifest's own folder (the one file HL102's fix edits)."""
    match = _UNWIRED.match(finding.message)
    kfile = match.group(2) if match else ""
    if not kfile or posixpath.dirname(kfile) != posixpath.dirname(finding.path):
        return Skip("only a manifest nothing lists is wired")
    return kfile


@fixes("HL102", when=lambda f: f.severity == "error" and bool(_UNWIRED.match(f.message)), target=_kustomization_of)
def wire(file: FixFile, findings: list[Finding]) -> Iterator[Outcome]:
    """`- ./FILE` inserted in the folder's kustomization.yaml `resources:` for each unwired manifest,
    when that lists files one by one as a block sequence: at its sorted place if the list is sorted,
    else at the end, written as its neighbour is (dash, indentation, `./` prefix, quoting). One edit
    per kustomization; the findings after the first ride on it."""
    edit = _wire(file, findings)
    if isinstance(edit, str):
        yield from ((f, edit) for f in findings)
    else:
        yield edit.finding, edit


def _wire(file: FixFile, findings: list[Finding]) -> Edit | str:
    root, kfile, text = file.root, file.path, file.text
    parsed, nodes = file.parsed()
    if parsed.problems or len(parsed.docs) != 1 or not isinstance(parsed.docs[0], dict) or not nodes:
        return f"{kfile} is not one clean YAML document"
    resources = parsed.docs[0].get("resources")
    node = _mapping_item(nodes[0], "resources")[0] if nodes[0] is not None and nodes[0].id == "mapping" else None
    if not isinstance(resources, list) or not resources or node is None or node.id != "sequence" or node.flow_style:
        return f"{kfile} has no block `resources:` list to add to"
    if len(node.value) != len(resources) or not all(isinstance(r, str) for r in resources):
        return f"{kfile} resources are not all plain entries"
    folder = posixpath.dirname(kfile)
    lost = [r for r in resources if _names_missing_file(root, folder, r)]
    if lost:  # perhaps this very file, renamed: which of the two is meant is the user's call
        return f"{kfile} lists '{printable(lost[0])}', which does not exist (HL101): fix that entry first (it may name this file)"
    files = [r for r in resources if _is_local_file(root, folder, r)]
    if not files:  # folders, remote bases, files of subfolders: not a list this file's entry belongs in
        return f"{kfile} lists no file of its own folder to write the entry as (it lists folders or files of other folders)"
    offsets = file.offsets
    lines: list[tuple[int, str, str]] = []  # (0-based line, text before the value, the value as written)
    for item in node.value:
        start, end = item.start_mark, item.end_mark
        prefix = text[offsets[start.line] : offsets[start.line] + start.column]
        if start.line != end.line or not _DASH_ITEM.fullmatch(prefix) or (lines and lines[-1][0] == start.line):
            return f"{kfile} resources entries are not one per line"
        lines.append((start.line, prefix, text[start.index : end.index]))
    dotted = sum(f.startswith("./") for f in files) * 2 >= len(files)
    listed = {posixpath.normpath(r) for r in resources}
    entries = sorted({f"./{posixpath.basename(f.path)}" if dotted else posixpath.basename(f.path) for f in findings})
    if any(posixpath.normpath(e) in listed for e in entries):
        return f"{kfile} already lists one of them"
    comparable = [r.lower() for r in resources]
    # sorted, or nearly (one entry out of place per ten): a new entry goes before the first greater one
    inversions = sum(a > b for a, b in itertools.pairwise(comparable))
    ordered = inversions <= len(comparable) // 10
    at_position: dict[int, list[str]] = {}
    for entry in entries:
        position = len(resources)
        if ordered:
            position = next((i for i, r in enumerate(comparable) if r > entry.lower()), len(resources))
        at_position.setdefault(position, []).append(entry)
    expected = []
    for index, value in enumerate([*resources, None]):
        expected.extend(at_position.get(index, []))
        if value is not None:
            expected.append(value)
    newline = "\r\n" if "\r\n" in text else "\n"
    pieces: list[tuple[int, str]] = []
    for position, new in sorted(at_position.items()):
        _, prefix, written = lines[min(position, len(lines) - 1)]
        quote = written[0] if written[:1] in ("'", '"') else ""
        block = "".join(f"{prefix}{quote}{e}{quote}{newline}" for e in new)
        if position < len(lines):
            pieces.append((offsets[lines[position][0]], block))
        else:
            last = lines[-1][0]
            at = offsets[last + 1] if last + 1 < len(offsets) else len(text)
            pieces.append((at, (newline if at == len(text) and not text.endswith("\n") else "") + block))

    def accept(where: tuple[Any, ...], was: Any, now: Any) -> bool:
        return where == (0, "resources") and was == resources and now == expected

    # several insertion points, one data change: the first edit carries the check, the others none
    first, *others = sorted(findings, key=lambda f: f.path)
    out = Edit(pieces[0][0], pieces[0][0], pieces[0][1], first, accept, path=kfile)
    out.extra = [(at, block) for at, block in pieces[1:]]
    out.riders = others
    return out


def _names_missing_file(root: Path, folder: str, entry: str) -> bool:
    """Whether `entry` names a manifest of `folder` itself that is not there."""
    if "://" in entry or entry.startswith(("/", "github.com/")) or ".." in entry.split("/"):
        return False
    target = posixpath.normpath(posixpath.join(folder, entry))
    return posixpath.dirname(target) == folder and target.endswith(MANIFEST_EXTENSIONS) and not (root / target).exists()


def _is_local_file(root: Path, folder: str, entry: str) -> bool:
    if "://" in entry or entry.startswith(("/", "github.com/")) or ".." in entry.split("/"):
        return False
    target = posixpath.normpath(posixpath.join(folder, entry))
    return posixpath.dirname(target) == folder and (root / target).is_file()


def _nested_rename(ctx: Context, ks: FluxKS, obj: K8sObject, name: str) -> str | None:
    """The folder below the build's own (spec.path) whose kustomization's namespace: renames the
    Namespace `obj` to `name` first (the innermost on its way up); None when none does, or the
    build's own folder or targetNamespace may (a rename where both Namespaces meet)."""
    if ks.path is None or ks.spec.get("targetNamespace") == name:
        return None
    folder = posixpath.dirname(obj.path)
    while folder != ks.path and inside(folder, ks.path):
        kd = ctx.repo.kustomize_dirs.get(folder)
        if kd is not None and kd.namespace is not None:
            return folder if kd.namespace == name else None
        folder = posixpath.dirname(folder)
    return None
