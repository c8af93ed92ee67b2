"""The Flux model: roots, Flux Kustomizations, what each one builds, and effective namespaces.

It follows SEMANTICS.md sections 2 and 3: `spec.path` is relative to the repo root, a directory
without a kustomization file is auto-generated (recursive, kustomization subdirectories become
resources), `namespace:` of an outer kustomization wins, and a parent's `spec.patches` that target
Kustomizations are applied to its child Kustomizations. A Flux Kustomization's targetNamespace,
namePrefix, nameSuffix, patches, components and images are edited into the kustomization at its
spec.path (FluxEdits) and run where kustomize runs that kustomization's own fields.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from homelint.core.graphs import components
from homelint.core.model import K8sObject, Origin, dig, is_ciphertext, sops_opaque
from homelint.core.regex import linear
from homelint.core.substitution import resolve, scan_cached, substitute_tree, substitution_disabled
from homelint.loading.safeio import printable
from homelint.loading.yamlload import ParsedFile, parse_bytes
from homelint.model.generators import BUILTIN_KINDS, Generated, Where, generate, hash_suffix, string_map
from homelint.model.images import ImageEntry, image_edits, image_entries, merge_flux_images
from homelint.model.kustomize import Entry, KustomizeDir, inside, is_inline, is_remote, join, kustomization_options
from homelint.model.patches import OpFailure, PatchSource, apply_patch, carry
from homelint.model.replacements import Failure, Pointer, Unknown, replace_field, source_value
from homelint.model.resourcesets import is_resource_set, rendered_kustomizations, rendered_sources
from homelint.model.sources import (
    EXTERNAL_SOURCE_FORM,
    FLUX_MANIFESTS,
    LOCAL_SOURCE_FORM,
    SOURCE_GROUP,
    SOURCE_KINDS,
    Artifact,
    SourceRef,
    Sources,
    find_sources,
    generated_artifact_names,
    source_mentions,
    source_ref,
    sync_of,
    unmatched_entries,
)
from homelint.model.targets import PatchId, patch_id, target_matches
from homelint.model.transformers import (
    METADATA_ANNOTATIONS,
    METADATA_LABELS,
    LabelFieldSpec,
    NamespaceConfig,
    is_builtin,
    label_field_specs,
    label_fields,
    metadata_pairs,
    namespace_config,
    namespace_fields,
    string_pairs,
)
from homelint.model.variables import UNKNOWN_VALUE, variables_of
from homelint.model.withheld import withheld

if TYPE_CHECKING:
    from homelint.model.repo import Repo

FLUX_KS_GROUP = "kustomize.toolkit.fluxcd.io"
BOOTSTRAP = "(bootstrap)"


@dataclass(eq=False, slots=True)  # slots: one per object and Kustomization that applies it
class Applied:
    """An object as one Flux Kustomization applies it."""

    obj: K8sObject
    namespace: str | None
    ks: FluxKS | None
    renamed: str | None = None  # the name after kustomize (a Namespace takes `namespace:`)
    hashed: bool = False  # a generated object whose name kustomize suffixes with a hash (known or not)
    unread: bool = False  # a transformer the model does not apply ran over it (its namespace, name may differ)
    affixed: bool = False  # namePrefix/nameSuffix (of a kustomization or the Flux Kustomization) renamed it
    hash_unknown: bool = False  # hashed, but the hash is not known: the name lacks kustomize's suffix
    substituted: bool = False  # post-build substitution changed its name or namespace (known values)
    replaced: bool = False  # a replacements: entry renamed it: references to its old name are not rewritten
    # an entry kustomize cannot read (a missing patch, replacement or Component) may change it: the
    # build fails (unbuildable), and the spec of a Flux Kustomization it holds is not known
    maybe_changed: bool = False

    @property
    def kind(self) -> str:
        return self.obj.kind

    @property
    def name(self) -> str:
        return self.renamed if self.renamed is not None else self.obj.name

    @property
    def ns(self) -> str:
        return self.namespace or "default"

    @property
    def names(self) -> tuple[str, ...]:
        """The names it is found by: a generated object also by its generator's name, which
        kustomize rewrites to the hashed name in the references of its build. Lookups by name
        (substituteFrom variables, valuesFrom values) do not tell a reference kustomize rewrites
        from one it does not: HL401/HL405 report those (model/namerefs.py), once."""
        if self.obj.anchor is not None and self.renamed is not None and self.renamed != self.obj.name:
            return (self.renamed, self.obj.name)
        return (self.name,)


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
    # JSON6902 operations kustomize fails on in its build: the build fails and nothing is applied
    patch_failures: list[PatchFailure] = field(default_factory=list)
    # generator entries kustomize fails on in its build (GeneratorFailure): the build fails
    generator_failures: list[GeneratorFailure] = field(default_factory=list)
    # objects its build holds that Flux does not apply (withheld.py): kustomize drops them, or
    # kustomize-controller skips them; patches and replacements of the build still see them
    withheld: list[tuple[Applied, str]] = field(default_factory=list)
    # SOPS documents of its build encrypted whole (core.model.sops_opaque): applied once decrypted,
    # as an object whose kind, name and namespace are not known here
    opaque: list[Applied] = field(default_factory=list)
    # replacements kustomize fails on in its build (a target field that is not there): the build fails
    replacement_failures: list[ReplacementFailure] = field(default_factory=list)
    files: set[str] = field(default_factory=set)
    dirs: set[str] = field(default_factory=set)
    # (generated folder, Component folder) of each Component its generated kustomization lists
    # under resources: (BuildOut.generated_components): its build fails
    generated_components: list[tuple[str, str]] = field(default_factory=list)
    root: str = ""  # which root reaches it
    cluster: str = ""  # roots with nested paths are one cluster; each cluster applies its own instance
    source: SourceRef | None = None
    artifact: Artifact | None = None  # what its source serves, when that is this repository
    scope: dict[SourceRef, Artifact] | None = None  # this cluster's own declarations of sources
    synced: bool = False  # made by flux-operator for a FluxInstance's sync (no file holds it)
    # the FluxInstance (or flux-instance HelmRelease, or chart values file) of a synced one's sync
    maker: K8sObject | None = None
    # synced, and its spec is the one flux-operator writes: no patch of the instance may change it
    spec_known: bool = False
    # the cluster its objects go to: "" for this one, else its spec.kubeConfig (or its parent's)
    target: str = ""
    # where the fields of its spec that patches of its parent's build set come from (patches.Origin)
    origins: tuple[Origin, ...] = ()
    # applied by a Kustomization of known spec with no namespace from anywhere: Flux fails to apply
    # it ('namespace not specified', HL110), and where its references point is not known
    unplaced: bool = False
    # where a transformer of its parent's build that the model does not apply (labels with fields,
    # configurations, replacements) may have set fields of it (BuildOut.loose; () is all of it)
    loose: tuple[Pointer, ...] = ()

    def may_be_set(self, pointer: Pointer) -> bool:
        """Whether such a transformer may have set the field at `pointer` (or one inside it)."""
        return any(_related(pointer, p) for p in self.loose)

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def post_build(self) -> dict[str, Any] | None:
        pb = self.spec.get("postBuild")
        return pb if isinstance(pb, dict) else None

    def lineage(self) -> Iterator[FluxKS]:
        """This Kustomization, then the one whose build applies it, and so on up to its root (each
        once: a cycle of Kustomizations applying each other ends the walk)."""
        seen: set[int] = set()
        ks: FluxKS | None = self
        while ks is not None and id(ks) not in seen:
            seen.add(id(ks))
            yield ks
            ks = ks.parent

    @property
    def known(self) -> bool:
        """Whether its spec is known: written in a file of the repository, or the one flux-operator
        writes for a FluxInstance's sync (FluxModel._sync_spec_known)."""
        return self.obj is not None or self.spec_known

    @property
    def defined_in(self) -> str | None:
        """The file that defines it: its own, or the one of the instance flux-operator makes it for."""
        if self.obj is not None:
            return self.obj.path
        return self.maker.path if self.synced and self.maker is not None else None

    @property
    def label(self) -> str:
        if self.obj:
            return f"Kustomization {self.namespace}/{self.name}"
        if self.synced and self.maker is not None:
            return f"the Kustomization {self.namespace}/{self.name} that flux-operator makes for the sync of {maker_label(self.maker)}"
        return f"the bootstrap Kustomization of root '{self.root}'"


# (object id -> (Flux Kustomization, the object as its build leaves it) of each that applies it,
# why that is not certain or None): who substitutes into a FluxInstance sync (FluxModel._sync_appliers)
SyncAppliers = tuple[dict[int, list[tuple[FluxKS, K8sObject]]], str | None]


@dataclass(frozen=True)
class ReplacementFailure:
    """A replacement kustomize fails the build on (replacements.Failure): the object its target
    selects, as the build has it, where the target's field path is written, and why."""

    index: int  # the object's position in its build's `objects` (-1: the source selects nothing)
    obj: K8sObject | None  # the repository document (None: the source selects nothing)
    kind: str
    namespace: str | None
    name: str
    where: Where  # the fieldPaths entry (or the replacement, for a source that fails)
    directory: str  # the folder of the kustomization whose replacements fail
    reason: str  # kustomize's words
    at: Pointer  # the field where its path stopped


@dataclass(frozen=True, slots=True)
class PatchFailure:
    """A JSON6902 operation kustomize fails on in a build (patches.OpFailure, certain): the object
    it was applied to, as the build had it then, and where the patch is. kustomize fails the
    whole build."""

    obj: K8sObject  # the repository document
    kind: str
    namespace: str | None
    name: str
    source: PatchSource
    failure: OpFailure


# where a build lists a Component: (kustomization file, document, field path of the `components:`
# entry), or None for a Flux Kustomization's spec.components (kustomize-controller appends them)
Listing = tuple[str, int, tuple[str | int, ...]] | None


@dataclass(frozen=True)
class GeneratorFailure:
    """A configMapGenerator/secretGenerator entry (or builtin generator configuration) kustomize
    fails the build on, where the model is sure of it. `reason`: `repeats` (its sources give
    `keys` more than once: api/internal/generators makeValidatedDataMap, "configmap NAME illegally
    repeats the key `K`"), `missing` (behavior merge or replace, and no object of its id in the
    build: resmap appendReplaceOrMerge, "id ... does not exist; cannot merge or replace"),
    `multiple` (several, the objects in `found`: "found multiple objects ... that could accept
    merge"), `literal` (a literal that is not KEY=VALUE: api/kv ParseLiteralSource, "invalid
    literal source ..., expected key=value"; HL601 reports it, from the kustomization's schema) or
    `exists` (no behavior, in a Component that runs a second time in one build, listed at each of
    `listed`: its first run made the object in `found`; appendReplaceOrMerge, "id ... exists; can
    not use behavior: 'unspecified', behavior must be merge or replace")."""

    obj: K8sObject  # the generated object: its path, doc and anchor are the entry's
    behavior: str
    reason: str
    keys: tuple[str, ...] = ()
    found: tuple[tuple[K8sObject, str | None], ...] = ()
    component: str = ""  # `exists`: the Component folder that runs twice
    listed: tuple[Listing, ...] = ()  # `exists`: where the build lists it, in the order it runs them


@dataclass(frozen=True, slots=True)
class FluxEdits:
    """What kustomize-controller's generator (fluxcd/pkg kustomize, Generator.WriteFile) writes
    into the kustomization at a Flux Kustomization's spec.path (the one there, or the one it
    generates) before kustomize builds it: spec.targetNamespace becomes its `namespace:` and
    spec.namePrefix/nameSuffix its `namePrefix:`/`nameSuffix:` (each replacing the file's own),
    spec.patches are appended to its `patches:`, spec.components to its `components:`, and
    spec.images merged into its `images:`. kustomize then runs them in its order: components
    after the kustomization's own (after its generators), the patches with its own (before its namespace, prefix, label,
    image and replacement transformers). spec.commonMetadata is not among them: kustomize-controller
    sets it on the built objects when it applies them. Hashable: it is part of a build's memo key."""

    components: tuple[str, ...] = ()  # repo-relative folders
    images: tuple[ImageEntry, ...] = ()
    patches: tuple[tuple[str, str, PatchSource], ...] = ()  # (target as JSON or "", patch text, where)
    namespace: str | None = None
    prefix: str | None = None
    suffix: str | None = None

    def patch_entries(self) -> list[tuple[Any, Any, PatchSource]]:
        """(target, body, where it is) of each patch document, as the kustomization's own patches are given."""
        return [
            (json.loads(target) if target else None, body, replace(source, part=part))
            for target, text, source in self.patches
            for part, body in patch_documents(text)
        ]


NO_EDITS = FluxEdits()
MAX_PATH_GUESSES = 16  # folders a spec.path with a ${VAR} may name that a root's search builds, before it gives up
_VARIABLE_PART = r"\$\{[^}]*\}"  # on RE2 (core.regex.linear)
MAX_OPAQUE_RANKED = 64  # whole-encrypted SOPS documents opaque_in ranks, of the users' builds and of all


# Where every object of a build may hold what the model does not see: kustomize's own annotations
# (config.kubernetes.io/..., present while patches run) and the namespace (kept beside the object)
ALWAYS_LOOSE: tuple[Pointer, ...] = (("metadata", "annotations"), ("metadata", "namespace"))
GENERATED_LOOSE: tuple[Pointer, ...] = (("metadata",), ("data",), ("binaryData",))  # generator options, unread sources


LOOSE_LIMIT = 64
# Component runs past the first of each a build models (a Component listed twice, or reached
# twice through others, runs again in kustomize: Components that include one another in a diamond
# run an exponential number of times); past it, the build's objects are left unknown
RERUN_LIMIT = 16


@dataclass
class BuildOut:
    objects: list[tuple[K8sObject, str | None]] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # every file the build reads
    dirs: set[str] = field(default_factory=set)
    resource_files: set[str] = field(default_factory=set)  # files whose documents are applied
    # fields kustomize transformers set: position in `objects` -> {field path: value} (one
    # file's object may occur in many places of a build, each edited on its own)
    edits: dict[int, dict[tuple[str, ...], Any]] = field(default_factory=dict)
    # namePrefix/nameSuffix of the kustomizations (and the Flux Kustomization) over an object:
    # position in `objects` -> (prefix, suffix), outermost first
    affixes: dict[int, tuple[str, str]] = field(default_factory=dict)
    # the names an object had before its current one in this build (namePrefix/nameSuffix, a
    # patch that renames it): position in `objects` -> names, first first (kustomize's previous ids)
    before: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # the namespaces an object had before its current one in this build (`namespace:`, a
    # NamespaceTransformer, a replacement): position in `objects` -> namespaces, first first
    spaces_before: dict[int, tuple[str | None, ...]] = field(default_factory=dict)
    # positions in `objects` a transformer the model does not apply ran over
    unread: set[int] = field(default_factory=set)
    # positions in `objects` an entry kustomize cannot read may change (Applied.maybe_changed)
    maybe_changed: set[int] = field(default_factory=set)
    # the Components run into this build (FluxModel._component), not carried by absorb
    components: set[str] = field(default_factory=set)
    # Component folder -> where this build lists it, one per run (FluxModel._component), not carried by absorb
    listings: dict[str, list[Listing]] = field(default_factory=dict)
    reruns: int = 0  # runs of a Component past its first in this build (RERUN_LIMIT)
    # (folder whose kustomization kustomize-controller generates, Component folder below it): the
    # generated kustomization lists the Component under resources:, where kustomize fails
    generated_components: list[tuple[str, str]] = field(default_factory=list)
    # replacements kustomize fails on, in build order (the build fails)
    replacement_failures: list[ReplacementFailure] = field(default_factory=list)
    # JSON6902 operations kustomize fails on, in build order: the build fails (PatchFailure)
    failures: list[PatchFailure] = field(default_factory=list)
    # generator entries kustomize fails on, in build order: the build fails (GeneratorFailure)
    generator_failures: list[GeneratorFailure] = field(default_factory=list)
    # position in `objects` -> pointers below which kustomize may hold more or other than the
    # model (transformers it does not apply, operations it could not decide): a failure there is
    # not certain
    loose: dict[int, list[Pointer]] = field(default_factory=dict)

    def absorb(self, sub: BuildOut) -> None:
        """Add a sub-build (its edit maps copied: a memoised sub-build is shared)."""
        self.files |= sub.files
        self.dirs |= sub.dirs
        self.resource_files |= sub.resource_files
        self.generated_components.extend(sub.generated_components)
        offset = len(self.objects)
        self.objects.extend(sub.objects)
        for index, fields in sub.edits.items():
            self.edits[index + offset] = dict(fields)
        for index, affix in sub.affixes.items():
            self.affixes[index + offset] = affix
        for index, names in sub.before.items():
            self.before[index + offset] = names
        for index, spaces in sub.spaces_before.items():
            self.spaces_before[index + offset] = spaces
        self.unread |= {index + offset for index in sub.unread}
        self.maybe_changed |= {index + offset for index in sub.maybe_changed}
        self.replacement_failures.extend(
            replace(f, index=f.index + offset) if f.index >= 0 else f for f in sub.replacement_failures
        )
        self.failures.extend(sub.failures)
        self.generator_failures.extend(sub.generator_failures)
        for index, pointers in sub.loose.items():
            self.loose[index + offset] = list(pointers)

    def loosen(self, pointers: list[Pointer] | tuple[Pointer, ...], indexes: Iterable[int] | None = None) -> None:
        """Mark pointers of objects (default: all so far) as not known to the model (see `loose`).
        Past LOOSE_LIMIT pointers an object is not known anywhere (a patch of thousands of failing
        operations costs no more than one)."""
        if not pointers:
            return
        fresh = list(dict.fromkeys(pointers))
        for index in range(len(self.objects)) if indexes is None else indexes:
            known = self.loose.setdefault(index, [])
            if known == [()]:
                continue
            seen = set(known)
            known.extend(p for p in fresh if p not in seen)
            if len(known) > LOOSE_LIMIT:
                self.loose[index] = [()]

    def add_affixes(self, prefix: Any, suffix: Any) -> None:
        """kustomize's prefix/suffix transformer over every object of the build but Namespaces and
        CustomResourceDefinitions (which kustomize 5 leaves as they are)."""
        prefix = prefix if isinstance(prefix, str) else ""
        suffix = suffix if isinstance(suffix, str) else ""
        if not prefix and not suffix:
            return
        for index, (obj, _) in enumerate(self.objects):
            if obj.kind not in ("Namespace", "CustomResourceDefinition"):
                self._renaming(index)
                inner = self.affixes.get(index, ("", ""))
                self.affixes[index] = (prefix + inner[0], inner[1] + suffix)

    def _renaming(self, index: int) -> None:
        """Keep the name the object at `index` has now among its names before (it is renamed)."""
        self.before[index] = (*self.before.get(index, ()), self.name_now(index))

    def edit(self, index: int, path: tuple[str, ...], value: Any) -> None:
        self.edits[index] = {**self.edits.get(index, {}), path: value}

    def move(self, index: int, namespace: str | None) -> None:
        """Put the object at `index` in `namespace`, keeping the one it leaves among its namespaces
        before (kustomize's previous ids)."""
        obj, old = self.objects[index]
        if old != namespace:
            self.spaces_before[index] = (*self.spaces_before.get(index, ()), old)
        self.objects[index] = (obj, namespace)

    def namespaces(self, index: int) -> tuple[str | None, ...]:
        """Every namespace the object at `index` had in this build, the one it was written with
        first and its current one last (a namespace a patch wrote into it too)."""
        obj, now = self.objects[index]
        meta = self.current(index).get("metadata")
        patched = meta.get("namespace") if isinstance(meta, dict) else None
        found = [obj.namespace, *self.spaces_before.get(index, ()), now]
        if isinstance(patched, str) and patched:
            found.append(patched)
        return tuple(dict.fromkeys(found))

    def kinds(self, index: int) -> set[tuple[str, str, str]]:
        """(group, version, kind) of the object at `index` as written and as it is now (a patch with
        allowKindChange, or one that rewrites apiVersion, changes them)."""
        obj = self.objects[index][0]
        found = {(obj.group, obj.version, obj.kind)}
        data = self.current(index)
        api, kind = data.get("apiVersion"), data.get("kind")
        if isinstance(api, str) and isinstance(kind, str):
            group, slash, version = api.partition("/")
            found.add((group, version, kind) if slash else ("", api, kind))
        return found

    def name_now(self, index: int) -> str:
        """The name of the object at `index` at this point of the build: its metadata.name with
        the namePrefix/nameSuffix added so far."""
        obj = self.objects[index][0]
        meta = self.current(index).get("metadata")
        name = meta.get("name") if isinstance(meta, dict) and isinstance(meta.get("name"), str) else obj.name
        prefix, suffix = self.affixes.get(index, ("", ""))
        return f"{prefix}{name}{suffix}"

    def names(self, index: int, *, every: bool = False) -> tuple[str, ...]:
        """The names a kustomize selector finds the object at `index` by: its current name
        (name_now) and the one it was written with, as resmap Select matches a patch target's name
        (OrgId, CurId); with `every`, also each name it had between (a strategic-merge patch
        without target, GetMatchingResourcesByAnyId, and replacements, utils.MakeResIds, match
        any previous id)."""
        now = self.name_now(index)
        found = [now, self.objects[index][0].name]
        if every:
            found += self.before.get(index, ())
        return tuple(dict.fromkeys(found))

    def current_named(self, index: int) -> dict[str, Any]:
        """current(), with the name the object has at this point of the build (name_now)."""
        data = self.current(index)
        if index not in self.affixes:
            return data
        meta = data.get("metadata")
        return {**data, "metadata": {**(meta if isinstance(meta, dict) else {}), "name": self.name_now(index)}}

    def current(self, index: int) -> dict[str, Any]:
        """The object at `index` as the build has transformed it so far (not to be changed)."""
        edits = self.edits.get(index)
        if not edits:
            return self.objects[index][0].data
        if all(path in MARKS for path in edits):
            whole = edits.get(WHOLE)
            return whole if isinstance(whole, dict) else self.objects[index][0].data
        return _overlay(self.objects[index][0].data, edits)

    def _unknown(self, index: int, extra: tuple[Pointer, ...]) -> Callable[[Pointer], bool]:
        """Whether the object at `index` may hold, at a pointer, what the model does not know."""
        if index in self.unread:
            return lambda _: True
        pointers = [*ALWAYS_LOOSE, *self.loose.get(index, ()), *extra]
        if self.objects[index][0].anchor is not None:
            pointers.extend(GENERATED_LOOSE)
        return lambda at: any(_related(at, p) for p in pointers)

    def deleted(self, index: int) -> bool:
        """Whether a `$patch: delete` removed the object at `index` from the build."""
        return bool(self.edits.get(index, {}).get(DELETED))

    def patch(
        self,
        index: int,
        body: Any,
        source: PatchSource | None,
        loose: tuple[Pointer, ...] = (),
    ) -> None:
        """Apply one patch body to the object at `index`, keeping where its fields come from and the
        JSON6902 operation kustomize fails on, if any (`loose`: more pointers the model may not
        know at this patch)."""
        obj, old = self.objects[index][0], self.current(index)
        data, recorder = apply_patch(old, body, source, self._unknown(index, loose))
        if recorder.loose:
            self.loosen(recorder.loose, range(index, index + 1))
        failure = recorder.failure
        if failure is not None and failure.certain and source is not None:
            meta = old.get("metadata")
            name = meta.get("name") if isinstance(meta, dict) else None
            kind = old.get("kind")
            self.failures.append(
                PatchFailure(
                    obj.source,
                    kind if isinstance(kind, str) else obj.kind,
                    self.objects[index][1],
                    name if isinstance(name, str) else obj.name,
                    source,
                    failure,
                )
            )
        if data is None:
            self.edit(index, DELETED, True)
            return
        origins = self.edits.get(index, {}).get(ORIGINS, obj.origins)
        if _meta_name(data) != _meta_name(old):
            self._renaming(index)
            if index in self.affixes:  # a patch that sets the name sets all of it: earlier affixes are gone
                del self.affixes[index]
        # the patched object holds every field edit made before: a later patch of one is not undone
        self.edits[index] = {WHOLE: data, ORIGINS: carry(origins, recorder, (obj.path, obj.doc))}


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
        self.refused: dict[str, str] = repo.refused_kustomizations  # folder -> a kustomization file kustomize refuses
        self._refused_builders: dict[str, list[FluxKS]] | None = None  # refused_builders, once run() is done
        self._memo: dict[tuple[str, str, FluxEdits], BuildOut] = {}
        # (artifact, folder, components) -> what its build holds before the transformers of the
        # folder's kustomization run (gathered): kept where a build with other edits may follow
        self._gathered: dict[tuple[str, str, tuple[str, ...]], BuildOut] = {}
        self._spec_paths: dict[str, set[str]] = {}  # artifact root -> the spec.path folders written there
        self._building: dict[str, None] = {}  # directories being built, in include order
        self.kustomizations: list[FluxKS] = []
        self.applied: list[Applied] = []
        self.applied_files: set[str] = set()
        self.resource_files: set[str] = set()
        self.reached_dirs: set[str] = set()
        self.roots: list[str] = []
        self._makers: dict[str, list[K8sObject]] = {}  # sync root path -> the instances whose sync it is
        self._sync_bases: dict[int, dict[str, Any]] = {}  # id of a sync's FluxKS -> the spec flux-operator writes
        self.root_source = ""
        self.cycles: list[KustomizeCycle] = []
        self.notes: list[str] = []
        self.unrendered: list[str] = []  # what ResourceSets create that the model does not follow (resourcesets.py)
        # kustomization file -> the kinds of its `transformers:` the model does not apply
        self.unread_transformers: dict[str, list[str]] = {}
        # kustomization files with a `transformers:` entry that may add, rename or move objects (not
        # a builtin namespace, patch, label or annotation transformer)
        self.opaque_transformers: set[str] = set()
        self.roots_known = False  # roots found by evidence or config, not by the fallback
        self._reach_memo: dict[str, tuple[list[str], set[str]]] = {}  # unfollowed_over: what a folder's build reads
        # files of Flux Kustomizations nothing applies that the fallback did not take as roots
        self.left_out: list[str] = []
        self._generated_memo: dict[tuple[str, str], list[Generated]] = {}
        self._mounts: tuple[int, dict[str, int]] | None = None  # every spec.include folder, first first
        self._patched: dict[tuple[Any, ...], K8sObject] = {}  # _as_built's copies
        self._origins: dict[tuple[Origin, ...], tuple[Origin, ...]] = {}  # their origins, each kept once
        self._ks_origins: dict[int, tuple[Origin, ...]] | None = None  # ks_origins, made on first use
        self._suffixes: dict[int, str] = {}  # generated object (by id) -> kustomize's name hash suffix
        self._hashed: set[int] = set()  # generated objects (by id) whose names get a hash, known or not
        self._secret_data: dict[int, Callable[[], dict[str, str]]] = {}  # generated Secret -> its values made again
        # generated objects, and objects a generator merged into (by id), whose keys the model does not know
        self._keys_unknown: set[int] = set()
        # variables.py: (namespace, Secret) -> ExternalSecrets writing it, valid for len(applied) objects
        self.external_secret_index: dict[tuple[str, str], list[Applied]] = {}
        self.external_secret_index_size = -1
        self.skipped: dict[SourceRef, int] = {}  # Kustomizations not followed, by source
        # kustomization entries the repository holds but a build's artifact leaves out (ignore rules)
        self.ignored_entries: dict[tuple[str, tuple[Any, ...]], tuple[KustomizeDir, Entry, Artifact]] = {}
        self._unread_generators: set[str] = set()  # kustomization files with `generators:` the model does not run
        self.mounted: dict[tuple[str, str], list[str]] = {}
        # (artifact, folder without a kustomization) -> the folders with one that the kustomization
        # kustomize-controller generates there lists as resources (_build_generated)
        self.generated_lists: dict[tuple[str, str], list[str]] = {}
        self.remote: list[
            str
        ] = []  # Kustomizations that apply to another cluster (spec.kubeConfig)  # (source, spec.include folder) -> Kustomizations in it
        self.sources: Sources = find_sources(repo)
        self._default = self._default_artifact()
        self._children = self._index_children()
        self._done = False  # run() is done: `applied` no longer grows
        # (kind, namespace, name) -> Applied, in model order: the first `_named_upto` of `applied`
        # (indexed as it grows: variables are looked up while the model is built)
        self._by_name: dict[tuple[str, str, str], list[Applied]] = {}
        self._named_upto = 0
        # applied_named's answers: (how many Applied of that name it read, the objects); every
        # Kustomization of a cluster asks for the same substituteFrom names, and with many clusters
        # each name is applied many times. A list of `_by_name` only grows, so an answer holds
        # while its length is unchanged (and the clusters are assigned: _assign_clusters clears it)
        self._named_memo: dict[tuple[str, str, str, str | None], tuple[int, list[K8sObject]]] = {}
        self._by_object: dict[int, list[Applied]] | None = None  # built when run() is done
        self._local_artifacts: list[Artifact] | None = None  # left_out_by_sources, once run() is done
        self._by_document: dict[int, list[Applied]] | None = None  # built when first asked, after run()
        self._withheld_named: dict[tuple[str, str, str], list[tuple[Applied, str]]] | None = None  # as _by_document
        self._withheld_why: dict[int, str] = {}  # repository document (by id) -> why a build withholds it
        self._deleted_from: dict[int, str] = {}  # repository document (by id) -> a build a `$patch: delete` removes it from
        self._opaque: dict[str | None, list[Applied]] | None = None  # namespace (None: not known) -> opaque_in
        self._opaque_by_ks: dict[tuple[str | None, str], list[Applied]] = {}  # (namespace, Kustomization key) -> opaque_in
        self._target_unread: dict[int, bool] = {}  # id(FluxKS) -> target_namespace_unread
        self._namespace_fields: dict[int, tuple[frozenset[tuple[str, tuple[str, ...]]], bool]] = {}  # namespace_fields_of
        self._source_memo: dict[SourceRef, bool] = {}  # source_may_exist's answers
        # where a patch document is (PatchSource) -> whether it found an object, once per build it
        # ran in (apply_matching: None when not known); HL114 and HL115 read them
        self.patch_outcomes: dict[PatchSource, list[bool | None]] = {}
        # kustomization file -> a `patches:` entry kustomize refuses before applying anything
        # ("Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set
        # `patches.target` field"): the model applies none of its documents; the build fails (HL114)
        self.refused_patches: dict[str, PatchSource] = {}

    def source_may_exist(self, ref: SourceRef) -> bool:
        """Whether the Flux source a sourceRef names may exist on the cluster: one the model finds
        (source_found), or one defined in a file nothing applies that may be applied after all
        (beside a guessed root, or in the path of a Flux Kustomization the model did not follow
        whose own source may exist: a bootstrap's source is in the path built from it). False
        otherwise: kustomize-controller's getSource gets NotFound, and a Flux Kustomization built
        from it applies nothing (HL107 reports it). Asked once run() is done."""
        memo = self._source_memo
        if ref not in memo:
            memo[ref] = True  # asked again while deciding: a source in the path built from it (a bootstrap)
            memo[ref] = self.source_found(ref) or any(
                self.beside_guessed_root(obj.path) is not None or self.unfollowed_over(obj.path) is not None
                for obj in self.repo.objects_by_kind_name.get((ref.kind, ref.name), [])
                if not obj.applied_by
                and obj.namespace in (None, ref.namespace)
                and obj.group.startswith("source.toolkit.fluxcd.io")
            )
        return memo[ref]

    def source_found(self, ref: SourceRef) -> bool:
        """Whether a Flux source is one the repository applies (by its name after kustomize), an
        ExternalArtifact an ArtifactGenerator it applies makes, one a ResourceSet it applies may
        make, this repository's own source, one the config lists (flux.external-sources,
        flux.local-sources), or one whose name or namespace is a placeholder (unknown)."""
        if "${" in ref.name or "${" in ref.namespace:
            return True
        if ref.name in self._applied_sources().get((ref.kind, ref.namespace), set()):
            return True
        if self.resource_set_makes(ref.kind, ref.namespace, ref.name):
            return True
        return self.known_source(ref)

    def unfollowed_over(self, path: str) -> FluxKS | None:
        """The first Flux Kustomization the model did not follow (its source is not known to be
        this repository) whose spec.path, read in this repository, holds `path`, and whose source
        may exist (one nothing defines serves nothing); None if none does. Flux's own manifests
        (serves_flux_itself) hold no file of this repository."""
        found = self._unfollowed_reaching(path)
        return next((ks for ks, ref in found if self.source_may_exist(ref) and not self.serves_flux_itself(ks)), None)

    def unsourced_over(self, path: str) -> FluxKS | None:
        """The first Flux Kustomization whose spec.path, read in this repository, holds `path` but
        whose source nothing defines (HL107: kustomize-controller builds nothing of it); None if
        none does. Asked once run() is done."""
        return next((ks for ks, ref in self._unfollowed_reaching(path) if not self.source_may_exist(ref)), None)

    def listed_without_kustomization(self, folder: str) -> tuple[KustomizeDir, Entry] | None:
        """(the kustomization, its entry) when the nearest folder above `folder` that a Flux
        Kustomization builds lists a folder holding `folder` that has no kustomization file:
        kustomize fails that build (HL101), which is why nothing builds `folder`. Asked once run()
        is done."""
        parent = folder
        while parent and parent not in self.reached_dirs:
            parent = posixpath.dirname(parent)
        owner = self.kdirs.get(parent) if parent in self.reached_dirs and parent != folder else None
        if owner is None:
            return None
        for entry in owner.entries:
            if entry.kind not in ("resources", "components") or not entry.target or entry.target in self.kdirs:
                continue
            if entry.target in self.refused:
                continue  # a kustomization file kustomize refuses: that build fails there (HL601)
            if inside(folder, entry.target) and entry.target in self.repo.files.dirs:
                return owner, entry
        return None

    def refused_read_by(self, ks: FluxKS) -> list[str]:
        """The kustomization files kustomize refuses (Repo.refused_kustomizations) that the build of
        `ks` reads as kustomizations: of a folder of the build whose file it reads (a spec.path
        there, a listed folder, a generated kustomization above it); not one it lists by name
        (read as manifests)."""
        return [self.refused[d] for d in sorted(ks.dirs) if self.refused.get(d) in ks.files]

    def refused_builders(self) -> dict[str, list[FluxKS]]:
        """Folder -> the Flux Kustomizations whose build reads its refused kustomization file
        (refused_read_by); those builds fail. Asked once run() is done."""
        if self._refused_builders is None:
            found: dict[str, list[FluxKS]] = {}
            for ks in self.kustomizations:
                for path in self.refused_read_by(ks):
                    found.setdefault(posixpath.dirname(path), []).append(ks)
            self._refused_builders = found
        return self._refused_builders

    def dead_over(self, path: str) -> K8sObject | None:
        """The first Flux Kustomization of this repository that nothing applies (no root reaches
        it: HL104) whose spec.path, read in this repository, holds `path`, when the roots are known
        and no Flux Kustomization builds the folder of `path`; else None. Such a file is meant for
        Flux, which never applies it: not one a bootstrap script applies. Asked once run() is done."""
        directory = posixpath.dirname(path)
        if not self.roots_known or directory in self.reached_dirs:
            return None
        folders, files = self._dead_index()
        found = list(files.get(path, ()))
        current = directory
        while True:  # each folder holding `path` whose every file a dead build may read (_reach)
            found.extend(n for n in folders.get(current, ()) if not self._kdir_between(directory, current))
            if not current:
                break
            current = posixpath.dirname(current)
        return self._dead_tops()[min(found)][0] if found else None

    def _dead_index(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """What the builds of the dead Kustomizations (_dead_tops, by number) may read: folder ->
        numbers, file -> numbers; built once, so dead_over costs the depth of a path, not the
        number of dead Kustomizations."""

        def build() -> tuple[dict[str, list[int]], dict[str, list[int]]]:
            folders: dict[str, list[int]] = defaultdict(list)
            files: dict[str, list[int]] = defaultdict(list)
            for number, (_, top) in enumerate(self._dead_tops()):
                reach = self._reach_memo.get(top)
                if reach is None:
                    reach = self._reach_memo[top] = self._reach(top)
                for folder in reach[0]:
                    folders[folder].append(number)
                for file in reach[1]:
                    files[file].append(number)
            return dict(folders), dict(files)

        return self.repo.memo("flux.dead-index", build)

    def _dead_tops(self) -> list[tuple[K8sObject, str]]:
        """(object, spec.path) of each Flux Kustomization of this repository's source that nothing
        applies: not withheld by a build, not in a folder another cluster pulls, in file order."""

        def build() -> list[tuple[K8sObject, str]]:
            patches, out = self.repo.patch_files, []
            for obj in self.repo.objects:
                if obj.kind != "Kustomization" or obj.group != FLUX_KS_GROUP or obj.path in patches or obj.applied_by:
                    continue
                raw = obj.spec.get("path", "")
                resolved = resolve(raw, {}) if isinstance(raw, str) else None
                if resolved is None or self.withheld_why(obj) is not None:
                    continue
                if self.sources.pushed_elsewhere(posixpath.dirname(obj.path)):
                    continue
                art = self.artifact_of(obj.data, obj.namespace or "flux-system")
                if art is not None and art.path_known:
                    out.append((obj, art.path(resolved)))
            return out

        return self.repo.memo("flux.dead-tops", build)

    def _unfollowed_reaching(self, path: str) -> Iterator[tuple[FluxKS, SourceRef]]:
        """(Flux Kustomization, its source) of each the model did not follow whose spec.path, read
        in this repository, holds `path`, in model order."""
        for ks in self.kustomizations:
            if ks.obj is None or ks.local or ks.raw_path is None or ks.source is None:
                continue
            resolved = resolve(ks.raw_path, {})
            if resolved is not None and self._unfollowed_reaches(join("", resolved), path):
                yield ks, ks.source

    def _unfollowed_reaches(self, top: str, path: str) -> bool:
        """Whether a build of folder `top`, read in this repository, may read `path`: a file under
        it, or one its kustomization files reach through `resources:`/`components:` entries (`../`
        too), followed in every folder they name."""
        reach = self._reach_memo.get(top)
        if reach is None:
            reach = self._reach_memo[top] = self._reach(top)
        folder_of = posixpath.dirname(path)
        return any(inside(path, folder) and not self._kdir_between(folder_of, folder) for folder in reach[0]) or (
            path in reach[1]
        )

    def _kdir_between(self, directory: str, folder: str) -> bool:
        """Whether `directory` (inside `folder`) is, or is below, a folder with a kustomization
        other than `folder` itself: the kustomization Flux generates for `folder` lists such a
        folder as a resource and does not walk into it (fluxcd/pkg kustomize_generator.go scan:
        SkipDir), so only its own kustomization says what of it is read."""
        current = directory
        while current != folder and current:
            if current in self.kdirs or current in self.refused:
                return True
            current = posixpath.dirname(current)
        return False

    def _reach(self, top: str) -> tuple[list[str], set[str]]:
        """(folders whose files a build of `top` may read, except those under a folder with a
        kustomization of its own, files it reads by name). Only `top` (and folders below a
        generated one) may lack a kustomization: Flux generates one for its spec.path, kustomize
        none for a folder an entry names."""
        kdirs, files = self.kdirs, self.repo.files.all_files
        folders: list[str] = []
        named: set[str] = set()
        seen: set[str] = set()
        queue = [top]
        while queue:
            folder = queue.pop()
            if folder in seen:
                continue
            seen.add(folder)
            kd = kdirs.get(folder)
            if folder in self.refused:  # kustomize reads the file and fails there
                named.add(self.refused[folder])
                continue
            if kd is None:  # Flux generates a kustomization of the files below; the topmost kustomizations below are followed
                folders.append(folder)
                queue.extend(
                    d
                    for d in (*kdirs, *self.refused)
                    if d != folder and inside(d, folder) and not self._kdir_between(posixpath.dirname(d), folder)
                )
                continue
            named.add(kd.file)
            for entry in kd.entries:
                if entry.kind not in ("resources", "components") or is_remote(entry.value):
                    continue
                if entry.target in files:
                    named.add(entry.target)
                elif entry.target in kdirs or entry.target in self.refused:  # a folder without one fails kustomize (HL101)
                    queue.append(entry.target)
        return folders, named

    def serves_flux_itself(self, ks: FluxKS) -> bool:
        """Whether `ks` builds Flux's own distribution: from an OCIRepository of
        ghcr.io/fluxcd/flux-manifests, or from a GitRepository of github.com/fluxcd/flux2 at a
        path under manifests/ (every definition of its source one of those). What that applies is
        Flux's controllers, CRDs, RBAC and network policies in its namespace (the distribution's
        `namespace: flux-system`, or the Kustomization's targetNamespace): never the repository's
        other namespaces, Flux Kustomizations, HelmReleases, Secrets or ConfigMaps."""
        ref = ks.source
        if ref is None or not self.flux_distribution(ref):
            return False
        if ref.kind == "GitRepository":
            path = resolve(ks.raw_path, {}) if ks.raw_path is not None else None
            return path is not None and inside(join("", path), "manifests")
        return True

    def flux_distribution(self, ref: SourceRef) -> bool:
        """Whether every definition of the source `ref` is Flux's own distribution: an
        OCIRepository of ghcr.io/fluxcd/flux-manifests, a GitRepository of github.com/fluxcd/flux2."""
        if ref.kind not in ("OCIRepository", "GitRepository"):
            return False
        found = self.applied_named(ref.kind, ref.name, ref.namespace) or [
            obj  # defined in a file applied by hand (a root), or one that may be applied after all
            for obj in self.repo.objects_by_kind_name.get((ref.kind, ref.name), [])
            if obj.namespace in (None, ref.namespace) and obj.group.startswith("source.toolkit.fluxcd.io")
        ]
        if not found:
            return False
        for obj in found:
            url = obj.spec.get("url")
            if not isinstance(url, str):
                return False
            clean = url.rstrip("/").removesuffix(".git")
            if ref.kind == "OCIRepository" and not clean.endswith(FLUX_MANIFESTS):
                return False
            if ref.kind == "GitRepository" and not clean.endswith("github.com/fluxcd/flux2"):
                return False
        return True

    def beside_guessed_root(self, path: str) -> str | None:
        """The root file in the folder of `path` when the roots are guessed (no evidence names them:
        the Flux Kustomizations nothing else applies), else None: something outside the repository
        applies those roots (`kubectl apply -f` of their file or folder), maybe with what is beside
        them."""
        if self.roots_known:
            return None
        folder = posixpath.dirname(path)
        return next((root for root in self.roots if posixpath.dirname(root) == folder), None)

    def _applied_sources(self) -> dict[tuple[str, str], set[str]]:
        """(kind, namespace) -> names of the Flux sources the repository applies (and the
        ExternalArtifacts its ArtifactGenerators make, in their namespace)."""

        def build() -> dict[tuple[str, str], set[str]]:
            out: dict[tuple[str, str], set[str]] = defaultdict(set)
            for applied in self.applied:
                if applied.kind in SOURCE_KINDS and applied.obj.group.startswith("source.toolkit.fluxcd.io"):
                    out[(applied.kind, applied.ns)].add(applied.name)
                for made in generated_artifact_names(applied.obj):
                    out[("ExternalArtifact", applied.ns)].add(made)
            return dict(out)

        return self.repo.memo("flux.applied-sources", build) if self._done else build()

    def known_source(self, ref: SourceRef) -> bool:
        """Whether a source is known without a manifest: this repository's own (a FluxInstance
        sync, a bootstrap, ...), or one the config lists under flux.external-sources or
        flux.local-sources (the bootstrap's, which lives where Flux runs: a sourceRef without
        namespace from another namespace does not find it)."""
        kind, ns, name = ref.kind, ref.namespace, ref.name
        if self.sources.artifact(ref) is not None:
            return True
        config = self.repo.config
        for entry in config.external_sources:
            parts = entry.split("/")
            if parts == [name] or parts == [ns, name] or parts == [kind, ns, name]:
                return True
        for entry in config.local_sources:
            parts = entry.split("/")
            if parts == [ns, name] or (parts == [name] and ns in self.flux_namespaces()):
                return True
        return False

    def flux_namespaces(self) -> set[str]:
        """Namespaces Flux itself runs in: flux-system and those of the FluxInstances."""
        objects = self.repo.objects
        return self.repo.memo(
            "flux-namespaces",
            lambda: {"flux-system"} | {o.namespace for o in objects if o.kind == "FluxInstance" and o.namespace},
        )

    def resource_set_made(self) -> tuple[set[tuple[str, str, str]], dict[tuple[str, str], list[Any]]]:
        """What the flux-operator ResourceSets that Flux applies create: (kind, namespace, name) of
        each object read from their resources, and (kind, namespace) -> the patterns of the names
        that hold a `<< >>` template action (the literal text kept, each action any text:
        `preview-<< inputs.id >>` is `preview-.*`; namespace "*" when it holds one too): such
        objects exist although no file holds them (HL105, HL107)."""
        from homelint.model.refs import is_templated, name_pattern, resource_set_objects  # start-up: only some checks need it

        def build() -> tuple[set[tuple[str, str, str]], dict[tuple[str, str], list[Any]]]:
            named: set[tuple[str, str, str]] = set()
            patterns: dict[tuple[str, str], list[Any]] = {}
            for applied in self.applied:
                for made in resource_set_objects(applied.obj):
                    ns = made.namespace or applied.ns
                    if is_templated(ns) or is_templated(made.name):  # a << >> action, in resources or the template
                        key = (made.kind, "*" if is_templated(ns) else ns)
                        patterns.setdefault(key, []).append(linear(name_pattern(made.name)))
                    else:
                        named.add((made.kind, ns, made.name))
            return named, patterns

        return self.repo.memo("flux.resource-set-made", build) if self._done else build()

    def resource_set_makes(self, kind: str, namespace: str, name: str) -> bool:
        """Whether a ResourceSet Flux applies may create that object (resource_set_made)."""
        named, patterns = self.resource_set_made()
        if (kind, namespace, name) in named:
            return True
        return any(p.fullmatch(name) for key in ((kind, namespace), (kind, "*")) for p in patterns.get(key, ()))

    def applications_of(self, obj: K8sObject) -> list[Applied]:
        """How Flux applies `obj`: one Applied per Kustomization and namespace, in model order
        ([] for an object no Kustomization applies)."""
        if not self._done:  # run() is not done: the list still grows
            return [a for a in self.applied if a.obj is obj]
        if self._by_object is None:
            self._by_object = {}
            for applied in self.applied:
                self._by_object.setdefault(id(applied.obj), []).append(applied)
        return self._by_object.get(id(obj), [])

    def applications_of_document(self, obj: K8sObject) -> list[Applied]:
        """How Flux applies the repository document `obj` (unpatched): one Applied per applying
        Kustomization, each with the object as that build patched it."""
        if self._by_document is None:
            self._by_document = {}
            for applied in self.applied:
                self._by_document.setdefault(id(applied.obj.source), []).append(applied)
        return self._by_document.get(id(obj), [])

    def spec_unread(self, ks: FluxKS) -> bool:
        """Whether the spec of `ks` may differ from what the model read: its own object is one a
        transformer the model does not apply, or a patch or replacement file that is not there,
        may change in its parent's build (Applied.unread)."""
        return ks.obj is not None and any(
            a.unread or a.maybe_changed for a in self.applications_of_document(ks.obj) if a.ks is ks.parent
        )

    def field_unread(self, ks: FluxKS, pointer: Pointer) -> bool:
        """Whether a field of `ks` may differ from what the model read: its spec may (spec_unread),
        or a transformer of its parent's build the model does not apply may set that field
        (FluxKS.may_be_set)."""
        return ks.may_be_set(pointer) or self.spec_unread(ks)

    def target_namespace_unread(self, ks: FluxKS) -> bool:
        """Whether the spec.targetNamespace of `ks` may differ from what the model read: its spec
        may (spec_unread: a replacement or transformer whose outcome is not known), or a
        `configurations:` file of its parent's build may give that build's namespace transformer
        a fieldSpec for it (such files are not applied). Asked once run() is done."""
        if ks.obj is None:
            return False
        memo = self._target_unread
        if id(ks) not in memo:
            parent = ks.parent
            configured = parent is not None and any(self._namespace_configured(directory) for directory in sorted(parent.dirs))
            memo[id(ks)] = configured or self.spec_unread(ks)
        return memo[id(ks)]

    def namespace_fields_of(self, ks: FluxKS) -> tuple[frozenset[tuple[str, tuple[str, ...]]], bool]:
        """The (kind, field path) fieldSpecs that the `configurations:` files of the build of `ks`
        give kustomize's namespace transformer (`namespace:` entries; kind "" for any; merged up into
        every kustomization that includes them), and whether one cannot be read here (any field)."""
        memo = self._namespace_fields
        if id(ks) not in memo:
            specs: set[tuple[str, tuple[str, ...]]] = set()
            unknown = False
            for directory in sorted(ks.dirs):
                for parsed in self._configuration_files(self.kdirs.get(directory)):
                    if parsed is None or parsed.problems:
                        unknown = True
                        continue
                    for doc in parsed.docs:
                        found = doc.get("namespace") if isinstance(doc, dict) else None
                        for spec in found if isinstance(found, list) else ([] if found is None else [None]):
                            if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
                                unknown = True
                                continue
                            kind = spec.get("kind")
                            path = tuple(part for part in spec["path"].split("/") if part)
                            specs.add((kind if isinstance(kind, str) else "", path))
            memo[id(ks)] = (frozenset(specs), unknown)
        return memo[id(ks)]

    def namespace_may_set(self, applied: Applied, field: Sequence[Any] | None = None) -> bool:
        """Whether a `configurations:` fieldSpec of its build may have the namespace transformer set
        the field at `field` of `applied` (list indexes left out, as fieldSpec paths go through
        lists), or with `field` None any field besides metadata.namespace."""
        if applied.ks is None:
            return False
        specs, unknown = self.namespace_fields_of(applied.ks)
        if unknown:
            return True
        kind = applied.obj.kind
        path = tuple(str(p) for p in field if not isinstance(p, int)) if field is not None else None
        return any(
            k in ("", kind) and (spec == path if path is not None else spec != ("metadata", "namespace")) for k, spec in specs
        )

    def _loosen_configured(self, kd: KustomizeDir, out: BuildOut) -> None:
        """Mark where the fieldSpecs of the `configurations:` files of `kd` may have kustomize's
        transformers set fields, per kind (configured_fields); every field of every object when
        a file cannot be read here."""
        fields = configured_fields(self._configuration_files(kd))
        if fields is None:
            out.loosen([()])
            return
        for index, (obj, _) in enumerate(out.objects):
            out.loosen([*fields.get(obj.kind, ()), *fields.get("", ())], range(index, index + 1))

    def _namespace_configured(self, directory: str) -> bool:
        """Whether the kustomization of `directory` lists a `configurations:` file that gives the
        namespace transformer fieldSpecs (a `namespace:` key), or one that cannot be read here."""
        return any(
            parsed is None or parsed.problems or any(not isinstance(doc, dict) or "namespace" in doc for doc in parsed.docs)
            for parsed in self._configuration_files(self.kdirs.get(directory))
        )

    def _configuration_files(self, kd: KustomizeDir | None) -> list[Any]:
        """The parsed `configurations:` files of a kustomization, in order ([] for none): None for
        one that cannot be read here, and for the entry itself when it is not a list."""
        files = kd.data.get("configurations") if kd is not None else None
        if kd is None or not files:
            return []
        return [
            self.repo.parsed.get(join(kd.dir, entry)) if isinstance(entry, str) else None
            for entry in (files if isinstance(files, list) else [None])
        ]

    def opaque_in(self, namespace: str, near: Collection[str] = (), name: str | None = None) -> Applied | None:
        """A SOPS document encrypted whole (FluxKS.opaque) that a build applies in `namespace`, or
        in a namespace it encrypts too (any namespace); None if there is none: it may be what makes
        an object `name` of that namespace. The one a Flux Kustomization of `near` (keys: those
        applying its users) applies comes first, then one whose file name holds `name`, then
        one of that namespace, in Kustomization order."""
        if self._opaque is None:
            self._opaque, self._opaque_by_ks = {}, {}
            for ks in sorted(self.kustomizations, key=lambda k: k.key):
                for applied in ks.opaque:
                    ns = applied.namespace
                    bucket = ns if ns is not None and not is_ciphertext(ns) else None
                    self._opaque.setdefault(bucket, []).append(applied)
                    self._opaque_by_ks.setdefault((bucket, ks.key), []).append(applied)
        # ranked: at most MAX_OPAQUE_RANKED of each kind, so a call costs the same however many there are
        mine = [a for key in sorted(near) for bucket in (namespace, None) for a in self._opaque_by_ks.get((bucket, key), [])]
        found = [*self._opaque.get(namespace, []), *self._opaque.get(None, [])]
        return min(
            [*mine[:MAX_OPAQUE_RANKED], *found[:MAX_OPAQUE_RANKED]],
            key=lambda a: (
                a.ks is None or a.ks.key not in near,
                name is None or name not in posixpath.basename(a.obj.path),
            ),
            default=None,
        )

    def withheld_named(self, kind: str, namespace: str, name: str) -> list[tuple[Applied, str]]:
        """(object, why) of each kind/namespace/name a Flux Kustomization builds but does not apply
        (FluxKS.withheld), in model order."""
        if self._withheld_named is None:
            self._withheld_named = {}
            for ks in self.kustomizations:
                for applied, why in ks.withheld:
                    self._withheld_named.setdefault((applied.obj.kind, applied.ns, applied.name), []).append((applied, why))
        return self._withheld_named.get((kind, namespace, name), [])

    def keys_known(self, obj: K8sObject) -> bool:
        """Whether the data keys of an applied ConfigMap or Secret are all its keys on the
        cluster, as far as generators go: False when one that made it, or merged into it, reads
        an env file the model cannot (Generated.keys_known)."""
        unknown = self._keys_unknown
        return id(obj) not in unknown and (obj.unpatched is None or id(obj.unpatched) not in unknown)

    def deleted_from(self, obj: K8sObject) -> str | None:
        """The label of a Flux Kustomization whose build holds the repository document `obj` until
        a `$patch: delete` patch removes it (the first in model order), or None."""
        return self._deleted_from.get(id(obj.source))

    def withheld_why(self, obj: K8sObject) -> str | None:
        """Why Flux does not apply the repository document `obj` where a build holds it (the first
        reason in model order; so far, while the model is built), or None."""
        return self._withheld_why.get(id(obj.source))

    def _default_artifact(self) -> Artifact:
        """The artifact of config roots and of the fallback: this repository's (first) Git source."""
        for ref in sorted(self.sources.artifacts):
            art = self.sources.artifacts[ref]
            if ref.kind == "GitRepository":
                return art
        return Artifact(SourceRef("GitRepository", "flux-system", "flux-system"), "", "the repository", [])

    def applied_named(self, kind: str, name: str, namespace: str, cluster: str | None = None) -> list[K8sObject]:
        """Objects applied as kind/namespace/name (one object may be applied in many namespaces);
        with `cluster`, those that cluster applies first (each cluster has its own ConfigMaps)."""
        named = self._named_as(kind, namespace, name)
        key = (kind, namespace, name, cluster)
        known = self._named_memo.get(key)
        if known is not None and known[0] == len(named):  # nothing of that name applied since
            return list(known[1])
        found: list[K8sObject] = []
        mine: list[K8sObject] = []
        found_seen: dict[tuple[str, int], list[K8sObject]] = {}
        mine_seen: dict[tuple[str, int], list[K8sObject]] = {}
        for applied in named:
            obj = applied.obj
            in_cluster = cluster is not None and applied.ks is not None and applied.ks.cluster == cluster
            if _add_distinct(found, found_seen, obj) and in_cluster:
                _add_distinct(mine, mine_seen, obj)
        self._named_memo[key] = (len(named), mine or found)
        return list(mine or found)

    def applications_named(self, kind: str, namespace: str, name: str) -> list[Applied]:
        """How Flux applies kind/namespace/name (by any of its names): one Applied per applying
        Kustomization and copy."""
        return list(self._named_as(kind, namespace, name))

    def _named_as(self, kind: str, namespace: str, name: str) -> list[Applied]:
        """The Applied of kind/namespace/name (by any of its names; a ConfigMap or Secret of the
        core group only), in model order; what was applied since the last call is indexed first
        (one pass over `applied` in all)."""
        for applied in self.applied[self._named_upto :]:
            if not applied.obj.named_by(applied.obj.kind):
                continue  # a custom resource of a core kind's name: no reference names it
            for known in applied.names:
                self._by_name.setdefault((applied.obj.kind, applied.ns, known), []).append(applied)
        self._named_upto = len(self.applied)
        return self._by_name.get((kind, namespace, name), [])

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
        for path in sorted(self.repo.files.yaml_files):
            children[posixpath.dirname(path)][0].append(path)
        for d in sorted(self.repo.files.dirs):
            children[posixpath.dirname(d)][1].append(d)
        return children

    def include_mount(self, path: str) -> str | None:
        """The spec.include folder of one of this repository's sources that `path` is in, if any:
        another artifact's files are there in the cluster (not modelled). The folders of every
        source are one index, looked up for the path and its parents (many sources x many paths)."""
        artifacts = self.sources.artifacts
        if self._mounts is None or self._mounts[0] != len(artifacts):
            order: dict[str, int] = {}
            for art in artifacts.values():
                for mount in art.mounts:
                    order.setdefault(mount, len(order))
            self._mounts = (len(artifacts), order)
        order = self._mounts[1]
        if not order:
            return None
        around = [path[:i] for i, char in enumerate(path) if char == "/"] + ["", path]
        return min((m for m in around if m in order), key=order.__getitem__, default=None)

    def objects_in(self, path: str) -> list[K8sObject]:
        return self.repo.objects_by_file.get(path, [])

    def build(self, directory: str, artifact: Artifact | None = None, edits: FluxEdits = NO_EDITS) -> BuildOut:
        """What `kustomize build` (Flux flavour) of a directory in an artifact yields, memoized;
        `edits`: what kustomize-controller writes into the folder's kustomization (the one it
        finds or the one it generates) for a Flux Kustomization whose spec.path it is. The
        folder's resources are gathered once (`gathered`) whatever the edits: only the
        transformers of its kustomization run again for other edits."""
        art = artifact or self._default
        memo_key = (art.key, directory, edits)
        if memo_key in self._memo:
            return self._memo[memo_key]
        if directory in self._building:
            return BuildOut()  # a cycle (recorded by _gather where it has an entry)
        stage_key = (art.key, directory, edits.components)
        stage = self._gathered.get(stage_key)
        if stage is None and edits == NO_EDITS and directory not in self._written_paths(art):
            out = self._gather_folder(directory, art, ())  # transformed in place: kept only once built
        else:
            if stage is None:
                stage = self._gathered[stage_key] = self._gather_folder(directory, art, edits.components)
            out = BuildOut()
            out.absorb(stage)
        self._building[directory] = None
        kd = self.kdirs.get(directory)
        if kd and art.contains(kd.file):
            self._transform(kd, art, out, edits)
        elif edits != NO_EDITS and not self._refused_in(directory, art):
            self._generated_kustomization(out, edits)
        del self._building[directory]
        self._memo[memo_key] = out
        return out

    def gathered(self, directory: str, artifact: Artifact | None = None, components: tuple[str, ...] = ()) -> BuildOut:
        """What the build of a directory holds before the transformers of its kustomization run
        (kustomize's accumulation of its resources, generators and components), memoized: its
        objects as the builds of its folders left them, and the files they come from. Without
        `components`, the build itself if it is built already (the same objects and files).
        Not to be changed."""
        art = artifact or self._default
        key = (art.key, directory, components)
        found = self._gathered.get(key) or (None if components else self._memo.get((art.key, directory, NO_EDITS)))
        if found is not None:
            return found
        if directory in self._building:
            return BuildOut()  # a cycle, as for build()
        out = self._gathered[key] = self._gather_folder(directory, art, components)
        return out

    def _written_paths(self, art: Artifact) -> set[str]:
        """The folders of the artifact that a Flux Kustomization's spec.path names as written: a
        build with its edits may follow the plain build of one (its gathering is kept)."""
        found = self._spec_paths.get(art.root)
        if found is None:
            found = self._spec_paths[art.root] = set()
            for obj in self.repo.objects:
                path = obj.spec.get("path") if obj.kind == "Kustomization" and obj.group == FLUX_KS_GROUP else None
                if isinstance(path, str):
                    found.add(art.path(path))
        return found

    def _gather_folder(self, directory: str, art: Artifact, components: tuple[str, ...]) -> BuildOut:
        """The accumulation of a folder's kustomization (the one there, or the one
        kustomize-controller generates), `components` after its own."""
        self._building[directory] = None
        kd = self.kdirs.get(directory)
        if kd and art.contains(kd.file):
            out = BuildOut(files={kd.file}, dirs={kd.dir})
            self._gather(kd, art, out, components)
        elif self._refused_in(directory, art):
            out = self._refused_build(directory)
        else:
            out = self._build_generated(directory, art)
            for target in components:  # the generated kustomization lists them after its resources
                self._component(target, art, out, None)
        del self._building[directory]
        return out

    def _refused_in(self, directory: str, art: Artifact) -> bool:
        """Whether the artifact holds a kustomization file of `directory` that kustomize refuses."""
        return directory in self.refused and art.contains(self.refused[directory])

    def _refused_build(self, directory: str) -> BuildOut:
        """What a build of a folder whose kustomization file kustomize refuses holds (a Flux
        Kustomization there: "invalid Kustomization: json: unknown field \"spec\""): kustomize fails
        on reading it, so nothing; the file and folder, read (unbuildable says the build fails)."""
        return BuildOut(files={self.refused[directory]}, dirs={directory})

    def _generated_kustomization(self, out: BuildOut, edits: FluxEdits) -> None:
        """The transformers of the fields kustomize-controller writes into the kustomization it
        generates (which lists only resources, and its components), in kustomize's order: the
        patches, namespace, prefix/suffix and images."""
        for target, body, source in edits.patch_entries():
            self._outcome(source, apply_matching(out, target, body, source))
        if edits.namespace:
            out.loosen(transformed_fields({"namespace": edits.namespace}))
            _set_namespace(out, edits.namespace)
        out.add_affixes(edits.prefix, edits.suffix)
        _images_transformer(out, merge_flux_images((), edits.images))

    def _accumulate(self, kd: KustomizeDir, art: Artifact, out: BuildOut, *, again: bool = False) -> None:
        """kustomize's accumulateTarget of `kd` into `out` (api/internal/target/kusttarget.go):
        its resources, then its generators, then its components, then its transformers over
        everything in `out`. `out` is the build that includes `kd`, a Component; `again`: it ran
        into `out` before (_component)."""
        self._gather(kd, art, out, again=again)
        self._transform(kd, art, out)

    def _gather(
        self, kd: KustomizeDir, art: Artifact, out: BuildOut, components: tuple[str, ...] = (), *, again: bool = False
    ) -> None:
        """The first part of kustomize's accumulateTarget of `kd` into `out`
        (api/internal/target/kusttarget.go): its resources, then its generators, then its
        components (`components`: more, after its own; a Flux Kustomization's), which see and
        transform what the generators made; `again`: `kd` is a Component that ran into `out`
        before (its generators find what they made then: _run_generators). A Component entry
        that is no kustomization folder leaves every object of the build unknown (out.unread):
        kustomize fails on it, and what it would have changed is not known."""
        files, dirs = self.repo.files.all_files, self.repo.files.dirs
        own_components: list[tuple[str, Listing]] = []
        unknown_component = False
        for entry in kd.entries:
            if (entry.target in files or entry.target in dirs) and not art.contains(entry.target, is_dir=entry.target in dirs):
                self.ignored_entries.setdefault((kd.file, entry.field), (kd, entry, art))  # kustomize fails on it
                continue
            if entry.kind in ("resources", "components"):
                if is_remote(entry.value):
                    continue
                if entry.kind == "components" and entry.target not in self.kdirs:
                    unknown_component = True  # kustomize fails the build (HL101); what it would change is not known
                if entry.target in files:
                    out.files.add(entry.target)
                    out.resource_files.add(entry.target)
                    out.objects.extend((o, o.namespace) for o in self.objects_in(entry.target))
                elif entry.target in dirs and entry.target in self.kdirs:
                    chain = self._chain_below(entry.target)
                    if chain:
                        self.cycles.append(KustomizeCycle(kd, entry, chain))
                        continue
                    if entry.kind == "components":
                        own_components.append((entry.target, (kd.file, kd.doc, entry.field)))  # after the generators
                    else:
                        out.absorb(self.build(entry.target, art))
                elif entry.target in dirs and self._refused_in(entry.target, art):
                    out.absorb(self._refused_build(entry.target))  # kustomize fails there; a component's changes unknown
            elif entry.target in files:
                out.files.add(entry.target)
            elif entry.target in dirs:
                out.dirs.add(entry.target)
                prefix = entry.target + "/"
                out.files |= {f for f in files if f.startswith(prefix)}
        self._run_generators(kd, out, art, again=again)
        for target, listed in (*own_components, *((target, None) for target in components)):
            self._component(target, art, out, listed)
        if unknown_component:
            out.maybe_changed.update(range(len(out.objects)))

    def _transform(self, kd: KustomizeDir, art: Artifact, out: BuildOut, edits: FluxEdits = NO_EDITS) -> None:
        """The rest of kustomize's accumulateTarget of `kd` into `out` (gathered): its
        transformers, with what kustomize-controller writes into it for a Flux Kustomization
        (`edits`), in kustomize's order."""
        data = _edited(kd.data, edits)
        self._patches(kd, out, data, edits)
        if data.get("configurations") and not data.get("replacements"):
            out.loosen(transformed_fields({k: v for k, v in data.items() if k != "configurations"}))
            self._loosen_configured(kd, out)
        else:
            out.loosen(transformed_fields(data, label_specs=False))
            if labels_in_spec(data):  # their field specs under spec name built-in kinds only
                builtin = [i for i, (obj, _) in enumerate(out.objects) if obj.group in LABEL_SPEC_GROUPS]
                out.loosen((("spec",),), builtin)
        if isinstance(data.get("namespace"), str) and data["namespace"]:
            _set_namespace(out, data["namespace"])
        # kustomize's builtin transformers run in this order (api/internal/target/kusttarget_configplugin.go):
        # patches, namespace, prefix/suffix, labels, annotations, images, ..., replacements; then `transformers:`
        out.add_affixes(data.get("namePrefix"), data.get("nameSuffix"))
        _metadata_transformers(kd, out)
        _images_transformer(out, merge_flux_images(image_entries(kd.data.get("images")), edits.images))
        self._replacements(kd, out)
        self._transformers(kd, out, art)

    def _component(self, target: str, art: Artifact, out: BuildOut, listed: Listing) -> None:
        """A `components:` entry (a folder with a kustomization; `listed`: where) into the build
        that includes it. kustomize gives a Component, at any depth, the accumulator of the build
        that includes it (kusttarget.go accumulateDirectory with isComponent): its resources join
        that build, and its generators, patches and other transformers run over everything built
        so far. A folder whose kustomization is not a Component fails kustomize ("expected kind
        'Component'"); it is read as its own build, its generators merging into this one.
        A Component run into this build already (listed twice, in a kustomization and in a Flux
        Kustomization's spec.components, or by two Components) runs again, all of it, as in
        kustomize: its resources are added once more, its generators find what they made before
        (_run_generators), its transformers run over everything again (a namePrefix twice). Past
        RERUN_LIMIT such runs, the build's objects are left unknown (unread) instead. A folder whose
        kustomization file kustomize refuses fails the build: what it would change is not known."""
        if target in self.refused:
            out.absorb(self._refused_build(target))
            out.maybe_changed.update(range(len(out.objects)))
            return
        comp = self.kdirs[target]
        if self._chain_below(target):
            return  # a cycle (recorded by _accumulate where it has an entry)
        again = target in out.components
        if not again and (not comp.is_component or not art.contains(comp.file)):
            before = len(out.objects)
            out.absorb(self.build(target, art))
            self._run_generators(comp, out, art, before)
            return
        out.listings.setdefault(target, []).append(listed)
        if again:
            if out.reruns >= RERUN_LIMIT:
                out.unread.update(range(len(out.objects)))  # what further runs add, rename or change is not known
                out.loosen([()])
                return
            out.reruns += 1
        out.components.add(target)
        out.files.add(comp.file)
        out.dirs.add(comp.dir)
        self._building[target] = None
        self._accumulate(comp, art, out, again=again)
        del self._building[target]

    def _transformers(self, kd: KustomizeDir, out: BuildOut, art: Artifact) -> None:
        """kustomize `transformers:`, run after the kustomization's own transformers, in order:
        the builtin NamespaceTransformer (transformers.py) and PatchTransformer (as a `patches:`
        entry) are applied; any other is recorded in `unread_transformers`, and the objects it
        may rename or move in `unread` (label and annotation transformers do neither)."""
        for config, where in self._transformer_configs(kd, out, art):
            if is_builtin(config, "NamespaceTransformer"):
                settings = namespace_config(config)
                if settings is not None:
                    _namespace_transformer(out, settings)
                    out.loosen([("subjects",)])
            elif is_builtin(config, "PatchTransformer"):
                for target, body, source in self._patch_item(kd, config, where, out):
                    self._outcome(source, apply_matching(out, target, body, source))
            else:
                kind = config.get("kind") if isinstance(config, dict) else None
                self.unread_transformers.setdefault(kd.file, []).append(str(kind) if kind else "an unreadable entry")
                if not any(is_builtin(config, k) for k in ("LabelTransformer", "AnnotationsTransformer")):
                    out.unread.update(range(len(out.objects)))  # it may rename or move them; labels do neither
                    self.opaque_transformers.add(kd.file)
                out.loosen([()])  # fields it sets (its fieldSpecs) are not known to the model

    def _transformer_configs(self, kd: KustomizeDir, out: BuildOut, art: Artifact) -> list[tuple[Any, PatchSource]]:
        """(configuration, where it is) of each object a kustomization's `transformers:` entries
        make: inline YAML, every document of a file, or everything a folder's kustomization
        builds (its `namespace:` set on the configurations, as kustomize builds them)."""
        items = kd.data.get("transformers")
        configs: list[tuple[Any, PatchSource]] = []
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, str):
                continue
            at = ("transformers", index)
            if is_inline(item):
                inline = parse_bytes("<transformer>", item.encode())
                configs.extend((doc, PatchSource(kd.file, kd.doc, at, True)) for doc in inline.docs)
                continue
            if is_remote(item):
                configs.append((None, PatchSource(kd.file, kd.doc, at, True)))
                continue
            path = join(kd.dir, item)
            if path in self.kdirs and art.contains(self.kdirs[path].file) and not self._chain_below(path):
                built = self.build(path, art)
                out.files |= built.files
                for i, (obj, ns) in enumerate(built.objects):
                    if not built.deleted(i):
                        configs.append((_with_namespace(built.current(i), ns), PatchSource(obj.path, obj.doc, (), False)))
            elif (parsed := self.repo.parsed.get(path)) is not None:
                configs.extend((doc, PatchSource(path, n, (), False)) for n, doc in enumerate(parsed.docs))
        return configs

    def _generated(self, kd: KustomizeDir, art: Artifact) -> list[Generated]:
        """What a kustomization's generators make (generators.py), in kustomize's order; the hash
        suffix of each object is kept for the name its Kustomization applies (see _evaluate).
        Made once per kustomization (once per artifact where a `generators:` folder is built)."""
        memo_key = (kd.file, art.key if self._generator_folders(kd) else "")
        if memo_key in self._generated_memo:
            return self._generated_memo[memo_key]
        made = generate(kd, self.repo.read_bytes, self._builtin_generators(kd, art))
        for item in made:
            if item.suffix is not None:
                self._suffixes[id(item.obj)] = item.suffix
            if item.hashed:
                self._hashed.add(id(item.obj))
            if item.secret_data is not None:
                self._secret_data[id(item.obj)] = item.secret_data
            if not item.keys_known:
                self._keys_unknown.add(id(item.obj))
        self._generated_memo[memo_key] = made
        return made

    def _generator_folders(self, kd: KustomizeDir) -> list[tuple[int, str]]:
        """(index, folder) of the `generators:` entries that are folders with a kustomization."""
        items = kd.data.get("generators")
        return [
            (index, join(kd.dir, item))
            for index, item in enumerate(items if isinstance(items, list) else [])
            if isinstance(item, str) and not is_inline(item) and not is_remote(item) and join(kd.dir, item) in self.kdirs
        ]

    def _builtin_generators(self, kd: KustomizeDir, art: Artifact) -> list[tuple[dict[str, Any], Where]]:
        """The builtin ConfigMapGenerator/SecretGenerator configurations of `generators:`, inline,
        in a file (every document of it), or made by a folder's kustomization (everything its build
        holds, as it holds it: kustomize accumulates a folder entry as a resource, then reads each
        object as a configuration), with where each is. Other generators are plugins, which Flux
        does not run."""
        items = kd.data.get("generators")
        folders = dict(self._generator_folders(kd))
        found: list[tuple[dict[str, Any], Where]] = []
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, str):
                self._unread_generators.add(kd.file)
                continue
            if index in folders:
                found.extend(self._folder_generators(kd, folders[index], art))
                continue
            parsed: ParsedFile | None
            if is_inline(item):
                parsed = parse_bytes("<generator>", item.encode())
                where = [Where(kd.file, kd.doc, ("generators", index), inline=True)] * len(parsed.docs)
            else:
                path = join(kd.dir, item)
                found_file = self.repo.parsed.get(path)
                parsed = found_file if found_file is not None and not self.repo.invalid_yaml(path) else None
                where = [Where(path, doc, ()) for doc in range(len(parsed.docs))] if parsed else []
            if parsed is None:
                self._unread_generators.add(kd.file)  # a folder, a remote entry, a file that does not parse
            for doc, at in zip(parsed.docs if parsed else [], where, strict=False):
                if isinstance(doc, dict) and doc.get("apiVersion") == "builtin" and doc.get("kind") in BUILTIN_KINDS:
                    found.append((doc, at))
                elif doc is not None:
                    self._unread_generators.add(kd.file)
        return found

    def _folder_generators(self, kd: KustomizeDir, folder: str, art: Artifact) -> list[tuple[dict[str, Any], Where]]:
        """The builtin generator configurations a `generators:` folder's build holds (with the
        namespace it gives them); anything else there, or a folder that is not built (outside the
        artifact, in a cycle), leaves the kustomization's generators unread."""
        if not art.contains(self.kdirs[folder].file) or self._chain_below(folder):
            self._unread_generators.add(kd.file)
            return []
        built = self.build(folder, art)
        found: list[tuple[dict[str, Any], Where]] = []
        for index, (obj, ns) in enumerate(built.objects):
            if built.deleted(index):
                continue
            config = _with_namespace(built.current_named(index), ns)
            if index in built.unread or config.get("apiVersion") != "builtin" or config.get("kind") not in BUILTIN_KINDS:
                self._unread_generators.add(kd.file)
                continue
            found.append((config, Where(obj.path, obj.doc, ())))
        return found

    def _run_generators(
        self, kd: KustomizeDir, out: BuildOut, art: Artifact, component: int | None = None, *, again: bool = False
    ) -> None:
        """kustomize's generators on the build so far (the resources and the builds of its
        folders): each object is added (behavior create), or with behavior merge/replace goes into
        the one object of its kind, name and namespace there (resmap appendReplaceOrMerge); with
        none or several, kustomize fails (nothing is added; the failure is recorded where the
        model is sure of it: _unmerged), as it does on an entry whose sources give a key twice.

        With `component`, a folder listed as a component was built on its own and added to `out`
        from that index on (its objects made and merged into there): only its merge/replace into
        the objects before it are left to do. With `again`, `kd` is a Component that ran into
        `out` before: an object it creates is there already, unless a `$patch: delete` took it out,
        and kustomize fails (GeneratorFailure `exists`: appendReplaceOrMerge matches any id the
        object had)."""
        ids: dict[tuple[str, str, str, str], list[int]] | None = None  # indexed at the first merge
        made_before: dict[int, int] | None = None  # id of a generated object -> its index, on a run again
        for item in self._generated(kd, art):
            if item.repeats and component is None and not again:
                out.generator_failures.append(GeneratorFailure(item.obj, item.behavior, "repeats", item.repeats))
            if item.bad_literal and component is None and not again:  # HL601 reports the literal (the kustomization's schema)
                out.generator_failures.append(GeneratorFailure(item.obj, item.behavior, "literal"))
            if item.behavior == "create":
                if again:
                    if made_before is None:
                        made_before = {id(obj): i for i, (obj, _) in enumerate(out.objects) if not out.deleted(i)}
                    if (before := made_before.get(id(item.obj))) is not None:
                        target = kd.dir
                        listed = tuple(out.listings.get(target, ()))
                        failure = GeneratorFailure(
                            item.obj, item.behavior, "exists", found=(out.objects[before],), component=target, listed=listed
                        )
                        out.generator_failures.append(failure)
                        continue
                if component is None:
                    out.objects.append((item.obj, item.obj.namespace))
                    if ids is not None:
                        _index_ids(out, len(out.objects) - 1, ids)
                continue
            if ids is None:
                ids = {}
                for index in range(len(out.objects)):
                    _index_ids(out, index, ids)
                if component is not None:
                    ids = {key: [i for i in found if i < component] for key, found in ids.items()}
            made = item.obj
            found = ids.get((made.api_version, made.kind, made.name, made.namespace or "default"), [])
            if len(found) == 1:
                self._merge_generated(out, found[0], item)
            elif component is None:
                self._unmerged(out, item, found)

    def _unmerged(self, out: BuildOut, item: Generated, found: list[int]) -> None:
        """Record kustomize's failure on a merge/replace generator that finds no object of its id
        in the build so far, or several (`found`), where the model is sure of it: the build holds
        every object kustomize's holds (_complete), and
        - with none, no object of that kind is known by that name in any namespace it had (kustomize
          matches any previous id: GetMatchingResourcesByAnyId);
        - with several, two or more are found by the id they were written with or the one they
          have now."""
        made = item.obj
        if not self._complete(out, made.kind):
            return
        ns = made.namespace or "default"
        if not found:
            if any(
                made.name in (obj.name, *out.names(index, every=True)) and ns in {n or "default" for n in out.namespaces(index)}
                for index, (obj, _now) in enumerate(out.objects)
                if (obj.api_version, obj.kind) == (made.api_version, made.kind) and not out.deleted(index)
            ):
                return
            out.generator_failures.append(GeneratorFailure(made, item.behavior, "missing"))
            return
        sure = [
            index
            for index in found
            if (out.objects[index][0].name, out.objects[index][0].namespace or "default") == (made.name, ns)
            or (out.name_now(index), out.objects[index][1] or "default") == (made.name, ns)
        ]
        if len(sure) > 1:
            failure = GeneratorFailure(made, item.behavior, "multiple", found=tuple(out.objects[i] for i in sure))
            out.generator_failures.append(failure)

    def left_out_by_sources(self, path: str, is_dir: bool = False) -> list[Artifact]:
        """The artifacts that serve this repository to its Flux Kustomizations (each once) and whose
        folder holds `path`, when the ignore rules of every one leave it out (.sourceignore,
        spec.ignore, Flux's default exclusions): no build can read it, on purpose. [] when one holds
        it, when none is made of a folder holding it (outside a pushed folder: not an ignore), or
        when none is known."""
        if self._local_artifacts is None:
            found: dict[int, Artifact] = {}
            for ks in self.kustomizations:
                if ks.local and ks.artifact is not None:
                    found.setdefault(id(ks.artifact), ks.artifact)
            self._local_artifacts = list(found.values())
        artifacts = [art for art in self._local_artifacts if art.contains(path, is_dir) or art.ignores(path, is_dir)]
        return artifacts if artifacts and all(art.ignores(path, is_dir) for art in artifacts) else []

    def substitutes_nothing(self, ks: FluxKS) -> bool:
        """Whether the Kustomization's build is known to hold no object Flux substitutes into: none
        at all, or each with `kustomize.toolkit.fluxcd.io/substitute: disabled`. kustomize-controller
        reads the substituteFrom sources for each object it substitutes, after that test (fluxcd/pkg
        kustomize SubstituteVariables), so such a build never reads them. False when any part of
        the build is not known (a remote, templated, missing or unread entry, a Helm chart, a
        generator or transformer the model does not run, a SOPS document encrypted whole)."""
        if ks.obj is None or not ks.local or not ks.path_exists or ks.path is None or ks.opaque or ks.generated_components:
            return False
        if ks.patch_failures or ks.generator_failures or ks.replacement_failures:
            return False
        built = [*ks.applied, *(applied for applied, _ in ks.withheld)]
        if any(a.unread or a.maybe_changed or not substitution_disabled(a.obj.data) for a in built):
            return False
        if any(self.repo.invalid_yaml(path) for path in ks.files):
            return False
        return self._folders_read_whole(ks.dirs, ks.files, ("generators", "transformers"))

    def _complete(self, out: BuildOut, kind: str) -> bool:
        """Whether the build so far holds every object of `kind` kustomize's holds, with the names
        and namespaces the model gives them: none read from a remote, templated or missing entry,
        a file that does not parse, a Helm chart or a generator the model does not run, and none a
        transformer the model does not apply ran over (it may rename them)."""
        if any(out.objects[index][0].kind == kind for index in out.unread):
            return False
        if any(self.repo.invalid_yaml(path) for path in out.resource_files):
            return False
        return self._folders_read_whole(out.dirs, out.files)

    def _folders_read_whole(self, folders: Iterable[str], read: Collection[str], unrun: tuple[str, ...] = ()) -> bool:
        """Whether the model read every object these folders of a build give (`read`: the files the
        build reads): no kustomization kustomize refuses there, no Helm chart or generator the model
        does not run (nor a field of `unrun`), and every resources/components entry a local file or
        a folder with a kustomization, neither remote, templated nor ignored."""
        files, dirs = self.repo.files.all_files, self.repo.files.dirs
        for directory in folders:
            if directory in self.refused and self.refused[directory] in read:
                return False  # kustomize fails there: what the build would hold is not known
            kd = self.kdirs.get(directory)
            if kd is None:
                continue
            if any(kd.data.get(k) for k in ("helmCharts", "helmChartInflationGenerator", *unrun)):
                return False
            if kd.file in self._unread_generators:
                return False
            for entry in kd.entries:
                if entry.kind not in ("resources", "components"):
                    continue
                if is_remote(entry.value) or "${" in entry.value or (kd.file, entry.field) in self.ignored_entries:
                    return False
                if entry.target not in files and not (entry.target in dirs and entry.target in self.kdirs):
                    return False
        return True

    def _merge_generated(self, out: BuildOut, index: int, item: Generated) -> None:
        """A generator with behavior merge/replace on the object at `index` (resource.Resource
        CopyMergeMetaDataFieldsFrom, MergeDataMapFrom): the generated object, with the old one's
        name and namespace, their labels and annotations merged, and with merge the old data
        under the new. kustomize hashes the result when it hashed the old one and the new one does
        not disable the hash (kubectl kustomize 5.8.1)."""
        old_obj = out.objects[index][0]
        old = out.current(index)
        new = item.obj.data
        merged: dict[str, Any] = dict(new)
        found = old.get("metadata")
        old_meta: dict[str, Any] = found if isinstance(found, dict) else {}
        meta = dict(string_map(new.get("metadata")))
        for field_name in ("name", "namespace"):
            if field_name in old_meta:
                meta[field_name] = old_meta[field_name]
            else:
                meta.pop(field_name, None)
        for extra in ("labels", "annotations"):
            both = {**string_map(old_meta.get(extra)), **string_map(meta.get(extra))}
            if both:
                meta[extra] = both
        merged["metadata"] = meta
        replaced: tuple[tuple[str, ...], ...] = (("data",), ("binaryData",))
        if item.behavior == "merge":
            for field_name in ("data", "binaryData"):
                values = {**string_map(old.get(field_name)), **string_map(new.get(field_name))}
                if values or field_name in new:
                    merged[field_name] = values
            replaced = tuple(
                (field_name, key) for field_name in ("data", "binaryData") for key in string_map(new.get(field_name))
            )
        edits = out.edits.get(index, {})
        kept = [o for o in edits.get(ORIGINS, old_obj.origins) if not any(o.field[: len(r)] == r for r in replaced)]
        marks: dict[tuple[str, ...], Any] = {WHOLE: merged, ORIGINS: (*kept, *item.obj.origins)}
        old_keys_unknown = id(old_obj) in self._keys_unknown or bool(edits.get(KEYS_UNKNOWN))
        if not item.keys_known or (item.behavior == "merge" and old_keys_unknown):
            marks[KEYS_UNKNOWN] = True  # keys the model does not know, kept (merge) or brought in
        if not item.hashed or edits.get(UNHASHED):
            marks[UNHASHED] = True  # the new generator's disableNameSuffixHash takes the hash off (kustomize 5.8)
        elif id(old_obj) in self._suffixes:  # hashed: a ConfigMap's hash is taken from its data in _evaluate
            if not item.readable or SUFFIX in edits:
                marks[SUFFIX] = None  # a source not readable here: the hash is unknown
            elif item.obj.kind == "Secret":
                marks[SUFFIX] = self._merged_secret_suffix(old_obj, merged, item)
        out.edits[index] = marks  # the object as kustomize replaces it: earlier edits are in `old`

    def _merged_secret_suffix(self, old_obj: K8sObject, merged: dict[str, Any], item: Generated) -> str | None:
        """The hash suffix of a merged generated Secret, from the base64 values of both
        generators made again (None when one cannot be)."""
        again = self._secret_data.get(id(old_obj))
        if again is None or item.secret_data is None:
            return None
        values = {**again(), **item.secret_data()} if item.behavior == "merge" else item.secret_data()
        return hash_suffix(merged, values)

    def _patch_entries(
        self, kd: KustomizeDir, appended: list[tuple[Any, Any, PatchSource]] | None = None
    ) -> list[tuple[Any, Any, PatchSource]]:
        """(target or None, body, where it is) of each patch of a kustomization, in the order
        kustomize applies them (patchesStrategicMerge, then patches, `appended` at their end, and
        patchesJson6902); a patch file holds one patch per document."""
        entries: list[tuple[Any, Any, PatchSource]] = []
        merges = kd.data.get("patchesStrategicMerge")
        for index, item in enumerate(merges if isinstance(merges, list) else []):
            if isinstance(item, str):
                entries.extend((None, body, source) for body, source in self._bodies(kd, item, ("patchesStrategicMerge", index)))
        for key in ("patches", "patchesJson6902"):
            items = kd.data.get(key)
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict):
                    if "options" in item:  # YAML 1.1 booleans, as kustomize reads the file
                        item = {**item, "options": kustomization_options(item["options"])}
                    entries.extend(self._patch_item(kd, item, PatchSource(kd.file, kd.doc, (key, index), False)))
            if key == "patches":
                entries.extend(appended or ())
        return entries

    def _patch_item(
        self, kd: KustomizeDir, item: dict[str, Any], where: PatchSource, out: BuildOut | None = None
    ) -> list[tuple[Any, Any, PatchSource]]:
        """(target, body, where it is) of one `patches:` entry or builtin PatchTransformer
        configuration at `where` (inline text when where.inline): its `patch`, or the documents of
        its `path` (relative to the kustomization; the file is added to `out`'s files)."""
        if isinstance(item.get("patch"), str):
            source = where if where.inline else PatchSource(where.path, where.doc, (*where.at, "patch"), True)
            bodies = [(body, replace(source, part=part)) for part, body in patch_documents(item["patch"])]
        elif isinstance(item.get("path"), str):
            bodies = self._bodies(kd, item["path"], (*where.at, "path"), inline=False)
            if out is not None and bodies:
                out.files.add(bodies[0][1].path)
        else:
            return []
        if isinstance(item.get("target"), dict) and len(bodies) > 1:
            self.refused_patches.setdefault(where.path, where)
            return []
        entries: list[tuple[Any, Any, PatchSource]] = []
        for body, source in bodies:
            entries.append((item.get("target"), body, source))
            renamed = _renamed_by(item, body)
            if renamed is not None:  # the strategic merge keeps the name; allowNameChange takes the patch's
                entries.append((item.get("target"), [{"op": "replace", "path": "/metadata/name", "value": renamed}], source))
        return entries

    def _bodies(
        self, kd: KustomizeDir, text: str, at: tuple[str | int, ...], *, inline: bool = True
    ) -> list[tuple[Any, PatchSource]]:
        """The patch documents of an entry that is inline YAML (it has a newline) or a file path."""
        if inline and "\n" in text:
            return [(body, PatchSource(kd.file, kd.doc, at, True, part)) for part, body in patch_documents(text)]
        path = join(kd.dir, text)
        parsed = self.repo.parsed.get(path)
        return [(doc, PatchSource(path, index, (), False)) for index, doc in enumerate(parsed.docs if parsed else [])]

    def _patches(self, kd: KustomizeDir, out: BuildOut, data: dict[str, Any], edits: FluxEdits = NO_EDITS) -> None:
        """The kustomization's patches on the objects of its build (`data`: the kustomization as
        kustomize-controller edits it, `edits`' patches appended to its `patches:`). They run before
        the namespace transformer, so targets see the namespace from inner folders. The deprecated
        patchesJson6902 run after the kustomization's namespace, prefix and label transformers
        (kustomize kusttarget_configplugin.go): what those set there is not known to the model."""
        late = (("metadata", "labels"), *transformed_fields(data), *label_field_paths(data))
        if unreadable_file_entry(self.repo, kd, "patchesStrategicMerge", "patches", "patchesJson6902"):
            out.maybe_changed.update(range(len(out.objects)))  # kustomize fails the build (HL101): what it patches is not known
        for target, body, source in self._patch_entries(kd, edits.patch_entries()):
            loose = late if source.at[:1] == ("patchesJson6902",) else ()
            self._outcome(source, apply_matching(out, target, body, source, loose=loose))

    def _outcome(self, source: PatchSource, found: bool | None) -> None:
        """Keep whether a patch document found an object in one build (patch_outcomes)."""
        self.patch_outcomes.setdefault(source, []).append(found)

    def _replacements(self, kd: KustomizeDir, out: BuildOut) -> None:
        """kustomize `replacements:` (they run after the namespace transformer): copy one field of
        the single source object into field paths of the selected targets (model/replacements.py).
        A target field kustomize fails on is recorded (out.replacement_failures) where the model
        knows the object there; a source that is missing or not unique, or what replacements.py
        leaves Unknown, leaves the targets it may reach uncertain (out.unread)."""
        loose: tuple[Pointer, ...] | None = None
        if unreadable_file_entry(self.repo, kd, "replacements"):
            out.maybe_changed.update(range(len(out.objects)))  # kustomize fails the build (HL101): what it replaces is not known
        for entry, where in self._replacement_entries(kd):
            if not isinstance(entry, dict) or not isinstance(entry.get("source"), dict):
                continue
            source = entry["source"]
            targets = entry.get("targets")
            targets = [t for t in targets if isinstance(t, dict)] if isinstance(targets, list) else []
            found = [
                i for i, (_, ns) in enumerate(out.objects) if target_matches(source, out.current(i), ns, out.names(i, every=True))
            ]
            try:
                if not found:
                    self._unselected(out, source, where)
                if len(found) != 1:
                    raise Unknown  # kustomize fails on it (recorded where certain: _unselected)
                node = _read_node(
                    out.current_named(found[0]), out.objects[found[0]][1], source.get("fieldPath") or "metadata.name"
                )
                value = source_value(node, source.get("options"))
            except (Unknown, Failure):
                for target in targets:
                    out.unread.update(index for index, _ in _selected(out, target))
                continue
            for t_index, target in enumerate(targets):
                paths = target.get("fieldPaths") or ["metadata.name"]  # kustomize's default field path
                for index, certain in _selected(out, target):
                    if not certain or not isinstance(paths, list):
                        out.unread.add(index)
                        continue
                    for f_index, field_path in enumerate(paths):
                        inner = ("fieldPaths", f_index) if target.get("fieldPaths") else ()
                        at = Where(where.path, where.doc, (*where.at, "targets", t_index, *inner))
                        if loose is None:
                            loose = self._unmodelled_fields(out)
                        self._replace(out, index, str(field_path), value, target.get("options"), (at, kd.dir, loose))

    def _unselected(self, out: BuildOut, source: dict[str, Any], where: Where) -> None:
        """Record kustomize's failure on a replacement whose source selects no object ('nothing
        selected by ...': api/filters/replacement selectSourceNode) where the model is sure of it:
        the source names a kind, the build holds every object of that kind kustomize's holds
        (_complete), and none matches it by any name, namespace or kind it had in this build
        (kustomize matches each previous id: utils.MakeResIds)."""
        kind = source.get("kind")
        if not isinstance(kind, str) or not kind or not self._complete(out, kind):
            return
        for index, (obj, ns) in enumerate(out.objects):
            if out.deleted(index):
                continue
            names, spaces = out.names(index, every=True), out.namespaces(index)
            for data in (out.current(index), obj.data):
                if target_matches(source, data, ns, (*names, obj.name), spaces) is not False:
                    return  # selected (or not decidable)
        shown = ", ".join(f"{key}={source[key]}" for key in ("group", "version", "kind", "name", "namespace") if source.get(key))
        at = Where(where.path, where.doc, (*where.at, "source"))
        out.replacement_failures.append(
            ReplacementFailure(-1, None, kind, None, "", at, posixpath.dirname(where.path), f"nothing selected by {shown}", ())
        )

    def _replacement_entries(self, kd: KustomizeDir) -> list[tuple[Any, Where]]:
        """Each replacement of a kustomization, with where it is: inline, or the documents of a
        `path:` file (a document may hold a list of them)."""
        items = kd.data.get("replacements")
        entries: list[tuple[Any, Where]] = []
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                path = join(kd.dir, item["path"])
                parsed = self.repo.parsed.get(path)
                for doc_index, doc in enumerate(parsed.docs if parsed else []):
                    if isinstance(doc, list):
                        entries.extend((one, Where(path, doc_index, (n,))) for n, one in enumerate(doc))
                    else:
                        entries.append((doc, Where(path, doc_index, ())))
            else:
                entries.append((item, Where(kd.file, kd.doc, ("replacements", index))))
        return entries

    def _replace(
        self, out: BuildOut, index: int, field_path: str, value: Any, options: Any, ctx: tuple[Where, str, tuple[Pointer, ...]]
    ) -> None:
        """One field path of a target on the object at `index` (replacements.replace_field)."""
        obj, ns = out.objects[index]
        current = out.current(index)
        parts = field_parts(field_path)
        try:
            edits = replace_field(_with_namespace(current, ns), parts, field_path, value, options)
        except Unknown:
            out.unread.add(index)
            return
        except Failure as failed:
            where, directory, loose = ctx
            if index in out.unread or obj.anchor is not None or any(_related(failed.at, p) for p in loose):
                out.unread.add(index)  # a transformer the model does not apply may have put the field there
                return
            meta = current.get("metadata")
            name = meta.get("name") if isinstance(meta, dict) else None
            out.replacement_failures.append(
                ReplacementFailure(
                    index,
                    obj.source,
                    obj.kind,
                    ns,
                    name if isinstance(name, str) else obj.name,
                    where,
                    directory,
                    failed.reason,
                    failed.at,
                )
            )
            return
        for path, new in edits:
            if path == ("metadata", "namespace"):
                out.move(index, str(new))
            else:
                out.edit(index, path, new)
                if path == ("metadata", "name"):
                    out.edit(index, REPLACED_NAME, True)

    def _unmodelled_fields(self, out: BuildOut) -> tuple[Pointer, ...]:
        """Where transformers the model does not apply may have set fields of the build's objects
        before its replacements run (kustomize kusttarget.go runs labels, annotations and replicas
        before them; its own config.kubernetes.io annotations are there too): a target field found
        missing there is not known to be missing. () is the whole object."""
        loose: list[Pointer] = [("metadata", "annotations"), ("metadata", "namespace")]
        for directory in sorted(out.dirs):
            kd = self.kdirs.get(directory)
            data = kd.data if kd is not None else {}
            if any(data.get(k) for k in ("transformers", "configurations", "generators", "helmCharts", "vars")):
                return ((),)
            if any(data.get(k) for k in ("commonLabels", "labels", "commonAnnotations", "buildMetadata")):
                loose += [("metadata", "labels"), ("spec",)]
            if data.get("replicas"):
                loose.append(("spec", "replicas"))
        return tuple(dict.fromkeys(loose))

    def _chain_below(self, target: str) -> tuple[str, ...]:
        """The include path from the first directory being built that is `target` or below it."""
        building = list(self._building)
        for index, directory in enumerate(building):
            if target == "" or directory == target or directory.startswith(target + "/"):
                return tuple(building[index:])
        return ()

    def generated_listing(self, ks: FluxKS) -> list[str]:
        """The folders with a kustomization that the kustomization kustomize-controller generates
        at ks's spec.path lists as resources (none when spec.path has a kustomization)."""
        art = ks.artifact or self._default
        return self.generated_lists.get((art.key, ks.path or ""), [])

    def _build_generated(self, directory: str, art: Artifact) -> BuildOut:
        """kustomize-controller's generator: every manifest below, recursively; a subfolder with
        its own kustomization becomes a resource. Files outside the artifact are not there.
        The generator lists a subfolder whatever its kind (fluxcd/pkg kustomize_generator.go
        scanManifests), and kustomize fails on a Component under resources: ("expected kind !=
        'Component'", api/internal/target/kusttarget.go accumulateDirectory): kustomize reads its
        kustomization file and stops there, so nothing of it is built (generated_components)."""
        out = BuildOut(dirs={directory})
        if directory not in self.repo.files.dirs and directory != "":
            return out
        listed = self.generated_lists[(art.key, directory)] = []
        stack = [directory]
        while stack:
            current = stack.pop()
            yaml_files, subdirs = self._children.get(current, ([], []))
            for path in yaml_files:
                if not art.contains(path):
                    continue
                out.files.add(path)
                out.resource_files.add(path)
                out.objects.extend((o, o.namespace) for o in self.objects_in(path))
            for sub in reversed(subdirs):
                if not art.contains(sub, is_dir=True):
                    continue
                if sub in self.kdirs and art.contains(self.kdirs[sub].file):
                    listed.append(sub)
                    if self.kdirs[sub].is_component:
                        out.files.add(self.kdirs[sub].file)
                        out.dirs.add(sub)
                        out.generated_components.append((directory, sub))
                    else:
                        out.absorb(self.build(sub, art))
                elif self._refused_in(sub, art):  # listed too, whatever the file holds: kustomize fails on it
                    out.absorb(self._refused_build(sub))
                else:
                    out.dirs.add(sub)
                    stack.append(sub)
        return out

    # --- Flux Kustomizations ------------------------------------------------------------
    def artifact_of(
        self, ks_data: dict[str, Any], ks_namespace: str, scope: dict[SourceRef, Artifact] | None = None
    ) -> Artifact | None:
        """The artifact of this repository a Flux Kustomization builds from, if its source is one."""
        spec = ks_data.get("spec")
        ref = source_ref(spec, ks_namespace)
        if ref is None:
            return self._default if isinstance(spec, dict) and "sourceRef" not in spec else None
        return self.sources.artifact(ref, scope)

    def is_local_source(self, ks_data: dict[str, Any], ks_namespace: str) -> bool:
        art = self.artifact_of(ks_data, ks_namespace)
        return art is not None and art.path_known

    def run(self) -> None:
        patches = self.repo.patch_files  # a Kustomization there is a patch's body, not an object
        ks_objects = [
            o for o in self.repo.objects if o.kind == "Kustomization" and o.group == FLUX_KS_GROUP and o.path not in patches
        ]
        seen: set[tuple[str, str, int, str]] = set()
        queue = self._roots()
        self.roots_known = bool(queue)
        if not queue:
            self.root_source = "automatic: Flux Kustomizations that no other Kustomization applies"
            queue = self._fallback_roots(ks_objects)
        self._assign_clusters(queue)
        while queue:
            ks = queue.pop(0)
            # one instance per cluster (root): each applies it with its own variables; one a
            # namePrefix/nameSuffix or a patch gives another name is another Kustomization
            ident = (ks.cluster, ks.obj.path, ks.obj.doc, ks.key) if ks.obj else ("", "", 0, ks.key)
            if ident in seen:
                continue
            seen.add(ident)
            ks, built = self._as_it_applies_itself(ks)
            self.kustomizations.append(ks)
            for child in self._evaluate(ks, built):
                queue.append(child)
        self.repo.variables_cache.clear()  # sources found while building were partial
        self._done = True
        for ks in self.kustomizations:
            if ks.synced and ks.path is not None:
                ks.spec_known = self._sync_spec_known(ks, self._makers.get(ks.path, []))
        for applied in self.applied:
            key = applied.ks.key if applied.ks else BOOTSTRAP
            if key not in applied.obj.applied_by:
                applied.obj.applied_by.append(key)
            for obj in (applied.obj, applied.obj.source):
                if obj.effective_namespace is None:
                    obj.effective_namespace = applied.namespace
        for obj in self.repo.objects:
            obj.applied_by.sort()
            if obj.effective_namespace is None:
                obj.effective_namespace = obj.namespace
        self.notes.extend(self.sources.notes)
        self.notes.extend(self.sources.unmodelled_notes())
        self._config_entry_notes()
        unread = sorted((path, kinds) for path, kinds in self.unread_transformers.items() if path in self.applied_files)
        if unread:
            named = "; ".join(f"{path}: {', '.join(sorted(set(kinds)))}" for path, kinds in unread[:3])
            more = f" and {len(unread) - 3} more" if len(unread) > 3 else ""
            self.notes.append(
                f"{len(unread)} kustomization(s) run transformers homelint does not model ({named}{more}): what they "
                "change is not seen, and HL108/HL110 say nothing about the objects they may rename or move (Flux runs "
                "builtin transformers only)"
            )
        if not self.roots_known and self.kustomizations:
            unplaced = any(not art.path_known for art in self.sources.artifacts.values())
            beside = sorted({obj.path for obj in self.sources.bootstraps}) if self.sources.fallback else []
            if unplaced:
                why = "this repository's OCI artifact could not be placed, see above"
            elif beside:
                why = (
                    "no FluxInstance sync or flux.roots, and other Flux Kustomizations here apply the Kustomizations beside "
                    f"this repository's sources ({', '.join(beside[:3])}{' ...' if len(beside) > 3 else ''})"
                )
            else:
                why = "no FluxInstance sync, flux bootstrap Kustomization beside this repository's source, or flux.roots"
            left = list(dict.fromkeys(self.left_out))
            but = (
                f", except {len(left)} in folders a root builds through a kustomization that does not list them "
                f"({', '.join(left[:3])}{' ...' if len(left) > 3 else ''})"
                if left
                else ""
            )
            self.notes.append(
                f"no Flux root found ({why}): the Flux Kustomizations nothing else applies were taken as roots{but}; set "
                "flux.roots in .homelint.yaml if that is wrong"
            )
        if self.unrendered:
            shown = "; ".join(self.unrendered[:3]) + (
                f"; and {len(self.unrendered) - 3} more" if len(self.unrendered) > 3 else ""
            )
            self.notes.append(
                f"Flux Kustomizations that flux-operator ResourceSets create could not all be rendered ({shown}): what "
                "they apply is not modelled (rendered: plain << inputs.key >> actions over spec.inputs, with a namespace)"
            )
        if self.remote:
            labels = sorted(set(self.remote))
            self.notes.append(
                f"{len(labels)} Flux Kustomization(s) apply to another cluster (spec.kubeConfig): the namespaces, Secrets and "
                f"ConfigMaps their objects need there are not judged ({', '.join(labels[:3])}{' ...' if len(labels) > 3 else ''})"
            )
        for (source, mount), labels in sorted(self.mounted.items()):
            self.notes.append(
                f"{source} copies another repository into '{mount}' (spec.include): what is there is not modelled, "
                f"and the Flux Kustomization(s) building from it were not followed: {', '.join(sorted(set(labels))[:5])}"
            )
        generated = (
            {SourceRef("ExternalArtifact", a.ns, name) for a in self.applied for name in generated_artifact_names(a.obj)}
            if self.skipped
            else set()
        )
        made = {ref: n for ref, n in self.skipped.items() if ref in generated}
        in_sets = self._resource_set_sources() if self.skipped else set()
        templated = {ref: n for ref, n in self.skipped.items() if ref in in_sets and ref not in generated}
        # a source nothing defines is no other repository: it serves nothing (HL107 reports it)
        others = {
            ref: n
            for ref, n in self.skipped.items()
            if ref not in generated
            and ref not in templated
            and ref not in self.sources.artifacts  # this repository's, of no known folder: its own note says so
            and self.source_may_exist(ref)
            and not self.flux_distribution(ref)
        }
        if templated:
            self.notes.append(
                f"{sum(templated.values())} Flux Kustomization(s) build from sources that flux-operator ResourceSets "
                f"create, whose artifacts homelint does not model, and were not followed: {_skipped_list(templated)}"
            )
        if made:
            self.notes.append(
                f"{sum(made.values())} Flux Kustomization(s) build from ExternalArtifacts that an ArtifactGenerator makes, "
                "whose content homelint does not model (globs, moved folders, other sources), and were not followed: "
                f"{_skipped_list(made)}"
            )
        if others:
            first = min(others)
            self.notes.append(
                f"{sum(others.values())} Flux Kustomization(s) build from sources that are not this repository and were "
                f"not followed: {_skipped_list(others)}; if one of them is this repository, list it under "
                f"flux.local-sources in .homelint.yaml ({LOCAL_SOURCE_FORM}, e.g. {first.namespace}/{first.name})"
            )

    def _config_entry_notes(self) -> None:
        """A note for each of flux.local-sources and flux.external-sources listing the entries
        that no source of the repository may be (a misspelt name, a wrong namespace): such an
        entry names nothing Flux reconciles here."""
        config = self.repo.config
        if not (config.local_sources or config.external_sources):
            return
        mentions = source_mentions(self.repo, self.applied, self.kustomizations, self.sources.syncs)
        for key, entries, with_kind, form in (
            ("flux.local-sources", config.local_sources, False, f"{LOCAL_SOURCE_FORM} of a source that is this repository"),
            ("flux.external-sources", config.external_sources, True, f"{EXTERNAL_SOURCE_FORM} of a source made outside Git"),
        ):
            unmatched = unmatched_entries(entries, mentions, with_kind=with_kind)
            if unmatched:
                listed = ", ".join(f"'{printable(entry, 100)}'" for entry in unmatched[:5])
                more = f" and {len(unmatched) - 5} more" if len(unmatched) > 5 else ""
                self.notes.append(
                    f"{key} in the config lists {listed}{more}, which no source the repository declares or names "
                    f"(a sourceRef, a chartRef, a FluxInstance sync) can be: check {'them' if len(unmatched) > 1 else 'it'} (an entry is the {form})"
                )

    def _roots(self) -> list[FluxKS]:
        """The Kustomizations Flux starts from: config roots, FluxInstance syncs, and the
        Kustomizations applied by hand beside this repository's own source."""
        config_roots = self.repo.config.flux_roots
        if config_roots:
            self.root_source = "flux.roots in the config"
            self.roots = list(config_roots)
            return [self._virtual(root, root, self._default) for root in config_roots]
        queue: list[FluxKS] = []
        origins: list[str] = []
        appliers = self._sync_appliers({id(obj) for _, sync_path, obj in self.sources.syncs if "${" in sync_path})
        for ref, sync_path, obj in self.sources.syncs:
            art = self.sources.artifacts[ref]
            if not art.path_known:
                continue
            resolved = self._sync_path(sync_path, obj, appliers)
            if resolved is None:
                continue
            path = art.path(resolved)
            self._makers.setdefault(path, []).append(obj)
            virtual = self._virtual(path, path, art)
            # flux-operator names the sync's Kustomization as its source (fluxoperator.dev: flux-sync)
            virtual.name, virtual.namespace, virtual.source, virtual.synced = ref.name, ref.namespace, ref, True
            base = sync_kustomization(ref, sync_path)
            patches = _instance_patches(obj.data, obj.kind)
            patched = patched_sync(base, patches, ref.name, ref.namespace) if patches else None
            virtual.maker, virtual.data = obj, patched if patched is not None else base
            self._sync_bases[id(virtual)] = base
            if path not in self.roots:
                self.roots.append(path)
                queue.append(virtual)
                origins.append(f"{obj.kind} sync")
        synced = set(self.roots)
        for obj in self._hand_applied(self.sources.bootstraps, queue):
            if obj.path in synced:
                continue  # every Kustomization of a hand-applied file is a root (kubectl apply applies them all)
            ns = obj.namespace or "flux-system"
            bootstrap = FluxKS(f"{BOOTSTRAP} {obj.path}", "flux-system", "flux-system", None, {}, root=obj.path)
            bootstrap.scope = self.sources.scoped.get(obj.path)
            self.kustomizations.append(bootstrap)
            applied = Applied(obj, ns, bootstrap)
            bootstrap.applied.append(applied)
            self.applied.append(applied)
            self.applied_files.add(obj.path)
            self.resource_files.add(obj.path)
            self.roots.append(obj.path)
            queue.append(self._make_ks(obj, ns, bootstrap, ns))
            origins.append("Kustomization beside this repository's source")
        if queue:
            self.root_source = "automatic: " + ", ".join(sorted(set(origins)))
        return queue

    def _sync_path(self, sync_path: str, obj: K8sObject, appliers: SyncAppliers) -> str | None:
        """A FluxInstance's sync path as flux-operator reads it: the Flux Kustomizations that apply
        the instance (or the flux-instance HelmRelease, values included) substitute their postBuild
        variables into it first (fluxcd/pkg kustomize_varsub.go, over the whole object). Their one
        answer when all of them give the same certain one; else, as before, only `${VAR:=default}`
        forms resolve; None (with a note) when that does not resolve either."""
        if "${" not in sync_path:
            return resolve(sync_path, {})
        by_object, why = appliers
        answers: set[str] = set()
        mine = by_object.get(id(obj), [])
        if why is None and not mine:
            why = "no Flux Kustomization of this repository applies it"
        for probe, as_built in mine if why is None else []:
            found = sync_of(self.repo, as_built)
            path = _substituted_path(found[0].get("path") if found else None, probe, as_built)
            if path is None:
                where = probe.obj.path if probe.obj is not None else ""
                why = f"Kustomization {probe.key} ({where}) does not give all its variables"
                break
            answers.add(path)
        if why is None and len(answers) == 1:
            return answers.pop()
        resolved = resolve(sync_path, {})
        if resolved is None:
            if why is None:
                why = f"the Flux Kustomizations that apply it give different paths ({', '.join(sorted(answers)[:3])})"
            self.notes.append(
                f"the sync path '{sync_path}' of {obj.kind} {obj.name} ({obj.path}) could not be resolved: {why}; "
                "it was not taken as a root (set flux.roots in .homelint.yaml)"
            )
        return resolved

    def _sync_appliers(self, wanted: set[int]) -> SyncAppliers:
        """The Flux Kustomizations of this repository whose builds apply each of the `wanted`
        objects (by id), with the object as that build leaves it (one pass for every sync: many
        clusters), and why that is not certain, or None. They are read as written, before the model
        is built: a parent's substitution into a variable's value makes it unknown (_substituted_path),
        and a Kustomization whose own path is not known here may apply any of them."""
        found: dict[int, list[tuple[FluxKS, K8sObject]]] = {}
        if not wanted:
            return found, None
        for ks_obj in self.repo.objects:
            if ks_obj.kind != "Kustomization" or ks_obj.group != FLUX_KS_GROUP or ks_obj.path in self.repo.patch_files:
                continue
            ns = ks_obj.namespace or "flux-system"
            art = self.artifact_of(ks_obj.data, ns, self.sources.scoped.get(ks_obj.path))
            if art is None or not art.path_known:
                continue
            raw = ks_obj.spec.get("path", "")
            resolved = resolve(raw, {}) if isinstance(raw, str) else None
            if resolved is None:
                if self._may_apply_any(ks_obj, raw, art, wanted):
                    return {}, f"Kustomization {ns}/{ks_obj.name} ({ks_obj.path}) has a path that is not known here"
                continue  # no folder its path may name builds any of them
            probe = FluxKS(f"{ns}/{ks_obj.name}", ks_obj.name, ns, ks_obj, ks_obj.data, path=art.path(resolved), artifact=art)
            built = self._built(probe)
            for index, (source_obj, _) in enumerate(built.objects if built is not None else []):
                if id(source_obj) not in wanted or built is None or built.deleted(index):
                    continue
                as_built = self._as_built(source_obj, built, index)
                if withheld(as_built.data, ks_obj.data) is None:
                    found.setdefault(id(source_obj), []).append((probe, as_built))
        return found, None

    def _may_apply_any(self, ks_obj: K8sObject, raw: Any, art: Artifact, wanted: set[int]) -> bool:
        """Whether a Flux Kustomization whose spec.path holds a variable (`${CLUSTER}`) may apply
        one of the `wanted` objects: the build of some folder of the repository its path may name
        (each `${...}` any text within one folder name) holds one; past MAX_PATH_GUESSES such
        folders, or a path that is not text, it may."""
        if not isinstance(raw, str):
            return True
        pattern = art.path(linear(_VARIABLE_PART).sub("*", raw))
        folders = [d for d in sorted(self.repo.files.dirs) if fnmatch.fnmatchcase(d, pattern)]
        if len(folders) > MAX_PATH_GUESSES:
            return True
        for folder in folders:
            ns = ks_obj.namespace or "flux-system"
            probe = FluxKS(f"{ns}/{ks_obj.name}", ks_obj.name, ns, ks_obj, ks_obj.data, path=folder, artifact=art)
            built = self._built(probe)
            if built is not None and any(id(source_obj) in wanted for source_obj, _ in built.objects):
                return True
        return False

    def _sync_spec_known(self, ks: FluxKS, makers: list[K8sObject]) -> bool:
        """Whether a FluxInstance sync's Kustomization is known: the one flux-operator's template
        writes (sync_kustomization) after the patches of every instance that syncs this path, as
        written and as a Flux Kustomization of the repository applies it (spec.kustomize.patches, or
        the flux-instance chart's instance.kustomize.patches, which it passes on as they are), each
        giving the same spec (patched_sync), and its own path holds no definition of it (which
        kustomize-controller would apply over it)."""
        base = self._sync_bases.get(id(ks))
        if not makers or base is None:
            return False
        for maker in makers:
            forms = [maker.data] + [a.obj.data for a in self._applied_as(maker)]
            for data in forms:
                patches = _instance_patches(data, maker.kind)
                if patches is None or patched_sync(base, patches, ks.name, ks.namespace) != ks.data:
                    return False
        return not any(
            a.obj.kind == "Kustomization" and a.obj.group == FLUX_KS_GROUP and (a.ns, a.name) == (ks.namespace, ks.name)
            for a in ks.applied
        )

    def _applied_as(self, obj: K8sObject) -> list[Applied]:
        """Every application of a file's object by a Flux Kustomization (patched copies included)."""
        return [a for a in self.applied if a.obj.source is obj]

    def _hand_applied(self, candidates: list[K8sObject], syncs: list[FluxKS]) -> list[K8sObject]:
        """The bootstrap candidates applied by hand: those no root applies. A file whose
        Kustomization a root's build applies, directly or through other Kustomizations (a
        gotk-sync root, a FluxInstance sync, another candidate), is that root's child, not a second
        root; candidates that apply each other are one root. When the only evidence is
        Kustomizations beside OCI sources and, with GitRepository flux-system taken as this
        repository (the fallback's assumption), another Kustomization applies each of them, they
        are no evidence of a root: the fallback applies, with its assumption (Sources.assume)."""
        candidates = self._bootstrap_listed(candidates)
        if not candidates:
            return []
        kept = self._unapplied_candidates(candidates, syncs)
        assumed = self.sources.assumed
        if kept and not syncs and assumed is not None and not self._unapplied_if_assumed(candidates, assumed):
            self.sources.assume(self.repo)
            self._default = self._default_artifact()
            return []
        return kept

    def _bootstrap_listed(self, candidates: list[K8sObject]) -> list[K8sObject]:
        """The candidates less those the kustomization of their folder leaves out where it applies
        others: `flux bootstrap` applies its folder through the kustomization.yaml there as written
        (fluxcd/flux2 bootstrap_plain_git.go ReconcileSyncConfig: utils.Apply of the file that
        manifestgen/kustomization Generate returns unchanged when it exists), as `kubectl apply -k`
        does, and kustomize builds only what it lists. Left out: a folder's candidates its
        kustomization's build does not hold, when that build holds other candidates and the source
        one of them builds from (it is a bootstrap by itself), and reads cleanly (a build kustomize
        fails on, or one that lists no candidate, decides nothing). A candidate left out is an
        ordinary Flux Kustomization: applied only if something applies it."""
        by_folder: dict[str, list[K8sObject]] = {}
        for obj in candidates:
            by_folder.setdefault(posixpath.dirname(obj.path), []).append(obj)
        left_out: set[str] = set()
        for folder, objs in sorted(by_folder.items()):
            built = self._bootstrap_build(folder) if len({o.path for o in objs}) > 1 else None
            if built is None:
                continue
            listed = [o for o in objs if o.path in built.resource_files]
            namespace = self.kdirs[folder].namespace
            if listed and len(listed) < len(objs) and any(_holds_source(built, namespace, o) for o in listed):
                left_out.update(o.path for o in objs if o.path not in built.resource_files)
        return [obj for obj in candidates if obj.path not in left_out]

    def _bootstrap_build(self, folder: str) -> BuildOut | None:
        """What `kubectl apply -k` of a folder applies, read from the working tree (no source's
        ignore rules): its kustomization's accumulation; None when the folder has no kustomization
        kustomize builds, or the build reads a file kustomize fails on (one that does not parse, a
        listed path that is not there, a folder without a kustomization, a second kustomization
        file, a cycle, two objects of one id) or an entry it cannot judge (remote, `${`)."""
        repo, kdirs = self.repo, self.kdirs
        kd = kdirs.get(folder)
        if kd is None or kd.is_component or folder in repo.multiple_kustomizations or repo.invalid_yaml(kd.file):
            return None
        checkout = Artifact(SourceRef("GitRepository", "", ""), "", "the working tree", [])
        built = self.gathered(folder, checkout)
        if built.failures or built.replacement_failures or built.generator_failures or built.generated_components:
            return None
        files, dirs = repo.files.all_files, repo.files.dirs
        for directory in built.dirs:
            sub = kdirs.get(directory)
            if directory in self.refused and self.refused[directory] in built.files:
                return None  # a kustomization file kustomize refuses
            if sub is None:
                continue
            if directory in repo.multiple_kustomizations or repo.invalid_yaml(sub.file):
                return None
            for entry in sub.entries:
                if entry.kind not in ("resources", "components", "patches"):
                    continue
                if is_remote(entry.value) or "${" in entry.value or (entry.target not in files and entry.target not in dirs):
                    return None
                if entry.kind != "patches" and entry.target in dirs and entry.target not in kdirs:
                    return None
        if any(repo.invalid_yaml(path) for path in built.resource_files):
            return None
        if any(cycle.kd.dir in built.dirs for cycle in self.cycles):
            return None
        ids: set[tuple[str, str, str, str, str]] = set()
        for index, (obj, ns) in enumerate(built.objects):
            if built.deleted(index):
                continue
            key = (obj.group, obj.version, obj.kind, ns or "default", obj.name)  # kustomize's ResId holds the version
            if key in ids:
                return None  # kustomize: "may not add resource with an already registered id"
            ids.add(key)
        return built

    def _flux_ks_by_file(self) -> dict[str, list[K8sObject]]:
        """The Flux Kustomization objects of each file (not patch bodies)."""
        found: dict[str, list[K8sObject]] = {}
        for obj in self.repo.objects:
            if obj.kind == "Kustomization" and obj.group == FLUX_KS_GROUP and obj.path not in self.repo.patch_files:
                found.setdefault(obj.path, []).append(obj)
        return found

    @staticmethod
    def _ks_files(built: BuildOut, by_file: dict[str, list[K8sObject]]) -> list[str]:
        """The files of the Flux Kustomization objects a build holds."""
        return sorted({o.path for o, _ in built.objects if o.path in by_file and any(o is k for k in by_file[o.path])})

    def _applied_files(
        self,
        obj: K8sObject,
        scope: dict[SourceRef, Artifact] | None,
        by_file: dict[str, list[K8sObject]],
        assumed: Artifact | None = None,
    ) -> list[str]:
        """The files of the Flux Kustomizations that `obj`'s build applies, read as written (a path
        not known here applies nothing known); `assumed` serves GitRepository flux-system."""
        ns = obj.namespace or "flux-system"
        ref = source_ref(obj.spec, ns)
        if assumed is not None and (ref == assumed.ref or (ref is None and "sourceRef" not in obj.spec)):
            art: Artifact | None = assumed
        else:
            art = self.artifact_of(obj.data, ns, scope)
        raw = obj.spec.get("path", "")
        resolved = resolve(raw, {}) if isinstance(raw, str) else None
        if art is None or not art.path_known or resolved is None:
            return []
        return self._ks_files(self.gathered(art.path(resolved), art), by_file)

    def _unapplied_candidates(self, candidates: list[K8sObject], syncs: list[FluxKS]) -> list[K8sObject]:
        """The candidates no root applies: the roots are the FluxInstance syncs and the candidates
        themselves, followed through every Flux Kustomization their builds apply (each read with
        the root's scope, as the model applies it), in the apply graph of files; a candidate is a
        root unless a root's component reaches its component (linear in the builds)."""
        by_file = self._flux_ks_by_file()
        nodes: list[Any] = []  # in the order they were met
        edges: dict[Any, list[Any]] = {}
        roots: set[Any] = set()
        todo: list[tuple[Any, str, dict[SourceRef, Artifact] | None]] = []
        for ks in syncs:
            node = ("sync", ks.key)
            nodes.append(node)
            roots.add(node)
            built = self.gathered(ks.path, ks.artifact) if ks.path is not None and ks.artifact is not None else BuildOut()
            for child in self._ks_files(built, by_file):
                edges.setdefault(node, []).append(child)
                todo.append((child, "", None))
        wanted = {obj.path for obj in candidates}
        for path in sorted(wanted):
            nodes.append(path)
            todo.append((path, path, self.sources.scoped.get(path)))
        seen: set[tuple[str, str]] = set()
        while todo:
            path, key, scope = todo.pop()
            if (path, key) in seen:
                continue
            seen.add((path, key))
            for obj in by_file.get(path, []):
                for child in self._applied_files(obj, scope, by_file):
                    edges.setdefault(path, []).append(child)
                    nodes.append(child)
                    todo.append((child, key, scope))
        found = components(nodes, edges)  # reverse topological: walk it backwards
        mapping = {member: number for number, members in enumerate(found) for member in members}
        root_comps: set[int] = set()
        reached: set[int] = set()
        for number in reversed(range(len(found))):  # every component after those that reach it
            members = found[number]
            if number not in reached:
                if not any(m in roots or m in wanted for m in members):
                    continue  # neither a root nor reached: what it reaches is not applied through it
                root_comps.add(number)
            for member in members:  # what a root or a reached component reaches is applied
                for target in edges.get(member, ()):
                    if mapping[target] != number:
                        reached.add(mapping[target])
        return [obj for obj in candidates if mapping[obj.path] in root_comps]

    def _unapplied_if_assumed(self, candidates: list[K8sObject], assumed: Artifact) -> list[K8sObject]:
        """The candidates nothing applies if GitRepository flux-system is this repository: in the
        apply graph of every Flux Kustomization's file (as the fallback reads it), those whose
        component no other component applies (the fallback takes every such one as a root)."""
        import networkx as nx  # start-up: imported only where it is needed

        by_file = self._flux_ks_by_file()
        graph = nx.DiGraph()
        for path, objs in by_file.items():
            graph.add_node(path)
            for obj in objs:
                for child in self._applied_files(obj, None, by_file, assumed):
                    graph.add_edge(path, child)
        condensed = nx.condensation(graph)
        mapping = condensed.graph["mapping"]
        return [obj for obj in candidates if condensed.in_degree(mapping[obj.path]) == 0]

    def _assign_clusters(self, queue: list[FluxKS]) -> None:
        """Roots whose paths nest (a bootstrap Kustomization of `cluster/` and the FluxInstance
        sync of `cluster/flux`) are one cluster; disjoint roots are separate clusters."""
        paths = {id(ks): (ks.path if ks.path is not None else ks.root) for ks in queue}
        known = set(paths.values())
        for ks in queue:
            mine = paths[id(ks)]
            # the roots' paths this one is in: its own, "", and each prefix that ends before a `/`
            # (looked up, not compared with every root: many clusters)
            outer = [mine[:i] for i, char in enumerate(mine) if char == "/" and mine[:i] in known]
            outer += [p for p in ("", mine) if p in known]
            ks.cluster = min(outer, key=lambda p: (len(p), p))
        # the Kustomizations of one hand-applied file go to one cluster, whatever their paths
        by_file: dict[str, str] = {}
        for ks in queue:
            if ks.parent is not None and ks.parent.obj is None:
                by_file[ks.parent.root] = min(by_file.get(ks.parent.root, ks.cluster), ks.cluster, key=lambda p: (len(p), p))
        for ks in queue:
            if ks.parent is not None and ks.parent.obj is None:
                ks.cluster = ks.parent.cluster = by_file[ks.parent.root]
        self._named_memo.clear()  # answers read the clusters of the Kustomizations that apply

    def _virtual(self, key: str, path: str, art: Artifact) -> FluxKS:
        return FluxKS(f"{BOOTSTRAP} {key}", "flux-system", "flux-system", None, {}, path=path, root=key, artifact=art)

    def _fallback_roots(self, ks_objects: list[K8sObject]) -> list[FluxKS]:
        queue: list[FluxKS] = []
        root_dirs: list[str] = []
        for obj in self._fallback_root_objects(ks_objects):
            directory = posixpath.dirname(obj.path)
            if directory in self.kdirs and obj.path in self.gathered(directory).resource_files:
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
            queue.append(self._make_ks(obj, ns, bootstrap, ns))
        includers = self._folder_includers() if root_dirs else {}
        for directory in dict.fromkeys(top for d in root_dirs for top in _tops_above(d, includers)):
            self.roots.append(directory)
            queue.append(self._virtual(directory, directory, self._default))
        return queue

    def _folder_includers(self) -> dict[str, list[str]]:
        """kustomization folder -> the kustomization folders that include it (through
        `resources:`/`components:` entries), indexed once for every guessed root."""
        includers: dict[str, list[str]] = defaultdict(list)
        for folder, kd in sorted(self.kdirs.items()):
            for entry in kd.entries:
                if entry.kind in ("resources", "components") and entry.target != folder and entry.target in self.kdirs:
                    includers[entry.target].append(folder)
        return includers

    def _fallback_root_objects(self, ks_objects: list[K8sObject]) -> list[K8sObject]:
        """Flux Kustomizations not applied by any other (condensation sources of the apply graph),
        but for those in the tree of another one: their file is in or below a folder whose
        kustomization a build of that tree reads, and that does not list it. kustomize applies
        what a kustomization lists, and kustomize-controller's generator does not descend into a
        folder with a kustomization file (fluxcd/pkg kustomize_generator.go scanManifests), so that
        tree never applies the file, and it is part of that tree, not applied by hand beside it:
        not a root (HL102/HL104 say so). The trees' folders join the apply graph: a candidate stays
        a root when its component of that graph is a source, so the answer does not depend on the
        order, and candidates each in the other's tree both stay."""
        import networkx as nx  # start-up: imported only where it is needed

        applies = nx.DiGraph()
        index = {id(o): o for o in ks_objects}
        reads: list[tuple[int, int]] = []  # (Kustomization, build by id) of each that builds here
        builds: dict[int, BuildOut] = {}
        for obj in ks_objects:
            applies.add_node(id(obj))
            art = self.artifact_of(obj.data, obj.namespace or "flux-system")
            if art is None or not art.path_known:
                continue
            path = obj.spec.get("path")
            target = art.path(resolve(path, {}) or path) if isinstance(path, str) else art.root
            built = self.build(target, art)
            for child, _ in built.objects:
                if id(child) in index and child is not obj:
                    applies.add_edge(id(obj), id(child))
            builds[id(built)] = built
            reads.append((id(obj), id(built)))
        condensed = nx.condensation(applies)
        candidates: list[K8sObject] = []
        for comp in condensed.nodes:
            if condensed.in_degree(comp) == 0:
                members = sorted((index[m] for m in condensed.nodes[comp]["members"]), key=lambda o: (o.path, o.doc))
                candidates.append(members[0])
        territories = self._territories(applies, reads, builds, ks_objects)
        kept = nx.condensation(territories)
        source = {member for comp in kept.nodes if kept.in_degree(comp) == 0 for member in kept.nodes[comp]["members"]}
        roots = [obj for obj in candidates if id(obj) in source]
        refused = set(self.refused.values())  # read as a kustomization kustomize refuses: HL601 says why
        self.left_out = sorted(obj.path for obj in candidates if id(obj) not in source and obj.path not in refused)
        return sorted(roots, key=lambda o: (o.path, o.doc))

    def _territories(
        self, applies: Any, reads: list[tuple[int, int]], builds: dict[int, BuildOut], ks_objects: list[K8sObject]
    ) -> Any:
        """The apply graph with an edge from each Kustomization through its build and each folder
        whose kustomization that build reads, through each file in or below that folder, to the
        Kustomizations of that file (and back: what applies one of them applies them all). Builds,
        folders and files are nodes of their own: the edges are as many as the builds' files and
        the files' depths (linear)."""
        graph = applies.copy()
        for ks_id, build_id in reads:
            graph.add_edge(ks_id, ("build", build_id))
        for build_id, built in builds.items():
            for path in built.files:
                folder = posixpath.dirname(path)
                kd = self.kdirs.get(folder)
                if (kd is not None and kd.file == path) or self.refused.get(folder) == path:
                    graph.add_edge(("build", build_id), ("kustomization", folder))
        files: set[str] = set()
        for obj in ks_objects:
            folder = obj.path
            while folder and obj.path not in files:
                folder = posixpath.dirname(folder)
                if ("kustomization", folder) in graph:
                    graph.add_edge(("kustomization", folder), ("file", obj.path))
            files.add(obj.path)
            if ("file", obj.path) in graph:  # applied together (kubectl apply -f, or a kustomization): one node
                graph.add_edge(("file", obj.path), id(obj))
                graph.add_edge(id(obj), ("file", obj.path))
        return graph

    def _make_ks(
        self,
        obj: K8sObject,
        namespace: str | None,
        parent: FluxKS,
        build_ns: str | None,
        edits: dict[tuple[str, ...], Any] | None = None,
        affix: tuple[str, str] | None = None,
        substituted_as: dict[str, Any] | None = None,
    ) -> FluxKS:
        """A child Flux Kustomization as kustomize-controller applies it: what kustomize's own
        transformers set (replacements), the parent's patches, the namePrefix/nameSuffix over it
        (`affix`: it is applied, and found by dependsOn, by that name), then the parent's postBuild
        substitution, on the whole object (SEMANTICS 2.6), unless the object Flux substitutes
        (`substituted_as`: a ResourceSet the child is rendered from; else the child) disables it."""
        data = _overlay(obj.data, edits) if edits else obj.data  # kustomize's and the parent's patches
        if affix is not None:
            data = _affixed(data, affix, obj.name)
        if parent.obj is not None and parent.post_build is not None and not substitution_disabled(substituted_as or data):
            variables = parent_vars(self.repo, parent)
            if variables:
                data = substitute_tree(data, variables)
        meta = data.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        name: str = meta["name"] if isinstance(meta.get("name"), str) else obj.name
        own_ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) and meta.get("namespace") else None
        ns: str = namespace or own_ns or parent.namespace
        ks = FluxKS(f"{ns}/{name}", name, ns, obj, data, parent=parent, root=parent.root, cluster=parent.cluster)
        ks.unplaced = namespace is None and own_ns is None and build_ns is None and parent.known
        if edits:
            ks.origins = tuple(edits.get(ORIGINS, ()))
        ks.target = remote_cluster(ks.spec, ns) or parent.target
        if ks.target:
            self.remote.append(ks.label)
        ks.source = source_ref(ks.spec, ns)
        ks.scope = parent.scope
        art = self.artifact_of(data, ns, ks.scope)
        ks.artifact = art
        ks.local = art is not None and art.path_known
        raw = ks.spec.get("path")
        ks.raw_path = raw if isinstance(raw, str) else None
        if ks.local and art is not None:
            resolved = resolve(raw if isinstance(raw, str) else "", {})
            ks.path = art.path(resolved) if resolved is not None else None
            mount = art.mounted(ks.path) if ks.path is not None else None
            if mount is not None:  # another artifact's files, copied there by spec.include
                ks.local = False
                self.mounted.setdefault((str(art.ref), mount), []).append(ks.label)
        elif ks.source is not None:
            self.skipped[ks.source] = self.skipped.get(ks.source, 0) + 1
        return ks

    def _as_it_applies_itself(self, ks: FluxKS) -> tuple[FluxKS, BuildOut | None]:
        """A root applied by hand (flux bootstrap) as its own build applies it, with its build: the
        root's folder usually holds its own definition (gotk-sync.yaml), and what Flux reconciles
        is that definition after the folder's kustomize patches, the root's own spec.patches and its
        postBuild substitution (a decryption or postBuild block patched in there is the documented
        way to customise the bootstrap), not the file as written. A patch that renames it makes
        another object: the root stays as written."""
        built = self._built(ks)
        if built is None or ks.obj is None or ks.parent is None or ks.parent.obj is not None:
            return ks, built
        for index, (source_obj, ns) in enumerate(built.objects):
            if source_obj is not ks.obj:
                continue
            edits = built.edits.get(index, {})
            if edits.get(DELETED):
                break
            own = self._make_ks(source_obj, ks.namespace, ks, ns, edits, built.affixes.get(index))
            if own.key != ks.key or own.data == ks.data:
                break
            own.parent, own.root, own.cluster = ks.parent, ks.root, ks.cluster
            return own, self._built(own)
        return ks, built

    def _built(self, ks: FluxKS) -> BuildOut | None:
        """What a Flux Kustomization's build yields: its path, with what kustomize-controller edits
        into the kustomization there (FluxEdits) (None when it builds nothing from this
        repository, or its path is missing)."""
        if not ks.local or ks.path is None:
            return None
        path = ks.path
        art = ks.artifact or self._default
        if path and (path not in self.repo.files.dirs or not art.contains(path, is_dir=True)):
            ks.path_exists = False
            return None
        comps = ks.spec.get("components")
        # appended to the components of the kustomization at spec.path (fluxcd/pkg kustomize
        # generator): after its own, which run after its generators (kustomize's accumulateTarget)
        # and before its transformers. Flux rejects a remote or absolute one ("must be local and
        # relative", SEMANTICS 2.1): it adds nothing (HL101)
        components = tuple(
            target
            for comp in (comps if isinstance(comps, list) else [])
            if isinstance(comp, str)
            and not is_remote(comp)
            and not comp.startswith("/")
            and ((target := join(path, comp)) in self.kdirs or self._refused_in(target, art))
        )
        spec = ks.spec
        edits = FluxEdits(
            components,
            image_entries(spec.get("images")),
            flux_patches(ks),
            _nonempty(spec.get("targetNamespace")),
            _nonempty(spec.get("namePrefix")),
            _nonempty(spec.get("nameSuffix")),
        )
        return self.build(path, art, edits)  # memoized: not to be changed

    def _evaluate(self, ks: FluxKS, built: BuildOut | None) -> list[FluxKS]:
        """Apply `built` (ks's build, see _built) as ks: the objects it applies, where, and the
        Flux Kustomizations among them (its children)."""
        if built is None:
            return []
        ks.files, ks.dirs = set(built.files), set(built.dirs)
        # kustomize reads every kustomization file of a folder it loads, and fails on a second one
        ks.files.update(f for d in built.dirs for f in self.repo.multiple_kustomizations.get(d, ()))
        ks.generated_components = sorted(set(built.generated_components))
        ks.replacement_failures = list(built.replacement_failures)  # spec.patches ran before them, in the build
        ks.patch_failures = list(built.failures)
        ks.generator_failures = list(built.generator_failures)
        self.applied_files |= ks.files
        self.resource_files |= built.resource_files
        self.reached_dirs |= built.dirs
        children = []
        for index, (source_obj, ns) in enumerate(built.objects):
            edits = built.edits.get(index, {})
            if edits.get(DELETED):  # built.deleted(index)
                self._deleted_from.setdefault(id(source_obj.source), ks.label)
                continue
            effective = ns  # targetNamespace is the namespace: of the kustomization built (FluxEdits)
            obj = self._as_built(source_obj, built, index) if edits else source_obj
            if edits.get(KEYS_UNKNOWN):
                self._keys_unknown.add(id(obj))
            renamed = edits.get(("metadata", "name"))
            if renamed is None and WHOLE in edits:  # a patch that sets metadata.name renames the object
                meta = obj.data.get("metadata")
                patched = meta.get("name") if isinstance(meta, dict) else None
                renamed = patched if isinstance(patched, str) and patched and patched != obj.name else None
            hashed = id(source_obj) in self._hashed and not edits.get(UNHASHED)
            suffix = self._suffix(source_obj, obj, edits) if hashed and id(source_obj) in self._suffixes else None
            affix = built.affixes.get(index)
            if affix is not None:  # namePrefix/nameSuffix, before the hash kustomize appends
                renamed = f"{affix[0]}{renamed or obj.name}{affix[1]}"
            if suffix is not None:  # kustomize hashes a generated object's content into its name
                renamed = f"{renamed or obj.name}-{suffix}" if affix is not None or renamed is None else renamed
            substituted = False  # the id kustomize gave it is not the one Flux's substitution leaves
            if "$" in (renamed or obj.name) and ks.post_build is not None and not substitution_disabled(obj.data):
                name = renamed or obj.name  # postBuild substitution (None: unknown)
                resolved = resolve(name, parent_vars(self.repo, ks))
                substituted = resolved is not None and resolved != name
                renamed = resolved or (renamed if suffix is not None else None)
            if effective and "$" in effective and ks.post_build is not None and not substitution_disabled(obj.data):
                resolved = resolve(effective, parent_vars(self.repo, ks))
                substituted = substituted or (resolved is not None and resolved != effective)
                effective = resolved or effective
            applied = Applied(
                obj,
                effective,
                ks,
                renamed if isinstance(renamed, str) else None,
                hashed=hashed,
                unread=index in built.unread,
                maybe_changed=index in built.maybe_changed,
                affixed=affix is not None,
                hash_unknown=hashed and suffix is None,
                substituted=substituted,
                replaced=bool(edits.get(REPLACED_NAME)),
            )
            if sops_opaque(obj.data):  # what it is shows only once decrypted: judged as nothing known
                ks.opaque.append(applied)
                continue
            why = withheld(obj.data, ks.data)
            if why is not None:  # not applied: it makes nothing on the cluster, nor is it a child
                ks.withheld.append((applied, why))
                self._withheld_why.setdefault(id(source_obj.source), why)
                continue
            ks.applied.append(applied)
            self.applied.append(applied)
            if obj.kind == "Kustomization" and obj.group == FLUX_KS_GROUP:
                forced = ns if ns != obj.namespace else None
                child = self._make_ks(source_obj, forced, ks, ns, edits, affix)
                child.loose = tuple(built.loose.get(index, ()))
                children.append(child)
            elif is_resource_set(obj):
                children.extend(self._resource_set_children(obj, ks))
        return children

    def _resource_set_sources(self) -> set[SourceRef]:
        """The Flux sources the ResourceSets the model applies create, as far as they render."""
        return {
            SourceRef(made.kind, made.namespace or "", made.name)
            for applied in self.applied
            if is_resource_set(applied.obj)
            for made in rendered_sources(applied.obj).kustomizations
        }

    def _resource_set_children(self, obj: K8sObject, parent: FluxKS) -> list[FluxKS]:
        """The Flux Kustomizations a ResourceSet that `parent` applies creates (resourcesets.py),
        each as `parent`'s child: its postBuild substitution runs on the ResourceSet's text before
        flux-operator renders it, as on a child written in the build; its patches do not reach them."""
        rendered = rendered_kustomizations(obj)
        for why in rendered.unrendered:
            note = f"ResourceSet {obj.namespace or parent.namespace}/{obj.name} ({obj.path}): {why} not followed"
            if note not in self.unrendered:
                self.unrendered.append(note)
        return [self._make_ks(made, None, parent, None, substituted_as=obj.data) for made in rendered.kustomizations]

    def _suffix(self, generated: K8sObject, built: K8sObject, edits: dict[tuple[str, ...], Any]) -> str | None:
        """kustomize's name hash of a generated object as its build left it (hashed last, after
        every patch of the build); None when it is not hashed or the hash is unknown."""
        suffix = self._suffixes.get(id(generated))
        if SUFFIX in edits and suffix is not None:
            return edits[SUFFIX]  # type: ignore[no-any-return]
        if suffix is None or built is generated or built.kind != "ConfigMap":
            return suffix
        return hash_suffix(built.data)

    def ks_origins(self, obj: K8sObject) -> tuple[Origin, ...]:
        """Where the fields of the Flux Kustomization defined by `obj` that patches set come from
        (its parent's spec.patches, a kustomize patch of the folder that lists it), when every
        Flux Kustomization it defines has the same ones; () otherwise."""
        if self._ks_origins is None:
            found: dict[int, set[tuple[Origin, ...]]] = defaultdict(set)
            for ks in self.kustomizations:
                if ks.obj is not None:
                    found[id(ks.obj)].add(ks.origins)
            self._ks_origins = {key: next(iter(seen)) for key, seen in found.items() if len(seen) == 1}
        return self._ks_origins.get(id(obj), ())

    def _shared_origins(self, origins: tuple[Origin, ...]) -> tuple[Origin, ...]:
        """`origins`, or an equal tuple made before: one patch sets the same fields of the copies it
        makes in every Kustomization that builds the folder (half of the copies' origins repeat)."""
        return self._origins.setdefault(origins, origins)

    def _as_built(self, obj: K8sObject, built: BuildOut, index: int) -> K8sObject:
        """The object as the build's patches and replacements left it: a copy that knows its file's
        object and where patched fields come from (one copy per patched state, shared by the
        Kustomizations that build the same folder); the object itself when nothing changed it."""
        edits = built.edits.get(index)
        if not edits or all(path in (("metadata", "name"), REPLACED_NAME) for path in edits):
            return obj  # a Namespace renamed by `namespace:` keeps its object (Applied.renamed)
        whole = edits.get(WHOLE)
        key = (id(obj), id(whole), tuple(sorted((repr(p), repr(v)) for p, v in edits.items() if p not in (WHOLE, ORIGINS))))
        found = self._patched.get(key)
        if found is not None and found.unpatched is obj:
            return found
        data = built.current(index)
        if data == obj.data:
            return obj
        made = K8sObject(
            obj.path,
            obj.doc,
            data,
            obj.api_version,
            obj.kind,
            obj.name,
            obj.namespace,
            obj.is_sops,
            obj.anchor,
            applied_by=obj.applied_by,
            unpatched=obj,
            origins=self._shared_origins(edits.get(ORIGINS, obj.origins)),
        )
        self._patched[key] = made
        return made


def _holds_source(built: BuildOut, namespace: str | None, obj: K8sObject) -> bool:
    """Whether a build holds the declaration of the source a Flux Kustomization builds from
    (`namespace`: the one the build's own kustomization sets)."""
    ref = source_ref(obj.spec, obj.namespace or "flux-system")
    return ref is not None and any(
        o.kind == ref.kind
        and o.group == SOURCE_GROUP
        and o.name == ref.name
        and (namespace or ns or ref.namespace) == ref.namespace
        for o, ns in built.objects
    )


def _add_distinct(out: list[K8sObject], seen: dict[tuple[str, int], list[K8sObject]], obj: K8sObject) -> bool:
    """Append `obj` to `out` unless an equal object is there (a document patched alike by two
    Kustomizations is listed once); True if appended. Objects are compared only with those of
    the same document (`seen`), not with all of `out`: N same-named objects cost O(N), not O(N^2)."""
    same_doc = seen.setdefault((obj.path, obj.doc), [])
    if obj in same_doc:
        return False
    same_doc.append(obj)
    out.append(obj)
    return True


def _index_ids(out: BuildOut, index: int, ids: dict[tuple[str, str, str, str], list[int]]) -> None:
    """Index the object at `index` of a build by the ResIds a generator's merge/replace finds it by
    (kustomize's GetMatchingResourcesByAnyId): the id it was written with, its current one
    (prefix and suffix included) and the names it had between (BuildOut.before, with its current
    namespace); no namespace is `default`. Only ConfigMaps and Secrets are merged into."""
    obj, ns = out.objects[index]
    if obj.kind not in ("ConfigMap", "Secret") or out.deleted(index):
        return
    keys = {(obj.name, obj.namespace or "default")} | {(name, ns or "default") for name in out.names(index, every=True)}
    for key_name, key_ns in sorted(keys):
        ids.setdefault((obj.api_version, obj.kind, key_name, key_ns), []).append(index)


WHOLE = ("",)  # an edit that replaces the whole object (a kustomize patch applied to it)
ORIGINS = ("", "origins")  # where the fields patches set come from (patches.Origin)
DELETED = ("", "deleted")  # a `$patch: delete` removed the object
SUFFIX = ("", "suffix")  # a merged generated object's hash suffix, when not taken from its data (None: unknown)
UNHASHED = ("", "unhashed")  # a merge/replace with disableNameSuffixHash took the hash off a generated object
KEYS_UNKNOWN = ("", "keys-unknown")  # a merge/replace brought (or kept) keys the model does not know
# a replacements: entry wrote metadata.name: kustomize records no previous name then, so no reference to the
# old name is rewritten (kubectl kustomize 5.8.1), unlike a patch's or namePrefix's rename
REPLACED_NAME = ("", "replaced-name")
MARKS = (WHOLE, ORIGINS, DELETED, SUFFIX, UNHASHED, KEYS_UNKNOWN, REPLACED_NAME)  # edits that are not fields


def _namespace_transformer(out: BuildOut, config: NamespaceConfig) -> None:
    """A builtin NamespaceTransformer on every object of the build (transformers.py)."""
    for index, (_, ns) in enumerate(out.objects):
        if out.deleted(index):
            continue
        if not (config.unset_only and ns):
            out.move(index, config.namespace)
        for path, value in namespace_fields(config, out.current(index)):
            out.edit(index, path, value)


def _set_namespace(out: BuildOut, namespace: str) -> None:
    """kustomize's namespace transformer of a kustomization's `namespace:` on every object of its
    build; it renames a Namespace object to the namespace."""
    for index in range(len(out.objects)):
        out.move(index, namespace)
    for index, (o, _) in enumerate(out.objects):
        if o.kind == "Namespace" and o.api_version == "v1":
            out.edit(index, ("metadata", "name"), namespace)


def _images_transformer(out: BuildOut, entries: tuple[ImageEntry, ...]) -> None:
    """kustomize's images transformer (images.py): after the label transformers, before
    replacements (kubectl kustomize v5.8.1: a patch's image is retagged, a replacement's is not)."""
    if not entries:
        return
    for index in range(len(out.objects)):
        if out.deleted(index):
            continue
        for path, image in image_edits(out.current(index), entries).items():
            out.edit(index, path, image)


def transformed_fields(data: dict[str, Any], label_specs: bool = True) -> tuple[Pointer, ...]:
    """Pointers where a kustomization's builtin transformers the model does not apply (labels,
    annotations, replicas, replacements, role binding subjects of `namespace:`) may set fields on
    the objects of its build (kustomize's default field specs: labels and annotations also in
    selectors and pod templates, under spec); () is the whole object. The fieldSpecs of a `labels:`
    entry's `fields` are applied (_label_transformer), unless the model cannot read them. Without
    `label_specs`, the labels' and annotations' default field specs under spec are left out: they
    name built-in kinds only (labels_in_spec)."""
    if data.get("replacements") or data.get("configurations"):
        return ((),)
    out: list[Pointer] = []
    if data.get("commonLabels") or data.get("commonAnnotations"):
        out += [("metadata", "labels"), *((("spec",),) if label_specs else ())]
    labels = data.get("labels")
    for item in labels if isinstance(labels, list) else []:
        if isinstance(item, dict):
            if item.get("fields") and (label_field_specs(item["fields"]) is None or string_pairs(item.get("pairs")) is None):
                return ((),)
            out.append(("metadata", "labels"))
            if label_specs and (item.get("includeSelectors") or item.get("includeTemplates")):
                out.append(("spec",))
    if data.get("buildMetadata"):
        out.append(("metadata", "labels"))
    if data.get("replicas"):
        out.append(("spec", "replicas"))
    if data.get("namespace"):
        out.append(("subjects",))
    return tuple(dict.fromkeys(out))


# the API groups of the kinds kustomize's default label and annotation field specs name under spec
# (api/konfig/builtinpluginconsts commonlabels.go, commonannotations.go: Service, ReplicationController,
# Deployment, ReplicaSet, DaemonSet, StatefulSet, Job, CronJob, PodDisruptionBudget, NetworkPolicy)
LABEL_SPEC_GROUPS = frozenset({"", "apps", "batch", "policy", "networking.k8s.io", "extensions"})


def labels_in_spec(data: dict[str, Any]) -> bool:
    """Whether a kustomization's label or annotation transformers write under the spec of the
    built-in kinds their default field specs name (commonLabels, commonAnnotations, a `labels:`
    entry with includeSelectors or includeTemplates)."""
    if data.get("commonLabels") or data.get("commonAnnotations"):
        return True
    labels = data.get("labels")
    return any(
        isinstance(item, dict) and bool(item.get("includeSelectors") or item.get("includeTemplates"))
        for item in (labels if isinstance(labels, list) else [])
    )


def configured_fields(files: Iterable[Any]) -> dict[str, tuple[Pointer, ...]] | None:
    """Where the fieldSpecs of `configurations:` files (parsed; None: one that cannot be read) may
    have kustomize's transformers set fields, by the kind they name ("" for any kind): each
    transformer's list of fieldSpecs (`commonLabels`, `namespace`, `images`, ...), and the
    `fieldSpecs` of each `nameReference`/`varReference` entry. A path is kept to its first part
    (its first two under metadata): fieldSpec paths go through lists. None when a file, or an
    entry, is not of that shape."""
    out: dict[str, list[Pointer]] = {}
    for parsed in files:
        if parsed is None or parsed.problems:
            return None
        for doc in parsed.docs:
            if doc is None:
                continue
            if not isinstance(doc, dict):
                return None
            for specs in doc.values():
                if not isinstance(specs, list):
                    return None
                for spec in specs:
                    inner = spec.get("fieldSpecs") if isinstance(spec, dict) and "fieldSpecs" in spec else [spec]
                    for field_spec in inner if isinstance(inner, list) else [None]:
                        if not isinstance(field_spec, dict) or not isinstance(field_spec.get("path"), str):
                            return None
                        parts = tuple(part for part in field_spec["path"].split("/") if part)
                        if not parts:
                            return None
                        kind = field_spec.get("kind")
                        out.setdefault(kind if isinstance(kind, str) else "", []).append(
                            parts[:2] if parts[0] == "metadata" else parts[:1]
                        )
    return {kind: tuple(dict.fromkeys(pointers)) for kind, pointers in out.items()}


def label_field_paths(data: dict[str, Any]) -> tuple[Pointer, ...]:
    """Where the fieldSpecs of a kustomization's `labels:` entries with `fields` may set fields
    (of any object: their kinds aside); () is the whole object."""
    out: list[Pointer] = []
    for _, _, specs in metadata_pairs(data):
        if specs is None:
            return ((),)
        out += [
            spec.path if spec.loose is None else spec.loose
            for spec in specs
            if spec not in (METADATA_LABELS, METADATA_ANNOTATIONS)
        ]
    return tuple(dict.fromkeys(out))


def _with_namespace(data: dict[str, Any], namespace: str | None) -> dict[str, Any]:
    """An object of a build with the namespace the build gives it written in its metadata."""
    meta = data.get("metadata")
    if not namespace or (isinstance(meta, dict) and meta.get("namespace") == namespace):
        return data
    return {**data, "metadata": {**(meta if isinstance(meta, dict) else {}), "namespace": namespace}}


def _metadata_transformers(kd: KustomizeDir, out: BuildOut) -> None:
    """kustomize's label and annotation transformers of a kustomization (commonLabels,
    labels[].pairs, commonAnnotations: transformers.metadata_pairs) on every object of its build:
    what later patch targets, Flux's apply exclusions and its substitution switch see. A `labels:`
    entry with `fields` sets its pairs where its fieldSpecs say (_label_transformer)."""
    for field_name, pairs, specs in metadata_pairs(kd.data):
        if specs not in ((METADATA_LABELS,), (METADATA_ANNOTATIONS,)):
            _label_transformer(out, pairs, specs)
            continue
        for index in range(len(out.objects)):
            if not out.deleted(index):
                _set_metadata(out, index, field_name, pairs)


def _label_transformer(out: BuildOut, pairs: dict[str, str], specs: tuple[LabelFieldSpec, ...] | None) -> None:
    """A `labels:` entry with `fields` on every object of the build (transformers.label_fields):
    each map it changes is one edit, replacing the edits below it; where it cannot be applied
    exactly is loose. `specs` None (fieldSpecs the model cannot read): every object is loose."""
    if specs is None:
        out.loosen([()])
        return
    for index in range(len(out.objects)):
        if out.deleted(index):
            continue
        data = out.current(index)
        selecting = [spec for spec in specs if spec.selects(data)]
        if not selecting:
            continue
        changed, loose = label_fields(data, pairs, selecting)
        for path, value in changed:
            kept = {p: v for p, v in out.edits.get(index, {}).items() if p[: len(path)] != path}
            out.edits[index] = {**kept, path: value}
        out.loosen(loose, range(index, index + 1))


def _set_metadata(out: BuildOut, index: int, field_name: str, pairs: dict[str, str]) -> None:
    """Set `pairs` in metadata.<field_name> of the object at `index` (an object whose metadata or
    map is not a mapping is left as it is). The map is one edit, replacing the edits below it."""
    meta = out.current(index).get("metadata")
    found = meta.get(field_name) if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or (found is not None and not isinstance(found, dict)):
        return
    merged = {**(found or {}), **pairs}
    if merged == found:
        return  # nothing changes: the object stays shared
    path = ("metadata", field_name)
    kept = {p: v for p, v in out.edits.get(index, {}).items() if p[:2] != path}
    out.edits[index] = {**kept, path: merged}


def remote_cluster(spec: dict[str, Any], namespace: str) -> str:
    """The cluster a Flux Kustomization or HelmRelease applies to when its spec.kubeConfig names
    one (a Secret or ConfigMap in its namespace, or a configMapRef for workload identity): an id
    for it; "" for the cluster Flux runs in."""
    config = spec.get("kubeConfig")
    if not isinstance(config, dict):
        return ""
    for field_name in ("secretRef", "configMapRef"):
        ref = config.get(field_name)
        if isinstance(ref, dict) and isinstance(ref.get("name"), str) and ref["name"]:
            return f"kubeConfig {field_name} {namespace}/{ref['name']}"
    return "kubeConfig"


def apply_matching(
    out: BuildOut,
    target: Any,
    body: Any,
    source: PatchSource | None,
    loose: tuple[Pointer, ...] = (),
) -> bool | None:
    """One patch on every object of a build its target selects, by the object's original or
    current name and namespace (resmap Select; BuildOut.names). A strategic-merge patch with no
    target patches the object whose id equals its own (resmap GetById): apiVersion, kind, name
    and namespace (none is `default`), against every id the object had in the build
    (smp_matches). `loose`: BuildOut.patch. Whether it found an object: None when that is not
    known (an object a transformer the model does not apply may have renamed, a placeholder in
    the patch's id, a target the model cannot evaluate)."""
    if body is None:
        return None
    if target is None:
        wanted = patch_id(body)
        if wanted is None:
            return None  # not a strategic-merge patch kustomize can read (HL114 says why)
        found: bool | None = False
        for index in range(len(out.objects)):
            if out.deleted(index):
                continue
            matched = smp_matches(out, index, wanted)
            if matched:
                out.patch(index, body, source, loose)
                found = True
            elif matched is None and found is False:
                found = None
        return found
    if not isinstance(target, dict):
        return None
    kind = target.get("kind")
    literal = kind if isinstance(kind, str) and kind.isalnum() else None  # a regex otherwise
    selected: bool | None = False
    for index, (obj, ns) in enumerate(out.objects):
        if out.deleted(index):
            continue
        current = out.current(index)
        if literal and current.get("kind") != literal and index not in out.unread:
            continue  # target_matches's first test, without the rest of its work
        matched = target_matches(target, current, ns, out.names(index), (obj.namespace, ns))
        if matched:
            out.patch(index, body, source, loose)
            selected = True
        elif (matched is None or index in out.unread) and selected is False:
            selected = None
    if selected is False and any("$" in str(value) for value in target.values()):
        return None  # a parent's substitution may have written the target (spec.patches of a child)
    return selected


def smp_matches(out: BuildOut, index: int, wanted: PatchId) -> bool | None:
    """Whether the object at `index` has, or had earlier in the build, the id of a strategic-merge
    patch without target (resWrangler.GetMatchingResourcesByAnyId with ResId.Equals over its
    previous ids and its current one); None when that is not known here: a transformer the model
    does not apply ran over it, or the patch's id holds a placeholder (a parent's substitution
    writes the spec.patches of a child Kustomization)."""
    kinds = out.kinds(index)
    if not any(kind == wanted.kind for _, _, kind in kinds):
        return False
    if index in out.unread:
        return None
    names = out.names(index, every=True)
    if wanted.name in names and any(
        wanted.equals(group, version, kind, wanted.name, ns) for group, version, kind in kinds for ns in out.namespaces(index)
    ):
        return True
    return None if "$" in wanted.name or "$" in wanted.namespace else False


def substituted_objects(ks: FluxKS) -> list[K8sObject]:
    """Objects a Flux Kustomization applies that substitution may touch (not SOPS, not opted out)."""
    seen: dict[int, K8sObject] = {}
    for applied in ks.applied:
        obj = applied.obj
        if id(obj) not in seen and not obj.is_sops and not substitution_disabled(obj.data):
            seen[id(obj)] = obj
    return list(seen.values())


def _substituted_path(text: Any, ks: FluxKS, obj: K8sObject) -> str | None:
    """A sync path as `ks` substitutes it into `obj`, when certain: its literal
    postBuild.substitute values (they win over substituteFrom, SEMANTICS 1.3) and defaults; a
    variable substituteFrom may give, or a value its parent substitutes, is unknown; no
    substitution at all (no postBuild, opted out, no variables under WithVariables) leaves the
    `${...}` as written, which no folder is named."""
    if not isinstance(text, str):
        return None
    if "${" not in text:
        return resolve(text, {})
    pb = ks.post_build
    if pb is None or substitution_disabled(obj.data):
        return None
    inline = pb.get("substitute")
    items = inline.items() if isinstance(inline, dict) else ()
    # postBuild.substitute is a map of strings; one with `$` is the parent's to substitute first
    values = {str(k): v if isinstance(v, str) and "$" not in v else UNKNOWN_VALUE for k, v in items}
    if pb.get("substituteFrom"):
        pending = list(scan_cached(text))
        while pending:
            expr = pending.pop()
            values.setdefault(expr.name, UNKNOWN_VALUE)
            pending.extend(expr.nested)
    elif not values and pb.get("substituteStrategy") != "Always":
        return None
    return resolve(text, values)


def depends_on(spec: dict[str, Any]) -> list[tuple[int, str, str | None]]:
    """(index, name, namespace or None) of each well-formed `spec.dependsOn` entry of a Flux
    Kustomization or HelmRelease (None: the dependent's own namespace)."""
    out = []
    deps = spec.get("dependsOn")
    if isinstance(deps, list):
        for i, dep in enumerate(deps):
            if isinstance(dep, dict) and isinstance(dep.get("name"), str):
                ns = dep.get("namespace")
                out.append((i, dep["name"], ns if isinstance(ns, str) and ns else None))
    return out


def _overlay(data: dict[str, Any], edits: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    """`data` (or the patched object) with each field path set (missing maps created); what is not
    edited is shared with `data`, so the result is read, never changed."""
    whole = edits.get(WHOLE)
    result = whole if isinstance(whole, dict) else data
    for path, value in edits.items():
        if path in MARKS:
            continue
        if any(part.startswith("[") or part.isdigit() or part == "*" for part in path):
            result = _set_in_lists(result, path, value)
            continue
        result = node = dict(result)  # copied along the edited path only: the rest is shared, never changed
        for part in path[:-1]:
            child = node.get(part)
            child = dict(child) if isinstance(child, dict) else {}
            node[part] = child
            node = child
        node[path[-1]] = copy.deepcopy(value)
    return result


def _list_index(items: list[Any], part: str) -> int | None:
    """The index a kustomize field path part names in a list: `2`, or `[key=value]` (the first
    item whose field `key` is `value`)."""
    if part.isdigit():
        return int(part) if int(part) < len(items) else None
    key, eq, wanted = part[1:-1].partition("=")
    if not (part.startswith("[") and part.endswith("]") and eq):
        return None
    return next((i for i, item in enumerate(items) if isinstance(item, dict) and str(item.get(key)) == wanted), None)


def _set_in_lists(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """`data` with the field at `path` set, where parts may index lists (kustomize replacements'
    `containers.0` and `containers.[name=app]`); unchanged when a part names nothing there. What
    is not on the path is shared with `data`."""

    def put(node: Any, rest: tuple[str, ...], existing: bool = False) -> Any:
        part = rest[0]
        if isinstance(node, list) and part == "*":  # every item (where the rest of the path is)
            return [put(item, rest[1:], True) if len(rest) > 1 else copy.deepcopy(value) for item in node]
        if isinstance(node, list):
            index = _list_index(node, part)
            if index is None:
                return node
            copied = list(node)
            copied[index] = copy.deepcopy(value) if len(rest) == 1 else put(node[index], rest[1:])
            return copied
        if isinstance(node, dict) and not part.startswith("["):
            if (len(rest) > 1 or existing) and part not in node:
                return node
            copied_map = dict(node)
            copied_map[part] = copy.deepcopy(value) if len(rest) == 1 else put(node[part], rest[1:], existing)
            return copied_map
        return node

    result = put(data, path)
    return result if isinstance(result, dict) else data


def _affixed(data: dict[str, Any], affix: tuple[str, str], written: str) -> dict[str, Any]:
    """An object with kustomize's namePrefix/nameSuffix added to its metadata.name."""
    meta = data.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) else written
    return {**data, "metadata": {**meta, "name": f"{affix[0]}{name}{affix[1]}"}}


def _nonempty(value: Any) -> str | None:
    """A spec field the generator writes into the kustomization: a string Flux accepts (its CRD
    requires at least one character)."""
    return value if isinstance(value, str) and value else None


def _edited(data: dict[str, Any], edits: FluxEdits) -> dict[str, Any]:
    """A kustomization as kustomize-controller's generator writes it: targetNamespace,
    namePrefix and nameSuffix replace its own (FluxEdits)."""
    fields = {"namespace": edits.namespace, "namePrefix": edits.prefix, "nameSuffix": edits.suffix}
    changed = {key: value for key, value in fields.items() if value is not None}
    return {**data, **changed} if changed else data


def _meta_name(data: Any) -> Any:
    meta = data.get("metadata") if isinstance(data, dict) else None
    return meta.get("name") if isinstance(meta, dict) else None


def _read_node(data: dict[str, Any], namespace: str | None, field_path: str) -> Any:
    """A replacement source's field, any node (kyaml Lookup: map keys, list indexes, `[key=value]`
    the first item whose field is the value); Unknown when missing or not read here (`*`)."""
    node: Any = _with_namespace(data, namespace)
    for part in field_parts(field_path):
        if isinstance(node, list) and part != "*":
            index = _list_index(node, part)
            node = node[index] if index is not None else None
        elif isinstance(node, dict) and not part.startswith("[") and part != "*":
            node = node.get(part)
        else:
            raise Unknown
        if node is None:
            raise Unknown  # kustomize: "fieldPath ... is missing for replacement source"
    return node


def _selected(out: BuildOut, target: dict[str, Any]) -> Iterator[tuple[int, bool | None]]:
    """(index, whether certain) of each object of the build a replacement target may select and
    its `reject` may keep: True when it surely does; None when a selector cannot be judged."""
    reject = target.get("reject")
    rejects: list[Any] = reject if isinstance(reject, list) else []
    select = target.get("select")
    for index, (_, ns) in enumerate(out.objects):
        current = out.current(index)
        names = out.names(index, every=True)  # replacements match any id the object had (utils.MakeResIds)
        # kustomize fails without a select ("target must specify resources to select"): not judged
        chosen = target_matches(select, current, ns, names) if isinstance(select, dict) else None
        if chosen is False:
            continue
        kept = [target_matches(r, current, ns, names) for r in rejects]
        if any(kept):
            continue
        yield index, None if chosen is None or None in kept else True


def _tops_above(directory: str, includers: dict[str, list[str]]) -> list[str]:
    """The kustomization folders a root found in `directory` is applied from: the folders that
    include it (`includers`, at any depth) and that nothing includes, as `kubectl apply -k` runs on
    an overlay of a base (each overlay one cluster, each patching the base as it applies it);
    `directory` itself when nothing includes it (or every folder above it is in a cycle of
    includes)."""
    tops: list[str] = []
    seen, stack = {directory}, [directory]
    while stack:
        folder = stack.pop()
        above = includers.get(folder, [])
        if not above:
            tops.append(folder)
        for up in above:
            if up not in seen:
                seen.add(up)
                stack.append(up)
    return sorted(tops) or [directory]


def _related(a: Pointer, b: Pointer) -> bool:
    """One pointer is the other or below it."""
    return a[: len(b)] == b or b[: len(a)] == a


_FIELD_PART = re.compile(r"\[[^\]]*\]|[^.\[]+")


def field_parts(field_path: str) -> tuple[str, ...]:
    """A kustomize field path split into its parts: `spec.containers.[name=app].image` ->
    (spec, containers, [name=app], image)."""
    return tuple(_FIELD_PART.findall(field_path))


def parent_vars(repo: Repo, ks: FluxKS) -> dict[str, str]:
    pb = ks.post_build
    if not pb:
        return {}
    return variables_of(repo, ks).values


# --- FluxInstance syncs -----------------------------------------------------------------------
def sync_kustomization(ref: SourceRef, sync_path: str) -> dict[str, Any]:
    """The Flux Kustomization flux-operator makes for a FluxInstance's sync (controlplaneio-fluxcd/
    flux-operator internal/builder/templates.go, syncTmpl): named and namespaced as the sync's
    source, with interval, path, prune and sourceRef only: no postBuild, no decryption, no
    targetNamespace, no wait, timeout or force."""
    return {
        "apiVersion": f"{FLUX_KS_GROUP}/v1",
        "kind": "Kustomization",
        "metadata": {"name": ref.name, "namespace": ref.namespace},
        "spec": {
            "interval": "10m0s",
            "path": sync_path,
            "prune": True,
            "sourceRef": {"kind": ref.kind, "name": ref.name},
        },
    }


def maker_label(maker: K8sObject) -> str:
    """The instance a sync Kustomization is made for, in words."""
    if maker.kind == "HelmRelease":
        return f"HelmRelease {maker.name}"
    return f"FluxInstance {maker.name}" if maker.data else f"the flux-instance values in {maker.path}"


def instance_patches_at(maker: K8sObject) -> str:
    """Where a patch of the sync Kustomization goes, in words (for fixes)."""
    if maker.kind == "HelmRelease":
        return f"spec.values.instance.kustomize.patches of HelmRelease {maker.name}"
    return f"spec.kustomize.patches of FluxInstance {maker.name}" if maker.data else f"instance.kustomize.patches in {maker.path}"


def _instance_patches(data: dict[str, Any], kind: str) -> list[Any] | None:
    """The kustomize patches of a FluxInstance (or flux-instance HelmRelease) as written ([] for
    none), which flux-operator appends to the kustomization that builds the instance, sync.yaml
    included; None when they are not known. A HelmRelease's values must be its own: valuesFrom may
    bring patches (its inline values replace a list they set), and a post-renderer may patch the
    FluxInstance. The chart values of a file (no object) are not known to be all the values."""
    spec = data.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    if kind == "HelmRelease":
        values = spec.get("values")
        instance = values.get("instance") if isinstance(values, dict) else None
        custom = instance.get("kustomize") if isinstance(instance, dict) else None
        if spec.get("postRenderers") or (spec.get("valuesFrom") and not (isinstance(custom, dict) and "patches" in custom)):
            return None
    elif kind == "FluxInstance" and data:
        custom = spec.get("kustomize")
    else:
        return None
    if custom is None:
        return []
    patches = custom.get("patches") if isinstance(custom, dict) else custom
    if patches is None:
        return []
    return patches if isinstance(patches, list) else None


# fields of the sync Kustomization the model placed it by: a patch that may change them is not followed
_SYNC_PLACED = (
    ("spec", "path"),
    ("spec", "sourceRef"),
    ("metadata", "name"),
    ("metadata", "namespace"),
    ("kind",),
    ("apiVersion",),
)


def patched_sync(data: dict[str, Any], patches: list[Any], name: str, namespace: str) -> dict[str, Any] | None:
    """The sync Kustomization flux-operator writes (`data`) after the instance's patches that select
    it; None when one may select it and the model cannot apply it surely (a label selector, a `$`,
    a patch that does not parse or fails, or one that changes where the sync is or what it builds
    from: _SYNC_PLACED)."""
    out = data
    for patch in patches:
        if not _may_select_sync(patch, name, namespace):
            continue
        bodies = _sure_sync_bodies(patch, out, name, namespace)
        if bodies is None:
            return None
        for body in bodies:
            result, rec = apply_patch(out, body)
            if not isinstance(result, dict) or rec.failure is not None or rec.loose:
                return None
            if any(dig(result, field) != dig(out, field) for field in _SYNC_PLACED):
                return None
            out = result
    return out


def _sure_sync_bodies(patch: Any, sync: dict[str, Any], name: str, namespace: str) -> list[Any] | None:
    """The bodies of a patch that surely selects the sync Kustomization `sync` (a JSON6902 list, or
    strategic-merge documents), None when that is not sure."""
    if not isinstance(patch, dict) or not isinstance(patch.get("patch"), str):
        return None
    parsed = parse_bytes("<patch>", patch["patch"].encode())
    docs = [doc for doc in parsed.docs if doc is not None]
    if parsed.problems or not docs:
        return None
    target = patch.get("target")
    if target is None:  # each strategic-merge document names the sync (a JSON6902 list needs a target)
        for doc in docs:
            meta = doc.get("metadata") if isinstance(doc, dict) else None
            api = doc.get("apiVersion") if isinstance(doc, dict) else None
            if not isinstance(meta, dict) or not isinstance(api, str) or api.split("/", 1)[0] != FLUX_KS_GROUP:
                return None
            if doc.get("kind") != "Kustomization" or meta.get("name") != name or meta.get("namespace", namespace) != namespace:
                return None
        return docs
    if not isinstance(target, dict) or any("$" in str(value) for value in target.values()):
        return None
    if set(target) & {"labelSelector", "annotationSelector"}:
        return None  # the labels flux-operator's template gives the sync are not modelled
    if target_matches(target, sync, namespace) is not True:
        return None
    if len(docs) == 1 and isinstance(docs[0], list):
        return docs
    return docs if len(docs) == 1 and isinstance(docs[0], dict) else None


def _may_select_sync(patch: Any, name: str, namespace: str) -> bool:
    """Whether one kustomize patch may select the sync Kustomization: its target (kind, group,
    version, name, namespace as kustomize's anchored regexes; a label or annotation selector is
    not judged), or without a target the kind and name of each strategic-merge document."""
    if not isinstance(patch, dict):
        return True
    target = patch.get("target")
    sync = {"apiVersion": f"{FLUX_KS_GROUP}/v1", "kind": "Kustomization", "metadata": {"name": name, "namespace": namespace}}
    if target is None:
        text = patch.get("patch")
        docs = parse_bytes("<patch>", text.encode()).docs if isinstance(text, str) else []
        if not docs:
            return True
        for doc in docs:
            if not isinstance(doc, dict):
                return True
            meta = doc.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            kind, own = doc.get("kind"), meta.get("name")
            if not isinstance(kind, str) or "$" in kind:
                return True
            if kind == "Kustomization" and (not isinstance(own, str) or own == name or "$" in own):
                return True
        return False
    if not isinstance(target, dict) or any("$" in str(value) for value in target.values()):
        return True
    fields = {key: target[key] for key in ("kind", "group", "version", "name", "namespace") if key in target}
    return target_matches(fields, sync, namespace) is not False


# --- patches --------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _patch_body(text: str) -> Any:
    """The first document of an inline patch (parsed once: many children share one parent patch)."""
    parsed = parse_bytes("<patch>", text.encode())
    return parsed.docs[0] if parsed.docs else None


@lru_cache(maxsize=256)
def patch_documents(text: str) -> tuple[tuple[int, Any], ...]:
    """(position, document) of each document of an inline patch that is not empty: kustomize
    applies every one (PatchTransformer smPatches; a JSON6902 patch is one document)."""
    parsed = parse_bytes("<patch>", text.encode())
    return tuple((part, doc) for part, doc in enumerate(parsed.docs) if doc is not None)


def _renamed_by(item: dict[str, Any], body: Any) -> str | None:
    """The name a strategic-merge patch with a target gives the objects it patches when its
    options allow a name change (kustomize's PatchTransformer, options.allowNameChange); None
    otherwise (the patch's own name only selects)."""
    options = item.get("options")
    if not isinstance(options, dict) or options.get("allowNameChange") is not True or not isinstance(body, dict):
        return None
    meta = body.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name and item.get("target") else None


def unreadable_file_entry(repo: Repo, kd: KustomizeDir, *fields: str) -> bool:
    """Whether an entry of the kustomization's `fields` names a file (`path:`, or a
    patchesStrategicMerge path) that is not there or does not parse: kustomize fails the build on
    it, and the model does not know what that entry would change."""
    for key in fields:
        items = kd.data.get(key)
        for item in items if isinstance(items, list) else []:
            path = item.get("path") if isinstance(item, dict) else item if key == "patchesStrategicMerge" else None
            if not isinstance(path, str) or "\n" in path or is_remote(path):
                continue
            target = join(kd.dir, path)
            if target not in repo.files.all_files or repo.invalid_yaml(target):
                return True
    return False


def flux_patches(ks: FluxKS) -> tuple[tuple[str, str, PatchSource], ...]:
    """(target as JSON or "", patch text, where it is) of each of a Flux Kustomization's
    `spec.patches` (the generator appends them to the `patches:` of the kustomization it builds:
    FluxEdits). A patch a parent injected is shown at the Kustomization."""
    patches = ks.spec.get("patches")
    out: list[tuple[str, str, PatchSource]] = []
    for index, patch in enumerate(patches if isinstance(patches, list) else []):
        if not isinstance(patch, dict) or not isinstance(patch.get("patch"), str) or ks.obj is None:
            continue
        at: tuple[str | int, ...] = ("spec", "patches", index, "patch") if own_patch(ks, index) else ("metadata", "name")
        target = patch.get("target")
        key = json.dumps(target, sort_keys=True, default=str) if target is not None else ""
        out.append((key, patch["patch"], PatchSource(ks.obj.path, ks.obj.doc, at, True)))
    return tuple(out)


def own_patch(ks: FluxKS, index: int) -> bool:
    """Whether entry `index` of the Kustomization's applied spec.patches is the one its own file
    writes there (the same patch text), not one a parent's patch added."""
    patches, own = ks.spec.get("patches"), ks.obj.spec.get("patches") if ks.obj is not None else None
    if not isinstance(patches, list) or not isinstance(own, list) or index >= min(len(patches), len(own)):
        return False
    entry, written = patches[index], own[index]
    return isinstance(entry, dict) and isinstance(written, dict) and written.get("patch") == entry.get("patch")


def _skipped_list(skipped: dict[SourceRef, int]) -> str:
    """'source (count), ...' of the Kustomizations not followed, the first five sources."""
    names = ", ".join(f"{ref} ({n})" for ref, n in sorted(skipped.items())[:5])
    return names + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
