"""Names kustomize's namePrefix/nameSuffix give (model/flux.py): a child Flux Kustomization is the
object its build makes, by its prefixed name; selectors find an object by its current name or the
one it was written with (patch targets: kustomize resmap Select), or by any name it had (strategic
merge patches, replacements, generator merge: previous ids). Expected results: kubectl kustomize 5.8.1."""

from __future__ import annotations

from typing import Any

from .conftest import GOTK, flux_ks


def _cm(name: str, data: str = "{a: b}") -> str:
    return f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: ns-a}}\ndata: {data}\n"


def _model(root: Any) -> Any:
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    repo, _ = load_repo(root, load_config(root), use_cache=False)
    return repo.flux


def _applied(root: Any, ks_name: str = "apps") -> dict[str, tuple[str, Any]]:
    """name -> (namespace, data) of what the Kustomization `ks_name` applies."""
    flux = _model(root)
    (ks,) = [k for k in flux.kustomizations if k.obj is not None and k.name == ks_name]
    return {a.name: (a.ns, a.obj.data.get("data")) for a in ks.applied}


def _repo(repo: Any, files: dict[str, str], extra: str = "") -> Any:
    return repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./apps/top", extra),
            **files,
        }
    )


# --- child Flux Kustomizations are applied by their prefixed names ---------------------------------


def test_hl105_a_child_kustomization_is_found_by_its_prefixed_name(check_json, repo):
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps", "./apps"),
            "clusters/main/other.yaml": flux_ks("other", "./apps/app-b/app", "  dependsOn:\n    - name: team-app-a\n"),
            "apps/kustomization.yaml": "namespace: flux-system\nnamePrefix: team-\nresources: [app-a.yaml, app-b.yaml]\n",
            "apps/app-a.yaml": flux_ks("app-a", "./apps/app-a/app"),
            "apps/app-b.yaml": flux_ks("app-b", "./apps/app-b/app", "  dependsOn:\n    - name: app-a\n"),
            "apps/app-a/app/cm.yaml": _cm("cm-a"),
            "apps/app-b/app/cm.yaml": _cm("cm-b"),
        }
    )
    names = {ks.key for ks in _model(root).kustomizations if ks.obj is not None}
    assert names == {
        "flux-system/flux-system",
        "flux-system/apps",
        "flux-system/other",
        "flux-system/team-app-a",
        "flux-system/team-app-b",
    }
    _, findings = check_json(root)
    # kustomize does not rewrite spec.dependsOn: app-b's 'app-a' names no Kustomization
    assert [(f["path"], f["message"].split(";")[0]) for f in findings if f["rule"] == "HL105"] == [
        ("apps/app-b.yaml", "dependsOn Kustomization 'flux-system/app-a' does not exist")
    ]


def test_a_folder_built_under_two_prefixes_makes_two_kustomizations(repo):
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": flux_ks("apps-a", "./apps/a") + flux_ks("apps-b", "./apps/b"),
            "apps/a/kustomization.yaml": "namespace: flux-system\nnamePrefix: a-\nresources: [../shared]\n",
            "apps/b/kustomization.yaml": "namespace: flux-system\nnamePrefix: b-\nresources: [../shared]\n",
            "apps/shared/kustomization.yaml": "resources: [ks.yaml]\n",
            "apps/shared/ks.yaml": flux_ks("app-a", "./apps/app-a"),
            "apps/app-a/cm.yaml": _cm("cm-a"),
        }
    )
    names = sorted(ks.name for ks in _model(root).kustomizations if ks.obj is not None and ks.obj.path == "apps/shared/ks.yaml")
    assert names == ["a-app-a", "b-app-a"]


# --- selectors by prefixed names -------------------------------------------------------------------

BASE = {
    "apps/base/kustomization.yaml": "namePrefix: blue-\nresources: [cm.yaml]\n",
    "apps/base/cm.yaml": "".join(_cm(f"cm-{c}") for c in "abc") + _cm("vars", "{a: ns-b}"),
}


def test_an_overlay_selects_by_the_prefixed_name(check_json, repo):
    root = _repo(
        repo,
        {
            **BASE,
            "apps/base/kustomization.yaml": "namePrefix: blue-\nresources: [cm.yaml, deploy.yaml]\n",
            "apps/base/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-a, namespace: ns-a}\n"
            "spec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n"
            "    spec:\n      containers: [{name: main, image: 'nginx:latest'}]\n",
            "apps/top/kustomization.yaml": "resources: [../base]\npatches:\n"
            "  - target: {kind: Deployment, name: blue-app-a}\n    patch: |-\n"
            "      - {op: replace, path: /spec/template/spec/containers/0/image, value: 'nginx:1.27.0'}\n"
            "  - target: {kind: ConfigMap, name: 'blue-cm-[a]'}\n    patch: |-\n"
            "      - {op: add, path: /data/regex, value: 'yes'}\n"
            "  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: blue-cm-b, namespace: ns-a}\n"
            "      data: {smp: 'yes'}\n"
            "replacements:\n  - source: {kind: ConfigMap, name: blue-vars, fieldPath: data.a}\n    targets:\n"
            "      - select: {kind: ConfigMap, name: 'blue-cm-.*'}\n        reject: [{name: blue-cm-a}]\n"
            "        fieldPaths: [metadata.namespace]\n",
        },
    )
    applied = _applied(root)
    assert applied["blue-cm-a"] == ("ns-a", {"a": "b", "regex": "yes"})
    assert applied["blue-cm-b"] == ("ns-b", {"a": "b", "smp": "yes"})
    assert applied["blue-cm-c"] == ("ns-b", {"a": "b"})
    _, findings = check_json(root)
    assert [f for f in findings if f["rule"] == "HL503"] == []  # the image the patch pins


def test_a_patch_target_selects_by_the_current_or_the_written_name_only(repo):
    root = _repo(
        repo,
        {
            **BASE,
            "apps/mid/kustomization.yaml": "namePrefix: mid-\nresources: [../base]\n",
            "apps/top/kustomization.yaml": "resources: [../mid]\npatches:\n"
            + "".join(
                f"  - target: {{kind: ConfigMap, name: {name}}}\n    patch: |-\n      - {{op: add, path: /data/{key}, value: x}}\n"
                for name, key in (("blue-cm-a", "between"), ("mid-blue-cm-b", "current"), ("cm-c", "written"))
            ),
        },
    )
    applied = _applied(root)
    assert applied["mid-blue-cm-a"][1] == {"a": "b"}  # a name between is not a patch target's
    assert applied["mid-blue-cm-b"][1] == {"a": "b", "current": "x"}
    assert applied["mid-blue-cm-c"][1] == {"a": "b", "written": "x"}


def test_a_strategic_merge_patch_replacement_and_generator_merge_select_by_a_name_between(repo):
    root = _repo(
        repo,
        {
            **BASE,
            "apps/mid/kustomization.yaml": "namePrefix: mid-\nresources: [../base]\n",
            "apps/top/kustomization.yaml": "resources: [../mid]\npatches:\n"
            "  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: blue-cm-a, namespace: ns-a}\n"
            "      data: {smp: 'yes'}\n"
            "replacements:\n  - source: {kind: ConfigMap, name: blue-vars, fieldPath: data.a}\n    targets:\n"
            "      - select: {kind: ConfigMap, name: blue-cm-b}\n        fieldPaths: [metadata.namespace]\n"
            "configMapGenerator:\n  - name: blue-cm-c\n    namespace: ns-a\n    behavior: merge\n    literals: [merged=yes]\n",
        },
    )
    applied = _applied(root)
    assert applied["mid-blue-cm-a"] == ("ns-a", {"a": "b", "smp": "yes"})
    assert applied["mid-blue-cm-b"] == ("ns-b", {"a": "b"})
    assert applied["mid-blue-cm-c"] == ("ns-a", {"a": "b", "merged": "yes"})


def test_a_rename_sets_the_whole_name_and_replacements_run_after_the_prefix(repo):
    root = _repo(
        repo,
        {
            **BASE,
            "apps/top/kustomization.yaml": "namePrefix: top-\nresources: [../base]\npatches:\n"
            "  - target: {kind: ConfigMap, name: blue-cm-a}\n    patch: |-\n"
            "      - {op: replace, path: /metadata/name, value: renamed}\n"
            "replacements:\n  - source: {kind: ConfigMap, name: top-blue-vars, fieldPath: metadata.name}\n    targets:\n"
            "      - select: {kind: ConfigMap, name: top-blue-cm-b}\n        fieldPaths: [data.a]\n",
        },
    )
    applied = _applied(root)
    assert applied["top-renamed"] == ("ns-a", {"a": "b"})  # not top-blue-renamed
    assert applied["top-blue-cm-b"] == ("ns-a", {"a": "top-blue-vars"})


def test_flux_patches_run_before_the_prefix_of_the_kustomization_at_its_path(repo):
    patches = "".join(
        f"    - target: {{kind: ConfigMap, name: {name}}}\n      patch: |-\n"
        f"        - {{op: replace, path: /metadata/name, value: {value}}}\n"
        for name, value in (("top-blue-cm-a", "by-final-name"), ("blue-cm-b", "by-current-name"))
    )
    root = _repo(
        repo, {**BASE, "apps/top/kustomization.yaml": "namePrefix: top-\nresources: [../base]\n"}, f"  patches:\n{patches}"
    )
    names = set(_applied(root))
    assert names == {"top-blue-cm-a", "top-by-current-name", "top-blue-cm-c", "top-blue-vars"}


# --- kustomize compares ids by the names the affixes gave ----------------------------------------


def _hl108(check_json: Any, root: Any) -> list[tuple[str, str]]:
    _, findings = check_json(root, "--select", "HL108")
    return [(f["path"], f["message"].split(" is applied twice")[0]) for f in findings]


def test_hl108_one_base_under_two_prefixes_is_two_objects(check_json, repo):
    """kubectl kustomize builds a-cm-a and b-cm-a from one base reached through two prefixes."""
    root = _repo(
        repo,
        {
            "apps/top/kustomization.yaml": "resources: [../a, ../b]\n",
            "apps/a/kustomization.yaml": "namePrefix: a-\nresources: [../base]\n",
            "apps/b/kustomization.yaml": "namePrefix: b-\nresources: [../base]\n",
            "apps/base/kustomization.yaml": "resources: [cm.yaml]\n",
            "apps/base/cm.yaml": _cm("cm-a"),
        },
    )
    assert _hl108(check_json, root) == []
    assert sorted(_applied(root)) == ["a-cm-a", "b-cm-a"]


def test_hl108_a_prefix_that_makes_an_existing_name_collides(check_json, repo):
    """kubectl kustomize: 'may not add resource with an already registered id' for a-cm-a."""
    root = _repo(
        repo,
        {
            "apps/top/kustomization.yaml": "resources: [../a, cm.yaml]\n",
            "apps/top/cm.yaml": _cm("a-cm-a"),
            "apps/a/kustomization.yaml": "namePrefix: a-\nresources: [cm.yaml]\n",
            "apps/a/cm.yaml": _cm("cm-a"),
        },
    )
    assert _hl108(check_json, root) == [("apps/top/cm.yaml", "ConfigMap 'ns-a/a-cm-a'")]
