"""HL405 for a generated ConfigMap whose hashed name kustomize does not write into a reference:
who looks for the unhashed name. A Flux object's reference is Flux's to resolve; an External
Secrets template's is its controller's, not Flux's, so the message says only that the reference
still names it."""

from __future__ import annotations

from .conftest import flux_ks, flux_root

EXTERNAL_SECRET = """apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: es-a
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: store-a}
  target:
    name: secret-a
    template:
      templateFrom:
        - configMap:
            name: cm-a-tpl
            items:
              - key: template.conf
  dataFrom:
    - extract: {key: item-a}
"""
STORE = "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: store-a\nspec:\n  provider:\n    fake:\n      data: []\n"


def test_an_external_secret_template_keeps_the_unhashed_name(check_json, repo):
    root = repo(
        {
            "clusters/main/flux.yaml": flux_root("apps", "./apps"),
            "apps/kustomization.yaml": "resources: [ns.yaml, store.yaml, app-a.yaml]\n",
            "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
            "apps/store.yaml": STORE,
            "apps/app-a.yaml": flux_ks("app-a", "./app-a", "  targetNamespace: ns-a\n"),
            "app-a/kustomization.yaml": (
                "resources: [externalsecret.yaml]\nconfigMapGenerator:\n  - name: cm-a-tpl\n    files: [template.conf]\n"
            ),
            "app-a/externalsecret.yaml": EXTERNAL_SECRET,
            "app-a/template.conf": "password = {{ .PASSWORD }}\n",
        }
    )
    (message,) = [f["message"] for f in check_json(root)[1] if f["rule"] == "HL405"]
    assert message.endswith(
        "kustomize does not rewrite ExternalSecret spec/target/template/templateFrom/configMap/name, so the reference "
        "still names cm-a-tpl, which the cluster does not have"
    )
    assert "Flux looks for" not in message
