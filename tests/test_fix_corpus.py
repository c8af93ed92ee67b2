"""The safe fixes on every corpus repository: applied to a copy, the copy is checked again, and
every touched file parses to the data of the original except the fixed nodes."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SHARED

CORPORA = SHARED / "corpora"
NAMES = sorted(p.name for p in CORPORA.iterdir() if p.is_dir()) if CORPORA.is_dir() else []


def _data(path: Path) -> list:
    from homelint.loading.yamlload import parse_bytes

    parsed = parse_bytes(path.name, path.read_bytes())
    assert not parsed.problems, f"{path} no longer parses cleanly"
    return list(parsed.docs)


def _fixed_node(was, now) -> bool:
    """A difference a fix may make: an apiVersion within its group, or a non-string becoming a string."""
    if isinstance(was, str) and isinstance(now, str) and "/" in was and "/" in now:
        return was.split("/")[0] == now.split("/")[0] and was != now
    return not isinstance(was, str) and isinstance(now, str)


@pytest.mark.skipif(not NAMES, reason="no shared/corpora beside the project")
@pytest.mark.parametrize("name", NAMES)
def test_safe_fixes_change_only_the_fixed_nodes(name, tmp_path):
    from homelint.engine.fix import _differences, plan, write
    from homelint.engine.lint import Options, run_check

    root = tmp_path / name
    shutil.copytree(CORPORA / name, root, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    (root / ".git").mkdir()
    options = Options(paths=[root], use_cache=False)
    before = run_check(options)
    report = plan(root, before.findings)
    originals = {f.path: _data(root / f.path) for f in report.files}
    write(root, report)
    after = run_check(options)

    for fix in report.files:
        changes = _differences(originals[fix.path], _data(root / fix.path))
        assert all(_fixed_node(was, now) for _, was, now in changes), (fix.path, changes[:3])
        assert len(changes) == sum(f.rule != "HL005" for f in fix.fixed), fix.path
        assert [c[0][-1] for c in changes if isinstance(c[1], str)] == ["apiVersion"] * sum(
            isinstance(c[1], str) for c in changes
        )
    fixed = Counter((f.rule, f.path, f.span.line) for fix in report.files for f in fix.fixed)
    left = Counter((f.rule, f.path, f.span.line) for f in after.findings)
    assert not fixed & left, "a fixed finding is still reported"
    assert len(after.findings) <= len(before.findings) - report.fixed
