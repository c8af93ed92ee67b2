"""A build kustomize fails on applies nothing, and what a file it cannot read would have changed is
not known: findings that follow only from the model's guess at such a build stay silent, and the
failure itself is reported once (HL101)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import flux_ks, flux_root

CHILD = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-a\nspec:\n"
    "  interval: 1h\n  path: ./apps/ns-a/app-a/app\n  prune: true\n"
    "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n"
)
REPLACEMENT = (
    "source:\n  kind: Namespace\n  fieldPath: metadata.name\ntargets:\n  - select:\n      kind: Kustomization\n"
    "    fieldPaths:\n      - spec.targetNamespace\n    options:\n      create: true\n"
)
PATCH = "- op: add\n  path: /spec/targetNamespace\n  value: ns-a\n"
POD_READING_DATA_A = (  # a Pod of ns-a that mounts Secret data-a
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-a\n  namespace: ns-a\nspec:\n  containers:\n"
    "    - name: a\n      image: registry.invalid/a:1.0.0@sha256:" + "0" * 64 + "\n"
    "  volumes:\n    - name: v\n      secret: {secretName: data-a}\n"
)


def _tree(extra: str, files: dict[str, str] | None = None) -> dict[str, str]:
    """A root applying apps/, whose ns-a kustomization (with `extra` lines) applies the Flux
    Kustomization app-a; app-a's ConfigMap gets its namespace only from a targetNamespace."""
    return {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./ns-a\n",
        "apps/ns-a/kustomization.yaml": f"namespace: ns-a\n{extra}resources:\n  - ./namespace.yaml\n  - ./app-a/ks.yaml\n",
        "apps/ns-a/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/ns-a/app-a/ks.yaml": CHILD,
        "apps/ns-a/app-a/app/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata:\n  k: v\n",
        **(files or {}),
    }


def _rules(check_json: Any, repo: Any, files: dict[str, str]) -> list[str]:
    return sorted(f["rule"] for f in check_json(repo(files))[1] if f["severity"] == "error")


def test_without_a_target_namespace_the_child_objects_get_none(check_json, repo):
    """The control: nothing sets app-a's targetNamespace, so its ConfigMap has no namespace (HL110)."""
    assert _rules(check_json, repo, _tree("")) == ["HL110"]


@pytest.mark.parametrize(
    ("extra", "files"),
    [
        ("replacements:\n  - path: ../../parts/replacement.yaml\n", {"parts/replacement.yaml": REPLACEMENT}),
        ("patches:\n  - path: ../../parts/patch.yaml\n    target:\n      kind: Kustomization\n", {"parts/patch.yaml": PATCH}),
    ],
)
def test_a_file_that_sets_the_target_namespace_is_followed(check_json, repo, extra, files):
    assert _rules(check_json, repo, _tree(extra, files)) == []


@pytest.mark.parametrize(
    "extra",
    [
        "replacements:\n  - path: ../../parts/replacement.yaml\n",
        "patches:\n  - path: ../../parts/patch.yaml\n    target:\n      kind: Kustomization\n",
        "patchesStrategicMerge:\n  - ../../parts/patch.yaml\n",
        "components:\n  - ../../parts/component\n",
    ],
)
def test_a_missing_file_that_may_change_the_child_is_reported_alone(check_json, repo, extra):
    """kustomize fails the parent's build on the missing file, so app-a is never applied with the
    spec the model read; the file may have set its targetNamespace. HL101 only, no HL110."""
    assert _rules(check_json, repo, _tree(extra)) == ["HL101"]


def test_objects_of_a_build_with_a_missing_resource_are_not_judged_as_applied(check_json, repo):
    """kustomize fails the build on a missing resource: its ConfigMap is never applied, so its
    namespace (made by the missing file, most likely) is no HL113."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps") + "---\n" + flux_root("other", "./other").split("---\n", 1)[1],
        "apps/kustomization.yaml": "resources:\n  - ./namespace.yaml\n  - ./cm.yaml\n",
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\ndata:\n  k: v\n",
        "other/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-b\n",
    }
    assert _rules(check_json, repo, files) == ["HL101"]
    files["apps/kustomization.yaml"] = "resources:\n  - ./cm.yaml\n"
    assert _rules(check_json, repo, files) == ["HL113"]  # the control: the build applies the ConfigMap


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "generated-kustomization"])
def test_a_document_that_is_no_object_fails_the_build_and_nothing_of_it_is_judged_as_applied(check_json, repo, listed):
    """kustomize (and Flux's generated kustomization) fails on a YAML file that is no object
    ("missing Resource metadata"): HL004 alone, no HL110 for the ConfigMap beside it."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata:\n  k: v\n",
        "apps/values.yaml": "replicas: 2\nimage:\n  tag: v1\n",
    }
    if listed:
        files["apps/kustomization.yaml"] = "resources:\n  - ./cm.yaml\n  - ./values.yaml\n"
    assert _rules(check_json, repo, files) == ["HL004"]
    del files["apps/values.yaml"]
    if listed:
        files["apps/kustomization.yaml"] = "resources:\n  - ./cm.yaml\n"
    assert _rules(check_json, repo, files) == ["HL110"]  # the control: the build applies the ConfigMap


def test_a_resource_with_a_key_twice_fails_the_build_and_takes_nothing_from_another(check_json, repo):
    """kyaml decodes a resource with yaml.v3, which refuses a key twice in a mapping ('mapping key
    "namespace" already defined', kubectl kustomize 5.8.1): the second Kustomization applies
    nothing, so it fights no one over the ConfigMap both list (HL002 alone, no HL112)."""
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\ndata:\n  k: v\n"
    broken = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\n  namespace: ns-a\n  namespace: ns-a\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ks.yaml\n",
        "apps/ks.yaml": flux_ks("ks-a", "./deploy-a") + flux_ks("ks-b", "./deploy-b"),
        "deploy-a/kustomization.yaml": "resources:\n  - cm.yaml\n",
        "deploy-a/cm.yaml": configmap,
        "deploy-b/kustomization.yaml": "resources:\n  - ../deploy-a/cm.yaml\n  - broken.yaml\n",
        "deploy-b/broken.yaml": broken,
    }

    def found() -> list[str]:
        return sorted(f["rule"] for f in check_json(repo(files))[1] if f["severity"] != "info")

    assert found() == ["HL002"]
    files["deploy-b/broken.yaml"] = broken.replace("  namespace: ns-a\n  namespace", "  namespace")
    assert found() == ["HL112"]  # the control: both apply the ConfigMap


def test_a_duplicate_among_resources_is_reported_beside_a_missing_component(check_json, repo):
    """kustomize adds a kustomization's resources before its components and fails on the second
    copy ('already registered id'): a missing Component changes nothing of that (HL108 and HL101)."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\ndata:\n  k: v\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./a.yaml\n  - ./b.yaml\ncomponents:\n  - ../parts/missing\n",
        "apps/a.yaml": cm,
        "apps/b.yaml": cm,
    }
    assert _rules(check_json, repo, files) == ["HL101", "HL108"]


def test_health_checks_of_a_kustomization_whose_build_fails_are_not_judged(check_json, repo):
    """kustomize-controller stops at the failing build and waits for nothing: the HelmRelease the
    missing file would have applied is no dangling health check (HL101 alone)."""
    checks = (
        "  wait: false\n  healthChecks:\n    - apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n"
        "      name: rel-a\n      namespace: ns-a\n"
    )
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", checks),
        "apps/kustomization.yaml": "resources:\n  - ./namespace.yaml\n  - ./helmrelease.yaml\n",
        "apps/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
    }
    assert _rules(check_json, repo, files) == ["HL101"]


def test_a_namespace_a_missing_file_above_may_make_is_not_judged(check_json, repo):
    """The parent's build lists ./namespace.yaml, which is missing (HL101): that file may well be
    the Namespace the child applies into, so HL113 says nothing of it."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./namespace.yaml\n  - ./app-a.yaml\n  - ./other.yaml\n",
        "apps/other.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-b\n",
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", "  targetNamespace: ns-a\n"),
        "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata:\n  k: v\n",
    }
    assert _rules(check_json, repo, files) == ["HL101"]
    files["apps/kustomization.yaml"] = "resources:\n  - ./app-a.yaml\n  - ./other.yaml\n"
    assert _rules(check_json, repo, files) == ["HL113"]  # the control: nothing is missing, nothing makes ns-a


@pytest.mark.parametrize("in_base", [False, True])
def test_a_patch_of_a_kustomization_whose_resources_are_missing_is_not_judged(check_json, repo, in_base):
    """kustomize reads every resource before it runs a kustomization's patches and fails on a
    missing one ("accumulating resources"), which may be the patch's target: HL101 alone, whether
    the missing file is listed there or in a base it includes."""
    patch = (
        "patches:\n  - target: {kind: Deployment, name: app-a}\n    patch: |-\n      - op: add\n"
        "        path: /metadata/labels\n        value: {a: b}\n"
    )
    listing = "resources:\n  - ./base\n" if in_base else "resources:\n  - ./deployment.yaml\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": listing + patch,
    }
    if in_base:
        files["apps/base/kustomization.yaml"] = "resources:\n  - ./deployment.yaml\n"
    found = sorted(f["rule"] for f in check_json(repo(files))[1])
    assert found == ["HL101"]
    files = {"clusters/main/flux.yaml": files["clusters/main/flux.yaml"], "apps/kustomization.yaml": "resources: []\n" + patch}
    assert sorted(f["rule"] for f in check_json(repo(files))[1]) == ["HL115"]  # the control: nothing is missing


@pytest.mark.parametrize(
    ("volume", "rule"),
    [
        ("persistentVolumeClaim: {claimName: data-a}", "HL301"),
        ("secret: {secretName: data-a}", "HL401"),
        ("configMap: {name: data-a}", "HL405"),
    ],
)
def test_what_a_failing_build_uses_is_not_judged_unmade(check_json, repo, volume, rule):
    """The build lists ./made.yaml, which is missing (HL101): kustomize applies nothing of it, and
    that file may well make what the Pod uses, so HL301/HL401/HL405 say nothing of it."""
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-a\n  namespace: ns-a\nspec:\n  containers:\n"
        "    - name: a\n      image: registry.invalid/a:1.0.0@sha256:" + "0" * 64 + "\n"
        f"  volumes:\n    - name: v\n      {volume}\n"
    )
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./namespace.yaml\n  - ./pod.yaml\n  - ./made.yaml\n",
        "apps/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/pod.yaml": pod,
    }
    assert _rules(check_json, repo, files) == ["HL101"]
    files["apps/kustomization.yaml"] = "resources:\n  - ./namespace.yaml\n  - ./pod.yaml\n"
    assert _rules(check_json, repo, files) == [rule]  # the control: nothing is missing, nothing makes it


@pytest.mark.parametrize("rule", ["HL401", "HL405"])
def test_a_root_without_an_object_fails_on_a_missing_file_too(check_json, repo, rule):
    """A root given by `flux.roots` is no Kustomization object of the repository, yet kustomize
    fails its build on the missing ./app-b.yaml all the same: app-a is never applied, and that file
    may make what app-a substitutes from. Only HL101 (as under a bootstrap Kustomization's root)."""
    kind = "Secret" if rule == "HL401" else "ConfigMap"
    files = {
        ".homelint.yaml": "flux:\n  roots: [clusters/main]\n",
        "clusters/main/kustomization.yaml": "resources:\n  - ./app-a.yaml\n  - ./app-b.yaml\n",
        "clusters/main/app-a.yaml": flux_ks(
            "app-a", "./app-a", f"  postBuild:\n    substituteFrom:\n      - kind: {kind}\n        name: vars-a\n"
        ),
        "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: flux-system\ndata:\n  k: v\n",
    }
    assert _rules(check_json, repo, files) == ["HL101"]
    files["clusters/main/kustomization.yaml"] = "resources:\n  - ./app-a.yaml\n"
    assert _rules(check_json, repo, files) == [rule]  # the control: the build reads, nothing makes vars-a


def test_a_dependency_defined_nowhere_is_judged_beside_a_missing_file(check_json, repo):
    """The build that applies app-a lists ./app-b.yaml, which is missing (HL101). app-a's dependsOn
    app-b is still an error: a typo in dependsOn stays a defect once the file is restored; the
    message says that the missing file may be the dependency."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./app-a.yaml\n  - ./app-b.yaml\n",
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", "  dependsOn:\n    - name: app-b\n"),
        "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: flux-system\ndata:\n  k: v\n",
    }
    found = check_json(repo(files))[1]
    assert sorted((f["rule"], f["severity"]) for f in found) == [("HL101", "error"), ("HL105", "error")]
    assert next(f["message"] for f in found if f["rule"] == "HL105").endswith(", which may define it")
    files["apps/kustomization.yaml"] = "resources:\n  - ./app-a.yaml\n"
    found = check_json(repo(files))[1]
    assert [f["rule"] for f in found] == ["HL105"] and "may define it" not in found[0]["message"]  # the control


def test_a_source_defined_nowhere_is_judged_beside_a_missing_file(check_json, repo):
    """A HelmRelease whose build lists the missing ./source.yaml: its HelmRepository may be there,
    which the message says."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app-a\n  namespace: flux-system\n"
        "spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: chart-a\n      version: 1.0.0\n"
        "      sourceRef:\n        kind: HelmRepository\n        name: charts-a\n"
    )
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./release.yaml\n  - ./source.yaml\n",
        "apps/release.yaml": release,
    }
    found = check_json(repo(files))[1]
    assert sorted((f["rule"], f["severity"]) for f in found) == [("HL101", "error"), ("HL107", "error")]
    assert next(f["message"] for f in found if f["rule"] == "HL107").endswith(", which may define it")
    files["apps/kustomization.yaml"] = "resources:\n  - ./release.yaml\n"
    found = check_json(repo(files))[1]
    assert [f["rule"] for f in found] == ["HL107"] and "may define it" not in found[0]["message"]


def test_a_namespace_a_missing_file_beside_another_namespace_may_make_is_still_judged(check_json, repo):
    """HL113 is silent only when the missing file is listed beside the Kustomization's file (or
    above it): a missing file of another namespace's folder does not make ns-a."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./ns-a\n  - ./ns-b\n  - ./other.yaml\n",
        "apps/other.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-c\n",
        "apps/ns-a/kustomization.yaml": "resources:\n  - ./app-a.yaml\n",
        "apps/ns-a/app-a.yaml": flux_ks("app-a", "./app-a", "  targetNamespace: ns-a\n"),
        "apps/ns-b/kustomization.yaml": "resources:\n  - ./namespace.yaml\n",
        "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata:\n  k: v\n",
    }
    assert _rules(check_json, repo, files) == ["HL101", "HL113"]
    files["apps/ns-a/kustomization.yaml"] = "resources:\n  - ./namespace.yaml\n  - ./app-a.yaml\n"
    del files["apps/ns-b/kustomization.yaml"]
    files["apps/kustomization.yaml"] = "resources:\n  - ./ns-a\n  - ./other.yaml\n"
    assert _rules(check_json, repo, files) == ["HL101"]  # beside it: that file may be the Namespace


def test_a_user_beside_another_folders_missing_file_is_still_judged(check_json, repo):
    """Only a missing file listed beside the user's file (or above it) silences HL401: the root's
    build of apps/ also lists a missing file of folder ns-b, which does not make ns-a's Secret."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./ns-a\n  - ./ns-b\n",
        "apps/ns-a/kustomization.yaml": "resources:\n  - ./namespace.yaml\n  - ./pod.yaml\n",
        "apps/ns-a/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/ns-a/pod.yaml": POD_READING_DATA_A,
        "apps/ns-b/kustomization.yaml": "resources:\n  - ./made.yaml\n",
    }
    assert _rules(check_json, repo, files) == ["HL101", "HL401"]


HELM_RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app-a\n  namespace: ns-a\nspec:\n"
    "  interval: 1h\n  chart:\n    spec:\n      chart: chart-a\n      version: 1.0.0\n"
    "      sourceRef: {kind: HelmRepository, name: repo-a, namespace: flux-system}\n"
    "  valuesFrom:\n    - kind: ConfigMap\n      name: values-a\n"
)
HELM_REPOSITORY = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: repo-a\n"
    "  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://charts.invalid\n"
)


@pytest.mark.parametrize(
    ("overlay", "errors"),
    [
        ("resources:\n  - ../../base/app-a\n  - ./made.yaml\n", ["HL101"]),
        ("resources:\n  - ../../base/app-a\npatches:\n  - path: ./patch.yaml\n", ["HL101"]),
        ("resources:\n  - ../../base/app-a\n", ["HL405"]),
    ],
    ids=["missing-resource", "missing-patch", "control"],
)
def test_a_base_user_is_not_judged_when_its_overlay_lists_a_missing_file(check_json, repo, overlay, errors):
    """The base folder is not below the overlay, but the overlay's build includes it: a resource or
    patch file the overlay lists and lacks fails that build, and may be what makes or names the
    ConfigMap. The control: with nothing missing, nothing makes it (HL405)."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps/c1"),
        "apps/c1/kustomization.yaml": "resources:\n  - ./namespace.yaml\n  - ./repo.yaml\n  - ./app-a\n",
        "apps/c1/repo.yaml": HELM_REPOSITORY,
        "apps/c1/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/c1/app-a/kustomization.yaml": overlay,
        "apps/base/app-a/kustomization.yaml": "resources:\n  - ./helmrelease.yaml\n",
        "apps/base/app-a/helmrelease.yaml": HELM_RELEASE,
    }
    assert _rules(check_json, repo, files) == errors


EMPTY_OR_REFUSED = {
    "empty-kustomization": {
        "apps/kustomization.yaml": "resources:\n  - ./cm.yaml\n  - ./sub\n",
        "apps/sub/kustomization.yaml": "# nothing yet\n",
    },
    "refused-patch": {
        "apps/kustomization.yaml": (
            "resources:\n  - ./cm.yaml\npatches:\n  - target: {kind: ConfigMap}\n    patch: |-\n"
            "      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: cm-a}\n      data: {a: b}\n"
            "      ---\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: cm-b}\n      data: {a: b}\n"
        )
    },
}


@pytest.mark.parametrize("case", sorted(EMPTY_OR_REFUSED))
def test_a_build_kustomize_refuses_applies_nothing(check_json, repo, case):
    """kustomize fails the build on a listed kustomization that is empty ("kustomization.yaml is
    empty", HL101) and on a patches entry with several strategic-merge documents and a target
    (HL114): nothing of it is applied, so its ConfigMap's namespace is not judged (HL113), and the
    refused patch is not applied to it."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\ndata:\n  k: v\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps") + "---\n" + flux_ks("other", "./other"),
        "other/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-b\n",
        "apps/cm.yaml": cm,
        **EMPTY_OR_REFUSED[case],
    }
    assert _rules(check_json, repo, files) == ["HL101" if case == "empty-kustomization" else "HL114"]


@pytest.mark.parametrize(
    ("component", "ignore", "errors"),
    [
        ({}, "", ["HL101"]),
        ({"components/comp-a/cm.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-x\n"}, "", ["HL101"]),
        ({}, "  ignoreMissingComponents: true\n", ["HL401"]),
    ],
    ids=["missing-folder", "folder-without-kustomization", "ignored-when-missing"],
)
def test_a_user_of_a_build_whose_spec_components_fail_is_not_judged(check_json, repo, component, ignore, errors):
    """Flux adds spec.components to the kustomization at spec.path: a component folder kustomize
    cannot read fails the build, and it may be what makes the Secret. With
    ignoreMissingComponents a missing folder is dropped, the build applies, and nothing makes it."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./app-a.yaml\n",
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", "  components:\n    - ../components/comp-a\n" + ignore),
        "app-a/kustomization.yaml": "resources:\n  - ./namespace.yaml\n  - ./pod.yaml\n",
        "app-a/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "app-a/pod.yaml": POD_READING_DATA_A,
        **component,
    }
    assert _rules(check_json, repo, files) == errors


UNPARSEABLE_SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: data-a\n  namespace: ns-a\nstringData:\n  k: [v\n"


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "generated"])
def test_a_user_beside_a_file_that_does_not_parse_is_not_judged(check_json, repo, listed):
    """kustomize fails app-a's build on secret.yaml, which does not parse (HL001), whether its
    kustomization lists the file or Flux generates one listing every manifest of spec.path; and
    that file may be the Secret the Pod mounts. Only HL001, as for a missing file (HL101)."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./namespace.yaml\n  - ./app-a.yaml\n",
        "apps/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/app-a.yaml": flux_ks("app-a", "./app-a"),
        "app-a/pod.yaml": POD_READING_DATA_A,
        "app-a/secret.yaml": UNPARSEABLE_SECRET,
    }
    if listed:
        files["app-a/kustomization.yaml"] = "resources:\n  - ./pod.yaml\n  - ./secret.yaml\n"
    assert _rules(check_json, repo, files) == ["HL001"]
    files["app-a/secret.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\n  namespace: ns-a\ndata:\n  k: v\n"
    assert _rules(check_json, repo, files) == ["HL401"]  # the control: the file parses, and makes no Secret


COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - ./secret.yaml\n"


@pytest.mark.parametrize("included", ["spec-components", "components", "nested-components"])
def test_a_user_beside_a_component_file_that_does_not_parse_is_not_judged(check_json, repo, included):
    """The file that does not parse sits in a Component: Flux's spec.components (built into the
    kustomization at spec.path), the app's own `components:`, or a Component another one includes.
    kustomize fails app-a's whole build there ('accumulating components: ... MalformedYAMLError'),
    and the file may be the Secret the Pod mounts: only HL001 (chillincool's volsync claim)."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./namespace.yaml\n  - ./app-a.yaml\n",
        "apps/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/app-a.yaml": flux_ks("app-a", "./app-a"),
        "app-a/kustomization.yaml": "resources:\n  - ./pod.yaml\n",
        "app-a/pod.yaml": POD_READING_DATA_A,
        "components/comp-a/kustomization.yaml": COMPONENT,
        "components/comp-a/secret.yaml": UNPARSEABLE_SECRET,
    }
    if included == "spec-components":
        files["apps/app-a.yaml"] = flux_ks("app-a", "./app-a", "  components:\n    - ../components/comp-a\n")
    elif included == "components":
        files["app-a/kustomization.yaml"] += "components:\n  - ../components/comp-a\n"
    else:
        files["app-a/kustomization.yaml"] += "components:\n  - ../components/outer\n"
        files["components/outer/kustomization.yaml"] = (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncomponents:\n  - ../comp-a\n"
        )
    assert _rules(check_json, repo, files) == ["HL001"]
    files["components/comp-a/secret.yaml"] = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\n  namespace: ns-a\ndata:\n  k: v\n"
    )
    assert _rules(check_json, repo, files) == ["HL401"]  # the control: the file parses, and makes no Secret


def test_a_user_beside_another_folders_unparseable_file_is_still_judged(check_json, repo):
    """As for a missing file: a file of folder ns-b that does not parse does not make ns-a's Secret."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./ns-a\n  - ./ns-b\n",
        "apps/ns-a/kustomization.yaml": "resources:\n  - ./namespace.yaml\n  - ./pod.yaml\n",
        "apps/ns-a/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/ns-a/pod.yaml": POD_READING_DATA_A,
        "apps/ns-b/kustomization.yaml": "resources:\n  - ./secret.yaml\n",
        "apps/ns-b/secret.yaml": UNPARSEABLE_SECRET.replace("ns-a", "ns-b"),
    }
    assert _rules(check_json, repo, files) == ["HL001", "HL401"]


def test_a_document_without_api_version_builds_and_is_dropped(check_json, repo):
    """kustomize builds a document with a kind and a name but no apiVersion (kubectl kustomize
    v5.8.1); kustomize-controller drops it (fluxcd/pkg ssa ReadObjects keeps Kubernetes objects
    only). The build does not fail: the ConfigMap beside it is applied (HL110), and HL004 says what
    happens to the document."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./cm.yaml\n  - ./ns.yaml\n",
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata:\n  k: v\n",
        "apps/ns.yaml": "piVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
    }
    _, findings = check_json(repo(files))
    assert sorted(f["rule"] for f in findings) == ["HL004", "HL110"]
    (hl004,) = [f for f in findings if f["rule"] == "HL004"]
    assert hl004["message"].startswith("document 1 has no apiVersion: kustomize builds it, but kustomize-controller drops it")


def test_a_patch_of_a_document_without_api_version_is_not_said_to_match_nothing(check_json, repo):
    """kustomize builds the document and runs the build's patches on it (kubectl kustomize renames
    it); the model has no object of it, so whether a patch matches it is not judged (no HL115)."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": (
            "resources:\n  - ./ns.yaml\npatches:\n  - target: {kind: Namespace}\n"
            "    patch: |\n      - {op: replace, path: /metadata/name, value: ns-b}\n"
        ),
        "apps/ns.yaml": "piVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
    }
    _, findings = check_json(repo(files))
    assert sorted(f["rule"] for f in findings) == ["HL004"]


def test_two_objects_of_one_id_fail_the_build(check_json, repo):
    """Two files of one build define ConfigMap cm-b (HL108: kustomize fails with 'already registered
    id'): the build applies nothing, so its ConfigMap cm-a in a namespace nothing creates is no
    HL113 of its own; without the second copy it is."""
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-b\n",
        "apps/cm-a.yaml": configmap.format(name="cm-a", ns="ns-a"),
        "apps/one.yaml": configmap.format(name="cm-b", ns="ns-b"),
        "apps/two.yaml": configmap.format(name="cm-b", ns="ns-b"),
    }
    assert _rules(check_json, repo, files) == ["HL108"]
    del files["apps/two.yaml"]
    assert _rules(check_json, repo, files) == ["HL113"]  # the control: applied, into a namespace nothing creates


@pytest.mark.parametrize("where", ["flux", "kustomization"])
def test_an_inline_patch_kustomize_cannot_read_fails_the_build(check_json, repo, where):
    """damacus: an inline patch whose text is not YAML ('unable to parse SM or JSON patch', HL114),
    in the Flux Kustomization's spec.patches or a kustomization's patches: the build applies
    nothing, so its ConfigMap in a namespace nothing creates is no HL113 of its own."""
    bad = "  - target: {kind: ConfigMap}\n    patch: |\n      metadata:\n        labels: {a: b\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-b\n",
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\n",
        "apps/kustomization.yaml": "resources: [ns.yaml, cm.yaml]\n",
    }
    if where == "flux":
        files["clusters/main/flux.yaml"] = flux_root(
            "apps", "./apps", "  patches:\n" + "".join("  " + line + "\n" for line in bad.splitlines())
        )
    else:
        files["apps/kustomization.yaml"] += "patches:\n" + bad
    assert _rules(check_json, repo, files) == ["HL114"]
