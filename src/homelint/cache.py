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
CACHE_FORMAT = 4  # bump when what is cached changes shape


def digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class Cache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.dir = root / CACHE_DIR / f"v{__version__}-{CACHE_FORMAT}"
        self.enabled = enabled
        self.files: dict[str, tuple[int, int, str, Any]] = {}
        self.dirty = False
        if enabled:
            self.files = self._load("files.marshal") or {}

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

    def lookup(self, path: str, size: int, mtime_ns: int) -> tuple[str, Any] | None:
        entry = self.files.get(path)
        if entry and entry[0] == size and entry[1] == mtime_ns:
            return entry[2], entry[3]
        return None

    def lookup_digest(self, path: str, content_digest: str) -> Any:
        entry = self.files.get(path)
        if entry and entry[2] == content_digest:
            return entry[3]
        return None

    def put(self, path: str, size: int, mtime_ns: int, content_digest: str, parsed: Any) -> None:
        self.files[path] = (size, mtime_ns, content_digest, parsed)
        self.dirty = True

    def prune(self, present: set[str]) -> None:
        for path in list(self.files):
            if path not in present:
                del self.files[path]
                self.dirty = True

    def spans(self) -> dict[str, tuple[int, int, int, int]] | None:
        """Finding positions by file content hash, shared across runs (None without a cache)."""
        if not self.enabled:
            return None
        if not hasattr(self, "_spans"):
            self._spans: dict[str, tuple[int, int, int, int]] = self._load("spans.marshal") or {}
            self._spans_size = len(self._spans)
        return self._spans

    def save(self) -> None:
        if self.enabled and self.dirty:
            self._store("files.marshal", self.files)
        spans = getattr(self, "_spans", None)
        if self.enabled and spans is not None and len(spans) != self._spans_size:
            live = set(entry[2] for entry in self.files.values())
            self._store("spans.marshal", {k: v for k, v in spans.items() if k.split("|", 1)[0] in live})

    def run_result(self, key: str) -> Any:
        if not self.enabled:
            return None
        stored = self._load("run.marshal")
        if stored and stored[0] == key:
            return stored[1]
        return None

    def store_run_result(self, key: str, value: Any) -> None:
        if self.enabled:
            self._store("run.marshal", (key, value))


def clean(root: Path) -> bool:
    import shutil

    target = root / CACHE_DIR
    if target.is_dir():
        shutil.rmtree(target)
        return True
    return False
