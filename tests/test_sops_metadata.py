"""HL408: a build that writes a namespace or name in clear into a file SOPS encrypted whole makes
kustomize-controller's decryption fail ("does not match sops' data format"), and the
Kustomization applies nothing."""

from __future__ import annotations

import pytest

from .test_sops_files import FLUX_KS, WHOLE


def _hl408(check_json, repo, kustomization: str, extra: str = "", decryption: bool = True) -> list[tuple[str, int, str]]:
    ks = FLUX_KS.format(name="apps", path="apps", extra=extra)
    if not decryption:
        ks = ks.replace("  decryption: {provider: sops}\n", "")
    root = repo(
        {
            "flux/ks.yaml": ks,
            "apps/kustomization.yaml": kustomization + "resources: [./ns.yaml, ./secret-a.sops.yaml]\n",
            "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
            "apps/secret-a.sops.yaml": WHOLE,
        }
    )
    _, findings = check_json(root, "--select", "HL408")
    return [(f["path"], f["line"], f["message"]) for f in findings]


@pytest.mark.parametrize(
    ("kustomization", "extra", "written"),
    [
        ("namespace: ns-a\n", "", "namespace 'ns-a'"),
        ("", "  targetNamespace: ns-a\n", "namespace 'ns-a'"),
        ("namePrefix: pre-\n", "", "a namePrefix or nameSuffix on its name"),
    ],
    ids=["namespace", "target-namespace", "name-prefix"],
)
def test_a_transformer_over_a_whole_encrypted_file_fails_its_decryption(check_json, repo, kustomization, extra, written):
    ((path, line, message),) = _hl408(check_json, repo, kustomization, extra)
    assert path == "apps/secret-a.sops.yaml"
    assert line == (5 if "namespace" in written else 4)  # its own namespace (or name) line
    assert f"the build of Kustomization flux-system/apps writes {written} in clear over it" in message
    assert "ENC[" not in message


def test_a_build_that_keeps_its_ciphertext_or_cannot_decrypt_is_not_judged(check_json, repo):
    """No transformer: kustomize-controller decrypts it as written. No spec.decryption: the
    ciphertext itself fails (HL117)."""
    assert _hl408(check_json, repo, "") == []
    assert _hl408(check_json, repo, "namespace: ns-a\n", decryption=False) == []
