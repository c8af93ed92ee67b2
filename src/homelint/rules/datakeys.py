"""HL609 invalid-data-key: ConfigMap and Secret keys the API server rejects.

k8s.io/apimachinery validation IsConfigMapKey, which ValidateConfigMap runs on every `data` and
`binaryData` key and ValidateSecret on every `data` key (`stringData` is merged into `data`
first): at most 253 characters of `[-._a-zA-Z0-9]`, not `.` or `..`, not starting with `..`.
kustomize does not check keys (a generator's file name is its key, spaces and all), so the build
passes and kustomize-controller's server-side apply fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.model import Finding
from homelint.rules.common import bounded, unbuildable
from homelint.rules.registry import check

KEY_MAX = 253  # DNS1123SubdomainMaxLength
_KEY = re.compile(r"[-._a-zA-Z0-9]+")
FIELDS = {"ConfigMap": ("data", "binaryData"), "Secret": ("data", "stringData")}


def key_problem(key: str) -> str:
    """What IsConfigMapKey says of `key` ("" when it is valid)."""
    if len(key) > KEY_MAX:
        return f"must be no more than {KEY_MAX} characters"
    if not _KEY.fullmatch(key):
        return "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
    if key in (".", ".."):
        return f"must not be '{key}'"
    if key.startswith(".."):
        return "must not start with '..'"
    return ""


@check("HL609", needs_flux=True)
def invalid_data_key(ctx: Context) -> Iterator[Finding]:
    """One finding per key of an object, naming every Kustomization that applies it. Keys with `$`
    are left to substitution (a literal `${...}` is HL205's)."""
    found: dict[tuple[Any, ...], tuple[Any, str, str, str, list[Any]]] = {}
    for applied in ctx.flux.applied:
        ks, obj = applied.ks, applied.obj
        fields = FIELDS.get(obj.kind) if obj.api_version == "v1" else None
        if fields is None or ks is None or (ks.obj is None and not ks.synced) or applied.unread:
            continue
        if unbuildable(ctx, ks) is not None:
            continue  # a build that fails applies nothing
        for name in fields:
            values = obj.data.get(name)
            for key in values if isinstance(values, dict) else ():
                if not isinstance(key, str) or "$" in key:
                    continue
                problem = key_problem(key)
                if not problem:
                    continue
                ident = (obj.path, obj.doc, obj.source.anchor, name, key)
                if ident not in found:
                    found[ident] = (applied, name, key, problem, [])
                if all(k is not ks for k in found[ident][4]):
                    found[ident][4].append(ks)
    for applied, name, key, problem, kss in found.values():
        obj = applied.obj
        labels = sorted({k.label for k in kss})
        who = bounded(labels)
        anchor = obj.source.anchor
        message = (
            f"the API server rejects the key {key!r} of {obj.kind} '{applied.name}' ({name}[{key}]: Invalid value: "
            f"{problem}), so {who} fail{'s' if len(labels) == 1 else ''} to apply"
        )
        fix = " of letters, digits, '-', '_' and '.' only, and update every reference to it"
        stable = f"HL609/{obj.kind}/{obj.path}/{obj.doc}/{name}/{key}"
        if anchor is None:
            yield ctx.at("HL609", obj, (name, key), message, key_node=True, fix="give it a name" + fix, key=stable)
        else:  # a generator's key: at its entry (a `files:` key is the file's name unless it says `KEY=file`)
            span = ctx.repo.span(obj.source.path, obj.source.doc, anchor)
            fix = "give it a name (`KEY=file` in files:, or rename the literal or env-file key)" + fix
            yield ctx.finding("HL609", obj.source.path, span, message, fix=fix, key=stable)
