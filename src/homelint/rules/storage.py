"""HL301-HL303: every claimed volume is produced, NFS mounts are complete, claims are used."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.model import Finding, K8sObject
from homelint.core.substitution import scan
from homelint.model.graph import ANY_NAMESPACE, Edge, RefNode, resolved_name, served_chart
from homelint.model.patches import BUILTIN_GROUPS
from homelint.model.refs import app_template, helm_release_refs, is_templated, pod_spec_refs, resource_set_objects
from homelint.model.variables import variables_of
from homelint.rules.common import (
    affixed_away,
    applied_instances,
    build_lists_missing,
    chart_releases,
    close_matches,
    cluster_of,
    clusters_text,
    installs_elsewhere,
    made_by_chart,
    made_in_other_clusters,
    post_renderer_patches,
    set_in,
    unproduced,
    use_at,
    user_label,
)
from homelint.rules.registry import check

ALL_EXTERNAL_THRESHOLD = 5  # this many unproduced claims and no claim at all: volumes live outside Git


@check("HL301", needs_flux=True)
def unclaimed_volume(ctx: Context) -> Iterator[Finding]:
    graph = ctx.graph
    produced, unmade, unseen = unproduced(ctx, "claim", ctx.config.external_claims)
    opaque = opaque_claim_makers(ctx)

    def judged(node: RefNode, lacking: frozenset[str] | None = None) -> list[Edge]:
        """The uses of a claim HL301 judges: not guessed, not a mention (a chart value a source
        homelint cannot read may set otherwise), and a claim something else makes only where
        nothing whose claims homelint cannot read may make it; with `lacking`, only those
        applied in one of these clusters."""
        unknown = node.namespace in opaque or ANY_NAMESPACE in opaque
        return [
            edge
            for edge in graph.users_of(node, "claims")
            if not edge["guessed"]
            and not edge["ref"].mention
            and not (unknown and "made-elsewhere" in edge["ref"].flags)
            and not build_lists_missing(ctx, edge["applied"])
            and (lacking is None or cluster_of(ctx, edge["applied"]) in lacking)
        ]

    releases = chart_releases(ctx)
    for other in made_in_other_clusters(ctx, "claim", ctx.config.external_claims):
        if other.node.namespace in opaque or ANY_NAMESPACE in opaque:
            continue  # something whose claims homelint cannot read may make it in that namespace
        chart = made_by_chart(releases, other.node.namespace, other.node.name, "PersistentVolumeClaim")
        for edge in judged(other.node, other.lacking):
            if chart is not None:
                yield _may_be_made(ctx, other.node, edge, chart, "list it in claims.external if the chart creates it")
                continue
            obj = edge["applied"].obj
            who = user_label(ctx, edge)
            yield use_at(
                ctx,
                "HL301",
                edge,
                f"{who} {_verb(obj)} volume '{other.node.name}'{set_in(edge)} in namespace {other.node.namespace}, which "
                f"the repository creates only in the cluster of {clusters_text(other.makers)}; {who} is applied in the "
                f"cluster of {clusters_text([str(cluster_of(ctx, edge['applied']))])}, where that PersistentVolumeClaim "
                f"does not exist (each Flux root reconciles its own cluster); {_consequence(obj)}",
                fix="create the PVC in this cluster too (in a folder its Flux Kustomizations build), or fix the name",
                key=f"HL301/{other.node.namespace}/{other.node.name}/{obj.kind}/{obj.name}",
            )

    for node, why in unseen:
        for edge in judged(node):
            yield _may_be_made(ctx, node, edge, why, "list it in claims.external if it is created outside this repository")
    missing = []
    for node in unmade:
        chart = made_by_chart(releases, node.namespace, node.name, "PersistentVolumeClaim")
        for edge in judged(node):
            if chart is None:
                missing.append((node, edge))
                continue
            yield _may_be_made(ctx, node, edge, chart, "list it in claims.external if the chart creates it")
    if len(missing) >= ALL_EXTERNAL_THRESHOLD and not produced.names and not produced.patterns:
        # The repository creates no claim at all: volumes are made outside Git on purpose.
        node, edge = missing[0]
        names = sorted({f"{n.namespace}/{n.name}" for n, _ in missing})
        yield use_at(
            ctx,
            "HL301",
            edge,
            f"{len(names)} claimed volumes ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}) are created by "
            "nothing in the repository, which defines no PersistentVolumeClaim at all; if they are made outside Git, "
            "declare them in .homelint.yaml claims.external",
            fix="claims: {external: ['namespace/name', ...]} (globs like 'default/*' work)",
            key="HL301/all-external",
        )
        return
    for node, edge in missing:
        ns, name = node.namespace, node.name
        unapplied = [o for o in ctx.repo.objects_by_kind_name.get(("PersistentVolumeClaim", name), []) if not o.applied_by]
        obj = edge["applied"].obj
        renamed = None if unapplied else affixed_away(ctx, edge, "PersistentVolumeClaim", ns, name)
        close = [] if renamed else close_matches(name, produced.names.get(ns, set()), cutoff=0.5)
        hint = renamed[0] if renamed else f"; existing claims nearby: {', '.join(close)}" if close else ""
        where = (
            f"; a PersistentVolumeClaim '{name}' is defined in {unapplied[0].path}, but Flux does not apply that file"
            if unapplied
            else ""
        )
        yield use_at(
            ctx,
            "HL301",
            edge,
            f"{user_label(ctx, edge)} {_verb(obj)} volume '{name}'{set_in(edge)} in namespace {ns}, "
            "but nothing in the repository creates "
            f"that PersistentVolumeClaim{where}{hint}; {_consequence(obj)}",
            fix=renamed[1]
            if renamed
            else "add the PVC (or the VolSync component that makes it), fix the name, or list it in claims.external "
            "if it is created outside Git",
            key=f"HL301/{ns}/{name}/{obj.kind}/{obj.name}",
            related=[u.path for u in unapplied],
        )


VOLSYNC = "volsync.backube"


def _may_be_made(ctx: Context, node: RefNode, edge: Edge, why: str, fix: str) -> Finding:
    """HL301 as an info: a claim nothing in the repository creates, which `why` something else may."""
    obj = edge["applied"].obj
    finding = use_at(
        ctx,
        "HL301",
        edge,
        f"{user_label(ctx, edge)} {_verb(obj)} volume '{node.name}'{set_in(edge)} in namespace "
        f"{node.namespace}, which nothing in the repository creates; {why}",
        fix=fix,
        key=f"HL301/{node.namespace}/{node.name}/{obj.kind}/{obj.name}",
    )
    finding.severity = "info"
    return finding


def _verb(obj: K8sObject) -> str:
    return "uses" if obj.group == VOLSYNC else "claims"


def _consequence(obj: K8sObject) -> str:
    """What happens without the claim: a pod waits for it; VolSync's mover does not start
    (ensureSourcePVC, UseProvidedPVC and validateRepositoryPVC fail on a claim not found, and a
    moverVolume is mounted in the mover's pod)."""
    return "VolSync's mover does not run" if obj.group == VOLSYNC else "the pod stays Pending"


# Kinds whose controllers make no PersistentVolumeClaim (beyond what the producer table says): the
# API groups of Kubernetes itself (a StatefulSet's claims are a producer row), and of Flux, VolSync,
# External Secrets, cert-manager, the Gateway API, Envoy Gateway, Traefik, Cilium, external-dns and
# the snapshot controller. None: every kind of the group.
CLAIM_FREE: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(
        (
            *sorted(BUILTIN_GROUPS),
            "apiregistration.k8s.io",
            "flowcontrol.apiserver.k8s.io",
            "snapshot.storage.k8s.io",
            "source.toolkit.fluxcd.io",
            "kustomize.toolkit.fluxcd.io",
            "notification.toolkit.fluxcd.io",
            "image.toolkit.fluxcd.io",
            "external-secrets.io",
            "generators.external-secrets.io",
            "cert-manager.io",
            "acme.cert-manager.io",
            "trust.cert-manager.io",
            "gateway.networking.k8s.io",
            "gateway.envoyproxy.io",
            "traefik.io",
            "traefik.containo.us",
            "cilium.io",
            "externaldns.k8s.io",
        ),
        None,
    ),
    "fluxcd.controlplane.io": frozenset({"FluxReport", "ResourceSetInputProvider"}),  # a ResourceSet: by what it makes
    "volsync.backube": frozenset({"ReplicationSource", "ReplicationDestination"}),  # its own claims: volsync-*, a producer row
    "monitoring.coreos.com": frozenset(
        {"ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe", "ScrapeConfig", "AlertmanagerConfig"}
    ),
}


def opaque_claim_makers(ctx: Context) -> set[str]:
    """The namespaces where something Flux applies may make claims homelint cannot name: a
    HelmRelease of a chart not known to be app-template (in its release namespace), an object of a kind
    whose controller is not known to make none (an operator's StatefulSets: CLAIM_FREE), or such an
    object a ResourceSet makes. ANY_NAMESPACE: one whose namespace cannot be known."""

    def build() -> set[str]:
        out: set[str] = set()
        for applied in ctx.flux.applied:
            obj = applied.obj
            if applied.namespace is None:
                continue  # cluster-scoped, or without a namespace (HL110)
            if obj.kind == "ResourceSet" and obj.group == "fluxcd.controlplane.io":
                for made in resource_set_objects(obj):
                    written = made.namespace or applied.ns
                    namespace = None if is_templated(written) else resolved_name(applied, written, ctx.repo)
                    if _may_make_claims(made):
                        out.add(namespace or ANY_NAMESPACE)
                continue
            if obj.kind == "HelmRelease" and installs_elsewhere(applied):
                continue
            target = obj.spec.get("targetNamespace") if obj.kind == "HelmRelease" else None
            namespace = resolved_name(applied, target, ctx.repo) if isinstance(target, str) and target else applied.ns
            if _may_make_claims(obj, served_chart(ctx.repo, applied)):
                out.add(namespace or ANY_NAMESPACE)
        return out

    return ctx.repo.memo("rules.opaque-claim-makers", build)


def _may_make_claims(obj: K8sObject, served: str | None = None) -> bool:
    """Whether `obj` may make claims the producer table does not name: a HelmRelease unless its
    chart is known to be app-template (`served`: the chart its chartRef's source serves)."""
    if obj.kind == "HelmRelease" and obj.group == "helm.toolkit.fluxcd.io":
        return app_template(obj, served) is not True
    kinds = CLAIM_FREE.get(obj.group, frozenset())
    return kinds is not None and obj.kind not in kinds


@check("HL302")
def incomplete_nfs_mount(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple[int, str]] = set()
    for applied in applied_instances(ctx):
        obj = applied.obj
        if obj.kind == "HelmRelease":
            refs = [r for r in helm_release_refs(obj) if r.kind == "nfs"]
        else:
            refs = [r for r in pod_spec_refs(obj) if r.kind == "nfs"]
        for ref in refs:
            if (id(obj), str(ref.field)) in seen:
                continue
            seen.add((id(obj), str(ref.field)))
            server, path = ref.extra
            missing = [n for n, v in (("server", server), ("path", path)) if not isinstance(v, str) or not v.strip()]
            if missing:
                yield ctx.at(
                    "HL302",
                    obj,
                    ref.field,
                    f"NFS volume '{ref.name}' of {obj.kind} {obj.name} has no {' and no '.join(missing)}; the pod cannot mount it",
                    fix="set both server and path",
                )
                continue
            if (
                "${" in server
                and applied.ks is not None
                and applied.ks.post_build is not None
                and resolved_name(applied, server, ctx.repo) is None
            ):
                variables = variables_of(ctx.repo, applied.ks)
                undefined = [e.name for e in scan(server) if e.name and e.name not in variables.values and not e.has_default]
                if undefined and not variables.open_sources:
                    yield ctx.at(
                        "HL302",
                        obj,
                        (*ref.field, "server"),
                        f"NFS server '{server}' of volume '{ref.name}' uses ${{{undefined[0]}}}, which "
                        f"{applied.ks.label} does not define (see HL201)",
                        fix=f"define {undefined[0]} in cluster-settings or postBuild.substitute",
                    )


@check("HL303", needs_flux=True)
def unused_claim(ctx: Context) -> Iterator[Finding]:
    graph = ctx.graph
    reported: set[int] = set()
    # claims no modelled user claims (a namespace that is not known: never guess)
    unused = [n for n in graph.needed("claim") if n.namespace != ANY_NAMESPACE and not graph.users_of(n, "claims")]
    named = _claim_names(ctx, {n.namespace for n in unused}) if unused else set()
    for node in unused:
        if (node.namespace, node.name) in named:
            continue  # an object homelint has no consumer row for names it (a custom resource's volume)
        for edge in graph.producers_of("claim", node.namespace, node.name):
            obj = edge["applied"].obj
            if obj.kind != "PersistentVolumeClaim" or id(obj) in reported:
                continue
            reported.add(id(obj))
            yield ctx.at(
                "HL303",
                obj,
                ("metadata", "name"),
                f"PersistentVolumeClaim '{node.name}' in namespace {node.namespace} is claimed by no workload or HelmRelease",
                fix="delete it if the data is no longer needed, or mount it",
                key=f"HL303/{node.namespace}/{node.name}",
            )


CLAIM_KEYS = frozenset({"claimName", "existingClaim"})


def _claim_names(ctx: Context, namespaces: set[str]) -> set[tuple[str, str]]:
    """(namespace, name) of every `claimName:`/`existingClaim:` string at any depth of an object
    applied in one of `namespaces`: the core volume shape (`persistentVolumeClaim: {claimName:
    x}`) and the usual chart value, which custom resources homelint has no consumer row for embed
    too."""
    found: set[tuple[str, str]] = set()
    seen: set[tuple[int, str]] = set()
    for applied in ctx.flux.applied:
        group = applied.obj.group
        if (id(applied.obj), applied.ns) in seen:
            continue
        seen.add((id(applied.obj), applied.ns))
        if applied.obj.kind == "HelmRelease" and group.startswith("helm.toolkit.fluxcd.io"):
            target = applied.obj.spec.get("targetNamespace")
            release_ns = target if isinstance(target, str) and target else applied.ns
            if release_ns in namespaces:
                found.update((release_ns, name) for name in _claim_keys(post_renderer_patches(applied.obj)))
            continue
        if applied.ns not in namespaces or group in BUILTIN_GROUPS or group.endswith(".toolkit.fluxcd.io"):
            continue  # kinds whose claims homelint reads (schemas/consumers.yaml), or that name none
        found.update((applied.ns, name) for name in _claim_keys([applied.obj.data]))
    return found


def _claim_keys(roots: list[Any]) -> Iterator[str]:
    """Each `claimName:`/`existingClaim:` string at any depth of `roots` (iterative; a collection
    an alias reaches again, even from inside itself, is walked once)."""
    stack: list[object] = list(roots)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                continue
            seen.add(id(node))
        if isinstance(node, dict):
            for key, value in node.items():
                if key in CLAIM_KEYS and isinstance(value, str):
                    yield value
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))
