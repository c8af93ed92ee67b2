"""A Flux Kustomization's spec.decryption.secretRef is read in the Kustomization's own namespace
(kustomize-controller internal/decryptor ImportKeys, called before every build): a key Secret the
repository makes only in other namespaces is not found and the whole Kustomization fails (HL401,
naming where it is made). A key Secret the repository makes nowhere is what bootstrap creates by
hand: no finding. Nor for a root's key: bootstrap applies the root by hand, and its key with it
(the repository's copies elsewhere are encrypted and need that key first)."""

from __future__ import annotations

from .conftest import flux_ks, flux_root

KEY = "apiVersion: v1\nkind: Secret\nmetadata: {name: key-a, namespace: %s}\nstringData: {age.agekey: x}\n"
NS = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns-a}\n"
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-a, namespace: ns-a}\ndata: {a: b}\n"


def run(check_json, repo, key_namespace: str | None, *, root: bool = False) -> list[tuple[str, str, str]]:
    """A root applying apps/, whose Kustomization app-a (or the root itself) decrypts with key-a."""
    decryption = "  decryption:\n    provider: sops\n    secretRef: {name: key-a}\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", decryption if root else ""),
        "apps/ns.yaml": NS,
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", "" if root else decryption),
        "app-a/cm.yaml": CM,
    }
    if key_namespace is not None:
        files["apps/key.yaml"] = KEY % key_namespace
    _, found = check_json(repo(files))
    return sorted((f["rule"], f["severity"], f["message"]) for f in found if f["rule"] == "HL401")


def test_a_key_made_only_in_another_namespace_fails_the_kustomization(check_json, repo):
    found = run(check_json, repo, "ns-a")
    assert [(rule, severity) for rule, severity, _ in found] == [("HL401", "error")]
    assert found[0][2].startswith(
        "Kustomization app-a decrypts with Secret 'key-a' (spec.decryption.secretRef) in namespace flux-system"
    )
    assert "it is made only in namespace ns-a" in found[0][2]


def test_a_key_made_in_the_kustomizations_namespace_is_found(check_json, repo):
    assert run(check_json, repo, "flux-system") == []


def test_a_key_made_nowhere_is_left_to_bootstrap(check_json, repo):
    assert run(check_json, repo, None) == []


def test_a_roots_key_is_left_to_bootstrap_wherever_the_repository_makes_it(check_json, repo):
    assert run(check_json, repo, "ns-a", root=True) == []


def _decrypting(check_json, repo, bootstrap: dict[str, str]) -> list[str]:
    """HL401 messages of a tree where app-a (in flux-system) decrypts with key-a, which only the
    files `bootstrap` (outside what Flux applies) may make."""
    decryption = "  decryption:\n    provider: sops\n    secretRef: {name: key-a}\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/ns.yaml": NS,
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", decryption),
        "app-a/cm.yaml": CM,
        **bootstrap,
    }
    _, found = check_json(repo(files))
    return [f["message"] for f in found if f["rule"] == "HL401"]


def _bootstrapped(check_json, repo, key: str, script: str = "sops -d bootstrap/key.yaml | kubectl apply -f -\n") -> list[str]:
    """key-a is defined only in a bootstrap file a script applies."""
    return _decrypting(check_json, repo, {"bootstrap/key.yaml": key, "scripts/bootstrap.sh": "#!/bin/sh\n" + script})


def test_a_key_a_bootstrap_file_makes_only_in_another_namespace_fails_the_kustomization(check_json, repo):
    """kubectl refuses to apply a file that writes namespace ns-a into another one (-n): the key is
    in ns-a only, and app-a reads it in flux-system."""
    (message,) = _bootstrapped(check_json, repo, KEY % "ns-a")
    assert "in namespace flux-system, where nothing in the repository produces it (it is made only in namespace ns-a)" in message


def test_a_bootstrap_key_without_namespace_or_one_a_script_creates_is_left_to_bootstrap(check_json, repo):
    unplaced = "apiVersion: v1\nkind: Secret\nmetadata: {name: key-a}\nstringData: {age.agekey: x}\n"
    assert _bootstrapped(check_json, repo, unplaced) == []  # `kubectl apply -n` puts it where it is needed
    created = 'for ns in flux-system ns-a; do kubectl create secret generic key-a -n "$ns" --from-file=k; done\n'
    assert _bootstrapped(check_json, repo, KEY % "ns-a", created) == []


def _scripted(check_json, repo, script: str, name: str = "scripts/bootstrap.sh") -> list[str]:
    """key-a is made only by a bootstrap script (or Taskfile) `name`."""
    return _decrypting(check_json, repo, {name: script})


def test_a_key_a_script_creates_only_in_another_namespace_fails_the_kustomization(check_json, repo):
    """`kubectl create secret generic key-a --namespace=ns-a` makes the key in ns-a only (LeafdTK):
    app-a reads it in flux-system, as for a bootstrap file that writes its namespace."""
    for flag in ("--namespace=ns-a", "-n ns-a", "--namespace ns-a"):
        (message,) = _scripted(check_json, repo, f"#!/bin/sh\nkubectl create secret generic key-a {flag} --from-file=k\n")
        assert "(it is made only in namespace ns-a)" in message
    taskfile = "version: '3'\ntasks:\n  up:\n    cmds:\n      - kubectl create secret generic key-a -n ns-a --from-file=k\n"
    assert len(_scripted(check_json, repo, taskfile, "Taskfile.yaml")) == 1


def test_a_key_a_script_creates_in_its_namespace_or_any_is_found(check_json, repo):
    for line in (
        "kubectl create secret generic key-a -n flux-system --from-file=k",
        "kubectl create secret generic key-a --from-file=k",  # the context's namespace: any
        'kubectl create secret generic key-a -n "$NS" --from-file=k',  # computed: any
        "kubectl -n ns-a create secret generic key-a --from-file=k && kubectl create secret generic key-a -n flux-system",
    ):
        assert _scripted(check_json, repo, f"#!/bin/sh\n{line}\n") == [], line
    taskfile = "version: '3'\ntasks:\n  up:\n    cmds:\n      - kubectl create secret generic key-a -n {{.NS}} --from-file=k\n"
    assert _scripted(check_json, repo, taskfile, "Taskfile.yaml") == []


def test_a_key_the_applying_kustomization_needs_in_the_same_namespace_is_there(check_json, repo):
    """The root (flux-system) decrypts with key-a and applies app-a (flux-system, key-a): app-a
    exists only once the root read key-a in flux-system, so app-a's key is there, whatever copies
    the repository makes in other namespaces. A child in another namespace is still judged."""
    decryption = "  decryption:\n    provider: sops\n    secretRef: {name: key-a}\n"
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps", decryption),
        "apps/ns.yaml": NS,
        "apps/app-a.yaml": flux_ks("app-a", "./app-a", decryption),
        "apps/key.yaml": KEY % "ns-a",
        "app-a/cm.yaml": CM,
    }
    _, found = check_json(repo(files))
    assert [f for f in found if f["rule"] == "HL401"] == []
    files["apps/app-a.yaml"] = flux_ks("app-a", "./app-a", decryption).replace("namespace: flux-system", "namespace: ns-b")
    files["apps/ns.yaml"] += "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns-b}\n"
    _, found = check_json(repo(files))
    assert [(f["rule"], f["severity"]) for f in found if f["rule"] == "HL401"] == [("HL401", "error")]
