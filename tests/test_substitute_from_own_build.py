"""HL207: a Flux Kustomization whose required substituteFrom source only its own build (or a
Kustomization below it) makes never builds on a cluster without that source: kustomize-controller
reads it before applying anything (fluxcd/pkg kustomize SubstituteVariables, loadVars)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import flux_ks, flux_root

VARS = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars-a\n  namespace: flux-system\ndata:\n  GREETING: hello\n"
USER = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: flux-system\ndata:\n  say: '${GREETING}'\n"
SOURCE = "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: vars-a\n"


def _hl207(check_json: Any, repo: Any, files: dict[str, str]) -> list[str]:
    _, found = check_json(repo(files))
    return [f["path"] + ": " + f["message"] for f in found if f["rule"] == "HL207"]


def _own_build(**extra: str) -> dict[str, str]:
    """A root applying apps/, whose Kustomization app-a substitutes from vars-a, made in app-a/."""
    return {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - ./app-a.yaml\n",
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", SOURCE),
        "app-a/kustomization.yaml": "resources:\n  - ./vars.yaml\n  - ./cm.yaml\n",
        "app-a/vars.yaml": VARS,
        "app-a/cm.yaml": USER,
        **extra,
    }


def test_a_source_only_its_own_build_makes_is_a_warning(check_json, repo):
    (message,) = _hl207(check_json, repo, _own_build())
    assert message.startswith("apps/app-a.yaml: Kustomization flux-system/app-a substitutes from ConfigMap 'vars-a', ")
    assert "which only its own build makes (app-a/vars.yaml)" in message


def test_a_source_a_kustomization_below_it_makes_is_a_warning(check_json, repo):
    files = _own_build()
    files["app-a/kustomization.yaml"] = "resources:\n  - ./cm.yaml\n  - ./child.yaml\n"
    files["app-a/child.yaml"] = flux_ks("app-b", "./app-b")
    files["app-b/vars.yaml"] = files.pop("app-a/vars.yaml")
    (message,) = _hl207(check_json, repo, files)
    assert "which only a Kustomization its build applies makes (app-b/vars.yaml)" in message


def test_a_source_its_parent_makes_first_is_fine(check_json, repo):
    files = _own_build()
    files["app-a/kustomization.yaml"] = "resources:\n  - ./cm.yaml\n"
    files["apps/kustomization.yaml"] = "resources:\n  - ./app-a.yaml\n  - ./vars.yaml\n"
    files["apps/vars.yaml"] = files.pop("app-a/vars.yaml")
    assert _hl207(check_json, repo, files) == []


def test_an_optional_source_is_fine(check_json, repo):
    files = _own_build()
    files["apps/app-a.yaml"] = flux_ks("app-a", "./app-a", SOURCE + "        optional: true\n")
    assert _hl207(check_json, repo, files) == []


def test_a_source_a_bootstrap_script_applies_is_fine(check_json, repo):
    """A script Flux does not apply names the file: it is taken to apply it before Flux runs."""
    script = "#!/bin/sh\nkubectl apply --filename app-a/vars.yaml\n"
    assert _hl207(check_json, repo, _own_build(**{"scripts/bootstrap.sh": script})) == []


@pytest.mark.parametrize(
    "script",
    [
        "kubectl apply -k app-a\n",
        "kubectl apply -f app-a/\n",
        "for f in app-a/*.yaml; do kubectl apply -f $f; done\n",
        "kubectl apply -f app-a/$FILE\n",
        "sops --decrypt vars.yaml | kubectl apply -f -\n",
        "tasks:\n  apply:\n    cmds: ['kubectl apply -f \"app-a/vars.yaml\"']\n",
    ],
)
def test_the_file_or_its_folder_named_as_a_path_is_a_bootstrap(check_json, repo, script):
    assert _hl207(check_json, repo, _own_build(**{"scripts/bootstrap.yaml": script})) == []


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param(".sops.yaml", "creation_rules:\n  - path_regex: app-a/vars.yaml\n    age: age1x\n", id="sops-config"),
        pytest.param("scripts/find.sh", "find . -name '*.vars.yaml'\n", id="a-longer-file-name"),
        pytest.param("scripts/lint.sh", "yamllint --config-file app-a-lint.yaml .\n", id="a-longer-word"),
        pytest.param("notes/values.yaml", "persistence:\n  app-a:\n    size: 1Gi\n", id="a-mapping-key"),
        # kubectl's -f takes a file or a folder: a manifest applies itself, not its neighbours
        pytest.param("scripts/apply.sh", "kubectl apply -f app-a/cm.yaml\n", id="a-neighbour-manifest"),
        pytest.param("scripts/apply.sh", "kubectl apply -f ./app-a/cm.yml\n", id="a-neighbour-yml"),
    ],
)
def test_a_text_that_names_no_path_of_the_file_is_no_bootstrap(check_json, repo, path, text):
    """The name must stand as a path part: a SOPS rule, a longer name or key does not apply it, nor
    does a command that applies another file of its folder."""
    assert len(_hl207(check_json, repo, _own_build(**{path: text}))) == 1


APPLY = "kubectl apply --server-side --filename app-a/vars.yaml\n"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        # mise runs every executable file of its task folders as a task, whatever its name
        pytest.param(".mise/tasks/flux/bootstrap", "#!/usr/bin/env bash\n" + APPLY, id="mise-task"),
        pytest.param("mise-tasks/bootstrap", APPLY, id="mise-task-without-shebang"),
        pytest.param(".config/mise/tasks/bootstrap.py", "import os\nos.system('" + APPLY.strip() + "')\n", id="mise-task-python"),
        pytest.param("sub/mise/tasks/bootstrap", APPLY, id="mise-task-folder-below-the-root"),
        # a file without a suffix run by a shell, as its `#!` line says
        pytest.param("scripts/bootstrap", "#!/usr/bin/env bash\nset -eu\n" + APPLY, id="env-bash"),
        pytest.param("scripts/bootstrap", "#!/bin/sh -e\n" + APPLY, id="bin-sh"),
        pytest.param("scripts/bootstrap", "#! /usr/bin/env -S bash -eu\n" + APPLY, id="env-split-string"),
        pytest.param(".envrc", "#!/usr/bin/env zsh\r\n" + APPLY, id="dotfile-crlf"),
        pytest.param("scripts/bootstrap.bash", APPLY, id="bash-suffix"),
        # just reads a `.justfile` as it reads a `justfile`
        pytest.param(".justfile", "bootstrap:\n    " + APPLY, id="dot-justfile"),
    ],
)
def test_a_script_no_sh_suffix_names_is_read_as_a_bootstrap(check_json, repo, path, text):
    """A bootstrap is often a mise file task or a shebang script without a suffix: it applies the
    source first as a `.sh` file does."""
    assert _hl207(check_json, repo, _own_build(**{path: text})) == []


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param("LICENSE", "You may run kubectl apply -f app-a/vars.yaml at will.\n", id="text-without-shebang"),
        pytest.param("scripts/bootstrap", "# run: " + APPLY, id="comment-not-shebang"),
        pytest.param("scripts/bootstrap", "#!/usr/bin/env python3\nrun('" + APPLY.strip() + "')\n", id="python-shebang"),
        pytest.param("scripts/bootstrap", "\n#!/bin/sh\n" + APPLY, id="shebang-not-first"),
        pytest.param("scripts/bootstrap.txt", "#!/bin/sh\n" + APPLY, id="another-suffix"),
        pytest.param("my-mise-tasks/bootstrap", APPLY, id="not-a-mise-task-folder"),
        pytest.param("scripts/bootstrap", "#!/bin/sh\n" + APPLY + "#" * 1_000_000, id="over-1-MB"),
    ],
)
def test_a_file_that_is_no_script_by_name_place_or_shebang_is_not_read(check_json, repo, path, text):
    """The control: a suffix-less text (a LICENSE naming the command in prose), another
    interpreter's script, a file of another suffix or folder is not a bootstrap; nor is a script
    over 1 MB (the limit of every script read)."""
    assert len(_hl207(check_json, repo, _own_build(**{path: text}))) == 1


def test_a_shebang_script_linked_from_outside_the_repository_is_not_read(check_json, repo, tmp_path):
    """As a `.sh` file: a suffix-less script that is a symlink out of the repository is not read."""
    outside = tmp_path / "outside"
    outside.write_text("#!/bin/sh\n" + APPLY)
    root = repo(_own_build())
    (root / ".mise" / "tasks").mkdir(parents=True)
    (root / ".mise" / "tasks" / "bootstrap").symlink_to(outside)
    (root / "scripts").mkdir()
    (root / "scripts" / "bootstrap").symlink_to(outside)
    _, found = check_json(root)
    assert [f["rule"] for f in found if f["rule"] == "HL207"] == ["HL207"]


def test_a_secret_an_external_secret_of_its_own_build_makes_is_a_warning(check_json, repo):
    files = _own_build()
    files["apps/app-a.yaml"] = flux_ks("app-a", "./app-a", SOURCE.replace("ConfigMap", "Secret"))
    files["app-a/vars.yaml"] = (
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: vars-a\n  namespace: flux-system\n"
        "spec:\n  secretStoreRef: {kind: ClusterSecretStore, name: store-a}\n  dataFrom:\n    - extract: {key: vars-a}\n"
    )
    (message,) = _hl207(check_json, repo, files)
    assert "from Secret 'vars-a', which only its own build makes (app-a/vars.yaml)" in message
    # the ExternalSecret stays on the cluster and makes the Secret again once it is deleted
    assert message.endswith("so on a new cluster nothing ever creates it")


def test_a_plain_source_once_deleted_is_never_made_again(check_json, repo):
    (message,) = _hl207(check_json, repo, _own_build())
    assert message.endswith("so on a new cluster (or once it is deleted) nothing ever creates it")


def _root_with_vars(maker_folder: str) -> dict[str, str]:
    """A root Kustomization (nothing in the repository applies it) of clusters/main, substituting
    from vars-a, which Kustomization vars-ks (in `maker_folder`, applied by the root) makes."""
    root = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://example.invalid/repo.git\n  ref:\n"
        "    branch: main\n" + flux_ks("root", "./clusters/main", "  dependsOn:\n    - name: vars-ks\n" + SOURCE)
    )
    return {
        "clusters/main/root.yaml": root,
        f"{maker_folder}/vars-ks.yaml": flux_ks("vars-ks", "./vars"),
        "vars/vars.yaml": VARS,
        "clusters/main/cm.yaml": USER,
    }


def test_a_root_whose_source_a_kustomization_beside_it_makes_is_fine(check_json, repo):
    """`kubectl apply -k clusters/main` at bootstrap creates the root and vars-ks together; vars-ks
    needs no substitution and makes vars-a, and the root's dependsOn waits for it."""
    assert _hl207(check_json, repo, _root_with_vars("clusters/main")) == []


def test_a_root_whose_source_a_kustomization_elsewhere_makes_is_a_warning(check_json, repo):
    """The control: vars-ks is in a folder below the root's, which a bootstrap of the root's own
    folder (as `flux bootstrap` writes it) does not apply."""
    files = _root_with_vars("clusters/main/apps")
    (message,) = _hl207(check_json, repo, files)
    assert "which only a Kustomization its build applies makes (vars/vars.yaml)" in message


def test_a_script_linked_from_outside_the_repository_is_not_read(check_json, repo, tmp_path):
    """Repository content is untrusted: a bootstrap script that is a symlink out of the repository
    is not read, so text outside cannot silence the finding."""
    outside = tmp_path / "outside.sh"
    outside.write_text("kubectl apply --filename app-a/vars.yaml\n")
    root = repo(_own_build())
    (root / "scripts").mkdir()
    (root / "scripts" / "bootstrap.sh").symlink_to(outside)
    _, found = check_json(root)
    assert [f["rule"] for f in found if f["rule"] == "HL207"] == ["HL207"]


def test_a_kustomization_names_files_relative_to_its_folder(check_json, repo):
    """An archived kustomization no Flux Kustomization builds lists its own ./vars.yaml: that is
    archive/app-b/vars.yaml, not app-a/vars.yaml (kubectl kustomize archive/app-b), so the source
    stays made only by app-a's build."""
    files = _own_build(
        **{
            "archive/app-b/kustomization.yaml": "resources:\n  - ./vars.yaml\n",
            "archive/app-b/vars.yaml": VARS.replace("vars-a", "vars-b"),
        }
    )
    assert len(_hl207(check_json, repo, files)) == 1


def test_an_unbuilt_kustomization_that_lists_the_folder_is_a_bootstrap(check_json, repo):
    """A kustomization no Flux Kustomization builds whose entry is the source's folder: applying it
    by hand (`kubectl apply -k bootstrap`) makes the source first."""
    files = _own_build(**{"bootstrap/kustomization.yaml": "resources:\n  - ../app-a\n"})
    assert _hl207(check_json, repo, files) == []


@pytest.mark.parametrize(
    ("script", "silenced"),
    [
        pytest.param("cmds: ['kubectl apply -k clusters/{{.C}}/app-a']\n", True, id="go-template"),
        pytest.param("cmds: ['kubectl apply -f clusters/{{.C}}/app-a/']\n", True, id="go-template-final-slash"),
        # a file of another kind beside it (a .env file a task turns into a Secret) may make anything
        pytest.param("cmds: ['sops exec-file clusters/{{.C}}/app-a/vars.env kubectl apply -f -']\n", True, id="an-env-file"),
        pytest.param("cmds: ['kubectl apply -f clusters/{{.C}}/app-a/cm.yaml']\n", False, id="another-manifest"),
        pytest.param('kubectl apply -k "clusters/${CLUSTER}/app-a"\n', True, id="shell-variable"),
        pytest.param("cmds: ['kubectl apply -k clusters/{{.C}}/app-b']\n", False, id="another-folder"),
    ],
)
def test_a_script_may_write_the_parent_folder_as_a_variable(check_json, repo, script, silenced):
    """A bootstrap task applies `clusters/{{.C}}/app-a` for the cluster it is given: the folder
    of the source, whatever the cluster, so it is taken to apply it first."""
    files = _own_build(**{"taskfiles/bootstrap.yaml": script})
    files["clusters/main/app-a/kustomization.yaml"] = files.pop("app-a/kustomization.yaml")
    files["clusters/main/app-a/vars.yaml"] = files.pop("app-a/vars.yaml")
    files["clusters/main/app-a/cm.yaml"] = files.pop("app-a/cm.yaml")
    files["apps/app-a.yaml"] = flux_ks("app-a", "./clusters/main/app-a", SOURCE)
    assert (_hl207(check_json, repo, files) == []) is silenced


def test_a_source_also_defined_in_a_bootstrap_folder_is_fine(check_json, repo):
    """The same ConfigMap is also defined in a folder no Flux Kustomization builds (a bootstrap
    applies it first, as HL401 takes it): whichever applies first, it exists before app-a builds."""
    files = _own_build(**{"bootstrap/kustomization.yaml": "resources:\n  - ./vars.yaml\n", "bootstrap/vars.yaml": VARS})
    assert _hl207(check_json, repo, files) == []


def test_an_undefined_variable_that_is_a_key_of_another_configmap_names_it_in_the_fix(check_json, repo):
    """`${GREETING}` is a key of ConfigMap other-a, which app-a does not substitute from (the user
    put it in the wrong object): the fix names that object; the key, never its value."""
    other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other-a\n  namespace: flux-system\ndata:\n  GREETING: greeting-value-7\n"
    files = _own_build()
    files["app-a/vars.yaml"] = VARS.replace("GREETING", "OTHER")
    files["apps/kustomization.yaml"] = "resources:\n  - ./app-a.yaml\n  - ./other.yaml\n"
    files["apps/other.yaml"] = other
    _, found = check_json(repo(files))
    (undefined,) = [f for f in found if f["rule"] == "HL201"]
    assert undefined["fix"].startswith(
        "ConfigMap flux-system/other-a (apps/other.yaml) has a key GREETING but is not a substituteFrom source of this "
        "Kustomization: list it there, or define GREETING"
    )
    assert "greeting-value-7" not in undefined["fix"] + undefined["message"]
    files.pop("apps/other.yaml")
    files["apps/kustomization.yaml"] = "resources:\n  - ./app-a.yaml\n"
    _, found = check_json(repo(files))
    (undefined,) = [f for f in found if f["rule"] == "HL201"]
    assert undefined["fix"].startswith("define GREETING in postBuild.substitute")


def _made_by_a_dependent(depends: str) -> dict[str, str]:
    """app-a substitutes from vars-a, which only app-b makes; app-b has `depends` in its spec."""
    files = _own_build()
    files["apps/kustomization.yaml"] = "resources:\n  - ./app-a.yaml\n  - ./app-b.yaml\n"
    files["apps/app-b.yaml"] = flux_ks("app-b", "./app-b", depends)
    files["app-a/kustomization.yaml"] = "resources:\n  - ./cm.yaml\n"
    files["app-b/vars.yaml"] = files.pop("app-a/vars.yaml")
    return files


@pytest.mark.parametrize(
    "depends",
    [
        "  dependsOn:\n    - name: app-a\n",
        "  dependsOn:\n    - name: app-c\n",  # through app-c, which dependsOn app-a
    ],
)
def test_a_source_only_a_kustomization_that_waits_for_it_makes_is_a_warning(check_json, repo, depends):
    """app-b waits for app-a to be Ready (dependsOn, directly or through app-c) before applying
    anything; app-a fails its build until vars-a exists: on a new cluster neither ever applies."""
    files = _made_by_a_dependent(depends)
    files["apps/kustomization.yaml"] += "  - ./app-c.yaml\n"
    files["apps/app-c.yaml"] = flux_ks("app-c", "./app-c", "  dependsOn:\n    - name: app-a\n")
    files["app-c/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-c\n  namespace: flux-system\n"
    (message,) = _hl207(check_json, repo, files)
    assert "which only Kustomization flux-system/app-b (it dependsOn this one) makes (app-b/vars.yaml)" in message, message


def test_a_source_a_sibling_makes_without_waiting_is_fine(check_json, repo):
    """The control: app-b does not wait for app-a; app-a fails until app-b applies vars-a, then
    its retry builds."""
    assert _hl207(check_json, repo, _made_by_a_dependent("")) == []


FIND_TASK = """version: '3'
tasks:
  secrets:
    cmds:
      - for: {var: FILES}
        cmd: sops exec-file {{.ITEM}} "kubectl --namespace flux-system apply --server-side --filename {}"
    vars:
      FILES: {sh: find {{.ROOT}}/app-a -type f -name '*.yaml'}
"""


@pytest.mark.parametrize(
    ("task", "silenced"),
    [
        (FIND_TASK, True),
        (FIND_TASK.replace("'*.yaml'", "'*.sops.yaml'"), False),  # the glob does not match sub/vars.yaml
        (FIND_TASK.replace("/app-a ", "/other "), False),  # nor is it below that folder
        (FIND_TASK.replace("kubectl --namespace flux-system apply", "cat"), False),  # found, not applied
    ],
)
def test_a_bootstrap_that_applies_what_find_picks_applies_the_source(check_json, repo, task, silenced):
    """`find DIR -name GLOB` in a bootstrap that applies what it finds picks every file below a
    folder named DIR's last part whose name matches GLOB (DIR may start with a variable)."""
    files = _own_build(**{".taskfiles/bootstrap/Taskfile.yaml": task})
    files["app-a/kustomization.yaml"] = "resources:\n  - ./sub/vars.yaml\n  - ./cm.yaml\n"
    files["app-a/sub/vars.yaml"] = files.pop("app-a/vars.yaml")  # the text names neither it nor its folder
    assert (_hl207(check_json, repo, files) == []) is silenced


OPERATOR_MAKER = (
    "apiVersion: pocketid.internal/v1alpha1\nkind: PocketIDOIDCClient\nmetadata:\n  name: client-a\n"
    "  namespace: flux-system\nspec:\n  secret:\n    name: vars-a\n"
)


def test_a_source_an_operator_resource_of_its_own_build_makes_is_a_warning(check_json, repo):
    """The producer table says the resource writes Secret vars-a: made only after the build that
    needs it, as an ExternalSecret's would be (solanyn: a PocketIDOIDCClient)."""
    files = _own_build()
    files["apps/app-a.yaml"] = flux_ks("app-a", "./app-a", SOURCE.replace("kind: ConfigMap", "kind: Secret"))
    files["app-a/kustomization.yaml"] = "resources:\n  - ./maker.yaml\n  - ./cm.yaml\n"
    del files["app-a/vars.yaml"]
    files["app-a/maker.yaml"] = OPERATOR_MAKER
    (message,) = _hl207(check_json, repo, files)
    assert "substitutes from Secret 'vars-a', which only its own build makes (app-a/maker.yaml)" in message
    assert "(or once it is deleted)" not in message  # the resource stays and writes it again
    files["apps/kustomization.yaml"] = "resources:\n  - ./app-a.yaml\n  - ./maker.yaml\n"
    files["apps/maker.yaml"] = files.pop("app-a/maker.yaml")
    files["app-a/kustomization.yaml"] = "resources:\n  - ./cm.yaml\n"
    assert _hl207(check_json, repo, files) == []  # made by its parent, first
