"""HL303 (info): a PersistentVolumeClaim nothing claims. A custom resource homelint has no consumer
row for may mount it with the core volume shape (`persistentVolumeClaim: {claimName: x}`) or
name it in a chart-style `existingClaim`: then it is not reported."""

from __future__ import annotations

import pytest

from .conftest import flux_root

PVC = (
    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: cache-a, namespace: ns-a}\n"
    "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n"
)


def _hl303(check_json, repo, user: str) -> list[str]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/pvc.yaml": PVC,
        "apps/user.yaml": user,
    }
    _, found = check_json(repo(files), "--select", "HL303")
    return [f["message"] for f in found]


@pytest.mark.parametrize(
    "spec",
    [
        "  extraVolumes:\n    - name: cache\n      persistentVolumeClaim: {claimName: cache-a}\n",
        "  modelCache: {existingClaim: cache-a}\n",
    ],
)
def test_a_claim_a_custom_resource_names_is_used(check_json, repo, spec):
    user = f"apiVersion: example.invalid/v1\nkind: Server\nmetadata: {{name: srv-a, namespace: ns-a}}\nspec:\n{spec}"
    assert _hl303(check_json, repo, user) == []


def test_a_claim_named_only_in_another_namespace_is_unused(check_json, repo):
    user = (
        "apiVersion: example.invalid/v1\nkind: Server\nmetadata: {name: srv-a, namespace: ns-b}\nspec:\n"
        "  volumes: [{persistentVolumeClaim: {claimName: cache-a}}]\n"
    )
    (message,) = _hl303(check_json, repo, user)
    assert message == "PersistentVolumeClaim 'cache-a' in namespace ns-a is claimed by no workload or HelmRelease"


RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a, namespace: ns-a}\nspec:\n"
    "  interval: 1h\n  chartRef: {kind: OCIRepository, name: chart-a}\n"
    "  postRenderers:\n    - kustomize:\n        patches:\n          - target: {kind: Deployment}\n            patch: |\nPATCH"
)


@pytest.mark.parametrize(
    ("patch", "used"),
    [
        (  # a JSON6902 operation that adds the volume
            "              - op: add\n                path: /spec/template/spec/volumes/-\n"
            "                value: {name: cache, persistentVolumeClaim: {claimName: cache-a}}\n",
            True,
        ),
        (  # a strategic-merge patch
            "              apiVersion: apps/v1\n              kind: Deployment\n              metadata: {name: app-a}\n"
            "              spec: {template: {spec: {volumes: [{name: cache, persistentVolumeClaim: {claimName: cache-a}}]}}}\n",
            True,
        ),
        ("              - op: add\n                path: /metadata/labels/a\n                value: b\n", False),  # the control
    ],
)
def test_a_claim_a_post_renderer_patch_mounts_is_used(check_json, repo, patch, used):
    """helm-controller runs a HelmRelease's post-renderer patches over what its chart renders: a
    claim a patch mounts is the release's."""
    assert (_hl303(check_json, repo, RELEASE.replace("PATCH", patch)) == []) is used
