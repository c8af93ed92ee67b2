"""ExternalSecrets as the applying Kustomization makes them: the Secrets they make, read as Flux
substituteFrom sources (model/variables.py), and their substituted names in findings."""

from __future__ import annotations

KS = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: flux-system}}\n"
    "spec:\n  interval: 1h\n  path: ./{name}\n  prune: true\n  targetNamespace: flux-system\n"
    "  sourceRef: {{kind: GitRepository, name: flux-system}}\n{extra}"
)


def test_a_secret_an_external_secret_in_a_component_makes_is_named_as_made_by_it(repo, check_json):
    """An ExternalSecret of a shared component names its target `${APP}-vars`, which the applying
    Kustomization's postBuild.substitute resolves: the Secret another Kustomization substitutes from
    is in the repository, made by that ExternalSecret, and only its keys (dataFrom: from the
    store) are unknown. The info says so instead of 'not in the repository'."""
    root = repo(
        {
            "flux/ks.yaml": KS.format(
                name="app-a",
                extra="  components: [../components/vars]\n  postBuild:\n    substitute: {APP: app-a}\n",
            )
            + "---\n"
            + KS.format(
                name="consumer-a",
                extra="  dependsOn: [{name: app-a}]\n  postBuild:\n    substituteFrom:\n"
                "      - {kind: Secret, name: app-a-vars}\n",
            ),
            "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {A: a}\n",
            "components/vars/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
            "resources: [./externalsecret.yaml]\n",
            "components/vars/externalsecret.yaml": "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
            "metadata: {name: '${APP}-vars'}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: store-a}\n"
            "  target: {name: '${APP}-vars'}\n  dataFrom:\n    - extract: {key: '${APP}'}\n",
            "consumer-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b}\ndata: {URL: 'https://${REMOTE_A}/x'}\n",
        }
    )
    _, findings = check_json(root, "--select", "HL201")
    assert [(f["severity"], f["message"].split("; ", 1)[1]) for f in findings] == [
        (
            "info",
            "Secret app-a-vars gets its keys from the secret store (ExternalSecret app-a-vars: dataFrom/templateFrom), "
            "so they may be defined there",
        )
    ]


def test_a_dangling_store_names_the_external_secret_as_substituted(repo, check_json):
    """HL403 names a component's ExternalSecret `${APP}-volsync` as the applying Kustomization's
    postBuild.substitute makes it: app-a-volsync."""
    root = repo(
        {
            "flux/ks.yaml": KS.format(
                name="app-a",
                extra="  components: [../components/volsync]\n  postBuild:\n    substitute: {APP: app-a}\n",
            ),
            "app-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a}\ndata: {A: a}\n",
            "components/volsync/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
            "resources: [./externalsecret.yaml]\n",
            "components/volsync/externalsecret.yaml": "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
            "metadata: {name: '${APP}-volsync'}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: store-x}\n"
            "  target: {name: '${APP}-volsync'}\n  dataFrom:\n    - extract: {key: '${APP}'}\n",
        }
    )
    _, findings = check_json(root, "--select", "HL403")
    assert [f["message"] for f in findings] == [
        "ExternalSecret app-a-volsync uses ClusterSecretStore 'store-x', which the repository does not define"
    ]


CES = (
    "apiVersion: external-secrets.io/v1\nkind: ClusterExternalSecret\nmetadata: {{name: vars-a}}\nspec:\n{select}"
    "  externalSecretSpec:\n    secretStoreRef: {{kind: ClusterSecretStore, name: store-a}}\n"
    "    target:\n      template:\n        data: {{VAR_A: '{{{{ .var }}}}'}}\n    data:\n"
    "      - {{secretKey: var, remoteRef: {{key: vars-a}}}}\n"
)


def _ces_findings(repo, check_json, select: str) -> list[tuple[str, str]]:
    root = repo(
        {
            "flux/ks.yaml": KS.format(name="apps", extra="")
            + "---\n"
            + KS.format(
                name="consumer-a",
                extra="  dependsOn: [{name: apps}]\n  postBuild:\n    substituteFrom:\n      - {kind: Secret, name: vars-a}\n",
            ),
            "apps/ces.yaml": CES.format(select=select),
            "consumer-a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-b}\ndata: {URL: 'https://${VAR_A}/x'}\n",
        }
    )
    _, findings = check_json(root, "--select", "HL201,HL607", "--target", "flux=2.9")
    return [(f["rule"], f["message"]) for f in findings]


def test_the_template_keys_of_a_cluster_external_secret_are_variables_in_the_namespaces_it_lists(repo, check_json):
    """ESO makes, in each namespace a ClusterExternalSecret selects, an ExternalSecret of its
    externalSecretSpec: the Secret holds the template's keys, as for an ExternalSecret there."""
    assert _ces_findings(repo, check_json, "  namespaces: [flux-system]\n") == []


def test_a_namespace_label_selector_is_taken_to_select_the_kustomizations_namespace(repo, check_json):
    """Labels may be set outside the repository: the keys count in any namespace."""
    assert _ces_findings(repo, check_json, "  namespaceSelectors:\n    - matchLabels: {vars: 'true'}\n") == []


def test_a_cluster_external_secret_for_other_namespaces_gives_no_variables(repo, check_json):
    """The control: it lists another namespace, so flux-system has no Secret vars-a."""
    found = _ces_findings(repo, check_json, "  namespaces: [ns-b]\n")
    assert [rule for rule, _ in found] == ["HL201"] and "${VAR_A}" in found[0][1]
