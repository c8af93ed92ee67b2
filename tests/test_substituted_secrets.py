"""HL402 on Secret values Flux makes from variables: reported only when every Flux Kustomization
that applies the Secret substitutes them, with certainty, from values the repository writes in
plaintext (its postBuild.substitute, or the default written beside a variable)."""

from __future__ import annotations

from .conftest import flux_ks

SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${UNIT}-backup\nstringData:\n  REPO_PASSWORD: ${UNIT}-backup-password\n"
)
KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./secret.yaml\n"
INLINE = "  postBuild:\n    substitute:\n      UNIT: unit-a\n"
FROM_SECRET = "  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: vars-a\n"
FROM_CONFIGMAP = "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: vars-a\n"


def _repo(repo, *kustomizations: str, secret: str = SECRET, more: dict[str, str] | None = None):
    return repo(
        {
            "clusters/main/ks.yaml": "".join(kustomizations),
            "apps/app-a/kustomization.yaml": KUSTOMIZATION,
            "apps/app-a/secret.yaml": secret,
            **(more or {}),
        }
    )


def _hl402(check_json, root):
    _, findings = check_json(root, "--select", "HL402")
    return [f for f in findings if f["rule"] == "HL402"]


def test_a_value_made_only_of_inline_variables_is_a_plaintext_secret(check_json, repo, run):
    """The applied password is `unit-a-backup-password`, readable from the repository."""
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a", "  targetNamespace: ns-a\n" + INLINE))
    [finding] = _hl402(check_json, root)
    assert finding["path"] == "apps/app-a/secret.yaml"
    assert finding["severity"] == "error"
    message = finding["message"]
    assert "keys: REPO_PASSWORD" in message
    assert "Kustomization flux-system/ks-a" in message and "(UNIT)" in message
    # neither the applied value nor the variable's value is shown, in any output
    text = run("check", str(root), "--no-cache", "--select", "HL402").output
    assert "unit-a" not in message and "unit-a" not in text and "backup-password" not in text


def test_a_default_written_beside_a_variable_is_plaintext_too(check_json, repo):
    secret = SECRET.replace("${UNIT}-backup-password", "${UNIT}-${SUFFIX:=pw}")
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a", INLINE), secret=secret)
    [finding] = _hl402(check_json, root)
    assert "(SUFFIX, UNIT)" in finding["message"] and "defaults written beside them" in finding["message"]


def test_every_kustomization_that_applies_it_is_named(check_json, repo):
    root = _repo(
        repo,
        flux_ks("ks-a", "./apps/app-a", "  targetNamespace: ns-a\n" + INLINE),
        flux_ks("ks-b", "./apps/app-a", "  targetNamespace: ns-b\n" + INLINE.replace("unit-a", "unit-b")),
    )
    [finding] = _hl402(check_json, root)
    assert "Kustomization flux-system/ks-a, Kustomization flux-system/ks-b" in finding["message"]


def test_a_variable_from_a_substitute_from_secret_is_not_judged(check_json, repo):
    cluster_vars = "apiVersion: v1\nkind: Secret\nmetadata: {name: vars-a, namespace: flux-system}\nstringData: {UNIT: ENC[x]}\n"
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a", FROM_SECRET), more={"clusters/main/vars.yaml": cluster_vars})
    assert _hl402(check_json, root) == []


def test_a_variable_from_a_substitute_from_configmap_is_not_judged(check_json, repo):
    """A ConfigMap's value is readable too, but what the cluster holds may differ: say nothing."""
    cluster_vars = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-a, namespace: flux-system}\ndata: {UNIT: unit-a}\n"
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a", FROM_CONFIGMAP), more={"clusters/main/vars.yaml": cluster_vars})
    assert _hl402(check_json, root) == []


def test_a_default_is_not_judged_where_substitute_from_may_give_the_variable(check_json, repo):
    secret = SECRET.replace("${UNIT}-backup-password", "${UNIT}-${SUFFIX:=pw}")
    extra = INLINE + "    substituteFrom:\n      - kind: ConfigMap\n        name: vars-a\n        optional: true\n"
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a", extra), secret=secret)
    assert _hl402(check_json, root) == []


def test_every_kustomization_that_applies_the_secret_must_define_its_variables_inline(check_json, repo):
    """ks-a writes UNIT; ks-b, applying the same folder, reads it from a Secret: not certain."""
    root = _repo(
        repo,
        flux_ks("ks-a", "./apps/app-a", "  targetNamespace: ns-a\n" + INLINE),
        flux_ks("ks-b", "./apps/app-a", "  targetNamespace: ns-b\n" + FROM_SECRET),
    )
    assert _hl402(check_json, root) == []


def test_a_data_value_is_judged_once_decoded(check_json, repo):
    """In `data` the substituted text is base64: a password decodes from it; text that is not base64
    is rejected by the API server, so nothing is applied."""
    secret = SECRET.replace("stringData:\n  REPO_PASSWORD: ${UNIT}-backup-password", "data:\n  KEY_A: ${B64}\n  KEY_B: ${UNIT}")
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a", INLINE + "      B64: c2VjcmV0LWE=\n"), secret=secret)
    [finding] = _hl402(check_json, root)
    assert "keys: KEY_A)" in finding["message"]


def test_a_secret_that_opts_out_of_substitution_keeps_its_placeholder(check_json, repo):
    secret = SECRET.replace(
        "  name: ${UNIT}-backup\n", "  name: backup\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n"
    )
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a", INLINE), secret=secret)
    assert _hl402(check_json, root) == []


def test_a_kustomization_without_post_build_applies_the_text_as_written(check_json, repo):
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a"))
    assert _hl402(check_json, root) == []


def test_a_substitute_from_a_parent_patch_the_model_applies_is_seen(check_json, repo):
    """The parent patches substituteFrom into its children: the child's variable may come from it."""
    patch = (
        "  patches:\n    - target: {kind: Kustomization}\n      patch: |-\n"
        "        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n"
        "        metadata: {name: not-used}\n        spec:\n          postBuild:\n            substituteFrom:\n"
        "              - {kind: Secret, name: vars-a}\n"
    )
    secret = SECRET.replace("${UNIT}-backup-password", "${UNIT}-${OTHER:=pw}")
    root = repo(
        {
            "clusters/main/ks.yaml": flux_ks("apps", "./apps/list", patch),
            "apps/list/kustomization.yaml": KUSTOMIZATION.replace("./secret.yaml", "./ks.yaml"),
            "apps/list/ks.yaml": flux_ks("ks-a", "./apps/app-a", INLINE),
            "apps/app-a/kustomization.yaml": KUSTOMIZATION,
            "apps/app-a/secret.yaml": secret,
        }
    )
    assert _hl402(check_json, root) == []


def test_an_inline_value_its_parent_substitutes_is_not_judged(check_json, repo):
    """`UNIT: ${BASE}-a` is the parent's to substitute, and the parent reads BASE from a ConfigMap."""
    parent = "  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: vars-a}\n"
    cluster_vars = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-a, namespace: flux-system}\ndata: {BASE: base-a}\n"
    root = repo(
        {
            "clusters/main/ks.yaml": flux_ks("apps", "./apps/list", parent),
            "clusters/main/vars.yaml": cluster_vars,
            "apps/list/kustomization.yaml": KUSTOMIZATION.replace("./secret.yaml", "./ks.yaml"),
            "apps/list/ks.yaml": flux_ks("ks-a", "./apps/app-a", INLINE.replace("unit-a", "${BASE}-a")),
            "apps/app-a/kustomization.yaml": KUSTOMIZATION,
            "apps/app-a/secret.yaml": SECRET,
        }
    )
    assert _hl402(check_json, root) == []


def test_the_exemptions_are_judged_on_the_substituted_value(check_json, repo):
    """A reserved documentation host and an empty value hold no secret, substituted or not."""
    secret = SECRET.replace("REPO_PASSWORD: ${UNIT}-backup-password", "HOST: ${HOST}\n  EMPTY: ${NONE:=}")
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a", INLINE + "      HOST: db.example.com\n"), secret=secret)
    assert _hl402(check_json, root) == []


def test_a_secret_no_flux_kustomization_applies_is_not_substituted(check_json, repo):
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a", INLINE), more={"archive/secret.yaml": SECRET})
    assert [f["path"] for f in _hl402(check_json, root)] == ["apps/app-a/secret.yaml"]


def test_a_value_that_only_names_a_variable_flux_cannot_parse_holds_no_secret(check_json, repo):
    """`${group.KEY}` is no Flux variable name: substitution fails on it (HL204 says so) and the
    build applies nothing; the value names a secret kept elsewhere, it writes none, so no HL402."""
    secret = SECRET.replace("${UNIT}-backup-password", "${group.KEY_B}").replace("${UNIT}-backup", "secret-a")
    root = _repo(repo, flux_ks("ks-a", "./apps/app-a", INLINE), secret=secret)
    _, findings = check_json(root)
    assert [f["rule"] for f in findings if f["rule"] in ("HL204", "HL402")] == ["HL204"]
    literal = _repo(repo, flux_ks("ks-a", "./apps/app-a", INLINE), secret=secret.replace("${group.KEY_B}", "group.KEY_B"))
    assert [f["rule"] for f in _hl402(check_json, literal)] == ["HL402"]  # the control: a word written out is plaintext
