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


HELM_DEFAULTS = """  patches:
    - target: {kind: Kustomization}
      patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: {name: any}
        spec:
          patches:
            - target: {kind: HelmRelease}
              patch: |-
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata: {name: any}
                spec:
                  upgrade:
                    driftDetection: {mode: enabled}
"""
RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: rel-a, namespace: default}\n"
    "spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: chart-a\n      version: 1.0.0\n"
    "      sourceRef: {kind: HelmRepository, name: repo-a, namespace: flux-system}\n"
)
REPOSITORY = (
    "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: repo-a, namespace: flux-system}\n"
    "spec: {interval: 1h, url: 'https://example.invalid/charts'}\n"
)


def _drift_line(repo, check_json, root_extra: str, listing: str, **files: str) -> tuple[str, str]:
    """(file, line) of the HL601 on the driftDetection field the defaults patch sets, in a tree
    whose root has `root_extra` spec lines and whose apps/ kustomization is `listing`."""
    root = repo(
        {
            "clusters/main/flux.yaml": GOTK + flux_ks("apps", "./apps", root_extra),
            "apps/kustomization.yaml": listing,
            "apps/app-a/ks.yaml": CHILD + REPOSITORY,
            "apps/app-a/app/hr.yaml": RELEASE,
            **files,
        }
    )
    _, found = check_json(root)
    [finding] = [f for f in found if f["rule"] == "HL601"]
    assert "unknown field 'driftDetection' in spec.upgrade" in finding["message"]
    line = (root / finding["path"]).read_text().splitlines()[finding["line"] - 1]
    assert line[finding["column"] - 1 :].startswith("driftDetection")
    return finding["path"], line.strip()


def test_a_field_a_patch_the_parents_patch_wrote_sets_is_reported_in_that_inner_patch(repo, check_json):
    """The parent's patch writes the child's spec.patches, whose inline patch sets the field: the
    finding points at the line in the inner block scalar, not at the child's metadata.name."""
    found = _drift_line(repo, check_json, HELM_DEFAULTS, LIST_CHILD)
    assert found == ("clusters/main/flux.yaml", "driftDetection: {mode: enabled}")


def test_a_field_a_patch_file_wrote_into_the_child_is_reported_in_that_file(repo, check_json):
    """The same patch kept in a file a kustomization lists: the line inside its block scalar."""
    patch_file = HELM_DEFAULTS.split("patch: |-\n", 1)[1]
    patch_file = "\n".join(line[8:] for line in patch_file.splitlines()) + "\n"
    listing = LIST_CHILD + "patches:\n  - path: defaults.yaml\n    target: {kind: Kustomization}\n"
    found = _drift_line(repo, check_json, "", listing, **{"apps/defaults.yaml": patch_file})
    assert found == ("apps/defaults.yaml", "driftDetection: {mode: enabled}")
