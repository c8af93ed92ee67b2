"""Flux Kustomizations a flux-operator ResourceSet creates are followed as the model follows a
written one: flux-operator renders each `spec.resources` entry once per `spec.inputs` item
(`<< inputs.key >>`, internal/builder/resourceset.go) and applies the result. Only what is certain
is rendered (static inputs, plain `<< inputs.key >>` actions, an explicit namespace); any other
Kustomization entry is said once, in a note, and its folders are not judged."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import GOTK, flux_root

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{app}\n  namespace: default\ndata:\n  a: b\n"


def _resource_set(inputs: str, path: str = "./apps/<< inputs.app >>", extra: str = "") -> str:
    return (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSet\nmetadata:\n  name: set-a\n  namespace: flux-system\n"
        f"spec:\n{inputs}  resources:\n"
        "    - apiVersion: kustomize.toolkit.fluxcd.io/v1\n      kind: Kustomization\n      metadata:\n"
        f"        name: app-<< inputs.app >>\n        namespace: flux-system\n{extra}"
        f"      spec:\n        interval: 10m\n        path: {path}\n        prune: true\n"
        "        sourceRef: {kind: GitRepository, name: flux-system}\n"
    )


INPUTS = "  inputs:\n    - app: a\n    - app: b\n"


def _tree(resource_set: str, **more: str) -> dict[str, str]:
    files = {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/set.yaml": resource_set,
        "apps/a/kustomization.yaml": "resources:\n  - cm.yaml\n",
        "apps/a/cm.yaml": CM.format(app="a"),
        "apps/b/kustomization.yaml": "resources:\n  - cm.yaml\n  - missing.yaml\n",
        "apps/b/cm.yaml": CM.format(app="b"),
    }
    files.update(more)
    return files


def _rules(found: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((f["rule"], f["path"]) for f in found)


def _model(root: Any) -> Any:
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    repo, _ = load_repo(root, load_config(root), use_cache=False)
    return repo.flux


def test_each_input_renders_a_kustomization_whose_folder_is_built(repo, check_json):
    """Two inputs, two Kustomizations: both folders are applied (no HL104), and the build of the
    second fails on its missing resource (HL101), as kustomize-controller's would."""
    root = repo(_tree(_resource_set(INPUTS)))
    _, found = check_json(root)
    assert _rules(found) == [("HL101", "apps/b/kustomization.yaml")]
    labels = sorted(ks.label for ks in _model(root).kustomizations if ks.obj is not None and ks.obj.kind == "Kustomization")
    assert "Kustomization flux-system/app-a" in labels and "Kustomization flux-system/app-b" in labels


def test_a_literal_kustomization_renders_once(repo, check_json):
    """Without inputs, each resource is rendered once: the folder it names is built, the other is not."""
    root = repo(_tree(_resource_set("", path="./apps/b").replace("app-<< inputs.app >>", "app-b")))
    _, found = check_json(root)
    assert _rules(found) == [("HL101", "apps/b/kustomization.yaml"), ("HL104", "apps/a/kustomization.yaml")]


def test_a_finding_on_a_rendered_kustomization_points_at_its_resources_entry(repo, check_json):
    """Rendered Kustomizations whose path does not exist: HL103 at the ResourceSet's entry, naming
    each rendered path."""
    root = repo(_tree(_resource_set(INPUTS, path="./apps/<< inputs.app >>-typo")))
    _, found = check_json(root)
    (missing,) = [f for f in found if f["rule"] == "HL103"]
    assert (missing["path"], missing["line"]) == ("clusters/main/set.yaml", 11)
    assert "'./apps/a-typo'" in missing["message"] and "'./apps/b-typo'" in missing["message"]


@pytest.mark.parametrize(
    ("inputs", "path", "why"),
    [
        ("  inputsFrom:\n    - name: provider-a\n", "./apps/<< inputs.app >>", "spec.inputsFrom"),
        (INPUTS, "./apps/<< inputs.app | lower >>", "a template action other than << inputs.key >>"),
        (INPUTS, "./apps/<< inputs.other >>", "a template action other than << inputs.key >>"),
    ],
    ids=["providers", "function", "missing-key"],
)
def test_what_cannot_be_rendered_is_said_once_and_its_folders_are_not_judged(repo, check_json, inputs, path, why):
    """Inputs from providers, template functions and keys an input lacks: the Kustomization is not
    followed, a note says so, and nothing in the folders it may apply is judged: no HL101 inside,
    and no HL104 calling them dead code (its path, a glob of the template, may name them)."""
    root = repo(_tree(_resource_set(inputs, path=path)))
    _, found = check_json(root)
    assert not [f for f in found if f["rule"] in ("HL101", "HL104")]
    notes = _model(root).notes
    assert [n for n in notes if "ResourceSet flux-system/set-a" in n and why in n]


def test_a_kustomization_without_namespace_is_not_rendered(repo, check_json):
    """flux-operator applies what it renders as it is: without a namespace the model does not guess one."""
    root = repo(_tree(_resource_set(INPUTS).replace("        namespace: flux-system\n", "")))
    check_json(root)
    assert not [ks for ks in _model(root).kustomizations if ks.label.endswith("/app-a")]
    assert [n for n in _model(root).notes if "no metadata.namespace once rendered" in n]


def test_a_kustomization_the_reconcile_annotation_disables_is_not_created(repo, check_json):
    """flux-operator leaves out what it renders with fluxcd.controlplane.io/reconcile: disabled."""
    disabled = "        annotations: {fluxcd.controlplane.io/reconcile: disabled}\n"
    root = repo(_tree(_resource_set(INPUTS, extra=disabled)))
    _, found = check_json(root)
    assert not [f for f in found if f["rule"] == "HL101"]
    assert not [ks for ks in _model(root).kustomizations if ks.label.endswith("/app-b")]


@pytest.mark.parametrize(
    ("on_set", "on_entry", "built"),
    [(False, False, True), (True, False, False), (False, True, True)],
    ids=["substituted", "set-disables", "entry-annotation-ignored"],
)
def test_the_parents_substitution_runs_on_the_resource_set_as_it_says(repo, check_json, on_set, on_entry, built):
    """Flux substitutes the ResourceSet's text (an input `${ENV}`) before flux-operator renders it,
    unless the ResourceSet itself says kustomize.toolkit.fluxcd.io/substitute: disabled (fluxcd/pkg
    SubstituteVariables reads the object it substitutes); the same annotation on a resources entry
    is part of that text and changes nothing."""
    disabled = "  annotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n"
    entry = "        annotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n" if on_entry else ""
    resource_set = _resource_set("  inputs:\n    - app: ${ENV}\n", extra=entry)
    if on_set:
        resource_set = resource_set.replace(
            "  namespace: flux-system\nspec:", "  namespace: flux-system\n" + disabled + "spec:", 1
        )
    files = {
        "clusters/main/flux.yaml": flux_root("root", "./clusters/main/sets", "  postBuild:\n    substitute: {ENV: b}\n"),
        "clusters/main/sets/set.yaml": resource_set,
        "apps/b/kustomization.yaml": "resources:\n  - cm.yaml\n  - missing.yaml\n",
        "apps/b/cm.yaml": CM.format(app="b"),
    }
    _, found = check_json(repo(files))
    expected = [("HL101", "apps/b/kustomization.yaml")] if built else [("HL104", "apps/b/kustomization.yaml")]
    assert _rules(found) == expected


def test_a_kustomization_of_a_source_the_resource_set_creates_is_said_to_be_so(repo, check_json):
    """A ResourceSet that makes an OCIRepository per input and a Kustomization of it: the artifact's
    content is not modelled, and the note says where the source comes from instead of advising
    flux.local-sources (which cannot name it)."""
    oci = (
        "    - apiVersion: source.toolkit.fluxcd.io/v1\n      kind: OCIRepository\n      metadata:\n"
        "        name: art-<< inputs.app >>\n        namespace: flux-system\n"
        "      spec:\n        interval: 10m\n        url: oci://registry.example.com/<< inputs.app >>\n        ref: {tag: '1'}\n"
    )
    resource_set = _resource_set(INPUTS).replace("  resources:\n", "  resources:\n" + oci, 1)
    resource_set = resource_set.replace(
        "sourceRef: {kind: GitRepository, name: flux-system}", "sourceRef: {kind: OCIRepository, name: art-<< inputs.app >>}"
    )
    root = repo(_tree(resource_set))
    check_json(root)
    notes = _model(root).notes
    assert [n for n in notes if n.startswith("2 Flux Kustomization(s) build from sources that flux-operator ResourceSets create")]
    assert not [n for n in notes if "flux.local-sources" in n]
