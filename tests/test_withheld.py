"""Objects a Flux Kustomization builds but never applies (model/withheld.py): kustomize drops local
configuration (`config.kubernetes.io/local-config`) from its output, kustomize-controller skips what
its apply options exclude (`kustomize.toolkit.fluxcd.io/ssa: Ignore`, `.../reconcile: disabled`).
They make nothing on the cluster and need nothing there, yet the build still reads them."""

from __future__ import annotations

import pytest

from homelint.engine.runner import load_repo
from homelint.model.config import Config
from homelint.model.withheld import local_config, withheld

from .conftest import GOTK, flux_ks


def tree(apps: dict[str, str], ks_extra: str = "") -> dict[str, str]:
    """A bootstrapped cluster whose Kustomization `apps` builds ./apps."""
    return {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
        "clusters/main/apps.yaml": flux_ks("apps", "./apps", ks_extra),
        **{f"apps/{path}": text for path, text in apps.items()},
    }


LOCAL = '  annotations:\n    config.kubernetes.io/local-config: "true"\n'
IGNORE = "  annotations:\n    kustomize.toolkit.fluxcd.io/ssa: Ignore\n"
WHY_LOCAL = "kustomize drops it from the build output (config.kubernetes.io/local-config)"


def config_map(name: str, meta: str = "", namespace: str | None = None) -> str:
    ns = f"  namespace: {namespace}\n" if namespace else ""
    return f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{ns}{meta}data: {{k: v}}\n"


def secret(name: str, meta: str = "", namespace: str | None = None) -> str:
    ns = f"  namespace: {namespace}\n" if namespace else ""
    return f"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n{ns}{meta}type: Opaque\n"


def deployment(env_from: str, image: str = "ghcr.io/example/app:1.2.3", namespace: str = "default") -> str:
    return (
        f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: {namespace}\nspec:\n"
        "  selector:\n    matchLabels: {app: app}\n  template:\n    metadata:\n      labels: {app: app}\n    spec:\n"
        f"      containers:\n        - name: main\n          image: {image}\n          envFrom:\n{env_from}"
    )


SECRET_REF = "            - secretRef:\n                name: creds\n"
CONFIG_REF = "            - configMapRef:\n                name: settings\n"


def errors(findings: list[dict]) -> list[tuple[str, str]]:
    return sorted((f["rule"], f["path"]) for f in findings if f["severity"] == "error")


# --- which objects ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("annotations", "dropped"),
    [
        ({"config.kubernetes.io/local-config": "true"}, True),
        ({"config.kubernetes.io/local-config": "yes"}, True),  # any value but "false"
        ({"config.kubernetes.io/local-config": ""}, True),
        ({"config.kubernetes.io/local-config": True}, True),  # unquoted true
        ({"config.kubernetes.io/local-config": "false"}, False),
        ({"config.kubernetes.io/local-config": False}, False),  # unquoted false reads as "false"
        ({}, False),
    ],
)
def test_kustomize_drops_local_config_unless_its_value_is_false(annotations, dropped):
    assert local_config({"metadata": {"name": "x", "annotations": annotations}}) is dropped


def test_a_local_config_label_is_not_local_config():
    assert not local_config({"metadata": {"name": "x", "labels": {"config.kubernetes.io/local-config": "true"}}})


@pytest.mark.parametrize(
    ("metadata", "common", "skipped"),
    [
        ({"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "Ignore"}}, None, True),
        ({"labels": {"kustomize.toolkit.fluxcd.io/ssa": "ignore"}}, None, True),
        ({"labels": {"kustomize.toolkit.fluxcd.io/reconcile": "disabled"}}, None, True),
        ({"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "IfNotPresent"}}, None, False),  # created once: applied
        ({}, {"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "Ignore"}}, True),  # spec.commonMetadata
        (
            {"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "Ignore"}},
            {"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "Merge"}},
            False,
        ),
    ],
)
def test_kustomize_controller_skips_what_its_apply_options_exclude(metadata, common, skipped):
    ks_data = {"spec": {"commonMetadata": common}} if common else {"spec": {}}
    assert (withheld({"metadata": {"name": "x", **metadata}}, ks_data) is not None) is skipped


# --- what the rules see ----------------------------------------------------------------------------
def test_a_local_config_object_without_namespace_is_not_reported(check_json, repo):
    root = repo(
        tree(
            {
                "kustomization.yaml": "resources: [cm.yaml, vars.yaml]\n",
                "cm.yaml": config_map("cm-a", namespace="default"),
                "vars.yaml": config_map("vars-a", LOCAL),
            }
        )
    )
    _, findings = check_json(root)
    assert errors(findings) == []


def test_a_local_config_object_of_a_generated_kustomization_is_not_reported(check_json, repo):
    root = repo(tree({"cm.yaml": config_map("cm-a", namespace="default"), "fn-config.yaml": config_map("fn-config", LOCAL)}))
    _, findings = check_json(root)
    assert errors(findings) == []


def test_an_object_flux_ignores_is_not_reported_for_its_namespace(check_json, repo):
    root = repo(tree({"cm.yaml": config_map("cm-a", namespace="default") + config_map("ignored", IGNORE)}))
    _, findings = check_json(root)
    assert errors(findings) == []


def test_without_the_annotation_the_same_object_is_reported(check_json, repo):
    root = repo(tree({"cm.yaml": config_map("cm-a", namespace="default") + config_map("plain")}))
    _, findings = check_json(root)
    assert errors(findings) == [("HL110", "apps/cm.yaml")]


@pytest.mark.parametrize(
    ("meta", "why"),
    [
        (LOCAL, WHY_LOCAL),
        (IGNORE, "kustomize-controller does not apply it (kustomize.toolkit.fluxcd.io/ssa: Ignore)"),
    ],
    ids=["local-config", "ssa-ignore"],
)
def test_a_deployment_using_a_secret_flux_never_applies_is_reported(check_json, repo, meta, why):
    root = repo(
        tree(
            {
                "kustomization.yaml": "resources: [app.yaml, creds.yaml]\n",
                "app.yaml": deployment(SECRET_REF + CONFIG_REF),
                "creds.yaml": secret("creds", meta, "default") + config_map("settings", namespace="default"),
            }
        )
    )
    _, findings = check_json(root)
    assert errors(findings) == [("HL401", "apps/app.yaml")]
    [message] = [f["message"] for f in findings if f["rule"] == "HL401"]
    assert message.endswith(f"; the Secret 'creds' in apps/creds.yaml is not applied: {why}")


def test_a_deployment_using_a_config_map_flux_never_applies_is_reported(check_json, repo):
    root = repo(
        tree(
            {
                "kustomization.yaml": "resources: [app.yaml, settings.yaml]\n",
                "app.yaml": deployment(CONFIG_REF),
                "settings.yaml": config_map("settings", LOCAL, "default"),
            }
        )
    )
    _, findings = check_json(root)
    assert errors(findings) == [("HL405", "apps/app.yaml")]


def test_a_placeholder_in_a_local_config_object_is_not_substituted_so_not_reported(check_json, repo):
    values = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n  namespace: default\n" + LOCAL
    root = repo(
        tree(
            {"kustomization.yaml": "resources: [vars.yaml]\n", "vars.yaml": values + "data: {host: '${UNDEFINED_NAME}'}\n"},
            ks_extra="  postBuild:\n    substitute: {DOMAIN: example.com}\n",
        )
    )
    _, findings = check_json(root)
    assert [f for f in findings if f["rule"].startswith("HL20")] == []


# --- what the build still reads --------------------------------------------------------------------
REPLACEMENT = """replacements:
  - source: {kind: ConfigMap, name: vars, fieldPath: data.image}
    targets:
      - select: {kind: Deployment, name: app}
        fieldPaths: [spec.template.spec.containers.0.image]
"""


def applied_images(root) -> list[tuple[str, str]]:
    flux = load_repo(root, Config(), use_cache=False)[0].flux
    assert flux is not None
    out = []
    for applied in flux.applied:
        obj = applied.obj
        if obj.kind == "Deployment":
            out.append((applied.ks.name, obj.data["spec"]["template"]["spec"]["containers"][0]["image"]))
        assert obj.name != "vars", "a local-config object is never applied"
    return sorted(out)


def test_a_local_config_source_of_replacements_still_feeds_them(repo):
    vars_map = (
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n" + LOCAL + "data: {image: ghcr.io/example/app:2.0.0}\n"
    )
    root = repo(
        tree(
            {
                "kustomization.yaml": "namespace: default\nresources: [app.yaml, vars.yaml]\n" + REPLACEMENT,
                "app.yaml": deployment(CONFIG_REF, image="placeholder"),
                "vars.yaml": vars_map + config_map("settings"),
            }
        )
    )
    assert applied_images(root) == [("apps", "ghcr.io/example/app:2.0.0")]


def test_a_local_config_source_in_an_inner_folder_feeds_the_outer_replacements(repo):
    vars_map = (
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n" + LOCAL + "data: {image: ghcr.io/example/app:3.0.0}\n"
    )
    root = repo(
        tree(
            {
                "kustomization.yaml": "namespace: default\nresources: [app.yaml, settings.yaml, vars]\n" + REPLACEMENT,
                "app.yaml": deployment(CONFIG_REF, image="placeholder"),
                "settings.yaml": config_map("settings"),
                "vars/kustomization.yaml": "resources: [vars.yaml]\n",
                "vars/vars.yaml": vars_map,
            }
        )
    )
    assert applied_images(root) == [("apps", "ghcr.io/example/app:3.0.0")]


def test_local_config_of_a_flux_generated_kustomization_is_dropped_from_what_it_applies(repo):
    vars_map = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n" + LOCAL + "data: {image: unused}\n"
    root = repo(
        tree(
            {
                "app.yaml": deployment(CONFIG_REF),
                "settings.yaml": config_map("settings", namespace="default"),
                "vars.yaml": vars_map,
            }
        )
    )
    assert applied_images(root) == [("apps", "ghcr.io/example/app:1.2.3")]


def test_a_substitute_from_config_map_flux_never_applies_fails_the_kustomization(check_json, repo):
    cluster_vars = config_map("cluster-vars", LOCAL, "flux-system")
    root = repo(
        {
            **tree({"cm.yaml": config_map("cm-a", namespace="default")}),
            "clusters/main/vars.yaml": cluster_vars,
            "clusters/main/apps.yaml": flux_ks(
                "apps", "./apps", "  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-vars}\n"
            ),
        }
    )
    _, findings = check_json(root)
    assert errors(findings) == [("HL405", "clusters/main/apps.yaml")]
    [message] = [f["message"] for f in findings if f["rule"] == "HL405"]
    assert "fails the whole Kustomization" in message
    assert message.endswith("the ConfigMap 'cluster-vars' in clusters/main/vars.yaml is not applied: " + WHY_LOCAL)


def test_a_flux_kustomization_flux_never_applies_is_reported_as_built_not_unreachable(check_json, repo):
    held = flux_ks("held", "./apps").replace("  namespace: flux-system\n", "  namespace: flux-system\n" + IGNORE, 1)
    root = repo({**tree({"cm.yaml": config_map("cm-a", namespace="default")}), "clusters/main/held.yaml": held})
    _, findings = check_json(root)
    assert [(f["rule"], f["path"], f["message"]) for f in findings if f["rule"] == "HL104"] == [
        (
            "HL104",
            "clusters/main/held.yaml",
            "Flux Kustomization 'held' is built but never applied: kustomize-controller does not apply it "
            "(kustomize.toolkit.fluxcd.io/ssa: Ignore); its path is not reconciled",
        )
    ]


@pytest.mark.parametrize("meta", [LOCAL, IGNORE], ids=["local-config", "ssa-ignore"])
def test_a_deployment_flux_never_applies_needs_nothing(check_json, repo, meta):
    held = deployment(SECRET_REF).replace("  name: app\n", "  name: app\n" + meta, 1)
    root = repo(tree({"app.yaml": held}))
    _, findings = check_json(root)
    assert errors(findings) == []


# --- exclusions kustomize's label and annotation transformers set ----------------------------------
def test_an_apply_exclusion_set_by_common_annotations_withholds_the_objects(check_json, repo):
    """kustomize's AnnotationsTransformer writes commonAnnotations into every object of its build
    (kubectl kustomize 5.8.1 shows the annotation on the ConfigMap): kustomize-controller then
    skips it, and a Deployment using it is reported."""
    root = repo(
        tree(
            {
                "kustomization.yaml": "resources: [app.yaml, sub]\n",
                "app.yaml": deployment(CONFIG_REF),
                "sub/kustomization.yaml": "commonAnnotations: {kustomize.toolkit.fluxcd.io/ssa: Ignore}\nresources: [cm.yaml]\n",
                "sub/cm.yaml": config_map("settings", namespace="default"),
            }
        )
    )
    _, findings = check_json(root)
    assert errors(findings) == [("HL405", "apps/app.yaml")]
    [message] = [f["message"] for f in findings if f["rule"] == "HL405"]
    assert message.endswith("is not applied: kustomize-controller does not apply it (kustomize.toolkit.fluxcd.io/ssa: Ignore)")


@pytest.mark.parametrize(
    ("base_labels", "selector", "held"),
    [
        ("labels:\n  - pairs: {tier: held}\n", "tier=held", True),
        ("commonLabels: {tier: held}\n", "tier=held", True),
        ("labels:\n  - pairs: {tier: held}\n", "tier=other", False),
        # the base's labels: overwrite the label the file gives the object
        ("labels:\n  - pairs: {tier: held}\n", "tier=own", False),
    ],
    ids=["labels", "common-labels", "no-match", "file-label-overwritten"],
)
def test_a_label_selector_patch_sees_the_labels_a_base_sets(check_json, repo, base_labels, selector, held):
    """An overlay's patch selects by the labels the base's label transformer set (kustomize runs the
    base's transformers before the overlay's patches): here it adds reconcile: disabled, so Flux
    never applies the ConfigMap."""
    patch = (
        f"patches:\n  - target: {{kind: ConfigMap, labelSelector: '{selector}'}}\n    patch: |-\n"
        "      - {op: add, path: /metadata/annotations, value: {kustomize.toolkit.fluxcd.io/reconcile: disabled}}\n"
    )
    root = repo(
        tree(
            {
                "kustomization.yaml": "resources: [app.yaml, base]\n" + patch,
                "app.yaml": deployment(CONFIG_REF),
                "base/kustomization.yaml": base_labels + "resources: [cm.yaml]\n",
                "base/cm.yaml": config_map("settings", "  labels: {tier: own}\n", "default"),
            }
        )
    )
    _, findings = check_json(root)
    assert errors(findings) == ([("HL405", "apps/app.yaml")] if held else [])


def test_a_patch_does_not_see_the_labels_its_own_kustomization_sets(check_json, repo):
    """Within one kustomization the patches run before the label transformer (kubectl kustomize
    5.8.1): a patch selecting the kustomization's own commonLabels matches nothing there."""
    patch = (
        "patches:\n  - target: {kind: ConfigMap, labelSelector: 'tier=held'}\n    patch: |-\n"
        "      - {op: add, path: /metadata/annotations, value: {kustomize.toolkit.fluxcd.io/reconcile: disabled}}\n"
    )
    root = repo(
        tree(
            {
                "kustomization.yaml": "resources: [app.yaml, cm.yaml]\ncommonLabels: {tier: held}\n" + patch,
                "app.yaml": deployment(CONFIG_REF),
                "cm.yaml": config_map("settings", namespace="default"),
            }
        )
    )
    _, findings = check_json(root)
    assert errors(findings) == []
