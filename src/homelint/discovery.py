"""Find the repository root and the files homelint reads, honouring .gitignore and excludes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = {".git", ".homelint_cache", "node_modules", ".venv", "__pycache__"}
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


ROOT_MARKERS = (".homelint.yaml", ".homelint.yml", ".git")


def find_repo_root(start: Path) -> Path:
    """The nearest directory above `start` with a .homelint.yaml or a .git (like ruff's config
    discovery); `start` itself (a directory) when there is none."""
    start = start.resolve()
    base = start if start.is_dir() else start.parent
    for candidate in (base, *base.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return base


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


def _load_ignore(directory: Path, rel: str) -> object | None:
    path = directory / ".gitignore"
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    import pathspec

    return (rel, pathspec.GitIgnoreSpec.from_lines(lines))


def _ignored(specs: list[tuple[str, object]], rel: str, is_dir: bool) -> bool:
    for base, spec in specs:
        sub = rel[len(base) + 1 :] if base else rel
        if is_dir:
            sub += "/"
        if spec.match_file(sub):  # type: ignore[attr-defined]
            return True
    return False


def walk(root: Path, exclude: list[str] | None = None) -> FileSet:
    """Every non-ignored file under root; YAML files listed separately. Symlinks are not followed
    out of the repo and symlinked directories are never descended into (no loops)."""
    import pathspec

    excluded = pathspec.GitIgnoreSpec.from_lines(exclude or [])
    result = FileSet(root)
    root_real = os.path.realpath(root)

    def visit(directory: Path, rel: str, specs: list[tuple[str, object]]) -> None:
        loaded = _load_ignore(directory, rel)
        if loaded is not None:
            specs = [*specs, loaded]  # type: ignore[list-item]
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
            if _ignored(specs, child, is_dir) or excluded.match_file(child + ("/" if is_dir else "")):
                continue
            if is_dir:
                result.dirs.add(child)
                visit(Path(entry.path), child, specs)
                continue
            result.all_files.add(child)
            if name.endswith((".yaml", ".yml")) or name == "Kustomization":
                result.yaml_files.append(child)

    visit(root, "", [])
    return result
