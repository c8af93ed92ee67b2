"""Manifests Flux's builds never read though they sit below a folder Flux builds: a file in a
subfolder without a kustomization, which no entry of the kustomization above reaches (HL102's second
case). HL102 reports such a file; the producer checks (HL401, HL403, HL405) do not count what it
defines as made, as they do for a file its own folder's kustomization does not list."""

from __future__ import annotations

import fnmatch
import posixpath

from homelint.core.context import Context
from homelint.core.model import K8sObject
from homelint.core.regex import linear
from homelint.core.substitution import resolve
from homelint.model.flux import FLUX_KS_GROUP, FluxKS
from homelint.model.kustomize import KustomizeDir, inside, join


def builders(ctx: Context) -> dict[str, list[FluxKS]]:
    """Folder -> the Flux Kustomizations whose build reads it, in model order (once per run)."""

    def build() -> dict[str, list[FluxKS]]:
        out: dict[str, list[FluxKS]] = {}
        for ks in ctx.flux.kustomizations:
            for directory in ks.dirs:
                out.setdefault(directory, []).append(ks)
        return out

    return ctx.repo.memo("rules.builders", build)


def set_aside_owner(ctx: Context, path: str) -> KustomizeDir | None:
    """The kustomization above a manifest file in a subfolder without one, which Flux builds
    without reaching the file (UnlistedBelow.owner: what HL102 reports); None for any other file."""
    repo = ctx.repo
    if posixpath.dirname(path) in repo.kustomize_dirs:
        return None
    kd = unlisted_below(ctx).owner(path)
    if kd is None or kd.dir not in ctx.flux.reached_dirs or repo.invalid_yaml(kd.file):
        return None
    return kd


TEMPLATED_PART = r"\$\{[^}]*\}|<<.*?>>"  # on RE2 (core.regex.linear): a path of many `${` is linear


def written_paths(ctx: Context) -> tuple[set[str], set[str]]:
    """The spec.path of every Flux Kustomization written in the repository or in the resources of
    a ResourceSet the model could not render, as written: (the exact folders, the glob patterns of
    those with a `${VAR}` or a `<< >>` action, which may stand for any folder they match). Read once
    per run."""

    def build() -> tuple[set[str], set[str]]:
        from homelint.model.refs import resource_set_objects  # start-up: only these checks need it
        from homelint.model.resourcesets import is_resource_set, rendered_kustomizations  # likewise

        paths: set[str] = set()
        patterns: set[str] = set()
        raws = [obj.spec.get("path") for obj in all_flux_ks(ctx)]
        raws += [  # the Kustomizations of a ResourceSet the model could not render (it follows the others)
            made.spec.get("path")
            for obj in ctx.repo.objects
            if is_resource_set(obj) and rendered_kustomizations(obj).unrendered
            for made in resource_set_objects(obj)
            if made.kind == "Kustomization" and made.group == FLUX_KS_GROUP
        ]
        for raw in raws:
            if not isinstance(raw, str):
                continue
            resolved = resolve(raw, {})
            if resolved is not None and "<<" not in resolved:
                paths.add(join("", resolved))
            else:  # a variable or a template action: any folder it may stand for
                patterns.add(join("", linear(TEMPLATED_PART).sub("*", raw)))
        return paths, patterns

    return ctx.repo.memo("wiring.written-paths", build)


def all_flux_ks(ctx: Context) -> list[K8sObject]:
    """The Flux Kustomization objects of the repository (not the bodies of patch files)."""
    patches = ctx.repo.patch_files
    return [o for o in ctx.repo.objects if o.kind == "Kustomization" and o.group == FLUX_KS_GROUP and o.path not in patches]


def referenced_somewhere(ctx: Context, directory: str) -> bool:
    kdirs = ctx.repo.kustomize_dirs
    return directory in ctx.repo.memo("entry-targets", lambda: {e.target for kd in kdirs.values() for e in kd.entries})


def folders_between(folder: str, top: str) -> list[str]:
    """`folder` and the folders above it, up to `top` (not included)."""
    out = []
    while folder != top and inside(folder, top):
        out.append(folder)
        folder = posixpath.dirname(folder)
    return out


def unlisted_below(ctx: Context) -> UnlistedBelow:
    """The run's UnlistedBelow, made once (HL102 and the producer checks ask it)."""
    return ctx.repo.memo("rules.unlisted-below", lambda: UnlistedBelow(ctx))


class UnlistedBelow:
    """Manifests in a subfolder without a kustomization, below a folder Flux builds through its
    kustomization.yaml: kustomize reads a folder's subfolders only through entries (a file entry,
    or a folder entry that has its own kustomization), so a file no entry reaches is never applied.
    Not judged (a folder HL101 or HL104 speaks of, or one something else may read):
    - a subfolder holding a Flux Kustomization's file or a kustomization folder that Flux does not
      reach: an app whose wiring HL104 judges (its `ks.yaml` not listed, its folders not built);
      a plain subfolder of an app Flux reaches is judged;
    - a subfolder an entry names (HL101: it has no kustomization);
    - a file below a Flux Kustomization's spec.path (its generated build reads it; one of a
      `${VAR}` or a ResourceSet's `<< >>` path counts for every folder it may name), or below a
      folder that a file which does not parse (HL001) names: it may hold such a Kustomization;
    - inside a Helm chart (a Chart.yaml: its templates and crds are the chart's), in a folder
      pushed as an OCI artifact another cluster pulls, or left out of the artifact of every Flux
      Kustomization that builds the folder (.sourceignore, spec.ignore)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        repo, flux = ctx.repo, ctx.flux
        written, self.patterns = written_paths(ctx)
        self.paths: set[str] = {ks.path for ks in flux.kustomizations if ks.path is not None} | written
        # folders holding (at any depth) a Flux Kustomization's file or a kustomization folder that Flux
        # does not reach: HL104 speaks of them; below a reached app folder, a plain subfolder is unread
        self.apps: set[str] = set()
        applied = flux.applied_files
        for obj in all_flux_ks(ctx):
            if obj.path not in applied:
                self._add_folders(posixpath.dirname(obj.path))
        for kd_dir, kd in repo.kustomize_dirs.items():
            if kd_dir and kd.file not in applied:
                self._add_folders(posixpath.dirname(kd_dir))
        self.unparsed = [text for path in repo.files.yaml_files if repo.invalid_yaml(path) and (text := repo.read_text(path))]
        self.builders = builders(ctx)

    def _add_folders(self, directory: str) -> None:
        while directory and directory not in self.apps:
            self.apps.add(directory)
            directory = posixpath.dirname(directory)

    def owner(self, path: str) -> KustomizeDir | None:
        """The kustomization of the nearest folder above `path` that has one, when Flux builds that
        folder through it and nothing else can read `path` (see the class)."""
        repo, flux = self.ctx.repo, self.ctx.flux
        directory = owner = posixpath.dirname(path)
        while owner and owner not in repo.kustomize_dirs:
            owner = posixpath.dirname(owner)
        between = folders_between(directory, owner)
        kd = repo.kustomize_dirs.get(owner)
        if kd is None or kd.file not in flux.applied_files:
            return None  # no kustomization above it, or none Flux builds (a generated build reads every file)
        files = repo.files.all_files
        if f"{owner}/Chart.yaml" in files:
            return None
        for folder in between:
            if folder in self.apps or folder in self.paths or f"{folder}/Chart.yaml" in files:
                return None
            if referenced_somewhere(self.ctx, folder):
                return None  # an entry names the folder: HL101 says it has no kustomization
            if any(fnmatch.fnmatchcase(folder, p) for p in self.patterns) or any(folder in t for t in self.unparsed):
                return None
        if flux.sources.pushed_elsewhere(directory):
            return None
        arts = [ks.artifact for ks in self.builders.get(owner, [])]
        if arts and all(art is not None and not art.contains(path) for art in arts):
            return None  # .sourceignore / spec.ignore leave it out on purpose
        return kd
