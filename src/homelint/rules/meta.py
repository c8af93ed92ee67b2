"""HL000 and HL005: findings about homelint's own run (a check that crashed, suppression comments)."""

from __future__ import annotations

from homelint.core.model import Finding, Span
from homelint.loading.yamlload import MALFORMED, Suppression
from homelint.rules.registry import RuleMeta, matches


def internal_error(rules: dict[str, RuleMeta], check: str, what: str) -> Finding:
    """HL000: one check failed (`what`); the other checks still ran."""
    meta = rules["HL000"]
    return Finding(
        "HL000",
        ".",
        Span.point(1),
        f"internal error in check {check}: {what}",
        "please report this bug with --debug output",
        meta.severity,
        meta.name,
    )


def apply_suppressions(
    suppressions: dict[str, list[Suppression]], rules: dict[str, RuleMeta], raw: list[Finding], enabled: set[str] | None = None
) -> tuple[list[Finding], list[Finding]]:
    """(findings kept, findings suppressed by a `# homelint: ignore` comment); kept ends with the
    HL005 findings of suppressions that suppress nothing, name an unknown rule or are malformed.
    No HL005 finding judges a suppression of a rule that is not `enabled` (its findings were not sought)."""
    by_path: dict[str, list[Finding]] = {}
    for finding in raw:
        by_path.setdefault(finding.path, []).append(finding)
    names = {meta.name: rule_id for rule_id, meta in rules.items()}
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    unused: list[Finding] = []
    meta = rules["HL005"]

    def hl005(path: str, sup: Suppression, rule: str, message: str, fix: str) -> Finding:
        span = Span(sup.line, sup.column, sup.line, sup.column + 1)
        return Finding("HL005", path, span, message, fix, meta.severity, meta.name, f"{rule}/{message}/{sup.reason}")

    for path, entries in suppressions.items():
        for sup in entries:
            if sup.target == MALFORMED:
                message = f"'{sup.reason}' is not a suppression homelint understands; nothing is suppressed"
                fix = "write # homelint: ignore[HL301] -- reason (or # homelint: ignore for every rule on the line)"
                unused.append(hl005(path, sup, "?", message, fix))
                continue
            selectors = [names.get(r, r) for r in sup.rules]  # a rule's name stands for its ID
            used: set[str] = set()
            for finding in by_path.get(path, []):
                if finding.suppressed is not None or finding.rule == "HL005":
                    continue
                if (sup.target == 0 or finding.span.line == sup.target) and (not selectors or matches(finding.rule, selectors)):
                    finding.suppressed = sup.reason or "suppressed in source"
                    used.update(r for r in selectors if finding.rule.startswith(r))
                    used.add("")
            where = "in this file" if sup.target == 0 else f"on line {sup.target}"
            if not selectors and "" not in used:
                unused.append(hl005(path, sup, "", f"unused suppression: no finding {where}", "remove the suppression comment"))
            for written, rule in zip(sup.rules, selectors, strict=True):
                if rule in used or (enabled is not None and rule in rules and rule not in enabled):
                    continue
                if not any(r.startswith(rule) for r in rules):
                    message = f"suppression names unknown rule '{written}'"
                else:
                    message = f"unused suppression: no {rule} finding {where}"
                unused.append(hl005(path, sup, rule, message, "remove the suppression comment, or fix the rule ID"))
    for finding in raw:
        (suppressed if finding.suppressed is not None else kept).append(finding)
    kept.extend(unused)
    return kept, suppressed
