"""HL401 for the Secrets a Flux source authenticates with: source-controller (GitRepository,
OCIRepository, HelmRepository, Bucket) and image-reflector-controller (ImageRepository) read
spec.secretRef, certSecretRef and proxySecretRef in the source's namespace, and a missing one
fails every fetch. The source a root Kustomization builds from is left out: flux bootstrap makes
its Secret outside Git."""

from __future__ import annotations

import pytest

from .conftest import flux_root

HELM_REPOSITORY = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts-a\n  namespace: ns-a\n"
    "spec:\n  interval: 1h\n  url: https://charts.invalid\n  {field}:\n    name: auth-a\n"
)
IMAGE_REPOSITORY = (
    "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata:\n  name: image-a\n  namespace: ns-a\n"
    "spec:\n  interval: 1h\n  image: registry.invalid/app-a\n  secretRef:\n    name: auth-a\n"
)
MADE = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: auth-a\n  namespace: ns-a\nstringData:\n  username: a\n"
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n"


def _hl401(check_json, repo, files: dict[str, str]) -> list[tuple[str, str]]:
    _, found = check_json(repo(files), "--select", "HL401")
    return [(f["severity"], f["message"].split(" in namespace")[0]) for f in found]


@pytest.mark.parametrize(
    ("source", "user"),
    [
        *(
            pytest.param(HELM_REPOSITORY.format(field=field), "HelmRepository charts-a", id=f"helmrepository-{field}")
            for field in ("secretRef", "certSecretRef", "proxySecretRef")
        ),
        pytest.param(IMAGE_REPOSITORY, "ImageRepository image-a", id="imagerepository-secretRef"),
    ],
)
def test_a_source_secret_nothing_makes_is_an_error_and_one_made_is_fine(check_json, repo, source, user):
    files = {"clusters/main/flux.yaml": flux_root("apps", "./apps"), "apps/ns.yaml": NAMESPACE, "apps/source.yaml": source}
    assert _hl401(check_json, repo, files) == [("error", f"{user} uses Secret 'auth-a'")]
    files["apps/secret.yaml"] = MADE
    assert _hl401(check_json, repo, files) == []


def test_the_secret_of_the_source_a_root_builds_from_is_left_to_bootstrap(check_json, repo):
    """gotk-sync.yaml's GitRepository names Secret flux-system, which flux bootstrap creates; a
    second GitRepository that the root applies is judged."""
    root = flux_root("apps", "./apps").replace("    branch: main\n", "    branch: main\n  secretRef:\n    name: flux-system\n", 1)
    other = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: repo-b\n  namespace: flux-system\n"
        "spec:\n  interval: 1h\n  url: https://example.invalid/b.git\n  ref:\n    branch: main\n  secretRef:\n    name: deploy-key-b\n"
    )
    files = {"clusters/main/flux.yaml": root, "apps/repo-b.yaml": other, "apps/ns.yaml": NAMESPACE}
    assert _hl401(check_json, repo, files) == [("error", "GitRepository repo-b uses Secret 'deploy-key-b'")]


VERIFIED_SOURCES = {
    "ocirepository": (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: chart-a\n  namespace: ns-a\n"
        "spec:\n  interval: 1h\n  url: oci://registry.invalid/chart-a\n  ref:\n    tag: 1.0.0\n"
        "  verify:\n    provider: cosign\n    secretRef:\n      name: auth-a\n",
        "OCIRepository chart-a",
    ),
    "gitrepository": (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: repo-a\n  namespace: ns-a\n"
        "spec:\n  interval: 1h\n  url: https://example.invalid/a.git\n  ref:\n    branch: main\n"
        "  verify:\n    mode: HEAD\n    secretRef:\n      name: auth-a\n",
        "GitRepository repo-a",
    ),
}


@pytest.mark.parametrize("kind", sorted(VERIFIED_SOURCES))
def test_a_verification_key_nothing_makes_is_an_error(check_json, repo, kind):
    """source-controller reads spec.verify.secretRef in the source's namespace (verifySignature);
    without it verification fails and the source serves no artifact."""
    source, user = VERIFIED_SOURCES[kind]
    files = {"clusters/main/flux.yaml": flux_root("apps", "./apps"), "apps/ns.yaml": NAMESPACE, "apps/source.yaml": source}
    assert _hl401(check_json, repo, files) == [("error", f"{user} uses Secret 'auth-a'")]
    files["apps/secret.yaml"] = MADE
    assert _hl401(check_json, repo, files) == []
