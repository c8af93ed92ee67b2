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
import re
from collections.abc import Callable
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
    """Where a patch body is: its file, document and field (an inline patch is text at that field;
    `part`: which YAML document of that text)."""

    path: str
    doc: int
    at: FieldPath
    inline: bool
    part: int = 0


def is_builtin(api_version: Any) -> bool:
    group = api_version.rpartition("/")[0] if isinstance(api_version, str) else ""
    return group in BUILTIN_GROUPS


class _Recorder:
    def __init__(self, source: PatchSource | None) -> None:
        self.source = source
        self.set: list[tuple[FieldPath, FieldPath]] = []  # (result field, patch field)
        self.moved: list[tuple[FieldPath, FieldPath]] = []  # (result field, field before)
        self.failure: OpFailure | None = None  # the first JSON6902 operation kustomize fails on
        # pointers below which the result may differ from kustomize's (an operation the model could
        # not apply or decide; a list merged item by item, whose order kustomize keeps otherwise)
        self.loose: list[tuple[str, ...]] = []

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
            if key != "$patch":  # $setElementOrder, $retainKeys, $deleteFromPrimitiveList: not modelled
                rec.loose.append(tuple(map(str, at)))
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
        rec.loose.append(tuple(map(str, at)))  # merged items: kustomize's order is not modelled
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
    rec.loose.append(tuple(map(str, at)))  # merged items: kustomize's order is not modelled
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


Pointer = tuple[str, ...]  # the decoded parts of a JSON pointer
Unknown = Callable[[Pointer], bool]  # whether the build may hold, at a pointer, more or other than the model does


@dataclass(frozen=True, slots=True)
class OpFailure:
    """A JSON6902 operation kustomize fails on (kustomize's patchjson6902 filter applies the patch
    with evanphx/json-patch v5, Patch.Apply): the whole build fails with `reason`."""

    index: int  # the operation's position in the patch
    op: str
    path: str  # its `path` (for a missing `from`: its `from`)
    field: str  # "path" or "from": the field of the operation the failure is about
    reason: str  # kustomize's error, in its words
    at: Pointer | None  # the pointer parts up to the first the object lacks; None: fails on any object
    certain: bool  # False where what the model holds there may differ from what kustomize holds


def json6902(
    data: Any, ops: list[Any], source: PatchSource | None = None, unknown: Unknown | None = None
) -> tuple[Any, _Recorder]:
    """`data` after JSON6902 operations, as evanphx/json-patch v5 applies them (kustomize v5.8.1).
    An operation that fails is left out, and the first failure is recorded (`rec.failure`): in
    kustomize it fails the build. `unknown` says where the object as the model sees it may differ
    from kustomize's (fields transformers the model does not apply set); a failure there, or after
    an operation the model cannot decide (a `test` of a value, a whole-document `replace`), is not
    certain."""
    data = dict(data) if isinstance(data, dict) else data  # containers are copied along each op's path
    rec = _Recorder(source)
    sure = True
    spent = 0
    for index, op in enumerate(ops):
        spent += _copy_cost(data, op)
        if spent > COPY_BUDGET:  # many operations on wide containers: the rest is not followed
            rec.loose.append(())  # () is all of it
            break
        work = copy.copy(data)
        marks = len(rec.set), len(rec.moved)
        outcome = _operation(work, op, index, rec, unknown or _nothing_unknown)
        if isinstance(outcome, OpFailure):
            del rec.set[marks[0] :], rec.moved[marks[1] :]
            certain = sure and outcome.certain and not _templated(op)
            certain = certain and (outcome.at is None or not (unknown and unknown(outcome.at)))
            if rec.failure is None:
                rec.failure = replace(outcome, certain=certain)
            rec.loose.extend(_writes(op))  # what the operation would have changed is not known
            sure = False
            continue
        data = work
        if outcome is _UNDECIDED:
            rec.loose.extend(_writes(op))
            sure = False
    return data, rec


# entries an object's JSON6902 operations may copy (each copies the containers on its path, so
# that a failing one leaves the object as it was): beyond it the rest of the patch is not followed,
# and the work stays linear in the input however many operations a patch has
COPY_BUDGET = 2_000_000


def _copy_cost(doc: Any, op: Any) -> int:
    """The entries one operation copies: the document's and those of the containers on its paths."""
    cost = len(doc) if isinstance(doc, dict | list) else 1
    for key in ("path", "from"):
        pointer = op.get(key) if isinstance(op, dict) else None
        node = doc
        for part in pointer.split("/")[1:-1] if isinstance(pointer, str) else []:
            _, node = _child(node, _decode(part))
            if not isinstance(node, dict | list):
                break
            cost += len(node)
    return cost


def _nothing_unknown(_: Pointer) -> bool:
    return False


def _templated(op: Any) -> bool:
    """A pointer with a `${...}`: in a Flux Kustomization's spec.patches a parent's substitution may
    have replaced it with what the model does not know."""
    return isinstance(op, dict) and any(isinstance(op.get(k), str) and "${" in op[k] for k in ("path", "from"))


_UNDECIDED = object()  # the operation's outcome is not known here (a value compared, a whole document)


def _writes(op: Any) -> list[Pointer]:
    """The pointers an operation changes (move: also where it takes from)."""
    if not isinstance(op, dict):
        return [()]
    out: list[Pointer] = [tuple(_pointer(op["path"]))] if isinstance(op.get("path"), str) else [()]
    if op.get("op") == "move" and isinstance(op.get("from"), str):
        out.append(tuple(_pointer(op["from"])))
    return out


def _operation(doc: Any, op: Any, index: int, rec: _Recorder, unknown: Unknown) -> Any:
    """Apply one operation to `doc` (a copy the caller drops on failure): None when applied,
    _UNDECIDED, or the OpFailure (evanphx/json-patch v5 patch.go: add, remove, replace, move,
    copy, test, and their error texts)."""
    if not isinstance(op, dict):
        return _UNDECIDED  # not an operation: kustomize fails to decode the patch (text not modelled)
    kind = op.get("op")
    if not isinstance(kind, str) or kind not in ("add", "remove", "replace", "move", "copy", "test"):
        return OpFailure(
            index, str(kind), "", "op", f"Unexpected kind: {kind if isinstance(kind, str) else 'unknown'}", None, True
        )
    path = op.get("path")
    if not isinstance(path, str):
        detail = ": operation missing path field" if kind in ("replace", "move", "test") else ""
        return OpFailure(index, kind, "", "op", f"{kind} operation failed to decode path{detail}: missing value", None, True)
    value = copy.deepcopy(op.get("value"))
    from_at: FieldPath = (index, "value")
    fail = _Failing(index, kind, path)
    if kind in ("move", "copy"):
        source = op.get("from")
        if not isinstance(source, str):
            return fail(f"{kind} operation failed to decode from: operation, missing from field: missing value", None, "from")
        taken = _take(doc, source, kind, rec, fail)
        if isinstance(taken, OpFailure):
            return taken
        if unknown(tuple(_pointer(source))):
            rec.loose.append(tuple(_pointer(path)))  # the value taken is not known here
        value, from_at = copy.deepcopy(taken), (index, "from")
    elif kind == "test":
        return _test(doc, path, value, fail, unknown)
    elif kind == "remove":
        return _remove(doc, path, rec, fail)
    elif kind == "replace" and path == "":
        return _UNDECIDED  # the whole document replaced: the object is another one (not modelled)
    return _put(doc, kind, path, value, from_at, rec, fail)


class _Failing:
    """Makes the OpFailure of one operation."""

    def __init__(self, index: int, kind: str, path: str) -> None:
        self.index, self.kind, self.path = index, kind, path

    def __call__(
        self, reason: str, at: Pointer | None, field: str = "path", path: str | None = None, *, certain: bool = True
    ) -> OpFailure:
        return OpFailure(self.index, self.kind, self.path if path is None else path, field, reason, at, certain)


def _find(doc: Any, pointer: str, *, writable: bool) -> tuple[Any, list[str], Pointer | None, FieldPath]:
    """evanphx findObject: (the container that holds the pointer's last part, the parts, None, the
    container's field path), or (None, parts, the parts up to the first one missing, ()) when the
    pointer has no "/" or a part on the way is missing, null or not a container. `writable`: each
    container on the way is replaced by a shallow copy first (the caller changes it, never the
    object it came from)."""
    split = pointer.split("/")
    parts = [_decode(p) for p in split[1:]]
    if len(split) < 2:
        return None, parts, None, ()  # evanphx: no container, on any object
    node = doc
    keys: list[str | int] = []
    for depth, part in enumerate(parts[:-1]):
        key, child = _child(node, part)
        if key is None or not isinstance(child, dict | list):
            return None, parts, tuple(parts[: depth + 1]), ()
        if writable:
            child = node[key] = copy.copy(child)
        node = child
        keys.append(key)
    return node, parts, None, tuple(keys)


def _child(node: Any, part: str) -> tuple[Any, Any]:
    """(key, value) of a map key or an array index (negative from the end) in `node`, or (None,
    None) when there is none (a missing key, an index out of range or not a number)."""
    if isinstance(node, dict):
        return (part, node[part]) if part in node else (None, None)
    index = _index(part, len(node)) if isinstance(node, list) else None
    return (index, node[index]) if isinstance(index, int) else (None, None)


_ATOI = re.compile(r"[+-]?[0-9]+")


def _atoi(part: str) -> int | str:
    """Go's strconv.Atoi: the number, or its error text."""
    if not _ATOI.fullmatch(part):
        return f'strconv.Atoi: parsing "{part}": invalid syntax'
    number = int(part)
    return number if -(2**63) <= number < 2**63 else f'strconv.Atoi: parsing "{part}": value out of range'


def _index(part: str, length: int) -> int | str:
    """An existing array index (evanphx partialArray.get: negative counts from the end), or the error."""
    number = _atoi(part)
    if isinstance(number, str):
        return number
    if number < -length or number >= length:
        return f"Unable to access invalid index: {number}: invalid index referenced"
    return number + length if number < 0 else number


def _unsure_keys(node: Any) -> bool:
    """A map with keys that are not strings: kustomize reads them as JSON strings ("1", "true"), the
    model does not look them up by their text."""
    return isinstance(node, dict) and any(not isinstance(k, str) for k in node)


def _take(doc: Any, pointer: str, kind: str, rec: _Recorder, fail: _Failing) -> Any:
    """The value a move or copy takes from `pointer` (a move removes it)."""
    con, parts, missing, where = _find(doc, pointer, writable=kind == "move")
    if con is None:
        return fail(
            f"{kind} operation does not apply: doc is missing from path: {pointer}: missing value", missing, "from", pointer
        )
    last = parts[-1]
    if isinstance(con, dict):
        if last in con:
            return con.pop(last) if kind == "move" else con[last]
        if _unsure_keys(con):
            return fail("", tuple(parts), "from", pointer, certain=False)
        if kind == "copy":
            return None  # evanphx: a missing key reads as null, and a copy copies it
        return fail(
            f"error in move for path: '{last}': Unable to remove nonexistent key: {last}: missing value",
            tuple(parts),
            "from",
            pointer,
        )
    index = _index(last, len(con))
    if isinstance(index, str):
        prefix = f"error in move for path: '{last}'" if kind == "move" else f"error in copy for from: '{pointer}'"
        return fail(f"{prefix}: {index}", tuple(parts), "from", pointer)
    if kind == "copy":
        return con[index]
    for later in range(index + 1, len(con)):
        rec.moved.append(((*where, later - 1), (*where, later)))
    return con.pop(index)


def _remove(doc: Any, pointer: str, rec: _Recorder, fail: _Failing) -> OpFailure | None:
    con, parts, missing, where = _find(doc, pointer, writable=True)
    if con is None:
        return fail(f'remove operation does not apply: doc is missing path: "{pointer}": missing value', missing)
    last = parts[-1]
    if isinstance(con, dict):
        if last in con:
            del con[last]
            return None
        certain = not _unsure_keys(con)
        return fail(
            f"error in remove for path: '{pointer}': Unable to remove nonexistent key: {last}: missing value",
            tuple(parts),
            certain=certain,
        )
    index = _index(last, len(con))
    if isinstance(index, str):
        return fail(f"error in remove for path: '{pointer}': {index}", tuple(parts))
    for later in range(index + 1, len(con)):
        rec.moved.append(((*where, later - 1), (*where, later)))
    del con[index]
    return None


def _put(doc: Any, kind: str, pointer: str, value: Any, from_at: FieldPath, rec: _Recorder, fail: _Failing) -> OpFailure | None:
    """add, replace, and the second half of move and copy: `value` at `pointer`."""
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    if pointer.startswith("/metadata/annotations/") and isinstance(meta, dict) and meta.get("annotations") is None:
        # kustomize sets its internal annotations on every object before its patches run (and drops
        # them after): an object's annotation map is always there (kubectl kustomize v5.8.1)
        doc["metadata"] = {**meta, "annotations": {}}
    con, parts, missing, where = _find(doc, pointer, writable=True)
    if con is None:
        if kind == "add":
            return fail(f'add operation does not apply: doc is missing path: "{pointer}": missing value', missing)
        if kind == "replace":
            return fail(f"replace operation does not apply: doc is missing path: {pointer}: missing value", missing)
        return fail(f"{kind} operation does not apply: doc is missing destination path: {pointer}: missing value", missing)
    last = parts[-1]
    if isinstance(con, dict):
        con[last] = value  # replace too: evanphx reads a missing key as null, and sets it
        rec.patched((*where, last), from_at)
        return None
    list_at = where
    if kind == "replace":
        index = _index(last, len(con))
        if isinstance(index, str):
            return fail(f"replace operation does not apply: doc is missing key: {pointer}: missing value", tuple(parts))
        con[index] = value
        rec.patched((*list_at, index), from_at)
        return None
    if last == "-":
        position: int | str = len(con)
    else:
        number = _atoi(last)
        if isinstance(number, str):
            position = f"value was not a proper array index: '{last}': {number}"
        elif number < -(len(con) + 1) or number > len(con):
            position = f"Unable to access invalid index: {number}: invalid index referenced"
        else:  # evanphx partialArray.add: -1 is after the last item
            position = number + len(con) + 1 if number < 0 else number
    if isinstance(position, str):
        prefix = {"add": f"error in add for path: '{pointer}'", "move": f"error in move for path: '{pointer}'"}
        return fail(f"{prefix.get(kind, 'error while adding value during copy')}: {position}", tuple(parts))
    con.insert(position, value)
    for later in range(position + 1, len(con)):
        rec.moved.append(((*list_at, later), (*list_at, later - 1)))
    rec.patched((*list_at, position), from_at)
    return None


def _test(doc: Any, pointer: str, value: Any, fail: _Failing, unknown: Unknown) -> Any:
    """A test: fails where the value is missing (or null) and the test's is not, or where both are
    strings that differ (in a field no transformer the model does not apply may have set: `unknown`);
    other values are compared only for equality."""
    if pointer == "":
        return _UNDECIDED  # the whole document compared
    con, parts, missing, _ = _find(doc, pointer, writable=False)
    if con is None:
        return fail(f"test operation does not apply: is missing path: {pointer}: missing value", missing)
    last = parts[-1]
    if isinstance(con, dict):
        if last not in con and _unsure_keys(con):
            return _UNDECIDED
        found = con.get(last)
    else:
        index = _index(last, len(con))
        if isinstance(index, str):
            return fail(f"error in test for path: '{pointer}': {index}", tuple(parts))
        found = con[index]
    if found is None:
        return None if value is None else fail(f"testing value {pointer} failed: test failed", tuple(parts))
    if unknown(tuple(parts)):
        return _UNDECIDED
    if _same_scalar(found, value):
        return None
    if isinstance(found, str) and isinstance(value, str):  # two strings: YAML 1.1 and 1.2 read them alike
        return fail(f"testing value {pointer} failed: test failed", tuple(parts))
    return _UNDECIDED  # maps and lists are not compared (YAML aliases may share their nodes), nor mixed scalars


def _same_scalar(a: Any, b: Any) -> bool:
    """Two equal strings, numbers of one type, or booleans (JSON equality: 5 is not 5.0 nor "5")."""
    scalar = (str, int, float, bool)
    return isinstance(a, scalar) and type(a) is type(b) and a == b


def _decode(part: str) -> str:
    """A JSON pointer part (RFC 6901: ~1 is '/', ~0 is '~')."""
    return part.replace("~1", "/").replace("~0", "~")


def _pointer(text: str) -> list[str]:
    return [_decode(p) for p in text.split("/")[1:]]


def apply_patch(
    data: dict[str, Any], body: Any, source: PatchSource | None = None, unknown: Unknown | None = None
) -> tuple[Any, _Recorder]:
    """`data` after one patch body: JSON6902 (a list) or strategic merge (a mapping); None when the
    patch deletes the object. An unusable body leaves `data` as it is. `unknown`: see json6902."""
    if isinstance(body, list):
        return json6902(data, body, source, unknown)
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
                out.append(Origin(field, src.path, src.doc, src.at, True, at, part=src.part))
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
