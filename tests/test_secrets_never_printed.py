"""A plaintext secret value never appears in any output format; only key names do."""

from __future__ import annotations

import pytest

from homelint.core.redact import hidden_lines

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


def test_the_names_a_secret_reference_points_at_are_shown_its_values_are_not():
    """`secretStoreRef:`/`secretKeyRef:` mappings (block or flow) and `secretName:` name a store or
    a Secret: they are shown in code frames. A value on a reference's own line, or any other field
    under it, stays hidden."""
    lines = [
        "spec:",
        "  secretStoreRef:",
        "    kind: ClusterSecretStore",
        "    name: store-a",
        "  valueFrom:",
        "    secretKeyRef:",
        "      name: secret-a",
        "      key: password",
        "  tokenRef: plaintext-a",
        "  passwordRef:",
        "    value: plaintext-b",
        "  auth:",
        "    password: plaintext-c",
        "  envFrom:",
        "    - secretRef: {name: secret-b, optional: true}",
        "  tls:",
        "    - secretName: secret-c",
        "  secretRef: {value: plaintext-d}",
        "  existingSecret: plaintext-e",
    ]
    shown = [line.strip() for index, line in enumerate(lines) if index not in hidden_lines("a.yaml", lines)]
    assert "name: store-a" in shown and "kind: ClusterSecretStore" in shown and "key: password" in shown
    assert "- secretRef: {name: secret-b, optional: true}" in shown and "- secretName: secret-c" in shown
    assert not [line for line in shown if "plaintext" in line]


def test_a_secret_volume_and_a_secret_generator_show_the_names_they_give_not_their_values():
    """A volume's `secret:` (and a projected `secret:` source) names the Secret it mounts, and each
    `secretGenerator:` entry names the Secret it makes and the files it reads: those names and
    paths are shown, as the findings print them. Literals and every other field under them stay
    hidden, and so does a `secret:` mapping inside a secret value."""
    lines = [
        "volumes:",
        "  - name: ca",
        "    secret:",
        "      secretName: secret-a",
        "      optional: true",
        "      items:",
        "        - {key: plaintext-a, path: ca.crt}",
        "  - name: all",
        "    projected:",
        "      sources:",
        "        - secret:",
        "            name: secret-b",
        "secretGenerator:",
        "  - name: secret-c",
        "    type: Opaque",
        "    literals:",
        "      - PASSWORD=plaintext-b",
        "    envs:",
        "      - ./vars-a.env",
        "    files:",
        "      - key-a=./file-a.txt",
        "    options:",
        "      annotations: {a: plaintext-c}",
        "auth:",
        "  secret:",
        "    name: plaintext-d",
        "chart:",
        "  secret:",
        "    value: plaintext-e",
    ]
    shown = [line.strip() for index, line in enumerate(lines) if index not in hidden_lines("a.yaml", lines)]
    assert {"secretName: secret-a", "optional: true", "name: secret-b", "- name: secret-c", "type: Opaque"} <= set(shown)
    assert {"- ./vars-a.env", "- key-a=./file-a.txt"} <= set(shown)
    assert not [line for line in shown if "plaintext" in line]
