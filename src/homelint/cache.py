"""Content-hash cache of per-file parse results and of whole-run findings, in `.homelint_cache/`.

Writes are atomic (temp file + rename). A read-only repository simply runs without a cache.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

from homelint import __version__

CACHE_DIR = ".homelint_cache"
CACHE_FORMAT = 8  # bump when what is cached changes shape (7: spans follow YAML merge keys; suppressions; 8: $schema comments)
RUNS_KEPT = 4  # whole-run results kept, newest first


def digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class Cache:
    """index.marshal (path -> size, mtime, digest) is read on every run; files.marshal (the parsed
    files) only when something must be analysed, so an unchanged repository answers from
    run.marshal without unmarshalling every document."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.dir = root / CACHE_DIR / f"v{__version__}-{CACHE_FORMAT}"
        self.enabled = enabled
        self.index: dict[str, tuple[int, int, str]] = {}
        self._data: dict[str, tuple[str, Any]] | None = None  # path -> (digest, parsed tuple)
        self.index_dirty = self.data_dirty = False
        if enabled:
            self.index = self._load("index.marshal") or {}

    def _load(self, name: str) -> Any:
        try:
            with open(self.dir / name, "rb") as handle:
                return marshal.load(handle)
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def _store(self, name: str, value: Any) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            ignore = self.dir.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by homelint\n*\n")
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(value, handle)
            os.replace(tmp, self.dir / name)
        except (OSError, ValueError):
            pass  # read-only tree or unmarshallable value: run without cache

    def _files(self) -> dict[str, tuple[str, Any]]:
        if self._data is None:
            self._data = (self._load("files.marshal") or {}) if self.enabled else {}
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
        self.index[path] = (size, mtime_ns, content_digest)
        self.index_dirty = True

    def parsed(self, path: str, content_digest: str) -> Any:
        """The parse result stored for this content, or None."""
        entry = self._files().get(path)
        return entry[1] if entry and entry[0] == content_digest else None

    def put(self, path: str, size: int, mtime_ns: int, content_digest: str, parsed: Any) -> None:
        self.index[path] = (size, mtime_ns, content_digest)
        self._files()[path] = (content_digest, parsed)
        self.index_dirty = self.data_dirty = True

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
            self._spans: dict[str, tuple[int, int, int, int]] = self._load("spans.marshal") or {}
            self._spans_size = len(self._spans)
        return self._spans

    def save(self) -> None:
        if self.enabled and self.data_dirty and self._data is not None:
            self._store("files.marshal", self._data)  # before the index: an index never runs ahead
        if self.enabled and self.index_dirty:
            self._store("index.marshal", self.index)
        spans = getattr(self, "_spans", None)
        if self.enabled and spans is not None and len(spans) != self._spans_size:
            live = set(entry[2] for entry in self.index.values())
            self._store("spans.marshal", {k: v for k, v in spans.items() if k.split("|", 1)[0] in live})

    def _runs(self) -> list[tuple[str, Any]]:
        if not hasattr(self, "_run_list"):
            stored = self._load("runs.marshal") if self.enabled else None
            self._run_list: list[tuple[str, Any]] = [tuple(r) for r in stored] if isinstance(stored, list) else []  # type: ignore[misc]
        return self._run_list

    def run_result(self, key: str) -> Any:
        """The findings of a run over exactly these contents (the run key), if one of the last
        RUNS_KEPT runs had them: the tree as it is, or as it was at the last commit (what
        `--diff-base HEAD` compares with in a pre-commit hook)."""
        if not self.enabled:
            return None
        return next((value for stored, value in self._runs() if stored == key), None)

    def store_run_result(self, key: str, value: Any) -> None:
        if self.enabled:
            self._run_list = [(key, value), *[r for r in self._runs() if r[0] != key]][:RUNS_KEPT]
            self._store("runs.marshal", self._run_list)


def clean(root: Path) -> bool:
    import shutil

    target = root / CACHE_DIR
    if target.is_dir():
        shutil.rmtree(target)
        return True
    return False
