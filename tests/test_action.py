"""The GitHub Action: actions pinned by commit SHA, inputs passed through env (never pasted into a
script), its own virtualenv, a category, fork pull requests skip the upload with a notice, and the
lint step's script itself run here with the diff-base input."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES, PROJECT


def action() -> dict:
    from homelint.loading.yamlload import parse_bytes

    return parse_bytes("action.yml", (PROJECT / "action.yml").read_bytes()).docs[0]


def step(name: str) -> dict:
    return next(s for s in action()["runs"]["steps"] if s.get("name") == name or s.get("id") == name)


def test_actions_are_pinned_to_commit_shas_of_current_majors():
    uses = [s["uses"] for s in action()["runs"]["steps"] if "uses" in s]
    assert uses and all(re.fullmatch(r"[\w-]+/[\w/-]+@[0-9a-f]{40}", u) for u in uses), uses
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    text = (PROJECT / "action.yml").read_text()
    assert "# v7." in text and "# v4." in text  # the tag each SHA is, for the reader and Dependabot


def test_inputs_reach_scripts_through_env_only():
    for s in action()["runs"]["steps"]:
        assert "${{" not in s.get("run", ""), s.get("name")  # expressions in a script are injectable
    assert {"category", "diff-base", "args", "path"} <= set(action()["inputs"])
    assert step("python")["with"]["update-environment"] is False  # the caller's Python is left alone
    assert "-m venv" in step("Install homelint")["run"]


def test_fork_pull_requests_skip_the_upload_with_a_notice():
    check = step("upload")
    env = {k: "" for k in ("FORK", "HEAD_REPO", "REPO", "ACTOR")}
    for case, expected in (
        ({"FORK": "true", "HEAD_REPO": "someone/fork", "REPO": "me/repo"}, "false"),
        ({"HEAD_REPO": "me/repo", "REPO": "me/repo"}, "true"),
        ({"REPO": "me/repo"}, "true"),  # a push
        ({"REPO": "me/repo", "ACTOR": "dependabot[bot]"}, "false"),
    ):
        out = Path(os.environ.get("TMPDIR", "/tmp")) / f"gh-output-{os.getpid()}"
        done = subprocess.run(
            ["bash", "-c", check["run"]],
            env={**os.environ, **env, **case, "GITHUB_OUTPUT": str(out)},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0
        assert out.read_text().strip() == f"ok={expected}"
        assert ("::notice" in done.stdout) == (expected == "false")
        out.unlink()
    upload = step("Upload SARIF")
    assert "steps.upload.outputs.ok == 'true'" in upload["if"]
    assert upload["with"]["category"] == "${{ inputs.category }}"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_lint_script_annotates_only_new_findings_with_diff_base(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "demo", repo)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)
    subprocess.run([*git, "branch", "-q", "base"], cwd=repo, check=True)
    homelint = tmp_path / "bin" / "homelint"
    homelint.parent.mkdir()
    homelint.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m homelint "$@"\n')
    homelint.chmod(0o755)

    def lint(**inputs: str) -> tuple[int, str, str]:
        out = tmp_path / "github-output"
        out.write_text("")
        env = {
            **os.environ,
            "HOMELINT": str(homelint),
            "LINT_PATH": str(repo),
            "ARGS": "",
            "DIFF_BASE": "",
            "CATEGORY": "homelint/test",
            "SARIF": str(tmp_path / "out.sarif"),
            "EVENT_NAME": "push",
            "BASE_REF": "",
            "GITHUB_OUTPUT": str(out),
            **inputs,
        }
        done = subprocess.run(["bash", "-c", step("lint")["run"]], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
        return int(outputs["exit"]), done.stdout, (tmp_path / "out.sarif").read_text()

    code, annotations, sarif = lint()
    assert code == 1 and "::error file=kubernetes/apps/default/paperless/ks.yaml" in annotations
    assert '"id": "homelint/test/"' in sarif
    code, annotations, _ = lint(DIFF_BASE="base")
    assert (code, annotations) == (0, "")  # nothing new since base
    secret = repo / "kubernetes/apps/default/echo/app/token.yaml"
    secret.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: token}\nstringData: {TOKEN: abc}\n")
    wiring = secret.parent / "kustomization.yaml"  # applied by Flux, so its leak is an error
    wiring.write_text(wiring.read_text() + "  - ./token.yaml\n")
    code, annotations, sarif = lint(DIFF_BASE="base", ARGS="--select HL4")
    assert code == 1 and annotations.count("::error") == 1 and "token.yaml" in annotations
    assert "echo/app/secret.yaml" not in annotations and "echo/app/secret.yaml" in sarif  # the SARIF: everything
    code, _, _ = lint(DIFF_BASE="no-such-branch")
    assert code == 2
