"""Locate the packaged `rules/` and `schemas/` folders (wheel) or the source tree's."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent.parent  # homelint/


@cache
def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"homelint data folder '{name}' is missing from this installation")


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))
