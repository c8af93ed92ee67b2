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

import json
import sys
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
    return {"type": type(exc).__name__, "message": str(exc).splitlines()[0] if str(exc) else type(exc).__name__, **where}


class PluginsRefused(Exception):
    """The config loads repository code (plugins, loaders, extensions) and plugins are not allowed."""


def _sandbox(app: Any) -> None:
    """makejinja builds its Jinja environment from `app.Environment`: make that the sandboxed one."""
    from jinja2.sandbox import SandboxedEnvironment

    app.Environment = SandboxedEnvironment


def _repository_code(config: Any) -> list[str]:
    return [
        *config.plugins,
        *config.loaders,
        *(e for e in config.extensions if not str(e).startswith("jinja2.ext.")),
    ]


def main(config_path: str, output: str, result_path: str, plugins: str = "allow") -> int:
    result: dict[str, Any] = {"ok": False, "files": {}, "skipped_hooks": []}
    templates: list[Path] = []
    try:
        import attrs
        import typed_settings as ts
        from makejinja import app
        from makejinja.config import Config

        config = ts.load(Config, appname="makejinja", config_files=[Path(config_path)])
        result["output"] = str(config.output)
        result["inputs"] = [str(p) for p in config.inputs]
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
            result["files"][str(Path(out).relative_to(output))] = str(input)
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
