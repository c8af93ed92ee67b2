"""The variables the command files of a repository (scripts, Taskfiles, justfiles) define, and their
command lines read with those variables expanded: `{{.BOOTSTRAP_DIR}}/secrets.yaml.tpl` with Task's
`BOOTSTRAP_DIR: '{{.ROOT_DIR}}/bootstrap'` is `{{.ROOT_DIR}}/bootstrap/secrets.yaml.tpl`. Read as
text, never run; the work per line is bounded whatever the files say."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

# a definition in a script (`NAME=value`, `export NAME=value`), a Taskfile's vars or env
# (`NAME: value`) or a justfile (`name := value`); the value is the rest of the line
_DEFINITION = re.compile(r"[ \t]*(?:export[ \t]+|readonly[ \t]+)?([A-Za-z_][A-Za-z0-9_]{0,63})[ \t]*(:=|=|:[ \t])")
# a use: Task's and just's `{{.NAME}}` / `{{ name }}`, the shell's `${NAME}` and `$NAME`
_VARIABLE_USE = re.compile(
    r"\{\{-?[ \t]*\.?([A-Za-z_][A-Za-z0-9_]{0,63})[ \t]*-?\}\}|\$\{([A-Za-z_][A-Za-z0-9_]{0,63})\}|\$([A-Za-z_][A-Za-z0-9_]{0,63})"
)
_QUOTED = re.compile(r"'([^']{0,500})'|\"([^\"]{0,500})\"")
MAX_VALUES = 8  # values kept per variable
MAX_VARIANTS = 16  # readings of one line with its variables expanded
MAX_EXPANDED_LINE = 4096  # longer lines are read as written
MAX_USES = 16  # a line using more defined variables is read as written


def script_variables(texts: Iterable[str]) -> dict[str, list[str]]:
    """The values command files give each variable (at most MAX_VALUES each): a quoted value is
    its quoted parts joined by `/` (just's `justfile_dir() + '/bootstrap'` is `/bootstrap`), an
    unquoted one its first word."""
    found: dict[str, list[str]] = {}
    for text in texts:
        for line in text.splitlines():
            if len(line) > MAX_EXPANDED_LINE:
                continue
            m = _DEFINITION.match(line)
            if m is None:
                continue
            rest = line[m.end() :].strip()
            quoted = [a or b for a, b in _QUOTED.findall(rest)]
            value = "/".join(quoted) if quoted else (rest.split() or [""])[0]
            values = found.setdefault(m.group(1), [])
            if value and value not in values and len(values) < MAX_VALUES:
                values.append(value)
    return found


def expanded_lines(line: str, variables: dict[str, list[str]]) -> list[str]:
    """`line` and its readings with the variables `variables` defines replaced by their values (in
    up to four rounds, for definitions that use others), at most MAX_VARIANTS."""
    if len(line) > MAX_EXPANDED_LINE or ("{{" not in line and "$" not in line):
        return [line]
    readings = [line]
    for _ in range(4):
        expanded: list[str] = []
        for reading in readings:
            expanded += _expanded_once(reading, variables, MAX_VARIANTS - len(expanded))
        if expanded == readings:
            break
        readings = expanded
    return list(dict.fromkeys([line, *readings]))[:MAX_VARIANTS]


def _expanded_once(line: str, variables: dict[str, list[str]], limit: int) -> list[str]:
    """`line` with each use of a defined variable replaced by one of its values: the first `limit`
    combinations, without those longer than MAX_EXPANDED_LINE (none when the shortest would be, or
    when it uses more than MAX_USES)."""
    pieces: list[list[str]] = []
    last = 0
    for use in _VARIABLE_USE.finditer(line):
        values = variables.get(use.group(1) or use.group(2) or use.group(3))
        if values:
            if len(pieces) >= 2 * MAX_USES:
                return []  # not a command line a person writes: read as written
            pieces += [[line[last : use.start()]], values]
            last = use.end()
    pieces.append([line[last:]])
    if limit <= 0 or sum(min(map(len, piece)) for piece in pieces) > MAX_EXPANDED_LINE:
        return []
    combinations = itertools.islice(itertools.product(*pieces), limit)
    return [reading for reading in map("".join, combinations) if len(reading) <= MAX_EXPANDED_LINE]
