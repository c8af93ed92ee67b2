"""kustomize `replacements:` as the Flux model runs them (model/replacements.py), case by case
against kubectl kustomize v5.8.1: options.delimiter/index on the source and the target, creating
fields through list selectors, `*`, and the target fields kustomize fails on. Each case states what
kustomize gives; where kubectl is installed, the model's whole build is compared with kustomize's."""

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

OBJECTS = """apiVersion: v1
kind: ConfigMap
metadata: {name: src}
data: {v: 'val', tag: 'a:b:c', num: '7', empty: '', ref: 'ns-a/cm-real'}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-a}
spec:
  replicas: 1
  selector: {matchLabels: {app: app-a}}
  template:
    metadata: {labels: {app: app-a}}
    spec:
      containers:
        - name: main
          image: img:1.0
          envFrom: [{configMapRef: {name: x1}}, {secretRef: {name: s1}}]
        - name: side
          image: side:2.0
        - name: third
"""

CONTAINERS = ("spec", "template", "spec", "containers")


def one(field_path: str, *, src: str = "data.v", src_options: str = "", options: str = "") -> str:
    """A replacements: list of one replacement from ConfigMap src into Deployment app-a."""
    source_opts = f", options: {{{src_options}}}" if src_options else ""
    target_opts = f", options: {{{options}}}" if options else ""
    return (
        f"replacements:\n- source: {{kind: ConfigMap, name: src, fieldPath: {src}{source_opts}}}\n"
        f"  targets: [{{select: {{kind: Deployment}}, fieldPaths: ['{field_path}']{target_opts}}}]\n"
    )


# name -> (replacements, (field of Deployment app-a, value kustomize gives) or kustomize's error)
CASES: dict[str, tuple[str, tuple[tuple[Any, ...], Any] | str]] = {
    "target-delimiter-replaces-part": (
        one("spec.template.spec.containers.[name=main].image", options="delimiter: ':', index: 1"),
        ((*CONTAINERS, 0, "image"), "img:val"),
    ),
    "target-index-past-end-appends": (
        one("spec.template.spec.containers.[name=main].image", options="delimiter: ':', index: 5"),
        ((*CONTAINERS, 0, "image"), "img:1.0:val"),
    ),
    "target-negative-index-prepends": (
        one("spec.template.spec.containers.[name=side].image", options="delimiter: ':', index: -1"),
        ((*CONTAINERS, 1, "image"), "val:side:2.0"),
    ),
    "target-index-without-delimiter-is-ignored": (
        one("spec.template.spec.containers.[name=main].image", options="index: 1"),
        ((*CONTAINERS, 0, "image"), "val"),
    ),
    "target-empty-delimiter-is-none": (
        one("spec.template.spec.containers.[name=main].image", options="delimiter: '', index: 1"),
        ((*CONTAINERS, 0, "image"), "val"),
    ),
    "source-delimiter-takes-part": (
        one("spec.template.spec.containers.0.envFrom.0.configMapRef.name", src="data.ref", src_options="delimiter: /, index: 1"),
        ((*CONTAINERS, 0, "envFrom", 0, "configMapRef", "name"), "cm-real"),
    ),
    "source-and-target-delimiters": (
        one(
            "spec.template.spec.containers.[name=main].image",
            src="data.tag",
            src_options="delimiter: ':', index: 2",
            options="delimiter: ':', index: 0",
        ),
        ((*CONTAINERS, 0, "image"), "c:1.0"),
    ),
    "create-delimited-new-field": (
        one("metadata.annotations.note", options="create: true, delimiter: ':', index: 1"),
        (("metadata", "annotations", "note"), ":val"),
    ),
    "create-delimited-first-part": (
        one("spec.template.spec.containers.[name=third].image", options="create: true, delimiter: ':', index: 0"),
        ((*CONTAINERS, 2, "image"), "val"),
    ),
    "create-appends-item-for-unmatched-selector": (
        one("spec.template.spec.containers.[name=new].env.[name=E].value", options="create: true"),
        ((*CONTAINERS, 3), {"name": "new", "env": [{"name": "E", "value": "val"}]}),
    ),
    "create-makes-list-for-selector": (
        one("spec.template.spec.initContainers.[name=new].image", options="create: true"),
        (("spec", "template", "spec", "initContainers"), [{"name": "new", "image": "val"}]),
    ),
    "create-index-equal-to-length-appends": (
        one("spec.template.spec.containers.[name=main].envFrom.2.configMapRef.name", options="create: true"),
        ((*CONTAINERS, 0, "envFrom", 2), {"configMapRef": {"name": "val"}}),
    ),
    "create-index-zero-makes-list": (
        one("spec.template.spec.containers.[name=side].envFrom.0.configMapRef.name", options="create: true"),
        ((*CONTAINERS, 1, "envFrom"), [{"configMapRef": {"name": "val"}}]),
    ),
    "create-star-sets-every-item": (
        one("spec.template.spec.containers.*.image", options="create: true"),
        ((*CONTAINERS, 2, "image"), "val"),
    ),
    "star-skips-items-without-the-field": (
        one("spec.template.spec.containers.*.image"),
        ((*CONTAINERS, 2), {"name": "third"}),
    ),
    "selector-is-a-regex": (
        one("spec.template.spec.containers.[name=s.*].image"),
        ((*CONTAINERS, 1, "image"), "val"),
    ),
    "selector-value-may-hold-equals-signs-and-colons": (
        one("spec.template.spec.containers.[image=img:1.0].name"),
        ((*CONTAINERS, 0, "name"), "val"),
    ),
    "existing-scalar-keeps-its-type": (one("spec.replicas", src="data.num"), (("spec", "replicas"), 7)),
    "made-scalar-reads-as-yaml": (
        one("spec.template.spec.containers.[name=third].image", src="data.num", options="create: true"),
        ((*CONTAINERS, 2, "image"), 7),
    ),
    "empty-source-value": (
        one("spec.template.spec.containers.[name=main].image", src="data.empty"),
        ((*CONTAINERS, 0, "image"), ""),
    ),
    "create-map-from-map-source": (
        one("spec.template.metadata.annotations", src="data", options="create: true"),
        (
            ("spec", "template", "metadata", "annotations"),
            {"v": "val", "tag": "a:b:c", "num": "7", "empty": "", "ref": "ns-a/cm-real"},
        ),
    ),
    "missing-leaf-fails": (
        one("spec.template.metadata.labels.newkey"),
        'unable to find field "spec.template.metadata.labels.newkey" in replacement target',
    ),
    "missing-item-fails": (
        one("spec.template.spec.containers.[name=new].image"),
        'unable to find field "spec.template.spec.containers.[name=new].image" in replacement target',
    ),
    "index-past-end-fails": (
        one("spec.template.spec.containers.5.image"),
        'unable to find field "spec.template.spec.containers.5.image" in replacement target: '
        "index 5 specified but only 3 elements found",
    ),
    "star-without-any-field-fails": (
        one("spec.template.spec.containers.*.workingDir"),
        'unable to find field "spec.template.spec.containers.*.workingDir" in replacement target',
    ),
    "nested-key-in-selector-fails": (
        one("spec.template.spec.containers.[name=main].envFrom.[configMapRef.name=x1].configMapRef.name"),
        'unable to find field "spec.template.spec.containers.[name=main].envFrom.[configMapRef.name=x1].configMapRef.name"'
        " in replacement target",
    ),
    "create-index-past-length-fails": (
        one("spec.template.spec.containers.[name=side].envFrom.1.configMapRef.name", options="create: true"),
        'unable to find or create field "spec.template.spec.containers.[name=side].envFrom.1.configMapRef.name" '
        "in replacement target: index 1 specified but only 0 elements found",
    ),
    "create-star-on-missing-list-fails": (
        one("spec.template.spec.initContainers.*.image", options="create: true"),
        'unable to find or create field "spec.template.spec.initContainers.*.image" in replacement target: '
        "wrong node kind: expected SequenceNode but got MappingNode",
    ),
    "star-on-map-fails": (
        one("spec.template.metadata.labels.*"),
        'unable to find field "spec.template.metadata.labels.*" in replacement target: '
        "wrong node kind: expected SequenceNode but got MappingNode",
    ),
}

# kustomize fails on these too, but the model leaves the object uncertain instead of judging it
UNCERTAIN: dict[str, tuple[str, str]] = {
    "source-index-out-of-range": (
        one("spec.template.spec.containers.[name=main].image", src="data.tag", src_options="delimiter: ':', index: 3"),
        "options.index 3 is out of bounds for value a:b:c",
    ),
    "source-missing": (
        one("spec.template.spec.containers.[name=main].image", src="data.absent"),
        "fieldPath `data.absent` is missing for replacement source",
    ),
    "target-delimiter-on-map": (
        one("spec.template.metadata.labels", options="delimiter: ':', index: 1"),
        "delimiter option can only be used with scalar nodes",
    ),
}


def build(root: Path, folder: str = "app") -> Any:
    flux = load_repo(root, Config(), use_cache=False)[0].flux_model
    return flux.build(folder)


def as_built(out: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """The build's objects as kustomize prints them (the namespace written in)."""
    found = {}
    for index, (obj, ns) in enumerate(out.objects):
        data = dict(out.current(index))
        meta = dict(data.get("metadata") or {})
        if ns:
            meta["namespace"] = ns
        data["metadata"] = meta
        found[obj.kind, meta["name"]] = data
    return found


def dig(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def kustomize(folder: Path) -> tuple[dict[tuple[str, str], dict[str, Any]], str]:
    """kubectl kustomize of a folder: (objects by kind and name, error)."""
    assert KUBECTL is not None
    done = subprocess.run([KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, timeout=120, check=False)
    if done.returncode:
        return {}, done.stderr.strip().removeprefix("error: ")
    return {(o["kind"], o["metadata"]["name"]): o for o in load_all(done.stdout) if o}, ""


@pytest.mark.parametrize("name", sorted(CASES))
def test_replacement_cases(repo, name):
    replacements, expected = CASES[name]
    root = repo(
        {"app/kustomization.yaml": "namespace: ns-a\nresources: [objects.yaml]\n" + replacements, "app/objects.yaml": OBJECTS}
    )
    out = build(root)
    assert not out.unread
    if isinstance(expected, str):
        assert [f.reason for f in out.replacement_failures] == [expected]
        assert [(f.kind, f.name, f.namespace) for f in out.replacement_failures] == [("Deployment", "app-a", "ns-a")]
    else:
        assert out.replacement_failures == []
        path, value = expected
        assert dig(as_built(out)["Deployment", "app-a"], path) == value
    if KUBECTL is not None:
        objects, error = kustomize(root / "app")
        assert error.startswith(expected) if isinstance(expected, str) else as_built(out) == objects


@pytest.mark.parametrize("name", sorted(UNCERTAIN))
def test_replacement_failures_the_model_does_not_judge_leave_the_target_uncertain(repo, name):
    replacements, error = UNCERTAIN[name]
    root = repo({"app/kustomization.yaml": "resources: [objects.yaml]\n" + replacements, "app/objects.yaml": OBJECTS})
    out = build(root)
    assert out.replacement_failures == []
    assert [out.objects[i][0].kind for i in sorted(out.unread)] == ["Deployment"]
    if KUBECTL is not None:
        assert error in kustomize(root / "app")[1]


def test_a_target_without_field_paths_sets_the_name(repo):
    """kustomize's default target field path is metadata.name (as for the source)."""
    replacements = (
        "replacements:\n- source: {kind: ConfigMap, name: src, fieldPath: data.v}\n  targets: [{select: {kind: Deployment}}]\n"
    )
    root = repo({"app/kustomization.yaml": "resources: [objects.yaml]\n" + replacements, "app/objects.yaml": OBJECTS})
    out = build(root)
    assert sorted(as_built(out)) == [("ConfigMap", "src"), ("Deployment", "val")]
    assert not out.unread
    if KUBECTL is not None:
        assert as_built(out) == kustomize(root / "app")[0]


def test_a_target_without_select_is_not_judged(repo):
    """kustomize fails on it ('target must specify resources to select'), which is not judged here:
    every object it might have selected is uncertain."""
    replacements = "replacements:\n- source: {kind: ConfigMap, name: src, fieldPath: data.v}\n  targets: [{fieldPaths: [metadata.labels.x]}]\n"
    root = repo({"app/kustomization.yaml": "resources: [objects.yaml]\n" + replacements, "app/objects.yaml": OBJECTS})
    out = build(root)
    assert out.replacement_failures == []
    assert sorted(out.unread) == [0, 1]
    if KUBECTL is not None:
        assert kustomize(root / "app")[1] == "target must specify resources to select"


def test_a_field_a_label_transformer_sets_is_there_for_the_replacement(repo):
    """commonLabels runs before replacements (kustomize kusttarget.go): the label it sets is the
    replacement's target field, which is there (not a failure, nothing left unknown)."""
    root = repo(
        {
            "app/kustomization.yaml": "commonLabels: {team: a}\nresources: [objects.yaml]\n" + one("metadata.labels.team"),
            "app/objects.yaml": OBJECTS,
        }
    )
    out = build(root)
    assert out.replacement_failures == []
    assert sorted(out.unread) == []
    if KUBECTL is not None:
        assert kustomize(root / "app")[1] == ""


FLUX = (
    "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\n"
    "spec:\n  interval: 1h\n  path: ./app\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
)

WEB = """apiVersion: v1
kind: ConfigMap
metadata: {name: versions}
data: {web: '1.27.0', ref: 'ns-a/cm-real'}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-real}
data: {a: b}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-a}
spec:
  selector: {matchLabels: {app: app-a}}
  template:
    metadata: {labels: {app: app-a}}
    spec:
      containers:
        - name: main
          image: nginx:latest
          envFrom: [{configMapRef: {name: placeholder}}]
"""


def test_delimited_replacements_set_the_tag_and_the_config_map_name(repo, check_json):
    """A target's delimiter/index sets the image tag, a source's takes the ConfigMap's name out of
    `ns/name`: kustomize builds nginx:1.27.0 and configMapRef cm-real, so neither the 'latest' tag
    (HL503) nor the placeholder ConfigMap (HL405) is applied."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": FLUX,
            "app/kustomization.yaml": "namespace: ns-a\nresources: [objects.yaml]\nreplacements:\n"
            "  - source: {kind: ConfigMap, name: versions, fieldPath: data.web}\n"
            "    targets:\n      - select: {kind: Deployment, name: app-a}\n"
            "        fieldPaths: ['spec.template.spec.containers.[name=main].image']\n"
            "        options: {delimiter: ':', index: 1}\n"
            "  - source: {kind: ConfigMap, name: versions, fieldPath: data.ref, options: {delimiter: '/', index: 1}}\n"
            "    targets:\n      - select: {kind: Deployment, name: app-a}\n"
            "        fieldPaths: ['spec.template.spec.containers.[name=main].envFrom.0.configMapRef.name']\n",
            "app/objects.yaml": WEB,
        }
    )
    _, findings = check_json(root)
    assert [(f["rule"], f["message"]) for f in findings if f["rule"] in ("HL405", "HL503")] == []


MISSING = (
    "replacements:\n  - source: {kind: ConfigMap, name: src, fieldPath: data.v}\n"
    "    targets:\n      - select: {kind: ConfigMap, name: cm-a}\n        fieldPaths: [metadata.labels.absent]\n"
)
TWO_MAPS = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {a: b}\n---\n"
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: src}\ndata: {v: x}\n"
)


def test_a_replacement_target_field_that_is_not_there_fails_the_build(repo, check_json):
    """Without options.create, kustomize fails the build on a target field path that reaches
    nothing ('unable to find field ... in replacement target'): HL114 at the field path, and the
    build counts as failing (no HL110 for the namespace its objects lack: nothing is applied)."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": FLUX,
            "app/kustomization.yaml": "resources: [objects.yaml]\n" + MISSING,
            "app/objects.yaml": TWO_MAPS,
        }
    )
    _, findings = check_json(root)
    found = [(f["rule"], f["path"], f["line"]) for f in findings if f["severity"] != "info"]
    assert found == [("HL114", "app/kustomization.yaml", 6)]
    (finding,) = [f for f in findings if f["rule"] == "HL114"]
    assert "ConfigMap cm-a (app/objects.yaml)" in finding["message"]
    assert 'unable to find field "metadata.labels.absent" in replacement target' in finding["message"]
    assert "Kustomization flux-system/apps fails" in finding["message"]
    if KUBECTL is not None:
        assert "unable to find field" in kustomize(root / "app")[1]


def test_a_failing_replacement_in_a_path_file_is_reported_there(repo, check_json):
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": FLUX,
            "app/kustomization.yaml": "namespace: ns-a\nresources: [objects.yaml]\nreplacements:\n  - path: repl.yaml\n",
            "app/repl.yaml": "- source: {kind: ConfigMap, name: src, fieldPath: data.v}\n  targets:\n"
            "    - select: {kind: ConfigMap, name: cm-a}\n      fieldPaths: [data.a, data.absent]\n",
            "app/objects.yaml": TWO_MAPS,
        }
    )
    _, findings = check_json(root)
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in findings if f["rule"] == "HL114"] == [
        ("HL114", "app/repl.yaml", 4, 28)
    ]


@pytest.mark.parametrize(
    ("flux_extra", "fails"),
    [
        (
            "  patches:\n    - target: {kind: ConfigMap}\n      patch: |\n        - {op: add, path: /metadata/labels, value: {absent: 'no'}}\n",
            False,
        ),
        ("  commonMetadata:\n    labels: {absent: 'yes'}\n", True),
    ],
    ids=["spec.patches", "spec.commonMetadata"],
)
def test_flux_patches_run_before_the_replacements_and_common_metadata_after_the_build(repo, check_json, flux_extra, fails):
    """kustomize-controller appends spec.patches to the `patches:` of the kustomization at
    spec.path: they run before its replacements and here make the field. spec.commonMetadata is
    not written there: the controller sets it when it applies the built objects, so the field is
    missing for the replacement and the build fails (checked with kubectl kustomize of the
    kustomization as the controller writes it)."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": FLUX.replace("  prune: true\n", "  prune: true\n  targetNamespace: ns-a\n" + flux_extra),
            "app/kustomization.yaml": "resources: [objects.yaml]\n" + MISSING,
            "app/objects.yaml": TWO_MAPS,
        }
    )
    _, findings = check_json(root)
    found = [(f["path"], f["line"]) for f in findings if f["rule"] == "HL114"]
    assert found == ([("app/kustomization.yaml", 6)] if fails else [])
    if KUBECTL is not None:
        spec = load_all((root / "clusters/main/apps.yaml").read_text())[0]["spec"]
        write_flux_kustomization(root / "app", flux_edits(spec))
        assert ("unable to find field" in kustomize(root / "app")[1]) is fails


def source(selector: str, head: str = "") -> str:
    """A kustomization over objects.yaml (ConfigMap src, Deployment app-a) with `head` lines and one
    replacement whose source is `selector`."""
    return (
        f"{head}resources: [objects.yaml]\nreplacements:\n- source: {{{selector}, fieldPath: data.v}}\n"
        "  targets: [{select: {kind: Deployment}, fieldPaths: [metadata.labels.v], options: {create: true}}]\n"
    )


# name -> (kustomization, whether the model records the failure, whether kustomize fails with
# 'nothing selected by ...')
SOURCES: dict[str, tuple[str, bool, bool]] = {
    "a name no object has": (source("kind: ConfigMap, name: absent"), True, True),
    "a kind no object has": (source("kind: Secret, name: src"), True, True),
    "a namespace the object never had": (source("kind: ConfigMap, name: src, namespace: ns-b"), True, True),
    "the name before namePrefix": (source("kind: ConfigMap, name: src", "namePrefix: p-\n"), False, False),
    "the namespace before namespace:": (
        source("kind: ConfigMap, name: src, namespace: default", "namespace: ns-a\n"),
        False,
        False,
    ),
    "the namespace after namespace:": (source("kind: ConfigMap, name: src, namespace: ns-a", "namespace: ns-a\n"), False, False),
    "no kind: not judged": (source("name: absent"), False, True),
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_a_replacement_source_that_selects_nothing_fails_the_build(repo, name):
    """kustomize's selectSourceNode matches each id an object had in the build (utils.MakeResIds);
    with none, the build fails. The model says so only where the source names a kind and the build
    holds every object of it."""
    kustomization, recorded, fails = SOURCES[name]
    root = repo({"app/kustomization.yaml": kustomization, "app/objects.yaml": OBJECTS})
    out = build(root)
    assert [f.reason.startswith("nothing selected by") for f in out.replacement_failures] == ([True] if recorded else [])
    if KUBECTL is not None:
        assert ("nothing selected by" in kustomize(root / "app")[1]) is fails


def test_a_replacement_source_in_a_build_with_a_remote_base_is_not_judged(repo):
    remote = source("kind: ConfigMap, name: absent").replace("[objects.yaml]", "[objects.yaml, 'https://example.invalid/base']")
    out = build(repo({"app/kustomization.yaml": remote, "app/objects.yaml": OBJECTS}))
    assert out.replacement_failures == []


def test_a_replacement_source_that_selects_nothing_is_reported_at_the_source(repo, check_json):
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": FLUX,
            "app/kustomization.yaml": "namespace: ns-a\n" + source("kind: ConfigMap, name: absent"),
            "app/objects.yaml": TWO_MAPS,
        }
    )
    _, findings = check_json(root)
    assert [(f["rule"], f["path"], f["line"]) for f in findings if f["severity"] != "info"] == [
        ("HL114", "app/kustomization.yaml", 4)
    ]
    (finding,) = [f for f in findings if f["rule"] == "HL114"]
    assert "nothing selected by kind=ConfigMap, name=absent" in finding["message"]
