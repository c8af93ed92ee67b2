"""Which HelmReleases install bjw-s app-template, and which consumer rows read their values: a chart
named app-template (by `spec.chart.spec.chart`, the chartRef's name, or the URL of the
OCIRepository it names) is app-template; another chart whose values have the bjw-s common library's
top-level `controllers` may be app-template or a chart built on that library (immich's), so both the
app-template rows and the generic chart rows (`**.existingClaim`, `**.existingSecret`) read it. The rows read
the values helm-controller passes: the `valuesFrom` entries merged, then `spec.values` over them."""

from __future__ import annotations

import json

from homelint.core.model import make_object
from homelint.model.refs import app_template

from .test_volsync_refs import APP, CLAIM

SOURCE = """---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: chart-a}
spec:
  interval: 1h
  url: oci://registry.example.com/charts/%s
  ref: {tag: 1.0.0}
"""


def release(values: str, chart: str = "chart-a") -> str:
    """A HelmRelease app-a of the OCIRepository chart-a (in the app's folder) serving `chart`."""
    return (SOURCE % chart) + (
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a}\nspec:\n"
        "  interval: 1h\n  chartRef: {kind: OCIRepository, name: chart-a}\n  values:\n" + values
    )


CONTROLLERS = (
    "    controllers:\n      main:\n        containers:\n          main:\n            image: {repository: r, tag: '1'}\n"
)


def findings(check_json, repo, files: dict[str, str], rules: tuple[str, ...]) -> list[tuple[str, str, str]]:
    kust = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
    listed = "".join(f"  - ./{path.rsplit('/', 1)[-1]}\n" for path in files)
    tree = {f"{APP}/{path}": text for path, text in files.items()}
    _, found = check_json(repo({**tree, f"{APP}/kustomization.yaml": kust + listed}, base="base"))
    return sorted((f["rule"], f["severity"], f["message"]) for f in found if f["rule"] in rules)


def test_claim_of_a_common_library_chart_in_a_nested_section_is_used(check_json, repo):
    """immich's chart (bjw-s common library, top-level controllers) reads server.persistence.*.existingClaim."""
    values = CONTROLLERS + "    server:\n      persistence:\n        data: {existingClaim: claim-a}\n"
    files = {"helmrelease.yaml": release(values), "pvc.yaml": CLAIM}
    assert findings(check_json, repo, files, ("HL301", "HL303")) == []


def test_missing_claim_of_a_common_library_chart_in_a_nested_section_is_reported_once(check_json, repo):
    values = CONTROLLERS + "    server:\n      persistence:\n        data: {existingClaim: claim-a}\n"
    found = findings(check_json, repo, {"helmrelease.yaml": release(values)}, ("HL301",))
    assert [(rule, severity) for rule, severity, _ in found] == [("HL301", "error")]
    assert "claims volume 'claim-a' in namespace default" in found[0][2]


def test_top_level_claim_read_by_both_row_sets_is_one_reference(check_json, repo):
    values = CONTROLLERS + "    persistence:\n      data: {existingClaim: claim-a}\n"
    found = findings(check_json, repo, {"helmrelease.yaml": release(values)}, ("HL301",))
    assert [(rule, severity) for rule, severity, _ in found] == [("HL301", "error")]


def test_existing_secret_of_a_common_library_chart_is_read(check_json, repo):
    values = CONTROLLERS + "    server:\n      database: {existingSecret: secret-a}\n"
    found = findings(check_json, repo, {"helmrelease.yaml": release(values)}, ("HL401",))
    assert len(found) == 1 and "uses Secret 'secret-a' in namespace default" in found[0][2]


def test_oci_repository_serving_app_template_under_another_name_is_app_template(check_json, repo):
    """Its own envFrom Secret named after the release is not excused as 'the chart may create it':
    the producer table knows what app-template makes."""
    values = (
        "    controllers:\n      main:\n        containers:\n          main:\n"
        "            image: {repository: r, tag: '1'}\n            envFrom: [{secretRef: {name: app-a-secret}}]\n"
    )
    files = {"helmrelease.yaml": release(values, chart="app-template")}
    found = findings(check_json, repo, files, ("HL401",))
    assert [(rule, severity) for rule, severity, _ in found] == [("HL401", "error")]
    assert "may create it" not in found[0][2]


def test_common_library_chart_may_make_secrets_named_after_its_release(check_json, repo):
    values = (
        "    controllers:\n      main:\n        containers:\n          main:\n"
        "            image: {repository: r, tag: '1'}\n            envFrom: [{secretRef: {name: app-a-secret}}]\n"
    )
    found = findings(check_json, repo, {"helmrelease.yaml": release(values)}, ("HL401",))
    assert [(rule, severity) for rule, severity, _ in found] == [("HL401", "info")]
    assert "the chart chart-a of release app-a in that namespace may create it" in found[0][2]


def test_a_claim_named_after_a_release_of_another_chart_may_be_made_by_that_chart(check_json, repo):
    """A generic chart that creates its own claim (`persistentVolumeClaim.enabled`, named after the
    release) and mounts it by name: homelint does not read chart templates, so the claim is an
    info naming the chart, as for Secrets; a claim named otherwise is still an error, and so is one
    named after an app-template release (the producer table knows what app-template makes)."""
    values = "    persistentVolumeClaim: {enabled: true}\n    volumes:\n      - persistentVolumeClaim: {claimName: %s}\n"
    own = findings(check_json, repo, {"helmrelease.yaml": release(values % "app-a")}, ("HL301",))
    assert [(rule, severity) for rule, severity, _ in own] == [("HL301", "info")]
    assert "the chart chart-a of release app-a in that namespace may create it" in own[0][2]
    named = findings(check_json, repo, {"helmrelease.yaml": release(values % "app-a-data")}, ("HL301",))
    assert [(rule, severity) for rule, severity, _ in named] == [("HL301", "info")]
    other = findings(check_json, repo, {"helmrelease.yaml": release(values % "claim-b")}, ("HL301",))
    assert [(rule, severity) for rule, severity, _ in other] == [("HL301", "error")]
    app_template = CONTROLLERS + "    persistence:\n      data: {existingClaim: app-a}\n"
    found = findings(check_json, repo, {"helmrelease.yaml": release(app_template, chart="app-template")}, ("HL301",))
    assert [(rule, severity) for rule, severity, _ in found] == [("HL301", "error")]


def hr(spec: dict) -> object:
    made = make_object(
        "hr.yaml", 0, {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "a"}, "spec": spec}
    )
    assert made is not None
    return made


def test_app_template_is_decided_by_the_chart_name_else_unsure_when_values_look_like_it():
    controllers = {"values": {"controllers": {"main": {}}}}
    assert app_template(hr({"chart": {"spec": {"chart": "app-template"}}})) is True
    assert app_template(hr({"chartRef": {"kind": "OCIRepository", "name": "app-template"}})) is True
    assert app_template(hr({"chartRef": {"kind": "OCIRepository", "name": "a"}, **controllers}), served="app-template") is True
    assert app_template(hr({"chartRef": {"kind": "OCIRepository", "name": "a"}, **controllers})) is None
    assert app_template(hr({"chart": {"spec": {"chart": "immich"}}, **controllers})) is None
    assert app_template(hr({"chart": {"spec": {"chart": "chart-a"}}, "values": {"persistence": {}}})) is False


# --- chart values from valuesFrom ---------------------------------------------------------------
# helm-controller merges the valuesFrom entries in order, then spec.values over them
# (chartutil.ChartValuesFromReferences): the consumer rows read what the chart receives.
def values_from_release(entries: str, values: str = "") -> str:
    """A HelmRelease app-a of chart chart-a whose values come from the `valuesFrom` entries (and `values`)."""
    inline = f"  values:\n{values}" if values else ""
    return (SOURCE % "chart-a") + (
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a}\nspec:\n"
        "  interval: 1h\n  chartRef: {kind: OCIRepository, name: chart-a}\n  valuesFrom:\n" + entries + inline
    )


GENERATED = "    - {kind: ConfigMap, name: app-a-values}\n"  # key values.yaml, made of values.yaml below


def from_values_file(check_json, repo, files: dict[str, str], values: str, rules: tuple[str, ...]) -> list[dict]:
    """The findings of `rules` when a configMapGenerator makes ConfigMap app-a-values of values.yaml."""
    listed = "".join(f"  - ./{path}\n" for path in files)
    kust = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n" + listed + "configMapGenerator:\n"
        "  - name: app-a-values\n    files: [values.yaml=values.yaml]\ngeneratorOptions: {disableNameSuffixHash: true}\n"
    )
    tree = {f"{APP}/{path}": text for path, text in {**files, "values.yaml": values, "kustomization.yaml": kust}.items()}
    _, found = check_json(repo(tree, base="base"))
    return sorted((f for f in found if f["rule"] in rules), key=lambda f: (f["rule"], f["path"], f["line"]))


def test_a_claim_named_only_in_values_from_is_used(check_json, repo):
    files = {"helmrelease.yaml": values_from_release(GENERATED), "pvc.yaml": CLAIM}
    values = "persistence:\n  data:\n    existingClaim: claim-a\n"
    assert from_values_file(check_json, repo, files, values, ("HL301", "HL303")) == []


def test_a_missing_claim_named_in_values_from_is_reported_where_the_values_file_names_it(check_json, repo):
    values = "persistence:\n  data:\n    existingClaim: claim-b\n"
    found = from_values_file(check_json, repo, {"helmrelease.yaml": values_from_release(GENERATED)}, values, ("HL301",))
    assert [(f["rule"], f["severity"], f["path"], f["line"], f["column"]) for f in found] == [
        ("HL301", "error", f"{APP}/values.yaml", 3, 20)
    ]
    assert found[0]["message"].startswith(
        "HelmRelease app-a claims volume 'claim-b' (set in ConfigMap app-a-values key values.yaml (generated from "
        f"{APP}/values.yaml)) in namespace default, but nothing in the repository creates that PersistentVolumeClaim"
    )


def test_a_claim_values_from_names_under_inline_values_that_replace_it_is_not_read(check_json, repo):
    """spec.values wins: its claim-a replaces the claim-b of the values file."""
    release = values_from_release(GENERATED, "    persistence:\n      data: {existingClaim: claim-a}\n")
    values = "persistence:\n  data:\n    existingClaim: claim-b\n"
    found = from_values_file(check_json, repo, {"helmrelease.yaml": release, "pvc.yaml": CLAIM}, values, ("HL301", "HL303"))
    assert found == []


def test_a_claim_in_values_a_later_unreadable_source_may_override_is_used_but_not_judged(check_json, repo):
    """An optional Secret the repository does not hold may set any value (or switch the section off):
    claim-a counts as used, the missing claim-b is not reported."""
    entries = GENERATED + "    - {kind: Secret, name: app-a-secret-values, optional: true}\n"
    values = "persistence:\n  data: {existingClaim: claim-a}\n  cache: {existingClaim: claim-b}\n"
    files = {"helmrelease.yaml": values_from_release(entries), "pvc.yaml": CLAIM}
    assert from_values_file(check_json, repo, files, values, ("HL301", "HL303")) == []


def test_an_existing_secret_in_a_values_config_map_is_reported_in_its_data(check_json, repo):
    config_map = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-a-config}\ndata:\n  values.yaml: |\n"
        "    auth:\n      existingSecret: secret-a\n"
    )
    entries = "    - {kind: ConfigMap, name: app-a-config}\n"
    files = {"helmrelease.yaml": values_from_release(entries), "configmap.yaml": config_map}
    found = from_values_file(check_json, repo, files, "{}\n", ("HL401",))
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in found] == [("HL401", f"{APP}/configmap.yaml", 7, 23)]
    assert "uses Secret 'secret-a' (set in ConfigMap app-a-config key values.yaml) in namespace default" in found[0]["message"]


def test_a_values_from_secret_is_never_read_nor_shown(check_json, repo):
    """A plaintext Secret given through valuesFrom names a claim and holds a credential: its values
    are not read (the claim is a mention: no HL301), and no finding shows the credential."""
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: app-a-secret-values, namespace: default}\n"
        "stringData:\n  values.yaml: |\n    persistence:\n      data: {existingClaim: claim-z}\n"
        "    password: hunter2-credential\n"
    )
    files = {
        "helmrelease.yaml": values_from_release("    - {kind: Secret, name: app-a-secret-values}\n"),
        "secret.yaml": secret,
    }
    tree = {f"{APP}/{path}": text for path, text in files.items()}
    tree[f"{APP}/kustomization.yaml"] = "resources: [helmrelease.yaml, secret.yaml]\n"
    _, found = check_json(repo(tree, base="base"))
    assert not [f for f in found if f["rule"] == "HL301"]
    assert "hunter2-credential" not in json.dumps(found)


def test_the_chart_named_is_the_one_the_chart_refs_source_serves(check_json, repo):
    """A chartRef names an OCIRepository: the chart is the last segment of its URL (what
    source-controller pulls), not the source object's name."""
    values = CONTROLLERS.replace(
        "image: {repository: r, tag: '1'}",
        "image: {repository: r, tag: '1'}\n            envFrom: [{secretRef: {name: app-a-secret}}]",
    )
    found = findings(check_json, repo, {"helmrelease.yaml": release(values, chart="chart-b")}, ("HL401",))
    assert [(rule, severity) for rule, severity, _ in found] == [("HL401", "info")]
    assert "the chart chart-b of release app-a in that namespace may create it" in found[0][2]
