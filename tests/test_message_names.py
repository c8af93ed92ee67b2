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
