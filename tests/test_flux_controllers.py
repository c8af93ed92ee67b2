"""HL120: a Flux object needs its controller among the components the FluxInstance of its
cluster lists (flux-operator installs each listed component's manifests, CRDs included)."""

from __future__ import annotations

INSTANCE = (
    "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {{name: flux, namespace: flux-system}}\n"
    "spec:\n  distribution: {{version: 2.7.x, registry: ghcr.io/fluxcd}}\n{components}"
    "  sync: {{kind: GitRepository, url: 'https://example.com/org/repo', ref: refs/heads/main, path: ./clusters/main}}\n"
)
CORE = "  components: [source-controller, kustomize-controller, helm-controller, notification-controller]\n"
ROOT = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: cluster-apps, namespace: flux-system}\n"
    "spec: {interval: 1h, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n"
)
IMAGE_REPOSITORY = (
    "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata: {name: image-a, namespace: flux-system}\n"
    "spec: {image: ghcr.io/example/a, interval: 6h}\n"
)
CRD = (
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: imagerepositories.image.toolkit.fluxcd.io}\n"
    "spec:\n  group: image.toolkit.fluxcd.io\n  names: {kind: ImageRepository, plural: imagerepositories}\n  scope: Namespaced\n"
    "  versions: [{name: v1, served: true, storage: true}]\n"
)


def _hl120(repo, check_json, files: dict[str, str]) -> list[str]:
    base = {"clusters/main/ks.yaml": ROOT, "apps/image-a.yaml": IMAGE_REPOSITORY}
    _, findings = check_json(repo({**base, **files}), "--select", "HL120")
    return [f["message"].split(" needs ")[0] + " needs " + f["message"].split(" needs ")[1].split(",")[0] for f in findings]


def test_an_image_kind_without_the_reflector_controller_fails(repo, check_json):
    assert _hl120(repo, check_json, {"flux/instance.yaml": INSTANCE.format(components=CORE)}) == [
        "ImageRepository image-a needs the image-reflector-controller"
    ]


def test_listed_components_are_enough(repo, check_json):
    listed = CORE.replace("]", ", image-reflector-controller]")
    assert _hl120(repo, check_json, {"flux/instance.yaml": INSTANCE.format(components=listed)}) == []


def test_an_instance_without_components_is_not_judged(repo, check_json):
    """The default list differs between flux-operator releases (all controllers, then the core four)."""
    assert _hl120(repo, check_json, {"flux/instance.yaml": INSTANCE.format(components="")}) == []


def test_a_crd_the_repository_defines_serves_the_kind(repo, check_json):
    files = {"flux/instance.yaml": INSTANCE.format(components=CORE), "apps/crd.yaml": CRD}
    assert _hl120(repo, check_json, files) == []


def test_components_with_a_placeholder_are_not_read(repo, check_json):
    files = {"flux/instance.yaml": INSTANCE.format(components=CORE.replace("]", ", '${EXTRA}']"))}
    assert _hl120(repo, check_json, files) == []


def test_a_flux_instance_helmrelease_lists_its_components_in_values(repo, check_json):
    """The flux-instance chart: values.instance.components; its cluster is the one its sync makes."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: flux-instance, namespace: flux-system}\n"
        "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: flux-instance}\n  values:\n    instance:\n"
        "      distribution: {version: 2.7.x, registry: ghcr.io/fluxcd}\n"
        "      components: [source-controller, kustomize-controller]\n"
        "      sync: {kind: GitRepository, url: 'https://example.com/org/repo', ref: refs/heads/main, path: ./clusters/main}\n"
    )
    assert _hl120(repo, check_json, {"bootstrap/flux-instance.yaml": release}) == [
        "ImageRepository image-a needs the image-reflector-controller"
    ]


def _patched_instance(patch: str) -> dict[str, str]:
    """The FluxInstance applied by Kustomization `instance`, whose spec.patches hold `patch`."""
    ks = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: instance, namespace: flux-system}\n"
        "spec:\n  interval: 1h\n  path: ./flux\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
        "  patches:\n    - target: {kind: FluxInstance}\n      patch: |\n"
        "        apiVersion: fluxcd.controlplane.io/v1\n        kind: FluxInstance\n        metadata: {name: flux}\n"
        + "".join(f"        {line}\n" for line in patch.splitlines())
    )
    return {"flux/instance.yaml": INSTANCE.format(components=CORE), "apps/instance-ks.yaml": ks}


def test_a_patch_of_other_fields_leaves_the_list_as_written(repo, check_json):
    """kustomize's strategic merge keeps every key a patch does not name (kubectl kustomize)."""
    assert _hl120(repo, check_json, _patched_instance("spec:\n  wait: true")) == [
        "ImageRepository image-a needs the image-reflector-controller"
    ]


def test_a_patch_that_changes_the_list_is_not_read(repo, check_json):
    listed = "spec:\n  components: [source-controller, kustomize-controller, image-reflector-controller]"
    assert _hl120(repo, check_json, _patched_instance(listed)) == []


VALUES = (
    "instance:\n  distribution: {version: 2.7.x}\n{components}"
    "  sync: {kind: GitRepository, url: 'https://example.com/org/repo', ref: refs/heads/main, path: ./clusters/main}\n"
)
RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: flux-instance, namespace: flux-system}\n"
    "spec:\n  interval: 1h\n  chartRef: {kind: OCIRepository, name: flux-instance}\n"
    "  valuesFrom: [{kind: ConfigMap, name: flux-instance-values}]\n{inline}"
)
GENERATOR = (
    "resources: [helmrelease.yaml]\nconfigMapGenerator:\n  - name: flux-instance-values\n    namespace: flux-system\n"
    "    files: [values.yaml=./values.yaml]\ngeneratorOptions: {disableNameSuffixHash: true}\n"
)


def _from_values(components: str, inline: str = "") -> dict[str, str]:
    """The flux-instance chart's values come from a values file a configMapGenerator turns into the
    HelmRelease's valuesFrom ConfigMap (the cluster-template layout); the file's sync is the root."""
    return {
        "flux/instance/kustomization.yaml": GENERATOR,
        "flux/instance/values.yaml": VALUES.replace("{components}", components),
        "flux/instance/helmrelease.yaml": RELEASE.replace("{inline}", inline),
    }


def test_components_in_a_values_file_the_release_reads_through_values_from_are_judged(repo, check_json):
    """helm-controller merges the valuesFrom ConfigMap's values.yaml into the chart values (Tomyail)."""
    found = _hl120(repo, check_json, _from_values(CORE))
    assert found == ["ImageRepository image-a needs the image-reflector-controller"]
    _, findings = check_json(repo({"clusters/main/ks.yaml": ROOT, "apps/image-a.yaml": IMAGE_REPOSITORY, **_from_values(CORE)}))
    (message,) = [f["message"] for f in findings if f["rule"] == "HL120"]
    assert "which the flux-instance values in flux/instance/values.yaml do not install (instance.components at " in message


def test_inline_components_of_the_release_replace_those_of_its_values_file(repo, check_json):
    """Inline values are merged over valuesFrom: the release's own list decides."""
    listed = "  values:\n    instance:\n      components: [source-controller, kustomize-controller, image-reflector-controller]\n"
    assert _hl120(repo, check_json, _from_values(CORE, listed)) == []
    assert _hl120(repo, check_json, _from_values(CORE.replace("]", ", image-reflector-controller]"))) == []
