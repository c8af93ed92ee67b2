"""Built-in checks: one module per family of rules, each registering its checks on import."""

from __future__ import annotations

from homelint.registry import Check, registered


def builtin_checks() -> list[Check]:
    """Every built-in check, in registration order. The modules are imported here, not at the top
    of this package: `checks.meta` and `checks.inputs` serve a warm run, which runs no check and
    would otherwise pay ~0.1 s to import them all."""
    from homelint.checks import (  # noqa: F401
        core,
        dryrun,
        pinning,
        placeholders,
        schemas,
        secrets,
        storage,
        talos,
        values,
        wiring,
    )

    return registered()
