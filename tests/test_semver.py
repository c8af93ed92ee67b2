"""The version a chart range resolves to when `homelint schemas pull` fetches it (Masterminds semantics)."""

from __future__ import annotations

import pytest

from homelint.core.semver import best_match, parse_version

VERSIONS = ["1.0.0", "1.2.0", "1.2.5", "1.3.0", "2.0.0", "2.1.0-rc.1", "0.2.3", "0.2.9", "0.3.0", "v3.0.0"]


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("1.2.5", "1.2.5"),  # an exact string wins
        ("1.2", "1.2.5"),  # a partial version is a tilde range
        ("1.x", "1.3.0"),
        ("*", "v3.0.0"),
        ("", "v3.0.0"),
        ("~1.2", "1.2.5"),
        ("^1.2.0", "1.3.0"),
        ("^0.2.3", "0.2.9"),
        (">=1.0 <2.0", "1.3.0"),
        (">=1.0, <1.3", "1.2.5"),
        ("1.0 - 1.2.5", "1.2.5"),
        (">1.2", "v3.0.0"),
        ("<=1.2", "1.2.5"),
        ("!=1.x", "v3.0.0"),
        ("2.1.0-rc.1", "2.1.0-rc.1"),
        (">=2.1.0-0", "v3.0.0"),
        ("1.2.0 || 2.x", "2.0.0"),  # prereleases only when the constraint names one
        ("9.x", None),
        ("not a range", None),
    ],
)
def test_ranges_resolve_to_the_highest_allowed_version(constraint, expected):
    assert best_match(constraint, VERSIONS) == expected


def test_versions_order_prereleases_before_their_release():
    assert parse_version("1.0.0-rc.1").key() < parse_version("1.0.0").key() < parse_version("1.0.1-alpha").key()
    assert parse_version("1.2") is None and parse_version("1.x.0") is None
