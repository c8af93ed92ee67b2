"""Shared helpers: run the CLI in-process, build small repos in tmp dirs."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import settings

from homelint.cli import main

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
# What a user's run leaves in fixtures/ (`homelint check fixtures/demo` writes its cache there).
LEFT_BY_RUNS = shutil.ignore_patterns(".homelint_cache", "__pycache__")

# Property tests assert behaviour, never time: hypothesis' default 200 ms deadline per example
# failed a pure function's test on a loaded machine (speed is bench/run's to measure).
settings.register_profile("homelint", deadline=None)
settings.load_profile("homelint")


# A flux bootstrap (gotk-sync.yaml) of cluster clusters/main, for trees built in tests.
GOTK = """---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1h
  url: ssh://git@example.com/me/home
  ref: {branch: main}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1h
  path: ./clusters/main
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
"""


def flux_ks(name: str, path: str, extra: str = "", *, namespace: str | None = "flux-system") -> str:
    """A YAML document (after `---`) of a Flux Kustomization `name` of `path` from GitRepository
    flux-system; `extra`: more lines of its spec, indented two spaces."""
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return (
        f"---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}{ns}\n"
        f"spec:\n  interval: 1h\n  path: {path}\n  prune: true\n"
        f"  sourceRef: {{kind: GitRepository, name: flux-system, namespace: flux-system}}\n{extra}"
    )


def flux_root(name: str, path: str, extra: str = "") -> str:
    """A file of a GitRepository flux-system and a Flux Kustomization `name` of `path` built from
    it, both in flux-system: a bootstrap as `flux bootstrap` writes it (nothing in the tree applies
    it). `extra`: more spec lines of the Kustomization, before its sourceRef."""
    return (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://example.invalid/repo.git\n  ref:\n"
        "    branch: main\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
        f"  name: {name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: {path}\n  prune: true\n{extra}"
        "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    )


def _pristine_fixtures() -> Path:
    """A copy of fixtures/ made once per test session, without what a user's runs left in the
    source tree: tests never depend on, nor write into, the checkout's fixtures. The rule
    fixtures in it are whole repositories (materialize_rule_fixtures)."""
    tmp = Path(tempfile.mkdtemp(prefix="homelint-fixtures-"))
    atexit.register(shutil.rmtree, tmp, True)
    shutil.copytree(PROJECT / "fixtures", tmp / "fixtures", symlinks=True, ignore=LEFT_BY_RUNS)
    materialize_rule_fixtures(tmp / "fixtures")
    return tmp / "fixtures"


RULE_CASES = ("bad", "good")


def materialize_rule_fixtures(fixtures: Path) -> None:
    """Make each case of fixtures/rules/<ID>/ a whole repository: a case folder holds only what
    differs from the shared base repository fixtures/base (a missing good/ is the base as it is),
    and <case>.without lists the base files the case does not have."""
    base = fixtures / "base"
    base_files = sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())
    for rule in sorted(p for p in (fixtures / "rules").iterdir() if p.is_dir()):
        for case in RULE_CASES:
            folder = rule / case
            if case == "bad" and not folder.is_dir():
                continue  # a rule without a fixture pair (see test_rule_fixtures)
            listed = rule / f"{case}.without"
            without = set(listed.read_text().split()) if listed.is_file() else set()
            for rel in base_files:
                target = folder / rel
                if rel not in without and not target.exists() and not target.is_symlink():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(base / rel, target)


FIXTURES = _pristine_fixtures()


@pytest.fixture(autouse=True, scope="session")
def _user_cache(tmp_path_factory):
    """The user cache folder of every run in the tests (and their subprocesses) is a temporary one."""
    saved = os.environ.get("HOMELINT_CACHE_DIR")
    os.environ["HOMELINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("user-cache") / "homelint")
    yield
    if saved is None:
        os.environ.pop("HOMELINT_CACHE_DIR", None)
    else:
        os.environ["HOMELINT_CACHE_DIR"] = saved


def cache_dir(root: Path) -> Path:
    """The cache folder homelint uses for the repository at `root`."""
    from homelint.engine.cache import repo_cache_dir

    found = repo_cache_dir(root)
    assert found is not None
    return found


@pytest.fixture(autouse=True)
def _own_schema_store(tmp_path_factory, monkeypatch):
    """Every test sees an empty schema store of its own, never the user's ~/.cache/homelint/schemas."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture
def run():
    def invoke(*args: str, cwd: Path | None = None) -> Any:
        runner = CliRunner()
        if cwd is None:
            return runner.invoke(main, list(args), catch_exceptions=False)
        with runner.isolated_filesystem(temp_dir=cwd):
            return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def check_json(run):
    def invoke(path: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
        result = run("check", str(path), "--format", "json", "--no-cache", *extra)
        assert result.exit_code in (0, 1), result.output
        return result.exit_code, json.loads(result.stdout)

    return invoke


@pytest.fixture
def repo(tmp_path: Path):
    """Write {path: text} into a fresh repository folder (with a .homelint.yaml root marker)."""

    counter = iter(range(1000))

    def make(files: dict[str, str], base: str | None = None) -> Path:
        root = tmp_path / f"repo{next(counter)}"
        if base:
            shutil.copytree(FIXTURES / base, root, ignore=LEFT_BY_RUNS)
        else:
            root.mkdir()
            (root / ".homelint.yaml").write_text("{}\n")
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return root

    return make


@pytest.fixture
def unreadable(monkeypatch):
    """unreadable(path): opening that file raises PermissionError (tests run as root, where
    chmod 000 does not stop reads)."""
    import builtins

    real_open = builtins.open
    denied: set[str] = set()

    def guarded(file, *args, **kwargs):
        if str(file) in denied:
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    return lambda path: denied.add(str(path))


def fresh_process_json(root: Path, **env: str) -> str:
    """`homelint check` in a new interpreter: the early forked walk runs only there."""
    done = subprocess.run(
        [sys.executable, "-m", "homelint", "check", str(root), "--format", "json", "--no-cache", "--fail-level", "info"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    return done.stdout
