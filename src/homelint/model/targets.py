"""Kubernetes label selectors and kustomize patch targets, as kustomize matches them.

The grammar is apimachinery's `labels.Parse` (k8s.io/apimachinery/pkg/labels/selector.go):
comma-separated requirements `key`, `!key`, `key=v`, `key==v`, `key!=v`, `key in (a,b)`,
`key notin (a,b)`, `key>n`, `key<n`. `!=` and `notin` also match when the key is absent.
kustomize's `types.Selector` (api/types/selector.go, SelectorRegex) matches group, version, kind,
name and namespace as anchored regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from homelint.core.regex import linear

_TOKEN = re.compile(r"\s*(\(|\)|,|==|!=|=|!|<|>|[^\s(),=!<>]+)")
_WORDS = ("in", "notin")


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    op: str  # exists | !exists | = | != | in | notin | gt | lt
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!exists":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        if self.op in ("gt", "lt"):
            try:
                have, want = int(str(value)), int(self.values[0])
            except (TypeError, ValueError):
                return False
            return have > want if self.op == "gt" else have < want
        return False


class SelectorError(ValueError):
    """A selector kustomize would refuse to parse."""


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise SelectorError(f"unexpected character at {pos}")
        out.append(match.group(1))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


@lru_cache(maxsize=1024)
def parse_selector(text: str) -> tuple[Requirement, ...]:
    """The requirements of a selector string; raises SelectorError when it is malformed."""
    tokens = _tokens(text)
    reqs: list[Requirement] = []
    i = 0

    def take() -> str:
        nonlocal i
        if i >= len(tokens):
            raise SelectorError("unexpected end of selector")
        i += 1
        return tokens[i - 1]

    while i < len(tokens):
        token = take()
        if token == "!":
            reqs.append(Requirement(take(), "!exists"))
        else:
            key = token
            if key in ("(", ")", ",", "=", "==", "!="):
                raise SelectorError(f"unexpected '{key}'")
            if i >= len(tokens) or tokens[i] == ",":
                reqs.append(Requirement(key, "exists"))
            else:
                op = take()
                if op in ("=", "=="):
                    reqs.append(Requirement(key, "=", (_value(tokens, i),)))
                    i += 1 if i < len(tokens) and tokens[i] != "," else 0
                elif op == "!=":
                    reqs.append(Requirement(key, "!=", (_value(tokens, i),)))
                    i += 1 if i < len(tokens) and tokens[i] != "," else 0
                elif op in _WORDS:
                    if take() != "(":
                        raise SelectorError(f"'{op}' needs a parenthesised list")
                    values: list[str] = []
                    while True:
                        item = take()
                        if item == ")":
                            break
                        if item == ",":
                            continue
                        values.append(item)
                    reqs.append(Requirement(key, op, tuple(values)))
                elif op in (">", "<"):
                    reqs.append(Requirement(key, "gt" if op == ">" else "lt", (take(),)))
                else:
                    raise SelectorError(f"unknown operator '{op}'")
        if i < len(tokens):
            if tokens[i] != ",":
                raise SelectorError(f"expected ',' before '{tokens[i]}'")
            i += 1
    return tuple(reqs)


def _value(tokens: list[str], i: int) -> str:
    """The value after `=`/`!=`: empty when the requirement ends there (`key=`)."""
    return tokens[i] if i < len(tokens) and tokens[i] != "," else ""


def selector_matches(text: str, labels: Any) -> bool | None:
    """Whether `labels` satisfy the selector; None when the selector is malformed."""
    try:
        reqs = parse_selector(text)
    except SelectorError:
        return None
    present = {str(k): _label_text(v) for k, v in labels.items()} if isinstance(labels, dict) else {}
    return all(req.matches(present) for req in reqs)


def _label_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@lru_cache(maxsize=1024)
def _anchored(pattern: str) -> Callable[[str], Any] | None:
    """A kustomize target regex (group, version, kind, name, namespace), anchored: a Go regexp,
    so RE2 (linear time on any pattern a repository commits)."""
    try:
        return linear(f"^(?:{pattern})$").search
    except ValueError:
        return None


def target_matches(
    target: Any, obj: Mapping[str, Any], namespace: str | None, names: tuple[str, ...] | None = None
) -> bool | None:
    """Whether a kustomize patch `target` selects the object (as it stands in the build, in
    `namespace`); None when the target cannot be evaluated (a malformed selector or regex).
    `names`: the names the object is selected by, when not only its metadata.name (kustomize's
    resmap Select matches a target name against the object's original or current name)."""
    if not isinstance(target, dict):
        return False
    api = obj.get("apiVersion")
    api = api if isinstance(api, str) else ""
    group, _, version = api.rpartition("/")
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    kind = obj.get("kind")
    own = meta.get("name")
    candidates = names if names is not None else (str(own) if own is not None else "",)
    fields = (("kind", (kind,)), ("group", (group,)), ("version", (version,)), ("name", candidates), ("namespace", (namespace,)))
    for key, actuals in fields:
        want = target.get(key)
        if want:
            match = _anchored(str(want))
            if match is None:
                return None
            if not any(match(str(actual) if actual is not None else "") for actual in actuals):
                return False
    for key, field in (("labelSelector", "labels"), ("annotationSelector", "annotations")):
        want = target.get(key)
        if isinstance(want, str) and want.strip():
            result = selector_matches(want, meta.get(field))
            if not result:
                return result
    return True
