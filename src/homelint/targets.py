"""`--target NAME=VERSION`: preview an upgrade before it is merged.

One flag serves two features: a NAME known as a controller (Flux, External Secrets, Kubernetes) is
for the API-version rules; any other NAME is a Helm chart, whose values are validated against the
values schema of VERSION (HL807).
"""

from __future__ import annotations

import re

CONTROLLERS = frozenset({"flux", "external-secrets", "kubernetes"})
_TARGET = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._/-]*)=(?P<version>[^\s=]+)$")


def parse_targets(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """{name: version} of `NAME=VERSION` strings (comma-separated lists allowed); ValueError names a bad one."""
    targets: dict[str, str] = {}
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            match = _TARGET.match(item)
            if match is None:
                raise ValueError(f"'{item}' is not NAME=VERSION (e.g. app-template=5.1.0 or flux=2.9)")
            targets[match["name"]] = match["version"].removeprefix("v") if match["name"] in CONTROLLERS else match["version"]
    return targets


def chart_targets(targets: dict[str, str]) -> dict[str, str]:
    """The targets that name charts (every name not known as a controller)."""
    return {name: version for name, version in targets.items() if name not in CONTROLLERS}
