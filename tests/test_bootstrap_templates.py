"""Objects a bootstrap template defines (`bootstrap/resources.yaml.j2`, rendered and piped into
`kubectl apply` by a Taskfile before Flux runs) are made, only not by Flux: HL401/HL405 do not
report what they make (a templated namespace: any). So are those of a template nothing in the
repository names, as a plain manifest outside every Flux build is (its command may be in a README):
absence of a script is no evidence. A templated name makes nothing known."""

from __future__ import annotations

import pytest

from homelint.rules.templated import template_keys, template_objects

from .conftest import flux_ks, flux_root

TEMPLATE = """---
apiVersion: v1
kind: Secret
metadata:
  name: secret-a
  namespace: ns-a
  labels:
    name: not-the-name
stringData:
  token: op://vault/item/token
---
apiVersion: v1
kind: ConfigMap
metadata:
  labels: {app: a}
  name: "settings-a"
  namespace: flux-system
data:
  CLUSTER_NAME: c1
"""
TASKFILE = """version: '3'
tasks:
  resources:
    cmds:
      - op inject -i "{{.ROOT_DIR}}/bootstrap/resources.yaml.j2" | kubectl apply --server-side -f -
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: app-a}
spec:
  selector: {matchLabels: {app: app-a}}
  template:
    metadata: {labels: {app: app-a}}
    spec:
      containers:
        - name: app-a
          image: registry.invalid/app-a:1.0.0@sha256:%s
          env:
            - {name: NAME, value: "${CLUSTER_NAME}"}
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: secret-a, key: token}}
""" % ("0" * 64)
SOURCE = "  targetNamespace: ns-a\n  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: settings-a}\n"


def _tree(template: str = TEMPLATE, taskfile: str | None = TASKFILE) -> dict[str, str]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources: [ns.yaml, app-a.yaml]\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", SOURCE),
        "app-a/kustomization.yaml": "resources: [deploy.yaml]\n",
        "app-a/deploy.yaml": DEPLOYMENT,
        "bootstrap/resources.yaml.j2": template,
    }
    if taskfile is not None:
        files["Taskfile.yaml"] = taskfile
    return files


def _errors(check_json, root) -> list[tuple[str, str]]:
    return sorted((f["rule"], f["severity"]) for f in check_json(root)[1] if f["rule"] in ("HL401", "HL405"))


def test_what_a_template_a_taskfile_applies_makes_is_made(check_json, repo):
    """Its Secret and ConfigMap are made; the ConfigMap's key CLUSTER_NAME, written plainly (only
    values are rendered), defines ${CLUSTER_NAME}: no info says it may (EllisCreekFarm)."""
    root = repo(_tree())
    assert _errors(check_json, root) == []
    assert [f for f in check_json(root)[1] if f["rule"] == "HL201"] == []


def test_a_template_no_script_names_is_taken_as_applied_by_hand(check_json, repo):
    assert _errors(check_json, repo(_tree(taskfile=None))) == []


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(_tree(TEMPLATE.replace("secret-a", "{{ name }}").replace('"settings-a"', "{{ cm }}")), id="templated-names"),
        pytest.param(
            _tree(TEMPLATE.replace("ns-a", "ns-b").replace("namespace: flux-system", "namespace: ns-b")), id="elsewhere"
        ),
    ],
)
def test_a_template_that_makes_nothing_known_makes_nothing(check_json, repo, files):
    assert _errors(check_json, repo(files)) == [("HL401", "error"), ("HL405", "error")]


ROOT_TASKFILE = "version: '3'\nvars:\n  BOOTSTRAP_DIR: '{{.ROOT_DIR}}/%s'\nincludes:\n  boot: .taskfiles/boot\n"
TASK_APPLY = "version: '3'\ntasks:\n  apps:\n    cmds:\n      - op inject --in-file {{.BOOTSTRAP_DIR}}/resources.yaml.j2 | kubectl apply -f -\n"
MOD_JUST = """bootstrap_dir := justfile_dir() + '/%s'

resources:
    just template "{{ bootstrap_dir }}/resources.yaml.j2" | kubectl apply --server-side -f -
"""
SCRIPT = 'BOOTSTRAP_DIR="${ROOT_DIR}/%s"\nop inject -i "${BOOTSTRAP_DIR}/resources.yaml.j2" | kubectl apply -f -\n'


def _written_as_variable(folder: str) -> list[pytest.param]:
    return [
        pytest.param({"Taskfile.yaml": ROOT_TASKFILE % folder, ".taskfiles/boot/Taskfile.yaml": TASK_APPLY}, id="taskfile-vars"),
        pytest.param({"justfile": "mod bootstrap\n", "bootstrap/mod.just": MOD_JUST % folder}, id="just-module"),
        pytest.param({"scripts/bootstrap.sh": SCRIPT % folder}, id="shell"),
    ]


def _applied_by_script(root) -> bool:
    from homelint.core.context import Context
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config
    from homelint.rules.common import run_by_script

    repo, _ = load_repo(root, load_config(root))
    return run_by_script(Context(repo, {}), "bootstrap/resources.yaml.j2")


@pytest.mark.parametrize("scripts", _written_as_variable("bootstrap"))
def test_a_template_whose_folder_a_variable_names_is_applied(check_json, repo, scripts):
    """`{{.BOOTSTRAP_DIR}}/resources.yaml.j2`, with BOOTSTRAP_DIR defined in the root Taskfile
    (or a justfile's `bootstrap_dir := justfile_dir() + '/bootstrap'`, a script's variable): the
    line applies the template of the folder the variable names (explain says so)."""
    root = repo({**_tree(taskfile=None), **scripts})
    assert _errors(check_json, root) == []
    assert _applied_by_script(root)


@pytest.mark.parametrize("scripts", _written_as_variable("elsewhere"))
def test_a_variable_naming_another_folder_applies_no_template_of_this_one(repo, scripts):
    assert not _applied_by_script(repo({**_tree(taskfile=None), **scripts}))


def test_variables_are_expanded_a_bounded_number_of_times():
    """A variable defined by itself, or by many values, gives a bounded number of readings, and a
    line of many variables (more than MAX_USES) is read as written: the work per line is bounded."""
    from homelint.core.scriptvars import MAX_VARIANTS, expanded_lines, script_variables

    variables = script_variables(["A: '{{.A}}/x'\n", "M=a\nM=b\nN=$M$M\n", "D := justfile_dir() + '/dir'\n"])
    assert variables == {"A": ["{{.A}}/x"], "M": ["a", "b"], "N": ["$M$M"], "D": ["/dir"]}
    assert expanded_lines("kubectl {{ D }}/f", variables) == ["kubectl {{ D }}/f", "kubectl /dir/f"]
    assert len(expanded_lines("kubectl " + "$M/" * 5, variables)) == MAX_VARIANTS  # 2**5 readings, and the line
    assert expanded_lines("kubectl " + "$N" * 50, variables) == ["kubectl " + "$N" * 50]  # more than MAX_USES: as written
    # every reading too long: none is built (trying all 8**10 of them hung the run)
    long_values = script_variables([f"L={'x' * 500}{k}\n" for k in range(8)])
    assert expanded_lines("kubectl " + "$L/" * 10, long_values) == ["kubectl " + "$L/" * 10]
    assert expanded_lines("kubectl {{.A}}", variables) == ["kubectl {{.A}}", "kubectl {{.A}}/x/x/x/x"]  # four rounds


def test_a_document_a_loop_repeats_over_namespaces_is_made_in_any(check_json, repo):
    looped = "{% for ns in ['ns-a', 'flux-system'] %}\n" + TEMPLATE.replace("namespace: ns-a", "namespace: {{ ns }}")
    looped = looped.replace("namespace: flux-system", "namespace: {{ ns }}") + "{% endfor %}\n"
    assert _errors(check_json, repo(_tree(looped))) == []


def test_template_objects_read_plain_kinds_names_and_namespaces():
    assert template_objects([("t.yaml.j2", TEMPLATE)]) == {
        ("Secret", "secret-a"): [("t.yaml.j2", "ns-a")],
        ("ConfigMap", "settings-a"): [("t.yaml.j2", "flux-system")],
    }
    core = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"
    assert template_objects([("t.j2", core)]) == {("Secret", "s"): [("t.j2", None)]}
    assert template_objects([("t.j2", core.replace("v1", "example.com/v1"))]) == {}  # a custom resource
    assert template_objects([("t.j2", "apiVersion: v1\nkind: Secret\nmetadata:\n  labels:\n    name: x\n")]) == {}
    templated = core + "  namespace: {{ ns }}\n"
    assert template_objects([("t.j2", templated)]) == {("Secret", "s"): [("t.j2", "*")]}


def _hl201(check_json, root) -> list[str]:
    return [f["message"] for f in check_json(root)[1] if f["rule"] == "HL201"]


def test_a_name_no_plain_key_of_the_template_holds_is_the_only_one_named(check_json, repo):
    files = _tree()
    files["app-a/deploy.yaml"] = DEPLOYMENT.replace("${CLUSTER_NAME}", "${CLUSTER_NAME}-${CLUSTER_ZONE}")
    (message,) = _hl201(check_json, repo(files))
    assert "(${CLUSTER_ZONE})" in message and "CLUSTER_NAME" not in message
    assert message.endswith("a bootstrap template whose plain keys define none of these")


def test_keys_a_template_computes_are_not_known(check_json, repo):
    """A key the template writes with a marker, or a loop in the block, may be any name: the info
    stays, naming every placeholder, as before."""
    loop = TEMPLATE.replace("  CLUSTER_NAME: c1\n", "  {% for k, v in settings %}\n  {{ k }}: {{ v }}\n  {% endfor %}\n")
    (message,) = _hl201(check_json, repo(_tree(loop)))
    assert "${CLUSTER_NAME}" in message and message.endswith("does not render, so they may be defined there")


def test_template_keys_are_the_plain_keys_of_data_and_string_data():
    text = (
        TEMPLATE + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\ndata:\n  a.yaml: |\n    x: {{ y }}\n  b: c\n"
    )
    text += '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s-c\nstringData:\n  "{{ k }}": v\n'
    assert template_keys([("t.yaml.j2", text)]) == {
        ("Secret", "secret-a"): {"token"},
        ("ConfigMap", "settings-a"): {"CLUSTER_NAME"},
        ("ConfigMap", "cm-b"): {"a.yaml", "b"},  # a block scalar's lines are its value, not keys
        ("Secret", "s-c"): None,  # a key the template computes
    }
