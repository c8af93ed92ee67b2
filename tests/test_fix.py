"""`homelint check --fix` / `--diff`: minimal text patches that keep comments, quoting and layout."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from homelint.cli import main

ROOT_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 1h
  targetNamespace: default
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""

WIDGET_BEFORE = """\
---
# a widget: comments stay
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w   # trailing comment
  labels:
    enabled: true     # keep me
    count: 3
    quoted: 'yes'
  annotations: {replicas: 2, note: "x"}
spec:
  size: 1
"""

WIDGET_AFTER = """\
---
# a widget: comments stay
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w   # trailing comment
  labels:
    enabled: "true"     # keep me
    count: "3"
    quoted: 'yes'
  annotations: {replicas: "2", note: "x"}
spec:
  size: 1
"""

CM_BEFORE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm  # homelint: ignore[HL101] -- stale
  # homelint: ignore[HL604]
  labels:
    app: cm
data:
  a: b  # homelint: ignore[HL402] -- gone # a note that stays
"""

CM_AFTER = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  labels:
    app: cm
data:
  a: b  # a note that stays
"""


def make_repo(root: Path, files: dict[str, str]) -> Path:
    files = {
        ".homelint.yaml": "flux:\n  roots: [cluster]\n",
        "cluster/apps.yaml": ROOT_KS,
        "apps/kustomization.yaml": "resources:\n" + "".join(f"  - ./{Path(p).name}\n" for p in files),
        **{f"apps/{name}": text for name, text in files.items()},
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / ".git").mkdir()
    return root


def check(root: Path, *args: str):
    return CliRunner().invoke(main, ["check", str(root), "--no-cache", "-q", *args], catch_exceptions=False)


def rules_of(root: Path) -> list[str]:
    result = check(root, "--format", "json")
    return sorted(f["rule"] for f in json.loads(result.stdout))


def test_hl604_quotes_values_and_keeps_everything_else(tmp_path):
    root = make_repo(tmp_path, {"widget.yaml": WIDGET_BEFORE})
    assert rules_of(root).count("HL604") == 3
    result = check(root, "--fix")
    assert (root / "apps/widget.yaml").read_text() == WIDGET_AFTER
    assert "Fixed 3 findings in 1 file (apps/widget.yaml)" in result.stderr
    assert "HL604" not in rules_of(root)


def test_diff_changes_nothing(tmp_path):
    root = make_repo(tmp_path, {"widget.yaml": WIDGET_BEFORE})
    result = check(root, "--diff")
    assert result.exit_code == 1
    assert "-    enabled: true     # keep me\n" in result.stdout
    assert '+    enabled: "true"     # keep me\n' in result.stdout
    assert result.stdout.startswith("--- a/apps/widget.yaml\n+++ b/apps/widget.yaml\n")
    assert (root / "apps/widget.yaml").read_text() == WIDGET_BEFORE
    assert "Would fix 3 findings in 1 file." in result.stderr


def test_hl005_removes_unused_suppressions(tmp_path):
    root = make_repo(tmp_path, {"cm.yaml": CM_BEFORE})
    assert rules_of(root).count("HL005") == 3
    result = check(root, "--fix")
    assert (root / "apps/cm.yaml").read_text() == CM_AFTER
    assert "Fixed 3 findings in 1 file" in result.stderr and "; 0 findings left." in result.stderr
    assert result.exit_code == 0


def test_hl005_keeps_a_comment_that_still_suppresses(tmp_path):
    text = CM_BEFORE.replace("  name: cm  # homelint: ignore[HL101] -- stale\n", "  name: cm\n").replace(
        "    app: cm\n", "    app: cm\n    on: true  # homelint: ignore[HL601, HL101] -- half used\n"
    )
    root = make_repo(tmp_path, {"cm.yaml": text})
    before = rules_of(root)
    assert before.count("HL005") == 3  # own-line HL604, HL402, and HL101 of the half-used comment
    check(root, "--fix")
    after = (root / "apps/cm.yaml").read_text()
    assert "# homelint: ignore[HL601, HL101] -- half used" in after  # still suppresses HL601
    assert "on: true" in after  # a suppressed finding is not fixed
    assert "ignore[HL604]" not in after and "ignore[HL402]" not in after


def test_symlink_is_not_written_through(tmp_path):
    root = make_repo(tmp_path / "repo", {"widget.yaml": WIDGET_BEFORE})
    real = root / "apps" / "real-widget.yaml"
    os.replace(root / "apps/widget.yaml", real)
    (root / "apps/widget.yaml").symlink_to(real.name)
    (root / "apps/kustomization.yaml").write_text("resources:\n  - ./widget.yaml\n")
    result = check(root, "--fix")
    assert real.read_text() == WIDGET_BEFORE
    assert "apps/widget.yaml: a symlink, not written through" in result.stderr
    assert "Fixed 0 findings in 0 files" in result.stderr


def test_atomic_write_keeps_the_mode(tmp_path):
    root = make_repo(tmp_path, {"widget.yaml": WIDGET_BEFORE})
    target = root / "apps/widget.yaml"
    target.chmod(0o640)
    check(root, "--fix")
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []


def test_a_fix_that_would_change_other_data_is_refused(tmp_path):
    from homelint.fix import _verified

    before = "metadata:\n  labels:\n    a: true\n"
    assert _verified("x.yaml", before, before.replace("true", '"true"'), ["true"])
    assert not _verified("x.yaml", before, before.replace("a: true", 'b: "true"'), ["true"])
    assert not _verified("x.yaml", before, before.replace("true", '"true" # x\n  b: 1'), ["true"])


@pytest.mark.parametrize("rule", ["HL005", "HL604"])
def test_rules_show_fixable(rule, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    listing = json.loads(CliRunner().invoke(main, ["rules", "--format", "json"]).output)
    fixable = {r["id"] for r in listing if r["fixable"]}
    assert rule in fixable and "HL101" not in fixable
    text = CliRunner().invoke(main, ["rules"]).output
    assert "[fixable: --fix]" in next(line for line in text.splitlines() if line.startswith(rule))


def test_hl601_string_map_findings_are_quoted_too(tmp_path):
    before = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    on: 1.5  # why\ndata:\n  a: b\n"
    root = make_repo(tmp_path, {"c.yaml": before})
    assert "HL601" in rules_of(root)
    check(root, "--fix")
    assert (root / "apps/c.yaml").read_text() == before.replace("on: 1.5", 'on: "1.5"')


def test_crlf_and_bare_ignore(tmp_path):
    before = "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c  # homelint: ignore\r\ndata:\r\n  a: b\r\n"
    root = make_repo(tmp_path, {"c.yaml": ""})
    (root / "apps/c.yaml").write_bytes(before.encode())
    check(root, "--fix")
    assert (root / "apps/c.yaml").read_bytes() == before.replace("  # homelint: ignore", "").encode()
