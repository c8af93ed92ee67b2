"""Reporters: text, JSON, SARIF, GitHub workflow commands, GitLab Code Quality, JUnit XML.

Findings carry paths relative to the linted repository's root (the folder with `.homelint.yaml`).
Terminal output shows them relative to the current directory, as ruff does; the formats a code host
reads (SARIF, GitHub annotations, GitLab) relative to the git work tree, which is where the host
looks them up, also when `.homelint.yaml` lives in a subfolder of a monorepo.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def work_tree(root: Path) -> tuple[Path, str]:
    """(the git work tree containing `root`, or `root` itself outside git; `root`'s path in it)."""
    from homelint.loading.discovery import git_work_tree  # start-up: every command imports this module

    return git_work_tree(root) or (root.resolve(), "")


def host_path(root: Path, path: str) -> str:
    """A finding's path relative to the git work tree (SARIF, GitHub, GitLab)."""
    return work_tree(root)[1] + path


def display_path(root: Path, path: str) -> str:
    """A finding's path as the terminal shows it: relative to the current directory when under it
    (clickable where you run homelint), else absolute."""
    full = os.path.join(root, path)
    try:
        cwd = os.getcwd()
    except OSError:
        return full
    rel = os.path.relpath(full, cwd)
    return full if rel == ".." or rel.startswith("../") else rel
