"""References to Flux and External Secrets objects written as `${VAR}`: Flux substitutes the whole
object after the build (fluxcd/pkg kustomize SubstituteVariables), so a name the applying
Kustomization's variables give is judged as that name (HL107, HL403), as HL401 judges Secrets. A
name that cannot be known here (a variable nothing sets) is not judged, and one a Secret's value
makes is neither judged nor shown."""

from __future__ import annotations

import pytest

from .conftest import flux_root

POST_BUILD = (
    "  postBuild:\n    substitute:\n      STORE: store-a\n      SOURCE: source-a\n      SOURCE_NS: ns-b\n"
    "    substituteFrom:\n      - kind: Secret\n        name: vars-a\n"
)
VARS_SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata: {name: vars-a, namespace: flux-system}\n"
    "stringData: {HIDDEN_STORE: hidden-store-value}\n"
)


def _tree(user: str) -> dict[str, str]:
    """A root Kustomization substituting STORE/SOURCE/SOURCE_NS inline and HIDDEN_STORE from a Secret,
    whose build applies `user` in ns-a."""
    return {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", POST_BUILD),
        "clusters/main/kustomization.yaml": "resources: [./flux.yaml, ./vars.yaml]\n",
        "clusters/main/vars.yaml": VARS_SECRET,
        "apps/kustomization.yaml": "namespace: ns-a\nresources: [./ns.yaml, ./user.yaml]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/user.yaml": user,
    }


def _external_secret(store: str) -> str:
    return (
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: es-a}\n"
        f"spec:\n  secretStoreRef: {{kind: ClusterSecretStore, name: '{store}'}}\n"
        "  target: {name: secret-a}\n  dataFrom: [{extract: {key: item-a}}]\n"
    )


def _release(name: str, namespace: str = "") -> str:
    ns = f", namespace: '{namespace}'" if namespace else ""
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: release-a}\n"
        f"spec:\n  interval: 1h\n  chartRef: {{kind: OCIRepository, name: '{name}'{ns}}}\n"
    )


@pytest.mark.parametrize(
    ("user", "rule", "expected"),
    [
        (_external_secret("${STORE}"), "HL403", ["ClusterSecretStore 'store-a'"]),
        (_external_secret("store-a"), "HL403", ["ClusterSecretStore 'store-a'"]),  # the literal twin
        (_external_secret("${UNSET}"), "HL403", []),  # nothing sets it: not known
        (_external_secret("${HIDDEN_STORE}"), "HL403", []),  # a Secret's value: not judged, not shown
        (_release("${SOURCE}"), "HL107", ["OCIRepository 'ns-a/source-a'"]),
        (_release("${SOURCE}", "${SOURCE_NS}"), "HL107", ["OCIRepository 'ns-b/source-a'"]),
        (_release("${UNSET}"), "HL107", []),
    ],
)
def test_a_reference_name_the_applying_kustomization_substitutes_is_judged_as_substituted(check_json, repo, user, rule, expected):
    _, findings = check_json(repo(_tree(user)), "--select", rule)
    mine = [f["message"] for f in findings if f["rule"] == rule]
    assert [next((e for e in expected if e in m), m) for m in mine] == expected
    assert not any("hidden-store-value" in m for m in mine)


def _dependent(depends: str) -> str:
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: release-b}\n"
        f"spec:\n  interval: 1h\n  dependsOn: [{{name: '{depends}'}}]\n"
        "  chart:\n    spec: {chart: chart-b, version: 1.0.0, sourceRef: {kind: HelmRepository, name: repo-b}}\n"
        "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: repo-b}\n"
        "spec: {interval: 1h, url: https://example.invalid/charts}\n"
    )


@pytest.mark.parametrize(
    ("depends", "expected"),
    [
        ("${SOURCE}", ["dependsOn HelmRelease 'ns-a/source-a' does not exist"]),  # SOURCE: source-a
        ("${UNSET}", []),
        ("release-b", []),  # the control: itself, a cycle (HL106), not a missing one
    ],
)
def test_a_helm_release_dependency_the_applying_kustomization_substitutes_is_judged(check_json, repo, depends, expected):
    _, findings = check_json(repo(_tree(_dependent(depends))), "--select", "HL105")
    assert [f["message"].split(";")[0] for f in findings] == expected


def test_a_name_flux_transforms_is_judged_as_flux_makes_it(check_json, repo):
    """`${DOMAIN/./-}-tls` is `example-com-tls` once Flux substitutes it (fluxcd/pkg envsubst
    replaceFirst), so a Certificate's Secret of that form is the one a volume of the same form
    mounts; `${DOMAIN//./_}-tls` is `example_com-tls`, which nothing makes."""
    certificate = (
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: cert-a\nspec:\n"
        "  secretName: ${DOMAIN/./-}-tls\n  dnsNames: [a.example.com]\n  issuerRef: {name: issuer-a, kind: ClusterIssuer}\n"
    )
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-a\nspec:\n  containers:\n    - {name: c, image: registry.invalid/a:1.0}\n"
        "  volumes:\n    - name: made\n      secret: {secretName: '${DOMAIN/./-}-tls'}\n"
        "    - name: missing\n      secret: {secretName: '${DOMAIN//./_}-tls'}\n"
    )
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", "  postBuild:\n    substitute:\n      DOMAIN: example.com\n"),
        "apps/kustomization.yaml": "namespace: ns-a\nresources: [./ns.yaml, ./cert.yaml, ./pod.yaml]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/cert.yaml": certificate,
        "apps/pod.yaml": pod,
    }
    _, found = check_json(repo(files), "--select", "HL401")
    assert [(f["path"], f["line"], f["message"].split(" in namespace")[0]) for f in found] == [
        ("apps/pod.yaml", 12, "Pod pod-a uses Secret 'example_com-tls'")
    ]
