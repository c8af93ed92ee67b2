"""Property: for random and mutated manifests homelint never raises and every position is valid."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homelint.engine.lint import Options, run_check

from .conftest import FIXTURES

TARGET = "kubernetes/apps/default/paperless/app/helmrelease.yaml"
KEYS = st.sampled_from(
    [
        "apiVersion",
        "kind",
        "metadata",
        "name",
        "namespace",
        "spec",
        "values",
        "persistence",
        "existingClaim",
        "envFrom",
        "secretRef",
        "dependsOn",
        "sourceRef",
        "chartRef",
        "path",
        "postBuild",
        "substitute",
        "image",
        "tag",
        "data",
        "stringData",
        "<<",
        "resources",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.sampled_from(
        [
            "${APP}",
            "${X:=1}",
            "${a.b}",
            "$${Y}",
            "{{ .x }}",
            "#{ y }#",
            "v2",
            "HelmRelease",
            "helm.toolkit.fluxcd.io/v2",
            "./x",
            "../../y",
            "latest",
        ]
    ),
    st.text(max_size=12),
)
DOCS = st.recursive(
    SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)), max_leaves=25
)


def mutate(text: str, data: st.DataObject) -> str:
    for _ in range(data.draw(st.integers(0, 3))):
        if not text:
            break
        at = data.draw(st.integers(0, len(text) - 1))
        text = (
            text[:at]
            + data.draw(st.sampled_from(["", ":", "- ", "\n", "  ", "[", "{", "&a ", "*a", "'", "\t", "${"]))
            + text[at + 1 :]
        )
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=DOCS, data=st.data())
def test_random_manifests_never_crash(tmp_path_factory, doc, data):
    root = tmp_path_factory.mktemp("prop") / "repo"
    shutil.copytree(FIXTURES / "demo", root)
    text = mutate(json.dumps(doc) if data.draw(st.booleans()) else _yamlish(doc), data)
    (root / TARGET).write_text(text)
    result = run_check(Options(paths=[root], use_cache=False))
    assert not [f for f in result.findings if f.rule == "HL000"], [f.message for f in result.findings if f.rule == "HL000"]
    for finding in result.findings:
        path = root / finding.path
        lines = path.read_text(errors="replace").split("\n") if path.is_file() else [""]
        assert 1 <= finding.span.line <= max(len(lines), 1), finding
        assert finding.span.column >= 1 and finding.span.end_line >= finding.span.line


def _yamlish(doc, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(doc, dict):
        if not doc:
            return pad + "{}\n"
        out = ""
        for key, value in doc.items():
            if isinstance(value, (dict, list)) and value:
                out += f"{pad}{key}:\n{_yamlish(value, indent + 1)}"
            else:
                out += f"{pad}{key}: {json.dumps(value)}\n"
        return out
    if isinstance(doc, list):
        if not doc:
            return pad + "[]\n"
        return "".join(f"{pad}- {json.dumps(item)}\n" for item in doc)
    return pad + json.dumps(doc) + "\n"


def test_fuzz_target_runs_clean_for_a_few_inputs():
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "bench" / "fuzz.py"
    done = subprocess.run([sys.executable, str(script), "--iterations", "15", "--seed", "7"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fuzz: 15 inputs, no crash (seed 7)" in done.stdout
