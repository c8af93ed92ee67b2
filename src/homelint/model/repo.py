"""Load a repository: files, parsed documents, Kubernetes objects, kustomizations, Flux model."""

from __future__ import annotations

import json
import os
import posixpath
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from homelint.core import timing
from homelint.core.model import K8sObject, Span, list_items, make_object
from homelint.loading.discovery import KUSTOMIZATION_NAMES, FileSet
from homelint.loading.positions import PositionIndex
from homelint.loading.safeio import content_digest, read_head, read_regular, read_sized
from homelint.loading.yamlload import MAX_FILE_BYTES, ParsedFile, Problem, parse_bytes, too_big
from homelint.model.config import Config
from homelint.model.filefacts import FileFacts, file_facts
from homelint.model.kustomize import KustomizeDir, canonical_fields, parse_kustomization, reads_as_kustomization

if TYPE_CHECKING:
    from homelint.model.flux import FluxModel
    from homelint.model.graph import ResourceGraph

T = TypeVar("T")

MAX_READ_BYTES = 64 << 20  # what a check may read of one file (the loader has its own bounds)
MAX_RUN_DOCUMENTS = 500_000  # documents of one run (real repositories: a few thousand); see budgets
PARSE_MEMORY = 1 << 30  # address space a throwaway parse may add (a real 500 KB file needs ~40 MB)
CRASHED = "the YAML parser crashed on this file (or ran out of memory); not parsed"


@dataclass
class Repo:
    root: Path
    config: Config
    files: FileSet
    parsed: dict[str, ParsedFile] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    facts: dict[str, FileFacts] = field(default_factory=dict)  # the per-file phase's (filefacts)
    objects: list[K8sObject] = field(default_factory=list)
    objects_by_file: dict[str, list[K8sObject]] = field(default_factory=dict)
    # (kind, name) -> the objects references of that kind can name (K8sObject.named_by)
    objects_by_kind_name: dict[tuple[str, str], list[K8sObject]] = field(default_factory=dict)
    kustomize_dirs: dict[str, KustomizeDir] = field(default_factory=dict)
    # folders holding more than one kustomization file -> their files, kustomize's lookup order first
    # (kustomize_dirs models the first; every build of the folder fails: _index_kustomizations)
    multiple_kustomizations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # folders whose kustomization file holds another object (a Flux Kustomization, a ConfigMap) ->
    # that file: kustomize refuses to read it, so every build of the folder fails; not in
    # kustomize_dirs (listed by name, the file is read as manifests: _index_kustomizations)
    refused_kustomizations: dict[str, str] = field(default_factory=dict)
    variables_cache: dict[int, Any] = field(default_factory=dict)
    flux: FluxModel | None = None  # built by load_repo, before any check runs
    _graph: ResourceGraph | None = None
    positions: PositionIndex = field(init=False)
    _strings_memo: dict[int, tuple[K8sObject, list[tuple[Any, ...]]]] = field(default_factory=dict)
    memos: dict[str, Any] = field(default_factory=dict)  # what checks derive once per run (see memo)
    # files whose bytes the model or a check read (not to compose them for a position): their
    # comments may count, so an edit of one is never taken for a value edit (runner)
    raw_reads: set[str] = field(default_factory=set)
    listed_json: list[str] = field(default_factory=list)  # .json resources, read as manifests (build_repo)
    # files kustomizations name as patches and nowhere as resources: their documents are patch
    # bodies (a partial object), never applied as they are
    patch_files: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.positions = PositionIndex(self._read_for_positions)

    def placeholder_strings(self, obj: K8sObject) -> list[tuple[Any, ...]]:
        """(field path, text, is_key) of each string in the object containing `${` (found at parse
        time). A generated Secret has none: kustomize base64-encodes its values before Flux
        substitutes."""
        facts = self.facts.get(obj.path)
        if obj.anchor is not None and obj.kind == "Secret":
            return []
        if obj.unpatched is not None or obj.anchor is not None:  # patched or generated: read the object
            return self._patched_strings(obj)
        if facts is None or not facts.placeholders:
            return []
        if obj.doc < len(facts.var_strings):
            return facts.var_strings[obj.doc]
        from homelint.core.substitution import placeholder_strings  # start-up: a warm run does not need it

        return placeholder_strings(obj.data)

    def invalid_yaml(self, path: str) -> bool:
        """Whether a YAML file does not parse (HL001): nothing it says can be read, and kustomize
        fails on it."""
        parsed = self.parsed.get(path)
        return parsed is not None and any(problem.rule == "HL001" for problem in parsed.problems)

    def read_bytes(self, path: str) -> bytes | None:
        """A file the walk found (inside the repository, not through a symlink out of it, not a
        FIFO or device), as a regular file of bounded size; None for anything else. Checks name
        paths from repository content (generator env files, task files): they are read only here."""
        if path not in self.files.all_files:
            return None
        self.raw_reads.add(path)
        return self._read_for_positions(path)

    def _read_for_positions(self, path: str) -> bytes | None:
        """read_bytes, not recorded in raw_reads: the position index composes the YAML (for a plain
        text file, locate records the read)."""
        if path not in self.files.all_files:
            return None
        try:
            return read_regular(self.root / path, MAX_READ_BYTES)
        except OSError:
            return None

    def read_head(self, path: str, limit: int) -> bytes | None:
        """At most the first `limit` bytes of a file the walk found, as `read_bytes` reads it (a
        regular file in the repository); None for anything else."""
        if path not in self.files.all_files:
            return None
        self.raw_reads.add(path)
        try:
            return read_head(self.root / path, limit)
        except OSError:
            return None

    def read_text(self, path: str) -> str | None:
        raw = self.read_bytes(path)
        return raw.decode("utf-8", errors="replace") if raw is not None else None

    def span(self, path: str, doc: int, keys: tuple[Any, ...] | list[Any] = (), *, key: bool = False) -> Any:
        return self.positions.span(path, doc, tuple(keys), key=key)

    def text_span(self, obj: K8sObject, keys: tuple[Any, ...], needle: str, *, key: bool = False, nth: int = 0) -> Any:
        """The span of `needle` at a field in the object's own file (see `text_location`)."""
        path, span = self.locate(obj, keys, key=key, needle=needle, nth=nth)
        return span if path == obj.path else self.positions.text_span(obj.path, obj.doc, keys, needle, key=key, nth=nth)

    def obj_span(self, obj: K8sObject, *keys: Any, key: bool = False) -> Any:
        """The span of a field in the object's own file (see `locate` for a field a patch set)."""
        path, span = self.locate(obj, keys, key=key)
        return span if path == obj.path else self.positions.span(obj.path, obj.doc, keys, key=key)

    def locate(
        self, obj: K8sObject, keys: tuple[Any, ...], *, key: bool = False, needle: str | None = None, nth: int = 0
    ) -> tuple[str, Span]:
        """(file, span) of a field of an object (of the `nth` occurrence of `needle` inside its
        text): in the object's file, or, for a field a kustomize patch set, in the patch
        (patches.resolve)."""
        path, doc, at = obj.path, obj.doc, tuple(keys)
        found = None
        origins = obj.origins
        if not origins and obj.kind == "Kustomization" and self.flux is not None and obj.unpatched is None:
            origins = self.flux.ks_origins(obj)  # a Flux Kustomization its parent's build patched
        if origins:
            from homelint.model.patches import find_origin  # start-up: a warm run does not need it

            found = find_origin(origins, tuple(keys))
        if found is None and obj.anchor is not None:  # a generated object: at its generator entry
            return obj.path, self.positions.span(obj.path, obj.doc, obj.anchor)
        if found is not None:
            if key and _json_patch_op(found.inner if found.inside else found.at):
                key = False  # a key a JSON6902 operation made: its `path` names it
                found = (
                    replace(found, inner=(found.inner[0], "path")) if found.inside else replace(found, at=(found.at[0], "path"))
                )
            path, doc, at = found.path, found.doc, found.at
            if found.text:  # a generator's source file
                self.raw_reads.add(path)
                return path, self.positions.plain_text_span(path, int(at[0]) if at else 0, needle, nth)
            if found.inside:  # in the YAML text of an inline patch
                outer: list[tuple[tuple[Any, ...], int]] = []
                if at == ("metadata", "name"):  # a patch a parent's patch wrote into a Flux Kustomization
                    written = self._injected_patch(found)
                    if written is not None:  # in that parent's inline patch, or in a patch file
                        path, doc, at = written.path, written.doc, written.at
                        outer = [(written.inner, written.part)] if written.inside else []
                return path, self.positions.inner_span(
                    path, doc, at, found.inner, key=key, needle=needle, part=found.part, nth=nth, outer=outer
                )
        if needle is not None:
            return path, self.positions.text_span(path, doc, at, needle, key=key, nth=nth)
        return path, self.positions.span(path, doc, at, key=key)

    def _injected_patch(self, found: Any) -> Any:
        """Where the inline patch that set `found` (a field of an object, shown at the metadata.name
        of the Flux Kustomization whose spec.patches hold it: FluxModel's flux_patches) is written
        when a parent's patch wrote it: the Origin of that spec.patches entry's text, the last one
        that writes the field; None when it is not known."""
        from homelint.model.flux import patch_documents  # start-up: a warm run does not need it
        from homelint.model.patches import find_origin
        from homelint.model.refs import get

        holder = next((o for o in self.objects_by_file.get(found.path, []) if o.doc == found.doc), None)
        if self.flux is None or holder is None or holder.kind != "Kustomization":
            return None
        origins = self.flux.ks_origins(holder)
        if not origins:
            return None
        written = self.memo("repo.injected-patches", dict)  # by Kustomization: each patch text's documents
        if id(holder) not in written:
            ks = next((k for k in self.flux.kustomizations if k.obj is holder), None)
            patches = ks.spec.get("patches") if ks is not None else None
            entries: list[Any] = patches if isinstance(patches, list) else []
            written[id(holder)] = [
                dict(patch_documents(e["patch"])) if isinstance(e, dict) and isinstance(e.get("patch"), str) else {}
                for e in entries
            ]
        bodies = written[id(holder)]
        for index in reversed(range(len(bodies))):
            if get(bodies[index].get(found.part), found.inner) is not None:
                origin = find_origin(origins, ("spec", "patches", index, "patch"))
                return origin if origin is not None and not origin.text else None
        return None

    def text_location(
        self, obj: K8sObject, keys: tuple[Any, ...], needle: str, *, key: bool = False, nth: int = 0
    ) -> tuple[str, Span]:
        """(file, span) of `needle` (its `nth` occurrence, from 0) inside the string at a field (or
        its key) of an object."""
        return self.locate(obj, keys, key=key, needle=needle, nth=nth)

    def _patched_strings(self, obj: K8sObject) -> list[tuple[Any, ...]]:
        from homelint.core.substitution import placeholder_strings  # start-up: a warm run does not need it

        found = self._strings_memo.get(id(obj))
        if found is None or found[0] is not obj:
            found = self._strings_memo[id(obj)] = (obj, placeholder_strings(obj.data))
        return found[1]

    @property
    def flux_model(self) -> FluxModel:
        """The Flux model; load_repo builds it before anything asks."""
        assert self.flux is not None, "the Flux model is built by load_repo"
        return self.flux

    def memo(self, name: str, build: Callable[[], T]) -> T:
        """`build()` once per loaded repository under `name` (the checks' shared derived indexes)."""
        if name not in self.memos:
            self.memos[name] = build()
        return self.memos[name]  # type: ignore[no-any-return]

    def drop_graph(self) -> None:
        """Let go of the resource graph once the checks ran: the run record and the cache are made
        after them, and with the graph still held that was the peak memory of an edit run. Asked
        for again (explain), it is built anew."""
        self._graph = None

    @property
    def graph(self) -> ResourceGraph:
        if self._graph is None:
            from homelint.model.graph import build_graph  # start-up: a warm run does not need it

            timing.mark("before-graph")
            self._graph = build_graph(self)
            timing.mark("graph")
        return self._graph


def read_file(root: str, path: str) -> tuple[bytes, int, int] | ParsedFile:
    """(the bytes, size, mtime_ns) of one file; or, for a file that cannot be read or is refused,
    its ParsedFile with the problem (never cached; it has no facts).

    Size and mtime come from the open file, so the cache never pairs a new mtime with old content.
    """
    try:
        handle = open(os.path.join(root, path), "rb", opener=_nonblocking)  # noqa: SIM115 (a FIFO must not block the open)
    except OSError as exc:
        parsed = ParsedFile(path, text_ok=False)
        parsed.problems.append(Problem("HL006", f"file not readable: {exc.strerror}", 1, 1))
        return parsed
    with handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:  # checked before reading anything
            parsed = ParsedFile(path, text_ok=False)
            reason = too_big(st.st_size) if stat.S_ISREG(st.st_mode) else "not a regular file; not read"
            parsed.problems.append(Problem("HL001" if stat.S_ISREG(st.st_mode) else "HL006", reason, 1, 1))
            return parsed
        return read_sized(handle, st.st_size, MAX_FILE_BYTES), st.st_size, st.st_mtime_ns


def parse_read(path: str, raw: bytes, *, with_layout: bool = True) -> tuple[ParsedFile, FileFacts]:
    """The parsed file of these bytes and its facts (the per-file phase, on the composed nodes)."""
    nodes: list[Any] = []
    parsed = parse_bytes(path, raw, nodes)
    return parsed, file_facts(parsed, raw, nodes, with_layout=with_layout)


def crashed(path: str) -> ParsedFile:
    """The parse result of a file the parser crashed on (or ran out of memory on): an HL001
    problem, no documents, never cached (no digest)."""
    parsed = ParsedFile(path, text_ok=False)
    parsed.problems.append(Problem("HL001", CRASHED, 1, 1))
    return parsed


def parse_file(root: str, path: str) -> tuple[ParsedFile, FileFacts, str, int, int]:
    """(the parsed file, its facts, its content digest, size, mtime_ns) of one file, in this process
    (the runner parses in forked and throwaway processes instead: runner._parse_one)."""
    read = read_file(root, path)
    if isinstance(read, ParsedFile):
        return read, FileFacts(), "", 0, 0
    raw, size, mtime_ns = read
    return *parse_read(path, raw), content_digest(raw), size, mtime_ns


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


def template_inputs(root: Path) -> list[str]:
    """makejinja input folders (templates, not manifests): excluded from linting."""
    try:
        raw = read_regular(root / "makejinja.toml", 1 << 20)
    except OSError:
        return []
    return template_folders(root, makejinja_inputs(raw) if raw is not None else [])


def makejinja_inputs(raw: bytes) -> list[str]:
    """The `inputs` of a makejinja.toml ([] when it is not valid TOML)."""
    import tomllib  # 25 ms of imports: only when there is a makejinja.toml

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except ValueError:
        return []
    inputs = data.get("makejinja", {}).get("inputs", [])
    return [str(entry) for entry in inputs] if isinstance(inputs, list) else []


def template_folders(root: Path, inputs: list[str]) -> list[str]:
    """The makejinja `inputs` that are folders inside the repository (not its root), as `folder/`."""
    out = []
    for entry in inputs:
        path = (root / str(entry)).resolve()
        if path.is_dir() and path != root.resolve() and path.is_relative_to(root.resolve()):
            out.append(path.relative_to(root.resolve()).as_posix() + "/")
    return out


def build_repo(
    root: Path,
    config: Config,
    files: FileSet,
    parsed: dict[str, ParsedFile],
    digests: dict[str, str],
    facts: dict[str, FileFacts] | None = None,
) -> Repo:
    """The repository model of parsed files (and their facts): objects, kustomizations, the Flux model."""
    repo = Repo(root, config, files, parsed, digests, facts or {})
    for path, parsed_file in parsed.items():
        if not parsed_file.text_ok:  # not text, or the parser crashed on it: never composed
            repo.positions.skip.add(path)
    _index_kustomizations(repo)
    _load_listed_json(repo)
    _index_objects(repo)
    from homelint.model.flux import FluxModel  # start-up: a warm run does not need it

    repo.flux = FluxModel(repo)
    repo.flux.run()
    timing.mark("flux")
    return repo


def _index_objects(repo: Repo) -> None:
    budget = MAX_RUN_DOCUMENTS
    for path in [*repo.files.yaml_files, *repo.listed_json]:
        parsed = repo.parsed.get(path)
        if parsed is None:
            continue
        count = len(parsed.docs)
        if count > budget:
            _over_budget(parsed, budget)
        budget -= count
        found: list[K8sObject] = []
        items = count  # an item of a List is numbered past the file's documents
        for index, doc in enumerate(parsed.docs):
            inner = list_items(doc)
            if inner is None:
                obj = make_object(path, index, doc)
                if obj is not None:
                    found.append(obj)
                continue
            budget -= len(inner)
            for at, item in inner:
                obj = make_object(path, items, item)
                if obj is not None:
                    repo.positions.within[(path, items)] = (index, at)
                    found.append(obj)
                items += 1
        if found:
            repo.objects_by_file[path] = found
            repo.objects.extend(found)
    for obj in repo.objects:
        if obj.named_by(obj.kind):  # not a custom resource of kind Secret or ConfigMap: no reference names it
            repo.objects_by_kind_name.setdefault((obj.kind, obj.name), []).append(obj)


def _load_listed_json(repo: Repo) -> None:
    """The .json files a kustomization lists as resources, which kustomize reads as manifests
    (the walk parses only YAML; Flux's generated kustomizations take only .yaml/.yml). Read as
    JSON (no aliases to expand): a file that is not JSON is not modelled."""
    listed = {
        entry.target
        for kd in repo.kustomize_dirs.values()
        for entry in kd.entries
        if entry.kind == "resources" and entry.target.endswith(".json") and entry.target in repo.files.all_files
    }
    for path in sorted(listed - repo.parsed.keys()):
        raw = repo.read_bytes(path)
        try:
            doc = json.loads(raw) if raw is not None else None
        except (ValueError, RecursionError):
            continue
        if not isinstance(doc, dict):
            continue
        repo.parsed[path] = ParsedFile(path, [doc], [1])
        repo.facts[path] = FileFacts(placeholders=b"${" in raw)  # type: ignore[operator]
        repo.listed_json.append(path)


def _over_budget(parsed: ParsedFile, allowed: int) -> None:
    """Drop the documents of a file past the run's document budget; the first file past it gets an
    HL007 problem (an error: what is not checked cannot pass) at its first document left out."""
    if allowed >= 0:
        line = parsed.doc_lines[allowed] if allowed < len(parsed.doc_lines) else 1
        message = f"the run's budget of {MAX_RUN_DOCUMENTS} documents ends here: this and later documents are not checked"
        parsed.problems.append(Problem("HL007", message, line, 1))
    del parsed.docs[max(allowed, 0) :]


def _index_kustomizations(repo: Repo) -> None:
    """The kustomization of each folder: the file of the first of KUSTOMIZATION_NAMES it holds (the
    order kustomize looks them up in); a folder holding more than one is in `multiple_kustomizations`
    (kustomize refuses it: "Found multiple kustomization files under: DIR"). kustomize reads a file
    of those names as the folder's kustomization whatever it holds: one that holds another object
    is in `refused_kustomizations` (kustomize fails every build of the folder, "invalid
    Kustomization: json: unknown field \"spec\""), and a kustomization that lists the file itself
    reads it as manifests (kubectl kustomize v5.8.1)."""
    rank = {name: index for index, name in enumerate(KUSTOMIZATION_NAMES)}
    by_dir: dict[str, list[str]] = {}
    for path in repo.files.yaml_files:
        if posixpath.basename(path) in rank:
            by_dir.setdefault(posixpath.dirname(path), []).append(path)
    for directory, paths in by_dir.items():
        paths.sort(key=lambda p: rank[posixpath.basename(p)])
        if len(paths) > 1:
            repo.multiple_kustomizations[directory] = tuple(paths)
        path = paths[0]
        parsed = repo.parsed.get(path)
        data = parsed.docs[0] if parsed and parsed.docs else None
        if not isinstance(data, dict):
            data = {}
        data, written = canonical_fields(data)
        if not reads_as_kustomization(data):
            repo.refused_kustomizations[directory] = path  # e.g. a Flux Kustomization in kustomization.yaml
            continue
        repo.kustomize_dirs[directory] = parse_kustomization(directory, path, data, written)
    entries = [e for kd in repo.kustomize_dirs.values() for e in kd.entries]
    resources = {e.target for e in entries if e.kind == "resources"}
    repo.patch_files = (
        frozenset(e.target for e in entries if e.kind == "patches" and str(e.field[0]).lower() != "replacements") - resources
    )


def _json_patch_op(at: tuple[Any, ...]) -> bool:
    """Whether `at` is the `value` or `from` of a JSON6902 operation (an item of the patch's list)."""
    return len(at) == 2 and isinstance(at[0], int) and at[1] in ("value", "from")
