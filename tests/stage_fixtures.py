"""Synthetic frames for stage tests (no sample file needed)."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pandas as pd

SUBS = ("Advice", "relationship_advice", "careerguidance")
TOPICS = (
    "My sister wants me to move back home to help with the family business, but I got an "
    "offer for an exciting job abroad with a big promotion and a lot more money.",
    "My roommate keeps breaking the rules of our lease and throwing parties. I want to "
    "report it to keep things safe and stable but I worry it is rude to our friendship.",
    "My parents expect a traditional religious wedding, and my partner wants a small fun "
    "trip instead. We want to be fair to everyone and keep the family close.",
)


def unique_posts(n: int, seed: int = 1) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        topic = rng.choice(TOPICS)
        body = f"{topic} It has been {i + 2} months. Should I do it? What would you do?"
        rows.append(
            {
                "post_id": f"p{i:05d}",
                "subreddit": SUBS[i % len(SUBS)],
                "created_utc": 1_700_000_000 + 3600 * i,
                "score": i,
                "author_key": f"a{i % 7}",
                "title": f"Should I take the offer? ({20 + i % 30}F)",
                "body": body,
                "n_words": len(body.split()) + 6,
                "language": "en",
                "language_confidence": 0.99,
                "advice_rule": "should_i",
                "n_redactions": 0,
            }
        )
    return pd.DataFrame(rows)


def dump_record(post_id: str, **fields: Any) -> dict[str, Any]:
    """One Pushshift-style submission line for dump-reading tests; ``fields`` override."""
    rec: dict[str, Any] = {
        "id": post_id,
        "subreddit": "Advice",
        "title": f"title {post_id}",
        "selftext": f"text of {post_id}",
        "author": "someone",
        "created_utc": 1_600_000_000,
        "retrieved_on": 1_600_100_000,
        "score": 3,
        "num_comments": 1,
        "over_18": False,
        "is_self": True,
        "stickied": False,
        "permalink": f"/r/Advice/comments/{post_id}/x/",
        "url": f"https://www.reddit.com/r/Advice/comments/{post_id}/x/",
    }
    rec.update(fields)
    return rec


def build_dataset(work: Path, n_scenarios: int) -> Path:
    """A dataset folder built by the project's own stages (annotate offline -> review ->
    assemble -> build) from synthetic posts; returns ``work / "valact-15k"``."""
    from dataclasses import replace

    from pipeline.annotate.stage import run as annotate
    from pipeline.artifacts import write_frame
    from pipeline.assemble.stage import run as assemble_run
    from pipeline.build.stage import run as build_run
    from pipeline.params import Params
    from pipeline.review.stage import run as review_run
    from pipeline.schemas import UNIQUE_POSTS

    cwd = os.getcwd()
    os.chdir(work)  # the build stage reads metrics/ relative to the working directory
    seed_upstream_metrics(work)
    try:
        params = Params()
        params = replace(params, assemble=replace(params.assemble, scenarios=n_scenarios,
                                                  allow_smaller=False))
        write_frame(unique_posts(n_scenarios * 3 // 2), work / "unique.parquet", UNIQUE_POSTS)
        annotate(params, src=work / "unique.parquet", out=work / "ann.parquet", progress=False)
        review_run(params, src=work / "ann.parquet", decisions_dir=work / "none",
                   reviewed_out=work / "rev.parquet", queue_out=work / "queue.jsonl")
        assemble_run(params, src=work / "rev.parquet", out=work / "sel.parquet")
        out = work / "valact-15k"
        build_run(params, src=work / "sel.parquet", out_dir=out,
                  metrics_out=work / "metrics.json")
    finally:
        os.chdir(cwd)
    return out


def seed_upstream_metrics(
    work: Path, stages: tuple[str, ...] = ("ingest", "clean", "dedupe"), source: str = "sample"
) -> None:
    """Put the repository's own ``metrics/<stage>.json`` (the real stages' figures on the
    bundled sample) in ``work/metrics`` for the stages a test did not run: build reads every
    earlier stage's metrics record and refuses to build without them. ``source`` other than
    ``sample`` relabels the ingest figures as that route's (the card of a Reddit build)."""
    import json

    repo = Path(__file__).resolve().parents[1]
    (work / "metrics").mkdir(parents=True, exist_ok=True)
    for stage in stages:
        target = work / "metrics" / f"{stage}.json"
        if target.exists():
            continue
        figures = json.loads((repo / "metrics" / f"{stage}.json").read_text(encoding="utf-8"))
        if stage == "ingest":
            figures.update(source=source, synthetic=source == "sample")
        target.write_text(json.dumps(figures, indent=2, sort_keys=True), encoding="utf-8")
