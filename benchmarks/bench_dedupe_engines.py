"""Benchmark: dedupe's memory per worker and wall time, local engine vs Dask, as the corpus grows.

    python benchmarks/bench_dedupe_engines.py [--sizes 50000,100000,200000]
        [--configs local,dask-1,dask-2] [--partition-rows 5000] [--memory-limit auto]

The corpus is the planted-duplicates generator of ``bench_dedupe.py``
(``synthetic_dupes.make_corpus``, seed 0: exact reposts, near reposts, same-author
retellings, with the truth of which post copies which), written as ``interim/clean.parquet``
(one row group per 5,000 rows, as clean writes it) under ``$TMPDIR/valact_bench_dedupe_engines``.

Each configuration runs ``pipeline.dedupe.stage.run`` in a fresh subprocess:

- ``local`` (the named baseline): ``execution.engine: local``, the whole corpus in one process;
- ``dask-N``: a ``LocalCluster`` of N single-threaded worker processes on 127.0.0.1
  (``--memory-limit`` per worker), ``execution.engine: dask`` at its address, partitions
  of ``--partition-rows`` rows.

Measured: wall time of the stage call; peak RSS (VmHWM) of the stage process and, for Dask,
of each worker process (read from the worker at the end: the workers are spawned, so the
peak is their own); pairwise recall and precision against the planted truth; sha256 of the
three outputs, which must be equal in every configuration of a size (IDENTICAL/DIFFERENT).
Prints the table and the ratios to ``local`` (wall time; largest worker's peak memory
against local's process peak).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]
OUTPUTS = ("unique.parquet", "duplicates.parquet", "metrics/dedupe.json")
ROW_GROUP = 5_000


def _vm(field: str = "VmHWM") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no {field} in /proc/self/status")


def _worker_peak() -> float:
    return _vm("VmHWM")


def generate(n: int, out: Path) -> None:
    """Write ``out/clean.parquet`` and ``out/truth.parquet`` for ``n`` base posts (seed 0)."""
    import numpy as np
    import pandas as pd

    from pipeline.artifacts import BatchWriter
    from pipeline.schemas import CLEAN_POSTS
    from synthetic_dupes import make_corpus

    corpus = make_corpus(n, seed=0)
    k = len(corpus)
    frame = pd.DataFrame({
        "post_id": corpus["post_id"].astype(str), "subreddit": corpus["subreddit"],
        "created_utc": corpus["created_utc"].astype(np.int64),
        "score": pd.array([1] * k, dtype="Int64"),
        "author_key": pd.array(corpus["author"].tolist(), dtype="string"),
        "title": corpus["title"], "body": corpus["selftext"],
        "n_words": [max(1, len(b.split())) for b in corpus["selftext"]], "language": "en",
        "language_confidence": 0.99, "advice_rule": None, "n_redactions": 0,
    })
    out.mkdir(parents=True, exist_ok=True)
    with BatchWriter(out / "clean.parquet", CLEAN_POSTS) as writer:
        for lo in range(0, k, ROW_GROUP):
            writer.write(frame.iloc[lo:lo + ROW_GROUP])
    corpus[["post_id", "truth", "kind"]].to_parquet(out / "truth.parquet")


def _quality(dupes_path: Path, truth_path: Path) -> dict[str, Any]:
    import pandas as pd

    from synthetic_dupes import pair_metrics, predicted_labels

    truth = pd.read_parquet(truth_path)
    dupes = pd.read_parquet(dupes_path)
    m = pair_metrics(truth["truth"].to_numpy(), predicted_labels(truth["post_id"], dupes))
    return {"recall": round(m.recall, 4), "precision": round(m.precision, 4),
            "posts": len(truth), "removed": len(dupes)}


def run_one(config: str, src: Path, work: Path, partition_rows: int,
            memory_limit: str) -> dict[str, Any]:
    """One configuration, in this process (called in a fresh subprocess)."""
    from pipeline.dedupe import stage
    from pipeline.params import ExecutionParams, Params

    work.mkdir(parents=True)
    result: dict[str, Any] = {"config": config}
    with contextlib.ExitStack() as stack:
        if config == "local":
            params, rows = Params(), None
        else:
            from distributed import Client, LocalCluster

            cluster = stack.enter_context(LocalCluster(
                n_workers=int(config.split("-")[1]), processes=True, threads_per_worker=1,
                host="127.0.0.1", dashboard_address=None, memory_limit=memory_limit))
            client = stack.enter_context(Client(cluster, set_as_default=False))
            params = Params(execution=ExecutionParams(engine="dask",
                                                      address=cluster.scheduler_address))
            rows = partition_rows
        stack.enter_context(contextlib.chdir(work))
        t0 = time.perf_counter()
        stage.run(params, src=src, unique_out=work / "unique.parquet",
                  dupes_out=work / "duplicates.parquet", progress=False,
                  partition_rows=rows)
        result["wall_s"] = round(time.perf_counter() - t0, 2)
        if config != "local":
            result["worker_peak_mb"] = sorted(
                round(v, 1) for v in client.run(_worker_peak).values())
    result["process_peak_mb"] = round(_vm("VmHWM"), 1)
    result.update(_quality(work / "duplicates.parquet", src.parent / "truth.parquet"))
    result["sha256"] = {name: hashlib.sha256((work / name).read_bytes()).hexdigest()[:16]
                        for name in OUTPUTS}
    return result


def _largest(r: dict[str, Any]) -> float:
    """Peak memory of the largest process doing the work: a worker on Dask, the stage
    process on the local engine."""
    return max(r["worker_peak_mb"]) if "worker_peak_mb" in r else r["process_peak_mb"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="50000,100000,200000")
    ap.add_argument("--configs", default="local,dask-1,dask-2")
    ap.add_argument("--partition-rows", type=int, default=5_000)
    ap.add_argument("--memory-limit", default="auto")
    ap.add_argument("--cache", type=Path,
                    default=Path(tempfile.gettempdir()) / "valact_bench_dedupe_engines")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    configs = args.configs.split(",")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; partitions of "
          f"{args.partition_rows:,} rows, worker memory limit {args.memory_limit}; "
          f"baseline 'local'")
    results: list[dict[str, Any]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        corpus = args.cache / f"n{size}"
        if not (corpus / "truth.parquet").exists():
            generate(size, corpus)
        src = corpus / "clean.parquet"
        by_config: dict[str, dict[str, Any]] = {}
        for config in configs:
            with tempfile.TemporaryDirectory(prefix="dedupe-engines-") as tmp:
                out = subprocess.run(
                    [sys.executable, __file__, "_run", config, str(src), str(Path(tmp) / "w"),
                     str(args.partition_rows), args.memory_limit],
                    check=True, capture_output=True, text=True,
                ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            r["size"] = size
            by_config[config] = r
            results.append(r)
            workers = (f"workers {r['worker_peak_mb']} MiB" if "worker_peak_mb" in r else "")
            print(f"{r['posts']:>9,} posts  {config:<7} {r['wall_s']:7.1f}s wall  process "
                  f"{r['process_peak_mb']:7.1f} MiB  {workers}  recall {r['recall']:.4f} "
                  f"precision {r['precision']:.4f}", flush=True)
        base = by_config.get("local")
        shas = {json.dumps(r["sha256"], sort_keys=True) for r in by_config.values()}
        print(f"    outputs: {'IDENTICAL' if len(shas) == 1 else 'DIFFERENT'} across "
              f"{', '.join(by_config)}")
        if base is not None:
            for config, r in by_config.items():
                if config != "local":
                    print(f"    {config}/local: wall {r['wall_s'] / base['wall_s']:.2f}x, "
                          f"largest process peak {_largest(r) / _largest(base):.2f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_run":
        config, src, work, rows, limit = sys.argv[2:7]
        print(json.dumps(run_one(config, Path(src), Path(work), int(rows), limit)))
    else:
        main()
