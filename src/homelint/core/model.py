"""Core value types: positions, severities, findings and Kubernetes objects."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based region; end_column is the column after the last character."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int = 1) -> Span:
        return cls(line, column, line, column + 1)


FILE_START = Span(1, 1, 1, 2)


@dataclass(slots=True)
class Finding:
    rule: str
    path: str
    span: Span
    message: str
    fix: str | None = None
    severity: str = "error"
    name: str = ""
    # Stable identity for fingerprints: what the finding is about, never its line.
    key: str = ""
    # Other repo files whose change can cause this finding (pre-commit file filtering).
    related: tuple[str, ...] = ()
    suppressed: str | None = None  # reason text when suppressed in source
    detail: str | None = None  # extra text for the terminal (e.g. a unified diff)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.rule, self.message)

    def fingerprint(self) -> str:
        import hashlib  # start-up: a warm run that prints text never needs it (it loads OpenSSL)

        basis = f"{self.rule}\0{self.path}\0{self.key or self.message}"
        return hashlib.sha256(basis.encode()).hexdigest()[:32]


def sops_encrypted(doc: dict[str, Any]) -> bool:
    """A document sops wrote: its `sops:` block has the metadata sops always writes (`mac`,
    `version`), not just the key (an empty `sops: {}` would otherwise exempt plaintext from checks).
    HL402 still judges each value by the selectors of the block (rules/secrets.py own_rule)."""
    block = doc.get("sops")
    return isinstance(block, dict) and ("mac" in block or "version" in block)


def sops_opaque(doc: dict[str, Any]) -> bool:
    """A document sops encrypted whole (no encrypted_regex): its apiVersion, kind, name or
    namespace is ciphertext (`ENC[...]`), so what it makes is known only once kustomize-controller
    decrypts the whole resource (its decryptor's DecryptResource) before applying it."""
    if not sops_encrypted(doc):
        return False
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return any(
        is_ciphertext(value) for value in (doc.get("apiVersion"), doc.get("kind"), meta.get("name"), meta.get("namespace"))
    )


def is_ciphertext(value: Any) -> bool:
    """A value sops encrypted: `ENC[...]`."""
    return isinstance(value, str) and value.startswith("ENC[") and value.endswith("]")


FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Origin:
    """The field `field` of the patched object (and what is below it) is at `at` of document
    `doc` of `path`; `inside` when `at` is a text block (an inline patch), with `inner` the field
    inside the YAML that text holds (in its YAML document `part`); `text` when `path` is not YAML."""

    field: FieldPath
    path: str
    doc: int
    at: FieldPath
    inside: bool = False
    inner: FieldPath = ()
    text: bool = False  # `path` is a plain text file (a generator source): `at` is (line index,)
    part: int = 0


CORE_REFERENCED = frozenset({"ConfigMap", "Secret"})  # kinds references name in the core group only


@dataclass(slots=True)
class K8sObject:
    """One YAML document that looks like a Kubernetes object."""

    path: str
    doc: int
    data: dict[str, Any]
    api_version: str
    kind: str
    name: str
    namespace: str | None
    is_sops: bool = False
    # A generated object (kustomize configMapGenerator/secretGenerator): findings on any of its
    # fields point at this field path of the kustomization that generates it.
    anchor: tuple[Any, ...] | None = None
    # Filled by the Flux model.
    effective_namespace: str | None = None
    applied_by: list[str] = field(default_factory=list)  # Flux Kustomization keys
    # An object as kustomize patches left it in one build (Applied.obj): the object of the file it
    # comes from (sharing its applied_by), and where patched or moved fields are (patches.resolve).
    unpatched: K8sObject | None = None
    origins: tuple[Origin, ...] = ()

    @property
    def source(self) -> K8sObject:
        """The object of the repository file (itself unless patched)."""
        return self.unpatched if self.unpatched is not None else self

    @property
    def group(self) -> str:
        return self.api_version.rsplit("/", 1)[0] if "/" in self.api_version else ""

    @property
    def version(self) -> str:
        return self.api_version.rsplit("/", 1)[-1]

    def named_by(self, kind: str) -> bool:
        """Whether a reference to a `kind` (a ConfigMap or Secret: the core kinds, as
        `substituteFrom`, `envFrom` or `valuesFrom` fetch them) can name this object: a custom
        resource of kind `Secret` in another API group is not a Secret."""
        return self.kind == kind and (kind not in CORE_REFERENCED or self.group == "")

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        return meta if isinstance(meta, dict) else {}


def dig(data: Any, keys: tuple[Any, ...]) -> Any:
    """The value at `keys` in nested mappings; None when a step is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _is_collection(doc: Any) -> bool:
    kind = doc.get("kind") if isinstance(doc, dict) else None
    return isinstance(kind, str) and kind.endswith("List") and "items" in doc


def list_items(doc: Any) -> list[tuple[FieldPath, Any]] | None:
    """The objects kustomize reads from a `FooList` document (`kind` ending in List, with an
    `items` key): each item with its field path in the document, nested lists expanded after
    the others; an empty or non-list `items` holds none. None for any other document (one
    object). kustomize: api/resource/factory.go, inlineAnyEmbeddedLists."""
    if not _is_collection(doc):
        return None
    out: list[tuple[FieldPath, Any]] = []
    queue: deque[tuple[FieldPath, Any]] = deque([(("items",), doc["items"])])
    while queue:
        at, items = queue.popleft()
        if not isinstance(items, list):
            continue  # null: an empty list; anything else kustomize refuses (not modelled)
        for index, item in enumerate(items):
            if _is_collection(item):
                queue.append(((*at, index, "items"), item["items"]))
            else:
                out.append(((*at, index), item))
    return out


def make_object(path: str, index: int, doc: Any) -> K8sObject | None:
    """Document `index` of file `path` as a Kubernetes object; None unless it has a string apiVersion and kind."""
    if not isinstance(doc, dict):
        return None
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name = meta.get("name")
    namespace = meta.get("namespace")
    return K8sObject(
        path=path,
        doc=index,
        data=doc,
        api_version=api_version,
        kind=kind,
        name=name if isinstance(name, str) else str(name) if name is not None else "",
        namespace=namespace if isinstance(namespace, str) and namespace else None,
        is_sops=sops_encrypted(doc),
    )
