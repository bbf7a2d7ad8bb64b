"""pipeline/execution.py: results in input order, bounded work in flight, worker state, lost
workers, on a real process pool and a real Dask LocalCluster (127.0.0.1 only)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.execution import (
    DaskExecutor,
    InProcess,
    LocalPool,
    WorkerLost,
    dask_client,
    open_executor,
    scheduler_address,
    worker_state,
)
from pipeline.params import ExecutionParams


# Task functions live at module level: worker processes import this module to run them.
def slow_square(x: int) -> tuple[int, int]:
    """Later items finish first (results must still come back in input order)."""
    time.sleep(0.02 * ((7 - x) % 8))
    return x * x, os.getpid()


def built_in_worker(x: int) -> tuple[int, int]:
    calls = worker_state(("test-counter",), lambda: {"built": 0})
    calls["built"] += 1
    return os.getpid(), calls["built"]


def fail_on_three(x: int) -> int:
    if x == 3:
        raise KeyError(f"item {x}")
    return x


def die_once(marker: str) -> int:
    """Kills its own worker process the first time it runs (the marker file records it)."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died once\n")
        os._exit(17)
    return os.getpid()


def die_always(_: object) -> None:
    os._exit(17)


def counted(n: int, seen: list[int]) -> Iterator[int]:
    for i in range(n):
        seen.append(i)
        yield i


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as local:
        yield local.scheduler_address


def test_in_process_is_a_plain_map() -> None:
    with InProcess() as ex:
        assert [r for r, _ in ex.map(slow_square, range(5))] == [0, 1, 4, 9, 16]
        assert ex.describe() == "in-process (1 worker)"


def test_open_executor_runs_small_work_in_this_process() -> None:
    local = ExecutionParams()
    assert isinstance(open_executor(local, 4, units=1), InProcess)
    assert isinstance(open_executor(local, 1, units=100), InProcess)
    pool = open_executor(local, 2, units=10)
    assert isinstance(pool, LocalPool) and pool.workers == 2
    pool.close()


def test_local_pool_in_order_and_bounded() -> None:
    seen: list[int] = []
    with LocalPool(2) as ex:
        out = []
        for k, (value, _pid) in enumerate(ex.map(slow_square, counted(16, seen), window=3)):
            # never more than the window ahead of what the consumer has taken
            assert len(seen) <= k + 1 + 3
            out.append(value)
    assert out == [x * x for x in range(16)]


def test_local_pool_raises_the_task_error() -> None:
    with LocalPool(2) as ex, pytest.raises(KeyError, match="item 3"):
        list(ex.map(fail_on_three, range(8)))


def test_local_pool_lost_worker_is_a_clear_error() -> None:
    with LocalPool(2) as ex, pytest.raises(WorkerLost, match="worker process died"):
        list(ex.map(die_always, range(4)))


def test_worker_state_built_once_per_process() -> None:
    with LocalPool(2) as ex:
        results = list(ex.map(built_in_worker, range(12)))
    per_pid: dict[int, list[int]] = {}
    for pid, count in results:
        per_pid.setdefault(pid, []).append(count)
    for counts in per_pid.values():  # 1, 2, 3, ... in each process: one state object each
        assert sorted(counts) == list(range(1, len(counts) + 1))


def test_scheduler_address_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert scheduler_address(ExecutionParams(engine="dask")) is None
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:1")
    assert scheduler_address(ExecutionParams(engine="dask")) == "tcp://127.0.0.1:1"
    explicit = ExecutionParams(engine="dask", address="tcp://127.0.0.1:2")
    assert scheduler_address(explicit) == "tcp://127.0.0.1:2"


@pytest.mark.slow
def test_dask_on_a_scheduler_address_in_order_and_bounded(cluster: str) -> None:
    seen: list[int] = []
    with open_executor(ExecutionParams(engine="dask", address=cluster), None) as ex:
        assert isinstance(ex, DaskExecutor) and ex.workers == 2
        out = []
        pids = set()
        for k, (value, pid) in enumerate(ex.map(slow_square, counted(16, seen), window=4)):
            assert len(seen) <= k + 1 + 4
            out.append(value)
            pids.add(pid)
    assert out == [x * x for x in range(16)]
    assert os.getpid() not in pids  # ran on the workers


@pytest.mark.slow
def test_dask_task_error_is_the_task_error(cluster: str) -> None:
    with (
        open_executor(ExecutionParams(engine="dask", address=cluster), None) as ex,
        pytest.raises(KeyError, match="item 3"),
    ):
        list(ex.map(fail_on_three, range(8)))


@pytest.mark.slow
def test_dask_worker_killed_mid_task_is_retried(cluster: str, tmp_path: Path) -> None:
    markers = [str(tmp_path / f"m{i}") for i in range(3)]
    with open_executor(ExecutionParams(engine="dask", address=cluster), None) as ex:
        pids = list(ex.map(die_once, markers))
    assert len(pids) == 3 and all(Path(m).exists() for m in markers)


@pytest.mark.slow
def test_dask_worker_that_keeps_dying_fails_clearly() -> None:
    dask = pytest.importorskip("dask")
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        dask_client(ExecutionParams(engine="dask"), workers=1) as client,
        pytest.raises(WorkerLost, match="Dask workers died"),
    ):
        list(DaskExecutor(client).map(die_always, range(2)))


@pytest.mark.slow
def test_dask_local_cluster_is_started_and_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    ex = open_executor(ExecutionParams(engine="dask"), 2)
    try:
        assert isinstance(ex, DaskExecutor) and ex.workers == 2
        assert ex.address.startswith("tcp://127.0.0.1:")
        assert [v for v, _ in ex.map(slow_square, range(6))] == [x * x for x in range(6)]
    finally:
        ex.close()
    assert "dask at tcp://127.0.0.1:" in ex.describe()
