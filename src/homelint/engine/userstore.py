"""The per-user cache folder and its signing key, with nothing else imported (os, stat): the
replay of an unchanged run (replay.py) opens them before anything of the linter is loaded.

The folder is $HOMELINT_CACHE_DIR, else $XDG_CACHE_HOME/homelint, else ~/.cache/homelint; it and
every folder and file in it must be this user's own and not writable by others, opened never through
a symlink. The key (`key`, 32 random bytes, mode 0600) signs every file homelint keeps there.
"""

from __future__ import annotations

import contextlib
import os
import stat

from homelint.core.digest import blake2b

try:  # hmac.compare_digest, without importing hmac (which loads OpenSSL)
    from _operator import _compare_digest as compare_digest
except ImportError:  # pragma: no cover - other Pythons
    from hmac import compare_digest  # type: ignore[assignment,no-redef]

MAC_SIZE = 32


def cache_home() -> str | None:
    """The cache folder's path (a string: pathlib alone costs the replay ~10 ms of imports)."""
    explicit = os.environ.get("HOMELINT_CACHE_DIR")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "homelint")
    home = os.path.expanduser("~")
    return None if home == "~" else os.path.join(home, ".cache", "homelint")


def owned_private(st: os.stat_result, directory: bool) -> bool:
    want = stat.S_ISDIR(st.st_mode) if directory else stat.S_ISREG(st.st_mode)
    return want and st.st_uid == os.getuid() and not st.st_mode & 0o022


def open_home(home: str) -> int:
    """A descriptor of the cache folder (its real path), which must be this user's own (else OSError)."""
    fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    if not owned_private(os.fstat(fd), True):
        os.close(fd)
        raise PermissionError("the cache folder is not this user's own")
    return fd


def subdir(parent: int, name: str, create: bool = True) -> int:
    """Open (or make, 0700, when `create`) the folder `name` in `parent`, never through a symlink;
    closes `parent`."""
    try:
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o700, dir_fd=parent)
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
    finally:
        os.close(parent)
    if not owned_private(os.fstat(fd), True):
        os.close(fd)
        raise PermissionError(f"cache folder {name} is not this user's own")
    return fd


def user_key(home: int, create: bool = True) -> bytes:
    """The per-user signing key: made once (32 random bytes, 0600) when `create`, then read. A key
    file that is not a private regular file of this user is not trusted (OSError)."""
    if not create:
        return _read_key(home)
    try:
        fd = os.open("key", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=home)
    except FileExistsError:
        return _read_key(home)
    key = os.urandom(32)
    try:
        os.write(fd, key)
    finally:
        os.close(fd)
    return key


def _read_key(home: int) -> bytes:
    fd = os.open("key", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=home)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077 or st.st_size != 32:
            raise PermissionError("the cache key is not a private file of this user")
        key = os.read(fd, 32)
    finally:
        os.close(fd)
    if len(key) != 32:
        raise PermissionError("the cache key is truncated")
    return key


def read_private(folder: int, name: str, limit: int) -> bytes | None:
    """The content of the file `name` in `folder` if it is a private regular file of this user of
    at most `limit` bytes (never through a symlink, never blocking on a FIFO); else None."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not owned_private(st, False) or st.st_size > limit:
            return None
        chunks = []
        left = st.st_size + 1  # one byte more: a file that grew meanwhile is refused
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    return data if len(data) <= min(st.st_size, limit) else None


def _mac(key: bytes, person: bytes, context: bytes, payload: bytes | memoryview) -> bytes:
    h = blake2b(key=key, digest_size=MAC_SIZE, person=person)
    h.update(context)
    h.update(payload)
    return h.digest()


def seal(magic: bytes, key: bytes, person: bytes, context: bytes, payload: bytes) -> list[bytes]:
    """`payload` as a signed file, in two parts to write one after the other (a big payload is not
    copied): `magic` and the payload's MAC under the user's key, for this `person` (what kind of
    file) and `context` (which file); then the payload."""
    return [magic + _mac(key, person, context, payload), payload]


def unseal(magic: bytes, key: bytes, person: bytes, context: bytes, raw: bytes | None) -> memoryview | None:
    """The payload of a file `seal` wrote with the same magic, key, person and context; None for
    anything else (forged, copied from another file or user, truncated, corrupted)."""
    if raw is None or len(raw) < len(magic) + MAC_SIZE or not raw.startswith(magic):
        return None
    mac, payload = raw[len(magic) : len(magic) + MAC_SIZE], memoryview(raw)[len(magic) + MAC_SIZE :]
    return payload if compare_digest(mac, _mac(key, person, context, payload)) else None
