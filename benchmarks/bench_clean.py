"""Benchmark: the clean stage in one process (baseline) against ``clean.workers`` processes.

    python benchmarks/bench_clean.py [--n 6000] [--workers 2] [--batch-size 2000]
                                     [--long-post-only]

Generates the synthetic corpus with ``scripts/generate_sample.py --n N`` (seeded; a temporary
directory, deleted afterwards), ingests it, then runs ``pipeline.clean.stage.run`` with
``workers=1`` and with ``--workers``, on the same input, and prints the wall time, posts/s,
the ratio, and whether both wrote the same files (they must). Wall time includes building
the filters (spaCy, lingua, scrubber) in every process: that is what a run costs.

Then the time each filter takes on one post of about 50,000 characters (the worst case of a
Reddit self post), next to the bound tests/clean/test_clean_filters.py used to assert: a regex
that backtracks shows here, not as a test failing on a busy machine.
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


LONG_POST = " ".join(
    f"I have been thinking about my options for a long time, number {i}." for i in range(800)
)  # the post tests/clean/test_clean_filters.py uses, about 50,000 characters


def long_post_timings() -> None:
    """Print the wall time of each filter on LONG_POST (best of 3, filters built before)."""
    from pipeline.clean.advice import AdviceMatcher
    from pipeline.clean.content_shape import code_share, link_share, list_share, word_count
    from pipeline.clean.language import LanguageIdentifier
    from pipeline.clean.normalize_text import normalize
    from pipeline.clean.sensitive import SensitiveTopicDetector

    advice = AdviceMatcher()
    sensitive = SensitiveTopicDetector(nlp=advice.nlp)
    lang = LanguageIdentifier()

    def shape(text: str) -> None:
        for measure in (word_count, link_share, code_share, list_share):
            measure(text)

    cases = [  # (what, call, the bound the test asserted, in seconds)
        ("normalize", lambda: normalize(LONG_POST), 5.0),
        ("shape measures", lambda: shape(LONG_POST), 2.0),
        ("language detect", lambda: lang.detect(LONG_POST), 1.0),
        ("advice match", lambda: advice.match("My options", LONG_POST + " So what should I do?"),
         5.0),
        ("sensitive check", lambda: sensitive.check(LONG_POST + " Lately I feel suicidal."),
         5.0),
    ]
    print(f"one post of {len(LONG_POST):,} characters (best of 3):")
    for what, call, bound in cases:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - start)
        print(f"  {what:16} {best * 1000:8.1f} ms  (the test's old bound: {bound:g} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=6000, help="base posts of the corpus")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--long-post-only", action="store_true",
                        help="only the per-filter times on one long post")
    args = parser.parse_args()
    if args.long_post_only:
        long_post_timings()
        return

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
    long_post_timings()


if __name__ == "__main__":
    main()
