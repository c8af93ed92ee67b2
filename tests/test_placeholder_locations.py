"""Where placeholder findings point: at the use the finding is about, not at the first text that
begins like it (a use of the same variable with a default, or of a longer name)."""

from __future__ import annotations

import pytest

from homelint.core.substitution import located, needle_at, scan

from .conftest import flux_root

CM_HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\ndata:\n"


def _repo(repo, data: str, extra: str = "", files: dict[str, str] | None = None):
    root_extra = "  postBuild:\n    substitute:\n      VAR_B: b\n" + extra
    return repo(
        {
            "clusters/c1/flux.yaml": flux_root("app-a", "./apps/app-a", root_extra),
            "apps/app-a/cm.yaml": CM_HEAD + data,
            **(files or {}),
        }
    )


def _at(findings, rule):
    return [(f["path"], f["line"], f["column"]) for f in findings if f["rule"] == rule]


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        # a block scalar: the defaulted use and a longer name come first
        ('  script: |\n    echo "${VAR_A:-fallback}"\n    echo "${VAR_AB:=x}"\n    echo "${VAR_A}"\n', 10, 11),
        # one line: the same
        ("  line: ${VAR_A:=x}-${VAR_AB:=y}-${VAR_A}\n", 7, 34),
        # in the default of another variable
        ("  nested: ${VAR_C:=${VAR_A:-x}}${VAR_D:=${VAR_A}}\n", 7, 41),
        # after an escaped `$${VAR_A}`, which Flux leaves as `${VAR_A}`
        ("  escaped: $${VAR_A} ${VAR_A}\n", 7, 22),
    ],
    ids=["block", "line", "nested-default", "escaped"],
)
def test_an_undefined_variable_is_reported_at_its_use_without_default(repo, check_json, data, line, column):
    _, findings = check_json(_repo(repo, data), "--select", "HL201")
    assert _at(findings, "HL201") == [("apps/app-a/cm.yaml", line, column)]


def test_a_suppression_on_the_line_of_the_use_silences_it(repo, check_json):
    """A quoted scalar over two lines: the undefined use is on the second, where its comment is."""
    data = '  script: "${VAR_A:-fallback}\n    ${VAR_A}"  # homelint: ignore[HL201] -- set by hand\n'
    _, findings = check_json(_repo(repo, data), "--select", "HL201,HL005")
    assert findings == []


def test_other_placeholder_rules_point_at_the_exact_use(repo, check_json):
    """HL205 (a literal placeholder: no postBuild) at the variable some Kustomization provides, not
    at a longer name before it; HL202 (not in the placeholder docs) likewise."""
    files = {
        "apps/app-b/cm.yaml": CM_HEAD.replace("cm-a", "cm-b") + "  line: ${VAR_BB:-x}-${VAR_B}\n",
        "clusters/c1/app-b.yaml": flux_root("app-b", "./apps/app-b").split("---\n")[1],
        "apps/app-a/settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: flux-system\n"
        "data:\n  VAR_C: c\n",
        "docs/placeholders.md": "# Placeholders\n\n- `${VAR_B}`\n",
    }
    extra = "    substituteFrom:\n      - kind: ConfigMap\n        name: settings\n"
    data = "  line: ${VAR_CC:=x}-${VAR_C}\n"
    _, findings = check_json(_repo(repo, data, extra, files), "--select", "HL202,HL205")
    assert _at(findings, "HL205") == [("apps/app-b/cm.yaml", 7, 22)]
    assert _at(findings, "HL202") == [("apps/app-a/cm.yaml", 7, 22)]


def test_the_talhelper_variable_is_reported_at_its_use_without_default(repo, check_json):
    """HL901: talconfig.yaml's `${VAR}` that no talenv file defines, not the defaulted use before it."""
    talconfig = (
        "clusterName: home\ntalosVersion: v1.12.6\nkubernetesVersion: v1.34.2\n"
        "endpoint: https://${VIP_A:-10.0.0.10}:${VIP_AB:-6443}/${VIP_A}\nnodes:\n"
        "  - hostname: cp-1\n    ipAddress: 10.0.0.11\n    controlPlane: true\n"
    )
    root = repo({"talos/talconfig.yaml": talconfig, "talos/talenv.yaml": "OTHER: x\n"})
    _, findings = check_json(root, "--select", "HL901")
    assert _at(findings, "HL901") == [("talos/talconfig.yaml", 4, 55)]


@pytest.mark.parametrize(
    ("text", "which", "needle", "nth"),
    [
        ("${A:-x} ${AB} ${A}", 2, "${A", 2),  # counts the other uses that begin alike, as the file holds them
        ("${#A} ${#A}", 1, "${#A}", 1),  # a transform: its own text
        ("${#A:- x}", 0, "${#A:-", 0),  # up to a blank, which a YAML file may fold
    ],
)
def test_the_needle_finds_the_use_by_its_occurrence(text, which, needle, nth):
    exprs = list(scan(text))
    assert needle_at(text, exprs[which].start, exprs[which].end) == (needle, nth)


def test_nested_uses_are_located_in_the_whole_string():
    text = "v=${A:=${B:-${C}}}"
    (expr,) = scan(text)
    assert [(e.name, text[start:end]) for e, start, end in located(expr)] == [
        ("A", "${A:=${B:-${C}}}"),
        ("B", "${B:-${C}}"),
        ("C", "${C}"),
    ]
