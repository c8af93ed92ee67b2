"""What messages offer: "did you mean" names and the objects a finding names, never silently cut."""

from __future__ import annotations

from typing import Any

from homelint.rules.wiring import _nearest

from .conftest import flux_root


def test_a_name_without_its_dropped_prefix_is_offered_first():
    """Kustomizations renamed from `group-app` to `app` leave `dependsOn: group-app` behind."""
    hint = _nearest("prefix-group-app-a", {"app-a", "prefix-group-app-b", "prefix-group-app-c"})
    assert hint.startswith("; did you mean 'app-a', ")
    assert "'prefix-group-app-b'" in hint and "'prefix-group-app-c'" in hint


def test_the_excluded_name_does_not_take_a_place():
    """The dependent's own name is never offered, and three others still are."""
    names = {"prefix-app-x1", "prefix-app-b", "prefix-app-c", "prefix-app-d"}
    hint = _nearest("prefix-app-x", names, exclude="prefix-app-x1")
    assert sorted(hint.removeprefix("; did you mean ").removesuffix("?").split(", ")) == [
        "'prefix-app-b'",
        "'prefix-app-c'",
        "'prefix-app-d'",
    ]


def test_a_tail_match_needs_a_whole_word():
    """`group-app` ends with `pp`, but not after a dash: `pp` is no dropped prefix (the old code
    offered no tail either: this guards the new one)."""
    assert "'pp'" not in _nearest("group-app", {"pp", "other"})


def test_an_unlisted_file_of_many_objects_says_how_many_it_does_not_name(check_json: Any, repo: Any):
    cms = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{c}\n  namespace: ns-a\n" for c in "wxyz")
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./apps"),
        "apps/kustomization.yaml": "resources:\n  - listed.yaml\n",
        "apps/listed.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "apps/unlisted.yaml": cms,
    }
    _, found = check_json(repo(files))
    (finding,) = [f for f in found if f["rule"] == "HL102"]
    assert "(ConfigMap cm-w, ConfigMap cm-x, ConfigMap cm-y and 1 more)" in finding["message"]


def test_a_shared_last_word_is_no_dropped_prefix():
    """`cluster` is `cluster-apps-rook-ceph-cluster` without four leading words: a shared last word,
    not a rename that dropped a prefix."""
    assert "'cluster'" not in _nearest("cluster-apps-rook-ceph-cluster", {"cluster", "rook-ceph"})


def test_a_missing_spec_path_is_offered_only_folders_whose_own_name_is_close(check_json: Any, repo: Any):
    """The folders beside a missing spec.path share its whole parent path: judged on the last
    part, `web` is like neither `database-backup` nor `ingress-controller` (only `web-app` is
    offered)."""
    files = {
        "clusters/main/flux.yaml": flux_root("apps", "./deploy/overlays/production/web"),
        "deploy/overlays/production/database-backup/cm.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-a\n",
        "deploy/overlays/production/ingress-controller/cm.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-b\n",
        "deploy/overlays/production/web-app/cm.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-c\n",
    }
    _, found = check_json(repo(files), "--select", "HL103")
    (finding,) = found
    assert finding["message"].endswith("; did you mean 'deploy/overlays/production/web-app'?")
