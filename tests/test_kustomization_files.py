"""A folder's kustomization file as kustomize loads it: a folder holding more than one of
kustomization.yaml, kustomization.yml and Kustomization fails every build that loads it ("Found
multiple kustomization files under: DIR"), a Component whose kustomization does not parse fails
on the YAML (HL001), not on its kind, and a kustomization file that holds another object (a Flux
Kustomization) fails every build that reads the folder, though a kustomization may list the file
itself as a manifest. Checked against `kubectl kustomize` where it is installed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import GOTK, flux_ks
from .oracle import find_kubectl, flux_edits, load_all, write_flux_kustomization

KUBECTL = find_kubectl()

KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml]\n"
COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
CM_A = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {a: '1'}\n"  # no namespace: HL110 if built


def kustomize(root: Path, ks_file: str, folder: str) -> subprocess.CompletedProcess[str]:
    """kubectl kustomize of `folder`, its kustomization edited as kustomize-controller edits it
    for the Flux Kustomization in `ks_file`."""
    assert KUBECTL is not None
    spec = load_all((root / ks_file).read_text())[0]["spec"]
    write_flux_kustomization(root / folder, flux_edits(spec))
    return subprocess.run([KUBECTL, "kustomize", str(root / folder)], capture_output=True, text=True, timeout=60)


def rules(findings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(f["rule"], f["path"]) for f in findings]


@pytest.mark.parametrize("second", ["kustomization.yml", "Kustomization"])
def test_a_spec_path_with_two_kustomization_files_fails_the_build(repo, check_json, second):
    """HL101 at the file after kustomization.yaml; it is no unlisted manifest (no HL102), and the
    build counts as failing (no HL110 for the ConfigMap without a namespace it would apply)."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./app"),
            "app/kustomization.yaml": KUSTOMIZATION,
            f"app/{second}": KUSTOMIZATION,
            "app/cm.yaml": CM_A,
        }
    )
    _, findings = check_json(root)
    assert rules(findings) == [("HL101", f"app/{second}")]
    message = findings[0]["message"]
    assert f"app holds kustomization.yaml and {second}" in message
    assert "'Found multiple kustomization files under: app'" in message
    assert "the build of Kustomization flux-system/apps fails" in message
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert done.returncode != 0 and "Found multiple kustomization files" in done.stderr


def test_a_component_folder_with_two_kustomization_files_fails_the_build(repo, check_json):
    """The Component folder a kustomization lists holds kustomization.yaml and Kustomization."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./app"),
            "app/kustomization.yaml": KUSTOMIZATION + "components: [../comp]\n",
            "app/cm.yaml": CM_A,
            "comp/kustomization.yaml": COMPONENT + "namePrefix: pre-\n",
            "comp/Kustomization": COMPONENT + "namePrefix: other-\n",
        }
    )
    _, findings = check_json(root)
    assert rules(findings) == [("HL101", "comp/Kustomization")]
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert done.returncode != 0 and "Found multiple kustomization files" in done.stderr


def test_a_subfolder_a_generated_kustomization_lists_with_two_kustomization_files(repo, check_json):
    """spec.path has no kustomization: the one Flux generates lists the subfolder, which kustomize
    cannot load."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./app", "  targetNamespace: default\n"),
            "app/sub/kustomization.yaml": KUSTOMIZATION,
            "app/sub/kustomization.yml": KUSTOMIZATION,
            "app/sub/cm.yaml": CM_A,
        }
    )
    _, findings = check_json(root)
    assert rules(findings) == [("HL101", "app/sub/kustomization.yml")]
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert done.returncode != 0 and "Found multiple kustomization files" in done.stderr


BROKEN_COMPONENT = COMPONENT + "resources: [cm.yaml\n"


@pytest.mark.parametrize("listed", ["components:", "spec.components"])
def test_a_component_whose_kustomization_does_not_parse_is_only_a_yaml_error(repo, check_json, listed):
    """HL001 says why the build fails; HL101 does not add that it is not a Component (its kind is
    not known)."""
    in_file = listed == "components:"
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks(
                "apps", "./app", "  targetNamespace: default\n" + ("" if in_file else "  components: [../comp]\n")
            ),
            "app/kustomization.yaml": KUSTOMIZATION + ("components: [../comp]\n" if in_file else ""),
            "app/cm.yaml": CM_A,
            "comp/kustomization.yaml": BROKEN_COMPONENT,
            "comp/cm.yaml": CM_A,
        }
    )
    _, findings = check_json(root)
    assert rules(findings) == [("HL001", "comp/kustomization.yaml")]
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert done.returncode != 0 and "invalid Kustomization: yaml" in done.stderr


@pytest.mark.parametrize(
    ("listing", "component", "said", "fix"),
    [
        ("resources:\n  - ../part\n", True, "expected kind != 'Component'", "list it under components:"),
        ("components:\n  - ../part\n", False, "expected kind 'Component'", "make its kustomization kind: Component"),
    ],
    ids=["component-under-resources", "kustomization-under-components"],
)
def test_a_folder_listed_as_the_other_kind_names_the_failure_and_its_fix(repo, check_json, listing, component, said, fix):
    """kustomize refuses a folder listed as the kind it is not; HL101 quotes kustomize and the
    fix says how to list or declare it (not "add the missing file")."""
    part = (COMPONENT + "resources:\n  - cm.yaml\n") if component else KUSTOMIZATION
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./app"),
            "app/kustomization.yaml": listing,
            "part/kustomization.yaml": part,
            "part/cm.yaml": CM_A,
        }
    )
    _, findings = check_json(root)
    (found,) = [f for f in findings if f["rule"] == "HL101"]
    assert said in found["message"] and fix in found["fix"]
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert done.returncode != 0 and said in done.stderr


FLUX_OBJECT = flux_ks("app-b", "./other")  # a Flux Kustomization, in a file named as a kustomization
CM_B = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b, namespace: ns-a}\ndata: {a: '1'}\n"
UNKNOWN_SPEC = 'invalid Kustomization: json: unknown field "spec"'


def refused_by_kustomize(done: subprocess.CompletedProcess[str], reason: str) -> bool:
    """Whether kubectl kustomize failed saying `reason` (each part; a nested error escapes quotes)."""
    said = done.stderr.replace("\\", "")
    return done.returncode != 0 and all(part in said for part in reason.split("; "))


def assert_refused(findings: list[dict[str, Any]], path: str, reason: str, builds: str) -> None:
    """The one finding: HL601 at the refused file, with kustomize's reason, the failing builds and
    the fix (no HL101 on a listing entry, no HL110 for what the failed build would apply)."""
    assert rules(findings) == [("HL601", path)]
    (found,) = findings
    assert f"('{reason}')" in found["message"] and builds in found["message"]
    assert found["fix"].startswith("rename the file (e.g. ks.yaml) so kustomize reads it as a manifest")


@pytest.mark.parametrize("name", ["kustomization.yaml", "kustomization.yml", "Kustomization"])
def test_a_flux_kustomization_in_a_kustomization_file_fails_the_generated_build(repo, check_json, name):
    """spec.path has no kustomization: the one Flux generates lists the subfolder holding a
    kustomization file, whatever it holds (fluxcd/pkg kustomize_generator.go), and kustomize
    refuses a Flux Kustomization there. The build fails: app-b is not applied (it would build a
    folder that is not there), nor is cm-a (it has no namespace)."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./app"),
            "app/cm.yaml": CM_A,
            f"app/sub/{name}": FLUX_OBJECT,
        }
    )
    _, findings = check_json(root)
    assert_refused(findings, f"app/sub/{name}", UNKNOWN_SPEC, "the build of Kustomization flux-system/apps fails")
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert refused_by_kustomize(done, UNKNOWN_SPEC)


def _sub_kustomization(content: str) -> dict[str, str]:
    """A root applying app/, whose subfolder sub/ has a kustomization file holding `content`."""
    return {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/apps.yaml": flux_ks("apps", "./app"),
        "app/cm.yaml": CM_A,
        "app/sub/kustomization.yaml": content,
    }


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (CM_B, 'invalid Kustomization: json: unknown field "data"'),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b}\n",
            "kind should be Kustomization or Component; apiVersion for ConfigMap should be kustomize.config.k8s.io/v1beta1",
        ),
        (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-b}\n",
            "apiVersion for Kustomization should be kustomize.config.k8s.io/v1beta1",
        ),
    ],
    ids=["configmap", "configmap-without-data", "flux-apiversion-without-spec"],
)
def test_another_object_in_a_kustomization_file_is_refused_with_kustomizes_reason(repo, check_json, content, reason):
    """kustomize decodes the file strictly (an unknown field first, in sorted order), then refuses
    its kind and apiVersion: the message quotes what kustomize says."""
    root = repo(_sub_kustomization(content))
    _, findings = check_json(root)
    assert_refused(findings, "app/sub/kustomization.yaml", reason, "the build of Kustomization flux-system/apps fails")
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert refused_by_kustomize(done, reason)


def test_entries_folded_into_kind_are_told_to_go_under_resources(repo, check_json):
    """`resources:` left out: YAML folds the entries indented under `kind: Kustomization` into its
    value, and kustomize refuses the kind. The fix is to list them, not to rename the file."""
    folded = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n  - ./cm.yaml\nnamespace: ns-a\n"
    root = repo(_sub_kustomization(folded))
    _, findings = check_json(root)
    (found,) = findings
    assert found["message"].startswith("the file kustomization.yaml holds kind 'Kustomization - ./cm.yaml' (kustomize")
    assert "('kind should be Kustomization or Component')" in found["message"]
    assert found["fix"] == (
        "the lines indented under kind: were read as part of its value (YAML folds them into one string): "
        "write kind: on a line of its own and the entries under resources:"
    )
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert refused_by_kustomize(done, "kind should be Kustomization or Component")


def test_a_spec_path_at_a_flux_kustomization_in_a_kustomization_file_applies_nothing(repo, check_json):
    """A Flux Kustomization's spec.path names the folder, and the root's generated kustomization
    lists it too: both builds fail, so neither applies app-b (no HL112: nothing applies it twice)."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./clusters/main/sub"),
            "clusters/main/sub/kustomization.yaml": FLUX_OBJECT,
            "other/cm.yaml": CM_B,
        }
    )
    _, findings = check_json(root)
    assert_refused(
        findings,
        "clusters/main/sub/kustomization.yaml",
        UNKNOWN_SPEC,
        "the builds of Kustomization flux-system/apps and 1 more fail",
    )
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "clusters/main/sub")
        assert refused_by_kustomize(done, UNKNOWN_SPEC)


@pytest.mark.parametrize(
    "listing", ["resources: [cm.yaml, ./sub]\n", "resources: [cm.yaml]\ncomponents: [./sub]\n"], ids=["resources", "components"]
)
def test_a_listed_folder_whose_kustomization_file_holds_a_flux_kustomization(repo, check_json, listing):
    """A kustomization lists the folder: it has a kustomization file, which kustomize refuses
    (HL601 at that file, not HL101 'has no kustomization.yaml' at the entry)."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./app"),
            "app/kustomization.yaml": listing,
            "app/cm.yaml": CM_A,
            "app/sub/kustomization.yaml": FLUX_OBJECT,
        }
    )
    _, findings = check_json(root)
    assert_refused(findings, "app/sub/kustomization.yaml", UNKNOWN_SPEC, "the build of Kustomization flux-system/apps fails")
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert refused_by_kustomize(done, UNKNOWN_SPEC)


def test_a_kustomization_listing_the_file_itself_applies_the_flux_kustomization(repo, check_json):
    """Listed by name, the file is read as manifests (kubectl kustomize builds it): the Flux
    Kustomization app-b is applied, and builds ./other (its ConfigMap without a namespace: HL110)."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./app"),
            "app/kustomization.yaml": "resources: [./sub/kustomization.yaml]\n",
            "app/sub/kustomization.yaml": FLUX_OBJECT,
            "other/cm.yaml": CM_A,
        }
    )
    _, findings = check_json(root)
    assert rules(findings) == [("HL110", "other/cm.yaml")]
    assert "Kustomization flux-system/app-b" in findings[0]["message"]
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert done.returncode == 0 and "name: app-b" in done.stdout


def test_a_kustomization_with_an_empty_kind_is_read_as_one(repo, check_json):
    """kustomize's FixKustomization reads `kind: ""` as Kustomization: its namespace: applies to
    cm-a (no HL110), and it is not refused."""
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./app"),
            "app/kustomization.yaml": 'kind: ""\nnamespace: ns-a\nresources: [cm.yaml]\n',
            "app/cm.yaml": CM_A,
        }
    )
    _, findings = check_json(root)
    assert rules(findings) == []
    if KUBECTL is not None:
        done = kustomize(root, "clusters/main/apps.yaml", "app")
        assert done.returncode == 0 and "namespace: ns-a" in done.stdout
