"""grafana-operator reads a GrafanaDashboard's spec.configMapRef (and envFrom) and a
GrafanaDatasource's valuesFrom in the object's namespace (HL401, HL405). kustomize does not
rewrite these custom-resource fields to a generator's hashed name (kubectl kustomize leaves
`configMapRef.name: cm-a` beside ConfigMap `cm-a-<hash>`). A dashboard ConfigMap is often shipped by
a chart under a name of its own: with a release in that namespace, a missing one is an info."""

from __future__ import annotations

import pytest

from .conftest import flux_root

DASHBOARD = (
    "apiVersion: grafana.integreatly.org/v1beta1\nkind: GrafanaDashboard\nmetadata: {name: dash-a, namespace: ns-a}\n"
    "spec:\n  instanceSelector: {matchLabels: {dashboards: grafana}}\n  configMapRef: {name: cm-a, key: a.json}\n"
)
RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: release-a, namespace: ns-a}\n"
    "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: chart-a}\n"
)
SOURCE = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: chart-a, namespace: ns-a}\n"
    "spec:\n  interval: 1h\n  url: oci://registry.invalid/chart-a\n  ref: {tag: 1.0.0}\n"
)


def _hl405(check_json, repo, files: dict[str, str]) -> list[tuple[str, str]]:
    tree = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/dashboard.yaml": DASHBOARD,
        **files,
    }
    _, findings = check_json(repo(tree), "--select", "HL405")
    return [(f["severity"], f["message"]) for f in findings]


def test_a_dashboard_configmap_nothing_makes_is_an_error(check_json, repo):
    ((severity, message),) = _hl405(check_json, repo, {})
    assert severity == "error" and message.startswith("GrafanaDashboard dash-a uses ConfigMap 'cm-a' in namespace ns-a")


def test_a_generated_dashboard_configmap_keeps_its_written_name(check_json, repo):
    generator = (
        "namespace: ns-a\nresources: [ns.yaml, dashboard.yaml]\nconfigMapGenerator:\n  - name: cm-a\n    files: [a.json]\n"
    )
    files = {"apps/kustomization.yaml": generator, "apps/a.json": "{}\n"}
    ((severity, message),) = _hl405(check_json, repo, files)
    assert severity == "error" and "kustomize does not rewrite GrafanaDashboard spec/configMapRef/name" in message


@pytest.mark.parametrize(("release", "expected"), [(True, "info"), (False, None)])
def test_a_chart_in_the_namespace_may_ship_the_dashboard(check_json, repo, release, expected):
    files = {"apps/release.yaml": RELEASE + "---\n" + SOURCE} if release else {}
    found = _hl405(check_json, repo, files)
    if expected is None:
        assert [severity for severity, _ in found] == ["error"]
    else:
        ((severity, message),) = found
        assert severity == expected and "a chart installed in that namespace may ship it (chart-a (release release-a)" in message
