"""The replay of an unchanged check (engine.replay): the same bytes and exit code as the run it
recorded, never after a change to anything that run read, never a record it did not sign."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from homelint.engine import replay

from .conftest import FIXTURES

HOUR_AGO = time.time() - 3600
LATER = 3_000_000_000  # ns: a run that starts this long after a file's last change may record it


def age(root: Path) -> None:
    """Every file and folder under `root` modified an hour ago (their inode change time, which
    utime sets, is now)."""
    for path in [*root.rglob("*"), root]:
        os.utime(path, (HOUR_AGO, HOUR_AGO), follow_symlinks=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "demo", root)
    (root / ".git").mkdir()
    age(root)
    time.sleep(LATER / 1e9)  # out of the window in which a change may not show in a stamp (replay.RACY_NS)
    return root


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "user-cache"
    monkeypatch.setenv("HOMELINT_CACHE_DIR", str(home))
    return home


def homelint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m homelint check ARGS` in `root`, with the imports it made listed on stderr."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "homelint", "check", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "HOMELINT_TIMINGS"},
        timeout=300,
        check=False,
    )


def replayed(done: subprocess.CompletedProcess[str]) -> bool:
    """The run answered without importing the CLI (click)."""
    imported = {line.rpartition("|")[2].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return "homelint.engine.replay" in imported and "click" not in imported


def output(done: subprocess.CompletedProcess[str]) -> tuple[str, str, int]:
    """stdout, stderr without the import timings, exit code."""
    return (
        done.stdout,
        "".join(line for line in done.stderr.splitlines(True) if not line.startswith("import time:")),
        done.returncode,
    )


def test_an_unchanged_check_is_replayed_with_the_same_output_and_exit_code(repo, cache):
    first = homelint(repo, "-q")  # checks and caches the result
    second = homelint(repo, "-q")  # answered from the cache: recorded
    third = homelint(repo, "-q")
    assert not replayed(first) and not replayed(second) and replayed(third)
    assert first.returncode == 1 and "HL105" in first.stdout
    assert output(third) == output(second) == output(first)


@pytest.mark.parametrize(
    "change",
    [
        "edit a manifest",
        "add a file to a folder",
        "delete a file",
        "add an ignore file",
        "add a config file",
        "touch a file",
        "add a git remote",
    ],
)
def test_a_change_to_what_the_run_read_is_checked_again(repo, cache, change):
    homelint(repo, "-q")
    homelint(repo, "-q")
    assert replayed(homelint(repo, "-q"))
    target = repo / "kubernetes/apps/default/paperless/ks.yaml"
    if change == "edit a manifest":
        target.write_text(target.read_text().replace("dependsOn:", "dependsOnX:"))
    elif change == "add a file to a folder":
        (target.parent / "extra.yaml").write_text("a: 1\n")
    elif change == "delete a file":
        target.unlink()
    elif change == "add an ignore file":
        (repo / ".gitignore").write_text("kubernetes/apps/default/paperless/\n")
    elif change == "add a config file":
        (repo / ".homelint.yaml").write_text("ignore: [HL105]\n")
    elif change == "add a git remote":
        (repo / ".git" / "config").write_text('[remote "origin"]\n\turl = https://example.invalid/org/other.git\n')
    else:
        os.utime(target)
    fresh = homelint(repo, "-q")
    assert not replayed(fresh)
    assert output(fresh) == output(homelint(repo, "-q", "--no-cache"))


def test_a_git_remote_that_names_a_source_is_a_new_run_not_the_cached_one(tmp_path, cache):
    """The remotes of .git/config say which GitRepository is this repository, and so which Flux
    Kustomizations are followed: adding one is a change the cached result does not cover. (The
    config declares repo-a: a source no config names and nothing applies serves nothing, HL107.)"""
    root = tmp_path / "remote"
    files = {
        ".homelint.yaml": "flux:\n  external-sources: [flux-system/repo-a]\n",
        "clusters/c1/apps.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
            "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: repo-a}}\n"
        ),
        "flux/repo-a.yaml": (
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: repo-a, namespace: flux-system}\n"
            "spec: {interval: 1h, url: 'https://example.invalid/org/repo-a.git', ref: {branch: main}}\n"
        ),
        "apps/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: ns-a}\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / ".git").mkdir()
    first = homelint(root, "-q")
    assert "were not followed" in first.stdout + first.stderr  # repo-a is not known to be this repository
    (root / ".git" / "config").write_text('[remote "origin"]\n\turl = git@example.invalid:org/repo-a.git\n')
    again = homelint(root, "-q")
    assert "were not followed" not in again.stdout + again.stderr
    assert output(again) == output(homelint(root, "-q", "--no-cache"))


def test_another_invocation_is_not_answered_by_this_ones_record(repo, cache):
    homelint(repo, "-q")
    homelint(repo, "-q")
    other = homelint(repo, "--format", "json")
    assert not replayed(other) and other.stdout.startswith("[")


@pytest.mark.parametrize("args", [["--no-cache"], ["-o", "out.txt"], ["--diff"]])
def test_checks_that_write_or_skip_the_cache_are_not_recorded(repo, cache, args):
    homelint(repo, "-q", *args)
    homelint(repo, "-q", *args)
    assert not replayed(homelint(repo, "-q", *args))


def test_a_path_changed_just_before_the_run_is_not_recorded(tmp_path, cache):
    fresh = tmp_path / "fresh.yaml"
    fresh.write_text("a: 1\n")
    assert not replay.record(["check", "x"], [str(fresh)], [], b"out", b"", 0, time.time_ns())
    assert replay.record(["check", "x"], [str(fresh)], [], b"out", b"", 0, time.time_ns() + LATER)
    assert replay.lookup(["check", "x"]) == (b"out", b"", 0)


def test_a_record_changed_on_disk_is_not_replayed(tmp_path, cache):
    kept = tmp_path / "kept.yaml"
    kept.write_text("a: 1\n")
    os.utime(kept, (HOUR_AGO, HOUR_AGO))
    assert replay.record(["check", "x"], [str(kept)], [], b"all clear\n", b"", 0, time.time_ns() + LATER)
    path = cache / replay.FOLDER / replay.invocation(["check", "x"])
    forged = path.read_bytes().replace(b"all clear", b"all Clear")
    path.write_bytes(forged)
    assert replay.lookup(["check", "x"]) is None


def test_a_symlink_retargeted_is_checked_again(tmp_path, cache):
    (tmp_path / "a.yaml").write_text("a: 1\n")
    (tmp_path / "b.yaml").write_text("b: 1\n")
    link = tmp_path / "link.yaml"
    link.symlink_to("a.yaml")
    age(tmp_path)
    assert replay.record(["check", "y"], [], [str(link)], b"", b"", 0, time.time_ns() + LATER)
    assert replay.lookup(["check", "y"]) == (b"", b"", 0)
    link.unlink()
    link.symlink_to("b.yaml")
    assert replay.lookup(["check", "y"]) is None


def test_a_broken_symlink_whose_target_appears_is_checked_again(tmp_path, cache):
    (tmp_path / "vendored").mkdir()  # a folder the walk does not list (ignored): no stamp covers it
    link = tmp_path / "link.yaml"
    link.symlink_to("vendored/a.yaml")
    age(tmp_path)
    assert replay.record(["check", "y"], [], [str(link)], b"", b"", 0, time.time_ns() + LATER)
    assert replay.lookup(["check", "y"]) == (b"", b"", 0)
    (tmp_path / "vendored/a.yaml").write_text("a: 1\n")
    assert replay.lookup(["check", "y"]) is None


def test_homelint_clean_deletes_the_records(repo, cache):
    homelint(repo, "-q")
    homelint(repo, "-q")
    assert list((cache / replay.FOLDER).iterdir())
    subprocess.run([sys.executable, "-m", "homelint", "clean", str(repo)], check=True, capture_output=True)
    assert not (cache / replay.FOLDER).exists()
    assert not replayed(homelint(repo, "-q"))


def test_a_walk_the_tree_no_longer_matches_is_not_recorded(tmp_path, cache):
    folder = tmp_path / "apps"
    folder.mkdir()
    age(tmp_path)
    st = folder.stat()
    walked_before = {str(folder): (st.st_size, st.st_mtime_ns - 1)}  # the walk saw an older folder
    assert not replay.record(["check", "z"], [str(folder)], [], b"", b"", 0, time.time_ns() + LATER, walked_before)
    walked_now = {str(folder): (st.st_size, st.st_mtime_ns)}
    assert replay.record(["check", "z"], [str(folder)], [], b"", b"", 0, time.time_ns() + LATER, walked_now)


def test_another_build_of_homelint_answers_from_neither_the_cache_nor_a_replay(repo, cache, tmp_path):
    """A checkout edited in place (or another commit installed under the same version number, as
    pre-commit installs each `rev`) is other code: its findings may differ, so the cache and the
    replay records of the old code must not answer for it."""
    import homelint
    from homelint.core.resources import data_dir

    build = tmp_path / "build"
    shutil.copytree(Path(homelint.__file__).parent, build / "src" / "homelint", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("rules", "schemas"):  # where a source checkout keeps them (resources.data_dir)
        (build / name).symlink_to(data_dir(name), target_is_directory=True)
    env = {**os.environ, "PYTHONPATH": str(build / "src")}
    env.pop("HOMELINT_TIMINGS", None)
    time.sleep(LATER / 1e9)  # the copy's rule files (a wheel's _data) are new: out of the racy window, as `repo` is

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "homelint", "check", "-q"],
            cwd=repo,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )

    run(), run()
    assert replayed(run())
    check = build / "src/homelint/rules/wiring.py"
    check.write_text(check.read_text().replace("does not exist{hint}", "is not defined anywhere{hint}"))
    edited = run()
    assert not replayed(edited)
    [hl105] = [line for line in edited.stdout.splitlines() if " HL105 " in line]
    assert "'external-secrets/external-secret' is not defined anywhere; did you mean 'external-secrets'?" in hl105
