"""Regression cases from real repositories (fixtures/cases/<RULE>-<what>/): a bad/good pair of
overlays on a rule fixture (itself an overlay on fixtures/base), each shaped like the case that once
gave a false or duplicate finding. `# expect: HLxxx` (optionally followed by a severity) marks every
finding of the case's rules, and <side>.snapshot.json holds those findings in full, so a changed
message is a visible diff (`HOMELINT_UPDATE_SNAPSHOTS=1 pytest tests/test_cases.py` rewrites them)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from homelint.loading.yamlload import parse_bytes

from .conftest import FIXTURES, PROJECT
from .test_rule_fixtures import snapshot

CASES = FIXTURES / "cases"
EXPECT = re.compile(r"expect: (HL\d{3})(?: (info|warning|error))?")


def spec_of(case: Path) -> dict:
    return parse_bytes("case.yaml", (case / "case.yaml").read_bytes()).docs[0]


def build(tmp_path: Path, case: Path, side: str) -> Path:
    spec = spec_of(case)
    root = tmp_path / side
    shutil.copytree(FIXTURES / spec["base"], root)
    for rel in spec.get("remove", {}).get(side, []):
        (root / rel).unlink()
    shutil.copytree(case / side, root, dirs_exist_ok=True)
    return root


def marked(root: Path) -> list[tuple[str, int, str, str | None]]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            for number, line in enumerate(path.read_text().splitlines(), 1):
                for rule, severity in EXPECT.findall(line):
                    found.append((path.relative_to(root).as_posix(), number, rule, severity or None))
    return sorted(found, key=str)


def case_rules(case: Path) -> set[str]:
    return set(spec_of(case)["rules"])


@pytest.mark.parametrize("side", ["bad", "good"])
@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()), ids=str)
def test_case_fires_exactly_where_marked(case, side, tmp_path, check_json):
    root = build(tmp_path, CASES / case, side)
    rules = case_rules(CASES / case)
    want = marked(root)
    if side == "bad":
        assert want, f"{case}/bad marks no expected finding"
    _, findings = check_json(root, "--select", "ALL")
    mine = [f for f in findings if f["rule"] in rules]
    assert sorted((f["path"], f["line"], f["rule"]) for f in mine) == sorted((p, n, r) for p, n, r, _ in want)
    severities = {(f["path"], f["line"], f["rule"]): f["severity"] for f in findings}
    for path, number, rule, severity in want:
        if severity:
            assert severities[(path, number, rule)] == severity, (path, number, rule)
    for text in spec_of(CASES / case).get("messages", {}).get(side, []):
        assert any(text in f["message"] for f in mine), text
    if side == "good":
        assert [f for f in findings if f["severity"] == "error"] == []
    stored = PROJECT / "fixtures" / "cases" / case / f"{side}.snapshot.json"  # the checkout's
    if os.environ.get("HOMELINT_UPDATE_SNAPSHOTS") == "1":
        stored.write_text(json.dumps(snapshot(mine), indent=1, ensure_ascii=False) + "\n")
    assert stored.is_file(), f"no {stored.name}: run with HOMELINT_UPDATE_SNAPSHOTS=1 and review it"
    assert snapshot(mine) == json.loads(stored.read_text())


def test_every_case_names_its_rules():
    for case in CASES.iterdir():
        assert case_rules(case), case.name
        assert case.name.split("-")[0] in case_rules(case), case.name


def test_findings_of_one_rule_at_one_position_are_merged_deterministically():
    from homelint.core.model import Finding, Span
    from homelint.engine.lint import dedupe

    def make(message: str, severity: str = "warning") -> Finding:
        return Finding("HL201", "a.yaml", Span(3, 5, 3, 9), message, severity=severity, key=message, related=(message,))

    for order in ([make("b"), make("a", "error"), make("b")], [make("b"), make("b"), make("a", "error")]):
        (merged,) = dedupe(order)
        assert (merged.message, merged.severity, merged.key, merged.related) == ("a; b", "error", "a", ("a", "b"))
    long = [make(f"{i:03d}" + "x" * 200) for i in range(3)]
    (merged,) = dedupe(long)
    assert merged.message.endswith("(and 2 more HL201 findings at this position)")
    assert len(dedupe([make("a"), Finding("HL201", "a.yaml", Span(4, 5, 4, 9), "a")])) == 2
