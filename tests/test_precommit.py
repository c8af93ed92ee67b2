"""pre-commit: file arguments limit the report to findings in or caused by those files; the real
`pre-commit try-repo` installs this repository's hook and fails on a bad repo, passes a clean one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES, PROJECT


def test_file_arguments_report_findings_in_or_caused_by_those_files(run):
    demo = FIXTURES / "demo"
    ks = demo / "kubernetes/apps/default/paperless/ks.yaml"
    result = run("check", str(ks), "--no-cache", "--format", "json")
    assert [(f["rule"], f["path"]) for f in json.loads(result.stdout)] == [("HL105", "kubernetes/apps/default/paperless/ks.yaml")]
    kustomization = demo / "kubernetes/apps/default/echo/app/kustomization.yaml"
    result = run("check", str(kustomization), "--no-cache", "--format", "json")
    # the kustomization does not list pvc.yaml: the finding is in pvc.yaml but caused by this file
    assert [f["rule"] for f in json.loads(result.stdout)] == ["HL102"]


def _git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


@pytest.mark.skipif(not (PROJECT / ".git").exists() or shutil.which("git") is None, reason="needs a git checkout")
def test_pre_commit_try_repo_fails_on_bad_and_passes_on_clean(tmp_path):
    pre_commit = [sys.executable, "-m", "pre_commit"]
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PRE_COMMIT_COLOR": "never"}
    outcomes = {}
    for name in ("demo", "clean"):
        repo = tmp_path / name
        shutil.copytree(FIXTURES / name, repo)
        _git(repo, "init", "-q")
        _git(repo, "add", ".")
        _git(repo, "commit", "-qm", "fixture")
        done = subprocess.run(
            [*pre_commit, "try-repo", str(PROJECT), "homelint", "--all-files"],
            cwd=repo,
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
        outcomes[name] = done
    bad, good = outcomes["demo"], outcomes["clean"]
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "HL105" in bad.stdout and "paperless/ks.yaml:16:13" in bad.stdout
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
