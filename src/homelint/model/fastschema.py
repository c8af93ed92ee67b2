"""A compiled yes/no validator for the JSON Schema subset of `schemas/kinds/` and of chart values
schemas (drafts 7 and 2020-12).

Almost every object is valid, so HL601 and the HL8xx checks ask this first; jsonschema (slow to
import and to run) only explains the objects that fail. An assertion keyword outside the subset
raises `Unsupported`, and the caller then uses jsonschema for everything: the answer is never a
guess. Keywords that assert nothing (annotations, `format`, which jsonschema does not assert by
default, and unknown keywords, which validators ignore) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin

Check = Callable[[Any], bool]
Evaluated = Callable[[dict[str, Any]], set[str]]

IGNORED = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "format"})
# handled together by _object_rules / _kw_if
OBJECT_KEYWORDS = frozenset({"additionalProperties", "required", "patternProperties", "then", "else"})
# keywords some draft's validator asserts: one this compiler lacks is refused, never skipped
ASSERTIONS = frozenset(
    {
        "$ref", "$dynamicRef", "$recursiveRef", "additionalItems", "additionalProperties", "allOf", "anyOf", "const",
        "contains", "dependencies", "dependentRequired", "dependentSchemas", "enum", "exclusiveMaximum",
        "exclusiveMinimum", "if", "items", "maxContains", "maxItems", "maxLength", "maxProperties", "maximum",
        "minContains", "minItems", "minLength", "minProperties", "minimum", "multipleOf", "not", "oneOf", "pattern",
        "patternProperties", "prefixItems", "properties", "propertyNames", "required", "type", "unevaluatedItems",
        "unevaluatedProperties", "uniqueItems",
    }
)  # fmt: skip


def join_ref(base: str, ref: str) -> str:
    """The absolute form of `ref` seen from a document at `base` (RFC 3986, as jsonschema does)."""
    if ref.startswith("#"):
        return base.split("#", 1)[0] + ref
    if ":" in ref.split("/", 1)[0]:  # absolute: https://..., urn:...
        return ref
    if base.startswith(("http://", "https://", "file:")):
        return urljoin(base, ref)
    return base.rsplit("/", 1)[0] + "/" + ref


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not implement."""


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality as jsonschema sees it: booleans are not numbers, 1 == 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class Compiler:
    """Compiles schemas (by `$id`) into nested closures; `$ref`s resolve lazily, so recursion works."""

    def __init__(self, documents: dict[str, Any], *, lazy: bool = False, linear: bool = False) -> None:
        """`lazy`: compile a property's, an item's or a $ref's schema when a value first needs it
        (big CRD schemas, of which a document uses a few fields); `Unsupported` may then be raised
        by the check itself, and the caller must treat it as "ask jsonschema". `linear`: patterns
        run on RE2 (schemas a repository supplies), else on Python's re."""
        self.documents = documents  # $id -> schema document
        self.lazy = lazy
        self.linear = linear
        self.compiled: dict[str, Check] = {}  # absolute ref -> check
        self.evaluated: dict[str, Evaluated] = {}  # absolute ref -> evaluated-properties function

    def check_for(self, uri: str) -> Check:
        return self._at(uri if "#" in uri else uri + "#")

    def _ref(self, ref: str, base: str) -> Check:
        target = join_ref(base, ref)
        return self._at(target if "#" in target else target + "#")

    def _node(self, target: str) -> tuple[Any, str]:
        """(the schema at an absolute reference, the base URI its relative references resolve against)."""
        document_uri, pointer = target.split("#", 1)
        document: Any = self.documents[document_uri]
        base = document_uri
        if isinstance(document, dict) and isinstance(document.get("$id"), str):
            base = join_ref(document_uri, document["$id"]).split("#", 1)[0]
        node = document
        for part in [p for p in pointer.split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node, base

    def _at(self, target: str) -> Check:
        found = self.compiled.get(target)
        if found is not None:
            return found
        slot: list[Check] = []

        def deferred(value: Any) -> bool:
            return slot[0](value)

        self.compiled[target] = deferred
        try:
            node, base = self._node(target)
            slot.append(self.compile(node, base))
        except (KeyError, TypeError, IndexError, ValueError) as exc:
            del self.compiled[target]
            raise Unsupported(f"unresolvable $ref {target}") from exc
        except Unsupported:
            del self.compiled[target]
            raise
        self.compiled[target] = slot[0]
        return slot[0]

    def compile(self, schema: Any, base: str) -> Check:
        if schema is True:
            return lambda _: True
        if schema is False:
            return lambda _: False
        if not isinstance(schema, dict):
            raise Unsupported(f"schema is a {type(schema).__name__}")
        if isinstance(schema.get("$id"), str) and join_ref(base, schema["$id"]).split("#", 1)[0] != base.split("#", 1)[0]:
            raise Unsupported("an embedded schema with its own $id")
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in IGNORED or keyword in OBJECT_KEYWORDS:
                continue
            build = getattr(self, "_kw_" + keyword.lstrip("$"), None)
            if build is None:
                if keyword in ASSERTIONS:
                    raise Unsupported(f"keyword {keyword}")
                continue  # an annotation or an unknown keyword: validators ignore it
            checks.append(build(value, schema, base))
        if "required" in schema or "additionalProperties" in schema or "patternProperties" in schema:
            checks.append(self._object_rules(schema, base))
        return _all_of(checks)

    def _kw_ref(self, value: str, schema: dict[str, Any], base: str) -> Check:
        if not self.lazy:
            return self._ref(value, base)
        slot: list[Check] = []

        def ref(v: Any) -> bool:
            if not slot:
                slot.append(self._ref(value, base))
            return slot[0](v)

        return ref

    def _sub(self, schema: Any, base: str) -> Check:
        """A subschema's check, compiled now or (lazy) on first use."""
        if not self.lazy or schema is True or schema == {}:
            return self.compile(schema, base)
        slot: list[Check] = []

        def sub(v: Any) -> bool:
            if not slot:
                slot.append(self.compile(schema, base))
            return slot[0](v)

        return sub

    def _kw_type(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        names = [value] if isinstance(value, str) else list(value)
        tests = [TYPES[n] for n in names]
        if len(tests) == 1:
            return tests[0]
        if len(tests) == 2:
            first, second = tests
            return lambda v: first(v) or second(v)
        return lambda v: any(t(v) for t in tests)

    def _kw_enum(self, value: list[Any], schema: dict[str, Any], base: str) -> Check:
        if all(isinstance(x, str) for x in value):
            options = frozenset(value)
            return lambda v: isinstance(v, str) and v in options
        return lambda v: any(json_equal(v, x) for x in value)

    def _kw_const(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return lambda v: json_equal(v, value)

    def _kw_pattern(self, value: str, schema: dict[str, Any], base: str) -> Check:
        if self.linear:
            from homelint.core.regex import linear  # start-up: a warm run does not need it

            search = linear(value).search
        else:
            search = re.compile(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None

    def _kw_minLength(self, value: int, schema: dict[str, Any], base: str) -> Check:
        return lambda v: not isinstance(v, str) or len(v) >= value

    def _kw_maxLength(self, value: int, schema: dict[str, Any], base: str) -> Check:
        return lambda v: not isinstance(v, str) or len(v) <= value

    def _kw_minProperties(self, value: int, schema: dict[str, Any], base: str) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) >= value

    def _kw_maxProperties(self, value: int, schema: dict[str, Any], base: str) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) <= value

    def _kw_items(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        if "prefixItems" in schema:
            raise Unsupported("prefixItems")
        item = self._sub(value, base)
        return lambda v: not isinstance(v, list) or all(item(x) for x in v)

    def _kw_properties(self, value: dict[str, Any], schema: dict[str, Any], base: str) -> Check:
        if self.lazy:
            return self._lazy_properties(value, base)
        props = {name: self._sub(sub, base) for name, sub in value.items()}

        def properties(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for name, check in props.items():  # noqa: SIM110 (a plain loop is faster than all() on a generator)
                if name in v and not check(v[name]):
                    return False
            return True

        return properties

    def _lazy_properties(self, value: dict[str, Any], base: str) -> Check:
        """`properties` of a big schema: walk the value's keys, compile a property's schema on first use."""
        compiled: dict[str, Check] = {}

        def properties(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for name, item in v.items():
                check = compiled.get(name)
                if check is None:
                    if name not in value:
                        continue
                    check = compiled[name] = self.compile(value[name], base)
                if not check(item):
                    return False
            return True

        return properties

    def _object_rules(self, schema: dict[str, Any], base: str) -> Check:
        required = tuple(schema.get("required", ()))
        known = frozenset(schema.get("properties", {}))
        patterns = [(re.compile(p).search, self._sub(sub, base)) for p, sub in schema.get("patternProperties", {}).items()]
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True else self._sub(extra, base)

        def object_rules(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for name in required:
                if name not in v:
                    return False
            if extra_check is not None or patterns:
                for key, item in v.items():
                    matched = False
                    for search, check in patterns:
                        if isinstance(key, str) and search(key):
                            matched = True
                            if not check(item):
                                return False
                    if extra_check is not None and not matched and key not in known and not extra_check(item):
                        return False
            return True

        return object_rules

    def _kw_minimum(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return _number_rule(value, lambda v, limit: v >= limit)

    def _kw_maximum(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return _number_rule(value, lambda v, limit: v <= limit)

    def _kw_exclusiveMinimum(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return _number_rule(value, lambda v, limit: v > limit)

    def _kw_exclusiveMaximum(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return _number_rule(value, lambda v, limit: v < limit)

    def _kw_multipleOf(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise Unsupported("multipleOf that is not a positive integer")
        return lambda v: not _is_number(v) or (float(v).is_integer() and int(v) % value == 0)

    def _kw_minItems(self, value: int, schema: dict[str, Any], base: str) -> Check:
        return lambda v: not isinstance(v, list) or len(v) >= value

    def _kw_maxItems(self, value: int, schema: dict[str, Any], base: str) -> Check:
        return lambda v: not isinstance(v, list) or len(v) <= value

    def _kw_uniqueItems(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        if value is not True:
            return lambda _: True

        def unique(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            return not any(json_equal(v[i], v[j]) for i in range(len(v)) for j in range(i + 1, len(v)))

        return unique

    def _kw_additionalItems(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return lambda _: True  # asserts only beside an array-form `items`, which is refused

    def _kw_propertyNames(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        names = self.compile(value, base)
        return lambda v: not isinstance(v, dict) or all(names(k) for k in v)

    def _kw_contains(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        item = self.compile(value, base)
        low, high = schema.get("minContains", 1), schema.get("maxContains")

        def contains(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            count = sum(1 for x in v if item(x))
            return count >= low and (high is None or count <= high)

        return contains

    def _kw_minContains(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return lambda _: True  # read by _kw_contains

    _kw_maxContains = _kw_minContains

    def _kw_if(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        test = self.compile(value, base)
        then = self.compile(schema.get("then", True), base)
        other = self.compile(schema.get("else", True), base)
        return lambda v: then(v) if test(v) else other(v)

    def _kw_dependentRequired(self, value: dict[str, list[str]], schema: dict[str, Any], base: str) -> Check:
        rules = [(key, tuple(names)) for key, names in value.items()]
        return lambda v: not isinstance(v, dict) or all(all(n in v for n in names) for key, names in rules if key in v)

    def _kw_dependentSchemas(self, value: dict[str, Any], schema: dict[str, Any], base: str) -> Check:
        rules = [(key, self.compile(sub, base)) for key, sub in value.items()]
        return lambda v: not isinstance(v, dict) or all(check(v) for key, check in rules if key in v)

    def _kw_dependencies(self, value: dict[str, Any], schema: dict[str, Any], base: str) -> Check:
        required = {k: d for k, d in value.items() if isinstance(d, list)}
        schemas = {k: d for k, d in value.items() if not isinstance(d, list)}
        return _all_of([self._kw_dependentRequired(required, schema, base), self._kw_dependentSchemas(schemas, schema, base)])

    def _kw_unevaluatedProperties(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        if value is True:
            return lambda _: True
        evaluated = self._evaluated({k: v for k, v in schema.items() if k != "unevaluatedProperties"}, base)
        extra = self.compile(value, base)

        def unevaluated(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            seen = evaluated(v)
            return all(extra(item) for key, item in v.items() if key not in seen)

        return unevaluated

    # --- which properties a schema evaluates (for unevaluatedProperties) ----------------------
    def _evaluated(self, schema: Any, base: str) -> Evaluated:
        """The keys of a mapping that `schema` evaluates, given that the mapping is valid against it
        (annotations of subschemas that fail, in anyOf/oneOf/if, do not count)."""
        if not isinstance(schema, dict):
            return lambda v: set()
        if "additionalProperties" in schema or "unevaluatedProperties" in schema:
            return lambda v: set(v)
        known = frozenset(schema.get("properties", {}))
        searches = [re.compile(p).search for p in schema.get("patternProperties", {})]
        parts: list[Evaluated] = []
        if isinstance(schema.get("$ref"), str):
            parts.append(self._evaluated_at(schema["$ref"], base))
        for sub in schema.get("allOf", []):
            parts.append(self._evaluated(sub, base))
        branches = [
            (self.compile(sub, base), self._evaluated(sub, base)) for sub in [*schema.get("anyOf", []), *schema.get("oneOf", [])]
        ]
        if "if" in schema:
            test = self.compile(schema["if"], base)
            when, then, other = (self._evaluated(schema.get(k, {}), base) for k in ("if", "then", "else"))
            parts.append(lambda v: when(v) | then(v) if test(v) else other(v))
        dependent = [(k, self._evaluated(sub, base)) for k, sub in schema.get("dependentSchemas", {}).items()]

        def evaluated(v: dict[str, Any]) -> set[str]:
            seen = {k for k in v if k in known or any(isinstance(k, str) and s(k) for s in searches)}
            for part in parts:
                seen |= part(v)
            for check, part in branches:
                if check(v):
                    seen |= part(v)
            for key, part in dependent:
                if key in v:
                    seen |= part(v)
            return seen

        return evaluated

    def _evaluated_at(self, ref: str, base: str) -> Evaluated:
        target = join_ref(base, ref)
        target = target if "#" in target else target + "#"
        memo = self.evaluated
        found = memo.get(target)
        if found is not None:
            return found
        slot: list[Evaluated] = []
        memo[target] = lambda v: slot[0](v)
        try:
            node, node_base = self._node(target)
        except (KeyError, TypeError, IndexError, ValueError) as exc:
            raise Unsupported(f"unresolvable $ref {target}") from exc
        slot.append(self._evaluated(node, node_base))
        memo[target] = slot[0]
        return slot[0]

    def _kw_allOf(self, value: list[Any], schema: dict[str, Any], base: str) -> Check:
        return _all_of([self.compile(s, base) for s in value])

    def _kw_anyOf(self, value: list[Any], schema: dict[str, Any], base: str) -> Check:
        subs = [self.compile(s, base) for s in value]
        return lambda v: any(s(v) for s in subs)

    def _kw_oneOf(self, value: list[Any], schema: dict[str, Any], base: str) -> Check:
        subs = [self.compile(s, base) for s in value]
        return lambda v: sum(1 for s in subs if s(v)) == 1

    def _kw_not(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        sub = self.compile(value, base)
        return lambda v: not sub(v)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number_rule(limit: Any, holds: Callable[[Any, Any], bool]) -> Check:
    if not _is_number(limit):
        raise Unsupported("a draft-4 boolean exclusive limit")
    return lambda v: not _is_number(v) or holds(v, limit)


def _all_of(checks: list[Check]) -> Check:
    """A conjunction without a generator per call (the hot path of validation)."""
    if not checks:
        return lambda _: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    if len(checks) == 3:
        first, second, third = checks
        return lambda v: first(v) and second(v) and third(v)

    def every(v: Any) -> bool:
        for check in checks:  # noqa: SIM110 (a plain loop is faster than all() on a generator)
            if not check(v):
                return False
        return True

    return every


def compile_standalone(schema: Any, *, linear: bool = False) -> Check | None:
    """The yes/no check of one self-contained schema (local `$ref`s only); None if unsupported.
    With `linear`, its patterns run on RE2 (a schema the repository supplies)."""
    uri = "urn:homelint:standalone"
    try:
        return Compiler({uri: schema}, linear=linear).check_for(uri)
    except Unsupported:
        return None


class Validator:
    """jsonschema's `iter_errors`, but a document the compiled check accepts is answered without
    jsonschema, which is imported and built only when a document fails (or `fast` is None)."""

    def __init__(self, fast: Check | None, make_slow: Callable[[], Any]) -> None:
        self.fast = fast
        self._make_slow = make_slow
        self._slow: Any = None

    def iter_errors(self, doc: Any) -> Iterator[Any]:
        if self.fast is not None and self.fast(doc):
            return iter(())
        return iter(self._jsonschema().iter_errors(doc))

    def _jsonschema(self) -> Any:
        if self._slow is None:
            self._slow = self._make_slow()
        return self._slow
