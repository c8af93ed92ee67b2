"""What a SOPS-encrypted file holds, as sops and Flux read it: its metadata is not data, and the
values its own sops rules leave in clear are the author's choice."""

from __future__ import annotations

import pytest

FLUX_KS = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: flux-system}}\n"
    "spec:\n  interval: 1h\n  path: ./{path}\n  prune: true\n  decryption: {{provider: sops}}\n"
    "  sourceRef: {{kind: GitRepository, name: flux-system}}\n{extra}"
)
ENC = "ENC[AES256_GCM,data:AA==,iv:BB==,tag:CC==,type:str]"


def test_the_sops_metadata_lines_of_an_encrypted_env_file_are_not_variables(repo, check_json):
    """sops's dotenv format stores its metadata as `sops_*` keys, which decryption removes: a
    secretGenerator fed by the file makes a Secret without them, so no `sops_*` key is reported
    as an unused variable, while a real key nothing uses still is."""
    root = repo(
        {
            "flux/ks.yaml": FLUX_KS.format(name="vars", path="vars", extra="")
            + "---\n"
            + FLUX_KS.format(
                name="apps",
                path="apps",
                extra="  dependsOn: [{name: vars}]\n  postBuild:\n    substituteFrom:\n      - {kind: Secret, name: vars-a}\n",
            ),
            "vars/kustomization.yaml": "namespace: flux-system\nsecretGenerator:\n  - name: vars-a\n    envs: [./vars-a.sops.env]\n"
            "generatorOptions: {disableNameSuffixHash: true}\n",
            "vars/vars-a.sops.env": f"USED_A={ENC}\nUNUSED_A={ENC}\n"
            "sops_age__list_0__map_recipient=age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n"
            f"sops_lastmodified=2026-01-01T00:00:00Z\nsops_mac={ENC}\nsops_unencrypted_suffix=_unencrypted\nsops_version=3.9.0\n",
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\ndata: {A: '${USED_A}'}\n",
        }
    )
    _, findings = check_json(root, "--select", "HL203,HL206")
    assert [(f["rule"], f["message"]) for f in findings] == [
        ("HL203", "Secret vars-a defines UNUSED_A, but no manifest that Flux substitutes uses ${UNUSED_A}")
    ]


def _sops_secret(values: dict[str, str], metadata: str) -> str:
    """A Secret as sops writes it: its values, then the `sops:` block with `metadata` lines."""
    data = "".join(f"  {key}: {value}\n" for key, value in values.items())
    return (
        f"apiVersion: v1\nkind: Secret\nmetadata: {{name: secret-a, namespace: default}}\nstringData:\n{data}"
        "sops:\n  age:\n    - recipient: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n"
        "      enc: |\n        -----BEGIN AGE ENCRYPTED FILE-----\n        YWdl\n        -----END AGE ENCRYPTED FILE-----\n"
        f"  lastmodified: '2026-01-01T00:00:00Z'\n  mac: {ENC}\n{metadata}  version: 3.9.0\n"
    )


@pytest.mark.parametrize(
    ("clear_key", "metadata"),
    [
        ("username", "  encrypted_regex: ^(password)$\n"),
        ("username", "  encrypted_regex: ^(password)$\n  mac_only_encrypted: true\n"),
        ("username", "  unencrypted_regex: ^user\n"),
        ("username", "  encrypted_suffix: word\n"),
        ("username_clear", "  unencrypted_suffix: _clear\n"),
        ("username_unencrypted", ""),  # no selector: sops's default unencrypted_suffix _unencrypted
    ],
)
def test_a_value_the_files_own_sops_metadata_leaves_in_clear_is_not_reported(repo, check_json, clear_key, metadata):
    """sops encrypts and decrypts the values its metadata selects and leaves the others as they
    are (sops.go shouldBeEncrypted; mac_only_encrypted only narrows the MAC): a value kept in
    clear that way is the author's choice, and the file is SOPS-encrypted."""
    root = repo({"secret.sops.yaml": _sops_secret({clear_key: "admin-a", "password": ENC}, metadata)})
    _, findings = check_json(root, "--select", "HL402")
    assert findings == []


def test_a_plaintext_value_where_the_files_own_sops_metadata_encrypts_is_reported_as_such(repo, check_json):
    """A value in clear below a key the metadata encrypts (added after encryption): sops fails
    to decrypt it ('Could not decrypt value') and it is public. The finding says the file is
    SOPS-encrypted and which selector encrypts the key; an ENC[...] value is never named."""
    values = {"username": "admin-a", "password": "plaintext-a", "token": ENC}
    root = repo({"secret.sops.yaml": _sops_secret(values, "  encrypted_regex: ^(password|token)$\n")})
    _, findings = check_json(root, "--select", "HL402")
    assert [(f["line"], f["severity"]) for f in findings] == [(6, "error")]
    message = findings[0]["message"]
    assert "(keys: password)" in message and "not SOPS-encrypted" not in message
    assert "own sops metadata (encrypted_regex '^(password|token)$') encrypts them" in message
    assert "plaintext-a" not in message and "sops edit secret.sops.yaml" in findings[0]["fix"]


SLASHED = "ENC[AES256_GCM,data:AA==,iv:B/B==,tag:CC==,type:str]"  # a ciphertext whose iv holds a '/'
WHOLE = (
    f"apiVersion: {SLASHED}\nkind: {SLASHED}\nmetadata:\n  name: {SLASHED}\n  namespace: {SLASHED}\n"
    f"data:\n  KEY_A: {ENC}\nsops:\n  mac: {ENC}\n  version: 3.9.0\n"
)
POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: pod-a, namespace: ns-a}\nspec:\n  containers:\n"
    "    - name: a\n      image: registry.invalid/a:1.0.0@sha256:" + "0" * 64 + "\n"
    "      envFrom: [{secretRef: {name: secret-a}}]\n"
)


@pytest.mark.parametrize("decryption", [True, False])
def test_a_file_sops_encrypted_whole_is_known_only_once_decrypted(repo, check_json, decryption):
    """Without encrypted_regex, sops encrypts apiVersion, kind, name and namespace too; kustomize
    builds the file as it is, and kustomize-controller decrypts the whole resource before it
    applies it. Its ciphertext is no name or namespace (no HL608, no HL113), and it may be the
    Secret the Pod reads (an info). Without spec.decryption the ciphertext is applied and fails
    (HL117)."""
    ks = FLUX_KS.format(name="apps", path="apps", extra="")
    if not decryption:
        ks = ks.replace("  decryption: {provider: sops}\n", "")
    root = repo(
        {
            "flux/ks.yaml": ks,
            "apps/kustomization.yaml": "resources: [./ns.yaml, ./pod.yaml, ./secret-a.sops.yaml]\n",
            "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
            "apps/pod.yaml": POD,
            "apps/secret-a.sops.yaml": WHOLE,
        }
    )
    _, findings = check_json(root)
    found = sorted((f["rule"], f["severity"]) for f in findings if f["rule"] != "HL503")
    assert found == ([("HL401", "info")] if decryption else [("HL117", "error"), ("HL401", "info")])
    (info,) = [f for f in findings if f["rule"] == "HL401"]
    assert "apps/secret-a.sops.yaml, a file SOPS encrypts whole" in info["message"]
    assert not any("ENC[" in f["message"] for f in findings)  # the file is named, its ciphertext never shown


def test_the_whole_encrypted_file_named_is_the_one_of_the_users_build(repo, check_json):
    """Two builds each apply a file SOPS encrypts whole (namespace unknown): the info names the
    one the Pod's own Kustomization applies, not the first of all, and does not first say that
    no SOPS file produces the Secret."""
    other = FLUX_KS.format(name="aaa", path="aaa", extra="")
    root = repo(
        {
            "flux/ks.yaml": other + "---\n" + FLUX_KS.format(name="apps", path="apps", extra=""),
            "aaa/token.sops.yaml": WHOLE,
            "apps/kustomization.yaml": "resources: [./ns.yaml, ./pod.yaml, ./secret-a.sops.yaml]\n",
            "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
            "apps/pod.yaml": POD,
            "apps/secret-a.sops.yaml": WHOLE,
        }
    )
    _, findings = check_json(root, "--select", "HL401")
    (info,) = findings
    assert info["message"].startswith(
        "Pod pod-a uses Secret 'secret-a' in namespace ns-a, which nothing the repository applies is known to produce; "
        "Kustomization flux-system/apps applies apps/secret-a.sops.yaml, a file SOPS encrypts whole"
    )
