"""HL406 and HL407: the key a HelmRelease's valuesFrom, or a container's env valueFrom, reads is in
the ConfigMap or Secret it names (HL407: the kubelet's "couldn't find key").

helm-controller (fluxcd/pkg chartutil ChartValuesFromReferences) gets each `spec.valuesFrom`
object from the HelmRelease's namespace and reads `Data[valuesKey]` (valuesKey defaults to
`values.yaml`; a ConfigMap's binaryData is not read, a Secret's stringData is in its data once
applied). A missing key fails the release (ValuesError, ErrKeyNotFound), with or without
targetPath; an `optional: true` reference skips it (logged), as it skips a missing object.

The keys are judged only when every object of that name the cluster gets from the repository
shows all its keys: a ConfigMap or Secret manifest (SOPS keeps key names in clear) or a
generator's object, as the build and Flux's substitution leave it. Anything else that may write
it (an ExternalSecret, a chart, an operator, a source homelint does not follow, a generator env
file it cannot read, a key name with a variable it cannot resolve) makes the keys unknown: no
finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from homelint.core.context import Context
from homelint.core.model import Finding, K8sObject
from homelint.model.flux import Applied
from homelint.model.graph import ANY_NAMESPACE, Edge, RefNode
from homelint.model.helmvalues import substituted_text
from homelint.model.namerefs import hashed_reference
from homelint.model.refs import get
from homelint.model.withheld import SSA, matching_pair
from homelint.rules.common import close_matches, foreign_namespaces, listed_external, outside_flux
from homelint.rules.esotemplates import data_keys
from homelint.rules.registry import check

if TYPE_CHECKING:
    from homelint.model.graph import Produced

DEFAULT_VALUES_KEY = "values.yaml"  # fluxcd/pkg apis/meta ValuesReference.GetValuesKey
WORD = {"configmap": "ConfigMap", "secret": "Secret"}
OWN_ROW = {"configmap": "configmap", "secret": "secret"}  # schemas/producers.yaml: the object itself
SEALED_ROW = "sealed-secret"  # schemas/producers.yaml: a SealedSecret, whose keys are in clear
EXTERNAL_SECRET_ROW = "external-secret"  # schemas/producers.yaml: an ExternalSecret (keys known when data-only)
# kustomize-controller applies these without removing what others wrote (Merge), or not over an
# object that exists (IfNotPresent): the cluster's object may hold keys the repository does not show
KEEPS_OTHERS = ((SSA, "merge"), (SSA, "ifnotpresent"))
SHOWN_KEYS = 8


@check("HL406", needs_flux=True)
def missing_values_key(ctx: Context) -> Iterator[Finding]:
    foreign = foreign_namespaces(ctx)
    seen: set[tuple[str, int, int]] = set()
    for kind, word in WORD.items():
        produced = ctx.graph.produced(kind)
        external = ctx.config.external_secrets if kind == "secret" else ctx.config.external_configmaps
        for node, edge in ctx.graph.uses(f"uses-{kind}"):
            applied, field = edge["applied"], tuple(edge["field"])
            obj = applied.obj
            if obj.kind != "HelmRelease" or len(field) != 4 or field[:2] != ("spec", "valuesFrom") or field[3] != "name":
                continue
            if edge["ref"].optional or edge["guessed"] or (applied.ks is not None and applied.ks.target):
                continue  # optional: helm-controller skips a missing key; another cluster: not modelled
            ns, name = node.namespace, node.name
            if ns in foreign or listed_external(external, ns, name) or outside_flux(ctx, kind, ns, name):
                continue  # something outside what homelint reads may make it
            entries = obj.spec.get("valuesFrom")
            entry = entries[field[2]] if isinstance(entries, list) and field[2] < len(entries) else None
            written = entry.get("valuesKey") if isinstance(entry, dict) else None
            if written is not None and not isinstance(written, str):
                continue
            values_key = substituted_text(ctx.repo, applied, written) if written else DEFAULT_VALUES_KEY
            if not values_key:
                continue
            keys = _keys(ctx, produced, node, edge, kind)
            if keys is None or values_key in keys[0]:
                continue
            where = (obj.path, obj.doc, field[2])
            if where in seen:
                continue
            seen.add(where)
            data, binary, shown = keys
            yield _finding(ctx, obj, field, word, ns, name, values_key, written, data, binary, shown)


KEY_REFS = {"configMapKeyRef": "configmap", "secretKeyRef": "secret"}


@check("HL407", needs_flux=True)
def missing_env_key(ctx: Context) -> Iterator[Finding]:
    """HL407: an env `valueFrom.configMapKeyRef`/`secretKeyRef` whose key the ConfigMap or Secret
    it names does not have (kubelet makeEnvironmentVariables: "couldn't find key K in ConfigMap
    ns/name", CreateContainerConfigError), judged as HL406 judges keys: only when every object of
    that name the cluster gets from the repository shows all its keys."""
    foreign = foreign_namespaces(ctx)
    seen: set[tuple[str, int, tuple[Any, ...]]] = set()
    for kind, word in WORD.items():
        produced = ctx.graph.produced(kind)
        external = ctx.config.external_secrets if kind == "secret" else ctx.config.external_configmaps
        for node, edge in ctx.graph.uses(f"uses-{kind}"):
            applied, field = edge["applied"], tuple(edge["field"])
            keyed = "keyed" in edge["ref"].flags and len(field) >= 2 and field[-1] == "name"
            env = len(field) >= 4 and field[-1] == "name" and field[-3] == "valueFrom" and KEY_REFS.get(field[-2]) == kind
            if not env and not keyed:
                continue
            if edge["ref"].optional or edge["guessed"] or (applied.ks is not None and applied.ks.target):
                continue  # optional: the kubelet starts the container without it; another cluster: not modelled
            obj = applied.obj
            ref = get(obj.data, field[:-1])
            written = ref.get("key") if isinstance(ref, dict) else None
            if not isinstance(written, str) or not written or (isinstance(ref, dict) and ref.get("optional") is True):
                continue
            ns, name = node.namespace, node.name
            if ns in foreign or listed_external(external, ns, name) or outside_flux(ctx, kind, ns, name):
                continue  # something outside what homelint reads may make it
            key = substituted_text(ctx.repo, applied, written) if "${" in written else written
            if not key:
                continue
            keys = _keys(ctx, produced, node, edge, kind)
            if keys is None or key in keys[0] or (kind == "configmap" and key in keys[1]):
                continue  # a ConfigMap's binaryData keys are env sources too
            where = (obj.path, obj.doc, field)
            if where in seen:
                continue
            seen.add(where)
            data, _, shown = keys
            listed = sorted(data)
            more = f" and {len(listed) - SHOWN_KEYS} more" if len(listed) > SHOWN_KEYS else ""
            has = f"its keys are {', '.join(listed[:SHOWN_KEYS])}{more}" if listed else "it has no data keys"
            close = close_matches(key, listed, n=1)
            yield ctx.at(
                "HL407",
                obj,
                (*field[:-1], "key"),
                f"{obj.kind} {obj.name} reads key '{key}' of {word} '{name}' in namespace {ns} ({shown}), which has no "
                f"such key: {has}; "
                + (
                    f"the kubelet does not start the container (CreateContainerConfigError: couldn't find key {key} in "
                    f"{word} {ns}/{name})"
                    if env
                    else f"its controller fails where it reads it (missing key {key} in {word} {name})"
                ),
                fix=(f"read key {close[0]}, " if close else "fix the key, ")
                + f"add the key to the {word}, or mark the reference optional: true",
                key=f"HL407/{obj.kind}/{obj.name}/{'.'.join(map(str, field))}/{ns}/{name}/{key}",
            )


def _finding(
    ctx: Context,
    obj: K8sObject,
    field: tuple[Any, ...],
    word: str,
    ns: str,
    name: str,
    values_key: str,
    written: Any,
    data: set[str],
    binary: set[str],
    shown: str,
) -> Finding:
    default = "" if written else " (the default valuesKey)"
    listed = sorted(data)
    if listed:
        more = f" and {len(listed) - SHOWN_KEYS} more" if len(listed) > SHOWN_KEYS else ""
        has = f"its keys are {', '.join(listed[:SHOWN_KEYS])}{more}"
    else:
        has = "it has no data keys"
    if values_key in binary:
        has += f"; '{values_key}' is in its binaryData, which helm-controller does not read"
    close = [listed[0]] if len(listed) == 1 else close_matches(values_key, listed, n=1)
    what = (
        f"{obj.kind} {obj.name} reads key '{values_key}'{default} of {word} '{name}' in namespace {ns} "
        f"({shown}), which has no such key: {has}; helm-controller fails the release "
        f"(ValuesError: key not found)"
    )
    rename = f"name the key {values_key} in the {word}"
    if shown.startswith("generated"):
        rename += f" (a generator's files: entry names its key as {values_key}=<file>)"
    fix = f"set valuesKey: {close[0]} on this valuesFrom entry, or {rename}" if close else f"set valuesKey, or {rename}"
    at = (*field[:3], "valuesKey") if written else field
    return ctx.at("HL406", obj, at, what, fix=fix, key=f"HL406/{obj.kind}/{obj.name}/{field[2]}/{ns}/{name}/{values_key}")


def _scope(ctx: Context, applied: Applied) -> str:
    """The cluster an object goes to (a Flux root's; with guessed roots, they may be one cluster)."""
    return applied.ks.cluster if applied.ks is not None and ctx.flux.roots_known else ""


def _keys(ctx: Context, produced: Produced, node: RefNode, edge: Edge, kind: str) -> tuple[set[str], set[str], str] | None:
    """(the data keys, the binaryData keys, where they are) of the object the reference names, as
    the cluster of the referrer gets it from the repository; None when they cannot all be known
    (see the module doc) or nothing there makes it (HL401/HL405)."""
    ns, name = node.namespace, node.name
    if name in produced.names.get(ANY_NAMESPACE, set()) or produced.mirrored(ns, name):
        return None  # Kubernetes or a mirroring operator makes it in every namespace (or in this one)
    if any(p.fullmatch(name) for space in (ns, ANY_NAMESPACE) for p in produced.patterns.get(space, [])):
        return None  # a producer whose name cannot be computed may make it
    referrer: Applied = edge["applied"]
    scope = _scope(ctx, referrer)
    generated = produced.hashed.get((ns, name))
    if generated is not None and hashed_reference(ctx.repo, edge, generated) is not None:
        return None  # kustomize leaves the name, which the cluster does not have: HL405/HL401
    makers: list[Applied] = []
    for made in ctx.graph.producers_of(kind, ns, name):
        applied: Applied = made["applied"]
        if applied.ks is None or _scope(ctx, applied) != scope:
            continue
        sealed = kind == "secret" and made["row"] == SEALED_ROW and applied.obj.kind == "SealedSecret"
        external = kind == "secret" and made["row"] == EXTERNAL_SECRET_ROW and applied.obj.kind == "ExternalSecret"
        if not sealed and not external and (made["row"] != OWN_ROW[kind] or applied.obj.kind != WORD[kind]):
            return None  # made by an operator, a chart, an ExternalSecret ...: keys unknown
        if generated is None and not external and applied.name != name:
            continue  # a renamed object still answers to its written name in the graph: not on the cluster
        makers.append(applied)
    if generated is not None and any(a.ks is referrer.ks for a in makers):
        makers = [a for a in makers if a.ks is referrer.ks]  # kustomize rewrites the reference within its build
    if not makers:
        return None
    data: set[str] = set()
    binary: set[str] = set()
    for applied in makers:
        found = _object_keys(ctx, applied)
        if found is None:
            return None
        data |= found[0]
        binary |= found[1]
    paths = sorted({a.obj.path for a in makers})
    if all(a.obj.kind == "ExternalSecret" for a in makers):
        made_by = "written with the data[].secretKey entries of the ExternalSecret in"
    else:
        made_by = "generated in" if all(a.obj.anchor is not None for a in makers) else "defined in"
    return data, binary - data, f"{made_by} {', '.join(paths)}"


def _object_keys(ctx: Context, applied: Applied) -> tuple[set[str], set[str]] | None:
    """(data keys, binaryData keys) of one applied ConfigMap or Secret (a Secret's stringData
    lands in its data), or of the Secret a SealedSecret unseals to; None when they cannot all be
    known."""
    obj = applied.obj
    if applied.unread or not ctx.flux.keys_known(obj):
        return None  # a transformer the model does not apply, or a generator env file it cannot read
    if applied.ks is not None and matching_pair(obj.data, applied.ks.data, KEEPS_OTHERS) is not None:
        return None
    if obj.kind == "SealedSecret":
        return _sealed_keys(ctx, applied)
    if obj.kind == "ExternalSecret":
        return _external_secret_keys(ctx, applied)
    sections = ("data", "stringData") if obj.kind == "Secret" else ("data", "binaryData")
    found: list[set[str]] = [set(), set()]
    for index, section in enumerate(sections):
        values = obj.data.get(section)
        if values is None:
            continue
        if not isinstance(values, dict):
            return None
        for key in values:
            text = str(key)
            resolved = substituted_text(ctx.repo, applied, text) if "${" in text else text
            if resolved is None:
                return None  # a variable Flux substitutes in the key name that cannot be read here
            found[0 if obj.kind == "Secret" else index].add(resolved)
    return found[0], found[1]


def _external_secret_keys(ctx: Context, applied: Applied) -> tuple[set[str], set[str]] | None:
    """The keys of the Secret an ExternalSecret writes when it writes exactly what it fetches: each
    spec.data[].secretKey (esotemplates.data_keys), with no dataFrom, no target.template (its data
    or templateFrom decide the keys) and no target.manifest, and a creationPolicy that makes the
    Secret (Owner, the default, or Orphan; Merge fills one made elsewhere, None makes none). None
    otherwise."""
    spec = applied.obj.spec
    target = spec.get("target", {})
    if not isinstance(target, dict) or target.get("template") is not None or target.get("manifest") is not None:
        return None
    if target.get("creationPolicy", "Owner") not in ("Owner", "Orphan"):
        return None
    keys = data_keys(ctx, applied, spec)
    return (set(keys), set()) if keys is not None else None


def _sealed_keys(ctx: Context, applied: Applied) -> tuple[set[str], set[str]] | None:
    """The data keys of the Secret a SealedSecret unseals to (sealed-secrets SealedSecret.Unseal):
    each key of spec.encryptedData, and each key of spec.template.data, whose value is a template
    of them. None when they cannot all be known: the deprecated spec.data (the whole Secret
    encrypted), a template value that is null (newer controllers delete that key, older ones
    keep it empty), a key name with a variable that cannot be read."""
    spec = applied.obj.spec
    template = spec.get("template")
    if spec.get("data") is not None or not isinstance(template, (dict, type(None))):
        return None
    keys: set[str] = set()
    for values in (spec.get("encryptedData"), template.get("data") if template else None):
        if values is None:
            continue
        if not isinstance(values, dict):
            return None
        for key, value in values.items():
            text = str(key)
            resolved = substituted_text(ctx.repo, applied, text) if "${" in text else text
            if value is None or resolved is None:
                return None
            keys.add(resolved)
    return keys, set()
