"""kustomize's configMapGenerator and secretGenerator: the objects they make, where each value comes
from, and kustomize's content-hash name suffix. A builtin ConfigMapGenerator/SecretGenerator
configuration listed under `generators:` (`apiVersion: builtin`) makes its object the same way,
without the kustomization's generatorOptions; its paths are relative to the kustomization. An
item's `behavior` (merge/replace into an object the build holds) is applied by the Flux model.

Values follow kustomize (api/kv): a literal is `key=value` with one pair of surrounding quotes
removed; a file is `[key=]path` (the key defaults to the file name) and holds the file's text, or
binaryData when it is not UTF-8; an env file has one `KEY=value` per line (leading blanks and `#`
comment lines skipped; a line without `=` is a key with an empty value, whatever kustomize's own
environment holds: kubectl kustomize 5.8.1); in a SOPS-encrypted env file the `sops_*` lines are sops's metadata, not
keys (Flux decrypts the file first, and decryption drops them). An env file that cannot be read
here leaves the object's keys not all known (Generated.keys_known). A ConfigMap's values are kept (Flux substitutes `${VAR}` in them); a
Secret's are not: kustomize base64-encodes them, so substitution never sees them, and homelint
never holds a secret value (a merged Secret's values are made again to hash them, and dropped).

The name suffix is api/hasher's: the JSON (Go encoding, keys sorted) of kind, name (always "", see
hash_suffix) and data (and binaryData) of a ConfigMap, or kind, type, name and base64 data of a
Secret; sha256, hex, the first
ten characters with 0, 1, 3, a, e replaced by g, h, k, m, t. `disableNameSuffixHash` in the item's
options or in generatorOptions (a global true wins) keeps the plain name.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homelint.core.model import K8sObject, Origin
from homelint.model.kustomize import join, join_entry, kustomization_options

_ENCODE = str.maketrans({"0": "g", "1": "h", "3": "k", "a": "m", "e": "t"})


@dataclass(slots=True)
class Generated:
    """One generated object and its hash suffix (None: hashing disabled, or a source that cannot
    be read here, such as a SOPS-encrypted file Flux decrypts first); `hashed`: kustomize appends
    a hash to its name (known or not). `behavior` is kustomize's:
    create, or merge/replace into the object of that name the build already holds; `readable` is
    False when a source cannot be read; `secret_data` makes a Secret's base64 values again (they
    are hashed, never kept); `keys_known` is False when the object may have keys its data does
    not show (an env file that cannot be read here)."""

    obj: K8sObject
    suffix: str | None
    hashed: bool = False
    behavior: str = "create"
    readable: bool = True
    secret_data: Callable[[], dict[str, str]] | None = None
    keys_known: bool = True
    repeats: tuple[str, ...] = ()  # keys its sources give more than once: kustomize fails (makeValidatedDataMap)
    # a literal that is not KEY=VALUE with a key: kustomize fails ("invalid literal source ..., expected key=value")
    bad_literal: bool = False


@dataclass(frozen=True, slots=True)
class Where:
    """Where a generator's arguments are written: document `doc` of `path`, at `at`; `inline`
    when `at` is a YAML text (an inline `generators:` entry) and the arguments are inside it."""

    path: str
    doc: int
    at: tuple[str | int, ...]
    inline: bool = False

    def origin(self, key: str, *inner: str | int) -> Origin:
        """The origin of data key `key`, written at `inner` below the arguments."""
        if self.inline:
            return Origin(("data", key), self.path, self.doc, self.at, True, inner)
        return Origin(("data", key), self.path, self.doc, (*self.at, *inner))

    def anchor(self, item: dict[str, Any]) -> tuple[str | int, ...]:
        """Where the generated object is shown: its name in the arguments (the entry itself, inline)."""
        if self.inline:
            return self.at
        if self.at or "name" in item:
            return (*self.at, "name")
        return ("metadata", "name")


def go_json(value: Any) -> str:
    """`encoding/json`'s Marshal of strings and string maps (keys sorted by their bytes, `<>&`
    and U+2028/U+2029 escaped as Go does)."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]).encode())
        return "{" + ",".join(f"{go_json(str(k))}:{go_json(v)}" for k, v in items) + "}"
    return '"' + str(value).translate(_GO_ESCAPES) + '"'


# what Go's encoder writes escaped, and how (one C-level pass: a Python callback per character was
# 70 s on a 21 MiB file of control characters)
_GO_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_GO_ESCAPES = {
    ord(char): _GO_SHORT.get(char) or f"\\u{ord(char):04x}"
    for char in ['"', "\\", *map(chr, range(0x20)), "<", ">", "&", "\u2028", "\u2029"]
}


def name_suffix(fields: dict[str, Any]) -> str:
    """kustomize's hash of the encoded fields (hasher.encode of the sha256 hex)."""
    digest = hashlib.sha256(go_json(fields).encode()).hexdigest()
    return digest[:10].translate(_ENCODE)


def string_map(value: Any) -> dict[str, Any]:
    """`value` when it is a map, else an empty one (a label or data map of the wrong shape)."""
    return value if isinstance(value, dict) else {}


def _unquote(text: str) -> str:
    """kv.removeQuotes: one pair of matching surrounding quotes."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _decoded(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _sops(raw: bytes) -> bool:
    return b"ENC[" in raw and (b"sops" in raw)


SOPS_DOTENV_PREFIX = "sops_"  # sops's dotenv store keeps its metadata as `sops_*` keys (stores/dotenv)
_SOPS_DOTENV_MARKS = ("sops_mac=", "sops_version=")  # the metadata sops always writes


def _sops_dotenv(lines: list[str]) -> bool:
    """An env file sops encrypted: it holds the `sops_mac`/`sops_version` metadata lines, which
    decryption removes with every other `sops_*` key (only the rest reaches the generator)."""
    return any(line.lstrip().startswith(_SOPS_DOTENV_MARKS) for line in lines)


BUILTIN_KINDS = {"ConfigMapGenerator": "ConfigMap", "SecretGenerator": "Secret"}
GENERATOR_FIELDS = {"configMapGenerator": "ConfigMap", "secretGenerator": "Secret"}


def file_source(source: str) -> tuple[str, str] | None:
    """(key, path) of a generator `files:` entry as kustomize parses it (ParseFileSource): `path`
    (the key is its base name) or `key=path`; None for what kustomize refuses (an empty key or
    path, more than one `=`)."""
    if "=" not in source:
        return posixpath.basename(source), source
    key, _, path = source.partition("=")
    return (key, path) if key and path and "=" not in path else None


@dataclass(frozen=True, slots=True)
class DataFile:
    """A file kustomize reads as data: a `files:` source of item `index` of a kustomization's
    configMapGenerator or secretGenerator (`field`). kustomize puts its bytes, unparsed, into
    `key` of the object it generates (api/kv keyValuesFromFileSources)."""

    kustomization: str
    doc: int
    field: str
    index: int
    name: str  # the generator's name
    key: str
    path: str

    @property
    def item(self) -> tuple[str, int, str, int]:
        """The generator item, as a generated object's (path, doc, anchor) names it."""
        return (self.kustomization, self.doc, self.field, self.index)

    @property
    def label(self) -> str:
        return f"key '{self.key}' of {self.field} '{self.name}' in {self.kustomization}"


def data_files(kd: Any) -> list[DataFile]:
    """The `files:` sources of a kustomization's configMapGenerator and secretGenerator items."""
    found: list[DataFile] = []
    for field_name in GENERATOR_FIELDS:
        items = kd.data.get(field_name)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
                continue
            files = item.get("files")
            for source in files if isinstance(files, list) else []:
                parsed = file_source(source) if isinstance(source, str) else None
                if parsed is not None:
                    key, rel = parsed
                    found.append(DataFile(kd.file, kd.doc, field_name, index, item["name"], key, join_entry(kd.dir, rel)))
    return found


def generate(kd: Any, read: Callable[[str], bytes | None], builtins: list[tuple[dict[str, Any], Where]]) -> list[Generated]:
    """The objects of a kustomization's generators, in the order kustomize runs them (its
    configMapGenerator, secretGenerator, then the builtin generator configurations of
    `generators:`, given as (configuration, where it is)); `read` reads a repository file."""
    made: list[Generated] = []
    found = kustomization_options(kd.data.get("generatorOptions"))  # YAML 1.1 booleans, as kustomize reads the file
    options: dict[str, Any] = found if isinstance(found, dict) else {}
    for field_name, kind in GENERATOR_FIELDS.items():
        items = kd.data.get(field_name)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
                item = {**item, "options": kustomization_options(item["options"])} if "options" in item else item
                made.append(_one(kd.dir, item, kind, options, read, Where(kd.file, kd.doc, (field_name, index))))
    for config, where in builtins:
        item = builtin_args(config)
        if item is not None:  # the kustomization's generatorOptions are not theirs
            made.append(_one(kd.dir, item, BUILTIN_KINDS[config["kind"]], {}, read, where))
    return made


def builtin_args(config: Any) -> dict[str, Any] | None:
    """The generator arguments of a builtin ConfigMapGenerator/SecretGenerator configuration
    (`apiVersion: builtin`): its own fields, the name and namespace from metadata where they are
    not given (kustomize's plugin Config); None for anything else."""
    if not isinstance(config, dict) or config.get("apiVersion") != "builtin" or config.get("kind") not in BUILTIN_KINDS:
        return None
    found = config.get("metadata")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    item = dict(config)
    for key in ("name", "namespace"):
        if not (isinstance(item.get(key), str) and item[key]) and isinstance(meta.get(key), str):
            item[key] = meta[key]
    return item if isinstance(item.get("name"), str) and item["name"] else None


@dataclass(slots=True)
class _Values:
    data: dict[str, str]
    binary: dict[str, str]
    encoded: dict[str, str]  # a Secret's base64 values: hashed, never kept
    origins: list[Origin]
    readable: bool
    repeats: list[str]
    keys_known: bool = True
    bad_literal: bool = False


def _values(directory: str, item: dict[str, Any], kind: str, read: Callable[[str], bytes | None], where: Where) -> _Values:
    """The keys and values of one generator's literals, files and env files (paths relative to
    the kustomization's directory)."""
    out = _Values({}, {}, {}, [], True, [])

    def put(key: str, value: str | bytes, origin: Origin) -> None:
        if key in out.data or key in out.binary:
            out.repeats.append(key)
        raw = value.encode() if isinstance(value, str) else value
        text = value if isinstance(value, str) else _decoded(value)
        if kind == "Secret":
            out.data[key] = ""
            out.encoded[key] = base64.b64encode(raw).decode()
        elif text is None:
            out.binary[key] = base64.b64encode(raw).decode()
        else:
            out.data[key] = text
            out.origins.append(origin)

    literals = item.get("literals")
    for j, literal in enumerate(literals if isinstance(literals, list) else []):
        if not isinstance(literal, str):  # `- key=a: b` is a mapping: kustomize cannot read the file (HL601)
            out.bad_literal, out.keys_known = True, False
            continue
        key, eq, value = literal.partition("=")
        if eq and key:
            put(key, _unquote(value), where.origin(key, "literals", j))
        else:  # api/kv ParseLiteralSource: "invalid literal source ..., expected key=value"
            out.bad_literal = True
    files = item.get("files")
    for source in files if isinstance(files, list) else []:
        if not isinstance(source, str):  # kustomize cannot read the file (HL601): what it makes is not known
            out.readable, out.keys_known = False, False
            continue
        named, _, rel = source.rpartition("=")
        key = named or posixpath.basename(rel)
        path = join(directory, rel)
        raw = read(path)
        if raw is None or _sops(raw):
            out.readable = False  # missing, or decrypted by Flux first: its content (and the hash) is unknown here
            if key in out.data or key in out.binary:
                out.repeats.append(key)
            out.data[key] = ""
            continue
        put(key, raw, Origin(("data", key), path, 0, (0,), text=True))
    listed = item.get("envs")
    envs = [*(listed if isinstance(listed, list) else []), *([item["env"]] if isinstance(item.get("env"), str) else [])]
    for env in envs:
        path = join(directory, str(env))
        raw = read(path)
        readable = raw is not None and not _sops(raw)
        out.readable = out.readable and readable
        decoded = _decoded(raw) if raw is not None else None
        out.keys_known = out.keys_known and decoded is not None
        text = decoded or ""
        lines = text.removeprefix("\ufeff").splitlines()
        metadata = SOPS_DOTENV_PREFIX if raw is not None and _sops(raw) and _sops_dotenv(lines) else None
        for number, line in enumerate(lines):
            stripped = line.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            key, _, value = stripped.partition("=")  # no `=`: the key, empty (kustomize api/kv keyValuesFromLine)
            if key and not (metadata and key.startswith(metadata)):
                put(key, value if readable else "", Origin(("data", key), path, 0, (number,), text=True))
    return out


def _one(
    directory: str,
    item: dict[str, Any],
    kind: str,
    options: dict[str, Any],
    read: Callable[[str], bytes | None],
    where: Where,
) -> Generated:
    values = _values(directory, item, kind, read, where)
    meta: dict[str, Any] = {"name": item["name"]}
    if isinstance(item.get("namespace"), str) and item["namespace"]:
        meta["namespace"] = item["namespace"]
    own = item.get("options")
    own_options: dict[str, Any] = own if isinstance(own, dict) else {}
    for extra in ("labels", "annotations"):
        merged = {**string_map(options.get(extra)), **string_map(own_options.get(extra))}
        if merged:
            meta[extra] = merged
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": meta}
    if kind == "Secret":
        doc["type"] = item["type"] if isinstance(item.get("type"), str) else "Opaque"
    if values.data or not values.binary:
        doc["data"] = values.data
    if values.binary:
        doc["binaryData"] = values.binary
    obj = K8sObject(where.path, where.doc, doc, "v1", kind, item["name"], meta.get("namespace"), origins=tuple(values.origins))
    obj.anchor = where.anchor(item)
    disabled = options.get("disableNameSuffixHash") is True or own_options.get("disableNameSuffixHash") is True
    behavior = str(item["behavior"]) if item.get("behavior") in ("merge", "replace") else "create"
    again = None
    if kind == "Secret":

        def again() -> dict[str, str]:
            return _values(directory, item, kind, read, where).encoded

    suffix = None if disabled or not values.readable else hash_suffix(doc, values.encoded)
    repeats = tuple(dict.fromkeys(values.repeats))
    return Generated(obj, suffix, not disabled, behavior, values.readable, again, values.keys_known, repeats, values.bad_literal)


def hash_suffix(doc: dict[str, Any], secret_data: dict[str, str] | None = None) -> str:
    """The suffix kustomize adds to a generated object's name, from its content."""
    # api/hasher looks the name up as one field called "metadata/name" (yaml.Lookup takes path
    # segments), finds none and hashes "": two generators of the same content get the same suffix
    name = ""
    if doc.get("kind") == "Secret":
        fields: dict[str, Any] = {"kind": "Secret", "type": doc.get("type", ""), "name": name, "data": secret_data or ""}
        return name_suffix(fields)
    fields = {"kind": "ConfigMap", "name": name, "data": doc.get("data") or ""}  # kustomize omits an empty map
    if isinstance(doc.get("binaryData"), dict):
        fields["binaryData"] = doc["binaryData"]
    return name_suffix(fields)
