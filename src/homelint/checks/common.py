"""Helpers shared by checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homelint.model import K8sObject

if TYPE_CHECKING:
    from homelint.engine import Context
    from homelint.flux import Applied


def has_flux(ctx: Context) -> bool:
    return bool(ctx.flux.kustomizations)


def manifest_objects(ctx: Context) -> list[K8sObject]:
    """Objects Flux applies; every object when the repo has no Flux entry point at all."""
    if not has_flux(ctx):
        return list(ctx.repo.objects)
    seen: dict[int, K8sObject] = {}
    for applied in ctx.flux.applied:
        seen.setdefault(id(applied.obj), applied.obj)
    return list(seen.values())


def applied_instances(ctx: Context) -> list[Applied]:
    """What Flux applies; every object (with its own namespace) when the repo has no Flux at all."""
    if has_flux(ctx):
        return list(ctx.flux.applied)
    from homelint.flux import Applied

    return [Applied(obj, obj.namespace, None) for obj in ctx.repo.objects]


def listed_external(patterns: list[str], namespace: str, name: str) -> bool:
    """Whether `name` (or `namespace/name`) matches a glob of a config list such as secrets.external."""
    import fnmatch

    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(f"{namespace}/{name}", p) for p in patterns)


def substituted_objects(ks: Any) -> list[K8sObject]:
    """Objects a Flux Kustomization applies that substitution may touch (not SOPS, not opted out)."""
    from homelint.substitution import substitution_disabled

    seen: dict[int, K8sObject] = {}
    for applied in ks.applied:
        obj = applied.obj
        if id(obj) not in seen and not obj.is_sops and not substitution_disabled(obj.data):
            seen[id(obj)] = obj
    return list(seen.values())


def foreign_namespaces(ctx: Context) -> set[str]:
    """Namespaces that may receive objects from a source that is not this repository: the
    targetNamespace of each Flux Kustomization whose source is not this repository ("*" when that
    namespace cannot be read)."""
    from homelint.graph import ANY_NAMESPACE

    found: set[str] = set()
    for ks in ctx.flux.kustomizations:
        target = ks.spec.get("targetNamespace")
        if ks.local or ks.obj is None or not isinstance(target, str) or not target:
            continue
        found.add(ANY_NAMESPACE if "${" in target else target)
    return found


def unproduced(ctx: Context, kind: str, external: list[str]) -> tuple[Any, list[tuple[Any, str, str]]]:
    """(what the repository produces of `kind`, the (node, namespace, name) it needs but nothing
    produces, the config does not list as external, and no other source may bring), for HL301,
    HL401 and HL405."""
    from homelint.graph import ANY_NAMESPACE, Produced

    graph = ctx.graph
    produced = Produced(graph, kind)
    foreign = foreign_namespaces(ctx)
    if ANY_NAMESPACE in foreign:
        return produced, []
    missing = [
        (node, node[1], node[2])
        for node in sorted(n for n in graph.nodes if n[0] == kind)
        if node[1] not in foreign
        and not produced.covers(node[1], node[2])
        and not listed_external(external, node[1], node[2])
        and not outside_flux(ctx, kind, node[1], node[2])
    ]
    return produced, missing


OBJECT_KIND = {"secret": "Secret", "configmap": "ConfigMap", "claim": "PersistentVolumeClaim"}


def outside_flux(ctx: Context, kind: str, namespace: str, name: str) -> bool:
    """Whether the repository defines that object in a folder no Flux Kustomization builds (a
    bootstrap folder that a script or helmfile applies): it is made, only not by Flux."""
    import posixpath

    return any(
        not obj.applied_by and obj.namespace in (None, namespace) and posixpath.dirname(obj.path) not in ctx.flux.reached_dirs
        for obj in ctx.repo.objects_by_kind_name.get((OBJECT_KIND[kind], name), [])
    )
