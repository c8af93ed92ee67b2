"""JSON output: a list of finding objects in deterministic order."""

from __future__ import annotations

import json
from typing import Any

from homelint.core.model import Finding


def finding_dict(finding: Finding) -> dict[str, Any]:
    s = finding.span
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity,
        "path": finding.path,
        "line": s.line,
        "column": s.column,
        "end_line": s.end_line,
        "end_column": s.end_column,
        "message": finding.message,
        "fix": finding.fix,
        "fingerprint": finding.fingerprint(),
    }


def render_json(result: Any) -> str:
    return json.dumps([finding_dict(f) for f in result.findings], indent=2) + "\n"
