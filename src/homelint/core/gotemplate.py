"""What Go's text/template parser (text/template/parse lex.go) refuses in a template, of the kinds it
always refuses whatever the data and functions: an action never closed, a quoted string never
closed, and a field or identifier followed by `-` and a letter (`.db-password`), which the lexer
reads as a number and rejects ('bad number syntax'). Used for External Secrets templates (HL409).
"""

from __future__ import annotations

from dataclasses import dataclass

LEFT, RIGHT = "{{", "}}"
MAX_TEMPLATE = 1 << 20  # longer texts are not read (one pass, but bounded like the other readers)


@dataclass(frozen=True, slots=True)
class Problem:
    offset: int  # in the template text
    why: str  # as the parser would say it, then why
    word: str = ""  # the dashed name (`db-password`), for the fix


def template_problem(text: str) -> Problem | None:
    """The first thing of those kinds in `text`, or None (a text over MAX_TEMPLATE: None)."""
    if len(text) > MAX_TEMPLATE:
        return None
    n = len(text)
    i = 0
    while True:
        start = text.find(LEFT, i)
        if start < 0:
            return None
        body = start + 2
        if text.startswith("-", body) and body + 1 < n and text[body + 1] in " \t\r\n":
            body += 2  # a left trim marker
        if text.startswith("/*", body):  # a comment: its text is not lexed
            close = text.find("*/", body + 2)
            if close < 0:
                return Problem(start, "unclosed comment")
            i = close + 2
            continue
        k = body
        while k < n:
            if text.startswith(RIGHT, k):
                break
            char = text[k]
            if char in "\"`'":
                end = _quoted_end(text, k)
                if end < 0:
                    return Problem(k, "unterminated quoted string" if char != "'" else "unterminated character constant")
                k = end
                continue
            if (
                char == "-"
                and k > body
                and _word_char(text[k - 1])
                and k + 1 < n
                and (text[k + 1].isalpha() or text[k + 1] == "_")
            ):
                return Problem(k, "bad number syntax", _dashed_word(text, k))
            k += 1
        else:
            return Problem(start, "unclosed action")
        i = k + 2


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _quoted_end(text: str, start: int) -> int:
    """The offset after the string, raw string or character constant starting at `start`, or -1 when
    it is not closed (an interpreted string or a character constant ends at a newline)."""
    quote = text[start]
    k = start + 1
    while k < len(text):
        char = text[k]
        if quote != "`" and char == "\\":
            k += 2
            continue
        if char == quote:
            return k + 1
        if quote != "`" and char == "\n":
            return -1
        k += 1
    return -1


def _dashed_word(text: str, dash: int) -> str:
    """The name around the `-` at `dash` (`.db-password` -> `db-password`), without its leading dot."""
    left = dash
    while left > 0 and (_word_char(text[left - 1]) or text[left - 1] == "-"):
        left -= 1
    right = dash
    while right < len(text) and (_word_char(text[right]) or text[right] == "-"):
        right += 1
    return text[left:right]
