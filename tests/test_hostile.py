"""Hostile pull requests: each test builds one attack in a tmp dir and shows it does not work.

A committed cache, config or symlink must never change the verdict, make homelint read or write
outside the repository, print a secret, or crash it (exit 2 with a traceback).
"""

from __future__ import annotations

import json
import marshal
import os
import time
from pathlib import Path

import pytest

from homelint import cache as cache_module

from .conftest import cache_dir

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
    from homelint.engine import Options, run_check

    run_check(Options(paths=[root]))
    key, record = store.load("run.marshal")
    record = {**record, "findings": []}
    store.store("run.marshal", (key, record))
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
    for name in ("index.marshal", "files.marshal", "run.marshal"):
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
        ("run.marshal", ("k", {"findings": 3})),
        ("spans.marshal", [1, 2, 3]),
    ]:
        store.store(name, value)
    assert demo_findings(run, root)[1] == expected
    store.store("index.marshal", 12345)
    store.store("run.marshal", None)
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
    outside = tmp_path / "run.marshal"
    (folder / "run.marshal").rename(outside)
    (folder / "run.marshal").symlink_to(outside)
    assert demo_findings(run, root)[1] == expected
    assert not (folder / "run.marshal").is_symlink()  # replaced by a new file, the target untouched
    assert outside.is_file()


def test_cache_of_another_user_or_group_writable_is_not_trusted(run, repo):
    root = repo({}, base="demo")
    _, expected = demo_findings(run, root)
    folder = next(cache_dir(root).iterdir())
    (folder / "run.marshal").chmod(0o666)
    assert demo_findings(run, root)[1] == expected
    if os.getuid() == 0:  # only root can give a file away
        os.chown(folder / "run.marshal", 65534, 65534)
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
    from homelint.safeio import STALE_TMP_SECONDS, TMP_MARK, atomic_write

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


def test_full_disk_leaves_no_temporary_file(tmp_path, monkeypatch):
    from homelint import safeio

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
