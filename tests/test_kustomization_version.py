"""HL601 on a kustomization file whose apiVersion does not fit its kind: kustomize refuses to read
it (api/types/kustomization.go FixKustomization then EnforceFields; the expectations below are
what `kubectl kustomize` v5.8.1 prints for each file)."""

from __future__ import annotations

import pytest

from .conftest import flux_root

KS = flux_root("app-a", "./apps/app-a", "  targetNamespace: ns-a\n")
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n"
V1BETA1 = "kustomize.config.k8s.io/v1beta1"
V1ALPHA1 = "kustomize.config.k8s.io/v1alpha1"


def tree(head: str, component_head: str = f"apiVersion: {V1ALPHA1}\nkind: Component\n") -> dict[str, str]:
    return {
        "clusters/c/sync.yaml": KS,
        "apps/ns-a.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/app-a/kustomization.yaml": head + "resources:\n  - cm.yaml\ncomponents:\n  - ../../components/c-a\n",
        "apps/app-a/cm.yaml": CM.format("cm-a"),
        "components/c-a/kustomization.yaml": component_head + "resources:\n  - cm.yaml\n",
        "components/c-a/cm.yaml": CM.format("cm-b"),
    }


def hl601(repo, check_json, files: dict[str, str]) -> list[tuple[str, int, str]]:
    _, findings = check_json(repo(files))
    return [(f["path"], f["line"], f["message"]) for f in findings if f["rule"] == "HL601"]


KUSTOMIZATION_WANTS = f"kustomization: apiVersion for Kustomization should be {V1BETA1} (kustomize fails to read the file)"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (f"apiVersion: {V1ALPHA1}\nkind: Kustomization\n", [KUSTOMIZATION_WANTS]),
        (f"apiVersion: {V1ALPHA1}\n", [KUSTOMIZATION_WANTS]),  # no kind: a Kustomization
        (f"apiVersion: {V1ALPHA1}\nkind: ''\n", [KUSTOMIZATION_WANTS]),  # an empty kind too
        ("apiVersion: kustomize.config.k8s.io/v1\nkind: Kustomization\n", [KUSTOMIZATION_WANTS]),
        (f"apiVersion: {V1BETA1}\nkind: ''\n", []),
        ("kind: Kustomization\n", []),  # no apiVersion: kustomize fills it in
        ("", []),
    ],
)
def test_a_kustomizations_api_version_is_judged_as_kustomize_does(repo, check_json, head, expected):
    found = hl601(repo, check_json, tree(head))
    assert [m for p, _, m in found if p == "apps/app-a/kustomization.yaml"] == expected
    assert all(line == 1 for p, line, _ in found if p == "apps/app-a/kustomization.yaml")


@pytest.mark.parametrize(
    ("component_head", "expected"),
    [
        (
            f"apiVersion: {V1BETA1}\nkind: Component\n",
            [f"kustomization: apiVersion for Component should be {V1ALPHA1} (kustomize fails to read the file)"],
        ),
        ("kind: Component\n", []),
        (f"apiVersion: {V1ALPHA1}\nkind: Component\n", []),
    ],
)
def test_a_components_api_version_is_judged_as_kustomize_does(repo, check_json, component_head, expected):
    found = hl601(repo, check_json, tree(f"apiVersion: {V1BETA1}\nkind: Kustomization\n", component_head))
    assert [m for p, _, m in found if p == "components/c-a/kustomization.yaml"] == expected


def test_under_a_kustomization_whose_source_is_not_defined_it_is_held_as_hl101_is(repo, check_json):
    """The roots are guessed and the only Flux Kustomization over the folder names a source nothing
    defines: kustomize-controller builds nothing of it yet. Its HL101 is held as a warning that
    says so; the unreadable apiVersion of the same kustomization is judged the same way."""
    files = tree(f"apiVersion: {V1ALPHA1}\nkind: Kustomization\n")
    files["clusters/c/sync.yaml"] = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-a\n  namespace: flux-system\n"
        "spec:\n  interval: 1h\n  path: ./apps/app-a\n  prune: true\n  targetNamespace: ns-a\n"
        "  sourceRef: {kind: GitRepository, name: repo-a}\n"
    )
    _, findings = check_json(repo(files))
    (held,) = [f for f in findings if f["rule"] == "HL601" and f["path"] == "apps/app-a/kustomization.yaml"]
    assert held["severity"] == "warning"
    assert held["message"].startswith(KUSTOMIZATION_WANTS + "; Kustomization flux-system/app-a would build this file")
