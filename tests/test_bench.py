"""bench/run's synthetic repositories (--scaling) are the repository as Flux sees it, copied: each
copy applies what the original applies and has the original's findings."""

from __future__ import annotations

import runpy
import shutil
from collections import Counter

from homelint.engine.lint import Options, run_check

from .conftest import FIXTURES, PROJECT


def test_each_synthetic_copy_is_applied_and_found_as_the_original(tmp_path):
    source = tmp_path / "repo"
    shutil.copytree(FIXTURES / "demo", source)
    bench = runpy.run_path(str(PROJECT / "bench" / "run"), run_name="homelint_bench")
    scaled = bench["synthetic"](source, 3, tmp_path / "scaled", [])
    original = run_check(Options(paths=[source], use_cache=False))
    copies = run_check(Options(paths=[scaled], use_cache=False))
    assert original.stats["kustomizations"] and len(copies.findings) == 3 * len(original.findings)
    assert Counter(f.rule for f in copies.findings) == Counter(
        {rule: 3 * n for rule, n in Counter(f.rule for f in original.findings).items()}
    )
    for i in range(3):  # the same messages, but for the copy's folder in the paths they name
        mine = [f.message.replace(f"copy-{i}/", "") for f in copies.findings if f.path.startswith(f"copy-{i}/")]
        assert sorted(mine) == sorted(f.message for f in original.findings)
