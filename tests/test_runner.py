"""The serialiser of cached and forked values: derived from the dataclasses, exact both ways."""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from homelint.core.model import Finding, Span
from homelint.engine.runner import from_plain, to_plain
from homelint.loading.discovery import FileSet, SkippedFile
from homelint.model.repo import parse_file
from homelint.rules.registry import builtin_rules

from .conftest import FIXTURES


def round_trip(cls, value):
    return from_plain(cls, marshal.loads(marshal.dumps(to_plain(value))))


def test_a_parsed_file_with_every_field_set_round_trips(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "# yaml-language-server: $schema=https://example.com/s.json\n"
        "apiVersion: v1\nkind: ConfigMap  # homelint: ignore[HL301] -- kept\n"
        "metadata: {name: a, name: b}\n"
        "data:\n  url: ${HOST}\n  page: '{{ .Values.x }}'\n  nested: {a: b}\n"
        "---\n"
        "key: [unclosed\n"
    )
    parsed, facts, _, _, _ = parse_file(str(tmp_path), "x.yaml")
    assert parsed.problems and parsed.suppressions and parsed.schema_refs and parsed.templated
    assert facts.schema and facts.placeholders and facts.var_strings
    assert round_trip(type(parsed), parsed) == parsed
    assert round_trip(type(facts), facts) == facts


def test_file_sets_findings_and_rules_round_trip():
    files = FileSet(Path("/r"), ["a.yaml"], {"a.yaml", "b.sh"}, {"d"}, [SkippedFile("c.yaml", "not UTF-8")])
    assert round_trip(FileSet, files) == files
    finding = Finding("HL101", "a.yaml", Span(1, 2, 3, 4), "m", "f", "warning", "n", "k", ("b.yaml",), "why", "diff")
    assert round_trip(Finding, finding) == finding
    for meta in builtin_rules().values():
        assert round_trip(type(meta), meta) == meta


@dataclass
class Inner:
    at: tuple[int, int]
    names: set[str] = field(default_factory=set)


@dataclass
class Outer:
    inner: Inner
    maybe: Inner | None
    items: list[Inner]
    table: dict[str, Inner]
    where: Path | None = None


def test_a_field_added_to_a_dataclass_is_carried_without_an_encoder():
    value = Outer(Inner((1, 2), {"x"}), None, [Inner((3, 4))], {"k": Inner((5, 6), {"y", "z"})}, Path("p"))
    assert round_trip(Outer, value) == value


@pytest.mark.parametrize("data", [("a.yaml",), 12, None, ["a.yaml", [], [], [], [], [], True, [], False, [], []]])
def test_data_of_another_shape_is_refused(data):
    from homelint.loading.yamlload import ParsedFile

    with pytest.raises((TypeError, ValueError)):
        from_plain(ParsedFile, data)


def test_the_demo_repository_parses_to_the_same_files_after_a_round_trip():
    root = FIXTURES / "demo"
    for path in sorted(p.relative_to(root).as_posix() for p in root.rglob("*.yaml")):
        parsed, facts, _, _, _ = parse_file(str(root), path)
        assert round_trip(type(parsed), parsed) == parsed, path
        assert round_trip(type(facts), facts) == facts, path


def test_makejinja_inputs_are_read_from_the_cache_while_the_file_is_unchanged(tmp_path, monkeypatch):
    """tomllib parses makejinja.toml once per content; whether each input is a folder is asked
    every run, and a changed file is parsed again."""
    from homelint.engine import runner
    from homelint.engine.cache import Cache
    from homelint.model.repo import template_inputs

    (tmp_path / "templates").mkdir()
    (tmp_path / "bootstrap").mkdir()
    (tmp_path / "makejinja.toml").write_text('[makejinja]\ninputs = ["./templates", "./bootstrap", "./missing"]\n')
    parses: list[bytes] = []
    real = runner.makejinja_inputs
    monkeypatch.setattr(runner, "makejinja_inputs", lambda raw: parses.append(raw) or real(raw))

    assert runner.kept_template_inputs(tmp_path, Cache(tmp_path)) == ["templates/", "bootstrap/"] == template_inputs(tmp_path)
    assert runner.kept_template_inputs(tmp_path, Cache(tmp_path)) == ["templates/", "bootstrap/"]
    assert len(parses) == 1
    (tmp_path / "bootstrap").rmdir()
    assert runner.kept_template_inputs(tmp_path, Cache(tmp_path)) == ["templates/"] == template_inputs(tmp_path)
    assert len(parses) == 1
    (tmp_path / "makejinja.toml").write_text('[makejinja]\ninputs = ["./templates"]\n# changed\n')
    assert runner.kept_template_inputs(tmp_path, Cache(tmp_path)) == ["templates/"]
    assert len(parses) == 2
    assert runner.kept_template_inputs(tmp_path, Cache(tmp_path, enabled=False)) == ["templates/"]
    assert len(parses) == 3
