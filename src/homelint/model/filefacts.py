"""The per-file phase: what the checks derive from one file alone, apart from its parse.

Run once per file content (in the parse workers, where the composed nodes are at hand) and cached by
the runner per content digest under FACTS_KEY, beside the parse: the parse (yamlload.ParsedFile)
stays what the YAML says, these are judgements of it that do not depend on any other file, the
configuration or the selection of rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homelint import __version__
from homelint.loading.yamlload import ParsedFile

# What the facts depend on besides the file: the code (and the kind schemas shipped with it).
# A cached entry under another key is absent, and the file is parsed again.
FACTS_KEY = f"{__version__}/facts-1"


@dataclass(slots=True)
class FileFacts:
    # HL601: schema errors of the kinds homelint validates, per document: (doc index, message,
    # line, column, end line, end column); judged again by the check where Flux applies a variant
    schema: list[tuple[Any, ...]] = field(default_factory=list)
    placeholders: bool = False  # the text contains "${": only such files need a substitution walk
    # per document: (field path, text, is_key) of each string containing "${" (when `placeholders`)
    var_strings: list[list[tuple[Any, ...]]] = field(default_factory=list)


def file_facts(parsed: ParsedFile, raw: bytes, nodes: list[Any]) -> FileFacts:
    """The facts of one parsed file (`nodes`: its composed documents, for the positions of schema
    errors)."""
    from homelint.model.kindschemas import validate_documents  # start-up: a warm run does not need it

    facts = FileFacts(validate_documents(parsed.path, parsed.docs, nodes), b"${" in raw)
    if facts.placeholders:
        from homelint.core.substitution import placeholder_strings  # start-up: a warm run does not need it

        facts.var_strings = [placeholder_strings(doc) for doc in parsed.docs]
    return facts
