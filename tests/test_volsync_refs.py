"""VolSync's ReplicationSource and ReplicationDestination: the Secrets and ConfigMaps their mover
reads in their namespace (HL401, HL405) and the claims they back up or restore into (HL301)."""

from __future__ import annotations

import pytest

from .conftest import FIXTURES

APP = "kubernetes/apps/default/echo/app"
BASE = "rules/HL401/good"

CLAIM = """---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim-a}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"""


def replication(kind: str, mover: str) -> str:
    claim = "  sourcePVC: claim-a\n" if kind == "ReplicationSource" else ""
    return (
        f"---\napiVersion: volsync.backube/v1alpha1\nkind: {kind}\nmetadata: {{name: app-a}}\nspec:\n{claim}"
        f"  trigger: {{manual: once}}\n{mover}"
    )


def with_resources(files: dict[str, str]) -> dict[str, str]:
    kust = (FIXTURES / BASE / APP / "kustomization.yaml").read_text()
    names = [path.rsplit("/", 1)[-1] for path in files]
    return {**files, f"{APP}/kustomization.yaml": kust + "".join(f"  - ./{n}\n" for n in names)}


def findings(check_json, repo, files: dict[str, str], rules: tuple[str, ...]) -> list[tuple[str, str]]:
    _, found = check_json(repo(with_resources(files), base=BASE))
    return sorted((f["rule"], f["message"]) for f in found if f["rule"] in rules)


MOVERS = [
    pytest.param("  restic: {repository: app-a-restic}\n", "HL401", "Secret", "app-a-restic", id="restic-repository"),
    pytest.param("  kopia: {repository: app-a-kopia}\n", "HL401", "Secret", "app-a-kopia", id="kopia-repository"),
    pytest.param("  rclone: {rcloneConfig: app-a-rclone}\n", "HL401", "Secret", "app-a-rclone", id="rclone-config"),
    pytest.param(
        "  restic:\n    repository: echo-secret\n    customCA: {secretName: app-a-ca, key: ca.crt}\n",
        *("HL401", "Secret", "app-a-ca"),
        id="restic-ca-secret",
    ),
    pytest.param(
        "  rclone:\n    rcloneConfig: echo-secret\n    customCA: {configMapName: app-a-ca, key: ca.crt}\n",
        *("HL405", "ConfigMap", "app-a-ca"),
        id="rclone-ca-configmap",
    ),
    pytest.param(
        "  kopia:\n    repository: echo-secret\n    policyConfig: {secretName: app-a-policy}\n",
        *("HL401", "Secret", "app-a-policy"),
        id="kopia-policy-secret",
    ),
    pytest.param(
        "  kopia:\n    repository: echo-secret\n    moverVolumes:\n      - {name: extra, volumeSource: {secret: {secretName: app-a-extra}}}\n",
        *("HL401", "Secret", "app-a-extra"),
        id="kopia-mover-volume",
    ),
]


@pytest.mark.parametrize("kind", ["ReplicationSource", "ReplicationDestination"])
@pytest.mark.parametrize(("mover", "rule", "word", "name"), MOVERS)
def test_a_mover_secret_or_configmap_nothing_makes_is_reported(check_json, repo, kind, mover, rule, word, name):
    """The mover stops without the Secret or ConfigMap it names (VolSync validateRepository,
    validateRcloneConfig, ValidateCustomCA, validatePolicyConfig; a moverVolume is mounted)."""
    files = {f"{APP}/claim.yaml": CLAIM, f"{APP}/replication.yaml": replication(kind, mover)}
    assert findings(check_json, repo, files, ("HL401", "HL405")) == [
        (
            rule,
            f"{kind} app-a uses {word} '{name}' in namespace default, but "
            + (
                "no Secret, SOPS file, ExternalSecret, generator or operator the repository applies produces it"
                if word == "Secret"
                else "no ConfigMap, configMapGenerator or operator the repository applies produces it"
            ),
        )
    ]


@pytest.mark.parametrize(("mover", "rule", "word", "name"), MOVERS)
def test_a_mover_secret_or_configmap_the_repository_makes_is_not_reported(check_json, repo, mover, rule, word, name):
    made = f"---\napiVersion: v1\nkind: {word}\nmetadata: {{name: {name}}}\ndata: {{ca.crt: eA==}}\n"
    files = {
        f"{APP}/claim.yaml": CLAIM,
        f"{APP}/replication.yaml": replication("ReplicationSource", mover),
        f"{APP}/made.yaml": made,
    }
    assert findings(check_json, repo, files, ("HL401", "HL405")) == []


@pytest.mark.parametrize(
    "mover",
    [
        "  rsync: {sshKeys: app-a-ssh, address: host-a}\n",  # VolSync generates keys when unset: not checked
        "  rsyncTLS: {keySecret: app-a-tls, address: host-a}\n",
        "  restic:\n    repository: echo-secret\n    customCA: {secretName: app-a-ca}\n",  # no key: not used
        "  kopia:\n    repository: echo-secret\n    moverVolumes:\n"
        "      - {name: extra, volumeSource: {secret: {secretName: app-a-extra, optional: true}}}\n",
    ],
)
def test_secrets_the_mover_can_do_without_are_not_reported(check_json, repo, mover):
    files = {f"{APP}/claim.yaml": CLAIM, f"{APP}/replication.yaml": replication("ReplicationSource", mover)}
    assert findings(check_json, repo, files, ("HL401", "HL405")) == []


# --- claims ------------------------------------------------------------------------------------------
def claimed_by_pod(name: str) -> str:
    return f"""---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: reader}}
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/example/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000
      volumes:
        - name: data
          persistentVolumeClaim: {{claimName: {name}}}
"""


STATEFUL_RELEASES = [
    pytest.param(
        "controllers:\n      main:\n        type: statefulset\n        statefulset:\n"
        "          volumeClaimTemplates: [{name: config, accessMode: ReadWriteOnce, size: 1Gi}]\n",
        id="app-template-2",
    ),
    pytest.param(
        "controller: {type: statefulset}\n    volumeClaimTemplates: [{name: config, accessMode: ReadWriteOnce, size: 1Gi}]\n",
        id="app-template-1",
    ),
]


@pytest.mark.parametrize("values", STATEFUL_RELEASES)
def test_a_claim_an_app_template_statefulset_makes_is_produced(check_json, repo, values):
    """app-template renders a statefulset controller's claim templates; Kubernetes names each claim
    <template>-<statefulset>-<ordinal>, the StatefulSet being named after the release."""
    release = (
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a}\nspec:\n"
        "  interval: 1h\n  chartRef: {kind: OCIRepository, name: app-template, namespace: flux-system}\n"
        f"  values:\n    {values}"
    )
    files = {f"{APP}/release.yaml": release, f"{APP}/reader.yaml": claimed_by_pod("config-app-a-0")}
    assert findings(check_json, repo, files, ("HL301",)) == []
    files[f"{APP}/reader.yaml"] = claimed_by_pod("config-app-b-0")
    assert [rule for rule, _ in findings(check_json, repo, files, ("HL301",))] == ["HL301"]


def mover(kind: str, claim: str = "claim-a") -> str:
    """A ReplicationSource backing up `claim`, or a ReplicationDestination restoring into it."""
    if kind == "ReplicationSource":
        return replication(kind, "  restic: {repository: echo-secret}\n").replace("claim-a", claim)
    return replication(kind, f"  restic: {{repository: echo-secret, destinationPVC: {claim}}}\n")


@pytest.mark.parametrize("kind", ["ReplicationSource", "ReplicationDestination"])
def test_a_claim_nothing_makes_stops_the_mover(check_json, repo, kind):
    """VolSync gets the claim to back up (ensureSourcePVC) or restore into (UseProvidedPVC) and stops
    when it is not found."""
    files = {f"{APP}/claim.yaml": CLAIM, f"{APP}/replication.yaml": mover(kind, "data-app-a-0")}
    assert findings(check_json, repo, files, ("HL301",)) == [
        (
            "HL301",
            f"{kind} app-a uses volume 'data-app-a-0' in namespace default, but nothing in the repository creates "
            "that PersistentVolumeClaim; VolSync's mover does not run",
        )
    ]
    files[f"{APP}/replication.yaml"] = mover(kind)
    assert findings(check_json, repo, files, ("HL301", "HL303")) == []


@pytest.mark.parametrize(
    "values",
    [
        *STATEFUL_RELEASES,
        pytest.param("persistence:\n      data: {accessMode: ReadWriteOnce, size: 1Gi}\n", id="app-template-persistence"),
    ],
)
def test_a_claim_app_template_makes_can_be_backed_up(check_json, repo, values):
    release = (
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a}\nspec:\n"
        "  interval: 1h\n  chartRef: {kind: OCIRepository, name: app-template, namespace: flux-system}\n"
        f"  values:\n    {values}"
    )
    claim = "app-a-data" if "persistence" in values else "config-app-a-0"
    files = {f"{APP}/release.yaml": release, f"{APP}/replication.yaml": mover("ReplicationSource", claim)}
    assert findings(check_json, repo, files, ("HL301",)) == []


OTHER_MAKERS = [
    pytest.param(
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: db}\nspec:\n  interval: 1h\n"
        "  chart:\n    spec: {chart: somedb, version: 1.0.0, sourceRef: {kind: HelmRepository, name: charts}}\n",
        id="chart",
    ),
    pytest.param(
        "---\napiVersion: operator.example.com/v1\nkind: Database\nmetadata: {name: db}\nspec: {storage: {size: 1Gi}}\n",
        id="operator",
    ),
]


@pytest.mark.parametrize("maker", OTHER_MAKERS)
def test_a_claim_a_chart_or_an_operator_may_make_is_not_judged(check_json, repo, maker):
    """A chart other than app-template, or an operator, makes claims whose names homelint does not
    know (a StatefulSet's data-db-0): in their namespace a VolSync claim is not reported, while a pod's
    claim still is."""
    files = {f"{APP}/maker.yaml": maker, f"{APP}/replication.yaml": mover("ReplicationSource", "data-db-0")}
    assert findings(check_json, repo, files, ("HL301",)) == []
    files[f"{APP}/reader.yaml"] = claimed_by_pod("data-db-0")
    assert [rule for rule, _ in findings(check_json, repo, files, ("HL301",))] == ["HL301"]


def test_kinds_known_to_make_no_claims_leave_volsync_claims_judged(check_json, repo):
    """An ExternalSecret or a ServiceMonitor makes no claim: the namespace's claims stay known."""
    others = (
        "---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: app-a}\n"
        "spec: {selector: {}, endpoints: [{port: http}]}\n"
    )
    files = {f"{APP}/others.yaml": others, f"{APP}/replication.yaml": mover("ReplicationSource", "data-db-0")}
    assert [rule for rule, _ in findings(check_json, repo, files, ("HL301",))] == ["HL301"]
