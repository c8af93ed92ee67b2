"""Scripts whose name does not say they are one: mise file tasks, and shell scripts known by their
shebang line. Checks that read bootstrap and push commands read them with the scripts they know by
suffix (`.sh`, justfiles)."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from homelint.loading.discovery import KUSTOMIZATION_NAMES, has_no_suffix, in_mise_tasks

if TYPE_CHECKING:
    from homelint.model.repo import Repo

# The shells whose scripts are command lines as a `.sh` file's are (POSIX sh and its relatives):
# what the checks look for in them (`kubectl apply -f`, `kubectl create namespace`, `flux push
# artifact`) is a command there. Another interpreter's file (python, node, just, make) holds such
# text as strings or recipes of its own syntax, as a `.py` file does, which is not read either.
SHELLS = frozenset({"sh", "bash", "dash", "ash", "ksh", "mksh", "zsh"})
# how much of a file the kernel reads for its `#!` line (Linux BINPRM_BUF_SIZE): the shebang test
# reads no more
SHEBANG_BYTES = 256


def shell_shebang(head: bytes) -> bool:
    """Whether a file starting with `head` is a shell script by its `#!` line: the interpreter's
    base name is a shell (`#!/bin/bash -e`), or it is `env` whose first word that is not an option
    or a VAR=value is (`#!/usr/bin/env bash`, `#!/usr/bin/env -S bash -eu`)."""
    line = head[:SHEBANG_BYTES].split(b"\n", 1)[0]
    if not line.startswith(b"#!"):
        return False
    words = line[2:].split()
    if words and posixpath.basename(words[0]) == b"env":
        words = [w for w in words[1:] if not w.startswith(b"-") and b"=" not in w]
    return bool(words) and posixpath.basename(words[0]).decode("ascii", "replace") in SHELLS


def unnamed_scripts(repo: Repo) -> frozenset[str]:
    """The files run as scripts that no suffix or name marks: every file of a mise task folder (mise
    runs each executable one as a task, whatever its suffix, and reads each .toml as task
    definitions; the executable bit is not asked: a file there is taken as a task), and each file
    without a suffix whose first line is a shell's shebang (`scripts/bootstrap`). Only the first
    SHEBANG_BYTES of a file are read to tell; nothing is run. Once per run."""

    def find() -> frozenset[str]:
        found: set[str] = set()
        for path in repo.files.all_files:
            if in_mise_tasks(path):
                found.add(path)
            elif has_no_suffix(path) and posixpath.basename(path) not in KUSTOMIZATION_NAMES:  # not YAML
                head = repo.read_head(path, SHEBANG_BYTES)
                if head is not None and shell_shebang(head):
                    found.add(path)
        return frozenset(found)

    return repo.memo("scripts.unnamed", find)
