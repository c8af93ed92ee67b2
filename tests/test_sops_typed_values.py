"""HL601 on a SOPS-encrypted document: what the ciphertexts' types decide.

sops records the type of each value it encrypts (`ENC[...,type:int]`) and decrypts it to that
type, so a Secret's stringData value written `7` before encryption reaches the API server as a
number, as it would in clear, and the apply fails. The rest of an encrypted document is not known,
so only a value of a non-string type is judged, where the kind's schema wants a string.
"""

from __future__ import annotations

import pytest

from .conftest import flux_root

MAC = "ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]"
SOPS = f"sops:\n  mac: {MAC}\n  version: 3.11.0\n  encrypted_regex: ^(data|stringData)$\n"


def ciphertext(kind: str) -> str:
    return f"ENC[AES256_GCM,data:Nw==,iv:5AyEFSmwes80vva/hR++FiG6PA0rFEfygapZbXnqRsA=,tag:54WDER5kqo8/Bpu5IuUXfA==,type:{kind}]"


def tree(document: str) -> dict[str, str]:
    return {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", "  decryption:\n    provider: sops\n"),
        "apps/kustomization.yaml": "namespace: ns-a\nresources: [secret.sops.yaml]\n",
        "apps/secret.sops.yaml": document + SOPS,
    }


def secret(field: str, kind: str) -> str:
    return f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\n{field}:\n  KEY_A: {ciphertext(kind)}\n"


def _hl601(check_json, root) -> list[tuple[int, str]]:
    return [(f["line"], f["message"]) for f in check_json(root)[1] if f["rule"] == "HL601"]


def test_a_string_data_value_encrypted_as_an_integer_is_refused(check_json, repo):
    assert _hl601(check_json, repo(tree(secret("stringData", "int")))) == [
        (6, "Secret secret-a: stringData.KEY_A must be a string, not an integer (sops decrypts it to type:int; "
         "quote the value before encrypting it)")
    ]  # fmt: skip


@pytest.mark.parametrize(("field", "kind", "word"), [("data", "bool", "a boolean"), ("stringData", "float", "a number")])
def test_other_non_string_types_are_refused_too(check_json, repo, field, kind, word):
    ((line, message),) = _hl601(check_json, repo(tree(secret(field, kind))))
    assert line == 6 and f"{field}.KEY_A must be a string, not {word}" in message


@pytest.mark.parametrize("field", ["stringData", "data"])
def test_a_value_encrypted_as_a_string_is_not_judged(check_json, repo, field):
    assert _hl601(check_json, repo(tree(secret(field, "str")))) == []


def test_a_number_where_the_schema_takes_one_stays_silent(check_json, repo):
    claim = (
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: claim-a\nspec:\n  accessModes: [ReadWriteOnce]\n"
        f"  resources:\n    requests:\n      storage: {ciphertext('int')}\n"
    )
    assert _hl601(check_json, repo(tree(claim))) == []  # a quantity may be a number
