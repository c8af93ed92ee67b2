"""HL103 for a HelmRelease whose chart is a path of this repository's artifact (a GitRepository
source): source-controller loads the chart's metadata there (LocalBuilder.Build,
LoadChartMetadata) and fails the HelmChart with ChartReference when no chart is there, so the
release never installs."""

from __future__ import annotations

import pytest

from .conftest import flux_root


def _release(chart: str, source: str = "GitRepository") -> str:
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: rel-a, namespace: flux-system}\nspec:\n"
        f"  interval: 1h\n  chart:\n    spec:\n      chart: {chart}\n      sourceRef: {{kind: {source}, name: flux-system}}\n"
    )


def _hl103(check_json, repo, chart: str, extra: dict[str, str] | None = None, source: str = "GitRepository") -> list[str]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/release.yaml": _release(chart, source),
        "charts/chart-a/Chart.yaml": "apiVersion: v2\nname: chart-a\nversion: 1.0.0\n",
        "charts/chart-a/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
        **(extra or {}),
    }
    _, found = check_json(repo(files), "--select", "HL103")
    return [f["message"] for f in found]


def test_a_chart_folder_that_is_not_there_is_an_error(check_json, repo):
    (message,) = _hl103(check_json, repo, "./charts/chart-b")
    assert message.startswith("chart './charts/chart-b' of GitRepository flux-system/flux-system (resolved to 'charts/chart-b') ")
    assert "does not exist in the repository: source-controller fails the HelmChart (ChartReference)" in message
    assert message.endswith("did you mean 'charts/chart-a'?")


def test_a_folder_without_chart_yaml_is_an_error(check_json, repo):
    (message,) = _hl103(check_json, repo, "./charts/other", {"charts/other/values.yaml": "a: 1\n"})
    assert "is a folder without Chart.yaml" in message


@pytest.mark.parametrize(
    ("chart", "extra", "source"),
    [
        pytest.param("./charts/chart-a", None, "GitRepository", id="the-chart-folder"),
        pytest.param("charts/chart-a", None, "GitRepository", id="without-dot-slash"),
        pytest.param("./charts/chart-b", None, "HelmRepository", id="a-chart-name-of-a-helm-repository"),
        pytest.param("./charts/${CHART}", None, "GitRepository", id="a-path-read-after-substitution"),
    ],
)
def test_what_is_fine_or_not_judged(check_json, repo, chart, extra, source):
    assert _hl103(check_json, repo, chart, extra, source) == []


def test_a_chart_folder_the_configuration_excludes_is_not_judged(check_json, repo):
    """homelint does not walk an excluded folder (templates are no YAML until Helm renders them):
    what is there is not known."""
    extra = {".homelint.yaml": "exclude:\n  - charts/\n"}
    assert _hl103(check_json, repo, "./charts/chart-a", extra) == []
    assert _hl103(check_json, repo, "./charts/chart-b", extra) == []


def test_a_packaged_chart_file_is_a_chart(check_json, repo):
    assert _hl103(check_json, repo, "./charts/chart-c-1.0.0.tgz", {"charts/chart-c-1.0.0.tgz": "not really gzip"}) == []


CHART_WITH_DEPENDENCY = (
    "apiVersion: v2\nname: chart-a\nversion: 1.0.0\ndependencies:\n  - name: lib-a\n    version: 1.x\n    repository: {}\n"
)
LIBRARY = "apiVersion: v2\nname: lib-a\nversion: 1.2.0\ntype: library\n"


def test_a_local_dependency_that_is_not_there_fails_the_chart(check_json, repo):
    """source-controller resolves a file:// dependency relative to the chart folder
    (DependencyManager.addLocalDependency: "no chart found at"): the HelmChart fails."""
    extra = {"charts/chart-a/Chart.yaml": CHART_WITH_DEPENDENCY.format("file://../lib-b")}
    (message,) = _hl103(check_json, repo, "./charts/chart-a", extra)
    assert message == (
        "dependency 'lib-a' of chart charts/chart-a (charts/chart-a/Chart.yaml:7: 'file://../lib-b', resolved to "
        "'charts/lib-b') does not exist in the repository: source-controller fails the HelmChart ('no chart found at') "
        "and the release never installs"
    )


@pytest.mark.parametrize(
    ("repository", "vendored"),
    [
        ("file://../lib-a", False),  # it is there
        ("https://charts.example.invalid", False),  # a remote one: not judged here
        ("file://../lib-b", True),  # charts/ holds the chart's dependencies: not resolved again
        ("file://../../../../elsewhere", False),  # out of the repository: not judged
    ],
    ids=["there", "remote", "vendored", "outside"],
)
def test_a_local_dependency_that_resolves_or_is_not_judged(check_json, repo, repository, vendored):
    extra = {"charts/chart-a/Chart.yaml": CHART_WITH_DEPENDENCY.format(repository), "charts/lib-a/Chart.yaml": LIBRARY}
    if vendored:
        extra["charts/chart-a/charts/lib-a/Chart.yaml"] = LIBRARY
    assert _hl103(check_json, repo, "./charts/chart-a", extra) == []
