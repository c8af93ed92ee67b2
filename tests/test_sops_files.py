"""What a SOPS-encrypted file holds, as sops and Flux read it: its metadata is not data, and the
values its own sops rules leave in clear are the author's choice."""

from __future__ import annotations

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
        ("HL203", "Secret vars-a defines UNUSED_A, but no manifest uses ${UNUSED_A}")
    ]
