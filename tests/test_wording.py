"""Messages put 'a' or 'an' before a noun or a kind as it is read aloud (core/wording.py)."""

from __future__ import annotations

import pytest

from homelint.core.wording import with_article


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("HelmRelease", "a HelmRelease"),
        ("Kustomization", "a Kustomization"),
        ("OCIRepository", "an OCIRepository"),
        ("ExternalSecret", "an ExternalSecret"),
        ("ExternalArtifact", "an ExternalArtifact"),
        ("Ingress", "an Ingress"),
        ("HTTPRoute", "an HTTPRoute"),
        ("IPAddressPool", "an IPAddressPool"),
        ("L2Advertisement", "an L2Advertisement"),
        ("CRD", "a CRD"),
        ("URL", "a URL"),
        ("integer", "an integer"),
        ("object or null", "an object or null"),
        ("string", "a string"),
        ("unique name", "a unique name"),
        ("int", "an int"),
        ("", "a "),
    ],
)
def test_the_article_follows_the_sound(word, expected):
    assert with_article(word) == expected


def test_a_schema_error_names_the_type_with_its_article():
    from types import SimpleNamespace

    from homelint.core.schemaerrors import describe

    error = SimpleNamespace(validator="type", validator_value="integer", instance="x", message="")
    assert describe(error, "spec.replicas") == "spec.replicas must be an integer, not a string"
