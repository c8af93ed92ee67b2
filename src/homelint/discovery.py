"""Find the repository root and the files homelint reads, honouring .gitignore and excludes."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SKIP_DIRS = {".git", ".homelint_cache", "node_modules", ".venv", "__pycache__"}
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


ROOT_MARKERS = (".homelint.yaml", ".homelint.yml", ".git")
# Files other than YAML that checks may read (templates listed as resources, bootstrap scripts and
# templates that create namespaces, JSON patches): a cached run is reused only if none changed.
NON_YAML_INPUT_SUFFIXES = (".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".gotmpl", ".sh", ".just", ".json")
NON_YAML_INPUT_NAMES = ("justfile", "Justfile")


def non_yaml_inputs(all_files: set[str] | list[str]) -> list[str]:
    """Repo-relative paths of the non-YAML files checks may read, sorted."""
    return sorted(p for p in all_files if p.endswith(NON_YAML_INPUT_SUFFIXES) or p.rsplit("/", 1)[-1] in NON_YAML_INPUT_NAMES)


def find_repo_root(start: Path) -> Path:
    """The nearest directory above `start` with a .homelint.yaml or a .git (like ruff's config
    discovery); `start` itself (a directory) when there is none."""
    start = start.resolve()
    base = start if start.is_dir() else start.parent
    for candidate in (base, *base.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return base


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

    def to_tuple(self) -> tuple[Any, ...]:
        return (self.yaml_files, self.all_files, self.dirs, [(s.path, s.reason) for s in self.skipped])

    @classmethod
    def from_tuple(cls, root: Path, t: tuple[Any, ...]) -> FileSet:
        return cls(root, list(t[0]), set(t[1]), set(t[2]), [SkippedFile(*s) for s in t[3]])


class IgnoreRules:
    """gitignore-style patterns, parsed by pathspec. One combined regex of every pattern says
    quickly that most paths match none; for those that match, pathspec's last-match-wins decides
    (needed only when there are `!` negations)."""

    def __init__(self, lines: list[str]) -> None:
        import pathspec

        self.spec = pathspec.GitIgnoreSpec.from_lines(lines)
        active = [p for p in self.spec.patterns if p.include is not None and p.regex is not None]
        self.negations = any(not p.include for p in active)
        # pathspec names a group in each pattern; names must be unique in one regex
        parts = [re.sub(r"\(\?P<\w+>", "(", p.regex.pattern) for p in active]  # type: ignore[union-attr]
        self.combined = re.compile("|".join(f"(?:{part})" for part in parts)) if parts else None

    def match(self, path: str) -> bool:
        if self.combined is None or self.combined.search(path) is None:
            return False
        return bool(self.spec.match_file(path)) if self.negations else True


def _load_ignore(directory: str, rel: str) -> tuple[str, IgnoreRules] | None:
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    return (rel, IgnoreRules(lines))


def _ignored(specs: list[tuple[str, IgnoreRules]], rel: str, is_dir: bool) -> bool:
    for base, rules in specs:
        sub = rel[len(base) + 1 :] if base else rel
        if is_dir:
            sub += "/"
        if rules.match(sub):
            return True
    return False


def walk(root: Path, exclude: list[str] | None = None) -> FileSet:
    """Every non-ignored file under root; YAML files listed separately. Symlinks are not followed
    out of the repo and symlinked directories are never descended into (no loops)."""
    excluded = IgnoreRules(exclude or [])
    result = FileSet(root)
    root_real = os.path.realpath(root)

    def visit(directory: str, rel: str, specs: list[tuple[str, IgnoreRules]]) -> None:
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
            except OSError:
                continue
            if is_dir and name in SKIP_DIRS:
                continue
            if is_link:
                target = os.path.realpath(entry.path)
                if not (target == root_real or target.startswith(root_real + os.sep)):
                    if name.endswith((".yaml", ".yml")):
                        result.skipped.append(SkippedFile(child, "symlink points outside the repository; not followed"))
                    continue
                if not os.path.exists(entry.path):
                    if name.endswith((".yaml", ".yml")):
                        result.skipped.append(SkippedFile(child, "broken symlink or symlink loop; not followed"))
                    continue
                if os.path.isdir(entry.path):
                    result.dirs.add(child)  # exists for path checks, never descended (no loops)
                    continue
            if _ignored(specs, child, is_dir) or excluded.match(child + ("/" if is_dir else "")):
                continue
            if is_dir:
                result.dirs.add(child)
                visit(entry.path, child, specs)
                continue
            result.all_files.add(child)
            if name.endswith((".yaml", ".yml")) or name == "Kustomization":
                result.yaml_files.append(child)

    visit(str(root), "", _info_exclude(root))
    return result


def _info_exclude(root: Path) -> list[tuple[str, IgnoreRules]]:
    """`.git/info/exclude`: the repository's own ignore patterns that are not committed."""
    try:
        lines = (Path(root) / ".git" / "info" / "exclude").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return [("", IgnoreRules(lines))] if lines else []
