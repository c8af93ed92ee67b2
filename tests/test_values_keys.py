"""HL406: the key a HelmRelease's valuesFrom reads must be in the ConfigMap or Secret it names.

helm-controller (fluxcd/pkg chartutil ChartValuesFromReferences) reads `Data[valuesKey]`
(default `values.yaml`); a missing key fails the release unless the reference is optional. The
generator key rules were checked with `kubectl kustomize` (kustomize v5.8.1).
"""

from __future__ import annotations

import pytest

from .conftest import flux_ks

APP = "kubernetes/apps/default/echo/app"
SOPS_MARK = "sops:\n  mac: ENC[AES256_GCM,data:x,type:str]\n  version: 3.9.0\n"


def release(entries: str) -> str:
    """The base's HelmRelease echo with these `valuesFrom` entries (YAML list items, 4 spaces in)."""
    return (
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: echo\nspec:\n"
        "  interval: 1h\n  chartRef: {kind: OCIRepository, name: app-template, namespace: flux-system}\n"
        f"  valuesFrom:\n{entries}"
    )


def kustomization(extra: str = "", resources: tuple[str, ...] = ()) -> str:
    listed = "".join(f"  - ./{r}\n" for r in ("helmrelease.yaml", *resources))
    return f"---\nresources:\n{listed}generatorOptions:\n  disableNameSuffixHash: true\n{extra}"


def hl406(check_json, repo, files: dict[str, str]) -> list[dict]:
    root = repo({f"{APP}/{rel}": text for rel, text in files.items()}, base="base")
    _, findings = check_json(root, "--select", "HL406")
    return [f for f in findings if f["rule"] == "HL406"]


CONFIGMAP_VALUES = "    - kind: ConfigMap\n      name: echo-values\n"


def test_a_generator_file_is_keyed_by_its_base_name_not_values_yaml(check_json, repo):
    found = hl406(
        check_json,
        repo,
        {
            "kustomization.yaml": kustomization("configMapGenerator:\n  - name: echo-values\n    files: [config/values.yml]\n"),
            "config/values.yml": "replicas: 1\n",
            "helmrelease.yaml": release(CONFIGMAP_VALUES),
        },
    )
    assert [(f["path"], f["line"], f["severity"]) for f in found] == [(f"{APP}/helmrelease.yaml", 11, "error")]
    assert (
        "reads key 'values.yaml' (the default valuesKey) of ConfigMap 'echo-values' in namespace default" in found[0]["message"]
    )
    assert "its keys are values.yml" in found[0]["message"]
    assert found[0]["fix"].startswith("set valuesKey: values.yml")


def test_a_named_generator_file_and_a_literal_give_their_own_keys(check_json, repo):
    generators = (
        "configMapGenerator:\n  - name: echo-values\n    files: [values.yaml=values.yml]\n"
        "  - name: echo-tag\n    literals: [tag=37]\n"
    )
    entries = (
        CONFIGMAP_VALUES + "    - kind: ConfigMap\n      name: echo-tag\n      valuesKey: tag\n      targetPath: image.tag\n"
    )
    files = {"kustomization.yaml": kustomization(generators), "values.yml": "replicas: 1\n", "helmrelease.yaml": release(entries)}
    assert hl406(check_json, repo, files) == []


def test_a_written_valueskey_is_reported_where_it_is_also_with_targetpath(check_json, repo):
    configmap = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: echo-tag\ndata:\n  tag: '37'\n"
    entries = "    - kind: ConfigMap\n      name: echo-tag\n      valuesKey: version\n      targetPath: image.tag\n"
    found = hl406(
        check_json,
        repo,
        {
            "kustomization.yaml": kustomization(resources=("configmap.yaml",)),
            "configmap.yaml": configmap,
            "helmrelease.yaml": release(entries),
        },
    )
    assert [(f["line"], f["column"]) for f in found] == [(12, 18)]
    assert "reads key 'version' of ConfigMap 'echo-tag'" in found[0]["message"]


def test_an_optional_reference_with_a_missing_key_is_skipped_as_helm_controller_does(check_json, repo):
    entries = CONFIGMAP_VALUES + "      optional: true\n"
    generators = "configMapGenerator:\n  - name: echo-values\n    literals: [other=1]\n"
    assert hl406(check_json, repo, {"kustomization.yaml": kustomization(generators), "helmrelease.yaml": release(entries)}) == []


def test_binary_data_is_not_read_by_helm_controller(check_json, repo):
    configmap = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: echo-values\nbinaryData:\n  values.yaml: eDogMQo=\n"
    found = hl406(
        check_json,
        repo,
        {
            "kustomization.yaml": kustomization(resources=("configmap.yaml",)),
            "configmap.yaml": configmap,
            "helmrelease.yaml": release(CONFIGMAP_VALUES),
        },
    )
    assert len(found) == 1
    assert "it has no data keys; 'values.yaml' is in its binaryData, which helm-controller does not read" in found[0]["message"]


SECRET_VALUES = "    - kind: Secret\n      name: echo-secret\n"


def test_a_secrets_string_data_keys_count_and_no_value_is_shown(check_json, repo):
    secret = (
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: echo-secret\nstringData:\n  values.yaml: 'password: hunter2'\n"
    )
    files = {
        "kustomization.yaml": kustomization(resources=("secret.yaml",)),
        "secret.yaml": secret,
        "helmrelease.yaml": release(SECRET_VALUES),
    }
    assert hl406(check_json, repo, files) == []
    files["secret.yaml"] = secret.replace("values.yaml:", "config.yaml:")
    found = hl406(check_json, repo, files)
    assert len(found) == 1
    assert "of Secret 'echo-secret' in namespace default (defined in" in found[0]["message"]
    assert "its keys are config.yaml" in found[0]["message"]
    assert "hunter2" not in str(found)


def test_a_sops_secrets_key_names_are_read_in_clear(check_json, repo):
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: echo-secret\nstringData:\n"
        "  config.yaml: ENC[AES256_GCM,data:abc,type:str]\n" + SOPS_MARK
    )
    ks = flux_ks("echo", f"./{APP}", "  targetNamespace: default\n  decryption: {provider: sops, secretRef: {name: sops-age}}\n")
    found = hl406(
        check_json,
        repo,
        {
            "kustomization.yaml": kustomization(resources=("secret.sops.yaml",)),
            "secret.sops.yaml": secret,
            "helmrelease.yaml": release(SECRET_VALUES),
            "../ks.yaml": ks,
        },
    )
    assert [f["message"].split(": its keys are ")[1].split(";")[0] for f in found] == ["config.yaml"]


def test_an_external_secret_writing_the_secret_makes_its_keys_unknown(check_json, repo):
    secret = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: echo-secret\nstringData:\n  config.yaml: x\n"
    external = (
        "---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: echo\nspec:\n"
        "  secretStoreRef: {kind: ClusterSecretStore, name: store}\n  target: {name: echo-secret, creationPolicy: Merge}\n"
        "  dataFrom:\n    - extract: {key: echo}\n"
    )
    files = {
        "kustomization.yaml": kustomization(resources=("secret.yaml", "externalsecret.yaml")),
        "secret.yaml": secret,
        "externalsecret.yaml": external,
        "helmrelease.yaml": release(SECRET_VALUES),
    }
    assert hl406(check_json, repo, files) == []


@pytest.mark.parametrize(
    ("target", "extra", "found"),
    [
        ("{name: echo-secret}", "", ["values.yaml"]),  # data only: its keys are the secretKeys
        ("{name: echo-secret, creationPolicy: Orphan}", "", ["values.yaml"]),
        ("{name: echo-secret, template: {data: {values.yaml: x}}}", "", []),  # a template decides the keys
        ("{name: echo-secret}", "  dataFrom:\n    - extract: {key: echo}\n", []),  # the provider's keys
        ("{name: echo-secret, creationPolicy: Merge}", "", []),  # fills a Secret made elsewhere
    ],
    ids=["data-only", "orphan", "template", "data-from", "merge"],
)
def test_an_external_secret_that_writes_exactly_its_data_gives_its_secret_keys(check_json, repo, target, extra, found):
    """mirceanton: External Secrets writes a Secret of each spec.data[].secretKey when nothing else
    decides its keys; a valuesKey it lacks fails the release as for any Secret."""
    external = (
        "---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: echo\nspec:\n"
        f"  secretStoreRef: {{kind: ClusterSecretStore, name: store}}\n  target: {target}\n"
        "  data:\n    - secretKey: config.yaml\n      remoteRef: {key: echo}\n" + extra
    )
    files = {
        "kustomization.yaml": kustomization(resources=("externalsecret.yaml",)),
        "externalsecret.yaml": external,
        "helmrelease.yaml": release(SECRET_VALUES.replace("      valuesKey: config.yaml\n", "")),
    }
    reported = hl406(check_json, repo, files)
    assert [f["message"].split("reads key '")[1].split("'")[0] for f in reported] == found
    if found:
        assert "written with the data[].secretKey entries of the ExternalSecret in" in reported[0]["message"]


def test_an_env_file_gives_its_keys_unless_it_cannot_be_read(check_json, repo):
    generators = "configMapGenerator:\n  - name: echo-values\n    envs: [echo.env]\n"
    files = {
        "kustomization.yaml": kustomization(generators),
        "echo.env": "# c\nA=1\n  B=2\n",
        "helmrelease.yaml": release(CONFIGMAP_VALUES),
    }
    found = hl406(check_json, repo, files)
    assert [f["message"].split(": its keys are ")[1].split(";")[0] for f in found] == ["A, B"]
    del files["echo.env"]
    assert hl406(check_json, repo, files) == []  # a missing env file: keys unknown
    files["echo.env"] = "A=1\nvalues.yaml\n"  # a line without '=' is a key (empty, whatever kustomize's environment holds)
    assert hl406(check_json, repo, files) == []


def test_merge_keeps_the_keys_of_the_object_and_replace_drops_them(check_json, repo):
    base = "---\nconfigMapGenerator:\n  - name: echo-values\n    literals: [values.yaml=a]\ngeneratorOptions:\n  disableNameSuffixHash: true\n"
    overlay = "configMapGenerator:\n  - name: echo-values\n    behavior: merge\n    literals: [other.yaml=b]\n"
    files = {
        "base/kustomization.yaml": base,
        "kustomization.yaml": kustomization(overlay, resources=("base",)),
        "helmrelease.yaml": release(CONFIGMAP_VALUES),
    }
    assert hl406(check_json, repo, files) == []
    files["kustomization.yaml"] = kustomization(overlay.replace("merge", "replace"), resources=("base",))
    found = hl406(check_json, repo, files)
    assert [f["message"].split(": its keys are ")[1].split(";")[0] for f in found] == ["other.yaml"]


def test_a_merge_from_an_unreadable_env_file_makes_the_keys_unknown(check_json, repo):
    base = "---\nconfigMapGenerator:\n  - name: echo-values\n    literals: [other.yaml=a]\ngeneratorOptions:\n  disableNameSuffixHash: true\n"
    overlay = "configMapGenerator:\n  - name: echo-values\n    behavior: merge\n    envs: [missing.env]\n"
    files = {
        "base/kustomization.yaml": base,
        "kustomization.yaml": kustomization(overlay, resources=("base",)),
        "helmrelease.yaml": release(CONFIGMAP_VALUES),
    }
    assert hl406(check_json, repo, files) == []


def test_a_patch_that_adds_the_key_counts(check_json, repo):
    configmap = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: echo-values\ndata:\n  other.yaml: a\n"
    patch = "patches:\n  - patch: |\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: echo-values}\n      data: {values.yaml: 'b: 1'}\n"
    files = {
        "kustomization.yaml": kustomization(patch, resources=("configmap.yaml",)),
        "configmap.yaml": configmap,
        "helmrelease.yaml": release(CONFIGMAP_VALUES),
    }
    assert hl406(check_json, repo, files) == []


def test_a_substituted_key_name_is_resolved_or_left_alone(check_json, repo):
    configmap = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: echo-values\ndata:\n  ${KEY}: a\n"
    files = {
        "kustomization.yaml": kustomization(resources=("configmap.yaml",)),
        "configmap.yaml": configmap,
        "helmrelease.yaml": release(CONFIGMAP_VALUES),
    }
    assert hl406(check_json, repo, files) == []  # KEY is defined nowhere: the key is unknown
    files["../ks.yaml"] = flux_ks(
        "echo", f"./{APP}", "  targetNamespace: default\n  postBuild:\n    substitute: {KEY: other.yaml}\n"
    )
    found = hl406(check_json, repo, files)
    assert [f["message"].split(": its keys are ")[1].split(";")[0] for f in found] == ["other.yaml"]


def test_an_object_applied_with_ssa_merge_may_hold_other_keys(check_json, repo):
    configmap = (
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: echo-values\n"
        "  annotations: {kustomize.toolkit.fluxcd.io/ssa: Merge}\ndata:\n  other.yaml: a\n"
    )
    files = {
        "kustomization.yaml": kustomization(resources=("configmap.yaml",)),
        "configmap.yaml": configmap,
        "helmrelease.yaml": release(CONFIGMAP_VALUES),
    }
    assert hl406(check_json, repo, files) == []


def test_a_hashed_generator_is_judged_where_kustomize_rewrites_the_reference(check_json, repo):
    generators = "configMapGenerator:\n  - name: echo-values\n    files: [values.yml]\n"
    config = "nameReference:\n  - kind: ConfigMap\n    fieldSpecs:\n      - {kind: HelmRelease, path: spec/valuesFrom/name}\n"
    files = {
        "kustomization.yaml": f"---\nresources:\n  - ./helmrelease.yaml\nconfigurations:\n  - ./kustomizeconfig.yaml\n{generators}",
        "kustomizeconfig.yaml": config,
        "values.yml": "replicas: 1\n",
        "helmrelease.yaml": release(CONFIGMAP_VALUES),
    }
    assert [f["line"] for f in hl406(check_json, repo, files)] == [11]
    files["kustomization.yaml"] = f"---\nresources:\n  - ./helmrelease.yaml\n{generators}"
    assert hl406(check_json, repo, files) == []  # not rewritten: the name is missing (HL405), not the key
