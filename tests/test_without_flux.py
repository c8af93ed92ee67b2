"""A repository without Flux (Argo CD, plain kubectl): Helm chart templates are not manifests,
templated values are not judged, HL604 words each kind of value, and the note names the rules
that did not run."""

from __future__ import annotations

CHART = "apiVersion: v2\nname: chart-a\nversion: 1.0.0\n"

TEMPLATED_CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: config-a
  annotations:
    checksum/config: {{ .Files.Get "extra.txt" | sha256sum }}
data:
  key-a: {{ .Values.configMap }}
"""

TEMPLATED_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-a
  labels:
    version: {{ .Chart.Version }}
spec:
  replicas: {{ .Values.replicas }}
"""

PLAIN_SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: secret-a
stringData:
  password: value-a
"""


def rules_of(findings, *rules):
    return sorted((f["rule"], f["path"], f["line"]) for f in findings if f["rule"] in rules)


def test_chart_templates_are_rendered_by_helm_not_judged_as_manifests(repo, check_json):
    root = repo(
        {
            "chart-a/Chart.yaml": CHART,
            "chart-a/templates/configmap.yaml": TEMPLATED_CONFIGMAP,
            "chart-a/templates/deployment.yaml": TEMPLATED_DEPLOYMENT,
        }
    )
    assert rules_of(check_json(root)[1], "HL601", "HL604") == []


def test_a_chart_template_secret_is_still_plaintext_in_git(repo, check_json):
    root = repo({"chart-a/Chart.yaml": CHART, "chart-a/templates/secret.yaml": PLAIN_SECRET})
    found = [f for f in check_json(root)[1] if f["rule"] == "HL402"]
    assert [f["path"] for f in found] == ["chart-a/templates/secret.yaml"]
    assert "part of the Helm chart in chart-a/" in found[0]["message"]


def test_chart_crds_and_files_beside_a_chart_are_manifests(repo, check_json):
    bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-b\n  labels:\n    team: [team-a, team-b]\n"
    root = repo(
        {
            "chart-a/Chart.yaml": CHART,
            "chart-a/crds/configmap.yaml": bad,  # Helm applies crds/ as written
            "templates/configmap.yaml": bad,  # no Chart.yaml above: not a chart's template
        }
    )
    assert rules_of(check_json(root)[1], "HL601", "HL604") == [
        ("HL604", "chart-a/crds/configmap.yaml", 6),
        ("HL604", "templates/configmap.yaml", 6),
    ]


def test_templated_values_are_left_to_the_tool_that_renders_them(repo, check_json):
    deployment = TEMPLATED_DEPLOYMENT.replace("    version:", "    team: [team-a, team-b]\n    version:")
    root = repo({"app-a/configmap.yaml": TEMPLATED_CONFIGMAP, "app-a/deployment.yaml": deployment})
    assert rules_of(check_json(root)[1], "HL601", "HL604") == [("HL604", "app-a/deployment.yaml", 6)]


def test_hl604_names_a_list_or_mapping_and_quotes_only_scalars_as_written(repo, check_json):
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-a\n  labels:\n"
        "    team: [team-a, team-b]\n    owner: {name: owner-a}\n    version: 1.10\n"
        "  annotations:\n    config: {key: value}\n"
    )
    found = {f["message"].split(" of ")[0]: f for f in check_json(repo({"app-a/deployment.yaml": deployment}))[1]}
    team, owner = found["metadata.labels.team"], found["metadata.labels.owner"]
    assert " is a list, not a string" in team["message"] and "team-a" not in team["fix"]
    assert " is a mapping, not a string" in owner["message"] and "owner-a" not in owner["fix"]
    assert "label value is one string" in team["fix"]
    assert "annotation value is one string" in found["metadata.annotations.config"]["fix"]
    version = found["metadata.labels.version"]
    assert " is a number (1.10), not a string" in version["message"]
    assert version["fix"] == 'quote the value: version: "1.10"'


def test_the_note_names_the_rules_that_did_not_run_and_no_rule_that_did(repo, run):
    from homelint.rules import builtin_checks

    root = repo({"app-a/secret.yaml": PLAIN_SECRET})
    out = run("check", str(root), "--no-cache").output
    note = next(line for line in out.splitlines() if line.startswith("note: no Flux Kustomization found"))
    skipped = sorted({r for unit in builtin_checks() if unit.needs_flux for r in unit.rules})
    assert f"{', '.join(skipped)} need Flux and did not run" in note
    assert "HL402" not in note and "HL404" not in note and "HL402" in out  # these ran


def test_the_note_of_a_selection_that_needs_no_flux(repo, run):
    out = run("check", str(repo({"app-a/secret.yaml": PLAIN_SECRET})), "--no-cache", "--select", "HL402").output
    assert "note: no Flux Kustomization found: every selected rule ran without it" in out


def test_one_rule_that_did_not_run_is_named_in_the_singular(repo, run):
    root = repo({"app-a/secret.yaml": PLAIN_SECRET})
    out = run("check", str(root), "--no-cache", "--select", "HL105").output
    assert "note: no Flux Kustomization found: HL105 needs Flux and did not run" in out
