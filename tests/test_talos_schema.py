"""HL911-HL914 against the real Talos and talhelper schemas (../shared/schemas-upstream, mapped with
schemas.paths from a config outside the repository), and the lenient check beneath them."""

from __future__ import annotations

import json

import pytest

from homelint.model.talosschema import TALHELPER_SCHEMA_URL, TalosSchema, check_document, cleaned, talos_url

from .conftest import SHARED

UPSTREAM = SHARED / "schemas-upstream"
MINORS = ("1.12", "1.13", "1.14")


@pytest.fixture
def upstream(tmp_path):
    """A config file (outside the repository) mapping the Talos and talhelper schema URLs to the upstream copies."""
    if not (UPSTREAM / "talos" / "v1.14").is_dir():
        pytest.skip("../shared/schemas-upstream is not present")
    config = tmp_path / "config.yaml"
    lines = [f'    "{talos_url(m)}": {UPSTREAM}/talos/v{m}/config.schema.json\n' for m in MINORS]
    lines.append(f'    "{TALHELPER_SCHEMA_URL}": {UPSTREAM}/talhelper/talconfig.json\n')
    config.write_text("schemas:\n  paths:\n" + "".join(lines))
    return config


def talconfig(version: str, patches: str) -> str:
    return (
        f"---\nclusterName: home\ntalosVersion: {version}\nkubernetesVersion: v1.34.2\nendpoint: https://10.0.0.11:6443\n"
        "cniConfig:\n  name: none\nnodes:\n  - hostname: cp-1\n    ipAddress: 10.0.0.11\n    controlPlane: true\n"
        f"    installDisk: /dev/sda\npatches:\n{patches}"
    )


def rules_at(findings: list[dict], *rules: str) -> list[tuple[str, str, int, str]]:
    return sorted((f["rule"], f["path"], f["line"], f["severity"]) for f in findings if f["rule"] in rules)


def load(minor: str) -> TalosSchema:
    return TalosSchema(minor, json.loads((UPSTREAM / "talos" / f"v{minor}" / "config.schema.json").read_text()))


def test_what_talos_accepts_is_no_error(upstream, repo, check_json):
    """Ints in string fields, $$patch markers, the UnattendedInstallConfig kind and fields v1.14 moved
    out of v1alpha1 all pass Talos 1.14's decoder; only the moved field is worth a warning."""
    root = repo(
        {
            "talos/talconfig.yaml": talconfig("v1.14.0", '  - "@./patches/machine.yaml"\n  - "@./patches/install.yaml"\n'),
            "talos/patches/machine.yaml": "---\nmachine:\n  sysctls:\n    vm.max_map_count: 262144\n"
            "  kubelet:\n    extraArgs:\n      rotate-server-certificates: true\n"
            "cluster:\n  apiServer:\n    admissionControl:\n      $$patch: delete\n",
            "talos/patches/install.yaml": "---\napiVersion: v1alpha1\nkind: UnattendedInstallConfig\nreboot: true\n",
        }
    )
    _, findings = check_json(root, "--config", str(upstream), "--select", "HL911,HL912,HL913")
    assert rules_at(findings, "HL912") == []
    assert rules_at(findings, "HL913") == [
        ("HL913", "talos/patches/machine.yaml", 3, "warning"),  # machine.sysctls: documented by 1.13
        ("HL913", "talos/patches/machine.yaml", 5, "warning"),  # machine.kubelet
        ("HL913", "talos/patches/machine.yaml", 9, "warning"),  # cluster.apiServer
    ]


def test_typos_and_undecodable_values_are_errors_at_their_line(upstream, repo, check_json):
    root = repo(
        {
            "talos/talconfig.yaml": talconfig(
                "v1.12.6",
                '  - "@./patches/kubelet.yaml"\n  - |-\n    machine:\n      install:\n        wipee: true\n',
            ),
            "talos/patches/kubelet.yaml": '---\nmachine:\n  kubelet:\n    extraArg:\n      a: b\n  install:\n    wipe: "no"\n',
        }
    )
    _, findings = check_json(root, "--config", str(upstream), "--select", "HL912")
    assert rules_at(findings, "HL912") == [
        ("HL912", "talos/patches/kubelet.yaml", 4, "error"),  # extraArg
        ("HL912", "talos/patches/kubelet.yaml", 7, "error"),  # a string for a boolean
        ("HL912", "talos/talconfig.yaml", 18, "error"),  # wipee, inside the inline patch
    ]


def test_talconfig_unknown_key_is_a_warning_and_a_bad_type_an_error(upstream, repo, check_json):
    text = talconfig("v1.12.6", "  []\n").replace("cniConfig:", "clusterPodNet: [10.42.0.0/16]\ncniConfig:")
    text = text.replace("controlPlane: true", 'controlPlane: "true"')
    root = repo({"talos/talconfig.yaml": text})
    _, findings = check_json(root, "--config", str(upstream), "--select", "HL911")
    assert rules_at(findings, "HL911") == [
        ("HL911", "talos/talconfig.yaml", 6, "warning"),
        ("HL911", "talos/talconfig.yaml", 12, "error"),
    ]


def test_upgrade_preview_names_what_the_target_moves(upstream, repo, check_json):
    root = repo(
        {
            "talos/talconfig.yaml": talconfig("v1.13.9", '  - "@./patches/kubelet.yaml"\n'),
            "talos/patches/kubelet.yaml": "---\nmachine:\n  kubelet:\n    extraArgs:\n      a: b\n",
        }
    )
    _, today = check_json(root, "--config", str(upstream), "--select", "HL912,HL913,HL914")
    assert rules_at(today, "HL912", "HL913", "HL914") == []
    _, preview = check_json(root, "--config", str(upstream), "--select", "HL914", "--target", "talos=1.14")
    assert rules_at(preview, "HL914") == [("HL914", "talos/patches/kubelet.yaml", 3, "warning")]
    assert "1.13 -> 1.14" in preview[0]["message"]


def test_missing_schema_is_a_note_not_a_finding(repo, run):
    root = repo(
        {"talos/talconfig.yaml": talconfig("v1.12.6", '  - "@./patches/p.yaml"\n'), "talos/patches/p.yaml": "machine: {}\n"}
    )
    result = run("check", str(root), "--no-cache", "--select", "HL911,HL912")
    assert result.exit_code == 0
    assert f"schema not in the store: {talos_url('1.12')}" in result.output
    assert f"schema not in the store: {TALHELPER_SCHEMA_URL}" in result.output


def test_without_an_older_schema_an_unknown_v1alpha1_field_is_only_a_warning():
    if not (UPSTREAM / "talos" / "v1.14").is_dir():
        pytest.skip("../shared/schemas-upstream is not present")
    doc = {"machine": {"kubelet": {"extraArgs": {}}}}
    alone = list(check_document(load("1.14"), doc, [], []))
    assert [v.kind for v in alone] == ["unknown-unsure"]
    with_history = list(check_document(load("1.14"), doc, [load("1.13")], []))
    assert [v.kind for v in with_history] == ["deprecated"]


def test_a_kind_only_a_newer_talos_knows_is_an_error_naming_it():
    if not (UPSTREAM / "talos" / "v1.14").is_dir():
        pytest.skip("../shared/schemas-upstream is not present")
    doc = {"apiVersion": "v1alpha1", "kind": "KubeletConfig", "extraArgs": {}}
    found = list(check_document(load("1.12"), doc, [], [load("1.13"), load("1.14")]))
    assert [(v.kind, v.at) for v in found] == [("kind", ("kind",))]
    assert "Talos 1.14" in found[0].message
    assert list(check_document(load("1.12"), doc, [], [])) == []  # no evidence: say nothing


def test_sops_encrypted_documents_are_not_checked():
    if not (UPSTREAM / "talos" / "v1.12").is_dir():
        pytest.skip("../shared/schemas-upstream is not present")
    doc = {"machine": {"token": "ENC[AES256_GCM,data:x]"}, "sops": {"age": []}}
    assert list(check_document(load("1.12"), doc, [], [])) == []


def test_patch_markers_are_removed_only_as_talhelper_writes_them():
    doc = {"a": {"$patch": "delete"}, "b": {"$$patch": "delete", "c": 1}}
    assert cleaned(doc) == ({"a": {}, "b": {"$$patch": "delete", "c": 1}}, [("a",)])
    assert cleaned(doc, talhelper=True) == ({"a": {}, "b": {"c": 1}}, [("a",), ("b",)])


def test_schemas_pull_needs_the_pinned_minor_its_two_predecessors_and_the_target(repo):
    from homelint.cli.schemapull import talos_needs
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    root = repo(
        {"talos/talconfig.yaml": talconfig("v1.13.9", '  - "@./patches/p.yaml"\n'), "talos/patches/p.yaml": "machine: {}\n"}
    )
    loaded, _ = load_repo(root, load_config(root), use_cache=False)
    urls = sorted({url for url, _ in talos_needs(loaded, {"talos": "1.14"})})
    assert urls == sorted([TALHELPER_SCHEMA_URL, *(talos_url(m) for m in ("1.11", "1.12", "1.13", "1.14"))])


def test_a_machine_config_file_is_checked_against_the_talos_release_its_schema_comment_names(upstream, repo, check_json):
    """The comment sits atop the first document; the other documents of the file are for the same Talos."""
    comment = f"# yaml-language-server: $schema={talos_url('1.12')}\n"
    root = repo(
        {
            "talos/nodes/cp-1.yaml": "---\n" + comment + "machine:\n  nodeLabels:\n    zone: a\n"
            "---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: cp-1\nhostnme: typo\n",
        }
    )
    _, findings = check_json(root, "--config", str(upstream), "--select", "HL806,HL912,HL913")
    assert rules_at(findings, "HL806", "HL912", "HL913") == [("HL912", "talos/nodes/cp-1.yaml", 10, "error")]
