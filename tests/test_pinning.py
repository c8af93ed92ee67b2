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
