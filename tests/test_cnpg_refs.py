"""CloudNativePG: the Secrets and ConfigMaps a Cluster and a barman-cloud ObjectStore need in their
namespace (HL401, HL405), and those CloudNativePG does without or makes itself."""

from __future__ import annotations

import pytest

from homelint.model.refs import products_of

from .conftest import FIXTURES

APP = "kubernetes/apps/default/echo/app"
BASE = "rules/HL401/good"
MISSING = "no Secret, SOPS file, ExternalSecret, generator or operator the repository applies produces it"


def cluster(spec: str, name: str = "db-a") -> str:
    return (
        f"---\napiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {{name: {name}}}\nspec:\n"
        f"  instances: 1\n  storage: {{size: 1Gi}}\n{spec}"
    )


def object_store(configuration: str) -> str:
    return (
        "---\napiVersion: barmancloud.cnpg.io/v1\nkind: ObjectStore\nmetadata: {name: store-a}\nspec:\n"
        f"  configuration:\n    destinationPath: s3://bucket-a/\n{configuration}"
    )


def findings(check_json, repo, manifest: str, rules: tuple[str, ...] = ("HL401", "HL405"), made: str = ""):
    files = {f"{APP}/db.yaml": manifest}
    resources = ["db.yaml"]
    if made:
        files[f"{APP}/made.yaml"] = made
        resources.append("made.yaml")
    kust = (FIXTURES / BASE / APP / "kustomization.yaml").read_text()
    files[f"{APP}/kustomization.yaml"] = kust + "".join(f"  - ./{r}\n" for r in resources)
    _, found = check_json(repo(files, base=BASE))
    return sorted((f["rule"], f["message"]) for f in found if f["rule"] in rules)


def s3(indent: int) -> str:
    """s3Credentials from Secret pg-auth-a, indented by `indent` spaces."""
    pad = " " * indent
    return (
        f"{pad}s3Credentials:\n{pad}  accessKeyId: {{name: pg-auth-a, key: ID}}\n"
        f"{pad}  secretAccessKey: {{name: pg-auth-a, key: KEY}}\n"
    )


NEEDED = [
    pytest.param(cluster("  certificates: {serverCASecret: pg-auth-a, serverTLSSecret: pg-auth-a}\n"), id="server-certificates"),
    pytest.param(
        cluster("  certificates: {clientCASecret: pg-auth-a, replicationTLSSecret: pg-auth-a}\n"), id="client-certificates"
    ),
    pytest.param(
        cluster("  bootstrap:\n    initdb: {database: app, owner: app, secret: {name: pg-auth-a}}\n"), id="initdb-secret"
    ),
    pytest.param(
        cluster(
            "  bootstrap:\n    initdb:\n      postInitApplicationSQLRefs:\n        secretRefs: [{name: pg-auth-a, key: a.sql}]\n"
        ),
        id="initdb-post-init-sql",
    ),
    pytest.param(
        cluster("  managed:\n    roles: [{name: role-a, login: true, passwordSecret: {name: pg-auth-a}}]\n"),
        id="managed-role-password",
    ),
    pytest.param(cluster(f"  backup:\n    barmanObjectStore:\n      destinationPath: s3://bucket-a/\n{s3(6)}"), id="backup-s3"),
    pytest.param(
        cluster(
            "  backup:\n    barmanObjectStore:\n      destinationPath: https://a.blob.core.windows.net/c/\n"
            "      azureCredentials: {connectionString: {name: pg-auth-a, key: CONNECTION}}\n"
        ),
        id="backup-azure",
    ),
    pytest.param(
        cluster(
            "  bootstrap:\n    recovery: {source: source-a}\n  externalClusters:\n    - name: source-a\n"
            "      barmanObjectStore:\n        destinationPath: s3://bucket-a/\n" + s3(8)
        ),
        id="recovery-source-s3",
    ),
    pytest.param(
        cluster(
            "  bootstrap:\n    pg_basebackup: {source: source-a}\n  externalClusters:\n    - name: source-a\n"
            "      connectionParameters: {host: source-a-rw, user: streaming_replica}\n"
            "      password: {name: pg-auth-a, key: password}\n"
        ),
        id="pg-basebackup-source-password",
    ),
    pytest.param(
        cluster("  env:\n    - name: A\n      valueFrom: {secretKeyRef: {name: pg-auth-a, key: a}}\n"), id="instance-env"
    ),
    pytest.param(object_store(s3(4)), id="object-store-s3"),
]


@pytest.mark.parametrize("manifest", NEEDED)
def test_a_secret_cloudnative_pg_needs_and_nothing_makes_is_reported(check_json, repo, manifest):
    """The operator fails its reconciliation (certificates), the initdb job waits for the Secret, the
    roles are not reconciled, WAL archiving and backups fail, the bootstrap from an external cluster
    fails, the instance pod does not start."""
    kind, name = ("ObjectStore", "store-a") if "kind: ObjectStore" in manifest else ("Cluster", "db-a")
    [(rule, message)] = findings(check_json, repo, manifest)
    assert rule == "HL401"
    assert message.startswith(f"{kind} {name} uses Secret 'pg-auth-a' in namespace default")
    assert message.endswith(f"but {MISSING}")


@pytest.mark.parametrize("manifest", NEEDED)
def test_a_secret_cloudnative_pg_needs_that_the_repository_makes_is_not_reported(check_json, repo, manifest):
    made = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: pg-auth-a}\nstringData: {ID: x}\n"
    assert findings(check_json, repo, manifest, made=made) == []


def test_a_post_init_configmap_nothing_makes_is_reported(check_json, repo):
    """The initdb job mounts it as a volume: its pod does not start without it."""
    manifest = cluster(
        "  bootstrap:\n    initdb:\n      postInitSQLRefs:\n        configMapRefs: [{name: config-a, key: a.sql}]\n"
    )
    assert [rule for rule, _ in findings(check_json, repo, manifest)] == ["HL405"]


@pytest.mark.parametrize(
    "manifest",
    [
        # the instance manager skips a superuser or recovery Secret that is not found
        pytest.param(cluster("  enableSuperuserAccess: true\n  superuserSecret: {name: pg-auth-a}\n"), id="superuser-secret"),
        pytest.param(
            cluster("  bootstrap:\n    recovery: {backup: {name: backup-a}, secret: {name: pg-auth-a}}\n"),
            id="recovery-secret",
        ),
        # an import does not wait for the application Secret
        pytest.param(
            cluster(
                "  bootstrap:\n    initdb:\n      secret: {name: pg-auth-a}\n      import:\n        type: microservice\n"
                "        databases: [app]\n        source: {externalCluster: source-a}\n"
                "  externalClusters:\n    - name: source-a\n      connectionParameters: {host: source-a-rw}\n"
            ),
            id="initdb-import-secret",
        ),
        # credentials from the pod's identity
        pytest.param(
            cluster(
                "  backup:\n    barmanObjectStore:\n      destinationPath: s3://bucket-a/\n"
                "      s3Credentials: {inheritFromIAMRole: true, region: {name: pg-auth-a, key: REGION}}\n"
            ),
            id="backup-iam-role",
        ),
        pytest.param(
            object_store("    azureCredentials: {inheritFromAzureAD: true, storageAccount: {name: pg-auth-a, key: ACCOUNT}}\n"),
            id="object-store-azure-ad",
        ),
        # an external cluster no bootstrap reads
        pytest.param(
            cluster(
                "  externalClusters:\n    - name: source-a\n      connectionParameters: {host: source-a-rw}\n"
                "      password: {name: pg-auth-a, key: password}\n"
            ),
            id="unused-external-cluster",
        ),
        pytest.param(
            cluster("  projectedVolumeTemplate:\n    sources: [{secret: {name: pg-auth-a, optional: true}}]\n"),
            id="optional-projected-secret",
        ),
        # CloudNativePG generates <cluster>-ca as the server CA before it reads the client CA
        pytest.param(cluster("  certificates: {clientCASecret: db-a-ca}\n"), id="made-by-cnpg"),
    ],
)
def test_a_secret_cloudnative_pg_does_without_or_makes_is_not_reported(check_json, repo, manifest):
    assert findings(check_json, repo, manifest) == []


# --- what a Cluster makes: internal/controller/cluster_create.go reconcilePostgresSecrets, cluster_pki.go
DEFAULT = {"db-a-app", "db-a-superuser", "db-a-ca", "db-a-server", "db-a-replication"}


@pytest.mark.parametrize(
    ("spec", "made"),
    [
        pytest.param("", DEFAULT, id="defaults"),
        pytest.param("  bootstrap:\n    initdb: {database: db, owner: owner-a}\n", DEFAULT, id="initdb"),
        pytest.param(
            "  bootstrap:\n    initdb: {database: db, owner: owner-a, secret: {name: given-a}}\n",
            DEFAULT - {"db-a-app"},
            id="initdb-secret",
        ),
        pytest.param("  bootstrap:\n    initdb: {secret: {name: ''}}\n", DEFAULT, id="initdb-empty-secret"),
        pytest.param("  bootstrap:\n    recovery: {backup: {name: backup-a}}\n", DEFAULT, id="recovery"),
        pytest.param(
            "  bootstrap:\n    recovery: {backup: {name: backup-a}, secret: {name: given-a}}\n",
            DEFAULT - {"db-a-app"},
            id="recovery-secret",
        ),
        pytest.param(
            "  replica: {enabled: true, source: origin-a}\n  bootstrap:\n    recovery: {source: origin-a}\n",
            DEFAULT - {"db-a-app"},
            id="replica-recovery",
        ),
        pytest.param("  bootstrap:\n    pg_basebackup: {source: origin-a}\n", DEFAULT, id="pg-basebackup"),
        pytest.param(
            "  bootstrap:\n    pg_basebackup: {source: origin-a, secret: {name: given-a}}\n",
            DEFAULT - {"db-a-app"},
            id="pg-basebackup-secret",
        ),
        pytest.param(
            "  replica: {enabled: true, source: origin-a}\n  bootstrap:\n    pg_basebackup: {source: origin-a}\n",
            DEFAULT - {"db-a-app"},
            id="replica-pg-basebackup",
        ),
        # the default changed between versions: unset, it may be made
        pytest.param("  enableSuperuserAccess: true\n", DEFAULT, id="superuser-on"),
        pytest.param("  enableSuperuserAccess: false\n", DEFAULT - {"db-a-superuser"}, id="superuser-off"),
        pytest.param(
            "  enableSuperuserAccess: true\n  superuserSecret: {name: given-a}\n",
            DEFAULT - {"db-a-superuser"},
            id="superuser-secret",
        ),
        # <cluster>-ca is both the server and the client CA unless each is given
        pytest.param(
            "  certificates: {serverCASecret: given-a, serverTLSSecret: given-b}\n", DEFAULT - {"db-a-server"}, id="server-tls"
        ),
        pytest.param("  certificates: {serverCASecret: given-a, clientCASecret: given-b}\n", DEFAULT - {"db-a-ca"}, id="both-ca"),
        pytest.param(
            "  certificates: {clientCASecret: given-a, replicationTLSSecret: given-b}\n",
            DEFAULT - {"db-a-replication"},
            id="replication-tls",
        ),
    ],
)
def test_a_cluster_makes_only_the_secrets_it_is_not_given(spec, made):
    from homelint.core.model import make_object
    from homelint.loading.yamlload import parse_bytes

    [doc] = parse_bytes("db.yaml", cluster(spec).encode()).docs
    obj = make_object("db.yaml", 0, doc)
    assert obj is not None
    assert {m.name for m in products_of(obj, {"namespace": "default"}) if m.kind == "Secret"} == made


USER = """---
apiVersion: apps/v1
kind: Deployment
metadata: {name: user-a}
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/example/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000
          envFrom: [{secretRef: {name: NAME}}]
"""


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        pytest.param("  bootstrap:\n    initdb: {database: db, owner: owner-a, secret: {name: given-a}}\n", "db-a-app", id="app"),
        pytest.param("  enableSuperuserAccess: false\n", "db-a-superuser", id="superuser"),
    ],
)
def test_a_secret_cloudnative_pg_does_not_make_is_reported_where_it_is_used(check_json, repo, spec, name):
    """With its own application Secret named, or superuser access off, CloudNativePG makes no
    <cluster>-app or <cluster>-superuser: a workload that reads one waits for it."""
    found = findings(check_json, repo, cluster(spec), made=USER.replace("NAME", name))
    [(rule, message)] = [(rule, message) for rule, message in found if message.startswith("Deployment")]
    assert rule == "HL401"
    assert message.startswith(f"Deployment user-a uses Secret '{name}' in namespace default, but {MISSING}")


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("", id="defaults"),
        pytest.param("  bootstrap:\n    initdb: {database: db, owner: owner-a}\n", id="initdb"),
        pytest.param("  bootstrap:\n    recovery: {backup: {name: backup-a}}\n", id="recovery"),
    ],
)
def test_the_application_secret_cloudnative_pg_makes_is_not_reported(check_json, repo, spec):
    assert findings(check_json, repo, cluster(spec), made=USER.replace("NAME", "db-a-app")) == []


def test_a_server_certificate_named_after_the_generated_one_must_still_exist(check_json, repo):
    """A serverTLSSecret the Cluster names is read, never generated, even when it is called <cluster>-server."""
    manifest = cluster("  certificates: {serverCASecret: db-a-ca, clientCASecret: db-a-ca, serverTLSSecret: db-a-server}\n")
    messages = [message for _, message in findings(check_json, repo, manifest)]
    assert any(m.startswith("Cluster db-a uses Secret 'db-a-server' in namespace default") for m in messages)
