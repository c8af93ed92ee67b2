"""HL401-HL405: referenced Secrets and ConfigMaps are produced, no plaintext Secrets, stores exist, SOPS paths encrypted."""

from __future__ import annotations

import base64
import binascii
import fnmatch
import ipaddress
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from homelint.core.context import Context
from homelint.core.model import FILE_START, Finding, K8sObject, is_ciphertext, make_object, sops_encrypted
from homelint.core.regex import linear
from homelint.core.substitution import resolve, scan_cached, substitution_disabled
from homelint.core.wording import with_article
from homelint.loading.safeio import printable
from homelint.model.flux import Applied, FluxKS, remote_cluster
from homelint.model.generators import data_files
from homelint.model.graph import ANY_NAMESPACE, Edge, resolved_name
from homelint.model.namerefs import Unrewritten, hashed_reference
from homelint.model.podscripts import script_creates
from homelint.model.refs import ANY, ValuesObject, described_kind, is_templated, resource_set_resources, values_objects
from homelint.model.variables import UNKNOWN_VALUE
from homelint.rules.common import (
    POST_BUILD,
    affixed_away,
    bounded,
    build_lists_missing,
    chart_of,
    chart_releases,
    close_matches,
    cluster_of,
    clusters_text,
    has_flux,
    installs_elsewhere,
    made_by_chart,
    made_in_other_clusters,
    namespaces_if_listed,
    outside_flux_tree,
    set_in,
    substituted_reference,
    unapplied_makers,
    unapplied_texts,
    unbuildable,
    unproduced,
    use_at,
    use_place,
    user_label,
)
from homelint.rules.registry import check
from homelint.rules.unlisted import set_aside_owner

if TYPE_CHECKING:
    from homelint.model.repo import Repo


@check("HL401", needs_flux=True)
def unproduced_secret(ctx: Context) -> Iterator[Finding]:
    yield from _unproduced(ctx, "HL401", "secret", ctx.config.external_secrets)


@check("HL405", needs_flux=True)
def unproduced_configmap(ctx: Context) -> Iterator[Finding]:
    yield from _unproduced(ctx, "HL405", "configmap", ctx.config.external_configmaps)


KIND_WORD = {"secret": "Secret", "configmap": "ConfigMap"}


def _unproduced(ctx: Context, rule: str, kind: str, external: list[str]) -> Iterator[Finding]:
    """A Secret (HL401) or ConfigMap (HL405) that something needs and nothing produces."""
    produced, missing, unseen = unproduced(ctx, kind, external)
    word = KIND_WORD[kind]
    releases = chart_releases(ctx)
    elsewhere = made_in_other_clusters(ctx, kind, external)
    judged = [
        *((m, None, None) for m in missing),
        *((n, why, None) for n, why in unseen),
        *((o.node, None, o) for o in elsewhere),
    ]
    for node, why, other in judged:
        ns, name = node.namespace, node.name
        generated = produced.hashed.get((ns, name))
        by_object: dict[int, list[Edge]] = {}
        users = list(ctx.graph.users_of(node, f"uses-{kind}"))
        told = _told_it_exists(users)
        for edge in users:
            ref = edge["ref"]
            obj = edge["applied"].obj
            if other is not None and cluster_of(ctx, edge["applied"]) not in other.lacking:
                continue  # made in this one's cluster
            if (
                ref.optional
                or ref.mention
                or edge["guessed"]
                or ("maybe-identifier" in ref.flags and _chart_identifier(obj, name, kind))
            ):
                continue
            if _elsewhere(edge["applied"], edge["field"]):
                continue  # resolved in another cluster (spec.kubeConfig): not modelled
            if "substitute-from" in ref.flags and _never_substitutes(ctx, obj):
                continue  # its build fails first, or holds nothing Flux substitutes into: the source is never read
            if build_lists_missing(ctx, edge["applied"]):
                continue  # its build fails on a missing file (HL101), which may be the one that makes it
            if generated and hashed_reference(ctx.repo, edge, generated) is None:
                continue  # kustomize rewrites it to the generated object's hashed name
            if (
                "decryption" in ref.flags
                and not _made_elsewhere(produced, ns, name)
                and not _bootstrapped_elsewhere(ctx, ns, name)
            ):
                continue  # a SOPS key made nowhere in the repository: bootstrap creates it by hand
            if "source-auth" in ref.flags and _serves_a_root(ctx, obj):
                continue  # the bootstrap's source: flux bootstrap makes its Secret
            if "decryption" in ref.flags and (edge["applied"].ks is None or edge["applied"].ks.obj is None):
                continue  # a root's key: bootstrap applies the root by hand, and its key (the repository's copies need it)
            if "decryption" in ref.flags and _ancestor_decrypts_with(edge["applied"].ks, ns, name):
                continue  # it exists only once a Kustomization that needed the same key there applied it
            by_object.setdefault(id(obj), []).append(edge)
        for edges in by_object.values():  # one finding per object and name, at its first reference
            spans = sorted((use_place(ctx, e), i) for i, e in enumerate(edges))
            edge = edges[spans[0][1]]
            count = len({s for s, _ in spans})
            obj, ref = edge["applied"].obj, edge["ref"]
            who = user_label(ctx, edge)  # as the cluster names it
            made_here = why
            if made_here is None and not generated:
                # its own chart cannot make what the release needs first, nor what its values say exists
                own = _needed_before_render(edges) | told
                made_here = (
                    made_by_chart(releases, ns, name, word, own)
                    or _in_values(ctx, "", word, ns, name, own)
                    or _named_by_operator(ctx, word, ns, name)
                    or (_shipped_by_chart(releases, ns, word, own) if "chart-shipped" in ref.flags else None)
                )
            unrewritten = hashed_reference(ctx.repo, edge, generated) if generated else None
            renamed = None if unrewritten is not None else affixed_away(ctx, edge, word, ns, name)
            close = [] if unrewritten or renamed or other else close_matches(name, produced.names.get(ns, set()))
            hint = f"; {word}s made in that namespace with similar names: {', '.join(close)}" if close else ""
            many = f" ({count} references)" if count > 1 else ""
            never = [] if other else ctx.flux.withheld_named(word, ns, name)
            # defined in the repository, in a file Flux leaves out: name the file and why, not "nothing produces it"
            left_out = None if never or other or unrewritten is not None else _left_out(ctx, word, ns, name)
            if other is not None:
                here = clusters_text(c for e in edges if (c := cluster_of(ctx, e["applied"])) is not None)
                what = (
                    f"{who} uses {word} '{name}'{set_in(edge)} in namespace {ns}{many}, which the repository makes only in "
                    f"the cluster of {clusters_text(other.makers)}; {who} is applied in the cluster of {here}, where that "
                    f"{word} does not exist (each Flux root reconciles its own cluster)"
                )
                fix = f"make the {word} in this cluster too (in a folder its Flux Kustomizations build), or fix the name"
            elif unrewritten is not None:
                what, fix = _hashed_message(edge, who, word, name, ns, unrewritten)
            elif "decryption" in ref.flags:
                others = _made_elsewhere(produced, ns, name) or _bootstrapped_elsewhere(ctx, ns, name)
                what = (
                    f"{who} decrypts with Secret '{name}' (spec.decryption.secretRef) in namespace {ns}, "
                    f"where nothing in the repository produces it (it is made only in {_namespaces(others)}): "
                    "kustomize-controller reads it in the "
                    "Kustomization's own namespace and fails the whole Kustomization (Secret not found) before applying "
                    "any of its objects"
                )
                fix = f"make the Secret in namespace {ns} too (or reflect it there), or fix the name"
            elif "substitute-from" in ref.flags:
                others = _made_elsewhere(produced, ns, name)
                missing_text = (
                    f"; {left_out[0]}; "
                    if left_out
                    else f", where nothing in the repository produces it (it is made only in {_namespaces(others)}; "
                    "kustomize-controller reads substituteFrom in the "
                    "Kustomization's own namespace): "
                    if others
                    else ", which nothing in the repository produces: "
                )
                what = (
                    f"{who} substitutes variables from {word} '{name}' in namespace {ns}{missing_text}"
                    f"kustomize-controller fails the whole Kustomization ({word} not found) and applies none of its objects"
                )
                fix = (
                    f"add the {word} (or its generator), fix the name, list it in {kind}s.external if something outside "
                    "the repository creates it, or mark the source optional: true (with no variables at all, Flux then "
                    "substitutes nothing)"
                )
            elif all("default-certificate" in e["ref"].flags for e in edges):
                made_by = f"; {left_out[0]}" if left_out else ", but nothing the repository applies produces it"
                served = "the Ingress its chart renders" if obj.kind == "HelmRelease" else "the object"
                what = (
                    f"{who} serves TLS with {word} '{name}'{set_in(edge)} in namespace {ns}{many}{made_by}: "
                    f"{served} applies, and its controller serves its default certificate for those hosts"
                )
                fix = (
                    "add a Certificate or an ExternalSecret for it, fix the name, or list it in secrets.external "
                    "if something outside the repository creates it"
                )
            else:
                chart = " (if the chart itself creates it, list it in secrets.external)" if "chart-value" in ref.flags else ""
                made_by = (
                    f"; {left_out[0]}"
                    if left_out
                    else ", which nothing the repository applies is known to produce"
                    if made_here  # what may make it follows: "no SOPS file produces it" would contradict it
                    else ", but no Secret, SOPS file, ExternalSecret, generator or operator the repository applies produces it"
                    if kind == "secret"
                    else ", but no ConfigMap, configMapGenerator or operator the repository applies produces it"
                )
                others = [] if left_out else _made_elsewhere(produced, ns, name)
                if others:  # the exact name, made in another namespace: say so before any similar name
                    made_by = (
                        f", but the repository makes it only in {_namespaces(others)} "
                        f"(a {word} is read only from the namespace of what uses it)"
                    )
                    hint = ""
                what = f"{who} uses {word} '{name}'{set_in(edge)} in namespace {ns}{many}{made_by}{chart}"
                fix = (
                    f"make the {word} in namespace {ns} too (or reflect it there), or fix the name"
                    if others
                    else "add an ExternalSecret (or SOPS Secret) for it, fix the name, or list it in secrets.external "
                    "if something outside the repository creates it"
                    if kind == "secret"
                    else "add the ConfigMap (or a configMapGenerator), fix the name, mark the reference optional: true, or list it in "
                    "configmaps.external if something outside the repository creates it"
                )
            if left_out:
                fix = left_out[1]
            elif renamed:
                what, fix = what + renamed[0], renamed[1]
            if never:  # defined in a build, but Flux never applies it: say why
                what += f"; the {word} '{name}' in {never[0][0].obj.path} is not applied: {never[0][1]}"
            finding = use_at(
                ctx,
                rule,
                edge,
                f"{what}; {made_here}" if made_here else f"{what}{hint}",
                fix=fix,
                key=f"{rule}/{ns}/{name}/{obj.kind}/{obj.name}",
            )
            if made_here:
                finding.severity = "info"
            elif all("default-certificate" in e["ref"].flags for e in edges):
                finding.severity = "warning"  # applied and served, with the wrong certificate
            yield finding


def _serves_a_root(ctx: Context, obj: Any) -> bool:
    """Whether the Flux source `obj` is what a root Kustomization (one the bootstrap applies)
    builds from: flux bootstrap makes that source's Secret outside Git."""
    roots = ctx.repo.memo(
        "rules.secrets.root-sources",
        lambda: {
            (ks.source.kind, ks.source.namespace, ks.source.name)
            for ks in ctx.flux.kustomizations
            if ks.source is not None and (ks.parent is None or ks.parent.obj is None)
        },
    )
    return (obj.kind, obj.namespace or "default", obj.name) in roots


def _left_out(ctx: Context, word: str, namespace: str | None, name: str) -> tuple[str, str] | None:
    """(why, fix) when the repository defines the Secret or ConfigMap in a file Flux does not apply,
    in a folder a Flux Kustomization builds: its source's ignore rules (spec.ignore, .sourceignore,
    the default exclusions) leave the file out of the artifact, or nothing lists the file. None
    when no such definition exists (one in a folder no Flux Kustomization builds is made outside
    Flux: common.outside_flux). `namespace` None: a cluster-scoped kind."""
    found = ctx.repo.objects_by_kind_name.get((word, name), [])
    for obj in sorted(found, key=lambda o: (o.path, o.doc)):
        if obj.applied_by or (namespace is not None and obj.namespace not in (None, namespace)):
            continue
        folder = posixpath.dirname(obj.path)
        for ks in _builders(ctx).get(folder, ()):
            art = ks.artifact
            if art is None or art.contains(obj.path):
                continue
            rule = art.left_out_by(obj.path)
            if rule is not None:
                return (
                    f"{word} {name} is defined in {obj.path}, but {rule} leave it out of the artifact {ks.label} builds from",
                    f"change the ignore rule that excludes {obj.path}, or move the {word} to a file the source serves",
                )
        if folder in ctx.flux.reached_dirs:
            kd = ctx.repo.kustomize_dirs.get(folder)
            given = {ns for ks in _builders(ctx).get(folder, ()) for ns in namespaces_if_listed(ctx, ks, folder, obj.namespace)}
            if kd is not None and namespace is not None and given and None not in given and namespace not in given:
                spaces = sorted(str(ns) for ns in given)
                return (
                    f"{word} {name} is defined in {obj.path}, which nothing applies (it is not listed in {kd.file}); "
                    f"if it were, it would be made in namespace{'s' if len(spaces) > 1 else ''} {', '.join(spaces)} "
                    f"(the build sets it), not in {namespace}",
                    f"make the {word} in a folder whose build puts it in namespace {namespace}, or fix the name",
                )
        found_here = _not_applied(ctx, f"{word} {name} is defined in {obj.path}", obj.path, f"define the {word}")
        if found_here is not None:
            return found_here
    return _left_out_maker(ctx, word, namespace, name)


def _left_out_maker(ctx: Context, word: str, namespace: str | None, name: str) -> tuple[str, str] | None:
    """(why, fix) when a document Flux could apply but does not would make the object (an
    ExternalSecret in a file no kustomization lists, or in the path of a Kustomization no root
    reaches); None when there is none."""
    for maker, made_in in unapplied_makers(ctx, word, name):
        if namespace is not None and made_in not in (ANY, namespace):
            continue
        what = f"{word} {name} would be made by {maker.kind} {maker.name}, defined in {maker.path}"
        found = _not_applied(ctx, what, maker.path, f"make the {word}")
        if found is not None:
            return found
    return None


def _not_applied(ctx: Context, what: str, path: str, instead: str) -> tuple[str, str] | None:
    """(why, fix) for `what` (a definition at `path`) when Flux could apply that file but does not:
    it is in a folder a build reads but no kustomization lists it, or in the path of a Flux
    Kustomization no root reaches (FluxModel.dead_over); None otherwise. `instead`: the fix's other
    way ("define the Secret")."""
    folder = posixpath.dirname(path)
    if folder in ctx.flux.reached_dirs:
        kd = ctx.repo.kustomize_dirs.get(folder)
        generator = _generator_reading(kd, path) if kd is not None else None
        if kd is not None and generator is not None:  # a data file: its text is a value, nothing applies it
            return (
                f"{what}, but {kd.file} reads that file as data ({generator} takes its text as one value) and "
                "nothing applies it as a resource",
                f"list {posixpath.basename(path)} under resources: in {kd.file} if it is meant to be applied",
            )
        return (
            f"{what}, but nothing applies that file" + (f" (it is not listed in {kd.file}: HL102)" if kd is not None else ""),
            f"list {posixpath.basename(path)} in {kd.file}" if kd is not None else f"wire {path} into what Flux applies",
        )
    above = set_aside_owner(ctx, path)
    if above is not None:
        return (
            f"{what}, but nothing applies that file (its folder {folder} has no kustomization, and {above.file} "
            "does not list it: HL102)",
            f"list {posixpath.relpath(path, above.dir or '.')} in {above.file} (or give {folder} a kustomization and list it)",
        )
    dead = ctx.flux.dead_over(path)
    if dead is not None:
        return (
            f"{what}, in the path of Flux Kustomization '{dead.name}' ({dead.path}), which no Flux root reaches (HL104), "
            "so nothing applies it",
            f"wire {dead.path} into a kustomization that Flux applies, or {instead} where Flux applies it",
        )
    return None


def _generator_reading(kd: Any, path: str) -> str | None:
    """`configMapGenerator NAME` (or secretGenerator) of the kustomization `kd` whose `files`
    entry reads `path` (generators.data_files); None when none does."""
    return next((f"{df.field} {printable(df.name)}" for df in data_files(kd) if df.path == path), None)


def _builders(ctx: Context) -> dict[str, list[Any]]:
    """folder -> the Flux Kustomizations (by key) whose builds read it, indexed once per run."""

    def build() -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for ks in sorted(ctx.flux.kustomizations, key=lambda k: k.key):
            if (ks.obj is not None or ks.synced) and ks.artifact is not None:
                for folder in ks.dirs:
                    out.setdefault(folder, []).append(ks)
        return out

    return ctx.repo.memo("rules.secrets.builders", build)


_NAME_HASH = re.compile(r"-[245-9b-dfghkmt]{10}$")  # generators.name_suffix's alphabet


def _namespaces(names: list[str]) -> str:
    """'namespace a' or 'namespaces a, b, c, ...' (at most three named)."""
    return f"namespace{'s' if len(names) > 1 else ''} {', '.join(names[:3])}{', ...' if len(names) > 3 else ''}"


def _bootstrapped_elsewhere(ctx: Context, ns: str, name: str) -> list[str]:
    """The namespaces of the Secret `name` the repository makes outside Flux, when each is other
    than `ns`: a bootstrap file's (kubectl refuses `-n ns` for one that writes its namespace), a
    script's literal `kubectl create secret TYPE NAME -n NS`; else [] (also when a script may
    create it in any namespace: no `-n`, a computed one, or a form not read)."""
    defined = [o for o in ctx.repo.objects_by_kind_name.get(("Secret", name), []) if outside_flux_tree(ctx, o)]
    spaces = {o.namespace for o in defined}
    scripted = _script_namespaces(ctx)
    if name in scripted:
        spaces |= scripted[name]
    elif _mentioned_creating(ctx, name):
        return []  # `create secret` beside its name in a form not read: any namespace
    if not spaces or None in spaces or ns in spaces:
        return []
    return sorted(s for s in spaces if s)


def _script_namespaces(ctx: Context) -> dict[str, set[str | None]]:
    """Secret name -> the namespaces the repository's scripts create it in with a literal
    `kubectl create secret TYPE NAME` (None: any, as without `-n` or with a computed one)."""

    def build() -> dict[str, set[str | None]]:
        found: dict[str, set[str | None]] = {}
        for text in unapplied_texts(ctx, outside_flux_tree=False):
            for made in script_creates(text):
                if made.kind == "secret":
                    found.setdefault(made.name, set()).add(made.namespace)
        return found

    return ctx.repo.memo("rules.secrets.script-namespaces", build)


def _mentioned_creating(ctx: Context, name: str) -> bool:
    """Whether a text Flux does not apply holds `create secret` and `name` (read once per name)."""
    created: dict[str, bool] = ctx.repo.memo("rules.secrets.created-by-script", dict)
    if name not in created:
        created[name] = any("create secret" in t and name in t for t in unapplied_texts(ctx, outside_flux_tree=False))
    return created[name]


def _ancestor_decrypts_with(ks: Any, ns: str, name: str) -> bool:
    """Whether a Flux Kustomization on the chain that applies a Kustomization (`ks`, the one whose
    build applies it, then its parents) is in namespace `ns` and decrypts with Secret `name`:
    kustomize-controller reads that key before it applies anything (ImportKeys fails the
    reconcile on NotFound), so the Kustomization exists only where the key does."""
    for above in ks.lineage() if ks is not None else ():
        decryption = above.spec.get("decryption")
        secret = decryption.get("secretRef") if isinstance(decryption, dict) else None
        if above.namespace == ns and isinstance(secret, dict) and secret.get("name") == name:
            return True
    return False


def _made_elsewhere(produced: Any, ns: str, name: str) -> list[str]:
    """The other namespaces the repository makes a Secret or ConfigMap `name` in."""
    return sorted(space for space, names in produced.names.items() if name in names and space not in (ns, ANY_NAMESPACE))


def _never_substitutes(ctx: Context, obj: K8sObject) -> bool:
    """Whether kustomize-controller never reads the substituteFrom of any Kustomization `obj`
    defines: its build fails before substitution (a spec.path its source does not hold: HL103; a
    file kustomize cannot read: rules.common.unbuildable), or it is known to hold nothing Flux
    substitutes into (FluxModel.substitutes_nothing)."""
    by_obj: dict[int, list[FluxKS]] = ctx.repo.memo("rules.secrets.kustomizations-by-object", lambda: _by_object(ctx))
    kss = by_obj.get(id(obj), [])
    return bool(kss) and all(
        (ks.local and not ks.path_exists) or unbuildable(ctx, ks) is not None or ctx.flux.substitutes_nothing(ks) for ks in kss
    )


def _shipped_by_chart(releases: dict[str, list[Any]], namespace: str, word: str, skip: frozenset[str]) -> str | None:
    """Why a chart may ship what a `chart-shipped` reference names (a Grafana dashboard ConfigMap a
    chart brings with the software it is for, under a name of its own): a release installed in
    that namespace. None when there is none."""
    found = [release for release in sorted(releases.get(namespace, [])) if release.owner not in skip]
    if not found:
        return None
    charts = ", ".join(f"{r.chart} (release {r.name})" for r in found[:3]) + (" and more" if len(found) > 3 else "")
    return (
        f"a chart installed in that namespace may ship it ({charts}: charts bring dashboards under names of their "
        f"own); if one does, list it in {word.lower()}s.external"
    )


def _by_object(ctx: Context) -> dict[int, list[FluxKS]]:
    """The Flux Kustomizations each repository object defines (one per cluster that applies it)."""
    found: dict[int, list[FluxKS]] = {}
    for ks in ctx.flux.kustomizations:
        if ks.obj is not None:
            found.setdefault(id(ks.obj), []).append(ks)
    return found


def _hashed_message(edge: Edge, who: str, word: str, name: str, ns: str, why: Unrewritten) -> tuple[str, str]:
    """(message, fix) of a reference to a generated object's name that kustomize leaves as it is
    (`who`: the user, named as the cluster names it)."""
    obj, ref = edge["applied"].obj, edge["ref"]
    field = "/".join(str(p) for p in edge["field"] if not isinstance(p, int))
    made = why.generated
    known = made.renamed is not None and _NAME_HASH.search(made.renamed) is not None
    hashed = made.renamed if known else f"{made.renamed or made.obj.name}-<hash>"  # from a file only Flux decrypts
    substitutes = "substitute-from" in ref.flags
    using = f"{who} {'substitutes variables from' if substitutes else 'uses'} {word} '{name}'{set_in(edge)} in namespace {ns}"
    fails = (
        f"kustomize-controller looks for {name} and fails the whole Kustomization"
        if substitutes
        else f"Flux looks for {name}, which the cluster does not have"
        if obj.group.endswith("toolkit.fluxcd.io")
        else f"the reference still names {name}, which the cluster does not have"  # read by its controller or the kubelet
    )
    disable = "set disableNameSuffixHash: true (generatorOptions, or the generator's options)"
    if why.same_build and ref.written is not None:  # a chart value from valuesFrom: data kustomize never rewrites
        what = f"{using}, which is generated with a name hash ({hashed}); kustomize does not rewrite names in values, so {fails}"
        return what, disable
    if why.same_build:
        what = (
            f"{using}, which is generated with a name hash ({hashed}); kustomize does not rewrite {obj.kind} {field}, so {fails}"
        )
        return what, f"{disable}, or add a configurations: file with a nameReference of {word} for {obj.kind} {field}"
    builder = made.ks.label if made.ks is not None else "another Kustomization"
    what = (
        f"{using}, which is generated with a name hash ({hashed}) in the build of {builder}; kustomize rewrites "
        f"references to it only within that build, so {fails}"
    )
    return what, disable


def _told_it_exists(edges: list[Edge]) -> frozenset[str]:
    """`namespace/name` of the HelmReleases among `edges` whose own values name the object as one
    the chart uses and does not create (`existingSecret`, the chart-value references): a chart
    makes its Secret only when no existing one is named (`{{- if not .Values.auth.existingSecret }}`),
    so that release's chart is no maker of it, for any user of the namespace."""
    return frozenset(
        f"{e['applied'].ns}/{e['applied'].obj.name}"
        for e in edges
        if e["applied"].obj.kind == "HelmRelease" and "chart-value" in e["ref"].flags
    )


def _needed_before_render(edges: list[Edge]) -> frozenset[str]:
    """`namespace/name` of the HelmReleases among `edges` that name the object in their own
    `spec.valuesFrom`: helm-controller reads those before it renders the chart (reconcileRelease:
    chartutil.ChartValuesFromReferences, a missing non-optional one fails with ValuesError), so
    the release is never installed and its own chart never makes them."""
    return frozenset(
        f"{e['applied'].ns}/{e['applied'].obj.name}"
        for e in edges
        if e["applied"].obj.kind == "HelmRelease" and tuple(e["field"][:2]) == ("spec", "valuesFrom")
    )


_OPERATOR_FIELD = {"Secret": "secretname", "ConfigMap": "configmapname"}  # field names, lower-cased, end with
_OPERATOR_DEPTH = 8  # how deep in a spec such a field is looked for


def _named_by_operator(ctx: Context, word: str, namespace: str | None, name: str) -> str | None:
    """Why an operator may write the object: a custom resource Flux applies in its namespace, of a
    kind the producer and consumer tables do not describe, names it in a `...secretName` field
    (`...configMapName` for a ConfigMap), as operators name the Secret they write
    (`spec.secretName`); whether it writes or reads it is not known, so the finding says so."""
    suffix = _OPERATOR_FIELD.get(word)
    if suffix is None or namespace is None:
        return None

    def build() -> dict[tuple[str, str, str], tuple[K8sObject, str]]:
        out: dict[tuple[str, str, str], tuple[K8sObject, str]] = {}
        for applied in ctx.flux.applied:
            obj = applied.obj
            if "." not in obj.group or obj.group.endswith(".k8s.io") or described_kind(obj.group, obj.kind):
                continue
            todo: list[tuple[Any, tuple[str, ...]]] = [(obj.spec, ("spec",))]
            while todo:
                value, at = todo.pop()
                if isinstance(value, dict) and len(at) <= _OPERATOR_DEPTH:
                    for key, sub in value.items():
                        if not isinstance(key, str):
                            continue
                        if isinstance(sub, str) and key.lower().endswith(tuple(_OPERATOR_FIELD.values())) and "${" not in sub:
                            field_word = "Secret" if key.lower().endswith("secretname") else "ConfigMap"
                            out.setdefault((field_word, applied.ns, sub), (obj, ".".join((*at, key))))
                        else:
                            todo.append((sub, (*at, key)))
                elif isinstance(value, list) and len(at) <= _OPERATOR_DEPTH:
                    todo.extend((sub, (*at, str(i))) for i, sub in enumerate(value))
        return out

    found = ctx.repo.memo("rules.secrets.named-by-operator", build).get((word, namespace, name))
    if found is None:
        return None
    obj, field = found
    return (
        f"{obj.kind} {obj.name} ({obj.path}) names it in {field}, and homelint does not know whether its operator "
        f"writes or reads it; if it writes it, list it in {word.lower()}s.external"
    )


def _in_values(
    ctx: Context, group: str, kind: str, namespace: str | None, name: str, skip: frozenset[str] = frozenset()
) -> str | None:
    """Why a chart may make the object: a HelmRelease Flux applies holds it in its values (charts
    render `extraObjects`, `extraDeploy`, `extraManifests` ... as they are); None if none does
    (the HelmReleases in `skip`, by `namespace/name`, do not count). `namespace` None: a
    cluster-scoped object (the namespace it is written with does not matter)."""
    if namespace is None:
        holders = _values_objects_anywhere(ctx).get((group, kind, name), [])
    else:
        holders = _values_objects(ctx).get((group, kind, namespace, name), [])
    found = next((holder for holder in holders if holder[0] not in skip), None)
    if found is None:
        return None
    release, made = found
    external = f"; if it does, list it in {kind.lower()}s.external" if kind in ("Secret", "ConfigMap") else ""
    return (
        f"HelmRelease {release} holds {with_article(kind)} '{name}' in its values ({_field_text(made.field)}), which its chart "
        f"may render{external}"
    )


def _values_objects(ctx: Context) -> dict[tuple[str, str, str, str], list[tuple[str, ValuesObject]]]:
    """(group, kind, namespace, name) -> (namespace/name of the HelmRelease, the object) of the
    objects written in the values of the HelmReleases Flux applies (installing in this cluster),
    in the order Flux applies them; an object without a namespace is in the release namespace
    (targetNamespace, else the HelmRelease's), a name after Flux substitution and
    `{{ .Release.Name }}` (a name that cannot be known is left out)."""

    def build() -> dict[tuple[str, str, str, str], list[tuple[str, ValuesObject]]]:
        out: dict[tuple[str, str, str, str], list[tuple[str, ValuesObject]]] = {}
        for applied in ctx.flux.applied:
            obj = applied.obj
            if obj.kind != "HelmRelease" or installs_elsewhere(applied):
                continue
            target = obj.spec.get("targetNamespace")
            release_ns = target if isinstance(target, str) and target else applied.ns
            for made in values_objects(obj):
                name = resolved_name(applied, made.name, ctx.repo)
                namespace = resolved_name(applied, made.namespace, ctx.repo) if made.namespace else release_ns
                if name is not None and namespace is not None:
                    out.setdefault((made.group, made.kind, namespace, name), []).append((f"{applied.ns}/{obj.name}", made))
        return out

    return ctx.repo.memo("rules.values-objects", build)


def _values_objects_anywhere(ctx: Context) -> dict[tuple[str, str, str], list[tuple[str, ValuesObject]]]:
    """(group, kind, name) -> the holders of _values_objects, namespace by namespace."""

    def build() -> dict[tuple[str, str, str], list[tuple[str, ValuesObject]]]:
        out: dict[tuple[str, str, str], list[tuple[str, ValuesObject]]] = {}
        for (group, kind, _, name), found in sorted(_values_objects(ctx).items(), key=lambda item: item[0]):
            out.setdefault((group, kind, name), []).extend(found)
        return out

    return ctx.repo.memo("rules.values-objects-anywhere", build)


def _field_text(field: tuple[Any, ...]) -> str:
    """`spec.values.extraObjects[0]` of a field path."""
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in field).lstrip(".")


def _elsewhere(applied: Any, field: tuple[Any, ...]) -> bool:
    """Whether a reference is resolved in another cluster: its object is applied there by a Flux
    Kustomization with spec.kubeConfig, or it is in the values of a HelmRelease that installs
    there (its valuesFrom are read here)."""
    if applied.ks is not None and applied.ks.target:
        return True
    obj = applied.obj
    return obj.kind == "HelmRelease" and bool(remote_cluster(obj.spec, applied.ns)) and tuple(field[:2]) == ("spec", "values")


def _chart_identifier(obj: Any, name: str, kind: str) -> bool:
    """Whether `name` is the identifier of an app-template secrets/configMaps item of the release."""
    values = obj.spec.get("values")
    if not isinstance(values, dict):
        return False
    sections = ("secrets",) if kind == "secret" else ("configMaps", "configmap")
    return any(isinstance(values.get(s), dict) and name in values[s] for s in sections)


SECRET_REFERENCE = re.compile(r"^\s*(op://|ref\+[a-z0-9]+://|<path:|vault:|bws://|\{\{.*\}\}\s*$)")
FLUX_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:=+?-][^}]*)?\}")
# a whole value that only names a variable, one Flux cannot parse too (`${group.KEY}`: HL204): no secret is written
_NAMED_ONLY = re.compile(r"\$\{[\w.]{1,256}\}")
_DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=+]([^}]+)\}")


def _secret_default(default: str) -> bool:
    """A placeholder's default that may be the secret itself: not a reference, an example value or a
    placeholder word (`sample`, `none`), but 8 characters or more, or letters mixed with digits."""
    text = default.strip().strip("\"'")
    if not text or _not_plaintext(text):
        return False
    return len(text) >= 8 or (any(c.isalpha() for c in text) and any(c.isdigit() for c in text))


ZERO_UUID = "00000000-0000-0000-0000-000000000000"
DOCUMENTATION_NETWORKS = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")  # RFC 5737, RFC 3849
RESERVED_DOMAIN = re.compile(  # RFC 2606 (and RFC 6761 .localhost): names that never resolve to a real host
    r"(?i)^(?:(?:[a-z0-9_*](?:[a-z0-9_-]*[a-z0-9])?\.)+(?:example|test|invalid|localhost)"
    r"|(?:[a-z0-9_*](?:[a-z0-9_-]*[a-z0-9])?\.)*example\.(?:com|net|org)|localhost)\.?$"
)


BOOLEAN_TEXTS = frozenset({"true", "false"})


def _not_plaintext(value: Any, *, encoded: bool = False) -> bool:
    """Whether a Secret value holds no secret of its own: empty, a secret-manager reference
    (op://, ref+..., <path:...>), a template, a value made with Flux placeholders (the secret part
    comes from the variable: `${SECRET_REPO}/app`), or reserved documentation values (RFC 2606
    domains, RFC 5737/3849 addresses, the all-zero UUID), or a boolean (`"true"`, `"false"`: a
    switch, nothing to read or rotate). `encoded`: a `data` value (base64)."""
    if value is None or isinstance(value, bool):
        return True
    text = str(value).strip()
    if text.lower() in BOOLEAN_TEXTS:
        return True
    if any(_secret_default(m.group(1)) for m in _DEFAULTED.finditer(text)):
        return False  # ${VAR:=value}, ${VAR:-value}, ${VAR:+value}: the value is written here, in plaintext
    if not text or SECRET_REFERENCE.match(text) or FLUX_PLACEHOLDER.search(text) or _NAMED_ONLY.fullmatch(text):
        return True
    if encoded:
        decoded = _decoded_text(text)
        if decoded is None:
            return False
        return not decoded or decoded.strip().lower() in BOOLEAN_TEXTS or _documentation_value(decoded)  # never substituted
    return _documentation_value(text)


def _documentation_value(text: str) -> bool:
    """Every part of `text` (split at commas and spaces) is a reserved example: a domain or email
    under an RFC 2606 name, an address or network of RFC 5737/3849, a URL to one of them without
    a password, or the all-zero UUID."""
    parts = [p for p in re.split(r"[\s,;]+", text) if p]
    return bool(parts) and len(parts) <= 16 and all(_documentation_part(p) for p in parts)


def _documentation_part(part: str) -> bool:
    if part.lower() == ZERO_UUID:
        return True
    if "://" in part:
        try:
            url = urlsplit(part)
            host = url.hostname
        except ValueError:
            return False
        return url.password is None and host is not None and _documentation_host(host)
    if "@" in part:
        local, _, domain = part.rpartition("@")
        return bool(local) and ":" not in local and _documentation_host(domain)
    return _documentation_host(part)


def _documentation_host(host: str) -> bool:
    text = host.strip("[]")
    if RESERVED_DOMAIN.match(text.rsplit(":", 1)[0] if text.count(":") == 1 else text):
        return True
    candidates = [text, text.rsplit(":", 1)[0]] if text.count(":") == 1 else [text]
    for candidate in candidates:
        try:
            network = ipaddress.ip_network(candidate, strict=False)
        except ValueError:
            continue
        return any(
            network.version == ipaddress.ip_network(doc).version and network.subnet_of(ipaddress.ip_network(doc))  # type: ignore[arg-type]
            for doc in DOCUMENTATION_NETWORKS
        )
    return False


def plaintext_keys(obj: Any) -> list[tuple[str, str]]:
    """(data|stringData, key) of a v1 Secret's values that are plaintext secrets; [] when not a
    Secret. In a SOPS-encrypted document only the values its own sops metadata encrypts (see
    own_rule) that are not ENC[...]: the values it leaves in clear are the author's choice."""
    if obj.kind != "Secret" or obj.api_version != "v1":
        return []
    own = own_rule(obj) if obj.is_sops else None
    if obj.is_sops and (own is None or own.selector in UNJUDGED):
        return []
    keys: list[tuple[str, str]] = []
    for section in ("data", "stringData"):
        values = obj.data.get(section)
        if isinstance(values, dict):
            keys.extend(
                (section, str(k))
                for k, v in values.items()
                if not (own is not None and (is_ciphertext(v) or not own.encrypts((section, str(k)))))
                and not _not_plaintext(v, encoded=section == "data")
                # public material is no secret; in a SOPS document sops still fails on it (see own_rule)
                and not (own is None and public_material(v, encoded=section == "data"))
            )
    return keys


@dataclass(frozen=True)
class Substituted:
    """Values of a Secret made only of variables the repository writes in plaintext: (data|stringData,
    key) of each, the Kustomizations whose substitution makes them plaintext, the variables used."""

    keys: list[tuple[str, str]]
    kustomizations: list[str]
    variables: list[str]
    defaults: bool  # some variable takes the default written beside it


def substituted_plaintext(flux: Any, obj: Any, skip: set[tuple[str, str]]) -> Substituted | None:
    """The values with Flux placeholders of a plaintext v1 Secret (not SOPS; not the keys in `skip`)
    that every Flux Kustomization applying it substitutes with certainty into a plaintext value
    (HL402's exemptions judged on the result): each variable is one of its literal
    postBuild.substitute values, or the default written beside it when no substituteFrom may give
    it. None when a Kustomization may substitute anything else (substituteFrom, a value its parent
    substitutes, a transformer the model does not apply), does not substitute the object at all
    (no postBuild, opted out: the text as written, exempt), or nothing applies the Secret."""
    if obj.kind != "Secret" or obj.api_version != "v1" or obj.is_sops or not obj.applied_by:
        return None
    written = [
        (section, key)
        for section in ("data", "stringData")
        for values in [obj.data.get(section)]
        if isinstance(values, dict)
        for key, value in values.items()
        if isinstance(key, str)
        and "$" not in key
        and (section, key) not in skip
        and isinstance(value, str)
        and FLUX_PLACEHOLDER.search(value)
    ]
    applications = flux.applications_of_document(obj) if written else []
    if not applications:
        return None
    found: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    defaults = False
    for section, key in written:
        labels: set[str] = set()
        names: set[str] = set()
        for applied in applications:
            values = applied.obj.data.get(section)
            text = values.get(key) if isinstance(values, dict) else None
            result = _certain_substitution(flux, applied, text) if isinstance(text, str) else None
            if result is None:
                break  # not certain for this Kustomization: say nothing of the value
            value, used, defaulted = result
            if section == "data" and _decoded(value) is None:
                break  # the API server rejects a `data` value that is not base64: nothing is applied
            names |= used
            if not _not_plaintext(value, encoded=section == "data") and not public_material(value, encoded=section == "data"):
                labels.add(applied.ks.label)
                defaults = defaults or defaulted
        else:
            if labels:
                found[(section, key)] = (labels, names)
    if not found:
        return None
    return Substituted(
        list(found),
        sorted({label for labels, _ in found.values() for label in labels}),
        sorted({name for _, names in found.values() for name in names}),
        defaults,
    )


def _decoded(value: str) -> bytes | None:
    """The bytes of a Secret's base64 `data` value, or None when the API server would reject it."""
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _decoded_text(value: str) -> str | None:
    """A base64 `data` value as UTF-8 text (stripped), or None when it is not base64 or not text."""
    raw = _decoded(value)
    try:
        return None if raw is None else raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None


def _certain_substitution(flux: Any, applied: Any, text: str) -> tuple[str, set[str], bool] | None:
    """(value, variables, whether a default was taken) of `text` as the Kustomization of `applied`
    substitutes it, when certain (SEMANTICS 1.2-1.4); None otherwise."""
    ks = applied.ks
    if ks is None or ks.obj is None or applied.unread or applied.obj.is_sops:
        return None
    pb = ks.post_build
    if pb is None or substitution_disabled(applied.obj.data) or _opted_out_in_common_metadata(ks.spec):
        return None
    if flux.field_unread(ks, POST_BUILD):
        return None  # a transformer the model does not apply ran over the Kustomization itself
    values = _certain_inline(ks)
    from_sources = bool(pb.get("substituteFrom"))
    if not values and not from_sources and pb.get("substituteStrategy") != "Always":
        return None  # no variables: Flux does not substitute (WithVariables)
    used: set[str] = set()
    defaulted = False
    pending = list(scan_cached(text))
    while pending:
        expr = pending.pop()
        if expr.error:
            return None
        used.add(expr.name)
        if values.get(expr.name):
            continue
        if expr.op == "transform":
            return None  # its value unknown: nothing to transform
        if from_sources or expr.name in values or not expr.has_default:
            return None  # substituteFrom may give it; an unknown or empty one; no default
        defaulted = True
        pending.extend(expr.nested)
    value = resolve(text, values)
    return None if value is None or UNKNOWN_VALUE in value else (value, used, defaulted)


def _certain_inline(ks: Any) -> dict[str, str]:
    """The postBuild.substitute values of a Flux Kustomization known to be literal (Flux removes
    their newlines); a value with `$` is its parent's to substitute, and one the model's parent
    substitution may have made, or a patch may have set (it differs from the file), is unknown."""
    inline = (ks.post_build or {}).get("substitute")
    if not isinstance(inline, dict):
        return {}
    parent = ks.parent
    substituted = parent is not None and parent.obj is not None and parent.post_build is not None
    written = ((ks.obj.data.get("spec") or {}).get("postBuild") or {}).get("substitute") if ks.obj is not None else None
    written = written if isinstance(written, dict) else {}
    out: dict[str, str] = {}
    for key, value in inline.items():
        certain = isinstance(value, str) and "$" not in value and (not substituted or written.get(key) == value)
        out[str(key)] = value.replace("\n", "") if certain else UNKNOWN_VALUE
    return out


def _opted_out_in_common_metadata(spec: dict[str, Any]) -> bool:
    """spec.commonMetadata carries the substitution switch: kustomize-controller sets it on every
    object; whether before or after substitution, homelint does not judge."""
    common = spec.get("commonMetadata")
    return isinstance(common, dict) and substitution_disabled({"metadata": common})


# RFC 7468 textual encodings whose content is public: X.509 certificates (Kubernetes publishes the
# cluster CA in every namespace, ConfigMap kube-root-ca.crt) and public keys (SubjectPublicKeyInfo,
# PKCS #1 RSAPublicKey); a label with PRIVATE in it is never among them
_PEM_PUBLIC = re.compile(
    r"-----BEGIN (CERTIFICATE|TRUSTED CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY)-----[A-Za-z0-9+/=\s]*-----END \1-----"
)
# an OpenSSH public key line (sshd AUTHORIZED_KEYS FORMAT, without options): type, base64 blob, comment
_SSH_PUBLIC = re.compile(
    r"(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)"
    r" AAAA[A-Za-z0-9+/]+={0,3}(?:[ \t][^\n]*)?"
)
MAX_PUBLIC = 1 << 20  # a CA bundle of a few hundred certificates; a longer value is not read


def public_material(value: Any, *, encoded: bool = False) -> bool:
    """Whether a Secret value is only public key material: one or more PEM certificate or public
    key blocks, or OpenSSH public key lines, and whitespace. `encoded`: a `data` value (base64)."""
    if not isinstance(value, str) or len(value) > MAX_PUBLIC:
        return False
    text = value.strip()
    if encoded:
        text = _decoded_text(text) or ""
    if not text:
        return False
    if text.startswith("-----BEGIN "):
        at = 0
        while at < len(text):
            block = _PEM_PUBLIC.match(text, at)
            if block is None:
                return False
            at = block.end()
            while at < len(text) and text[at].isspace():
                at += 1
        return True
    return all(_SSH_PUBLIC.fullmatch(line.strip()) for line in text.splitlines() if line.strip())


def own_rule(obj: Any) -> SopsRule | None:
    """Which values of a SOPS-encrypted document sops encrypted, from its own `sops:` metadata (as
    sops's Tree.Decrypt decides: the same selectors as a creation rule; none means
    `unencrypted_suffix: _unencrypted`); None when the block is not a mapping."""
    block = obj.data.get("sops")
    return _selector_rule(block, obj.path, -1, None) if isinstance(block, dict) else None


@check("HL402")
def plaintext_secret(ctx: Context) -> Iterator[Finding]:
    flux = has_flux(ctx)
    sops = SopsConfigs(ctx.repo)
    for obj in ctx.repo.objects:
        keys = plaintext_keys(obj)
        made = substituted_plaintext(ctx.flux, obj, set(keys)) if flux else None
        if made is not None:
            yield _substituted_finding(ctx, obj, made)
        if not keys:
            continue
        names = ", ".join(k for _, k in keys[:6]) + (" ..." if len(keys) > 6 else "")
        section, first = keys[0]
        own = own_rule(obj) if obj.is_sops else None
        rule = sops.rule_for(obj.path) if own is None else None
        covered = rule is not None and rule.encrypts((section, first))
        chart = chart_of(ctx, obj.path)
        unapplied = flux and not obj.applied_by and chart is None
        kd = ctx.repo.kustomize_dirs.get(posixpath.dirname(obj.path)) if unapplied else None
        read_as = _generator_reading(kd, obj.path) if kd is not None and kd.dir in ctx.flux.reached_dirs else None
        where = (
            f"in a SOPS-encrypted file whose own sops metadata ({own.describe}) encrypts them: sops cannot decrypt "
            "the file ('Could not decrypt value': were they added in clear after encryption?)"
            if own is not None
            else "in a file that is not SOPS-encrypted"
        )
        finding = ctx.at(
            "HL402",
            obj,
            (section, first),
            f"Secret {obj.name} holds plaintext values (keys: {names}) {where}; "
            "whoever can read the repository or a clone of it can read them, and git history keeps them"
            + (f"; creation rule {rule.index + 1} of {rule.config} covers the file" if covered and rule else "")
            + (f"; {kd.file}'s {read_as} puts the whole file into the cluster as one value" if kd and read_as else "")
            + ("; no Flux Kustomization applies it (a dead copy or a test fixture?)" if unapplied and not read_as else "")
            + (f"; it is part of the Helm chart in {chart or '.'}/, which deploys it" if chart is not None else ""),
            key_node=True,
            fix=f"rotate the values and put them back with 'sops edit {obj.path}', which encrypts them"
            if own is not None
            else f"run 'sops encrypt --in-place {obj.path}' (and rotate the values)"
            if covered
            else "encrypt the file with sops (and rotate the values), or move them to your secret store and use an ExternalSecret",
            key=f"HL402/{obj.name}/{names}",
            related=[rule.config] if rule is not None else [],
        )
        if unapplied:
            finding.severity = "warning"
        yield finding


def _substituted_finding(ctx: Context, obj: Any, made: Substituted) -> Finding:
    """HL402 for values Flux makes from variables the repository writes in plaintext (names only)."""
    names = ", ".join(k for _, k in made.keys[:6]) + (" ..." if len(made.keys) > 6 else "")
    labels = made.kustomizations
    who = bounded(labels)
    variables = ", ".join(made.variables[:6]) + (" ..." if len(made.variables) > 6 else "")
    defaults = " (or the defaults written beside them)" if made.defaults else ""
    section, first = made.keys[0]
    return ctx.at(
        "HL402",
        obj,
        (section, first),
        f"Secret {obj.name} holds values made only of variables the repository writes in plaintext (keys: {names}): "
        f"the variables ({variables}) come from the postBuild.substitute of {who}{defaults}; "
        "whoever can read the repository or a clone of it can work out the applied values, and git history keeps them",
        key_node=True,
        fix="make the value a secret of its own: read it from a SOPS-encrypted Secret (substituteFrom) or your secret "
        "store (an ExternalSecret), and rotate the current one",
        key=f"HL402/{obj.name}/{names}/substituted",
    )


@check("HL403", needs_flux=True)
def dangling_secret_store(ctx: Context) -> Iterator[Finding]:
    stores: set[tuple[str, str]] = set()
    cluster_stores: set[str] = set()
    for applied in ctx.flux.applied:
        if applied.obj.group != "external-secrets.io":
            continue
        if applied.kind == "SecretStore":
            stores.add((applied.ns, applied.name))
        elif applied.kind == "ClusterSecretStore":
            cluster_stores.add(applied.name)
    anywhere: set[str] = set()  # SecretStores of no namespace a bootstrap applies: any namespace
    for obj in _store_objects(ctx):
        if not outside_flux_tree(ctx, obj):
            continue  # one Flux applies is counted above; one in Flux's tree it does not apply is not made
        if obj.kind == "ClusterSecretStore":
            cluster_stores.add(obj.name)
        elif obj.namespace is None:
            anywhere.add(obj.name)
        else:
            stores.add((obj.namespace, obj.name))
    # stores a chart renders (the producer table's SecretStore/ClusterSecretStore rows)
    chart_stores, chart_cluster_stores = ctx.graph.produced("secretstore"), ctx.graph.produced("clustersecretstore")
    external = ctx.config.external_secrets
    seen: set[tuple[int, str]] = set()
    for applied, obj, ns, within in _store_users(ctx):
        if (id(obj), ns) in seen:
            continue
        seen.add((id(obj), ns))
        for field, ref in _store_refs(obj):
            written = ref.get("name")
            name = substituted_reference(ctx, applied, written) if isinstance(written, str) else None
            if not name or is_templated(name):
                continue  # a name that cannot be known here (a variable no Kustomization sets, a Secret's, an input's)
            kind = ref.get("kind") or "SecretStore"
            if kind == "ClusterSecretStore":
                ok = name in cluster_stores or chart_cluster_stores.anywhere(name)
            elif is_templated(ns):
                continue  # a ResourceSet object in a namespace each input gives
            else:
                ok = (ns, name) in stores or name in anywhere or chart_stores.covers(ns, name)
            if ok or _listed_store(external, kind, ns, name):
                continue
            other = ""
            if kind == "SecretStore" and (name in cluster_stores or chart_cluster_stores.anywhere(name)):
                other = "; a ClusterSecretStore of that name exists: set kind: ClusterSecretStore (kind defaults to SecretStore)"
            # a ClusterSecretStore is cluster-scoped: one in any release's values (whatever its namespace) is it
            scope = ns if kind == "SecretStore" else None
            chart = _in_values(ctx, "external-secrets.io", kind, scope, name)
            unapplied = None if chart else _unapplied_store(ctx, kind, scope, name)
            told = f"uses {kind} '{name}'{' in namespace ' + ns if kind == 'SecretStore' else ''}, " + (
                f"which {unapplied[0][len(f'{kind} {name} ') :]}"
                if unapplied
                else f"which the repository does not define{'; ' + chart if chart else other}"
            )
            # the name as the applying Kustomization substitutes it (a component's `${APP}-secret`)
            if within:  # an object of a ResourceSet's spec.resources: `Kind name (a resource of ResourceSet set)`
                label = user_label(ctx, {"applied": applied, "field": within})
            else:
                shown = applied.name if "${" not in applied.name else resolved_name(applied, obj.name, ctx.repo) or obj.name
                label = f"{obj.kind} {shown}"
            at = (*within, *field, "name")
            finding = ctx.at(
                "HL403",
                applied.obj,
                at,
                f"{label} {told}",
                fix=unapplied[1] if unapplied else "fix the store name/kind, or define the store",
                # one finding per store and place, keyed as before the name was substituted
                key=f"{obj.kind}/{obj.name}/{'.'.join(map(str, at))}/{obj.kind} {obj.name} {told}",
            )
            if chart:
                finding.severity = "info"
            yield finding


ESO_USERS = ("ExternalSecret", "ClusterExternalSecret", "PushSecret")


def _store_users(ctx: Context) -> Iterator[tuple[Applied, K8sObject, str, tuple[Any, ...]]]:
    """(how Flux applies it, the object that names a store, its namespace, its field in the applied
    object: () for itself) of each ExternalSecret, ClusterExternalSecret and PushSecret Flux
    applies, and of each a ResourceSet's `spec.resources` creates (flux-operator applies it in the
    ResourceSet's namespace when it has none)."""
    for applied in ctx.flux.applied:
        obj = applied.obj
        if obj.group == "external-secrets.io" and obj.kind in ESO_USERS:
            yield applied, obj, applied.ns, ()
        for at, made in resource_set_resources(obj):
            if made.group == "external-secrets.io" and made.kind in ESO_USERS:
                yield applied, made, made.namespace or applied.ns, at


def _store_objects(ctx: Context) -> list[K8sObject]:
    """The SecretStore and ClusterSecretStore documents of the repository, in file order."""
    return [
        o
        for o in ctx.repo.objects
        if o.group == "external-secrets.io"
        and o.kind in ("SecretStore", "ClusterSecretStore")
        and o.path not in ctx.repo.patch_files
    ]


def _unapplied_store(ctx: Context, kind: str, namespace: str | None, name: str) -> tuple[str, str] | None:
    """(why, fix) when the repository defines that store (`namespace` None: a ClusterSecretStore)
    where Flux could apply it but does not; None when it defines none there."""
    for obj in ctx.repo.objects_by_kind_name.get((kind, name), []):
        if obj.group == "external-secrets.io" and (namespace is None or obj.namespace in (None, namespace)):
            never = ctx.flux.withheld_why(obj)
            if never is not None and not obj.applied_by:
                return (
                    f"{kind} {name} is defined in {obj.path}, but its build does not apply it: {never}",
                    "apply the store, or fix the store name/kind",
                )
    return _left_out(ctx, kind, namespace, name)


def _listed_store(patterns: list[str], kind: str, namespace: str, name: str) -> bool:
    """Whether secrets.external lists the store: `ClusterSecretStore/name`, `SecretStore/namespace/name`
    (globs; only entries that begin with a store kind, so a Secret's `*` lists no store)."""
    own = f"{kind}/{name}" if kind == "ClusterSecretStore" else f"{kind}/{namespace}/{name}"
    return any(p.startswith(f"{kind}/") and fnmatch.fnmatchcase(own, p) for p in patterns)


def _store_refs(obj: Any) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    spec = obj.spec
    if obj.kind == "ClusterExternalSecret":
        inner = spec.get("externalSecretSpec")
        base: tuple[Any, ...] = ("spec", "externalSecretSpec")
        spec = inner if isinstance(inner, dict) else {}
    else:
        base = ("spec",)
    ref = spec.get("secretStoreRef")
    if isinstance(ref, dict):
        yield (*base, "secretStoreRef"), ref
    refs = spec.get("secretStoreRefs")
    if isinstance(refs, list):
        for i, item in enumerate(refs):
            if isinstance(item, dict):
                yield (*base, "secretStoreRefs", i), item
    for section in ("data", "dataFrom"):
        items = spec.get(section)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            store = (
                item.get("sourceRef", {}).get("storeRef")
                if isinstance(item, dict) and isinstance(item.get("sourceRef"), dict)
                else None
            )
            if isinstance(store, dict):
                yield (*base, section, i, "sourceRef", "storeRef"), store


# SOPS, as `sops encrypt` decides (getsops/sops config/config.go and sops.go):
# - the config is the first `.sops.yaml` found walking up from the working directory, not from the
#   file (a `.sops.yml` is ignored with a warning). homelint assumes sops runs at the repository
#   root, as task/just recipes do: the root `.sops.yaml` governs every file. A nested one governs
#   only when sops runs inside its folder, so it is used only when the root has none (then the
#   nearest one above the file is the only config sops can find for it).
# - `path_regex` is a Go regexp searched (unanchored) in the file's path relative to the config's
#   folder; the first matching creation rule wins, and a rule without `path_regex` matches every file.
# - which values get encrypted: with `encrypted_regex` / `encrypted_suffix`, values below a key
#   that matches; with `unencrypted_regex` / `unencrypted_suffix`, every value except those below a
#   key that matches; with none of them, every value except those below a key ending in
#   `_unencrypted`. A rule with more than one of them is refused by sops.
SOPS_CONFIG = ".sops.yaml"
DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted"
SELECTORS = (
    "encrypted_regex",
    "encrypted_suffix",
    "unencrypted_regex",
    "unencrypted_suffix",
    "encrypted_comment_regex",
    "unencrypted_comment_regex",
)
SECRET_PAYLOAD = frozenset({"data", "stringData"})  # a Kubernetes Secret's values
# which values a file's own metadata encrypts cannot be told: chosen by comments (which the parsed
# data does not keep), or sops refuses the metadata (two selectors, a regexp that does not compile)
UNJUDGED = frozenset({"encrypted_comment_regex", "unencrypted_comment_regex", "invalid"})


@dataclass(frozen=True)
class SopsRule:
    config: str  # path of the .sops.yaml
    index: int  # position in creation_rules, from 0
    path_regex: re.Pattern[str] | None  # None: the rule has no path_regex and matches every file
    selector: str  # one of SELECTORS, or "" for sops' default (unencrypted_suffix _unencrypted)
    key_regex: re.Pattern[str] | None = None
    suffix: str = DEFAULT_UNENCRYPTED_SUFFIX

    @property
    def label(self) -> str:
        regex = f" (path_regex '{self.path_regex.pattern}')" if self.path_regex is not None else ""
        return f"creation rule {self.index + 1} of {self.config}{regex}"

    @property
    def describe(self) -> str:
        """`encrypted_regex '^(password)$'`: the selector and its value."""
        if self.key_regex is not None:
            return f"{self.selector} '{self.key_regex.pattern}'"
        return f"{self.selector or 'unencrypted_suffix'} '{self.suffix}'"

    @property
    def names_keys(self) -> bool:
        """The rule lists the keys to encrypt (encrypted_regex / encrypted_suffix)."""
        return self.selector in ("encrypted_regex", "encrypted_suffix")

    def matching_keys(self, keys: tuple[str, ...]) -> list[str]:
        if self.selector.endswith("_suffix") or not self.selector:
            return [k for k in keys if k.endswith(self.suffix)]
        if self.key_regex is not None:
            return [k for k in keys if self.key_regex.search(k)]
        return []

    def encrypts(self, keys: tuple[str, ...]) -> bool:
        """Whether sops would encrypt the value below these keys (mapping keys from the document root)."""
        if self.selector in ("encrypted_regex", "encrypted_suffix"):
            return bool(self.matching_keys(keys))
        if self.selector == "encrypted_comment_regex":
            return False  # decided by comments, which the parsed data does not keep: never guess
        if self.selector == "unencrypted_comment_regex":
            return True
        return not self.matching_keys(keys)


def go_regex(pattern: str) -> Any | None:
    """A Go regexp (sops's path_regex, encrypted_regex) compiled with RE2: the same syntax as Go's,
    and linear time whatever pattern the repository commits. None if RE2 rejects it."""
    try:
        return linear(pattern)
    except ValueError:
        return None


class SopsConfigs:
    """The `.sops.yaml` files of a repository and the creation rule sops would use for a file."""

    def __init__(self, repo: Repo) -> None:
        def build() -> dict[str, list[SopsRule] | None]:
            found: dict[str, list[SopsRule] | None] = {}
            for path in sorted(repo.files.all_files):
                if path.rsplit("/", 1)[-1] == SOPS_CONFIG:
                    found[path.rsplit("/", 1)[0] if "/" in path else ""] = _creation_rules(repo, path)
            return found

        def prefilters() -> dict[str, Any]:
            return {base: _any_path_regex(rules) for base, rules in self.by_dir.items() if rules}

        self.by_dir = repo.memo("sops-configs", build)
        self.any_rule = repo.memo("sops-any-rule", prefilters)

    def governing(self, path: str) -> str | None:
        """The folder of the .sops.yaml that governs `path` (see above), or None."""
        if "" in self.by_dir:
            return ""
        directory = path.rsplit("/", 1)[0] if "/" in path else ""
        while True:
            if directory in self.by_dir:
                return directory
            if not directory:
                return None
            directory = directory.rsplit("/", 1)[0] if "/" in directory else ""

    def rule_for(self, path: str) -> SopsRule | None:
        """The creation rule `sops encrypt path` would use, or None when sops would refuse (no
        config, no matching rule, a regexp that does not compile, conflicting selectors)."""
        base = self.governing(path)
        rules = self.by_dir.get(base) if base is not None else None
        if not rules or base is None:
            return None
        relative = path[len(base) + 1 :] if base else path
        prefilter = self.any_rule.get(base)
        if prefilter is not None and not prefilter.search(relative):
            return None  # no rule's path_regex matches: one search instead of one per rule
        for rule in rules:
            if rule.path_regex is None or rule.path_regex.search(relative):
                return rule if rule.selector != "invalid" else None
        return None


def _any_path_regex(rules: list[SopsRule]) -> Any | None:
    """One RE2 that matches where some rule's path_regex does (their alternation, each in its own
    group, where RE2 scopes its flags); None (the rules are searched one by one) when a rule has no
    path_regex (it matches every file), or one holds a quoted \\Q... (it may leave the group open)
    or a counted repetition (the alternation could outgrow RE2's memory where each one fits)."""
    patterns = [rule.path_regex.pattern if rule.path_regex is not None else None for rule in rules]
    if any(p is None or "\\Q" in p or "{" in p for p in patterns):
        return None
    return go_regex("|".join(f"(?:{p})" for p in patterns))


def _creation_rules(repo: Any, path: str) -> list[SopsRule] | None:
    parsed = repo.parsed.get(path)
    data = parsed.docs[0] if parsed is not None and parsed.docs else None
    creation = data.get("creation_rules") if isinstance(data, dict) else None
    if not isinstance(creation, list):
        return None
    rules: list[SopsRule] = []
    for index, raw in enumerate(creation):
        if not isinstance(raw, dict):
            return rules  # sops fails to load the whole config
        regex = raw.get("path_regex")
        compiled = None
        if isinstance(regex, str) and regex:
            compiled = go_regex(regex)
            if compiled is None:
                return rules  # sops: "can not compile regexp", for this and every later file
        rules.append(_selector_rule(raw, path, index, compiled))
    return rules


def _selector_rule(raw: dict[Any, Any], path: str, index: int, compiled: Any) -> SopsRule:
    """The rule of a creation rule's (or a file's sops metadata's) selectors: "invalid" when it
    names more than one (sops refuses both) or a regexp that does not compile."""
    chosen = [name for name in SELECTORS if isinstance(raw.get(name), str) and raw.get(name)]
    if len(chosen) > 1:
        return SopsRule(path, index, compiled, "invalid")
    if not chosen:
        return SopsRule(path, index, compiled, "")
    if chosen[0].endswith("_suffix"):
        return SopsRule(path, index, compiled, chosen[0], suffix=raw[chosen[0]])
    key_regex = go_regex(raw[chosen[0]])
    return SopsRule(path, index, compiled, chosen[0] if key_regex is not None else "invalid", key_regex)


def _leaves(
    node: Any, keys: tuple[str, ...] = (), at: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[str, ...], tuple[Any, ...], Any]]:
    """(mapping keys from the root as sops sees them, without list indexes; the full path; value)
    of every non-empty scalar."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not (key == "sops" and not keys):
                yield from _leaves(value, (*keys, str(key)), (*at, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _leaves(item, keys, (*at, index))
    elif node is not None and str(node).strip():
        yield keys, at, node


def _is_kubernetes(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str) and isinstance(doc.get("kind"), str)


# Values that name or select other objects, never secret material, in a Kubernetes document: in or
# below a reference field (the API conventions name them `fooRef` / `fooRefs`: secretKeyRef,
# configMapKeyRef, secretRef, sourceRef, secretStoreRef, remoteRef ... hold name, namespace, kind,
# key, property), a list of LocalObjectReferences (imagePullSecrets), a label selector
# (matchLabels, matchExpressions: label keys and values), a Flux values or substitution reference
# (HelmRelease spec.valuesFrom, Kustomization spec.postBuild.substituteFrom: kind, name,
# valuesKey, targetPath), and the Secret names of `secretName` fields (volumes, Ingress tls,
# cert-manager Certificates) and of an ExternalSecret's `data[].secretKey` (a key of the Secret
# it makes). A key regex that matches their keys (`secret`, `key`) does not make them secret.
REFERENCE_FIELD = re.compile(r"[a-z0-9]Refs?$")
REFERENCE_HOLDERS = frozenset({"imagePullSecrets", "matchLabels", "matchExpressions", "valuesFrom", "substituteFrom"})
NAME_FIELDS = frozenset({"secretName"})


def _reference(doc: dict[str, Any], at: tuple[Any, ...]) -> bool:
    """Whether the value at `at` in a Kubernetes document names or selects objects (see above)."""
    keys = [k for k in at if isinstance(k, str)]
    if not keys:
        return False
    if keys[-1] in NAME_FIELDS or any(REFERENCE_FIELD.search(k) for k in keys) or REFERENCE_HOLDERS.intersection(keys[:-1]):
        return True
    group = str(doc.get("apiVersion", "")).rsplit("/", 1)[0]
    return group == "external-secrets.io" and keys[-2:] == ["data", "secretKey"] and isinstance(at[-2], int)


def _would_encrypt(rule: SopsRule, doc: Any, *, named: bool) -> tuple[tuple[str, ...], tuple[Any, ...]] | None:
    """Keys of the first plaintext value in `doc` that shows the file should have been encrypted:
    in a file named *.sops.*, any value the rule encrypts; otherwise (a plaintext Secret is HL402's)
    a value below a key the rule names, when the rule has a path_regex (one without applies to
    every file sops is run on, so it says nothing of this one), that key is not a Kubernetes Secret
    field reused by another kind (a ConfigMap's `data`, a chart's `persistence.data`), and the value
    does not name or select other objects (`_reference`)."""
    if not named and (not rule.names_keys or rule.path_regex is None):
        return None
    kubernetes = _is_kubernetes(doc)
    if kubernetes and doc.get("kind") == "Secret" and (not named or _plaintext_doc(doc)):
        return None  # HL402 reports a Secret's plaintext values
    for keys, at, value in _leaves(doc):
        if not rule.encrypts(keys):
            continue
        if named:
            return keys, at
        if kubernetes and (set(rule.matching_keys(keys)) <= SECRET_PAYLOAD or _reference(doc, at)):
            continue
        if not _not_plaintext(value):
            return keys, at
    return None


def _plaintext_doc(doc: dict[str, Any]) -> bool:
    obj = make_object("", 0, doc)
    return obj is not None and bool(plaintext_keys(obj))


@check("HL404")
def unencrypted_sops_path(ctx: Context) -> Iterator[Finding]:
    sops = SopsConfigs(ctx.repo)
    if not sops.by_dir:
        return
    for path in ctx.repo.files.yaml_files:
        name = path.rsplit("/", 1)[-1]
        if name == SOPS_CONFIG:
            continue
        parsed = ctx.repo.parsed.get(path)
        if parsed is None or not parsed.text_ok or not parsed.docs:
            continue
        if any(isinstance(d, dict) and sops_encrypted(d) for d in parsed.docs):
            continue  # encrypted
        rule = sops.rule_for(path)
        if rule is None:
            continue
        named = ".sops." in name
        for doc_index, doc in enumerate(parsed.docs):
            found = _would_encrypt(rule, doc, named=named)
            if found is None:
                continue
            keys, at = found
            why = (
                "its name says it is SOPS-encrypted, but it is not"
                if named
                else f"'{'.'.join(keys)}' matches the rule's {rule.selector} but is plaintext"
            )
            yield ctx.finding(
                "HL404",
                path,
                FILE_START if named else ctx.repo.span(path, doc_index, at, key=True),
                f"{path} is covered by {rule.label} and {why}; committing it publishes its values",
                fix=f"run 'sops encrypt --in-place {path}' before committing (and rotate anything already pushed)",
                key=f"HL404/{path}",
                related=[rule.config],
            )
            break
