"""Regular expressions a repository supplies (`.sops.yaml` path_regex, Flux patch targets, the
`pattern`s of custom rules) run on RE2 (google-re2): linear time in the input, whatever the pattern,
so `(a*)*b` cannot hang a run. sops and kustomize are Go programs whose regexes are RE2 already;
JSON Schema patterns that need what RE2 lacks (lookaround, backreferences) are refused when the rule
is loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

MAX_PATTERN = 10_000


@lru_cache(maxsize=1024)
def linear(pattern: str) -> Any:
    """`pattern` compiled with RE2; ValueError when it is not a valid RE2 pattern (or too long)."""
    import re2  # start-up: imported only where it is needed

    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"pattern longer than {MAX_PATTERN} characters")
    options = re2.Options()
    options.log_errors = False  # the error is raised here; RE2 would also log it to stderr
    try:
        return re2.compile(pattern, options)
    except Exception as exc:  # re2.error, and TypeError for what the wrapper cannot take
        raise ValueError(f"not a pattern RE2 can run ({str(exc)[:80]})") from exc


def schema_patterns(schema: Any, where: str = "schema") -> Iterator[tuple[str, str]]:
    """(location, pattern) of every `pattern` and `patternProperties` key in a JSON schema."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "pattern" and isinstance(value, str):
                yield f"{where}.pattern", value
            elif key == "patternProperties" and isinstance(value, dict):
                for pattern, sub in value.items():
                    yield f"{where}.patternProperties", pattern
                    yield from schema_patterns(sub, f"{where}.patternProperties")
            else:
                yield from schema_patterns(value, f"{where}.{key}")
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from schema_patterns(item, f"{where}[{index}]")


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError  # start-up: imported only where it is needed

    if validator.is_type(instance, "string") and linear(pattern).search(instance) is None:
        yield ValidationError(f"does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        search = linear(pattern).search
        for key, value in instance.items():
            if search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema import _keywords  # start-up: imported only where it is needed
    from jsonschema.exceptions import ValidationError  # start-up: imported only where it is needed

    if "patternProperties" not in schema:
        yield from _keywords.additionalProperties(validator, extra, instance, schema)
        return
    if not validator.is_type(instance, "object"):
        return
    known = schema.get("properties", {})
    searches = [linear(p).search for p in schema["patternProperties"]]
    extras = [k for k in instance if k not in known and not any(s(k) for s in searches)]
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif not extra and extras:
        yield ValidationError(f"{', '.join(map(repr, sorted(extras)))} do not match any of the allowed key patterns")


@lru_cache(maxsize=1)
def linear_validator_class() -> Any:
    """Draft 2020-12 with `pattern`, `patternProperties` and `additionalProperties` on RE2."""
    import jsonschema  # start-up: imported only where it is needed

    return jsonschema.validators.extend(
        jsonschema.Draft202012Validator,
        {"pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties},
    )
