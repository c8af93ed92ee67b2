"""HL608 invalid-object-name: metadata.name as the API server receives it (after kustomize and
post-build substitution), judged by each kind's own name rule (kubernetes pkg/apis/*/validation,
apiextensions-apiserver customresource validator, apiserver registry/rest BeforeCreate)."""

from __future__ import annotations

import pytest

from homelint.core.k8snames import name_problem, name_rule
from homelint.rules.datakeys import key_problem

from .conftest import FIXTURES

GOOD = "rules/HL608/good"
APP = "kubernetes/apps/default/echo/app"
KS = "kubernetes/apps/default/echo/ks.yaml"


@pytest.mark.parametrize(
    ("group", "kind", "name", "valid"),
    [
        ("", "ConfigMap", "cm-a.b", True),
        ("", "ConfigMap", "Cm-a", False),
        ("", "Secret", "secret_a", False),
        ("", "ConfigMap", "a" * 253, True),
        ("", "ConfigMap", "a" * 254, False),
        ("bitnami.com", "SealedSecret", "secret_a", False),  # a custom resource: DNS-1123 subdomain
        ("cluster.x-k8s.io", "Cluster", "cluster-a.b", True),
        ("", "Namespace", "ns-a", True),
        ("", "Namespace", "ns.a", False),  # a DNS-1123 label
        ("", "Namespace", "a" * 64, False),
        ("", "Service", "svc-a", True),
        ("", "Service", "1-svc", False),  # a DNS-1035 label starts with a letter
        ("", "ConfigMap", "1-cm", True),
        ("batch", "CronJob", "a" * 52, True),
        ("batch", "CronJob", "a" * 53, False),
        ("batch", "Job", "a" * 53, True),
        ("rbac.authorization.k8s.io", "ClusterRole", "system:metrics-reader", True),  # a path segment
        ("rbac.authorization.k8s.io", "RoleBinding", "Role_A", True),
        ("rbac.authorization.k8s.io", "Role", "role/a", False),
        ("rbac.authorization.k8s.io", "Role", "..", False),
        ("policy", "PodDisruptionBudget", "Pdb_A", True),  # its validation checks no name format
        ("apps", "StatefulSet", "sts-a.b", True),  # a label only in newer releases: not judged
    ],
)
def test_each_kind_takes_the_name_its_validation_asks(group, kind, name, valid):
    assert (name_problem(name_rule(group, kind), name) == "") is valid


def hl608(findings):
    return [f for f in findings if f["rule"] == "HL608"]


def with_configmap(name: str, kustomization: str = "") -> dict[str, str]:
    return {
        f"{APP}/configmap.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata: {{a: b}}\n",
        f"{APP}/kustomization.yaml": f"resources: [./helmrelease.yaml, ./configmap.yaml]\n{kustomization}",
    }


def test_a_configmap_and_a_custom_resource_with_upper_case_or_underscore_names(repo, check_json):
    """The probe's case: kustomize builds both, the API server rejects both in the apply dry run."""
    files = with_configmap("Config_A")
    files[f"{APP}/sealed.yaml"] = (
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: secret_a\n"
        "spec:\n  encryptedData: {key_a: AgB}\n"
    )
    files[f"{APP}/kustomization.yaml"] = "resources: [./helmrelease.yaml, ./configmap.yaml, ./sealed.yaml]\n"
    found = hl608(check_json(repo(files, base=GOOD))[1])
    assert sorted((f["path"], f["line"]) for f in found) == [(f"{APP}/configmap.yaml", 4), (f"{APP}/sealed.yaml", 4)]
    assert all("Kustomization default/echo fails to apply" in f["message"] for f in found)
    assert "'Config_A'" in found[0]["message"] and "'config-a'" in found[0]["fix"]


def test_a_name_written_as_a_helm_template_is_to_be_written_out_not_renamed(repo, check_json):
    """`{{ .Release.Name }}` in a manifest Flux applies is the name as written (nothing renders
    it): the fix says to write the name out, not a mechanical rename to 'release.name'."""
    found = hl608(check_json(repo(with_configmap("'{{ .Release.Name }}'"), base=GOOD))[1])
    assert [f["line"] for f in found] == [4]
    assert found[0]["fix"].startswith("write the name out: Flux applies the manifest as written")
    assert "release.name" not in found[0]["fix"]


def test_the_name_is_judged_after_name_prefix(repo, check_json):
    """kustomize prefixes every object of the build: the HelmRelease too."""
    found = hl608(check_json(repo(with_configmap("cm-a", "namePrefix: App-\n"), base=GOOD))[1])
    assert sorted((f["path"], f["line"]) for f in found) == [(f"{APP}/configmap.yaml", 4), (f"{APP}/helmrelease.yaml", 5)]
    assert "'App-cm-a'" in found[0]["message"] and "'app-cm-a'" in found[0]["fix"]
    assert hl608(check_json(repo(with_configmap("Cm_A", "namePrefix: app-\nnameSuffix: -b\n"), base=GOOD))[1])


def test_a_namespace_is_judged_by_the_name_kustomize_gives_it(repo, check_json):
    """Unwired of any namespace: transformer, `ns.a` is not a DNS-1123 label; under the echo
    Kustomization's targetNamespace kustomize renames it to `default` (kubectl kustomize)."""
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns.a\n"
    found = hl608(check_json(repo({"kubernetes/apps/ns-a/namespace.yaml": namespace}, base=GOOD))[1])
    assert [(f["path"], f["line"]) for f in found] == [("kubernetes/apps/ns-a/namespace.yaml", 4)]
    assert "must not contain dots" in found[0]["message"]
    files = {
        f"{APP}/namespace.yaml": namespace,
        f"{APP}/kustomization.yaml": "resources: [./helmrelease.yaml, ./namespace.yaml]\n",
    }
    assert hl608(check_json(repo(files, base=GOOD))[1]) == []


def test_a_generator_name_is_judged_with_its_hash_suffix(repo, check_json):
    """kustomize appends '-' and the content hash: `cm-a-` becomes `cm-a--<hash>`, a valid name
    (kubectl kustomize), while an object written `cm-a-` is rejected."""
    generated = "configMapGenerator:\n  - name: cm-a-\n    literals: [A=1]\n"
    files = {f"{APP}/kustomization.yaml": f"resources: [./helmrelease.yaml]\n{generated}"}
    assert hl608(check_json(repo(files, base=GOOD))[1]) == []
    assert len(hl608(check_json(repo(with_configmap("cm-a-"), base=GOOD))[1])) == 1
    files = {
        f"{APP}/kustomization.yaml": "resources: [./helmrelease.yaml]\nconfigMapGenerator:\n  - name: Cm_A\n    literals: [A=1]\n"
    }
    (found,) = hl608(check_json(repo(files, base=GOOD))[1])
    assert found["path"] == f"{APP}/kustomization.yaml"


def test_a_substituted_name_is_judged_as_substituted_and_shown_as_written(repo, check_json):
    """The echo Kustomization substitutes APP: echo; `${APP}_cm` becomes `echo_cm`."""
    found = hl608(check_json(repo(with_configmap('"${APP}_cm"'), base=GOOD))[1])
    assert len(found) == 1
    assert "'${APP}_cm' (after post-build substitution)" in found[0]["message"]
    assert "echo_cm" not in found[0]["message"] + found[0]["fix"]
    assert hl608(check_json(repo(with_configmap('"${APP}-cm"'), base=GOOD))[1]) == []


def test_a_name_left_with_a_placeholder_is_not_judged(repo, check_json):
    """An undefined variable (HL201) or no substitution (HL205): not this rule's to judge."""
    assert hl608(check_json(repo(with_configmap('"${UNDEFINED_A}_cm"'), base=GOOD))[1]) == []
    ks = (FIXTURES / GOOD / KS).read_text()
    no_post_build = ks[: ks.index("  postBuild:")]
    files = {**with_configmap('"${APP}_cm"'), KS: no_post_build}
    assert hl608(check_json(repo(files, base=GOOD))[1]) == []


@pytest.mark.parametrize(
    ("kind", "api_version", "name", "fires"),
    [
        ("Service", "v1", "1-svc", True),
        ("ClusterRole", "rbac.authorization.k8s.io/v1", "system:metrics-reader", False),
        ("PodDisruptionBudget", "policy/v1", "Pdb_A", False),
        ("CronJob", "batch/v1", "c" * 53, True),
        ("Kustomization", "kustomize.toolkit.fluxcd.io/v1", "App_A", True),
    ],
)
def test_each_kind_is_judged_by_its_own_rule(repo, check_json, kind, api_version, name, fires):
    files = {
        f"{APP}/object.yaml": f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: {name}\n",
        f"{APP}/kustomization.yaml": "resources: [./helmrelease.yaml, ./object.yaml]\n",
    }
    found = hl608(check_json(repo(files, base=GOOD))[1])
    assert bool(found) is fires, found


def test_a_substituted_namespace_name_is_judged(repo, check_json):
    """A Namespace outside any `namespace:` transformer keeps its own name, substituted by the
    Kustomization that applies it (here cluster-apps, substituting NS_NAME)."""
    root = (FIXTURES / GOOD / "kubernetes/flux/cluster/ks.yaml").read_text()
    files = {
        "kubernetes/flux/cluster/ks.yaml": root + "  postBuild:\n    substitute:\n      NS_NAME: Ns_A\n",
        "kubernetes/apps/ns-a/namespace.yaml": 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "${NS_NAME}"\n',
    }
    (found,) = hl608(check_json(repo(files, base=GOOD))[1])
    assert found["path"] == "kubernetes/apps/ns-a/namespace.yaml"
    assert "'${NS_NAME}' (after post-build substitution)" in found["message"] and "Ns_A" not in found["message"]


def test_one_finding_names_every_kustomization_that_applies_the_object(repo, check_json):
    """A folder two Flux Kustomizations build: one finding on the object, naming both."""
    ks = (FIXTURES / GOOD / KS).read_text()
    twin = ks.replace("name: echo\n", "name: echo-b\n", 1)
    files = {
        **with_configmap("Cm_A"),
        "kubernetes/apps/default/echo/ks-b.yaml": twin,
        "kubernetes/apps/default/kustomization.yaml": (FIXTURES / GOOD / "kubernetes/apps/default/kustomization.yaml")
        .read_text()
        .replace("  - ./echo/ks.yaml\n", "  - ./echo/ks.yaml\n  - ./echo/ks-b.yaml\n"),
    }
    (found,) = hl608(check_json(repo(files, base=GOOD))[1])
    assert "Kustomization default/echo, Kustomization default/echo-b fail to apply" in found["message"]


# --- HL609 invalid-data-key ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("LOG_LEVEL", True),
        ("config.yaml", True),
        (".env", True),
        ("a..b", True),
        ("-a_b.c-", True),
        ("k" * 253, True),
        ("k" * 254, False),
        ("", False),
        ("log level", False),
        ("A:B", False),
        ("a/b", False),
        ("café", False),
        (".", False),
        ("..", False),
        ("..data", False),
    ],
)
def test_a_data_key_is_what_is_config_map_key_takes(key, valid):
    """k8s.io/apimachinery IsConfigMapKey: at most 253 of [-._a-zA-Z0-9], not '.', '..' or '..*'."""
    assert (key_problem(key) == "") is valid


def hl609(findings):
    return [f for f in findings if f["rule"] == "HL609"]


def test_secret_keys_in_data_and_string_data_are_judged_and_substituted_keys_are_not(repo, check_json):
    """ValidateSecret checks every data key, stringData merged in; a `${...}` key is substitution's."""
    files = {
        f"{APP}/secret.yaml": (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-a\nstringData:\n  'user name': x\n"
            "  ${KEY_A}: y\ndata:\n  token: eA==\n"
        ),
        f"{APP}/kustomization.yaml": "resources: [./helmrelease.yaml, ./secret.yaml]\n",
    }
    found = hl609(check_json(repo(files, base=GOOD))[1])
    assert [(f["path"], f["line"]) for f in found] == [(f"{APP}/secret.yaml", 6)]
    assert "stringData[user name]" in found[0]["message"]
    assert "eA==" not in found[0]["message"] and ": x" not in found[0]["message"]  # keys only, never values


@pytest.mark.parametrize(("entry", "count"), [("my file.txt", 1), ("my.txt=my file.txt", 0)])
def test_a_generated_key_is_the_file_name_unless_the_entry_names_it(repo, check_json, entry, count):
    """kubectl kustomize keeps 'my file.txt' as the key; the API server rejects it."""
    files = {
        f"{APP}/kustomization.yaml": f"resources: [./helmrelease.yaml]\nconfigMapGenerator:\n  - name: cm-a\n    files: ['{entry}']\n",
        f"{APP}/my file.txt": "a\n",
    }
    found = hl609(check_json(repo(files, base=GOOD))[1])
    assert [(f["path"], f["line"]) for f in found] == [(f"{APP}/kustomization.yaml", 3)] * count
