"""One unit per rule: a check declares the rule IDs it emits, the engine holds it to them, and the
engine itself names no rule."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

import homelint.rules
from homelint.core.model import Finding, Span
from homelint.engine import lint as engine
from homelint.rules import builtin_checks
from homelint.rules.registry import Check, builtin_rules, load_rule_file


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


# What a rule needs of the engine and the reports is data in its YAML (`always`, `suppressible`,
# `fixable`, `fix-safety`, `code-frame`, `security-severity`) or code in its own unit (its check, its
# fixer), so they read like a runner, not like a list of exceptions. What may still name a rule, and why:
RULE_IDS_ALLOWED = {
    ("engine/runner.py", "HL001"): "a docstring saying which rule reports a parser crash",
    ("engine/explain.py", "HL110"): "`homelint explain` text pointing the user to the rule of a missing namespace",
}


def test_the_engine_and_the_reports_name_no_rule():
    package = Path(homelint.rules.__file__).parent.parent
    named = {
        (path.relative_to(package).as_posix(), rule_id)
        for layer in ("engine", "report")
        for path in sorted((package / layer).rglob("*.py"))
        for rule_id in re.findall(r"HL[0-9]{3}|\"HL[0-9]", path.read_text(encoding="utf-8"))
    }
    assert named <= set(RULE_IDS_ALLOWED), sorted(named - set(RULE_IDS_ALLOWED))


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("suppressible: no-thanks", "suppressible must be true or false"),
        ("code-frame: 0", "code-frame must be true or false"),
        ("security-severity: high", "security-severity must be a quoted score"),
        ("security-severity: 9.0", "security-severity must be a quoted score"),
    ],
)
def test_a_rule_file_with_a_malformed_field_is_refused(tmp_path, line, error):
    path = tmp_path / "HL999.yaml"
    path.write_text(f"id: HL999\nname: x\nseverity: error\nsummary: s\n{line}\ndocs: d\n")
    with pytest.raises(ValueError, match=error):
        load_rule_file(path)


def test_add_ignore_never_suppresses_a_rule_that_says_so(tmp_path, monkeypatch):
    from homelint.engine.addignore import plan_ignores

    (tmp_path / "a.yaml").write_text("a: 1\n")
    finding = Finding("HL101", "a.yaml", Span.point(1), "m", "", "error", "missing-resource")
    assert [f.path for f in plan_ignores(tmp_path, [finding]).files] == ["a.yaml"]
    monkeypatch.setitem(builtin_rules(), "HL101", replace(builtin_rules()["HL101"], suppressible=False))
    assert plan_ignores(tmp_path, [finding]).files == []
