"""Rule metadata (from `rules/*.yaml`) and the registry of checks that implement rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homelint.core.resources import data_dir
from homelint.loading.yamlload import parse_bytes

if TYPE_CHECKING:
    from homelint.core.context import Context
    from homelint.core.model import Finding


@dataclass
class RuleMeta:
    id: str
    name: str
    severity: str
    summary: str
    enabled: bool = True
    tags: list[str] = field(default_factory=list)
    precision: str = "high"
    # "applied": reported only in files a Flux root reaches, once roots are known (a build or
    # apply failure cannot happen in a file Flux never reads); "repository": everywhere
    scope: str = "repository"
    origin: str = "builtin"
    declarative: dict[str, Any] | None = None  # match/schema/message for data-only rules
    source: Path | None = None  # the rule file: its `docs` are read on first use
    loaded_docs: str | None = field(default=None, repr=False)
    fixable: bool = False  # `homelint check --fix` has a fix for it (homelint.engine.fix)
    fix_safety: str = "safe"  # "unsafe": the fix changes what Flux applies; only --unsafe-fixes applies it
    always: bool = False  # enabled whatever the selection (HL000: a crashed check must show)
    suppressible: bool = True  # false: `--add-ignore` never writes a suppression of it
    code_frame: bool = True  # false: text output shows no source line (the finding is about a value itself)
    security_severity: str | None = None  # SARIF security-severity of a `security` rule (default: by severity)

    @property
    def family(self) -> str:
        return self.id[:3] + "xx"

    @property
    def docs(self) -> str:
        if self.loaded_docs is None:
            docs = str(_parse_rule_file(self.source).get("docs", "")) if self.source else ""
            if "<!-- producers:" in docs or "<!-- consumers:" in docs:
                from homelint.model.refs import expand_docs  # the producer/consumer tables: docs cannot drift

                docs = expand_docs(docs)
            self.loaded_docs = docs
        return self.loaded_docs


CheckFn = Callable[["Context"], Iterator["Finding"]]


@dataclass(frozen=True)
class Check:
    """One unit of rules: the rule IDs it may emit (it runs when one of them is enabled; a finding
    with another ID is refused by the engine) and the function."""

    rules: tuple[str, ...]
    fn: CheckFn
    needs_flux: bool = False  # it judges what Flux does: not run in a repository without a Flux Kustomization
    # its rules that find build failures only in Flux Kustomizations' builds: without one they build nothing
    flux_builds: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return getattr(self.fn, "__name__", "check")


_CHECKS: list[Check] = []


def check(*rule_ids: str, needs_flux: bool = False, flux_builds: tuple[str, ...] = ()) -> Callable[[CheckFn], CheckFn]:
    """Register a function that yields findings of the given rule IDs, and no other. With
    `needs_flux`, the engine runs it only in a repository with a Flux Kustomization (and says
    which rules it did not run); `flux_builds`: which of its rules judge kustomize builds only
    where a Flux Kustomization builds (the engine says so without one)."""

    def decorate(fn: CheckFn) -> CheckFn:
        _CHECKS.append(Check(rule_ids, fn, needs_flux, flux_builds))
        return fn

    return decorate


def registered() -> list[Check]:
    """The checks registered so far (homelint.rules registers the built-in ones on import)."""
    return list(_CHECKS)


_DOCS_KEY = re.compile(r"^docs:", re.MULTILINE)
_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_]+:", re.MULTILINE)


def _parse_rule_file(path: Path, *, without_docs: bool = False) -> dict[str, Any]:
    """A rule file's mapping. `without_docs` skips a final `docs:` block: most of the text,
    needed only by `homelint rule` and SARIF (a third of a cold start otherwise)."""
    raw = path.read_bytes()
    if without_docs:
        text = raw.decode("utf-8", errors="replace")
        docs = _DOCS_KEY.search(text)
        if docs is not None and _TOP_LEVEL_KEY.search(text, docs.end()) is None:
            raw = text[: docs.start()].encode()
    parsed = parse_bytes(str(path), raw)
    if parsed.problems or not parsed.docs or not isinstance(parsed.docs[0], dict):
        detail = parsed.problems[0].message if parsed.problems else "not a mapping"
        raise ValueError(f"{path}: {detail}")
    return parsed.docs[0]


def load_rule_file(path: Path, origin: str = "builtin") -> RuleMeta:
    data = _parse_rule_file(path, without_docs=True)
    declarative = None
    if "match" in data or "schema" in data:
        declarative = {k: data.get(k) for k in ("match", "schema", "message", "fix", "field")}
    return RuleMeta(
        id=data["id"],
        name=data["name"],
        severity=data.get("severity", "error"),
        summary=data.get("summary", ""),
        enabled=data.get("enabled", True),
        tags=list(data.get("tags", [])),
        precision=data.get("precision", "high"),
        scope=data.get("scope", "repository"),
        origin=origin,
        declarative=declarative,
        source=path,
        fixable=_flag(data, "fixable", False, path),
        fix_safety="unsafe" if data.get("fix-safety") == "unsafe" else "safe",
        always=_flag(data, "always", False, path),
        suppressible=_flag(data, "suppressible", True, path),
        code_frame=_flag(data, "code-frame", True, path),
        security_severity=_score(data, path),
    )


def _flag(data: dict[str, Any], key: str, default: bool, path: Path) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{path}: {key} must be true or false")
    return value


_SCORE = re.compile(r"(?:10\.0|[0-9]\.[0-9])")


def _score(data: dict[str, Any], path: Path) -> str | None:
    """A SARIF security-severity, "0.0".."10.0" (GitHub: 9+ critical, 7+ high, 4+ medium)."""
    value = data.get("security-severity")
    if value is not None and not (isinstance(value, str) and _SCORE.fullmatch(value)):
        raise ValueError(f'{path}: security-severity must be a quoted score such as "7.0"')
    return value


def rule_files() -> list[Path]:
    """The built-in rule files, sorted."""
    return sorted(data_dir("rules").glob("**/*.yaml"))


_BUILTIN: dict[str, RuleMeta] = {}


def builtin_rules() -> dict[str, RuleMeta]:
    if not _BUILTIN:
        for path in rule_files():
            meta = load_rule_file(path)
            _BUILTIN[meta.id] = meta
    return _BUILTIN


def use_builtin_rules(rules: dict[str, RuleMeta]) -> None:
    """Take the built-in rules from a cache of `rule_files()` as they are now (see runner)."""
    _BUILTIN.clear()
    _BUILTIN.update(rules)


def matches(rule_id: str, selectors: list[str]) -> bool:
    return any(sel == "ALL" or rule_id.startswith(sel) for sel in selectors)
