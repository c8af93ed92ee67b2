"""`homelint schemas pull` against a local server (127.0.0.1): a Helm repository (index.yaml and a chart
archive), an OCI registry that asks for an anonymous token, and `$schema` URLs with `$ref`s. After
the pull, `check` finds the violations with the server gone."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from homelint.cli.schemapull import chart_files
from homelint.model.schemastore import Store

CHART_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "properties": {"replicas": {"type": "integer"}, "service": {"$ref": "schemas/service.json"}, "common": {"$ref": "COMMON"}},
}
SERVICE_SCHEMA = {"type": "object", "additionalProperties": False, "properties": {"port": {"type": "integer"}}}
COMMON_SCHEMA = {"type": "object", "additionalProperties": False, "properties": {"labels": {"type": "object"}}}
DOC_SCHEMA = {
    "type": "object",
    "properties": {"spec": {"$ref": "defs/spec.json"}},
}
SPEC_SCHEMA = {"type": "object", "additionalProperties": False, "properties": {"greeting": {"type": "string"}}}


def archive(name: str, version: str, base: str) -> bytes:
    schema = json.dumps(CHART_SCHEMA).replace("COMMON", f"{base}/schemas/common.json")
    files = {
        f"{name}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: {version}\n",
        f"{name}/values.yaml": "replicas: 1\n",
        f"{name}/values.schema.json": schema,
        f"{name}/schemas/service.json": json.dumps(SERVICE_SCHEMA),
        f"{name}/templates/dashboard.json": "{}",  # not kept: templates are not schemas
        f"{name}/charts/sub/values.schema.json": "{}",  # not kept: a subchart's own
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class Registry:
    """Routes of the local server: path -> (status, content type, body); /v2/ needs a bearer token."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[str] = []

    def add(
        self, path: str, body: bytes | str | dict[str, Any], content_type: str = "application/json", status: int = 200
    ) -> None:
        data = json.dumps(body).encode() if isinstance(body, dict) else body.encode() if isinstance(body, str) else body
        self.routes[path] = (status, content_type, data)


@pytest.fixture
def server():
    registry = Registry()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            registry.requests.append(self.path)
            path = self.path.split("?", 1)[0]
            if path.startswith("/v2/") and self.headers.get("Authorization") != "Bearer local-token":
                self.send_response(401)
                realm = f"http://127.0.0.1:{self.server.server_address[1]}/token"
                self.send_header("WWW-Authenticate", f'Bearer realm="{realm}",service="local",scope="repository:x:pull"')
                self.end_headers()
                return
            status, content_type, body = registry.routes.get(path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield registry, base, httpd
    httpd.shutdown()
    httpd.server_close()


def serve_everything(registry: Registry, base: str) -> None:
    old, new = archive("mychart", "1.0.0", base), archive("mychart", "1.1.0", base)
    index = (
        "apiVersion: v1\nentries:\n  mychart:\n"
        f"    - version: 1.1.0\n      urls: [charts/mychart-1.1.0.tgz]\n      digest: {hashlib.sha256(new).hexdigest()}\n"
        f"    - version: 1.0.0\n      urls: [{base}/charts/mychart-1.0.0.tgz]\n"
    )
    registry.add("/index.yaml", index, "application/x-yaml")
    registry.add("/charts/mychart-1.1.0.tgz", new, "application/gzip")
    registry.add("/charts/mychart-1.0.0.tgz", old, "application/gzip")
    registry.add("/schemas/common.json", COMMON_SCHEMA)
    registry.add("/schemas/doc.json", DOC_SCHEMA)
    registry.add("/schemas/defs/spec.json", SPEC_SCHEMA)
    registry.add("/token", {"token": "local-token"})
    oci = archive("ocichart", "2.0.0", base)
    digest = "sha256:" + hashlib.sha256(oci).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": "sha256:" + "0" * 64, "size": 2},
        "layers": [{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "digest": digest, "size": len(oci)}],
    }
    registry.add("/v2/charts/ocichart/manifests/2.0.0", manifest, "application/vnd.oci.image.manifest.v1+json")
    registry.add(f"/v2/charts/ocichart/blobs/{digest}", oci, "application/octet-stream")
    registry.add("/v2/charts/ocichart/tags/list", {"name": "charts/ocichart", "tags": ["1.0.0", "2.0.0"]})


def make_repo(repo, base: str, version: str = "1.x") -> Path:
    port = base.rsplit(":", 1)[1]
    release = (
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: echo\nspec:\n  interval: 1h\n"
        f"  chart:\n    spec:\n      chart: mychart\n      version: {version}\n"
        "      sourceRef: {kind: HelmRepository, name: local, namespace: flux-system}\n"
        "  values:\n    replicas: 2\n    service:\n      prot: 80\n    common:\n      lables: {}\n"
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: other\nspec:\n  interval: 1h\n"
        "  chartRef: {kind: OCIRepository, name: ocichart, namespace: flux-system}\n"
        "  values:\n    replica: 2\n"
    )
    sources = (
        "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: local\n"
        f"spec:\n  interval: 1h\n  url: {base}/\n"
        "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ocichart\n"
        f"spec:\n  interval: 1h\n  url: oci://127.0.0.1:{port}/charts/ocichart\n  ref:\n    tag: 2.0.0\n"
    )
    document = (
        f"# yaml-language-server: $schema={base}/schemas/doc.json\n"
        "apiVersion: example.com/v1\nkind: Greeter\nmetadata:\n  name: hello\nspec:\n  greting: hi\n"
    )
    return repo(
        {
            "kubernetes/apps/default/echo/app/helmrelease.yaml": release,
            "kubernetes/apps/flux-system/repositories.yaml": sources,
            "kubernetes/apps/default/echo/app/greeter.yaml": document,
            "kubernetes/apps/default/echo/app/kustomization.yaml": "resources:\n  - ./helmrelease.yaml\n  - ./greeter.yaml\n",
        },
        base="rules/HL501/good",
    )


def test_pull_fills_the_store_and_check_then_works_offline(run, repo, server, check_json):
    registry, base, httpd = server
    serve_everything(registry, base)
    root = make_repo(repo, base)
    result = run("schemas", "pull", str(root))
    assert result.exit_code == 0, result.output
    assert "chart mychart 1.1.0" in result.output and "chart ocichart 2.0.0" in result.output
    store = Store()
    charts = store.index["charts"]
    assert set(charts) == {
        f"{base}/mychart@1.x",
        f"{base}/mychart@1.1.0",
        f"oci://127.0.0.1:{base.rsplit(':', 1)[1]}/charts/ocichart@2.0.0",
    }
    entry = charts[f"{base}/mychart@1.x"]
    assert entry["version"] == "1.1.0" and entry["fetched"].endswith("Z") and entry["digest"].startswith("sha256:")
    assert set(entry["files"]) == {"values.schema.json", "values.yaml", "schemas/service.json"}
    urls = store.index["urls"]
    assert set(urls) == {f"{base}/schemas/common.json", f"{base}/schemas/doc.json", f"{base}/schemas/defs/spec.json"}
    assert all(store.blob(u["digest"]) is not None for u in urls.values())
    assert any(r.startswith("/token?") for r in registry.requests)  # the registry's anonymous token was asked for

    httpd.shutdown()  # from here on, no network
    _, findings = check_json(root, "--select", "HL8")
    got = sorted((f["rule"], f["path"].rsplit("/", 1)[-1], f["line"]) for f in findings)
    assert got == [
        ("HL801", "helmrelease.yaml", 16),  # service.prot: a $ref inside the archive
        ("HL801", "helmrelease.yaml", 18),  # common.lables: a $ref to a URL the pull followed
        ("HL801", "helmrelease.yaml", 28),  # the OCI chart
        ("HL806", "greeter.yaml", 7),  # the $schema URL, its $ref followed too
    ], got
    messages = " ".join(f["message"] for f in findings)
    assert "unknown key 'prot' in values.service; did you mean 'port'?" in messages
    assert "HelmRelease echo (mychart 1.1.0 (resolved from 1.x))" in messages and "HelmRelease other (ocichart 2.0.0)" in messages
    result = run("check", str(root), "--no-cache", "--select", "HL8", "--color", "never")
    assert "schema not in the store" not in result.output


def test_a_second_pull_downloads_nothing_and_list_says_where_each_schema_is(run, repo, server):
    registry, base, _ = server
    serve_everything(registry, base)
    root = make_repo(repo, base)
    assert run("schemas", "pull", str(root)).exit_code == 0
    before = len(registry.requests)
    again = run("schemas", "pull", str(root), "-q")
    assert again.exit_code == 0 and "0 downloaded" in again.output
    assert len(registry.requests) == before
    listing = run("schemas", "list", str(root), "--format", "json")
    data = json.loads(listing.output)
    assert {row["found"].split(" (")[0] for row in data["schemas"]} == {"the schema store"}
    assert len(data["schemas"]) == 3  # the chart (range), the OCI chart, the $schema URL


def test_what_cannot_be_downloaded_is_recorded_and_named_in_the_note(run, repo, server):
    registry, base, _ = server
    serve_everything(registry, base)
    del registry.routes["/schemas/doc.json"]
    root = make_repo(repo, base, version="9.9.9")
    result = run("schemas", "pull", str(root))
    assert result.exit_code == 1
    assert "no version of mychart matches '9.9.9'" in result.output and "HTTP 404" in result.output
    assert Store().url(f"{base}/schemas/doc.json")["error"] == "HTTP 404"
    check = run("check", str(root), "--no-cache", "--select", "HL806", "--color", "never")
    assert check.exit_code == 0
    assert f"note: schema not in the store: {base}/schemas/doc.json" in check.output
    assert "failed: HTTP 404" in check.output


def test_a_chart_archive_keeps_only_schemas_and_defaults():
    files = chart_files(archive("mychart", "1.0.0", "http://x"))
    assert set(files) == {"values.schema.json", "values.yaml", "schemas/service.json"}
    with pytest.raises(Exception, match="gzip"):
        chart_files(b"\x1f\x8bnot really")
