"""The rules: the registry, data-only rules, and one module per family of built-in checks, each
registering its checks on import."""

from __future__ import annotations

import importlib
import pkgutil

from homelint.rules.registry import Check, registered


def builtin_checks() -> list[Check]:
    """Every built-in check, in registration order (modules by name). Every module of this package
    is imported here, so a new module of checks needs no list to join; not at the top of this
    package: `rules.meta` and `rules.inputs` serve a warm run, which runs no check and would
    otherwise pay ~0.1 s to import them all."""
    for name in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{name}")
    return registered()
