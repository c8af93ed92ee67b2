"""HL809: helm-controller reads a HelmRelease's values as JSON numbers (float64), so an integer
over 2^53 reaches the chart as another number; one within it, a quoted one and a boolean do not."""

from __future__ import annotations

from homelint.rules.valueprecision import EXACT, _big_integers


def test_only_integers_a_float64_cannot_hold_are_found():
    values = {
        "seed": 1691256543523180978,
        "negative": -(EXACT + 1),
        "edge": EXACT,  # exactly held
        "quoted": "1691256543523180978",
        "flag": True,
        "items": [1, 2**60],
    }
    found = list(_big_integers(values, ("spec", "values")))
    assert found == [
        (("spec", "values", "seed"), 1691256543523180978),
        (("spec", "values", "negative"), -(EXACT + 1)),
        (("spec", "values", "items", 1), 2**60),
    ]


def test_an_alias_is_walked_once():
    shared = {"id": 2**60}
    assert len(list(_big_integers({"a": shared, "b": shared}, ()))) == 1
