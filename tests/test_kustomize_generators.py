"""configMapGenerator and secretGenerator as kustomize (v5.8.1) runs them, where kustomize accepts
or refuses what homelint read otherwise. Each case is checked against `kubectl kustomize` when it
is installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .conftest import flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {a: '${DOMAIN}', b: 'x${EMPTY}'}\n"

APP = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app-a, namespace: flux-system}
spec:
  interval: 1h
  path: ./apps/app-a
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild:
    substituteFrom: [{kind: ConfigMap, name: settings}]
"""


def kustomize(root: Path, folder: str) -> subprocess.CompletedProcess[str] | None:
    """`kubectl kustomize` of a folder of the repository, when kubectl is installed."""
    if KUBECTL is None:
        return None
    return subprocess.run([KUBECTL, "kustomize", str(root / folder)], capture_output=True, text=True, timeout=60)


def messages(findings: list[dict[str, object]], rule: str) -> list[str]:
    return [str(f["message"]) for f in findings if f["rule"] == rule]


def test_an_env_file_line_without_equals_is_a_key_with_an_empty_value(repo, check_json):
    """`EMPTY` (no `=`) is a key of the ConfigMap substituteFrom reads: ${EMPTY} is defined (no HL201)."""
    root = repo(
        {
            "clusters/c/sync.yaml": flux_root("flux-system", "./clusters/c"),
            "clusters/c/app.yaml": APP,
            "clusters/c/kustomization.yaml": (
                "resources: [sync.yaml, app.yaml]\nconfigMapGenerator:\n  - {name: settings, namespace: flux-system, envs: [settings.env]}\n"
                "generatorOptions: {disableNameSuffixHash: true}\n"
            ),
            "clusters/c/settings.env": "DOMAIN=example.com\n  EMPTY\n",
            "apps/app-a/kustomization.yaml": "resources: [cm.yaml]\n",
            "apps/app-a/cm.yaml": CM,
        }
    )
    _, findings = check_json(root)
    assert messages(findings, "HL201") == []
    built = kustomize(root, "clusters/c")
    if built is not None:
        assert '  DOMAIN: example.com\n  EMPTY: ""\n' in built.stdout, built.stderr


def test_an_unknown_behavior_is_create(repo, check_json):
    """kustomize reads a behavior it does not know as unspecified, which creates (no HL601)."""
    root = repo(
        {
            "clusters/c/sync.yaml": flux_root("app-a", "./apps/app-a"),
            "apps/app-a/kustomization.yaml": "configMapGenerator:\n  - {name: cm-a, namespace: ns-a, behavior: upsert, literals: [a=1]}\n",
        }
    )
    _, findings = check_json(root)
    assert messages(findings, "HL601") == []
    built = kustomize(root, "apps/app-a")
    if built is not None:
        assert built.returncode == 0 and "name: cm-a-" in built.stdout, built.stderr
