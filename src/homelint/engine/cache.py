"""Content-hash cache of per-file parse results and of whole-run findings.

The cache belongs to this machine and user, never to the repository: a pull request can commit
anything, including a forged cache. So it lives in the user cache folder ($HOMELINT_CACHE_DIR, else
$XDG_CACHE_HOME/homelint, else ~/.cache/homelint), one folder per repository (keyed by the
repository's real path), and every file in it is signed with a per-user key (`key`, 32 random
bytes, mode 0600, beside the repositories' folders): a file whose signature does not verify, that is
too big, malformed or of the wrong shape, that is a symlink, or that another user owns, is absent.
A cache folder inside the repository itself (a repository that is the home folder) is not used.

Writes are atomic (safeio.atomic_write). Where no cache folder can be made, runs go without one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import marshal
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from homelint import __version__
from homelint.core.build import build_id
from homelint.core.digest import blake2b
from homelint.core.model import Finding
from homelint.engine import userstore
from homelint.engine.userstore import open_home, owned_private, seal, subdir, unseal, user_key
from homelint.loading.safeio import atomic_write, content_digest, is_within, read_regular
from homelint.loading.yamlload import ParsedFile

LEGACY_DIR = ".homelint_cache"  # where earlier versions kept the cache (inside the repository)
CACHE_FORMAT = 12  # bump when what is cached changes shape (7: merge keys, suppressions; 8: $schema comments; 9: signed files; 10: runner.to_plain; 11: facts beside the parse; 12: kept runs marshalled one by one)
RUNS_KEPT = 4  # whole-run results kept, newest first
MAGIC = b"HLCACHE1"
PERSON = b"homelint-cache"  # the MAC's personalisation: a replay record is never a cache file
MAX_CACHE_FILE = 1 << 30  # a bigger cache file is absent
# A file modified this recently may be rewritten within the same mtime tick with as many bytes (git's
# "racily clean" entries; ticks are 1-10 ms on Linux, 1-2 s on some filesystems): its stat is not
# recorded, so the next run hashes its content instead of trusting size and mtime.
RACY_NS = 2_000_000_000
UNTRUSTED_MTIME = -1  # never a file's mtime_ns: the entry's digest is confirmed by hashing


def stable_mtime(mtime_ns: int, since: int | None = None) -> int:
    """`mtime_ns` if it is old enough to stand for the content read at or after `since` (a run's
    start, before it stats or reads anything; default: now), else UNTRUSTED_MTIME. A stat recorded
    at the end of a long run is judged by when the file was read, not by when the run ends."""
    return mtime_ns if mtime_ns < (time.time_ns() if since is None else since) - RACY_NS else UNTRUSTED_MTIME


def digest(raw: bytes) -> str:
    return content_digest(raw)


def cache_home() -> Path | None:
    home = userstore.cache_home()
    return Path(home) if home is not None else None


def repo_cache_dir(root: Path) -> Path | None:
    """The cache folder of the repository at `root` (it may not exist)."""
    home = cache_home()
    if home is None:
        return None
    return home / "repos" / blake2b(os.path.realpath(root).encode(errors="surrogateescape"), digest_size=10).hexdigest()


class _Store:
    """The cache folder of one repository: signed reads and atomic writes of named values. The
    folder is opened anew (never through a symlink) for each read or write, so no descriptor is
    held between them."""

    def __init__(self, root: Path) -> None:
        self.key = b""
        self.home: str | None = None
        self.parts: tuple[str, ...] = ()
        home = cache_home()
        repo_dir = repo_cache_dir(root)
        if home is None or repo_dir is None:
            return
        with contextlib.suppress(OSError):
            os.makedirs(home, mode=0o700, exist_ok=True)
        home_real = os.path.realpath(home)
        if is_within(home_real, os.path.realpath(root)):
            return  # the repository could commit the key and the cache
        self.parts = ("repos", repo_dir.name, f"v{__version__}-{CACHE_FORMAT}")
        self.scope = (
            f"{repo_dir.name}/{CACHE_FORMAT}/{__version__}/{build_id()}".encode()
        )  # another build's entries fail their MAC
        try:
            fd = open_home(home_real)
            try:
                self.key = user_key(fd)
            finally:
                os.close(fd)
        except OSError:
            return
        self.home = home_real

    def _open(self) -> int:
        """The repository's cache folder, made if missing (0700)."""
        assert self.home is not None
        fd = open_home(self.home)
        for part in self.parts:
            parent, fd = fd, -1
            fd = subdir(parent, part)
        return fd

    @property
    def usable(self) -> bool:
        return self.home is not None and bool(self.key)

    def _context(self, name: str) -> bytes:
        """What a cache file's MAC binds besides its bytes: the repository (scope) and the file's name."""
        return self.scope + b"\0" + name.encode() + b"\0"

    def load(self, name: str) -> Any:
        if not self.usable:
            return None
        try:
            fd = self._open()
            try:
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if not owned_private(st, False):
                    return None
                raw = read_regular(name, MAX_CACHE_FILE, dir_fd=fd, follow=False)
            finally:
                os.close(fd)
        except OSError:
            return None
        payload = unseal(MAGIC, self.key, PERSON, self._context(name), raw)
        if payload is None:
            return None  # not written by this user's homelint: forged, copied or corrupted
        try:
            return marshal.loads(payload)
        except Exception:
            return None

    def folder(self, name: str) -> Path | None:
        """The path of the private folder `name` in this repository's cache folder (made if missing;
        never through a symlink); None without a usable cache."""
        if not self.usable:
            return None
        try:
            os.close(subdir(self._open(), name))
        except OSError:
            return None
        assert self.home is not None
        return Path(self.home, *self.parts, name)

    def store(self, name: str, value: Any) -> None:
        if not self.usable:
            return
        try:
            payload = marshal.dumps(value)
            fd = self._open()
            try:
                atomic_write(Path(name), seal(MAGIC, self.key, PERSON, self._context(name), payload), mode=0o600, dir_fd=fd)
            finally:
                os.close(fd)
        except (OSError, ValueError):
            pass  # full disk, read-only home, unmarshallable value: run without cache


@functools.cache
def _parsed_fields() -> int:
    """How many fields a cached ParsedFile tuple has."""
    return len(dataclasses.fields(ParsedFile))


@functools.cache
def _finding_fields() -> int:
    return len(dataclasses.fields(Finding))


def _valid_index(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    for path, entry in value.items():
        if not (
            isinstance(path, str)
            and isinstance(entry, tuple)
            and len(entry) == 3
            and type(entry[0]) is int
            and type(entry[1]) is int
            and isinstance(entry[2], str)
        ):
            return False
    return True


def _valid_run(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("findings"), list)
        and all(isinstance(f, tuple) and len(f) == _finding_fields() for f in value["findings"])
        and isinstance(value.get("suppressions"), dict)
        and isinstance(value.get("stats"), dict)
    )


def _run_of(raw: bytes) -> Any:
    """A kept run's record from its marshalled bytes; None when not of the right shape."""
    try:
        value = marshal.loads(raw)
    except Exception:
        return None
    return value if _valid_run(value) else None


class Cache:
    """index.marshal (path -> size, mtime, digest) is read on every run; files.marshal (the parsed
    files) only when something must be analysed, so an unchanged repository answers from
    run.marshal without unmarshalling every document."""

    def __init__(self, root: Path, enabled: bool = True, with_index: bool = True) -> None:
        """`with_index`: read index.marshal (False: only named values are read, see load_value)."""
        self.started_ns = time.time_ns()  # before the run stats or reads a file: what stable_mtime judges by
        self.enabled = enabled
        self.index: dict[str, tuple[int, int, str]] = {}
        self._data: dict[str, tuple[str, Any, Any]] | None = None  # path -> (digest, parsed tuple, (facts key, facts))
        self.index_dirty = self.data_dirty = False
        self._store = _Store(root) if enabled else None
        if self._store is not None and not self._store.usable:
            self.enabled = False
        if self.enabled and with_index:
            index = self._load("index.marshal")
            self.index = index if _valid_index(index) else {}

    def _load(self, name: str) -> Any:
        return self._store.load(name) if self._store is not None else None

    def load_value(self, name: str) -> Any:
        """A named value of this repository's cache (None when absent or not verified)."""
        return self._load(name) if self.enabled else None

    def store_value(self, name: str, value: Any) -> None:
        if self.enabled and self._store is not None:
            self._store.store(name, value)

    def folder(self, name: str) -> Path | None:
        """A private folder of this repository's cache (see _Store.folder); None without a cache."""
        return self._store.folder(name) if self.enabled and self._store is not None else None

    def _files(self) -> dict[str, tuple[str, Any, Any]]:
        if self._data is None:
            data = self._load("files.marshal") if self.enabled else None
            self._data = data if isinstance(data, dict) else {}
        return self._data

    def lookup(self, path: str, size: int, mtime_ns: int) -> str | None:
        """The content digest recorded for a file whose size and mtime are unchanged."""
        entry = self.index.get(path)
        if entry and entry[0] == size and entry[1] == mtime_ns:
            return entry[2]
        return None

    def known_digest(self, path: str) -> str | None:
        entry = self.index.get(path)
        return entry[2] if entry else None

    def touch(self, path: str, size: int, mtime_ns: int, content_digest: str) -> None:
        """Same content, new mtime (a checkout, a rebase): remember the new stat."""
        entry = (size, stable_mtime(mtime_ns, self.started_ns), content_digest)
        if self.index.get(path) != entry:
            self.index[path] = entry
            self.index_dirty = True

    def parsed(self, path: str, content_digest: str, facts_key: str) -> tuple[Any, Any] | None:
        """(the parse result, the per-file facts) stored for this content, the facts made under
        `facts_key`; else None (also when not of the right shape)."""
        entry = self._files().get(path)
        if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == content_digest:
            parsed, facts = entry[1], entry[2]
            if (
                isinstance(parsed, tuple)
                and len(parsed) == _parsed_fields()
                and parsed[0] == path
                and isinstance(facts, tuple)
                and len(facts) == 2
                and facts[0] == facts_key
            ):
                return parsed, facts[1]
        return None

    def put(self, path: str, size: int, mtime_ns: int, content_digest: str, parsed: Any, facts: tuple[str, Any]) -> None:
        """Keep a file's parse and its (facts key, facts)."""
        self.index[path] = (size, stable_mtime(mtime_ns, self.started_ns), content_digest)
        self._files()[path] = (content_digest, parsed, facts)
        self.index_dirty = self.data_dirty = True

    def release(self) -> None:
        """Let go of the parses once they are saved (read again from files.marshal if asked for)."""
        if not self.data_dirty:
            self._data = None

    def prune(self, present: set[str]) -> None:
        for path in [p for p in self.index if p not in present]:
            del self.index[path]
            self.index_dirty = True
        if self._data is not None:
            for path in [p for p in self._data if p not in present]:
                del self._data[path]
                self.data_dirty = True

    def spans(self) -> dict[str, tuple[int, int, int, int]] | None:
        """Finding positions by file content hash, shared across runs (None without a cache)."""
        if not self.enabled:
            return None
        if not hasattr(self, "_spans"):
            spans = self._load("spans.marshal")
            valid = isinstance(spans, dict) and all(
                isinstance(k, str) and isinstance(v, tuple) and len(v) == 4 for k, v in spans.items()
            )
            self._spans: dict[str, tuple[int, int, int, int]] = spans if valid else {}
            self._spans_size = len(self._spans)
        return self._spans

    def save(self) -> None:
        """Write what changed since the last save (a run may save more than once)."""
        if self._store is None or not self.enabled:
            return
        if self.data_dirty and self._data is not None:
            self._store.store("files.marshal", self._data)  # before the index: an index never runs ahead
            self.data_dirty = False
        if self.index_dirty:
            self._store.store("index.marshal", self.index)
            self.index_dirty = False
        spans = getattr(self, "_spans", None)
        if spans is not None and len(spans) != self._spans_size:
            live = set(entry[2] for entry in self.index.values())
            self._store.store("spans.marshal", {k: v for k, v in spans.items() if k.split("|", 1)[0] in live})
            self._spans_size = len(spans)

    def _runs(self) -> list[tuple[str, bytes]]:
        """The kept runs, newest first: (run key, the record marshalled). A record is unmarshalled
        only when asked for: a run holds the bytes of the others (to write them again), not the
        records with a layout entry per file."""
        if not hasattr(self, "_run_list"):
            stored = self._load("runs.marshal") if self.enabled else None
            valid = isinstance(stored, list) and all(
                isinstance(r, tuple) and len(r) == 2 and isinstance(r[0], str) and isinstance(r[1], bytes) for r in stored
            )
            self._run_list: list[tuple[str, bytes]] = stored if valid else []  # type: ignore[assignment]
        return self._run_list

    def run_result(self, key: str) -> Any:
        """The findings of a run over exactly these contents (the run key), if one of the last
        RUNS_KEPT runs had them: the tree as it is, or as it was at the last commit (what
        `--diff-base HEAD` compares with in a pre-commit hook)."""
        if not self.enabled:
            return None
        return next((_run_of(raw) for stored, raw in self._runs() if stored == key), None)

    def kept_runs(self) -> Iterator[Any]:
        """The kept run results, newest first, each unmarshalled when reached."""
        for _, raw in self._runs() if self.enabled else []:
            value = _run_of(raw)
            if value is not None:
                yield value

    def store_run_result(self, key: str, value: Any) -> None:
        if self.enabled and self._store is not None:
            try:
                raw = marshal.dumps(value)
            except ValueError:
                return  # not marshallable: not kept
            self._run_list = [(key, raw), *[r for r in self._runs() if r[0] != key]][:RUNS_KEPT]
            self._store.store("runs.marshal", self._run_list)


def clean(root: Path) -> bool:
    """Delete the cache of the repository at `root` (and a cache an older homelint left inside it),
    and every kept output of a check (engine.replay: they do not say which repository they read)."""
    removed = False
    target = repo_cache_dir(root)
    if target is not None and os.path.isdir(target) and not os.path.islink(target):
        shutil.rmtree(target)
        removed = True
    home = cache_home()
    records = home / "replay" if home is not None else None
    if records is not None and os.path.isdir(records) and not os.path.islink(records):
        shutil.rmtree(records)
    legacy = root / LEGACY_DIR
    marker = legacy / ".gitignore"
    if legacy.is_dir() and not legacy.is_symlink() and marker.is_file() and not marker.is_symlink():
        with contextlib.suppress(OSError):
            if marker.read_text(errors="replace").startswith("# created by homelint"):
                shutil.rmtree(legacy)
                removed = True
    return removed
