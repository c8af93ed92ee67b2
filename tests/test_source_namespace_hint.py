"""HL107's namespace hint: a sourceRef/chartRef without namespace looks in the referrer's namespace.

When no source of that name is applied there but one is in another namespace, HL107 says "add
namespace: ns-b", and the unsafe fix writes it. That is the fix only when nothing says the source
meant is in the referrer's own namespace: a file there defines it but no build applies it (HL102
lists it), or the build lists a file kustomize cannot find, which may define it. Then pointing
the release at another app's source would chart it from there (across namespaces, pruned with
that app), so the other namespace is only mentioned.

The same unlisted source kept by two apps: HL102's fix would list both copies, and two
Kustomizations would apply one object; each finding names the other copy, and neither is fixed.
"""

from __future__ import annotations

from .conftest import flux_root

NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"
RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {app}\nspec:\n  interval: 1h\n"
    "  chartRef:\n    kind: OCIRepository\n    name: repo-a\n"
)
SOURCE = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: repo-a\nspec:\n  interval: 1h\n"
    "  url: oci://registry.example.invalid/charts/chart-a\n  ref:\n    tag: 1.0.0\n"
)


def two_apps(first_lists: str) -> dict[str, str]:
    """app-b in ns-b charts from its own repo-a; app-a in ns-a has a repo-a file too, and its
    kustomization lists `first_lists` besides its release."""
    tree = {"clusters/main/flux.yaml": flux_root("apps", "./apps"), "apps/kustomization.yaml": "resources: [ns-a, ns-b]\n"}
    for app, ns, listed in (("app-a", "ns-a", first_lists), ("app-b", "ns-b", "source.yaml")):
        tree[f"apps/{ns}/kustomization.yaml"] = f"namespace: {ns}\nresources: [namespace.yaml, {app}]\n"
        tree[f"apps/{ns}/namespace.yaml"] = NAMESPACE.format(ns=ns)
        tree[f"apps/{ns}/{app}/kustomization.yaml"] = "resources:\n  - release.yaml\n" + (f"  - {listed}\n" if listed else "")
        tree[f"apps/{ns}/{app}/release.yaml"] = RELEASE.format(app=app)
        tree[f"apps/{ns}/{app}/source.yaml"] = SOURCE
    return tree


def _hl107(check_json, root) -> list[str]:
    return [f["message"] for f in check_json(root)[1] if f["rule"] == "HL107"]


def test_an_unlisted_source_of_its_own_namespace_is_the_one_meant(check_json, run, repo):
    root = repo(two_apps(first_lists=""))
    (message,) = _hl107(check_json, root)
    assert message == (
        "chartRef names OCIRepository 'ns-a/repo-a', which nothing Flux applies defines: it is defined in "
        "apps/ns-a/app-a/source.yaml, which no Flux Kustomization applies; an OCIRepository of that name is in 'ns-b'"
    )
    diff = run("check", str(root), "--no-cache", "--diff", "--unsafe-fixes").stdout
    assert "+  - source.yaml" in diff  # HL102 lists the file ...
    assert "namespace: ns-b" not in diff  # ... and the release is not pointed at app-b's source


def test_a_missing_listed_file_may_define_it(check_json, run, repo):
    tree = two_apps(first_lists="lost.yaml")
    del tree["apps/ns-a/app-a/source.yaml"]
    root = repo(tree)
    (message,) = _hl107(check_json, root)
    assert "an OCIRepository of that name is in 'ns-b'; the build that applies it also lists a file" in message
    assert "namespace: ns-b" not in run("check", str(root), "--no-cache", "--diff", "--unsafe-fixes").stdout


def test_with_nothing_in_its_own_namespace_the_other_namespace_is_the_fix(check_json, run, repo):
    tree = two_apps(first_lists="")
    del tree["apps/ns-a/app-a/source.yaml"]
    root = repo(tree)
    (message,) = _hl107(check_json, root)
    assert message.endswith("but the OCIRepository is in 'ns-b': add namespace: ns-b")
    assert "+    namespace: ns-b" in run("check", str(root), "--no-cache", "--diff", "--unsafe-fixes").stdout


def test_unlisted_copies_of_one_source_in_two_apps_name_each_other_and_are_not_fixed(check_json, run, repo):
    """Two apps of one namespace each keep an unlisted copy of one source: HL102's fix would list
    both, and two Kustomizations would then apply (and prune) one object (HL112)."""
    tree = two_apps(first_lists="")
    tree["apps/ns-a/app-b/kustomization.yaml"] = "resources:\n  - release.yaml\n"
    tree["apps/ns-a/app-b/release.yaml"] = RELEASE.format(app="app-b")
    written = SOURCE.replace("  name: repo-a\n", "  name: repo-a\n  namespace: ns-a\n")
    tree["apps/ns-a/app-a/source.yaml"] = tree["apps/ns-a/app-b/source.yaml"] = written
    tree["apps/ns-a/kustomization.yaml"] = "namespace: ns-a\nresources: [namespace.yaml, app-a, app-b]\n"
    root = repo(tree)
    messages = sorted(f["message"] for f in check_json(root)[1] if f["rule"] == "HL102")
    assert messages == [
        "source.yaml (OCIRepository repo-a) is not listed in apps/ns-a/app-a/kustomization.yaml, so Flux never applies "
        "it; apps/ns-a/app-b/source.yaml defines OCIRepository ns-a/repo-a too and is not listed either: listing both "
        "would have two Kustomizations apply it",
        "source.yaml (OCIRepository repo-a) is not listed in apps/ns-a/app-b/kustomization.yaml, so Flux never applies "
        "it; apps/ns-a/app-a/source.yaml defines OCIRepository ns-a/repo-a too and is not listed either: listing both "
        "would have two Kustomizations apply it",
    ]
    assert "+  - source.yaml" not in run("check", str(root), "--no-cache", "--diff", "--unsafe-fixes").stdout


def test_a_source_in_a_listed_folder_without_kustomization_names_that_folder(check_json, repo):
    """The source's file is in a folder a kustomization lists but which has no kustomization file:
    kustomize fails that build (HL101), which is why nothing applies the source; HL107 says so and
    its fix names the folder, not kind/name/namespace."""
    tree = two_apps(first_lists="")
    del tree["apps/ns-a/app-a/source.yaml"]
    tree["apps/ns-a/app-a/kustomization.yaml"] = "resources:\n  - release.yaml\n  - sources\n"
    tree["apps/ns-a/app-a/sources/source.yaml"] = SOURCE
    findings = check_json(repo(tree))[1]
    (hl107,) = [f for f in findings if f["rule"] == "HL107"]
    assert hl107["message"].startswith(
        "chartRef names OCIRepository 'ns-a/repo-a', which nothing Flux applies defines: it is defined in "
        "apps/ns-a/app-a/sources/source.yaml, which no Flux Kustomization applies: apps/ns-a/app-a/kustomization.yaml "
        "lists 'sources', a folder with no kustomization file, so kustomize fails that build (HL101)"
    )
    assert (
        hl107["fix"] == "give apps/ns-a/app-a/sources a kustomization.yaml that lists the source's file (or list the file itself)"
    )
    assert any(f["rule"] == "HL101" for f in findings)


def test_a_missing_file_of_a_build_that_lands_elsewhere_cannot_define_the_source(check_json, repo):
    """The release's build lists a file kustomize cannot find, but its Flux Kustomization puts
    everything it makes in ns-t (targetNamespace): that file cannot be where a source of ns-x comes
    from, so HL107 does not say it may be (it does without targetNamespace)."""
    release = RELEASE.format(app="app-a").replace("    name: repo-a\n", "    name: repo-a\n    namespace: ns-x\n")
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", "  targetNamespace: ns-t\n"),
        "apps/kustomization.yaml": "resources:\n  - release.yaml\n  - lost.yaml\n",
        "apps/release.yaml": release,
    }
    (message,) = [f["message"] for f in check_json(repo(files))[1] if f["rule"] == "HL107"]
    assert "which may define it" not in message
    files["clusters/main/flux.yaml"] = flux_root("apps", "./apps")
    (message,) = [f["message"] for f in check_json(repo(files))[1] if f["rule"] == "HL107"]
    assert message.endswith("also lists a file kustomize cannot find or read (HL101, HL001), which may define it")
