"""emberstack/kubernetes-reflector's auto-mirrors (producers.yaml reflector-mirror, and a
cert-manager Certificate's secretTemplate): a Secret is mirrored, same name, only with
`reflection-allowed` and `reflection-auto-enabled` true, and only into the namespaces both
`reflection-allowed-namespaces` and `reflection-auto-namespaces` match (MirroringPropertiesExtensions
CanBeAutoReflectedToNamespace; a missing or empty list matches every namespace)."""

from __future__ import annotations

import pytest

from homelint.model.refs import ANY, MATCHING, namespace_matcher, reflected_namespaces

from .conftest import flux_root

R = "reflector.v1.k8s.emberstack.com/"
ON = {R + "reflection-allowed": "true", R + "reflection-auto-enabled": "true"}


def annotations(extra: dict[str, str]) -> str:
    return "".join(f'    {key}: "{value}"\n' for key, value in extra.items())


def secret(extra: dict[str, str]) -> str:
    return f"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\n  namespace: ns-a\n  annotations:\n{annotations(extra)}stringData: {{k: v}}\n"


def pod(namespace: str) -> str:
    return (
        f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: pod-a, namespace: {namespace}}}\nspec:\n  containers:\n"
        "    - name: c\n      image: r@sha256:" + "0" * 64 + "\n      envFrom: [{secretRef: {name: secret-a}}]\n"
    )


def hl401(check_json, repo, made: str, used_in: str) -> list[str]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/namespaces.yaml": "".join(
            f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}}}\n" for n in ("ns-a", "ns-b", "ns-c", "ns-ab")
        ),
        "apps/made.yaml": made,
        "apps/pod.yaml": pod(used_in),
    }
    _, found = check_json(repo(files))
    return [f["message"] for f in found if f["rule"] == "HL401"]


LISTED = {**ON, R + "reflection-allowed-namespaces": "ns-b", R + "reflection-auto-namespaces": "ns-b"}


def test_secret_used_in_a_namespace_the_lists_leave_out_is_unproduced(check_json, repo):
    found = hl401(check_json, repo, secret(LISTED), "ns-c")
    assert len(found) == 1 and "Secret 'secret-a' in namespace ns-c" in found[0]


def test_secret_used_in_a_listed_namespace_is_mirrored(check_json, repo):
    assert hl401(check_json, repo, secret(LISTED), "ns-b") == []


def test_without_lists_the_secret_is_mirrored_everywhere(check_json, repo):
    assert hl401(check_json, repo, secret(ON), "ns-c") == []


def test_auto_enabled_without_reflection_allowed_mirrors_nothing(check_json, repo):
    found = hl401(check_json, repo, secret({R + "reflection-auto-enabled": "true"}), "ns-b")
    assert len(found) == 1


def test_a_namespace_must_be_in_both_lists(check_json, repo):
    made = secret({**ON, R + "reflection-allowed-namespaces": "ns-b,ns-c", R + "reflection-auto-namespaces": "ns-b"})
    assert len(hl401(check_json, repo, made, "ns-c")) == 1
    assert hl401(check_json, repo, made, "ns-b") == []


def test_patterns_must_match_the_whole_name_with_their_first_match(check_json, repo):
    """.NET's Regex.Match of `ns-a|ns-ab` on ns-ab is `ns-a`, shorter than the name: not matched."""
    made = secret({**ON, R + "reflection-auto-namespaces": "ns-a|ns-ab, ns-[bc]"})
    assert hl401(check_json, repo, made, "ns-c") == []
    assert len(hl401(check_json, repo, made, "ns-ab")) == 1


def test_certificate_secret_template_mirrors_only_into_its_lists(check_json, repo):
    certificate = (
        "---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: cert-a, namespace: ns-a}\nspec:\n"
        "  secretName: secret-a\n  issuerRef: {kind: ClusterIssuer, name: issuer-a}\n  dnsNames: [a.example.com]\n"
        f"  secretTemplate:\n    annotations:\n{annotations(LISTED).replace('    ', '      ')}"
    )
    assert len(hl401(check_json, repo, certificate, "ns-c")) == 1
    assert hl401(check_json, repo, certificate, "ns-b") == []


@pytest.mark.parametrize(
    ("extra", "want"),
    [
        pytest.param({}, [ANY], id="no-lists-every-namespace"),
        pytest.param({R + "reflection-allowed-namespaces": ""}, [ANY], id="empty-list-every-namespace"),
        pytest.param({R + "reflection-auto-namespaces": " , "}, [], id="list-of-blanks-none"),
        pytest.param({R + "reflection-auto-namespaces": "ns-b, ns-c"}, ["ns-b", "ns-c"], id="names"),
        pytest.param({R + "reflection-auto-namespaces-selector": "team=a"}, [ANY], id="label-selector-unknown"),
        pytest.param({R + "reflection-auto-namespaces": "ns-(?=b)"}, [ANY], id="lookahead-not-judged"),
        pytest.param({R + "reflection-auto-namespaces": "ns-\\d"}, [ANY], id="escape-not-judged"),
        pytest.param({R + "reflection-auto-namespaces": "[a-z-[aeiou]]"}, [ANY], id="class-subtraction-not-judged"),
    ],
)
def test_reflected_namespaces(extra, want):
    assert reflected_namespaces({**ON, **extra}) == want


def test_reflection_switches_parse_as_csharp_booleans():
    assert reflected_namespaces({R + "reflection-allowed": " True ", R + "reflection-auto-enabled": "TRUE"}) == [ANY]
    assert reflected_namespaces({R + "reflection-allowed": "yes", R + "reflection-auto-enabled": "true"}) == []


def test_pattern_namespace_matches_as_reflector_does():
    (made,) = reflected_namespaces(
        {**ON, R + "reflection-auto-namespaces": "ns-.*", R + "reflection-allowed-namespaces": "ns-b,x"}
    )
    assert made.startswith(MATCHING)
    matches = namespace_matcher(made)
    assert matches is not None
    assert [n for n in ("ns-b", "ns-c", "x", "ns-bb") if matches(n)] == ["ns-b"]
