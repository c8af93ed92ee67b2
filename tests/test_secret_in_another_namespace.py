"""HL401/HL405 for a workload whose Secret or ConfigMap the repository makes, by that exact name,
only in another namespace: the kubelet reads it from the pod's own namespace, so the message says
where it is made instead of offering similar names."""

from __future__ import annotations

import pytest

from .conftest import flux_root


def _deploy(kind_ref: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-a, namespace: ns-a}\nspec:\n"
        "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n"
        "      containers:\n        - name: a\n          image: registry.invalid/a:1.0.0@sha256:"
        + "0" * 64
        + f"\n          envFrom:\n            - {kind_ref}: {{name: data-a}}\n"
    )


def _object(kind: str, namespace: str, name: str) -> str:
    return f"---\napiVersion: v1\nkind: {kind}\nmetadata: {{name: {name}, namespace: {namespace}}}\ndata: {{k: djE=}}\n"


@pytest.mark.parametrize(("kind", "ref", "rule"), [("Secret", "secretRef", "HL401"), ("ConfigMap", "configMapRef", "HL405")])
def test_the_exact_name_made_in_another_namespace_is_named(check_json, repo, kind, ref, rule):
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ns.yaml": "".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}}}\n" for n in ("ns-a", "ns-b")),
        "apps/deploy.yaml": _deploy(ref),
        "apps/made.yaml": _object(kind, "ns-b", "data-a") + _object(kind, "ns-a", "data-aa"),
    }
    _, found = check_json(repo(files), "--select", rule)
    ((message, fix),) = [(f["message"], f["fix"]) for f in found]
    assert message.startswith(
        f"Deployment app-a uses {kind} 'data-a' in namespace ns-a, but the repository makes it only in namespace ns-b"
    )
    assert "similar names" not in message
    assert fix.startswith(f"make the {kind} in namespace ns-a too (or reflect it there)")
