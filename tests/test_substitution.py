"""Flux envsubst semantics: what is a variable, what has a default, what breaks the build."""

from __future__ import annotations

import pytest

from homelint.core.substitution import VALID_VAR_NAME, resolve, scan


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
