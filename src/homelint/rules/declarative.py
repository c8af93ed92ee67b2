"""Data-only rules: a `match` (apiVersion/kind/path globs) and a JSON schema each object must satisfy."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homelint.core.resources import schema
from homelint.core.schemaerrors import describe
from homelint.loading.safeio import inside_repo
from homelint.loading.yamlload import parse_bytes
from homelint.model.config import Config, ConfigError, read_config_file
from homelint.model.fastschema import Validator, compile_standalone
from homelint.rules.registry import RuleMeta, load_rule_file

if TYPE_CHECKING:
    from homelint.core.context import Context
    from homelint.core.model import Finding, K8sObject


def rule_files(root: Path, config: Config) -> list[Path]:
    """The rule files of `rules.paths`; each must resolve (after symlinks) inside the repository."""
    files: list[Path] = []
    for entry in config.rule_paths:
        path = inside_repo(root, entry, "rules.paths entry")
        if path.is_dir():
            for child in sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")):
                files.append(inside_repo(root, child.relative_to(root.resolve()).as_posix(), "rule file"))
        elif path.is_file():
            files.append(path)
        elif entry != ".homelint/rules":
            raise ConfigError(f"rules.paths entry '{entry}' does not exist")
    return files


def load_user_rules(root: Path, config: Config) -> list[RuleMeta]:
    files = rule_files(root, config)
    if not files:
        return []
    import jsonschema  # start-up: imported only where it is needed

    from homelint.core.regex import linear, schema_patterns  # start-up: a warm run does not need it

    validator = jsonschema.Draft202012Validator(schema("rule.schema.json"))
    rules = []
    for path in files:
        rel = path.relative_to(root.resolve()).as_posix()
        parsed = parse_bytes(rel, read_config_file(path, "rule file"))
        if parsed.problems:
            p = parsed.problems[0]
            raise ConfigError(f"{rel}:{p.line}:{p.column}: {p.message}")
        data = parsed.docs[0] if parsed.docs else None
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            where = ".".join(map(str, errors[0].absolute_path)) or "(top level)"
            raise ConfigError(f"{rel}: invalid rule file at '{where}': {describe(errors[0])}")
        assert isinstance(data, dict)  # the rule schema requires a mapping
        try:
            jsonschema.Draft202012Validator.check_schema(data["schema"])
        except jsonschema.SchemaError as exc:
            raise ConfigError(f"{rel}: the rule's 'schema' is not a valid JSON schema: {exc.message[:200]}") from exc
        for where, pattern in schema_patterns(data["schema"]):
            try:
                linear(pattern)
            except ValueError as exc:
                raise ConfigError(f"{rel}: {where}: {exc}; patterns run on RE2 (no lookaround or backreferences)") from exc
        _check_message(rel, data.get("message"))
        rules.append(load_rule_file(path, origin=rel))
    return rules


MESSAGE_FIELDS = ("kind", "name", "namespace", "apiVersion")


def _check_message(rel: str, message: Any) -> None:
    """A rule's `message` may name only the fields every object has: else the rule file is wrong
    (exit 2, naming it), not homelint."""
    import string  # start-up: a warm run does not need it

    if not isinstance(message, str):
        return
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(message) if name is not None]
    except ValueError as exc:
        raise ConfigError(
            f"{rel}: the rule's 'message' is not a valid template ({exc}); write a literal brace as {{{{ or }}}}"
        ) from exc
    for name in fields:
        if name not in MESSAGE_FIELDS:
            close = difflib.get_close_matches(name, MESSAGE_FIELDS, n=1)
            hint = f"did you mean {{{close[0]}}}? " if close else ""
            allowed = ", ".join(f"{{{f}}}" for f in MESSAGE_FIELDS)
            raise ConfigError(f"{rel}: the rule's 'message' names an unknown field {{{name}}}; {hint}it may use {allowed}")


def _glob_any(value: str, patterns: Any) -> bool:
    if patterns is None:
        return True
    if isinstance(patterns, str):
        patterns = [patterns]
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def object_matches(obj: K8sObject, match: dict[str, Any]) -> bool:
    return (
        _glob_any(obj.api_version, match.get("apiVersion"))
        and _glob_any(obj.kind, match.get("kind"))
        and _glob_any(obj.path, match.get("path"))
    )


def run_declarative(ctx: Context, enabled: set[str] | None = None) -> Iterator[Finding]:
    declarative = [
        m
        for m in ctx.rules.values()
        if m.declarative and m.declarative.get("schema") is not None and (enabled is None or m.id in enabled)
    ]
    if not declarative:
        return
    from homelint.rules.common import manifest_objects  # start-up: a warm run does not need it

    objects = manifest_objects(ctx)
    for meta in declarative:
        spec = meta.declarative or {}
        validator = Validator(compile_standalone(spec["schema"], linear=True), partial(_jsonschema, spec["schema"]))
        match = spec.get("match") or {}
        for obj in objects:
            if obj.is_sops or not object_matches(obj, match):
                continue
            for error in validator.iter_errors(obj.data):
                keys = tuple(error.absolute_path)
                message = (spec.get("message") or meta.summary).format(
                    kind=obj.kind, name=obj.name, apiVersion=obj.api_version, namespace=obj.namespace or ""
                )
                detail = _short_error(error)
                yield ctx.at(meta.id, obj, keys, f"{message} ({detail})" if detail else message, fix=spec.get("fix"))
                break


def _jsonschema(schema: Any) -> Any:
    from homelint.core.regex import linear_validator_class  # start-up: a warm run does not need it

    return linear_validator_class()(schema)


def _short_error(error: Any) -> str:
    where = ".".join(map(str, error.absolute_path))
    if error.validator == "required":
        return f"missing {error.message.split(' ')[0]}" + (f" in {where}" if where else "")
    return describe(error, where)
