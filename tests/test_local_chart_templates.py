"""HL401/HL405/HL301 for an object a release's chart may make: a chart folder of this repository
whose templates make a Secret (or an ExternalSecret or SealedSecret), ConfigMap or claim under a
name Helm computes may make it under any name, so a missing one in the release's namespace is an
info that says so, not an error. homelint does not render charts."""

from __future__ import annotations

import pytest

from .conftest import flux_root

RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: bundle-a, namespace: ns-a}\nspec:\n"
    "  interval: 1h\n  chart:\n    spec:\n      chart: ./charts/bundle\n"
    "      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
)
POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: pod-a, namespace: ns-a}\nspec:\n  containers:\n"
    "    - name: a\n      image: registry.invalid/a:1.0.0@sha256:" + "0" * 64 + "\n"
    "  volumes:\n    - name: v\n      secret: {secretName: app-a-db}\n"
)


# the release of chart folder charts/bundle in ns-a, whose Pod reads Secret app-a-db
TREE = {
    "clusters/main/flux.yaml": flux_root("apps", "./apps"),
    "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
    "apps/release.yaml": RELEASE,
    "apps/pod.yaml": POD,
    "charts/bundle/Chart.yaml": "apiVersion: v2\nname: bundle\nversion: 1.0.0\n",
}


def _findings(check_json, repo, template: str) -> list[tuple[str, str]]:
    _, found = check_json(repo({**TREE, "charts/bundle/templates/made.yaml": template}), "--select", "HL401")
    return [(f["severity"], f["message"]) for f in found]


@pytest.mark.parametrize("kind", ["Secret", "ExternalSecret"])
def test_a_templated_name_of_that_kind_may_be_the_secret(check_json, repo, kind):
    template = f'{{{{- $app := trimSuffix "-resources" .Release.Name }}}}\n---\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: {{{{ $app }}}}-db\n'
    ((severity, message),) = _findings(check_json, repo, template)
    assert severity == "info"
    assert "the chart bundle of release bundle-a in that namespace may create it" in message
    assert "its templates in this repository make a Secret whose name Helm computes" in message


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("apiVersion: v1\nkind: Secret\nmetadata:\n  name: fixed-name\n", id="a-literal-name"),
        pytest.param("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-db\n", id="another-kind"),
    ],
)
def test_a_chart_that_makes_no_such_name_leaves_the_error(check_json, repo, template):
    assert [severity for severity, _ in _findings(check_json, repo, template)] == ["error"]


def test_a_template_linked_from_outside_the_repository_is_not_read(check_json, repo, tmp_path):
    """A template that is a symlink out of the repository is not read (the safe reader): what it
    says cannot turn the error into an info."""
    outside = tmp_path / "outside.yaml"
    outside.write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-db\n")
    root = repo(TREE)
    (root / "charts/bundle/templates").mkdir(parents=True)
    (root / "charts/bundle/templates/made.yaml").symlink_to(outside)
    _, found = check_json(root, "--select", "HL401")
    assert [f["severity"] for f in found] == ["error"]
