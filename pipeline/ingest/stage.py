"""Stage 1, ingest: Reddit posts from the sample, dump files or the API -> raw/posts.parquet."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import paths
from pipeline.artifacts import write_frame, write_stage_metrics
from pipeline.ingest.dumps import expand_globs, read_dumps
from pipeline.params import Params
from pipeline.schemas import RAW_POSTS

log = logging.getLogger("valact.ingest")

SAMPLE_PATTERNS = ("*.zst", "*.jsonl", "*.ndjson", "*.gz")


def sample_files(sample_dir: Path) -> list[Path]:
    """Dump files in the sample folder (``sample_truth.jsonl`` holds labels, not posts)."""
    files = sorted(
        {
            p
            for pattern in SAMPLE_PATTERNS
            for p in sample_dir.glob(pattern)
            if "truth" not in p.name
        }
    )
    if not files:
        raise FileNotFoundError(
            f"no dump files in {sample_dir}: regenerate it with `python scripts/generate_sample.py`"
        )
    return files


def _from_reddit(params: Params, out: Path, progress: bool) -> tuple[pd.DataFrame, dict[str, Any]]:
    from pipeline.ingest.reddit_api import RedditFetchConfig, fetch_posts, make_reddit

    ip = params.ingest
    config = RedditFetchConfig(
        subreddits=ip.subreddits,
        listings=ip.reddit.listings,
        limit_per_listing=ip.reddit.limit_per_listing,
        since=ip.since,
        until=ip.until,
        site_name=ip.reddit.site_name,
    )
    existing = pd.read_parquet(out) if out.exists() else None
    return fetch_posts(make_reddit(config), config, existing=existing, progress=progress)


def run(params: Params, out: Path = paths.RAW_POSTS, progress: bool = True) -> dict[str, Any]:
    ip = params.ingest
    subreddits = ip.subreddits or None
    if ip.source == "reddit":
        posts, report = _from_reddit(params, out, progress)
    else:
        if ip.source == "sample":
            files = sample_files(Path(ip.sample_dir))
        else:
            if not ip.paths:
                raise ValueError("ingest.source is 'dump' but ingest.paths is empty in params.yaml")
            files = expand_globs(list(ip.paths), Path.cwd())
        log.info("reading %d file(s): %s", len(files), ", ".join(p.name for p in files))
        posts, dump_report = read_dumps(
            files,
            subreddits=subreddits,
            since=ip.since,
            until=ip.until,
            max_bad_fraction=ip.max_bad_fraction,
            workers=ip.workers,
            progress=progress,
            allow_damaged_files=ip.allow_damaged_files,
            execution=params.execution,
            scratch_dir=out.parent,  # Dask: the tasks' parts, next to the output
        )
        report = dump_report.to_dict()
    posts = write_frame(posts, out, RAW_POSTS)
    metrics = {
        "source": ip.source,
        # source: sample is the bundled synthetic sample (raw/sample/README.md), not Reddit
        "synthetic": ip.source == "sample",
        "posts_ingested": len(posts),
        "removed": int(posts["removed"].sum()),
        "files_damaged": len(report.get("damaged_files", [])),
        "per_subreddit": {
            k: int(v) for k, v in posts["subreddit"].value_counts().sort_index().items()
        },
        "report": report,
    }
    write_stage_metrics("ingest", metrics)
    log.info("ingested %d posts -> %s", len(posts), out)
    return metrics
