"""HL201's hints: an undefined `${VAR}` that a ConfigMap or Secret of the repository (committed, or
written by an ExternalSecret) has as a key, but that is no substituteFrom source of the
Kustomization, is named in the fix; an info about sources homelint cannot read never claims the
repository defines the variable nowhere."""

from __future__ import annotations

SYNC = """apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {interval: 1m, url: https://example.com/repo.git, ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec: {interval: 10m, path: ./flux, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
"""
VARS_KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: vars, namespace: flux-system}
spec: {interval: 10m, path: ./vars, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
"""
STORE = """apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: store-a}
spec: {provider: {webhook: {url: "http://store.example"}}}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: written-a, namespace: flux-system}
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: store-a}
  target: {name: written-a}
  data:
  - secretKey: VAR_A
    remoteRef: {key: item-a, property: VAR_A}
"""


def _app(source_kind: str, source: str, optional: bool = False) -> str:
    return f"""apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: app-a, namespace: flux-system}}
spec:
  interval: 10m
  path: ./apps/app-a
  prune: true
  sourceRef: {{kind: GitRepository, name: flux-system}}
  postBuild:
    substituteFrom:
    - {{kind: {source_kind}, name: {source}{", optional: true" if optional else ""}}}
"""


def _tree(app: str, vars_yaml: str) -> dict[str, str]:
    return {
        "flux/sync.yaml": SYNC,
        "flux/vars.yaml": VARS_KS,
        "flux/app-a.yaml": app,
        "vars/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "vars/vars.yaml": vars_yaml,
        "apps/app-a/cm.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-a, namespace: ns-a}\ndata: {v: "${VAR_A}"}\n',
    }


def _hl201(check_json, root) -> list[dict]:
    return [f for f in check_json(root)[1] if f["rule"] == "HL201"]


def test_a_source_not_in_the_repository_does_not_make_a_committed_key_defined_nowhere(check_json, repo):
    """app-a substitutes from ConfigMap missing-a, which the repository does not hold; ConfigMap
    vars-a has the key VAR_A: the info says no source it can read defines it, and names vars-a."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-a, namespace: flux-system}\ndata: {VAR_A: value-a}\n"
    (info,) = _hl201(check_json, repo(_tree(_app("ConfigMap", "missing-a", optional=True), cm)))
    assert info["severity"] == "info"
    assert "that no source it can read defines (${VAR_A})" in info["message"]
    assert "nowhere" not in info["message"]
    assert info["fix"].startswith(
        "ConfigMap flux-system/vars-a (vars/vars.yaml) has a key VAR_A but is not a substituteFrom source of this "
        "Kustomization: list it there, or check that the source defines them"
    )
    assert "ExternalSecret" not in info["fix"]  # nothing of the store is unread here
    assert "value-a" not in info["message"] + info["fix"]


def test_a_key_an_external_secret_writes_elsewhere_is_named_in_the_fix(check_json, repo):
    """VAR_A is not in app-a's source vars-b, but ExternalSecret written-a writes it into Secret
    written-a: the error's fix names that Secret and the ExternalSecret's file."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-b, namespace: flux-system}\ndata: {VAR_B: b}\n---\n" + STORE
    (error,) = _hl201(check_json, repo(_tree(_app("ConfigMap", "vars-b"), cm)))
    assert error["message"].startswith("${VAR_A} is not defined for Kustomization flux-system/app-a")
    assert error["fix"].startswith(
        "Secret flux-system/written-a (written by ExternalSecret written-a, vars/vars.yaml) has a key VAR_A but is not "
        "a substituteFrom source of this Kustomization"
    )


def test_the_external_secret_of_the_source_itself_is_not_named(check_json, repo):
    """app-a substitutes from Secret written-a, which the ExternalSecret writes with VAR_A: defined,
    so no HL201 at all (the hint never names a Kustomization's own source)."""
    assert _hl201(check_json, repo(_tree(_app("Secret", "written-a"), STORE))) == []


def test_an_object_in_the_same_file_as_the_source_is_still_named(check_json, repo):
    """ConfigMap vars-other shares vars/vars.yaml with app-a's source vars-b; it has VAR_A: the fix
    names it (objects are told apart by document, not by file)."""
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-b, namespace: flux-system}\ndata: {VAR_B: b}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-other, namespace: flux-system}\ndata: {VAR_A: a}\n"
    )
    (error,) = _hl201(check_json, repo(_tree(_app("ConfigMap", "vars-b"), text)))
    assert error["fix"].startswith("ConfigMap flux-system/vars-other (vars/vars.yaml) has a key VAR_A")


PATCHING_ROOT = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 10m
  path: ./flux
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  patches:
    - target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization, name: app-a}
      patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: {name: not-used}
        spec:
          postBuild:
            substituteFrom:
              - {kind: ConfigMap, name: missing-a, optional: true}
"""


def test_a_source_a_parents_patch_drops_is_said_to_be_dropped_at_postbuild(check_json, repo):
    """app-a lists ConfigMap vars-a (which has VAR_A), but the root's strategic-merge patch replaces
    its substituteFrom with an optional ConfigMap the repository lacks (HL121): the info sits at
    postBuild, not at the dropped entry, and its fix says the list is replaced, not 'list it there'."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-a, namespace: flux-system}\ndata: {VAR_A: value-a}\n"
    files = _tree(_app("ConfigMap", "vars-a"), cm)
    files["flux/sync.yaml"] = SYNC.split("---\n")[0] + "---\n" + PATCHING_ROOT
    found = check_json(repo(files))[1]
    (info,) = [f for f in found if f["rule"] == "HL201"]
    assert (info["path"], info["line"]) == ("flux/app-a.yaml", 9)  # postBuild:
    assert "this Kustomization lists it in its substituteFrom, but a parent's patch replaces that list (HL121)" in info["fix"]
    assert "list it there" not in info["fix"]


def test_kustomizations_that_looked_in_different_places_are_each_told_where(check_json, repo):
    """One use undefined for two Kustomizations: app-a also read ConfigMap vars-a, app-b only its
    inline substitute; the message says which looked where, not the first one's places for both."""
    from .conftest import flux_ks, flux_root

    vars_a = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-a, namespace: flux-system}\ndata: {OTHER: x}\n"
    inline = "  postBuild:\n    substitute:\n      APP: a\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/vars.yaml": vars_a,
        "apps/ks.yaml": flux_ks("app-a", "./shared", inline + "    substituteFrom:\n      - {kind: ConfigMap, name: vars-a}\n")
        + "---\n"
        + flux_ks("app-b", "./shared", inline + "  targetNamespace: ns-b\n"),
        "shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\ndata: {v: '${MISSING}'}\n",
    }
    _, found = check_json(repo(files), "--select", "HL201")
    (finding,) = found
    assert (
        "(looked in: postBuild.substitute, ConfigMap vars-a for Kustomization flux-system/app-a; "
        "postBuild.substitute for Kustomization flux-system/app-b)"
    ) in finding["message"]


def test_a_whole_value_left_undefined_becomes_null_and_a_part_an_empty_string(check_json, repo):
    """kustomize writes `${MISSING}` unquoted, so Flux's substitution of the serialized YAML leaves
    an empty plain scalar: null. Inside a longer value it is an empty string."""
    from .conftest import flux_ks, flux_root

    files = {
        ".homelint.yaml": "flux:\n  strict-substitution: false\n",  # as Flux before 2.9 substitutes
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ks.yaml": flux_ks("app-a", "./app-a", "  postBuild:\n    substitute:\n      APP: a\n"),
        "app-a/cm.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: flux-system}\n"
            "data:\n  whole: '${MISSING}'\n  part: 'x-${MISSING}'\n"
        ),
    }
    _, found = check_json(repo(files), "--select", "HL201")
    by_line = {f["line"]: f["message"] for f in found}
    assert "it becomes empty, so the value is null" in by_line[5]
    assert "it becomes an empty string" in by_line[6]


def test_a_secret_only_its_own_build_writes_is_not_offered_as_a_source(check_json, repo):
    """Listed under substituteFrom, a Secret that only app-a's own build writes would be read before
    anything makes it (HL207): the fix does not offer it (theiam79); written by another
    Kustomization's build, it is offered."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-b, namespace: flux-system}\ndata: {VAR_B: b}\n"
    files = _tree(_app("ConfigMap", "vars-b"), cm)
    files["apps/app-a/store.yaml"] = STORE
    (error,) = _hl201(check_json, repo(files))
    assert "written-a" not in error["fix"]
    assert error["fix"].startswith("define VAR_A in postBuild.substitute")
    del files["apps/app-a/store.yaml"]
    files["vars/store.yaml"] = STORE
    (error,) = _hl201(check_json, repo(files))
    assert error["fix"].startswith("Secret flux-system/written-a (written by ExternalSecret written-a, vars/store.yaml)")


def test_a_variable_in_a_script_is_offered_the_escape(check_json, repo):
    """In a text of several lines (a script a ConfigMap holds) the variable may be the script's own:
    the fix says how to keep it from Flux ($${VAR}, or the substitute: disabled label) (theiam79)."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vars-b, namespace: flux-system}\ndata: {VAR_B: b}\n"
    files = _tree(_app("ConfigMap", "vars-b"), cm)
    script = '#!/bin/sh\\necho \\"${VAR_A}\\"\\n'
    files["apps/app-a/cm.yaml"] = (
        f'apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app-a, namespace: ns-a}}\ndata: {{run.sh: "{script}"}}\n'
    )
    (error,) = _hl201(check_json, repo(files))
    assert error["fix"].endswith(
        "; if the text expands ${VAR_A} itself (a shell script), write $${VAR_A}, which Flux turns into ${VAR_A}, "
        "or label the object kustomize.toolkit.fluxcd.io/substitute: disabled"
    )
    files["apps/app-a/cm.yaml"] = (
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-a, namespace: ns-a}\ndata: {v: "${VAR_A}"}\n'
    )
    (error,) = _hl201(check_json, repo(files))
    assert "$${VAR_A}" not in error["fix"]  # one line: a value Flux is meant to fill
