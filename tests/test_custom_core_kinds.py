"""A custom resource whose kind is `Secret` or `ConfigMap` (another API group: crossplane
providers define such kinds) is not the core object of that name: kustomize-controller's
`substituteFrom` and the kubelet's `envFrom` fetch the core v1 kinds by namespace and name only
(fluxcd/pkg kustomize_varsub.go loadVars: `corev1.Secret`, `corev1.ConfigMap`)."""

from __future__ import annotations

from typing import Any

from .conftest import flux_ks, flux_root

SOURCE = "  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: vars-a\n"
USER = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: flux-system\ndata:\n  say: '${GREETING}'\n"


def _custom(kind: str, name: str) -> str:
    return (
        f"apiVersion: app.example.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: flux-system\n"
        "spec:\n  forProvider: {name: x}\n"
    )


def _tree(maker: str, **extra: str) -> dict[str, str]:
    """A root applying apps/, whose Kustomization app-a substitutes from Secret vars-a; `maker`
    (in app-a's own build) is the only object named vars-a."""
    return {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./app-a.yaml\n",
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", SOURCE),
        "app-a/kustomization.yaml": "resources:\n  - ./maker.yaml\n  - ./cm.yaml\n",
        "app-a/maker.yaml": maker,
        "app-a/cm.yaml": USER,
        **extra,
    }


def _found(check_json: Any, repo: Any, files: dict[str, str]) -> list[tuple[str, str, str]]:
    _, found = check_json(repo(files))
    return sorted((f["rule"], f["severity"], f["message"]) for f in found if f["rule"] in ("HL201", "HL207", "HL401"))


def test_a_custom_resource_of_kind_secret_does_not_make_the_substitute_from_secret(check_json, repo):
    found = _found(check_json, repo, _tree(_custom("Secret", "vars-a")))
    assert [rule for rule, _, _ in found if rule == "HL207"] == []  # not "only its own build makes it"
    (missing,) = [m for rule, severity, m in found if rule == "HL401" and severity == "error"]
    assert (
        "substitutes variables from Secret 'vars-a' in namespace flux-system, which nothing in the repository produces" in missing
    )
    (info,) = [m for rule, _, m in found if rule == "HL201"]
    assert "Secret vars-a is not in the repository" in info  # not "defined only for namespace flux-system"


def test_the_core_secret_of_that_name_is_still_the_source(check_json, repo):
    core = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vars-a\n  namespace: flux-system\nstringData:\n  GREETING: hi\n"
    found = _found(check_json, repo, _tree(core))
    assert [rule for rule, _, _ in found] == ["HL207"]  # the core Secret is the source, made by its own build


def test_a_custom_resource_of_kind_configmap_is_no_values_source(check_json, repo):
    """(HL405 read the group before this change too: a control.)"""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app-b\n  namespace: flux-system\n"
        "spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: app-b\n      version: 1.0.0\n"
        "      sourceRef: {kind: HelmRepository, name: charts}\n"
        "  valuesFrom:\n    - kind: ConfigMap\n      name: values-b\n"
    )
    charts = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://charts.example.com\n"
    )
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./release.yaml\n  - ./charts.yaml\n  - ./values.yaml\n",
        "apps/release.yaml": release,
        "apps/charts.yaml": charts,
        "apps/values.yaml": _custom("ConfigMap", "values-b"),
    }
    _, found = check_json(repo(files))
    (missing,) = [f for f in found if f["rule"] == "HL405"]
    assert "values-b" in missing["message"] and missing["severity"] == "error"


def test_explain_names_the_api_of_a_custom_resource_of_a_core_kinds_name(repo, run, monkeypatch):
    root = repo(_tree(_custom("Secret", "vars-a")))
    monkeypatch.chdir(root)
    text = run("explain", "app-a/maker.yaml").output
    assert "\nSecret (app.example.io/v1alpha1) flux-system/vars-a (app-a/maker.yaml:1)" in text
    core = run("explain", "app-a/cm.yaml").output
    assert "\nConfigMap flux-system/cm-a (app-a/cm.yaml:1)" in core  # a core object keeps the short form
