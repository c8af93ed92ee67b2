"""What checks read besides the YAML files and the walked tree, for the run cache key.

Kept apart from the check modules: a warm run computes the key without importing them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from homelint.model.config import Config, placeholder_doc_files
from homelint.model.schemastore import signature
from homelint.rules.registry import matches

InputsFn = Callable[[Path, Config, "set[str] | list[str]"], Iterator[bytes]]


def placeholder_docs(root: Path, config: Config, all_files: set[str] | list[str]) -> Iterator[bytes]:
    """The placeholder docs, read in full by HL202/HL203."""
    for path in placeholder_doc_files(config, all_files):
        with contextlib.suppress(OSError):
            yield f"{path}\0".encode() + (root / path).read_bytes()


def schema_store(root: Path, config: Config, all_files: set[str] | list[str]) -> Iterator[bytes]:
    """The schema store and schemas.paths, which the HL8xx and HL91x rules validate against."""
    yield signature(config, root).encode()


# (rule selectors, what those rules read): an input counts when one of its rules is enabled
INPUTS: list[tuple[tuple[str, ...], InputsFn]] = [
    (("HL202", "HL203"), placeholder_docs),
    (("HL8", "HL91"), schema_store),
]


def run_inputs(root: Path, config: Config, all_files: set[str] | list[str], enabled: set[str]) -> Iterator[bytes]:
    """Every input of the enabled rules, in a fixed order."""
    for selectors, read in INPUTS:
        if any(matches(rule, list(selectors)) for rule in enabled):
            yield from read(root, config, all_files)
