"""HL610 invalid-label: label and annotation keys, and label values, the API server rejects.

k8s.io/apimachinery ValidateLabels (every key IsQualifiedName, every value IsValidLabelValue) and
ValidateAnnotations (every key IsQualifiedName once lowercased), which the API server runs on the
metadata of every object, custom resources included, and on a pod template's and a selector's
labels (common.string_maps). kustomize checks neither: a JSON6902 `add` at
`/metadata/annotations/-` builds an annotation named `-`, and kustomize-controller's apply of the
object fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.k8snames import label_key_problem, label_value_problem
from homelint.core.model import Finding, dig
from homelint.loading.safeio import printable
from homelint.rules.common import bounded, string_maps, unbuildable
from homelint.rules.registry import check

SHOWN = 80  # characters of a key or value a message quotes


@check("HL610", needs_flux=True)
def invalid_label(ctx: Context) -> Iterator[Finding]:
    """One finding per key or value of an object as its Kustomizations apply it (patches and label
    transformers included), naming each of them. Text with `$` is left to post-build substitution
    (HL205 judges the substituted text); a value that is no string is HL604's."""
    found: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...], bool, str, list[Any]]] = {}
    for applied in ctx.flux.applied:
        ks, obj = applied.ks, applied.obj
        if ks is None or (ks.obj is None and not ks.synced) or applied.unread or applied.maybe_changed or obj.is_sops:
            continue
        for keys in string_maps(obj):
            values = dig(obj.data, keys)
            if not isinstance(values, dict):
                continue
            for key, value in values.items():
                for is_key, text in ((True, key), (False, value)):
                    if not isinstance(text, str) or "$" in text:
                        continue
                    problem = _problem(keys, text, is_key)
                    if not problem:
                        continue
                    ident = (id(obj), keys, key, is_key)
                    if ident not in found:
                        found[ident] = (applied, (*keys, key), is_key, problem, [])
                    if all(k is not ks for k in found[ident][4]):
                        found[ident][4].append(ks)
    for applied, field, is_key, problem, kss in found.values():
        kss = [ks for ks in kss if unbuildable(ctx, ks) is None]  # a build that fails applies nothing
        if not kss:
            continue
        obj = applied.obj
        labels = sorted({k.label for k in kss})
        who = bounded(labels)
        where = ".".join(map(str, field[:-1]))
        key = printable(str(field[-1]), SHOWN)
        if is_key:
            what = f"the {'annotation' if field[-2] == 'annotations' else 'label'} key '{key}'"
            invalid = key
        else:
            invalid = printable(str(dig(obj.data, field)), SHOWN)
            what = f"the value '{invalid}' of label '{key}'"
        message = (
            f"the API server rejects {what} of {obj.kind} '{printable(applied.name)}' ({where}: Invalid value: "
            f'"{invalid}": {problem}), so {who} fail{"s" if len(labels) == 1 else ""} to apply'
        )
        yield ctx.at("HL610", obj, field, message, key_node=is_key, fix=_fix(field, is_key))


def _problem(keys: tuple[str, ...], text: str, is_key: bool) -> str:
    if not is_key:
        return "" if keys[-1] == "annotations" else label_value_problem(text)
    return label_key_problem(text.lower() if keys[-1] == "annotations" else text)


def _fix(field: tuple[Any, ...], is_key: bool) -> str:
    if not is_key:
        return "a label value is at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    if str(field[-1]) == "-":
        return "a JSON patch adds a map key by its name (`/metadata/annotations/example.com~1key`), not with `-`"
    return (
        "a key is an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.' "
        "starting and ending with a letter or digit"
    )
