"""kustomize's builtin NamespaceTransformer as a `transformers:` entry configures it.

It follows kustomize's namespace filter (api/filters/namespace, api/filters/fieldspec): the
configuration's `metadata.namespace` is set as every object's namespace (with `unsetOnly`, only
where it is empty), and on each field a `fieldSpecs` entry selects: the entry's group, version and
kind (each when given) must match the object, a missing field is made only with `create: true`,
and `metadata/name` is set only on objects of apiVersion `v1` (the Namespace idiom). RoleBinding
and ClusterRoleBinding subjects take the namespace as `setRoleBindingSubjects` says (by default
only a subject named `default`). A field path through a list (`[]`, `[k=v]`) is not modelled.

Also the label and annotation transformers of a kustomization (metadata_pairs), and the fieldSpecs
a `labels:` entry's `fields` gives its LabelTransformer (label_field_specs, label_fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BUILTIN_API_VERSIONS = frozenset(("builtin",))
ROLE_BINDINGS = frozenset(("RoleBinding", "ClusterRoleBinding"))


@dataclass(frozen=True, slots=True)
class NamespaceConfig:
    namespace: str
    unset_only: bool
    field_specs: tuple[tuple[str, str, str, tuple[str, ...], bool], ...]  # (group, version, kind, path, create)
    subjects: str  # defaultOnly | allServiceAccounts | none


def is_builtin(config: Any, kind: str) -> bool:
    """Whether a transformer configuration is kustomize's builtin `kind`."""
    return isinstance(config, dict) and config.get("apiVersion") in BUILTIN_API_VERSIONS and config.get("kind") == kind


def namespace_config(config: dict[str, Any]) -> NamespaceConfig | None:
    """A builtin NamespaceTransformer's settings; None when it sets no namespace (kustomize then
    does nothing)."""
    meta = config.get("metadata")
    ns = meta.get("namespace") if isinstance(meta, dict) else None
    if not isinstance(ns, str) or not ns:
        return None
    specs: list[tuple[str, str, str, tuple[str, ...], bool]] = []
    found = config.get("fieldSpecs")
    for spec in found if isinstance(found, list) else []:
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            continue
        path = tuple(part for part in spec["path"].split("/") if part)
        if not path or any("[" in part or "\\" in part for part in path):
            continue  # through a list, or an escaped slash: not modelled
        group, version, kind = (str(spec[k]) if isinstance(spec.get(k), str) else "" for k in ("group", "version", "kind"))
        specs.append((group, version, kind, path, spec.get("create") is True))
    subjects = config.get("setRoleBindingSubjects")
    return NamespaceConfig(ns, config.get("unsetOnly") is True, tuple(specs), subjects if isinstance(subjects, str) else "")


def namespace_fields(config: NamespaceConfig, obj: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """The fields besides metadata.namespace the transformer sets on an object (as it stands in
    the build): (field path, the namespace), in the order kustomize sets them."""
    api = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) else ""
    group, _, version = str(api).rpartition("/")
    kind = obj.get("kind")
    out: list[tuple[tuple[str, ...], str]] = []
    if kind in ROLE_BINDINGS:
        out.extend(_subjects(config, obj))
    for spec_group, spec_version, spec_kind, path, create in config.field_specs:
        if (
            (spec_kind and spec_kind != kind)
            or (spec_group and spec_group != group)
            or (spec_version and spec_version != version)
        ):
            continue
        if path == ("metadata", "namespace") or (path == ("metadata", "name") and api != "v1"):
            continue  # metadata.namespace is the object's namespace; a name only of v1 objects
        if kind in ROLE_BINDINGS and path == ("subjects", "namespace"):
            continue  # setRoleBindingSubjects decides
        value = _field(obj, path)
        if value is _MISSING:
            if create and _creatable(obj, path):
                out.append((path, config.namespace))
        elif (value is None or isinstance(value, str | int | float | bool)) and (not config.unset_only or value in (None, "")):
            out.append((path, config.namespace))
    return out


_MISSING = object()


def _field(obj: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(obj, dict) or part not in obj:
            return _MISSING
        obj = obj[part]
    return obj


def _creatable(obj: Any, path: tuple[str, ...]) -> bool:
    """Whether kustomize can make the field: every existing step on the way is a mapping."""
    for part in path[:-1]:
        if not isinstance(obj, dict):
            return False
        obj = obj.get(part)
        if obj is None:
            return True
    return isinstance(obj, dict)


def _subjects(config: NamespaceConfig, obj: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    mode = config.subjects or "defaultOnly"
    subjects = obj.get("subjects")
    if mode == "none" or not isinstance(subjects, list):
        return []
    out: list[tuple[tuple[str, ...], str]] = []
    for index, subject in enumerate(subjects):
        if not isinstance(subject, dict):
            continue
        wanted = subject.get("kind") == "ServiceAccount" if mode == "allServiceAccounts" else subject.get("name") == "default"
        current = subject.get("namespace")
        if wanted and (not config.unset_only or current in (None, "")):
            out.append((("subjects", str(index), "namespace"), config.namespace))
    return out


@dataclass(frozen=True, slots=True)
class LabelFieldSpec:
    """One fieldSpec a `labels:` entry's LabelTransformer runs with: its (group, version, kind)
    filter (empty: any), its field path (kustomize's `path` split on `/`) and `create`. `loose`:
    None when the model applies it exactly; else the pointer below which it may set what the model
    does not know (a path through a list, one that holds `${`, an unreadable `create`)."""

    group: str
    version: str
    kind: str
    path: tuple[str, ...]
    create: bool
    loose: tuple[str, ...] | None = None

    def selects(self, obj: dict[str, Any]) -> bool:
        """Whether the filter matches the object (fieldspec.isMatchGVK: apiVersion `v1` is group "")."""
        api, kind = obj.get("apiVersion"), obj.get("kind")
        group, _, version = (api if isinstance(api, str) else "").rpartition("/")
        return (
            (not self.kind or self.kind == kind)
            and (not self.group or self.group == group)
            and (not self.version or self.version == version)
        )


METADATA_LABELS = LabelFieldSpec("", "", "", ("metadata", "labels"), True)
METADATA_ANNOTATIONS = LabelFieldSpec("", "", "", ("metadata", "annotations"), True)
_FIELD_SPEC_KEYS = frozenset(("group", "version", "kind", "path", "create"))


def label_field_specs(fields: Any) -> tuple[LabelFieldSpec, ...] | None:
    """The fieldSpecs of a `labels:` entry with `fields` (kusttarget_configplugin.go): its own, in
    order, then metadata/labels (create) unless one of its own has that path (FsSlice.MergeOne:
    an entry of any kind with the path takes the default's place, so labels go only where that
    entry's kind says; checked with kustomize 5.8.1). None when kustomize fails on them (a key it
    does not know, a metadata/labels entry without create: "conflicting fieldspecs") or the model
    cannot read them (a filter that is not text)."""
    if not isinstance(fields, list):
        return None
    specs: list[LabelFieldSpec] = []
    for item in fields:
        if not isinstance(item, dict) or not set(item) <= _FIELD_SPEC_KEYS or not isinstance(item.get("path"), str):
            return None
        group, version, kind = (item.get(k, "") for k in ("group", "version", "kind"))
        create = item.get("create", False)
        if not all(isinstance(v, str) for v in (group, version, kind)):
            return None
        if item["path"] == "metadata/labels" and create is not True:
            return None
        specs.append(_label_field_spec(group, version, kind, item["path"], create))
    if all(item["path"] != "metadata/labels" for item in fields):
        specs.append(METADATA_LABELS)
    return tuple(specs)


def _label_field_spec(group: str, version: str, kind: str, text: str, create: Any) -> LabelFieldSpec:
    """A fieldSpec as the model reads it: a path part that is not a plain map key (empty, `x[]`, an
    escaped slash, a `${`, or one the model's edits would read as a list index) ends what it
    applies there; the whole `metadata` map may take a name, so it is not applied either."""
    path = tuple(text.split("/"))
    for index, part in enumerate(path):
        if not part or "[" in part or "\\" in part or "$" in part or part.isdigit() or part == "*":
            return LabelFieldSpec(group, version, kind, path, False, path[:index])
    if path == ("metadata",):
        return LabelFieldSpec(group, version, kind, path, False, ())
    if not isinstance(create, bool):
        return LabelFieldSpec(group, version, kind, path, False, path)
    return LabelFieldSpec(group, version, kind, path, create)


def metadata_pairs(data: dict[str, Any]) -> list[tuple[str, dict[str, str], tuple[LabelFieldSpec, ...] | None]]:
    """("labels" or "annotations", pairs, fieldSpecs) of a kustomization's label and annotation
    transformers, in the order kustomize runs them (api/internal/target/kusttarget_configplugin.go:
    each `labels:` entry, then commonLabels, then commonAnnotations; checked with kustomize 5.8.1).
    Each sets its pairs in metadata.labels/annotations of every object (fieldSpec metadata/labels
    or metadata/annotations, create: true), a `labels:` entry with `fields` where its fieldSpecs
    say (label_field_specs; None: the model cannot read them); the selector and template fields
    they may also set are not modelled (no check reads them). A map with a key or value that is
    not a string (or null, read as "") fails kustomize's decoding: it is left out."""
    found: list[tuple[str, Any, tuple[LabelFieldSpec, ...] | None]] = []
    labels = data.get("labels")
    for item in labels if isinstance(labels, list) else []:
        if isinstance(item, dict):
            specs = label_field_specs(item["fields"]) if item.get("fields") else (METADATA_LABELS,)
            found.append(("labels", item.get("pairs"), specs))
    found += [
        ("labels", data.get("commonLabels"), (METADATA_LABELS,)),
        ("annotations", data.get("commonAnnotations"), (METADATA_ANNOTATIONS,)),
    ]
    out: list[tuple[str, dict[str, str], tuple[LabelFieldSpec, ...] | None]] = []
    for field, pairs, specs in found:
        read = string_pairs(pairs)
        if read:
            out.append((field, read, specs))
    return out


def string_pairs(pairs: Any) -> dict[str, str] | None:
    """A label or annotation map as kustomize decodes it (null values read as ""); None when it
    fails to (not a map, a key or value that is not a string)."""
    if pairs is None:
        return {}
    if not isinstance(pairs, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in pairs.items()):
        return None
    return {k: "" if v is None else v for k, v in pairs.items()}


def label_fields(
    data: dict[str, Any], pairs: dict[str, str], specs: list[LabelFieldSpec]
) -> tuple[list[tuple[tuple[str, ...], dict[str, Any]]], list[tuple[str, ...]]]:
    """kustomize's label filter (api/filters/labels, api/filters/fieldspec) on one object, with the
    fieldSpecs that select it: for each key in sorted order, for each fieldSpec in order, the key
    is set in the map at its path; a missing or null map on the way is made only with `create`
    (else nothing is set). Returns (path, the map there afterwards) of each outermost map it
    changed, and the pointers it cannot apply exactly: a fieldSpec's `loose`, and a list (which
    kustomize walks item by item) or a scalar (where it fails) on the way. `data` is not changed."""
    work = dict(data)
    copied = {id(work)}  # the maps made or copied here (only those are changed)
    written: dict[tuple[str, ...], None] = {}
    loose: dict[tuple[str, ...], None] = {}
    for key in sorted(pairs):
        for spec in specs:
            if spec.loose is not None:
                loose[spec.loose] = None
                continue
            node: Any = work
            for index, part in enumerate(spec.path):
                if not isinstance(node, dict):
                    loose[spec.path[:index]] = None
                    break
                child = node.get(part)
                if child is None and not spec.create:
                    break
                if child is None or (isinstance(child, dict) and id(child) not in copied):
                    child = {} if child is None else dict(child)
                    node[part] = child
                    copied.add(id(child))
                node = child
            else:
                if isinstance(node, dict):
                    node[key] = pairs[key]
                    written[spec.path] = None
                else:
                    loose[spec.path] = None
    changed: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    for path in sorted(written, key=len):
        if any(path[: len(done)] == done for done, _ in changed):
            continue  # inside a map already taken whole
        now, before = _field(work, path), _field(data, path)
        if isinstance(now, dict) and now != before:
            changed.append((path, now))
    return changed, list(loose)
