"""`homelint check --fix` / `--diff` / `--unsafe-fixes`: fixes as minimal text patches.

Each fix edits a few characters of a file's text (comments, quoting, indentation, key order and
document separators stay as they are), and the patched file is re-parsed: its data must differ from
the original only in the fixed nodes, each exactly as its fix says (HL604: the value becomes the
string it was written as; HL005: nothing changes; an apiVersion: only that value; HL102: one entry
inserted in `resources:`; HL105/HL107: one `namespace` key added), else the file is left alone.
Writes are atomic (a temporary file in the same folder, then os.replace), and a symlink is never
written through.

Fixable rules carry `fixable: true` in their rules/*.yaml, and `fix-safety: unsafe` when the fix
changes what Flux applies beyond the finding itself (only `--unsafe-fixes` applies those).
"""

from __future__ import annotations

import difflib
import itertools
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homelint.core.model import Finding, sops_encrypted
from homelint.loading.positions import _mapping_item
from homelint.loading.safeio import atomic_write, read_regular
from homelint.loading.yamlload import _SUPPRESS, parse_bytes
from homelint.model.kindschemas import SCHEMAS, checker, readable

FIXABLE = ("HL005", "HL102", "HL105", "HL107", "HL602", "HL603", "HL604", "HL606")
UNSAFE = ("HL102", "HL105", "HL107")  # mirrors `fix-safety: unsafe` in rules/ (tests/test_fix.py checks)

# HL601 reports the same unquoted values on the kinds it has schemas for (HL604 leaves those to it)
_HL601_STRING_MAP = re.compile(
    r"\b(?:labels|annotations|matchLabels|selector|substitute)\.\S+ must be a string(?: or null)?, "
    r"not a (?:boolean|integer|number|float)\b"
)
# the apiVersion to use, as HL602 / HL603 / HL606 name it (HL606 only when both releases serve it)
_API_TARGET = {
    "HL602": re.compile(r"; use (\S+?)(?: \(.*\))?$"),
    "HL603": re.compile(r"; use (\S+) \(served since "),
    "HL606": re.compile(r"; change it to (\S+) before upgrading \(both "),
}
_ADD_NAMESPACE = re.compile(r"but (?:\w+ '[^']*' is|the \w+ is) in '([a-z0-9]([-a-z0-9]*[a-z0-9])?)': add namespace: \1\b")
_UNWIRED = re.compile(r"^(\S+) \(.*\) is not listed in (\S+), so Flux never applies it$")


def fixable(finding: Finding) -> bool:
    """A finding of the kind its rule can fix (the rule's other findings have no mechanical fix:
    a dead twin file, a reference whose target is in several namespaces, a removed apiVersion with
    no replacement served)."""
    if finding.rule == "HL601":
        return bool(_HL601_STRING_MAP.search(finding.message))
    if finding.rule == "HL102":
        return finding.severity == "error" and bool(_UNWIRED.match(finding.message))
    if finding.rule in ("HL105", "HL107"):
        return bool(_ADD_NAMESPACE.search(finding.message))
    if finding.rule in _API_TARGET:
        return bool(_API_TARGET[finding.rule].search(finding.message))
    return finding.rule in FIXABLE


def safe(finding: Finding) -> bool:
    return finding.rule not in UNSAFE


# a plain YAML 1.1/1.2 boolean or number, as the loader reads it (quoted, it is that same text as a string)
_PLAIN_SCALAR = re.compile(r"[A-Za-z0-9_.+\-:]+")

Accept = Callable[[tuple[Any, ...], Any, Any], bool]


@dataclass
class Edit:
    start: int  # character offsets into the text of `path`
    end: int
    text: str
    finding: Finding
    # the one data change this edit makes: (where, was, now) -> is it that change; None: no data change
    accept: Accept | None = None
    path: str = ""  # the file edited (default: the finding's file)
    extra: list[tuple[int, str]] = field(default_factory=list)  # more insertions of the same change
    riders: list[Finding] = field(default_factory=list)  # findings this edit fixes too


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

    def accept(_where: tuple[Any, ...], was: Any, now: Any) -> bool:
        return not isinstance(was, str) and now == value

    return Edit(start, end, f'"{value}"', finding, accept)


def _hl005(text: str, offsets: list[int], finding: Finding, count: int) -> Edit | str:
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


def _doc_at(docs: list[Any], nodes: list[Any], line: int) -> int | None:
    """The index of the document whose node spans `line` (1-based)."""
    for index, node in enumerate(nodes):
        if node is not None and node.start_mark.line + 1 <= line <= node.end_mark.line + 1 and isinstance(docs[index], dict):
            return index
    return None


def _api_version(text: str, offsets: list[int], finding: Finding, parsed: Any, nodes: list[Any]) -> Edit | str:
    """HL602/HL603/HL606: the apiVersion becomes the one the finding names, when the object, so
    written, satisfies that version's schema (a removed field, such as a Kustomization's
    patchesStrategicMerge, needs a move no text patch makes exactly: not offered)."""
    pattern = _API_TARGET[finding.rule]
    match = pattern.search(finding.message)
    if match is None:
        return "no replacement apiVersion that the installed release (and the target) serve"
    new = match.group(1)
    span = finding.span
    index = _doc_at(parsed.docs, nodes, span.line)
    if index is None or span.line != span.end_line or span.line > len(offsets):
        return "the apiVersion is not on one line of a document"
    doc = parsed.docs[index]
    old, kind = doc.get("apiVersion"), doc.get("kind")
    start, end = _offset(offsets, span.line, span.column), _offset(offsets, span.end_line, span.end_column)
    written = text[start:end]
    if not isinstance(old, str) or written.strip("'\"") != old or not isinstance(kind, str):
        return "the apiVersion is not a plain value here"
    schema = SCHEMAS.get((new, kind))
    if schema is None:
        return f"homelint has no schema of {kind} {new} to prove the fields carry over"
    moved = _removed_fields(kind, doc)
    errors = [] if moved else sorted(checker(schema).iter_errors({**doc, "apiVersion": new}), key=lambda e: e.json_path)
    if moved or errors:
        what = moved or ".".join(map(str, readable(errors[0])[0])) or "the object"  # field names only, never values
        return f"{kind} {new} does not take {what} as written; move it by hand"
    quote = written[0] if written[:1] in ("'", '"') else ""

    def accept(where: tuple[Any, ...], was: Any, now: Any) -> bool:
        return where == (index, "apiVersion") and was == old and now == new

    return Edit(start, end, f"{quote}{new}{quote}", finding, accept)


def _removed_fields(kind: str, doc: dict[str, Any]) -> str:
    """Fields the object uses that the new version dropped but its schema here does not see:
    HelmRelease v2 removed postRenderers[].kustomize.patchesStrategicMerge/patchesJson6902
    (fluxcd/helm-controller, v2 API), which the schema leaves open."""
    spec = doc.get("spec")
    if kind != "HelmRelease" or not isinstance(spec, dict) or not isinstance(spec.get("postRenderers"), list):
        return ""
    for index, renderer in enumerate(spec["postRenderers"]):
        kustomize = renderer.get("kustomize") if isinstance(renderer, dict) else None
        for name in ("patchesStrategicMerge", "patchesJson6902"):
            if isinstance(kustomize, dict) and name in kustomize:
                return f"spec.postRenderers[{index}].kustomize.{name}"
    return ""


_DASH_ITEM = re.compile(r"[ \t]*-[ \t]+")
_NAME_KEY = re.compile(r"([ \t]*(?:-[ \t]+)?)name[ \t]*:[ \t]+")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _namespace(text: str, offsets: list[int], finding: Finding) -> Edit | str:
    """HL105/HL107: `namespace: NS` added after the reference's `name:` line, at its indentation,
    when the finding names exactly one namespace where the target exists."""
    match = _ADD_NAMESPACE.search(finding.message)
    if match is None:
        return "not exactly one namespace holds the target"
    namespace = match.group(1)
    span = finding.span
    if span.line != span.end_line or span.line > len(offsets):
        return "the name is not on one line"
    content = _line_text(text, offsets, span.line)
    key = _NAME_KEY.fullmatch(content[: span.column - 1])
    if key is None:
        return "the reference is not a block mapping with `name:` on its own line"
    rest = content[span.end_column - 1 :]
    if rest.strip() and not rest.lstrip().startswith("#"):
        return "more follows the name on its line"
    indent = " " * len(key.group(1))
    written = namespace if _DNS_LABEL.fullmatch(namespace) and namespace not in _YAML11_WORDS else f'"{namespace}"'
    newline = "\r\n" if content != text[offsets[span.line - 1] :].split("\n", 1)[0] else "\n"
    at = offsets[span.line - 1] + len(content)

    def accept(_where: tuple[Any, ...], was: Any, now: Any) -> bool:
        return (
            isinstance(was, dict)
            and isinstance(now, dict)
            and "namespace" not in was
            and [k for k in now if k != "namespace"] == list(was)
            and now.get("namespace") == namespace
            and all(now[k] == v for k, v in was.items())
        )

    return Edit(at, at, f"{newline}{indent}namespace: {written}", finding, accept)


def _wire(root: Path, kfile: str, findings: list[Finding]) -> Edit | str:
    """HL102: `- ./FILE` inserted in the folder's kustomization.yaml `resources:` for each unwired
    manifest, when that lists files one by one as a block sequence: at its sorted place if the list
    is sorted, else at the end, written as its neighbour is (dash, indentation, `./` prefix, quoting).
    One edit per kustomization; the findings after the first ride on it (Edit.start < 0)."""
    text = _read(root, kfile)
    if text is None:
        return f"{kfile} is not a readable regular file"
    nodes: list[Any] = []
    parsed = parse_bytes(kfile, text.encode("utf-8"), nodes)
    if parsed.problems or len(parsed.docs) != 1 or not isinstance(parsed.docs[0], dict) or not nodes:
        return f"{kfile} is not one clean YAML document"
    resources = parsed.docs[0].get("resources")
    node = _mapping_item(nodes[0], "resources")[0] if nodes[0] is not None and nodes[0].id == "mapping" else None
    if not isinstance(resources, list) or not resources or node is None or node.id != "sequence" or node.flow_style:
        return f"{kfile} has no block `resources:` list to add to"
    if len(node.value) != len(resources) or not all(isinstance(r, str) for r in resources):
        return f"{kfile} resources are not all plain entries"
    folder = posixpath.dirname(kfile)
    files = [r for r in resources if _is_local_file(root, folder, r)]
    if not files:
        return f"{kfile} does not list files one by one"
    offsets = _line_offsets(text)
    lines: list[tuple[int, str, str]] = []  # (0-based line, text before the value, the value as written)
    for item in node.value:
        start, end = item.start_mark, item.end_mark
        prefix = text[offsets[start.line] : offsets[start.line] + start.column]
        if start.line != end.line or not _DASH_ITEM.fullmatch(prefix) or (lines and lines[-1][0] == start.line):
            return f"{kfile} resources entries are not one per line"
        lines.append((start.line, prefix, text[start.index : end.index]))
    dotted = sum(f.startswith("./") for f in files) * 2 >= len(files)
    listed = {posixpath.normpath(r) for r in resources}
    entries = sorted({f"./{posixpath.basename(f.path)}" if dotted else posixpath.basename(f.path) for f in findings})
    if any(posixpath.normpath(e) in listed for e in entries):
        return f"{kfile} already lists one of them"
    comparable = [r.lower() for r in resources]
    # sorted, or nearly (one entry out of place per ten): a new entry goes before the first greater one
    inversions = sum(a > b for a, b in itertools.pairwise(comparable))
    ordered = inversions <= len(comparable) // 10
    at_position: dict[int, list[str]] = {}
    for entry in entries:
        position = len(resources)
        if ordered:
            position = next((i for i, r in enumerate(comparable) if r > entry.lower()), len(resources))
        at_position.setdefault(position, []).append(entry)
    expected = []
    for index, value in enumerate([*resources, None]):
        expected.extend(at_position.get(index, []))
        if value is not None:
            expected.append(value)
    newline = "\r\n" if "\r\n" in text else "\n"
    pieces: list[tuple[int, str]] = []
    for position, new in sorted(at_position.items()):
        _, prefix, written = lines[min(position, len(lines) - 1)]
        quote = written[0] if written[:1] in ("'", '"') else ""
        block = "".join(f"{prefix}{quote}{e}{quote}{newline}" for e in new)
        if position < len(lines):
            pieces.append((offsets[lines[position][0]], block))
        else:
            last = lines[-1][0]
            at = offsets[last + 1] if last + 1 < len(offsets) else len(text)
            pieces.append((at, (newline if at == len(text) and not text.endswith("\n") else "") + block))

    def accept(where: tuple[Any, ...], was: Any, now: Any) -> bool:
        return where == (0, "resources") and was == resources and now == expected

    # several insertion points, one data change: the first edit carries the check, the others none
    first, *others = sorted(findings, key=lambda f: f.path)
    out = Edit(pieces[0][0], pieces[0][0], pieces[0][1], first, accept, path=kfile)
    out.extra = [(at, block) for at, block in pieces[1:]]
    out.riders = others
    return out


def _is_local_file(root: Path, folder: str, entry: str) -> bool:
    if "://" in entry or entry.startswith(("/", "github.com/")) or ".." in entry.split("/"):
        return False
    target = posixpath.normpath(posixpath.join(folder, entry))
    return posixpath.dirname(target) == folder and (root / target).is_file()


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
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if fixable(finding) and finding.suppressed is None:
            if not unsafe and not safe(finding):
                report.unsafe += 1
                continue
            by_path.setdefault(finding.path, []).append(finding)
    edits: dict[str, list[Edit]] = {}
    texts: dict[str, str] = {}
    wiring: dict[str, list[Finding]] = {}  # kustomization.yaml -> the unwired manifests of its folder
    for path, items in sorted(by_path.items()):
        for f in items:
            if f.rule == "HL102":
                match = _UNWIRED.match(f.message)
                kfile = match.group(2) if match and f.severity == "error" else ""
                if posixpath.dirname(kfile) != posixpath.dirname(path) or not kfile:
                    report.skipped.append(f"{path}:{f.span.line}: HL102 not fixed: only a manifest nothing lists is wired")
                    continue
                wiring.setdefault(kfile, []).append(f)
        items = [f for f in items if f.rule != "HL102"]
        text = _editable(root, path, report) if items else None
        if text is None:
            continue
        texts[path] = text
        edits.setdefault(path, []).extend(_edits_of(path, text, items, report))
    for kfile, unwired in sorted(wiring.items()):  # an edit of the folder's kustomization.yaml
        text = texts.get(kfile) or _editable(root, kfile, report)
        wired = _wire(root, kfile, unwired) if text is not None else "not editable"
        if isinstance(wired, str):
            report.skipped.extend(f"{f.path}:{f.span.line}: HL102 not fixed: {wired}" for f in unwired)
            continue
        texts[kfile] = text or ""
        edits.setdefault(kfile, []).append(wired)
    for path in sorted(edits):
        _apply(path, texts[path], edits[path], report)
    return report


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


def _edits_of(path: str, text: str, items: list[Finding], report: FixReport) -> list[Edit]:
    offsets = _line_offsets(text)
    per_comment: dict[tuple[int, int], int] = {}
    for f in items:
        if f.rule == "HL005" and f.message.startswith("unused suppression"):
            per_comment[(f.span.line, f.span.column)] = per_comment.get((f.span.line, f.span.column), 0) + 1
    nodes: list[Any] = []
    parsed = None
    edits: list[Edit] = []
    done_comments: set[tuple[int, int]] = set()
    for f in items:
        edit: Edit | str
        if f.rule in ("HL604", "HL601"):
            edit = _hl604(text, offsets, f)
        elif f.rule in _API_TARGET:
            if parsed is None:
                parsed = parse_bytes(path, text.encode("utf-8"), nodes)
            edit = _api_version(text, offsets, f, parsed, nodes)
        elif f.rule in ("HL105", "HL107"):
            edit = _namespace(text, offsets, f)
        else:
            place = (f.span.line, f.span.column)
            if place in done_comments:
                edits.append(Edit(-1, -1, "", f))  # the same comment, removed once: fixed with it
                continue
            edit = _hl005(text, offsets, f, per_comment.get(place, 0))
            if isinstance(edit, Edit):
                done_comments.add(place)
        if isinstance(edit, str):
            report.skipped.append(f"{path}:{f.span.line}: {f.rule} not fixed: {edit}")
            continue
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
