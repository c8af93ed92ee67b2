"""`homelint check --fix` / `--diff`: safe fixes as minimal text patches.

Each fix edits a few characters of the file's text (comments, quoting, indentation, key order and
document separators stay as they are), and the patched file is re-parsed: its data must differ from
the original only in the fixed node (HL604: the value becomes the string it was written as; HL005:
the data does not change at all), else the file is left alone. Writes are atomic (a temporary file
in the same folder, then os.replace), and a symlink is never written through.

Fixable rules carry `fixable: true` in their rules/*.yaml.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homelint.model import Finding

FIXABLE = ("HL005", "HL604")

# HL601 reports the same unquoted values on the kinds it has schemas for (HL604 leaves those to it)
_HL601_STRING_MAP = re.compile(
    r"\b(?:labels|annotations|matchLabels|selector|substitute)\.\S+ must be a string(?: or null)?, "
    r"not a (?:boolean|integer|number|float)\b"
)


def fixable(finding: Finding) -> bool:
    if finding.rule == "HL601":
        return bool(_HL601_STRING_MAP.search(finding.message))
    return finding.rule in FIXABLE


# a plain YAML 1.1/1.2 boolean or number, as the loader reads it (quoted, it is that same text as a string)
_PLAIN_SCALAR = re.compile(r"[A-Za-z0-9_.+\-:]+")


@dataclass
class Edit:
    start: int  # character offsets into the file's text
    end: int
    text: str
    finding: Finding
    expect: Any = None  # HL604: the string the fixed node must hold afterwards


@dataclass
class FileFix:
    path: str
    before: str
    after: str
    fixed: list[Finding] = field(default_factory=list)


@dataclass
class FixReport:
    files: list[FileFix] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why a fixable finding was not fixed

    @property
    def fixed(self) -> int:
        return sum(len(f.fixed) for f in self.files)

    def diff(self) -> str:
        out: list[str] = []
        for f in self.files:
            out.extend(
                difflib.unified_diff(
                    f.before.splitlines(keepends=True), f.after.splitlines(keepends=True), f"a/{f.path}", f"b/{f.path}"
                )
            )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out)


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    for index, char in enumerate(text):
        if char == "\n":
            offsets.append(index + 1)
    return offsets


def _offset(offsets: list[int], line: int, column: int) -> int:
    return offsets[line - 1] + column - 1


def _line_text(text: str, offsets: list[int], line: int) -> str:
    start = offsets[line - 1]
    end = offsets[line] if line < len(offsets) else len(text)
    return text[start:end].rstrip("\r\n")


def _hl604(text: str, offsets: list[int], finding: Finding) -> Edit | str:
    span = finding.span
    if span.line != span.end_line or span.line > len(offsets):
        return "the value is not on one line"
    start, end = _offset(offsets, span.line, span.column), _offset(offsets, span.end_line, span.end_column)
    value = text[start:end]
    if not _PLAIN_SCALAR.fullmatch(value) or "$" in value:
        return f"'{value}' is not a plain boolean or number"
    return Edit(start, end, f'"{value}"', finding, expect=value)


def _hl005(text: str, offsets: list[int], finding: Finding, count: int) -> Edit | str:
    from homelint.yamlload import _SUPPRESS

    if not finding.message.startswith("unused suppression"):
        return "only unused suppressions are removed"
    line = finding.span.line
    if line > len(offsets):
        return "the line is gone"
    content = _line_text(text, offsets, line)
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


def _parse(path: str, text: str) -> tuple[list[Any], list[str]]:
    from homelint.yamlload import parse_bytes

    parsed = parse_bytes(path, text.encode("utf-8"))
    return list(parsed.docs), sorted(p.rule for p in parsed.problems)


def _differences(a: Any, b: Any, where: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any, Any]]:
    if type(a) is not type(b):
        return [(where, a, b)]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [(where, a, b)]
        out = []
        for key in a:
            out.extend(_differences(a[key], b[key], (*where, key)))
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [(where, a, b)]
        out = []
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            out.extend(_differences(x, y, (*where, index)))
        return out
    return [] if a == b else [(where, a, b)]


def _verified(path: str, before: str, after: str, expected: list[str]) -> bool:
    """The patched file parses, and only the fixed nodes changed: each from a non-string to the
    string it was written as (`expected`, in any order); nothing else."""
    (old, old_problems), (new, new_problems) = _parse(path, before), _parse(path, after)
    if old_problems != new_problems or len(old) != len(new):
        return False
    changes = _differences(old, new)
    if len(changes) != len(expected):
        return False
    remaining = list(expected)
    for _, was, now in changes:
        if isinstance(was, str) or not isinstance(now, str) or now not in remaining:
            return False
        remaining.remove(now)
    return True


def plan(root: Path, findings: list[Finding], repo: Any = None) -> FixReport:
    """The fixes for `findings` (only rules in FIXABLE), verified, not written."""
    report = FixReport()
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if fixable(finding) and finding.suppressed is None:
            by_path.setdefault(finding.path, []).append(finding)
    for path, items in sorted(by_path.items()):
        full = root / path
        if full.is_symlink():
            report.skipped.append(f"{path}: a symlink, not written through")
            continue
        if repo is not None and any(o.is_sops for o in repo.objects_by_file.get(path, [])):
            report.skipped.append(f"{path}: SOPS-encrypted, editing it would break its MAC")
            continue
        try:
            text = full.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            report.skipped.append(f"{path}: not readable as UTF-8 ({exc})")
            continue
        offsets = _line_offsets(text)
        per_comment: dict[tuple[int, int], int] = {}
        for f in items:
            if f.rule == "HL005" and f.message.startswith("unused suppression"):
                per_comment[(f.span.line, f.span.column)] = per_comment.get((f.span.line, f.span.column), 0) + 1
        edits: list[Edit] = []
        done_comments: set[tuple[int, int]] = set()
        for f in items:
            if f.rule in ("HL604", "HL601"):
                edit = _hl604(text, offsets, f)
            else:
                place = (f.span.line, f.span.column)
                if place in done_comments:
                    continue
                edit = _hl005(text, offsets, f, per_comment.get(place, 0))
                if isinstance(edit, Edit):
                    done_comments.add(place)
            if isinstance(edit, str):
                report.skipped.append(f"{path}:{f.span.line}: {f.rule} not fixed: {edit}")
                continue
            edits.append(edit)
        edits.sort(key=lambda e: e.start)
        edits = [e for i, e in enumerate(edits) if i == 0 or e.start >= edits[i - 1].end]  # no overlaps
        if not edits:
            continue
        after = text
        for edit in reversed(edits):
            after = after[: edit.start] + edit.text + after[edit.end :]
        expected = [e.expect for e in edits if e.expect is not None]
        if not _verified(path, text, after, expected):
            report.skipped.append(f"{path}: the patched file did not re-parse to the same data; left alone")
            continue
        fixed = [e.finding for e in edits]
        fixed += [f for f in items if f.rule == "HL005" and (f.span.line, f.span.column) in done_comments and f not in fixed]
        report.files.append(FileFix(path, text, after, fixed))
    return report


def write(root: Path, report: FixReport) -> None:
    from homelint.safeio import atomic_write

    """Write every fixed file atomically (same-folder temp file + os.replace), keeping its mode."""
    for fix in report.files:
        target = root / fix.path
        if target.is_symlink():
            continue
        mode = target.stat().st_mode & 0o7777
        atomic_write(target, fix.after.encode("utf-8"), root=root, exact_mode=mode)  # never through a symlinked folder
