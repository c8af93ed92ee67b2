"""Command-line interface. Heavy modules are imported inside commands, never at import time."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from homelint import __version__
from homelint.report.emit import FORMATS, emit, silence_stdout, write_output


class HomelintGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """`--debug` is accepted after the subcommand too (`homelint check --debug`)."""
        end = args.index("--") if "--" in args else len(args)
        if "--debug" in args[1:end]:
            args = ["--debug", *[a for a in args[:end] if a != "--debug"], *args[end:]]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except KeyboardInterrupt:
            sys.exit(130)  # 128 + SIGINT, as shells report an interrupted command
        except (click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            silence_stdout()  # `homelint rules | head`: the reader left, nothing to report
            sys.exit(0)
        except Exception as exc:
            from homelint.core.errors import ConfigError  # start-up: only when a command fails

            debug = ctx.params.get("debug") or os.environ.get("HOMELINT_DEBUG") == "1"
            if isinstance(exc, ConfigError):
                click.echo(f"homelint: error: {exc}", err=True)
                sys.exit(2)
            if debug:
                raise
            click.echo(f"homelint: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)", err=True)
            sys.exit(2)


@click.group(cls=HomelintGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="homelint")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """homelint: lint Flux homelab GitOps repositories."""
    if debug:
        os.environ["HOMELINT_DEBUG"] = "1"


def run() -> None:
    """The console entry point: main() in a supervised child (parallel.supervise), then exit
    without the interpreter's teardown, which only frees memory the OS reclaims anyway (~10% of a
    cold run on a big repository; mypy does this too). When the child crashed (the C YAML parser
    on a file no pre-check flagged), the command runs again here with every file parsed in a
    throwaway process, so the file becomes an HL001 finding and the rest is still linted."""
    import gc  # start-up: every command imports this module

    from homelint.engine.parallel import supervise  # start-up: every command imports this module

    gc.disable()  # a short-lived process: nothing worth collecting (see engine.run_check)
    code = supervise(_main)
    if code is None:
        from homelint.engine import runner  # start-up: every command imports this module

        runner.ISOLATE_EVERY_PARSE = True
        code = _main()
    os._exit(code)


def _main() -> int:
    """main()'s exit code, with stdout and stderr flushed."""
    try:
        main()
        code = 0
    except KeyboardInterrupt:  # before click's own handling (e.g. during imports)
        code = 130
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            silence_stdout()
    return code


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip().upper() for value in values for v in value.split(",") if v.strip()]


def _check_folder(target: Path | None) -> None:
    """A file to write goes into an existing folder: else a one-line usage error (exit 2)."""
    if target is not None and not target.resolve().parent.is_dir():
        from homelint.model.config import ConfigError  # start-up: every command imports this module

        raise ConfigError(f"cannot write {target}: the folder {target.resolve().parent} does not exist")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report to FILE.")
@click.option("--select", multiple=True, help="Only these rule IDs or prefixes (comma-separated).")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rule IDs or prefixes to disable (comma-separated).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: .homelint.yaml at the repo root).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the run.")
@click.option(
    "--fail-level", type=click.Choice(["error", "warning", "info"]), help="Lowest severity that fails the run (default: error)."
)
@click.option("--statistics", is_flag=True, help="Print the count of findings per rule.")
@click.option("-q", "--quiet", is_flag=True, help="One line per finding, no code frames.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option(
    "--baseline", type=click.Path(path_type=Path, dir_okay=False), help="Report only findings not in this baseline file."
)
@click.option(
    "--write-baseline", type=click.Path(path_type=Path, dir_okay=False), help="Record current findings in FILE and exit 0."
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="NAME=VERSION",
    help="Preview an upgrade (repeatable): what breaks on it. A component (flux=2.9, external-secrets=0.17: HL606, "
    "HL607; talos=1.14: HL914) or a Helm chart (app-template=5.1.0: HL807).",
)
@click.option(
    "--diff-base",
    metavar="REF",
    help="Report only findings that are new relative to this git revision (e.g. origin/main, HEAD).",
)
@click.option(
    "--sarif-category",
    metavar="NAME",
    help="SARIF automationDetails.id: GitHub keeps one analysis per category (default: homelint).",
)
@click.option("--fix", "apply_fix", is_flag=True, help="Apply the safe fixes (see `homelint rules`: fixable) in place.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff; change nothing.")
@click.option("--watch", is_flag=True, help="Check again on every change; print the findings that appear or go away.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix/--diff: also the fixes that change what Flux applies.")
@click.option("--add-ignore", is_flag=True, help="Write `# homelint: ignore[ID] -- TODO` on the line of every current finding.")
@click.option("--show-chain", is_flag=True, help="Text format: under each finding, how Flux applies its object.")
def check(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_file: Path | None,
    no_cache: bool,
    exit_zero: bool,
    fail_level: str | None,
    statistics: bool,
    quiet: bool,
    color: str,
    baseline: Path | None,
    write_baseline: Path | None,
    targets: tuple[str, ...],
    diff_base: str | None,
    sarif_category: str | None,
    apply_fix: bool = False,
    show_diff: bool = False,
    watch: bool = False,
    unsafe_fixes: bool = False,
    add_ignore: bool = False,
    show_chain: bool = False,
) -> None:
    """Lint the repository containing PATHS (default: the current directory).

    Directories limit the report to findings under them; files (as pre-commit passes them) limit it
    to findings in those files or caused by a change to them (in git: every finding that is new
    relative to HEAD, wherever it is), while the whole repository is still analysed.
    """
    from homelint.core import timing  # start-up: every command imports this module
    from homelint.engine import replay  # start-up: every command imports this module
    from homelint.engine.lint import Options, run_check  # start-up: every command imports this module
    from homelint.model.config import parse_targets  # start-up: every command imports this module

    started = time.time_ns()  # what changed since (or just before) is not recorded for a replay
    timing.mark("imports")
    for target in (output, write_baseline):
        _check_folder(target)  # before the run, not after it
    paths = paths or (Path("."),)
    files_only = None
    dirs = [p for p in paths if not p.is_file()]
    file_args = [p for p in paths if p.is_file()]
    if file_args:
        from homelint.loading.discovery import find_file_root  # start-up: every command imports this module

        root = find_file_root(file_args[0])
        files_only = [p.resolve().relative_to(root).as_posix() for p in file_args if p.resolve().is_relative_to(root)]
        dirs = dirs or [root]
    # what writes files, compares with git, watches or shows the Flux chain is never replayed
    not_replayable = (
        apply_fix or show_diff or watch or add_ignore or write_baseline or output or diff_base or show_chain or no_cache
    )
    not_replayable = bool(not_replayable or file_args or timing.ENABLED)
    options = Options(
        paths=dirs or [Path(".")],
        config_file=config_file,
        select=_split(select) or None,
        extend_select=_split(extend_select),
        ignore=_split(ignore),
        use_cache=not no_cache,
        files_only=files_only,
        baseline=None if write_baseline else baseline,
        targets=parse_targets(targets),
        diff_base=diff_base,
    )
    if watch:
        from homelint.cli.watch import watch as watch_tree  # start-up: every command imports this module
        from homelint.model.config import ConfigError  # start-up: every command imports this module

        if apply_fix or show_diff or add_ignore or write_baseline or output or fmt != "text":
            raise ConfigError(
                "--watch prints text to the terminal: not with --fix, --diff, --add-ignore, --write-baseline, -o or --format"
            )
        watch_tree(options, click.echo)
        return
    if replay.ARGV is None or not_replayable:
        result = run_check(options)
    else:  # an unchanged tree answers the same next time without loading the linter (engine.replay)
        with replay.capture() as captured:
            result = run_check(options)
            emit(result, fmt, None, color=color, quiet=quiet, statistics=statistics, category=sarif_category)
        code = _exit_code(result, fail_level, exit_zero)
        # recorded when the run itself was answered from the cache (result.repo is None): a run
        # after a change does not pay for stamping every file, the next unchanged run does
        found = replay.inputs(result.root, result.config, options) if result.repo is None and captured.complete else None
        if found is not None:
            depends, links, expected = found
            replay.record(replay.ARGV, depends, links, captured.out, captured.err, code, started, expected)
        timing.report()
        sys.exit(code)
    if add_ignore:
        result = _add_ignore(result, options)
    elif apply_fix or show_diff:
        result = _fix(result, options, show_diff, unsafe_fixes)
    if write_baseline:
        from homelint.engine.baseline import write_baseline as write  # start-up: every command imports this module

        count = write(result.findings, write_baseline, result.root)
        click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to {write_baseline}.", err=True)
        sys.exit(0)
    emit(result, fmt, output, color=color, quiet=quiet, statistics=statistics, category=sarif_category, show_chain=show_chain)
    timing.mark("report")
    timing.report()
    sys.exit(_exit_code(result, fail_level, exit_zero))


def _exit_code(result: Any, fail_level: str | None, exit_zero: bool) -> int:
    level = fail_level or result.config.fail_level
    return 0 if exit_zero or not result.failing(level) else 1


def _fix(result: Any, options: Any, diff_only: bool, unsafe: bool = False) -> Any:
    """--fix / --diff: plan the safe fixes (with --unsafe-fixes, all); --diff prints them and exits
    (1 when there are any), --fix writes them and re-runs the check, whose report then shows the
    findings left."""
    from homelint.engine.fix import plan, write  # start-up: every command imports this module
    from homelint.engine.lint import run_check  # start-up: every command imports this module

    report = plan(result.root, result.findings, unsafe=unsafe)
    for reason in report.skipped:
        click.echo(f"homelint: fix skipped: {reason}", err=True)
    if report.unsafe:
        click.echo(f"homelint: {report.unsafe} more fix{'es' if report.unsafe != 1 else ''} with --unsafe-fixes", err=True)
    files = len(report.files)
    if diff_only:
        write_output(report.diff(), None)
        click.echo(
            f"Would fix {report.fixed} finding{'s' if report.fixed != 1 else ''} in {files} file{'s' if files != 1 else ''}.",
            err=True,
        )
        sys.exit(1 if report.files else 0)
    write(result.root, report)
    if report.files:
        result = run_check(options)
    left = len(result.findings)
    changed = ", ".join(f.path for f in report.files[:5]) + (f" and {files - 5} more" if files > 5 else "")
    click.echo(
        f"Fixed {report.fixed} finding{'s' if report.fixed != 1 else ''} in {files} file{'s' if files != 1 else ''}"
        + (f" ({changed})" if changed else "")
        + f"; {left} finding{'s' if left != 1 else ''} left.",
        err=True,
    )
    return result


def _add_ignore(result: Any, options: Any) -> Any:
    """--add-ignore: a suppression comment for every current finding, then the check again."""
    from homelint.engine.addignore import plan_ignores, summary  # start-up: every command imports this module
    from homelint.engine.fix import write  # start-up: every command imports this module
    from homelint.engine.lint import run_check  # start-up: every command imports this module

    report = plan_ignores(result.root, result.findings)
    for reason in report.skipped:
        click.echo(f"homelint: {reason}", err=True)
    write(result.root, report)
    if report.files:
        result = run_check(options)
    left = len(result.findings)
    click.echo(f"{summary(report)}; {left} finding{'s' if left != 1 else ''} left.", err=True)
    return result


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
def rules_cmd(fmt: str, config_file: Path | None) -> None:
    """List every rule: ID, name, default severity, enabled by default (markdown: docs/rules.md)."""
    from homelint.engine.lint import all_rules  # start-up: every command imports this module
    from homelint.loading.discovery import find_repo_root  # start-up: every command imports this module
    from homelint.model.config import load_config  # start-up: every command imports this module

    root = find_repo_root(Path("."))
    rules = all_rules(root, load_config(root, config_file))
    if fmt == "json":
        import json  # start-up: every command imports this module

        click.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "name": r.name,
                        "severity": r.severity,
                        "enabled": r.enabled,
                        "summary": r.summary,
                        "origin": r.origin,
                        "fixable": r.fixable,
                        "fix": r.fix_safety if r.fixable else None,
                    }
                    for r in rules.values()
                ],
                indent=2,
            )
        )
        return
    if fmt == "markdown":
        click.echo(rules_markdown(rules), nl=False)
        return
    for r in sorted(rules.values(), key=lambda r: r.id):
        state = "on " if r.enabled else "off"
        origin = "" if r.origin == "builtin" else f"  ({r.origin})"
        fixable = ("  [fixable: --fix]" if r.fix_safety == "safe" else "  [fixable: --unsafe-fixes]") if r.fixable else ""
        click.echo(f"{r.id}  {r.name:<30} {r.severity:<8} {state}  {r.summary}{origin}{fixable}")


def rules_markdown(rules: dict[str, Any]) -> str:
    """docs/rules.md: every rule's documentation on one page, a section per rule (SARIF helpUri
    links to its anchor), generated so that it cannot drift from rules/."""
    import re  # start-up: every command imports this module

    out = [
        "# homelint rules\n",
        "Generated from [`rules/`](../rules/) by `homelint rules --format markdown > docs/rules.md`; do not edit.\n",
    ]
    for meta in sorted(rules.values(), key=lambda r: r.id):
        state = "on by default" if meta.enabled else f"off by default (`--extend-select {meta.id}`)"
        out.append(f"## {meta.id} {meta.name}\n\nSeverity: {meta.severity}, {state}. {meta.summary}\n")
        if meta.docs:
            out.append(re.sub(r"^(#+) ", r"#\1 ", meta.docs.rstrip(), flags=re.M) + "\n")
        if meta.fixable and meta.fix_safety == "unsafe":
            out.append(
                "Fixable (unsafe: it changes what Flux applies): `homelint check --fix --unsafe-fixes` applies the fix "
                "(`--diff --unsafe-fixes` shows it).\n"
            )
        elif meta.fixable:
            out.append("Fixable: `homelint check --fix` applies the fix (`--diff` shows it).\n")
        out.append(f"Suppress: `# homelint: ignore[{meta.id}] -- reason` on the line or the line before.\n")
    return "\n".join(out)


@main.command("rule")
@click.argument("rule_id")
def rule_cmd(rule_id: str) -> None:
    """Print the documentation of one rule (by ID or name)."""
    from homelint.engine.lint import all_rules  # start-up: every command imports this module
    from homelint.loading.discovery import find_repo_root  # start-up: every command imports this module
    from homelint.model.config import load_config  # start-up: every command imports this module

    root = find_repo_root(Path("."))
    rules = all_rules(root, load_config(root))
    wanted = rule_id.upper()
    meta = rules.get(wanted) or next((r for r in rules.values() if r.name == rule_id), None)
    if meta is None:
        click.echo(f"homelint: error: unknown rule '{rule_id}' (see 'homelint rules')", err=True)
        sys.exit(2)
    state = "enabled" if meta.enabled else "disabled by default (enable with --extend-select " + meta.id + ")"
    click.echo(f"# {meta.id} {meta.name}\n\nSeverity: {meta.severity}, {state}.\n\n{meta.summary}\n")
    if meta.docs:
        click.echo(meta.docs.rstrip() + "\n")
    if meta.fixable:
        flag = " --unsafe-fixes" if meta.fix_safety == "unsafe" else ""
        unsafe = " It is unsafe: it changes what Flux applies." if flag else ""
        heading = "" if "## Fix" in (meta.docs or "") else "## Fix\n\n"  # the rule's docs may say when it applies
        click.echo(f"{heading}`homelint check --fix{flag}` applies the fix (`homelint check --diff{flag}` shows it).{unsafe}\n")
    click.echo(
        f"## Suppress\n\nOn the line (or the line before): `# homelint: ignore[{meta.id}] -- reason`\n"
        f"In the whole file: `# homelint: ignore-file[{meta.id}]`\nIn the config: `ignore: [{meta.id}]` "
        f"or `per-path-ignores: {{'path/**': [{meta.id}]}}`"
    )


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
def clean(path: Path) -> None:
    """Delete the cache of the repository (kept in the user cache folder)."""
    from homelint.engine.runner import clean_cache  # start-up: every command imports this module
    from homelint.loading.discovery import find_repo_root  # start-up: every command imports this module

    root = find_repo_root(path)
    click.echo("Removed the cache." if clean_cache(root) else "No cache to remove.")


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "json"]), default="mermaid", show_default=True)
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
def graph(path: Path, fmt: str, config_file: Path | None) -> None:
    """Print the Flux dependency graph (Kustomizations, HelmReleases, dependsOn and sources).

    PATH below the repository root narrows it to the objects defined in that folder and what they
    connect to; Mermaid groups the objects by namespace."""
    from homelint.engine.runner import load_repo  # start-up: every command imports this module
    from homelint.loading.discovery import find_repo_root  # start-up: every command imports this module
    from homelint.model.config import ConfigError, load_config  # start-up: every command imports this module
    from homelint.report.graph import render_graph  # start-up: every command imports this module

    if not path.exists():
        raise ConfigError(f"path does not exist: {path}")
    root = find_repo_root(path)
    folder = path.resolve().relative_to(root).as_posix() if path.resolve() != root else ""
    repo, _ = load_repo(root, load_config(root, config_file), use_cache=False)
    click.echo(render_graph(repo, fmt, "" if folder == "." else folder), nl=False)


@main.command()
@click.option(
    "--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), help="makejinja.toml (default: at the repo root)."
)
@click.option("--check", "check_only", is_flag=True, help="Render to a temporary folder and compare; write nothing.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path))
@click.option("--no-lint", is_flag=True, help="After rendering, do not run homelint check.")
@click.option("--python", "python", help="Interpreter that runs makejinja and the repo's plugins (default: this one).")
@click.option(
    "--allow-plugins",
    is_flag=True,
    help="With --check: load the makejinja plugins, loaders and extensions of the repository (its own Python code).",
)
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.argument("path", type=click.Path(path_type=Path), default=".")
def render(
    config_file: Path | None,
    check_only: bool,
    fmt: str,
    output: Path | None,
    no_lint: bool,
    python: str | None,
    allow_plugins: bool,
    color: str,
    path: Path,
) -> None:
    """Render makejinja templates (or, with --check, prove the committed output is in sync).

    The render runs in a subprocess with the repository as working directory, templates in Jinja's
    sandboxed environment. makejinja plugins, loaders and extensions are the repository's own Python
    code and run with your permissions: `render` runs them, `render --check` (which CI runs on pull
    requests from anyone) refuses them unless --allow-plugins. exec_pre/exec_post hooks never run.
    """
    from homelint.cli.render import run_render  # start-up: every command imports this module

    _check_folder(output)
    sys.exit(
        run_render(
            path,
            config_file,
            check_only,
            fmt,
            output,
            lint=not no_lint,
            python=python,
            color=color,
            allow_plugins=allow_plugins,
        )
    )


@main.group()
def schemas() -> None:
    """The schema store: chart values schemas and `$schema` URLs, for offline validation (HL8xx)."""


@schemas.command("pull")
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--target", "targets", multiple=True, metavar="NAME=VERSION", help="Also pull these chart versions.")
@click.option("--refresh", is_flag=True, help="Download again what the store already has.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures and the summary.")
def schemas_pull(
    path: Path, config_file: Path | None, targets: tuple[str, ...], refresh: bool, timeout: float, quiet: bool
) -> None:
    """Download the schemas the repository needs into the store (the network is used here only).

    Chart values schemas come from the chart repositories and OCI registries its HelmReleases name
    (index.yaml, then the chart archive's values.schema.json and values.yaml); `$schema` URLs from
    its `# yaml-language-server` comments; then every URL their `$ref`s reach. Schemas that
    schemas.paths provides are not downloaded. Exit 1 if something could not be downloaded.
    """
    from homelint.cli.schemapull import pull  # start-up: every command imports this module
    from homelint.model.config import parse_targets  # start-up: every command imports this module

    sys.exit(pull(path, config_file, parse_targets(targets), refresh=refresh, timeout=timeout, quiet=quiet))


@schemas.command("list")
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--target", "targets", multiple=True, metavar="NAME=VERSION")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def schemas_list(path: Path, config_file: Path | None, targets: tuple[str, ...], fmt: str) -> None:
    """What the repository needs and where each schema is found (schemas.paths, the store) or not."""
    from homelint.cli.schemapull import list_needs  # start-up: every command imports this module
    from homelint.model.config import parse_targets  # start-up: every command imports this module

    click.echo(list_needs(path, config_file, parse_targets(targets), fmt), nl=False)


@main.command("explain")
@click.argument("target", metavar="FILE[:LINE]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--root",
    "root_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="The repository root, as `check DIR` takes DIR (default: the nearest folder above FILE with .git or "
    ".homelint.yaml, else the current folder).",
)
def explain_cmd(target: str, fmt: str, config_file: Path | None, root_dir: Path | None) -> None:
    """Show why Flux applies the object at FILE[:LINE] (root -> Kustomizations -> kustomization.yaml),
    its namespace, variables and findings, or the first missing link when nothing applies it."""
    from homelint.engine.explain import run_explain  # start-up: every command imports this module

    click.echo(run_explain(target, fmt, config_file, root_dir), nl=False)


if __name__ == "__main__":
    main()
