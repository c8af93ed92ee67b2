"""HL301-HL303: every claimed volume is produced, NFS mounts are complete, claims are used."""

from __future__ import annotations

from collections.abc import Iterator

from homelint.core.context import Context
from homelint.core.model import Finding
from homelint.core.substitution import scan
from homelint.model.graph import ANY_NAMESPACE, resolved_name
from homelint.model.refs import helm_release_refs, pod_spec_refs
from homelint.model.variables import variables_of
from homelint.rules.common import affixed_away, applied_instances, close_matches, has_flux, unproduced
from homelint.rules.registry import check

ALL_EXTERNAL_THRESHOLD = 5  # this many unproduced claims and no claim at all: volumes live outside Git


@check("HL301")
def unclaimed_volume(ctx: Context) -> Iterator[Finding]:
    if not has_flux(ctx):
        return
    graph = ctx.graph
    produced, unmade, unseen = unproduced(ctx, "claim", ctx.config.external_claims)
    for node, why in unseen:
        ns, name = node.namespace, node.name
        for edge in graph.users_of(node, "claims"):
            if edge["guessed"]:
                continue
            obj = edge["applied"].obj
            finding = ctx.at(
                "HL301",
                obj,
                edge["field"],
                f"{obj.kind} {obj.name} claims volume '{name}' in namespace {ns}, which nothing in the repository creates; {why}",
                fix="list it in claims.external if it is created outside this repository",
                key=f"HL301/{ns}/{name}/{obj.kind}/{obj.name}",
            )
            finding.severity = "info"
            yield finding
    missing = [(node, edge) for node in unmade for edge in graph.users_of(node, "claims") if not edge["guessed"]]
    if len(missing) >= ALL_EXTERNAL_THRESHOLD and not produced.names and not produced.patterns:
        # The repository creates no claim at all: volumes are made outside Git on purpose.
        node, edge = missing[0]
        names = sorted({f"{n.namespace}/{n.name}" for n, _ in missing})
        obj = edge["applied"].obj
        yield ctx.at(
            "HL301",
            obj,
            edge["field"],
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
        yield ctx.at(
            "HL301",
            obj,
            edge["field"],
            f"{obj.kind} {obj.name} claims volume '{name}' in namespace {ns}, but nothing in the repository creates "
            f"that PersistentVolumeClaim{where}{hint}; the pod stays Pending",
            fix=renamed[1]
            if renamed
            else "add the PVC (or the VolSync component that makes it), fix the name, or list it in claims.external "
            "if it is created outside Git",
            key=f"HL301/{ns}/{name}/{obj.kind}/{obj.name}",
            related=[u.path for u in unapplied],
        )


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


@check("HL303")
def unused_claim(ctx: Context) -> Iterator[Finding]:
    if not has_flux(ctx):
        return
    graph = ctx.graph
    reported: set[int] = set()
    for node in graph.needed("claim"):
        if node.namespace == ANY_NAMESPACE or graph.users_of(node, "claims", "uses-claim"):  # namespace unknown: never guess
            continue
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
