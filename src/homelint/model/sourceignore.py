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


# what the general patterns of a Matcher may cost, in element matches (a name against a glob; a
# path against a pattern with `/` counts two): about a second of matching at most. Past it, a
# folder's general patterns are not matched (Matcher). Real ignore files have a handful.
BUDGET = 300_000


def _shape(glob: str) -> tuple[str, str]:
    """How a valid path element can be looked up: ("exact", name), ("suffix", text) for `*text`
    (`*` alone: any name), ("prefix", text) for `text*`, or ("general", "") (`?`, a class, or more
    than one run of `*`); a run of `*` matches what one does, `\\` escapes the next character."""
    segments = [""]
    i, star = 0, False
    while i < len(glob):
        char = glob[i]
        if char in "?[":
            return ("general", "")
        if char == "*":
            if not star:
                segments.append("")
            star = True
            i += 1
            continue
        if char == "\\":
            i += 1
            char = glob[i]
        segments[-1] += char
        star = False
        i += 1
    if len(segments) == 1:
        return ("exact", segments[0])
    if len(segments) == 2 and not segments[0]:
        return ("suffix", segments[1])
    if len(segments) == 2 and not segments[1]:
        return ("prefix", segments[0])
    return ("general", "")


class _Best:
    """The last pattern of a lookup key, as a folder (any) and as a file (not dir-only): -1 none."""

    __slots__ = ("as_dir", "as_file")

    def __init__(self) -> None:
        self.as_dir = self.as_file = -1

    def add(self, index: int, dir_only: bool) -> None:
        self.as_dir = max(self.as_dir, index)
        if not dir_only:
            self.as_file = max(self.as_file, index)


class _Affixes:
    """Patterns keyed by a text a name must end (or start) with: a name looks up each of its
    suffixes (prefixes) whose length some key has."""

    __slots__ = ("keys", "lengths", "suffix")

    def __init__(self, suffix: bool) -> None:
        self.keys: dict[str, _Best] = {}
        self.lengths: list[int] = []
        self.suffix = suffix

    def add(self, text: str, index: int, dir_only: bool) -> None:
        if text not in self.keys:
            self.keys[text] = _Best()
            self.lengths = sorted({*self.lengths, len(text)})
        self.keys[text].add(index, dir_only)

    def best(self, name: str, found: _Best) -> None:
        for length in self.lengths:
            if length > len(name):
                break
            key = name[len(name) - length :] if self.suffix else name[:length]
            hit = self.keys.get(key)
            if hit is not None:
                found.as_dir = max(found.as_dir, hit.as_dir)
                found.as_file = max(found.as_file, hit.as_file)


class _Domain:
    """The patterns of one domain, indexed by shape. A pattern without `/` matches one name: an
    exact name is a key, `*text` and `text*` are looked up by the name's suffixes and prefixes, any
    other glob is matched (general). A pattern with `/` and only exact names is a path of a trie
    from the domain; any other is matched (general), only against the paths whose first name below
    the domain is its first part when that part is exact."""

    def __init__(self) -> None:
        self.exact: dict[str, _Best] = {}
        self.suffixes = _Affixes(suffix=True)
        self.prefixes = _Affixes(suffix=False)
        self.general: list[int] = []  # patterns without `/`, last first
        self.trie: dict[str, Any] = {}  # name -> (_Best of the patterns ending there, children)
        self.globs: list[int] = []  # general patterns with `/`, last first
        # the same, by the name a path must start with below the domain (a literal first part), and
        # those without one (`**`, a glob first): a path is matched against its head's and the rest
        self.headed: dict[str, list[int]] = {}
        self.unheaded: list[int] = []
        self.dropped: list[int] = []  # the general patterns not matched (over the budget)
        self.unmodelled = -1  # the last of them, -1: none

    def add(self, index: int, pattern: Pattern) -> None:
        if not pattern.is_glob:
            kind, text = _shape(pattern.parts[0])
            if kind == "exact":
                self.exact.setdefault(text, _Best()).add(index, pattern.dir_only)
            elif kind == "suffix":
                self.suffixes.add(text, index, pattern.dir_only)
            elif kind == "prefix":
                self.prefixes.add(text, index, pattern.dir_only)
            else:
                self.general.insert(0, index)
            return
        names = [part for part in pattern.parts if part]
        if not names or "**" in pattern.text:
            self._glob(index, pattern)  # `**` (or a part with it) and the parts that never match
            return
        if not all(isinstance(pattern.elements[i], str) for i, part in enumerate(pattern.parts) if part):
            self._glob(index, pattern)
            return
        node: list[Any] = [None, self.trie]
        for name in names:
            node = node[1].setdefault(name, [_Best(), {}])
        node[0].add(index, pattern.dir_only)

    def _glob(self, index: int, pattern: Pattern) -> None:
        """A general pattern with `/`; go-git's globMatch compares its first part that is not empty
        with the path's first name below the domain (unless it is `**`), so a literal one is a key."""
        self.globs.insert(0, index)
        head = next(i for i, part in enumerate(pattern.parts) if part) if any(pattern.parts) else None
        if head is not None and "**" not in pattern.parts[head] and isinstance(pattern.elements[head], str):
            self.headed.setdefault(pattern.elements[head], []).insert(0, index)
        else:
            self.unheaded.insert(0, index)

    def globs_per_path(self) -> int:
        """The most general `/` patterns one path is matched against."""
        return len(self.unheaded) + max(map(len, self.headed.values()), default=0)

    def glob_candidates(self, head: str) -> tuple[list[int], list[int]]:
        """The general `/` patterns that may match a path whose first name below the domain is `head`
        (each list last first)."""
        return self.unheaded, self.headed.get(head, [])


class Matcher:
    """go-git's matcher over an ordered pattern list: the last pattern that matches a path decides.
    Only the patterns whose domain holds the path are asked (a `.sourceignore` of one folder says
    nothing elsewhere). A pattern without `/` matches a path when it matches one of its names
    below the domain: the last such pattern is kept per folder and per (domain, name), so a path
    costs its depth and the `/` patterns of its folders, whatever the number of files.

    Patterns are indexed by shape (_Domain), so the cost grows with the general ones only: `paths`
    and `names` bound what the matcher is asked about (how many paths, how many distinct names),
    and when the general patterns times those would pass the budget, the domains with the most general
    patterns are not matched: a path one of them could decide is unknown (`known`), never guessed."""

    def __init__(self, patterns: Iterable[Pattern], paths: int, names: int, budget: int | None = None) -> None:
        self.patterns = [p for p in patterns if p.valid]
        self.by_domain: dict[str, _Domain] = {}
        for index, pattern in enumerate(self.patterns):
            self.by_domain.setdefault("/".join(pattern.domain), _Domain()).add(index, pattern)
        self.includes = any(p.inclusion for p in self.patterns)
        self.unmodelled: list[str] = []  # domains whose general patterns are not matched
        cost = {d: len(s.general) * names + 2 * s.globs_per_path() * paths for d, s in self.by_domain.items()}
        total, budget = sum(cost.values()), BUDGET if budget is None else budget
        for domain in sorted(cost, key=lambda d: (-cost[d], d)):
            if total <= budget:
                break
            total -= cost[domain]
            self.unmodelled.append(domain)
            at = self.by_domain[domain]
            at.dropped, at.general, at.globs = sorted(at.general + at.globs), [], []
            at.headed, at.unheaded = {}, []
            at.unmodelled = at.dropped[-1]
        self._names: dict[tuple[str, str], tuple[int, int]] = {}  # (domain, name): last simple match (folder, file)
        self._folders: dict[str, int] = {"": -1}  # folder: the last simple pattern matching one of its folders

    def where(self, domain: str) -> list[str]:
        """Where the patterns of a domain that are not matched are written (the files), in their order."""
        return list(dict.fromkeys(self.patterns[i].where.rsplit(" `", 1)[0] for i in self.by_domain[domain].dropped))

    def _decide(self, path: str, is_dir: bool) -> tuple[int, bool]:
        """The index of the pattern that decides about `path` (-1: none), and whether that is known."""
        if not self.patterns or not path:
            return -1, True
        parts = path.split("/")
        prefixes = ["/".join(parts[:depth]) for depth in range(len(parts))]  # the folders strictly above
        domains = [depth for depth, prefix in enumerate(prefixes) if prefix in self.by_domain]
        best = self._folder(parts, prefixes, domains)
        for depth in domains:
            best = max(best, self._name(prefixes[depth], parts[-1])[0 if is_dir else 1])
        for depth in domains:
            best = max(best, self._trie(self.by_domain[prefixes[depth]], parts[depth:], is_dir))
        for depth in domains:
            for candidates in self.by_domain[prefixes[depth]].glob_candidates(parts[depth]):
                for index in candidates:  # the last match of either list: the last of all
                    if index <= best:
                        break
                    if self.patterns[index].matches(parts, is_dir):
                        best = index
                        break
        known = all(self.by_domain[prefixes[depth]].unmodelled <= best for depth in domains)
        return best, known

    def deciding(self, path: str, is_dir: bool) -> Pattern | None:
        """The pattern that decides about `path` (relative to the artifact's root), or None (none
        does, or the pattern is not known: see `known`)."""
        best, known = self._decide(path, is_dir)
        return self.patterns[best] if best >= 0 and known else None

    def known(self, path: str, is_dir: bool) -> bool:
        """False when a pattern of an unmodelled domain could decide about `path`."""
        return self._decide(path, is_dir)[1]

    @staticmethod
    def _trie(domain: _Domain, rest: list[str], is_dir: bool) -> int:
        """The last pattern of the domain's trie matching `rest` or a folder it is in."""
        best, level = -1, domain.trie
        for depth, name in enumerate(rest):
            node = level.get(name)
            if node is None:
                break
            last = depth == len(rest) - 1
            best = max(best, node[0].as_file if last and not is_dir else node[0].as_dir)
            level = node[1]
        return best

    def _name(self, domain: str, name: str) -> tuple[int, int]:
        """The last simple pattern of `domain` matching `name`, as a folder and as a file (-1: none)."""
        key = (domain, name)
        found = self._names.get(key)
        if found is None:
            at = self.by_domain[domain]
            best = _Best()
            hit = at.exact.get(name)
            if hit is not None:
                best.add(hit.as_dir, True)
                best.add(hit.as_file, False)
            at.suffixes.best(name, best)
            at.prefixes.best(name, best)
            for index in at.general:
                if index <= best.as_file:
                    break
                pattern = self.patterns[index]
                if (index > best.as_dir or not pattern.dir_only) and _matches(pattern.elements[0], name):
                    best.add(index, pattern.dir_only)
            found = self._names[key] = (best.as_dir, best.as_file)
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
        """Whether the pattern that decides about `path` leaves it out (False when not known)."""
        pattern = self.deciding(path, is_dir)
        return pattern is not None and not pattern.inclusion
