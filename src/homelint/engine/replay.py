"""Replay: the output of a `homelint check` whose invocation and inputs are unchanged, written
without importing the linter (the unchanged path of an editor or a hook: Python's start-up and
~10 ms, where loading the CLI, the config and the run cache took ~140 ms).

A check that the cache answered (nothing changed since the run before) is recorded (`record`): its
exact invocation (arguments, working folder, environment, which streams are terminals, Python and
homelint) names a record of the stat of every path the run depended on (the walked folders and
ignore files, every file of the tree, the config, baseline, rule and makejinja files, .git/config (its remotes), the markers
that chose the repository root, the schema store's index), the symlinks the walk followed, and the
bytes it wrote to stdout and stderr with its exit code. The next identical invocation (`replay`)
stats those paths and, when every stamp is as recorded, writes the same bytes and exits with the
same code. Checks that write files, compare with git, watch or skip the cache are never recorded;
`homelint clean` deletes every record.

A stamp is (size, mtime, ctime, inode): a rewrite, a rename over the file or a `touch` changes it.
A path changed in the two seconds before the run started is not recorded (it could change again
within its timestamp's tick, as cache.RACY_NS explains), so a recorded stamp stands for the content
the run read. The record lives in the per-user cache folder (userstore.py), signed with the user's
key like every cache file: a forged or copied record is absent.
"""

from __future__ import annotations

import contextlib
import io
import marshal
import os
import sys
from stat import S_ISDIR, S_ISREG

from homelint import __version__
from homelint.core.build import build_id
from homelint.engine.userstore import blake2b, cache_home, open_home, read_private, seal, subdir, unseal, user_key

TYPE_CHECKING = False  # typing and pathlib cost the replay ~15 ms of imports
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any


FORMAT = 2  # bump when a record's shape changes
FOLDER = "replay"
MAGIC = b"HLREPLAY"
PERSON = b"homelint-replay"  # the MAC's personalisation: a cache file is never a record
MAX_RECORD = 256 << 20
KEPT = 64  # records kept (one per distinct invocation), the least recently written removed first
RACY_NS = 2_000_000_000
VOLATILE_ENV = ("_", "OLDPWD")  # set by shells to the previous command and folder; nothing reads them

ARGV: list[str] | None = None  # the arguments of a `homelint check` process (set by __main__): it may be recorded
Stamp = tuple[int, int, int, int] | None


def invocation(argv: list[str]) -> str:
    """The name of a check's record: everything its output can depend on besides the files
    (OSError when the working folder is gone)."""
    cwd = os.getcwd()
    ttys = []
    for fd in (1, 2):
        try:
            ttys.append(os.get_terminal_size(fd) if os.isatty(fd) else None)
        except OSError:
            ttys.append(None)
    resolved = [os.path.realpath(arg) if os.path.lexists(arg) else None for arg in argv]  # a symlink retargeted
    env = sorted((k, v) for k, v in os.environ.items() if k not in VOLATILE_ENV)
    parts = (
        FORMAT,
        __version__,
        build_id(),
        sys.executable,
        __file__,
        cwd,
        argv,
        resolved,
        env,
        [tuple(t) if t else None for t in ttys],
    )
    # repr, not marshal: marshal's bytes for equal values depend on how objects are shared
    return blake2b(repr(parts).encode(), digest_size=20, person=b"homelint-replay").hexdigest()


def stamp(path: str) -> Stamp:
    """(size, mtime, ctime, inode) of `path` (through symlinks); None when absent or unreadable."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def link_target(link: str) -> str:
    """What a symlink stands for: its target's real path and kind (dir, file, other or missing),
    so that a broken link whose target appears (in a folder no stamp covers) is a change."""
    target = os.path.realpath(link)
    try:
        mode = os.stat(link).st_mode
    except (OSError, ValueError):
        return target + "\0missing"
    return target + ("\0dir" if S_ISDIR(mode) else "\0file" if S_ISREG(mode) else "\0other")


def _context(name: str) -> bytes:
    """What a record's MAC binds besides its bytes: the record format, homelint's version, its name."""
    return f"{FORMAT}/{__version__}/{build_id()}/{name}\0".encode()


def _folder(home: str, create: bool) -> tuple[int, bytes]:
    """(a descriptor of the records' folder, the user's signing key); OSError when either is not
    this user's own (or, unless `create`, absent)."""
    if create:
        with contextlib.suppress(OSError):
            os.makedirs(home, mode=0o700, exist_ok=True)
    fd = open_home(os.path.realpath(home))
    try:
        key = user_key(fd, create=create)
    except OSError:
        os.close(fd)
        raise
    return subdir(fd, FOLDER, create=create), key


def _valid(record: object) -> bool:
    """The record's shape (the stamps are checked as they are read: see lookup)."""
    if not (isinstance(record, tuple) and len(record) == 5):
        return False
    stamps, links, out, err, code = record
    return (
        isinstance(stamps, list)
        and isinstance(links, list)
        and isinstance(out, bytes)
        and isinstance(err, bytes)
        and type(code) is int
    )


def lookup(argv: list[str]) -> tuple[bytes, bytes, int] | None:
    """(stdout, stderr, exit code) recorded for this invocation, if every path it depended on is
    as it was; else None."""
    home = cache_home()
    if home is None:
        return None
    try:
        name = invocation(argv)
        folder, key = _folder(home, create=False)
        try:
            raw = read_private(folder, name, MAX_RECORD)
        finally:
            os.close(folder)
    except OSError:
        return None
    payload = unseal(MAGIC, key, PERSON, _context(name), raw)
    if payload is None:
        return None
    try:
        record = marshal.loads(payload)
    except Exception:
        return None
    if not _valid(record):
        return None
    stamps, links, out, err, code = record
    try:
        for path, recorded in stamps:
            if type(path) is not str or stamp(path) != recorded:
                return None
        for link, target in links:
            if link_target(link) != target:
                return None
    except (TypeError, ValueError):  # not the shape record() writes
        return None
    return out, err, code


def replay(argv: list[str]) -> int | None:
    """Write the recorded output of this invocation and return its exit code; None when there is
    none to replay (then nothing was written)."""
    found = lookup(argv)
    if found is None:
        return None
    out, err, code = found
    for fd, data in ((1, out), (2, err)):
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view) :]
        except OSError:
            pass  # the reader left (`| head`): as a run would, say nothing more; the code still tells
    return code


def record(
    argv: list[str],
    paths: list[str],
    links: list[str],
    out: bytes,
    err: bytes,
    code: int,
    started_ns: int,
    expected: dict[str, Any] | None = None,
) -> bool:
    """Keep this invocation's output for `replay`, with the stamps of `paths` (absolute) and the
    targets of `links`, unless a path changed since two seconds before `started_ns`, or is not as
    `expected` says (path: (size, mtime_ns) or None when absent; link: its target). True if kept."""
    from pathlib import Path  # the replay itself never writes

    from homelint.loading.safeio import atomic_write

    home = cache_home()
    if home is None:
        return False
    limit = started_ns - RACY_NS
    stamps: list[tuple[str, Stamp]] = []
    expected = expected or {}
    for path in dict.fromkeys(paths):
        current = stamp(path)
        if current is not None and (current[1] >= limit or current[2] >= limit):
            return False  # changed too recently for its stamp to show the next change
        if path in expected and (current[:2] if current is not None else None) != expected[path]:
            return False  # not as the run saw it
        stamps.append((path, current))
    resolved = [(link, link_target(link)) for link in links]
    if any(link in expected and target.partition("\0")[0] != expected[link] for link, target in resolved):
        return False
    payload = marshal.dumps((stamps, resolved, out, err, code))
    try:
        name = invocation(argv)
        folder, key = _folder(home, create=True)
        try:
            atomic_write(Path(name), seal(MAGIC, key, PERSON, _context(name), payload), mode=0o600, dir_fd=folder)
            _prune(folder, keep=name)
        finally:
            os.close(folder)
    except (OSError, ValueError):
        return False
    return True


def _prune(folder: int, keep: str) -> None:
    """At most KEPT records: the least recently written go."""
    names = [n for n in os.listdir(folder) if len(n) == 40 and n != keep]
    if len(names) < KEPT:
        return
    aged = []
    for name in names:
        try:
            aged.append((os.stat(name, dir_fd=folder, follow_symlinks=False).st_mtime_ns, name))
        except OSError:
            continue
    for _, name in sorted(aged)[: len(aged) - KEPT + 1]:
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=folder)


def inputs(root: Path, config: Any, options: Any) -> tuple[list[str], list[str], dict[str, Any]] | None:
    """(every path a check of `root` with `options` depended on besides its arguments, the symlinks
    its walk followed, what the walk saw of them: see record), absolute; None when that cannot be
    told by stat alone (no remembered walk, schemas.paths maps folders outside the repository)."""
    # the replay itself needs none of these
    from homelint.engine.cache import Cache
    from homelint.engine.runner import kept_template_inputs, walk_inputs
    from homelint.loading.discovery import ROOT_MARKERS
    from homelint.model.config import CONFIG_NAMES
    from homelint.model.schemastore import store_dir
    from homelint.rules.declarative import rule_files as user_rule_files
    from homelint.rules.registry import rule_files

    if config.schema_paths:
        return None
    cache = Cache(root, enabled=options.use_cache, with_index=False)  # the remembered walk is all it reads
    templates = kept_template_inputs(root, cache)
    walked = walk_inputs(root, [*config.exclude, *templates], cache)
    if walked is None:
        return None
    stamped, targets, files = walked
    base = str(root) + os.sep
    expected: dict[str, Any] = {base + p if p else str(root): s for p, s in stamped.items()}
    expected.update((base + link, target) for link, target in targets.items())
    paths = sorted(expected)
    paths += [base + p for p in sorted(files.all_files | {s.path for s in files.skipped})]
    paths += [os.path.join(str(root), p) for p in (*CONFIG_NAMES, "makejinja.toml", *templates, *config.rule_paths)]
    paths.append(os.path.join(str(root), ".git", "config"))  # its remotes say which source is this repository
    try:
        paths += [str(p) for p in user_rule_files(root, config)]
    except Exception:  # a config error: the run reported it
        return None
    if config.baseline:
        paths.append(os.path.join(str(root), config.baseline))
    paths += [str(p) for p in (options.config_file, options.baseline) if p is not None]
    paths += [str(p) for p in rule_files()]
    paths.append(str(store_dir() / "index.json"))
    start = options.paths[0].resolve()
    for folder in (start, *start.parents) if start.is_dir() else start.parents:  # what chose the root
        paths += [os.path.join(folder, marker) for marker in ROOT_MARKERS]
        if folder == root:
            break
    return paths, [base + link for link in sorted(targets)], expected


class _Tee(io.BufferedIOBase):
    """A binary stream that writes to `target` and keeps a copy."""

    def __init__(self, target: Any) -> None:
        super().__init__()
        self.target = target
        self.copy = bytearray()
        self.failed = False  # a write failed (the reader left): what was kept is not the output

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        try:
            self.target.write(data)
        except BaseException:
            self.failed = True
            raise
        self.copy += data
        return len(data)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return bool(self.target.isatty())

    def fileno(self) -> int:
        return int(self.target.fileno())


class Capture:
    """stdout and stderr as written while it is active (see `capture`); `complete` when every
    write reached its stream."""

    def __init__(self) -> None:
        self.out = self.err = b""
        self.complete = False


@contextlib.contextmanager
def capture() -> Iterator[Capture]:
    """Copy what is written to sys.stdout and sys.stderr meanwhile (they still reach the terminal)."""
    saved = sys.stdout, sys.stderr
    tees = []
    for stream in saved:
        stream.flush()
        tee = _Tee(stream.buffer)
        tees.append(tee)
    sys.stdout, sys.stderr = (
        io.TextIOWrapper(
            tee,  # type: ignore[type-var]
            encoding=s.encoding,
            errors=s.errors,
            line_buffering=bool(s.line_buffering),
            write_through=True,
        )
        for tee, s in zip(tees, saved, strict=True)
    )
    got = Capture()
    try:
        yield got
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        sys.stdout, sys.stderr = saved
        got.out, got.err = bytes(tees[0].copy), bytes(tees[1].copy)
        got.complete = not (tees[0].failed or tees[1].failed)
