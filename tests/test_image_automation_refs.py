"""HL107 for image automation: an ImageUpdateAutomation's spec.sourceRef names a GitRepository
(image-automation-controller: "referenced git repository does not exist") and an ImagePolicy's
spec.imageRepositoryRef an ImageRepository (image-reflector-controller: "referenced
ImageRepository does not exist"); either missing leaves the object not Ready, and no image is
updated."""

from __future__ import annotations

import pytest

from .conftest import flux_root

SYNC = flux_root("apps", "./apps")


def automation(source: str) -> str:
    return (
        "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageUpdateAutomation\nmetadata:\n  name: auto-a\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  sourceRef:\n    kind: GitRepository\n"
        f"    name: {source}\n  git:\n    commit:\n      author:\n        name: bot\n        email: bot@example.invalid\n"
        "  update:\n    path: ./apps\n    strategy: Setters\n"
    )


def image_repository(name: str, namespace: str = "flux-system") -> str:
    return (
        f"apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageRepository\nmetadata:\n  name: {name}\n"
        f"  namespace: {namespace}\nspec:\n  image: registry.invalid/{name}\n  interval: 1h\n"
    )


def policy(ref: str) -> str:
    return (
        "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata:\n  name: policy-a\n"
        f"  namespace: flux-system\nspec:\n  imageRepositoryRef:\n{ref}  policy:\n    semver:\n      range: 1.x\n"
    )


def hl107(repo, check_json, *documents: str) -> list[tuple[int, str, str]]:
    tree = {
        "clusters/c/sync.yaml": SYNC,
        "apps/kustomization.yaml": "resources:\n  - image.yaml\n",
        "apps/image.yaml": "---\n".join(documents),
    }
    _, findings = check_json(repo(tree), "--select", "HL107")
    return [(f["line"], f["severity"], f["message"]) for f in findings if f["path"] == "apps/image.yaml"]


def test_an_image_update_automation_needs_its_git_repository(repo, check_json):
    found = hl107(repo, check_json, automation("repo-b"))
    assert found == [(10, "error", "sourceRef names GitRepository 'flux-system/repo-b', which nothing in the repository defines")]


def test_the_bootstrap_git_repository_is_a_source(repo, check_json):
    assert hl107(repo, check_json, automation("flux-system")) == []


@pytest.mark.parametrize(
    ("ref", "repositories", "expected"),
    [
        ("    name: image-a\n", [image_repository("image-a")], None),
        ("    name: image-b\n", [image_repository("image-a")], "'flux-system/image-b'"),
        # a cross-namespace reference is looked up where it says
        ("    name: image-a\n    namespace: ns-a\n", [image_repository("image-a", "ns-a")], None),
        ("    name: image-a\n", [image_repository("image-a", "ns-a")], "'flux-system/image-a'"),
        ("    name: ${IMAGE}\n", [], None),  # a name read after substitution: not judged
    ],
)
def test_an_image_policy_needs_its_image_repository(repo, check_json, ref, repositories, expected):
    found = hl107(repo, check_json, policy(ref), *repositories)
    if expected is None:
        assert found == []
        return
    ((line, severity, message),) = found
    assert (line, severity) == (8, "error")
    assert message.startswith(f"imageRepositoryRef names ImageRepository {expected}, which nothing the repository")
    assert "the ImagePolicy is not Ready and selects no tag" in message
    if "ns-a" in repositories[0]:
        assert message.endswith("an ImageRepository of that name is in 'ns-a'")
