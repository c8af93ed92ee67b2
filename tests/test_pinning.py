"""The pinning rules (rules/pinning.py) beyond their fixture pairs."""

from __future__ import annotations

import pytest

HELMRELEASE = "kubernetes/apps/default/echo/app/helmrelease.yaml"
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: echo-b}}
spec:
  selector: {{matchLabels: {{app: echo-b}}}}
  template:
    metadata: {{labels: {{app: echo-b}}}}
    spec:
      containers:
        - name: app
          image: {image}
"""
MARKER = '# {{"$imagepolicy": "flux-system:{}"}}'


def _deployment(image: str) -> dict[str, str]:
    return {
        "kubernetes/apps/default/echo/app/deployment.yaml": DEPLOYMENT.format(image=image),
        "kubernetes/apps/default/echo/app/kustomization.yaml": "resources: [./helmrelease.yaml, ./deployment.yaml]\n",
    }


@pytest.mark.parametrize(
    ("files", "severity"),
    [
        # the whole reference, set by a marker for the whole reference
        (_deployment("ghcr.io/example/echo-b:latest " + MARKER.format("echo-b")), "info"),
        (_deployment('"ghcr.io/example/echo-b" ' + MARKER.format("echo-b")), "info"),
        # a tag: field, set by a :tag marker
        ({HELMRELEASE: "tag: latest " + MARKER.format("echo:tag")}, "info"),
        # a :name marker on a whole reference writes a name without a tag; :tag writes a bare tag
        (_deployment("ghcr.io/example/echo-b " + MARKER.format("echo-b:name")), "warning"),
        (_deployment("ghcr.io/example/echo-b:latest " + MARKER.format("echo-b:tag")), "warning"),
        # a whole-reference marker on a tag: field writes a reference there: not the tag it manages
        ({HELMRELEASE: "tag: latest " + MARKER.format("echo")}, "warning"),
        (_deployment("ghcr.io/example/echo-b:latest # a comment"), "warning"),
    ],
    ids=["whole", "whole-no-tag", "tag-field", "name-on-whole", "tag-on-whole", "whole-on-tag", "no-marker"],
)
def test_an_image_an_image_automation_marker_sets_is_an_info(repo, check_json, files, severity):
    """image-automation-controller rewrites in Git the field a `{"$imagepolicy": ...}` marker
    sits on: the whole reference (`ns:policy`) or only the tag (`ns:policy:tag`). When the marker
    sets what the field holds, an unpinned tag there is the automation's to manage: an info."""
    judged = "Deployment echo-b" if HELMRELEASE not in files else "HelmRelease echo"
    if HELMRELEASE in files:
        base = (repo({}, base="rules/HL503/bad") / HELMRELEASE).read_text()
        files = {HELMRELEASE: base.replace("tag: latest  # expect: HL503", files[HELMRELEASE])}
    _, findings = check_json(repo(files, base="rules/HL503/bad"), "--select", "HL503")
    assert [f["severity"] for f in findings if f["message"].startswith(judged + ":")] == [severity]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("", ("spec", "it has no spec.ref, so source-controller pulls the tag 'latest'")),
        ("  ref: {}\n", ("spec.ref", "spec.ref has no digest, semver or tag, so source-controller pulls the tag 'latest'")),
        (
            '  ref: {semver: ">=1.0.0 <2.0.0"}\n',
            ("spec.ref.semver", "spec.ref.semver is a range, so source-controller follows the newest matching tag"),
        ),
        (
            '  ref: {semver: "1.x", tag: 1.2.3}\n',
            (
                "spec.ref.semver",
                "spec.ref.semver is a range (it takes precedence over spec.ref.tag), so source-controller follows the newest matching tag",
            ),
        ),
        ("  ref: {tag: latest}\n", ("spec.ref.tag", "spec.ref.tag is 'latest', which moves with every push")),
        ('  ref: {semver: "1.2.3"}\n', None),
        ("  ref: {tag: 1.2.3}\n", None),
        ('  ref: {tag: latest, digest: "sha256:' + "a" * 64 + '"}\n', None),  # the digest wins
        ('  ref: {semver: "${RANGE}"}\n', None),  # not known before substitution
    ],
)
def test_an_unpinned_oci_ref_names_its_reason(repo, check_json, ref, expected):
    """source-controller: digest before semver before tag; no ref means the tag 'latest'."""
    oci = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: oci-a\n  namespace: ns-a\n"
        f"spec:\n  interval: 1h\n  url: oci://example.com/charts/chart-a\n{ref}"
    )
    _, findings = check_json(repo({"apps/oci-a.yaml": oci}), "--select", "HL502")
    got = [f["message"] for f in findings]
    if expected is None:
        assert got == []
        return
    field, why = expected
    assert got == [f"OCIRepository oci-a is not pinned: {why}"]
    assert "schema" not in findings[0]["fix"] and "no ref means" not in findings[0]["fix"]
    line = {"spec": 6, "spec.ref": 9, "spec.ref.semver": 9, "spec.ref.tag": 9}[field]
    assert findings[0]["line"] == line


def test_an_image_without_digest_is_named_once(repo, check_json):
    """HL504 names a whole image reference as it is written: its tag once."""
    files = _deployment("ghcr.io/example/echo-b:2.0")
    _, findings = check_json(repo(files, base="rules/HL503/bad"), "--select", "HL504")
    messages = [f["message"].split(" has no digest")[0] for f in findings]
    assert "Deployment echo-b: image ghcr.io/example/echo-b:2.0" in messages
    assert not any(":2.0:2.0" in m for m in messages)


def _flux_ks(extra: str = "") -> str:
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
        "spec:\n  interval: 1h\n  path: ./apps\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n" + extra
    )


def _pod(name: str, image: str) -> str:
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: ns-a}}\n"
        f"spec:\n  containers: [{{name: main, image: '{image}'}}]\n"
    )


def _image_findings(check_json, root, *rules: str) -> list[tuple[str, str]]:
    _, findings = check_json(root, "--select", ",".join(rules))
    return sorted((f["rule"], f["message"].split(" has ")[0]) for f in findings)


def test_an_images_entry_retags_only_its_own_kustomizations_objects(repo, check_json):
    """kustomize runs a kustomization's `images:` over the objects of its own build: a sibling
    folder's entry does not set the tag of this folder's untagged image (kubectl kustomize v5.8.1)."""
    root = repo(
        {
            "clusters/c1/apps.yaml": _flux_ks(),
            "apps/kustomization.yaml": "resources: [./pinned, ./unpinned]\n",
            "apps/pinned/kustomization.yaml": "resources: [./pod.yaml]\nimages: [{name: example.invalid/app-a, newTag: '1.2.3'}]\n",
            "apps/pinned/pod.yaml": _pod("app-a", "example.invalid/app-a"),
            "apps/unpinned/kustomization.yaml": "resources: [./pod.yaml]\n",
            "apps/unpinned/pod.yaml": _pod("app-b", "example.invalid/app-a"),
        }
    )
    assert _image_findings(check_json, root, "HL503") == [("HL503", "Pod app-b: image example.invalid/app-a")]


def test_a_new_tag_replaces_the_digest_of_the_image(repo, check_json):
    """An `images:` entry's newTag replaces the tag and the digest (kustomize imagetag updater):
    a digest-pinned image is then pinned by tag only. The message names the reference once."""
    digest = "@sha256:" + "a" * 64
    root = repo(
        {
            "clusters/c1/apps.yaml": _flux_ks(),
            "apps/kustomization.yaml": (
                "resources: [./a.yaml, ./b.yaml]\nimages: [{name: example.invalid/app-a, newTag: '3.0'}]\n"
            ),
            "apps/a.yaml": _pod("app-a", "example.invalid/app-a" + digest),
            "apps/b.yaml": _pod("app-b", "example.invalid/app-b:2.0"),
        }
    )
    assert _image_findings(check_json, root, "HL503", "HL504") == [
        ("HL504", "Pod app-a: image example.invalid/app-a:3.0"),
        ("HL504", "Pod app-b: image example.invalid/app-b:2.0"),
    ]


def test_flux_spec_images_replace_the_kustomizations_entry_of_that_name(repo, check_json):
    """kustomize-controller merges spec.images into the kustomization at spec.path: an entry
    replaces the one of the same name, so a newName alone leaves the image untagged."""
    root = repo(
        {
            "clusters/c1/apps.yaml": _flux_ks("  images: [{name: example.invalid/app-a, newName: mirror.invalid/app-a}]\n"),
            "apps/kustomization.yaml": "resources: [./pod.yaml]\nimages: [{name: example.invalid/app-a, newTag: '1.2.3'}]\n",
            "apps/pod.yaml": _pod("app-a", "example.invalid/app-a"),
        }
    )
    assert _image_findings(check_json, root, "HL503") == [("HL503", "Pod app-a: image mirror.invalid/app-a")]


def test_an_image_a_replacement_writes_is_not_retagged(repo, check_json):
    """kustomize runs replacements after the images transformer (kubectl kustomize v5.8.1): an
    untagged image a replacement copies in stays untagged; a patch's image is retagged."""
    root = repo(
        {
            "clusters/c1/apps.yaml": _flux_ks(),
            "apps/kustomization.yaml": (
                "resources: [./a.yaml, ./b.yaml, ./cm.yaml]\nimages: [{name: example.invalid/app-a, newTag: '1.2.3'}]\n"
                "patches:\n  - target: {kind: Pod, name: app-b}\n    patch: |\n"
                "      - {op: replace, path: /spec/containers/0/image, value: example.invalid/app-a}\n"
                "replacements:\n  - source: {kind: ConfigMap, name: images, fieldPath: data.image}\n"
                "    targets:\n      - select: {kind: Pod, name: app-a}\n"
                "        fieldPaths: [spec.containers.0.image]\n"
            ),
            "apps/a.yaml": _pod("app-a", "placeholder:1.0"),
            "apps/b.yaml": _pod("app-b", "placeholder:1.0"),
            "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: images, namespace: ns-a}\ndata: {image: example.invalid/app-a}\n",
        }
    )
    assert _image_findings(check_json, root, "HL503") == [("HL503", "Pod app-a: image example.invalid/app-a")]


DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("ref", "fix"),
    [
        (f"  ref: {{tag: 1.2.3@{DIGEST}}}\n", "keep spec.ref.tag: 1.2.3 without it, or drop it"),
        (f"  ref: {{tag: '@{DIGEST}'}}\n", "drop spec.ref.tag"),
        # the digest, or a semver range, is pulled before the tag: the tag is not used
        (f"  ref: {{tag: 1.2.3@{DIGEST}, digest: {DIGEST}}}\n", None),
        (f'  ref: {{tag: 1.2.3@{DIGEST}, semver: "1.2.3"}}\n', None),
        ("  ref: {tag: 1.2.3}\n", None),
        (f"  ref: {{tag: '${{VERSION}}@{DIGEST}'}}\n", None),  # substituted first: not judged
    ],
    ids=["tag-at-digest", "at-digest", "digest-wins", "semver-wins", "plain-tag", "placeholder"],
)
def test_a_digest_written_into_the_tag_of_an_oci_repository_is_an_error(repo, check_json, ref, fix):
    """source-controller (getArtifactRef) pulls spec.ref.tag whole, as a tag (`repo.Tag(tag)`),
    when no digest or semver is set; a tag cannot hold '@', so `1.2.3@sha256:...` (the form
    Renovate writes) fails to pull and the source is never ready (source-controller#1471)."""
    oci = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: oci-a\n  namespace: ns-a\n"
        f"spec:\n  interval: 1h\n  url: oci://example.com/charts/chart-a\n{ref}"
    )
    _, findings = check_json(repo({"apps/oci-a.yaml": oci}), "--select", "HL502,HL506")
    got = [(f["rule"], f["severity"], f["line"], f["fix"]) for f in findings]
    if fix is None:
        assert got == []
        return
    assert got == [("HL506", "error", 9, f"move the digest to spec.ref.digest ({fix})")]
    assert findings[0]["message"].startswith("OCIRepository oci-a: spec.ref.tag '")


def test_a_hostile_tag_is_shown_bounded_and_printable(repo, check_json):
    """The tag is repository text: a long one with a control character is escaped and cut."""
    tag = "1.2.3\\u0007" + "x" * 5000 + "@sha256:" + "a" * 64
    oci = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: oci-a\n  namespace: ns-a\n"
        f'spec:\n  interval: 1h\n  url: oci://example.com/charts/chart-a\n  ref:\n    tag: "{tag}"\n'
    )
    _, findings = check_json(repo({"apps/oci-a.yaml": oci}), "--select", "HL506")
    (finding,) = findings
    assert "\x07" not in finding["message"] + finding["fix"] and "xxxx..." in finding["message"]
    assert len(finding["message"]) < 400 and len(finding["fix"]) < 400


# --- images in chart values from valuesFrom ----------------------------------------------------------
# helm-controller merges the valuesFrom entries in order, then spec.values over them
# (chartutil.ChartValuesFromReferences): the chart runs the image those values name.
def _values_from_app(values: str, inline: str = "", entries: str = "", extra: dict[str, str] | None = None) -> dict[str, str]:
    """App app-a (app-template) whose values come from ConfigMap app-a-values, generated from
    apps/values.yaml (`values`), then the `entries` given, then `inline` spec.values."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app-a, namespace: ns-a}\nspec:\n"
        "  interval: 1h\n  chart:\n    spec:\n      chart: app-template\n      version: 3.0.0\n"
        "      sourceRef: {kind: HelmRepository, name: repo-a}\n"
        "  valuesFrom:\n    - {kind: ConfigMap, name: app-a-values}\n" + entries + (f"  values:\n{inline}" if inline else "")
    )
    kustomization = (
        f"resources: [{', '.join(['./helmrelease.yaml', *(extra or {})])}]\nnamespace: ns-a\n"
        "configMapGenerator:\n  - name: app-a-values\n    files: [values.yaml]\n"
        "generatorOptions: {disableNameSuffixHash: true}\n"
    )
    files = {"helmrelease.yaml": release, "values.yaml": values, "kustomization.yaml": kustomization, **(extra or {})}
    return {"clusters/c1/apps.yaml": _flux_ks(), **{f"apps/{path}": text for path, text in files.items()}}


def _app_image(name: str, image: str) -> str:
    return f"controllers:\n  main:\n    containers:\n      {name}:\n        image: {image}\n"


def _located(check_json, root, *rules: str) -> list[tuple[str, str, str, int]]:
    _, findings = check_json(root, "--select", ",".join(rules))
    return sorted((f["rule"], f["message"].split(" has ")[0].split(" uses ")[0], f["path"], f["line"]) for f in findings)


FILE_SOURCE = "(set in ConfigMap app-a-values key values.yaml (generated from apps/values.yaml))"


def test_an_unpinned_image_in_a_values_from_file_is_reported_where_the_file_writes_it(repo, check_json):
    """The tag 'latest' (or no tag) of an image only the values file names is judged at its line there."""
    values = (
        "controllers:\n  main:\n    containers:\n"
        "      app:\n        image:\n          repository: ghcr.io/example/app-a\n          tag: latest\n"
        "      side:\n        image:\n          repository: ghcr.io/example/side-a\n"
    )
    root = repo(_values_from_app(values))
    assert _located(check_json, root, "HL503") == [
        ("HL503", f"HelmRelease app-a: image ghcr.io/example/app-a {FILE_SOURCE}", "apps/values.yaml", 7),
        ("HL503", f"HelmRelease app-a: image ghcr.io/example/side-a {FILE_SOURCE}", "apps/values.yaml", 10),
    ]


def test_an_image_in_values_from_is_judged_with_the_inline_values_over_it(repo, check_json):
    """spec.values wins: its tag pins (or unpins) the file's image, judged where spec.values writes
    it; its repository alone keeps the file's tag, judged at the file's tag."""
    values = (
        "controllers:\n  main:\n    containers:\n"
        "      app: {image: {repository: ghcr.io/example/app-a, tag: latest}}\n"
        "      other: {image: {repository: ghcr.io/example/app-b, tag: 1.2.3}}\n"
        "      third: {image: {repository: ghcr.io/example/app-c, tag: 1.0.0}}\n"
    )
    inline = (
        "    controllers:\n      main:\n        containers:\n"
        "          app: {image: {tag: 2.0.0}}\n"
        "          other: {image: {repository: mirror.invalid/app-b}}\n"
        "          third: {image: {tag: latest}}\n"
    )
    root = repo(_values_from_app(values, inline))
    assert _located(check_json, root, "HL503", "HL504") == [
        ("HL503", "HelmRelease app-a: image ghcr.io/example/app-c", "apps/helmrelease.yaml", 19),
        ("HL504", "HelmRelease app-a: image ghcr.io/example/app-a:2.0.0", "apps/helmrelease.yaml", 17),
        ("HL504", f"HelmRelease app-a: image mirror.invalid/app-b:1.2.3 {FILE_SOURCE}", "apps/values.yaml", 5),
    ]


def test_an_unpinned_image_in_a_values_config_map_is_reported_in_its_data(repo, check_json):
    config_map = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-a-config}\ndata:\n  values.yaml: |\n"
        "    controllers:\n      main:\n        containers:\n          app:\n"
        "            image: {repository: ghcr.io/example/app-a, tag: latest}\n"
    )
    entries = "    - {kind: ConfigMap, name: app-a-config}\n"
    root = repo(_values_from_app("{}\n", entries=entries, extra={"configmap.yaml": config_map}))
    assert _located(check_json, root, "HL503") == [
        (
            "HL503",
            "HelmRelease app-a: image ghcr.io/example/app-a (set in ConfigMap app-a-config key values.yaml)",
            "apps/configmap.yaml",
            10,
        )
    ]


@pytest.mark.parametrize(
    "entries",
    [
        "    - {kind: Secret, name: app-a-secret}\n",  # a Secret's values are never read
        "    - {kind: Secret, name: app-a-elsewhere, optional: true}\n",  # not in the repository: it may set any image
    ],
    ids=["secret", "unreadable"],
)
def test_an_image_a_secret_or_an_unreadable_source_may_write_is_not_judged(repo, check_json, entries):
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: app-a-secret}\nstringData:\n  values.yaml: |\n"
        "    controllers: {main: {containers: {app: {image: {repository: ghcr.io/example/app-b, tag: latest}}}}}\n"
    )
    values = _app_image("app", "{repository: ghcr.io/example/app-a, tag: latest}")
    root = repo(_values_from_app(values, entries=entries, extra={"secret.yaml": secret}))
    assert _located(check_json, root, "HL503", "HL504") == []


def test_an_image_automation_marker_in_a_values_file_makes_it_an_info(repo, check_json):
    """image-automation-controller reads every .yaml file that holds a marker (ScreeningLocalReader)
    and sets the field the marker comments, in a values file as anywhere."""
    values = _app_image(
        "app", "\n          repository: ghcr.io/example/app-a\n          tag: latest " + MARKER.format("app-a:tag")
    )
    root = repo(_values_from_app(values))
    _, findings = check_json(root, "--select", "HL503")
    assert [(f["severity"], f["path"], f["line"]) for f in findings] == [("info", "apps/values.yaml", 7)]


def test_a_secret_among_the_values_sources_hides_only_what_it_writes(repo, check_json):
    """A Secret's values that set another field of the container leave the file's image to judge."""
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: app-a-secret}\nstringData:\n  values.yaml: |\n"
        "    controllers: {main: {containers: {app: {env: {KEY_A: value-a}}}}}\n"
    )
    values = _app_image("app", "{repository: ghcr.io/example/app-a, tag: latest}")
    entries = "    - {kind: Secret, name: app-a-secret}\n"
    root = repo(_values_from_app(values, entries=entries, extra={"secret.yaml": secret}))
    assert _located(check_json, root, "HL503") == [
        ("HL503", f"HelmRelease app-a: image ghcr.io/example/app-a {FILE_SOURCE}", "apps/values.yaml", 5)
    ]
