"""Share a map between this process and one forked child, chunk by chunk (cold runs on 2+ cores).

The chunks wait in a pipe as 4-byte indices; each process reads the next one when it is free, so
the work balances itself even while this process does something else first. The child sends each
finished chunk back marshalled; chunks a dead child did not return are computed here.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

MIN_ITEMS = 200  # below this, forking costs more than it saves
MAX_CHUNKS = 8192  # 4 bytes each: the queue must fit in one pipe buffer (64 KiB)


def fork_map(
    fn: Callable[[T], Any],
    items: Sequence[T],
    *,
    chunk: int = 8,
    meanwhile: Callable[[], None] | None = None,
    parallel: bool | None = None,
) -> list[Any]:
    """[fn(x) for x in items]; fn's results must be marshallable.

    `parallel` forces the choice; by default, only MIN_ITEMS or more items are worth a fork.
    `meanwhile` (work that would come later anyway, such as imports) runs here while the child
    starts on the items; it does not run at all when there is no child.
    """
    wanted = len(items) >= MIN_ITEMS if parallel is None else parallel
    if not wanted or len(items) < 2 or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return [fn(x) for x in items]
    chunk = max(chunk, -(-len(items) // MAX_CHUNKS))
    count = -(-len(items) // chunk)
    queue_r, queue_w = os.pipe()
    os.write(queue_w, b"".join(i.to_bytes(4, "little") for i in range(count)))
    os.close(queue_w)
    result_r, result_w = os.pipe()
    _widen(result_w)
    try:
        pid = os.fork()
    except OSError:
        pid = -1
    if pid == 0:  # the child: sends each chunk when done, never returns
        os.close(result_r)
        try:
            _drain(fn, items, chunk, queue_r, lambda index, part: _send(result_w, index, part))
        finally:
            os._exit(0)
    os.close(result_w)
    inbox = _Inbox(result_r)
    if meanwhile is not None:
        meanwhile()
    mine: dict[int, list[Any]] = {}

    def keep(index: int, part: list[Any]) -> None:
        mine[index] = part
        inbox.poll()

    _drain(fn, items, chunk, queue_r, keep)
    os.close(queue_r)
    inbox.finish()
    if pid > 0:
        os.waitpid(pid, 0)
    results: list[Any] = []
    for index in range(count):
        part = mine.get(index)
        if part is None:
            part = inbox.chunks.get(index)
        if part is None:  # the child died before returning this chunk
            part = [fn(x) for x in items[index * chunk : (index + 1) * chunk]]
        results.extend(part)
    return results


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
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _send(fd: int, index: int, part: list[Any]) -> None:
    record = marshal.dumps((index, part))
    view = memoryview(len(record).to_bytes(4, "little") + record)
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
        os.close(self.fd)
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
