"""Output budgets: no repository can make a report unbounded.

Each limit is far above what real repositories need (the largest of the corpora homelint is
tested on: 35 documents in one file, a few hundred findings in one run with every rule on).
Past a limit the output is cut and the cut is reported once, as an HL007 finding at the first
place left out. Findings are kept most severe first, so a cut never changes the verdict: what is
left out is never more severe than what is shown. Document budgets live where documents are
read (yamlload.MAX_DOCUMENTS per file, repo.MAX_RUN_DOCUMENTS per run).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homelint.core.model import Finding, severity_rank

MAX_FINDINGS_PER_FILE = 1_000
MAX_FINDINGS = 20_000  # per run
MAX_MESSAGE_CHARS = 2_000  # a message or fix hint (names from the repository can be any length)
MAX_DETAIL_CHARS = 50_000  # the text under a finding (a render diff)
RULE = "HL007"


def within_budget(findings: list[Finding]) -> list[Finding]:
    """The findings cut to the budgets: long texts shortened, at most MAX_FINDINGS_PER_FILE in a
    file and MAX_FINDINGS in all, each cut reported by one HL007 finding."""
    for finding in findings:
        finding.message = _shortened(finding.message, MAX_MESSAGE_CHARS)
        if finding.fix is not None:
            finding.fix = _shortened(finding.fix, MAX_MESSAGE_CHARS)
        if finding.detail is not None:
            finding.detail = _shortened(finding.detail, MAX_DETAIL_CHARS)
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.path, []).append(finding)
    if all(len(group) <= MAX_FINDINGS_PER_FILE for group in by_file.values()) and len(findings) <= MAX_FINDINGS:
        return findings
    kept: list[Finding] = []
    for path in sorted(by_file):
        kept.extend(_cut(by_file[path], MAX_FINDINGS_PER_FILE, lambda n: f"{n} more findings in this file not reported"))
    return _cut(kept, MAX_FINDINGS, lambda n: f"{n} more findings in this run not reported")


def _cut(findings: list[Finding], limit: int, says: Callable[[int], str]) -> list[Finding]:
    if len(findings) <= limit:
        return findings
    ordered = sorted(findings, key=_most_severe_first)
    kept, left = ordered[:limit], ordered[limit:]
    first = min(left, key=Finding.sort_key)
    worst = max((f.severity for f in left), key=severity_rank)
    message = f"{says(len(left))} (the budget is {limit}; the most severe are shown)"
    fix = "fix the findings shown, or narrow the run (--select, a path argument) to see the rest"
    kept.append(Finding(RULE, first.path, first.span, message, fix, worst, "output-budget", message))
    return kept


def _most_severe_first(finding: Finding) -> tuple[Any, ...]:
    return (-severity_rank(finding.severity), *finding.sort_key())


def _shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[: limit - 40]}… ({len(text) - limit + 40} more characters)"
