"""A kustomization's `labels:` entry with `fields` runs kustomize's LabelTransformer with those
fieldSpecs, then metadata/labels (api/internal/target/kusttarget_configplugin.go): each pair is set
as a key of the map at each fieldSpec's path, on the objects its group, version and kind select
(api/filters/labels, api/filters/fieldspec). The model applies the fieldSpecs it can apply exactly,
so a child Flux Kustomization's spec.postBuild.substitute written this way is known; one it cannot
(a path through a list, a path holding `${`) leaves that field unknown. Each build case states
what kustomize 5.8.1 gives; where kubectl is installed the model's whole build is compared with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from homelint.cli import main

from .conftest import flux_root
from .test_flux_edits import KUBECTL, Key, applied, dig, kustomize, write

CHILD = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app-a, namespace: flux-system}
spec:
  interval: 1h
  path: ./app-a
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  nullable:
  list:
    - {a: "1"}
"""
CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\ndata: {k: v}\n"
OBJECTS = CHILD + "---\n" + CONFIG_MAP
KS: Key = ("Kustomization", "flux-system", "app-a")
CM: Key = ("ConfigMap", "ns-a", "cm-a")
SUBSTITUTE = ("spec", "postBuild", "substitute")
FLUX_KS_SPEC = "{group: kustomize.toolkit.fluxcd.io, version: v1, kind: Kustomization, "


def labels(pairs: str, *fields: str) -> str:
    listed = "".join(f"      - {one}\n" for one in fields)
    return f"labels:\n  - pairs: {pairs}\n    fields:\n{listed}resources: [objects.yaml]\n"


# name -> (kustomization, {object: {field path: value kustomize gives (None: absent)}})
CASES: dict[str, tuple[str, dict[Key, dict[tuple[str, ...], Any]]]] = {
    "a fieldSpec of the Flux Kustomization kind makes its postBuild.substitute": (
        labels("{zone: zone-a}", FLUX_KS_SPEC + "path: spec/postBuild/substitute, create: true}"),
        {
            KS: {SUBSTITUTE: {"zone": "zone-a"}, ("metadata", "labels"): {"zone": "zone-a"}},
            CM: {("spec",): None, ("metadata", "labels"): {"zone": "zone-a"}},
        },
    ),
    "a version the object is not of selects nothing": (
        labels("{zone: zone-a}", "{group: kustomize.toolkit.fluxcd.io, version: v1beta2, path: spec/postBuild/substitute, create: true}"),
        {KS: {("spec", "postBuild"): None, ("metadata", "labels"): {"zone": "zone-a"}}},
    ),
    "without create a missing map is not made, a null one neither": (
        labels("{zone: zone-a}", "{path: spec/postBuild/substitute}", "{path: spec/nullable}"),
        {KS: {("spec", "postBuild"): None, ("spec", "nullable"): None}},
    ),
    "with create a null map is made; without a kind every object takes it": (
        labels("{zone: zone-a}", "{path: spec/nullable/inner, create: true}"),
        {KS: {("spec", "nullable"): {"inner": {"zone": "zone-a"}}}, CM: {("spec", "nullable"): {"inner": {"zone": "zone-a"}}}},
    ),
    "a metadata/labels fieldSpec of one kind takes the default's place": (
        labels("{zone: zone-a}", "{kind: ConfigMap, path: metadata/labels, create: true}"),
        {KS: {("metadata", "labels"): None}, CM: {("metadata", "labels"): {"zone": "zone-a"}}},
    ),
    "so it does with includeSelectors": (
        labels("{zone: zone-a}\n    includeSelectors: true", "{kind: ConfigMap, path: metadata/labels, create: true}"),
        {KS: {("metadata", "labels"): None}, CM: {("metadata", "labels"): {"zone": "zone-a"}}},
    ),
    "each key runs through every fieldSpec before the next key": (
        labels("{k2: v2, zone: zone-a}", "{kind: Kustomization, path: spec/zone/a, create: true}", "{kind: Kustomization, path: spec, create: true}"),
        {KS: {("spec", "zone"): "zone-a", ("spec", "k2"): "v2"}},
    ),
    "a value holding a placeholder is set as written": (
        labels("{zone: '${cluster_zone}'}", FLUX_KS_SPEC + "path: spec/postBuild/substitute, create: true}"),
        {KS: {SUBSTITUTE: {"zone": "${cluster_zone}"}}},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_label_fields_set_what_kustomize_sets(repo, name):
    own, expected = CASES[name]
    root = repo({})
    write(root, own, OBJECTS, "")
    built = applied(root)
    for key, fields in expected.items():
        for path, value in fields.items():
            assert dig(built[key], path) == value, (key, path)
    if KUBECTL is not None:
        assert built == kustomize(root)


APP_KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app-a
spec:
  interval: 1h
  path: ./apps/app-a/app
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  targetNamespace: ns-a
"""
APP_CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-a-config\ndata:\n  zone: ${zone}\n  other: ${missing}\n"


def tree(fields: str, app_ks: str = APP_KS) -> dict[str, str]:
    """Flux Kustomization apps builds apps/, whose kustomization labels its objects with
    zone: zone-a at metadata/labels and the `fields` given; app-a (from apps/) applies a ConfigMap
    that uses ${zone} and ${missing}."""
    return {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": (
            "namespace: flux-system\nresources:\n  - app-a/ks.yaml\n"
            "labels:\n  - pairs: {zone: zone-a}\n    fields:\n      - {path: metadata/labels, create: true}\n" + fields
        ),
        "apps/app-a/ks.yaml": app_ks,
        "apps/app-a/app/kustomization.yaml": "resources: [configmap.yaml]\n",
        "apps/app-a/app/configmap.yaml": APP_CM,
    }


INTO_POST_BUILD = f"      - {FLUX_KS_SPEC}path: spec/postBuild/substitute, create: true}}\n"


def undefined(check_json, root: Path) -> list[tuple[str, int, str, str]]:
    _, found = check_json(root, "--select", "HL201,HL205")
    return [(f["rule"], f["line"], f["severity"], f["message"].split(" ")[0]) for f in found]


def test_a_variable_a_label_writes_into_post_build_is_defined_and_strict_substitution_fails_on_others(repo, check_json):
    """kustomize writes zone: zone-a into app-a's spec.postBuild.substitute: Flux substitutes
    ${zone} and fails the build on ${missing} (strict substitution), as when app-a says it itself."""
    assert undefined(check_json, repo(tree(INTO_POST_BUILD))) == [("HL201", 7, "error", "${missing}")]
    written = APP_KS + "  postBuild:\n    substitute:\n      zone: zone-a\n"
    assert undefined(check_json, repo(tree("", written))) == [("HL201", 7, "error", "${missing}")]


def test_a_label_fieldspec_of_another_version_leaves_post_build_as_written(repo, check_json):
    """The fieldSpec selects v1beta2 Kustomizations: app-a (v1) keeps its own postBuild, which
    defines neither variable; the findings are those of the tree without the fieldSpec."""
    own = APP_KS + "  postBuild:\n    substitute:\n      other_var: x\n"
    other_version = INTO_POST_BUILD.replace("version: v1,", "version: v1beta2,")
    found = undefined(check_json, repo(tree(other_version, own)))
    assert found == [("HL201", 6, "error", "${zone}"), ("HL201", 7, "error", "${missing}")]
    assert found == undefined(check_json, repo(tree("", own)))


@pytest.mark.parametrize(
    "path",
    ["spec/postBuild/substituteFrom/x", "spec/postBuild/${key}", "spec/postBuild[]/substitute"],
    ids=["through-a-list", "placeholder", "list-marker"],
)
def test_a_label_fieldspec_the_model_cannot_apply_leaves_post_build_unknown(repo, check_json, path):
    """Through a list kustomize sets the key in every item; a `${` in the path becomes a key only
    Flux's substitution names: what postBuild holds is not known, so nothing is said."""
    own = APP_KS + "  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: vars-a}\n"
    assert undefined(check_json, repo(tree(f"      - {{kind: Kustomization, path: '{path}', create: true}}\n", own))) == []


def explained(root: Path, monkeypatch) -> dict[str, str]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["explain", "apps/app-a/app/configmap.yaml", "--format", "json"], catch_exceptions=False)
    (applied_at,) = json.loads(result.output)["objects"][0]["applied"]
    return {use["name"]: use["from"] for use in applied_at["uses"]}


def test_explain_reads_the_post_build_a_label_writes_and_says_when_it_is_not_known(repo, monkeypatch):
    uses = explained(repo(tree(INTO_POST_BUILD)), monkeypatch)
    assert uses == {
        "missing": "nothing: neither spec.postBuild.substitute nor a substituteFrom source of Kustomization flux-system/app-a defines it, and it has no default (${VAR:=default})",
        "zone": "spec.postBuild.substitute of Kustomization flux-system/app-a",
    }
    placeholder = "      - {kind: Kustomization, path: 'spec/postBuild/${key}', create: true}\n"
    uses = explained(repo(tree(placeholder)), monkeypatch)
    unknown = (
        "not known: a kustomize transformer homelint does not apply may set spec.postBuild of Kustomization flux-system/app-a"
    )
    assert uses == {"missing": unknown, "zone": unknown}
