"""One unit per rule: a check declares the rule IDs it emits, the engine holds it to them, and the
engine itself names no rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import homelint.rules
from homelint.core.model import Span
from homelint.engine import lint as engine
from homelint.engine import selection
from homelint.rules import builtin_checks
from homelint.rules.registry import Check, builtin_rules


def test_every_built_in_check_declares_only_known_rules():
    known = set(builtin_rules())
    for unit in builtin_checks():
        assert unit.rules, unit.name
        assert set(unit.rules) <= known, (unit.name, set(unit.rules) - known)


def test_a_finding_of_an_undeclared_rule_is_refused(repo, monkeypatch):
    root = repo({}, base="demo")

    def sloppy(ctx):
        yield ctx.finding("HL402", "a.yaml", Span.point(3), "declared")
        yield ctx.finding("HL401", "a.yaml", Span.point(4), "not declared")

    monkeypatch.setattr(homelint.rules, "builtin_checks", lambda: [Check(("HL402",), sloppy)])
    result = engine.run_check(engine.Options(paths=[root], use_cache=False))
    found = [(f.rule, f.path, f.message) for f in result.findings if f.path in ("a.yaml", ".")]
    assert found == [
        ("HL000", ".", "internal error in check sloppy: emitted undeclared rule HL401"),
        ("HL402", "a.yaml", "declared"),
    ]


def test_an_undeclared_rule_raises_under_debug(repo, monkeypatch):
    root = repo({}, base="demo")

    def sloppy(ctx):
        yield ctx.finding("HL401", "a.yaml", Span.point(4), "not declared")

    monkeypatch.setattr(homelint.rules, "builtin_checks", lambda: [Check(("HL402",), sloppy)])
    monkeypatch.setenv("HOMELINT_DEBUG", "1")
    with pytest.raises(AssertionError, match="emitted HL401, which it does not declare"):
        engine.run_check(engine.Options(paths=[root], use_cache=False))


def test_selecting_hl006_keeps_file_not_readable(check_json, repo, unreadable):
    root = repo({}, base="demo")
    target = root / "kubernetes/apps/default/echo/app/helmrelease.yaml"
    unreadable(target)
    _, findings = check_json(root, "--select", "HL006")
    assert [(f["rule"], f["path"], f["message"]) for f in findings] == [
        ("HL006", "kubernetes/apps/default/echo/app/helmrelease.yaml", "file not readable: Permission denied")
    ]
    _, findings = check_json(root, "--select", "HL001,HL002")
    assert findings == []


def test_the_engine_names_no_rule():
    """What a rule needs of the engine is in the rule's own unit (checks/meta.py, checks/inputs.py,
    the rule's YAML), so the engine reads like a runner, not like a list of exceptions."""
    for module in (engine, selection):
        text = Path(module.__file__).read_text()
        assert re.findall(r"HL\d{3}|\"HL\d", text) == [], module.__name__
