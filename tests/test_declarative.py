"""User rules in .homelint/rules/*.yaml: listed with the built-ins, validated, and enforced."""

from __future__ import annotations

import json

import pytest

RETRIES_RULE = """\
id: LAB001
name: helmrelease-install-retries
severity: warning
summary: Every HelmRelease sets spec.install.remediation.retries.
match:
  apiVersion: "helm.toolkit.fluxcd.io/*"
  kind: HelmRelease
schema:
  type: object
  required: [spec]
  properties:
    spec:
      type: object
      required: [install]
      properties:
        install:
          type: object
          required: [remediation]
message: "HelmRelease {name} does not retry a failed install"
fix: "set spec.install.remediation.retries"
"""


def test_readme_example_rule_is_listed_and_enforced(run, check_json, repo):
    root = repo({".homelint/rules/retries.yaml": RETRIES_RULE}, base="clean")
    code, findings = check_json(root)
    hits = sorted((f["path"], f["line"], f["severity"]) for f in findings if f["rule"] == "LAB001")
    # external-secrets sets install.crds but no install.remediation: it is reported too
    assert [h[0] for h in hits] == [
        "kubernetes/apps/default/echo/app/helmrelease.yaml",
        "kubernetes/apps/default/paperless/app/helmrelease.yaml",
        "kubernetes/apps/external-secrets/external-secrets/app/helmrelease.yaml",
    ]
    assert {h[2] for h in hits} == {"warning"} and code == 0  # warnings do not fail the run


def test_user_rules_show_in_homelint_rules(run, repo, monkeypatch):
    root = repo({".homelint/rules/retries.yaml": RETRIES_RULE}, base="clean")
    monkeypatch.chdir(root)
    out = run("rules").output
    assert "LAB001  helmrelease-install-retries" in out and "(.homelint/rules/retries.yaml)" in out
    assert json.loads(run("rules", "--format", "json").output)[-1]["id"] in {"LAB001", "HL703"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (RETRIES_RULE.replace("severity: warning", "severity: fatal"), "invalid rule file at 'severity'"),
        (RETRIES_RULE.replace("id: LAB001", "id: HL101"), "reuses the ID of a built-in rule"),
        (RETRIES_RULE.replace("  type: object\n  required: [spec]", "  type: 12"), "not a valid JSON schema"),
        ("id: [\n", "invalid YAML"),
        (
            RETRIES_RULE.replace("HelmRelease {name}", "HelmRelease {nmae}"),
            ".homelint/rules/bad.yaml: the rule's 'message' names an unknown field {nmae}; did you mean {name}?",
        ),
        (RETRIES_RULE.replace("HelmRelease {name}", "HelmRelease {name"), "is not a valid template"),
    ],
)
def test_invalid_rule_files_are_config_errors(run, repo, text, expected):
    root = repo({".homelint/rules/bad.yaml": text}, base="clean")
    result = run("check", str(root), "--no-cache")
    assert result.exit_code == 2 and expected in result.stderr
    assert "internal error" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
