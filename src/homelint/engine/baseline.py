"""Baseline files: record current findings by fingerprint, then report only new ones."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from homelint.core.filemodes import mode_for
from homelint.core.model import Finding
from homelint.loading.safeio import atomic_write, read_regular
from homelint.model.config import ConfigError

FORMAT = "homelint-baseline/1"
MAX_BASELINE_BYTES = 64 << 20


def write_baseline(findings: list[Finding], path: Path, root: Path | None = None) -> int:
    """Write the baseline to `path`, never through a symlink inside `root` (safeio.atomic_write)."""
    counts = Counter(f.fingerprint() for f in findings)
    entries = sorted(
        ({"fingerprint": f.fingerprint(), "rule": f.rule, "path": f.path, "count": counts[f.fingerprint()]} for f in findings),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"]),
    )
    unique = list({e["fingerprint"]: e for e in entries}.values())
    payload = json.dumps({"format": FORMAT, "findings": unique}, indent=2) + "\n"
    atomic_write(path, payload.encode(), root=root, exact_mode=mode_for(path))  # a file to commit: the umask's mode
    return len(unique)


def filter_baseline(findings: list[Finding], path: Path) -> tuple[list[Finding], int]:
    """Drop findings recorded in the baseline; also return how many entries are stale."""
    try:
        raw = read_regular(path, MAX_BASELINE_BYTES)
        if raw is None:
            raise ValueError(f"not a regular file of at most {MAX_BASELINE_BYTES >> 20} MiB")
        data = json.loads(raw.decode("utf-8"))
        known = {e["fingerprint"]: int(e.get("count", 1)) for e in data["findings"]}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the baseline: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) and not isinstance(exc, UnicodeDecodeError) else "wrong shape"
        raise ConfigError(f"{path}: not a readable homelint baseline ({reason[:120]})") from exc
    remaining = dict(known)
    kept = []
    for finding in findings:
        fp = finding.fingerprint()
        if remaining.get(fp, 0) > 0:
            remaining[fp] -= 1
        else:
            kept.append(finding)
    stale = sum(1 for fp, n in remaining.items() if n == known[fp])
    return kept, stale
