"""Find the repository root and the files homelint reads, honouring .gitignore and excludes."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from homelint.loading.safeio import read_regular

SKIP_DIRS = {".git", ".homelint_cache", "node_modules", ".venv", "__pycache__"}
MAX_DIR_DEPTH = 200  # deeper folders are skipped (HL006): no real repository nests this deep
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


ROOT_MARKERS = (".homelint.yaml", ".homelint.yml", ".git")
# Files other than YAML that checks may read (templates listed as resources, bootstrap scripts and
# templates that create namespaces, JSON patches): a cached run is reused only if none changed.
NON_YAML_INPUT_SUFFIXES = (".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".gotmpl", ".sh", ".bash", ".zsh", ".just", ".json")
NON_YAML_INPUT_NAMES = ("justfile", "Justfile", ".justfile")  # the names just looks for
# mise's default file task folders (mise.jdx.dev/tasks/task-discovery.html): mise searches each
# recursively, in the folder it runs in and every parent, and runs every executable file there as
# a task (a script with no suffix, any language) and every .toml file as a TOML task file
MISE_TASK_DIRS = ("mise-tasks", ".mise-tasks", "mise/tasks", ".mise/tasks", ".config/mise/tasks")
_MISE_TASK_PARTS = tuple(f"/{d}/" for d in MISE_TASK_DIRS)


def in_mise_tasks(path: str) -> bool:
    """Whether a repo-relative file lies in a mise task folder (at any depth below it)."""
    slashed = "/" + path
    return any(part in slashed for part in _MISE_TASK_PARTS)


def has_no_suffix(path: str) -> bool:
    """Whether a file's name has no suffix (`bootstrap`, `.envrc`): only its content, such as a
    shebang line, can say it is a script."""
    return "." not in path.rsplit("/", 1)[-1].lstrip(".")


def non_yaml_inputs(all_files: set[str] | list[str]) -> list[str]:
    """Repo-relative paths of the files other than YAML (which the run key holds) that checks may
    read, sorted: by suffix in any case (sources.PUSH_FILES matches task files so, `.YML` too) or
    by name, every file of a mise task folder, and every file without a suffix (read as a script
    when its first line is a shell's shebang: that is decided by its content, so each is an input
    whatever it holds; a repository has a few, and their digests are cached by stat)."""
    return sorted(p for p in all_files if _may_be_read(p))


def _may_be_read(path: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    if path.endswith((".yaml", ".yml")) or base == "Kustomization":  # a YAML file (walk)
        return False
    return (
        path.casefold().endswith((*NON_YAML_INPUT_SUFFIXES, ".yaml", ".yml"))
        or base in NON_YAML_INPUT_NAMES
        or in_mise_tasks(path)
        or has_no_suffix(path)
    )


def marked(path: Path) -> bool:
    """Whether a .homelint.yaml or a .git is at or above `path` (a folder, or a file's folder)."""
    path = path.resolve()
    return _marked_root(path if path.is_dir() else path.parent) is not None


def _marked_root(base: Path) -> Path | None:
    """The nearest directory at or above `base` with a .homelint.yaml or a .git, or None."""
    for candidate in (base, *base.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return None


def find_repo_root(start: Path) -> Path:
    """The nearest directory above `start` with a .homelint.yaml or a .git (like ruff's config
    discovery); `start` itself (a directory) when there is none."""
    start = start.resolve()
    base = start if start.is_dir() else start.parent
    return _marked_root(base) or base


def find_file_root(path: Path) -> Path:
    """The repository root for a file argument (`check FILE`, `explain FILE`): the nearest marker
    above the file, as `find_repo_root`; without one, the current directory when it holds the file
    (the root `homelint check` without a path uses there), else the file's own folder."""
    path = path.resolve()
    base = path if path.is_dir() else path.parent
    marked = _marked_root(base)
    if marked is not None:
        return marked
    cwd = Path.cwd().resolve()
    return cwd if base.is_relative_to(cwd) else base


def git_work_tree(root: Path) -> tuple[Path, str] | None:
    """(the git work tree that contains `root`, `root`'s path in it with a trailing '/' or ''), or
    None outside git: the nearest folder at or above `root` with a `.git` (a folder, or a file in
    a linked work tree or submodule), as git finds it."""
    root = root.resolve()
    for candidate in (root, *root.parents):
        if (candidate / ".git").exists():
            prefix = root.relative_to(candidate).as_posix()
            return candidate, "" if prefix == "." else prefix + "/"
    return None


def git_remotes(root: Path) -> list[str]:
    """The remote URLs of `root/.git/config`, normalised (scheme, user and `.git` dropped, scp-like
    `host:path` as `host/path`, lower case): which GitRepository URLs name this repository."""
    try:
        raw = read_regular(root / ".git" / "config", 1 << 20)  # never a FIFO, never unbounded
    except OSError:
        return []
    if raw is None:
        return []
    text = raw.decode("utf-8", errors="replace")
    return [normal_url(m) for m in re.findall(r"^\s*url\s*=\s*(\S+)", text, re.M)]


def normal_url(url: str) -> str:
    url = url.strip().rstrip("/")
    url = re.sub(r"^[a-z+]+://", "", url)
    url = re.sub(r"^[^@/]+@", "", url)
    url = re.sub(r"^([^/:]+):(?!\d)", r"\1/", url)  # scp-like git@host:org/repo
    return url.removesuffix(".git").lower()


@dataclass
class SkippedFile:
    path: str
    reason: str


@dataclass
class FileSet:
    root: Path
    yaml_files: list[str] = field(default_factory=list)
    all_files: set[str] = field(default_factory=set)
    dirs: set[str] = field(default_factory=set)
    skipped: list[SkippedFile] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # symlinks to files in the repository, read through
    # every symlink met in the folders read -> what it resolved to (link_state): a link's fate
    # changes with its target, which its own folder's mtime does not show
    symlinks: dict[str, str] = field(default_factory=dict)
    # the entries of the folders read that an ignore file or an exclude hides (a folder with a
    # trailing `/`): with what the other fields hold, a later walk that reuses this one knows the
    # verdict on every entry it met, and compiles no pattern while the folder shows nothing new
    ignored: set[str] = field(default_factory=set)


@dataclass
class Reuse:
    """An earlier walk of the same tree, and the folders to list again (those changed since, and
    their ancestors); what `previous` found in every other folder is kept as it was. The ignore
    files and excludes must be those of the earlier walk (the caller checks)."""

    previous: FileSet
    relist: set[str]
    _groups: dict[str, FileSet] | None = field(default=None, init=False, repr=False)

    def judged(self, child: str, is_dir: bool) -> bool | None:
        """Whether the ignore files and excludes hide `child` (a folder when `is_dir`), as
        `previous` judged it; None when it did not judge it (a new entry, or a folder that was a
        symlink: a symlinked folder is not judged). The verdict depends on the path and the
        patterns alone, which are those of `previous`."""
        old = self.previous
        if (child + "/" if is_dir else child) in old.ignored:
            return True
        if (child in old.dirs and child not in old.symlinks) if is_dir else child in old.all_files:
            return False
        return None

    def kept(self, folder: str) -> FileSet | None:
        """What `previous` found in and below `folder` (in walk order), if it is to be kept."""
        if folder in self.relist or folder not in self.previous.dirs:
            return None
        if self._groups is None:
            self._groups = self._group()
        return self._groups.get(folder, FileSet(self.previous.root, dirs={folder}))

    def _group(self) -> dict[str, FileSet]:
        """`previous` split by the outermost folder not relisted that holds each path."""
        groups: dict[str, FileSet] = {}
        outermost: dict[str, str | None] = {"": None}  # folder -> its outermost ancestor-or-self not relisted

        def kept_top(folder: str) -> str | None:
            if folder not in outermost:
                above = kept_top(folder.rpartition("/")[0])
                outermost[folder] = above if above is not None else (None if folder in self.relist else folder)
            return outermost[folder]

        def group(path: str) -> FileSet:
            top = kept_top(path.rpartition("/")[0]) or path  # in relisted folders only: the path itself
            found = groups.get(top)
            if found is None:
                found = groups[top] = FileSet(self.previous.root)
            return found

        old = self.previous
        for path in old.yaml_files:
            group(path).yaml_files.append(path)
        for path in old.all_files:
            group(path).all_files.add(path)
        for path in old.dirs:
            group(path).dirs.add(path)
        for skipped in old.skipped:
            group(skipped.path).skipped.append(skipped)
        for path in old.links:
            group(path).links.append(path)
        for path, state in old.symlinks.items():
            group(path).symlinks[path] = state
        for path in old.ignored:
            group(path.removesuffix("/")).ignored.add(path)
        return groups


class IgnoreRules:
    """gitignore-style patterns, parsed by pathspec and matched with RE2 (linear time, whatever the
    pattern: `*a*a*a*a*b` cannot backtrack). One combined regex of every pattern says quickly that
    most paths match none; for those that match, pathspec's last-match-wins decides (needed only
    when there are `!` negations). An invalid pattern is ignored, as git ignores it. The patterns
    are compiled at the first match (a walk that reuses an earlier one may ask none)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.compiled = False

    def _compile(self) -> None:
        self.compiled = True
        self._spec, self.negations, self.combined, self.always_ask_spec = _compiled_rules(tuple(self.lines))

    @property
    def spec(self) -> Any:
        """pathspec's GitIgnoreSpec of the patterns (compiled at the first use)."""
        if not self.compiled:
            self._compile()
        return self._spec

    def match(self, path: str) -> bool:
        if not self.compiled:
            self._compile()
        if self.always_ask_spec:
            return bool(self.spec.match_file(path))
        if self.combined is None or self.combined.search(path) is None:
            return False
        return bool(self.spec.match_file(path)) if self.negations else True


@lru_cache(maxsize=64)
def _compiled_rules(lines: tuple[str, ...]) -> tuple[Any, bool, Any, bool]:
    """(pathspec's spec, any negation, the combined RE2 regex or None, always ask the spec) of
    `lines`; kept for the run, since many sources share one set of rules (each Flux source has
    source-controller's default ignore rules: many clusters, one compile)."""
    import pathspec  # start-up: imported only where it is needed

    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:  # one bad line (`\\`, `!`, `[z-a]`) must not drop the others
        spec = pathspec.GitIgnoreSpec.from_lines([line for line in lines if _valid_pattern(line)])
    active = [p for p in spec.patterns if p.include is not None and p.regex is not None]
    negations = any(not p.include for p in active)
    # pathspec names a group in each pattern; names must be unique in one regex, and a group
    # need not capture (the RE2 wrapper decodes the span of every group of every match)
    parts = [re.sub(r"\(\?P<\w+>", "(?:", p.regex.pattern) for p in active]  # type: ignore[union-attr]
    combined = _linear_regex("|".join(f"(?:{part})" for part in parts)) if parts else None
    return spec, negations, combined, bool(parts) and combined is None


def _valid_pattern(line: str) -> bool:
    import pathspec  # start-up: imported only where it is needed

    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except Exception:
        return False
    return True


def _linear_regex(pattern: str) -> Any:
    """`pattern` compiled with RE2 (linear-time matching), or None if RE2 cannot compile it."""
    import re2  # start-up: imported only where it is needed

    try:
        return re2.compile(pattern)
    except Exception:
        return None


MAX_GITIGNORE_BYTES = 1 << 20


def _load_ignore(directory: str, rel: str) -> tuple[str, IgnoreRules] | None:
    try:
        raw = read_regular(os.path.join(directory, ".gitignore"), MAX_GITIGNORE_BYTES)
    except OSError:
        return None
    if raw is None:
        return None
    return (rel, IgnoreRules(raw.decode("utf-8", errors="replace").splitlines()))


def _shown_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (surrogate-escaped by os) as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _ignored(specs: list[tuple[str, IgnoreRules]], rel: str, is_dir: bool) -> bool:
    for base, rules in specs:
        sub = rel[len(base) + 1 :] if base else rel
        if is_dir:
            sub += "/"
        if rules.match(sub):
            return True
    return False


def link_state(path: str, root_real: str) -> str:
    """What the walk makes of a symlink: 'outside' the repository, 'missing' (broken or a loop),
    or its target's kind ('dir', 'file', 'other') and real path."""
    target = os.path.realpath(path)
    if not (target == root_real or target.startswith(root_real + os.sep)):
        return "outside"
    if not os.path.exists(path):
        return "missing"
    if os.path.isdir(path):
        return "dir " + target
    return ("file " if os.path.isfile(path) else "other ") + target


def walk(root: Path, exclude: list[str] | None = None, reuse: Reuse | None = None) -> FileSet:
    """Every non-ignored file under root; YAML files listed separately. Symlinks are not followed
    out of the repo and symlinked directories are never descended into (no loops). With `reuse`,
    only its folders to relist are listed; what the earlier walk found in the others is kept."""
    excluded = IgnoreRules(exclude or [])
    result = FileSet(root)
    root_real = os.path.realpath(root)

    def keep(kept: FileSet) -> None:
        result.yaml_files.extend(kept.yaml_files)
        result.all_files.update(kept.all_files)
        result.dirs.update(kept.dirs)
        result.skipped.extend(kept.skipped)
        result.links.extend(kept.links)
        result.symlinks.update(kept.symlinks)
        result.ignored.update(kept.ignored)

    def skip(child: str, reason: str) -> None:
        result.skipped.append(SkippedFile(child, reason))

    def visit(directory: str, rel: str, specs: list[tuple[str, IgnoreRules]], depth: int) -> None:
        if depth > MAX_DIR_DEPTH:
            skip(rel, f"folder nested deeper than {MAX_DIR_DEPTH} levels; not read")
            return
        loaded = _load_ignore(directory, rel)
        if loaded is not None:
            specs = [*specs, loaded]
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            result.skipped.append(SkippedFile(rel or ".", f"directory not readable: {exc.strerror}"))
            return
        for entry in entries:
            name = entry.name
            child = f"{rel}/{name}" if rel else name
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = is_link or is_dir or entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            if is_dir and name in SKIP_DIRS:
                continue
            if not name.isascii() and not _utf8(name):
                if is_dir or name.endswith((".yaml", ".yml")):
                    skip(_shown_name(child), "file name is not valid UTF-8; not read")
                continue
            if is_link:
                state = result.symlinks[child] = link_state(entry.path, root_real)
                if state == "outside":
                    if name.endswith((".yaml", ".yml")):
                        result.skipped.append(SkippedFile(child, "symlink points outside the repository; not followed"))
                    continue
                if state == "missing":
                    if name.endswith((".yaml", ".yml")):
                        result.skipped.append(SkippedFile(child, "broken symlink or symlink loop; not followed"))
                    continue
                if state.startswith("dir "):
                    result.dirs.add(child)  # exists for path checks, never descended (no loops)
                    continue
                is_file = state.startswith("file ")
            verdict = reuse.judged(child, is_dir) if reuse is not None else None
            if verdict is None:
                verdict = _ignored(specs, child, is_dir) or excluded.match(child + ("/" if is_dir else ""))
            if verdict:
                result.ignored.add(child + "/" if is_dir else child)
                continue
            if is_dir:
                kept = reuse.kept(child) if reuse is not None and depth < MAX_DIR_DEPTH else None
                if kept is not None:
                    keep(kept)
                    continue
                result.dirs.add(child)
                visit(entry.path, child, specs, depth + 1)
                continue
            if not is_file:  # a FIFO, socket or device: reading it could block or never end
                if name.endswith((".yaml", ".yml")) or name == "Kustomization":
                    skip(child, "not a regular file (a FIFO, socket or device); not read")
                continue
            result.all_files.add(child)
            if is_link:
                result.links.append(child)
            if name.endswith((".yaml", ".yml")) or name == "Kustomization":
                result.yaml_files.append(child)

    visit(str(root), "", _info_exclude(root), 0)
    return result


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _info_exclude(root: Path) -> list[tuple[str, IgnoreRules]]:
    """`.git/info/exclude`: the repository's own ignore patterns that are not committed."""
    try:
        raw = read_regular(Path(root) / ".git" / "info" / "exclude", MAX_GITIGNORE_BYTES)
    except OSError:
        return []
    if raw is None:
        return []
    lines = raw.decode("utf-8", errors="replace").splitlines()
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return [("", IgnoreRules(lines))] if lines else []
