"""HL601-HL603: JSON-schema validation of the kinds homelint reasons about, and API versions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from homelint.checks.common import manifest_objects
from homelint.engine import Context
from homelint.flux import FLUX_KS_GROUP
from homelint.kindschemas import MAX_ERRORS_PER_OBJECT, SCHEMAS, checker, readable
from homelint.model import Finding, K8sObject
from homelint.registry import check

# apiVersion prefix -> (replacement, removed in). SEMANTICS.md 2.5 and 6.
REMOVED = {
    "kustomize.toolkit.fluxcd.io/v1beta1": ("kustomize.toolkit.fluxcd.io/v1", "Flux 2.7 (kustomize-controller 1.7)"),
    "kustomize.toolkit.fluxcd.io/v1beta2": ("kustomize.toolkit.fluxcd.io/v1", "Flux 2.8 (kustomize-controller 1.8)"),
    "source.toolkit.fluxcd.io/v1beta1": ("source.toolkit.fluxcd.io/v1", "Flux 2.7 (source-controller 1.7)"),
    "source.toolkit.fluxcd.io/v1beta2": ("source.toolkit.fluxcd.io/v1", "Flux 2.8 (source-controller 1.8)"),
    "helm.toolkit.fluxcd.io/v2beta1": ("helm.toolkit.fluxcd.io/v2", "Flux 2.7 (helm-controller 1.4)"),
    "helm.toolkit.fluxcd.io/v2beta2": ("helm.toolkit.fluxcd.io/v2", "Flux 2.8 (helm-controller 1.5)"),
    "external-secrets.io/v1beta1": ("external-secrets.io/v1", "External Secrets 0.17 (no longer served)"),
    "external-secrets.io/v1alpha1": ("external-secrets.io/v1", "External Secrets 0.17 (no longer served)"),
}
ESO_STABLE_KINDS = ("ExternalSecret", "SecretStore", "ClusterSecretStore", "ClusterExternalSecret")
DEPRECATED = {
    ("notification.toolkit.fluxcd.io/v1beta2", "Alert"): "notification.toolkit.fluxcd.io/v1beta3",
    ("notification.toolkit.fluxcd.io/v1beta2", "Provider"): "notification.toolkit.fluxcd.io/v1beta3",
    ("notification.toolkit.fluxcd.io/v1beta1", "Alert"): "notification.toolkit.fluxcd.io/v1beta3",
    ("notification.toolkit.fluxcd.io/v1beta1", "Provider"): "notification.toolkit.fluxcd.io/v1beta3",
    ("notification.toolkit.fluxcd.io/v1beta1", "Receiver"): "notification.toolkit.fluxcd.io/v1",
    ("notification.toolkit.fluxcd.io/v1beta2", "Receiver"): "notification.toolkit.fluxcd.io/v1",
    ("image.toolkit.fluxcd.io/v1beta1", "*"): "image.toolkit.fluxcd.io/v1",
    ("image.toolkit.fluxcd.io/v1beta2", "*"): "image.toolkit.fluxcd.io/v1",
}


def _as_applied(ctx: Context) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """(path, doc) -> the object as Flux applies it, where that differs from the file: a Flux
    Kustomization materialised by its parent, any object patched by the spec.patches of the
    Kustomization that applies it."""
    from homelint.flux import apply_parent_patches

    variants: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for ks in ctx.flux.kustomizations:
        if ks.obj is not None and ks.data is not ks.obj.data:
            variants[(ks.obj.path, ks.obj.doc)].append(ks.data)
        if not ks.spec.get("patches"):
            continue
        for applied in ks.applied:
            obj = applied.obj
            if obj.kind == "Kustomization" and obj.group == FLUX_KS_GROUP:
                continue  # materialised above, from its own parent's point of view
            data = apply_parent_patches(ks, obj.data, applied.namespace)
            if data is not obj.data:
                variants[(obj.path, obj.doc)].append(data)
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


@check("HL601")
def schema_violation(ctx: Context) -> Iterator[Finding]:
    from homelint.model import Span

    repo = ctx.repo
    applied_docs = {(o.path, o.doc): o for o in manifest_objects(ctx)}
    kustomization_files = {kd.file for kd in repo.kustomize_dirs.values()}
    has_flux = bool(ctx.flux.kustomizations)
    variants = _as_applied(ctx) if has_flux else {}
    for path, parsed in repo.parsed.items():
        rechecked: set[int] = set()
        for doc, message, line, column, end_line, end_column in parsed.schema:
            is_kustomization = path in kustomization_files and doc == 0 and message.startswith("kustomization:")
            if is_kustomization:
                if has_flux and path not in ctx.flux.applied_files:
                    continue
            elif (path, doc) not in applied_docs:
                continue
            elif (path, doc) in variants or repo.placeholder_strings(applied_docs[(path, doc)]):
                if doc not in rechecked:  # judge the object as applied (patched, materialised)
                    rechecked.add(doc)
                    obj = applied_docs[(path, doc)]
                    yield from _recheck(ctx, obj, variants.get((path, doc)) or [obj.data])
                continue
            yield ctx.finding(
                "HL601",
                path,
                Span(line, column, end_line, end_column),
                message,
                fix="see the field reference of this kind; Flux, kustomize or the API server reject it as it is",
                key=f"HL601/{doc}/{message}",
            )
    for obj in manifest_objects(ctx):
        if obj.kind != "Namespace" or obj.api_version != "v1":
            continue
        data = obj.data
        if obj.effective_namespace and obj.effective_namespace != obj.name:
            # kustomize's namespace transformer renames Namespace objects (the `name: _` idiom)
            data = {**data, "metadata": {**obj.metadata, "name": obj.effective_namespace}}
        name = SCHEMAS[("v1", "Namespace")]
        for error in list(checker(name).iter_errors(data))[:MAX_ERRORS_PER_OBJECT]:
            keys, message = readable(error)
            yield ctx.at(
                "HL601",
                obj,
                keys,
                f"Namespace {obj.name}: {message}",
                fix="a namespace name is a DNS label: lower-case letters, digits and '-'",
            )


def _recheck(ctx: Context, obj: K8sObject, variants: list[dict[str, Any]]) -> Iterator[Finding]:
    """The errors of the first applied variant that fails (each Kustomization applying a
    failing variant fails); errors only a `${...}` value causes are not judged."""
    name = SCHEMAS.get((obj.api_version, obj.kind))
    if name is None:
        return
    for data in variants:
        errors = sorted(checker(name).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        found = []
        for error in errors[:MAX_ERRORS_PER_OBJECT]:
            keys, message = readable(error)
            if not _placeholder_at(data, keys):
                found.append((keys, message, error.validator == "additionalProperties"))
        if found:
            for keys, message, key_node in found:
                yield ctx.at(
                    "HL601",
                    obj,
                    keys,
                    f"{obj.kind} {obj.name}: {message} (as applied, after its Kustomization's patches)",
                    key_node=key_node,
                    fix="see the field reference of this kind; Flux, kustomize or the API server reject it as it is",
                )
            return


@check("HL602", "HL603")
def api_versions(ctx: Context) -> Iterator[Finding]:
    for obj in ctx.repo.objects:
        removed = REMOVED.get(obj.api_version)
        if removed and obj.group == "external-secrets.io" and obj.kind not in ESO_STABLE_KINDS:
            removed = None  # PushSecret and friends are still v1alpha1 upstream
        if removed and obj.group.endswith(("fluxcd.io", "external-secrets.io")):
            replacement, when = removed
            yield ctx.at(
                "HL602",
                obj,
                ("apiVersion",),
                f"{obj.kind} {obj.name} uses {obj.api_version}, removed in {when}; use {replacement}",
                fix=f"change apiVersion to {replacement} (flux migrate rewrites Flux objects; check field renames)",
            )
            continue
        deprecated = DEPRECATED.get((obj.api_version, obj.kind)) or DEPRECATED.get((obj.api_version, "*"))
        if deprecated:
            replacement = deprecated
            yield ctx.at(
                "HL603",
                obj,
                ("apiVersion",),
                f"{obj.kind} {obj.name} uses {obj.api_version}, deprecated; use {replacement}",
                fix=f"change apiVersion to {replacement} before the old version is removed",
            )
