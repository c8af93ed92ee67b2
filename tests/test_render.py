"""homelint render / render --check on a cluster-template style makejinja repository (HL7xx)."""

from __future__ import annotations

import json
import shutil

import pytest

from .conftest import FIXTURES
from .test_robustness import tree_digest

TEMPLATE_REPO = FIXTURES / "makejinja"
HR = "kubernetes/apps/default/whoami/app/helmrelease.yaml"


@pytest.fixture
def mj(tmp_path):
    root = tmp_path / "mj"
    shutil.copytree(TEMPLATE_REPO, root, ignore=shutil.ignore_patterns(".homelint_cache"))
    return root


def render_check(run, root, *extra):
    result = run("render", "--check", str(root), "--format", "json", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_committed_output_is_in_sync_and_check_writes_nothing(run, mj):
    before = tree_digest(mj)
    code, findings = render_check(run, mj)
    assert (code, findings) == (0, [])
    assert tree_digest(mj) == before


def test_hand_edit_is_drift_at_the_first_differing_line(run, mj):
    path = mj / HR
    path.write_text(path.read_text().replace('tag: "v1.11.0"', 'tag: "v1.12.0"'))
    before = tree_digest(mj)
    code, findings = render_check(run, mj)
    assert code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("HL701", HR, 19)]
    assert "templates/config/kubernetes/apps/default/whoami/app/helmrelease.yaml.j2" in findings[0]["message"]
    assert tree_digest(mj) == before
    text = run("render", "--check", str(mj), "--color", "never").output
    assert '-              tag: "v1.12.0"' in text and '+              tag: "v1.11.0"' in text


def test_deleted_generated_file_is_missing(run, mj):
    (mj / "kubernetes/apps/default/echo/ks.yaml").unlink()
    code, findings = render_check(run, mj)
    assert code == 1
    assert [(f["rule"], f["path"]) for f in findings] == [("HL702", "templates/config/kubernetes/apps/default/echo/ks.yaml.j2")]


def test_render_failure_points_at_the_template_line(run, mj):
    template = mj / "templates/config/kubernetes/components/common/cluster-settings.yaml.j2"
    template.write_text(template.read_text().replace("#{ timezone }#", "#{ timezon }#"))
    _code, findings = render_check(run, mj)
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [
        ("HL703", "templates/config/kubernetes/components/common/cluster-settings.yaml.j2", 7)
    ]
    assert "'timezon' is undefined" in findings[0]["message"]
    (mj / "templates/config/kubernetes/broken.yaml.j2").write_text("a: 1\nb: #% if %#\n")
    template.write_text(template.read_text().replace("#{ timezon }#", "#{ timezone }#"))
    _, findings = render_check(run, mj)
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("HL703", "templates/config/kubernetes/broken.yaml.j2", 2)]


def test_sops_outputs_compare_by_key_structure(run, mj):
    (mj / "templates/config/kubernetes/components/common/secret.sops.yaml.j2").write_text(
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  TOKEN: "#{ timezone }#"\n'
    )
    (mj / "kubernetes/components/common/secret.sops.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  TOKEN: ENC[AES256_GCM,data:x]\nsops:\n  version: 3.10.2\n"
    )
    assert render_check(run, mj) == (0, [])


def test_render_writes_atomically_inside_the_output_and_never_deletes(run, mj):
    (mj / "kubernetes/apps/default/echo/ks.yaml").unlink()
    (mj / "kubernetes/apps/default/stale.yaml").write_text("# no template makes me\n")
    result = run("render", str(mj), "--no-lint")
    assert result.exit_code == 0, result.output
    assert "wrote kubernetes/apps/default/echo/ks.yaml" in result.stderr
    assert (mj / "kubernetes/apps/default/echo/ks.yaml").is_file()
    assert (mj / "kubernetes/apps/default/stale.yaml").is_file()
    assert render_check(run, mj) == (0, [])
    assert not list(mj.rglob(".*.yaml.*"))  # no temporary files left behind


def test_render_keeps_each_outputs_mode_as_makejinja_does(run, mj):
    import os
    import stat

    scripts = mj / "templates/config/scripts"
    scripts.mkdir()
    (scripts / "bootstrap.sh").write_text("#!/bin/sh\necho hi\n")  # copied as it is (copy2): keeps +x
    (scripts / "bootstrap.sh").chmod(0o755)
    (scripts / "run.sh.j2").write_text("#!/bin/sh\necho #{ timezone }#\n")  # rendered
    (scripts / "new.sh.j2").write_text("#!/bin/sh\necho new\n")
    (mj / "scripts").mkdir()
    (mj / "scripts/run.sh").write_text("#!/bin/sh\necho old\n")
    (mj / "scripts/run.sh").chmod(0o750)  # written over: keeps its mode, as open("w") does
    mask = os.umask(0o022)
    try:
        result = run("render", str(mj), "--no-lint")
    finally:
        os.umask(mask)
    assert result.exit_code == 0, result.output

    def mode(rel: str) -> int:
        return stat.S_IMODE((mj / rel).stat().st_mode)

    assert (mode("scripts/bootstrap.sh"), mode("scripts/run.sh"), mode("scripts/new.sh")) == (0o755, 0o750, 0o644)
    assert (mj / "scripts/run.sh").read_text() != "#!/bin/sh\necho old\n"
    assert mode("kubernetes/apps/default/echo/ks.yaml") == 0o644


def test_render_then_lints_the_result(run, mj):
    result = run("render", str(mj))
    assert result.exit_code == 0 and "All checks passed" in result.output


def test_sarif_works_for_render_check(run, mj):
    (mj / "kubernetes/apps/default/echo/ks.yaml").unlink()
    log = json.loads(run("render", "--check", str(mj), "--format", "sarif").stdout)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["HL702"]


def test_repository_without_makejinja_is_a_usage_error(run, repo):
    result = run("render", "--check", str(repo({})))
    assert result.exit_code == 2 and "no makejinja.toml" in result.stderr


def test_inputs_and_output_left_to_the_command_line_leave_nothing_to_compare(run, mj):
    """A makejinja.toml that names no inputs or output (a Taskfile passes --input/--output) has no
    committed output to compare: render --check says so in a note and passes (it was an HL703
    'InvalidSettingsError'); render refuses with the same reason."""
    config = mj / "makejinja.toml"
    config.write_text("\n".join(line for line in config.read_text().splitlines() if not line.startswith(("inputs", "output"))))
    result = run("render", "--check", str(mj))
    assert result.exit_code == 0 and "names no inputs or output" in result.stderr and "HL703" not in result.output
    result = run("render", str(mj))
    assert result.exit_code == 2 and "homelint render needs them in the file" in result.stderr


def test_template_inputs_are_not_linted_as_manifests(run):
    assert run("check", str(TEMPLATE_REPO), "--no-cache").exit_code == 0
