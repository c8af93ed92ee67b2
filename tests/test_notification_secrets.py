"""HL401 for the Secrets notification-controller reads: a Receiver's token (spec.secretRef: its
reconcile fails and the Receiver is never Ready) and a Provider's secretRef, certSecretRef and
proxySecretRef (every event it should send fails), each in the object's own namespace."""

from __future__ import annotations

import pytest

from .conftest import flux_root

RECEIVER = (
    "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata:\n  name: hook-a\n  namespace: ns-a\n"
    "spec:\n  type: generic\n  secretRef:\n    name: token-a\n  resources:\n    - kind: GitRepository\n      name: '*'\n"
)
PROVIDER = (
    "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: chat-a\n  namespace: ns-a\n"
    "spec:\n  type: slack\n  {field}:\n    name: token-a\n"
)
TOKEN = (
    "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: token-a\n  namespace: {namespace}\n"
    "spec:\n  secretStoreRef: {{kind: ClusterSecretStore, name: store-a}}\n  dataFrom:\n    - extract: {{key: token-a}}\n"
)
STORE = (
    "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: store-a\n"
    "spec:\n  provider:\n    fake:\n      data: []\n"
)


def _hl401(check_json, repo, consumer: str, token_namespace: str | None) -> list[dict]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-b\n",
        "apps/store.yaml": STORE,
        "apps/consumer.yaml": consumer,
    }
    if token_namespace is not None:
        files["apps/token.yaml"] = TOKEN.format(namespace=token_namespace)
    _, found = check_json(repo(files))
    return [f for f in found if f["rule"] == "HL401"]


CONSUMERS = [
    pytest.param(RECEIVER, id="receiver-secretRef"),
    *(
        pytest.param(PROVIDER.format(field=field), id=f"provider-{field}")
        for field in ("secretRef", "certSecretRef", "proxySecretRef")
    ),
]


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_a_secret_nothing_makes_in_the_objects_namespace_is_an_error(check_json, repo, consumer):
    (finding,) = _hl401(check_json, repo, consumer, token_namespace="ns-b")
    assert finding["severity"] == "error" and finding["path"] == "apps/consumer.yaml"
    assert "'token-a' in namespace ns-a" in finding["message"]


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_a_secret_the_repository_makes_there_is_fine(check_json, repo, consumer):
    assert _hl401(check_json, repo, consumer, token_namespace="ns-a") == []
