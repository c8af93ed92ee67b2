"""Run makejinja in a separate process: `python render_worker.py CONFIG OUTPUT RESULT_JSON [PLUGINS]`.

Runs with the repository as working directory (plugins read files relative to it). It renders into
OUTPUT (a temporary folder), never with `clean`, never running exec_pre/exec_post hooks, and writes
a JSON report (rendered files with their templates, or the error with the template line) to
RESULT_JSON. It imports nothing from homelint, so any interpreter with makejinja can run it.

Templates always render in Jinja's sandboxed environment: a template cannot reach Python internals
(`cycler.__init__.__globals__.os`). Plugins, loaders and Jinja extensions other than Jinja's own are
Python code of the repository: with PLUGINS other than "allow" they are not loaded (the render
fails with an explanation) and the repository is not put on the import path.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder (homelint's package) heads sys.path and its modules would
# shadow the standard library's for makejinja and the plugins (homelint's selectors.py, timing.py).
if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

import json
import traceback
from pathlib import Path
from typing import Any


def _error(exc: BaseException, templates: list[Path]) -> dict[str, Any]:
    where: dict[str, Any] = {"template": None, "line": 1}
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    lineno = getattr(exc, "lineno", None)
    known = {str(p.resolve()) for p in templates}
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename and str(Path(frame.filename).resolve()) in known:
            where = {"template": frame.filename, "line": frame.lineno or 1}
    if name and lineno and where["template"] is None:
        where = {"template": name, "line": lineno}
    found = {"type": type(exc).__name__, "message": str(exc).splitlines()[0] if str(exc) else type(exc).__name__, **where}
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        found["module"] = exc.name  # a plugin's dependency that this interpreter lacks
    elif isinstance(exc, FileNotFoundError) and exc.filename:
        found["missing"] = str(exc.filename)
    return found


class PluginsRefused(Exception):
    """The config loads repository code (plugins, loaders, extensions) and plugins are not allowed."""


def _sandbox(app: Any) -> None:
    """makejinja builds its Jinja environment from `app.Environment`: make that the sandboxed one."""
    from jinja2.sandbox import SandboxedEnvironment  # after the sys.path fix at the top, like every import here

    app.Environment = SandboxedEnvironment


def _repository_code(config: Any) -> list[str]:
    return [
        *config.plugins,
        *config.loaders,
        *(e for e in config.extensions if not str(e).startswith("jinja2.ext.")),
    ]


def main(config_path: str, output: str, result_path: str, plugins: str = "allow") -> int:
    result: dict[str, Any] = {"ok": False, "files": {}, "modes": {}, "skipped_hooks": []}
    templates: list[Path] = []
    try:
        import attrs  # these four in the try: a missing makejinja is a reported error, not a crash
        import typed_settings as ts
        from makejinja import app
        from makejinja.config import Config

        config = ts.load(Config, appname="makejinja", config_files=[Path(config_path)])
        result["output"] = str(config.output)
        result["inputs"] = [str(p) for p in config.inputs]
        result["data"] = [str(p) for p in config.data]
        result["jinja_suffix"] = config.jinja_suffix
        result["skipped_hooks"] = [*config.exec_pre, *config.exec_post]
        for base in map(Path, config.inputs):
            templates.extend([p for p in base.rglob("*") if p.is_file()] if base.is_dir() else [base])
        config = attrs.evolve(config, output=Path(output), quiet=True, clean=False, force=True, exec_pre=[], exec_post=[])  # type: ignore[misc]
        if plugins != "allow":
            code = _repository_code(config)
            if code:
                raise PluginsRefused(
                    f"makejinja.toml loads repository code ({', '.join(map(str, code))[:200]}), which render --check "
                    "does not run on its own: pass --allow-plugins if you trust this repository"
                )
            config = attrs.evolve(config, import_paths=())  # type: ignore[misc]
        _sandbox(app)
        original = app.render_file

        def recording(input: Path, template_name: str, out: Path, *args: Any, **kwargs: Any) -> Any:
            rel = str(Path(out).relative_to(output))
            result["files"][rel] = str(input)
            cfg = args[0] if args else kwargs.get("config", config)
            enforce = kwargs.get("enforce_jinja_suffix", args[2] if len(args) > 2 else True)
            # makejinja copies a non-template file (copy2) and, with copy_metadata, a template's mode:
            # the output gets the input's mode; a rendered file written over an existing one keeps its own
            copied = enforce and Path(input).suffix != cfg.jinja_suffix
            result["modes"][rel] = "input" if copied or cfg.copy_metadata else "keep"
            return original(input, template_name, out, *args, **kwargs)

        app.render_file = recording  # type: ignore[assignment]
        app.makejinja(config)
        result["files"] = {k: v for k, v in result["files"].items() if (Path(output) / k).is_file()}
        result["ok"] = True
    except BaseException as exc:
        result["error"] = _error(exc, templates)
    Path(result_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
