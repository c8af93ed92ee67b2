"""HL112-HL117, HL604, HL605, HL608: a Flux dry run without a cluster.

Each rule predicts a failure (or a silent misbehaviour) that kustomize-controller, helm-controller or
the API server would report, from a static reading of the repository. rules/FAILURES.md lists every
failure reason of the controllers and says which rule covers it.

This module reads the Flux model (`ctx.flux.applied`, `ctx.flux.kustomizations`, `ctx.flux.build`)
and `repo.kustomize_dirs`; what the model does not expose it computes here:
- the objects a kustomization's `patches` can see (its directory's build, the builds that include a
  Component, and the Flux Kustomizations whose `spec.path` it is),
- the names generators add to a build, and whether a build holds objects no static reading can see
  (remote resources, plugin generators/transformers),
- Kubernetes label-selector matching with the full grammar (`=`, `==`, `!=`, `in`, `notin`, `key`,
  `!key`), lenient where the labels are not knowable.
"""

from __future__ import annotations

import fnmatch
import itertools
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from functools import cache
from typing import Any

from homelint.core.context import Context
from homelint.core.k8snames import SEGMENT, NameRule, name_problem, name_rule
from homelint.core.model import Finding, K8sObject, dig, sops_opaque
from homelint.core.regex import linear
from homelint.core.resources import schema
from homelint.core.substitution import resolve, substitution_disabled, written_plain
from homelint.core.wording import with_article
from homelint.loading.safeio import printable
from homelint.loading.yamlload import parse_bytes
from homelint.model.flux import (
    BOOTSTRAP,
    FLUX_KS_GROUP,
    Applied,
    FluxKS,
    FluxModel,
    GeneratorFailure,
    PatchFailure,
    ReplacementFailure,
    remote_cluster,
)
from homelint.model.kindschemas import SCHEMAS
from homelint.model.kustomize import Entry, KustomizeDir, is_remote, join
from homelint.model.patches import OpFailure, PatchSource
from homelint.model.refs import POD_SPEC_PATHS, name_pattern
from homelint.model.targets import PatchId, SelectorError, parse_failure, parse_selector, patch_id
from homelint.model.targets import target_matches as selects
from homelint.model.variables import variables_of
from homelint.model.withheld import EXCLUDED, IF_NOT_PRESENT, any_in_metadata
from homelint.rules.common import (
    CHART_SOURCE_KIND,
    MANIFEST_EXTENSIONS,
    NOT_JSON,
    POST_BUILD,
    TARGET_NAMESPACE,
    WORKLOAD_GROUPS,
    applied_once,
    bounded,
    chart_ref_fix,
    cluster_scoped,
    dropped_document_file,
    has_flux,
    listed_beside_missing,
    manifest_objects,
    missing_entry,
    missing_entry_in,
    parsed_inline,
    post_renderer_entries,
    spec_fix,
    string_maps,
    templated_value,
    unapplied_texts,
    unbuildable,
    unparsable_patch,
)
from homelint.rules.controllers import instance_spec, instances_of
from homelint.rules.fixing import each, fixes, quote_plain
from homelint.rules.registry import check
from homelint.rules.wiring import _certain_origins, _nearest, _variables_used, namespaced


def identity(applied: Any) -> tuple[str, str, str, str]:
    """(group, kind, namespace, name) of an applied object on the cluster, named as the build names
    it (Applied.name): a Namespace object renamed to the namespace its kustomization sets (a
    `namespace:`, a Flux targetNamespace; a NamespaceTransformer only through a `metadata/name`
    fieldSpec of kind Namespace), others by namePrefix/nameSuffix, a generator's hash or a patch;
    post-build substitution makes the name of any."""
    obj = applied.obj
    if obj.kind == "Namespace" and obj.group == "":
        return ("", "Namespace", "", applied.name)
    return (obj.group, obj.kind, "" if cluster_scoped(obj) else applied.ns, applied.name)


def _label(ident: tuple[str, str, str, str]) -> str:
    _group, kind, ns, name = ident
    return f"{kind} {ns + '/' if ns else ''}{name}"


# --- HL112 shared-object ------------------------------------------------------------------------
GROUP_AT = 5  # this many objects shared by the same Kustomizations are one finding


def reapplied(applied: Any) -> bool:
    """Whether its Flux Kustomization server-side applies the object at every reconcile: not when
    its metadata (after the Kustomization's `spec.commonMetadata`, which overrides the object's
    keys) asks to create it only if absent (`kustomize.toolkit.fluxcd.io/ssa: IfNotPresent`), or
    never to apply it (model.withheld: such objects are not in the model's applied list at all).
    Its Kustomization never sets its own owner labels on an object another one applied, and prunes
    only objects that carry them, so such a copy neither takes nor deletes it."""
    ks_data = applied.ks.data if applied.ks is not None else None
    return not any_in_metadata(applied.obj.data, ks_data, IF_NOT_PRESENT + EXCLUDED)


PRUNE_DISABLED = (("kustomize.toolkit.fluxcd.io/prune", "disabled"),)


def prune_kept(applied: Any) -> bool:
    """Whether kustomize-controller's garbage collection skips the object: its labels or
    annotations (as applied) hold kustomize.toolkit.fluxcd.io/prune: disabled."""
    return any_in_metadata(applied.obj.data, applied.ks.data if applied.ks is not None else None, PRUNE_DISABLED)


def _fight(items: list[Any], it: str = "it", its: str = "its") -> str:
    """What Kustomizations applying the same objects (`items`, as each applies them) do to them."""
    if all(prune_kept(a) for a in items):
        return (
            f"each claims {it} at every reconcile: the last one to apply wins {its} fields and {its} "
            "kustomize.toolkit.fluxcd.io/name labels (kustomize.toolkit.fluxcd.io/prune: disabled keeps "
            f"any of them from deleting {it})"
        )
    return f"they take {it} from each other at every reconcile, and pruning one deletes what the other applies"


def _until_decrypted(ctx: Context, kss: list[Any]) -> str:
    """When some of `kss` refuse their whole apply today for a SOPS object they cannot decrypt
    (HL117), that this starts once they can: what they refuse to apply they take from no one."""
    refusing = sorted({ks.label for ks in kss if ks.key in refusing_sops(ctx)})
    if not refusing:
        return ""
    return (
        f" (once {bounded(refusing)} can decrypt: today {'they refuse' if len(refusing) > 1 else 'it refuses'} "
        "the whole apply for a SOPS-encrypted object, HL117)"
    )


def _substituted(applied: Any, ctx: Context) -> bool:
    """Whether the name and namespace the object is applied with are known after its Flux
    Kustomization's post-build substitution (the model resolves `${VAR}` there, as
    kustomize-controller's build() runs fluxcd/pkg SubstituteVariables on every object before the
    apply): none left templated, and a templated one only where substitution runs at all."""
    if "${" in applied.name or "${" in (applied.namespace or ""):
        return False  # a variable the repository does not show (undefined, or from a store)
    obj = applied.obj
    if "${" not in obj.name and "${" not in (obj.namespace or ""):
        return True
    return applied.ks.post_build is not None and variables_of(ctx.repo, applied.ks).substitutes


def _if_guessed(ctx: Context, kss: list[Any]) -> str:
    """The condition a finding holds under when an applying chain starts at a guessed root: no
    evidence named the roots (the Flux Kustomizations nothing else applies were taken), or the root
    is a Flux Kustomization beside this repository's source that its folder's kustomization.yaml
    does not list (`kubectl apply -k` of the folder leaves it out; only applying its own file
    applies it; where that file lists another one beside the source, the model took that one as
    the root instead: FluxModel._bootstrap_listed). "" when every chain starts at a root the evidence names."""
    flux, repo = ctx.flux, ctx.repo
    guessed: list[str] = []
    lists: list[str] = []  # the kustomization.yaml beside each root beside the source, which does not list it
    for root in sorted({ks.root for ks in kss if ks.root}):
        if not flux.roots_known:
            guessed.append(f"the folder {root or '.'}" if root in repo.files.dirs or root == "" else root)
            continue
        kd = repo.kustomize_dirs.get(posixpath.dirname(root))
        objects = repo.objects_by_file.get(root, [])
        by_hand_only = bool(objects) and all(key.startswith(BOOTSTRAP) for o in objects for key in o.applied_by)
        if by_hand_only and kd is not None and all(e.target != root for e in kd.entries):
            guessed.append(root)
            lists.append(kd.file)
    if not guessed:
        return ""
    one = len(guessed) == 1
    named = " and ".join(guessed[:3]) + (f" and {len(guessed) - 3} more" if len(guessed) > 3 else "")
    it, its = ("it", "a guessed root") if one else ("them", "guessed roots")
    if lists:
        why = (
            f"{'it is' if one else 'they are'} beside this repository's source and nothing in the repository applies "
            f"{it}, but {' and '.join(lists[:3])} {'does' if one else 'do'} not list {it}"
        )
    else:
        why = f"nothing in the repository applies {it}; see the note"
    return f"if {named} {'is' if one else 'are'} applied ({its}: {why}): "


@check("HL112", needs_flux=True)
def shared_object(ctx: Context) -> Iterator[Finding]:
    """Two Flux Kustomizations apply the same object: they fight over it (SSA ownership and the
    kustomize.toolkit.fluxcd.io/name label flip at every reconcile) and one prunes the other's.
    Only Kustomizations of one cluster are compared: each cluster's kustomize-controller applies
    to its own API server, so a copy another cluster applies is another object (guessed roots may
    be one cluster: _scope)."""
    owners: dict[tuple[str, tuple[str, str, str, str]], dict[str, Any]] = defaultdict(dict)
    for applied in ctx.flux.applied:
        ks, obj = applied.ks, applied.obj
        if ks is None or (ks.obj is None and not ks.synced) or not applied.name or not _substituted(applied, ctx):
            continue  # the bootstrap applies roots by hand; a name its variables leave unknown is no one's
        if ks.target:
            continue  # applied to another cluster (spec.kubeConfig)
        if unbuildable(ctx, ks) is not None:
            continue  # its build fails before anything is applied: it takes the object from no one
        if applied.namespace is None and not cluster_scoped(obj):
            continue  # no namespace the model can see (HL110, or one set in a way it does not evaluate)
        if not reapplied(applied):
            continue  # created once, or never applied: it takes the object from no one
        # a FluxInstance's sync is the Kustomization flux-operator makes, named as its source: one
        # in its path that defines that Kustomization is it, applying itself; keyed by cluster, as
        # each cluster (root) has its own API server (another cluster's sync applies its own copy)
        cluster = _scope(ctx, ks)[0]
        owners[(cluster, identity(applied))].setdefault(f"{ks.namespace}/{ks.name}" if ks.obj is None else ks.key, applied)
    shared = {place: by_ks for place, by_ks in owners.items() if len(by_ks) >= 2}
    by_owners: dict[tuple[str, tuple[str, ...]], list[tuple[str, tuple[str, str, str, str]]]] = defaultdict(list)
    for place, by_ks in shared.items():
        by_owners[(place[0], tuple(sorted(by_ks)))].append(place)
    for (_cluster, keys), idents in sorted(by_owners.items()):
        if len(idents) < GROUP_AT:
            continue
        # one cause (a folder built by two Kustomizations): one finding, at the second one
        kss = sorted({a.ks for place in idents for a in shared[place].values()}, key=lambda k: k.key)
        where = kss[1].obj if kss[1].obj is not None else shared[idents[0]][keys[1]].obj
        names = ", ".join(_label(i) for _, i in sorted(idents)[:3])
        yield ctx.at(
            "HL112",
            where,
            ("metadata", "name"),
            f"{_if_guessed(ctx, kss)}{len(idents)} objects ({names}, ...) are applied by each of "
            f"{', '.join(k.label for k in kss)}; "
            + _fight([a for place in idents for a in shared[place].values()], "them", "their")
            + _until_decrypted(ctx, kss),
            fix="build each folder from one Flux Kustomization only, and let the others dependsOn it",
            key=f"HL112/group/{'/'.join(keys)}",
            related=sorted({a.obj.path for place in idents for a in shared[place].values()})[:50],
        )
        for place in idents:
            del shared[place]
    for (_cluster, ident), by_ks in sorted(shared.items()):
        items = sorted(by_ks.values(), key=lambda a: (a.obj.path, a.obj.doc, a.ks.key))
        first, second = items[0], items[1]
        others = ", ".join(sorted(a.ks.label for a in items))
        one_document = (first.obj.path, first.obj.doc) == (second.obj.path, second.obj.doc)  # one file, built twice
        also = "" if one_document else f" (also {first.obj.path}:{ctx.repo.obj_span(first.obj).line})"
        yield ctx.at(
            "HL112",
            second.obj,
            ("metadata", "name"),
            f"{_if_guessed(ctx, [a.ks for a in items])}{_label(ident)} is applied by {len(items)} Flux Kustomizations "
            f"({others}); {_fight(items)}{_until_decrypted(ctx, [a.ks for a in items])}{also}",
            fix="apply each object from one Flux Kustomization only: move it to a shared folder applied once, "
            "and let the others dependsOn that Kustomization",
            key=f"HL112/{'/'.join(ident)}",
            related=sorted(
                ({a.obj.path for a in items} - ({second.obj.path} if one_document else set()))
                | {a.ks.obj.path for a in items if a.ks.obj is not None}
            ),
        )


# --- HL113 namespace-not-created -----------------------------------------------------------------
BUILTIN_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease", "flux-system"}


def _resolved(text: str, ks: FluxKS | None, ctx: Context) -> str | None:
    if "${" not in text:
        return text
    if ks is None or ks.post_build is None:
        return None
    return resolve(text, variables_of(ctx.repo, ks).values)


Scope = tuple[str, str]  # (cluster, spec.kubeConfig target): where a namespace exists


def _scope(ctx: Context, ks: FluxKS | None) -> Scope:
    """Where what `ks` applies goes: its cluster (a Flux root; each cluster has its own namespaces),
    and the cluster its spec.kubeConfig names ("" for the one Flux runs in). With guessed roots
    (no evidence named them) they may be one cluster: all count as one."""
    if ks is None:
        return ("", "")
    return (ks.cluster if ctx.flux.roots_known else "", ks.target)


def _scope_label(scope: Scope) -> str:
    cluster, target = scope
    root = f"the root {cluster}" if cluster else "the repository root"
    return f"{root} (spec.kubeConfig {target})" if target else root


@dataclass
class Created:
    """The namespaces something applied creates in one scope."""

    names: set[str]
    patterns: list[str]  # of templated names whose variables are unknown
    declares: bool = False  # whether any Namespace object is applied there
    # Flux Kustomizations there that build from a source homelint did not follow: what they
    # apply (Namespaces too) is not seen, so no namespace there is known to be missing
    unfollowed: list[FluxKS] = field(default_factory=list)


def _created_namespaces(ctx: Context) -> tuple[dict[Scope, Created], set[str]]:
    """(per scope, what something applied creates there; namespaces of FluxInstances the
    repository holds, wherever they are applied). A Flux Kustomization that builds from a source
    homelint did not follow (another GitRepository, an OCIRepository, ...) counts as creating its
    targetNamespace, and may create any other namespace of its scope: kustomize-controller applies
    the Namespaces of its build first (fluxcd/pkg ssa ApplyAllStaged, utils.IsClusterDefinition)."""
    by_scope: dict[Scope, Created] = {}

    def add(name: str, ks: FluxKS | None, created: Created) -> None:
        """A created namespace, or the pattern of one whose name needs unknown variables."""
        resolved = _resolved(name, ks, ctx)
        if resolved is None:
            created.patterns.append(name_pattern(name))
        else:
            created.names.add(resolved)

    for applied in ctx.flux.applied:
        obj = applied.obj
        scope = _scope(ctx, applied.ks)
        created = by_scope.get(scope)
        if created is None:
            created = by_scope[scope] = Created(set(BUILTIN_NAMESPACES), [])
        if obj.kind == "Namespace" and obj.group == "":
            created.declares = True
            add(identity(applied)[3], applied.ks, created)
        elif obj.kind == "HelmRelease":
            spec = obj.spec
            install = spec.get("install")
            target = spec.get("targetNamespace")
            if isinstance(install, dict) and install.get("createNamespace") is True and isinstance(target, str) and target:
                add(target, applied.ks, created)  # without targetNamespace the release namespace is the HelmRelease's own
        elif obj.kind == "FluxInstance":
            created.names.add(applied.ns)  # Flux runs where its instance is
        elif obj.kind == "ResourceSet" and "Namespace" in str(obj.spec.get("resources")):
            created.patterns.append(".*")  # ResourceSets template Namespaces from inputs: unknowable here
    for ks in ctx.flux.kustomizations:
        if ks.obj is None or ks.local or ks.source is None:
            continue  # followed (its objects are above), or no sourceRef Flux accepts: it applies nothing
        if not ctx.flux.source_may_exist(ks.source):
            continue  # getSource gets NotFound (HL107): it applies nothing, so it creates no namespace
        scope = _scope(ctx, ks)
        created = by_scope.get(scope)
        if created is None:
            created = by_scope[scope] = Created(set(BUILTIN_NAMESPACES), [])
        target = ks.spec.get("targetNamespace")
        if ctx.flux.serves_flux_itself(ks):  # Flux's own manifests: their one Namespace, no other
            add(target if isinstance(target, str) and target else "flux-system", None, created)
            continue
        created.unfollowed.append(ks)
        if isinstance(target, str) and target:
            add(target, None, created)  # its build lands there (its parent substituted it: FluxModel._make_ks)
    instances = {obj.namespace for obj in ctx.repo.objects if obj.kind == "FluxInstance" and obj.namespace}
    # flux-operator creates the namespace of an instance (and of its sync) with the instance
    instances |= {ks.namespace for ks in ctx.flux.kustomizations if ks.synced}
    return by_scope, instances


def namespace_unknowable(ctx: Context, ks: FluxKS) -> bool:
    """Whether the model may not see the namespace this Flux Kustomization applies to: the build
    that declares it runs `replacements`/`transformers`/`vars` (which can set spec.targetNamespace),
    or an ancestor's spec.patches set targetNamespace in a way the model did not apply."""
    if isinstance(ks.spec.get("targetNamespace"), str):
        return False
    kdirs = ctx.repo.kustomize_dirs
    parent = ks.parent
    if parent is not None and ks.obj is not None:
        for d in parent.dirs:
            kd = kdirs.get(d)
            rewrites = kd is not None and any(kd.data.get(k) for k in ("replacements", "transformers", "vars"))
            if rewrites and ks.obj.path in ctx.flux.gathered(d).resource_files:
                return True
    return _ancestor_patch_mentions(ks, "targetNamespace")


BOOTSTRAP_HINTS = ("kind: Namespace", 'kind: "Namespace"', "releases:", "create namespace", "create ns")


def _bootstrap_texts(ctx: Context) -> list[str]:
    """Texts of files Flux does not apply that create namespaces some other way: bootstrap
    templates with Namespace objects, helmfiles (which create their releases' namespaces), scripts."""
    return ctx.repo.memo("dryrun-bootstrap-texts", lambda: _find_bootstrap_texts(ctx))


def _find_bootstrap_texts(ctx: Context) -> list[str]:
    return [text for text in unapplied_texts(ctx, outside_flux_tree=True) if any(hint in text for hint in BOOTSTRAP_HINTS)]


def _made_by_bootstrap(ctx: Context, ns: str) -> bool:
    token = re.compile(rf"(?<![\w.-]){re.escape(ns)}(?![\w.-])")
    if any(ns in text and token.search(text) for text in _bootstrap_texts(ctx)):
        return True
    return ns in ctx.repo.memo("dryrun-looped-namespaces", lambda: _looped_namespaces(ctx))


# a namespace a bootstrap computes: `kubectl create namespace "$ns"`, `... {{base .ITEM}}`
_COMPUTED_CREATE = re.compile(r"\bcreate\s+(?:namespace|ns)\s+[\"']?(?:\$|\{\{)")
_FOLDER_NAME = re.compile(r"\bbasename\b|\{\{-?\s*base\b")
# a folder a text names: its last part after a `/`, followed by a quote, a `/` or the end of a
# word; or a name right before the `/*` of a glob of its subfolders
_PATH_PART = re.compile(r"/([\w.-]{1,253})(?=[\"'/]|(?![\w.-]))|(?<![\w.-])([\w.-]{1,253})[\"']?/\*")


def _looped_namespaces(ctx: Context) -> set[str]:
    """Namespaces a bootstrap creates by looping over folders, one per subfolder, named after it
    (cluster-template's `for app in "${apps_dir}"/*/; do ns=$(basename "$app"); kubectl create
    namespace "$ns"`, a Taskfile's `{{base .ITEM}}`): the name of each direct subfolder of a
    repository folder whose last part such a text names as a path part (`/apps"`, `/apps/*`). The
    folder variable itself is not resolved, so any folder of that name counts."""
    named: set[str] = set()
    for text in _bootstrap_texts(ctx):
        if _COMPUTED_CREATE.search(text) and _FOLDER_NAME.search(text):
            named.update(part for found in _PATH_PART.findall(text) for part in found if part)
    if not named:
        return set()
    return {
        posixpath.basename(folder)
        for folder in ctx.repo.files.dirs
        if "/" in folder and posixpath.basename(posixpath.dirname(folder)) in named
    }


def _namespace_origin(ctx: Context, applied: Any) -> tuple[K8sObject | None, str, tuple[Any, ...]]:
    """Where the namespace of this object comes from: the Flux Kustomization's targetNamespace, the
    outermost kustomization.yaml `namespace:` above its file, or its own metadata.namespace."""
    obj, ks = applied.obj, applied.ks
    target = ks.spec.get("targetNamespace") if ks is not None else None
    if isinstance(target, str) and target and ks is not None and ks.obj is not None:
        return ks.obj, ks.obj.path, ("spec", "targetNamespace")
    kdirs = ctx.repo.kustomize_dirs
    best: KustomizeDir | None = None
    for directory in ks.dirs if ks is not None else ():
        kd = kdirs.get(directory)
        if kd is None or kd.namespace is None or kd.namespace != applied.namespace:
            continue
        encloses = obj.path.startswith(kd.dir + "/") or kd.dir == ""
        if encloses and (best is None or len(kd.dir) < len(best.dir)):
            best = kd  # the outermost namespace: wins in kustomize
    if best is not None and best.namespace != obj.namespace:
        return None, best.file, ("namespace",)
    return obj, obj.path, ("metadata", "namespace")


def _unparsed_namespace(ctx: Context, ns: str) -> str | None:
    """A file a Flux build reads that does not parse (HL001) and whose text names a Namespace `ns`:
    it may be the manifest that would create it."""
    token = re.compile(rf"(?<![\w.-]){re.escape(ns)}(?![\w.-])")
    for path, text in ctx.repo.memo("dryrun-unparsed-namespaces", lambda: _unparsed_texts(ctx)):
        if token.search(text):
            return path
    return None


def _unparsed_texts(ctx: Context) -> list[tuple[str, str]]:
    """(path, text) of the files Flux builds read that do not parse and mention a Namespace."""
    repo = ctx.repo
    broken = {path for ks in ctx.flux.kustomizations if unbuildable(ctx, ks) for path in ks.files if repo.invalid_yaml(path)}
    out = []
    for path in sorted(broken):
        raw = repo.read_bytes(path)
        if raw is not None and len(raw) <= 1_000_000 and b"Namespace" in raw:
            out.append((path, raw.decode("utf-8", errors="replace")))
    return out


def _creates_namespace(obj: K8sObject) -> bool:
    install = obj.spec.get("install")
    return isinstance(install, dict) and install.get("createNamespace") is True


@check("HL113", needs_flux=True)
def namespace_not_created(ctx: Context) -> Iterator[Finding]:
    by_scope, instances = _created_namespaces(ctx)
    external = ctx.config.external_namespaces
    verdicts: dict[tuple[Scope, str], bool] = {}
    compiled: dict[Scope, re.Pattern[str] | None] = {}

    def exists(scope: Scope, ns: str) -> bool:
        if (scope, ns) not in verdicts:
            created = by_scope[scope]
            if scope not in compiled:
                patterns = created.patterns
                compiled[scope] = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
            pattern = compiled[scope]
            verdicts[(scope, ns)] = (
                ns in created.names
                or ns in instances
                or any(fnmatch.fnmatchcase(ns, p) for p in external)
                or (pattern is not None and pattern.fullmatch(ns) is not None)
                or _made_by_bootstrap(ctx, ns)
            )
        return verdicts[(scope, ns)]

    # one finding per missing namespace, at the first place that sets it (a targetNamespace, a
    # kustomization `namespace:`, or an object's own metadata.namespace); the others are named
    groups: dict[str, list[Any]] = defaultdict(list)
    places: dict[str, dict[tuple[str, str], tuple[K8sObject | None, str, tuple[Any, ...], FluxKS]]] = defaultdict(dict)
    unknowable: dict[int, bool] = {}  # by Kustomization object: clusters repeat keys
    for applied in ctx.flux.applied:
        obj, ks = applied.obj, applied.ks
        if ks is None or not ks.known:
            continue  # a bootstrap root (it may create namespaces before it), or a sync whose spec is not known
        if ks.target:
            continue  # applied to another cluster (spec.kubeConfig): its namespaces are not modelled
        scope = _scope(ctx, ks)
        if not by_scope[scope].declares:
            continue  # a cluster that keeps no Namespace in Git creates them some other way: never guess
        if unbuildable(ctx, ks) is not None:
            continue  # its build fails before anything is applied (HL001, HL601, HL114 say why)
        if ctx.flux.field_unread(ks, TARGET_NAMESPACE):
            continue  # its spec.targetNamespace may be set where the model cannot see
        if ks.obj is not None and listed_beside_missing(ctx, ks.parent, ks.obj.path):
            continue  # a file the build that applies it lists, and the repository lacks, may be the Namespace (HL101)
        if id(ks) not in unknowable:
            unknowable[id(ks)] = namespace_unknowable(ctx, ks)
        if unknowable[id(ks)]:
            continue
        # (namespace, where it is set: None for where the object's namespace comes from, which
        # is looked up only when the namespace is missing)
        wanted: list[tuple[str, tuple[K8sObject | None, str, tuple[Any, ...]] | None]] = []
        if applied.namespace and (namespaced(ctx, obj) or (obj.namespace and not cluster_scoped(obj))):
            ns = _resolved(applied.namespace, ks, ctx)
            if ns is not None:
                wanted.append((ns, None))
        if obj.kind == "HelmRelease":
            spec = obj.spec
            creates = _creates_namespace(obj) or bool(remote_cluster(spec, applied.ns))  # or another cluster's
            target = spec.get("targetNamespace")
            if isinstance(target, str) and target and not creates:
                ns = _resolved(target, ks, ctx)
                if ns is not None:
                    wanted.append((ns, (obj, obj.path, ("spec", "targetNamespace"))))
        for ns, place in wanted:
            if exists(scope, ns):
                continue
            origin, path, keys = place if place is not None else _namespace_origin(ctx, applied)
            groups[ns].append(applied)
            where = f"{origin.doc}:{'.'.join(map(str, keys))}" if origin is not None else ".".join(map(str, keys))
            places[ns].setdefault((path, where), (origin, path, keys, ks))
    for ns in sorted(groups):
        items = groups[ns]
        ordered = [places[ns][k] for k in sorted(places[ns])]
        origin, path, keys, ks = ordered[0]
        objects = sorted({f"{a.obj.kind} {a.obj.name}" for a in items})
        sample = ", ".join(objects[:3]) + (f" and {len(objects) - 3} more" if len(objects) > 3 else "")
        elsewhere = sorted({p for _, p, _, _ in ordered[1:] if p != path})
        appliers = sorted({a.ks.label for a in items})
        by = appliers[0] if len(appliers) == 1 else f"Flux ({', '.join(appliers[:3])}{' ...' if len(appliers) > 3 else ''})"
        also = f" (also set in {', '.join(elsewhere[:3])}{' ...' if len(elsewhere) > 3 else ''})" if elsewhere else ""
        mine = {_scope(ctx, a.ks) for a in items}
        other = sorted(_scope_label(scope) for scope, made in by_scope.items() if scope not in mine and ns in made.names)
        # each cluster it is missing in has a build homelint did not follow, which may create it
        unfollowed = (
            min((k for s in mine for k in by_scope[s].unfollowed), key=lambda k: (k.key, str(k.source), k.cluster))
            if all(by_scope[s].unfollowed for s in mine)
            else None
        )
        never, unless = "is never created", ""
        if unfollowed is not None:
            never = "may not be created"
            unless = (
                f"{unfollowed.label} builds from {unfollowed.source}, which homelint did not follow, and may create it; "
                "if it does not, "
            )
        message = (
            f"namespace '{ns}' {never}{' in its cluster' if other else ''}: no Namespace object, HelmRelease createNamespace, Flux "
            f"namespace or bootstrap file makes it, yet {by} applies {sample} there{also}; {unless}the apply "
            f"fails ('namespaces \"{ns}\" not found') and the Kustomization never becomes ready"
        )
        creators = sorted({a.obj.name for a in items if a.obj.kind == "HelmRelease" and _creates_namespace(a.obj)})
        if creators:
            message += (
                f"; HelmRelease {creators[0]} has install.createNamespace, but it is itself applied in '{ns}', "
                "which must exist before it"
            )
        if other:
            message += f"; the cluster of {other[0]} makes it, but a namespace of one cluster does not exist in another"
        unapplied = sorted(o.path for o in ctx.repo.objects_by_kind_name.get(("Namespace", ns), []) if not o.applied_by)
        if unapplied:
            message += f"; a Namespace '{ns}' manifest exists at {unapplied[0]}, but nothing applies it"
        elif (unparsed := _unparsed_namespace(ctx, ns)) is not None:
            message += f"; {unparsed} may hold its Namespace, but it is not valid YAML (HL001): fix that file first"
        fix = (
            f"add a Namespace '{ns}' manifest to what Flux applies (or fix the namespace name); if it is made "
            "outside Git, list it under namespaces.external in .homelint.yaml"
        )
        related = sorted({a.obj.path for a in items} | {p for _, p, _, _ in ordered})[:20]
        if origin is not None:
            finding = ctx.at("HL113", origin, keys, message, fix=fix, key=f"HL113/{ns}", related=related)
        else:
            finding = ctx.finding(
                "HL113", path, ctx.repo.span(path, 0, keys), message, fix=fix, key=f"HL113/{ns}", related=related
            )
        if unfollowed is not None:
            finding.severity = "info"  # that build may create it: not known to fail
        yield finding


# --- builds and patches (HL114, HL115) ------------------------------------------------------------
@dataclass
class Candidate:
    """An object as a kustomize patch sees it: kind, names and namespaces it may carry, labels."""

    obj: K8sObject | None
    group: str
    version: str
    kind: str
    names: set[str]
    namespaces: set[str]
    labels: dict[str, str] | None  # None: not knowable (label transformers, generated objects)
    annotations: dict[str, str] | None


class BuildView:
    """What the patches of one build see: whether it holds objects no static reading sees (remote
    bases, plugins), and its candidates, made as a patch asks for them (a cluster's build holds
    hundreds of objects, and a patch mostly matches one of the first)."""

    def __init__(self, opaque: bool = False, candidates: Iterable[Candidate] = (), renamed: bool = False) -> None:
        self.opaque = opaque  # objects no static reading sees
        self.renamed = renamed  # namePrefix/nameSuffix: the candidates' names are not all known
        self._made: list[Candidate] = []
        self._rest = iter(candidates)

    def candidates(self) -> Iterator[Candidate]:
        """Every candidate, in build order."""
        index = 0
        while True:
            if index == len(self._made):
                made = next(self._rest, None)
                if made is None:
                    return
                self._made.append(made)
            yield self._made[index]
            index += 1


def _string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}


Candidates = dict[tuple[int, str | None, bool], Candidate]  # by object, namespace, relabelled


def _build_view(
    ctx: Context, directory: str, extra: list[tuple[K8sObject, str | None]] | None = None, known: Candidates | None = None
) -> BuildView:
    """What kustomize sees when it runs the patches of the kustomization in `directory`. `known`
    shares candidates between the views of one check (an object is in the view of every build that
    includes it); a candidate is not to be changed."""
    known = {} if known is None else known
    flux = ctx.flux
    kdirs = ctx.repo.kustomize_dirs
    built = flux.gathered(directory)  # what its patches see: before its own transformers
    opaque = relabels = renamed = False
    generated: list[Candidate] = []
    for d in sorted(built.dirs):
        kd = kdirs.get(d)
        if kd is None:
            continue
        data = kd.data
        if any(data.get(k) for k in ("generators", "helmCharts")) or kd.file in flux.opaque_transformers:
            opaque = True  # a builtin namespace or patch transformer the model applied; label ones relabel
        if kd.file in flux.unread_transformers:
            relabels = True
        if any(data.get(k) for k in ("namePrefix", "nameSuffix")):
            renamed = True
        if (d != directory and any(_may_rename(p) for p in patches_of(ctx, kd))) or _replacements_may_rename(data):
            renamed = True  # kustomize selects by the current name too, which a lower patch or a replacement may have set
        if any(e.kind in ("resources", "components") and (is_remote(e.value) or "${" in e.value) for e in kd.entries):
            opaque = True
        if any(data.get(k) for k in ("commonLabels", "labels", "commonAnnotations")):
            relabels = True
        for gen_key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            items = data.get(gen_key)
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    ns = item.get("namespace") if isinstance(item.get("namespace"), str) else None
                    generated.append(
                        Candidate(None, "", "v1", kind, {item["name"]}, {ns or kd.namespace or "default"}, None, None)
                    )
    if any(dropped_document_file(ctx, path) for path in built.resource_files):
        opaque = True  # kustomize builds (and patches) a document without apiVersion the model leaves out
    applied = [*built.objects, *(extra or [])]

    def objects() -> Iterator[Candidate]:
        for obj, ns in applied:
            candidate = known.get((id(obj), ns, relabels))
            if candidate is None:
                meta = obj.metadata
                candidate = known[id(obj), ns, relabels] = Candidate(
                    obj,
                    obj.group,
                    obj.version,
                    obj.kind,
                    {obj.name},
                    {obj.namespace or "default", ns or "default"},
                    None if relabels else _string_map(meta.get("labels")),
                    None if relabels else _string_map(meta.get("annotations")),
                )
            yield candidate

    return BuildView(opaque, itertools.chain(generated, objects()), renamed)


_SELECTOR_TERM = re.compile(
    r"^\s*(?:(?P<not>!)\s*(?P<nkey>[^\s=!,()]+)"
    r"|(?P<key>[^\s=!,()]+)\s*(?:(?P<op>==|=|!=)\s*(?P<value>[^\s,()]*)"
    r"|\s+(?P<setop>in|notin)\s*\((?P<values>[^)]*)\))?)\s*$"
)


def _split_terms(selector: str) -> list[str]:
    terms: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(ch)
    terms.append("".join(current))
    return [t for t in terms if t.strip()]


def selector_matches(selector: str, labels: dict[str, str] | None) -> bool:
    """Kubernetes label-selector semantics; True (may match) when the labels are unknowable or the
    selector cannot be parsed here."""
    if labels is None or "${" in selector or any("${" in v for v in labels.values()):
        return True
    for term in _split_terms(selector):
        m = _SELECTOR_TERM.match(term)
        if m is None:
            return True
        if m.group("not"):
            if m.group("nkey") in labels:
                return False
            continue
        key = m.group("key")
        op = m.group("op")
        if op is not None:
            value = m.group("value")
            if op in ("=", "==") and labels.get(key) != value:
                return False
            if op == "!=" and labels.get(key) == value:
                return False
            continue
        setop = m.group("setop")
        if setop is None:
            if key not in labels:
                return False
            continue
        values = {v.strip() for v in m.group("values").split(",")}
        if setop == "in" and labels.get(key) not in values:
            return False
        if setop == "notin" and key in labels and labels[key] in values:
            return False
    return True


def _regex_matches(pattern: str, values: set[str]) -> bool:
    if "${" in pattern or any("${" in v for v in values):
        return True
    try:  # a Go regexp in kustomize: RE2, linear time whatever the pattern
        compiled = linear(f"^(?:{pattern})$")
    except ValueError:
        return pattern in values
    return any(compiled.search(v) for v in values)


def target_matches(target: dict[str, Any], cand: Candidate) -> bool:
    """kustomize's Selector (resmap.Select): anchored regexes for group, version, kind, name and
    namespace (original or current), label and annotation selectors."""
    for key, actual in (("group", cand.group), ("version", cand.version), ("kind", cand.kind)):
        want = target.get(key)
        if isinstance(want, str) and want and not _regex_matches(want, {actual}):
            return False
    name = target.get("name")
    if isinstance(name, str) and name and not _regex_matches(name, cand.names):
        return False
    ns = target.get("namespace")
    if isinstance(ns, str) and ns and not _regex_matches(ns, cand.namespaces):
        return False
    labels = target.get("labelSelector")
    if isinstance(labels, str) and labels and not selector_matches(labels, cand.labels):
        return False
    annotations = target.get("annotationSelector")
    return not (isinstance(annotations, str) and annotations and not selector_matches(annotations, cand.annotations))


@dataclass
class Patch:
    where: tuple[Any, ...]  # field path of the entry in its file
    target: dict[str, Any] | None
    docs: list[Any]  # parsed patch documents (a JSON6902 list, or SMP mappings); [] when unreadable
    readable: bool
    # where the model keeps each document (FluxModel.patch_outcomes), in the order of `docs`
    sources: list[PatchSource] = field(default_factory=list)
    strategic: bool = False  # a patchesStrategicMerge entry (not a `patches:` one)
    unparsable: str | None = None  # an inline patch text no YAML (or JSON) reader reads: why
    allow_name_change: bool = False  # options.allowNameChange: a strategic-merge patch may rename


def _patch_docs(
    ctx: Context, text: str | None, path: str | None, inline: PatchSource | None = None
) -> tuple[list[Any], bool, list[PatchSource]]:
    """The documents of a patch (the file at `path`, or the inline `text` at `inline`), whether
    they are readable, and where the model keeps each one (as FluxModel._bodies names them)."""
    if path is not None:
        parsed = ctx.repo.parsed.get(path)
        if parsed is not None:
            found = [(n, d) for n, d in enumerate(parsed.docs) if d is not None]
            sources = [PatchSource(path, n, (), False) for n, _ in found]
            return [d for _, d in found], not parsed.problems and not parsed.templated, sources
        raw = ctx.repo.read_bytes(path)
        if raw is None:
            return [], False, []
        text = raw.decode("utf-8", errors="replace")
    if text is None:
        return [], False, []
    parsed = parsed_inline(text)
    found = [(n, d) for n, d in enumerate(parsed.docs) if d is not None]
    sources = [dc_replace(inline, part=n) for n, _ in found] if inline is not None else []
    return [d for _, d in found], not parsed.problems, sources


def patches_of(ctx: Context, kd: KustomizeDir) -> list[Patch]:
    """kustomize_patches of `kd`, read once per run."""
    found: dict[str, list[Patch]] = ctx.repo.memo("dryrun.patches", dict)
    if kd.file not in found:
        found[kd.file] = kustomize_patches(ctx, kd)
    return found[kd.file]


def kustomize_patches(ctx: Context, kd: KustomizeDir) -> list[Patch]:
    out: list[Patch] = []
    data = kd.data
    for key in ("patches", "patchesJson6902"):
        items = data.get(key)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            target = item.get("target") if isinstance(item.get("target"), dict) else None
            if isinstance(item.get("path"), str):
                docs, ok, sources = _patch_docs(ctx, None, join(kd.dir, item["path"]))
            elif isinstance(item.get("patch"), str):
                docs, ok, sources = _patch_docs(
                    ctx, item["patch"], None, PatchSource(kd.file, kd.doc, (key, index, "patch"), True)
                )
            else:
                continue
            options = item.get("options")
            renames = isinstance(options, dict) and options.get("allowNameChange") is True
            text = item.get("patch")
            broken = unparsable_patch(text) if isinstance(text, str) else None
            out.append(Patch((key, index), target, docs, ok, sources, allow_name_change=renames, unparsable=broken))
    items = data.get("patchesStrategicMerge")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, str):
            continue
        where = ("patchesStrategicMerge", index)
        if "\n" in item:
            docs, ok, sources = _patch_docs(ctx, item, None, PatchSource(kd.file, kd.doc, where, True))
        else:
            docs, ok, sources = _patch_docs(ctx, None, join(kd.dir, item))
        out.append(Patch(where, None, docs, ok, sources, strategic=True))
    return out


def flux_patches(ctx: Context, ks: FluxKS) -> list[Patch]:
    """The spec.patches of the Flux Kustomization as kustomize-controller runs them: those written in
    it, then those its parent's build wrote into it (`where` starts with "injected": defaults such as
    "all HelmReleases get retries", meant to match only some children)."""
    out: list[Patch] = []
    obj = ks.obj
    items = obj.spec.get("patches") if obj is not None else None
    own = items if isinstance(items, list) else []
    applied = ks.spec.get("patches")  # as the parents' patches leave it
    for index, item in enumerate(own):
        if not isinstance(applied, list) or item not in applied:
            continue  # a parent's patch replaced or removed the list (HL121): kustomize-controller never runs it
        if obj is not None and isinstance(item, dict) and isinstance(item.get("patch"), str):
            target = item.get("target") if isinstance(item.get("target"), dict) else None
            inline = PatchSource(obj.path, obj.doc, ("spec", "patches", index, "patch"), True)
            docs, ok, sources = _patch_docs(ctx, item["patch"], None, inline)
            out.append(Patch(("spec", "patches", index), target, docs, ok, sources, unparsable=unparsable_patch(item["patch"])))
    for index, item in enumerate(applied if isinstance(applied, list) else []):
        if obj is None or item in own or not isinstance(item, dict) or not isinstance(item.get("patch"), str):
            continue
        target = item.get("target") if isinstance(item.get("target"), dict) else None
        # where the model keeps an injected patch's outcomes (model.flux.flux_patches)
        inline = PatchSource(obj.path, obj.doc, ("metadata", "name"), True)
        docs, ok, sources = _patch_docs(ctx, item["patch"], None, inline)
        out.append(Patch(("injected", index), target, docs, ok, sources, unparsable=unparsable_patch(item["patch"])))
    return out


def _injected_at(ctx: Context, ks: FluxKS, patch: Patch) -> tuple[Any, tuple[Any, ...]]:
    """(object, field) where an injected spec.patches entry is written: the spec.patches entry of a
    Flux Kustomization above `ks` whose patch text holds it as a value, else `ks`'s name."""
    item = ks.spec["patches"][patch.where[1]]
    for parent in itertools.islice(ks.lineage(), 1, None):
        entries = parent.obj.spec.get("patches") if parent.obj is not None else None
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict) and isinstance(entry.get("patch"), str):
                docs, _, _ = _patch_docs(ctx, entry["patch"], None)
                if any(_holds_text(doc, item["patch"]) for doc in docs):
                    return parent.obj, ("spec", "patches", index, "patch")
    assert ks.obj is not None
    return ks.obj, ("metadata", "name")


def _holds_text(value: Any, text: str) -> bool:
    """Whether `text` is a string somewhere in the parsed document `value` (walked without recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if item == text:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _injected_findings(
    ctx: Context, injected: dict[tuple[str, int, tuple[Any, ...], str, str], tuple[K8sObject, list[FluxKS]]]
) -> Iterator[Finding]:
    """One HL114 per injected patch that fails the builds of the children it was written into."""
    for (_, _, where, message, fix), (obj, children) in sorted(injected.items(), key=lambda item: repr(item[0])):
        labels = sorted({ks.label for ks in children})
        writer = "its parent's build writes" if where == ("metadata", "name") else "this patch writes"
        said = message.replace("spec.patches of {child}", f"the spec.patches {writer} into {bounded(labels)}")
        outcome = "its build fails" if len(labels) == 1 else "each of their builds fails"
        yield ctx.at("HL114", obj, where, f"{said}; {outcome} and applies nothing", fix=fix)


def _is_json6902(patch: Patch) -> bool:
    return len(patch.docs) == 1 and isinstance(patch.docs[0], list)


def _may_rename(patch: Patch) -> bool:
    """Whether the patch may change the name or namespace of what it patches: a JSON6902 operation
    on /metadata/name or /metadata/namespace (or on /metadata), or a strategic-merge patch with
    `options.allowNameChange` (otherwise kustomize keeps the patched object's name)."""
    if _is_json6902(patch):
        return any(
            isinstance(op, dict) and isinstance(op.get("path"), str) and op["path"].rstrip("/") in _NAMING_PATHS
            for op in patch.docs[0]
        )
    return patch.allow_name_change


_NAMING_PATHS = ("/metadata", "/metadata/name", "/metadata/namespace")


def _replacements_may_rename(data: dict[str, Any]) -> bool:
    """Whether a kustomization's `replacements:` may write an object's name or namespace: a target
    fieldPath of metadata.name, metadata.namespace (or metadata), or an entry read from a file."""
    entries = data.get("replacements")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or "path" in entry:
            return True
        targets = entry.get("targets")
        for target in targets if isinstance(targets, list) else []:
            paths = target.get("fieldPaths") if isinstance(target, dict) else None
            if any(
                isinstance(p, str) and p.strip(".") in ("metadata", "metadata.name", "metadata.namespace") for p in paths or ()
            ):
                return True
    return False


def _renamed(view: BuildView) -> BuildView:
    """The view as the patches after one that may rename see it: its candidates' names are not all known."""
    return BuildView(view.opaque, view.candidates(), True)


def _unmatched(ctx: Context, patch: Patch) -> list[tuple[Any, PatchSource]]:
    """The documents of a patch that found no object in every build the model ran them in
    (FluxModel.patch_outcomes), with where each is; none when one of them is not known."""
    outcomes = ctx.flux.patch_outcomes
    found = []
    for doc, source in zip(patch.docs, patch.sources, strict=False):
        seen = outcomes.get(source)
        if seen and all(outcome is False for outcome in seen):
            found.append((doc, source))
    return found


def _judge(ctx: Context, patch: Patch, view: BuildView, where_label: str) -> tuple[str, str, str] | None:
    """(rule, message, fix) when the patch fails the build or matches nothing; None if it applies."""
    if patch.unparsable is not None and patch.unparsable.startswith(NOT_JSON):
        return (
            "HL114",
            f"the inline patch in {where_label} {patch.unparsable}: kustomize fails the build ('unable to parse SM or "
            "JSON patch')",
            "write the operations as JSON (keys and strings in double quotes), or as a YAML list with one '- op:' entry per line",
        )
    if patch.unparsable is not None:
        return (
            "HL114",
            f"the inline patch in {where_label} is not valid YAML or JSON ({patch.unparsable}): kustomize fails the "
            "build ('unable to parse SM or JSON patch')",
            "fix the patch text (its indentation and quoting are read as YAML inside the block scalar)",
        )
    if not patch.readable:
        return None
    failing = _failing_form(patch, where_label)
    if failing is not None or view.opaque:
        return failing
    if not patch.docs or _is_json6902(patch) or patch.target is not None:
        return _judge_target(ctx, patch, view, where_label) if patch.target is not None else None
    for doc, _source in _unmatched(ctx, patch):
        wanted = patch_id(doc)
        if wanted is None:
            continue
        said = wanted.text()
        return (
            "HL114",
            f"patch for {wanted.kind} '{wanted.name}' in {where_label} has no target in the build: kustomize fails "
            f"('no matches for Id {said}; failed to find unique target for patch {said}')" + _id_hint(view, wanted),
            "make the patch's apiVersion, kind, metadata.name and metadata.namespace those of the object as the "
            "kustomization's resources give it (before its own namespace:, namePrefix and nameSuffix, and a Flux "
            "targetNamespace), add the object to the build, or give the patch a target:",
        )
    return None


def _failing_form(patch: Patch, where_label: str) -> tuple[str, str, str] | None:
    """HL114 for a readable patch kustomize fails on whatever the build holds: a JSON6902 list
    without a target, documents that are no strategic-merge patch, several documents and a target."""
    if patch.target is None and _is_json6902(patch):
        return (
            "HL114",
            f"a JSON6902 patch without target in {where_label}: kustomize fails ('must specify a target for JSON patch')",
            "add a target: (kind, name) naming the object the operations apply to",
        )
    if not patch.docs or _is_json6902(patch):
        return None
    unreadable = parse_failure(patch.docs)
    if unreadable is not None:
        if not patch.strategic:
            said = "'trouble configuring builtin PatchTransformer ...: unable to parse SM or JSON patch'"
        elif patch.sources and patch.sources[0].inline:
            said = (
                "kustomize then reads the entry as a file name: 'trouble configuring builtin "
                "PatchStrategicMergeTransformer ...: open ...: no such file or directory'"
            )
        else:
            said = f"'{unreadable} in object'"
        return (
            "HL114",
            f"patch in {where_label} is neither a JSON6902 list nor a strategic-merge patch kustomize can read "
            f"({unreadable}): the build fails ({said})",
            "give every document of a strategic-merge patch its kind and metadata.name (with a target:, any name "
            "will do), or write the patch as a JSON6902 list of operations",
        )
    if patch.target is not None and len(patch.docs) > 1:
        return (
            "HL114",
            f"patch in {where_label} has {len(patch.docs)} strategic-merge documents and a target: kustomize fails "
            "('Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field')",
            "split it into one `patches:` entry per document, each with its target, or remove the target so that "
            "each document patches the object its apiVersion, kind, name and namespace name",
        )
    return None


def _id_hint(view: BuildView, wanted: PatchId) -> str:
    """Why an object of the patch's kind and name is not the patch's: its apiVersion or its
    namespace; else the names of that kind the build has."""
    for cand in view.candidates():
        if cand.kind != wanted.kind or wanted.name not in cand.names:
            continue
        have = f"{cand.group}/{cand.version}" if cand.group else cand.version
        want = f"{wanted.group}/{wanted.version}" if wanted.group else wanted.version
        if (cand.group, cand.version) != (wanted.group, wanted.version):
            return (
                f"; the build's {wanted.kind} '{wanted.name}' is {have}, the patch says "
                f"{want or 'no apiVersion'} (kustomize matches group and version too)"
            )
        return (
            f"; the patch says namespace {wanted.namespace or 'default (none)'}: kustomize matches the namespace the "
            f"{wanted.kind} has when the patch runs, before the namespace: of the same kustomization (or a Flux "
            "targetNamespace) is set, and no namespace is the same as default"
        )
    same_kind = sorted({n for c in view.candidates() if c.kind == wanted.kind for n in c.names})
    return _nearest(wanted.name, same_kind) if same_kind else f"; the build has no {wanted.kind} at all"


def _judge_target(ctx: Context, patch: Patch, view: BuildView, where_label: str) -> tuple[str, str, str] | None:
    """HL115 when a patch's target selects no object of the build: by the view's candidates, or,
    as the model runs the patch, by the names and namespaces the objects have at that point."""
    if patch.target is None:
        return None
    shown = ", ".join(f"{k}={v}" for k, v in patch.target.items() if isinstance(v, str) and v)
    fix = (
        "fix the target (kind, name and namespace are exact or regular expressions; labelSelector uses label "
        "values as written), or remove the patch"
    )
    broken = _unusable_target(patch.target)
    if broken is not None:
        return (
            "HL114",
            f"patch target ({shown}) in {where_label} {broken}: kustomize cannot select by it and fails the build",
            "fix the target: kind, name and namespace are regular expressions (RE2, as Go reads them), label and "
            "annotation selectors use Kubernetes selector syntax (key=value, key in (a,b), !key)",
        )
    by_id = bool(patch.target.get("name") or patch.target.get("namespace"))  # what a rename changes
    if not (view.renamed and by_id) and not any(target_matches(patch.target, c) for c in view.candidates()):
        return (
            "HL115",
            f"patch target ({shown}) in {where_label} matches no object of the build, so the patch changes nothing"
            + _slashed_hint(patch.target),
            fix,
        )
    if patch.sources and len(_unmatched(ctx, patch)) == len(patch.sources):
        kind = patch.target.get("kind")
        templated = sorted({n for c in view.candidates() if not kind or c.kind == kind for n in c.names if "${" in n})
        why = (
            f"names are compared as written, before Flux substitutes variables after the build: the build's "
            f"{kind or 'object'} is named '{templated[0]}' then"
            if templated
            else "by the name and namespace each object has then: before the namespace:, namePrefix and nameSuffix "
            "of the same kustomization, and a Flux targetNamespace"
        )
        return (
            "HL115",
            f"patch target ({shown}) in {where_label} matches no object when kustomize runs the patch ({why}), "
            "so the patch changes nothing",
            fix + ("; a target name may be a regular expression such as '.*'" if templated else ""),
        )
    return None


TARGET_REGEX_FIELDS = ("group", "version", "kind", "name", "namespace")


_PLAIN_ID = re.compile(r"[A-Za-z0-9._/-]+")


def _slashed(target: dict[str, Any]) -> str | None:
    """The `group` or `version` of a patch target that holds a `/` and no regular-expression
    alternative or repetition (`version: apps/v1`): kustomize compares it, anchored, with an
    object's group or version, neither of which ever holds a `/`, so it selects nothing."""
    for key in ("group", "version"):
        want = target.get(key)
        if isinstance(want, str) and "/" in want and _PLAIN_ID.fullmatch(want):
            return key
    return None


def _slashed_hint(target: dict[str, Any]) -> str:
    key = _slashed(target)
    if key is None:
        return ""
    return (
        f" ({key} '{printable(target[key])}' holds a '/': a target's group and version are separate fields, "
        "as in group: apps, version: v1)"
    )


def _post_renderer_targets(ctx: Context) -> Iterator[Finding]:
    """HL115 for a HelmRelease post-renderer patch whose target's group or version holds a `/`
    (_slashed): helm-controller runs the patches with kustomize over what the chart renders
    (internal/postrender/kustomize.go adaptSelector copies group, version and kind into the
    selector), and no rendered object can match it, whatever the chart renders."""
    for obj in applied_once(ctx, "helm.toolkit.fluxcd.io", ("HelmRelease",)):
        for where, _, item in post_renderer_entries(obj):
            target = item.get("target") if isinstance(item, dict) else None
            key = _slashed(target) if isinstance(target, dict) else None
            if target is None or key is None:
                continue  # a patchesStrategicMerge item has no target
            shown = ", ".join(f"{k}={v}" for k, v in target.items() if isinstance(v, str) and v)
            group, _, version = target[key].rpartition("/")
            yield ctx.at(
                "HL115",
                obj,
                (*where, "target", key),
                f"post-renderer patch target ({printable(shown, 200)}) of HelmRelease {obj.name} matches no object "
                f"the chart renders, so the patch changes nothing{_slashed_hint(target)}",
                fix=f"split it: group: {printable(group, 60)}, version: {printable(version, 60)} (the core group is empty)",
            )


def _unusable_target(target: dict[str, Any]) -> str | None:
    """Why kustomize cannot select by a patch target (resmap.Select compiles each id field as an
    anchored Go regexp, and parses the selectors with labels.Parse), or None. A `${` part may be
    substituted by a parent first: not judged."""
    for key in TARGET_REGEX_FIELDS:
        want = target.get(key)
        if isinstance(want, str) and want and "${" not in want:
            try:
                linear(f"^(?:{want})$")
            except ValueError:
                return f"has a {key} that is not a regular expression ('{printable(want)}': 'error parsing regexp')"
    for key in ("labelSelector", "annotationSelector"):
        want = target.get(key)
        if isinstance(want, str) and want and "${" not in want:
            try:
                parse_selector(want)
            except SelectorError as exc:
                return f"has a {key} that is not a selector ('{printable(want)}': 'unable to parse requirement', {exc})"
    return None


def _includers(ctx: Context) -> dict[str, list[str]]:
    """Component directory -> directories whose kustomization (or Flux Kustomization) includes it."""
    out: dict[str, list[str]] = defaultdict(list)
    for kd in ctx.repo.kustomize_dirs.values():
        for entry in kd.entries:
            if entry.kind == "components":
                out[entry.target].append(kd.dir)
    return out


@check("HL114", "HL115", flux_builds=("HL114",))
def patches(ctx: Context) -> Iterator[Finding]:
    yield from _failing_operations(ctx)
    repo, flux = ctx.repo, ctx.flux
    flux_present = has_flux(ctx)
    by_path: dict[str, list[FluxKS]] = defaultdict(list)
    for ks in flux.kustomizations:
        if ks.obj is not None and ks.local and ks.path is not None and ks.path_exists:
            by_path[ks.path].append(ks)
    includers = _includers(ctx)
    ks_homes = _ks_component_homes(flux)
    views: dict[str, BuildView] = {}
    known: Candidates = {}

    def view_of(directory: str) -> BuildView:
        if directory not in views:
            extra: list[tuple[K8sObject, str | None]] = []
            for ks in by_path.get(directory, []):  # spec.components join the kustomization at spec.path
                extra.extend((a.obj, a.namespace) for a in ks.applied)
                extra.extend((a.obj, a.namespace) for a, _ in ks.withheld)  # patched before kustomize drops them
            views[directory] = _build_view(ctx, directory, extra, known)
        return views[directory]

    for directory, kd in sorted(repo.kustomize_dirs.items()):
        if flux_present and kd.file not in flux.applied_files:
            continue
        found = patches_of(ctx, kd)
        if not found:
            continue
        if kd.is_component:
            homes = _component_homes(directory, includers, ks_homes, repo.kustomize_dirs)
            if not homes:
                continue
            for home in homes:
                flux.build(home)  # its patches run there (FluxModel.patch_outcomes)
            including = [view_of(home) for home in homes]
            folders = {d for home in homes for d in flux.build(home).dirs} | {*homes, directory}
            view = BuildView(
                any(v.opaque for v in including),
                itertools.chain.from_iterable(v.candidates() for v in including),
                any(v.renamed for v in including),
            )
        else:
            folders = flux.build(directory).dirs | {directory}  # its patches run (FluxModel.patch_outcomes)
            view = view_of(directory)
        # kustomize reads every resource before it runs a patch: a missing one fails the build first (HL101)
        fails = missing_entry_in(ctx, folders) is not None
        renaming = False  # kustomize selects by the current name too: a patch may target what an earlier one renamed
        for patch in found:
            verdict = _judge(
                ctx, patch, _renamed(view) if renaming else view, f"{posixpath.basename(kd.file)} of {directory or '.'}"
            )
            renaming = renaming or _may_rename(patch)
            if verdict is None or (fails and not _unreadable(patch)):
                continue
            rule, message, fix = verdict
            yield ctx.finding(
                rule,
                kd.file,
                repo.span(kd.file, kd.doc, patch.where),
                message,
                fix=fix,
                key=f"{rule}/{'.'.join(map(str, patch.where))}/{message}",
            )
    seen: set[int] = set()
    kustomization_files = kustomization_files_of(ctx)
    injected: dict[tuple[str, int, tuple[Any, ...], str, str], tuple[K8sObject, list[FluxKS]]] = {}
    for ks in flux.kustomizations:
        if ks.obj is None or id(ks.obj) in seen or not ks.local or ks.path is None or not ks.path_exists:
            continue
        seen.add(id(ks.obj))
        found = flux_patches(ctx, ks)
        if not found:
            continue
        built = [(a.obj, a.namespace) for a in ks.applied] + [(a.obj, a.namespace) for a, _ in ks.withheld]
        view = _build_view(ctx, ks.path, built, known)
        broken: bool | None = None
        own = ctx.repo.kustomize_dirs.get(ks.path)  # its patches run before spec.patches
        renaming = own is not None and any(_may_rename(p) for p in patches_of(ctx, own))
        for patch in found:
            verdict = _judge(ctx, patch, _renamed(view) if renaming else view, f"spec.patches of {ks.label}")
            renaming = renaming or _may_rename(patch)
            if verdict is None:
                continue
            if broken is None:
                broken = _build_fails(ctx, ks, kustomization_files)
            if broken and not _unreadable(patch):
                continue  # the build fails before its patches (HL101, HL116 say where): what they match is not known
            if patch.where[0] == "injected":
                if verdict[0] == "HL114":  # a default meant for every child may match nothing in some (HL115: not judged)
                    obj, where = _injected_at(ctx, ks, patch)
                    key = (
                        obj.path,
                        obj.doc,
                        where,
                        verdict[1].replace(f"spec.patches of {ks.label}", "spec.patches of {child}"),
                        verdict[2],
                    )
                    injected.setdefault(key, (obj, []))[1].append(ks)
                continue
            rule, message, fix = verdict
            yield ctx.at(rule, ks.obj, patch.where, message, fix=fix)
    yield from _injected_findings(ctx, injected)
    yield from _failing_replacements(ctx)
    yield from _unmerged_generators(ctx)
    yield from _unused_instance_patches(ctx)
    yield from _failing_instance_patches(ctx)
    yield from _post_renderer_targets(ctx)


def _failing_instance_patches(ctx: Context) -> Iterator[Finding]:
    """HL114 for a FluxInstance's `spec.kustomize.patches` entry (the flux-instance chart's
    `instance.kustomize.patches`) kustomize fails on whatever it patches: flux-operator builds the
    distribution with kustomize and these patches, so the instance fails to reconcile and Flux is
    neither installed nor upgraded."""
    flux = ctx.flux
    used = {id(a.obj.source) for a in flux.applied if a.obj.kind in ("FluxInstance", "HelmRelease")}
    used |= {id(ks.maker.source) for ks in flux.kustomizations if ks.synced and ks.maker is not None}
    changed = _changed_instances(ctx)
    for obj in ctx.repo.objects:
        if id(obj) not in used or id(obj) in changed or (obj.kind == "HelmRelease" and obj.spec.get("postRenderers")):
            continue  # an instance nothing applies (an archive) installs nothing; a patch may change these
        custom, keys = _instance_custom(obj)
        patches = custom.get("patches") if isinstance(custom, dict) else None
        for index, item in enumerate(patches if isinstance(patches, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("patch"), str):
                continue
            where: tuple[str | int, ...] = (*keys, "patches", index)
            target = item.get("target") if isinstance(item.get("target"), dict) else None
            inline = PatchSource(obj.path, obj.doc, (*where, "patch"), True)
            docs, ok, sources = _patch_docs(ctx, item["patch"], None, inline)
            patch = Patch(where, target, docs, ok, sources, unparsable=unparsable_patch(item["patch"]))
            label = f"{obj.kind} {obj.namespace + '/' if obj.namespace else ''}{obj.name}"
            verdict = _judge(ctx, patch, BuildView(True, iter(()), False), f"the kustomize patches of {label}")
            if verdict is not None:
                rule, message, fix = verdict
                yield ctx.at(rule, obj, where, message, fix=fix)


def _changed_instances(ctx: Context) -> set[int]:
    """id of each FluxInstance or HelmRelease whose kustomize field a patch changes, or may (the
    model did not read the build, a transformer it does not apply may change it)."""
    return {
        id(a.obj.source)
        for a in ctx.flux.applied
        if a.obj.kind in ("FluxInstance", "HelmRelease")
        and (
            a.unread
            or a.maybe_changed
            or (a.obj.unpatched is not None and _instance_custom(a.obj)[0] != _instance_custom(a.obj.unpatched)[0])
        )
    }


def _unused_instance_patches(ctx: Context) -> Iterator[Finding]:
    """HL115 for a FluxInstance's `spec.kustomize.patches` entry (the flux-instance chart's
    `instance.kustomize.patches`) whose target is a Deployment that none of the instance's
    components is: flux-operator builds its distribution with one Deployment per listed component,
    named after it, and runs the patches over it with kustomize. Judged only for a Deployment
    target by name (group and version too), as written in an instance whose components are listed
    (controllers.instances_of), without sharding (shard Deployments have other names), a
    post-renderer, or a kustomize patch of its patches."""
    changed = _changed_instances(ctx)
    for instance in instances_of(ctx):
        obj = instance.obj
        custom, keys = _instance_custom(obj)
        if id(obj) in changed or not isinstance(custom, dict) or (obj.kind == "HelmRelease" and obj.spec.get("postRenderers")):
            continue
        patches, sharding = custom.get("patches"), custom.get("sharding")
        if not isinstance(patches, list) or sharding is not None:
            continue
        namespace = obj.namespace
        deployments = [
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace}}
            for name in instance.components
        ]
        for index, patch in enumerate(patches):
            target = patch.get("target") if isinstance(patch, dict) else None
            if not isinstance(target, dict) or target.get("kind") != "Deployment" or not _plain_target(target):
                continue
            if target.get("namespace"):
                continue  # flux-operator's docs: a target must not name one (patches run in the instance's namespace)
            if any(selects(target, d, namespace) is not False for d in deployments):
                continue
            shown = ", ".join(f"{k}={v}" for k, v in target.items() if isinstance(v, str) and v)
            name = target.get("name")
            hint = _nearest(name, list(instance.components)) if isinstance(name, str) and name else ""
            yield ctx.at(
                "HL115",
                obj,
                (*keys, "patches", index, "target"),
                f"patch target ({shown}) of {instance.label} matches none of the Deployments it installs (one per "
                f"component: {', '.join(instance.components)}), so flux-operator's build runs the patch over nothing "
                f"and it changes nothing{hint}",
                fix="fix the target (kind and name are matched against the whole Deployment name, as regular "
                "expressions), or remove the patch",
            )


def _instance_custom(obj: K8sObject) -> tuple[Any, tuple[str, ...]]:
    """(the `kustomize` mapping of an instance's fields (controllers.instance_spec), with their
    `sharding` added; where it is), or (None, ())."""
    holder, keys = instance_spec(obj)
    kustomize = holder.get("kustomize") if holder is not None else None
    if holder is None or not isinstance(kustomize, dict):
        return None, ()
    return {**kustomize, "sharding": holder.get("sharding")}, (*keys, "kustomize")


def _plain_target(target: dict[str, Any]) -> bool:
    """A target selected by group, version, kind, name and namespace only, none with `${`."""
    allowed = {"group", "version", "kind", "name", "namespace"}
    return set(target) <= allowed and all(isinstance(v, str) and "${" not in v for v in target.values())


def _unmerged_generators(ctx: Context) -> Iterator[Finding]:
    """HL114 for each generator entry with behavior merge or replace that kustomize finds no object
    to merge into, or several, in a Flux Kustomization's build (FluxKS.generator_failures), once per
    entry."""
    by_place: dict[tuple[str, int, tuple[Any, ...]], list[tuple[FluxKS, GeneratorFailure]]] = {}
    for ks in ctx.flux.kustomizations:
        for failed in ks.generator_failures:
            if failed.reason in ("missing", "multiple"):
                made = failed.obj
                by_place.setdefault((made.path, made.doc, made.anchor or ()), []).append((ks, failed))
    for (path, doc, at), found in sorted(by_place.items(), key=lambda item: repr(item[0])):
        ks, failed = found[0]
        made = failed.obj
        labels = sorted({k.label for k, _ in found})
        more = f" (and the builds of {len(labels) - 1} more Flux Kustomizations)" if len(labels) > 1 else ""
        ns = made.namespace or "default"
        if failed.reason == "missing":
            what = (
                f"finds no {made.kind} '{made.name}' in namespace {ns} to merge into (none of that name and namespace, "
                "as written or as the build has it, comes before it)"
            )
            error = "id ... does not exist; cannot merge or replace"
            fix = (
                "drop behavior (to create the object), or match the name and namespace of the object in a base "
                "(a generator entry without namespace: matches one whose namespace was not set when it was written)"
            )
        else:
            places = ", ".join(f"one of {obj.path}, in namespace {now or 'default'}" for obj, now in failed.found[:3])
            what = f"finds {len(failed.found)} {made.kind}s '{made.name}' to merge into ({places})"
            error = "found multiple objects ... that could accept merge"
            fix = "set namespace: on the generator entry to the namespace of the one to merge into"
        message = (
            f"{made.kind} generator '{made.name}' with behavior: {failed.behavior} {what}: kustomize stops with "
            f"'{error}', so the build of {ks.label}{more} fails and Flux applies none of its objects"
        )
        finding = ctx.finding("HL114", path, ctx.repo.span(path, doc, at), message, fix=fix, key=f"HL114/{path}/{doc}/{at}")
        suspended = [ctx.suspended_ks(k) for k, _ in found]
        yield ctx.held(finding, suspended[0] if all(suspended) else None)


def _failing_replacements(ctx: Context) -> Iterator[Finding]:
    """HL114 for each replacement target field kustomize fails on in a Flux Kustomization's build
    (FluxKS.replacement_failures, model/replacements.py), once per field path entry."""
    by_place: dict[tuple[str, int, tuple[Any, ...]], list[tuple[FluxKS, ReplacementFailure]]] = {}
    for ks in ctx.flux.kustomizations:
        for failed in ks.replacement_failures:
            where = failed.where
            by_place.setdefault((where.path, where.doc, where.at), []).append((ks, failed))
    for (path, doc, at), found in sorted(by_place.items(), key=lambda item: repr(item[0])):
        ks, failed = found[0]
        labels = sorted({k.label for k, _ in found})
        more = f" (and the builds of {len(labels) - 1} more Flux Kustomizations)" if len(labels) > 1 else ""
        if failed.obj is None:  # the source selects nothing
            message = (
                f"replacement source selects no object of the build: kustomize stops with '{failed.reason}', "
                f"so the build of {ks.label}{more} fails and Flux applies none of its objects"
            )
            fix = (
                f"fix the source's kind, name or namespace to name {with_article(failed.kind)} the build holds (kustomize "
                "also finds an object by the name and namespace it had before namePrefix or namespace), or add it"
            )
        else:
            target = f"{failed.kind} {failed.namespace + '/' if failed.namespace else ''}{failed.name}"
            message = (
                f"replacement target field fails on {target} ({failed.obj.path}): kustomize stops with "
                f"'{failed.reason}', so the build of {ks.label}{more} fails and Flux applies none of its objects"
            )
            fix = (
                "fix the field path or the index"
                if "specified but only" in failed.reason or "wrong node kind" in failed.reason
                else "add `options: {create: true}` to the target to make the field, select (or reject) only objects "
                "that have it, or fix the field path"
            )
        finding = ctx.finding("HL114", path, ctx.repo.span(path, doc, at), message, fix=fix, key=f"HL114/{path}/{doc}/{at}")
        suspended = [ctx.suspended_ks(k) for k, _ in found]
        yield ctx.held(finding, suspended[0] if all(suspended) else None)


def _failing_operations(ctx: Context) -> Iterator[Finding]:
    """HL114 for each JSON6902 operation kustomize fails on in a Flux Kustomization's build (the
    model records them: FluxKS.patch_failures), once per operation, at its path (or from) field."""
    by_place: dict[tuple[Any, ...], list[tuple[FluxKS, PatchFailure]]] = {}
    for ks in ctx.flux.kustomizations:
        for failed in ks.patch_failures:
            src = failed.source
            by_place.setdefault((src.path, src.doc, src.at, failed.failure.index), []).append((ks, failed))
    for (path, doc, at, index), found in sorted(by_place.items(), key=lambda item: repr(item[0])):
        ks, failed = found[0]
        op = failed.failure
        inner = (index, op.field)
        span = (
            ctx.repo.positions.inner_span(path, doc, at, inner)
            if failed.source.inline
            else ctx.repo.span(path, doc, (*at, *inner))
        )
        target = f"{failed.kind} {failed.namespace + '/' if failed.namespace else ''}{failed.name}"
        labels = sorted({k.label for k, _ in found})
        more = f" (and the builds of {len(labels) - 1} more Flux Kustomizations)" if len(labels) > 1 else ""
        shown = {"op": f"operation {index + 1}", "from": f"{op.op} from {op.path}"}.get(op.field, f"{op.op} {op.path}")
        message = (
            f"JSON6902 {shown} fails on {target} ({failed.obj.path}): kustomize stops with '{op.reason}', "
            f"so the build of {ks.label}{more} fails and Flux applies none of its objects"
        )
        finding = ctx.finding("HL114", path, span, message, fix=_failure_fix(op), key=f"HL114/{path}/{doc}/{at}/{index}")
        suspended = [ctx.suspended_ks(k) for k, _ in found]
        yield ctx.held(finding, suspended[0] if all(suspended) else None)


def _failure_fix(op: OpFailure) -> str:
    if op.field == "op":
        return "write the operation as {op: add|remove|replace|move|copy|test, path: /..., value: ...} (from: for move and copy)"
    if "missing path" in op.reason or "missing destination path" in op.reason or "missing from path" in op.reason:
        return (
            "every object the target selects must have the parent of the path: add the parent first (one `add` of "
            "the whole map or list), narrow the target (labelSelector, name), or fix the path"
        )
    if "nonexistent key" in op.reason:
        return "narrow the target to objects that have the key, or drop the operation"
    if "index" in op.reason:
        return "use an index within the list (`-` appends to it)"
    return "fix the operation, or narrow the target to the objects it applies to"


def _component_homes(
    directory: str, includers: dict[str, list[str]], ks_homes: dict[str, list[str]], kdirs: dict[str, KustomizeDir]
) -> list[str]:
    """The builds whose patches a Component's patches run with: the kustomizations and Flux
    Kustomization paths that include it, through any Components between (kustomize gives a
    Component, at any depth, the accumulator of the kustomization that includes the outermost
    one: api/internal/target/kusttarget.go accumulateDirectory). Sorted."""
    homes: set[str] = set()
    seen = {directory}
    stack = [directory]
    while stack:
        current = stack.pop()
        homes.update(ks_homes.get(current, []))
        for home in includers.get(current, []):
            outer = kdirs.get(home)
            if outer is None or not outer.is_component:
                homes.add(home)
            elif home not in seen:
                seen.add(home)
                stack.append(home)
    return sorted(homes)


def _build_fails(ctx: Context, ks: FluxKS, kustomization_files: dict[str, KustomizeDir]) -> bool:
    """Whether kustomize fails on ks's build before its spec.patches: a kustomization in it (or
    spec.components) lists a resource or component that is not there or not of its kind (HL101),
    or a kustomization file (HL116); the build then holds less than Flux would patch, and fails
    anyway."""
    if missing_entry(ctx, ks) is not None:
        return True
    for path in sorted(ks.files & kustomization_files.keys()):
        for entry in kustomization_files[path].entries:
            if entry.kind == "resources" and entry.target in kustomization_files and not is_remote(entry.value):
                return True  # a kustomization file listed as a resource (HL116)
    return False


def _unreadable(patch: Patch) -> bool:
    """Whether kustomize fails on the patch itself, whatever the build holds: a JSON6902 patch
    without target, a document that is no strategic-merge patch, several documents with a target,
    an inline text that is not YAML."""
    if patch.unparsable is not None:
        return True
    if not patch.readable or not patch.docs:
        return False
    if _is_json6902(patch):
        return patch.target is None
    return parse_failure(patch.docs) is not None or (patch.target is not None and len(patch.docs) > 1)


def _ks_component_homes(flux: FluxModel) -> dict[str, list[str]]:
    """Component directory -> the spec.path of each Flux Kustomization whose spec.components names
    it (read once, not once per component directory)."""
    out: dict[str, list[str]] = defaultdict(list)
    for ks in flux.kustomizations:
        comps = ks.spec.get("components") if ks.obj is not None and ks.path else None
        if isinstance(comps, list):
            for comp in comps:
                if isinstance(comp, str):
                    out[join(ks.path or "", comp)].append(ks.path or "")
    return out


# --- HL116 non-manifest-resource ------------------------------------------------------------------
TEMPLATE_MARKERS = ("{{", "{%", "#{", "#%", "<<")
PLUGIN_API_VERSION = "builtin"  # kustomize's builtin transformer and generator configurations


@check("HL116")
def non_manifest_resource(ctx: Context) -> Iterator[Finding]:
    repo = ctx.repo
    flux_present = has_flux(ctx)
    kustomization_files = kustomization_files_of(ctx)
    for directory, kd in sorted(repo.kustomize_dirs.items()):
        if flux_present and kd.file not in ctx.flux.applied_files:
            continue
        for entry in kd.entries:
            if entry.kind != "resources" or entry.target not in repo.files.all_files:
                continue
            if entry.target in kustomization_files:
                yield _listed_kustomization_file(ctx, kd, entry, kustomization_files[entry.target])
                continue
            if entry.target.endswith(MANIFEST_EXTENSIONS):
                continue  # read as manifests (a .json one: repo._load_listed_json), judged by HL001/HL003/HL004
            problem = _not_a_manifest(ctx, entry.target)
            if problem is None:
                continue
            yield ctx.finding(
                "HL116",
                kd.file,
                repo.span(kd.file, kd.doc, entry.field),
                f"resource '{entry.value}' is {problem}; kustomize reads every resources: file as Kubernetes "
                f"manifests, so the build of {directory or '.'} fails",
                fix="list the rendered manifest (.yaml), not the template or data file; render templates first",
                key=f"HL116/{entry.value}",
                related=[entry.target],
            )
    if flux_present:
        yield from _applied_plugin_configs(ctx)


def _applied_plugin_configs(ctx: Context) -> Iterator[Finding]:
    """Each kustomize plugin configuration (`apiVersion: builtin`: a NamespaceTransformer, a
    PatchTransformer) a Flux Kustomization applies as an object: kustomize emits a document reached
    through resources: as it is (kubectl kustomize v5.8.1), and no API server serves that version,
    so kustomize-controller's dry-run fails ('no matches for kind ... in version builtin')."""
    seen: set[int] = set()
    for applied in ctx.flux.applied:
        obj = applied.obj
        if obj.api_version != PLUGIN_API_VERSION or applied.ks is None or id(obj.source) in seen:
            continue
        seen.add(id(obj.source))
        kind = printable(obj.kind, 60)
        yield ctx.at(
            "HL116",
            obj,
            ("apiVersion",),
            f"{kind} {obj.name} is a kustomize plugin configuration (apiVersion: builtin) that {applied.ks.label} "
            f"applies as an object: kustomize emits every document it reaches through resources:, no API server serves "
            f"apiVersion builtin, and kustomize-controller's dry-run fails ('no matches for kind \"{kind}\" in version "
            '"builtin"\'), so the Kustomization is not Ready',
            fix="list the file (or its folder) under transformers: (generators: for a generator) of the kustomization "
            "that uses it, not under resources:",
        )


def kustomization_files_of(ctx: Context) -> dict[str, KustomizeDir]:
    """The kustomization files (kustomization.yaml, Component) of the repository, by path."""
    return {kd.file: kd for kd in ctx.repo.kustomize_dirs.values()}


def _listed_kustomization_file(ctx: Context, kd: KustomizeDir, entry: Entry, listed: KustomizeDir) -> Finding:
    """A resources entry that names another folder's kustomization file: kustomize reads a listed
    file as manifests (a kustomization is built from its folder), so the build fails on its missing
    metadata.name ("accumulating resources from './a/kustomization.yaml': missing metadata.name
    in object ... must build at directory: ... file is not directory", kubectl kustomize v5.8.1), or,
    with a name, emits the kustomization itself as an object no API server serves."""
    folder = posixpath.dirname(entry.value.rstrip("/")) or "."
    meta = listed.data.get("metadata")
    if isinstance(meta, dict) and meta.get("name"):
        outcome = (
            "the build holds the kustomization itself as an object of a kind no API server serves, and Flux's apply "
            "fails on it ('no matches for kind')" + ("" if listed is kd else "; nothing that kustomization lists is built")
        )
    else:
        outcome = f"the build of {kd.dir or '.'} fails (kustomize: 'missing metadata.name ... must build at directory')"
    return ctx.finding(
        "HL116",
        kd.file,
        ctx.repo.span(kd.file, kd.doc, entry.field),
        f"resource '{entry.value}' is a kustomization file: kustomize builds a kustomization from its folder and "
        f"reads a listed file as manifests, so {outcome}; "
        + (
            "a kustomization does not list its own file"
            if listed is kd
            else f"list the folder {folder}, not its {posixpath.basename(listed.file)}"
        ),
        fix="remove the entry" if listed is kd else f"list '{folder}' in resources",
        key=f"HL116/{entry.value}",
        related=[entry.target],
    )


def _not_a_manifest(ctx: Context, path: str) -> str | None:
    raw = ctx.repo.read_bytes(path)
    if raw is None:
        return None
    text = raw[:200_000].decode("utf-8", errors="replace")
    if path.endswith((".j2", ".jinja", ".jinja2", ".tpl", ".tmpl", ".gotmpl")):
        return "a template"
    if any(marker in text for marker in TEMPLATE_MARKERS[:4]):
        return "a template (it holds unrendered {{ }} / {% %} / #{ }# expressions)"
    parsed = parse_bytes(path, raw)
    if parsed.problems:
        return "not YAML"
    docs = [d for d in parsed.docs if d is not None]
    if not docs or not all(isinstance(d, dict) and d.get("apiVersion") and d.get("kind") for d in docs):
        return "not a Kubernetes manifest (no apiVersion/kind)"
    return None


# --- HL117 sops-without-decryption ----------------------------------------------------------------
# v1 kinds whose SOPS-encrypted object fails without decryption: a Secret is refused by
# kustomize-controller itself; a ConfigMap is applied with its `sops` metadata, which server-side
# apply rejects (flux2#3367: '.sops: field not declared in schema')
SOPS_REFUSED = ("Secret", "ConfigMap")


def _undecrypted(ctx: Context) -> Iterator[tuple[Any, FluxKS, bool]]:
    """(applied object, its Kustomization, encrypted whole) of each SOPS-encrypted object a Flux
    Kustomization without spec.decryption applies: one its controller refuses (HL117)."""
    whole = [applied for ks in ctx.flux.kustomizations for applied in ks.opaque]  # encrypted whole: any kind
    for applied in [*ctx.flux.applied, *whole]:
        obj, ks = applied.obj, applied.ks
        opaque = sops_opaque(obj.data)
        if (
            ks is None
            or not ks.known
            or not obj.is_sops
            or not (opaque or (obj.kind in SOPS_REFUSED and obj.api_version == "v1"))
        ):
            continue  # a spec not known here (a bootstrap root, a sync whose instance patches may change it)
        if isinstance(ks.spec.get("decryption"), dict) or _ancestor_patch_mentions(ks, "decryption"):
            continue
        annotations = obj.metadata.get("annotations")
        if (
            isinstance(annotations, dict)
            and str(annotations.get("kustomize.toolkit.fluxcd.io/decrypt", "")).lower() == "disabled"
        ):
            continue
        yield applied, ks, opaque


def refusing_sops(ctx: Context) -> set[str]:
    """The keys of the Flux Kustomizations that refuse their whole apply for an undecrypted SOPS object."""
    return ctx.repo.memo("rules.dryrun.refusing-sops", lambda: {ks.key for _, ks, _ in _undecrypted(ctx)})


@check("HL117", needs_flux=True)
def sops_without_decryption(ctx: Context) -> Iterator[Finding]:
    """kustomize-controller refuses to apply a SOPS-encrypted v1 Secret when its Kustomization has no
    spec.decryption ('is SOPS encrypted, configuring decryption is required')."""
    reported: set[tuple[int, str]] = set()
    for applied, ks, opaque in _undecrypted(ctx):
        obj = applied.obj
        if (id(obj), ks.key) in reported:
            continue
        reported.add((id(obj), ks.key))
        what = (
            f"{obj.path} is SOPS-encrypted whole (its apiVersion, kind or name is ciphertext) but {ks.label} has no "
            "spec.decryption: kustomize-controller applies the ciphertext as it is, and the API server rejects it, "
            "so the whole apply fails"
            if opaque
            else f"Secret {obj.name} is SOPS-encrypted but {ks.label} has no spec.decryption: kustomize-controller "
            "refuses the whole apply ('is SOPS encrypted, configuring decryption is required')"
            if obj.kind == "Secret"
            else f"{obj.kind} {obj.name} is SOPS-encrypted but {ks.label} has no spec.decryption: kustomize-controller "
            "applies it as written, sops metadata and ciphertext, and the dry-run fails ('.sops: field not declared in "
            "schema'), so the whole apply fails"
        )
        yield ctx.at(
            "HL117",
            obj,
            ("kind",) if opaque else ("metadata", "name"),
            what,
            fix=spec_fix(
                ks,
                "spec.decryption",
                f"add spec.decryption: {_decryption_example(ctx, ks)} to the Flux Kustomization "
                "(or to the parent patch that sets it for all children)",
            ),
            related=[ks.defined_in] if ks.defined_in else [],
        )


def _decryption_example(ctx: Context, ks: FluxKS) -> str:
    """The spec.decryption to suggest: the one another Flux Kustomization of the repository uses
    (of the same namespace first: its secretRef is read there), else a key Secret sops-age."""
    found = []
    for other in ctx.flux.kustomizations:
        decryption = other.spec.get("decryption")
        if other is ks or not isinstance(decryption, dict) or decryption.get("provider") != "sops":
            continue
        ref = decryption.get("secretRef")
        name = ref.get("name") if isinstance(ref, dict) else None
        if ref is None or (isinstance(name, str) and re.fullmatch(r"[a-z0-9][a-z0-9.-]{0,252}", name)):
            found.append((other.namespace != ks.namespace, other.key, name))
    if not found:
        if _global_age_key(ctx):  # kustomize-controller --sops-age-secret: a key for every decryption
            return "{provider: sops} (the Flux install's --sops-age-secret gives the key)"
        return "{provider: sops, secretRef: {name: sops-age}}"
    _, _, name = min(found, key=lambda f: (f[0], f[1], f[2] or ""))
    return f"{{provider: sops, secretRef: {{name: {name}}}}}" if name else "{provider: sops}"


GLOBAL_AGE_FLAG = "--sops-age-secret"  # kustomize-controller's fallback key Secret (Flux 2.7+)


def _global_age_key(ctx: Context) -> bool:
    """Whether a kustomization's patches or a Flux instance's (a FluxInstance, a flux-instance
    release's values) set kustomize-controller's --sops-age-secret: strings of their parsed data,
    read to a bounded depth."""

    def mentions(value: Any, depth: int) -> bool:
        if isinstance(value, str):
            return GLOBAL_AGE_FLAG in value
        if depth > 12:
            return False
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        return any(mentions(item, depth + 1) for item in items)

    def find() -> bool:
        if any(mentions(kd.data.get("patches"), 0) for kd in ctx.repo.kustomize_dirs.values() if isinstance(kd.data, dict)):
            return True
        return any(
            obj.kind in ("FluxInstance", "HelmRelease") and mentions(obj.spec.get("kustomize") or obj.spec.get("values"), 0)
            for obj in ctx.repo.objects
        )

    return bool(ctx.repo.memo("rules.dryrun.global-age-key", find))


def _ancestor_patch_mentions(ks: FluxKS, word: str) -> bool:
    """Whether a spec.patches entry of an ancestor mentions `word`: a patch the model may not have
    applied (selectors it does not evaluate), so the rule does not guess. A parent's patch whose
    target certainly does not select the Kustomization as the parent builds it (model.targets' selector is
    False for the built object, which no unmodelled transformer touched) does not count."""
    parent = ks.parent
    built = _as_parent_builds(ks)
    while parent is not None:
        items = parent.spec.get("patches")
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or word not in str(item.get("patch", "")):
                continue
            target = item.get("target")
            if parent is ks.parent and built is not None and isinstance(target, dict):
                spaces = (built.obj.namespace, built.namespace)
                if selects(target, built.obj.data, built.namespace, (built.obj.name, built.name), spaces) is False:
                    continue  # kustomize-controller's patch of the parent's build does not reach it
            return True
        parent = parent.parent
    return False


def _as_parent_builds(ks: FluxKS) -> Applied | None:
    """The Kustomization's object as its parent's build applies it; None when not known exactly."""
    if ks.parent is None or ks.obj is None:
        return None
    found = [a for a in ks.parent.applied if a.obj.source is ks.obj.source]
    return found[0] if len(found) == 1 and not found[0].unread else None


# --- HL604 non-string-metadata --------------------------------------------------------------------


def _yaml_type(text: str) -> str | None:
    """The YAML 1.2 type a plain scalar resolves to, when it is not a string."""
    parsed = parse_bytes("<value>", f"v: {text}\n".encode())
    value = parsed.docs[0].get("v") if parsed.docs and isinstance(parsed.docs[0], dict) else text
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    return None


fixes("HL604")(each(quote_plain))  # the value becomes the string it was written as


@check("HL604")
def non_string_metadata(ctx: Context) -> Iterator[Finding]:
    flux = has_flux(ctx)
    for obj in manifest_objects(ctx):
        if obj.is_sops:
            continue
        for keys in string_maps(obj):
            values = dig(obj.data, keys)
            if not isinstance(values, dict):
                continue
            for name, value in values.items():
                if value is None or isinstance(value, str):
                    continue
                if not flux and templated_value(ctx, obj, (*keys, name)):
                    continue  # rendered by a tool homelint does not see (with Flux, kustomize reads it as it is)
                if flux and keys == ANNOTATIONS:
                    if isinstance(value, list | dict):
                        yield _emptied_annotation(ctx, obj, name, value)
                    continue  # kustomize writes a boolean or number annotation as the string it was written as
                kind, shown, fix = _non_string(ctx, obj, (*keys, name), value)
                yield ctx.at(
                    "HL604",
                    obj,
                    (*keys, name),
                    f"{'.'.join(keys)}.{name} of {obj.kind} {obj.name} is {kind}{shown}, not a string: the API "
                    "server rejects the object, or kustomize-controller drops all its labels/annotations",
                    fix=fix,
                )
        if obj.kind == "Kustomization" and obj.group == FLUX_KS_GROUP:
            yield from _substitute_values(ctx, obj)
    yield from _substituted_strings(ctx)


ANNOTATIONS = ("metadata", "annotations")


def _emptied_annotation(ctx: Context, obj: K8sObject, name: str, value: list[Any] | dict[str, Any]) -> Finding:
    """A list or mapping annotation value of an object kustomize builds: kustomize rewrites an
    object's annotations as a string map (kyaml sets its internal annotations on every object and
    writes them all back), a boolean or number as the text it was written as, a list or mapping as
    "" (kubectl kustomize v5.8.1): the apply passes, the value is lost."""
    finding = ctx.at(
        "HL604",
        obj,
        (*ANNOTATIONS, name),
        f"metadata.annotations.{name} of {obj.kind} {obj.name} is {'a list' if isinstance(value, list) else 'a mapping'}, "
        "not a string: kustomize writes it as an empty string, so the cluster never sees this value",
        fix="an annotation value is one string: quote the whole value if its text is meant",
    )
    finding.severity = "warning"
    return finding


MAX_SHOWN_SCALAR = 40  # a written number or boolean longer than this is not repeated in the message


def _non_string(ctx: Context, obj: K8sObject, keys: tuple[Any, ...], value: Any) -> tuple[str, str, str]:
    """(what the value is, " (as written)" or "", the fix) of a value of a string map (labels,
    annotations, postBuild.substitute) that is not a string. A boolean or number is quoted as it is written (`1.10` stays `"1.10"`, not the 1.1
    it parses to); a list or mapping is no one string, and quoting its text is rarely meant."""
    name = keys[-1]
    if isinstance(value, list | dict):
        kind = "a list" if isinstance(value, list) else "a mapping"
        if "labels" in keys or "selector" in keys:
            return kind, "", "a label value is one string (at most 63 letters, digits, '-', '_' or '.'): keep one value"
        if "annotations" in keys:
            return kind, "", "an annotation value is one string: quote the whole value if its text is meant"
        return kind, "", "make the value one string"
    kind = "a boolean" if isinstance(value, bool) else "a number"
    path, span = ctx.repo.locate(obj, keys)
    text = ctx.repo.read_text(path) if span.line == span.end_line else None
    lines = text.splitlines() if text is not None else []
    written = lines[span.line - 1][span.column - 1 : span.end_column - 1] if 0 < span.line <= len(lines) else ""
    if not written or len(written) > MAX_SHOWN_SCALAR or _yaml_type(written) is None:
        return kind, "", "quote the value"
    return kind, f" ({written})", f'quote the value: {name}: "{written}"'


def _substitute_values(ctx: Context, obj: K8sObject) -> Iterator[Finding]:
    post = obj.spec.get("postBuild")
    values = post.get("substitute") if isinstance(post, dict) else None
    if not isinstance(values, dict):
        return
    for name, value in values.items():
        if isinstance(value, str) or value is None:
            continue
        kind, shown, fix = _non_string(ctx, obj, ("spec", "postBuild", "substitute", name), value)
        yield ctx.at(
            "HL604",
            obj,
            ("spec", "postBuild", "substitute", name),
            f"postBuild.substitute.{name} is {kind}{shown}; "
            "the Kustomization CRD takes strings only, so the API server rejects this Kustomization",
            fix=fix,
        )


def _string_fields(obj: K8sObject) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(field path, text) of each string holding `${` in a field the API server takes as a string
    only: the string maps (common.string_maps), a v1 ConfigMap's `data` and a v1 Secret's `stringData`
    (map[string]string), a built-in workload's container `env[].value`."""
    maps: list[tuple[Any, ...]] = list(string_maps(obj))
    if obj.api_version == "v1" and obj.kind in ("ConfigMap", "Secret"):
        maps.append(("data",) if obj.kind == "ConfigMap" else ("stringData",))
    for keys in maps:
        values = dig(obj.data, keys)
        if isinstance(values, dict):
            yield from (((*keys, name), value) for name, value in values.items() if isinstance(value, str) and "${" in value)
    base = POD_SPEC_PATHS.get(obj.kind) if obj.group in WORKLOAD_GROUPS else None
    spec = dig(obj.data, base) if base is not None else None
    if not isinstance(spec, dict):
        return
    assert base is not None
    for group in ("containers", "initContainers", "ephemeralContainers"):
        containers = spec.get(group)
        for i, container in enumerate(containers if isinstance(containers, list) else []):
            env = container.get("env") if isinstance(container, dict) else None
            for j, item in enumerate(env if isinstance(env, list) else []):
                value = item.get("value") if isinstance(item, dict) else None
                if isinstance(value, str) and "${" in value:
                    yield (*base, group, i, "env", j, "value"), value


def _certainly_substituted(ctx: Context, applied: Any, text: str) -> str | None:
    """`text` as the Flux Kustomization applying it substitutes it, when the repository shows that
    for certain: every variable from postBuild.substitute or a ConfigMap no later unreadable source
    may override, or unset with a default no such source may replace (_certain_origins; never a
    Secret's value), over an object the model read as kustomize builds it; None otherwise."""
    ks = applied.ks
    if ks is None or ks.obj is None or ks.post_build is None or applied.unread or applied.maybe_changed:
        return None
    common = ks.spec.get("commonMetadata")
    if substitution_disabled(applied.obj.data) or (isinstance(common, dict) and substitution_disabled({"metadata": common})):
        return None  # not substituted (commonMetadata's switch: whether before or after, not judged)
    variables = variables_of(ctx.repo, ks)
    names = _variables_used(text)
    if not variables.substitutes or names is None or _certain_origins(variables, names) is None:
        return None
    if ctx.flux.field_unread(ks, POST_BUILD):
        return None  # its postBuild may be set where the model cannot see
    value = resolve(text, variables.values)
    return None if value is None or "\0" in value else value


def _substituted_strings(ctx: Context) -> Iterator[Finding]:
    """A `${VAR}` in a string-only field (_string_fields) whose substituted text is a YAML number or
    boolean: kustomize-controller substitutes the YAML text kustomize writes out for the object,
    where the manifest's quotes are gone (fluxcd/pkg kustomize SubstituteVariables: envsubst over
    `res.AsYAML()`, then YAMLToJSON), so the value stops being a string however it is quoted
    (written_plain; flux2#4154). Flux's documented fix is a `quote` variable (kustomize-controller
    docs, "Post build substitution of numbers and booleans")."""
    if not has_flux(ctx):
        return
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    for ks in ctx.flux.kustomizations:
        if ks.obj is None or ks.post_build is None:
            continue
        for applied in ks.applied:
            obj = applied.obj
            if obj.is_sops or not ctx.repo.placeholder_strings(obj):
                continue
            for keys, value in _string_fields(obj):
                if (id(obj), keys) in seen or not written_plain(value):
                    continue
                text = _certainly_substituted(ctx, applied, value)
                kind = _yaml_type(text) if text else None
                if kind is None:
                    continue
                seen.add((id(obj), keys))
                yield ctx.at(
                    "HL604",
                    obj,
                    keys,
                    f"{_field_name(keys)} of {obj.kind} {obj.name} is {value}, which {ks.label} substitutes with "
                    f"'{text}': Flux substitutes the YAML text kustomize writes out, where quotes in the manifest are "
                    f"gone, so the value becomes {kind}, not a string, and the apply fails",
                    fix=_quote_fix(ctx, ks, value),
                )


def _quote_fix(ctx: Context, ks: FluxKS, value: str) -> str:
    """Flux's documented way to keep a substituted number or boolean a string: a `quote` variable
    set to a double quote around the value (kustomize-controller docs, "Post build substitution
    of numbers and booleans"; kustomize-controller#1129)."""
    wrapped = f"${{quote}}{value}${{quote}}"
    if variables_of(ctx.repo, ks).values.get("quote") == '"':
        return f"write it as {wrapped} (quote is '\"' for {ks.label}); quoting it in the manifest does not keep it a string"
    return (
        f"write it as {wrapped} and add quote: '\"' to the postBuild.substitute of {ks.label}; quoting it in the "
        "manifest does not keep it a string"
    )


def _field_name(keys: tuple[Any, ...]) -> str:
    """A field path as `a.b[0].c`."""
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" if i else str(key) for i, key in enumerate(keys))


# --- HL605 invalid-flux-value ---------------------------------------------------------------------
DURATION = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"
SHORT_DURATION = r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$"  # source-controller timeouts: no hours


# kind -> [(field path, pattern or allowed values)], every API version of the kind (the CRDs of
# fluxcd/{kustomize,helm,source,notification,image-*}-controller: kubebuilder Pattern and Enum markers)
class NearMiss(tuple[str, ...]):
    """An enum whose list grows with each Flux release (notification-controller's Provider and
    Receiver types, the kinds an Alert or Receiver names, which flux-operator widens): a value not
    in it is judged only when it is a near miss of one that is (_near_miss), as a newer release may
    accept a value this list lacks."""


# notification-controller api/v1beta3 ProviderSpec.Type, api/v1 ReceiverSpec.Type and
# CrossNamespaceObjectReference.Kind (+kubebuilder:validation:Enum), as of Flux 2.7
PROVIDER_TYPES = (
    "slack", "discord", "msteams", "rocket", "generic", "generic-hmac", "github", "gitlab", "gitea", "bitbucketserver",
    "bitbucket", "azuredevops", "googlechat", "googlepubsub", "webex", "sentry", "azureeventhub", "telegram", "lark",
    "matrix", "opsgenie", "alertmanager", "grafana", "githubdispatch", "githubpullrequestcomment", "pagerduty",
    "datadog", "nats", "zulip", "otel",
)  # fmt: skip
RECEIVER_TYPES = (
    "generic", "generic-hmac", "github", "gitlab", "bitbucket", "harbor", "dockerhub", "quay", "gcr", "nexus", "acr",
    "cdevents",
)  # fmt: skip
# notification-controller's enum, and the kinds flux-operator adds to its Alert and Receiver CRDs
# (internal/builder/templates.go; flux-operator#131, #224): a typo of one is rejected by both
EVENT_KINDS = (
    "Bucket", "GitRepository", "Kustomization", "HelmRelease", "HelmChart", "HelmRepository", "ImageRepository",
    "ImagePolicy", "ImageUpdateAutomation", "OCIRepository", "ArtifactGenerator", "ExternalArtifact",
    "FluxInstance", "ResourceSet", "ResourceSetInputProvider",
)  # fmt: skip


def _near_miss(value: str, known: Iterable[str]) -> str | None:
    """The one known value `value` misspells: the same but for case, or one edit away (a letter
    added, dropped, changed, or two neighbours swapped) for a value of four letters or more; None
    when there is none, or more than one."""
    found = {k for k in known if k.lower() == value.lower()}
    if not found and len(value) >= 4:
        found = {k for k in known if _one_edit(value, k)}
    return next(iter(found)) if len(found) == 1 else None


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by exactly one insertion, deletion, substitution or swap of two
    neighbouring letters."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


FLUX_FIELDS: dict[str, list[tuple[tuple[str, ...], Any]]] = {
    "Kustomization": [
        (("spec", "interval"), DURATION), (("spec", "retryInterval"), DURATION), (("spec", "timeout"), DURATION),
        (("spec", "sourceRef", "kind"), ["GitRepository", "OCIRepository", "Bucket", "ExternalArtifact"]),
        (("spec", "decryption", "provider"), ["sops"]),
        (("spec", "postBuild", "substituteFrom", "*", "kind"), ["ConfigMap", "Secret"]),
        (("spec", "postBuild", "substituteStrategy"), ["WithVariables", "Always"]),
        (("spec", "deletionPolicy"), ["MirrorPrune", "Delete", "WaitForTermination", "Orphan"]),
    ],
    "HelmRelease": [
        (("spec", "interval"), DURATION), (("spec", "timeout"), DURATION),
        (("spec", "chart", "spec", "interval"), DURATION),
        (("spec", "install", "timeout"), DURATION), (("spec", "upgrade", "timeout"), DURATION),
        (("spec", "test", "timeout"), DURATION), (("spec", "rollback", "timeout"), DURATION),
        (("spec", "uninstall", "timeout"), DURATION),
        (("spec", "install", "strategy", "retryInterval"), DURATION),
        (("spec", "upgrade", "strategy", "retryInterval"), DURATION),
        (("spec", "chart", "spec", "sourceRef", "kind"), ["HelmRepository", "GitRepository", "Bucket"]),
        (("spec", "chart", "spec", "reconcileStrategy"), ["ChartVersion", "Revision"]),
        (("spec", "chartRef", "kind"), ["OCIRepository", "HelmChart", "ExternalArtifact"]),
        (("spec", "valuesFrom", "*", "kind"), ["Secret", "ConfigMap"]),
        (("spec", "install", "crds"), ["Skip", "Create", "CreateReplace"]),
        (("spec", "upgrade", "crds"), ["Skip", "Create", "CreateReplace"]),
        (("spec", "upgrade", "remediation", "strategy"), ["rollback", "uninstall"]),
        (("spec", "install", "strategy", "name"), ["RemediateOnFailure", "RetryOnFailure"]),
        (("spec", "upgrade", "strategy", "name"), ["RemediateOnFailure", "RetryOnFailure"]),
        (("spec", "driftDetection", "mode"), ["enabled", "warn", "disabled"]),
    ],
    "GitRepository": [
        (("spec", "interval"), DURATION), (("spec", "timeout"), SHORT_DURATION),
        (("spec", "provider"), ["generic", "aws", "azure", "github"]),
        (("spec", "verify", "mode"), ["head", "HEAD", "Tag", "TagAndHEAD"]),
    ],
    "OCIRepository": [
        (("spec", "interval"), DURATION), (("spec", "timeout"), SHORT_DURATION),
        (("spec", "provider"), ["generic", "aws", "azure", "gcp"]),
        (("spec", "layerSelector", "operation"), ["extract", "copy"]),
        (("spec", "verify", "provider"), ["cosign", "notation"]),
    ],
    "HelmRepository": [
        (("spec", "interval"), DURATION), (("spec", "timeout"), SHORT_DURATION),
        (("spec", "type"), ["default", "oci"]), (("spec", "provider"), ["generic", "aws", "azure", "gcp"]),
    ],
    "Bucket": [
        (("spec", "interval"), DURATION), (("spec", "timeout"), SHORT_DURATION),
        (("spec", "provider"), ["generic", "aws", "gcp", "azure"]),
    ],
    "HelmChart": [
        (("spec", "interval"), DURATION),
        (("spec", "sourceRef", "kind"), ["HelmRepository", "GitRepository", "Bucket"]),
        (("spec", "reconcileStrategy"), ["ChartVersion", "Revision"]),
        (("spec", "verify", "provider"), ["cosign", "notation"]),
    ],
    "ImageRepository": [(("spec", "interval"), DURATION), (("spec", "timeout"), DURATION)],
    "ImagePolicy": [
        (("spec", "interval"), DURATION),
        (("spec", "policy", "alphabetical", "order"), ["asc", "desc"]),
        (("spec", "policy", "numerical", "order"), ["asc", "desc"]),
    ],
    "ImageUpdateAutomation": [
        (("spec", "interval"), DURATION),
        (("spec", "sourceRef", "kind"), ["GitRepository"]),
        (("spec", "update", "strategy"), ["Setters"]),
    ],
    "Receiver": [
        (("spec", "interval"), DURATION),
        (("spec", "type"), NearMiss(RECEIVER_TYPES)), (("spec", "resources", "*", "kind"), NearMiss(EVENT_KINDS)),
    ],
    "Provider": [(("spec", "interval"), DURATION), (("spec", "timeout"), DURATION), (("spec", "type"), NearMiss(PROVIDER_TYPES))],
    "Alert": [(("spec", "eventSeverity"), ["info", "error"]), (("spec", "eventSources", "*", "kind"), NearMiss(EVENT_KINDS))],
}  # fmt: skip
FLUX_GROUPS = {
    "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io", "source.toolkit.fluxcd.io",
    "notification.toolkit.fluxcd.io", "image.toolkit.fluxcd.io",
}  # fmt: skip


@cache
def _hl601_fields(api_version: str, kind: str) -> frozenset[str]:
    """Dotted field paths (lists as '*') whose durations/enums HL601's schema for this kind checks."""
    name = SCHEMAS.get((api_version, kind))
    if name is None:
        return frozenset()
    out: set[str] = set()

    def walk(node: Any, path: list[str]) -> None:
        if not isinstance(node, dict):
            return
        if node.get("$ref", "").endswith("/duration") or "enum" in node:
            out.add(".".join(path))
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for prop, sub in value.items():
                    walk(sub, [*path, prop])
            elif key in ("items", "additionalProperties"):
                walk(value, [*path, "*"])
            elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
                for sub in value:
                    walk(sub, path)

    walk(schema(f"kinds/{name}"), [])
    return frozenset(out)


def _values_at(data: Any, path: tuple[str, ...]) -> list[tuple[tuple[Any, ...], Any]]:
    """(keys, value) of every value at `path` in document order ("*": each item of a list); one
    level at a time, as most paths end at the first missing key."""
    if "*" not in path:  # most paths: at most one value
        for key in path:
            if not isinstance(data, dict) or key not in data:
                return []
            data = data[key]
        return [(path, data)]
    found: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    for head in path:
        deeper: list[tuple[tuple[Any, ...], Any]] = []
        for keys, node in found:
            if head == "*":
                if isinstance(node, list):
                    deeper.extend(((*keys, index), item) for index, item in enumerate(node))
            elif isinstance(node, dict) and head in node:
                deeper.append(((*keys, head), node[head]))
        if not deeper:
            return deeper
        found = deeper
    return found


def _duration_hint(value: str) -> str:
    m = re.fullmatch(r"(\d+)\s*(d|w|y|days?|weeks?)", value)
    if m:
        hours = int(m.group(1)) * {"d": 24, "w": 168, "y": 8760}[m.group(2)[0]]
        return f"; write {hours}h"
    if re.fullmatch(r"\d+", value):
        return f"; add a unit, e.g. {value}s or {value}m"
    return ""


@check("HL605")
def invalid_flux_value(ctx: Context) -> Iterator[Finding]:
    for obj in manifest_objects(ctx):
        if obj.group not in FLUX_GROUPS or obj.is_sops:
            continue
        fields = FLUX_FIELDS.get(obj.kind)
        if not fields:
            continue
        covered = _hl601_fields(obj.api_version, obj.kind)
        for path, rule in fields:
            found = _values_at(obj.data, path)
            dotted = ".".join(path) if found else ""
            for keys, value in found:
                if value is None or (isinstance(value, str) and "${" in value):
                    continue
                if isinstance(rule, str):  # a duration
                    if isinstance(value, str) and re.fullmatch(rule, value):
                        continue
                    if dotted in covered and not (isinstance(value, str) and re.fullmatch(DURATION, value)):
                        continue  # HL601 reports it
                    shown = value if isinstance(value, str) else str(value)
                    hours = "" if rule == DURATION else " (source-controller timeouts take ms, s and m only)"
                    yield ctx.at(
                        "HL605",
                        obj,
                        keys,
                        f"{dotted} of {obj.kind} {obj.name} is '{shown}', not a duration the CRD accepts{hours}: "
                        f"the API server rejects the object{_duration_hint(shown) if isinstance(value, str) else ''}",
                        fix="a Flux duration is a sequence of number+unit with units ms, s, m, h (e.g. 90s, 1h30m)",
                    )
                elif isinstance(rule, NearMiss):
                    meant = _near_miss(value, rule) if isinstance(value, str) and value not in rule else None
                    if meant is None:
                        continue  # known, or a value a newer release may accept
                    yield ctx.at(
                        "HL605",
                        obj,
                        keys,
                        f"{dotted} of {obj.kind} {obj.name} is '{printable(value)}', a misspelling of '{meant}' (the enum "
                        "is case-sensitive and holds no such value): the API server rejects the object",
                        fix=f"use '{meant}'",
                    )
                else:
                    if value in rule or dotted in covered:
                        continue
                    # a chart kind only spec.chartRef takes: no other chart source kind is meant
                    chart_ref = (
                        chart_ref_fix(obj.api_version, obj.data)
                        if (obj.kind, path) == ("HelmRelease", CHART_SOURCE_KIND)
                        else None
                    )
                    hint = _nearest(str(value), rule) if isinstance(value, str) and chart_ref is None else ""
                    yield ctx.at(
                        "HL605",
                        obj,
                        keys,
                        f"{dotted} of {obj.kind} {obj.name} is '{value}', not one of {', '.join(rule)}: the API "
                        f"server rejects the object{hint}",
                        fix=chart_ref or f"use one of {', '.join(rule)} (values are case-sensitive)",
                    )


# --- HL608 invalid-object-name ------------------------------------------------------------------
HASH_STANDIN = "0" * 10  # kustomize's name hash, when not known: ten lower case alphanumerics


def _name_as_applied(ctx: Context, applied: Any) -> tuple[str, str, bool] | None:
    """(name the API server sees, how the message shows it, whether the file's text says it) of
    an object its Flux Kustomization applies: after kustomize (namePrefix/nameSuffix, patches, a
    generator's hash, a Namespace renamed by `namespace:`) and after post-build substitution. None
    when it is not known: a transformer the model does not apply ran over it, or `${...}` is left
    (HL205's, or a variable the repository does not show). A substituted name is shown as written:
    its values may come from a Secret."""
    if applied.unread:
        return None
    obj, ks = applied.obj, applied.ks
    name = identity(applied)[3]
    if not name or "${" in name:
        return None
    if "$" in obj.name or "$" in name:
        if ks.post_build is None or not variables_of(ctx.repo, ks).substitutes or substitution_disabled(obj.data):
            return None  # applied as written: a literal placeholder is HL205's
        return name, f"'{obj.name}' (after post-build substitution)", False
    if applied.hash_unknown:  # kustomize appends '-' and the content hash after any affix
        return f"{name}-{HASH_STANDIN}", f"'{name}-<hash>'", False
    return name, f"'{name}'", True


def _renamed_validly(rule: NameRule, name: str) -> str | None:
    """A name like `name` that the rule takes (lower case, other characters as '-'); None when no
    obvious one exists."""
    if rule is SEGMENT:
        fixed = name.replace("/", "-").replace("%", "-")
    else:
        allowed = "abcdefghijklmnopqrstuvwxyz0123456789-" + ("." if rule.shape == "subdomain" else "")
        mapped = re.sub(r"-+", "-", "".join(c if c in allowed else "-" for c in name.lower()))
        fixed = ".".join(p for p in (part.strip("-") for part in mapped.split(".")) if p)
        if rule.limit:
            fixed = fixed[: rule.limit].rstrip("-.")
    return fixed if fixed and fixed != name and not name_problem(rule, fixed) else None


@check("HL608", needs_flux=True)
def invalid_object_name(ctx: Context) -> Iterator[Finding]:
    """An object whose metadata.name (as kustomize and post-build substitution make it) is not
    what the API server accepts for its kind: the server-side apply of its Flux Kustomization
    fails. One finding per object and name, naming every Kustomization that applies it."""
    found: dict[tuple[str, int, str], tuple[Any, NameRule, str, tuple[str, str, bool], list[FluxKS]]] = {}
    for applied in ctx.flux.applied:
        ks, obj = applied.ks, applied.obj
        if ks is None or (ks.obj is None and not ks.synced):
            continue  # the bootstrap applies roots by hand (homelint does not judge that apply)
        if not isinstance(obj.metadata.get("name"), str) or unbuildable(ctx, ks) is not None:
            continue  # no name (HL004) or not a string (HL601); a build that fails applies nothing
        named = _name_as_applied(ctx, applied)
        if named is None:
            continue
        rule = name_rule(obj.group, obj.kind)
        problem = name_problem(rule, named[0])
        if not problem:
            continue
        key = (obj.path, obj.doc, named[0])
        if key not in found:
            found[key] = (applied, rule, problem, named, [])
        if all(k is not ks for k in found[key][4]):
            found[key][4].append(ks)
    for applied, rule, problem, (name, shown, literal), kss in found.values():
        obj = applied.obj
        labels = sorted({k.label for k in kss})
        who = bounded(labels)
        template = "{{" in name  # a Helm/Go template action: nothing renders it in a manifest Flux applies
        better = _renamed_validly(rule, name) if literal and not template else None
        how = (
            "write the name out: Flux applies the manifest as written and renders no template in it"
            if template
            else (f"rename it to '{better}'" if better else "rename it")
        )
        yield ctx.at(
            "HL608",
            obj,
            ("metadata", "name"),
            f"the API server rejects {obj.kind} name {shown} (metadata.name: Invalid value: {problem}), so {who} "
            f"fail{'s' if len(labels) == 1 else ''} to apply",
            fix=how + f" ({rule.what}{f' of at most {rule.limit} characters' if rule.limit else ''}), and every reference to it",
            key=f"HL608/{obj.kind}/{obj.path}/{obj.doc}/{shown}",
            related=sorted({k.obj.path for k in kss if k.obj is not None and k.obj.path != obj.path}),
        )
