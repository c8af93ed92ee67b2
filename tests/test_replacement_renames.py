"""An object a `replacements:` entry renames is made under its new name only: kustomize records no
previous name for it, so a reference to the old name is left as written and dangles (kubectl
kustomize 5.8.1). A patch's rename is different: kustomize rewrites the references of its build to
the new name, so both names count there."""

from __future__ import annotations

from typing import Any

from .conftest import flux_root

SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\n  namespace: ns-a\ntype: Opaque\n"
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-a\n  namespace: ns-a\nspec:\n  selector: {}\n"
    "  template:\n    spec:\n      containers:\n        - name: c\n          image: img:1.0\n"
    "          envFrom:\n            - secretRef: {name: %s}\n"
)
NAMES = "configMapGenerator:\n  - name: names\n    namespace: ns-a\n    options: {disableNameSuffixHash: true}\n    literals: [N=secret-b]\n"
BY_REPLACEMENT = (
    "replacements:\n  - source: {kind: ConfigMap, name: names, fieldPath: data.N}\n"
    "    targets:\n      - select: {kind: Secret, name: secret-a}\n        fieldPaths: [metadata.name]\n"
)
BY_PATCH = (
    "patches:\n  - target: {kind: Secret, name: secret-a}\n    patch: |-\n"
    "      - {op: replace, path: /metadata/name, value: secret-b}\n"
)


def _hl401(check_json: Any, repo: Any, rename: str, used: str) -> list[str]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ns.yaml\n  - secret.yaml\n  - deployment.yaml\n" + NAMES + rename,
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/secret.yaml": SECRET,
        "apps/deployment.yaml": DEPLOYMENT % used,
    }
    _, found = check_json(repo(files))
    return [f["message"] for f in found if f["rule"] == "HL401"]


def test_a_reference_to_the_name_a_replacement_gave_is_found(check_json, repo):
    assert _hl401(check_json, repo, BY_REPLACEMENT, "secret-b") == []


def test_a_reference_to_the_name_before_a_replacement_dangles(check_json, repo):
    (message,) = _hl401(check_json, repo, BY_REPLACEMENT, "secret-a")
    assert "uses Secret 'secret-a' in namespace ns-a" in message


def test_a_reference_to_the_name_before_a_patch_is_rewritten(check_json, repo):
    """kustomize rewrites envFrom.secretRef to the patched name: no finding either way."""
    assert _hl401(check_json, repo, BY_PATCH, "secret-a") == []
    assert _hl401(check_json, repo, BY_PATCH, "secret-b") == []
