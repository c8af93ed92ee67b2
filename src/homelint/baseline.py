"""Baseline files: record current findings by fingerprint, then report only new ones."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from pathlib import Path

from homelint.config import ConfigError
from homelint.model import Finding

FORMAT = "homelint-baseline/1"


def write_baseline(findings: list[Finding], path: Path) -> int:
    counts = Counter(f.fingerprint() for f in findings)
    entries = sorted(
        ({"fingerprint": f.fingerprint(), "rule": f.rule, "path": f.path, "count": counts[f.fingerprint()]} for f in findings),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"]),
    )
    unique = list({e["fingerprint"]: e for e in entries}.values())
    payload = json.dumps({"format": FORMAT, "findings": unique}, indent=2) + "\n"
    from homelint.filemodes import mode_for

    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=".baseline-")
    os.fchmod(fd, mode_for(path))  # a file to commit: the umask's mode, not mkstemp's 0600
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(payload)
    os.replace(tmp, path)
    return len(unique)


def filter_baseline(findings: list[Finding], path: Path) -> tuple[list[Finding], int]:
    """Drop findings recorded in the baseline; also return how many entries are stale."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {e["fingerprint"]: int(e.get("count", 1)) for e in data["findings"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a readable homelint baseline ({exc})") from exc
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
