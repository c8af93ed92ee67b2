"""HL409 externalsecret-template-syntax: an External Secrets template Go's parser refuses.

External Secrets renders each `spec.target.template.data` value, `metadata` label and annotation
and `templateFrom[].literal` of an ExternalSecret (a ClusterExternalSecret's `externalSecretSpec`,
a PushSecret's `spec.template`) with Go's text/template (pkg/template/v2: tpl.New(key)
.Funcs(...).Parse); a parse error fails the whole object ('unable to parse template'), and the
Secret is never written or updated. Only what the parser always refuses is judged
(core.gotemplate): a key with `-` read as a field, an action or a quoted string never closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.gotemplate import template_problem
from homelint.core.model import Finding, K8sObject, dig
from homelint.loading.safeio import printable
from homelint.rules.common import applied_once, substituted_reference
from homelint.rules.registry import check

ESO_GROUP = "external-secrets.io"
# where each kind holds its template
TEMPLATE_AT: dict[str, tuple[str, ...]] = {
    "ExternalSecret": ("spec", "target", "template"),
    "ClusterExternalSecret": ("spec", "externalSecretSpec", "target", "template"),
    "PushSecret": ("spec", "template"),
}


@check("HL409", needs_flux=True)
def template_syntax(ctx: Context) -> Iterator[Finding]:
    for obj in applied_once(ctx, ESO_GROUP, TEMPLATE_AT):
        yield from _object_templates(ctx, obj)


def _object_templates(ctx: Context, obj: K8sObject) -> Iterator[Finding]:
    at = TEMPLATE_AT[obj.kind]
    template = dig(obj.data, at)
    if not isinstance(template, dict):
        return
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
    for keys, written, label in texts:
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
