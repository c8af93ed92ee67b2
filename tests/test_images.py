"""kustomize's images transformer (model/images.py); every expectation is what kubectl kustomize
v5.8.1 built from the same input."""

from __future__ import annotations

import pytest

from homelint.model.images import ImageEntry, image_edits, image_entries, merge_flux_images, retag, split_image

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("image", "entry", "expected"),
    [
        ("app-a", ImageEntry("app-a", new_tag="1.0"), "app-a:1.0"),
        ("app-a:0.9", ImageEntry("app-a", new_tag="1.0"), "app-a:1.0"),
        (f"ghcr.invalid/org/app-a@{DIGEST}", ImageEntry("ghcr.invalid/org/app-a", new_tag="3.0"), "ghcr.invalid/org/app-a:3.0"),
        (f"app-a:0.9@{DIGEST}", ImageEntry("app-a", new_tag="1.0"), "app-a:1.0"),
        ("app-a:0.9", ImageEntry("app-a", digest="sha256:b"), "app-a@sha256:b"),
        ("app-a:0.9", ImageEntry("app-a", new_tag="t", digest="sha256:b"), "app-a:t@sha256:b"),
        ("app-a:7", ImageEntry("app-a", new_name="mirror.invalid/app-a"), "mirror.invalid/app-a:7"),
        (f"app-a@{DIGEST}", ImageEntry("app-a", tag_suffix="-x"), "app-a:-x"),
        ("app-a:1", ImageEntry("app-a", new_tag="t", tag_suffix="-x"), "app-a:t"),
        ("localhost:5000/app-a:1", ImageEntry("localhost:5000/app-a", new_tag="2"), "localhost:5000/app-a:2"),
        ("app-a:", ImageEntry("app-a", new_tag="1"), "app-a:1"),
        # not the entry's image: a longer name, another registry, another case, odd tags or digests
        ("app-a-b", ImageEntry("app-a", new_tag="1"), "app-a-b"),
        ("docker.io/library/app-a:1", ImageEntry("app-a", new_tag="2"), "docker.io/library/app-a:1"),
        ("APP-A", ImageEntry("app-a", new_tag="1"), "APP-A"),
        ("app-a@sha256", ImageEntry("app-a", new_tag="1"), "app-a@sha256"),
        ("app-a@md5:abc", ImageEntry("app-a", new_tag="1"), "app-a@md5:abc"),
        ("app-a:1+2", ImageEntry("app-a", new_tag="1"), "app-a:1+2"),
        ("app-a:a:b", ImageEntry("app-a", new_tag="1"), "app-a:a:b"),
        # the name is a regular expression
        ("appxa:1", ImageEntry("app.a", new_tag="2"), "appxa:2"),
        ("app-a:1", ImageEntry("app-.*", new_tag="2"), "app-a:2"),
        # one that does not compile panics kustomize (the build fails): nothing is retagged
        ("app-a:1", ImageEntry("app(", new_tag="2"), "app-a:1"),
    ],
)
def test_retag_follows_kustomize(image, entry, expected):
    assert retag(image, entry) == expected


def test_split_image_keeps_a_registry_port_in_the_name():
    assert split_image("localhost:5000/app-a:1@sha256:b") == ("localhost:5000/app-a", "1", "sha256:b")
    assert split_image("app-a@sha256:b") == ("app-a", "", "sha256:b")
    assert split_image("app-a") == ("app-a", "", "")


def _containers(image: str = "app-a") -> list[dict[str, str]]:
    return [{"name": "c", "image": image}]


def test_image_edits_reach_container_lists_at_any_depth_but_not_ephemeral_ones_or_crds():
    """containers/initContainers lists anywhere in any kind (a CronJob's jobTemplate, a custom
    resource, HelmRelease values); not ephemeralContainers, a map of containers or a lone image;
    nothing in a CustomResourceDefinition."""
    entries = (ImageEntry("app-a", new_tag="1"),)
    cron = {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": _containers()}}}}}}
    assert image_edits(cron, entries) == {
        ("spec", "jobTemplate", "spec", "template", "spec", "containers", "0", "image"): "app-a:1"
    }
    thing = {
        "kind": "Thing",
        "spec": {
            "list": [{"initContainers": _containers()}],
            "ephemeralContainers": _containers(),
            "containersMap": {"c": {"image": "app-a"}},
            "image": "app-a",
        },
    }
    assert image_edits(thing, entries) == {("spec", "list", "0", "initContainers", "0", "image"): "app-a:1"}
    crd = {"kind": "CustomResourceDefinition", "spec": {"containers": _containers()}}
    assert image_edits(crd, entries) == {}


def test_entries_run_in_order_and_the_field_specs_run_a_second_time():
    """Each entry is one transformer (a later one sees what an earlier one wrote). Its field
    specs (spec/containers, spec/template/spec/containers, ...) retag once more: a tagSuffix is
    appended twice there and once elsewhere."""
    chained = (ImageEntry("app-a", new_name="app-b"), ImageEntry("app-b", new_tag="2"))
    assert image_edits({"kind": "Pod", "spec": {"containers": _containers()}}, chained) == {
        ("spec", "containers", "0", "image"): "app-b:2"
    }
    suffix = (ImageEntry("app-a", tag_suffix="-x"),)
    pod = {"kind": "Deployment", "spec": {"template": {"spec": {"containers": _containers("app-a:1")}}}}
    assert image_edits(pod, suffix) == {("spec", "template", "spec", "containers", "0", "image"): "app-a:1-x-x"}
    cron = {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": _containers("app-a:1")}}}}}}
    assert list(image_edits(cron, suffix).values()) == ["app-a:1-x"]


def test_image_entries_and_the_flux_merge():
    """An entry without a change is no entry; a non-string value fails kustomize's decoding (the
    list is not read). Flux's spec.images replace the entry of the same name or are appended."""
    assert image_entries([{"name": "app-a"}, {"name": "app-b", "newTag": "1"}]) == (ImageEntry("app-b", new_tag="1"),)
    assert image_entries([{"name": "app-a", "newTag": 1.2}]) == ()
    own = (ImageEntry("app-a", new_tag="1"), ImageEntry("app-b", new_tag="2"))
    flux = (ImageEntry("app-a", new_name="mirror/app-a"), ImageEntry("app-c", digest="sha256:c", tag_suffix="-x"))
    assert merge_flux_images(own, flux) == (
        ImageEntry("app-a", new_name="mirror/app-a"),
        ImageEntry("app-b", new_tag="2"),
        ImageEntry("app-c", digest="sha256:c"),
    )
