"""Load and validate `.homelint.yaml`."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homelint.core.errors import ConfigError
from homelint.core.resources import schema
from homelint.core.schemaerrors import describe, did_you_mean
from homelint.loading.safeio import UnsafePath, inside_repo, printable, read_regular
from homelint.loading.yamlload import parse_bytes

CONFIG_NAMES = (".homelint.yaml", ".homelint.yml")


@dataclass
class Config:
    path: Path | None = None
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_level: str = "error"
    severity: dict[str, str] = field(default_factory=dict)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    baseline: str | None = None
    flux_roots: list[str] = field(default_factory=list)
    strict_substitution: bool | None = None  # None: follows the detected Flux (strict from 2.9)
    local_sources: list[str] = field(default_factory=list)  # evidence finds them (sources.py); this adds
    external_sources: list[str] = field(default_factory=list)
    placeholder_docs: list[str] | None = None
    external_secrets: list[str] = field(default_factory=list)
    external_configmaps: list[str] = field(default_factory=list)
    external_claims: list[str] = field(default_factory=list)
    external_namespaces: list[str] = field(default_factory=list)
    rule_paths: list[str] = field(default_factory=lambda: [".homelint/rules"])
    versions: dict[str, str] = field(default_factory=dict)  # component -> installed version (overrides detection)
    # upgrade previews: a component (flux, external-secrets, kubernetes: HL606, HL607) or a chart (HL807) -> version
    targets: dict[str, str] = field(default_factory=dict)
    schema_paths: dict[str, str] = field(default_factory=dict)  # as written; see schemastore.SchemaPaths
    schema_ignore: list[str] = field(default_factory=list)


# Without `placeholders.docs`, only files whose name says they document placeholders: a
# repository's other docs (guides, runbooks) show `${...}` in examples but do not document them.
DEFAULT_PLACEHOLDER_DOCS = ["TEMPLATE_GUIDE.md", "docs/*placeholder*.md", "docs/*variable*.md"]


def placeholder_doc_files(config: Config, all_files: set[str] | list[str]) -> list[str]:
    """The placeholder docs (`placeholders.docs` globs, fnmatch-style: `*` crosses `/`), sorted.
    The default globs ignore case (docs/Placeholders.md)."""
    configured = config.placeholder_docs is not None
    patterns = config.placeholder_docs if configured else DEFAULT_PLACEHOLDER_DOCS
    if not patterns:
        return []
    matcher = re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns), 0 if configured else re.IGNORECASE)
    return sorted(path for path in all_files if matcher.match(path))


def find_config(root: Path) -> Path | None:
    for name in CONFIG_NAMES:
        if os.path.lexists(root / name):  # a FIFO or a dangling symlink is an error, not "no config"
            return root / name
    return None


MAX_CONFIG_BYTES = 1 << 20


def read_config_file(path: Path, what: str) -> bytes:
    """The bytes of a config file (a regular file of at most 1 MiB), or a one-line ConfigError."""
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror}") from exc
    if raw is None:
        raise ConfigError(f"{path}: {what} is not a regular file of at most {MAX_CONFIG_BYTES >> 20} MiB")
    return raw


def load_config(root: Path, explicit: Path | None = None) -> Config:
    path = explicit if explicit is not None else find_config(root)
    if path is None:
        return Config()
    if explicit is None:
        inside_repo(root, path.name, "config file")  # a committed symlink to a file of the machine
    raw = read_config_file(path, "config file")
    nodes: list[Any] = []
    parsed = parse_bytes(str(path), raw, nodes)
    errors = [p for p in parsed.problems if p.rule in ("HL001", "HL002")]
    if errors:
        first = errors[0]
        raise ConfigError(f"{path}:{first.line}:{first.column}: {first.message}")
    data = parsed.docs[0] if parsed.docs else None
    if data is None:
        data = {}
    validate_config_data(data, path, nodes[0] if nodes else None)
    config = _from_data(data, path)
    check_paths(root, config)
    return config


def check_paths(root: Path, config: Config) -> None:
    """Every path of the config resolves (after symlinks) inside the repository; globs have no `..`."""
    if config.baseline:
        inside_repo(root, config.baseline, "baseline")
    for entry in config.rule_paths:
        inside_repo(root, entry, "rules.paths entry")
    for entry in config.flux_roots:
        inside_repo(root, entry, "flux.roots entry")
    for pattern in config.placeholder_docs or []:
        if pattern.startswith("/") or ".." in pattern.split("/"):
            raise UnsafePath(f"placeholders.docs: '{printable(pattern)}' is not a path inside the repository; refused")


def validate_config_data(data: Any, path: Path, node: Any = None) -> None:
    import jsonschema  # start-up: imported only where it is needed

    validator = jsonschema.Draft202012Validator(schema("config.schema.json"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        keys = list(error.absolute_path)
        if error.validator == "additionalProperties":
            keys.append(_extra_key(error))
        line, column = locate(node, keys, key=error.validator == "additionalProperties")
        raise ConfigError(f"{path}:{line}:{column}: invalid config at '{where}': {_readable(error)}")


def locate(node: Any, keys: list[Any], *, key: bool = False) -> tuple[int, int]:
    """Line and column (1-based) of the value at `keys` in a composed YAML document (of the key
    itself with `key`); as deep as the path exists, the document start otherwise."""
    line, column = (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (1, 1)
    for index, want in enumerate(keys):
        if node is None:
            break
        found = None
        if node.id == "mapping":
            for key_node, value_node in node.value:
                if key_node.id == "scalar" and key_node.value == str(want):
                    found = key_node if key and index == len(keys) - 1 else value_node
                    break
        elif node.id == "sequence" and isinstance(want, int) and 0 <= want < len(node.value):
            found = node.value[want]
        if found is None:
            break
        node = found
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
    return line, column


def _extra_key(error: Any) -> Any:
    allowed = error.schema.get("properties", {})
    extras = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
    return extras[0] if extras else ""


def _readable(error: Any) -> str:
    """What is wrong, naming keys and expected types, never quoting a value."""
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = printable(str(_extra_key(error)), 60)
        hint = did_you_mean(extra, allowed)
        return f"unknown key '{extra}'{hint} (allowed keys: {', '.join(allowed)})"
    if error.validator == "pattern":
        form = error.schema.get("formatHint") if isinstance(error.schema, dict) else None  # the schema's own words
        return f"expected {form}" if isinstance(form, str) else describe(error)
    return describe(error)


def _from_data(data: dict[str, Any], path: Path) -> Config:
    flux = data.get("flux", {})
    return Config(
        path=path,
        select=data.get("select"),
        extend_select=data.get("extend-select", []),
        ignore=data.get("ignore", []),
        fail_level=data.get("fail-level", "error"),
        severity=data.get("severity", {}),
        per_path_ignores=data.get("per-path-ignores", {}),
        exclude=data.get("exclude", []),
        baseline=data.get("baseline"),
        flux_roots=[r.strip("/").removeprefix("./") for r in flux.get("roots", [])],
        strict_substitution=flux.get("strict-substitution"),
        local_sources=flux.get("local-sources", []),
        external_sources=flux.get("external-sources", []),
        placeholder_docs=data.get("placeholders", {}).get("docs"),
        external_secrets=data.get("secrets", {}).get("external", []),
        external_configmaps=data.get("configmaps", {}).get("external", []),
        external_claims=data.get("claims", {}).get("external", []),
        external_namespaces=data.get("namespaces", {}).get("external", []),
        rule_paths=data.get("rules", {}).get("paths", [".homelint/rules"]),
        versions={**({"flux": flux["version"]} if "version" in flux else {}), **data.get("versions", {})},
        targets=dict(data.get("targets", {})),
        schema_paths=dict(data.get("schemas", {}).get("paths", {})),
        schema_ignore=list(data.get("schemas", {}).get("ignore", [])),
    )


COMPONENTS = ("flux", "external-secrets", "kubernetes", "talos")


_CHART_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def parse_targets(values: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`--target NAME=VERSION` (repeatable, or comma-separated) as {name: version}. NAME is a component
    (flux=2.9, external-secrets=0.17: HL606, HL607; talos=1.14: HL914) or any other name, a Helm chart (app-template=5.1.0: HL807)."""
    targets: dict[str, str] = {}
    if not values:
        return targets
    from homelint.model.versions import parse_version  # 40 ms of imports: only when there are targets

    for value in values:
        for item in value.split(","):
            if not item.strip():
                continue
            name, sep, version = item.strip().partition("=")
            name, version = name.strip(), version.strip()
            component = name.lower()
            if component in COMPONENTS:
                if not sep or parse_version(version)[0] is None:
                    raise ConfigError(
                        f"--target '{item.strip()}': {component} needs a version, e.g. flux=2.9, external-secrets=0.17"
                    )
                targets[component] = version
            elif sep and version and _CHART_NAME.match(name):
                targets[name] = version
            else:
                raise ConfigError(
                    f"--target '{item.strip()}' is not NAME=VERSION: a component ({', '.join(COMPONENTS)}, e.g. flux=2.9) "
                    "or a chart (e.g. app-template=5.1.0)"
                )
    return targets


def chart_targets(targets: dict[str, str]) -> dict[str, str]:
    """The targets that name Helm charts: every name that is not a component."""
    return {name: version for name, version in targets.items() if name.lower() not in COMPONENTS}
