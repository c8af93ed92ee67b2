"""Which Flux sources serve this repository, and what their artifacts contain.

A GitRepository/OCIRepository is this repository when the repository says so (never by its name):
a FluxInstance `spec.sync` (or the flux-instance chart's `values.instance.sync`) names it; a
Kustomization declared in the same file as it (`flux bootstrap`'s gotk-sync.yaml), in the same
folder, or (a GitRepository) under its own spec.path with it points at a `spec.path` that exists
here; its URL is a remote of `.git/config`; it names the URL and ref of a GitRepository found to be
this repository by the rest (a second name for the same commits); or the config lists it
(`flux.local-sources`). The
same folder and the spec.path are guesses: a GitRepository they alone find is not this repository
when its URL names another repository than those this one is known by (the URLs of the sources
the other evidence finds, and the remotes), as kustomize-controller builds spec.path in a clone of
that URL; when either URL is not known here (a placeholder, a source made outside Git), the guess
stands. An artifact holds what source-controller puts in it (sourceignore.py: its `.sourceignore`
files and spec.ignore, or its default exclusions); the source of a FluxInstance sync is the object
flux-operator makes from spec.sync (no ignore, no include), not a file here that declares one of
its name for the same cluster. An OCIRepository's artifact is the folder `flux push artifact
--path` pushes, found in the repository's task files and CI, without the push's --ignore-paths,
then packed again by source-controller.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from homelint.core.model import K8sObject
from homelint.core.regex import linear
from homelint.core.substitution import resolve
from homelint.loading.discovery import git_remotes, normal_url
from homelint.model.helmfiles import TOKEN, known, templated_helmfiles
from homelint.model.kustomize import escapes, inside, join
from homelint.model.scripts import unnamed_scripts
from homelint.model.sourceignore import SOURCEIGNORE, Matcher, Pattern, effective, read_patterns

# the kinds of source-controller (source.toolkit.fluxcd.io) and of ExternalArtifact producers
SOURCE_KINDS = ("GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Bucket", "ExternalArtifact")

if TYPE_CHECKING:
    from homelint.model.repo import Repo

FLUX_KS_GROUP = "kustomize.toolkit.fluxcd.io"
SOURCE_GROUP = "source.toolkit.fluxcd.io"
ARTIFACT_KINDS = ("GitRepository", "OCIRepository", "Bucket", "ExternalArtifact")


class Tree:
    """The repository's files and folders by folder, indexed at the first question."""

    def __init__(self, files: Iterable[str], dirs: Iterable[str]) -> None:
        self._files, self._dirs = files, dirs
        self._children: dict[str, tuple[list[str], list[str]]] | None = None

    @cached_property
    def extent(self) -> tuple[int, int]:
        """How many paths the tree has, and how many distinct names (what a Matcher is asked about)."""
        paths = {*self._files, *self._dirs}
        return len(paths), len({posixpath.basename(p) for p in paths})

    def children(self, folder: str) -> tuple[list[str], list[str]]:
        """(files, folders) directly in `folder` (repo-relative)."""
        if self._children is None:
            self._children = {}
            for path in sorted(self._files):
                self._children.setdefault(posixpath.dirname(path), ([], []))[0].append(path)
            for path in sorted(self._dirs):
                if path:
                    self._children.setdefault(posixpath.dirname(path), ([], []))[1].append(path)
        return self._children.get(folder, ([], []))


@dataclass(frozen=True, order=True, slots=True)
class SourceRef:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def _str(value: Any, default: str) -> str:
    return value if isinstance(value, str) and value else default


def source_ref(spec: Any, own_namespace: str) -> SourceRef | None:
    """The sourceRef of a Flux Kustomization spec; a missing namespace is the referrer's own."""
    ref = spec.get("sourceRef") if isinstance(spec, dict) else None
    if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
        return None
    return SourceRef(_str(ref.get("kind"), "GitRepository"), _str(ref.get("namespace"), own_namespace), ref["name"])


@dataclass
class Artifact:
    """What one source serves: the files under `root` that its ignore rules keep (sourceignore.py:
    source-controller's pattern list, matched as go-git matches it); an OCI artifact's push has its
    own ignore paths first."""

    ref: SourceRef
    root: str  # repo-relative folder the artifact is made of ("" = the repository root)
    evidence: str
    # source-controller's patterns, relative to root, in its order (sourceignore.effective); none:
    # nothing is left out (an OCI layer copied as it is, a source assumed)
    rules: list[Pattern] = field(default_factory=list)
    path_known: bool = True  # False: an OCI artifact whose pushed folder we could not find
    include: tuple[str, ...] = ()  # an ExternalArtifact: only these folders (relative to root)
    # repo-relative folders where a GitRepository's spec.include copies other artifacts (toPath):
    # what is there in the cluster's artifact is not what this repository holds (not modelled)
    mounts: tuple[str, ...] = ()
    pushed: list[Pattern] = field(default_factory=list)  # an OCI artifact: the --ignore-paths of its push
    tree: Tree | None = field(default=None, repr=False, compare=False)  # the repository's folders
    _contains: dict[tuple[str, bool], bool] = field(default_factory=dict, repr=False, compare=False)

    @property
    def patterns(self) -> list[str]:
        """source-controller's patterns as written."""
        return [p.text for p in self.rules]

    @cached_property
    def _stages(self) -> tuple[Matcher, ...]:
        paths, names = self.tree.extent if self.tree is not None else (0, 0)
        return tuple(Matcher(patterns, paths, names) for patterns in (self.pushed, self.rules) if patterns)

    def unmodelled(self) -> list[str]:
        """Where the ignore rules are that homelint does not match (over sourceignore.BUDGET): the
        files they could decide are taken to be in the artifact (`contains`), none is said to be
        left out (`left_out_by`)."""
        return [where for stage in self._stages for domain in stage.unmodelled for where in stage.where(domain)]

    def contains(self, path: str, is_dir: bool = False) -> bool:
        """Whether the artifact holds `path`, a file or a folder (memoised: builds ask for the same
        paths again). A folder is there when the rules keep it or anything below it."""
        key = (path, is_dir)
        found = self._contains.get(key)
        if found is None:
            found = self._contains[key] = self._decide(path, is_dir)
        return found

    def ignores(self, path: str, is_dir: bool = False) -> bool:
        """Whether `path` lies in the folder the artifact is made of (and its `include`) but its
        ignore rules leave it out: not merely outside the artifact."""
        rel = self._relative(path)
        return rel is not None and rel != "" and self._included(rel, is_dir) and not self.contains(path, is_dir)

    def _relative(self, path: str) -> str | None:
        if not self.root:
            return path
        if path == self.root:
            return ""
        return path[len(self.root) + 1 :] if path.startswith(self.root + "/") else None

    def _included(self, rel: str, is_dir: bool) -> bool:
        return not self.include or any(
            rel == inc or rel.startswith(inc + "/") or (is_dir and inc.startswith(rel + "/")) for inc in self.include
        )

    def _kept(self, rel: str, is_dir: bool) -> bool:
        """No stage (the push, then source-controller's archive) leaves the path itself out."""
        return not any(stage.excluded(rel, is_dir) for stage in self._stages)

    def _decide(self, path: str, is_dir: bool) -> bool:
        rel = self._relative(path)
        if rel is None:
            return False
        if rel == "":
            return True
        if not is_dir:
            return self._included(rel, False) and self._kept(rel, False)
        return self._folder(path)

    def _folder(self, path: str) -> bool:
        """A folder is in the artifact when the rules keep it, or a file or folder below it (an
        archive asks about each, and unpacking makes the folders of what it holds). Each folder is
        judged once, the folders the rules leave out from the bottom up."""
        stack = [(path, False)]
        while stack:
            folder, below = stack.pop()
            if (folder, True) in self._contains:
                continue
            rel = self._relative(folder) or ""
            if below:
                subs = self.tree.children(folder)[1] if self.tree else []
                self._contains[(folder, True)] = any(self._contains.get((sub, True), False) for sub in subs)
                continue
            if not self._included(rel, True) or self._kept(rel, True):
                self._contains[(folder, True)] = self._included(rel, True)
                continue
            if self.tree is None or not any(stage.includes for stage in self._stages):
                # a pattern that matches a folder matches all below it: only a `!` takes one back
                self._contains[(folder, True)] = False
                continue
            files, subs = self.tree.children(folder)
            if any(self.contains(f) for f in files):
                self._contains[(folder, True)] = True
                continue
            stack.append((folder, True))
            stack.extend((sub, False) for sub in subs)
        return self._contains[(path, True)]

    def left_out_by(self, path: str) -> str | None:
        """Which ignore rule leaves out `path` (a file it does not contain), and where the rule is
        written: the pattern that decides (the last that matches); None when none does (the file is
        outside its folder, or its included folders)."""
        rel = self._relative(path)
        if not rel:
            return None
        if not all(stage.known(rel, False) for stage in self._stages):
            return None
        for stage in self._stages:
            pattern = stage.deciding(rel, False)
            if pattern is not None and not pattern.inclusion:
                return f"{self.ref}'s ignore rules ({pattern.where})"
        return None

    @cached_property
    def key(self) -> str:
        """The artifact's identity for memos (made once: after its patterns are read; a new string
        per call was one per memoized build, each as long as the ignore rules)."""
        rules = ["/".join(p.domain) + "\1" + p.text for p in self.rules]
        return "\0".join([self.root, *rules, "\0", *(p.text for p in self.pushed), "\0", *self.include])

    def path(self, spec_path: str) -> str:
        """A Kustomization `spec.path` as a repo-relative folder."""
        return join(self.root, spec_path)

    def mounted(self, path: str) -> str | None:
        """The spec.include folder `path` is in, if any: its content comes from another artifact."""
        return next((mount for mount in self.mounts if inside(path, mount)), None)


@dataclass
class Sources:
    artifacts: dict[SourceRef, Artifact] = field(default_factory=dict)
    syncs: list[tuple[SourceRef, str, K8sObject]] = field(default_factory=list)  # FluxInstance roots
    # files of flux-instance chart values that give a sync (a helmfile release's, a generator's):
    # the FluxInstance spec the chart renders holds their values as they are written
    sync_values: set[str] = field(default_factory=set)
    bootstraps: list[K8sObject] = field(default_factory=list)  # Kustomizations applied by hand
    scoped: dict[str, dict[SourceRef, Artifact]] = field(default_factory=dict)  # by bootstrap file
    notes: list[str] = field(default_factory=list)
    fallback: bool = False  # no evidence: GitRepository flux-system assumed local
    pushes: list[Push] = field(default_factory=list)  # folders pushed as OCI artifacts
    # the fallback's flux-system artifact, when the only evidence is Kustomizations beside other
    # sources: taken (assume) if the Flux model finds that the repository applies all of them
    assumed: Artifact | None = None

    def assume(self, repo: Repo) -> None:
        """Take the fallback's assumption after all: GitRepository flux-system is this repository."""
        if self.assumed is None:
            return
        self.artifacts.setdefault(self.assumed.ref, self.assumed)
        self.fallback = True
        _generated_artifacts(repo, self)  # a generator may copy from the assumed source too

    def unmodelled_notes(self) -> list[str]:
        """One note per artifact whose ignore rules homelint does not match in full (Artifact.unmodelled)."""
        notes: list[str] = []
        for ref, art in sorted(self.artifacts.items()):
            where = art.unmodelled()
            if where:
                notes.append(
                    f"the ignore rules of {ref} in {', '.join(where[:3])}{' ...' if len(where) > 3 else ''} have more "
                    "wildcard patterns than homelint matches against this many paths: the files they could leave "
                    "out are taken to be in the artifact, and no rule says that one is left out"
                )
        return notes

    def pulled(self) -> set[str]:
        """The pushed folders an OCIRepository this repository models pulls."""
        return {art.root for art in self.artifacts.values() if art.ref.kind == "OCIRepository" and art.path_known}

    def pushed_elsewhere(self, directory: str) -> bool:
        """Whether a folder is in an OCI artifact this repository pushes and no source it models
        pulls (another cluster, or an OCIRepository made at run time, applies it)."""
        pulled = self.pulled()
        return any(push.holds(directory) and push.folder not in pulled for push in self.pushes)

    def artifact(self, ref: SourceRef | None, scope: dict[SourceRef, Artifact] | None = None) -> Artifact | None:
        if ref is None:
            return None
        return (scope or {}).get(ref) or self.artifacts.get(ref)


def include_folders(spec: dict[str, Any]) -> tuple[str, ...]:
    """The folders a GitRepository's spec.include copies other GitRepositories' artifacts into
    (toPath, by default the included repository's name; source-controller joins it under the
    artifact's root, so a leading '/' or '..' stays inside it)."""
    found: list[str] = []
    include = spec.get("include")
    for item in include if isinstance(include, list) else []:
        if not isinstance(item, dict):
            continue
        repository = item.get("repository")
        name = repository.get("name") if isinstance(repository, dict) else None
        to_path = item.get("toPath") or name
        if isinstance(to_path, str) and to_path:
            parts = [p for p in to_path.replace("\\", "/").split("/") if p not in ("", ".")]
            clean = posixpath.normpath("/" + "/".join(parts)).lstrip("/")
            if clean:  # a toPath of the artifact's root is not modelled
                found.append(clean)
    return tuple(sorted(set(found)))


_PUSH = re.compile(r"flux\s+push\s+artifact\b(?P<args>(?:[^\n\\]|\\\n)*)")
# one shell word: quoted parts, `${{ ... }}` expressions (spaces and all: GitHub replaces them
# before the shell splits words), and other characters. The alternatives start apart, and a
# quoted part or an expression is read up to 256 characters (a longer one ends the word): a
# line of many unclosed `--path="` is read in linear time, not once to its end from each
_WORD = r"""(?:"[^"\n]{0,256}"|'[^'\n]{0,256}'|\$\{\{[^}\n]{0,256}\}\}|\$(?!\{\{)|[^"'\s\\$])+"""
_WORD_PART = re.compile(r""""([^"\n]*)"|'([^'\n]*)'|(\$\{\{[^}\n]*\}\}|\$(?!\{\{)|[^"'\s\\$]+)""")
_PUSH_PATH = re.compile(rf"--path[= ]\s*({_WORD})")
_PUSH_IGNORE = re.compile(rf"--ignore-paths[= ]\s*({_WORD})")
_PUSH_URL = re.compile(r"""oci://(?:\$\{\{[^}\n]{0,256}\}\}|\$(?!\{\{)|[^"'\s\\$])+""")
PUSH_FILES = re.compile(
    r"(^|/)(Taskfile[^/]*\.ya?ml|\.taskfiles/.*\.ya?ml|justfile|\.justfile|.*\.just|Makefile|\.github/workflows/[^/]+\.ya?ml|.*\.(?:sh|bash|zsh))$",
    re.I,
)
MAX_MATRIX = 256  # values of one matrix variable a push is made once for; more are not listed one by one


def _unquoted(word: str) -> str:
    """A shell word without its quotes."""
    return "".join(next(g for g in m.groups() if g is not None) for m in _WORD_PART.finditer(word))


@dataclass(frozen=True)
class Push:
    """A folder this repository pushes as an OCI artifact (`flux push artifact --path`, or the
    Flux distribution's push action), where the push is written, its ignore patterns, and the
    repository it goes to (no `oci://`, tag or digest; None when unknown; `*` where the command
    line has a variable)."""

    folder: str  # `*` for each variable of a folder named by one (a matrix: one push per value)
    file: str
    patterns: tuple[str, ...] = ()
    url: str | None = None
    written: str = ""  # the folder as written (a variable as it is: for notes)
    # the one variable of both the folder and the URL (once in each): a URL binds the folder
    variable: str | None = None
    unbound: str = ""  # why a folder named by a variable cannot be bound to a URL

    @property
    def templated(self) -> bool:
        return "*" in self.folder

    def holds(self, directory: str) -> bool:
        """Whether a repo-relative folder is inside what this push pushes."""
        if not self.templated:
            return inside(directory, self.folder)
        pattern = "[^/]+".join(re.escape(part) for part in self.folder.split("*"))
        return linear(f"{pattern}(/.*)?").fullmatch(directory) is not None

    def names(self, directory: str) -> bool:
        """Whether a repo-relative folder is one this push pushes (not a folder inside one)."""
        if not self.templated:
            return directory == self.folder
        return linear("[^/]+".join(re.escape(part) for part in self.folder.split("*"))).fullmatch(directory) is not None

    def goes_to(self, url: str) -> bool:
        """Whether an OCIRepository `url` is where this push goes."""
        if self.url is None:
            return False
        if "*" not in self.url:
            return self.url == url
        return linear(".+".join(re.escape(part) for part in self.url.split("*"))).fullmatch(url) is not None

    def bound(self, url: str, dirs: set[str] | frozenset[str]) -> Push | None:
        """This push as it goes to the OCI repository `url`, when its folder is named by the one
        variable of its URL: the value the URL gives that variable names the folder (exact: the
        URL's text around the variable is fixed). None when it does not go there, or the folder
        is not one of the repository's."""
        if self.variable is None or self.url is None:
            return None
        head, _, tail = self.url.partition("*")
        if len(url) <= len(head) + len(tail) or not url.startswith(head) or not url.endswith(tail):
            return None
        value = url[len(head) : len(url) - len(tail)]
        if any(part in ("", ".", "..") for part in value.split("/")):
            return None
        folder = join("", self.folder.replace("*", value))
        if folder not in dirs:
            return None
        return Push(folder, self.file, self.patterns, url, self.written)


MAX_URL = 2048  # an OCI reference is short; a longer one is not matched (and not scanned)
FLUX_MANIFESTS = "ghcr.io/fluxcd/flux-manifests"  # Flux's own distribution (flux install, flux-operator)
PUSH_ACTION = "controlplaneio-fluxcd/distribution/actions/push"
_VARIABLE = re.compile(r"\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\w+")


def _variables(text: str) -> list[str]:
    """The variables of a command-line text, in order, each as one name (`${{ matrix.a }}` and
    `${{matrix.a}}` are one; `$A` and `${A}` are one)."""
    names = []
    for match in _VARIABLE.finditer(text):
        token = re.sub(r"\s+", "", match.group(0))
        names.append(token if token.startswith("${") else "${" + token[1:] + "}")
    return names


def _with_value(text: str, name: str, value: str) -> str:
    """`text` with each occurrence of the variable `name` replaced by `value`."""
    return _VARIABLE.sub(lambda m: value if _variables(m.group(0)) == [name] else m.group(0), text)


def oci_repository(url: Any) -> str | None:
    """An OCI repository as pushed and pulled: lowercase, without `oci://`, tag or digest; a
    variable (`${{ ... }}`, `${X}`, `$X`) becomes `*`."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        return None
    text = _VARIABLE.sub("*", url.strip()).removeprefix("oci://").split("@", 1)[0]
    head, _, last = text.rpartition("/")
    if head and ":" in last:
        text = f"{head}/{last.split(':', 1)[0]}"
    return text.lower() or None


def pushed_folders(repo: Repo) -> list[Push]:
    """Every folder the repository's task files, scripts (model.scripts: mise tasks and shell
    scripts without a suffix too) and CI push as an OCI artifact: `flux push
    artifact --path` (its `--ignore-paths` is a comma-separated list of gitignore patterns
    relative to the folder: the flux CLI builds the artifact with fluxcd/pkg sourceignore) and the
    `controlplaneio-fluxcd/distribution/actions/push` step (`path`, default `.`; `repository`;
    `ignore-paths`, one per line), which runs that command. In a GitHub workflow each job's steps
    are read with its `strategy.matrix`: a folder named by one matrix variable whose values the
    job lists is pushed once per value (GitHub replaces `${{ matrix.x }}` before the step runs). A `run:`
    step runs in its working directory (_working_directory), where the flux CLI reads `--path`
    from; a step's inputs (another action's script, the push action's `path`) do not: GitHub
    gives `working-directory` and `defaults.run` to `run:` steps only, not to an action's steps."""
    found: list[Push] = []
    scripts = unnamed_scripts(repo)  # mise tasks, shell scripts without a suffix
    for path in sorted(repo.files.all_files):
        if not (_may_push(path) and PUSH_FILES.search(path)) and path not in scripts:
            continue
        text = repo.read_text(path) or ""
        if "push" not in text:
            continue
        jobs = _workflow_jobs(repo, path) if ".github/workflows/" in path.lower() else None
        if jobs is None:
            for match in _PUSH.finditer(text):
                found.extend(_command_pushes(match.group("args"), path, {}))
            continue
        for job, defaults in jobs:
            matrix = _matrix_values(job)
            steps = job.get("steps")
            steps = steps if isinstance(steps, list) else []
            # a job that checks the repository out into a folder: where it is is not read (the
            # workspace is taken for it, as before)
            moved = any(_checks_out_into_folder(step) for step in steps)
            for step in steps:
                for chunk, is_run in _step_texts(step):
                    cwd = _working_directory(step, job, defaults) if is_run and not moved else ""
                    for match in _PUSH.finditer(chunk):
                        found.extend(_command_pushes(match.group("args"), path, matrix, cwd))
                found.extend(_action_push(step, path, matrix))
    return found


def _workflow_jobs(repo: Repo, path: str) -> list[tuple[dict[str, Any], Any]] | None:
    """The jobs of a GitHub workflow, in order, each with its workflow's `defaults`; None when it
    does not parse into jobs."""
    parsed = repo.parsed.get(path)
    docs = [doc for doc in parsed.docs if isinstance(doc, dict) and isinstance(doc.get("jobs"), dict)] if parsed else []
    if not docs:
        return None
    return [(job, doc.get("defaults")) for doc in docs for job in doc["jobs"].values() if isinstance(job, dict)]


def _step_texts(step: Any) -> list[tuple[str, bool]]:
    """The texts of a workflow step that may run a command, each with whether it is the step's
    `run` (else one of its inputs)."""
    if not isinstance(step, dict):
        return []
    inputs = step.get("with")
    texts = [(step.get("run"), True)] + [(value, False) for value in (inputs.values() if isinstance(inputs, dict) else [])]
    return [(text, is_run) for text, is_run in texts if isinstance(text, str) and "push" in text]


_WORKSPACE = re.compile(r"\$\{\{\s*github\.workspace\s*\}\}(?=/|$)")
_EXPRESSION = re.compile(r"\$\{\{[^}]*\}\}")


def _working_directory(step: dict[str, Any], job: dict[str, Any], defaults: Any) -> str | None:
    """The folder a `run:` step runs in, relative to the workspace ('' = its root, where
    actions/checkout puts the repository without `path`): the step's `working-directory`, else
    the job's `defaults.run.working-directory`, else the workflow's (GitHub: the most specific
    wins). An expression (`${{ matrix.x }}`) stays as written: GitHub replaces it before the step
    runs, as in `run`. None when the folder is not known: an absolute path, a shell variable (the
    runner does not expand one there), a folder above the workspace."""
    value: Any = step.get("working-directory")
    for holder in (job.get("defaults"), defaults):
        if value is not None:
            break
        run = holder.get("run") if isinstance(holder, dict) else None
        value = run.get("working-directory") if isinstance(run, dict) else None
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_URL:
        return None
    text = _WORKSPACE.sub(".", value.strip(), count=1) if _WORKSPACE.match(value.strip()) else value.strip()
    if text.startswith(("/", "~", "\\")) or "$" in _EXPRESSION.sub("", text):
        return None
    plain = posixpath.normpath(_EXPRESSION.sub("x", text) or ".")
    if escapes(plain):
        return None
    return "" if plain == "." else text


def _checks_out_into_folder(step: Any) -> bool:
    """Whether a step is actions/checkout with a `path` other than the workspace itself."""
    uses = step.get("uses") if isinstance(step, dict) else None
    if not isinstance(uses, str) or uses.split("@", 1)[0].strip().lower() != "actions/checkout":
        return False
    inputs = step.get("with")
    where = inputs.get("path") if isinstance(inputs, dict) else None
    return where is not None and not (isinstance(where, str) and posixpath.normpath(where.strip() or ".") == ".")


def _matrix_values(job: dict[str, Any]) -> dict[str, list[str]]:
    """The values a job's `strategy.matrix` lists for each variable (`${{matrix.x}}`), by GitHub's
    matrix rules: its list, and the `include` entries' values of it (each one adds its value, to
    combinations that have it or as a combination of its own); with only `include`, the entries'
    values. None for a matrix with `exclude` (which may take values out) or one given by an
    expression, nor for a variable with a value that is not a string or a number (a variable only
    some `include` entries set is empty in the other combinations: not listed either)."""
    strategy = job.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
    if not isinstance(matrix, dict) or "exclude" in matrix:
        return {}
    lists: dict[str, list[Any]] = {}
    for key, value in matrix.items():
        if key != "include":
            lists[str(key)] = list(value) if isinstance(value, list) else [None]
    entries = matrix.get("include", [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        return {}
    if not lists:  # only `include`: its entries are the combinations (one without a key has it empty)
        keys = {str(k) for entry in entries for k in entry}
        lists = {k: [next((v for ek, v in e.items() if str(ek) == k), None) for e in entries] for k in keys}
    else:  # an entry adds its value of a listed variable (to combinations with it, or as its own)
        for entry in entries:
            for key, value in entry.items():
                if str(key) in lists:
                    lists[str(key)].append(value)
    found: dict[str, list[str]] = {}
    for key, values in lists.items():
        if values and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
            texts = list(dict.fromkeys(str(v) for v in values))
            if len(texts) <= MAX_MATRIX and not any("$" in t for t in texts):
                found["${{matrix." + key + "}}"] = texts
    return found


def _command_pushes(args: str, path: str, matrix: dict[str, list[str]], cwd: str | None = "") -> list[Push]:
    """The pushes of one `flux push artifact` command line run in the folder `cwd` of the
    workspace (None: not known)."""
    where = _PUSH_PATH.search(args)
    if where is None:
        return []
    ignores = _PUSH_IGNORE.search(args)
    patterns = tuple(p for p in _unquoted(ignores.group(1)).split(",") if p) if ignores else ()
    target = _PUSH_URL.search(args)
    folder = _in_directory(cwd, _unquoted(where.group(1)))
    if folder is None:
        return []
    return _pushes(folder, target.group(0) if target else None, path, patterns, matrix)


def _in_directory(cwd: str | None, folder: str) -> str | None:
    """A `--path` as seen from the workspace when the command runs in `cwd` (the flux CLI reads a
    relative path from its working directory); one under `${{ github.workspace }}` from there; one
    that starts elsewhere (`/`, `~`, a shell variable) as written. None when the folder is not
    known: the working directory is not, or the path leads above the workspace from it."""
    text = folder.strip()
    if _WORKSPACE.match(text):
        return _WORKSPACE.sub(".", text, count=1)
    if text.startswith(("/", "~")) or (text.startswith("$") and not text.startswith("${{")) or not text or cwd == "":
        return folder
    if cwd is None:
        return None
    joined = cwd.rstrip("/") if text in (".", "./") else f"{cwd.rstrip('/')}/{text.removeprefix('./')}"
    return None if escapes(posixpath.normpath(_VARIABLE.sub("x", joined))) else joined


def _action_push(step: Any, path: str, matrix: dict[str, list[str]]) -> list[Push]:
    """The distribution push action's step."""
    uses = step.get("uses") if isinstance(step, dict) else None
    if not isinstance(uses, str) or uses.split("@", 1)[0].strip() != PUSH_ACTION:
        return []
    inputs = step.get("with")
    inputs = inputs if isinstance(inputs, dict) else {}
    folder, repository = inputs.get("path", "."), inputs.get("repository")
    if not isinstance(folder, str):
        return []
    ignore = inputs.get("ignore-paths")
    patterns = tuple(ignore.split()) if isinstance(ignore, str) else ()
    return _pushes(folder, repository if isinstance(repository, str) else None, path, patterns, matrix)


def _pushes(folder: str, url: str | None, path: str, patterns: tuple[str, ...], matrix: dict[str, list[str]]) -> list[Push]:
    """The pushes of one folder and URL as written: one per value of the matrix variable that
    alone names the folder, else one (bound to a URL later when its one variable is the URL's)."""
    if not folder.strip() or len(folder) > MAX_URL or (url is not None and len(url) > MAX_URL):
        return []
    names = _variables(folder)
    if len(set(names)) == 1 and names[0] in matrix:
        made = []
        for value in matrix[names[0]]:
            each = _folder(_with_value(folder, names[0], value))
            if each is not None:
                link = _with_value(url, names[0], value) if url is not None else None
                made.append(Push(each, path, patterns, oci_repository(link), folder.strip()))
        return made
    written = _folder(folder)
    if written is None:
        return []
    if not names:
        return [Push(written, path, patterns, oci_repository(url), folder.strip())]
    in_url = _variables(url) if url is not None else []
    repository = oci_repository(url)
    if len(names) == 1 and in_url == names and written.count("*") == 1 and (repository or "").count("*") == 1:
        return [Push(written, path, patterns, repository, folder.strip(), names[0])]
    if len(names) > 1:
        why = "its folder holds more than one variable"
    elif url is None:
        why = "its command names no oci:// URL"
    elif names[0] not in in_url:
        why = "its URL does not hold the folder's variable"
    elif (repository or "").count("*") != len(in_url):
        why = "its URL holds the folder's variable in its tag"
    else:
        why = "its URL holds other variables too, or that one more than once"
    if names[0].startswith("${{matrix.") and len(set(names)) == 1:
        why = f"its job's strategy.matrix gives no plain list of {names[0][3:-2]}, and {why}"
    return [Push(written, path, patterns, repository, folder.strip(), unbound=why)]


def _folder(text: Any) -> str | None:
    """A pushed folder, repo-relative; each variable in it becomes `*` (a path segment)."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_URL:
        return None
    folder = join("", _VARIABLE.sub("*", text.strip()))
    return None if folder.startswith("..") or folder.startswith("*") else folder


def _may_push(path: str) -> bool:
    """Whether PUSH_FILES may match (its regex tries every `/` of every path: ~6 ms on 1,600 paths);
    an ASCII path it matches ends so (re.I also matches U+0131, U+017F, U+212A to i, s, k: a path
    that is not ASCII asks the regex)."""
    if not path.isascii():
        return True
    low = path.lower()
    return low.endswith((".sh", ".bash", ".zsh", ".just", "justfile", "makefile")) or (
        low.endswith((".yml", ".yaml")) and ("taskfile" in low or ".github/workflows/" in low)
    )


def sync_of(repo: Repo, obj: K8sObject) -> tuple[dict[str, Any], str] | None:
    """(sync, namespace of the FluxInstance) of a FluxInstance or a flux-instance HelmRelease:
    flux-operator names the sync's source and Kustomization after the namespace the instance is
    in, which kustomize may set (`landing_namespace`)."""
    target: Any = None
    if obj.kind == "FluxInstance":
        sync = obj.spec.get("sync")
    elif obj.kind == "HelmRelease":
        values = obj.spec.get("values")
        instance = values.get("instance") if isinstance(values, dict) else None
        sync = instance.get("sync") if isinstance(instance, dict) else None
        target = obj.spec.get("targetNamespace")
    else:
        return None
    if not isinstance(sync, dict) or not isinstance(sync.get("path"), str):
        return None
    ns = target if isinstance(target, str) and target else landing_namespace(repo, obj) or "flux-system"
    return sync, ns


def landing_namespace(repo: Repo, obj: K8sObject) -> str | None:
    """The namespace an object lands in, read before the Flux model is built: its own, else the
    literal `targetNamespace` of the Flux Kustomizations whose spec.path holds its file (which
    wins over the rest), else the literal `namespace:` of the kustomization that lists its file;
    None when that is not one certain answer."""
    if obj.namespace:
        return obj.namespace
    folder = posixpath.dirname(obj.path)
    by_path = repo.memo("sources.target-namespaces", lambda: _target_namespaces(repo))
    targets: set[str] = set()
    at = folder
    while True:  # the folder and each folder above it: one look-up each (linear in the instances)
        targets |= by_path.get(at, set())
        if not at:
            break
        at = posixpath.dirname(at)
    if targets:
        return targets.pop() if len(targets) == 1 else None
    kd = repo.kustomize_dirs.get(folder)
    if kd is not None and kd.namespace and "$" not in kd.namespace and any(e.target == obj.path for e in kd.entries):
        return kd.namespace
    return None


def _target_namespaces(repo: Repo) -> dict[str, set[str]]:
    """The literal targetNamespaces of the Flux Kustomizations, by their repo-relative spec.path."""
    out: dict[str, set[str]] = {}
    for other in repo.objects:
        if other.kind != "Kustomization" or other.group != FLUX_KS_GROUP or other.path in repo.patch_files:
            continue
        target, raw = other.spec.get("targetNamespace"), other.spec.get("path")
        resolved = resolve(raw, {}) if isinstance(raw, str) else None
        if isinstance(target, str) and target and "$" not in target and resolved is not None:
            out.setdefault(join("", resolved), set()).add(target)
    return out


def _values_syncs(repo: Repo) -> Iterable[tuple[dict[str, Any], str, str]]:
    """(sync, namespace, file) of flux-instance chart values kept in a file that a kustomize
    configMapGenerator/secretGenerator turns into a HelmRelease `valuesFrom` source."""
    for kd in repo.kustomize_dirs.values():
        for entry in kd.entries:
            if (
                entry.kind != "generator-file"
                or not entry.field
                or str(entry.field[0]).lower() not in ("configmapgenerator", "secretgenerator")  # as written: any case
            ):
                continue
            parsed = repo.parsed.get(entry.target)
            yield from _instance_syncs(parsed.docs if parsed else [], kd.namespace or "flux-system", entry.target)


# a helmfile values path that starts with a template (`{{ requiredEnv "ROOT_DIR" }}/kubernetes/...`):
# the rest, read from the repository's root, as bootstrap tasks set ROOT_DIR
_TEMPLATED_ROOT = re.compile(rf"^(?:\{{\{{[^{{}}]{{0,200}}\}}\}}|{TOKEN})/+")


def _helmfile_syncs(repo: Repo) -> Iterable[tuple[dict[str, Any], str, str]]:
    """(sync, namespace, file) of the flux-instance chart's values a helmfile release installs
    with (a bootstrap helmfile: `releases:` entries whose chart is .../flux-instance): inline maps
    of its `values:` list, and the YAML files it names (relative to the helmfile's folder; a path
    that starts with a template, from the repository's root). The chart renders a FluxInstance
    in the release's namespace (flux-system when not written) from `instance`. A helmfile that
    is a template is read with its actions blanked (model/helmfiles.py)."""
    read = [(path, parsed.docs) for path, parsed in sorted(repo.parsed.items())]
    for path, docs in [*read, *templated_helmfiles(repo)]:
        for doc in docs:
            releases = doc.get("releases") if isinstance(doc, dict) and "kind" not in doc else None
            for release in releases if isinstance(releases, list) else []:
                chart = release.get("chart") if isinstance(release, dict) else None
                if not isinstance(chart, str) or not chart.rstrip("/").endswith("flux-instance"):
                    continue
                ns = release.get("namespace")
                ns = ns if isinstance(ns, str) and ns and "{{" not in ns and known(ns) else "flux-system"
                values = release.get("values")
                for item in values if isinstance(values, list) else []:
                    if isinstance(item, dict):
                        yield from _instance_syncs([item], ns, path)
                    elif isinstance(item, str) and item.endswith((".yaml", ".yml")):
                        rest = _TEMPLATED_ROOT.sub("", item)
                        target = posixpath.normpath(rest if rest != item else posixpath.join(posixpath.dirname(path), item))
                        found = repo.parsed.get(target)
                        yield from _instance_syncs(found.docs if found else [], ns, target)


def _instance_syncs(docs: list[Any], ns: str, path: str) -> Iterable[tuple[dict[str, Any], str, str]]:
    """(sync, namespace, file) of the flux-instance values documents `docs` with a sync path."""
    for doc in docs:
        instance = doc.get("instance") if isinstance(doc, dict) and "kind" not in doc else None
        sync = instance.get("sync") if isinstance(instance, dict) else None
        if isinstance(sync, dict) and isinstance(sync.get("path"), str) and known(sync["path"]):
            yield {k: v for k, v in sync.items() if known(v)}, ns, path


def pushes_of(pushed: list[Push], url: Any, dirs: set[str] | frozenset[str] = frozenset()) -> list[Push]:
    """The pushes of one folder that an OCIRepository of `url` pulls: those that go to that
    repository when one does (a folder named by the one variable of its URL bound to the value
    the URL gives it, if the repository has that folder: Push.bound), else the only folder
    pushed by name whose destination is not known; none when several folders are pushed and none
    is known to go there. source-controller pulls spec.url alone: a push known to go elsewhere is
    not what it pulls, nor is anything here Flux's own distribution (FLUX_MANIFESTS)."""
    named = [push for push in pushed if not push.templated]
    wanted = oci_repository(url)
    if wanted is not None and wanted.endswith(FLUX_MANIFESTS):
        return []
    if wanted is not None and "*" not in wanted:
        matching = [push for push in named if push.goes_to(wanted)]
        matching += [b for push in pushed if push.templated for b in [push.bound(wanted, dirs)] if b is not None]
        if len({push.folder for push in matching}) == 1:
            return matching
        named = [push for push in named if push.url is None or push.goes_to(wanted)]
    return named if len({push.folder for push in named}) == 1 else []


def _url_of(declared: list[K8sObject]) -> Any:
    """The spec.url of a source's first declaration."""
    return declared[0].spec.get("url") if declared else None


FALLBACK_REF = SourceRef("GitRepository", "flux-system", "flux-system")
ASSUMED = "assumed: nothing in the repository names its own source"


def find_sources(repo: Repo) -> Sources:
    """This repository's sources, each with the evidence that says so."""
    out = Sources()
    by_ref: dict[SourceRef, list[K8sObject]] = {}
    # the same declarations by (ref, file) and by (ref, folder): several clusters may each declare a
    # source of one name, and every Kustomization asks which of them are beside it
    in_file: dict[tuple[SourceRef, str], list[K8sObject]] = {}
    in_folder: dict[tuple[SourceRef, str], list[K8sObject]] = {}
    for obj in repo.objects:
        if obj.kind in ARTIFACT_KINDS and obj.group.startswith(SOURCE_GROUP):
            ref = SourceRef(obj.kind, obj.namespace or "flux-system", obj.name)
            by_ref.setdefault(ref, []).append(obj)
            in_file.setdefault((ref, obj.path), []).append(obj)
            in_folder.setdefault((ref, posixpath.dirname(obj.path)), []).append(obj)
    for declared in by_ref.values():
        # one that writes its namespace first: one without is taken to be in flux-system only for
        # want of a better guess (the build that applies it may put it elsewhere, a payload's chart
        # source in its app's namespace), and must not stand in for the one that says so
        declared.sort(key=lambda obj: not obj.namespace)
    pushed = out.pushes = pushed_folders(repo)
    tree = Tree(repo.files.all_files, repo.files.dirs)
    # the .sourceignore files (path, text) in the order source-controller reads them, read once
    ignore_files: list[list[tuple[str, str]]] = []

    def sourceignore(folder: str, push: list[Pattern]) -> list[Pattern]:
        """The patterns of the .sourceignore files in `folder` (an artifact's root) that the push
        keeps, each below its own folder (relative to the artifact's root)."""
        if not ignore_files:
            ignore_files.append(_sourceignore_files(repo))
        matcher = Matcher(push, len(ignore_files[0]), len(ignore_files[0]) + sum(p.count("/") for p, _ in ignore_files[0]))
        found: list[Pattern] = []
        for path, text in ignore_files[0]:
            rel = path[len(folder) + 1 :] if folder else path
            if (folder and not path.startswith(folder + "/")) or matcher.excluded(rel, False):
                continue
            domain = tuple(rel.split("/")[:-1])
            found.extend(read_patterns(text, domain, path))
        return found

    shared: dict[str, list[Pattern]] = {}  # the repository's .sourceignore patterns, for every Git source

    def add(
        ref: SourceRef, evidence: str, declared_as: K8sObject | None = None, url: Any = None, synced: bool = False
    ) -> Artifact | None:
        if ref in out.artifacts and declared_as is None:
            return out.artifacts[ref]
        # a sync's source is the object flux-operator makes from spec.sync (url, ref, path, secret:
        # no ignore, no include), whatever a file here declares under its name
        declared = [] if synced else [declared_as] if declared_as is not None else by_ref.get(ref, [])
        spec = declared[0].spec if declared else {}
        ignore = spec.get("ignore")
        # spec.ignore after the .sourceignore files, below the artifact's root (reconcileArtifact)
        own = read_patterns(ignore, (), "spec.ignore") if isinstance(ignore, str) else []
        if ref.kind == "GitRepository":
            if "" not in shared:
                shared[""] = sourceignore("", [])
            art = Artifact(ref, "", evidence, effective([*shared[""], *own]), tree=tree)
            art.mounts = include_folders(spec)
        elif ref.kind == "OCIRepository":
            pushes = pushes_of(pushed, url if url is not None else _url_of(declared), repo.files.dirs)
            if pushes:
                # `flux push artifact` packs the folder without its --ignore-paths (fluxcd/pkg oci
                # client Build: those patterns alone); source-controller unpacks the layer and packs it
                # again with the .sourceignore files it holds and spec.ignore, unless the layer is
                # copied as it is (ocirepository_controller.go reconcileArtifact, layerSelector)
                folder = pushes[0].folder
                ignored = sorted({p for push in pushes for p in push.patterns}) if len(pushes) == 1 else []
                push = read_patterns("\n".join(ignored), (), "the ignore paths of its push,")
                selector = spec.get("layerSelector")
                copied = isinstance(selector, dict) and selector.get("operation") == "copy"
                rules = [] if copied else effective([*sourceignore(folder, push), *own])
                art = Artifact(
                    ref,
                    folder,
                    f"{evidence}; its artifact is '{folder or '.'}' (pushed in {pushes[0].file})",
                    rules,
                    pushed=push,
                    tree=tree,
                )
            else:
                art = Artifact(ref, "", evidence, path_known=False)
        else:
            return None
        if declared_as is None or ref not in out.artifacts:
            out.artifacts[ref] = art
        return art

    own_urls: list[Any] = []  # the spec.url of each GitRepository known to be this repository
    synced: list[tuple[Any, Any, SourceRef]] = []  # (url, ref, source) of each sync: the GitRepository flux-operator makes
    for obj in repo.objects:
        found = sync_of(repo, obj)
        if found is None:
            continue
        sync, ns = found
        ref = SourceRef(_str(sync.get("kind"), "GitRepository"), ns, _str(sync.get("name"), ns))
        if add(ref, f"the sync of {obj.kind} {obj.name} ({obj.path})", url=sync.get("url"), synced=True) is not None:
            out.syncs.append((ref, sync["path"], obj))
            if ref.kind == "GitRepository":
                own_urls.append(sync.get("url"))
                synced.append((sync.get("url"), sync.get("ref"), ref))
    for sync, ns, path in [*_values_syncs(repo), *_helmfile_syncs(repo)]:
        out.sync_values.add(path)
        ref = SourceRef(_str(sync.get("kind"), "GitRepository"), ns, _str(sync.get("name"), ns))
        if add(ref, f"the flux-instance values in {path}", url=sync.get("url"), synced=True) is not None:
            placeholder = K8sObject(path, 0, {}, "", "FluxInstance", ref.name, ns)
            out.syncs.append((ref, sync["path"], placeholder))
            if ref.kind == "GitRepository":
                own_urls.append(sync.get("url"))
                synced.append((sync.get("url"), sync.get("ref"), ref))
    synced_at = _synced_paths(out)
    remotes = git_remotes(repo.root)
    for ref, objs in sorted(by_ref.items()):
        url = objs[0].spec.get("url")
        if remotes and isinstance(url, str) and normal_url(url) in remotes:
            add(ref, f"its URL is a remote of .git/config ({objs[0].path})")
            own_urls += [url] if ref.kind == "GitRepository" else []
    firm = bool(out.artifacts)  # evidence other than a Kustomization beside a source
    known = set(out.artifacts)
    for ref, objs in sorted(by_ref.items()):
        # an OCIRepository of the very URL a push of this repository writes (written out, not a
        # pattern of variables): what source-controller pulls is that pushed folder (evidence of the
        # source, not of a root, as a Kustomization beside it is)
        wanted = oci_repository(objs[0].spec.get("url")) if ref.kind == "OCIRepository" else None
        target = [p for p in pushed if p.url is not None and "*" not in p.url and p.goes_to(wanted)] if wanted else []
        if target and ref not in out.artifacts:
            add(ref, f"its URL is where {target[0].file} pushes '{target[0].folder or '.'}' ({objs[0].path})")
    beside_sources = list(_beside_sources(repo, by_ref, in_file, in_folder, pushed))
    # a bootstrap's GitRepository (declared in the same file as its Kustomization) and the config's
    # flux.local-sources are this repository too; an entry no file declares has a URL not known here
    own_urls += [o.spec.get("url") for b in beside_sources if b.ref.kind == "GitRepository" for o in b.beside]
    for entry in repo.config.local_sources:
        ns, _, name = entry.rpartition("/")
        listed = [r for r in by_ref if r.name == name and (not ns or r.namespace == ns)]
        own_urls += [o.spec.get("url") for r in listed if r.kind == "GitRepository" for o in by_ref[r]] if listed else [None]
    this_repository = _this_repository(own_urls, remotes)
    for b in beside_sources:
        obj, ref = b.obj, b.ref
        if (
            ref.kind == "GitRepository"
            and not b.beside
            and ref not in known
            and _another_repository(b.nearby or b.within, this_repository)
        ):
            # kustomize-controller builds spec.path inside the artifact of its sourceRef, a clone of
            # that source's spec.url: a folder of that name here says nothing about that repository
            continue
        where = (
            "in the same file"
            if b.beside
            else "in the same folder"
            if b.nearby
            else f"under its own spec.path ({b.within[0].path})"
        )
        own = (b.beside or b.nearby or b.within)[0]
        if ref in synced_at and synced_at[ref].nests(b.target):
            # a FluxInstance sync of this cluster (its path nests with this one) makes the source
            # of that name: flux-operator applies it and takes over its fields, so what this file
            # declares under that name (a bootstrap left from before the operator) is not what runs
            art: Artifact | None = out.artifacts[ref]
        else:
            art = add(ref, f"declared {where} as Kustomization {obj.name} ({obj.path}), whose spec.path exists", own)
        if art is not None:
            out.bootstraps.append(obj)
            # several clusters may each declare a source of the same name (each with its own
            # spec.ignore): a bootstrap's tree sees the one declared beside it
            out.scoped[obj.path] = {ref: art}
    _twins(by_ref, out, add, synced)
    referred: set[SourceRef] | None = None
    for entry in repo.config.local_sources:
        ns, _, name = entry.rpartition("/")
        matches = [r for r in by_ref if r.name == name and (not ns or r.namespace == ns)]
        if not matches:
            # a source made outside Git (a bootstrap's): of the kind the Kustomizations name it by
            referred = _kustomization_sources(repo) if referred is None else referred
            matches = sorted(r for r in referred if r.name == name and (not ns or r.namespace == ns))
        for ref in matches or [SourceRef("GitRepository", ns or "flux-system", name)]:
            add(ref, "flux.local-sources in the config")
    if not out.artifacts:
        out.fallback = True
        add(FALLBACK_REF, ASSUMED)
    elif not firm and not repo.config.local_sources and not any(ref.kind == "GitRepository" for ref in out.artifacts):
        # the only evidence is Kustomizations beside OCI sources: if the repository applies each of
        # them (FluxModel._hand_applied), there is no root evidence, and the fallback assumes this
        add(FALLBACK_REF, ASSUMED)
        out.assumed = out.artifacts.pop(FALLBACK_REF)
    _generated_artifacts(repo, out)  # after the fallback: a generator may copy from the assumed source too
    pulled = out.pulled()
    elsewhere = sorted({push.folder or "." for push in pushed if not push.unbound and _unpulled(push, pulled, repo.files.dirs)})
    if elsewhere:
        out.notes.append(
            f"{len(elsewhere)} folder(s) pushed as OCI artifacts that no source in this repository is known to pull "
            f"({', '.join(elsewhere[:3])}{' ...' if len(elsewhere) > 3 else ''}): another cluster or a source made at "
            "run time applies them; what is in them is not reported as unreachable (HL104)"
        )
    unbound = sorted({(push.written, push.file, push.unbound) for push in pushed if push.unbound})
    if unbound:
        named = "; ".join(f"{written} in {file}: {why}" for written, file, why in unbound[:3])
        out.notes.append(
            f"{len(unbound)} push(es) of a folder named by a variable could not be matched to the URL of an OCIRepository "
            f"exactly, and were not followed ({named}{' ...' if len(unbound) > 3 else ''}): an OCIRepository that pulls one "
            "of them is not placed, and what is in them is not reported as unreachable (HL104); list the folders in the "
            "job's strategy.matrix, or set flux.roots in .homelint.yaml"
        )
    for art in out.artifacts.values():
        if not art.path_known:
            out.notes.append(
                f"{art.ref} is this repository ({art.evidence}), but no push in its task files or CI (`flux push artifact "
                "--path`, the Flux distribution push action) names a folder that goes to it; its Kustomizations were not "
                "followed (set flux.roots in .homelint.yaml)"
            )
    return out


@dataclass
class _Beside:
    """A Flux Kustomization whose source is declared beside it (in its file, in its folder, or
    under its own spec.path) and whose spec.path exists here: evidence that the source is this
    repository."""

    obj: K8sObject
    ref: SourceRef
    target: str  # the repo-relative folder of its spec.path
    beside: list[K8sObject]  # the source's declarations in the same file
    nearby: list[K8sObject]  # ... in the same folder
    within: list[K8sObject]  # ... under its spec.path, which holds the Kustomization too


def _beside_sources(
    repo: Repo,
    by_ref: dict[SourceRef, list[K8sObject]],
    in_file: dict[tuple[SourceRef, str], list[K8sObject]],
    in_folder: dict[tuple[SourceRef, str], list[K8sObject]],
    pushed: list[Push],
) -> Iterable[_Beside]:
    """The Flux Kustomizations declared beside their source whose spec.path exists here, in
    the repository's order."""
    for obj in repo.objects:
        if obj.kind != "Kustomization" or obj.group != FLUX_KS_GROUP or obj.path in repo.patch_files:
            continue
        ref = source_ref(obj.spec, obj.namespace or "flux-system")
        raw = obj.spec.get("path")
        if ref is None or ref not in by_ref or not isinstance(raw, str):
            continue
        declared = by_ref[ref]
        beside = in_file.get((ref, obj.path), [])
        nearby = in_folder.get((ref, posixpath.dirname(obj.path)), [])
        resolved = resolve(raw, {})
        within: list[K8sObject] = []
        if not (beside or nearby) and ref.kind == "GitRepository" and resolved is not None:
            # it applies itself and its source from its own path (a flux-sync.yaml whose tree
            # holds sources/): read here, that tree is what it reconciles
            top = join("", resolved)
            if inside(obj.path, top):
                within = [o for o in declared if inside(o.path, top)]
        if not (beside or nearby or within) or resolved is None:
            continue
        if ref.kind == "OCIRepository":
            # an OCI artifact is this repository only if something here pushes it
            pushes = pushes_of(pushed, _url_of(declared), repo.files.dirs)
            if not pushes:
                continue
            folder = pushes[0].folder
        else:
            folder = ""
        target = join(folder, resolved)
        if target not in repo.files.dirs and not (target == "" and beside):
            continue  # the path must exist here (the repository root only for gotk-sync's own file)
        yield _Beside(obj, ref, target, beside, nearby, within)


# a git URL as `host/path` (normal_url, without a port), of the characters a repository's URL
# has: one with a placeholder (`${VAR}`, `{{ }}`, `<< >>`) or anything else is not known here
_REPOSITORY = re.compile(r"[a-z0-9][a-z0-9.-]*(?:/[a-z0-9._~@+%-]+)+")


def _repository_of(url: Any) -> str | None:
    """The repository a GitRepository's spec.url names, in one spelling for its ssh, https and
    scp-like forms (host case, trailing `.git` and `/`, user and port dropped); None when it is
    not known here."""
    if not isinstance(url, str) or len(url) > 2048:
        return None
    key = re.sub(r"^([^/]+):\d+(?=/)", r"\1", normal_url(url))
    return key if _REPOSITORY.fullmatch(key) else None


def _this_repository(own_urls: list[Any], remotes: list[str]) -> set[str] | None:
    """The URLs this repository is known by: those of the GitRepositories known to be this
    repository, with the remotes of .git/config (another spelling or a mirror of it). None when
    it is not known: no such GitRepository, or the URL of one is not known here (a placeholder, a
    source made outside Git). The remotes alone do not say it: a checkout of a fork or of a
    renamed repository has a remote that no manifest names."""
    if not own_urls:
        return None
    found = {_repository_of(url) for url in [*own_urls, *remotes]}
    own = {_repository_of(url) for url in own_urls}
    return None if None in own else {key for key in found if key is not None}


def _twins(
    by_ref: dict[SourceRef, list[K8sObject]],
    out: Sources,
    add: Callable[[SourceRef, str], Any],
    synced: list[tuple[Any, Any, SourceRef]],
) -> None:
    """Add each GitRepository whose every declaration has the spec.url (in one spelling:
    _repository_of) and the spec.ref of a GitRepository already known to be this repository, or
    of the one flux-operator makes from a sync (`ref: {name: <sync.ref>}`): a second name for the
    same commits, which source-controller clones alike (its own spec.ignore still applies).
    Another ref (a branch, tag or commit other than the known one's) may hold other files: not
    followed."""
    known: dict[tuple[str, str], SourceRef] = {}
    for url, at, ref in synced:
        repository = _repository_of(url)
        if repository is not None and isinstance(at, str) and at:
            known.setdefault((repository, _ref_key({"name": at})), ref)
    for ref in sorted(out.artifacts):
        for obj in by_ref.get(ref, []) if ref.kind == "GitRepository" else []:
            url = _repository_of(obj.spec.get("url"))
            if url is not None:
                known.setdefault((url, _ref_key(obj.spec.get("ref"))), ref)
    for ref, objs in sorted(by_ref.items()):
        if ref.kind != "GitRepository" or ref in out.artifacts:
            continue
        keys = {(_repository_of(o.spec.get("url")), _ref_key(o.spec.get("ref"))) for o in objs}
        (url, at), *others = sorted(keys, key=repr)
        twin = known.get((url, at)) if url is not None and not others else None
        if twin is not None:
            add(ref, f"its spec.url and spec.ref are those of {twin}, which is this repository ({objs[0].path})")


def _ref_key(ref: Any) -> str:
    """A GitRepository's spec.ref in one spelling (its fields sorted; none: the default branch; a
    lone branch or tag as the reference name source-controller resolves it to: `branch: main` is
    `name: refs/heads/main`)."""
    if not isinstance(ref, dict):
        return "" if ref is None else repr(ref)
    if len(ref) == 1 and isinstance(ref.get("branch"), str):
        ref = {"name": f"refs/heads/{ref['branch']}"}
    elif len(ref) == 1 and isinstance(ref.get("tag"), str):
        ref = {"name": f"refs/tags/{ref['tag']}"}
    return repr(sorted((str(k), repr(v)) for k, v in ref.items()))


def _another_repository(declared: list[K8sObject], this_repository: set[str] | None) -> bool:
    """Whether every one of a source's declarations names a repository other than this one by
    its spec.url (False when this repository's URL, or one of theirs, is not known here)."""
    if this_repository is None:
        return False
    urls = [_repository_of(o.spec.get("url")) for o in declared]
    return bool(urls) and all(url is not None and url not in this_repository for url in urls)


def _kustomization_sources(repo: Repo) -> set[SourceRef]:
    """The GitRepositories and OCIRepositories the repository's Flux Kustomizations build from
    (their sourceRefs, a missing namespace the Kustomization's own)."""
    found: set[SourceRef] = set()
    for obj in repo.objects:
        if obj.kind != "Kustomization" or obj.group != FLUX_KS_GROUP or obj.path in repo.patch_files:
            continue
        ref = source_ref(obj.spec, obj.namespace or "flux-system")
        if ref is not None and ref.kind in ("GitRepository", "OCIRepository"):
            found.add(ref)
    return found


def _unpulled(push: Push, pulled: set[str], dirs: set[str]) -> bool:
    """Whether a push pushes a folder no source here pulls: its folder, or for a folder named by
    a variable, one of the repository's folders it names (any, when it cannot be bound)."""
    if not push.templated:
        return push.folder not in pulled
    if push.variable is None:
        return True
    head, _, tail = push.folder.partition("*")
    return any(d not in pulled for d in dirs if d.startswith(head) and d.endswith(tail) and push.names(d))


@dataclass
class _SyncPaths:
    """The repo-relative paths the FluxInstance syncs of one source apply, with every folder above
    them, so a path is looked up, not compared with each (many clusters)."""

    paths: set[str] = field(default_factory=set)
    above: set[str] = field(default_factory=set)  # each path and the folders that hold it
    unknown: bool = False  # a sync path not known (a variable, an OCI artifact not placed)

    def add(self, path: str | None) -> None:
        if path is None:
            self.unknown = True
            return
        self.paths.add(path)
        self.above.update([path[:i] for i, char in enumerate(path) if char == "/"] + ["", path])

    def nests(self, path: str) -> bool:
        """Whether `path` holds a sync path or lies in one (or a sync path is not known)."""
        if self.unknown or path in self.above:
            return True
        return any(p in self.paths for p in [path[:i] for i, char in enumerate(path) if char == "/"] + ["", path])


def _synced_paths(out: Sources) -> dict[SourceRef, _SyncPaths]:
    """The paths of the sources FluxInstance syncs make, by source."""
    found: dict[SourceRef, _SyncPaths] = {}
    for ref, sync_path, _ in out.syncs:
        art = out.artifacts[ref]
        resolved = resolve(sync_path, {})
        found.setdefault(ref, _SyncPaths()).add(art.path(resolved) if resolved is not None and art.path_known else None)
    return found


def _sourceignore_files(repo: Repo) -> list[tuple[str, str]]:
    """(path, text) of every `.sourceignore` file, in the order fluxcd/pkg LoadIgnorePatterns reads
    them: a folder's own, then each sub-folder's in name order, depth first."""
    found = [p for p in repo.files.all_files if p == SOURCEIGNORE or p.endswith("/" + SOURCEIGNORE)]
    found.sort(key=lambda p: p.split("/")[:-1])
    return [(path, repo.read_text(path) or "") for path in found]


GENERATOR_GROUP = "source.extensions.fluxcd.io"


def generated_artifact_names(obj: K8sObject) -> list[str]:
    """The ExternalArtifacts a source-watcher ArtifactGenerator creates: one per
    `spec.artifacts[].name`, in the generator's own namespace (source-watcher
    artifactgenerator_controller.go, reconcileExternalArtifact); [] for any other object."""
    if obj.kind != "ArtifactGenerator" or not obj.group.startswith(GENERATOR_GROUP):
        return []
    artifacts = obj.spec.get("artifacts")
    items = artifacts if isinstance(artifacts, list) else []
    return [item["name"] for item in items if isinstance(item, dict) and isinstance(item.get("name"), str)]


def _generated_artifacts(repo: Repo, out: Sources) -> None:
    """ExternalArtifacts that a source-watcher ArtifactGenerator copies out of this repository's
    artifact at the same relative paths (`@src/P` -> `@artifact/P`): the same files, restricted
    to P. Any other copy (renamed paths, globs, several sources) is not modelled: such an
    artifact exists (HL107 knows its producer), but what it holds is not read."""
    for gen in repo.objects:
        if not generated_artifact_names(gen):
            continue
        ns = gen.namespace or "flux-system"
        aliases: dict[str, SourceRef] = {}
        for src in gen.spec.get("sources") or []:
            if isinstance(src, dict) and isinstance(src.get("alias"), str) and isinstance(src.get("name"), str):
                aliases[src["alias"]] = SourceRef(
                    _str(src.get("kind"), "GitRepository"), _str(src.get("namespace"), ns), src["name"]
                )
        for item in gen.spec.get("artifacts") or []:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            base: Artifact | None = None
            folders: list[str] = []
            for op in item.get("copy") or []:
                frm, to = (op.get("from"), op.get("to")) if isinstance(op, dict) else (None, None)
                if not (isinstance(frm, str) and isinstance(to, str) and frm.startswith("@") and to.startswith("@artifact/")):
                    base = None
                    break
                alias, _, rel = frm[1:].partition("/")
                art = out.artifacts.get(aliases[alias]) if alias in aliases else None
                same = rel.strip("/") == to.removeprefix("@artifact/").strip("/")
                if art is None or not same or any(c in rel for c in "*?[") or (base is not None and art is not base):
                    base = None
                    break
                base = art
                folders.append(join("", rel))
            if base is None or not folders:
                continue
            ref = SourceRef("ExternalArtifact", ns, item["name"])
            out.artifacts.setdefault(
                ref,
                Artifact(
                    ref,
                    base.root,
                    f"ArtifactGenerator {gen.name} copies it from {base.ref}",
                    base.rules,
                    base.path_known,
                    tuple(folders),
                    pushed=base.pushed,
                    tree=base.tree,
                ),
            )


# the forms of the config's entries (model/config.py validates them: schemas/config.schema.json)
LOCAL_SOURCE_FORM = "name or namespace/name"
EXTERNAL_SOURCE_FORM = "Kind/namespace/name, namespace/name or name"

# a name or namespace Flux or an operator fills in later: `${VAR}`, `{{ }}`, `<< >>`
_TEMPLATED = r"\$\{[^}]*\}?|\{\{.*?(?:\}\}|$)|<<.*?(?:>>|$)"  # on RE2 (core.regex.linear): names are repository text
_TOP_REFS = (("sourceRef",), ("chart", "spec", "sourceRef"), ("chartRef",))  # under spec, in the referrer's namespace
_REF_KEYS = ("sourceRef", "chartRef", "sources")  # `sources`: an ArtifactGenerator's list of source references

# (kind or None, namespace or None, name): None is any (not written, or not known here)
Mention = tuple[str | None, str | None, str]


def source_mentions(repo: Repo, applied: Iterable[Any], kustomizations: Iterable[Any], syncs: Iterable[Any]) -> list[Mention]:
    """Every source the repository declares or names, for the notes about config entries that
    match none: the sources Flux applies and the references of what it applies (a missing
    namespace is the referrer's), the Kustomizations as Flux applies them, the FluxInstance
    syncs, and in every file any mapping under `sourceRef`, `chartRef` or `sources` (in values,
    templates, objects nothing applies: their namespace is any unless written)."""
    found: set[Mention] = set()

    def ref(value: Any, namespace: str | None) -> None:
        if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"]:
            kind = value.get("kind") if isinstance(value.get("kind"), str) else None
            ns = value.get("namespace") if isinstance(value.get("namespace"), str) else namespace
            found.add((kind, ns, value["name"]))

    exact: set[int] = set()
    for item in applied:
        obj = item.obj
        exact.add(id(obj.source))
        if obj.kind in SOURCE_KINDS and obj.group.startswith(SOURCE_GROUP):
            for name in item.names:
                found.add((obj.kind, item.namespace, name))
        for path in _TOP_REFS:
            ref(_at(obj.spec, path), item.namespace)
    for ks in kustomizations:
        if ks.obj is not None:
            ref(ks.spec.get("sourceRef"), ks.namespace)
    for sync_ref, _, _ in syncs:
        found.add((sync_ref.kind, sync_ref.namespace, sync_ref.name))
    for obj in repo.objects:
        applied_here = id(obj) in exact
        if not applied_here and obj.kind in SOURCE_KINDS and obj.group.startswith(SOURCE_GROUP):
            found.add((obj.kind, None, obj.name))
        skip = {id(_at(obj.spec, path)) for path in _TOP_REFS} if applied_here else set()
        stack: list[Any] = [obj.data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                for key, value in node.items():
                    if key in _REF_KEYS and id(value) not in skip:
                        for one in value if isinstance(value, list) else [value]:
                            ref(one, None)
                    stack.append(value)
    return sorted(found, key=lambda m: (m[0] or "", m[1] or "", m[2]))


def _at(spec: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = spec
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _fits(written: str | None, value: str | None) -> bool:
    """Whether a mention's kind/namespace/name `written` may be `value` (None: any; a templated
    part of `written` stands for any text)."""
    if written is None or value is None or written == value:
        return True
    templated = linear(_TEMPLATED)
    if not templated.search(written):
        return False
    try:  # RE2: `.*` between many parts cannot backtrack
        pattern = linear("(?s)" + ".*".join(re.escape(part) for part in templated.split(written)))
    except ValueError:  # longer than RE2 is given here: taken to fit (this only silences a note)
        return True
    return pattern.fullmatch(value) is not None


def unmatched_entries(entries: Iterable[str], mentions: list[Mention], *, with_kind: bool) -> list[str]:
    """The config entries (`name`, `namespace/name`, with `with_kind` also `Kind/namespace/name`)
    that no mention may be, in config order."""
    out: list[str] = []
    for entry in entries:
        parts = entry.split("/")
        kind, ns, name = ([None, None, *parts] if len(parts) < 3 or not with_kind else parts)[-3:]
        if not any(_fits(m[0], kind) and _fits(m[1], ns) and _fits(m[2], name) for m in mentions):
            out.append(entry)
    return out
