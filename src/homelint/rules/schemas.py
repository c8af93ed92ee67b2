"""HL601-HL606: JSON-schema validation of the kinds homelint reasons about, and API versions judged
against the releases the repository installs (versions.py, schemas/api-versions.yaml)."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterator
from itertools import islice
from typing import Any

from homelint.core.context import Context
from homelint.core.model import FILE_START, Finding, K8sObject, Span, sops_encrypted
from homelint.core.wording import with_article
from homelint.loading.safeio import printable
from homelint.model.flux import FLUX_KS_GROUP
from homelint.model.kindschemas import (
    MAX_ERRORS_PER_OBJECT,
    SCHEMAS,
    admitted,
    checker,
    decoded,
    kustomization_refusal,
    only_typed,
    readable,
    readable_each,
    sops_typed_view,
)
from homelint.model.kustomize import canonical_fields
from homelint.model.versions import ApiEntry, Installed, Verdict, Version, api_priority, judge, table, versions_of
from homelint.rules.common import (
    CHART_SOURCE_KIND,
    chart_ref_fix,
    crd_kind,
    manifest_objects,
    templated_value,
)
from homelint.rules.fixing import Edit, FixFile, each, fixes, quote_plain
from homelint.rules.registry import check

Ident = tuple[str, int, Any]  # (file, document, generator entry): generated objects share their kustomization's document


def _ident(obj: K8sObject) -> Ident:
    return obj.path, obj.doc, obj.source.anchor


def _as_applied(ctx: Context) -> dict[Ident, list[tuple[dict[str, Any], K8sObject]]]:
    """Ident -> the object as Flux applies it, where that differs from the file: a Flux
    Kustomization materialised by its parent, any object patched in its build (kustomize patches,
    the spec.patches of the Kustomization that applies it). Each with the object that locates its
    fields: a patched copy knows which patch set a field (a child Kustomization's, in its parent)."""
    variants: dict[Ident, list[tuple[dict[str, Any], K8sObject]]] = defaultdict(list)
    patched_children: dict[tuple[int, int], K8sObject] = {}  # (id(parent), id(file's object)) -> patched copy
    for ks in ctx.flux.kustomizations:
        for applied in ks.applied:
            obj = applied.obj
            if obj.unpatched is None:
                continue
            if obj.kind == "Kustomization" and obj.group == FLUX_KS_GROUP:
                patched_children[(id(ks), id(obj.unpatched))] = obj
                continue  # a Flux Kustomization is materialised below, from its own parent's point of view
            variants[_ident(obj)].append((obj.data, obj))
    for ks in ctx.flux.kustomizations:
        if ks.obj is not None and ks.data is not ks.obj.data:
            where = patched_children.get((id(ks.parent), id(ks.obj)), ks.obj)
            variants[_ident(ks.obj)].append((ks.data, where))
    return variants


def _placeholder_at(data: Any, keys: tuple[Any, ...]) -> bool:
    """Whether the value at `keys` is a `${...}` string (Flux substitutes it as YAML text, so
    its type is not known here)."""
    for key in keys:
        if (isinstance(data, dict) and key in data) or (isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data)):
            data = data[key]
        else:
            return False
    return isinstance(data, str) and "${" in data


GENERIC_FIX = "see the field reference of this kind; Flux, kustomize or the API server reject it as it is"


def _fix(obj: K8sObject, data: dict[str, Any], keys: tuple[Any, ...]) -> str:
    """The fix line of an HL601 error at the field `keys` of `obj` (as `data`, the object as it
    is applied): a Namespace's name is a DNS label (the schema's pattern); a HelmRelease chart
    sourceRef of a kind only spec.chartRef takes (chart_ref_fix); else the field reference."""
    if obj.kind == "Namespace" and keys == ("metadata", "name"):
        return "a namespace name is a DNS label: lower-case letters, digits and '-'"
    if obj.kind == "HelmRelease" and keys == CHART_SOURCE_KIND:
        return chart_ref_fix(obj.api_version, data) or GENERIC_FIX
    return GENERIC_FIX


@check("HL601")
def schema_violation(ctx: Context) -> Iterator[Finding]:
    repo = ctx.repo
    applied_docs = {_ident(o): o.source for o in manifest_objects(ctx)}
    kustomization_files = {kd.file for kd in repo.kustomize_dirs.values()}
    has_flux = bool(ctx.flux.kustomizations)
    variants = _as_applied(ctx) if has_flux else {}
    rechecked: set[Ident] = set()
    patched: list[tuple[K8sObject, Finding]] = []  # errors of objects as applied: see _one_per_patch
    for path, facts in repo.facts.items():
        for doc, message, line, column, end_line, end_column, keys in facts.schema:
            is_kustomization = path in kustomization_files and doc == 0 and message.startswith("kustomization:")
            if is_kustomization:
                pass  # judged where a build reads it: engine.lint's scope step (held as HL101's are when roots are guessed)
            elif (path, doc, None) not in applied_docs:
                continue
            elif not has_flux and templated_value(ctx, applied_docs[(path, doc, None)], tuple(keys)):
                continue  # rendered by a tool homelint does not see (with Flux, kustomize would read it as it is)
            elif has_flux and _name_format(applied_docs[(path, doc, None)], keys):
                continue
            elif (path, doc, None) in variants or repo.placeholder_strings(applied_docs[(path, doc, None)]):
                if (path, doc, None) not in rechecked:  # judge the object as applied (patched, materialised)
                    rechecked.add((path, doc, None))
                    obj = applied_docs[(path, doc, None)]
                    patched.extend((obj, f) for f in _recheck(ctx, obj, variants.get((path, doc, None)) or [(obj.data, obj)]))
                continue
            yield ctx.finding(
                "HL601",
                path,
                Span(line, column, end_line, end_column),
                message,
                fix=GENERIC_FIX
                if is_kustomization
                else _fix(applied_docs[(path, doc, None)], applied_docs[(path, doc, None)].data, keys),
                key=f"HL601/{doc}/{message}",
            )
    # a valid file that a patch made invalid: Flux applies the patched object, and its dry-run fails
    for ident, found in sorted(variants.items(), key=lambda item: (item[0][0], item[0][1], repr(item[0][2]))):
        if ident in rechecked or ident not in applied_docs or all(w.unpatched is None for _, w in found):
            continue
        obj = applied_docs[ident]
        patched.extend((obj, finding) for finding in _recheck(ctx, obj, found))
    yield from _one_per_patch(patched)
    yield from _refused_kustomizations(ctx)
    for obj in manifest_objects(ctx):
        if obj.kind != "Namespace" or obj.api_version != "v1":
            continue
        data = obj.data
        if obj.effective_namespace and obj.effective_namespace != obj.name:
            # kustomize's namespace transformer renames Namespace objects (the `name: _` idiom)
            data = {**data, "metadata": {**obj.metadata, "name": obj.effective_namespace}}
        name = SCHEMAS[("v1", "Namespace")]
        readings = (
            found for error in checker(name).iter_errors(admitted(name, data)) for found in readable_each(error, name=name)
        )
        for keys, message in islice(readings, MAX_ERRORS_PER_OBJECT):
            if has_flux and _name_format(obj, keys):
                continue
            yield ctx.at(
                "HL601",
                obj,
                keys,
                f"Namespace {obj.name}: {message}",
                fix=_fix(obj, data, keys),
            )


def _name_format(obj: K8sObject, keys: Any) -> bool:
    """Whether an error is about a Namespace's name, which HL608 judges wherever Flux applies it, as
    kustomize and Flux's substitution leave it, in the API server's words: one defect, one finding."""
    return obj.kind == "Namespace" and tuple(keys) == ("metadata", "name")


def _refused_kustomizations(ctx: Context) -> Iterator[Finding]:
    """A kustomization file (kustomization.yaml, kustomization.yml, Kustomization) that holds
    another object, a Flux Kustomization most often, in a folder a Flux build reads: kustomize
    reads a file of those names as the folder's kustomization whatever it holds, and refuses it
    (kindschemas.kustomization_refusal), whether a spec.path points at the folder, a kustomization
    lists it, or the kustomization Flux generates above it lists it (fluxcd/pkg
    kustomize_generator.go: a subfolder with a kustomization file is a resource, not descended
    into). That build fails and applies nothing (unbuildable). A folder holding a second
    kustomization file is HL101's."""
    repo = ctx.repo
    for directory, builders in sorted(ctx.flux.refused_builders().items()):
        path = repo.refused_kustomizations[directory]
        parsed = repo.parsed.get(path)
        doc = parsed.docs[0] if parsed is not None and parsed.docs else None
        if directory in repo.multiple_kustomizations or not isinstance(doc, dict):
            continue
        data, written = canonical_fields(doc)
        reason, at = kustomization_refusal(data)
        kind, api = data.get("kind"), data.get("apiVersion")
        thing = with_article(kind) if isinstance(kind, str) and kind else "an object"
        if _folded_kind(kind):
            thing = f"kind '{printable(str(kind))}'"
        if isinstance(api, str) and api:
            thing += f" ({api})"
        labels = sorted({ks.label for ks in builders})
        builds = (
            f"the build of {labels[0]} fails, and Flux applies nothing of it"
            if len(labels) == 1
            else f"the builds of {labels[0]} and {len(labels) - 1} more fail, and Flux applies nothing of them"
        )
        name = posixpath.basename(path)
        key = written.get(at[0], at[0])
        yield ctx.finding(
            "HL601",
            path,
            repo.span(path, 0, (key,), key=reason.startswith("invalid Kustomization: json: unknown field")),
            f"the file {name} holds {thing}, not a kustomize Kustomization or Component, but kustomize reads a file of this name "
            f"as the kustomization of {directory or '.'} whenever it builds that folder, and refuses it ('{reason}'): "
            f"{builds}",
            fix=_refused_fix(kind, directory),
            key=f"HL601/refused/{path}",
        )


def _folded_kind(kind: Any) -> bool:
    """Whether a kind is Kustomization or Component with more text after it: lines indented under it."""
    return isinstance(kind, str) and " " in kind and kind.split(" ", 1)[0] in ("Kustomization", "Component")


def _refused_fix(kind: Any, directory: str) -> str:
    """The fix for a refused kustomization file: list the entries a `resources:` key lost (YAML folded
    lines indented under `kind:` into its value), else rename a manifest that is no kustomization."""
    if _folded_kind(kind):
        return (
            "the lines indented under kind: were read as part of its value (YAML folds them into one string): "
            "write kind: on a line of its own and the entries under resources:"
        )
    return (
        f"rename the file (e.g. ks.yaml) so kustomize reads it as a manifest; where a kustomization lists the "
        f"folder {directory or '.'}, list the renamed file instead"
    )


def _one_per_patch(found: list[tuple[K8sObject, Finding]]) -> Iterator[Finding]:
    """The findings, those a patch of many objects causes alike in each (at the same place in the
    patch, not in the object's file) as one that names the objects."""
    groups: dict[tuple[Any, ...], list[tuple[K8sObject, Finding]]] = defaultdict(list)
    for obj, finding in found:
        label = f"{obj.kind} {obj.name}: "
        if finding.path == obj.path or not finding.message.startswith(label):
            yield finding
            continue
        span = finding.span
        where = (finding.path, span.line, span.column, span.end_line, span.end_column, finding.severity)
        groups[(*where, obj.kind, finding.message[len(label) :])].append((obj, finding))
    for (*_, kind, message), members in groups.items():
        finding = members[0][1]
        names = sorted({o.name for o, _ in members})
        if len(names) == 1:
            finding.message = f"{kind} {names[0]}, as this patch leaves it: {message}"
        else:
            shown = (
                ", ".join(names[:3]) + f" and {len(names) - 3} more"
                if len(names) > 3
                else f"{', '.join(names[:-1])} and {names[-1]}"
            )
            finding.message = f"{kind}s {shown}, as this patch leaves them: {message}"
            finding.key = f"HL601/patched {kind}s/{message}"
        yield finding


def _recheck(ctx: Context, obj: K8sObject, variants: list[tuple[dict[str, Any], K8sObject]]) -> Iterator[Finding]:
    """The errors of the first applied variant that fails (each Kustomization applying a
    failing variant fails), each where that variant has the field (a patch's line for a field a
    patch set); errors only a `${...}` value causes are not judged."""
    name = SCHEMAS.get((obj.api_version, obj.kind))
    if name is None:
        return
    for data, where in variants:
        typed = None  # of a SOPS document: only the values its ciphertexts' types decide are judged
        if sops_encrypted(data):
            data, typed = sops_typed_view(data)
            if not typed:
                continue
        errors = sorted(
            checker(name).iter_errors(admitted(name, data)), key=lambda e: (list(map(str, e.absolute_path)), e.message)
        )
        found = []
        readings: Iterator[Any] = (
            (e, found) for e in errors for found in readable_each(e, custom=not decoded(name, data), name=name)
        )
        if typed is not None:
            readings = only_typed(readings, typed)
        for error, (keys, message) in islice(readings, MAX_ERRORS_PER_OBJECT):
            if not _placeholder_at(data, keys) and not _placeholder_at(where.data, keys):
                found.append((keys, message, error.validator == "additionalProperties"))
        if found:
            for keys, message, key_node in found:
                yield ctx.at(
                    "HL601",
                    where,
                    keys,
                    f"{obj.kind} {obj.name}: {message}",
                    key_node=key_node,
                    fix=_fix(obj, data, keys),
                )
            return


@check("HL602", "HL603")
def api_versions(ctx: Context) -> Iterator[Finding]:
    """HL602: not served by the installed release. HL603: served, but deprecated or removed by a later
    release, with a replacement the installed release serves. An apiVersion that only a newer release
    can replace is no warning per object: one info per installed release says to upgrade first."""
    versions = versions_of(ctx.repo)
    apis = table()
    waiting: dict[tuple[str, Version], tuple[Installed, dict[tuple[str, str], list[K8sObject]]]] = {}
    unjudged: dict[Installed, int] = {}
    own = _served_by_own_crds(ctx)
    misplaced = _misplaced_kinds(apis)
    patches = ctx.repo.patch_files
    for obj in ctx.repo.objects:
        if obj.path in patches:
            continue  # a patch is never applied as written: kustomize merges it into its target (HL114 if none)
        entry = apis.entry(obj.api_version, obj.kind)
        if entry is None and (obj.group, obj.kind) in misplaced and (obj.api_version, obj.kind) not in own:
            yield _wrong_group(ctx, obj, misplaced[(obj.group, obj.kind)])
            continue
        if entry is None or (obj.api_version, obj.kind) in own:
            continue
        installs = _judged(versions.for_object(entry.component, obj), unjudged)
        if not installs:
            continue
        unserved = [(i, judge(entry, obj.api_version, i.version)) for i in installs]
        unserved = [(i, v) for i, v in unserved if not v.served]
        if unserved:
            installed, verdict = unserved[0]
            yield _not_served(ctx, obj, entry, installed, verdict, installs)
            continue
        lowest = installs[0]
        verdict = judge(entry, obj.api_version, lowest.version)
        if verdict.removed is None and verdict.deprecated is None:
            continue
        replacement = entry.best(lowest.version, also=installs[-1].version, than=obj.api_version)
        if replacement is None:
            if verdict.removed is not None and (not ctx.flux.kustomizations or obj.path in ctx.flux.applied_files):
                _, uses = waiting.setdefault((entry.component, lowest.version), (lowest, {}))
                uses.setdefault((obj.api_version, obj.kind), []).append(obj)
            continue
        if verdict.removed is not None:
            when = f"{lowest.name} {verdict.removed} removes it"
        else:
            when = f"it is deprecated since {lowest.name} {verdict.deprecated}"
        since = entry.versions[replacement].served
        yield ctx.at(
            "HL603",
            obj,
            ("apiVersion",),
            f"{obj.kind} {obj.name} uses {obj.api_version}: {lowest.label} serves it, but {when}; "
            f"use {replacement} (served since {lowest.name} {since}){_version_selected(ctx, obj)}",
            fix=f"change apiVersion to {replacement} now, before the upgrade that removes {obj.api_version}"
            + (" (flux migrate rewrites Flux objects in the cluster)" if entry.component == "flux" else ""),
            key=f"HL603/{obj.kind}/{obj.name}/{obj.api_version}",
        )
    yield from _receiver_resources(ctx, versions, apis)
    for installed, uses in waiting.values():
        yield _upgrade_hint(ctx, installed, uses)
    if unjudged:
        first = min(unjudged, key=lambda i: (i.path or "", i.line))
        count = sum(unjudged.values())
        more = f" and {len(unjudged) - 1} more" if len(unjudged) > 1 else ""
        ctx.note(  # only Flux is ever pinned at an unknown version (the flux2 chart, a FluxInstance artifact)
            f"Flux apiVersions of {count} object{'s' if count != 1 else ''} not judged (HL602/HL603): Flux is installed "
            f"by {first.source} ({first.where}{more}), which does not tell the Flux version; set versions.flux "
            "(or flux.version) in .homelint.yaml to the Flux version it installs"
        )


def _receiver_resources(ctx: Context, versions: Any, apis: Any) -> Iterator[Finding]:
    """HL602 for the apiVersion a Receiver's `spec.resources` entry names: notification-controller
    reads each resource at that version on every webhook call (receiver_handlers.go
    requestReconciliation: an entry without one takes the version its release defaults to), so one
    its cluster's Flux does not serve fails the call, and the webhook reconciles nothing."""
    for obj in ctx.repo.objects:
        if (
            obj.kind != "Receiver"
            or not obj.group.startswith("notification.toolkit.fluxcd.io")
            or obj.path in ctx.repo.patch_files
        ):
            continue
        resources = obj.spec.get("resources")
        for index, item in enumerate(resources if isinstance(resources, list) else []):
            if not isinstance(item, dict):
                continue
            api_version, kind = item.get("apiVersion"), item.get("kind")
            if not isinstance(api_version, str) or not isinstance(kind, str) or "$" in api_version:
                continue
            entry = apis.entry(api_version, kind)
            if entry is None or entry.component != "flux":
                continue
            installs = _judged(versions.for_object(entry.component, obj), {})
            unserved = [(i, v) for i in installs if not (v := judge(entry, api_version, i.version)).served]
            if not unserved:
                continue
            installed, verdict = unserved[0]
            why = (
                f"{installed.label} does not serve it yet (added in {verdict.added})"
                if verdict.added is not None
                else f"{installed.label} does not serve it (removed in {verdict.removed})"
            )
            recommended = entry.best(installed.version)
            finding = ctx.at(
                "HL602",
                obj,
                ("spec", "resources", index, "apiVersion"),
                f"Receiver {obj.name} names {kind} {printable(str(item.get('name')))} at {api_version}, but {why}: "
                "notification-controller "
                "reads it at that version on every webhook call, fails the call, and reconciles nothing",
                fix=f"change it to {recommended}, or remove apiVersion (the Receiver then uses the version its release serves)"
                if recommended
                else "remove apiVersion (the Receiver then uses the version its release serves)",
                key=f"HL602/Receiver/{obj.name}/{kind}/{printable(str(item.get('name')))}/{api_version}",
            )
            if installed.assumed:
                finding.severity = "warning"
            yield finding


MISPLACED_COMPONENTS = ("flux", "external-secrets")  # whose API groups the table lists kind by kind


def _misplaced_kinds(apis: Any) -> dict[tuple[str, str], ApiEntry]:
    """(group, kind) -> the table's entry of that kind, for a Flux or External Secrets group that
    serves other kinds but never this one, which another group of the same project serves (a
    Kustomization under source.toolkit.fluxcd.io): no release serves it there."""
    groups: dict[str, set[str]] = defaultdict(set)  # group -> kinds it serves, in some release
    component: dict[str, str] = {}  # group -> its project
    entries: dict[str, ApiEntry] = {}
    for (api_version, kind), entry in apis.apis.items():
        if entry.component in MISPLACED_COMPONENTS and "/" in api_version:
            group = api_version.rsplit("/", 1)[0]
            groups[group].add(kind)
            component[group] = entry.component
            entries.setdefault(kind, entry)
    return {
        (group, kind): entry
        for kind, entry in entries.items()
        for group in groups
        if kind not in groups[group] and entry.component == component[group]
    }


VERSION_SELECTED = "selects {kind}s by version"  # the fix leaves such an apiVersion to the user


def _version_selected(ctx: Context, obj: K8sObject) -> str:
    """A clause naming a patch whose target selects objects of this kind by `version` (a
    kustomization's patches or patchesJson6902, a Flux Kustomization's spec.patches as applied),
    or "": changing the apiVersion alone changes which patches apply to the object."""
    places: dict[tuple[str, str], str] = ctx.repo.memo("rules.schemas.version-targets", lambda: _version_targets(ctx))
    place = places.get((obj.group, obj.kind)) or places.get((obj.group, "")) or places.get(("", obj.kind)) or places.get(("", ""))
    if place is None:
        return ""
    return f"; a patch target in {place} {VERSION_SELECTED.format(kind=obj.kind)}: change its version with the apiVersion"


def _version_targets(ctx: Context) -> dict[tuple[str, str], str]:
    """(group, kind) ("" for any) -> the first file with a patch target that names a `version`."""
    found: dict[tuple[str, str], str] = {}

    def add(items: Any, path: str) -> None:
        for item in items if isinstance(items, list) else ():
            target = item.get("target") if isinstance(item, dict) else None
            if isinstance(target, dict) and target.get("version"):
                group, kind = target.get("group"), target.get("kind")
                key = (group if isinstance(group, str) else "", kind if isinstance(kind, str) else "")
                found.setdefault(key, path)

    for kd in sorted(ctx.repo.kustomize_dirs.values(), key=lambda k: k.file):
        add(kd.data.get("patches"), kd.file)
        add(kd.data.get("patchesJson6902"), kd.file)
    for ks in sorted(ctx.flux.kustomizations, key=lambda k: k.key):
        if ks.obj is not None:
            add(ks.spec.get("patches"), ks.obj.path)
    return found


def _wrong_group(ctx: Context, obj: K8sObject, entry: ApiEntry) -> Finding:
    """HL602 for a kind its apiVersion's group never serves (kustomize-controller's dry run:
    'no matches for kind ... in version ...')."""
    current = [api for api, avail in entry.versions.items() if avail.removed is None]
    use = max(current or list(entry.versions), key=api_priority)
    return ctx.at(
        "HL602",
        obj,
        ("apiVersion",),
        f"{obj.kind} {obj.name} uses {obj.api_version}, but no release of {obj.group} serves a {obj.kind} "
        f'(the API server answers \'no matches for kind "{obj.kind}" in version "{obj.api_version}"\'); '
        f"{obj.kind} belongs to {use.rsplit('/', 1)[0]}; use {use}",
        fix=f"change apiVersion to {use}",
        key=f"HL602/{obj.kind}/{obj.name}/{obj.api_version}",
    )


def _served_by_own_crds(ctx: Context) -> set[tuple[str, str]]:
    """(apiVersion, kind) pairs a CustomResourceDefinition the repository applies serves: the API
    server serves what the applied CRD declares (`spec.versions[].served`), whatever release of
    its project the table knows (a rendered stack of an old release keeps serving its versions).
    Served by one such CRD is enough: with several, which one a cluster holds is not judged."""
    served: set[tuple[str, str]] = set()
    for crd in manifest_objects(ctx):
        defined = crd_kind(crd)
        if defined is None:
            continue
        (group, kind), spec = defined, crd.spec
        versions = spec.get("versions")
        for version in versions if isinstance(versions, list) else []:
            if isinstance(version, dict) and isinstance(version.get("name"), str) and version.get("served") is True:
                served.add((f"{group}/{version['name']}", kind))
        if isinstance(spec.get("version"), str):  # apiextensions v1beta1: the one version, served
            served.add((f"{group}/{spec['version']}", kind))
    return served


def _judged(installs: list[Installed], unjudged: dict[Installed, int]) -> list[Installed]:
    """The releases an object can be judged by: not one installed at a version unknown here (the
    flux2 chart), counted in `unjudged` instead."""
    judged = [i for i in installs if not i.pinned]
    for installed in installs:
        if installed.pinned:
            unjudged[installed] = unjudged.get(installed, 0) + 1
    return judged


def _not_served(
    ctx: Context, obj: K8sObject, entry: ApiEntry, installed: Installed, verdict: Verdict, installs: list[Installed]
) -> Finding:
    at = installed.version
    recommended = entry.best(at)
    if verdict.added is not None:
        why = f"{installed.label} does not serve it yet (added in {verdict.added})"
        fix = f"upgrade {installed.name} to {verdict.added} or later" + (f", or use {recommended}" if recommended else "")
    else:
        why = f"{installed.label} no longer serves it (removed in {verdict.removed})"
        if installed.known:
            why = f"{installed.label} does not serve it (removed in {verdict.removed})"
        fix = (
            f"change apiVersion to {recommended}"
            if recommended
            else (entry.note or f"remove the {obj.kind}: it has no replacement")
        )
        if recommended and entry.component == "flux":
            fix += " (flux migrate rewrites the stored objects; check renamed fields)"
    scope = f" in one of {len(installs)} clusters" if len(installs) > 1 else ""
    message = f"{obj.kind} {obj.name} uses {obj.api_version}, but {why}{scope}"
    if recommended and verdict.added is None:
        message += f"; use {recommended}"
    if not installed.known:
        message += f" ({installed.source})"
    message += _version_selected(ctx, obj) if recommended else ""
    finding = ctx.at("HL602", obj, ("apiVersion",), message, fix=fix, key=f"HL602/{obj.kind}/{obj.name}/{obj.api_version}")
    if installed.assumed:  # the release is a guess: an older one may serve it
        finding.severity = "warning"
        finding.fix = f"{fix}; or set versions.{entry.component} in .homelint.yaml to the release the cluster runs"
    return finding


def _upgrade_hint(ctx: Context, installed: Installed, uses: dict[tuple[str, str], list[K8sObject]]) -> Finding:
    """One info per installed release: apiVersions it serves that later releases remove, with no
    replacement it serves yet (upgrade first, then migrate)."""
    parts = []
    first: K8sObject | None = None
    for (api_version, kind), objs in sorted(uses.items()):
        entry = table().entry(api_version, kind)
        removed = entry.versions[api_version].removed if entry is not None else None
        parts.append(f"{kind} {api_version} (removed in {removed}; {len(objs)} object{'s' if len(objs) != 1 else ''})")
        first = first or min(objs, key=lambda o: (o.path, o.doc))
    count = sum(len(objs) for objs in uses.values())
    message = (
        f"{installed.label} serves {count} object{'s' if count != 1 else ''} in apiVersions that later releases remove, "
        f"and serves no replacement yet: {'; '.join(parts)}"
    )
    fix = f"upgrade {installed.name} one minor release at a time, migrating each apiVersion when its replacement is served"
    related = sorted({o.path for objs in uses.values() for o in objs})[:20]
    # at the place the version was read, when Flux applies that file (HL603 reports in applied files only)
    reached = not ctx.flux.kustomizations or installed.path in ctx.flux.applied_files
    if installed.path is not None and installed.path in ctx.repo.parsed and reached:
        finding = ctx.finding(
            "HL603",
            installed.path,
            Span.point(installed.line),
            message,
            fix=fix,
            key=f"HL603/upgrade/{installed.name}/{installed.version}",
            related=related,
        )
    else:
        assert first is not None
        span = ctx.repo.obj_span(first, "apiVersion") if first is not None else FILE_START
        finding = ctx.finding(
            "HL603",
            first.path,
            span,
            message,
            fix=fix,
            key=f"HL603/upgrade/{installed.name}/{installed.version}",
            related=related,
        )
    finding.severity = "info"
    return finding


@check("HL606")
def removed_by_upgrade(ctx: Context) -> Iterator[Finding]:
    """HL606: an apiVersion the installed release serves and the upgrade target (--target) does not."""
    versions = versions_of(ctx.repo)
    if not versions.targets:
        return
    apis = table()
    for obj in ctx.repo.objects:
        entry = apis.entry(obj.api_version, obj.kind)
        if entry is None or entry.component not in versions.targets:
            continue
        target = versions.targets[entry.component]
        at_target = judge(entry, obj.api_version, target)
        if at_target.served:
            continue
        for installed in versions.for_object(entry.component, obj):
            if installed.pinned or not judge(entry, obj.api_version, installed.version).served:
                continue  # HL602 already: it fails today (or, of an unknown version, is not judged)
            name = installed.name
            why = f"removed in {at_target.removed}" if at_target.added is None else f"added only in {at_target.added}"
            replacement = entry.best(target, also=installed.version)
            if replacement is not None:
                advice = f"change it to {replacement} before upgrading (both {installed.version} and {target} serve it)"
            else:
                replacement = entry.best(target)
                advice = (
                    f"change it to {replacement} while upgrading: {installed.label} does not serve {replacement} yet"
                    if replacement
                    else (entry.note or f"{target} serves no replacement")
                )
            yield ctx.at(
                "HL606",
                obj,
                ("apiVersion",),
                f"{obj.kind} {obj.name} uses {obj.api_version}: upgrading {name} from {installed.version} to {target} "
                f"breaks it ({why}); {advice}",
                fix=f"migrate {obj.api_version} before the {name} {target} upgrade lands"
                + (" (flux migrate rewrites the stored objects)" if entry.component == "flux" else ""),
                key=f"HL606/{obj.kind}/{obj.name}/{obj.api_version}/{name}",
            )
            break


# --- Fixes ------------------------------------------------------------------------------------------

# HL601 reports the same unquoted values on the kinds it has schemas for (HL604 leaves those to it)
_STRING_MAP = re.compile(
    r"\b(?:labels|annotations|matchLabels|selector|substitute)\.\S+ must be a string(?: or null)?, "
    r"not a (?:boolean|integer|number|float)\b"
)
fixes("HL601", when=lambda f: bool(_STRING_MAP.search(f.message)))(each(quote_plain))

# the apiVersion to use, as HL602 / HL603 / HL606 name it (HL606 only when both releases serve it)
_API_TARGET = {
    "HL602": re.compile(r"; use (\S+?)(?: \(.*\))?$"),
    "HL603": re.compile(r"; use (\S+) \(served since "),
    "HL606": re.compile(r"; change it to (\S+) before upgrading \(both "),
}


def _doc_at(docs: list[Any], nodes: list[Any], line: int) -> int | None:
    """The index of the document whose node spans `line` (1-based)."""
    for index, node in enumerate(nodes):
        if node is not None and node.start_mark.line + 1 <= line <= node.end_mark.line + 1 and isinstance(docs[index], dict):
            return index
    return None


@fixes("HL602", "HL603", "HL606", when=lambda f: bool(_API_TARGET[f.rule].search(f.message)))
@each
def replace_api_version(file: FixFile, finding: Finding) -> Edit | str:
    """The apiVersion becomes the one the finding names, when the object, so written, satisfies that
    version's schema (a removed field, such as a Kustomization's patchesStrategicMerge, needs a move
    no text patch makes exactly: not offered)."""
    if "; a patch target in " in finding.message and " by version: " in finding.message:
        return "a patch target selects this kind by version: change its version and the apiVersion together, by hand"
    text, offsets = file.text, file.offsets
    parsed, nodes = file.parsed()
    pattern = _API_TARGET[finding.rule]
    match = pattern.search(finding.message)
    if match is None:
        return "no replacement apiVersion that the installed release (and the target) serve"
    new = match.group(1)
    span = finding.span
    index = _doc_at(parsed.docs, nodes, span.line)
    if index is None or span.line != span.end_line or span.line > len(offsets):
        return "the apiVersion is not on one line of a document"
    doc = parsed.docs[index]
    old, kind = doc.get("apiVersion"), doc.get("kind")
    start, end = file.offset(span.line, span.column), file.offset(span.end_line, span.end_column)
    written = text[start:end]
    if not isinstance(old, str) or written.strip("'\"") != old or not isinstance(kind, str):
        return "the apiVersion is not a plain value here"
    schema = SCHEMAS.get((new, kind))
    if schema is None:
        return f"homelint has no schema of {kind} {new} to prove the fields carry over"
    moved = _removed_fields(kind, doc)
    errors = (
        []
        if moved
        else sorted(checker(schema).iter_errors(admitted(schema, {**doc, "apiVersion": new})), key=lambda e: e.json_path)
    )
    if moved or errors:
        what = moved or ".".join(map(str, readable(errors[0])[0])) or "the object"  # field names only, never values
        return f"{kind} {new} does not take {what} as written; move it by hand"
    quote = written[0] if written[:1] in ("'", '"') else ""

    def accept(where: tuple[Any, ...], was: Any, now: Any) -> bool:
        return where == (index, "apiVersion") and was == old and now == new

    replaced = f"{quote}{new}{quote}"
    modeline = _schema_comment(file, parsed.schema_refs, index, old, new)
    if modeline is not None:  # the `$schema` comment names the old version too: it changes with it
        url_start, url, renamed = modeline
        if url_start < start:
            return Edit(url_start, end, renamed + text[url_start + len(url) : start] + replaced, finding, accept)
        return Edit(start, url_start + len(url), replaced + text[end:url_start] + renamed, finding, accept)
    return Edit(start, end, replaced, finding, accept)


def _schema_comment(
    file: FixFile, refs: list[tuple[int, int, int, str]], index: int, old: str, new: str
) -> tuple[int, str, str] | None:
    """(offset, URL, URL for `new`) of the document's `$schema` comment when its URL names the old
    apiVersion's version as a word of its own (`helmrelease_v2beta2.json`, `-v2beta2.`) once, and the
    group stays: the same schema set's file for the new version (`helmrelease_v2.json`); else None
    (a fix that left it would make the next run report HL806 for the right apiVersion). Only a
    remote URL: a schema file of the repository for the new version may not exist."""
    (old_group, _, old_version), (new_group, _, new_version) = old.rpartition("/"), new.rpartition("/")
    if old_group != new_group or not old_version or not new_version:
        return None
    own = [(line, column, url) for doc, line, column, url in refs if doc == index]
    if len(own) != 1:
        return None
    line, column, url = own[0]
    if not url.startswith(("https://", "http://")):
        return None  # a file of the repository: the new version's file may not be there
    words = list(re.finditer(rf"(?<![A-Za-z0-9]){re.escape(old_version)}(?![A-Za-z0-9])", url))
    if len(words) != 1 or line > len(file.offsets):
        return None
    offset = file.offset(line, column)
    if file.text[offset : offset + len(url)] != url:
        return None
    word = words[0]
    return offset, url, url[: word.start()] + new_version + url[word.end() :]


def _removed_fields(kind: str, doc: dict[str, Any]) -> str:
    """Fields the object uses that the new version dropped but its schema here does not see:
    HelmRelease v2 removed postRenderers[].kustomize.patchesStrategicMerge/patchesJson6902
    (fluxcd/helm-controller, v2 API), which the schema leaves open."""
    spec = doc.get("spec")
    if kind != "HelmRelease" or not isinstance(spec, dict) or not isinstance(spec.get("postRenderers"), list):
        return ""
    for index, renderer in enumerate(spec["postRenderers"]):
        kustomize = renderer.get("kustomize") if isinstance(renderer, dict) else None
        for name in ("patchesStrategicMerge", "patchesJson6902"):
            if isinstance(kustomize, dict) and name in kustomize:
                return f"spec.postRenderers[{index}].kustomize.{name}"
    return ""
