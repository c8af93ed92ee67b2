"""HL301, HL401, HL405: what one Flux root applies exists only in its own cluster.

Each flux bootstrap (or FluxInstance) reconciles its own cluster, and the kubelet resolves a
Secret, ConfigMap or claim in the pod's own cluster: an object only another root makes is missing
where it is used. With guessed roots (no evidence names them) the roots may be one cluster.
"""

from __future__ import annotations

from .test_dryrun import _app_ks, _cluster, _plain_ks

NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n"
SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\nstringData:\n  key-a: ENC[AES256_GCM,data:x]\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata:\n  key-a: value-a\n"
CLAIM = (
    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: pvc-a\nspec:\n"
    "  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
)
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-a
spec:
  selector: {matchLabels: {app: app-a}}
  template:
    metadata: {labels: {app: app-a}}
    spec:
      containers:
        - name: app-a
          image: example.com/app-a:1.0.0
          env:
            - name: KEY_A
              valueFrom:
                secretKeyRef: {name: secret-a, key: key-a}
          envFrom:
            - configMapRef: {name: cm-a}
          volumeMounts: [{name: data, mountPath: /data}]
      volumes:
        - name: data
          persistentVolumeClaim: {claimName: pvc-a}
"""
MAKERS = {"secret.yaml": SECRET, "cm.yaml": CONFIGMAP, "pvc.yaml": CLAIM}


def _two_clusters(makers_in: str) -> dict[str, str]:
    """Clusters c1 and c2 (two flux bootstraps), each applying its own apps/<cluster>; the Secret,
    ConfigMap and claim are made in `makers_in`, the Deployment that uses them in c2."""
    files = {
        **_cluster("c1"),
        **_cluster("c2"),
        "clusters/c1/apps.yaml": _app_ks("apps", "./apps/c1"),
        "clusters/c2/apps.yaml": _app_ks("apps", "./apps/c2"),
        "apps/c1/ns.yaml": NS,
        "apps/c2/ns.yaml": NS,
        "apps/c2/deployment.yaml": DEPLOYMENT,
    }
    for name, text in MAKERS.items():
        files[f"apps/{makers_in}/{name}"] = text
    for cluster in ("c1", "c2"):
        listed = sorted(p.rsplit("/", 1)[1] for p in files if p.startswith(f"apps/{cluster}/"))
        files[f"apps/{cluster}/kustomization.yaml"] = "resources:\n" + "".join(f"  - {n}\n" for n in listed)
    return files


def _missing(found: list[dict]) -> list[tuple[str, str, int, str]]:
    return sorted((f["rule"], f["path"], f["line"], f["severity"]) for f in found if f["rule"] in ("HL301", "HL401", "HL405"))


def test_a_secret_configmap_or_claim_only_another_cluster_makes_is_missing(repo, check_json):
    found = check_json(repo(_two_clusters("c1")))[1]
    assert _missing(found) == [
        ("HL301", "apps/c2/deployment.yaml", 22, "error"),
        ("HL401", "apps/c2/deployment.yaml", 16, "error"),
        ("HL405", "apps/c2/deployment.yaml", 18, "error"),
    ]
    (secret,) = [f["message"] for f in found if f["rule"] == "HL401"]
    assert secret == (
        "Deployment app-a uses Secret 'secret-a' in namespace ns-a, which the repository makes only in the cluster of "
        "the root clusters/c1; Deployment app-a is applied in the cluster of the root clusters/c2, where that Secret "
        "does not exist (each Flux root reconciles its own cluster)"
    )


def test_made_in_the_users_own_cluster_is_made(repo, check_json):
    assert _missing(check_json(repo(_two_clusters("c2")))[1]) == []


def test_made_in_both_clusters_is_made(repo, check_json):
    files = _two_clusters("c1")
    files["apps/c2/kustomization.yaml"] += "".join(f"  - ../c1/{name}\n" for name in MAKERS)
    assert _missing(check_json(repo(files))[1]) == []


def test_guessed_roots_may_be_one_cluster(repo, check_json):
    """Without a bootstrap the two Flux Kustomizations nothing applies are guessed roots, applied
    by hand, maybe to one cluster: what one makes counts for the other."""
    files = {
        "infra/ks.yaml": _plain_ks("infra", "./infra/app"),
        "infra/app/kustomization.yaml": "resources:\n  - ns.yaml\n  - secret.yaml\n  - cm.yaml\n  - pvc.yaml\n",
        "infra/app/ns.yaml": NS,
        "infra/app/secret.yaml": SECRET.replace("  name: secret-a\n", "  name: secret-a\n  namespace: ns-a\n"),
        "infra/app/cm.yaml": CONFIGMAP.replace("  name: cm-a\n", "  name: cm-a\n  namespace: ns-a\n"),
        "infra/app/pvc.yaml": CLAIM.replace("  name: pvc-a\n", "  name: pvc-a\n  namespace: ns-a\n"),
        "apps/ks.yaml": _app_ks("app-a", "./apps/app-a"),
        "apps/app-a/deployment.yaml": DEPLOYMENT,
    }
    assert _missing(check_json(repo(files))[1]) == []


def test_a_secret_the_config_lists_as_external_is_not_judged(repo, check_json):
    files = _two_clusters("c1")
    files[".homelint.yaml"] = "secrets:\n  external: ['ns-a/secret-a']\n"
    assert [rule for rule, *_ in _missing(check_json(repo(files))[1])] == ["HL301", "HL405"]
