"""kustomize's name references: which fields kustomize rewrites to the hashed name of a ConfigMap or
Secret its generators make, or to the name namePrefix/nameSuffix give a ConfigMap, Secret or
PersistentVolumeClaim.

A generated object is named `<name>-<hash>` unless disableNameSuffixHash is set. kustomize rewrites
a reference to `<name>` only within the one build that generates it (its top-level
FixBackReferences), and only at the fields its nameReference configuration lists for the referral
kind: the built-in list (api/internal/konfig/builtinpluginconsts/namereference.go: pod templates,
imagePullSecrets, Ingress tls, ...) merged with the `nameReference` of every `configurations:` file
of the build, in any kustomization of it (a base's or a component's alike: the accumulator merges
each sub-build's configuration into its parent's). A fieldSpec selects the referrer by group,
version and kind (each only when given) and names a path whose list levels are implicit (`[]`
optional, `\\/` a slash inside a key). Anything else (a HelmRelease's spec.valuesFrom, a Flux
Kustomization's postBuild.substituteFrom, chart values, a custom resource's field) keeps `<name>`,
which the cluster does not have.

A kustomization's `crds:` may add reference fields of its own (x-kubernetes-object-ref-kind and
-name in the CRD schemas): a build with one is taken as rewriting every field.

namePrefix/nameSuffix rename alike: kustomize's nameref filter (the same top-level pass) rewrites
a reference at such a field, in the same build and the same namespace as the renamed object, that
names it as it was written; any other reference keeps the written name (kubectl kustomize v5.8.1).

An overlay's generator with behavior merge or replace and disableNameSuffixHash (its own, or its
kustomization's generatorOptions) takes the hash off the base's object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homelint.model.kustomize import is_remote, join, kustomization_options

if TYPE_CHECKING:
    from homelint.core.model import K8sObject
    from homelint.model.flux import Applied, FluxKS
    from homelint.model.kustomize import KustomizeDir
    from homelint.model.repo import Repo

# the kinds whose references the graph follows (graph.USE_EDGE) and kustomize's nameReference rewrites
REFERRAL_KINDS = ("ConfigMap", "Secret", "PersistentVolumeClaim")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A referrer's field: the kind (group, version: any when empty) and path segments."""

    kind: str
    path: tuple[str, ...]
    group: str = ""
    version: str = ""


def split_path(path: str) -> tuple[str, ...]:
    """A fieldSpec path's segments: split at `/` but not at `\\/`, a trailing `[]` dropped."""
    segments: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(path):
        char = path[index]
        if char == "\\" and path[index + 1 : index + 2] == "/":
            current.append("/")
            index += 2
            continue
        if char == "/":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    segments.append("".join(current))
    return tuple(s.removesuffix("[]") for s in segments)


def _pod_fields(prefix: str, kinds: tuple[str, ...], leaves: tuple[str, ...]) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(kind, split_path(f"{prefix}{leaf}")) for kind in kinds for leaf in leaves)


_WORKLOADS = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job")
_CONFIGMAP_LEAVES = (
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
)
_SECRET_LEAVES = (
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
)

# kustomize's built-in nameReference fieldSpecs for the kinds its generators make (namereference.go)
BUILTIN: dict[str, tuple[FieldSpec, ...]] = {
    "ConfigMap": (
        *(FieldSpec("Pod", split_path(f"spec/{leaf}"), version="v1") for leaf in _CONFIGMAP_LEAVES),
        *_pod_fields("template/spec/", ("PodTemplate",), _CONFIGMAP_LEAVES),
        *_pod_fields("spec/template/spec/", _WORKLOADS, _CONFIGMAP_LEAVES),
        *_pod_fields("spec/jobTemplate/spec/template/spec/", ("CronJob",), _CONFIGMAP_LEAVES),
        FieldSpec("Node", ("spec", "configSource", "configMap")),
        FieldSpec("Role", ("rules", "resourceNames")),
        FieldSpec("ClusterRole", ("rules", "resourceNames")),
        FieldSpec("Ingress", ("metadata", "annotations", "nginx.ingress.kubernetes.io/fastcgi-params-configmap")),
    ),
    "Secret": (
        *(FieldSpec("Pod", split_path(f"spec/{leaf}"), version="v1") for leaf in _SECRET_LEAVES),
        *_pod_fields("template/spec/", ("PodTemplate",), _SECRET_LEAVES),
        *_pod_fields("spec/template/spec/", _WORKLOADS, _SECRET_LEAVES),
        *_pod_fields("spec/jobTemplate/spec/template/spec/", ("CronJob",), _SECRET_LEAVES),
        FieldSpec("Ingress", ("spec", "tls", "secretName")),
        FieldSpec("Ingress", ("metadata", "annotations", "ingress.kubernetes.io/auth-secret")),
        FieldSpec("Ingress", ("metadata", "annotations", "nginx.ingress.kubernetes.io/auth-secret")),
        FieldSpec("Ingress", ("metadata", "annotations", "nginx.ingress.kubernetes.io/auth-tls-secret")),
        FieldSpec("ServiceAccount", ("imagePullSecrets", "name")),
        *(FieldSpec("StorageClass", ("parameters", p)) for p in ("secretName", "adminSecretName", "userSecretName", "secretRef")),
        FieldSpec("Role", ("rules", "resourceNames")),
        FieldSpec("ClusterRole", ("rules", "resourceNames")),
        FieldSpec(
            "Service", split_path("spec/template/spec/containers/env/valueFrom/secretKeyRef/name"), "serving.knative.dev", "v1"
        ),
        FieldSpec("PersistentVolume", ("spec", "azureFile", "secretName")),
    ),
    # any group and version of the referrer (kubectl kustomize v5.8.1: an example.com/v2 Pod's
    # claimName is rewritten); ReplicaSet and PodTemplate are not listed (not rewritten)
    "PersistentVolumeClaim": (
        FieldSpec("Pod", split_path("spec/volumes/persistentVolumeClaim/claimName")),
        *_pod_fields(
            "spec/template/spec/",
            ("StatefulSet", "Deployment", "ReplicationController", "Job", "DaemonSet"),
            ("volumes/persistentVolumeClaim/claimName",),
        ),
        *_pod_fields("spec/jobTemplate/spec/template/spec/", ("CronJob",), ("volumes/persistentVolumeClaim/claimName",)),
    ),
}


@dataclass
class BuildNames:
    """What one Flux Kustomization's build rewrites: the nameReference fieldSpecs per referral
    kind (None: a configurations file of the build cannot be read here, so any field may be
    rewritten) and the (kind, name) of generated objects an overlay's merge/replace un-hashes."""

    specs: dict[str, Selectors] | None
    unhashed: frozenset[tuple[str, str]]

    def rewrites(self, kind: str, referrer: K8sObject, field: tuple[Any, ...]) -> bool:
        """Whether kustomize rewrites a reference to a renamed object of `kind` at `field` of
        `referrer` (a field path with list indexes, as the consumer table gives it)."""
        if self.specs is None:
            return True
        path = tuple(str(p) for p in field if not isinstance(p, int))
        selectors = self.specs.get(kind, {})
        return any(
            (group, version) in selectors.get((path, referrer_kind), ())
            for referrer_kind in ("", referrer.kind)
            for group in ("", referrer.group)
            for version in ("", referrer.version)
        )


# (path, referrer kind or "") -> the (group, version) pairs ("" for any) that select the referrer:
# a lookup per reference, however many fieldSpecs the configurations list
Selectors = dict[tuple[tuple[str, ...], str], set[tuple[str, str]]]


def _index(specs: list[FieldSpec]) -> Selectors:
    out: Selectors = {}
    for spec in specs:
        out.setdefault((spec.path, spec.kind), set()).add((spec.group, spec.version))
    return out


@dataclass(frozen=True)
class Unrewritten:
    """A reference to a generated object's name that kustomize leaves as it is: the object meant,
    and whether the reference is in the build that generates it (at a field kustomize does not
    rewrite) or in another Flux Kustomization's build (never rewritten)."""

    generated: Applied
    same_build: bool


def hashed_reference(repo: Repo, edge: Mapping[str, Any], generated: list[Applied]) -> Unrewritten | None:
    """Why the reference of a use edge (graph.UseEdge) to the name of the hashed generated objects
    `generated` finds none of them; None when kustomize rewrites it, may rewrite it (a
    configuration of the build cannot be read here) or one of them keeps its plain name after all
    (an overlay's merge or replace disables the hash)."""
    applied, ref = edge["applied"], edge["ref"]
    for made in generated:
        if made.ks is None:
            return None
        names = build_names(repo, made.ks)
        if (made.obj.kind, made.obj.name) in names.unhashed:
            return None
        if made.ks is applied.ks and (
            names.specs is None or (ref.name == made.obj.name and names.rewrites(made.obj.kind, applied.obj, edge["field"]))
        ):
            return None
    same = [made for made in generated if made.ks is applied.ks]
    return Unrewritten((same or generated)[0], bool(same))


def affixed_reference(repo: Repo, applied: Applied, kind: str, namespace: str, name: str, field: tuple[Any, ...]) -> str | None:
    """The name a reference of `applied` at `field` to the `kind` object `name` in `namespace` has
    once kustomize built it: the new name of the object namePrefix/nameSuffix renamed from `name`
    in the referrer's build and namespace when `field` is a nameReference field of `kind` there,
    else `name`; None when several objects were renamed from `name` (kustomize picks one by its
    prefixes, or fails: unknown here)."""
    ks = applied.ks
    if ks is None or namespace != applied.ns:
        return name
    renamed = affixed_names(repo, ks).get((kind, namespace, name))
    if not renamed or not build_names(repo, ks).rewrites(kind, applied.obj, field):
        return name
    return renamed[0] if len(renamed) == 1 else None


def affixed_names(repo: Repo, ks: FluxKS) -> dict[tuple[str, str, str], list[str]]:
    """(kind, namespace, written name) -> the names namePrefix/nameSuffix gave the v1 objects of the
    referral kinds that `ks` applies (a generator's hashed object aside: hashed_reference)."""
    memo: dict[int, tuple[FluxKS, dict[tuple[str, str, str], list[str]]]] = repo.memo("namerefs.affixed", dict)
    found = memo.get(id(ks))
    if found is None or found[0] is not ks:
        out: dict[tuple[str, str, str], list[str]] = {}
        for made in ks.applied:
            obj, new = made.obj, made.renamed
            if new is None or not made.affixed or made.hashed or new == obj.name or "$" in new:
                continue
            if obj.kind in REFERRAL_KINDS and obj.version == "v1":
                names = out.setdefault((obj.kind, made.ns, obj.name), [])
                if new not in names:
                    names.append(new)
        found = memo[id(ks)] = (ks, {key: sorted(names) for key, names in out.items()})
    return found[1]


def build_names(repo: Repo, ks: FluxKS) -> BuildNames:
    """The BuildNames of `ks`'s build (once per Kustomization and run)."""
    memo: dict[int, tuple[FluxKS, BuildNames]] = repo.memo("namerefs.builds", dict)
    found = memo.get(id(ks))
    if found is None or found[0] is not ks:
        found = memo[id(ks)] = (ks, _build_names(repo, ks))
    return found[1]


def _build_names(repo: Repo, ks: FluxKS) -> BuildNames:
    by_file: dict[str, KustomizeDir] = repo.memo(
        "namerefs.kustomizations", lambda: {kd.file: kd for kd in repo.kustomize_dirs.values()}
    )
    specs: dict[str, list[FieldSpec]] | None = {kind: list(BUILTIN[kind]) for kind in REFERRAL_KINDS}
    unhashed: set[tuple[str, str]] = set()
    for path in sorted(ks.files):
        kd = by_file.get(path)
        if kd is None:
            continue
        unhashed |= _unhashed_by(kd)
        if kd.data.get("crds"):
            specs = None  # CRD schemas may name reference fields (x-kubernetes-object-ref-*): not read here
        configured = kd.data.get("configurations")
        if configured is None or specs is None:
            continue
        if not isinstance(configured, list):
            specs = None
            continue
        for entry in configured:
            found = _configuration(repo, kd, entry)
            if found is None:
                specs = None  # kustomize may fail on it, or rewrite anything: say nothing
                break
            for kind, fields in found.items():
                specs[kind].extend(fields)
    return BuildNames(None if specs is None else {k: _index(v) for k, v in specs.items()}, frozenset(unhashed))


def _unhashed_by(kd: KustomizeDir) -> set[tuple[str, str]]:
    """(kind, name) of the merge/replace generators of `kd` that disable the name hash."""
    found = kustomization_options(kd.data.get("generatorOptions"))
    everywhere = isinstance(found, dict) and found.get("disableNameSuffixHash") is True
    out: set[tuple[str, str]] = set()
    for field_name, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
        items = kd.data.get(field_name)
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or item.get("behavior") not in ("merge", "replace"):
                continue
            own = kustomization_options(item.get("options"))
            if isinstance(item.get("name"), str) and (
                everywhere or (isinstance(own, dict) and own.get("disableNameSuffixHash") is True)
            ):
                out.add((kind, item["name"]))
    return out


def _configuration(repo: Repo, kd: KustomizeDir, entry: Any) -> dict[str, list[FieldSpec]] | None:
    """The nameReference fieldSpecs of one `configurations:` file per referral kind ({} when it
    has none for them); None when the file cannot be read or understood here."""
    if not isinstance(entry, str) or "\n" in entry or is_remote(entry):
        return None
    parsed = repo.parsed.get(join(kd.dir, entry))
    if parsed is None or not parsed.text_ok or parsed.problems or len(parsed.docs) > 1:
        return None
    doc = parsed.docs[0] if parsed.docs else None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        return None
    refs = doc.get("nameReference")
    if refs is None:
        return {}
    if not isinstance(refs, list):
        return None
    out: dict[str, list[FieldSpec]] = {}
    for ref in refs:
        gvk = _strings(ref, "kind", "group", "version")
        fields = ref.get("fieldSpecs") if isinstance(ref, dict) else None
        if gvk is None or not isinstance(fields, list | None):
            return None
        specs: list[FieldSpec] = []
        for spec in fields or []:
            found = _strings(spec, "kind", "group", "version", "path")
            if found is None:
                return None
            kind, group, version, path = found
            specs.append(FieldSpec(kind, split_path(path), group, version))
        for kind in REFERRAL_KINDS:  # the referral: a v1 object, selected as a fieldSpec selects
            if gvk[0] in ("", kind) and gvk[1] == "" and gvk[2] in ("", "v1"):
                out.setdefault(kind, []).extend(specs)
    return out


def _strings(item: Any, *keys: str) -> tuple[str, ...] | None:
    """The string values of `keys` in a mapping ("" for an absent or null one); None when `item`
    is not a mapping or a value is not a string (kustomize fails to decode it)."""
    if not isinstance(item, dict):
        return None
    values = tuple(item.get(key) or "" for key in keys)
    return values if all(isinstance(v, str) for v in values) else None
