"""HL801-HL807: chart values and `$schema` comments against their schemas, at the line that wrote them.

Schemas are small ones written here (or ../shared/schemas-upstream when present), mapped with
schemas.paths; the store is an empty folder of each test's own (conftest). No network.
"""

from __future__ import annotations

import json
import shutil

import pytest

from homelint.loading.yamlload import parse_bytes
from homelint.model.schemastore import Store, chart_file_uri

from .conftest import FIXTURES, SHARED

HR = "kubernetes/apps/default/echo/app/helmrelease.yaml"
APP = "kubernetes/apps/default/echo/app"
UPSTREAM = SHARED / "schemas-upstream"


def helmrelease(values: str, extra: str = "", chart: str = "echo-server", version: str = "0.5.2") -> str:
    return (
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: echo\nspec:\n  interval: 1h\n"
        f"  chart:\n    spec:\n      chart: {chart}\n      version: {version}\n"
        "      sourceRef: {kind: HelmRepository, name: ealenn, namespace: flux-system}\n"
        f"{extra}  values:\n{values}"
    )


def found(findings: list[dict], prefix: str = "HL8") -> list[tuple[str, str, int, str]]:
    return sorted((f["rule"], f["path"], f["line"], f["message"]) for f in findings if f["rule"].startswith(prefix))


def test_unknown_key_says_where_what_is_allowed_and_the_closest_key(repo, check_json):
    root = repo({}, base="rules/HL801/bad")
    _, findings = check_json(root)
    assert found(findings) == [
        (
            "HL801",
            f"{APP}/helm-values.yaml",
            4,
            "HelmRelease echo (echo-server 0.5.2): unknown key 'tagg' in values.image; did you mean 'tag'? "
            "(allowed: pullPolicy, repository, tag) (set in ConfigMap echo-generated-values key values.yaml "
            f"(generated from {APP}/helm-values.yaml))",
        ),
        (
            "HL801",
            HR,
            23,
            "HelmRelease echo (echo-server 0.5.2): unknown key 'servce' in values; did you mean 'service'? "
            "(allowed: env, image, nameOverride, persistence, replicaCount, service)",
        ),
        (
            "HL801",
            f"{APP}/values.yaml",
            10,
            "HelmRelease echo (echo-server 0.5.2): unknown key 'existingClam' in values.persistence; did you mean "
            "'existingClaim'? (allowed: enabled, existingClaim) (set in ConfigMap echo-values key values.yaml)",
        ),
    ]
    column = {f["path"]: f["column"] for f in findings if f["rule"] == "HL801"}
    assert column[f"{APP}/values.yaml"] == 7  # the key inside the ConfigMap's block scalar


def test_each_kind_of_violation_has_its_rule(repo, check_json):
    values = '    replicaCount: "2"\n    image:\n      tag: v1\n      pullPolicy: Sometimes\n    service:\n      port: 70000\n'
    root = repo({HR: helmrelease(values)}, base="rules/HL801/good")
    _, findings = check_json(root)
    got = {(rule, line, message.split(": ", 1)[1]) for rule, _, line, message in found(findings)}
    assert got == {
        ("HL802", 14, "values.replicaCount must be an integer, not a string ('2')"),
        ("HL803", 15, "values.image is missing the required key 'repository'"),
        ("HL804", 17, "values.image.pullPolicy is not one of: Always, IfNotPresent, Never - ('Sometimes')"),
        ("HL805", 19, "values.service.port: must be at most 65535 (70000)"),
    }


def test_variables_are_substituted_first_and_an_unknown_one_matches_anything(repo, check_json):
    ks = (FIXTURES / "rules/HL801/good/kubernetes/apps/default/echo/ks.yaml").read_text()
    ks = ks.replace("      APP: echo\n", '      APP: echo\n      REPLICAS: "3"\n      WORD: three\n      quote: \'"\'\n')
    values = (
        "    replicaCount: ${REPLICAS}\n"  # 3 after substitution: a number
        "    service:\n      port: ${NOT_DEFINED_ANYWHERE}\n"  # unknown: matches anything
        "      type: ${WORD}\n"  # known and wrong: reported, without the substituted text
        "    nameOverride: ${quote}${REPLICAS}${quote}\n"  # Flux's quote variable: the string "3"; the pattern accepts it
    )
    root = repo({HR: helmrelease(values), "kubernetes/apps/default/echo/ks.yaml": ks}, base="rules/HL801/good")
    _, findings = check_json(root)
    assert [(rule, line, message.split(": ", 1)[1]) for rule, _, line, message in found(findings)] == [
        ("HL804", 17, "values.service.type is not one of: ClusterIP, NodePort, LoadBalancer")
    ]


@pytest.mark.parametrize("written", ['"${REPLICAS}"', "'${REPLICAS}'", "${REPLICAS}"])
def test_a_quoted_variable_in_values_is_a_number_after_substitution(repo, check_json, written):
    """Flux substitutes the YAML text kustomize writes out for the HelmRelease, where the manifest's
    quotes are gone: `nameOverride: "${REPLICAS}"` with REPLICAS "3" reaches Helm as the integer 3."""
    ks = (FIXTURES / "rules/HL801/good/kubernetes/apps/default/echo/ks.yaml").read_text()
    ks = ks.replace("      APP: echo\n", '      APP: echo\n      REPLICAS: "3"\n')
    root = repo(
        {HR: helmrelease(f"    nameOverride: {written}\n"), "kubernetes/apps/default/echo/ks.yaml": ks}, base="rules/HL801/good"
    )
    _, findings = check_json(root)
    assert [(rule, message.split(": ", 1)[1]) for rule, _, _, message in found(findings)] == [
        ("HL802", "values.nameOverride must be a string, not an integer")
    ]


def test_values_from_a_secret_are_never_printed_nor_shown_in_a_frame(run, repo):
    secret = (
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: echo-secret-values\nstringData:\n"
        "  values.yaml: |\n    service:\n      type: correct-horse-battery-type\n"
    )
    extra = "  valuesFrom:\n    - kind: Secret\n      name: echo-secret-values\n"
    root = repo(
        {
            HR: helmrelease("    replicaCount: 1\n", extra),
            f"{APP}/secret.yaml": secret,
            f"{APP}/kustomization.yaml": "resources:\n  - ./helmrelease.yaml\n  - ./secret.yaml\n",
        },
        base="rules/HL801/good",
    )
    for fmt in ("text", "json", "sarif", "github"):
        result = run("check", str(root), "--no-cache", "--format", fmt, "--select", "HL8")
        assert "HL804" in result.output and "correct-horse" not in result.output, fmt
    text = run("check", str(root), "--no-cache", "--select", "HL804", "--color", "never").output
    assert f"{APP}/secret.yaml:5:" in text  # at the Secret's name, never inside its values


def test_target_path_values_are_typed_as_helm_does(repo, check_json):
    config = '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: echo-port\ndata:\n  good: "8080"\n  bad: eighty\n'
    extra = (
        "  valuesFrom:\n    - kind: ConfigMap\n      name: echo-port\n      valuesKey: good\n      targetPath: service.port\n"
        "    - kind: ConfigMap\n      name: echo-port\n      valuesKey: bad\n      targetPath: replicaCount\n"
    )
    root = repo(
        {
            HR: helmrelease("    image:\n      repository: ealen/echo-server\n", extra),
            f"{APP}/port.yaml": config,
            f"{APP}/kustomization.yaml": "resources:\n  - ./helmrelease.yaml\n  - ./port.yaml\n",
        },
        base="rules/HL801/good",
    )
    _, findings = check_json(root)
    assert [(rule, line) for rule, _, line, _ in found(findings)] == [("HL802", 21)]  # the targetPath line


def test_an_unreadable_values_source_may_supply_required_keys_but_not_fix_typos(repo, check_json):
    extra = "  valuesFrom:\n    - kind: Secret\n      name: made-by-an-operator\n"
    root = repo({HR: helmrelease("    image:\n      tagg: v1\n", extra)}, base="rules/HL801/good")
    _, findings = check_json(root)
    assert [rule for rule, *_ in found(findings)] == ["HL801"]  # no HL803: the Secret may set image.repository


def test_values_a_flux_kustomization_patch_injects_are_reported_in_the_patch(repo, check_json):
    ks = (FIXTURES / "rules/HL801/good/kubernetes/apps/default/echo/ks.yaml").read_text()
    ks += (
        "  patches:\n    - target:\n        kind: HelmRelease\n      patch: |\n"
        "        apiVersion: helm.toolkit.fluxcd.io/v2\n        kind: HelmRelease\n        metadata:\n          name: any\n"
        "        spec:\n          values:\n            replicaCont: 2\n"
    )
    root = repo({"kubernetes/apps/default/echo/ks.yaml": ks}, base="rules/HL801/good")
    _, findings = check_json(root)
    assert [(rule, path, line) for rule, path, line, _ in found(findings)] == [
        ("HL801", "kubernetes/apps/default/echo/ks.yaml", 31)
    ]


def test_a_schema_not_in_the_store_is_one_note_never_a_finding(run, repo):
    root = repo({".homelint.yaml": "{}\n"}, base="rules/HL801/bad")
    result = run("check", str(root), "--no-cache", "--select", "HL8", "--fail-level", "info", "--color", "never")
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note: schema not in the store")]
    assert notes == [
        "note: schema not in the store: chart echo-server 0.5.2 (https://ealenn.github.io/charts/echo-server) "
        f"(needed at {HR}:11); run homelint schemas pull"
    ]


def test_schema_comments_naming_one_missing_schema_are_one_note_and_ignored_ones_none(run, repo):
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\ndata:\n  a: b\n"
    missing = "https://schemas.example.test/configmap.json"
    skipped = "https://skipped.example.test/configmap.json"
    root = repo(
        {
            ".homelint.yaml": "schemas:\n  ignore: ['https://skipped.example.test/*']\n",
            "a.yaml": f"# yaml-language-server: $schema={missing}\n" + cm.format("a"),
            "b.yaml": f"# yaml-language-server: $schema={skipped}\n{cm.format('b')}---\n"
            f"# yaml-language-server: $schema={missing}\n{cm.format('c')}",
            "c/d.yaml": f"# yaml-language-server: $schema={missing}\n" + cm.format("d"),
        }
    )
    result = run("check", str(root), "--no-cache", "--select", "HL806", "--fail-level", "info", "--color", "never")
    notes = [line for line in result.output.splitlines() if line.startswith("note: schema not in the store")]
    assert notes == [
        f"note: schema not in the store: {missing} (needed at a.yaml:1 and 2 more places); run homelint schemas pull"
    ]


@pytest.mark.parametrize(
    ("folder", "kind", "found"),
    [
        ("kustomize.toolkit.fluxcd.io", "Kustomization", False),
        ("2.8.8", "Kustomization", False),  # a catalog of one release per folder: the folder is no API group
        ("v1.19.4", "Kustomization", False),
        ("2.8.8", "HelmRelease", True),  # the kind still counts
        ("source.toolkit.fluxcd.io", "Kustomization", True),
    ],
)
def test_a_schema_comment_is_judged_by_its_group_folder_not_a_release_folder(run, repo, folder, kind, found):
    url = f"https://schemas.example.test/flux/{folder}/kustomization_v1.json"
    api = "helm.toolkit.fluxcd.io/v2" if kind == "HelmRelease" else "kustomize.toolkit.fluxcd.io/v1"
    doc = f"---\n# yaml-language-server: $schema={url}\napiVersion: {api}\nkind: {kind}\nmetadata:\n  name: a\n"
    root = repo({".homelint.yaml": "{}\n", "a.yaml": doc})  # the schema is not in the store: a note, HL806 all the same
    result = run("check", str(root), "--no-cache", "--select", "HL806", "--format", "json")
    assert ["HL806"] * found == [f["rule"] for f in json.loads(result.output)]


def test_schema_paths_stay_inside_the_repository_unless_the_config_is_the_users_own(run, repo, tmp_path):
    outside = tmp_path / "elsewhere"
    shutil.copytree(FIXTURES / "rules/HL801/bad/schemas/echo-server", outside)
    root = repo({".homelint.yaml": f"schemas:\n  paths:\n    echo-server@0.*: {outside}\n"}, base="rules/HL801/bad")
    result = run("check", str(root), "--no-cache")
    assert result.exit_code == 2 and "outside the repository" in result.stderr
    user_config = tmp_path / "my-homelint.yaml"
    user_config.write_text(f"schemas:\n  paths:\n    echo-server@0.*: {outside}\n")
    result = run("check", str(root), "--no-cache", "--config", str(user_config), "--format", "json")
    assert result.exit_code == 1 and "HL801" in result.output
    bad_key = repo({".homelint.yaml": "schemas:\n  paths:\n    echo-server: schemas/echo-server\n"}, base="rules/HL801/bad")
    assert "a chart name@version" in run("check", str(bad_key), "--no-cache").stderr


def test_the_store_answers_charts_and_urls_offline(repo, check_json):
    root = repo({".homelint.yaml": "{}\n"}, base="rules/HL801/bad")
    store = Store()
    schema = (FIXTURES / "rules/HL801/bad/schemas/echo-server/values.schema.json").read_bytes()
    store.record_chart(
        "https://ealenn.github.io/charts/echo-server@0.5.2",
        {"version": "0.5.2", "files": {"values.schema.json": store.put_blob(schema)}},
    )
    store.save()
    assert (store.dir / "index.json").is_file() and str(store.dir).endswith("homelint/schemas")
    _, findings = check_json(root)
    assert len(found(findings, "HL801")) == 3
    assert Store().chart("https://ealenn.github.io/charts/echo-server@0.5.2")["fetched"].endswith("Z")
    assert chart_file_uri("a/b@1", "values.schema.json").startswith("https://homelint.invalid/chart/a%2Fb%401/")


def test_a_tampered_blob_is_as_good_as_missing(repo, run):
    root = repo({".homelint.yaml": "{}\n"}, base="rules/HL801/bad")
    store = Store()
    digest = store.put_blob(b'{"type": "object", "additionalProperties": false}')
    (store.dir / "blobs" / digest.removeprefix("sha256:")).write_bytes(b'{"type": "object"}')
    store.record_chart("https://ealenn.github.io/charts/echo-server@0.5.2", {"files": {"values.schema.json": digest}})
    store.save()
    result = run("check", str(root), "--no-cache", "--color", "never")
    assert "HL801" not in result.output and "schema not in the store" in result.output


def test_the_cache_knows_when_a_schema_changed(run, repo):
    root = repo({}, base="rules/HL801/bad")
    first = run("check", str(root), "--format", "json", "--select", "HL801")
    assert len(json.loads(first.stdout)) == 3
    schema_file = root / "schemas/echo-server/values.schema.json"
    schema = json.loads(schema_file.read_text())
    schema["additionalProperties"] = True
    schema_file.write_text(json.dumps(schema))
    second = run("check", str(root), "--format", "json", "--select", "HL801")
    assert len(json.loads(second.stdout)) == 2


def test_target_flag_is_name_equals_version_and_controllers_are_not_charts(run, check_json):
    bad = FIXTURES / "rules/HL807/bad"
    assert run("check", str(bad), "--no-cache", "--target", "echo-server").exit_code == 2
    _, findings = check_json(bad, "--target", "flux=2.9", "--target", "external-secrets=0.17")
    assert not found(findings, "HL807")
    _, findings = check_json(bad, "--target", "echo-server=1.0.0,flux=2.9")
    assert [(line, message) for _, _, line, message in found(findings, "HL807")] == [
        (
            14,
            "HelmRelease echo: upgrading echo-server 0.5.2 -> 1.0.0 breaks: unknown key 'replicaCount' in values; "
            "did you mean 'replicas'? (allowed: env, image, nameOverride, persistence, replicas, service)",
        )
    ]


def test_schema_comments_belong_to_their_document():
    text = (
        b"# yaml-language-server: $schema=https://a/one.json\n---\nkind: A\n---\n"
        b"# yaml-language-server: $schema=https://a/two.json\nkind: B\n---\nkind: C\n"
        b"  # yaml-language-server: $schema=https://a/three.json\n"
    )
    parsed = parse_bytes("x.yaml", text)
    assert parsed.schema_refs == [
        (0, 1, 33, "https://a/one.json"),
        (1, 5, 33, "https://a/two.json"),
        (2, 9, 35, "https://a/three.json"),
    ]


def test_missing_schema_comment_targets_are_one_note_each(run, repo):
    doc = "# yaml-language-server: $schema=https://schemas.example.com/none.json\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
    wired = "resources:\n  - ./helmrelease.yaml\n  - ./echoconfig.yaml\n  - ./a.yaml\n  - ./b.yaml\n"
    files = {f"{APP}/a.yaml": doc, f"{APP}/b.yaml": doc.replace("name: x", "name: y"), f"{APP}/kustomization.yaml": wired}
    root = repo(files, base="rules/HL806/good")
    result = run("check", str(root), "--no-cache", "--color", "never", "--select", "HL8", "--fail-level", "info")
    assert result.exit_code == 0
    assert (
        "note: schema not in the store: https://schemas.example.com/none.json "
        f"(needed at {APP}/a.yaml:1 and 1 more place); run homelint schemas pull"
    ) in result.output


# --- the upstream app-template schemas (../shared/schemas-upstream), skipped when absent -------------
@pytest.fixture
def app_template(tmp_path):
    if not (UPSTREAM / "bjw-s-app-template").is_dir() or not (UPSTREAM / "bjw-s-app-template-5").is_dir():
        pytest.skip("../shared/schemas-upstream is not present")
    copy = tmp_path / "upstream"
    for name in ("bjw-s-app-template", "bjw-s-app-template-5"):
        shutil.copytree(UPSTREAM / name, copy / name)
    config = tmp_path / "config.yaml"
    base = "https://raw.githubusercontent.com/bjw-s-labs/helm-charts"
    config.write_text(
        "schemas:\n  paths:\n"
        f'    "app-template@4.1.*": {copy}/bjw-s-app-template/charts/other/app-template\n'
        f'    "app-template@5.0.*": {copy}/bjw-s-app-template-5/charts/library/common\n'
        f'    "{base}/common-4.1.1/": {copy}/bjw-s-app-template/\n'
        f'    "{base}/common-5.0.0/": {copy}/bjw-s-app-template-5/\n'
    )
    return config


def app_template_release(values: str) -> str:
    return (
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: echo\nspec:\n  interval: 1h\n"
        "  chartRef:\n    kind: OCIRepository\n    name: app-template\n    namespace: flux-system\n"
        f"  values:\n{values}"
    )


def test_app_template_values_typo_and_major_upgrade(repo, check_json, app_template):
    values = (
        "    controllers:\n      echo:\n        containers:\n          app:\n"
        "            imagee:\n              repository: ghcr.io/mendhak/http-https-echo\n              tag: '37'\n"
        "    persistance:\n      config:\n        existingClaim: echo\n"
        "    rawResources:\n      extra:\n        apiVersion: v1\n        kind: ConfigMap\n        spec: {}\n"
    )
    root = repo({HR: app_template_release(values)}, base="rules/HL501/good")
    _, findings = check_json(root, "--config", str(app_template), "--target", "app-template=5.0.0")
    assert [(rule, line) for rule, _, line, _ in found(findings) if rule != "HL807"] == [("HL801", 17), ("HL808", 20)]
    messages = " ".join(message for *_, message in found(findings))
    assert "unknown key 'imagee' in values.controllers.echo.containers.app; did you mean 'image'?" in messages
    assert "'persistance' is not a key of values, so Helm ignores it silently; did you mean 'persistence'?" in messages
    upgrade = found(findings, "HL807")
    # rawResources.<id>: apiVersion/kind/spec became `manifest` in 5.0.0; the typo of today is not repeated
    assert {line for _, _, line, _ in upgrade} == {24, 25, 26, 27}
    assert all("upgrading app-template 4.1.1 -> 5.0.0" in message for *_, message in upgrade)


def test_disabled_schema_validation_makes_violations_warnings(repo, check_json):
    extra = "  install:\n    disableSchemaValidation: true\n  upgrade:\n    disableSchemaValidation: true\n"
    root = repo({HR: helmrelease("    replicaCont: 2\n", extra)}, base="rules/HL801/good")
    _, findings = check_json(root)
    (finding,) = [f for f in findings if f["rule"] == "HL801"]
    assert finding["severity"] == "warning"
    assert "spec.install.disableSchemaValidation and spec.upgrade.disableSchemaValidation is true" in finding["message"]


@pytest.mark.parametrize(
    ("ref", "chart"),
    [
        ("    tag: 4.1.1@sha256:" + "b" * 64 + "\n", "app-template 4.1.1"),
        ("    tag: 4.1.1@sha256:" + "b" * 64 + "\n    digest: sha256:" + "c" * 64 + "\n", "app-template 4.1.1"),
    ],
    ids=["tag-only", "with-digest"],
)
def test_the_chart_of_an_oci_tag_with_a_digest_is_the_tag_before_it(run, repo, ref, chart):
    """An OCIRepository tag written `4.1.1@sha256:...` (HL506) names the chart 4.1.1, not a
    version `4.1.1@sha256:...` no chart has."""
    oci = (FIXTURES / "base/kubernetes/apps/flux-system/repositories.yaml").read_text()
    oci = oci.replace("    tag: 4.1.1\n", ref)
    root = repo({"kubernetes/apps/flux-system/repositories.yaml": oci}, base="base")
    result = run("check", str(root), "--no-cache", "--select", "HL8", "--fail-level", "info", "--color", "never")
    notes = [line for line in result.output.splitlines() if line.startswith("note: schema not in the store")]
    assert notes == [
        f"note: schema not in the store: chart {chart} (oci://ghcr.io/bjw-s-labs/helm/app-template) "
        f"(needed at kubernetes/apps/flux-system/repositories.yaml:{10 if 'digest:' not in ref else 11}); "
        "run homelint schemas pull"
    ]
