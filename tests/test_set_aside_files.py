"""A manifest in a subfolder without a kustomization, below a folder Flux builds, is never applied
(kustomize reads a subfolder only through an entry; HL102 warns): what it defines is not made, as
for a file its own folder's kustomization does not list. A folder no Flux build is above (a
bootstrap folder) or one a script applies still counts as made."""

from __future__ import annotations

from .test_dryrun import ROOT, _app_ks

STORE = "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: store-a\nspec:\n  provider: {}\n"
EXTERNAL_SECRET = (
    "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: secret-a\nspec:\n"
    "  secretStoreRef: {kind: ClusterSecretStore, name: store-a}\n  target: {name: secret-a}\n"
    "  data:\n    - secretKey: key-a\n      remoteRef: {key: key-a}\n"
)
SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-b\nstringData:\n  key-b: ENC[AES256_GCM,data:x]\n"
    "sops:\n  mac: ENC[AES256_GCM,data:x]\n  version: 3.8.1\n"
)
POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-a\nspec:\n  containers:\n    - name: app-a\n"
    "      image: example.com/app-a:1.0.0\n      envFrom:\n        - secretRef: {name: secret-b}\n"
)


def _tree(extra: dict[str, str]) -> dict[str, str]:
    """Flux builds apps/app-a (its kustomization lists the ExternalSecret and the Pod); the store
    and the Secret are wherever `extra` puts them."""
    return {
        **ROOT,
        "clusters/c/apps.yaml": _app_ks("app-a", "./apps/app-a"),
        "apps/app-a/kustomization.yaml": "resources:\n  - ns.yaml\n  - externalsecret.yaml\n  - pod.yaml\n",
        "apps/app-a/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/app-a/externalsecret.yaml": EXTERNAL_SECRET,
        "apps/app-a/pod.yaml": POD,
        **extra,
    }


def _found(found: list[dict]) -> list[tuple[str, str, str]]:
    return sorted((f["rule"], f["path"], f["severity"]) for f in found if f["rule"] in ("HL102", "HL401", "HL403"))


def test_a_store_and_a_secret_in_a_subfolder_no_entry_reaches_are_not_made(repo, check_json):
    found = check_json(repo(_tree({"apps/app-a/stores/store.yaml": STORE, "apps/app-a/stores/secret.sops.yaml": SECRET})))[1]
    assert _found(found) == [
        ("HL102", "apps/app-a/stores/secret.sops.yaml", "warning"),
        ("HL102", "apps/app-a/stores/store.yaml", "warning"),
        ("HL401", "apps/app-a/pod.yaml", "error"),
        ("HL403", "apps/app-a/externalsecret.yaml", "error"),
    ]
    (store,) = [f["message"] for f in found if f["rule"] == "HL403"]
    assert store == (
        "ExternalSecret secret-a uses ClusterSecretStore 'store-a', which is defined in apps/app-a/stores/store.yaml, "
        "but nothing applies that file (its folder apps/app-a/stores has no kustomization, and "
        "apps/app-a/kustomization.yaml does not list it: HL102)"
    )


def test_listed_the_subfolders_files_are_made(repo, check_json):
    files = _tree({"apps/app-a/stores/store.yaml": STORE, "apps/app-a/stores/secret.sops.yaml": SECRET})
    files["apps/app-a/kustomization.yaml"] += "  - stores/store.yaml\n  - stores/secret.sops.yaml\n"
    assert _found(check_json(repo(files))[1]) == []


def test_a_folder_no_flux_build_is_above_counts_as_made(repo, check_json):
    """bootstrap/ is outside every Flux build: applied by hand before Flux, it is made."""
    files = _tree(
        {
            "bootstrap/store.yaml": STORE,
            "bootstrap/secret.sops.yaml": SECRET.replace("  name: secret-b\n", "  name: secret-b\n  namespace: ns-a\n"),
        }
    )
    assert _found(check_json(repo(files))[1]) == []


def test_a_subfolder_a_script_applies_counts_as_made(repo, check_json):
    files = _tree({"apps/app-a/stores/store.yaml": STORE, "apps/app-a/stores/secret.sops.yaml": SECRET})
    files["scripts/bootstrap.sh"] = "#!/bin/sh\nkubectl apply -n ns-a -f apps/app-a/stores\n"
    assert [rule for rule, _, _ in _found(check_json(repo(files))[1])] == ["HL102", "HL102"]
