"""References to a kustomize generator's name when the generated object's name carries a hash
(model/namerefs.py): only the fields kustomize's nameReference configuration knows, in the build
that generates the object, find it; HL401/HL405 report the others. Behaviour checked against
`kubectl kustomize` (kustomize v5.8.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from homelint.model.namerefs import split_path

from .conftest import FIXTURES

CASES = FIXTURES / "cases"
APP = "kubernetes/apps/default/echo/app"


def overlay(case: str) -> dict[str, str]:
    """The files of a case's bad side, by path."""
    root = CASES / case / "bad"
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file()}


def hl405(check_json, root: Path) -> list[str]:
    _, findings = check_json(root)
    return [f"{f['path']}:{f['line']}" for f in findings if f["rule"] == "HL405"]


VALUES_FROM = "HL405-generated-name-hash-not-rewritten"
SUBSTITUTE_FROM = "HL405-generated-substitute-from-name-hash"


def test_helmrelease_values_from_a_hashed_generator_is_reported(check_json, repo):
    root = repo(overlay(VALUES_FROM), base="rules/HL405/good")
    assert hl405(check_json, root) == [f"{APP}/helmrelease.yaml:14"]


def test_a_reference_to_the_hashed_name_itself_finds_the_generated_object(check_json, repo):
    files = overlay(VALUES_FROM)
    release = files[f"{APP}/helmrelease.yaml"]
    files[f"{APP}/helmrelease.yaml"] = release.replace("name: echo-values  # expect: HL405", "name: echo-values-dt79f5gthg")
    assert hl405(check_json, repo(files, base="rules/HL405/good")) == []


@pytest.mark.parametrize(
    "configuration",
    [
        "nameReference: 3\n",  # kustomize fails to decode it
        "- not a mapping\n",
        "nameReference:\n  - kind: ConfigMap\n    fieldSpecs: {path: spec/valuesFrom/name}\n",
    ],
    ids=["wrong-type", "not-a-mapping", "fieldspecs-not-a-list"],
)
def test_a_configurations_file_not_understood_here_says_nothing(check_json, repo, configuration):
    files = overlay(VALUES_FROM)
    files[f"{APP}/kustomization.yaml"] += "configurations:\n  - ./kustomizeconfig.yaml\n"
    files[f"{APP}/kustomizeconfig.yaml"] = configuration
    assert hl405(check_json, repo(files, base="rules/HL405/good")) == []


@pytest.mark.parametrize("entry", ["configurations:\n  - ./absent.yaml\n", "crds:\n  - ./crd-schema.json\n"])
def test_a_missing_configurations_file_or_crd_schemas_say_nothing(check_json, repo, entry):
    files = overlay(VALUES_FROM)
    files[f"{APP}/kustomization.yaml"] += entry
    assert hl405(check_json, repo(files, base="rules/HL405/good")) == []


@pytest.mark.parametrize(
    ("selector", "rewritten"),
    [
        ("kind: HelmRelease", True),
        ("kind: HelmRelease\n        group: helm.toolkit.fluxcd.io\n        version: v2", True),
        ("kind: HelmRelease\n        version: v2beta1", False),  # the HelmRelease is v2: not selected
        ("kind: Kustomization", False),
    ],
)
def test_a_name_reference_selects_the_referrer_by_group_version_and_kind(check_json, repo, selector, rewritten):
    files = overlay(VALUES_FROM)
    files[f"{APP}/kustomization.yaml"] += "configurations:\n  - ./kustomizeconfig.yaml\n"
    files[f"{APP}/kustomizeconfig.yaml"] = (
        f"nameReference:\n  - kind: ConfigMap\n    fieldSpecs:\n      - path: spec/valuesFrom[]/name\n        {selector}\n"
    )
    found = hl405(check_json, repo(files, base="rules/HL405/good"))
    assert found == ([] if rewritten else [f"{APP}/helmrelease.yaml:14"])


def test_a_configuration_in_a_component_of_the_build_rewrites_the_whole_build(check_json, repo):
    files = overlay(SUBSTITUTE_FROM)
    assert hl405(check_json, repo(files, base="rules/HL405/good")) == ["kubernetes/apps/default/echo/ks.yaml:24"]
    component = (FIXTURES / "rules/HL405/good/kubernetes/components/common/kustomization.yaml").read_text()
    files["kubernetes/components/common/kustomization.yaml"] = component + "configurations:\n  - ./kustomizeconfig.yaml\n"
    files["kubernetes/components/common/kustomizeconfig.yaml"] = (
        "nameReference:\n  - kind: ConfigMap\n    fieldSpecs:\n"
        "      - {kind: Kustomization, path: spec/postBuild/substituteFrom/name}\n"
    )
    assert hl405(check_json, repo(files, base="rules/HL405/good")) == []


@pytest.mark.parametrize(("options", "reported"), [("", True), ("    options:\n      disableNameSuffixHash: true\n", False)])
def test_an_overlay_merge_that_disables_the_hash_keeps_the_plain_name(check_json, repo, options, reported):
    files = overlay(VALUES_FROM)
    files[f"{APP}/base/kustomization.yaml"] = "configMapGenerator:\n  - name: echo-values\n    literals:\n      - replicas=2\n"
    own = files[f"{APP}/kustomization.yaml"].replace("  - name: echo-values\n    literals:\n      - replicas=2\n", "")
    files[f"{APP}/kustomization.yaml"] = (
        own.replace("resources:\n", "resources:\n  - ./base\n")
        + f"  - name: echo-values\n    behavior: merge\n    literals:\n      - replicas=3\n{options}"
    )
    found = hl405(check_json, repo(files, base="rules/HL405/good"))
    assert found == ([f"{APP}/helmrelease.yaml:14"] if reported else [])


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("spec/valuesFrom/name", ("spec", "valuesFrom", "name")),
        ("spec/containers[]/envFrom[]/configMapRef/name", ("spec", "containers", "envFrom", "configMapRef", "name")),
        (
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
            ("metadata", "annotations", "nginx.ingress.kubernetes.io/auth-secret"),
        ),
    ],
)
def test_field_spec_paths_split_as_kustomize_splits_them(path, segments):
    assert split_path(path) == segments
