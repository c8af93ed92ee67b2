"""HL101's hint for a resource file that does not exist: a file of that name in the parent or a
sibling folder is named (a file moved, or an entry that lost its `../other/`), but only when it is
the one such file, so a missing app's `ks.yaml` does not point at every other app's."""

from __future__ import annotations

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: ns-a}}\ndata: {{a: '1'}}\n"


def _hl101(check_json, root) -> list[str]:
    _, findings = check_json(root, "--select", "HL101")
    return [f["message"] for f in findings]


def test_a_file_of_that_name_in_a_sibling_folder_is_named(repo, check_json):
    root = repo(
        {
            "part-b/kustomization.yaml": "resources: [app-a-job.yaml, app-a-services.yaml]\n",
            "part-b/app-a-job.yaml": CM.format(name="job"),
            "part-a/kustomization.yaml": "resources: [app-a-services.yaml]\n",
            "part-a/app-a-services.yaml": CM.format(name="services"),
        }
    )
    assert _hl101(check_json, root) == [
        "resource 'app-a-services.yaml' does not exist; a file of that name is at '../part-a/app-a-services.yaml'"
    ]


def test_one_of_many_files_of_that_name_is_no_hint(repo, check_json):
    """Every app folder has a ks.yaml: a missing one in an existing folder names none of them."""
    root = repo(
        {
            "apps/kustomization.yaml": "resources: [app-a/ks.yaml, app-b/ks.yaml, app-c/ks.yaml]\n",
            "apps/app-a/ks.yaml": CM.format(name="a"),
            "apps/app-b/ks.yaml": CM.format(name="b"),
            "apps/app-c/other.yaml": CM.format(name="c"),
            "apps/app-d/ks.yaml": CM.format(name="d"),
        }
    )
    assert _hl101(check_json, root) == ["resource 'app-c/ks.yaml' does not exist"]


def test_a_missing_folder_gets_no_file_of_that_name(repo, check_json):
    """The entry's folder does not exist: a same-named file elsewhere is no hint for it."""
    root = repo(
        {
            "apps/kustomization.yaml": "resources: [app-a/ks.yaml, app-x/ks.yaml]\n",
            "apps/app-a/ks.yaml": CM.format(name="a"),
        }
    )
    assert _hl101(check_json, root) == ["resource 'app-x/ks.yaml' does not exist"]


def test_a_name_other_folders_use_too_is_no_hint(repo, check_json):
    """namespace.yaml is in a sibling folder and in another part of the repository: a common name,
    not a moved file."""
    root = repo(
        {
            "apps/ns-b/kustomization.yaml": "resources: [namespace.yaml]\n",
            "apps/ns-a/namespace.yaml": CM.format(name="a"),
            "clusters/c1/namespace.yaml": CM.format(name="c"),
        }
    )
    assert _hl101(check_json, root) == ["resource 'namespace.yaml' does not exist"]
