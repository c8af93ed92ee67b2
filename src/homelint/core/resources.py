"""The packaged `rules/` and `schemas/` folders (wheel) or the source tree's (core.build), and the
schemas in them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from homelint.core.build import data_folder


@cache
def data_dir(name: str) -> Path:
    return Path(data_folder(name))


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))
