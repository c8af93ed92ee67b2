"""A Component a build lists twice runs twice (kustomize api/internal/target/kusttarget.go
accumulateComponents: once per listing, all of it): listed in a kustomization's `components:` and
in the Flux Kustomization's spec.components (kustomize-controller appends those), listed twice in
one kustomization, or included by two Components. Its resources are added again, its transformers
run over everything again (a namePrefix twice, a JSON6902 `add .../-` twice), and a generator of it
without behavior makes an object the first run made: kustomize stops with "merging from generator
... exists; can not use behavior: 'unspecified', behavior must be merge or replace" (HL108). Each
case is checked against `kubectl kustomize` of the kustomization as kustomize-controller writes it,
where kubectl is installed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from homelint.engine.runner import load_repo
from homelint.model.config import Config

from .conftest import GOTK, flux_ks
from .oracle import find_kubectl, flux_edits, load_all, write_flux_kustomization

KUBECTL = find_kubectl()

COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
GENERATOR = "configMapGenerator:\n  - name: cm-gen\n    literals: [a=1]\n"
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
          envFrom: [{configMapRef: {name: cm-a}}]
"""
CM_A = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {a: '1'}\n"
SIDECAR_PATCH = (
    "patches:\n  - target: {kind: Deployment}\n    patch: |-\n"
    "      - {op: add, path: /spec/template/spec/containers/-, value: {name: side, image: 'img-b:1'}}\n"
)


def app_repo(repo, own: str, spec: str = "", components: dict[str, str] | None = None) -> Path:
    """Flux Kustomization apps (spec lines `spec`, into namespace default) of app/, whose
    kustomization lists the Deployment and ConfigMap cm-a, then `own`; `components`: the
    kustomization of each folder under comps/."""
    files = {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/apps.yaml": flux_ks("apps", "./app", "  targetNamespace: default\n" + spec),
        "app/kustomization.yaml": "resources: [deployment.yaml, cm.yaml]\n" + own,
        "app/deployment.yaml": DEPLOYMENT,
        "app/cm.yaml": CM_A,
    }
    for name, text in (components or {}).items():
        files[f"comps/{name}/kustomization.yaml"] = text
    return repo(files)


def kustomize(root: Path) -> subprocess.CompletedProcess[str]:
    """kubectl kustomize of app/, its kustomization edited as kustomize-controller edits it."""
    assert KUBECTL is not None
    spec = load_all((root / "clusters/main/apps.yaml").read_text())[0]["spec"]
    write_flux_kustomization(root / "app", flux_edits(spec))
    return subprocess.run([KUBECTL, "kustomize", str(root / "app")], capture_output=True, text=True, timeout=60)


def applied(root: Path) -> dict[tuple[str, str], Any]:
    """(kind, name) -> the data of each object the model's Flux Kustomization apps applies."""
    repo = load_repo(root, Config(), use_cache=False)[0]
    (ks,) = [k for k in repo.flux.kustomizations if k.name == "apps"]
    return {(one.kind, one.name): one.obj.data for one in ks.applied}


def built(root: Path) -> dict[tuple[str, str], Any]:
    """(kind, name) -> each object kustomize builds."""
    done = kustomize(root)
    assert done.returncode == 0, done.stderr
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in load_all(done.stdout) if isinstance(obj, dict)}


def duplicates(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f["rule"] == "HL108"]


def test_a_generator_component_in_components_and_spec_components_fails_the_build(repo, check_json):
    """A Component with a configMapGenerator, listed in app/'s components: and in the Flux
    Kustomization's spec.components, runs twice: its second generator run fails the build.
    HL108 is reported at the spec.components entry, naming the other listing."""
    root = app_repo(repo, "components: [../comps/gen]\n", "  components: [../comps/gen]\n", {"gen": COMPONENT + GENERATOR})
    _, findings = check_json(root)
    (found,) = duplicates(findings)
    assert found["path"] == "clusters/main/apps.yaml"
    assert "Component comps/gen runs a second time in the build of Kustomization flux-system/apps" in found["message"]
    assert "components: of app/kustomization.yaml:2" in found["message"]
    assert "merging from generator ... exists" in found["message"]
    assert [f["rule"] for f in findings] == ["HL108"]  # the build fails: nothing else is judged
    if KUBECTL is not None:
        done = kustomize(root)
        assert done.returncode != 0 and "merging from generator" in done.stderr and "exists" in done.stderr


def test_a_generator_component_listed_twice_in_one_kustomization_fails_the_build(repo, check_json):
    """The second of two equal components: entries is reported, naming the first."""
    root = app_repo(repo, "components: [../comps/gen, ../comps/gen]\n", "", {"gen": COMPONENT + GENERATOR})
    _, findings = check_json(root)
    (found,) = duplicates(findings)
    assert (found["path"], found["line"], found["column"]) == ("app/kustomization.yaml", 2, 28)
    assert "components: of app/kustomization.yaml:2" in found["message"]
    if KUBECTL is not None:
        done = kustomize(root)
        assert done.returncode != 0 and "merging from generator" in done.stderr


def test_a_generator_component_two_components_include_fails_the_build(repo, check_json):
    """Components comp-a and comp-b both include comps/gen: it runs once for each. The entry of
    the second includer is reported."""
    components = {
        "comp-a": COMPONENT + "components: [../gen]\n",
        "comp-b": COMPONENT + "components: [../gen]\n",
        "gen": COMPONENT + GENERATOR,
    }
    root = app_repo(repo, "components: [../comps/comp-a, ../comps/comp-b]\n", "", components)
    _, findings = check_json(root)
    (found,) = duplicates(findings)
    assert found["path"] == "comps/comp-b/kustomization.yaml"
    assert "Component comps/gen runs a second time" in found["message"]
    assert "components: of comps/comp-a/kustomization.yaml:3" in found["message"]
    if KUBECTL is not None:
        done = kustomize(root)
        assert done.returncode != 0 and "merging from generator" in done.stderr


def test_a_generator_component_listed_once_passes(repo, check_json):
    """The same Component listed once builds (no HL108)."""
    root = app_repo(repo, "components: [../comps/gen]\n", "", {"gen": COMPONENT + GENERATOR})
    _, findings = check_json(root)
    assert duplicates(findings) == []
    if KUBECTL is not None:
        assert kustomize(root).returncode == 0


def test_a_merge_generator_component_listed_twice_merges_again(repo, check_json):
    """A generator with behavior: merge finds the object it merged into the first time: the build
    passes (no HL108, no HL114)."""
    own = "configMapGenerator:\n  - name: cm-gen\n    literals: [b=1]\ncomponents: [../comps/gen, ../comps/gen]\n"
    merge = COMPONENT + "configMapGenerator:\n  - name: cm-gen\n    behavior: merge\n    literals: [a=2]\n"
    root = app_repo(repo, own, "", {"gen": merge})
    _, findings = check_json(root)
    assert [f for f in findings if f["rule"] in ("HL108", "HL114")] == []
    if KUBECTL is not None:
        assert kustomize(root).returncode == 0


def test_a_name_prefix_component_listed_twice_prefixes_twice(repo, check_json):
    """kustomize gives every object the prefix twice (pre-pre-app-a), and rewrites the Deployment's
    reference to the ConfigMap alike (no HL405)."""
    root = app_repo(repo, "components: [../comps/pre, ../comps/pre]\n", "", {"pre": COMPONENT + "namePrefix: pre-\n"})
    _, findings = check_json(root)
    assert [f for f in findings if f["rule"] in ("HL108", "HL405")] == []
    model = applied(root)
    assert set(model) == {("Deployment", "pre-pre-app-a"), ("ConfigMap", "pre-pre-cm-a")}
    if KUBECTL is not None:
        assert set(built(root)) == set(model)


def test_a_json_patch_component_listed_twice_adds_twice(repo):
    """A JSON6902 `add` at containers/- runs once per run: two sidecars."""
    root = app_repo(repo, "components: [../comps/side]\n", "  components: [../comps/side]\n", {"side": COMPONENT + SIDECAR_PATCH})
    containers = applied(root)[("Deployment", "app-a")]["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["main", "side", "side"]
    if KUBECTL is not None:
        spec = built(root)[("Deployment", "app-a")]["spec"]
        assert [c["name"] for c in spec["template"]["spec"]["containers"]] == ["main", "side", "side"]


def test_components_included_in_many_diamonds_leave_the_build_unknown(repo, check_json):
    """Components that include one another in diamonds (each level including the next twice) run
    an exponential number of times in kustomize; the model runs a bounded number of them and
    leaves the build's objects unknown past it: no finding is made up about them."""
    components = {}
    for level in range(12):
        components[f"c{level}"] = COMPONENT + f"components: [../d{level}, ../e{level}]\n"
        components[f"d{level}"] = COMPONENT + f"components: [../c{level + 1}]\n"
        components[f"e{level}"] = COMPONENT + f"components: [../c{level + 1}]\n"
    components["c12"] = COMPONENT + SIDECAR_PATCH
    root = app_repo(repo, "components: [../comps/c0]\n", "", components)
    _, findings = check_json(root)
    assert [f["rule"] for f in findings] == []
    repo_model = load_repo(root, Config(), use_cache=False)[0]
    (ks,) = [k for k in repo_model.flux.kustomizations if k.name == "apps"]
    assert all(one.unread for one in ks.applied)
