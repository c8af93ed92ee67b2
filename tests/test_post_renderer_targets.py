"""HL115 for a HelmRelease post-renderer patch whose target's group or version holds a `/`
(`version: apps/v1`): helm-controller runs the patches with kustomize over what the chart renders
(adaptSelector copies group, version and kind into the selector), no object's group or version
holds a `/`, so the target selects nothing whatever the chart renders. Other targets are not
judged: homelint does not render charts."""

from __future__ import annotations

import pytest

from .conftest import flux_root

RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app-a\n  namespace: ns-a\nspec:\n"
    "  interval: 1h\n  chart:\n    spec:\n      chart: chart-a\n      version: 1.0.0\n"
    "      sourceRef:\n        kind: HelmRepository\n        name: repo-a\n"
    "  postRenderers:\n    - kustomize:\n        patches:\n          - target:\n{target}"
    "            patch: |-\n              - op: add\n                path: /metadata/labels/a\n                value: b\n"
)
SOURCE = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: repo-a\n  namespace: ns-a\n"
    "spec:\n  interval: 1h\n  url: https://charts.invalid\n"
)


@pytest.mark.parametrize(
    ("target", "found"),
    [
        ("version: apps/v1\nkind: Deployment", ("version", "group: apps, version: v1")),
        ("group: apps/v1\nkind: Deployment", ("group", "group: apps, version: v1")),
        ("group: apps\nversion: v1\nkind: Deployment", None),  # the control: what the chart renders is not known
        ("version: v1|apps/v1\nkind: Deployment", None),  # a regular expression that may match
    ],
)
def test_a_post_renderer_target_holding_an_api_version_changes_nothing(check_json, repo, target, found):
    lines = "".join(f"              {line}\n" for line in target.split("\n"))
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/release.yaml": RELEASE.format(target=lines) + "---\n" + SOURCE,
    }
    _, findings = check_json(repo(files), "--select", "HL115")
    if found is None:
        assert findings == []
        return
    key, fix = found
    (finding,) = findings
    assert (finding["path"], finding["line"], finding["severity"]) == ("apps/release.yaml", 19, "warning")
    assert f"({key} '{target.split(': ')[1].split(chr(10))[0]}' holds a '/'" in finding["message"]
    assert fix in finding["fix"]
