"""HL409: External Secrets parses every template of an ExternalSecret with Go's text/template
before it writes the Secret; what the parser always refuses (a key with `-` read as a field, an
action or quoted string never closed, a bare word no function is named: `{{ DB_USER }}`) fails the
object. Strings and comments are not read for
dashes; what depends on the data or the functions is not judged."""

from __future__ import annotations

import pytest

from homelint.core.gotemplate import template_problem

from .conftest import flux_root


@pytest.mark.parametrize(
    ("text", "why", "word"),
    [
        ("{{ .FORGEJO_HOME-OPS_SECRET }}", "bad number syntax", "FORGEJO_HOME-OPS_SECRET"),
        ("user={{ $cfg-name }}", "bad number syntax", "cfg-name"),
        ("{{ .token", "unclosed action", ""),
        ('{{ printf "%s .a }}', "unterminated quoted string", ""),
        ("{{/* a note", "unclosed comment", ""),
    ],
)
def test_what_the_go_parser_always_refuses(text, why, word):
    problem = template_problem(text)
    assert problem is not None and (problem.why, problem.word) == (why, word)


@pytest.mark.parametrize(
    ("text", "name", "offset"),
    [
        ('{"user": "{{ USER_A }}"}', "USER_A", 13),  # the dot forgotten
        ('{{ .a }} {{ printf "%s" Token }}', "Token", 24),  # as an argument: still a function call
        ("{{- Key_a -}}", "Key_a", 4),
    ],
)
def test_a_bare_word_with_a_capital_is_a_function_no_version_defines(text, name, offset):
    problem = template_problem(text)
    assert problem is not None
    assert (problem.why, problem.function, problem.offset) == (f'function "{name}" not defined', name, offset)


@pytest.mark.parametrize(
    "text",
    [
        "{{ .USER_A }} {{ $.USER_A }} {{ $x := .a }}{{ $x.Field }}",  # fields and variables
        '{{ upper .a }} {{ date_in_zone "2006" now "UTC" }} {{ 1E5 }} {{ 0xFF }}',  # functions; numbers
        '{{ "USER_A" }} {{/* USER_A */}}',  # in a string, in a comment
    ],
)
def test_lower_case_functions_fields_and_strings_are_not_judged(text):
    assert template_problem(text) is None


@pytest.mark.parametrize(
    "text",
    [
        '{{ index . "db-password" }}',  # a dashed key read through index
        "{{- .token -}}",  # trim markers
        "{{/* db-password */}}{{ .a }}",  # a comment
        "{{ .a | b64dec }} {{ sub .n 1 }} {{ 1e-5 }}",  # a pipeline, a negative-free number, an exponent
        "{{ `raw-text` }} {{ 'x' }}",  # a raw string, a character constant
        "plain-text with no action",
    ],
)
def test_what_it_accepts_is_not_a_problem(text):
    assert template_problem(text) is None


EXTERNAL_SECRET = (
    "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: es-a\n  namespace: ns-a\nspec:\n"
    "  secretStoreRef:\n    kind: ClusterSecretStore\n    name: store-a\n  target:\n    name: secret-a\n"
    "    template:\n      data:\n        URL: {value}\n  dataFrom:\n    - extract:\n        key: item-a\n"
)
STORE = (
    "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: store-a\nspec:\n"
    "  provider:\n    fake:\n      data: []\n"
)


def _hl409(check_json, repo, external_secret: str) -> list[dict]:
    """HL409's findings on a tree that applies the store, namespace ns-a and `external_secret`."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/store.yaml": STORE,
        "apps/es.yaml": external_secret,
    }
    return check_json(repo(files), "--select", "HL409")[1]


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("'postgres://a:{{ .db-password }}@db/a'", True),
        ("'postgres://a:{{ index . \"db-password\" }}@db/a'", False),
    ],
)
def test_an_external_secret_template_the_parser_refuses_is_an_error(check_json, repo, value, found):
    findings = _hl409(check_json, repo, EXTERNAL_SECRET.format(value=value))
    assert [(f["path"], f["line"], f["severity"]) for f in findings] == ([("apps/es.yaml", 14, "error")] if found else [])
    if found:
        assert findings[0]["fix"] == 'read a key with a dash through index: {{ index . "db-password" }}'


def test_a_bare_word_is_reported_with_the_dot_as_its_fix(check_json, repo):
    findings = _hl409(check_json, repo, EXTERNAL_SECRET.format(value="'{{ DB_USER }}@db'"))
    assert [(f["line"], f["severity"]) for f in findings] == [(14, "error")]
    assert 'function "DB_USER" not defined' in findings[0]["message"]
    assert findings[0]["fix"] == "read a key of the data with a leading dot: {{ .DB_USER }}"


def test_a_long_template_is_read_in_one_pass():
    """Hostile input: a megabyte of actions and dashes is judged without a quadratic walk."""
    text = "{{ .a }}" * 120_000 + "{{ .b-c }}"
    problem = template_problem(text)
    assert problem is not None and problem.word == "b-c"
    assert template_problem("{{" * 400_000) is not None  # unclosed, found once


def test_a_label_template_is_parsed_too(check_json, repo):
    """External Secrets renders template.metadata labels and annotations as templates as well."""
    labelled = EXTERNAL_SECRET.format(value="plain").replace(
        "    template:\n", "    template:\n      metadata:\n        labels:\n          owner: '{{ .team-name }}'\n"
    )
    findings = _hl409(check_json, repo, labelled)
    assert [(f["line"], "label 'owner'" in f["message"]) for f in findings] == [(15, True)]


def test_a_dash_a_substituted_variable_brings_is_judged_as_flux_substitutes_it(check_json, repo):
    """`{{ .${APP}_password }}` with APP=app-a is `{{ .app-a_password }}` once Flux substitutes the
    object, before External Secrets parses it; written literally, the same key is judged alike."""
    flux = flux_root("apps", "./apps", "  postBuild:\n    substitute:\n      APP: app-a\n")
    files = {
        "clusters/main/flux.yaml": flux,
        "apps/kustomization.yaml": "resources: [ns.yaml, store.yaml, es.yaml]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/store.yaml": STORE,
        "apps/es.yaml": EXTERNAL_SECRET.replace("{value}", "'{{ .${APP}_password }}'"),
    }
    (finding,) = [f for f in check_json(repo(files))[1] if f["rule"] == "HL409"]
    assert finding["message"].startswith(
        "ExternalSecret es-a: the template of key 'URL' (as Flux substitutes it: '{{ .app-a_password }}') does not parse"
    )
    assert finding["fix"] == 'read the key through index, with the ${VAR} inside the quotes: {{ index . "${VAR}_key" }}'
    files["clusters/main/flux.yaml"] = flux.replace("APP: app-a", "APP: app_a")  # no dash once substituted
    assert [f for f in check_json(repo(files))[1] if f["rule"] == "HL409"] == []


def test_a_variable_from_a_secret_is_not_substituted_into_the_message(check_json, repo):
    """The same template, with APP from a plaintext Secret's stringData (substituteFrom): its value
    is not printed (nor judged), whatever the template would become."""
    flux = flux_root("apps", "./apps", "  postBuild:\n    substituteFrom:\n      - {kind: Secret, name: vars-a}\n")
    vars_secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vars-a\n  namespace: flux-system\nstringData:\n  APP: hidden-value\n"
    )
    files = {
        "clusters/main/flux.yaml": flux,
        "clusters/main/vars.yaml": vars_secret,
        "apps/kustomization.yaml": "resources: [ns.yaml, store.yaml, es.yaml]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/store.yaml": STORE,
        "apps/es.yaml": EXTERNAL_SECRET.replace("{value}", "'{{ .${APP}_password }}'"),
    }
    findings = check_json(repo(files))[1]
    assert not any("hidden-value" in f["message"] for f in findings)
    assert [f for f in findings if f["rule"] == "HL409"] == []
