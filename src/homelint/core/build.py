"""Where this homelint's code and data are, and which build it is (build_id). Imports only os and
blake2b: the replay of an unchanged check (engine.replay) asks before anything else is loaded."""

from __future__ import annotations

import os
from functools import cache

from homelint.core.digest import blake2b

PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # homelint/


@cache
def data_folder(name: str) -> str:
    """The packaged `_data/<name>` folder (a wheel) or the source tree's `<name>`."""
    for candidate in (os.path.join(PACKAGE, "_data", name), os.path.join(os.path.dirname(os.path.dirname(PACKAGE)), name)):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError(f"homelint data folder '{name}' is missing from this installation")


@cache
def build_id() -> str:
    """Which code and data this homelint is, beyond its version number: a cache or replay record
    written by another build (another commit installed under the same version, as pre-commit does
    for each `rev`, or an edited checkout) must not answer for this one.

    An installed wheel: its RECORD, which lists every file with its sha256. A source checkout (an
    editable install, whose RECORD lists only the import hook): the path, size and mtime of every
    file of the package and of its rules and schemas folders (~200 stats; hashing their ~1.3 MB
    would cost ~40 ms a run)."""
    from homelint import __version__

    record = os.path.join(os.path.dirname(PACKAGE), f"homelint-{__version__}.dist-info", "RECORD")
    try:
        with open(record, "rb") as file:
            listed = file.read()
    except OSError:
        listed = b""
    if b"homelint/__init__.py," in listed:
        return blake2b(listed, digest_size=16).hexdigest()
    h = blake2b(digest_size=16)
    inside = os.path.join(PACKAGE, "")
    tops = [PACKAGE, *(d for d in (data_folder("rules"), data_folder("schemas")) if not d.startswith(inside))]
    for top in tops:
        stack = [top]
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
        h.update(b"\1")
    return h.hexdigest()
