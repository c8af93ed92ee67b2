"""SARIF 2.1.0 for GitHub code scanning, built with sarif-om and serialized by hand.

sarif-om's attrs defaults are traps (SEE shared/sarif/README.md): an explicit `level` equal to the
default would be dropped by a default-skipping serializer, `results=None` omits `results`, and its
Suppression writes `state` where SARIF 2.1.0 says `status`. This serializer keeps every value that
is set, drops only sentinel defaults, and writes `status`.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections import Counter
from typing import Any
from urllib.parse import quote

from homelint import __version__
from homelint.core.model import Finding
from homelint.engine.explain import finding_chains, load_model
from homelint.report import host_path, work_tree

INFORMATION_URI = "https://github.com/homelint/homelint"
RULES_DOCS_URI = f"{INFORMATION_URI}/blob/main/docs/rules.md"
DEFAULT_CATEGORY = "homelint"
# GitHub ranks alerts of rules tagged `security` by this score ("0.1".."10.0": 9+ critical, 7+ high,
# 4+ medium): the rule's `security-severity` in its YAML, else from its severity.
SECURITY_SEVERITY_BY_LEVEL = {"error": "7.0", "warning": "5.0", "info": "3.0"}
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
GITHUB_MAX_RESULTS = 25_000
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_SENTINELS = {"rank": -1.0, "byte_offset": -1, "char_offset": -1, "id": -1, "index": -1, "rule_index": -1, "language": "en-US"}


def to_dict(value: Any) -> Any:
    import attr  # start-up: imported only where it is needed

    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            if item is None:
                continue
            if field.name in _SENTINELS and item == _SENTINELS[field.name]:
                continue
            if field.name in ("contents", "newline_sequences") and item == field.default.factory():  # type: ignore[union-attr]
                continue
            out[field.metadata.get("schema_property_name", field.name)] = to_dict(item)
        return out
    if isinstance(value, list):
        return [to_dict(v) for v in value]
    if isinstance(value, dict):
        return {k: to_dict(v) for k, v in value.items()}
    return value


def _first_paragraph(docs: str, heading: str) -> str:
    match = re.search(rf"## {heading}\n+(.*?)(\n\n|\n##|$)", docs, re.S)
    return " ".join(match.group(1).split()) if match else ""


def rule_anchor(meta: Any) -> str:
    """The anchor of a rule's section in docs/rules.md (GitHub's heading slugs)."""
    return f"{meta.id.lower()}-{meta.name}"


def _rule_descriptor(meta: Any) -> Any:
    import sarif_om as s  # start-up: imported only where it is needed

    full = _first_paragraph(meta.docs, "What it checks") or meta.summary
    markdown = f"**{meta.id} {meta.name}**: {meta.summary}\n\n{meta.docs}".strip()
    properties: dict[str, Any] = {"tags": sorted(set(meta.tags) | {"homelint"}), "precision": meta.precision}
    if "security" in meta.tags:
        properties["security-severity"] = meta.security_severity or SECURITY_SEVERITY_BY_LEVEL[meta.severity]
    return s.ReportingDescriptor(
        id=meta.id,
        name=meta.name,
        short_description=s.MultiformatMessageString(text=meta.summary),
        full_description=s.MultiformatMessageString(text=full),
        help=s.MultiformatMessageString(text=f"{meta.summary} {full}".strip(), markdown=markdown),
        help_uri=f"{RULES_DOCS_URI}#{rule_anchor(meta)}" if meta.origin == "builtin" else None,
        default_configuration=s.ReportingConfiguration(level=LEVELS[meta.severity], enabled=meta.enabled),
        properties=properties,
    )


def _code_flows(root: Any, chains: list[list[tuple[str, int, str]]]) -> Any:
    """The chain Flux follows to the finding's object (homelint.engine.explain), one thread flow per
    applying Kustomization: GitHub shows each as steps."""
    import sarif_om as s  # start-up: imported only where it is needed

    flows = []
    for chain in chains:
        steps = [
            s.ThreadFlowLocation(
                location=s.Location(
                    physical_location=s.PhysicalLocation(
                        artifact_location=s.ArtifactLocation(uri=quote(host_path(root, path), safe="/"), uri_base_id="%SRCROOT%"),
                        region=s.Region(start_line=max(line, 1)),
                    ),
                    message=s.Message(text=text),
                )
            )
            for path, line, text in chain
        ]
        flows.append(s.ThreadFlow(locations=steps))
    return [s.CodeFlow(thread_flows=flows, message=s.Message(text="how Flux applies the object"))]


def _result(finding: Finding, index: int, fingerprint: str, uri: str) -> Any:
    import sarif_om as s  # start-up: imported only where it is needed

    span = finding.span
    region = s.Region(start_line=span.line, start_column=span.column, end_line=span.end_line, end_column=span.end_column)
    text = finding.message + (f"\nFix: {finding.fix}" if finding.fix else "")
    result = s.Result(
        rule_id=finding.rule,
        rule_index=index,
        level=LEVELS[finding.severity],
        message=s.Message(text=text),
        locations=[
            s.Location(
                physical_location=s.PhysicalLocation(
                    artifact_location=s.ArtifactLocation(uri=quote(uri, safe="/"), uri_base_id="%SRCROOT%"),
                    region=region,
                )
            )
        ],
        partial_fingerprints={"primaryLocationLineHash": fingerprint, "homelint/v1": finding.fingerprint()},
    )
    if finding.suppressed is not None:
        result.suppressions = [s.Suppression(kind="inSource", justification=finding.suppressed)]
    return result


def build_log(result: Any, category: str = DEFAULT_CATEGORY, chains: dict[int, Any] | None = None) -> dict[str, Any]:
    """The SARIF log. Artifact URIs are relative to the git work tree (%SRCROOT%), where GitHub looks
    files up, also when the linted root is a subfolder; `category` tells GitHub which analysis this
    run replaces (one per category), as upload-sarif's `category` would. `chains` (id(finding) ->
    homelint.engine.explain.finding_chains) become each result's codeFlows."""
    import sarif_om as s  # start-up: imported only where it is needed

    rules = sorted(result.rules.values(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    findings = sorted([*result.findings, *result.suppressed], key=Finding.sort_key)
    notifications = []
    if len(findings) > GITHUB_MAX_RESULTS:
        dropped = len(findings) - GITHUB_MAX_RESULTS
        findings = findings[:GITHUB_MAX_RESULTS]
        message = (
            f"{dropped} results were left out: GitHub code scanning accepts at most {GITHUB_MAX_RESULTS} "
            "results per run (use --select or a baseline to narrow the report)"
        )
        notifications.append(s.Notification(message=s.Message(text=message), level="warning"))
        print(f"homelint: warning: {message}", file=sys.stderr)
    seen: Counter[str] = Counter()
    sarif_results = []
    for finding in findings:
        fp = finding.fingerprint()
        seen[fp] += 1
        uri = host_path(result.root, finding.path)
        sarif_result = _result(finding, index.get(finding.rule, -1), f"{fp}:{seen[fp]}", uri)
        if chains and id(finding) in chains:
            sarif_result.code_flows = _code_flows(result.root, chains[id(finding)])
        sarif_results.append(sarif_result)
    root_uri = work_tree(result.root)[0].as_uri().rstrip("/") + "/"
    run = s.Run(
        tool=s.Tool(
            driver=s.ToolComponent(
                name="homelint",
                version=__version__,
                semantic_version=__version__,
                information_uri=INFORMATION_URI,
                rules=[_rule_descriptor(r) for r in rules],
            )
        ),
        results=sarif_results,
        column_kind="unicodeCodePoints",
        original_uri_base_ids={"%SRCROOT%": s.ArtifactLocation(uri=root_uri)},
        invocations=[s.Invocation(execution_successful=True, tool_execution_notifications=notifications or None)],
        automation_details=s.RunAutomationDetails(id=f"{category.strip('/')}/"),
    )
    log = s.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])
    data = to_dict(log)
    for res in data["runs"][0]["results"]:
        for sup in res.get("suppressions", []):
            sup.pop("state", None)
            sup["status"] = "accepted"
    data["runs"][0].setdefault("results", [])
    return data


def render_sarif(result: Any, category: str = DEFAULT_CATEGORY) -> str:
    chains = finding_chains(load_model(result), [*result.findings, *result.suppressed])
    text = json.dumps(build_log(result, category, chains), indent=2) + "\n"
    size = len(gzip.compress(text.encode()))
    if size > 10 * 1024 * 1024:
        print(
            f"homelint: warning: the SARIF file is {size // 1048576} MiB gzipped, over GitHub's 10 MiB upload limit",
            file=sys.stderr,
        )
    return text
