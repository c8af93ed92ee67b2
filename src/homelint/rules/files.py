"""HL001-HL006: YAML syntax, duplicate keys, unrendered templates, invalid resources, skipped files."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.model import Finding, Span, list_items
from homelint.loading.discovery import KUSTOMIZATION_NAMES
from homelint.loading.yamlload import TOO_BIG
from homelint.model.flux import Applied
from homelint.model.generators import DataFile, data_files
from homelint.model.helmvalues import substituted_text
from homelint.model.kustomize import Entry
from homelint.rules.common import DATA_GENERATORS, not_an_object
from homelint.rules.registry import check

TEMPLATE_HINTS = ("{{", "{%", "#{", "#%")


@check("HL001", "HL002", "HL007")
def syntax_problems(ctx: Context) -> Iterator[Finding]:
    """What the loader found wrong in a file's YAML, or too big to read."""
    yield from _loader_problems(ctx, ("HL001", "HL002", "HL007"))
    yield from _repeated_generator_keys(ctx)


def _repeated_generator_keys(ctx: Context) -> Iterator[Finding]:
    """HL002 for each generator entry of a Flux Kustomization's build whose literals, files and
    env files give a key more than once (FluxKS.generator_failures), once per entry."""
    by_place: dict[tuple[str, int, tuple[Any, ...]], list[tuple[Any, Any]]] = {}
    for ks in ctx.flux.kustomizations:
        for failed in ks.generator_failures:
            if failed.reason == "repeats":
                made = failed.obj
                by_place.setdefault((made.path, made.doc, made.anchor or ()), []).append((ks, failed))
    for (path, doc, at), found in sorted(by_place.items(), key=lambda item: repr(item[0])):
        ks, failed = found[0]
        made = failed.obj
        labels = sorted({k.label for k, _ in found})
        more = f" (and the builds of {len(labels) - 1} more Flux Kustomizations)" if len(labels) > 1 else ""
        keys = ", ".join(f"`{key}`" for key in failed.keys[:5])
        message = (
            f"{made.kind} generator '{made.name}' gives the key{'s' if len(failed.keys) > 1 else ''} {keys} more than "
            f"once (its literals, files and env files together): kustomize stops with 'configmap {made.name} illegally "
            f"repeats the key `{failed.keys[0]}`', so the build of {ks.label}{more} fails and Flux applies none of its objects"
        )
        fix = "keep one source of each key (a literal, a file, or one line of one env file)"
        finding = ctx.finding("HL002", path, ctx.repo.span(path, doc, at), message, fix=fix, key=f"HL002/{path}/{doc}/{at}")
        suspended = [ctx.suspended_ks(k) for k, _ in found]
        yield ctx.held(finding, suspended[0] if all(suspended) else None)


def _loader_problems(ctx: Context, wanted: tuple[str, ...]) -> Iterator[Finding]:
    """The loader's problems of the `wanted` rules, except in files that are templates, not manifests."""
    repo = ctx.repo
    applied = ctx.flux.applied_files
    readers: DuplicateReaders | None = None
    parsers: SyntaxReaders | None = None
    for path, parsed in repo.parsed.items():
        if not parsed.problems:
            continue
        if path not in applied and _looks_templated(repo, path, parsed):
            continue  # a Helm/Go or Jinja template, not a manifest
        as_data: tuple[str, str] | None = None  # (severity, clause) of a file only generators read
        rendered = False
        if "HL001" in wanted and any(problem.rule == "HL001" for problem in parsed.problems):
            parsers = parsers or SyntaxReaders(ctx)
            as_data = parsers.read_as(path)
            rendered = as_data is not None and as_data[0] == "warning" and _looks_templated(repo, path, parsed)
        for problem in parsed.problems:
            if problem.rule not in wanted:
                continue
            data = as_data if problem.rule == "HL001" and not problem.message.endswith(TOO_BIG) else None
            if data is not None and rendered:
                continue  # data a template engine may render before anything parses it
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
            if data is not None:
                message += data[1]
            finding = ctx.finding(
                problem.rule,
                path,
                Span(problem.line, problem.column, end_line, end_col),
                message,
                fix=fix,
                key=f"{problem.rule}/{problem.message}",
            )
            if data is not None:
                finding.severity = data[0]
            yield finding


class SyntaxReaders:
    """How Flux reads a file that does not parse (HL001), worked out on the first one (most runs
    have none). kustomize reads a `files:` source of a configMapGenerator or secretGenerator as
    bytes, never as YAML (api/kv keyValuesFromFileSources: the file's text is the value of one
    key): the build does not fail and Flux applies the text as it is. Every other reader is
    taken to parse the file: a resource, a file of a folder kustomize-controller generates a
    kustomization for (fluxcd/pkg kustomize scanManifests decodes each one), a kustomization, a
    patch, a generator or transformer configuration (and an `envs:` file, which kustomize reads as
    KEY=value lines: not told apart). A file read only as data is parsed later, by what
    reads its key: helm-controller parses a `valuesFrom` key (without `targetPath`) as Helm
    values and fails the HelmRelease on invalid YAML (fluxcd/pkg chartutil
    ChartValuesFromReferences: ReadValues, before any install or upgrade); postBuild
    substitution reads values as plain text; an application is out of sight."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        kdirs = ctx.repo.kustomize_dirs.values()
        self.data: dict[str, list[DataFile]] = {}
        parsed = set(ctx.flux.resource_files)
        for kd in kdirs:
            parsed.add(kd.file)
            for found in data_files(kd):
                self.data.setdefault(found.path, []).append(found)
            parsed.update(e.target for e in kd.entries if not _files_source(e))
        for path in list(self.data):
            if path in parsed or posixpath.basename(path) in KUSTOMIZATION_NAMES:
                del self.data[path]  # parsed as YAML by some reader too
        self._values: dict[str, list[str]] | None = None

    def read_as(self, path: str) -> tuple[str, str] | None:
        """(severity, clause for the message) of a file only generators read, None for any other."""
        found = self.data.get(path)
        if not found:
            return None
        if self._values is None:
            self._values = self._values_readers()
        readers = self._values.get(path)
        if readers:
            more = f" (and {len(readers) - 1} more)" if len(readers) > 1 else ""
            return (
                "error",
                f"; {readers[0]}{more}: helm-controller cannot parse it and fails the release before installing or upgrading it",
            )
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return "warning", (
            f"; kustomize reads this file only as data ({found[0].label}{more}), not as YAML: Flux applies its text "
            "as it is, and whatever reads that key reads invalid YAML"
        )

    def _values_readers(self) -> dict[str, list[str]]:
        """file -> the HelmReleases that parse it as values (each as a clause): a valuesFrom key,
        without targetPath, of an object a generator makes from it, in the HelmRelease's namespace
        and cluster (by the generator's name too: kustomize may rewrite the reference to the
        hashed name)."""
        flux, repo = self.ctx.flux, self.ctx.repo
        by_item: dict[tuple[str, int, str, int], dict[str, DataFile]] = {}
        for found in self.data.values():
            for data in found:
                by_item.setdefault(data.item, {}).setdefault(data.key, data)
        made: dict[tuple[tuple[str, str], str, str, str], list[dict[str, DataFile]]] = {}
        for applied in flux.applied:
            source = applied.obj.source
            anchor = source.anchor
            keys = by_item.get((source.path, source.doc, anchor[0], anchor[1])) if anchor and len(anchor) == 3 else None
            if keys is None:
                continue
            names = set(applied.names)
            names.update(n for n in (substituted_text(repo, applied, name) for name in applied.names if "${" in name) if n)
            for name in names:
                made.setdefault((_cluster(applied), source.kind, applied.ns, name), []).append(keys)
        readers: dict[str, list[str]] = {}
        for applied in flux.applied if made else ():
            obj = applied.obj
            entries = obj.spec.get("valuesFrom") if obj.kind == "HelmRelease" and obj.group == HELM_GROUP else None
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict) or entry.get("kind") not in ("ConfigMap", "Secret") or entry.get("targetPath"):
                    continue  # a targetPath value is set as a string, not parsed as YAML
                ref = substituted_text(repo, applied, entry.get("name")) or ""
                values_key = substituted_text(repo, applied, entry.get("valuesKey") or "values.yaml") or ""
                for by_key in made.get((_cluster(applied), entry["kind"], applied.ns, ref), []):
                    read = by_key.get(values_key)
                    if read is not None:
                        how = f"as Helm values ({read.label}, through spec.valuesFrom)"
                        said = f"HelmRelease {applied.ns}/{applied.name} reads it {how}"
                        if said not in readers.setdefault(read.path, []):
                            readers[read.path].append(said)
        return readers


HELM_GROUP = "helm.toolkit.fluxcd.io"


def _files_source(entry: Entry) -> bool:
    """Whether a kustomization entry is a `files:` source of a configMapGenerator/secretGenerator."""
    return (
        entry.kind == "generator-file"
        and len(entry.field) == 4
        and entry.field[2] == "files"
        and str(entry.field[0]).lower() in DATA_GENERATORS
    )


def _cluster(applied: Applied) -> tuple[str, str]:
    """The cluster an object goes to: its root's, and the remote one of a spec.kubeConfig."""
    return (applied.ks.cluster, applied.ks.target) if applied.ks is not None else ("", "")


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
    values = ctx.flux.sources.sync_values  # flux-instance values: the FluxInstance holds them as written
    for path in sorted({*ctx.flux.applied_files, *values}):
        parsed = repo.parsed.get(path)
        if parsed is None:
            continue
        reported: set[int] = set()
        where = "a file Flux applies" if path in ctx.flux.applied_files else "the flux-instance values the bootstrap installs"
        for line, column, text in parsed.templated:
            makejinja = text.startswith(("#{", "#%"))
            if not makejinja or line in reported:
                continue
            reported.add(line)
            yield ctx.finding(
                "HL003",
                path,
                Span(line, column, line, column + len(text)),
                f"unrendered makejinja template '{text}' in {where}",
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


@check("HL004", needs_flux=True)
def invalid_resource(ctx: Context) -> Iterator[Finding]:
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
                problem = not_an_object(obj)
                if problem is None:
                    continue
                what, ident, where = problem
                of = f"{_field(at)} of document {index + 1}" if at else f"document {index + 1}"
                dropped = ident == "apiVersion"  # kustomize builds it; kustomize-controller drops it
                message = (
                    f"{of} is {what}, not a Kubernetes object"
                    if where is None
                    else f"{of} has no apiVersion: kustomize builds it, but kustomize-controller drops it without a "
                    "word (it is no Kubernetes object to Flux), so it is never applied"
                    if dropped
                    else f"{of} has no {what}; kustomize cannot build it"
                )
                yield ctx.finding(
                    "HL004",
                    path,
                    repo.span(path, index, (*at, *(where or ()))),
                    message,
                    fix="a manifest document must be a mapping with apiVersion, kind and metadata.name"
                    if where is None
                    else "add the apiVersion of its kind (v1 for a Namespace or a ConfigMap)"
                    if dropped
                    else "add the missing fields, or move this file out of the path Flux applies",
                    key=f"HL004/{index}/{'.'.join(map(str, at))}/{ident}" if at else f"HL004/{index}/{ident}",
                )


def _field(at: tuple[Any, ...]) -> str:
    """A field path as written in messages: items[1].items[0]."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in at).lstrip(".")


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
