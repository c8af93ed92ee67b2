"""Hostile pull requests: each test builds one attack in a tmp dir and shows it does not work.

A committed cache, config or symlink must never change the verdict, make homelint read or write
outside the repository, print a secret, or crash it (exit 2 with a traceback).
"""

from __future__ import annotations

import functools
import json
import marshal
import os
import signal
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from homelint.engine import cache as cache_module
from homelint.engine.runner import to_plain

from .conftest import GOTK, cache_dir, flux_ks, flux_root

SECRET = "correct-horse-battery-staple"  # the demo's plaintext Secret value (HL402)


def demo_findings(run, root: Path, *extra: str) -> tuple[int, list[dict]]:
    result = run("check", str(root), "--format", "json", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def forged_cache(root: Path, attacker_home: Path, monkeypatch) -> Path:
    """What an attacker can make: a valid cache of this very repository made on their own machine
    (their key), with the run record rewritten to 0 findings and re-signed with their key."""
    monkeypatch.setenv("HOMELINT_CACHE_DIR", str(attacker_home))
    store = cache_module._Store(root)
    assert store.usable
    from homelint.engine.lint import Options, run_check

    run_check(Options(paths=[root]))
    runs = store.load("runs.marshal")
    store.store("runs.marshal", [(key, marshal.dumps({**marshal.loads(record), "findings": []})) for key, record in runs])
    folder = cache_module.repo_cache_dir(root)
    monkeypatch.undo()
    assert folder is not None
    return folder


# --- Trust: the cache is this machine's, not the repository's --------------------------------------


def test_committed_legacy_cache_with_a_forged_run_record_is_never_read(run, repo, tmp_path, monkeypatch):
    root = repo({}, base="demo")
    forged = forged_cache(root, tmp_path / "attacker", monkeypatch)
    legacy = root / ".homelint_cache" / "v0.1.0-5"
    legacy.mkdir(parents=True)
    for name in ("index.marshal", "files.marshal", "runs.marshal"):
        (legacy / name).write_bytes((forged / f"v0.1.0-{cache_module.CACHE_FORMAT}" / name).read_bytes())
    code, findings = demo_findings(run, root)
    assert code == 1 and any(f["rule"] == "HL402" for f in findings)


def test_forged_entries_in_the_user_cache_fail_verification(run, repo, tmp_path, monkeypatch):
    root = repo({}, base="demo")
    forged = forged_cache(root, tmp_path / "attacker", monkeypatch)
    _, expected = demo_findings(run, root, "--no-cache")
    mine = cache_dir(root)
    assert not mine.exists()
    mine.parent.mkdir(parents=True, exist_ok=True)
    import shutil

    shutil.copytree(forged, mine)  # as if the attacker could plant files in this user's cache
    code, findings = demo_findings(run, root)
    assert code == 1 and findings == expected


def test_signed_cache_values_of_the_wrong_shape_are_absent(run, repo):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root, "--no-cache")
    store = cache_module._Store(root)
    for name, value in [
        ("index.marshal", {"a.yaml": (1, 2)}),
        ("files.marshal", {"kubernetes/apps/default/echo/app/secret.yaml": ("x", 1)}),
        ("runs.marshal", [("k", {"findings": 3})]),
        ("runs.marshal", [("k", marshal.dumps({"findings": 3})), ("j", b"not marshal")]),
        ("spans.marshal", [1, 2, 3]),
    ]:
        store.store(name, value)
    assert demo_findings(run, root)[1] == expected
    store.store("index.marshal", 12345)
    store.store("runs.marshal", None)
    assert demo_findings(run, root)[1] == expected


def test_forged_index_claiming_two_billion_entries_is_absent_at_once(run, repo):
    root = repo({}, base="demo")
    demo_findings(run, root)  # a real cache exists
    folder = next(cache_dir(root).iterdir())
    huge = b"{" + b"\xff\xff\xff\x7f"  # marshal: a dict of 2**31 - 1 entries, 5 bytes
    (folder / "index.marshal").write_bytes(huge)
    (folder / "files.marshal").write_bytes(cache_module.MAGIC + b"\0" * 32 + b"[\xff\xff\xff\x7f")
    start = time.perf_counter()
    code, findings = demo_findings(run, root)
    assert time.perf_counter() - start < 10
    assert code == 1 and any(f["rule"] == "HL402" for f in findings)


def test_symlinked_cache_folder_is_neither_read_nor_written_through(run, repo, tmp_path):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root)
    folder = cache_dir(root)
    elsewhere = tmp_path / "elsewhere"
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.rglob("*"))
    stamps = {p: p.stat().st_mtime_ns for p in elsewhere.rglob("*")}
    assert demo_findings(run, root)[1] == expected
    assert sorted(p.name for p in elsewhere.rglob("*")) == before
    assert {p: p.stat().st_mtime_ns for p in elsewhere.rglob("*")} == stamps


def test_symlinked_cache_file_is_not_read(run, repo, tmp_path):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root)
    folder = next(cache_dir(root).iterdir())
    outside = tmp_path / "runs.marshal"
    (folder / "runs.marshal").rename(outside)
    (folder / "runs.marshal").symlink_to(outside)
    assert demo_findings(run, root)[1] == expected
    assert not (folder / "runs.marshal").is_symlink()  # replaced by a new file, the target untouched
    assert outside.is_file()


def test_cache_of_another_user_or_group_writable_is_not_trusted(run, repo):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root)
    folder = next(cache_dir(root).iterdir())
    (folder / "runs.marshal").chmod(0o666)
    assert demo_findings(run, root)[1] == expected
    if os.getuid() == 0:  # only root can give a file away
        os.chown(folder / "runs.marshal", 65534, 65534)
        os.chown(folder, 65534, 65534)
        assert demo_findings(run, root)[1] == expected


def test_key_file_that_is_not_private_disables_the_cache(run, repo):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root)
    key = Path(os.environ["HOMELINT_CACHE_DIR"]) / "key"
    key.chmod(0o644)
    try:
        assert not cache_module._Store(root).usable
        assert demo_findings(run, root)[1] == expected
    finally:
        key.chmod(0o600)


def test_cache_folder_inside_the_repository_is_not_used(run, repo, monkeypatch):
    root = repo({}, base="demo")
    monkeypatch.setenv("HOMELINT_CACHE_DIR", str(root / ".cache" / "homelint"))
    assert not cache_module._Store(root).usable
    code, findings = demo_findings(run, root)
    assert code == 1 and any(f["rule"] == "HL402" for f in findings)


def test_cache_files_are_private_and_signed(run, repo):
    root = repo({}, base="demo")
    demo_findings(run, root)
    home = Path(os.environ["HOMELINT_CACHE_DIR"])
    assert (home / "key").stat().st_mode & 0o777 == 0o600
    for path in cache_dir(root).rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path
        if path.is_file():
            assert path.read_bytes().startswith(cache_module.MAGIC)
            with pytest.raises(ValueError):
                marshal.loads(path.read_bytes())  # not plain marshal data: the signature comes first


# --- Config paths stay inside the repository --------------------------------------------------------

OUTSIDE_TEXT = "root:x:0:0:TOP-SECRET-LINE:/root:/bin/bash\n"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A file of the machine, outside every repository."""
    path = tmp_path / "machine" / "passwd"
    path.parent.mkdir()
    path.write_text(OUTSIDE_TEXT)
    return path


def assert_refused(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("homelint: error:"), result.output
    assert "TOP-SECRET-LINE" not in result.output and "root:x" not in result.output
    for word in words:
        assert word in result.output


@pytest.mark.parametrize(
    "config",
    [
        'rules: {paths: ["{outside}"]}',
        'rules: {paths: ["../machine/passwd"]}',
        'rules: {paths: ["../machine"]}',
        'baseline: "{outside}"',
        'baseline: "../machine/passwd"',
        'flux: {roots: ["../machine"]}',
        'placeholders: {docs: ["../machine/*"]}',
        'placeholders: {docs: ["/etc/*"]}',
    ],
)
def test_config_paths_outside_the_repository_are_refused_without_echo(run, repo, outside, config):
    root = repo({".homelint.yaml": config.replace("{outside}", str(outside)) + "\n"})
    (root.parent / "machine").exists() or (root.parent / "machine").symlink_to(outside.parent)
    assert_refused(run("check", str(root), "--no-cache"), "refused")


def test_config_path_through_a_symlink_out_of_the_repository_is_refused(run, repo, outside):
    root = repo({".homelint.yaml": "rules: {paths: [.homelint/rules]}\nbaseline: b/baseline.json\n"})
    (root / ".homelint").mkdir()
    (root / ".homelint" / "rules").symlink_to(outside.parent)
    assert_refused(run("check", str(root), "--no-cache"), "rules.paths")
    (root / ".homelint" / "rules").unlink()
    (root / ".homelint" / "rules").mkdir()
    (root / ".homelint" / "rules" / "lab.yaml").symlink_to(outside)
    assert_refused(run("check", str(root), "--no-cache"), "rule file")
    (root / ".homelint" / "rules" / "lab.yaml").unlink()
    (root / "b").symlink_to(outside.parent)
    assert_refused(run("check", str(root), "--no-cache"), "baseline")


def test_committed_config_symlink_to_a_machine_file_is_refused(run, repo, outside):
    root = repo({})
    (root / ".homelint.yaml").unlink()
    (root / ".homelint.yaml").symlink_to(outside)
    assert_refused(run("check", str(root), "--no-cache"), "config file")


def test_rule_file_and_config_values_are_never_echoed(run, repo):
    root = repo({".homelint.yaml": "rules: {paths: [rules]}\n", "rules/lab.yaml": "TOP-SECRET-LINE\n"})
    assert_refused(run("check", str(root), "--no-cache"))
    root = repo({".homelint.yaml": "fail-level: TOP-SECRET-LINE\n"})
    assert_refused(run("check", str(root), "--no-cache"))
    root = repo({".homelint.yaml": "exclude: TOP-SECRET-LINE\n"})
    assert_refused(run("check", str(root), "--no-cache"))


@pytest.mark.parametrize("name", [".homelint.yaml", "baseline.json", "rules/lab.yaml"])
def test_fifo_in_place_of_a_config_file_does_not_hang(run, repo, name):
    root = repo({".homelint.yaml": "baseline: baseline.json\nrules: {paths: [rules]}\n", "rules/.keep": ""})
    (root / name).unlink(missing_ok=True)
    os.mkfifo(root / name)
    result = run("check", str(root), "--no-cache")
    assert result.exit_code == 2 and "not a regular file" in result.output, result.output


# --- Writes never follow symlinks -------------------------------------------------------------------


def test_output_file_that_is_a_committed_symlink_is_replaced_not_written_through(run, repo, outside):
    root = repo({}, base="demo")
    (root / "homelint.sarif").symlink_to(outside)
    result = run("check", str(root), "--no-cache", "--format", "sarif", "-o", str(root / "homelint.sarif"))
    assert result.exit_code == 1
    assert outside.read_text() == OUTSIDE_TEXT
    assert not (root / "homelint.sarif").is_symlink() and "runs" in (root / "homelint.sarif").read_text()


def test_output_through_a_symlinked_folder_in_the_repository_is_refused(run, repo, outside):
    root = repo({}, base="demo")
    (root / "reports").symlink_to(outside.parent)
    for args in (["-o", str(root / "reports" / "passwd")], ["--write-baseline", str(root / "reports" / "passwd")]):
        result = run("check", str(root), "--no-cache", *args)
        assert_refused(result, "symlink inside the repository")
        assert outside.read_text() == OUTSIDE_TEXT and sorted(os.listdir(outside.parent)) == ["passwd"]


def test_write_baseline_over_a_committed_symlink_replaces_the_link(run, repo, outside):
    root = repo({}, base="demo")
    (root / ".homelint-baseline.json").symlink_to(outside)
    result = run("check", str(root), "--no-cache", "--write-baseline", str(root / ".homelint-baseline.json"))
    assert result.exit_code == 0, result.output
    assert outside.read_text() == OUTSIDE_TEXT
    assert json.loads((root / ".homelint-baseline.json").read_text())["format"] == "homelint-baseline/1"


def test_temporary_files_are_removed_on_error_and_stale_ones_reclaimed(tmp_path):
    from homelint.loading.safeio import STALE_TMP_SECONDS, TMP_MARK, atomic_write

    stale = tmp_path / f".report.json{TMP_MARK}0123456789abcdef"
    stale.write_text("left by a killed run")
    old = time.time() - STALE_TMP_SECONDS - 10
    os.utime(stale, (old, old))
    fresh = tmp_path / f".other{TMP_MARK}00"
    fresh.write_text("another run, now")
    atomic_write(tmp_path / "report.json", b"{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, "report.json"])
    (tmp_path / "folder").mkdir()
    with pytest.raises(OSError):
        atomic_write(tmp_path / "folder", b"x")  # cannot replace a folder: the temporary file goes
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, "report.json", "folder"])


@pytest.mark.parametrize("reader", ["cache file", "repository file", "schema blob"])
def test_a_small_file_is_read_without_a_buffer_the_size_of_the_limit(tmp_path, reader):
    """read(n) allocates n bytes before reading: a cache file is read with a limit of 1 GiB, each
    YAML file of the repository and each pulled schema with one of 20 MiB."""
    import hashlib
    import tracemalloc

    from homelint.loading.safeio import read_regular
    from homelint.model.repo import read_file
    from homelint.model.schemastore import Store

    path = tmp_path / "small.yaml"
    path.write_bytes(b"x" * 1000)
    name = hashlib.sha256(b"x" * 1000).hexdigest()
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / name).write_bytes(b"x" * 1000)
    readers = {
        "cache file": lambda: read_regular(path, 1 << 30),
        "repository file": lambda: read_file(str(tmp_path), "small.yaml")[0],
        "schema blob": lambda: Store(tmp_path).blob(f"sha256:{name}"),
    }
    tracemalloc.start()
    try:
        data = readers[reader]()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data == b"x" * 1000
    assert peak < 1 << 20


def test_a_file_that_grew_after_its_size_was_taken_is_read_whole_or_refused_past_the_limit(tmp_path, monkeypatch):
    from homelint.loading import safeio

    path = tmp_path / "growing"
    path.write_bytes(b"y" * 100)
    real_fstat = os.fstat
    monkeypatch.setattr(safeio.os, "fstat", lambda fd: SimpleNamespace(st_mode=real_fstat(fd).st_mode, st_size=10))
    assert safeio.read_regular(path, 1000) == b"y" * 100
    assert safeio.read_regular(path, 100) == b"y" * 100
    assert safeio.read_regular(path, 99) is None
    assert safeio.read_regular(path, 10) is None


def test_full_disk_leaves_no_temporary_file(tmp_path, monkeypatch):
    from homelint.loading import safeio

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd):
            self.handle = real_fdopen(fd, "wb")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(safeio.os, "fdopen", lambda fd, mode: Full(fd))
    with pytest.raises(OSError):
        safeio.atomic_write(tmp_path / "out.json", b"{}")
    assert list(tmp_path.iterdir()) == []


# --- render --check is safe on a pull request -------------------------------------------------------

TEMPLATE_REPO = Path(__file__).resolve().parent.parent / "fixtures" / "makejinja"
SETTINGS = "kubernetes/components/common/cluster-settings.yaml"


@pytest.fixture
def mj(tmp_path):
    import shutil

    root = tmp_path / "mj"
    shutil.copytree(TEMPLATE_REPO, root)
    return root


def render_json(run, root: Path, *extra: str) -> tuple[int, list[dict]]:
    result = run("render", "--check", str(root), "--format", "json", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize(
    "expression",
    [
        "cycler.__init__.__globals__.os.system('touch PWNED')",
        "joiner.__init__.__globals__['os'].system('touch PWNED')",
        "().__class__.__base__.__subclasses__()",
        "lipsum.__globals__['os'].system('touch PWNED')",
    ],
)
def test_template_cannot_reach_python_internals(run, mj, expression):
    template = mj / "templates/config" / (SETTINGS + ".j2")
    template.write_text(template.read_text() + f'  X: "#{{ {expression} }}#"\n')
    for args in (["--check"], ["--no-lint"]):
        result = run("render", *args, str(mj), "--format", "json")
        assert not (mj / "PWNED").exists()
        assert "HL703" in result.output and "unsafe" in result.output.lower(), result.output


PLUGIN = """
from pathlib import Path
from types import SimpleNamespace
Path("PLUGIN-RAN").write_text("x")

class Plugin:
    def __init__(self, data, config, env=None):
        pass
"""


def test_plugins_are_refused_by_check_unless_allowed(run, mj):
    (mj / "evil_plugin.py").write_text(PLUGIN)
    config = mj / "makejinja.toml"
    config.write_text(
        config.read_text().replace('jinja_suffix = ".j2"', 'jinja_suffix = ".j2"\nplugins = ["evil_plugin:Plugin"]')
    )
    code, findings = render_json(run, mj)
    assert code == 1 and [f["rule"] for f in findings] == ["HL703"]
    assert "--allow-plugins" in findings[0]["message"] and not (mj / "PLUGIN-RAN").exists()
    assert render_json(run, mj, "--allow-plugins") == (0, [])
    assert (mj / "PLUGIN-RAN").exists()


@pytest.mark.parametrize("entry", ['extensions = ["evil_plugin.Ext"]', 'loaders = ["evil_plugin:Plugin"]'])
def test_extensions_and_loaders_are_repository_code_too(run, mj, entry):
    (mj / "evil_plugin.py").write_text(PLUGIN)
    config = mj / "makejinja.toml"
    config.write_text(config.read_text().replace('jinja_suffix = ".j2"', f'jinja_suffix = ".j2"\n{entry}'))
    _code, findings = render_json(run, mj)
    assert [f["rule"] for f in findings] == ["HL703"] and not (mj / "PLUGIN-RAN").exists()


def test_import_paths_are_not_searched_by_check(run, mj):
    """A module makejinja imports late (a data loader) must not come from the repository."""
    config = mj / "makejinja.toml"
    config.write_text(config.read_text().replace('jinja_suffix = ".j2"', 'jinja_suffix = ".j2"\nimport_paths = ["."]'))
    (mj / "jinja2_ext_evil.py").write_text(PLUGIN)
    render_json(run, mj)
    assert not (mj / "PLUGIN-RAN").exists()


def test_committed_output_symlink_out_of_the_repository_is_not_compared_or_written(run, mj, outside):
    target = mj / SETTINGS
    target.unlink()
    target.symlink_to(outside)
    code, findings = render_json(run, mj)
    assert code == 1 and [(f["rule"], f["path"]) for f in findings] == [("HL701", SETTINGS)]
    text = run("render", "--check", str(mj), "--color", "never").output
    assert "outside the repository" in text and "TOP-SECRET-LINE" not in text
    result = run("render", str(mj), "--no-lint")
    assert outside.read_text() == OUTSIDE_TEXT
    assert result.exit_code == 0 and not target.is_symlink()  # the link itself was replaced


def test_render_never_writes_through_a_symlinked_folder(run, mj, outside):
    folder = mj / "kubernetes/components/common"
    import shutil

    shutil.rmtree(folder)
    folder.symlink_to(outside.parent)
    result = run("render", str(mj), "--no-lint")
    assert_refused(result, "symlink inside the repository")
    assert sorted(os.listdir(outside.parent)) == ["passwd"]


def test_render_output_folder_outside_the_repository_is_refused(run, mj, outside):
    config = mj / "makejinja.toml"
    config.write_text(config.read_text().replace('output = "./"', f'output = "{outside.parent}"'))
    for args in (["--check"], ["--no-lint"]):
        assert_refused(run("render", *args, str(mj)), "outside the repository")
    assert sorted(os.listdir(outside.parent)) == ["passwd"]


def test_render_diff_masks_secret_values(run, mj):
    template = mj / "templates/config" / (SETTINGS + ".j2")
    template.write_text(template.read_text() + '  API_TOKEN: "rendered-token-value"\n  PLAIN: "a"\n')
    committed = mj / SETTINGS
    committed.write_text(committed.read_text() + '  API_TOKEN: "committed-token-value"\n  PLAIN: "b"\n')
    text = run("render", "--check", str(mj), "--color", "never").output
    assert "HL701" in text and "API_TOKEN: ****" in text and '+  PLAIN: "a"' in text
    assert "token-value" not in text


# --- Crashes and bounds: a finding or a skip, never exit 2, never a hang ---------------------------


def fresh_check(root: Path, *extra: str, timeout: int = 120) -> tuple[int, list[dict]]:
    """`homelint check` in a new process: a crash of the C parser (SIGSEGV) would show as a negative code."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "homelint", "check", str(root), "--format", "json", "--no-cache", *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-2000:])
    return done.returncode, json.loads(done.stdout)


DEEP = {
    "block-sequences.yaml": "- " * 30000 + "x\n",
    "explicit-keys.yaml": "? " * 30000 + "x\n",
    "flow.yaml": "a: " + "[" * 30000 + "]" * 30000 + "\n",
    "flow-after-comment-closers.yaml": "# " + "]" * 40000 + "\na: " + "[" * 30000 + "]" * 30000 + "\n",
    "flow-with-comments-on-each-line.yaml": "a:\n" + "  [ # ]]]]]\n" * 30000 + "  " + "]" * 30000 + "\n",
    "flow-with-closers-in-strings.yaml": "a: " + '["]]]]", ' * 30000 + "x" + "]" * 30000 + "\n",
    "indented.yaml": "".join(" " * i + "k:\n" for i in range(1500)) + " " * 1500 + "v\n",
    "mixed.yaml": "- " * 900 + "[" * 900 + "]" * 900 + "\n",
    # line breaks other than \n (libyaml knows \r, NEL, LS, PS): a \n-only scan missed these
    "carriage-returns.yaml": "# c\r" + "- " * 30000 + "x\r",
    "document-start-and-carriage-return.yaml": "---\r" + "- " * 30000 + "x\r",
    "byte-order-mark.yaml": "\ufeff" + "- " * 30000 + "x\n",
}


def test_deep_nesting_of_every_kind_is_a_finding_not_a_crash(repo):
    root = repo({f"kubernetes/apps/deep/{name}": text for name, text in DEEP.items()}, base="demo")
    code, findings = fresh_check(root)
    assert code == 1
    for name in DEEP:
        assert any(f["rule"] == "HL001" and f["path"].endswith(name) for f in findings), name
    assert {"HL101", "HL402", "HL501"} <= {f["rule"] for f in findings}  # the rest is still linted


CRASH = "crash-the-parser"  # a file holding this makes the (patched) composer abort its process


def abort() -> None:
    """SIGABRT, quietly (pytest's faulthandler would print the stack of every crashed child)."""
    import faulthandler

    faulthandler.disable()
    os.abort()


def crashing_loader(stock, spare: int = 0):
    """libyaml's composer (yamlload's Loader class), made to abort() (SIGABRT, a real crash) on a
    text holding CRASH in any process but `spare`: the stand-in for an input that crashes libyaml."""

    class Loader(stock):
        def __init__(self, stream):
            if CRASH in stream and os.getpid() != spare:
                abort()
            super().__init__(stream)

    return Loader


@pytest.fixture
def crashing_parser(monkeypatch):
    """The composer crashes on CRASH in every process but this test's own."""
    from homelint.loading import yamlload

    loader = crashing_loader(yamlload._loader_class(), spare=os.getpid())
    monkeypatch.setattr(yamlload, "_loader_class", lambda: loader)


# a homelint whose composer crashes on CRASH in every process, this one too
CRASHING_HOMELINT = """
import sys
from homelint.loading import yamlload
from tests.test_hostile import crashing_loader
loader = crashing_loader(yamlload._loader_class())
yamlload._loader_class = lambda: loader
from homelint.cli import run
sys.argv = ["homelint", "check", sys.argv[1], "--format", "json", "--no-cache"]
run()
"""
# past the cheap nesting bound (many brackets, here in a comment): the loader parses it in a throwaway process
RISKY_CRASH = f"# {'[' * 1100}\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {CRASH}}}\n"


@pytest.mark.parametrize("extra", [0, 250], ids=["serial", "parallel"])
def test_a_parser_crash_is_a_finding_on_its_file_and_the_rest_is_linted(repo, extra):
    """In a fresh process whose composer crashes for real on one file, wherever it composes it
    (the parse, a worker, a span query): the run survives, that file has one HL001 at line 1."""
    import subprocess
    import sys

    from .conftest import PROJECT

    files = {f"kubernetes/apps/bulk/f{i}.yaml": f"k{i}: v\n" for i in range(extra)}
    root = repo({**files, "kubernetes/apps/default/echo/app/boom.yaml": RISKY_CRASH}, base="demo")
    kustomization = root / "kubernetes/apps/default/echo/app/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", "resources:\n  - boom.yaml\n", 1))
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_HOMELINT, str(root)], capture_output=True, text=True, timeout=300, cwd=PROJECT
    )
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    findings = json.loads(done.stdout)
    crashed = [f for f in findings if f["path"].endswith("boom.yaml")]
    assert [(f["rule"], f["line"], "parser crashed" in f["message"]) for f in crashed] == [("HL001", 1, True)]
    assert {"HL101", "HL402", "HL501"} <= {f["rule"] for f in findings}


def test_a_parser_crash_in_the_main_process_is_still_a_finding(repo, tmp_path):
    """The same crash on an ordinary small file parsed by the main process (the one file changed
    since the cached run): the supervised run dies, the command runs again with every file parsed
    in a throwaway process, and the output is one complete report."""
    import subprocess
    import sys

    from .conftest import PROJECT

    root = repo(
        {"kubernetes/apps/default/echo/app/boom.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: calm}\n"}, base="demo"
    )
    kustomization = root / "kubernetes/apps/default/echo/app/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", "resources:\n  - boom.yaml\n", 1))
    script = CRASHING_HOMELINT.replace(', "--no-cache"]', "]")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", script, str(root)], capture_output=True, text=True, timeout=300, cwd=PROJECT, env=env
        )

    assert check().returncode == 1  # the cache now holds every file
    (root / "kubernetes/apps/default/echo/app/boom.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {CRASH}}}\n"
    )
    done = check()
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    findings = json.loads(done.stdout)  # one JSON document: the crashed child printed nothing
    crashed = [f for f in findings if f["path"].endswith("boom.yaml")]
    assert [(f["rule"], f["line"], "parser crashed" in f["message"]) for f in crashed] == [("HL001", 1, True)]
    assert {"HL101", "HL402", "HL501"} <= {f["rule"] for f in findings}


def test_a_supervised_command_keeps_its_exit_code_and_crashes_are_told_apart():
    from homelint.engine.parallel import supervise

    assert supervise(lambda: 3) == 3
    assert supervise(lambda: abort() or 0) is None  # SIGABRT: the caller retries
    assert supervise(lambda: os.kill(os.getpid(), signal.SIGTERM) or 0) == 128 + signal.SIGTERM


SUPERVISED_SLEEPER = """
import os, sys, time
from homelint.engine.parallel import supervise
def body():
    with open(sys.argv[1], "w") as f:
        f.write(str(os.getpid()))
    time.sleep(60)
    return 0
supervise(body)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_supervised_run_ends_when_its_supervisor_is_killed(tmp_path):
    """SIGKILL cannot be passed on: the kernel ends the child instead (a CI runner's timeout)."""
    import subprocess

    from .conftest import PROJECT

    marker = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", SUPERVISED_SLEEPER, str(marker)], cwd=PROJECT)
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(marker.read_text())
    parent.kill()
    parent.wait()
    stat = Path(f"/proc/{child}/stat")
    while time.monotonic() < deadline:
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            break
        if state in {"Z", "X"}:  # ended; reaped by whoever adopted it
            break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        raise AssertionError("the supervised child outlived its supervisor")


def test_a_file_that_needs_too_much_memory_is_a_finding_not_an_oom(repo):
    """In a fresh process (a long-lived one may hold enough freed address space for the parse):
    the throwaway parse may add 64 MiB here, not 1 GiB, and this file needs ~150 MB."""
    import subprocess
    import sys

    from .conftest import PROJECT

    root = repo({"kubernetes/apps/default/echo/app/big.yaml": "- a\n" * (1 << 19)}, base="demo")  # 2 MiB
    kustomization = root / "kubernetes/apps/default/echo/app/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", "resources:\n  - big.yaml\n", 1))
    script = (
        "import sys\nfrom homelint.engine import runner\nrunner.PARSE_MEMORY = 64 << 20\nfrom homelint.cli import run\n"
        "sys.argv = ['homelint', 'check', sys.argv[1], '--format', 'json', '--no-cache']\nrun()\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, timeout=300, cwd=PROJECT)
    findings = json.loads(done.stdout)
    big = [(f["rule"], f["line"], "ran out of memory" in f["message"]) for f in findings if f["path"].endswith("big.yaml")]
    assert big == [("HL001", 1, True)]
    assert done.returncode == 1 and {"HL101", "HL402", "HL501"} <= {f["rule"] for f in findings}


def test_a_worker_killed_by_a_file_has_its_files_parsed_one_by_one(tmp_path, crashing_parser):
    from homelint.engine.runner import _parse_one, _parse_rescue

    for name, text in {"a.yaml": "a: 1\n", "boom.yaml": f"b: {CRASH}\n", "c.yaml": "c: [1]\n"}.items():
        (tmp_path / name).write_text(text)
    items = [(str(tmp_path), name) for name in ("a.yaml", "boom.yaml", "c.yaml")]
    rescued = _parse_rescue(items)
    assert [r[0] for r in rescued] == ["a.yaml", "boom.yaml", "c.yaml"]
    assert rescued[0] == _parse_one(items[0]) and rescued[2] == _parse_one(items[2])
    boom = rescued[1][4][0]  # (the ParsedFile, its facts) as plain data
    assert boom[1] == [] and [(p[0], p[2]) for p in boom[3]] == [("HL001", 1)] and "parser crashed" in boom[3][0][1]


def test_chunks_a_dead_worker_did_not_return_go_to_the_rescue(tmp_path):
    from homelint.engine.parallel import fork_map

    parent, taken = os.getpid(), tmp_path / "taken"

    def double(x: int) -> int:
        if os.getpid() != parent:
            taken.touch()
            abort()  # the worker dies on the first chunk it takes
        deadline = time.monotonic() + 60
        while not taken.exists() and time.monotonic() < deadline:
            time.sleep(0.001)  # this process waits until the worker has taken one
        return 2 * x

    rescued: list[int] = []

    def rescue(items):
        rescued.extend(items)
        return [-x for x in items]

    out = fork_map(double, list(range(400)), parallel=True, rescue=rescue)
    assert len(rescued) == 8
    assert out == [-x if x in rescued else 2 * x for x in range(400)]


def test_positions_never_compose_a_file_nested_too_deeply():
    from homelint.loading.positions import PositionIndex

    index = PositionIndex({"deep.yaml": ("- " * 30000 + "x\n").encode()}.get)
    assert index.node("deep.yaml", 0) is None  # composing it would crash the C composer


@pytest.mark.parametrize(
    "text",
    [
        "a: &a " + "x" * 15000 + "\nb: [" + ", ".join(["*a"] * 200000) + "]\n",  # 15 KB scalar, 3 GB expanded
        "a: &a " + "x" * 15000 + "\nb:\n" + "".join("  ? *a\n  : 1\n" for _ in range(20000)),  # as keys
        "a: &a [" + ", ".join(["y" * 100] * 100) + "]\n" + "".join(f"b{i}: *a\n" for i in range(20000)),
    ],
)
def test_alias_expansion_is_bounded_by_size(tmp_path, text):
    from homelint.loading.yamlload import parse_bytes

    start = time.perf_counter()
    parsed = parse_bytes("x.yaml", text.encode())
    assert time.perf_counter() - start < 30
    assert any(p.rule in ("HL001", "HL002") for p in parsed.problems)
    assert len(parsed.problems) <= 201
    assert sum(len(p.message) for p in parsed.problems) < 100_000  # messages do not repeat the 15 KB key


@pytest.mark.parametrize(
    "text",
    [
        "kind: ConfigMap\ndata: &x {a: *x}\n",  # a mapping that holds itself
        "spec: &x [*x]\n",  # a list that holds itself
        "spec: {containers: &c [{name: c, env: *c}]}\n",  # deeper down
        "a: &x {b: {c: [1, *x]}}\n",
    ],
)
def test_a_recursive_alias_is_an_hl001_not_a_hang(text):
    """ruamel builds a recursive structure from it, which every walker would follow forever;
    kustomize (kyaml DeAnchor) overflows its stack on it, so the document is refused (HL001)."""
    from homelint.loading.yamlload import parse_bytes

    parsed = parse_bytes("x.yaml", text.encode())
    assert parsed.docs == [None]
    assert [p.rule for p in parsed.problems] == ["HL001"] and "recursive alias" in parsed.problems[0].message


def test_a_shared_alias_is_not_recursive():
    from homelint.loading.yamlload import parse_bytes

    parsed = parse_bytes("x.yaml", b"a: &x {b: 1}\nc: *x\nd: [*x, *x]\n")
    assert parsed.problems == [] and parsed.docs == [{"a": {"b": 1}, "c": {"b": 1}, "d": [{"b": 1}, {"b": 1}]}]


def test_a_manifest_with_a_recursive_alias_is_reported_where_it_is(check_json, repo):
    """The whole check finishes: one HL001 at the document, nothing else follows the loop."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\ndata: &x {a: *x}\n",
    }
    _, found = check_json(repo(files))
    assert [(f["rule"], f["path"]) for f in found] == [("HL001", "apps/cm.yaml")]


def test_huge_integers_and_odd_scalars_do_not_crash(repo):
    root = repo(
        {
            "kubernetes/apps/default/huge/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge, namespace: default}\n"
            f"data:\n  a: {'9' * 5000}\n  b: 0x{'f' * 4000}\n  c: 1e99999\n  d: -.inf\n  e: 0o{'7' * 5000}\n",
            "kubernetes/apps/default/huge/hr.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
            f"metadata: {{name: {'9' * 5000}, namespace: default}}\nspec: {{interval: {'9' * 5000}}}\n",
        },
        base="demo",
    )
    code, findings = fresh_check(root)
    assert code == 1 and not any(f["rule"] == "HL000" for f in findings)  # no check failed on them


def test_non_utf8_names_fifos_and_deep_trees_are_skips(repo):
    root = repo({}, base="demo")
    bad = root / "kubernetes/apps/default/bad"
    bad.mkdir()
    name = os.fsencode(bad) + b"/caf\xe9.yaml"
    with open(name, "wb") as handle:
        handle.write(b"a: 1\n")
    os.mkdir(os.fsencode(bad) + b"/dir\xff")
    os.mkfifo(bad / "fifo.yaml")
    deep = bad
    for _ in range(1100):
        deep = deep / "d"
        deep.mkdir()
    (deep / "x.yaml").write_text("a: 1\n")
    try:
        for text in (fresh_check(root, timeout=300), fresh_check(root, "--fail-level", "info", timeout=300)):
            skipped = [f for f in text[1] if f["rule"] == "HL006"]
            messages = " ".join(f"{f['path']} {f['message']}" for f in skipped)
            assert "caf\\xe9.yaml" in messages and "dir\\xff" in messages
            assert "fifo.yaml" in messages and "not a regular file" in messages
            assert "nested deeper than" in messages
    finally:  # pytest's own cleanup recurses and cannot remove 1,100 levels
        (deep / "x.yaml").unlink()
        while deep != bad:
            deep.rmdir()
            deep = deep.parent


def test_a_sparse_huge_file_is_refused_by_its_size_without_reading_it(repo):
    root = repo({}, base="demo")
    huge = root / "kubernetes/apps/default/echo/app/huge.yaml"
    with open(huge, "wb") as handle:
        handle.truncate(8 << 30)  # 8 GiB that take no disk: reading it would take minutes and all memory
    kustomization = root / "kubernetes/apps/default/echo/app/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", "resources:\n  - ./huge.yaml\n", 1))
    start = time.perf_counter()
    _, findings = fresh_check(root)
    assert time.perf_counter() - start < 60
    refused = [f for f in findings if f["path"].endswith("huge.yaml")]
    assert [(f["rule"], "over the 20 MiB limit" in f["message"]) for f in refused] == [("HL001", True)]


def test_cached_runs_never_read_a_huge_file_either(repo, tmp_path):
    """The cached path hashes changed and touched files before deciding whether to load: it too
    reads a file only within the size limit (here under a 2 GiB address-space cap, which reading
    the 8 GiB file would break)."""
    import resource
    import subprocess
    import sys

    root = repo({}, base="demo")
    huge = root / "kubernetes/apps/default/echo/app/huge.yaml"
    with open(huge, "wb") as handle:
        handle.truncate(8 << 30)
    kustomization = root / "kubernetes/apps/default/echo/app/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", "resources:\n  - ./huge.yaml\n", 1))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, resource.RLIM_INFINITY))

    def check() -> list[dict]:
        done = subprocess.run(
            [sys.executable, "-m", "homelint", "check", str(root), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            preexec_fn=capped,
        )
        assert done.returncode in (0, 1), (done.returncode, done.stderr[-2000:])
        return [f for f in json.loads(done.stdout) if f["path"].endswith("huge.yaml")]

    first = check()
    assert [(f["rule"], "over the 20 MiB limit" in f["message"]) for f in first] == [("HL001", True)]
    assert check() == first  # unchanged: from the cache
    os.utime(huge)  # touched: the cache hashes what may have changed
    assert check() == first


def test_links_to_devices_are_skipped_not_read(repo):
    root = repo({}, base="demo")
    for name, device in {"zero.yaml": "/dev/zero", "random.yaml": "/dev/urandom", "tty.yaml": "/dev/tty"}.items():
        os.symlink(device, root / "kubernetes/apps/default/echo/app" / name)
    _, findings = fresh_check(root, "--fail-level", "info", timeout=60)
    skipped = {f["path"].rsplit("/", 1)[-1] for f in findings if f["rule"] == "HL006"}
    assert {"zero.yaml", "random.yaml", "tty.yaml"} <= skipped


def test_invalid_gitignore_and_exclude_patterns_are_ignored(repo, run):
    root = repo(
        {".gitignore": "\\\\\n!\n[z-a]\nignored.yaml\n", "ignored.yaml": "a: [\n"},
        base="demo",
    )
    (root / ".homelint.yaml").write_text((root / ".homelint.yaml").read_text() + 'exclude: ["[z-a]", "\\\\", "!"]\n')
    code, findings = demo_findings(run, root, "--no-cache")
    assert code == 1 and not any(f["path"] == "ignored.yaml" for f in findings)


CATASTROPHIC = "(a*)*b"  # exponential in Python's re on "aaaa...c"; linear on RE2
LONG = "a" * 40


def test_user_regexes_run_in_linear_time(repo, run):
    root = repo(
        {
            ".sops.yaml": f"creation_rules:\n  - path_regex: '{CATASTROPHIC}'\n",
            f"kubernetes/apps/default/{LONG}c.yaml": "a: 1\n",
            ".gitignore": "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n",
            ".homelint/rules/lab.yaml": "id: LAB001\nname: lab\nseverity: error\nsummary: s\nmatch: {kind: ConfigMap}\n"
            f"schema: {{properties: {{data: {{patternProperties: {{'{CATASTROPHIC}': {{}}}}, additionalProperties: false, "
            f"properties: {{x: {{pattern: '{CATASTROPHIC}'}}}}}}}}}}\n",
            "kubernetes/apps/default/slow/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slow, namespace: default}\n"
            f"data: {{x: {LONG}c, {LONG}c: y}}\n",
        },
        base="demo",
    )
    start = time.perf_counter()
    code, findings = demo_findings(run, root, "--no-cache")
    assert time.perf_counter() - start < 60
    assert code == 1 and any(f["rule"] == "LAB001" for f in findings)


def test_rule_pattern_that_re2_cannot_run_is_a_config_error(repo, run):
    root = repo(
        {
            ".homelint/rules/lab.yaml": "id: LAB001\nname: lab\nseverity: error\nsummary: s\nmatch: {kind: ConfigMap}\n"
            "schema: {properties: {data: {pattern: '(?=x)(a*)*b'}}}\n",
        }
    )
    assert_refused(run("check", str(root), "--no-cache"), "RE2")


@pytest.mark.parametrize(
    "line",
    [
        "a: '" + "{{" * 200000 + "'",
        "a: '" + "#{ " * 200000 + "'",
        "# homelint: ignore[" * 100000,
        ("#" + " " * 10 + "homelint:") * 100000,
    ],
)
def test_marker_and_suppression_scans_are_linear(line):
    from homelint.loading.yamlload import parse_bytes

    start = time.perf_counter()
    parse_bytes("x.yaml", (line + "\n").encode())
    assert time.perf_counter() - start < 10


def test_many_duplicate_keys_and_suppressions_are_linear():
    from homelint.loading.yamlload import parse_bytes

    start = time.perf_counter()
    parsed = parse_bytes("x.yaml", ("m:\n" + "".join(f"  k{i % 2}: 1\n" for i in range(40000))).encode())
    assert len(parsed.problems) == 201 and "more problems" in parsed.problems[-1].message
    parsed = parse_bytes("x.yaml", ("# homelint: ignore[HL101]\n" * 40000 + "a: 1\n").encode())
    assert {s.target for s in parsed.suppressions} == {40001}
    assert time.perf_counter() - start < 30


def test_did_you_mean_work_is_bounded_for_long_keys_and_schema_properties(check_json, repo):
    """difflib is quadratic in a name's length: a repository schema with long property names and a
    values key close to them took seconds per candidate."""
    import random

    rng = random.Random(14)
    long = "".join(rng.choice([chr(0x4E00 + i) for i in range(300)]) for _ in range(20000))
    root = repo({}, base="rules/HL801/bad")
    schema_file = root / "schemas/echo-server/values.schema.json"
    schema = json.loads(schema_file.read_text())
    schema["properties"].update({long[:i] + "y" + long[i + 1 :]: {} for i in range(0, 20000, 500)})
    schema_file.write_text(json.dumps(schema))
    hr = root / "kubernetes/apps/default/echo/app/helmrelease.yaml"
    hr.write_text(hr.read_text().replace("    servce:", f"    ? {long[:10000]}x{long[10000:]}\n    : 1\n    servce:", 1))
    start = time.perf_counter()
    _, findings = check_json(root)
    assert time.perf_counter() - start < 30  # ~4 s; ~60 s with plain difflib
    assert any(f["rule"] == "HL801" and "unknown key" in f["message"] and len(f["message"]) <= 2000 for f in findings)


def test_did_you_mean_for_many_findings_of_one_check_is_bounded(monkeypatch):
    """Thousands of dangling references each sorted every name of their namespace and ran difflib
    on 500 (4,000 dangling dependsOn: 21 s): the names are chosen once, and a check stops
    suggesting after MAX_SUGGESTIONS findings (counted per check, so the same in any process)."""
    from homelint.rules import common

    names = common.Names(f"app-{i}" for i in range(5000))
    assert len(names.pool) == common.MAX_SUGGEST_CANDIDATES
    monkeypatch.setattr(common, "MAX_SUGGESTIONS", 3)
    common.new_check()
    assert [common.close_matches("app-1x", names, n=1) for _ in range(4)] == [["app-1"]] * 3 + [[]]
    common.new_check()
    assert common.close_matches("app-1x", {"app-1", "app-2"}, n=1) == ["app-1"]


def flux_instance_clusters(count: int) -> dict[str, str]:
    """`count` clusters side by side, each a FluxInstance whose sync applies one Kustomization."""
    files = {}
    for i in range(count):
        base = f"clusters/c{i}"
        files[f"{base}/instance.yaml"] = (
            "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n"
            f"  namespace: ns-{i}\nspec:\n  distribution:\n    version: '2.x'\n    registry: ghcr.io/fluxcd\n"
            f"  sync:\n    kind: GitRepository\n    url: https://example.com/r{i}.git\n    ref: refs/heads/main\n"
            f"    path: {base}/apps\n"
        )
        files[f"{base}/apps/ks.yaml"] = (
            f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-{i}\n"
            f"  namespace: ns-{i}\nspec:\n  interval: 1h\n  path: ./{base}/app\n  prune: true\n"
            f"  sourceRef:\n    kind: GitRepository\n    name: ns-{i}\n"
        )
        files[f"{base}/app/cm.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: ns-{i}\n"
    return files


def test_many_flux_instance_clusters_are_linear(check_json, repo):
    # each cluster's Flux version, folder and source were looked up by scanning every other
    # cluster's: 3,000 clusters took over a minute; linear, a few seconds
    root = repo(flux_instance_clusters(3000))
    start = time.process_time()
    code, findings = check_json(root)
    assert time.process_time() - start < 30
    assert code == 0 and findings == []


# --- Budgets: documents, findings and message sizes are bounded, each cut reported once ----------


def test_documents_past_the_per_file_budget_are_one_finding_where_they_start():
    from homelint.loading.yamlload import MAX_DOCUMENTS, parse_bytes

    parsed = parse_bytes("x.yaml", b"---\na: 1\n" * (MAX_DOCUMENTS + 50))
    assert len(parsed.docs) == MAX_DOCUMENTS
    assert [(p.rule, p.line) for p in parsed.problems] == [("HL001", 2 * MAX_DOCUMENTS + 2)]  # `a: 1` of the first left out
    assert "documents in this file" in parsed.problems[0].message


def test_documents_past_the_run_budget_fail_the_run_where_they_start(check_json, repo, monkeypatch):
    from homelint.model import repo as repo_module

    monkeypatch.setattr(repo_module, "MAX_RUN_DOCUMENTS", 5)
    code, findings = check_json(repo({}, base="demo"))
    cut = [f for f in findings if f["rule"] == "HL007"]
    assert code == 1 and len(cut) == 1 and cut[0]["severity"] == "error" and cut[0]["line"] >= 1
    assert "budget of 5 documents" in cut[0]["message"]


def finding(path: str, severity: str, line: int, message: str = "m"):
    from homelint.core.model import Finding, Span

    return Finding("HL999", path, Span(line, 1, line, 2), message, None, severity, "x", f"{path}/{line}")


def test_findings_past_a_budget_keep_the_most_severe_and_the_verdict():
    from homelint.rules.budgets import MAX_FINDINGS_PER_FILE, within_budget

    many = [finding("a.yaml", "info", i) for i in range(1, MAX_FINDINGS_PER_FILE + 100)]
    kept = within_budget([*many, finding("a.yaml", "error", 5000), finding("b.yaml", "warning", 1)])
    in_a = [f for f in kept if f.path == "a.yaml"]
    assert len(in_a) == MAX_FINDINGS_PER_FILE + 1
    assert ("HL999", "error", 5000) in {(f.rule, f.severity, f.span.line) for f in in_a}  # the error survives the cut
    cut = [f for f in kept if f.rule == "HL007"]
    assert [(c.path, c.severity) for c in cut] == [("a.yaml", "info")]  # no more severe than what it replaces
    assert cut[0].message.startswith("100 more findings in this file")
    assert cut[0].span.line == MAX_FINDINGS_PER_FILE  # where the first finding left out is
    assert ("b.yaml", "warning") in {(f.path, f.severity) for f in kept}


def test_findings_past_the_run_budget_are_counted_once(monkeypatch):
    from homelint.rules import budgets

    monkeypatch.setattr(budgets, "MAX_FINDINGS", 50)
    kept = budgets.within_budget([finding(f"f{i:03}.yaml", "warning", 1) for i in range(80)])
    assert len(kept) == 51
    assert [(f.rule, f.path, f.severity) for f in kept if f.rule == "HL007"] == [("HL007", "f050.yaml", "warning")]


def test_long_names_cannot_make_messages_long(check_json, repo):
    root = repo({}, base="demo")
    kustomization = root / "kubernetes/apps/default/echo/app/kustomization.yaml"
    name = "n" * 3000
    kustomization.write_text(kustomization.read_text().replace("resources:\n", f"resources:\n  - ./{name}.yaml\n", 1))
    _, findings = check_json(root)
    missing = [f for f in findings if f["rule"] == "HL101" and "nnnnnnnnnn" in f["message"]]
    assert missing and all(len(f["message"]) <= 2000 and f["message"].endswith("more characters)") for f in missing)


# --- Secrets never in output ----------------------------------------------------------------------

MARK = "s3cr3t-VALUE-0451"
FORMATS = ("text", "json", "sarif", "github")


def all_outputs(run, root: Path) -> str:
    out = []
    for fmt in FORMATS:
        result = run("check", str(root), "--no-cache", "--format", fmt, "--select", "ALL", "--color", "never")
        assert result.exit_code in (0, 1), result.output
        out.append(result.output)
    return "\n".join(out)


def test_schema_messages_name_the_field_never_the_value(run, repo):
    root = repo(
        {
            "kubernetes/apps/default/echo/app/bad-values.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            f"metadata: {{name: bad, namespace: flux-system}}\nspec:\n  interval: {MARK}\n  prune: {MARK}\n"
            f"  path: ./x\n  sourceRef: {{kind: {MARK}, name: x}}\n  timeout: [{MARK}]\n",
        },
        base="demo",
    )
    (root / ".homelint.yaml").write_text((root / ".homelint.yaml").read_text())
    out = all_outputs(run, root)
    assert "HL601" in out and "must be a" in out
    assert MARK not in out


def test_invalid_substitution_does_not_quote_the_text(run, repo):
    root = repo({}, base="demo")
    cm = root / "kubernetes/apps/default/echo/app/helmrelease.yaml"
    cm.write_text(
        cm.read_text() + f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: sub}}\ndata:\n  pw: ${{DB_PASSWORD:={MARK} x\n"
    )
    out = all_outputs(run, root)
    assert "HL204" in out and MARK not in out


def test_code_frames_hide_secret_data_sops_files_and_secret_looking_keys(run, repo):
    root = repo(
        {
            # duplicate keys give findings on the very lines that hold the values
            "kubernetes/apps/default/echo/app/s1.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: s1}\n"
            f"stringData:\n  user: {MARK}-1\n  user: {MARK}-2\n  block: |\n    {MARK}-3\n",
            "kubernetes/apps/default/echo/app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
            f"data:\n  apiToken: {MARK}-4\n  apiToken: {MARK}-5\n  clientSecret: x\n  clientSecret: {MARK}-6\n",
            "kubernetes/apps/default/echo/app/x.sops.yaml": f"a: {MARK}-7\na: {MARK}-8\nsops:\n  mac: ENC[x]\n",
        },
        base="demo",
    )
    out = run("check", str(root), "--no-cache", "--select", "HL002", "--color", "never").output
    assert out.count("HL002") >= 4, out
    assert MARK not in out
    assert "apiToken: ****" in out  # the key is shown, its value is not


@pytest.mark.parametrize(
    "secret",
    [
        f"stringData:\n  password: ${{DB_PASSWORD:={MARK}}}\n",
        f"stringData:\n  password: ${{DB_PASSWORD:-{MARK}}}\n",
        f"stringData:\n  password: {MARK}\nsops: {{}}\n",
        f"stringData:\n  password: {MARK}\nsops: {{mac: x, version: 3.9.0}}\n",
    ],
)
def test_plaintext_secret_is_found_behind_a_default_or_a_fake_sops_block(check_json, repo, secret):
    root = repo(
        {"kubernetes/apps/default/echo/app/secret.yaml": f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\n{secret}"},
        base="demo",
    )
    _, findings = check_json(root)
    assert any(f["rule"] == "HL402" and f["path"].endswith("echo/app/secret.yaml") for f in findings)
    assert MARK not in json.dumps(findings)


def test_encrypted_sops_secret_is_not_plaintext(check_json, repo):
    root = repo(
        {
            "kubernetes/apps/default/echo/app/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
            "stringData:\n  password: ENC[AES256_GCM,data:abc,iv:x,tag:y,type:str]\nsops:\n  mac: ENC[x]\n  version: 3.9.0\n"
        },
        base="demo",
    )
    _, findings = check_json(root)
    assert not any(f["rule"] == "HL402" and f["path"].endswith("echo/app/secret.yaml") for f in findings)


# --- Output integrity ------------------------------------------------------------------------------


def test_control_characters_in_names_and_values_cannot_inject_lines(run, repo):
    root = repo({}, base="demo")
    folder = root / "kubernetes/apps/default/echo/app"
    (folder / "x\n::error file=a.yaml::forged\x1b[2J.yaml").write_text("a: [\n")
    (root / "::warning::top.yaml").write_text("a: [\n")
    cm = folder / "helmrelease.yaml"
    cm.write_text(
        cm.read_text() + '---\napiVersion: v1\nkind: Secret\nmetadata: {name: "a\\n::error::b\\e[31m"}\nstringData: {x: y}\n'
    )
    for fmt in ("text", "github"):
        result = run("check", str(root), "--no-cache", "--format", fmt, "--color", "never")
        assert result.exit_code == 1
        assert "\x1b" not in result.output and "\r" not in result.output
        lines = result.output.splitlines()
        commands = [line for line in lines if line.startswith("::")]
        if fmt == "text":
            assert commands == []
        else:
            assert all(line.startswith(("::error file=", "::warning file=", "::notice file=")) for line in commands)
            assert len(commands) == len(lines)
            assert not any("::error::" in line.split("::", 2)[-1] and "%0A" not in line for line in commands if "forged" in line)


def test_ctrl_c_exits_130():
    import subprocess
    import sys

    code = (
        "import homelint.engine.lint as e\n"
        "def interrupted(options):\n    raise KeyboardInterrupt\n"
        "e.run_check = interrupted\n"
        "from homelint.cli import run\nimport sys\nsys.argv = ['homelint', 'check', '.']\nrun()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, done.stderr


def test_sigint_during_a_real_run_exits_130(repo):
    import signal
    import subprocess
    import sys

    root = repo({f"kubernetes/apps/n{i}/cm.yaml": "a: 1\n" * 2000 for i in range(300)}, base="demo")
    proc = subprocess.Popen(
        [sys.executable, "-m", "homelint", "check", str(root), "--no-cache"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (130, 1, 0) and b"Traceback" not in err
    if proc.returncode != 130:
        pytest.skip("the run finished before the signal")


# --- Property: generated nested / aliased / huge inputs stay bounded (runs in CI, bounded time) -------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PIECES = st.sampled_from(["- ", "? ", ": ", "[", "]", "{", "}", "# ]]", '"]"', "'['", "&a ", "*a", ", ", "\n", "  ", "x"])


@st.composite
def hostile_yaml(draw) -> str:
    shapes = ["block", "explicit", "flow", "alias-scalar", "alias-key", "duplicates", "documents", "huge", "odd", "noise"]
    shape = draw(st.sampled_from(shapes))
    n = draw(st.integers(1, 40000))
    if shape == "block":
        return "- " * n + "x\n"
    if shape == "explicit":
        return "? " * n + "x\n"
    if shape == "flow":
        noise = draw(st.sampled_from(["", "# ]]]\n", '"]]", ', "']]', "]))
        return "a: " + ("[" + noise) * n + "]" * n + "\n"
    if shape == "alias-scalar":
        return "a: &a " + "x" * draw(st.integers(1, 20000)) + "\nb: [" + ", ".join(["*a"] * min(n, 20000)) + "]\n"
    if shape == "alias-key":
        return "a: &a " + "k" * draw(st.integers(1, 5000)) + "\nb:\n" + "  ? *a\n  : 1\n" * min(n, 5000)
    if shape == "duplicates":
        return "m:\n" + "".join(f"  k{i % 3}: 1\n" for i in range(min(n, 20000)))
    if shape == "documents":
        return "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" * min(n, 12000)
    if shape == "huge":  # over 1 MiB: parsed in a throwaway process
        return "a: " + "x" * (1 << 20) + "\n" + "b: " + "y" * n + "\n"
    if shape == "odd":
        return f'a: {"9" * min(n, 6000)}\nb: 0x{"f" * min(n, 4000)}\nc: 1e99999\nd: "\\e[2J\\n::error::x"\n'
    return "".join(draw(st.lists(PIECES, max_size=400))) * draw(st.integers(1, 200))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=hostile_yaml())
def test_generated_hostile_yaml_is_parsed_in_bounded_time(text):
    from homelint.loading.yamlload import parse_bytes

    start = time.perf_counter()
    parsed = parse_bytes("x.yaml", text.encode())  # a crash of the C parser would kill this test run
    assert time.perf_counter() - start < 20
    assert len(parsed.problems) <= 201
    assert all(p.line >= 1 and p.column >= 1 for p in parsed.problems)
    json.dumps(to_plain(parsed), default=str)  # the result is printable (no 5,000-digit int)


@functools.cache
def bench_fuzz():
    """bench/fuzz.py, the mutation fuzzer (its byte and line mutations of real manifests)."""
    import importlib.util

    from .conftest import PROJECT

    spec = importlib.util.spec_from_file_location("homelint_bench_fuzz", PROJECT / "bench" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fuzz_repo(tmp_path_factory):
    """A copy of the demo with one applied file for the generated text (reused by every example)."""
    import shutil

    from .conftest import FIXTURES, LEFT_BY_RUNS

    root = tmp_path_factory.mktemp("fuzz") / "repo"
    shutil.copytree(FIXTURES / "demo", root, ignore=LEFT_BY_RUNS)
    kustomization = root / "kubernetes/apps/default/echo/app/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", "resources:\n  - ./generated.yaml\n", 1))
    return root


MUTATED = "kubernetes/apps/default/echo/app/helmrelease.yaml"


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=hostile_yaml(), seed=st.integers(0, 2**32 - 1))
def test_generated_hostile_files_in_a_repository_are_findings_with_locations(fuzz_repo, text, seed):
    """A whole run over the demo with one generated file (nested, aliased, huge, odd) and one
    manifest mutated by bench/fuzz.py: no exception, no internal error, bounded time, and every
    finding at a real place of a real file."""
    import random

    from homelint.engine.lint import Options, run_check

    mutated = fuzz_repo / MUTATED
    original = mutated.read_bytes()
    (fuzz_repo / "kubernetes/apps/default/echo/app/generated.yaml").write_text(text)
    mutated.write_bytes(bench_fuzz().mutate(original, random.Random(seed)))
    try:
        start = time.perf_counter()
        result = run_check(Options(paths=[fuzz_repo], use_cache=False))
        assert time.perf_counter() - start < 60
    finally:
        mutated.write_bytes(original)
    assert not [f for f in result.findings if f.rule == "HL000"]
    for f in result.findings:
        assert f.span.line >= 1 and f.span.column >= 1, f
        assert (fuzz_repo / f.path).exists(), f
        assert len(f.message) <= 2000, f


@pytest.mark.parametrize(
    "entry", ["../../../../../../etc/passwd", "/etc/passwd", "../../../../../../kubernetes/apps/default/echo/app/pvc.yaml"]
)
def test_kustomize_path_out_of_the_repository_is_an_escape_not_clamped(check_json, repo, entry):
    """kustomize under Flux cannot read outside the repository: a `../` past the root is reported,
    never clamped back onto a file of the repository (the third entry would clamp onto a real file)."""
    root = repo({}, base="demo")
    kustomization = root / "kubernetes/apps/default/echo/app/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", f"resources:\n  - {entry}\n", 1))
    _, findings = check_json(root)
    escaped = [f for f in findings if f["rule"] == "HL101" and "outside the repository" in f["message"]]
    assert [f["path"] for f in escaped] == ["kubernetes/apps/default/echo/app/kustomization.yaml"]
    assert "root:x" not in json.dumps(findings)


KS_APPS = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
    "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
)


def test_listed_json_resources_are_read_only_inside_the_repository_and_never_crash(run, repo, tmp_path):
    """A .json resource is read through the repository's safe reader: one that links out of the
    repository is not read (what it would define stays undefined), and JSON nested past Python's
    recursion limit is not modelled, never a crash."""
    outside = tmp_path / "outside.json"
    outside.write_text('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-outside", "namespace": "ns-a"}}')
    deploy = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: pod-a, namespace: ns-a}\n"
        "spec: {containers: [{name: a, image: 'example.invalid/a:1.0.0', envFrom: [{configMapRef: {name: cm-outside}}]}]}\n"
    )
    root = repo(
        {
            "clusters/c1/apps.yaml": KS_APPS + "---\n" + KS_APPS.replace("apps", "pods"),
            "apps/kustomization.yaml": "resources: [./linked.json, ./deep.json]\n",
            "apps/deep.json": "[" * 200_000 + "]" * 200_000,
            "pods/pod.yaml": deploy,  # another build: it is judged whatever the first one reads
        }
    )
    (root / "apps/linked.json").symlink_to(outside)
    result = run("check", str(root), "--no-cache", "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.output
    findings = json.loads(result.stdout)
    assert any(f["rule"] == "HL405" and "cm-outside" in f["message"] for f in findings)  # the link was not read


def test_talhelper_arguments_in_a_hostile_task_file_are_read_in_linear_time(run, repo):
    """The talhelper command lines of task files are scanned in linear time: a line naming
    `talhelper` 100,000 times without `genconfig` is read at once (a backtracking regex tried the
    rest of the line from each one: quadratic)."""
    root = repo(
        {
            "talos/talconfig.yaml": "clusterName: ${CLUSTER}\ntalosVersion: v1.9.5\nkubernetesVersion: v1.32.3\n"
            "endpoint: https://10.0.0.10:6443\nnodes:\n  - {hostname: node-a, ipAddress: 10.0.0.10, controlPlane: true, installDisk: /dev/sda}\n",
            "talos/talenv.yaml": "CLUSTER: cluster-a\n",
            "Taskfile.yaml": "version: '3'\ntasks:\n  gen:\n    cmds:\n      - echo " + "talhelper " * 100_000 + "\n",
        }
    )
    result = run("check", str(root), "--no-cache", "--format", "json")
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


def test_pushed_folders_named_with_many_variables_are_matched_in_linear_time(run, repo):
    """A push action's repository and path, with hundreds of `${{ }}` variables, are matched
    against the sync URL and every folder with RE2 (a backtracking `.+.+.+...` is exponential),
    and a name longer than any OCI reference is not read at all."""
    many = "${{ a }}x" * 250  # 2,250 characters: longer than an OCI reference, skipped
    some = "${{ a }}" * 200  # 1,600 characters: matched, linearly
    workflow = (
        "jobs:\n  push:\n    steps:\n"
        f"      - uses: controlplaneio-fluxcd/distribution/actions/push@main\n        with:\n          repository: r/{many}\n"
        f"          path: ./{many}\n"
        f"      - uses: controlplaneio-fluxcd/distribution/actions/push@main\n        with:\n          repository: r/{some}/b\n"
        "          path: ./fleet\n"
        f"      - uses: controlplaneio-fluxcd/distribution/actions/push@main\n        with:\n          repository: r/b\n"
        f"          path: ./f/{some}/g\n"
    )
    instance = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  sync:\n    kind: OCIRepository\n    url: oci://r/" + "a" * 1500 + "/c\n    path: ./clusters/home\n"
    )
    files = {".github/workflows/push.yaml": workflow, "clusters/home/flux-instance.yaml": instance}
    files.update({f"f/{'x' * 60}/{i}/kustomization.yaml": "resources: []\n" for i in range(50)})
    result = run("check", str(repo(files)), "--no-cache", "--format", "json")
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


def test_push_command_lines_of_unclosed_quotes_and_expressions_are_read_in_linear_time():
    """A shell word of a push command is read with its quoted parts and `${{ }}` expressions, each
    up to 256 characters: a line of 20,000 unclosed `--path="`, `--path=${{` or `oci://${{` is read
    at once (reading each to the end of the line from every start was quadratic: 20 s)."""
    from homelint.model.sources import _PUSH, _command_pushes

    for repeated in ('--path="', "--path=${{", "oci://${{", "--ignore-paths='"):
        text = "flux push artifact --path=./a " + repeated * 20_000
        start = time.perf_counter()
        for match in _PUSH.finditer(text):
            _command_pushes(match.group("args"), "Taskfile.yaml", {})
        assert time.perf_counter() - start < 2, repeated


def test_objects_in_release_values_are_found_in_time_linear_in_the_distinct_nodes():
    """Values whose nodes are shared (YAML aliases of aliases: 2**200 paths through 200 mappings)
    are walked once per node when looking for the objects a chart may render."""
    from homelint.core.model import make_object
    from homelint.model.refs import values_objects

    node: dict[str, object] = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "secret-a"}}
    for _ in range(200):
        node = {"left": node, "right": [node, node]}
    release = make_object(
        "hr.yaml",
        0,
        {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "a"}, "spec": {"values": node}},
    )
    assert release is not None
    start = time.perf_counter()
    found = values_objects(release)
    assert time.perf_counter() - start < 1
    assert [m.name for m in found] == ["secret-a"]


def test_a_json6902_test_of_shared_values_takes_linear_time():
    """A `test` operation on values whose nodes are shared (YAML aliases of aliases: 2**200 paths)
    compares no maps or lists, so it ends at once (undecided: the model says nothing)."""
    from homelint.model.patches import apply_patch

    node: dict[str, object] = {"leaf": "x"}
    for _ in range(200):
        node = {"left": node, "right": [node, node]}
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-a"}, "data": node}
    start = time.perf_counter()
    _, rec = apply_patch(obj, [{"op": "test", "path": "/data", "value": node}, {"op": "copy", "from": "/data", "path": "/x"}])
    assert time.perf_counter() - start < 1
    assert rec.failure is None and rec.loose


def test_a_patch_of_many_failing_operations_is_judged_in_linear_time(repo, check_json):
    """Twenty thousand operations that fail: kustomize stops at the first (HL114 says so once),
    and what the others would change is marked unknown in bounded space."""
    ops = "".join(f"      - {{op: remove, path: /data/missing-{n}}}\n" for n in range(20_000))
    files = {
        "clusters/c/flux-system/gotk-sync.yaml": GOTK,
        "clusters/c/apps.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
            "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
        ),
        "apps/kustomization.yaml": "resources:\n  - ./cm.yaml\npatches:\n  - target: {kind: ConfigMap}\n    patch: |-\n" + ops,
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\ndata: {k: v}\n",
    }
    start = time.perf_counter()
    found = [f for f in check_json(repo(files))[1] if f["rule"] == "HL114"]
    assert time.perf_counter() - start < 60
    assert [(f["path"], f["line"]) for f in found] == [("apps/kustomization.yaml", 6)]


@pytest.mark.parametrize(
    "text",
    ["<<" * 200000, "${" * 200000, "{{" * 200000, "<< inputs.x " * 50000],
    ids=["template-open", "variable-open", "braces-open", "unclosed-actions"],
)
def test_template_action_scans_are_linear(text):
    """The scans for `<< >>`, `${ }` and `{{ }}` in repository text (ResourceSet values and names,
    Flux paths, source names) run on RE2: a value of 200,000 openers without a closer took
    minutes with a lazy `<<(.*?)>>` in Python's `re` (quadratic), and a source name of many
    placeholders matched against another backtracked."""
    from homelint.core.model import K8sObject
    from homelint.model.refs import is_templated
    from homelint.model.resourcesets import rendered_kustomizations
    from homelint.model.sources import _fits

    entry = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": text, "namespace": "ns-a"},
    }
    resource_set = K8sObject(
        "rs.yaml", 0, {"spec": {"resources": [entry]}}, "fluxcd.controlplane.io/v1", "ResourceSet", "rs", "ns-a"
    )
    start = time.perf_counter()
    assert is_templated(text) is False
    rendered = rendered_kustomizations(resource_set)
    assert bool(rendered.unrendered) == ("<<" in text)  # an action that is no `<< inputs.key >>`: not rendered
    assert _fits("${A}x" * 2000 + "y", "x" * 4000) is False
    assert time.perf_counter() - start < 10


def test_include_cycles_with_namespaces_end_the_walks_up_the_chain(repo, check_json):
    """Two kustomizations that include each other, each with its own `namespace:`, around a
    Secret no file lists and a missing file: the walks up the include chains (the failing-build
    guard, the namespace a listing would give) keep a seen set and end. The cycle is HL109; the
    Secret's finding gives the plain fix (no namespace can be told)."""
    flux = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\n"
        "spec: {interval: 1h, url: https://example.invalid/r.git, ref: {branch: main}}\n---\n"
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
        "spec: {interval: 1h, path: ./a, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
    )
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns-a}\nspec:\n  containers:\n"
        "    - {name: a, image: 'registry.invalid/a:1.0.0@sha256:" + "0" * 64 + "', envFrom: [{secretRef: {name: s}}]}\n"
    )
    root = repo(
        {
            "clusters/main/flux.yaml": flux,
            "a/kustomization.yaml": "namespace: ns-a\nresources:\n  - ../b\n  - pod.yaml\n",
            "a/pod.yaml": pod,
            "b/kustomization.yaml": "namespace: ns-b\nresources:\n  - ../a\n",
            "b/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: Opaque\n",
        }
    )
    _, findings = check_json(root, "--select", "HL109,HL401")
    assert sorted(f["rule"] for f in findings) == ["HL109", "HL401"]
    (secret,) = [f for f in findings if f["rule"] == "HL401"]
    assert secret["fix"] == "list secret.yaml in b/kustomization.yaml"


@pytest.mark.parametrize(
    "repeated",
    ["kubectl create secret generic secret-a -n ns-a ", "kubectl -n ", '"$(', "$(((", "${", "`", "'", "\\\n", "# x\n"],
)
def test_the_kubectl_scripts_of_a_pod_are_read_in_linear_time(repeated):
    """A container's command is read as shell words in one pass, each kubectl command's words up
    to the next kubectl: a script of 60,000 characters of many kubectl commands on one line,
    unclosed quotes or expansions, ends at once; and a script a YAML alias repeats 5,000 times
    in args (one string) is read once."""
    from homelint.core.model import make_object
    from homelint.model.podscripts import kubectl_made

    script = repeated * (60_000 // len(repeated))
    container = {"name": "a", "image": "a", "command": ["/bin/sh", "-c"], "args": [script] * 5_000}
    job = make_object(
        "job.yaml",
        0,
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "job-a", "namespace": "ns-a"},
            "spec": {"template": {"spec": {"containers": [container] * 100}}},
        },
    )
    assert job is not None
    start = time.perf_counter()
    made = kubectl_made(job)
    assert time.perf_counter() - start < 2
    assert [(m.namespace, m.name) for m in made] == ([("ns-a", "secret-a")] if repeated.startswith("kubectl create") else [])


def test_dead_kustomizations_are_indexed_once_not_walked_per_object(repo, check_json, monkeypatch):
    """300 Kustomizations no root reaches and 300 Pods that each need a Secret nothing makes:
    whether a Secret is defined in a dead path (FluxModel.dead_over) is a lookup per folder of the
    path, not a walk over every dead Kustomization for every object (300 x 300)."""
    from homelint.model.flux import FluxModel

    calls = [0]

    def counting(name):
        original = getattr(FluxModel, name)

        def counted(self, *args):
            calls[0] += 1
            return original(self, *args)

        monkeypatch.setattr(FluxModel, name, counted)

    counting("_kdir_between")  # a folder test of the index
    counting("_unfollowed_reaches")  # a test of one Kustomization's build
    files = {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
        "clusters/main/apps.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
            "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
        ),
    }
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: pod-{0}, namespace: default}}\nspec:\n  containers:\n"
        "    - {{name: a, image: 'registry.example/a:1.0.0', envFrom: [{{secretRef: {{name: secret-{0}}}}}]}}\n"
    )
    dead = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: dead-{0}, namespace: flux-system}}\n"
        "spec: {{interval: 1h, path: ./dead/d{0}, prune: true, sourceRef: {{kind: GitRepository, name: flux-system}}}}\n"
    )
    files["apps/pods.yaml"] = "---\n".join(pod.format(i) for i in range(300))
    files["archive/dead.yaml"] = "---\n".join(dead.format(i) for i in range(300))
    for i in range(300):
        files[f"dead/d{i}/secret.yaml"] = f"apiVersion: v1\nkind: Secret\nmetadata: {{name: secret-{i}}}\ntype: Opaque\n"
    _, findings = check_json(repo(files), "--select", "HL401")
    assert len(findings) == 300 and all("which no Flux root reaches" in f["message"] for f in findings)
    assert calls[0] < 20 * 300


def test_a_bootstrap_script_that_links_out_of_the_repository_is_not_read(check_json, repo, tmp_path):
    """HL104 and HL401 take what a bootstrap script applies as applied; a committed script that
    is a symlink to a file of the machine is not read, so that file cannot change the verdict."""
    machine = tmp_path / "machine-script.sh"
    machine.write_text("#!/bin/sh\nkubectl apply -k bootstrap/secrets\n")
    root = repo(
        {
            "clusters/main/flux.yaml": flux_root("apps", "./apps"),
            "apps/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\ndata: {k: v}\n",
            "bootstrap/secrets/kustomization.yaml": "resources:\n  - vars.yaml\n",
            "bootstrap/secrets/vars.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-a}\ndata: {k: v}\n",
        }
    )
    (root / "scripts").mkdir()
    (root / "scripts" / "bootstrap.sh").symlink_to(machine)
    _, findings = check_json(root, "--select", "HL104")
    assert [f["path"] for f in findings] == ["bootstrap/secrets/kustomization.yaml"]
    (root / "scripts" / "bootstrap.sh").unlink()
    (root / "scripts" / "bootstrap.sh").write_text(machine.read_text())
    _, findings = check_json(root, "--select", "HL104")
    assert findings == []  # the control: the same script, committed as a file, is read


# a Deployment of ns-a that needs Secret secret-a (HL401 when nothing makes it)
SECRET_A_USER = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-a, namespace: ns-a}\nspec:\n"
    "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n"
    "      containers:\n        - name: a\n          image: registry.invalid/a:1.0.0@sha256:" + "0" * 64 + "\n"
    "          envFrom: [{secretRef: {name: secret-a}}]\n"
)


def test_a_bootstrap_template_linked_from_outside_the_repository_is_not_read(check_json, repo, tmp_path):
    """A Taskfile applies bootstrap/resources.yaml.j2, a symlink to a file outside the repository
    that defines the Secret a Deployment needs: the outside file is never read, so the Secret is
    not made (HL401 stays); the same text inside the repository makes it."""
    outside = tmp_path / "outside.yaml.j2"
    outside.write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\n  namespace: ns-a\n")
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources: [ns.yaml, deploy.yaml]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/deploy.yaml": SECRET_A_USER,
        "Taskfile.yaml": "version: '3'\ntasks:\n  b:\n    cmds:\n      - op inject -i bootstrap/resources.yaml.j2 | kubectl apply -f -\n",
    }
    root = repo(files)
    (root / "bootstrap").mkdir()
    (root / "bootstrap/resources.yaml.j2").symlink_to(outside)
    assert [f["rule"] for f in check_json(root)[1] if f["rule"] == "HL401"] == ["HL401"]
    (root / "bootstrap/resources.yaml.j2").unlink()
    (root / "bootstrap/resources.yaml.j2").write_text(outside.read_text())
    assert [f["rule"] for f in check_json(root)[1] if f["rule"] == "HL401"] == []


def test_a_helmfile_values_path_outside_the_repository_is_not_read(run, repo, tmp_path):
    """A flux-instance release whose values file is `../` outside the repository (or absolute):
    it names no file of the repository, so it gives no sync; the roots are guessed, as a note says."""
    (tmp_path / "values.yaml").write_text(
        "instance:\n  sync: {kind: GitRepository, url: https://x.invalid/r, ref: refs/heads/main, path: apps}\n"
    )
    for path in ("../../values.yaml", str(tmp_path / "values.yaml")):
        release = f"releases:\n  - name: flux-instance\n    chart: oci://ghcr.io/x/charts/flux-instance\n    values: ['{path}']\n"
        root = repo({"bootstrap/helmfile.yaml": release, "apps/ks.yaml": flux_ks("app-a", "./apps/app-a")})
        assert "no Flux root found" in run("check", str(root), "--no-cache").output


@pytest.mark.parametrize(
    "name",
    ["bootstrap/resources.yaml.j2", "scripts/bootstrap.sh", "apps/app-a/kustomization.yaml"],
)
def test_long_bootstrap_and_patch_texts_are_read_in_linear_time(check_json, repo, name):
    """The template, bootstrap-loop, `find` and JSON-patch readers run bounded regular expressions
    over texts of up to 1 MB: a 900 KB line of repeated characters, where they look (a Secret and a
    namespace nothing makes send HL401 and HL113 to the bootstrap texts), is read and makes
    nothing; never a crash (and never a hang: bench and the suite's run time would show one)."""
    long = "/" + "a" * 450_000 + "[" * 450_000
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources: [ns.yaml, app-a]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-b}\n",
        "apps/app-a/kustomization.yaml": "resources: [deploy.yaml]\n",
        "apps/app-a/deploy.yaml": SECRET_A_USER,
        "Taskfile.yaml": "version: '3'\ntasks:\n  b:\n    cmds:\n      - cat bootstrap/resources.yaml.j2 | kubectl apply -f -\n",
    }
    if name.endswith(".j2"):
        files[name] = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + long + "\n"
    elif name.endswith(".sh"):
        files[name] = '#!/bin/sh\nkubectl create namespace "$ns" $(basename x) find ' + long + " -name " + long + " apply\n"
    else:
        files[name] += "patches:\n  - target: {kind: Deployment}\n    patch: '" + "[" * 900_000 + "'\n"
    found = {f["rule"] for f in check_json(repo(files))[1]}
    # the JSON patch text is no JSON: kustomize fails app-a's build (HL114), which then applies nothing
    expected = {"HL401", "HL114"} if name.endswith("kustomization.yaml") else {"HL401", "HL113"}
    assert expected <= found and "HL000" not in found


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bootstrap/helmfile.yaml.gotmpl", "releases:\n  - name: " + "{{" * 300_000 + " x" + "}}" * 150_000 + "\n"),
        ("bootstrap/helmfile.yaml.j2", ("{{ a }}" * 120_000 + "\n") * 1),
        ("scripts/bootstrap.sh", "#!/bin/sh\nkubectl create secret generic key-a " + "-n " * 300_000 + "\n"),
        ("scripts/quotes.sh", "#!/bin/sh\nkubectl create secret generic key-a '" + "\\'" * 400_000 + "\n"),
    ],
)
def test_long_helmfile_templates_and_scripts_are_read_without_a_crash(check_json, repo, name, text):
    """The templated-helmfile reader (bounded one-line actions) and the script reader of `kubectl
    create secret` (one pass over shell words) take texts of up to 1 MB: a line of hundreds of
    thousands of braces, actions or flags reads, makes no root and no Secret, and never crashes
    (a Kustomization decrypting with key-a keeps the run judging what the scripts create)."""
    decryption = "  decryption:\n    provider: sops\n    secretRef: {name: key-a}\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ks.yaml": flux_ks("app-a", "./app-a", decryption),
        "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\ndata: {a: b}\n",
        name: text,
    }
    found = {f["rule"] for f in check_json(repo(files))[1]}
    assert "HL000" not in found


def test_a_huge_label_key_and_value_are_quoted_short(check_json, repo):
    """HL610 quotes a rejected label key or value in at most 80 characters, escaped: a 1 KB key
    with a control character (YAML takes a key of at most 1024) and a 100 KB value do not reach
    the terminal as they are."""
    key = "bad key\\e[31m" + "k" * 1000  # a YAML escape: the key holds ESC
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", "  targetNamespace: ns-a\n"),
        "apps/cm.yaml": f'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  labels:\n    "{key}": "{"v" * 100_000}"\n',
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
    }
    found = [f for f in check_json(repo(files))[1] if f["rule"] == "HL610"]
    assert len(found) == 2 and all(len(f["message"]) < 800 and "\x1b" not in f["message"] for f in found)


def test_a_templated_helmfile_linked_from_outside_the_repository_is_not_read(run, repo, tmp_path):
    """A helmfile.yaml.gotmpl that is a symlink to a file outside the repository gives no sync: the
    outside file is never read (no Flux Kustomization is found, as a note says); the same text
    inside the repository gives the root."""
    outside = tmp_path / "helmfile.yaml.gotmpl"
    outside.write_text(
        "releases:\n  - name: flux-instance\n    chart: oci://ghcr.io/x/charts/flux-instance\n    values:\n"
        "      - instance: {sync: {kind: GitRepository, url: https://x.invalid/r, ref: refs/heads/main, path: apps}}\n"
    )
    root = repo(
        {"apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata: {a: b}\n"}
    )
    (root / "bootstrap").mkdir()
    (root / "bootstrap/helmfile.yaml.gotmpl").symlink_to(outside)
    assert "no Flux Kustomization found" in run("check", str(root), "--no-cache").output
    (root / "bootstrap/helmfile.yaml.gotmpl").unlink()
    (root / "bootstrap/helmfile.yaml.gotmpl").write_text(outside.read_text())
    assert "no Flux Kustomization found" not in run("check", str(root), "--no-cache").output


def test_a_json6902_patch_of_many_operations_is_followed_only_within_a_copy_budget():
    """Each operation copies the containers on its path (a failing one leaves the object as it was):
    20,000 `add`s to one growing map would copy 200 million entries. The model follows the patch
    while the copies stay within COPY_BUDGET and marks the rest not known (() is all of it), so the
    work stays linear in the patch; an ordinary patch is followed whole."""
    from homelint.model.patches import COPY_BUDGET, json6902

    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-a"}, "data": {}}
    ops = [{"op": "add", "path": f"/data/k{i}", "value": "v"} for i in range(20_000)]
    patched, rec = json6902(cm, ops)
    assert () in rec.loose and rec.failure is None
    followed = len(patched["data"])
    assert 0 < followed < 20_000 and followed * followed // 2 <= COPY_BUDGET + 10 * followed
    patched, rec = json6902(cm, ops[:100])
    assert len(patched["data"]) == 100 and rec.loose == []


def test_a_sops_document_of_many_typed_values_gives_bounded_findings(check_json, repo):
    """50,000 values encrypted as type:int in a Secret's stringData: each is a decrypted number the
    API server refuses (HL601), reported at most MAX_ERRORS_PER_OBJECT times, in one pass."""
    from homelint.model.kindschemas import MAX_ERRORS_PER_OBJECT

    value = "ENC[AES256_GCM,data:Nw==,iv:AA==,tag:AA==,type:int]"
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\nstringData:\n"
    secret += "".join(f"  K{i}: {value}\n" for i in range(50_000)) + "sops:\n  mac: x\n  version: 3.11.0\n"
    root = repo(
        {
            "clusters/main/flux.yaml": flux_root("apps", "./apps", "  decryption:\n    provider: sops\n"),
            "apps/kustomization.yaml": "namespace: ns-a\nresources: [secret.sops.yaml]\n",
            "apps/secret.sops.yaml": secret,
        }
    )
    found = [f for f in check_json(root)[1] if f["rule"] == "HL601"]
    assert 0 < len(found) <= MAX_ERRORS_PER_OBJECT
    assert all("sops decrypts it to type:int" in f["message"] for f in found)


def test_configurations_files_of_many_field_specs_are_read_in_one_pass(check_json, repo):
    """A configurations file of 20,000 fieldSpecs, beside one that is not of that shape, is read
    in one pass each: the run ends with no internal error (HL000)."""
    specs = "".join(f"  - path: data/key-{i}\n    kind: ConfigMap\n" for i in range(20_000))
    root = repo(
        {
            "clusters/main/flux.yaml": flux_root("apps", "./apps"),
            "apps/kustomization.yaml": "configurations: [big.yaml, odd.yaml]\nresources: [cm.yaml]\n",
            "apps/big.yaml": "namespace:\n" + specs + "commonLabels:\n" + specs,
            "apps/odd.yaml": "nameReference: {kind: ConfigMap}\n",
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\ndata: {}\n",
        }
    )
    code, findings = check_json(root)
    assert code in (0, 1) and not [f for f in findings if f["rule"] == "HL000"]


def test_a_deep_release_values_tree_is_read_to_a_bounded_depth_for_the_global_age_key(check_json, repo):
    """HL117's fix looks for --sops-age-secret in releases' values to a depth of 12: a flag 300
    mappings down is not read (and the walk ends), so the fix keeps the usual secretRef."""
    deep = "".join(f"{'  ' * i}k{i}:\n" for i in range(300)) + f"{'  ' * 300}flag: --sops-age-secret=key-a\n"
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: release-a\n  namespace: default\n"
        "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: chart-a}\n  values:\n"
        + "".join("    " + line + "\n" for line in deep.splitlines())
    )
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\n  namespace: default\n"
        "stringData:\n  k: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n"
        "sops:\n  age: []\n  mac: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n  version: 3.9.0\n"
    )
    code, findings = check_json(
        repo({"clusters/main/flux.yaml": flux_root("apps", "./apps"), "apps/release.yaml": release, "apps/secret.yaml": secret})
    )
    assert code in (0, 1) and not [f for f in findings if f["rule"] == "HL000"]
    (hl117,) = [f for f in findings if f["rule"] == "HL117"]
    assert "secretRef: {name: sops-age}" in hl117["fix"]


def test_patches_a_parent_adds_are_read_once_per_kustomization_however_many_fields_they_set(check_json, repo, monkeypatch):
    """HL121/HL124 look for the added spec.patches entry that set each patched field: the entries
    of a Kustomization are parsed once for all its objects and fields (300 distinct patch texts,
    more than patch_documents' cache holds, over 20 releases of 6 fields each), not once per field."""
    from homelint.rules import droppedlists

    calls = {"n": 0}
    real = droppedlists.patch_documents

    def counted(text: str) -> Any:
        calls["n"] += 1
        return real(text)

    monkeypatch.setattr(droppedlists, "patch_documents", counted)
    entries = "".join(
        f"            - target: {{kind: HelmRelease, labelSelector: 'n notin (x{i})'}}\n"
        f"              patch: |\n                apiVersion: helm.toolkit.fluxcd.io/v2\n                kind: HelmRelease\n"
        f"                metadata: {{name: not-used}}\n                spec: {{timeout: {i + 1}m}}\n"
        for i in range(300)
    )
    parent = (
        "  patches:\n    - target: {kind: Kustomization}\n      patch: |\n"
        "        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata: {name: not-used}\n"
        "        spec:\n          patches:\n" + "".join("  " + line + "\n" for line in entries.splitlines())
    )
    fields = "".join(f"  f{i}: {i}\n" for i in range(5))
    releases = "---\n".join(
        f"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: release-{i}, namespace: default}}\n"
        f"spec:\n  interval: 1h\n  timeout: 90m\n{fields}  chartRef: {{kind: OCIRepository, name: chart-a}}\n"
        for i in range(20)
    )
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", parent),
        "apps/app-a.yaml": flux_ks("app-a", "./apps/app-a"),
        "apps/app-a/releases.yaml": releases,
    }
    code, findings = check_json(repo(files), "--select", "HL121,HL124")
    assert code in (0, 1) and [f["rule"] for f in findings] == ["HL124"]  # one cause: 20 releases, one finding
    assert calls["n"] <= 300
