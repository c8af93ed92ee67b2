"""JUnit XML: one test suite per file with findings, one failed test case per finding (CI systems
that show test reports: GitLab, Jenkins, Azure Pipelines, ...). A clean run is one passed test."""

from __future__ import annotations

import re
from itertools import groupby
from typing import Any
from xml.etree import ElementTree as ET

from homelint.report import host_path

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0, even escaped


def _text(value: str) -> str:
    return _NOT_XML.sub("?", value)


def render_junit(result: Any) -> str:
    suites = ET.Element("testsuites", name="homelint", tests="0", failures="0")
    total = 0
    for path, group in groupby(result.findings, key=lambda f: f.path):
        findings = list(group)
        shown = _text(host_path(result.root, path))
        suite = ET.SubElement(suites, "testsuite", name=shown, tests=str(len(findings)), failures=str(len(findings)), errors="0")
        for f in findings:
            s = f.span
            case = ET.SubElement(
                suite,
                "testcase",
                name=_text(f"{f.rule} {f.name} at {s.line}:{s.column}"),
                classname=shown,
                file=shown,
                line=str(s.line),
            )
            failure = ET.SubElement(case, "failure", message=_text(f.message), type=f.severity)
            failure.text = _text(
                f"{shown}:{s.line}:{s.column}: {f.rule} [{f.severity}] {f.message}" + (f"\nfix: {f.fix}" if f.fix else "")
            )
        total += len(findings)
    if not total:
        suite = ET.SubElement(suites, "testsuite", name="homelint", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name=f"all checks passed ({result.stats.get('files', 0)} files)", classname="homelint")
    suites.set("tests", str(total or 1))
    suites.set("failures", str(total))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
