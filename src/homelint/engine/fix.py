"""`homelint check --fix` / `--diff` / `--unsafe-fixes`: fixes as minimal text patches.

The rules own their fixes (homelint.rules.fixing: a rule module registers the fixer of its ID); this
module knows no rule. It picks the findings a fixer takes, leaves the unsafe ones (`fix-safety: unsafe`
in the rule's YAML: the fix changes what Flux applies beyond the finding) to `--unsafe-fixes`, reads each
file to edit, asks the fixers for edits (comments, quoting, indentation, key order and document
separators stay as they are), and re-parses the patched file: its data must differ from the original
only in the fixed nodes, each exactly as its edit says, else the file is left alone. Writes are atomic
(a temporary file in the same folder, then os.replace), and a symlink is never written through.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homelint.core.model import Finding, sops_encrypted
from homelint.loading.safeio import atomic_write, read_regular
from homelint.loading.yamlload import parse_bytes
from homelint.rules import builtin_checks
from homelint.rules.fixing import Accept, Edit, Fixer, FixFile, Skip, registered_fixers
from homelint.rules.registry import builtin_rules


def fixers() -> dict[str, Fixer]:
    """Every rule's fixer, by rule ID (importing the rule modules registers them)."""
    builtin_checks()
    return registered_fixers()


def safe(finding: Finding) -> bool:
    meta = builtin_rules().get(finding.rule)
    return meta is None or meta.fix_safety != "unsafe"


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
    unsafe: int = 0  # fixes left for --unsafe-fixes

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


def _read(root: Path, path: str) -> str | None:
    full = root / path
    if full.is_symlink():
        return None
    try:
        raw = read_regular(full, 16 << 20)
        return raw.decode("utf-8") if raw is not None else None
    except (OSError, UnicodeDecodeError):
        return None


def _parse(path: str, text: str) -> tuple[list[Any], list[str]]:
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


def _verified(path: str, before: str, after: str, accepts: list[Accept]) -> bool:
    """The patched file parses as cleanly as before, and its data differs from the original only in
    the fixed nodes: each difference is the change of exactly one edit (`accepts`), nothing else."""
    (old, old_problems), (new, new_problems) = _parse(path, before), _parse(path, after)
    if old_problems != new_problems or len(old) != len(new):
        return False
    changes = _differences(old, new)
    if len(changes) != len(accepts):
        return False
    remaining = list(accepts)
    for where, was, now in changes:
        taker = next((a for a in remaining if a(where, was, now)), None)
        if taker is None:
            return False
        remaining.remove(taker)
    return True


def plan(root: Path, findings: list[Finding], *, unsafe: bool = False) -> FixReport:
    """The fixes for `findings` (safe ones; with `unsafe`, all), verified, not written."""
    report = FixReport()
    known = fixers()
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        fixer = known.get(finding.rule)  # `when`: the rule's findings its fix takes (others have no mechanical fix)
        if fixer is not None and fixer.when(finding) and finding.suppressed is None:
            if not unsafe and not safe(finding):
                report.unsafe += 1
                continue
            by_path.setdefault(finding.path, []).append(finding)
    own: dict[str, list[Finding]] = {}  # file -> the findings fixed by editing it, their own file
    elsewhere: dict[str, list[Finding]] = {}  # file -> the findings of other files fixed by editing it
    for path, items in sorted(by_path.items()):
        for f in items:
            target = known[f.rule].target(f)
            if isinstance(target, Skip):
                report.skipped.append(_not_fixed(f, target.reason))
            else:
                (own if target == path else elsewhere).setdefault(target, []).append(f)
    edits: dict[str, list[Edit]] = {}
    texts: dict[str, str] = {}
    for path, items in sorted(own.items()):
        text = _editable(root, path, report)
        if text is None:
            continue
        texts[path] = text
        edits.setdefault(path, []).extend(_edits_of(FixFile(root, path, text), items, known, report))
    for path, items in sorted(elsewhere.items()):  # after the file's own fixes
        text = texts.get(path) or _editable(root, path, report)
        if text is None:
            report.skipped.extend(_not_fixed(f, "not editable") for f in items)
            continue
        texts[path] = text
        edits.setdefault(path, []).extend(_edits_of(FixFile(root, path, text), items, known, report))
    for path in sorted(edits):
        _apply(path, texts[path], edits[path], report)
    return report


def _not_fixed(finding: Finding, reason: str) -> str:
    return f"{finding.path}:{finding.span.line}: {finding.rule} not fixed: {reason}"


def _editable(root: Path, path: str, report: FixReport) -> str | None:
    full = root / path
    if full.is_symlink():
        report.skipped.append(f"{path}: a symlink, not written through")
        return None
    text = _read(root, path)
    if text is None:
        report.skipped.append(f"{path}: not readable as a UTF-8 regular file")
        return None
    if "sops" in text and any(isinstance(d, dict) and sops_encrypted(d) for d in parse_bytes(path, text.encode("utf-8")).docs):
        report.skipped.append(f"{path}: SOPS-encrypted, editing it would break its MAC")
        return None
    return text


def _edits_of(file: FixFile, items: list[Finding], known: dict[str, Fixer], report: FixReport) -> list[Edit]:
    """Each rule's fixer on its findings aimed at `file`; the edits and skips in the findings' order."""
    by_rule: dict[str, list[Finding]] = {}
    for f in items:
        by_rule.setdefault(f.rule, []).append(f)
    order = {id(f): index for index, f in enumerate(items)}
    outcomes = [outcome for rule, group in by_rule.items() for outcome in known[rule].fn(file, group)]
    edits: list[Edit] = []
    for finding, edit in sorted(outcomes, key=lambda o: order[id(o[0])]):
        if isinstance(edit, str):
            report.skipped.append(_not_fixed(finding, edit))
        else:
            edits.append(edit)
    return edits


def _apply(path: str, text: str, edits: list[Edit], report: FixReport) -> None:
    riders = [e.finding for e in edits if e.start < 0] + [r for e in edits for r in e.riders]
    extra = [Edit(at, at, block, e.finding) for e in edits for at, block in e.extra]
    edits = sorted((e for e in [*edits, *extra] if e.start >= 0), key=lambda e: (e.start, e.end))
    kept: list[Edit] = []
    for edit in edits:
        if kept and (edit.start < kept[-1].end or edit.start == kept[-1].start):
            report.skipped.append(f"{path}:{edit.finding.span.line}: {edit.finding.rule} not fixed: overlaps another fix")
            continue
        kept.append(edit)
    if not kept:
        return
    after = text
    for edit in reversed(kept):
        after = after[: edit.start] + edit.text + after[edit.end :]
    if not _verified(path, text, after, [e.accept for e in kept if e.accept is not None]):
        report.skipped.append(f"{path}: the patched file did not re-parse to the same data; left alone")
        return
    fixed: list[Finding] = []
    for finding in [e.finding for e in kept] + riders:
        if not any(finding is f for f in fixed):
            fixed.append(finding)
    report.files.append(FileFix(path, text, after, fixed))


def write(root: Path, report: FixReport) -> None:
    """Write every fixed file atomically (same-folder temp file + os.replace), keeping its mode."""
    for fix in report.files:
        target = root / fix.path
        if target.is_symlink():
            continue
        mode = target.stat().st_mode & 0o7777
        atomic_write(target, fix.after.encode("utf-8"), root=root, exact_mode=mode)  # never through a symlinked folder
