"""cert-manager: the Secrets an issuer reads (HL401, HL407). An Issuer reads them in its own
namespace; a ClusterIssuer in cert-manager's cluster resource namespace, which its chart sets to
the value `clusterResourceNamespace`, else to the release namespace
(deploy/charts/cert-manager/templates/deployment.yaml: `$(POD_NAMESPACE)`). Where the repository
does not say that namespace, a ClusterIssuer's Secrets are not judged."""

from __future__ import annotations

from typing import Any

from .conftest import flux_root

MISSING = "no Secret, SOPS file, ExternalSecret, generator or operator the repository applies produces it"

CLUSTER_ISSUER = """---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: issuer-a}
spec:
  acme:
    server: https://acme.example.com/directory
    privateKeySecretRef: {name: account-key-a}
    solvers:
      - dns01:
          cloudflare: {apiTokenSecretRef: {name: dns-token-a, key: api-token}}
"""
ISSUER = """---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: issuer-b, namespace: ns-a}
spec:
  ca: {secretName: ca-pair-b}
"""
NAMESPACES = "".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}}}\n" for n in ("certs", "ns-a", "other"))


def release(namespace: str = "certs", values: str = "") -> str:
    """A HelmRelease of the cert-manager chart in `namespace`, with `values` (spec lines)."""
    return (
        "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: jetstack, namespace: flux-system}\n"
        "spec: {interval: 1h, url: 'https://charts.example.com'}\n"
        f"---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: cert-manager, namespace: {namespace}}}\n"
        "spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: cert-manager\n      version: 1.16.0\n"
        "      sourceRef: {kind: HelmRepository, name: jetstack, namespace: flux-system}\n" + values
    )


def secret(name: str, namespace: str, key: str = "api-token") -> str:
    return f"---\napiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: {namespace}}}\nstringData: {{{key}: x}}\n"


def findings(check_json: Any, repo: Any, *documents: str) -> list[tuple[str, str, str]]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./all.yaml\n",
        "apps/all.yaml": NAMESPACES + "".join(documents),
    }
    _, found = check_json(repo(files))
    return sorted((f["rule"], f["severity"], f["message"]) for f in found if f["rule"] in ("HL401", "HL407"))


def test_a_cluster_issuer_reads_its_secrets_in_the_release_namespace(check_json, repo):
    (found,) = findings(check_json, repo, release(), CLUSTER_ISSUER)
    assert found[:2] == ("HL401", "error")
    assert f"ClusterIssuer issuer-a uses Secret 'dns-token-a' in namespace certs, but {MISSING}" in found[2]


def test_the_secret_in_that_namespace_satisfies_it(check_json, repo):
    assert findings(check_json, repo, release(), CLUSTER_ISSUER, secret("dns-token-a", "certs")) == []


def test_a_secret_in_another_namespace_does_not(check_json, repo):
    (found,) = findings(check_json, repo, release(), CLUSTER_ISSUER, secret("dns-token-a", "other"))
    assert "in namespace certs" in found[2]


def test_the_chart_value_cluster_resource_namespace_moves_it(check_json, repo):
    moved = release(values="  values:\n    clusterResourceNamespace: other\n")
    assert findings(check_json, repo, moved, CLUSTER_ISSUER, secret("dns-token-a", "other")) == []
    (found,) = findings(check_json, repo, moved, CLUSTER_ISSUER, secret("dns-token-a", "certs"))
    assert "in namespace other" in found[2]


def test_without_a_cert_manager_release_a_cluster_issuer_is_not_judged(check_json, repo):
    assert findings(check_json, repo, CLUSTER_ISSUER) == []


def test_values_from_may_set_the_namespace_so_it_is_not_judged(check_json, repo):
    sourced = release(values="  valuesFrom:\n    - {kind: ConfigMap, name: cert-manager-values}\n")
    values = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cert-manager-values, namespace: certs}\ndata: {values.yaml: '{}'}\n"
    assert findings(check_json, repo, sourced, values, CLUSTER_ISSUER) == []


def test_two_releases_in_different_namespaces_leave_it_unknown(check_json, repo):
    second = release("other").split("---\n", 2)[2]  # the HelmRelease alone, in namespace other
    assert (
        findings(
            check_json, repo, release(), "---\n" + second.replace("name: cert-manager,", "name: cert-manager-b,"), CLUSTER_ISSUER
        )
        == []
    )


def test_an_issuer_reads_its_secrets_in_its_own_namespace(check_json, repo):
    (found,) = findings(check_json, repo, ISSUER)
    assert f"Issuer issuer-b uses Secret 'ca-pair-b' in namespace ns-a, but {MISSING}" in found[2]
    assert findings(check_json, repo, ISSUER, secret("ca-pair-b", "ns-a", "tls.crt")) == []


def test_a_key_the_solver_reads_must_be_in_the_secret(check_json, repo):
    (found,) = findings(check_json, repo, release(), CLUSTER_ISSUER, secret("dns-token-a", "certs", key="token"))
    assert found[0] == "HL407" and "api-token" in found[2]


def test_the_account_key_and_a_webhook_solver_config_are_not_references(check_json, repo):
    webhook = CLUSTER_ISSUER.replace(
        "cloudflare: {apiTokenSecretRef: {name: dns-token-a, key: api-token}}",
        "webhook: {groupName: acme.example.com, solverName: s, config: {apiTokenSecretRef: {name: only-the-webhook-reads}}}",
    )
    assert findings(check_json, repo, release(), webhook) == []


def test_a_hostile_cluster_resource_namespace_is_printed_escaped(repo, run):
    """The namespace comes from the repository's values: a terminal escape or a bidi control in it
    is shown escaped, never written to the terminal."""
    hostile = release(values='  values:\n    clusterResourceNamespace: "ns\\x1b[31mred\\u202e"\n')
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./all.yaml\n",
        "apps/all.yaml": NAMESPACES + hostile + CLUSTER_ISSUER,
    }
    output = run("check", str(repo(files)), "--no-cache").output
    assert "uses Secret 'dns-token-a' in namespace ns\\x1b[31mred\\u202e" in output
    assert "\x1b" not in output and "\u202e" not in output
