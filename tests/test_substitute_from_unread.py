"""HL401/HL405 for a substituteFrom source: kustomize-controller reads the sources once for each
object of the build it substitutes into, after skipping those marked
`kustomize.toolkit.fluxcd.io/substitute: disabled` (fluxcd/pkg kustomize SubstituteVariables). A
build with no such object never reads them, so a missing source fails nothing; a build homelint
does not know whole keeps the error."""

from __future__ import annotations

import pytest

from .conftest import flux_ks, flux_root

CM_DISABLED = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\n  annotations:\n"
    "    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  k: v\n"
)
CM_PLAIN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\n  namespace: ns-a\ndata:\n  k: v\n"
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n"
KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
SOURCE = "  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: vars-a\n"


def _hl401(check_json, repo, app: dict[str, str]) -> list[tuple[str, int]]:
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": KUSTOMIZATION + "  - ns.yaml\n  - app-a.yaml\n",
        "apps/ns.yaml": NAMESPACE,
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", SOURCE),
        **{f"app-a/{name}": text for name, text in app.items()},
    }
    return [(f["path"], f["line"]) for f in check_json(repo(files), "--select", "HL401")[1]]


@pytest.mark.parametrize(
    "app",
    [
        {"kustomization.yaml": KUSTOMIZATION + "  - cm.yaml\n", "cm.yaml": CM_DISABLED},  # each object disabled
        {"kustomization.yaml": KUSTOMIZATION.replace("resources:\n", "resources: []\n")},  # nothing built
    ],
    ids=["every-object-disabled", "empty-build"],
)
def test_a_build_with_nothing_to_substitute_never_reads_its_sources(check_json, repo, app):
    assert _hl401(check_json, repo, app) == []


@pytest.mark.parametrize(
    "app",
    [
        {"kustomization.yaml": KUSTOMIZATION + "  - cm.yaml\n  - plain.yaml\n", "cm.yaml": CM_DISABLED, "plain.yaml": CM_PLAIN},
        # a remote entry may bring objects homelint does not see
        {"kustomization.yaml": KUSTOMIZATION + "  - cm.yaml\n  - https://example.invalid/base\n", "cm.yaml": CM_DISABLED},
    ],
    ids=["one-object-substituted", "remote-entry"],
)
def test_a_build_that_may_substitute_keeps_the_error(check_json, repo, app):
    assert _hl401(check_json, repo, app) == [("apps/app-a.yaml", 15)]
