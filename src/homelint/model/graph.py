"""The resource graph (a MultiDiGraph: model/multigraph.py, networkx's interface) that rules query.

Nodes are small typed tuples: FileNode(path), DirNode(path), KsNode(key), ObjNode(kind, namespace,
name) for applied objects, RefNode(kind, namespace, name) for what is produced or used ("claim",
"secret", "configmap"), PatternNode(kind, namespace, regex) for names that cannot be computed,
SourceNode(kind, namespace, name), VarNode(name). A KsNode carries `kustomizations`: every
instance the model evaluated of that Kustomization (one per cluster that applies it), as an
ObjNode carries `applied`: every application of the object.
Edges carry `type` (includes, applies-path, reconciles, contains, is-source, claims,
uses-secret, uses-configmap, produces-secret, produces-configmap, produces-claim, uses-var), the
field and Applied they come from, and for products and uses the table `row` (schemas/producers.yaml,
schemas/consumers.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from homelint.core.substitution import resolve, scan_cached, written_plain
from homelint.model.flux import Applied, FluxKS, substituted_objects
from homelint.model.helmvalues import Assembly, assemble, variables_for
from homelint.model.multigraph import MultiDiGraph
from homelint.model.namerefs import affixed_reference
from homelint.model.refs import (
    NODE_KIND,
    FieldPath,
    Ref,
    Written,
    app_template,
    chart_name,
    chart_value_refs,
    cluster_made,
    consumed_refs,
    helm_release_refs,
    is_templated,
    name_pattern,
    namespace_matcher,
    products_of,
    resource_set_objects,
    resource_set_resources,
)
from homelint.model.sources import SOURCE_KINDS
from homelint.model.targets import CLUSTER_SCOPED_BUILTINS
from homelint.model.variables import variables_of

if TYPE_CHECKING:
    from homelint.core.model import K8sObject
    from homelint.model.kustomize import Entry
    from homelint.model.refs import Use
    from homelint.model.repo import Repo

RefKind = str  # "claim", "secret", "configmap" (or a store a chart renders): what producers make and consumers use

# Nodes are NamedTuples (hashed and compared in C, as the plain tuples they replace), each ending in
# a `tag` that keeps kinds apart: tuples of equal fields are equal whatever their class.


class FileNode(NamedTuple):
    path: str
    tag: Literal["file"] = "file"


class DirNode(NamedTuple):
    path: str
    tag: Literal["dir"] = "dir"


class KsNode(NamedTuple):
    key: str  # FluxKS.key
    tag: Literal["ks"] = "ks"


class ObjNode(NamedTuple):
    """An applied object (each Kustomization that applies it is one of its `applied`)."""

    kind: str
    namespace: str
    name: str
    tag: Literal["obj"] = "obj"


class RefNode(NamedTuple):
    """A claim, Secret or ConfigMap by namespace and name, as producers make and consumers use it."""

    kind: RefKind
    namespace: str
    name: str
    tag: Literal["ref"] = "ref"


class PatternNode(NamedTuple):
    """What a producer makes of `kind` under a name that cannot be computed: a regex of it."""

    kind: RefKind
    namespace: str
    pattern: str
    tag: Literal["pattern"] = "pattern"


class SourceNode(NamedTuple):
    kind: str
    namespace: str
    name: str
    tag: Literal["source"] = "source"


class VarNode(NamedTuple):
    name: str
    tag: Literal["var"] = "var"


Node = FileNode | DirNode | KsNode | ObjNode | RefNode | PatternNode | SourceNode | VarNode


class EdgeData(Mapping[str, Any]):
    """The data of an edge that carries more than its type, read as networkx's edge data dict is
    (`edge["applied"]`, `edge.get("type")`): an object with slots, not a dict (a dict of 2-6 keys
    is 200-290 bytes, these 48-80; the graph holds one per use, product and variable use of every
    application of an object, a tenth of a run's peak memory as dicts). Read, never changed."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        if key in self.__slots__:
            return getattr(self, key)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.__slots__ else default

    def __iter__(self) -> Iterator[str]:
        return iter(self.__slots__)

    def __len__(self) -> int:
        return len(self.__slots__)

    def __repr__(self) -> str:
        return repr(dict(self))


class IncludesEdge(EdgeData):
    """includes: a kustomization's entry (its folder to the file or folder the entry names)."""

    __slots__ = ("entry", "type")

    def __init__(self, entry: Entry) -> None:
        self.type, self.entry = "includes", entry


class UseEdge(EdgeData):
    """claims, uses-secret, uses-configmap: an object to what it uses."""

    __slots__ = ("applied", "field", "guessed", "ref", "row", "type")

    def __init__(self, type: str, field: FieldPath, applied: Applied, ref: Use, row: Any, guessed: bool) -> None:
        self.type, self.field, self.applied, self.ref, self.row, self.guessed = type, field, applied, ref, row, guessed


class ProductEdge(EdgeData):
    """produces-claim, produces-secret, produces-configmap: an object to what it makes."""

    __slots__ = ("applied", "field", "row", "type")

    def __init__(self, type: str, field: FieldPath, applied: Applied, row: Any) -> None:
        self.type, self.field, self.applied, self.row = type, field, applied, row


class VarUseEdge(EdgeData):
    """uses-var: an object to a variable a Kustomization substitutes in it."""

    __slots__ = ("ks", "obj", "type", "uses")

    def __init__(self, ks: FluxKS, obj: K8sObject, uses: list[tuple[Any, ...]]) -> None:
        self.type, self.ks, self.obj, self.uses = "uses-var", ks, obj, uses


# The data of one edge: `type` says which of the other keys it has. Edges that carry only their type
# are a dict (contains, reconciles, applies-path and the includes of a kustomization's own file share
# one per type); the others are EdgeData:
#   field: FieldPath        the field of the object the edge comes from (uses-*, produces-*)
#   applied: Applied        the object as one Kustomization applies it (uses-*, produces-*)
#   ref: Use                uses-*: the reference, with its flags
#   row: Any                uses-*/produces-*: the table row (schemas/producers.yaml, schemas/consumers.yaml)
#   guessed: bool           uses-*: the namespace is a guess ("default" of an object with none)
#   entry: Entry            includes: the kustomization entry
#   ks: FluxKS, obj: K8sObject, uses: list  uses-var: the substituting Kustomization, the object it
#                           substitutes in, (field, is_key, expr, text) of every occurrence
Edge = Mapping[str, Any]


ANY_NAMESPACE = "*"  # a producer whose namespace is a template may create in any namespace
RELEASE_NAME = re.compile(r"\{\{-?\s*\.Release\.Name\s*-?\}\}")


def release_name(obj: Any) -> str:
    """helm-controller's release name: spec.releaseName, else [targetNamespace-]name."""
    spec = obj.spec
    if isinstance(spec.get("releaseName"), str) and spec["releaseName"]:
        return str(spec["releaseName"])
    target = spec.get("targetNamespace")
    return f"{target}-{obj.name}" if isinstance(target, str) and target else obj.name


CERT_MANAGER_CHART = "cert-manager"


def cluster_resource_namespace(repo: Repo) -> str | None:
    """cert-manager's cluster resource namespace, where it reads a ClusterIssuer's Secrets: its
    chart passes `--cluster-resource-namespace` from the value `clusterResourceNamespace`, else
    `$(POD_NAMESPACE)`, the release's namespace (deploy/charts/cert-manager/templates/deployment.yaml).
    None unless the repository's Flux applies cert-manager charts and they all say one namespace
    that can be read here (no `valuesFrom`; a `${VAR}` whose value is known)."""

    def find() -> str | None:
        flux = repo.flux
        found: set[str] = set()
        for applied in flux.applied if flux is not None else []:
            obj = applied.obj
            if obj.kind != "HelmRelease" or not obj.group.startswith("helm.toolkit.fluxcd.io"):
                continue
            if (served_chart(repo, applied) or chart_name(obj)) != CERT_MANAGER_CHART:
                continue
            values = obj.spec.get("values")
            chosen = values.get("clusterResourceNamespace") if isinstance(values, dict) else None
            if obj.spec.get("valuesFrom"):
                return None  # a values source may set it
            if chosen in (None, ""):
                chosen = obj.spec.get("targetNamespace") or applied.ns
            if isinstance(chosen, str) and "${" in chosen:
                chosen = resolved_name(applied, chosen, repo)  # the substituted text, when it can be known
            if not isinstance(chosen, str) or not chosen or "{{" in chosen or is_templated(chosen):
                return None
            found.add(chosen)
        return found.pop() if len(found) == 1 else None

    return repo.memo("graph.cluster-resource-namespace", find)


def served_chart(repo: Repo, applied: Applied) -> str | None:
    """The chart a HelmRelease's `spec.chartRef` source serves, by name: the last segment of the
    URL of the OCIRepository it names (helm-controller installs the artifact source-controller pulls
    from that URL; the OCIRepository's own name is the user's choice), or a HelmChart's
    `spec.chart`; None when it cannot be known here (no chartRef, a source not applied, a `${VAR}`
    that cannot be resolved)."""
    obj = applied.obj
    ref = obj.spec.get("chartRef") if obj.kind == "HelmRelease" else None
    flux = repo.flux
    if not isinstance(ref, dict) or flux is None or ref.get("kind") not in ("OCIRepository", "HelmChart"):
        return None
    kind, name, namespace = ref["kind"], ref.get("name"), ref.get("namespace") or applied.ns
    name = resolved_name(applied, name, repo) if isinstance(name, str) else None
    namespace = resolved_name(applied, namespace, repo) if isinstance(namespace, str) else None
    if not name or not namespace:
        return None
    for source in flux.applied_named(kind, name, namespace):
        text = source.spec.get("url" if kind == "OCIRepository" else "chart")
        if isinstance(text, str) and text and "${" not in text and "{{" not in text:
            return text.rstrip("/").rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    return None


def app_template_release(repo: Repo, applied: Applied) -> bool | None:
    """refs.app_template of an applied HelmRelease, with the chart its chartRef's source serves."""
    return app_template(applied.obj, served_chart(repo, applied))


def resolved_name(applied: Applied, name: str, repo: Repo) -> str | None:
    """A reference name after Flux substitution of the applying Kustomization; None if unknowable.

    In HelmRelease values, `{{ .Release.Name }}` (the only Helm template resolved) becomes the release name.
    """
    if name and "{{" in name and applied.obj.kind == "HelmRelease":
        name = RELEASE_NAME.sub(release_name(applied.obj), name)
    if not name or "{{" in name:
        return None
    if "${" not in name:
        return name
    ks = applied.ks
    if ks is None or ks.post_build is None:
        return None
    return resolve(name, variables_of(repo, ks).values)


def in_edges_of(graph: MultiDiGraph, node: Node, *edge_types: str) -> list[Edge]:
    """Data of the edges of the given types that end at `node`."""
    return [d for _, _, d in graph.in_edges(node, data=True) if d.get("type") in edge_types]


class ResourceGraph:
    """Typed questions over the resource graph, the one model rules and `homelint graph` query."""

    def __init__(self, graph: MultiDiGraph) -> None:
        self.nx = graph  # the graph itself (networkx's interface), for the few questions not asked here yet

    def needed(self, kind: RefKind) -> list[RefNode]:
        """Every node of `kind` something uses or produces, sorted (by namespace and name)."""
        return sorted(n for n in self.nx.nodes if type(n) is RefNode and n.kind == kind)

    def users_of(self, node: RefNode, *edge_types: str) -> list[Edge]:
        """The edges of the given use types (claims, uses-secret, ...) that end at `node`."""
        return in_edges_of(self.nx, node, *edge_types)

    def producers_of(self, kind: RefKind, namespace: str, name: str) -> list[Edge]:
        """The produces-<kind> edges that make (kind, namespace, name) by name."""
        return in_edges_of(self.nx, RefNode(kind, namespace, name), f"produces-{kind}")

    def produced(self, kind: RefKind) -> Produced:
        """What the repository produces of `kind`, per namespace, by name or by name pattern."""
        return Produced(self.nx, kind)

    def kustomizations(self) -> list[FluxKS]:
        """Every Flux Kustomization the model evaluated (roots first, then as they were reached); one
        key may come more than once (an object two parents apply, patched differently)."""
        return list(self.nx.graph["kustomizations"])

    def applied(self, kind: str | None = None) -> Iterator[Applied]:
        """Every application of an object (of `kind`): one per object and Kustomization that applies
        it, grouped by object, in the order the model first applied each object."""
        for node, data in self.nx.nodes(data=True):
            if type(node) is ObjNode and kind in (None, node.kind):
                yield from data["applied"]

    def edges(self, edge_type: str) -> Iterator[Edge]:
        """Every edge of one type, in insertion order."""
        return (d for _, _, d in self.nx.edges(data=True) if d.get("type") == edge_type)

    def uses(self, edge_type: str) -> Iterator[tuple[RefNode, Edge]]:
        """(what is used, the edge) of every edge of one use type (uses-secret, ...), in insertion order."""
        return ((target, d) for _, target, d in self.nx.edges(data=True) if d.get("type") == edge_type)


class Produced:
    """What the repository produces of one kind ("claim", "secret", "configmap", ...), per namespace,
    and what Kubernetes makes in every namespace (producers.yaml `cluster`). A name only kustomize
    generators make with a name hash is in `hashed` (namespace, generator name -> those objects),
    not in `names`: only the references kustomize rewrites find it (model/namerefs.py)."""

    def __init__(self, graph: MultiDiGraph, kind: RefKind) -> None:
        self.names: dict[str, set[str]] = {}
        self.patterns: dict[str, list[re.Pattern[str]]] = {}
        self.hashed: dict[tuple[str, str], list[Applied]] = {}
        self.matching: dict[str, list[Callable[[str], bool]]] = {}  # name -> the namespaces a mirror reaches
        made = [name for object_kind, node_kind in NODE_KIND.items() if node_kind == kind for name in cluster_made(object_kind)]
        if made:
            self.names[ANY_NAMESPACE] = set(made)
        edge_type = f"produces-{kind}"
        for node in graph.nodes:
            if type(node) is RefNode and node.kind == kind:
                producers = in_edges_of(graph, node, edge_type)
                if producers and all(_hashed_generated(e.get("applied"), node.name) for e in producers):
                    self.hashed[(node.namespace, node.name)] = [e["applied"] for e in producers]
                elif producers:
                    matcher = namespace_matcher(node.namespace)
                    if matcher is not None:
                        self.matching.setdefault(node.name, []).append(matcher)
                    else:
                        self.names.setdefault(node.namespace, set()).add(node.name)
            elif type(node) is PatternNode and node.kind == kind:
                self.patterns.setdefault(node.namespace, []).append(re.compile(node.pattern))

    def covers(self, namespace: str, name: str) -> bool:
        """Produced by name, or possibly by a producer whose name or namespace uses unreadable
        variables (never guess)."""
        if name in self.names.get(namespace, set()) or name in self.names.get(ANY_NAMESPACE, set()):
            return True
        if self.mirrored(namespace, name):
            return True
        return any(p.fullmatch(name) for ns in (namespace, ANY_NAMESPACE) for p in self.patterns.get(ns, []))

    def mirrored(self, namespace: str, name: str) -> bool:
        """Made by a mirror (reflector) whose namespace patterns match `namespace`."""
        return any(matches(namespace) for matches in self.matching.get(name, ()))

    def anywhere(self, name: str) -> bool:
        """Produced by name (or possibly, by a pattern) in some namespace: a cluster-scoped kind."""
        return (
            name in self.matching
            or any(name in names for names in self.names.values())
            or any(p.fullmatch(name) for patterns in self.patterns.values() for p in patterns)
        )


def _hashed_generated(applied: Applied | None, name: str) -> bool:
    """`name` is the generator's name of a ConfigMap/Secret that kustomize names with a hash appended."""
    return applied is not None and applied.hashed and applied.obj.kind in ("ConfigMap", "Secret") and name == applied.obj.name


def obj_node(applied: Applied) -> ObjNode:
    return ObjNode(applied.kind, applied.ns, applied.name)


def build_graph(repo: Repo) -> ResourceGraph:
    flux = repo.flux_model
    graph = MultiDiGraph(kustomizations=tuple(flux.kustomizations))
    # The data of the edges that carry nothing but their type, and the attributes of file nodes:
    # one dict each, shared by every such edge or node of this graph (one per edge was a sixth of
    # the graph's memory). Edge data and file node attributes are read, never changed.
    includes, applies_path = {"type": "includes"}, {"type": "applies-path"}
    reconciles, contains = {"type": "reconciles"}, {"type": "contains"}
    applied_file, other_file = {"applied": True}, {"applied": False}
    files: dict[str, FileNode] = {}  # the nodes of files and Kustomizations, made once (each edge reuses them)
    for path in repo.files.yaml_files:
        files[path] = FileNode(path)
        graph.add_shared_node(files[path], applied_file if path in flux.applied_files else other_file)
    dirs = {directory: DirNode(directory) for directory in repo.kustomize_dirs}  # as `files`
    for directory, kd in repo.kustomize_dirs.items():
        dir_node = dirs[directory]
        graph.add_node(dir_node, kustomization=kd)
        graph.add_shared_edge(dir_node, files.get(kd.file) or FileNode(kd.file), includes)
        for entry in kd.entries:
            target: Node = dirs.get(entry.target) or files.get(entry.target) or FileNode(entry.target)
            graph.add_shared_edge(dir_node, target, IncludesEdge(entry))
    kss: dict[str, KsNode] = {}
    for ks in flux.kustomizations:
        ks_node = kss[ks.key] = kss.get(ks.key) or KsNode(ks.key)
        graph.add_node(ks_node)
        graph.nodes[ks_node].setdefault("kustomizations", []).append(ks)
        if ks.path is not None:
            graph.add_shared_edge(ks_node, dirs.get(ks.path) or DirNode(ks.path), applies_path)
        if ks.parent is not None:
            graph.add_shared_edge(kss.get(ks.parent.key) or KsNode(ks.parent.key), ks_node, reconciles)
    variables: dict[str, VarNode] = {}
    uses: dict[int, tuple[K8sObject, list[tuple[VarNode, list[tuple[Any, ...]]]]]] = {}
    objs: dict[ObjNode, ObjNode] = {}  # one tuple per object node, not one per application or use
    for ks in flux.kustomizations:
        _add_variables(graph, repo, ks, uses, variables, objs)
    for applied in flux.applied:
        made = obj_node(applied)
        node = objs.setdefault(made, made)
        if node not in graph:
            graph.add_node(node, applied=[])
        graph.nodes[node].setdefault("applied", []).append(applied)
        graph.add_shared_edge(files.get(applied.obj.path) or FileNode(applied.obj.path), node, contains)
        if applied.ks is not None:
            graph.add_shared_edge(kss.get(applied.ks.key) or KsNode(applied.ks.key), node, reconciles)
        _add_references(graph, repo, applied, node)
    for memo in ("uses", "made", "flux-ks"):  # the build's own memos: let go before the checks (the peak memory)
        graph.graph.pop(memo, None)
    return ResourceGraph(graph)


USE_EDGE = {"claim": "claims", "secret": "uses-secret", "configmap": "uses-configmap"}


def _add_references(graph: Any, repo: Repo, applied: Applied, node: ObjNode) -> None:
    obj = applied.obj
    ns = applied.ns
    if obj.kind in SOURCE_KINDS and obj.group.startswith("source.toolkit.fluxcd.io"):
        graph.add_edge(node, SourceNode(obj.kind, ns, obj.name), type="is-source")
    # an object that ends up with no namespace (HL110), or whose Kustomization's targetNamespace a
    # transformer the model does not apply may set (a configurations: fieldSpec): what it makes may be
    # anywhere, what it needs is unknown
    moved = _target_unread(repo, applied) and (obj.group, obj.kind) not in CLUSTER_SCOPED_BUILTINS
    _add_products(graph, repo, applied, node, obj, ns if applied.namespace and not moved else ANY_NAMESPACE, None)
    for made in resource_set_objects(obj):
        made_ns = made.namespace or ns
        _add_products(graph, repo, applied, node, made, ANY_NAMESPACE if is_templated(made_ns) else made_ns, ("spec",))
    target = obj.spec.get("targetNamespace") if obj.kind == "HelmRelease" else None
    own = applied.ns
    target = target if isinstance(target, str) and target else own
    built = _as_flux_builds_it(graph, repo, applied)
    memo = graph.graph.setdefault("uses", {})  # one object applied by many Kustomizations is read once
    served = served_chart(repo, applied) if obj.kind == "HelmRelease" else None
    key = (id(built), own, target, served)
    if key not in memo:
        memo[key] = (built, list(consumed_refs(built, own, target, served, cluster_resource_namespace(repo))))
    for use in [*memo[key][1], *_values_from_uses(repo, applied, own, target, served)]:
        if use.switches and _switched_off_by_substitution(applied, use.switches, repo):
            continue  # a chart section (or subchart) the substituted values turn off: not rendered
        where = _known_namespace(applied, use.namespace, repo)
        real = resolved_name(applied, use.name, repo)
        if real and where and use.written is None:
            # a name namePrefix/nameSuffix changed: kustomize rewrites only some references (none in a ConfigMap's data)
            real = affixed_reference(repo, applied, use.kind, where, real, use.field)
        if not real or not where:
            continue  # a name or namespace that cannot be known here is not checked (never guess)
        kind = NODE_KIND[use.kind]
        edge = USE_EDGE[kind]
        # an object with no namespace of its own (HL110): "default" is a guess, used only to link
        guessed = (applied.namespace is None or moved) and where == own
        graph.add_shared_edge(node, RefNode(kind, where, real), UseEdge(edge, use.field, applied, use, use.row, guessed))
    _add_resource_set_uses(graph, repo, applied, node, moved)


def _target_unread(repo: Repo, applied: Applied) -> bool:
    """Whether the spec.targetNamespace of the Flux Kustomization that applies `applied` may be
    other than the model read (FluxModel.target_namespace_unread), so its namespaced objects may
    land in any namespace."""
    ks = applied.ks
    flux = repo.flux
    return ks is not None and ks.obj is not None and flux is not None and flux.target_namespace_unread(ks)


def _add_resource_set_uses(graph: Any, repo: Repo, applied: Applied, node: ObjNode, moved: bool) -> None:
    """What the objects of a ResourceSet's `spec.resources` need, as flux-operator applies them
    (in the ResourceSet's namespace when they have none; `moved`: that namespace is not known),
    located in the ResourceSet: a reference
    whose name or namespace holds a `<< >>` action differs per input, and is not judged; neither
    is anything of an object whose own namespace does."""
    ns = applied.ns
    for at, made in resource_set_resources(applied.obj):
        made_ns = made.namespace or ns
        if is_templated(made_ns) or is_templated(made.name):
            continue
        for use in consumed_refs(made, made_ns, made_ns, None, cluster_resource_namespace(repo)):
            if is_templated(use.name) or (use.namespace is not None and is_templated(use.namespace)):
                continue
            where = _known_namespace(applied, use.namespace, repo)
            real = resolved_name(applied, use.name, repo)
            if not real or not where:
                continue
            kind = NODE_KIND[use.kind]
            field = (*at, *use.field)
            located = replace(use, field=field)
            guessed = moved and made.namespace is None  # in the ResourceSet's namespace, which is not known
            graph.add_shared_edge(
                node, RefNode(kind, where, real), UseEdge(USE_EDGE[kind], field, applied, located, use.row, guessed)
            )


_FALSE = ("false", "False", "FALSE")  # YAML 1.2 core schema


def _values_from_uses(repo: Repo, applied: Applied, namespace: str, target: str, served: str | None) -> list[Use]:
    """What a HelmRelease needs by the chart values it takes from `spec.valuesFrom`: the consumer
    rows read the values helm-controller passes (helmvalues.assemble: the valuesFrom entries in
    order, then `spec.values` over them), and keep each reference that one of those entries wrote
    (consumed_refs reads those in `spec.values`), `written` where it is. A value of a Secret is not
    read (its text is never shown); a value whose name Flux substituted already but still holds a
    `${` is not known. With a source that cannot be read (not in the repository, SOPS-encrypted, an
    entry it fails to parse), or an `enabled` that is not known above it, each is only a
    `mention`: that source may set it otherwise, or switch it off."""
    obj = applied.obj
    entries = obj.spec.get("valuesFrom") if obj.kind == "HelmRelease" else None
    if not entries or not isinstance(entries, list) or obj.group != "helm.toolkit.fluxcd.io" or obj.is_sops:
        return []
    assembly = assemble(repo, applied)
    unread = assembly.open_root or bool(assembly.open_paths)
    found: list[Use] = []
    for use in chart_value_refs(obj, assembly.values, namespace, target, served):
        written = assembly.written(use.field[2:])
        if written is None or not written[2] or written[0].entry is None:
            continue  # written in spec.values or a patch of it: consumed_refs reads it there
        source, inner = written[0], written[1]
        if source.secret or ("${" in use.name and not source.unsubstituted):
            continue
        span = partial(source.locate, inner, False)
        mention = unread or bool(use.switches)
        found.append(replace(use, switches=(), written=Written(source.path, source.label, span), mention=mention))
    return found


@dataclass(frozen=True, slots=True)
class ValuesImage:
    """An app-template image of the chart values a HelmRelease passes: `ref` as helm_release_refs
    finds it in the merged values (field: its `image` mapping under `spec.values`; extra: repository
    and tag); `written` where a `valuesFrom` entry writes its tag (its repository when it has none),
    None where `spec.values` (or a patch of it) does; `marked` when that place is a YAML file of its
    own (a generator's values file), whose comments image-automation-controller reads; `hidden`
    when a part of it is not to be read (a Secret's, a substituted variable's)."""

    ref: Ref
    written: Written | None
    marked: bool = False
    hidden: bool = False


def values_from_images(repo: Repo, applied: Applied) -> list[ValuesImage] | None:
    """The app-template images of the chart values helm-controller passes to a HelmRelease with
    `valuesFrom` (helmvalues.assemble: the entries in order, then `spec.values` over them), each
    judged where its tag, or its repository when untagged, is written. None for a release without
    valuesFrom (its `spec.values` say it all: refs.helm_release_refs) and with an entry homelint
    cannot read (not in the repository, SOPS-encrypted, not YAML: it may set any image, so what
    `spec.values` says is all that is known)."""
    obj = applied.obj
    entries = obj.spec.get("valuesFrom") if obj.kind == "HelmRelease" else None
    if not entries or not isinstance(entries, list) or obj.group != "helm.toolkit.fluxcd.io" or obj.is_sops:
        return None
    assembly = assemble(repo, applied)
    if assembly.open_root or assembly.open_paths:
        return None
    substitutes = variables_for(repo, applied) is not None
    found: list[ValuesImage] = []
    for ref in helm_release_refs(obj, assembly.values, served_chart(repo, applied)):
        if ref.kind != "image":
            continue
        at = ref.field[2:]
        hidden = any(_hidden_value(repo, assembly, (*at, key), substitutes) for key in ("repository", "tag"))
        leaf = (*at, "tag") if ref.extra[1] is not None else (*at, "repository")
        written = assembly.written(leaf)
        if written is None or not written[2] or written[0].entry is None:
            found.append(ValuesImage(ref, None, hidden=hidden))  # in spec.values or a patch of it
            continue
        source, inner = written[0], written[1]
        marked = source.unsubstituted and not source.prefix and source.path.endswith((".yaml", ".yml"))
        where = Written(source.path, source.label, partial(source.locate, inner, False))
        found.append(ValuesImage(ref, where, marked, hidden))
    return found


def _hidden_value(repo: Repo, assembly: Assembly, at: FieldPath, substitutes: bool) -> bool:
    """Whether the value at `at` is not to be shown: a Secret's values wrote it, or assemble put a
    variable's value in it (in `spec.values`: Assembly.redact, where a Secret merged at the root
    marks every path, not only its own; in a ConfigMap of the repository: its text holds `${`)."""
    if any(p and tuple(at[: len(p)]) == p for p in assembly.redact):
        return True
    written = assembly.written(at)
    if written is None or not written[2]:
        return False
    source = written[0]
    if source.secret:
        return True
    if source.entry is None or source.unsubstituted or not substitutes:
        return False  # spec.values (redact), a generator's file (Flux substitutes it: `${` stays), nothing substituted
    if source.prefix:
        return True  # a targetPath's value: its ConfigMap's text is not at hand
    span = source.locate(written[1], False)
    text = repo.read_text(source.path)
    lines = text.split("\n")[span.line - 1 : span.end_line] if text is not None else []
    return any("${" in line for line in lines)


def _switched_off_by_substitution(applied: Applied, switches: tuple[tuple[str, FieldPath], ...], repo: Repo) -> bool:
    """Whether an `enabled: ${VAR}` above a reference becomes the boolean false: Flux substitutes the
    YAML text kustomize writes out for the object, where a whole `${VAR}` is a plain scalar however
    the manifest quotes it (written_plain), and reads it again, so a `${VAR}` that resolves to
    `false` reaches Helm as a boolean (SEMANTICS 1.7; fluxcd/pkg kustomize SubstituteVariables)."""
    for text, _field in switches:
        found = scan_cached(text)
        whole = len(found) == 1 and found[0].start == 0 and found[0].end == len(text)
        if whole and written_plain(text) and resolved_name(applied, text, repo) in _FALSE:
            return True
    return False


def _as_flux_builds_it(graph: Any, repo: Repo, applied: Applied) -> Any:
    """A Flux Kustomization as its parent's `spec.patches` leave it (they may add substituteFrom);
    any other object as it is."""
    obj = applied.obj
    if obj.kind != "Kustomization" or not obj.group.startswith("kustomize.toolkit.fluxcd.io"):
        return obj
    patched = graph.graph.get("flux-ks")
    if patched is None:
        patched = graph.graph["flux-ks"] = {(id(ks.obj), id(ks.parent)): ks for ks in repo.flux_model.kustomizations if ks.obj}
    ks = patched.get((id(obj), id(applied.ks)))
    if ks is None or ks.data is obj.data:
        return obj
    return replace(obj, data=ks.data)


def _known_namespace(applied: Applied, namespace: str | None, repo: Repo) -> str | None:
    """A namespace after substitution; None if it cannot be known."""
    if not namespace or "${" not in namespace:
        return namespace
    return resolved_name(applied, namespace, repo)


def _add_products(graph: Any, repo: Repo, applied: Applied, node: ObjNode, obj: Any, ns: str, field_of: FieldPath | None) -> None:
    """produces-<kind> edges from what `obj` makes by the producer table; `field_of` overrides the
    field of each (what a ResourceSet creates is located at its spec)."""
    memo = graph.graph.setdefault("made", {})
    # a patch that renamed it, or a generator's name hash: what it makes is named after its new name
    # (and its old one, which kustomize rewrites in some references of its build: Produced.hashed);
    # namePrefix/nameSuffix: the new name only (_add_references follows the references kustomize
    # rewrites to it: namerefs.affixed_reference); a replacements: rename: the new name only (kustomize
    # rewrites no reference to the old one)
    renamed = (
        applied.renamed
        if field_of is None and applied.obj is obj and (obj.anchor is None or applied.hashed or applied.affixed)
        else None
    )
    names: tuple[str, ...] = (obj.name,)
    if renamed and renamed != obj.name and "$" not in renamed:
        only_new = (applied.affixed or applied.replaced) and not applied.hashed
        names = (renamed,) if only_new else (obj.name, renamed)
    served = served_chart(repo, applied) if obj.kind == "HelmRelease" and applied.obj is obj else None
    for name in names:
        key = (id(obj), ns, name, served)
        if key not in memo:
            variables = {"namespace": ns, "name": name}
            if obj.kind == "HelmRelease":
                variables["release"] = release_name(obj)
            memo[key] = (obj, list(products_of(obj, variables, served)))
        for made in memo[key][1]:
            _add_product(graph, repo, applied, node, made, field_of or made.field)


def _add_product(graph: Any, repo: Repo, applied: Applied, node: ObjNode, made: Any, field: FieldPath) -> None:
    kind = NODE_KIND[made.kind]
    namespace = made.namespace
    flux = repo.flux
    if namespace not in (ANY_NAMESPACE, applied.ns) and flux is not None and flux.namespace_may_set(applied):
        # a namespace its own field names, which a configurations: fieldSpec may have the namespace
        # transformer rewrite: it may make it anywhere
        namespace = ANY_NAMESPACE
    if namespace != ANY_NAMESPACE and (is_templated(namespace) or "${" in namespace):
        namespace = _known_namespace(applied, namespace, repo) or ANY_NAMESPACE
    name = made.name
    real = resolved_name(applied, name, repo) if not is_templated(name) and "*" not in name else None
    target = RefNode(kind, namespace, real) if real else PatternNode(kind, namespace, name_pattern(name))
    graph.add_shared_edge(node, target, ProductEdge(f"produces-{kind}", field, applied, made.row))


def _add_variables(
    graph: Any,
    repo: Repo,
    ks: Any,
    found: dict[int, tuple[K8sObject, Any]],
    var_nodes: dict[str, VarNode],
    obj_nodes: dict[ObjNode, ObjNode],
) -> None:
    """A uses-var edge per object and variable a substituting Kustomization substitutes (the edge's
    `ks`: which instance; variables_of(repo, ks).origin says where each variable is defined).
    `found`: the variables of each object read so far (by object: several Kustomizations substitute
    one object), `var_nodes`: the variable nodes made so far (by name), `obj_nodes` the object nodes."""
    if ks.post_build is None:
        return
    variables = variables_of(repo, ks)
    if not variables.substitutes:
        return
    applied_as = {id(a.obj): a for a in ks.applied}
    for obj in substituted_objects(ks):
        known = found.get(id(obj))
        if known is None or known[0] is not obj:
            known = found[id(obj)] = (obj, _variable_uses(repo, obj, var_nodes))
        if not known[1]:
            continue
        made = obj_node(applied_as[id(obj)])
        node = obj_nodes.setdefault(made, made)
        for var, occurrences in known[1]:  # one edge per object and variable, every occurrence on it
            graph.add_shared_edge(node, var, VarUseEdge(ks, obj, occurrences))  # one list for every Kustomization


def _variable_uses(repo: Repo, obj: K8sObject, var_nodes: dict[str, VarNode]) -> list[tuple[VarNode, list[tuple[Any, ...]]]]:
    """(variable, (field, is_key, expr, text) of each occurrence) of each variable `obj` holds, in
    the order of their first occurrence."""
    uses: dict[str, list[tuple[Any, ...]]] = {}
    for field, text, is_key in repo.placeholder_strings(obj):
        for expr in scan_cached(text):
            uses.setdefault(expr.name, []).append((field, is_key, expr, text))
    return [(var_nodes.get(name) or var_nodes.setdefault(name, VarNode(name)), occurrences) for name, occurrences in uses.items()]
