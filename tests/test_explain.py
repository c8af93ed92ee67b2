"""`homelint explain FILE[:LINE]`: the Flux chain to an object, or the first missing link."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from homelint.cli import main

ROOT_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: cluster-apps
  namespace: flux-system
spec:
  interval: 1h
  path: ./kubernetes/apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""

DEMO_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: demo
  namespace: flux-system
spec:
  interval: 1h
  path: ./kubernetes/apps/demo/app
  prune: true
  targetNamespace: demo
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substitute:
      APP: demo
    substituteFrom:
      - kind: ConfigMap
        name: cluster-settings
"""

SETTINGS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-settings
  namespace: flux-system
data:
  DOMAIN: example.com
"""

REMOTE_KS = (
    DEMO_KS.replace("name: demo\n", "name: remote\n", 1)
    .replace("./kubernetes/apps/demo/app", "./kubernetes/apps/other")
    .replace("name: flux-system\n  postBuild", "name: elsewhere\n  postBuild")
)


def cm(name: str, extra: str = "") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{extra}data:\n  a: b\n"


def make_repo(root: Path) -> Path:
    files = {
        ".homelint.yaml": "flux:\n  roots: [kubernetes/flux/cluster]\n",
        "kubernetes/flux/cluster/ks.yaml": ROOT_KS,
        "kubernetes/apps/kustomization.yaml": "resources:\n  - ./demo/ks.yaml\n  - ./remote.yaml\n  - ./settings.yaml\n",
        "kubernetes/apps/settings.yaml": SETTINGS,
        "kubernetes/apps/demo/ks.yaml": DEMO_KS,
        "kubernetes/apps/remote.yaml": REMOTE_KS,
        "kubernetes/apps/demo/app/kustomization.yaml": "resources:\n  - ./cm.yaml\n",
        "kubernetes/apps/demo/app/cm.yaml": cm("demo", "  labels:\n    enabled: true\n") + "---\n" + cm("second"),
        "kubernetes/apps/demo/app/orphan.yaml": cm("orphan"),
        "kubernetes/apps/other/cm.yaml": cm("other"),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / ".git").mkdir()
    return root


def run(root: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["explain", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_chain_namespace_variables_and_findings(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    data = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml:5", "--format", "json"))
    assert [o["name"] for o in data["objects"]] == ["demo"]
    (applied,) = data["objects"][0]["applied"]
    assert applied["namespace"] == "demo"
    names = [hop["name"] for hop in applied["chain"]]
    assert names[1:] == ["flux-system/cluster-apps", "flux-system/demo"]
    assert applied["chain"][-1]["location"] == "kubernetes/apps/demo/ks.yaml:4"
    assert applied["kustomizations"][0]["file"] == "kubernetes/apps/demo/app/kustomization.yaml"
    assert applied["variables"] == {"APP": "substitute", "DOMAIN": "ConfigMap cluster-settings"}
    assert applied["substitute_from"][0]["files"] == ["kubernetes/apps/settings.yaml"]
    assert any(f["line"] == 6 for f in data["objects"][0]["findings"])


def test_the_chain_as_text_names_the_root_once(tmp_path, monkeypatch):
    """A root is shown by its label, which says its path: not `root the bootstrap ... path=P`."""
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/apps/demo/app/cm.yaml:5")
    assert "    -> root: the bootstrap Kustomization of root 'kubernetes/flux/cluster'\n" in text
    assert "      -> Kustomization flux-system/cluster-apps path=kubernetes/apps  (kubernetes/flux/cluster/ks.yaml:4)\n" in text


def test_line_selects_the_document(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    data = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml:12", "--format", "json"))
    assert [o["name"] for o in data["objects"]] == ["second"]
    assert data["objects"][0]["findings"] == []
    every = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml", "--format", "json"))
    assert [o["name"] for o in every["objects"]] == ["demo", "second"]


def test_missing_link_unlisted_file(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/apps/demo/app/orphan.yaml")
    assert "not applied by Flux: kubernetes/apps/demo/app/kustomization.yaml does not list orphan.yaml" in text


def test_a_file_every_source_leaves_out_names_the_ignore_rules(tmp_path, monkeypatch):
    """In .sourceignore: no build can read it, whatever lists it."""
    root = make_repo(tmp_path)
    (root / ".sourceignore").write_text("kubernetes/apps/demo/app/orphan.yaml\n")
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/apps/demo/app/orphan.yaml")
    assert (
        "not applied by Flux: the ignore rules of GitRepository flux-system/flux-system (.sourceignore, spec.ignore or "
        "Flux's default exclusions) leave kubernetes/apps/demo/app/orphan.yaml out of the artifact Flux builds from"
    ) in text


def test_a_file_of_a_listed_component_without_kustomization_names_the_failing_build(tmp_path, monkeypatch):
    """mirceanton: a Flux Kustomization lists a folder in spec.components that has no
    kustomization file: explain names that, not 'no Flux Kustomization builds it'."""
    root = make_repo(tmp_path)
    ks = root / "kubernetes/apps/demo/ks.yaml"
    ks.write_text(ks.read_text().replace("spec:\n", "spec:\n  components:\n    - ../../../components/comp-a\n", 1))
    (root / "kubernetes/components/comp-a").mkdir(parents=True)
    (root / "kubernetes/components/comp-a/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\n")
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/components/comp-a/cm.yaml")
    assert "lists kubernetes/components/comp-a/ in spec.components, but that folder has no kustomization file" in text


def test_an_object_the_build_holds_but_flux_never_applies_says_why(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    local = "  annotations:\n    config.kubernetes.io/local-config: 'true'\n"
    (root / "kubernetes/apps/demo/app/cm.yaml").write_text(cm("demo") + "---\n" + cm("vars", local))
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/apps/demo/app/cm.yaml:9")
    assert (
        "not applied by Flux: a Flux Kustomization builds it, but kustomize drops it from the build output "
        "(config.kubernetes.io/local-config)" in text
    )


def test_an_object_a_delete_patch_removes_names_the_build_and_the_patch(tmp_path, monkeypatch):
    """Its folder is built and lists it: 'no Flux Kustomization builds' would be false."""
    root = make_repo(tmp_path)
    (root / "kubernetes/apps/demo/app/kustomization.yaml").write_text(
        "resources:\n  - ./cm.yaml\npatches:\n  - patch: |-\n      $patch: delete\n      apiVersion: v1\n"
        "      kind: ConfigMap\n      metadata:\n        name: second\n"
    )
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/apps/demo/app/cm.yaml:11")
    assert (
        "not applied by Flux: Kustomization flux-system/demo builds it, and a patch with `$patch: delete` removes "
        "it from that build" in text
    )
    assert "applied" in run(root, "kubernetes/apps/demo/app/cm.yaml:1")  # the other document stays


def test_missing_link_kustomization_that_does_not_parse(tmp_path, monkeypatch):
    """A kustomization.yaml that is not YAML lists nothing anyone can read: the link is the file."""
    root = make_repo(tmp_path)
    kustomization = root / "kubernetes/apps/demo/app/kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "-  - ./stray.yaml\n")
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/apps/demo/app/orphan.yaml")
    assert "kubernetes/apps/demo/app/kustomization.yaml is not valid YAML: kustomize cannot build" in text
    assert "does not list" not in text


def test_missing_link_component_a_generated_kustomization_lists(tmp_path, monkeypatch):
    """The root's path has no kustomization file: the one Flux generates lists the Component
    folder below it under resources:, where kustomize fails (HL101); nothing of it is applied."""
    root = make_repo(tmp_path)
    component = root / "kubernetes/flux/cluster/comp-a"
    component.mkdir()
    (component / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [./cm.yaml]\n"
    )
    (component / "cm.yaml").write_text(cm("comp-a"))
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/flux/cluster/comp-a/cm.yaml")
    assert (
        "not applied by Flux: kubernetes/flux/cluster/comp-a is a Component, and the kustomization Flux generates for "
        "kubernetes/flux/cluster (no kustomization file;" in text
    )


def test_missing_link_flux_kustomization_in_a_kustomization_file(tmp_path, monkeypatch):
    """The root folder has no kustomization file: the one generated for it lists the folder holding
    a Flux Kustomization in kustomization.yaml, which kustomize refuses: that build fails, so the
    object is not applied (not "applied by the root")."""
    root = make_repo(tmp_path)
    folder = root / "kubernetes/flux/cluster/sub"
    folder.mkdir()
    (folder / "kustomization.yaml").write_text(DEMO_KS.replace("name: demo\n", "name: app-b\n", 1))
    monkeypatch.chdir(root)
    data = json.loads(run(root, "kubernetes/flux/cluster/sub/kustomization.yaml", "--format", "json"))
    (obj,) = data["objects"]
    assert obj["name"] == "app-b" and obj["applied"] == []
    assert obj["missing"] == (
        "kubernetes/flux/cluster/sub/kustomization.yaml holds no kustomize Kustomization, but the bootstrap "
        "Kustomization of root 'kubernetes/flux/cluster' builds kubernetes/flux/cluster/sub, where kustomize reads it "
        "as the kustomization and refuses it: that build fails and applies nothing"
    )


def test_missing_link_remote_source(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    data = json.loads(run(root, "kubernetes/apps/other/cm.yaml", "--format", "json"))
    missing = data["objects"][0]["missing"]
    # GitRepository 'elsewhere' is defined nowhere: no other repository, nothing is built (HL107)
    assert missing == (
        "Kustomization flux-system/remote (kubernetes/apps/remote.yaml:4) builds './kubernetes/apps/other' from "
        "GitRepository/flux-system/elsewhere, which nothing the repository applies defines, so "
        "kustomize-controller builds nothing"
    )


USER = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: user
  labels:
    site: ${DOMAIN}
data:
  app: ${APP}
  size: ${SIZE:=small}
  missing: ${NOWHERE}
"""

PATCHED_APP = """\
resources:
  - ./cm.yaml
  - ./user.yaml
patches:
  - target:
      kind: ConfigMap
      name: user
    patch: |
      - op: add
        path: /data/extra
        value: x
  - target:
      kind: Secret
    patch: |
      - op: add
        path: /data/extra
        value: eA==
"""


def test_uses_patches_and_namespace_origin(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    (root / "kubernetes/apps/demo/app/user.yaml").write_text(USER)
    (root / "kubernetes/apps/demo/app/kustomization.yaml").write_text(PATCHED_APP)
    monkeypatch.chdir(root)
    (applied,) = json.loads(run(root, "kubernetes/apps/demo/app/user.yaml", "--format", "json"))["objects"][0]["applied"]
    uses = {u["name"]: u for u in applied["uses"]}
    assert sorted(uses) == ["APP", "DOMAIN", "NOWHERE", "SIZE"]
    assert uses["APP"]["from"] == "spec.postBuild.substitute of Kustomization flux-system/demo"
    assert uses["APP"]["location"] == "kubernetes/apps/demo/ks.yaml:16"
    assert uses["DOMAIN"]["from"] == "substituteFrom ConfigMap cluster-settings"
    assert uses["DOMAIN"]["location"] == "kubernetes/apps/settings.yaml:7"
    assert uses["DOMAIN"]["used_at"] == "kubernetes/apps/demo/app/user.yaml:6"
    assert uses["SIZE"]["from"].startswith("its default")
    assert uses["NOWHERE"]["from"] == (
        "nothing: neither spec.postBuild.substitute nor a substituteFrom source of Kustomization flux-system/demo defines it, and it has no default (${VAR:=default})"
    )
    # a source the repository does not hold may define it: not known, as HL201 hedges
    ks = (root / "kubernetes/apps/demo/ks.yaml").read_text()
    (root / "kubernetes/apps/demo/ks.yaml").write_text(ks + "      - kind: Secret\n        name: held-elsewhere\n")
    (applied,) = json.loads(run(root, "kubernetes/apps/demo/app/user.yaml", "--format", "json"))["objects"][0]["applied"]
    uses = {u["name"]: u for u in applied["uses"]}
    assert uses["NOWHERE"]["from"] == "not known: Secret held-elsewhere is not in the repository, and may define it"
    assert uses["SIZE"]["from"].endswith("; else its default in the expression")
    (root / "kubernetes/apps/demo/ks.yaml").write_text(ks)
    assert applied["effective_namespace"] == {
        "value": "demo",
        "set_by": "spec.targetNamespace of Kustomization flux-system/demo",
        "location": "kubernetes/apps/demo/ks.yaml:10",
    }
    assert applied["patches"] == [
        {
            "by": "kubernetes/apps/demo/app/kustomization.yaml",
            "field": "patches[0]",
            "location": "kubernetes/apps/demo/app/kustomization.yaml:5",
        }
    ]
    text = run(root, "kubernetes/apps/demo/app/user.yaml")
    assert "patched by kubernetes/apps/demo/app/kustomization.yaml patches[0]" in text
    assert "uses ${DOMAIN} at kubernetes/apps/demo/app/user.yaml:6: from substituteFrom ConfigMap cluster-settings" in text


def test_namespace_from_the_kustomization_and_from_the_object(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    ks = root / "kubernetes/apps/demo/ks.yaml"
    ks.write_text(ks.read_text().replace("  targetNamespace: demo\n", ""))
    (root / "kubernetes/apps/demo/app/kustomization.yaml").write_text("namespace: apps\nresources:\n  - ./cm.yaml\n")
    (root / "kubernetes/apps/demo/app/own.yaml").write_text(cm("own", "  namespace: mine\n"))
    monkeypatch.chdir(root)
    (applied,) = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml:5", "--format", "json"))["objects"][0]["applied"]
    assert applied["effective_namespace"]["set_by"] == "namespace: of kubernetes/apps/demo/app/kustomization.yaml"
    assert applied["effective_namespace"]["location"] == "kubernetes/apps/demo/app/kustomization.yaml:1"
    (root / "kubernetes/apps/demo/app/kustomization.yaml").write_text("resources:\n  - ./own.yaml\n")
    (applied,) = json.loads(run(root, "kubernetes/apps/demo/app/own.yaml", "--format", "json"))["objects"][0]["applied"]
    assert applied["effective_namespace"] == {
        "value": "mine",
        "set_by": "metadata.namespace of the object",
        "location": "kubernetes/apps/demo/app/own.yaml:5",
    }


def test_a_cluster_scoped_object_under_a_target_namespace_has_no_namespace(tmp_path, monkeypatch):
    """kustomize's namespace transformer leaves cluster-scoped kinds alone (spec.targetNamespace is
    one): explain says so in the header and the namespace line, as the rules judge it."""
    root = make_repo(tmp_path)
    role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: role-a\nrules: []\n"
    (root / "kubernetes/apps/demo/app/role.yaml").write_text(role)
    (root / "kubernetes/apps/demo/app/kustomization.yaml").write_text("resources:\n  - ./cm.yaml\n  - ./role.yaml\n")
    monkeypatch.chdir(root)
    (applied,) = json.loads(run(root, "kubernetes/apps/demo/app/role.yaml", "--format", "json"))["objects"][0]["applied"]
    assert applied["effective_namespace"] == {"value": None, "set_by": "nothing (ClusterRole is cluster-scoped)", "location": ""}
    text = run(root, "kubernetes/apps/demo/app/role.yaml")
    assert "applied (1) with no namespace as role-a:" in text
    assert "namespace (none): set by nothing (ClusterRole is cluster-scoped)" in text
    assert "in namespace demo" not in text


def test_check_show_chain_prints_the_steps_under_a_finding(tmp_path):
    root = make_repo(tmp_path)
    result = CliRunner().invoke(main, ["check", str(root), "--show-chain"], catch_exceptions=False)
    block = result.output.split("kubernetes/apps/demo/app/cm.yaml:6:")[1].split("\n\n")[0]
    steps = [line.strip() for line in block.splitlines() if "chain:" in line or line.strip().startswith("->")]
    assert steps == [
        "chain: Kustomization flux-system/cluster-apps builds kubernetes/apps (kubernetes/flux/cluster/ks.yaml:4)",
        "-> Kustomization flux-system/demo builds kubernetes/apps/demo/app (kubernetes/apps/demo/ks.yaml:4)",
        "-> kubernetes/apps/demo/app/kustomization.yaml resources: ./cm.yaml (kubernetes/apps/demo/app/kustomization.yaml:2)",
        "-> ConfigMap demo in namespace demo (kubernetes/apps/demo/app/cm.yaml:1)",
    ]
    plain = CliRunner().invoke(main, ["check", str(root)], catch_exceptions=False)
    assert "chain:" not in plain.output


def test_sarif_results_carry_the_chain_as_code_flows(tmp_path):
    root = make_repo(tmp_path)
    for cached in ("--no-cache", "", ""):  # no cache, cold, and warm from the cached record: the same
        args = ["check", str(root), "--format", "sarif", *([cached] if cached else [])]
        log = json.loads(CliRunner().invoke(main, args, catch_exceptions=False).stdout)
        (label,) = [
            r
            for r in log["runs"][0]["results"]
            if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 6 and r["ruleId"] in ("HL601", "HL604")
        ]
        (flow,) = label["codeFlows"][0]["threadFlows"]
        steps = [
            (s["location"]["physicalLocation"]["artifactLocation"]["uri"], s["location"]["message"]["text"])
            for s in flow["locations"]
        ]
        assert steps[0] == ("kubernetes/flux/cluster/ks.yaml", "Kustomization flux-system/cluster-apps builds kubernetes/apps")
        assert steps[-1] == ("kubernetes/apps/demo/app/cm.yaml", "ConfigMap demo in namespace demo")
        orphan = [r for r in log["runs"][0]["results"] if r["ruleId"] == "HL102"]
        assert orphan and "codeFlows" not in orphan[0]  # nothing applies it: no chain
    from .conftest import SHARED

    schema = SHARED / "sarif" / "sarif-schema-2.1.0.json"
    if schema.is_file():
        import jsonschema

        jsonschema.Draft4Validator(json.loads(schema.read_text())).validate(log)


def test_patches_of_nested_components_are_listed_once(tmp_path, monkeypatch):
    """A Component nested in another patches the build that includes the outer one (kustomize
    accumulateDirectory), also when a Flux spec.components names the outer one; its patch is
    listed once, also for the inner Component's own resource (on the way to the file, and a
    component of the outer one)."""
    from .test_flux_model import COMPONENT, _component_repo

    files = _component_repo("flux")
    files["components/outer/inner/kustomization.yaml"] = (
        COMPONENT + "resources:\n  - ./ks.yaml\n" + files["components/outer/inner/kustomization.yaml"][len(COMPONENT) :]
    )
    files["components/outer/inner/ks.yaml"] = files["apps/ns-a/ks.yaml"].replace("app-a", "app-b")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    inner = "components/outer/inner/kustomization.yaml"
    for path in ("apps/ns-a/ks.yaml", "components/outer/inner/ks.yaml"):
        (applied,) = json.loads(run(tmp_path, path, "--format", "json"))["objects"][0]["applied"]
        assert applied["patches"] == [
            {
                "by": f"{inner} (component of components/outer/kustomization.yaml)",
                "field": "patches[0]",
                "location": f"{inner}:6",
            }
        ], path


def test_without_a_root_marker_explain_and_check_use_the_folder_check_uses(tmp_path, monkeypatch):
    """No .git and no .homelint.yaml: `homelint check` takes the current directory as the root, so
    `explain FILE` and `check FILE` below it do too (not the file's own folder)."""
    sync = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\n"
        "spec: {interval: 1h, url: 'https://example.com/repo-a.git', ref: {branch: main}}\n---\n"
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ks-a, namespace: flux-system}\n"
        "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
    )
    for rel, text in {
        "clusters/c1/sync.yaml": sync,
        "apps/app-a/cm.yaml": cm("cm-a", "  namespace: ns-a\n  namespace: ns-a\n"),
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    monkeypatch.chdir(tmp_path)
    data = json.loads(run(tmp_path, "apps/app-a/cm.yaml", "--format", "json"))
    assert data["file"] == "apps/app-a/cm.yaml"
    (applied,) = data["objects"][0]["applied"]
    assert [hop["name"] for hop in applied["chain"]][1:] == ["flux-system/ks-a"]
    every = CliRunner().invoke(main, ["check", "--format", "json", "--no-cache"], catch_exceptions=False)
    one = CliRunner().invoke(main, ["check", "apps/app-a/cm.yaml", "--format", "json", "--no-cache"], catch_exceptions=False)
    assert [f["path"] for f in json.loads(every.stdout) if f["rule"] == "HL002"] == ["apps/app-a/cm.yaml"]
    assert [f["path"] for f in json.loads(one.stdout) if f["rule"] == "HL002"] == ["apps/app-a/cm.yaml"]


def test_a_file_outside_the_current_directory_without_a_marker_is_its_own_root(tmp_path, monkeypatch):
    from homelint.loading.discovery import find_file_root

    (tmp_path / "repo-a" / "apps").mkdir(parents=True)
    (tmp_path / "repo-a" / "apps" / "cm.yaml").write_text(cm("cm-a"))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert find_file_root(tmp_path / "repo-a" / "apps" / "cm.yaml") == (tmp_path / "repo-a" / "apps").resolve()
    monkeypatch.chdir(tmp_path / "repo-a")
    assert find_file_root(Path("apps/cm.yaml")) == (tmp_path / "repo-a").resolve()
    (tmp_path / "repo-a" / "apps" / ".homelint.yaml").write_text("{}\n")  # a marker still wins
    assert find_file_root(Path("apps/cm.yaml")) == (tmp_path / "repo-a" / "apps").resolve()


def test_a_parents_patches_are_listed_only_for_what_its_own_build_applies(tmp_path, monkeypatch):
    """apps' spec.patches run in apps' build, which applies app-a's definition. app-a's folder has
    no kustomization.yaml, so app-a's own build takes ks.yaml too and applies a second copy of
    app-a (in ns-a, its targetNamespace): apps' patches do not reach that copy, nor the copies
    after it."""
    from .conftest import GOTK, flux_ks

    patch = (
        "  patches:\n    - target: {kind: Kustomization}\n      patch: |\n        - {op: add, path: /spec/wait, value: true}\n"
    )
    files = {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/flux-system/kustomization.yaml": "resources:\n  - gotk-sync.yaml\n",
        "clusters/main/kustomization.yaml": "resources:\n  - flux-system\n  - apps.yaml\n",
        "clusters/main/apps.yaml": flux_ks("apps", "./apps", patch),
        "apps/kustomization.yaml": "resources:\n  - ./app-a/ks.yaml\n",
        "apps/app-a/ks.yaml": flux_ks("app-a", "./apps/app-a", "  targetNamespace: ns-a\n"),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    applied = json.loads(run(tmp_path, "apps/app-a/ks.yaml", "--format", "json"))["objects"][0]["applied"]
    patched = [(a["effective_namespace"]["value"], [p["by"] for p in a["patches"]]) for a in applied]
    # the copy app-a applies (in ns-a) applies itself again, as ns-a/app-a (HL112)
    assert patched == [("flux-system", ["Kustomization flux-system/apps"]), ("ns-a", []), ("ns-a", [])]


def test_a_kustomization_file_is_explained_by_the_flux_kustomizations_that_build_its_folder(tmp_path, monkeypatch):
    """A kustomization file is kustomize's input, not an object Flux applies: explain names the
    chains that build its folder, whatever its apiVersion/kind say."""
    root = make_repo(tmp_path)
    folder = root / "kubernetes/apps/demo/app"
    (folder / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + (folder / "kustomization.yaml").read_text()
    )
    monkeypatch.chdir(root)
    data = json.loads(run(root, "kubernetes/apps/demo/app/kustomization.yaml", "--format", "json"))
    assert data["objects"] == []
    (chain,) = data["kustomization"]["built_by"]
    assert [hop["name"] for hop in chain][1:] == ["flux-system/cluster-apps", "flux-system/demo"]
    text = run(root, "kubernetes/apps/demo/app/kustomization.yaml")
    assert "not applied" not in text
    assert "kustomization of kubernetes/apps/demo/app/\n  built (1):" in text


def test_a_kustomization_file_no_flux_kustomization_builds_says_what_is_missing(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    (root / "kubernetes/unused").mkdir()
    (root / "kubernetes/unused/kustomization.yaml").write_text("resources:\n  - ./cm.yaml\n")
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/unused/kustomization.yaml")
    assert "not built by Flux: no Flux Kustomization builds kubernetes/unused/" in text


def test_two_roots_in_one_file_name_the_file_once(tmp_path, monkeypatch):
    root = make_repo(tmp_path)
    (root / ".homelint.yaml").unlink()
    (root / "kubernetes/flux/cluster/ks.yaml").write_text(ROOT_KS + "---\n" + ROOT_KS.replace("cluster-apps", "cluster-more"))
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/apps/settings.yaml")
    assert "  roots: kubernetes/flux/cluster/ks.yaml (" in text


def test_a_spec_patch_a_parents_patch_wrote_into_the_kustomization_is_listed(tmp_path, monkeypatch):
    """The root's spec.patches give every child Kustomization a spec.patches entry of its own:
    kustomize-controller runs it on the child's build, so explain lists it, at the root's patch."""
    root = make_repo(tmp_path)
    inject = (
        "  patches:\n    - target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization}\n      patch: |-\n"
        "        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata: {name: _}\n"
        "        spec:\n          patches:\n            - target: {kind: ConfigMap}\n              patch: |-\n"
        "                - op: add\n                  path: /metadata/labels/injected\n                  value: 'yes'\n"
    )
    (root / "kubernetes/flux/cluster/ks.yaml").write_text(ROOT_KS + inject)
    monkeypatch.chdir(root)
    (applied,) = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml:5", "--format", "json"))["objects"][0]["applied"]
    assert applied["patches"] == [
        {"by": "Kustomization flux-system/demo", "field": "spec.patches[0]", "location": "kubernetes/flux/cluster/ks.yaml:21"}
    ]


def test_a_component_two_namespaces_include_shows_each_copy_with_its_own_includer(tmp_path, monkeypatch):
    """Two namespace folders include one Component; each applied copy is explained by the
    kustomization that gives it its namespace, not by both."""
    root = make_repo(tmp_path)
    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - ./cm.yaml\n"
    files = {
        "kubernetes/apps/kustomization.yaml": "resources:\n  - ./ns-a\n  - ./ns-b\n",
        "kubernetes/apps/ns-a/kustomization.yaml": "namespace: ns-a\ncomponents:\n  - ../../shared\n",
        "kubernetes/apps/ns-b/kustomization.yaml": "namespace: ns-b\ncomponents:\n  - ../../shared\n",
        "kubernetes/shared/kustomization.yaml": component,
        "kubernetes/shared/cm.yaml": cm("shared-a"),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    monkeypatch.chdir(root)
    copies = json.loads(run(root, "kubernetes/shared/cm.yaml", "--format", "json"))["objects"][0]["applied"]
    by_namespace = {
        c["namespace"]: ([k["file"] for k in c["kustomizations"]], c["effective_namespace"]["set_by"]) for c in copies
    }
    assert by_namespace == {
        "ns-a": (
            ["kubernetes/apps/ns-a/kustomization.yaml", "kubernetes/shared/kustomization.yaml"],
            "namespace: of kubernetes/apps/ns-a/kustomization.yaml",
        ),
        "ns-b": (
            ["kubernetes/apps/ns-b/kustomization.yaml", "kubernetes/shared/kustomization.yaml"],
            "namespace: of kubernetes/apps/ns-b/kustomization.yaml",
        ),
    }


def test_missing_link_a_listed_folder_without_a_kustomization(tmp_path, monkeypatch):
    """A built kustomization lists a folder that has no kustomization file: kustomize fails that
    build (HL101), so nothing below the folder is applied; explain and HL104 name that entry, not
    "does not include it"."""
    root = make_repo(tmp_path)
    apps = root / "kubernetes/apps/kustomization.yaml"
    apps.write_text(apps.read_text() + "  - ./group-a\n")
    inner = root / "kubernetes/apps/group-a/inner"
    inner.mkdir(parents=True)
    (inner / "kustomization.yaml").write_text("resources:\n  - ./cm.yaml\n")
    (inner / "cm.yaml").write_text(cm("inner-a"))
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/apps/group-a/inner/cm.yaml")
    assert (
        "no Flux Kustomization builds kubernetes/apps/group-a/inner/: kubernetes/apps/kustomization.yaml lists "
        "'./group-a', a folder with no kustomization file, so kustomize fails that build" in text
    )
    result = CliRunner().invoke(main, ["check", ".", "--format", "json", "--no-cache"], catch_exceptions=False)
    (unbuilt,) = [f for f in json.loads(result.stdout) if f["rule"] == "HL104" and "group-a" in f["path"]]
    assert "kubernetes/apps/kustomization.yaml lists './group-a', a folder with no kustomization file" in unbuilt["message"]


def test_a_patch_file_is_named_a_patch_not_an_unlisted_object(tmp_path, monkeypatch):
    """A file a kustomization lists under patches: holds a patch's body, not an object: explain
    says so, not that the kustomization fails to include it."""
    root = make_repo(tmp_path)
    (root / "kubernetes/apps/demo/app/kustomization.yaml").write_text(
        "resources:\n  - ./cm.yaml\npatches:\n  - path: ./patches/cm-patch.yaml\n    target:\n      kind: ConfigMap\n"
    )
    (root / "kubernetes/apps/demo/app/patches").mkdir()
    (root / "kubernetes/apps/demo/app/patches/cm-patch.yaml").write_text(cm("not-used"))
    monkeypatch.chdir(root)
    text = run(root, "kubernetes/apps/demo/app/patches/cm-patch.yaml")
    assert (
        "not applied by Flux: the file is a patch that kubernetes/apps/demo/app/kustomization.yaml lists under patches:" in text
    )
    assert "does not include it" not in text


def test_a_generator_data_file_is_explained_as_the_data_of_its_generator(tmp_path, monkeypatch):
    """A configMapGenerator `files:` source holds no object of its own: explain names the
    generator whose key it is, instead of calling it unapplied."""
    root = make_repo(tmp_path)
    app = root / "kubernetes/apps/demo/app"
    (app / "values.yaml").write_text("replicas: 1\n")
    (app / "kustomization.yaml").write_text(
        (app / "kustomization.yaml").read_text() + "configMapGenerator:\n  - name: demo-values\n    files:\n      - values.yaml\n"
    )
    monkeypatch.chdir(root)
    out = run(root, "kubernetes/apps/demo/app/values.yaml")
    assert "data of key 'values.yaml' of configMapGenerator 'demo-values' in kubernetes/apps/demo/app/kustomization.yaml" in out
    assert "not applied" not in out


def test_a_root_taken_without_a_marker_is_named(tmp_path, monkeypatch):
    """Without .git or .homelint.yaml, explain takes the current folder as the root (as `check`
    without a path does there), which may not be the folder `check DIR` would take: a note says so."""
    root = make_repo(tmp_path)
    (root / ".git").rmdir()
    config = (root / ".homelint.yaml").read_text()
    (root / ".homelint.yaml").unlink()
    monkeypatch.chdir(root.parent)
    text = run(root, f"{root.name}/kubernetes/apps/demo/app/cm.yaml")
    assert text.rstrip().endswith(
        f"note: no .git or .homelint.yaml at or above {root.name}/kubernetes/apps/demo/app/cm.yaml: the current folder "
        "was taken as the repository root; run explain from the repository root, pass it with --root, or add a "
        ".homelint.yaml there"
    )
    # --root names the root as `check DIR` takes DIR: the chain is found, and no note is needed
    given = run(root, "--root", root.name, f"{root.name}/kubernetes/apps/demo/app/cm.yaml")
    assert "was taken as the repository root" not in given and "applied (1) in namespace demo" in given
    outside = CliRunner().invoke(
        main, ["explain", "--root", f"{root.name}/kubernetes/apps/demo", f"{root.name}/kubernetes/apps/settings.yaml"]
    )
    assert outside.exit_code == 2 and "is not inside the repository root" in outside.output
    (root / ".homelint.yaml").write_text(config)
    assert "was taken as the repository root" not in run(root, f"{root.name}/kubernetes/apps/demo/app/cm.yaml")


def test_an_object_of_a_build_that_fails_is_not_called_applied(tmp_path, monkeypatch):
    """A build that stops at a missing file applies nothing (HL101): explain says where it stops,
    for the Kustomization's own build and for one a failing parent applies."""
    root = make_repo(tmp_path)
    monkeypatch.chdir(root)
    assert "not applied:" not in run(root, "kubernetes/apps/demo/app/cm.yaml")
    (root / "kubernetes/apps/demo/app/kustomization.yaml").write_text("resources:\n  - ./cm.yaml\n  - ./missing.yaml\n")
    text = run(root, "kubernetes/apps/demo/app/cm.yaml")
    assert "  would be applied (1) in namespace demo as demo:\n" in text
    assert (
        "not applied: the build of Kustomization flux-system/demo fails at kubernetes/apps/demo/app/kustomization.yaml "
        "(kustomize stops there)\n" in text
    )
    apps = root / "kubernetes/apps/kustomization.yaml"
    apps.write_text(apps.read_text() + "  - ./missing.yaml\n")
    (root / "kubernetes/apps/demo/app/kustomization.yaml").write_text("resources:\n  - ./cm.yaml\n")
    data = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml:5", "--format", "json"))
    assert data["objects"][0]["applied"][0]["build_fails"] == (
        "the build of Kustomization flux-system/cluster-apps fails at kubernetes/apps/kustomization.yaml (kustomize "
        "stops there), so Kustomization flux-system/demo, which it applies, is not created or updated"
    )


def test_a_bootstrap_template_says_what_it_makes_and_who_applies_it(tmp_path, monkeypatch):
    """HL401/HL405 count the Secret of a bootstrap template as made, whether a Taskfile pipes it
    into kubectl or nothing in the repository names it (applied by hand); explain says which."""
    root = make_repo(tmp_path)
    (root / "bootstrap").mkdir()
    (root / "bootstrap/resources.yaml.j2").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\n  namespace: ns-a\nstringData:\n  k: '{{ v }}'\n"
    )
    monkeypatch.chdir(root)
    assert (
        "not applied: Flux does not read bootstrap/resources.yaml.j2, a bootstrap template outside every Flux build (no "
        "line of a script, Taskfile or justfile that runs kubectl names it: homelint takes it as applied by hand before "
        "Flux runs); it makes Secret ns-a/secret-a" in run(root, "bootstrap/resources.yaml.j2")
    )
    (root / "bootstrap/empty.yaml.j2").write_text("{{ everything }}\n")
    assert "is a template: no line of a script, Taskfile or justfile that runs kubectl names it" in run(
        root, "bootstrap/empty.yaml.j2"
    )
    (root / "Taskfile.yaml").write_text(
        "version: '3'\ntasks:\n  boot:\n    cmds:\n      - minijinja-cli bootstrap/resources.yaml.j2 | kubectl apply -f -\n"
    )
    assert (
        "not applied: Flux does not read bootstrap/resources.yaml.j2, a bootstrap template a script applies with kubectl "
        "before Flux runs; it makes Secret ns-a/secret-a" in run(root, "bootstrap/resources.yaml.j2")
    )


def test_a_target_namespace_the_parent_build_sets_is_not_pointed_at_the_childs_file(tmp_path, monkeypatch):
    """A targetNamespace a parent's patch writes is located in the patch; one a transformer's fieldSpec
    creates is said to come from the build, not pointed at the child's `spec:` line (d4rkfella, axeII)."""
    root = make_repo(tmp_path)
    ks = root / "kubernetes/apps/demo/ks.yaml"
    ks.write_text(
        ks.read_text()
        .replace("  targetNamespace: demo\n", "")
        .replace("    name: flux-system\n  postBuild", "    name: flux-system\n    namespace: flux-system\n  postBuild")
    )
    listing = "resources:\n  - ./demo/ks.yaml\n  - ./remote.yaml\n  - ./settings.yaml\n"
    patch = (
        "patches:\n  - target: {kind: Kustomization, name: demo}\n    patch: |-\n"
        "      - {op: add, path: /spec/targetNamespace, value: demo}\n"
    )
    (root / "kubernetes/apps/kustomization.yaml").write_text(listing + patch)
    monkeypatch.chdir(root)
    (applied,) = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml:5", "--format", "json"))["objects"][0]["applied"]
    assert applied["effective_namespace"]["set_by"] == "spec.targetNamespace of Kustomization flux-system/demo"
    assert applied["effective_namespace"]["location"].startswith("kubernetes/apps/kustomization.yaml:")
    transformer = (
        "apiVersion: builtin\nkind: NamespaceTransformer\nmetadata: {name: set-ns, namespace: demo}\n"
        "fieldSpecs:\n  - {path: spec/targetNamespace, group: kustomize.toolkit.fluxcd.io, kind: Kustomization, create: true}\n"
    )
    (root / "kubernetes/apps/transformer.yaml").write_text(transformer)
    (root / "kubernetes/apps/kustomization.yaml").write_text(listing + "transformers:\n  - ./transformer.yaml\n")
    (applied,) = json.loads(run(root, "kubernetes/apps/demo/app/cm.yaml:5", "--format", "json"))["objects"][0]["applied"]
    assert applied["effective_namespace"] == {
        "value": "demo",
        "set_by": "spec.targetNamespace of Kustomization demo/demo, which the build applying it sets (its file has none)",
        "location": "",
    }


def test_a_file_its_parent_lists_is_explained_by_why_the_parent_is_not_applied(tmp_path, monkeypatch):
    """app-a/ks.yaml sits beside app-a's own kustomization.yaml, which need not list it: apps/
    lists it, and no Flux Kustomization builds apps/ (theiam79). explain blamed the folder's own
    kustomization.yaml, whose fix would make the Kustomization apply itself."""
    files = {
        ".homelint.yaml": "flux:\n  roots: [kubernetes/flux/cluster]\n",
        "kubernetes/flux/cluster/ks.yaml": ROOT_KS.replace("./kubernetes/apps", "./kubernetes/other"),
        "kubernetes/other/cm.yaml": cm("other"),
        "kubernetes/apps/kustomization.yaml": "resources:\n  - ./app-a/ks.yaml\n",
        "kubernetes/apps/app-a/ks.yaml": DEMO_KS.replace("./kubernetes/apps/demo/app", "./kubernetes/apps/app-a"),
        "kubernetes/apps/app-a/kustomization.yaml": "resources:\n  - ./cm.yaml\n",
        "kubernetes/apps/app-a/cm.yaml": cm("app-a"),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    text = run(tmp_path, "kubernetes/apps/app-a/ks.yaml")
    assert (
        "not applied by Flux: kubernetes/apps/kustomization.yaml lists it, but no Flux Kustomization builds kubernetes/apps/"
        in text
    )
    assert "kubernetes/apps/app-a/kustomization.yaml does not list ks.yaml" not in text
