"""The README's main command: the demo shows each planted defect at its line; clean passes."""

from __future__ import annotations

import re

from .conftest import FIXTURES


def planted(root):
    marks = set()
    for path in root.rglob("*.yaml"):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            match = re.search(r"DEFECT (HL\d{3})", line)
            if match:
                # a defect comment on its own line describes the document below it
                target = number if line.split("#")[0].strip() else None
                marks.add((path.relative_to(root).as_posix(), target, match.group(1)))
    return marks


def test_demo_reports_every_planted_defect_and_nothing_else(check_json):
    code, findings = check_json(FIXTURES / "demo")
    assert code == 1
    got = {(f["path"], f["line"], f["rule"]) for f in findings}
    for path, line, rule in planted(FIXTURES / "demo"):
        if line is None:
            assert any(p == path and r == rule for p, _, r in got), (path, rule)
        else:
            assert (path, line, rule) in got, (path, line, rule)
    assert len(got) == len(planted(FIXTURES / "demo"))


def test_clean_repo_passes(run):
    result = run("check", str(FIXTURES / "clean"), "--no-cache")
    assert result.exit_code == 0, result.output
    assert "All checks passed" in result.output
