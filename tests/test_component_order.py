"""A kustomization's generators run before its components, and its components before its
transformers (kustomize api/internal/target/kusttarget.go accumulateTarget: resources, generators,
components, transformers; kustomize PR 5170). A Component's generators, patches, name affixes and
namespace therefore reach the objects the including kustomization's own generators make, and a
Flux Kustomization's spec.components (appended to the `components:` of the kustomization at its
spec.path) run after that kustomization's generators too. Each case states what kustomize gives;
where kubectl is installed, the model's build is compared with `kubectl kustomize` of the
kustomization as kustomize-controller writes it (tests/oracle.py write_flux_kustomization): names,
namespaces, ConfigMap data and Secret keys (the model keeps no Secret value)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from homelint.engine.runner import load_repo
from homelint.model.config import Config

from .conftest import GOTK
from .oracle import find_kubectl, flux_edits, load_all, write_flux_kustomization

KUBECTL = find_kubectl()

COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
OWN_CONFIG_MAP = "configMapGenerator:\n  - name: cfg-a\n    literals: [a=1]\n"
OWN_SECRET = "secretGenerator:\n  - name: sec-a\n    literals: [a=1]\n"
JSON_PATCH = (
    "patches:\n  - target: {kind: ConfigMap, name: cfg-a}\n    patch: |\n      - {op: replace, path: /data/a, value: '5'}\n"
)
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: app-a}
spec:
  selector: {matchLabels: {app: app-a}}
  template:
    metadata: {labels: {app: app-a}}
    spec:
      containers:
        - name: main
          image: img-a:1.0
          envFrom:
            - configMapRef: {name: cfg-a}
"""
DEFAULT_NS = "  targetNamespace: default\n"

Key = tuple[str, str | None, str]  # kind, namespace, name as applied

# name -> (the kustomization at spec.path, the Component's kustomization at app/comp, the Flux
# Kustomization's spec lines, {object: its ConfigMap data, or its Secret's keys, as kustomize gives})
CASES: dict[str, tuple[str, str, str, dict[Key, Any]]] = {
    "a Component's merge generator merges into the kustomization's own generated ConfigMap": (
        "components: [comp]\n" + OWN_CONFIG_MAP,
        COMPONENT + "configMapGenerator:\n  - name: cfg-a\n    behavior: merge\n    literals: [z=9]\n",
        DEFAULT_NS,
        {("ConfigMap", "default", "cfg-a-cg6k7h56bd"): {"a": "1", "z": "9"}},
    ),
    "a Component's JSON6902 patch changes the generated ConfigMap before kustomize hashes it": (
        "components: [comp]\n" + OWN_CONFIG_MAP,
        COMPONENT + JSON_PATCH,
        DEFAULT_NS,
        {("ConfigMap", "default", "cfg-a-cf687fd65c"): {"a": "5"}},
    ),
    "a Component's strategic merge patch changes the generated ConfigMap before kustomize hashes it": (
        "components: [comp]\n" + OWN_CONFIG_MAP,
        COMPONENT + "patches:\n  - patch: |\n      {apiVersion: v1, kind: ConfigMap, metadata: {name: cfg-a}, data: {a: '5'}}\n",
        DEFAULT_NS,
        {("ConfigMap", "default", "cfg-a-cf687fd65c"): {"a": "5"}},
    ),
    "a Flux Kustomization's spec.components patch the generated ConfigMap of its spec.path": (
        OWN_CONFIG_MAP,
        COMPONENT + JSON_PATCH,
        DEFAULT_NS + "  components: [./comp]\n",
        {("ConfigMap", "default", "cfg-a-cf687fd65c"): {"a": "5"}},
    ),
    "a Component's replace generator without the hash takes the hash off the generated Secret": (
        "components: [comp]\n" + OWN_SECRET,
        COMPONENT + "secretGenerator:\n  - name: sec-a\n    behavior: replace\n    literals: [b=2]\n"
        "    options: {disableNameSuffixHash: true}\n",
        DEFAULT_NS,
        {("Secret", "default", "sec-a"): ["b"]},
    ),
    "a Flux Kustomization's spec.components merge into the generated Secret without the hash": (
        OWN_SECRET,
        COMPONENT + "generatorOptions: {disableNameSuffixHash: true}\n"
        "secretGenerator:\n  - name: sec-a\n    behavior: merge\n    literals: [b=2]\n",
        DEFAULT_NS + "  components: [./comp]\n",
        {("Secret", "default", "sec-a"): ["a", "b"]},
    ),
    "a Component's nameSuffix goes before the hash of the generated ConfigMap": (
        "components: [comp]\n" + OWN_CONFIG_MAP,
        COMPONENT + "nameSuffix: -x\n",
        DEFAULT_NS,
        {("ConfigMap", "default", "cfg-a-x-h29d89cmmt"): {"a": "1"}, ("Deployment", "default", "app-a-x"): None},
    ),
    "a Component's namespace moves the generated ConfigMap": (
        "components: [comp]\n" + OWN_CONFIG_MAP,
        COMPONENT + "namespace: ns-a\n",
        "",
        {("ConfigMap", "ns-a", "cfg-a-h29d89cmmt"): {"a": "1"}, ("Deployment", "ns-a", "app-a"): None},
    ),
}


def flux(spec: str) -> str:
    return (
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./app\n  prune: true\n"
        f"  sourceRef: {{kind: GitRepository, name: flux-system}}\n{spec}"
    )


def write(root: Path, own: str, component: str, spec: str) -> None:
    files = {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/apps.yaml": flux(spec),
        "app/kustomization.yaml": "resources: [deployment.yaml]\n" + own,
        "app/deployment.yaml": DEPLOYMENT,
        "app/comp/kustomization.yaml": component,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def shown(kind: str, data: Any) -> Any:
    """What a case compares of an object: a ConfigMap's data, a Secret's keys, nothing else."""
    if kind == "ConfigMap":
        return data.get("data")
    if kind == "Secret":
        return sorted(data.get("data") or {})
    return None


def applied(root: Path) -> dict[Key, Any]:
    """The objects the model's Flux Kustomization flux-system/apps applies."""
    repo = load_repo(root, Config(), use_cache=False)[0]
    (ks,) = [k for k in repo.flux.kustomizations if k.name == "apps"]
    return {(one.kind, one.namespace, one.name): shown(one.kind, one.obj.data) for one in ks.applied}


def kustomize(root: Path) -> dict[Key, Any]:
    """kubectl kustomize of spec.path, its kustomization edited as kustomize-controller edits it
    (a namespaced object without a namespace: kustomize-controller applies it in `default`)."""
    assert KUBECTL is not None
    spec = load_all((root / "clusters/main/apps.yaml").read_text())[0]["spec"]
    write_flux_kustomization(root / "app", flux_edits(spec))
    done = subprocess.run([KUBECTL, "kustomize", str(root / "app")], capture_output=True, text=True, timeout=120, check=True)
    return {
        (obj["kind"], obj["metadata"].get("namespace", "default"), obj["metadata"]["name"]): shown(obj["kind"], obj)
        for obj in load_all(done.stdout)
    }


@pytest.mark.parametrize("name", list(CASES))
def test_a_kustomizations_components_run_over_what_its_generators_make(repo, name):
    own, component, spec, expected = CASES[name]
    root = repo({})
    write(root, own, component, spec)
    built = {(kind, namespace or "default", obj_name): data for (kind, namespace, obj_name), data in applied(root).items()}
    for key, data in expected.items():
        assert built.get(key, "absent") == data, key
    if KUBECTL is not None:
        assert built == kustomize(root)


def test_a_reference_finds_the_generated_config_map_in_the_namespace_a_component_sets(repo, check_json):
    """The Component's namespace moves the generated ConfigMap with the Deployment that uses it:
    the Deployment finds it (no HL405)."""
    root = repo({})
    write(root, "components: [comp]\n" + OWN_CONFIG_MAP, COMPONENT + "namespace: ns-a\n", "")
    (root / "app/namespace.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n")
    kfile = root / "app/kustomization.yaml"
    kfile.write_text(kfile.read_text().replace("[deployment.yaml]", "[deployment.yaml, namespace.yaml]"))
    _, findings = check_json(root)
    assert [f for f in findings if f["rule"] in ("HL405", "HL108")] == []


def test_a_values_key_a_components_merge_adds_is_found(repo, check_json):
    """A HelmRelease of another Flux Kustomization reads key `b`, which a Flux Kustomization's
    spec.components merge into the Secret its spec.path generates, without the name hash: the
    Secret `sec-a` has keys a and b (no HL406, no HL401)."""
    root = repo({})
    write(
        root,
        OWN_CONFIG_MAP + OWN_SECRET,
        COMPONENT + "generatorOptions: {disableNameSuffixHash: true}\n"
        "secretGenerator:\n  - name: sec-a\n    behavior: merge\n    literals: [b=2]\n",
        DEFAULT_NS + "  components: [./comp]\n",
    )
    release = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: release-a, namespace: default}
spec:
  interval: 1h
  chart:
    spec:
      chart: chart-a
      version: 1.0.0
      sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}
  valuesFrom:
    - {kind: Secret, name: sec-a, valuesKey: b}
"""
    charts = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: charts, namespace: flux-system}\nspec:\n  interval: 1h\n  url: https://charts.example.com\n"
    (root / "release").mkdir()
    (root / "release/release.yaml").write_text(release)
    (root / "clusters/main/charts.yaml").write_text(charts)
    other = flux("").replace("name: apps", "name: release").replace("path: ./app", "path: ./release")
    (root / "clusters/main/release.yaml").write_text(other)
    _, findings = check_json(root)
    assert [f for f in findings if f["rule"] in ("HL401", "HL405", "HL406")] == []
