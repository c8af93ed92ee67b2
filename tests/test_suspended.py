"""A Flux Kustomization suspended as Flux applies it (in its own file, or by a patch of the build
that applies it) does not reconcile: errors about what it builds are warnings that say so. So are
errors about what a suspended CronJob's pods read: it starts none."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import flux_ks, flux_root

SUSPEND_PATCH = (
    "  patches:\n    - target:\n        kind: Kustomization\n        labelSelector: example.io/retired=true\n"
    "      patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n"
    "        metadata:\n          name: any\n        spec:\n          suspend: true\n"
)
HELM_CHARTS = "helmCharts:\n  - name: chart-a\n    repo: https://charts.example.invalid\n    version: 1.0.0\n"


def _child(path: str, suspended: str) -> str:
    """Kustomization app-a of `path`, labelled retired; `suspended`: "own" sets spec.suspend."""
    text = flux_ks("app-a", path, "  suspend: true\n" if suspended == "own" else "")
    return text.replace("  name: app-a\n", "  name: app-a\n  labels:\n    example.io/retired: 'true'\n", 1)


def _severities(check_json: Any, repo: Any, rule: str, suspended: str, files: dict[str, str]) -> list[tuple[str, str]]:
    tree = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", SUSPEND_PATCH if suspended == "patch" else ""),
        "apps/kustomization.yaml": "resources:\n  - ./app-a.yaml\n",
        **files,
    }
    _, found = check_json(repo(tree))
    return [(f["severity"], f["message"]) for f in found if f["rule"] == rule]


@pytest.mark.parametrize("suspended", ["own", "patch"])
def test_a_missing_path_of_a_suspended_kustomization_is_a_warning(check_json, repo, suspended):
    files = {
        "apps/app-a.yaml": _child("./app-a/missing", suspended),
        "app-a/cm.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
    }
    ((severity, message),) = _severities(check_json, repo, "HL103", suspended, files)
    assert severity == "warning" and "Kustomization app-a is suspended (spec.suspend: true)" in message


@pytest.mark.parametrize("suspended", ["own", "patch"])
def test_helm_charts_in_a_suspended_kustomizations_build_are_a_warning(check_json, repo, suspended):
    files = {"apps/app-a.yaml": _child("./app-a", suspended), "app-a/kustomization.yaml": HELM_CHARTS}
    ((severity, message),) = _severities(check_json, repo, "HL111", suspended, files)
    assert severity == "warning" and "Kustomization flux-system/app-a is suspended" in message


def test_a_patch_that_selects_other_kustomizations_suspends_nothing_here(check_json, repo):
    """The control: app-a lacks the label the patch selects, so it reconciles and fails."""
    files = {"apps/app-a.yaml": flux_ks("app-a", "./app-a"), "app-a/kustomization.yaml": HELM_CHARTS}
    assert [s for s, _ in _severities(check_json, repo, "HL111", "patch", files)] == ["error"]


CRONJOB = (
    "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: job-a\n  namespace: flux-system\nspec:\n{suspend}"
    "  schedule: '0 * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
    "          restartPolicy: Never\n          containers:\n            - name: a\n"
    "              image: registry.invalid/a:1.0.0@sha256:" + "0" * 64 + "\n"
    "              env:\n                - name: TOKEN\n                  valueFrom:\n"
    "                    secretKeyRef: {{name: secret-a, key: token}}\n"
)


@pytest.mark.parametrize(("suspend", "severity"), [("  suspend: true\n", "warning"), ("", "error")])
def test_a_secret_only_a_suspended_cronjob_reads_is_a_warning(check_json, repo, suspend, severity):
    """A suspended CronJob starts no Job: the Secret nothing makes fails its pods only once it is
    resumed (held as a warning that says so). Not suspended, it is an error."""
    files = {"apps/kustomization.yaml": "resources:\n  - ./job.yaml\n", "apps/job.yaml": CRONJOB.format(suspend=suspend)}
    found = _severities(check_json, repo, "HL401", "", files)
    assert [s for s, _ in found] == [severity]
    assert ("CronJob job-a is suspended" in found[0][1]) == (severity == "warning")
