"""Which Flux, External Secrets and Kubernetes a repository installs, per cluster, and which
apiVersions those releases serve (the table in schemas/api-versions.yaml).

Versions are read from the repository itself (SEMANTICS.md 2.5):

- Flux: a FluxInstance `spec.distribution.version` (or the `flux-instance` chart's
  `values.instance.distribution.version`, in a HelmRelease or a values file), a committed
  `gotk-components.yaml` header (`# Flux Version: v2.x.y`), a kustomization resource
  `github.com/fluxcd/flux2/manifests/install?ref=vX`, a GitRepository of fluxcd/flux2 or an
  OCIRepository of `ghcr.io/fluxcd/flux-manifests` with a tag. A distribution version that names only
  the major (`2.x`, the chart's default) is resolved with the manifests the operator installs from:
  the instance's own `distribution.artifact` when set (flux-operator pulls it instead of the
  manifests in its image: the newest Flux that `flux-operator-manifests:vX` ships; `latest` the
  newest Flux; a tag that names no release leaves Flux unknown, not judged), else the flux-operator
  release (its chart version): the newest Flux that operator ships.
  The fluxcd-community `flux2` chart (a HelmRelease, helmfile release or OCIRepository of it) installs
  a Flux whose version its own does not tell, and homelint has no table of them: Flux is then
  `pinned`, of a version not known but not the newest either, and its apiVersions are not judged.
- External Secrets: the chart version of the HelmRelease, OCIRepository or helmfile release that
  installs `external-secrets`.
- Kubernetes: talconfig `kubernetesVersion` (a `${var}` is looked up in talenv.yaml beside it), or
  the kubelet/apiserver image tag of a Talos machine config.

A range reads as its lowest matching version (`2.5.x` -> 2.5, `>=2.8` -> 2.8), except one that fixes
only the major (`2.x`, `0.x`, `*`): Flux and Helm install the newest match, so that is the newest
release (for a FluxInstance, the newest Flux its flux-operator ships). The config's `versions:` (and
`flux.version`) override what is found. Unknown means "the newest release", as the version-less
checks always assumed.

Several clusters: evidence that a root's Kustomizations apply belongs to that root; evidence nothing
applies (a bootstrap folder, a talconfig) belongs to the roots and objects it shares the longest
path prefix with.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from homelint.core.model import K8sObject
from homelint.core.resources import data_dir
from homelint.loading.yamlload import parse_bytes
from homelint.model.helmfiles import templated_helmfiles, without_unknowns

if TYPE_CHECKING:
    from homelint.model.flux import FluxKS
    from homelint.model.repo import Repo

NAMES = {"flux": "Flux", "external-secrets": "External Secrets", "kubernetes": "Kubernetes"}
FLUX_CHART = "flux2"  # the fluxcd-community chart that installs Flux (its version is the chart's own)
COMPONENTS = tuple(NAMES)


# --- versions -------------------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int = 0
    patch: int = 0

    def __str__(self) -> str:
        if self.major >= NEWEST_MAJOR:
            return "newest"
        return f"{self.major}.{self.minor}.{self.patch}" if self.patch else f"{self.major}.{self.minor}"

    @property
    def minor_key(self) -> tuple[int, int]:
        """API availability changes with minor releases: compare major.minor."""
        return (self.major, self.minor)

    @property
    def newest(self) -> bool:
        return self.major >= NEWEST_MAJOR


NEWEST_MAJOR = 10**6
NEWEST = Version(NEWEST_MAJOR)

_NUMBER = re.compile(r"v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")
_COMPARATOR = re.compile(r"(>=|<=|>|<|=|\^|~>|~)?\s*v?(\d+(?:\.(?:\d+|[xX*])){0,2}|[xX*])")


def parse_version(text: Any) -> tuple[Version | None, str]:
    """(version, how) of a version or range: how is 'exact', 'range' (lowest match) or 'major'
    (only the major is fixed: `2.x`, `*`, `^2`; None for `*`). (None, '') when unreadable."""
    if not isinstance(text, str | int | float) or isinstance(text, bool):
        return None, ""
    spec = str(text).strip().strip("\"'").split("@", 1)[0].strip()
    if not spec:
        return None, ""
    if re.fullmatch(r"[xX*]", spec):
        return None, "major"
    exact = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.-]*)?", spec)
    if exact:
        return Version(int(exact[1]), int(exact[2]), int(exact[3] or 0)), "exact"
    lows: list[Version] = []
    major_only = False
    for alternative in spec.split("||"):
        alternative = alternative.strip()
        hyphen = re.fullmatch(r"v?([\d.xX*]+)\s+-\s+v?[\d.xX*]+", alternative)
        comparators = [("", hyphen[1])] if hyphen else _COMPARATOR.findall(alternative)
        bounds = []
        for op, number in comparators:
            if op in ("<", "<="):
                continue
            parts = number.split(".")
            if parts[0] in ("x", "X", "*"):
                major_only = True
                continue
            major = int(parts[0])
            minor = parts[1] if len(parts) > 1 else None
            patch = parts[2] if len(parts) > 2 else None
            if minor is None or minor in ("x", "X", "*"):
                if op in ("", "=", "^", "~", "~>"):
                    major_only = True
                bounds.append(Version(major))
                continue
            version = Version(major, int(minor), int(patch) if patch and patch.isdigit() else 0)
            if op == ">":
                version = Version(version.major, version.minor, version.patch + 1)
            bounds.append(version)
        if bounds:
            lows.append(max(bounds))
    if not lows:
        return (None, "major") if major_only else (None, "")
    low = min(lows)
    if major_only and low.minor == 0 and low.patch == 0:
        return low, "major"
    return low, "range"


def release(text: str) -> Version:
    version, _ = parse_version(text)
    assert version is not None, text
    return version


# --- the table ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Availability:
    served: Version
    deprecated: Version | None
    removed: Version | None

    def serves(self, version: Version) -> bool:
        return self.served.minor_key <= version.minor_key and (self.removed is None or version.minor_key < self.removed.minor_key)


@dataclass(frozen=True)
class ApiEntry:
    component: str
    kinds: tuple[str, ...]
    versions: dict[str, Availability]
    note: str = ""

    def best(self, at: Version, *, also: Version | None = None, than: str | None = None) -> str | None:
        """The apiVersion to recommend at `at` (and `also`): served there, the most stable and newest;
        when `than` is given, only one that lasts longer than it."""
        candidates = []
        for api, avail in self.versions.items():
            if not avail.serves(at) or (also is not None and not avail.serves(also)):
                continue
            if than is not None:
                old = self.versions[than]
                if api == than or not _outlives(avail, old) or api_priority(api) <= api_priority(than):
                    continue
            candidates.append(api)
        return max(candidates, key=api_priority, default=None)


def _outlives(new: Availability, old: Availability) -> bool:
    if new.removed is None:
        return True
    return old.removed is not None and new.removed.minor_key > old.removed.minor_key


def api_priority(api_version: str) -> tuple[int, int, int]:
    """Kubernetes version priority: GA above beta above alpha, then the higher number."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", api_version.rsplit("/", 1)[-1])
    if not match:
        return (0, 0, 0)
    level = {"alpha": 1, "beta": 2}.get(match[2] or "", 3)
    return (level, int(match[1]), int(match[3] or 0))


@dataclass(frozen=True)
class Table:
    apis: dict[tuple[str, str], ApiEntry]  # (apiVersion, kind) -> entry
    behaviours: dict[str, tuple[str, Version]]
    operator_bundles: tuple[tuple[Version, Version], ...]  # (operator release, newest Flux it ships)

    def entry(self, api_version: str, kind: str) -> ApiEntry | None:
        return self.apis.get((api_version, kind))

    def flux_of_operator(self, operator: Version) -> Version | None:
        found = None
        for release_, flux in self.operator_bundles:
            if release_ <= operator:
                found = flux
        return found


@cache
def table() -> Table:
    path = data_dir("schemas") / "api-versions.yaml"
    parsed = parse_bytes(str(path), path.read_bytes())
    data = parsed.docs[0]
    apis: dict[tuple[str, str], ApiEntry] = {}
    for item in data["apis"]:
        versions = {
            api: Availability(
                release(v["served"]),
                release(v["deprecated"]) if "deprecated" in v else None,
                release(v["removed"]) if "removed" in v else None,
            )
            for api, v in item["versions"].items()
        }
        entry = ApiEntry(item["component"], tuple(item["kinds"]), versions, item.get("note", ""))
        for kind in entry.kinds:
            for api in versions:
                apis[(api, kind)] = entry
    behaviours = {name: (b["component"], release(b["since"])) for name, b in data["behaviours"].items()}
    bundles = tuple(sorted((release(b["operator"]), release(b["flux"])) for b in data["flux-operator"]))
    return Table(apis, behaviours, bundles)


def has_behaviour(behaviour: str, installed: Installed) -> bool:
    """Whether `installed` behaves as `behaviour` of the table (its release or a later one; an
    unknown release is the newest)."""
    return installed.version.minor_key >= table().behaviours[behaviour][1].minor_key


# --- what the repository installs -----------------------------------------------------------------
@dataclass(frozen=True)
class Installed:
    """The release of one component that a cluster (or the whole repository) runs."""

    component: str
    version: Version  # NEWEST when nothing says
    source: str  # how it was read, for people
    path: str | None = None  # where (repo-relative), None for the config or nothing
    line: int = 0
    pinned: bool = False  # installed at a version homelint cannot read (version NEWEST): nothing is judged by it
    assumed: bool = False  # nothing in the repository or the config tells the version: the newest is a guess

    @property
    def known(self) -> bool:
        return not self.version.newest

    @property
    def name(self) -> str:
        return NAMES[self.component]

    @property
    def label(self) -> str:
        if self.pinned:
            return f"{self.name} of an unknown version"
        return f"{self.name} {self.version}" if self.known else f"the newest {self.name}"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.path else ""

    def describe(self) -> str:
        if self.pinned:
            return f"{self.name}: version unknown, its apiVersions not judged ({self.source}, {self.where})"
        if not self.known:
            return f"{self.name}: newest assumed ({self.source})"
        return f"{self.name} {self.version} ({self.source}{', ' + self.where if self.where else ''})"


@dataclass
class Evidence:
    component: str  # flux | flux-operator | external-secrets | kubernetes
    version: Version | None
    how: str  # exact | range | major | chart (a chart whose version is not the component's: None)
    source: str
    path: str
    line: int
    roots: frozenset[str] = frozenset()
    strict: bool | None = None  # a StrictPostBuildSubstitutions feature gate in the Flux install
    # a FluxInstance's spec.distribution.artifact: the manifests it installs Flux from (their
    # flux-operator release: how 'exact'; 'latest'; or 'unknown', a tag that names no release)
    manifests: Evidence | None = None

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path)


_FLUX_INSTALL_URL = re.compile(
    r"fluxcd/flux2/+(?:manifests/install\?ref=|releases/download/)(v?\d+\.\d+(?:\.\d+)?)", re.IGNORECASE
)
_FLUX_INSTALL = re.compile(r"fluxcd/flux2/+(?:manifests/install(?![\w-])|releases/download/)", re.IGNORECASE)
_GOTK_HEADER = re.compile(r"^#\s*Flux Version:\s*(v?\d+\.\d+(?:\.\d+)?)", re.MULTILINE)
_STRICT_GATE = re.compile(r"StrictPostBuildSubstitutions=(true|false)", re.IGNORECASE)
OPERATOR_MANIFESTS = "flux-operator-manifests"  # the OCI artifact of the distribution manifests of each operator release
_IMAGE_TAG = re.compile(r"(?:kubelet|kube-apiserver):(v?\d+\.\d+(?:\.\d+)?)")


def installs_flux(entries: Iterable[str]) -> bool:
    """Whether a kustomization with these `resources:` installs Flux itself: a gotk-components
    file (`flux bootstrap`, `flux install --export`) or fluxcd/flux2's install manifests. Such a
    folder is applied by hand or by `flux bootstrap` before any Flux Kustomization exists."""
    return any(_FLUX_INSTALL.search(e) or posixpath.basename(e).startswith("gotk-components") for e in entries)


class Versions:
    """Evidence found in the repository and what each cluster installs (memoized per repo)."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.config = repo.config
        self.evidence: dict[str, list[Evidence]] = {c: [] for c in ("flux", "flux-operator", "external-secrets", "kubernetes")}
        self._obj_roots: dict[int, frozenset[str]] = {}
        self._file_roots: dict[str, frozenset[str]] = {}
        self._ks_of: dict[int, Any] = {}
        flux = repo.flux
        shared: dict[frozenset[str], frozenset[str]] = {}  # equal sets of roots kept once (most are of one root)
        for applied in flux.applied if flux is not None else []:
            root = _cluster(applied.ks) if applied.ks is not None else ""
            source = applied.obj.source  # the repository's document (a patched copy is applied in its place)
            if root:
                roots = self._obj_roots.get(id(source), frozenset()) | {root}
                self._obj_roots[id(source)] = shared.setdefault(roots, roots)
                roots = self._file_roots.get(applied.obj.path, frozenset()) | {root}
                self._file_roots[applied.obj.path] = shared.setdefault(roots, roots)
            if applied.ks is not None and applied.ks.post_build is not None:
                self._ks_of.setdefault(id(source), applied.ks)  # the one that substitutes
        clusters = {_cluster(ks) for ks in flux.kustomizations} if flux is not None else set()
        self.roots: list[str] = sorted(c for c in clusters if c)  # one per cluster (nested roots are one)
        self._scope_memo: dict[tuple[str, frozenset[str], str], Installed] = {}
        self._dir_memo: dict[tuple[str, str], Installed] = {}
        self._prefixes: _Prefix | None = None  # the roots by their folders (_nearest_root)
        self._evidence_index: dict[str, _EvidenceIndex] = {}  # per component (_pick)
        # the component targets (a chart name in `targets` is HL807's, not a component's)
        components = ((c, _target(s)) for c, s in self.config.targets.items() if c in NAMES)
        self.targets = {c: v for c, v in components if v is not None}
        self._detect()

    # -- detection ---------------------------------------------------------------------------------
    def _add(
        self, component: str, text: Any, source: str, obj_or_path: K8sObject | str, keys: tuple[Any, ...] = (), **kw: Any
    ) -> Evidence | None:
        version, how = parse_version(text)
        if not how:
            return None
        if isinstance(obj_or_path, K8sObject):
            path, line = obj_or_path.path, self.repo.span(obj_or_path.path, obj_or_path.doc, keys).line
            roots = self._obj_roots.get(id(obj_or_path.source), frozenset())
        else:
            path, line = obj_or_path, kw.pop("line", 1)
            roots = self._file_roots.get(path, frozenset())
        display = f"{source} '{text}'" if how != "exact" else source
        found = Evidence(component, version, how, display, path, line, roots, **kw)
        self.evidence[component].append(found)
        return found

    def _detect(self) -> None:
        repo = self.repo
        for obj in repo.objects:
            kind, spec = obj.kind, obj.spec
            if kind == "FluxInstance":
                dist = spec.get("distribution")
                dist = dist if isinstance(dist, dict) else {}
                self._instance(obj, dist, ("spec", "distribution"), "FluxInstance spec.distribution.version", spec)
            elif kind == "HelmRelease":
                values = spec.get("values")
                instance = values.get("instance") if isinstance(values, dict) else None
                dist = instance.get("distribution") if isinstance(instance, dict) else None
                dist = dist if isinstance(dist, dict) else {}
                # helm-controller merges valuesFrom under spec.values: a values file there may set the distribution
                from_values = "version" not in dist and "artifact" not in dist and bool(spec.get("valuesFrom"))
                if (
                    not from_values
                    and isinstance(instance, dict)
                    and any(k in instance for k in ("distribution", "sync", "components"))
                ):
                    keys = ("spec", "values", "instance", "distribution")
                    self._instance(obj, dist, keys, "flux-instance HelmRelease values.instance.distribution.version", instance)
                chart = spec.get("chart")
                chart_spec = chart.get("spec") if isinstance(chart, dict) else None
                if isinstance(chart_spec, dict) and isinstance(chart_spec.get("chart"), str):
                    name = posixpath.basename(chart_spec["chart"])
                    component = {"external-secrets": "external-secrets", "flux-operator": "flux-operator"}.get(name)
                    # a release installs nothing unless Flux applies it (no root here does: HL104)
                    if component and "version" in chart_spec and not self._unapplied(obj):
                        keys = ("spec", "chart", "spec", "version")
                        self._add(component, chart_spec["version"], f"HelmRelease {obj.name} chart {name} version", obj, keys)
                    elif name == FLUX_CHART:
                        keys = ("spec", "chart", "spec", "version" if "version" in chart_spec else "chart")
                        self._flux_chart(
                            f"HelmRelease {obj.name} of the {FLUX_CHART} chart", chart_spec.get("version"), obj, keys
                        )
            elif kind in ("OCIRepository", "GitRepository"):
                self._source(obj)
        for path, parsed in repo.parsed.items():
            base = posixpath.basename(path)
            if base.startswith("gotk-components"):
                text = repo.read_text(path) or ""
                header = _GOTK_HEADER.search(text[:2000])
                if header:
                    line = text.count("\n", 0, header.start()) + 1
                    self._add("flux", header[1], f"{base} header", path, line=line)
            for doc in parsed.docs:
                if not isinstance(doc, dict) or ("apiVersion" in doc and "kind" in doc):
                    continue
                self._plain_document(path, doc, base)
        for path, docs in templated_helmfiles(repo):  # a value a template computes is not known
            for doc in docs:
                if isinstance(doc, dict):
                    self._plain_document(path, without_unknowns(doc), posixpath.basename(path))
        for kd in repo.kustomize_dirs.values():
            for entry in kd.of_kind("resources"):
                match = _FLUX_INSTALL_URL.search(entry.value)
                if match:
                    line = repo.span(kd.file, kd.doc, entry.field).line
                    found = self._add("flux", match[1], "kustomization resource fluxcd/flux2 manifests", kd.file, line=line)
                    if found is not None:
                        found.strict = _strict_gate(kd.data.get("patches"))

    def _flux_chart(
        self, source: str, version: Any, obj_or_path: K8sObject | str, keys: tuple[Any, ...] = (), line: int = 1
    ) -> None:
        """A Flux installed by the fluxcd-community `flux2` chart: pinned, at a version unknown here."""
        shown = f" {version}" if isinstance(version, str | int | float) and not isinstance(version, bool) else ""
        if isinstance(obj_or_path, K8sObject):
            path, line = obj_or_path.path, self.repo.span(obj_or_path.path, obj_or_path.doc, keys).line
            roots = self._obj_roots.get(id(obj_or_path.source), frozenset())
        else:
            path, roots = obj_or_path, self._file_roots.get(obj_or_path, frozenset())
        self.evidence["flux"].append(Evidence("flux", None, "chart", f"{source}{shown}", path, line, roots))

    def _instance(self, obj: K8sObject, dist: dict[str, Any], keys: tuple[Any, ...], source: str, body: Any) -> None:
        strict = _strict_gate(body)
        version = dist.get("version", "2.x")  # the FluxInstance CRD's and the chart's default
        found = self._add("flux", version, source, obj, (*keys, "version") if "version" in dist else keys, strict=strict)
        if found is not None and "artifact" in dist:
            line = self.repo.span(obj.path, obj.doc, (*keys, "artifact")).line
            found.manifests = _manifests(dist["artifact"], obj.path, line, found.roots)
        elif found is not None and obj.kind != "FluxInstance":
            found.manifests = _chart_default(found)

    def _source(self, obj: K8sObject) -> None:
        url = obj.spec.get("url")
        ref = obj.spec.get("ref")
        if obj.kind == "OCIRepository" and isinstance(url, str) and url.rstrip("/").endswith(f"/charts/{FLUX_CHART}"):
            tag = ref.get("tag") if isinstance(ref, dict) else None
            self._flux_chart(f"OCIRepository {obj.name} of the {FLUX_CHART} chart", tag, obj, ("spec", "url"))
            return
        if not isinstance(url, str) or not isinstance(ref, dict):
            return
        field = "tag" if "tag" in ref else "semver" if "semver" in ref else None
        if field is None:
            return
        value = ref[field]
        if isinstance(value, str) and "${" in value:
            value = self._substituted(obj, value)
        clean = url.rstrip("/").removesuffix(".git")
        component = None
        if obj.kind == "OCIRepository" and clean.endswith("/fluxcd/flux-manifests"):
            component, what = "flux", "OCIRepository of flux-manifests"
        elif obj.kind == "GitRepository" and clean.endswith("github.com/fluxcd/flux2"):
            component, what = "flux", "GitRepository of fluxcd/flux2"
        elif obj.kind == "OCIRepository" and clean.endswith("/charts/flux-operator"):
            component, what = "flux-operator", "OCIRepository of the flux-operator chart"
        elif obj.kind == "OCIRepository" and clean.endswith("/external-secrets"):
            component, what = "external-secrets", "OCIRepository of the external-secrets chart"
        if component is None or value is None:
            return
        if self._unapplied(obj):
            return  # a source installs nothing unless Flux applies it, and no root here does (dead code: HL104)
        self._add(component, value, f"{what} ref.{field}", obj, ("spec", "ref", field))

    def _unapplied(self, obj: K8sObject) -> bool:
        """Whether the roots are known and none applies `obj`."""
        flux = self.repo.flux
        return flux is not None and flux.roots_known and not self._obj_roots.get(id(obj.source))

    def _substituted(self, obj: K8sObject, text: str) -> str | None:
        from homelint.core.substitution import resolve  # start-up: a warm run does not need it
        from homelint.model.variables import variables_of  # start-up: a warm run does not need it

        ks = self._ks_of.get(id(obj.source))
        values = variables_of(self.repo, ks).values if ks is not None else {}
        return resolve(text, values)

    def _plain_document(self, path: str, doc: dict[str, Any], base: str) -> None:
        """Non-object YAML: helmfile releases, flux-instance values files, talconfig, Talos configs."""
        releases = doc.get("releases")
        if isinstance(releases, list):
            for item in releases:
                if not isinstance(item, dict) or not isinstance(item.get("chart"), str) or "version" not in item:
                    continue
                name = posixpath.basename(item["chart"])
                component = {"external-secrets": "external-secrets", "flux-operator": "flux-operator"}.get(name)
                if name == FLUX_CHART:
                    line = self._line(path, "version", item["version"])
                    self._flux_chart(f"helmfile release of the {FLUX_CHART} chart", item["version"], path, line=line)
                elif component:
                    line = self._line(path, "version", item["version"])
                    self._add(component, item["version"], f"helmfile release {name} version", path, line=line)
            for item in releases:  # the flux-instance chart's values written inline in a release
                chart = item.get("chart") if isinstance(item, dict) else None
                values = item.get("values") if isinstance(chart, str) and chart.rstrip("/").endswith("flux-instance") else None
                for value in values if isinstance(values, list) else []:
                    if isinstance(value, dict):
                        self._instance_values(path, value.get("instance"))
        self._instance_values(path, doc.get("instance"))
        if base.startswith("talconfig") and "kubernetesVersion" in doc:
            value = doc["kubernetesVersion"]
            if isinstance(value, str) and "${" in value:
                value = self._talenv(path, value)
            if value is not None:
                line = self._line(path, "kubernetesVersion", doc["kubernetesVersion"])
                self._add("kubernetes", value, "talconfig kubernetesVersion", path, line=line)
        machine, cluster = doc.get("machine"), doc.get("cluster")
        if isinstance(machine, dict) and isinstance(cluster, dict):
            for keys in (("machine", "kubelet", "image"), ("cluster", "apiServer", "image")):
                image: Any = doc
                for key in keys:
                    image = image.get(key) if isinstance(image, dict) else None
                tag = _IMAGE_TAG.search(image) if isinstance(image, str) else None
                if tag:
                    line = self._line(path, "image", image)
                    self._add("kubernetes", tag[1], f"Talos machine config {'.'.join(keys)}", path, line=line)
                    break

    def _instance_values(self, path: str, instance: Any) -> None:
        """The Flux of flux-instance chart values `instance` (a values file's, or a helmfile
        release's inline values) in file `path`."""
        if not isinstance(instance, dict) or not any(k in instance for k in ("distribution", "sync", "components")):
            return
        dist = instance.get("distribution")
        dist = dist if isinstance(dist, dict) else {}  # the chart's defaults: version 2.x, its artifact
        keys = ("instance", "distribution", "version") if "version" in dist else ("instance", "distribution")
        line = self._line(path, keys[-1], dist.get(keys[-1]))
        found = self._add(
            "flux",
            dist.get("version", "2.x"),
            "flux-instance values instance.distribution.version",
            path,
            line=line,
            strict=_strict_gate(instance),
        )
        if found is not None and "artifact" in dist:
            line = self._line(path, "artifact", dist["artifact"])
            found.manifests = _manifests(dist["artifact"], path, line, found.roots)
        elif found is not None:
            found.manifests = _chart_default(found)

    def _line(self, path: str, key: str, value: Any) -> int:
        """The line of `key: value` in a plain YAML file, found in its text: composing a long file
        (a talconfig, a helmfile) for one position costs more than the whole version lookup."""
        text = self.repo.read_text(path) or ""
        wanted = str(value) if isinstance(value, str | int | float) else ""
        fallback = 0
        for number, line in enumerate(text.split("\n"), 1):
            if key + ":" in line:
                if wanted and wanted in line:
                    return number
                fallback = fallback or number
        return fallback or 1

    def _talenv(self, path: str, text: str) -> str | None:
        from homelint.core.substitution import resolve  # start-up: a warm run does not need it

        directory = posixpath.dirname(path)
        values: dict[str, str] = {}
        for name in ("talenv.yaml", "talenv.yml", "talenv.sops.yaml"):
            parsed = self.repo.parsed.get(posixpath.join(directory, name))
            for doc in parsed.docs if parsed is not None else []:
                if isinstance(doc, dict):
                    values.update({str(k): str(v) for k, v in doc.items() if isinstance(v, str | int | float)})
        return resolve(text, values)

    # -- resolution ----------------------------------------------------------------------------------
    def _pick(self, component: str, roots: frozenset[str], near: str) -> Evidence | None:
        """The evidence for a scope: applied by one of its roots, else the one sharing the longest
        path prefix with `near`; among those, a version before a major-only one, then the lowest.
        Looked up in an index of the evidence (by root, and a tree of its folders), not by scanning
        every piece for every scope (many clusters x many roots)."""
        index = self._index(component)
        if index is None:
            return None
        applied = self._applied(component, roots)
        if applied:
            return min(applied, key=_rank)
        node = index.folders
        for part in _parts(near):
            if part not in node.children:
                break
            node = node.children[part]
        return node.best

    def _index(self, component: str) -> _EvidenceIndex | None:
        candidates = self.evidence[component]
        if not candidates:
            return None
        index = self._evidence_index.get(component)
        if index is None or index.size != len(candidates):
            index = self._evidence_index[component] = _EvidenceIndex.of(candidates)
        return index

    def _applied(self, component: str, roots: frozenset[str]) -> list[Evidence]:
        """The evidence the roots' Kustomizations apply."""
        index = self._index(component)
        return [e for root in sorted(roots) for e in index.by_root.get(root, ())] if index is not None else []

    def _resolve(self, component: str, roots: frozenset[str], near: str) -> Installed:
        override = self.config.versions.get(component)
        if override is not None:
            version, _ = parse_version(override)
            where = self.config.path.name if self.config.path is not None else "config"
            return Installed(component, version or NEWEST, f"versions.{component} '{override}' in {where}")
        found = self._pick(component, roots, near)
        if component != "flux":
            if found is None:
                return Installed(component, NEWEST, "no version found in the repository", assumed=True)
            if found.how == "major":  # `0.x`: Helm takes the newest match, and only the major is known
                return Installed(component, NEWEST, f"{found.source}: only the major is fixed", found.path, found.line)
            return Installed(component, found.version or NEWEST, found.source, found.path, found.line)
        operator = self._pick("flux-operator", roots, near)
        ships = table().flux_of_operator(operator.version) if operator is not None and operator.version else None
        if found is not None and found.how == "chart":
            return Installed("flux", NEWEST, found.source, found.path, found.line, pinned=True)
        if found is not None and found.how != "major":
            return Installed("flux", found.version or NEWEST, found.source, found.path, found.line)
        if found is not None and found.manifests is not None:  # its own artifact, whatever operator runs
            installed = _from_manifests(found, found.manifests)
            for other in self._applied("flux", roots):
                if other.how != "major" or other.manifests is None or other is found:
                    continue
                if (_from_manifests(other, other.manifests).version, other.manifests.how) != (
                    installed.version,
                    found.manifests.how,
                ):
                    # two instances of one cluster install from different manifests: which one runs is
                    # not to be told here, and the lower is no safer a guess than the other
                    return Installed(
                        "flux",
                        NEWEST,
                        f"{found.source} and {other.source}, each with its own artifact",
                        found.path,
                        found.line,
                        pinned=True,
                    )
            return installed
        if (
            ships is not None
            and operator is not None
            and (found is None or found.version is None or found.version.major == ships.major)
        ):
            via = f"{found.source} with " if found is not None else ""
            return Installed("flux", ships, f"{via}{operator.source} {operator.version}", operator.path, operator.line)
        if found is not None:
            return Installed("flux", NEWEST, f"{found.source}: only the major is fixed", found.path, found.line)
        return Installed("flux", NEWEST, "no version found in the repository", assumed=True)

    def for_root(self, component: str, root: str) -> Installed:
        key = (component, frozenset({root}), root)
        if key not in self._scope_memo:
            self._scope_memo[key] = self._resolve(component, frozenset({root}), root)
        return self._scope_memo[key]

    def for_object(self, component: str, obj: K8sObject) -> list[Installed]:
        """What each cluster that applies `obj` installs (distinct releases, lowest first). An object
        nothing applies (an archive, a template) is judged as the cluster it would join: the root it
        shares the longest path prefix with (the lowest release on a tie); with no root at all, the
        nearest evidence."""
        roots = self._obj_roots.get(id(obj.source))
        if roots:
            found: dict[Version, Installed] = {}
            for root in sorted(roots):
                installed = self.for_root(component, root)
                found.setdefault(installed.version, installed)
            return [found[v] for v in sorted(found)]
        return [self.for_directory(component, posixpath.dirname(obj.path))]

    def for_directory(self, component: str, directory: str) -> Installed:
        """What the cluster a folder nothing applies would join installs: the root it shares the
        longest path prefix with (the lowest release on a tie); with no root at all, the nearest
        evidence."""
        key = (component, directory)
        if key not in self._dir_memo:
            if self.roots:
                self._dir_memo[key] = self._nearest_root(component, _parts(directory))
            else:
                self._dir_memo[key] = self._resolve(component, frozenset(), directory)
        return self._dir_memo[key]

    def _nearest_root(self, component: str, parts: list[str]) -> Installed:
        """What the roots sharing the longest path prefix with `parts` install (the lowest release
        on a tie). The roots are a tree of their folders, made once: a folder follows its own
        parts down it, not every root (many clusters' folders x many roots)."""
        if self._prefixes is None:
            self._prefixes = _Prefix()
            for root in self.roots:
                node = self._prefixes
                node.roots.append(root)
                for part in _parts(root):
                    node = node.children.setdefault(part, _Prefix())
                    node.roots.append(root)
        node = self._prefixes
        for part in parts:
            if part not in node.children:
                break
            node = node.children[part]
        if component not in node.nearest:
            near = [self.for_root(component, r) for r in node.roots]
            node.nearest[component] = min(near, key=lambda i: (i.version, i.path or "", i.line))
        return node.nearest[component]

    def for_ks(self, component: str, ks: FluxKS) -> Installed:
        if _cluster(ks):
            return self.for_root(component, _cluster(ks))
        return self._resolve(component, frozenset(), ks.obj.path if ks.obj is not None else "")

    def strict_substitution(self, ks: FluxKS) -> tuple[bool, str]:
        """Whether an undefined ${VAR} fails this Kustomization's build, and why."""
        if self.config.strict_substitution is not None:
            return self.config.strict_substitution, "flux.strict-substitution in the config"
        gate = self._gate(ks)
        if gate is not None:
            return gate, f"StrictPostBuildSubstitutions={str(gate).lower()} in the Flux install"
        installed = self.for_ks("flux", ks)
        since = table().behaviours["strict-substitution"][1]
        strict = installed.version.minor_key >= since.minor_key
        return strict, installed.label

    def _gate(self, ks: FluxKS) -> bool | None:
        root = _cluster(ks)
        found = self._pick(
            "flux", frozenset({root}) if root else frozenset(), root or (ks.obj.path if ks.obj is not None else "")
        )
        return found.strict if found is not None else None

    def strict_at_target(self, ks: FluxKS) -> tuple[Version, bool] | None:
        """(target, strict there) when a Flux target is set and the config and the install do not fix
        the strictness themselves."""
        target = self.targets.get("flux")
        if target is None or self.config.strict_substitution is not None or self._gate(ks) is not None:
            return None
        since = table().behaviours["strict-substitution"][1]
        return target, target.minor_key >= since.minor_key

    # -- report ------------------------------------------------------------------------------------
    def summary(self) -> list[dict[str, Any]]:
        """One row per component and release in use: where it was read (the first place, and how many
        more), and for how many roots and objects no root applies."""
        uses: dict[tuple[str, Version], dict[str, Any]] = {}

        def use(installed: Installed) -> dict[str, Any]:
            row = uses.setdefault(
                (installed.component, installed.version),
                {"component": installed.component, "sources": [], "roots": [], "outside": 0, "seen": set()},
            )
            if installed not in row["seen"]:  # a set beside the list: many clusters, many sources
                row["seen"].add(installed)
                row["sources"].append(installed)
            return row

        for component in COMPONENTS:
            for root in self.roots:
                use(self.for_root(component, root))["roots"].append(root)
        judged = table().apis
        for obj in self.repo.objects:
            entry = judged.get((obj.api_version, obj.kind))
            if entry is None or self._obj_roots.get(id(obj.source)):
                continue
            for installed in self.for_object(entry.component, obj):
                use(installed)["outside"] += 1
        for component in COMPONENTS:
            if not any(c == component for c, _ in uses):
                use(self._resolve(component, frozenset(), ""))
        out = []
        for (component, version), row in sorted(uses.items(), key=lambda r: (COMPONENTS.index(r[0][0]), r[0][1])):
            sources = sorted(row["sources"], key=lambda i: (i.path is None, i.path or "", i.line))
            first = sources[0]
            if first.known:
                text = f"{first.name} {version} ({first.source}{', ' + first.where if first.where else ''})"
            elif first.pinned:
                text = f"{first.name}: version unknown, its apiVersions not judged ({first.source}, {first.where})"
            else:
                text = f"{first.name}: the newest assumed ({first.source})"
            more = len(sources) - 1
            out.append(
                {
                    "component": component,
                    "text": text + (f" and {more} more place{'s' if more > 1 else ''} saying so" if more else ""),
                    "short": f"{first.name} {version}" + (f" ({first.where})" if first.where else f" ({first.source})"),
                    "known": first.known,
                    "roots": sorted(set(row["roots"])),
                    "outside": row["outside"],
                }
            )
        for component, target in sorted(self.targets.items()):
            out.append(
                {
                    "component": component,
                    "text": f"{NAMES[component]} {target} (upgrade target)",
                    "short": f"the upgrade target {NAMES[component]} {target}",
                    "known": True,
                    "roots": [],
                    "outside": 0,
                }
            )
        return out


def _manifests(artifact: Any, path: str, line: int, roots: frozenset[str]) -> Evidence | None:
    """The distribution artifact a FluxInstance installs Flux from (flux-operator
    fluxinstance_controller.go fetch: when spec.distribution.artifact is set, its manifests are
    used, not those in the operator's image); None when none is set."""
    if not isinstance(artifact, str) or not artifact.strip():
        return None
    name, _, digest = artifact.strip().removeprefix("oci://").partition("@")
    last = name.rsplit("/", 1)[-1]
    image, _, tag = last.partition(":")
    source = f"its distribution artifact '{artifact.strip()}'"
    if image != OPERATOR_MANIFESTS:  # another artifact: its tag is not an operator release
        return Evidence("flux-operator", None, "unknown", source, path, line, roots)
    version, how = parse_version(tag) if tag else (None, "")
    if version is not None and how == "exact":
        return Evidence("flux-operator", version, "exact", f"its {OPERATOR_MANIFESTS} artifact", path, line, roots)
    if tag in ("", "latest") and not digest:  # an OCI reference without a tag is `latest`
        return Evidence("flux-operator", None, "latest", source, path, line, roots)
    return Evidence("flux-operator", None, "unknown", source, path, line, roots)


def _chart_default(found: Evidence) -> Evidence:
    """The artifact of a FluxInstance the flux-instance chart renders from values that set none:
    the chart's default (values.yaml `instance.distribution.artifact`,
    flux-operator-manifests:latest in its recent releases, whose template always writes it). Not
    certain: a release of the chart from before that default leaves the operator's own manifests."""
    source = f"the flux-instance chart's default distribution artifact ({OPERATOR_MANIFESTS}:latest)"
    return Evidence("flux-operator", None, "chart-default", source, found.path, found.line, found.roots)


def _from_manifests(found: Evidence, manifests: Evidence) -> Installed:
    """The Flux a FluxInstance whose version fixes only the major installs from its own artifact:
    the newest Flux of that major its manifests ship (builder.MatchVersion); `latest`, the newest
    Flux; a tag that names no release known here (a digest, a variable, another artifact), unknown
    and not judged rather than the release of an operator the instance does not take it from."""
    via = f"{found.source} with {manifests.source}"
    if manifests.how == "exact" and manifests.version is not None:
        ships = table().flux_of_operator(manifests.version)
        if ships is not None and (found.version is None or found.version.major == ships.major):
            return Installed("flux", ships, f"{via} {manifests.version}", manifests.path, manifests.line)
        if ships is not None:  # another major than the manifests ship: the newest of it
            return Installed("flux", NEWEST, f"{found.source}: only the major is fixed", found.path, found.line)
    if manifests.how == "latest":
        return Installed("flux", NEWEST, f"{via}: the newest release", manifests.path, manifests.line)
    if manifests.how == "chart-default":  # the newest, as a guess: an older chart installs the operator's Flux
        return Installed("flux", NEWEST, f"{via}: the newest release", manifests.path, manifests.line, assumed=True)
    return Installed("flux", NEWEST, via, manifests.path, manifests.line, pinned=True)


def _cluster(ks: Any) -> str:
    """The cluster a Flux Kustomization belongs to: its outermost root (nested roots are one cluster)."""
    return str(getattr(ks, "cluster", "") or ks.root or "")


def _strict_gate(value: Any) -> bool | None:
    """The StrictPostBuildSubstitutions feature gate set anywhere in a Flux install's settings."""
    found: bool | None = None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and "StrictPostBuildSubstitutions" in item:
            match = _STRICT_GATE.search(item)
            if match:
                found = match[1].lower() == "true"
    return found


def _target(spec: str) -> Version | None:
    version, _ = parse_version(spec)
    return version


@dataclass
class _Prefix:
    """One folder of the tree of roots: the roots at or under it (in the roots' order), its
    subfolders, and what the nearest of those roots install, per component."""

    roots: list[str] = field(default_factory=list)
    children: dict[str, _Prefix] = field(default_factory=dict)
    nearest: dict[str, Installed] = field(default_factory=dict)


def _rank(e: Evidence) -> tuple[Any, ...]:
    """The order evidence is picked in: a version beats a major-only one (`2.x`, resolved through
    the operator), which beats the flux2 chart (no version at all), then the lowest wins."""
    return (e.how == "chart", e.how == "major", e.version is None, e.version or NEWEST, e.path, e.line)


@dataclass
class _Folder:
    """A folder of the evidence tree: its subfolders holding evidence, and the first evidence by
    _rank in it and below (what shares the longest path prefix with a path that ends here)."""

    children: dict[str, _Folder] = field(default_factory=dict)
    best: Evidence | None = None


@dataclass
class _EvidenceIndex:
    size: int
    by_root: dict[str, list[Evidence]]
    folders: _Folder

    @classmethod
    def of(cls, candidates: list[Evidence]) -> _EvidenceIndex:
        by_root: dict[str, list[Evidence]] = {}
        top = _Folder()
        for e in candidates:
            for root in e.roots:
                by_root.setdefault(root, []).append(e)
            node = top
            for part in [None, *_parts(e.directory)]:
                if part is not None:
                    node = node.children.setdefault(part, _Folder())
                if node.best is None or _rank(e) < _rank(node.best):
                    node.best = e
        return cls(len(candidates), by_root, top)


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p and p != "."]


def versions_of(repo: Repo) -> Versions:
    return repo.memo("versions", lambda: Versions(repo))


def describe_rows(rows: list[dict[str, Any]], *, short: bool = False) -> list[str]:
    if short:  # what was read (or set); "newest" only when nothing was
        known = [row["short"] for row in rows if row.get("known")]
        return known or ["the newest releases (no version found in the repository)"]
    out = []
    for row in rows:
        roots = row.get("roots") or []
        scopes = []
        if roots and len(roots) <= 2:
            scopes.append(", ".join(roots))
        elif roots:
            scopes.append(f"{len(roots)} roots ({roots[0]}, ...)")
        if row.get("outside"):
            scopes.append(f"{row['outside']} object{'s' if row['outside'] != 1 else ''} no root applies")
        out.append(f"{row['text']}{' for ' + ' and '.join(scopes) if scopes else ''}")
    return out


@dataclass
class Verdict:
    """How an apiVersion fares at one installed release."""

    served: bool
    removed: Version | None = None  # the release that removes it (past or future)
    added: Version | None = None  # the release that first serves it, when not served yet
    deprecated: Version | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def judge(entry: ApiEntry, api_version: str, at: Version) -> Verdict:
    avail = entry.versions[api_version]
    if avail.serves(at):
        deprecated = avail.deprecated if avail.deprecated is not None and avail.deprecated.minor_key <= at.minor_key else None
        return Verdict(True, removed=avail.removed, deprecated=deprecated)
    if at.minor_key < avail.served.minor_key:
        return Verdict(False, added=avail.served)
    return Verdict(False, removed=avail.removed)
