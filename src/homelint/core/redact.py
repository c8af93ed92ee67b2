"""What output may show of a file's lines: no line that may hold a secret value, no control character.

Code frames (text format) and render diffs show source lines. A line is hidden when it is in a SOPS
file, in the `data`/`stringData` of a Secret, or holds (or continues) the value of a key that looks
secret (`password`, `token`, `apiKey`, ...). The scan is by indentation, line by line, linear.
"""

from __future__ import annotations

import re

HIDDEN = "****"
_KEY = re.compile(
    r"""^((?:-[ \t]+)*)(?:"([^"]{1,200})"|'([^']{1,200})'|([^\s"'#:{}\[\],&*!|>%@`][^:#]{0,200}?))[ \t]*:(?:[ \t]|$)"""
)
_SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey", "accesskey", "credential", "auth")
# The fields of a reference (`secretRef:`, `secretStoreRef:`, `passwordSecretKeyRef:` ... with a
# mapping below): they name what is referred to, and are shown
REFERENCE_FIELDS = ("name", "namespace", "kind", "key", "apiVersion", "optional")
# Keys named like a secret whose mapping names a Secret instead of holding one, and the fields of
# it that are shown: a volume's (or projected source's) `secret:`, and each entry of the list
# under `secretGenerator:`, with the files it reads (`files`, `envs`: paths, which kustomize reads;
# its `literals` and anything else stay hidden)
NAMING_FIELDS = {"secret": ("secretName", "name", "optional", "defaultMode")}
LIST_NAMING_FIELDS = {"secretGenerator": ("name", "namespace", "behavior", "type", "files", "envs")}
_KIND_SECRET = re.compile(r"""^kind:[ \t]*["']?Secret["']?[ \t]*(#.*)?$""")
_SOPS_TOP = re.compile(r"^sops:[ \t]*(#.*)?$", re.M)


def secret_key(name: str) -> bool:
    """A key whose value may be a secret (by its name); a `...Name` key (secretName) names one."""
    lowered = name.lower().replace("_", "").replace("-", "").replace(".", "")
    if lowered.endswith("name"):
        return False
    return lowered == "key" or lowered.endswith("key") or any(word in lowered for word in _SECRET_WORDS)


_FLOW_REFERENCE = re.compile(r"^\{\s*(?:[A-Za-z]+\s*:\s*[\w.@/-]+\s*(?:,\s*|(?=\})))+\}\s*(#.*)?$")


def _flow_reference(key: str, rest: str) -> bool:
    """`secretRef: {name: app-a}`: a reference written as a flow mapping of plain names."""
    if not key.lower().endswith("ref") or _FLOW_REFERENCE.match(rest) is None:
        return False
    fields = re.findall(r"([A-Za-z]+)\s*:", rest.split("#", 1)[0])
    return all(field in REFERENCE_FIELDS for field in fields)


def _naming(key: str, rest: str, inherited: bool) -> tuple[tuple[str, ...], bool]:
    """The fields below `key` (nothing after it on its line) that name what it refers to, and
    whether they are in list entries (`- name: x`): those of a reference (`secretKeyRef:`), or of
    a key of NAMING_FIELDS / LIST_NAMING_FIELDS (not itself inside a secret's value)."""
    if rest and not rest.startswith("#"):
        return (), False
    if key.lower().endswith("ref"):
        return REFERENCE_FIELDS, False
    if inherited:
        return (), False
    if key in LIST_NAMING_FIELDS:
        return LIST_NAMING_FIELDS[key], True
    return NAMING_FIELDS.get(key, ()), False


def is_sops_text(path: str, text: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return ".sops." in name or _SOPS_TOP.search(text) is not None


def hidden_lines(path: str, lines: list[str]) -> set[int] | None:
    """0-based indexes of the lines to hide; None when every line is to be hidden (a SOPS file)."""
    if is_sops_text(path, "\n".join(lines) if len(lines) < 100_000 else ""):
        return None
    hidden: set[int] = set()
    # (indent of a key, its value is secret, (the fields below it that name what it refers to,
    # whether those are in list entries))
    stack: list[tuple[int, bool, tuple[tuple[str, ...], bool]]] = []
    secret_doc = _secret_docs(lines)
    doc = 0
    block_indent = -1  # lines of a block scalar (`|`, `>`) are more indented than this key
    for index, line in enumerate(lines):
        if line.startswith(("---", "...")) and line[:3] in ("---", "...") and (len(line) == 3 or line[3] in " \t"):
            doc += line.startswith("---")
            stack.clear()
            block_indent = -1
            continue
        stripped = line.lstrip(" ")
        if not stripped.strip() or stripped.startswith("#"):
            if stack and stack[-1][1] and stripped.strip():
                hidden.add(index)
            continue
        indent = len(line) - len(stripped)
        if block_indent >= 0 and indent > block_indent:
            if stack and stack[-1][1]:
                hidden.add(index)
            continue
        block_indent = -1
        while stack and stack[-1][0] >= indent:
            stack.pop()
        inherited = bool(stack) and stack[-1][1]
        naming, listed = stack[-1][2] if stack else ((), False)
        match = _KEY.match(stripped)
        if match is None:
            if inherited:
                hidden.add(index)
            continue
        dashes = match.group(1)
        key = match.group(2) or match.group(3) or (match.group(4) or "").strip()
        key_indent = indent + len(dashes)
        if key in naming and (not dashes or listed):
            sensitive = False  # the name of a Secret or store a reference points at, not a value
        else:
            sensitive = (
                inherited or secret_key(key) or (key_indent == 0 and secret_doc.get(doc, False) and key in ("data", "stringData"))
            )
        rest = stripped[match.end() :].strip()
        if sensitive and rest and not rest.startswith("#") and not (not inherited and _flow_reference(key, rest)):
            hidden.add(index)
        if rest.startswith(("|", ">")):
            block_indent = key_indent
        stack.append((key_indent, sensitive, _naming(key, rest, inherited) if sensitive else ((), False)))
    return hidden


def _secret_docs(lines: list[str]) -> dict[int, bool]:
    docs: dict[int, bool] = {}
    doc = 0
    for line in lines:
        if line.startswith("---") and (len(line) == 3 or line[3] in " \t"):
            doc += 1
        elif line.startswith("kind:") and _KIND_SECRET.match(line.rstrip()):
            docs[doc] = True
    return docs


def mask(line: str) -> str:
    """The line with its value replaced: the key (if any) stays, so the reader knows where it is."""
    stripped = line.lstrip(" ")
    indent = line[: len(line) - len(stripped)]
    match = _KEY.match(stripped)
    if match is None:
        return f"{indent}{HIDDEN}"
    return f"{indent}{stripped[: match.end()].rstrip()} {HIDDEN}"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_control(text: str, *, newlines: bool = True) -> str:
    """Control characters (ESC, CR, NUL, bidi overrides, and newlines unless `newlines` is False)
    as visible escapes, so no input can move the cursor, recolour the terminal or start a line."""
    if newlines:
        text = text.replace("\n", "\\n")
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)
