"""Human-readable output in the style of ruff: location, rule, message, code frame, fix hint."""

from __future__ import annotations

from collections import Counter
from typing import Any

from homelint.core.model import Finding
from homelint.core.redact import escape_control, hidden_lines, mask
from homelint.report import display_path

COLORS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}
BOLD, DIM, RESET, CYAN = "\033[1m", "\033[2m", "\033[0m", "\033[36m"


def render_text(
    result: Any, *, color: bool, quiet: bool, statistics: bool, read_text: Any, chains: dict[int, Any] | None = None
) -> str:
    out: list[str] = []
    c = (lambda code, text: f"{code}{text}{RESET}") if color else (lambda code, text: text)
    lines_cache: dict[str, tuple[list[str], set[int] | None] | None] = {}
    # rules about secrets never show source lines (the line may hold the secret value), nor rules
    # whose finding is about a value itself (`code-frame: false` in their YAML)
    no_frame = {r.id for r in result.rules.values() if "security" in r.tags or not r.code_frame}
    for finding in result.findings:
        s = finding.span
        head = f"{c(BOLD, shown_path(display_path(result.root, finding.path)))}:{s.line}:{s.column}: {c(COLORS[finding.severity], finding.rule)} [{finding.severity}] {escape_control(finding.message)}"
        if quiet:
            out.append(head)
            continue
        out.append(head)
        frame = [] if finding.rule in no_frame else _frame(finding, lines_cache, read_text)
        if frame:
            out.extend(c(DIM, line) if i != 1 else line for i, line in enumerate(frame))
        if finding.detail:
            out.extend(f"    {escape_control(line)}" for line in finding.detail.rstrip("\n").split("\n"))
        if finding.fix:
            out.append(f"  {c(CYAN, 'fix:')} {escape_control(finding.fix)}")
        for chain in (chains or {}).get(id(finding), []):  # --show-chain: how Flux applies the object
            for step, (path, line, text) in enumerate(chain):
                lead = "  chain:" if step == 0 else "       " + "  " * step + "->"
                out.append(f"{lead} {escape_control(text)} ({shown_path(path)}:{line})")
        out.append("")
    for note in getattr(result, "notes", []):
        out.append(f"note: {escape_control(note)}")
    if statistics:
        out.extend(render_statistics(result))
    out.append(summary(result))
    return "\n".join(out) + "\n"


def shown_path(path: str) -> str:
    """A path as the text format prints it: control characters escaped, and never at the start of a
    line as `::` (a GitHub Actions log would run it as a workflow command)."""
    path = escape_control(path)
    return f"./{path}" if path.startswith(":") else path


FRAME_WIDTH = 100  # characters of a source line shown; longer lines show a window around the column


def _window(line: str, start: int) -> str:
    if start >= len(line):  # a short context line next to a long one: shown as it is
        start = 0
    if len(line) <= FRAME_WIDTH and start == 0:
        return line
    text = line[start : start + FRAME_WIDTH]
    return ("…" if start > 0 else "") + text + ("…" if start + FRAME_WIDTH < len(line) else "")


def _frame(finding: Finding, cache: dict[str, tuple[list[str], set[int] | None] | None], read_text: Any) -> list[str]:
    """Two source lines and a caret line. A line that may hold a secret value (redact.hidden_lines)
    shows its key only; a SOPS file shows no frame."""
    if finding.path not in cache:
        text = read_text(finding.path)
        if text is None:
            cache[finding.path] = None
        else:
            lines = text.split("\n")
            cache[finding.path] = (lines, hidden_lines(finding.path, lines))
    entry = cache[finding.path]
    if entry is None or entry[1] is None:
        return []
    lines, hidden = entry[0], entry[1]
    if not lines or finding.span.line > len(lines):
        return []

    number = finding.span.line
    width = len(str(number + 1))
    line = lines[number - 1]
    column = finding.span.column - 1
    # a long line: the window puts the column a third of the way in, the caret under it
    start = 0 if len(line) <= FRAME_WIDTH else max(0, min(column - FRAME_WIDTH // 3, len(line) - FRAME_WIDTH))

    def shown(index: int) -> str:
        return escape_control(_window(mask(lines[index]) if index in hidden else lines[index], start))

    frame = []
    if number >= 2:
        frame.append(f"  {number - 1:>{width}} | {shown(number - 2)}")
    else:
        frame.append("")
    frame.append(f"  {number:>{width}} | {shown(number - 1)}")
    length = max(1, min(finding.span.end_column - finding.span.column, 80) if finding.span.end_line == number else 1)
    length = min(length, max(1, FRAME_WIDTH - (column - start)))
    offset = column - start + (1 if start > 0 else 0)
    frame.append(f"  {' ' * width} | {' ' * offset}{'^' * length}")
    return [f for f in frame if f]


def render_statistics(result: Any) -> list[str]:
    counts = Counter((f.rule, f.name, f.severity) for f in result.findings)
    lines = [f"{count:>5}  {rule}  {name} [{severity}]" for (rule, name, severity), count in sorted(counts.items())]
    if result.suppressed:
        lines.append(f"{len(result.suppressed):>5}  suppressed in source")
    if getattr(result, "stale_baseline", 0):
        lines.append(f"{result.stale_baseline:>5}  stale baseline entries (fixed since the baseline was written)")
    if result.stats.get("versions"):
        from homelint.model.versions import describe_rows  # start-up: a warm run does not need it

        lines.extend(f"versions: {row}" for row in describe_rows(result.stats["versions"]))
    return lines


def summary(result: Any) -> str:
    counts = Counter(f.severity for f in result.findings)
    noun = "rendered files" if result.stats.get("rendered") else "YAML files"
    if not result.findings:
        return f"All checks passed ({result.stats.get('files', 0)} {noun})."
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s]]
    extra = f", {len(result.suppressed)} suppressed" if result.suppressed else ""
    total = len(result.findings)
    return (
        f"Found {total} finding{'s' if total != 1 else ''} ({', '.join(parts)}{extra}) in {result.stats.get('files', 0)} {noun}."
    )
