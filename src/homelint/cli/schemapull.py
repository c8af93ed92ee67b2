"""`homelint schemas pull` and `homelint schemas list`: the only code that uses the network.

What a repository needs: the values schema of every chart its HelmReleases install (and of the
versions `--target` names) and every `$schema` URL its `# yaml-language-server` comments name; then
every document their `$ref`s reach. Charts come from HTTP chart repositories (`index.yaml`, then the
chart archive) or OCI registries (the registry API: manifest, then the chart layer, with an
anonymous token when the registry asks for one). From a chart archive the store keeps
`values.schema.json`, `values.yaml` (the defaults Helm merges under the values) and the other JSON
files of the chart (for relative `$ref`s), never anything it would run. Archives are read in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import posixpath
import re
import sys
import tarfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from homelint import __version__
from homelint.core.context import Context
from homelint.core.semver import best_match
from homelint.engine.runner import load_repo
from homelint.loading.discovery import find_repo_root
from homelint.loading.yamlload import parse_bytes
from homelint.model.config import Config, chart_targets, load_config
from homelint.model.fastschema import join_ref
from homelint.model.helmvalues import ChartRef, chart_of
from homelint.model.schemastore import CHART_BASE, MAX_SCHEMA_BYTES, Missing, Schemas, SchemaSet, Store, chart_file_uri
from homelint.model.talos import find_talos_configs, talos_documents
from homelint.model.talosschema import EXTENSIONS_URL, TALHELPER_SCHEMA_URL, minor_of, older_minors, talos_url
from homelint.rules.common import applied_instances
from homelint.rules.registry import builtin_rules
from homelint.rules.values import ChartSchema, chart_schema

MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
MAX_INDEX_BYTES = 64 * 1024 * 1024
MAX_CHART_FILES = 400
HELM_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


class PullError(Exception):
    """One schema could not be downloaded (the message says why, in one line)."""


# --- what the repository needs -------------------------------------------------------------------
@dataclass
class Need:
    what: str  # chart key or URL
    chart: ChartRef | None = None
    url: str = ""
    places: list[str] = field(default_factory=list)


def needs(root: Path, config: Config, targets: dict[str, str]) -> tuple[list[Need], list[Need]]:
    """(charts, $schema URLs) the repository needs, with the places that need each."""
    repo, _ = load_repo(root, config, use_cache=False)
    ctx = Context(repo, builtin_rules())
    charts: dict[str, Need] = {}
    wanted = chart_targets(targets)
    for applied in applied_instances(ctx):
        obj = applied.obj
        if obj.kind != "HelmRelease" or obj.group != "helm.toolkit.fluxcd.io" or obj.is_sops:
            continue
        use = chart_of(repo, applied)
        if use is None or use.chart.kind == "local":
            continue
        span = repo.obj_span(use.obj, *use.field)
        place = f"{use.obj.path}:{span.line}"
        for chart in (use.chart, *([use.chart.at(wanted[use.chart.name])] if use.chart.name in wanted else [])):
            need = charts.setdefault(chart.key, Need(chart.key, chart=chart))
            if place not in need.places:
                need.places.append(place)
    urls: dict[str, Need] = {}
    for path, parsed in sorted(repo.parsed.items()):
        for _doc, line, _column, url in parsed.schema_refs:
            if url.startswith(("http://", "https://")):
                urls.setdefault(url, Need(url, url=url)).places.append(f"{path}:{line}")
    for url, place in talos_needs(repo, targets):
        urls.setdefault(url, Need(url, url=url)).places.append(place)
    return sorted(charts.values(), key=lambda n: n.what), sorted(urls.values(), key=lambda n: n.what)


def talos_needs(repo: Any, targets: dict[str, str]) -> list[tuple[str, str]]:
    """(URL, place) of the Talos and talhelper schemas the HL91x rules read: talhelper's talconfig
    schema and extension list, and each pinned Talos minor's schema with the two before it (to tell
    a deprecated field from a typo) and the `--target talos=` one."""
    out: list[tuple[str, str]] = []
    for cfg in find_talos_configs(repo):
        if cfg.kind == "talhelper":
            out.append((TALHELPER_SCHEMA_URL, cfg.path))
            if "schematic" in json.dumps(cfg.data, default=str):
                out.append((EXTENSIONS_URL, cfg.path))
    target = minor_of(targets.get("talos"))
    seen: set[str] = set()
    for item in talos_documents(repo):
        minor = minor_of(item.version)
        if minor is None or minor in seen:
            continue
        seen.add(minor)
        for wanted in (minor, *older_minors(minor), *([target] if target else [])):
            out.append((talos_url(wanted), item.path))
    return out


def _where(schemas: Schemas, need: Need) -> str:
    """Where a needed schema is found: schemas.paths, the store, or nowhere."""
    if need.chart is not None:
        chart = need.chart
        if schemas.ignored(f"{chart.name}@{chart.tag or chart.version}", chart.key):
            return "ignored (schemas.ignore)"
        found = chart_schema(schemas, chart, schemas.root)
        if found is None:
            return "the chart has no values schema"
        if isinstance(found, ChartSchema):
            return found.schemas.origin
        return _missing(found, f"chart {chart.label} ({chart.source})")
    if schemas.ignored(need.url):
        return "ignored (schemas.ignore)"
    local = schemas.paths.url_file(need.url)
    found_set = schemas.schema_set(need.url, "")
    if isinstance(found_set, Missing):
        if found_set.what.startswith("http") and not found_set.detail:
            found_set.detail = schemas.url_status(found_set.what)
        return _missing(found_set, need.url)
    if local is not None:
        return f"schemas.paths ({local})"
    entry = schemas.store.url(need.url) or {}
    return f"the schema store ({entry.get('fetched', '?')})"


def _missing(missing: Missing, itself: str) -> str:
    """ "missing", what exactly (a document a $ref names) and why (a failed pull)."""
    text = "missing" if missing.what == itself else f"missing: {missing.what}"
    if missing.detail and "homelint schemas pull" not in missing.detail:
        text += f" ({missing.detail})"
    return text


def list_needs(path: Path, config_file: Path | None, targets: dict[str, str], fmt: str) -> str:
    root = find_repo_root(path)
    config = load_config(root, config_file)
    charts, urls = needs(root, config, targets)
    schemas = Schemas(config, root)
    rows = [(need, _where(schemas, need)) for need in [*charts, *urls]]
    if fmt == "json":
        return (
            json.dumps(
                {
                    "store": str(schemas.store.dir),
                    "schemas": [
                        {
                            "schema": need.chart.label if need.chart else need.url,
                            "source": need.chart.source if need.chart else need.url,
                            "found": where,
                            "needed_at": need.places,
                        }
                        for need, where in rows
                    ],
                },
                indent=2,
            )
            + "\n"
        )
    lines = [f"schema store: {schemas.store.dir}"]
    for need, where in rows:
        name = f"chart {need.chart.label} ({need.chart.source})" if need.chart else need.url
        lines.append(
            f"{name}\n    {where}; needed at {need.places[0]}"
            + (f" and {len(need.places) - 1} more" if len(need.places) > 1 else "")
        )
    missing = sum(1 for _, where in rows if where.startswith("missing"))
    lines.append(f"{len(rows)} schemas needed, {missing} missing" + (" (run homelint schemas pull)" if missing else "") + ".")
    return "\n".join(lines) + "\n"


# --- HTTP ------------------------------------------------------------------------------------------
class Http:
    """GET with a size limit, a User-Agent, and an anonymous bearer token when a registry asks."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.tokens: dict[str, str] = {}  # scope -> token

    def get(self, url: str, *, accept: str = "", limit: int = MAX_SCHEMA_BYTES, scope: str = "") -> bytes:
        if urlsplit(url).scheme not in ("http", "https"):
            raise PullError(f"{url}: only http and https are fetched")
        for attempt in range(2):
            request = urllib.request.Request(url, headers={"User-Agent": f"homelint/{__version__}"})
            if accept:
                request.add_header("Accept", accept)
            if scope and scope in self.tokens:
                # not forwarded on a redirect (blob storage rejects a second credential)
                request.add_unredirected_header("Authorization", f"Bearer {self.tokens[scope]}")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    data = response.read(limit + 1)
            except urllib.error.HTTPError as exc:
                challenge = exc.headers.get("WWW-Authenticate", "") if exc.headers else ""
                if exc.code == 401 and attempt == 0 and challenge.lower().startswith("bearer"):
                    self._token(challenge, scope)
                    continue
                raise PullError(f"{url}: HTTP {exc.code}") from None
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", exc)
                raise PullError(f"{url}: {reason}") from None
            if len(data) > limit:
                raise PullError(f"{url}: larger than {limit // 1048576} MiB; not downloaded")
            return data
        raise PullError(f"{url}: HTTP 401 (the registry refused an anonymous token)")

    def _token(self, challenge: str, scope: str) -> None:
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = params.pop("realm", "")
        if not realm:
            raise PullError("the registry asks for credentials without a token realm")
        query = "&".join(f"{k}={quote(v, safe=':/')}" for k, v in params.items())
        data = self.get(f"{realm}?{query}" if query else realm, limit=1024 * 1024)
        try:
            answer = json.loads(data)
        except ValueError:
            raise PullError(f"{realm}: the token answer is not JSON") from None
        token = answer.get("token") or answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str):
            raise PullError(f"{realm}: no token in the answer")
        self.tokens[scope] = token


# --- charts ------------------------------------------------------------------------------------------
def _loopback(host: str) -> bool:
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


class ChartFetcher:
    def __init__(self, http: Http) -> None:
        self.http = http
        self.indexes: dict[str, Any] = {}

    def fetch(self, chart: ChartRef) -> tuple[str, str, bytes]:
        """(resolved version, archive URL, archive bytes) of a chart."""
        if chart.kind == "index":
            return self._from_index(chart)
        if chart.kind == "oci":
            return self._from_registry(chart)
        raise PullError(f"chart {chart.label}: nothing to download for a chart in this repository")

    def _index(self, repo_url: str) -> Any:
        if repo_url not in self.indexes:
            url = repo_url.rstrip("/") + "/index.yaml"
            raw = self.http.get(url, limit=MAX_INDEX_BYTES)
            parsed = parse_bytes("index.yaml", raw)
            doc = parsed.docs[0] if parsed.docs else None
            if not isinstance(doc, dict) or not isinstance(doc.get("entries"), dict):
                raise PullError(f"{url}: not a Helm repository index")
            self.indexes[repo_url] = doc
        return self.indexes[repo_url]

    def _from_index(self, chart: ChartRef) -> tuple[str, str, bytes]:
        index = self._index(chart.repo_url)
        entries = index["entries"].get(chart.name)
        if not isinstance(entries, list):
            raise PullError(f"{chart.repo_url}/index.yaml has no chart {chart.name}")
        by_version = {str(e.get("version")): e for e in entries if isinstance(e, dict)}
        version = best_match(chart.version or "*", list(by_version))
        if version is None:
            raise PullError(f"{chart.repo_url}/index.yaml: no version of {chart.name} matches {chart.version!r}")
        urls = by_version[version].get("urls")
        if not isinstance(urls, list) or not urls or not isinstance(urls[0], str):
            raise PullError(f"{chart.repo_url}/index.yaml: {chart.name} {version} has no download URL")
        archive = urljoin(chart.repo_url.rstrip("/") + "/index.yaml", urls[0])
        if archive.startswith("oci://"):
            return self._from_registry(ChartRef(chart.name, version, archive.rsplit(":", 1)[0], "oci"))
        data = self.http.get(archive, limit=MAX_ARCHIVE_BYTES)
        digest = by_version[version].get("digest")
        if isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest) and hashlib.sha256(data).hexdigest() != digest:
            raise PullError(f"{archive}: the archive does not match the digest in index.yaml")
        return version, archive, data

    def _from_registry(self, chart: ChartRef) -> tuple[str, str, bytes]:
        parts = urlsplit(chart.source.replace("oci://", "https://", 1))
        host = parts.netloc
        if host in ("docker.io", "index.docker.io"):
            host = "registry-1.docker.io"
        scheme = "http" if chart.insecure or _loopback(parts.hostname or "") else "https"
        name = parts.path.strip("/")
        base = f"{scheme}://{host}/v2/{name}"
        scope = f"repository:{name}:pull"
        version = chart.version or "latest"
        reference = version
        if not version.startswith("sha256:"):
            tag = version.replace("+", "_")
            if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}", tag):  # a range: resolve against the tags
                listing = json.loads(self.http.get(f"{base}/tags/list", scope=scope, limit=16 * 1024 * 1024))
                tags = [t.replace("_", "+") for t in listing.get("tags") or [] if isinstance(t, str)]
                found = best_match(version, tags)
                if found is None:
                    raise PullError(f"{chart.source}: no tag matches {version!r}")
                version, tag = found, found.replace("+", "_")
            reference = tag
        manifest_url = f"{base}/manifests/{reference}"
        try:
            manifest = json.loads(self.http.get(manifest_url, accept=MANIFEST_TYPES, scope=scope, limit=4 * 1024 * 1024))
        except ValueError:
            raise PullError(f"{manifest_url}: the manifest is not JSON") from None
        layers = manifest.get("layers") if isinstance(manifest, dict) else None
        wanted = chart.media_type or HELM_LAYER
        layer = next((x for x in layers or [] if isinstance(x, dict) and x.get("mediaType") == wanted), None)
        if layer is None:
            layer = next((x for x in layers or [] if isinstance(x, dict) and "tar" in str(x.get("mediaType"))), None)
        digest = layer.get("digest") if layer else None
        if not isinstance(digest, str) or not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            raise PullError(f"{manifest_url}: no chart layer in the manifest")
        data = self.http.get(f"{base}/blobs/{digest}", scope=scope, limit=MAX_ARCHIVE_BYTES)
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            raise PullError(f"{manifest_url}: the chart layer does not match its digest")
        return version, manifest_url, data


def chart_files(archive: bytes) -> dict[str, bytes]:
    """values.schema.json, values.yaml and the other JSON files of a chart archive (not of its
    subcharts or templates), by path inside the chart; read in memory, sizes bounded."""
    try:
        raw = gzip.decompress(archive) if archive[:2] == b"\x1f\x8b" else archive
    except (OSError, EOFError) as exc:
        raise PullError(f"not a gzip archive: {exc}") from None
    if len(raw) > 8 * MAX_ARCHIVE_BYTES:
        raise PullError("the archive expands to more than 512 MiB")
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            tops = {m.name.split("/", 1)[0] for m in members if "/" in m.name}
            top = next((t for t in tops if any(m.name == f"{t}/Chart.yaml" for m in members)), None)
            if top is None:
                raise PullError("no Chart.yaml at the top of the archive")
            for member in members:
                inner = member.name[len(top) + 1 :] if member.name.startswith(top + "/") else ""
                if not inner or inner.startswith(("charts/", "templates/")) or ".." in inner.split("/"):
                    continue
                if inner not in ("values.yaml", "values.schema.json") and not inner.endswith(".json"):
                    continue
                if member.size > MAX_SCHEMA_BYTES or len(files) >= MAX_CHART_FILES:
                    continue
                total += member.size
                if total > 4 * MAX_SCHEMA_BYTES:
                    break
                handle = tar.extractfile(member)
                if handle is not None:
                    files[posixpath.normpath(inner)] = handle.read()
    except tarfile.TarError as exc:
        raise PullError(f"not a chart archive: {exc}") from None
    return files


# --- pull ------------------------------------------------------------------------------------------
class Puller:
    def __init__(self, root: Path, config: Config, *, refresh: bool, timeout: float, quiet: bool) -> None:
        self.root, self.config, self.refresh, self.quiet = root, config, refresh, quiet
        self.store = Store()
        self.http = Http(timeout)
        self.charts = ChartFetcher(self.http)
        self.failed: list[str] = []
        self.fetched = 0

    def say(self, text: str, *, failure: bool = False) -> None:
        if failure:
            self.failed.append(text)
        if failure or not self.quiet:
            print(text, file=sys.stderr if failure else sys.stdout)

    def chart(self, need: Need) -> None:
        chart = need.chart
        assert chart is not None
        schemas = Schemas(self.config, self.root, self.store)
        if schemas.paths.chart_dir(chart.name, chart.tag or chart.version) is not None or schemas.ignored(
            f"{chart.name}@{chart.tag or chart.version}", chart.key
        ):
            return
        entry = self.store.chart(chart.key)
        if entry is not None and not entry.get("error") and not self.refresh:
            return
        try:
            version, url, archive = self.charts.fetch(chart)
            files = chart_files(archive)
        except PullError as exc:
            self.store.record_chart(chart.key, {"error": str(exc).split(": ")[-1], "url": chart.source})
            self.say(f"failed: chart {chart.label} ({chart.source}): {exc}", failure=True)
            return
        stored = {path: self.store.put_blob(data) for path, data in files.items()}
        record = {"version": version, "url": url, "digest": "sha256:" + hashlib.sha256(archive).hexdigest(), "files": stored}
        self.store.record_chart(chart.key, record)
        resolved = chart.at(version)
        if resolved.key != chart.key:
            self.store.record_chart(resolved.key, record)
        self.fetched += 1
        has = "values.schema.json" in stored
        self.say(
            f"chart {chart.name} {version} ({chart.source}): "
            + ("values schema stored" if has else "the chart has no values schema")
        )

    def url(self, url: str) -> bool:
        """Download one schema URL into the store (unless schemas.paths has it); whether it is there now."""
        schemas = Schemas(self.config, self.root, self.store)
        if schemas.paths.url_file(url) is not None:
            return True
        entry = self.store.url(url)
        if entry is not None and entry.get("digest") and not self.refresh:
            return True
        try:
            data = self.http.get(url)
            json.loads(data)
        except PullError as exc:
            self.store.record_url(url, {"error": str(exc).split(": ")[-1]})
            self.say(f"failed: {exc}", failure=True)
            return False
        except ValueError:
            self.store.record_url(url, {"error": "not JSON"})
            self.say(f"failed: {url}: not JSON", failure=True)
            return False
        self.store.record_url(url, {"digest": self.store.put_blob(data), "bytes": len(data)})
        self.fetched += 1
        if not self.quiet:
            print(f"{url}: stored")
        return True

    def closure(self, roots: list[str]) -> None:
        """Download what the $refs of the stored schemas reach, until nothing is missing."""
        attempted: set[str] = set()
        for _ in range(50):
            schemas = Schemas(self.config, self.root, self.store)
            wanted: list[str] = []
            for uri in roots:
                found = schemas.schema_set(uri, "")
                if isinstance(found, Missing) and found.what.startswith(("http://", "https://")):
                    if found.what not in attempted and not found.what.startswith(CHART_BASE):
                        wanted.append(found.what)
                elif isinstance(found, SchemaSet):
                    continue
            wanted = sorted(set(wanted))
            if not wanted:
                return
            attempted.update(wanted)
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(self.url, wanted))
            self.store.save()


def pull(path: Path, config_file: Path | None, targets: dict[str, str], *, refresh: bool, timeout: float, quiet: bool) -> int:
    root = find_repo_root(path)
    config = load_config(root, config_file)
    charts, urls = needs(root, config, targets)
    puller = Puller(root, config, refresh=refresh, timeout=timeout, quiet=quiet)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(puller.chart, charts))
        list(pool.map(puller.url, [need.url for need in urls]))
    puller.store.save()
    roots = [need.url for need in urls]
    for need in charts:
        assert need.chart is not None
        entry = puller.store.chart(need.chart.key) or {}
        if "values.schema.json" in (entry.get("files") or {}):
            roots.append(chart_file_uri(need.chart.key, "values.schema.json"))
    puller.closure(roots)
    puller.store.save()
    total = len(charts) + len(urls)
    print(
        f"{total} schemas needed: {puller.fetched} downloaded, {len(puller.failed)} failed; store: {puller.store.dir}",
        file=sys.stderr if quiet and not puller.failed else sys.stdout,
    )
    return 1 if puller.failed else 0


__all__ = ["Need", "join_ref", "list_needs", "needs", "pull"]
