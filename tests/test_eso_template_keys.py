"""HL410: since 0.9.19 External Secrets runs its templates with `missingkey=error`, so a template
that always reads a key the fetched data lacks fails the object. The keys are known only from
`spec.data[].secretKey` with no `dataFrom`; reads inside blocks, through `and`/`or` or `index`
are not judged; an older External Secrets renders '<no value>' and is not judged either."""

from __future__ import annotations

import pytest

from homelint.core.gotemplate import root_reads

from .conftest import flux_root


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("{{ .a }}", ["a"]),
        ("{{- .a.b | b64dec -}} {{ $.c }}", ["a", "c"]),  # a chain reads its first key; $ is the data
        ('{{ $x.d }} {{ (index . "e").f }} {{ 1.5 }}', []),  # a variable, a chained result, a number
        ("{{ if .g }}{{ .h }}{{ end }}{{ .i }}", ["g", "i"]),  # a condition always runs, its body may not
        ("{{ range .t }}{{ .u }}{{ end }}", ["t"]),  # inside a range `.` is each item
        ("{{ with $v := .r }}{{ else }}{{ .s }}{{ end }}", ["r"]),
        ('{{ define "x" }}{{ .o }}{{ end }}{{ template "x" .p }}', ["p"]),  # a definition runs when called
        ("{{ and .j .k }} {{ or .l .m }}", []),  # and, or may stop at the first argument
        ('{{ printf ".n %s" .q }} {{/* .w */}}', ["q"]),  # strings and comments are not read
        ('{{ index . "db-password" }}', []),  # index gives an empty value for a missing key
        ("{{ .db-password }}", None),  # the parser fails first (HL409)
    ],
)
def test_the_keys_a_template_always_reads(text, names):
    reads = root_reads(text)
    assert (None if reads is None else [r.name for r in reads]) == names


def test_a_long_template_is_read_in_one_pass():
    """Hostile input: a megabyte of actions is read without a quadratic walk."""
    text = "{{ .a }}{{ if .b }}" * 30_000 + "{{ end }}" * 30_000 + "{{ .c }}"
    reads = root_reads(text)
    assert reads is not None and [r.name for r in reads] == ["a", "b", "c"]
    assert root_reads("{{ .a }}" * 200_000) is None  # over MAX_TEMPLATE: not read


STORE = (
    "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: store-a\nspec:\n"
    "  provider:\n    fake:\n      data: []\n"
)


def external_secret(template: str, data: str, kind: str = "ExternalSecret") -> str:
    spec = (
        "  secretStoreRef:\n    kind: ClusterSecretStore\n    name: store-a\n  target:\n    name: secret-a\n"
        f"    template:\n      data:\n        URL: '{template}'\n{data}"
    )
    if kind == "ClusterExternalSecret":
        spec = "  namespaceSelectors:\n    - matchLabels: {team: a}\n  externalSecretSpec:\n" + "".join(
            f"  {line}\n" for line in spec.splitlines()
        )
    return f"apiVersion: external-secrets.io/v1\nkind: {kind}\nmetadata:\n  name: es-a\n  namespace: ns-a\nspec:\n{spec}"


DATA = "  data:\n    - secretKey: db_password\n      remoteRef: {key: item-a, property: password}\n"


def _hl410(check_json, repo, es: str, extra: dict[str, str] | None = None, flux_extra: str = "") -> list[dict]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", flux_extra),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/store.yaml": STORE,
        "apps/es.yaml": es,
        **(extra or {}),
    }
    return check_json(repo(files), "--select", "HL410")[1]


def test_a_misspelt_key_is_an_error_that_names_the_keys(check_json, repo):
    (finding,) = _hl410(check_json, repo, external_secret("postgres://a:{{ .db_pasword }}@db/a", DATA))
    assert (finding["path"], finding["line"], finding["severity"]) == ("apps/es.yaml", 14, "error")
    assert "reads .db_pasword, but its data has the keys db_password;" in finding["message"]
    assert "map has no entry for key" in finding["message"]
    assert finding["fix"].startswith("read 'db_password' (the secretKey spec.data names)")


@pytest.mark.parametrize(
    "template",
    [
        "postgres://a:{{ .db_password }}@db/a",  # the key it has
        "{{ if .db_password }}{{ .other }}{{ end }}",  # read only when the condition holds
        '{{ index . "other" }}',  # index: an empty value
    ],
)
def test_a_key_the_data_has_or_may_not_read_is_not_reported(check_json, repo, template):
    assert _hl410(check_json, repo, external_secret(template, DATA)) == []


def test_keys_the_provider_chooses_are_not_judged(check_json, repo):
    """dataFrom brings the provider's keys: any key may be there."""
    data = DATA + "  dataFrom:\n    - extract: {key: item-b}\n"
    assert _hl410(check_json, repo, external_secret("{{ .anything }}", data)) == []


def test_a_cluster_external_secret_is_judged_too(check_json, repo):
    es = external_secret("{{ .db_pasword }}", DATA, kind="ClusterExternalSecret")
    (finding,) = _hl410(check_json, repo, es)
    assert finding["message"].startswith("ClusterExternalSecret es-a: the template of key 'URL' reads .db_pasword")


def test_the_v1_engine_is_not_judged(check_json, repo):
    es = external_secret("{{ .db_pasword }}", DATA).replace("    template:\n", "    template:\n      engineVersion: v1\n")
    assert _hl410(check_json, repo, es) == []


HELM_RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: external-secrets\n  namespace: ns-a\n"
    "spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: external-secrets\n      version: {version}\n"
    "      sourceRef:\n        kind: HelmRepository\n        name: repo-a\n"
)
REPOSITORY = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: repo-a\n  namespace: ns-a\n"
    "spec:\n  interval: 1h\n  url: https://charts.example.invalid\n"
)


@pytest.mark.parametrize(("version", "judged"), [("0.9.18", False), ("0.9.19", True), ("0.10.4", True)])
def test_judged_from_the_release_that_fails_on_a_missing_key(check_json, repo, version, judged):
    """Before 0.9.19 a missing key rendered as '<no value>': the Secret was written."""
    extra = {"apps/eso.yaml": HELM_RELEASE.replace("{version}", version), "apps/repo.yaml": REPOSITORY}
    findings = _hl410(check_json, repo, external_secret("{{ .db_pasword }}", DATA), extra)
    assert [f"External Secrets {version} runs templates" in f["message"] for f in findings] == ([True] if judged else [])
    assert all("versions.external-secrets" not in f["fix"] for f in findings)  # the version is known


def test_a_secret_key_flux_substitutes_is_read_as_substituted(check_json, repo):
    data = DATA.replace("secretKey: db_password", "secretKey: ${PREFIX}_password")
    flux_extra = "  postBuild:\n    substitute:\n      PREFIX: db\n"
    assert _hl410(check_json, repo, external_secret("{{ .db_password }}", data), flux_extra=flux_extra) == []
    (finding,) = _hl410(check_json, repo, external_secret("{{ .db_pasword }}", data), flux_extra=flux_extra)
    assert "its data has the keys db_password" in finding["message"]


def test_a_secret_key_from_an_unknown_variable_leaves_the_keys_unknown(check_json, repo):
    data = DATA.replace("secretKey: db_password", "secretKey: ${PREFIX}_password")
    assert _hl410(check_json, repo, external_secret("{{ .db_pasword }}", data)) == []


def test_labels_and_template_from_literals_are_read_too(check_json, repo):
    """External Secrets runs the template's labels, annotations and templateFrom literals over the
    same data as its data values."""
    es = external_secret("plain", DATA).replace(
        "    template:\n",
        "    template:\n      metadata:\n        labels:\n          owner: '{{ .team }}'\n"
        "      templateFrom:\n        - literal: 'url: {{ .db_password }}{{ .port }}'\n",
    )
    found = _hl410(check_json, repo, es)
    assert sorted(f["message"].split(" reads ")[1].split(",")[0] for f in found) == [".port", ".team"]
