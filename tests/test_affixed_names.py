"""Names kustomize's namePrefix/nameSuffix give (model/flux.py): a child Flux Kustomization is the
object its build makes, by its prefixed name. Expected results: kubectl kustomize 5.8.1."""

from __future__ import annotations

from typing import Any

from .conftest import GOTK


def _ks(name: str, path: str, extra: str = "") -> str:
    return (
        f"---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n"
        f"  namespace: flux-system\nspec:\n  interval: 1h\n  path: {path}\n  prune: true\n"
        f"  sourceRef: {{kind: GitRepository, name: flux-system, namespace: flux-system}}\n{extra}"
    )


def _cm(name: str, data: str = "{a: b}") -> str:
    return f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: ns-a}}\ndata: {data}\n"


def _model(root: Any) -> Any:
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    repo, _ = load_repo(root, load_config(root), use_cache=False)
    return repo.flux


# --- child Flux Kustomizations are applied by their prefixed names ---------------------------------


def test_hl105_a_child_kustomization_is_found_by_its_prefixed_name(check_json, repo):
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/apps.yaml": _ks("apps", "./apps"),
            "clusters/main/other.yaml": _ks("other", "./apps/app-b/app", "  dependsOn:\n    - name: team-app-a\n"),
            "apps/kustomization.yaml": "namespace: flux-system\nnamePrefix: team-\nresources: [app-a.yaml, app-b.yaml]\n",
            "apps/app-a.yaml": _ks("app-a", "./apps/app-a/app"),
            "apps/app-b.yaml": _ks("app-b", "./apps/app-b/app", "  dependsOn:\n    - name: app-a\n"),
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
            "clusters/main/apps.yaml": _ks("apps-a", "./apps/a") + _ks("apps-b", "./apps/b"),
            "apps/a/kustomization.yaml": "namespace: flux-system\nnamePrefix: a-\nresources: [../shared]\n",
            "apps/b/kustomization.yaml": "namespace: flux-system\nnamePrefix: b-\nresources: [../shared]\n",
            "apps/shared/kustomization.yaml": "resources: [ks.yaml]\n",
            "apps/shared/ks.yaml": _ks("app-a", "./apps/app-a"),
            "apps/app-a/cm.yaml": _cm("cm-a"),
        }
    )
    names = sorted(ks.name for ks in _model(root).kustomizations if ks.obj is not None and ks.obj.path == "apps/shared/ks.yaml")
    assert names == ["a-app-a", "b-app-a"]
