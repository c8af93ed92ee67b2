"""Fixes belong to their rule unit: a rule module registers, with `@fixes(ID)`, the function that
turns its findings into minimal text edits of one file, each declaring the one data change it makes.
homelint.engine.fix plans, verifies (by re-parsing) and writes them, knowing no rule by name.

A rule is fixable when its rules/*.yaml says `fixable: true` (and `fix-safety: unsafe` when the fix
changes what Flux applies beyond the finding itself) and its module registers a fixer here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homelint.core.model import Finding
from homelint.loading.yamlload import ParsedFile, parse_bytes

# the one data change an edit makes: (where, was, now) -> is it that change
Accept = Callable[[tuple[Any, ...], Any, Any], bool]


@dataclass
class Edit:
    start: int  # character offsets into the text of `path`; < 0: no text of its own (fixed with another edit)
    end: int
    text: str
    finding: Finding
    accept: Accept | None = None  # None: no data change (a comment removed)
    path: str = ""  # the file edited (default: the finding's file)
    extra: list[tuple[int, str]] = field(default_factory=list)  # more insertions of the same change
    riders: list[Finding] = field(default_factory=list)  # findings this edit fixes too


@dataclass(frozen=True)
class Skip:
    """Why a finding gets no fix (said to the user)."""

    reason: str


def line_offsets(text: str) -> list[int]:
    """The character offset where each line of `text` starts."""
    offsets = [0]
    for index, char in enumerate(text):
        if char == "\n":
            offsets.append(index + 1)
    return offsets


def line_text(text: str, offsets: list[int], line: int) -> str:
    """Line `line` (1-based) of `text`, without its line break."""
    start = offsets[line - 1]
    end = offsets[line] if line < len(offsets) else len(text)
    return text[start:end].rstrip("\r\n")


@dataclass
class FixFile:
    """The text of one file that fixes edit, as the fixers see it (read by the engine's safe reader)."""

    root: Path
    path: str
    text: str
    offsets: list[int] = field(init=False)
    _parsed: tuple[ParsedFile, list[Any]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.offsets = line_offsets(self.text)

    def offset(self, line: int, column: int) -> int:
        return self.offsets[line - 1] + column - 1

    def line(self, line: int) -> str:
        return line_text(self.text, self.offsets, line)

    def parsed(self) -> tuple[ParsedFile, list[Any]]:
        """The file parsed, with each document's node (positions), once per file."""
        if self._parsed is None:
            nodes: list[Any] = []
            self._parsed = (parse_bytes(self.path, self.text.encode("utf-8"), nodes), nodes)
        return self._parsed


Outcome = tuple[Finding, Edit | str]  # a finding and its edit, or why it has none
FixFn = Callable[[FixFile, list[Finding]], Iterable[Outcome]]


@dataclass(frozen=True)
class Fixer:
    """A rule's fix: which of its findings it takes, the file it edits for one (or a Skip), and the
    function that turns the findings aimed at one file into edits."""

    rule: str
    fn: FixFn
    when: Callable[[Finding], bool]
    target: Callable[[Finding], str | Skip]


_FIXERS: dict[str, Fixer] = {}


def _own_file(finding: Finding) -> str:
    return finding.path


def fixes(
    *rule_ids: str, when: Callable[[Finding], bool] | None = None, target: Callable[[Finding], str | Skip] | None = None
) -> Callable[[FixFn], FixFn]:
    """Register the fix of the given rules: `when` picks the findings it has a fix for (default: all),
    `target` names the file it edits (default: the finding's own)."""

    def decorate(fn: FixFn) -> FixFn:
        for rule_id in rule_ids:
            _FIXERS[rule_id] = Fixer(rule_id, fn, when or (lambda _f: True), target or _own_file)
        return fn

    return decorate


def each(edit: Callable[[FixFile, Finding], Edit | str]) -> FixFn:
    """A fix made finding by finding."""

    def fn(file: FixFile, findings: list[Finding]) -> Iterator[Outcome]:
        for finding in findings:
            yield finding, edit(file, finding)

    fn.__name__ = getattr(edit, "__name__", "fix")
    return fn


def registered_fixers() -> dict[str, Fixer]:
    """The fixers registered so far (homelint.rules.builtin_checks imports every rule module)."""
    return dict(_FIXERS)


# a plain YAML 1.1/1.2 boolean or number, as the loader reads it (quoted, it is that same text as a string)
_PLAIN_SCALAR = re.compile(r"[A-Za-z0-9_.+\-:]+")


def quote_plain(file: FixFile, finding: Finding) -> Edit | str:
    """The plain boolean or number at the finding's span becomes the string it was written as."""
    span = finding.span
    if span.line != span.end_line or span.line > len(file.offsets):
        return "the value is not on one line"
    start, end = file.offset(span.line, span.column), file.offset(span.end_line, span.end_column)
    value = file.text[start:end]
    if not _PLAIN_SCALAR.fullmatch(value) or "$" in value:
        return f"'{value}' is not a plain boolean or number"

    def accept(_where: tuple[Any, ...], was: Any, now: Any) -> bool:
        return not isinstance(was, str) and now == value

    return Edit(start, end, f'"{value}"', finding, accept)
