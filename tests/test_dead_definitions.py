"""An object defined only in the path of a Flux Kustomization no root reaches is not made: it is
meant for Flux, which never applies it (FluxModel.dead_over). One in a folder no Flux Kustomization
builds or means to build is taken as a bootstrap script's, and made."""

from __future__ import annotations

KS = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: flux-system}}\n"
    "spec:\n  interval: 1h\n  path: {path}\n  prune: true\n{extra}"
    "  sourceRef: {{kind: GitRepository, name: flux-system, namespace: flux-system}}\n"
)
INSTANCE = (
    "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\n"
    "spec:\n  distribution: {version: 2.7.x, registry: ghcr.io/fluxcd}\n"
    "  sync: {kind: GitRepository, url: 'https://example.com/org/repo', ref: refs/heads/main, path: ./clusters/main}\n"
)
STORE = "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {name: store-a}\nspec: {provider: {fake: {}}}\n"
EXTERNAL_SECRET = (
    "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: app-a}\nspec:\n"
    "  secretStoreRef: {kind: ClusterSecretStore, name: store-a}\n  target: {name: app-a}\n"
    "  dataFrom:\n    - extract: {key: app-a}\n"
)
POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: app-a}\nspec:\n  containers:\n    - name: a\n"
    "      image: registry.example/a:1.0.0\n      envFrom: [{secretRef: {name: secret-a}}]\n"
)
SECRET = "apiVersion: v1\nkind: Secret\nmetadata: {name: secret-a, namespace: ns-a}\nstringData: {A: '${A}'}\n"


def _tree(user: str, definition: dict[str, str], instance: bool = True) -> dict[str, str]:
    """A cluster whose root applies apps/ns-a (the user, in ns-a) and apps/ns-b, whose
    kustomization.yaml leaves the Kustomization of apps/ns-b/dead out (its entry commented out)."""
    files = {
        "clusters/main/ks.yaml": KS.format(name="cluster-apps", path="./apps", extra=""),
        "apps/ns-a/kustomization.yaml": "namespace: ns-a\nresources: [./app-a/ks.yaml, namespace.yaml]\n",
        "apps/ns-a/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/ns-a/app-a/ks.yaml": KS.format(name="app-a", path="./apps/ns-a/app-a/app", extra="  targetNamespace: ns-a\n"),
        "apps/ns-a/app-a/app/user.yaml": user,
        "apps/ns-b/kustomization.yaml": "resources: []\n#  - ./dead/ks.yaml\n",
        "apps/ns-b/dead/ks.yaml": KS.format(name="dead", path="./apps/ns-b/dead/app", extra=""),
        **definition,
    }
    if instance:
        files["flux/instance.yaml"] = INSTANCE
    return files


def test_a_store_defined_only_in_a_dead_kustomization_is_not_defined(repo, check_json):
    """The only ClusterSecretStore is in the path of a Kustomization whose entry is commented out:
    External Secrets Operator reports 'could not get ClusterSecretStore'. HL403 names the definition
    and the Kustomization that would apply it."""
    root = repo(_tree(EXTERNAL_SECRET, {"apps/ns-b/dead/app/store.yaml": STORE}))
    _, findings = check_json(root, "--select", "HL403")
    assert [(f["severity"], f["message"], f["fix"]) for f in findings] == [
        (
            "error",
            "ExternalSecret app-a uses ClusterSecretStore 'store-a', which is defined in apps/ns-b/dead/app/store.yaml, "
            "in the path of Flux Kustomization 'dead' (apps/ns-b/dead/ks.yaml), which no Flux root reaches (HL104), "
            "so nothing applies it",
            "wire apps/ns-b/dead/ks.yaml into a kustomization that Flux applies, or define the ClusterSecretStore "
            "where Flux applies it",
        )
    ]


def test_a_store_in_a_folder_flux_does_not_mean_to_build_is_a_bootstraps(repo, check_json):
    """A store in a folder no Flux Kustomization builds or names (a bootstrap a script applies) is
    made, only not by Flux: no finding, as before."""
    root = repo(_tree(EXTERNAL_SECRET, {"bootstrap/store.yaml": STORE}))
    _, findings = check_json(root, "--select", "HL403")
    assert findings == []


def test_a_store_flux_builds_but_no_file_lists_is_named(repo, check_json):
    """A store beside a kustomization.yaml that does not list it: HL403 names the file and the
    kustomization to list it in (the error was 'the repository does not define')."""
    root = repo(_tree(EXTERNAL_SECRET, {"apps/ns-a/app-a/app/store.yaml": STORE}))
    (root / "apps/ns-a/app-a/app/kustomization.yaml").write_text("resources: [user.yaml]\n")
    _, findings = check_json(root, "--select", "HL403")
    assert [(f["message"], f["fix"]) for f in findings] == [
        (
            "ExternalSecret app-a uses ClusterSecretStore 'store-a', which is defined in apps/ns-a/app-a/app/store.yaml, "
            "but nothing applies that file (it is not listed in apps/ns-a/app-a/app/kustomization.yaml: HL102)",
            "list store.yaml in apps/ns-a/app-a/app/kustomization.yaml",
        )
    ]


def test_a_secret_defined_only_in_a_dead_kustomization_is_unproduced(repo, check_json):
    """HL401 took a Secret in a folder no Flux Kustomization builds as a bootstrap script's; one in
    the path of a Kustomization no root reaches is not made, and the error says where it is."""
    root = repo(_tree(POD, {"apps/ns-b/dead/app/secret.yaml": SECRET}))
    _, findings = check_json(root, "--select", "HL401")
    assert [(f["severity"], f["message"].split("; ", 1)[1]) for f in findings] == [
        (
            "error",
            "Secret secret-a is defined in apps/ns-b/dead/app/secret.yaml, in the path of Flux Kustomization 'dead' "
            "(apps/ns-b/dead/ks.yaml), which no Flux root reaches (HL104), so nothing applies it",
        )
    ]


def test_a_substitute_from_source_defined_only_in_a_dead_kustomization_fails_the_build(repo, check_json):
    """A substituteFrom Secret made only in a dead Kustomization's path (the Kustomization is in
    ns-a, its folder's namespace): kustomize-controller fails the whole Kustomization (Secret not found)."""
    files = _tree(POD.replace("secret-a", "other"), {"apps/ns-b/dead/app/secret.yaml": SECRET})
    files["apps/ns-a/app-a/ks.yaml"] = KS.format(
        name="app-a",
        path="./apps/ns-a/app-a/app",
        extra="  postBuild:\n    substituteFrom: [{kind: Secret, name: secret-a}]\n",
    )
    files["apps/ns-a/app-a/app/user.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {A: a}\n"
    root = repo(files)
    _, findings = check_json(root, "--select", "HL401")
    assert [f["message"] for f in findings] == [
        "Kustomization app-a substitutes variables from Secret 'secret-a' in namespace ns-a; Secret secret-a is "
        "defined in apps/ns-b/dead/app/secret.yaml, in the path of Flux Kustomization 'dead' (apps/ns-b/dead/ks.yaml), "
        "which no Flux root reaches (HL104), so nothing applies it; kustomize-controller fails the whole Kustomization "
        "(Secret not found) and applies none of its objects"
    ]


def test_under_guessed_roots_a_dead_kustomization_is_not_evidence(repo, check_json):
    """Without a FluxInstance, flux bootstrap files or flux.roots the roots are guessed: whatever
    applies them may apply the rest, so the store still counts."""
    root = repo(_tree(EXTERNAL_SECRET, {"apps/ns-b/dead/app/store.yaml": STORE}, instance=False))
    _, findings = check_json(root, "--select", "HL403")
    assert findings == []


MAKER = (
    "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: maker-a, namespace: ns-a}\nspec:\n"
    "  secretStoreRef: {kind: ClusterSecretStore, name: store-a}\n  target: {name: secret-a}\n"
    "  dataFrom:\n    - extract: {key: secret-a}\n"
)


def test_a_maker_defined_only_in_a_dead_kustomization_is_named(repo, check_json):
    """The Secret would be made by an ExternalSecret that sits in a dead Kustomization's path: the
    error names it (it said 'nothing in the repository produces it')."""
    root = repo(_tree(POD, {"apps/ns-b/dead/app/maker.yaml": MAKER, "apps/ns-a/app-a/app/store.yaml": STORE}))
    _, findings = check_json(root, "--select", "HL401")
    assert [(f["severity"], f["message"].split("; ", 1)[1]) for f in findings] == [
        (
            "error",
            "Secret secret-a would be made by ExternalSecret maker-a, defined in apps/ns-b/dead/app/maker.yaml, in the "
            "path of Flux Kustomization 'dead' (apps/ns-b/dead/ks.yaml), which no Flux root reaches (HL104), so nothing "
            "applies it",
        )
    ]


def test_a_maker_in_a_folder_flux_does_not_mean_to_build_is_a_bootstraps(repo, check_json):
    """An ExternalSecret in a bootstrap folder a script applies makes its Secret, only not by Flux,
    as a Secret document there does."""
    root = repo(_tree(POD, {"bootstrap/maker.yaml": MAKER, "apps/ns-a/app-a/app/store.yaml": STORE}))
    _, findings = check_json(root, "--select", "HL401")
    assert findings == []


def test_a_secret_file_a_generator_reads_as_data_is_said_to_be_so(repo, check_json):
    """A Secret manifest named as a configMapGenerator `files:` entry is listed, but read as one
    value of the generated ConfigMap (kubectl kustomize): nothing applies the Secret, and its text
    reaches the cluster in that ConfigMap. Neither message says it is unlisted or unapplied."""
    files = {
        "clusters/main/ks.yaml": INSTANCE
        + "---\n"
        + KS.format(name="app-a", path="./apps/app-a", extra="  targetNamespace: ns-a\n"),
        "clusters/main/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n",
        "apps/app-a/kustomization.yaml": (
            "resources: [pod.yaml]\nconfigMapGenerator:\n  - name: config-a\n    files: [config.json=secret-a.yaml]\n"
        ),
        "apps/app-a/pod.yaml": POD,
        "apps/app-a/secret-a.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: secret-a}\nstringData: {A: plain}\n",
    }
    found = {f["rule"]: f["message"] for f in check_json(repo(files))[1] if f["rule"] in ("HL401", "HL402")}
    assert found["HL401"].endswith(
        "but apps/app-a/kustomization.yaml reads that file as data (configMapGenerator config-a takes its text as one "
        "value) and nothing applies it as a resource"
    )
    assert found["HL402"].endswith(
        "apps/app-a/kustomization.yaml's configMapGenerator config-a puts the whole file into the cluster as one value"
    )


RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: {name}}}\nspec:\n  interval: 1h\n"
    "  chart: {{spec: {{chart: c, version: 1.0.0, sourceRef: {{kind: HelmRepository, name: charts, namespace: flux-system}}}}}}\n"
    "{extra}"
)


def _dependency_tree(
    app_a_kustomization: str = "resources: [release.yaml]\n", app_a_source: str = "flux-system"
) -> dict[str, str]:
    """Kustomizations app-a and app-b (targetNamespace ns-a, app-a's source `app_a_source`), each
    applying its HelmRelease; release app-b dependsOn release app-a."""
    app = KS.format(name="{n}", path="./apps/{n}", extra="  targetNamespace: ns-a\n")
    app_a = app.replace("{n}", "app-a").replace("name: flux-system, namespace", f"name: {app_a_source}, namespace")
    return {
        "clusters/main/ks.yaml": INSTANCE + "---\n" + app_a + "---\n" + app.replace("{n}", "app-b"),
        "clusters/main/base.yaml": (
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n---\napiVersion: source.toolkit.fluxcd.io/v1\n"
            "kind: HelmRepository\nmetadata: {name: charts, namespace: flux-system}\nspec: {url: 'https://charts.example'}\n"
        ),
        "apps/app-a/kustomization.yaml": app_a_kustomization,
        "apps/app-a/release.yaml": RELEASE.format(name="app-a", extra=""),
        "apps/app-b/kustomization.yaml": "resources: [release.yaml]\n",
        "apps/app-b/release.yaml": RELEASE.format(name="app-b", extra="  dependsOn: [{name: app-a}]\n"),
    }


def test_a_helm_release_dependency_whose_build_fails_is_named_with_the_reason(repo, check_json):
    """HelmRelease app-a exists, but the kustomization of its folder does not parse (HL001): kustomize
    fails the build, nothing applies it, and HL105 says so rather than hinting at another kind."""
    files = _dependency_tree(app_a_kustomization="resources: [release.yaml]\nbroken: [a: b\n")
    (message,) = [f["message"] for f in check_json(repo(files))[1] if f["rule"] == "HL105"]
    assert message == (
        "dependsOn HelmRelease 'ns-a/app-a' is defined in apps/app-a/release.yaml, but nothing applies that file (the "
        "build of Kustomization flux-system/app-a that reads its folder fails at apps/app-a/kustomization.yaml), so "
        "Flux never finds it and retries forever"
    )


def test_a_dependency_whose_kustomization_has_no_source_names_that_kustomization(repo, check_json):
    """HelmRelease app-a's folder is the path of Kustomization app-a, whose sourceRef names a
    GitRepository nothing defines (HL107): kustomize-controller applies nothing of it. HL105 says
    that, not 'no kustomization lists it' (its folder's kustomization does)."""
    found = {f["rule"]: f for f in check_json(repo(_dependency_tree(app_a_source="source-typo")))[1]}
    assert "HL107" in found
    assert (found["HL105"]["message"], found["HL105"]["fix"]) == (
        "dependsOn HelmRelease 'ns-a/app-a' is defined in apps/app-a/release.yaml, which Kustomization flux-system/app-a "
        "would apply, but that Kustomization's sourceRef names a source nothing in the repository defines (HL107): "
        "kustomize-controller applies nothing of it, so Flux never finds this dependency and retries forever",
        "fix the sourceRef of Kustomization flux-system/app-a, or remove the dependency",
    )


def test_a_kustomization_a_delete_patch_removes_is_neither_unreached_nor_judged(repo, check_json):
    """kid: an overlay builds a base of Flux Kustomizations and removes app-b with `$patch: delete`
    (kubectl kustomize leaves it out): nothing applies app-b, on purpose, and its spec.path is never
    read. No HL103 for its missing path, no HL104; the control without the patch is applied."""
    base_ks = KS.format(name="{n}", path="./base/{n}/app", extra="")
    overlay = (
        "resources: [../../base]\npatches:\n  - target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization, "
        "name: app-b}\n    patch: |-\n      $patch: delete\n      apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
        "      kind: Kustomization\n      metadata: {name: app-b, namespace: flux-system}\n"
    )
    files = {
        "clusters/main/ks.yaml": KS.format(name="apps", path="./overlays/main", extra=""),
        "clusters/main/repo.yaml": INSTANCE,
        "overlays/main/kustomization.yaml": overlay,
        "base/kustomization.yaml": "resources: [app-a.yaml, app-b.yaml]\n",
        "base/app-a.yaml": base_ks.replace("{n}", "app-a"),
        "base/app-b.yaml": base_ks.replace("{n}", "app-b"),
        "base/app-a/app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: default}\n",
    }
    found = [(f["rule"], f["path"]) for f in check_json(repo(files))[1] if f["severity"] != "info"]
    assert found == []
    files["overlays/main/kustomization.yaml"] = "resources: [../../base]\n"
    found = [(f["rule"], f["path"]) for f in check_json(repo(files))[1] if f["severity"] != "info"]
    assert found == [("HL103", "base/app-b.yaml")]  # the control: applied, its path is missing
