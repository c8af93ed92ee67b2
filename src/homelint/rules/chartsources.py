"""HL123 chart-ref-not-a-chart: a HelmRelease's chartRef names an OCIRepository of Flux manifests.

An OCIRepository whose `layerSelector.mediaType` is the layer `flux push artifact` writes
(application/vnd.cncf.flux.content.v1.tar+gzip) serves manifests: source-controller extracts (or
copies) that layer as its artifact. helm-controller loads a chartRef's artifact as a Helm chart, and
a tarball of manifests has no Chart.yaml: the release fails.
"""

from __future__ import annotations

from collections.abc import Iterator

from homelint.core.context import Context
from homelint.core.model import Finding
from homelint.loading.safeio import printable
from homelint.rules.common import FLUX_CONTENT_MEDIA_TYPE, cluster_key, manifest_artifact, substituted_reference
from homelint.rules.registry import check

SOURCE_GROUP = "source.toolkit.fluxcd.io"


@check("HL123", needs_flux=True)
def chart_ref_not_a_chart(ctx: Context) -> Iterator[Finding]:
    manifests: dict[tuple[str, str, str], str] = {}  # (cluster, namespace, name) -> its file
    others: set[tuple[str, str, str]] = set()  # OCIRepositories of that name that may serve a chart
    for applied in ctx.flux.applied:
        obj = applied.obj
        if obj.kind == "OCIRepository" and obj.group.startswith(SOURCE_GROUP):
            key = (cluster_key(applied), applied.ns, applied.name)
            if manifest_artifact(obj) and not (applied.unread or applied.maybe_changed):
                manifests.setdefault(key, obj.path)
            else:
                others.add(key)
    if not manifests:
        return
    seen: set[tuple[str, int]] = set()
    for applied in ctx.flux.applied:
        obj = applied.obj
        ref = obj.spec.get("chartRef") if obj.kind == "HelmRelease" else None
        if not isinstance(ref, dict) or ref.get("kind") != "OCIRepository" or not isinstance(ref.get("name"), str):
            continue
        name = substituted_reference(ctx, applied, ref["name"])
        written_ns = ref.get("namespace")
        namespace = substituted_reference(ctx, applied, written_ns) if isinstance(written_ns, str) else applied.ns
        key = (cluster_key(applied), namespace or "", name or "")
        if not name or not namespace or key not in manifests or key in others or (obj.path, obj.doc) in seen:
            continue
        seen.add((obj.path, obj.doc))
        yield ctx.at(
            "HL123",
            obj,
            ("spec", "chartRef", "name"),
            f"HelmRelease {printable(applied.name)}: chartRef names OCIRepository '{printable(namespace)}/{printable(name)}' "
            f"({manifests[key]}), whose layerSelector takes the Flux manifests layer ({FLUX_CONTENT_MEDIA_TYPE}): its "
            "artifact holds manifests, not a Helm chart (no Chart.yaml), so helm-controller cannot load it as a chart and "
            "the release is never installed",
            fix="point chartRef at an OCIRepository of the chart (layerSelector mediaType "
            "application/vnd.cncf.helm.chart.content.v1.tar+gzip, or none), or apply these manifests with a Flux Kustomization",
        )
