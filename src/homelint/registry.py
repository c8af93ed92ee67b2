"""Rule metadata (from `rules/*.yaml`) and the registry of checks that implement rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homelint.resources import data_dir

if TYPE_CHECKING:
    from homelint.engine import Context
    from homelint.model import Finding


@dataclass
class RuleMeta:
    id: str
    name: str
    severity: str
    summary: str
    docs: str = ""
    enabled: bool = True
    tags: list[str] = field(default_factory=list)
    precision: str = "high"
    origin: str = "builtin"
    declarative: dict[str, Any] | None = None  # match/schema/message for data-only rules

    @property
    def family(self) -> str:
        return self.id[:3] + "xx"


CheckFn = Callable[["Context"], Iterator["Finding"]]
_CHECKS: list[tuple[tuple[str, ...], CheckFn]] = []


def check(*rule_ids: str) -> Callable[[CheckFn], CheckFn]:
    """Register a function that yields findings for the given rule IDs."""

    def decorate(fn: CheckFn) -> CheckFn:
        _CHECKS.append((rule_ids, fn))
        return fn

    return decorate


def checks() -> list[tuple[tuple[str, ...], CheckFn]]:
    import homelint.checks  # noqa: F401  (registers the built-in checks)

    return list(_CHECKS)


def load_rule_file(path: Path, origin: str = "builtin") -> RuleMeta:
    from homelint.yamlload import parse_bytes

    parsed = parse_bytes(str(path), path.read_bytes())
    if parsed.problems or not parsed.docs or not isinstance(parsed.docs[0], dict):
        detail = parsed.problems[0].message if parsed.problems else "not a mapping"
        raise ValueError(f"{path}: {detail}")
    data = parsed.docs[0]
    declarative = None
    if "match" in data or "schema" in data:
        declarative = {k: data.get(k) for k in ("match", "schema", "message", "fix", "field")}
    return RuleMeta(
        id=data["id"],
        name=data["name"],
        severity=data.get("severity", "error"),
        summary=data.get("summary", ""),
        docs=data.get("docs", ""),
        enabled=data.get("enabled", True),
        tags=list(data.get("tags", [])),
        precision=data.get("precision", "high"),
        origin=origin,
        declarative=declarative,
    )


@cache
def builtin_rules() -> dict[str, RuleMeta]:
    rules: dict[str, RuleMeta] = {}
    for path in sorted(data_dir("rules").glob("**/*.yaml")):
        meta = load_rule_file(path)
        rules[meta.id] = meta
    return rules


def matches(rule_id: str, selectors: list[str]) -> bool:
    return any(sel == "ALL" or rule_id.startswith(sel) for sel in selectors)
