"""HL407: a container's env `valueFrom.configMapKeyRef`/`secretKeyRef` reads a key the ConfigMap or
Secret it names must have (kubelet makeEnvironmentVariables: "couldn't find key"), judged only
when every object of that name the cluster gets from the repository shows all its keys."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import flux_root

DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-a\n  namespace: ns-a\nspec:\n  selector: {}\n"
    "  template:\n    spec:\n      containers:\n        - name: c\n          image: img:1.0\n          env:\n"
    "            - name: V\n              valueFrom:\n                secretKeyRef: {name: secret-a, key: %s%s}\n"
)
SOPS_SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\n  namespace: ns-a\n"
    "stringData:\n  api-key: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]\n"
    "sops:\n  age:\n    - recipient: age1example\n      enc: x\n  lastmodified: '2024-01-01T00:00:00Z'\n"
    "  mac: ENC[AES256_GCM,data:DDDD,iv:EEEE,tag:FFFF,type:str]\n  version: 3.8.1\n"
)
EXTERNAL = (
    "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: secret-a\n  namespace: ns-a\n"
    "spec:\n  secretStoreRef: {kind: ClusterSecretStore, name: store-a}\n  target: {name: secret-a}\n"
    "  dataFrom:\n    - extract: {key: app-a}\n"
)


def _hl407(check_json: Any, repo: Any, key: str, secret: str = SOPS_SECRET, optional: str = "") -> list[dict[str, Any]]:
    decryption = "  decryption: {provider: sops, secretRef: {name: sops-age}}\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", decryption),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/secret.yaml": secret,
        "apps/deployment.yaml": DEPLOYMENT % (key, optional),
    }
    _, found = check_json(repo(files))
    return [f for f in found if f["rule"] == "HL407"]


def test_a_key_the_sops_secret_does_not_have_is_reported_with_the_keys_it_has(check_json, repo):
    (finding,) = _hl407(check_json, repo, "host")
    assert finding["path"] == "apps/deployment.yaml"
    assert "reads key 'host' of Secret 'secret-a' in namespace ns-a" in finding["message"]
    assert "its keys are api-key" in finding["message"] and "ENC[" not in finding["message"]


def test_a_key_the_secret_has_is_fine(check_json, repo):
    assert _hl407(check_json, repo, "api-key") == []


def test_an_optional_reference_is_skipped(check_json, repo):
    assert _hl407(check_json, repo, "host", optional=", optional: true") == []


def test_keys_an_external_secret_makes_are_not_known(check_json, repo):
    assert _hl407(check_json, repo, "host", secret=EXTERNAL) == []


def _sealed(spec: str) -> str:
    return f"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: secret-a\n  namespace: ns-a\nspec:\n{spec}"


SEALED = _sealed(
    "  encryptedData:\n    api-key: AgBy3i4OJSWK+PiTySYZZA==\n"
    "  template:\n    metadata: {name: secret-a}\n    data:\n      url: 'https://{{ index . \"api-key\" }}@host.invalid'\n"
)


@pytest.mark.parametrize(("key", "found"), [("host", True), ("api-key", False), ("url", False)])
def test_a_sealed_secret_unseals_to_its_encrypted_and_template_keys(check_json, repo, key, found):
    """sealed-secrets' Unseal makes one data key per spec.encryptedData key and per
    spec.template.data key (a template over the decrypted values): the key names are in clear."""
    findings = _hl407(check_json, repo, key, secret=SEALED)
    assert len(findings) == found
    if found:
        assert "its keys are api-key, url" in findings[0]["message"]


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("  encryptedData: {api-key: AgBy}\n  template:\n    data: {api-key: null}\n", id="null-template-value"),
        pytest.param("  data: AgBy3i4OJSWK\n", id="deprecated-whole-secret-data"),
    ],
)
def test_sealed_secret_keys_that_depend_on_the_controller_are_not_known(check_json, repo, spec):
    """A null template value deletes the key in newer controllers and keeps it empty in older
    ones; the deprecated spec.data encrypts the whole Secret, keys and all: not judged."""
    assert _hl407(check_json, repo, "host", secret=_sealed(spec)) == []


CNPG_CLUSTER = (
    "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: db-a\n  namespace: ns-a\nspec:\n"
    "  instances: 1\n  storage: {size: 1Gi}\n  backup:\n    barmanObjectStore:\n"
    "      destinationPath: s3://bucket-a/\n      s3Credentials:\n"
    "        accessKeyId: {name: secret-a, key: api-key}\n        secretAccessKey: {name: secret-a, key: %s}\n"
)


@pytest.mark.parametrize(("key", "found"), [("secret-key", True), ("api-key", False)])
def test_a_cnpg_backup_credential_key_the_secret_does_not_have_is_reported(check_json, repo, key, found):
    """barman-cloud reads each S3 credential's `key` (extractValueFromSecret: 'missing key'), and
    WAL archiving and backups stop: the `keyed` consumer rows are judged like env keys."""
    decryption = "  decryption: {provider: sops, secretRef: {name: sops-age}}\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", decryption),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/secret.yaml": SOPS_SECRET,
        "apps/cluster.yaml": CNPG_CLUSTER % key,
    }
    _, all_found = check_json(repo(files))
    messages = [f["message"] for f in all_found if f["rule"] == "HL407"]
    assert messages == (
        [
            "Cluster db-a reads key 'secret-key' of Secret 'secret-a' in namespace ns-a (defined in apps/secret.yaml), "
            "which has no such key: its keys are api-key; its controller fails where it reads it (missing key "
            "secret-key in Secret secret-a)"
        ]
        if found
        else []
    )
