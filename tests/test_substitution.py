"""Flux envsubst semantics: what is a variable, what has a default, what breaks the build."""

from __future__ import annotations

import pytest

from homelint.core.substitution import VALID_VAR_NAME, placeholder_strings, resolve, scan, substitute_tree, written_plain


def names(text):
    return [(e.name, e.op, e.error is not None) for e in scan(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${VAR}", [("VAR", "", False)]),
        ("$VAR and $$VAR", []),
        ("$${VAR} is escaped", []),
        ("${VAR:=x}", [("VAR", ":=", False)]),
        (
            "${VAR:-x} ${VAR=x} ${VAR:+x} ${VAR:?x}",
            [("VAR", ":-", False), ("VAR", "=", False), ("VAR", ":+", False), ("VAR", ":?", False)],
        ),
        ("${#VAR} ${VAR^^} ${VAR,} ${VAR:0:3} ${VAR/a/b} ${VAR##x}", [("VAR", "transform", False)] * 6),
        ("${a.b}", [("a", "", True)]),
        ("${a-b}", [("a", "", True)]),
        ("${ a }", [("", "", True)]),
        ("${{ github.sha }}", [("", "", True)]),
        ("tail ${", [("", "", True)]),
    ],
)
def test_scanner_matches_flux(text, expected):
    assert names(text) == expected


def test_nested_defaults_are_scanned():
    (expr,) = scan("${VOLSYNC_CLAIM:-${APP}}")
    assert expr.has_default and [e.name for e in expr.nested] == ["APP"]


def test_resolve_uses_defaults_and_refuses_to_guess():
    assert resolve("${VOLSYNC_CLAIM:-${APP}}-data", {"APP": "romm"}) == "romm-data"
    assert resolve("${APP}", {}) is None
    assert resolve("${X:=a}", {"X": ""}) == "a"  # Flux: empty counts as unset
    assert resolve("cost: $$5", {}) == "cost: $5"


def test_provided_variable_names_follow_flux_regex():
    assert VALID_VAR_NAME.match("SECRET_DOMAIN") and VALID_VAR_NAME.match("_x1")
    assert not VALID_VAR_NAME.match("tls.crt") and not VALID_VAR_NAME.match("my-key") and not VALID_VAR_NAME.match("1A")


def test_placeholder_strings_lists_each_string_with_a_placeholder_depth_first_keys_before_values():
    shared = {"host": "${HOST}"}
    doc = {
        "a": "plain",
        "${KEY_A}": 1,
        "b": [{"c": "x-${C}"}, "${D}", 2, shared],
        "${KEY_E}": {"again": shared},  # an alias: its strings are listed once, where first reached
        "f": "${F}",
    }
    assert placeholder_strings(doc) == [
        (("${KEY_E}",), "${KEY_E}", True),  # the keys of a mapping, last first
        (("${KEY_A}",), "${KEY_A}", True),
        (("b", 0, "c"), "x-${C}", False),
        (("b", 1), "${D}", False),
        (("b", 3, "host"), "${HOST}", False),
        (("f",), "${F}", False),
    ]
    assert placeholder_strings("${X}") == [((), "${X}", False)]
    assert placeholder_strings(["a", 1, None]) == []
    cyclic: dict = {"v": "${V}"}
    cyclic["self"] = cyclic
    assert placeholder_strings(cyclic) == [(("v",), "${V}", False)]


def test_substitute_tree_substitutes_keys_and_values_and_unescapes_everywhere() -> None:
    tree = {"spec": ["cost $$5", {"${KEY}": "${VALUE:=fallback}", "kept": "${UNKNOWN}"}], "replicas": 3}
    assert substitute_tree(tree, {"KEY": "name"}) == {
        "spec": ["cost $5", {"name": "fallback", "kept": "${UNKNOWN}"}],
        "replicas": 3,
    }


def test_substitute_tree_returns_a_tree_without_a_dollar_as_it_is() -> None:
    tree = {"spec": {"path": "./apps", "items": ["a", 1, None, True]}}
    assert substitute_tree(tree, {"KEY": "name"}) is tree


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("${VAR}", True),
        ("${quote}${VAR}${quote}", True),
        ("v${VAR}", True),
        ("${A},${B}", True),  # a flow indicator: plain in block context
        ("${VAR} #1", False),  # ` #` would start a comment
        ("${A}: ${B}", False),
        ("${VAR}:", False),
        (" ${VAR}", False),
        ("${VAR} ", False),
        ("${A}\n${B}", False),
        ("${A}\t${B}", False),
        ("'${VAR}'", False),
        ("- ${VAR}", False),
        ("${VAR}é", False),  # not judged: taken as quoted
    ],
)
def test_written_plain_follows_the_go_yaml_emitter(text, plain) -> None:
    """kustomize-controller substitutes the text JSONToYAML writes: a string go-yaml's emitter
    writes plain is read as YAML again after substitution, whatever quoting the manifest had."""
    assert written_plain(text) is plain


# fluxcd/pkg envsubst eval_test.go TestExpand (the tldp.org cases): what Flux makes of each transform
FLUX_TRANSFORMS = [
    ("${#var01}", {"var01": "abcdEFGH28ij"}, "12"),
    ("${var01^}", {"var01": "abcdEFGH28ij"}, "AbcdEFGH28ij"),
    ("${var01^^}", {"var01": "abcdEFGH28ij"}, "ABCDEFGH28IJ"),
    ("${var01,}", {"var01": "ABCDEFGH28IJ"}, "aBCDEFGH28IJ"),
    ("${var01,,}", {"var01": "ABCDEFGH28IJ"}, "abcdefgh28ij"),
    ("${path_name:11}", {"path_name": "/home/bozo/ideas/thoughts.for.today"}, "ideas/thoughts.for.today"),
    ("${path_name:11:5}", {"path_name": "/home/bozo/ideas/thoughts.for.today"}, "ideas"),
    ("${stringZ/%abc/XYZ}", {"stringZ": "abcABC123ABCabc"}, "abcABC123ABCXYZ"),
    ("${stringZ/#abc/XYZ}", {"stringZ": "abcABC123ABCabc"}, "XYZABC123ABCabc"),
    ("${stringZ/#/prefix-}", {"stringZ": "somevalue"}, "prefix-somevalue"),
    ("${stringZ/%/-suffix}", {"stringZ": "somevalue"}, "somevalue-suffix"),
    ("${stringZ//abc/xyz}", {"stringZ": "abcABC123ABCabc"}, "xyzABC123ABCxyz"),
    ("${stringZ/abc/xyz}", {"stringZ": "abcABC123ABCabc"}, "xyzABC123ABCabc"),
    ("${filename#*.}", {"filename": "bash.string.txt"}, "string.txt"),
    ("${filename#*/}", {"filename": "path/to/file"}, "to/file"),
    ("${filename#*/}", {"filename": "/path/to/file"}, "path/to/file"),
    ("${filename##*.}", {"filename": "bash.string.txt"}, "txt"),
    ("${filename##*/}", {"filename": "path/to/file"}, "file"),
    ("${filename##*/}", {"filename": "/path/to/file"}, "file"),
    ("${filename%.*}", {"filename": "bash.string.txt"}, "bash.string"),
    ("${filename%%.*}", {"filename": "bash.string.txt"}, "bash"),
    ("${stringZ/./}", {"stringZ": "foo.bar"}, "foobar"),
    ("${DOMAIN/./-}-tls", {"DOMAIN": "example.com"}, "example-com-tls"),
]


@pytest.mark.parametrize(("text", "variables", "expected"), FLUX_TRANSFORMS)
def test_resolve_evaluates_transforms_as_flux_does(text, variables, expected) -> None:
    assert resolve(text, variables) == expected


@pytest.mark.parametrize(
    "text",
    [
        "${UNSET/./-}",  # the value is unknown
        "${V/\\//-}",  # an escape in the pattern
        "${V/${W}/-}",  # a nested expression in an argument
        "${V/x}",  # no second slash: the parser refuses it
        "${V#[a-z]*}",  # a glob class
        "${U^^}",  # not ASCII: Go cases runes, Python maps some to several characters
    ],
)
def test_resolve_leaves_transforms_it_cannot_be_sure_of_unknown(text) -> None:
    assert resolve(text, {"V": "a/b.c", "W": "b", "U": "stra\u00dfe"}) is None


def test_a_long_value_or_glob_is_not_trimmed() -> None:
    assert resolve("${V#" + "*x" * 50 + "}", {"V": "y" * 900}) == "y" * 900
    assert resolve("${V#*x}", {"V": "y" * 5000}) is None


def test_a_substring_position_longer_than_any_int64_leaves_the_value():
    """strconv.Atoi fails on it and toSubstr returns the value; Python must not parse 5,000 digits."""
    assert resolve("${V:" + "9" * 5000 + "}", {"V": "abc"}) == "abc"
    assert resolve("${V:99999999999999999999}", {"V": "abc"}) == "abc"  # 20 digits: over int64
    assert resolve("${V:1:2}", {"V": "abcd"}) == "bc"
