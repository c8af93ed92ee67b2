"""The upstream CRD schemas (../shared/schemas-upstream) are an oracle: on the real repositories in
../shared/corpora, every object they accept must be accepted by homelint's own schemas."""

from __future__ import annotations

import json

import pytest

from homelint.engine.runner import load_repo
from homelint.model.config import load_config
from homelint.model.kindschemas import SCHEMAS, validator

from .conftest import SHARED

UPSTREAM = SHARED / "schemas-upstream" / "datreeio-crds-catalog"
CORPORA = SHARED / "corpora"
ORACLE = {
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"): "kustomize.toolkit.fluxcd.io/kustomization_v1.json",
    ("helm.toolkit.fluxcd.io/v2", "HelmRelease"): "helm.toolkit.fluxcd.io/helmrelease_v2.json",
    ("source.toolkit.fluxcd.io/v1", "GitRepository"): "source.toolkit.fluxcd.io/gitrepository_v1.json",
    ("source.toolkit.fluxcd.io/v1", "OCIRepository"): "source.toolkit.fluxcd.io/ocirepository_v1.json",
    ("source.toolkit.fluxcd.io/v1", "HelmRepository"): "source.toolkit.fluxcd.io/helmrepository_v1.json",
    ("source.toolkit.fluxcd.io/v1", "HelmChart"): "source.toolkit.fluxcd.io/helmchart_v1.json",
    ("external-secrets.io/v1", "ExternalSecret"): "external-secrets.io/externalsecret_v1.json",
    ("external-secrets.io/v1", "SecretStore"): "external-secrets.io/secretstore_v1.json",
    ("external-secrets.io/v1", "ClusterSecretStore"): "external-secrets.io/clustersecretstore_v1.json",
}


@pytest.mark.skipif(not UPSTREAM.is_dir() or not CORPORA.is_dir(), reason="../shared is not present")
def test_objects_upstream_accepts_are_accepted_by_ours():
    import jsonschema

    upstream = {key: jsonschema.Draft7Validator(json.loads((UPSTREAM / name).read_text())) for key, name in ORACLE.items()}
    checked, disagreements = 0, []
    for repo_dir in sorted(p for p in CORPORA.iterdir() if p.is_dir()):
        repo, _ = load_repo(repo_dir, load_config(repo_dir), use_cache=False)
        for obj in repo.objects:
            key = (obj.api_version, obj.kind)
            if key not in upstream or obj.is_sops:
                continue
            checked += 1
            if upstream[key].is_valid(obj.data) and not validator(SCHEMAS[key]).is_valid(obj.data):
                disagreements.append(f"{repo_dir.name}/{obj.path}: {obj.kind} {obj.name}")
    assert checked > 1000
    assert disagreements == []


def _defaults(node: object, path: tuple[str, ...], common: dict, out: dict[tuple[str, ...], object]) -> None:
    """Each `default` of a schema by property path ("[]" for list items), through common.json refs."""
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("common.json#/$defs/"):
        _defaults(common["$defs"][ref.rsplit("/", 1)[1]], path, common, out)
    if "default" in node:
        out[path] = node["default"]
    for branch in [*node.get("allOf", []), *node.get("anyOf", []), *node.get("oneOf", [])]:
        _defaults(branch, path, common, out)
    for key, sub in (node.get("properties") or {}).items():
        _defaults(sub, (*path, key), common, out)
    if isinstance(node.get("items"), dict):
        _defaults(node["items"], (*path, "[]"), common, out)


@pytest.mark.skipif(not UPSTREAM.is_dir(), reason="../shared is not present")
def test_the_defaults_our_schemas_declare_are_the_crds_defaults():
    """A null the CRD defaults is accepted (model/nulls.py): our schemas must not invent one."""
    from homelint.core.resources import schema

    common = schema("kinds/common.json")
    declared = 0
    for key, name in ORACLE.items():
        ours: dict[tuple[str, ...], object] = {}
        _defaults(schema(f"kinds/{SCHEMAS[key]}"), (), common, ours)
        theirs: dict[tuple[str, ...], object] = {}
        _defaults(json.loads((UPSTREAM / name).read_text()), (), common, theirs)
        for path, value in ours.items():
            assert path in theirs and theirs[path] == value, (key, path)
        declared += len(ours)
    assert declared >= 10


def _object_nodes(node: object, path: tuple[str, ...], common: dict, out: dict[tuple[str, ...], list[dict]]) -> None:
    """Each subschema of a schema by property path ("[]" for list items), through common.json refs."""
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and "#/$defs/" in ref:
        _object_nodes(common["$defs"][ref.rsplit("/", 1)[1]], path, common, out)
    out.setdefault(path, []).append(node)
    for branch in [*node.get("allOf", []), *node.get("anyOf", []), *node.get("oneOf", [])]:
        _object_nodes(branch, path, common, out)
    for key, sub in (node.get("properties") or {}).items():
        _object_nodes(sub, (*path, key), common, out)
    if isinstance(node.get("items"), dict):
        _object_nodes(node["items"], (*path, "[]"), common, out)


@pytest.mark.skipif(not UPSTREAM.is_dir(), reason="../shared is not present")
def test_an_object_the_crd_closes_is_closed_with_the_crds_fields():
    """Flux applies its custom resources with server-side apply, which rejects a field the CRD does
    not declare ("field not declared in schema"): where our schema describes an object the CRD closes,
    it is closed too, with the same fields (one missing would reject a valid object)."""
    from homelint.core.resources import schema

    common = schema("kinds/common.json")
    closed = 0
    for key, name in ORACLE.items():
        if not key[0].endswith("fluxcd.io/v1") and not key[0].endswith("fluxcd.io/v2"):
            continue
        ours: dict[tuple[str, ...], list[dict]] = {}
        _object_nodes(schema(f"kinds/{SCHEMAS[key]}"), (), common, ours)
        theirs: dict[tuple[str, ...], list[dict]] = {}
        _object_nodes(json.loads((UPSTREAM / name).read_text()), (), common, theirs)
        for path, nodes in ours.items():
            if not path or path[0] in ("metadata", "status"):  # status: admitted at the top, its content not judged
                continue
            if not any(n.get("additionalProperties") is False for n in theirs[path]):
                continue
            assert any(n.get("additionalProperties") is False for n in nodes), (key, path)
            fields = {field for n in nodes for field in n.get("properties", {})}
            assert fields == {field for n in theirs[path] for field in n.get("properties", {})}, (key, path)
            closed += 1
    assert closed >= 40
