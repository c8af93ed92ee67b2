"""HL611: server-side apply types a pod spec by the API server's schema, where containers, volumes
and a container's env are lists keyed by name and its ports by containerPort and protocol;
structured-merge-diff refuses an apply request with two entries of one key ('duplicate entries
for key'). kustomize keeps both (checked with kubectl kustomize), kustomize-controller's dry-run
fails."""

from __future__ import annotations

import pytest

from .conftest import flux_root

IMAGE = "registry.invalid/a:1.0.0@sha256:" + "0" * 64


def _deployment(containers: str, volumes: str = "") -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-a, namespace: ns-a}\nspec:\n"
        "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n"
        f"      containers:\n{containers}{volumes}"
    )


def _container(name: str, extra: str = "") -> str:
    return f"        - name: {name}\n          image: {IMAGE}\n{extra}"


def _found(check_json, repo, files: dict[str, str]) -> list[tuple[str, int, str]]:
    tree = {"clusters/main/flux.yaml": flux_root("apps", "./apps"), "clusters/main/ns.yaml": NAMESPACE, **files}
    return [(f["path"], f["line"], f["message"]) for f in check_json(repo(tree), "--select", "HL611")[1]]


NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n"
ENV_TWICE = "          env:\n            - {name: VAR_A, value: '1'}\n            - {name: VAR_A, value: '2'}\n"


def test_two_env_entries_of_one_name_fail_the_apply(check_json, repo):
    found = _found(check_json, repo, {"apps/deploy.yaml": _deployment(_container("main", ENV_TWICE))})
    assert found == [
        (
            "apps/deploy.yaml",
            14,
            "Deployment 'app-a': env of container 'main' has a second entry with the name \"VAR_A\" (the first is "
            'entry 0); server-side apply refuses the object (duplicate entries for key [name="VAR_A"]), so '
            "Kustomization flux-system/apps fails to apply",
        )
    ]


def test_an_entry_a_json_patch_adds_is_reported_at_the_patch(check_json, repo):
    env = "          env:\n            - {name: VAR_A, value: '1'}\n"
    patch = (
        "resources: [deploy.yaml]\npatches:\n  - target: {kind: Deployment, name: app-a}\n    patch: |\n"
        "      - op: add\n        path: /spec/template/spec/containers/0/env/-\n        value: {name: VAR_A, value: '2'}\n"
    )
    files = {"apps/deploy.yaml": _deployment(_container("main", env)), "apps/kustomization.yaml": patch}
    assert [(path, line) for path, line, _ in _found(check_json, repo, files)] == [("apps/kustomization.yaml", 7)]


@pytest.mark.parametrize(
    ("containers", "volumes", "where"),
    [
        (_container("main") + _container("main"), "", 'containers has a second entry with the name "main"'),
        (
            _container("main"),
            "      volumes:\n        - {name: data, emptyDir: {}}\n        - {name: data, emptyDir: {}}\n",
            'volumes has a second entry with the name "data"',
        ),
        (
            _container(
                "main",
                "          ports:\n            - {containerPort: 80, protocol: UDP}\n"
                "            - {containerPort: 80, protocol: UDP}\n",
            ),
            "",
            "ports of container 'main' has a second entry with containerPort 80 and protocol \"UDP\"",
        ),
    ],
    ids=["containers", "volumes", "ports"],
)
def test_each_keyed_list_of_a_pod_spec_is_judged(check_json, repo, containers, volumes, where):
    (found,) = _found(check_json, repo, {"apps/deploy.yaml": _deployment(containers, volumes)})
    assert where in found[2]


@pytest.mark.parametrize(
    "extra",
    [
        "          env:\n            - {name: VAR_A, value: '1'}\n            - {name: VAR_B, value: '2'}\n",
        # one port, two protocols: two keys
        "          ports:\n            - {containerPort: 53, protocol: UDP}\n            - {containerPort: 53, protocol: TCP}\n",
        # keys only substitution may make equal are not judged
        "          env:\n            - {name: '${NAME_A}', value: '1'}\n            - {name: '${NAME_B}', value: '2'}\n",
        # a list that is not keyed (envFrom) may repeat
        "          envFrom:\n            - configMapRef: {name: cm-a}\n            - configMapRef: {name: cm-a}\n",
    ],
    ids=["other-names", "other-protocols", "variables", "unkeyed-list"],
)
def test_distinct_keys_are_no_finding(check_json, repo, extra):
    assert _found(check_json, repo, {"apps/deploy.yaml": _deployment(_container("main", extra))}) == []


def test_what_the_bootstrap_applies_is_not_judged(check_json, repo):
    """A root is applied by hand (`kubectl apply`, client-side), which keeps both entries."""
    files = {"clusters/main/deploy.yaml": _deployment(_container("main", ENV_TWICE))}
    assert _found(check_json, repo, files) == []
