"""HL205: a `${...}` a Flux Kustomization applies literally (it has no spec.postBuild). Where the API
server validates the text (label keys and values, metadata.name, metadata.namespace) the object is
rejected whatever the variable, so it is an error; elsewhere a warning for variables Flux provides,
and for any variable in a field nothing but Flux expands (a volume source, an image)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from homelint.cli import main

from .conftest import flux_root

SOURCE = flux_root("apps", "./apps/ns-a")

APP_KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app-a
  namespace: flux-system
spec:
  interval: 1h
  path: ./apps/app-a
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  targetNamespace: ns-a
"""


def namespace(labels: str = "") -> str:
    return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n" + (f"  labels:\n{labels}" if labels else "")


def configmap(name: str = "cm-a", labels: str = "", data: str = "k: v") -> str:
    meta = f"  labels:\n{labels}" if labels else ""
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{meta}data:\n  {data}\n"


def files(ns: str, app: str, app_ks: str = APP_KS, app_kustomization: str = "resources:\n  - cm.yaml\n") -> dict[str, str]:
    """ns-a's folder (its Namespace and app-a's Kustomization) applied by `apps`, which has no
    postBuild; app-a's folder (a ConfigMap) applied by app-a."""
    return {
        "clusters/c/sync.yaml": SOURCE,
        "apps/ns-a/kustomization.yaml": "resources:\n  - namespace.yaml\n  - ks.yaml\n",
        "apps/ns-a/namespace.yaml": ns,
        "apps/ns-a/ks.yaml": app_ks,
        "apps/app-a/kustomization.yaml": app_kustomization,
        "apps/app-a/cm.yaml": app,
    }


def hl205(repo, check_json, tree: dict[str, str]) -> list[tuple[str, int, str, str]]:
    _, findings = check_json(repo(tree))
    return [(f["path"], f["line"], f["severity"], f["message"]) for f in findings if f["rule"] == "HL205"]


def test_a_literal_label_value_is_an_error_even_when_no_kustomization_substitutes(repo, check_json):
    """No Kustomization of the tree has postBuild: a `${ACCESS:=internal}` label value reaches the
    API server as it is written, which rejects it (IsValidLabelValue)."""
    found = hl205(repo, check_json, files(namespace("    access: ${ACCESS:=internal}\n"), configmap()))
    assert [(p, line, sev) for p, line, sev, _ in found] == [("apps/ns-a/namespace.yaml", 6, "error")]
    assert "; the text is not a valid label value (metadata.labels.access), so the API server rejects" in found[0][3]
    assert "internal" not in found[0][3]  # the text is not quoted: a default may be a secret
    assert "Kustomization flux-system/apps has no spec.postBuild" in found[0][3]


def test_a_literal_label_value_of_a_variable_flux_provides_is_an_error_not_a_warning(repo, check_json):
    with_post_build = APP_KS + "  postBuild:\n    substitute:\n      ACCESS: external\n"
    tree = files(namespace("    access: ${ACCESS}\n"), configmap(labels="    access: ${ACCESS}\n"), with_post_build)
    found = hl205(repo, check_json, tree)
    # app-a substitutes its ConfigMap; apps applies the Namespace literally
    assert [(p, line, sev) for p, line, sev, _ in found] == [("apps/ns-a/namespace.yaml", 6, "error")]


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        (configmap(name="cm-${SUFFIX}"), [("apps/app-a/cm.yaml", 4, "error")]),  # a DNS subdomain
        (configmap(labels="    ${KEY}: x\n"), [("apps/app-a/cm.yaml", 6, "error")]),  # a label key
        (configmap(data="k: ${VALUE}"), []),  # data takes any text, and VALUE is provided nowhere
        # RBAC names are path segments: any text but '/' and '%'
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: role-${SUFFIX}\nrules: []\n",
            [],
        ),
        # a PodDisruptionBudget's validation checks no name format: a path segment too
        ("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: pdb-${SUFFIX}\n", []),
        # a PersistentVolume is a DNS subdomain (ValidatePersistentVolumeName), as is a custom
        # resource of an x-k8s.io group (a CRD's, not a group of Kubernetes itself)
        (
            "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv-${SUFFIX}\n",
            [("apps/app-a/cm.yaml", 4, "error")],
        ),
        (
            "apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata:\n  name: cluster-${SUFFIX}\n",
            [("apps/app-a/cm.yaml", 4, "error")],
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-a\nspec:\n  selector:\n    matchLabels:\n"
            "      app: app-a\n  template:\n    metadata:\n      labels:\n        app: app-a\n        tier: ${TIER}\n"
            "    spec:\n      containers:\n        - name: app-a\n          image: registry.invalid/app-a:1.0.0\n",
            [("apps/app-a/cm.yaml", 13, "error")],  # a pod template's labels
        ),
        # host names: an Ingress rule's host (IsDNS1123Subdomain), the Gateway API's Hostname pattern
        (
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing-a\nspec:\n  rules:\n"
            "    - host: app-a.${DOMAIN}\n",
            [("apps/app-a/cm.yaml", 7, "error")],
        ),
        (
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: route-a\nspec:\n"
            "  hostnames:\n    - example.invalid\n    - app-a.${DOMAIN}\n",
            [("apps/app-a/cm.yaml", 8, "error")],
        ),
        (
            "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw-a\nspec:\n"
            "  gatewayClassName: class-a\n  listeners:\n    - name: https\n      hostname: '*.${DOMAIN}'\n"
            "      port: 443\n      protocol: HTTPS\n",
            [("apps/app-a/cm.yaml", 9, "error")],
        ),
        # an annotation takes any text, and DOMAIN is provided nowhere
        ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing-a\n  annotations:\n    a: ${DOMAIN}\n", []),
    ],
)
def test_literal_placeholders_where_the_api_server_validates_the_text(repo, check_json, app, expected):
    found = hl205(repo, check_json, files(namespace(), app))
    assert [(p, line, sev) for p, line, sev, _ in found] == expected


@pytest.mark.parametrize(
    ("field", "written", "why"),
    [
        ("interval", "${APP_INTERVAL:=10m}", "not a duration the CRD accepts (spec.interval)"),
        ("timeout", "${TIMEOUT}", "not a duration the CRD accepts (spec.timeout)"),
    ],
)
def test_a_literal_placeholder_in_a_flux_duration_is_an_error(repo, check_json, field, written, why):
    """`apps` (no postBuild) applies app-a's Kustomization as written, and no `${` matches the
    CRD's duration pattern ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$: the API server rejects it, whatever
    the variable and even where app-a's own postBuild would define it."""
    own = APP_KS.replace("  interval: 1h\n", "") if field == "interval" else APP_KS
    own += f"  {field}: {written}\n  postBuild:\n    substitute:\n      APP_INTERVAL: 5m\n"
    found = hl205(repo, check_json, files(namespace(), configmap(), own))
    assert [(p, sev) for p, _, sev, _ in found] == [("apps/ns-a/ks.yaml", "error")]
    assert why in found[0][3] and "10m" not in found[0][3]


def test_a_literal_placeholder_in_a_flux_enum_is_an_error(repo, check_json):
    own = APP_KS.replace("    kind: GitRepository\n", "    kind: ${SOURCE_KIND}\n")
    found = hl205(repo, check_json, files(namespace(), configmap(), own))
    assert [(p, sev) for p, _, sev, _ in found] == [("apps/ns-a/ks.yaml", "error")]
    assert "not one of GitRepository, OCIRepository, Bucket, ExternalArtifact (spec.sourceRef.kind)" in found[0][3]


def test_a_flux_duration_the_applying_kustomization_substitutes_is_not_reported(repo, check_json):
    own = APP_KS.replace("  interval: 1h\n", "  interval: ${APP_INTERVAL:=10m}\n")
    tree = files(namespace(), configmap(), own)
    tree["clusters/c/sync.yaml"] = flux_root("apps", "./apps/ns-a", "  postBuild:\n    substitute:\n      APP_INTERVAL: 5m\n")
    assert hl205(repo, check_json, tree) == []


def test_a_label_a_transformer_sets_is_not_judged_as_written(repo, check_json):
    """kustomize's labels transformer (and commonLabels) writes its value over the object's."""
    kustomization = "resources:\n  - cm.yaml\nlabels:\n  - pairs:\n      tier: web\n"
    tree = files(namespace(), configmap(labels="    tier: ${TIER}\n"), app_kustomization=kustomization)
    assert hl205(repo, check_json, tree) == []
    tree = files(namespace(), configmap(labels="    tier: ${TIER}\n"))
    assert [sev for _, _, sev, _ in hl205(repo, check_json, tree)] == ["error"]


def test_a_literal_value_elsewhere_stays_a_warning_for_provided_variables(repo, check_json):
    other = APP_KS.replace("name: app-a\n", "name: app-b\n", 1).replace("./apps/app-a", "./apps/app-b")
    other += "  postBuild:\n    substitute:\n      VALUE: x\n"
    tree = files(namespace(), configmap(data="k: ${VALUE}"))
    tree["apps/ns-a/kustomization.yaml"] = "resources:\n  - namespace.yaml\n  - ks.yaml\n  - ks-b.yaml\n"
    tree["apps/ns-a/ks-b.yaml"] = other
    tree["apps/app-b/cm.yaml"] = configmap(name="cm-b", data="k: ${VALUE}")
    found = hl205(repo, check_json, tree)
    assert [(p, sev) for p, _, sev, _ in found] == [("apps/app-a/cm.yaml", "warning")]


def test_explain_says_a_placeholder_without_post_build_is_applied_literally(repo, monkeypatch):
    """Nothing is substituted without spec.postBuild: a default in the expression is not used."""
    root: Path = repo(files(namespace("    access: ${ACCESS:=internal}\n"), configmap()))
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["explain", "apps/ns-a/namespace.yaml:6", "--format", "json"], catch_exceptions=False)
    (applied,) = json.loads(result.output)["objects"][0]["applied"]
    (use,) = [u for u in applied["uses"] if u["name"] == "ACCESS"]
    assert use["from"] == "nothing: applied literally (no spec.postBuild)"


def test_a_literal_namespace_is_an_error_unless_the_build_sets_the_namespace(repo, check_json):
    """metadata.namespace is a DNS label; a targetNamespace (or a kustomization namespace:)
    replaces what the object says."""
    app = configmap().replace("  name: cm-a\n", "  name: cm-a\n  namespace: ${NS}\n")
    assert hl205(repo, check_json, files(namespace(), app)) == []  # app-a's targetNamespace: ns-a
    found = hl205(repo, check_json, files(namespace(), app, APP_KS.replace("  targetNamespace: ns-a\n", "")))
    assert [(p, line, sev) for p, line, sev, _ in found] == [("apps/app-a/cm.yaml", 5, "error")]
    assert "the text is not a valid namespace name (metadata.namespace)" in found[0][3]


def test_a_placeholder_in_a_flux_kustomizations_patches_is_substituted_where_the_patch_lands(repo, check_json):
    """A child Kustomization's spec.patches carry `${CLUSTER}` into the objects of its own build,
    which its postBuild substitutes (kustomize-controller merges spec.patches into the build, then
    substitutes each object it yields): applied literally by a parent without postBuild is meant."""
    patch = (
        "  postBuild:\n    substitute:\n      CLUSTER: c1\n  patches:\n    - patch: |-\n"
        "        apiVersion: v1\n        kind: ConfigMap\n        metadata: {name: any}\n"
        "        data:\n          cluster: ${CLUSTER}\n      target: {kind: ConfigMap}\n"
    )
    assert hl205(repo, check_json, files(namespace(), configmap(), APP_KS + patch)) == []


def test_a_placeholder_a_patch_carries_into_objects_nothing_substitutes_is_reported_at_the_patch(repo, check_json):
    """Without postBuild on the Kustomization that owns the patch, the objects it lands in get the
    text as it is: reported there (at the patch), once."""
    patch = (
        "  patches:\n    - patch: |-\n        apiVersion: v1\n        kind: ConfigMap\n"
        "        metadata:\n          name: any\n          labels:\n            app: ${APP}\n      target: {kind: ConfigMap}\n"
    )
    found = hl205(repo, check_json, files(namespace(), configmap(), APP_KS + patch))
    assert [(p, line, sev) for p, line, sev, _ in found] == [("apps/ns-a/ks.yaml", 21, "error")]
    assert "Kustomization flux-system/app-a has no spec.postBuild" in found[0][3]


# --- the Kustomization flux-operator makes for a FluxInstance's sync ---------------------------------
def instance(patches: str = "") -> str:
    """A FluxInstance syncing ./sync (flux-operator makes its source and Kustomization flux-system)."""
    return (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\n"
        "spec:\n  distribution: {version: 2.x, registry: ghcr.io/fluxcd}\n"
        "  sync: {kind: GitRepository, url: 'https://git.example.invalid/repo', ref: refs/heads/main, path: sync}\n"
        + (f"  kustomize:\n    patches:\n{patches}" if patches else "")
    )


def release(values_extra: str = "", spec_extra: str = "") -> str:
    """The flux-instance chart's HelmRelease with the same sync in its values."""
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: flux-instance\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: flux-instance}\n"
        f"{spec_extra}  values:\n    instance:\n{values_extra}"
        "      sync: {kind: GitRepository, url: 'https://git.example.invalid/repo', ref: refs/heads/main, path: sync}\n"
    )


def synced(maker: str) -> dict[str, str]:
    """The instance kept outside the sync's path; the path holds ns-a with a ConfigMap labelled by
    a placeholder (nothing of the tree has postBuild)."""
    return {
        "infra/instance.yaml": maker,
        "sync/ns-a/kustomization.yaml": "namespace: ns-a\nresources:\n  - namespace.yaml\n  - cm.yaml\n",
        "sync/ns-a/namespace.yaml": namespace(),
        "sync/ns-a/cm.yaml": configmap(labels="    app: ${APP}\n"),
    }


@pytest.mark.parametrize(("maker", "named"), [(instance(), "FluxInstance flux"), (release(), "HelmRelease flux-instance")])
def test_the_kustomization_flux_operator_makes_for_a_sync_has_no_post_build(repo, check_json, maker, named):
    """flux-operator's sync Kustomization has interval, path, prune and sourceRef only
    (flux-operator internal/builder/templates.go, syncTmpl): a placeholder it applies reaches the
    API server as written, as under a written Kustomization without postBuild."""
    _, findings = check_json(repo(synced(maker)))
    found = [f for f in findings if f["rule"] == "HL205"]
    assert [(f["path"], f["line"], f["severity"]) for f in found] == [("sync/ns-a/cm.yaml", 6, "error")]
    assert (
        f"the Kustomization flux-system/flux-system that flux-operator makes for the sync of {named} has no spec.postBuild"
        in found[0]["message"]
    )
    assert "kustomize.patches" in found[0]["fix"]


KS_PATCH = (
    "      - patch: |-\n          - op: add\n            path: /spec/postBuild\n            value: {substitute: {APP: a}}\n"
)


@pytest.mark.parametrize(
    "maker",
    [
        instance(KS_PATCH + "        target: {kind: Kustomization}\n"),
        instance(KS_PATCH + "        target: {name: flux-system}\n"),  # no kind: any kind of that name
        instance(KS_PATCH + "        target: {kind: Kustom.*}\n"),  # a regex
        instance(KS_PATCH + "        target: {labelSelector: 'a=b'}\n"),  # a selector is not judged
        instance(
            "      - patch: |-\n          apiVersion: kustomize.toolkit.fluxcd.io/v1\n          kind: Kustomization\n"
            "          metadata: {name: flux-system}\n          spec: {postBuild: {substitute: {APP: a}}}\n"
        ),  # no target: the document's own kind and name
        release(
            "      kustomize:\n        patches:\n          - patch: |-\n              - op: add\n"
            "                path: /spec/postBuild\n                value: {substitute: {APP: a}}\n"
            "            target: {kind: Kustomization}\n"
        ),
        release(spec_extra="  valuesFrom:\n    - {kind: ConfigMap, name: instance-values}\n"),  # they may hold patches
        release(spec_extra="  postRenderers:\n    - kustomize: {patches: []}\n"),  # it may patch the FluxInstance
    ],
)  # fmt: skip
def test_a_sync_whose_instance_may_patch_its_kustomization_is_not_judged(repo, check_json, maker):
    """A patch of the instance (spec.kustomize.patches, which flux-operator appends to the build of
    the instance, sync.yaml included) may add postBuild: what the Kustomization substitutes is not known."""
    _, findings = check_json(repo(synced(maker)))
    assert [f for f in findings if f["rule"] == "HL205"] == []


def test_patches_of_other_kinds_or_names_leave_the_sync_kustomization_as_written(repo, check_json):
    deployment_patch = KS_PATCH + "        target: {kind: Deployment, name: kustomize-controller}\n"
    other_name = KS_PATCH + "        target: {kind: Kustomization, name: other}\n"
    for maker in (instance(deployment_patch), instance(other_name)):
        _, findings = check_json(repo(synced(maker)))
        assert [f["severity"] for f in findings if f["rule"] == "HL205"] == ["error"]


LABELS_INTO_POST_BUILD = (
    "namespace: flux-system\nlabels:\n  - pairs: {domain: core}\n    fields:\n"
    "      - {group: kustomize.toolkit.fluxcd.io, kind: Kustomization, path: spec/postBuild/substitute, create: true}\n"
    "resources:\n  - ./app-a.yaml\n"
)


@pytest.mark.parametrize("post_build", ["", "  postBuild:\n    substitute:\n      OTHER: x\n"], ids=["none", "other-variable"])
def test_variables_a_label_transformer_writes_into_the_post_build_are_not_judged(check_json, repo, post_build):
    """A `labels` entry with `fields` writes `domain: core` into each child's
    spec.postBuild.substitute (kustomize applies it, and so does the model), so `${domain}` is
    substituted: neither HL205 (no postBuild) nor HL201 (not defined) is said. The control
    without the transformer gets the finding."""
    app = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-a\nspec:\n"
        "  interval: 1h\n  path: ./app-a\n  prune: true\n  targetNamespace: default\n"
        "  sourceRef: {kind: GitRepository, name: flux-system}\n" + post_build
    )
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": LABELS_INTO_POST_BUILD,
        "apps/app-a.yaml": app,
        "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  labels: {tier: '${domain}'}\ndata: {}\n",
    }
    _, found = check_json(repo(files), "--select", "HL201,HL205")
    assert found == []
    files["apps/kustomization.yaml"] = "namespace: flux-system\nresources:\n  - ./app-a.yaml\n"
    _, found = check_json(repo(files), "--select", "HL201,HL205")
    assert [f["rule"] for f in found] == (["HL205"] if not post_build else ["HL201"])


WEBHOOK = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: webhook-a\n  namespace: ns-a\n"
    "spec:\n  interval: 1h\n  chart:\n    spec:\n      chart: kustomize-mutating-webhook\n      version: 1.0.0\n"
    "      sourceRef: {kind: HelmRepository, name: charts-a}\n"
    "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts-a\n  namespace: ns-a\n"
    "spec:\n  interval: 1h\n  url: https://charts.example.invalid\n"
)


def test_a_webhook_that_adds_post_build_to_every_kustomization_leaves_nothing_literal(repo, check_json, run):
    """kustomize-mutating-webhook (xunholy/fluxcd-kustomize-mutating-webhook handlers/mutate.go
    createPatch) adds spec.postBuild.substitute to every Flux Kustomization the API server admits:
    a manifest without postBuild is substituted all the same, so HL205 says nothing, once, in a note."""
    tree = files(namespace(), configmap(labels="    tier: ${TIER}\n", data="k: ${VALUE}"))
    assert [sev for _, _, sev, _ in hl205(repo, check_json, tree)] == ["error"]  # the control: no webhook
    tree["apps/app-a/kustomization.yaml"] = "resources:\n  - cm.yaml\n  - webhook.yaml\n"
    tree["apps/app-a/webhook.yaml"] = WEBHOOK
    assert hl205(repo, check_json, tree) == []
    output = run("check", str(repo(tree)), "--no-cache").output
    assert output.count("HelmRelease ns-a/webhook-a installs a webhook that adds spec.postBuild.substitute") == 1


def test_with_that_webhook_a_key_a_kustomization_without_post_build_uses_is_used(repo, check_json):
    """HL203: the root substitutes from ConfigMap vars-a; only app-a, without postBuild, uses VALUE.
    Without the webhook nothing substitutes it there (unused); with it, app-a substitutes too."""
    tree = files(namespace(), configmap(data="k: ${VALUE}"))
    tree["clusters/c/sync.yaml"] = flux_root(
        "apps", "./apps/ns-a", "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: vars-a\n"
    )
    tree["clusters/c/vars.yaml"] = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars-a\n  namespace: flux-system\ndata:\n  VALUE: x\n"
    )
    tree["clusters/c/kustomization.yaml"] = "resources:\n  - sync.yaml\n  - vars.yaml\n"

    def unused(tree: dict[str, str]) -> list[str]:
        return [f["message"] for f in check_json(repo(tree))[1] if f["rule"] == "HL203"]

    assert [m.split(",")[0] for m in unused(tree)] == ["ConfigMap vars-a defines VALUE"]
    tree["apps/app-a/kustomization.yaml"] = "resources:\n  - cm.yaml\n  - webhook.yaml\n"
    tree["apps/app-a/webhook.yaml"] = WEBHOOK
    assert unused(tree) == []


def _deployment(volume: str, image: str = "nginx:1.27.0") -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-a\nspec:\n  selector: {matchLabels: {app: a}}\n"
        "  template:\n    metadata: {labels: {app: a}}\n    spec:\n"
        f"      containers: [{{name: a, image: '{image}', env: [{{name: X, value: '${{APP_OWN}}'}}]}}]\n"
        f"      volumes: [{volume}]\n"
    )


@pytest.mark.parametrize(
    ("volume", "image", "field"),
    [
        ("{name: data, nfs: {server: '${NAS_A}', path: /export}}", "nginx:1.27.0", "volumes.0.nfs.server"),
        ("{name: data, hostPath: {path: '${DATA_DIR}/a'}}", "nginx:1.27.0", "volumes.0.hostPath.path"),
        ("{name: data, emptyDir: {}}", "${REGISTRY_A}/app:1.0", "containers.0.image"),
    ],
)
def test_a_field_nothing_else_expands_warns_whatever_the_variable(repo, check_json, volume, image, field):
    """No Kustomization provides the variable, yet the kubelet never expands `${...}` in a
    volume source or an image (only `$(VAR)` in command, args and env): the text is used as it is."""
    tree = files(namespace(), _deployment(volume, image), app_kustomization="resources:\n  - deploy.yaml\n")
    tree["apps/app-a/deploy.yaml"] = tree.pop("apps/app-a/cm.yaml")
    ((path, _, severity, message),) = hl205(repo, check_json, tree)
    assert (path, severity) == ("apps/app-a/deploy.yaml", "warning")
    assert f"nothing else expands it in spec.template.spec.{field}" in message


def test_an_env_value_of_a_variable_no_kustomization_provides_stays_the_applications(repo, check_json):
    tree = files(namespace(), _deployment("{name: data, emptyDir: {}}"), app_kustomization="resources:\n  - deploy.yaml\n")
    tree["apps/app-a/deploy.yaml"] = tree.pop("apps/app-a/cm.yaml")
    assert hl205(repo, check_json, tree) == []  # ${APP_OWN} in env: the application's own variable


def test_a_claims_storage_class(repo, check_json):
    claim = (
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data-a\nspec:\n"
        "  storageClassName: ${STORAGE_CLASS}\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
    )
    ((_, _, severity, message),) = hl205(repo, check_json, files(namespace(), claim))
    assert severity == "warning" and "nothing else expands it in spec.storageClassName" in message


APP_TEMPLATE_RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app-a
spec:
  interval: 1h
  chart:
    spec:
      chart: {chart}
      version: 4.1.1
      sourceRef: {{kind: HelmRepository, name: repo-a, namespace: flux-system}}
  values:
    route:
      app:
        hostnames: ["app-a.${{DOMAIN}}"]
    ingress:
      app:
        hosts:
          - host: app-a.${{DOMAIN}}
"""


@pytest.mark.parametrize(("chart", "expected"), [("app-template", [("apps/app-a/cm.yaml", 15, "error")]), ("chart-a", [])])
def test_a_host_name_app_template_renders_from_values_is_an_error(repo, check_json, chart, expected):
    """app-template writes a route's hostnames and an Ingress rule's host from the values through
    `tpl`, which leaves `${DOMAIN}` as it is: the API server rejects the rendered object whatever
    the variable, and the release fails to install. Another chart's values are not known."""
    found = hl205(repo, check_json, files(namespace(), APP_TEMPLATE_RELEASE.format(chart=chart)))
    assert [(p, line, sev) for p, line, sev, _ in found] == expected
    if expected:
        assert found[0][3].endswith(
            "the text is not a valid host name, and app-template renders it into a route's spec.hostnames "
            "(spec.values.route.app.hostnames.0), so the API server rejects that object and the HelmRelease fails to "
            "install or upgrade"
        )


@pytest.mark.parametrize(
    ("version", "enabled", "expected"),
    [
        ("4.1.1", "        enabled: false\n", []),  # never rendered
        ("2.0.2", "", []),  # common 2.x renders an ingress only with enabled: true
        ("2.0.2", "        enabled: true\n", [("apps/app-a/cm.yaml", 16, "error")]),
        ("3.7.3", "", [("apps/app-a/cm.yaml", 16, "error")]),  # enabled by default from 3 on
        (">=2.0.0", "", []),  # a range: the version, and so the default, is not known
    ],
)
def test_an_app_template_ingress_the_chart_does_not_render_is_no_error(repo, check_json, version, enabled, expected):
    """tyriis: an ingress item with `enabled: false`, or without `enabled` before app-template 3,
    renders no Ingress: its host is never validated."""
    release = (
        APP_TEMPLATE_RELEASE.format(chart="app-template")
        .replace("version: 4.1.1", f"version: '{version}'")
        .replace('    route:\n      app:\n        hostnames: ["app-a.${DOMAIN}"]\n', "")
        .replace("      app:\n        hosts:", f"      app:\n{enabled}        hosts:")
    )
    found = hl205(repo, check_json, files(namespace(), release))
    shift = 1 if enabled else 0
    assert [(p, line, sev) for p, line, sev, _ in found] == [(p, line + shift, sev) for p, line, sev in expected]


def test_a_placeholder_in_a_childs_substitute_value_is_substituted_as_written(repo, check_json):
    """A parent without postBuild applies child app-a whose substitute value is `${DOMAIN_VAR}`:
    app-a then substitutes that text, as written, into its manifests (Flux does not expand a
    substituted value again), whatever variable it names."""
    child = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-a, namespace: flux-system}\n"
        "spec:\n  interval: 1h\n  path: ./apps/app-a\n  prune: true\n"
        "  sourceRef: {kind: GitRepository, name: flux-system}\n"
        "  postBuild:\n    substitute:\n      HOST_NAME: ${DOMAIN_VAR}\n"
    )
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps/ks"),
        "apps/ks/app-a.yaml": child,
        "apps/app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\ndata:\n  host: app.${HOST_NAME}\n",
    }
    found = [f for f in check_json(repo(files))[1] if f["rule"] == "HL205"]
    assert [(f["path"], f["line"], f["severity"]) for f in found] == [("apps/ks/app-a.yaml", 11, "warning")]
    assert "substitutes it into its own manifests as written" in found[0]["message"]


VALUES_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: app-a, namespace: ns-a}
spec:
  interval: 1h
  chart:
    spec: {chart: app-template, version: 3.7.3, sourceRef: {kind: HelmRepository, name: repo-a, namespace: flux-system}}
  valuesFrom:
    - {kind: ConfigMap, name: app-a-values, valuesKey: values.yaml}
"""
VALUES_FILE = """service:
  app:
    controller: app-a
    ports: {http: {port: 8080}}
ingress:
  app:
    hosts:
      - host: "a.${DOMAIN}"
        paths: [{path: /, service: {identifier: app, port: http}}]
"""


def test_an_app_template_host_in_a_generated_values_file_is_an_error(repo, check_json):
    """The release takes its values from a ConfigMap its own build generates from values.yaml: the
    Kustomization substitutes nothing, so `a.${DOMAIN}` reaches app-template as written and the
    Ingress it renders is rejected, whatever the variable (as in spec.values)."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps/ks"),
        "apps/ks/app-a.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-a, namespace: flux-system}\n"
            "spec:\n  interval: 1h\n  path: ./apps/app-a\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
        ),
        "apps/app-a/kustomization.yaml": (
            "resources: [./helmrelease.yaml]\nconfigMapGenerator:\n  - name: app-a-values\n    namespace: ns-a\n"
            "    files: [values.yaml]\ngeneratorOptions: {disableNameSuffixHash: true}\n"
        ),
        "apps/app-a/helmrelease.yaml": VALUES_RELEASE,
        "apps/app-a/values.yaml": VALUES_FILE,
    }
    found = [f for f in check_json(repo(files))[1] if f["rule"] == "HL205"]
    assert [(f["path"], f["line"], f["severity"]) for f in found] == [("apps/app-a/values.yaml", 8, "error")]
    assert "app-template renders it into an Ingress rule's host (ingress.app.hosts.0.host" in found[0]["message"]
    files["apps/ks/app-a.yaml"] += "  postBuild:\n    substitute: {DOMAIN: example.com}\n"
    assert [f for f in check_json(repo(files))[1] if f["rule"] == "HL205"] == []
