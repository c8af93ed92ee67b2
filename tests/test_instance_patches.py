"""HL115 on a FluxInstance's kustomize patches: flux-operator builds its distribution with one
Deployment per listed component, named after it, and runs spec.kustomize.patches over it; a
Deployment target that names none of them changes nothing."""

from __future__ import annotations

import pytest

from .test_flux_controllers import CORE, INSTANCE, ROOT

PATCH = '  kustomize:\n    patches:\n      - patch: \'[{{"op": "add", "path": "/spec/replicas", "value": 2}}]\'\n        target: {target}\n'


def _hl115(repo, check_json, target: str, components: str = CORE, extra: str = "") -> list[str]:
    instance = INSTANCE.format(components=components + PATCH.format(target=target) + extra)
    _, findings = check_json(repo({"clusters/main/ks.yaml": ROOT, "flux/instance.yaml": instance}), "--select", "HL115")
    return [f["message"] for f in findings]


@pytest.mark.parametrize(
    "target",
    [
        "{kind: Deployment, name: kustomize-controller}",
        "{kind: Deployment, name: '(kustomize-controller|helm-controller)'}",
        "{kind: Deployment, name: '.*-controller'}",
        "{kind: Deployment}",
        "{kind: Deployment, name: image-reflector-controller, namespace: flux-system}",  # not judged: a namespace
        "{kind: Deployment, name: kustomize-controle, labelSelector: 'app=x'}",  # not judged: labels are not known
        "{kind: ServiceAccount, name: no-such-account}",  # not judged: the distribution holds more than Deployments
    ],
)
def test_a_target_that_selects_a_component_or_is_not_judged_is_silent(repo, check_json, target):
    assert _hl115(repo, check_json, target) == []


@pytest.mark.parametrize(
    ("target", "components"),
    [
        ("{kind: Deployment, name: kustomize-controle}", CORE),
        ("{kind: Deployment, name: image-reflector-controller}", CORE),
        ("{kind: Deployment, name: 'helm-controller|kustomize'}", "  components: [helm-controller-x]\n"),
    ],
    ids=["typo", "component-not-listed", "anchored"],
)
def test_a_deployment_target_naming_no_component_changes_nothing(repo, check_json, target, components):
    """kustomize anchors the name regex (^(?:name)$): 'helm-controller|kustomize' matches neither
    helm-controller-x nor a prefix of it."""
    (message,) = _hl115(repo, check_json, target, components)
    assert "of FluxInstance flux matches none of the Deployments it installs (one per component:" in message


def test_shards_and_unlisted_components_are_not_judged(repo, check_json):
    """Sharding adds Deployments of other names; with no list the default components are not known."""
    target = "{kind: Deployment, name: kustomize-controle}"
    assert _hl115(repo, check_json, target, extra="  sharding: {shards: [shard1]}\n") == []
    assert _hl115(repo, check_json, target, components="") == []


@pytest.mark.parametrize("post_renderers", [False, True])
def test_a_flux_instance_helmrelease_patch_is_judged_unless_a_post_renderer_runs(repo, check_json, post_renderers):
    """The flux-instance chart's values.instance.kustomize.patches go to the FluxInstance it renders;
    a post-renderer may change them there."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: flux-instance, namespace: flux-system}\n"
        "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: flux-instance}\n"
        + ("  postRenderers: [{kustomize: {patches: []}}]\n" if post_renderers else "")
        + "  values:\n    instance:\n      distribution: {version: 2.7.x, registry: ghcr.io/fluxcd}\n"
        "      components: [source-controller, kustomize-controller]\n"
        "      sync: {kind: GitRepository, url: 'https://example.com/org/repo', ref: refs/heads/main, path: ./clusters/main}\n"
        '      kustomize:\n        patches:\n          - patch: \'[{"op": "add", "path": "/spec/replicas", "value": 2}]\'\n'
        "            target: {kind: Deployment, name: helm-controller}\n"
    )
    _, findings = check_json(repo({"clusters/main/ks.yaml": ROOT, "flux/release.yaml": release}), "--select", "HL115")
    prefix = "patch target (kind=Deployment, name=helm-controller) of HelmRelease flux-instance matches none"
    assert [(f["line"], f["message"].startswith(prefix)) for f in findings] == ([] if post_renderers else [(15, True)])


@pytest.mark.parametrize(
    ("chart", "judged"),
    [
        ("chartRef: {kind: OCIRepository, name: flux-instance}", True),
        ("chart: {spec: {chart: flux-instance, version: 0.30.0, sourceRef: {kind: HelmRepository, name: charts}}}", True),
        ("chartRef: {kind: OCIRepository, name: other-chart}", False),  # values.instance of another chart: not read
    ],
)
def test_a_flux_instance_chart_release_without_a_distribution_is_an_instance(repo, check_json, chart, judged):
    """The chart's own values hold the distribution: a release of the flux-instance chart that sets
    only components and patches renders a FluxInstance all the same (rwaltr: 'kustomize-controlle')."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: flux-instance, namespace: flux-system}\n"
        f"spec:\n  interval: 1h\n  {chart}\n"
        "  values:\n    instance:\n      components: [source-controller, kustomize-controller]\n"
        "      sync: {kind: GitRepository, url: 'https://example.com/org/repo', ref: refs/heads/main, path: ./clusters/main}\n"
        '      kustomize:\n        patches:\n          - patch: \'[{"op": "add", "path": "/spec/replicas", "value": 2}]\'\n'
        "            target: {kind: Deployment, name: kustomize-controlle}\n"
    )
    _, findings = check_json(repo({"clusters/main/ks.yaml": ROOT, "flux/release.yaml": release}), "--select", "HL115")
    prefix = "patch target (kind=Deployment, name=kustomize-controlle) of HelmRelease flux-instance matches none"
    assert [f["message"].startswith(prefix) for f in findings] == ([True] if judged else [])


NO_TARGET = '  kustomize:\n    patches:\n      - patch: \'[{{"op": "add", "path": "/spec/replicas", "value": 2}}]\'\n'
TWO_DOCUMENTS = (
    "  kustomize:\n    patches:\n      - patch: |\n          kind: Deployment\n          metadata: {{name: a}}\n"
    "          ---\n          kind: Deployment\n          metadata: {{name: b}}\n        target: {{kind: Deployment}}\n"
)


@pytest.mark.parametrize(
    ("patches", "said"),
    [(NO_TARGET, "a JSON6902 patch without target"), (TWO_DOCUMENTS, "has 2 strategic-merge documents and a target")],
)
def test_an_instance_patch_kustomize_fails_on_is_an_error(repo, check_json, patches, said):
    """flux-operator builds the distribution with kustomize and these patches: one kustomize fails
    on whatever it patches fails the instance, so Flux is neither installed nor upgraded."""
    instance = INSTANCE.format(components=CORE + patches)
    files = {"clusters/main/ks.yaml": ROOT, "flux/instance.yaml": instance}
    _, findings = check_json(repo(files), "--select", "HL114")
    assert len(findings) == 1, findings and said in findings[0]["message"]
    assert "the kustomize patches of FluxInstance flux-system/flux" in findings[0]["message"]


def test_an_instance_nothing_applies_is_not_judged(repo, check_json):
    instance = INSTANCE.format(components=CORE + NO_TARGET)
    archived = instance.split("  sync:")[0].replace("name: flux,", "name: old,")  # no sync: nothing makes it a root
    files = {"clusters/main/ks.yaml": ROOT, "flux/instance.yaml": instance, "archive/old.yaml": archived}
    _, findings = check_json(repo(files), "--select", "HL114")
    assert [f["path"] for f in findings] == ["flux/instance.yaml"]
