"""The walk of a tree that changed since the last run lists only the folders whose stamp changed
(and their ancestors, and what appeared below them): its file set equals a full walk's, field for
field and in the same order, whatever the change; a changed ignore file or exclude walks it all."""

from __future__ import annotations

import os
import random
import time
from dataclasses import astuple
from pathlib import Path

import pytest

from homelint.engine import runner
from homelint.engine.cache import Cache
from homelint.loading.discovery import FileSet, IgnoreRules, walk

AGED = 100  # seconds: older than the window in which a folder's mtime may not show a change
TREE = {
    ".gitignore": "*.key\nbuild/\n",
    "top.yaml": "a: 1\n",
    "README.md": "readme\n",
    "apps/kustomization.yaml": "resources: []\n",
    "apps/one/app/helmrelease.yaml": "a: 1\n",
    "apps/one/app/values.yaml": "a: 1\n",
    "apps/one/ks.yaml": "a: 1\n",
    "apps/two/app/helmrelease.yaml": "a: 1\n",
    "apps/two/app/secret.key": "x\n",
    "apps/two/.gitignore": "drop.yaml\n",
    "apps/two/drop.yaml": "a: 1\n",
    "infra/a.yaml": "a: 1\n",
    "infra/deep/er/b.yaml": "a: 1\n",
    "build/out.yaml": "a: 1\n",
}


def make_tree(root: Path) -> None:
    for rel, text in TREE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def age(root: Path) -> None:
    """Every path's mtime well in the past, as in a tree not touched for a while."""
    then = time.time() - AGED
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            os.utime(os.path.join(folder, name), (then, then), follow_symlinks=False)
    os.utime(root, (then, then))


def fields(files: FileSet) -> tuple[object, ...]:
    return astuple(files)[1:]  # all but the root


@pytest.fixture
def relisted(monkeypatch: pytest.MonkeyPatch) -> list[set[str] | None]:
    """The folders each walk of the runner listed (None: a full walk)."""
    seen: list[set[str] | None] = []
    real = runner.walk

    def spy(root: Path, exclude: list[str] | None = None, reuse: runner.Reuse | None = None) -> FileSet:
        seen.append(None if reuse is None else set(reuse.relist))
        return real(root, exclude, reuse)

    monkeypatch.setattr(runner, "walk", spy)
    return seen


def remembered(root: Path) -> None:
    """One run's walk of the aged tree, kept for the next."""
    age(root)
    runner.current_walk(root, [], Cache(root))


def check(root: Path, exclude: list[str] | None = None) -> FileSet:
    """The next run's walk, asserted equal to a full walk."""
    files = runner.current_walk(root, exclude or [], Cache(root))
    assert fields(files) == fields(walk(root, exclude or []))
    return files


def test_an_unchanged_tree_is_not_walked(tmp_path: Path, relisted: list[set[str] | None]) -> None:
    make_tree(tmp_path)
    remembered(tmp_path)
    files = check(tmp_path)
    assert relisted == [None]  # the first run's walk only
    assert "apps/one/app/values.yaml" in files.yaml_files


def test_a_file_rewritten_by_rename_relists_its_folder_and_ancestors_only(
    tmp_path: Path, relisted: list[set[str] | None]
) -> None:
    make_tree(tmp_path)
    remembered(tmp_path)
    target = tmp_path / "apps/one/app/values.yaml"
    (tmp_path / "apps/one/app/.values.yaml.tmp").write_text("a: 2\n")  # an editor's save, as `sed -i` does
    os.replace(tmp_path / "apps/one/app/.values.yaml.tmp", target)
    check(tmp_path)
    assert relisted[-1] == {"", "apps", "apps/one", "apps/one/app"}


def test_a_file_rewritten_by_rename_is_walked_without_compiling_an_ignore_pattern(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every entry of the relisted folders was judged by the last walk: its verdict is kept."""
    make_tree(tmp_path)
    age(tmp_path)
    runner.current_walk(tmp_path, ["*.md"], Cache(tmp_path))
    target = tmp_path / "apps/two/app/helmrelease.yaml"
    (tmp_path / "apps/two/app/.helmrelease.yaml.tmp").write_text("a: 2\n")
    os.replace(tmp_path / "apps/two/app/.helmrelease.yaml.tmp", target)
    compiled: list[list[str]] = []
    real = IgnoreRules._compile

    def spy(self: IgnoreRules) -> None:
        compiled.append(self.lines)
        real(self)

    monkeypatch.setattr(IgnoreRules, "_compile", spy)
    files = runner.current_walk(tmp_path, ["*.md"], Cache(tmp_path))
    assert compiled == []
    assert files.ignored == {"README.md", "build/", "apps/two/app/secret.key", "apps/two/drop.yaml"}
    monkeypatch.setattr(IgnoreRules, "_compile", real)
    assert fields(files) == fields(walk(tmp_path, ["*.md"]))


def test_a_new_entry_in_a_relisted_folder_is_judged_by_the_patterns(tmp_path: Path) -> None:
    make_tree(tmp_path)
    remembered(tmp_path)
    (tmp_path / "apps/two/app/new.key").write_text("x\n")
    (tmp_path / "apps/two/app/new.yaml").write_text("a: 1\n")
    files = check(tmp_path)
    assert "apps/two/app/new.key" in files.ignored
    assert "apps/two/app/new.yaml" in files.yaml_files


RELISTED = {  # each change, and the folders the next walk lists again (the others are kept)
    "add-file": {"", "apps", "apps/two", "apps/two/app"},
    "delete-file": {"", "infra", "infra/deep", "infra/deep/er"},
    "rename-file": {"", "apps", "apps/one"},
    "rename-folder": {"", "apps", "apps/one", "apps/one/app"},  # the folders gone; the new one is walked
    "delete-folder": {"", "infra", "infra/deep", "infra/deep/er"},
    "new-subfolder": {"", "apps", "apps/one", "apps/one/app"},
    "new-ignored-file": {"", "apps", "apps/two", "apps/two/app"},
    "new-file-at-root": {""},
    "folder-becomes-file": {"", "infra", "infra/deep", "infra/deep/er"},
}


@pytest.mark.parametrize("change", sorted(RELISTED))
def test_a_changed_folder_walks_as_a_full_walk_would(tmp_path: Path, relisted: list[set[str] | None], change: str) -> None:
    make_tree(tmp_path)
    remembered(tmp_path)
    if change == "add-file":
        (tmp_path / "apps/two/app/new.yaml").write_text("a: 1\n")
    elif change == "delete-file":
        (tmp_path / "infra/deep/er/b.yaml").unlink()
    elif change == "rename-file":
        (tmp_path / "apps/one/ks.yaml").rename(tmp_path / "apps/one/zz.yaml")
    elif change == "rename-folder":
        (tmp_path / "apps/one").rename(tmp_path / "apps/uno")
    elif change == "delete-folder":
        for path in sorted((tmp_path / "infra/deep").rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        (tmp_path / "infra/deep").rmdir()
    elif change == "new-subfolder":
        (tmp_path / "apps/one/app/sub/more").mkdir(parents=True)
        (tmp_path / "apps/one/app/sub/more/c.yaml").write_text("a: 1\n")
        (tmp_path / "apps/one/app/sub/d.yaml").write_text("a: 1\n")
    elif change == "new-ignored-file":
        (tmp_path / "apps/two/app/other.key").write_text("x\n")
        (tmp_path / "apps/two/drop.yaml").unlink()
        (tmp_path / "apps/two/drop.yaml").write_text("a: 2\n")
    elif change == "new-file-at-root":
        (tmp_path / "a.yaml").write_text("a: 1\n")
    elif change == "folder-becomes-file":
        (tmp_path / "infra/deep/er/b.yaml").unlink()
        (tmp_path / "infra/deep/er").rmdir()
        (tmp_path / "infra/deep/er").write_text("a file now\n")
    check(tmp_path)
    assert relisted[-1] == RELISTED[change]


def test_a_new_gitignore_walks_the_tree_again(tmp_path: Path, relisted: list[set[str] | None]) -> None:
    make_tree(tmp_path)
    remembered(tmp_path)
    (tmp_path / "apps/.gitignore").write_text("values.yaml\n")
    files = check(tmp_path)
    assert relisted[-1] is None
    assert "apps/one/app/values.yaml" not in files.yaml_files


@pytest.mark.parametrize("ignore_file", [".gitignore", "apps/two/.gitignore"])
def test_a_changed_or_deleted_gitignore_walks_the_tree_again(
    tmp_path: Path, relisted: list[set[str] | None], ignore_file: str
) -> None:
    make_tree(tmp_path)
    remembered(tmp_path)
    with open(tmp_path / ignore_file, "a") as handle:  # in place: its folder's mtime does not change
        handle.write("values.yaml\n")
    check(tmp_path)
    assert relisted[-1] is None
    remembered(tmp_path)
    (tmp_path / ignore_file).unlink()
    files = check(tmp_path)
    assert relisted[-1] is None
    assert ("apps/two/drop.yaml" in files.yaml_files) == (ignore_file == "apps/two/.gitignore")


def test_a_new_gitignore_in_a_new_folder_applies_below_it(tmp_path: Path, relisted: list[set[str] | None]) -> None:
    make_tree(tmp_path)
    remembered(tmp_path)
    (tmp_path / "apps/three").mkdir()
    (tmp_path / "apps/three/.gitignore").write_text("hidden.yaml\n")
    (tmp_path / "apps/three/hidden.yaml").write_text("a: 1\n")
    (tmp_path / "apps/three/shown.yaml").write_text("a: 1\n")
    files = check(tmp_path)
    assert relisted[-1] is not None
    assert "apps/three/shown.yaml" in files.yaml_files and "apps/three/hidden.yaml" not in files.yaml_files


def test_changed_excludes_walk_the_tree_again(tmp_path: Path, relisted: list[set[str] | None]) -> None:
    make_tree(tmp_path)
    remembered(tmp_path)
    files = check(tmp_path, ["infra/"])
    assert relisted[-1] is None
    assert not any(p.startswith("infra/") for p in files.yaml_files)


def test_a_symlink_whose_target_appears_elsewhere_is_listed_again(tmp_path: Path, relisted: list[set[str] | None]) -> None:
    make_tree(tmp_path)
    os.symlink("../infra/later.yaml", tmp_path / "apps/link.yaml")  # broken for now
    os.symlink("../infra/deep", tmp_path / "apps/linked-folder")
    os.symlink("../infra/a.yaml", tmp_path / "apps/one/a-link.yaml")
    remembered(tmp_path)
    (tmp_path / "infra/later.yaml").write_text("a: 1\n")  # only infra/ changes its mtime
    files = check(tmp_path)
    assert relisted[-1] == {"", "apps", "infra"}
    assert "apps/link.yaml" in files.yaml_files
    remembered(tmp_path)
    for path in sorted((tmp_path / "infra/deep").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (tmp_path / "infra/deep").rmdir()  # apps/linked-folder is broken now
    (tmp_path / "infra/a.yaml").unlink()
    files = check(tmp_path)
    assert "apps/linked-folder" not in files.dirs
    assert "apps/one/a-link.yaml" not in files.yaml_files


def test_a_folder_changed_just_before_the_run_is_listed_again_by_the_next(
    tmp_path: Path, relisted: list[set[str] | None]
) -> None:
    make_tree(tmp_path)
    remembered(tmp_path)
    (tmp_path / "infra/new.yaml").write_text("a: 1\n")
    changed_ns = os.stat(tmp_path / "infra").st_mtime_ns
    check(tmp_path)  # infra/ changed a moment ago: a later change may not show in its mtime
    (tmp_path / "infra/new2.yaml").write_text("a: 1\n")
    os.utime(tmp_path / "infra", ns=(changed_ns, changed_ns))  # as if in the same mtime tick
    files = check(tmp_path)
    assert relisted[-1] == {"", "infra"}
    assert "infra/new2.yaml" in files.yaml_files


def test_random_sequences_of_changes_walk_as_full_walks_do(tmp_path: Path) -> None:
    """Seeded random adds, deletes, renames and new folders, each checked against a full walk
    (then the tree is aged and walked again, so that the next change starts from stable stamps)."""
    rng = random.Random(20)
    make_tree(tmp_path)
    remembered(tmp_path)
    for step in range(60):
        files = [p for p in tmp_path.rglob("*") if p.is_file() and ".homelint_cache" not in p.parts]
        folders = [p for p in tmp_path.rglob("*") if p.is_dir() and ".homelint_cache" not in p.parts] + [tmp_path]
        action = rng.choice(["add", "delete", "rename", "mkdir", "rmdir", "ignored"])
        if action == "add":
            (rng.choice(folders) / f"f{step}.yaml").write_text("a: 1\n")
        elif action == "delete" and files:
            rng.choice(files).unlink()
        elif action == "rename" and files:
            path = rng.choice(files)
            path.rename(rng.choice(folders) / f"r{step}-{path.name}")
        elif action == "mkdir":
            made = rng.choice(folders) / f"d{step}" / "x"
            made.mkdir(parents=True)
            (made / "y.yaml").write_text("a: 1\n")
        elif action == "rmdir":
            empty = [f for f in folders if f != tmp_path and not any(f.iterdir())]
            if empty:
                rng.choice(empty).rmdir()
        else:
            (rng.choice(folders) / f"k{step}.key").write_text("x\n")
        check(tmp_path)
        remembered(tmp_path)
