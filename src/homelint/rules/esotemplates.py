"""HL409 externalsecret-template-syntax: an External Secrets template Go's parser refuses.

External Secrets renders each `spec.target.template.data` value, `metadata` label and annotation
and `templateFrom[].literal` of an ExternalSecret (a ClusterExternalSecret's `externalSecretSpec`,
a PushSecret's `spec.template`) with Go's text/template (pkg/template/v2: tpl.New(key)
.Funcs(...).Parse); a parse error fails the whole object ('unable to parse template'), and the
Secret is never written or updated. Only what the parser always refuses is judged
(core.gotemplate): a key with `-` read as a field, an action or a quoted string never closed.

HL410 externalsecret-template-missing-key: a template that always reads a key the data lacks.
External Secrets (0.9.19 and later: pkg/template/v2 execute, Option("missingkey=error")) runs the
template over the data it fetched, keyed by each `spec.data[].secretKey`; `.name` on a key it lacks
fails the object ('map has no entry for key'). Judged only where the keys are all known: no
`dataFrom` (whose keys come from the provider), every secretKey known after substitution.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.gotemplate import root_reads, template_problem
from homelint.core.model import Finding, K8sObject, dig
from homelint.loading.safeio import printable
from homelint.model.flux import Applied
from homelint.model.versions import Version, versions_of
from homelint.rules.common import applied_once, close_matches, substituted_reference
from homelint.rules.registry import check

ESO_GROUP = "external-secrets.io"
# where each kind holds its template
TEMPLATE_AT: dict[str, tuple[str, ...]] = {
    "ExternalSecret": ("spec", "target", "template"),
    "ClusterExternalSecret": ("spec", "externalSecretSpec", "target", "template"),
    "PushSecret": ("spec", "template"),
}

# where each kind that fetches its own data holds it (a PushSecret's data is a Secret's: not read)
SPEC_AT: dict[str, tuple[str, ...]] = {
    "ExternalSecret": ("spec",),
    "ClusterExternalSecret": ("spec", "externalSecretSpec"),
}
MISSING_KEY_SINCE = Version(0, 9, 19)  # external-secrets#3480: templates run with missingkey=error
SHOWN_KEYS = 6


@check("HL409", needs_flux=True)
def template_syntax(ctx: Context) -> Iterator[Finding]:
    for obj in applied_once(ctx, ESO_GROUP, TEMPLATE_AT):
        yield from _object_templates(ctx, obj)


def _object_templates(ctx: Context, obj: K8sObject) -> Iterator[Finding]:
    for keys, written, label in _template_texts(obj):
        if not isinstance(written, str):
            continue
        text, problem = _as_substituted(ctx, obj, written)
        if problem is None:
            continue
        after = f" (as Flux substitutes it: '{printable(text, 80)}')" if text != written else ""
        if problem.word:
            why = (
                f"'{printable(problem.word, 60)}' has a '-', which ends a name in a Go template: the parser reads "
                f"'-{printable(problem.word.split('-', 1)[1], 40)}' as a number (bad number syntax)"
            )
            fix = f'read a key with a dash through index: {{{{ index . "{printable(problem.word, 60)}" }}}}'
            if after:  # the dash comes from a variable: the written key, ${VAR} and all, goes inside the quotes
                fix = 'read the key through index, with the ${VAR} inside the quotes: {{ index . "${VAR}_key" }}'
        elif problem.function:
            name = printable(problem.function, 60)
            why = (
                f"'{name}' has no leading dot, so the parser reads it as a call of a function, and no function has "
                f'that name: function "{name}" not defined'
            )
            fix = f"read a key of the data with a leading dot: {{{{ .{name} }}}}"
        else:
            why = f"Go's template parser fails: {problem.why}"
            fix = "close every {{ with }} and every quoted string inside it"
        yield ctx.at(
            "HL409",
            obj,
            keys,
            f"{obj.kind} {obj.name}: the template of {label}{after} does not parse ({why}), so External Secrets fails the "
            "whole object ('unable to parse template') and never writes the Secret",
            fix=fix,
        )


def _template_texts(obj: K8sObject) -> list[tuple[tuple[Any, ...], Any, str]]:
    """(where, value, label for messages) of each text External Secrets renders as a template."""
    at = TEMPLATE_AT[obj.kind]
    template = dig(obj.data, at)
    if not isinstance(template, dict):
        return []
    texts: list[tuple[tuple[Any, ...], Any, str]] = []
    data = template.get("data")
    if isinstance(data, dict):
        texts.extend(((*at, "data", key), value, f"key '{printable(str(key), 60)}'") for key, value in data.items())
    metadata = template.get("metadata")
    for field in ("labels", "annotations"):  # rendered as templates too (Execute's labelsTpl, annotationsTpl)
        found = metadata.get(field) if isinstance(metadata, dict) else None
        if isinstance(found, dict):
            texts.extend(
                ((*at, "metadata", field, key), value, f"{field[:-1]} '{printable(str(key), 60)}'")
                for key, value in found.items()
            )
    sources = template.get("templateFrom")
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(source, dict):
            texts.append(((*at, "templateFrom", index, "literal"), source.get("literal"), f"templateFrom[{index}].literal"))
    return texts


@check("HL410", needs_flux=True)
def template_missing_key(ctx: Context) -> Iterator[Finding]:
    versions = versions_of(ctx.repo)
    seen: set[tuple[Any, ...]] = set()
    for applied in ctx.flux.applied:
        obj = applied.obj
        if obj.kind not in SPEC_AT or not obj.group.startswith(ESO_GROUP) or obj.is_sops:
            continue
        if applied.unread or applied.maybe_changed:
            continue  # a transformer the model does not apply may change it
        template = dig(obj.data, TEMPLATE_AT[obj.kind])
        if not isinstance(template, dict) or template.get("engineVersion", "v2") != "v2":
            continue
        keys = data_keys(ctx, applied, dig(obj.data, SPEC_AT[obj.kind]))
        if keys is None:
            continue
        installs = versions.for_object("external-secrets", obj)
        if any(i.pinned or i.version < MISSING_KEY_SINCE for i in installs):
            continue  # before 0.9.19 a missing key renders as '<no value>'
        for where, written, label in _template_texts(obj):
            if not isinstance(written, str):
                continue
            text = substituted_reference(ctx, applied, written)
            reads = root_reads(text) if text is not None else None
            missing = next((r.name for r in reads or () if r.name not in keys), None)
            if missing is None or (obj.path, obj.doc, where, missing) in seen:
                continue
            seen.add((obj.path, obj.doc, where, missing))
            yield _missing_key(ctx, obj, where, label, missing, keys, installs)


def data_keys(ctx: Context, applied: Applied, spec: Any) -> list[str] | None:
    """The keys of the data External Secrets fetches for a spec: each `data[].secretKey`, as Flux
    substitutes it. None when they are not all known: a `dataFrom` entry (its keys are the
    provider's), an entry without a readable secretKey, a variable whose value is not known."""
    if not isinstance(spec, dict) or spec.get("dataFrom"):
        return None
    entries = spec.get("data")
    if entries is None:
        return []
    if not isinstance(entries, list):
        return None
    keys: list[str] = []
    for entry in entries:
        written = entry.get("secretKey") if isinstance(entry, dict) else None
        key = substituted_reference(ctx, applied, written) if isinstance(written, str) else None
        if not key:
            return None
        keys.append(key)
    return keys


def _missing_key(
    ctx: Context, obj: K8sObject, where: tuple[Any, ...], label: str, missing: str, keys: list[str], installs: list[Any]
) -> Finding:
    name = printable(missing, 60)
    has = ", ".join(printable(k, 40) for k in sorted(keys)[:SHOWN_KEYS]) + (", ..." if len(keys) > SHOWN_KEYS else "")
    what = f"its data has the keys {has}" if keys else "its spec.data is empty"
    near = close_matches(missing, keys, n=1)
    fix = f"read '{printable(near[0], 60)}' (the secretKey spec.data names)" if near else "read a key spec.data names"
    fix += f", or add a spec.data entry with secretKey: {name}"
    release = installs[0].label if installs else "External Secrets"
    if not installs or not installs[0].known:
        fix += "; or, if the cluster runs External Secrets before 0.9.19, set versions.external-secrets in .homelint.yaml"
    return ctx.at(
        "HL410",
        obj,
        where,
        f"{obj.kind} {obj.name}: the template of {label} reads .{name}, but {what}; {release} runs templates with "
        f"missingkey=error and fails the object ('map has no entry for key \"{name}\"'), so the Secret is never "
        "written or updated",
        fix=fix,
    )


def _as_substituted(ctx: Context, obj: K8sObject, written: str) -> tuple[str, Any]:
    """The text External Secrets parses and its problem (core.gotemplate), or (written, None):
    Flux substitutes `${VAR}` in the whole object before it is applied, so `{{ .${APP}_password }}`
    with APP=app-a is `{{ .app-a_password }}`. Judged as each Kustomization applying it substitutes
    it, where the value is known and comes from no Secret (common.substituted_reference: a message
    must not print a Secret's value; the first that fails); the written text where none substitutes."""
    if "${" not in written:
        return written, template_problem(written)
    texts = [substituted_reference(ctx, applied, written) for applied in ctx.flux.applications_of(obj)]
    for text in dict.fromkeys(t for t in texts if t is not None):
        problem = template_problem(text)
        if problem is not None:
            return text, problem
    return written, None
