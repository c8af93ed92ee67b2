"""SARIF for GitHub code scanning: schema-valid, GitHub-shaped, stable fingerprints."""

from __future__ import annotations

import json
import shutil

import pytest

from .conftest import FIXTURES, SHARED

SCHEMA = SHARED / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture
def sarif(run):
    def produce(path, *extra):
        result = run("check", str(path), "--no-cache", "--format", "sarif", *extra)
        assert result.exit_code in (0, 1), result.output
        return json.loads(result.stdout)

    return produce


def test_validates_against_the_official_schema_when_available(sarif):
    if not SCHEMA.is_file():
        pytest.skip("../shared/sarif is not present")
    import jsonschema

    log = sarif(FIXTURES / "demo")
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)


def test_github_relevant_structure(sarif):
    log = sarif(FIXTURES / "demo")
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "homelint" and driver["version"] and driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and "## Bad" in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert rule["properties"]["tags"] and rule["properties"]["precision"]
    assert run["results"], "the demo has findings"
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not location["artifactLocation"]["uri"].startswith("/")
        region = location["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1 and region["endColumn"] > region["startColumn"] - 1
        assert result["partialFingerprints"]["primaryLocationLineHash"]
    assert not _has_none(log), "no JSON null anywhere (rule texts may still say 'null')"
    assert '"state"' not in json.dumps(log)


def _has_none(value: object) -> bool:
    if isinstance(value, dict):
        return any(_has_none(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_none(v) for v in value)
    return value is None


def test_levels_survive_serialization(sarif):
    levels = {r["ruleId"]: r["level"] for r in sarif(FIXTURES / "demo")["runs"][0]["results"]}
    assert levels["HL105"] == "error"
    info = sarif(FIXTURES / "demo", "--select", "HL504")["runs"][0]["results"]
    assert info and {r["level"] for r in info} == {"note"}


def test_empty_run_still_has_results(sarif):
    assert sarif(FIXTURES / "clean")["runs"][0]["results"] == []


def test_suppressed_findings_are_reported_as_suppressed(sarif, repo):
    demo = (FIXTURES / "demo/kubernetes/apps/default/paperless/ks.yaml").read_text()
    root = repo(
        {
            "kubernetes/apps/default/paperless/ks.yaml": demo.replace(
                "external-secret  #", "external-secret  # homelint: ignore[HL105] -- migrating #"
            )
        },
        base="demo",
    )
    (hl105,) = [r for r in sarif(root)["runs"][0]["results"] if r["ruleId"] == "HL105"]
    assert hl105["suppressions"] == [{"kind": "inSource", "justification": "migrating", "status": "accepted"}]


def test_fingerprints_survive_unrelated_line_shifts(sarif, repo):
    root = repo({}, base="demo")
    before = {r["partialFingerprints"]["primaryLocationLineHash"] for r in sarif(root)["runs"][0]["results"]}
    hr = root / "kubernetes/apps/default/paperless/app/helmrelease.yaml"
    hr.write_text("# a new comment\n# and another\n" + hr.read_text())
    after_log = sarif(root)["runs"][0]["results"]
    assert {r["partialFingerprints"]["primaryLocationLineHash"] for r in after_log} == before
    moved = next(r for r in after_log if r["ruleId"] == "HL301")
    assert moved["locations"][0]["physicalLocation"]["region"]["startLine"] == 34


def test_multitool_when_installed(sarif, tmp_path):
    tool = shutil.which("Sarif.Multitool")
    script = SHARED / "sarif" / "multitool_validate.py"
    if not tool and not (
        script.is_file()
        and (shutil.os.path.expanduser("~/.cache/sarif-multitool"))
        and (SHARED / "sarif").is_dir()
        and __import__("pathlib").Path("~/.cache/sarif-multitool").expanduser().is_dir()
    ):
        pytest.skip("the SARIF Multitool is not installed (../shared/sarif/setup.sh)")
    import subprocess
    import sys

    target = tmp_path / "demo.sarif"
    target.write_text(json.dumps(sarif(FIXTURES / "demo")))
    done = subprocess.run([sys.executable, str(script), str(target)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_results_past_githubs_limit_are_left_out_and_said(capsys):
    from pathlib import Path

    from homelint.core.model import Finding, Span
    from homelint.engine.lint import Result
    from homelint.model.config import Config
    from homelint.report.sarif import GITHUB_MAX_RESULTS, build_log
    from homelint.rules.registry import builtin_rules

    findings = [
        Finding("HL101", f"f{i}.yaml", Span.point(1), "m", None, "error", "missing-resource", f"k{i}")
        for i in range(GITHUB_MAX_RESULTS + 7)
    ]
    log = build_log(Result(Path("."), Config(), findings, dict(builtin_rules())))
    run = log["runs"][0]
    assert len(run["results"]) == GITHUB_MAX_RESULTS
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("7 results were left out")
    assert "7 results were left out" in capsys.readouterr().err


def test_security_severity_help_uri_and_category(sarif, run):
    log = sarif(FIXTURES / "demo", "--sarif-category", "homelint/cluster-a")
    (run_,) = log["runs"]
    assert run_["automationDetails"] == {"id": "homelint/cluster-a/"}
    assert sarif(FIXTURES / "clean")["runs"][0]["automationDetails"] == {"id": "homelint/"}
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert rules["HL402"]["properties"]["security-severity"] == "9.0"
    assert rules["HL404"]["properties"]["security-severity"] == "8.0"
    assert "security-severity" not in rules["HL101"]["properties"]
    assert rules["HL402"]["helpUri"].endswith("/docs/rules.md#hl402-plaintext-secret")
    from .conftest import PROJECT

    text = (PROJECT / "docs" / "rules.md").read_text()
    for rule in rules.values():  # each helpUri leads to that rule's section (GitHub's heading anchors)
        anchor = rule["helpUri"].split("#", 1)[1]
        assert f"\n## {rule['id']} {rule['name']}\n" in text and anchor == f"{rule['id'].lower()}-{rule['name']}"


def test_uris_are_relative_to_the_git_work_tree_also_from_a_subfolder(run, tmp_path, monkeypatch):
    import shutil
    import subprocess

    mono = tmp_path / "mono"
    shutil.copytree(FIXTURES / "demo", mono / "infra" / "home")
    subprocess.run(["git", "init", "-q", str(mono)], check=True)
    (tmp_path / "elsewhere").mkdir()
    target = str(mono / "infra" / "home")
    for cwd, shown in (
        (mono, "infra/home/"),
        (mono / "infra", "home/"),
        (tmp_path / "elsewhere", f"{mono.resolve()}/infra/home/"),
    ):
        monkeypatch.chdir(cwd)
        log = json.loads(run("check", target, "--no-cache", "--format", "sarif").stdout)
        (run_,) = log["runs"]
        assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == mono.resolve().as_uri() + "/"
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]}
        assert "infra/home/kubernetes/apps/default/paperless/ks.yaml" in uris
        assert all(u.startswith("infra/home/") for u in uris)
        github = run("check", target, "--no-cache", "--format", "github").stdout
        assert "file=infra/home/kubernetes/apps/default/paperless/ks.yaml," in github
        # the terminal: relative to the current directory when under it (clickable), else absolute
        text = run("check", target, "--no-cache", "--select", "HL105", "--color", "never").stdout
        assert text.startswith(f"{shown}kubernetes/apps/default/paperless/ks.yaml:16:13: HL105"), text
