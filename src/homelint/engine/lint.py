"""Run checks over a loaded repository, then apply suppressions, selection and severities."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homelint.core import timing
from homelint.core.context import Context
from homelint.core.model import Finding, severity_rank
from homelint.engine.runner import Cache, fork_map, from_plain, load_builtin_rules, quiet_gc, run_record, to_plain
from homelint.engine.selection import enabled_rules, select
from homelint.loading.discovery import find_repo_root, marked
from homelint.loading.yamlload import Suppression
from homelint.model.config import Config, ConfigError, load_config
from homelint.model.schemastore import SchemaPaths
from homelint.rules.budgets import within_budget
from homelint.rules.declarative import load_user_rules, run_declarative
from homelint.rules.meta import apply_suppressions, internal_error
from homelint.rules.registry import Check, RuleMeta, builtin_rules


@dataclass
class Options:
    paths: list[Path] = field(default_factory=lambda: [Path(".")])
    config_file: Path | None = None
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    use_cache: bool = True
    files_only: list[str] | None = None  # pre-commit: report only findings in/caused by these
    baseline: Path | None = None
    diff_base: str | None = None  # a git revision: report only findings new relative to it
    targets: dict[str, str] = field(default_factory=dict)  # --target flux=2.9, app-template=5.1.0: upgrade previews


@dataclass
class Result:
    root: Path
    config: Config
    findings: list[Finding]
    rules: dict[str, RuleMeta]
    stats: dict[str, Any] = field(default_factory=dict)
    suppressed: list[Finding] = field(default_factory=list)
    stale_baseline: int = 0
    repo: Any = None
    notes: list[str] = field(default_factory=list)

    def failing(self, level: str) -> list[Finding]:
        return [f for f in self.findings if severity_rank(f.severity) >= severity_rank(level)]


def all_rules(root: Path, config: Config) -> dict[str, RuleMeta]:
    rules = dict(builtin_rules())
    for meta in load_user_rules(root, config):
        if meta.id in rules:
            raise ConfigError(f"user rule {meta.id} ({meta.origin}) reuses the ID of a built-in rule")
        rules[meta.id] = meta
    return rules


def run_check(options: Options) -> Result:
    """Run a check (the GC off meanwhile: runner.quiet_gc)."""
    with quiet_gc():
        return _run_check(options)


def _run_check(options: Options) -> Result:
    target = options.paths[0]
    if not target.exists():
        raise ConfigError(f"path does not exist: {target}")
    root = find_repo_root(target)
    config = load_config(root, options.config_file)
    if options.targets:
        config.targets = {**config.targets, **options.targets}
    if config.schema_paths:
        SchemaPaths.from_config(config, root)  # a wrong schemas.paths entry is a config error (exit 2)
    cache = Cache(root, enabled=options.use_cache)
    load_builtin_rules(cache)
    rules = all_rules(root, config)
    limits = _limit_paths(root, options.paths)
    timing.mark("config")

    findings, suppressed, stats, repo = _analyse(root, config, rules, options, cache)
    if limits:
        findings = [f for f in findings if _within(f, limits)]
        suppressed = [f for f in suppressed if _within(f, limits)]
    notes = []
    cwd = Path.cwd().resolve()
    if target.is_dir() and root != cwd and root.is_relative_to(cwd) and not marked(root):
        notes.append(
            f"no .git or .homelint.yaml at or above {root.relative_to(cwd).as_posix()}: it was taken as the repository "
            "root; if it is a folder of a repository, run homelint from the repository root (a folder given there only "
            "limits the report) or add a .homelint.yaml at the root"
        )
    if options.diff_base is not None or options.files_only is not None:
        base = _base_findings(root, config, rules, options)
        if base is not None and options.diff_base is not None:
            old = len(findings) - len(_new(findings, base[0]))
            if old:
                notes.append(
                    f"{old} finding{'s' if old != 1 else ''} that {options.diff_base} already had are not shown (--diff-base)"
                )
        findings = _changed(findings, options.files_only, base[0] if base else None)
        suppressed = _changed(suppressed, options.files_only, base[1] if base else None)
    stale = 0
    baseline_path = options.baseline or (root / config.baseline if config.baseline else None)
    if baseline_path is not None:
        from homelint.engine.baseline import filter_baseline  # start-up: a warm run does not need it

        findings, stale = filter_baseline(findings, baseline_path)
    findings = within_budget(findings)
    suppressed = within_budget(suppressed)
    findings.sort(key=Finding.sort_key)
    suppressed.sort(key=Finding.sort_key)
    result = Result(root, config, findings, rules, stats, suppressed, stale, repo, notes)
    result.notes.extend(stats.get("notes", []))
    if "versions" in stats and any("upgrade" in rules[f.rule].tags for f in findings if f.rule in rules):
        from homelint.model.versions import describe_rows  # start-up: a warm run does not need it

        result.notes.append(
            "apiVersions judged against " + ", ".join(describe_rows(stats["versions"], short=True)) + " (--statistics tells more)"
        )
    return result


def _without_flux(skipped: set[str], builds: Collection[str] = ()) -> str:
    """The note of a run in a repository without a Flux Kustomization: which enabled rules judge
    what Flux does and so did not run (the checks registered with needs_flux), and which run but
    find build failures only in Flux Kustomizations' builds (registered with flux_builds)."""
    listed = ", ".join(sorted(skipped))
    partial = sorted(r for r in builds if r not in skipped)
    return (
        "no Flux Kustomization found: "
        + (
            f"{listed} need{'s' if len(skipped) == 1 else ''} Flux and did not run"
            if skipped
            else "every selected rule ran without it"
        )
        + (
            f"; {', '.join(partial)} look for kustomize build failures (duplicate objects, cycles, failing patches and "
            "replacements) only in what a Flux Kustomization builds, so no kustomization here was built"
            if partial
            else ""
        )
        + " (not a Flux repository? otherwise set flux.roots in .homelint.yaml)"
    )


def _analyse(
    root: Path, config: Config, rules: dict[str, RuleMeta], options: Options, cache: Any
) -> tuple[list[Finding], list[Finding], dict[str, Any], Any]:
    """(findings, suppressed findings, stats, the loaded Repo or None) of the tree at `root`, with the
    selection and severities applied: no path limits, file filters or baseline."""
    enabled = enabled_rules(rules, config, options)
    stored, repo = run_record(root, config, rules, enabled, cache, collect)
    raw = [from_plain(Finding, t) for t in stored["findings"]]
    suppressions = {p: [from_plain(Suppression, t) for t in entries] for p, entries in stored["suppressions"].items()}
    findings, suppressed = apply_suppressions(suppressions, rules, raw, enabled)
    findings = select(findings, rules, config, options)
    suppressed = select(suppressed, rules, config, options)
    return findings, suppressed, dict(stored["stats"]), repo


def _base_findings(
    root: Path, config: Config, rules: dict[str, RuleMeta], options: Options
) -> tuple[Counter[str], Counter[str]] | None:
    """Fingerprints of (the findings, the findings and suppressed ones) of the same folder at the
    revision `--diff-base` names (file arguments: HEAD), linted with this run's config, rules and
    selection; None when there is nothing to compare with (file arguments outside git)."""
    from homelint.engine.diffbase import BorrowedCache, revision_tree  # start-up: a warm run does not need it

    cache = Cache(root, enabled=options.use_cache, with_index=False)  # holds the kept tree
    with revision_tree(root, options.diff_base or "HEAD", required=options.diff_base is not None, cache=cache) as base:
        if base is None:
            return None
        base_root, kept = base
        borrowed = BorrowedCache(root, enabled=options.use_cache, kept=kept)
        findings, suppressed, _, _ = _analyse(base_root, config, rules, options, borrowed)
    timing.mark("diff-base")
    shown = Counter(f.fingerprint() for f in findings)
    return shown, shown + Counter(f.fingerprint() for f in suppressed)


def _new(findings: list[Finding], base: Counter[str]) -> set[int]:
    """ids of the findings that are not in `base`: of n findings with one fingerprint that the base had
    m times, the last n - m (in file order) are new."""
    remaining = Counter(base)
    new = set()
    for finding in sorted(findings, key=Finding.sort_key):
        fp = finding.fingerprint()
        if remaining[fp] > 0:
            remaining[fp] -= 1
        else:
            new.add(id(finding))
    return new


def _changed(findings: list[Finding], files: list[str] | None, base: Counter[str] | None) -> list[Finding]:
    """What a change caused: findings new relative to the base, and (file arguments, as pre-commit
    passes them) every finding in those files or caused by them (`related`)."""
    new = _new(findings, base) if base is not None else set()
    named = set(files or ())
    return [f for f in findings if id(f) in new or f.path in named or not named.isdisjoint(f.related)]


def _limit_paths(root: Path, paths: list[Path]) -> list[str]:
    limits = []
    for path in paths:
        resolved = path.resolve()
        if resolved == root:
            return []
        try:
            limits.append(resolved.relative_to(root).as_posix())
        except ValueError:
            raise ConfigError(f"{path} is not inside the repository {root}") from None
    return limits


def _within(finding: Finding, limits: list[str]) -> bool:
    return any(finding.path == lim or finding.path.startswith(lim + "/") for lim in limits)


# Below this, the checks run faster in this process than shared with a forked child: the child and
# this process each copy the pages of the model they touch (refcounts), which costs ~80 ms of CPU on
# gavinmcfall's 1,064 objects, as much as the ~130 ms of checks it would halve (on 2 idle cores the
# wall time breaks even, on a loaded machine it doubles). At 4x (4,256 objects) the copying is ~12%
# of the checks' CPU, so sharing them should pay on idle cores (an estimate: not measured idle).
PARALLEL_CHECKS_MIN_OBJECTS = 3000
# From this size on the graph is built before the first check rather than by the first that asks
# (a run with the default rules always asks; HOMELINT_TIMINGS then shows the checks without it).
GRAPH_FIRST_MIN_OBJECTS = 500


def collect(
    repo: Any, rules: dict[str, RuleMeta], enabled: set[str] | None = None, notes: list[str] | None = None
) -> list[Finding]:
    """Findings of every check that has an enabled rule (all rules when `enabled` is None); the
    checks' notes are added to `notes`.

    On big repositories the checks are shared with a forked child (parallel.fork_map); each
    returns its findings, notes and the span memo entries it added, so the result is the same.
    """
    from homelint.rules import builtin_checks  # here, not at the top: a warm run (cached result) never imports the checks

    wanted = set(rules) if enabled is None else enabled
    ctx = Context(repo, rules, wanted)
    runs = [unit for unit in builtin_checks() if any(r in rules and r in wanted for r in unit.rules)]
    if not repo.flux_model.kustomizations:
        if notes is not None:
            skipped = {r for unit in runs if unit.needs_flux for r in unit.rules if r in rules and r in wanted}
            notes.append(_without_flux(skipped, {r for unit in runs for r in unit.flux_builds if r in rules and r in wanted}))
        runs = [unit for unit in runs if not unit.needs_flux]
    runs.append(Check(tuple(r for r, meta in rules.items() if meta.declarative), lambda ctx: _declarative(ctx, wanted)))
    parallel = len(repo.objects) >= PARALLEL_CHECKS_MIN_OBJECTS
    if parallel or len(repo.objects) >= GRAPH_FIRST_MIN_OBJECTS:
        _ = repo.graph  # built once, before any check (and the fork): most checks query it

    def run(index: int) -> tuple[list[tuple[Any, ...]], dict[str, Any], list[str], list[str]]:
        repo.positions.added = {}
        ctx.notes = []
        found = [to_plain(f) for f in _run_one(ctx, runs[index])]
        return found, repo.positions.added, ctx.notes, sorted(repo.raw_reads)

    findings: list[Finding] = []
    memo = repo.positions.memo
    for found, added, said, read in fork_map(run, range(len(runs)), chunk=1, parallel=parallel):
        findings.extend(from_plain(Finding, t) for t in found)
        if memo is not None:
            memo.update(added)
        if notes is not None:
            notes.extend(n for n in said if n not in notes)
        repo.raw_reads.update(read)  # what a forked check read, for the runner's value-edit test
    return dedupe(_in_scope(repo, rules, findings))


def _in_scope(repo: Any, rules: dict[str, RuleMeta], findings: list[Finding]) -> list[Finding]:
    """Drop findings of `scope: applied` rules in files no Flux root reaches, once roots are
    known (dead trees get one finding of an unapplied tree at their top instead); when the roots
    were guessed, hold their errors as warnings that say why."""
    flux = repo.flux
    if flux is None:
        return findings
    # the files Flux applies, and those of the instances whose sync flux-operator makes a root from
    applied = flux.applied_files | {ks.maker.path for ks in flux.kustomizations if ks.synced and ks.maker is not None}

    def applies(finding: Finding) -> bool:
        meta = rules.get(finding.rule)
        return finding.path in applied or meta is None or meta.scope != "applied"

    if flux.roots_known:
        return [f for f in findings if applies(f)]
    if any(ks.obj is not None for ks in flux.kustomizations):
        why: dict[str, str] = {}
        for finding in findings:
            if not applies(finding):
                if finding.path not in why:
                    why[finding.path] = _unreached(flux, finding.path)
                Context.held(finding, why[finding.path])
    return findings


def _unreached(flux: Any, path: str) -> str:
    """Why an error in `path`, which no guessed root reaches, is held: a Flux Kustomization whose
    source nothing defines points at it, or no Kustomization of the repository does."""
    ks = flux.unsourced_over(path)
    if ks is None:
        return UNREACHED
    return (
        f"{ks.label} would build this file (its spec.path reaches it), but its sourceRef names {ks.source}, which nothing in the "
        "repository defines, so nothing builds this file; Flux fails on it once that source exists and "
        "serves this repository"
    )


# why an error in a file no guessed root reaches is held as a warning
UNREACHED = (
    "no Flux Kustomization of this repository builds this file (the roots were guessed: see the note), so Flux fails "
    "on it only if something outside the repository applies it"
)


MERGED_MESSAGE_CHARS = 400


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per rule, file and source position: a YAML alias (`*envFrom`) or an object that
    several Kustomizations apply must not multiply a defect. Findings that differ only in message
    are merged into one (messages sorted, joined while short), with one fingerprint."""
    groups: dict[tuple[str, str, int, int], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.rule, finding.path, finding.span.line, finding.span.column), []).append(finding)
    out = []
    for group in groups.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        group.sort(key=lambda f: (f.message, f.key))
        first = group[0]
        messages = list(dict.fromkeys(f.message for f in group))
        if len(messages) > 1:
            joined = "; ".join(messages)
            first.message = (
                joined
                if len(joined) <= MERGED_MESSAGE_CHARS
                else f"{messages[0]} (and {len(messages) - 1} more {first.rule} findings at this position)"
            )
        first.severity = max((f.severity for f in group), key=severity_rank)
        first.related = tuple(sorted({r for f in group for r in f.related}))
        out.append(first)
    return out


def _declarative(ctx: Context, enabled: set[str]) -> Iterator[Finding]:
    return run_declarative(ctx, enabled)


def _run_one(ctx: Context, unit: Check) -> list[Finding]:
    """A check's findings; a crash is one internal-error finding, and a finding of a rule the check
    did not declare is refused (a bug: `--select` of that rule would not run the check)."""
    from homelint.rules.common import new_check

    new_check()
    try:
        found = list(unit.fn(ctx))
    except Exception as exc:  # a bug in one check must not hide the others
        if _debug():
            raise
        return [internal_error(ctx.rules, unit.name, f"{type(exc).__name__}: {exc}")]
    undeclared = sorted({f.rule for f in found} - set(unit.rules))
    if undeclared:
        if _debug():
            raise AssertionError(f"check {unit.name} emitted {', '.join(undeclared)}, which it does not declare")
        found = [f for f in found if f.rule in unit.rules]
        found.append(internal_error(ctx.rules, unit.name, f"emitted undeclared rule {', '.join(undeclared)}"))
    return found


def _debug() -> bool:

    return os.environ.get("HOMELINT_DEBUG") == "1"
