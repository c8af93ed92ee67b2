"""The tree of a git revision, written to a folder, so that the engine can lint it and keep only the
findings a change introduced (`check --diff-base REF`, and file arguments against HEAD).

Only git plumbing is used (`ls-tree`, `cat-file`): the repository, its index and its work tree are
never touched, and `export-ignore` attributes do not hide files as `git archive` would.

With a cache the folder is kept in it (the kept tree) and brought to the revision by writing only
the files that differ from what it holds, so a pre-commit hook pays for what the commit changed, not
for the whole tree; a signed manifest says what each kept file is (mode, blob, stat, content
digest) and which revision's listing it was brought to: a tree git names by the same id holds the
same entries, so the next run on that revision does not list it again, and only the blobs the kept
tree lacks are sized (a tree listed with its sizes costs git a lookup of every blob). Without a
cache, or while another homelint holds the kept tree, a temporary folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from homelint.engine.cache import digest
from homelint.engine.runner import Cache
from homelint.loading.discovery import git_work_tree
from homelint.model.config import ConfigError

GIT_TIMEOUT = 300
MAX_BLOB_BYTES = 20 * 1024 * 1024  # larger files are not linted either (yamlload.MAX_FILE_BYTES)


KEPT_TREE = "base-tree"  # the kept tree's folder in the repository's cache folder
KEPT_MANIFEST = "base-tree.marshal"  # {"files": path -> (mode, blob id, size, mtime_ns, content digest),
#                                      "listing": (tree id, prefix, the entries brought)}
KEPT_WALK = "base-tree-walk.marshal"  # the kept tree's remembered walk (runner.remember_walk)
Entry = tuple[str, str, str, int]  # (mode, object id, path, size; -1 until sized) of a blob of the revision


class BorrowedCache(Cache):
    """The work tree's cache, lent to the lint of a revision: the revision's files that are unchanged
    reuse their parse results (only what the change touched is parsed again), and a run over the same
    contents (the last commit, linted as the work tree before it was committed) is answered from the
    kept run results. Only a run result is written back: never the work tree's file index. In the
    kept tree (`kept`: its manifest's stats and digests) a file's digest is known by its stat, and
    the tree's walk is remembered apart from the work tree's."""

    def __init__(self, root: Path, enabled: bool = True, kept: dict[str, tuple[int, int, str]] | None = None) -> None:
        super().__init__(root, enabled=enabled)
        self.kept = kept

    def lookup(self, path: str, size: int, mtime_ns: int) -> str | None:
        entry = self.kept.get(path) if self.kept is not None else None
        if entry is not None and entry[0] == size and entry[1] == mtime_ns:
            return entry[2]
        return super().lookup(path, size, mtime_ns)

    def save(self) -> None:
        pass

    def load_value(self, name: str) -> Any:
        if name == "tree.marshal":  # the work tree's walk is not the revision's
            return super().load_value(KEPT_WALK) if self.kept is not None else None
        return super().load_value(name)

    def store_value(self, name: str, value: object) -> None:
        if name == "tree.marshal" and self.kept is not None:
            super().store_value(KEPT_WALK, value)


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
def revision_tree(
    root: Path, ref: str, *, required: bool, cache: Cache | None = None
) -> Iterator[tuple[Path, dict[str, tuple[int, int, str]] | None] | None]:
    """(the folder that corresponds to `root` in the tree of `ref`, the kept tree's stats and digests
    by path or None), written to the kept tree of `cache` (see the module docstring) or else to a
    temporary folder, removed afterwards.

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
    tree_id = tree.stdout.decode().strip() if tree.returncode == 0 else None
    with _kept_tree(cache, top, tree_id, prefix) as kept:
        if kept is not None:
            folder, manifest = kept
            base = folder / prefix
            base.mkdir(parents=True, exist_ok=True)
            yield base, {path[len(prefix) :]: entry for path, entry in manifest.items() if path.startswith(prefix)}
            return
    entries = _listing(top, tree_id, prefix, sizes=True) if tree_id is not None else []
    size = sum(entry[3] for entry in entries)
    with tempfile.TemporaryDirectory(prefix="homelint-base-", dir=scratch_folder(size)) as tmp:
        dest = Path(tmp)
        _write(top, entries, dest)
        base = dest / prefix
        base.mkdir(parents=True, exist_ok=True)
        yield base, None


@contextmanager
def _kept_tree(
    cache: Cache | None, top: Path, tree_id: str | None, prefix: str
) -> Iterator[tuple[Path, dict[str, tuple[int, int, str]]] | None]:
    """(the kept tree brought to the blobs under `prefix` of the tree `tree_id` (none: an empty
    tree), its stats and digests by path), locked against other homelint runs while in use; None
    without a cache, while another run holds it, or when it cannot be written."""
    folder = cache.folder(KEPT_TREE) if cache is not None else None
    if cache is None or folder is None:
        yield None
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        yield None
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another run lints it now
            yield None
            return
        try:
            manifest = _bring(folder, top, tree_id, prefix, cache)
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                cache.store_value(KEPT_MANIFEST, None)  # start again next time
            manifest = None
        yield (folder, {path: entry[2:] for path, entry in manifest.items()}) if manifest is not None else None
    finally:
        os.close(fd)  # and its lock


def _bring(folder: Path, top: Path, tree_id: str | None, prefix: str, cache: Cache) -> dict[str, tuple[str, str, int, int, str]]:
    """Make the kept tree hold exactly the blobs of the revision (see _kept_tree): what it holds
    that the manifest vouches for (same blob, same stat) stays; anything else there is removed; what
    is missing is written. Returns the manifest's files."""
    manifest, listed = _stored_manifest(cache.load_value(KEPT_MANIFEST))
    if tree_id is None:
        entries: list[Entry] = []
    elif listed is not None and listed[:2] == (tree_id, prefix):
        entries = listed[2]  # brought to this revision before: its listing is the same
    else:
        entries = _sized(top, _listing(top, tree_id, prefix, sizes=False), manifest)
    wanted = {path: (mode, oid) for mode, oid, path, _ in entries}
    folders: set[str] = set()  # every folder that holds a wanted file
    for path in wanted:
        cut = path.rfind("/")
        while cut > 0 and path[:cut] not in folders:
            folders.add(path[:cut])
            cut = path.rfind("/", 0, cut)
    kept: dict[str, tuple[str, str, int, int, str]] = {}
    for rel, st, is_dir in _contents(folder):
        if is_dir:
            if rel not in folders:
                shutil.rmtree(folder / rel)  # not through symlinks
            continue
        old = manifest.get(rel)
        if (
            isinstance(old, tuple)
            and len(old) == 5
            and wanted.get(rel) == old[:2]
            and (old[2], old[3]) == (st.st_size, st.st_mtime_ns)
        ):
            kept[rel] = old
        else:
            os.unlink(folder / rel)
    missing = [entry for entry in entries if entry[2] not in kept]
    written = _write(top, missing, folder)
    for mode, oid, path, _ in missing:
        content = written.get(path)
        if content is None:
            continue
        st = os.lstat(folder / path)
        kept[path] = (mode, oid, st.st_size, st.st_mtime_ns, digest(content))
    cache.store_value(KEPT_MANIFEST, {"files": kept, "listing": (tree_id, prefix, entries)})
    return kept


def _stored_manifest(stored: Any) -> tuple[dict[str, Any], tuple[str, str, list[Entry]] | None]:
    """(the kept files, the listing they were brought to or None) of a stored manifest; nothing of
    a value not of the shape _bring writes."""
    if not isinstance(stored, dict) or not isinstance(stored.get("files"), dict):
        return {}, None
    listing = stored.get("listing")
    if not (isinstance(listing, tuple) and len(listing) == 3 and isinstance(listing[2], list)):
        return stored["files"], None
    if not all(isinstance(entry, tuple) and len(entry) == 4 for entry in listing[2]):
        return stored["files"], None
    return stored["files"], listing


def _sized(top: Path, entries: list[Entry], manifest: dict[str, Any]) -> list[Entry]:
    """`entries` with their sizes, without those over MAX_BLOB_BYTES (never written, as the walk
    would not read them): a blob the kept tree holds at its path has the size it was written with;
    the others are asked of git in one `cat-file --batch-check`."""
    sized: list[Entry] = []
    unknown: dict[str, int] = {}
    for mode, oid, path, size in entries:
        old = manifest.get(path)
        if isinstance(old, tuple) and len(old) == 5 and old[:2] == (mode, oid) and isinstance(old[2], int):
            size = old[2]
        elif size < 0:
            unknown[oid] = -1
        sized.append((mode, oid, path, size))
    if unknown:
        checked = _git(top, "cat-file", "--batch-check", stdin="".join(f"{oid}\n" for oid in unknown).encode())
        for line in checked.stdout.decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] in unknown and parts[1] == "blob" and parts[2].isdigit():
                unknown[parts[0]] = int(parts[2])
        sized = [(mode, oid, path, unknown.get(oid, size) if size < 0 else size) for mode, oid, path, size in sized]
    return [entry for entry in sized if 0 <= entry[3] <= MAX_BLOB_BYTES]


def _contents(folder: Path) -> Iterator[tuple[str, os.stat_result, bool]]:
    """(path relative to `folder`, lstat, is a folder) of everything in it, a folder before what is
    in it (what is in a folder removed meanwhile is not listed); never through a symlink."""
    base = str(folder)
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(base, rel) if rel else base) as listing:
            entries = list(listing)
        for entry in entries:
            path = f"{rel}/{entry.name}" if rel else entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            yield path, entry.stat(follow_symlinks=False), is_dir
            if is_dir and os.path.isdir(entry.path):  # still there: not removed as unwanted
                stack.append(path)


def _listing(top: Path, tree: str, prefix: str, *, sizes: bool) -> list[Entry]:
    """(mode, object id, path, size) of every blob under `prefix` in `tree`; with `sizes`, none over
    MAX_BLOB_BYTES, else each size -1 (see _sized)."""
    listing = _git(top, "ls-tree", "-r", "-z", *(["-l"] if sizes else []), "--full-tree", tree, *([prefix] if prefix else []))
    if listing.returncode != 0:
        raise ConfigError(f"git ls-tree {tree} failed: {listing.stderr.decode(errors='replace').strip()}")
    entries = []
    for record in filter(None, listing.stdout.split(b"\0")):
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, oid, *size = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind != "blob" or not _safe(path):
            continue
        if not sizes:
            entries.append((mode, oid, path, -1))
        elif size and size[0].isdigit() and int(size[0]) <= MAX_BLOB_BYTES:
            entries.append((mode, oid, path, int(size[0])))
    return entries


def _write(top: Path, entries: list[Entry], dest: Path) -> dict[str, bytes]:
    """Write each blob of `entries` under `dest` (a symlink as a symlink); the contents written, by path."""
    written: dict[str, bytes] = {}
    if not entries:
        return written
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
                written[path] = content
                continue
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError:
            continue  # a duplicate entry of a crafted tree
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        written[path] = content
    return written


def _safe(path: str) -> bool:
    parts = path.split("/")
    return not path.startswith("/") and ".." not in parts and ".git" not in parts and "" not in parts
