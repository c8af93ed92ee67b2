"""HL107 for notifications: an Alert's spec.providerRef names a Provider in the Alert's own
namespace (providerRef has no namespace). notification-controller's event handler fails to read
a missing one ("failed to read provider") and drops the Alert's events."""

from __future__ import annotations

import pytest

from .conftest import flux_root

SYNC = flux_root("apps", "./apps")


def provider(name: str, namespace: str = "ns-a") -> str:
    return (
        f"apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: {name}\n"
        f"  namespace: {namespace}\nspec:\n  type: generic\n  address: https://hooks.invalid/a\n"
    )


def alert(name: str, extra: str = "") -> str:
    return (
        "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata:\n  name: alert-a\n"
        f"  namespace: ns-a\nspec:\n{extra}  providerRef:\n    name: {name}\n"
        "  eventSources:\n    - kind: Kustomization\n      name: '*'\n"
    )


def hl107(repo, check_json, *documents: str) -> list[tuple[int, str, str]]:
    tree = {
        "clusters/c/sync.yaml": SYNC,
        "apps/kustomization.yaml": "resources:\n  - alerts.yaml\n",
        "apps/alerts.yaml": "---\n".join(documents),
    }
    _, findings = check_json(repo(tree), "--select", "HL107")
    return [(f["line"], f["severity"], f["message"]) for f in findings if f["path"] == "apps/alerts.yaml"]


def test_an_alert_needs_a_provider_in_its_own_namespace(repo, check_json):
    ((line, severity, message),) = hl107(repo, check_json, alert("provider-a"), provider("provider-a", "ns-b"))
    assert (line, severity) == (8, "error")
    assert message.startswith("providerRef names Provider 'ns-a/provider-a', which nothing the repository applies defines")
    assert "notification-controller drops every event of this Alert" in message
    assert message.endswith("a Provider of that name is in 'ns-b'")


@pytest.mark.parametrize(
    "documents",
    [
        pytest.param([alert("provider-a"), provider("provider-a")], id="provider-beside-it"),
        pytest.param([alert("${PROVIDER}")], id="name-read-after-substitution"),
        pytest.param([alert("provider-a", "  suspend: true\n")], id="suspended-alert-sends-nothing"),
    ],
)
def test_what_is_not_judged(repo, check_json, documents):
    """Silent: the Provider is there, its name is a placeholder, or the Alert is suspended."""
    assert hl107(repo, check_json, *documents) == []


def test_a_close_name_is_offered(repo, check_json):
    ((_, _, message),) = hl107(repo, check_json, alert("provider-aa"), provider("provider-a"))
    assert "did you mean 'provider-a'" in message
