"""The LLM annotate stage against the local OpenAI-compatible server (loopback only).

Runs ``pipeline.annotate.stage.run`` (provider openai, three calls per post) on synthetic
posts; the server answers with the scripted fake model of ``tests/annotate/test_annotate_llm.py``
after a random latency (exponential, mean ``--latency``: real APIs have long tails). Two
drivers are compared on the same requests, each with a cold cache:

- ``chains`` (what ``annotate.mode: online`` does): each post's scenario -> options ->
  verify calls as a chain, posts in parallel;
- ``steps``: all scenario calls, then all options calls, then all verify calls
  (``LLMClient.run`` per step, as the Batch API path has to), a barrier between steps.

The floor of a run is ``3 * posts * mean latency / concurrency``; the ratio measured /
floor shows the overhead (client, cache commits, validation, barriers). The cached rerun of
the stage must send nothing.

    python benchmarks/bench_annotate.py [--posts 160] [--concurrency 16] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests", ROOT / "tests" / "annotate"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from test_annotate_llm import FakeModel, make_params, make_posts  # noqa: E402

from pipeline.annotate import llm_annotator  # noqa: E402
from pipeline.annotate.stage import run  # noqa: E402
from pipeline.artifacts import write_frame  # noqa: E402
from pipeline.schemas import UNIQUE_POSTS  # noqa: E402
from servers.openai_server import Answer, openai_server  # noqa: E402


class SlowFake:
    """The fake model with an exponential latency per answer (seeded)."""

    def __init__(self, mean: float, seed: int = 7) -> None:
        self.fake = FakeModel()
        self.mean = mean
        self.rng = random.Random(seed)
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Any:
        with self.lock:
            delay = self.rng.expovariate(1 / self.mean) if self.mean > 0 else 0.0
        got = self.fake(body)
        if isinstance(got, Answer):
            got.delay = delay
            return got
        return Answer(content=got, delay=delay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=160)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    floor = 3 * args.posts * args.latency / args.concurrency
    print(f"{args.posts} posts x 3 calls, concurrency {args.concurrency}, latency "
          f"exp(mean {args.latency}s): floor {floor:.2f}s")
    with tempfile.TemporaryDirectory() as tmp, openai_server() as srv:
        tmpdir = Path(tmp)
        os.chdir(tmpdir)
        posts = make_posts(args.posts)
        src = tmpdir / "unique.parquet"
        write_frame(posts, src, UNIQUE_POSTS)
        params = make_params(srv, args.posts, concurrency=args.concurrency)
        fast = {"backoff_base": 0.01, "backoff_max": 0.05}

        srv.responder = SlowFake(args.latency)
        os.environ["VALACT_LLM_CACHE"] = str(tmpdir / "chains.sqlite")
        t0 = time.perf_counter()
        run(params, src=src, out=tmpdir / "a.parquet", progress=False, client_options=fast)
        chains = time.perf_counter() - t0
        sent, peak = srv.count(), srv.max_inflight
        print(f"chains (online stage)   {chains:6.2f}s  {sent} requests  "
              f"{sent / chains:6.1f} req/s  x{chains / floor:.2f} floor  max in flight {peak}")

        srv.reset_counts()
        t0 = time.perf_counter()
        run(params, src=src, out=tmpdir / "b.parquet", progress=False, client_options=fast)
        cached = time.perf_counter() - t0
        print(f"cached rerun (stage)    {cached:6.2f}s  {srv.count()} requests")

        srv.reset_counts()
        srv.responder = SlowFake(args.latency)
        ann = llm_annotator.Annotator(params)
        runs = [llm_annotator.PostRun(p) for p in llm_annotator.posts_from_frame(posts)]
        with llm_annotator.make_client(params, cache=tmpdir / "steps.sqlite", **fast) as llm:
            t0 = time.perf_counter()
            llm_annotator._stepwise(ann, runs, lambda reqs: llm.run(reqs, progress=False))
            steps = time.perf_counter() - t0
        sent = srv.count()
        print(f"steps (3 barriers)      {steps:6.2f}s  {sent} requests  "
              f"{sent / steps:6.1f} req/s  x{steps / floor:.2f} floor")


if __name__ == "__main__":
    main()
