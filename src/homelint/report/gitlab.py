"""GitLab Code Quality report (a JSON array of issues, as `artifacts: reports: codequality` reads)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from homelint.report import host_path

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def render_gitlab(result: Any) -> str:
    security = {r.id for r in result.rules.values() if "security" in r.tags}
    seen: Counter[str] = Counter()
    issues = []
    for f in result.findings:
        fp = f.fingerprint()
        seen[fp] += 1
        s = f.span
        issues.append(
            {
                "type": "issue",
                "check_name": f.rule,
                "description": f"{f.rule} {f.name}: {f.message}" + (f" (fix: {f.fix})" if f.fix else ""),
                "categories": ["Security"] if f.rule in security else ["Bug Risk"],
                "severity": "critical" if f.rule in security and f.severity == "error" else SEVERITY[f.severity],
                # unique per issue, stable across line moves (as SARIF's primaryLocationLineHash)
                "fingerprint": f"{fp}:{seen[fp]}",
                "location": {
                    "path": host_path(result.root, f.path),
                    "positions": {
                        "begin": {"line": s.line, "column": s.column},
                        "end": {"line": s.end_line, "column": s.end_column},
                    },
                },
            }
        )
    return json.dumps(issues, indent=2) + "\n"
