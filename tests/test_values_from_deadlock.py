"""HL208: a HelmRelease's required valuesFrom source made only by Kustomizations that dependsOn the
Kustomization waiting for the release. helm-controller fails the release while the source is
missing ("could not find Secret"), the waiting Kustomization is never Ready, and the dependent that
would make the source is never applied: a new cluster deadlocks. Without the wait, the
Kustomization becomes Ready once it has applied the release, and nothing blocks."""

from __future__ import annotations

import pytest

from .conftest import flux_root

KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: {name}, namespace: flux-system}}
spec:
  interval: 1h
  path: ./apps/{name}
  prune: true
  targetNamespace: ns-a
  sourceRef: {{kind: GitRepository, name: flux-system}}
{extra}"""
RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: release-a}
spec:
  interval: 1h
  chart:
    spec: {chart: chart-a, version: 1.0.0, sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}}
  valuesFrom:
    - kind: Secret
      name: secret-a
      valuesKey: key-a
"""
EXTERNAL_SECRET = """apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: secret-a}
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: store-a}
  target: {name: secret-a}
  data: [{secretKey: key-a, remoteRef: {key: k}}]
"""


def tree(waits: str, depends: str = "  dependsOn: [{name: app-a}]\n", release: str = RELEASE) -> dict[str, str]:
    return {
        "clusters/main/flux.yaml": flux_root("cluster", "./clusters/main"),
        "clusters/main/apps.yaml": KS.format(name="app-a", extra=waits) + "---\n" + KS.format(name="app-b", extra=depends),
        "clusters/main/base.yaml": (
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n---\n"
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: charts, namespace: flux-system}\n"
            "spec: {interval: 1h, url: https://charts.example.invalid}\n---\n"
            "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {name: store-a}\n"
            "spec: {provider: {fake: {data: []}}}\n"
        ),
        "apps/app-a/release.yaml": release,
        "apps/app-b/secret.yaml": EXTERNAL_SECRET,
    }


def hl208(check_json, root) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in check_json(root)[1] if f["rule"] == "HL208"]


@pytest.mark.parametrize(
    ("waits", "depends", "reported"),
    [
        ("  wait: true\n", "  dependsOn: [{name: app-a}]\n", True),
        (
            "  healthChecks: [{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: release-a, namespace: ns-a}]\n",
            "  dependsOn: [{name: app-a}]\n",
            True,
        ),
        (
            "  healthChecks: [{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: other, namespace: ns-a}]\n",
            "  dependsOn: [{name: app-a}]\n",
            False,
        ),  # it waits for another object
        ("  wait: false\n", "  dependsOn: [{name: app-a}]\n", False),  # ready once applied: app-b runs
        ("  wait: true\n", "", False),  # app-b does not wait for app-a: it makes the Secret, the release retries
    ],
)
def test_a_release_whose_source_only_a_waiting_dependent_makes_deadlocks(check_json, repo, waits, depends, reported):
    found = hl208(check_json, repo(tree(waits, depends)))
    assert found == ([("apps/app-a/release.yaml", 10)] if reported else [])


def test_an_optional_source_does_not_block(check_json, repo):
    release = RELEASE.replace("      valuesKey: key-a\n", "      valuesKey: key-a\n      optional: true\n")
    assert hl208(check_json, repo(tree("  wait: true\n", release=release))) == []


def test_a_source_something_else_makes_first_does_not_block(check_json, repo):
    files = tree("  wait: true\n")
    files["clusters/main/secret.yaml"] = EXTERNAL_SECRET.replace(
        "metadata: {name: secret-a}", "metadata: {name: secret-a, namespace: ns-a}"
    )
    assert hl208(check_json, repo(files)) == []


def test_the_message_names_the_chain(check_json, repo):
    (finding,) = [f for f in check_json(repo(tree("  wait: true\n")))[1] if f["rule"] == "HL208"]
    assert finding["message"].startswith(
        "HelmRelease release-a takes values from Secret 'secret-a', which only Kustomization flux-system/app-b makes "
        "(apps/app-b/secret.yaml), and it dependsOn Kustomization flux-system/app-a, which waits for this HelmRelease (wait: true)"
    )
    assert "optional: true" in finding["fix"]


# --- HL209: the same for a pod's Secret or ConfigMap ------------------------------------------------
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: deploy-a}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers:
        - name: app
          image: registry.example.invalid/app:1.0.0
          envFrom:
            - secretRef: {name: secret-a}
"""
APP_TEMPLATE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: release-a}
spec:
  interval: 1h
  chart:
    spec: {chart: app-template, version: 4.1.1, sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}}
  values:
    controllers:
      main:
        containers:
          app:
            image: {repository: registry.example.invalid/app, tag: 1.0.0}
            envFrom:
              - secretRef: {name: secret-a}
"""


def hl209(check_json, root) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in check_json(root)[1] if f["rule"] == "HL209"]


def pod_tree(waits: str, workload: str = DEPLOYMENT, depends: str = "  dependsOn: [{name: app-a}]\n") -> dict[str, str]:
    files = tree(waits, depends)
    del files["apps/app-a/release.yaml"]
    files["apps/app-a/workload.yaml"] = workload
    return files


@pytest.mark.parametrize(
    ("waits", "depends", "reported"),
    [
        ("  wait: true\n", "  dependsOn: [{name: app-a}]\n", True),
        (
            "  healthChecks: [{apiVersion: apps/v1, kind: Deployment, name: deploy-a, namespace: ns-a}]\n",
            "  dependsOn: [{name: app-a}]\n",
            True,
        ),
        (
            "  healthChecks: [{apiVersion: apps/v1, kind: Deployment, name: other, namespace: ns-a}]\n",
            "  dependsOn: [{name: app-a}]\n",
            False,
        ),
        ("  wait: false\n", "  dependsOn: [{name: app-a}]\n", False),  # ready once applied: app-b runs
        ("  wait: true\n", "", False),  # app-b runs beside it: the pod starts once the Secret is made
    ],
)
def test_a_workload_whose_secret_only_a_waiting_dependent_makes_deadlocks(check_json, repo, waits, depends, reported):
    """coolguy1771: the Deployment never starts without the Secret, its Kustomization is never Ready,
    and the Kustomization that would make the Secret waits for it."""
    found = hl209(check_json, repo(pod_tree(waits, depends=depends)))
    assert found == ([("apps/app-a/workload.yaml", 13)] if reported else [])


def test_an_optional_secret_of_a_pod_does_not_block(check_json, repo):
    workload = DEPLOYMENT.replace("secretRef: {name: secret-a}", "secretRef: {name: secret-a, optional: true}")
    assert hl209(check_json, repo(pod_tree("  wait: true\n", workload))) == []


@pytest.mark.parametrize(
    ("release", "reported"),
    [
        (APP_TEMPLATE, True),
        (APP_TEMPLATE.replace("  values:\n", "  install: {disableWait: true}\n  values:\n"), False),  # Ready once installed
        (APP_TEMPLATE.replace("      main:\n", "      main:\n        type: cronjob\n"), False),  # Helm waits for no CronJob pod
    ],
)
def test_an_app_template_release_deadlocks_while_helm_waits_for_its_pods(check_json, repo, release, reported):
    found = hl209(check_json, repo(pod_tree("  wait: true\n", release)))
    assert bool(found) is reported
