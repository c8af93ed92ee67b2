"""HL401 when an operator homelint has no table row for may write the Secret.

Operators name the Secret they write in their custom resource (`spec.secretName`). A custom
resource of a kind the producer and consumer tables do not describe, applied in the namespace of
the user and naming the Secret in a `...secretName` field, may write it or read it: the finding is
an info that names it, not an error. Kinds the tables describe keep their verdict (an Ingress's
tls.secretName reads a Secret), and so does a resource of another namespace.
"""

from __future__ import annotations

from .conftest import flux_root

DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: deploy-a\nspec:\n  selector: {matchLabels: {app: a}}\n"
    "  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n        - name: c\n"
    "          image: busybox:1.36\n          env:\n            - name: KEY\n              valueFrom:\n"
    "                secretKeyRef: {name: secret-a, key: key}\n"
)
VIRTUAL_KEY = (
    "apiVersion: operator-a.example.com/v1alpha1\nkind: VirtualKey\nmetadata:\n  name: key-a\n{namespace}"
    "spec:\n  output:\n    secretName: secret-a\n"
)
INGRESS = (
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ingress-a\nspec:\n  tls:\n"
    "    - hosts: [a.example.invalid]\n      secretName: secret-a\n  rules: []\n"
)


def tree(other: str) -> dict[str, str]:
    return {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "namespace: ns-a\nresources: [ns.yaml, deploy.yaml, other.yaml]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/deploy.yaml": DEPLOYMENT,
        "apps/other.yaml": other,
    }


def _hl401(check_json, root) -> list[tuple[str, str]]:
    return [(f["severity"], f["message"]) for f in check_json(root)[1] if f["rule"] == "HL401"]


def test_a_resource_of_an_unknown_operator_naming_the_secret_makes_it_an_info(check_json, repo):
    assert _hl401(check_json, repo(tree(VIRTUAL_KEY.format(namespace="")))) == [
        (
            "info",
            "Deployment deploy-a uses Secret 'secret-a' in namespace ns-a, which nothing the repository applies is known "
            "to produce; VirtualKey key-a (apps/other.yaml) names it in spec.output.secretName, and homelint does not "
            "know whether its operator writes or reads it; if it writes it, list it in secrets.external",
        )
    ]


def test_a_kind_the_tables_describe_keeps_the_error(check_json, repo):
    ((severity, _),) = _hl401(check_json, repo(tree(INGRESS)))[:1]
    assert severity == "error"


def test_a_resource_of_another_namespace_does_not_count(check_json, repo):
    files = tree(VIRTUAL_KEY.format(namespace="  namespace: ns-b\n"))
    files["apps/kustomization.yaml"] = "resources: [ns.yaml, deploy.yaml, other.yaml]\n"
    files["apps/deploy.yaml"] = DEPLOYMENT.replace("  name: deploy-a\n", "  name: deploy-a\n  namespace: ns-a\n")
    assert [severity for severity, _ in _hl401(check_json, repo(files))] == ["error"]


INFISICAL = (
    "apiVersion: secrets.infisical.com/v1alpha1\nkind: InfisicalSecret\nmetadata:\n  name: maker-a\n  namespace: flux-system\n"
    "spec:\n  hostAPI: https://example.invalid/api\n  managedKubeSecretReferences:\n    - secretName: vars-a\n"
    "      secretNamespace: flux-system\n      secretType: Opaque\n"
)


def test_a_substitution_source_an_operator_makes_is_named_with_it(check_json, repo):
    """The Secret a Kustomization substitutes from is made by an InfisicalSecret, whose keys come
    from the secret store: the placeholders no other source defines may be defined there (an info),
    and the info says what makes the Secret rather than that it is not in the repository."""
    substitute = "  postBuild:\n    substituteFrom:\n      - {kind: Secret, name: vars-a}\n"
    root = repo(
        {
            "clusters/main/flux.yaml": flux_root("apps", "./apps", substitute),
            "apps/kustomization.yaml": "resources: [cm.yaml, maker.yaml]\n",
            "apps/maker.yaml": INFISICAL,
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\ndata:\n  host: ${HOST_A}\n",
        }
    )
    (finding,) = [f for f in check_json(root)[1] if f["rule"] == "HL201"]
    assert finding["severity"] == "info"
    assert (
        "Secret vars-a is made by InfisicalSecret maker-a (apps/maker.yaml), whose keys homelint does not read"
        in finding["message"]
    )
