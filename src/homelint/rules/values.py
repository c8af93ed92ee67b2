"""HL801-HL807: what each file declares, validated against its schema.

- Chart values (HL801-HL805): the values Flux passes to each HelmRelease it applies (helmvalues.py),
  against the chart's `values.schema.json` from the schema store (schemastore.py), each violation
  at the line that wrote the offending key or value.
- `$schema` comments (HL806): a document against the schema its `# yaml-language-server:
  $schema=<url>` comment names.
- Upgrade preview (HL807): with `--target CHART=VERSION`, today's values against that version's
  schema; only what the upgrade breaks is reported.

A schema that is neither in `schemas.paths` nor in the store is one note per schema ("run homelint
schemas pull"), never a finding. Nothing here touches the network.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from homelint.core.context import Context
from homelint.core.model import Finding, Span
from homelint.core.wording import with_article
from homelint.loading.yamlload import parse_bytes
from homelint.model.config import COMPONENTS, chart_targets
from homelint.model.helmvalues import (
    Assembly,
    ChartRef,
    ChartUse,
    Placeholder,
    Substituter,
    assemble,
    chart_of,
    variables_for,
    wrap_unknown,
)
from homelint.model.kustomize import join
from homelint.model.schemastore import Missing, Schemas, SchemaSet, chart_file_uri
from homelint.model.talosschema import minor_of_schema_url
from homelint.rules.common import applied_instances, close_matches
from homelint.rules.registry import check

VALUES_RULES = ("HL801", "HL802", "HL803", "HL804", "HL805", "HL808")
MAX_PER_OBJECT = 10
FIX = {
    "HL801": "remove the key or correct its name (the chart ignores nothing: Helm refuses values its schema forbids)",
    "HL802": "write the value with the type the chart's schema expects (quote strings such as versions)",
    "HL803": "set the required key (or remove the object that needs it)",
    "HL804": "use one of the values the chart's schema allows",
    "HL805": "change the value to meet the chart's schema",
    "HL808": "correct the key's name (the chart ignores keys it does not know here, silently)",
}
COMBINATORS = ("anyOf", "oneOf")
PRESENCE = ("required", "dependentRequired", "dependencies", "minProperties", "anyOf", "oneOf")


@dataclass
class Violation:
    rule: str  # HL801-HL805
    at: tuple[Any, ...]  # path of the offending value (for an unknown key: the key's path)
    key: bool  # point at the key rather than the value
    message: str  # without the "what" prefix
    name: str = ""  # HL801: the closest allowed key; HL803: the missing key

    @property
    def ident(self) -> tuple[str, tuple[Any, ...], str]:
        return (self.rule, self.at, self.message)


# --- turning jsonschema errors into violations ---------------------------------------------------
def where(at: tuple[Any, ...], root: str = "values") -> str:
    """`values.persistence.config`, `values.hosts[0]`; without a root: `spec.chart`, or "the top level"."""
    out = root
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "the top level"


def _unknown(error: Any) -> bool:
    """The error is only about values that are not known here (a Placeholder matches anything)."""
    if isinstance(error.instance, Placeholder):
        return True
    if error.validator in COMBINATORS and error.context:
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else 0, []).append(sub)
        return any(all(_unknown(e) for e in errs) for errs in branches.values())
    return False


def _shown(value: Any, secret: bool) -> str:
    """A value for a message; nothing from a Secret or a substituted variable is ever printed."""
    if secret or isinstance(value, dict | list):
        return ""
    text = (
        repr(value)
        if isinstance(value, str)
        else "null"
        if value is None
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )
    return f" ({text[:60]})" if len(text) <= 60 else f" ({text[:57]}...)"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "mapping"


def known_properties(schemas: SchemaSet, schema: Any, base: str, depth: int = 0) -> set[str]:
    """Every property name a (sub)schema mentions, through $ref, allOf, anyOf, oneOf and if/then/else."""
    schema, base = schemas.resolve(schema, base)
    if not isinstance(schema, dict) or depth > 12:
        return set()
    names = {str(k) for k in schema.get("properties", {}) if isinstance(schema.get("properties"), dict)}
    for keyword in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(keyword, []) if isinstance(schema.get(keyword), list) else []:
            names |= known_properties(schemas, sub, base, depth + 1)
    for keyword in ("then", "else"):
        names |= known_properties(schemas, schema.get(keyword), base, depth + 1)
    if isinstance(schema.get("$ref"), str) and len(schema) > 1:
        names |= known_properties(schemas, {"$ref": schema["$ref"]}, base, depth + 1)
    return names


def _extra_keys(error: Any, allowed: set[str]) -> list[str]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    quoted = re.findall(r"'((?:[^'\\]|\\.)*)'", error.message.split("(", 1)[1] if "(" in error.message else "")
    found = [k for k in instance if isinstance(k, str) and (k in quoted or k not in allowed)]
    if error.validator == "additionalProperties" and isinstance(error.schema, dict):
        props = error.schema.get("properties", {})
        patterns = list(error.schema.get("patternProperties", {}))
        found = [k for k in instance if isinstance(k, str) and k not in props and not any(re.search(p, k) for p in patterns)]
    return [k for k in found if not isinstance(k, Placeholder)]


def explain(error: Any, schemas: SchemaSet, secret: Any, open_root: bool, root: str = "values") -> Iterator[Violation]:
    """Violations for one jsonschema error (an anyOf/oneOf is explained by its closest alternative)."""
    if _unknown(error):
        return
    if open_root and error.validator in PRESENCE:
        return  # a values source that cannot be read here may set what is missing
    at = tuple(error.absolute_path)
    validator = error.validator
    if validator in COMBINATORS and error.context:
        yield from _explain_alternatives(error, schemas, secret, open_root, root)
        return
    if validator in ("additionalProperties", "unevaluatedProperties"):
        allowed = known_properties(schemas, error.schema, _base_of(error, schemas))
        for extra in _extra_keys(error, allowed):
            close = close_matches(extra, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            listed = sorted(allowed)
            shown = ", ".join(listed[:12]) + (f", ... ({len(listed) - 12} more)" if len(listed) > 12 else "")
            allowed_text = f" (allowed: {shown})" if listed else " (it allows no keys of its own)"
            message = f"unknown key '{extra}' in {where(at, root)}{hint}{allowed_text}"
            yield Violation("HL801", (*at, extra), True, message, close[0] if close else "")
        return
    if validator == "type":
        want = error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        value = _shown(error.instance, secret(at))
        got = _type_name(error.instance)
        yield Violation("HL802", at, False, f"{where(at, root)} must be {with_article(want)}, not {with_article(got)}{value}")
        return
    if validator in ("required", "dependentRequired", "dependencies"):
        missing = re.findall(r"'((?:[^'\\]|\\.)*)' is a required property", error.message)
        name = missing[0] if missing else error.message
        yield Violation("HL803", at, True, f"{where(at, root)} is missing the required key '{name}'", name)
        return
    if validator in ("enum", "const"):
        options = error.validator_value if validator == "enum" else [error.validator_value]
        shown = ", ".join(str(o) for o in options[:12]) + (" ..." if len(options) > 12 else "")
        value = _shown(error.instance, secret(at))
        yield Violation("HL804", at, False, f"{where(at, root)} is not one of: {shown}{value and ' -' + value}")
        return
    yield Violation("HL805", at, False, f"{where(at, root)}: {_constraint(error, secret(at))}")


def _base_of(error: Any, schemas: SchemaSet) -> str:
    """The document an error's schema sits in (for resolving its $refs): a best effort via the
    schema object's identity."""
    target = error.schema
    for uri, document in schemas.documents.items():
        if _contains(document, target):
            return uri
    return schemas.root


def _contains(node: Any, target: Any, depth: int = 0) -> bool:
    if node is target:
        return True
    if depth > 40:
        return False
    if isinstance(node, dict):
        return any(_contains(v, target, depth + 1) for v in node.values())
    if isinstance(node, list):
        return any(_contains(v, target, depth + 1) for v in node)
    return False


def _constraint(error: Any, secret: bool) -> str:
    v, value = error.validator, error.validator_value
    if v == "pattern":
        return f"does not match the pattern {value!r}{_shown(error.instance, secret)}"
    if v in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"):
        noun = "characters" if "Length" in v else "items" if "Items" in v else "keys"
        return f"must have {'at least' if v.startswith('min') else 'at most'} {value} {noun}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}
        return f"must be {words[v]} {value}{_shown(error.instance, secret)}"
    if v == "not":
        return "has a value the schema forbids here"
    if v == "oneOf":
        return "matches more than one of the alternatives the schema allows"
    if v == "uniqueItems":
        return "has duplicate items"
    if secret:
        return f"does not meet the schema's '{v}' rule"
    return str(error.message)[:200]


def _explain_alternatives(error: Any, schemas: SchemaSet, secret: Any, open_root: bool, root: str) -> Iterator[Violation]:
    """The alternative the value was meant for: one whose discriminating `const`/`enum` values
    match (e.g. app-template's persistence `type`), else the one with the fewest errors."""
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else 0, []).append(sub)
    depth = len(error.absolute_path)

    def discriminated(errors: list[Any]) -> bool:
        return any(e.validator in ("const", "enum") and len(e.absolute_path) == depth + 1 for e in errors)

    def leaves(errors: list[Any]) -> int:
        return sum(len(e.context) if e.validator in COMBINATORS else 1 for e in errors)

    candidates = [errs for errs in branches.values() if not discriminated(errs)]
    if not candidates:
        # every alternative is ruled out by a discriminator: say which values it may take
        keys: dict[tuple[Any, ...], list[Any]] = {}
        for errs in branches.values():
            for e in errs:
                if e.validator in ("const", "enum") and len(e.absolute_path) == depth + 1:
                    options = e.validator_value if e.validator == "enum" else [e.validator_value]
                    keys.setdefault(tuple(e.absolute_path), []).extend(
                        o for o in options if o not in keys.get(tuple(e.absolute_path), [])
                    )
        for at, options in keys.items():
            value = _shown(error.instance.get(at[-1]) if isinstance(error.instance, dict) else None, secret(at))
            listed = ", ".join(str(o) for o in options[:12])
            yield Violation("HL804", at, False, f"{where(at, root)} is not one of: {listed}{value and ' -' + value}")
            return
        return
    best = min(candidates, key=leaves)
    for sub in best:
        yield from explain(sub, schemas, secret, open_root, root)


def _resolved(schemas: SchemaSet, schema: Any, base: str) -> tuple[dict[str, Any], str]:
    """A schema with its `$ref` chain followed, and the properties of its `allOf` members merged in."""
    for _ in range(8):
        if not isinstance(schema, dict) or not isinstance(schema.get("$ref"), str):
            break
        target, base = schemas.resolve({"$ref": schema["$ref"]}, base)
        if len(schema) > 1 and isinstance(target, dict):  # $ref with siblings: both apply
            target = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        schema = target
    if not isinstance(schema, dict):
        return {}, base
    members = [_resolved(schemas, m, base)[0] for m in schema.get("allOf", []) if isinstance(schema.get("allOf"), list)]
    if members:
        properties = dict(schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else {})
        for member in members:
            properties.update(member.get("properties", {}) if isinstance(member.get("properties"), dict) else {})
        schema = {**schema, "properties": properties}
    return schema, base


def elsewhere(schemas: SchemaSet, key: str, memo: dict[str, str | None]) -> str | None:
    """Where the schema defines a property named `key` (the shortest path, `*` for any name, `[]` for
    list items), or None: a key written at the wrong level is found there."""
    if key in memo:
        return memo[key]
    start, base = _resolved(schemas, schemas.documents.get(schemas.root), schemas.root)
    queue: list[tuple[Any, str, tuple[str, ...]]] = [(start, base, ())]
    seen: set[int] = set()
    alive: list[Any] = []
    found = None
    while queue and found is None:
        schema, base, at = queue.pop(0)
        schema, base = _resolved(schemas, schema, base)
        if not schema or id(schema) in seen or len(at) > 8:
            continue
        seen.add(id(schema))
        alive.append(schema)  # ids stay unique only while the (possibly merged) schemas live
        properties: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
        if key in properties and at:
            found = ".".join(at)
            break
        for name, sub in properties.items():
            queue.append((sub, base, (*at, str(name))))
        for keyword, step in (("additionalProperties", "*"), ("items", "[]")):
            if isinstance(schema.get(keyword), dict):
                queue.append((schema[keyword], base, (*at, step)))
        for sub in (schema.get("patternProperties") or {}).values() if isinstance(schema.get("patternProperties"), dict) else []:
            queue.append((sub, base, (*at, "*")))
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(keyword, []) if isinstance(schema.get(keyword), list) else []:
                queue.append((sub, base, at))
        for keyword in ("then", "else"):
            if isinstance(schema.get(keyword), dict):
                queue.append((schema[keyword], base, at))
    memo[key] = found
    return found


def misspelt(schemas: SchemaSet, instance: Any, root: str = "values") -> Iterator[Violation]:
    """Keys an open object (one that allows keys it does not list, like app-template's top level)
    does not list, but that are one typo away from one it does, or that the schema defines at another
    level (`resources` beside `controllers`): Helm ignores them silently (HL808)."""
    start, base = _resolved(schemas, schemas.documents.get(schemas.root), schemas.root)
    stack: list[tuple[Any, dict[str, Any], str, tuple[Any, ...]]] = [(instance, start, base, ())]
    memo: dict[str, str | None] = {}
    while stack:
        value, schema, base, at = stack.pop()
        properties = schema.get("properties")
        if not isinstance(value, dict) or not isinstance(properties, dict) or len(at) > 30:
            continue
        strict = schema.get("additionalProperties", True) is not True or schema.get("unevaluatedProperties", True) is not True
        patterns = list(schema.get("patternProperties", {})) if isinstance(schema.get("patternProperties"), dict) else []
        for key, item in value.items():
            if not isinstance(key, str) or isinstance(key, Placeholder):
                continue
            if key in properties:
                sub, sub_base = _resolved(schemas, properties[key], base)
                stack.append((item, sub, sub_base, (*at, key)))
                continue
            if strict or any(re.search(p, key) for p in patterns):
                continue
            there = where(at, root)
            home = elsewhere(schemas, key, memo)
            if home is not None:
                message = (
                    f"'{key}' is not a key of {there}, so Helm ignores it silently; the chart's schema has it under "
                    f"{root}.{home} (a key at the wrong level?)"
                )
                yield Violation("HL808", (*at, key), True, message)
                continue
            close = close_matches(key, [str(p) for p in properties if p not in value], n=1, cutoff=0.8)
            if close:
                message = f"'{key}' is not a key of {there}, so Helm ignores it silently; did you mean '{close[0]}'?"
                yield Violation("HL808", (*at, key), True, message, close[0])


def violations(
    schemas: SchemaSet, instance: Any, secret: Any, open_root: bool = False, root: str = "values", typos: bool = False
) -> list[Violation]:
    found: dict[tuple[Any, ...], Violation] = {}
    if typos:
        for violation in misspelt(schemas, instance, root):
            found.setdefault(violation.ident, violation)
    for error in schemas.validator().iter_errors(instance):
        for violation in explain(error, schemas, secret, open_root, root):
            found.setdefault(violation.ident, violation)
    # a misspelt required key is one mistake: the unknown key says "did you mean", not also "missing"
    misspelt_keys = {(v.at[:-1], v.name) for v in found.values() if v.rule in ("HL801", "HL808") and v.name}
    typed = {v.at for v in found.values() if v.rule == "HL802"}  # a wrong type explains the rest at that value
    kept = [
        v
        for v in found.values()
        if not (v.rule == "HL803" and (v.at, v.name) in misspelt_keys) and not (v.rule == "HL805" and v.at in typed)
    ]
    return sorted(kept, key=lambda v: (tuple(map(str, v.at)), v.rule, v.message))


# --- finding the schema of a chart -----------------------------------------------------------------
@dataclass
class ChartSchema:
    schemas: SchemaSet
    defaults: Any
    version: str = ""  # the version a range resolved to when the schema was pulled


def chart_schema(schemas: Schemas, chart: ChartRef, root: Path) -> ChartSchema | Missing | None:
    """The values schema of a chart: schemas.paths, a chart folder of this repository, or the store.
    None: the chart has no values schema (or it is ignored by the config)."""
    version = chart.tag or chart.version
    if schemas.ignored(f"{chart.name}@{version}", chart.key):
        return None
    folder = schemas.paths.chart_dir(chart.name, version)
    if folder is None and chart.kind == "local":
        folder = root / chart.source
    if folder is not None:
        schema_file = folder / "values.schema.json"
        if not schema_file.is_file():
            return None
        found = schemas.schema_set(schema_file.resolve().as_uri(), f"{folder}")
        return ChartSchema(found, _defaults_file(folder / "values.yaml")) if isinstance(found, SchemaSet) else found
    entry = schemas.store.chart(chart.key)
    if entry is None:
        return Missing(f"chart {chart.label} ({chart.source})", "run homelint schemas pull")
    files: dict[str, Any] = entry["files"] if isinstance(entry.get("files"), dict) else {}
    if entry.get("error"):
        return Missing(
            f"chart {chart.label} ({chart.source})", f"the last pull ({entry.get('fetched', '?')}) failed: {entry['error']}"
        )
    if "values.schema.json" not in files:
        return None
    found = schemas.schema_set(chart_file_uri(chart.key, "values.schema.json"), f"the schema store ({entry.get('fetched', '?')})")
    if not isinstance(found, SchemaSet):
        return found
    defaults = None
    if isinstance(files.get("values.yaml"), str):
        defaults = _defaults_bytes(schemas.store.blob(files["values.yaml"]))
    resolved = entry.get("version")
    return ChartSchema(found, defaults, resolved if isinstance(resolved, str) and resolved != version else "")


def _defaults_file(path: Path) -> Any:
    try:
        return _defaults_bytes(path.read_bytes())
    except OSError:
        return None


def _defaults_bytes(raw: bytes | None) -> Any:
    if raw is None:
        return None
    parsed = parse_bytes("values.yaml", raw)
    doc = parsed.docs[0] if parsed.docs and not parsed.problems else None
    return doc if isinstance(doc, dict) else None


# --- the check ---------------------------------------------------------------------------------------
class _Notes:
    """Schemas that are not available: one note each, with how many places need it (the place of
    the first is computed only when the note is written: finding a span composes a file)."""

    def __init__(self) -> None:
        self.missing: dict[str, tuple[Missing, list[Any]]] = {}

    def add(self, missing: Missing, place: Any) -> None:
        """`place`: "path:line", or a callable that returns it."""
        entry = self.missing.setdefault(missing.what, (missing, []))
        entry[1].append(place)

    def emit(self, ctx: Context) -> None:
        for _what, (missing, places) in sorted(self.missing.items()):
            first = places[0]() if callable(places[0]) else places[0]
            count = len(places)
            needed = f"needed at {first}" + (f" and {count - 1} more place{'s' if count > 2 else ''}" if count > 1 else "")
            detail = missing.detail or "run homelint schemas pull"
            if "homelint schemas pull" not in detail:
                detail += "; run homelint schemas pull"
            ctx.note(f"schema not in the store: {missing.what} ({needed}); {detail}")


@check(*VALUES_RULES, "HL806", "HL807")
def declared_schemas(ctx: Context) -> Iterator[Finding]:
    repo = ctx.repo
    schemas = Schemas(ctx.config, repo.root)
    notes = _Notes()
    validated: set[tuple[str, int]] = set()  # HelmRelease documents whose values were validated
    found: dict[tuple[Any, ...], Finding] = {}
    if any(rule in ctx.enabled for rule in (*VALUES_RULES, "HL807")):
        for finding in _chart_values(ctx, schemas, notes, validated):
            found.setdefault((finding.rule, finding.path, finding.span, finding.message), finding)
    if "HL806" in ctx.enabled:
        for finding in _schema_comments(ctx, schemas, notes, validated):
            found.setdefault((finding.rule, finding.path, finding.span, finding.message), finding)
    notes.emit(ctx)
    yield from found.values()


def _chart_values(ctx: Context, schemas: Schemas, notes: _Notes, validated: set[tuple[str, int]]) -> Iterator[Finding]:
    repo = ctx.repo
    targets = chart_targets(ctx.config.targets)
    installed: set[str] = set()  # chart names the HelmReleases install
    seen: set[tuple[int, str]] = set()
    memo: dict[ChartRef, ChartSchema | Missing | None] = {}  # a chart's schema, read once
    for applied in applied_instances(ctx):
        obj = applied.obj
        if obj.kind != "HelmRelease" or obj.group != "helm.toolkit.fluxcd.io" or obj.is_sops:
            continue
        if (id(obj), applied.ns) in seen:
            continue
        seen.add((id(obj), applied.ns))
        use = chart_of(repo, applied)
        if use is None:
            continue
        installed.add(use.chart.name)
        current = (
            memo[use.chart] if use.chart in memo else memo.setdefault(use.chart, chart_schema(schemas, use.chart, repo.root))
        )
        before: set[tuple[str, tuple[Any, ...]]] = set()
        if isinstance(current, Missing):
            notes.add(current, partial(_place, ctx, use))
        elif isinstance(current, ChartSchema):
            validated.add((obj.path, obj.doc))
            assembly = assemble(repo, applied, current.defaults)
            found = violations(current.schemas, assembly.values, assembly.is_secret, assembly.open_root, typos=True)
            before = {(v.rule, v.at) for v in found}
            if any(rule in ctx.enabled for rule in VALUES_RULES):
                label = f"{use.chart.name} {current.version} (resolved from {use.chart.version})" if current.version else ""
                yield from _findings(ctx, applied, use, assembly, found[:MAX_PER_OBJECT], None, label)
        target = targets.get(use.chart.name)
        if target is None or target in (use.chart.version, use.chart.tag):
            continue
        chart = use.chart.at(target)
        upgraded = memo[chart] if chart in memo else memo.setdefault(chart, chart_schema(schemas, chart, repo.root))
        if isinstance(upgraded, Missing):
            notes.add(upgraded, partial(_place, ctx, use))
            continue
        if upgraded is None:
            continue
        assembly = assemble(repo, applied, upgraded.defaults)
        after = violations(upgraded.schemas, assembly.values, assembly.is_secret, assembly.open_root, typos=True)
        broken = [v for v in after if (v.rule, v.at) not in before]
        if "HL807" in ctx.enabled:
            yield from _findings(ctx, applied, use, assembly, broken[:MAX_PER_OBJECT], chart)
    for name, version in sorted(targets.items()):
        if name not in installed:
            components = ", ".join(COMPONENTS)
            ctx.note(f"--target {name}={version}: no HelmRelease installs a chart named {name} (the components are {components})")


def _place(ctx: Context, use: ChartUse) -> str:
    span = ctx.repo.obj_span(use.obj, *use.field)
    return f"{use.obj.path}:{span.line}"


def _findings(
    ctx: Context,
    applied: Any,
    use: ChartUse,
    assembly: Assembly,
    found: list[Violation],
    target: ChartRef | None,
    label: str = "",
) -> Iterator[Finding]:
    obj = applied.obj
    what = f"HelmRelease {obj.name} ({label or use.chart.label})"
    for violation in found:
        located = assembly.locate(violation.at, key=violation.key)
        if located is None:
            continue  # only in the chart's own defaults: not this repository's doing
        source, span = located
        if target is None:
            rule, message, fix = violation.rule, f"{what}: {violation.message}", FIX[violation.rule]
        else:
            rule = "HL807"
            message = f"HelmRelease {obj.name}: upgrading {use.chart.name} {use.chart.tag or use.chart.version} -> {target.version} breaks: {violation.message}"
            fix = f"adapt the values before the upgrade (see the release notes of {use.chart.name} {target.version})"
        if source.path != obj.path:
            message += f" (set in {source.label})"
        skipped = _schema_validation_disabled(obj)
        if skipped:
            message += f" (Helm does not check: {skipped} is true, so it installs and ignores or misreads the value)"
        related = tuple(sorted(p for p in assembly.files if p != source.path))
        key = f"{obj.kind}/{obj.name}/{rule}/{'.'.join(map(str, violation.at))}/{violation.message}"
        finding = ctx.finding(rule, source.path, span, message, fix=fix, key=key, related=related)
        if skipped and finding.severity == "error":
            finding.severity = "warning"
        yield finding


def _schema_validation_disabled(obj: Any) -> str:
    """helm-controller's install/upgrade `disableSchemaValidation`: Helm then installs whatever the values are."""
    fields = [
        f"spec.{phase}.disableSchemaValidation"
        for phase in ("install", "upgrade")
        if _mapping(obj.spec.get(phase)).get("disableSchemaValidation") is True
    ]
    return " and ".join(fields)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# --- `$schema` comments ------------------------------------------------------------------------------
def _schema_uri(path: str, url: str, root: Path) -> str | None:
    """The URI a `$schema=` comment names: a URL, or a file path relative to the YAML file."""
    if url.startswith(("http://", "https://")):
        return url
    if "://" in url:
        return None
    target = join(posixpath.dirname(path), url)
    return (root / target).resolve().as_uri()


def _schema_comments(ctx: Context, schemas: Schemas, notes: _Notes, validated: set[tuple[str, int]]) -> Iterator[Finding]:
    repo = ctx.repo
    applied_by_object: dict[int, Any] = {}
    for applied in ctx.flux.applied if ctx.flux is not None else []:
        applied_by_object.setdefault(id(applied.obj), applied)
    hl601 = {(path, doc, line) for path, facts in repo.facts.items() for doc, _, line, *_ in facts.schema}
    dead = {(o.path, o.doc) for o in repo.objects if not o.applied_by} if ctx.flux.kustomizations else None
    # once per URL, not per comment (gavinmcfall: ~640 comments, a few dozen URLs)
    ignored: dict[str, bool] = {}
    sets: dict[tuple[str, str], SchemaSet | Missing] = {}
    for path, parsed in sorted(repo.parsed.items()):
        for doc, line, column, url in parsed.schema_refs:
            if doc >= len(parsed.docs) or not isinstance(parsed.docs[doc], dict | list):
                continue
            data = parsed.docs[doc]
            if isinstance(data, dict) and isinstance(data.get("sops"), dict):
                continue  # encrypted values are not what the schema describes
            if dead is not None and (path, doc) in dead:
                continue  # a manifest Flux never applies (HL102/HL104 say so): dead code
            if url not in ignored:
                ignored[url] = schemas.ignored(url)
            mismatch = _other_kind(url, data) if not ignored[url] else None
            if mismatch:
                finding = ctx.finding(
                    "HL806",
                    path,
                    Span(line, column, line, column + len(url)),
                    mismatch,
                    fix="correct the $schema comment (a copied header?) so editors and homelint check the right schema",
                    key=f"HL806/{doc}/comment/{url}",
                )
                finding.severity = "warning"  # the comment is wrong, not what Flux applies
                yield finding
                continue
            uri = _schema_uri(path, url, repo.root)
            if uri is None or ignored[url] or minor_of_schema_url(url):
                continue  # a Talos machine config schema: HL912/HL913 check it as leniently as Talos decodes
            found = sets.get((uri, url))
            if found is None:
                found = sets[uri, url] = _schema_set(schemas, uri, url)
            if isinstance(found, Missing):
                notes.add(found, f"{path}:{line}")
                continue
            instance, touched = _substituted(ctx, path, doc, data, applied_by_object)
            is_secret = isinstance(data, dict) and data.get("kind") == "Secret"

            def secret(at: tuple[Any, ...], touched: set[tuple[Any, ...]] = touched, is_secret: bool = is_secret) -> bool:
                return is_secret or any(at[: len(t)] == t for t in touched)

            values_done = (path, doc) in validated
            for violation in violations(found, instance, secret, root="")[: MAX_PER_OBJECT * 2]:
                if values_done and violation.at[:2] == ("spec", "values"):
                    continue  # reported against the chart's own schema (HL801-HL805)
                span = repo.span(path, doc, violation.at, key=violation.key)
                if (path, doc, span.line) in hl601:
                    continue  # the same problem as the built-in schema's HL601
                yield ctx.finding(
                    "HL806",
                    path,
                    span,
                    f"{violation.message} (its $schema: {_short(url)})",
                    fix=f"fix the document, or the schema it declares on line {line}",
                    key=f"HL806/{doc}/{'.'.join(map(str, violation.at))}/{violation.message}",
                )


def _schema_set(schemas: Schemas, uri: str, url: str) -> SchemaSet | Missing:
    """The schema a `$schema` comment names, or what is missing (the comment's URL when it is the
    schema itself, with why)."""
    found = schemas.schema_set(uri, url)
    if isinstance(found, Missing) and found.what == uri:
        return Missing(url, schemas.url_status(url) if uri.startswith("http") else "the file is missing or not JSON")
    return found


_CATALOG_FILE = re.compile(r"^(?P<kind>[a-z0-9]+)_(?P<version>v[0-9a-z]+)\.json$")
_RELEASE_FOLDER = re.compile(r"^v?[0-9]+(\.[0-9]+)*$")


def _other_kind(url: str, data: Any) -> str | None:
    """A comment that names the CRD-catalog schema of another kind (`[<group>/]<kind>_<version>.json`,
    the layout of datreeio's catalog and the sites built from it): one finding, not a page of errors.
    Only another kind or group counts: a schema of an older version of the same kind (a comment not
    updated after a migration) is validated as declared."""
    named_file = _catalog_file(url)
    if named_file is None or not isinstance(data, dict):
        return None
    kind, api = data.get("kind"), data.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api, str):
        return None
    group = api.rpartition("/")[0]
    file_kind, version, folder = named_file
    if kind.lower() == file_kind and (folder is None or folder == group):
        return None
    named = f"{file_kind} schema" + (f" ({folder}/{version})" if folder else f" ({version})")
    return f"the $schema comment names the {named}, but the document's kind is {kind} ({api})"


@lru_cache(maxsize=4096)
def _catalog_file(url: str) -> tuple[str, str, str | None] | None:
    """(kind, version, group folder or None) of a CRD-catalog schema URL; None for another URL
    (read once per URL: a repository names a few dozen in hundreds of comments)."""
    parts = urlsplit(url).path.split("/")
    match = _CATALOG_FILE.match(parts[-1]) if parts else None
    if match is None:
        return None
    folder = parts[-2] if len(parts) >= 2 else ""
    # a group folder (source.toolkit.fluxcd.io/...); a release folder (2.8.8/, v1.19.4/) or none: only the kind is known
    group = folder if "." in folder and not _RELEASE_FOLDER.match(folder) else None
    return match["kind"], match["version"], group


def _short(url: str) -> str:
    parts = url.split("/")
    return "/".join(parts[-2:]) if len(parts) > 4 else url


def _substituted(
    ctx: Context, path: str, doc: int, data: Any, applied_by_object: dict[int, Any]
) -> tuple[Any, set[tuple[Any, ...]]]:
    """A document as Flux applies it (the substitution of the Kustomization that applies it; what is
    not known matches anything), and the paths a variable was substituted into."""
    for obj in ctx.repo.objects_by_file.get(path, []):
        applied = applied_by_object.get(id(obj)) if obj.doc == doc else None
        if applied is not None:
            substituter = Substituter(variables_for(ctx.repo, applied))
            strings = ctx.repo.placeholder_strings(obj)
            return substituter.apply(data, strings, (), retype=True), substituter.touched
    return wrap_unknown(data), set()
