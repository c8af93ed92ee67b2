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
from typing import Any, NamedTuple

from homelint.core.context import Context
from homelint.core.model import Finding, K8sObject, dig
from homelint.loading.safeio import printable
from homelint.model.flux import Applied, own_patch, patch_documents
from homelint.model.patches import find_origin
from homelint.model.refs import get
from homelint.model.targets import parse_failure
from homelint.rules.common import unbuildable
from homelint.rules.registry import check
from homelint.rules.wiring import FLUX_API

ONE_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")  # a name, not a pattern of names
GROUP_AT = 5  # this many objects one patch overrides alike are one finding (HL124)
MAX_DEPTH = 8  # lists this deep in a spec are looked for; values of charts go deeper, and are not judged


def _patched_flux_objects(ctx: Context) -> Iterator[tuple[Applied, K8sObject, K8sObject]]:
    """(its application, the object as a build patched it, as written) of each Flux object a patch
    changed, whose build applies it (one that fails, HL001/HL101/HL114, applies nothing) and that
    no transformer the model does not apply may change."""
    for applied in ctx.flux.applied:
        obj, own = applied.obj, applied.obj.unpatched
        if own is None or not obj.group.endswith(FLUX_API) or applied.unread or applied.maybe_changed:
            continue
        if applied.ks is not None and unbuildable(ctx, applied.ks) is not None:
            continue
        yield applied, obj, own


class Place(NamedTuple):
    """Where the patch that set a field is, and how a message names it."""

    text: str  # `the strategic-merge patch at file:line`, or `... that file:line adds to the spec.patches of ...`
    path: str
    line: int
    added: bool  # a patch a parent's patch added to the spec.patches of the Kustomization that builds the object


def _patch_place(ctx: Context, applied: Applied, obj: K8sObject, keys: tuple[Any, ...]) -> Place | None:
    """Where the strategic-merge patch for many objects that set `keys` is: `the strategic-merge
    patch at file:line`, or, for a patch a parent's patch added to the
    spec.patches of the Kustomization whose build patched the object (the `cluster-apps` defaults
    pattern), `the strategic-merge patch that file:line adds to the spec.patches of Kustomization
    ns/name`. None when the field's patch is not such a patch (a JSON6902 one, a patch file, one
    for a single named object)."""
    origin = find_origin(obj.origins, keys)
    if origin is None or origin.field != keys:
        return None
    if _strategic(origin) and _for_many(ctx, origin):
        patch_path, patch_span = ctx.repo.locate(obj, keys)
        return Place(f"the strategic-merge patch at {patch_path}:{patch_span.line}", patch_path, patch_span.line, False)
    index = _injected_index(ctx, applied, origin, keys)
    if index is None or applied.ks is None or applied.ks.obj is None:
        return None
    patch_path, patch_span = _located_entry(ctx, applied.ks.obj, index)
    text = f"the strategic-merge patch that {patch_path}:{patch_span.line} adds to the spec.patches of {applied.ks.label}"
    return Place(text, patch_path, patch_span.line, True)


def _located_entry(ctx: Context, ks_obj: K8sObject, index: int) -> tuple[str, Any]:
    """(file, span) of the `patch` of spec.patches entry `index` of the Flux Kustomization `ks_obj`,
    memoised by where a parent's patch wrote it: the children it gives that entry share one place."""
    keys = ("spec", "patches", index, "patch")
    origin = find_origin(ctx.flux.ks_origins(ks_obj), keys)
    if origin is None:
        return ctx.repo.locate(ks_obj, keys)
    memo: dict[Any, tuple[str, Any]] = ctx.repo.memo("rules.droppedlists.added-entries", dict)
    if origin not in memo:
        memo[origin] = ctx.repo.locate(ks_obj, keys)
    return memo[origin]


def _injected_index(ctx: Context, applied: Applied, origin: Any, keys: tuple[Any, ...]) -> int | None:
    """The index of the last spec.patches entry a parent's patch gave the Kustomization whose build
    patched the object (flux_patches shows such a patch at the Kustomization's name) that is a
    strategic-merge patch for many objects setting `keys`."""
    ks = applied.ks
    if ks is None or ks.obj is None or origin.path != ks.obj.path or tuple(origin.at) != ("metadata", "name"):
        return None
    found = None
    memo: dict[int, list[tuple[int, dict[str, Any]]]] = ctx.repo.memo("rules.droppedlists.added-patches", dict)
    if id(ks) not in memo:
        memo[id(ks)] = _added_patches(ks)
    for index, body in memo[id(ks)]:
        if get(body, keys) is not None:
            found = index
    return found


def _added_patches(ks: Any) -> list[tuple[int, dict[str, Any]]]:
    """(index, body) of each spec.patches entry of `ks` that a parent's patch added (not its own),
    a strategic-merge patch for many objects (a target that names no single object)."""
    patches = ks.spec.get("patches")
    out: list[tuple[int, dict[str, Any]]] = []
    for index, entry in enumerate(patches if isinstance(patches, list) else []):
        if not isinstance(entry, dict) or not isinstance(entry.get("patch"), str):
            continue
        if own_patch(ks, index):
            continue  # its own entry: located in its file
        target = entry.get("target")
        name = target.get("name") if isinstance(target, dict) else None
        if not isinstance(target, dict) or (isinstance(name, str) and ONE_NAME.fullmatch(name)):
            continue
        docs = [doc for _, doc in patch_documents(entry["patch"])]
        if len(docs) == 1 and parse_failure(docs) is None and isinstance(docs[0], dict):
            out.append((index, docs[0]))
    return out


@check("HL121", needs_flux=True)
def dropped_list_entries(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    for applied, obj, own in _patched_flux_objects(ctx):
        for keys, written in _lists(own.data.get("spec"), ("spec",)):
            if (id(own), keys) in seen:
                continue
            now = dig(obj.data, keys)
            if not isinstance(now, list):
                continue
            kept = {_identity(item) for item in now}
            dropped = [item for item in written if _identity(item) not in kept]
            if not dropped:
                continue
            # a patch of this one object (an overlay's) replaces its list on purpose: not judged
            place = _patch_place(ctx, applied, obj, keys)
            if place is None:
                continue
            seen.add((id(own), keys))
            yield _finding(ctx, own, keys, place, len(dropped), len(written))


@check("HL124", needs_flux=True)
def overridden_values(ctx: Context) -> Iterator[Finding]:
    """A value (a boolean, number or text) a Flux object writes in its spec that an inline
    strategic-merge patch for many objects sets to another value: kustomize merges the patch over
    the object, so `prune: false` written on the object becomes the patch's `prune: true`. The
    objects one patch overrides alike (one field, one value each side) are one finding from
    GROUP_AT on, at the first of them: one cause (a value copied into every HelmRelease that the
    defaults replace)."""
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    causes: dict[tuple[str, int, tuple[Any, ...], str, str], list[tuple[K8sObject, Place]]] = {}
    for applied, obj, own in _patched_flux_objects(ctx):
        for keys, written in _patched_scalars(own, obj):
            now = dig(obj.data, keys)
            if (id(own), keys) in seen or now is None or _same(now, written) or isinstance(now, dict | list):
                continue
            found = _patch_place(ctx, applied, obj, keys)
            if found is None:
                continue
            seen.add((id(own), keys))
            causes.setdefault((found.path, found.line, keys, _shown(written), _shown(now)), []).append((own, found))
    for (patch_path, line, keys, written, now), owns in causes.items():
        field = ".".join(map(str, keys))
        if len(owns) >= GROUP_AT:
            own = min((o for o, _ in owns), key=lambda o: (o.path, o.doc))
            kinds = sorted({o.kind for o, _ in owns})
            patch = (
                f"the strategic-merge patch that {patch_path}:{line} adds to the spec.patches of each Kustomization"
                if owns[0][1].added
                else f"the strategic-merge patch at {patch_path}:{line}"
            )
            message = (
                f"{field} of {own.kind} {own.name} is {written} here, as in {len(owns) - 1} more {'/'.join(kinds)} objects, "
                f"but {patch} sets it to {now} for every object its target selects: kustomize merges the patch over each "
                "object, so their value never takes effect"
            )
            fix = f"drop {field} from these objects if the patch's value is meant, or set it in the patch (or exclude them from its target)"
            related = sorted({patch_path, *(o.path for o, _ in owns)})[:50]
            key = f"HL124/group/{patch_path}/{field}/{written}/{now}"
            finding = ctx.finding(
                "HL124", own.path, ctx.repo.positions.span(own.path, own.doc, keys), message, fix=fix, related=related, key=key
            )
            yield finding
            continue
        for own, place in owns:
            finding = ctx.finding(
                "HL124",
                own.path,
                ctx.repo.positions.span(own.path, own.doc, keys),
                f"{field} of {own.kind} {own.name} is {written} here, but {place.text} sets it to {now} "
                "for every object its target selects: kustomize merges the patch over the object, so this value never "
                "takes effect",
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


def _finding(ctx: Context, own: K8sObject, keys: tuple[Any, ...], place: Place, dropped: int, written: int) -> Finding:
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
        f"{field} of {own.kind} {own.name} is replaced by {place.text}, which sets {field} too: kustomize replaces a "
        f"custom resource's lists whole, so {lost}",
        fix=f"repeat the entries in the patch, keep this {own.kind} out of the patch's target (a label its selector "
        f"excludes), or append with a JSON6902 patch (op: add, path: /{'/'.join(map(str, keys))}/-)",
        related=[place.path],
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
