"""Adopting homelint on a big repo: a baseline hides known findings and reports only new ones."""

from __future__ import annotations

import json


def test_baseline_reports_only_new_findings_and_survives_line_shifts(run, repo):
    root = repo({}, base="demo")
    baseline = root / ".homelint-baseline.json"
    result = run("check", str(root), "--no-cache", "--write-baseline", str(baseline))
    assert result.exit_code == 0 and "Wrote 11 findings" in result.stderr
    assert json.loads(baseline.read_text())["format"] == "homelint-baseline/1"
    assert run("check", str(root), "--no-cache", "--baseline", str(baseline)).exit_code == 0

    hr = root / "kubernetes/apps/default/paperless/app/helmrelease.yaml"
    hr.write_text("# moved down by two lines\n#\n" + hr.read_text().replace("tag: 2.18.4", "tag: latest"))
    result = run("check", str(root), "--no-cache", "--baseline", str(baseline), "--format", "json")
    assert [f["rule"] for f in json.loads(result.stdout)] == ["HL503"]
    assert result.exit_code == 0  # a warning does not fail the run


def test_baseline_from_config_and_stale_entries(run, repo):
    root = repo({}, base="demo")
    run("check", str(root), "--no-cache", "--write-baseline", str(root / "known.json"))
    (root / ".homelint.yaml").write_text((root / ".homelint.yaml").read_text() + "baseline: known.json\n")
    secret = root / "kubernetes/apps/default/echo/app/secret.yaml"
    secret.write_text(secret.read_text().replace("stringData:\n  password: correct-horse-battery-staple\n", "stringData: {}\n"))
    result = run("check", str(root), "--no-cache", "--statistics")
    assert result.exit_code == 0
    assert "1  stale baseline entries" in result.output


def test_unreadable_baseline_is_a_usage_error(run, repo):
    root = repo({"bad.json": "{"}, base="demo")
    result = run("check", str(root), "--baseline", str(root / "bad.json"))
    assert result.exit_code == 2 and "not a readable homelint baseline" in result.stderr
