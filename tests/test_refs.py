"""The producer and consumer tables (schemas/producers.yaml, schemas/consumers.yaml): every row has
a fixture in fixtures/refs/ whose `# makes:` / `# needs:` lines say exactly what that row yields,
and the rules built on them (HL301, HL401, HL405) never call unknown missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from homelint.core.model import make_object
from homelint.loading.yamlload import parse_bytes
from homelint.model.graph import release_name
from homelint.model.refs import (
    consumed_refs,
    dns1123_subdomain,
    fabric8_sanitized,
    is_templated,
    products_of,
    resource_set_objects,
    tables,
    values_objects,
)

from .conftest import FIXTURES, flux_ks, flux_root

REFS = FIXTURES / "refs"
MAKES = re.compile(r"^# makes: (\w+) (\S+)/(\S+)$", re.MULTILINE)
NEEDS = re.compile(r"^# needs: (\w+) (\S+)/(\S+?)( \(optional\))?$", re.MULTILINE)


def objects(path: Path) -> list:
    parsed = parse_bytes(str(path), path.read_bytes())
    assert not parsed.problems, parsed.problems
    found = [make_object(path.name, i, doc) for i, doc in enumerate(parsed.docs)]
    return [o for o in found if o is not None]


def made_by(obj, row: str) -> set[tuple[str, str, str]]:
    namespace = obj.namespace or (obj.data.get("namespace") if obj.kind == "Kustomization" else None) or ""
    variables = {"namespace": namespace if obj.kind == "Kustomization" else namespace or "default"}
    if obj.kind == "HelmRelease":
        variables["release"] = release_name(obj)
    return {(m.kind, m.namespace, m.name) for m in products_of(obj, variables) if m.row == row}


@pytest.mark.parametrize("row", [r.id for r in tables().producers])
def test_each_producer_row_makes_what_its_fixture_says(row):
    path = REFS / "producers" / f"{row}.yaml"
    assert path.is_file(), f"producer row {row} has no fixture {path}"
    want = {(kind, ns, name) for kind, ns, name in MAKES.findall(path.read_text())}
    assert want, f"{path} names nothing it makes (# makes: Kind namespace/name)"
    resource_set = next(r for r in tables().producers if r.id == row).objects == "resource-set"
    got: set[tuple[str, str, str]] = set()
    for obj in objects(path):
        if not resource_set:
            got |= made_by(obj, row)
            continue
        for made in resource_set_objects(obj):  # what a ResourceSet templates, by the other rows
            ns = made.namespace or obj.namespace or "default"
            found = {(m.kind, m.namespace, m.name) for m in products_of(made, {"namespace": ns})}
            got |= {(kind, "*" if is_templated(n) else n, name) for kind, n, name in found}
    assert got == want


@pytest.mark.parametrize("row", [r.id for r in tables().consumers])
def test_each_consumer_row_needs_what_its_fixture_says(row):
    path = REFS / "consumers" / f"{row}.yaml"
    assert path.is_file(), f"consumer row {row} has no fixture {path}"
    want = {(kind, ns, name, bool(opt)) for kind, ns, name, opt in NEEDS.findall(path.read_text())}
    assert want, f"{path} names nothing it needs (# needs: Kind namespace/name)"
    got = set()
    for obj in objects(path):
        target = obj.spec.get("targetNamespace") or obj.namespace or "default"
        for use in consumed_refs(obj, obj.namespace or "default", target, cluster_resource="cert-manager"):
            if use.row == row:
                got.add((use.kind, use.namespace, use.name, use.optional))
    assert got == want


def test_every_pod_reference_is_exercised_by_a_fixture():
    used = set()
    for path in (REFS / "consumers").glob("*.yaml"):
        for obj in objects(path):
            for use in consumed_refs(obj, "x", "x"):
                used.add(use.field[-4:])
    for ref in tables().pod:
        last = ref.text.split(".")[-1]
        assert any(field and field[-1] == last for field in used), ref.text


def test_fixture_files_belong_to_rows():
    producers = {r.id for r in tables().producers}
    consumers = {r.id for r in tables().consumers}
    assert {p.stem for p in (REFS / "producers").glob("*.yaml")} == producers
    assert {p.stem for p in (REFS / "consumers").glob("*.yaml")} == consumers


def test_rule_docs_list_the_table_rows():
    from homelint.rules.registry import builtin_rules

    rules = builtin_rules()
    for rule, kind in (("HL401", "Secret"), ("HL405", "ConfigMap"), ("HL301", "PersistentVolumeClaim")):
        docs = rules[rule].docs
        assert "<!--" not in docs
        for row in tables().producers:
            if any(p.kind == kind for p in row.products):
                assert f"(`{row.id}`)" in docs, (rule, row.id)
        for row in tables().consumers:
            if any(r.kind == kind for r in row.refs):
                assert f"(`{row.id}`)" in docs, (rule, row.id)


def test_a_broken_table_is_refused(tmp_path, monkeypatch):
    import homelint.core.resources as resources
    import homelint.model.refs as refs
    from homelint.model.refs import load_table

    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "refs.schema.json").write_text((resources.data_dir("schemas") / "refs.schema.json").read_text())
    (schemas / "producers.yaml").write_text("producers:\n  - id: x\n    match: {group: '', kind: Secret}\n    produces: []\n")
    monkeypatch.setattr(resources, "data_dir", lambda name: schemas)
    monkeypatch.setattr(refs, "data_dir", lambda name: schemas)
    with pytest.raises(ValueError, match="source"):
        load_table("producers.yaml", validate=True)


def test_the_shipped_tables_follow_their_schema():
    from homelint.model.refs import load_table

    for name in ("producers.yaml", "consumers.yaml"):
        assert load_table(name, validate=True)


# --- the rules on small repositories ---------------------------------------------------------------
APP = "kubernetes/apps/default/echo/app"


def _hl4(check_json, root, rule="HL401"):
    return [f["message"] for f in check_json(root)[1] if f["rule"] == rule]


def _with(files: dict[str, str], resources: list[str]) -> dict[str, str]:
    kust = (FIXTURES / "rules/HL401/good" / APP / "kustomization.yaml").read_text()
    return {**files, f"{APP}/kustomization.yaml": kust + "".join(f"  - ./{r}\n" for r in resources)}


HR_USES = """---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: user
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/example/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000
          envFrom:
            - secretRef:
                name: NAME
"""


@pytest.mark.parametrize(
    ("producer", "name"),
    [
        ("apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: pg}\nspec: {instances: 1}\n", "pg-app"),
        (
            "apiVersion: pocketid.internal/v1alpha1\nkind: PocketIDOIDCClient\nmetadata: {name: echo}\nspec: {}\n",
            "echo-oidc-credentials",
        ),
        (
            "apiVersion: external-secrets.io/v1\nkind: ClusterExternalSecret\nmetadata: {name: tls}\n"
            "spec: {namespaces: [default], externalSecretSpec: {}}\n",
            "tls",
        ),
        (
            "apiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultStaticSecret\nmetadata: {name: vss-a}\n"
            "spec: {mount: kv, path: app-a, type: kv-v2, destination: {name: secret-a, create: true}}\n",
            "secret-a",
        ),
        (  # a ClusterPolicy that clones a Secret into every Namespace as it is created
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: clone-b}\nspec:\n  rules:\n"
            "    - name: clone\n      match: {any: [{resources: {kinds: [Namespace]}}]}\n"
            "      generate: {apiVersion: v1, kind: Secret, name: secret-b, "
            "namespace: '{{request.object.metadata.name}}', clone: {namespace: ns-b, name: secret-b}}\n",
            "secret-b",
        ),
        ("apiVersion: rabbitmq.com/v1beta1\nkind: RabbitmqCluster\nmetadata: {name: mq-a}\n", "mq-a-default-user"),
        (
            "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaUser\nmetadata: {name: user-a}\n"
            "spec: {authentication: {type: scram-sha-512}}\n",
            "user-a",
        ),
        (
            "apiVersion: acid.zalan.do/v1\nkind: postgresql\nmetadata: {name: pg-a}\nspec: {users: {user_a: []}}\n",
            "user-a.pg-a.credentials.postgresql.acid.zalan.do",
        ),
        (
            "apiVersion: objectstorage.k8s.io/v1alpha1\nkind: BucketAccess\nmetadata: {name: access-a}\n"
            "spec: {bucketClaimName: bucket-a, bucketAccessClassName: class-a, credentialsSecretName: bucket-a-creds}\n",
            "bucket-a-creds",
        ),
        (
            "apiVersion: objectstorage.k8s.io/v1alpha2\nkind: BucketAccess\nmetadata: {name: access-b}\n"
            "spec: {bucketAccessClassName: class-a, protocol: S3, bucketClaims: "
            "[{bucketClaimName: bucket-b, accessMode: ReadWrite, accessSecretName: bucket-b-info}]}\n",
            "bucket-b-info",
        ),
        (
            "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata: {name: store-a}\n"
            "spec: {provider: vault, secretObjects: [{secretName: synced-a, type: Opaque, "
            "data: [{objectName: token, key: token}]}]}\n",
            "synced-a",
        ),
        ("apiVersion: ceph.rook.io/v1\nkind: CephCluster\nmetadata: {name: ceph-a}\nspec: {}\n", "rook-ceph-mon"),
        (
            "apiVersion: ceph.rook.io/v1\nkind: CephCluster\nmetadata: {name: ceph-a}\nspec: {dashboard: {enabled: true}}\n",
            "rook-ceph-dashboard-password",
        ),
        (
            "apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata: {name: kafka-a}\nspec: {}\n",
            "kafka-a-cluster-ca-cert",
        ),
        (
            "apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata: {name: kafka-a}\nspec: {}\n",
            "kafka-a-clients-ca-cert",
        ),
        (
            "apiVersion: elasticsearch.k8s.elastic.co/v1\nkind: Elasticsearch\nmetadata: {name: es-a}\n"
            "spec: {version: 8.15.0, nodeSets: [{name: default, count: 1}]}\n",
            "es-a-es-elastic-user",
        ),
        (
            "apiVersion: elasticsearch.k8s.elastic.co/v1\nkind: Elasticsearch\nmetadata: {name: es-a}\n"
            "spec: {version: 8.15.0, nodeSets: [{name: default, count: 1}]}\n",
            "es-a-es-http-certs-public",
        ),
        (
            "apiVersion: kibana.k8s.elastic.co/v1\nkind: Kibana\nmetadata: {name: kb-a}\nspec: {version: 8.15.0, count: 1}\n",
            "kb-a-kb-http-certs-public",
        ),
        (
            "apiVersion: k8s.keycloak.org/v2alpha1\nkind: Keycloak\nmetadata: {name: kc-a}\nspec: {instances: 1}\n",
            "kc-a-initial-admin",
        ),
        (
            "apiVersion: mongodbcommunity.mongodb.com/v1\nkind: MongoDBCommunity\nmetadata: {name: mdb-a}\n"
            "spec: {users: [{name: app-user, db: admin, passwordSecretRef: {name: app-pw}, scramCredentialsSecretName: app}]}\n",
            "mdb-a-admin-app-user",
        ),
        (  # a name Kubernetes would refuse is rewritten by the operator
            "apiVersion: mongodbcommunity.mongodb.com/v1\nkind: MongoDBCommunity\nmetadata: {name: mdb-a}\n"
            "spec: {users: [{name: App_User, db: Reports, passwordSecretRef: {name: app-pw}, scramCredentialsSecretName: app}]}\n",
            "mdb-a-reports-app-user",
        ),
        (
            "apiVersion: mongodbcommunity.mongodb.com/v1\nkind: MongoDBCommunity\nmetadata: {name: mdb-a}\n"
            "spec: {users: [{name: app-user, db: admin, passwordSecretRef: {name: app-pw}, scramCredentialsSecretName: app}]}\n",
            "app-scram-credentials",
        ),
        (
            "apiVersion: isindir.github.com/v1alpha3\nkind: SopsSecret\nmetadata: {name: sops-a}\n"
            "spec: {secretTemplates: [{name: secret-c, stringData: {KEY: value}}]}\n",
            "secret-c",
        ),
        (
            "apiVersion: operator.victoriametrics.com/v1beta1\nkind: VMUser\nmetadata: {name: reader-a}\n"
            "spec: {generatePassword: true, targetRefs: [{static: {url: 'http://vm-a:8429'}}]}\n",
            "vmuser-reader-a",
        ),
        (
            "apiVersion: rabbitmq.com/v1beta1\nkind: User\nmetadata: {name: app-a}\n"
            "spec: {rabbitmqClusterReference: {name: mq-a}}\n",
            "app-a-user-credentials",
        ),
    ],
)
def test_operator_made_secrets_are_produced(check_json, repo, producer, name):
    files = {f"{APP}/user.yaml": HR_USES.replace("NAME", name), f"{APP}/producer.yaml": "---\n" + producer}
    assert _hl4(check_json, repo(_with(files, ["user.yaml", "producer.yaml"]), base="rules/HL401/good")) == []
    files.pop(f"{APP}/producer.yaml")
    missing = _hl4(check_json, repo(_with(files, ["user.yaml"]), base="rules/HL401/good"))
    assert len(missing) == 1 and f"'{name}'" in missing[0]


def test_a_vault_secret_without_create_fills_a_secret_that_must_exist(check_json, repo):
    """Vault Secrets Operator writes into destination.name; it creates it only with create: true."""
    producer = (
        "---\napiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultStaticSecret\nmetadata: {name: vss-a}\n"
        "spec: {mount: kv, path: app-a, type: kv-v2, destination: {name: secret-a}}\n"
    )
    files = {f"{APP}/user.yaml": HR_USES.replace("NAME", "secret-a"), f"{APP}/producer.yaml": producer}
    missing = _hl4(check_json, repo(_with(files, ["user.yaml", "producer.yaml"]), base="rules/HL401/good"))
    assert len(missing) == 1 and "'secret-a'" in missing[0]


@pytest.mark.parametrize(
    "name",
    [
        "${DB_CLUSTER}-app",  # a variable the applying Kustomization does not define
        "{{ .Values.secretName }}",  # a Helm template in a pod spec
    ],
)
def test_unknown_names_are_not_missing(check_json, repo, name):
    files = {f"{APP}/user.yaml": HR_USES.replace("NAME", f'"{name}"')}
    assert _hl4(check_json, repo(_with(files, ["user.yaml"]), base="rules/HL401/good")) == []


VENDOR_SOURCE = """---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: vendor-manifests
  namespace: default
spec:
  interval: 1h
  url: oci://ghcr.io/example/vendor-manifests
  ref: {tag: 1.0.0}
"""


@pytest.mark.parametrize("defined", [True, False], ids=["source-defined", "source-defined-nowhere"])
def test_a_namespace_filled_from_another_source_is_not_checked(check_json, repo, defined):
    """A Kustomization in the namespace built from another source may make the Secret: an info
    that says so. Only if that source exists: one nothing defines serves nothing (getSource gets
    NotFound, HL107), so the Secret is missing."""
    foreign = """---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: vendor
  namespace: default
spec:
  interval: 1h
  targetNamespace: default
  path: ./deploy
  prune: true
  sourceRef:
    kind: OCIRepository
    name: vendor-manifests
"""
    files = {f"{APP}/user.yaml": HR_USES.replace("NAME", "vendor-made")}
    assert len(_hl4(check_json, repo(_with(files, ["user.yaml"]), base="rules/HL401/good"))) == 1
    files[f"{APP}/vendor.yaml"] = foreign + (VENDOR_SOURCE if defined else "")
    _, findings = check_json(repo(_with(files, ["user.yaml", "vendor.yaml"]), base="rules/HL401/good"))
    (found,) = [f for f in findings if f["rule"] == "HL401"]  # the other source may make it: an info that says so
    assert found["severity"] == ("info" if defined else "error")
    assert ("OCIRepository vendor-manifests" in found["message"]) is defined


def test_a_secret_a_bootstrap_folder_defines_is_made_outside_flux(check_json, repo):
    files = {f"{APP}/user.yaml": HR_USES.replace("NAME", "bootstrap-token")}
    assert len(_hl4(check_json, repo(_with(files, ["user.yaml"]), base="rules/HL401/good"))) == 1
    files["bootstrap/resources/secret.yaml"] = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: bootstrap-token\n"
    assert _hl4(check_json, repo(_with(files, ["user.yaml"]), base="rules/HL401/good")) == []


MAKER = """---
apiVersion: batch/v1
kind: Job
metadata:
  name: maker
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers:
        - name: make
          image: registry.example/kubectl:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000
          command:
            - /bin/sh
            - -c
            - |
SCRIPT"""


def _maker(script: str) -> str:
    """A Job whose container runs `script` with /bin/sh -c."""
    return MAKER.replace("SCRIPT", "".join(f"              {line}\n" for line in script.splitlines()))


def _hl4_found(check_json, root, rule: str) -> list[tuple[str, str]]:
    return [(f["severity"], f["message"]) for f in check_json(root)[1] if f["rule"] == rule]


@pytest.mark.parametrize(
    ("script", "why"),
    [
        (  # its own namespace, the literal flag; a line continuation; piped to kubectl apply
            "kubectl create secret generic secret-a \\\n  --from-literal=key-a=value \\\n  --namespace=default \\\n"
            "  --dry-run=client -o yaml | kubectl apply -f -",
            "Job default/maker runs `kubectl create secret generic secret-a`, so it may create it",
        ),
        (  # no -n: the pod's namespace
            "kubectl create secret tls secret-a --cert=/tls/crt --key=/tls/key",
            "Job default/maker runs `kubectl create secret tls secret-a`, so it may create it",
        ),
        (  # a namespace the script computes: any namespace
            'NS=$(cat /etc/target-namespace)\nkubectl -n "$NS" create secret docker-registry secret-a --docker-server=r',
            "Job default/maker runs `kubectl create secret docker-registry secret-a`, so it may create it",
        ),
    ],
)
def test_a_secret_a_jobs_kubectl_script_creates_may_be_made(check_json, repo, script, why):
    """A pod that mounts a Secret waits (FailedMount, retried) until it exists; a Job whose
    script runs a literal `kubectl create secret` makes it at run time: an info that names the
    Job and the command, not an error."""
    files = {f"{APP}/user.yaml": HR_USES.replace("NAME", "secret-a"), f"{APP}/maker.yaml": _maker(script)}
    ((severity, message),) = _hl4_found(
        check_json, repo(_with(files, ["user.yaml", "maker.yaml"]), base="rules/HL401/good"), "HL401"
    )
    assert severity == "info"
    assert message.endswith(f"; {why}")
    assert "value" not in message  # the command is shown without its flags and values


@pytest.mark.parametrize(
    "script",
    [
        "kubectl create secret generic secret-a -n other --from-literal=key-a=value",  # made in another namespace
        "kubectl get secret secret-a -n other -o json | jq 'del(.metadata.namespace)' | kubectl apply -n default -f -",  # a copy
        'kubectl create secret generic "$NAME" --from-literal=key-a=value',  # a name the script computes
        "# kubectl create secret generic secret-a\nkubectl get secret secret-a",  # a comment
        "echo 'kubectl create secret generic secret-a'",  # a quoted word, not a command
        "kubectl create secret generic secret-a --append-hash --from-literal=key-a=value",  # named secret-a-<hash>
    ],
)
def test_a_secret_a_jobs_script_does_not_literally_create_stays_unproduced(check_json, repo, script):
    """Only a literal `kubectl create secret TYPE NAME` in the consumer's namespace counts: a
    Secret made in another namespace, copied with get | jq | apply, or named by the script is
    still reported as an error (secret-a), while the same script's literal create of secret-b
    makes that one's finding an info."""
    user = HR_USES.replace("name: NAME\n", "name: secret-a\n            - secretRef:\n                name: secret-b\n")
    maker = _maker(f"{script}\nkubectl create secret generic secret-b --from-literal=key-b=value")
    files = {f"{APP}/user.yaml": user, f"{APP}/maker.yaml": maker}
    found = _hl4_found(check_json, repo(_with(files, ["user.yaml", "maker.yaml"]), base="rules/HL401/good"), "HL401")
    assert sorted((severity, "'secret-a'" in message, "may create it" in message) for severity, message in found) == [
        ("error", True, False),
        ("info", False, True),
    ]


def test_a_configmap_a_jobs_kubectl_script_creates_may_be_made(check_json, repo):
    """`kubectl create configmap NAME` (and its alias `cm`) in a CronJob's script: HL405's
    finding is an info that names the CronJob and the command; a suspended CronJob runs nothing."""
    user = HR_USES.replace(
        "envFrom:\n            - secretRef:\n                name: NAME\n",
        "envFrom:\n            - configMapRef:\n                name: conf-a\n",
    )
    job = _maker("kubectl create cm conf-a --from-literal=key-a=value")
    pod = job[job.index("      restartPolicy") :].replace("\n", "\n    ")
    cron = job[: job.index("spec:\n")].replace("kind: Job", "kind: CronJob")
    cron += "spec:\n  schedule: '0 * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n    " + pod
    files = {f"{APP}/user.yaml": user, f"{APP}/maker.yaml": cron}
    ((severity, message),) = _hl4_found(
        check_json, repo(_with(files, ["user.yaml", "maker.yaml"]), base="rules/HL401/good"), "HL405"
    )
    assert severity == "info"
    assert message.endswith("; CronJob default/maker runs `kubectl create cm conf-a`, so it may create it")
    files[f"{APP}/maker.yaml"] = cron.replace("  schedule:", "  suspend: true\n  schedule:")
    found = _hl4_found(check_json, repo(_with(files, ["user.yaml", "maker.yaml"]), base="rules/HL401/good"), "HL405")
    assert [severity for severity, _ in found] == ["error"]


# a chart folder of this repository, installed by HelmRelease app-a of ns-a (RELEASE_SPEC: more of its
# spec), and a Deployment of ns-a that reads Secret secret-a and ConfigMap conf-a
CHART_TREE = {
    "clusters/main/flux.yaml": flux_root("apps", "./apps"),
    "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
    "apps/release.yaml": (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a, namespace: ns-a}\nspec:\n"
        "  interval: 1h\nRELEASE_SPEC  chart:\n    spec:\n      chart: ./charts/chart-a\n"
        "      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
    ),
    "apps/user.yaml": HR_USES.replace("name: user\n", "name: user\n  namespace: ns-a\n").replace(
        "name: NAME\n", "name: secret-a\n            - configMapRef:\n                name: conf-a\n"
    ),
    "charts/chart-a/Chart.yaml": "apiVersion: v2\nname: chart-a\nversion: 1.0.0\n",
}
CHART_SCRIPT = "kubectl create secret generic secret-a --from-literal=key-a=value\nkubectl create configmap conf-a"


def _chart_found(check_json, repo, template: str, spec: str = "", at: str = "maker.yaml") -> list[tuple[str, str]]:
    files = {**CHART_TREE, f"charts/chart-a/templates/{at}": template}
    files["apps/release.yaml"] = files["apps/release.yaml"].replace("RELEASE_SPEC", spec)
    _, found = check_json(repo(files), "--select", "HL401,HL405")
    return sorted((f["severity"], f["message"]) for f in found)


RELEASE_NS = "  name: maker\n  namespace: '{{ .Release.Namespace }}'\n"


@pytest.mark.parametrize(
    ("edit", "after", "shown"),
    [
        ("", "", "maker"),
        ("", "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-b\n", "maker"),
        ("  name: '{{ .Release.Name }}-maker'\n", "", "{{ .Release.Name }}-maker"),
        (RELEASE_NS, "", "maker"),
    ],
    ids=["alone", "before-a-document-that-is-not-yaml-until-rendered", "a-name-helm-computes", "the-release-namespace"],
)
def test_a_jobs_kubectl_script_in_a_chart_a_release_installs_may_make_it(check_json, repo, edit, after, shown):
    """A Job of a chart folder a HelmRelease installs runs in the release namespace (helm-controller
    GetReleaseNamespace: targetNamespace, else the HelmRelease's own; Helm's resource builder
    DefaultNamespace sets it only on an object without one; `{{ .Release.Namespace }}` renders to
    it): its literal `kubectl create` makes the Secret and ConfigMap there at run time, an info as
    for a Job Flux applies, whatever name Helm gives the Job. Another document of its file that is
    not YAML before Helm renders it does not change that."""
    template = _maker(CHART_SCRIPT).replace("  name: maker\n", edit) if edit else _maker(CHART_SCRIPT)
    found = _chart_found(check_json, repo, template + after)
    maker = f"Job ns-a/{shown} of the chart charts/chart-a that HelmRelease ns-a/app-a installs runs"
    assert [(severity, message.split("; ", 1)[1]) for severity, message in found] == [
        ("info", f"{maker} `kubectl create configmap conf-a`, so it may create it"),
        ("info", f"{maker} `kubectl create secret generic secret-a`, so it may create it"),
    ]
    assert [message.split("; ", 1)[0] for _, message in found] == [
        "Deployment user uses ConfigMap 'conf-a' in namespace ns-a, which nothing the repository applies is known to produce",
        "Deployment user uses Secret 'secret-a' in namespace ns-a, which nothing the repository applies is known to produce",
    ]


@pytest.mark.parametrize(
    ("template", "spec", "at"),
    [
        pytest.param(_maker(CHART_SCRIPT), "  targetNamespace: ns-b\n", "maker.yaml", id="the-release-installs-in-ns-b"),
        pytest.param(
            _maker(CHART_SCRIPT).replace("  name: maker\n", "  name: maker\n  namespace: ns-b\n"),
            "",
            "maker.yaml",
            id="the-job-names-ns-b",
        ),
        pytest.param(_maker(CHART_SCRIPT), "  kubeConfig: {secretRef: {name: remote-a}}\n", "maker.yaml", id="another-cluster"),
        pytest.param(_maker(CHART_SCRIPT), "", "_maker.yaml", id="a-partial-helm-does-not-render"),
        pytest.param(
            _maker(CHART_SCRIPT).replace("  name: maker\n", "  name: {{ .Release.Name }}-maker\n"),
            "",
            "maker.yaml",
            id="a-job-that-is-not-yaml-until-rendered",
        ),
        pytest.param(
            _maker(CHART_SCRIPT.replace("secret-a", "{{ .Values.name }}").replace("conf-a", "conf-a {{- .Values.tail }}")),
            "",
            "maker.yaml",
            id="names-helm-computes",
        ),
    ],
)
def test_a_chart_jobs_kubectl_script_makes_nothing_known_elsewhere(check_json, repo, template, spec, at):
    """The chart's Job makes nothing known in ns-a when it runs in another namespace (the release's
    targetNamespace, its own literal namespace) or cluster, when Helm does not render it (a
    partial, `_*`), when its document is not YAML before rendering, or when Helm computes the names
    in its script (`{{- ` also trims the space before it): both stay errors."""
    assert [severity for severity, _ in _chart_found(check_json, repo, template, spec, at)] == ["error", "error"]


def test_a_chart_jobs_namespace_helm_computes_may_be_any(check_json, repo):
    """`-n {{ .Release.Namespace }}` is a namespace Helm computes: the Secret may be made in
    any namespace, as for `-n "$NS"` in a script."""
    script = "kubectl create secret generic secret-a -n {{ .Release.Namespace }}"
    found = _chart_found(check_json, repo, _maker(script), "  targetNamespace: ns-b\n")
    assert [(severity, "'secret-a'" in message) for severity, message in found] == [("error", False), ("info", True)]


def test_a_missing_substitute_from_secret_fails_the_whole_kustomization(check_json, repo):
    ks = (FIXTURES / "rules/HL401/good/kubernetes/apps/default/echo/ks.yaml").read_text()
    root = repo(
        {"kubernetes/apps/default/echo/ks.yaml": ks + "      - kind: Secret\n        name: cluster-secrets\n"},
        base="rules/HL401/good",
    )
    (message,) = _hl4(check_json, root)
    assert "fails the whole Kustomization (Secret not found)" in message
    optional = ks + "      - kind: Secret\n        name: cluster-secrets\n        optional: true\n"
    assert _hl4(check_json, repo({"kubernetes/apps/default/echo/ks.yaml": optional}, base="rules/HL401/good")) == []


def test_configmaps_a_workload_mounts_are_checked(check_json, repo):
    user = HR_USES.replace(
        "envFrom:\n            - secretRef:\n                name: NAME\n",
        "envFrom:\n            - configMapRef:\n                name: echo-conf\n",
    )
    files = {f"{APP}/user.yaml": user}
    (message,) = _hl4(check_json, repo(_with(files, ["user.yaml"]), base="rules/HL401/good"), "HL405")
    assert message.startswith("Deployment user uses ConfigMap 'echo-conf' in namespace default")
    generated = _with(files, ["user.yaml"])
    generated[f"{APP}/kustomization.yaml"] += "configMapGenerator:\n  - name: echo-conf\n    literals: [A=b]\n"
    assert _hl4(check_json, repo(generated, base="rules/HL401/good"), "HL405") == []


@pytest.mark.parametrize(
    ("producer", "name"),
    [
        (  # the user brings the cluster CA: Strimzi does not make it
            "apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata: {name: kafka-a}\n"
            "spec: {clusterCa: {generateCertificateAuthority: false}}\n",
            "kafka-a-cluster-ca-cert",
        ),
        (  # the elastic user is disabled
            "apiVersion: elasticsearch.k8s.elastic.co/v1\nkind: Elasticsearch\nmetadata: {name: es-a}\n"
            "spec: {version: 8.15.0, auth: {disableElasticUser: true}, nodeSets: [{name: default, count: 1}]}\n",
            "es-a-es-elastic-user",
        ),
        (  # the bootstrap admin is the user's own Secret
            "apiVersion: k8s.keycloak.org/v2alpha1\nkind: Keycloak\nmetadata: {name: kc-a}\n"
            "spec: {instances: 1, bootstrapAdmin: {user: {secret: kc-a-admin}}}\n"
            "---\napiVersion: v1\nkind: Secret\nmetadata: {name: kc-a-admin}\nstringData: {username: a}\n",
            "kc-a-initial-admin",
        ),
        (  # no dashboard, no dashboard password
            "apiVersion: ceph.rook.io/v1\nkind: CephCluster\nmetadata: {name: ceph-a}\nspec: {}\n",
            "rook-ceph-dashboard-password",
        ),
        (  # an explicit connection-string Secret replaces the generated name
            "apiVersion: mongodbcommunity.mongodb.com/v1\nkind: MongoDBCommunity\nmetadata: {name: mdb-a}\n"
            "spec: {users: [{name: app-user, db: admin, passwordSecretRef: {name: app-pw}, "
            "scramCredentialsSecretName: app, connectionStringSecretName: app-conn}]}\n",
            "mdb-a-admin-app-user",
        ),
        (  # an X.509 user has no SCRAM credentials
            "apiVersion: mongodbcommunity.mongodb.com/v1\nkind: MongoDBCommunity\nmetadata: {name: mdb-a}\n"
            "spec: {users: [{name: 'CN=app', db: $external, scramCredentialsSecretName: app}]}\n",
            "app-scram-credentials",
        ),
        (  # the Secret goes to the listed namespaces, not the SopsSecret's own
            "apiVersion: isindir.github.com/v1alpha3\nkind: SopsSecret\nmetadata: {name: sops-a}\n"
            "spec: {secretTemplates: [{name: secret-c, targetNamespaces: [other], stringData: {KEY: value}}]}\n",
            "secret-c",
        ),
        (  # the user asked for no Secret
            "apiVersion: operator.victoriametrics.com/v1beta1\nkind: VMUser\nmetadata: {name: reader-a}\n"
            "spec: {bearerToken: token-a, disable_secret_creation: true, targetRefs: [{static: {url: 'http://vm-a:8429'}}]}\n",
            "vmuser-reader-a",
        ),
    ],
)
def test_operator_secrets_are_not_made_when_the_operator_is_told_not_to(check_json, repo, producer, name):
    files = {f"{APP}/user.yaml": HR_USES.replace("NAME", name), f"{APP}/producer.yaml": "---\n" + producer}
    missing = _hl4(check_json, repo(_with(files, ["user.yaml", "producer.yaml"]), base="rules/HL401/good"))
    assert len(missing) == 1 and f"'{name}'" in missing[0]


def test_a_sopssecret_with_encrypted_names_may_make_any_secret_of_its_namespace(check_json, repo):
    """sops-secrets-operator's README encrypts whole secretTemplates (--encrypted-suffix Templates):
    the names are unknown here, so no reference in the namespace the Secrets go to is called
    missing; one in another namespace still is."""
    sealed = "'ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]'"
    producer = (
        "---\napiVersion: isindir.github.com/v1alpha3\nkind: SopsSecret\nmetadata: {name: sops-a}\n"
        f"spec: {{secretTemplates: [{{name: {sealed}, TARGETSstringData: {{KEY: {sealed}}}}}]}}\n"
        "sops: {encrypted_suffix: Templates}\n"
    )
    files = {f"{APP}/user.yaml": HR_USES.replace("NAME", "secret-d"), f"{APP}/producer.yaml": producer.replace("TARGETS", "")}
    assert _hl4(check_json, repo(_with(files, ["user.yaml", "producer.yaml"]), base="rules/HL401/good")) == []
    files[f"{APP}/producer.yaml"] = producer.replace("TARGETS", "targetNamespaces: [other], ")
    missing = _hl4(check_json, repo(_with(files, ["user.yaml", "producer.yaml"]), base="rules/HL401/good"))
    assert len(missing) == 1 and "'secret-d'" in missing[0]


def test_a_ceph_cluster_makes_the_mon_endpoints_configmap(check_json, repo):
    """The Rook toolbox mounts ConfigMap rook-ceph-mon-endpoints, which the operator makes for a CephCluster."""
    user = HR_USES.replace(
        "envFrom:\n            - secretRef:\n                name: NAME\n",
        "envFrom:\n            - configMapRef:\n                name: rook-ceph-mon-endpoints\n",
    )
    cluster = "---\napiVersion: ceph.rook.io/v1\nkind: CephCluster\nmetadata: {name: ceph-a}\nspec: {}\n"
    files = {f"{APP}/user.yaml": user, f"{APP}/cluster.yaml": cluster}
    assert _hl4(check_json, repo(_with(files, ["user.yaml", "cluster.yaml"]), base="rules/HL401/good"), "HL405") == []
    files.pop(f"{APP}/cluster.yaml")
    (message,) = _hl4(check_json, repo(_with(files, ["user.yaml"]), base="rules/HL401/good"), "HL405")
    assert "'rook-ceph-mon-endpoints'" in message


SKELETON = {
    "clusters/c1/flux-system/gotk-sync.yaml": """---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {interval: 1m, url: https://example.com/repo.git, ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 10m
  path: ./clusters/c1
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
""",
    "clusters/c1/app-a.yaml": """---
apiVersion: v1
kind: Namespace
metadata: {name: ns-a}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app-a, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps/app-a
  prune: true
  targetNamespace: ns-a
  sourceRef: {kind: GitRepository, name: flux-system}
""",
    "apps/app-a/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [./app.yaml]\n",
}
CSI_USER = """---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-a}
spec:
  selector: {matchLabels: {app: app-a}}
  template:
    metadata: {labels: {app: app-a}}
    spec:
      containers:
        - name: app
          image: ghcr.io/example/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000
          env:
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: synced-a, key: token}}
          volumeMounts: [{name: store, mountPath: /mnt/store, readOnly: true}]
      volumes:
        - name: store
          csi: {driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: {secretProviderClass: store-a}}
"""
CSI_CLASS = """---
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata: {name: store-a}
spec:
  provider: vault
  secretObjects:
    - secretName: synced-a
      type: Opaque
      data: [{objectName: token, key: token}]
"""


def test_a_secret_synced_by_the_csi_driver_in_a_target_namespace_is_made(check_json, repo):
    """The probe's tree: a Kustomization with targetNamespace applies a SecretProviderClass and a
    Deployment that mounts it and reads the Secret it syncs (found by a precision probe)."""
    made = repo({**SKELETON, "apps/app-a/app.yaml": CSI_CLASS + CSI_USER})
    assert _hl4(check_json, made) == []
    (message,) = _hl4(check_json, repo({**SKELETON, "apps/app-a/app.yaml": CSI_USER}))
    assert "'synced-a'" in message and "ns-a" in message


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("mdb-a-admin-app-user", "mdb-a-admin-app-user"),  # valid: kept
        ("mdb.a-admin-user", "mdb.a-admin-user"),  # dots are valid in a subdomain: kept
        ("mdb-a-Reports-App_User", "mdb-a-reports-app-user"),
        ("mdb-a-$external-CN=app,O=example", "mdb-a-external-cn-app-o-example"),
        ("mdb-a-admin--x__", "mdb-a-admin-x"),  # runs of `-` become one, `-` trimmed
        ("mdb-a.admin_x", "mdb-a-admin-x"),  # invalid anyway: the dot is rewritten too
        ("mdb-a-" + "x" * 300, ("mdb-a-" + "x" * 300)[:253]),
    ],
)
def test_names_are_normalized_as_the_mongodb_operator_does(name, written):
    assert dns1123_subdomain(name) == written


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("kc-a-initial-admin", "kc-a-initial-admin"),
        ("kc.a-initial-admin", "kc-a-initial-admin"),  # a dot is written `-`
        ("kc..a-initial-admin", "kc-a-initial-admin"),  # one `-` for a run
        ("kc.-a-initial-admin", "kc--a-initial-admin"),  # an existing `-` stays
        ("k" * 60 + "-initial-admin", "k" * 60 + "-in"),  # cut at 63
        ("k" * 62 + "-initial-admin", "k" * 61 + "a"),  # cut on a `-`: it and the one before become `a`
        ("KC-A", "kc-a"),
    ],
)
def test_names_are_sanitized_as_fabric8_does(name, written):
    assert fabric8_sanitized(name) == written


# --- objects written in HelmRelease values (extraObjects and the like) ----------------------------
def test_values_objects_are_the_mappings_with_api_version_kind_and_name_at_any_depth():
    """Any mapping with apiVersion, kind and metadata.name in spec.values is an object the chart may
    render; one without a name is not; a YAML alias of one is the same object, read once."""
    (release,) = [
        o
        for o in (
            make_object("hr.yaml", 0, doc)
            for doc in parse_bytes(
                "hr.yaml",
                b"""apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: rel-a, namespace: ns-a}
spec:
  values:
    extraObjects:
      - &cm {apiVersion: v1, kind: ConfigMap, metadata: {name: cm-a}}
      - {apiVersion: external-secrets.io/v1, kind: ClusterSecretStore, metadata: {name: store-a, namespace: ns-b}}
    again: *cm
    deep: {extraDeploy: [{apiVersion: v1, kind: Secret, metadata: {name: secret-a}}]}
    unnamed: {apiVersion: v1, kind: Secret, metadata: {labels: {a: b}}}
""",
            ).docs
        )
        if o is not None
    ]
    found = sorted((m.group, m.kind, m.namespace, m.name, m.field) for m in values_objects(release))
    assert found == [
        ("", "ConfigMap", None, "cm-a", ("spec", "values", "extraObjects", 0)),
        ("", "Secret", None, "secret-a", ("spec", "values", "deep", "extraDeploy", 0)),
        ("external-secrets.io", "ClusterSecretStore", "ns-b", "store-a", ("spec", "values", "extraObjects", 1)),
    ]


def _chart_repo(extra_objects: str, user: str) -> dict[str, str]:
    """A Flux repository whose HelmRelease rel-a (installed into ns-a by targetNamespace) holds
    `extra_objects` in values.extraObjects, and whose apps folder also holds `user`."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: rel-a, namespace: flux-system}\n"
        "spec:\n  interval: 1h\n  targetNamespace: ns-a\n  chartRef: {kind: OCIRepository, name: chart-a}\n"
        f"  values:\n    extraObjects:\n{extra_objects}"
        "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
        "metadata: {name: chart-a, namespace: flux-system}\n"
        "spec: {interval: 1h, url: oci://ghcr.io/example/charts/chart-a, ref: {tag: 1.0.0}}\n"
    )
    return {
        "clusters/c1/apps.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
            "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
        ),
        "apps/kustomization.yaml": "resources: [./ns.yaml, ./release.yaml, ./user.yaml]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/release.yaml": release,
        "apps/user.yaml": user,
    }


EXTERNAL_SECRET = """\
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: es-a, namespace: ns-a}
spec:
  secretStoreRef: {kind: KIND, name: store-a}
  target: {name: es-a}
  dataFrom: [{extract: {key: item-a}}]
"""


def _store(kind: str, namespace: str = "") -> str:
    meta = f"{{name: store-a, namespace: {namespace}}}" if namespace else "{name: store-a}"
    return f"      - apiVersion: external-secrets.io/v1\n        kind: {kind}\n        metadata: {meta}\n        spec: {{}}\n"


@pytest.mark.parametrize(
    ("kind", "in_values", "severity"),
    [
        ("ClusterSecretStore", _store("ClusterSecretStore"), "info"),
        ("ClusterSecretStore", _store("ClusterSecretStore", "ns-z"), "info"),  # cluster-scoped: any namespace
        ("SecretStore", _store("SecretStore"), "info"),  # in the release namespace, the ExternalSecret's
        ("SecretStore", _store("SecretStore", "ns-z"), "error"),  # a store in another namespace is not it
        ("ClusterSecretStore", _store("SecretStore"), "error"),  # another kind
        ("ClusterSecretStore", "      - {apiVersion: v1, kind: ConfigMap, metadata: {name: cm-a}}\n", "error"),
    ],
)
def test_a_store_written_in_release_values_may_be_rendered_by_the_chart(check_json, repo, kind, in_values, severity):
    """A chart renders objects written in its values (the external-secrets chart: extraObjects), so a
    store found only there is an info that names the release; one of another kind or namespace is not it."""
    _, findings = check_json(repo(_chart_repo(in_values, EXTERNAL_SECRET.replace("KIND", kind))))
    (found,) = [f for f in findings if f["rule"] == "HL403"]
    assert found["severity"] == severity
    if severity == "info":
        assert "HelmRelease flux-system/rel-a holds a" in found["message"]
        assert "(spec.values.extraObjects[0]), which its chart may render" in found["message"]


DEPLOYMENT_USER = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: user-a, namespace: ns-a}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers:
        - name: a
          image: example.invalid/a:1.0
          envFrom: [{secretRef: {name: obj-a}}, {configMapRef: {name: obj-a}}]
"""


@pytest.mark.parametrize(
    ("namespace", "name", "severity"),
    [
        ("", "obj-a", "info"),  # no namespace: the release namespace (targetNamespace)
        ("ns-a", "obj-b", "error"),  # another name
        ("ns-z", "obj-a", "error"),  # written for another namespace
    ],
)
def test_secrets_and_configmaps_written_in_release_values_may_be_rendered_by_the_chart(
    check_json, repo, namespace, name, severity
):
    """HL401 and HL405 treat a Secret or ConfigMap in a HelmRelease's values as HL403 treats a store:
    in the namespace it renders to, under its own name, it is an info that says so."""
    meta = f"{{name: {name}, namespace: {namespace}}}" if namespace else f"{{name: {name}}}"
    in_values = "".join(f"      - {{apiVersion: v1, kind: {kind}, metadata: {meta}}}\n" for kind in ("Secret", "ConfigMap"))
    _, findings = check_json(repo(_chart_repo(in_values, DEPLOYMENT_USER)))
    assert sorted((f["rule"], f["severity"]) for f in findings if f["rule"] in ("HL401", "HL405")) == [
        ("HL401", severity),
        ("HL405", severity),
    ]


def _store_user_repo(release_values: str, store_ref: str, config: str = "{}\n") -> dict[str, str]:
    """A Flux repository that installs chart bitwarden-eso-provider (release-a in ns-b, with
    `release_values` under spec.values) and an ExternalSecret in ns-a whose secretStoreRef is
    `store_ref`."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: release-a, namespace: ns-b}\n"
        "spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: bitwarden-eso-provider\n      version: 0.10.0\n"
        "      sourceRef: {kind: HelmRepository, name: repo-a}\n"
        + (f"  values:\n{release_values}" if release_values else "")
        + "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: repo-a, namespace: ns-b}\n"
        "spec: {interval: 1h, url: https://example.invalid/charts}\n"
    )
    user = (
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: es-a, namespace: ns-a}\n"
        f"spec:\n  secretStoreRef: {store_ref}\n  target: {{name: secret-a}}\n  dataFrom: [{{extract: {{key: item-a}}}}]\n"
    )
    return {
        ".homelint.yaml": config,
        "clusters/c1/apps.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
            "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
        ),
        "apps/kustomization.yaml": "resources: [./ns.yaml, ./release.yaml, ./user.yaml]\n",
        "apps/ns.yaml": "".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}}}\n" for n in ("ns-a", "ns-b")),
        "apps/release.yaml": release,
        "apps/user.yaml": user,
    }


OFF = "    bitwarden_eso_provider: {create_cluster_secret_store: false}\n"


@pytest.mark.parametrize(
    ("values", "store_ref", "message"),
    [
        # the small-hack chart renders ClusterSecretStores bitwarden-login and bitwarden-fields by default
        ("", "{kind: ClusterSecretStore, name: bitwarden-login}", None),
        ("", "{kind: ClusterSecretStore, name: bitwarden-fields}", None),
        ("    replicaCount: 2\n", "{kind: ClusterSecretStore, name: bitwarden-login}", None),
        # create_cluster_secret_store: false renders none
        (OFF, "{kind: ClusterSecretStore, name: bitwarden-login}", "which the repository does not define"),
        # a name it does not render
        ("", "{kind: ClusterSecretStore, name: store-a}", "which the repository does not define"),
        # kind defaults to SecretStore: the chart's stores are ClusterSecretStores, and the message says so
        ("", "{name: bitwarden-login}", "a ClusterSecretStore of that name exists: set kind: ClusterSecretStore"),
    ],
)
def test_hl403_counts_the_stores_a_chart_renders(check_json, repo, values, store_ref, message):
    """small-hack/bitwarden-eso-provider templates/cluster-secret-stores.yaml renders ClusterSecretStores
    bitwarden-login and bitwarden-fields unless bitwarden_eso_provider.create_cluster_secret_store is
    false (default true): an ExternalSecret using one is not dangling."""
    _, findings = check_json(repo(_store_user_repo(values, store_ref)), "--select", "HL403")
    assert [message in f["message"] for f in findings] == ([] if message is None else [True])


@pytest.mark.parametrize(
    ("external", "store_ref", "listed"),
    [
        (["ClusterSecretStore/store-a"], "{kind: ClusterSecretStore, name: store-a}", True),
        (["ClusterSecretStore/store-*"], "{kind: ClusterSecretStore, name: store-a}", True),
        (["SecretStore/ns-a/store-a"], "{name: store-a}", True),
        (["SecretStore/*/store-a"], "{kind: SecretStore, name: store-a}", True),
        (["SecretStore/ns-b/store-a"], "{name: store-a}", False),  # another namespace
        (["SecretStore/store-a"], "{kind: ClusterSecretStore, name: store-a}", False),  # another kind
        (["store-a", "ns-a/store-a", "*"], "{kind: ClusterSecretStore, name: store-a}", False),  # Secrets, not stores
    ],
)
def test_hl403_stores_made_outside_the_repository_are_listed_in_secrets_external(check_json, repo, external, store_ref, listed):
    """secrets.external takes stores by kind: ClusterSecretStore/name, SecretStore/namespace/name."""
    config = f"secrets: {{external: {external!r}}}\n".replace("'", '"')
    _, findings = check_json(repo(_store_user_repo(OFF, store_ref, config)), "--select", "HL403")
    assert (findings == []) is listed


def test_hl403_counts_a_store_a_resource_set_creates(check_json, repo):
    """flux-operator applies what a ResourceSet's resources hold: a ClusterSecretStore there exists."""
    files = _store_user_repo(OFF, "{kind: ClusterSecretStore, name: store-a}")
    files["apps/kustomization.yaml"] = "resources: [./ns.yaml, ./user.yaml, ./set.yaml]\n"
    files["apps/set.yaml"] = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: ResourceSet\nmetadata: {name: set-a, namespace: ns-b}\n"
        "spec:\n  resources:\n    - apiVersion: external-secrets.io/v1\n      kind: ClusterSecretStore\n"
        "      metadata: {name: store-a}\n      spec: {provider: {fake: {data: []}}}\n"
    )
    _, findings = check_json(repo(files), "--select", "HL403")
    assert findings == []


CM_USERS = {  # three users of ConfigMaps nothing in the repository makes, all in ns-a
    "clusters/main/flux.yaml": flux_root("apps", "./apps"),
    "apps/kustomization.yaml": "resources: [./ns.yaml, ./pod.yaml, ./hr.yaml, ./ks.yaml]\n",
    "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
    "apps/pod.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: pod-a, namespace: ns-a}\nspec:\n  containers:\n"
        "    - name: a\n      image: registry.invalid/a:1.0.0@sha256:" + "0" * 64 + "\n"
        "      envFrom: [{configMapRef: {name: env-vars}}]\n"
    ),
    "apps/hr.yaml": (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: hr-a, namespace: ns-a}\n"
        "spec:\n  interval: 1h\n  chart:\n    spec: {chart: chart-a, version: 1.0.0, sourceRef: {kind: HelmRepository, name: charts}}\n"
        "  valuesFrom: [{kind: ConfigMap, name: values-vars}]\n"
        "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: charts, namespace: ns-a}\n"
        "spec: {interval: 1h, url: 'https://charts.example.invalid'}\n"
    ),
    "apps/ks.yaml": flux_ks(
        "app-a", "./app-a", "  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: subst-vars}]\n", namespace="ns-a"
    ),
    "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\ndata: {k: v}\n",
}


@pytest.mark.parametrize(
    ("config", "reported"),
    [
        ("", ["env-vars", "subst-vars", "values-vars"]),  # the control: nothing makes them
        ("configmaps: {external: ['ns-a/*-vars']}\n", []),
        ("configmaps: {external: [env-vars, 'ns-b/*']}\n", ["subst-vars", "values-vars"]),  # a name alone: any namespace
        ("secrets: {external: ['ns-a/*-vars']}\n", ["env-vars", "subst-vars", "values-vars"]),  # Secrets, not ConfigMaps
    ],
)
def test_hl405_configmaps_made_outside_the_repository_are_listed_in_configmaps_external(check_json, repo, config, reported):
    """configmaps.external names ConfigMaps a chart, an operator or a provisioning tool makes, as
    secrets.external names Secrets: an env, valuesFrom or substituteFrom user of one is not judged."""
    files = {**CM_USERS, ".homelint.yaml": config} if config else CM_USERS
    _, findings = check_json(repo(files), "--select", "HL405")
    assert sorted(f["message"].split("'")[1] for f in findings) == reported
    assert all("configmaps.external" in f["fix"] for f in findings)


AT_FLUX = """---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo, namespace: flux-system}
spec: {interval: 1h, url: https://example.com/repo.git, ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: repo}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: repo-a, namespace: flux-system}
spec: {interval: 1h, url: https://example.com/charts}
"""
AT_APPS = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ns-a
resources: [./ns.yaml, ./release.yaml]
"""
AT_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app-a
spec:
  interval: 1h
  chart:
    spec:
      chart: app-template
      version: 3.7.3
      sourceRef: {kind: HelmRepository, name: repo-a, namespace: flux-system}
  values:
    ingress:
      app:
ITEM        hosts:
          - host: app-a.example.com
            paths: [{path: /, service: {identifier: app, port: http}}]
        tls:
          - hosts: [app-a.example.com]
            secretName: NAME
"""


@pytest.mark.parametrize(
    ("item", "name", "found"),
    [
        ("", "tls-a", [("warning", 20)]),  # the rendered Ingress serves the controller's default certificate
        ("        annotations: {cert-manager.io/cluster-issuer: issuer-a}\n", "tls-a", []),  # ingress-shim makes it
        ("        annotations: {cert-manager.io/issuer: issuer-a}\n", "tls-a", []),
        ("        enabled: false\n", "tls-a", []),  # no Ingress is rendered
        ("", "'{{ .Values.tlsName }}'", []),  # a template the chart renders (through tpl): unknown here
    ],
)
def test_an_app_template_ingress_tls_secret_is_judged_as_an_ingress(check_json, repo, item, name, found):
    """An app-template `ingress` item renders an Ingress in the release namespace with the item's
    annotations and tls[].secretName (the common library's _ingress.tpl): a TLS Secret nothing makes
    is the Ingress's warning, and cert-manager's ingress-shim makes it for an annotated item."""
    release = AT_RELEASE.replace("ITEM", item).replace("NAME", name)
    root = repo(
        {
            "clusters/main/ks.yaml": AT_FLUX,
            "apps/kustomization.yaml": AT_APPS,
            "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
            "apps/release.yaml": release,
        }
    )
    findings = [f for f in check_json(root)[1] if f["rule"] == "HL401"]
    assert [(f["severity"], f["line"]) for f in findings] == found
    for f in findings:
        assert f["path"] == "apps/release.yaml"
        assert f["message"].startswith("HelmRelease app-a serves TLS with Secret 'tls-a' in namespace ns-a")


SCRIPT_APPLYING = (
    '#!/usr/bin/env bash\nfiles=(\n  "${ROOT}/vars/shared-vars.yaml"\n)\n'
    'for f in "${files[@]}"; do kubectl -n flux-system apply -f "$f"; done\n'
)


@pytest.mark.parametrize(
    ("script", "own_namespace", "reported"),
    [
        (None, "", True),
        (SCRIPT_APPLYING, "", False),
        ("#!/usr/bin/env bash\necho see vars/other.yaml\n", "", True),  # names another file
        (SCRIPT_APPLYING, "  namespace: ns-c\n", True),  # the file says where it goes: not flux-system
    ],
    ids=["no-script", "script-applies-it", "script-names-another-file", "file-of-another-namespace"],
)
def test_a_secret_a_bootstrap_script_applies_is_made_where_it_says(check_json, repo, script, own_namespace, reported):
    """shared-vars is made by Flux only in ns-b, and app-a substitutes from it in flux-system. A
    bootstrap script that applies its file (`kubectl -n flux-system apply`, a file it may list in
    an array) may make it there: not judged. A file that writes its own namespace goes there
    (kubectl refuses a -n that differs)."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./app-a.yaml\n  - ./ns-b\n",
        "apps/app-a.yaml": flux_ks(
            "app-a", "./app-a", "  postBuild:\n    substituteFrom:\n      - {kind: Secret, name: shared-vars}\n"
        ),
        "apps/ns-b/kustomization.yaml": "namespace: ns-b\nresources:\n  - ../../vars/shared-vars.yaml\n",
        "vars/shared-vars.yaml": f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: shared-vars\n{own_namespace}type: Opaque\n",
        "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\ndata: {k: v}\n",
    }
    if script is not None:
        files["scripts/bootstrap.sh"] = script
    _, findings = check_json(repo(files), "--select", "HL401")
    assert [f["path"] for f in findings if f["severity"] == "error"] == (["apps/app-a.yaml"] if reported else [])
