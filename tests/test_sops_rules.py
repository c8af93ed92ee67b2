"""Which .sops.yaml creation rule sops picks for a file (rules/secrets.py SopsConfigs.rule_for):
the first whose path_regex matches, whether the rules are searched one by one or first through
their alternation."""

from __future__ import annotations

import base64

import pytest

from homelint.core.model import make_object
from homelint.rules.secrets import SopsRule, _any_path_regex, go_regex, plaintext_keys, public_material

PLAINTEXT = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  token: plain\n"


def _rules(*patterns: str | None) -> list[SopsRule]:
    return [SopsRule(".sops.yaml", i, go_regex(p) if p is not None else None, "") for i, p in enumerate(patterns)]


@pytest.mark.parametrize(
    ("patterns", "path", "matches"),
    [
        ((r"a/.*\.sops\.yaml", r"^b/"), "b/x.yaml", True),
        ((r"a/.*\.sops\.yaml", r"^b/"), "c/b/x.yaml", False),
        ((r"(?i)^SECRETS/", r"^other$"), "secrets/x.yaml", True),  # the flag stays in its own rule
        ((r"(?i)^SECRETS/", r"^other$"), "OTHER", False),
        ((r"x|^y", r"z"), "y/a.yaml", True),
    ],
)
def test_the_alternation_matches_where_some_rule_matches(patterns, path, matches):
    combined = _any_path_regex(_rules(*patterns))
    assert combined is not None
    assert bool(combined.search(path)) is matches
    assert matches is any(rule.path_regex.search(path) for rule in _rules(*patterns))


@pytest.mark.parametrize("patterns", [(r"\Qa.b", r"^c"), (r"^a", None), (r"^a{2}", r"^b")])
def test_rules_the_alternation_could_misread_are_searched_one_by_one(patterns):
    assert _any_path_regex(_rules(*patterns)) is None


def test_a_file_no_rule_matches_is_not_judged_and_one_a_later_rule_matches_is(check_json, repo):
    root = repo(
        {
            ".sops.yaml": "creation_rules:\n  - path_regex: (?i)^NOPE/\n    encrypted_regex: ^token$\n"
            "  - path_regex: ^kept/\n    encrypted_regex: ^token$\n",
            "kept/a.yaml": PLAINTEXT,
            "other/a.yaml": PLAINTEXT,
        }
    )
    _, findings = check_json(root, "--select", "HL404")
    assert [(f["path"], f["message"].split(" and ")[0]) for f in findings] == [
        ("kept/a.yaml", "kept/a.yaml is covered by creation rule 2 of .sops.yaml (path_regex '^kept/')")
    ]


def test_a_plaintext_secret_in_a_local_helm_chart_is_named_as_the_charts(check_json, repo):
    """A Secret in a chart kept in the repository (a Chart.yaml above it) is deployed by the chart,
    not by a Flux Kustomization: HL402 says so instead of calling it a dead copy."""
    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: secret-a}\nstringData: {password: plain-a}\n"
    root = repo(
        {
            "charts/chart-a/Chart.yaml": "apiVersion: v2\nname: chart-a\nversion: 1.0.0\n",
            "charts/chart-a/templates/secret.yaml": secret,
            "archive/secret.yaml": secret,
            "clusters/c1/ks.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata: {name: apps, namespace: flux-system}\nspec: {interval: 1h, path: ./apps, prune: true, "
            "sourceRef: {kind: GitRepository, name: flux-system}}\n",
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\n",
        }
    )
    _, findings = check_json(root)
    by_path = {f["path"]: f["message"] for f in findings if f["rule"] == "HL402"}
    assert "part of the Helm chart in charts/chart-a/" in by_path["charts/chart-a/templates/secret.yaml"]
    assert "dead copy" not in by_path["charts/chart-a/templates/secret.yaml"]
    assert "dead copy" in by_path["archive/secret.yaml"]


CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUXq3n\n-----END CERTIFICATE-----\n"
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsab user-a@host-a"


@pytest.mark.parametrize(
    ("value", "public"),
    [
        (CERT, True),
        (CERT + "\n" + CERT, True),  # a chain
        ("-----BEGIN PUBLIC KEY-----\nMFkwEw==\n-----END PUBLIC KEY-----", True),
        ("-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKC\n-----END RSA PUBLIC KEY-----", True),
        (SSH_KEY, True),
        (SSH_KEY + "\necdsa-sha2-nistp256 AAAAE2VjZHNh", True),  # authorized_keys lines
        ("-----BEGIN PRIVATE KEY-----\nMIIEvg\n-----END PRIVATE KEY-----", False),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNz\n-----END OPENSSH PRIVATE KEY-----", False),
        (CERT + "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n", False),
        ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END PUBLIC KEY-----", False),  # unmatched labels
        ("subject=CN = ca-a\n" + CERT, False),  # text beside the block
        (CERT + "password: hunter2", False),
        ("-----BEGIN CERTIFICATE-----\nMIIB", False),  # not closed
        ("ssh-ed25519 AAAAC3Nz\nhunter2", False),
        ("ssh-ed25519 not-base64!", False),
        ("hunter2", False),
        ("", False),
    ],
)
def test_only_certificates_and_public_keys_are_public_material(value, public):
    assert public_material(value) is public
    assert public_material(base64.b64encode(value.encode()).decode(), encoded=True) is public


def test_public_material_in_a_sops_document_where_it_should_be_encrypted_is_still_reported():
    """sops fails on a clear value below a key its metadata encrypts, whatever the value is."""
    doc = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "secret-a"},
        "stringData": {"ca.crt": CERT, "token": "ENC[AES256_GCM,data:abc,type:str]"},
        "sops": {"mac": "ENC[AES256_GCM,data:x,type:str]", "version": "3.9.0", "encrypted_regex": "^(data|stringData)$"},
    }
    obj = make_object("secret-a.yaml", 0, doc)
    assert obj is not None and plaintext_keys(obj) == [("stringData", "ca.crt")]
    clear = {key: value for key, value in doc.items() if key != "sops"} | {"stringData": {"ca.crt": CERT}}
    assert plaintext_keys(make_object("secret-a.yaml", 0, clear)) == []


CATCH_ALL = "creation_rules:\n  - encrypted_regex: '((?i)(pass|secret|key|token|^data$|^stringData))'\n    age: age1example\n"
FLUX_KS_WITH_DECRYPTION = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ks-a, namespace: flux-system}\n"
    "spec:\n  interval: 1h\n  path: ./apps/app-a\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
    "  decryption:\n    provider: sops\n    secretRef: {name: sops-age}\n"
)


def test_a_creation_rule_without_path_regex_marks_only_files_named_sops(check_json, repo):
    """A rule without path_regex applies to any file someone runs `sops encrypt` on: it says nothing
    of which files must be encrypted, so only a *.sops.* name does."""
    root = repo(
        {
            ".sops.yaml": CATCH_ALL,
            "flux/ks.yaml": FLUX_KS_WITH_DECRYPTION,
            "apps/app-a/cm.yaml": PLAINTEXT.replace("token: plain", "api_key: plain"),
            "apps/app-a/settings.sops.yaml": PLAINTEXT,
        }
    )
    _, findings = check_json(root, "--select", "HL404")
    assert [(f["path"], f["line"]) for f in findings] == [("apps/app-a/settings.sops.yaml", 1)]


DEPLOYMENT_REFERENCES = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-a}
spec:
  selector:
    matchExpressions:
      - {key: app, operator: In, values: [app-a]}
  template:
    spec:
      imagePullSecrets: [{name: registry-secret}]
      containers:
        - name: app
          image: registry.example/app-a:1.0.0
          env:
            - name: TOKEN
              valueFrom:
                secretKeyRef: {name: app-a-secret, key: token}
          envFrom:
            - secretRef: {name: app-a-env}
      volumes:
        - name: tls
          secret: {secretName: app-a-tls}
"""
EXTERNAL_SECRET = """\
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: app-a}
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: store-a}
  data:
    - secretKey: password
      remoteRef: {key: app-a, property: password}
"""
HELMRELEASE_VALUES_FROM = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: app-a}
spec:
  interval: 1h
  chartRef: {kind: OCIRepository, name: app-a}
  valuesFrom:
    - {kind: Secret, name: app-a-values, valuesKey: secret-values.yaml}
"""


@pytest.mark.parametrize("text", [DEPLOYMENT_REFERENCES, EXTERNAL_SECRET, HELMRELEASE_VALUES_FROM, FLUX_KS_WITH_DECRYPTION])
def test_values_that_name_or_select_objects_are_not_secret_material(check_json, repo, text):
    """Under a rule that selects the file, a key the regex matches that holds a reference (a Secret's
    name, a key of it, a store, a label selector) is no plaintext secret; a password beside it is."""
    rules = CATCH_ALL.replace("  - encrypted_regex", "  - path_regex: ^apps/\n    encrypted_regex")
    leaked = text.replace("metadata: {", "metadata: {annotations: {password: hunter2}, ", 1)
    root = repo({".sops.yaml": rules, "apps/a.yaml": text, "apps/b.yaml": leaked})
    _, findings = check_json(root, "--select", "HL404")
    assert [f["path"] for f in findings] == ["apps/b.yaml"]
    assert "'metadata.annotations.password' matches the rule's encrypted_regex" in findings[0]["message"]


@pytest.mark.parametrize(
    ("data", "keys"),
    [
        ("stringData:\n  DISABLE_TLS: 'true'\n  ENABLE_A: \"False\"\n", None),  # switches: nothing to read or rotate
        ("data:\n  DISABLE_TLS: dHJ1ZQ==\n", None),  # base64 of "true"
        ("stringData:\n  DISABLE_TLS: 'true'\n  PASSWORD: hunter2\n", "PASSWORD"),  # the password beside it is
    ],
    ids=["string-booleans", "encoded-boolean", "boolean-beside-a-password"],
)
def test_a_boolean_in_a_secret_is_no_plaintext_secret(check_json, repo, data, keys):
    """rcdailey: a Secret whose values are `true`/`false` leaks nothing; HL402 names only the keys
    whose values may be secret."""
    secret = f"apiVersion: v1\nkind: Secret\nmetadata: {{name: secret-a, namespace: default}}\n{data}"
    _, findings = check_json(repo({"apps/secret.yaml": secret}), "--select", "HL402")
    assert [f["message"].split("(keys: ")[1].split(")")[0] for f in findings] == ([keys] if keys else [])
