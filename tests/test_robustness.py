"""Bad input never crashes homelint: each is a located finding and the rest is still linted."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from .conftest import FIXTURES, fresh_process_json


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".homelint_cache"):
            continue
        h.update(rel.encode())
        if path.is_file() and not path.is_symlink():
            h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture
def hostile(repo, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {a: b}\n")
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    root = repo(
        {
            "kubernetes/apps/default/bad/syntax.yaml": "a: [1\n",
            "kubernetes/apps/default/bad/anchor.yaml": "a: *nothing\n",
            "kubernetes/apps/default/bad/bomb.yaml": "\n".join(lines) + "\n",
            "kubernetes/apps/default/bad/deep.yaml": "a: " + "[" * 20000 + "]" * 20000 + "\n",
            "kubernetes/apps/default/bad/list.yaml": "- 1\n- 2\n",
            "kubernetes/apps/default/bad/scalar.yaml": "hello\n",
            "kubernetes/apps/default/bad/types.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: []\nspec: x\n---\n"
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: h}\nspec: x\n---\n"
            "? [a]\n: 1\n---\n~\n---\n",
            "kubernetes/apps/default/bad/template.yaml": "name: {{ .Values.name }}\n{% if x %}\n",
            "kubernetes/apps/default/bad/sub/kustomization.yaml": "resources: [./nope.yaml, 42, {a: b}]\npatches: x\n",
            # a second root builds the hostile folder, so build errors in it are Flux's to hit
            ".homelint.yaml": (FIXTURES / "demo/.homelint.yaml")
            .read_text()
            .replace("roots: [kubernetes/flux/cluster]", "roots: [kubernetes/flux/cluster, kubernetes/apps/default/bad]"),
        },
        base="demo",
    )
    bad = root / "kubernetes/apps/default/bad"
    (bad / "binary.yaml").write_bytes(b"\x00\x01\x02\xff" * 100)
    (bad / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    (bad / "big.yaml").write_bytes(b"a: " + b"x" * (50 * 1024 * 1024) + b"\n")
    os.symlink(outside, bad / "outside.yaml")
    os.symlink(bad / "loop-a.yaml", bad / "loop-b.yaml")
    os.symlink(bad / "loop-b.yaml", bad / "loop-a.yaml")
    os.symlink(bad, bad / "self")  # a directory loop
    unreadable = bad / "unreadable.yaml"
    unreadable.write_text("a: 1\n")
    unreadable.chmod(0)
    yield root
    unreadable.chmod(0o644)


def test_hostile_repo_is_linted_with_located_findings(check_json, hostile):
    before = tree_digest(hostile)
    code, findings = check_json(hostile)
    assert code == 1
    by_file = {}
    for f in findings:
        by_file.setdefault(f["path"].rsplit("/", 1)[-1], []).append(f)
        assert f["line"] >= 1 and f["column"] >= 1
    for name in ("syntax.yaml", "anchor.yaml", "bomb.yaml", "deep.yaml", "binary.yaml", "latin1.yaml", "big.yaml"):
        assert any(f["rule"] == "HL001" for f in by_file[name]), name
    assert any(f["rule"] == "HL006" and "outside" in f["message"] for f in by_file["outside.yaml"])
    assert any(f["rule"] == "HL006" for f in by_file["loop-a.yaml"])
    # the rest of the repository is still linted: the demo's planted defects are all there
    assert {"HL101", "HL102", "HL105", "HL201", "HL301", "HL401", "HL402", "HL501", "HL601", "HL602"} <= {
        f["rule"] for f in findings
    }
    assert "correct-horse" not in str(findings)
    assert tree_digest(hostile) == before


def test_check_and_graph_write_nothing_in_the_repository(run, repo):
    root = repo({}, base="demo")
    before = tree_digest(root)
    run("check", str(root), "--format", "sarif")
    run("check", str(root))
    run("graph", str(root))
    assert tree_digest(root) == before
    assert {p.name for p in root.iterdir()} == {p.name for p in (FIXTURES / "demo").iterdir()}


def test_symlink_inside_the_repo_is_read(check_json, repo):
    root = repo({}, base="demo")
    target = root / "kubernetes/apps/default/echo/app/secret.yaml"
    os.symlink(target, root / "kubernetes/apps/default/echo/app/secret-link.yaml")
    _, findings = check_json(root)
    assert any(f["rule"] == "HL402" and f["path"].endswith("secret-link.yaml") for f in findings)


def test_unreadable_file_is_a_located_finding_and_the_rest_is_linted(check_json, repo, unreadable):
    root = repo({}, base="demo")
    target = root / "kubernetes/apps/default/echo/app/helmrelease.yaml"
    unreadable(target)
    _, findings = check_json(root)
    on_it = [f for f in findings if f["path"].endswith("echo/app/helmrelease.yaml")]
    assert [(f["rule"], f["line"], f["message"]) for f in on_it] == [("HL006", 1, "file not readable: Permission denied")]
    assert {"HL105", "HL301", "HL401"} <= {f["rule"] for f in findings}


def test_hostile_repo_in_a_fresh_process_matches_one_process(hostile):
    """A fresh process walks in a forked child: symlinks, loops and unreadable files must come out the same."""
    before = tree_digest(hostile)
    forked = fresh_process_json(hostile)
    assert forked == fresh_process_json(hostile, HOMELINT_JOBS="1")
    assert '"HL006"' in forked and '"HL001"' in forked
    assert tree_digest(hostile) == before


FUZZ_CRASHES = sorted((Path(__file__).parent / "data" / "fuzz").glob("*.yaml"))


@pytest.mark.parametrize("crash", FUZZ_CRASHES, ids=[p.name for p in FUZZ_CRASHES])
def test_inputs_the_fuzzer_once_crashed_on(run, check_json, repo, crash):
    """Each input bench/fuzz.py once failed on, as a manifest (located findings, no internal error)
    and as the config (a one-line config error or a run, never a traceback)."""
    data = crash.read_bytes()
    root = repo({}, base="demo")
    (root / "kubernetes/apps/default/echo/app/fuzzed.yaml").write_bytes(data)
    _, findings = check_json(root)
    assert all(f["rule"] != "HL000" and f["line"] >= 1 and f["column"] >= 1 for f in findings)
    (root / ".homelint.yaml").write_bytes(data)
    result = run("check", str(root), "--no-cache")
    assert result.exit_code in (0, 1, 2) and "internal error" not in result.stderr and "Traceback" not in result.output
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1
