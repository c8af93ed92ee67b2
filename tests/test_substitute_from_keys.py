"""The keys of substituteFrom sources.

HL203: a key no manifest uses, judged only where every reader is known. A Flux Kustomization of
another source (not this repository: its manifests are not read) that substitutes from the same
ConfigMap, or a copy flux-operator makes of it (`copyFrom`), may use any key: nothing is said of
that ConfigMap's keys.

HL206: kustomize-controller validates every key of a source it reads, also those an ExternalSecret
writes into a Secret (its data[].secretKey, or its template's data keys).
"""

from __future__ import annotations

from .test_dryrun import ROOT

VARS = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n  namespace: flux-system\ndata:\n  KEY_A: a\n  KEY_B: b\n"
LOCAL = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: local
  namespace: flux-system
spec:
  interval: 30m
  sourceRef: {kind: GitRepository, name: flux-system}
  path: ./apps/app-a
  prune: true
  postBuild:
    substituteFrom:
      - {kind: ConfigMap, name: vars}
"""
USES_A = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-a\n  namespace: flux-system\ndata:\n  a: ${KEY_A}\n"
OTHER_SOURCE = """---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: other, namespace: flux-system}
spec:
  interval: 5m
  url: oci://example.com/other
  ref: {tag: 1.0.0}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: other, namespace: flux-system}
spec:
  interval: 30m
  sourceRef: {kind: OCIRepository, name: other}
  path: ./
  prune: true
  postBuild:
    substituteFrom:
      - {kind: ConfigMap, name: vars}
"""
COPY = """apiVersion: v1
kind: ConfigMap
metadata:
  name: vars
  namespace: ns-a
  annotations:
    fluxcd.controlplane.io/copyFrom: flux-system/vars
"""


def _tree(extra: dict[str, str]) -> dict[str, str]:
    return {
        **ROOT,
        "clusters/c/vars.yaml": VARS,
        "clusters/c/local.yaml": LOCAL,
        "apps/app-a/cm.yaml": USES_A,
        **extra,
    }


def _unused(found: list[dict]) -> list[str]:
    return [f["message"].split(" defines ")[1].split(",")[0] for f in found if f["rule"] == "HL203"]


def test_a_key_no_manifest_uses_is_reported(repo, check_json):
    assert _unused(check_json(repo(_tree({})))[1]) == ["KEY_B"]


def test_not_when_a_build_of_another_source_substitutes_from_it(repo, check_json):
    assert _unused(check_json(repo(_tree({"clusters/c/other.yaml": OTHER_SOURCE})))[1]) == []


def test_not_when_flux_operator_copies_it(repo, check_json):
    assert _unused(check_json(repo(_tree({"clusters/c/copy.yaml": COPY})))[1]) == []


EXTERNAL_SECRET = """apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: vars
  namespace: flux-system
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: store-a}
  target:
    name: vars
TEMPLATE
  data:
    - secretKey: KEY_A
      remoteRef: {key: key-a}
    - secretKey: bad.key
      remoteRef: {key: key-b}
"""
STORE = "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: store-a\nspec:\n  provider: {}\n"


def _from_external_secret(template: str) -> dict[str, str]:
    local = LOCAL.replace("{kind: ConfigMap, name: vars}", "{kind: Secret, name: vars}")
    return {
        **ROOT,
        "clusters/c/store.yaml": STORE,
        "clusters/c/vars.yaml": EXTERNAL_SECRET.replace("TEMPLATE\n", template),
        "clusters/c/local.yaml": local,
        "apps/app-a/cm.yaml": USES_A,
    }


def _invalid(found: list[dict]) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["message"].split("'")[1]) for f in found if f["rule"] == "HL206"]


def test_an_invalid_key_an_external_secret_writes_fails_the_build(repo, check_json):
    found = check_json(repo(_from_external_secret("")))[1]
    assert _invalid(found) == [("clusters/c/vars.yaml", 13, "bad.key")]


def test_a_template_replaces_the_provider_keys_and_its_own_are_judged(repo, check_json):
    template = "    template:\n      data:\n        KEY_A: x\n        tls.crt: y\n"
    assert _invalid(check_json(repo(_from_external_secret(template)))[1]) == [("clusters/c/vars.yaml", 13, "tls.crt")]
    merged = template.replace("    template:\n", "    template:\n      mergePolicy: Merge\n")
    found = _invalid(check_json(repo(_from_external_secret(merged)))[1])
    assert sorted(key for *_, key in found) == ["bad.key", "tls.crt"]
