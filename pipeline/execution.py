"""Where stage work runs: in this process, in a pool of local processes, or on a Dask cluster.

Ingest (files), clean (batches of posts) and dedupe (partitions) hand their units of work to
an :class:`Executor`, which returns the results **in input order**, with a bounded number of
units in flight (memory stays bounded, the output does not depend on the engine or the
number of workers). The engine is ``execution.engine`` in params.yaml, a section no stage
declares in dvc.yaml: switching engines reruns nothing.

- :class:`InProcess`: one worker, this process (one unit of work, or ``workers: 1``).
- :class:`LocalPool`: processes on this host (``spawn``: a worker never inherits the
  parent's threads or open files). A program that worker processes cannot re-import (code
  piped to ``python -``) runs in this process instead, with a warning.
- :class:`DaskExecutor`: a ``distributed.Client`` on ``execution.address`` (or Dask's own
  ``DASK_SCHEDULER_ADDRESS`` / ``scheduler-address`` config), else a ``LocalCluster`` of
  worker processes on this host. A worker lost mid-run has its tasks rerun elsewhere by
  the scheduler; a task that keeps killing workers fails the stage with
  :class:`WorkerLost`, before any output is replaced.

Functions and arguments sent to workers must be picklable (module-level functions,
``functools.partial``). State a worker builds once and reuses across units (clean's filters,
spaCy pipelines) goes through :func:`worker_state`, which works the same in both pools.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import uuid
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # distributed is imported only when engine: dask is used
    from distributed import Client

    from pipeline.params import ExecutionParams

log = logging.getLogger("valact.execution")

T = TypeVar("T")
R = TypeVar("R")

__all__ = [
    "DaskExecutor",
    "Executor",
    "InProcess",
    "LocalPool",
    "WorkerLost",
    "dask_client",
    "open_executor",
    "scheduler_address",
    "worker_state",
]


class WorkerLost(RuntimeError):
    """A worker process died (out of memory, killed) and the work could not be finished."""


# ----------------------------------------------------------------------------- worker state
_STATE: dict[Hashable, Any] = {}


def worker_state(key: Hashable, factory: Callable[[], T]) -> T:
    """The object ``factory()`` built once per process for ``key`` (then reused).

    A pool's worker process, a Dask worker process and this process each keep their own.
    Keep keys few (one per configuration): the objects live as long as the process.
    """
    try:
        return _STATE[key]  # type: ignore[no-any-return]
    except KeyError:
        value = _STATE[key] = factory()
        return value


# ----------------------------------------------------------------------------- executors
class Executor:
    """Runs ``fn`` over items, results in input order; at most ``window`` items in flight."""

    name = "executor"
    workers = 1

    def map(
        self, fn: Callable[[T], R], items: Iterable[T], window: int | None = None
    ) -> Iterator[R]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the workers (idempotent)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"


class InProcess(Executor):
    """Everything in this process, one item at a time."""

    name = "in-process"

    def map(
        self, fn: Callable[[T], R], items: Iterable[T], window: int | None = None
    ) -> Iterator[R]:
        for item in items:
            yield fn(item)


def main_is_importable() -> bool:
    """Spawned workers re-import the caller's main module: not possible from stdin or -c."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return path is None or Path(path).exists()


class LocalPool(Executor):
    """Worker processes on this host (``spawn``), created on first use.

    ``initializer(*initargs)`` runs once in each worker (a side channel such as a progress
    queue; build reusable state with :func:`worker_state` instead).
    """

    name = "local"

    def __init__(
        self,
        workers: int,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._pool: ProcessPoolExecutor | None = None

    @property
    def context(self) -> Any:
        return multiprocessing.get_context("spawn")

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=self.context,
                initializer=self._initializer,
                initargs=self._initargs,
            )
        return self._pool

    def map(
        self, fn: Callable[[T], R], items: Iterable[T], window: int | None = None
    ) -> Iterator[R]:
        window = window or 2 * self.workers
        pool = self._get_pool()
        in_flight: deque[Future[R]] = deque()
        try:
            for item in items:
                in_flight.append(pool.submit(fn, item))
                if len(in_flight) >= window:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()
        except BrokenProcessPool as exc:
            raise WorkerLost(
                f"a worker process died ({exc}). Out of memory? Use fewer workers "
                "(1 runs everything in this process)."
            ) from exc
        finally:
            for fut in in_flight:
                fut.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _task_name(fn: Callable[..., Any]) -> str:
    inner = getattr(fn, "func", fn)  # functools.partial
    return str(getattr(inner, "__name__", "task"))


class DaskExecutor(Executor):
    """Tasks on a Dask cluster through ``client`` (which this executor does not own)."""

    name = "dask"

    def __init__(self, client: Client) -> None:
        self.client = client
        info = client.scheduler_info()
        self.address = str(info.get("address", "?"))
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    def describe(self) -> str:
        return f"dask at {self.address} ({self.workers} worker threads)"

    def map(
        self, fn: Callable[[T], R], items: Iterable[T], window: int | None = None
    ) -> Iterator[R]:
        from distributed import KilledWorker

        window = window or 2 * self.workers
        prefix = f"{_task_name(fn)}-{uuid.uuid4().hex[:8]}"
        in_flight: deque[Any] = deque()
        try:
            for i, item in enumerate(items):
                in_flight.append(self.client.submit(fn, item, key=f"{prefix}-{i}", pure=False))
                if len(in_flight) >= window:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()
        except KilledWorker as exc:
            raise WorkerLost(
                f"Dask workers died running {exc.task!r} (retried on other workers until the "
                "scheduler's allowed-failures ran out). Out of memory? Smaller batches, or "
                "more memory per worker."
            ) from exc
        finally:
            if in_flight:
                self.client.cancel(list(in_flight))


# ----------------------------------------------------------------------------- opening
def scheduler_address(execution: ExecutionParams) -> str | None:
    """``execution.address``, else Dask's ``scheduler-address`` config (which
    ``DASK_SCHEDULER_ADDRESS`` sets), else None (a LocalCluster is started)."""
    if execution.address:
        return execution.address
    env = os.environ.get("DASK_SCHEDULER_ADDRESS")
    if env:
        return env
    import dask

    address = dask.config.get("scheduler-address", None)
    return str(address) if address else None


class _ClientContext:
    """A ``distributed.Client`` on the configured scheduler or on a LocalCluster this
    context starts and stops."""

    def __init__(self, execution: ExecutionParams, workers: int | None) -> None:
        self.execution = execution
        self.n_workers = workers or os.cpu_count() or 1
        self.cluster: Any = None
        self.client: Client | None = None

    def __enter__(self) -> Client:
        from distributed import Client, LocalCluster

        address = scheduler_address(self.execution)
        if address:
            log.info("dask: connecting to the scheduler at %s", address)
            self.client = Client(address, timeout="30s", set_as_default=False)
        else:
            log.info("dask: starting a LocalCluster of %d worker processes", self.n_workers)
            self.cluster = LocalCluster(
                n_workers=self.n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",  # never a fixed port, never beyond loopback
                silence_logs=logging.WARNING,
            )
            self.client = Client(self.cluster, set_as_default=False)
        return self.client

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def dask_client(execution: ExecutionParams, workers: int | None = None) -> _ClientContext:
    """``with dask_client(params.execution) as client:`` (a LocalCluster of ``workers``
    processes, default all cores, when no scheduler address is configured)."""
    return _ClientContext(execution, workers)


class _DaskSession(DaskExecutor):
    def __init__(self, context: _ClientContext) -> None:
        self._context = context
        super().__init__(context.__enter__())

    def close(self) -> None:
        self._context.__exit__(None, None, None)


def open_executor(
    execution: ExecutionParams,
    workers: int | None,
    *,
    units: int | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Executor:
    """The executor ``execution`` asks for.

    ``workers``: the stage's setting (None = all cores; for Dask, the LocalCluster's size).
    ``units``: how many units of work there are, when known: one unit (or ``workers: 1``)
    runs in this process on the local engine. ``initializer`` applies to local pools only.
    """
    if execution.engine == "dask":
        return _DaskSession(dask_client(execution, workers))
    n = workers if workers is not None else (os.cpu_count() or 1)
    if units is not None:
        n = min(n, units)
    if n <= 1:
        return InProcess()
    if not main_is_importable():
        log.warning(
            "%d workers ignored: the calling program (%s) cannot be re-imported by worker "
            "processes; running in this process",
            n, getattr(sys.modules.get("__main__"), "__file__", "?"),
        )
        return InProcess()
    return LocalPool(n, initializer, initargs)
