"""HL601 on Flux custom resources: Flux applies them with server-side apply, whose dry-run rejects a
field the CRD does not declare ("field not declared in schema"), so where the CRD closes an object
(no x-kubernetes-preserve-unknown-fields), an unknown field is an error; a field the CRD declares is
accepted."""

from __future__ import annotations

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
        (12, "Kustomization app-a: unknown field 'namespace' in spec.decryption.secretRef; did you mean 'name'?"),
        (13, "Kustomization app-a: unknown field 'keyRef' in spec.decryption"),
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
