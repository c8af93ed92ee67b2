"""The Kustomization flux-operator makes for a FluxInstance's sync, after the instance's kustomize
patches: flux-operator appends spec.kustomize.patches (the flux-instance chart's
instance.kustomize.patches) to the kustomization that builds the instance, sync.yaml included. A
patch that surely selects the sync is applied (model.flux.patched_sync) and the sync is judged as
any Flux Kustomization; one the model cannot follow leaves its spec unknown, and nothing is said."""

from __future__ import annotations

import pytest

from homelint.model.flux import patched_sync, sync_kustomization
from homelint.model.sources import SourceRef

SUBSTITUTE = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: not-used\n"
    "spec:\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: vars-a\n"
)
TARGET = "{group: kustomize.toolkit.fluxcd.io, kind: Kustomization}"


def _instance(patch: str = SUBSTITUTE, target: str | None = TARGET) -> str:
    body = "".join(f"          {line}\n" for line in patch.splitlines())
    return (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  distribution:\n    version: 2.x\n    registry: ghcr.io/fluxcd\n"
        "  components: [source-controller, kustomize-controller]\n"
        "  sync:\n    kind: GitRepository\n    url: https://example.invalid/repo.git\n    ref: refs/heads/main\n    path: apps\n"
        "  kustomize:\n    patches:\n      - patch: |-\n" + body + (f"        target: {target}\n" if target is not None else "")
    )


def _tree(instance: str) -> dict[str, str]:
    """The instance (applied by hand) syncs apps/, whose own build makes the ConfigMap vars-a."""
    return {
        "clusters/main/instance.yaml": instance,
        "apps/kustomization.yaml": "resources:\n  - ./vars-a.yaml\n",
        "apps/vars-a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars-a\n  namespace: flux-system\ndata:\n  K: v\n",
    }


def _hl207(check_json, repo, instance: str) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in check_json(repo(_tree(instance)))[1] if f["rule"] == "HL207"]


def test_a_patch_that_adds_a_source_only_the_sync_makes_is_hl207_at_the_instance(check_json, repo):
    """The sync reads vars-a before it applies anything, and only its own build makes it: reported
    at the instance's patches (the sync has no file of its own)."""
    assert _hl207(check_json, repo, _instance()) == [("clusters/main/instance.yaml", 17)]


def test_a_target_less_patch_naming_the_sync_is_applied_too(check_json, repo):
    named = SUBSTITUTE.replace("name: not-used", "name: flux-system\n  namespace: flux-system")
    assert _hl207(check_json, repo, _instance(named, target=None)) == [("clusters/main/instance.yaml", 17)]


@pytest.mark.parametrize(
    ("patch", "target"),
    [
        pytest.param(SUBSTITUTE, "{kind: Kustomization, labelSelector: 'a=b'}", id="label-selector"),
        pytest.param(SUBSTITUTE, "{kind: Kustomization, name: '${NAME}'}", id="variable-target"),
        pytest.param(SUBSTITUTE.replace("  postBuild:", "  path: ./other\n  postBuild:"), TARGET, id="moves-the-path"),
        pytest.param("- op: replace\n  path: /spec/wait\n  value: true\n", TARGET, id="fails-on-the-sync"),
        pytest.param(SUBSTITUTE, "{kind: Kustomization, name: other}", id="selects-another"),
    ],
)
def test_a_patch_the_model_cannot_follow_or_that_selects_another_says_nothing(check_json, repo, patch, target):
    assert _hl207(check_json, repo, _instance(patch, target)) == []


def test_patched_sync_applies_json6902_and_strategic_merge_and_refuses_what_it_cannot_follow():
    base = sync_kustomization(SourceRef("GitRepository", "flux-system", "flux-system"), "apps")
    add = {"patch": "- op: add\n  path: /spec/wait\n  value: true\n", "target": {"kind": "Kustomization"}}
    merged = patched_sync(base, [add], "flux-system", "flux-system")
    assert merged is not None and merged["spec"]["wait"] is True and base["spec"].get("wait") is None
    unparsable = {"patch": "spec: [", "target": {"kind": "Kustomization"}}
    assert patched_sync(base, [unparsable], "flux-system", "flux-system") is None
    renames = {"patch": "- op: replace\n  path: /metadata/name\n  value: x\n", "target": {"kind": "Kustomization"}}
    assert patched_sync(base, [renames], "flux-system", "flux-system") is None
    deployment = {"patch": "- op: add\n  path: /spec/replicas\n  value: 2\n", "target": {"kind": "Deployment"}}
    assert patched_sync(base, [deployment], "flux-system", "flux-system") == base


def test_a_flux_instance_manifest_that_names_the_sync_folder_applies_nothing_by_hand(check_json, repo):
    """The instance's sync.path names apps/: that is no bootstrap applying vars-a first (the
    instance file is a manifest, not a script), so HL207 stands; a script that applies it is one."""
    files = _tree(_instance())
    assert len([f for f in check_json(repo(files))[1] if f["rule"] == "HL207"]) == 1
    files["scripts/bootstrap.sh"] = "#!/bin/sh\nkubectl apply -f apps/vars-a.yaml\n"
    assert [f for f in check_json(repo(files))[1] if f["rule"] == "HL207"] == []
