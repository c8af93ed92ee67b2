"""The tree of a git revision, written to a temporary folder, so that the engine can lint it and keep
only the findings a change introduced (`check --diff-base REF`, and file arguments against HEAD).

Only git plumbing is used (`ls-tree`, `cat-file --batch`): the repository, its index and its work
tree are never touched, and `export-ignore` attributes do not hide files as `git archive` would.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from homelint.engine.runner import Cache
from homelint.loading.discovery import git_work_tree
from homelint.model.config import ConfigError

GIT_TIMEOUT = 300
MAX_BLOB_BYTES = 20 * 1024 * 1024  # larger files are not linted either (yamlload.MAX_FILE_BYTES)


class BorrowedCache(Cache):
    """The work tree's cache, lent to the lint of a revision: the revision's files that are unchanged
    reuse their parse results (only what the change touched is parsed again), and a run over the same
    contents (the last commit, linted as the work tree before it was committed) is answered from the
    kept run results. Only a run result is written back: never the work tree's file index."""

    def save(self) -> None:
        pass

    def store_value(self, name: str, value: object) -> None:
        pass  # the revision's walk is not the work tree's


def scratch_folder(size: int) -> str | None:
    """Where to write a revision's tree: a memory file system when there is one with room (writing
    and removing a thousand small files on a busy disk costs seconds), else the default temp folder."""
    shm = "/dev/shm"
    try:
        st = os.statvfs(shm)
    except (OSError, AttributeError):
        return None
    return shm if os.access(shm, os.W_OK) and st.f_bavail * st.f_frsize > 4 * size + (64 << 20) else None


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, timeout=GIT_TIMEOUT, check=False)


@contextmanager
def revision_tree(root: Path, ref: str, *, required: bool) -> Iterator[Path | None]:
    """The tree of `ref` written to a temporary folder, removed afterwards; yields the folder that
    corresponds to `root` there.

    Yields None when `root` is not in a git work tree, and an empty folder when `ref` does not
    exist (before the first commit: every finding is new), unless `required` (`--diff-base`): then
    either is a ConfigError."""
    where = git_work_tree(root)
    if where is None:
        if required:
            raise ConfigError(f"--diff-base needs a git work tree; {root} is not in one")
        yield None
        return
    top, prefix = where
    if ref.startswith("-"):
        raise ConfigError(f"--diff-base {ref}: not a git revision")
    tree = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{tree}}")
    if tree.returncode != 0 and required:
        raise ConfigError(f"--diff-base {ref}: not a revision of the repository at {top} (fetch it first?)")
    entries = _listing(top, tree.stdout.decode().strip(), prefix) if tree.returncode == 0 else []
    size = sum(entry[3] for entry in entries)
    with tempfile.TemporaryDirectory(prefix="homelint-base-", dir=scratch_folder(size)) as tmp:
        dest = Path(tmp)
        _write(top, entries, dest)
        base = dest / prefix
        base.mkdir(parents=True, exist_ok=True)
        yield base


def _listing(top: Path, tree: str, prefix: str) -> list[tuple[str, str, str, int]]:
    """(mode, object id, path, size) of every blob under `prefix` in `tree`."""
    listing = _git(top, "ls-tree", "-r", "-z", "-l", "--full-tree", tree, *([prefix] if prefix else []))
    if listing.returncode != 0:
        raise ConfigError(f"git ls-tree {tree} failed: {listing.stderr.decode(errors='replace').strip()}")
    entries = []
    for record in filter(None, listing.stdout.split(b"\0")):
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, oid, size = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind == "blob" and size.isdigit() and int(size) <= MAX_BLOB_BYTES and _safe(path):
            entries.append((mode, oid, path, int(size)))
    return entries


def _write(top: Path, entries: list[tuple[str, str, str, int]], dest: Path) -> None:
    if not entries:
        return
    blobs = _git(top, "cat-file", "--batch", stdin="".join(f"{oid}\n" for _, oid, _, _ in entries).encode())
    data, offset = blobs.stdout, 0
    inside = os.path.realpath(dest) + os.sep
    folders: set[Path] = set()  # made and checked
    for mode, _, path, _ in entries:
        end = data.index(b"\n", offset)
        length = int(data[offset:end].split()[2])
        content = data[end + 1 : end + 1 + length]
        offset = end + 1 + length + 1
        target = dest / path
        if target.parent not in folders:
            if not (os.path.realpath(target.parent) + os.sep).startswith(inside):
                continue  # a crafted tree whose folder is also a symlink: never write through it
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        try:
            if mode == "120000":
                os.symlink(content.decode("utf-8", "surrogateescape"), target)
                continue
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError:
            continue  # a duplicate entry of a crafted tree
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)


def _safe(path: str) -> bool:
    parts = path.split("/")
    return not path.startswith("/") and ".." not in parts and ".git" not in parts and "" not in parts
