"""`check --watch`: after each change, only the findings that appeared or went away are printed."""

from __future__ import annotations

import queue
import shutil
import threading

import pytest

from homelint.cli.watch import Notifier, folders, tree_signature, watch
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

    watch(Options(paths=[root]), lambda text: printed[-1].append(text), sleep=sleep, rounds=len(edits), notify=False)
    first, broken, idle, unrelated, undone = printed
    assert first[-1].startswith("homelint: ") and "watching" in first[-1] and "looking every" in first[-1]
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


def _next_line(lines: queue.Queue[str], wanted: str) -> list[str]:
    """The lines printed up to and including the first one starting with `wanted` (10 s at most)."""
    seen = []
    while True:
        text = lines.get(timeout=10)
        seen.append(text)
        if text.startswith(wanted):
            return seen


def _settle(looks: list[object], quiet: float = 0.3, limit: float = 5.0) -> None:
    """Wait until no look at the tree came for `quiet` s (at most `limit` s): polling every
    INTERVAL (0.5 s) would still settle, but then look twice in the idle second that follows."""
    waited = 0.0
    while waited < limit:
        before = len(looks)
        threading.Event().wait(quiet)
        waited += quiet
        if len(looks) == before:
            return


@pytest.mark.skipif(not Notifier.available(), reason="watchfiles (the watch extra) is not installed")
def test_the_kernel_tells_the_watch_of_a_save_and_nothing_runs_while_nothing_changes(tmp_path, monkeypatch):
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    ks = root / KS
    original = ks.read_text()
    lines: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    looks = []
    monkeypatch.setattr("homelint.cli.watch.tree_signature", lambda r: looks.append(r) or tree_signature(r))
    thread = threading.Thread(target=watch, args=(Options(paths=[root]), lines.put), kwargs={"stop": stop, "notify": True})
    thread.start()
    try:
        assert "notified of changes" in _next_line(lines, "homelint: ")[-1]
        ks.write_text(original.replace("path: ./kubernetes/apps/default/echo/app", "path: ./kubernetes/apps/echo"))
        broken = _next_line(lines, "homelint: ")
        assert any(text.startswith("+ ") and " HL103 " in text for text in broken)
        _settle(looks)  # a save's late events may still bring one more look
        idle = len(looks)
        threading.Event().wait(2.0)  # two seconds with no save: polling would look four times
        assert len(looks) - idle <= 1  # at most one late event of the save, on a loaded machine
        ks.write_text(original)
        undone = _next_line(lines, "homelint: ")
        assert any(text.startswith("- ") and " HL103 " in text for text in undone)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()  # a stop ends the wait


def test_only_the_repository_folders_are_watched_not_through_symlinks(tmp_path):
    root = tmp_path / "repo"
    (root / "apps" / "a").mkdir(parents=True)
    (root / ".git" / "objects").mkdir(parents=True)
    outside = tmp_path / "outside" / "deep"
    outside.mkdir(parents=True)
    (root / "apps" / "out").symlink_to(tmp_path / "outside")
    (root / "apps" / "a" / "x.yaml").write_text("a: 1\n")
    watched = folders(root, tree_signature(root))
    assert watched == [str(root), str(root / "apps"), str(root / "apps" / "a")]


def test_a_watch_that_cannot_be_notified_polls_instead(tmp_path, monkeypatch):
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    ks = root / KS
    printed: list[str] = []

    def refuse(self: Notifier, dirs: list[str]) -> bool:
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(Notifier, "__init__", lambda self, stop: None)
    monkeypatch.setattr(Notifier, "wait", refuse)
    wrong = ks.read_text().replace("path: ./kubernetes/apps/default/echo/app", "path: ./kubernetes/apps/echo")
    edits = [lambda: ks.write_text(wrong)]

    def sleep(_: float) -> None:
        edits.pop(0)()

    watch(Options(paths=[root]), printed.append, sleep=sleep, rounds=2, notify=True)
    said = [text for text in printed if "cannot be notified" in text]
    assert said and "inotify watch limit reached" in said[0]
    assert any(text.startswith("+ ") and " HL103 " in text for text in printed)
