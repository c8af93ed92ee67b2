"""GitHub Actions workflow commands (`::error file=...,line=...::message`)."""

from __future__ import annotations

from typing import Any

from homelint.core.redact import escape_control
from homelint.report import host_path

LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    """GitHub's escaping of a workflow command's data, after every other control character (ESC,
    NUL, bidi overrides, ...) is made a visible escape: no input can end the command or start another."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escape_control(text)


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: Any) -> str:
    lines = []
    for f in result.findings:
        s = f.span
        props = (
            f"file={_escape_property(host_path(result.root, f.path))},line={s.line},col={s.column},endLine={s.end_line},"
            f"endColumn={s.end_column},title={_escape_property(f'{f.rule} {f.name}')}"
        )
        message = f.message + (f" (fix: {f.fix})" if f.fix else "")
        lines.append(f"::{LEVEL[f.severity]} {props}::{_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
