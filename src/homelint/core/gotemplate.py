"""What Go's text/template parser (text/template/parse lex.go) refuses in a template, of the kinds it
always refuses whatever the data and functions: an action never closed, a quoted string never
closed, and a field or identifier followed by `-` and a letter (`.db-password`), which the lexer
reads as a number and rejects ('bad number syntax'), and a bare word that starts with an upper-case
letter (`{{ DB_USER }}`: the dot forgotten), which the parser reads as a function call and no function
of Go, sprig or External Secrets is named so ('function "DB_USER" not defined'). Used for External
Secrets templates (HL409).

Also which keys of its data a template always reads (root_reads, HL410): with
`missingkey=error`, executing `.name` on a map without that key fails ('map has no entry for key').
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
    function: str = ""  # the undefined function's name (`DB_USER`), for the fix


def template_problem(text: str) -> Problem | None:
    """The first thing of those kinds in `text`, or None (a text over MAX_TEMPLATE: None)."""
    if len(text) > MAX_TEMPLATE:
        return None
    bodies, problem = _lex(text)
    return problem or _undefined_function(text, bodies)


def _undefined_function(text: str, bodies: list[tuple[int, int]]) -> Problem | None:
    """The first bare word of an action that starts with an upper-case letter: Go's parser calls
    every bare word a function and checks at parse time that it is defined (parse.go term:
    'function %q not defined'); Go's builtins and keywords, sprig's functions and External
    Secrets' own all start with a lower-case letter."""
    for start, end in bodies:
        body = _blank_strings(text, start, end)
        if body.lstrip().startswith("/*"):
            continue
        for k, word in _identifier_spans(body):
            if word[0].isupper():
                return Problem(start + k, f'function "{word}" not defined', function=word)
    return None


def _lex(text: str) -> tuple[list[tuple[int, int]], Problem | None]:
    """((start, end) of the text inside each action up to the first problem, trim markers and
    comments left out; that problem, or None): one pass over the text."""
    bodies: list[tuple[int, int]] = []
    n = len(text)
    i = 0
    while True:
        start = text.find(LEFT, i)
        if start < 0:
            return bodies, None
        body = _body_start(text, start)
        if text.startswith("/*", body):  # a comment: its text is not lexed
            close = text.find("*/", body + 2)
            if close < 0:
                return bodies, Problem(start, "unclosed comment")
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
                    why = "unterminated quoted string" if char != "'" else "unterminated character constant"
                    return bodies, Problem(k, why)
                k = end
                continue
            if (
                char == "-"
                and k > body
                and _word_char(text[k - 1])
                and k + 1 < n
                and (text[k + 1].isalpha() or text[k + 1] == "_")
            ):
                return bodies, Problem(k, "bad number syntax", _dashed_word(text, k))
            k += 1
        else:
            return bodies, Problem(start, "unclosed action")
        trimmed = text[k - 1] == "-" and k - 2 >= body and text[k - 2] in " \t\r\n"  # a right trim marker
        bodies.append((body, k - 2 if trimmed else k))
        i = k + 2


def _body_start(text: str, start: int) -> int:
    """Where the text of the action opened at `start` begins: after `{{`, and after a left trim
    marker (`{{- `) when there is one."""
    body = start + 2
    if text.startswith("-", body) and body + 1 < len(text) and text[body + 1] in " \t\r\n":
        body += 2
    return body


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


@dataclass(frozen=True, slots=True)
class Read:
    offset: int  # of the `.` in the template text
    name: str  # the key of the data the field reads


# actions that open a block, closed by {{ end }}: what is inside runs only when (and as often as) the
# condition, the range or a template call says, with `.` rebound by with and range
_OPENERS = frozenset({"if", "with", "range", "block", "define"})
# functions that do not evaluate every argument (Go 1.18+: and, or stop at the first that decides)
_SHORT_CIRCUIT = frozenset({"and", "or"})


def root_reads(text: str) -> list[Read] | None:
    """Each `.name` or `$.name` a template reads from its data whenever it runs: in the actions
    outside every block, and in the condition or range of a block that opens there (a `{{ define }}`
    only defines). An action that calls `and` or `or`, which may not evaluate every argument, is left
    out. None when the text is longer than MAX_TEMPLATE or has a template_problem: the parser fails
    first."""
    if len(text) > MAX_TEMPLATE:
        return None
    bodies, problem = _lex(text)
    if problem is not None or _undefined_function(text, bodies) is not None:
        return None
    reads: list[Read] = []
    depth = 0
    for start, end in bodies:
        body = _blank_strings(text, start, end)
        if body.lstrip().startswith("/*"):
            continue  # `{{ /* ... */ }}`: not read as fields
        words = body.split()
        first = words[0] if words else ""
        if first == "end":
            depth = max(depth - 1, 0)
            continue
        opens = first in _OPENERS
        if depth == 0 and first != "define" and not _SHORT_CIRCUIT.intersection(_identifiers(body)):
            reads.extend(Read(start + k, name) for k, name in _root_fields(body))
        if opens:
            depth += 1
    return reads


def _blank_strings(text: str, start: int, end: int) -> str:
    """The action's text with each quoted string, raw string and character constant blanked (same
    length: offsets keep)."""
    out: list[str] = []
    k = start
    while k < end:
        if text[k] in "\"`'":
            close = min(_quoted_end(text, k), end)
            out.append(" " * (close - k))
            k = close
        else:
            out.append(text[k])
            k += 1
    return "".join(out)


def _identifiers(body: str) -> set[str]:
    """The bare words of an action (function names, keywords), not fields or variables."""
    return {word for _, word in _identifier_spans(body)}


def _identifier_spans(body: str) -> list[tuple[int, str]]:
    """(offset, word) of each bare word of an action, in order (`1e5`, `.name` and `$x` are none)."""
    words: list[tuple[int, str]] = []
    k = 0
    while k < len(body):
        if _name_start(body[k]) and (k == 0 or (body[k - 1] not in ".$" and not _word_char(body[k - 1]))):
            end = k
            while end < len(body) and _word_char(body[end]):
                end += 1
            words.append((k, body[k:end]))
            k = end
        else:
            k += 1
    return words


def _root_fields(body: str) -> list[tuple[int, str]]:
    """(offset of the `.`, name) of each field read from the root data: `.name` not chained to
    what comes before it (a word, `)`, a field), or `$.name`."""
    found: list[tuple[int, str]] = []
    for k, char in enumerate(body):
        if char != "." or k + 1 >= len(body) or not _name_start(body[k + 1]):
            continue
        before = body[k - 1] if k else " "
        if before == "$":
            if k >= 2 and (_word_char(body[k - 2]) or body[k - 2] == "$"):
                continue
        elif _word_char(before) or before in ").]":
            continue
        end = k + 1
        while end < len(body) and _word_char(body[end]):
            end += 1
        found.append((k, body[k + 1 : end]))
    return found


def _name_start(char: str) -> bool:
    return char.isalpha() or char == "_"
