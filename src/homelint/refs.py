"""Extract references from objects: claims, NFS mounts, secrets used and produced, images.

Every reference keeps the field path it came from, so findings point at the exact node.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from homelint.model import K8sObject

FieldPath = tuple[str | int, ...]

POD_SPEC_PATHS: dict[str, FieldPath] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


@dataclass(frozen=True, slots=True)
class Ref:
    kind: str  # claim | secret | configmap | nfs | image
    name: str
    field: FieldPath
    optional: bool = False
    extra: tuple[Any, ...] = ()


def get(data: Any, path: FieldPath) -> Any:
    for key in path:
        if isinstance(data, dict) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _mapping_items(value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        for k, item in value.items():
            if isinstance(item, dict):
                yield str(k), item


def pod_spec_refs(obj: K8sObject) -> Iterator[Ref]:
    base = POD_SPEC_PATHS.get(obj.kind)
    if base is None:
        return
    spec = get(obj.data, base)
    if not isinstance(spec, dict):
        return
    yield from _pod_refs(spec, base)


def _pod_refs(spec: dict[str, Any], base: FieldPath) -> Iterator[Ref]:
    for i, vol in _items(spec.get("volumes")):
        at = (*base, "volumes", i)
        pvc = vol.get("persistentVolumeClaim")
        if isinstance(pvc, dict) and isinstance(pvc.get("claimName"), str):
            yield Ref("claim", pvc["claimName"], (*at, "persistentVolumeClaim", "claimName"))
        nfs = vol.get("nfs")
        if isinstance(nfs, dict):
            yield Ref("nfs", str(vol.get("name", "")), (*at, "nfs"), extra=(nfs.get("server"), nfs.get("path")))
        secret = vol.get("secret")
        if isinstance(secret, dict) and isinstance(secret.get("secretName"), str):
            yield Ref("secret", secret["secretName"], (*at, "secret", "secretName"), bool(secret.get("optional")))
        projected = vol.get("projected")
        if isinstance(projected, dict):
            for j, source in _items(projected.get("sources")):
                sec = source.get("secret")
                if isinstance(sec, dict) and isinstance(sec.get("name"), str):
                    yield Ref(
                        "secret", sec["name"], (*at, "projected", "sources", j, "secret", "name"), bool(sec.get("optional"))
                    )
    for group in ("containers", "initContainers", "ephemeralContainers"):
        for i, container in _items(spec.get(group)):
            at = (*base, group, i)
            if isinstance(container.get("image"), str):
                yield Ref("image", container["image"], (*at, "image"))
            for j, env_from in _items(container.get("envFrom")):
                ref = env_from.get("secretRef")
                if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                    yield Ref("secret", ref["name"], (*at, "envFrom", j, "secretRef", "name"), bool(ref.get("optional")))
            for j, env in _items(container.get("env")):
                ref = get(env, ("valueFrom", "secretKeyRef"))
                if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                    yield Ref(
                        "secret", ref["name"], (*at, "env", j, "valueFrom", "secretKeyRef", "name"), bool(ref.get("optional"))
                    )


# --- HelmRelease values ------------------------------------------------------------------------
def is_app_template(obj: K8sObject) -> bool:
    spec = obj.spec
    chart = get(spec, ("chart", "spec", "chart"))
    if isinstance(chart, str) and "app-template" in chart:
        return True
    ref = spec.get("chartRef")
    if isinstance(ref, dict) and "app-template" in str(ref.get("name", "")):
        return True
    values = spec.get("values")
    return isinstance(values, dict) and isinstance(values.get("controllers"), dict)


def helm_release_refs(obj: K8sObject) -> Iterator[Ref]:
    spec = obj.spec
    for i, item in _items(spec.get("valuesFrom")):
        kind = item.get("kind")
        if isinstance(item.get("name"), str) and kind in ("Secret", "ConfigMap"):
            yield Ref(kind.lower(), item["name"], ("spec", "valuesFrom", i, "name"), bool(item.get("optional")))
    values = spec.get("values")
    if not isinstance(values, dict):
        return
    base: FieldPath = ("spec", "values")
    if is_app_template(obj):
        yield from _app_template_refs(values, base)
    else:
        yield from _generic_value_refs(values, base, 0)


def _app_template_refs(values: dict[str, Any], base: FieldPath) -> Iterator[Ref]:
    for pid, item in _mapping_items(values.get("persistence")):
        at = (*base, "persistence", pid)
        if item.get("enabled") is False:
            continue
        kind = item.get("type", "persistentVolumeClaim")
        if kind == "persistentVolumeClaim" and isinstance(item.get("existingClaim"), str):
            yield Ref("claim", item["existingClaim"], (*at, "existingClaim"))
        elif kind == "nfs":
            yield Ref("nfs", pid, at, extra=(item.get("server"), item.get("path")))
        elif kind == "secret" and isinstance(item.get("name"), str) and not item.get("identifier"):
            yield Ref("secret", item["name"], (*at, "name"))
    for cid, controller in _mapping_items(values.get("controllers")):
        for group in ("containers", "initContainers"):
            for name, container in _mapping_items(controller.get(group)):
                at = (*base, "controllers", cid, group, name)
                image = container.get("image")
                if isinstance(image, dict):
                    yield Ref("image", "", (*at, "image"), extra=(image.get("repository"), image.get("tag")))
                for j, env_from in _items(container.get("envFrom")):
                    ref = env_from.get("secretRef")
                    if isinstance(ref, dict) and isinstance(ref.get("name"), str) and not ref.get("identifier"):
                        yield Ref("secret", ref["name"], (*at, "envFrom", j, "secretRef", "name"), bool(ref.get("optional")))
                    elif isinstance(env_from.get("secret"), str):
                        yield Ref("secret", env_from["secret"], (*at, "envFrom", j, "secret"), extra=("maybe-identifier",))
                env = container.get("env")
                entries: list[tuple[Any, Any]] = []
                if isinstance(env, dict):
                    entries = list(env.items())
                elif isinstance(env, list):
                    entries = list(enumerate(env))
                for key, entry in entries:
                    if not isinstance(entry, dict):
                        continue
                    ref = get(entry, ("valueFrom", "secretKeyRef"))
                    if not isinstance(ref, dict):
                        ref = entry.get("secretKeyRef")
                        path = (*at, "env", key, "secretKeyRef", "name")
                    else:
                        path = (*at, "env", key, "valueFrom", "secretKeyRef", "name")
                    if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                        yield Ref("secret", ref["name"], path, bool(ref.get("optional")))


def _generic_value_refs(value: Any, at: FieldPath, depth: int) -> Iterator[Ref]:
    if depth > 12:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("existingClaim", "claimName") and isinstance(item, str) and item:
                yield Ref("claim", item, (*at, key))  # claimName: charts' persistence and embedded volumes
            elif key == "existingSecret" and isinstance(item, str) and item:
                yield Ref("secret", item, (*at, key), extra=("chart-value",))
            else:
                yield from _generic_value_refs(item, (*at, str(key)), depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _generic_value_refs(item, (*at, i), depth + 1)


# --- producers -------------------------------------------------------------------------------
def produced_secrets(obj: K8sObject) -> Iterator[tuple[str, FieldPath]]:
    kind = obj.kind
    if kind == "Secret":
        yield obj.name, ("metadata", "name")
    elif kind in ("ExternalSecret",) and obj.group == "external-secrets.io":
        target = obj.spec.get("target")
        target = target if isinstance(target, dict) else {}
        if target.get("creationPolicy") in ("Merge", "None"):
            return
        if isinstance(target.get("manifest"), dict):
            return
        name = target.get("name")
        if isinstance(name, str) and name:
            yield name, ("spec", "target", "name")
        else:
            yield obj.name, ("metadata", "name")
    elif kind == "SealedSecret":
        name = get(obj.data, ("spec", "template", "metadata", "name"))
        yield (name if isinstance(name, str) and name else obj.name), ("metadata", "name")
    elif kind == "Certificate" and isinstance(obj.spec.get("secretName"), str):
        yield obj.spec["secretName"], ("spec", "secretName")
    elif kind in ("Issuer", "ClusterIssuer"):
        name = get(obj.data, ("spec", "acme", "privateKeySecretRef", "name"))
        if isinstance(name, str):
            yield name, ("spec", "acme", "privateKeySecretRef", "name")
    elif kind == "OnePasswordItem" or kind == "InfisicalSecret" or kind == "BitwardenSecret":
        yield obj.name, ("metadata", "name")
    elif kind == "Cluster" and obj.group == "postgresql.cnpg.io":
        for suffix in ("app", "superuser", "ca", "replication", "server"):
            yield f"{obj.name}-{suffix}", ("metadata", "name")
    elif kind == "ServiceAccount" and obj.group == "talos.dev":
        yield obj.name, ("metadata", "name")  # Talos writes the talosconfig into a Secret of that name
    elif kind == "ObjectBucketClaim" and obj.group == "objectbucket.io":
        yield obj.name, ("metadata", "name")  # rook/noobaa: a Secret and ConfigMap named after the claim


def produced_claims(obj: K8sObject) -> Iterator[tuple[str, FieldPath]]:
    if obj.kind == "PersistentVolumeClaim":
        yield obj.name, ("metadata", "name")
    elif obj.kind == "StatefulSet":
        for i, tmpl in _items(obj.spec.get("volumeClaimTemplates")):
            meta = tmpl.get("metadata")
            if isinstance(meta, dict) and isinstance(meta.get("name"), str):
                yield f"{meta['name']}-{obj.name}-0", ("spec", "volumeClaimTemplates", i, "metadata", "name")


_TEMPLATE_ACTION = re.compile(r"<<-?.*?-?>>")
UNKNOWN = "<<>>"  # stands for a template action in a name or namespace a ResourceSet creates


def is_templated(text: str) -> bool:
    """Whether a name a ResourceSet creates holds a `<< >>` action (in resources or the template)."""
    return _TEMPLATE_ACTION.search(text) is not None


def resource_set_objects(obj: K8sObject) -> list[K8sObject]:
    """The objects a flux-operator ResourceSet creates, as far as they can be read: its
    `spec.resources`, and its `spec.resourcesTemplate` with each `<< >>` action replaced by
    UNKNOWN (lines that hold only an action, such as `<<- range ... >>`, are dropped)."""
    if obj.kind != "ResourceSet" or obj.group != "fluxcd.controlplane.io":
        return []
    from homelint.repo import make_object
    from homelint.yamlload import parse_bytes

    docs = [item for _, item in _items(obj.spec.get("resources"))]
    template = obj.spec.get("resourcesTemplate")
    if isinstance(template, str):
        lines = [line for line in template.splitlines() if _TEMPLATE_ACTION.sub("", line).strip()]
        parsed = parse_bytes(obj.path, _TEMPLATE_ACTION.sub(UNKNOWN, "\n".join(lines)).encode())
        docs.extend(doc for doc in parsed.docs if isinstance(doc, dict))
    made = (make_object(obj.path, obj.doc, doc) for doc in docs)
    return [m for m in made if m is not None]
