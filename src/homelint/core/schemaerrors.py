"""jsonschema errors as sentences that name the field and what was expected, never the value
(it may be a secret, or the content of a file a config pointed at): one formatter for the kind
schemas (HL601), `.homelint.yaml` and rule files; chart values (HL8xx) add what they may show."""

from __future__ import annotations

import difflib
import json
from typing import Any

from homelint.core.wording import with_article

YAML_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "mapping", list: "list", type(None): "null"}


def yaml_value(value: Any, limit: int = 60) -> str:
    """A value as YAML writes it (true, null, 3, 'text'), not as Python does (True, None)."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + "..."
        return "'" + text.replace("'", "''") + "'"
    if isinstance(value, dict | list):
        text = json.dumps(value, default=str)
        return text if len(text) <= limit else text[:limit] + "..."
    return json.dumps(value, default=str)  # true, false, null, numbers


def did_you_mean(name: str, allowed: list[str]) -> str:
    """ "; did you mean 'x'?" naming the closest allowed key, or nothing."""
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


# jsonschema messages that name only keys of the instance (never a value): kept as they are
_KEY_MESSAGES = ("required", "additionalProperties", "dependentRequired", "dependencies", "unevaluatedProperties")


def describe(error: Any, where: str = "") -> str:
    """One jsonschema error as a sentence that names the field and what was expected, never the
    value (it may be a secret, or the content of a file a config pointed at)."""
    validator, expected = error.validator, error.validator_value
    if validator in _KEY_MESSAGES:
        return f"{where}: {error.message}"[:300] if where else str(error.message)[:300]
    if validator == "type":
        want = expected if isinstance(expected, str) else " or ".join(expected)
        got = YAML_TYPES.get(type(error.instance), type(error.instance).__name__)
        phrase = f"must be {with_article(want)}, not {with_article(got)}"
    elif validator == "enum":
        phrase = f"is not one of: {', '.join(map(yaml_value, expected))}"[:300]
    elif validator == "const":
        phrase = f"must be {yaml_value(expected)}"[:300]
    elif validator == "pattern":
        shape = error.schema.get("x-format") if isinstance(error.schema, dict) else None
        phrase = f"must be {shape}" if isinstance(shape, str) else "does not match the expected format"
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
        phrase = f"violates {validator} {expected}"
    else:
        phrase = f"does not satisfy the schema's '{validator}' constraint"
    return f"{where} {phrase}" if where else phrase
