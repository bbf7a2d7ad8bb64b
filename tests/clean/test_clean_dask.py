"""The clean stage on pipeline/execution.py's executors: local processes and Dask write the
bytes one process writes (the bundled sample and real posts), and a lost worker is rerun or
fails the stage with WorkerLost, leaving the previous outputs in place (a local pool
worker killed mid-run fails it; a killed Dask worker is rerun).

Dask clusters are LocalClusters on 127.0.0.1, one at a time: the one-worker test starts
its own (through the stage) and stops it before the module's two-worker cluster starts.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from pipeline.artifacts import BatchWriter, write_frame
from pipeline.clean.author_key import SAMPLE_SECRET, secret_fingerprint
from pipeline.clean.stage import PROGRESS_CHUNK, FilterConfig, clean_batch
from pipeline.clean.stage import run as clean_run
from pipeline.execution import WorkerLost
from pipeline.ingest.dumps import read_dumps
from pipeline.ingest.stage import run as ingest_run
from pipeline.params import ExecutionParams, Params
from pipeline.schemas import CLEAN_POSTS, RAW_POSTS
from shared_data import REDDIT_DUMPS
from stage_fixtures import unique_posts

REPO = Path(__file__).resolve().parents[2]
OUTPUTS = ("clean.parquet", "rejected.parquet", "metrics/clean.json")
# Batch sizes that make several input batches, and (real posts) chunks smaller than a
# batch: the row groups are the batches whatever the engine.
SAMPLE_BATCH = 60
REAL_BATCH = 500
REAL_EVERY = 15  # every 15th real post: ~600 posts from every subreddit and period


# ----------------------------------------------------------------------------- helpers
def _clean(raw: Path, out: Path, *, workers: int | None, batch_size: int,
           execution: ExecutionParams | None = None) -> dict[str, Any]:
    """Run the stage with ``out`` as the work folder (its metrics land in out/metrics)."""
    params = Params()
    params = replace(params, clean=replace(params.clean, workers=workers),
                     execution=execution or ExecutionParams())
    out.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(out)
        return clean_run(params, src=raw, clean_out=out / "clean.parquet",
                         rejected_out=out / "rejected.parquet", batch_size=batch_size,
                         progress=False)


def _files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def _dask(address: str) -> ExecutionParams:
    return ExecutionParams(engine="dask", address=address)


# ----------------------------------------------------------------------------- inputs
@pytest.fixture(scope="module")
def sample_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample through the ingest stage (400 synthetic posts)."""
    work = tmp_path_factory.mktemp("sample")
    params = Params()
    params = replace(params, ingest=replace(params.ingest, sample_dir=str(REPO / "raw/sample")))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        ingest_run(params, out=work / "posts.parquet", progress=False)
    return work / "posts.parquet"


@pytest.fixture(scope="module")
def real_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real submissions: the shared ``*_top_submissions.zst`` dumps read by ingest's dump
    reader, every REAL_EVERY-th post kept (time order, so every subreddit is in)."""
    files = sorted(Path(p) for p in glob.glob(str(REDDIT_DUMPS / "*_top_submissions.zst")))
    if not files:
        pytest.skip(f"no *_top_submissions.zst under {REDDIT_DUMPS} (the team's real dumps)")
    frame, _ = read_dumps(files, workers=1, progress=False)
    out = tmp_path_factory.mktemp("real") / "posts.parquet"
    write_frame(frame.iloc[::REAL_EVERY].reset_index(drop=True), out, RAW_POSTS)
    return out


@pytest.fixture(scope="module")
def sample_ref(sample_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The outputs of one process on the sample: what every engine must write."""
    out = tmp_path_factory.mktemp("sample-ref")
    _clean(sample_raw, out, workers=1, batch_size=SAMPLE_BATCH)
    return _files(out)


@pytest.fixture(scope="module")
def real_ref(real_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("real-ref")
    metrics = _clean(real_raw, out, workers=1, batch_size=REAL_BATCH)
    # the real posts exercise more than one path through the filters
    assert metrics["kept"] > 50 and metrics["rejected"] > 50, metrics
    assert metrics["posts_in"] > REAL_BATCH > PROGRESS_CHUNK
    return _files(out)


# ----------------------------------------------------------------------------- fast checks
def test_the_task_pickles_and_its_description_hides_the_secret() -> None:
    params = Params()
    config = FilterConfig(params.clean, SAMPLE_SECRET)
    task = partial(clean_batch, config)
    back = pickle.loads(pickle.dumps(task))
    assert back.func is clean_batch and back.args == (config,)
    for text in (repr(config), repr(task), str(task)):
        assert SAMPLE_SECRET.decode() not in text and repr(SAMPLE_SECRET) not in text
        assert secret_fingerprint(SAMPLE_SECRET) in text
    assert SAMPLE_SECRET not in repr(config.state_key).encode()
    # one PostFilter per configuration: other params or another secret, another key
    other = FilterConfig(replace(params.clean, min_words=10), SAMPLE_SECRET)
    assert len({config.state_key, other.state_key,
                FilterConfig(params.clean, b"another").state_key}) == 3
    assert config.state_key == FilterConfig(params.clean, SAMPLE_SECRET).state_key


def test_batch_writer_leaves_the_previous_file_on_an_error(tmp_path: Path) -> None:
    """What keeps clean's previous outputs when a worker dies mid-run: the error before
    any batch and after one batch was written both leave the old file and no temp file."""
    path = tmp_path / "clean.parquet"
    path.write_bytes(b"previous run")
    with pytest.raises(WorkerLost), BatchWriter(path, CLEAN_POSTS):
        raise WorkerLost("a worker died")
    with pytest.raises(WorkerLost), BatchWriter(path, CLEAN_POSTS) as writer:
        writer.write(unique_posts(3))
        assert writer.rows == 3
        raise WorkerLost("a worker died")
    assert path.read_bytes() == b"previous run"
    assert [p.name for p in tmp_path.iterdir()] == ["clean.parquet"]


# ----------------------------------------------------------------------------- local pool
@pytest.mark.slow
def test_local_two_workers_write_the_one_process_files_on_real_posts(
    real_raw: Path, real_ref: dict[str, bytes], tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("INFO", logger="valact.clean"):
        _clean(real_raw, tmp_path, workers=2, batch_size=REAL_BATCH)
    assert "clean: local (2 workers)" in caplog.text  # the pool really ran
    assert _files(tmp_path) == real_ref


def _previous_outputs(out: Path, files: dict[str, bytes]) -> None:
    """Put another run's outputs in ``out``, as a rerun finds them."""
    for name, data in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)


def _kill_a_pool_process_mid_run(out: Path, killed: list[int], done: threading.Event) -> None:
    """SIGKILL a worker process once the first batch is in the temporary clean.parquet, so
    the loss comes mid-run, not during start-up (at most 120 s of polling)."""
    deadline = time.monotonic() + 120
    while not done.is_set() and time.monotonic() < deadline:
        started = [p for p in out.glob(".clean.parquet.*.tmp") if p.stat().st_size > 0]
        children = multiprocessing.active_children()
        if started and children and children[0].pid is not None:
            os.kill(children[0].pid, signal.SIGKILL)
            killed.append(children[0].pid)
            return
        time.sleep(0.01)


@pytest.mark.slow
def test_a_worker_killed_mid_run_fails_the_stage_and_keeps_the_previous_outputs(
    real_raw: Path, tmp_path: Path
) -> None:
    """Runs before any cluster starts: the only child processes are the pool's. The kill
    comes after the first batch was written, with batches still to come."""
    previous = {name: f"previous {name}".encode() for name in OUTPUTS}
    _previous_outputs(tmp_path, previous)
    killed: list[int] = []
    done = threading.Event()
    killer = threading.Thread(target=_kill_a_pool_process_mid_run,
                              args=(tmp_path, killed, done))
    killer.start()
    try:
        with pytest.raises(WorkerLost, match="previous outputs were left in place"):
            _clean(real_raw, tmp_path, workers=2, batch_size=SAMPLE_BATCH)
    finally:
        done.set()
        killer.join()
    assert len(killed) == 1
    assert _files(tmp_path) == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.parquet", "metrics",
                                                           "rejected.parquet"]


# ----------------------------------------------------------------------------- Dask
@pytest.mark.slow
def test_dask_one_worker_on_the_cluster_the_stage_starts(
    sample_raw: Path, sample_ref: dict[str, bytes], real_raw: Path,
    real_ref: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No address: the stage starts a LocalCluster of clean.workers processes (and stops
    it) for each run."""
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with caplog.at_level("INFO", logger="valact.clean"):
        _clean(sample_raw, tmp_path / "sample", workers=1, batch_size=SAMPLE_BATCH,
               execution=ExecutionParams(engine="dask"))
        _clean(real_raw, tmp_path / "real", workers=1, batch_size=REAL_BATCH,
               execution=ExecutionParams(engine="dask"))
    started = [r.getMessage() for r in caplog.records if r.getMessage().startswith("clean: dask")]
    assert len(started) == 2 and all(
        m.startswith("clean: dask at tcp://127.0.0.1:") and m.endswith("(1 worker threads)")
        for m in started
    ), started
    assert _files(tmp_path / "sample") == sample_ref
    assert _files(tmp_path / "real") == real_ref


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Two single-threaded worker processes on 127.0.0.1 (their PostFilters outlive a run,
    as on a long-lived cluster)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None) as local:
        yield local


@pytest.mark.slow
def test_dask_two_workers_write_the_one_process_files(
    cluster: Any, sample_raw: Path, sample_ref: dict[str, bytes], real_raw: Path,
    real_ref: dict[str, bytes], tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("INFO", logger="valact.clean"):
        _clean(sample_raw, tmp_path / "sample", workers=None, batch_size=SAMPLE_BATCH,
               execution=_dask(cluster.scheduler_address))
        _clean(real_raw, tmp_path / "real", workers=None, batch_size=REAL_BATCH,
               execution=_dask(cluster.scheduler_address))
    assert f"clean: dask at {cluster.scheduler_address} (2 worker threads)" in caplog.text
    assert _files(tmp_path / "sample") == sample_ref
    assert _files(tmp_path / "real") == real_ref


def _kill_a_busy_worker(client: Any, pids: dict[str, int], killed: list[int],
                        done: threading.Event) -> None:
    """SIGKILL the first worker seen running a clean task (at most 60 s of polling)."""
    deadline = time.monotonic() + 60
    while not done.is_set() and time.monotonic() < deadline:
        for address, keys in client.processing().items():
            if any(str(k).startswith("clean_batch-") for k in keys):
                os.kill(pids[address], signal.SIGKILL)
                killed.append(pids[address])
                return
        time.sleep(0.02)


@pytest.mark.slow
def test_a_killed_dask_worker_is_rerun_and_the_files_are_those_of_one_process(
    cluster: Any, real_raw: Path, real_ref: dict[str, bytes], sample_ref: dict[str, bytes],
    tmp_path: Path,
) -> None:
    """A worker SIGKILLed while it runs a clean task: the scheduler reruns the lost task on
    the other worker (one loss is within Dask's allowed failures), the nanny restarts the
    dead one, and the stage writes the one-process files over the previous run's."""
    from distributed import Client

    _previous_outputs(tmp_path, sample_ref)
    killed: list[int] = []
    done = threading.Event()
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        pids = client.run(os.getpid)
        assert len(pids) == 2
        killer = threading.Thread(target=_kill_a_busy_worker,
                                  args=(client, pids, killed, done))
        killer.start()
        try:
            _clean(real_raw, tmp_path, workers=None, batch_size=REAL_BATCH,
                   execution=_dask(cluster.scheduler_address))
        finally:
            done.set()
            killer.join()
        assert len(killed) == 1 and killed[0] in pids.values()
        client.wait_for_workers(2, timeout=60)  # the nanny restarted it
        assert killed[0] not in client.run(os.getpid).values()
    assert _files(tmp_path) == real_ref
