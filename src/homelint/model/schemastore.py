"""The schema store: the JSON schemas a repository declares or needs, found without the network.

A schema is looked up, in this order, in
1. `schemas.paths` of the config: a URL prefix -> folder (`https://host/dir/` + rest -> folder/rest),
   an exact URL -> file, or a chart `name@version` (the version may be a glob) -> the folder that
   holds its `values.schema.json` (and `values.yaml`, the chart's defaults, if present). A
   repository can commit the schemas it relies on; paths stay inside the repository unless the
   config file itself was given from outside it (`--config`), which is the user's own;
2. the cache that `homelint schemas pull` fills (schemapull.py): `$XDG_CACHE_HOME/homelint/schemas`
   (default `~/.cache/homelint/schemas`). `index.json` maps every URL, and every chart as
   `<chart source>/<name>@<version>`, to the sha256 digest of its content in `blobs/`, with the
   time it was fetched (or why it could not be).

`$ref`s are followed through the same two places; a schema whose closure is incomplete is reported
as missing (one note per schema), never guessed. Nothing here touches the network.
"""

from __future__ import annotations

import fnmatch
import json
import os
import posixpath
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from homelint.core.digest import blake2b
from homelint.loading.safeio import atomic_write, read_sized
from homelint.model.config import Config, ConfigError
from homelint.model.fastschema import Compiler, Unsupported, Validator, join_ref

STORE_FORMAT = 1
CHART_BASE = "https://homelint.invalid/chart/"  # pseudo-URLs of files inside a stored chart (never fetched)
MAX_SCHEMA_BYTES = 20 * 1024 * 1024
MAX_DOCUMENTS = 2000  # a $ref closure larger than this is refused (a hostile schema)
_CHART_KEY = re.compile(r"^(?P<name>[A-Za-z0-9._/-]+)@(?P<version>\S+)$")


def store_dir() -> Path:
    """Where `homelint schemas pull` keeps schemas: $XDG_CACHE_HOME/homelint/schemas."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "homelint" / "schemas"


def chart_file_uri(key: str, path: str) -> str:
    return f"{CHART_BASE}{quote(key, safe='')}/{path}"


class Store:
    """The pulled schemas: index.json (URL or chart key -> entry) and content-addressed blobs/."""

    def __init__(self, directory: Path | None = None) -> None:
        self.dir = directory if directory is not None else store_dir()
        self._index: dict[str, Any] | None = None

    @property
    def index(self) -> dict[str, Any]:
        if self._index is None:
            self._index = self._read_index()
        return self._index

    def _read_index(self) -> dict[str, Any]:
        try:
            data = json.loads((self.dir / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"format": STORE_FORMAT, "urls": {}, "charts": {}}
        if not isinstance(data, dict) or data.get("format") != STORE_FORMAT:
            return {"format": STORE_FORMAT, "urls": {}, "charts": {}}
        data.setdefault("urls", {})
        data.setdefault("charts", {})
        return data

    def url(self, url: str) -> dict[str, Any] | None:
        entry = self.index["urls"].get(url)
        return entry if isinstance(entry, dict) else None

    def chart(self, key: str) -> dict[str, Any] | None:
        entry = self.index["charts"].get(key)
        return entry if isinstance(entry, dict) else None

    def blob(self, digest: str) -> bytes | None:
        name = digest.removeprefix("sha256:")
        if not re.fullmatch(r"[0-9a-f]{64}", name):
            return None
        try:
            with open(self.dir / "blobs" / name, "rb") as handle:
                data = read_sized(handle, os.fstat(handle.fileno()).st_size, MAX_SCHEMA_BYTES)
        except OSError:
            return None
        import hashlib  # start-up: loads OpenSSL, which a run that reads no stored schema never needs

        if len(data) > MAX_SCHEMA_BYTES or hashlib.sha256(data).hexdigest() != name:
            return None  # truncated or tampered with: as if absent
        return data

    def signature(self) -> str:
        try:
            st = os.stat(self.dir / "index.json")
        except OSError:
            return "no store"
        return f"{self.dir}:{st.st_size}:{st.st_mtime_ns}"

    # --- writing (homelint schemas pull) -------------------------------------------------------
    def put_blob(self, data: bytes) -> str:
        import hashlib  # start-up: only `homelint schemas pull` writes blobs

        digest = hashlib.sha256(data).hexdigest()
        target = self.dir / "blobs" / digest
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data, mode=0o644)
        return f"sha256:{digest}"

    def record_url(self, url: str, entry: dict[str, Any]) -> None:
        self.index["urls"][url] = {**entry, "fetched": _now()}

    def record_chart(self, key: str, entry: dict[str, Any]) -> None:
        self.index["charts"][key] = {**entry, "fetched": _now()}

    def save(self) -> None:
        """Merge into the index on disk (another pull may have run meanwhile) and replace it atomically."""
        mine = self.index
        current = self._read_index()
        for section in ("urls", "charts"):
            current[section].update(mine[section])
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self.dir / "index.json", json.dumps(current, indent=1, sort_keys=True).encode(), mode=0o644)
        self._index = current


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --- schemas.paths ------------------------------------------------------------------------------
@dataclass
class SchemaPaths:
    """`schemas.paths` of the config, resolved and checked."""

    urls: list[tuple[str, Path]] = field(default_factory=list)  # URL prefix (or exact URL) -> folder (or file)
    charts: list[tuple[str, str, Path]] = field(default_factory=list)  # chart name, version glob, folder
    allowed: list[Path] = field(default_factory=list)  # real folders files may be read from

    @classmethod
    def from_config(cls, config: Config, root: Path) -> SchemaPaths:
        paths = cls()
        if not config.schema_paths:
            return paths
        base = config.path.parent if config.path is not None else root
        real_root = Path(os.path.realpath(root))
        trusted = config.path is not None and not Path(os.path.realpath(config.path)).is_relative_to(real_root)
        for key, value in config.schema_paths.items():
            target = Path(os.path.realpath(base / value))
            where = f"{config.path or '.homelint.yaml'}: schemas.paths '{key}'"
            if not trusted and not target.is_relative_to(real_root):
                raise ConfigError(f"{where}: {value} is outside the repository (schemas.paths must stay inside it)")
            if not target.exists():
                raise ConfigError(f"{where}: {value} does not exist")
            if "://" in key:
                if target.is_file() and key.endswith("/"):
                    raise ConfigError(f"{where}: a URL prefix ending in '/' maps to a folder, not a file")
                paths.urls.append((key, target))
            else:
                match = _CHART_KEY.match(key)
                if match is None or not target.is_dir():
                    raise ConfigError(
                        f"{where}: a key is a URL prefix (https://host/dir/) or a chart name@version that maps to a folder"
                    )
                paths.charts.append((match["name"], match["version"], target))
            paths.allowed.append(target if target.is_dir() else target.parent)
        paths.urls.sort(key=lambda item: -len(item[0]))
        return paths

    def url_file(self, url: str) -> Path | None:
        for prefix, target in self.urls:
            if target.is_file():
                if url == prefix:
                    return target
                continue
            if not url.startswith(prefix):
                continue
            rest = unquote(url[len(prefix) :].split("#", 1)[0].split("?", 1)[0])
            normal = posixpath.normpath(rest) if rest else ""
            if not normal or normal.startswith(("..", "/")):
                return None
            return target / normal
        return None

    def chart_dir(self, name: str, version: str) -> Path | None:
        for chart, pattern, folder in self.charts:
            if chart == name and fnmatch.fnmatchcase(version, pattern):
                return folder
        return None

    def readable(self, path: Path, root: Path) -> bool:
        """Whether a file may be read: inside a mapped folder or the repository, symlinks resolved."""
        real = Path(os.path.realpath(path))
        return any(real.is_relative_to(folder) for folder in [*self.allowed, Path(os.path.realpath(root))])

    def signature(self) -> list[tuple[str, int, int]]:
        """(file, size, mtime) under every mapped folder: what the findings depend on."""
        found: list[tuple[str, int, int]] = []
        for folder in sorted({str(p) for p in self.allowed}):
            for current, dirs, files in os.walk(folder):
                dirs.sort()
                for name in sorted(files):
                    if not name.endswith((".json", ".yaml", ".yml")):
                        continue
                    full = os.path.join(current, name)
                    try:
                        st = os.stat(full)
                    except OSError:
                        continue
                    found.append((full, st.st_size, st.st_mtime_ns))
                    if len(found) > 20_000:
                        return found
        return found


def signature(config: Config, root: Path) -> str:
    """What the schema-based findings of a run depend on besides the repository: the store's index
    and the files schemas.paths maps (part of the run cache key)."""
    try:
        paths = SchemaPaths.from_config(config, root)
    except ConfigError as exc:
        return f"config error: {exc}"
    h = blake2b(digest_size=16)
    h.update(Store().signature().encode())
    h.update(json.dumps(paths.signature()).encode())
    return h.hexdigest()


# --- documents and their $ref closure -----------------------------------------------------------
@dataclass
class Missing:
    """A schema that is neither in schemas.paths nor in the store (or could not be read)."""

    what: str  # "https://..." or "chart app-template 4.1.1"
    detail: str = ""  # e.g. "the last pull got HTTP 404 (2026-08-01T10:00:00Z)"


@dataclass
class SchemaSet:
    """A root schema and every document its $refs reach."""

    root: str  # canonical URI of the root schema
    documents: dict[str, Any]
    origin: str  # where the root came from, for messages
    _validator: Any = None

    def validator(self) -> Any:
        """A fastschema.Validator: the compiled check first, jsonschema to explain a failure."""
        if self._validator is None:
            try:
                compiled = Compiler(self.documents, lazy=True).check_for(self.root)
            except (Unsupported, RecursionError):
                compiled = None
            fast = None
            if compiled is not None:
                check = compiled

                def fast(value: Any) -> bool:
                    try:
                        return check(value)
                    except (Unsupported, RecursionError):
                        return False  # a keyword met late: jsonschema answers

            self._validator = Validator(fast, self._jsonschema)
        return self._validator

    def _jsonschema(self) -> Any:
        from referencing import Registry, Resource  # start-up: imported only where it is needed
        from referencing.jsonschema import DRAFT7, specification_with  # start-up: imported only where it is needed

        root = self.documents[self.root]
        cls = _validator_class(root, self.documents, self.root)
        spec = specification_with(str(cls.META_SCHEMA.get("$schema", "")).rstrip("#"), default=DRAFT7)
        resources = []
        for uri, contents in self.documents.items():
            try:
                resources.append((uri, Resource.from_contents(contents, default_specification=spec)))
            except Exception:  # an unknown $schema dialect: read it with the root's rules
                resources.append((uri, spec.create_resource(contents)))
        registry = Registry().with_resources(resources)
        if isinstance(root, dict) and "$id" not in root:
            root = {"$id": self.root, **root}  # relative $refs of a root without $id resolve against where it was read
        return cls(root if isinstance(root, dict) else {}, registry=registry)

    def resolve(self, schema: Any, base: str) -> tuple[Any, str]:
        """Follow a `$ref` of `schema` (for messages: which keys an object allows)."""
        if not isinstance(schema, dict) or not isinstance(schema.get("$ref"), str):
            return schema, base
        target = join_ref(base, schema["$ref"])
        uri, _, pointer = target.partition("#")
        node = self.documents.get(uri)
        if node is None:
            return None, base
        doc_base = _canonical(uri, node)
        for part in [p for p in pointer.split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            try:
                node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, IndexError, ValueError, TypeError):
                return None, base
        return node, doc_base


def _validator_class(root: Any, documents: dict[str, Any], uri: str) -> Any:
    """The draft to validate with: the root's `$schema`; for a bare `{"$ref": ...}` wrapper (app-template's
    values.schema.json), the target's; else draft 7, which Helm's validator long implemented."""
    import jsonschema  # start-up: imported only where it is needed

    for _ in range(3):
        if isinstance(root, dict) and isinstance(root.get("$schema"), str):
            return jsonschema.validators.validator_for(root, default=jsonschema.Draft7Validator)
        if isinstance(root, dict) and isinstance(root.get("$ref"), str) and len(root) <= 3:
            target = join_ref(uri, root["$ref"]).split("#", 1)[0]
            root, uri = documents.get(target), target
            continue
        break
    return jsonschema.Draft7Validator


def _canonical(uri: str, contents: Any) -> str:
    if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
        return join_ref(uri, contents["$id"]).split("#", 1)[0]
    return uri


def _refs(node: Any, base: str, found: list[tuple[str, str]], depth: int = 0) -> None:
    """Every (base, $ref) in a document, bases following embedded `$id`s."""
    if depth > 200:
        return
    if isinstance(node, dict):
        own = node.get("$id")
        if isinstance(own, str) and depth:
            base = join_ref(base, own).split("#", 1)[0]
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.append((base, ref))
        for key, value in node.items():
            if key not in ("enum", "const", "default", "examples"):
                _refs(value, base, found, depth + 1)
    elif isinstance(node, list):
        for item in node:
            _refs(item, base, found, depth + 1)


class Schemas:
    """Finds schema documents (schemas.paths, the store, the repository) and builds SchemaSets."""

    def __init__(self, config: Config, root: Path, store: Store | None = None) -> None:
        self.root = root
        self.store = store if store is not None else Store()
        self.paths = SchemaPaths.from_config(config, root)
        self.ignore = list(config.schema_ignore)
        self._documents: dict[str, Any] = {}
        self._sets: dict[str, SchemaSet | Missing] = {}

    def ignored(self, *names: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in self.ignore)

    # --- single documents ---
    def document(self, uri: str) -> Any:
        """The JSON document at `uri` (None if not found); remembered."""
        if uri in self._documents:
            return self._documents[uri]
        found = self._load(uri)
        self._documents[uri] = found
        return found

    def _load(self, uri: str) -> Any:
        if uri.startswith(CHART_BASE):
            key, _, path = uri[len(CHART_BASE) :].partition("/")
            entry = self.store.chart(unquote(key))
            digest = (entry or {}).get("files", {}).get(posixpath.normpath(path))
            return _json(self.store.blob(digest)) if isinstance(digest, str) else None
        if uri.startswith("file://"):
            return self._read_file(Path(unquote(uri[len("file://") :])))
        if uri.startswith(("http://", "https://")):
            local = self.paths.url_file(uri)
            if local is not None:
                return self._read_file(local)
            entry = self.store.url(uri.split("#", 1)[0])
            digest = (entry or {}).get("digest")
            return _json(self.store.blob(digest)) if isinstance(digest, str) else None
        return None

    def _read_file(self, path: Path) -> Any:
        if not self.paths.readable(path, self.root):
            return None
        try:
            with open(path, "rb") as handle:
                data = read_sized(handle, os.fstat(handle.fileno()).st_size, MAX_SCHEMA_BYTES)
        except OSError:
            return None
        return _json(data) if len(data) <= MAX_SCHEMA_BYTES else None

    def url_status(self, url: str) -> str:
        """Why a URL is not available, for the note."""
        entry = self.store.url(url)
        if entry and entry.get("error"):
            return f"the last pull ({entry.get('fetched', '?')}) failed: {entry['error']}"
        if entry:
            return "the stored copy is not readable JSON"
        return "run homelint schemas pull"

    # --- closures ---
    def schema_set(self, uri: str, origin: str) -> SchemaSet | Missing:
        """The schema at `uri` with every document its $refs reach; Missing names the first absent one."""
        found = self._sets.get(uri)
        if found is None:
            found = self._sets[uri] = self._crawl(uri, origin)
        return found

    def _crawl(self, uri: str, origin: str) -> SchemaSet | Missing:
        root = self.document(uri)
        if not isinstance(root, dict | bool):
            return Missing(uri)
        documents: dict[str, Any] = {uri: root}
        canonical = _canonical(uri, root)
        documents[canonical] = root
        queue = [(canonical, root)]
        while queue:
            base, contents = queue.pop()
            refs: list[tuple[str, str]] = []
            _refs(contents, base, refs)
            for ref_base, ref in refs:
                target = join_ref(ref_base, ref).split("#", 1)[0]
                if not target or target in documents:
                    continue
                if len(documents) > MAX_DOCUMENTS:
                    return Missing(uri, f"its $refs reach more than {MAX_DOCUMENTS} documents")
                loaded = self.document(target)
                if loaded is None:
                    return Missing(target, f"referenced by {uri}")
                documents[target] = loaded
                target_id = _canonical(target, loaded)
                documents.setdefault(target_id, loaded)
                queue.append((target_id, loaded))
        return SchemaSet(canonical, documents, origin)


def _json(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict | bool) else None
