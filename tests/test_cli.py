"""The command line as a user meets it: exit codes, formats, selection, config errors, cache."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import FIXTURES, cache_dir

DEMO = FIXTURES / "demo"


def test_exit_codes_are_0_clean_1_findings_2_usage(run, tmp_path):
    assert run("check", str(FIXTURES / "clean"), "--no-cache").exit_code == 0
    assert run("check", str(DEMO), "--no-cache").exit_code == 1
    assert run("check", str(DEMO), "--no-cache", "--exit-zero").exit_code == 0
    assert run("check", str(tmp_path / "missing")).exit_code == 2
    assert run("check", "--format", "nope").exit_code == 2


def test_fail_level_decides_whether_warnings_fail(run):
    only_warning = FIXTURES / "rules" / "HL503" / "bad"  # an image tagged latest: a warning
    assert run("check", str(only_warning), "--no-cache").exit_code == 0
    assert run("check", str(only_warning), "--no-cache", "--fail-level", "warning").exit_code == 1
    assert run("check", str(only_warning), "--no-cache", "--fail-level", "warning", "--exit-zero").exit_code == 0


def test_repo_without_flux_says_so_once(run, repo):
    root = repo({"kubernetes/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
    result = run("check", str(root), "--no-cache")
    assert result.exit_code == 0
    assert result.output.count("note: no Flux Kustomization found") == 1
    # nothing in the repository says which tool it is for: the note guesses none
    assert "(not a Flux repository? otherwise set flux.roots in .homelint.yaml)" in result.output
    assert "Argo" not in result.output
    # the rules that run without Flux but build nothing then say so, instead of passing silently
    assert "HL108, HL109, HL114 look for kustomize build failures" in result.output


def test_json_output_shape_and_order(check_json):
    _, findings = check_json(DEMO)
    keys = {"rule", "name", "severity", "path", "line", "column", "end_line", "end_column", "message", "fix", "fingerprint"}
    assert all(set(f) == keys for f in findings)
    order = [(f["path"], f["line"], f["column"], f["rule"]) for f in findings]
    assert order == sorted(order)
    assert all(
        f["line"] >= 1 and f["column"] >= 1 and f["end_column"] > f["column"] - (f["end_line"] > f["line"]) * 999
        for f in findings
    )
    assert all("/" in f["path"] and "\\" not in f["path"] and not f["path"].startswith("/") for f in findings)


def test_select_and_ignore_take_ids_and_prefixes(check_json):
    _, only_wiring = check_json(DEMO, "--select", "HL1")
    assert {f["rule"][:3] for f in only_wiring} == {"HL1"}
    _, without = check_json(DEMO, "--ignore", "HL1,HL402")
    assert not any(f["rule"].startswith("HL1") or f["rule"] == "HL402" for f in without)


def test_text_output_has_frame_fix_and_summary(run):
    result = run("check", str(DEMO), "--no-cache", "--select", "HL105", "--color", "never")
    out = result.output
    assert "kubernetes/apps/default/paperless/ks.yaml:16:13: HL105 [error]" in out
    assert "16 |     - name: external-secret" in out and "^^^^" in out
    assert "fix:" in out and out.rstrip().endswith("in 29 YAML files.")


def test_statistics_and_quiet(run):
    out = run("check", str(DEMO), "--no-cache", "--statistics", "-q").output
    assert "    1  HL105  dangling-dependency [error]" in out
    assert "  fix:" not in out


def test_output_file_is_written_atomically(run, tmp_path):
    target = tmp_path / "report.json"
    result = run("check", str(DEMO), "--no-cache", "--format", "json", "--output", str(target))
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(target.read_text())
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_output_and_baseline_files_get_the_umask_mode_and_a_missing_folder_is_a_usage_error(run, tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        assert run("check", str(DEMO), "--no-cache", "-o", str(tmp_path / "report.txt")).exit_code == 1
        assert run("check", str(DEMO), "--no-cache", "--write-baseline", str(tmp_path / "b.json")).exit_code == 0
        (tmp_path / "shared.sarif").write_text("")
        (tmp_path / "shared.sarif").chmod(0o664)  # an existing file keeps its mode
        run("check", str(DEMO), "--no-cache", "--format", "sarif", "-o", str(tmp_path / "shared.sarif"))
    finally:
        os.umask(mask)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"report.txt": 0o644, "b.json": 0o644, "shared.sarif": 0o664}
    for option in ("-o", "--write-baseline"):
        result = run("check", str(DEMO), "--no-cache", option, str(tmp_path / "missing" / "out"))
        assert result.exit_code == 2 and "does not exist" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_gitlab_code_quality_and_junit(run):
    import xml.etree.ElementTree as ET

    issues = json.loads(run("check", str(DEMO), "--no-cache", "--format", "gitlab").stdout)
    assert issues and {i["severity"] for i in issues} <= {"info", "minor", "major", "critical", "blocker"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    (secret,) = [i for i in issues if i["check_name"] == "HL402"]
    assert secret["severity"] == "critical" and secret["categories"] == ["Security"]
    assert secret["location"]["path"] == "kubernetes/apps/default/echo/app/secret.yaml"
    assert secret["location"]["positions"]["begin"]["line"] >= 1
    suites = ET.fromstring(run("check", str(DEMO), "--no-cache", "--format", "junit").stdout)
    assert int(suites.get("failures")) == len(issues) == len(suites.findall(".//testcase/failure"))
    assert suites.find(".//testcase[@file='kubernetes/apps/default/paperless/ks.yaml']") is not None
    clean = ET.fromstring(run("check", str(FIXTURES / "clean"), "--no-cache", "--format", "junit").stdout)
    assert clean.get("failures") == "0" and len(clean.findall(".//testcase")) == 1


def test_config_errors_are_one_line_exit_2(run, repo):
    root = repo({".homelint.yaml": "selct: [HL1]\n"})
    result = run("check", str(root))
    assert result.exit_code == 2
    assert "invalid config at '(top level)'" in result.stderr and "allowed keys" in result.stderr
    assert "Traceback" not in result.output
    root2 = repo({".homelint.yaml": "severity: {HL101: fatal}\n"})
    assert "severity.HL101" in run("check", str(root2)).stderr
    root3 = repo({".homelint.yaml": "a: [\n"})
    assert "invalid YAML" in run("check", str(root3)).stderr


@pytest.mark.parametrize(
    ("config", "where", "expected"),
    [
        # a kind, namespace and name: local-sources are read as name or namespace/name, this matched nothing
        ("flux: {local-sources: [GitRepository/flux-system/flux-system]}", "flux.local-sources.0", "name or namespace/name"),
        ("flux: {local-sources: [Flux-System]}", "flux.local-sources.0", "name or namespace/name"),
        # Kind/name: read as namespace 'GitRepository', which no namespace is
        ("flux: {external-sources: [GitRepository/repo-a]}", "flux.external-sources.0", "Kind/namespace/name"),
        ("flux: {external-sources: [Widget/ns-a/repo-a]}", "flux.external-sources.0", "Kind/namespace/name"),
        # a Secret is namespace/name or name; three parts are only SecretStore/namespace/name
        ("secrets: {external: [Secret/ns-a/secret-a]}", "secrets.external.0", "namespace/name or name of a Secret"),
        ("claims: {external: [ns-a/claim-a/x]}", "claims.external.0", "namespace/name or name"),
        ("configmaps: {external: [ConfigMap/ns-a/cm-a]}", "configmaps.external.0", "namespace/name or name of a ConfigMap"),
        ("namespaces: {external: [ns-a/x]}", "namespaces.external.0", "a namespace name or glob"),
        ("versions: {flux: latest}", "versions.flux", "a version like 2.5.1"),
    ],
)
def test_config_list_entries_of_a_form_that_never_matches_are_refused(run, repo, config, where, expected):
    """An entry of flux.local-sources, flux.external-sources, secrets/configmaps/claims/namespaces.external
    that can never match what the key is compared with (a form the key does not read) was taken
    and did nothing: it is a config error (exit 2) that says what form is expected."""
    result = run("check", str(repo({".homelint.yaml": config + "\n"})), "--no-cache")
    assert result.exit_code == 2
    assert f"invalid config at '{where}': expected {expected}" in result.stderr
    assert "rule ID" not in result.stderr


def test_config_list_entries_of_every_documented_form_are_taken(run, repo):
    config = (
        "flux:\n  local-sources: [home-ops, flux-system/home-ops]\n"
        "  external-sources: [GitRepository/ns-a/repo-a, ns-a/repo-b, repo-c, OCIRepository/ns-a/app.v1]\n"
        "secrets: {external: [ns-a/secret-a, secret-b, 'ns-*/x-*', ClusterSecretStore/store-a, 'SecretStore/ns-a/*']}\n"
        "claims: {external: ['media/*', claim-a]}\n"
        "configmaps: {external: ['ns-a/*-vars', cm-a]}\n"
        "namespaces: {external: [ns-a, 'tenant-*']}\n"
    )
    assert run("check", str(repo({".homelint.yaml": config})), "--no-cache").exit_code in (0, 1)


def test_config_severity_and_per_path_ignores(check_json, repo):
    root = repo(
        {".homelint.yaml": "severity: {HL105: warning}\nper-path-ignores:\n  'kubernetes/apps/default/echo/**': [HL4, HL6]\n"},
        base="demo",
    )
    _code, findings = check_json(root)
    rules = {(f["rule"], f["severity"]) for f in findings}
    assert ("HL105", "warning") in rules
    assert not any(f["path"].startswith("kubernetes/apps/default/echo/") and f["rule"][:3] in ("HL4", "HL6") for f in findings)


def test_suppressions_and_unused_suppression(check_json, repo):
    demo = (FIXTURES / "demo" / "kubernetes/apps/default/paperless/ks.yaml").read_text()
    root = repo(
        {
            "kubernetes/apps/default/paperless/ks.yaml": demo.replace(
                "    - name: external-secret  #", "    - name: external-secret  # homelint: ignore[HL105] -- renamed next week #"
            ),
            "kubernetes/apps/default/echo/app/secret.yaml": "# homelint: ignore-file[HL402, HL999]\n"
            + (FIXTURES / "demo/kubernetes/apps/default/echo/app/secret.yaml").read_text(),
        },
        base="demo",
    )
    _, findings = check_json(root)
    rules = [f["rule"] for f in findings]
    assert "HL105" not in rules and "HL402" not in rules
    unused = [f for f in findings if f["rule"] == "HL005"]
    assert [u["message"] for u in unused] == ["suppression names unknown rule 'HL999'"]


def test_rules_and_rule_docs(run):
    listing = run("rules").output
    assert "HL101  missing-resource" in listing and "HL504  image-without-digest" in listing
    assert " off " in listing.split("HL504")[1].splitlines()[0]
    doc = run("rule", "HL301").output
    assert "## Bad" in doc and "## Good" in doc and "# homelint: ignore[HL301]" in doc
    assert run("rule", "unclaimed-volume").exit_code == 0
    assert run("rule", "HL999").exit_code == 2


def test_cache_is_used_and_cleaned(run, repo):
    root = repo({}, base="demo")
    first = run("check", str(root), "--format", "json").stdout
    assert cache_dir(root).is_dir() and not (root / ".homelint_cache").exists()  # the cache is the user's, not the repo's
    assert run("check", str(root), "--format", "json").stdout == first
    assert "Removed" in run("clean", str(root)).output and not cache_dir(root).exists()


def test_cache_notices_a_changed_file(check_json, run, repo):
    root = repo({}, base="clean")
    assert run("check", str(root)).exit_code == 0
    ks = root / "kubernetes/apps/default/echo/ks.yaml"
    ks.write_text(ks.read_text().replace("path: ./kubernetes/apps/default/echo/app", "path: ./kubernetes/apps/echo"))
    result = run("check", str(root), "--format", "json")
    # the path is now wrong (HL103) and the app folder is built by nothing (HL104)
    assert sorted(f["rule"] for f in json.loads(result.stdout)) == ["HL103", "HL104"]


def test_unchanged_repository_answers_without_loading_documents(run, repo, monkeypatch):
    import homelint.engine.runner as repo_module
    from homelint.engine.cache import Cache

    root = repo({}, base="demo")
    first = run("check", str(root), "--format", "json").stdout
    loaded: list[str] = []
    monkeypatch.setattr(Cache, "_files", lambda self: loaded.append("files.marshal") or {})
    monkeypatch.setattr(repo_module, "load_repo", lambda *a, **k: loaded.append("load_repo"))
    assert run("check", str(root), "--format", "json").stdout == first
    assert loaded == []


def test_editing_a_placeholder_doc_invalidates_the_cached_run(run, repo):
    root = repo(
        {
            ".homelint.yaml": "placeholders:\n  docs: [VARS.md]\n",
            "VARS.md": "Set ${APP_HOST} and ${GONE}.\n",
        },
        base="clean",
    )
    first = json.loads(run("check", str(root), "--format", "json", "--fail-level", "info").stdout)
    assert any(f["rule"] == "HL203" and "GONE" in f["message"] for f in first)
    (root / "VARS.md").write_text("Set ${APP_HOST}.\n")
    second = json.loads(run("check", str(root), "--format", "json", "--fail-level", "info").stdout)
    assert not any("GONE" in f["message"] for f in second)


def test_read_only_repo_runs_without_cache(run, repo):
    root = repo({}, base="clean")
    root.chmod(0o555)
    try:
        assert run("check", str(root)).exit_code == 0
    finally:
        root.chmod(0o755)


def test_path_inside_repo_limits_the_report(check_json):
    _, findings = check_json(DEMO / "kubernetes/apps/default/paperless")
    assert findings and all(f["path"].startswith("kubernetes/apps/default/paperless/") for f in findings)


def test_version_does_not_import_heavy_modules():
    code = (
        "import sys; sys.argv=['homelint','--version']\nfrom homelint.cli import main\ntry:\n  main()\nexcept SystemExit: pass\n"
        "print(sorted(m for m in ('networkx','jsonschema','sarif_om','ruamel.yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "[]"
    assert "homelint, version" in out


def test_github_annotations(run):
    out = run("check", str(DEMO), "--no-cache", "--format", "github", "--select", "HL105").stdout
    assert out.startswith("::error file=kubernetes/apps/default/paperless/ks.yaml,line=16,col=13,")
    assert "title=HL105 dangling-dependency::" in out


def test_graph_command_prints_mermaid_dot_and_json(run):
    mermaid = run("graph", str(FIXTURES / "clean")).output
    assert mermaid.startswith("flowchart LR") and "-->|dependsOn|" in mermaid
    default = mermaid.split('subgraph ns0["default"]\n', 1)[1].split("  end\n", 1)[0]  # grouped by namespace
    assert '["Kustomization/paperless"]' in default and "HelmRelease/echo" in default and "external-secrets" not in default
    dot = run("graph", str(FIXTURES / "clean"), "--format", "dot").output
    assert dot.startswith("digraph flux {")
    data = json.loads(run("graph", str(FIXTURES / "clean"), "--format", "json").output)
    edges = {(e["from"], e["to"], e["type"]) for e in data["edges"]}
    assert ("Kustomization/default/paperless", "Kustomization/external-secrets/external-secrets", "dependsOn") in edges
    assert ("HelmRelease/default/echo", "OCIRepository/flux-system/app-template", "source") in edges
    paths = {n["id"]: n["path"] for n in data["nodes"]}
    assert paths["OCIRepository/flux-system/app-template"].endswith(".yaml")  # a source has its file too
    # every object defined in a file says where; flux-system's GitRepository is made by bootstrap
    assert [n for n, path in paths.items() if not path] == ["GitRepository/flux-system/flux-system"]


def test_graph_path_narrows_and_big_graphs_warn(run, repo, monkeypatch):
    narrowed = json.loads(run("graph", str(FIXTURES / "clean/kubernetes/apps/default/echo"), "--format", "json").output)
    ids = {n["id"] for n in narrowed["nodes"]}
    assert "Kustomization/default/echo" in ids and "HelmRelease/default/echo" in ids
    assert "HelmRelease/default/paperless" not in ids  # defined elsewhere, not connected
    assert all(
        "HelmRelease/default/echo" in (e["from"], e["to"]) or "Kustomization/default/echo" in (e["from"], e["to"])
        for e in narrowed["edges"]
    )
    import homelint.report.graph as fluxgraph

    monkeypatch.setattr(fluxgraph, "MERMAID_MAX_EDGES", 3)
    result = run("graph", str(FIXTURES / "clean"))
    assert "over Mermaid's default limit of 3" in result.stderr and result.stdout.startswith("flowchart LR")
    assert run("graph", str(FIXTURES / "clean/nope")).exit_code == 2


def test_touched_but_unchanged_files_are_not_parsed_again(repo, monkeypatch):
    import os

    from homelint.engine.runner import load_repo
    from homelint.model.config import Config

    root = repo({}, base="demo")
    load_repo(root, Config())[1].save()
    for path in root.rglob("*.yaml"):
        os.utime(path, ns=(10**18, 10**18))  # new mtimes, same content
    import homelint.engine.runner as repo_module

    parsed: list[str] = []
    original = repo_module._parse_one
    monkeypatch.setattr(repo_module, "_parse_one", lambda args: parsed.append(args[1]) or original(args))
    load_repo(root, Config())
    assert parsed == []


def test_new_stats_of_touched_files_are_remembered(run, repo, monkeypatch):
    import os

    import homelint.engine.runner as repo_module

    root = repo({}, base="demo")
    first = run("check", str(root), "--format", "json").stdout
    for path in root.rglob("*.yaml"):
        os.utime(path, ns=(10**18, 10**18))
    assert run("check", str(root), "--format", "json").stdout == first  # hashed once, found unchanged
    hashed: list[bytes] = []
    original = repo_module.digest
    monkeypatch.setattr(repo_module, "digest", lambda raw: hashed.append(raw) or original(raw))
    assert run("check", str(root), "--format", "json").stdout == first
    assert hashed == []  # the new mtimes were saved: no file is read again


def test_positions_of_unchanged_files_come_from_the_cache(run, repo):
    root = repo({}, base="demo")
    first = run("check", str(root), "--format", "json").stdout
    spans = list(cache_dir(root).rglob("spans.marshal"))
    assert spans, "the span memo is written"
    hr = root / "kubernetes/apps/default/echo/app/helmrelease.yaml"
    hr.write_text(hr.read_text() + "# changed\n")  # one file changed: the others' positions are reused
    assert run("check", str(root), "--format", "json").stdout == first


def test_closed_pipe_is_quiet_and_keeps_the_exit_code():
    script = (
        f"{sys.executable} -m homelint check {DEMO} --no-cache | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}; "
        f"{sys.executable} -m homelint rules | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}"
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert done.stdout.split() == ["1", "0"]
    assert "Error" not in done.stderr and "error" not in done.stderr


def test_unknown_rule_selectors_are_usage_errors(run, repo):
    result = run("check", str(DEMO), "--no-cache", "--select", "HL99")
    assert result.exit_code == 2 and "unknown rule or prefix 'HL99'" in result.stderr
    root = repo({".homelint.yaml": "ignore: [HL777]\n"}, base="clean")
    assert "unknown rule or prefix 'HL777'" in run("check", str(root)).stderr


def test_docs_rules_md_is_generated_from_the_rules():
    from homelint.cli import rules_markdown
    from homelint.rules.registry import builtin_rules

    from .conftest import PROJECT

    committed = (PROJECT / "docs" / "rules.md").read_text()
    assert committed == rules_markdown(builtin_rules()), "run: homelint rules --format markdown > docs/rules.md"


def test_bare_ignore_rule_names_and_comments_that_are_text(check_json, repo):
    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n"
    root = repo(
        {
            # bare: every rule on the line, as noqa does for flake8
            "a/bare.yaml": secret + "  TOKEN: abc  # homelint: ignore -- test data\n",
            # a rule's name works as its ID does in `homelint rule NAME`
            "a/named.yaml": secret + "  TOKEN: abc  # homelint: ignore[plaintext-secret]\n",
            # text inside a block scalar or a quoted string is not a suppression
            "a/block.yaml": secret + "  TOKEN: abc\n  NOTE: |\n    # homelint: ignore-file[HL402]\n",
            "a/quoted.yaml": secret + '  TOKEN: abc\n  NOTE: "x  # homelint: ignore-file[HL402]"\n',
            "a/unused.yaml": "a: 1  # homelint: ignore\n",
            "a/malformed.yaml": "a: 1  # homelint: ignroe[HL101]\n",
        }
    )
    _, findings = check_json(root)
    got = sorted((f["path"], f["rule"]) for f in findings if f["rule"] in ("HL402", "HL005"))
    assert got == [
        ("a/block.yaml", "HL402"),
        ("a/malformed.yaml", "HL005"),
        ("a/quoted.yaml", "HL402"),
        ("a/unused.yaml", "HL005"),
    ]
    messages = {f["path"]: f["message"] for f in findings if f["rule"] == "HL005"}
    assert messages["a/unused.yaml"] == "unused suppression: no finding on line 1"
    assert "is not a suppression homelint understands" in messages["a/malformed.yaml"]


def test_schema_messages_name_yaml_types_never_the_value(check_json, repo):
    ks = (FIXTURES / "clean/kubernetes/apps/default/echo/ks.yaml").read_text()
    root = repo(
        {"kubernetes/apps/default/echo/ks.yaml": ks.replace("  prune: true", "  prune: true\n  timeout: true")}, base="clean"
    )
    _, findings = check_json(root)
    (message,) = [f["message"] for f in findings if f["rule"] == "HL601"]
    # the type in YAML's words; the value itself is never shown (it may be a secret: issue 14)
    assert message.endswith("spec.timeout must be a string, not a boolean"), message


def test_a_folder_argument_without_a_marker_is_its_own_root_and_says_so(run, tmp_path, monkeypatch):
    """With no .git or .homelint.yaml, which folder is the repository cannot be known: the folder
    given is the root (a parent folder of checkouts is no repository). Given from a folder above
    it, the run says so once: `clusters/` as the root misses the `./apps` its Kustomization builds."""
    tree = {
        "clusters/main/ks.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
            "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
        ),
        "apps/kustomization.yaml": "resources: [./cm.yaml]\n",
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\ndata: {k: v}\n",
    }
    for path, text in tree.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    note = "no .git or .homelint.yaml at or above clusters: it was taken as the repository root"
    monkeypatch.chdir(tmp_path)
    whole = run("check", "--no-cache")
    assert whole.exit_code == 0 and "no .git or .homelint.yaml" not in whole.output
    folder = run("check", "clusters", "--no-cache")
    assert "HL103" in folder.output and folder.output.count(note) == 1
    (tmp_path / ".homelint.yaml").write_text("{}\n")  # a marker: the folder only limits the report
    marked = run("check", "clusters", "--no-cache")
    assert marked.exit_code == 0 and "no .git or .homelint.yaml" not in marked.output
