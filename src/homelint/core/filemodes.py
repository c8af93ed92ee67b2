"""The permission bits of the files homelint writes (reports, baselines, rendered output)."""

from __future__ import annotations

import os
from pathlib import Path


def umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """What `open(path, "w")` gives a new file: 0o666 less the umask (mkstemp's 0o600 is for secrets)."""
    return 0o666 & ~umask()


def mode_for(target: Path) -> int:
    """The mode a file written over `target` gets: the mode of the file it replaces (an editor's
    rule), else a new file's."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        return new_file_mode()
