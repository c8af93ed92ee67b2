"""A Flux Kustomization's postBuild.substituteFrom is read in the Kustomization's own namespace
(fluxcd/pkg kustomize LoadVariables; SEMANTICS.md 1.3): a source that exists only in another
namespace is not found. HL401 reports it and names where it is; HL201 adds no info of its own for
a required source, and for an optional one says where the source is, not "not in the repository"."""

from __future__ import annotations

from .conftest import flux_root

VARS = "apiVersion: v1\nkind: Secret\nmetadata: {name: vars-a, namespace: ns-a}\nstringData: {DOMAIN_A: example.org}\n"
NS = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n"
USER = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\ndata: {host: 'a.${DOMAIN_A}'}\n"


def run(check_json, repo, optional: bool) -> list[tuple[str, str, str]]:
    source = "    substituteFrom:\n      - kind: Secret\n        name: vars-a\n" + (
        "        optional: true\n" if optional else ""
    )
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", "  postBuild:\n" + source),
        "apps/ns.yaml": NS,
        "apps/vars.yaml": VARS,
        "apps/cm.yaml": USER,
    }
    _, found = check_json(repo(files))
    return sorted((f["rule"], f["severity"], f["message"]) for f in found if f["rule"] in ("HL201", "HL401"))


def test_required_source_in_another_namespace_is_one_hl401_that_names_it(check_json, repo):
    found = run(check_json, repo, optional=False)
    assert [(rule, severity) for rule, severity, _ in found] == [("HL401", "error")]
    assert "it is made only in namespace ns-a" in found[0][2]
    assert "example.org" not in found[0][2]


def test_optional_source_in_another_namespace_is_an_info_that_says_where_it_is(check_json, repo):
    found = run(check_json, repo, optional=True)
    assert [(rule, severity) for rule, severity, _ in found] == [("HL201", "info")]
    message = found[0][2]
    assert "Secret vars-a exists only in namespace ns-a" in message
    assert "namespace flux-system, where it is not" in message
    assert "not in the repository" not in message and "defined nowhere" not in message
    assert "example.org" not in message


def test_a_source_defined_for_another_namespace_that_nothing_applies_says_where_it_is(check_json, repo):
    """The file is in the repository, for namespace ns-a, but no build applies it: the info says
    so instead of "not in the repository"."""
    source = "    substituteFrom:\n      - kind: Secret\n        name: vars-a\n        optional: true\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", "  postBuild:\n" + source),
        "apps/kustomization.yaml": "resources:\n  - ./ns.yaml\n  - ./cm.yaml\n",
        "apps/ns.yaml": NS,
        "apps/cm.yaml": USER,
        "unapplied/vars.yaml": VARS,
    }
    _, found = check_json(repo(files))
    (message,) = [f["message"] for f in found if f["rule"] == "HL201"]
    assert "Secret vars-a is defined only for namespace ns-a (unapplied/vars.yaml)" in message
    assert "not for the Kustomization's namespace flux-system" in message
    assert "not in the repository" not in message and "example.org" not in message
