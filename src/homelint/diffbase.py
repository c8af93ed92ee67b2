"""The tree of a git revision, written to a temporary folder, so that the engine can lint it and keep
only the findings a change introduced (`check --diff-base REF`, and file arguments against HEAD).

Only git plumbing is used (`ls-tree`, `cat-file --batch`): the repository, its index and its work
tree are never touched, and `export-ignore` attributes do not hide files as `git archive` would.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from homelint.cache import Cache
from homelint.config import ConfigError

GIT_TIMEOUT = 300
MAX_BLOB_BYTES = 20 * 1024 * 1024  # larger files are not linted either (yamlload.MAX_FILE_BYTES)


class BorrowedCache(Cache):
    """Another tree's cache, read but never written: the revision's files that are unchanged in the
    work tree reuse the work tree's parse results, so only what the change touched is parsed again."""

    def _store(self, name: str, value: Any) -> None:
        pass


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, timeout=GIT_TIMEOUT, check=False)


def work_tree(root: Path) -> tuple[Path, str] | None:
    """(the git work-tree root, `root` relative to it with a trailing '/' or '') or None outside git."""
    try:
        done = _git(root, "rev-parse", "--show-toplevel", "--show-prefix")
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    lines = done.stdout.decode("utf-8", "surrogateescape").split("\n")
    return (Path(lines[0]), lines[1] if len(lines) > 1 else "") if lines[0] else None


def checkout(root: Path, ref: str, dest: Path, *, required: bool) -> Path | None:
    """Write the tree of `ref` into `dest`; return the folder that corresponds to `root` there.

    None when `root` is not in a git work tree or `ref` does not exist and `required` is false (file
    arguments outside git, or before the first commit); a ConfigError when `required`."""
    where = work_tree(root)
    if where is None:
        if required:
            raise ConfigError(f"--diff-base needs a git work tree; {root} is not in one")
        return None
    top, prefix = where
    if ref.startswith("-"):
        raise ConfigError(f"--diff-base {ref}: not a git revision")
    tree = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{tree}}")
    if tree.returncode != 0:
        if required:
            raise ConfigError(f"--diff-base {ref}: not a revision of the repository at {top} (fetch it first?)")
        dest.mkdir(parents=True, exist_ok=True)
        return dest  # no HEAD yet (the first commit): every finding is new
    listing = _git(top, "ls-tree", "-r", "-z", "-l", "--full-tree", tree.stdout.decode().strip(), *([prefix] if prefix else []))
    if listing.returncode != 0:
        raise ConfigError(f"git ls-tree {ref} failed: {listing.stderr.decode(errors='replace').strip()}")
    entries: list[tuple[str, str, str]] = []  # (mode, object id, path)
    for record in filter(None, listing.stdout.split(b"\0")):
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, oid, size = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind != "blob" or (size.isdigit() and int(size) > MAX_BLOB_BYTES) or not _safe(path):
            continue
        entries.append((mode, oid, path))
    blobs = _git(top, "cat-file", "--batch", stdin="".join(f"{oid}\n" for _, oid, _ in entries).encode())
    data, offset = blobs.stdout, 0
    for mode, _, path in entries:
        end = data.index(b"\n", offset)
        length = int(data[offset:end].split()[2])
        content = data[end + 1 : end + 1 + length]
        offset = end + 1 + length + 1
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            os.symlink(content.decode("utf-8", "surrogateescape"), target)
        else:
            target.write_bytes(content)
    base = dest / prefix
    base.mkdir(parents=True, exist_ok=True)
    return base


def _safe(path: str) -> bool:
    parts = path.split("/")
    return not path.startswith("/") and ".." not in parts and ".git" not in parts and "" not in parts
