"""HL118: a Flux Kustomization's healthChecks entry names a Flux object that nothing applies
(kustomize-controller waits for it until the timeout: "Health check timed out for [...]")."""

from __future__ import annotations

import pytest

from .test_flux_sources import RESOURCE_SET, helmrelease, ks

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\n"


def health_check(kind: str, name: str, namespace: str | None = "ns-a", api: str | None = "helm.toolkit.fluxcd.io/v2") -> str:
    entry = f"    - kind: {kind}\n      name: {name}\n"
    entry += f"      apiVersion: {api}\n" if api else ""
    return entry + (f"      namespace: {namespace}\n" if namespace else "")


def app_ks(*entries: str, extra: str = "") -> str:
    """The Kustomization app-a (applies apps/app-a: HelmRelease ns-a/app-a) with those healthChecks."""
    return ks("app-a", "./apps/app-a", source="flux-system", extra=extra + "  healthChecks:\n" + "".join(entries))


def hl118(check_json, files: dict[str, str], repo) -> list[dict]:
    base = {"apps/app-a/hr.yaml": helmrelease("app-a", "ns-a"), "apps/app-a/cm.yaml": CM}
    _, findings = check_json(repo({**base, **files}), "--select", "HL118")
    return findings


@pytest.mark.parametrize(("name", "found"), [("app-a", False), ("app-typo", True)])
def test_a_health_check_of_a_helm_release_nothing_applies_is_an_error(repo, check_json, name, found):
    """The HelmRelease the entry names must be one the repository applies in that namespace; a
    Deployment of no file is not judged (a chart may render it)."""
    findings = hl118(
        check_json,
        {"clusters/c1/app-a.yaml": app_ks(health_check("HelmRelease", name), health_check("Deployment", "app-x", api="apps/v1"))},
        repo,
    )
    assert [(f["line"], f["severity"]) for f in findings] == ([(15, "error")] if found else [])
    if found:
        assert (
            "healthChecks names HelmRelease 'ns-a/app-typo', which nothing the repository applies defines"
            in findings[0]["message"]
        )


def test_wait_true_ignores_health_checks(repo, check_json):
    """kustomize-controller checks every applied object when spec.wait is true and ignores
    spec.healthChecks (docs/spec/v1/kustomizations.md, Health checks)."""
    files = {"clusters/c1/app-a.yaml": app_ks(health_check("HelmRelease", "app-typo"), extra="  wait: true\n")}
    assert hl118(check_json, files, repo) == []


def test_the_message_names_the_namespace_that_holds_the_object(repo, check_json):
    findings = hl118(check_json, {"clusters/c1/app-a.yaml": app_ks(health_check("HelmRelease", "app-a", "ns-b"))}, repo)
    (finding,) = findings
    assert finding["message"].endswith("; a HelmRelease of that name is in 'ns-a'")


def test_entries_without_namespace_or_with_a_placeholder_are_not_judged(repo, check_json):
    """Where Flux looks without namespace, or what an unsubstituted ${VAR} becomes, is not known."""
    entries = (
        health_check("HelmRelease", "app-typo", None),
        health_check("HelmRelease", "${APP}"),
        health_check("HelmRelease", "app-typo", api=None),
    )
    assert hl118(check_json, {"clusters/c1/app-a.yaml": app_ks(*entries)}, repo) == []


def test_a_placeholder_the_parent_substitutes_is_judged(repo, check_json):
    """The child Kustomization is applied as its parent's postBuild substitutes it."""
    parent = ks(
        "apps", "./clusters/c1/apps", source="flux-system", extra="  postBuild:\n    substitute: {APP_A: app-a, APP_B: app-b}\n"
    )
    files = {
        "clusters/c1/root.yaml": parent,
        "clusters/c1/apps/ks.yaml": app_ks(health_check("HelmRelease", "${APP_A}"), health_check("HelmRelease", "${APP_B}")),
    }
    (finding,) = hl118(check_json, files, repo)
    assert "HelmRelease 'ns-a/app-b'" in finding["message"]


def test_kustomizations_and_sources_of_the_repository_resolve(repo, check_json):
    """Every Flux kind is looked up among what the repository applies: the Kustomization itself,
    its GitRepository; a Kustomization of another name does not resolve."""
    gitrepo = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\n"
        "spec: {interval: 1h, url: 'https://git.example.com/me/home', ref: {branch: main}}\n"
    )
    entries = (
        health_check("GitRepository", "flux-system", "flux-system", "source.toolkit.fluxcd.io/v1"),
        health_check("Kustomization", "app-a", "flux-system", "kustomize.toolkit.fluxcd.io/v1"),
        health_check("Kustomization", "app-b", "flux-system", "kustomize.toolkit.fluxcd.io/v1"),
        health_check("HelmChart", "ns-a-app-z", "flux-system", "source.toolkit.fluxcd.io/v1"),
    )
    files = {"clusters/c1/app-a.yaml": app_ks(*entries) + "---\n" + gitrepo}
    findings = hl118(check_json, files, repo)
    assert [f["message"].split(",")[0] for f in findings] == ["healthChecks names Kustomization 'flux-system/app-b'"]


def test_objects_a_resource_set_creates_resolve(repo, check_json):
    """A ResourceSet creates HelmReleases that no file holds (here any name in ns-a: a template action)."""
    files = {
        "clusters/c1/app-a.yaml": app_ks(health_check("HelmRelease", "app-b"), health_check("HelmRelease", "app-b", "ns-z")),
        "apps/app-a/kustomization.yaml": "resources: [./hr.yaml, ./cm.yaml, ./resourceset.yaml]\n",
        "apps/app-a/resourceset.yaml": RESOURCE_SET,
    }
    findings = hl118(check_json, files, repo)
    assert [f["message"].split(",")[0] for f in findings] == ["healthChecks names HelmRelease 'ns-z/app-b'"]


@pytest.mark.parametrize(("tenant_ns", "severity"), [("ns-b", "info"), ("tenants", "error")])
def test_a_namespace_a_source_not_followed_feeds_is_an_info(repo, check_json, tenant_ns, severity):
    """A Kustomization from a source this repository does not hold may apply the HelmRelease."""
    tenant = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        f"metadata: {{name: tenant-repo, namespace: {tenant_ns}}}\n"
        "spec: {interval: 1h, url: 'https://git.example.com/tenant-a', ref: {branch: main}}\n---\n"
        + ks("tenant-a", "./flux", source="tenant-repo", namespace=tenant_ns)
    )
    files = {"clusters/c1/app-a.yaml": app_ks(health_check("HelmRelease", "app-b", "ns-b")) + "---\n" + tenant}
    (finding,) = hl118(check_json, files, repo)
    assert finding["severity"] == severity


def test_a_helm_release_in_a_file_nothing_applies_is_named(repo, check_json):
    files = {
        "clusters/c1/app-a.yaml": app_ks(health_check("HelmRelease", "app-b")),
        "apps/app-b/hr.yaml": helmrelease("app-b", "ns-a"),
    }
    (finding,) = hl118(check_json, files, repo)
    assert "'ns-a/app-b', defined in apps/app-b/hr.yaml, which no Flux Kustomization applies" in finding["message"]
    assert finding["severity"] == "error"


@pytest.mark.parametrize(
    ("source", "path"),
    [("src-missing", "./apps/app-a"), ("flux-system", "./apps/app-missing")],
    ids=["source-not-found", "path-not-found"],
)
def test_a_kustomization_that_never_reaches_its_health_checks_is_not_judged(repo, check_json, source, path):
    """kustomize-controller's Reconcile stops at getSource ("Source '...' not found", HL107), and its
    reconcile at "kustomization path not found" (HL103), before it builds, applies or checks health:
    no entry times out, and what the path would apply is not known."""
    files = {
        "clusters/c1/app-a.yaml": ks(
            "app-a", path, source=source, extra="  healthChecks:\n" + health_check("HelmRelease", "app-a")
        )
    }
    assert hl118(check_json, files, repo) == []


@pytest.mark.parametrize("namespace", ["", "  namespace: ${NS}\n"], ids=["none", "placeholder"])
def test_an_object_applied_without_namespace_exists_nowhere(repo, check_json, namespace):
    """A HelmRelease that gets no namespace (HL110) is one Flux fails to apply: it is no object of
    any namespace, so an entry naming another HelmRelease is still judged; one naming it is not
    (HL110 says it, and its fix gives it a namespace). One whose namespace is a placeholder left
    literal may be in any namespace: nothing of that kind is judged."""
    release_b = helmrelease("app-b", "ns-a").replace("  namespace: ns-a\n", namespace)
    files = {
        "clusters/c1/app-a.yaml": app_ks(health_check("HelmRelease", "app-typo"), health_check("HelmRelease", "app-b")),
        "apps/app-a/kustomization.yaml": "resources: [./hr.yaml, ./cm.yaml, ./hr-b.yaml]\n",
        "apps/app-a/hr-b.yaml": release_b,
    }
    findings = hl118(check_json, files, repo)
    assert [f["message"].split(",")[0] for f in findings] == (
        ["healthChecks names HelmRelease 'ns-a/app-typo'"] if not namespace else []
    )
