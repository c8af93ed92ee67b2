"""Hostile pull requests: each test builds one attack in a tmp dir and shows it does not work.

A committed cache, config or symlink must never change the verdict, make homelint read or write
outside the repository, print a secret, or crash it (exit 2 with a traceback).
"""

from __future__ import annotations

import json
import marshal
import os
import time
from pathlib import Path

import pytest

from homelint import cache as cache_module

from .conftest import cache_dir

SECRET = "correct-horse-battery-staple"  # the demo's plaintext Secret value (HL402)


def demo_findings(run, root: Path, *extra: str) -> tuple[int, list[dict]]:
    result = run("check", str(root), "--format", "json", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def forged_cache(root: Path, attacker_home: Path, monkeypatch) -> Path:
    """What an attacker can make: a valid cache of this very repository made on their own machine
    (their key), with the run record rewritten to 0 findings and re-signed with their key."""
    monkeypatch.setenv("HOMELINT_CACHE_DIR", str(attacker_home))
    store = cache_module._Store(root)
    assert store.usable
    from homelint.engine import Options, run_check

    run_check(Options(paths=[root]))
    key, record = store.load("run.marshal")
    record = {**record, "findings": []}
    store.store("run.marshal", (key, record))
    folder = cache_module.repo_cache_dir(root)
    monkeypatch.undo()
    assert folder is not None
    return folder


# --- Trust: the cache is this machine's, not the repository's --------------------------------------


def test_committed_legacy_cache_with_a_forged_run_record_is_never_read(run, repo, tmp_path, monkeypatch):
    root = repo({}, base="demo")
    forged = forged_cache(root, tmp_path / "attacker", monkeypatch)
    legacy = root / ".homelint_cache" / "v0.1.0-5"
    legacy.mkdir(parents=True)
    for name in ("index.marshal", "files.marshal", "run.marshal"):
        (legacy / name).write_bytes((forged / f"v0.1.0-{cache_module.CACHE_FORMAT}" / name).read_bytes())
    code, findings = demo_findings(run, root)
    assert code == 1 and any(f["rule"] == "HL402" for f in findings)


def test_forged_entries_in_the_user_cache_fail_verification(run, repo, tmp_path, monkeypatch):
    root = repo({}, base="demo")
    forged = forged_cache(root, tmp_path / "attacker", monkeypatch)
    _, expected = demo_findings(run, root, "--no-cache")
    mine = cache_dir(root)
    assert not mine.exists()
    mine.parent.mkdir(parents=True, exist_ok=True)
    import shutil

    shutil.copytree(forged, mine)  # as if the attacker could plant files in this user's cache
    code, findings = demo_findings(run, root)
    assert code == 1 and findings == expected


def test_signed_cache_values_of_the_wrong_shape_are_absent(run, repo):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root, "--no-cache")
    store = cache_module._Store(root)
    for name, value in [
        ("index.marshal", {"a.yaml": (1, 2)}),
        ("files.marshal", {"kubernetes/apps/default/echo/app/secret.yaml": ("x", 1)}),
        ("run.marshal", ("k", {"findings": 3})),
        ("spans.marshal", [1, 2, 3]),
    ]:
        store.store(name, value)
    assert demo_findings(run, root)[1] == expected
    store.store("index.marshal", 12345)
    store.store("run.marshal", None)
    assert demo_findings(run, root)[1] == expected


def test_forged_index_claiming_two_billion_entries_is_absent_at_once(run, repo):
    root = repo({}, base="demo")
    demo_findings(run, root)  # a real cache exists
    folder = next(cache_dir(root).iterdir())
    huge = b"{" + b"\xff\xff\xff\x7f"  # marshal: a dict of 2**31 - 1 entries, 5 bytes
    (folder / "index.marshal").write_bytes(huge)
    (folder / "files.marshal").write_bytes(cache_module.MAGIC + b"\0" * 32 + b"[\xff\xff\xff\x7f")
    start = time.perf_counter()
    code, findings = demo_findings(run, root)
    assert time.perf_counter() - start < 10
    assert code == 1 and any(f["rule"] == "HL402" for f in findings)


def test_symlinked_cache_folder_is_neither_read_nor_written_through(run, repo, tmp_path):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root)
    folder = cache_dir(root)
    elsewhere = tmp_path / "elsewhere"
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.rglob("*"))
    stamps = {p: p.stat().st_mtime_ns for p in elsewhere.rglob("*")}
    assert demo_findings(run, root)[1] == expected
    assert sorted(p.name for p in elsewhere.rglob("*")) == before
    assert {p: p.stat().st_mtime_ns for p in elsewhere.rglob("*")} == stamps


def test_symlinked_cache_file_is_not_read(run, repo, tmp_path):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root)
    folder = next(cache_dir(root).iterdir())
    outside = tmp_path / "run.marshal"
    (folder / "run.marshal").rename(outside)
    (folder / "run.marshal").symlink_to(outside)
    assert demo_findings(run, root)[1] == expected
    assert not (folder / "run.marshal").is_symlink()  # replaced by a new file, the target untouched
    assert outside.is_file()


def test_cache_of_another_user_or_group_writable_is_not_trusted(run, repo):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root)
    folder = next(cache_dir(root).iterdir())
    (folder / "run.marshal").chmod(0o666)
    assert demo_findings(run, root)[1] == expected
    if os.getuid() == 0:  # only root can give a file away
        os.chown(folder / "run.marshal", 65534, 65534)
        os.chown(folder, 65534, 65534)
        assert demo_findings(run, root)[1] == expected


def test_key_file_that_is_not_private_disables_the_cache(run, repo):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root)
    key = Path(os.environ["HOMELINT_CACHE_DIR"]) / "key"
    key.chmod(0o644)
    try:
        assert not cache_module._Store(root).usable
        assert demo_findings(run, root)[1] == expected
    finally:
        key.chmod(0o600)


def test_cache_folder_inside_the_repository_is_not_used(run, repo, monkeypatch):
    root = repo({}, base="demo")
    monkeypatch.setenv("HOMELINT_CACHE_DIR", str(root / ".cache" / "homelint"))
    assert not cache_module._Store(root).usable
    code, findings = demo_findings(run, root)
    assert code == 1 and any(f["rule"] == "HL402" for f in findings)


def test_cache_files_are_private_and_signed(run, repo):
    root = repo({}, base="demo")
    demo_findings(run, root)
    home = Path(os.environ["HOMELINT_CACHE_DIR"])
    assert (home / "key").stat().st_mode & 0o777 == 0o600
    for path in cache_dir(root).rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path
        if path.is_file():
            assert path.read_bytes().startswith(cache_module.MAGIC)
            with pytest.raises(ValueError):
                marshal.loads(path.read_bytes())  # not plain marshal data: the signature comes first
