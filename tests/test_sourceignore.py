"""source-controller's ignore rules as Flux matches them (homelint.model.sourceignore): go-git's
gitignore patterns (fluxcd/pkg sourceignore/gitignore, copied from go-git v5.16.4), elements matched
as Go's filepath.Match matches them, the last matching pattern deciding."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homelint.model.sourceignore import DEFAULT_EXCLUDES, VCS_EXCLUDES, Matcher, effective, parse, read_patterns

EXCLUDE, INCLUDE, NONE = "exclude", "include", None


def verdict(line: str, path: str, is_dir: bool = False, domain: tuple[str, ...] = ()) -> str | None:
    pattern = parse(line, domain)
    if not pattern.valid or not pattern.matches(path.split("/"), is_dir):
        return NONE
    return INCLUDE if pattern.inclusion else EXCLUDE


@pytest.mark.parametrize(
    ("line", "domain", "path", "is_dir", "expected"),
    [
        # a name without a slash matches any element of the path below its domain
        ("app-a", (), "app-a/cm.yaml", False, EXCLUDE),
        ("app-a", (), "ns-a/app-a/cm.yaml", False, EXCLUDE),
        ("app-a", (), "ns-a/app-a", False, EXCLUDE),
        ("app", (), "ns-a/app-a/cm.yaml", False, NONE),
        ("!app-?", (), "ns-a/app-b/cm.yaml", False, INCLUDE),
        # a trailing slash: folders only, and everything below one
        ("app-a/", (), "ns-a/app-a", False, NONE),
        ("app-a/", (), "ns-a/app-a", True, EXCLUDE),
        ("app-a/", (), "ns-a/app-a/cm.yaml", False, EXCLUDE),
        # a pattern of a .sourceignore matches only below its folder (never the folder itself)
        ("app-a", ("ns-a",), "ns-a/app-a/cm.yaml", False, EXCLUDE),
        ("app-a", ("ns-a",), "ns-b/app-a/cm.yaml", False, NONE),
        ("ns-a", ("ns-a",), "ns-a/cm.yaml", False, NONE),
        ("app-a", ("ns-a", "app-a"), "ns-a/app-a", True, NONE),
        # a slash anchors at the domain; the pattern matches the path or a folder it is in
        ("/deploy", (), "deploy/clusters/c1", True, EXCLUDE),
        ("/deploy", (), "other/deploy/c1.yaml", False, NONE),
        ("deploy/clusters", (), "deploy/clusters/c1/ks.yaml", False, EXCLUDE),
        ("/*", (), "deploy/clusters/c1", True, EXCLUDE),
        ("*/deploy/*", ("deploy",), "deploy/clusters/deploy/x.yaml", False, EXCLUDE),
        ("*/deploy/*", ("deploy",), "deploy/clusters/c1/x.yaml", False, NONE),
        # `**` at the start, in the middle and at the end
        ("**/app-a/*.yaml", (), "ns-a/app-a/cm.yaml", False, EXCLUDE),
        ("**/app-a/*.yaml", (), "app-a/cm.yaml", False, EXCLUDE),
        ("/ns-a/**/cm.yaml", (), "ns-a/cm.yaml", False, EXCLUDE),
        ("/ns-a/**/cm.yaml", (), "ns-a/app-a/x/cm.yaml", False, EXCLUDE),
        ("/ns-a/**", (), "ns-a", False, EXCLUDE),
        ("**/app-a/**/cm.yaml", (), "ns-a/app-a/x.yaml", False, NONE),
        ("/ns-a/**x/cm.yaml", (), "ns-a/x/cm.yaml", False, NONE),  # `**` inside an element: never
        ("**/app-a/", (), "ns-a/app-a", False, NONE),
        ("**/app-a/", (), "ns-a/app-a", True, EXCLUDE),
        # trailing spaces are trimmed unless escaped; leading ones are part of the pattern
        ("app-a  ", (), "app-a/cm.yaml", False, EXCLUDE),
        ("  app-a", (), "app-a/cm.yaml", False, NONE),
    ],
)
def test_a_pattern_matches_as_go_git_matches_it(line, domain, path, is_dir, expected):
    assert verdict(line, path, is_dir, domain) == expected


@pytest.mark.parametrize(
    ("glob", "name", "matched"),
    [
        ("c?-a.yaml", "cm-a.yaml", True),
        ("*.yaml", ".yaml", True),
        ("[abc]m-a", "cm-a", True),
        ("[^abc]m-a", "cm-a", False),
        ("[!abc]m-a", "!m-a", True),  # `!` does not negate a class in Go, `^` does
        ("[a-c]m-a", "bm-a", True),
        ("[c-a]m-a", "bm-a", False),  # a reversed range matches nothing
        ("[\\]]x", "]x", True),
        ("a\\*", "a*", True),
        ("a\\*", "ab", False),
        # malformed (filepath.Match's ErrBadPattern): no match, whatever the name
        ("[", "[", False),
        ("[]a]x", "]x", False),
        ("[a-]x", "ax", False),
        ("[ab", "a", False),
        ("ab\\", "ab\\", False),
    ],
)
def test_an_element_matches_as_go_filepath_match(glob, name, matched):
    assert (verdict(glob, name) == EXCLUDE) is matched


def test_the_last_matching_pattern_decides_and_takes_files_back_below_an_excluded_folder():
    patterns = read_patterns("/*\n!/deploy\n/deploy/archive/\n!/deploy/archive/keep.yaml\n")
    matcher = Matcher(patterns, 10_000, 10_000)
    assert not matcher.excluded("deploy/clusters/c1/ks.yaml", False)
    assert matcher.excluded("deploy/archive", True)
    assert matcher.excluded("deploy/archive/old.yaml", False)
    assert not matcher.excluded("deploy/archive/keep.yaml", False)  # git would keep it out; go-git does not
    assert matcher.excluded("other/cm.yaml", False)
    deciding = matcher.deciding("other/cm.yaml", False)
    assert deciding is not None and deciding.text == "/*"
    # a later file's pattern wins over an earlier one, and spec.ignore (appended last) over both
    later = Matcher([*read_patterns("*\n"), *read_patterns("!/deploy\n")], 10, 10)
    assert not later.excluded("deploy/clusters/c1", True)


def test_read_patterns_reads_lines_as_fluxcd_pkg_does():
    patterns = read_patterns("# comment\n\n   \n #not-a-comment\r\nkeep\\ \r\n!/deploy\n", ("ns-a",), "ns-a/.sourceignore")
    assert [p.text for p in patterns] == [" #not-a-comment", "keep\\ ", "!/deploy"]
    assert all(p.domain == ("ns-a",) for p in patterns)
    assert patterns[2].where == "ns-a/.sourceignore `!/deploy`"
    # bufio.Scanner stops at a line longer than its buffer: what follows is not read
    assert [p.text for p in read_patterns("a\n" + "b" * 70_000 + "\nc\n")] == ["a"]


def test_the_default_exclusions_apply_only_without_any_pattern():
    """fluxcd/pkg artifact/storage SourceIgnoreFilter: NewDefaultMatcher (VCS, then the extension,
    CI and extra exclusions) when the list is empty, else the VCS exclusions and the patterns."""
    assert [p.text for p in effective([])] == list(DEFAULT_EXCLUDES)
    own = read_patterns("/archive\n")
    assert [p.text for p in effective(own)] == [*VCS_EXCLUDES, "/archive"]
    assert Matcher(effective([]), 10, 10).excluded("apps/logo.png", False)
    assert not Matcher(effective(own), 10, 10).excluded("apps/logo.png", False)
    assert Matcher(effective(own), 10, 10).excluded(".git/config", False)


def test_matching_is_linear_in_the_name():
    """A glob that a backtracking matcher takes exponential time on is matched by RE2."""
    pattern = "*a" * 30 + "b"
    name = "a" * 5000
    start = time.perf_counter()
    assert verdict(pattern, name) is NONE
    assert time.perf_counter() - start < 2


def test_a_pattern_is_asked_only_about_paths_below_its_folder():
    """Thousands of .sourceignore files: each path asks the patterns of its own folders only."""
    patterns = [p for i in range(3000) for p in read_patterns("*.yaml\n", (f"dir-{i}",))]
    matcher = Matcher(patterns, 10_000, 10_000)
    start = time.perf_counter()
    for i in range(3000):
        assert matcher.excluded(f"dir-{i}/cm.yaml", False)
        assert not matcher.excluded(f"other-{i}/cm.yaml", False)
    assert time.perf_counter() - start < 5


NAMES = ["a", "b", "ba", "x.yaml"]
# each shape the matcher indexes: exact names (escaped too), `*text`, `text*`, and general globs
GLOBS = [*NAMES, "\\a", "*", "a*", "b*", "*a", "*.yaml", "**a", "b*a", "*a*", "?", "[ab]", "**"]
LINES = st.lists(
    st.tuples(
        st.sampled_from(["", "!"]),
        st.sampled_from(["", "/"]),
        st.lists(st.sampled_from(GLOBS), min_size=1, max_size=3),
        st.sampled_from(["", "/"]),
        st.lists(st.sampled_from(["a", "b"]), max_size=2),
    ),
    max_size=6,
)
PATHS = st.lists(st.tuples(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5), st.booleans()), max_size=12)


def _patterns(lines):
    return [parse(f"{bang}{lead}{'/'.join(parts)}{trail}", tuple(domain)) for bang, lead, parts, trail, domain in lines]


@settings(max_examples=500, deadline=None)
@given(lines=LINES, paths=PATHS)
def test_the_matcher_decides_as_the_last_matching_pattern_whatever_it_asked_before(lines, paths):
    """The matcher indexes patterns by shape and keeps verdicts per folder; each answer is still
    go-git's: the last pattern, among those whose folder is above the path, that matches it
    (Pattern.matches)."""
    patterns = _patterns(lines)
    matcher = Matcher(patterns, 10_000, 10_000)
    valid = [p for p in patterns if p.valid]
    for parts, is_dir in paths:
        expected = next((p for p in reversed(valid) if p.matches(parts, is_dir)), None)
        assert matcher.known("/".join(parts), is_dir)
        assert matcher.deciding("/".join(parts), is_dir) is expected


@settings(max_examples=500, deadline=None)
@given(lines=LINES, paths=PATHS, budget=st.integers(min_value=0, max_value=40))
def test_over_its_budget_the_matcher_says_unknown_never_a_wrong_pattern(lines, paths, budget):
    """Past the budget, a domain's general patterns are not matched: a path one of them could
    decide (one that comes after the pattern that decides otherwise) is unknown and not excluded;
    every other path still gets go-git's verdict."""
    patterns = _patterns(lines)
    matcher = Matcher(patterns, 10, 10, budget=budget)
    valid = [p for p in patterns if p.valid]
    for parts, is_dir in paths:
        expected = next((p for p in reversed(valid) if p.matches(parts, is_dir)), None)
        if matcher.known("/".join(parts), is_dir):
            assert matcher.deciding("/".join(parts), is_dir) is expected
        else:
            assert matcher.deciding("/".join(parts), is_dir) is None
            assert not matcher.excluded("/".join(parts), is_dir)


HOSTILE = 3000


def test_thousands_of_suffix_prefix_and_exact_patterns_are_looked_up_not_matched(monkeypatch):
    """`*text`, `text*` and exact names are keys: thousands of each against thousands of names
    decide every path exactly, without matching a glob."""
    lines = [f"*-{i}.yaml\n!keep-{i}*\nname-{i}.txt\n" for i in range(HOSTILE)]
    matcher = Matcher(read_patterns("".join(lines)), HOSTILE * 3, HOSTILE * 3)
    calls = []
    monkeypatch.setattr("homelint.model.sourceignore._matches", lambda *args: calls.append(args) or False)
    for i in range(HOSTILE):
        assert matcher.excluded(f"apps/app-{i}.yaml", False)
        assert not matcher.excluded(f"apps/keep-{i}-{i}.yaml", False)  # `!keep-{i}*` comes after `*-{i}.yaml`
        assert matcher.excluded(f"apps/name-{i}.txt", False)
        assert matcher.deciding(f"apps/other-{i}.txt", False) is None
    assert calls == []
    assert matcher.unmodelled == []


def test_thousands_of_general_globs_leave_their_paths_unknown_within_a_bounded_cost(monkeypatch):
    """A `.sourceignore` of thousands of general globs against thousands of names would cost their
    product: its globs are not matched, the paths below its folder that they could decide are
    unknown (kept in the artifact), and other folders' patterns still decide."""
    hostile = read_patterns("".join(f"*-{i}-*\n/*/x-{i}?\n" for i in range(HOSTILE)), ("hostile",), "hostile/.sourceignore")
    mild = read_patterns("*-1-*\n/app-?/drop.yaml\n", ("mild",), "mild/.sourceignore")
    root = read_patterns("/hostile/keep/\n", (), ".sourceignore")
    matcher = Matcher([*hostile, *mild, *root], HOSTILE * 2, HOSTILE * 2)
    calls = []
    original = Matcher.__init__.__globals__["_matches"]
    monkeypatch.setattr("homelint.model.sourceignore._matches", lambda *args: calls.append(args) or original(*args))
    for i in range(HOSTILE):
        assert not matcher.known(f"hostile/app/a-{i}-b", False)
        assert not matcher.excluded(f"hostile/app/a-{i}-b", False)
        assert matcher.known(f"hostile/keep/a-{i}-b", False)  # the root's later pattern decides
        assert matcher.excluded(f"hostile/keep/a-{i}-b", False)
        assert matcher.known(f"mild/app-{i}/x.yaml", False)
    assert matcher.excluded("mild/app-1-x/cm.yaml", False) and matcher.excluded("mild/app-a/drop.yaml", False)
    assert matcher.unmodelled == ["hostile"]
    assert matcher.where("hostile") == ["hostile/.sourceignore"]
    assert len(calls) < 10 * HOSTILE


def test_a_glob_with_a_literal_first_name_is_matched_only_against_paths_under_that_name(monkeypatch):
    """`/dir-N/*.tmp` can only match below dir-N (go-git compares a glob's first part with the
    path's first name): thousands of them, one per folder, cost each path its own folder's globs,
    not all of them, so they stay within the budget, and every verdict is still go-git's."""
    lines = "".join(f"/dir-{i}/*.tmp\n!/dir-{i}/keep-*.tmp\n" for i in range(HOSTILE))
    matcher = Matcher(read_patterns(lines), 4 * HOSTILE, 4 * HOSTILE)
    calls = []
    original = Matcher.__init__.__globals__["_matches"]
    monkeypatch.setattr("homelint.model.sourceignore._matches", lambda *args: calls.append(args) or original(*args))
    for i in range(HOSTILE):
        assert matcher.excluded(f"dir-{i}/a.tmp", False)
        assert not matcher.excluded(f"dir-{i}/keep-a.tmp", False)
        assert matcher.deciding(f"dir-{i}/a.yaml", False) is None
        assert matcher.deciding(f"other/dir-{i}/a.tmp", False) is None  # anchored: not below the root's dir-N
    assert matcher.unmodelled == []
    assert len(calls) <= 4 * 4 * HOSTILE  # per path: its own folder's two globs, two names each


def _findings(check_json, repo, files: dict[str, str]) -> list[tuple[str, str]]:
    return sorted((f["rule"], f["path"]) for f in check_json(repo(files))[1] if f["severity"] != "info")


SYNC = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\n"
    "spec: {interval: 1h, url: 'https://example.invalid/r.git', ref: {branch: main}}\n---\n"
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: root-a, namespace: flux-system}\n"
    "spec:\n  interval: 1h\n  path: ./ops/clusters/c1\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
)
CHILD = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-a, namespace: flux-system}\n"
    "spec:\n  interval: 1h\n  path: ./ops/apps/app-a\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
    "  postBuild:\n    substituteFrom: [{kind: Secret, name: vars-a}]\n"
)
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\ndata: {k: v}\n"


def test_what_every_source_leaves_out_is_not_called_unreached(check_json, repo):
    """A folder the repository's sources leave out (an archive in .sourceignore) is not built on
    purpose: no HL104 'no Flux Kustomization builds it'. The control: without the ignore rule it
    is reported."""
    files = {
        "ops/clusters/c1/flux-system/sync.yaml": SYNC,
        "ops/clusters/c1/cm.yaml": CONFIGMAP,
        "ops/archive/app-b/kustomization.yaml": "resources: [cm.yaml]\n",
        "ops/archive/app-b/cm.yaml": CONFIGMAP.replace("cm-a", "cm-b"),
        ".sourceignore": "ops/archive/\n",
    }
    assert _findings(check_json, repo, files) == []
    del files[".sourceignore"]
    assert _findings(check_json, repo, files) == [("HL104", "ops/archive/app-b/kustomization.yaml")]


def test_a_root_path_the_ignore_rules_leave_out_is_the_one_cause(check_json, repo):
    """`/*` in ops/.sourceignore leaves all of ops/ out, the root's path too: HL103 says so. The
    Kustomization below it is not also called unreached (HL104), and the root's substituteFrom
    Secret is not called missing (HL401): kustomize-controller fails on the path first."""
    files = {
        "ops/.sourceignore": "/*\n",
        "ops/clusters/c1/flux-system/sync.yaml": SYNC + "  postBuild:\n    substituteFrom: [{kind: Secret, name: vars-a}]\n",
        "ops/clusters/c1/apps.yaml": CHILD,
        "ops/apps/app-a/cm.yaml": CONFIGMAP,
    }
    assert _findings(check_json, repo, files) == [("HL103", "ops/clusters/c1/flux-system/sync.yaml")]
