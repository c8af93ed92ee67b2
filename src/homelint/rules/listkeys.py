"""HL611 duplicate-list-key: two entries of one key in a list the API server merges by that key.

Server-side apply types an object by the API server's schema, where a pod spec's `containers`,
`initContainers`, `ephemeralContainers` and `volumes` are lists keyed by `name`, a container's
`env` by `name` and its `ports` by `containerPort` and `protocol` (k8s.io/api core/v1: patchMergeKey
and listMapKey). structured-merge-diff refuses an apply request with two entries of one key
('failed to create typed patch object: ... duplicate entries for key [name="X"]'), also since
Kubernetes 1.29, which only lets create and update requests through. kustomize keeps both entries
(a JSON6902 `add` at `/env/-` of a name the list has builds), and kustomize-controller applies
every object with server-side apply, so its dry-run fails. Only entries whose keys are written
alike are judged (`${VAR}` and all): keys that substitution may make equal are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.model import Finding, dig
from homelint.loading.safeio import printable
from homelint.model.refs import builtin_pod_spec_path, get
from homelint.rules.common import bounded, unbuildable
from homelint.rules.registry import check

POD_LISTS = ("containers", "initContainers", "ephemeralContainers", "volumes")  # keyed by name
CONTAINER_LISTS = {"env": ("name",), "ports": ("containerPort", "protocol")}
SHOWN = 60  # characters of a key a message quotes


@check("HL611", needs_flux=True)
def duplicate_list_key(ctx: Context) -> Iterator[Finding]:
    """One finding per repeated entry of an object, naming every Kustomization that applies it."""
    found: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...], int, tuple[str, ...], tuple[Any, ...], list[Any]]] = {}
    for applied in ctx.flux.applied:
        ks, obj = applied.ks, applied.obj
        base = builtin_pod_spec_path(obj)
        if base is None or ks is None or (ks.obj is None and not ks.synced) or ks.target:
            continue  # the bootstrap applies roots client-side (kubectl apply); a remote cluster is not modelled
        if applied.unread or applied.maybe_changed or obj.is_sops or unbuildable(ctx, ks) is not None:
            continue
        spec = dig(obj.data, base)
        if not isinstance(spec, dict):
            continue
        for field, first, keys, key in _repeated(spec, base):
            ident = (id(obj), field)
            if ident not in found:
                found[ident] = (applied, field, first, keys, key, [])
            if all(k is not ks for k in found[ident][5]):
                found[ident][5].append(ks)
    for applied, field, first, keys, key, kss in found.values():
        obj = applied.obj
        labels = sorted({k.label for k in kss})
        where = _where(obj.data, field)
        shown = ",".join(f"{name}={_quoted(value)}" for name, value in zip(keys, key, strict=True) if value is not None)
        message = (
            f"{obj.kind} '{printable(applied.name)}': {where} has a second entry with {_described(keys, key)} "
            f"(the first is entry {first}); server-side apply refuses the object (duplicate entries for key "
            f"[{shown}]), so {bounded(labels)} fail{'s' if len(labels) == 1 else ''} to apply"
        )
        yield ctx.at("HL611", obj, (*field, keys[0]), message, fix=_fix(field))


def _repeated(
    spec: dict[str, Any], base: tuple[Any, ...]
) -> Iterator[tuple[tuple[Any, ...], int, tuple[str, ...], tuple[Any, ...]]]:
    """(field of the repeated entry, index of the first entry of its key, key fields, key) of each
    entry of a keyed list of the pod spec whose key an earlier entry has."""
    for name in POD_LISTS:
        yield from _in_list(spec.get(name), (*base, name), ("name",))
    for group in ("containers", "initContainers", "ephemeralContainers"):
        containers = spec.get(group)
        for index, container in enumerate(containers if isinstance(containers, list) else ()):
            if not isinstance(container, dict):
                continue
            for name, keys in CONTAINER_LISTS.items():
                yield from _in_list(container.get(name), (*base, group, index, name), keys)


def _in_list(
    items: Any, field: tuple[Any, ...], keys: tuple[str, ...]
) -> Iterator[tuple[tuple[Any, ...], int, tuple[str, ...], tuple[Any, ...]]]:
    if not isinstance(items, list):
        return
    seen: dict[tuple[Any, ...], int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or keys[0] not in item:
            continue
        key = tuple(item.get(k) for k in keys)
        if not all(isinstance(value, (str, int)) and not isinstance(value, bool) for value in key if value is not None):
            continue  # a mapping or list where a key belongs: the schema's error (HL601 style), not this
        if key in seen:
            yield (*field, index), seen[key], keys, key
        else:
            seen[key] = index


def _where(data: dict[str, Any], field: tuple[Any, ...]) -> str:
    """`containers[0].env` of `spec.template.spec.containers[0].env[3]`, with the container's name."""
    parts = field[:-1]
    if len(parts) >= 3 and isinstance(parts[-2], int):  # a container's list
        container = get(data, parts[:-1])
        name = container.get("name") if isinstance(container, dict) else None
        named = f" of container '{printable(str(name), SHOWN)}'" if isinstance(name, str) else ""
        return f"{parts[-1]}{named}"
    return str(parts[-1])


def _described(keys: tuple[str, ...], key: tuple[Any, ...]) -> str:
    if keys == ("name",):
        return f"the name {_quoted(key[0])}"
    return " and ".join(f"{k} {_quoted(v)}" for k, v in zip(keys, key, strict=True) if v is not None) + (
        "" if key[-1] is not None else " (no protocol: TCP)"
    )


def _quoted(value: Any) -> str:
    return f'"{printable(value, SHOWN)}"' if isinstance(value, str) else str(value)


def _fix(field: tuple[Any, ...]) -> str:
    if field[-2] == "env":
        return (
            "keep one entry per name (the kubelet uses the last); a patch that adds a variable the container "
            "already sets replaces that entry (op: replace at its index, or a strategic-merge patch by name)"
        )
    return "keep one entry per key: rename or remove one of the two"
