"""Effective post-build variables of a Flux Kustomization (SEMANTICS.md 1.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from homelint.core.model import K8sObject
from homelint.core.substitution import resolve, scan_cached

if TYPE_CHECKING:
    from homelint.model.flux import Applied, FluxKS
    from homelint.model.repo import Repo


@dataclass
class Source:
    """One substituteFrom entry and everything in the repository that produces it: a Secret or
    ConfigMap may be committed to Git (a placeholder Secret, one copy per cluster) and also made
    or merged into by ExternalSecrets; Flux reads the union of their keys."""

    kind: str
    name: str
    optional: bool
    index: int
    objects: list[K8sObject] = field(default_factory=list)
    producers: list[K8sObject] = field(default_factory=list)  # ExternalSecrets that make this Secret
    unknowable: list[Applied] = field(default_factory=list)  # producers whose keys come from the store

    @property
    def found(self) -> bool:
        return bool(self.objects) or bool(self.producers)

    @property
    def open(self) -> bool:
        """It may define variables the repository cannot show: not found, or keys from a secret store."""
        return not self.found or bool(self.unknowable)


@dataclass
class Variables:
    values: dict[str, str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # var -> "substitute" | "ConfigMap x"
    sources: list[Source] = field(default_factory=list)
    strategy: str = "WithVariables"

    @property
    def open_sources(self) -> list[Source]:
        """Sources that may define variables the repository does not show (Source.open)."""
        return [s for s in self.sources if s.open]

    @property
    def substitutes(self) -> bool:
        """Whether Flux runs substitution at all (SEMANTICS 1.2)."""
        return bool(self.values) or self.strategy == "Always" or bool(self.open_sources)


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


def _keys_of(repo: Repo, obj: K8sObject) -> dict[str, str]:
    """source_keys, once per object and run (every Kustomization of a cluster reads the same
    ConfigMaps and Secrets)."""
    memo: dict[int, tuple[K8sObject, dict[str, str]]] = repo.memo("variables.source_keys", dict)
    found = memo.get(id(obj))
    if found is None or found[0] is not obj:
        found = memo[id(obj)] = (obj, source_keys(obj))
    return found[1]


def find_sources(repo: Repo, kind: str, name: str, namespace: str, cluster: str | None = None) -> list[K8sObject]:
    """The ConfigMap/Secret `name` as applied in `namespace` (one object may be applied in many;
    those of the referrer's own cluster when it applies one), else the copies no Kustomization
    applies that name the namespace themselves or through the kustomization of their folder
    (applied by hand at bootstrap; not those a Flux build withholds: model.withheld)."""
    flux = repo.flux
    found = flux.applied_named(kind, name, namespace, cluster) if flux is not None else []
    if found:
        return found
    candidates = repo.objects_by_kind_name.get((kind, name), [])
    return [
        o
        for o in candidates
        if not o.applied_by and _own_namespace(repo, o) == namespace and (flux is None or flux.withheld_why(o) is None)
    ]


def _own_namespace(repo: Repo, obj: K8sObject) -> str | None:
    if obj.namespace:
        return obj.namespace
    directory = obj.path.rsplit("/", 1)[0] if "/" in obj.path else ""
    kd = repo.kustomize_dirs.get(directory)
    return kd.namespace if kd is not None and obj.path in {e.target for e in kd.entries} else None


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
            if kind == "Secret":
                _from_external_secret(repo, source, ks.namespace, result)
            result.sources.append(source)
            found: dict[str, str] = {}
            for obj in source.objects:  # the union of every copy's keys; the first copy's value
                for key, value in _keys_of(repo, obj).items():
                    found.setdefault(key, value)
            result.values.update(found)
            result.origin.update(dict.fromkeys(found, f"{kind} {ref['name']}"))
    inline = pb.get("substitute")
    if isinstance(inline, dict):
        for key, value in inline.items():
            result.values[str(key)] = _text(value)
            result.origin[str(key)] = "substitute"
    _share(repo, result)
    repo.variables_cache[id(ks)] = result
    return result


def _share(repo: Repo, variables: Variables) -> None:
    """Give `variables` the values and origin maps of an equal earlier result (by content: the
    Kustomizations of a cluster mostly read the same ConfigMaps and Secrets), so that a run keeps
    one copy of each, not one per Kustomization. The maps are read, never changed, once made."""
    shared: dict[tuple[Any, ...], dict[str, str]] = repo.memo("variables.shared-maps", dict)
    for name in ("values", "origin"):
        mapping: dict[str, str] = getattr(variables, name)
        if mapping:
            setattr(variables, name, shared.setdefault((name, *mapping.items()), mapping))


def _from_external_secret(repo: Repo, source: Source, namespace: str, result: Variables) -> None:
    """Keys of a Secret that ExternalSecrets produce (or merge into), as ESO's applyTemplate writes
    them: without a template, the provider's data (data[].secretKey; dataFrom's keys come from the
    store); with one, the template's data and templateFrom (whose keys come from other objects),
    over the provider's data when mergePolicy is Merge or the template has neither."""
    for applied in external_secret_makers(repo, namespace, source.name):
        obj = applied.obj
        source.producers.append(obj)
        keys, unknowable = external_secret_keys(obj)
        if unknowable:
            source.unknowable.append(applied)
        for key in keys:
            if key.name not in result.values:
                result.values[key.name] = UNKNOWN_VALUE
                result.origin[key.name] = f"Secret {source.name} (from ExternalSecret {applied.name})"


class SecretKey(NamedTuple):
    name: str
    field: tuple[Any, ...]  # where the ExternalSecret writes it (a data[].secretKey value, or a template data key)
    is_key: bool  # the field is a mapping key (a template's data), not a value


def external_secret_keys(obj: K8sObject) -> tuple[list[SecretKey], bool]:
    """(the keys of the Secret an ExternalSecret writes, whether it may hold others: dataFrom's,
    templateFrom's), as ESO's applyTemplate writes them: without a template, the provider's data
    (data[].secretKey; dataFrom's keys come from the store); with one, the template's data and
    templateFrom (whose keys come from other objects), over the provider's data when mergePolicy is
    Merge or the template has neither."""
    spec = _external_secret_spec(obj)
    at: tuple[Any, ...] = ("spec", "externalSecretSpec") if obj.kind == "ClusterExternalSecret" else ("spec",)
    entries = spec.get("data")
    keys = [
        SecretKey(d["secretKey"], (*at, "data", i, "secretKey"), False)
        for i, d in enumerate(entries if isinstance(entries, list) else [])
        if isinstance(d, dict) and isinstance(d.get("secretKey"), str)
    ]
    unknowable = bool(spec.get("dataFrom"))
    target = spec.get("target")
    template = target.get("template") if isinstance(target, dict) else None
    if isinstance(template, dict):
        data, more = template.get("data"), template.get("templateFrom")
        made = (
            [SecretKey(k, (*at, "target", "template", "data", k), True) for k in data if isinstance(k, str)]
            if isinstance(data, dict)
            else []
        )
        if template.get("mergePolicy") == "Merge" or (not made and not more):
            made = keys + made  # the provider's data is kept under the template's
        else:
            unknowable = False
        keys, unknowable = made, unknowable or bool(more)
    return keys, unknowable


def external_secret_makers(repo: Repo, namespace: str, name: str) -> list[Applied]:
    """The ExternalSecrets (and ClusterExternalSecrets) Flux applies that make, or merge into,
    Secret namespace/name."""
    index = external_secret_index(repo)
    return [*index.get((namespace, name), []), *index.get(("*", name), [])]


def external_secret_index(repo: Repo) -> dict[tuple[str, str], list[Applied]]:
    """(namespace, target Secret) -> the ExternalSecrets applied there that write into it, indexed
    once per model (one pass instead of one per substituteFrom source)."""
    flux = repo.flux
    if flux is None:
        return {}
    index = flux.external_secret_index
    start = max(flux.external_secret_index_size, 0)
    if start > len(flux.applied):  # a new model run: start over
        index.clear()
        start = 0
    for applied in flux.applied[start:]:  # applied only grows while the model is built: index the new part
        kind = applied.obj.kind
        target = _external_secret_target(applied) if kind in ("ExternalSecret", "ClusterExternalSecret") else None
        if target is None:
            continue
        for ns in _external_secret_namespaces(applied):
            bucket = index.setdefault((ns, target), [])
            if all(a.obj is not applied.obj or a.name != applied.name for a in bucket):
                bucket.append(applied)
    flux.external_secret_index_size = len(flux.applied)
    return index


def _external_secret_spec(obj: K8sObject) -> dict[str, Any]:
    """The ExternalSecret spec of an ExternalSecret, or the one a ClusterExternalSecret gives the
    ExternalSecret it makes in each namespace it selects (spec.externalSecretSpec)."""
    if obj.kind != "ClusterExternalSecret":
        return obj.spec
    spec = obj.spec.get("externalSecretSpec")
    return spec if isinstance(spec, dict) else {}


def _external_secret_namespaces(applied: Applied) -> list[str]:
    """Where the ExternalSecret writes: its own namespace; for a ClusterExternalSecret the
    namespaces it lists, and "*" (any) when a label selector chooses them (not evaluated: the
    labels of a namespace may be set outside the repository)."""
    if applied.obj.kind != "ClusterExternalSecret":
        return [applied.ns] if applied.ns else []
    spec = applied.obj.spec
    listed = spec.get("namespaces")
    out = [ns for ns in listed if isinstance(ns, str) and ns] if isinstance(listed, list) else []
    if spec.get("namespaceSelector") is not None or spec.get("namespaceSelectors") is not None:
        out.append("*")
    return out


def _external_secret_target(applied: Applied) -> str | None:
    """The Secret an ExternalSecret writes its keys into: made (Owner, Orphan) or merged into
    (Merge); target.name, else its own name (a ClusterExternalSecret's: externalSecretName, else
    its own), as the applying Kustomization substitutes them."""
    obj = applied.obj
    target = _external_secret_spec(obj).get("target")
    target = target if isinstance(target, dict) else {}
    if target.get("creationPolicy") == "None" or isinstance(target.get("manifest"), dict):
        return None
    name = target.get("name")
    if (not isinstance(name, str) or not name) and obj.kind == "ClusterExternalSecret":
        name = obj.spec.get("externalSecretName")
    if not isinstance(name, str) or not name:
        return applied.name
    if "${" in name and applied.ks is not None and applied.ks.post_build is not None:
        return resolve(name, _inline_variables(applied.ks, name)) or name
    return name


def _inline_variables(ks: FluxKS, text: str) -> dict[str, str]:
    """The values postBuild.substitute gives the variables of `text` (they win over substituteFrom);
    a variable it does not give is unknown when the Kustomization also reads substituteFrom (read
    here, those would ask for this index again)."""
    pb = ks.post_build or {}
    inline = pb.get("substitute")
    values = {str(k): _text(v) for k, v in inline.items()} if isinstance(inline, dict) else {}
    if pb.get("substituteFrom"):
        for expr in scan_cached(text):
            values.setdefault(expr.name, UNKNOWN_VALUE)
    return values


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
