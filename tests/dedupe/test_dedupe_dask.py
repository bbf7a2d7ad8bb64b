"""Dedupe on Dask: the same bytes as the local engine (1 and 2 workers, several partitions
so the shuffles are real), on the bundled sample, the planted-duplicates corpus and a corpus
built for the candidate rule's edge cases; a worker killed mid-run."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.artifacts import BatchWriter
from pipeline.dedupe import stage
from pipeline.dedupe.distributed import (
    _EMPTY,
    _SCHEMAS,
    _read_bucket,
    _write_buckets,
    find_duplicates_dask,
    plan_partitions,
    read_partition,
)
from pipeline.dedupe.near import DedupeConfig, find_duplicates
from pipeline.execution import WorkerLost
from pipeline.params import DedupeParams, ExecutionParams, Params, load_params
from pipeline.schemas import CLEAN_POSTS

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "raw" / "sample"
OUTPUTS = ("unique.parquet", "duplicates.parquet", "metrics/dedupe.json")
PARTITIONS = 5  # each corpus is split in about this many partitions: real shuffles
# Engine settings the params cannot reach, where the candidate rule's limits show: small
# bucket windows, bands that only near-identical texts share (the author path finds the
# rest), no author path, exact duplicates only.
CONFIGS = (
    DedupeConfig(max_bucket_neighbors=3),
    DedupeConfig(max_bucket_neighbors=2, num_perm=120, bands=6, rows=20),
    DedupeConfig(same_author_candidates=False, keep="longest", author_min_jaccard=0.5),
    DedupeConfig(near=False),
)


# ----------------------------------------------------------------------------- corpora


def clean_frame(post_id: list[str], title: list[str], body: list[str], created: list[int],
                author: list[str | None], subreddit: list[str] | None = None) -> pd.DataFrame:
    """Rows with clean.parquet's columns."""
    n = len(post_id)
    return pd.DataFrame({
        "post_id": post_id, "subreddit": subreddit or ["Advice"] * n,
        "created_utc": np.asarray(created, dtype=np.int64),
        "score": pd.array([1] * n, dtype="Int64"),
        "author_key": pd.array(author, dtype="string"), "title": title, "body": body,
        "n_words": [max(1, len(b.split())) for b in body], "language": "en",
        "language_confidence": 0.99, "advice_rule": None, "n_redactions": 0,
    })


def write_clean(df: pd.DataFrame, path: Path, row_group: int) -> Path:
    """clean.parquet as the clean stage writes it (BatchWriter, one row group per batch)."""
    with BatchWriter(path, CLEAN_POSTS) as w:
        for lo in range(0, len(df), row_group):
            w.write(df.iloc[lo:lo + row_group])
    return path


def edge_case_corpus(seed: int = 3) -> pd.DataFrame:
    """Near-duplicate families, one band bucket far bigger than max_bucket_neighbors,
    same-author retellings, texts that normalise to nothing, exact groups of 3 to 5 (some
    inside near clusters), equal created_utc ties, texts shorter than a shingle."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}{chr(97 + i % 26)}" for i in range(3000)]
    authors = [f"author{i}" for i in range(25)] + [None, "[deleted]", " "]

    def story(n_words: int) -> list[str]:
        return [vocab[int(i)] for i in rng.integers(0, len(vocab), n_words)]

    def edit(words: list[str], k: int) -> list[str]:
        out = list(words)
        for i in rng.choice(len(out), size=k, replace=False):
            out[int(i)] = vocab[int(rng.integers(len(vocab)))]
        return out

    rows: list[tuple[str, str, int, str | None]] = []

    def add(words: list[str], author: str | None = None, created: int | None = None,
            title: str = "What should I do") -> None:
        when = created if created is not None else int(rng.integers(1_600_000_000, 1_600_100_000))
        who = author if author is not None else authors[int(rng.integers(len(authors)))]
        rows.append((title, " ".join(words), when, who))

    for _ in range(150):  # unrelated posts
        add(story(int(rng.integers(60, 160))))
    big = story(120)
    for _ in range(45):  # one bucket of 46 near-identical posts (> 32 neighbours)
        add(edit(big, 2), created=1_600_000_500)
    add(big, created=1_600_000_500)
    for _ in range(12):  # families of 2-4 near duplicates
        base = story(int(rng.integers(80, 140)))
        for _ in range(int(rng.integers(2, 5))):
            add(edit(base, int(rng.integers(1, 8))))
    for _ in range(5):  # exact groups of 3-5: case, punctuation and markdown only
        words = story(90)
        text = " ".join(words)
        variants = [text, text.upper(), text.replace(" ", ", ", 3) + "!!",
                    f"[{words[0]}](https://example.com/x) " + " ".join(words[1:]), text + " ..."]
        for v in variants[: int(rng.integers(3, 6))]:
            rows.append(("Help", v, 1_600_000_000, authors[int(rng.integers(5))]))
    for i in range(6):  # same author retells: shuffled sentences, some words changed
        words = story(150)
        sents = [words[k:k + 10] for k in range(0, 150, 10)]
        rng.shuffle(sents)
        add(words, author=f"author{i}")
        add(edit([w for s in sents for w in s], 6), author=f"author{i}", title="Update")
    for _ in range(4):  # texts that normalise to nothing (title and body punctuation)
        rows.append(("???", "*** --- ...", 1_600_000_100, "author1"))
    for _ in range(3):  # shorter than a shingle
        rows.append(("Hi", "help me", 1_600_000_200, "author2"))
    ids = rng.choice(36**6 - 36**5, size=len(rows), replace=False) + 36**5
    post_ids = [np.base_repr(int(i), 36).lower() for i in ids]
    df = clean_frame(post_ids, [r[0] for r in rows], [r[1] for r in rows],
                     [r[2] for r in rows], [r[3] for r in rows])
    return df.iloc[rng.permutation(len(df))].reset_index(drop=True)


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    bench_dir = str(REPO / "benchmarks")
    if bench_dir not in sys.path:
        sys.path.insert(0, bench_dir)
    return importlib.import_module("synthetic_dupes")


def planted_corpus(synthetic: ModuleType, n: int = 1_500) -> pd.DataFrame:
    c = synthetic.make_corpus(n, seed=7)
    return clean_frame(c["post_id"].astype(str).tolist(), c["title"].tolist(),
                       c["selftext"].tolist(), c["created_utc"].tolist(),
                       c["author"].tolist(), c["subreddit"].tolist())


def sample_clean(work: Path) -> Path:
    """The bundled sample through the real ingest and clean stages."""
    from pipeline.clean.stage import run as clean
    from pipeline.ingest.stage import run as ingest

    params = load_params(REPO / "params.yaml")
    params = dataclasses.replace(
        params, ingest=dataclasses.replace(params.ingest, sample_dir=str(SAMPLE)))
    work.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(work):
        ingest(params, out=work / "raw.parquet", progress=False)
        clean(params, src=work / "raw.parquet", clean_out=work / "clean.parquet",
              rejected_out=work / "rejected.parquet", progress=False)
    return work / "clean.parquet"


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    src: Path
    params: Params
    local: dict[str, bytes]  # the local engine's output bytes

    @property
    def partition_rows(self) -> int:
        return -(-pq.ParquetFile(self.src).metadata.num_rows // PARTITIONS)


def run_stage(src: Path, work: Path, params: Params, partition_rows: int | None = None
              ) -> dict[str, bytes]:
    """Run the dedupe stage in ``work``; the bytes of its outputs."""
    work.mkdir(parents=True)
    with contextlib.chdir(work):
        stage.run(params, src=src, unique_out=work / "unique.parquet",
                  dupes_out=work / "duplicates.parquet", progress=False,
                  partition_rows=partition_rows)
    assert not scratch_left(work)
    return {name: (work / name).read_bytes() for name in OUTPUTS}


def scratch_left(folder: Path) -> list[Path]:
    """The Dask engine's scratch folders still in ``folder``."""
    return sorted(folder.glob(f"{stage.SCRATCH_PREFIX}*"))


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory, synthetic: ModuleType) -> list[Case]:
    root = tmp_path_factory.mktemp("dedupe-dask")
    base = Params()
    longest = dataclasses.replace(base, dedupe=DedupeParams(keep="longest"))
    inputs = [
        ("planted", write_clean(planted_corpus(synthetic), root / "planted.parquet", 230), base),
        ("edge", write_clean(edge_case_corpus(), root / "edge.parquet", 97), base),
        ("edge-longest", root / "edge.parquet", longest),
    ]
    if (SAMPLE / "RS_valact_sample.zst").exists():
        inputs.append(("sample", sample_clean(root / "sample"), base))
    return [Case(name, src, params, run_stage(src, root / f"local-{name}", params))
            for name, src, params in inputs]


@contextlib.contextmanager
def local_cluster(n_workers: int) -> Iterator[tuple[object, ExecutionParams]]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=n_workers, processes=True, threads_per_worker=1,
                     host="127.0.0.1", dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client, ExecutionParams(engine="dask", address=cluster.scheduler_address)


# ----------------------------------------------------------------------------- fast tests


def test_partitions_cover_the_file_across_row_groups(tmp_path: Path) -> None:
    df = edge_case_corpus()
    src = write_clean(df, tmp_path / "clean.parquet", 97)
    parts = plan_partitions(src, 60)
    assert [p.start for p in parts] == list(range(0, len(df), 60))
    assert any(len(p.slices) > 1 for p in parts)  # some straddle two row groups
    read = pd.concat([read_partition(src, p) for p in parts], ignore_index=True)
    assert read["post_id"].tolist() == df["post_id"].tolist()
    assert read_partition(src, parts[1], ["post_id"]).columns.tolist() == ["post_id"]
    with pytest.raises(ValueError):
        plan_partitions(src, 0)


def test_bucket_files_give_each_bucket_its_rows(tmp_path: Path) -> None:
    """A shuffle's files: batch b of every file is bucket b's rows, in file order, and a
    partition with no rows (here: no known authors) writes the same schema."""
    rows = pd.DataFrame({"author": ["x", "y", "z", "x"], "post_id": ["a", "b", "c", "d"],
                         "gid": np.arange(4), "n_tokens": np.arange(4) + 5,
                         "minima": [np.full(3, i, np.uint16) for i in range(4)]})
    schema = _SCHEMAS["authors"]
    full = _write_buckets(tmp_path / "a-0.arrow", rows, schema, np.array([2, 0, 2, 1]), 3)
    empty = _write_buckets(tmp_path / "a-1.arrow", rows.iloc[:0], schema, _EMPTY, 3)
    got = [_read_bucket([empty, full], b) for b in range(3)]
    assert [g["post_id"].tolist() for g in got] == [["b"], ["d"], ["a", "c"]]
    assert got[2]["minima"].map(list).tolist() == [[0, 0, 0], [2, 2, 2]]
    assert len(_read_bucket([empty], 1)) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-0.arrow", "a-1.arrow"]  # no tmp


def test_edge_case_corpus_has_the_cases(tmp_path: Path) -> None:
    """The corpus holds what it claims (asserted on the local engine's output)."""
    df = edge_case_corpus()
    src = write_clean(df, tmp_path / "clean.parquet", 97)
    with contextlib.chdir(tmp_path):
        stage.run(Params(), src=src, unique_out=tmp_path / "u.parquet",
                  dupes_out=tmp_path / "d.parquet", progress=False)
    dupes = pd.read_parquet(tmp_path / "d.parquet")
    sizes = dupes.groupby("kept_post_id").size()
    assert sizes.max() + 1 > 32  # a cluster bigger than max_bucket_neighbors
    exact = dupes[dupes["method"] == "exact"].groupby("kept_post_id").size()
    assert (exact >= 2).sum() >= 3  # exact groups of 3+
    assert {"exact", "near"} <= set(dupes["method"])
    unique = pd.read_parquet(tmp_path / "u.parquet")
    assert len(unique) + len(dupes) == len(df)
    kept_order = df[~df["post_id"].isin(dupes["post_id"])]["post_id"].tolist()
    assert unique["post_id"].tolist() == kept_order  # clean's row order, streamed


@pytest.mark.slow
def test_stage_import_does_not_import_distributed() -> None:
    code = "import sys, pipeline.dedupe.stage; print('distributed' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- clusters


@pytest.mark.slow
@pytest.mark.parametrize("n_workers", [1, 2])
def test_dask_outputs_are_byte_identical(
    cases: list[Case], n_workers: int, tmp_path: Path
) -> None:
    assert len(cases) >= 3
    with local_cluster(n_workers) as (client, execution):
        for case in cases:
            params = dataclasses.replace(case.params, execution=execution)
            got = run_stage(case.src, tmp_path / case.name, params, case.partition_rows)
            for name in OUTPUTS:
                assert got[name] == case.local[name], f"{case.name}: {name} differs"
        edge = next(c for c in cases if c.name == "edge")
        posts = pd.read_parquet(edge.src)
        for config in CONFIGS:
            with stage.scratch_dir(tmp_path) as scratch:
                got_frame, rows = find_duplicates_dask(
                    client, edge.src, config, scratch,  # type: ignore[arg-type]
                    edge.partition_rows)
                # the shuffles went through the scratch folder: one file per partition and
                # shuffle (ids, exact, bands, authors), one per candidate bucket
                kinds = {f.name.split("-")[0] for f in scratch.glob("*.arrow")}
                assert kinds >= ({"ids", "exact", "bands", "pairs"} if config.near
                                 else {"ids", "exact"})
            assert not scratch_left(tmp_path)
            assert rows == len(posts)
            pd.testing.assert_frame_equal(got_frame, find_duplicates(posts, config,
                                                                     progress=False))


def _kill_a_busy_worker(client: object, pids: dict[str, int], done: threading.Event,
                        killed: list[str]) -> None:
    """Poll ``client.processing()`` and SIGKILL the first worker running a dedupe task
    (sketch or verification): at most ~20 s of polling."""
    for _ in range(4_000):
        if done.is_set():
            return
        busy = client.processing()  # type: ignore[attr-defined]
        for addr, keys in busy.items():
            if any("-sketch-" in str(k) or "-verify-" in str(k) for k in keys):
                os.kill(pids[addr], signal.SIGKILL)
                killed.append(addr)
                return
        time.sleep(0.005)


@pytest.mark.slow
def test_killed_worker_gives_identical_outputs_or_worker_lost(
    cases: list[Case], tmp_path: Path
) -> None:
    case = next(c for c in cases if c.name == "planted")
    with local_cluster(2) as (client, execution):
        pids = client.run(os.getpid)  # type: ignore[attr-defined]
        done, killed = threading.Event(), []
        poller = threading.Thread(target=_kill_a_busy_worker,
                                  args=(client, pids, done, killed), daemon=True)
        poller.start()
        work = tmp_path / "killed"
        try:
            got = run_stage(case.src, work, dataclasses.replace(case.params, execution=execution),
                            case.partition_rows)
        except WorkerLost:
            assert not any((work / name).exists() for name in OUTPUTS)
            got = None
        finally:
            done.set()
            poller.join(timeout=30)
    assert killed, "no dedupe task was seen running: nothing was killed"
    assert not scratch_left(work)
    if got is not None:
        for name in OUTPUTS:
            assert got[name] == case.local[name], f"{name} differs after a worker was killed"


@pytest.mark.slow
def test_failed_run_removes_its_scratch_folder(tmp_path: Path) -> None:
    """A run that fails after the shuffles have written their files (a post_id twice, found
    by the id shuffle) leaves neither outputs nor the scratch folder."""
    df = edge_case_corpus()
    df.loc[len(df) - 1, "post_id"] = df.loc[0, "post_id"]  # first and last partition
    src = tmp_path / "clean.parquet"  # not BatchWriter: it refuses the repeated id
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), src, row_group_size=97)
    work = tmp_path / "work"
    work.mkdir()
    with (local_cluster(1) as (_, execution), contextlib.chdir(work),
          pytest.raises(ValueError, match="not unique")):
        stage.run(Params(execution=execution), src=src, unique_out=work / "u.parquet",
                  dupes_out=work / "d.parquet", progress=False, partition_rows=60)
    assert not scratch_left(work)
    assert not (work / "u.parquet").exists() and not (work / "d.parquet").exists()


@pytest.mark.slow
def test_planted_corpus_quality_is_the_local_engines(
    cases: list[Case], synthetic: ModuleType, tmp_path: Path
) -> None:
    """The benchmark corpus's recall and precision (the Dask run is byte-identical)."""
    case = next(c for c in cases if c.name == "planted")
    (tmp_path / "d.parquet").write_bytes(case.local["duplicates.parquet"])
    dupes = pq.read_table(tmp_path / "d.parquet").to_pandas()
    corpus = synthetic.make_corpus(1_500, seed=7)
    m = synthetic.pair_metrics(corpus["truth"].to_numpy(),
                               synthetic.predicted_labels(corpus["post_id"], dupes))
    assert m.recall >= 0.95 and m.precision >= 0.98, m
