"""Which rules run and which findings are shown: --select/--ignore/--extend-select and the
config's selection, per-path ignores and severity overrides."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from homelint.core.model import Finding
from homelint.model.config import Config, ConfigError
from homelint.rules.registry import RuleMeta, matches

if TYPE_CHECKING:
    from homelint.engine.lint import Options


def enabled_rules(rules: dict[str, RuleMeta], config: Config, options: Options) -> set[str]:
    selected = options.select if options.select is not None else config.select
    extend = [*config.extend_select, *options.extend_select]
    ignore = [*config.ignore, *options.ignore]
    for selector in [*(selected or []), *extend, *ignore, *config.severity]:
        if selector != "ALL" and not any(rule.startswith(selector) for rule in rules):
            raise ConfigError(f"unknown rule or prefix '{selector}' (see 'homelint rules')")
    enabled = set()
    for rule_id, meta in rules.items():
        on = matches(rule_id, selected) if selected is not None else meta.enabled
        if matches(rule_id, extend):
            on = True
        if ignore and matches(rule_id, ignore) and not (selected and rule_id in selected):
            on = False
        if on:
            enabled.add(rule_id)
    enabled.update(rule_id for rule_id, meta in rules.items() if meta.always)
    return enabled


def select(findings: list[Finding], rules: dict[str, RuleMeta], config: Config, options: Options) -> list[Finding]:
    enabled = enabled_rules(rules, config, options)
    out = []
    for finding in findings:
        if finding.rule not in enabled:
            continue
        if _path_ignored(finding, config):
            continue
        override = config.severity.get(finding.rule)
        if override:
            finding.severity = override
        out.append(finding)
    return out


def _path_ignored(finding: Finding, config: Config) -> bool:
    for pattern, ids in config.per_path_ignores.items():
        if matches(finding.rule, ids) and (
            fnmatch.fnmatch(finding.path, pattern) or fnmatch.fnmatch(finding.path, pattern.rstrip("/") + "/*")
        ):
            return True
    return False
