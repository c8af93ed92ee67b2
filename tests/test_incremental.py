"""Incremental runs are exact: after any sequence of edits, a run that uses the cache reports what a
`--no-cache` run reports, byte for byte in JSON and SARIF.

The edits are what a commit does to a GitOps repository: a value changed, a name renamed (a
wiring edit), a kustomization `resources:` entry added or removed, a file added, deleted or renamed,
a comment appended, an edit undone. They are applied back to back, as an editor saves or a
checkout writes, so two edits of one file can fall in the same mtime tick.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homelint.engine.lint import Options, run_check
from homelint.report.jsonfmt import render_json
from homelint.report.sarif import render_sarif

from .conftest import FIXTURES, SHARED, cache_dir

_VALUE = re.compile(r"^(\s+(?:-\s+)?[A-Za-z][\w.-]*:[ \t]+)(\S[^#\n]*)$", re.M)
_NAME = re.compile(r"^(\s+name:[ \t]+)([\w.-]+)[ \t]*$", re.M)
_RESOURCE = re.compile(r"^(\s+-[ \t]+)(\./)?([\w./-]+\.ya?ml|[\w.-]+/?)[ \t]*$", re.M)
WIRING_KEYS = {"name", "namespace", "kind", "apiVersion", "path", "targetNamespace"}
NEW_VALUES = ["1", "true", "changed", "${CHANGED_VAR}", '""', "{}", "[]", "-1", "value with spaces"]
# values the resource graph and the substitution read (a claim, a Secret's name, a variable): an
# edit of one is a wiring edit, whatever its key
_GRAPH_VALUE = re.compile(
    r"^(\s+(?:-\s+)?(?:existingClaim|claimName|secretName|name|[\w.-]+)\s*:[ \t]+)(\S*\$\{[^}\n]+\}\S*|paperless-consume)[ \t]*(?:#.*)?$",
    re.M,
)
_COMMENT = re.compile(r"^[ \t]*#(.*)$", re.M)
OPERATIONS = (
    "value",
    "graph-value",
    "comment-edit",
    "comment-insert",
    "rename-name",
    "add-resource",
    "remove-resource",
    "add-file",
    "delete-file",
    "rename-file",
    "comment",
    "undo",
)
TRIED = {"sequences": 0, "edits": 0, "edit path": 0, "loaded": 0}


def yaml_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def edit(root: Path, operation: str, rng: random.Random, history: list[tuple[Path, bytes | None]]) -> str:
    """Apply one edit of this kind at a place `rng` picks; what was done, for a failure message."""
    files = yaml_files(root)
    path = root / rng.choice(files)
    text = path.read_text(errors="replace")
    history.append((path, text.encode()))
    if operation == "value":
        spots = [m for m in _VALUE.finditer(text) if m.group(1).strip(" -:") not in WIRING_KEYS]
        if spots:
            spot = rng.choice(spots)
            path.write_text(text[: spot.start(2)] + rng.choice(NEW_VALUES) + text[spot.end(2) :])
            return f"value {spot.group(0).strip()!r} in {path.relative_to(root)}"
    if operation == "graph-value":
        spots = list(_GRAPH_VALUE.finditer(text))
        if spots:
            spot = rng.choice(spots)
            path.write_text(text[: spot.start(2)] + rng.choice(["${OTHER_VAR}", "other-claim", "${APP}-x"]) + text[spot.end(2) :])
            return f"graph value {spot.group(0).strip()!r} in {path.relative_to(root)}"
    if operation == "comment-edit":  # a comment's text changed in place: the edit path
        spots = list(_COMMENT.finditer(text))
        if spots:
            spot = rng.choice(spots)
            path.write_text(
                text[: spot.start(1)] + rng.choice([" edited", "", " homelint: ignore", " #{ x }#"]) + text[spot.end(1) :]
            )
            return f"comment {spot.group(0).strip()!r} edited in {path.relative_to(root)}"
    if operation == "comment-insert":  # a comment or blank line inserted: later lines move
        lines = text.split("\n")
        at = rng.randrange(len(lines) + 1)
        lines.insert(at, rng.choice(["# inserted", "", "  # indented"]))
        path.write_text("\n".join(lines))
        return f"line inserted at {at + 1} in {path.relative_to(root)}"
    if operation == "rename-name":
        spots = list(_NAME.finditer(text))
        if spots:
            spot = rng.choice(spots)
            path.write_text(text[: spot.start(2)] + spot.group(2) + "-renamed" + text[spot.end(2) :])
            return f"renamed {spot.group(2)} in {path.relative_to(root)}"
    if operation in ("add-resource", "remove-resource"):
        kustomizations = [f for f in files if f.endswith("kustomization.yaml")]
        path = root / rng.choice(kustomizations)
        text = path.read_text(errors="replace")
        history.append((path, text.encode()))
        spots = list(_RESOURCE.finditer(text))
        if spots and operation == "remove-resource":
            spot = rng.choice(spots)
            path.write_text(text[: spot.start()] + text[spot.end() + 1 :])
            return f"removed {spot.group(0).strip()} from {path.relative_to(root)}"
        if spots:
            spot = rng.choice(spots)
            entry = rng.choice(["./missing.yaml", "./extra", spot.group(3)])
            path.write_text(text[: spot.end()] + "\n" + spot.group(1) + entry + text[spot.end() :])
            return f"added {entry} to {path.relative_to(root)}"
    if operation == "add-file":
        target = root / rng.choice(files)
        new = target.parent / f"added-{rng.randrange(1000)}.yaml"
        history.append((new, None))
        shutil.copyfile(path, new)
        return f"added {new.relative_to(root)} (a copy of {path.relative_to(root)})"
    if operation == "delete-file":
        path.unlink()
        return f"deleted {path.relative_to(root)}"
    if operation == "rename-file":
        new = path.with_name("renamed-" + path.name)
        history.append((new, None))
        path.rename(new)
        return f"renamed {path.relative_to(root)}"
    if operation == "undo" and len(history) > 1:
        history.pop()  # this step's own record
        undone, before = history.pop()
        if before is None:
            undone.unlink(missing_ok=True)
        else:
            undone.write_bytes(before)
        return f"undid the last edit of {undone.relative_to(root)}"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n# a comment\n")
    return f"comment appended to {path.relative_to(root)}"


def reports(root: Path, use_cache: bool) -> tuple[str, str, list[str]]:
    """The JSON, SARIF and notes of a run; an edit may break the config, and then both runs must
    refuse it with the same error."""
    from homelint.model.config import ConfigError

    try:
        result = run_check(Options(paths=[root], use_cache=use_cache))
    except ConfigError as exc:
        return f"config error: {exc}", "", []
    return render_json(result), render_sarif(result), result.notes


def age(root: Path, step: int) -> None:
    """Date what the last edit changed (files and folders with a recent mtime) back to a past second
    of its own, as if edits were seconds apart: then sizes and mtimes are trusted, and the unchanged
    folders' walk comes from the cache."""
    now = time.time_ns()
    stamp = now - (1000 - step) * 1_000_000_000
    for path in [root, *root.rglob("*")]:
        st = path.lstat()
        if st.st_mtime_ns > now - 10_000_000_000:
            os.utime(path, ns=(stamp, stamp), follow_symlinks=False)


@pytest.fixture(autouse=True, scope="module")
def count_paths():
    """Count the cached runs the edit path answered (runner._edited) and those that loaded the tree."""
    import homelint.engine.runner

    real_edited, real_load = homelint.engine.runner._edited, homelint.engine.runner.load_repo

    def edited(*args, **kwargs):
        found = real_edited(*args, **kwargs)
        TRIED["edit path"] += found is not None
        return found

    def load(*args, **kwargs):
        TRIED["loaded"] += kwargs.get("cache") is not None and kwargs["cache"].enabled
        return real_load(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(homelint.engine.runner, "_edited", edited)
        patch.setattr(homelint.engine.runner, "load_repo", load)
        yield
    print(f"\nincremental == --no-cache: {TRIED}")


def assert_incremental_equals_cold(root: Path, steps: list[tuple[str, int]], *, aged: bool = False) -> None:
    if aged:
        age(root, 0)
    reports(root, use_cache=True)  # the cache of the tree before the edits
    history: list[tuple[Path, bytes | None]] = []
    done = []
    for step, (operation, seed) in enumerate(steps, 1):
        done.append(edit(root, operation, random.Random(seed), history))
        if aged:
            age(root, step)
        TRIED["edits"] += 1
        cached = reports(root, use_cache=True)
        cold = reports(root, use_cache=False)
        assert cached[0] == cold[0], f"findings differ after: {done}"
        assert cached[1] == cold[1], f"SARIF differs after: {done}"
        assert cached[2] == cold[2], f"notes differ after: {done}"
        again = reports(root, use_cache=True)  # and the run that follows, from the cache just written
        assert again == cold, f"second cached run differs after: {done}"
    TRIED["sequences"] += 1
    print(
        f"incremental == --no-cache: {TRIED['sequences']} edit sequences, {TRIED['edits']} edits so far; "
        f"cached runs: {TRIED['edit path']} by the edit path, {TRIED['loaded']} loaded"
    )


STEPS = st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 2**32)), min_size=1, max_size=5)
EXAMPLES = int(os.environ.get("HOMELINT_EDIT_SEQUENCES", "12"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(steps=STEPS, aged=st.booleans())
def test_random_edit_sequences_on_the_demo_repository(steps, aged):
    """`aged`: the edits seconds apart (stats trusted, walks remembered), else back to back."""
    with tempfile.TemporaryDirectory(prefix="homelint-edits-") as tmp:
        root = Path(tmp) / "demo"
        shutil.copytree(FIXTURES / "demo", root)
        assert_incremental_equals_cold(root, steps, aged=aged)


@pytest.mark.parametrize("seed", [0, 1])
def test_edit_sequence_on_a_corpus_copy(seed, tmp_path):
    """One repository of real size (skipped without the shared corpora)."""
    corpus = SHARED / "corpora" / "onedr0p__home-ops"
    if not corpus.is_dir():
        pytest.skip("no shared corpora here")
    root = tmp_path / "corpus"
    shutil.copytree(corpus, root, symlinks=True)
    for path in root.rglob("*"):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    rng = random.Random(seed)
    steps = [(rng.choice(OPERATIONS), rng.randrange(2**32)) for _ in range(4)]
    assert_incremental_equals_cold(root, steps, aged=seed == 1)


def test_a_same_size_rewrite_in_the_same_mtime_tick_is_seen(tmp_path):
    """A file rewritten with as many bytes within one filesystem timestamp tick keeps its size and
    mtime: the cache must not take it for unchanged (git's "racily clean" entries)."""
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    target = root / "kubernetes/apps/default/echo/ks.yaml"
    text = target.read_text()
    assert "echo" in text
    target.write_text(text)  # saved just now: then checked
    reports(root, use_cache=True)
    before = target.stat()
    target.write_text(text.replace("echo", "ecko", 1))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert reports(root, use_cache=True) == reports(root, use_cache=False)


def test_a_file_read_just_after_its_save_stays_untrusted_however_long_the_run(tmp_path, monkeypatch):
    """A file saved just before a run started may be rewritten within its mtime tick: its stat is
    not trusted next time, even when the run records it seconds later (the stat is judged by the
    run's start, when the file was read, not by when the index is written)."""
    from homelint.engine.cache import UNTRUSTED_MTIME, Cache

    cache = Cache(tmp_path, enabled=False)
    saved = cache.started_ns - 10_000_000  # 10 ms before the run started
    recorded_at = cache.started_ns + 5_000_000_000  # a run that took 5 s
    monkeypatch.setattr(time, "time_ns", lambda: recorded_at)
    cache.touch("a.yaml", 10, saved, "digest")
    assert cache.index["a.yaml"][1] == UNTRUSTED_MTIME
    assert cache.lookup("a.yaml", 10, saved) is None
    old = cache.started_ns - 60_000_000_000  # saved a minute before: its stat stands for its content
    cache.touch("b.yaml", 10, old, "digest")
    assert cache.lookup("b.yaml", 10, old) == "digest"


def test_an_unchanged_tree_is_not_walked_again(tmp_path, monkeypatch):
    """No folder changed since the last run: the file list comes from the cache; a file added to a
    folder makes the next run walk again."""
    import homelint.engine.runner

    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    age(root, 0)
    first = reports(root, use_cache=True)
    walks: list[Path] = []
    real_walk = homelint.engine.runner.walk  # the runner's walk (it imports it from discovery)
    monkeypatch.setattr(homelint.engine.runner, "walk", lambda *a, **k: walks.append(a[0]) or real_walk(*a, **k))
    assert reports(root, use_cache=True) == first
    assert walks == []
    shutil.copyfile(root / "kubernetes/apps/default/echo/app/pvc.yaml", root / "kubernetes/apps/default/echo/app/pvc2.yaml")
    age(root, 1)
    assert reports(root, use_cache=True) == reports(root, use_cache=False)
    assert walks


def test_a_symlinked_file_whose_target_goes_away_is_seen(tmp_path):
    """The link's folder is unchanged when its target, in an ignored folder, is deleted: the
    remembered walk checks its symlinks too."""
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    (root / ".gitignore").write_text("private/\n")
    (root / "private").mkdir()
    shutil.copyfile(root / "kubernetes/apps/default/echo/app/pvc.yaml", root / "private/pvc.yaml")
    (root / "kubernetes/apps/default/echo/app/linked.yaml").symlink_to("../../../../../private/pvc.yaml")
    age(root, 0)
    reports(root, use_cache=True)
    assert reports(root, use_cache=True) == reports(root, use_cache=False)
    (root / "private/pvc.yaml").unlink()
    age(root, 1)
    assert reports(root, use_cache=True) == reports(root, use_cache=False)


def test_ignore_files_written_after_the_walk_are_seen(tmp_path):
    """A .git/info/exclude made later (its folder .git changes on every git command, so is not
    watched), and a .gitignore edited in place (its folder's mtime does not change)."""
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    (root / ".git").mkdir()
    (root / ".gitignore").write_text("# nothing yet\n")
    age(root, 0)
    reports(root, use_cache=True)
    assert reports(root, use_cache=True) == reports(root, use_cache=False)
    (root / ".git/info").mkdir()
    (root / ".git/info/exclude").write_text("kubernetes/apps/default/echo/\n")
    age(root, 1)
    excluded = reports(root, use_cache=True)
    assert excluded == reports(root, use_cache=False)
    (root / ".git/info/exclude").write_text("\n")
    (root / ".gitignore").write_text("kubernetes/apps/default/echo/\n")
    age(root, 2)
    assert reports(root, use_cache=True) == reports(root, use_cache=False)


def test_per_file_facts_are_reused_by_content_and_redone_under_another_key(tmp_path, monkeypatch):
    """The per-file phase (HL601 schema errors, `${` strings) is cached beside the parse, per content
    digest: a changed file alone is parsed again; facts made under another key (another homelint)
    are absent, so every file is parsed again, with the same report."""
    import homelint.engine.runner

    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    age(root, 0)
    reports(root, use_cache=True)
    parsed: list[str] = []
    real_parse_todo = homelint.engine.runner._parse_todo  # parses (or takes the edit path's parse) and makes the facts
    monkeypatch.setattr(
        homelint.engine.runner,
        "_parse_todo",
        lambda base, paths, edited: parsed.extend(paths) or real_parse_todo(base, paths, edited),
    )
    target = root / "kubernetes/apps/default/echo/app/pvc.yaml"
    target.write_text(target.read_text().replace("storage: 1Gi", "storage: 2Gi"))
    age(root, 1)
    second = reports(root, use_cache=True)
    assert parsed == ["kubernetes/apps/default/echo/app/pvc.yaml"]
    assert second == reports(root, use_cache=False)
    parsed.clear()
    monkeypatch.setattr(homelint.engine.runner, "FACTS_KEY", "another homelint")
    target.write_text(target.read_text().replace("storage: 2Gi", "storage: 3Gi"))
    age(root, 2)
    third = reports(root, use_cache=True)
    assert sorted(parsed) == yaml_files(root)
    assert third == reports(root, use_cache=False)


def _loads(monkeypatch) -> list[Path]:
    """The roots of the cached runs that load the tree (rather than take the edit path)."""
    import homelint.engine.runner

    loaded: list[Path] = []
    real_load = homelint.engine.runner.load_repo
    monkeypatch.setattr(
        homelint.engine.runner, "load_repo", lambda root, *a, **k: loaded.append(root) or real_load(root, *a, **k)
    )
    return loaded


def test_a_comment_edited_in_place_is_answered_without_loading_the_tree(tmp_path, monkeypatch):
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    age(root, 0)
    reports(root, use_cache=True)
    loaded = _loads(monkeypatch)
    target = root / "kubernetes/apps/default/echo/app/pvc.yaml"
    target.write_text(target.read_text().replace("# DEFECT HL102: this claim", "# this claim"))
    age(root, 1)
    edited = reports(root, use_cache=True)
    assert loaded == []
    assert edited == reports(root, use_cache=False)


def test_a_suppression_added_in_a_comment_takes_the_edit_path_and_suppresses(tmp_path, monkeypatch):
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    age(root, 0)
    before = reports(root, use_cache=True)
    loaded = _loads(monkeypatch)
    target = root / "kubernetes/apps/default/echo/app/pvc.yaml"
    target.write_text(target.read_text().replace("# DEFECT HL102: this claim", "# homelint: ignore-file[HL102] -- kept"))
    age(root, 1)
    edited = reports(root, use_cache=True)
    assert loaded == []
    assert edited == reports(root, use_cache=False)
    assert '"HL102"' in before[0] and edited[0] != before[0]


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        # HL102 reads a kustomization's text for a commented-out entry: its comments count
        ("kubernetes/apps/default/echo/app/kustomization.yaml", "  - ./secret.yaml\n", "  - ./secret.yaml\n  # - ./pvc.yaml\n"),
        # a `$schema` comment declares what the document is validated against
        (
            "kubernetes/apps/default/echo/app/pvc.yaml",
            "---\n",
            "---\n# yaml-language-server: $schema=https://example.com/x.json\n",
        ),
        # a comment line inserted before content: every later line moves
        ("kubernetes/apps/default/echo/app/pvc.yaml", "kind: PersistentVolumeClaim\n", "# moved\nkind: PersistentVolumeClaim\n"),
        # a value the resource graph reads (a claim a HelmRelease mounts)
        (
            "kubernetes/apps/default/paperless/app/helmrelease.yaml",
            "existingClaim: paperless-consume",
            "existingClaim: echo-cache",
        ),
        # a variable
        ("kubernetes/apps/default/echo/app/helmrelease.yaml", "${SMTP_RELAY}", "${TIMEZONE}"),
    ],
)
def test_edits_a_check_can_see_load_the_tree(tmp_path, monkeypatch, file, old, new):
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    age(root, 0)
    reports(root, use_cache=True)
    loaded = _loads(monkeypatch)
    target = root / file
    assert old in target.read_text()
    target.write_text(target.read_text().replace(old, new, 1))
    age(root, 1)
    edited = reports(root, use_cache=True)
    assert loaded == [root]
    assert edited == reports(root, use_cache=False)


def test_a_value_edit_parses_the_changed_file_once(tmp_path, monkeypatch):
    """The edit path parsed it to compare its layout: the load that follows takes that parse."""
    import homelint.engine.runner
    import homelint.model.repo

    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    age(root, 0)
    reports(root, use_cache=True)
    parsed: list[str] = []
    for module in (homelint.engine.runner, homelint.model.repo):
        real = module.parse_bytes
        monkeypatch.setattr(module, "parse_bytes", lambda path, *a, real=real: parsed.append(path) or real(path, *a))
    loaded = _loads(monkeypatch)
    target = root / "kubernetes/apps/default/paperless/app/helmrelease.yaml"
    target.write_text(target.read_text().replace("existingClaim: paperless-consume", "existingClaim: echo-cache", 1))
    age(root, 1)
    edited = reports(root, use_cache=True)
    assert loaded == [root]
    assert parsed == ["kubernetes/apps/default/paperless/app/helmrelease.yaml"]
    monkeypatch.undo()
    assert edited == reports(root, use_cache=False)


def test_a_finding_that_may_end_past_the_last_line_keeps_the_kept_run_from_answering():
    """A collection that ends a file ends after its trailing comments: a comment appended there may
    move the end of a finding's span, so such a finding makes the tree load."""
    from homelint.engine.reuse import reused

    record = {
        "findings": [("HL101", "a.yaml", (3, 1, 9, 1), "m")],
        "suppressions": {},
        "layouts": {"a.yaml": ("old", "fp", 8), "b.yaml": ("same", "fp2", 4)},
        "raw": [],
    }
    assert reused(record, {"a.yaml": ("new", "fp", 8, None)}) is None
    record["findings"] = [("HL101", "a.yaml", (3, 1, 8, 4), "m")]
    assert reused(record, {"a.yaml": ("new", "fp", 8, None)})["layouts"]["a.yaml"] == ("new", "fp", 8)
    assert reused(record, {"a.yaml": ("new", "other", 8, None)}) is None  # another fingerprint
    record["raw"] = ["a.yaml"]
    assert reused(record, {"a.yaml": ("new", "fp", 8, None)}) is None  # read as text by a check


BASE = "a: 1\n# note\nb: |\n  text\n # after the block\nc: 2\n"


@pytest.mark.parametrize(
    ("edited", "same"),
    [
        (BASE.replace("# note", "# another note"), True),  # what a comment says
        (BASE + "# appended\n\n", True),  # after the last content line
        (BASE.replace("a: 1", "a: 2"), False),  # a value
        (BASE.replace("# note\n", "# note\n# inserted\n"), False),  # later lines move
        (BASE.replace(" # after", "  # after"), False),  # now inside the block scalar: its text
        (BASE.replace(" # after", "# after"), False),  # the block scalar now ends at another column
        (BASE.replace("# note", "#{ note }#"), False),  # a template marker (HL003)
        (BASE.replace("# note", "# yaml-language-server: $schema=https://example.com/s.json"), False),
        (BASE.replace("\n", "\r\n"), False),  # other line breaks: the whole text counts
    ],
)
def test_the_layout_fingerprint_sees_everything_but_what_comments_say(edited, same):
    from homelint.model.repo import parse_read

    _, before = parse_read("a.yaml", BASE.encode())
    _, after = parse_read("a.yaml", edited.encode())
    assert (after.layout == before.layout) is same
    assert before.last == 6


@pytest.mark.parametrize(
    ("text", "edited", "same"),
    [
        ("# header\na: 1\n", "# another header\na: 1\n", True),  # a comment on the first line
        ("  # header\na: 1\n", "# header\na: 1\n", False),  # its indentation
        ("a: |\n  # text\nb: 1\n", "a: |\n  # other text\nb: 1\n", False),  # a `#` line in a block scalar is data
        ("a: |\n  text\n  # text\n", "a: |\n  text\n  # other\n", False),  # also past the last line
        # a recursive alias is refused (HL001, the same on both sides): its comments are comments
        ("a: &x [1, *x]\n# note\n", "a: &x [1, *x]\n# other note\n", True),
    ],
)
def test_the_layout_fingerprint_of_comments_and_data_that_looks_like_one(text, edited, same):
    from homelint.model.repo import parse_read

    _, before = parse_read("a.yaml", text.encode())
    _, after = parse_read("a.yaml", edited.encode())
    assert before.layout and (after.layout == before.layout) is same


def test_the_layout_fingerprint_depends_on_values_not_on_which_objects_are_shared():
    """Equal documents give one fingerprint whether the loader shared a string between them or
    made two equal ones (marshal's later versions write a shared object as a reference)."""
    from homelint.loading.yamlload import ParsedFile
    from homelint.model.filefacts import layout

    key = "".join(["na", "me"])
    shared = ParsedFile("a.yaml", docs=[{key: key, "b": [key, key]}], doc_lines=[1])
    copies = ParsedFile("a.yaml", docs=[{"".join(["na", "me"]): "".join(["na", "me"]), "b": ["name", "name"]}], doc_lines=[1])
    assert shared.docs == copies.docs
    assert layout(shared, b"x: 1\n") == layout(copies, b"x: 1\n")
    assert layout(shared, b"x: 1\n") != layout(ParsedFile("a.yaml", docs=[{key: 1}], doc_lines=[1]), b"x: 1\n")


def test_a_run_without_cache_computes_no_layout():
    from homelint.model.repo import parse_read

    _, facts = parse_read("a.yaml", BASE.encode(), with_layout=False)
    assert (facts.layout, facts.last) == ("", 0)


def test_the_parses_are_kept_before_the_model_is_built(tmp_path, monkeypatch):
    """The parse cache is written before the Flux model and the graph exist, so its marshalled
    bytes are never held beside them (a run's peak memory), and once; the result is the same."""
    import homelint.engine.cache
    import homelint.engine.runner

    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    kept: list[list[str]] = []
    stored: list[str] = []
    real_build, real_store = homelint.engine.runner.build_repo, homelint.engine.cache._Store.store

    def build(*args, **kwargs):
        kept.append(sorted(p.name for p in cache_dir(root).rglob("*.marshal")))
        return real_build(*args, **kwargs)

    def store(self, name, value):
        stored.append(name)
        real_store(self, name, value)

    monkeypatch.setattr(homelint.engine.runner, "build_repo", build)
    monkeypatch.setattr(homelint.engine.cache._Store, "store", store)
    cached = reports(root, use_cache=True)
    assert len(kept) == 1 and {"files.marshal", "index.marshal"} <= set(kept[0])
    assert stored.count("files.marshal") == 1 and stored.count("index.marshal") == 1
    assert cached == reports(root, use_cache=False)


def test_a_cache_lets_go_of_its_parses_only_once_they_are_saved(tmp_path):
    from homelint.engine.cache import Cache
    from homelint.engine.runner import to_plain
    from homelint.loading.yamlload import ParsedFile

    root = tmp_path / "repo"
    root.mkdir()
    cache = Cache(root)
    first, second = to_plain(ParsedFile("a.yaml", docs=[{"a": 1}])), to_plain(ParsedFile("b.yaml", docs=[{"b": 2}]))
    cache.put("a.yaml", 5, 0, "digest-a", first, ("key", ("facts",)))
    cache.release()  # not saved yet: kept
    assert cache.parsed("a.yaml", "digest-a", "key") == (first, ("facts",))
    cache.save()
    cache.release()
    cache.put("b.yaml", 5, 0, "digest-b", second, ("key", ("facts",)))  # read again from the saved file
    assert cache.parsed("a.yaml", "digest-a", "key") == (first, ("facts",))
    cache.save()
    assert Cache(root).parsed("b.yaml", "digest-b", "key") == (second, ("facts",))


def test_the_cache_keeps_the_last_runs_newest_first_and_reads_only_the_one_asked_for(tmp_path, monkeypatch):
    import homelint.engine.cache as cache_module
    from homelint.engine.cache import RUNS_KEPT, Cache

    root = tmp_path / "repo"
    root.mkdir()
    cache = Cache(root)
    records = {f"key-{i}": {"findings": [], "suppressions": {}, "stats": {"files": i}} for i in range(RUNS_KEPT + 2)}
    for key, record in records.items():
        cache.store_run_result(key, record)
    again = Cache(root)
    read: list[bytes] = []
    real_run_of = cache_module._run_of
    monkeypatch.setattr(cache_module, "_run_of", lambda raw: read.append(raw) or real_run_of(raw))
    assert again.run_result("key-3") == records["key-3"] and len(read) == 1
    assert again.run_result("key-0") is None  # the oldest are dropped
    assert [r["stats"]["files"] for r in again.kept_runs()] == list(range(RUNS_KEPT + 1, 1, -1))
