"""HL601 judges a YAML null as the API server (or kustomize) does: built-in kinds, kustomization
files and every object's metadata decode a null to the zero value; a custom resource keeps it
(Flux applies with server-side apply) unless its CRD defaults the field (model/nulls.py)."""

from __future__ import annotations

from homelint.model.nulls import as_validated, defaults_of, native

GIT_REPOSITORY = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {{name: git, namespace: apps{meta}}}\n"
    "spec:\n  interval: 1h\n  url: https://example.com/repo.git\n{spec}"
)
KEPT = "; Flux applies custom resources with server-side apply, which keeps a null: omit it to leave it unset"
FLUX_KUSTOMIZATION = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: app, namespace: apps{meta}}}\n"
    "spec:\n  interval: 10m\n  prune: true\n  sourceRef: {{kind: GitRepository, name: git}}\n{spec}"
)


def schema_errors(repo, check_json, files: dict[str, str]) -> list[tuple[str, str]]:
    _, findings = check_json(repo(files))
    return sorted((f["path"], f["message"]) for f in findings if f["rule"] == "HL601")


def test_nulls_in_built_in_kinds_are_zero_values(repo, check_json):
    objects = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: apps, labels: ~, annotations: ~}\ndata: ~\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: token, namespace: apps, labels: {tier: ~}}\n"
        "type: ~\nimmutable: ~\nstringData: {key: ~}\n"
        "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: apps}\nspec:\n"
        "  accessModes: [ReadWriteOnce]\n  storageClassName: ~\n  volumeMode: ~\n  selector: ~\n"
        "  resources: {requests: {storage: 1Gi}}\n"
    )
    assert schema_errors(repo, check_json, {"objects.yaml": objects}) == []


def test_a_null_name_is_a_missing_name(repo, check_json):
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ~, namespace: apps}\n"
    assert schema_errors(repo, check_json, {"config.yaml": config_map}) == [
        ("config.yaml", "ConfigMap: metadata is missing the required field 'name'")
    ]


def test_a_null_list_item_of_a_built_in_kind_is_still_judged(repo, check_json):
    claim = (
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: apps}\nspec:\n"
        "  accessModes: [~]\n  resources: {requests: {storage: 1Gi}}\n"
    )
    errors = schema_errors(repo, check_json, {"claim.yaml": claim})
    assert [path for path, _ in errors] == ["claim.yaml"] and "spec.accessModes.0" in errors[0][1]
    assert "server-side apply" not in errors[0][1]  # a built-in kind's null item decodes to "", it is not kept


def test_nulls_in_a_kustomization_file_are_zero_values(repo, check_json):
    files = {
        "app/kustomization.yaml": "resources: [config.yaml]\nnamespace: ~\ncomponents: ~\nlabels: [{pairs: ~}]\n",
        "app/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
    }
    assert schema_errors(repo, check_json, files) == []


def test_a_null_resource_in_a_kustomization_file_is_still_an_error(repo, check_json):
    files = {
        "app/kustomization.yaml": "resources: [config.yaml, ~]\n",
        "app/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
    }
    assert schema_errors(repo, check_json, files) == [
        ("app/kustomization.yaml", "kustomization: resources.1 must be a string, not a null")
    ]


def test_nulls_in_the_metadata_of_a_custom_resource_are_absent(repo, check_json):
    files = {
        "git.yaml": GIT_REPOSITORY.format(meta=", labels: ~, annotations: ~", spec=""),
        "ks.yaml": FLUX_KUSTOMIZATION.format(meta=", annotations: ~", spec=""),
    }
    assert schema_errors(repo, check_json, files) == []


def test_a_null_field_the_crd_defaults_is_its_default(repo, check_json):
    secret = (
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: token, namespace: apps}\n"
        "spec:\n  secretStoreRef: {name: store, kind: ClusterSecretStore}\n  refreshInterval: ~\n  target: ~\n"
        "  data: [{secretKey: key, remoteRef: {key: path}}]\n"
    )
    files = {
        "git.yaml": GIT_REPOSITORY.format(meta="", spec="  timeout: ~\n"),
        "ks.yaml": FLUX_KUSTOMIZATION.format(
            meta="", spec="  force: ~\n  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: vars, optional: ~}]\n"
        ),
        "secret.yaml": secret,
    }
    assert schema_errors(repo, check_json, files) == []


def test_a_null_field_without_a_crd_default_fails_server_side_apply(repo, check_json):
    files = {"ks.yaml": FLUX_KUSTOMIZATION.format(meta="", spec="  timeout: ~\n  postBuild:\n    substitute: {DOMAIN: ~}\n")}
    assert schema_errors(repo, check_json, files) == [
        (
            "ks.yaml",
            f"Kustomization app: spec.postBuild.substitute.DOMAIN must be a string or number or boolean, not a null{KEPT}",
        ),
        ("ks.yaml", f"Kustomization app: spec.timeout must be a string, not a null{KEPT}"),
    ]


def test_a_null_label_value_is_rejected_in_a_custom_resource_field_and_empty_in_metadata(repo, check_json):
    files = {"ks.yaml": FLUX_KUSTOMIZATION.format(meta=", labels: {tier: ~}", spec="  commonMetadata:\n    labels: {tier: ~}\n")}
    assert schema_errors(repo, check_json, files) == [
        ("ks.yaml", f"Kustomization app: spec.commonMetadata.labels.tier must be a string, not a null{KEPT}")
    ]


def test_built_in_kinds_are_the_dotless_api_groups():
    assert [native(v) for v in ("v1", "apps/v1", "batch/v1", "source.toolkit.fluxcd.io/v1", None, "")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_an_object_without_nulls_is_validated_as_it_is():
    documents = {"urn:kind": {"properties": {"spec": {"properties": {"timeout": {"type": "string", "default": "60s"}}}}}}
    doc = {"apiVersion": "example.com/v1", "metadata": {"name": "a"}, "spec": {"timeout": "5s", "other": [1, {"b": 2}]}}
    defaults = defaults_of("urn:kind", documents)
    assert as_validated(doc, defaults, decoded=False) is doc
    assert as_validated(doc, defaults, decoded=True) is doc


def test_a_default_reached_through_a_reference_and_a_list_fills_the_null():
    documents = {
        "urn:kind": {
            "properties": {"spec": {"properties": {"items": {"type": "array", "items": {"$ref": "urn:defs#/$defs/item"}}}}}
        },
        "urn:defs": {"$defs": {"item": {"anyOf": [{"properties": {"optional": {"type": "boolean", "default": False}}}]}}},
    }
    assert defaults_of("urn:kind", documents) == ((("spec", "items", "[]", "optional"), False),)
    doc = {"spec": {"items": [{"optional": None}, None]}}
    assert as_validated(doc, defaults_of("urn:kind", documents), decoded=False) == {
        "spec": {"items": [{"optional": False}, None]}
    }


def test_a_default_of_map_values_fills_each_null_value():
    documents = {"urn:kind": {"properties": {"spec": {"additionalProperties": {"type": "string", "default": "x"}}}}}
    doc = {"spec": {"a": None, "b": "set"}}
    assert as_validated(doc, defaults_of("urn:kind", documents), decoded=False) == {"spec": {"a": "x", "b": "set"}}
