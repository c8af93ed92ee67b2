"""`homelint render` and `render --check`: makejinja in a subprocess, then compare or write (HL7xx)."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homelint.core.model import FILE_START, Finding, Span
from homelint.core.redact import escape_control, hidden_lines, mask
from homelint.engine.lint import Options, Result, run_check
from homelint.loading.discovery import find_repo_root
from homelint.loading.safeio import atomic_write, inside_repo, is_within, read_regular
from homelint.loading.yamlload import parse_bytes
from homelint.model.config import Config, ConfigError
from homelint.report.emit import emit
from homelint.rules.registry import builtin_rules

WORKER = Path(__file__).resolve().parent / "render_worker.py"
RENDER_TIMEOUT = 600
MAX_COMPARED_BYTES = 64 << 20


@dataclass
class Rendered:
    root: Path
    config_file: Path
    tmp: Path
    output: Path  # the configured output folder (absolute)
    files: dict[str, str]  # output-relative path -> template path
    error: dict[str, Any] | None
    skipped_hooks: list[str]
    missing_data: list[str] = field(default_factory=list)  # makejinja.toml `data` files that do not exist
    modes: dict[str, str] = field(default_factory=dict)  # output-relative path -> "input" or "keep"


def render_to(root: Path, config_file: Path, tmp: Path, python: str, *, allow_plugins: bool = True) -> Rendered:
    report = tmp / "report.json"
    out = tmp / "out"
    out.mkdir()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        subprocess.run(
            [python, str(WORKER), str(config_file), str(out), str(report), "allow" if allow_plugins else "refuse"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=RENDER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Rendered(
            root,
            config_file,
            out,
            root,
            {},
            {"message": f"render timed out after {RENDER_TIMEOUT}s", "line": 1, "template": None},
            [],
        )
    except OSError as exc:
        raise ConfigError(f"cannot run {python}: {exc.strerror}") from exc
    if not report.is_file():
        return Rendered(
            root,
            config_file,
            out,
            root,
            {},
            {
                "message": "the render process died without a report (is makejinja installed for this interpreter?)",
                "line": 1,
                "template": None,
            },
            [],
        )
    data = json.loads(report.read_text())
    output = Path(data.get("output") or root)
    output = output if output.is_absolute() else (config_file.parent / output)
    output = inside_repo(root, str(output), "makejinja output folder")  # never rendered or compared outside
    return Rendered(
        root,
        config_file,
        out,
        output,
        data.get("files", {}),
        data.get("error"),
        data.get("skipped_hooks", []),
        [d for d in data.get("data", []) if not (root / d).exists()],
        data.get("modes", {}),
    )


def _rel(root: Path, path: Path | str) -> str:
    """`path` relative to the repository: lexically when it is written under the root (a symlink
    is named as itself), else after resolving it."""
    path = Path(path)
    for candidate in (path, path.resolve()):
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            continue
    return str(path)


def _sops_keys(text: str) -> Any:
    def shape(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items() if k != "sops"}
        if isinstance(value, list):
            return [shape(v) for v in value]
        return None

    return [shape(d) for d in parse_bytes("x", text.encode()).docs]


def _unnamed_settings(config: Path) -> list[str]:
    """The settings makejinja needs that makejinja.toml leaves to the command line (inputs,
    output); [] when it names both, or when it cannot be read here (the render reports that)."""
    import tomllib  # start-up: imported only where it is needed

    try:
        raw = read_regular(config, 1 << 20)
        settings = tomllib.loads(raw.decode("utf-8")).get("makejinja") if raw is not None else None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    if not isinstance(settings, dict):
        return []
    return [name for name in ("inputs", "output") if not settings.get(name)]


def compare(rendered: Rendered) -> list[Finding]:
    """HL701 drift, HL702 missing, HL703 render failed: what `render --check` reports."""
    rules = builtin_rules()

    def make(rule: str, path: str, span: Span, message: str, fix: str, key: str, detail: str | None = None) -> Finding:
        meta = rules[rule]
        finding = Finding(rule, path, span, message, fix, meta.severity, meta.name, key)
        finding.detail = detail  # type: ignore[attr-defined]
        return finding

    root = rendered.root
    if rendered.error:
        error = rendered.error
        template = error.get("template")
        path = _rel(root, template) if template else _rel(root, rendered.config_file)
        line = int(error.get("line") or 1)
        return [
            make(
                "HL703",
                path,
                Span.point(line),
                f"render failed: {error.get('type', 'Error')}: {error.get('message')}",
                render_fix(error, rendered.missing_data, root),
                f"HL703/{error.get('message')}",
            )
        ]
    findings = []
    root_real = os.path.realpath(root)
    for rel, template in sorted(rendered.files.items()):
        produced = (rendered.tmp / rel).read_bytes()
        target = rendered.output / rel
        committed_rel = _rel(root, target)
        template_rel = _rel(root, template)
        if not is_within(os.path.realpath(target), root_real):
            findings.append(
                make(
                    "HL701",
                    committed_rel,
                    FILE_START,
                    f"{committed_rel} is a symlink that leads outside the repository; not compared",
                    f"replace the symlink with the file {template_rel} renders",
                    f"HL701/{committed_rel}",
                )
            )
            continue
        if not target.is_file():
            findings.append(
                make(
                    "HL702",
                    template_rel,
                    FILE_START,
                    f"{template_rel} renders {committed_rel}, which is not committed",
                    "run homelint render and commit the output",
                    f"HL702/{committed_rel}",
                )
            )
            continue
        current = read_regular(target, MAX_COMPARED_BYTES)
        if current == produced:
            continue
        if current is None:
            current = b""
        new_text, old_text = produced.decode("utf-8", "replace"), current.decode("utf-8", "replace")
        if _only_encrypted_values_differ(target, produced):
            continue  # encrypted after render: compare the key structure only
        old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
        old_shown, new_shown = _redacted(committed_rel, old_lines), _redacted(committed_rel, new_lines)
        first = next(
            (i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b), min(len(old_lines), len(new_lines))
        )
        line = min(first + 1, max(len(old_lines), 1))
        if old_shown is None or new_shown is None:
            diff = "(diff not shown: a SOPS file)\n"
        else:
            lines = difflib.unified_diff(
                old_shown, new_shown, f"{committed_rel} (committed)", f"{committed_rel} (rendered)", n=1, lineterm=""
            )
            diff = "\n".join(list(lines)[:40]) + "\n"
        findings.append(
            make(
                "HL701",
                committed_rel,
                Span(line, 1, line, max(len(old_lines[line - 1]) + 1, 2) if old_lines else 2),
                f"{committed_rel} differs from what {template_rel} renders (first difference at line {line}); "
                "the next render reverts this edit",
                f"edit {template_rel} (or the data) instead, then run homelint render",
                f"HL701/{committed_rel}",
                diff,
            )
        )
    return findings


def _redacted(path: str, lines: list[str]) -> list[str] | None:
    """Diff lines with secret values masked (redact.hidden_lines); None for a SOPS file."""
    hidden = hidden_lines(path, lines)
    if hidden is None:
        return None
    return [escape_control(mask(line) if i in hidden else line) for i, line in enumerate(lines)]


# import name -> the package that provides it, where they differ (makejinja plugins' usual imports)
PACKAGES = {"yaml": "PyYAML", "dotenv": "python-dotenv", "Crypto": "pycryptodome", "jose": "python-jose", "git": "GitPython"}


def render_fix(error: dict[str, Any], missing_data: list[str], root: Path) -> str:
    """What to do about a failed render: install a plugin's dependency, create a data file, or fix
    the template."""
    module = error.get("module")
    if module:
        package = PACKAGES.get(module.split(".")[0], module.split(".")[0])
        return (
            f"the repository's makejinja plugin needs '{package}': pip install {package} into the Python that runs "
            f"homelint (or pass --python); for the pre-commit hook add `additional_dependencies: [{package}]`"
        )
    missing = [*missing_data, *([error["missing"]] if error.get("missing") else [])]
    if missing:
        return "create " + "; ".join(_create_hint(root, m) for m in missing) + ", then render again"
    return "fix the template, the data file or the config; nothing was compared"


def _create_hint(root: Path, missing: str) -> str:
    path = Path(missing)
    for sample in (
        path.with_name(f"{path.stem}.sample{path.suffix}"),
        path.with_name(f"{path.name}.sample"),
        path.with_name(f"{path.stem}.example{path.suffix}"),
        path.with_name(f"{path.name}.example"),
    ):
        if (root / sample).is_file():
            return f"{_rel(root, root / path)} (copy {_rel(root, root / sample)} and fill it in)"
    return _rel(root, root / path)


def _only_encrypted_values_differ(target: Path, data: bytes) -> bool:
    if ".sops." not in target.name:
        return False
    try:
        current = read_regular(target, MAX_COMPARED_BYTES)
    except OSError:
        return False
    if current is None or b"sops:" not in current:
        return False
    return bool(_sops_keys(current.decode("utf-8", "replace")) == _sops_keys(data.decode("utf-8", "replace")))


def _output_mode(rendered: Rendered, rel: str, target: Path) -> int:
    """The mode makejinja would leave: a copied file (or any, with copy_metadata) gets its input's
    mode, as the render in the temporary folder got it; a rendered file written over an existing
    one keeps that file's mode; a new one gets the umask's."""
    rendered_mode = os.stat(rendered.tmp / rel).st_mode & 0o7777
    if rendered.modes.get(rel) == "input":
        return rendered_mode
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        return rendered_mode


def write_rendered(rendered: Rendered) -> list[str]:
    """Copy changed files into the configured output, one atomic rename each; never delete."""
    written = []
    for rel in sorted(rendered.files):
        target = rendered.output / rel
        data = (rendered.tmp / rel).read_bytes()
        mode = _output_mode(rendered, rel, target)
        try:
            same = read_regular(target, MAX_COMPARED_BYTES, follow=False) == data
        except OSError:
            same = False
        if same:
            inside = is_within(os.path.realpath(target), os.path.realpath(rendered.root))
            if inside and os.stat(target).st_mode & 0o7777 != mode:
                os.chmod(target, mode)  # the template became executable (or stopped being)
                written.append(_rel(rendered.root, target))
            continue
        if _only_encrypted_values_differ(target, data):
            continue  # keep the encrypted file when only values differ
        atomic_write(target, data, root=rendered.root, make_parents=True, exact_mode=mode)
        written.append(_rel(rendered.root, target))
    return written


def run_render(
    path: Path,
    config_file: Path | None,
    check_only: bool,
    fmt: str,
    output: Path | None,
    *,
    lint: bool,
    python: str | None = None,
    color: str = "auto",
    allow_plugins: bool = False,
) -> int:
    import click  # start-up: imported only where it is needed

    root = find_repo_root(path)
    config = (config_file or root / "makejinja.toml").resolve()
    if not config.is_file():
        raise ConfigError(f"no makejinja.toml in {root} (pass --config PATH); nothing to render")
    unnamed = _unnamed_settings(config)
    if unnamed:
        what = f"makejinja.toml names no {' or '.join(unnamed)} (the command line gives them, e.g. in a Taskfile)"
        if check_only:
            click.echo(f"note: {what}: there is no committed output to compare", err=True)
            return 0
        raise ConfigError(f"{what}; homelint render needs them in the file")
    with tempfile.TemporaryDirectory(prefix="homelint-render-") as tmp:
        rendered = render_to(root, config, Path(tmp), python or sys.executable, allow_plugins=allow_plugins or not check_only)
        if rendered.missing_data:
            click.echo(f"note: makejinja.toml names data files that do not exist: {', '.join(rendered.missing_data)}", err=True)
        if rendered.skipped_hooks:
            click.echo(f"note: exec_pre/exec_post hooks are not run by homelint: {'; '.join(rendered.skipped_hooks)}", err=True)
        if check_only:
            findings = compare(rendered)
            return _report(root, findings, fmt, output, len(rendered.files), color)
        if rendered.error:
            return _report(root, compare(rendered), fmt, output, 0, color)
        written = write_rendered(rendered)
    click.echo(f"Rendered {len(rendered.files)} files from {_rel(root, config)}; {len(written)} changed.", err=True)
    for rel in written:
        click.echo(f"  wrote {rel}", err=True)
    if not lint:
        return 0
    result = run_check(Options(paths=[root]))
    emit(result, fmt, output, color=color)
    return 1 if result.failing(result.config.fail_level) else 0


def _report(root: Path, findings: list[Finding], fmt: str, output: Path | None, count: int, color: str) -> int:
    findings.sort(key=Finding.sort_key)
    result = Result(root, Config(), findings, dict(builtin_rules()), {"files": count, "rendered": True})
    emit(result, fmt, output, color=color)
    return 1 if findings else 0
