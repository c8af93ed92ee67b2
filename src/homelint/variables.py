"""Effective post-build variables of a Flux Kustomization (SEMANTICS.md 1.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homelint.model import K8sObject

if TYPE_CHECKING:
    from homelint.flux import FluxKS
    from homelint.repo import Repo


@dataclass
class Source:
    kind: str
    name: str
    optional: bool
    index: int
    objects: list[K8sObject] = field(default_factory=list)
    producer: K8sObject | None = None  # an ExternalSecret that makes this Secret
    complete: bool = False  # the producer's key list is fully known

    @property
    def found(self) -> bool:
        return bool(self.objects) or (self.producer is not None and self.complete)


@dataclass
class Variables:
    values: dict[str, str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # var -> "substitute" | "ConfigMap x"
    sources: list[Source] = field(default_factory=list)
    strategy: str = "WithVariables"

    @property
    def unreadable(self) -> list[Source]:
        return [s for s in self.sources if not s.found]

    @property
    def substitutes(self) -> bool:
        """Whether Flux runs substitution at all (SEMANTICS 1.2)."""
        return bool(self.values) or self.strategy == "Always" or bool(self.unreadable)


UNKNOWN_VALUE = "\0unknown"  # the variable exists but its value cannot be read here


def source_keys(obj: K8sObject) -> dict[str, str]:
    """Variable names a ConfigMap/Secret provides (SOPS keeps key names in clear)."""
    keys: dict[str, str] = {}
    for field_name in ("data", "stringData"):
        section = obj.data.get(field_name)
        if not isinstance(section, dict):
            continue
        readable = field_name == "stringData" or obj.kind == "ConfigMap"
        for k, v in section.items():
            keys[str(k)] = _text(v) if readable and not obj.is_sops else UNKNOWN_VALUE
    return keys


def find_sources(repo: Repo, kind: str, name: str, namespace: str, cluster: str | None = None) -> list[K8sObject]:
    """The ConfigMap/Secret `name` as applied in `namespace` (one object may be applied in many),
    those of the referrer's own cluster first."""
    flux = repo.flux
    found = flux.applied_named(kind, name, namespace, cluster) if flux is not None else []
    if found:
        return found
    candidates = repo.objects_by_kind_name.get((kind, name), [])
    return [o for o in candidates if o.namespace == namespace and not o.applied_by]


def variables_of(repo: Repo, ks: FluxKS) -> Variables:
    cached = repo.variables_cache.get(id(ks))
    if cached is not None:
        return cached
    result = Variables()
    pb = ks.post_build or {}
    strategy = pb.get("substituteStrategy")
    if isinstance(strategy, str):
        result.strategy = strategy
    refs = pb.get("substituteFrom")
    if isinstance(refs, list):
        for index, ref in enumerate(refs):
            if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
                continue
            kind = "Secret" if ref.get("kind") == "Secret" else "ConfigMap"
            source = Source(kind, ref["name"], bool(ref.get("optional")), index)
            source.objects = find_sources(repo, kind, ref["name"], ks.namespace, ks.cluster)
            if not source.objects and kind == "Secret":
                _from_external_secret(repo, source, ks.namespace, result)
            result.sources.append(source)
            for obj in source.objects[:1]:
                for key, value in source_keys(obj).items():
                    result.values[key] = value
                    result.origin[key] = f"{kind} {ref['name']}"
    inline = pb.get("substitute")
    if isinstance(inline, dict):
        for key, value in inline.items():
            result.values[str(key)] = _text(value)
            result.origin[str(key)] = "substitute"
    repo.variables_cache[id(ks)] = result
    return result


def _from_external_secret(repo: Repo, source: Source, namespace: str, result: Variables) -> None:
    """Keys of a Secret an ExternalSecret produces: data[].secretKey and template data keys."""
    from homelint.refs import produced_secrets

    flux = repo.flux
    for applied in flux.applied if flux is not None else []:
        obj = applied.obj
        if obj.kind != "ExternalSecret" or applied.ns != namespace:
            continue
        if not any(name == source.name for name, _ in produced_secrets(obj)):
            continue
        source.producer = obj
        spec = obj.spec
        keys = [d.get("secretKey") for d in spec.get("data") or [] if isinstance(d, dict)]
        template = spec.get("target", {}).get("template") if isinstance(spec.get("target"), dict) else None
        template_data = template.get("data") if isinstance(template, dict) else None
        if isinstance(template_data, dict):
            keys = list(template_data)
        elif spec.get("dataFrom") or (isinstance(template, dict) and template.get("templateFrom")):
            return  # keys come from the remote store: unknowable here
        source.complete = True
        for key in keys:
            if isinstance(key, str):
                result.values[key] = UNKNOWN_VALUE
                result.origin[key] = f"Secret {source.name} (from ExternalSecret {obj.name})"
        return


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
