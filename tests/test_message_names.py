"""Messages name an object as the cluster gets it: after the substitution of the Flux
Kustomization that applies it (`ReplicationSource ${APP}` is `ReplicationSource app-a`)."""

from __future__ import annotations

from .conftest import flux_root

SOURCE = (
    "apiVersion: volsync.backube/v1alpha1\nkind: ReplicationSource\nmetadata:\n  name: ${APP}\n  namespace: ns-a\n"
    "spec:\n  sourcePVC: ${APP}\n  trigger: {schedule: '0 * * * *'}\n  restic:\n    repository: ${APP}-restic\n"
    "    copyMethod: Snapshot\n"
)


def test_a_substituted_object_name_is_shown_as_applied(check_json, repo):
    post_build = "  postBuild:\n    substitute:\n      APP: app-a\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", post_build),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/rs.yaml": SOURCE,
    }
    _, found = check_json(repo(files), "--select", "HL301,HL401")
    messages = sorted((f["rule"], f["message"].split(" in namespace")[0]) for f in found)
    assert messages == [
        ("HL301", "ReplicationSource app-a uses volume 'app-a'"),
        ("HL401", "ReplicationSource app-a uses Secret 'app-a-restic'"),
    ]


def test_a_name_made_of_a_secrets_variable_is_shown_as_written(check_json, repo):
    """A variable from a substituteFrom Secret is not printed, even in a name: the message keeps
    `${APP}` (the value 'hidden-value' is the Secret's)."""
    post_build = "  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: vars-a\n"
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vars-a\n  namespace: flux-system\nstringData:\n  APP: hidden-value\n"
    )
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", post_build),
        "clusters/main/vars.yaml": secret,
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/rs.yaml": SOURCE,
    }
    _, found = check_json(repo(files), "--select", "HL301,HL401")
    assert found and all(f["message"].startswith("ReplicationSource ${APP} ") for f in found)
    assert not any("hidden-value" in f["message"].split(" uses ")[0] for f in found)


def test_a_user_a_patch_renames_is_shown_by_its_new_name(check_json, repo):
    """A JSON6902 patch of the build renames the HelmRelease: the cluster has `app-a-renamed`,
    and the message says so (not the name in its file)."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app-a\n  namespace: flux-system\n"
        "spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: chart-a\n      version: 1.0.0\n"
        "      sourceRef: {kind: HelmRepository, name: repo-a}\n  valuesFrom:\n    - kind: ConfigMap\n      name: values-a\n"
    )
    helm_repo = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: repo-a\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://charts.invalid\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": (
            "resources:\n  - ./release.yaml\n  - ./repo.yaml\npatches:\n  - target: {kind: HelmRelease, name: app-a}\n"
            "    patch: |-\n      - op: replace\n        path: /metadata/name\n        value: app-a-renamed\n"
        ),
        "apps/release.yaml": release,
        "apps/repo.yaml": helm_repo,
    }
    _, found = check_json(repo(files), "--select", "HL405")
    assert [f["message"].split(" uses ")[0] for f in found] == ["HelmRelease app-a-renamed"]
