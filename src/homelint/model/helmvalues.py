"""What a HelmRelease installs and with which values, as helm-controller computes them.

- `chart_of`: the chart and version (`spec.chart.spec` with a HelmRepository, an OCIRepository
  `chartRef`, or a chart folder in this repository) and the field that names the version.
- `assemble`: the values Flux passes to Helm (SEMANTICS.md 4): `valuesFrom` entries in order (a
  ConfigMap/Secret key parsed as YAML and merged at the root, or one value set at `targetPath`), then
  the inline `spec.values` (which win), as changed by kustomize and Flux Kustomization patches, each
  after the post-build substitution of the Kustomization that applies it. A `${VAR}` whose value
  cannot be known becomes a `Placeholder`, which matches anything. Every source keeps its file and
  a locator, so a schema violation is reported where it was written.
"""

from __future__ import annotations

import base64
import copy
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from homelint.core.model import K8sObject, Span
from homelint.core.substitution import resolve, scan_cached, substitution_disabled, written_plain
from homelint.loading.positions import find_node, node_span
from homelint.loading.yamlload import iter_nodes, parse_bytes
from homelint.model.kustomize import join
from homelint.model.targets import target_matches
from homelint.model.variables import variables_of

if TYPE_CHECKING:
    from homelint.model.flux import Applied, FluxKS
    from homelint.model.repo import Repo

Path_ = tuple[Any, ...]
Locator = Callable[[Path_, bool], Span]


class Placeholder(str):
    """A string whose value is not known here (an unresolved `${VAR}`, a value from an unreadable
    source): validation errors about it are not reported."""

    __slots__ = ()


UNKNOWN = Placeholder("${unknown}")


# --- charts ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChartRef:
    """A chart at a version, where it comes from."""

    name: str
    version: str  # exact, a range, `sha256:<hex>` (an OCI digest) or "" (latest)
    source: str  # chart id: https://repo/name (index), oci://host/path/name, or a repo folder (local)
    kind: str  # "index" | "oci" | "local"
    repo_url: str = ""  # index repositories: the repository URL
    insecure: bool = False
    media_type: str = ""  # OCI layerSelector mediaType
    tag: str = ""  # the tag shown when `version` is a digest

    @property
    def key(self) -> str:
        return f"{self.source}@{self.version or 'latest'}"

    @property
    def label(self) -> str:
        return f"{self.name} {self.tag or self.version or 'latest'}"

    def at(self, version: str) -> ChartRef:
        return ChartRef(self.name, version, self.source, self.kind, self.repo_url, self.insecure, self.media_type, "")


@dataclass
class ChartUse:
    """A HelmRelease's chart and the object/field that names its version (for notes)."""

    chart: ChartRef
    obj: K8sObject
    field: tuple[Any, ...]


def applied_of(repo: Repo, obj: K8sObject, namespace: str) -> Applied | None:
    """How `obj` is applied in `namespace` (the first of its applications there)."""
    if repo.flux is None:
        return None
    return next((a for a in repo.flux.applications_of(obj) if a.ns == namespace), None)


def _source_object(repo: Repo, kind: str, name: str, namespace: str) -> tuple[K8sObject, Applied | None] | None:
    """The source object `kind` namespace/name as applied (its name may be a `${VAR}` Flux substitutes)."""
    flux = repo.flux
    if flux is not None and flux.kustomizations:
        found = flux.applied_named(kind, name, namespace)
        if found:
            return found[0], applied_of(repo, found[0], namespace)
        for applied in flux.applied:
            obj = applied.obj
            if (
                obj.named_by(kind)
                and applied.ns == namespace
                and "${" in obj.name
                and substituted_text(repo, applied, obj.name) == name
            ):
                return obj, applied
    candidates = [o for o in repo.objects_by_kind_name.get((kind, name), []) if (o.namespace or namespace) == namespace]
    return (candidates[0], applied_of(repo, candidates[0], namespace)) if candidates else None


def substituted_text(repo: Repo, applied: Applied | None, text: Any) -> str | None:
    """A string field after the substitution of the Kustomization that applies its object; None if unknowable."""
    if not isinstance(text, str):
        return None if text is None else str(text)
    if "${" not in text:
        return text
    variables = variables_for(repo, applied)
    return resolve(text, variables) if variables is not None else None


def variables_for(repo: Repo, applied: Applied | None) -> dict[str, str] | None:
    """The variables substituted into an applied object; None when nothing is substituted."""
    if applied is None or applied.ks is None or applied.ks.post_build is None:
        return None
    if applied.obj.is_sops or substitution_disabled(applied.obj.data):
        return None
    variables = variables_of(repo, applied.ks)
    return variables.values if variables.substitutes else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def chart_of(repo: Repo, applied: Applied) -> ChartUse | None:
    """The chart a HelmRelease installs; None when it cannot be known statically."""
    spec = applied.obj.spec
    if isinstance(spec.get("chartRef"), dict):
        return _chart_ref(repo, applied, spec["chartRef"])
    chart_spec = _mapping(spec.get("chart")).get("spec")
    return _chart_spec(repo, applied, chart_spec) if isinstance(chart_spec, dict) else None


def _chart_ref(repo: Repo, applied: Applied, ref: dict[str, Any]) -> ChartUse | None:
    """`spec.chartRef` to an OCIRepository: its URL, and its ref (digest > semver > tag > latest).
    A tag written `1.2.3@sha256:...` (never pulled: HL506) is read as the chart 1.2.3."""
    if ref.get("kind") != "OCIRepository":
        return None
    name = substituted_text(repo, applied, ref.get("name"))
    ns = substituted_text(repo, applied, ref.get("namespace") if isinstance(ref.get("namespace"), str) else applied.ns)
    found = _source_object(repo, "OCIRepository", name, ns) if name and ns else None
    if found is None:
        return None
    source, source_applied = found
    url = substituted_text(repo, source_applied, source.spec.get("url"))
    if not url or "${" in url or not url.startswith("oci://"):
        return None
    oci_ref = _mapping(source.spec.get("ref"))
    written = substituted_text(repo, source_applied, oci_ref.get("tag")) or ""
    tag = written.split("@", 1)[0]
    version = tag or ("" if written else "latest")  # `@sha256:...` alone: no version
    where: tuple[Any, ...] = ("spec", "ref", "tag") if oci_ref.get("tag") is not None else ("spec", "url")
    for key in ("semver", "digest"):
        if oci_ref.get(key) is not None:
            value = substituted_text(repo, source_applied, oci_ref.get(key))
            if not value:
                return None
            version, where = value, ("spec", "ref", key)
    if not version:
        return None
    media = _mapping(source.spec.get("layerSelector")).get("mediaType")
    url = url.rstrip("/")
    chart = ChartRef(
        url.rsplit("/", 1)[-1].split(":", 1)[0],
        version,
        url,
        "oci",
        insecure=bool(source.spec.get("insecure")),
        media_type=media if isinstance(media, str) else "",
        tag=tag if version.startswith("sha256:") else "",
    )
    return ChartUse(chart, source, where)


def _chart_spec(repo: Repo, applied: Applied, chart_spec: dict[str, Any]) -> ChartUse | None:
    """`spec.chart.spec`: a chart of a HelmRepository (HTTP index or OCI), or a folder of this repository."""
    name = substituted_text(repo, applied, chart_spec.get("chart"))
    version_field = chart_spec.get("version")
    version = "*" if version_field is None else substituted_text(repo, applied, version_field)
    source_ref = _mapping(chart_spec.get("sourceRef"))
    ref_name = substituted_text(repo, applied, source_ref.get("name"))
    ns = substituted_text(
        repo, applied, source_ref.get("namespace") if isinstance(source_ref.get("namespace"), str) else applied.ns
    )
    if not name or version is None or not ref_name or not ns:
        return None
    where = ("spec", "chart", "spec", "version") if version_field is not None else ("spec", "chart", "spec", "chart")
    kind = source_ref.get("kind", "HelmRepository")
    if kind == "GitRepository":
        if ref_name not in repo.config.local_sources and f"{ns}/{ref_name}" not in repo.config.local_sources:
            return None  # a chart in another repository
        folder = join("", name)
        return ChartUse(ChartRef(posixpath.basename(folder) or name, "", folder, "local"), applied.obj, where)
    if kind != "HelmRepository":
        return None
    found = _source_object(repo, "HelmRepository", ref_name, ns)
    if found is None:
        return None
    source, source_applied = found
    url = substituted_text(repo, source_applied, source.spec.get("url"))
    if not url or "${" in url:
        return None
    url = url.rstrip("/")
    if url.startswith("oci://") or source.spec.get("type") == "oci":
        chart = ChartRef(name, version, f"{url}/{name}", "oci", insecure=bool(source.spec.get("insecure")))
    else:
        chart = ChartRef(name, version, f"{url}/{name}", "index", repo_url=url)
    return ChartUse(chart, applied.obj, where)


# --- values and where each part was written -------------------------------------------------------
@dataclass
class ValuesSource:
    """One contribution to a HelmRelease's values."""

    label: str  # e.g. "ConfigMap media/app-values key values.yaml"
    path: str  # the file that wrote it
    data: Any  # as written (for locating)
    locate: Locator  # span in `path` of a key path inside `data` (key=True: the key itself)
    prefix: Path_ = ()  # where `data` lands in the values (targetPath)
    secret: bool = False  # never print its values
    entry: int | None = None  # the valuesFrom entry it comes from (None: spec.values or a patch)
    unsubstituted: bool = False  # as written: the substitution of the Kustomization that builds it is still to come


@dataclass
class Assembly:
    values: dict[str, Any]
    sources: list[ValuesSource]  # lowest precedence first
    open_root: bool = False  # an unreadable source is merged at the root: anything may be set
    open_paths: set[Path_] = field(default_factory=set)  # the targetPaths an unreadable source sets
    redact: set[Path_] = field(default_factory=set)  # value paths whose text must not be printed
    files: set[str] = field(default_factory=set)

    def locate(self, at: Path_, *, key: bool = False) -> tuple[ValuesSource, Span] | None:
        """Where the value (or key) at `at` was written: the source of highest precedence that has it,
        else the one that has the longest part of its path."""
        found = self.written(at)
        if found is None:
            return None
        source, inner, whole = found
        return source, source.locate(inner, key and whole)

    def written(self, at: Path_) -> tuple[ValuesSource, Path_, bool] | None:
        """(the source, the path in its data, whether that is all of `at`) of the source of highest
        precedence that has the value at `at`, else of the one that has the longest part of its
        path; without a span (locate)."""
        best: tuple[int, ValuesSource, Path_] | None = None
        for source in reversed(self.sources):
            if tuple(at[: len(source.prefix)]) != source.prefix and source.prefix[: len(at)] != tuple(at):
                continue
            if len(at) < len(source.prefix):
                depth, inner = len(at), ()
            else:
                rest = tuple(at[len(source.prefix) :])
                inner = _existing(source.data, rest)
                depth = len(source.prefix) + len(inner)
                if len(inner) == len(rest):
                    return source, inner, True
            if best is None or depth > best[0]:
                best = (depth, source, inner)
        if best is None:
            return None
        return best[1], best[2], False

    def is_secret(self, at: Path_) -> bool:
        if any(tuple(at[: len(p)]) == p for p in self.redact):
            return True
        found = self.locate(at)
        return found is not None and found[0].secret


def _existing(data: Any, keys: Path_) -> Path_:
    """The longest prefix of `keys` that exists in `data`."""
    done: list[Any] = []
    for key in keys:
        if (isinstance(data, dict) and key in data) or (isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data)):
            data = data[key]
        else:
            break
        done.append(key)
    return tuple(done)


def merge_maps(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """helm-controller's transform.MergeMaps: maps merge recursively, everything else is replaced."""
    out = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_maps(out[key], value)
        else:
            out[key] = value
    return out


def coalesce(defaults: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Helm's CoalesceValues: the chart's defaults under the user's values; a user `null` removes a default."""
    if not isinstance(defaults, dict):
        return values
    out = dict(values)
    for key, default in defaults.items():
        if key in out:
            if out[key] is None:
                del out[key]
            elif isinstance(out[key], dict) and isinstance(default, dict):
                out[key] = coalesce(default, out[key])
        else:
            out[key] = default
    return out


class Substituter:
    """Flux post-build substitution of one applied object's strings (and keys)."""

    def __init__(self, variables: dict[str, str] | None) -> None:
        self.variables = variables
        self.touched: set[Path_] = set()  # paths of strings a variable was substituted into

    def text(self, text: str) -> str:
        """Text-level substitution (a ConfigMap's YAML text): known variables replaced, the rest kept."""
        if self.variables is None or "${" not in text:
            return text
        out: list[str] = []
        last = 0
        for expr in scan_cached(text):
            out.append(text[last : expr.start])
            raw = text[expr.start : expr.end]
            value = resolve(raw, self.variables)
            out.append(raw if value is None else value)
            last = expr.end
        out.append(text[last:])
        return "".join(out)

    def string(self, value: str, at: Path_, retype: bool = False) -> Any:
        """One string holding `${`: its value after substitution; what stays unknown is a Placeholder.
        With `retype`, a string kustomize-controller writes plain (written_plain: quoted in the
        manifest or not) is read again as the YAML text it substitutes to (_reread): `${N}` with N
        "3" is the integer 3, `${quote}${N}${quote}` with quote '"' the string "3"."""
        if self.variables is None:
            return Placeholder(value)
        self.touched.add(at)
        resolved = resolve(value, self.variables)
        if resolved is None or "${" in resolved:  # unknown, or an escaped `$${` that stays literal
            return Placeholder(value)
        return _reread(resolved) if retype and written_plain(value) else resolved

    def key(self, key: str) -> str:
        resolved = resolve(key, self.variables) if self.variables is not None else None
        return Placeholder(key) if resolved is None or "${" in resolved else resolved

    def apply(self, data: Any, strings: list[tuple[Any, ...]], prefix: Path_ = (), retype: bool = False) -> Any:
        """`data` (the value at `prefix` of a document) with the strings that hold `${` substituted:
        `strings` are their (document path, text, is_key), as the parse found them. Only the
        containers on those paths are copied; the rest is shared (validation never changes it)."""
        relevant = [(tuple(p[len(prefix) :]), text, is_key) for p, text, is_key in strings if tuple(p[: len(prefix)]) == prefix]
        if not relevant:
            return data
        if any(not rel for rel, _, _ in relevant):
            return self.string(data, prefix, retype) if isinstance(data, str) else data
        copied: dict[int, Any] = {}

        def own(container: Any) -> Any:
            if id(container) in copied:
                return container
            fresh = dict(container) if isinstance(container, dict) else list(container)
            copied[id(fresh)] = fresh
            return fresh

        root = own(data) if isinstance(data, dict | list) else data
        for rel, _text, is_key in sorted(relevant, key=lambda r: -len(r[0])):  # deepest first: keys renamed last
            node = root
            for step in rel[:-1]:
                try:
                    child = node[step]
                except (KeyError, IndexError, TypeError):
                    node = None
                    break
                if not isinstance(child, dict | list):
                    node = None
                    break
                node[step] = node = own(child)
            last = rel[-1]
            if not isinstance(node, dict | list):
                continue
            if is_key and isinstance(node, dict) and last in node:
                node[self.key(last)] = node.pop(last)
            elif not is_key:
                try:
                    if isinstance(node[last], str):
                        node[last] = self.string(node[last], (*prefix, *rel), retype)
                except (KeyError, IndexError, TypeError):
                    continue
        return root

    def tree(self, value: Any, at: Path_ = (), retype: bool = False) -> Any:
        """A copy of a YAML value: strings substituted; what stays unknown becomes a Placeholder."""
        if isinstance(value, str):
            return self.string(value, at, retype) if "${" in value else value
        if isinstance(value, dict):
            out: dict[Any, Any] = {}
            for key, item in value.items():
                new_key = key
                if isinstance(key, str) and "${" in key:
                    new_key = self.key(key)
                out[new_key] = self.tree(item, (*at, key), retype)
            return out
        if isinstance(value, list):
            return [self.tree(item, (*at, index), retype) for index, item in enumerate(value)]
        return value


_QUOTED = re.compile(r'^"([^"\\]*)"$|^\'([^\']*)\'$')  # a quoted scalar without escapes


def _reread(text: str) -> Any:
    """A substituted plain scalar's text as YAML reads it: a boolean or number (YAML 1.2 core), a
    quoted string without escapes as its content, anything else as it is."""
    typed = _yaml_scalar(text)
    if typed is not None:
        return typed
    quoted = _QUOTED.match(text)
    return text if quoted is None else quoted.group(1) if quoted.group(1) is not None else quoted.group(2)


_SCALARS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def _yaml_scalar(text: str) -> Any:
    """The non-string value a plain YAML scalar has (YAML 1.2 core schema), or None if it is a string."""
    if text in _SCALARS:
        return _SCALARS[text]
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return None


def wrap_unknown(value: Any) -> Any:
    """Strings that still hold `${` (no substitution ran, or an escape `$${`): unknown, matches anything.
    A value without any is returned as it is (shared, never changed)."""
    if not _holds_placeholder(value):
        return value
    return _wrap(value)


def _holds_placeholder(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, dict):
        return any(_holds_placeholder(k) or _holds_placeholder(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_placeholder(v) for v in value)
    return False


def _wrap(value: Any) -> Any:
    if isinstance(value, str):
        return Placeholder(value) if "${" in value and not isinstance(value, Placeholder) else value
    if isinstance(value, dict):
        return {_wrap(k) if isinstance(k, str) else k: _wrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def fixed(span: Span | Callable[[], Span]) -> Locator:
    """A locator that always answers one span (a value that has no lines of its own); a callable
    span is computed on first use (finding a span composes the file)."""
    memo: list[Span] = []

    def locate(inner: Path_, key: bool) -> Span:
        if not memo:
            memo.append(span() if callable(span) else span)
        return memo[0]

    return locate


def field_locator(repo: Repo, path: str, doc: int, prefix: Path_) -> Locator:
    return lambda keys, key: repo.span(path, doc, (*prefix, *keys), key=key)


def text_locator(repo: Repo, path: str, doc: int, keys: Path_) -> Locator:
    """A locator into YAML text held in one string field (a ConfigMap key, an inline patch): exact
    for a literal block scalar (`|`), else the field itself. Built on first use."""
    memo: list[Locator] = []

    def locate(inner: Path_, key: bool) -> Span:
        if not memo:
            memo.append(_text_locator(repo, path, doc, keys))
        return memo[0](inner, key)

    return locate


def _text_locator(repo: Repo, path: str, doc: int, keys: Path_) -> Locator:
    node = repo.positions.node(path, doc, keys)
    fallback = repo.span(path, doc, keys)
    if node is None or node.id != "scalar" or node.style != "|":
        return fixed(fallback)
    text = repo.read_text(path) or ""
    lines = text.split("\n")
    first = node.start_mark.line + 1  # 0-based index of the first content line
    indent = None
    for line in lines[first : first + 200]:
        if line.strip():
            indent = len(line) - len(line.lstrip(" "))
            break
    inner_nodes = iter_nodes(node.value)
    if indent is None or not inner_nodes or inner_nodes[0] is None:
        return fixed(fallback)
    root = inner_nodes[0]

    def locate(inner: Path_, key: bool) -> Span:
        span = node_span(find_node(root, inner, key=key))
        return Span(span.line + first, span.column + indent, span.end_line + first, span.end_column + indent)

    return locate


@lru_cache(maxsize=512)
def _parse_yaml_text(text: str) -> Any:
    """The first document of YAML text held in a string (values, an inline patch); parsed once, so
    never changed by callers (many children share one parent patch)."""
    parsed = parse_bytes("<values>", text.encode())
    if parsed.problems or not parsed.docs:
        return None
    return parsed.docs[0]


def _target_path(path: str) -> Path_ | None:
    """helm strvals dot notation: `a.b\\.c[1].d` -> ("a", "b.c", 1, "d")."""
    out: list[Any] = []
    for part in re.split(r"(?<!\\)\.", path.strip()):
        if not part:
            return None
        name, *indices = re.split(r"\[(\d+)\]", part)
        if name:
            out.append(name.replace("\\.", "."))
        out.extend(int(i) for i in indices if i)
    return tuple(out)


def _typed(text: str) -> Any:
    """helm strvals typing of a `--set` value: quoted -> string, true/false/null, integers."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if re.fullmatch(r"-?[1-9][0-9]*|0", text):
        return int(text)
    return text


def _set_path(values: dict[str, Any], at: Path_, value: Any) -> None:
    node: Any = values
    for index, key in enumerate(at):
        last = index == len(at) - 1
        following: Any = value if last else ([] if isinstance(at[index + 1], int) else {})
        if isinstance(key, int):
            if not isinstance(node, list):
                return
            while len(node) <= key:
                node.append(None)
            if last or not isinstance(node[key], dict | list):
                node[key] = following
        else:
            if not isinstance(node, dict):
                return
            if last or not isinstance(node.get(key), dict | list):
                node[key] = following
        node = node[key]


@dataclass
class Located:
    """The content of one valuesFrom key: parsed YAML (merged at the root) or the raw text (targetPath)."""

    label: str
    path: str
    data: Any
    locate: Locator
    secret: bool
    unsubstituted: bool = False  # a generator's file: Flux substitutes the ConfigMap kustomize makes of it


def _generated(repo: Repo, ks: FluxKS | None, kind: str, name: str, key: str, raw: bool) -> Located | None:
    """The file behind a configMapGenerator entry named `name` in the build of `ks` that becomes `key`."""
    if ks is None or kind != "ConfigMap":
        return None  # a generated Secret (often SOPS-encrypted) is not read
    generator = "configMapGenerator"
    for kd in repo.kustomize_dirs.values():
        if kd.file not in ks.files:
            continue
        items = kd.data.get(generator)
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or item.get("name") != name:
                continue
            for entry in item.get("files") or []:
                if not isinstance(entry, str):
                    continue
                file_key, file_path = entry.split("=", 1) if "=" in entry else (posixpath.basename(entry), entry)
                if file_key != key:
                    continue
                target = join(kd.dir, file_path)
                label = f"{kind} {name} key {key} (generated from {target})"
                if raw:
                    text = repo.read_text(target)
                    if text is None:
                        return None
                    return Located(label, target, text.strip(), field_locator(repo, target, 0, ()), False, True)
                parsed = repo.parsed.get(target)
                if parsed is not None and parsed.docs and not parsed.problems and isinstance(parsed.docs[0], dict):
                    return Located(label, target, parsed.docs[0], field_locator(repo, target, 0, ()), False, True)
                return None
    return None


def _object_values(repo: Repo, obj: K8sObject, applied: Applied | None, values_key: str, raw: bool) -> Located | bool | None:
    """One key of a ConfigMap/Secret in the repository: False if it cannot be read here (SOPS,
    binary, not YAML); None if the object lacks the key."""
    secret = obj.kind == "Secret"
    if obj.is_sops:
        return False
    for section in ("stringData", "data") if secret else ("data", "binaryData"):
        fields = obj.data.get(section)
        if not isinstance(fields, dict) or values_key not in fields:
            continue
        text = fields[values_key]
        if not isinstance(text, str):
            return False
        if section != "stringData" and (secret or section == "binaryData"):
            try:
                text = base64.b64decode(text, validate=False).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return False
            locate = fixed(partial(repo.span, obj.path, obj.doc, ("metadata", "name")))  # base64: no inner lines
        elif secret:  # never point into a Secret's values: the report would show the line
            locate = fixed(partial(repo.span, obj.path, obj.doc, ("metadata", "name")))
        else:
            locate = text_locator(repo, obj.path, obj.doc, (section, values_key))
        text = Substituter(variables_for(repo, applied)).text(text)
        label = f"{obj.kind} {obj.name} key {values_key}"
        if raw:
            return Located(label, obj.path, text, locate, secret)
        data = _parse_yaml_text(text)
        if data is None:
            return None if not text.strip() else False
        return Located(label, obj.path, data, locate, secret) if isinstance(data, dict) else False
    return None


def assemble(repo: Repo, applied: Applied, defaults: Any = None) -> Assembly:
    """The values helm-controller passes to Helm for this applied HelmRelease (see the module doc),
    over the chart's `defaults`. Assembled once per HelmRelease, namespace and Kustomization that
    applies it, and repository (the chart values the resource graph reads and HL8xx validate are
    one): what it answers is never to be changed."""
    memo: dict[tuple[int, str, int], tuple[Applied, Assembly]] = repo.memo("helmvalues.assembled", dict)
    key = (id(applied.obj), applied.ns, id(applied.ks))
    found = memo.get(key)
    if found is None or found[0].obj is not applied.obj or found[0].ks is not applied.ks:
        found = memo[key] = (applied, _assemble(repo, applied))
    assembly = found[1]
    return assembly if defaults is None else replace(assembly, values=coalesce(defaults, assembly.values))


def _assemble(repo: Repo, applied: Applied) -> Assembly:
    obj = applied.obj
    spec = obj.spec
    assembly = Assembly({}, [])
    assembly.files.add(obj.path)
    values: dict[str, Any] = {}
    entries = spec.get("valuesFrom")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or entry.get("kind") not in ("ConfigMap", "Secret"):
            continue
        kind = entry["kind"]
        name = substituted_text(repo, applied, entry.get("name"))
        values_key = substituted_text(repo, applied, entry.get("valuesKey", "values.yaml"))
        target = _target_path(str(entry["targetPath"])) if isinstance(entry.get("targetPath"), str) else None
        located: Located | None = None
        if name and values_key:
            found = _source_object(repo, kind, name, applied.ns)
            if found is not None and found[0].anchor is not None:
                found = None  # made by a kustomize generator: its file is read below
            if found is not None:
                result = _object_values(repo, found[0], found[1], values_key, raw=target is not None)
                if result is None and entry.get("optional"):
                    continue  # Flux skips a missing key of an optional reference
                located = result if isinstance(result, Located) else None
            else:
                located = _generated(repo, applied.ks, kind, name, values_key, raw=target is not None)
        if located is not None:
            assembly.files.add(located.path)
        if target is not None:
            if located is None:
                _set_path(values, target, UNKNOWN)
                assembly.open_paths.add(target)
                continue
            content = _typed(str(located.data).strip())
            content = wrap_unknown(content)
            _set_path(values, target, content)
            # the value sits at targetPath: shown at the valuesFrom entry that sets it
            span = fixed(partial(repo.span, obj.path, obj.doc, ("spec", "valuesFrom", index, "targetPath")))
            assembly.sources.append(
                ValuesSource(located.label, obj.path, content, span, target, located.secret, index, located.unsubstituted)
            )
            if located.secret:
                assembly.redact.add(target)
            continue
        if located is None:
            assembly.open_root = True  # an unreadable source merged at the root may set anything
            continue
        values = merge_maps(values, wrap_unknown(located.data))
        assembly.sources.append(
            ValuesSource(
                located.label, located.path, located.data, located.locate, (), located.secret, index, located.unsubstituted
            )
        )
        if located.secret:
            assembly.redact.add(())
    # the file's own values; the patches that change them follow, each shown where it is
    inline = obj.source.spec.get("values")
    patched: dict[str, Any] = {}
    if isinstance(inline, dict):
        substituter = Substituter(variables_for(repo, applied))
        strings = repo.placeholder_strings(obj.source)
        patched = substituter.apply(inline, strings, ("spec", "values"), retype=True)
        assembly.sources.append(
            ValuesSource("spec.values", obj.path, inline, field_locator(repo, obj.path, obj.doc, ("spec", "values")))
        )
        assembly.redact.update(touched[2:] for touched in substituter.touched)
    for patch_values, source in _patches(repo, applied):
        substituter = Substituter(variables_for(repo, applied))
        patch_data = substituter.tree(patch_values)
        if isinstance(patch_data, dict):
            patched = merge_maps(patched, patch_data)
        assembly.sources.append(source)
        assembly.files.add(source.path)
        assembly.redact.update(substituter.touched)
    assembly.values = merge_maps(values, patched)
    return assembly


# --- patches that change a HelmRelease's values -----------------------------------------------------
def _patches(repo: Repo, applied: Applied) -> Iterator[tuple[dict[str, Any], ValuesSource]]:
    """(values a patch sets, its source) for kustomize patches in the build, then the Flux
    Kustomization's own `spec.patches`, in the order they apply."""
    yield from _kustomize_patches(repo, applied)
    ks = applied.ks
    if ks is None or ks.obj is None:
        return
    patches = ks.spec.get("patches")
    own_patches = ks.obj.spec.get("patches")
    own: list[Any] = own_patches if isinstance(own_patches, list) else []
    for index, patch in enumerate(patches if isinstance(patches, list) else []):
        if not isinstance(patch, dict) or not isinstance(patch.get("patch"), str):
            continue
        body = _parse_yaml_text(patch["patch"])
        target = patch.get("target") if isinstance(patch.get("target"), dict) else _implicit_target(body)
        if target is None or not target_matches(target, applied.obj.source.data, applied.ns):
            continue
        if index < len(own) and isinstance(own[index], dict) and own[index].get("patch") == patch["patch"]:
            path, locator_base = ks.obj.path, text_locator(repo, ks.obj.path, ks.obj.doc, ("spec", "patches", index, "patch"))
        else:  # injected by a parent's patch: point at the Kustomization
            path, locator_base = _injected_location(repo, ks, patch["patch"])
        yield from _values_of_patch(body, f"a patch of {ks.label}", path, locator_base)


def _implicit_target(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    return {"kind": body.get("kind"), "name": _mapping(body.get("metadata")).get("name")}


def _injected_location(repo: Repo, ks: FluxKS, text: str) -> tuple[str, Locator]:
    parent = ks.parent
    while parent is not None and parent.obj is not None:
        patches = parent.obj.spec.get("patches")
        for index, patch in enumerate(patches if isinstance(patches, list) else []):
            if isinstance(patch, dict) and isinstance(patch.get("patch"), str) and text.strip() in patch["patch"]:
                owner = parent.obj
                return owner.path, fixed(partial(repo.span, owner.path, owner.doc, ("spec", "patches", index, "patch")))
        parent = parent.parent
    assert ks.obj is not None
    return ks.obj.path, fixed(partial(repo.span, ks.obj.path, ks.obj.doc, ("metadata", "name")))


def _values_of_patch(body: Any, label: str, path: str, locate: Locator) -> Iterator[tuple[dict[str, Any], ValuesSource]]:
    if isinstance(body, dict):
        spec = body.get("spec")
        values = spec.get("values") if isinstance(spec, dict) else None
        if isinstance(values, dict):
            yield values, ValuesSource(label, path, values, _shifted(locate, ("spec", "values"), 0))
    elif isinstance(body, list):
        for index, op in enumerate(body):
            if not isinstance(op, dict) or op.get("op") not in ("add", "replace") or not isinstance(op.get("path"), str):
                continue
            parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
            if parts[:2] != ["spec", "values"] or len(parts) < 3 or parts[-1] == "-":
                continue
            at = tuple(int(p) if p.isdigit() else p for p in parts[2:])
            value: dict[str, Any] = {}
            _set_path(value, at, copy.deepcopy(op.get("value")))
            yield value, ValuesSource(label, path, value, _shifted(locate, (index, "value"), len(at)))


def _shifted(locate: Locator, prefix: Path_, drop: int) -> Locator:
    """A locator for data that sits at `prefix` of what `locate` reads, minus its first `drop` keys."""

    def shifted(inner: Path_, key: bool) -> Span:
        return locate((*prefix, *inner[drop:]), key)

    return shifted


def _kustomize_patches(repo: Repo, applied: Applied) -> Iterator[tuple[dict[str, Any], ValuesSource]]:
    ks = applied.ks
    if ks is None or repo.flux is None:
        return
    obj = applied.obj.source
    kdirs = sorted((kd for kd in repo.kustomize_dirs.values() if kd.file in ks.files), key=lambda kd: -kd.dir.count("/"))
    for kd in kdirs:
        if not kd.is_component and id(obj) not in _built_ids(repo, kd.dir):
            continue
        items = kd.data.get("patches")
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("patch"), str):
                body = _parse_yaml_text(item["patch"])
                path, locate = kd.file, text_locator(repo, kd.file, kd.doc, ("patches", index, "patch"))
            elif isinstance(item.get("path"), str):
                path = join(kd.dir, item["path"])
                parsed = repo.parsed.get(path)
                if parsed is None or not parsed.docs:
                    continue
                body = parsed.docs[0]
                locate = field_locator(repo, path, 0, ())
            else:
                continue
            target = item.get("target") if isinstance(item.get("target"), dict) else _implicit_target(body)
            if target is None or not _kustomize_target_matches(target, obj):
                continue
            yield from _values_of_patch(body, f"a patch in {kd.file}", path, locate)
        merges = kd.data.get("patchesStrategicMerge")
        for entry in merges if isinstance(merges, list) else []:
            if not isinstance(entry, str) or "\n" in entry:
                continue
            path = join(kd.dir, entry)
            parsed = repo.parsed.get(path)
            body = parsed.docs[0] if parsed is not None and parsed.docs else None
            target = _implicit_target(body)
            if target is not None and _kustomize_target_matches(target, obj):
                yield from _values_of_patch(body, f"a patch in {kd.file}", path, field_locator(repo, path, 0, ()))


def _built_ids(repo: Repo, directory: str) -> set[int]:
    """The objects (by id) the kustomize build of a directory yields."""
    memo: dict[str, set[int]] = repo.memo("helmvalues.built", dict)
    if directory not in memo:
        memo[directory] = {id(o) for o, _ in repo.flux_model.gathered(directory).objects}
    return memo[directory]


def _kustomize_target_matches(target: dict[str, Any], obj: K8sObject) -> bool:
    """kustomize patch target selection (group, version, kind; name and namespace as regexes; labels)."""
    return bool(target_matches(target, obj.data, obj.effective_namespace or obj.namespace))
