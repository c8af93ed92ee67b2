"""HL119: a Receiver's resources entry names a Flux object nothing applies. notification-controller
reads each entry on every webhook call (receiver_handlers.go requestReconciliation); one it cannot
read makes the call answer 500 while the Receiver stays Ready."""

from __future__ import annotations

import pytest

from .conftest import flux_root

SYNC = flux_root("apps", "./apps")


def receiver(*entries: str) -> str:
    return (
        "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata:\n  name: hook-a\n"
        "  namespace: flux-system\nspec:\n  type: generic\n  secretRef:\n    name: token-a\n  resources:\n" + "".join(entries)
    )


def kustomization(name: str, namespace: str = "flux-system") -> str:
    return (
        f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n"
        f"  namespace: {namespace}\nspec:\n  interval: 1h\n  path: ./apps/app-a\n  prune: true\n"
        "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n"
    )


def hl119(repo, check_json, *documents: str) -> list[tuple[int, str, str]]:
    tree = {
        "clusters/c/sync.yaml": SYNC,
        "apps/kustomization.yaml": "resources:\n  - flux.yaml\n",
        "apps/flux.yaml": "---\n".join(documents),
        "apps/app-a/kustomization.yaml": "resources: []\n",
    }
    _, findings = check_json(repo(tree), "--select", "HL119")
    return [(f["line"], f["severity"], f["message"]) for f in findings]


def test_an_entry_naming_a_kustomization_nothing_applies_is_a_warning(repo, check_json):
    found = hl119(repo, check_json, receiver("    - kind: Kustomization\n      name: app-b\n"), kustomization("app-a"))
    ((line, severity, message),) = found
    assert (line, severity) == (12, "warning")
    assert message.startswith("Receiver hook-a names Kustomization 'flux-system/app-b', which nothing the repository")
    assert "answers 500, and the Receiver stays Ready" in message


@pytest.mark.parametrize(
    "entry",
    [
        "    - kind: Kustomization\n      name: app-a\n",  # applied beside it
        "    - kind: Kustomization\n      name: apps\n",  # the bootstrap's, which nothing in the tree applies
        "    - kind: GitRepository\n      name: flux-system\n",  # the bootstrap source
        "    - kind: Kustomization\n      name: '*'\n",  # every Kustomization of the namespace
        "    - kind: Kustomization\n      name: '*'\n      matchLabels: {team: a}\n",
        "    - kind: Kustomization\n      name: ${NAME}\n",  # read after substitution: not judged
        "    - kind: HelmChart\n      name: chart-a\n",  # helm-controller makes HelmCharts
    ],
)
def test_entries_that_name_what_exists_or_no_one_object_are_not_reported(repo, check_json, entry):
    assert hl119(repo, check_json, receiver(entry), kustomization("app-a")) == []


def test_an_entry_is_looked_up_in_the_namespace_it_writes(repo, check_json):
    entry = "    - kind: Kustomization\n      name: app-a\n      namespace: ns-a\n"
    assert hl119(repo, check_json, receiver(entry), kustomization("app-a", "ns-a")) == []
    ((_, _, message),) = hl119(repo, check_json, receiver(entry), kustomization("app-a"))
    assert message.endswith("a Kustomization of that name is in 'flux-system'")


def test_flux_system_under_a_flux_operator_sync_of_another_name_is_pointed_at_the_sync(repo, check_json):
    """`flux bootstrap` names the cluster's sync Kustomization flux-system; flux-operator names it
    after the sync's source (sync-a): a Receiver still naming flux-system is told which one it is."""
    instance = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
        "  sync: {kind: GitRepository, name: sync-a, url: 'https://example.invalid/repo', ref: refs/heads/main, path: apps}\n"
    )
    tree = {
        "clusters/c/instance.yaml": instance,
        "apps/kustomization.yaml": "resources:\n  - flux.yaml\n",
        "apps/flux.yaml": receiver("    - kind: Kustomization\n      name: flux-system\n"),
    }
    _, findings = check_json(repo(tree), "--select", "HL119")
    (message,) = [f["message"] for f in findings]
    assert message.endswith("; the Kustomization flux-operator makes for the sync here is 'sync-a'")
