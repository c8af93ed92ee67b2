"""Flux post-build substitution (fluxcd/pkg envsubst): scanning, validation and evaluation."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from homelint.core.regex import linear

VALID_VAR_NAME = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9]*$")
DEFAULT_OPS = (":=", ":-", ":+", ":?", "=", "-", "+", "?")
DISABLE_KEY = "kustomize.toolkit.fluxcd.io/substitute"


@dataclass(frozen=True, slots=True)
class Expr:
    """One `${...}` occurrence in a string."""

    name: str
    op: str  # "" for plain ${v}, a default op, or "transform"
    default: str | None
    start: int  # offset of "$" in the string
    end: int  # offset after "}"
    error: str | None = None
    nested: tuple[Expr, ...] = ()

    @property
    def has_default(self) -> bool:
        return self.op in DEFAULT_OPS and self.op not in ("-", "+", "?")

    @property
    def text_len(self) -> int:
        return self.end - self.start


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def scan(text: str) -> Iterator[Expr]:
    """Yield every `${...}` expression the Flux parser would evaluate, including malformed ones."""
    i = 0
    n = len(text)
    while i < n:
        j = text.find("$", i)
        if j < 0 or j + 1 >= n:
            return
        nxt = text[j + 1]
        if nxt == "$":
            i = j + 2  # `$$` escape
            continue
        if nxt != "{":
            i = j + 1
            continue
        expr = _parse_expr(text, j)
        yield expr
        i = expr.end if expr.end > j else j + 2


_SCANNED: dict[str, tuple[Expr, ...]] = {}


def scan_cached(text: str) -> tuple[Expr, ...]:
    """`scan`, memoised: the same `${VAR}` strings recur across a repository."""
    found = _SCANNED.get(text)
    if found is None:
        if len(_SCANNED) > 50_000:  # bounded: a long-lived process (an editor, the fuzzer) sees endless texts
            _SCANNED.clear()
        found = _SCANNED[text] = tuple(scan(text))
    return found


def _find_close(text: str, start: int) -> int:
    """Offset of the `}` closing a `${` whose body starts at `start` (nested `${` counted), or -1."""
    depth = 1
    i = start
    while True:
        close = text.find("}", i)
        if close < 0:
            return -1
        opening = text.find("${", i, close)
        if opening >= 0:
            depth += 1
            i = opening + 2
            continue
        depth -= 1
        if depth == 0:
            return close
        i = close + 1


def _parse_expr(text: str, start: int) -> Expr:
    pos = start + 2
    close = _find_close(text, pos)
    if pos < len(text) and text[pos] == "{":
        end = close + 1 if close >= 0 else len(text)
        end = text.find("}}", pos) + 2 if "}}" in text[pos:] else end
        return Expr("", "", None, start, end, "GitHub-Actions style '${{ }}' is not a Flux variable: missing closing brace")
    if close < 0:
        return Expr("", "", None, start, len(text), "unterminated '${': missing closing brace")
    body = text[pos:close]
    end = close + 1
    if body.startswith("#"):
        name = body[1:]
        if name and all(_is_name_char(c) for c in name):
            return Expr(name, "transform", None, start, end)
        return Expr(name, "", None, start, end, "bad substitution")
    k = 0
    while k < len(body) and _is_name_char(body[k]):
        k += 1
    name = body[:k]
    rest = body[k:]
    if not name:
        return Expr("", "", None, start, end, "unable to parse variable name")
    if not rest:
        return Expr(name, "", None, start, end)
    for op in (":=", ":-", ":+", ":?"):
        if rest.startswith(op):
            default = rest[len(op) :]
            return Expr(name, op, default, start, end, nested=tuple(scan(default)))
    if rest[0] in "=":
        default = rest[1:]
        return Expr(name, "=", default, start, end, nested=tuple(scan(default)))
    if rest[0] == ":" and re.match(r"^:-?\d+(:\d+)?$", rest):
        return Expr(name, "transform", None, start, end)
    if rest in ("^", "^^", ",", ",,") or rest[0] in "/#%":
        return Expr(name, "transform", None, start, end)
    if rest[0] in ".-!+? " or not rest[0].isalnum():
        return Expr(name, "", None, start, end, "bad substitution" if rest[0] != "." else "missing closing brace")
    return Expr(name, "", None, start, end, "bad substitution")


def located(expr: Expr, offset: int = 0) -> Iterator[tuple[Expr, int, int]]:
    """(expression, start, end) of `expr` and of each one nested in its default, depth first, with
    offsets in the string `expr` was scanned from (`offset`: where that string starts in the
    outermost one). A nested expression's own offsets are in its default."""
    yield expr, offset + expr.start, offset + expr.end
    if expr.nested and expr.default is not None:
        inner = offset + expr.end - 1 - len(expr.default)  # the default ends before the closing `}`
        for item in expr.nested:
            yield from located(item, inner)


NEEDLE_STOP = re.compile(r"[\s'\"\\]")


def needle_at(text: str, start: int, end: int) -> tuple[str, int]:
    """(needle, n) that find the `${...}` at `text[start:end]` in the file holding `text`: `${NAME`
    (a transform's text up to its first blank, quote or backslash, which YAML may fold or escape),
    and how many times that needle occurs in `text` before `start`. The file holds the use as the
    needle's n-th occurrence (from 0) in that scalar; its first may be another use, with a default
    (`${NAME:-x}`) or of a longer name (`${NAME_B}`)."""
    body = text[start:end]
    k = 2
    while k < len(body) and (body[k].isalnum() or body[k] == "_"):
        k += 1
    if k == 2:
        stop = NEEDLE_STOP.search(body, 2)
        k = stop.start() if stop else len(body)
    needle = body[:k]
    return needle, text.count(needle, 0, start)


def placeholder_strings(data: Any) -> list[tuple[tuple[Any, ...], str, bool]]:
    """(field path, text, is_key) of every string in a document that contains `${`, keys included:
    depth first, the keys of a mapping (last first) before its values. A collection reached again
    (an alias) is walked once. A path is made only for a string found (most are not): the walk
    keeps an iterator per open collection instead of a stack entry per value."""
    found: list[tuple[tuple[Any, ...], str, bool]] = []
    if isinstance(data, str):
        return [((), data, False)] if "${" in data else found
    seen: set[int] = set()
    stack: list[tuple[tuple[Any, ...], Iterator[tuple[Any, Any]]]] = []

    def enter(at: tuple[Any, ...], value: Any) -> None:
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, dict):
            for key in reversed(value):
                if isinstance(key, str) and "${" in key:
                    found.append(((*at, key), key, True))
            stack.append((at, iter(value.items())))
        else:
            stack.append((at, enumerate(value)))

    if isinstance(data, dict | list):
        enter((), data)
    while stack:
        at, items = stack[-1]
        for key, item in items:
            if isinstance(item, str):
                if "${" in item:
                    found.append(((*at, key), item, False))
            elif isinstance(item, dict | list):
                enter((*at, key), item)
                break  # the new collection first; this one resumes after it
        else:
            stack.pop()
    return found


_INDICATOR_FIRST = frozenset("#,[]{}&*!|>'\"%@`")


def written_plain(text: str) -> bool:
    """Whether kustomize-controller writes the string `text` as a plain (unquoted) scalar in the
    YAML text it substitutes, so that the substituted value is read as YAML again (`8080` an
    integer, `false` a boolean). fluxcd/pkg kustomize SubstituteVariables runs envsubst on
    `res.AsYAML()` (sigs.k8s.io/yaml JSONToYAML: go-yaml's emitter, whatever the quoting in the
    manifest) and reads the result with YAMLToJSON. The emitter (yaml_emitter_analyze_scalar)
    quotes, in block context, a string with a leading or trailing space, a line break, a tab or
    another unprintable character, a leading indicator, `: `, ` #` or a trailing `:`; a string
    holding `${` never resolves to a non-string, so nothing else quotes it. Non-ASCII text is
    taken as quoted (never guessed)."""
    if not text or text[0] == " " or text[-1] == " " or text.startswith(("---", "...")):
        return False
    if not text.isascii() or not text.isprintable():
        return False
    first = text[0]
    if first in _INDICATOR_FIRST or (first in "?:-" and (len(text) == 1 or text[1] == " ")):
        return False
    return ": " not in text and " #" not in text and not text.endswith(":")


def substitution_disabled(data: Mapping[str, object]) -> bool:
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        return False
    for field in ("labels", "annotations"):
        values = meta.get(field)
        if isinstance(values, dict) and values.get(DISABLE_KEY) == "disabled":
            return True
    return False


def resolve(text: str, variables: Mapping[str, str], missing: str | None = None) -> str | None:
    """Evaluate `${v}`, default and transform forms (`transformed`); None when any variable cannot
    be resolved. With `missing`, a variable neither set nor defaulted becomes it (non-strict
    envsubst: "")."""
    if "${" not in text:
        return text.replace("$$", "$")
    out: list[str] = []
    last = 0
    for expr in scan_cached(text):
        out.append(text[last : expr.start])
        last = expr.end
        if expr.error:
            return None
        value = variables.get(expr.name)
        if value and value.startswith("\0"):
            return None
        if expr.op == "transform":
            done = transformed(text[expr.start + 2 : expr.end - 1], value or missing)
            if done is None:
                return None
            out.append(done)
        elif value:
            out.append(value)
        elif expr.op and expr.default is not None:
            inner = resolve(expr.default, variables, missing)
            if inner is None:
                return None
            out.append(inner)
        elif missing is not None:
            out.append(missing)
        else:
            return None
    out.append(text[last:])
    return "".join(out).replace("$$", "$")


_INTEGER = re.compile(r"[+-]?[0-9]+")
MAX_TRIMMED = 1024  # the longest value (and glob) a `#`/`%` transform is evaluated on


def transformed(body: str, value: str | None) -> str | None:
    """What fluxcd/pkg envsubst makes of the transform `${body}` (funcs.go, parse.go) when its
    variable holds `value`: `${#v}`, `${v^}` `${v^^}` `${v,}` `${v,,}`, `${v/p/r}` `${v//p/r}`
    `${v/#p/r}` `${v/%p/r}`, `${v#p}` `${v##p}` `${v%p}` `${v%%p}` (a glob) and `${v:pos[:len]}`.
    None when not certain: the value is unknown, an argument holds `$` or a backslash (nested
    expressions, escapes), a glob holds a class, or `?` where the value holds `/` (the fork's
    path.Match lets `*` match `/`: `${f##*/}` of `path/to/file` is `file`), or the value or
    pattern is not ASCII where Go counts bytes or cases runes."""
    if value is None or "$" in body or "\\" in body:
        return None
    if body.startswith("#"):
        return str(len(value.encode()))
    k = 0
    while k < len(body) and _is_name_char(body[k]):
        k += 1
    rest = body[k:]
    if not value.isascii():
        return None
    if rest in ("^", "^^", ",", ",,"):
        return _cased(value, rest)
    if rest.startswith("/"):
        return _replaced(value, rest)
    if rest[:1] in ("#", "%"):
        op = rest[:2] if rest[1:2] == rest[0] else rest[:1]
        pattern = rest[len(op) :]
        if not pattern or not pattern.isascii() or "[" in pattern or ("?" in pattern and "/" in value):
            return None
        if len(value) > MAX_TRIMMED or len(pattern) > MAX_TRIMMED:
            return None  # a match per prefix: bounded
        return _trimmed(value, op, pattern)
    if rest.startswith(":"):
        return _substring(value, rest[1:].split(":"))
    return None


def _cased(value: str, op: str) -> str:
    if op == "^^":
        return value.upper()
    if op == ",,":
        return value.lower()
    first = value[:1].upper() if op == "^" else value[:1].lower()
    return first + value[1:]


def _replaced(value: str, rest: str) -> str | None:
    """replaceFirst, replaceAll, replacePrefix, replaceSuffix: the pattern is a plain string, and
    `${v/#p/}` (nothing after the last slash) is one argument, which the prefix and suffix forms
    leave as it is."""
    op = rest[:2] if rest[1:2] in ("/", "#", "%") else rest[:1]
    pattern, slash, replacement = rest[len(op) :].partition("/")
    if not slash:
        return None  # the parser expects the second slash: a bad substitution
    if not replacement:
        if op in ("/#", "/%"):
            return value
        return value.replace(pattern, "", 1 if op == "/" else -1)
    if op == "/#":
        return replacement + value[len(pattern) :] if value.startswith(pattern) else value
    if op == "/%":
        return value[: len(value) - len(pattern)] + replacement if value.endswith(pattern) else value
    return value.replace(pattern, replacement, 1 if op == "/" else -1)


def _trimmed(value: str, op: str, pattern: str) -> str:
    """trimShortest / trimLongest of funcs.go: the shortest (`#`) or longest (`##`) non-empty
    prefix the glob matches is removed; `%` and `%%` do the same on the reversed value and pattern."""
    suffix = op[0] == "%"
    text, glob = (value[::-1], pattern[::-1]) if suffix else (value, pattern)
    regex = linear("(?s)" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob))
    lengths = range(1, len(text) + 1) if len(op) == 1 else range(len(text), 0, -1)
    for n in lengths:
        if regex.fullmatch(text, 0, n):
            text = text[n:]
            break
    return text[::-1] if suffix else text


def _substring(value: str, args: list[str]) -> str | None:
    """toSubstr: `${v:pos}` and `${v:pos:len}`; an argument strconv.Atoi refuses gives the value."""
    if len(args) > 2 or not all(args):
        return None  # an empty argument is a parse error
    if not all(_INTEGER.fullmatch(a) and len(a) <= 20 for a in args):
        return value  # not a number, or longer than any int64: Atoi fails
    pos, *rest = (int(a) for a in args)
    if not all(-(2**63) <= n < 2**63 for n in (pos, *rest)):
        return value  # out of int64's range: Atoi fails
    if pos < 0:
        pos = max(len(value) + pos, 0)
    if len(args) == 1:
        return value[pos:]
    length = rest[0]
    if length < 0:
        end = len(value) + length
        return "" if end < pos else value[pos:end]
    return value[pos : pos + length]


def substitute_tree(data: Any, variables: Mapping[str, str]) -> Any:
    """A copy of `data` with every string (keys too) substituted where all its variables are
    known; a string that needs an unknown value is kept as written (never guessed). `data` itself
    when no string in it has a `$` (most objects: repr, which writes each string as it is, says so
    without a walk in Python); the result is read, never changed."""
    if isinstance(data, dict | list) and "$" not in repr(data):
        return data
    return _substituted(data, variables)


def _substituted(data: Any, variables: Mapping[str, str]) -> Any:
    if isinstance(data, str):
        if "$" not in data:
            return data
        value = resolve(data, variables)
        return data if value is None else value
    if isinstance(data, dict):
        return {_substituted(k, variables) if isinstance(k, str) else k: _substituted(v, variables) for k, v in data.items()}
    if isinstance(data, list):
        return [_substituted(v, variables) for v in data]
    return data
