"""kustomize `transformers:` as the Flux model applies them (model/transformers.py, FluxModel._transformers):
folder entries, the builtin NamespaceTransformer's fieldSpecs/unsetOnly/setRoleBindingSubjects and the
builtin PatchTransformer, and what the rules then judge."""

from __future__ import annotations

from pathlib import Path

import pytest

from homelint.engine.runner import load_repo
from homelint.model.config import load_config
from homelint.model.transformers import namespace_config, namespace_fields

SYNC = """\
{apiVersion: source.toolkit.fluxcd.io/v1, kind: GitRepository, metadata: {name: flux-system, namespace: flux-system},
 spec: {interval: 1h, url: "https://example.com/org/repo.git", ref: {branch: main}}}
---
{apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, metadata: {name: flux-system, namespace: flux-system},
 spec: {interval: 1h, path: ./clusters/main, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}}
---
{apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, metadata: {name: apps, namespace: flux-system},
 spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}}
"""

SET_NS = """\
{apiVersion: builtin, kind: NamespaceTransformer, metadata: {name: set-ns, namespace: overwritten},
 fieldSpecs: [{path: metadata/name, kind: Namespace, create: true},
              {path: spec/targetNamespace, group: kustomize.toolkit.fluxcd.io, kind: Kustomization, create: true}]}
"""


def child(name: str, extra: str = "") -> str:
    return (
        f"{{apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, metadata: {{name: {name}}}, spec: {{interval: 1h, "
        f"path: ./apps/{name}/app, prune: true, sourceRef: {{kind: GitRepository, name: flux-system, namespace: flux-system}}{extra}}}}}\n"
    )


def configmap(name: str) -> str:
    return f"{{apiVersion: v1, kind: ConfigMap, metadata: {{name: {name}}}, data: {{k: v}}}}\n"


def app_with_transformer_folder(name: str) -> dict[str, str]:
    """An app folder whose kustomization names a folder of transformers that sets its namespace."""
    return {
        f"apps/{name}/kustomization.yaml": "{resources: [./namespace.yaml, ./ks.yaml], transformers: [./set-ns]}\n",
        f"apps/{name}/namespace.yaml": "{apiVersion: v1, kind: Namespace, metadata: {name: placeholder}}\n",
        f"apps/{name}/set-ns/kustomization.yaml": f"{{namespace: {name}, resources: [../../../shared/set-ns]}}\n",
        f"apps/{name}/ks.yaml": child(name),
        f"apps/{name}/app/configmap.yaml": configmap(name),
    }


def two_apps() -> dict[str, str]:
    return {
        "clusters/main/sync.yaml": SYNC,
        "apps/kustomization.yaml": "{resources: [./alpha, ./beta]}\n",
        "shared/set-ns/kustomization.yaml": "{resources: [./transformer.yaml]}\n",
        "shared/set-ns/transformer.yaml": SET_NS,
        **app_with_transformer_folder("alpha"),
        **app_with_transformer_folder("beta"),
    }


def load(root: Path):
    repo, _ = load_repo(root, load_config(root), use_cache=False)
    return repo


def errors(check_json, root: Path) -> list[str]:
    _, findings = check_json(root)
    return sorted(f"{f['rule']} {f['path']}" for f in findings if f["severity"] == "error")


def test_a_transformer_folder_sets_namespaces_renames_namespaces_and_creates_target_namespaces(repo, check_json):
    root = repo(two_apps())
    flux = load(root).flux
    assert sorted(a.name for a in flux.applied if a.kind == "Namespace") == ["alpha", "beta"]
    children = {ks.name: ks for ks in flux.kustomizations if ks.name in ("alpha", "beta")}
    assert {name: (ks.namespace, ks.spec.get("targetNamespace")) for name, ks in children.items()} == {
        "alpha": ("alpha", "alpha"),
        "beta": ("beta", "beta"),
    }
    assert sorted((a.ns, a.name) for a in flux.applied if a.kind == "ConfigMap") == [("alpha", "alpha"), ("beta", "beta")]
    assert errors(check_json, root) == []  # no HL110 (namespace not specified), no HL108 (two Namespaces 'placeholder')


def test_without_the_field_specs_the_namespaces_keep_their_names_and_collide(repo, check_json):
    files = two_apps()
    files["shared/set-ns/transformer.yaml"] = (
        "{apiVersion: builtin, kind: NamespaceTransformer, metadata: {name: s, namespace: x}}\n"
    )
    root = repo(files)
    found = errors(check_json, root)
    assert "HL108 apps/beta/namespace.yaml" in found  # kustomize: 'already registered id' for Namespace placeholder
    assert "HL110 apps/alpha/app/configmap.yaml" in found  # the children get no targetNamespace


def _namespace_of_transformer(transformer: str, configmap_namespace: str) -> dict[str, str]:
    """apps/ns-a builds Namespace ns-b and a ConfigMap through a NamespaceTransformer of ns-a."""
    cm = "{apiVersion: v1, kind: ConfigMap, metadata: {name: cm-a" + configmap_namespace + "}, data: {k: v}}\n"
    return {
        "clusters/main/sync.yaml": SYNC,
        "apps/kustomization.yaml": "{resources: [./ns-a]}\n",
        "apps/ns-a/kustomization.yaml": "{resources: [./namespace.yaml, ./cm.yaml], transformers: [./transformer.yaml]}\n",
        "apps/ns-a/transformer.yaml": transformer,
        "apps/ns-a/namespace.yaml": "{apiVersion: v1, kind: Namespace, metadata: {name: ns-b}}\n",
        "apps/ns-a/cm.yaml": cm,
    }


def test_a_namespace_object_is_named_as_the_transformer_leaves_it(repo, check_json):
    """A NamespaceTransformer renames a Namespace object only through a metadata/name fieldSpec of
    kind Namespace (kubectl kustomize: Namespace ns-b stays ns-b). unsetOnly keeps the ConfigMap in
    ns-b, which the build creates; without it the ConfigMap moves to ns-a, which nothing creates."""
    bare = "{apiVersion: builtin, kind: NamespaceTransformer, metadata: {name: s, namespace: ns-a}}\n"
    unset_only = bare.replace("}}\n", "}, unsetOnly: true}\n")
    kept = repo(_namespace_of_transformer(unset_only, ", namespace: ns-b"))
    assert [a.name for a in load(kept).flux.applied if a.kind == "Namespace"] == ["ns-b"]
    assert errors(check_json, kept) == []
    moved = repo(_namespace_of_transformer(bare, ""))
    assert errors(check_json, moved) == ["HL113 apps/ns-a/cm.yaml"]  # ns-a: the ConfigMap's, never created


def test_a_kustomization_whose_target_namespace_a_configurations_file_may_set_is_not_placed(repo, check_json):
    """A component's configurations: file gives the namespace transformer of apps/ns-a (namespace:
    ns-a) a fieldSpec for Flux Kustomizations' spec.targetNamespace (kubectl kustomize: app-a's
    ns-b becomes ns-a). The model does not apply such files: app-a's objects may land in any
    namespace, so the Secret its Deployment reads from ns-a is not said to be missing from ns-b."""
    deployment = (
        "{apiVersion: apps/v1, kind: Deployment, metadata: {name: app-a}, spec: {selector: {matchLabels: {app: a}},"
        " template: {metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: example.com/a:1.0.0,"
        " envFrom: [{secretRef: {name: secret-b}}]}]}}}}\n"
    )
    files = {
        "clusters/main/sync.yaml": SYNC,
        "apps/kustomization.yaml": "{resources: [./ns-a]}\n",
        "apps/ns-a/kustomization.yaml": "{namespace: ns-a, components: [../../components/ns-target], resources: [./ks.yaml, ./secret.yaml]}\n",
        "apps/ns-a/ks.yaml": child("app-a", ", targetNamespace: ns-b"),
        "apps/ns-a/secret.yaml": "{apiVersion: v1, kind: Secret, metadata: {name: secret-b}, stringData: {k: v}}\n",
        "apps/app-a/app/deployment.yaml": deployment,
        "components/ns-target/kustomization.yaml": "{apiVersion: kustomize.config.k8s.io/v1alpha1, kind: Component, configurations: [./config.yaml]}\n",
        "components/ns-target/config.yaml": "namespace:\n  - {kind: Kustomization, group: kustomize.toolkit.fluxcd.io, path: spec/targetNamespace, create: true}\n",
    }
    assert [e for e in errors(check_json, repo(files)) if e.startswith("HL401")] == []
    # a configurations: file without namespace fieldSpecs leaves targetNamespace as written
    files["components/ns-target/config.yaml"] = (
        "nameReference:\n  - kind: ConfigMap\n    fieldSpecs: [{kind: HelmRelease, path: spec/valuesFrom/name}]\n"
    )
    assert [e for e in errors(check_json, repo(files)) if e.startswith("HL401")] == ["HL401 apps/app-a/app/deployment.yaml"]
    del files["components/ns-target/config.yaml"]
    files["apps/ns-a/kustomization.yaml"] = "{namespace: ns-a, resources: [./ks.yaml, ./secret.yaml]}\n"
    assert [e for e in errors(check_json, repo(files)) if e.startswith("HL401")] == ["HL401 apps/app-a/app/deployment.yaml"]


def test_unset_only_keeps_what_is_set_and_fills_what_is_not(repo):
    transformer = (
        "{apiVersion: builtin, kind: NamespaceTransformer, metadata: {name: s, namespace: tools}, unsetOnly: true,"
        " fieldSpecs: [{path: spec/targetNamespace, kind: Kustomization, create: true}, {path: metadata/name, kind: Namespace}]}\n"
    )
    root = repo(
        {
            "clusters/main/sync.yaml": SYNC,
            "apps/kustomization.yaml": "{resources: [./ns.yaml, ./ks.yaml], transformers: [./set-ns.yaml]}\n",
            "apps/ns.yaml": "{apiVersion: v1, kind: Namespace, metadata: {name: tools}}\n",
            "apps/set-ns.yaml": transformer,
            "apps/ks.yaml": child("fill") + "---\n" + child("keep", ", targetNamespace: kept"),
            "apps/fill/app/configmap.yaml": configmap("fill"),
            "apps/keep/app/configmap.yaml": configmap("keep"),
        }
    )
    flux = load(root).flux
    assert {ks.name: ks.spec.get("targetNamespace") for ks in flux.kustomizations if ks.name in ("fill", "keep")} == {
        "fill": "tools",
        "keep": "kept",
    }
    assert sorted((a.ns, a.name) for a in flux.applied if a.kind == "ConfigMap") == [("kept", "keep"), ("tools", "fill")]


def test_role_binding_subjects_take_the_namespace_as_set_role_binding_subjects_says():
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "b"},
        "subjects": [{"kind": "ServiceAccount", "name": "default"}, {"kind": "ServiceAccount", "name": "app"}],
    }
    base = {"apiVersion": "builtin", "kind": "NamespaceTransformer", "metadata": {"name": "s", "namespace": "ns"}}
    by_mode = {}
    for mode in (None, "allServiceAccounts", "none"):
        config = namespace_config({**base, "setRoleBindingSubjects": mode} if mode else base)
        assert config is not None
        by_mode[mode] = [path for path, _ in namespace_fields(config, binding)]
    assert by_mode == {
        None: [("subjects", "0", "namespace")],
        "allServiceAccounts": [("subjects", "0", "namespace"), ("subjects", "1", "namespace")],
        "none": [],
    }


def test_field_specs_match_group_and_kind_set_a_name_only_on_v1_and_create_only_when_asked():
    config = namespace_config(
        {
            "apiVersion": "builtin",
            "kind": "NamespaceTransformer",
            "metadata": {"name": "s", "namespace": "ns"},
            "fieldSpecs": [
                {"path": "metadata/name", "kind": "Namespace", "create": True},
                {"path": "spec/service/namespace", "group": "apiregistration.k8s.io", "kind": "APIService"},
                {"path": "spec/targetNamespace", "group": "kustomize.toolkit.fluxcd.io", "kind": "Kustomization", "create": True},
            ],
        }
    )
    assert config is not None
    flux_ks = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "spec": {}}
    other_ks = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "spec": {}}
    api_absent = {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "spec": {}}
    api_present = {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "spec": {"service": {"namespace": "a"}}}
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}
    not_v1 = {"apiVersion": "example.com/v1", "kind": "Namespace", "metadata": {"name": "x"}}
    assert [namespace_fields(config, obj) for obj in (flux_ks, other_ks, api_absent, api_present, namespace, not_v1)] == [
        [(("spec", "targetNamespace"), "ns")],
        [],
        [],
        [(("spec", "service", "namespace"), "ns")],
        [(("metadata", "name"), "ns")],
        [],
    ]


def test_a_patch_transformer_file_sets_the_chart_namespace(repo, check_json):
    root = repo(
        {
            "clusters/main/sync.yaml": SYNC
            + "---\n{apiVersion: source.toolkit.fluxcd.io/v1, kind: OCIRepository, metadata: {name: chart, namespace: flux-system},"
            " spec: {interval: 1h, url: 'oci://registry.example.com/charts/chart', ref: {tag: 1.0.0}}}\n",
            "apps/kustomization.yaml": "{namespace: web, resources: [./ns.yaml, ./release.yaml], transformers: [./chart-ns.yaml]}\n",
            "apps/ns.yaml": "{apiVersion: v1, kind: Namespace, metadata: {name: web}}\n",
            "apps/release.yaml": "{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, metadata: {name: web},"
            " spec: {interval: 1h, chartRef: {kind: OCIRepository, name: chart}}}\n",
            "apps/chart-ns.yaml": "{apiVersion: builtin, kind: PatchTransformer, metadata: {name: chart-ns}, target: {kind: HelmRelease},"
            ' patch: \'[{"op": "add", "path": "/spec/chartRef/namespace", "value": "flux-system"}]\'}\n',
        }
    )
    assert errors(check_json, root) == []  # not HL107: the chartRef names flux-system/chart once patched


def test_a_patch_transformer_with_a_patch_file_runs_after_the_namespace_and_reads_the_file(repo, check_json):
    inline = (
        "  - |-\n    apiVersion: builtin\n    kind: PatchTransformer\n    metadata: {name: target-ns}\n"
        "    target: {kind: Kustomization, namespace: web}\n    path: ./target-ns.yaml\n"
    )
    root = repo(
        {
            "clusters/main/sync.yaml": SYNC,
            "apps/kustomization.yaml": f"namespace: web\nresources: [./ks.yaml]\ntransformers:\n{inline}",
            "apps/ks.yaml": child("site"),
            "apps/target-ns.yaml": "{apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, metadata: {name: any},"
            " spec: {targetNamespace: site}}\n",
            "apps/site/app/configmap.yaml": configmap("site"),
        }
    )
    flux = load(root).flux
    assert [(a.ns, a.name) for a in flux.applied if a.kind == "ConfigMap"] == [("site", "site")]
    assert "apps/target-ns.yaml" in flux.applied_files
    assert errors(check_json, root) == []


def unread_case(transformer: str) -> dict[str, str]:
    """A folder whose kustomization runs one transformer on a ConfigMap that has no namespace."""
    return {
        "clusters/main/sync.yaml": SYNC,
        "apps/kustomization.yaml": "{resources: [./configmap.yaml], transformers: [./transformer.yaml]}\n",
        "apps/configmap.yaml": configmap("settings"),
        "apps/transformer.yaml": transformer,
    }


def test_a_transformer_the_model_cannot_apply_is_named_once_and_what_it_may_move_is_not_judged(repo, check_json):
    for transformer in (
        "{apiVersion: builtin, kind: PrefixSuffixTransformer, metadata: {name: p}, prefix: x-, fieldSpecs: [{path: metadata/name}]}\n",
        "{apiVersion: example.com/v1, kind: SetEverything, metadata: {name: plugin}}\n",
    ):
        root = repo(unread_case(transformer))
        flux = load(root).flux
        assert [note for note in flux.notes if "transformers homelint does not model" in note] == [
            "1 kustomization(s) run transformers homelint does not model (apps/kustomization.yaml: "
            f"{'PrefixSuffixTransformer' if 'builtin' in transformer else 'SetEverything'}): what they change is not seen, "
            "and HL108/HL110 say nothing about the objects they may rename or move (Flux runs builtin transformers only)"
        ]
        assert errors(check_json, root) == []


def test_a_label_transformer_neither_renames_nor_moves_so_a_missing_namespace_is_still_an_error(repo, check_json):
    root = repo(unread_case("{apiVersion: builtin, kind: LabelTransformer, metadata: {name: l}, labels: {team: a}}\n"))
    assert any("LabelTransformer" in note for note in load(root).flux.notes)
    assert errors(check_json, root) == ["HL110 apps/configmap.yaml"]


def test_a_one_line_inline_transformer_is_a_configuration_not_a_missing_file(repo, check_json):
    inline = '"{apiVersion: builtin, kind: NamespaceTransformer, metadata: {name: s, namespace: tools}}"'
    root = repo(
        {
            "clusters/main/sync.yaml": SYNC,
            "apps/kustomization.yaml": f"resources: [./configmap.yaml]\ntransformers:\n  - {inline}\n",
            "apps/configmap.yaml": configmap("settings"),
        }
    )
    assert [(a.ns, a.name) for a in load(root).flux.applied if a.kind == "ConfigMap"] == [("tools", "settings")]
    assert errors(check_json, root) == []  # neither HL101 (no such file) nor HL110


def test_configurations_that_teach_the_namespace_transformer_target_namespace_hold_hl110(repo, check_json):
    """A Component's `configurations:` adds a namespace fieldSpec for spec/targetNamespace of Flux
    Kustomizations (create: true): `kubectl kustomize` gives the child app-a targetNamespace ns-a,
    so its ConfigMap lands in ns-a. The model does not apply `configurations:`; the child's
    targetNamespace may be set (FluxKS.loose), so HL110 does not judge it."""
    child = (
        "{apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, metadata: {name: app-a},\n"
        " spec: {interval: 1h, path: ./comp-a/app, prune: true, sourceRef: {kind: GitRepository, name: flux-system, "
        "namespace: flux-system}}}\n"
    )
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": SYNC.replace("./apps", "./ns-a"),
            "ns-a/kustomization.yaml": "namespace: ns-a\ncomponents: [../comp-a]\nresources: [namespace.yaml]\n",
            "ns-a/namespace.yaml": "{apiVersion: v1, kind: Namespace, metadata: {name: ns-a}}\n",
            "comp-a/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
            "resources: [ks.yaml]\nconfigurations: [kustomizeconfig.yaml]\n",
            "comp-a/kustomizeconfig.yaml": "namespace:\n  - {kind: Kustomization, group: kustomize.toolkit.fluxcd.io, "
            "path: spec/targetNamespace, create: true}\n",
            "comp-a/ks.yaml": child,
            "comp-a/app/configmap.yaml": "{apiVersion: v1, kind: ConfigMap, metadata: {name: cm-a}, data: {a: b}}\n",
        }
    )
    _, findings = check_json(root, "--select", "HL110")
    assert findings == []


@pytest.mark.parametrize(
    ("transformer", "judged"),
    [
        ("{apiVersion: builtin, kind: NamespaceTransformer, metadata: {name: ns, namespace: ns-a}, unsetOnly: true}", True),
        ("{apiVersion: builtin, kind: LabelTransformer, metadata: {name: l}, labels: {a: b}, fieldSpecs: []}", True),
        ("{apiVersion: example.com/v1, kind: WidgetMaker, metadata: {name: w}}", False),  # a plugin may add objects
    ],
)
def test_a_builtin_transformer_below_does_not_hide_a_patch_that_matches_nothing(repo, check_json, transformer, judged):
    """A builtin namespace or label transformer adds no object and changes no kind: the parent's
    patch for a kind the build does not hold changes nothing (HL115), as kubectl kustomize shows;
    a transformer the model cannot read may make one."""
    files = {
        "clusters/main/flux.yaml": SYNC.rsplit("---\n", 1)[0]
        + "---\n{apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, metadata: {name: apps, namespace: flux-system},\n"
        " spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system},\n"
        '  patches: [{target: {kind: WidgetKind}, patch: \'[{"op": "add", "path": "/spec/a", "value": "b"}]\'}]}}\n',
        "apps/kustomization.yaml": "resources: [ns-a]\n",
        "apps/ns-a/kustomization.yaml": f"resources: [cm.yaml]\ntransformers:\n  - |-\n    {transformer}\n",
        "apps/ns-a/cm.yaml": configmap("cm-a"),
    }
    found = [f for f in check_json(repo(files))[1] if f["rule"] == "HL115"]
    assert bool(found) is judged
