"""Work shared with a forked child gives exactly the serial result, even when the child dies."""

from __future__ import annotations

import os

import pytest

from homelint.engine import lint as engine
from homelint.engine import parallel
from homelint.engine.lint import Options, run_check

from .conftest import FIXTURES, fresh_process_json

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="needs fork and 2 cores")


def test_fork_map_keeps_order_and_runs_meanwhile_here():
    import time

    calls = []
    parent = os.getpid()

    def meanwhile() -> None:
        calls.append(os.getpid())
        time.sleep(0.2)  # the child is working on chunks by now

    results = parallel.fork_map(lambda x: (x * x, os.getpid() != parent), range(500), meanwhile=meanwhile)
    assert [r[0] for r in results] == [x * x for x in range(500)]
    assert calls == [parent]
    assert any(in_child for _, in_child in results), "the child took some chunks"


def test_chunks_of_a_dead_child_are_computed_here():
    parent = os.getpid()

    def square(x: int) -> int:
        if os.getpid() != parent:
            os._exit(3)  # the child dies on its first item
        return x * x

    assert parallel.fork_map(square, range(300), parallel=True) == [x * x for x in range(300)]


def test_small_inputs_stay_in_this_process():
    parent = os.getpid()
    assert parallel.fork_map(lambda _: os.getpid(), range(10)) == [parent] * 10


def _findings(monkeypatch, threshold: int) -> list[tuple]:
    monkeypatch.setattr(engine, "PARALLEL_CHECKS_MIN_OBJECTS", threshold)
    result = run_check(Options(paths=[FIXTURES / "demo"], use_cache=False))
    return [(f.rule, f.path, f.span, f.message, f.severity) for f in result.findings]


def test_checks_shared_with_a_child_find_what_a_serial_run_finds(monkeypatch):
    serial = _findings(monkeypatch, 10**9)
    assert len(serial) >= 10
    assert _findings(monkeypatch, 0) == serial


def test_the_child_can_produce_what_is_mapped():
    parent = os.getpid()
    payload, results = parallel.fork_produce_map(
        lambda: {"items": list(range(300)), "made_in_child": os.getpid() != parent},
        lambda made: made["items"],
        lambda x: x + 1,
    )
    assert payload["made_in_child"] is True
    assert results == [x + 1 for x in range(300)]


def test_a_child_that_dies_before_producing_leaves_the_work_here():
    parent = os.getpid()

    def produce() -> list[int]:
        if os.getpid() != parent:
            os._exit(3)
        return list(range(50))

    payload, results = parallel.fork_produce_map(produce, lambda items: items, lambda x: -x)
    assert payload == list(range(50)) and results == [-x for x in range(50)]


def test_homelint_jobs_1_keeps_the_work_in_this_process(monkeypatch):
    monkeypatch.setenv("HOMELINT_JOBS", "1")
    parent = os.getpid()
    assert parallel.fork_map(lambda _: os.getpid(), range(300), parallel=True) == [parent] * 300


def test_no_fork_while_other_threads_run():
    import threading

    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        parent = os.getpid()
        assert parallel.fork_map(lambda _: os.getpid(), range(300), parallel=True) == [parent] * 300
    finally:
        release.set()
        worker.join()


def test_a_small_produced_map_runs_here_after_the_child_produced_it():
    parent = os.getpid()
    payload, results = parallel.fork_produce_map(
        lambda: {"items": list(range(20)), "made_in_child": os.getpid() != parent},
        lambda made: made["items"],
        lambda _: os.getpid(),
    )
    assert payload["made_in_child"] is True
    assert results == [parent] * 20


def test_an_error_here_stops_the_child_and_closes_the_pipes():
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None

    def fail_here() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        parallel.fork_map(lambda x: x, range(300), parallel=True, meanwhile=fail_here)
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the child was reaped


def test_a_fresh_process_forking_finds_what_one_process_finds(repo):
    import json
    import shutil

    root = repo({})
    for copy in range(20):  # 20 copies of the demo: a shared parse (>= 200 files) and shared checks (>= 500 objects)
        shutil.copytree(
            FIXTURES / "demo", root / f"copy-{copy}", ignore=shutil.ignore_patterns(".homelint_cache", ".homelint.yaml")
        )
    forked = fresh_process_json(root)
    single = fresh_process_json(root, HOMELINT_JOBS="1")
    assert forked == single
    assert len(json.loads(forked)) >= 20 * 10
