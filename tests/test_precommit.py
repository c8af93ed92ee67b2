"""pre-commit: file arguments limit the report to findings in or caused by those files (in git: new
relative to HEAD, wherever they land); `--diff-base REF` reports only what is new relative to REF;
the real `pre-commit try-repo` installs this repository's hook, fails on a bad repo, passes a clean
one, and runs on a commit that only deletes a file."""

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


ESO_KS = "kubernetes/apps/external-secrets/external-secrets/ks.yaml"
PAPERLESS_KS = "kubernetes/apps/default/paperless/ks.yaml"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def committed(repo, base: str = "clean", **files: str) -> Path:
    root = repo(files, base=base)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    return root


def findings(run, *args: str) -> list[tuple[str, str]]:
    result = run("check", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return sorted((f["rule"], f["path"]) for f in json.loads(result.stdout))


@needs_git
def test_renaming_a_kustomization_reports_the_dependsOn_it_breaks_in_other_files(run, repo):
    root = committed(repo)
    ks = root / ESO_KS
    ks.write_text(ks.read_text().replace("name: external-secrets\n", "name: external-secrets-operator\n", 1))
    assert findings(run, str(ks)) == [("HL105", PAPERLESS_KS)]
    assert findings(run, str(root / PAPERLESS_KS)) == [("HL105", PAPERLESS_KS)]  # in the file: shown too
    # in git, file arguments also show every finding new since HEAD: the change being committed caused it
    assert findings(run, str(root / "kubernetes/apps/default/echo/ks.yaml")) == [("HL105", PAPERLESS_KS)]


@needs_git
def test_diff_base_reports_only_findings_new_since_the_revision(run, repo):
    root = committed(repo, base="demo")
    everything = findings(run, str(root), "--no-cache")
    assert len(everything) > 5
    assert findings(run, str(root), "--diff-base", "HEAD") == []
    secret = "kubernetes/apps/default/echo/app/token.yaml"
    (root / secret).write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: token}\nstringData: {TOKEN: abc}\n")
    assert findings(run, str(root), "--diff-base", "HEAD") == [("HL102", secret), ("HL402", secret)]
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "token")
    assert findings(run, str(root), "--diff-base", "HEAD") == []
    assert findings(run, str(root), "--diff-base", "HEAD~1") == [("HL102", secret), ("HL402", secret)]
    text = run("check", str(root), "--diff-base", "HEAD", "--color", "never").output
    assert "already had are not shown (--diff-base)" in text


@needs_git
def test_a_deletion_is_checked_against_head(run, repo):
    root = committed(repo)
    _git(root, "rm", "-q", ESO_KS)
    # what pre-commit runs when a commit only deletes a file (always_run, no file arguments)
    assert ("HL105", PAPERLESS_KS) in findings(run, str(root), "--diff-base", "HEAD")
    assert findings(run, str(root), "--diff-base", "HEAD", "--no-cache") == findings(run, str(root), "--diff-base", "HEAD")


@needs_git
def test_diff_base_in_a_subfolder_of_a_monorepo(run, tmp_path):
    mono = tmp_path / "mono"
    shutil.copytree(FIXTURES / "clean", mono / "infra" / "cluster")
    (mono / "README.md").write_text("monorepo\n")
    _git(mono, "init", "-q")
    _git(mono, "add", ".")
    _git(mono, "commit", "-qm", "base")
    ks = mono / "infra/cluster" / ESO_KS
    ks.write_text(ks.read_text().replace("name: external-secrets\n", "name: eso\n", 1))
    assert findings(run, str(mono / "infra/cluster"), "--diff-base", "HEAD") == [("HL105", PAPERLESS_KS)]
    assert findings(run, str(ks)) == [("HL105", PAPERLESS_KS)]


def test_diff_base_errors_are_one_line_exit_2(run, repo, tmp_path):
    outside = repo({}, base="clean")
    if (
        shutil.which("git") is not None
        and subprocess.run(["git", "-C", str(outside), "rev-parse"], capture_output=True).returncode == 0
    ):
        pytest.skip("the temporary folder is inside a git work tree")
    result = run("check", str(outside), "--diff-base", "HEAD")
    assert result.exit_code == 2 and "needs a git work tree" in result.stderr
    # file arguments outside git: findings in or related to those files only
    assert findings(run, str(outside / ESO_KS)) == []
    if shutil.which("git") is not None:
        root = committed(repo)
        result = run("check", str(root), "--diff-base", "no-such-branch")
        assert result.exit_code == 2 and "no-such-branch" in result.stderr and "Traceback" not in result.output


def test_the_hook_runs_on_every_commit_and_compares_with_head():
    from homelint.loading.yamlload import parse_bytes

    (hook, _render) = parse_bytes("h", (PROJECT / ".pre-commit-hooks.yaml").read_bytes()).docs[0]
    assert hook["id"] == "homelint" and hook["entry"] == "homelint check --diff-base HEAD"
    assert hook["always_run"] is True and hook["pass_filenames"] is True  # deletions too


def _git(cwd: Path, *args: str, stdin: str = "") -> str:
    """`git ARGS` in `cwd` (author and committer set), its output stripped."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    done = subprocess.run(["git", *args], cwd=cwd, input=stdin, check=True, capture_output=True, text=True, env=env)
    return done.stdout.strip()


def _crafted_branch(root: Path, tree: str) -> None:
    """Branch `crafted`: one commit of the tree `git mktree` makes of `tree` (entries git fsck may
    refuse, as a hostile push may carry)."""
    commit = _git(root, "commit-tree", _git(root, "mktree", stdin=tree), "-m", "crafted")
    _git(root, "update-ref", "refs/heads/crafted", commit)


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
    # a commit that only deletes a Kustomization others depend on: the hook runs, and fails
    clean = tmp_path / "clean"
    _git(clean, "rm", "-q", ESO_KS)
    deleted = subprocess.run(
        [*pre_commit, "try-repo", str(PROJECT), "homelint"], cwd=clean, capture_output=True, text=True, env=env, timeout=900
    )
    assert deleted.returncode == 1, deleted.stdout + deleted.stderr
    assert "HL105" in deleted.stdout and PAPERLESS_KS in deleted.stdout


@needs_git
def test_a_crafted_revision_never_writes_outside_its_temporary_folder(run, repo, tmp_path):
    """A tree object with a symlink `a` and a folder `a/` (git fsck refuses it; a hostile push may
    not): the file under `a/` is never written through the symlink."""
    root = committed(repo)
    outside = tmp_path / "outside"
    outside.mkdir()
    link = _git(root, "hash-object", "-w", "--stdin", stdin=str(outside))
    blob = _git(root, "hash-object", "-w", "--stdin", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    sub = _git(root, "mktree", stdin=f"100644 blob {blob}\tpwn.yaml\n")
    _crafted_branch(root, f"120000 blob {link}\ta\n040000 tree {sub}\ta\n")
    result = run("check", str(root), "--diff-base", "crafted")
    assert result.exit_code in (0, 1)
    assert list(outside.iterdir()) == []


def _kept(root: Path) -> Path:
    from homelint.engine.diffbase import KEPT_TREE

    from .conftest import cache_dir

    found = list(cache_dir(root).glob(f"*/{KEPT_TREE}"))
    assert len(found) == 1
    return found[0]


@needs_git
def test_the_kept_base_tree_is_brought_to_each_revision_by_writing_only_what_differs(run, repo, monkeypatch):
    """A hook on every commit pays for what the commit changed: the base tree is kept in the cache,
    and files that were tampered with, added or removed there are put right."""
    import homelint.engine.diffbase as diffbase

    root = committed(repo, base="demo")
    written: list[list[str]] = []
    real_write = diffbase._write
    monkeypatch.setattr(
        diffbase, "_write", lambda top, entries, dest: written.append([e[2] for e in entries]) or real_write(top, entries, dest)
    )

    def both(*args: str) -> list[tuple[str, str]]:
        cached = findings(run, *args)
        assert cached == findings(run, *args, "--no-cache")  # a temporary tree, no cache
        return cached

    secret = "kubernetes/apps/default/echo/app/token.yaml"
    (root / secret).write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: token}\nstringData: {TOKEN: abc}\n")
    assert both(str(root), "--diff-base", "HEAD") == [("HL102", secret), ("HL402", secret)]
    assert len(written[0]) > 20  # the first base tree: every file
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "token")
    written.clear()
    assert findings(run, str(root), "--diff-base", "HEAD") == []
    assert written == [[secret]]  # the commit's one file
    kept = _kept(root)
    (kept / "stray.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: stray}\nstringData: {A: b}\n")
    (kept / "empty-folder").mkdir()
    (kept / secret).write_text("tampered: true\n")
    (kept / PAPERLESS_KS).unlink()
    written.clear()
    assert findings(run, str(root), "--diff-base", "HEAD~1") == [("HL102", secret), ("HL402", secret)]
    assert sorted(written[0]) == sorted([PAPERLESS_KS])  # the secret is not in HEAD~1; the deleted file is rewritten
    assert not (kept / "stray.yaml").exists() and not (kept / "empty-folder").exists() and not (kept / secret).exists()
    written.clear()
    assert findings(run, str(root), "--diff-base", "HEAD") == []
    assert written == [[secret]]


@needs_git
def test_a_revision_the_kept_tree_was_brought_to_is_not_listed_again_yet_is_put_right(run, repo, monkeypatch):
    """The tree a revision names is the same tree each time: the second run on it asks git for no
    listing and no sizes, and still rewrites a kept file that was tampered with."""
    import homelint.engine.diffbase as diffbase

    root = committed(repo, base="demo")
    asked: list[str] = []
    real_git = diffbase._git
    monkeypatch.setattr(diffbase, "_git", lambda top, *args, **kw: asked.append(args[0]) or real_git(top, *args, **kw))
    first = findings(run, str(root), "--diff-base", "HEAD")
    assert asked == ["rev-parse", "ls-tree", "cat-file", "cat-file"]  # listed, sized, written
    asked.clear()
    assert findings(run, str(root), "--diff-base", "HEAD") == first
    assert asked == ["rev-parse"]
    (_kept(root) / ESO_KS).write_text("tampered: true\n")
    asked.clear()
    assert findings(run, str(root), "--diff-base", "HEAD") == first
    assert asked == ["rev-parse", "cat-file"]  # the tampered file written again, from the kept listing
    assert (_kept(root) / ESO_KS).read_text() == (root / ESO_KS).read_text()


@needs_git
@pytest.mark.parametrize("cached", [True, False])
def test_a_blob_over_the_size_limit_is_not_written_to_the_base_tree(run, repo, monkeypatch, cached):
    """A revision's file larger than the linter reads is left out of its tree, kept or temporary,
    as the walk leaves it out of the work tree: its size is asked of git before its content."""
    import homelint.engine.diffbase as diffbase

    root = committed(repo)
    big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {a: " + "x" * 100_000 + "}\n"
    (root / "big.yaml").write_text(big)
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "big")
    monkeypatch.setattr(diffbase, "MAX_BLOB_BYTES", len(big) - 1)  # every other file is smaller
    written: list[str] = []
    real_write = diffbase._write
    monkeypatch.setattr(
        diffbase, "_write", lambda top, entries, dest: written.extend(e[2] for e in entries) or real_write(top, entries, dest)
    )
    assert run("check", str(root), "--diff-base", "HEAD", *([] if cached else ["--no-cache"])).exit_code in (0, 1)
    assert ESO_KS in written and "big.yaml" not in written


@needs_git
def test_a_base_tree_in_use_by_another_run_is_written_to_a_temporary_folder(run, repo):
    import fcntl
    import os

    root = committed(repo)
    ks = root / ESO_KS
    ks.write_text(ks.read_text().replace("name: external-secrets\n", "name: external-secrets-operator\n", 1))
    assert findings(run, str(root), "--diff-base", "HEAD") == [("HL105", PAPERLESS_KS)]
    fd = os.open(_kept(root), os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a run linting it would hold it
        (_kept(root) / "stray.yaml").write_text("not: touched\n")
        assert findings(run, str(root), "--diff-base", "HEAD") == [("HL105", PAPERLESS_KS)]
        assert (_kept(root) / "stray.yaml").exists()  # not brought to the revision: not used
    finally:
        os.close(fd)


@needs_git
def test_the_base_run_is_answered_from_the_run_cache_when_the_commit_was_linted_before_it(run, repo, monkeypatch):
    """The frame of a run holds the other files checks read by content, not by stat: the base tree,
    written anew, has the frame the work tree had when it was linted before the commit."""
    import homelint.engine.runner as runner

    root = committed(repo, base="demo")
    ks = root / ESO_KS
    ks.write_text(ks.read_text().replace("interval: 1h", "interval: 2h", 1))
    (root / "scripts").mkdir()
    (root / "scripts" / "bootstrap.sh").write_text("#!/bin/sh\necho hi\n")  # a non-YAML file checks may read
    findings(run, str(root), "--diff-base", "HEAD")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "edit")
    loads: list[Path] = []
    real_load = runner.load_repo
    monkeypatch.setattr(runner, "load_repo", lambda r, *a, **k: loads.append(r) or real_load(r, *a, **k))
    findings(run, str(root), "--diff-base", "HEAD")
    assert loads == []  # neither the work tree nor HEAD's tree is loaded: both were linted as they are


@needs_git
def test_a_kept_base_tree_that_held_a_crafted_symlink_never_writes_through_it_later(run, repo, tmp_path):
    """The kept tree outlives a run: a symlink a crafted revision left in it is removed before a
    later revision's folder of the same name is written, and is never written through."""
    root = committed(repo)
    outside = tmp_path / "outside"
    outside.mkdir()
    link = _git(root, "hash-object", "-w", "--stdin", stdin=str(outside))
    _crafted_branch(root, f"120000 blob {link}\ta\n")
    assert run("check", str(root), "--diff-base", "crafted").exit_code in (0, 1)
    assert (_kept(root) / "a").is_symlink()
    (root / "a").mkdir()
    (root / "a" / "pwn.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "a folder named like the link")
    assert run("check", str(root), "--diff-base", "HEAD").exit_code in (0, 1)
    assert list(outside.iterdir()) == []
    assert (_kept(root) / "a").is_dir() and not (_kept(root) / "a").is_symlink()
    assert (_kept(root) / "a" / "pwn.yaml").is_file()
    assert run("check", str(root), "--diff-base", "crafted").exit_code in (0, 1)
    assert list(outside.iterdir()) == [] and (_kept(root) / "a").is_symlink()
