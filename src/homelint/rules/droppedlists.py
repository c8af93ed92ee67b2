"""HL121: a strategic-merge patch replaces a list a Flux object sets itself, dropping its own entries;
HL124: such a patch sets a value the object sets itself to another value, which then never applies.

kustomize merges a strategic-merge patch into a custom resource with no schema for it: maps merge
key by key, and a list in the patch replaces the object's list whole (it knows no merge key). So a
parent's patch that gives every child Kustomization a `dependsOn`, `patches` or
`postBuild.substituteFrom` list drops the entries a child wrote itself (`kubectl kustomize` shows
it), and nothing says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.model import Finding, K8sObject, dig
from homelint.loading.safeio import printable
from homelint.model.flux import patch_documents
from homelint.model.patches import find_origin
from homelint.model.refs import get
from homelint.model.targets import parse_failure
from homelint.rules.common import unbuildable
from homelint.rules.registry import check
from homelint.rules.wiring import FLUX_API

ONE_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")  # a name, not a pattern of names
MAX_DEPTH = 8  # lists this deep in a spec are looked for; values of charts go deeper, and are not judged


def _patched_flux_objects(ctx: Context) -> Iterator[tuple[K8sObject, K8sObject]]:
    """(the object as a build patched it, as written) of each Flux object a patch changed, whose
    build applies it (one that fails, HL001/HL101/HL114, applies nothing) and that no transformer
    the model does not apply may change."""
    for applied in ctx.flux.applied:
        obj, own = applied.obj, applied.obj.unpatched
        if own is None or not obj.group.endswith(FLUX_API) or applied.unread or applied.maybe_changed:
            continue
        if applied.ks is not None and unbuildable(ctx, applied.ks) is not None:
            continue
        yield obj, own


@check("HL121", needs_flux=True)
def dropped_list_entries(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    for obj, own in _patched_flux_objects(ctx):
        for keys, written in _lists(own.data.get("spec"), ("spec",)):
            if (id(own), keys) in seen:
                continue
            now = dig(obj.data, keys)
            origin = find_origin(obj.origins, keys)
            if not isinstance(now, list) or origin is None or origin.field != keys or not _strategic(origin):
                continue
            if not _for_many(ctx, origin):
                continue  # a patch of this one object (an overlay's): replacing its list is what it is for
            kept = {_identity(item) for item in now}
            dropped = [item for item in written if _identity(item) not in kept]
            if not dropped:
                continue
            seen.add((id(own), keys))
            yield _finding(ctx, obj, own, keys, len(dropped), len(written))


@check("HL124", needs_flux=True)
def overridden_values(ctx: Context) -> Iterator[Finding]:
    """A value (a boolean, number or text) a Flux object writes in its spec that an inline
    strategic-merge patch for many objects sets to another value: kustomize merges the patch over
    the object, so `prune: false` written on the object becomes the patch's `prune: true`."""
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    for obj, own in _patched_flux_objects(ctx):
        for keys, written in _patched_scalars(own, obj):
            now = dig(obj.data, keys)
            if (id(own), keys) in seen or now is None or _same(now, written) or isinstance(now, dict | list):
                continue
            origin = find_origin(obj.origins, keys)
            if origin is None or origin.field != keys or not _strategic(origin) or not _for_many(ctx, origin):
                continue
            seen.add((id(own), keys))
            patch_path, patch_span = ctx.repo.locate(obj, keys)
            field = ".".join(map(str, keys))
            finding = ctx.finding(
                "HL124",
                own.path,
                ctx.repo.positions.span(own.path, own.doc, keys),
                f"{field} of {own.kind} {own.name} is {_shown(written)} here, but the strategic-merge patch at "
                f"{patch_path}:{patch_span.line} sets it to {_shown(now)} for every object its target selects: kustomize "
                f"merges the patch over the object, so this value never takes effect",
                fix=f"keep this {own.kind} out of the patch's target (a label its selector excludes), drop {field} from "
                "the patch, or remove it here if the patch's value is meant",
                related=[patch_path],
                key=f"HL124/{own.kind}/{own.name}/{field}",
            )
            yield ctx.held(finding, ctx.suspension(own, keys, "HL124"))


def _patched_scalars(own: K8sObject, obj: K8sObject) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(field path, value) of each of the object's own spec values at or below a field a patch set
    (obj.origins), each once: the rest of a spec (a release's values) is not walked."""
    seen: set[tuple[Any, ...]] = set()
    for origin in obj.origins:
        field = tuple(origin.field)
        if not field or field[0] != "spec" or field in seen:
            continue
        seen.add(field)
        written = dig(own.data, field)
        if isinstance(written, bool | int | float | str):
            yield field, written
        elif len(field) <= MAX_DEPTH:
            yield from _scalars(written, field)


def _scalars(node: Any, at: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(field path, value) of each boolean, number or text below `node`, reached through mappings only."""
    if not isinstance(node, dict) or len(at) > MAX_DEPTH:
        return
    for key, value in node.items():
        if isinstance(value, bool | int | float | str):
            yield (*at, key), value
        elif isinstance(value, dict):
            yield from _scalars(value, (*at, key))


def _same(now: Any, written: Any) -> bool:
    """Equal as YAML values: `true` is not `1`, `1` is `1.0`."""
    return _sort(now) == _sort(written) and now == written


def _sort(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else "text" if isinstance(value, str) else "other"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{printable(value, 60)}'"
    return printable(str(value), 60)


def _finding(ctx: Context, obj: K8sObject, own: K8sObject, keys: tuple[Any, ...], dropped: int, written: int) -> Finding:
    patch_path, patch_span = ctx.repo.locate(obj, keys)  # the patched field: in the patch
    field = ".".join(map(str, keys))
    if written == 1:
        lost = "its own entry is dropped and never takes effect"
    elif dropped == written:
        lost = f"all {written} of its own entries are dropped and never take effect"
    else:
        verb = "is dropped and never takes" if dropped == 1 else "are dropped and never take"
        lost = f"{dropped} of its {written} own entries {verb} effect"
    finding = ctx.finding(
        "HL121",
        own.path,
        ctx.repo.positions.span(own.path, own.doc, keys),  # the object's own list, not the patch
        f"{field} of {own.kind} {own.name} is replaced by the strategic-merge patch at {patch_path}:{patch_span.line}, "
        f"which sets {field} too: kustomize replaces a custom resource's lists whole, so {lost}",
        fix=f"repeat the entries in the patch, keep this {own.kind} out of the patch's target (a label its selector "
        f"excludes), or append with a JSON6902 patch (op: add, path: /{'/'.join(map(str, keys))}/-)",
        related=[patch_path],
        key=f"HL121/{own.kind}/{own.name}/{field}",
    )
    return ctx.held(finding, ctx.suspension(own, keys, "HL121"))


def _lists(node: Any, at: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], list[Any]]]:
    """(field path, list) of each non-empty list below `node` reached through mappings only."""
    if not isinstance(node, dict) or len(at) > MAX_DEPTH:
        return
    for key, value in node.items():
        if isinstance(value, list) and value:
            yield (*at, key), value
        elif isinstance(value, dict):
            yield from _lists(value, (*at, key))


def _strategic(origin: Any) -> bool:
    """Whether a patched field comes from a strategic-merge patch: its field inside the patch is a
    path of keys, where a JSON6902 operation's starts with the operation's index."""
    inner = origin.inner if origin.inside else origin.at
    return bool(inner) and isinstance(inner[0], str)


def _for_many(ctx: Context, origin: Any) -> bool:
    """Whether the patch is an inline `patch:` whose `target` selects objects by kind, labels or a
    name pattern, not one object by its name: a patch for many objects (a parent's defaults for
    its children), whose list each of them gets whole. A patch file is not judged (its target is
    where a kustomization lists it)."""
    if not origin.inside or not origin.at or origin.at[-1] != "patch":
        return False
    parsed = ctx.repo.parsed.get(origin.path)
    doc = parsed.docs[origin.doc] if parsed is not None and origin.doc < len(parsed.docs) else None
    entry = get(doc, origin.at[:-1])
    target = entry.get("target") if isinstance(entry, dict) else None
    text = entry.get("patch") if isinstance(entry, dict) else None
    if not isinstance(target, dict) or not isinstance(text, str):
        return False
    docs = [doc for _, doc in patch_documents(text)]
    if len(docs) != 1 or parse_failure(docs) is not None:
        return False  # kustomize fails on the patch itself (HL114): the build applies nothing
    name = target.get("name")
    return not name or not (isinstance(name, str) and ONE_NAME.fullmatch(name))


def _identity(item: Any) -> Any:
    """What an entry is, whatever else it sets: a named reference (dependsOn, substituteFrom,
    healthChecks) by its kind, name and namespace; anything else by its whole value."""
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return ("named", str(item.get("kind")), item["name"], str(item.get("namespace")))
    return ("value", json.dumps(item, sort_keys=True, default=str))
