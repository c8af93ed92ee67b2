"""HL501-HL504, HL506: charts, OCI sources and images are pinned, and an OCI tag is a tag.
(HL505 is a declarative rule.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from homelint.core.context import Context
from homelint.core.model import Finding, Span
from homelint.loading.safeio import printable
from homelint.model.graph import resolved_name, values_from_images
from homelint.model.refs import Ref, Written, helm_release_refs, pod_spec_refs
from homelint.model.sources import SourceRef
from homelint.rules.common import PATH_CHART_SOURCES, applied_instances, manifest_objects
from homelint.rules.registry import check

EXACT_SEMVER = re.compile(r"^[v=]?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def chart_version_problem(version: Any) -> str | None:
    if version is None:
        return "has no version, which means '*' (the newest chart, upgraded automatically)"
    text = str(version).strip()
    if not isinstance(version, str):
        return f"version {version!r} is a YAML number, not a string; quote it"
    if text in ("*", "", "x", "X", "latest"):
        return f"version '{text}' matches every release"
    if EXACT_SEMVER.match(text):
        return None
    return f"version '{text}' is a range (only a full MAJOR.MINOR.PATCH is exact)"


@check("HL501")
def unpinned_chart(ctx: Context) -> Iterator[Finding]:
    seen: set[int] = set()
    for applied in applied_instances(ctx):
        obj = applied.obj
        if obj.kind != "HelmRelease" or id(obj) in seen or obj.is_sops:
            continue
        seen.add(id(obj))
        chart = obj.spec.get("chart")
        spec = chart.get("spec") if isinstance(chart, dict) else None
        if not isinstance(spec, dict):
            continue
        ref = spec.get("sourceRef")
        if isinstance(ref, dict) and ref.get("kind") in PATH_CHART_SOURCES:
            continue  # the Chart.yaml in the source decides
        version = spec.get("version")
        if isinstance(version, str) and "${" in version:
            version = resolved_name(applied, version, ctx.repo)
            if version is None:
                continue
        problem = chart_version_problem(version)
        if problem:
            field = ("spec", "chart", "spec", "version") if "version" in spec else ("spec", "chart", "spec")
            yield ctx.at(
                "HL501",
                obj,
                field,
                f"HelmRelease {obj.name}: chart {spec.get('chart')} {problem}",
                fix="set spec.chart.spec.version to an exact version such as 1.2.3 (Renovate keeps it current)",
            )


def _oci_repositories(ctx: Context) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(object, spec) of each Flux OCIRepository Flux applies."""
    for obj in manifest_objects(ctx):
        if obj.kind != "OCIRepository" or not obj.api_version.startswith("source.toolkit.fluxcd.io/") or obj.is_sops:
            continue
        spec = obj.data.get("spec")
        if isinstance(spec, dict):
            yield obj, spec


def _pushed_from_here(ctx: Context, obj: Any) -> bool:
    """Whether the OCIRepository is a source of this repository whose artifact a push of it makes
    (sources.find_sources: the folder pushed is known)."""
    art = ctx.flux.sources.artifact(SourceRef("OCIRepository", obj.namespace or "flux-system", obj.name))
    return art is not None and art.path_known  # an OCIRepository's folder is known only from a push


def oci_ref_problem(spec: dict[str, Any]) -> tuple[tuple[str, ...], str, str] | None:
    """(field, why the OCIRepository is not pinned, fix), or None when it is pinned or cannot be
    told (a placeholder, a value of the wrong type: HL601's). source-controller resolves
    spec.ref.digest before spec.ref.semver before spec.ref.tag, and pulls the tag 'latest' when
    none is set (source-controller docs/spec/v1/ocirepositories.md, "Reference")."""
    pin = "set spec.ref.tag to a version (or spec.ref.digest: sha256:...)"
    if "ref" not in spec or spec["ref"] is None:
        return ("spec",), "it has no spec.ref, so source-controller pulls the tag 'latest'", pin
    ref = spec["ref"]
    if not isinstance(ref, dict):
        return None
    digest, semver, tag = ref.get("digest"), ref.get("semver"), ref.get("tag")
    if digest:
        return None
    if semver:
        if not isinstance(semver, str) or "${" in semver or EXACT_SEMVER.match(semver.strip()):
            return None
        over = " (it takes precedence over spec.ref.tag)" if tag else ""
        return (
            ("spec", "ref", "semver"),
            f"spec.ref.semver is a range{over}, so source-controller follows the newest matching tag",
            "set spec.ref.semver to an exact version such as 1.2.3, or use spec.ref.tag or spec.ref.digest",
        )
    if tag:
        if tag != "latest":
            return None
        return ("spec", "ref", "tag"), "spec.ref.tag is 'latest', which moves with every push", pin
    return ("spec", "ref"), "spec.ref has no digest, semver or tag, so source-controller pulls the tag 'latest'", pin


@check("HL502")
def unpinned_oci_ref(ctx: Context) -> Iterator[Finding]:
    for obj, spec in _oci_repositories(ctx):
        if _pushed_from_here(ctx, obj):
            continue  # this repository's own artifact: it changes with a commit, as a branch does
        problem = oci_ref_problem(spec)
        if problem is not None:
            field, why, fix = problem
            yield ctx.at("HL502", obj, field, f"OCIRepository {obj.name} is not pinned: {why}", fix=fix)


@check("HL506")
def oci_tag_with_digest(ctx: Context) -> Iterator[Finding]:
    """source-controller (`getArtifactRef`) pulls spec.ref.tag whole as a tag (`repo.Tag(tag)`)
    when no digest or semver is set; a tag cannot hold '@', so `1.2.3@sha256:...` never pulls
    (fluxcd/source-controller#1471, #2019)."""
    for obj, spec in _oci_repositories(ctx):
        ref = spec.get("ref")
        if not isinstance(ref, dict) or ref.get("digest") or ref.get("semver"):
            continue  # the digest or the semver range is pulled: the tag is not used
        tag = ref.get("tag")
        if not isinstance(tag, str) or "@" not in tag or "${" in tag:
            continue
        bare = printable(tag.split("@", 1)[0].strip(), 120)
        keep = f"keep spec.ref.tag: {bare} without it, or drop it" if bare else "drop spec.ref.tag"
        yield ctx.at(
            "HL506",
            obj,
            ("spec", "ref", "tag"),
            f"OCIRepository {obj.name}: spec.ref.tag '{printable(tag, 120)}' holds a digest; source-controller pulls it as a "
            "tag, which no registry has (a tag cannot hold '@'), so the source never becomes ready",
            fix=f"move the digest to spec.ref.digest ({keep})",
        )


def parse_image(image: str) -> tuple[str, str | None, bool]:
    """(name, tag, has_digest) of an image reference."""
    digest = "@sha256:" in image
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    return name, tag, digest


class Image(NamedTuple):
    """An image an object runs: the field it is judged at, the image (a whole reference, or a
    `repository`), its tag and whether it has a digest; `written` where a chart value from
    `valuesFrom` sets it (graph.values_from_images), else None (in the object)."""

    obj: Any
    field: tuple[Any, ...]
    image: str
    tag: str | None
    digest: bool
    whole: bool  # the field holds the whole reference
    written: Written | None = None
    marked: bool = False  # `written` in a YAML file whose setter markers image-automation-controller reads


def _images(ctx: Context) -> Iterator[Image]:
    """Each image an object runs, as its build left it (kustomize's images transformer applied:
    model/images.py); a HelmRelease's `repository`/`tag` pair is found at its tag (or its mapping),
    in the chart values helm-controller passes (graph.values_from_images): where a `valuesFrom`
    entry writes the tag (the repository when untagged), it is judged there."""
    seen: set[int] = set()
    for applied in applied_instances(ctx):
        obj = applied.obj
        if id(obj) in seen or obj.is_sops:
            continue
        seen.add(id(obj))
        merged = values_from_images(ctx.repo, applied) if obj.kind == "HelmRelease" else None
        if merged is not None:
            for image in merged:
                found = None if image.hidden else _pair(obj, image.ref)
                if found is not None:
                    yield found._replace(written=image.written, marked=image.marked)
            continue
        refs = helm_release_refs(obj) if obj.kind == "HelmRelease" else pod_spec_refs(obj)
        for ref in refs:
            if ref.kind != "image":
                continue
            if ref.name:
                if "${" in ref.name or "{{" in ref.name:
                    continue
                _name, tag, digest = parse_image(ref.name)
                yield Image(obj, ref.field, ref.name, tag, digest, True)
            else:
                found = _pair(obj, ref)
                if found is not None:
                    yield found


def _pair(obj: Any, ref: Ref) -> Image | None:
    """The image of a chart's `repository`/`tag` pair (ref.extra), judged at its tag (its mapping
    when untagged); None when either is not known here (`${VAR}`, a template)."""
    repository, tag = ref.extra
    if not isinstance(repository, str) or "${" in repository or "{{" in repository:
        return None
    tag_text = None if tag is None else str(tag)
    if tag_text and ("${" in tag_text or "{{" in tag_text):
        return None
    digest = bool(tag_text and "@sha256:" in tag_text)
    field = (*ref.field, "tag") if tag is not None else ref.field
    return Image(obj, field, repository, (tag_text.split("@")[0] if tag_text else None), digest, False)


# Flux image-automation setter marker: `# {"$imagepolicy": "<namespace>:<policy>[:tag|:name|:digest]"}`
# after the field it sets (image-automation-controller rewrites the field's value in Git)
SETTER = re.compile(r'#\s*\{\s*"\$imagepolicy"\s*:\s*"([^"]*)"\s*\}')


def setter_marker(ctx: Context, path: str, span: Span, read: dict[str, list[str]]) -> tuple[str, str] | None:
    """(ImagePolicy namespace/name, part it sets: '' for the whole reference, 'tag', 'name',
    'digest') of the setter marker on the source line of the value at `span` in `path`; None
    without one. `read`: the lines of the files read so far (each file is read once)."""
    if path not in read:
        text = ctx.repo.read_text(path)
        read[path] = text.split("\n") if text is not None else []
    lines = read[path]
    line = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    found = SETTER.search(line[span.end_column - 1 :] if span.end_line == span.line else "")
    if found is None:
        return None
    parts = found.group(1).split(":")
    if len(parts) == 2 and all(parts):
        return f"{parts[0]}/{parts[1]}", ""
    if len(parts) == 3 and all(parts[:2]) and parts[2] in ("tag", "name", "digest"):
        return f"{parts[0]}/{parts[1]}", parts[2]
    return None


def _at(ctx: Context, rule: str, image: Image, message: str, fix: str) -> Finding:
    """A finding at the image: in its object, or where a `valuesFrom` entry writes it (the
    message says where; the HelmRelease's file is related)."""
    obj, written = image.obj, image.written
    if written is None:
        return ctx.at(rule, obj, image.field, message, fix=fix)
    key = f"{obj.kind}/{obj.name}/{'.'.join(map(str, image.field))}/{message}"
    related = [obj.path] if obj.path != written.path else []
    finding = ctx.finding(rule, written.path, written.span(), message, fix=fix, key=key, related=related)
    return ctx.held(finding, ctx.suspension(obj, image.field, rule))


def _named(image: Image) -> str:
    """`image <reference>`, and where a `valuesFrom` entry sets it."""
    where = f" (set in {image.written.label})" if image.written is not None else ""
    return f"image {image.image}{where}"


@check("HL503")
def unpinned_image(ctx: Context) -> Iterator[Finding]:
    read: dict[str, list[str]] = {}
    for image in _images(ctx):
        obj, tag, whole = image.obj, image.tag, image.whole
        if image.digest:
            continue
        if tag is None:
            problem = "has no tag, so it means ':latest'"
        elif tag == "latest":
            problem = "uses the tag 'latest'"
        else:
            continue
        marker = None
        if whole or tag is not None:
            if image.written is None:
                marker = setter_marker(ctx, *ctx.repo.locate(obj, image.field), read)
            elif image.marked:
                marker = setter_marker(ctx, image.written.path, image.written.span(), read)
        # the marker sets what the field holds: the whole reference, or a `tag:` field's tag
        if marker is not None and marker[1] == ("" if whole else "tag"):
            part = "image reference" if whole else "tag"
            finding = _at(
                ctx,
                "HL503",
                image,
                f"{obj.kind} {obj.name}: {_named(image)} {problem}, but its Flux image-automation marker (ImagePolicy "
                f"{marker[0]}) manages the {part}: image-automation-controller writes the policy's latest {part} into "
                "this field in Git (when an ImageUpdateAutomation covers this file)",
                "commit the tag the ImagePolicy selects, so the first apply does not pull ':latest'",
            )
            finding.severity = "info"
            yield finding
            continue
        yield _at(
            ctx,
            "HL503",
            image,
            f"{obj.kind} {obj.name}: {_named(image)} {problem} and changes under you",
            "pin a version tag (and ideally a digest: tag@sha256:...)",
        )


@check("HL504")
def image_without_digest(ctx: Context) -> Iterator[Finding]:
    for image in _images(ctx):
        if not image.digest and image.tag not in (None, "latest"):
            reference = image.image if image.whole else f"{image.image}:{image.tag}"  # a whole reference holds its tag
            where = f" (set in {image.written.label})" if image.written is not None else ""
            yield _at(
                ctx,
                "HL504",
                image,
                f"{image.obj.kind} {image.obj.name}: image {reference}{where} has no digest; tags can be re-pushed",
                "append @sha256:<digest> (Renovate can maintain it)",
            )
