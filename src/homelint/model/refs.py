"""References between objects: what each object makes and what it needs (the producer and consumer
tables, schemas/producers.yaml and schemas/consumers.yaml), NFS mounts and images.

Every reference keeps the field path it came from, so findings point at the exact node.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from homelint.core.k8snames import DNS1123_SUBDOMAIN_MAX, valid_dns1123_subdomain
from homelint.core.model import K8sObject, Span, make_object
from homelint.core.regex import linear
from homelint.core.resources import data_dir, schema
from homelint.loading.yamlload import parse_bytes
from homelint.model.fastschema import Validator, compile_standalone

FieldPath = tuple[str | int, ...]

POD_SPEC_PATHS: dict[str, FieldPath] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
# the API group of each built-in kind of POD_SPEC_PATHS
POD_GROUPS = {
    "Pod": "",
    **dict.fromkeys(("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"), "apps"),
    "Job": "batch",
    "CronJob": "batch",
}


def builtin_pod_spec_path(obj: K8sObject) -> FieldPath | None:
    """Where the pod spec of a built-in workload is (a custom resource of such a kind: None)."""
    return POD_SPEC_PATHS.get(obj.kind) if POD_GROUPS.get(obj.kind) == obj.group else None


@dataclass(frozen=True, slots=True)
class Ref:
    kind: str  # claim | secret | configmap | nfs | image
    name: str
    field: FieldPath
    optional: bool = False
    extra: tuple[Any, ...] = ()


def get(data: Any, path: FieldPath) -> Any:
    for key in path:
        if isinstance(data, dict) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _mapping_items(value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        for k, item in value.items():
            if isinstance(item, dict):
                yield str(k), item


def pod_spec_refs(obj: K8sObject) -> Iterator[Ref]:
    base = POD_SPEC_PATHS.get(obj.kind)
    if base is None:
        return
    spec = get(obj.data, base)
    if not isinstance(spec, dict):
        return
    yield from _pod_refs(spec, base)


def _pod_refs(spec: dict[str, Any], base: FieldPath) -> Iterator[Ref]:
    """NFS volumes and images of a pod spec (Secrets, ConfigMaps and claims: consumed_refs)."""
    for i, vol in _items(spec.get("volumes")):
        nfs = vol.get("nfs")
        if isinstance(nfs, dict):
            yield Ref("nfs", str(vol.get("name", "")), (*base, "volumes", i, "nfs"), extra=(nfs.get("server"), nfs.get("path")))
    for group in ("containers", "initContainers", "ephemeralContainers"):
        for i, container in _items(spec.get(group)):
            if isinstance(container.get("image"), str):
                yield Ref("image", container["image"], (*base, group, i, "image"))


# --- HelmRelease values ------------------------------------------------------------------------
def app_template(obj: K8sObject, served: str | None = None, values: Any = None) -> bool | None:
    """Whether a HelmRelease installs bjw-s app-template. True when its chart is named so
    (`spec.chart.spec.chart`, the chartRef's name, or `served`: the chart its chartRef's source
    serves, such as the last segment of an OCIRepository's URL). None when it is not, but its values
    have the bjw-s common library's top-level `controllers` mapping: app-template under a name not
    seen here, or another chart built on that library (immich's reads `server.persistence.*`), so
    what either reads may be read. False otherwise. `values`: the chart values to look at, when
    not its `spec.values` (those helmvalues.assemble merges)."""
    spec = obj.spec
    ref = spec.get("chartRef")
    names = (get(spec, ("chart", "spec", "chart")), ref.get("name") if isinstance(ref, dict) else None, served)
    if any(isinstance(name, str) and "app-template" in name for name in names):
        return True
    if values is None:
        values = spec.get("values")
    return None if isinstance(values, dict) and isinstance(values.get("controllers"), dict) else False


def chart_name(obj: K8sObject) -> str | None:
    """The chart a HelmRelease installs, by name: spec.chart.spec.chart (its last path segment), else
    the name of its chartRef (an OCIRepository or HelmChart is usually named after the chart)."""
    chart = get(obj.spec, ("chart", "spec", "chart"))
    if isinstance(chart, str) and chart:
        return chart.rstrip("/").rsplit("/", 1)[-1]
    ref = obj.spec.get("chartRef")
    name = ref.get("name") if isinstance(ref, dict) else None
    return name if isinstance(name, str) and name else None


def helm_release_refs(obj: K8sObject, values: Any = None, served: str | None = None) -> Iterator[Ref]:
    """NFS volumes and images in app-template values (Secrets, ConfigMaps and claims: consumed_refs):
    its `spec.values`, or the chart `values` given (helmvalues.assemble's: fields still under
    `spec.values`), with the chart its chartRef's source `served`."""
    if values is None:
        values = obj.spec.get("values")
    if not isinstance(values, dict) or app_template(obj, served, values) is False:
        return
    base: FieldPath = ("spec", "values")
    for pid, item in _mapping_items(values.get("persistence")):
        if item.get("enabled") is not False and item.get("type") == "nfs":
            yield Ref("nfs", pid, (*base, "persistence", pid), extra=(item.get("server"), item.get("path")))
    for cid, controller in _mapping_items(values.get("controllers")):
        for group in ("containers", "initContainers"):
            for name, container in _mapping_items(controller.get(group)):
                image = container.get("image")
                if isinstance(image, dict):
                    at = (*base, "controllers", cid, group, name, "image")
                    yield Ref("image", "", at, extra=(image.get("repository"), image.get("tag")))


_TEMPLATE_ACTION = r"<<-?.*?-?>>"  # on RE2 (core.regex.linear): linear in the text, whatever its `<<`
UNKNOWN = "<<>>"  # stands for a template action in a name or namespace a ResourceSet creates


def is_templated(text: str) -> bool:
    """Whether a name a ResourceSet creates holds a `<< >>` action (in resources or the template)."""
    return linear(_TEMPLATE_ACTION).search(text) is not None


def name_pattern(name: str) -> str:
    """A regex for a produced name whose variables cannot be resolved: `a-${X}-tls` -> `a-.*-tls`
    (Helm `{{ }}`, ResourceSet `<< >>` and a table's `*`, such as a StatefulSet ordinal, alike)."""
    parts = re.split(r"\$\{[^}]*\}|\{\{.*?\}\}|<<.*?>>|\*", name)
    return ".*".join(re.escape(p) for p in parts)


def resource_set_resources(obj: K8sObject) -> list[tuple[FieldPath, K8sObject]]:
    """(field in the ResourceSet document, object) of each object of a flux-operator ResourceSet's
    `spec.resources` (its `resourcesTemplate` is text: no field locates what it holds)."""
    if obj.kind != "ResourceSet" or obj.group != "fluxcd.controlplane.io":
        return []
    made = ((i, make_object(obj.path, obj.doc, item)) for i, item in _items(obj.spec.get("resources")))
    return [(("spec", "resources", i), m) for i, m in made if m is not None]


def resource_set_objects(obj: K8sObject) -> list[K8sObject]:
    """The objects a flux-operator ResourceSet creates, as far as they can be read: its
    `spec.resources`, and its `spec.resourcesTemplate` with each `<< >>` action replaced by
    UNKNOWN (lines that hold only an action, such as `<<- range ... >>`, are dropped)."""
    if obj.kind != "ResourceSet" or obj.group != "fluxcd.controlplane.io":
        return []
    docs = [item for _, item in _items(obj.spec.get("resources"))]
    template = obj.spec.get("resourcesTemplate")
    if isinstance(template, str):
        action = linear(_TEMPLATE_ACTION)
        lines = [line for line in template.splitlines() if action.sub("", line).strip()]
        parsed = parse_bytes(obj.path, action.sub(UNKNOWN, "\n".join(lines)).encode())
        docs.extend(doc for doc in parsed.docs if isinstance(doc, dict))
    made = (make_object(obj.path, obj.doc, doc) for doc in docs)
    return [m for m in made if m is not None]


@dataclass(frozen=True, slots=True)
class ValuesObject:
    """A Kubernetes object written inside a HelmRelease's values, which its chart may render."""

    group: str  # "" for the core group (apiVersion v1)
    kind: str
    namespace: str | None  # None: unset (Helm puts it in the release namespace)
    name: str
    field: FieldPath  # from the HelmRelease document root


def values_objects(obj: K8sObject) -> list[ValuesObject]:
    """The objects in a HelmRelease's `spec.values`: mappings with apiVersion, kind and metadata.name
    at any depth, as charts take them to render (`extraObjects`, `extraDeploy`, `extraManifests`,
    ...). Each mapping or list is visited once (a YAML alias repeats a node, not the work), so the
    time is linear in the values."""
    values = obj.spec.get("values") if obj.kind == "HelmRelease" else None
    if not isinstance(values, dict):
        return []
    found: list[ValuesObject] = []
    seen: set[int] = set()
    stack: list[tuple[Any, FieldPath]] = [(values, ("spec", "values"))]
    while stack:
        node, at = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            stack.extend((item, (*at, i)) for i, item in reversed(list(enumerate(node))) if isinstance(item, (dict, list)))
            continue
        made = _values_object(node, at)
        if made is not None:
            found.append(made)
        stack.extend((value, (*at, key)) for key, value in reversed(list(node.items())) if isinstance(value, (dict, list)))
    return found


def _values_object(node: dict[str, Any], at: FieldPath) -> ValuesObject | None:
    api, kind, meta = node.get("apiVersion"), node.get("kind"), node.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if not (isinstance(api, str) and isinstance(kind, str) and isinstance(name, str) and api and kind and name):
        return None
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    group = api.rpartition("/")[0]
    return ValuesObject(group, kind, namespace if isinstance(namespace, str) and namespace else None, name, at)


# --- producer and consumer tables (schemas/producers.yaml, schemas/consumers.yaml) ---------------
# A path is a tuple of segments: a key, "*" (every list item or mapping value), "**" (any depth,
# including none) or a tuple of alternative sub-paths.
Segment = Any
Path = tuple[Segment, ...]
NODE_KIND = {
    "Secret": "secret",
    "ConfigMap": "configmap",
    "PersistentVolumeClaim": "claim",
    "SecretStore": "secretstore",  # External Secrets stores a chart renders (HL403)
    "ClusterSecretStore": "clustersecretstore",
}
ANY = "*"  # a namespace that cannot be known: the product may be in any namespace
_MAX_DEPTH = 12


_KEY = re.compile(r"[^.(\[|)]+")  # a plain key of a path


def parse_path(text: str) -> tuple[bool, Path]:
    """(relative to the object root, segments) of `a.b.*.(c|d.e)["x.y/z"]`; a leading `/` is the root."""
    root = text.startswith("/")
    segments, _ = _parse_segments(text[1:] if root else text, 0, "")
    return root, segments


def _parse_segments(text: str, pos: int, stop: str) -> tuple[Path, int]:
    segments: list[Segment] = []
    while pos < len(text) and text[pos] not in stop:
        char = text[pos]
        if char == ".":
            pos += 1
        elif char == "(":
            alternatives: list[Path] = []
            pos += 1
            while True:
                alt, pos = _parse_segments(text, pos, "|)")
                alternatives.append(alt)
                if pos >= len(text) or text[pos] == ")":
                    pos += 1
                    break
                pos += 1
            segments.append(tuple(alternatives))
        elif char == "[":
            close = text.index("]", pos)
            segments.append(text[pos + 1 : close].strip("\"'"))
            pos = close + 1
        else:
            match = _KEY.match(text, pos)
            assert match is not None, text
            segments.append(match.group())
            pos = match.end()
    return tuple(segments), pos


def walk(data: Any, path: Path, at: FieldPath = (), depth: int = 0, holder: Any = None) -> list[tuple[Any, FieldPath, Any]]:
    """(value, field path, the mapping holding it) of every match of `path` in `data`, in document
    order (alternatives in their order at the point they are reached)."""
    found: list[tuple[Any, FieldPath, Any]] = []
    _walk(data, path, 0, at, depth, holder, found)
    return found


def _walk(
    data: Any, path: Path, index: int, at: FieldPath, depth: int, holder: Any, found: list[tuple[Any, FieldPath, Any]]
) -> None:
    """walk from `path[index]` on, appending to `found` (a list, not nested generators: a match
    deep in a document is handed up no level at a time)."""
    end, start = len(path), index
    while index < end:  # plain keys without recursion: most of every path
        head = path[index]
        if type(head) is not str or head == "*" or head == "**":
            break
        if not isinstance(data, dict) or head not in data:
            return
        holder, data = data, data[head]
        index += 1
    if index > start:
        at = at + path[start:index]  # the keys just followed (one tuple, not one per key)
    if index == end:
        found.append((data, at, holder))
        return
    head = path[index]
    if type(head) is tuple:
        rest = path[index + 1 :]
        for alternative in head:
            first = alternative[0] if alternative else None
            if type(first) is not str or first in ("*", "**") or (isinstance(data, dict) and first in data):
                _walk(data, alternative + rest, 0, at, depth, holder, found)
    elif head == "**":
        after = index + 1
        if after < end and type(path[after]) is str and path[after] not in ("*", "**"):
            key = path[after]  # the common case, `**.existingClaim`: find the holders directly
            for mapping, where in _holders(data, key, at, depth):
                _walk(mapping[key], path, after + 1, (*where, key), depth + 1, mapping, found)
            return
        _walk(data, path, after, at, depth, holder, found)
        if depth < _MAX_DEPTH:
            for child_key, child in _children(data):
                _walk(child, path, index, (*at, child_key), depth + 1, data, found)
    else:  # "*": when what follows starts with plain keys, only the items with one of them are entered
        after = index + 1
        want = _first_keys(path[after]) if after < end else None
        if isinstance(data, dict):
            for key, child in data.items():
                if want is None or (isinstance(child, dict) and not want.isdisjoint(child)):
                    _walk(child, path, after, (*at, str(key)), depth + 1, data, found)
        elif isinstance(data, list):
            for i, child in enumerate(data):
                if want is None or (isinstance(child, dict) and not want.isdisjoint(child)):
                    _walk(child, path, after, (*at, i), depth + 1, data, found)


@cache
def _first_keys(segment: Segment) -> frozenset[str] | None:
    """The keys a match of `segment` must start with (a plain key, or the first plain key of every
    alternative); None if it may start anywhere (`*`, `**`, an empty alternative)."""
    if type(segment) is str:
        return None if segment in ("*", "**") else frozenset((segment,))
    keys: set[str] = set()
    for alternative in segment:
        first = _first_keys(alternative[0]) if alternative else None
        if first is None:
            return None
        keys |= first
    return frozenset(keys)


def _holders(data: Any, key: str, at: FieldPath, depth: int) -> list[tuple[dict[str, Any], FieldPath]]:
    """Every mapping at or under `data` (at most _MAX_DEPTH deeper) that has `key`, in document order.
    The path is kept as one list, made a tuple only for a mapping found (most are not)."""
    found: list[tuple[dict[str, Any], FieldPath]] = []
    _visit_holders(data, key, depth, list(at), found)
    return found


def _visit_holders(node: Any, key: str, level: int, trail: list[Any], found: list[tuple[dict[str, Any], FieldPath]]) -> None:
    """_holders' walk: a function of its own, not a closure that calls itself (that closure and its
    cells are a reference cycle, never freed while a run has the GC off: runner.quiet_gc)."""
    if isinstance(node, dict):
        if key in node:
            found.append((node, tuple(trail)))
        if level < _MAX_DEPTH:
            for k, v in node.items():
                if isinstance(v, dict | list):
                    trail.append(str(k))
                    _visit_holders(v, key, level + 1, trail, found)
                    trail.pop()
    elif isinstance(node, list) and level < _MAX_DEPTH:
        for i, v in enumerate(node):
            if isinstance(v, dict | list):
                trail.append(i)
                _visit_holders(v, key, level + 1, trail, found)
                trail.pop()


def _children(data: Any) -> list[tuple[str | int, Any]]:
    if isinstance(data, dict):
        return [(str(k), v) for k, v in data.items()]
    if isinstance(data, list):
        return list(enumerate(data))
    return []


@dataclass(frozen=True, slots=True)
class Condition:
    root: bool
    path: Path
    values: tuple[Any, ...] | None = None  # `in`
    not_values: tuple[Any, ...] | None = None  # `not_in`: present and none of these
    present: bool | None = None
    text: str = ""
    plain: bool = False  # the path is plain keys only: at most one value, read without walk

    def holds(self, item: Any, root: Any) -> bool:
        data = root if self.root else item
        if self.plain:
            found = []
            for key in self.path:
                if not isinstance(data, dict) or key not in data:
                    break
                data = data[key]
            else:
                found = [data]
        else:
            found = [v for v, _, _ in walk(data, self.path)]
        if self.present is not None and bool(found) != self.present:
            return False
        if self.values is not None and not any(_scalar_in(v, self.values) for v in found):
            return False
        return not (self.not_values is not None and not any(not _scalar_in(v, self.not_values) for v in found))


def _conditions_hold(when: tuple[Condition, ...], unless: tuple[Condition, ...], item: Any, root: Any) -> bool:
    """Every `when` holds and no `unless` does (most rows have neither: no generator is made for them)."""
    for condition in when:
        if not condition.holds(item, root):
            return False
    return not any(condition.holds(item, root) for condition in unless) if unless else True


def _scalar_in(value: Any, values: tuple[Any, ...]) -> bool:
    return any(type(value) is type(v) and value == v for v in values)


def _conditions(raw: Any) -> tuple[Condition, ...]:
    out = []
    for item in raw or []:
        root, path = parse_path(item["field"])
        values = tuple(item["in"]) if "in" in item else None
        not_values = tuple(item["not_in"]) if "not_in" in item else None
        if values is not None:
            text = f"`{item['field']}` is {' or '.join(str(v) for v in dict.fromkeys(values))}"
        elif not_values == ("",):
            text = f"`{item['field']}` is set and not empty"
        elif not_values is not None:
            text = f"`{item['field']}` is set to other than {' or '.join(str(v) for v in not_values)}"
        else:
            text = f"`{item['field']}` is {'set' if item.get('present') else 'not set'}"
        plain = all(type(segment) is str and segment not in ("*", "**") for segment in path)
        out.append(Condition(root, path, values, not_values, item.get("present"), text, plain))
    return tuple(out)


_TEMPLATE_PART = re.compile(r"\{([^{}]*)\}|@([a-z]+)")
_GO_TEMPLATE = "{{"  # a text/template action in a value: evaluated by the operator, unknown here


@dataclass(frozen=True, slots=True)
class Template:
    """`{metadata.name}-app`, `{spec.target.name|metadata.name}`, `@name-pguser-{name}`."""

    text: str
    parts: tuple[Any, ...]  # literal strings, and tuples of alternatives (("var", name) | ("lit", s) | (root, path))

    @classmethod
    def parse(cls, text: str) -> Template:
        parts: list[Any] = []
        pos = 0
        for match in _TEMPLATE_PART.finditer(text):
            if match.start() > pos:
                parts.append(text[pos : match.start()])
            if match.group(2):
                parts.append((("var", match.group(2)),))
            else:
                alternatives: list[tuple[Any, Any]] = []
                for alt in match.group(1).split("|"):
                    alt = alt.strip()
                    if alt.lstrip("/").startswith("@"):
                        alternatives.append(("var", alt.lstrip("/")[1:]))
                    elif alt.startswith("'"):
                        alternatives.append(("lit", alt.strip("'")))
                    else:
                        alternatives.append(parse_path(alt))
                parts.append(tuple(alternatives))
            pos = match.end()
        if pos < len(text):
            parts.append(text[pos:])
        return cls(text, tuple(parts))

    def render(self, item: Any, root: Any, variables: dict[str, str]) -> list[tuple[str, FieldPath | None]]:
        """Every value (with the field of its first placeholder); [] if a placeholder has no value."""
        results: list[tuple[str, FieldPath | None]] = [("", None)]
        for part in self.parts:
            if isinstance(part, str):
                results = [(text + part, field) for text, field in results]
                continue
            values: list[tuple[str, FieldPath | None]] = []
            for alternative in part:
                if alternative[0] == "var":
                    value = variables.get(alternative[1], "")
                    values = [(value, None)] if value else []
                elif alternative[0] == "lit":
                    values = [(alternative[1], None)]
                else:
                    is_root, path = alternative
                    values = [
                        (_text(v), at)
                        for v, at, _ in walk(root if is_root else item, path)
                        if isinstance(v, str | int | float) and not isinstance(v, bool) and _text(v)
                    ]
                if values:
                    break
            if not values:
                return []
            results = [(text + value, field or at) for text, field in results for value, at in values]
        return results


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


@dataclass(frozen=True, slots=True)
class Match:
    group: str
    kinds: tuple[str, ...]
    chart: str | None

    def accepts(self, group: str, kind: str) -> bool:
        return (self.group == ANY or group == self.group) and (self.kinds == (ANY,) or kind in self.kinds)

    def matches(self, obj: K8sObject, served: str | None = None) -> bool:
        """Whether the row applies to `obj`; `served`: the chart its chartRef's source serves. A
        release that may or may not be app-template (app_template None) matches both
        `app-template` and `!app-template`."""
        if not self.accepts(obj.group, obj.kind):
            return False
        if self.chart is None:
            return True
        wanted = self.chart.lstrip("!")
        found = app_template(obj, served) if wanted == "app-template" else chart_name(obj) == wanted
        return found is None or found != self.chart.startswith("!")


def _match(raw: dict[str, Any]) -> Match:
    kinds = raw["kind"] if isinstance(raw["kind"], list) else [raw["kind"]]
    return Match(raw["group"], tuple(kinds), raw.get("chart"))


@dataclass(frozen=True, slots=True)
class Product:
    kind: str
    each: tuple[bool, Path] | None
    names: tuple[Template, ...]
    namespace: Template | None
    when: tuple[Condition, ...]
    unless: tuple[Condition, ...]
    keys: Any
    each_text: str = ""
    replace: tuple[tuple[str, str], ...] = ()  # text replaced in every name made (an operator's own rewriting)
    normalize: str | None = None  # how the operator rewrites every name it makes (NORMALIZERS)
    reflector: Path | None = None  # the annotations whose reflector namespace lists say where it is mirrored


@dataclass(frozen=True, slots=True)
class ClusterProduct:
    """An object Kubernetes itself makes in every namespace (producers.yaml `cluster`)."""

    id: str
    kind: str
    name: str
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ProducerRow:
    id: str
    match: Match
    source: str
    products: tuple[Product, ...]
    objects: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Reference:
    kind: str
    path: Path
    namespace: Template | None
    when: tuple[Condition, ...]
    unless: tuple[Condition, ...]
    flags: tuple[str, ...]
    text: str
    switch: tuple[str, ...] | None = None  # `switch`: where the mappings whose `enabled: false` turns it off begin


@dataclass(frozen=True, slots=True)
class ConsumerRow:
    id: str
    match: Match
    source: str
    pods: tuple[Path, ...] | str
    refs: tuple[Reference, ...]


@dataclass(frozen=True, slots=True)
class Tables:
    producers: tuple[ProducerRow, ...]
    consumers: tuple[ConsumerRow, ...]
    pod: tuple[Reference, ...]
    cluster: tuple[ClusterProduct, ...] = ()


def _reference(raw: dict[str, Any]) -> Reference:
    _, path = parse_path(raw["at"])
    namespace = Template.parse(raw["namespace"]) if "namespace" in raw else None
    return Reference(
        raw["kind"],
        path,
        namespace,
        _conditions(raw.get("when")),
        _conditions(raw.get("unless")),
        tuple(raw.get("flags", ())),
        raw["at"],
        parse_path(raw["switch"])[1] if "switch" in raw else None,
    )


def _product(raw: dict[str, Any]) -> Product:
    names = raw["name"] if isinstance(raw["name"], list) else [raw["name"]]
    return Product(
        raw["kind"],
        parse_path(raw["each"]) if "each" in raw else None,
        tuple(Template.parse(n) for n in names),
        Template.parse(raw["namespace"]) if "namespace" in raw else None,
        _conditions(raw.get("when")),
        _conditions(raw.get("unless")),
        raw.get("keys", "unknown"),
        raw.get("each", ""),
        tuple(raw.get("replace", {}).items()),
        raw.get("normalize"),
        parse_path(raw["reflector"])[1] if "reflector" in raw else None,
    )


def load_table(name: str, *, validate: bool = False) -> dict[str, Any]:
    """A table file shipped with homelint. The tests validate every shipped table against
    refs.schema.json (validate=True); a run does not pay for jsonschema (~0.2 s) each time."""
    path = data_dir("schemas") / name
    parsed = parse_bytes(str(path), path.read_bytes())
    data = parsed.docs[0] if parsed.docs else None
    errors: list[Any] = []
    if validate:
        spec = schema("refs.schema.json")
        validator = Validator(compile_standalone(spec), partial(_jsonschema_validator, spec))
        errors = list(validator.iter_errors(data))
    if parsed.problems or errors or not isinstance(data, dict):
        detail = parsed.problems[0].message if parsed.problems else errors[0].message if errors else "not a mapping"
        raise ValueError(f"{path}: {detail}")
    return data


def _jsonschema_validator(spec: dict[str, Any]) -> Any:
    import jsonschema  # start-up: imported only where it is needed

    return jsonschema.Draft202012Validator(spec)


@cache
def tables() -> Tables:
    produced = load_table("producers.yaml")
    producers = produced["producers"]
    consumers = load_table("consumers.yaml")
    return Tables(
        tuple(
            ProducerRow(
                r["id"],
                _match(r["match"]),
                r["source"],
                tuple(_product(p) for p in r["produces"]),
                r.get("objects"),
                r.get("note", ""),
            )
            for r in producers
        ),
        tuple(
            ConsumerRow(
                r["id"],
                _match(r["match"]),
                r["source"],
                r.get("pods") if r.get("pods") == "find" else tuple(parse_path(p)[1] for p in r.get("pods", [])),
                tuple(_reference(x) for x in r.get("refs", [])),
            )
            for r in consumers["consumers"]
        ),
        tuple(_reference(x) for x in consumers["pod"]),
        tuple(ClusterProduct(r["id"], r["kind"], r["name"], r["source"], r.get("note", "")) for r in produced.get("cluster", [])),
    )


def cluster_made(kind: str) -> tuple[str, ...]:
    """The names of the objects of `kind` (Secret, ConfigMap, PersistentVolumeClaim) that Kubernetes
    makes in every namespace."""
    return tuple(product.name for product in tables().cluster if product.kind == kind)


@dataclass(frozen=True, slots=True)
class Made:
    """One object a producer makes: kind (Secret ...), name (may hold ${}, << >> or `*`), namespace
    (ANY when unknown), the field it comes from and the table row."""

    kind: str
    name: str
    namespace: str
    field: FieldPath
    row: str


def products_of(obj: K8sObject, variables: dict[str, str], served: str | None = None) -> Iterator[Made]:
    """What `obj` makes by the producer table. `variables`: namespace (its own), release; `served`:
    the chart a HelmRelease's chartRef source serves (app_template)."""
    root = obj.data
    own = {"name": obj.name, **variables}
    for row in _producer_rows(obj.group, obj.kind):
        if row.match.chart is not None and not row.match.matches(obj, served):
            continue
        for product in row.products:
            if product.each is None:
                items: list[tuple[Any, FieldPath, str]] = [(root, (), "")]
            else:
                _, path = product.each
                items = [(v, at, str(at[-1]) if at else "") for v, at, _ in walk(root, path)]
            for item, at, key in items:
                if not _conditions_hold(product.when, product.unless, item, root):
                    continue
                scope = {**own, "key": key}
                names: list[tuple[str, FieldPath | None]] = []
                for template in product.names:
                    names = template.render(item, root, scope)
                    if names:
                        break
                if product.reflector is not None:
                    namespaces = reflected_namespaces(get(item, product.reflector))
                elif product.namespace is None:
                    namespaces = [variables.get("namespace", "")]
                else:  # a `{{ }}` the operator evaluates (Kyverno, Helm) can be any namespace
                    rendered = product.namespace.render(item, root, scope)
                    namespaces = [ANY if n == ANY or _GO_TEMPLATE in n or _SOPS_MARK in n else n for n, _ in rendered]
                for name, field in names:
                    name = _unsealed(name)
                    for old, new in product.replace:
                        name = name.replace(old, new)
                    if product.normalize is not None and not any(mark in name for mark in _UNKNOWN_MARKS):
                        name = NORMALIZERS[product.normalize](name)
                    where = (*at, *field) if field is not None and product.each is not None else field
                    for namespace in namespaces:
                        if name and namespace:
                            yield Made(product.kind, name, namespace, where or ("metadata", "name"), row.id)


REFLECTOR = "reflector.v1.k8s.emberstack.com/"
MATCHING = "matching:"  # a namespace that stands for those reflector's namespace lists match (namespace_matcher)
_REFLECTOR_LITERAL = re.compile(r"[a-z0-9-]+")  # a pattern that matches one namespace name, itself
# Patterns read alike by .NET's Regex (reflector) and RE2: no escapes, no `{}` (reflector splits the
# list at commas first), no `[` inside a class (.NET's class subtraction `[a-z-[x]]`, RE2's POSIX
# `[[:alpha:]]`); anything else is not judged.
_REFLECTOR_PATTERN = re.compile(r"[A-Za-z0-9._*+?|()\[\]^$-]+")
_NESTED_CLASS = re.compile(r"\[[^\]]*\[")


def reflected_namespaces(annotations: Any) -> list[str]:
    """Where emberstack/kubernetes-reflector auto-mirrors a Secret or ConfigMap with these
    annotations (Mirroring/Core/MirroringPropertiesExtensions.cs CanBeAutoReflectedToNamespace):
    `reflection-allowed` and `reflection-auto-enabled` true (C# bool.TryParse), and the namespace
    matched by both `reflection-allowed-namespaces` and `reflection-auto-namespaces` (PatternListMatch:
    a missing or empty list matches every namespace; else the comma-separated, trimmed patterns, one
    of which must match the whole name). [] when it is not mirrored; [ANY] when where cannot be known
    here (a namespace label selector, a pattern RE2 and .NET may read differently); else the names,
    or one MATCHING namespace (namespace_matcher) for patterns."""
    if not isinstance(annotations, dict):
        return []
    if not (
        _csharp_true(annotations.get(REFLECTOR + "reflection-allowed"))
        and _csharp_true(annotations.get(REFLECTOR + "reflection-auto-enabled"))
    ):
        return []
    for selector in ("reflection-allowed-namespaces-selector", "reflection-auto-namespaces-selector"):
        if annotations.get(REFLECTOR + selector) not in (None, ""):
            return [ANY]  # namespace labels, which the repository may not show
    lists: list[list[str] | None] = []
    for key in ("reflection-allowed-namespaces", "reflection-auto-namespaces"):
        raw = annotations.get(REFLECTOR + key)
        if raw is None or raw == "":
            lists.append(None)  # every namespace
            continue
        if not isinstance(raw, str):
            return [ANY]
        patterns = [p.strip() for p in raw.split(",") if p.strip()]
        if not all(_REFLECTOR_PATTERN.fullmatch(p) and not _NESTED_CLASS.search(p) and _runs(p) for p in patterns):
            return [ANY]
        lists.append(patterns)
    known = [patterns for patterns in lists if patterns is not None]
    if not known:
        return [ANY]
    if all(_REFLECTOR_LITERAL.fullmatch(p) for patterns in known for p in patterns):
        names = set(known[0]).intersection(*known[1:])
        return sorted(names)
    return [MATCHING + json.dumps(lists, separators=(",", ":"))]


def _csharp_true(value: Any) -> bool:
    """C#'s bool.TryParse(value, out v) && v: "true" in any case, around white space."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _runs(pattern: str) -> bool:
    try:
        linear(pattern)
    except ValueError:
        return False
    return True


def namespace_matcher(namespace: str) -> Callable[[str], bool] | None:
    """For a MATCHING namespace (reflected_namespaces), whether a namespace name is one of those it
    stands for: every list (None: any) has a pattern whose first match (.NET Regex.Match: the
    leftmost, RE2's leftmost-first is the same) is the whole name. None for any other namespace."""
    if not namespace.startswith(MATCHING):
        return None
    lists = json.loads(namespace[len(MATCHING) :])

    def matches(name: str) -> bool:
        return all(patterns is None or any(_whole_first_match(p, name) for p in patterns) for patterns in lists)

    return matches


def _whole_first_match(pattern: str, name: str) -> bool:
    found = linear(pattern).search(name)
    return found is not None and found.start() == 0 and found.end() == len(name)


_DNS1123_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_UNKNOWN_MARKS = ("${", "<<", "{{", "*")  # a substitution, template action or any text: unknown, kept as written
_SOPS_MARK = "ENC["
_SOPS_VALUE = re.compile(r"ENC\[[^\]]*\]")


def _unsealed(name: str) -> str:
    """`name` with each value sops encrypted in the repository (`ENC[...]`, which the operator reads
    decrypted: sops-secrets-operator's recommended --encrypted-suffix Templates encrypts the names
    too) written `*`, any text. Linear."""
    return _SOPS_VALUE.sub("*", name) if _SOPS_MARK in name else name


def dns1123_subdomain(name: str) -> str:
    """A name as mongodb-kubernetes-operator's normalizeName writes it: a valid DNS-1123 subdomain
    stays as it is; any other is lowercased, each run of characters outside [a-z0-9-] and of `-`
    becomes one `-`, `-` is trimmed at both ends and the result cut at 253 characters. Linear."""
    if valid_dns1123_subdomain(name):
        return name
    out: list[str] = []
    for char in name.lower():
        if char in _DNS1123_CHARS and char != "-":
            out.append(char)
        elif not out or out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")[:DNS1123_SUBDOMAIN_MAX]


_LABEL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")


def fabric8_sanitized(name: str) -> str:
    """A name as fabric8's KubernetesResourceUtil.sanitizeName (Java operators: Keycloak) writes
    it: each run of characters outside [-A-Za-z0-9] becomes `-`, an `a` goes before a first
    character that is not a letter or digit, the result is cut at 63 and lowercased, and a last
    character that is not a letter or digit drops with the one before it for an `a`. Linear."""
    out: list[str] = []
    for char in name:
        if char in _LABEL_CHARS:
            out.append(char)
        elif not out or out[-1] != "\0":
            out.append("\0")  # one run of other characters, written `-` below
    text = "".join(out).replace("\0", "-")
    if not text:
        return text
    if not text[0].isalnum():
        text = "a" + text
    text = text[:63].lower()
    if not text[-1].isalnum():
        text = text[: len(text) - 2] + "a"
    return text


NORMALIZERS = {"dns1123-subdomain": dns1123_subdomain, "fabric8-sanitize-name": fabric8_sanitized}


@dataclass(frozen=True, slots=True)
class Written:
    """Where a chart value a HelmRelease takes from `valuesFrom` is written: the file (a generator's
    values file, a ConfigMap's, or the HelmRelease's own for a `targetPath`), the source as the HL8xx
    rules name it, and the span there (computed when asked)."""

    path: str
    label: str
    span: Callable[[], Span]


@dataclass(frozen=True, slots=True)
class Use:
    """One reference by the consumer table: kind (Secret ...), name, namespace (None: unknown, not
    checked), field, optional, flags, row. A reference in chart values from `valuesFrom` has its
    field in `spec.values` (where helm-controller merges it) and is `written` elsewhere; it is a
    `mention` when a source homelint cannot read may override or switch it off: it counts as a use
    (HL303), and no rule judges it missing."""

    kind: str
    name: str
    namespace: str | None
    field: FieldPath
    optional: bool
    flags: tuple[str, ...]
    row: str
    switches: tuple[tuple[str, FieldPath], ...] = ()  # (`${VAR}` text, field) of each `enabled` above it
    written: Written | None = None
    mention: bool = False


def consumed_refs(
    obj: K8sObject, namespace: str, target: str, served: str | None = None, cluster_resource: str | None = None
) -> Iterator[Use]:
    """What `obj` needs by the consumer table; `target` is a HelmRelease's targetNamespace (else
    namespace), `served` the chart its chartRef's source serves (app_template), `cluster_resource`
    cert-manager's cluster resource namespace (`@clusterresource`; None: not known, so not
    checked). A field two rows read (app-template's and the generic chart rows, for a release that
    may be either) is one use."""
    variables = {"namespace": namespace, "target": target, "name": obj.name, "clusterresource": cluster_resource or ""}
    spec = obj.data.get("spec")
    seen: set[tuple[str, FieldPath]] = set()
    for row in _consumer_rows(obj.group, obj.kind):
        if row.match.chart is not None and not row.match.matches(obj, served):
            continue
        if row.pods == "find":
            bases = [(("spec", *at), pod) for at, pod in _find_pods(spec, (), 0)]
        else:
            paths: tuple[Path, ...] = row.pods if isinstance(row.pods, tuple) else ()
            bases = [(at, pod) for path in paths for pod, at, _ in walk(obj.data, path) if isinstance(pod, dict)]
        for base, pod in bases:
            for ref in tables().pod:
                yield from _distinct(_uses(ref, pod, base, obj.data, variables, row.id), seen)
        for ref in row.refs:
            yield from _distinct(_uses(ref, obj.data, (), obj.data, variables, row.id), seen)


VALUES: FieldPath = ("spec", "values")


def chart_value_refs(
    obj: K8sObject, values: dict[str, Any], namespace: str, target: str, served: str | None = None
) -> Iterator[Use]:
    """What the chart values `values` of the HelmRelease `obj` need by the consumer rows that read
    chart values (references with `switch: spec.values`), read as consumed_refs reads its
    `spec.values`: each use's field is the path of the value under `spec.values`."""
    variables = {"namespace": namespace, "target": target, "name": obj.name}
    spec = obj.data.get("spec")
    root = {**obj.data, "spec": {**(spec if isinstance(spec, dict) else {}), "values": values}}
    seen: set[tuple[str, FieldPath]] = set()
    for row in _consumer_rows(obj.group, obj.kind):
        if row.match.chart is not None and not row.match.matches(obj, served):
            continue
        for ref in row.refs:
            if ref.switch == VALUES:
                yield from _distinct(_uses(ref, root, (), root, variables, row.id), seen)


def _distinct(uses: Iterator[Use], seen: set[tuple[str, FieldPath]]) -> Iterator[Use]:
    """The uses whose (kind, field) is not in `seen` yet (added as they pass)."""
    for use in uses:
        key = (use.kind, use.field)
        if key not in seen:
            seen.add(key)
            yield use


def _uses(ref: Reference, data: Any, base: FieldPath, root: Any, variables: dict[str, str], row: str) -> Iterator[Use]:
    for value, at, holder in walk(data, ref.path):
        if not isinstance(value, str) or not value:
            continue
        if not _conditions_hold(ref.when, ref.unless, holder, root):
            continue
        namespace: str | None = variables["namespace"]
        if ref.namespace is not None:
            rendered = ref.namespace.render(holder, root, variables)
            namespace = rendered[0][0] if rendered else None
        optional = isinstance(holder, dict) and holder.get("optional") is True
        switches: tuple[tuple[str, FieldPath], ...] = ()
        if ref.switch is not None and at[: len(ref.switch)] == ref.switch:
            off, switches = switched_off(data, at, len(ref.switch))
            if off:
                continue
        yield Use(ref.kind, value, namespace, (*base, *at), optional, ref.flags, row, switches)


def switched_off(data: Any, at: FieldPath, start: int) -> tuple[bool, tuple[tuple[str, FieldPath], ...]]:
    """Whether a mapping on the way to `at`, from depth `start` down to the one holding it, has
    `enabled: false` (a YAML boolean: the Helm convention `{{- if .Values.x.enabled }}`, and a
    subchart's `condition: x.enabled`); and the `enabled` values on the way that hold a `${VAR}`, with
    their fields (Flux substitutes them before Helm reads them). A string "false" does not count:
    Helm's `if` takes any non-empty string as true."""
    node = data
    found: list[tuple[str, FieldPath]] = []
    for depth, key in enumerate(at):
        if isinstance(node, dict):
            if depth >= start:
                enabled = node.get("enabled")
                if enabled is False:
                    return True, ()
                if isinstance(enabled, str) and "${" in enabled:
                    found.append((enabled, (*at[:depth], "enabled")))
            node = node.get(key) if isinstance(key, str) else None
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            break
    return False, tuple(found)


@cache
def _producer_rows(group: str, kind: str) -> tuple[ProducerRow, ...]:
    return tuple(row for row in tables().producers if row.match.accepts(group, kind))


@cache
def _consumer_rows(group: str, kind: str) -> tuple[ConsumerRow, ...]:
    """The consumer rows of a kind; the `find` row (pod specs of custom resources) only for a kind
    no row names its pod specs for, and not for Flux's own kinds."""
    rows = tuple(row for row in tables().consumers if row.match.accepts(group, kind))
    if (
        any(row.pods != "find" and row.pods for row in rows)
        or group.endswith("toolkit.fluxcd.io")
        or group == "fluxcd.controlplane.io"
    ):
        rows = tuple(row for row in rows if row.pods != "find")
    return rows


def described_kind(group: str, kind: str) -> bool:
    """Whether the producer or consumer tables have a row of this kind itself (not one of every
    kind, as Crossplane's writeConnectionSecretToRef or the pod specs of custom resources)."""
    matches = [row.match for row in _producer_rows(group, kind)] + [row.match for row in _consumer_rows(group, kind)]
    return any(match.group != ANY or match.kinds != (ANY,) for match in matches)


def _find_pods(data: Any, at: FieldPath, depth: int) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    """Every mapping under `data` with a `containers` list of mappings (a pod spec)."""
    for holder, where in _holders(data, "containers", at, depth):
        containers = holder["containers"]
        if isinstance(containers, list) and containers and all(isinstance(c, dict) for c in containers):
            yield where, holder


_DOCS_MARKER = re.compile(r"^<!-- (producers|consumers): (\w+) -->$", re.MULTILINE)


def expand_docs(text: str) -> str:
    """Rule docs with each `<!-- producers: Secret -->` / `<!-- consumers: Secret -->` line replaced
    by the rows of the tables (so the docs list exactly what the code reads)."""
    return _DOCS_MARKER.sub(lambda m: _table_docs(m.group(1), m.group(2)), text)


def _kind_label(match: Match) -> str:
    kinds = "/".join(match.kinds) if match.kinds != (ANY,) else "any kind"
    group = f" ({match.group})" if match.group not in ("", ANY) else ""
    chart = f" of chart {match.chart}" if match.chart else ""
    return f"{kinds}{group}{chart}"


def _table_docs(which: str, kind: str) -> str:
    lines: list[str] = []
    if which == "producers":
        for made in tables().cluster:
            if made.kind == kind:
                note = f" ({made.note})" if made.note else ""
                lines.append(f"- Kubernetes itself{note}: `{made.name}` in every namespace (`{made.id}`)")
        for row in tables().producers:
            if row.objects == "resource-set":
                lines.append(f"- {_kind_label(row.match)}: what its resources and resourcesTemplate make (`{row.id}`)")
            for product in row.products:
                if product.kind != kind:
                    continue
                names = " or ".join(f"`{t.text}`" for t in product.names)
                each = f" for each `{product.each_text}`" if product.each_text else ""
                where = ""
                if product.reflector is not None:
                    where = " in the namespaces its reflector annotations auto-reflect it into"
                elif product.namespace is not None:
                    where = " in any namespace" if product.namespace.text == ANY else f" in namespace `{product.namespace.text}`"
                note = f" ({row.note})" if row.note else ""
                rewrite = "".join(f", `{old}` written `{new}`" for old, new in product.replace)
                if product.normalize is not None:
                    rewrite += f", rewritten as the operator does (`{product.normalize}`)"
                lines.append(
                    f"- {_kind_label(row.match)}{note}: {names}{each}{where}{rewrite}{_condition_docs(product)} (`{row.id}`)"
                )
    else:
        pods = [_kind_label(r.match) for r in tables().consumers if r.pods]
        for ref in tables().pod:
            if ref.kind == kind:
                lines.append(f"- pod specs (of {', '.join(pods)}): `{ref.text}`")
        for consumer in tables().consumers:
            for ref in consumer.refs:
                if ref.kind == kind:
                    lines.append(f"- {_kind_label(consumer.match)}: `{ref.text}`{_condition_docs(ref)} (`{consumer.id}`)")
    return "\n".join(dict.fromkeys(lines)) or "- (none)"


def _condition_docs(item: Product | Reference) -> str:
    parts = [f"when {c.text}" for c in item.when] + [f"unless {c.text}" for c in item.unless]
    if isinstance(item, Reference) and item.switch is not None:
        parts.append(f"unless it or a mapping above it in `{'.'.join(item.switch)}` has `enabled: false`")
    if isinstance(item, Reference) and "made-elsewhere" in item.flags:
        parts.append("not in a namespace where a chart or an operator homelint cannot read may make it (HL301)")
    return f", {', '.join(parts)}" if parts else ""
