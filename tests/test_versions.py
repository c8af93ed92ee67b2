"""Each repository is judged against the Flux, External Secrets and Kubernetes releases it installs
(versions.py, schemas/api-versions.yaml), and `--target` previews an upgrade (HL606, HL607)."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homelint.core.resources import data_dir, schema
from homelint.engine.runner import load_repo
from homelint.model.config import load_config
from homelint.model.versions import NEWEST, Installed, Version, Versions, api_priority, judge, parse_version, table

from .conftest import FIXTURES, GOTK, flux_ks

VERSIONS = FIXTURES / "versions"


def rules_of(findings, *rules):
    return [f for f in findings if f["rule"] in rules]


# --- reading versions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "version", "how"),
    [
        ("v2.5.1", Version(2, 5, 1), "exact"),
        ("2.9.4", Version(2, 9, 4), "exact"),
        ("v2.2.3@sha256:187f6a40", Version(2, 2, 3), "exact"),
        ("0.10.7", Version(0, 10, 7), "exact"),
        ("2.5.x", Version(2, 5), "range"),
        ("2.5.*", Version(2, 5), "range"),
        (">=2.8", Version(2, 8), "range"),
        (">=2.8.0 <3.0.0", Version(2, 8), "range"),
        ("~2.6", Version(2, 6), "range"),
        ("^2.7.1", Version(2, 7, 1), "range"),
        ("2.6 || 2.8", Version(2, 6), "range"),
        ("2.x", Version(2), "major"),
        ("2", Version(2), "major"),
        ("*", None, "major"),
        ("main", None, ""),
        ("", None, ""),
    ],
)
def test_a_range_reads_as_its_lowest_match(text, version, how):
    assert parse_version(text) == (version, how)


def test_the_table_is_valid_against_its_schema_and_consistent():
    import ruamel.yaml

    data = ruamel.yaml.YAML(typ="safe").load((data_dir("schemas") / "api-versions.yaml").read_text())
    jsonschema.Draft202012Validator(schema("api-versions.schema.json")).validate(data)
    for item in data["apis"]:
        for api, when in item["versions"].items():
            served = parse_version(when["served"])[0]
            assert served is not None
            for later in ("deprecated", "removed"):
                if later in when:
                    assert served <= parse_version(when[later])[0], (item["kinds"], api)
        # every kind keeps at least one apiVersion that the newest release serves, unless noted
        assert item.get("note") or any("removed" not in w for w in item["versions"].values()), item["kinds"]
    seen = set()
    for item in data["apis"]:
        for kind in item["kinds"]:
            for api in item["versions"]:
                assert (api, kind) not in seen, (api, kind)
                seen.add((api, kind))


def test_the_table_knows_the_documented_removals():
    """Flux 2.7 removed the v1beta1/v2beta1 APIs, 2.8 source/kustomize v1beta2 and helm v2beta2, 2.9
    image/notification v1beta2; External Secrets 0.17 stopped serving v1beta1."""
    apis = table()
    cases = [
        ("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", "2.6", "2.7"),
        ("kustomize.toolkit.fluxcd.io/v1beta1", "Kustomization", "2.6", "2.7"),
        ("notification.toolkit.fluxcd.io/v1beta1", "Alert", "2.6", "2.7"),
        ("source.toolkit.fluxcd.io/v1beta2", "OCIRepository", "2.7", "2.8"),
        ("kustomize.toolkit.fluxcd.io/v1beta2", "Kustomization", "2.7", "2.8"),
        ("helm.toolkit.fluxcd.io/v2beta2", "HelmRelease", "2.7", "2.8"),
        ("notification.toolkit.fluxcd.io/v1beta2", "Provider", "2.8", "2.9"),
        ("image.toolkit.fluxcd.io/v1beta2", "ImagePolicy", "2.8", "2.9"),
        ("external-secrets.io/v1beta1", "ExternalSecret", "0.16", "0.17"),
        ("policy/v1beta1", "PodDisruptionBudget", "1.24", "1.25"),
    ]
    for api, kind, last, gone in cases:
        entry = apis.entry(api, kind)
        assert entry is not None, api
        assert judge(entry, api, parse_version(last)[0]).served, (api, last)
        assert not judge(entry, api, parse_version(gone)[0]).served, (api, gone)
        assert not judge(entry, api, NEWEST).served
    # OCIRepository v1 arrives in Flux 2.6: a 2.5 cluster does not serve it yet
    entry = apis.entry("source.toolkit.fluxcd.io/v1", "OCIRepository")
    assert entry is not None and judge(entry, "source.toolkit.fluxcd.io/v1", Version(2, 5, 1)).added == Version(2, 6)
    assert api_priority("v1") > api_priority("v2beta2") > api_priority("v1beta3") > api_priority("v1alpha1")


def test_never_recommends_what_the_installed_release_does_not_serve(repo, check_json):
    """Flux 2.2 serves HelmRelease v2beta1 and v2beta2, not v2 (2.3): the warning recommends v2beta2."""
    root = repo(
        {
            "cluster/flux/gotk-components.yaml": "# Flux Version: v2.2.3\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n",
            "cluster/apps/podinfo.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n",
        }
    )
    _, findings = check_json(root, "--select", "HL6")
    (finding,) = rules_of(findings, "HL602", "HL603")
    assert finding["rule"] == "HL603" and finding["severity"] == "warning"
    assert "Flux 2.2.3 serves it, but Flux 2.7 removes it; use helm.toolkit.fluxcd.io/v2beta2" in finding["message"]
    assert "helm.toolkit.fluxcd.io/v2 " not in finding["message"] + " "


RECEIVER = """apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata:
  name: receiver-a
  namespace: flux-system
spec:
  type: github
  secretRef: {name: token-a}
  resources:
    - {apiVersion: source.toolkit.fluxcd.io/v1beta2, kind: GitRepository, name: flux-system}
    - {apiVersion: source.toolkit.fluxcd.io/v1, kind: GitRepository, name: flux-system}
    - {kind: Kustomization, name: app-a}
"""


@pytest.mark.parametrize(("flux", "errors"), [("v2.8.0", [10]), ("v2.7.0", [])])
def test_a_receiver_resource_at_an_apiversion_flux_does_not_serve_fails_each_webhook_call(repo, check_json, flux, errors):
    """notification-controller reads each resource at the apiVersion its entry names: Flux 2.8
    no longer serves source v1beta2 (2.7 still does); an entry without one takes the release's own."""
    root = repo(
        {
            "cluster/flux/gotk-components.yaml": f"# Flux Version: {flux}\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n",
            "cluster/apps/receiver.yaml": RECEIVER,
        }
    )
    _, findings = check_json(root, "--select", "HL602")
    assert [f["line"] for f in rules_of(findings, "HL602")] == errors
    for finding in rules_of(findings, "HL602"):
        assert finding["message"].startswith(
            "Receiver receiver-a names GitRepository flux-system at source.toolkit.fluxcd.io/v1beta2, but Flux 2.8 does not"
        )


# --- the fixtures the issue asks for --------------------------------------------------------------
def test_a_repository_pinned_to_an_old_flux_gets_no_error_and_one_upgrade_hint(check_json):
    code, findings = check_json(VERSIONS / "old-flux")
    assert code == 0
    assert rules_of(findings, "HL602") == []
    hints = rules_of(findings, "HL603")
    assert [(f["severity"], f["path"], f["line"]) for f in hints] == [("info", "cluster/bootstrap/kustomization.yaml", 5)]
    assert hints[0]["message"].startswith("Flux 0.31.4 serves 6 objects")  # the Alert and its Provider among them
    assert "HelmRelease helm.toolkit.fluxcd.io/v2beta1 (removed in 2.7; 1 object)" in hints[0]["message"]


def test_a_repository_on_flux_2_8_previews_2_9(check_json, run):
    code, findings = check_json(VERSIONS / "flux-2.8")
    assert code == 0  # warnings only: Flux 2.8 serves everything and does not substitute strictly
    assert {(f["rule"], f["severity"]) for f in findings} == {("HL603", "warning"), ("HL201", "warning")}
    code, preview = check_json(VERSIONS / "flux-2.8", "--target", "flux=2.9")
    assert code == 1
    removed = rules_of(preview, "HL606")
    strict = rules_of(preview, "HL607")
    assert [(f["path"], f["line"], f["severity"]) for f in removed] == [("cluster/apps/notifications.yaml", 12, "error")]
    assert "upgrading Flux from 2.8 to 2.9 breaks it (removed in 2.9)" in removed[0]["message"]
    assert [(f["path"], f["line"], f["severity"]) for f in strict] == [("cluster/apps/podinfo/app/configmap.yaml", 8, "error")]
    assert "${HOSTNAME}" in strict[0]["message"] and "Flux 2.9 substitutes strictly" in strict[0]["message"]
    # the text report names the versions it judged against and where it read them
    text = run("check", str(VERSIONS / "flux-2.8"), "--no-cache", "--target", "flux=2.9", "--statistics").output
    assert "note: apiVersions judged against Flux 2.8 (cluster/flux/instance.yaml:9), the upgrade target Flux 2.9" in text
    assert (
        "versions: Flux 2.8 (FluxInstance spec.distribution.version '2.8.x', cluster/flux/instance.yaml:9) for cluster/apps"
        in text
    )


def test_targets_can_come_from_the_config(repo, check_json):
    root = repo({".homelint.yaml": 'targets:\n  flux: "2.9"\n'}, base="versions/flux-2.8")
    _, findings = check_json(root)
    assert len(rules_of(findings, "HL606")) == 1 and len(rules_of(findings, "HL607")) == 1


ESO_HR = "cluster/apps/external-secrets/helmrelease.yaml"


@pytest.mark.parametrize(
    ("chart", "expected"),
    [
        # v1beta1 served, v1 not yet: the v1 store fails, the v1beta1 ExternalSecret waits for an upgrade
        ("0.10.7", {("HL602", "error"), ("HL603", "info")}),
        ("0.16.2", {("HL603", "warning")}),  # both served: migrate now
        ("0.17.0", {("HL602", "error")}),  # v1beta1 no longer served
        ("0.17.x", {("HL602", "error")}),
        ("0.x", {("HL602", "error")}),  # only the major is fixed: Helm installs the newest 0.x
    ],
)
def test_external_secrets_before_and_after_0_17(repo, check_json, chart, expected):
    text = (VERSIONS / "eso" / ESO_HR).read_text().replace("version: 0.16.2", f'version: "{chart}"')
    root = repo({ESO_HR: text}, base="versions/eso")
    _, findings = check_json(root)
    assert {(f["rule"], f["severity"]) for f in rules_of(findings, "HL602", "HL603")} == expected
    if chart == "0.17.0":
        (finding,) = rules_of(findings, "HL602")
        assert finding["message"] == (
            "ExternalSecret podinfo uses external-secrets.io/v1beta1, but External Secrets 0.17 does not serve it "
            "(removed in 0.17); use external-secrets.io/v1"
        )


CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: externalsecrets.external-secrets.io
spec:
  group: external-secrets.io
  names:
    kind: ExternalSecret
    plural: externalsecrets
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: true
      storage: false
    - name: v1beta1
      served: {served}
      storage: true
"""


@pytest.mark.parametrize(("served", "expected"), [("true", set()), ("false", {("HL602", "error")})])
def test_an_applied_crd_that_serves_the_version_decides(repo, check_json, served, expected):
    # a rendered stack of an old release applies its own CRDs: the API server serves what they
    # declare, whatever the newest release of the project removed
    text = (VERSIONS / "eso" / ESO_HR).read_text().replace("version: 0.16.2", 'version: "0.17.0"')
    kustomization = (VERSIONS / "eso/cluster/apps/kustomization.yaml").read_text() + "  - ./crds.yaml\n"
    root = repo(
        {
            ESO_HR: text,
            "cluster/apps/crds.yaml": CRD.format(served=served),
            "cluster/apps/kustomization.yaml": kustomization,
        },
        base="versions/eso",
    )
    _, findings = check_json(root)
    found = {
        (f["rule"], f["severity"]) for f in rules_of(findings, "HL602", "HL603") if f["path"].endswith("externalsecret.yaml")
    }
    assert found == expected


def test_external_secrets_upgrade_preview(check_json):
    _, findings = check_json(VERSIONS / "eso", "--target", "external-secrets=0.17")
    (finding,) = rules_of(findings, "HL606")
    assert "upgrading External Secrets from 0.16.2 to 0.17 breaks it" in finding["message"]
    assert "change it to external-secrets.io/v1 before upgrading" in finding["message"]


# --- where versions are read ----------------------------------------------------------------------
HR = "apiVersion: helm.toolkit.fluxcd.io/v2beta2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n"


def _flux_findings(repo, check_json, files):
    root = repo({"cluster/apps/podinfo.yaml": HR, **files})
    _, findings = check_json(root, "--select", "HL602,HL603")
    return findings


@pytest.mark.parametrize(
    ("files", "rule", "says"),
    [
        ({}, "HL602", "the newest Flux no longer serves it (removed in 2.8)"),
        ({"cluster/flux/gotk-components.yaml": "# Flux Version: v2.6.3\n"}, "HL603", "Flux 2.6.3 serves it"),
        (
            {"cluster/bootstrap/kustomization.yaml": "resources:\n  - github.com/fluxcd/flux2/manifests/install?ref=v2.5.1\n"},
            "HL603",
            "Flux 2.5.1 serves it",
        ),
        (
            {
                "cluster/flux/instance.yaml": "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n"
                "spec:\n  distribution:\n    version: '>=2.4'\n"
            },
            "HL603",
            "Flux 2.4 serves it",
        ),
        (
            {
                "cluster/flux/instance.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: flux-instance\n"
                "spec:\n  values:\n    instance:\n      distribution:\n        version: 2.7.x\n"
            },
            "HL603",
            "Flux 2.7 serves it",
        ),
        (
            {
                "cluster/flux/source.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux\n"
                "spec:\n  url: https://github.com/fluxcd/flux2\n  ref:\n    tag: v2.3.0\n"
            },
            "HL603",
            "Flux 2.3 serves it",
        ),
        (  # a FluxInstance that only names the major gets what its flux-operator ships
            {
                "cluster/flux/instance.yaml": "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n"
                "spec:\n  distribution:\n    version: 2.x\n    artifact: oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests:v0.23.0\n"
            },
            "HL603",
            "Flux 2.6 serves it",
        ),
        (  # the operator's chart version, from a helmfile bootstrap
            {
                "bootstrap/helmfile.yaml": "releases:\n  - name: flux-operator\n    chart: oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator\n"
                "    version: 0.31.0\n"
            },
            "HL603",
            "Flux 2.7 serves it",
        ),
    ],
)
def test_where_the_flux_version_is_read(repo, check_json, files, rule, says):
    findings = _flux_findings(repo, check_json, files)
    assert [f["rule"] for f in findings] == [rule]
    assert says in findings[0]["message"]


def test_the_config_overrides_what_the_repository_says(repo, check_json):
    findings = _flux_findings(
        repo,
        check_json,
        {".homelint.yaml": 'flux:\n  version: "2.9"\n', "cluster/flux/gotk-components.yaml": "# Flux Version: v2.6.3\n"},
    )
    assert [f["rule"] for f in findings] == ["HL602"] and "Flux 2.9 does not serve it" in findings[0]["message"]
    findings = _flux_findings(repo, check_json, {".homelint.yaml": 'versions:\n  flux: "2.6"\n'})
    assert [f["rule"] for f in findings] == ["HL603"]


FLUX2_CHART = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts-a\n  namespace: flux-system\n"
    "spec:\n  url: https://fluxcd-community.github.io/helm-charts\n---\n"
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n"
    "  chart:\n    spec:\n      chart: flux2\n      version: 2.10.1\n      sourceRef:\n        kind: HelmRepository\n"
    "        name: charts-a\n"
)


@pytest.mark.parametrize(
    "install",
    [
        {"cluster/flux/install.yaml": FLUX2_CHART},
        {"bootstrap/helmfile.yaml": "releases:\n  - name: flux\n    chart: fluxcd-community/flux2\n    version: 2.10.1\n"},
        {
            "cluster/flux/install.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: flux2\n"
            "spec:\n  url: oci://ghcr.io/fluxcd-community/charts/flux2\n  ref:\n    tag: 2.10.1\n"
        },
    ],
)
def test_flux_installed_by_the_flux2_chart_is_not_judged_against_the_newest(run, repo, install):
    """The flux2 chart's version is not the Flux version, and homelint has no table of them: the
    Flux objects are not judged (no HL602 for v2beta2 as if the newest Flux ran), one note says so."""
    root = repo({"cluster/apps/podinfo.yaml": HR, **install})
    result = run("check", str(root), "--no-cache", "--select", "HL602,HL603,HL606", "--target", "flux=2.9")
    assert result.exit_code == 0 and "All checks passed" in result.output
    notes = [line for line in result.output.splitlines() if "not judged" in line]
    assert len(notes) == 1 and "flux2 chart 2.10.1" in notes[0]
    assert "set versions.flux (or flux.version) in .homelint.yaml to the Flux version it installs" in notes[0]


def test_a_flux_version_beats_the_flux2_chart_and_the_config_judges_it(repo, check_json):
    """A version read elsewhere (a gotk-components header), or set in the config, is judged as usual."""
    chart = {"cluster/flux/install.yaml": FLUX2_CHART}
    findings = _flux_findings(repo, check_json, {**chart, "cluster/flux/gotk-components.yaml": "# Flux Version: v2.6.3\n"})
    assert [f["rule"] for f in findings] == ["HL603"] and "Flux 2.6.3 serves it" in findings[0]["message"]
    findings = _flux_findings(repo, check_json, {**chart, ".homelint.yaml": 'versions:\n  flux: "2.9"\n'})
    assert [f["rule"] for f in findings] == ["HL602"] and "Flux 2.9 does not serve it" in findings[0]["message"]


def test_a_tag_from_a_substituted_variable(repo, check_json):
    """`tag: ${FLUXCD_VERSION:=v2.9.0}` takes the value the applying Kustomization substitutes."""
    source = "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    files = {
        "cluster/flux/sync.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n"
        f"  namespace: flux-system\nspec:\n  path: ./cluster/apps\n{source}---\napiVersion: source.toolkit.fluxcd.io/v1\n"
        "kind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  url: https://example.com/x\n",
        "cluster/apps/flux.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-install\n"
        f"  namespace: flux-system\nspec:\n  path: ./cluster/install\n{source}"
        "  postBuild:\n    substitute:\n      FLUXCD_VERSION: v2.6.1\n",
        "cluster/install/oci.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: flux-manifests\n"
        "  namespace: flux-system\nspec:\n  url: oci://ghcr.io/fluxcd/flux-manifests\n  ref:\n    tag: ${FLUXCD_VERSION:=v2.9.0}\n",
    }
    findings = _flux_findings(repo, check_json, files)
    assert [f["rule"] for f in findings] == ["HL603"] and "Flux 2.6.1 serves it" in findings[0]["message"]
    files["cluster/apps/flux.yaml"] = (
        files["cluster/apps/flux.yaml"].replace("v2.6.1", "${UNSET:=v2.6.1}").replace("FLUXCD_VERSION: ", "OTHER: ")
    )
    findings = _flux_findings(repo, check_json, files)  # not substituted: the default
    assert [f["rule"] for f in findings] == ["HL602"] and "Flux 2.9 does not serve it" in findings[0]["message"]


def test_each_cluster_is_judged_by_its_own_flux(repo, check_json):
    """Two clusters, two bootstraps: v2beta2 fails on the one running 2.8, and is only a warning on 2.5."""
    files = {}
    for cluster, version in (("old", "v2.5.1"), ("new", "v2.8.0")):
        files[f"clusters/{cluster}/bootstrap/kustomization.yaml"] = (
            f"resources:\n  - github.com/fluxcd/flux2/manifests/install?ref={version}\n"
        )
        files[f"clusters/{cluster}/flux/sync.yaml"] = (
            f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n"
            f"  namespace: flux-system\nspec:\n  path: ./clusters/{cluster}/apps\n  sourceRef:\n    kind: GitRepository\n"
            "    name: flux-system\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n"
            "  name: flux-system\n  namespace: flux-system\nspec:\n  url: https://example.com/x\n"
        )
        files[f"clusters/{cluster}/apps/podinfo.yaml"] = HR
    root = repo(files)
    _, findings = check_json(root, "--select", "HL602,HL603")
    assert sorted((f["path"], f["rule"]) for f in findings) == [
        ("clusters/new/apps/podinfo.yaml", "HL602"),
        ("clusters/old/apps/podinfo.yaml", "HL603"),
    ]


MANIFESTS = "oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests"


def operator_cluster(*artifacts: str) -> dict[str, str]:
    """A cluster whose flux-operator chart is 0.18.0 (it ships Flux 2.5) and whose flux-instance
    releases (one per artifact, version '2.x') install Flux from that distribution artifact; its
    apps: an OCIRepository v1 (served since Flux 2.6) and a HelmRelease v2beta2 (removed in 2.8)."""
    files = {
        "clusters/c1/flux-operator.yaml": (
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: flux-operator, namespace: flux-system}\n"
            "spec: {interval: 1h, url: oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator, ref: {tag: 0.18.0}}\n"
        ),
        "clusters/c1/apps.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
            "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
        ),
        "apps/app-a.yaml": (
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: app-a, namespace: ns-a}\n"
            "spec: {interval: 1h, url: oci://example.com/charts/app-a, ref: {tag: 1.0.0}}\n---\n"
            "apiVersion: helm.toolkit.fluxcd.io/v2beta2\nkind: HelmRelease\nmetadata: {name: app-a, namespace: ns-a}\n"
            "spec: {interval: 1h, chartRef: {kind: OCIRepository, name: app-a}}\n"
        ),
    }
    for number, artifact in enumerate(artifacts):
        files[f"clusters/c1/flux-instance-{number}.yaml"] = (
            f"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: flux-instance-{number}, namespace: flux-system}}\n"
            "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: flux-operator}\n  values:\n    instance:\n"
            f"      distribution: {{version: 2.x, artifact: '{artifact}'}}\n"
            "      sync: {kind: GitRepository, url: 'https://git.example.com/org/repo-a', ref: refs/heads/main, path: clusters/c1}\n"
        )
    return files


@pytest.mark.parametrize(
    ("artifact", "flux", "expected"),
    [
        (f"{MANIFESTS}:v0.44.0", "Flux 2.8", [("HL602", "HelmRelease")]),  # operator 0.42.1+ ships Flux 2.8
        (f"{MANIFESTS}:latest", "newest", [("HL602", "HelmRelease")]),
        (MANIFESTS, "newest", [("HL602", "HelmRelease")]),  # no tag: latest
        (f"{MANIFESTS}@sha256:{'a' * 64}", "unknown", []),  # a digest names no release: not judged
        ("oci://registry.example.com/mirror/manifests:v1.2.3", "unknown", []),  # not the operator's manifests
    ],
)
def test_a_flux_instance_installs_the_flux_of_its_own_distribution_artifact(repo, check_json, artifact, flux, expected):
    """With spec.distribution.artifact set, flux-operator installs Flux from the manifests it pulls
    from that artifact, not from those in its own image (fluxinstance_controller.go fetch, then
    MatchVersion of the distribution version in them): the artifact's tag decides which Flux '2.x'
    is, whatever the flux-operator chart (0.18.0, Flux 2.5) says; a tag naming no release leaves the
    Flux version unknown (nothing judged), not the chart's."""
    root = repo(operator_cluster(artifact))
    _, findings = check_json(root, "--select", "HL602,HL603")
    assert sorted((f["rule"], f["message"].split()[0]) for f in findings) == expected
    versions = Versions(load_repo(root, load_config(root), use_cache=False)[0])
    installed = versions.for_root("flux", "clusters/c1")
    assert {"Flux 2.8": installed.label, "newest": "the newest Flux", "unknown": "Flux of an unknown version"}[flux] == (
        installed.label
    )


def test_flux_instances_of_one_cluster_with_different_artifacts_leave_its_flux_unknown(repo, check_json):
    """Two flux-instance releases in one cluster, each with its own artifact (Flux 2.6 and 2.8): which
    one runs cannot be told, and the lower is no safer a guess: Flux objects are not judged."""
    root = repo(operator_cluster(f"{MANIFESTS}:v0.23.0", f"{MANIFESTS}:v0.44.0"))
    _, findings = check_json(root, "--select", "HL602,HL603")
    assert findings == []
    versions = Versions(load_repo(root, load_config(root), use_cache=False)[0])
    assert versions.for_root("flux", "clusters/c1").pinned


def test_the_kubernetes_version_from_talconfig(repo, check_json):
    pdb = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: app\n"
    talos = {
        "talos/talconfig.yaml": "kubernetesVersion: ${kubernetesVersion}\n",
        "talos/talenv.yaml": "kubernetesVersion: v1.24.3\n",
    }
    _, findings = check_json(repo({"apps/pdb.yaml": pdb, **talos}), "--select", "HL602,HL603")
    assert [f["rule"] for f in findings] == ["HL603"]
    assert "Kubernetes 1.24.3 serves it, but Kubernetes 1.25 removes it; use policy/v1" in findings[0]["message"]
    _, findings = check_json(repo({"apps/pdb.yaml": pdb}), "--select", "HL602,HL603")
    assert [f["rule"] for f in findings] == ["HL602"]
    machine = "machine:\n  kubelet:\n    image: ghcr.io/siderolabs/kubelet:v1.20.4\ncluster:\n  clusterName: home\n"
    _, findings = check_json(repo({"apps/pdb.yaml": pdb, "talos/controlplane.yaml": machine}), "--select", "HL602,HL603")
    # 1.20 serves policy/v1beta1 and not yet policy/v1: no warning, one hint where the version was read
    assert [(f["rule"], f["severity"], f["path"], f["line"]) for f in findings] == [
        ("HL603", "info", "talos/controlplane.yaml", 3)
    ]


# --- strict substitution follows the version ------------------------------------------------------
@pytest.mark.parametrize(
    ("files", "severity"),
    [
        ({"kubernetes/flux/cluster/gotk-components.yaml": "# Flux Version: v2.9.1\n"}, "error"),
        ({"kubernetes/flux/cluster/gotk-components.yaml": "# Flux Version: v2.8.4\n"}, "warning"),
        ({}, "error"),  # unknown: the newest Flux, strict
        (
            {
                ".homelint.yaml": "flux:\n  strict-substitution: true\n",
                "kubernetes/flux/cluster/gotk-components.yaml": "# Flux Version: v2.8.4\n",
            },
            "error",
        ),
        (
            {
                "kubernetes/flux/cluster/instance.yaml": "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n"
                "  name: flux\nspec:\n  distribution:\n    version: 2.9.x\n  kustomize:\n    patches:\n      - patch: |\n"
                "          - op: add\n            path: /spec/template/spec/containers/0/args/-\n"
                "            value: --feature-gates=StrictPostBuildSubstitutions=false\n"
            },
            "warning",
        ),
    ],
)
def test_undefined_placeholders_are_errors_only_where_flux_substitutes_strictly(repo, check_json, files, severity):
    root = repo(files, base="rules/HL201/bad")
    _, findings = check_json(root, "--select", "HL201")
    assert {f["severity"] for f in findings} == {severity}


def test_no_strict_preview_when_the_install_fixes_strictness(repo, check_json):
    gate = "--feature-gates=StrictPostBuildSubstitutions=false"
    root = repo(
        {
            "kubernetes/flux/cluster/instance.yaml": "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n"
            f"  name: flux\nspec:\n  distribution:\n    version: 2.8.x\n  kustomize:\n    patches:\n      - patch: '{gate}'\n"
        },
        base="rules/HL201/bad",
    )
    _, findings = check_json(root, "--target", "flux=2.9")
    assert rules_of(findings, "HL607") == []


def _nameless_repo(name: str, extra: str = "") -> dict[str, str]:
    """A Flux 2.8 (non-strict) repository whose Kustomization ks-a substitutes VAR_SET only and
    applies a ConfigMap named `name`; `extra` goes into the app's kustomization.yaml."""
    return {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/flux-system/gotk-components.yaml": "# Flux Version: v2.8.4\n",
        "clusters/main/ks-a.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
        "  name: ks-a\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./apps/app-a\n  prune: true\n"
        "  targetNamespace: ns-a\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
        "  postBuild:\n    substitute: {VAR_SET: x}\n",
        "apps/app-a/kustomization.yaml": f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n{extra}"
        "resources: [./cm.yaml]\n",
        "apps/app-a/cm.yaml": f'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "{name}"\ndata:\n  k: ${{VAR_SET}}\n',
    }


@pytest.mark.parametrize(
    ("name", "extra", "expected"),
    [
        ("${VAR_A}", "", ["error"]),  # the whole name: empty, the object cannot be applied
        ("${VAR_A}${VAR_B}", "", ["error", "error"]),
        ("${VAR_A}${VAR_SET}", "", ["warning"]),  # VAR_SET keeps the name non-empty
        ("${VAR_A}-x", "", ["error"]),  # '-x': a DNS subdomain starts with an alphanumeric
        ("x-${VAR_A}", "", ["error"]),  # 'x-': and ends with one
        ("x-${VAR_A}-y", "", ["warning"]),  # 'x--y' is a valid name
        ("${VAR_B:-${VAR_A}}", "", ["error"]),  # the default of an undefined variable: empty too
        ("${VAR_A:=x}", "", []),
        ("${VAR_A}", "namePrefix: p-\n", ["warning"]),  # kustomize prefixes it before Flux substitutes
    ],
)
def test_a_name_undefined_placeholders_leave_invalid_is_an_error_without_strict_substitution(
    repo, check_json, name, extra, expected
):
    """Non-strict envsubst (fluxcd/pkg) turns an undefined ${VAR} into "": a metadata.name of
    nothing else leaves the object without a name, and one that leaves text the kind's name
    format rejects ('-x' for a ConfigMap, a DNS subdomain) fails the server-side apply dry run
    (fluxcd/pkg ssa) too."""
    _, findings = check_json(repo(_nameless_repo(name, extra)), "--select", "HL201")
    assert [f["severity"] for f in findings] == expected
    for finding in findings:
        fails = "so the whole Kustomization fails" in finding["message"]
        assert fails == (finding["severity"] == "error")
        empty = fails and name in ("${VAR_A}", "${VAR_A}${VAR_B}", "${VAR_B:-${VAR_A}}")
        assert ("an object without a name cannot be applied" in finding["message"]) == empty
        assert ("the API server rejects the metadata.name that leaves (a lowercase RFC 1123" in finding["message"]) == (
            fails and not empty
        )
    _, findings = check_json(repo(_nameless_repo(name, extra)), "--select", "HL607", "--target", "flux=2.9")
    assert len(findings) == expected.count("warning")  # the upgrade changes nothing for a name that fails today


INGRESS = 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web-a\nspec:\n  rules:\n    - host: "{host}"\n'
ROUTE = (
    'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: route-a\nspec:\n  hostnames:\n    - "{host}"\n'
)
VARS_SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vars-a\n  namespace: flux-system\nstringData:\n  VAR_SECRET: hidden-value\n"
)


@pytest.mark.parametrize(
    ("template", "host", "expected"),
    [
        (INGRESS, "${VAR_SET}.${VAR_A}", ["error"]),  # 'x.': a DNS name does not end with a dot
        (INGRESS, "${VAR_A}.example.org", ["error"]),  # '.example.org'
        (INGRESS, "*.${VAR_A}", ["error"]),  # '*.': a wildcard of nothing
        (INGRESS, "${VAR_A}", ["warning"]),  # an empty host: the rule serves every host
        (INGRESS, "app${VAR_A}.example.org", ["warning"]),  # 'app.example.org' is a valid host
        (ROUTE, "${VAR_SET}.${VAR_A}", ["error"]),  # the Gateway API Hostname pattern
        (INGRESS, "${VAR_SECRET}.${VAR_A}", ["warning"]),  # a Secret's value is neither judged nor printed
    ],
)
def test_a_host_undefined_placeholders_leave_invalid_is_an_error_without_strict_substitution(
    repo, check_json, template, host, expected
):
    """The host field of an Ingress rule or a Gateway API route is validated as a DNS name (with
    a leading '*.'); what non-strict substitution leaves of `${APP}.${DOMAIN}` with DOMAIN undefined,
    'app-a.', fails the server-side apply dry run and the whole Kustomization (coolguy1771)."""
    files = _nameless_repo("cm-a")
    files["clusters/main/ks-a.yaml"] = files["clusters/main/ks-a.yaml"].replace(
        "    substitute: {VAR_SET: x}\n", "    substitute: {VAR_SET: x}\n    substituteFrom: [{kind: Secret, name: vars-a}]\n"
    )
    files["clusters/main/vars.yaml"] = VARS_SECRET
    files["apps/app-a/kustomization.yaml"] = "resources: [./cm.yaml, ./web.yaml]\n"
    files["apps/app-a/web.yaml"] = template.replace("{host}", host)
    _, findings = check_json(repo(files), "--select", "HL201")
    assert [f["severity"] for f in findings] == expected
    assert not any("hidden-value" in f["message"] for f in findings)
    for finding in findings:
        assert ("the API server rejects what that leaves (the host '" in finding["message"]) == (finding["severity"] == "error")


# --- command line -----------------------------------------------------------------------------------
def test_a_bad_target_is_a_usage_error(run):
    for bad in ("flux", "flux=", "flux=two", "=2.9"):
        result = run("check", str(VERSIONS / "flux-2.8"), "--target", bad)
        assert result.exit_code == 2, bad
        assert "NAME=VERSION" in result.stderr or "needs a version" in result.stderr, bad


def test_a_target_that_is_neither_a_component_nor_a_chart_in_use_is_noted(run):
    """Any other NAME is a chart (HL807); one that no HelmRelease installs says so (a misspelt component?)."""
    result = run("check", str(VERSIONS / "flux-2.8"), "--no-cache", "--target", "fluxcd=2.9", "--color", "never")
    assert result.exit_code in (0, 1)
    assert "note: --target fluxcd=2.9: no HelmRelease installs a chart named fluxcd" in result.output


def test_statistics_name_every_version_and_where_it_was_read(run):
    result = run("check", str(VERSIONS / "old-flux"), "--no-cache", "--statistics", "--format", "json")
    lines = [line for line in result.stderr.splitlines() if line.startswith("versions:")]
    assert lines[0] == (
        "versions: Flux 0.31.4 (kustomization resource fluxcd/flux2 manifests, cluster/bootstrap/kustomization.yaml:5) for cluster"
    )
    assert any(re.match(r"versions: External Secrets: the newest assumed", line) for line in lines)
    json.loads(result.stdout)


# --- an object nothing applies: the cluster it would join ---------------------------------------
_FOLDER = st.lists(st.sampled_from(["a", "b", "c", "."]), max_size=4).map("/".join)


@settings(max_examples=300, deadline=None)
@given(
    roots=st.lists(_FOLDER.filter(bool), unique=True, min_size=1, max_size=6),
    releases=st.lists(st.integers(min_value=0, max_value=2), min_size=6, max_size=6),
    folders=st.lists(_FOLDER, max_size=6),
)
def test_an_unapplied_folder_is_judged_as_the_roots_sharing_its_longest_prefix(roots, releases, folders):
    """As a plain reading says: the roots whose path shares the most leading folders with it, the
    lowest release of those (the first root of that release on a tie)."""
    installed = {root: Installed("flux", Version(2, releases[i]), f"root {root}") for i, root in enumerate(sorted(roots))}
    versions = object.__new__(Versions)  # only what the look-up reads: the roots and what each installs
    versions.roots = sorted(roots)
    versions._prefixes = None
    versions.for_root = lambda component, root: installed[root]

    def parts(path):
        return [p for p in path.split("/") if p and p != "."]

    def shared(a, b):
        return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))

    for folder in folders:
        best = max(shared(parts(folder), parts(r)) for r in versions.roots)
        near = [installed[r] for r in versions.roots if shared(parts(folder), parts(r)) == best]
        expected = min(near, key=lambda i: (i.version, i.path or "", i.line))
        assert versions._nearest_root("flux", parts(folder)) is expected


def test_a_flux_install_a_parent_patches_is_still_applied_by_its_cluster(repo, check_json):
    """The root's spec.patches touch every HelmRelease, the flux-instance one included: the patched
    copy is what the cluster applies, so its version ('2.x' of the 0.45.1 manifests: Flux 2.8)
    decides, not a values file nothing applies (2.6.4) that only shares its folder prefix."""
    patch = (
        "  patches:\n    - patch: |-\n        apiVersion: helm.toolkit.fluxcd.io/v2\n        kind: HelmRelease\n"
        "        metadata: {name: _}\n        spec: {timeout: 10m}\n      target: {group: helm.toolkit.fluxcd.io, kind: HelmRelease}\n"
    )
    files = {
        "flux/cluster/ks.yaml": flux_ks("apps", "./apps", patch),
        "apps/flux-instance/helmrelease.yaml": (
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: flux-instance, namespace: flux-system}\n"
            "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: flux-instance}\n  values:\n    instance:\n"
            f"      distribution: {{version: 2.x, artifact: '{MANIFESTS}:v0.45.1'}}\n"
            "      sync: {kind: GitRepository, url: 'https://example.com/repo.git', ref: refs/heads/main, path: flux/cluster}\n"
        ),
        "apps/flux-instance/ocirepository.yaml": (
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: flux-instance, namespace: flux-system}\n"
            "spec: {interval: 1h, url: oci://ghcr.io/controlplaneio-fluxcd/charts/flux-instance, ref: {tag: 0.45.1}}\n"
        ),
        "apps/app-a/ocirepository.yaml": (
            "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata: {name: app-a, namespace: ns-a}\n"
            "spec: {interval: 1h, url: oci://example.com/charts/app-a, ref: {tag: 1.0.0}}\n"
        ),
        "bootstrap/values.yaml": (
            "instance:\n  distribution: {version: 2.6.4}\n"
            "  sync: {kind: GitRepository, url: 'https://example.com/repo.git', ref: refs/heads/main, path: flux/cluster}\n"
        ),
    }
    _, findings = check_json(repo(files), "--select", "HL602,HL603")
    assert [(f["rule"], f["path"]) for f in findings] == [("HL602", "apps/app-a/ocirepository.yaml")]
    assert "Flux 2.8 does not serve it" in findings[0]["message"]


@pytest.mark.parametrize(
    ("files", "severity"),
    [
        ({}, "warning"),  # nothing says which Flux runs: the newest is a guess, an older one serves v2beta2
        ({".homelint.yaml": "versions:\n  flux: 2.8.0\n"}, "error"),
        ({"bootstrap/kustomization.yaml": "resources:\n  - github.com/fluxcd/flux2/manifests/install?ref=v2.8.0\n"}, "error"),
    ],
    ids=["assumed", "config", "install"],
)
def test_an_api_version_only_an_assumed_release_drops_is_a_warning(repo, check_json, files, severity):
    """An error is a promise: with no Flux version in the repository or the config, HL602 says which
    release it assumed and is a warning that tells how to set the version."""
    findings = _flux_findings(repo, check_json, files)
    assert [(f["rule"], f["severity"]) for f in findings] == [("HL602", severity)]
    assert ("versions.flux in .homelint.yaml" in findings[0]["fix"]) is (severity == "warning")


@pytest.mark.parametrize(
    ("api_version", "kind", "expected"),
    [
        ("source.toolkit.fluxcd.io/v1", "Kustomization", "change apiVersion to kustomize.toolkit.fluxcd.io/v1"),
        ("kustomize.toolkit.fluxcd.io/v1", "HelmRelease", "change apiVersion to helm.toolkit.fluxcd.io/v2"),
        ("external-secrets.io/v1", "Kustomization", None),  # another project's group: not judged here
        ("kustomize.config.k8s.io/v1beta1", "Kustomization", None),  # a group the table does not track
        ("source.toolkit.fluxcd.io/v1", "Widget", None),  # a kind no tracked group serves
    ],
)
def test_a_flux_kind_under_another_flux_group_is_served_by_no_release(repo, check_json, api_version, kind, expected):
    """The API server answers 'no matches for kind' whatever Flux runs: no release of that group
    serves the kind (HL602 error, even with the Flux version unknown)."""
    obj = f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: app-a\n  namespace: flux-system\n"
    _, findings = check_json(repo({"cluster/apps/app-a.yaml": obj}), "--select", "HL602,HL603")
    assert [(f["severity"], f["fix"]) for f in findings] == ([("error", expected)] if expected else [])


FLUX_INSTALL = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-installation, namespace: flux-system}\n"
    "spec:\n  interval: 30m\n  ref: {tag: v0.37.0}\n  url: https://github.com/fluxcd/flux2\n---\n"
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-installation, namespace: flux-system}\n"
    "spec:\n  interval: 10m\n  path: ./manifests/install\n  prune: true\n"
    "  sourceRef: {kind: GitRepository, name: flux-installation}\n"
)


def _flux_sources_tree(listed: bool) -> dict[str, str]:
    """A bootstrap root on v1 APIs and a GitRepository of fluxcd/flux2 at v0.37.0 (with the
    Kustomization that installs from it), applied by the root when `listed`, else in a folder
    nothing applies."""
    tree = {
        "clusters/main/gotk.yaml": GOTK.removeprefix("---\n"),
        "clusters/main/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\ndata: {a: b}\n",
    }
    tree["clusters/main/flux-install.yaml" if listed else "legacy/flux/flux-install.yaml"] = FLUX_INSTALL
    return tree


def test_a_flux_source_no_root_applies_says_nothing_of_the_installed_flux(repo, check_json):
    """It installs Flux only if Flux applies it, and nothing does (HL104): the v1 objects of the
    live root get no 'Flux 0.37 does not serve it' error."""
    _, findings = check_json(repo(_flux_sources_tree(listed=False)))
    assert rules_of(findings, "HL602") == []
    assert [f["rule"] for f in findings if f["severity"] == "error"] == []


def test_a_flux_source_a_root_applies_is_the_installed_flux(repo, check_json):
    """The control: the root applies it, so Flux 0.37 is what the cluster runs."""
    _, findings = check_json(repo(_flux_sources_tree(listed=True)))
    assert {f["severity"] for f in rules_of(findings, "HL602")} == {"error"}
    assert all("Flux 0.37 does not serve it yet" in f["message"] for f in rules_of(findings, "HL602"))


def test_a_patch_is_not_judged_by_its_own_api_version(repo, check_json):
    """A targeted patch written as source.toolkit.fluxcd.io/v1beta2 is merged into the v1
    OCIRepository it targets (kubectl kustomize keeps v1): it is never applied as written, so
    Flux 2.9 not serving v1beta2 is no error of it."""
    files = {
        ".homelint.yaml": "versions:\n  flux: '2.9'\n",
        "clusters/main/apps.yaml": flux_ks("app-a", "./apps/app-a", "  components: [../_common]\n"),
        "apps/_common/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        "patches:\n  - path: patch.yaml\n    target: {kind: OCIRepository}\n",
        "apps/_common/patch.yaml": "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\n"
        "metadata: {name: stub}\nspec: {layerSelector: {mediaType: application/x-tar, operation: copy}}\n",
        "apps/app-a/kustomization.yaml": "resources: [oci.yaml]\n",
        "apps/app-a/oci.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
        "metadata: {name: chart-a, namespace: ns-a}\nspec: {interval: 1h, url: 'oci://example.com/charts/chart-a', ref: {tag: 1.0.0}}\n",
    }
    _, findings = check_json(repo(files), "--select", "HL602,HL603")
    assert findings == []


def test_a_hostile_receiver_resource_name_is_printed_escaped(repo, check_json):
    """The name is repository text: its control characters reach no terminal."""
    hostile = RECEIVER.replace(
        "name: flux-system}\n    - {apiVersion: source.toolkit.fluxcd.io/v1,",
        'name: "a\\ex"}\n    - {apiVersion: source.toolkit.fluxcd.io/v1,',
        1,
    )
    root = repo(
        {
            "cluster/flux/gotk-components.yaml": "# Flux Version: v2.8.0\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n",
            "cluster/apps/receiver.yaml": hostile,
        }
    )
    _, findings = check_json(root, "--select", "HL602")
    (finding,) = rules_of(findings, "HL602")
    assert "\x1b" not in finding["message"] and "a\\x1bx" in finding["message"]


CHART_INSTANCE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: flux-instance, namespace: flux-system}
spec:
  interval: 1h
  chart:
    spec: {chart: flux-instance, version: 0.42.1, sourceRef: {kind: HelmRepository, name: repo-a}}
  values:
    instance:
      distribution: {version: "2.x"ARTIFACT}
      sync: {kind: GitRepository, url: "https://example.invalid/repo.git", ref: refs/heads/main, path: clusters/c1}
"""
CHART_OPERATOR = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: flux-operator, namespace: flux-system}
spec:
  interval: 1h
  chart:
    spec: {chart: flux-operator, version: 0.24.0, sourceRef: {kind: HelmRepository, name: repo-a}}
"""
IMAGE_REPOSITORY = "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata: {name: app-a, namespace: flux-system}\nspec: {image: example.com/app-a, interval: 1h}\n"


@pytest.mark.parametrize(
    ("artifact", "expected"),
    [("", []), (", artifact: 'oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests:v0.24.0'", ["error"])],
)
def test_the_flux_instance_chart_installs_from_its_default_artifact(repo, check_json, artifact, expected):
    """values.instance without an artifact: the chart writes its default (flux-operator-manifests:latest),
    so Flux is the newest, a guess (an older chart leaves the operator's own, Flux 2.6 for operator
    0.24): ImageRepository v1 (Flux 2.7) is not said to be unserved. With the operator's own
    manifests as the artifact, it is."""
    root = repo(
        {
            "clusters/c1/flux-instance.yaml": CHART_INSTANCE.replace("ARTIFACT", artifact),
            "clusters/c1/flux-operator.yaml": CHART_OPERATOR,
            "clusters/c1/imagerepository.yaml": IMAGE_REPOSITORY,
        }
    )
    _, findings = check_json(root, "--select", "HL602")
    assert [f["severity"] for f in rules_of(findings, "HL602")] == expected


def test_a_flux_instance_values_file_without_distribution_takes_the_charts_default(repo, check_json):
    """A values file of the flux-instance chart that sets only sync and components: the chart's
    default distribution (2.x, from its default artifact) applies, as for values with no artifact."""
    root = repo(
        {
            "clusters/c1/instance/values.yaml": "instance:\n  components: [source-controller]\n  sync: {kind: GitRepository, path: clusters/c1}\n",
            "clusters/c1/flux-operator.yaml": CHART_OPERATOR,
            "clusters/c1/imagerepository.yaml": IMAGE_REPOSITORY,
        }
    )
    _, findings = check_json(root, "--select", "HL602")
    assert rules_of(findings, "HL602") == []


def test_a_flux_instance_release_takes_its_version_from_the_values_file_its_values_from_reads(repo, check_json):
    """helm-controller merges valuesFrom first and spec.values over it: a release whose inline
    values leave distribution out gets 2.5.1 from the generated values file, which serves no
    ImageRepository v1 (Flux 2.7), an error; not the chart's default, the newest Flux."""
    release = CHART_INSTANCE.replace('      distribution: {version: "2.x"ARTIFACT}\n', "")
    release = release.replace("  values:\n", "  valuesFrom:\n    - {kind: ConfigMap, name: instance-values}\n  values:\n")
    root = repo(
        {
            "clusters/c1/kustomization.yaml": (
                "resources: [flux-instance.yaml, imagerepository.yaml]\n"
                "configMapGenerator:\n  - name: instance-values\n    namespace: flux-system\n    files: [values.yaml=helm/values.yaml]\n"
                "generatorOptions: {disableNameSuffixHash: true}\n"
            ),
            "clusters/c1/flux-instance.yaml": release,
            "clusters/c1/helm/values.yaml": "instance:\n  distribution: {version: 2.5.1}\n",
            "clusters/c1/imagerepository.yaml": IMAGE_REPOSITORY,
        }
    )
    _, findings = check_json(root, "--select", "HL602")
    assert [f["severity"] for f in rules_of(findings, "HL602")] == ["error"]


def test_an_external_secrets_release_no_root_applies_says_nothing_of_the_installed_one(repo, check_json):
    """A HelmRelease of the chart that no root applies (its kustomization leaves it out: HL102)
    installs nothing, though its folder is nearer the ExternalSecret than the bootstrap helmfile
    that installs 0.17.0: the helmfile decides."""
    helmfile = (
        "releases:\n  - name: external-secrets\n    namespace: external-secrets\n"
        "    chart: oci://ghcr.io/external-secrets/charts/external-secrets\n    version: 0.17.0\n"
    )
    kustomization = (VERSIONS / "eso" / "cluster/apps/kustomization.yaml").read_text()
    root = repo(
        {
            "bootstrap/helmfile.yaml": helmfile,
            "cluster/apps/kustomization.yaml": kustomization.replace("  - ./external-secrets/helmrelease.yaml\n", ""),
        },
        base="versions/eso",
    )
    _, findings = check_json(root)
    assert {(f["rule"], f["severity"]) for f in rules_of(findings, "HL602", "HL603")} == {("HL602", "error")}


@pytest.mark.parametrize(("value", "today"), [("${VAR_A}", "empty, so the value is null"), ("x-${VAR_A}", "an empty string")])
def test_the_upgrade_preview_says_what_a_placeholder_becomes_today_as_hl201_does(repo, check_json, value, today):
    """A whole value kustomize writes unquoted is read again as null once emptied (axeII: HL607 said
    'an empty string' on the line where HL201 said null)."""
    files = _nameless_repo("cm-a")
    files["apps/app-a/cm.yaml"] = files["apps/app-a/cm.yaml"].replace("k: ${VAR_SET}", f"k: {value}")
    _, findings = check_json(repo(files), "--select", "HL201,HL607", "--target", "flux=2.9")
    (hl607,) = [f for f in findings if f["rule"] == "HL607"]
    assert f"today it becomes {today} (" in hl607["message"]
