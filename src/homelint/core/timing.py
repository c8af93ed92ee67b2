"""Phase timings for profiling: `HOMELINT_TIMINGS=1 homelint check` prints them to stderr."""

from __future__ import annotations

import os
import sys
import time

ENABLED = os.environ.get("HOMELINT_TIMINGS") == "1"
_START = time.perf_counter()
_last = _START
_phases: list[tuple[str, float]] = []


def mark(phase: str) -> None:
    """Record the time since the previous mark as `phase`."""
    global _last
    if not ENABLED:
        return
    now = time.perf_counter()
    _phases.append((phase, now - _last))
    _last = now


def report() -> None:
    if not ENABLED:
        return
    mark("rest")
    total = sum(seconds for _, seconds in _phases)
    parts = "  ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in _phases)
    print(f"homelint timings (ms): {parts}  total {total * 1000:.0f}", file=sys.stderr)
