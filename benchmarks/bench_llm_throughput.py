"""Throughput of the LLM client against the local OpenAI-compatible server (loopback only).

The server adds a fixed latency to every chat completion, so the ideal throughput of a run
is ``concurrency / latency`` requests a second; the ratio measured / ideal shows what the
client's own overhead (real ``openai.AsyncOpenAI`` HTTP, schema building, sqlite commits
before each result, progress bookkeeping) costs. A second run of the same requests must be
served entirely from the cache: its wall time and request count are printed too.

    python benchmarks/bench_llm_throughput.py [--n 200] [--concurrency 16] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from pipeline.llm import LLMClient, LLMRequest  # noqa: E402
from servers.openai_server import openai_server  # noqa: E402


class Option(BaseModel):
    value: str
    text: str


class Annotation(BaseModel):
    scenario: str
    question: str
    options: list[Option] = Field(min_length=1)


def make_requests(n: int) -> list[LLMRequest]:
    return [
        LLMRequest(
            custom_id=f"bench-{i}",
            messages=[
                {"role": "system", "content": "Turn the post into a scenario with options."},
                {"role": "user", "content": f"Post {i}: " + "I need advice about work. " * 20},
            ],
            model="gpt-4o-mini",
            response_model=Annotation,
            max_tokens=400,
            seed=13,
            prompt_version="bench-v1",
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    if args.n > 5000:
        parser.error("--n is capped at 5000 (local load test)")
    requests = make_requests(args.n)
    with tempfile.TemporaryDirectory() as tmp, openai_server(latency=args.latency) as server:
        cache = Path(tmp) / "cache.sqlite"
        with LLMClient(base_url=server.base_url, api_key="local", cache=cache,
                       concurrency=args.concurrency) as llm:
            started = time.perf_counter()
            results = llm.run(requests, progress=False)
            cold = time.perf_counter() - started
        sent = server.count()
        cold_inflight = server.max_inflight
        ok = sum(r.ok for r in results)
        server.reset_counts()
        with LLMClient(base_url=server.base_url, api_key="local", cache=cache,
                       concurrency=args.concurrency) as llm:
            started = time.perf_counter()
            again = llm.run(requests, progress=False)
            warm = time.perf_counter() - started
        rerun_sent = server.count()
    rate = args.n / cold
    ideal = args.concurrency / args.latency
    floor = math.ceil(args.n / args.concurrency) * args.latency  # whole rounds of latency
    print(f"requests={args.n} concurrency={args.concurrency} latency={args.latency * 1000:.0f}ms")
    print(f"cold run: {cold:.2f}s, {rate:.1f} req/s, ideal {ideal:.1f} req/s, "
          f"ratio {rate / ideal:.3f} (wall-time floor {floor:.2f}s: ratio {floor / cold:.3f}); "
          f"ok={ok}/{args.n}, server saw {sent} requests, at most {cold_inflight} in flight")
    print(f"cached rerun: {warm:.3f}s ({args.n / warm:.0f} req/s), "
          f"{sum(r.cached for r in again)} cached, server saw {rerun_sent} requests")


if __name__ == "__main__":
    main()
