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


Defaults = tuple[tuple[tuple[str, ...], Any], ...]  # (property path, default); "[]": each item, "*": each value
EACH_ITEM, EACH_VALUE = "[]", "*"


def as_validated(doc: dict[str, Any], defaults: Defaults, *, decoded: bool) -> dict[str, Any]:
    """`doc` as it is validated: nulls of a Go-decoded object (`decoded`) and of any `metadata`
    dropped, nulls where a custom resource's schema has a default (`defaults`, from defaults_of)
    replaced by that default. Paths of what remains are unchanged."""
    if decoded:
        return _without_nulls(doc)
    out = doc
    meta = doc.get("metadata")
    if isinstance(meta, dict):
        kept = _without_nulls(meta)
        out = doc if kept is meta else {**doc, "metadata": kept}
    for path, default in defaults:
        out = _filled(out, path, default)
    return out


def defaults_of(uri: str, documents: Mapping[str, Any]) -> Defaults:
    """Each property path under the schema `uri` of `documents` whose schema has a `default`, as
    structuraldefaulting.Default applies them (properties, additionalProperties, items)."""
    found: dict[tuple[str, ...], Any] = {}

    def walk(node: Any, base: str, path: tuple[str, ...]) -> None:
        if len(path) > MAX_REFS:
            return
        for branch, at in schema_branches(node, base, documents):
            children = [((*path, k), sub) for k, sub in (branch.get("properties") or {}).items()]
            for keyword, step in (("items", EACH_ITEM), ("additionalProperties", EACH_VALUE)):
                if isinstance(branch.get(keyword), dict):
                    children.append(((*path, step), branch[keyword]))
            for child, sub in children:
                for candidate in (sub, _resolve(sub, at, documents)[0]):
                    if isinstance(candidate, dict) and "default" in candidate:
                        found.setdefault(child, candidate["default"])
                        break
                walk(sub, at, child)

    walk(documents.get(uri), uri, ())
    return tuple(sorted(found.items(), key=lambda item: item[0]))


def _filled(value: Any, path: tuple[str, ...], default: Any) -> Any:
    """`value` with the nulls at `path` replaced by copies of `default` (copied on write)."""
    head, rest = path[0], path[1:]
    if head == EACH_ITEM:
        if not isinstance(value, list):
            return value
        items = [_placed(item, rest, default) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if not isinstance(value, dict):
        return value
    out = value
    for key in list(value) if head == EACH_VALUE else [head] if head in value else []:
        item = value[key]
        new = _placed(item, rest, default)
        if new is not item:
            out = dict(value) if out is value else out
            out[key] = new
    return out


def _placed(item: Any, rest: tuple[str, ...], default: Any) -> Any:
    if rest:
        return _filled(item, rest, default)
    return copy.deepcopy(default) if item is None else item


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


def schema_branches(node: Any, base: str, documents: Mapping[str, Any]) -> list[tuple[dict[str, Any], str]]:
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
