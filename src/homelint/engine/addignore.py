"""`homelint check --add-ignore`: a `# homelint: ignore[ID] -- TODO` comment for every current finding.

For adopting homelint on a big repository (as ruff's --add-noqa): each finding's line gets a trailing
suppression comment naming its rules, or its rules are added to the suppression already on the line.
Like the fixes (homelint.engine.fix), the edit is a minimal text patch, verified by re-parsing: the data is
unchanged and the loader reads a suppression of those rules for that line; else the file is left as
it is. Written atomically by fix.write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homelint.core.model import Finding
from homelint.engine.fix import FileFix, FixReport, _editable, _verified
from homelint.loading.yamlload import _SUPPRESS, parse_bytes
from homelint.rules.fixing import line_offsets, line_text
from homelint.rules.registry import builtin_rules

REASON = "TODO"
_YAML = (".yaml", ".yml")


def plan_ignores(root: Path, findings: list[Finding]) -> FixReport:
    """The suppression comments for `findings`, not written (a rule whose YAML says `suppressible: false`,
    such as the suppressions' own rule, is never suppressed)."""
    report = FixReport()
    rules = builtin_rules()
    by_path: dict[str, dict[int, list[Finding]]] = {}
    for finding in findings:
        meta = rules.get(finding.rule)
        if finding.suppressed is not None or (meta is not None and not meta.suppressible):
            continue
        if not finding.path.endswith(_YAML) or finding.span.line < 1:
            report.skipped.append(f"{finding.path}: {finding.rule} not suppressed: only YAML lines take a comment")
            continue
        by_path.setdefault(finding.path, {}).setdefault(finding.span.line, []).append(finding)
    for path, lines in sorted(by_path.items()):
        text = _editable(root, path, report)
        if text is None:
            continue
        fix = _suppress_lines(path, text, lines, report)
        if fix is not None:
            report.files.append(fix)
    return report


def _suppress_lines(path: str, text: str, lines: dict[int, list[Finding]], report: FixReport) -> FileFix | None:
    offsets = line_offsets(text)
    existing = {s.line: s for s in parse_bytes(path, text.encode("utf-8")).suppressions if s.target == s.line and s.rules}
    edits: list[tuple[int, str, int]] = []  # (offset, inserted text, line)
    wanted: dict[int, list[str]] = {}
    for line, items in sorted(lines.items()):
        if line > len(offsets):
            report.skipped.append(f"{path}:{line}: not suppressed: the line is gone")
            continue
        ids = sorted({f.rule for f in items})
        content = line_text(text, offsets, line)
        start = offsets[line - 1]
        sup = existing.get(line)
        match = _SUPPRESS.match(content, sup.column - 1) if sup is not None else None
        if match is not None and match.group(2) is not None:
            listed = [r.strip() for r in match.group(2).split(",") if r.strip()]
            ids = [i for i in ids if i not in listed]
            edits.append((start + match.end(2), "".join(f", {i}" for i in ids), line))
        else:
            edits.append((start + len(content), f"  # homelint: ignore[{', '.join(ids)}] -- {REASON}", line))
        wanted[line] = sorted({f.rule for f in items})
    if not edits:
        return None
    after = text
    for at, inserted, _ in sorted(edits, reverse=True):
        after = after[:at] + inserted + after[at:]
    done = set(wanted)
    if not _verified(path, text, after, []) or not _suppresses(path, after, wanted):
        # one line at a time (from the end: earlier offsets stay valid), keeping those that verify;
        # a line inside a block scalar or a multi-line string cannot carry a comment
        after, done = text, set()
        for at, inserted, line in sorted(edits, reverse=True):
            candidate = after[:at] + inserted + after[at:]
            if _verified(path, after, candidate, []) and _suppresses(path, candidate, {line: wanted[line]}):
                after = candidate
                done.add(line)
            else:
                report.skipped.append(f"{path}:{line}: not suppressed: a comment there would be part of a string")
    if not done:
        return None
    return FileFix(path, text, after, [f for line, items in lines.items() if line in done for f in items])


def _suppresses(path: str, text: str, wanted: dict[int, list[str]]) -> bool:
    """Every line in `wanted` has a suppression (for itself) naming each of its rules."""
    found: dict[int, set[str]] = {}
    for sup in parse_bytes(path, text.encode("utf-8")).suppressions:
        if sup.target == sup.line:
            found.setdefault(sup.line, set()).update(sup.rules)
    return all(set(ids) <= found.get(line, set()) for line, ids in wanted.items())


def summary(report: Any) -> str:
    count, files = report.fixed, len(report.files)
    return f"Added suppressions for {count} finding{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}"
