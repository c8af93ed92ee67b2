"""The dry-run rules (rules/FAILURES.md): edge cases beyond each rule's bad/good fixture pair."""

from __future__ import annotations

import subprocess

import pytest

from homelint.rules.dryrun import BuildView, Candidate, _values_at, selector_matches, target_matches

from .conftest import FIXTURES, GOTK, flux_root
from .oracle import find_kubectl

APP = "kubernetes/apps/default/echo/app"
KS = "kubernetes/apps/default/echo/ks.yaml"


def rules_of(findings, rule):
    return [(f["path"], f["line"]) for f in findings if f["rule"] == rule]


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        ("app=echo", {"app": "echo"}, True),
        ("app==echo", {"app": "other"}, False),
        ("app!=echo", {"app": "other"}, True),
        ("app!=echo", {}, True),
        ("app in (echo, web)", {"app": "web"}, True),
        ("app notin (false, no-deps)", {"app": "no-deps"}, False),
        ("app notin (false, no-deps)", {}, True),
        ("app", {"app": ""}, True),
        ("!app", {"app": "x"}, False),
        ("a=1,b in (2,3)", {"a": "1", "b": "3"}, True),
        ("a=1,b in (2,3)", {"a": "1", "b": "4"}, False),
        ("app=${APP}", {"app": "echo"}, True),  # substituted later: may match
        ("app=echo", None, True),  # labels not knowable: may match
    ],
)
def test_label_selector_grammar(selector, labels, matches):
    assert selector_matches(selector, labels) is matches


def test_target_regexes_are_anchored_and_match_original_or_current_namespace():
    cand = Candidate(None, "apps", "v1", "Deployment", {"echo-server"}, {"default", "media"}, {}, {})
    assert target_matches({"kind": "Deployment", "name": "echo-.*"}, cand)
    assert not target_matches({"kind": "Deployment", "name": "echo"}, cand)
    assert target_matches({"namespace": "media"}, cand)
    assert not target_matches({"group": "helm.toolkit.fluxcd.io"}, cand)


def test_hl108_compares_templated_names_before_substitution(repo, check_json):
    """Two `name: ${APP}` of one kind in one build collide in kustomize, whatever APP becomes."""
    claim = "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ${APP}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
    files = {
        f"{APP}/claim.yaml": claim,
        f"{APP}/claim-copy.yaml": claim,
        f"{APP}/kustomization.yaml": "resources:\n  - ./helmrelease.yaml\n  - ./claim.yaml\n  - ./claim-copy.yaml\n",
    }
    _, findings = check_json(repo(files, base="rules/HL108/good"))
    assert rules_of(findings, "HL108") == [(f"{APP}/claim.yaml", 5)] or rules_of(findings, "HL108") == [
        (f"{APP}/claim-copy.yaml", 5)
    ]


def test_hl108_a_component_included_twice_is_named_as_one_document_twice(repo, check_json):
    """A component reached by two entries puts the same document twice in the build (kustomize:
    'already registered id'); the message says so instead of pointing at the file itself."""
    files = {
        "kubernetes/components/claim/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [./claim.yaml]\n",
        "kubernetes/components/claim/claim.yaml": "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data-a}\n"
        "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n",
        f"{APP}/kustomization.yaml": "resources: [./helmrelease.yaml]\ncomponents: [../../../../components/claim, ../../../../components/claim]\n",
    }
    _, findings = check_json(repo(files, base="rules/HL108/good"))
    (hl108,) = [f for f in findings if f["rule"] == "HL108"]
    assert "its build includes this document twice" in hl108["message"] and "(also " not in hl108["message"]


def test_hl108_one_component_two_folders_set_to_the_same_namespace_names_the_folders(repo, check_json):
    """Two sibling folders include one component and both set `namespace: ns-a` (ns-b's meant
    ns-b): kustomize's 'already registered id' (kubectl kustomize), and the message names the two
    kustomizations and their shared namespace; the fix is their namespace, not 'include it once'."""
    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [./config.yaml]\n"
    folder = "namespace: ns-a\ncomponents: [../../components/common]\nresources: [./cm.yaml]\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources: [./ns-a, ./ns-b]\n",
        "apps/ns-a/kustomization.yaml": folder,
        "apps/ns-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\n",
        "apps/ns-b/kustomization.yaml": folder,
        "apps/ns-b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b}\n",
        "components/common/kustomization.yaml": component,
        "components/common/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: common}\n",
    }
    _, findings = check_json(repo(files), "--select", "HL108")
    (hl108,) = findings
    assert (
        "apps/ns-a/kustomization.yaml, apps/ns-b/kustomization.yaml each include this document, and each sets "
        "namespace: ns-a" in hl108["message"]
    )
    assert hl108["fix"].startswith("give each of those folders the namespace its copy belongs in")


def test_hl108_namespaces_a_target_namespace_renames_alike_collide(repo, check_json):
    """kustomize gives every Namespace of a build the build's namespace (Flux's targetNamespace
    is the generated kustomization's namespace:): two Namespaces there become one id, and the
    build fails ('namespace transformation produces ID conflict', checked with kubectl kustomize)."""
    files = {
        f"{APP}/namespaces.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n",
        f"{APP}/kustomization.yaml": "namespace: default\nresources:\n  - ./helmrelease.yaml\n  - ./namespaces.yaml\n",
    }
    _, findings = check_json(repo(files, base="rules/HL108/good"))
    (hl108,) = [f for f in findings if f["rule"] == "HL108"]
    assert "Namespaces 'default'" in hl108["message"] and "'other' both become 'default'" in hl108["message"]
    assert (hl108["path"], hl108["line"]) == (f"{APP}/namespaces.yaml", 9)


BACKUP = "kubernetes/components/backup"
SETTINGS = "kubernetes/components/common/cluster-settings.yaml"


def backup_files(template: str, *, labels: str = "", literal: str = "echo-backup") -> dict[str, str]:
    """The echo app lists a component whose ConfigMap is named `template`, beside its own ConfigMap `literal`."""
    return {
        f"{BACKUP}/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - ./configmap.yaml\n",
        f"{BACKUP}/configmap.yaml": f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {template}\n{labels}data:\n  from: component\n",
        f"{APP}/configmap.yaml": f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {literal}\ndata:\n  from: app\n",
        f"{APP}/kustomization.yaml": "resources:\n  - ./helmrelease.yaml\n  - ./configmap.yaml\n"
        "components:\n  - ../../../../components/backup\n",
    }


def test_hl108_names_that_collide_only_after_post_build_substitution(repo, check_json):
    """kustomize builds `${APP}-backup` and `echo-backup` as two objects; kustomize-controller then
    substitutes each object in place and calls ResMap.Replace, which finds two objects of the
    substituted id ('in Replace: id matched 2 resources'): the build fails, nothing is applied."""
    root = repo(backup_files("${APP}-backup"), base="rules/HL108/good")
    kubectl = find_kubectl()
    if kubectl is not None:  # the oracle: kustomize itself sees two names, no duplicate
        built = subprocess.run([kubectl, "kustomize", str(root / APP)], capture_output=True, text=True, check=True)
        assert "name: ${APP}-backup" in built.stdout and "name: echo-backup" in built.stdout
    _, findings = check_json(root)
    (hl108,) = [f for f in findings if f["rule"] == "HL108"]
    assert (hl108["path"], hl108["line"], hl108["severity"]) == (f"{BACKUP}/configmap.yaml", 5, "error")
    message = hl108["message"]
    assert "ConfigMap 'default/echo-backup' is built twice by Kustomization default/echo" in message
    assert f"'${{APP}}-backup' here becomes 'echo-backup', the name of the ConfigMap at {APP}/configmap.yaml:5" in message
    assert "APP from postBuild.substitute" in message and "'in Replace: id matched 2 resources'" in message


def test_hl108_two_templated_names_that_become_one(repo, check_json):
    """Two different templates that substitute to one name collide as well, whichever comes first."""
    files = backup_files("${APP}-backup", literal="echo-${ROLE}")
    files[SETTINGS] = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\ndata:\n  ROLE: backup\n"
    _, findings = check_json(repo(files, base="rules/HL108/good"))
    (hl108,) = [f for f in findings if f["rule"] == "HL108"]
    assert "both become 'echo-backup'" in hl108["message"]
    assert "APP from postBuild.substitute, ROLE from substituteFrom ConfigMap cluster-settings" in hl108["message"]


OPT_OUT = "  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n"
SECRET = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\nstringData:\n  SUFFIX: backup\n"
LATER_SECRET = "      - kind: Secret\n        name: cluster-secrets\n"


@pytest.mark.parametrize(
    ("template", "labels", "extra"),
    [
        ("${APP}-backup", OPT_OUT, {}),  # not substituted: Flux neither renames it nor calls Replace
        ("echo-${SUFFIX}", "", {"secret": SECRET}),  # a Secret's value: never shown, never judged
        ("echo-${ROLE}", "", {"later": LATER_SECRET}),  # a later source the repository does not show may set ROLE
        ("echo-${UNSET:+backup}", "", {}),  # `:+` gives "" when UNSET is unset: 'echo-', no collision
    ],
    ids=["substitution-disabled", "value-from-a-secret", "value-a-later-source-may-override", "alternate-value-form"],
)
def test_hl108_says_nothing_when_the_substituted_name_is_not_certain(repo, check_json, template, labels, extra):
    files = backup_files(template, labels=labels)
    files[SETTINGS] = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\ndata:\n  ROLE: backup\n"
    if "secret" in extra:
        files["kubernetes/components/common/cluster-secrets.yaml"] = extra["secret"]
        files["kubernetes/components/common/kustomization.yaml"] = (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n"
            "  - ./cluster-settings.yaml\n  - ./cluster-secrets.yaml\n"
        )
    if extra:
        files[KS] = (FIXTURES / "base" / KS).read_text() + LATER_SECRET
    _, findings = check_json(repo(files, base="rules/HL108/good"))
    assert rules_of(findings, "HL108") == []


def test_hl105_helmrelease_dependencies(repo, check_json):
    """A HelmRelease dependsOn a HelmRelease that does not exist; a Kustomization dependsOn a HelmRelease."""
    base = "rules/HL108/good"
    hr = (FIXTURES / base / APP / "helmrelease.yaml").read_text()
    hr = hr.replace("spec:\n", "spec:\n  dependsOn:\n    - name: cert-manager\n      namespace: cert-manager\n", 1)
    hr = hr.replace("name: echo\n", "name: echo-server\n", 1)
    ks = (FIXTURES / base / KS).read_text() + "  dependsOn:\n    - name: echo-server\n      namespace: default\n"
    ks = ks.replace("name: echo\nspec:", "name: echo-config\nspec:", 1)
    files = {f"{APP}/helmrelease.yaml": hr, "kubernetes/apps/default/echo/ks2.yaml": ks}
    files["kubernetes/apps/default/kustomization.yaml"] = (
        FIXTURES / base / "kubernetes/apps/default/kustomization.yaml"
    ).read_text() + "  - ./echo/ks2.yaml\n"
    _, findings = check_json(repo(files, base=base))
    messages = [f["message"] for f in findings if f["rule"] == "HL105"]
    assert any("HelmRelease 'cert-manager/cert-manager' does not exist" in m for m in messages)
    assert any("a HelmRelease named 'echo-server' exists, but dependsOn of a Kustomization" in m for m in messages)


def test_hl105_and_hl107_say_when_a_reference_lost_its_namespace(repo, check_json):
    base = "rules/HL108/good"
    ks = (FIXTURES / base / KS).read_text()
    ks = ks.replace("    name: flux-system\n    namespace: flux-system\n", "    name: flux-system\n")
    ks = ks.replace("spec:\n", "spec:\n  dependsOn:\n    - name: cluster-apps\n", 1)
    _, findings = check_json(repo({KS: ks}, base=base))
    by_rule = {f["rule"]: f["message"] for f in findings if f["rule"] in ("HL105", "HL107")}
    assert "sourceRef has no namespace, so Flux looks in this Kustomization's namespace 'default'" in by_rule["HL107"]
    assert "add namespace: flux-system" in by_rule["HL107"]
    # kustomize-controller stops at the missing source: what the path holds was not checked either
    assert by_rule["HL107"].endswith("homelint did not check what its spec.path holds")
    assert "dependsOn has no namespace" in by_rule["HL105"] and "'flux-system'" in by_rule["HL105"]


def test_hl113_never_guesses_without_namespaces_and_honours_config_and_bootstrap(repo, check_json):
    base = "rules/HL113/bad"
    assert rules_of(check_json(repo({}, base=base))[1], "HL113")
    # no Namespace object applied anywhere: the repository makes namespaces some other way
    files = {
        "kubernetes/apps/default/kustomization.yaml": "namespace: default\ncomponents:\n  - ../../components/common\nresources:\n  - ./echo/ks.yaml\n"
    }
    assert not rules_of(check_json(repo(files, base=base))[1], "HL113")
    # listed as made outside Git
    config = {".homelint.yaml": "namespaces:\n  external: [media, jelly*]\n"}
    assert not rules_of(check_json(repo(config, base=base))[1], "HL113")
    # a bootstrap helmfile creates its releases' namespaces
    helmfile = {"bootstrap/helmfile.yaml": "releases:\n  - name: jellyfin\n    namespace: jellyfin\n    chart: x/y\n"}
    found = check_json(repo(helmfile, base=base))[1]
    assert [f["message"].split("'")[1] for f in found if f["rule"] == "HL113"] == ["media"]


@pytest.mark.parametrize(
    ("path", "text", "missing"),
    [
        pytest.param(".mise/tasks/bootstrap", "#!/usr/bin/env bash\nkubectl create ns media\n", ["jellyfin"], id="mise-task"),
        pytest.param(".mise-tasks/cluster/init", "kubectl create ns media\n", ["jellyfin"], id="mise-task-without-shebang"),
        pytest.param("scripts/bootstrap", "#!/bin/bash\nkubectl create namespace media\n", ["jellyfin"], id="shebang-script"),
        # controls: a suffix-less text in prose, another interpreter's script
        pytest.param("NOTES", "Run kubectl create namespace media first.\n", ["jellyfin", "media"], id="text"),
        pytest.param("scripts/bootstrap", "#!/usr/bin/env node\n// create namespace media\n", ["jellyfin", "media"], id="node"),
    ],
)
def test_hl113_reads_mise_tasks_and_shebang_scripts_as_bootstrap_scripts(repo, check_json, path, text, missing):
    """A mise file task or a shell script without a suffix that creates the namespace at bootstrap
    makes it, as a `.sh` script does."""
    found = check_json(repo({path: text}, base="rules/HL113/bad"))[1]
    assert sorted(f["message"].split("'")[1] for f in found if f["rule"] == "HL113") == missing


LOOP_SCRIPT = """#!/usr/bin/env bash
apps_dir="${ROOT_DIR}/kubernetes/apps"
for app in "${apps_dir}"/*/; do
    namespace=$(basename "${app}")
    kubectl create namespace "${namespace}" --dry-run=client --output=yaml | kubectl apply --server-side -f -
done
"""
LOOP_TASK = """version: '3'
tasks:
  namespaces:
    cmds:
      - for: {var: APPS}
        cmd: kubectl create namespace {{base .ITEM}} --dry-run=client -o yaml | kubectl apply -f -
    vars:
      APPS: {sh: ls -d {{.KUBERNETES_DIR}}/apps/*}
"""


@pytest.mark.parametrize(
    ("path", "text", "missing"),
    [
        pytest.param("scripts/bootstrap-apps.sh", LOOP_SCRIPT, ["jellyfin"], id="shell-loop"),
        pytest.param(".taskfiles/bootstrap/Taskfile.yaml", LOOP_TASK, ["jellyfin"], id="taskfile-loop"),
        # controls: the loop over another folder; a computed name that is no folder's
        pytest.param("scripts/bootstrap-apps.sh", LOOP_SCRIPT.replace("/apps", "/other"), ["jellyfin", "media"], id="other"),
        pytest.param(
            "scripts/bootstrap-apps.sh",
            LOOP_SCRIPT.replace("$(basename", "$(echo"),
            ["jellyfin", "media"],
            id="not-a-folder-name",
        ),
    ],
)
def test_hl113_reads_a_bootstrap_loop_that_creates_a_namespace_per_folder(repo, check_json, path, text, missing):
    """cluster-template's bootstrap creates one namespace per folder of kubernetes/apps, named
    after the folder (`basename`): namespace media, whose folder is kubernetes/apps/media, is made;
    jellyfin, which only a HelmRelease's targetNamespace names, is not."""
    found = check_json(repo({path: text}, base="rules/HL113/bad"))[1]
    assert sorted(f["message"].split("'")[1] for f in found if f["rule"] == "HL113") == missing


def test_hl113_names_an_unwired_namespace_manifest(repo, check_json):
    files = {"kubernetes/apps/media/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: media\n"}
    messages = [f["message"] for f in check_json(repo(files, base="rules/HL113/bad"))[1] if f["rule"] == "HL113"]
    assert any("kubernetes/apps/media/namespace.yaml, but nothing applies it" in m for m in messages)


def test_hl113_says_why_a_helm_release_creating_its_own_namespace_does_not_help(repo, check_json):
    """A HelmRelease with install.createNamespace makes its targetNamespace, not the namespace it is
    itself applied in: when that one is missing, the message says so."""
    hr = "kubernetes/apps/media/jellyfin/app/helmrelease.yaml"
    text = (FIXTURES / "rules/HL113/bad" / hr).read_text()
    text = text.replace("  targetNamespace: jellyfin  # expect: HL113\n", "  install:\n    createNamespace: true\n")
    messages = [f["message"] for f in check_json(repo({hr: text}, base="rules/HL113/bad"))[1] if f["rule"] == "HL113"]
    (media,) = [m for m in messages if m.startswith("namespace 'media'")]
    assert "HelmRelease jellyfin has install.createNamespace, but it is itself applied in 'media'" in media


def test_hl114_component_patches_are_judged_against_the_builds_that_include_them(repo, check_json):
    base = "rules/HL108/good"
    component = (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
        "  - patch: |-\n      apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n"
        "      metadata:\n        name: {name}\n      spec:\n        timeout: 10m\n"
    )
    app = (FIXTURES / base / APP / "kustomization.yaml").read_text() + "components:\n  - ../../../../components/timeout\n"
    for name, fires in (("echo", False), ("missing", True)):
        files = {
            "kubernetes/components/timeout/kustomization.yaml": component.format(name=name),
            f"{APP}/kustomization.yaml": app,
        }
        found = rules_of(check_json(repo(files, base=base))[1], "HL114")
        assert bool(found) is fires, (name, found)


def test_hl114_judges_a_component_that_only_a_flux_kustomizations_spec_components_names(repo, check_json):
    """The component joins the build at the Kustomization's spec.path: its patch is judged there."""
    base = "rules/HL108/good"
    component = (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
        "  - patch: |-\n      apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n"
        "      metadata:\n        name: {name}\n      spec:\n        timeout: 10m\n"
    )
    ks = (FIXTURES / base / KS).read_text() + "  components:\n    - ../../../../components/timeout\n"
    for name, fires in (("echo", False), ("missing", True)):
        files = {"kubernetes/components/timeout/kustomization.yaml": component.format(name=name), KS: ks}
        found = rules_of(check_json(repo(files, base=base))[1], "HL114")
        assert bool(found) is fires, (name, found)


def test_hl114_skips_builds_it_cannot_see(repo, check_json):
    """A remote base may hold the object a patch names: the targets are not judged. A JSON6902
    list without a target, and an operation that fails on an object of the repository, fail the
    build whatever the remote base holds."""
    bad = "rules/HL114/bad"
    text = (FIXTURES / bad / APP / "kustomization.yaml").read_text()
    remote = text.replace("resources:\n", "resources:\n  - https://github.com/org/repo//deploy?ref=v1\n")
    no_target = next(number for number, text in enumerate(remote.splitlines(), 1) if "- op: add" in text) - 1
    targets_only = remote.split("  - target:\n")[0]
    found = rules_of(check_json(repo({f"{APP}/kustomization.yaml": targets_only}, base=bad))[1], "HL114")
    assert found == [(f"{APP}/kustomization.yaml", no_target)]  # not the misspelt name's patch
    found = rules_of(check_json(repo({f"{APP}/kustomization.yaml": remote}, base=bad))[1], "HL114")
    line = next(number for number, text in enumerate(remote.splitlines(), 1) if "path: /spec/install" in text)
    assert found == [(f"{APP}/kustomization.yaml", no_target), (f"{APP}/kustomization.yaml", line)]


def test_hl115_ignores_patches_a_parent_injects_into_every_child(repo, check_json):
    """cluster-apps patches every child with `spec.patches` for HelmReleases; a child without a
    HelmRelease is not a finding (the default is meant to match only some)."""
    base = "rules/HL108/good"
    root = (FIXTURES / base / "kubernetes/flux/cluster/ks.yaml").read_text() + (
        "  patches:\n    - target: {kind: Kustomization}\n      patch: |-\n"
        "        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n"
        "        metadata: {name: _}\n        spec:\n          patches:\n"
        "            - target: {kind: Deployment}\n              patch: |-\n"
        "                - {op: add, path: /spec/replicas, value: 2}\n"
    )
    assert not rules_of(check_json(repo({"kubernetes/flux/cluster/ks.yaml": root}, base=base))[1], "HL115")


def test_hl117_trusts_a_parent_patch_it_cannot_evaluate(repo, check_json):
    bad = "rules/HL117/bad"
    root = (FIXTURES / bad / "kubernetes/flux/cluster/ks.yaml").read_text() + (
        "  patches:\n    - target: {kind: Kustomization, labelSelector: 'sops notin (false)'}\n      patch: |-\n"
        "        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n"
        "        metadata: {name: _}\n        spec:\n          decryption: {provider: sops, secretRef: {name: sops-age}}\n"
    )
    assert not rules_of(check_json(repo({"kubernetes/flux/cluster/ks.yaml": root}, base=bad))[1], "HL117")


@pytest.mark.parametrize(("selector", "fires"), [("sops in (true)", True), ("sops notin (true)", False)])
def test_hl117_a_parent_patch_whose_selector_leaves_the_child_out_does_not_hide_it(repo, check_json, selector, fires):
    """A parent's spec.patches that adds decryption only to the children its labelSelector selects
    (kubectl kustomize 5.8.1 leaves the others without it): a child it certainly does not select,
    holding a SOPS Secret, is HL117; one it selects is not."""
    bad = "rules/HL117/bad"
    root = (FIXTURES / bad / "kubernetes/flux/cluster/ks.yaml").read_text() + (
        f"  patches:\n    - target: {{kind: Kustomization, labelSelector: '{selector}'}}\n      patch: |-\n"
        "        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n"
        "        metadata: {name: _}\n        spec:\n          decryption: {provider: sops, secretRef: {name: sops-age}}\n"
    )
    found = rules_of(check_json(repo({"kubernetes/flux/cluster/ks.yaml": root}, base=bad))[1], "HL117")
    assert bool(found) is fires


@pytest.mark.parametrize(
    ("decryption", "suggested"),
    [
        ("", "{provider: sops, secretRef: {name: sops-age}}"),
        ("  decryption: {provider: sops, secretRef: {name: key-gpg}}\n", "{provider: sops, secretRef: {name: key-gpg}}"),
        ("  decryption: {provider: sops}\n", "{provider: sops}"),  # kustomize-controller's --sops-age-secret
    ],
)
def test_hl117_suggests_the_decryption_the_repository_already_uses(repo, check_json, decryption, suggested):
    bad = "rules/HL117/bad"
    root = (FIXTURES / "base/kubernetes/flux/cluster/ks.yaml").read_text() + decryption
    (found,) = [f for f in check_json(repo({"kubernetes/flux/cluster/ks.yaml": root}, base=bad))[1] if f["rule"] == "HL117"]
    assert f"add spec.decryption: {suggested} to the Flux Kustomization" in found["fix"]


def test_hl117_suggests_no_secret_ref_where_the_flux_install_sets_a_global_age_key(repo, check_json):
    """kustomize-controller's --sops-age-secret (here in the flux-system kustomization's patches)
    gives a key to every decryption that names none (Diaoul)."""
    bad = "rules/HL117/bad"
    patches = (
        "patches:\n  - target: {kind: Deployment, name: kustomize-controller}\n    patch: |-\n"
        "      - {op: add, path: /spec/template/spec/containers/0/args/-, value: --sops-age-secret=sops-age}\n"
    )
    flux = {"kubernetes/flux/install/kustomization.yaml": "resources: []\n" + patches}
    (found,) = [f for f in check_json(repo(flux, base=bad))[1] if f["rule"] == "HL117"]
    assert "add spec.decryption: {provider: sops} (the Flux install's --sops-age-secret gives the key)" in found["fix"]


def test_hl604_skips_yaml11_words(repo, check_json):
    good = "rules/HL604/good"
    deploy = (FIXTURES / good / APP / "deployment.yaml").read_text()
    deploy = deploy.replace(
        "app.kubernetes.io/name: whoami\n  annotations:", "app.kubernetes.io/name: whoami\n    enabled: yes\n  annotations:", 1
    )
    assert not rules_of(check_json(repo({f"{APP}/deployment.yaml": deploy}, base=good))[1], "HL604")


def test_hl604_a_quoted_label_substituted_with_a_number_is_a_number(repo, check_json):
    """kustomize-controller substitutes the YAML text kustomize writes out, where the manifest's
    quotes are gone: `"${BUILD_ID}"` with BUILD_ID "20260101" becomes a number; the fix is Flux's
    `quote` variable, not quoting in the manifest."""
    good = "rules/HL604/good"
    deploy = (FIXTURES / good / APP / "deployment.yaml").read_text()
    deploy = deploy.replace("example.com/build: ${quote}${BUILD_ID}${quote}", 'example.com/build: "${BUILD_ID}"')
    found = [f for f in check_json(repo({f"{APP}/deployment.yaml": deploy}, base=good))[1] if f["rule"] == "HL604"]
    assert [(f["path"], f["line"]) for f in found] == [(f"{APP}/deployment.yaml", 11)]
    assert "becomes an integer" in found[0]["message"]
    assert "${quote}${BUILD_ID}${quote}" in found[0]["fix"] and "quote it in the manifest" not in found[0]["fix"]


STRING_DATA = """---
apiVersion: v1
kind: {kind}
metadata:
  name: settings
{section}:
  value: {value}
"""


@pytest.mark.parametrize(
    ("kind", "section", "value", "fires"),
    [
        ("ConfigMap", "data", '"${BUILD_ID}"', True),
        ("ConfigMap", "data", "${BUILD_ID}", True),
        ("Secret", "stringData", '"${BUILD_ID}"', True),
        ("ConfigMap", "data", "${quote}${BUILD_ID}${quote}", False),  # Flux's documented form
        ("ConfigMap", "data", '"${quote}${BUILD_ID}${quote}"', False),
        ("ConfigMap", "data", '"v${BUILD_ID}"', False),  # a string after substitution
        ("ConfigMap", "data", '"${BUILD_ID} #1"', False),  # written quoted by kustomize: stays a string
        ("ConfigMap", "data", '"${APP}"', False),
        ("ConfigMap", "data", '"${NOT_SET}"', False),  # unknown: not judged
        ("Secret", "data", '"${BUILD_ID}"', False),  # base64 data: not this rule's
    ],
)
def test_hl604_string_data_substituted_with_a_number(repo, check_json, kind, section, value, fires):
    """A ConfigMap's data and a Secret's stringData are string maps: a `${VAR}` (quoted or not) that
    the Kustomization certainly substitutes with a number is rejected; Flux's `${quote}` form, a
    text that stays a string, or a variable whose value is unknown is not reported."""
    good = "rules/HL604/good"
    files = {
        f"{APP}/settings.yaml": STRING_DATA.format(kind=kind, section=section, value=value),
        f"{APP}/kustomization.yaml": "resources:\n  - ./helmrelease.yaml\n  - ./deployment.yaml\n  - ./settings.yaml\n",
    }
    found = rules_of(check_json(repo(files, base=good))[1], "HL604")
    assert found == ([(f"{APP}/settings.yaml", 7)] if fires else [])


def test_hl604_a_quoted_env_value_substituted_with_a_number(repo, check_json):
    good = "rules/HL604/good"
    deploy = (FIXTURES / good / APP / "deployment.yaml").read_text()
    deploy = deploy.replace('value: "${quote}${BUILD_ID}${quote}"', 'value: "${BUILD_ID}"')
    found = rules_of(check_json(repo({f"{APP}/deployment.yaml": deploy}, base=good))[1], "HL604")
    assert found == [(f"{APP}/deployment.yaml", 28)]


@pytest.mark.parametrize(
    ("written", "value", "claimed"),
    [('"${CLAIM_ON}"', "false", False), ("${CLAIM_ON}", "false", False), ('"${CLAIM_ON}"', "true", True)],
)
def test_a_quoted_enabled_substituted_with_false_turns_the_item_off(repo, check_json, written, value, claimed):
    """`enabled: "${CLAIM_ON}"` with CLAIM_ON "false" is the boolean false after Flux's substitution
    (the quotes are gone in the text it substitutes): the persistence item is off, its
    existingClaim is not claimed (HL301), as with the unquoted form."""
    bad = "rules/HL301/bad"
    release = (FIXTURES / bad / APP / "helmrelease.yaml").read_text()
    release = release.replace(
        "existingClaim: echo-data  # expect: HL301", f"enabled: {written}\n        existingClaim: echo-data"
    )
    ks = (FIXTURES / bad / KS).read_text().replace("      APP: echo\n", f'      APP: echo\n      CLAIM_ON: "{value}"\n')
    found = rules_of(check_json(repo({f"{APP}/helmrelease.yaml": release, KS: ks}, base=bad))[1], "HL301")
    assert bool(found) is claimed


@pytest.mark.parametrize(
    ("field", "value", "fires"),
    [
        ("interval", "1h30m", False),
        ("interval", "${INTERVAL}", False),
        ("interval", "90", True),
        ("interval", "1w", True),
        ("interval", "-5m", True),
        ("timeout", "5m", False),
    ],
)
def test_hl605_durations(repo, check_json, field, value, fires):
    good = "rules/HL605/good"
    path = "kubernetes/apps/flux-system/notifications.yaml"
    text = (FIXTURES / good / path).read_text().replace("  interval: 24h", f"  {field}: {value!r}".replace("'", '"'))
    found = rules_of(check_json(repo({path: text}, base=good))[1], "HL605")
    assert bool(found) is fires, found


def test_a_build_view_gives_every_candidate_in_build_order_however_far_a_patch_looked_before():
    made = []

    def candidates():
        for name in ("a", "b", "c"):
            made.append(name)
            yield Candidate(None, "", "v1", "ConfigMap", {name}, {"default"}, {}, {})

    view = BuildView(False, candidates())
    first = view.candidates()
    assert next(first).names == {"a"} and made == ["a"]  # a patch that matched the first looked no further
    second = view.candidates()
    assert [next(second).names, next(second).names] == [{"a"}, {"b"}]
    assert [c.names for c in first] == [{"b"}, {"c"}]
    assert [c.names for c in view.candidates()] == [{"a"}, {"b"}, {"c"}]
    assert made == ["a", "b", "c"]  # each made once


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (("spec", "interval"), [(("spec", "interval"), "1h")]),
        (("spec", "timeout"), []),
        (("spec", "interval", "deeper"), []),  # a scalar has no keys
        (
            ("spec", "valuesFrom", "*", "kind"),
            [(("spec", "valuesFrom", 0, "kind"), "Secret"), (("spec", "valuesFrom", 2, "kind"), "X")],
        ),
        (
            ("spec", "rows", "*", "*"),
            [(("spec", "rows", 0, 0), "a"), (("spec", "rows", 0, 1), "b"), (("spec", "rows", 1, 0), "c")],
        ),
        (("spec", "interval", "*"), []),  # not a list
    ],
)
def test_hl605_reads_every_value_at_a_field_path_in_document_order(path, found):
    data = {
        "spec": {
            "interval": "1h",
            "valuesFrom": [{"kind": "Secret"}, {"name": "no-kind"}, {"kind": "X"}],
            "rows": [["a", "b"], ["c"]],
        }
    }
    assert _values_at(data, path) == found


def test_a_cached_run_notices_a_changed_bootstrap_script(repo, run):
    """HL113 reads bootstrap scripts and HL116 reads templates: the run cache must watch them."""
    import json

    root = repo({"scripts/bootstrap.sh": "#!/bin/sh\necho nothing yet\n"}, base="rules/HL113/bad")

    def namespaces() -> list[str]:
        result = run("check", str(root), "--format", "json")
        return sorted(f["message"].split("'")[1] for f in json.loads(result.stdout) if f["rule"] == "HL113")

    assert namespaces() == ["jellyfin", "media"]
    (root / "scripts/bootstrap.sh").write_text("#!/bin/sh\nkubectl create namespace media\n")
    assert namespaces() == ["jellyfin"]


def test_a_cached_run_notices_an_edited_script_without_a_suffix(repo, run):
    """Whether a suffix-less file is a script is read from its first line: the run cache watches
    every such file by content, so adding or dropping the shebang, or editing the commands, changes
    the next cached run's verdict."""
    import json

    script = "kubectl create namespace media\n"
    root = repo({"scripts/bootstrap": "# " + script}, base="rules/HL113/bad")

    def namespaces() -> list[str]:
        result = run("check", str(root), "--format", "json")
        return sorted(f["message"].split("'")[1] for f in json.loads(result.stdout) if f["rule"] == "HL113")

    assert namespaces() == ["jellyfin", "media"]  # no shebang: not a script
    (root / "scripts/bootstrap").write_text("#!/bin/sh\n" + script)
    assert namespaces() == ["jellyfin"]
    (root / "scripts/bootstrap").write_text("#!/bin/sh\n" + script.replace("media", "jellyfin"))
    assert namespaces() == ["media"]
    (root / "scripts/bootstrap").write_text("#!/usr/bin/env python3\n" + script)
    assert namespaces() == ["jellyfin", "media"]
    (root / ".mise/tasks").mkdir(parents=True)
    (root / ".mise/tasks/init").write_text(script)
    assert namespaces() == ["jellyfin"]
    (root / ".mise/tasks/init").write_text(script.replace("media", "jellyfin"))
    assert namespaces() == ["media"]


SHARED = "kubernetes/apps/default/{}/app/helmrelease.yaml"


def _with_metadata(path: str, field: str, value: str) -> str:
    text = (FIXTURES / "rules/HL112/bad" / path).read_text()
    return text.replace("  name: echo", f"  name: echo\n  {field}:\n    kustomize.toolkit.fluxcd.io/{value}", 1)


@pytest.mark.parametrize(
    ("echo", "copy", "fires"),
    [
        # kustomize-controller creates an IfNotPresent object only when it is absent and never sets
        # its own owner labels on one another Kustomization applied; it prunes only its own
        (("annotations", "ssa: IfNotPresent"), ("annotations", "ssa: IfNotPresent"), False),
        (("labels", "ssa: ifnotpresent"), ("annotations", "ssa: IfNotPresent"), False),
        # one copy is applied at every reconcile, the other never takes it over
        (None, ("annotations", "ssa: IfNotPresent"), False),
        # Ignore and reconcile: disabled: that copy is never applied
        (("annotations", "ssa: Ignore"), None, False),
        (None, ("labels", "reconcile: disabled"), False),
        # both still server-side apply it at every reconcile
        (("annotations", "ssa: Merge"), ("annotations", "ssa: Merge"), True),
        (("annotations", "prune: disabled"), ("annotations", "prune: disabled"), True),
        (None, None, True),
    ],
)
def test_hl112_copies_created_only_if_absent_or_never_applied_do_not_fight(repo, check_json, echo, copy, fires):
    files = {}
    for folder, metadata in (("echo", echo), ("echo-copy", copy)):
        if metadata is not None:
            files[SHARED.format(folder)] = _with_metadata(SHARED.format(folder), *metadata)
    _, findings = check_json(repo(files, base="rules/HL112/bad"), "--select", "HL112")
    assert bool(findings) is fires


def test_hl112_reads_the_ssa_policy_a_kustomizations_common_metadata_sets(repo, check_json):
    """spec.commonMetadata overrides the object's own keys before the apply: IfNotPresent there
    spares the copy, Merge there makes the copy's own IfNotPresent void."""
    ks = (FIXTURES / "rules/HL112/bad/kubernetes/apps/default/echo-copy/ks.yaml").read_text()
    common = "spec:\n  commonMetadata:\n    annotations:\n      kustomize.toolkit.fluxcd.io/ssa: {}\n"
    copy = SHARED.format("echo-copy")
    for value, fires in (("IfNotPresent", False), ("Merge", True)):
        files = {
            "kubernetes/apps/default/echo-copy/ks.yaml": ks.replace("spec:\n", common.format(value), 1),
            copy: _with_metadata(copy, "annotations", "ssa: IfNotPresent"),
        }
        _, findings = check_json(repo(files, base="rules/HL112/bad"), "--select", "HL112")
        assert bool(findings) is fires, value


@pytest.mark.parametrize(
    ("echo", "copy", "prunes"),
    [
        (("annotations", "prune: disabled"), ("labels", "prune: Disabled"), False),
        (("annotations", "prune: disabled"), None, True),  # the other copy is still pruned as usual
        (None, None, True),
    ],
)
def test_hl112_says_no_copy_prunes_an_object_whose_pruning_is_disabled(repo, check_json, echo, copy, prunes):
    """kustomize-controller's garbage collection skips an object labelled or annotated
    kustomize.toolkit.fluxcd.io/prune: disabled: both Kustomizations still claim it (the last
    apply wins its fields and owner labels), but neither deletes it."""
    files = {}
    for folder, metadata in (("echo", echo), ("echo-copy", copy)):
        if metadata is not None:
            files[SHARED.format(folder)] = _with_metadata(SHARED.format(folder), *metadata)
    _, findings = check_json(repo(files, base="rules/HL112/bad"), "--select", "HL112")
    (message,) = [f["message"] for f in findings]
    assert ("pruning one deletes what the other applies" in message) is prunes
    assert ("the last one to apply wins its fields" in message) is not prunes


def test_hl112_points_at_no_other_place_when_both_apply_one_file(repo, check_json):
    """Two Kustomizations building one folder apply one document: the message names no second
    place, which would be the finding's own."""
    ks = (FIXTURES / "rules/HL112/bad/kubernetes/apps/default/echo-copy/ks.yaml").read_text()
    files = {"kubernetes/apps/default/echo-copy/ks.yaml": ks.replace("/echo-copy/app", "/echo/app")}
    _, findings = check_json(repo(files, base="rules/HL112/bad"), "--select", "HL112")
    (finding,) = findings
    assert finding["path"] == "kubernetes/apps/default/echo/app/helmrelease.yaml"
    assert "(also" not in finding["message"]


def test_hl115_judges_a_nested_component_patch_against_the_builds_that_include_the_outer_one(repo, check_json):
    """kustomize gives a Component nested in another the accumulator of the build that includes
    the outer one (api/internal/target/kusttarget.go accumulateDirectory): its patch targets are
    matched there, whether a kustomization's components: or a Flux spec.components names the outer."""
    from .test_flux_model import _component_repo

    for layout in ("nested", "flux"):
        found = rules_of(check_json(repo(_component_repo(layout)))[1], "HL115")
        assert found == [], layout
        files = _component_repo(layout)
        inner = "components/outer/inner/kustomization.yaml"
        files[inner] = files[inner].replace("kind: Kustomization, group", "kind: HelmRelease, group")
        found = rules_of(check_json(repo(files))[1], "HL115")
        assert found == [(inner, 4)], layout


APP_A = "substitute: {APP: app-a}"


def _two_kustomizations_with_one_component(app_x: str, app_y: str, name: str = "${APP}-cm") -> dict[str, str]:
    """Flux Kustomizations ks-x and ks-y (namespace ns-a) both include a component making ConfigMap
    `name`, each with its own postBuild (None: none at all)."""

    def ks(which: str, post_build: str | None) -> str:
        post = f"  postBuild:\n    {post_build}\n" if post_build is not None else ""
        return (
            f"---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ks-{which}\n"
            f"  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./apps/{which}\n  prune: true\n  targetNamespace: ns-a\n"
            f"  components: [../comp]\n{post}  sourceRef: {{kind: GitRepository, name: flux-system}}\n"
        )

    files = {
        "apps/comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [./cm.yaml]\n",
        "apps/comp/cm.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata: {{k: v}}\n",
        "clusters/c1/ks.yaml": ks("x", app_x) + ks("y", app_y) + "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        ".homelint.yaml": "flux:\n  roots: [clusters/c1]\n",  # a known root: no guessed-root hedge
    }
    for which in ("x", "y"):
        files[f"apps/{which}/kustomization.yaml"] = "resources: [./own.yaml]\n"
        files[f"apps/{which}/own.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: own-{which}}}\ndata: {{k: v}}\n"
    return files


@pytest.mark.parametrize(
    ("app_x", "app_y", "shared"),
    [
        (APP_A, APP_A, "ConfigMap ns-a/app-a-cm"),  # both substitute to one name: they fight over it
        (APP_A, "substitute: {APP: app-b}", None),  # each its own name after substitution
        # names the repository cannot tell: say nothing
        (APP_A, "substitute: {OTHER: app-a}", None),
        (APP_A, "substituteFrom: [{kind: Secret, name: vars-a, optional: true}]", None),
        (None, None, None),  # no postBuild: `${APP}-cm` is applied literally (an invalid name), by neither
    ],
)
def test_hl112_keys_objects_on_their_name_after_substitution(repo, check_json, app_x, app_y, shared):
    """kustomize-controller's build() runs post-build substitution (fluxcd/pkg SubstituteVariables)
    on every object before the apply, so `${APP}-cm` with APP=app-a in two Kustomizations is one
    object ns-a/app-a-cm that each applies and prunes as its own."""
    _, findings = check_json(repo(_two_kustomizations_with_one_component(app_x, app_y)), "--select", "HL112")
    if shared is None:
        assert findings == []
    else:
        (finding,) = findings
        assert finding["path"] == "apps/comp/cm.yaml"
        assert finding["message"].startswith(f"{shared} is applied by 2 Flux Kustomizations")


def test_hl112_a_templated_name_meets_a_literal_one(repo, check_json):
    """A literal app-a-cm in one build and `${APP}-cm` with APP=app-a in another are one object."""
    files = _two_kustomizations_with_one_component(APP_A, APP_A)
    files["apps/x/own.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-a-cm}\ndata: {k: v}\n"
    files["apps/x/kustomization.yaml"] = "resources: [./own.yaml]\n"
    files["clusters/c1/ks.yaml"] = files["clusters/c1/ks.yaml"].replace("  components: [../comp]\n", "", 1)
    _, findings = check_json(repo(files), "--select", "HL112")
    assert [f["message"].split(" is applied")[0] for f in findings] == ["ConfigMap ns-a/app-a-cm"]


def _flux_ks(name: str, path: str) -> str:
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        f"metadata:\n  name: {name}\n  namespace: flux-system\n"
        f"spec:\n  interval: 1h\n  path: {path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    )


def _instance(cluster: str) -> str:
    return (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
        f"  sync: {{kind: GitRepository, url: 'https://git.example.invalid/repo', ref: refs/heads/main, path: clusters/{cluster}/root}}\n"
    )


CM_A = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: flux-system\ndata:\n  k: v\n"


@pytest.mark.parametrize("shared", ["Kustomization", "ConfigMap"])
def test_hl112_compares_what_a_fluxinstance_sync_applies(repo, check_json, shared):
    """flux-operator makes a real Kustomization of a FluxInstance's sync (no one applies it by
    hand): an object it applies that another Kustomization applies too is fought over."""
    copy = _flux_ks("app-a", "./apps/app-a") if shared == "Kustomization" else CM_A
    files = {
        "clusters/c1/root/flux.yaml": _instance("c1"),
        "clusters/c1/root/apps.yaml": _flux_ks("cluster-apps", "./clusters/c1/apps"),
        "clusters/c1/root/copy.yaml": copy,
        "clusters/c1/apps/copy.yaml": copy,
        "apps/app-a/cm.yaml": CM_A.replace("cm-a", "cm-b"),
    }
    _, findings = check_json(repo(files), "--select", "HL112")
    assert [(f["path"], f["message"].split(" is applied by ")[0]) for f in findings] == [
        ("clusters/c1/root/copy.yaml", f"{shared} flux-system/{'app-a' if shared == 'Kustomization' else 'cm-a'}")
    ]
    assert "Kustomization flux-system/cluster-apps" in findings[0]["message"]


def test_hl112_a_sync_whose_path_defines_its_own_kustomization_is_one_kustomization(repo, check_json):
    """The sync's Kustomization (named as its source, flux-system) applying a definition of
    itself from its path is one Kustomization, not two."""
    files = {
        "clusters/c1/root/flux.yaml": _instance("c1"),
        "clusters/c1/root/flux-system.yaml": _flux_ks("flux-system", "./clusters/c1/root"),
        "clusters/c1/root/cm.yaml": CM_A,
    }
    _, findings = check_json(repo(files), "--select", "HL112")
    assert findings == []


def test_hl112_a_sync_and_a_kustomization_of_another_cluster_do_not_share(repo, check_json):
    """Each cluster's sync applies its own copy: one in cluster c1's sync and one in a Kustomization
    of cluster c2 are two objects in two clusters."""
    files = {
        "clusters/c1/root/flux.yaml": _instance("c1"),
        "clusters/c1/root/cm.yaml": CM_A,
        "clusters/c2/root/flux.yaml": _instance("c2"),
        "clusters/c2/root/apps.yaml": _flux_ks("cluster-apps", "./clusters/c2/apps"),
        "clusters/c2/apps/cm.yaml": CM_A,
    }
    _, findings = check_json(repo(files), "--select", "HL112")
    assert findings == []


SYNC = flux_root("flux-system", "./clusters/c")
ROOT = {
    "clusters/c/flux-system/gotk-sync.yaml": SYNC,
    "clusters/c/flux-system/kustomization.yaml": "resources:\n  - gotk-sync.yaml\n  - namespace.yaml\n",
    "clusters/c/flux-system/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n",
}


def _app_ks(name: str, path: str) -> str:
    return (
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        f"metadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: {path}\n"
        "  prune: true\n  targetNamespace: ns-a\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    )


BROKEN_NAMESPACE = "apiVersion: v1\nkind: Namespace\n  metadata:\n    name: ns-a\n"  # HL001: mapping values


def _broken_build(kustomization: str = "resources:\n  - ns.yaml\n  - cm.yaml\n") -> dict[str, str]:
    """app-a builds a folder whose Namespace ns-a does not parse (or whose kustomization kustomize
    refuses); kustomize stops there, nothing of app-a is applied."""
    return {
        **ROOT,
        "clusters/c/apps.yaml": _app_ks("app-a", "./apps/app-a"),
        "apps/app-a/kustomization.yaml": kustomization,
        "apps/app-a/ns.yaml": BROKEN_NAMESPACE,
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
    }


def test_hl113_is_silent_on_a_build_that_fails_before_anything_is_applied(repo, check_json):
    """kustomize stops at a file that does not parse (MalformedYAMLError) or at a kustomization
    it refuses ("apiVersion for Kustomization should be ..."): the Kustomization applies nothing,
    so it lands nothing in a namespace; HL001 / HL601 name the cause."""
    found = check_json(repo(_broken_build()))[1]
    assert [f["path"] for f in found if f["rule"] == "HL001"] == ["apps/app-a/ns.yaml"]
    assert rules_of(found, "HL113") == []
    files = _broken_build("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Kustomization\nresources:\n  - cm.yaml\n")
    files["apps/app-a/ns.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\n"
    found = check_json(repo(files))[1]
    assert [f["path"] for f in found if f["rule"] == "HL601"] == ["apps/app-a/kustomization.yaml"]
    assert rules_of(found, "HL113") == []


def test_hl113_names_a_namespace_manifest_that_does_not_parse(repo, check_json):
    """Another Kustomization that builds fine lands in ns-a: the namespace is missing, and the
    broken file that may hold its Namespace is named as the cause."""
    files = _broken_build()
    files["clusters/c/apps.yaml"] += _app_ks("app-b", "./apps/app-b")
    files["apps/app-b/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-c\n"
    (message,) = [f["message"] for f in check_json(repo(files))[1] if f["rule"] == "HL113"]
    assert message.startswith("namespace 'ns-a' is never created")
    assert "Kustomization flux-system/app-b applies ConfigMap cm-c there" in message
    assert message.endswith("; apps/app-a/ns.yaml may hold its Namespace, but it is not valid YAML (HL001): fix that file first")


def _flux_ks_of(name: str, path: str, source: str = "repo-a") -> str:
    return (
        f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n"
        f"  namespace: flux-system\nspec:\n  interval: 10m\n  path: {path}\n  prune: true\n"
        f"  sourceRef: {{kind: GitRepository, name: {source}}}\n"
    )


SOURCE_A = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: repo-a\n  namespace: flux-system\n"
    "spec:\n  interval: 1m\n  url: https://example.com/org-a/repo-a.git\n  ref: {branch: main}\n"
)


def test_hl112_says_when_a_chain_starts_at_a_root_beside_the_source_its_folder_does_not_list(repo, check_json):
    """The Kustomization beside this repository's source that nothing applies is taken as the root;
    when its folder's kustomization.yaml lists nothing beside the source, `kubectl apply -k` of the
    folder leaves it out: the fight in its tree holds only if its own file is applied."""
    folder = "clusters/c1/config"
    files = {
        f"{folder}/kustomization.yaml": "resources:\n  - ./source.yaml\n",
        f"{folder}/source.yaml": SOURCE_A,
        f"{folder}/ks-old.yaml": _flux_ks_of("ks-old", "./clusters/c1"),
        "clusters/c1/apps.yaml": _flux_ks_of("ks-x", "./shared") + "---\n" + _flux_ks_of("ks-y", "./shared"),
        "shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\n",
    }
    _, findings = check_json(repo(files), "--select", "HL112")
    (finding,) = findings
    assert finding["path"] == "shared/cm.yaml"
    assert finding["message"].startswith(
        f"if {folder}/ks-old.yaml is applied (a guessed root: it is beside this repository's source and nothing "
        f"in the repository applies it, but {folder}/kustomization.yaml does not list it): "
    )
    # where it lists a Kustomization beside the source (and the source), that one is the root, and
    # ks-old, in the folder ks-config builds, is a file its kustomization leaves out: no fight
    files = {
        f"{folder}/kustomization.yaml": "resources:\n  - ./source.yaml\n  - ./ks-config.yaml\n",
        f"{folder}/source.yaml": SOURCE_A,
        f"{folder}/ks-config.yaml": _flux_ks_of("ks-config", f"./{folder}"),
        f"{folder}/ks-old.yaml": _flux_ks_of("ks-old", "./clusters/c1"),
    }
    _, findings = check_json(repo(files), "--select", "HL102,HL104,HL112")
    assert [(f["rule"], f["path"]) for f in findings] == [("HL102", f"{folder}/ks-old.yaml")]
    # a root the evidence names (a flux bootstrap's gotk-sync.yaml, which its folder lists): no condition
    files = {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/flux-system/kustomization.yaml": "resources:\n  - gotk-sync.yaml\n",
        "clusters/main/kustomization.yaml": "resources:\n  - flux-system\n  - ks.yaml\n",
        "clusters/main/ks.yaml": _flux_ks_of("ks-x", "./shared", "flux-system")
        + "---\n"
        + _flux_ks_of("ks-y", "./shared", "flux-system"),
        "shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\n",
    }
    _, findings = check_json(repo(files), "--select", "HL112")
    (finding,) = findings
    assert finding["message"].startswith("ConfigMap ns-a/cm-a is applied by 2 Flux Kustomizations")


def test_hl112_says_when_the_roots_were_guessed(repo, check_json):
    """No evidence names a root: the Flux Kustomizations nothing applies were taken as roots (a note
    says so), and two of them building one folder fight only if both are applied."""
    files = {
        "a/ks-x.yaml": _flux_ks_of("ks-x", "./shared", "flux-system"),
        "b/ks-y.yaml": _flux_ks_of("ks-y", "./shared", "flux-system"),
        "shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\n",
    }
    _, findings = check_json(repo(files), "--select", "HL112")
    (finding,) = findings
    assert finding["message"].startswith(
        "if a/ks-x.yaml and b/ks-y.yaml are applied (guessed roots: nothing in the repository applies them; see the "
        "note): ConfigMap ns-a/cm-a is applied by 2 Flux Kustomizations"
    )


@pytest.mark.parametrize(
    ("metadata", "outcome"),
    [
        ("", "the build of kubernetes/apps/default/echo/app fails (kustomize: 'missing metadata.name"),
        (
            "metadata: {name: settings}\n",
            "the build holds the kustomization itself as an object of a kind no API server serves, and Flux's apply "
            "fails on it ('no matches for kind'); nothing that kustomization lists is built",
        ),
    ],
)
def test_hl116_a_resources_entry_naming_another_folders_kustomization_file(repo, check_json, metadata, outcome):
    """kustomize builds a kustomization from its folder and reads a listed file as manifests
    (kubectl kustomize: "accumulating resources from './settings/kustomization.yaml': missing
    metadata.name ... must build at directory: ... file is not directory"): the finding is the
    parent's entry, not the child file's missing metadata (HL004) nor its unbuilt folder (HL104)."""
    files = {
        f"{APP}/kustomization.yaml": "resources:\n  - ./helmrelease.yaml\n  - ./settings/kustomization.yaml\n",
        f"{APP}/settings/kustomization.yaml": (
            f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n{metadata}resources: [./cm.yaml]\n"
        ),
        f"{APP}/settings/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
    }
    _, findings = check_json(repo(files, base="rules/HL116/good"))
    assert sorted((f["rule"], f["path"], f["line"]) for f in findings if f["severity"] != "info") == [
        ("HL116", f"{APP}/kustomization.yaml", 3)
    ]
    (message,) = [f["message"] for f in findings if f["rule"] == "HL116"]
    assert message.startswith("resource './settings/kustomization.yaml' is a kustomization file: ")
    assert outcome in message
    assert message.endswith("; list the folder ./settings, not its kustomization.yaml")


@pytest.mark.parametrize(
    ("entry", "broken"),
    [("./app-b/ks.yaml", True), ("./app-b/kustomization.yaml", True), ("./app-b", False)],
)
def test_hl115_is_not_reported_for_a_build_that_fails_anyway(repo, check_json, entry, broken):
    """A build kustomize fails on (a missing resource: HL101; a listed kustomization file: HL116)
    holds less than Flux would patch: that a spec.patches target matches nothing in what is left
    is no finding, the build error is."""
    from .conftest import GOTK

    apps = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
        "spec:\n  interval: 1h\n  path: ./apps\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
        "  patches:\n    - patch: |-\n        - {op: add, path: /spec/wait, value: true}\n"
        "      target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization}\n"
    )
    files = {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/apps.yaml": apps,
        "apps/kustomization.yaml": f"resources:\n  - ./app-a.yaml\n  - {entry}\n",
        "apps/app-a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\n",
        "apps/app-b/kustomization.yaml": "resources: [./cm.yaml]\n",
        "apps/app-b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b, namespace: ns-a}\n",
    }
    _, findings = check_json(repo(files))
    errors = {f["rule"] for f in findings if f["rule"] in ("HL101", "HL116")}
    assert bool(errors) is broken
    assert rules_of(findings, "HL115") == ([] if broken else [("clusters/main/apps.yaml", 10)])


def test_a_file_only_a_generator_reads_does_not_break_the_build(repo, check_json):
    """kustomize reads configMapGenerator/secretGenerator files as data, never as YAML (verified
    with kubectl kustomize v5.8.1: a malformed bad.yaml becomes the ConfigMap's value): the build
    applies, so HL113 still judges it."""
    files = _broken_build("resources:\n  - cm.yaml\nconfigMapGenerator:\n  - name: data-a\n    files:\n      - ns.yaml\n")
    found = check_json(repo(files))[1]
    (message,) = [f["message"] for f in found if f["rule"] == "HL113"]
    assert message.startswith("namespace 'ns-a' is never created")


def _plain_ks(name: str, path: str) -> str:
    """A Flux Kustomization of `path` without targetNamespace."""
    return _app_ks(name, path).replace("  targetNamespace: ns-a\n", "")


def test_hl110_is_silent_on_a_build_that_fails_before_anything_is_applied(repo, check_json):
    """A ConfigMap without a namespace fails at apply ('namespace not specified'), but app-a's build
    fails earlier, at a file that does not parse: nothing is applied, HL001 names the cause. The
    same ConfigMap from app-b, whose build reads, is reported."""
    files = _broken_build()
    files["clusters/c/apps.yaml"] = _plain_ks("app-a", "./apps/app-a")
    found = check_json(repo(files))[1]
    assert [f["path"] for f in found if f["rule"] == "HL001"] == ["apps/app-a/ns.yaml"]
    assert rules_of(found, "HL110") == []
    files["clusters/c/apps.yaml"] += _plain_ks("app-b", "./apps/app-b")
    files["apps/app-b/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\n"
    found = check_json(repo(files))[1]
    assert rules_of(found, "HL110") == [("apps/app-b/cm.yaml", 4)]


COMPONENT_A = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - cm.yaml\n"


@pytest.mark.parametrize("listed", [False, True], ids=["generated", "explicit"])
def test_hl110_is_silent_on_a_build_that_lists_a_component_as_a_resource(repo, check_json, listed):
    """kustomize fails on a Component folder under resources: ("expected kind != 'Component'",
    api/internal/target/kusttarget.go), whether a kustomization.yaml lists it or the kustomization
    Flux generates for a path without one does (fluxcd/pkg kustomize_generator.go lists every
    subfolder holding a kustomization file): nothing of app-a is applied, so its ConfigMap without
    a namespace fails nowhere; HL101 names the cause."""
    files = {
        **ROOT,
        "clusters/c/apps.yaml": _plain_ks("app-a", "./apps/app-a"),
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
        "apps/app-a/comp-a/kustomization.yaml": COMPONENT_A,
        "apps/app-a/comp-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-comp\n  namespace: ns-a\n",
    }
    if listed:
        files["apps/app-a/kustomization.yaml"] = "resources:\n  - cm.yaml\n  - comp-a\n"
    found = check_json(repo(files))[1]
    cause = "apps/app-a/kustomization.yaml" if listed else "apps/app-a/comp-a/kustomization.yaml"
    assert [f["path"] for f in found if f["rule"] == "HL101"] == [cause]
    assert rules_of(found, "HL110") == []
    # listed as a component, it builds: the ConfigMap without a namespace is reported
    files["apps/app-a/kustomization.yaml"] = "resources:\n  - cm.yaml\ncomponents:\n  - comp-a\n"
    found = check_json(repo(files))[1]
    assert rules_of(found, "HL101") == []
    assert rules_of(found, "HL110") == [("apps/app-a/cm.yaml", 4)]


def test_hl112_does_not_count_a_build_that_fails_before_anything_is_applied(repo, check_json):
    """app-a and app-b both build ConfigMap ns-a/cm-a, but app-a's build fails at a file that does
    not parse: it applies nothing, so nothing is taken from app-b. Once the file parses, they fight."""
    files = {
        **_broken_build("resources:\n  - ns.yaml\n  - ../shared/cm.yaml\n"),
        "apps/shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
        "apps/app-b/kustomization.yaml": "resources:\n  - ../shared/cm.yaml\n",
    }
    del files["apps/app-a/cm.yaml"]
    files["clusters/c/apps.yaml"] += _app_ks("app-b", "./apps/app-b")
    found = check_json(repo(files))[1]
    assert [f["path"] for f in found if f["rule"] == "HL001"] == ["apps/app-a/ns.yaml"]
    assert rules_of(found, "HL112") == []
    files["apps/app-a/ns.yaml"] = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n"
    found = check_json(repo(files))[1]
    assert rules_of(found, "HL112") == [("apps/shared/cm.yaml", 4)]


def _cluster(name: str) -> dict[str, str]:
    """A cluster whose flux bootstrap (gotk-sync) syncs clusters/<name>."""
    return {
        f"clusters/{name}/flux-system/gotk-sync.yaml": SYNC.replace("./clusters/c", f"./clusters/{name}"),
        f"clusters/{name}/flux-system/kustomization.yaml": "resources:\n  - gotk-sync.yaml\n  - namespace.yaml\n",
        f"clusters/{name}/flux-system/namespace.yaml": ROOT["clusters/c/flux-system/namespace.yaml"],
    }


def test_hl113_counts_the_namespaces_of_the_cluster_that_applies(repo, check_json):
    """Two flux bootstraps are two clusters: c1 applies Namespace ns-a, c2 applies a ConfigMap in
    ns-a and no Namespace ns-a. A namespace of c1 does not exist in c2: c2's apply fails."""
    files = {
        **_cluster("c1"),
        **_cluster("c2"),
        "clusters/c1/apps.yaml": _app_ks("app-a", "./apps/c1/app-a"),
        "apps/c1/app-a/kustomization.yaml": "resources:\n  - ns.yaml\n  - cm.yaml\n",
        "apps/c1/app-a/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/c1/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
        "clusters/c2/apps.yaml": _app_ks("app-a", "./apps/c2/app-a"),
        "apps/c2/app-a/kustomization.yaml": "resources:\n  - cm.yaml\n",
        "apps/c2/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
    }
    found = check_json(repo(files))[1]
    (finding,) = [f for f in found if f["rule"] == "HL113"]
    assert finding["path"] == "clusters/c2/apps.yaml"
    assert finding["message"].startswith(
        "namespace 'ns-a' is never created in its cluster: no Namespace object, HelmRelease createNamespace, "
        "Flux namespace or bootstrap file makes it, yet Kustomization flux-system/app-a applies ConfigMap cm-a there;"
    )
    assert (
        "; the cluster of the root clusters/c1 makes it, but a namespace of one cluster does not exist in another"
        in (finding["message"])
    )
    files["apps/c2/app-a/kustomization.yaml"] = "resources:\n  - ../../c1/app-a/ns.yaml\n  - cm.yaml\n"
    assert rules_of(check_json(repo(files))[1], "HL113") == []  # c2 applies its own copy


def test_hl113_takes_guessed_roots_for_one_cluster(repo, check_json):
    """Without a bootstrap, FluxInstance or flux.roots, the Flux Kustomizations nothing applies
    are guessed roots; applied by hand, they may all go to one cluster: a Namespace one of them
    applies counts for the others."""
    files = {
        "infra/ks.yaml": _plain_ks("infra", "./infra/app"),
        "infra/app/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/ks.yaml": _app_ks("app-a", "./apps/app-a") + _plain_ks("app-c", "./apps/app-c"),
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
        "apps/app-c/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-c\n",
    }
    root = repo(files)
    assert rules_of(check_json(root)[1], "HL113") == []
    (root / "infra/app/ns.yaml").unlink()
    (root / "infra/app/cm.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-b\n")
    assert rules_of(check_json(root)[1], "HL113") == [("apps/ks.yaml", 11)]


UPSTREAM_A = (
    "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: upstream-a\n"
    "  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://example.com/upstream-a\n  ref: {tag: v1.0.0}\n"
    "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: upstream-a\n"
    "  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./manifests\n  prune: true\n"
    "  sourceRef: {kind: GitRepository, name: upstream-a}\n"
)
UPSTREAM_A_INTO_NS_A = UPSTREAM_A.replace("  path: ./manifests\n", "  path: ./manifests\n  targetNamespace: ns-a\n")


def _hl113(found: list[dict]) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["severity"]) for f in found if f["rule"] == "HL113"]


@pytest.mark.parametrize("target", [True, False])
def test_hl113_is_no_error_in_a_cluster_with_a_build_it_does_not_follow(repo, check_json, target):
    """upstream-a builds from another GitRepository, which homelint does not read: its build may
    hold a Namespace (kustomize-controller applies those first, fluxcd/pkg ssa ApplyAllStaged).
    With targetNamespace ns-a it lands in ns-a: ns-a counts as created. Without, it may still
    create ns-a: an info names it instead of an error. An unfollowed build in another cluster
    changes nothing for this one."""
    upstream = UPSTREAM_A_INTO_NS_A if target else UPSTREAM_A
    app = {
        "clusters/c2/apps.yaml": _app_ks("app-a", "./apps/app-a"),
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
    }
    files = {**_cluster("c1"), **_cluster("c2"), **app}
    assert _hl113(check_json(repo(files))[1]) == [("clusters/c2/apps.yaml", 11, "error")]
    files["clusters/c1/upstream.yaml"] = upstream  # another cluster
    assert _hl113(check_json(repo(files))[1]) == [("clusters/c2/apps.yaml", 11, "error")]
    files["clusters/c2/upstream.yaml"] = upstream
    found = [f for f in check_json(repo(files))[1] if f["rule"] == "HL113"]
    assert _hl113(found) == ([] if target else [("clusters/c2/apps.yaml", 11, "info")])
    if not target:
        assert found[0]["message"].startswith("namespace 'ns-a' may not be created: ")
        assert (
            "; Kustomization flux-system/upstream-a builds from GitRepository flux-system/upstream-a, which homelint "
            "did not follow, and may create it; if it does not, the apply fails" in found[0]["message"]
        )


FLUX_FROM_OCI = (
    "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: flux-manifests\n"
    "  namespace: flux-system\nspec:\n  interval: 1h\n  url: oci://ghcr.io/fluxcd/flux-manifests\n  ref: {tag: v2.6.0}\n"
    "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux\n"
    "  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./\n  prune: true\n"
    "  sourceRef: {kind: OCIRepository, name: flux-manifests}\n"
)
FLUX_FROM_GIT = (
    "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux2\n"
    "  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://github.com/fluxcd/flux2\n  ref: {tag: v2.6.0}\n"
    "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux\n"
    "  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./manifests/install\n  prune: true\n"
    "  sourceRef: {kind: GitRepository, name: flux2}\n"
)


@pytest.mark.parametrize("flux", [FLUX_FROM_OCI, FLUX_FROM_GIT], ids=["flux-manifests", "flux2-manifests"])
def test_hl113_flux_s_own_manifests_create_no_namespace_of_the_repository(repo, check_json, flux):
    """A Kustomization that installs Flux itself from its published manifests (the flux-manifests
    OCI artifact, fluxcd/flux2's manifests/) applies Flux's controllers, CRDs and RBAC in its one
    namespace: not ns-a. The missing namespace stays an error."""
    files = {
        **_cluster("c1"),
        "clusters/c1/flux.yaml": flux,
        "clusters/c1/apps.yaml": _app_ks("app-a", "./apps/app-a"),
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
    }
    assert _hl113(check_json(repo(files))[1]) == [("clusters/c1/apps.yaml", 11, "error")]
    files["clusters/c1/flux.yaml"] = flux.replace("fluxcd/flux-manifests", "example/other").replace(
        "fluxcd/flux2", "example/other"
    )
    assert _hl113(check_json(repo(files))[1]) == [("clusters/c1/apps.yaml", 11, "info")]  # another artifact: it may


def test_hl113_names_the_cluster_whose_unfollowed_build_lands_in_the_namespace(repo, check_json):
    """An unfollowed build with targetNamespace ns-a counts as making ns-a in its own cluster:
    the finding in another cluster says that cluster has it."""
    files = {
        **_cluster("c1"),
        **_cluster("c2"),
        "clusters/c1/upstream.yaml": UPSTREAM_A_INTO_NS_A,
        "clusters/c2/apps.yaml": _app_ks("app-a", "./apps/app-a"),
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
    }
    (message,) = [f["message"] for f in check_json(repo(files))[1] if f["rule"] == "HL113"]
    assert "; the cluster of the root clusters/c1 makes it, but a namespace of one cluster does not exist in another" in message


def _two_clusters(ca: list[str], cb: list[str], shared: dict[str, str]) -> dict[str, str]:
    """A flux bootstrap of clusters/ca and one of clusters/cb (each its own cluster), each
    cluster's folder holding the Flux Kustomizations given for it, beside folders both build."""
    files = dict(shared)
    for cluster, docs in (("ca", ca), ("cb", cb)):
        files[f"clusters/{cluster}/flux-system/gotk-sync.yaml"] = GOTK.replace("./clusters/main", f"./clusters/{cluster}")
        files[f"clusters/{cluster}/flux-system/kustomization.yaml"] = "resources:\n  - gotk-sync.yaml\n"
        files[f"clusters/{cluster}/kustomization.yaml"] = "resources:\n  - flux-system\n  - ks.yaml\n"
        files[f"clusters/{cluster}/ks.yaml"] = "---\n".join(docs)
    return files


CM_SHARED = {"shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\n"}


def test_hl112_kustomizations_of_two_clusters_do_not_share(repo, check_json):
    """Each cluster's kustomize-controller applies to its own API server: cluster ca's ks-a and
    cluster cb's ks-b building one folder make one object in each cluster, not one fought over."""
    files = _two_clusters(
        [_flux_ks_of("ks-a", "./shared", "flux-system")], [_flux_ks_of("ks-b", "./shared", "flux-system")], CM_SHARED
    )
    _, findings = check_json(repo(files), "--select", "HL112")
    assert findings == []


def test_hl112_names_only_the_kustomizations_of_the_clusters_copy(repo, check_json):
    """Two Kustomizations of cluster ca fight over the object; cluster cb's, applying its own copy,
    is not one of them."""
    ca = [_flux_ks_of("ks-a", "./shared", "flux-system"), _flux_ks_of("ks-c", "./shared", "flux-system")]
    files = _two_clusters(ca, [_flux_ks_of("ks-b", "./shared", "flux-system")], CM_SHARED)
    _, findings = check_json(repo(files), "--select", "HL112")
    (finding,) = findings
    assert finding["message"].startswith(
        "ConfigMap ns-a/cm-a is applied by 2 Flux Kustomizations (Kustomization flux-system/ks-a, "
        "Kustomization flux-system/ks-c); "
    )


def test_hl112_the_same_fight_in_two_clusters(repo, check_json):
    """A folder both clusters apply with the same pair of Kustomizations: each cluster has the
    fight. Over one object, at one place in the repository: one finding; over a folder of them,
    one finding at each cluster's pair of Kustomizations, as each cluster has its own to fix."""
    pair = [_flux_ks_of("ks-a", "./shared", "flux-system"), _flux_ks_of("ks-c", "./shared", "flux-system")]
    _, findings = check_json(repo(_two_clusters(pair, pair, CM_SHARED)), "--select", "HL112")
    assert [f["path"] for f in findings] == ["shared/cm.yaml"]
    assert "(Kustomization flux-system/ks-a, Kustomization flux-system/ks-c)" in findings[0]["message"]
    cms = "---\n".join(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: ns-a\n" for i in range(5))
    _, findings = check_json(repo(_two_clusters(pair, pair, {"shared/cm.yaml": cms})), "--select", "HL112")
    assert [f["path"] for f in findings] == ["clusters/ca/ks.yaml", "clusters/cb/ks.yaml"]
    for finding in findings:
        assert "are applied by each of Kustomization flux-system/ks-a, Kustomization flux-system/ks-c;" in finding["message"]


def test_hl112_takes_guessed_roots_for_one_cluster(repo, check_json):
    """Without a bootstrap, FluxInstance or flux.roots, the Flux Kustomizations nothing applies are
    guessed roots, applied by hand, maybe to one cluster: two of them (disjoint paths) that build
    one object are reported, under the guessed-root condition."""
    files = {
        "a/ks-x.yaml": _flux_ks_of("ks-x", "./app-x", "flux-system"),
        "b/ks-y.yaml": _flux_ks_of("ks-y", "./app-y", "flux-system"),
        "app-x/kustomization.yaml": "resources:\n  - ../shared\n",
        "app-y/kustomization.yaml": "resources:\n  - ../shared\n",
        **{f"shared/{k.split('/')[1]}": v for k, v in CM_SHARED.items()},
        "shared/kustomization.yaml": "resources:\n  - cm.yaml\n",
    }
    _, findings = check_json(repo(files), "--select", "HL112")
    (finding,) = findings
    assert finding["message"].startswith("if a/ks-x.yaml and b/ks-y.yaml are applied (guessed roots")
    assert "ConfigMap ns-a/cm-a is applied by 2 Flux Kustomizations" in finding["message"]


def test_hl112_a_namespace_is_keyed_on_its_name_after_substitution(repo, check_json):
    """`name: ${NS}` of a Namespace, built by two Kustomizations that substitute NS=ns-a and
    NS=ns-b, makes two Namespaces (kustomize-controller substitutes before the apply): no fight.
    With one value for both, one Namespace that both apply."""
    ks = (
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: ks-{0}, namespace: flux-system}}\n"
        "spec:\n  interval: 1h\n  path: ./apps/ns\n  prune: true\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n"
        "  postBuild: {{substitute: {{NS: {1}}}}}\n"
    )
    files = {
        ".homelint.yaml": "flux:\n  roots: [clusters/c1]\n",
        "apps/ns/kustomization.yaml": "resources: [./ns.yaml]\n",
        "apps/ns/ns.yaml": 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "${NS}"\n',
    }
    files["clusters/c1/ks.yaml"] = ks.format("a", "ns-a") + ks.format("b", "ns-b")
    assert check_json(repo(files), "--select", "HL112")[1] == []
    files["clusters/c1/ks.yaml"] = ks.format("a", "ns-a") + ks.format("b", "ns-a")
    (finding,) = check_json(repo(files), "--select", "HL112")[1]
    assert finding["message"].startswith("Namespace ns-a is applied by 2 Flux Kustomizations")


# --- what the Kustomization flux-operator makes for a FluxInstance's sync applies ---------------------
def _synced_instance(namespace: str = "flux-system", patches: str = "") -> str:
    """A FluxInstance syncing ./sync: flux-operator makes its source and Kustomization, named after
    its namespace, with no decryption, postBuild or targetNamespace (internal/builder/templates.go)."""
    return (
        f"apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: {namespace}\n"
        "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
        "  sync: {kind: GitRepository, url: 'https://git.example.invalid/repo', ref: refs/heads/main, path: sync}\n"
        + (f"  kustomize:\n    patches:\n{patches}" if patches else "")
    )


SOPS_SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\nstringData:\n"
    "  k: ENC[AES256_GCM,data:eA==,iv:eA==,tag:eA==,type:str]\nsops:\n"
    "  age:\n    - recipient: age1j8auc0sy76etmugnrnqv7j0v9de5l9ffswnqj7ndrzqndh5rdpjq5atgj8\n      enc: x\n"
    "  lastmodified: '2026-04-25T21:22:05Z'\n  mac: ENC[AES256_GCM,data:eA==,iv:eA==,tag:eA==,type:str]\n"
    "  version: 3.12.2\n"
)


def _sops_under_sync(instance: str) -> dict[str, str]:
    return {
        "infra/instance.yaml": instance,
        "sync/ns-a/kustomization.yaml": "namespace: ns-a\nresources:\n  - namespace.yaml\n  - secret.sops.yaml\n",
        "sync/ns-a/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "sync/ns-a/secret.sops.yaml": SOPS_SECRET,
    }


def test_hl117_a_sops_secret_the_sync_kustomization_applies(repo, check_json):
    """flux-operator's sync Kustomization has no spec.decryption: kustomize-controller refuses a
    SOPS-encrypted Secret it applies, as under a written Kustomization without one."""
    _, findings = check_json(repo(_sops_under_sync(_synced_instance())))
    found = [f for f in findings if f["rule"] == "HL117"]
    assert rules_of(found, "HL117") == [("sync/ns-a/secret.sops.yaml", 4)]
    made = "the Kustomization flux-system/flux-system that flux-operator makes for the sync of FluxInstance flux"
    assert made in found[0]["message"]
    assert "spec.kustomize.patches of FluxInstance flux" in found[0]["fix"]


def test_hl117_is_silent_when_the_instance_patches_decryption_into_its_sync(repo, check_json):
    patch = (
        "      - target: {kind: Kustomization}\n        patch: |-\n          - op: add\n"
        "            path: /spec/decryption\n            value: {provider: sops, secretRef: {name: sops-age}}\n"
    )
    _, findings = check_json(repo(_sops_under_sync(_synced_instance(patches=patch))))
    assert rules_of(findings, "HL117") == []


def test_hl113_judges_what_the_sync_kustomization_applies(repo, check_json):
    """An object the sync applies into a namespace nothing creates fails to apply; the instance's
    own namespace is made by flux-operator with the instance."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{0}\n  namespace: {0}\ndata:\n  k: v\n"
    files = {
        "infra/instance.yaml": _synced_instance("ns-flux"),
        "sync/kustomization.yaml": "resources:\n  - namespace.yaml\n  - cm-flux.yaml\n  - cm-b.yaml\n",
        "sync/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "sync/cm-flux.yaml": cm.format("ns-flux"),
        "sync/cm-b.yaml": cm.format("ns-b"),
    }
    _, findings = check_json(repo(files))
    found = [f for f in findings if f["rule"] == "HL113"]
    assert [f["message"].split(":")[0] for f in found] == ["namespace 'ns-b' is never created"]
    assert "the Kustomization ns-flux/ns-flux that flux-operator makes for the sync of FluxInstance flux" in found[0]["message"]


def test_hl117_a_sync_whose_path_defines_its_own_kustomization_is_not_judged(repo, check_json):
    """The sync's path holds a definition of the Kustomization flux-operator makes (flux-system):
    which spec wins on the cluster is not known here."""
    definition = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./sync\n  prune: true\n"
        "  sourceRef: {kind: GitRepository, name: flux-system}\n"
        "  decryption: {provider: sops, secretRef: {name: sops-age}}\n"
    )
    files = _sops_under_sync(_synced_instance())
    files["sync/flux-system.yaml"] = definition
    _, findings = check_json(repo(files))
    assert rules_of(findings, "HL117") == []


# --- HL114: JSON6902 operations kustomize fails on -----------------------------------------------------
def _oracle_errors(root) -> dict[str, str] | None:
    """Flux Kustomization label -> kustomize's error, for each build real kustomize fails (None
    where kubectl, the test extra, is not installed)."""
    from .oracle import find_kubectl, run_oracle

    kubectl = find_kubectl()
    if kubectl is None:
        return None
    return {n.label: n.detail for n in run_oracle(root, kubectl=kubectl).nodes if n.status == "error"}


HR_A = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app-a\nspec:\n  interval: 1h\n"
    "  chart:\n    spec: {chart: chart-a, version: 1.0.0, sourceRef: {kind: HelmRepository, name: repo-a}}\n"
)
REPO_A = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: repo-a\nspec:\n  interval: 1h\n  url: https://charts.example.com\n"
CM_PLAIN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata:\n  k: v\n"


def _ops(*ops: str, indent: int = 6) -> str:
    pad = " " * indent
    return "".join(f"{pad}- {op}\n" for op in ops)


def _patched_app(kustomization: str, files: dict[str, str] | None = None, ks_extra: str = "") -> dict[str, str]:
    return {
        **ROOT,
        "clusters/c/apps.yaml": _app_ks("app-a", "./apps/app-a") + ks_extra,
        "apps/app-a/kustomization.yaml": kustomization,
        "apps/app-a/cm.yaml": CM_PLAIN,
        **(files or {}),
    }


COMPONENT_DEP = (
    "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
    "  - target:\n      group: helm.toolkit.fluxcd.io\n      kind: HelmRelease\n    patch: |-\n"
    + _ops("op: add\n        path: /spec/dependsOn/-\n        value: {name: app-b, namespace: ns-a}")
)
FAILING_OPS = {
    # a kustomization's patch: add below a map the object does not have
    "kustomization patch, add below a missing map": (
        _patched_app(
            "resources:\n  - ./cm.yaml\npatches:\n  - target:\n      kind: ConfigMap\n    patch: |-\n"
            + _ops("op: add\n        path: /metadata/labels/-\n        value: x")
        ),
        ("apps/app-a/kustomization.yaml", 8),
        'add operation does not apply: doc is missing path: "/metadata/labels/-": missing value',
    ),
    # a Flux Kustomization's spec.patches (Flux appends them to the kustomization's patches)
    "spec.patches, remove a missing key": (
        _patched_app(
            "resources:\n  - ./cm.yaml\n",
            ks_extra="  patches:\n    - target:\n        kind: ConfigMap\n      patch: |-\n"
            + _ops("op: remove\n          path: /data/missing", indent=8),
        ),
        ("clusters/c/apps.yaml", 20),
        "error in remove for path: '/data/missing': Unable to remove nonexistent key: missing: missing value",
    ),
    # a Component that adds to every HelmRelease's dependsOn list, one HelmRelease without it
    "component, add to a list the object does not have": (
        _patched_app(
            "resources:\n  - ./hr.yaml\n  - ./repo.yaml\ncomponents:\n  - ../../components/dep\n",
            {"apps/app-a/hr.yaml": HR_A, "apps/app-a/repo.yaml": REPO_A, "components/dep/kustomization.yaml": COMPONENT_DEP},
        ),
        ("components/dep/kustomization.yaml", 9),
        'add operation does not apply: doc is missing path: "/spec/dependsOn/-": missing value',
    ),
    # a test of a string the object holds otherwise (a guard against a reordered list)
    "kustomization patch, test a string that differs": (
        _patched_app(
            "resources:\n  - ./cm.yaml\npatches:\n  - target:\n      kind: ConfigMap\n    patch: |-\n"
            + _ops("op: test\n        path: /data/k\n        value: w", "op: remove\n        path: /data/k")
        ),
        ("apps/app-a/kustomization.yaml", 8),
        "testing value /data/k failed: test failed",
    ),
    # a list index past the end in a patch file
    "patch file, index past the end": (
        _patched_app(
            "resources:\n  - ./cm.yaml\npatches:\n  - target: {kind: ConfigMap}\n    path: ./ops.yaml\n",
            {
                "apps/app-a/ops.yaml": "- op: add\n  path: /data/list\n  value: [a]\n- op: replace\n  path: /data/list/1\n  value: b\n"
            },
        ),
        ("apps/app-a/ops.yaml", 5),
        "replace operation does not apply: doc is missing key: /data/list/1: missing value",
    ),
}


@pytest.mark.parametrize("case", sorted(FAILING_OPS))
def test_hl114_a_json6902_operation_kustomize_fails_on_fails_the_build(repo, check_json, case):
    """kustomize applies a JSON6902 patch with evanphx/json-patch (api/filters/patchjson6902): an
    operation that does not apply to an object the target selects fails the whole build. HL114 says
    so at the operation's path, in kustomize's words; real kustomize fails the same build."""
    files, place, reason = FAILING_OPS[case]
    root = repo(files)
    found = [f for f in check_json(root)[1] if f["rule"] == "HL114"]
    assert [(f["path"], f["line"]) for f in found] == [place]
    assert f"kustomize stops with '{reason}'" in found[0]["message"]
    assert "the build of Kustomization flux-system/app-a fails" in found[0]["message"]
    errors = _oracle_errors(root)
    if errors is not None:
        assert reason in errors.get("Kustomization flux-system/app-a", "").replace('\\"', '"'), errors


UNUSABLE_TARGETS = {
    "a name that is no regular expression": (
        "{kind: ConfigMap, name: cm-(a}",
        "has a name that is not a regular expression",
        "error parsing regexp",
    ),
    "a label selector that does not parse": (
        "{kind: ConfigMap, labelSelector: 'tier in (a'}",
        "has a labelSelector that is not a selector",
        "unable to parse requirement",
    ),
    "an annotation selector that does not parse": (
        "{kind: ConfigMap, annotationSelector: 'note notin (x'}",
        "has a annotationSelector that is not a selector",
        "unable to parse requirement",
    ),
}


@pytest.mark.parametrize("case", sorted(UNUSABLE_TARGETS))
def test_hl114_a_patch_target_kustomize_cannot_select_by_fails_the_build(repo, check_json, case):
    """kustomize compiles a target's id fields as anchored Go regexps and parses its selectors
    (resmap.Select): one that does not fails the build ('unable to find patch target'), not an
    HL115 'matches nothing'; real kustomize fails the same build."""
    target, said, kustomize_says = UNUSABLE_TARGETS[case]
    kustomization = "resources:\n  - ./cm.yaml\npatches:\n  - target: " + target + "\n    patch: |-\n"
    root = repo(_patched_app(kustomization + _ops("{op: add, path: /data/x, value: y}")))
    found = [f for f in check_json(root)[1] if f["rule"] in ("HL114", "HL115")]
    assert [(f["rule"], f["path"]) for f in found] == [("HL114", "apps/app-a/kustomization.yaml")]
    assert said in found[0]["message"] and kustomize_says in found[0]["message"]
    errors = _oracle_errors(root)
    if errors is not None:
        assert kustomize_says in errors.get("Kustomization flux-system/app-a", ""), errors


SAYS_NOTHING = {
    # evanphx reads a missing key of an existing map as null: replace sets it
    "replace of a missing key in a map": "resources:\n  - ./cm.yaml\npatches:\n  - target: {kind: ConfigMap}\n    patch: |-\n"
    + _ops("{op: replace, path: /data/missing, value: x}"),
    # kustomize's own annotations are on every object while patches run
    "add below annotations the file does not have": "resources:\n  - ./cm.yaml\npatches:\n  - target: {kind: ConfigMap}\n"
    "    patch: |-\n" + _ops("{op: add, path: /metadata/annotations/a, value: x}"),
    # labels an inner kustomization's label transformer sets (not applied by the model)
    "remove a label an inner kustomization sets": "resources:\n  - ./inner\npatches:\n  - target: {kind: ConfigMap}\n"
    "    patch: |-\n" + _ops("{op: remove, path: /metadata/labels/app}"),
    # a test of a label an inner kustomization's label transformer sets (not applied by the model)
    "test a label an inner kustomization sets": "resources:\n  - ./inner\npatches:\n  - target: {kind: ConfigMap}\n"
    "    patch: |-\n" + _ops("{op: test, path: /metadata/labels/app, value: x}"),
    # the deprecated patchesJson6902 run after the same kustomization's labels
    "patchesJson6902 after the labels of its kustomization": "resources:\n  - ./cm.yaml\nlabels:\n  - pairs: {app: x}\n"
    "patchesJson6902:\n  - target: {version: v1, kind: ConfigMap, name: cm-a}\n    patch: |-\n"
    + _ops("{op: remove, path: /metadata/labels/app}"),
    # a list a strategic merge merged item by item: kustomize's order is not the model's
    "an index into a list a strategic merge merged": "resources:\n  - ./deploy.yaml\npatches:\n  - patch: |-\n"
    "      apiVersion: apps/v1\n      kind: Deployment\n      metadata: {name: deploy-a}\n      spec:\n        template:\n"
    "          spec:\n            containers:\n              - {name: side, image: side-a}\n"
    "  - target: {kind: Deployment}\n    patch: |-\n" + _ops("{op: remove, path: /spec/template/spec/containers/1/args}"),
}
DEPLOY_A = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: deploy-a}\nspec:\n  selector: {matchLabels: {app: a}}\n"
    "  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n        - {name: main, image: main-a, args: [x]}\n"
)


@pytest.mark.parametrize("case", sorted(SAYS_NOTHING))
def test_hl114_says_nothing_where_kustomize_applies_the_patch(repo, check_json, case):
    """Where kustomize applies the operations, or the model cannot know what the object holds
    there (transformers it does not apply, a merged list's order), HL114 is silent; real kustomize
    builds each of these."""
    files = _patched_app(
        SAYS_NOTHING[case],
        {
            "apps/app-a/inner/kustomization.yaml": "resources:\n  - ../cm.yaml\nlabels:\n  - pairs: {app: x}\n",
            "apps/app-a/deploy.yaml": DEPLOY_A,
        },
    )
    root = repo(files)
    assert [f for f in check_json(root)[1] if f["rule"] == "HL114"] == []
    errors = _oracle_errors(root)
    assert errors is None or errors == {}


def test_a_build_that_fails_on_a_patch_operation_applies_nothing(repo, check_json):
    """The build fails (HL114): nothing of it lands in ns-a, so HL113 does not say ns-a is missing."""
    plain = _patched_app("resources:\n  - ./cm.yaml\n")
    found = check_json(repo(plain))[1]
    assert [f["message"].split(" is ")[0] for f in found if f["rule"] == "HL113"] == ["namespace 'ns-a'"]
    failing = _patched_app(
        "resources:\n  - ./cm.yaml\npatches:\n  - target: {kind: ConfigMap}\n    patch: |-\n"
        + _ops("{op: remove, path: /data/missing}")
    )
    found = check_json(repo(failing))[1]
    assert rules_of(found, "HL114") == [("apps/app-a/kustomization.yaml", 6)]
    assert rules_of(found, "HL113") == []


@pytest.mark.parametrize("target", [True, False])
def test_hl113_a_build_from_a_source_that_does_not_exist_creates_no_namespace(repo, check_json, target):
    """upstream-a's sourceRef names a GitRepository nothing defines (HL107): kustomize-controller's
    getSource gets NotFound and it applies nothing, so it creates no namespace, with or without
    targetNamespace, and the error stays."""
    upstream = (UPSTREAM_A_INTO_NS_A if target else UPSTREAM_A).split("---\n")[2]  # its GitRepository left out
    files = {
        **_cluster("c2"),
        "clusters/c2/apps.yaml": _app_ks("app-a", "./apps/app-a"),
        "clusters/c2/upstream.yaml": upstream,
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
    }
    found = check_json(repo(files))[1]
    assert _hl113(found) == [("clusters/c2/apps.yaml", 11, "error")]
    assert [f["rule"] for f in found if f["path"] == "clusters/c2/upstream.yaml"] == ["HL107"]


CRD_OF_WIDGET = (
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.io\n"
    "spec:\n  group: example.io\n  names: {kind: Widget, plural: widgets}\n  scope: {scope}\n"
    "  versions: [{name: v1, served: true, storage: true}]\n"
)


@pytest.mark.parametrize(
    ("kind", "crds", "reported"),
    [
        ("traefik.io/v1alpha1 IngressRoute", [], True),  # Traefik's CRDs are all scope: Namespaced
        ("traefik.containo.us/v1alpha1 Middleware", [], True),
        ("cilium.io/v2 CiliumNetworkPolicy", [], True),  # cilium's CRD: scope Namespaced
        ("cilium.io/v2 CiliumClusterwideNetworkPolicy", [], False),  # scope Cluster
        ("gateway.envoyproxy.io/v1alpha1 SecurityPolicy", [], True),
        ("externaldns.k8s.io/v1alpha1 DNSEndpoint", [], True),
        ("postgresql.cnpg.io/v1 Cluster", [], True),
        ("volsync.backube/v1alpha1 ReplicationSource", [], True),
        ("example.io/v1 Widget", [], False),  # a CRD of unknown scope: never guessed
        ("example.io/v1 Widget", ["Namespaced"], True),  # the repository's CRD says
        ("example.io/v1 Widget", ["Cluster"], False),
        ("example.io/v1 Widget", ["Namespaced", "Cluster"], False),  # two CRDs disagree: unknown
    ],
)
def test_hl110_judges_custom_kinds_whose_scope_is_known(repo, check_json, kind, crds, reported):
    """A namespaced custom kind without a namespace fails at apply as a built-in one does: Traefik's
    kinds and those of other widely used operators whose CRDs say so (Slux567: a CiliumNetworkPolicy), and a kind a CustomResourceDefinition of the repository defines with scope: Namespaced."""
    api_version, name = kind.split()
    files = {
        **ROOT,
        "clusters/c/apps.yaml": _plain_ks("app-a", "./apps/app-a"),
        "apps/app-a/obj.yaml": f"apiVersion: {api_version}\nkind: {name}\nmetadata:\n  name: obj-a\nspec: {{}}\n",
    }
    for i, scope in enumerate(crds):
        files[f"crds/crd-{i}.yaml"] = CRD_OF_WIDGET.replace("{scope}", scope)
    found = check_json(repo(files))[1]
    assert rules_of(found, "HL110") == ([("apps/app-a/obj.yaml", 4)] if reported else [])


def test_a_repository_crd_cannot_take_a_built_in_kind_out_of_hl110(repo, check_json):
    """A CustomResourceDefinition a pull request adds, claiming a built-in namespaced kind (or a
    Traefik one) is cluster-scoped, changes nothing: the built-in table is read first."""
    files = {
        **ROOT,
        "clusters/c/apps.yaml": _plain_ks("app-a", "./apps/app-a"),
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
        "apps/app-a/route.yaml": "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: route-a\nspec: {}\n",
    }
    for group, kind in (("", "ConfigMap"), ("traefik.io", "IngressRoute")):
        files[f"crds/{kind}.yaml"] = (
            CRD_OF_WIDGET.replace("example.io", group).replace("Widget", kind).replace("widgets", kind.lower() + "s")
        ).replace("{scope}", "Cluster")
    found = check_json(repo(files))[1]
    assert rules_of(found, "HL110") == [("apps/app-a/cm.yaml", 4), ("apps/app-a/route.yaml", 4)]


@pytest.mark.parametrize(
    ("written", "value", "meant"),
    [
        ("type: discord\n  address", "discrod", "discord"),  # two neighbours swapped
        ("type: discord\n  address", "Discord", "discord"),  # enums are case-sensitive
        ("type: discord\n  address", "slak", "slack"),  # a letter dropped
        ("type: github\n  interval", "githhub", "github"),  # the Receiver's, a letter added
        ('- kind: Kustomization\n      name: "*"', "Kustomizatoin", "Kustomization"),
        ("- kind: GitRepository\n      name: flux-system", "GitRepositroy", "GitRepository"),
        ("type: discord\n  address", "discord", None),
        ("type: discord\n  address", "newchat", None),  # no near miss: a type a newer release may have
        ('- kind: Kustomization\n      name: "*"', "FluxInstance", None),  # flux-operator widens the kinds
        ('- kind: Kustomization\n      name: "*"', "FluxInstanse", "FluxInstance"),  # ...and a typo of one
        ('- kind: Kustomization\n      name: "*"', "ResourceSett", "ResourceSet"),
        ('- kind: Kustomization\n      name: "*"', "ResourceSetInputProvidr", "ResourceSetInputProvider"),
        ("type: discord\n  address", "${PROVIDER}", None),
    ],
)
def test_hl605_a_near_miss_of_a_growing_enum_is_a_misspelling(repo, check_json, written, value, meant):
    """Provider and Receiver types and the kinds an Alert or Receiver names grow with each release:
    only a value one edit (or a case) away from exactly one known value is reported."""
    good = "rules/HL605/good"
    path = "kubernetes/apps/flux-system/notifications.yaml"
    key, rest = written.split(": ", 1)
    _, _, tail = rest.partition("\n")
    text = (FIXTURES / good / path).read_text()
    assert written in text
    text = text.replace(written, f"{key}: {value}\n{tail}", 1)
    _, findings = check_json(repo({path: text}, base=good))
    messages = [f["message"] for f in findings if f["rule"] == "HL605"]
    if meant is None:
        assert messages == []
    else:
        (message,) = messages
        assert f"is '{value}', a misspelling of '{meant}'" in message


@pytest.mark.parametrize(
    ("decryption", "refused"), [("", True), ("  decryption: {provider: sops, secretRef: {name: key-a}}\n", False)]
)
def test_hl112_says_a_copy_whose_apply_is_refused_is_taken_only_once_it_decrypts(repo, check_json, decryption, refused):
    """Two Flux Kustomizations build one folder with a SOPS Secret; one has no spec.decryption.
    kustomize-controller refuses its whole apply (HL117), so today it takes the Secret from no one:
    HL112 stays a warning (the fight starts once it can decrypt) and says so."""
    secret = (FIXTURES / "rules/HL117/bad/kubernetes/apps/default/echo/app/secret.sops.yaml").read_text()
    secret = secret.replace("name: echo-secret  # expect: HL117", "name: secret-a\n  namespace: ns-a")
    files = {
        "clusters/main/flux.yaml": flux_root("flux-system", "./clusters/main"),
        "clusters/main/parent-a.yaml": _flux_ks("parent-a", "./infra/parent-a").replace(
            "  prune: true\n", "  prune: true\n" + decryption
        ),
        "clusters/main/app-a.yaml": _flux_ks("app-a", "./apps/app-a").replace(
            "  prune: true\n", "  prune: true\n  decryption: {provider: sops, secretRef: {name: key-a}}\n"
        ),
        "shared/kustomization.yaml": "resources:\n  - ./secret.sops.yaml\n",
        "shared/secret.sops.yaml": secret,
        "infra/parent-a/kustomization.yaml": "resources:\n  - ../../shared\n",
        "apps/app-a/kustomization.yaml": "resources:\n  - ../../shared\n",
    }
    found = check_json(repo(files))[1]
    (shared,) = [f for f in found if f["rule"] == "HL112"]
    assert shared["severity"] == "warning"
    once = "(once Kustomization flux-system/parent-a can decrypt: today it refuses the whole apply for a SOPS-encrypted object, HL117)"
    assert (once in shared["message"]) is refused
    assert bool(rules_of(found, "HL117")) is refused


def _injecting(child_patch: str, target: str = "") -> dict[str, str]:
    """A root whose spec.patches write `child_patch` into the spec.patches of every child
    Kustomization; app-a's child builds ConfigMap cm-a."""
    inner = "".join(f"                {line}\n" for line in child_patch.splitlines())
    root_extra = (
        "  patches:\n    - patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n"
        "        metadata:\n          name: _\n        spec:\n          patches:\n            - patch: |-\n"
        + inner
        + target
        + "      target:\n        group: kustomize.toolkit.fluxcd.io\n        kind: Kustomization\n"
    )
    return {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", root_extra),
        "apps/kustomization.yaml": "resources:\n  - ./app-a.yaml\n",
        "apps/app-a.yaml": _flux_ks("app-a", "./app-a"),
        "app-a/kustomization.yaml": "resources:\n  - ./cm.yaml\n",
        "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: flux-system\ndata:\n  k: v\n",
    }


JSON_OPS = "- op: replace\n  path: /data/k\n  value: w\n"
CM_TARGET = "              target: {kind: ConfigMap, name: cm-a}\n"


@pytest.mark.parametrize(
    ("child_patch", "target", "fails"),
    [
        pytest.param(JSON_OPS, "", "must specify a target for JSON patch", id="json6902-without-target"),
        pytest.param(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-missing\ndata:\n  k: w\n",
            "",
            "failed to find unique target for patch",
            id="strategic-merge-naming-nothing",
        ),
        pytest.param(JSON_OPS, CM_TARGET, None, id="json6902-with-target"),
        pytest.param(JSON_OPS, CM_TARGET.replace("cm-a", "cm-other"), None, id="target-matching-nothing"),
    ],
)
def test_hl114_judges_the_spec_patches_a_parent_writes_into_its_children(repo, check_json, child_patch, target, fails):
    """Flux appends a child's spec.patches, as its parent's patches leave them, to the child's build:
    a patch kustomize fails on whatever the build holds fails it (kubectl kustomize 5.8.1 agrees).
    One that only matches nothing in this child is a default meant for some: not reported (HL115)."""
    root = repo(_injecting(child_patch, target))
    found = [f for f in check_json(root)[1] if f["rule"] in ("HL114", "HL115")]
    if fails is None:
        assert found == []
    else:
        (finding,) = found
        assert (finding["path"], finding["line"], finding["severity"]) == (
            "clusters/main/flux.yaml",
            22,
            "error",
        )  # the patch: line
        assert "spec.patches this patch writes into Kustomization flux-system/app-a" in finding["message"]
        assert finding["message"].endswith("; its build fails and applies nothing")
    oracle = _oracle_errors(root)
    if oracle is not None:
        assert (fails is None) == ("Kustomization flux-system/app-a" not in oracle)
        if fails is not None:
            assert fails in oracle["Kustomization flux-system/app-a"]


TRANSFORMER = (
    "apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: set-ns\n  namespace: ns-a\n"
    "fieldSpecs:\n  - {path: metadata/namespace, create: true}\n"
)


@pytest.mark.parametrize(("field", "found"), [("resources", True), ("transformers", False)])
def test_hl116_a_plugin_configuration_listed_as_a_resource_is_applied_as_an_object(repo, check_json, field, found):
    """kustomize emits a `apiVersion: builtin` document reached through resources: as an object
    (kubectl kustomize v5.8.1), and kustomize-controller's dry-run fails on it ('no matches for
    kind'); listed under transformers: it configures the build and is not emitted (d4rkfella)."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": f"resources:\n  - ./cm.yaml\n{field}:\n  - ./transform\n",
        "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n",
        "apps/transform/kustomization.yaml": "resources:\n  - ./transformer.yaml\n",
        "apps/transform/transformer.yaml": TRANSFORMER,
    }
    root = repo(files)
    kubectl = find_kubectl()
    if kubectl is not None:  # the oracle: emitted as an object only when listed as a resource
        built = subprocess.run([kubectl, "kustomize", str(root / "apps")], capture_output=True, text=True, check=True)
        assert ("kind: NamespaceTransformer" in built.stdout) is found
    _, findings = check_json(root)
    hl116 = [(f["path"], f["line"], f["severity"]) for f in findings if f["rule"] == "HL116"]
    assert hl116 == ([("apps/transform/transformer.yaml", 1, "error")] if found else [])
    if found:
        (message,) = [f["message"] for f in findings if f["rule"] == "HL116"]
        assert message.startswith("NamespaceTransformer set-ns is a kustomize plugin configuration (apiVersion: builtin)")
        assert '\'no matches for kind "NamespaceTransformer" in version "builtin"\'' in message


@pytest.mark.parametrize(("decryption", "fires"), [("", True), ("  decryption: {provider: sops}\n", False)])
def test_hl117_a_sops_configmap_without_decryption_fails_the_dry_run(repo, check_json, decryption, fires):
    """kustomize-controller refuses only Secrets itself; a SOPS ConfigMap is applied with its sops
    metadata, and server-side apply rejects it ('.sops: field not declared in schema', flux2#3367)
    (jokajak). With decryption it is decrypted like any resource."""
    cm = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: default\n"
        "data:\n  key-a: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n"
        "sops:\n  age: []\n  lastmodified: '2026-01-01T00:00:00Z'\n  mac: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n"
        "  encrypted_regex: ^(data|stringData)$\n  version: 3.9.0\n"
    )
    files = {"clusters/main/flux.yaml": flux_root("apps", "./apps", decryption), "apps/cm-a.sops.yaml": cm}
    found = [f for f in check_json(repo(files))[1] if f["rule"] == "HL117"]
    assert [(f["path"], f["severity"]) for f in found] == ([("apps/cm-a.sops.yaml", "error")] if fires else [])
    if fires:
        assert "('.sops: field not declared in schema')" in found[0]["message"]
