"""Share a map between this process and one forked child, chunk by chunk (cold runs on 2+ cores).

The chunks wait in a pipe as 4-byte indices; each process reads the next one when it is free, so
the work balances itself even while this process does something else first. The child sends its
results back marshalled; chunks a dead child did not return are computed here.
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
    """[fn(x) for x in items]; fn's results must be marshallable. `meanwhile` runs here first.

    `parallel` forces the choice; by default, only MIN_ITEMS or more items are worth a fork.
    """
    wanted = len(items) >= MIN_ITEMS if parallel is None else parallel
    if not wanted or len(items) < 2 or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        if meanwhile is not None:
            meanwhile()
        return [fn(x) for x in items]
    chunk = max(chunk, -(-len(items) // MAX_CHUNKS))
    count = -(-len(items) // chunk)
    queue_r, queue_w = os.pipe()
    os.write(queue_w, b"".join(i.to_bytes(4, "little") for i in range(count)))
    os.close(queue_w)
    result_r, result_w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        pid = -1
    if pid == 0:  # the child: never returns
        os.close(result_r)
        try:
            done = _drain(fn, items, chunk, queue_r)
            with os.fdopen(result_w, "wb") as out:
                out.write(marshal.dumps(done))
        finally:
            os._exit(0)
    os.close(result_w)
    if pid < 0:
        os.close(result_r)
    if meanwhile is not None:
        meanwhile()
    mine = _drain(fn, items, chunk, queue_r)
    os.close(queue_r)
    theirs: dict[int, list[Any]] = {}
    if pid > 0:
        with os.fdopen(result_r, "rb") as source:
            raw = source.read()
        os.waitpid(pid, 0)
        try:
            theirs = marshal.loads(raw) if raw else {}
        except (EOFError, ValueError, TypeError):
            theirs = {}
    results: list[Any] = []
    for index in range(count):
        part = mine.get(index)
        if part is None:
            part = theirs.get(index)
        if part is None:  # the child died before returning this chunk
            part = [fn(x) for x in items[index * chunk : (index + 1) * chunk]]
        results.extend(part)
    return results


def _drain(fn: Callable[[T], Any], items: Sequence[T], chunk: int, queue: int) -> dict[int, list[Any]]:
    done: dict[int, list[Any]] = {}
    while True:
        raw = os.read(queue, 4)
        if len(raw) < 4:
            return done
        index = int.from_bytes(raw, "little")
        done[index] = [fn(x) for x in items[index * chunk : (index + 1) * chunk]]
