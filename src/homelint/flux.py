"""The Flux model: roots, Flux Kustomizations, what each one builds, and effective namespaces.

It follows SEMANTICS.md sections 2 and 3: `spec.path` is relative to the repo root, a directory
without a kustomization file is auto-generated (recursive, kustomization subdirectories become
resources), `namespace:` of an outer kustomization wins, `targetNamespace` wins over all, and a
parent's `spec.patches` that target Kustomizations are applied to its child Kustomizations.
"""

from __future__ import annotations

import copy
import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from homelint.kustomize import Entry, KustomizeDir, is_remote, join
from homelint.model import K8sObject
from homelint.regex import linear
from homelint.substitution import resolve

if TYPE_CHECKING:
    from homelint.repo import Repo

FLUX_KS_GROUP = "kustomize.toolkit.fluxcd.io"
FLUX_IGNORED_NAMES = {
    ".sops.yaml",
    ".goreleaser.yml",
    ".flux.yaml",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
}
FLUX_IGNORED_DIRS = {".github", ".circleci", ".git"}
BOOTSTRAP = "(bootstrap)"


@dataclass(eq=False)
class Applied:
    """An object as one Flux Kustomization applies it."""

    obj: K8sObject
    namespace: str | None
    ks: FluxKS | None

    @property
    def kind(self) -> str:
        return self.obj.kind

    @property
    def name(self) -> str:
        return self.obj.name

    @property
    def ns(self) -> str:
        return self.namespace or "default"


@dataclass(eq=False)
class FluxKS:
    """A Flux Kustomization in one applied context (or the virtual bootstrap one for a root)."""

    key: str
    name: str
    namespace: str
    obj: K8sObject | None
    data: dict[str, Any]
    parent: FluxKS | None = None
    path: str | None = None  # repo-relative, resolved
    raw_path: str | None = None
    local: bool = True
    path_exists: bool = True
    applied: list[Applied] = field(default_factory=list)
    files: set[str] = field(default_factory=set)
    dirs: set[str] = field(default_factory=set)
    root: str = ""  # which root reaches it

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def post_build(self) -> dict[str, Any] | None:
        pb = self.spec.get("postBuild")
        return pb if isinstance(pb, dict) else None

    @property
    def label(self) -> str:
        return f"Kustomization {self.namespace}/{self.name}" if self.obj else f"the bootstrap Kustomization of root '{self.root}'"


@dataclass
class BuildOut:
    objects: list[tuple[K8sObject, str | None]] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # every file the build reads
    dirs: set[str] = field(default_factory=set)
    resource_files: set[str] = field(default_factory=set)  # files whose documents are applied


@dataclass
class KustomizeCycle:
    """An entry of `kd` naming a directory that is, or contains, one whose build is under way
    (kustomize: "cycle detected: candidate root contains visited root"). `chain` is the include
    path from that directory down to `kd`'s."""

    kd: KustomizeDir
    entry: Entry
    chain: tuple[str, ...]


class FluxModel:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.kdirs: dict[str, KustomizeDir] = repo.kustomize_dirs
        self._memo: dict[str, BuildOut] = {}
        self._building: dict[str, None] = {}  # directories being built, in include order
        self.kustomizations: list[FluxKS] = []
        self.applied: list[Applied] = []
        self.applied_files: set[str] = set()
        self.resource_files: set[str] = set()
        self.reached_dirs: set[str] = set()
        self.roots: list[str] = []
        self.root_source = ""
        self.cycles: list[KustomizeCycle] = []
        self._children = self._index_children()
        self._named: dict[tuple[str, str, str], list[K8sObject]] | None = None  # built when run() is done

    def applied_named(self, kind: str, name: str, namespace: str) -> list[K8sObject]:
        """Objects applied as kind/namespace/name (one object may be applied in many namespaces)."""
        if self._named is not None:
            return self._named.get((kind, namespace, name), [])
        found: list[K8sObject] = []
        for applied in self.applied:
            obj = applied.obj
            if obj.kind == kind and obj.name == name and applied.ns == namespace and obj not in found:
                found.append(obj)
        return found

    def entries_of(self, directory: str, *, files: bool = True) -> list[str]:
        """Direct children of a directory: YAML files (unless files=False) and subdirectories."""
        yaml_files, subdirs = self._children.get(directory, ([], []))
        return [*yaml_files, *subdirs] if files else list(subdirs)

    def files_under(self, directory: str) -> list[str]:
        """YAML files below a directory, recursively."""
        out: list[str] = []
        stack = [directory]
        while stack:
            current = stack.pop()
            files, subdirs = self._children.get(current, ([], []))
            out.extend(files)
            stack.extend(subdirs)
        return out

    # --- directory builds -------------------------------------------------------------
    def _index_children(self) -> dict[str, tuple[list[str], list[str]]]:
        children: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        for path in self.repo.files.yaml_files:
            children[posixpath.dirname(path)][0].append(path)
        for d in self.repo.files.dirs:
            children[posixpath.dirname(d)][1].append(d)
        return children

    def objects_in(self, path: str) -> list[K8sObject]:
        return self.repo.objects_by_file.get(path, [])

    def build(self, directory: str) -> BuildOut:
        """What `kustomize build` (Flux flavour) of a directory yields, memoized."""
        if directory in self._memo:
            return self._memo[directory]
        if directory in self._building:
            return BuildOut()  # a cycle (recorded by _build_kustomization where it has an entry)
        self._building[directory] = None
        kd = self.kdirs.get(directory)
        out = self._build_kustomization(kd) if kd else self._build_generated(directory)
        del self._building[directory]
        self._memo[directory] = out
        return out

    def _build_kustomization(self, kd: KustomizeDir) -> BuildOut:
        out = BuildOut(files={kd.file}, dirs={kd.dir})
        files, dirs = self.repo.files.all_files, self.repo.files.dirs
        for entry in kd.entries:
            if entry.kind in ("resources", "components"):
                if is_remote(entry.value):
                    continue
                if entry.target in files:
                    out.files.add(entry.target)
                    out.resource_files.add(entry.target)
                    out.objects.extend((o, o.namespace) for o in self.objects_in(entry.target))
                elif entry.target in dirs and entry.target in self.kdirs:
                    chain = self._chain_below(entry.target)
                    if chain:
                        self.cycles.append(KustomizeCycle(kd, entry, chain))
                        continue
                    sub = self.build(entry.target)
                    out.files |= sub.files
                    out.dirs |= sub.dirs
                    out.resource_files |= sub.resource_files
                    out.objects.extend(sub.objects)
            elif entry.target in files:
                out.files.add(entry.target)
            elif entry.target in dirs:
                out.dirs.add(entry.target)
                prefix = entry.target + "/"
                out.files |= {f for f in files if f.startswith(prefix)}
        ns = kd.namespace
        if ns:
            out.objects = [(o, ns) for o, _ in out.objects]
        return out

    def _chain_below(self, target: str) -> tuple[str, ...]:
        """The include path from the first directory being built that is `target` or below it."""
        building = list(self._building)
        for index, directory in enumerate(building):
            if target == "" or directory == target or directory.startswith(target + "/"):
                return tuple(building[index:])
        return ()

    def _build_generated(self, directory: str) -> BuildOut:
        out = BuildOut(dirs={directory})
        if directory not in self.repo.files.dirs and directory != "":
            return out
        stack = [directory]
        while stack:
            current = stack.pop()
            yaml_files, subdirs = self._children.get(current, ([], []))
            for path in yaml_files:
                if posixpath.basename(path) in FLUX_IGNORED_NAMES:
                    continue
                out.files.add(path)
                out.resource_files.add(path)
                out.objects.extend((o, o.namespace) for o in self.objects_in(path))
            for sub in subdirs:
                if posixpath.basename(sub) in FLUX_IGNORED_DIRS:
                    continue
                if sub in self.kdirs:
                    built = self.build(sub)
                    out.files |= built.files
                    out.dirs |= built.dirs
                    out.resource_files |= built.resource_files
                    out.objects.extend(built.objects)
                else:
                    out.dirs.add(sub)
                    stack.append(sub)
        return out

    # --- Flux Kustomizations ------------------------------------------------------------
    def is_local_source(self, ks_data: dict[str, Any], ks_namespace: str) -> bool:
        spec = ks_data.get("spec")
        ref = spec.get("sourceRef") if isinstance(spec, dict) else None
        if not isinstance(ref, dict):
            return True
        name = ref.get("name")
        ns = ref.get("namespace") or ks_namespace
        locals_ = self.repo.config.local_sources
        return ref.get("kind", "GitRepository") == "GitRepository" and (name in locals_ or f"{ns}/{name}" in locals_)

    def run(self) -> None:
        ks_objects = [o for o in self.repo.objects if o.kind == "Kustomization" and o.group == FLUX_KS_GROUP]
        roots = self._explicit_roots()
        seen: set[tuple[str, int, str]] = set()
        queue: list[FluxKS] = []
        if roots:
            for root in roots:
                virtual = FluxKS(f"{BOOTSTRAP} {root}", "flux-system", "flux-system", None, {}, path=root, root=root)
                queue.append(virtual)
        else:
            self.root_source = "automatic: Flux Kustomizations that no other Kustomization applies"
            root_dirs: list[str] = []
            for obj in self._fallback_root_objects(ks_objects):
                directory = posixpath.dirname(obj.path)
                if directory in self.kdirs and obj.path in self.build(directory).resource_files:
                    if directory not in root_dirs:
                        root_dirs.append(directory)
                    continue
                ns = obj.namespace or "flux-system"
                bootstrap = FluxKS(f"{BOOTSTRAP} {obj.path}", "flux-system", "flux-system", None, {}, root=obj.path)
                self.kustomizations.append(bootstrap)
                bootstrap.applied.append(Applied(obj, ns, bootstrap))
                self.applied.append(bootstrap.applied[-1])
                self.applied_files.add(obj.path)
                self.resource_files.add(obj.path)
                self.roots.append(obj.path)
                queue.append(self._make_ks(obj, ns, bootstrap))
            for directory in root_dirs:
                self.roots.append(directory)
                queue.append(
                    FluxKS(f"{BOOTSTRAP} {directory}", "flux-system", "flux-system", None, {}, path=directory, root=directory)
                )
        while queue:
            ks = queue.pop(0)
            ident = (ks.obj.path, ks.obj.doc, ks.namespace) if ks.obj else ("", 0, ks.key)
            if ident in seen:
                continue
            seen.add(ident)
            self.kustomizations.append(ks)
            for child in self._evaluate(ks):
                queue.append(child)
        self.repo.variables_cache.clear()  # sources found while building were partial
        named: dict[tuple[str, str, str], list[K8sObject]] = defaultdict(list)
        for applied in self.applied:
            bucket = named[(applied.obj.kind, applied.ns, applied.obj.name)]
            if applied.obj not in bucket:
                bucket.append(applied.obj)
        self._named = dict(named)
        for applied in self.applied:
            applied.obj.applied_by.append(applied.ks.key if applied.ks else BOOTSTRAP)
            if applied.obj.effective_namespace is None:
                applied.obj.effective_namespace = applied.namespace
        for obj in self.repo.objects:
            if obj.effective_namespace is None:
                obj.effective_namespace = obj.namespace

    def _explicit_roots(self) -> list[str]:
        config_roots = self.repo.config.flux_roots
        if config_roots:
            self.root_source = "flux.roots in the config"
            self.roots = list(config_roots)
            return self.roots
        found: list[str] = []
        for obj in self.repo.objects:
            sync = None
            if obj.kind == "FluxInstance":
                sync = obj.spec.get("sync")
            elif obj.kind == "HelmRelease":
                values = obj.spec.get("values")
                instance = values.get("instance") if isinstance(values, dict) else None
                sync = instance.get("sync") if isinstance(instance, dict) else None
            if (
                isinstance(sync, dict)
                and isinstance(sync.get("path"), str)
                and sync.get("kind", "GitRepository") == "GitRepository"
            ):
                found.append(join("", sync["path"]))
        for obj in self.repo.objects:
            # classic `flux bootstrap` (gotk-sync.yaml) and hand-made bootstrap files: a Flux
            # Kustomization declared next to the repository's own source object.
            if obj.kind != "Kustomization" or obj.group != FLUX_KS_GROUP:
                continue
            path = obj.spec.get("path")
            if not isinstance(path, str) or not self.is_local_source(obj.data, obj.namespace or "flux-system"):
                continue
            siblings = self.repo.objects_by_file.get(obj.path, [])
            declares_source = any(
                o.kind in ("GitRepository", "OCIRepository") and o.name in self.repo.config.local_sources for o in siblings
            )
            if declares_source or (obj.name == "flux-system" and posixpath.basename(obj.path) == "gotk-sync.yaml"):
                resolved = resolve(path, {})
                if resolved is not None:
                    found.append(join("", resolved))
        found = sorted(set(found))
        if found:
            self.root_source = "automatic: FluxInstance sync path / flux bootstrap"
        self.roots = found
        return found

    def _fallback_root_objects(self, ks_objects: list[K8sObject]) -> list[K8sObject]:
        """Flux Kustomizations not applied by any other (condensation sources of the apply graph)."""
        import networkx as nx

        graph = nx.DiGraph()
        index = {id(o): o for o in ks_objects}
        for obj in ks_objects:
            graph.add_node(id(obj))
            if not self.is_local_source(obj.data, obj.namespace or "flux-system"):
                continue
            path = obj.spec.get("path")
            target = join("", resolve(path, {}) or path) if isinstance(path, str) else ""
            built = self.build(target)
            for child, _ in built.objects:
                if id(child) in index and child is not obj:
                    graph.add_edge(id(obj), id(child))
        condensed = nx.condensation(graph)
        roots: list[K8sObject] = []
        for comp in condensed.nodes:
            if condensed.in_degree(comp) == 0:
                members = sorted((index[m] for m in condensed.nodes[comp]["members"]), key=lambda o: (o.path, o.doc))
                roots.append(members[0])
        return sorted(roots, key=lambda o: (o.path, o.doc))

    def _make_ks(self, obj: K8sObject, namespace: str, parent: FluxKS) -> FluxKS:
        data = obj.data
        if parent.obj is not None:
            data = apply_parent_patches(parent, obj, namespace)
        ks = FluxKS(f"{namespace}/{obj.name}", obj.name, namespace, obj, data, parent=parent, root=parent.root)
        ks.local = self.is_local_source(data, namespace)
        raw = ks.spec.get("path")
        ks.raw_path = raw if isinstance(raw, str) else None
        if ks.local:
            text = raw if isinstance(raw, str) else ""
            resolved = resolve(text, parent_vars(self.repo, parent)) if parent.obj is not None else resolve(text, {})
            ks.path = join("", resolved) if resolved is not None else None
        return ks

    def _evaluate(self, ks: FluxKS) -> list[FluxKS]:
        if not ks.local or ks.path is None:
            return []
        path = ks.path
        if path and path not in self.repo.files.dirs:
            ks.path_exists = False
            return []
        built = self.build(path)
        objects = list(built.objects)
        files, dirs = set(built.files), set(built.dirs)
        resource_files = set(built.resource_files)
        comps = ks.spec.get("components")
        if isinstance(comps, list):
            for comp in comps:
                if isinstance(comp, str) and not is_remote(comp):
                    target = join(path, comp)
                    if target in self.kdirs:
                        sub = self.build(target)
                        objects.extend(sub.objects)
                        files |= sub.files
                        dirs |= sub.dirs
                        resource_files |= sub.resource_files
        target_ns = ks.spec.get("targetNamespace")
        target_ns = target_ns if isinstance(target_ns, str) and target_ns else None
        ks.files, ks.dirs = files, dirs
        self.applied_files |= files
        self.resource_files |= resource_files
        self.reached_dirs |= dirs
        children = []
        for obj, ns in objects:
            effective = target_ns or ns
            applied = Applied(obj, effective, ks)
            ks.applied.append(applied)
            self.applied.append(applied)
            if obj.kind == "Kustomization" and obj.group == FLUX_KS_GROUP:
                children.append(self._make_ks(obj, effective or ks.namespace, ks))
        return children


def parent_vars(repo: Repo, ks: FluxKS) -> dict[str, str]:
    pb = ks.post_build
    if not pb:
        return {}
    from homelint.variables import variables_of

    return variables_of(repo, ks).values


# --- patches --------------------------------------------------------------------------------
def _target_matches(target: dict[str, Any], obj: K8sObject, namespace: str) -> bool:
    if not isinstance(target, dict):
        return False
    if target.get("kind") and target["kind"] != obj.kind:
        return False
    if target.get("group") and target["group"] != obj.group:
        return False
    if target.get("version") and target["version"] != obj.version:
        return False
    for key, actual in (("name", obj.name), ("namespace", namespace)):
        want = target.get(key)
        if want:
            try:  # kustomize's target name/namespace: a Go regexp (RE2), anchored
                if not linear(f"^(?:{want})$").search(actual or ""):
                    return False
            except ValueError:
                if want != actual:
                    return False
    selector = target.get("labelSelector")
    if isinstance(selector, str) and selector:
        labels = obj.metadata.get("labels") or {}
        for term in selector.split(","):
            k, _, v = term.partition("=")
            if not isinstance(labels, dict) or labels.get(k.strip()) != v.strip().lstrip("="):
                return False
    return True


def merge_patch(base: Any, patch: Any) -> Any:
    """JSON-merge semantics (kustomize strategic merge on CRDs): maps merge, lists replace."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(base)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_patch(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def apply_json6902(data: Any, ops: list[Any]) -> Any:
    data = copy.deepcopy(data)
    for op in ops:
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            continue
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        if not parts:
            continue
        node = data
        for part in parts[:-1]:
            if isinstance(node, dict):
                node = node.setdefault(part, {})
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                node = None
                break
        last = parts[-1]
        kind = op.get("op")
        if node is None:
            continue
        if kind in ("add", "replace") and isinstance(node, dict):
            node[last] = copy.deepcopy(op.get("value"))
        elif kind == "add" and isinstance(node, list):
            if last == "-":
                node.append(copy.deepcopy(op.get("value")))
            elif last.isdigit():
                node.insert(int(last), copy.deepcopy(op.get("value")))
        elif kind == "remove" and isinstance(node, dict):
            node.pop(last, None)
    return data


@lru_cache(maxsize=256)
def _patch_body(text: str) -> Any:
    """The first document of an inline patch (parsed once: many children share one parent patch)."""
    from homelint.yamlload import parse_bytes

    parsed = parse_bytes("<patch>", text.encode())
    return parsed.docs[0] if parsed.docs else None


def apply_parent_patches(parent: FluxKS, obj: K8sObject, namespace: str) -> dict[str, Any]:
    patches = parent.spec.get("patches")
    data = obj.data
    if not isinstance(patches, list):
        return data
    for patch in patches:
        if not isinstance(patch, dict) or not isinstance(patch.get("patch"), str):
            continue
        target = patch.get("target")
        body = _patch_body(patch["patch"])
        if body is None:
            continue
        if target is None and isinstance(body, dict):
            meta = body.get("metadata") or {}
            target = {"kind": body.get("kind"), "name": meta.get("name") if isinstance(meta, dict) else None}
        if not _target_matches(target or {}, obj, namespace):
            continue
        if isinstance(body, list):
            data = apply_json6902(data, body)
        elif isinstance(body, dict):
            strip = {k: v for k, v in body.items() if k not in ("apiVersion", "kind", "metadata")}
            data = merge_patch(data, strip)
    return data
