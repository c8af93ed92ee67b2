"""Every rule has docs and a bad/good fixture pair; `# expect: HLxxx` marks each expected finding,
and bad.snapshot.json holds the rule's findings in full (a changed message is a visible diff).

Each case is an overlay on fixtures/base (see conftest.materialize_rule_fixtures). After a
deliberate change of a rule's findings, `HOMELINT_UPDATE_SNAPSHOTS=1 pytest tests/test_rule_fixtures.py`
rewrites the snapshots; review them with `git diff`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from homelint.rules.registry import builtin_rules

from .conftest import FIXTURES, PROJECT

RULE_FIXTURES = FIXTURES / "rules"
SNAPSHOT_FIELDS = ("rule", "path", "line", "column", "end_line", "end_column", "severity", "message", "fix")
# fixtures/rules/<ID>/args: extra `homelint check` arguments of both fixtures (e.g. --target for HL807)
# internal error; symlinks are made in test_robustness; render rules run on fixtures/makejinja in test_render;
# budgets (HL007) need thousands of findings: test_hostile builds them
WITHOUT_FIXTURE_PAIR = {"HL000", "HL006", "HL007", "HL701", "HL702", "HL703"}
EXPECT = re.compile(r"expect: (HL\d{3})")


def fixture_args(rule: str) -> list[str]:
    args = RULE_FIXTURES / rule / "args"
    return args.read_text().split() if args.is_file() else []


def expected_findings(root: Path, rule: str) -> set[tuple[str, int]]:
    found = set()
    for path in root.rglob("*"):
        if path.is_file() and path.suffix != ".json":
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if rule in EXPECT.findall(line):
                    found.add((path.relative_to(root).as_posix(), number))
    return found


def test_every_rule_has_docs_with_examples():
    for meta in builtin_rules().values():
        assert meta.summary, meta.id
        for heading in ("## What it checks", "## Why it matters", "## Bad", "## Good"):
            assert heading in meta.docs, f"{meta.id} docs lack {heading}"


def test_every_rule_has_a_fixture_pair():
    missing = [r for r in builtin_rules() if r not in WITHOUT_FIXTURE_PAIR and not (RULE_FIXTURES / r / "bad").is_dir()]
    assert missing == []
    assert {p.name for p in RULE_FIXTURES.iterdir()} <= set(builtin_rules())


@pytest.mark.parametrize("rule", sorted(p.name for p in RULE_FIXTURES.iterdir()))
def test_bad_fixture_fires_exactly_where_marked(rule, check_json):
    bad = RULE_FIXTURES / rule / "bad"
    want = expected_findings(bad, rule)
    assert want, f"{rule}/bad marks no expected finding"
    _, findings = check_json(bad, "--select", "ALL", *fixture_args(rule))
    got = {(f["path"], f["line"]) for f in findings if f["rule"] == rule}
    assert got == want
    found = snapshot([f for f in findings if f["rule"] == rule])
    if os.environ.get("HOMELINT_UPDATE_SNAPSHOTS") == "1":
        snapshot_path(rule).write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n")
    assert found == stored_snapshot(rule)


def snapshot(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings as a snapshot holds them: every field a reader sees, in report order."""
    return [{key: f[key] for key in SNAPSHOT_FIELDS} for f in findings]


def snapshot_path(rule: str) -> Path:
    """fixtures/rules/<ID>/bad.snapshot.json of the checkout."""
    return PROJECT / "fixtures" / "rules" / rule / "bad.snapshot.json"


def stored_snapshot(rule: str) -> Any:
    """The stored snapshot of the rule's bad fixture (None when there is none yet)."""
    path = snapshot_path(rule)
    return json.loads(path.read_text()) if path.is_file() else None


@pytest.mark.parametrize("rule", sorted(p.name for p in RULE_FIXTURES.iterdir()))
def test_good_fixture_is_clean_for_its_rule(rule, check_json):
    _, findings = check_json(RULE_FIXTURES / rule / "good", "--select", "ALL", *fixture_args(rule))
    assert [f for f in findings if f["rule"] == rule] == []
    assert [f for f in findings if f["severity"] == "error"] == []
