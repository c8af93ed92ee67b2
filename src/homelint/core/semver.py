"""Semantic versions and the constraint language Flux resolves chart versions with (Masterminds/semver
v3, SEMANTICS.md 4): `1.2.3`, `1.2` (= 1.2.x), `1.x`, `*`, `~1.2`, `^1.2.3`, `>=1.0 <2.0`, `a - b`, `||`.

Only what `homelint schemas pull` needs to pick the version a range resolves to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(
    r"^[vV=]?(?P<major>0|[1-9]\d*|[xX*])(?:\.(?P<minor>\d+|[xX*]))?(?:\.(?P<patch>\d+|[xX*]))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_TERM = re.compile(r"^(?P<op>>=|=>|<=|=<|!=|~>|[=<>~^])?\s*(?P<version>\S+)$")
_WILD = ("x", "X", "*")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    pre: tuple[tuple[int, int | str], ...] = ()  # empty: a release (sorts after its prereleases)

    @property
    def is_prerelease(self) -> bool:
        return bool(self.pre)

    def key(self) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, self.pre)


def _pre(text: str | None) -> tuple[tuple[int, int | str], ...]:
    if not text:
        return ()
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in text.split("."))


def parse_version(text: str) -> Version | None:
    """A full version (`1.2.3`, `v1.2.3-rc.1+build`); None for anything else, wildcards included."""
    match = _VERSION.match(text.strip())
    if not match or any(match.group(g) in _WILD or match.group(g) is None for g in ("major", "minor", "patch")):
        return None
    return Version(int(match["major"]), int(match["minor"]), int(match["patch"]), _pre(match["pre"]))


Bound = tuple[str, Version] | tuple[str, Version, Version]


def _bounds(op: str, text: str) -> list[Bound] | None:
    """The comparisons one constraint term means: [(op, version)], or None if it does not parse."""
    match = _VERSION.match(text)
    if not match:
        return None
    parts = [match["major"], match["minor"], match["patch"]]
    given = 0
    for part in parts:
        if part is None or part in _WILD:
            break
        given += 1
    nums = [int(p) if i < given else 0 for i, p in enumerate(parts)]
    pre = _pre(match["pre"]) if given == 3 else ()
    low = Version(nums[0], nums[1], nums[2], pre)

    def bump(level: int) -> Version:  # the first version after every X(.Y) with `level` parts fixed
        if level == 1:
            return Version(nums[0] + 1, 0, 0, ((0, 0),))
        if level == 2:
            return Version(nums[0], nums[1] + 1, 0, ((0, 0),))
        return Version(nums[0], nums[1], nums[2] + 1, ((0, 0),))

    if given == 0:
        return [] if op in ("", "=", ">=", "=>", "<=", "=<", "~", "~>", "^") else [("<", Version(0, 0, 0, ((0, 0),)))]
    if op in ("", "="):
        return [("=", low)] if given == 3 else [(">=", low), ("<", bump(given))]
    if op == "!=":
        return [("!=", low)] if given == 3 else [("<", low, bump(given))]  # outside [low, bump)
    if op in (">=", "=>"):
        return [(">=", low)]
    if op == ">":
        return [(">", low)] if given == 3 else [(">=", bump(given))]
    if op == "<":
        return [("<", low)]
    if op in ("<=", "=<"):
        return [("<=", low)] if given == 3 else [("<", bump(given))]
    if op in ("~", "~>"):
        return [(">=", low), ("<", bump(1 if given == 1 else 2))]
    if op == "^":
        if nums[0] > 0 or given == 1:
            return [(">=", low), ("<", bump(1))]
        if nums[1] > 0 or given == 2:
            return [(">=", low), ("<", bump(2))]
        return [(">=", low), ("<", bump(3))]
    return None


def _holds(version: Version, bound: Bound) -> bool:
    v, b = version.key(), bound[1].key()
    if len(bound) == 3:  # a `!=` wildcard: below the range or at/after its end
        return v < b or v >= bound[2].key()
    return {"=": v == b, "!=": v != b, ">=": v >= b, ">": v > b, "<": v < b, "<=": v <= b}[bound[0]]


@dataclass(frozen=True)
class Constraint:
    groups: tuple[tuple[Bound, ...], ...]  # OR of ANDs
    prerelease: tuple[bool, ...]  # per group: does it name a prerelease (then prereleases may match)

    def allows(self, version: Version) -> bool:
        return any(
            (pre or not version.is_prerelease) and all(_holds(version, bound) for bound in group)
            for group, pre in zip(self.groups, self.prerelease, strict=True)
        )


def parse_constraint(text: str) -> Constraint | None:
    groups: list[tuple[Bound, ...]] = []
    pres: list[bool] = []
    for alternative in text.split("||"):
        alternative = alternative.strip()
        hyphen = re.fullmatch(r"(\S+)\s+-\s+(\S+)", alternative)
        terms: list[tuple[str, str]] = []
        if hyphen:
            terms = [(">=", hyphen[1]), ("<=", hyphen[2])]
        else:
            # `>= 1.2` (operator, space, version) is one term; commas and spaces separate terms
            tokens = re.findall(r"(?:>=|=>|<=|=<|!=|~>|[=<>~^])?\s*[^\s,]+", alternative.replace(",", " "))
            for token in tokens:
                match = _TERM.match(token.strip())
                if not match:
                    return None
                terms.append((match["op"] or "", match["version"]))
        group: list[Bound] = []
        for op, version in terms:
            bounds = _bounds(op, version)
            if bounds is None:
                return None
            group.extend(bounds)
        groups.append(tuple(group))
        pres.append("-" in alternative.replace(" - ", " "))
    return Constraint(tuple(groups), tuple(pres))


def best_match(constraint_text: str, candidates: list[str]) -> str | None:
    """The highest of `candidates` the constraint allows; an exact string match wins first (as
    source-controller does)."""
    text = constraint_text.strip()
    if text in candidates:
        return text
    constraint = parse_constraint(text or "*")
    if constraint is None:
        return None
    best: tuple[Version, str] | None = None
    for candidate in candidates:
        version = parse_version(candidate)
        if version is None or not constraint.allows(version):
            continue
        if best is None or version.key() > best[0].key():
            best = (version, candidate)
    return best[1] if best else None
