"""A plaintext secret value never appears in any output format; only key names do."""

from __future__ import annotations

import pytest

from .conftest import FIXTURES

VALUE = "correct-horse-battery-staple"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_plaintext_value_is_never_printed(run, fmt):
    assert VALUE in (FIXTURES / "demo/kubernetes/apps/default/echo/app/secret.yaml").read_text()
    result = run("check", str(FIXTURES / "demo"), "--no-cache", "--format", fmt, "--statistics")
    assert result.exit_code == 1
    assert "HL402" in result.output
    assert "password" in result.output  # the key name is shown
    # the text format shows no code frame for this rule's line either
    assert VALUE not in result.output
