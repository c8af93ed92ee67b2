"""Which objects kustomize patches, and when a patch fails the build (HL114) or changes nothing
(HL115). A strategic-merge patch without `target:` is found by its id (resmap GetById): apiVersion
group and version, kind, name and namespace (none is `default`), against every id the object had
before the patch runs; the same kustomization's `namespace:` (and a Flux targetNamespace),
namePrefix and nameSuffix run after its patches. Every document of an inline patch applies.
Expected results: kubectl kustomize 5.8.1 (checked again here where kubectl is installed)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import GOTK, flux_ks

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n"
HR = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: hr\n  namespace: default\nspec:\n"
    "  interval: 1h\n  chart:\n    spec: {chart: c, version: 1.0.0, sourceRef: {kind: HelmRepository, name: r}}\n"
)
CLUSTER_ROLE = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules: []\n"


def _indent(text: str, by: int) -> str:
    return "".join(" " * by + line + "\n" for line in text.strip("\n").splitlines())


def _smp(body: str, target: str = "", indent: int = 2) -> str:
    """A `patches:` entry (`indent`: of its dash) holding `body` inline, with `target` if given."""
    pad = " " * indent
    head = f"{pad}- target: {target}\n{pad}  patch: |-\n" if target else f"{pad}- patch: |-\n"
    return head + _indent(body, indent + 4)


def _cm_patch(namespace: str | None = None, name: str = "cm", api: str | None = "v1", key: str = "c") -> str:
    meta = f"  name: {name}\n" + (f"  namespace: {namespace}\n" if namespace is not None else "")
    return (f"apiVersion: {api}\n" if api else "") + f"kind: ConfigMap\nmetadata:\n{meta}data:\n  {key}: d\n"


def _app(kustomization: str, files: dict[str, str] | None = None, spec: str = "") -> dict[str, str]:
    """A Flux Kustomization `app` of ./apps/app (`spec`: more lines of its spec), whose
    kustomization lists cm.yaml unless it says otherwise."""
    return {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/app.yaml": flux_ks("app", "./apps/app", spec),
        "apps/app/kustomization.yaml": kustomization,
        "apps/app/cm.yaml": CM,
        **(files or {}),
    }


def _found(check_json: Any, root: Any, rule: str) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["message"]) for f in check_json(root)[1] if f["rule"] == rule]


def _oracle_errors(root: Any) -> dict[str, str] | None:
    """Flux Kustomization label -> kustomize's error, for each build real kustomize fails (None
    where kubectl, the test extra, is not installed)."""
    from .oracle import find_kubectl, run_oracle

    kubectl = find_kubectl()
    if kubectl is None:
        return None
    return {n.label: n.detail for n in run_oracle(root, kubectl=kubectl).nodes if n.status == "error"}


def _applied(root: Any) -> dict[tuple[str, str], Any]:
    """(kind, name) -> data of each object the Flux Kustomization `app` applies, as the model builds it."""
    from homelint.engine.runner import load_repo
    from homelint.model.config import load_config

    repo, _ = load_repo(root, load_config(root), use_cache=False)
    (ks,) = [k for k in repo.flux.kustomizations if k.obj is not None and k.name == "app"]
    return {(a.obj.kind, a.obj.name): a.obj.data for a in ks.applied}


BASE_IN_NS = "namespace: base-ns\nresources:\n  - ../cm.yaml\n"  # apps/app/base: puts cm in base-ns
GENERATED = "configMapGenerator:\n  - name: cm\n    literals: [a=b]\n"
COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n" + _smp(_cm_patch("prod"))

# (kustomization, more files, more spec lines of the Flux Kustomization, line of the finding, kustomize's id)
FAILS: dict[str, tuple[str, dict[str, str], str, tuple[str, int], str]] = {
    "another apiVersion version (a HelmRelease patch left at v2beta1)": (
        "resources:\n  - ./hr.yaml\npatches:\n"
        + _smp(HR.split("spec:")[0].replace("/v2\n", "/v2beta1\n") + "spec:\n  timeout: 10m\n"),
        {"apps/app/hr.yaml": HR},
        "",
        ("apps/app/kustomization.yaml", 4),
        "HelmRelease.v2beta1.helm.toolkit.fluxcd.io/hr.default",
    ),
    "no apiVersion": (
        "resources:\n  - ./cm.yaml\npatches:\n" + _smp(_cm_patch(api=None)),
        {},
        "",
        ("apps/app/kustomization.yaml", 4),
        "ConfigMap.[noVer].[noGrp]/cm.[noNs]",
    ),
    "another namespace than the object's": (
        "resources:\n  - ./cm.yaml\npatches:\n" + _smp(_cm_patch("other")),
        {},
        "",
        ("apps/app/kustomization.yaml", 4),
        "ConfigMap.v1.[noGrp]/cm.other",
    ),
    "the namespace the same kustomization's namespace: sets later": (
        "namespace: prod\nresources:\n  - ./cm.yaml\npatches:\n" + _smp(_cm_patch("prod")),
        {},
        "",
        ("apps/app/kustomization.yaml", 5),
        "ConfigMap.v1.[noGrp]/cm.prod",
    ),
    "the namespace the Flux targetNamespace sets later": (
        "resources:\n  - ./cm.yaml\npatches:\n" + _smp(_cm_patch("prod")),
        {},
        "  targetNamespace: prod\n",
        ("apps/app/kustomization.yaml", 4),
        "ConfigMap.v1.[noGrp]/cm.prod",
    ),
    "a Flux spec.patches entry naming the targetNamespace": (
        "resources:\n  - ./cm.yaml\n",
        {},
        "  targetNamespace: prod\n  patches:\n" + _smp(_cm_patch("prod"), indent=4),
        ("clusters/main/app.yaml", 14),
        "ConfigMap.v1.[noGrp]/cm.prod",
    ),
    "the name the same kustomization's namePrefix gives later": (
        "namePrefix: p-\nresources:\n  - ./cm.yaml\npatches:\n" + _smp(_cm_patch(name="p-cm")),
        {},
        "",
        ("apps/app/kustomization.yaml", 5),
        "ConfigMap.v1.[noGrp]/p-cm.[noNs]",
    ),
    "a generated object, the namespace its kustomization sets later": (
        "namespace: prod\n" + GENERATED + "patches:\n" + _smp(_cm_patch("prod")),
        {},
        "",
        ("apps/app/kustomization.yaml", 6),
        "ConfigMap.v1.[noGrp]/cm.prod",
    ),
    "a Component's patch, the namespace the including kustomization sets later": (
        "namespace: prod\nresources:\n  - ./cm.yaml\ncomponents:\n  - ./comp\n",
        {"apps/app/comp/kustomization.yaml": COMPONENT},
        "",
        ("apps/app/comp/kustomization.yaml", 4),
        "ConfigMap.v1.[noGrp]/cm.prod",
    ),
    "an overlay naming another namespace than its base sets": (
        "resources:\n  - ./base\npatches:\n" + _smp(_cm_patch("other")),
        {"apps/app/base/kustomization.yaml": BASE_IN_NS},
        "",
        ("apps/app/kustomization.yaml", 4),
        "ConfigMap.v1.[noGrp]/cm.other",
    ),
}


@pytest.mark.parametrize("case", sorted(FAILS))
def test_a_patch_without_target_whose_id_no_object_has_fails_the_build(repo, check_json, case):
    """HL114 at the patch, quoting kustomize's id; real kustomize fails the same build on it."""
    kustomization, files, spec, place, said = FAILS[case]
    root = repo(_app(kustomization, files, spec))
    found = _found(check_json, root, "HL114")
    assert [(path, line) for path, line, _ in found] == [place]
    assert f"'no matches for Id {said}; failed to find unique target for patch {said}'" in found[0][2]
    errors = _oracle_errors(root)
    if errors is not None:
        assert f"no matches for Id {said}" in errors.get("Kustomization flux-system/app", ""), errors


# (kustomization, more files, more spec lines of the Flux Kustomization, what the model's ConfigMap data becomes)
APPLIES: dict[str, tuple[str, dict[str, str], str]] = {
    "no namespace in the object, `default` in the patch": (
        "resources:\n  - ./cm.yaml\npatches:\n" + _smp(_cm_patch("default")),
        {},
        "  targetNamespace: prod\n",
    ),
    "the name as written, before the same kustomization's namePrefix": (
        "namePrefix: p-\nresources:\n  - ./cm.yaml\npatches:\n" + _smp(_cm_patch()),
        {},
        "",
    ),
    "an overlay naming the object as its base found it (no namespace)": (
        "resources:\n  - ./base\npatches:\n" + _smp(_cm_patch()),
        {"apps/app/base/kustomization.yaml": BASE_IN_NS},
        "",
    ),
    "an overlay naming the namespace its base set": (
        "resources:\n  - ./base\npatches:\n" + _smp(_cm_patch("base-ns")),
        {"apps/app/base/kustomization.yaml": BASE_IN_NS},
        "",
    ),
    "a generated object without namespace, `default` in the patch": (
        GENERATED + "patches:\n" + _smp(_cm_patch("default")),
        {},
        "  targetNamespace: prod\n",
    ),
    "a Flux spec.patches entry naming the object as its resources give it": (
        "resources:\n  - ./cm.yaml\n",
        {},
        "  targetNamespace: prod\n  patches:\n" + _smp(_cm_patch(), indent=4),
    ),
}


@pytest.mark.parametrize("case", sorted(APPLIES))
def test_a_patch_without_target_applies_to_the_object_with_its_id(repo, check_json, case):
    """No HL114, and the model patches the object as kustomize does (a key added to its data)."""
    kustomization, files, spec = APPLIES[case]
    root = repo(_app(kustomization, files, spec))
    assert _found(check_json, root, "HL114") == []
    (data,) = [data for (kind, _), data in _applied(root).items() if kind == "ConfigMap"]
    assert data["data"] == {"a": "b", "c": "d"}
    errors = _oracle_errors(root)
    assert errors is None or errors == {}


def test_the_namespace_of_a_kubernetes_cluster_scoped_kind_is_not_compared(repo, check_json):
    """kustomize ignores the namespace in the id of a kind it knows is cluster-scoped (a ClusterRole);
    a custom resource's is compared (its scope is not known to kustomize)."""
    patch = CLUSTER_ROLE.replace("  name: reader\n", "  name: reader\n  namespace: prod\n").replace("[]", "[{verbs: [get]}]")
    root = repo(_app("resources:\n  - ./role.yaml\npatches:\n" + _smp(patch), {"apps/app/role.yaml": CLUSTER_ROLE}))
    assert _found(check_json, root, "HL114") == []
    assert _applied(root)["ClusterRole", "reader"]["rules"] == [{"verbs": ["get"]}]


UNREADABLE = {
    "a target, a body with kind and no metadata": ("apiVersion: v1\nkind: ConfigMap\ndata:\n  c: d\n", "{kind: ConfigMap}"),
    "a target, a body with metadata and no kind": ("metadata:\n  name: cm\ndata:\n  c: d\n", "{kind: ConfigMap}"),
    "a target, a body without metadata.name": ("kind: ConfigMap\nmetadata: {}\ndata:\n  c: d\n", "{kind: ConfigMap}"),
    "no target, a body without kind": ("metadata:\n  name: cm\ndata:\n  c: d\n", ""),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_a_strategic_merge_patch_without_kind_or_name_fails_the_build(repo, check_json, case):
    """kustomize reads a patch that is not a JSON6902 list as strategic-merge patches, each needing
    kind and metadata.name, target or not ('unable to parse SM or JSON patch')."""
    body, target = UNREADABLE[case]
    root = repo(_app("resources:\n  - ./cm.yaml\npatches:\n" + _smp(body, target)))
    found = _found(check_json, root, "HL114")
    assert [(path, line) for path, line, _ in found] == [("apps/app/kustomization.yaml", 4)]
    assert "unable to parse SM or JSON patch" in found[0][2]
    errors = _oracle_errors(root)
    if errors is not None:
        assert "unable to parse SM or JSON patch" in errors.get("Kustomization flux-system/app", ""), errors


def test_a_targeted_patch_needs_a_kind_and_any_name_but_no_apiversion(repo, check_json):
    """With a target, the body's name does not select: `kind` and any `metadata.name` will do."""
    body = "kind: ConfigMap\nmetadata:\n  name: not-used\ndata:\n  c: d\n"
    root = repo(_app("resources:\n  - ./cm.yaml\npatches:\n" + _smp(body, "{kind: ConfigMap}")))
    assert _found(check_json, root, "HL114") == []
    assert _applied(root)["ConfigMap", "cm"]["data"] == {"a": "b", "c": "d"}


def test_a_patchesstrategicmerge_file_without_kind_fails_the_build(repo, check_json):
    root = repo(
        _app("resources:\n  - ./cm.yaml\npatchesStrategicMerge:\n  - ./p.yaml\n", {"apps/app/p.yaml": "metadata:\n  name: cm\n"})
    )
    found = _found(check_json, root, "HL114")
    assert [(path, line) for path, line, _ in found] == [("apps/app/kustomization.yaml", 4)]
    assert "'missing kind in object'" in found[0][2]


SECOND = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  a: b\n"


@pytest.mark.parametrize("where", ["kustomization", "spec.patches"])
def test_every_document_of_an_inline_patch_applies(repo, check_json, where):
    """kustomize applies each document of a multi-document patch without target (a `$patch:
    delete` in the second one deletes its object)."""
    body = _cm_patch() + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n$patch: delete\n"
    own = "resources:\n  - ./cm.yaml\n  - ./s.yaml\n"
    kustomization, spec = (
        (own + "patches:\n" + _smp(body), "") if where == "kustomization" else (own, "  patches:\n" + _smp(body, indent=4))
    )
    root = repo(_app(kustomization, {"apps/app/s.yaml": SECOND}, spec))
    applied = _applied(root)
    assert applied["ConfigMap", "cm"]["data"] == {"a": "b", "c": "d"}
    assert ("Secret", "s") not in applied
    assert _found(check_json, root, "HL114") == []


def test_several_documents_with_a_target_fail_the_build(repo, check_json):
    body = _cm_patch() + "---\n" + SECOND
    root = repo(
        _app("resources:\n  - ./cm.yaml\n  - ./s.yaml\npatches:\n" + _smp(body, "{kind: ConfigMap}"), {"apps/app/s.yaml": SECOND})
    )
    found = _found(check_json, root, "HL114")
    assert [(path, line) for path, line, _ in found] == [("apps/app/kustomization.yaml", 5)]
    assert "Multiple Strategic-Merge Patches in one `patches` entry" in found[0][2]
    errors = _oracle_errors(root)
    if errors is not None:
        assert "Multiple Strategic-Merge Patches" in errors.get("Kustomization flux-system/app", ""), errors


JSON_OP = "- {op: add, path: /data/c, value: d}\n"


@pytest.mark.parametrize(
    ("kustomization", "spec", "place"),
    [
        (
            "namespace: prod\nresources:\n  - ./cm.yaml\npatches:\n" + _smp(JSON_OP, "{kind: ConfigMap, namespace: prod}"),
            "",
            ("apps/app/kustomization.yaml", 5),
        ),
        (
            "resources:\n  - ./cm.yaml\n",
            "  targetNamespace: prod\n  patches:\n" + _smp(JSON_OP, "{kind: ConfigMap, namespace: prod}", 4),
            ("clusters/main/app.yaml", 14),
        ),
    ],
    ids=["namespace:", "targetNamespace"],
)
def test_a_target_namespace_the_same_kustomization_sets_later_selects_nothing(repo, check_json, kustomization, spec, place):
    """A target's namespace is matched against the object's original and current namespace when
    the patch runs: before the namespace of its own kustomization (HL115; kustomize leaves it)."""
    root = repo(_app(kustomization, spec=spec))
    found = _found(check_json, root, "HL115")
    assert [(path, line) for path, line, _ in found] == [place]
    assert "before the namespace:" in found[0][2]
    assert _applied(root)["ConfigMap", "cm"]["data"] == {"a": "b"}


def test_a_target_namespace_default_selects_an_object_without_namespace(repo, check_json):
    """kustomize compares a target's namespace with the object's effective one: none is `default`."""
    root = repo(_app("resources:\n  - ./cm.yaml\npatches:\n" + _smp(JSON_OP, "{kind: ConfigMap, namespace: default}")))
    assert _found(check_json, root, "HL115") == []
    assert _applied(root)["ConfigMap", "cm"]["data"] == {"a": "b", "c": "d"}


def test_a_target_name_is_compared_with_the_name_before_substitution(repo, check_json):
    """An object named `${APP}` keeps that name through the build: a target naming what Flux
    substitutes later selects nothing (HL115), a regular expression selects it."""
    templated = CM.replace("name: cm", "name: ${APP}")
    files = {"apps/app/cm.yaml": templated}
    spec = "  postBuild:\n    substitute: {APP: cm}\n"
    literal = repo(_app("resources:\n  - ./cm.yaml\npatches:\n" + _smp(JSON_OP, "{kind: ConfigMap, name: cm}"), files, spec))
    found = _found(check_json, literal, "HL115")
    assert [(path, line) for path, line, _ in found] == [("apps/app/kustomization.yaml", 4)]
    assert "named '${APP}'" in found[0][2]
    regex = repo(_app("resources:\n  - ./cm.yaml\npatches:\n" + _smp(JSON_OP, "{kind: ConfigMap, name: '.*'}"), files, spec))
    assert _found(check_json, regex, "HL115") == []


RENAME = "- {op: replace, path: /metadata/name, value: cm-new}\n"


@pytest.mark.parametrize(
    ("files", "spec"),
    [
        (  # the same list: the second patch targets the name the first gave
            {
                "apps/app/kustomization.yaml": "resources:\n  - ./cm.yaml\npatches:\n"
                + _smp(RENAME, "{kind: ConfigMap, name: cm}")
                + _smp(JSON_OP, "{kind: ConfigMap, name: cm-new}")
            },
            "",
        ),
        (  # a base renames, the overlay targets the new name
            {
                "apps/app/kustomization.yaml": "resources:\n  - ./base\npatches:\n"
                + _smp(JSON_OP, "{kind: ConfigMap, name: cm-new}"),
                "apps/app/base/kustomization.yaml": "resources:\n  - ../cm.yaml\npatches:\n"
                + _smp(RENAME, "{kind: ConfigMap, name: cm}"),
            },
            "",
        ),
        (  # the kustomization renames, the Flux Kustomization's spec.patches target the new name
            {
                "apps/app/kustomization.yaml": "resources:\n  - ./cm.yaml\npatches:\n"
                + _smp(RENAME, "{kind: ConfigMap, name: cm}")
            },
            "  patches:\n" + _smp(JSON_OP, "{kind: ConfigMap, name: cm-new}", 4),
        ),
        (  # a strategic-merge patch renames only with options.allowNameChange
            {
                "apps/app/kustomization.yaml": "resources:\n  - ./cm.yaml\npatches:\n"
                + _smp("kind: ConfigMap\nmetadata:\n  name: cm-new\n", "{kind: ConfigMap, name: cm}").replace(
                    "  patch: |-", "  options: {allowNameChange: true}\n    patch: |-"
                )
                + _smp(JSON_OP, "{kind: ConfigMap, name: cm-new}")
            },
            "",
        ),
    ],
    ids=["same-list", "base", "flux-spec-patches", "allowNameChange"],
)
def test_a_target_selects_by_the_name_an_earlier_patch_gave(repo, check_json, files, spec):
    """kustomize matches a target against the object's current name too: a patch may target the
    name an earlier JSON6902 patch set (kustomize 5.8.1 applies it); a name nothing gives still
    selects nothing (HL115)."""
    root = repo(_app("", files, spec))
    assert _found(check_json, root, "HL115") == []
    (patched,) = _applied(root).values()
    assert (patched["metadata"]["name"], patched["data"]) == ("cm-new", {"a": "b", "c": "d"})
    typo = {path: text.replace("name: cm-new}", "name: cm-typo}") for path, text in files.items()}
    root = repo(_app("", typo, spec.replace("name: cm-new}", "name: cm-typo}")))
    assert len(_found(check_json, root, "HL115")) == 1


def test_a_target_may_name_what_a_component_replacement_renamed(repo, check_json):
    """A Component's `replacements:` that writes metadata.name runs before the including
    kustomization's patches, which select the object by its new name (kustomize 5.8.1 applies the
    patch): no HL115."""
    component = (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - cm.yaml\nreplacements:\n"
        "  - source: {kind: ConfigMap, name: names, fieldPath: data.NAME}\n"
        "    targets:\n      - select: {kind: ConfigMap, name: cm}\n        fieldPaths: [metadata.name]\n"
    )
    kustomization = (
        "components:\n  - ./component\nconfigMapGenerator:\n  - name: names\n    options: {disableNameSuffixHash: true}\n"
        "    literals: [NAME=cm-new]\npatches:\n" + _smp(JSON_OP, "{kind: ConfigMap, name: cm-new}")
    )
    files = {"apps/app/component/kustomization.yaml": component, "apps/app/component/cm.yaml": CM}
    root = repo(_app(kustomization, files))
    assert _found(check_json, root, "HL115") == []


BROKEN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: x\n      b: y\n"  # `b:` indented under a scalar


@pytest.mark.parametrize("where", ["kustomization", "spec.patches"])
def test_an_inline_patch_that_is_not_yaml_fails_the_build(repo, check_json, where):
    """kustomize reads an inline patch as YAML (JSON included) and fails the build on one it
    cannot parse ('unable to parse SM or JSON patch', kustomize 5.8.1); a Flux Kustomization's
    spec.patches are copied into the kustomization it builds, so they fail the same way (HL114 at
    the entry). Tab-indented JSON is YAML and is no finding."""
    entry = _smp(BROKEN, "{kind: ConfigMap}", 4 if where == "spec.patches" else 2)
    kustomization = "resources:\n  - ./cm.yaml\n" + ("patches:\n" + entry if where == "kustomization" else "")
    root = repo(_app(kustomization, spec="  patches:\n" + entry if where == "spec.patches" else ""))
    (message,) = [m for _, _, m in _found(check_json, root, "HL114")]
    assert "is not valid YAML or JSON (line 7 of the patch text: invalid YAML" in message
    errors = _oracle_errors(root)
    if errors is not None:
        assert "unable to parse SM or JSON patch" in errors["Kustomization flux-system/app"]
    json_patch = '[\n\t{"op": "add", "path": "/data/c", "value": "d"}\n]'
    fine = repo(_app("resources:\n  - ./cm.yaml\npatches:\n" + _smp(json_patch, "{kind: ConfigMap, name: cm}")))
    assert _found(check_json, fine, "HL114") == []
    assert _applied(fine)["ConfigMap", "cm"]["data"] == {"a": "b", "c": "d"}


@pytest.mark.parametrize(
    ("text", "fails"),
    [
        ("[{op: add, path: /data/c, value: d}]", True),  # YAML flow, but it starts with '['
        ('[{"op": "add", "path": "/data/c", "value": "d"}]', False),  # JSON
        ("- {op: add, path: /data/c, value: d}", False),  # a YAML list that does not start with '['
    ],
)
def test_a_json6902_patch_that_starts_with_a_bracket_must_be_json(repo, check_json, text, fails):
    """kustomize's jsonPatchFromBytes converts YAML to JSON only when the text's first character is
    not '[': `[{op: add, ...}]` is decoded as JSON as it is, and fails ('unable to parse SM or JSON
    patch', kubectl kustomize 5.8.1)."""
    root = repo(_app("resources:\n  - ./cm.yaml\npatches:\n" + _smp(text, "{kind: ConfigMap, name: cm}")))
    messages = [m for _, _, m in _found(check_json, root, "HL114")]
    assert [("starts with '[', so kustomize decodes it as JSON" in m) for m in messages] == ([True] if fails else [])
    errors = _oracle_errors(root)
    if errors is not None:
        assert ("unable to parse SM or JSON patch" in errors.get("Kustomization flux-system/app", "")) is fails
