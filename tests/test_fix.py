"""`homelint check --fix` / `--diff`: minimal text patches that keep comments, quoting and layout."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from homelint.cli import main
from homelint.core.model import Finding, Span
from homelint.rules.registry import builtin_rules

ROOT_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 1h
  targetNamespace: default
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""

WIDGET_BEFORE = """\
---
# a widget: comments stay
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w   # trailing comment
  labels:
    enabled: true     # keep me
    count: 3
    quoted: 'yes'
  annotations: {replicas: 2, note: "x"}  # kustomize writes annotations as strings: nothing to fix
spec:
  size: 1
"""

WIDGET_AFTER = """\
---
# a widget: comments stay
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w   # trailing comment
  labels:
    enabled: "true"     # keep me
    count: "3"
    quoted: 'yes'
  annotations: {replicas: 2, note: "x"}  # kustomize writes annotations as strings: nothing to fix
spec:
  size: 1
"""

CM_BEFORE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm  # homelint: ignore[HL101] -- stale
  # homelint: ignore[HL604]
  labels:
    app: cm
data:
  a: b  # homelint: ignore[HL402] -- gone # a note that stays
"""

CM_AFTER = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  labels:
    app: cm
data:
  a: b  # a note that stays
"""


def make_repo(root: Path, files: dict[str, str]) -> Path:
    files = {
        ".homelint.yaml": "flux:\n  roots: [cluster]\n",
        "cluster/apps.yaml": ROOT_KS,
        "apps/kustomization.yaml": "resources:\n" + "".join(f"  - ./{Path(p).name}\n" for p in files),
        **{f"apps/{name}": text for name, text in files.items()},
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / ".git").mkdir()
    return root


def check(root: Path, *args: str):
    return CliRunner().invoke(main, ["check", str(root), "--no-cache", "-q", *args], catch_exceptions=False)


def rules_of(root: Path) -> list[str]:
    result = check(root, "--format", "json")
    return sorted(f["rule"] for f in json.loads(result.stdout))


def test_hl604_quotes_values_and_keeps_everything_else(tmp_path):
    root = make_repo(tmp_path, {"widget.yaml": WIDGET_BEFORE})
    assert rules_of(root).count("HL604") == 2
    result = check(root, "--fix")
    assert (root / "apps/widget.yaml").read_text() == WIDGET_AFTER
    assert "Fixed 2 findings in 1 file (apps/widget.yaml)" in result.stderr
    assert "HL604" not in rules_of(root)


def test_diff_changes_nothing(tmp_path):
    root = make_repo(tmp_path, {"widget.yaml": WIDGET_BEFORE})
    result = check(root, "--diff")
    assert result.exit_code == 1
    assert "-    enabled: true     # keep me\n" in result.stdout
    assert '+    enabled: "true"     # keep me\n' in result.stdout
    assert result.stdout.startswith("--- a/apps/widget.yaml\n+++ b/apps/widget.yaml\n")
    assert (root / "apps/widget.yaml").read_text() == WIDGET_BEFORE
    assert "Would fix 2 findings in 1 file." in result.stderr


def test_hl005_removes_unused_suppressions(tmp_path):
    root = make_repo(tmp_path, {"cm.yaml": CM_BEFORE})
    assert rules_of(root).count("HL005") == 3
    result = check(root, "--fix")
    assert (root / "apps/cm.yaml").read_text() == CM_AFTER
    assert "Fixed 3 findings in 1 file" in result.stderr and "; 0 findings left." in result.stderr
    assert result.exit_code == 0


def test_hl005_keeps_a_comment_that_still_suppresses(tmp_path):
    text = CM_BEFORE.replace("  name: cm  # homelint: ignore[HL101] -- stale\n", "  name: cm\n").replace(
        "    app: cm\n", "    app: cm\n    on: true  # homelint: ignore[HL604, HL101] -- half used\n"
    )
    root = make_repo(tmp_path, {"cm.yaml": text})
    before = rules_of(root)
    assert before.count("HL005") == 3  # own-line HL604, HL402, and HL101 of the half-used comment
    check(root, "--fix")
    after = (root / "apps/cm.yaml").read_text()
    assert "# homelint: ignore[HL604, HL101] -- half used" in after  # still suppresses HL604
    assert "on: true" in after  # a suppressed finding is not fixed
    assert "  # homelint: ignore[HL604]\n" not in after and "ignore[HL402]" not in after


def test_symlink_is_not_written_through(tmp_path):
    root = make_repo(tmp_path / "repo", {"widget.yaml": WIDGET_BEFORE})
    real = root / "apps" / "real-widget.yaml"
    os.replace(root / "apps/widget.yaml", real)
    (root / "apps/widget.yaml").symlink_to(real.name)
    (root / "apps/kustomization.yaml").write_text("resources:\n  - ./widget.yaml\n")
    result = check(root, "--fix")
    assert real.read_text() == WIDGET_BEFORE
    assert "apps/widget.yaml: a symlink, not written through" in result.stderr
    assert "Fixed 0 findings in 0 files" in result.stderr


def test_atomic_write_keeps_the_mode(tmp_path):
    root = make_repo(tmp_path, {"widget.yaml": WIDGET_BEFORE})
    target = root / "apps/widget.yaml"
    target.chmod(0o640)
    check(root, "--fix")
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []


def test_a_fix_that_would_change_other_data_is_refused(tmp_path):
    from homelint.engine.fix import _verified

    def to_true(_where, was, now):
        return was is True and now == "true"

    before = "metadata:\n  labels:\n    a: true\n"
    assert _verified("x.yaml", before, before.replace("true", '"true"'), [to_true])
    assert not _verified("x.yaml", before, before.replace("a: true", 'b: "true"'), [to_true])
    assert not _verified("x.yaml", before, before.replace("true", '"true" # x\n  b: 1'), [to_true])
    assert not _verified("x.yaml", before, before.replace("true", '"false"'), [to_true])


@pytest.mark.parametrize("rule", ["HL005", "HL604", "HL602", "HL603", "HL606"])
def test_rules_show_fixable(rule, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    listing = json.loads(CliRunner().invoke(main, ["rules", "--format", "json"]).output)
    fixable = {r["id"]: r["fix"] for r in listing if r["fixable"]}
    assert fixable.get(rule) == "safe" and "HL101" not in fixable
    text = CliRunner().invoke(main, ["rules"]).output
    assert "[fixable: --fix]" in next(line for line in text.splitlines() if line.startswith(rule))


@pytest.mark.parametrize("rule", ["HL102", "HL105", "HL107"])
def test_rules_show_unsafe_fixes(rule, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    listing = json.loads(CliRunner().invoke(main, ["rules", "--format", "json"]).output)
    assert next(r for r in listing if r["id"] == rule)["fix"] == "unsafe"
    text = CliRunner().invoke(main, ["rules"]).output
    assert "[fixable: --unsafe-fixes]" in next(line for line in text.splitlines() if line.startswith(rule))


# HL601 is not listed as fixable: only its findings of unquoted label values (HL604's, on the kinds
# HL601 has schemas for) take HL604's fix, its other schema findings have none
PARTLY_FIXED = {"HL601"}


def test_every_fixable_rule_registers_its_fixer_and_no_other_rule_does():
    from homelint.engine.fix import fixers

    marked = {rule_id for rule_id, meta in builtin_rules().items() if meta.fixable}
    assert set(fixers()) == marked | PARTLY_FIXED
    assert all(builtin_rules()[r].fix_safety == "safe" for r in PARTLY_FIXED)


def test_an_unsafe_fix_is_left_to_unsafe_fixes_by_its_rule_yaml(tmp_path, monkeypatch):
    from homelint.engine import fix

    finding = Finding("HL005", "a.yaml", Span(1, 7, 1, 8), "unused suppression: no finding on line 1", "", "warning", "x")
    assert fix.safe(finding)
    unsafe = replace(builtin_rules()["HL005"], fix_safety="unsafe")
    monkeypatch.setitem(builtin_rules(), "HL005", unsafe)
    (tmp_path / "a.yaml").write_text("a: 1  # homelint: ignore[HL101] -- x\n")
    assert not fix.safe(finding)
    assert fix.plan(tmp_path, [finding]).unsafe == 1
    assert fix.plan(tmp_path, [finding], unsafe=True).fixed == 1


def test_a_label_of_a_built_in_kind_is_quoted_too(tmp_path):
    """HL604 judges the labels of every kind (kustomize-controller drops them all when one is not a
    string), so a ConfigMap's gets its fix, and no second finding from HL601."""
    before = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    on: 1.5  # why\ndata:\n  a: b\n"
    root = make_repo(tmp_path, {"c.yaml": before})
    assert rules_of(root) == ["HL604"]
    check(root, "--fix")
    assert (root / "apps/c.yaml").read_text() == before.replace("on: 1.5", 'on: "1.5"')


def test_crlf_and_bare_ignore(tmp_path):
    before = "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c  # homelint: ignore\r\ndata:\r\n  a: b\r\n"
    root = make_repo(tmp_path, {"c.yaml": ""})
    (root / "apps/c.yaml").write_bytes(before.encode())
    check(root, "--fix")
    assert (root / "apps/c.yaml").read_bytes() == before.replace("  # homelint: ignore", "").encode()


def write_repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in {".homelint.yaml": "flux:\n  roots: [cluster]\n", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / ".git").mkdir(exist_ok=True)
    return root


FLUX_25 = 'flux:\n  roots: [cluster]\nversions:\n  flux: "2.5"\n'

RELEASE_BEFORE = """\
---
# a release
apiVersion: "helm.toolkit.fluxcd.io/v2beta2"  # old
kind: HelmRelease
metadata:
  name: hr
spec:
  interval: 1h
  chart:
    spec:
      chart: podinfo
      version: 6.0.0
      sourceRef:
        kind: HelmRepository
        name: podinfo
        namespace: default
  values: &v
    a: 1
---
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: HelmRepository
metadata:
  name: podinfo
spec:
  interval: 1h
  url: https://example.com
"""


def test_deprecated_api_versions_become_the_served_replacement(tmp_path):
    root = make_repo(tmp_path, {"hr.yaml": RELEASE_BEFORE})
    (root / ".homelint.yaml").write_text(FLUX_25)
    assert rules_of(root).count("HL603") == 2
    result = check(root, "--fix")
    after = (root / "apps/hr.yaml").read_text()
    assert after == RELEASE_BEFORE.replace('"helm.toolkit.fluxcd.io/v2beta2"', '"helm.toolkit.fluxcd.io/v2"').replace(
        "source.toolkit.fluxcd.io/v1beta2", "source.toolkit.fluxcd.io/v1"
    )
    assert "Fixed 2 findings in 1 file" in result.stderr
    assert "HL603" not in rules_of(root)


@pytest.mark.parametrize("version_at", ["v2beta2", "v2"])
def test_an_api_version_a_patch_target_selects_by_version_is_left_to_the_user(tmp_path, version_at):
    """tyriis: a patch whose target names `version: v2beta2` stops selecting the release once its
    apiVersion is v2 (one naming v2 starts to): the fix would change which patches apply, so the
    finding says so and --fix leaves the file."""
    patches = (
        "patches:\n  - target: {group: helm.toolkit.fluxcd.io, version: " + version_at + ", kind: HelmRelease}\n"
        "    patch: |\n      - op: add\n        path: /spec/timeout\n        value: 10m\n"
    )
    root = make_repo(tmp_path, {"hr.yaml": RELEASE_BEFORE})
    (root / ".homelint.yaml").write_text(FLUX_25)
    kustomization = root / "apps/kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + patches)
    findings = json.loads(check(root, "--format", "json").stdout)
    (release,) = [f for f in findings if f["rule"] == "HL603" and "HelmRelease" in f["message"]]
    assert release["message"].endswith(
        "; a patch target in apps/kustomization.yaml selects HelmReleases by version: change its version with the apiVersion"
    )
    check(root, "--fix")
    after = (root / "apps/hr.yaml").read_text()
    assert '"helm.toolkit.fluxcd.io/v2beta2"' in after  # left as it was
    assert "source.toolkit.fluxcd.io/v1\n" in after  # the HelmRepository: no target names its kind


def test_removed_api_version_is_fixed_to_what_the_installed_flux_serves(tmp_path):
    root = make_repo(tmp_path, {"hr.yaml": RELEASE_BEFORE})
    (root / ".homelint.yaml").write_text(FLUX_25.replace("2.5", "2.8"))
    assert rules_of(root).count("HL602") == 2
    check(root, "--fix")
    assert "v1beta2" not in (root / "apps/hr.yaml").read_text() and "HL602" not in rules_of(root)


@pytest.mark.parametrize(
    ("modeline", "after"),
    [
        (
            "https://schemas.example.invalid/helm.toolkit.fluxcd.io/helmrelease_v2beta2.json",
            "https://schemas.example.invalid/helm.toolkit.fluxcd.io/helmrelease_v2.json",
        ),
        ("https://schemas.example.invalid/charts/helmrelease-helm-v2beta2.schema.json", None),  # the same word: changed
        ("../schemas/helmrelease_v2beta2.json", ""),  # a repository file: the new one may not exist, left
        ("https://schemas.example.invalid/helmrelease.json", ""),  # names no version: left
    ],
)
def test_an_api_version_fix_updates_a_schema_comment_that_names_the_old_version(tmp_path, modeline, after):
    """A `$schema` comment written for the old version (kubernetes-schemas' helmrelease_v2beta2.json)
    would make the next run report HL806 against the fixed apiVersion; it changes with it when it
    is a remote URL naming the old version once (martinohmann)."""
    before = RELEASE_BEFORE.replace(
        'apiVersion: "helm.toolkit.fluxcd.io/v2beta2"',
        f'# yaml-language-server: $schema={modeline}\napiVersion: "helm.toolkit.fluxcd.io/v2beta2"',
    )
    assert before != RELEASE_BEFORE
    root = make_repo(tmp_path, {"hr.yaml": before})
    (root / ".homelint.yaml").write_text(FLUX_25)
    check(root, "--fix")
    fixed = (root / "apps/hr.yaml").read_text()
    expected = modeline.replace("v2beta2", "v2") if after is None else after or modeline
    assert f"# yaml-language-server: $schema={expected}\n" in fixed
    assert 'apiVersion: "helm.toolkit.fluxcd.io/v2"' in fixed and "source.toolkit.fluxcd.io/v1\n" in fixed
    assert "HL603" not in rules_of(root)


def test_upgrade_preview_fix_only_when_both_releases_serve_the_replacement(tmp_path):
    text = RELEASE_BEFORE.replace("helm.toolkit.fluxcd.io/v2beta2", "helm.toolkit.fluxcd.io/v2")
    root = make_repo(tmp_path, {"hr.yaml": text})
    preview = ("--target", "flux=2.8", "--select", "HL606")
    (root / ".homelint.yaml").write_text(FLUX_25.replace("2.5", "2.2"))
    assert "HL606" in check(root, *preview).stdout
    # Flux 2.2 does not serve source.toolkit.fluxcd.io/v1 HelmRepository (2.3 does): not offered
    assert check(root, "--diff", *preview).stdout == ""
    (root / ".homelint.yaml").write_text(FLUX_25.replace("2.5", "2.3"))
    result = check(root, "--diff", *preview)
    assert "-apiVersion: source.toolkit.fluxcd.io/v1beta2\n+apiVersion: source.toolkit.fluxcd.io/v1\n" in result.stdout


def test_api_version_with_a_removed_field_is_not_fixed(tmp_path):
    legacy = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata:
  name: legacy
  namespace: default
spec:
  interval: 1h
  path: ./nowhere
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
    namespace: flux-system
  patchesStrategicMerge:
    - kind: Deployment
"""
    post = RELEASE_BEFORE.replace(
        "  values: &v\n", "  postRenderers:\n    - kustomize:\n        patchesJson6902: []\n  values: &v\n"
    )
    root = make_repo(tmp_path, {"legacy.yaml": legacy, "hr.yaml": post})
    (root / ".homelint.yaml").write_text(FLUX_25)
    result = check(root, "--fix")
    assert (root / "apps/legacy.yaml").read_text() == legacy
    assert (
        "HL603 not fixed: Kustomization kustomize.toolkit.fluxcd.io/v1 does not take spec.patchesStrategicMerge" in result.stderr
    )
    assert "spec.postRenderers[0].kustomize.patchesJson6902" in result.stderr
    assert "helm.toolkit.fluxcd.io/v2beta2" in (root / "apps/hr.yaml").read_text()
    assert "source.toolkit.fluxcd.io/v1\n" in (root / "apps/hr.yaml").read_text()  # the other object still is


CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n"


def test_unwired_manifest_is_listed_in_sorted_place_only_with_unsafe_fixes(tmp_path):
    root = make_repo(tmp_path, {name: CONFIGMAP.format(name=name[:-5]) for name in ("a.yaml", "c.yaml", "b.yaml", "d.yaml")})
    kfile = root / "apps/kustomization.yaml"
    kfile.write_text("---\nresources:\n  # first\n  - ./a.yaml\n  - ./c.yaml  # c\n")
    assert rules_of(root).count("HL102") == 2
    result = check(root, "--fix")
    assert "2 more fixes with --unsafe-fixes" in result.stderr and "HL102" in rules_of(root)
    result = check(root, "--fix", "--unsafe-fixes")
    assert kfile.read_text() == "---\nresources:\n  # first\n  - ./a.yaml\n  - ./b.yaml\n  - ./c.yaml  # c\n  - ./d.yaml\n"
    assert "Fixed 2 findings in 1 file (apps/kustomization.yaml); 0 findings left." in result.stderr


def test_unwired_manifest_is_appended_to_an_unsorted_list_as_its_neighbours_are_written(tmp_path):
    root = make_repo(tmp_path, {name: CONFIGMAP.format(name=name[:-5]) for name in ("b.yaml", "a.yaml", "c.yaml")})
    kfile = root / "apps/kustomization.yaml"
    kfile.write_text("resources:\n- 'b.yaml'\n- 'a.yaml'")
    check(root, "--fix", "--unsafe-fixes")
    assert kfile.read_text() == "resources:\n- 'b.yaml'\n- 'a.yaml'\n- 'c.yaml'\n"


def test_unwired_manifest_beside_an_entry_naming_a_missing_file_is_left_to_the_user(tmp_path):
    """`- ./a-renamed.yaml` lists nothing that exists and a.yaml is unlisted: perhaps a rename, so
    which entry is meant is the user's call, and the reason says so (not "does not list files")."""
    root = make_repo(tmp_path, {"a.yaml": CONFIGMAP.format(name="a")})
    (root / "apps/kustomization.yaml").write_text("resources:\n  - ./a-renamed.yaml\n")
    result = check(root, "--diff", "--unsafe-fixes")
    assert result.stdout == ""
    assert (
        "HL102 not fixed: apps/kustomization.yaml lists './a-renamed.yaml', which does not exist (HL101): fix that "
        "entry first (it may name this file)" in result.stderr
    )


@pytest.mark.parametrize(
    ("kustomization", "why"),
    [
        ("resources: [./a.yaml]\n", "has no block `resources:` list"),  # flow style: not a list of lines
        ("resources:\n  - ./sub\n", "lists no file of its own folder"),  # folders only
        ("resources:\n  - ./sub/ks.yaml\n", "lists no file of its own folder"),  # files of a subfolder (coolguy1771)
        ("resources:\n  - ./a.yaml\n---\nfoo: bar\n", "is not one clean YAML document"),  # two documents
    ],
)
def test_unwired_manifest_is_not_wired_where_the_list_is_not_one_file_per_line(tmp_path, kustomization, why):
    root = make_repo(tmp_path, {"a.yaml": CONFIGMAP.format(name="a"), "b.yaml": CONFIGMAP.format(name="b")})
    (root / "apps/sub").mkdir()
    (root / "apps/sub/kustomization.yaml").write_text("resources: [./ks.yaml]\n")
    (root / "apps/sub/ks.yaml").write_text(CONFIGMAP.format(name="s"))
    (root / "apps/kustomization.yaml").write_text(kustomization)
    result = check(root, "--diff", "--unsafe-fixes")
    assert result.stdout == "" and f"HL102 not fixed: apps/kustomization.yaml {why}" in result.stderr


NAMESPACED_KS = ROOT_KS.replace("  targetNamespace: default\n", "")

RELEASE_IN_APPS = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: hr
  namespace: apps
spec:
  interval: 1h
  dependsOn:
    - name: db   # the database
  chart:
    spec:
      chart: podinfo
      version: 6.0.0
      sourceRef:
        kind: HelmRepository
        name: podinfo
"""

OTHERS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: apps
---
apiVersion: v1
kind: Namespace
metadata:
  name: data
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 1h
  url: https://example.com
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: db
  namespace: data
spec:
  interval: 1h
  chart:
    spec:
      chart: db
      version: 1.0.0
      sourceRef:
        kind: HelmRepository
        name: podinfo
        namespace: flux-system
"""


def test_missing_namespace_of_a_reference_is_added_when_one_namespace_holds_the_target(tmp_path):
    root = make_repo(tmp_path, {"hr.yaml": RELEASE_IN_APPS, "others.yaml": OTHERS})
    (root / "cluster/apps.yaml").write_text(NAMESPACED_KS)
    assert {"HL105", "HL107"} <= set(rules_of(root))
    check(root, "--fix", "--unsafe-fixes")
    assert (root / "apps/hr.yaml").read_text() == RELEASE_IN_APPS.replace(
        "    - name: db   # the database\n", "    - name: db   # the database\n      namespace: data\n"
    ).replace("        name: podinfo\n", "        name: podinfo\n        namespace: flux-system\n")
    assert not {"HL105", "HL107"} & set(rules_of(root))


def test_missing_namespace_is_left_when_several_namespaces_hold_the_target(tmp_path):
    twin = OTHERS.split("---\n")[3].replace("namespace: data", "namespace: apps2")
    ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps2\n"
    root = make_repo(tmp_path, {"hr.yaml": RELEASE_IN_APPS, "others.yaml": OTHERS, "twin.yaml": twin, "ns.yaml": ns})
    (root / "cluster/apps.yaml").write_text(NAMESPACED_KS)
    message = next(f["message"] for f in json.loads(check(root, "--format", "json").stdout) if f["rule"] == "HL105")
    assert "several namespaces ('apps2', 'data')" in message
    result = check(root, "--diff", "--unsafe-fixes")
    assert "a/apps/hr.yaml" in result.stdout  # the sourceRef (one candidate) is fixed ...
    assert "namespace: data" not in result.stdout and "namespace: apps2" not in result.stdout  # ... dependsOn is not


def test_add_ignore_suppresses_every_current_finding(tmp_path):
    widget = WIDGET_BEFORE.replace("    count: 3\n", "    count: 3  # homelint: ignore[HL101] -- old\n")
    root = make_repo(tmp_path, {"widget.yaml": widget, "hr.yaml": RELEASE_BEFORE})
    (root / ".homelint.yaml").write_text(FLUX_25)
    before = json.loads(check(root, "--format", "json").stdout)
    assert len(before) >= 5
    result = check(root, "--add-ignore")
    assert "; 1 finding left." in result.stderr  # the unused suppression (HL005 is never suppressed)
    text = (root / "apps/widget.yaml").read_text()
    assert "    enabled: true     # keep me  # homelint: ignore[HL604] -- TODO\n" in text
    assert "    count: 3  # homelint: ignore[HL101, HL604] -- old\n" in text  # added to the comment on the line
    assert "HL005" not in text  # an unused suppression is never suppressed
    assert json.loads(check(root, "--format", "json").stdout) == [f for f in before if f["rule"] == "HL005"]


def test_unwired_manifest_goes_to_its_place_in_a_nearly_sorted_list(tmp_path):
    names = [f"{c}.yaml" for c in "abcdefghijkl"]
    listed = [n for n in names if n not in ("c.yaml", "k.yaml")]
    listed[5], listed[6] = listed[6], listed[5]  # one entry out of place among ten
    root = make_repo(tmp_path, {n: CONFIGMAP.format(name=n[:-5]) for n in names})
    kfile = root / "apps/kustomization.yaml"
    kfile.write_text("resources:\n" + "".join(f"  - ./{n}\n" for n in listed))
    check(root, "--fix", "--unsafe-fixes")
    entries = [line[4:] for line in kfile.read_text().splitlines()[1:]]
    assert entries.index("./c.yaml") == 2 and entries.index("./k.yaml") == entries.index("./l.yaml") - 1


def test_add_ignore_leaves_a_line_inside_a_block_scalar_and_suppresses_the_rest(tmp_path):
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    on: true\ndata:\n  script: |\n    echo ${HOST}\n"
    )
    root = make_repo(tmp_path, {"c.yaml": text})
    # another Kustomization provides HOST, this one has no postBuild: ${HOST} reaches the cluster
    # literally (HL205, on a line inside the block scalar)
    other = (
        ROOT_KS.replace("name: apps", "name: other").replace("./apps", "./other")
        + "  postBuild:\n    substitute:\n      HOST: h\n"
    )
    (root / "cluster/other.yaml").write_text(other)
    (root / "other").mkdir()
    (root / "other/kustomization.yaml").write_text("resources:\n  - ./d.yaml\n")
    (root / "other/d.yaml").write_text(CONFIGMAP.format(name="d"))
    found = {(f["rule"], f["line"]) for f in json.loads(check(root, "--format", "json").stdout)}
    assert ("HL205", 9) in found and any(line == 6 for _, line in found)
    result = check(root, "--add-ignore")
    after = (root / "apps/c.yaml").read_text()
    assert "    echo ${HOST}\n" in after and after.count("homelint: ignore") == 1
    assert "apps/c.yaml:9: not suppressed: a comment there would be part of a string" in result.stderr
    assert {(f["rule"], f["line"]) for f in json.loads(check(root, "--format", "json").stdout)} == {("HL205", 9)}


def test_a_fixer_registered_by_a_rule_unit_is_applied_without_the_engine_naming_it(tmp_path, monkeypatch):
    from homelint.engine import fix
    from homelint.rules import fixing

    def to_two(file: fixing.FixFile, finding: Finding) -> fixing.Edit | str:
        at = file.offset(finding.span.line, finding.span.column)
        return fixing.Edit(at, at + 1, "2", finding, lambda where, was, now: where == (0, "count") and (was, now) == (1, 2))

    monkeypatch.setattr(fixing, "_FIXERS", dict(fixing._FIXERS))
    fixing.fixes("HL101", when=lambda f: f.message == "one")(fixing.each(to_two))
    (tmp_path / "a.yaml").write_text("count: 1  # keep\n")
    one = Finding("HL101", "a.yaml", Span(1, 8, 1, 9), "one", "", "error", "x")
    other = Finding("HL101", "a.yaml", Span(1, 8, 1, 9), "other", "", "error", "x")
    report = fix.plan(tmp_path, [one, other])
    assert [(f.path, f.after, [x.message for x in f.fixed]) for f in report.files] == [("a.yaml", "count: 2  # keep\n", ["one"])]
