"""JSON nulls as the API server (or kustomize) validates them, for HL601's kind schemas.

- A built-in kind (core or a dot-less API group) is decoded into Go structs, and so is a
  kustomization file (kustomize's `types.Kustomization`): a null is the field's zero value, so a null
  mapping entry validates as an absent one. (Flux also round-trips built-in kinds through their Go
  types before applying them: fluxcd/pkg ssa/normalize.) Null list items are kept: their zero
  value is rarely valid, and the schema judges them.
- `metadata` of every object is ObjectMeta: a null there is absent as well (kustomize drops a null
  `annotations`, Flux replaces a null `labels` with its owner labels, the API server coerces the
  rest into ObjectMeta).
- A custom resource keeps its nulls: Flux applies with server-side apply, and the apply path of
  apiextensions-apiserver never runs the decoder that prunes them (PruneNonNullableNullsWithoutDefaults
  runs in schemaCoercingDecoder; the field manager only calls structuraldefaulting.Default). So a
  null fails validation ("must be of type string") unless the CRD gives the field a default, which
  replaces the null. The kind schemas here copy those defaults (`default`); such a null validates
  as its default.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from homelint.model.fastschema import join_ref

MAX_REFS = 32  # a $ref chain longer than this is not followed (the shipped schemas use one or two)


def native(api_version: Any) -> bool:
    """Whether objects of this apiVersion are built-in kinds (core "v1", or a group without a dot)."""
    if not isinstance(api_version, str) or not api_version:
        return False
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    return "." not in group


def as_validated(doc: dict[str, Any], uri: str, documents: Mapping[str, Any], *, decoded: bool) -> dict[str, Any]:
    """`doc` as it is validated: nulls of a Go-decoded object (`decoded`) and of any `metadata`
    dropped, nulls that a custom resource's schema gives a default replaced by that default.
    `uri` is the `$id` of the kind schema in `documents`. Paths of what remains are unchanged."""
    if decoded:
        return _without_nulls(doc)
    out = dict(doc)
    meta = doc.get("metadata")
    if isinstance(meta, dict):
        out["metadata"] = _without_nulls(meta)
    root = documents.get(uri)
    if not isinstance(root, dict):
        return out
    defaulted = _defaulted({k: v for k, v in out.items() if k != "metadata"}, root, uri, documents)
    return {**out, **defaulted}


def _without_nulls(value: Any) -> Any:
    """`value` without null mapping entries, at any depth (list items are kept); `value` itself
    when it has none."""
    if isinstance(value, dict):
        out = {k: _without_nulls(v) for k, v in value.items() if v is not None}
        return value if len(out) == len(value) and all(out[k] is value[k] for k in out) else out
    if isinstance(value, list):
        items = [_without_nulls(item) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def _resolve(node: Any, base: str, documents: Mapping[str, Any]) -> tuple[Any, str]:
    """The schema a `$ref` chain ends at, and the base its own references resolve against."""
    for _ in range(MAX_REFS):
        if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
            return node, base
        target = join_ref(base, node["$ref"])
        document_uri, _, pointer = target.partition("#")
        found: Any = documents.get(document_uri)
        try:
            for part in [p for p in pointer.split("/") if p]:
                part = part.replace("~1", "/").replace("~0", "~")
                found = found[int(part)] if isinstance(found, list) else found[part]
        except (KeyError, IndexError, TypeError, ValueError):
            return None, base
        node, base = found, document_uri
    return None, base


def _branches(node: Any, base: str, documents: Mapping[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """The schema and the subschemas of its allOf/anyOf/oneOf (resolved), which may each declare
    properties of the same object."""
    out: list[tuple[dict[str, Any], str]] = []
    pending = [(node, base)]
    while pending and len(out) < 64:
        resolved, at = _resolve(*pending.pop(), documents)
        if not isinstance(resolved, dict):
            continue
        out.append((resolved, at))
        for keyword in ("allOf", "anyOf", "oneOf"):
            subs = resolved.get(keyword)
            if isinstance(subs, list):
                pending.extend((sub, at) for sub in reversed(subs))
    return out


def _defaulted(value: Any, node: Any, base: str, documents: Mapping[str, Any]) -> Any:
    """`value` with each null whose schema has a `default` replaced by a copy of it (as
    structuraldefaulting.Default does: properties, additionalProperties and items); `value`
    itself when nothing changes."""
    if not isinstance(value, dict | list):
        return value
    branches = _branches(node, base, documents)
    if isinstance(value, list):
        items = [(b["items"], at) for b, at in branches if isinstance(b.get("items"), dict)]
        if not items:
            return value
        filled = [_filled(item, items, documents) for item in value]
        return value if all(a is b for a, b in zip(filled, value, strict=True)) else filled
    out: dict[str, Any] | None = None
    for key, item in value.items():
        subs = [
            (b["properties"][key], at) for b, at in branches if isinstance(b.get("properties"), dict) and key in b["properties"]
        ]
        if not subs:
            subs = [(b["additionalProperties"], at) for b, at in branches if isinstance(b.get("additionalProperties"), dict)]
        new = _filled(item, subs, documents) if subs else item
        if new is not item:
            out = dict(value) if out is None else out
            out[key] = new
    return value if out is None else out


def _filled(value: Any, subs: list[tuple[Any, str]], documents: Mapping[str, Any]) -> Any:
    """`value` under the first of `subs` that has a default for a null, else walked into."""
    if value is None:
        for sub, at in subs:
            resolved, _ = _resolve(sub, at, documents)
            for candidate in (sub, resolved):
                if isinstance(candidate, dict) and "default" in candidate:
                    return copy.deepcopy(candidate["default"])
        return None
    sub, at = subs[0]
    return _defaulted(value, sub, at, documents)
