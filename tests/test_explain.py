"""`homelint explain FILE[:LINE]`: the Flux chain to an object, or the first missing link."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from homelint.cli import main

ROOT_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: cluster-apps
  namespace: flux-system
spec:
  interval: 1h
  path: ./kubernetes/apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""

DEMO_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: demo
  namespace: flux-system
spec:
  interval: 1h
  path: ./kubernetes/apps/demo/app
  prune: true
  targetNamespace: demo
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substitute:
      APP: demo
    substituteFrom:
      - kind: ConfigMap
        name: cluster-settings
"""

SETTINGS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-settings
  namespace: flux-system
data:
  DOMAIN: example.com
"""

REMOTE_KS = (
    DEMO_KS.replace("name: demo\n", "name: remote\n", 1)
    .replace("./kubernetes/apps/demo/app", "./kubernetes/apps/other")
    .replace("name: flux-system\n  postBuild", "name: elsewhere\n  postBuild")
)


def cm(name: str, extra: str = "") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{extra}data:\n  a: b\n"


def make_repo(root: Path) -> Path:
    files = {
        ".homelint.yaml": "flux:\n  roots: [kubernetes/flux/cluster]\n",
        "kubernetes/flux/cluster/ks.yaml": ROOT_KS,
        "kubernetes/apps/kustomization.yaml": "resources:\n  - ./demo/ks.yaml\n  - ./remote.yaml\n  - ./settings.yaml\n",
        "kubernetes/apps/settings.yaml": SETTINGS,
        "kubernetes/apps/demo/ks.yaml": DEMO_KS,
        "kubernetes/apps/remote.yaml": REMOTE_KS,
        "kubernetes/apps/demo/app/kustomization.yaml": "resources:\n  - ./cm.yaml\n",
        "kubernetes/apps/demo/app/cm.yaml": cm("demo", "  labels:\n    enabled: true\n") + "---\n" + cm("second"),
        "kubernetes/apps/demo/app/orphan.yaml": cm("orphan"),
        "kubernetes/apps/other/cm.yaml": cm("other"),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / ".git").mkdir()
    return root


def run(root: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["explain", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_chain_namespace_variables_and_findings(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    data = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml:5", "--format", "json"))
    assert [o["name"] for o in data["objects"]] == ["demo"]
    (applied,) = data["objects"][0]["applied"]
    assert applied["namespace"] == "demo"
    names = [hop["name"] for hop in applied["chain"]]
    assert names[1:] == ["flux-system/cluster-apps", "flux-system/demo"]
    assert applied["chain"][-1]["location"] == "kubernetes/apps/demo/ks.yaml:4"
    assert applied["kustomizations"][0]["file"] == "kubernetes/apps/demo/app/kustomization.yaml"
    assert applied["variables"] == {"APP": "substitute", "DOMAIN": "ConfigMap cluster-settings"}
    assert applied["substitute_from"][0]["files"] == ["kubernetes/apps/settings.yaml"]
    assert any(f["line"] == 6 for f in data["objects"][0]["findings"])


def test_line_selects_the_document(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    data = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml:12", "--format", "json"))
    assert [o["name"] for o in data["objects"]] == ["second"]
    assert data["objects"][0]["findings"] == []
    every = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml", "--format", "json"))
    assert [o["name"] for o in every["objects"]] == ["demo", "second"]


def test_missing_link_unlisted_file(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/apps/demo/app/orphan.yaml")
    assert "not applied by Flux: kubernetes/apps/demo/app/kustomization.yaml does not list orphan.yaml" in text


def test_missing_link_remote_source(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    data = json.loads(run(root, "kubernetes/apps/other/cm.yaml", "--format", "json"))
    missing = data["objects"][0]["missing"]
    assert "flux-system/remote" in missing and "not this repository" in missing
