"""HL103 for the sync of a FluxInstance (or a flux-instance HelmRelease): flux-operator makes the
Kustomization flux-system/flux-system with the sync's path as spec.path, and kustomize-controller
fails it ('kustomization path not found') when this repository does not hold that folder: Flux
applies nothing of the cluster."""

from __future__ import annotations

import pytest

INSTANCE = (
    "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\n"
    "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n  sync:\n    kind: GitRepository\n"
    "    url: https://example.invalid/repo.git\n    ref: refs/heads/main\n    path: {path}\n"
)
RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: flux-instance\n  namespace: flux-system\n"
    "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: flux-instance}\n  values:\n    instance:\n"
    "      sync:\n        kind: GitRepository\n        url: https://example.invalid/repo.git\n        ref: refs/heads/main\n"
    "        path: {path}\n"
)


def _hl103(check_json, repo, template: str, path: str) -> list[tuple[str, int, str]]:
    files = {
        "clusters/main/instance.yaml": template.replace("{path}", path),
        "clusters/main/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\n",
    }
    _, found = check_json(repo(files))
    return [(f["path"], f["line"], f["message"]) for f in found if f["rule"] == "HL103"]


@pytest.mark.parametrize(("template", "line"), [(INSTANCE, 12), (RELEASE, 15)])
def test_a_sync_path_that_is_not_there_is_an_error(check_json, repo, template, line):
    ((path, at, message),) = _hl103(check_json, repo, template, "clusters/main-typo")
    assert (path, at) == ("clusters/main/instance.yaml", line)
    assert message.startswith("the sync path 'clusters/main-typo' does not exist in the repository: flux-operator makes")
    assert message.endswith("so Flux applies nothing of this cluster; did you mean 'clusters/main'?")


@pytest.mark.parametrize("template", [INSTANCE, RELEASE])
def test_a_sync_path_that_is_there_is_fine(check_json, repo, template):
    assert _hl103(check_json, repo, template, "clusters/main") == []
