"""HL601-HL603: JSON-schema validation of the kinds homelint reasons about, and API versions."""

from __future__ import annotations

from collections.abc import Iterator

from homelint.checks.common import manifest_objects
from homelint.engine import Context
from homelint.kindschemas import MAX_ERRORS_PER_OBJECT, SCHEMAS, checker, readable
from homelint.model import Finding
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


@check("HL601")
def schema_violation(ctx: Context) -> Iterator[Finding]:
    from homelint.model import Span

    repo = ctx.repo
    applied_docs = {(o.path, o.doc) for o in manifest_objects(ctx)}
    kustomization_files = {kd.file for kd in repo.kustomize_dirs.values()}
    has_flux = bool(ctx.flux.kustomizations)
    for path, parsed in repo.parsed.items():
        for doc, message, line, column, end_line, end_column in parsed.schema:
            is_kustomization = path in kustomization_files and doc == 0 and message.startswith("kustomization:")
            if is_kustomization:
                if has_flux and path not in ctx.flux.applied_files:
                    continue
            elif (path, doc) not in applied_docs:
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
