"""HL601 on Flux custom resources: Flux applies them with server-side apply, whose dry-run rejects a
field the CRD does not declare ("field not declared in schema"), so where the CRD closes an object
(no x-kubernetes-preserve-unknown-fields), an unknown field is an error; a field the CRD declares is
accepted."""

from __future__ import annotations

import pytest

from .conftest import flux_root

FLUX_KUSTOMIZATION = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: app-a, namespace: ns-a}}\n"
    "spec:\n  interval: 10m\n  prune: true\n  sourceRef: {{kind: GitRepository, name: git-a}}\n{spec}"
)
HELM_RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: app-a, namespace: ns-a}}\n"
    "spec:\n  interval: 10m\n  chartRef: {{kind: OCIRepository, name: chart-a}}\n{spec}"
)
OCI_REPOSITORY = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {{name: chart-a, namespace: ns-a}}\n"
    "spec:\n  interval: 10m\n  url: oci://example.com/chart-a\n{spec}"
)


def schema_errors(repo, check_json, text: str) -> list[tuple[int, str]]:
    _, findings = check_json(repo({"objects.yaml": text}))
    return sorted((f["line"], f["message"]) for f in findings if f["rule"] == "HL601")


def test_unknown_fields_under_decryption_are_errors(repo, check_json):
    spec = "  decryption:\n    provider: sops\n    secretRef:\n      name: key-a\n      namespace: ns-b\n    keyRef: x\n"
    assert schema_errors(repo, check_json, FLUX_KUSTOMIZATION.format(spec=spec)) == [
        (
            12,
            "Kustomization app-a: unknown field 'namespace' in spec.decryption.secretRef; the decryption Secret is read "
            "in this object's own namespace (the field has none)",
        ),
        (13, "Kustomization app-a: unknown field 'keyRef' in spec.decryption"),
    ]


def test_each_unknown_field_of_one_mapping_is_its_own_error(repo, check_json):
    """The API server rejects every undeclared field: a HelmRelease spec with `decryption` and
    `postBuild` (Kustomization fields) gets an error at each, not only at the first."""
    spec = "  decryption: {provider: sops}\n  postBuild: {substitute: {A: b}}\n"
    assert schema_errors(repo, check_json, HELM_RELEASE.format(spec=spec)) == [
        (7, "HelmRelease app-a: unknown field 'decryption' in spec"),
        (8, "HelmRelease app-a: unknown field 'postBuild' in spec"),
    ]


def test_a_mapping_of_many_unknown_fields_gets_at_most_five_errors(repo, check_json):
    spec = "".join(f"  extra{i}: {i}\n" for i in range(40))
    found = schema_errors(repo, check_json, HELM_RELEASE.format(spec=spec))
    assert [message for _, message in found] == [f"HelmRelease app-a: unknown field 'extra{i}' in spec" for i in range(5)]


def test_an_unknown_field_the_kind_declares_in_one_other_place_says_where(repo, check_json):
    """`healthCheckExprs` is a field of the Kustomization's spec, not of a healthChecks entry."""
    spec = (
        "  healthChecks:\n    - apiVersion: apps/v1\n      kind: Deployment\n      name: app-a\n      namespace: ns-a\n"
        "      healthCheckExprs: [{apiVersion: apps/v1, kind: Deployment, current: 'true'}]\n"
    )
    assert schema_errors(repo, check_json, FLUX_KUSTOMIZATION.format(spec=spec)) == [
        (13, "Kustomization app-a: unknown field 'healthCheckExprs' in spec.healthChecks.0; it is a field of spec"),
    ]


def test_a_home_behind_a_reference_inside_a_referenced_schema_is_found(repo, check_json):
    """A patch's `target` is `#/$defs/selector` of common.json, a reference inside a referenced
    document: resolved against that document, it is where a misplaced `labelSelector` belongs."""
    spec = "  patches:\n    - patch: '[]'\n      labelSelector: app=a\n"
    assert schema_errors(repo, check_json, FLUX_KUSTOMIZATION.format(spec=spec)) == [
        (10, "Kustomization app-a: unknown field 'labelSelector' in spec.patches.0; it is a field of spec.patches.*.target"),
    ]


def test_a_field_declared_in_several_places_gets_no_hint(repo, check_json):
    spec = "  decryption:\n    provider: sops\n    kind: Secret\n"
    assert schema_errors(repo, check_json, FLUX_KUSTOMIZATION.format(spec=spec)) == [
        (10, "Kustomization app-a: unknown field 'kind' in spec.decryption"),
    ]


def test_the_fields_the_crds_declare_are_accepted(repo, check_json):
    kustomization = FLUX_KUSTOMIZATION.format(
        spec=(
            "  decryption: {provider: sops, secretRef: {name: key-a}, serviceAccountName: sa-a}\n"
            "  kubeConfig: {secretRef: {name: kc-a, key: value}}\n"
            "  images: [{name: image-a, newName: image-b, newTag: '1', digest: 'sha256:0'}]\n"
            "  healthChecks: [{apiVersion: v1, kind: Service, name: svc-a, namespace: ns-a}]\n"
            "  healthCheckExprs: [{apiVersion: example.com/v1, kind: Thing, current: 'true', inProgress: 'false', failed: 'false'}]\n"
        )
    )
    release = HELM_RELEASE.format(
        spec=(
            "  install: {crds: CreateReplace, remediation: {retries: -1}, strategy: {name: RetryOnFailure, retryInterval: 1m}}\n"
            "  upgrade: {cleanupOnFail: true, remediation: {retries: 3, strategy: rollback}, serverSideApply: auto}\n"
            "  rollback: {recreate: true}\n"
            "  test: {enable: true, filters: [{name: test-a, exclude: true}]}\n"
            "  uninstall: {keepHistory: false, deletionPropagation: foreground}\n"
            "  driftDetection: {mode: enabled, ignore: [{paths: [/spec/replicas], target: {kind: Deployment}}]}\n"
            "  waitStrategy: {name: poller}\n"
            "  valuesFrom: [{kind: ConfigMap, name: values-a, literal: true}]\n"
        )
    )
    source = OCI_REPOSITORY.format(
        spec="  verify: {provider: cosign, matchOIDCIdentity: [{issuer: a, subject: b}], trustedRootSecretRef: {name: root-a}}\n"
    )
    for text in (kustomization, release, source):
        assert schema_errors(repo, check_json, text) == [], text


def test_unknown_fields_in_helm_release_actions_are_errors(repo, check_json):
    spec = "  install:\n    remediation: {retries: 3}\n    createNamespaces: true\n  upgrade:\n    remediation: {retry: 3}\n"
    assert schema_errors(repo, check_json, HELM_RELEASE.format(spec=spec)) == [
        (9, "HelmRelease app-a: unknown field 'createNamespaces' in spec.install; did you mean 'createNamespace'?"),
        (11, "HelmRelease app-a: unknown field 'retry' in spec.upgrade.remediation; did you mean 'retries'?"),
    ]


def child(name: str) -> str:
    return (
        f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: flux-system}}\n"
        f"spec:\n  interval: 1h\n  path: ./apps/{name}\n  prune: true\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n"
    )


def parent_patching(secret_ref: str) -> str:
    """The Flux Kustomization of ./apps, whose spec.patches give every child a decryption block."""
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
        "spec:\n  interval: 1h\n  path: ./apps\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
        "  patches:\n    - patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n"
        "        metadata: {name: not-used}\n        spec:\n          decryption:\n            provider: sops\n"
        f"            secretRef:\n{secret_ref}"
        "      target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization}\n"
    )


def patched_tree(repo, secret_ref: str, children: tuple[str, ...]):
    from .conftest import GOTK

    files = {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/apps.yaml": parent_patching(secret_ref),
        "apps/kustomization.yaml": "resources:\n" + "".join(f"  - ./{name}.yaml\n" for name in children),
    }
    for name in children:
        files[f"apps/{name}.yaml"] = child(name)
        files[f"apps/{name}/cm.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{name}, namespace: ns-a}}\n"
    return repo(files)


def hl601(check_json, root) -> list[tuple[str, int, str]]:
    _, findings = check_json(root)
    return sorted((f["path"], f["line"], f["message"]) for f in findings if f["rule"] == "HL601")


def test_a_parents_patch_that_makes_its_child_invalid_is_reported_at_the_patch(repo, check_json):
    """The files are valid, but Flux applies each child as its parent's spec.patches leave it, and
    the dry-run of that object fails: one finding at the patch's field, naming the child."""
    root = patched_tree(repo, "              name: key-a\n              namespace: flux-system\n", ("app-a",))
    assert hl601(check_json, root) == [
        (
            "clusters/main/apps.yaml",
            19,
            "Kustomization app-a, as this patch leaves it: unknown field 'namespace' in spec.decryption.secretRef; "
            "the decryption Secret is read in this object's own namespace (the field has none)",
        )
    ]


def test_a_patch_that_breaks_many_children_is_one_finding(repo, check_json):
    root = patched_tree(
        repo, "              name: key-a\n              namespace: flux-system\n", ("app-a", "app-b", "app-c", "app-d", "app-e")
    )
    assert hl601(check_json, root) == [
        (
            "clusters/main/apps.yaml",
            19,
            "Kustomizations app-a, app-b, app-c and 2 more, as this patch leaves them: unknown field 'namespace' in "
            "spec.decryption.secretRef; the decryption Secret is read in this object's own namespace (the field has none)",
        )
    ]


def test_a_patch_that_leaves_its_children_valid_is_no_finding(repo, check_json):
    root = patched_tree(repo, "              name: key-a\n", ("app-a", "app-b"))
    assert hl601(check_json, root) == []


def test_a_kustomize_patch_that_makes_an_object_invalid_is_reported_at_the_patch(repo, check_json):
    from .conftest import GOTK

    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": child("app-a"),
            "apps/app-a/kustomization.yaml": (
                "resources: [./helmrelease.yaml]\npatches:\n  - patch: |-\n      apiVersion: helm.toolkit.fluxcd.io/v2\n"
                "      kind: HelmRelease\n      metadata: {name: app-a, namespace: ns-a}\n      spec:\n        install:\n"
                "          createNamespaces: true\n"
            ),
            "apps/app-a/helmrelease.yaml": HELM_RELEASE.format(spec=""),
        }
    )
    assert hl601(check_json, root) == [
        (
            "apps/app-a/kustomization.yaml",
            9,
            "HelmRelease app-a, as this patch leaves it: unknown field 'createNamespaces' in spec.install; "
            "did you mean 'createNamespace'?",
        )
    ]


@pytest.mark.parametrize(
    "patch",
    [
        "patches:\n  - target: {kind: ConfigMap, name: cm-a}\n    patch: |\n      - {op: add, path: /data/z, value: z}\n",
        "patches:\n  - target: {kind: ConfigMap}\n    patch: |\n      - {op: add, path: /metadata/labels, value: {l: v}}\n",
    ],
    ids=["data", "labels"],
)
def test_generated_objects_of_one_kustomization_are_judged_each_as_itself(repo, check_json, patch):
    """Every object a kustomization generates comes from its one document: a patched ConfigMap is
    checked as a ConfigMap, not against the schema of a Secret generated beside it (kubectl
    kustomize builds this; Flux applies both)."""
    from .conftest import GOTK

    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": child("app-a"),
            "apps/app-a/kustomization.yaml": (
                "namespace: ns-a\nconfigMapGenerator:\n  - name: cm-a\n    literals: ['k=x: 1']\n"
                f"secretGenerator:\n  - name: secret-a\n    literals: [a=b]\n{patch}"
            ),
        }
    )
    assert hl601(check_json, root) == []


def test_a_child_with_errors_of_its_own_is_named_with_the_others_at_the_patch(repo, check_json):
    root = patched_tree(repo, "              name: key-a\n              namespace: flux-system\n", ("app-a", "app-b"))
    own = child("app-a") + "  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: vars-a, namespace: ns-a}\n"
    (root / "apps/app-a.yaml").write_text(own)
    assert hl601(check_json, root) == [
        (
            "apps/app-a.yaml",
            11,
            "Kustomization app-a: unknown field 'namespace' in spec.postBuild.substituteFrom.0; a substituteFrom ConfigMap or Secret is read in this object's own namespace (the field has none)",
        ),
        (
            "clusters/main/apps.yaml",
            19,
            "Kustomizations app-a and app-b, as this patch leaves them: unknown field 'namespace' in spec.decryption.secretRef; "
            "the decryption Secret is read in this object's own namespace (the field has none)",
        ),
    ]


def _fixes(repo, check_json, text: str, rule: str = "HL601") -> list[tuple[int, str, str]]:
    _, findings = check_json(repo({"objects.yaml": text}))
    return sorted((f["line"], f["message"], f["fix"]) for f in findings if f["rule"] == rule)


GENERIC_FIX = "see the field reference of this kind; Flux, kustomize or the API server reject it as it is"
DNS_LABEL_FIX = "a namespace name is a DNS label: lower-case letters, digits and '-'"


def test_the_fix_of_a_namespace_error_follows_the_field_that_fails(repo, check_json):
    """A Namespace's name is a DNS label (the schema's pattern): that hint belongs to metadata.name
    alone; labels written as a scalar get the hint any kind gets for that field."""
    text = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n  labels:\n    app = "app-a"\n'
    assert _fixes(repo, check_json, text) == [(6, "Namespace ns-a: metadata.labels must be an object, not a string", GENERIC_FIX)]
    text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: NS_A\n"
    assert [(line, fix) for line, _, fix in _fixes(repo, check_json, text)] == [(4, DNS_LABEL_FIX)]


CHART_FROM_OCI = (
    "apiVersion: {api}\nkind: HelmRelease\nmetadata: {{name: app-a, namespace: ns-a}}\n"
    "spec:\n  interval: 10m\n  chart:\n    spec:\n      chart: chart-a\n      version: 1.0.0\n"
    "      sourceRef:\n        kind: {kind}\n        name: {name}\n{more}"
)
VERSION_NOTE = " (the OCIRepository's spec.ref, not chart.spec.version, picks the chart version)"


@pytest.mark.parametrize("name", ["chart-a", "${CHART}"])  # ${...}: the object is judged as applied
def test_a_chart_source_ref_to_an_oci_repository_says_to_use_chart_ref(repo, check_json, name):
    """helm-controller v2 takes an OCIRepository (HelmChart, ExternalArtifact) chart from
    spec.chartRef (HelmReleaseSpec.ChartRef); spec.chart.spec.sourceRef takes HelmRepository,
    GitRepository and Bucket only (the CRD's enum, so the API server rejects it): the fix says so,
    and keeps the sourceRef's namespace."""
    text = CHART_FROM_OCI.format(
        api="helm.toolkit.fluxcd.io/v2", kind="OCIRepository", name=name, more="        namespace: ns-b\n"
    )
    assert _fixes(repo, check_json, text) == [
        (
            11,
            "HelmRelease app-a: spec.chart.spec.sourceRef.kind is not one of: 'HelmRepository', 'GitRepository', 'Bucket'",
            "reference an OCIRepository from spec.chartRef, not spec.chart: replace spec.chart with "
            f"chartRef: {{kind: OCIRepository, name: {name}, namespace: ns-b}}" + VERSION_NOTE,
        )
    ]


def test_a_chart_source_ref_to_an_oci_repository_under_v2beta2_says_to_move_to_v2(repo, check_json):
    """v2beta1/v2beta2 have no chartRef in the schema homelint ships (their CRDs carry it only as
    provisional, not used): the fix names the apiVersion that has it, and the message does not
    guess a chart source kind."""
    text = CHART_FROM_OCI.format(api="helm.toolkit.fluxcd.io/v2beta2", kind="OCIRepository", name="chart-a", more="")
    assert _fixes(repo, check_json, text, "HL605") == [
        (
            11,
            "spec.chart.spec.sourceRef.kind of HelmRelease app-a is 'OCIRepository', not one of HelmRepository, "
            "GitRepository, Bucket: the API server rejects the object",
            "reference an OCIRepository from spec.chartRef, a field of helm.toolkit.fluxcd.io/v2: change apiVersion to "
            "helm.toolkit.fluxcd.io/v2 and replace spec.chart with chartRef: {kind: OCIRepository, name: chart-a}" + VERSION_NOTE,
        )
    ]


def test_a_chart_source_kind_chart_ref_does_not_take_keeps_the_usual_fix(repo, check_json):
    text = CHART_FROM_OCI.format(api="helm.toolkit.fluxcd.io/v2", kind="HelmRepo", name="repo-a", more="")
    assert [fix for _, _, fix in _fixes(repo, check_json, text)] == [GENERIC_FIX]
    text = CHART_FROM_OCI.format(api="helm.toolkit.fluxcd.io/v2beta2", kind="HelmRepo", name="repo-a", more="")
    ((_, message, fix),) = _fixes(repo, check_json, text, "HL605")
    assert message.endswith("did you mean 'HelmRepository'?")
    assert fix == "use one of HelmRepository, GitRepository, Bucket (values are case-sensitive)"


EXTERNAL_SECRET = (
    "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {{name: secret-a, namespace: ns-a}}\n"
    "spec:\n  secretStoreRef: {{kind: ClusterSecretStore, name: {store}}}\n  target: {{name: {target}}}\n"
    "  data:\n    - secretKey: {key}\n      remoteRef: {{key: item-a}}\n"
)


@pytest.mark.parametrize(
    ("store", "target", "key", "wrong"),
    [
        ("store-a", "secret-a", "key-a", []),
        ("store-a", "secret_a", "key-a", ["spec.target.name"]),
        ("store-a", "secret-a", "'key a'", ["spec.data.0.secretKey"]),
        ("Store_A", "secret-a", "key-a", ["spec.secretStoreRef.name"]),
        ("store-a", "'${NAME}_x'", "key-a", []),  # what substitution makes is not judged here
    ],
)
def test_external_secret_names_and_keys_follow_the_crd_patterns(repo, check_json, store, target, key, wrong):
    """The ExternalSecret CRD (v1, and v1beta1 as served) gives target.name and secretStoreRef.name
    the DNS-1123 subdomain pattern and data[].secretKey `^[-._a-zA-Z0-9]+$`: the API server rejects
    the object, and the dry-run its whole Kustomization."""
    found = schema_errors(repo, check_json, EXTERNAL_SECRET.format(store=store, target=target, key=key))
    assert [message.split(": ", 1)[1].split(" ")[0] for _, message in found] == wrong


# --- the object's own fields: server-side apply refuses any it does not declare -------------------


def test_a_spec_field_written_beside_spec_is_refused(check_json, repo):
    """`decryption:` one level too far out: the CRD declares apiVersion, kind, metadata, spec and
    status at the top, and Flux's server-side apply dry-run refuses the rest ('field not declared
    in schema'); the field is named where it belongs."""
    root_ks = flux_root("apps", "./apps") + "decryption:\n  provider: sops\n"
    root = repo({"clusters/main/flux.yaml": root_ks, "apps/kustomization.yaml": "resources: []\n"})
    found = [(f["path"], f["line"], f["message"]) for f in check_json(root)[1] if f["rule"] == "HL601"]
    assert found == [
        ("clusters/main/flux.yaml", 24, "Kustomization apps: unknown field 'decryption' in the object; it is a field of spec")
    ]


def test_a_secret_takes_no_spec_and_no_status(check_json, repo):
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\nspec:\n  type: Opaque\nstringData:\n  key: value\n"
    root = repo(
        {
            "clusters/main/flux.yaml": flux_root("apps", "./apps"),
            "apps/kustomization.yaml": "namespace: ns-a\nresources: [secret.yaml]\n",
            "apps/secret.yaml": secret,
        }
    )
    messages = [f["message"] for f in check_json(root)[1] if f["rule"] == "HL601"]
    assert messages == ["Secret secret-a: unknown field 'spec' in the object"]


def test_the_fields_every_object_has_at_the_top_are_accepted(check_json, repo):
    claim = (
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: claim-a\nspec:\n  accessModes: [ReadWriteOnce]\n"
        "  resources:\n    requests:\n      storage: 1Gi\nstatus:\n  phase: Pending\n"
    )
    root = repo(
        {
            "clusters/main/flux.yaml": flux_root("apps", "./apps"),
            "apps/kustomization.yaml": "namespace: ns-a\nresources: [claim.yaml]\n",
            "apps/claim.yaml": claim,
        }
    )
    assert [f for f in check_json(root)[1] if f["rule"] == "HL601"] == []


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: claim-a, namespace: ns-a}\nspec:\n  foo: bar\n"
            "  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n",
            5,
            "foo' in spec",
        ),
        (
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\nspec:\n  finalizer: [kubernetes]\n",
            5,
            "finalizer' in spec; did you mean 'finalizers'?",
        ),
    ],
)
def test_an_unknown_field_in_a_built_in_kinds_spec_is_an_error(repo, check_json, text, line, field):
    """Server-side apply types a built-in kind by the API server's OpenAPI schema too: an undeclared
    field fails the dry-run ('field not declared in schema')."""
    kind = text.split("kind: ")[1].split("\n")[0]
    name = "claim-a" if kind == "PersistentVolumeClaim" else "ns-a"
    assert schema_errors(repo, check_json, text) == [(line, f"{kind} {name}: unknown field '{field}")]


def test_every_field_of_a_claims_spec_is_accepted(repo, check_json):
    spec = (
        "  accessModes: [ReadWriteOnce]\n  selector: {matchLabels: {a: b}}\n  resources: {requests: {storage: 1Gi}}\n"
        "  volumeName: pv-a\n  storageClassName: sc-a\n  volumeMode: Filesystem\n  volumeAttributesClassName: vac-a\n"
        "  dataSource: {kind: PersistentVolumeClaim, name: claim-b}\n"
        "  dataSourceRef: {kind: PersistentVolumeClaim, name: claim-b}\n"
    )
    text = f"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: claim-a, namespace: ns-a}}\nspec:\n{spec}"
    assert schema_errors(repo, check_json, text) == []
