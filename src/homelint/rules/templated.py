"""Core objects a bootstrap template defines (`bootstrap/resources.yaml.j2`, rendered by minijinja
or `op inject` and piped into `kubectl apply`): read from the template's text, never rendered, as
(kind, name, namespace) of each `apiVersion: v1` document whose kind and name are written plainly,
and the keys of its `data`/`stringData` when each is written plainly (template_keys)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from homelint.model.refs import ANY

TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".gotmpl")

_DOCUMENT_START = re.compile(r"^---[ \t]*(?:#.*)?$", re.M)
_CORE = re.compile(r"^apiVersion:[ \t]*[\"']?v1[\"']?[ \t]*(?:#.*)?$", re.M)
_KIND = re.compile(r"^kind:[ \t]*[\"']?([A-Za-z][\w]{0,62})[\"']?[ \t]*(?:#.*)?$", re.M)
_METADATA = re.compile(r"^metadata:[ \t]*(?:#.*)?$", re.M)
_TOP_LEVEL = re.compile(r"^\S", re.M)
# a name or namespace written plainly: a DNS-1123 subdomain, quoted or not, nothing templated
_FIELD = re.compile(r"^[ \t]+(name|namespace):[ \t]*[\"']?([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?)[\"']?[ \t]*(?:#.*)?$", re.M)
_ANY_FIELD = re.compile(r"^([ \t]+)(name|namespace):", re.M)
_INDENT = re.compile(r"^([ \t]+)\S", re.M)


def template_objects(texts: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[str, str | None]]]:
    """(kind, name) -> (path, namespace: None when not written, ANY when templated) of each core
    document of the templates `texts` ((path, text)) that writes `kind:` and `metadata.name`
    plainly; a document whose name is templated (`{{ }}`) is left out: what it makes is not known.
    `{%` blocks are not read: a document inside a loop or a condition counts as made (a loop over
    namespaces makes it in each, which the templated namespace says)."""
    found: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
    for path, kind, name, namespace, _document in _core_documents(texts):
        found.setdefault((kind, name), []).append((path, namespace))
    return found


def _core_documents(texts: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str, str, str | None, str]]:
    """(path, kind, name, namespace, text) of each core document of `texts` (_document_object)."""
    for path, text in texts:
        for document in _DOCUMENT_START.split(text):
            made = _document_object(document)
            if made is not None:
                yield path, *made, document


def _document_object(document: str) -> tuple[str, str, str | None] | None:
    """(kind, name, namespace) of one document, or None."""
    kind = _KIND.search(document)
    metadata = _METADATA.search(document)
    if kind is None or metadata is None or _CORE.search(document) is None:
        return None  # a custom resource of kind Secret is no Secret
    following = _TOP_LEVEL.search(document, metadata.end() + 1)
    block = document[metadata.end() : following.start() if following else len(document)]
    indent = _INDENT.search(block)
    if indent is None:
        return None
    own = indent.group(1)  # metadata's own keys, not a label or annotation named `name`
    written = {m.group(2) for m in _ANY_FIELD.finditer(block) if m.group(1) == own}
    fields: dict[str, str] = {}
    for match in _FIELD.finditer(block):
        if match.group(0).startswith(own + match.group(1)):
            fields.setdefault(match.group(1), match.group(2))
    name = fields.get("name")
    if name is None:
        return None
    namespace = fields.get("namespace", ANY if "namespace" in written else None)
    return kind.group(1), name, namespace


_DATA = re.compile(r"^(?:data|stringData):[ \t]*(?:#.*)?$", re.M)
_KEY = re.compile(r"^([ \t]+)([-._a-zA-Z0-9]{1,253})[ \t]*:", re.M)
_MARKERS = ("{{", "{%", "#{", "#%")


def template_keys(texts: Iterable[tuple[str, str]]) -> dict[tuple[str, str], set[str] | None]:
    """(kind, name) -> the keys of `data` and `stringData` of the core documents of the templates
    `texts` that template_objects reads, when every key of every such document is written plainly;
    None for an object one of whose documents may hold keys a template computes (a marker at a
    key's place, a `{% for %}` in the block)."""
    found: dict[tuple[str, str], set[str] | None] = {}
    for _path, kind, name, _namespace, document in _core_documents(texts):
        keys = _data_keys(document)
        known = found.get((kind, name), set())
        found[kind, name] = None if keys is None or known is None else known | keys
    return found


def _data_keys(document: str) -> set[str] | None:
    """The keys of the document's `data` and `stringData` blocks; None when one may be computed."""
    keys: set[str] = set()
    for match in _DATA.finditer(document):
        following = _TOP_LEVEL.search(document, match.end() + 1)
        block = document[match.end() : following.start() if following else len(document)]
        indent = _INDENT.search(block)
        if indent is None:
            continue
        own = indent.group(1)
        for line in block.splitlines():
            comment = line.lstrip().startswith("#") and not line.lstrip().startswith(("#{", "#%"))
            if not line.strip() or comment:
                continue
            if line.startswith(own) and not line[len(own) :].startswith((" ", "\t")):  # a key of the block
                key = _KEY.match(line)
                if key is None or key.group(1) != own or any(m in line.split(":", 1)[0] for m in _MARKERS):
                    return None
                keys.add(key.group(2))
            elif any(m in line for m in ("{%", "#%")):
                return None  # a loop or condition may add keys
    return keys
