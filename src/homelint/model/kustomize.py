"""kustomization.yaml model: entries, the files a directory wires, and path resolution."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from homelint.loading.discovery import KUSTOMIZATION_NAMES

REMOTE = re.compile(r"^(https?://|git@|ssh://|github\.com/|gitlab\.com/|bitbucket\.org/|oci://)|\?ref=|//")


def is_remote(entry: str) -> bool:
    return bool(REMOTE.search(entry)) and not entry.startswith(("./", "../"))


def join(base: str, rel: str) -> str:
    """Join a repo-relative dir and a relative path; '' is the repo root. Never escapes the root."""
    path = posixpath.normpath(posixpath.join(base or ".", rel))
    if path in (".", "/"):
        return ""
    while path.startswith("../"):
        path = path[3:]
    return "" if path == ".." else path.lstrip("/")


def inside(path: str, folder: str) -> bool:
    """Whether a repo-relative path is `folder` or below it ('' is the repo root)."""
    return folder == "" or path == folder or path.startswith(folder + "/")


def join_entry(base: str, rel: str) -> str:
    """A kustomization entry's repo-relative path. Unlike `join` (Flux's securejoin clamps a path at
    the root), an entry that leads outside the repository stays outside (it starts with `../` or
    `/`): Flux's kustomize build cannot read it, and nothing in the repository must stand for it."""
    joined = posixpath.normpath(posixpath.join(base or ".", rel))
    if joined.startswith("/") or joined == ".." or joined.startswith("../"):
        return joined
    return "" if joined == "." else joined


def is_inline(entry: str) -> bool:
    """Whether a `generators:`/`transformers:`/`validators:` entry is an inline plugin configuration
    rather than a path: kustomize takes an entry that decodes as a YAML object as one (a block with
    newlines, or a one-line flow mapping)."""
    return "\n" in entry or entry.lstrip().startswith("{")


def escapes(target: str) -> bool:
    """An entry target (join_entry) outside the repository."""
    return target.startswith("/") or target == ".." or target.startswith("../")


@dataclass(slots=True)  # slots: one per path entry of every kustomization
class Entry:
    """A path entry of a kustomization: where it is (field path) and what it names."""

    field: tuple[str | int, ...]
    value: str
    target: str  # repo-relative resolved path
    kind: str  # resources | components | patches | generator-file | other


@dataclass
class KustomizeDir:
    dir: str
    file: str
    data: dict[str, Any]
    doc: int = 0
    entries: list[Entry] = field(default_factory=list)

    @property
    def namespace(self) -> str | None:
        ns = self.data.get("namespace")
        return ns if isinstance(ns, str) and ns else None

    @property
    def is_component(self) -> bool:
        return self.data.get("kind") == "Component"

    def of_kind(self, *kinds: str) -> list[Entry]:
        return [e for e in self.entries if e.kind in kinds]


def _strings(value: Any) -> list[tuple[int, str]]:
    if isinstance(value, list):
        return [(i, v) for i, v in enumerate(value) if isinstance(v, str)]
    return []


# kustomize decodes a kustomization file with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1), where a plain
# y, yes, on (n, no, off), in any case form go-yaml knows, is a boolean; the loader (YAML 1.2) reads
# them as strings. A configuration file under generators:/transformers: is read by kyaml (YAML 1.2):
# there they stay strings, and kustomize fails on them in a boolean field.
_YAML11_WORDS = {
    form: word in ("y", "yes", "on")
    for word in ("y", "yes", "on", "n", "no", "off")
    for form in (word, word.capitalize(), word.upper())
}
BOOLEAN_OPTIONS = ("disableNameSuffixHash", "immutable", "allowNameChange", "allowKindChange")


def kustomization_options(options: Any) -> Any:
    """Generator or patch `options` of a kustomization file with their boolean fields as kustomize
    reads them (`disableNameSuffixHash: yes` is true). A quoted `'yes'` reads the same here;
    kustomize fails on it (HL601 says so)."""
    if not isinstance(options, dict) or not any(isinstance(options.get(k), str) for k in BOOLEAN_OPTIONS):
        return options
    return {k: _YAML11_WORDS.get(v, v) if k in BOOLEAN_OPTIONS and isinstance(v, str) else v for k, v in options.items()}


# The fields of kustomize's Kustomization (api/types/kustomization.go, their json names)
FIELDS = frozenset(
    (
        "apiVersion", "kind", "metadata", "openapi", "namePrefix", "nameSuffix", "namespace", "commonLabels", "labels",
        "commonAnnotations", "patchesStrategicMerge", "patchesJson6902", "patches", "images", "replacements", "replicas",
        "vars", "sortOptions", "resources", "components", "crds", "configMapGenerator", "secretGenerator", "helmGlobals",
        "helmCharts", "helmChartInflationGenerator", "generatorOptions", "configurations", "generators", "transformers",
        "validators", "buildMetadata", "bases",
    )
)  # fmt: skip
_BY_LOWER = {name.lower(): name for name in FIELDS}


def canonical_fields(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the kustomization with its field names as kustomize reads them, field -> the key written
    in the file where they differ). kustomize decodes the file as JSON into its struct, whose
    field names match case-insensitively (`Resources:`, `apiversion:`); a name written exactly wins."""
    if all(key in FIELDS or not isinstance(key, str) for key in data):
        return data, {}
    out: dict[str, Any] = {}
    written: dict[str, str] = {}
    for key, value in data.items():
        name = _BY_LOWER.get(key.lower()) if isinstance(key, str) and key not in FIELDS else None
        if name is not None and name not in data and name not in written:
            out[name], written[name] = value, key
        else:
            out[key] = value
    return out, written


# kustomize's Kustomization.CheckEmpty (api/types/kustomization.go, run by KustTarget.Load after
# FixKustomization): the decoded file equals the zero Kustomization apart from its apiVersion and
# kind. A field is zero when it decodes to its Go zero value: null for a list, map or pointer (an
# explicit `[]` or `{}` is not), null or "" for a string; FixKustomization moves bases, imageTags and
# helmChartInflationGenerator into other fields and clears them, so an empty list there is zero too.
_STRING_FIELDS = frozenset(("namePrefix", "nameSuffix", "namespace"))
_MOVED_FIELDS = frozenset(("bases", "imageTags", "helmChartInflationGenerator"))


def reads_as_kustomization(data: dict[str, Any]) -> bool:
    """Whether the first document of a kustomization file (its canonical fields) is a kustomize
    Kustomization or Component: no kind, an empty one (FixKustomization makes it Kustomization),
    Kustomization or Component, and no Flux apiVersion. Another object there (a Flux
    Kustomization, a ConfigMap) is one kustomize refuses to read (kindschemas.kustomization_refusal)."""
    api = data.get("apiVersion")
    return data.get("kind") in (None, "", "Kustomization", "Component") and not (
        isinstance(api, str) and "toolkit.fluxcd.io" in api
    )


def is_empty_kustomization(doc: Any) -> bool:
    """Whether kustomize refuses the first document of a kustomization file with "kustomization.yaml
    is empty" (CheckEmpty): no document, or only zero fields. A field kustomize does not know, or a
    value it cannot decode, fails the file another way: not empty."""
    if doc is None:
        return True
    if not isinstance(doc, dict):
        return False
    data, _ = canonical_fields(doc)
    for key, value in data.items():
        if key in ("apiVersion", "kind"):
            if value is not None and not isinstance(value, str):
                return False
        elif key in _STRING_FIELDS:
            if value is not None and value != "":
                return False
        elif key in _MOVED_FIELDS:
            if value is not None and value != []:
                return False
        elif key not in FIELDS or value is not None:
            return False
    return True


def parse_kustomization(directory: str, file: str, data: dict[str, Any], written: dict[str, str] | None = None) -> KustomizeDir:
    """A kustomization's path entries (`data` with canonical field names, `written`: the keys in
    the file where they differ, for positions)."""
    kd = KustomizeDir(directory, file, data)
    written = written or {}

    def add(entry: Entry) -> None:
        head = entry.field[0]
        if isinstance(head, str) and head in written:
            entry = Entry((written[head], *entry.field[1:]), entry.value, entry.target, entry.kind)
        kd.entries.append(entry)

    def rel(value: str) -> str:
        return join_entry(directory, value)

    for key in ("resources", "bases"):
        for i, v in _strings(data.get(key)):
            add(Entry((key, i), v, rel(v), "resources"))
    for i, v in _strings(data.get("components")):
        add(Entry(("components", i), v, rel(v), "components"))
    for key in ("crds", "configurations", "generators", "transformers", "validators"):
        for i, v in _strings(data.get(key)):
            if key in ("generators", "transformers", "validators") and is_inline(v):
                continue  # an inline plugin configuration, not a path (kustomize accepts both)
            add(Entry((key, i), v, rel(v), "generator-file"))
    for key in ("patchesStrategicMerge",):
        for i, v in _strings(data.get(key)):
            if "\n" not in v:
                add(Entry((key, i), v, rel(v), "patches"))
    for key in ("patches", "patchesJson6902", "replacements"):
        items = data.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict) and isinstance(item.get("path"), str):
                    add(Entry((key, i, "path"), item["path"], rel(item["path"]), "patches"))
    for key in ("configMapGenerator", "secretGenerator"):
        items = data.get(key)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            for sub in ("files", "envs"):
                for j, v in _strings(item.get(sub)):
                    source = v.split("=", 1)[1] if "=" in v else v
                    add(Entry((key, i, sub, j), v, rel(source), "generator-file"))
            if isinstance(item.get("env"), str):
                add(Entry((key, i, "env"), item["env"], rel(item["env"]), "generator-file"))
    helm = data.get("helmCharts")
    if isinstance(helm, list):
        for i, item in enumerate(helm):
            if isinstance(item, dict) and isinstance(item.get("valuesFile"), str):
                add(Entry(("helmCharts", i, "valuesFile"), item["valuesFile"], rel(item["valuesFile"]), "generator-file"))
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        add(Entry(("openapi", "path"), openapi["path"], rel(openapi["path"]), "generator-file"))
    return kd


def kustomization_file(directory: str, files: set[str]) -> str | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = f"{directory}/{name}" if directory else name
        if candidate in files:
            return candidate
    return None
