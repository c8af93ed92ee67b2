"""Which files of a folder a Flux source puts in its artifact: source-controller's ignore rules,
matched as Flux matches them.

The patterns (fluxcd/pkg sourceignore): every `.sourceignore` file of the tree, each with its
own folder as the domain of its lines (LoadIgnorePatterns walks the folders in name order), then
the source's `spec.ignore` with the artifact's root as domain (gitrepository_controller.go
reconcileArtifact appends it last). fluxcd/pkg artifact/storage SourceIgnoreFilter puts the VCS
exclusions (`.git/`, ...) before them; the other default exclusions (`*.png`, `.github/`,
`**/.sops.yaml`, ...) apply only when there is no pattern at all (NewDefaultMatcher).

The matcher is go-git's gitignore matcher (plumbing/format/gitignore v5.16.4, copied into
fluxcd/pkg sourceignore/gitignore): the patterns are read from the last to the first and the first
that matches decides, exclude or (`!`) include. A pattern matches a path when it matches the path
or one of the folders it is in (`/flux` matches `flux/clusters/c1`), so a `!` pattern takes a file
back in below a folder an earlier pattern leaves out; a pattern of a `.sourceignore` matches only
below its folder. The archive (storage.go Archive) asks about every folder and file and does not
skip a folder it leaves out, so such a file is still in the artifact (with its folders).
A path element is matched with Go's filepath.Match (`*`, `?`, `[...]`, `\\`): here an RE2
expression, linear in the name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from homelint.core.regex import linear

SOURCEIGNORE = ".sourceignore"
# fluxcd/pkg sourceignore: ExcludeVCS, then ExcludeExt, ExcludeCI, ExcludeExtra (NewDefaultMatcher)
VCS_EXCLUDES = (".git/", ".gitignore", ".gitmodules", ".gitattributes")
DEFAULT_EXCLUDES = (
    *VCS_EXCLUDES,
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.png",
    "*.wmv",
    "*.flv",
    "*.tar.gz",
    "*.zip",
    ".github/",
    ".circleci/",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
    "**/.goreleaser.yml",
    "**/.sops.yaml",
    "**/.flux.yaml",
)
MAX_LINE = 64 * 1024  # bufio.Scanner's MaxScanTokenSize: ReadPatterns stops at a longer line

_NEVER = object()  # an element Go's filepath.Match rejects (ErrBadPattern): the pattern never matches


@lru_cache(maxsize=4096)
def _element(glob: str) -> Any:
    """One path element of a pattern: the string itself when it has no wildcard, else a compiled
    RE2 expression that matches a name as filepath.Match does, or _NEVER for a malformed glob."""
    if not any(c in glob for c in "*?[\\"):
        return glob
    out: list[str] = ["(?s)"]
    i, n = 0, len(glob)
    while i < n:
        char = glob[i]
        if char == "*":
            out.append(".*")
            i += 1
        elif char == "?":
            out.append(".")
            i += 1
        elif char == "\\":
            if i + 1 >= n:
                return _NEVER
            out.append(_char(glob[i + 1]))
            i += 2
        elif char == "[":
            found = _class(glob, i + 1)
            if found is None:
                return _NEVER
            text, i = found
            out.append(text)
        else:
            out.append(_char(char))
            i += 1
    try:
        return _Glob(linear("".join(out)))
    except ValueError:
        return _NEVER


class _Glob:
    """A compiled path element that keeps its verdict per name: a tree repeats its folder names in
    every path, and each decision asks every pattern of the path's folders about each of them."""

    __slots__ = ("_regex", "_seen")

    def __init__(self, regex: Any) -> None:
        self._regex = regex
        self._seen: dict[str, bool] = {}

    def fullmatch(self, name: str) -> bool:
        seen = self._seen.get(name)
        if seen is None:
            seen = self._seen[name] = self._regex.fullmatch(name) is not None
        return seen


def _char(char: str) -> str:
    return f"\\x{{{ord(char):x}}}"


def _class_char(glob: str, i: int) -> tuple[str, int] | None:
    """filepath.Match getEsc: one character of a class (`\\` escapes), and where the rest starts."""
    if i >= len(glob) or glob[i] in "-]":
        return None
    if glob[i] == "\\":
        i += 1
        if i >= len(glob):
            return None
    if i + 1 >= len(glob):
        return None  # a class must go on after the character (at least its `]`)
    return glob[i], i + 1


def _class(glob: str, i: int) -> tuple[str, int] | None:
    """A `[...]` class starting after its `[` (Go: `^` negates, `lo-hi` ranges, a `]` or `-` first
    is malformed, a reversed range matches nothing): RE2 text and where the glob goes on."""
    negated = i < len(glob) and glob[i] == "^"
    if negated:
        i += 1
    ranges: list[str] = []
    count = 0
    while True:
        if i < len(glob) and glob[i] == "]" and count > 0:
            i += 1
            break
        low = _class_char(glob, i)
        if low is None:
            return None
        lo, i = low
        hi = lo
        if glob[i] == "-":
            high = _class_char(glob, i + 1)
            if high is None:
                return None
            hi, i = high
        if lo <= hi:
            ranges.append(f"{_char(lo)}-{_char(hi)}")
        count += 1
    if not ranges:
        return (".", i) if negated else ("[^\\x{0}-\\x{10ffff}]", i)
    return f"[{'^' if negated else ''}{''.join(ranges)}]", i


def _matches(element: Any, name: str) -> bool:
    if isinstance(element, str):
        return element == name
    return element is not _NEVER and element.fullmatch(name)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One ignore line as go-git's ParsePattern reads it, with the folder it applies below
    (`domain`, relative to the artifact's root) and where it is written (for messages)."""

    text: str
    domain: tuple[str, ...]
    where: str
    inclusion: bool
    dir_only: bool
    is_glob: bool
    parts: tuple[str, ...]
    elements: tuple[Any, ...] = field(default=(), compare=False, repr=False)  # each part compiled (_element)

    @property
    def valid(self) -> bool:
        """False when an element is a malformed glob: filepath.Match fails, go-git reads no match."""
        return all(e is not _NEVER for p, e in zip(self.parts, self.elements, strict=True) if p not in ("", "**"))

    def matches(self, path: Sequence[str], is_dir: bool) -> bool:
        """go-git pattern.Match (without the include/exclude verdict)."""
        depth = len(self.domain)
        if len(path) <= depth or tuple(path[:depth]) != self.domain:
            return False
        rest = path[depth:]
        return self._glob(rest, is_dir) if self.is_glob else self._simple(rest, is_dir)

    def _simple(self, path: Sequence[str], is_dir: bool) -> bool:
        element = self.elements[0]
        if element is _NEVER:
            return False
        for index, name in enumerate(path):
            if _matches(element, name):
                return not (self.dir_only and not is_dir and index == len(path) - 1)
        return False

    def _glob(self, path: Sequence[str], is_dir: bool) -> bool:
        matched = traverse = False
        for index, part in enumerate(self.parts):
            if part == "":
                traverse = False
                continue
            if part == "**":
                if index == len(self.parts) - 1:
                    break
                traverse = True
                continue
            if "**" in part or not path:
                return False
            element = self.elements[index]
            if element is _NEVER:
                return False
            if traverse:
                traverse = False
                while path:
                    name, path = path[0], path[1:]
                    if _matches(element, name):
                        matched = True
                        break
                    if not path:
                        matched = False
            else:
                if not _matches(element, path[0]):
                    return False
                matched = True
                path = path[1:]
        if matched and self.dir_only and not is_dir and not path:
            matched = False
        return matched


def parse(line: str, domain: tuple[str, ...] = (), where: str = "") -> Pattern:
    """go-git ParsePattern: `!` includes, trailing spaces go (unless escaped), a trailing `/`
    matches folders only, a `/` anywhere else anchors the pattern at its domain."""
    text = line
    inclusion = line.startswith("!")
    if inclusion:
        line = line[1:]
    if not line.endswith("\\ "):
        line = line.rstrip(" ")
    dir_only = line.endswith("/")
    if dir_only:
        line = line[:-1]
    parts = tuple(line.split("/"))
    elements = tuple(_element(part) for part in parts)
    return Pattern(text, domain, where or f"`{text}`", inclusion, dir_only, "/" in line, parts, elements)


def read_patterns(text: str, domain: tuple[str, ...] = (), where: str = "") -> list[Pattern]:
    """fluxcd/pkg sourceignore ReadPatterns: one pattern a line (bufio.Scanner: `\\r\\n` ends a line
    too, and a line longer than its buffer ends the reading), except blank lines and lines that
    start with `#`. `where` names the file; each pattern's message names its line too."""
    found: list[Pattern] = []
    for raw in text.split("\n"):
        line = raw.removesuffix("\r")
        if len(line.encode("utf-8", "surrogateescape")) >= MAX_LINE:
            break
        if line.startswith("#") or not line.strip():
            continue
        shown = line.rstrip()
        found.append(parse(line, domain, f"{where} `{shown}`" if where else f"`{shown}`"))
    return found


def effective(patterns: Sequence[Pattern]) -> list[Pattern]:
    """The list source-controller's archive matches with (SourceIgnoreFilter): the default
    exclusions when there is no pattern, else the VCS exclusions and then the patterns."""
    defaults = VCS_EXCLUDES if patterns else DEFAULT_EXCLUDES
    return [parse(p, (), f"source-controller's default exclusion `{p}`") for p in defaults] + list(patterns)


class Matcher:
    """go-git's matcher over an ordered pattern list: the last pattern that matches a path decides.
    Only the patterns whose domain holds the path are asked (a `.sourceignore` of one folder says
    nothing elsewhere). A pattern without `/` matches a path when it matches one of its names
    below the domain: the last such pattern is kept per folder and per (domain, name), so a path
    costs its depth and the `/` patterns of its folders, whatever the number of files and patterns."""

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        self.patterns = [p for p in patterns if p.valid]
        self.by_domain: dict[str, list[int]] = {}
        self._globs: dict[str, list[int]] = {}  # per domain, the `/` patterns, last first
        for index, pattern in enumerate(self.patterns):
            domain = "/".join(pattern.domain)
            self.by_domain.setdefault(domain, []).append(index)
            if pattern.is_glob:
                self._globs.setdefault(domain, []).insert(0, index)
        self.includes = any(p.inclusion for p in self.patterns)
        self._names: dict[tuple[str, str], tuple[int, int]] = {}  # (domain, name): last simple match (folder, file)
        self._folders: dict[str, int] = {"": -1}  # folder: the last simple pattern matching one of its folders

    def deciding(self, path: str, is_dir: bool) -> Pattern | None:
        """The pattern that decides about `path` (relative to the artifact's root), or None."""
        if not self.patterns or not path:
            return None
        parts = path.split("/")
        prefixes = ["/".join(parts[:depth]) for depth in range(len(parts))]  # the folders strictly above
        domains = [depth for depth, prefix in enumerate(prefixes) if prefix in self.by_domain]
        best = self._folder(parts, prefixes, domains)
        for depth in domains:
            best = max(best, self._name(prefixes[depth], parts[-1])[0 if is_dir else 1])
        for depth in domains:
            for index in self._globs.get(prefixes[depth], ()):
                if index <= best:
                    break
                if self.patterns[index].matches(parts, is_dir):
                    best = index
                    break
        return self.patterns[best] if best >= 0 else None

    def _name(self, domain: str, name: str) -> tuple[int, int]:
        """The last simple pattern of `domain` matching `name`, as a folder and as a file (-1: none)."""
        key = (domain, name)
        found = self._names.get(key)
        if found is None:
            as_dir = as_file = -1
            for index in self.by_domain[domain]:
                pattern = self.patterns[index]
                if not pattern.is_glob and _matches(pattern.elements[0], name):
                    as_dir = index
                    if not pattern.dir_only:
                        as_file = index
            found = self._names[key] = (as_dir, as_file)
        return found

    def _folder(self, parts: list[str], prefixes: list[str], domains: list[int]) -> int:
        """The last simple pattern matching one of the folders above the path (`prefixes`) below
        its domain (one of `domains`); kept per folder."""
        depth = len(prefixes) - 1
        todo: list[int] = []  # the folders not known yet, deepest first
        while prefixes[depth] not in self._folders:
            todo.append(depth)
            depth -= 1
        best = self._folders[prefixes[depth]]
        for depth in reversed(todo):  # its parent's, and its own name in each domain above it
            for above in domains:
                if above >= depth:
                    break
                best = max(best, self._name(prefixes[above], parts[depth - 1])[0])
            self._folders[prefixes[depth]] = best
        return best

    def excluded(self, path: str, is_dir: bool) -> bool:
        pattern = self.deciding(path, is_dir)
        return pattern is not None and not pattern.inclusion
