"""refs.walk, the path reader of the producer and consumer tables, finds what a plain reading of a
path finds (keys, `*`, `**` at any depth down to _MAX_DEPTH, `(a|b)` alternatives in their order
where they are reached), with the same field paths and holders, in the same order; a condition on
plain keys, read directly, holds when a walk of them says it does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from homelint.model.refs import _MAX_DEPTH, Condition, parse_path, walk

KEYS = st.sampled_from(["a", "b", "name", "x.y"])
DATA = st.recursive(
    st.one_of(st.none(), st.integers(0, 2), st.sampled_from(["v", ""])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=25,
)
SEGMENT = st.sampled_from(["a", "b", "name", '["x.y"]', "*", "**", "(a|b)", "(a.name|*)", "(|b)"])
PATHS = st.lists(SEGMENT, min_size=1, max_size=5).map(".".join)


def plain_reading(
    data: Any, path: tuple[Any, ...], at: tuple[Any, ...] = (), depth: int = 0, holder: Any = None
) -> Iterator[Any]:
    """A path read one segment at a time, as the table format defines it."""
    if not path:
        yield data, at, holder
        return
    head, rest = path[0], path[1:]
    if isinstance(head, tuple):
        for alternative in head:
            yield from plain_reading(data, alternative + rest, at, depth, holder)
    elif head == "**":
        if rest and isinstance(rest[0], str) and rest[0] not in ("*", "**"):
            yield from _holders_first(data, rest, at, depth)
            return
        yield from plain_reading(data, rest, at, depth, holder)
        if depth < _MAX_DEPTH:
            for key, child in _children(data):
                yield from plain_reading(child, path, (*at, key), depth + 1, data)
    elif head == "*":
        for key, child in _children(data):
            yield from plain_reading(child, rest, (*at, key), depth + 1, data)
    elif isinstance(data, dict) and head in data:
        yield from plain_reading(data[head], rest, (*at, head), depth, data)


def _holders_first(data: Any, rest: tuple[Any, ...], at: tuple[Any, ...], depth: int) -> Iterator[Any]:
    """`**.key...`: every mapping with `key` at or under `data`, in document order, then the rest below it."""
    key, tail = rest[0], rest[1:]
    if isinstance(data, dict) and key in data:
        yield from plain_reading(data[key], tail, (*at, key), depth + 1, data)
    if depth < _MAX_DEPTH:
        for child_key, child in _children(data):
            if isinstance(child, dict | list):
                yield from _holders_first(child, rest, (*at, child_key), depth + 1)


def _children(data: Any) -> list[tuple[Any, Any]]:
    if isinstance(data, dict):
        return [(str(k), v) for k, v in data.items()]
    return list(enumerate(data)) if isinstance(data, list) else []


@settings(max_examples=300, deadline=None)
@given(DATA, PATHS)
def test_walk_finds_what_a_plain_reading_of_the_path_finds(data, text):
    _, path = parse_path(text)
    assert walk(data, path) == list(plain_reading(data, path))


def test_a_wildcard_before_alternatives_keeps_each_item_together():
    data = {"c": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}
    _, path = parse_path("c.*.(b|a)")
    assert [(v, at) for v, at, _ in walk(data, path)] == [
        (2, ("c", 0, "b")),
        (1, ("c", 0, "a")),
        (4, ("c", 1, "b")),
        (3, ("c", 1, "a")),
    ]


def test_any_depth_stops_at_the_depth_limit():
    deep: Any = {"name": "bottom"}
    for _ in range(_MAX_DEPTH + 2):
        deep = {"a": deep}
    _, path = parse_path("**.name")
    assert walk(deep, path) == []
    assert [v for v, _, _ in walk(deep["a"]["a"]["a"], path)] == ["bottom"]


@settings(max_examples=200, deadline=None)
@given(
    DATA, st.lists(KEYS, min_size=1, max_size=3), st.sampled_from([None, True, False]), st.sampled_from([None, ("v",), (1, None)])
)
def test_a_condition_on_plain_keys_reads_them_as_a_walk_would(data, keys, present, values):
    path = tuple(keys)
    walked = Condition(False, path, values, None, present)
    direct = Condition(False, path, values, None, present, plain=True)
    assert direct.holds(data, data) == walked.holds(data, data)
    assert Condition(False, path, None, values, present, plain=True).holds(data, data) == Condition(
        False, path, None, values, present
    ).holds(data, data)
