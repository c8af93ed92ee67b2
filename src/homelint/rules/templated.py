"""Core objects a bootstrap template defines (`bootstrap/resources.yaml.j2`, rendered by minijinja
or `op inject` and piped into `kubectl apply`): read from the template's text, never rendered, as
(kind, name, namespace) of each `apiVersion: v1` document whose kind and name are written plainly."""

from __future__ import annotations

import re
from collections.abc import Iterable

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
    for path, text in texts:
        for document in _DOCUMENT_START.split(text):
            made = _document_object(document)
            if made is not None:
                kind, name, namespace = made
                found.setdefault((kind, name), []).append((path, namespace))
    return found


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
