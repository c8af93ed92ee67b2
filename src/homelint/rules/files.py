"""HL001-HL006: YAML syntax, duplicate keys, unrendered templates, invalid resources, skipped files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.model import Finding, Span, list_items
from homelint.core.wording import with_article
from homelint.rules.common import has_flux
from homelint.rules.registry import check

TEMPLATE_HINTS = ("{{", "{%", "#{", "#%")


@check("HL001", "HL002", "HL007")
def syntax_problems(ctx: Context) -> Iterator[Finding]:
    """What the loader found wrong in a file's YAML, or too big to read."""
    yield from _loader_problems(ctx, ("HL001", "HL002", "HL007"))


def _loader_problems(ctx: Context, wanted: tuple[str, ...]) -> Iterator[Finding]:
    """The loader's problems of the `wanted` rules, except in files that are templates, not manifests."""
    repo = ctx.repo
    applied = ctx.flux.applied_files
    readers: DuplicateReaders | None = None
    for path, parsed in repo.parsed.items():
        if not parsed.problems:
            continue
        if path not in applied and _looks_templated(repo, path, parsed):
            continue  # a Helm/Go or Jinja template, not a manifest
        for problem in parsed.problems:
            if problem.rule not in wanted:
                continue
            end_line = problem.end_line or problem.line
            end_col = problem.end_column or problem.column + 1
            fix = {
                "HL001": "fix the YAML at this position (yamllint or your editor's YAML mode shows the structure)",
                "HL002": "remove one of the two keys, keeping the value you mean",
                "HL006": "make the file readable, or exclude it in .homelint.yaml",
                "HL007": "split the repository, or exclude generated folders in .homelint.yaml",
            }[problem.rule]
            message = problem.message
            if problem.rule == "HL002":
                readers = readers or DuplicateReaders(ctx)
                message += readers.consequence(path)
            yield ctx.finding(
                problem.rule,
                path,
                Span(problem.line, problem.column, end_line, end_col),
                message,
                fix=fix,
                key=f"{problem.rule}/{problem.message}",
            )


class DuplicateReaders:
    """What reads a file with a duplicate key, and what that reader does with it (kustomize
    v5.8.1, checked with `kubectl kustomize`): a resource is decoded into a map by kyaml with
    yaml.v3, which refuses it (`mapping key "x" already defined`), so the build fails; a
    kustomization file (sigs.k8s.io/yaml) keeps the last value; a patch keeps one of the two (the
    first in a strategic-merge patch, the last in a JSON 6902 patch). Worked out once per run,
    on the first duplicate key (most runs have none)."""

    def __init__(self, ctx: Context) -> None:
        kdirs = ctx.repo.kustomize_dirs.values()
        files = ctx.repo.files.all_files
        self.kustomizations = {kd.file for kd in kdirs}
        self.resources = {e.target for kd in kdirs for e in kd.entries if e.kind == "resources" and e.target in files}
        self.patches = {
            e.target
            for kd in kdirs
            for e in kd.entries
            if e.kind == "patches" and str(e.field[0]).lower() != "replacements"  # as written: `Patches:` is read too
        }
        # the first Flux Kustomization (by key) whose build reads each file it applies
        self.built_by: dict[str, str] = {}
        for ks in sorted(ctx.flux.kustomizations, key=lambda k: k.key):
            for path in ks.files:
                if path in ctx.flux.resource_files:
                    self.built_by.setdefault(path, ks.label)

    def consequence(self, path: str) -> str:
        """What the duplicate means for `path`, as a clause for the message."""
        if path in self.built_by or path in self.resources:
            which = f"the build of {self.built_by[path]}" if path in self.built_by else "every kustomize build that includes it"
            return f": kustomize refuses a resource with a duplicate key (mapping key already defined), so {which} fails"
        if path in self.kustomizations:
            return ": kustomize reads the last one and silently ignores the first"
        if path in self.patches:
            return ": kustomize applies this patch with only one of the two values, silently"
        return ": YAML readers disagree (some keep the last value, Go's yaml.v3 as kustomize uses it refuses the file)"


def _looks_templated(repo: object, path: str, parsed: object) -> bool:
    if getattr(parsed, "templated", None):
        return True
    if path.endswith((".j2", ".jinja", ".tpl", ".gotmpl")) or "/templates/" in f"/{path}":
        return True
    raw = repo.read_bytes(path) or b""  # type: ignore[attr-defined]
    return any(hint.encode() in raw for hint in TEMPLATE_HINTS)


@check("HL003")
def unrendered_template(ctx: Context) -> Iterator[Finding]:
    repo = ctx.repo
    for path in sorted(ctx.flux.applied_files):
        parsed = repo.parsed.get(path)
        if parsed is None:
            continue
        reported: set[int] = set()
        for line, column, text in parsed.templated:
            makejinja = text.startswith(("#{", "#%"))
            if not makejinja or line in reported:
                continue
            reported.add(line)
            yield ctx.finding(
                "HL003",
                path,
                Span(line, column, line, column + len(text)),
                f"unrendered makejinja template '{text}' in a file Flux applies",
                fix="render the templates (homelint render / task configure) and commit the output, not the template",
                key=f"HL003/{text}",
            )
        for obj in repo.objects_by_file.get(path, []):
            for field in (("metadata", "name"), ("metadata", "namespace"), ("kind",), ("apiVersion",)):
                value: Any = obj.data
                for k in field:
                    value = value.get(k) if isinstance(value, dict) else None
                if isinstance(value, str) and ("{{" in value or "{%" in value) and obj.kind != "HelmRelease":
                    yield ctx.at(
                        "HL003",
                        obj,
                        field,
                        f"unrendered Jinja/Go template '{value[:60]}' in {'.'.join(field)}; Flux applies it literally",
                        fix="render the template before committing; Flux does not evaluate {{ }}",
                    )


@check("HL004")
def invalid_resource(ctx: Context) -> Iterator[Finding]:
    if not has_flux(ctx):
        return
    repo = ctx.repo
    kustomization_files = {kd.file for kd in repo.kustomize_dirs.values()}
    for path in sorted(ctx.flux.resource_files):
        parsed = repo.parsed.get(path)
        if parsed is None or not parsed.text_ok or path in kustomization_files:
            continue  # a kustomization file listed as a resource: HL116 reports the entry
        for index, doc in enumerate(parsed.docs):
            if doc is None:
                continue
            items = list_items(doc)  # a List: kustomize reads its items, each an object
            for at, obj in items if items is not None else [((), doc)]:
                problem = _not_an_object(obj)
                if problem is None:
                    continue
                what, ident, where = problem
                of = f"{_field(at)} of document {index + 1}" if at else f"document {index + 1}"
                message = (
                    f"{of} is {what}, not a Kubernetes object"
                    if where is None
                    else f"{of} has no {what}; kustomize cannot build it"
                )
                yield ctx.finding(
                    "HL004",
                    path,
                    repo.span(path, index, (*at, *(where or ()))),
                    message,
                    fix="a manifest document must be a mapping with apiVersion, kind and metadata.name"
                    if where is None
                    else "add the missing fields, or move this file out of the path Flux applies",
                    key=f"HL004/{index}/{'.'.join(map(str, at))}/{ident}" if at else f"HL004/{index}/{ident}",
                )


def _field(at: tuple[Any, ...]) -> str:
    """A field path as written in messages: items[1].items[0]."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in at).lstrip(".")


def _not_an_object(doc: Any) -> tuple[str, str, tuple[str, ...] | None] | None:
    """What keeps a document from being an object kustomize builds, as (text, key, where to
    point): what it is when not a mapping (where: None), else the fields it lacks."""
    if not isinstance(doc, dict):
        what = "a list" if isinstance(doc, list) else f"{with_article(type(doc).__name__)} scalar"
        return what, what, None
    missing = [k for k in ("apiVersion", "kind") if not isinstance(doc.get(k), str) or not doc.get(k)]
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        missing.append("metadata" if meta is None else "metadata (must be a mapping)")
    elif not (meta.get("name") or meta.get("generateName")):
        missing.append("metadata.name")
    if not missing:
        return None
    return ", ".join(missing), ",".join(missing), (("metadata",) if missing == ["metadata.name"] else ())


@check("HL006")
def skipped_files(ctx: Context) -> Iterator[Finding]:
    """Files the walk did not read (links out of the repository), and files the loader could not read."""
    yield from _loader_problems(ctx, ("HL006",))
    for skipped in ctx.repo.files.skipped:
        yield ctx.finding(
            "HL006",
            skipped.path,
            Span.point(1),
            f"not read: {skipped.reason}",
            fix="replace the link by the file, or exclude the path",
            key=f"HL006/{skipped.reason}",
        )
