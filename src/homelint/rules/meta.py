"""HL000 and HL005: findings about homelint's own run (a check that crashed, suppression comments),
and HL005's fix (an unused suppression comment removed)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from homelint.core.model import Finding, Span
from homelint.loading.yamlload import _SUPPRESS, MALFORMED, Suppression
from homelint.rules.fixing import Edit, FixFile, Outcome, fixes
from homelint.rules.registry import RuleMeta, matches


def internal_error(rules: dict[str, RuleMeta], check: str, what: str) -> Finding:
    """HL000: one check failed (`what`); the other checks still ran."""
    meta = rules["HL000"]
    return Finding(
        "HL000",
        ".",
        Span.point(1),
        f"internal error in check {check}: {what}",
        "please report this bug with --debug output",
        meta.severity,
        meta.name,
    )


def apply_suppressions(
    suppressions: dict[str, list[Suppression]], rules: dict[str, RuleMeta], raw: list[Finding], enabled: set[str] | None = None
) -> tuple[list[Finding], list[Finding]]:
    """(findings kept, findings suppressed by a `# homelint: ignore` comment); kept ends with the
    HL005 findings of suppressions that suppress nothing, name an unknown rule or are malformed.
    No HL005 finding judges a suppression of a rule that is not `enabled` (its findings were not sought)."""
    by_path: dict[str, list[Finding]] = {}
    for finding in raw:
        by_path.setdefault(finding.path, []).append(finding)
    names = {meta.name: rule_id for rule_id, meta in rules.items()}
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    unused: list[Finding] = []
    meta = rules["HL005"]

    def hl005(path: str, sup: Suppression, rule: str, message: str, fix: str) -> Finding:
        span = Span(sup.line, sup.column, sup.line, sup.column + 1)
        return Finding("HL005", path, span, message, fix, meta.severity, meta.name, f"{rule}/{message}/{sup.reason}")

    for path, entries in suppressions.items():
        for sup in entries:
            if sup.target == MALFORMED:
                message = f"'{sup.reason}' is not a suppression homelint understands; nothing is suppressed"
                fix = "write # homelint: ignore[HL301] -- reason (or # homelint: ignore for every rule on the line)"
                unused.append(hl005(path, sup, "?", message, fix))
                continue
            selectors = [names.get(r, r) for r in sup.rules]  # a rule's name stands for its ID
            used: set[str] = set()
            for finding in by_path.get(path, []):
                if finding.suppressed is not None or finding.rule == "HL005":
                    continue
                if (sup.target == 0 or finding.span.line == sup.target) and (not selectors or matches(finding.rule, selectors)):
                    finding.suppressed = sup.reason or "suppressed in source"
                    used.update(r for r in selectors if finding.rule.startswith(r))
                    used.add("")
            where = "in this file" if sup.target == 0 else f"on line {sup.target}"
            if not selectors and "" not in used:
                unused.append(hl005(path, sup, "", f"unused suppression: no finding {where}", "remove the suppression comment"))
            for written, rule in zip(sup.rules, selectors, strict=True):
                if rule in used or (enabled is not None and rule in rules and rule not in enabled):
                    continue
                if not any(r.startswith(rule) for r in rules):
                    message = f"suppression names unknown rule '{written}'"
                else:
                    message = f"unused suppression: no {rule} finding {where}"
                unused.append(hl005(path, sup, rule, message, "remove the suppression comment, or fix the rule ID"))
    for finding in raw:
        (suppressed if finding.suppressed is not None else kept).append(finding)
    kept.extend(unused)
    return kept, suppressed


def _unused(finding: Finding) -> bool:
    return finding.message.startswith("unused suppression")


@fixes("HL005")
def remove_unused_suppressions(file: FixFile, findings: list[Finding]) -> Iterator[Outcome]:
    """A suppression comment every rule of which is unused is removed (with its line, when it stands
    alone); its other findings are fixed with it. The data does not change."""
    per_comment = Counter((f.span.line, f.span.column) for f in findings if _unused(f))
    done: set[tuple[int, int]] = set()
    for finding in findings:
        place = (finding.span.line, finding.span.column)
        if place in done:
            yield finding, Edit(-1, -1, "", finding)  # the same comment, removed once: fixed with it
            continue
        edit = _remove_comment(file, finding, per_comment[place])
        if isinstance(edit, Edit):
            done.add(place)
        yield finding, edit


def _remove_comment(file: FixFile, finding: Finding, count: int) -> Edit | str:
    if not _unused(finding):
        return "only unused suppressions are removed"
    text, offsets, line = file.text, file.offsets, finding.span.line
    if line > len(offsets):
        return "the line is gone"
    content = file.line(line)
    match = _SUPPRESS.match(content, finding.span.column - 1)  # anchored at the column: linear
    if match is None:
        return "the comment is not where the finding says"
    rules = [r for r in (match.group(2) or "").split(",") if r.strip()]
    if count < max(1, len(rules)):
        return "the comment also suppresses a finding"
    line_start = offsets[line - 1]
    before, after = content[: match.start()], content[match.end() :]
    if not before.strip() and not after.strip():  # a comment on its own line: remove the line
        end = offsets[line] if line < len(offsets) else len(text)
        start = line_start
        if line >= len(offsets) and start > 0:  # the last line without a newline: take the one before
            start -= 1
        return Edit(start, end, "", finding)
    if after.strip():  # another comment follows: keep it
        return Edit(line_start + match.start(), line_start + match.end(), "", finding)
    return Edit(line_start + len(before.rstrip()), line_start + len(content), "", finding)
