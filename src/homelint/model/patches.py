"""kustomize patches on one object: strategic merge and JSON6902, with where each patched field comes from.

Strategic merge follows kustomize (kyaml merge2 with the Kubernetes OpenAPI): on built-in kinds the
lists that Kubernetes declares with a patch merge key merge item by item (containers, volumes, env
by name; volumeMounts by mountPath; ports by containerPort or port ...), other lists are replaced;
on custom resources (HelmRelease ...) every list is replaced. Maps merge, `null` deletes a key,
`$patch: delete` removes a list item or a map, `$patch: replace` replaces a map or (as a list item)
the whole list. Patched-in items follow the object's own items (the order of items is not modelled).

Each result records `Origin`s: for a field that a patch set, the file, document and field of the
patch it comes from; for an item of the object that moved in its list, where it was before. A
field with no origin is where the object's own file has it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

from homelint.core.model import FieldPath, Origin

# API groups of Kubernetes itself: their objects merge lists by the OpenAPI patch merge keys
BUILTIN_GROUPS = frozenset(
    {
        "",
        "apps",
        "batch",
        "autoscaling",
        "policy",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "scheduling.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "node.k8s.io",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "certificates.k8s.io",
    }
)

# list field -> the merge keys Kubernetes declares for it (the first one the items have is used)
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "volumes": ("name",),
    "env": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "ports": ("containerPort", "port"),  # a container's ports, a Service's ports
    "imagePullSecrets": ("name",),
    "hostAliases": ("ip",),
    "topologySpreadConstraints": ("topologyKey",),
    "resourceClaims": ("name",),
}
PRIMITIVE_MERGE = frozenset({"finalizers"})  # lists of strings Kubernetes merges as sets


@dataclass(frozen=True, slots=True)
class PatchSource:
    """Where a patch body is: its file, document and field (an inline patch is text at that field)."""

    path: str
    doc: int
    at: FieldPath
    inline: bool


def is_builtin(api_version: Any) -> bool:
    group = api_version.rpartition("/")[0] if isinstance(api_version, str) else ""
    return group in BUILTIN_GROUPS


class _Recorder:
    def __init__(self, source: PatchSource | None) -> None:
        self.source = source
        self.set: list[tuple[FieldPath, FieldPath]] = []  # (result field, patch field)
        self.moved: list[tuple[FieldPath, FieldPath]] = []  # (result field, field before)

    def patched(self, result: FieldPath, patch: FieldPath) -> None:
        self.set.append((result, patch))


def strategic_merge(data: dict[str, Any], body: dict[str, Any], source: PatchSource | None = None) -> tuple[Any, _Recorder]:
    """`data` after a strategic-merge patch (its apiVersion/kind/name/namespace only select)."""
    builtin = is_builtin(data.get("apiVersion"))
    patch = {k: v for k, v in body.items() if k not in ("apiVersion", "kind", "metadata")}
    meta = body.get("metadata")
    if isinstance(meta, dict):
        rest = {k: v for k, v in meta.items() if k not in ("name", "namespace")}
        if rest:
            patch["metadata"] = rest
    recorder = _Recorder(source)
    if patch.get("$patch") == "delete":
        return None, recorder
    merged = _merge_map(data, patch, (), (), builtin, recorder)
    return merged, recorder


def _directives_out(patch: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in patch.items() if not (isinstance(k, str) and k.startswith("$"))}


def _merge_map(
    base: dict[str, Any], patch: dict[str, Any], at: FieldPath, patch_at: FieldPath, builtin: bool, rec: _Recorder
) -> dict[str, Any]:
    if patch.get("$patch") == "replace":
        rec.patched(at, patch_at)
        return copy.deepcopy(_directives_out(patch))
    result = dict(base)
    for key, value in patch.items():
        if isinstance(key, str) and key.startswith("$"):
            continue
        if value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
            result.pop(key, None)
            continue
        current = result.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            result[key] = _merge_map(current, value, (*at, key), (*patch_at, key), builtin, rec)
        elif builtin and isinstance(value, list) and isinstance(current, list):
            result[key] = _merge_list(str(key), current, value, (*at, key), (*patch_at, key), builtin, rec)
        else:
            result[key] = _strip(value)
            rec.patched((*at, key), (*patch_at, key))
    return result


def _strip(value: Any) -> Any:
    """A patch value without its directives (set where the object had nothing to merge with). One
    patch is applied to many objects: the result is made once and shared (patched data is read, never
    changed)."""
    if not isinstance(value, dict | list):
        return value
    found = _STRIPPED.get(id(value))
    if found is None or found[0] is not value:
        if len(_STRIPPED) > 10_000:
            _STRIPPED.clear()
        found = _STRIPPED[id(value)] = (value, _stripped(value))
    return found[1]


_STRIPPED: dict[int, tuple[Any, Any]] = {}


def _stripped(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stripped(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("$"))}
    if isinstance(value, list):
        return [_stripped(v) for v in value if not (isinstance(v, dict) and v.get("$patch") in ("delete", "replace"))]
    return value


def _merge_list(
    name: str, base: list[Any], patch: list[Any], at: FieldPath, patch_at: FieldPath, builtin: bool, rec: _Recorder
) -> list[Any]:
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        rec.patched(at, patch_at)
        return [_strip(item) for item in patch if not (isinstance(item, dict) and "$patch" in item)]
    if name in PRIMITIVE_MERGE and all(not isinstance(v, dict | list) for v in [*base, *patch]):
        result = list(base)
        for index, item in enumerate(patch):
            if item not in result:
                result.append(item)
                rec.patched((*at, len(result) - 1), (*patch_at, index))
        return result
    key = next((k for k in MERGE_KEYS.get(name, ()) if any(isinstance(i, dict) and k in i for i in [*base, *patch])), None)
    if key is None or not all(isinstance(i, dict) for i in [*base, *patch]):
        rec.patched(at, patch_at)
        return copy.deepcopy(_strip(patch))
    result = list(base)
    before = list(range(len(base)))  # result index -> index in base (-1: from the patch)
    for index, item in enumerate(patch):
        found = next((i for i, b in enumerate(result) if b.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if found is not None:
                del result[found]
                del before[found]
            continue
        if found is None:
            result.append(_strip(item))
            before.append(-1)
            rec.patched((*at, len(result) - 1), (*patch_at, index))
        else:
            result[found] = _merge_map(result[found], item, (*at, found), (*patch_at, index), builtin, rec)
    for now, was in enumerate(before):
        if was >= 0 and was != now:
            rec.moved.append(((*at, now), (*at, was)))
    return result


def json6902(data: Any, ops: list[Any], source: PatchSource | None = None) -> tuple[Any, _Recorder]:
    """`data` after JSON6902 operations (add, replace, remove, copy, move; test is not checked)."""
    data = dict(data) if isinstance(data, dict) else data  # containers are copied along each op's path
    rec = _Recorder(source)
    for index, op in enumerate(ops):
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            continue
        kind = op.get("op")
        value = copy.deepcopy(op.get("value"))
        from_at: FieldPath = (index, "value")
        if kind in ("copy", "move") and isinstance(op.get("from"), str):
            taken = _take(data, _pointer(op["from"]), remove=kind == "move", rec=rec)
            if taken is _MISSING:
                continue
            value, from_at = copy.deepcopy(taken), (index, "from")
        elif kind not in ("add", "replace", "remove"):
            continue
        parts = _pointer(op["path"])
        if not parts:
            continue
        parent = _at(data, parts[:-1], copy_path=True)
        last = parts[-1]
        if kind == "remove":
            _take(data, parts, remove=True, rec=rec)
            continue
        if isinstance(parent, dict):
            parent[last] = value
            rec.patched(tuple(_typed(parts)), from_at)
        elif isinstance(parent, list):
            if last == "-":
                parent.append(value)
                rec.patched((*_typed(parts[:-1]), len(parent) - 1), from_at)
            elif last.isdigit() and int(last) <= len(parent):
                position = int(last)
                if kind == "replace" and position < len(parent):
                    parent[position] = value
                else:
                    parent.insert(position, value)
                    for later in range(position + 1, len(parent)):
                        rec.moved.append(((*_typed(parts[:-1]), later), (*_typed(parts[:-1]), later - 1)))
                rec.patched((*_typed(parts[:-1]), position), from_at)
    return data, rec


_MISSING = object()


def _pointer(text: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in text.split("/")[1:]]


def _typed(parts: list[str]) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in parts]


def _at(data: Any, parts: list[str], *, copy_path: bool = False) -> Any:
    """The container at `parts`; with copy_path, each container on the way is replaced by a
    shallow copy first (the caller changes the result, never the object it came from)."""
    node = data
    for part in parts:
        if isinstance(node, dict):
            child = node.get(part)
            key: str | int = part
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            key = int(part)
            child = node[key]
        else:
            return None
        if copy_path and isinstance(child, dict | list):
            child = node[key] = copy.copy(child)  # type: ignore[index]
        node = child
    return node


def _take(data: Any, parts: list[str], *, remove: bool, rec: _Recorder) -> Any:
    if not parts:
        return _MISSING
    parent = _at(data, parts[:-1], copy_path=remove)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last) if remove else parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        position = int(last)
        if not remove:
            return parent[position]
        for later in range(position + 1, len(parent)):
            rec.moved.append(((*_typed(parts[:-1]), later - 1), (*_typed(parts[:-1]), later)))
        return parent.pop(position)
    return _MISSING


def apply_patch(data: dict[str, Any], body: Any, source: PatchSource | None = None) -> tuple[Any, _Recorder]:
    """`data` after one patch body: JSON6902 (a list) or strategic merge (a mapping); None when the
    patch deletes the object. An unusable body leaves `data` as it is."""
    if isinstance(body, list):
        return json6902(data, body, source)
    if isinstance(body, dict):
        return strategic_merge(data, body, source)
    return data, _Recorder(source)


def carry(origins: tuple[Origin, ...], rec: _Recorder, own: tuple[str, int]) -> tuple[Origin, ...]:
    """The origins after a patch: moved items keep theirs (under their new field), fields the
    patch set point at the patch (and forget what was below them)."""
    out = list(origins)
    if rec.moved:
        moved: list[Origin] = []
        for now, was in rec.moved:
            found = resolve(origins, was, own)
            moved.append(replace(found, field=now))
            moved.extend(
                replace(o, field=(*now, *o.field[len(was) :]))
                for o in origins
                if len(o.field) > len(was) and o.field[: len(was)] == was
            )
        olds = [was for _, was in rec.moved]
        out = [o for o in out if not any(o.field[: len(w)] == w for w in olds)] + moved
    if rec.source is not None:
        src = rec.source
        for field, at in rec.set:
            out = [o for o in out if o.field[: len(field)] != field]
            if src.inline:
                out.append(Origin(field, src.path, src.doc, src.at, True, at))
            else:
                out.append(Origin(field, src.path, src.doc, (*src.at, *at)))
    return tuple(out)


def resolve(origins: tuple[Origin, ...], field: FieldPath, own: tuple[str, int]) -> Origin:
    """Where `field` of a patched object is: the origin of its longest recorded prefix, else the
    object's own document (`own`: path, doc)."""
    found = find_origin(origins, field)
    return found if found is not None else Origin(field, own[0], own[1], field)


def find_origin(origins: tuple[Origin, ...], field: FieldPath) -> Origin | None:
    """The origin of `field` by its longest recorded prefix; None when none is recorded."""
    best: Origin | None = None
    for origin in origins:
        prefix = len(origin.field) <= len(field) and field[: len(origin.field)] == origin.field
        if prefix and (best is None or len(origin.field) > len(best.field)):
            best = origin
    if best is None:
        return None
    rest = field[len(best.field) :]
    if best.text:
        return replace(best, field=field)
    if best.inside:
        return replace(best, field=field, inner=(*best.inner, *rest))
    return replace(best, field=field, at=(*best.at, *rest))
