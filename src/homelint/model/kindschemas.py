"""JSON-schema validation of the kinds homelint reasons about, run per file in the per-file phase
(filefacts: HL601).

A compiled yes/no check (fastschema) answers first; jsonschema explains only the failures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from itertools import islice
from typing import Any

from homelint.core.model import sops_encrypted
from homelint.core.resources import data_dir, schema
from homelint.core.schemaerrors import describe, did_you_mean
from homelint.loading.discovery import KUSTOMIZATION_NAMES
from homelint.loading.positions import find_node, node_span
from homelint.loading.yamlload import tag_of
from homelint.model.fastschema import Compiler, Unsupported, Validator
from homelint.model.kustomize import FIELDS, canonical_fields, reads_as_kustomization
from homelint.model.nulls import Defaults, as_validated, defaults_of, native, schema_branches

# (apiVersion, kind) -> schema file in schemas/kinds/
SCHEMAS: dict[tuple[str, str], str] = {
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"): "kustomization.kustomize.toolkit.fluxcd.io.json",
    ("helm.toolkit.fluxcd.io/v2", "HelmRelease"): "helmrelease.helm.toolkit.fluxcd.io.json",
    ("source.toolkit.fluxcd.io/v1", "GitRepository"): "gitrepository.source.toolkit.fluxcd.io.json",
    ("source.toolkit.fluxcd.io/v1", "OCIRepository"): "ocirepository.source.toolkit.fluxcd.io.json",
    ("source.toolkit.fluxcd.io/v1", "HelmRepository"): "helmrepository.source.toolkit.fluxcd.io.json",
    ("source.toolkit.fluxcd.io/v1", "HelmChart"): "helmchart.source.toolkit.fluxcd.io.json",
    ("external-secrets.io/v1", "ExternalSecret"): "externalsecret.external-secrets.io.json",
    ("external-secrets.io/v1", "SecretStore"): "secretstore.external-secrets.io.json",
    ("external-secrets.io/v1", "ClusterSecretStore"): "secretstore.external-secrets.io.json",
    ("v1", "PersistentVolumeClaim"): "persistentvolumeclaim.json",
    ("v1", "Secret"): "secret.json",
    ("v1", "ConfigMap"): "configmap.json",
    ("v1", "Namespace"): "namespace.json",
}
KUSTOMIZE_SCHEMA = "kustomization.kustomize.config.k8s.io.json"
MAX_ERRORS_PER_OBJECT = 5


@cache
def validator(name: str) -> Any:
    import jsonschema  # start-up: imported only where it is needed
    from referencing import Registry, Resource  # start-up: imported only where it is needed

    resources = []
    for path in sorted((data_dir("schemas") / "kinds").glob("*.json")):
        contents = schema(f"kinds/{path.name}")
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry = Registry().with_resources(resources)
    return jsonschema.Draft202012Validator(schema(f"kinds/{name}"), registry=registry)


@cache
def _compiler() -> Any:
    documents = {}
    for path in sorted((data_dir("schemas") / "kinds").glob("*.json")):
        contents = schema(f"kinds/{path.name}")
        documents[contents["$id"]] = contents
    return Compiler(documents)


@cache
def fast_validator(name: str) -> Any:
    """The compiled yes/no check of a kind schema; None if it uses keywords fastschema lacks."""
    try:
        return _compiler().check_for(schema(f"kinds/{name}")["$id"])
    except Unsupported:
        return None


@cache
def checker(name: str) -> Any:
    """The schema's fastschema.Validator: compiled check first, jsonschema for the failures."""
    return Validator(fast_validator(name), lambda: validator(name))


def decoded(name: str, doc: dict[str, Any]) -> bool:
    """Whether `doc` is decoded into Go types before validation (a built-in kind, a kustomization
    file), where a null is a zero value; else it is a custom resource, which keeps its nulls."""
    return name == KUSTOMIZE_SCHEMA or native(doc.get("apiVersion"))


def admitted(name: str, doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` as the API server (kustomize, for a kustomization file) validates it against schema
    `name`: nulls that decode to zero values dropped, defaulted ones filled (nulls.py)."""
    if decoded(name, doc):
        return as_validated(doc, (), decoded=True)
    return as_validated(doc, _defaults(name), decoded=False)


@cache
def _defaults(name: str) -> Defaults:
    return defaults_of(schema(f"kinds/{name}")["$id"], _compiler().documents)


KEPT_NULL = "; Flux applies custom resources with server-side apply, which keeps a null: omit it to leave it unset"


def readable_each(error: Any, *, custom: bool = False, name: str | None = None) -> Iterator[tuple[tuple[Any, ...], str]]:
    """`readable` of one jsonschema error, once per unknown field of an additionalProperties error
    (jsonschema reports a mapping's unknown fields as one error; the API server rejects each).
    Lazy: a caller that stops after a few reads no more of a mapping of many unknown fields."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        yield readable(error, custom=custom, name=name)
        return
    allowed = error.schema.get("properties", {})
    extras = (k for k in error.instance if k not in allowed)
    first = next(extras, None)
    yield readable(error, custom=custom, name=name, extra=first)
    for extra in extras:
        yield readable(error, custom=custom, name=name, extra=extra)


def readable(error: Any, *, custom: bool = False, name: str | None = None, extra: Any = None) -> tuple[tuple[Any, ...], str]:
    """A position (field path) and a sentence for one jsonschema error; of a `custom` resource, a
    failing null also says that omitting the field is what leaves it unset; an unknown field that
    schema `name` declares in one other place says where (`healthChecks[].healthCheckExprs`).
    `extra`: which unknown field of an additionalProperties error (default: the first)."""
    keys, message = _readable(error, extra)
    local = _LOCAL_REFERENCES.get(_shape(keys[-3:-1])) if error.validator == "additionalProperties" else None
    if local is not None and keys and keys[-1] == "namespace":
        return keys, f"{message.split('; did you mean')[0]}; {local} is read in this object's own namespace (the field has none)"
    if name is not None and error.validator == "additionalProperties" and "; did you mean" not in message:
        homes = [home for home in field_homes(name, str(keys[-1])) if home != _shape(keys[:-1])]
        if len(homes) == 1:
            message += f"; it is a field of {'.'.join(homes[0]) or 'the object'}"
    if (
        custom
        and error.validator not in ("required", "additionalProperties")
        and _null_at(error.instance, keys[len(error.absolute_path) :])
    ):
        message += KEPT_NULL
    return keys, message


# references of a Flux object that hold no namespace (a LocalObjectReference: the controller reads
# the object in the referring object's namespace), by the last two parts of their field path
_LOCAL_REFERENCES: dict[tuple[str, ...], str] = {
    ("substituteFrom", "*"): "a substituteFrom ConfigMap or Secret",
    ("decryption", "secretRef"): "the decryption Secret",
    ("kubeConfig", "secretRef"): "the kubeConfig Secret",
    ("valuesFrom", "*"): "a valuesFrom ConfigMap or Secret",
}

MAX_HOME_DEPTH = 12


@cache
def field_homes(name: str, key: str) -> tuple[tuple[str, ...], ...]:
    """The mappings of schema `name` (refs and allOf/anyOf/oneOf followed as defaults_of follows
    them, list items as `*`) that declare the property `key`, as field paths."""
    documents = _compiler().documents
    found: list[tuple[str, ...]] = []

    def walk(node: Any, base: str, at: tuple[str, ...]) -> None:
        if len(at) > MAX_HOME_DEPTH:
            return
        for branch, where in schema_branches(node, base, documents):
            properties = branch.get("properties")
            if isinstance(properties, dict):
                if key in properties:
                    found.append(at)
                for child, sub in properties.items():
                    walk(sub, where, (*at, str(child)))
            walk(branch.get("items"), where, (*at, "*"))

    uri = schema(f"kinds/{name}")["$id"]
    walk(documents.get(uri), uri, ())
    return tuple(dict.fromkeys(found))


def _shape(keys: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("*" if isinstance(key, int) else str(key) for key in keys)


def _null_at(instance: Any, keys: tuple[Any, ...]) -> bool:
    """Whether the value at `keys` under `instance` (the value the error is about) is a null."""
    for key in keys:
        if (isinstance(instance, dict) and key in instance) or (
            isinstance(instance, list) and isinstance(key, int) and 0 <= key < len(instance)
        ):
            instance = instance[key]
        else:
            return False
    return instance is None


def _readable(error: Any, extra: Any = None) -> tuple[tuple[Any, ...], str]:
    import jsonschema  # start-up: imported only where it is needed

    if error.validator in ("anyOf", "oneOf") and error.context:
        if error.validator == "oneOf" and error.schema.get("oneOf") and all("required" in s for s in error.schema["oneOf"]):
            options = " or ".join(s["required"][0] for s in error.schema["oneOf"])
            where = ".".join(map(str, error.absolute_path)) or "object"
            return tuple(error.absolute_path), f"{where} must set exactly one of {options}"
        error = jsonschema.exceptions.best_match(error.context)
    path = tuple(error.absolute_path)
    where = ".".join(map(str, path)) or "the object"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        if extra is None:
            extras = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
            extra = extras[0] if extras else "?"
        hint = did_you_mean(str(extra)[:100], allowed[:500])
        return (*path, extra), f"unknown field '{extra}' in {where}{hint}"
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return path, f"{where} is missing the required field '{missing}'"
    return path, describe(error, where)


@cache
def enum_at(api_version: str, kind: str, path: tuple[str, ...]) -> tuple[Any, ...] | None:
    """The values the schema homelint ships for this kind allows at the field `path` (through
    `properties` only), or None: no schema, no such field, or no enum there."""
    name = SCHEMAS.get((api_version, kind))
    node: Any = schema(f"kinds/{name}") if name is not None else None
    for key in path:
        props = node.get("properties") if isinstance(node, dict) else None
        node = props.get(key) if isinstance(props, dict) else None
    values = node.get("enum") if isinstance(node, dict) else None
    return tuple(values) if isinstance(values, list) else None


def validate_documents(path: str, docs: list[Any], nodes: list[Any]) -> list[tuple[Any, ...]]:
    """HL601 errors of one file, computed in the per-file phase (filefacts, in the parse workers).

    Each entry: (doc index, message, line, column, end line, end column, field path). Namespaces
    are left to the check, because kustomize may rename them (`name: _`).
    """
    out: list[tuple[Any, ...]] = []
    kustomization = path.rsplit("/", 1)[-1] in KUSTOMIZATION_NAMES
    for index, doc in enumerate(docs):
        if not isinstance(doc, dict) or index >= len(nodes) or nodes[index] is None:
            continue
        typed: dict[tuple[Any, ...], str] | None = None  # of a SOPS document: the values it decrypts to a non-string
        if sops_encrypted(doc):
            doc, typed = sops_typed_view(doc)
            if not typed:
                continue
        booleans: dict[tuple[Any, ...], str] = {}
        if kustomization and index == 0:
            doc, written = canonical_fields(doc)  # field names as kustomize reads them (case-insensitive)
            view = yaml11_booleans(doc, nodes[index], booleans, written)
        else:
            view = doc
        if kustomization and index == 0 and reads_as_kustomization(doc) and typed is None:
            name, label = KUSTOMIZE_SCHEMA, "kustomization"
            mismatch = kustomize_version_error(doc)
            if mismatch is not None:
                span = node_span(find_node(nodes[index], ("apiVersion",)))
                out.append(
                    (index, f"{label}: {mismatch}", span.line, span.column, span.end_line, span.end_column, ("apiVersion",))
                )
        else:
            found = SCHEMAS.get((str(doc.get("apiVersion")), str(doc.get("kind"))))
            if found is None or doc.get("kind") == "Namespace":
                continue
            name = found
            meta = doc.get("metadata")
            named = meta.get("name") if isinstance(meta, dict) else None
            label = f"{doc.get('kind')} {named}" if isinstance(named, str) else str(doc.get("kind"))
        errors = sorted(
            checker(name).iter_errors(admitted(name, view if name == KUSTOMIZE_SCHEMA else doc)),
            key=lambda e: (list(map(str, e.absolute_path)), e.message),
        )
        if name == KUSTOMIZE_SCHEMA:
            errors = [e for e in errors if not _judged_by_kustomize(doc, list(e.absolute_path))]
        readings: Iterator[Any] = (
            (e, found) for e in errors for found in readable_each(e, custom=not decoded(name, doc), name=name)
        )
        if typed is not None:
            readings = only_typed(readings, typed)
        for error, (keys, message) in islice(readings, MAX_ERRORS_PER_OBJECT):
            if name == KUSTOMIZE_SCHEMA:
                message = _yaml11_message(error, keys, booleans) or message
            span = node_span(find_node(nodes[index], keys, key=error.validator == "additionalProperties"))
            out.append((index, f"{label}: {message}", span.line, span.column, span.end_line, span.end_column, keys))
        if name == KUSTOMIZE_SCHEMA:
            for keys, message, node in yaml11_string_map_errors(doc, nodes[index])[:MAX_ERRORS_PER_OBJECT]:
                span = node_span(node)
                out.append((index, f"{label}: {message}", span.line, span.column, span.end_line, span.end_column, keys))
    return out


# sops writes each value it encrypts as `ENC[AES256_GCM,data:...,iv:...,tag:...,type:T]`, T the type
# of the value it encrypted, and decrypts it to that type: `type:int` to a number, so a Secret's
# stringData value written `7` before encryption reaches the API server as a number, as it would
# in clear (kustomize-controller decrypts the object, internal/decryptor DecryptResource, then applies it).
_CIPHERTEXT = re.compile(r"ENC\[AES256_GCM,data:[^,\]]*,iv:[^,\]]*,tag:[^,\]]*,type:(int|float|bool)\]")
_DECRYPTED = {"int": 0, "float": 0.5, "bool": False}


def sops_typed_view(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[tuple[Any, ...], str]]:
    """A SOPS document as validated: each ciphertext of a non-string type replaced by a value of
    that type, and the paths of those values with their types (none: nothing to judge)."""
    typed: dict[tuple[Any, ...], str] = {}
    return _decrypted_view(doc, (), typed), typed


def only_typed(readings: Iterator[tuple[Any, tuple[Any, ...]]], typed: dict[tuple[Any, ...], str]) -> Iterator[Any]:
    """The (error, (keys, message)) readings of a SOPS document's view at its typed values only
    (the rest of an encrypted document is not known), each message saying why."""
    for error, (keys, message) in readings:
        kind = typed.get(tuple(keys))
        if kind is not None:
            yield error, (keys, f"{message} (sops decrypts it to type:{kind}; quote the value before encrypting it)")


def _decrypted_view(value: Any, path: tuple[Any, ...], typed: dict[tuple[Any, ...], str]) -> Any:
    """`value` with each ciphertext of a non-string type replaced by a value of that type (its
    path recorded in `typed`); the sops block and the other values left as written. Recursive: the
    loader refuses documents nested deeper than MAX_DEPTH and aliases expanding past its bound."""
    if isinstance(value, str):
        found = _CIPHERTEXT.fullmatch(value)
        if found is None:
            return value
        typed[path] = found.group(1)
        return _DECRYPTED[found.group(1)]
    if isinstance(value, dict):
        return {k: v if (not path and k == "sops") else _decrypted_view(v, (*path, k), typed) for k, v in value.items()}
    if isinstance(value, list):
        return [_decrypted_view(v, (*path, i), typed) for i, v in enumerate(value)]
    return value


# kustomize decodes a kustomization file with sigs.k8s.io/yaml: go-yaml v2 (YAML 1.1) to JSON, then
# into its Go struct, whose label and annotation maps are map[string]string (api/types
# kustomization.go, labels.go, generatoroptions.go). A plain scalar YAML 1.1 reads as a boolean or
# a number fails the file ("json: cannot unmarshal bool into Go struct field
# Kustomization.commonLabels of type string", kubectl kustomize 5.8.1; as a key, "unsupported
# type"), where YAML 1.2 (this loader, the schema) reads a string: `yes`, `on`, `y`, `0b1`, `1_000`.
_YAML11_BOOLS = frozenset(
    form for word in ("y", "yes", "n", "no", "true", "false", "on", "off") for form in (word, word.capitalize(), word.upper())
)
_YAML11_NUMBER = re.compile(
    r"[-+]?(?:0[bB][01]+|0[oO]?[0-7]+|0[xX][0-9a-fA-F]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|\.(?:inf|Inf|INF))|\.(?:nan|NaN|NAN)"
)


def yaml11_type(node: Any) -> str | None:
    """`a boolean` or `a number` when go-yaml v2 reads a scalar node the loader read as a string
    as one, else None. Only a plain, untagged scalar on one line is judged (a tag or an anchor
    before it: not judged)."""
    if node.id != "scalar" or node.style or not isinstance(node.value, str) or tag_of(node) != "tag:yaml.org,2002:str":
        return None
    if node.start_mark.line != node.end_mark.line or node.end_mark.index - node.start_mark.index != len(node.value):
        return None
    if node.value in _YAML11_BOOLS:
        return "a boolean"
    return "a number" if _YAML11_NUMBER.fullmatch(node.value.replace("_", "")) else None


_YAML11_TRUE = frozenset(form for word in ("y", "yes", "true", "on") for form in (word, word.capitalize(), word.upper()))


def yaml11_booleans(
    value: Any, node: Any, converted: dict[tuple[Any, ...], str], fields: dict[str, str] | None = None, at: tuple[Any, ...] = ()
) -> Any:
    """`value` (a kustomization file, parsed by the loader: YAML 1.2) as kustomize decodes it
    (go-yaml v2: YAML 1.1): every plain scalar value yaml11_type reads as a boolean (`yes`,
    `on`, `y`, `no`, `off`, `n`) is that boolean. Keys stay as they are (yaml11_string_map_errors
    judges them). Each converted field path goes into `converted`, with the text written;
    `fields`: top-level field name -> the key written in the file (canonical_fields)."""
    if node is None:
        return value
    if isinstance(value, dict) and node.id == "mapping":
        children = {k.value: v for k, v in node.value if k.id == "scalar"}
        out: dict[Any, Any] = {}
        for key, item in value.items():
            key_written = (fields or {}).get(key, key)
            child = children.get(key_written) if isinstance(key_written, str) else None
            out[key] = yaml11_booleans(item, child, converted, None, (*at, key))
        return out
    if isinstance(value, list) and node.id == "sequence" and len(value) == len(node.value):
        pairs = enumerate(zip(value, node.value, strict=True))
        return [yaml11_booleans(item, child, converted, None, (*at, i)) for i, (item, child) in pairs]
    if isinstance(value, str) and yaml11_type(node) == "a boolean":
        converted[at] = node.value
        return node.value in _YAML11_TRUE
    return value


def _yaml11_message(error: Any, keys: tuple[Any, ...], booleans: dict[tuple[Any, ...], str]) -> str | None:
    """The message of a kustomization's type error at a field written as a YAML 1.1 boolean
    (yaml11_booleans), or at a boolean field written as a string; None for any other error."""
    if error.validator != "type" or tuple(error.absolute_path) != keys:
        return None
    where = ".".join(map(str, keys))
    expected = error.validator_value
    if keys in booleans and expected == "string":
        return (
            f"{where}: the value {booleans[keys]} is a boolean to kustomize (YAML 1.1), not a string: "
            "kustomize fails to read the file; quote it"
        )
    if expected == "boolean" and isinstance(error.instance, str):
        return f"{where} must be a boolean, not a string: kustomize fails to read the file; write true or false, unquoted"
    return None


def _kustomize_string_maps(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Field paths of the label and annotation maps of a kustomization (field names as kustomize
    reads them)."""
    paths: list[tuple[Any, ...]] = [("commonLabels",), ("commonAnnotations",)]
    paths += [("generatorOptions", field) for field in ("labels", "annotations")]
    labels = doc.get("labels")
    paths += [("labels", index, "pairs") for index in range(len(labels) if isinstance(labels, list) else 0)]
    for generator in ("configMapGenerator", "secretGenerator"):
        items = doc.get(generator)
        for index in range(len(items) if isinstance(items, list) else 0):
            paths += [(generator, index, "options", field) for field in ("labels", "annotations")]
    return paths


def _child(node: Any, key: Any) -> Any:
    """The value node at `key` of a mapping (written keys only) or a sequence node, or None."""
    if node is not None and node.id == "mapping" and isinstance(key, str):
        return next((v for k, v in node.value if k.id == "scalar" and k.value == key), None)
    if node is not None and node.id == "sequence" and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]
    return None


def yaml11_string_map_errors(doc: dict[str, Any], root: Any) -> list[tuple[tuple[Any, ...], str, Any]]:
    """(field path, message, node) of each key or value of a kustomization's label and annotation
    maps that YAML 1.1 reads as a boolean or a number and YAML 1.2 as a string (yaml11_type)."""
    _, written = canonical_fields(doc)
    out: list[tuple[tuple[Any, ...], str, Any]] = []
    for path in _kustomize_string_maps(doc):
        node = root
        for key in (written.get(path[0], path[0]), *path[1:]):
            node = _child(node, key)
        if node is None or node.id != "mapping":
            continue
        shown = ".".join(map(str, path))
        for key_node, value_node in node.value:
            key = key_node.value if key_node.id == "scalar" else "?"
            for found, what in ((key_node, "key"), (value_node, "value")):
                kind = yaml11_type(found)
                if kind is not None and (what, kind) != ("value", "a boolean"):  # the schema judges those (yaml11_booleans)
                    message = (
                        f"{shown}.{key}: the {what} {found.value} is {kind} to kustomize (YAML 1.1), not a string: "
                        "kustomize fails to read the file; quote it"
                    )
                    out.append(((*path, key) if what == "value" else path, message, found))
    return out


KUSTOMIZATION_VERSION = "kustomize.config.k8s.io/v1beta1"
COMPONENT_VERSION = "kustomize.config.k8s.io/v1alpha1"


def kustomize_version_error(doc: dict[str, Any]) -> str | None:
    """kustomize's own check of a kustomization file's apiVersion (api/types/kustomization.go
    FixKustomization, then EnforceFields): a missing kind is Kustomization; a Kustomization must be
    kustomize.config.k8s.io/v1beta1 and a Component v1alpha1, or have no apiVersion at all."""
    api_version = doc.get("apiVersion")
    if not isinstance(api_version, str) or not api_version:
        return None  # absent: kustomize fills it in; not a string: the schema's type error
    kind = doc.get("kind") or "Kustomization"
    required = COMPONENT_VERSION if kind == "Component" else KUSTOMIZATION_VERSION
    if api_version == required:
        return None
    return f"apiVersion for {kind} should be {required} (kustomize fails to read the file)"


_JSON_TYPES = ((bool, "bool"), ((int, float), "number"), (list, "array"), (dict, "object"))


def kustomization_refusal(doc: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """(kustomize's error, the field it is at) for the first document of a kustomization file (its
    canonical fields) that is not a Kustomization or Component (reads_as_kustomization). kustomize
    decodes the file strictly into its Kustomization (api/types/kustomization.go; sigs.k8s.io/yaml
    hands the keys over sorted, and the first error is kept): a field it does not have fails it
    ('invalid Kustomization: json: unknown field "spec"'), and so does a kind that is no string;
    else EnforceFields refuses the kind and apiVersion ("kind should be Kustomization or
    Component", "apiVersion for ConfigMap should be kustomize.config.k8s.io/v1beta1"; kubectl
    kustomize v5.8.1)."""
    kind = doc.get("kind")
    for key in sorted(k for k in doc if isinstance(k, str)):
        if key not in FIELDS:
            return f'invalid Kustomization: json: unknown field "{key}"', (key,)
        if key == "kind" and kind is not None and not isinstance(kind, str):
            shown = next((name for types, name in _JSON_TYPES if isinstance(kind, types)), "a value")
            return (
                f"invalid Kustomization: json: cannot unmarshal {shown} into Go struct field Kustomization.TypeMeta.kind "
                "of type string",
                ("kind",),
            )
    refused_kind = kind not in (None, "", "Kustomization", "Component")
    reasons = ["kind should be Kustomization or Component"] if refused_kind else []
    mismatch = kustomize_version_error(doc)
    if mismatch is not None:
        reasons.append(mismatch.split(" (", 1)[0])
    return "; ".join(reasons) or "kustomize cannot read it as a kustomization", ("kind",) if refused_kind else ("apiVersion",)


def _judged_by_kustomize(doc: dict[str, Any], path: list[Any]) -> bool:
    """Whether kustomize's own check (kustomize_version_error) replaces the schema's error at
    `path`: a string apiVersion; an empty kind, which kustomize reads as Kustomization."""
    if path == ["apiVersion"]:
        return isinstance(doc.get("apiVersion"), str)
    return path == ["kind"] and doc.get("kind") == ""


def warm_validators() -> None:
    for name in sorted({*SCHEMAS.values(), KUSTOMIZE_SCHEMA}):
        fast_validator(name)
        if name != KUSTOMIZE_SCHEMA:  # a kustomization file is decoded: its nulls are zero values
            _defaults(name)
