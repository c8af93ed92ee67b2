"""HL120: the Flux controllers a FluxInstance installs serve the Flux kinds its cluster applies.

flux-operator installs only the components a FluxInstance lists in `spec.components` (the
flux-instance chart: `values.instance.components`), each with its CRDs (the distribution's
per-controller manifests). An object of a kind whose controller is not listed has no CRD on the
cluster: kustomize-controller's dry-run of the Kustomization that applies it fails ('no matches for
kind') and that Kustomization applies nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from homelint.core.context import Context
from homelint.core.model import Finding, K8sObject
from homelint.model.flux import maker_label
from homelint.model.refs import chart_name
from homelint.rules.common import INSTANCE_FIELDS, crd_kind
from homelint.rules.registry import check

INSTANCE_CHART = "flux-instance"  # controlplaneio-fluxcd's chart: templates/instance.yaml renders values.instance

# (API group, kind) -> the flux-operator component whose manifests hold its CRD. The source and
# kustomize controllers are not judged: without them the instance's own sync applies nothing.
CONTROLLER_OF = {
    ("helm.toolkit.fluxcd.io", "HelmRelease"): "helm-controller",
    ("notification.toolkit.fluxcd.io", "Alert"): "notification-controller",
    ("notification.toolkit.fluxcd.io", "Provider"): "notification-controller",
    ("notification.toolkit.fluxcd.io", "Receiver"): "notification-controller",
    ("image.toolkit.fluxcd.io", "ImageRepository"): "image-reflector-controller",
    ("image.toolkit.fluxcd.io", "ImagePolicy"): "image-reflector-controller",
    ("image.toolkit.fluxcd.io", "ImageUpdateAutomation"): "image-automation-controller",
    ("source.extensions.fluxcd.io", "ArtifactGenerator"): "source-watcher",
}
MAX_COMPONENTS = 32  # a longer list is not one flux-operator takes (its enum has seven names)


@dataclass(frozen=True)
class Instance:
    """A FluxInstance (or flux-instance HelmRelease) whose components are written out, and the
    clusters it installs Flux in."""

    obj: K8sObject
    components: tuple[str, ...]
    keys: tuple[Any, ...]  # where the list is written
    clusters: frozenset[str]

    @property
    def label(self) -> str:
        return maker_label(self.obj) if not self.obj.data else f"{self.obj.kind} {self.obj.name}"

    @property
    def field(self) -> str:
        """The components field, in words."""
        if not self.obj.data:
            return "instance.components"
        return "spec.values.instance.components" if self.obj.kind == "HelmRelease" else "spec.components"


@check("HL120", needs_flux=True)
def uninstalled_controller(ctx: Context) -> Iterator[Finding]:
    instances = instances_of(ctx)
    if not instances:
        return
    served = _own_crds(ctx)
    seen: set[int] = set()
    for applied in ctx.flux.applied:
        obj, ks = applied.obj, applied.ks
        needed = CONTROLLER_OF.get((obj.group, obj.kind))
        if needed is None or (obj.group, obj.kind) in served or ks is None or ks.target or id(obj.source) in seen:
            continue
        cluster = ks.cluster or ks.root
        governing = [i for i in instances if cluster in i.clusters]
        if len(governing) != 1 or needed in governing[0].components:
            continue  # no instance, or two, install Flux in that cluster: which one runs is not judged
        instance = governing[0]
        seen.add(id(obj.source))
        where = f"{instance.obj.path}:{ctx.repo.span(instance.obj.path, instance.obj.doc, instance.keys).line}"
        field = instance.field
        yield ctx.at(
            "HL120",
            obj,
            ("kind",),
            f"{obj.kind} {applied.name} needs the {needed}, which {instance.label} "
            f"{'do' if not instance.obj.data else 'does'} not install ({field} at {where} "
            f"lists {', '.join(instance.components) or 'nothing'}): the cluster has no {obj.kind} CRD, so the dry-run of "
            f"{ks.label} fails ('no matches for kind \"{obj.kind}\"') and it applies none of its objects",
            fix=f"add {needed} to {field} of {instance.label}, or remove the {obj.kind}",
            related=[instance.obj.path],
        )


def instances_of(ctx: Context) -> list[Instance]:
    """The instances whose components are a list of plain names, with their clusters: the one its
    sync makes, and those whose Kustomizations apply it; when it has neither and the repository
    has one cluster, that one. A list a patch changes (or a transformer the model does not apply
    may change), or one with placeholders, is not read; a patch of other fields leaves it as written."""
    flux = ctx.flux
    clusters_of: dict[int, set[str]] = {}
    patched: set[int] = set()
    for ks in flux.kustomizations:
        if ks.synced and ks.maker is not None:
            clusters_of.setdefault(id(ks.maker.source), set()).add(ks.cluster or ks.root)
    for applied in flux.applied:
        if applied.obj.kind in ("FluxInstance", "HelmRelease") and applied.ks is not None and not applied.ks.target:
            clusters_of.setdefault(id(applied.obj.source), set()).add(applied.ks.cluster or applied.ks.root)
            if (
                applied.unread
                or applied.maybe_changed
                or (
                    applied.obj.unpatched is not None
                    and _components_field(applied.obj)[0] != _components_field(applied.obj.unpatched)[0]
                )
            ):  # a patch changed the list, or may have (placeholders: below)
                patched.add(id(applied.obj.source))
    every = {ks.cluster or ks.root for ks in flux.kustomizations if not ks.target}
    out: list[Instance] = []
    for obj in ctx.repo.objects:
        if id(obj) in patched:
            continue
        value, keys = _components_field(obj)
        if not isinstance(value, list) or len(value) > MAX_COMPONENTS:
            continue
        if not all(isinstance(c, str) and c and "${" not in c for c in value):
            continue
        clusters = clusters_of.get(id(obj)) or (every if len(every) == 1 else set())
        if clusters:
            out.append(Instance(obj, tuple(value), keys, frozenset(clusters)))
    # a release whose inline values write components (with or without a distribution) decides them
    inline = {
        c
        for obj in ctx.repo.objects
        if obj.kind == "HelmRelease" and "components" in _inline_instance(obj)
        for c in clusters_of.get(id(obj), every if len(every) == 1 else set())
    }
    return out + _values_instances(ctx, {c for i in out for c in i.clusters} | inline)


def _inline_instance(obj: K8sObject) -> dict[str, Any]:
    values = obj.spec.get("values")
    instance = values.get("instance") if isinstance(values, dict) else None
    return instance if isinstance(instance, dict) else {}


def _values_instances(ctx: Context, governed: set[str]) -> list[Instance]:
    """The instances of the flux-instance values files a sync comes from (a values file a generator
    turns into a HelmRelease's valuesFrom source, or a helmfile release's: model.sources), for the
    clusters no FluxInstance or HelmRelease of the repository writes components for: helm-controller
    merges valuesFrom under the inline values, so only inline components would replace them."""
    clusters_of: dict[tuple[str, str], tuple[K8sObject, set[str]]] = {}
    for ks in ctx.flux.kustomizations:
        maker = ks.maker
        if ks.synced and maker is not None and not maker.data and not ks.target:
            clusters_of.setdefault((maker.path, maker.name), (maker, set()))[1].add(ks.cluster or ks.root)
    out = []
    for (path, _), (maker, clusters) in sorted(clusters_of.items()):
        parsed = ctx.repo.parsed.get(path)
        docs = [
            (index, doc["instance"])
            for index, doc in enumerate(parsed.docs if parsed is not None else [])
            if isinstance(doc, dict) and "kind" not in doc and isinstance(doc.get("instance"), dict)
        ]
        if len(docs) != 1 or clusters & governed:
            continue  # not one values document, or an instance of the repository writes components there
        index, instance = docs[0]
        value = instance.get("components")
        if not isinstance(value, list) or len(value) > MAX_COMPONENTS:
            continue
        if not all(isinstance(c, str) and c and "${" not in c for c in value):
            continue
        holder = K8sObject(path, index, {}, "", maker.kind, maker.name, maker.namespace)
        out.append(Instance(holder, tuple(value), ("instance", "components"), frozenset(clusters)))
    return out


def instance_spec(obj: K8sObject) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """(the mapping that holds an instance's fields, where it is): a FluxInstance's spec, or a
    flux-instance HelmRelease's values.instance (one with a distribution, or of the chart named
    flux-instance, whose own values hold the distribution); (None, ()) for any other object."""
    if obj.kind == "FluxInstance" and obj.group == "fluxcd.controlplane.io":
        return obj.spec, INSTANCE_FIELDS["FluxInstance"]
    if obj.kind == "HelmRelease":
        instance = _inline_instance(obj)
        chart = chart_name(obj)
        if isinstance(instance.get("distribution"), dict) or (instance and chart is not None and chart.endswith(INSTANCE_CHART)):
            return instance, INSTANCE_FIELDS["HelmRelease"]
    return None, ()


def _components_field(obj: K8sObject) -> tuple[Any, tuple[Any, ...]]:
    """(the components list, where it is) of a FluxInstance or a flux-instance HelmRelease; (None, ())
    for any other object."""
    holder, keys = instance_spec(obj)
    return (holder.get("components"), (*keys, "components")) if holder is not None else (None, ())


def _own_crds(ctx: Context) -> set[tuple[str, str]]:
    """(group, kind) of each CustomResourceDefinition the repository defines (applied by Flux or
    by a bootstrap): its CRD may be there after all."""
    return {defined for obj in ctx.repo.objects if (defined := crd_kind(obj)) is not None}
