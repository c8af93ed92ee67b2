"""File discovery: gitignore rules decide exactly as pathspec (git's semantics) decides."""

from __future__ import annotations

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homelint.loading.discovery import IgnoreRules, walk

PATTERNS = [
    ["*.key", "kubeconfig", ".private", "/build/", "docs/**/draft-*.md"],
    ["*.yaml", "!keep.yaml", "!kubernetes/**"],  # negations: last match wins
    ["secrets/", "!secrets/README.md", "secrets/*.sops.yaml"],
    ["# only a comment", "", "   "],
    ["a?c", "[ab]*.txt", "**/tmp", "x/**/y", "\\!literal", "trailing\\ "],
]
PATHS = [
    "a.key", "dir/a.key", "kubeconfig", "k/kubeconfig/", "x/.private", ".private/", "build/", "src/build/",
    "docs/a/draft-1.md", "docs/draft-2.md", "keep.yaml", "x/keep.yaml", "kubernetes/apps/a.yaml", "other.yaml",
    "secrets/", "secrets/README.md", "secrets/a.sops.yaml", "abc", "a/abc", "bz.txt", "q/tmp", "tmp/", "x/1/2/y",
    "!literal", "trailing ", "plain.md",
]  # fmt: skip


@pytest.mark.parametrize("lines", PATTERNS)
def test_ignore_rules_agree_with_pathspec(lines):
    rules = IgnoreRules(lines)
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    for path in PATHS:
        assert rules.match(path) == bool(spec.match_file(path)), (lines, path)


NAMES = st.sampled_from(["a", "b.yaml", "x.key", "docs", "keep.yaml", "kubernetes", "tmp", ".private", "c d"])
PATTERN = st.sampled_from(["*.yaml", "!keep.yaml", "*.key", "docs/", "!docs/b.yaml", "/a", "**/tmp", "k*/", "!*", "c d"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PATTERN, max_size=6), st.lists(NAMES, min_size=1, max_size=4), st.booleans())
def test_random_rules_and_paths_agree_with_pathspec(lines, parts, is_dir):
    path = "/".join(parts) + ("/" if is_dir else "")
    assert IgnoreRules(lines).match(path) == bool(pathspec.GitIgnoreSpec.from_lines(lines).match_file(path))


def test_walk_honours_nested_gitignores_and_negations(tmp_path):
    (tmp_path / ".gitignore").write_text("*.key\nbuild/\n")
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / ".gitignore").write_text("*.yaml\n!keep.yaml\n")
    for name in ("apps/keep.yaml", "apps/drop.yaml", "apps/a.key", "build/out.yaml", "top.yaml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("a: 1\n")
    files = walk(tmp_path)
    assert files.yaml_files == ["apps/keep.yaml", "top.yaml"]
    assert "build" not in files.dirs


def test_git_info_exclude_is_honoured_like_a_gitignore(tmp_path):
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("# local only\nscratch/\n*.local.yaml\n")
    for rel in ("scratch/a.yaml", "apps/b.local.yaml", "apps/c.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("a: 1\n")
    assert walk(tmp_path).yaml_files == ["apps/c.yaml"]


def test_the_spec_is_compiled_when_first_asked_for_too():
    """The patterns compile at the first match or the first use of `spec` (the Flux model asks
    the spec directly), whichever comes first."""
    rules = IgnoreRules(["*.key", "!keep.key"])
    assert not rules.compiled
    assert rules.spec.match_file("a.key") and not rules.spec.match_file("keep.key")
    assert rules.match("a.key") and not rules.match("keep.key")
