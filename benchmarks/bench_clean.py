"""Benchmark: the clean stage in one process (baseline) against ``clean.workers`` processes.

    python benchmarks/bench_clean.py [--n 6000] [--workers 2] [--batch-size 2000]

Generates the synthetic corpus with ``scripts/generate_sample.py --n N`` (seeded; a temporary
directory, deleted afterwards), ingests it, then runs ``pipeline.clean.stage.run`` with
``workers=1`` and with ``--workers``, on the same input, and prints the wall time, posts/s,
the ratio, and whether both wrote the same files (they must). Wall time includes building
the filters (spaCy, lingua, scrubber) in every process: that is what a run costs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.clean.stage import run as clean_run  # noqa: E402
from pipeline.ingest.stage import run as ingest_run  # noqa: E402
from pipeline.params import Params  # noqa: E402


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=6000, help="base posts of the corpus")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--batch-size", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="valact-bench-clean-") as tmp:
        work = Path(tmp)
        sample = work / "sample"
        sample.mkdir()
        subprocess.run(
            [sys.executable, str(ROOT / "scripts/generate_sample.py"), "--n", str(args.n),
             "--out", str(sample / "RS_bench.zst"), "--level", "3"],
            check=True, capture_output=True,
        )
        params = Params()
        params = replace(params, ingest=replace(params.ingest, sample_dir=str(sample)))
        os.chdir(work)
        raw = work / "posts.parquet"
        ingest_run(params, out=raw, progress=False)

        results = {}
        for label, workers in (("baseline (1 process)", 1), (f"{args.workers} workers",
                                                              args.workers)):
            out = work / f"w{workers}"
            out.mkdir()
            p = replace(params, clean=replace(params.clean, workers=workers))
            start = time.perf_counter()
            m = clean_run(p, src=raw, clean_out=out / "clean.parquet",
                          rejected_out=out / "rejected.parquet",
                          batch_size=args.batch_size, progress=False)
            wall = time.perf_counter() - start
            results[label] = (wall, m["posts_in"],
                              _digest(out / "clean.parquet", out / "rejected.parquet"))

    print(f"clean stage, {next(iter(results.values()))[1]:,} posts, batch {args.batch_size}, "
          f"{os.cpu_count()} cores")
    for label, (wall, n, digest) in results.items():
        print(f"  {label:22} {wall:7.1f} s  {n / wall:7.1f} posts/s  output {digest}")
    (b_wall, _, b_dig), (w_wall, _, w_dig) = results.values()
    print(f"  ratio (baseline time / workers time): {b_wall / w_wall:.2f}x; "
          f"same output: {b_dig == w_dig}")


if __name__ == "__main__":
    main()
