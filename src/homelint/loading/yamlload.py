"""Parse YAML files with ruamel's libyaml-backed composer into plain Python data.

Positions are not kept in the data: :mod:`homelint.loading.positions` re-composes a file on demand
when a finding needs one. Parse results are plain, marshal-able values so they can be cached.
"""

from __future__ import annotations

import bisect
import contextlib
import re
import sys
import warnings
from dataclasses import dataclass, field
from functools import cache
from typing import Any

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_EXPANDED_NODES = 500_000  # nodes a document expands to through aliases (a scalar counts 1 per 64 bytes)
MAX_DEPTH = 400
MAX_PROBLEMS = 200  # per file: past that, one problem says how many more there were
MAX_DOCUMENTS = 10_000  # per file (real files have at most a few dozen): the rest is not parsed, one HL001 says so
# The C composer recurses once per nesting level and crashes (SIGSEGV) at ~25,000 levels. Nesting
# is bounded before it sees a file: block nesting by the longest run of indentation and `- ? :`
# indicators that starts a line (each level needs one), flow nesting by the count of `[` and `{`.
# A file past either bound has its exact depth measured on the parser's events (no recursion).
C_SAFE_DEPTH = 2000
# A line starting with C_SAFE_DEPTH // 4 of those (or byte order marks, which libyaml skips): the
# first line, and each after a line break as libyaml knows them (\n, \r, NEL, LS, PS: a file of
# `\r` breaks crashed the composer past a `\n`-only scan). A break first: the regex engine scans
# for a literal fast, where `^` with re.M is tried at every position (4x slower); the other breaks
# are rare, so only a text that has one is scanned for them too.
_RUN = rf"[ \t?:\-\ufeff]{{{C_SAFE_DEPTH // 4}}}"
_BLOCK_FIRST = re.compile(_RUN)
_BLOCK_LINE = re.compile(rf"\n{_RUN}")
_BLOCK_ODD_LINE = re.compile(rf"[\r\x85\u2028\u2029]{_RUN}")
_ODD = ("\r", "\x85", "\u2028", "\u2029")
_RUN_BYTES = rf"[ \t?:\-\xef\xbb\xbf]{{{C_SAFE_DEPTH // 4}}}".encode("latin-1")  # a BOM's bytes: a superset
_BLOCK_FIRST_BYTES = re.compile(_RUN_BYTES)
_BLOCK_LINE_BYTES = re.compile(rb"\n" + _RUN_BYTES)
# the last byte of each break: a superset of the line starts (those bytes end other characters too)
_BLOCK_ODD_LINE_BYTES = re.compile(rb"[\r\x85\xa8\xa9]" + _RUN_BYTES)
_ODD_BYTES = (b"\r", b"\x85", b"\xa8", b"\xa9")  # single bytes: found fast
RISKY_BYTES = 1 << 20  # files this big are parsed in a throwaway process (see risky); real ones are < 500 KB

# where an alias node can start (a plain scalar cannot start with `*`): any alias, of a scalar too,
# makes the converted document's expanded size worth bounding
_ALIAS = re.compile(r"(?:^|[\s\[{,:])\*[^\s,\[\]{}]", re.M)
_MODELINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=(\S+)")
_SEPARATOR = re.compile(r"^---(?:[ \t]|$)")
# `# homelint: ignore[HL301, unclaimed-volume] -- reason`; without [...] all rules (as noqa does for
# flake8). Matched only where "homelint:" is (see _suppression), so the scan is linear.
_SUPPRESS_AT = re.compile(r"homelint:\s*+(ignore-file|ignore)")
# the whole comment, for `check --fix` to edit one whose column a finding gives (matched there only)
_SUPPRESS = re.compile(r"#\s*homelint:\s*(ignore|ignore-file)(?:\[([^\]\n]{0,500})\]|(?![\w\[-]))(?:\s*--\s*([^#\n]{0,500}))?")
_DIRECTIVE = re.compile(r"(?:^|(?<=\s))#\s*homelint:")
_ID = re.compile(r"[A-Za-z]+[0-9]*")
MALFORMED = -1  # Suppression.target of a `# homelint:` comment that is not a suppression
_TEMPLATE_MARKERS = (("#{", "}#"), ("#%", "%#"), ("{{", "}}"), ("{%", "%}"))
_INT_TAG = "tag:yaml.org,2002:int"
# ruamel's shared Tag object of plain strings (set when the loader class is made): the converter's fast path
_PLAIN_STR: list[Any] = [object()]
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# Mapping keys and string values up to this length are interned (sys.intern): a repository repeats
# a few thousand of them (apiVersion, kind, namespaces, `true`) in ten times as many places, and
# marshal keeps an interned string shared through the fork's pipe and the parse cache, so the
# parsed documents hold each once (a third of their strings' memory).
SHARED_STRING = 64


@dataclass(slots=True)
class Problem:
    """A loader-level finding: syntax error, duplicate key, refused input."""

    rule: str
    message: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0


@dataclass(slots=True)
class Suppression:
    line: int  # line the comment is on
    target: int  # line it applies to (0 = whole file, MALFORMED = not understood: reason holds the text)
    rules: tuple[str, ...]  # rule IDs, prefixes or names as written; () = every rule
    reason: str
    column: int


@dataclass(slots=True)
class ParsedFile:
    path: str
    docs: list[Any] = field(default_factory=list)
    doc_lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    templated: list[tuple[int, int, str]] = field(default_factory=list)
    text_ok: bool = True
    # `# yaml-language-server: $schema=<url>` comments: (document index, line, column of the URL, URL)
    schema_refs: list[tuple[int, int, int, str]] = field(default_factory=list)


_NOT_REPORTED = Problem("HL002", "", 1, 1)  # a duplicate key past MAX_PROBLEMS: counted, not kept


TOO_BIG = "MiB limit; not parsed"  # how the problem of a file over MAX_FILE_BYTES ends


def too_big(size: int) -> str:
    """The problem of a file of `size` bytes, over MAX_FILE_BYTES."""
    return f"file is {size // 1048576} MiB, over the {MAX_FILE_BYTES // 1048576} {TOO_BIG}"


class Refused(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def decode(raw: bytes) -> tuple[str | None, Problem | None]:
    """Decode file bytes as UTF-8 text, or explain why it is not text."""
    if b"\0" in raw[:8192]:
        return None, Problem("HL001", "binary file (contains NUL bytes); not a YAML document", 1, 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, Problem("HL001", f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); YAML must be UTF-8", line, col)
    return text, None


def parse_bytes(path: str, raw: bytes, nodes: list[Any] | None = None) -> ParsedFile:
    """Parse a file; with `nodes`, also hand back the composed node of each document."""
    result = ParsedFile(path)
    if len(raw) > MAX_FILE_BYTES:
        result.text_ok = False
        result.problems.append(Problem("HL001", too_big(len(raw)), 1, 1))
        return result
    text, problem = decode(raw)
    if text is None:
        result.text_ok = False
        assert problem is not None
        result.problems.append(problem)
        return result
    parse_text(result, text, nodes)
    return result


def _scan_comments(result: ParsedFile, text: str) -> None:
    modelines = "yaml-language-server" in text
    if "homelint:" not in text and "{" not in text and "#%" not in text and not modelines:
        return
    lines = text.split("\n")
    next_content: list[int] = []
    for number, line in enumerate(lines, 1):
        if modelines and "yaml-language-server" in line:
            modeline = _MODELINE.search(line)
            if modeline and line[: modeline.start()].strip() == "":
                # interned: one string per URL in a run, however many files name it (a forked
                # parse's marshal keeps it interned)
                result.schema_refs.append((-1, number, modeline.start(1) + 1, sys.intern(modeline.group(1))))
        if "homelint:" in line:
            found = _suppression(line)
            if found:
                start, kind, listed, reason = found
                rules = tuple(_rule_ref(r) for r in (listed or "").split(",") if r.strip())
                own_line = line[:start].strip() == ""
                if kind == "ignore-file":
                    target = 0
                elif own_line:
                    if not next_content:
                        next_content = _next_content_lines(lines)
                    target = next_content[number - 1]
                else:
                    target = number
                result.suppressions.append(Suppression(number, target, rules, reason.strip(), start + 1))
            else:
                directive = _DIRECTIVE.search(line)
                if directive:
                    shown = line[directive.start() :].strip()[:80]
                    result.suppressions.append(Suppression(number, MALFORMED, (), shown, directive.start() + 1))
        if "{" in line or "#%" in line:
            stripped = line.lstrip()
            if stripped.startswith("#") and not stripped.startswith(("#{", "#%")):
                continue
            for start, marker in _template_markers(line):
                result.templated.append((number, start + 1, sys.intern(marker[:60])))  # as the URLs above


def _template_markers(line: str) -> list[tuple[int, str]]:
    """(offset, text) of each `#{ }#`, `#% %#`, `{{ }}`, `{% %}` in the line, leftmost first, in
    linear time: an opener with no closer after it ends the search for that kind (a regex with
    `.*?` would rescan the rest of the line from every opener)."""
    found: list[tuple[int, str]] = []
    if "{{" not in line and "#{" not in line and "{%" not in line and "#%" not in line:
        return found  # a flow mapping, the common case
    position = 0
    live = list(_TEMPLATE_MARKERS)
    nexts = {opener: line.find(opener) for opener, _ in live}
    while live:
        for opener, _ in live:
            if 0 <= nexts[opener] < position:
                nexts[opener] = line.find(opener, position)
        live = [(o, c) for o, c in live if nexts[o] >= 0]
        if not live:
            break
        opener, closer = min(live, key=lambda pair: nexts[pair[0]])
        start = nexts[opener]
        end = line.find(closer, start + len(opener))
        if end < 0:
            live.remove((opener, closer))
            continue
        found.append((start, line[start : end + len(closer)]))
        position = end + len(closer)
    return found


def _suppression(line: str) -> tuple[int, str, str | None, str] | None:
    """(offset of the `#`, "ignore" or "ignore-file", the rule list or None for all rules, the
    reason) of the first `# homelint: ignore[...] -- reason` in the line (the `#` at the line start
    or after a space). Linear in the line: each "homelint:" is looked at once, and once no `]`
    follows a `[`, none follows a later one either."""
    index = line.find("homelint:")
    no_close = False
    while index >= 0:
        hash_at = index - 1
        while hash_at >= 0 and line[hash_at] in " \t\r\f\v":
            hash_at -= 1
        is_comment = hash_at >= 0 and line[hash_at] == "#" and (hash_at == 0 or line[hash_at - 1].isspace())
        match = _SUPPRESS_AT.match(line, index) if is_comment else None
        if match:
            after = match.end()
            following = line[after : after + 1]
            listed: str | None = None
            rest_at = after
            if following == "[":
                close = -1 if no_close else line.find("]", after + 1)
                if close < 0:
                    no_close = True
                    index = line.find("homelint:", index + 9)
                    continue
                listed, rest_at = line[after + 1 : close], close + 1
            elif following and (following.isalnum() or following in "_-"):
                index = line.find("homelint:", index + 9)
                continue  # `# homelint: ignored`: not a suppression
            rest = line[rest_at:].lstrip()
            reason = rest[2:].split("#", 1)[0] if rest.startswith("--") else ""
            return hash_at, match.group(1), listed, reason
        index = line.find("homelint:", index + 9)
    return None


def _assign_documents(result: ParsedFile, lines: list[str]) -> None:
    """Give each `$schema` comment the document it belongs to: the one whose part of the file (from
    its `---`) holds the comment; a comment before the first `---` belongs to the first document."""
    separators = [number for number, line in enumerate(lines, 1) if _SEPARATOR.match(line)]
    starts: list[int] = []  # first line of each document's part of the file
    for line in result.doc_lines:
        before = bisect.bisect_right(separators, line)
        starts.append(separators[before - 1] if before else 1)
    assigned = []
    for _, number, column, url in result.schema_refs:
        doc = max((i for i, start in enumerate(starts) if start <= number), default=0)
        assigned.append((doc, number, column, url))
    result.schema_refs = assigned


def _rule_ref(text: str) -> str:
    """A rule as a suppression names it: IDs and prefixes upper-cased (hl301 = HL301), names as written."""
    text = text.strip()
    return text.upper() if _ID.fullmatch(text) else text


def _drop_suppressions_in_scalars(result: ParsedFile, nodes: list[Any]) -> None:
    """A `# homelint:` inside a block scalar or a quoted string is text, not a comment."""
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    seen: set[int] = set()
    stack = [n for n in nodes if n is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.id == "scalar":
            if node.style in ("|", ">", '"', "'"):
                start, end = node.start_mark, node.end_mark
                spans.append(((start.line, start.column), (end.line, end.column)))
        elif node.id == "mapping":
            stack.extend(item for pair in node.value for item in pair)
        else:
            stack.extend(node.value)
    if not spans:
        return
    spans.sort()  # scalars do not overlap: only the last one starting before a comment can hold it
    starts = [a for a, _ in spans]

    def inside(position: tuple[int, int]) -> bool:
        at = bisect.bisect_right(starts, position) - 1
        return at >= 0 and spans[at][0] <= position < spans[at][1]

    result.suppressions = [s for s in result.suppressions if not inside((s.line - 1, s.column - 1))]


def _next_content_lines(lines: list[str]) -> list[int]:
    """For each line (by index), the number of the next line after it that is not blank or a
    comment (the line a suppression on its own line applies to); computed once, backwards."""
    out = [0] * len(lines)
    following = len(lines) + 1
    for index in range(len(lines) - 1, -1, -1):
        out[index] = following if following <= len(lines) else index + 2
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            following = index + 1
    return out


def risky(raw: bytes) -> bool:
    """Whether a file is worth parsing where a crash of the C parser (or running out of memory)
    cannot end the run: a big file, or one past the cheap nesting bounds of _too_deep (the only
    known way to crash the parser). The same linear counts as _too_deep's, on the bytes."""
    return (
        len(raw) > RISKY_BYTES
        or raw.count(b"[") + raw.count(b"{") > C_SAFE_DEPTH // 2
        or (
            len(raw) >= C_SAFE_DEPTH // 4
            and _long_prefix(raw, _BLOCK_FIRST_BYTES, _BLOCK_LINE_BYTES, _BLOCK_ODD_LINE_BYTES, _ODD_BYTES)
        )
    )


def _long_prefix(
    text: Any, first: re.Pattern[Any], line: re.Pattern[Any], odd_line: re.Pattern[Any], odd: tuple[Any, ...]
) -> bool:
    """Whether a line of the text starts with C_SAFE_DEPTH // 4 nesting characters (see _RUN)."""
    if first.match(text) or line.search(text):
        return True
    return any(o in text for o in odd) and odd_line.search(text) is not None


def _too_deep(text: str) -> Problem | None:
    """A problem when the text nests deeper than MAX_DEPTH, found without composing it (see
    C_SAFE_DEPTH); None when it may be composed. Linear: two counts and one anchored regex over the
    text, and the parser's event stream only for the rare file past those bounds."""
    if text.count("[") + text.count("{") <= C_SAFE_DEPTH // 2 and (
        len(text) < C_SAFE_DEPTH // 4 or not _long_prefix(text, _BLOCK_FIRST, _BLOCK_LINE, _BLOCK_ODD_LINE, _ODD)
    ):
        return None
    from ruamel.yaml.cyaml import CParser  # start-up: imported only where it is needed
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent  # start-up: imported only where it is needed

    parser = CParser(text)
    depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return Problem(
                        "HL001", f"document is nested deeper than {MAX_DEPTH} levels; refused", mark.line + 1, mark.column + 1
                    )
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except MemoryError:
        raise  # not a syntax error: the caller reports it
    except Exception:
        return None  # a syntax error: the composer stops at it too, before any deeper level
    finally:
        with contextlib.suppress(Exception):
            parser.dispose()
    return None


def parse_text(result: ParsedFile, text: str, nodes: list[Any] | None = None) -> None:
    _parse_text(result, text, nodes if nodes is not None else [])
    if len(result.problems) > MAX_PROBLEMS:
        more = len(result.problems) - MAX_PROBLEMS
        last = next(p for p in reversed(result.problems[:MAX_PROBLEMS]) if p is not _NOT_REPORTED)
        del result.problems[MAX_PROBLEMS:]
        result.problems.append(Problem("HL001", f"{more} more problems in this file not reported", last.line, last.column))
    if len(result.templated) > MAX_PROBLEMS:
        del result.templated[MAX_PROBLEMS:]
    lines = text.split("\n")
    if result.schema_refs:
        _assign_documents(result, lines)
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()
    for problem in result.problems:  # "end of stream" marks sit after the last line
        if problem.line > len(lines):
            problem.line = max(len(lines), 1)
            problem.column = len(lines[-1]) + 1 if lines else 1
            problem.end_line = problem.end_column = 0


def _parse_text(result: ParsedFile, text: str, nodes: list[Any]) -> None:
    _scan_comments(result, text)
    deep = _too_deep(text)
    if deep is not None:
        result.problems.append(deep)
        return
    # aliases of scalars can expand a document only as far as (aliases) x (longest scalar): bounded
    # by (count of `*`) x (text size), which for ordinary files is far below the budget
    aliases = text.count("*") * len(text) > MAX_EXPANDED_NODES * 64 and _ALIAS.search(text) is not None
    composed = iter_nodes(text, result, checked=True)
    if result.suppressions:
        _drop_suppressions_in_scalars(result, composed)
    for node in composed:
        result.doc_lines.append(node.start_mark.line + 1 if node is not None else 1)
        nodes.append(node)
        if node is None:
            result.docs.append(None)
            continue
        try:
            converter = Converter(result)
            data = converter.convert(node, 0)
            if converter.shared or aliases:  # aliases: no recursive one, and a bounded expanded size
                _check_size(node)
            result.docs.append(data)
        except RecursionError:
            result.docs.append(None)
            mark = node.start_mark
            result.problems.append(Problem("HL001", "document is nested too deeply; refused", mark.line + 1, mark.column + 1))
        except Refused as exc:
            result.docs.append(None)
            result.problems.append(Problem("HL001", str(exc), exc.line, exc.column))


@cache
def _loader_class() -> Any:
    """CSafeLoader with the YAML 1.2 resolver memoised per plain scalar (a third of compose time)."""
    from ruamel.yaml.cyaml import CParser, CSafeLoader  # start-up: imported only where it is needed
    from ruamel.yaml.nodes import ScalarNode, SequenceNode  # start-up: imported only where it is needed

    stock = CSafeLoader.resolve
    plain: dict[str, Any] = {}
    str_tag, seq_tag, map_tag = CSafeLoader.DEFAULT_SCALAR_TAG, CSafeLoader.DEFAULT_SEQUENCE_TAG, CSafeLoader.DEFAULT_MAPPING_TAG
    _PLAIN_STR[0] = str_tag

    class Loader(CSafeLoader):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            # only the C parser: CSafeLoader's constructor and resolver set six attributes that
            # point back at the loader, a cycle that keeps every file's text alive until a GC
            CParser.__init__(self, stream)

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            pass  # no path resolvers are registered

        def ascend_resolver(self) -> None:
            pass

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode:
                if not implicit[0]:
                    return str_tag
                tag = plain.get(value)
                if tag is None:
                    if len(plain) > 100_000:
                        plain.clear()
                    tag = plain[value] = stock(self, kind, value, implicit)
                return tag
            return seq_tag if kind is SequenceNode else map_tag

    return Loader


def iter_nodes(text: str, result: ParsedFile | None = None, *, checked: bool = False) -> list[Any]:
    """Compose every document; on a syntax error keep what came before and record it. A text
    nested too deeply to compose safely gives no documents (`checked`: the caller made sure)."""
    nodes: list[Any] = []
    if not checked and _too_deep(text) is not None:
        return nodes
    loader = _loader_class()(text)
    try:
        while len(nodes) <= MAX_DOCUMENTS and loader.check_node():
            nodes.append(loader.get_node())
    except MemoryError:
        raise  # not a syntax error: the caller reports it (see runner._parse_one)
    except Exception as exc:  # ruamel raises MarkedYAMLError and a few plain errors
        # libyaml is stricter than YAML 1.2 (`[a:b]` in flow context, reused anchors): the
        # pure-Python composer decides; only when it fails too is this a syntax error.
        pure = _iter_nodes_pure(text, None)
        if pure is not None:
            return _documents_within_budget(pure, result)
        if result is not None:
            result.problems.append(_problem_from_exc(exc))
    finally:
        with contextlib.suppress(Exception):
            loader.dispose()
    return _documents_within_budget(nodes, result)


def _documents_within_budget(nodes: list[Any], result: ParsedFile | None) -> list[Any]:
    """The first MAX_DOCUMENTS documents (the composers stop one past it); one HL001 at the first
    document left out."""
    if len(nodes) <= MAX_DOCUMENTS:
        return nodes
    if result is not None:
        first = nodes[MAX_DOCUMENTS]
        line, column = (first.start_mark.line + 1, first.start_mark.column + 1) if first is not None else (1, 1)
        message = f"more than {MAX_DOCUMENTS} documents in this file (the budget); the rest is not parsed or checked"
        result.problems.append(Problem("HL001", message, line, column))
    return nodes[:MAX_DOCUMENTS]


def _iter_nodes_pure(text: str, result: ParsedFile | None) -> list[Any] | None:
    """Compose with ruamel's pure-Python composer; None when it fails too."""
    from ruamel.yaml import YAML  # start-up: imported only where it is needed

    yaml = YAML(typ="safe", pure=True)
    nodes: list[Any] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for node in yaml.compose_all(text):
                nodes.append(node)
                if len(nodes) > MAX_DOCUMENTS:
                    break
    except MemoryError:
        raise
    except Exception:  # RecursionError included
        return None
    return nodes


def _problem_from_exc(exc: Exception) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    text = " ".join(str(p) for p in (context, problem) if p) or str(exc).split("\n")[0]
    if mark is not None:
        return Problem("HL001", f"invalid YAML: {text}", mark.line + 1, mark.column + 1)
    return Problem("HL001", f"invalid YAML: {text}", 1, 1)


def _check_size(root: Any) -> None:
    """Refuse alias bombs, documents whose aliases expand to too many nodes, and recursive aliases
    (an alias to a collection that holds it: kustomize's kyaml DeAnchor recurses over it until its
    stack overflows, Go's yaml.v3 refuses it). Runs after a successful conversion, so nesting is
    within MAX_DEPTH and recursion is safe."""
    if root.id != "scalar":
        _expanded_size(root, {})


def _first_keys(mapping: Any) -> dict[Any, Any]:
    """The first key node of each key of a mapping node (one pass, for duplicate-key messages)."""
    firsts: dict[Any, Any] = {}
    for key_node, _ in mapping.value:
        with contextlib.suppress(TypeError):
            firsts.setdefault(_key_of(key_node), key_node)
    return firsts


ON_PATH = -1  # _expanded_size: a collection whose size is being counted (an alias to it is recursive)


def _expanded_size(node: Any, sizes: dict[int, int]) -> int:
    key = id(node)
    known = sizes.get(key)
    if known == ON_PATH:
        mark = node.start_mark
        raise Refused(
            "an alias refers to a collection that holds it (a recursive alias): kustomize cannot read the document; refused",
            mark.line + 1,
            mark.column + 1,
        )
    if known is not None:
        return known
    sizes[key] = ON_PATH
    total = 1
    if node.id == "mapping":
        for key_node, value_node in node.value:
            total += 1 + len(key_node.value) // 64 if key_node.id == "scalar" else _expanded_size(key_node, sizes)
            total += 1 + len(value_node.value) // 64 if value_node.id == "scalar" else _expanded_size(value_node, sizes)
    else:
        for item in node.value:
            total += 1 + len(item.value) // 64 if item.id == "scalar" else _expanded_size(item, sizes)
    if total > MAX_EXPANDED_NODES:
        mark = node.start_mark
        raise Refused(
            f"document expands to more than {MAX_EXPANDED_NODES} nodes through aliases (a YAML 'billion laughs' bomb?); refused",
            mark.line + 1,
            mark.column + 1,
        )
    sizes[key] = total
    return total


def tag_of(node: Any) -> str:
    """A node's resolved tag; reads ruamel's Tag.suffix directly (str(Tag) is slow)."""
    ctag = node.ctag
    if ctag is None:
        return ""
    return ctag.suffix if ctag.handle is None else str(ctag)


class Converter:
    """Node tree to plain data; duplicate keys (a second merge key `<<` too) become HL002 problems,
    merge keys are applied, and a merge of anything but mappings refuses the document (HL001)."""

    def __init__(self, result: ParsedFile) -> None:
        self.result = result
        self.memo: dict[int, Any] = {}  # collections by node id: aliases share one converted value
        self.shared = 0  # how often a converted collection was reached again
        self.firsts: dict[int, dict[Any, Any]] = {}  # mapping node id -> first key node of each key

    def convert(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            mark = node.start_mark
            raise Refused(f"document is nested deeper than {MAX_DEPTH} levels; refused", mark.line + 1, mark.column + 1)
        kind = node.id
        if kind == "scalar":
            return scalar_value(node)
        key = id(node)
        memo = self.memo
        if key in memo:
            self.shared += 1
            return memo[key]
        convert = self.convert
        intern = sys.intern
        inner = depth + 1
        plain = _PLAIN_STR[0]  # scalars with this (shared) tag are strings: the common case, inlined
        if kind == "sequence":
            items: list[Any] = []
            memo[key] = items
            for item in node.value:
                if item.id != "scalar":
                    items.append(convert(item, inner))
                elif item.ctag is plain or item.style:
                    text = item.value
                    items.append(intern(text) if len(text) <= SHARED_STRING else text)
                else:
                    items.append(scalar_value(item))
            return items
        value: dict[Any, Any] = {}
        memo[key] = value
        merges: list[Any] = []
        for key_node, value_node in node.value:
            if key_node.id != "scalar":
                k: Any = f"<{'list' if key_node.id == 'sequence' else 'dict'} key>"
            elif key_node.ctag is plain or key_node.style:
                k = intern(key_node.value)
            elif tag_of(key_node) == _MERGE_TAG:
                if merges:  # kustomize (kyaml): "duplicate merge key"; Go yaml.v3: `mapping key "<<" already defined`
                    self._duplicate("<<", node, key_node)
                merges.append((key_node, value_node))
                continue
            else:
                k = scalar_value(key_node)
            if k in value:
                self._duplicate(k, node, key_node)
            if value_node.id != "scalar":
                value[k] = convert(value_node, inner)
            elif value_node.ctag is plain or value_node.style:
                text = value_node.value
                value[k] = intern(text) if len(text) <= SHARED_STRING else text
            else:
                value[k] = scalar_value(value_node)
        for merge_key, merge in merges:
            sources = merge.value if merge.id == "sequence" else [merge]
            if any(source.id != "mapping" for source in sources):  # an alias is the node it names
                mark = merge_key.start_mark
                raise Refused(
                    "a merge key (<<) takes a mapping or a list of mappings: kustomize, Go's yaml.v3 and PyYAML "
                    "refuse the document",
                    mark.line + 1,
                    mark.column + 1,
                )
            for source in sources:
                data = convert(source, inner)
                if isinstance(data, dict):
                    for mk, mv in data.items():
                        value.setdefault(mk, mv)
        return value

    def _duplicate(self, k: Any, mapping: Any, key_node: Any) -> None:
        if len(self.result.problems) >= MAX_PROBLEMS:
            self.result.problems.append(_NOT_REPORTED)  # counted, then cut by parse_text
            return
        firsts = self.firsts.get(id(mapping))
        if firsts is None:
            firsts = self.firsts[id(mapping)] = _first_keys(mapping)
        first = firsts.get(k, key_node) if isinstance(k, (str, int, float, bool, type(None))) else key_node
        mark, end = key_node.start_mark, key_node.end_mark
        shown = str(k)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        self.result.problems.append(
            Problem(
                "HL002",
                f"duplicate key '{shown}' (first defined at line {first.start_mark.line + 1})",  # rules/files.py: what its reader does
                mark.line + 1,
                mark.column + 1,
                end.line + 1,
                end.column + 1,
            )
        )


def _key_of(key_node: Any) -> Any:
    if key_node.id != "scalar":
        return f"<{'list' if key_node.id == 'sequence' else 'dict'} key>"
    return scalar_value(key_node)


def scalar_value(node: Any) -> Any:
    tag = tag_of(node)
    text = node.value
    if tag == _STR_TAG or node.style:
        return text
    if tag == _INT_TAG:
        if len(text) > 1000:
            return text  # a number of 1,000 digits is data, not a count: kept as text (str() of it would fail)
        try:
            cleaned = text.replace("_", "")
            if cleaned.startswith(("0o", "+0o", "-0o")):
                return int(cleaned.replace("0o", ""), 8)
            return int(cleaned, 0) if cleaned[:2].lower() in ("0x", "0b") else int(cleaned)
        except ValueError:
            return text
    if tag == "tag:yaml.org,2002:float":
        try:
            lowered = text.lower()
            if lowered in (".inf", "+.inf"):
                return float("inf")
            if lowered == "-.inf":
                return float("-inf")
            if lowered == ".nan":
                return float("nan")
            return float(text.replace("_", ""))
        except ValueError:
            return text
    if tag == "tag:yaml.org,2002:bool":
        return text.lower() in ("true", "yes", "on", "y")
    if tag == "tag:yaml.org,2002:null":
        return None
    return text
