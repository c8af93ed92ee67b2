"""Share a map between this process and one forked child, chunk by chunk (cold runs on 2+ cores).

The chunks wait in a pipe as 4-byte indices; each process reads the next one when it is free, so
the work balances itself even while this process does something else first. The child sends each
finished chunk back marshalled; chunks a dead child did not return are computed here (by `rescue`
when given: a child that died may have been killed by one of the chunk's items). With
fork_produce_map the child first computes what to map over (the walk of a cold run).
run_isolated runs one call in a throwaway child, so a crash (a signal, running out of memory)
cannot end this process; supervise runs a whole command that way and tells its caller to retry
when it crashed.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
P = TypeVar("P")

MIN_ITEMS = 200  # below this, forking costs more than it saves
MAX_CHUNKS = 8192  # 4 bytes each: the queue must fit in one pipe buffer (64 KiB)


def fork_map(
    fn: Callable[[T], Any],
    items: Sequence[T],
    *,
    chunk: int = 8,
    meanwhile: Callable[[], None] | None = None,
    parallel: bool | None = None,
    rescue: Callable[[Sequence[T]], list[Any]] | None = None,
) -> list[Any]:
    """[fn(x) for x in items]; fn's results must be marshallable.

    `parallel` forces the choice; by default, only MIN_ITEMS or more items are worth a fork.
    `meanwhile` (work that would come later anyway, such as imports) runs here while the child
    starts on the items; it does not run at all when there is no child. `rescue` maps the items
    of a chunk the child died on (default: fn here).
    """
    wanted = len(items) >= MIN_ITEMS if parallel is None else parallel
    if not wanted or len(items) < 2 or not can_fork():
        return [fn(x) for x in items]
    return _shared(lambda: None, lambda _: items, fn, chunk, meanwhile, rescue=rescue)[1]


def fork_produce_map(
    produce: Callable[[], P],
    items_of: Callable[[P], Sequence[T]],
    fn: Callable[[T], Any],
    *,
    chunk: int = 8,
    meanwhile: Callable[[], None] | None = None,
    rescue: Callable[[Sequence[T]], list[Any]] | None = None,
) -> tuple[P, list[Any]]:
    """(payload, [fn(x) for x in items_of(payload)]) where the forked child computes the payload
    (a directory walk, say) while this process runs `meanwhile`; then both share the map, unless
    there are fewer than MIN_ITEMS items: those this process maps alone.
    The payload must be marshallable."""
    if not can_fork():
        payload = produce()
        return payload, [fn(x) for x in items_of(payload)]
    return _shared(produce, items_of, fn, chunk, meanwhile, min_items=MIN_ITEMS, rescue=rescue)


def can_fork() -> bool:
    """Two cores, fork(), not switched off with HOMELINT_JOBS=1, and a single thread: a fork
    copies only the calling thread, so a lock another thread holds (the import lock) would
    never be released in the child."""
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork") or os.environ.get("HOMELINT_JOBS") == "1":
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def _chunking(items: Sequence[Any], chunk: int) -> tuple[int, int]:
    chunk = max(chunk, -(-len(items) // MAX_CHUNKS))
    return chunk, -(-len(items) // chunk)


def _shared(
    produce: Callable[[], P],
    items_of: Callable[[P], Sequence[T]],
    fn: Callable[[T], Any],
    chunk: int,
    meanwhile: Callable[[], None] | None,
    min_items: int = 0,
    rescue: Callable[[Sequence[T]], list[Any]] | None = None,
) -> tuple[P, list[Any]]:
    queue_r, queue_w = os.pipe()
    payload_r, payload_w = os.pipe()
    result_r, result_w = os.pipe()
    _widen(payload_w)
    _widen(result_w)
    try:
        pid = os.fork()
    except OSError:
        pid = -1
    if pid == 0:  # the child: payload, then the queue of chunks, then each chunk when done; never returns
        os.close(payload_r)
        os.close(result_r)
        try:
            payload: Any = produce()
            _write_all(payload_w, marshal.dumps(payload))
            os.close(payload_w)
            items = items_of(payload)
            if len(items) >= min_items:  # otherwise the queue stays empty: every chunk is the parent's
                size, count = _chunking(items, chunk)
                os.write(queue_w, b"".join(i.to_bytes(4, "little") for i in range(count)))
                os.close(queue_w)
                _drain(fn, items, size, queue_r, lambda index, part: _send(result_w, index, part))
        finally:
            os._exit(0)
    for fd in (queue_w, payload_w, result_w):
        os.close(fd)
    if pid < 0:
        for fd in (payload_r, result_r):
            os.close(fd)
        payload = produce()
        items = items_of(payload)
        return payload, [fn(x) for x in items]
    inbox = _Inbox(result_r)
    try:
        if meanwhile is not None:
            meanwhile()
        with os.fdopen(payload_r, "rb", closefd=False) as source:
            raw = source.read()
        try:
            payload = marshal.loads(raw)
        except (EOFError, ValueError, TypeError):  # the child died before sending it
            payload = produce()
        items = items_of(payload)
        size, count = _chunking(items, chunk)
        mine: dict[int, list[Any]] = {}

        def keep(index: int, part: list[Any]) -> None:
            mine[index] = part
            inbox.poll()

        _drain(fn, items, size, queue_r, keep)
        inbox.finish()
    except BaseException:  # an interrupt or a bug here: stop the child, leave nothing open
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        for fd in (queue_r, payload_r, result_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        os.waitpid(pid, 0)
    results: list[Any] = []
    for index in range(count):
        part = mine.get(index)
        if part is None:
            part = inbox.chunks.get(index)
        if part is None:  # the child died before returning this chunk (perhaps of one of its items)
            lost = items[index * size : (index + 1) * size]
            part = rescue(lost) if rescue is not None else [fn(x) for x in lost]
        results.extend(part)
    return payload, results


def _drain(fn: Callable[[T], Any], items: Sequence[T], chunk: int, queue: int, done: Callable[[int, list[Any]], Any]) -> None:
    while True:
        raw = os.read(queue, 4)
        if len(raw) < 4:
            return
        index = int.from_bytes(raw, "little")
        done(index, [fn(x) for x in items[index * chunk : (index + 1) * chunk]])


def _widen(fd: int) -> None:
    """Grow a pipe to 1 MiB (Linux), so the child rarely waits while this process is busy."""
    try:
        import fcntl  # in the try: Linux and macOS only

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _send(fd: int, index: int, part: list[Any]) -> None:
    record = marshal.dumps((index, part))
    _write_all(fd, len(record).to_bytes(4, "little") + record)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _Inbox:
    """The child's chunks, read whenever this process finishes one of its own, so unmarshalling
    overlaps the child's work instead of following it."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.chunks: dict[int, list[Any]] = {}
        os.set_blocking(fd, False)

    def poll(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            if not data:
                break
            self.buffer += data
        self._decode()

    def finish(self) -> None:
        os.set_blocking(self.fd, True)
        while data := os.read(self.fd, 1 << 20):
            self.buffer += data
        self._decode()

    def _decode(self) -> None:
        buffer, pos = self.buffer, 0
        while len(buffer) - pos >= 4:
            size = int.from_bytes(buffer[pos : pos + 4], "little")
            if len(buffer) - pos - 4 < size:
                break
            try:
                index, part = marshal.loads(memoryview(buffer)[pos + 4 : pos + 4 + size])
                self.chunks[index] = part
            except (EOFError, ValueError, TypeError):
                pass  # a damaged record: that chunk is recomputed here
            pos += 4 + size
        del buffer[:pos]


def run_isolated(fn: Callable[[], Any], *, memory: int = 0) -> tuple[bool, Any]:
    """(True, fn()) computed in a forked child, or (False, None) when the child died (a signal, an
    exception, MemoryError past `memory` more bytes of address space) or fork() is unavailable:
    then fn never ran here either. fn's result must be marshallable."""
    if not hasattr(os, "fork") or not _single_threaded():
        return False, None
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return False, None
    if pid == 0:
        code = 1
        try:
            os.close(read_fd)
            if memory:
                _limit_memory(memory)
            _write_all(write_fd, marshal.dumps(fn()))
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd, "rb") as source:
            raw = source.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if status != 0:
        return False, None
    try:
        return True, marshal.loads(raw)
    except (EOFError, ValueError, TypeError):
        return False, None


def _single_threaded() -> bool:
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at its current size plus `extra` bytes (Linux)."""
    try:
        import resource  # in the try: Unix only

        with open("/proc/self/statm", "rb") as handle:
            current = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = current + extra
        if hard == resource.RLIM_INFINITY or wanted < hard:
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ImportError, OSError, ValueError):
        pass


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _end_with(parent: int) -> None:
    """Have the kernel send this child SIGTERM when `parent` ends (Linux), so a supervisor killed by
    a signal it cannot pass on (SIGKILL, a CI runner's timeout) leaves no run going on without it."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # start-up: only a supervised child needs it

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(128 + signal.SIGTERM)


CRASH_SIGNALS = frozenset({signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGILL, signal.SIGFPE})


def supervise(body: Callable[[], int]) -> int | None:
    """body()'s exit code, computed in a forked child; None when the child crashed (one of
    CRASH_SIGNALS), so the caller can run body again more carefully. Without fork(), body() runs
    here. While waiting, SIGINT and SIGTERM are passed on to the child (a terminal's Ctrl-C reaches
    both; the two coalesce or end in the same exit), so the exit code is the child's; a child whose
    supervisor ends first is ended too (_end_with)."""
    if not hasattr(os, "fork") or not _single_threaded():
        return body()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _end_with(parent)
            code = body()
        except KeyboardInterrupt:  # a second Ctrl-C while the first was being handled
            code = 130
        finally:
            os._exit(code)

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    interrupt = signal.signal(signal.SIGINT, forward)
    terminate = signal.signal(signal.SIGTERM, forward)
    try:
        _, status = os.waitpid(pid, 0)
    finally:
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, terminate)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in CRASH_SIGNALS:
        return None
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
