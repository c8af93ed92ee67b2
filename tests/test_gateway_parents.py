"""HL122: a route whose parentRef names a Gateway in a namespace that has none of that name, while
the repository defines it in another namespace, is never accepted (NoMatchingParent). Judged only
against Gateways the repository defines in the same cluster, where no chart could make one."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import flux_ks, flux_root

GATEWAY = (
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw-a\n  namespace: ns-net\n"
    "spec:\n  gatewayClassName: class-a\n  listeners:\n    - {name: http, protocol: HTTP, port: 80}\n"
)
ROUTE = (
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: route-a\n  namespace: ns-a\n"
    "spec:\n  parentRefs:\n    - name: gw-a\n{namespace}  hostnames: [a.example.org]\n"
)
NAMESPACES = "".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n" for ns in ("ns-a", "ns-net", "ns-b"))


def _hl122(check_json: Any, repo: Any, route: str, **extra: str) -> list[dict]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", extra.pop("flux_extra", "")),
        "apps/namespaces.yaml": NAMESPACES,
        "apps/gateway.yaml": GATEWAY,
        "apps/route.yaml": route,
        **extra,
    }
    return [f for f in check_json(repo(files))[1] if f["rule"] == "HL122"]


def test_a_route_without_namespace_looks_in_its_own(check_json, repo):
    (finding,) = _hl122(check_json, repo, ROUTE.format(namespace=""))
    assert (finding["path"], finding["line"], finding["severity"]) == ("apps/route.yaml", 8, "warning")
    assert finding["message"].startswith(
        "HTTPRoute route-a attaches to Gateway 'ns-a/gw-a' (no namespace: the route's own), but the repository "
        "defines Gateway gw-a only in namespace ns-net (apps/gateway.yaml)"
    )
    assert finding["fix"] == "set namespace: ns-net in this parentRef"


def test_the_gateways_namespace_is_fine(check_json, repo):
    assert _hl122(check_json, repo, ROUTE.format(namespace="      namespace: ns-net\n")) == []


def test_a_namespace_flux_substitutes_is_judged_as_substituted(check_json, repo):
    route = ROUTE.format(namespace="      namespace: ${GW_NS}\n")
    flux_extra = "  postBuild:\n    substitute:\n      GW_NS: ns-net\n"
    assert _hl122(check_json, repo, route, flux_extra=flux_extra) == []
    (finding,) = _hl122(check_json, repo, route, flux_extra=flux_extra.replace("ns-net", "ns-b"))
    assert "attaches to Gateway 'ns-b/gw-a'" in finding["message"]
    assert _hl122(check_json, repo, route) == []  # not known: not judged


def test_a_namespace_from_a_secret_is_neither_judged_nor_printed(check_json, repo):
    route = ROUTE.format(namespace="      namespace: ${GW_NS}\n")
    flux_extra = "  postBuild:\n    substituteFrom:\n      - {kind: Secret, name: vars-a}\n"
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vars-a\n  namespace: flux-system\nstringData:\n  GW_NS: hidden-ns\n"
    )
    findings = _hl122(check_json, repo, route, flux_extra=flux_extra, **{"clusters/main/vars.yaml": secret})
    assert findings == []


def test_a_gateway_nothing_in_the_repository_defines_is_not_judged(check_json, repo):
    """It may come from elsewhere (a chart, another repository)."""
    route = ROUTE.format(namespace="").replace("name: gw-a", "name: gw-other")
    assert _hl122(check_json, repo, route) == []


def test_a_namespace_a_chart_is_installed_into_is_not_judged(check_json, repo):
    """A chart's templates may make the Gateway there (app-template's do not: see the fixture)."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: proxy-a\n  namespace: ns-a\n"
        "spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: proxy\n      version: 1.0.0\n"
        "      sourceRef: {kind: HelmRepository, name: repo-a, namespace: ns-a}\n"
    )
    repository = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: repo-a\n  namespace: ns-a\n"
        "spec:\n  interval: 1h\n  url: https://charts.example.invalid\n"
    )
    files = {"apps/release.yaml": release, "apps/repository.yaml": repository}
    assert _hl122(check_json, repo, ROUTE.format(namespace=""), **files) == []


def test_a_gateway_of_another_cluster_does_not_count(check_json, repo):
    """Two clusters: the Gateway is the other one's."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "clusters/other/flux.yaml": flux_root("apps", "./other").replace(
            "url: https://example.invalid/repo.git", "url: https://example.invalid/other.git"
        ),
        "apps/namespaces.yaml": NAMESPACES,
        "apps/route.yaml": ROUTE.format(namespace=""),
        "other/gateway.yaml": GATEWAY,
        "other/namespaces.yaml": NAMESPACES,
    }
    assert [f for f in check_json(repo(files))[1] if f["rule"] == "HL122"] == []


@pytest.mark.parametrize(("target", "found"), [("ns-net", False), ("ns-b", True)])
def test_a_flux_kustomization_target_namespace_moves_the_route(check_json, repo, target, found):
    """The route lands where targetNamespace puts it (whatever it says), and looks for its parent there."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources: [namespaces.yaml, gateway.yaml, app-a.yaml]\n",
        "apps/namespaces.yaml": NAMESPACES,
        "apps/gateway.yaml": GATEWAY,
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", f"  targetNamespace: {target}\n"),
        "app-a/route.yaml": ROUTE.format(namespace=""),
    }
    found_rules = [f["message"] for f in check_json(repo(files))[1] if f["rule"] == "HL122"]
    assert [f"attaches to Gateway '{target}/gw-a'" in m for m in found_rules] == ([True] if found else [])
