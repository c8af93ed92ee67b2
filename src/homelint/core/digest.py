"""BLAKE2b without loading OpenSSL: hashlib would (~4 ms at start-up) for the blake2b it takes from
CPython's own _blake2 module anyway."""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b

__all__ = ["blake2b"]
