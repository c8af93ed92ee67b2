"""`homelint check --watch`: check again whenever a file under the repository changes (polling the
tree's stats, no extra dependency), and print only the findings that appeared or went away."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from homelint.core.model import Finding
from homelint.engine.lint import Options, run_check
from homelint.loading.discovery import SKIP_DIRS
from homelint.model.config import ConfigError

INTERVAL = 0.5  # seconds between two looks at the tree


def tree_signature(root: Path) -> frozenset[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every folder and file under `root` (not through symlinked folders,
    not in .git and the other folders no walk reads): equal while nothing was saved."""
    found: set[tuple[str, int, int]] = set()
    stack = [str(root)]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir and entry.name in SKIP_DIRS:
                continue
            found.add((entry.path, st.st_size, st.st_mtime_ns))
            if is_dir:
                stack.append(entry.path)
    return frozenset(found)


def line(finding: Finding) -> str:
    return f"{finding.path}:{finding.span.line}:{finding.span.column}: {finding.rule} [{finding.severity}] {finding.message}"


def changes(before: list[Finding], after: list[Finding]) -> list[str]:
    """`+ finding` for each finding that appeared, `- finding` for each that went away (matched by
    fingerprint, so a finding that only moved to another line is neither), in file order."""
    old = Counter(f.fingerprint() for f in before)
    new = Counter(f.fingerprint() for f in after)
    gone, came = old - new, new - old
    out: list[tuple[Any, str]] = []
    for sign, findings, pending in (("-", before, gone), ("+", after, came)):
        for finding in findings:
            fp = finding.fingerprint()
            if pending[fp] > 0:
                pending[fp] -= 1
                out.append((finding.sort_key(), f"{sign} {line(finding)}"))
    return [text for _, text in sorted(out, key=lambda item: (item[0], item[1][0]))]


def watch(
    options: Options,
    echo: Callable[[str], None],
    *,
    interval: float = INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> None:
    """Check, print every finding, then after each change print what changed, until interrupted
    (or after `rounds` looks at the tree). A run that fails (a broken config) is reported and
    the watch goes on."""
    result = run_check(options)
    findings = result.findings
    for finding in findings:
        echo(line(finding))
    echo(f"homelint: {len(findings)} finding{'s' if len(findings) != 1 else ''}; watching {result.root} for changes")
    signature = tree_signature(result.root)
    looked = 0
    while rounds is None or looked < rounds:
        sleep(interval)
        looked += 1
        now = tree_signature(result.root)
        if now == signature:
            continue
        signature = now
        try:
            fresh = run_check(options).findings
        except ConfigError as exc:
            echo(f"homelint: {exc}")
            continue
        diff = changes(findings, fresh)
        if diff:
            for text in diff:
                echo(text)
            echo(f"homelint: {len(fresh)} finding{'s' if len(fresh) != 1 else ''}")
        findings = fresh
