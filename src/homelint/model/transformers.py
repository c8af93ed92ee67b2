"""kustomize's builtin NamespaceTransformer as a `transformers:` entry configures it.

It follows kustomize's namespace filter (api/filters/namespace, api/filters/fieldspec): the
configuration's `metadata.namespace` is set as every object's namespace (with `unsetOnly`, only
where it is empty), and on each field a `fieldSpecs` entry selects: the entry's group, version and
kind (each when given) must match the object, a missing field is made only with `create: true`,
and `metadata/name` is set only on objects of apiVersion `v1` (the Namespace idiom). RoleBinding
and ClusterRoleBinding subjects take the namespace as `setRoleBindingSubjects` says (by default
only a subject named `default`). A field path through a list (`[]`, `[k=v]`) is not modelled.
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


def metadata_pairs(data: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """("labels" or "annotations", pairs) of a kustomization's label and annotation transformers,
    in the order kustomize runs them (api/internal/target/kusttarget_configplugin.go: each
    `labels:` entry, then commonLabels, then commonAnnotations; checked with kustomize 5.8.1).
    Each sets its pairs in metadata.labels/annotations of every object (fieldSpec metadata/labels
    or metadata/annotations, create: true); the selector and template fields they may also set
    are not modelled (no check reads them). A map with a key or value that is not a string (or
    null, read as "") fails kustomize's decoding: it is left out."""
    found: list[tuple[str, Any]] = []
    labels = data.get("labels")
    found += [("labels", item.get("pairs")) for item in (labels if isinstance(labels, list) else []) if isinstance(item, dict)]
    found += [("labels", data.get("commonLabels")), ("annotations", data.get("commonAnnotations"))]
    out: list[tuple[str, dict[str, str]]] = []
    for field, pairs in found:
        if not isinstance(pairs, dict) or not pairs:
            continue
        if all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in pairs.items()):
            out.append((field, {k: "" if v is None else v for k, v in pairs.items()}))
    return out
