"""HL201-HL208: Flux post-build placeholders are defined, documented and valid, and their sources exist
before the build that reads them (SEMANTICS.md 1); so do a HelmRelease's valuesFrom sources before
the Kustomization that waits for it is ready (HL208)."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.k8snames import name_problem, name_rule, valid_dns1123_subdomain, valid_label_key, valid_label_value
from homelint.core.model import Finding, K8sObject, Span, dig
from homelint.core.semver import parse_version
from homelint.core.substitution import (
    VALID_VAR_NAME,
    Expr,
    located,
    needle_at,
    resolve,
    scan,
    scan_cached,
    substitution_disabled,
    written_plain,
)
from homelint.loading.discovery import KUSTOMIZATION_NAMES
from homelint.loading.safeio import printable
from homelint.model.config import placeholder_doc_files
from homelint.model.flux import FLUX_KS_GROUP, Applied, FluxKS, depends_on
from homelint.model.graph import app_template_release
from homelint.model.helmvalues import assemble, chart_of
from homelint.model.refs import builtin_pod_spec_path, resource_set_objects
from homelint.model.talos import env_files_passed, env_uses, find_talos_configs
from homelint.model.variables import (
    UNKNOWN_VALUE,
    Variables,
    external_secret_index,
    external_secret_keys,
    external_secret_makers,
    source_keys,
    variables_of,
)
from homelint.model.versions import versions_of
from homelint.rules.common import (
    POST_BUILD,
    bounded,
    cluster_scoped,
    listed_external,
    outside_flux,
    spec_fix,
    substituted_reference,
    substituting_webhook,
    templated_keys,
    templated_objects,
    unapplied_files,
    written_at,
)
from homelint.rules.dryrun import FLUX_FIELDS, FLUX_GROUPS
from homelint.rules.registry import check
from homelint.rules.secrets import SOPS_CONFIG


def _uses(ctx: Context) -> Iterator[tuple[FluxKS, Variables, K8sObject, tuple[Any, ...], bool, Expr, str]]:
    """Every `${...}` in objects applied by Kustomizations that substitute: the graph's uses-var edges
    (the edges are listed once per run; their occurrences are not copied into one list: at the
    peak memory of a run, that list was as big as the edges)."""
    repo = ctx.repo
    for data in repo.memo("placeholder-uses", lambda: list(ctx.graph.edges("uses-var"))):
        ks, obj = data["ks"], data["obj"]
        variables = variables_of(repo, ks)
        for field, is_key, expr, text in data["uses"]:
            yield ks, variables, obj, field, is_key, expr, text


def _source_keys(ctx: Context) -> Iterator[tuple[FluxKS, K8sObject, str, Any]]:
    """(Kustomization, source object, data|stringData, key) for each substituteFrom source object, once."""
    seen: set[int] = set()
    for ks in ctx.flux.kustomizations:
        if ks.post_build is None:
            continue
        for source in variables_of(ctx.repo, ks).sources:
            for obj in source.objects:
                if id(obj) in seen:
                    continue
                seen.add(id(obj))
                for section in ("data", "stringData"):
                    values = obj.data.get(section)
                    if isinstance(values, dict):
                        for key in values:
                            yield ks, obj, section, key


COPY_FROM = "fluxcd.controlplane.io/copyFrom"  # flux-operator copies that ConfigMap or Secret's data into this one


def _read_unseen(ctx: Context) -> set[int]:
    """The ids of substituteFrom source objects that a build homelint does not follow may also read:
    one a Flux Kustomization of another source (not this repository) substitutes from, and one
    flux-operator copies into another object (its `copyFrom` annotation names it), whose readers
    are not known. HL203 cannot tell a key of them is unused."""

    def find() -> set[int]:
        out: set[int] = set()
        for ks in ctx.flux.kustomizations:
            if ks.post_build is not None and not ks.local:
                out.update(id(obj) for source in variables_of(ctx.repo, ks).sources for obj in source.objects)
        copied: set[tuple[str, str]] = set()
        for obj in ctx.repo.objects:
            for made in (obj, *resource_set_objects(obj)):
                named = dig(made.data, ("metadata", "annotations", COPY_FROM))
                if isinstance(named, str) and named.count("/") == 1:
                    namespace, name = named.split("/")
                    copied.add((namespace, name))
        if copied:
            for ks in ctx.flux.kustomizations:
                if ks.post_build is None:
                    continue
                for source in variables_of(ctx.repo, ks).sources:
                    out.update(id(obj) for obj in source.objects if (ks.namespace, source.name) in copied)
        return out

    return ctx.repo.memo("rules.placeholders.read-unseen", find)


def _names(expr: Expr) -> tuple[Expr, ...]:
    """The expression and those nested in its default, depth first (most have none)."""
    if not expr.nested:
        return (expr,)
    return (expr, *(name for inner in expr.nested for name in _names(inner)))


# (object, field, is_key, variable, the string at the field, where in it the use is)
_Use = tuple[K8sObject, tuple[Any, ...], bool, str, str, tuple[int, int]]


def _place(
    ctx: Context, obj: K8sObject, field: tuple[Any, ...], is_key: bool, text: str, at: tuple[int, int]
) -> tuple[str, Span]:
    """(file, span) of the use at `text[at[0]:at[1]]` of the string at `field` (or its key): that
    use, not an earlier one of the variable with a default or of a longer name it begins."""
    needle, nth = needle_at(text, *at)
    return ctx.repo.text_location(obj, field, needle, key=is_key, nth=nth)


def _looked(variables: Variables) -> str:
    parts = []
    if variables.origin and any(o == "substitute" for o in variables.origin.values()):
        parts.append("postBuild.substitute")
    for source in variables.sources:
        state = "" if source.found else (" (optional, not in the repository)" if source.optional else " (not in the repository)")
        parts.append(f"{source.kind} {source.name}{state}")
    return ", ".join(parts) or "no variable sources"


def _looked_by(pairs: list[tuple[str, Variables]]) -> str:
    """Where each Kustomization (label, its variables) looked: once when all looked in the same
    places, else each set of places with the Kustomizations that looked there."""
    by_places: dict[str, list[str]] = {}
    for label, variables in pairs:
        by_places.setdefault(_looked(variables), []).append(label)
    if len(by_places) == 1:
        return next(iter(by_places))
    return "; ".join(f"{places} for {bounded(labels)}" for places, labels in by_places.items())


def _undefined(
    ctx: Context,
) -> Iterator[tuple[FluxKS, Variables, K8sObject, tuple[Any, ...], bool, str, str, tuple[int, int]]]:
    """Each `${VAR}` without default that the applying Kustomization does not define, once per
    place and Kustomization (with the whole string it is in, and where in it the first such use is)."""
    reported: set[tuple[str, str, int, tuple[Any, ...], str]] = set()
    unsure: dict[int, bool] = {}  # by Kustomization: its postBuild may hold variables the model does not see
    for ks, variables, obj, field, is_key, expr, text in _uses(ctx):
        if expr.error:
            continue
        if id(ks) not in unsure:
            unsure[id(ks)] = ctx.flux.field_unread(ks, POST_BUILD)
        if unsure[id(ks)]:
            continue  # a transformer of its parent's build the model does not apply may define them
        for item, start, end in located(expr):
            if item.error or item.has_default or item.name in variables.values:
                continue
            ident = (ks.key, obj.path, obj.doc, field, item.name)
            if ident in reported:
                continue
            reported.add(ident)
            yield ks, variables, obj, field, is_key, item.name, text, (start, end)


def _undefined_fix(ctx: Context, name: str, sources: set[tuple[str, int] | tuple[str, str]], ks: FluxKS) -> str:
    """The fix of an undefined `${name}`: where to define it; when a ConfigMap or Secret of the
    repository that is no substituteFrom source of the Kustomization has a key of that name (the
    key only, never its value), that object is named first: the variable may have been meant there."""
    usual = f"define {name} in postBuild.substitute or a substituteFrom ConfigMap/Secret, or give a default: ${{{name}:=value}}"
    return _keyed_fix(ctx, [name], sources, ks, usual)


def _source_objects(variables: list[Variables]) -> set[tuple[str, int] | tuple[str, str]]:
    """What the hint never names: (path, document) of every object that makes a substituteFrom
    source of these variables (the committed ConfigMaps and Secrets, the ExternalSecrets that write
    them), and (kind, name) of each source: an object of that kind and name in another namespace is
    the source meant, in the wrong place, not another object to list."""
    made = {(o.path, o.doc) for v in variables for src in v.sources for o in (*src.objects, *src.producers)}
    return made | {(src.kind, src.name) for v in variables for src in (*v.sources, *v.open_sources)}


def _escape_hint(text: str, name: str) -> str:
    """For a variable inside a text of several lines (a script, a config file a ConfigMap holds),
    which may be the program's own variable rather than Flux's: how to keep it from Flux."""
    if "\n" not in text.strip():
        return ""
    return (
        f"; if the text expands ${{{name}}} itself (a shell script), write $${{{name}}}, which Flux turns into "
        f"${{{name}}}, or label the object kustomize.toolkit.fluxcd.io/substitute: disabled"
    )


def _keyed_fix(
    ctx: Context, names: list[str], sources: set[tuple[str, int] | tuple[str, str]], ks: FluxKS, otherwise: str
) -> str:
    """`otherwise`, after 'ConfigMap ns/x (path) has a key NAME but is not a substituteFrom source
    of this Kustomization: list it there' for the first of `names` that a ConfigMap or Secret other
    than the `sources` objects (path, document) has, committed or written by an ExternalSecret. One
    that `ks` lists itself, in a list a parent's patch replaces (HL121), is said to be dropped."""
    keyed = _keyed_objects(ctx)
    dropped = _dropped_sources(ks)
    for name in names:
        for path, doc, kind, name_of, what in keyed.get(name, []):
            if (path, doc) in sources or (kind, name_of) in sources:
                continue
            if (kind, name_of) not in dropped and _made_after(ctx, kind, name_of, ks):
                continue  # listed, it would be read before anything makes it (HL207): no fix
            if (kind, name_of) in dropped:
                return (
                    f"{what} has a key {printable(name)}, and this Kustomization lists it in its substituteFrom, but a "
                    "parent's patch replaces that list (HL121): add it to the patch's list, or append it with a "
                    f"JSON6902 add at /spec/postBuild/substituteFrom/- instead of listing it in the Kustomization; or {otherwise}"
                )
            return f"{what} has a key {printable(name)} but is not a substituteFrom source of this Kustomization: list it there, or {otherwise}"
    return otherwise


def _made_after(ctx: Context, kind: str, name: str, ks: FluxKS) -> bool:
    """Whether only `ks`'s own build (or a Kustomization below it, or one that waits for it) makes
    the ConfigMap or Secret in its namespace: as HL207 judges a substituteFrom source."""
    makers = _makers(ctx, kind, ks.namespace, name)
    return (
        bool(makers)
        and all(m.ks is not None and (_made_by_or_below(m.ks, ks) or _waits_for(ctx, m.ks, ks)) for m in makers)
        and not _made_before_flux(ctx, kind, ks.namespace, name, makers)
    )


def _dropped_sources(ks: FluxKS) -> set[tuple[str, str]]:
    """(kind, name) of the substituteFrom entries the Kustomization writes that its applied spec
    (after its parents' patches) no longer has."""
    written = dig(ks.obj.data, (*POST_BUILD, "substituteFrom")) if ks.obj is not None else None
    applied = dig(ks.spec, ("postBuild", "substituteFrom"))
    kept = {(e.get("kind"), e.get("name")) for e in applied if isinstance(e, dict)} if isinstance(applied, list) else set()
    return {
        (str(e.get("kind")), str(e.get("name")))
        for e in (written if isinstance(written, list) else [])
        if isinstance(e, dict) and (e.get("kind"), e.get("name")) not in kept
    }


def _keyed_objects(ctx: Context) -> dict[str, list[tuple[str, int, str, str, str]]]:
    """data/stringData key -> (path, document, kind, name, description) of the repository's core ConfigMaps
    and Secrets that have it, and of the ExternalSecrets Flux applies that write it into a Secret
    (variables.external_secret_keys); sorted by path and document."""

    def build() -> dict[str, list[tuple[str, int, str, str, str]]]:
        found: dict[str, list[tuple[str, int, str, str, str]]] = {}
        for obj in ctx.repo.objects:
            if obj.kind in ("ConfigMap", "Secret") and obj.named_by(obj.kind) and obj.path not in ctx.repo.patch_files:
                what = f"{obj.kind} {obj.namespace + '/' if obj.namespace else ''}{obj.name} ({obj.path})"
                for key in source_keys(obj):
                    found.setdefault(key, []).append((obj.path, obj.doc, obj.kind, obj.name, printable(what)))
        for (namespace, target), makers in sorted(external_secret_index(ctx.repo).items()):
            for applied in makers:
                obj = applied.obj
                where = f"Secret {'' if namespace == '*' else namespace + '/'}{target}"
                what = printable(f"{where} (written by {obj.kind} {applied.name}, {obj.path})")
                for written in external_secret_keys(obj)[0]:
                    entries = found.setdefault(written.name, [])
                    if all(e[:2] != (obj.path, obj.doc) for e in entries):
                        entries.append((obj.path, obj.doc, "Secret", target, what))
        for entries in found.values():
            entries.sort()
        return found

    return ctx.repo.memo("rules.placeholders.keyed-objects", build)


@check("HL201")
def undefined_placeholder(ctx: Context) -> Iterator[Finding]:
    """One finding per placeholder position, naming every Kustomization (sorted) for which it is
    undefined; a Kustomization whose sources may hold keys the repository cannot show (a source
    not in the repository, an ExternalSecret with dataFrom) gets at most one info for all of them.
    Strictness follows the Flux the repository installs (versions.py)."""
    versions = versions_of(ctx.repo)
    strictness: dict[str, tuple[bool, str]] = {}
    at: dict[tuple[str, int, tuple[Any, ...], str], list[tuple[FluxKS, Variables, K8sObject, bool, str, tuple[int, int]]]] = {}
    open_uses: dict[str, tuple[FluxKS, Variables, list[_Use]]] = {}
    for ks, variables, obj, field, is_key, name, text, where in _undefined(ctx):
        if variables.open_sources:
            open_uses.setdefault(ks.key, (ks, variables, []))[2].append((obj, field, is_key, name, text, where))
            continue
        group = at.setdefault((obj.path, obj.doc, field, name), [])
        if all(k is not ks for k, *_ in group):
            group.append((ks, variables, obj, is_key, text, where))
    for (_path, _doc, field, name), group in at.items():
        group.sort(key=lambda g: g[0].key)
        ks, variables, obj, is_key, text, where = group[0]
        if ks.key not in strictness:
            strictness[ks.key] = versions.strict_substitution(ks)
        strict, why = strictness[ks.key]
        broken = None if strict else _broken_name(ctx, ks, variables, obj, field, is_key, text)
        nameless = broken is not None
        labels = [g[0].label for g in group]
        path, span = _place(ctx, obj, field, is_key, text, where)
        if strict:
            consequence = ""
        elif broken == "":
            consequence = (
                f"; metadata.name becomes an empty string (no strict substitution: {why}): an object without a name "
                "cannot be applied, so the whole Kustomization fails"
            )
        elif broken is not None and field != ("metadata", "name"):
            consequence = (
                f"; it becomes an empty string (no strict substitution: {why}), and the API server rejects what that "
                f"leaves ({broken}), so the whole Kustomization fails"
            )
        elif broken is not None:
            consequence = (
                f"; it becomes an empty string (no strict substitution: {why}), and the API server rejects the "
                f"metadata.name that leaves ({broken}), so the whole Kustomization fails"
            )
        else:
            consequence = f"; it becomes an empty string (no strict substitution: {why})"
            if not is_key and text == f"${{{name}}}" and written_plain(text):
                # the whole value: kustomize writes it unquoted, and the substituted YAML is read again
                consequence = f"; it becomes empty, so the value is null (no strict substitution: {why})"
        finding = ctx.finding(
            "HL201",
            path,
            span,
            f"${{{name}}} is not defined for {bounded(labels)} (looked in: {_looked_by([(g[0].label, g[1]) for g in group])})"
            f"{consequence}",
            fix=_undefined_fix(ctx, name, _source_objects([g[1] for g in group]), ks) + _escape_hint(text, name),
            key=f"HL201/{obj.kind}/{obj.name}/{'.'.join(map(str, field))}/{name}",
            related=sorted({s.path for g in group for src in g[1].sources for s in src.objects}),
        )
        if not strict and not nameless:
            finding.severity = "warning"
        suspended = [ctx.suspended_ks(g[0]) for g in group]
        yield ctx.held(finding, suspended[0] if all(suspended) else None)  # every Kustomization suspended
    for ks, variables, uses in open_uses.values():
        info = _open_sources_info(ctx, ks, variables, uses)
        if info is not None:
            yield info


def _nameless(
    ctx: Context, ks: FluxKS, variables: Variables, obj: K8sObject, field: tuple[Any, ...], is_key: bool, text: str
) -> bool:
    """Whether non-strict substitution leaves `obj` with a name or host the API server rejects
    (HL201 is an error then): see _broken_name."""
    return _broken_name(ctx, ks, variables, obj, field, is_key, text) is not None


def _broken_name(
    ctx: Context, ks: FluxKS, variables: Variables, obj: K8sObject, field: tuple[Any, ...], is_key: bool, text: str
) -> str | None:
    """Why the API server rejects `obj`'s name (or a host: _broken_host) after non-strict
    substitution ("" for no name at all), or None when it takes it or that is not known. Judged where every variable of
    `metadata.name` is one `ks` does not define (each an empty string, or its default: fluxcd/pkg
    envsubst) and no kustomize prefix/suffix or rename the model cannot follow changes the name.
    Flux applies each object by server-side apply (fluxcd/pkg ssa): the dry run fails for a name
    that is missing or not of the kind's format (core/k8snames.name_rule)."""
    if is_key:
        return None
    if field != ("metadata", "name"):
        return _broken_host(ctx, ks, variables, obj, field, text)
    name = _undefined_expansion(text, variables)
    if name is None:
        return None
    mine = [a for a in ctx.flux.applications_of(obj) if a.ks is ks]
    if not mine or any(a.renamed is not None or a.hashed or a.unread or a.affixed for a in mine):
        return None
    if not name:
        return ""
    return name_problem(name_rule(obj.group, obj.kind), name) or None


def _broken_host(ctx: Context, ks: FluxKS, variables: Variables, obj: K8sObject, field: tuple[Any, ...], text: str) -> str | None:
    """Why the API server rejects a host name field (HOST_SITES) after non-strict substitution
    empties its undefined variables (`${APP}.${DOMAIN}` -> `app-a.`), or None. Only a text left
    non-empty is judged (an emptied Ingress host means every host); a host is a DNS-1123 subdomain,
    after a leading `*.` (Ingress validateIngressRules, the Gateway API Hostname pattern)."""
    shape = tuple("*" if isinstance(key, int) else key for key in field)
    if shape not in HOST_SITES.get((obj.group, obj.kind), ()):
        return None
    host = _host_expansion(text, variables)
    mine = [a for a in ctx.flux.applications_of(obj) if a.ks is ks]
    if not host or not mine or any(a.unread or a.maybe_changed for a in mine):
        return None
    bare = host[2:] if host.startswith("*.") else host
    if valid_dns1123_subdomain(bare):
        return None
    return f"the host '{printable(host, 80)}' is not a lowercase DNS name: RFC 1123 labels joined by dots"


def _host_expansion(text: str, variables: Variables) -> str | None:
    """`text` as non-strict substitution leaves it: each undefined variable an empty string, each
    defined one its value; None when a value is not known here or comes from a Secret (a message
    must not print it)."""
    names = {item.name for expr in scan_cached(text) for item in _names(expr)}
    for name in names & variables.values.keys():
        if variables.values[name] == UNKNOWN_VALUE or variables.origin.get(name, "").startswith("Secret"):
            return None
    return resolve(text, variables.values, missing="")


def _undefined_expansion(text: str, variables: Variables) -> str | None:
    """`text` as non-strict substitution leaves it when none of its variables is defined: each
    `${VAR}` an empty string, a default form its default; None when a variable is defined (its
    value is not judged here), or a form is not read."""
    if any(item.name in variables.values for expr in scan_cached(text) for item in _names(expr)):
        return None
    return resolve(text, {}, missing="")


@check("HL607")
def strict_substitution_upgrade(ctx: Context) -> Iterator[Finding]:
    """HL607: the Flux upgrade target (--target flux=2.9) turns on strict substitution, and this
    undefined ${VAR}, an empty string today, then fails the whole Kustomization."""
    versions = versions_of(ctx.repo)
    if "flux" not in versions.targets:
        return
    for ks, variables, obj, field, is_key, name, text, where in _undefined(ctx):
        strict_now, why = versions.strict_substitution(ks)
        later = versions.strict_at_target(ks)
        if strict_now or later is None or not later[1]:
            continue
        if _nameless(ctx, ks, variables, obj, field, is_key, text):
            continue  # it fails today already (HL201 is an error)
        target = later[0]
        path, span = _place(ctx, obj, field, is_key, text, where)
        # as HL201 says it: a whole value kustomize writes unquoted is read again as null
        today = (
            "empty, so the value is null" if not is_key and text == f"${{{name}}}" and written_plain(text) else "an empty string"
        )
        finding = ctx.finding(
            "HL607",
            path,
            span,
            f"${{{name}}} is not defined for {ks.label}: today it becomes {today} ({why}), "
            f"but Flux {target} substitutes strictly and fails the whole Kustomization",
            fix=f"define {name} (postBuild.substitute or a substituteFrom source), give a default ${{{name}:=}}, "
            "escape it as $${...}, or label the object kustomize.toolkit.fluxcd.io/substitute: disabled",
            key=f"HL607/{obj.kind}/{obj.name}/{name}/{ks.key}",
            related=[s.path for src in variables.sources for s in src.objects],
        )
        if variables.open_sources:
            finding.severity = "warning"  # it may come from a source homelint cannot read
        yield finding


def _open_sources_info(ctx: Context, ks: FluxKS, variables: Variables, uses: list[_Use]) -> Finding | None:
    """An info that the placeholders may come from a source homelint cannot read; None when each
    such source is defined in a file Flux does not apply: the Kustomization fails before it
    substitutes anything (HL401/HL405 say so)."""
    names = sorted({use[3] for use in uses})
    why = []
    unread = 0
    elsewhere_only = True
    template_defined: set[str] = set()  # the plain keys of the bootstrap templates among the sources
    known_templates = 0  # sources not read that are templates whose keys are all known
    for source in variables.open_sources:
        if not source.found:
            unapplied = sorted(
                o.path
                for o in ctx.repo.objects_by_kind_name.get((source.kind, source.name), [])
                if not o.applied_by and o.namespace in (None, ks.namespace)
            )
            elsewhere = [ns for ns in _applied_namespaces(ctx).get((source.kind, source.name), []) if ns != ks.namespace]
            if unapplied:
                why.append(f"{source.kind} {source.name} is defined in {unapplied[0]}, which Flux does not apply")
                if not source.optional:
                    continue  # HL401/HL405: the Kustomization fails before it substitutes
            elif elsewhere:
                if not source.optional:
                    continue  # HL401/HL405: not in the Kustomization's namespace, the Kustomization fails
                why.append(
                    f"{source.kind} {source.name} exists only in namespace{'s' if len(elsewhere) > 1 else ''} "
                    f"{bounded(elsewhere)}; kustomize-controller reads substituteFrom in the Kustomization's "
                    f"namespace {ks.namespace}, where it is not"
                )
                unread += 1
                continue
            else:
                defined = ctx.repo.objects_by_kind_name.get((source.kind, source.name), [])
                spaces = sorted({o.namespace for o in defined if o.namespace})
                templates = templated_objects(ctx).get((source.kind, source.name), [])
                if not defined and templates:
                    plain = templated_keys(ctx).get((source.kind, source.name))
                    template_defined |= plain or set()
                    known_templates += plain is not None
                    why.append(
                        f"{source.kind} {source.name} is defined in {printable(templates[0][0])}, a bootstrap template "
                        + ("homelint does not render" if plain is None else "whose plain keys define none of these")
                    )
                    elsewhere_only = False
                    unread += 1
                    continue
                made = _made_by_operator(ctx, source.kind, ks.namespace, source.name)
                why.append(
                    f"{source.kind} {source.name} is defined only for namespace{'s' if len(spaces) > 1 else ''} "
                    f"{bounded(spaces)} ({min(o.path for o in defined)}), not for the Kustomization's namespace {ks.namespace}"
                    if spaces
                    else f"{source.kind} {source.name} is made by {made}, whose keys homelint does not read"
                    if made
                    else f"{source.kind} {source.name} is not in the repository"
                )
            elsewhere_only = False
            unread += 1
        else:
            elsewhere_only = False
            unread += 1
            makers = ", ".join(sorted(o.name for o in source.unknowable))
            why.append(
                f"Secret {source.name} gets its keys from the secret store (ExternalSecret {makers}: dataFrom/templateFrom)"
            )
    names = [name for name in names if name not in template_defined]  # a template's plain key defines it
    if not unread or not names:
        return None
    source = variables.open_sources[0]
    if ks.obj is not None:  # the substituteFrom entry (where a patch adds it), or postBuild when a patch replaced the list
        keys = POST_BUILD if _dropped_sources(ks) else (*POST_BUILD, "substituteFrom", source.index)
        path, span = ks.obj.path, ctx.repo.obj_span(ks.obj, *keys)
    else:
        obj, field, is_key, _name, text, where = sorted(uses, key=lambda u: (u[0].path, u[0].doc, str(u[1])))[0]
        path, span = _place(ctx, obj, field, is_key, text, where)
    finding = ctx.finding(
        "HL201",
        path,
        span,
        f"{ks.label} uses {len(names)} placeholder{'s' if len(names) != 1 else ''} that no source it can read defines "
        f"({bounded(['${' + n + '}' for n in names], 5)}); {'; '.join(why)}"
        f"{'' if elsewhere_only or known_templates == unread else ', so they may be defined there'}",
        fix=_open_sources_fix(ctx, names, variables, ks),
        key=f"HL201/open/{ks.key}",
        related=sorted({use[0].path for use in uses}),
    )
    finding.severity = "info"
    return finding


def _open_sources_fix(ctx: Context, names: list[str], variables: Variables, ks: FluxKS) -> str:
    """What to do about placeholders that only an unreadable source may define: a ConfigMap or
    Secret of the repository with such a key is named first; the store's keys are listed in the
    ExternalSecret only when an ExternalSecret's keys are what cannot be read."""
    fix = "check that the source defines them, or give defaults (${NAME:=value})"
    if any(source.found for source in variables.open_sources):
        fix += "; list the keys in the ExternalSecret (data/template) to let homelint check them"
    return _keyed_fix(ctx, names, _source_objects([variables]), ks, fix)


def _applied_namespaces(ctx: Context) -> dict[tuple[str, str], list[str]]:
    """(kind, name) -> the namespaces Flux applies an object of that kind and name in, sorted."""

    def build() -> dict[tuple[str, str], list[str]]:
        found: dict[tuple[str, str], set[str]] = {}
        for applied in ctx.flux.applied:
            if applied.obj.named_by(applied.kind):
                found.setdefault((applied.kind, applied.name), set()).add(applied.ns)
        return {key: sorted(spaces) for key, spaces in found.items()}

    return ctx.repo.memo("rules.placeholders.applied-namespaces", build)


@check("HL204")
def invalid_substitution(ctx: Context) -> Iterator[Finding]:
    for ks, _variables, obj, field, is_key, expr, text in _uses(ctx):
        bad = [e for e in _names(expr) if e.error]
        if not bad:
            continue
        snippet = text[expr.start : min(expr.end, expr.start + 40)]
        where = ".".join(map(str, field)) or "the document"
        named = f" of {bad[0].name}" if VALID_VAR_NAME.match(bad[0].name or "") and len(bad[0].name) <= 60 else ""
        # this expression, not an escaped `$${` with the same text before it
        path, span = ctx.repo.text_location(obj, field, snippet, key=is_key, nth=text.count(snippet, 0, expr.start))
        yield ctx.finding(
            "HL204",
            path,
            span,
            # the text is not quoted: it may be a secret (a default value, a password with `${`)
            f"a '${{...}}' expression{named} in {'a key of ' if is_key else ''}{where} breaks Flux substitution for "
            f"{ks.label}: {bad[0].error}; the whole Kustomization fails to build",
            fix="escape it as '$${...}' to keep it literal, or label the object kustomize.toolkit.fluxcd.io/substitute: disabled",
            key=f"HL204/{obj.kind}/{obj.name}/{'.'.join(map(str, field))}/{snippet}",
        )


def _docs_text(ctx: Context) -> dict[str, str] | None:
    """The placeholder docs: path -> what a reader takes as documentation (see `_prose`), in path
    order; None when the repository has none."""
    files = placeholder_doc_files(ctx.config, ctx.repo.files.all_files)
    return {p: _prose(ctx.repo.read_text(p) or "") for p in files} if files else None


FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
DOCUMENTED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# variables of the shell and the environment: in docs they are never Flux placeholders
SHELL_VARIABLES = frozenset(
    {"HOME", "PATH", "PWD", "OLDPWD", "USER", "SHELL", "TMPDIR", "HOSTNAME", "LANG", "EDITOR", "TERM", "UID", "GID"}
)


def _prose(text: str) -> str:
    """`text` with what is not documentation blanked out (same offsets, same lines): fenced code
    blocks (shell sessions, example manifests) and inline code other than a bare name or
    `${NAME}` (a command, a path such as `kubernetes/${cluster}/apps`)."""
    out: list[str] = []
    fence = ""
    for line in text.splitlines(keepends=True):
        marker = FENCE.match(line)
        if fence:
            out.append(_blank(line))
            if (
                marker
                and marker.group(1)[0] == fence[0]
                and len(marker.group(1)) >= len(fence)
                and not line[marker.end() :].strip()
            ):
                fence = ""
        elif marker:
            fence = marker.group(1)
            out.append(_blank(line))
        else:
            out.append(INLINE_CODE.sub(_keep_names, line))
    return "".join(out)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def _keep_names(match: re.Match[str]) -> str:
    inner = match.group(2).strip()
    if re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*", inner):
        return match.group(0)
    return _blank(match.group(0))


@check("HL202", "HL203")
def documentation(ctx: Context) -> Iterator[Finding]:
    docs = _docs_text(ctx)
    used = {item.name for *_, expr, _text in _uses(ctx) for item in _names(expr) if item.name}
    # HL202: variables from substituteFrom sources used in manifests but not in the docs
    if docs is not None:
        files = list(docs)
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", "\n".join(docs.values())))
        reported: set[str] = set()
        for _ks, variables, obj, field, is_key, expr, text in _uses(ctx):
            for item, start, end in located(expr):
                origin = variables.origin.get(item.name, "")
                if not origin or origin == "substitute" or item.name in words or item.name in reported:
                    continue
                reported.add(item.name)
                path, span = _place(ctx, obj, field, is_key, text, (start, end))
                yield ctx.finding(
                    "HL202",
                    path,
                    span,
                    f"${{{item.name}}} (from {origin}) is not mentioned in the placeholder docs "
                    f"({files[0] if len(files) == 1 else f'{len(files)} files: {files[0]}, ...'})",
                    fix=f"describe {item.name} in the placeholder docs, so a fork knows to set it",
                    key=f"HL202/{item.name}",
                    related=files,
                )
    # talhelper: talenv variables used in talconfig.yaml and the files it substitutes (same rules)
    talos_used: set[str] = set()
    yield from _talenv_documentation(ctx, docs, talos_used)
    # HL203: keys of substituteFrom sources that nothing uses; documented placeholders never used
    all_used = used | talos_used
    if substituting_webhook(ctx) is not None:  # every Kustomization substitutes: a use anywhere counts
        for applied in ctx.flux.applied:
            for _field, text, _is_key in ctx.repo.placeholder_strings(applied.obj):
                all_used.update(item.name for expr in scan_cached(text) for item in _names(expr) if item.name)
    unseen = _read_unseen(ctx)
    for _ks, obj, section, key in _source_keys(ctx):
        if str(key) not in all_used and id(obj) not in unseen:
            yield ctx.at(
                "HL203",
                obj,
                (section, key),
                f"{obj.kind} {obj.name} defines {key}, but no manifest that Flux substitutes uses ${{{key}}}",
                key_node=True,
                fix="remove the unused key, or ignore HL203 if other tooling reads it",
            )
    if docs is not None:
        documented: dict[str, str] = {}  # placeholder -> first doc that shows it
        for path, content in docs.items():
            for name in DOCUMENTED.findall(content):
                if name not in SHELL_VARIABLES:
                    documented.setdefault(name, path)
        for name in sorted(set(documented) - all_used):
            path = documented[name]
            content = docs[path]
            offset = content.find("${" + name + "}")
            line = content.count("\n", 0, offset) + 1
            column = offset - (content.rfind("\n", 0, offset) + 1) + 1
            yield ctx.finding(
                "HL203",
                path,
                Span(line, column, line, column + len(name) + 3),
                f"documented placeholder ${{{name}}} is used by no manifest",
                fix="remove it from the docs, or use it",
                key=f"HL203/doc/{name}",
            )


def _talenv_documentation(ctx: Context, docs: dict[str, str] | None, used: set[str]) -> Iterator[Finding]:
    """HL202 and HL203 for talhelper's env files (talenv.yaml, talenv.sops.yaml): a talenv variable
    used but not in the placeholder docs, a talenv key nothing uses. Adds every use to `used`."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", "\n".join(docs.values()))) if docs is not None else set()
    files = list(docs or {})
    reported: set[str] = set()
    for cfg in find_talos_configs(ctx.repo):
        if cfg.kind != "talhelper" or not cfg.env_files:
            continue
        uses, complete = env_uses(ctx.repo, cfg)
        names = {use.name for use in uses}
        used.update(names)
        if docs is not None and "HL202" in ctx.enabled:
            for use in uses:
                if use.name not in cfg.env or use.name in words or use.name in reported:
                    continue
                reported.add(use.name)
                if use.line:
                    span = Span(use.line, use.column, use.line, use.column + len(use.name) + 2)
                else:
                    span = ctx.repo.positions.text_span(use.path, use.doc, use.keys, "${" + use.name, nth=use.nth)
                yield ctx.finding(
                    "HL202",
                    use.path,
                    span,
                    f"${{{use.name}}} (from {cfg.env[use.name]}) is not mentioned in the placeholder docs "
                    f"({files[0] if len(files) == 1 else f'{len(files)} files: {files[0]}, ...'})",
                    fix=f"describe {use.name} in the placeholder docs, so a fork knows to set it",
                    key=f"HL202/{use.name}",
                    related=files,
                )
        if not complete or "HL203" not in ctx.enabled:
            continue  # a file talhelper substitutes could not be read: it may use any key
        if env_files_passed(ctx.repo) is not None:
            continue  # genconfig is given other env files: these may not be read at all (HL901's note)
        for env_path in cfg.env_files:
            parsed = ctx.repo.parsed.get(env_path)
            for index, doc in enumerate(parsed.docs if parsed else []):
                if not isinstance(doc, dict):
                    continue
                for key in doc:
                    if key == "sops" or str(key) in names:
                        continue
                    yield ctx.finding(
                        "HL203",
                        env_path,
                        ctx.repo.span(env_path, index, (key,), key=True),
                        f"{env_path} defines {key}, but neither {cfg.path} nor a file it substitutes uses ${{{key}}}",
                        fix="remove the unused key, or ignore HL203 if other tooling reads it",
                        key=f"HL203/{env_path}/{key}",
                    )


def _known_flux_variables(ctx: Context) -> set[str]:
    names: set[str] = set()
    for ks in ctx.flux.kustomizations:
        if ks.post_build is not None:
            names.update(variables_of(ctx.repo, ks).values)
    return names


# where the API server validates the text (k8s.io/apimachinery ValidateObjectMetaAccessor for every
# kind, ValidatePodTemplateSpec, ValidateLabelSelector, ValidateService): label sites by (group, kind)
_POD_TEMPLATE = ("spec", "template", "metadata", "labels")
_MATCH_LABELS = ("spec", "selector", "matchLabels")
LABEL_SITES: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("apps", "Deployment"): (_POD_TEMPLATE, _MATCH_LABELS),
    ("apps", "StatefulSet"): (_POD_TEMPLATE, _MATCH_LABELS),
    ("apps", "DaemonSet"): (_POD_TEMPLATE, _MATCH_LABELS),
    ("apps", "ReplicaSet"): (_POD_TEMPLATE, _MATCH_LABELS),
    ("batch", "Job"): (_POD_TEMPLATE,),
    ("batch", "CronJob"): (("spec", "jobTemplate", "spec", "template", "metadata", "labels"),),
    ("", "ReplicationController"): (_POD_TEMPLATE,),
    ("", "Service"): (("spec", "selector"),),
}
# host name fields the API server validates as DNS names, where `$` and `{` never pass: an Ingress
# rule's host (networking validateIngressRules: IsDNS1123Subdomain, or IsWildcardDNS1123Subdomain
# with a `*`), the Gateway API's Hostname type (its CRD pattern), each a field path ("*": any index)
HOST_SITES: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("networking.k8s.io", "Ingress"): (("spec", "rules", "*", "host"),),
    **{("gateway.networking.k8s.io", kind): (("spec", "hostnames", "*"),) for kind in ("HTTPRoute", "GRPCRoute", "TLSRoute")},
    ("gateway.networking.k8s.io", "Gateway"): (("spec", "listeners", "*", "hostname"),),
}


# fields whose text nothing but Flux substitutes: the kubelet expands `$(VAR)` only in a container's
# command, args and env values, so `${VAR}` in a volume's NFS server or path, a hostPath, an image or
# a storage class is used as written (a mount or pull that fails, a claim no class binds) whether or
# not a Kustomization provides VAR: no application reads it as its own variable
_POD_AS_WRITTEN = (
    ("volumes", "*", "nfs", "server"),
    ("volumes", "*", "nfs", "path"),
    ("volumes", "*", "hostPath", "path"),
    *((group, "*", "image") for group in ("containers", "initContainers", "ephemeralContainers")),
)
_AS_WRITTEN: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("", "PersistentVolumeClaim"): (("spec", "storageClassName"),),
    ("", "PersistentVolume"): (
        ("spec", "nfs", "server"),
        ("spec", "nfs", "path"),
        ("spec", "hostPath", "path"),
        ("spec", "storageClassName"),
    ),
}


def _substitute_value(obj: K8sObject, field: tuple[Any, ...]) -> bool:
    """Whether `field` is a value of a Flux Kustomization's spec.postBuild.substitute:
    kustomize-controller puts it into the child's manifests as written, once (fluxcd/pkg envsubst
    does not expand a substituted value again)."""
    return (
        obj.kind == "Kustomization"
        and obj.group == FLUX_KS_GROUP
        and len(field) == 4
        and tuple(field[:3]) == (*POST_BUILD, "substitute")
    )


def _as_written(obj: K8sObject, field: tuple[Any, ...]) -> bool:
    """Whether nothing but Flux expands `${...}` in this field of the object (_POD_AS_WRITTEN, a
    Flux Kustomization's substitute values)."""
    if _substitute_value(obj, field):
        return True
    shape = tuple("*" if isinstance(key, int) else key for key in field)
    base = builtin_pod_spec_path(obj)
    if base is not None and shape[: len(base)] == base and shape[len(base) :] in _POD_AS_WRITTEN:
        return True
    return shape in _AS_WRITTEN.get((obj.group, obj.kind), ())


def _dns_named(obj: K8sObject) -> bool:
    """Whether the API server validates the object's name as a DNS name (a subdomain or a label),
    which `${` never passes; a path segment (RBAC kinds, PodDisruptionBudget, other built-in
    kinds without their own rule: core/k8snames.name_rule) takes it."""
    return name_rule(obj.group, obj.kind).shape != "segment"


def _relabelled(ks: FluxKS, kdirs: Any) -> set[str]:
    """Label keys a transformer of the build sets over what the object says: kustomize's
    commonLabels and labels[].pairs, the Flux Kustomization's spec.commonMetadata.labels."""
    keys: set[str] = set()
    common = ks.spec.get("commonMetadata")
    if isinstance(common, dict) and isinstance(common.get("labels"), dict):
        keys.update(map(str, common["labels"]))
    for directory in ks.dirs:
        kd = kdirs.get(directory)
        if kd is None:
            continue
        labels = kd.data.get("labels")
        found = [kd.data.get("commonLabels")]
        found += [item.get("pairs") for item in (labels if isinstance(labels, list) else []) if isinstance(item, dict)]
        for pairs in found:
            if isinstance(pairs, dict):
                keys.update(map(str, pairs))
    return keys


def _flux_rule(kind: str, field: tuple[Any, ...]) -> Any:
    """The CRD's pattern or enum (HL605's table) for this field of a Flux kind, or None."""
    shape = tuple("*" if isinstance(key, int) else key for key in field)
    return next((rule for path, rule in FLUX_FIELDS.get(kind, ()) if path == shape), None)


def _app_template_host(shape: tuple[Any, ...]) -> str | None:
    """What app-template renders a values field of this shape into, when that is a host name field
    the API server validates (HOST_SITES): a route's hostnames, an Ingress rule's host (the bjw-s
    common library writes them through `tpl`, which leaves `${...}` as it is)."""
    if len(shape) == 6 and shape[:3] == ("spec", "values", "route") and shape[4:] == ("hostnames", "*"):
        return "a route's spec.hostnames"
    if len(shape) == 7 and shape[:3] == ("spec", "values", "ingress") and shape[4:] == ("hosts", "*", "host"):
        return "an Ingress rule's host"
    return None


def _app_template_major(ctx: Context, applied: Any) -> int | None:
    """The major version of the app-template chart a HelmRelease installs (0: app-template of a
    version not known); None when it installs another chart."""
    if app_template_release(ctx.repo, applied) is not True:
        return None
    use = chart_of(ctx.repo, applied)
    text = (
        (use.chart.tag or use.chart.version) if use is not None else dig(applied.obj.data, ("spec", "chart", "spec", "version"))
    )
    if not isinstance(text, str) and use is None and isinstance(dig(applied.obj.data, ("spec", "chart", "spec")), dict):
        text = ""  # a chart without a version: the newest
    if text == "":
        return 1 << 16  # no version: the newest
    version = parse_version(text.removeprefix("v")) if text else None
    return version.major if version is not None else 0


def _renders_item(item: Any, major: int) -> bool:
    """Whether app-template renders an `ingress` or `route` item of its values: never with
    `enabled: false`; without `enabled` from app-template 3 on (the common library's enabled-by-
    default helpers), not before (common 2.x renders an ingress only with `enabled: true`)."""
    if not isinstance(item, dict):
        return False
    enabled = item.get("enabled")
    if enabled is None:
        return major >= 3
    return enabled is True or (isinstance(enabled, str) and enabled.lower() == "true")


def _rejected(
    applied: Any, field: tuple[Any, ...], text: str, is_key: bool, relabelled: set[str], app_template: int | None = None
) -> str:
    """Why the API server rejects this literal `${...}` text (in a label, the name, the namespace,
    a Flux duration or enum field, a host name; with `app_template` (the chart's major version, 0
    when not known), a host name the chart renders from the release's values), or "" where it
    takes it. The text is not quoted: a default in it may be a secret."""
    obj = applied.obj
    sites = (("metadata", "labels"), *LABEL_SITES.get((obj.group, obj.kind), ()))
    if len(field) >= 1 and tuple(field[:-1]) in sites and str(field[-1]) not in relabelled:
        if is_key:
            return "" if valid_label_key(text) else "the text is not a valid label key"
        return "" if valid_label_value(text) else "the text is not a valid label value"
    if not is_key and obj.group in FLUX_GROUPS and (rule := _flux_rule(obj.kind, field)) is not None:
        if isinstance(rule, str):
            return "the text is not a duration the CRD accepts"  # `$` is no digit nor unit
        return f"the text is not one of {', '.join(rule)}"
    shape = tuple("*" if isinstance(key, int) else key for key in field)
    if not is_key and shape in HOST_SITES.get((obj.group, obj.kind), ()):
        return "the text is not a valid host name"
    if app_template is not None and not is_key and (site := _app_template_host(shape)) is not None:
        if not _renders_item(dig(obj.data, tuple(field[:4])), app_template):
            return ""  # an item the chart does not render (enabled: false; before app-template 3, not enabled)
        return f"the text is not a valid host name, and app-template renders it into {site}"
    if is_key or field not in (("metadata", "name"), ("metadata", "namespace")):
        return ""
    if field == ("metadata", "name"):
        name = applied.name
        if "${" in name and _dns_named(obj) and not valid_dns1123_subdomain(name):
            return "the name is not a valid DNS name"
        return ""
    if applied.namespace == text and not cluster_scoped(obj) and not valid_dns1123_subdomain(text):
        return "the text is not a valid namespace name"  # a DNS label; not one a kustomization or targetNamespace sets
    return ""


# (field, is_key, variable, why the API server rejects it or "", the string at the field, where in it the use is)
_Literal = tuple[tuple[Any, ...], bool, str, str, str, tuple[int, int]]


def _literal(ctx: Context, applied: Any, known: set[str], relabelled: set[str]) -> _Literal | None:
    """The object's literal placeholder to report: the first the API server rejects (in a label,
    the name, the namespace), else the first with a variable some Kustomization provides or in a
    field nothing else expands (rejection "")."""
    first: _Literal | None = None
    obj = applied.obj
    flux_ks = obj.kind == "Kustomization" and obj.group == FLUX_KS_GROUP
    app_template = _app_template_major(ctx, applied) if obj.kind == "HelmRelease" else None
    for field, text, is_key in ctx.repo.placeholder_strings(obj):
        if flux_ks and tuple(field[:2]) == ("spec", "patches"):
            continue  # a patch's text: substituted, or not, in the objects it lands in (reported there)
        exprs = [e for e in scan(text) if not e.error and e.name]
        if not exprs or ctx.flux.namespace_may_set(applied, field):
            continue  # (a configurations: fieldSpec of the namespace transformer writes the namespace there)
        reason = "" if applied.unread else _rejected(applied, field, text, is_key, relabelled, app_template)
        if reason:
            return field, is_key, exprs[0].name, reason, text, (exprs[0].start, exprs[0].end)
        if first is None:
            named = [e for e in exprs if e.name in known] or (exprs if not is_key and _as_written(obj, field) else [])
            if named:
                first = (field, is_key, named[0].name, "", text, (named[0].start, named[0].end))
    return first


@check("HL205")
def literal_placeholder(ctx: Context) -> Iterator[Finding]:
    """One finding per object's literal placeholder, naming every Kustomization (sorted) that
    applies it without substituting: an error where the API server rejects the text (a label, a
    name: whatever the variable), else a warning for a variable some Kustomization provides."""
    webhook = substituting_webhook(ctx)
    if webhook is not None:
        ctx.note(
            f"HelmRelease {webhook} installs a webhook that adds spec.postBuild.substitute to every Flux Kustomization "
            "as the API server admits it: placeholders are substituted where the manifests say nothing, so HL205 is not judged"
        )
        return
    known = _known_flux_variables(ctx)
    kdirs = ctx.repo.kustomize_dirs
    found: dict[tuple[str, int, Any], tuple[K8sObject, _Literal, list[tuple[FluxKS, str]]]] = {}
    hosts: list[tuple[FluxKS, str, Any, tuple[Any, ...]]] = []  # app-template host names a generated values file writes
    for ks in ctx.flux.kustomizations:
        if not ks.known:
            continue  # a spec not known here (a bootstrap root, a sync whose instance patches may change it)
        if ctx.flux.field_unread(ks, POST_BUILD):
            continue  # a transformer of its parent's build the model does not apply may set its postBuild
        if ks.post_build is not None and variables_of(ctx.repo, ks).substitutes:
            continue
        why = "has no spec.postBuild" if ks.post_build is None else "provides no variables (substituteStrategy WithVariables)"
        relabelled: set[str] | None = None
        for applied in ks.applied:
            obj = applied.obj
            if obj.is_sops or substitution_disabled(obj.data):
                continue
            ident = (obj.path, obj.doc, obj.source.anchor)  # generated objects share their kustomization's document
            if ident in found:
                if all(k is not ks for k, _ in found[ident][2]):
                    found[ident][2].append((ks, why))
                continue
            if relabelled is None:
                relabelled = _relabelled(ks, kdirs)
            hit = _literal(ctx, applied, known, relabelled)
            if hit is not None:
                found[ident] = (obj, hit, [(ks, why)])
            if obj.kind == "HelmRelease" and obj.spec.get("valuesFrom") and app_template_release(ctx.repo, applied) is True:
                hosts.extend((ks, why, applied, site) for site in _generated_value_hosts(ctx, applied))
    yield from _value_host_findings(ctx, hosts)
    for obj, (field, is_key, name, rejected, text, at), users in found.values():
        users.sort(key=lambda u: u[0].key)
        whys = sorted({why for _, why in users})
        why = whys[0] if len(whys) == 1 else "substitutes nothing"
        if len(users) > 1:
            why = why.replace("has no", "have no").replace("provides", "provide").replace("substitutes", "substitute")
        path, span = _place(ctx, obj, field, is_key, text, at)
        message = f"${{{name}}} reaches the cluster literally: {bounded([ks.label for ks, _ in users])} {why}"
        if rejected and obj.kind == "HelmRelease" and tuple(field[:2]) == ("spec", "values"):
            where = ".".join(map(str, field))
            message += (
                f"; {rejected} ({where}), so the API server rejects that object and the HelmRelease fails to install or upgrade"
            )
        elif rejected:
            where = ".".join(map(str, field[:-1] if is_key else field))
            message += f"; {rejected} ({where}), so the API server rejects the object and the whole Kustomization fails to apply"
        elif not is_key and _substitute_value(obj, field):
            message += (
                f"; {obj.kind} {obj.name} substitutes it into its own manifests as written ({'.'.join(map(str, field))}: "
                "Flux does not expand a substituted value again)"
            )
        elif not is_key and _as_written(obj, field):
            message += (
                f"; nothing else expands it in {'.'.join(map(str, field))} (the kubelet expands only $(VAR) in a "
                "container's command, args and env), so it is used as written"
            )
        synced = next((ks for ks, _ in users if ks.obj is None), None)
        add = (
            spec_fix(synced, "spec.postBuild", "")
            if synced is not None
            else "add spec.postBuild (substitute/substituteFrom) to the Kustomization"
        )
        finding = ctx.finding(
            "HL205",
            path,
            span,
            message,
            fix=f"{add}, or "
            + (
                "write the value itself"
                if rejected
                else "label the object kustomize.toolkit.fluxcd.io/substitute: disabled if it is meant literally "
                "(not $${...}: without substitution nothing unescapes it)"
            ),
            key=f"HL205/{obj.kind}/{obj.name}/{name}",
            related=sorted({defined for ks, _ in users if (defined := ks.defined_in) is not None}),
        )
        if rejected:
            finding.severity = "error"
            suspended = [ctx.suspended_ks(ks) for ks, _ in users]
            finding = ctx.held(finding, suspended[0] if all(suspended) else None)
        yield finding


def _generated_value_hosts(ctx: Context, applied: Any) -> Iterator[tuple[Any, ...]]:
    """(values path, site, the values source, its path inside it, the text) of each app-template host
    name (_app_template_host) with a `${` that a valuesFrom entry takes from a file a generator of the
    release's own build makes: the ConfigMap holds the file as written, and the build that would
    substitute it (the release's Kustomization) does not. A Secret's values are not read."""
    assembly = assemble(ctx.repo, applied)
    values = assembly.values
    found: list[tuple[tuple[Any, ...], Any]] = []
    for section, tail in (("ingress", ("hosts", "*", "host")), ("route", ("hostnames", "*"))):
        entries = values.get(section) if isinstance(values, dict) else None
        for key, entry in entries.items() if isinstance(entries, dict) else ():
            items = entry.get(tail[0]) if isinstance(entry, dict) else None
            for index, item in enumerate(items if isinstance(items, list) else []):
                text = item.get("host") if tail[-1] == "host" and isinstance(item, dict) else item if tail[-1] == "*" else None
                path = (section, key, tail[0], index, *tail[2:])
                if isinstance(text, str) and "${" in text:
                    found.append((path, text))
    for path, text in found:
        written = assembly.written(path)
        if written is None:
            continue
        source, inner, whole = written
        if not whole or source.entry is None or source.secret or not source.unsubstituted:
            continue  # spec.values (_literal judges it), a Secret, or a ConfigMap whose own build substitutes it
        site = _app_template_host(("spec", "values", *("*" if isinstance(p, int) else p for p in path)))
        if site is not None:
            yield path, site, source, inner, text


def _value_host_findings(ctx: Context, hosts: list[tuple[FluxKS, str, Any, tuple[Any, ...]]]) -> Iterator[Finding]:
    """HL205 errors for _generated_value_hosts, one per place in a values file."""
    seen: set[tuple[str, int, int]] = set()
    for ks, why, applied, (path, site, source, inner, text) in hosts:
        span = source.locate(inner, False)
        if (source.path, span.line, span.column) in seen:
            continue
        seen.add((source.path, span.line, span.column))
        name = next((e.name for e in scan(text) if not e.error and e.name), "")
        where = ".".join(map(str, path))
        finding = ctx.finding(
            "HL205",
            source.path,
            span,
            f"${{{name}}} reaches the cluster literally: {ks.label} {why}, and {source.label} is data of its build; "
            f"the text is not a valid host name, and app-template renders it into {site} ({where} of HelmRelease "
            f"{applied.ns}/{applied.name}), so the API server rejects that object and the HelmRelease fails to install "
            "or upgrade",
            fix="add spec.postBuild (substitute/substituteFrom) to the Kustomization, or write the host name itself",
            key=f"HL205/values/{applied.ns}/{applied.name}/{where}",
        )
        finding.severity = "error"
        yield ctx.held(finding, ctx.suspended_ks(ks))


@check("HL206")
def invalid_variable_name(ctx: Context) -> Iterator[Finding]:
    for ks, obj, section, key in _source_keys(ctx):
        if not VALID_VAR_NAME.match(str(key)):
            yield ctx.at(
                "HL206",
                obj,
                (section, key),
                f"'{key}' is not a valid variable name, and {obj.kind} {obj.name} is used in substituteFrom "
                f"by {ks.label}: Flux fails the whole build ('var name is invalid')",
                key_node=True,
                fix="rename the key to letters, digits and underscores (not starting with a digit)",
            )
    yield from _invalid_external_secret_keys(ctx)
    seen: set[int] = set()
    for ks in ctx.flux.kustomizations:
        if ks.post_build is None:
            continue
        inline = ks.post_build.get("substitute") if ks.post_build else None
        if isinstance(inline, dict) and ks.obj is not None and id(ks.obj) not in seen:
            seen.add(id(ks.obj))
            for key in inline:
                if not VALID_VAR_NAME.match(str(key)):
                    yield ctx.at(
                        "HL206",
                        ks.obj,
                        ("spec", "postBuild", "substitute", key),
                        f"'{key}' is not a valid variable name: Flux fails the whole build",
                        key_node=True,
                        fix="rename the key to letters, digits and underscores (not starting with a digit)",
                    )


def _invalid_external_secret_keys(ctx: Context) -> Iterator[Finding]:
    """HL206 for the keys an ExternalSecret writes into a Secret a Kustomization substitutes from
    (variables.external_secret_keys): kustomize-controller validates every key of the Secret it
    reads, wherever it came from."""
    seen: set[int] = set()
    for ks in ctx.flux.kustomizations:
        if ks.post_build is None:
            continue
        for source in variables_of(ctx.repo, ks).sources:
            for maker in source.producers:
                if id(maker) in seen or maker.kind not in ("ExternalSecret", "ClusterExternalSecret"):
                    continue
                seen.add(id(maker))
                for key in external_secret_keys(maker)[0]:
                    if VALID_VAR_NAME.match(key.name):
                        continue
                    yield ctx.at(
                        "HL206",
                        maker,
                        key.field,
                        f"'{printable(key.name)}' is not a valid variable name, and {maker.kind} {maker.name} writes it into Secret "
                        f"{source.name}, which {ks.label} uses in substituteFrom: Flux fails the whole build ('var name is "
                        "invalid')",
                        key_node=key.is_key,
                        fix="rename the key to letters, digits and underscores (not starting with a digit)",
                    )


@check("HL207", needs_flux=True)
def substitute_from_own_build(ctx: Context) -> Iterator[Finding]:
    """A Kustomization whose required substituteFrom source only its own build, or a Kustomization
    that build applies, makes: kustomize-controller reads the source before it applies anything
    (fluxcd/pkg kustomize SubstituteVariables, loadVars: NotFound fails the build), so on a
    cluster that does not have it yet the Kustomization never applies what would make it."""
    seen: set[tuple[int, int]] = set()
    for ks in ctx.flux.kustomizations:
        if written_at(ks, ()) is None or ks.post_build is None or ks.target:
            continue  # a bootstrap root, no substitution, or another cluster's objects
        for source in variables_of(ctx.repo, ks).sources:
            ident = id(ks.obj) if ks.obj is not None else id(ks)
            if source.optional or (ident, source.index) in seen:
                continue
            makers = _makers(ctx, source.kind, ks.namespace, source.name)
            waiting = [m for m in makers if m.ks is not None and not _made_by_or_below(m.ks, ks) and _waits_for(ctx, m.ks, ks)]
            if not makers or any(m.ks is None or not _made_by_or_below(m.ks, ks) for m in makers if m not in waiting):
                continue  # made by nothing here (HL401/HL405), or by something that runs first
            if _bootstrapped_beside(ks, makers) or _made_before_flux(ctx, source.kind, ks.namespace, source.name, makers):
                continue
            files = sorted({m.obj.source.path for m in makers})
            seen.add((ident, source.index))
            first_waiting = waiting[0].ks if waiting else None
            if first_waiting is not None:
                made = f"{first_waiting.label} (it dependsOn this one)"
                made += " or what this one applies" if len(waiting) < len(makers) else ""
            else:
                made = "its own build" if all(m.ks is ks for m in makers) else "a Kustomization its build applies"
            # an operator's object (an ExternalSecret) that stays on the cluster makes it again once it is deleted
            deleted = " (or once it is deleted)" if all(m.obj.kind in ("Secret", "ConfigMap") for m in makers) else ""
            obj, keys = written_at(ks, ("spec", "postBuild", "substituteFrom", source.index, "name")) or (None, ())
            assert obj is not None
            yield ctx.at(
                "HL207",
                obj,
                keys,
                f"{ks.label} substitutes from {source.kind} '{source.name}', which only {made} makes "
                f"({files[0]}{' and more' if len(files) > 1 else ''}): kustomize-controller reads it before applying "
                f"anything and fails the build while it does not exist, so on a new cluster{deleted} nothing ever "
                "creates it",
                fix="make it in a Kustomization this one dependsOn (or its parent), apply it at bootstrap, or mark "
                "the source optional: true"
                + (f"; or drop the dependsOn of {first_waiting.label} on this one" if first_waiting is not None else ""),
            )


@check("HL208", needs_flux=True)
def values_from_waiting_dependent(ctx: Context) -> Iterator[Finding]:
    """A HelmRelease whose required valuesFrom ConfigMap or Secret only Kustomizations that dependsOn
    the HelmRelease's own Kustomization make, while that Kustomization waits for the release
    (`wait: true`, or a healthChecks entry naming it): helm-controller fails to compose the values
    while the source is missing (helm-controller ChartValuesFromReferences: "could not find"), the
    release never becomes Ready, nor does the Kustomization waiting for it, and kustomize-controller
    never applies what dependsOn it."""
    seen: set[tuple[int, int]] = set()
    for applied in ctx.flux.applied:
        obj, ks = applied.obj, applied.ks
        if obj.kind != "HelmRelease" or obj.group != "helm.toolkit.fluxcd.io" or ks is None or ks.obj is None or ks.target:
            continue
        entries = obj.spec.get("valuesFrom")
        if not isinstance(entries, list) or not _waits_for_named(ks, "HelmRelease", applied.name, applied.ns):
            continue
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or entry.get("optional") is True or (id(obj), index) in seen:
                continue
            kind, written = entry.get("kind"), entry.get("name")
            if kind not in ("ConfigMap", "Secret") or not isinstance(written, str):
                continue
            name = substituted_reference(ctx, applied, written)
            if not name:
                continue
            makers = _makers(ctx, kind, applied.ns, name)
            if not makers or not all(m.ks is not None and _waits_for(ctx, m.ks, ks) for m in makers):
                continue  # made by nothing here (HL401/HL405), or by something that runs first
            if _made_before_flux(ctx, kind, applied.ns, name, makers):
                continue
            files = sorted({m.obj.source.path for m in makers})
            seen.add((id(obj), index))
            maker = next(m.ks for m in makers if m.ks is not None)
            how = "wait: true" if ks.spec.get("wait") is True else "a healthChecks entry"
            yield ctx.at(
                "HL208",
                obj,
                ("spec", "valuesFrom", index, "name"),
                f"HelmRelease {printable(applied.name)} takes values from {kind} '{printable(name)}', which only "
                f"{maker.label} makes ({files[0]}{' and more' if len(files) > 1 else ''}), and it dependsOn {ks.label}, "
                f"which waits for this HelmRelease ({how}): helm-controller fails the release while the {kind} does not "
                f"exist, so {ks.label} never becomes ready and on a new cluster nothing ever creates it",
                fix=f"make the {kind} in a Kustomization that runs first, apply it at bootstrap, mark the valuesFrom entry "
                f"optional: true, or drop the dependsOn of {maker.label} on {ks.label}",
            )


# consumer-table rows whose references are a pod's: a missing one keeps the pod from starting
POD_ROWS = frozenset({"workload", "job", "pod", "app-template"})
WORD = {"secret": "Secret", "configmap": "ConfigMap"}


@check("HL209", needs_flux=True)
def pod_source_from_waiting_dependent(ctx: Context) -> Iterator[Finding]:
    """A workload (or an app-template HelmRelease) whose Kustomization waits for it, whose pods
    need a ConfigMap or Secret that only Kustomizations that dependsOn that Kustomization make: the
    pods never start without it (the kubelet's CreateContainerConfigError, a volume never mounted),
    so the Kustomization is never Ready and kustomize-controller never applies what would make it."""
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    waiting = {id(ks) for ks in ctx.flux.kustomizations if ks.spec.get("wait") is True or ks.spec.get("healthChecks")}
    if not waiting:
        return
    for kind, word in WORD.items():
        for node, edge in ctx.graph.uses(f"uses-{kind}"):
            applied, use = edge["applied"], edge["ref"]
            obj, ks = applied.obj, applied.ks
            if ks is None or id(ks) not in waiting or use.row not in POD_ROWS or use.optional or edge["guessed"]:
                continue
            field = tuple(edge["field"])
            if ks.obj is None or ks.target:
                continue
            if (id(obj), field) in seen or not _waits_for_object(ks, applied):
                continue
            makers = _makers(ctx, word, node.namespace, node.name)
            if not makers or not all(m.ks is not None and _waits_for(ctx, m.ks, ks) for m in makers):
                continue  # made by nothing here (HL401/HL405), or by something that runs first
            if _made_before_flux(ctx, word, node.namespace, node.name, makers):
                continue
            seen.add((id(obj), field))
            files = sorted({m.obj.source.path for m in makers})
            maker = next(m.ks for m in makers if m.ks is not None)
            how = "wait: true" if ks.spec.get("wait") is True else "a healthChecks entry"
            yield ctx.at(
                "HL209",
                obj,
                field,
                f"{obj.kind} {printable(applied.name)} needs {word} '{printable(node.name)}', which only {maker.label} "
                f"makes ({files[0]}{' and more' if len(files) > 1 else ''}), and it dependsOn {ks.label}, which waits "
                f"for this {obj.kind} ({how}): its pods do not start while the {word} does not exist, so {ks.label} "
                "never becomes ready and on a new cluster nothing ever creates it",
                fix=f"make the {word} in a Kustomization that runs first (or in {ks.label} itself), apply it at "
                f"bootstrap, mark the reference optional: true, or drop the dependsOn of {maker.label} on {ks.label}",
            )


def _waits_for_object(ks: FluxKS, applied: Applied) -> bool:
    """Whether `ks` is Ready only once the object is: `wait: true`, or a healthChecks entry naming it
    (a HelmRelease only while helm-controller waits for its resources at install, and none of its
    app-template controllers is a CronJob, whose pods Helm does not wait for)."""
    obj = applied.obj
    if obj.kind == "HelmRelease":
        install = obj.spec.get("install")
        if isinstance(install, dict) and install.get("disableWait") is True:
            return False  # Ready once installed, whether its pods start or not
        values = obj.spec.get("values")
        controllers = values.get("controllers") if isinstance(values, dict) else None
        if isinstance(controllers, dict) and any(
            isinstance(c, dict) and c.get("type") == "cronjob" for c in controllers.values()
        ):
            return False  # Helm does not wait for a CronJob's pods: which controller reads it is not told here
    return _waits_for_named(ks, obj.kind, applied.name, applied.ns)


def _made_by_operator(ctx: Context, kind: str, namespace: str, name: str) -> str | None:
    """The first object Flux applies that the producer table says makes the Secret or ConfigMap
    (an operator's resource: an InfisicalSecret, a Certificate), as `Kind name (file)`; None."""
    if kind not in ("Secret", "ConfigMap"):
        return None
    for edge in ctx.graph.producers_of(kind.lower(), namespace, name):
        obj = edge["applied"].obj
        if obj.kind != kind:
            return f"{obj.kind} {obj.name} ({obj.path})"
    return None


def _makers(ctx: Context, kind: str, namespace: str, name: str) -> list[Any]:
    """What Flux applies that makes the ConfigMap or Secret: the object itself, an ExternalSecret or
    ClusterExternalSecret that writes the Secret, or an operator's resource the producer table says
    makes it by that name (a PocketIDOIDCClient, an InfisicalSecret), each once."""
    makers = ctx.flux.applications_named(kind, namespace, name)
    if kind == "Secret":
        makers = makers + external_secret_makers(ctx.repo, namespace, name)
    if kind in ("Secret", "ConfigMap"):
        for edge in ctx.graph.producers_of(kind.lower(), namespace, name):
            makers.append(edge["applied"])
    return list({id(m): m for m in makers}.values())


def _made_before_flux(ctx: Context, kind: str, namespace: str, name: str, makers: list[Any]) -> bool:
    """Whether the ConfigMap or Secret is there before Flux needs it: listed in secrets.external or
    configmaps.external, defined in a folder no Flux Kustomization builds, or in a file a bootstrap
    script names (_applied_by_hand)."""
    external = ctx.config.external_secrets if kind == "Secret" else ctx.config.external_configmaps
    if listed_external(external, namespace, name) or outside_flux(ctx, kind.lower(), namespace, name):
        return True
    return _applied_by_hand(ctx, sorted({m.obj.source.path for m in makers}))


def _waits_for_named(ks: FluxKS, kind: str, name: str, namespace: str) -> bool:
    """Whether `ks` is Ready only once the object is: `wait: true` (every object it applies), or a
    healthChecks entry naming it (in the Kustomization's namespace when it names none)."""
    if ks.spec.get("wait") is True:
        return True
    checks = ks.spec.get("healthChecks")
    return any(
        isinstance(entry, dict)
        and entry.get("kind") == kind
        and entry.get("name") == name
        and (entry.get("namespace") or ks.namespace) == namespace
        for entry in (checks if isinstance(checks, list) else [])
    )


def _bootstrapped_beside(ks: FluxKS, makers: list[Any]) -> bool:
    """Whether `ks` is a root (applied by the bootstrap, not by a Kustomization of the repository)
    and each Kustomization that makes the source is defined in the same folder as `ks`: a bootstrap
    that applies that folder by hand (`kubectl apply -k`) creates them together, and the maker,
    which needs no substitution, makes the source first."""
    if ks.obj is None or (ks.parent is not None and ks.parent.obj is not None):
        return False
    folder = posixpath.dirname(ks.obj.path)
    return all(m.ks is not ks and m.ks.obj is not None and posixpath.dirname(m.ks.obj.path) == folder for m in makers)


def _waits_for(ctx: Context, maker: FluxKS, ks: FluxKS) -> bool:
    """Whether `maker`, or a Kustomization that applies it, dependsOn `ks` (directly or through a
    chain of dependsOn): kustomize-controller applies nothing of it until `ks` is Ready."""
    index: dict[tuple[str, str], list[FluxKS]] = ctx.repo.memo(
        "rules.placeholders.ks-by-name",
        lambda: _ks_by_name(ctx),
    )
    todo: list[FluxKS] = []
    current: FluxKS | None = maker
    while current is not None and current.obj is not None and current not in todo:
        todo.append(current)
        current = current.parent
    seen = {id(k) for k in todo}
    while todo:
        current = todo.pop()
        for _index, name, namespace in depends_on(current.spec):
            for dependency in index.get((namespace or current.namespace, name), []):
                if dependency is ks or dependency.obj is ks.obj:
                    return True
                if id(dependency) not in seen:
                    seen.add(id(dependency))
                    todo.append(dependency)
    return False


def _ks_by_name(ctx: Context) -> dict[tuple[str, str], list[FluxKS]]:
    """(namespace, name) -> the Flux Kustomizations of that id."""
    found: dict[tuple[str, str], list[FluxKS]] = {}
    for ks in ctx.flux.kustomizations:
        found.setdefault((ks.namespace, ks.name), []).append(ks)
    return found


def _made_by_or_below(maker: FluxKS, ks: FluxKS) -> bool:
    """Whether `maker` is `ks` (in any context: the same Kustomization applied by another parent)
    or a Kustomization below it."""
    seen: set[int] = set()
    current: FluxKS | None = maker
    while current is not None and id(current) not in seen:
        if current is ks or (current.obj is not None and current.obj is ks.obj):
            return True
        seen.add(id(current))
        current = current.parent
    return False


# a path part a script fills in: {{.C}}, {{ .CLUSTER }}, ${CLUSTER}, $CLUSTER
TEMPLATED_PART = r"(?:\{\{[ \w.$-]{1,64}\}\}|\$\{\w{1,64}\}|\$\w{1,64})"


def _applied_by_hand(ctx: Context, files: list[str]) -> bool:
    """Whether a file Flux does not apply (a script, a Taskfile, a README; not a manifest) names one of `files`:
    its name as a whole path part, or its folder (last two parts) followed by `/` or the end of a
    word, as `kubectl apply -f dir/file.yaml`, `-k dir` or `-f dir/*.yaml` would (its parent part
    may be a variable the script fills in: clusters/{{.C}}/config): a bootstrap that applies it
    first. Another manifest of the folder, `dir/other.yaml`, applies itself only (kubectl's `-f`
    takes a file or a folder); another kind of file (`dir/vars.env`, a template) may make anything. A SOPS configuration names files to encrypt, not to apply: not read. A kustomization names
    files relative to its folder: one no Flux Kustomization builds counts when an entry is one of
    `files` or its folder (`kubectl apply -k` of it), not when it names another file so called."""
    unbuilt = ctx.repo.memo(
        "rules.placeholders.unbuilt-entries",
        lambda: {
            entry.target for kd in ctx.repo.kustomize_dirs.values() if kd.dir not in ctx.flux.reached_dirs for entry in kd.entries
        },
    )
    if any(path in unbuilt or posixpath.dirname(path) in unbuilt for path in files):
        return True
    names = {re.escape(posixpath.basename(path)) for path in files}
    folders = set()
    for path in files:
        parts = posixpath.dirname(path).split("/")[-2:]
        if parts != [""]:
            folders.add(re.escape("/".join(parts)))
        if len(parts) == 2:  # a script that writes the cluster's folder as a variable: clusters/{{.C}}/config
            folders.add(f"{TEMPLATED_PART}/{re.escape(parts[1])}")
    whole = [rf"(?<![\w.-]){name}(?![\w.:-])" for name in sorted(names)]
    folder = [rf"(?<![\w.-]){name}(?:/?(?![\w.:/-])|/(?![\w.-]*\.ya?ml(?![\w.:/-])))" for name in sorted(folders)]
    pattern = re.compile("|".join(whole + folder), re.M)
    texts = [
        text
        for path, text in unapplied_files(ctx, outside_flux_tree=False)
        if posixpath.basename(path) != SOPS_CONFIG
        and posixpath.basename(path) not in KUSTOMIZATION_NAMES
        and not _manifest(ctx, path)
    ]
    return any(pattern.search(text) for text in texts) or any(_found_by_find(text, files) for text in texts)


def _manifest(ctx: Context, path: str) -> bool:
    """Whether a file holds Kubernetes objects only (a FluxInstance whose sync.path names a folder
    applies nothing by hand: flux-operator makes a Kustomization of it)."""
    parsed = ctx.repo.parsed.get(path)
    docs = [doc for doc in parsed.docs if doc is not None] if parsed is not None else []
    return bool(docs) and all(isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc for doc in docs)


# `find DIR ... -name GLOB` (or -iname): the files a bootstrap that applies what it finds applies
_FIND = re.compile(r"\bfind\s+[\"']?([^\s\"'|;]{1,1000})[\"']?[^|;\n]{0,200}?\s-i?name\s+[\"']?([^\s\"'|;]{1,200})")


def _found_by_find(text: str, files: list[str]) -> bool:
    """Whether a text that applies files (`kubectl ... apply`) picks one of `files` with `find DIR
    -name GLOB`: its name matches GLOB and a folder above it is named as DIR's last part (DIR may
    start with a variable the script fills in: `{{.KUBERNETES_DIR}}/flux`)."""
    if "apply" not in text or "find" not in text:
        return False
    for folder, glob in _FIND.findall(text):
        last = folder.rstrip("/").rsplit("/", 1)[-1]
        if not last or not re.fullmatch(r"[\w.-]+", last) or last in (".", ".."):
            continue  # the whole folder is a variable, or the working directory: not known
        for path in files:
            above = posixpath.dirname(path).split("/")
            if last in above and fnmatch.fnmatchcase(posixpath.basename(path), glob):
                return True
    return False
