"""`homelint check --watch`: check again whenever a file under the repository changes, and print
only the findings that appeared or went away.

What changed is decided by the tree's stats (tree_signature): equal signatures, no run. Between
looks the watch sleeps until the kernel says a folder of the repository changed (inotify through
watchfiles, the `homelint[watch]` extra), or, without it, for a fixed interval (polling). Each
folder is watched on its own, never recursively: a symlink to a folder outside the repository is
not followed, as the walk does not follow it.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from homelint.core.model import Finding
from homelint.engine.lint import Options, run_check
from homelint.loading.discovery import SKIP_DIRS, find_repo_root
from homelint.model.config import ConfigError

INTERVAL = 0.5  # seconds between two looks at the tree when polling
DEBOUNCE_MS = 100  # notified changes that come within this time are one change (an editor's save)
# a look at the tree this often even when nothing was notified: a save between a look and the start
# of a new notifier (after a folder was added) is not lost
LOOK_ANYWAY_MS = 5000

Signature = frozenset[tuple[str, int, int, bool]]


def tree_signature(root: Path) -> Signature:
    """(path, size, mtime_ns, is a folder) of every folder and file under `root` (not through
    symlinked folders, not in .git and the other folders no walk reads): equal while nothing was
    saved."""
    found: set[tuple[str, int, int, bool]] = set()
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
            found.add((entry.path, st.st_size, st.st_mtime_ns, is_dir))
            if is_dir:
                stack.append(entry.path)
    return frozenset(found)


def folders(root: Path, signature: Signature) -> list[str]:
    """The repository's folders in a signature (the root first), sorted: what a notifier watches."""
    return [str(root), *sorted(path for path, _, _, is_dir in signature if is_dir)]


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


class Notifier:
    """Waits until the kernel reports a change in one of a list of folders (watchfiles, each folder
    watched alone). Built again when the folders change (one added, one removed)."""

    def __init__(self, stop: threading.Event) -> None:
        import watchfiles  # the `watch` extra (Notifier.available)

        self._watch = watchfiles.watch
        self._stop = stop
        self._dirs: list[str] = []
        self._changes: Generator[Any, None, None] | None = None

    @staticmethod
    def available() -> bool:
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            return False
        return True

    def wait(self, dirs: list[str]) -> bool:
        """Block until a change in `dirs` or LOOK_ANYWAY_MS passed (True), or until stopped (False)."""
        if dirs != self._dirs or self._changes is None:
            if self._changes is not None:
                self._changes.close()  # its watches end with it
            self._changes = self._watch(
                *dirs,
                recursive=False,
                watch_filter=None,
                debounce=DEBOUNCE_MS,
                step=50,
                stop_event=self._stop,
                raise_interrupt=False,
                ignore_permission_denied=True,
                rust_timeout=LOOK_ANYWAY_MS,
                yield_on_timeout=True,
            )
            self._dirs = dirs
        return next(self._changes, None) is not None


def watch(
    options: Options,
    echo: Callable[[str], None],
    *,
    interval: float = INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
    notify: bool | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Check, print every finding, then after each change print what changed, until interrupted
    (or after `rounds` waits, or once `stop` is set). `notify`: wait for the kernel's word of a
    change (default: when watchfiles is installed), else poll every `interval` seconds. A run that
    fails (a broken config) is reported and the watch goes on."""
    stop = stop if stop is not None else threading.Event()
    notifier = Notifier(stop) if (Notifier.available() if notify is None else notify) else None
    target = options.paths[0]
    root = find_repo_root(target) if target.exists() else target
    checked = tree_signature(root)  # before the check: a save during it is seen at the next look
    result = run_check(options)
    findings = result.findings
    for finding in findings:
        echo(line(finding))
    how = "notified of changes" if notifier is not None else f"looking every {interval} s"
    echo(f"homelint: {len(findings)} finding{'s' if len(findings) != 1 else ''}; watching {result.root} ({how})")
    waits = 0
    while True:
        now = tree_signature(root)
        if now != checked:  # check again, then look again at once
            checked = now
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
            continue
        if stop.is_set() or (rounds is not None and waits >= rounds):
            return
        waits += 1
        if notifier is None:
            sleep(interval)
            continue
        try:
            if not notifier.wait(folders(root, now)):
                return  # stopped
        except OSError as exc:  # e.g. the kernel's limit of watches reached: poll instead
            echo(f"homelint: cannot be notified of changes ({exc}); looking every {interval} s instead")
            notifier = None
