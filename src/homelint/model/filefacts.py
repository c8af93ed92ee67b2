"""The per-file phase: what the checks derive from one file alone, apart from its parse.

Run once per file content (in the parse workers, where the composed nodes are at hand) and cached by
the runner per content digest under FACTS_KEY, beside the parse: the parse (yamlload.ParsedFile)
stays what the YAML says, these are judgements of it that do not depend on any other file, the
configuration or the selection of rules.
"""

from __future__ import annotations

import marshal
import operator
import re
from dataclasses import dataclass, field
from typing import Any

from homelint import __version__
from homelint.core.digest import blake2b
from homelint.loading.yamlload import ParsedFile

# What the facts depend on besides the file: the code (and the kind schemas shipped with it).
# A cached entry under another key is absent, and the file is parsed again.
FACTS_KEY = f"{__version__}/facts-7"
# a line that is only a comment, after the line break before it: (the break, indentation and `#`)
# and its text. A literal first: the regex engine scans for it fast, where `^` with re.M is tried
# at every position. The first line of a file is matched alone (_FIRST_COMMENT).
_COMMENT_TEXT = re.compile(rb"(\n[ \t]*#)[^\n]*")
_FIRST_COMMENT = re.compile(rb"([ \t]*#)[^\n]*")
_KEPT = operator.itemgetter(1)  # the replacement of a comment's text: a function, as a template is expanded in Python
# line breaks of YAML that bytes.split(b"\n") does not see, UTF-8 encoded (NEL, LS, PS: not ASCII)
_ODD_BREAKS = (b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")


@dataclass(slots=True)
class FileFacts:
    # HL601: schema errors of the kinds homelint validates, per document: (doc index, message,
    # line, column, end line, end column, field path); judged again by the check where Flux
    # applies a variant
    schema: list[tuple[Any, ...]] = field(default_factory=list)
    placeholders: bool = False  # the text contains "${": only such files need a substitution walk
    # per document: (field path, text, is_key) of each string containing "${" (when `placeholders`)
    var_strings: list[list[tuple[Any, ...]]] = field(default_factory=list)
    # The file's fingerprint as checks may see it (see layout): equal fingerprints, equal findings
    # (of spans up to line `last`), whatever a comment or blank line says
    layout: str = ""  # "": not computed (never equal to another)
    last: int = 0  # the last line that is not blank or a comment (0: none)


def file_facts(parsed: ParsedFile, raw: bytes, nodes: list[Any], *, with_layout: bool = True) -> FileFacts:
    """The facts of one parsed file (`nodes`: its composed documents, for the positions of schema
    errors); without its layout when `with_layout` is false (a run without a cache never uses it)."""
    from homelint.model.kindschemas import validate_documents  # start-up: a warm run does not need it

    facts = FileFacts(validate_documents(parsed.path, parsed.docs, nodes), b"${" in raw)
    if facts.placeholders:
        from homelint.core.substitution import placeholder_strings  # start-up: a warm run does not need it

        facts.var_strings = [placeholder_strings(doc) for doc in parsed.docs]
    if with_layout:
        facts.layout, facts.last = layout(parsed, raw)
    return facts


def layout(parsed: ParsedFile, raw: bytes) -> tuple[str, int]:
    """(fingerprint, last line that is not blank or a comment) of what a check can see of a file read
    as YAML: its documents, where each starts, the loader's problems, template markers and `$schema`
    comments, every line up to `last` that is not blank or a comment, and the indentation of each
    blank or comment line up to there (the end of a block scalar lies on the next line with less
    indentation, a comment's too). Two texts with one fingerprint differ only in what comments say
    and in what follows `last`: the same data, every node at the same position up to `last` (a
    collection that ends the file ends after its trailing comments: spans past `last` may differ).
    Suppressions are left out: they are applied after the checks. A text with other line breaks
    than `\n`, or not text, or whose documents marshal cannot write (none the loader keeps: it refuses recursive aliases), is
    fingerprinted whole.

    The documents are hashed as marshal version 0 writes them: that version has no references to
    earlier objects and no interning flags, so the bytes depend on the values alone, not on which
    strings the loader happened to share; and marshal.loads reads them back, so different values
    give different bytes (a float is written as its repr, a bool is not an int)."""
    h = blake2b(digest_size=16)
    try:
        h.update(marshal.dumps((parsed.docs, parsed.doc_lines, parsed.templated, parsed.schema_refs, parsed.text_ok), 0))
    except ValueError:  # a recursive document: the bytes decide
        parsed = ParsedFile(parsed.path, text_ok=False)
    h.update(repr(parsed.problems).encode())  # a few, usually none
    if not parsed.text_ok or b"\r" in raw or (not raw.isascii() and any(b in raw for b in _ODD_BREAKS)):
        h.update(b"\0whole\0" + raw)
        return h.hexdigest(), 0
    end = len(raw)  # the end of the last line that is not blank or a comment
    while end > 0:
        start = raw.rfind(b"\n", 0, end) + 1
        stripped = raw[start:end].lstrip(b" \t")
        if stripped and not stripped.startswith(b"#"):
            break
        end = start - 1 if start > 0 else 0
    last = raw.count(b"\n", 0, end) + 1 if end > 0 else 0
    # up to there: every line, each comment reduced to its indentation and `#`
    text = raw[:end]
    if b"#" in text:
        text = _COMMENT_TEXT.sub(_KEPT, text)
        first = _FIRST_COMMENT.match(text)
        if first:
            text = first.group(1) + text[first.end() :]
    h.update(b"\0text\0" + text)
    return h.hexdigest(), last
