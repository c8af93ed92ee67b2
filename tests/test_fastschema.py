"""The compiled yes/no validator agrees with jsonschema on every kind schema and every keyword it implements."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homelint.loading.yamlload import parse_bytes
from homelint.model.fastschema import Compiler, Unsupported
from homelint.model.kindschemas import KUSTOMIZE_SCHEMA, SCHEMAS, fast_validator, validator

from .conftest import FIXTURES

BASE = "https://example.test/s.json"


def compiled(schema: dict[str, Any]) -> Any:
    return Compiler({BASE: {"$id": BASE, **schema}}).check_for(BASE)


KEYWORD_CASES = [
    ({"type": "integer"}, [1, 1.0, 1.5, True, "1", None]),
    ({"type": "number"}, [1, 2.5, False, "x"]),
    ({"type": ["string", "null"]}, ["a", None, 0, []]),
    ({"type": "boolean"}, [True, 0, "true"]),
    ({"enum": ["a", "b"]}, ["a", "c", 1, None]),
    ({"enum": [1, True, None]}, [1, 1.0, True, False, None, 0]),
    ({"const": False}, [False, 0, None, True]),
    ({"pattern": "^[a-z]+$"}, ["abc", "aB", 5, None]),
    ({"minLength": 2, "maxLength": 3}, ["a", "ab", "abcd", 12345]),
    ({"minProperties": 1, "maxProperties": 1}, [{}, {"a": 1}, {"a": 1, "b": 2}, []]),
    ({"items": {"type": "string"}}, [[], ["a"], ["a", 1], "ab"]),
    ({"properties": {"a": {"type": "string"}}, "required": ["a"]}, [{"a": "x"}, {"a": 1}, {}, "a"]),
    ({"properties": {"a": {}}, "additionalProperties": False}, [{"a": 1}, {"b": 1}, {}]),
    ({"additionalProperties": {"type": "integer"}}, [{"x": 1}, {"x": "1"}]),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, ["a", 1, None]),
    ({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]}, [{"a": 1}, {"a": 1, "b": 1}, {}]),
    ({"allOf": [{"minLength": 1}, {"maxLength": 2}]}, ["", "a", "abc"]),
    ({"not": {"type": "null"}}, [None, 0]),
    ({"$defs": {"n": {"type": "integer"}}, "properties": {"x": {"$ref": "#/$defs/n"}}}, [{"x": 1}, {"x": "1"}]),
    (
        {
            "$defs": {"tree": {"type": "object", "properties": {"kids": {"items": {"$ref": "#/$defs/tree"}}}}},
            "$ref": "#/$defs/tree",
        },
        [{"kids": [{"kids": []}]}, {"kids": [{"kids": [1]}]}],
    ),
    # the keywords of chart values schemas (app-template 3-5) and CRD catalogs
    ({"patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": False}, [{"x1": 1}, {"x1": "1"}, {"y": 1}, {}]),
    ({"format": "email"}, ["not an email", 5]),  # format is an annotation unless a format checker is asked for
    (
        {"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"required": ["c"]}},
        [{"a": 1, "b": 1}, {"a": 1}, {"c": 1}, {}],
    ),
    ({"minimum": 1, "maximum": 3}, [0, 1, 3, 3.5, True, "2"]),
    ({"exclusiveMinimum": 0, "exclusiveMaximum": 2}, [0, 1, 1.999, 2]),
    ({"multipleOf": 2}, [4, 5, 4.0, 4.5]),
    ({"minItems": 1, "maxItems": 2, "uniqueItems": True}, [[], [1], [1, 1], [1, True], [1, 2, 3]]),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, [{"ab": 1}, {"Ab": 1}]),
    ({"contains": {"type": "string"}, "minContains": 2}, [["a", "b"], ["a", 1], []]),
    ({"dependentRequired": {"a": ["b"]}}, [{"a": 1, "b": 2}, {"a": 1}, {"b": 1}]),
    ({"dependentSchemas": {"a": {"required": ["b"]}}}, [{"a": 1, "b": 2}, {"a": 1}]),
    ({"x-kubernetes-preserve-unknown-fields": True, "nullable": True, "type": "object"}, [{}, None]),
    (
        {"properties": {"a": {}}, "unevaluatedProperties": False},
        [{"a": 1}, {"b": 1}],
    ),
    (
        {
            "allOf": [{"properties": {"a": {}}}],
            "oneOf": [{"properties": {"kind": {"const": "x"}, "x": {}}}, {"properties": {"kind": {"const": "y"}, "y": {}}}],
            "unevaluatedProperties": False,
        },
        [{"a": 1, "kind": "x", "x": 1}, {"kind": "x", "y": 1}, {"kind": "y", "y": 1}, {"a": 1, "b": 2, "kind": "y"}],
    ),
    (
        {"$defs": {"base": {"properties": {"name": {"type": "string"}}}}, "$ref": "#/$defs/base", "unevaluatedProperties": False},
        [{"name": "a"}, {"name": "a", "other": 1}],
    ),
    (
        {"if": {"properties": {"t": {"const": 1}}}, "then": {"properties": {"u": {}}}, "unevaluatedProperties": False},
        [{"t": 1, "u": 1}, {"t": 2, "u": 1}],
    ),
]


@pytest.mark.parametrize(("schema", "instances"), KEYWORD_CASES)
def test_each_keyword_agrees_with_jsonschema(schema, instances):
    fast = compiled(schema)
    oracle = jsonschema.Draft202012Validator({"$id": BASE, **schema})
    for instance in instances:
        assert fast(instance) == oracle.is_valid(instance), instance


@pytest.mark.parametrize(
    "keyword",
    [{"prefixItems": [{}]}, {"unevaluatedItems": False}, {"$dynamicRef": "#x"}, {"items": [{}, {}]}, {"multipleOf": 0.5}],
)
def test_a_keyword_outside_the_subset_is_refused_not_guessed(keyword):
    with pytest.raises(Unsupported):
        compiled(keyword)


def test_draft7_schemas_agree_through_refs_between_documents():
    """A draft-7 document set with relative $refs (the app-template layout): lazily compiled or not."""
    base = "https://example.test/charts/common/values.schema.json"
    documents = {
        base: {
            "$schema": "http://json-schema.org/draft-07/schema",
            "$id": base,
            "type": "object",
            "additionalProperties": False,
            "properties": {"persistence": {"type": "object", "additionalProperties": {"$ref": "schemas/persistence.json#/item"}}},
        },
        "https://example.test/charts/common/schemas/persistence.json": {
            "item": {
                "type": "object",
                "properties": {"type": {"enum": ["nfs", "pvc"]}, "server": {"type": "string"}},
                "additionalProperties": False,
                "if": {"properties": {"type": {"const": "nfs"}}},
                "then": {"required": ["server"]},
            }
        },
    }
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    registry = Registry().with_resources(
        (uri, Resource.from_contents(doc, default_specification=DRAFT7)) for uri, doc in documents.items()
    )
    oracle = jsonschema.Draft7Validator(documents[base], registry=registry)
    cases = [
        {"persistence": {"a": {"type": "nfs", "server": "x"}}},
        {"persistence": {"a": {"type": "nfs"}}},
        {"persistence": {"a": {"type": "pvc", "sever": 1}}},
        {"persistense": {}},
    ]
    for lazy in (False, True):
        fast = Compiler(documents, lazy=lazy).check_for(base)
        assert [fast(c) for c in cases] == [oracle.is_valid(c) for c in cases]


def test_every_shipped_kind_schema_compiles():
    for name in {*SCHEMAS.values(), KUSTOMIZE_SCHEMA}:
        assert fast_validator(name) is not None, name


def test_every_shipped_declarative_rule_schema_compiles():
    from homelint.model.fastschema import compile_standalone
    from homelint.rules.registry import builtin_rules

    declarative = [meta for meta in builtin_rules().values() if meta.declarative]
    assert declarative
    for meta in declarative:
        assert compile_standalone(meta.declarative["schema"]) is not None, meta.id


@cache
def fixture_documents() -> list[tuple[str, Any]]:
    """(schema name, document) for every fixture document a kind schema covers."""
    found = []
    for path in sorted(FIXTURES.rglob("*.yaml")):
        parsed = parse_bytes(path.name, path.read_bytes())
        for index, doc in enumerate(parsed.docs):
            if not isinstance(doc, dict):
                continue
            if path.name == "kustomization.yaml" and index == 0 and doc.get("kind") in (None, "Kustomization"):
                found.append((KUSTOMIZE_SCHEMA, doc))
            elif (str(doc.get("apiVersion")), str(doc.get("kind"))) in SCHEMAS:
                found.append((SCHEMAS[(doc["apiVersion"], doc["kind"])], doc))
    return found


def test_fixture_documents_agree():
    documents = fixture_documents()
    assert len(documents) > 100
    for name, doc in documents:
        assert fast_validator(name)(doc) == validator(name).is_valid(doc), (name, doc)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False)
    | st.sampled_from(["", "x", "1m", "true", "Kustomization", "v1"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["name", "kind", "spec", "x", "path"]), inner, max_size=3)
    ),
    max_leaves=6,
)


def _containers(value: Any, found: list[Any]) -> list[Any]:
    if isinstance(value, dict | list):
        found.append(value)
        for item in value.values() if isinstance(value, dict) else value:
            _containers(item, found)
    return found


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_fixture_documents_agree(data):
    name, original = data.draw(st.sampled_from(fixture_documents()))
    doc = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(1, 3))):
        target = data.draw(st.sampled_from(_containers(doc, [])))
        if isinstance(target, dict) and target:
            key = data.draw(st.sampled_from(sorted(target, key=str)))
            if data.draw(st.booleans()):
                del target[key]
            else:
                target[key] = data.draw(JSON_VALUES)
        elif isinstance(target, dict):
            target[data.draw(st.sampled_from(["name", "spec", "unknown"]))] = data.draw(JSON_VALUES)
        elif target:
            target[data.draw(st.integers(0, len(target) - 1))] = data.draw(JSON_VALUES)
    assert fast_validator(name)(doc) == validator(name).is_valid(doc)


def test_declarative_rule_schemas_agree_on_fixture_documents():
    from homelint.model.fastschema import compile_standalone
    from homelint.rules.registry import builtin_rules

    checked = 0
    for meta in (m for m in builtin_rules().values() if m.declarative):
        fast = compile_standalone(meta.declarative["schema"])
        oracle = jsonschema.Draft202012Validator(meta.declarative["schema"])
        for path in sorted(FIXTURES.rglob("*.yaml")):
            for doc in parse_bytes(path.name, path.read_bytes()).docs:
                if isinstance(doc, dict) and doc.get("kind") == meta.declarative["match"].get("kind"):
                    checked += 1
                    assert fast(doc) == oracle.is_valid(doc), (meta.id, path)
    assert checked >= 4
