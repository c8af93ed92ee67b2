"""Locate the packaged `rules/` and `schemas/` folders (wheel) or the source tree's, and say which
build of homelint this is (build_id)."""

from __future__ import annotations

import json
import os
from functools import cache
from hashlib import blake2b
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent.parent  # homelint/


@cache
def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"homelint data folder '{name}' is missing from this installation")


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))


@cache
def build_id() -> str:
    """Which code and data this homelint is, beyond its version number: a cache or replay record
    written by another build (another commit installed under the same version, as pre-commit does
    for each `rev`, or an edited checkout) must not answer for this one.

    An installed wheel: its RECORD, which lists every file with its sha256. A source checkout (an
    editable install, whose RECORD lists only the import hook): the name, size and mtime of every
    file of the package and of its rules and schemas folders (~200 stats; hashing their ~1.3 MB
    would cost ~40 ms a run)."""
    from homelint import __version__

    record = _PACKAGE.parent / f"homelint-{__version__}.dist-info" / "RECORD"
    try:
        listed = record.read_bytes()
    except OSError:
        listed = b""
    if b"homelint/__init__.py," in listed:
        return blake2b(listed, digest_size=16).hexdigest()
    h = blake2b(digest_size=16)
    tops = [_PACKAGE, *(d for d in (data_dir("rules"), data_dir("schemas")) if not d.is_relative_to(_PACKAGE))]
    for top in tops:
        stack = [str(top)]
        while stack:
            folder = stack.pop()
            with os.scandir(folder) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name != "__pycache__":
                            stack.append(entry.path)
                        continue
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    h.update(f"{entry.path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()
