"""A bootstrap helmfile that is a template is read for the flux-instance sync and the charts it
installs: helmfile renders every helmfile as a Go template first (`helmfile.yaml.gotmpl`, or
`{{ requiredEnv "X" }}` in any helmfile), and a repository may keep one as a makejinja template
(`helmfile.yaml.j2`). Each template action is blanked (model/helmfiles.py): a line of actions only
is dropped, a value holding one is not known and never taken as a path or a version. Without this
the roots were guessed, and a Kustomization in a folder nothing applies got HL103 errors."""

from __future__ import annotations

import pytest

from .test_flux_sources import HELMFILE_VALUES, _helmfile_tree

RELEASE = (
    "releases:\n  - name: flux-instance\n    namespace: flux-system\n"
    "    chart: oci://ghcr.io/controlplaneio-fluxcd/charts/flux-instance\n    version: 0.20.0\n"
    "    values: ['./values.yaml']\n"
)
ARCHIVED = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-old, namespace: flux-system}\n"
    "spec:\n  interval: 1h\n  path: ./archive/app-old\n  prune: true\n"
    "  sourceRef: {kind: GitRepository, name: flux-system}\n"
)


def tree(name: str, text: str) -> dict[str, str]:
    files = _helmfile_tree('["./values.yaml"]')
    del files["bootstrap/helmfile.yaml"]
    return {**files, f"bootstrap/{name}": text, "archive/ks.yaml": ARCHIVED}


CASES = {
    "gotmpl without actions": ("helmfile.yaml.gotmpl", RELEASE),
    "gotmpl with actions": (
        "helmfile.yaml.gotmpl",
        '{{ if eq (env "X") "y" }}\n---\n{{ end }}\n' + RELEASE + "    labels: {cluster: '{{ .Environment.Name }}'}\n",
    ),
    "makejinja template": ("helmfile.yaml.j2", "#% if true %#\n" + RELEASE + "#% endif %#\n"),
    "quotes inside an action": (
        "helmfile.yaml",
        RELEASE + '    set:\n      - name: instance.sync.url\n        value: "{{ requiredEnv "REPO_URL" }}"\n',
    ),
    "a helmfile.d file": ("helmfile.d/01-flux.yaml.gotmpl", "{{- /* flux */ -}}\n" + RELEASE.replace("./values", "../values")),
}


@pytest.mark.parametrize("case", CASES)
def test_a_templated_helmfile_gives_the_flux_instance_sync(run, repo, case):
    name, text = CASES[case]
    result = run("check", str(repo(tree(name, text))), "--no-cache", "--statistics")
    assert "no Flux root found" not in result.output
    assert "HL103" not in result.output  # the archive is not taken as a root
    assert "archive/ks.yaml:3:" in result.output and "HL104 [warning]" in result.output
    assert "versions: Flux 2.6.2 (flux-instance values instance.distribution.version" in result.output


def test_a_templated_sync_path_is_not_known(run, repo):
    """A sync path a template computes names no folder: it is no root (the roots are guessed, and
    said so), and no HL103 names the blanked text."""
    files = tree("helmfile.yaml.gotmpl", RELEASE)
    files["bootstrap/values.yaml"] = HELMFILE_VALUES.replace("path: kubernetes/apps", 'path: "{{ .Values.path }}"')
    files["bootstrap/helmfile.yaml.gotmpl"] = RELEASE.replace(
        "values: ['./values.yaml']",
        "values:\n      - "
        + (HELMFILE_VALUES.replace("path: kubernetes/apps", "path: {{ .Values.path }}").replace("\n", "\n        ").rstrip()),
    )
    result = run("check", str(repo(files)), "--no-cache")
    assert "no Flux root found" in result.output
    assert "homelint-template" not in result.output


def test_a_templated_helmfile_gives_the_external_secrets_release(run, repo):
    files = tree("helmfile.yaml.gotmpl", RELEASE)
    files["bootstrap/helmfile.yaml.gotmpl"] = RELEASE + (
        "  - name: external-secrets\n    namespace: external-secrets\n"
        "    chart: oci://ghcr.io/external-secrets/charts/external-secrets\n    version: 0.18.2\n"
        "  - name: other\n    chart: oci://ghcr.io/external-secrets/charts/external-secrets\n"
        "    version: '{{ .Values.v }}'\n"
    )
    result = run("check", str(repo(files)), "--no-cache", "--statistics")
    assert "External Secrets 0.18.2 (helmfile release external-secrets version" in result.output
    assert "homelint-template" not in result.output


@pytest.mark.parametrize("inline", [False, True], ids=["values-file", "inline-values"])
def test_a_makejinja_marker_left_in_the_sync_values_is_reported(run, repo, inline):
    """helmfile renders Go templates only (a values file only when named .gotmpl), never makejinja:
    a `#{ }#` left in the flux-instance values reaches the FluxInstance as written, and its sync
    fetches a ref that does not exist (cbirkenbeul). HL003 reports it as in a file Flux applies."""
    values = HELMFILE_VALUES.replace("ref: refs/heads/main", 'ref: "refs/heads/#{ repository.branch }#"')
    if inline:
        files = tree(
            "helmfile.yaml",
            RELEASE.replace("values: ['./values.yaml']", "values:\n      - " + (values.replace("\n", "\n        ").rstrip())),
        )
        where = "bootstrap/helmfile.yaml:"
    else:
        files = {**tree("helmfile.yaml", RELEASE), "bootstrap/values.yaml": values}
        where = "bootstrap/values.yaml:"
    output = run("check", str(repo(files)), "--no-cache").output
    assert (
        f"{where}" in output
        and "HL003 [error] unrendered makejinja template '#{ repository.branch }#' in the flux-instance values" in output
    )


def test_a_makejinja_variable_in_a_template_helmfile_is_not_known(run, repo):
    """In a `.j2` helmfile a `#{ x }#` is a value makejinja computes: a sync path written so is no root
    (the roots are guessed, and said so; no finding names the marker), and no HL003 (a template is
    meant to hold markers)."""
    release = RELEASE.replace(
        "values: ['./values.yaml']",
        "values:\n      - "
        + (HELMFILE_VALUES.replace("path: kubernetes/apps", 'path: "#{ cluster.path }#"').replace("\n", "\n        ").rstrip()),
    )
    result = run("check", str(repo(tree("helmfile.yaml.j2", release))), "--no-cache")
    assert "no Flux root found" in result.output and "HL003" not in result.output
    assert "cluster.path" not in result.output and "homelint-template" not in result.output  # no HL103 on the marker
