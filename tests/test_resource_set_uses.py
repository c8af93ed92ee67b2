"""What the objects of a flux-operator ResourceSet's spec.resources need (HL401, HL405): flux-operator
applies them like any manifest, so a Secret or ConfigMap they name must exist. A reference whose
name or namespace is a `<< >>` action differs per input and is not judged."""

from __future__ import annotations

import pytest

from .test_dryrun import ROOT

HEAD = """apiVersion: fluxcd.controlplane.io/v1
kind: ResourceSet
metadata: {name: rs-a, namespace: ns-a}
spec:
  inputs: [{name: app-a}]
  resources:
"""
DEPLOYMENT = """    - apiVersion: apps/v1
      kind: Deployment
      metadata: {name: app-a}
      spec:
        selector: {matchLabels: {app: app-a}}
        template:
          metadata: {labels: {app: app-a}}
          spec:
            containers:
              - name: app-a
                image: example.com/app-a:1.0.0
                envFrom:
                  - secretRef: {name: SECRET}
"""
RELEASE = """    - apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata: {name: app-b}
      spec:
        interval: 1h
        chartRef: {kind: OCIRepository, name: chart-b}
        valuesFrom:
          - {kind: ConfigMap, name: CONFIGMAP}
"""
SECRET = "    - {apiVersion: v1, kind: Secret, metadata: {name: secret-a}, stringData: {key-a: ENC[AES256_GCM,data:x]}}\n"
FLUX_KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 1h
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
"""


def _tree(resources: str) -> dict[str, str]:
    return {
        **ROOT,
        "clusters/c/apps.yaml": FLUX_KS,
        "apps/kustomization.yaml": "resources:\n  - ns.yaml\n  - rs.yaml\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/rs.yaml": HEAD + resources,
    }


def _missing(found: list[dict]) -> list[tuple[str, str, int]]:
    return sorted((f["rule"], f["path"], f["line"]) for f in found if f["rule"] in ("HL401", "HL405"))


def test_a_secret_and_a_configmap_nothing_makes_are_reported_in_the_resource_set(repo, check_json):
    resources = DEPLOYMENT.replace("SECRET", "secret-a") + RELEASE.replace("CONFIGMAP", "values-b")
    found = check_json(repo(_tree(resources)))[1]
    assert _missing(found) == [("HL401", "apps/rs.yaml", 19), ("HL405", "apps/rs.yaml", 27)]
    (secret,) = [f["message"] for f in found if f["rule"] == "HL401"]
    assert secret.startswith(
        "Deployment app-a (a resource of ResourceSet rs-a) uses Secret 'secret-a' in namespace ns-a, but no Secret"
    )


def test_one_the_resource_set_makes_itself_is_made(repo, check_json):
    resources = DEPLOYMENT.replace("SECRET", "secret-a") + SECRET
    assert _missing(check_json(repo(_tree(resources)))[1]) == []


def test_a_templated_name_is_not_judged(repo, check_json):
    resources = DEPLOYMENT.replace("SECRET", "<< inputs.name >>-secret") + RELEASE.replace("CONFIGMAP", "<< inputs.name >>")
    assert _missing(check_json(repo(_tree(resources)))[1]) == []


EXTERNAL_SECRET = """    - apiVersion: external-secrets.io/v1
      kind: ExternalSecret
      metadata: {name: secret-b, NAMESPACE}
      spec:
        secretStoreRef: {kind: KIND, name: STORE}
        target: {name: secret-b}
        data: [{secretKey: k, remoteRef: {key: k}}]
"""
STORE = (
    "    - {apiVersion: external-secrets.io/v1, kind: KIND, metadata: {name: store-a}, spec: {provider: {fake: {data: []}}}}\n"
)


def _stores(found: list[dict]) -> list[tuple[str, int]]:
    return sorted((f["path"], f["line"]) for f in found if f["rule"] == "HL403")


def _external_secret(kind: str, store: str, namespace: str = "namespace: ns-a") -> str:
    return EXTERNAL_SECRET.replace("KIND", kind).replace("STORE", store).replace("NAMESPACE", namespace)


@pytest.mark.parametrize("kind", ["ClusterSecretStore", "SecretStore"])
def test_an_external_secret_of_the_resource_set_needs_its_store(repo, check_json, kind):
    found = check_json(repo(_tree(_external_secret(kind, "store-a"))))[1]
    assert _stores(found) == [("apps/rs.yaml", 11)]
    (message,) = [f["message"] for f in found if f["rule"] == "HL403"]
    assert message.startswith(f"ExternalSecret secret-b (a resource of ResourceSet rs-a) uses {kind} 'store-a'")


@pytest.mark.parametrize("kind", ["ClusterSecretStore", "SecretStore"])
def test_a_store_the_resource_set_makes_is_made(repo, check_json, kind):
    resources = _external_secret(kind, "store-a", namespace="namespace: ns-a") + STORE.replace("KIND", kind)
    assert _stores(check_json(repo(_tree(resources)))[1]) == []


def test_a_templated_store_or_a_secret_store_in_a_templated_namespace_is_not_judged(repo, check_json):
    resources = _external_secret("ClusterSecretStore", "<< inputs.name >>")
    resources += _external_secret("SecretStore", "store-a", namespace="namespace: << inputs.name >>").replace(
        "secret-b", "secret-c"
    )
    assert _stores(check_json(repo(_tree(resources)))[1]) == []
