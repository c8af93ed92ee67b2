"""kustomize's images transformer (`images:` entries; the builtin ImageTagTransformer).

Behaviour read from kustomize v5.8.1 (kubectl kustomize) and its source (api/filters/imagetag
legacy.go and updater.go, api/internal/image/image.go): each entry is one transformer, run in
list order over every object of the build but CustomResourceDefinitions. It rewrites the
`image` of each mapping in a `containers` or `initContainers` list at any depth of the object
(CronJob jobTemplate, custom resources, HelmRelease values alike; not `ephemeralContainers`), then
once more through its default field specs (`spec/containers[]/image`, `spec/initContainers[]/image`
and the same under `spec/template/spec`). An image matches when it is the entry's `name` (a
regular expression) followed by an optional `:tag` and `@sha256:digest`. Its name becomes
`newName`; `newTag` and `digest` replace both the old tag and the old digest (a digest-pinned
image given only a newTag loses its digest); `tagSuffix` (without either) is appended to the old
tag and drops the digest. Images that are not strings, and lists or images of the wrong kind
(kustomize fails the build on them), are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

FieldPath = tuple[str, ...]
CONTAINER_LISTS = ("containers", "initContainers")
# the default field specs: every kind, these paths (run after the walk over the whole object)
FIELD_SPECS: tuple[FieldPath, ...] = (
    ("spec",),
    ("spec", "template", "spec"),
)
TAG_CHARS = r"[a-zA-Z0-9_.{}-]*"


@dataclass(frozen=True, slots=True)
class ImageEntry:
    name: str
    new_name: str = ""
    new_tag: str = ""
    digest: str = ""
    tag_suffix: str = ""


def image_entries(items: Any) -> tuple[ImageEntry, ...]:
    """The `images:` entries of a kustomization (or a Flux Kustomization's spec.images) that can
    change an image. A value that is not a string fails kustomize's decoding; such a list is not
    read (no entry)."""
    if not isinstance(items, list):
        return ()
    out: list[ImageEntry] = []
    keys = ("name", "newName", "newTag", "digest", "tagSuffix")
    for item in items:
        if not isinstance(item, dict):
            return ()
        values = [item.get(k) for k in keys]
        if any(v is not None and not isinstance(v, str) for v in values):
            return ()
        name, new_name, new_tag, digest, suffix = (v or "" for v in values)
        if name and (new_name or new_tag or digest or suffix):
            out.append(ImageEntry(name, new_name, new_tag, digest, suffix))
    return tuple(out)


def merge_flux_images(own: tuple[ImageEntry, ...], flux: tuple[ImageEntry, ...]) -> tuple[ImageEntry, ...]:
    """kustomize-controller's generator merges spec.images into the kustomization it builds: an
    entry replaces the one of the same name, or is appended (fluxcd/pkg kustomize_generator.go;
    Flux's images have no tagSuffix)."""
    merged = list(own)
    for entry in flux:
        flux_entry = ImageEntry(entry.name, entry.new_name, entry.new_tag, entry.digest)
        at = next((i for i, e in enumerate(merged) if e.name == entry.name), None)
        if at is None:
            merged.append(flux_entry)
        else:
            merged[at] = flux_entry
    return tuple(merged)


@lru_cache(maxsize=1024)
def _pattern(name: str) -> re.Pattern[str] | None:
    try:
        return re.compile(f"^{name}(:{TAG_CHARS})?(@sha256:{TAG_CHARS})?\\Z")  # Go's `$`: the very end
    except re.error:
        return None  # kustomize cannot compile it either (it fails the build)


def split_image(image: str) -> tuple[str, str, str]:
    """(name, tag, digest) as kustomize splits an image (a registry port before the first `/`
    is part of the name)."""
    slash = image.find("/")
    slash = slash if slash > 0 else 0
    search = image[slash:]
    at, colon = search.find("@"), search.find(":")
    if colon < 0 and at < 0:
        return image, "", ""
    if at >= 0 and (at < colon or colon < 0):
        return image[: slash + at], "", image[slash + at + 1 :]
    if at >= 0:
        return image[: slash + colon], image[slash + colon + 1 : slash + at], image[slash + at + 1 :]
    return image[: slash + colon], image[slash + colon + 1 :], ""


def retag(image: str, entry: ImageEntry) -> str:
    """The image after one entry (the image itself when the entry does not match it)."""
    pattern = _pattern(entry.name)
    if pattern is None or not pattern.search(image):  # Go's MatchString: anywhere
        return image
    name, tag, digest = split_image(image)
    name = entry.new_name or name
    if entry.new_tag or entry.digest:
        tag, digest = entry.new_tag, entry.digest
    elif entry.tag_suffix:
        tag, digest = tag + entry.tag_suffix, ""
    return name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def _container_images(node: Any, at: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    """(path, image) of each container in the `containers`/`initContainers` lists at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in CONTAINER_LISTS and isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, dict) and isinstance(item.get("image"), str):
                        yield (*at, str(key), str(index), "image"), item["image"]
            yield from _container_images(value, (*at, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _container_images(item, (*at, str(index)))


def _spec_images(data: dict[str, Any]) -> Iterator[tuple[FieldPath, str]]:
    """(path, image) at the default field specs."""
    for base in FIELD_SPECS:
        node: Any = data
        for part in base:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        for key in CONTAINER_LISTS:
            items = node.get(key)
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict) and isinstance(item.get("image"), str):
                    yield (*base, key, str(index), "image"), item["image"]


def image_edits(data: dict[str, Any], entries: tuple[ImageEntry, ...]) -> dict[FieldPath, str]:
    """{field path: new image} the entries set on one object as the build left it (nothing on a
    CustomResourceDefinition)."""
    if not entries or data.get("kind") == "CustomResourceDefinition":
        return {}
    images = dict(_container_images(data, ()))
    if not images:
        return {}
    current = dict(images)
    spec_paths = [path for path, _ in _spec_images(data)]
    for entry in entries:
        for path in current:
            current[path] = retag(current[path], entry)
        for path in spec_paths:  # the field specs' second pass (it matters for tagSuffix)
            current[path] = retag(current[path], entry)
    return {path: image for path, image in current.items() if image != images[path]}
