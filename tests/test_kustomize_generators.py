"""configMapGenerator and secretGenerator as kustomize (v5.8.1) runs them, where kustomize accepts
or refuses what homelint read otherwise. Each case is checked against `kubectl kustomize` when it
is installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .conftest import flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {a: '${DOMAIN}', b: 'x${EMPTY}'}\n"

APP = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app-a, namespace: flux-system}
spec:
  interval: 1h
  path: ./apps/app-a
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild:
    substituteFrom: [{kind: ConfigMap, name: settings}]
"""


def kustomize(root: Path, folder: str) -> subprocess.CompletedProcess[str] | None:
    """`kubectl kustomize` of a folder of the repository, when kubectl is installed."""
    if KUBECTL is None:
        return None
    return subprocess.run([KUBECTL, "kustomize", str(root / folder)], capture_output=True, text=True, timeout=60)


def messages(findings: list[dict[str, object]], rule: str) -> list[str]:
    return [str(f["message"]) for f in findings if f["rule"] == rule]


def test_an_env_file_line_without_equals_is_a_key_with_an_empty_value(repo, check_json):
    """`EMPTY` (no `=`) is a key of the ConfigMap substituteFrom reads: ${EMPTY} is defined (no HL201)."""
    root = repo(
        {
            "clusters/c/sync.yaml": flux_root("flux-system", "./clusters/c"),
            "clusters/c/app.yaml": APP,
            "clusters/c/kustomization.yaml": (
                "resources: [sync.yaml, app.yaml]\nconfigMapGenerator:\n  - {name: settings, namespace: flux-system, envs: [settings.env]}\n"
                "generatorOptions: {disableNameSuffixHash: true}\n"
            ),
            "clusters/c/settings.env": "DOMAIN=example.com\n  EMPTY\n",
            "apps/app-a/kustomization.yaml": "resources: [cm.yaml]\n",
            "apps/app-a/cm.yaml": CM,
        }
    )
    _, findings = check_json(root)
    assert messages(findings, "HL201") == []
    built = kustomize(root, "clusters/c")
    if built is not None:
        assert '  DOMAIN: example.com\n  EMPTY: ""\n' in built.stdout, built.stderr


def test_a_literal_yaml_reads_as_a_mapping_is_one_schema_error_and_no_key(repo, check_json):
    """`- values.yaml=replicaCount: 1` is a mapping, not a string: kustomize cannot read the file
    (HL601). Which keys the ConfigMap would have is not known, so no key is judged (no HL609 on a
    key made of the mapping's text, no HL406 for the key a HelmRelease reads)."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a}\nspec:\n  interval: 1h\n"
        "  chart: {spec: {chart: chart-a, sourceRef: {kind: HelmRepository, name: repo-a}}}\n"
        "  valuesFrom: [{kind: ConfigMap, name: values-a}]\n"
    )
    root = repo(
        {
            "clusters/c/sync.yaml": flux_root("apps", "./apps/app-a", "  targetNamespace: ns-a\n"),
            "apps/app-a/kustomization.yaml": (
                "resources: [hr.yaml]\nconfigMapGenerator:\n  - name: values-a\n    literals:\n"
                "      - values.yaml=replicaCount: 1\ngeneratorOptions: {disableNameSuffixHash: true}\n"
            ),
            "apps/app-a/hr.yaml": release,
        }
    )
    _, findings = check_json(root)
    assert messages(findings, "HL601") == ["kustomization: configMapGenerator.0.literals.0 must be a string, not a mapping"]
    assert messages(findings, "HL609") == messages(findings, "HL406") == []
    built = kustomize(root, "apps/app-a")
    if built is not None:
        assert built.returncode != 0 and "cannot unmarshal" in built.stderr, built.stderr


def test_an_unknown_behavior_is_create(repo, check_json):
    """kustomize reads a behavior it does not know as unspecified, which creates (no HL601)."""
    root = repo(
        {
            "clusters/c/sync.yaml": flux_root("app-a", "./apps/app-a"),
            "apps/app-a/kustomization.yaml": "configMapGenerator:\n  - {name: cm-a, namespace: ns-a, behavior: upsert, literals: [a=1]}\n",
        }
    )
    _, findings = check_json(root)
    assert messages(findings, "HL601") == []
    built = kustomize(root, "apps/app-a")
    if built is not None:
        assert built.returncode == 0 and "name: cm-a-" in built.stdout, built.stderr


def overlay_repo(repo, files: dict[str, str]) -> Path:
    """A Flux Kustomization of apps/app-a/overlay (into ns-a) and the given files."""
    return repo({"clusters/c/sync.yaml": flux_root("app-a", "./apps/app-a/overlay", "  targetNamespace: ns-a\n"), **files})


def base(namespace: str = "", name: str = "cm-a") -> str:
    """A base kustomization that generates ConfigMap `name` (in `namespace` when given)."""
    head = f"namespace: {namespace}\n" if namespace else ""
    return head + f"configMapGenerator:\n  - {{name: {name}, literals: [a=1]}}\n"


MERGE = "configMapGenerator:\n  - {name: cm-a, behavior: merge, literals: [b=2]}\n"


def test_a_merge_generator_without_an_object_to_merge_into_fails_the_build(repo, check_json):
    root = overlay_repo(
        repo,
        {
            "apps/app-a/base/kustomization.yaml": base(name="cm-b"),
            "apps/app-a/overlay/kustomization.yaml": "resources: [../base]\n" + MERGE,
        },
    )
    _, findings = check_json(root)
    assert [(f["path"], f["line"], f["message"]) for f in findings if f["rule"] == "HL114"] == [
        (
            "apps/app-a/overlay/kustomization.yaml",
            3,
            "ConfigMap generator 'cm-a' with behavior: merge finds no ConfigMap 'cm-a' in namespace default to merge "
            "into (none of that name and namespace, as written or as the build has it, comes before it): kustomize "
            "stops with 'id ... does not exist; cannot merge or replace', so the build of Kustomization "
            "flux-system/app-a fails and Flux applies none of its objects",
        )
    ]
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert "does not exist; cannot merge or replace" in built.stderr


def test_a_merge_generator_of_another_namespace_than_the_base_object_fails_the_build(repo, check_json):
    """The base object was written without a namespace and put in ns-b: an entry of ns-c matches neither."""
    root = overlay_repo(
        repo,
        {
            "apps/app-a/base/kustomization.yaml": base("ns-b"),
            "apps/app-a/overlay/kustomization.yaml": (
                "resources: [../base]\nconfigMapGenerator:\n  - {name: cm-a, namespace: ns-c, behavior: replace, literals: [b=2]}\n"
            ),
        },
    )
    _, findings = check_json(root)
    assert [f["message"].split(":")[0] for f in findings if f["rule"] == "HL114"] == ["ConfigMap generator 'cm-a' with behavior"]
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert "does not exist; cannot merge or replace" in built.stderr


def test_a_merge_generator_matching_two_objects_fails_the_build(repo, check_json):
    """Both base objects were written without a namespace: an entry without one matches both."""
    root = overlay_repo(
        repo,
        {
            "apps/app-a/base-b/kustomization.yaml": base("ns-b"),
            "apps/app-a/base-c/kustomization.yaml": base("ns-c"),
            "apps/app-a/overlay/kustomization.yaml": "resources: [../base-b, ../base-c]\n" + MERGE,
        },
    )
    _, findings = check_json(root)
    assert [f["message"].split(":")[0] for f in findings if f["rule"] == "HL114"] == ["ConfigMap generator 'cm-a' with behavior"]
    assert "finds 2 ConfigMaps 'cm-a' to merge into" in next(f["message"] for f in findings if f["rule"] == "HL114")
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert "found multiple objects" in built.stderr


def test_a_merge_generator_matches_the_namespace_an_object_was_written_with(repo, check_json):
    """kustomize matches any id the object had: the base's namespace: does not hide it from an entry without one."""
    root = overlay_repo(
        repo,
        {
            "apps/app-a/base/kustomization.yaml": base("ns-b"),
            "apps/app-a/overlay/kustomization.yaml": "resources: [../base]\n" + MERGE,
        },
    )
    _, findings = check_json(root)
    assert [f for f in findings if f["rule"] == "HL114"] == []
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert built.returncode == 0, built.stderr


def test_a_component_merges_into_the_generator_of_the_kustomization_including_it(repo, check_json):
    """kustomize runs a kustomization's generators before its Components: the object is there (no HL114)."""
    root = overlay_repo(
        repo,
        {
            "apps/app-a/overlay/kustomization.yaml": "components: [../comp]\n" + base(),
            "apps/app-a/comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n" + MERGE,
        },
    )
    _, findings = check_json(root)
    assert [f for f in findings if f["rule"] == "HL114"] == []
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert built.returncode == 0, built.stderr


def test_a_merge_generator_in_a_build_with_a_remote_base_is_not_judged(repo, check_json):
    root = overlay_repo(
        repo,
        {"apps/app-a/overlay/kustomization.yaml": "resources: [https://github.com/example/repo//base?ref=v1]\n" + MERGE},
    )
    _, findings = check_json(root)
    assert [f for f in findings if f["rule"] == "HL114"] == []


def test_a_generator_giving_a_key_twice_fails_the_build(repo, check_json):
    root = overlay_repo(
        repo,
        {
            "apps/app-a/overlay/kustomization.yaml": (
                "configMapGenerator:\n  - {name: cm-a, literals: [a=1, b=2, a=3]}\n"
                "secretGenerator:\n  - {name: secret-a, envs: [s.env], literals: [B=2]}\n"
                "  - {name: secret-b, envs: [s.env], literals: [C=2]}\n"
            ),
            "apps/app-a/overlay/s.env": "A=1\nB=2\n",
        },
    )
    _, findings = check_json(root)
    assert [(f["line"], f["message"].split(":")[0]) for f in findings if f["rule"] == "HL002"] == [
        (2, "ConfigMap generator 'cm-a' gives the key `a` more than once (its literals, files and env files together)"),
        (4, "Secret generator 'secret-a' gives the key `B` more than once (its literals, files and env files together)"),
    ]
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert "configmap cm-a illegally repeats the key `a`" in built.stderr


def test_a_file_source_and_a_literal_of_one_key_fail_the_build(repo, check_json):
    root = overlay_repo(
        repo,
        {
            "apps/app-a/overlay/kustomization.yaml": "configMapGenerator:\n  - {name: cm-a, files: [conf/a.txt], literals: [a.txt=x]}\n",
            "apps/app-a/overlay/conf/a.txt": "hello\n",
        },
    )
    _, findings = check_json(root)
    assert ["HL002" in f["rule"] and "`a.txt`" in f["message"] for f in findings if f["rule"] == "HL002"] == [True]
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert "illegally repeats the key `a.txt`" in built.stderr


GENERATOR_CONFIG = "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: cm-a}\nliterals: [a=1]\n"
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-a}\nspec:\n  selector: {matchLabels: {app: a}}\n"
    "  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n        - name: app\n"
    "          image: nginx:1.27.0@sha256:" + "0" * 64 + "\n          envFrom: [{configMapRef: {name: NAME}}]\n"
)


def test_a_generators_folder_makes_what_its_configurations_say(repo, check_json):
    """A `generators:` folder is built, and each builtin configuration in its build (with the
    namespace and prefix the build gives it) makes its object: the Deployment finds p-cm-a."""
    root = overlay_repo(
        repo,
        {
            "apps/app-a/overlay/kustomization.yaml": "resources: [deployment.yaml]\ngenerators: [../gens]\n",
            "apps/app-a/overlay/deployment.yaml": DEPLOYMENT.replace("NAME", "p-cm-a"),
            "apps/app-a/gens/kustomization.yaml": "namePrefix: p-\nresources: [gen.yaml]\n",
            "apps/app-a/gens/gen.yaml": GENERATOR_CONFIG,
        },
    )
    _, findings = check_json(root)
    assert [f["message"] for f in findings if f["rule"] in ("HL405", "HL102")] == []
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert "configMapRef:\n            name: p-cm-a-" in built.stdout, built.stderr


def test_a_merge_generator_runs_before_the_components_of_its_kustomization(repo, check_json):
    """The object a Component generates is not there yet when the kustomization's own generators run."""
    root = overlay_repo(
        repo,
        {
            "apps/app-a/overlay/kustomization.yaml": "components: [../comp]\n" + MERGE,
            "apps/app-a/comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n" + base(),
        },
    )
    _, findings = check_json(root)
    assert [f["message"].split(" to merge")[0] for f in findings if f["rule"] == "HL114"] == [
        "ConfigMap generator 'cm-a' with behavior: merge finds no ConfigMap 'cm-a' in namespace default"
    ]
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert "does not exist; cannot merge or replace" in built.stderr


def test_a_literal_that_is_not_key_equals_value_fails_the_build(repo, check_json):
    """`FLAG` and `=x` are no KEY=VALUE: kustomize stops ('invalid literal source FLAG, expected
    key=value'). HL601 names each; the build applies nothing, so what the generator would have made
    (its key `BA Z` the API server refuses: HL609) is not judged. `A==1` is key `A`, value `=1`."""
    root = overlay_repo(
        repo,
        {
            "apps/app-a/overlay/kustomization.yaml": "configMapGenerator:\n  - name: cm-a\n    literals: [FLAG, A==1, =x, BA Z=1]\n"
        },
    )
    _, findings = check_json(root)
    assert [(f["rule"], f["message"]) for f in findings] == [
        (
            "HL601",
            f"kustomization: configMapGenerator.0.literals.{i} must be KEY=VALUE with a key (kustomize fails on anything else: 'invalid literal source, expected key=value')",
        )
        for i in (0, 2)
    ]
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert "invalid literal source FLAG, expected key=value" in built.stderr


def test_literals_that_are_key_equals_value_build(repo, check_json):
    root = overlay_repo(
        repo, {"apps/app-a/overlay/kustomization.yaml": "configMapGenerator:\n  - {name: cm-a, literals: [A==1, B=]}\n"}
    )
    _, findings = check_json(root)
    assert [f["rule"] for f in findings] == []
    built = kustomize(root, "apps/app-a/overlay")
    if built is not None:
        assert '  A: =1\n  B: ""\n' in built.stdout, built.stderr
