"""A finding about a field of a Flux Kustomization that a patch of its parent's build set points at
that patch, where the value is written and the fix goes (as findings on objects a kustomize patch
changed already do), not at the child's own file."""

from __future__ import annotations

from pathlib import Path

from .conftest import GOTK, flux_ks

CHILD = flux_ks("app-a", "./apps/app-a/app")
CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\ndata: {a: b}\n"
LIST_CHILD = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [./app-a/ks.yaml]\n"


def tree(repo, parent_extra: str, child: str = CHILD) -> Path:
    return repo(
        {
            "clusters/main/flux.yaml": GOTK + flux_ks("apps", "./apps", parent_extra),
            "apps/kustomization.yaml": LIST_CHILD,
            "apps/app-a/ks.yaml": child,
            "apps/app-a/app/cm.yaml": CONFIG_MAP,
        }
    )


DEPENDS_PATCH = """  patches:
    - target: {kind: Kustomization}
      patch: |
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: {name: any}
        spec:
          dependsOn:
            - name: does-not-exist
"""


def test_a_dependency_the_parents_patch_adds_is_reported_at_the_patch(repo, check_json):
    root = tree(repo, DEPENDS_PATCH)
    _, found = check_json(root)
    [finding] = [f for f in found if f["rule"] == "HL105"]
    assert finding["path"] == "clusters/main/flux.yaml"
    lines = (root / "clusters/main/flux.yaml").read_text().splitlines()
    assert lines[finding["line"] - 1].strip() == "- name: does-not-exist"


def test_a_dependency_written_in_the_childs_file_stays_there(repo, check_json):
    child = CHILD + "  dependsOn:\n    - name: does-not-exist\n"
    _, found = check_json(tree(repo, "", child))
    [finding] = [f for f in found if f["rule"] == "HL105"]
    assert finding["path"] == "apps/app-a/ks.yaml"


def test_a_field_the_patch_did_not_set_stays_in_the_childs_file(repo, check_json):
    """The parent's patch sets spec.timeout; the dependency is the child's own."""
    timeout = DEPENDS_PATCH.replace("          dependsOn:\n            - name: does-not-exist\n", "          timeout: 5m\n")
    child = CHILD + "  dependsOn:\n    - name: does-not-exist\n"
    _, found = check_json(tree(repo, timeout, child))
    [finding] = [f for f in found if f["rule"] == "HL105"]
    assert finding["path"] == "apps/app-a/ks.yaml"
