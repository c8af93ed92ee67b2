"""Filesystem access that a hostile repository cannot redirect.

A pull request can commit symlinks anywhere (`homelint.sarif -> ~/.bashrc`, `out -> /etc`), so:

- every write goes through :func:`atomic_write`: a temporary file created with O_EXCL|O_NOFOLLOW in
  the target's folder, then renamed over the target (a symlink there is replaced, never written
  through). A folder on the way that is a symlink living inside the repository is refused.
- every path read from repository content (the config, makejinja.toml) goes through
  :func:`inside_repo`: it must resolve, after symlinks, inside the repository root.

Errors are one line (:class:`UnsafePath`, a ConfigError: exit code 2) and never quote file contents.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path
from typing import BinaryIO

from homelint.core.digest import blake2b
from homelint.core.errors import ConfigError

TMP_MARK = ".homelint-tmp-"  # temporary files of atomic_write: `.<name>.homelint-tmp-<random>`
STALE_TMP_SECONDS = 3600  # a temporary file this old was left by a killed run: the next write removes it


class UnsafePath(ConfigError):
    """A path that would leave the repository or follow a symlink the repository controls."""


def content_digest(raw: bytes) -> str:
    """The digest that stands for a file's content (cache keys, position memos)."""
    return blake2b(raw, digest_size=16).hexdigest()


def is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def inside_repo(root: Path, entry: str, what: str) -> Path:
    """`entry` (from repository content) as a path under `root`, resolved; refused if it escapes."""
    if "\0" in entry:
        raise UnsafePath(f"{what}: path contains a NUL byte")
    root_real = os.path.realpath(root)
    resolved = os.path.realpath(os.path.join(root_real, entry))
    if not is_within(resolved, root_real):
        raise UnsafePath(f"{what}: '{printable(entry)}' resolves outside the repository; refused")
    return Path(resolved)


def printable(text: str, limit: int = 200) -> str:
    """`text` with control characters escaped and cut to `limit` characters (for one-line errors)."""
    out = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text[:limit])
    return out + ("..." if len(text) > limit else "")


def open_dir(directory: Path, root: Path | None, *, create: bool = False, mode: int = 0o777) -> int:
    """A file descriptor of `directory`, reached component by component so that no symlink living
    inside `root` is followed (a symlink outside it, such as /tmp -> /private/tmp, is the user's own
    layout and is followed). With `create`, missing folders are made with `mode`."""
    absolute = os.path.abspath(directory)
    root_real = os.path.realpath(root) if root is not None else None
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    current = "/"
    try:
        for part in absolute.split(os.sep):
            if not part:
                continue
            try:
                st = os.stat(part, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(part, mode, dir_fd=fd)
                st = os.stat(part, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                if root_real is not None and is_within(current, root_real):
                    shown = os.path.join(current, part)
                    raise UnsafePath(f"refusing to write through {printable(shown)}: it is a symlink inside the repository")
                flags = os.O_RDONLY | os.O_DIRECTORY
                current = os.path.realpath(os.path.join(current, part))
            else:
                flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
                current = os.path.join(current, part)
            next_fd = os.open(part, flags, dir_fd=fd)
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd


def atomic_write(
    path: Path,
    data: bytes | list[bytes],
    *,
    root: Path | None = None,
    mode: int = 0o666,
    dir_fd: int | None = None,
    make_parents: bool = False,
    exact_mode: int | None = None,
) -> None:
    """Write `data` (or its parts, one after the other) to `path` atomically: a new file beside it,
    renamed over it. The target itself, if a symlink, is replaced (never written through); a folder
    on the way that is a symlink inside `root` is refused (UnsafePath). The temporary file is
    removed on every error; one left by a killed run is removed by the next write to the same
    folder. With `dir_fd`, `path` is a name in that (already opened) folder; with `make_parents`,
    missing folders are made (never through a symlink inside `root` either). `mode` is filtered by
    the umask; `exact_mode` is set as it is."""
    name = os.path.basename(path)
    if not name or name in (".", ".."):
        raise UnsafePath(f"cannot write to {printable(str(path))}: not a file name")
    own_fd = dir_fd is None
    folder = dir_fd if dir_fd is not None else open_dir(Path(os.path.abspath(path)).parent, root, create=make_parents)
    tmp = f".{name[:100]}{TMP_MARK}{os.urandom(8).hex()}"  # as secrets.token_hex, without its ~3 ms of imports
    try:
        _reclaim(folder)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode, dir_fd=folder)
        try:
            if exact_mode is not None:
                os.fchmod(fd, exact_mode)
            with os.fdopen(fd, "wb") as handle:
                for part in [data] if isinstance(data, bytes) else data:
                    handle.write(part)
            os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=folder)
            raise
    finally:
        if own_fd:
            os.close(folder)


def _reclaim(folder: int) -> None:
    """Remove temporary files of atomic_write that a killed run left in this folder."""
    now = time.time()
    try:
        names = [n for n in os.listdir(folder) if TMP_MARK in n and n.startswith(".")]
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):
            st = os.stat(name, dir_fd=folder, follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and now - st.st_mtime > STALE_TMP_SECONDS:
                os.unlink(name, dir_fd=folder)


def read_sized(handle: BinaryIO, size: int, limit: int) -> bytes:
    """At most `limit` + 1 bytes of an open file whose fstat said `size`: that many plus one, and
    on up to the limit when the file grew meanwhile (the caller tells a file past the limit by the
    length). Never read(limit) at once: read(n) allocates n bytes first."""
    want = min(size, limit) + 1
    data = handle.read(want)
    if len(data) == want and want <= limit:
        data += handle.read(limit + 1 - want)
    return data


def read_head(path: Path | str, limit: int) -> bytes | None:
    """At most the first `limit` bytes of a regular file, as read_regular opens it (O_NONBLOCK,
    fstat before reading); None for anything else. Raises OSError when it cannot be opened."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit)
    finally:
        os.close(fd)


def read_regular(path: Path | str, limit: int, *, dir_fd: int | None = None, follow: bool = True) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes; None for anything else (a FIFO, a
    device, a folder, a bigger file). Never blocks on a FIFO: opened with O_NONBLOCK, checked with
    fstat before reading. Raises OSError when it cannot be opened."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags, dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = read_sized(handle, st.st_size, limit)
        return data if len(data) <= limit else None
    finally:
        os.close(fd)
