"""A Flux Kustomization's targetNamespace, namePrefix, nameSuffix, patches and images run inside the
build of its spec.path, where kustomize runs the fields kustomize-controller writes them into
(fluxcd/pkg kustomize generator): the patches with the kustomization's own `patches:`, before its
namespace, prefix, label, image and replacement transformers; namePrefix, nameSuffix and
targetNamespace in place of its own. Each case states what kustomize gives; where kubectl is
installed, the model's whole build is compared with `kubectl kustomize` of the kustomization as the
controller writes it (tests/oracle.py write_flux_kustomization)."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest

from homelint.engine.runner import load_repo
from homelint.model.config import Config

from .conftest import GOTK
from .oracle import find_kubectl, flux_edits, load_all, write_flux_kustomization

KUBECTL = find_kubectl()

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata: {k: v}\n"
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: app-a}
spec:
  selector: {matchLabels: {app: app-a}}
  template:
    metadata: {labels: {app: app-a}}
    spec:
      containers:
        - {name: main, image: img-a:1.0}
"""
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: placeholder}\n"
FROM_DATA = (
    "replacements:\n  - source: {kind: ConfigMap, name: cm-a, fieldPath: data.k}\n"
    "    targets:\n      - select: {kind: Deployment}\n        fieldPaths: [spec.template.metadata.labels.app]\n"
)


def kustomization(extra: str) -> str:
    return f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n{extra}resources: [objects.yaml]\n"


def patch(target: str, operation: str) -> str:
    """A spec.patches list of one JSON6902 patch of one operation."""
    return f"  patches:\n    - target: {target}\n      patch: |\n        - {operation}\n"


def flux(spec: str) -> str:
    return (
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./app\n  prune: true\n"
        f"  sourceRef: {{kind: GitRepository, name: flux-system}}\n{spec}"
    )


Key = tuple[str, str | None, str]  # kind, namespace, name as applied

# name -> (kustomization.yaml at spec.path or None (kustomize-controller generates one), objects,
# the Flux Kustomization's spec lines, {object: {field path: value kustomize gives (None: absent)}})
CASES: dict[str, tuple[str | None, str, str, dict[Key, dict[tuple[str, ...], Any]]]] = {
    "a patch runs before the kustomization's labels: its label selector does not see them": (
        kustomization("labels:\n  - pairs: {tier: web}\n"),
        CONFIG_MAP,
        patch("{kind: ConfigMap, labelSelector: tier=web}", "{op: add, path: /data/x, value: patched}"),
        {("ConfigMap", None, "cm-a"): {("data", "x"): None, ("metadata", "labels", "tier"): "web"}},
    ),
    "a patch runs before the kustomization's namespace: a target naming it selects nothing": (
        kustomization("namespace: ns-a\n"),
        CONFIG_MAP,
        patch("{kind: ConfigMap, namespace: ns-a}", "{op: add, path: /data/x, value: patched}"),
        {("ConfigMap", "ns-a", "cm-a"): {("data", "x"): None}},
    ),
    "the kustomization's images retag the image a patch sets": (
        kustomization("images:\n  - {name: img-b, newTag: '2.0'}\n"),
        DEPLOYMENT,
        patch("{kind: Deployment}", "{op: replace, path: /spec/template/spec/containers/0/image, value: 'img-b:1.0'}"),
        {("Deployment", None, "app-a"): {("spec", "template", "spec", "containers", 0, "image"): "img-b:2.0"}},
    ),
    "a replacement reads the field a patch sets": (
        kustomization(FROM_DATA),
        CONFIG_MAP + "---\n" + DEPLOYMENT,
        patch("{kind: ConfigMap}", "{op: replace, path: /data/k, value: patched}"),
        {("Deployment", None, "app-a"): {("spec", "template", "metadata", "labels", "app"): "patched"}},
    ),
    "a replacement overwrites the field a patch sets": (
        kustomization(FROM_DATA),
        CONFIG_MAP + "---\n" + DEPLOYMENT,
        patch("{kind: Deployment}", "{op: replace, path: /spec/template/metadata/labels/app, value: patched}"),
        {("Deployment", None, "app-a"): {("spec", "template", "metadata", "labels", "app"): "v"}},
    ),
    "the kustomization's patchesJson6902 run after the patches": (
        kustomization(
            "patchesJson6902:\n  - target: {kind: ConfigMap, name: cm-a}\n    patch: |\n      - {op: replace, path: /data/k, value: own}\n"
        ),
        CONFIG_MAP,
        patch("{kind: ConfigMap}", "{op: replace, path: /data/k, value: flux}"),
        {("ConfigMap", None, "cm-a"): {("data", "k"): "own"}},
    ),
    "namePrefix and nameSuffix replace the kustomization's own": (
        kustomization("namePrefix: own-\nnameSuffix: -own\n"),
        CONFIG_MAP,
        "  namePrefix: flux-\n  nameSuffix: -flux\n",
        {("ConfigMap", None, "flux-cm-a-flux"): {("data", "k"): "v"}},
    ),
    "a patch renames the object before the namePrefix, which prefixes the new name": (
        kustomization("namePrefix: own-\n"),
        CONFIG_MAP,
        "  namePrefix: flux-\n" + patch("{kind: ConfigMap, name: cm-a}", "{op: replace, path: /metadata/name, value: renamed}"),
        {("ConfigMap", None, "flux-renamed"): {("data", "k"): "v"}},
    ),
    "targetNamespace replaces the kustomization's namespace: the replacements read it": (
        kustomization(
            "namespace: ns-a\nreplacements:\n  - source: {kind: ConfigMap, name: cm-a, fieldPath: metadata.namespace}\n"
            "    targets:\n      - select: {kind: ConfigMap}\n        fieldPaths: [data.k]\n"
        ),
        CONFIG_MAP + "---\n" + NAMESPACE,
        "  targetNamespace: ns-b\n",
        {("ConfigMap", "ns-b", "cm-a"): {("data", "k"): "ns-b"}, ("Namespace", None, "ns-b"): {("kind",): "Namespace"}},
    ),
    "the generated kustomization: targetNamespace, nameSuffix and a patch by the name before it": (
        None,
        CONFIG_MAP + "---\n" + NAMESPACE,
        "  targetNamespace: ns-b\n  nameSuffix: -flux\n"
        + patch("{kind: ConfigMap, name: cm-a}", "{op: add, path: /data/x, value: patched}"),
        {("ConfigMap", "ns-b", "cm-a-flux"): {("data", "x"): "patched"}, ("Namespace", None, "ns-b"): {("kind",): "Namespace"}},
    ),
}


def write(root: Path, own: str | None, objects: str, spec: str) -> None:
    files = {"clusters/main/flux-system/gotk-sync.yaml": GOTK, "clusters/main/apps.yaml": flux(spec), "app/objects.yaml": objects}
    if own is not None:
        files["app/kustomization.yaml"] = own
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def applied(root: Path) -> dict[Key, dict[str, Any]]:
    """The objects the model's Flux Kustomization flux-system/apps applies, as kustomize prints them."""
    repo = load_repo(root, Config(), use_cache=False)[0]
    (ks,) = [k for k in repo.flux.kustomizations if k.name == "apps"]
    assert ks.patch_failures == [] and ks.replacement_failures == []
    out = {}
    for one in ks.applied:
        data = copy.deepcopy(one.obj.data)
        meta = data.setdefault("metadata", {})
        meta["name"] = one.name
        namespace = None if one.kind == "Namespace" else one.namespace
        if namespace:
            meta["namespace"] = namespace
        out[one.kind, namespace, one.name] = data
    return out


def kustomize(root: Path) -> dict[Key, dict[str, Any]]:
    """kubectl kustomize of spec.path, its kustomization edited as kustomize-controller edits it."""
    assert KUBECTL is not None
    spec = load_all((root / "clusters/main/apps.yaml").read_text())[0]["spec"]
    write_flux_kustomization(root / "app", flux_edits(spec))
    done = subprocess.run([KUBECTL, "kustomize", str(root / "app")], capture_output=True, text=True, timeout=120, check=True)
    out = {}
    for obj in load_all(done.stdout):
        meta = obj["metadata"]
        meta.get("annotations", {}).pop("config.kubernetes.io/origin", None)
        if meta.get("annotations") == {}:
            del meta["annotations"]
        out[obj["kind"], meta.get("namespace"), meta["name"]] = obj
    return out


def dig(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


@pytest.mark.parametrize("name", list(CASES))
def test_flux_spec_fields_run_where_kustomize_runs_them(repo, name):
    own, objects, spec, expected = CASES[name]
    root = repo({})
    write(root, own, objects, spec)
    built = applied(root)
    assert set(expected) <= set(built)
    for key, fields in expected.items():
        for path, value in fields.items():
            assert dig(built[key], path) == value, (key, path)
    if KUBECTL is not None:
        assert built == kustomize(root)


def test_a_patch_operation_on_a_label_the_kustomization_adds_later_fails_at_the_patch(repo, check_json):
    """The kustomization's commonLabels run after the Flux patch: the label is not there yet, the
    `replace` fails kustomize's build, and HL114 points at the path of the operation in spec.patches."""
    root = repo({})
    write(
        root,
        kustomization("commonLabels: {tier: web}\n"),
        CONFIG_MAP,
        patch("{kind: ConfigMap}", "{op: replace, path: /metadata/labels/tier, value: other}"),
    )
    _, findings = check_json(root)
    found = [(f["path"], f["line"], f["column"]) for f in findings if f["rule"] == "HL114"]
    assert found == [("clusters/main/apps.yaml", 15, 31)]
    (finding,) = [f for f in findings if f["rule"] == "HL114"]
    assert "/metadata/labels/tier" in finding["message"]
    if KUBECTL is not None:
        spec = load_all((root / "clusters/main/apps.yaml").read_text())[0]["spec"]
        write_flux_kustomization(root / "app", flux_edits(spec))
        done = subprocess.run([KUBECTL, "kustomize", str(root / "app")], capture_output=True, text=True, timeout=120)
        assert "replace operation does not apply: doc is missing path: /metadata/labels/tier" in done.stderr


def test_a_folder_is_gathered_once_and_transformed_once_per_kustomization_written_for_it(repo, check_json, monkeypatch):
    """Two Flux Kustomizations build one folder, each with its own edits: the folder's resources
    are gathered once, its transformers run once for each edited kustomization, and the checks
    (which read what its patches see) build it no more."""
    from homelint.model.flux import FluxModel

    gathered: list[str] = []
    transformed: list[tuple[str, Any]] = []
    gather, transform = FluxModel._gather_folder, FluxModel._transform

    def count_gather(self: Any, directory: str, *args: Any) -> Any:
        gathered.append(directory)
        return gather(self, directory, *args)

    def count_transform(self: Any, kd: Any, art: Any, out: Any, edits: Any = None) -> Any:
        transformed.append((kd.dir, edits))
        return transform(self, kd, art, out, *(() if edits is None else (edits,)))

    monkeypatch.setattr(FluxModel, "_gather_folder", count_gather)
    monkeypatch.setattr(FluxModel, "_transform", count_transform)
    root = repo({})
    write(
        root, kustomization("labels:\n  - pairs: {tier: web}\n"), CONFIG_MAP + "---\n" + DEPLOYMENT, "  targetNamespace: ns-a\n"
    )
    other = flux("  targetNamespace: ns-b\n" + patch("{kind: ConfigMap}", "{op: add, path: /data/x, value: patched}"))
    (root / "clusters/main/other.yaml").write_text(other.replace("name: apps", "name: other"))
    check_json(root)
    assert gathered.count("app") == 1
    assert [edits.namespace for folder, edits in transformed if folder == "app"] == ["ns-a", "ns-b"]
