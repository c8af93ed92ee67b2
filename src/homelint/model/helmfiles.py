"""Helmfiles that are templates, read without rendering them.

helmfile renders a helmfile as a Go template before it reads the YAML (`helmfile.yaml.gotmpl`,
and any helmfile with `{{ requiredEnv "X" }}` in it), and a repository may keep one as a makejinja
template (`helmfile.yaml.j2`) that a bootstrap task renders. Such a file does not parse as it is
written, so its `releases:` (the flux-instance release whose values are the cluster's sync, the
charts it installs) were not read. Here a helmfile by name (helmfile's own: `helmfile.yaml`,
`helmfile.yaml.gotmpl`, files of a `helmfile.d` folder; with a template suffix) that does not parse
as YAML is read with each template action blanked: a line that holds only actions (`{{ if }}`,
`{{ end }}`) is dropped, any other action (and a makejinja `#{ x }#`) becomes TOKEN. A value holding TOKEN is not known; the
callers never take one as a path or a version.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from homelint.loading.yamlload import parse_bytes

if TYPE_CHECKING:
    from homelint.model.repo import Repo

TOKEN = "homelint-template-value"
TEMPLATE_SUFFIXES = (".gotmpl", ".j2", ".jinja", ".jinja2", ".tmpl", ".tpl")
# one action on one line, bounded (no braces inside: a linear scan of any text)
_ACTION = r"\{\{[^{}\n]{0,1000}\}\}"
_ACTION_LINE = re.compile(rf"^[ \t]*(?:{_ACTION}[ \t]*)+$", re.MULTILINE)
# an action, or a makejinja variable (`#{ x }#`: its block and comment markers start YAML comments)
_INLINE = re.compile(rf"{_ACTION}|#\{{[^{{}}\n]{{0,1000}}\}}#")


def is_helmfile(path: str) -> bool:
    """Whether helmfile would read `path` as a helmfile, or it is a template of one."""
    base = posixpath.basename(path)
    for suffix in TEMPLATE_SUFFIXES:
        base = base.removesuffix(suffix)
    if not base.endswith((".yaml", ".yml")):
        return False
    return base.startswith("helmfile") or posixpath.basename(posixpath.dirname(path)) == "helmfile.d"


def templated_helmfiles(repo: Repo) -> Iterator[tuple[str, list[Any]]]:
    """(path, documents) of each helmfile of the repository that does not parse as YAML as it is
    written (or is not parsed: a template suffix), read with its template actions blanked."""
    for path in sorted(repo.files.all_files):
        if not is_helmfile(path):
            continue
        parsed = repo.parsed.get(path)
        if parsed is not None and parsed.docs:
            continue  # read as YAML: the callers read it with the rest
        text = repo.read_text(path)
        if text is None or (parsed is not None and "{{" not in text):
            continue  # YAML that does not parse for another reason: HL001's
        blanked = _INLINE.sub(TOKEN, _ACTION_LINE.sub("", text))
        yield path, parse_bytes(path, blanked.encode()).docs


def known(value: Any) -> bool:
    """Whether a value read from a helmfile holds no blanked template action."""
    return not (isinstance(value, str) and TOKEN in value)


def without_unknowns(value: Any) -> Any:
    """`value` with every string that holds a blanked action replaced by None."""
    if isinstance(value, dict):
        return {k: without_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_unknowns(v) for v in value]
    return None if not known(value) else value
