"""The README's two commands pass in that order in one fresh clone: the first (`homelint check
fixtures/demo`) leaves its cache in the tree, and the tests the second runs must not mind."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PROJECT, cache_dir

# tests that read the fixtures the demo command wrote its cache into (the whole suite would run twice)
READING_FIXTURES = [
    "tests/test_robustness.py::test_check_and_graph_write_nothing_in_the_repository",
    "tests/test_demo.py",
    "tests/test_render.py::test_committed_output_is_in_sync_and_check_writes_nothing",
]


def _fresh_clone(target: Path) -> None:
    """What `git clone` of this work tree gives once the work is committed: the tracked and the
    untracked-but-not-ignored files, nothing a run left behind."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        source = PROJECT / rel
        if source.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)


@pytest.mark.skipif(not (PROJECT / ".git").exists() or shutil.which("git") is None, reason="needs a git checkout")
def test_readme_commands_pass_in_that_order_in_one_fresh_clone(tmp_path):
    readme = (PROJECT / "README.md").read_text()
    commands = re.findall(r"```shell\n(.*?)\n```", readme, re.S)[:2]
    assert commands[0].endswith("homelint check fixtures/demo") and commands[1].endswith("python -m pytest"), commands
    clone = tmp_path / "clone"
    _fresh_clone(clone)
    env = {**os.environ, "PYTHONPATH": str(clone / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    where = subprocess.run(
        [sys.executable, "-c", "import homelint; print(homelint.__file__)"], env=env, capture_output=True, text=True
    )
    assert where.stdout.startswith(str(clone)), where.stdout  # the clone's code, not this checkout's
    first = subprocess.run(
        [sys.executable, "-m", "homelint", "check", "fixtures/demo"], cwd=clone, env=env, capture_output=True, text=True
    )
    assert first.returncode == 1, first.stderr  # the demo's planted defects
    assert cache_dir(clone / "fixtures/demo").is_dir()  # what a user's run leaves behind (in the user cache)
    assert not (clone / "fixtures/demo/.homelint_cache").exists()  # never in the repository
    second = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *READING_FIXTURES],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-2000:]
    assert "passed" in second.stdout
