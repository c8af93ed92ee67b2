"""Talos discovery helpers (homelint.model.talos) and the HL9xx rules beyond their fixture pairs."""

from __future__ import annotations

import shutil

import pytest

from homelint.model.talos import PLACEHOLDER, networks, placeholders_in, placeholders_in_text, split_endpoint

from .conftest import FIXTURES


def test_placeholders_skip_defaults_and_escapes():
    found = [v for _, _, v, _ in placeholders_in({"a": "${ONE}", "b": "$${TWO}", "c": ["${THREE:-x}", "x-${FOUR}"]})]
    assert found == ["ONE", "FOUR"]
    assert PLACEHOLDER.search("$${ESCAPED}") is None


def test_placeholders_in_patch_text_skip_comments():
    text = "# ${IN_COMMENT}\nmachine:\n  a: ${REAL}\n"
    assert list(placeholders_in_text(text)) == [(3, 6, "REAL")]


def test_split_endpoint():
    assert split_endpoint("https://10.0.0.10:6443") == ("10.0.0.10", 6443)
    assert split_endpoint("https://k8s.example.com") == ("k8s.example.com", 6443)
    assert split_endpoint("https://[fd00::1]:7445") == ("fd00::1", 7445)
    assert [str(n) for n in networks(["10.42.0.0/16", "bogus", "fd00::/104"])] == ["10.42.0.0/16", "fd00::/104"]


def test_no_env_file_means_shell_environment(tmp_path, check_json):
    """Without any talenv file the variables come from the shell by design: HL901 stays quiet."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "rules" / "HL901" / "bad", root)
    (root / "talos" / "talenv.yaml").unlink()
    _, findings = check_json(root, "--select", "HL901")
    assert findings == []


@pytest.mark.parametrize(
    ("command", "judged"),
    [("--env-file cluster-a.yaml", False), ("-e cluster-a.yaml", False), ("--env-file talenv.yaml", True), ("", True)],
)
def test_env_files_passed_to_genconfig_are_not_guessed(tmp_path, run, command, judged):
    """`talhelper genconfig --env-file/-e` replaces the default talenv.* list: with files homelint
    does not model, HL901 says nothing and a note says why; naming a default file (read alone), or
    no flag, it judges."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "rules" / "HL901" / "bad", root)
    (root / "Taskfile.yaml").write_text(
        f"version: '3'\ntasks:\n  genconfig:\n    dir: talos\n    cmds: [talhelper genconfig {command}]\n"
    )
    result = run("check", str(root), "--no-cache", "--select", "HL901")
    assert ("HL901 [error]" in result.output) is judged
    assert ("runs talhelper genconfig with --env-file" in result.output) is not judged
    (root / "talos" / "talenv.yaml").write_text((root / "talos" / "talenv.yaml").read_text() + "unusedKey: x\n")
    result = run("check", str(root), "--no-cache", "--select", "HL203")
    assert ("unusedKey" in result.output) is judged  # an env file genconfig may not read has no unused keys


def test_sops_env_keys_are_read(tmp_path, check_json):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "rules" / "HL901" / "bad", root)
    (root / "talos" / "talenv.yaml").unlink()
    (root / "talos" / "talenv.sops.yaml").write_text(
        "clusterName: ENC[AES256_GCM,data:x,type:str]\nclusterEndpointIP: ENC[AES256_GCM,data:y,type:str]\n"
        "dnsServer: ENC[AES256_GCM,data:z,type:str]\nsops:\n  age: []\n"
    )
    _, findings = check_json(root, "--select", "HL901")
    assert findings == []


def test_inline_patch_disables_kube_proxy(tmp_path, check_json):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "rules" / "HL908" / "bad", root)
    cfg = root / "talos" / "talconfig.yaml"
    cfg.write_text(cfg.read_text() + "patches:\n  - |-\n    cluster:\n      proxy:\n        disabled: true\n")
    _, findings = check_json(root, "--select", "HL908")
    assert findings == []


def test_cilium_values_from_generated_configmap(tmp_path, check_json):
    """Cilium values kept in a file a configMapGenerator turns into a valuesFrom ConfigMap."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "rules" / "HL909" / "good", root)
    app = root / "kubernetes" / "apps" / "kube-system" / "cilium" / "app"
    hr = app / "helmrelease.yaml"
    text = hr.read_text()
    hr.write_text(text[: text.index("  values:")] + "  valuesFrom:\n    - kind: ConfigMap\n      name: cilium-values\n")
    (app / "values.yaml").write_text("ipam:\n  mode: kubernetes\nipv4NativeRoutingCIDR: 10.244.0.0/16\n")
    (app / "kustomization.yaml").write_text(
        "---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./helmrelease.yaml\n"
        "configMapGenerator:\n  - name: cilium-values\n    files:\n      - values.yaml=./values.yaml\n"
        "generatorOptions:\n  disableNameSuffixHash: true\n"
    )
    _, findings = check_json(root, "--select", "HL909")
    assert [(f["path"], f["line"]) for f in findings] == [("kubernetes/apps/kube-system/cilium/app/values.yaml", 3)]


MACHINE_CONFIG = """---
version: v1alpha1
machine:
  type: controlplane
  features:
    kubePrism:
      enabled: true
      port: 7445
cluster:
  clusterName: home
  controlPlane:
    endpoint: https://10.0.0.10:6443
  network:
    podSubnets:
      - 10.42.0.0/16
    cni:
      name: {cni}
      urls:
        - {url}
  proxy:
    disabled: true
"""


def _with_machine_config(tmp_path, cni: str, url: str):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "rules" / "HL907" / "good", root)
    shutil.rmtree(root / "talos")
    (root / "talos").mkdir()
    (root / "talos" / "controlplane.yaml").write_text(MACHINE_CONFIG.format(cni=cni, url=url))
    return root


def test_rendered_machine_config_is_paired_with_the_cni(tmp_path, check_json):
    root = _with_machine_config(tmp_path, "custom", "https://example.com/manifests/flannel.yaml")
    _, findings = check_json(root, "--select", "HL9")
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("HL907", "talos/controlplane.yaml", 17)]


def test_custom_cni_bootstrapping_the_same_chart_is_not_a_conflict(tmp_path, check_json):
    root = _with_machine_config(tmp_path, "custom", "https://example.com/talos/integrations/cilium/cilium.yaml")
    _, findings = check_json(root, "--select", "HL9")
    assert findings == []


TALCONFIG_WITH_ENV = """---
clusterName: ${CLUSTER_NAME}
talosVersion: v1.12.6
kubernetesVersion: v1.34.2
endpoint: https://${CLUSTER_VIP:-10.0.0.10}:6443
nodes:
  - hostname: cp-1
    ipAddress: 10.0.0.11
    controlPlane: true
patches:
  - "@./patches/dns.yaml"
"""


def test_talenv_variables_follow_the_placeholder_docs_rules(repo, check_json):
    """A talenv variable used but undocumented is HL202 (in talconfig.yaml or a patch); a talenv key
    nothing substitutes is HL203; a documented variable talhelper uses is not an unused doc."""
    root = repo(
        {
            "talos/talconfig.yaml": TALCONFIG_WITH_ENV,
            "talos/talenv.yaml": "CLUSTER_NAME: home\nCLUSTER_VIP: 10.0.0.10\nDNS_SERVER: 10.0.0.1\nOLD_KEY: x\n",
            "talos/patches/dns.yaml": "# ${OLD_KEY} in a comment is stripped by talhelper\nmachine:\n  network:\n    nameservers: [${DNS_SERVER}]\n",
            "docs/placeholders.md": "# Placeholders\n\n- `${CLUSTER_NAME}`: the cluster name\n- `${CLUSTER_VIP}`: the API VIP\n",
        }
    )
    _, findings = check_json(root, "--select", "HL202,HL203")
    got = sorted((f["rule"], f["path"], f["line"]) for f in findings)
    assert got == [
        ("HL202", "talos/patches/dns.yaml", 4),  # DNS_SERVER: used, not documented
        ("HL203", "talos/talenv.yaml", 4),  # OLD_KEY: only in a comment
    ]


def test_talenv_unused_keys_are_not_judged_when_a_substituted_file_is_missing(repo, check_json):
    root = repo(
        {
            "talos/talconfig.yaml": TALCONFIG_WITH_ENV,
            "talos/talenv.yaml": "CLUSTER_NAME: home\nDNS_SERVER: 10.0.0.1\n",
        }
    )
    _, findings = check_json(root, "--select", "HL203")
    assert findings == []


TALCONFIG_VIP_IN_PATCH = """\
clusterName: cluster-a
talosVersion: v1.12.0
kubernetesVersion: v1.34.2
endpoint: https://10.0.0.10:6443
nodes:
  - hostname: cp-1
    ipAddress: 10.0.0.11
    controlPlane: true
    installDisk: /dev/sda
    patches: [{NODE}]
  - hostname: worker-1
    ipAddress: 10.0.0.21
    controlPlane: false
    installDisk: /dev/sda
    patches: [{WORKER}]
controlPlane:
  patches: [{PLANE}]
"""

VIP_STRATEGIC = "machine:\n  network:\n    interfaces:\n      - interface: eth0\n        vip:\n          ip: 10.0.0.10\n"
VIP_VLAN = "machine:\n  network:\n    interfaces:\n      - interface: eth0\n        vlans:\n          - vlanId: 5\n            vip: {ip: 10.0.0.10}\n"
VIP_DOCUMENT = "---\napiVersion: v1alpha1\nkind: Layer2VIPConfig\nname: 10.0.0.10\nlink: eth0\n"


@pytest.mark.parametrize(
    ("where", "patch", "warned"),
    [
        ("PLANE", VIP_STRATEGIC, False),  # controlPlane.patches, a strategic merge patch file
        ("PLANE", VIP_VLAN, False),  # on a VLAN of the interface
        ("PLANE", VIP_DOCUMENT, False),  # the Talos 1.12 Layer2VIPConfig document: name is the address
        ("NODE", VIP_STRATEGIC, False),  # a control-plane node's own patch
        ("WORKER", VIP_STRATEGIC, True),  # a worker's VIP fronts no API server
        ("PLANE", VIP_DOCUMENT.replace("10.0.0.10", "10.0.0.99"), True),  # a VIP, but another address
    ],
    ids=["control-plane-patch", "vlan", "layer2vipconfig", "node-patch", "worker-patch", "other-address"],
)
def test_endpoint_vip_configured_in_a_patch(repo, check_json, where, patch, warned):
    """HL905 takes the VIPs the control-plane machines' patches configure (an `@file` patch read
    like HL902 resolves it) as endpoints a control plane serves."""
    entries = {name: '"@./patches/vip.yaml"' if name == where else "" for name in ("NODE", "WORKER", "PLANE")}
    text = TALCONFIG_VIP_IN_PATCH
    for name, entry in entries.items():
        text = text.replace("{" + name + "}", entry)
    root = repo({"talos/talconfig.yaml": text, "talos/patches/vip.yaml": patch})
    _, findings = check_json(root, "--select", "HL905")
    assert [f["rule"] for f in findings] == (["HL905"] if warned else [])


def test_endpoint_vip_in_an_inline_json_patch(repo, check_json):
    """An inline RFC 6902 patch adding an interface with a VIP configures it too."""
    inline = (
        "  - |-\n    - op: add\n      path: /machine/network/interfaces/-\n      value: {interface: eth0, vip: {ip: 10.0.0.10}}\n"
    )
    text = (
        TALCONFIG_VIP_IN_PATCH.replace("{NODE}", "")
        .replace("{WORKER}", "")
        .replace("  patches: [{PLANE}]\n", "  patches:\n" + inline)
    )
    root = repo({"talos/talconfig.yaml": text})
    _, findings = check_json(root, "--select", "HL905")
    assert findings == []
