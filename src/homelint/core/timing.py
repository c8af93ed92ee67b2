"""Phase timings for profiling: `HOMELINT_TIMINGS=1 homelint check` prints them to stderr
(`HOMELINT_TIMINGS=cpu`: this process's CPU time, the steadier figure on a busy machine)."""

from __future__ import annotations

import os
import sys
import time

ENABLED = os.environ.get("HOMELINT_TIMINGS") in ("1", "cpu")
_clock = time.process_time if os.environ.get("HOMELINT_TIMINGS") == "cpu" else time.perf_counter
_START = _clock()
_last = _START
_phases: list[tuple[str, float]] = []


def mark(phase: str) -> None:
    """Record the time since the previous mark as `phase`."""
    global _last
    if not ENABLED:
        return
    now = _clock()
    _phases.append((phase, now - _last))
    _last = now


def report() -> None:
    if not ENABLED:
        return
    mark("rest")
    total = sum(seconds for _, seconds in _phases)
    parts = "  ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in _phases)
    print(f"homelint timings (ms): {parts}  total {total * 1000:.0f}", file=sys.stderr)
