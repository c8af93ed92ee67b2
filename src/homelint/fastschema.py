"""A compiled yes/no validator for the JSON Schema subset of `schemas/kinds/`.

Almost every object is valid, so HL601 asks this first; jsonschema (slow to import and to run)
only explains the objects that fail. A keyword outside the subset raises `Unsupported`, and the
caller then uses jsonschema for everything: the answer is never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

Check = Callable[[Any], bool]

IGNORED = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"})


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

    def __init__(self, documents: dict[str, dict[str, Any]], *, linear: bool = False) -> None:
        self.documents = documents  # $id -> schema document
        self.linear = linear  # patterns on RE2 (schemas a repository supplies), else Python's re
        self.compiled: dict[str, Check] = {}  # absolute ref -> check

    def check_for(self, uri: str) -> Check:
        return self._at(uri if "#" in uri else uri + "#")

    def _ref(self, ref: str, base: str) -> Check:
        if ref.startswith("#"):
            target = base.split("#", 1)[0] + ref
        elif ":" in ref.split("/", 1)[0]:  # absolute: https://..., urn:...
            target = ref
        else:
            target = base.rsplit("/", 1)[0] + "/" + ref
        return self._at(target if "#" in target else target + "#")

    def _at(self, target: str) -> Check:
        found = self.compiled.get(target)
        if found is not None:
            return found
        slot: list[Check] = []

        def deferred(value: Any) -> bool:
            return slot[0](value)

        self.compiled[target] = deferred
        document_uri, pointer = target.split("#", 1)
        try:
            node: Any = self.documents[document_uri]
            for part in [p for p in pointer.split("/") if p]:
                node = node[part.replace("~1", "/").replace("~0", "~")]
            slot.append(self.compile(node, document_uri))
        except (KeyError, TypeError) as exc:
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
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in IGNORED or keyword in ("additionalProperties", "required"):
                continue
            build = getattr(self, "_kw_" + keyword.lstrip("$"), None)
            if build is None:
                raise Unsupported(f"keyword {keyword}")
            checks.append(build(value, schema, base))
        if "required" in schema or "additionalProperties" in schema:
            checks.append(self._object_rules(schema, base))
        return _all_of(checks)

    def _kw_ref(self, value: str, schema: dict[str, Any], base: str) -> Check:
        return self._ref(value, base)

    def _kw_type(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        names = [value] if isinstance(value, str) else list(value)
        tests = [TYPES[n] for n in names]
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
            from homelint.regex import linear

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
        item = self.compile(value, base)
        return lambda v: not isinstance(v, list) or all(item(x) for x in v)

    def _kw_properties(self, value: dict[str, Any], schema: dict[str, Any], base: str) -> Check:
        props = {name: self.compile(sub, base) for name, sub in value.items()}

        def properties(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for name, check in props.items():  # noqa: SIM110 (a plain loop is faster than all() on a generator)
                if name in v and not check(v[name]):
                    return False
            return True

        return properties

    def _object_rules(self, schema: dict[str, Any], base: str) -> Check:
        if "patternProperties" in schema:
            raise Unsupported("patternProperties")
        required = tuple(schema.get("required", ()))
        known = frozenset(schema.get("properties", {}))
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True else self.compile(extra, base)

        def object_rules(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for name in required:
                if name not in v:
                    return False
            if extra_check is not None:
                for key, item in v.items():
                    if key not in known and not extra_check(item):
                        return False
            return True

        return object_rules

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
