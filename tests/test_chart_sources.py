"""HL123: a HelmRelease's chartRef that names an OCIRepository of Flux manifests (the layer `flux
push artifact` writes) gets a tarball without Chart.yaml, which helm-controller cannot load as a
chart; HL107 does not offer such a source as the namespace to add (aclerici38)."""

from __future__ import annotations

import pytest

from .conftest import flux_root

SOURCE = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {{name: app-a, namespace: {namespace}}}\n"
    "spec:\n  interval: 1h\n  url: oci://registry.example.invalid/manifests/app-a\n  ref: {{tag: main}}\n{selector}"
)
FLUX_LAYER = "  layerSelector: {mediaType: application/vnd.cncf.flux.content.v1.tar+gzip, operation: extract}\n"
CHART_LAYER = "  layerSelector: {mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip, operation: copy}\n"
RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: release-a, namespace: ns-a}}\n"
    "spec:\n  interval: 1h\n  chartRef: {{kind: OCIRepository, name: app-a{namespace}}}\n"
)
NAMESPACES = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n"


def _findings(check_json, repo, selector: str, ref_namespace: str = ", namespace: flux-system") -> list[dict]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ns.yaml": NAMESPACES,
        "apps/source.yaml": SOURCE.format(namespace="flux-system", selector=selector),
        "apps/release.yaml": RELEASE.format(namespace=ref_namespace),
    }
    return [f for f in check_json(repo(files))[1] if f["rule"] in ("HL107", "HL123")]


@pytest.mark.parametrize(("selector", "judged"), [(FLUX_LAYER, True), (CHART_LAYER, False), ("", False)])
def test_a_chart_ref_to_a_source_of_flux_manifests_is_an_error(check_json, repo, selector, judged):
    found = _findings(check_json, repo, selector)
    assert [(f["rule"], f["path"], f["severity"]) for f in found] == ([("HL123", "apps/release.yaml", "error")] if judged else [])
    if judged:
        assert "whose layerSelector takes the Flux manifests layer" in found[0]["message"]


def test_hl107_does_not_offer_a_source_of_manifests_as_the_namespace_to_add(check_json, repo):
    """The release looks in ns-a; the only app-a is flux-system's manifests: adding that namespace
    would trade a missing source for a chart that cannot load."""
    (finding,) = _findings(check_json, repo, FLUX_LAYER, ref_namespace="")
    assert finding["rule"] == "HL107"
    assert "add namespace" not in finding["message"]
    (finding,) = _findings(check_json, repo, CHART_LAYER, ref_namespace="")
    assert "add namespace: flux-system" in finding["message"]  # a chart's source: the fix stands
