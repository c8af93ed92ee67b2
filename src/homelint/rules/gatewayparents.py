"""HL122 dangling-gateway-parent: a route attaches to a Gateway in a namespace that has none of that
name, while the repository defines a Gateway of that name in another namespace.

A Gateway API route (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute) names its Gateways in
`spec.parentRefs` (kind Gateway and group gateway.networking.k8s.io by default; namespace: the
route's own). A parent that does not exist leaves the route not Accepted (NoMatchingParent): its
hostnames are never served, while Flux applies it and is Ready. app-template HelmReleases render the
same from `values.route.<id>.parentRefs`, in the release's namespace.

Gateways may be made where homelint cannot see (a chart's templates): a reference is judged only
when the repository defines a Gateway of that name in another namespace of the same cluster, and the
named namespace gets no HelmRelease whose chart could make one (app-template renders routes, not
Gateways).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.model import Finding
from homelint.loading.safeio import printable
from homelint.model.flux import Applied
from homelint.model.graph import app_template_release, resolved_name
from homelint.rules.common import cluster_key, substituted_reference
from homelint.rules.registry import check

GATEWAY_GROUP = "gateway.networking.k8s.io"
ROUTE_KINDS = frozenset({"HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"})
MAX_REFS = 64  # parentRefs of one route that are read; more are not judged


@check("HL122", needs_flux=True)
def dangling_gateway_parent(ctx: Context) -> Iterator[Finding]:
    gateways: dict[tuple[str, str], dict[str, str]] = {}  # (cluster, name) -> namespace -> file
    charted: set[tuple[str, str]] = set()  # (cluster, namespace) a chart other than app-template is released into
    for applied in ctx.flux.applied:
        obj, cluster = applied.obj, cluster_key(applied)
        if obj.kind == "Gateway" and obj.group == GATEWAY_GROUP and not applied.unread:
            gateways.setdefault((cluster, applied.name), {}).setdefault(applied.ns, obj.path)
        elif obj.kind == "HelmRelease" and app_template_release(ctx.repo, applied) is not True:
            target = obj.spec.get("targetNamespace")
            charted.add((cluster, target if isinstance(target, str) and target else applied.ns))
    if not gateways:
        return
    seen: set[tuple[str, int, tuple[Any, ...]]] = set()
    for applied in ctx.flux.applied:
        if applied.unread or applied.maybe_changed or applied.ks is None:
            continue
        cluster = cluster_key(applied)
        for keys, ref, own_ns, label in _parent_refs(ctx, applied):
            name = _known(ctx, applied, ref.get("name"))
            written_ns = ref.get("namespace")
            namespace = _known(ctx, applied, written_ns) if written_ns is not None else own_ns
            if not name or not namespace:
                continue
            elsewhere = gateways.get((cluster, name), {})
            if not elsewhere or namespace in elsewhere or (cluster, namespace) in charted:
                continue
            where = (applied.obj.path, applied.obj.doc, keys)
            if where in seen:
                continue
            seen.add(where)
            yield _finding(ctx, applied, keys, ref, label, name, namespace, elsewhere)


def _known(ctx: Context, applied: Applied, value: Any) -> str | None:
    """A name as Flux substitutes it (no variable from a Secret: a message must not print its
    value) and, in app-template values, `{{ .Release.Name }}` as the release's name; None when not known."""
    if not isinstance(value, str) or not value:
        return None
    text = substituted_reference(ctx, applied, value)
    return resolved_name(applied, text, ctx.repo) if text else None


def _parent_refs(ctx: Context, applied: Applied) -> Iterator[tuple[tuple[Any, ...], dict[str, Any], str, str]]:
    """(where, the parentRef, the namespace it defaults to, what it belongs to) of each parentRef
    to a Gateway: a route's, or an app-template release's `values.route.<id>` (its namespace: the
    release's; not read when valuesFrom may replace the values)."""
    obj = applied.obj
    if obj.group == GATEWAY_GROUP and obj.kind in ROUTE_KINDS:
        yield from _gateway_refs(obj.spec.get("parentRefs"), ("spec", "parentRefs"), applied.ns, f"{obj.kind} {obj.name}")
        return
    if obj.kind != "HelmRelease" or obj.spec.get("valuesFrom") or app_template_release(ctx.repo, applied) is not True:
        return
    values = obj.spec.get("values")
    routes = values.get("route") if isinstance(values, dict) else None
    if not isinstance(routes, dict):
        return
    target = obj.spec.get("targetNamespace")
    namespace = target if isinstance(target, str) and target else applied.ns
    for key, route in routes.items():
        if not isinstance(route, dict) or route.get("enabled") is False:
            continue
        at = ("spec", "values", "route", key, "parentRefs")
        yield from _gateway_refs(
            route.get("parentRefs"), at, namespace, f"HelmRelease {obj.name} route '{printable(str(key), 60)}'"
        )


def _gateway_refs(
    refs: Any, at: tuple[Any, ...], namespace: str, label: str
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any], str, str]]:
    for index, ref in enumerate(refs[:MAX_REFS] if isinstance(refs, list) else []):
        if (
            not isinstance(ref, dict)
            or ref.get("kind", "Gateway") != "Gateway"
            or ref.get("group", GATEWAY_GROUP) != GATEWAY_GROUP
        ):
            continue
        yield (*at, index), ref, namespace, label


def _finding(
    ctx: Context,
    applied: Applied,
    keys: tuple[Any, ...],
    ref: dict[str, Any],
    label: str,
    name: str,
    namespace: str,
    elsewhere: dict[str, str],
) -> Finding:
    others = sorted(elsewhere)
    shown = ", ".join(f"{printable(ns, 60)} ({elsewhere[ns]})" for ns in others[:3]) + (", ..." if len(others) > 3 else "")
    field = "namespace" if "namespace" in ref else "name"
    own = "the release's" if applied.obj.kind == "HelmRelease" else "the route's own"
    how = "" if "namespace" in ref else f" (no namespace: {own})"
    fix = (
        f"set namespace: {printable(others[0], 60)} in this parentRef"
        if len(others) == 1
        else "set the namespace of the Gateway meant in this parentRef"
    )
    return ctx.at(
        "HL122",
        applied.obj,
        (*keys, field),
        f"{label} attaches to Gateway '{printable(namespace, 60)}/{printable(name, 60)}'{how}, but the repository "
        f"defines Gateway {printable(name, 60)} only in namespace {shown}: the route is never accepted "
        "(NoMatchingParent) and nothing it routes is served, while Flux applies it and reports Ready",
        fix=fix,
    )
