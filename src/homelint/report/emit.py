"""Write a result in one of the formats, to stdout or a file, as `homelint check` and `render` do."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from homelint.core.errors import ConfigError

FORMATS = ["text", "json", "sarif", "github", "gitlab", "junit"]


def silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def write_output(text: str, output: Path | None, root: Path | None = None) -> None:
    if output is None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()  # the reader left (`| head`); the exit code still tells the result
        return
    # imported here, not at the top: the CLI imports this module at start-up, and safeio (secrets,
    # hashlib) adds ~10 ms to `homelint --version` and `homelint rules` (python -X importtime)
    from homelint.core.filemodes import mode_for  # start-up: every command imports this module
    from homelint.loading.safeio import atomic_write  # start-up: every command imports this module

    try:  # as `> FILE` would: the mode of the file it replaces or the umask's, not mkstemp's 0600
        atomic_write(output, text.encode("utf-8", errors="backslashreplace"), root=root, exact_mode=mode_for(output))
    except ConfigError:
        raise
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror}") from exc


def _use_color(mode: str, output: Path | None) -> bool:
    if mode == "always":
        return True
    if mode == "never" or output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def emit(
    result: Any,
    fmt: str,
    output: Path | None,
    *,
    color: str = "auto",
    quiet: bool = False,
    statistics: bool = False,
    category: str | None = None,
    show_chain: bool = False,
) -> None:
    if fmt == "json":
        from homelint.report.jsonfmt import render_json  # start-up: every command imports this module

        text = render_json(result)
    elif fmt == "sarif":
        from homelint.report.sarif import DEFAULT_CATEGORY, render_sarif  # start-up: every command imports this module

        text = render_sarif(result, category or DEFAULT_CATEGORY)
    elif fmt == "github":
        from homelint.report.github import render_github  # start-up: every command imports this module

        text = render_github(result)
    elif fmt == "gitlab":
        from homelint.report.gitlab import render_gitlab  # start-up: every command imports this module

        text = render_gitlab(result)
    elif fmt == "junit":
        from homelint.report.junit import render_junit  # start-up: every command imports this module

        text = render_junit(result)
    else:
        from homelint.report.text import render_text  # start-up: every command imports this module

        read = result.repo.read_text if result.repo is not None else (lambda p: _read(result.root, p))
        chains = None
        if show_chain:
            from homelint.engine.explain import finding_chains, load_model  # start-up: every command imports this module

            chains = finding_chains(load_model(result), result.findings)
        text = render_text(
            result, color=_use_color(color, output), quiet=quiet, statistics=statistics, read_text=read, chains=chains
        )
    write_output(text, output, result.root)
    if fmt != "text" and statistics:
        from homelint.report.text import render_statistics  # start-up: every command imports this module

        click.echo("\n".join(render_statistics(result)), err=True)


def _read(root: Path, path: str) -> str | None:
    """A repository file for a code frame; None for one that leads outside the repository."""
    from homelint.loading.safeio import is_within, read_regular  # start-up: see write_output

    full = root / path
    if not is_within(os.path.realpath(full), os.path.realpath(root)):
        return None
    try:
        raw = read_regular(full, 64 << 20)
    except OSError:
        return None
    return raw.decode("utf-8", errors="replace") if raw is not None else None
