"""`check --watch`: after each change, only the findings that appeared or went away are printed."""

from __future__ import annotations

import shutil

from homelint.cli.watch import watch
from homelint.engine.lint import Options

from .conftest import FIXTURES

KS = "kubernetes/apps/default/echo/ks.yaml"


def test_watch_prints_what_a_change_adds_and_what_undoing_it_removes(tmp_path):
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    ks = root / KS
    original = ks.read_text()
    assert "path: ./kubernetes/apps/default/echo/app" in original
    edits = [
        lambda: ks.write_text(original.replace("path: ./kubernetes/apps/default/echo/app", "path: ./kubernetes/apps/echo")),
        lambda: None,  # nothing saved: nothing printed
        lambda: (root / "notes.txt").write_text("not a manifest\n"),  # a change that changes no finding
        lambda: ks.write_text(original),
    ]
    printed: list[list[str]] = [[]]

    def sleep(_: float) -> None:
        printed.append([])
        edits[len(printed) - 2]()

    watch(Options(paths=[root]), lambda text: printed[-1].append(text), sleep=sleep, rounds=len(edits))
    first, broken, idle, unrelated, undone = printed
    assert first[-1].startswith("homelint: ") and "watching" in first[-1]
    assert any(line.startswith("+ ") and " HL103 " in line and KS in line for line in broken)  # the path is now wrong
    assert broken[-1].startswith("homelint: ")
    assert idle == [] and unrelated == []
    flip = {"+": "-", "-": "+"}
    assert sorted(undone[:-1]) == sorted(flip[line[0]] + line[1:] for line in broken[:-1])  # undoing it: the mirror


def test_a_finding_that_only_moved_to_another_line_is_not_a_change():
    from homelint.cli.watch import changes
    from homelint.core.model import Finding, Span

    before = [Finding("HL101", "a.yaml", Span.point(3), "m", key="k"), Finding("HL102", "a.yaml", Span.point(9), "gone")]
    after = [Finding("HL101", "a.yaml", Span.point(5), "m", key="k"), Finding("HL103", "b.yaml", Span.point(1), "new")]
    assert changes(before, after) == ["- a.yaml:9:1: HL102 [error] gone", "+ b.yaml:1:1: HL103 [error] new"]
