"""An installed wheel carries rules/ and schemas/ and works outside the source tree; the code is
ruff- and mypy-clean."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import FIXTURES, PROJECT


def test_wheel_works_outside_the_source_tree(tmp_path):
    wheel_dir, site = tmp_path / "dist", tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(PROJECT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = wheel_dir.glob("homelint-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    assert (site / "homelint/_data/rules/HL1xx/HL101.yaml").is_file()
    assert (site / "homelint/_data/schemas/config.schema.json").is_file()
    work = tmp_path / "elsewhere"
    shutil.copytree(FIXTURES / "demo", work)
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = (
        "import homelint, homelint.core.resources as r, homelint.core.build as b, sys; print(homelint.__file__); print(r.data_dir('rules')); print(b.build_id());"
        "sys.argv=['homelint','check','.','--format','json','--no-cache'];"
        "from homelint.cli import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    module, rules_dir, build, *report = done.stdout.splitlines()
    assert module.startswith(str(site)) and rules_dir.startswith(str(site))
    (record,) = site.glob("homelint-*.dist-info/RECORD")  # every file with its sha256: which build this is
    assert build == hashlib.blake2b(record.read_bytes(), digest_size=16).hexdigest()
    assert {f["rule"] for f in json.loads("\n".join(report))} >= {"HL101", "HL105", "HL301", "HL601"}


@pytest.mark.parametrize(
    "tool", [["ruff", "check", "src", "tests", "bench"], ["ruff", "format", "--check", "src", "tests", "bench"], ["mypy"]]
)
def test_code_is_lint_and_type_clean(tool):
    if (
        shutil.which(tool[0]) is None
        and subprocess.run([sys.executable, "-m", tool[0], "--version"], capture_output=True).returncode
    ):
        pytest.skip(f"{tool[0]} is not installed (pip install '.[test]')")
    done = subprocess.run([sys.executable, "-m", *tool], cwd=PROJECT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
