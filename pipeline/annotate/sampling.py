"""Which unique posts get annotated: a seeded sample stratified by subreddit and time.

Each post gets a sort key ``(rank within its stratum + jitter) / stratum size``; the
sample is the posts with the smallest keys. Strata are (subreddit, calendar quarter), so
every stratum is represented in proportion to its size, and because the keys do not
depend on the target size, growing the target returns a superset: only the additional
posts need annotating.
"""

from __future__ import annotations

import math

import pandas as pd

from pipeline.text_patterns import hash_unit


def annotation_target(scenarios: int, oversample: float) -> int:
    return math.ceil(scenarios * oversample)


def stratified_sample(posts: pd.DataFrame, target: int, seed: int) -> pd.DataFrame:
    """Return at most ``target`` rows of ``posts`` (needs post_id, subreddit, created_utc)."""
    if target >= len(posts):
        return posts.sort_values("post_id").reset_index(drop=True)
    df = posts.copy()
    df["_h"] = [hash_unit(seed, pid, sep=":") for pid in df["post_id"]]
    quarter = pd.to_datetime(df["created_utc"], unit="s").dt.to_period("Q").astype(str)
    df["_stratum"] = df["subreddit"].str.casefold() + "|" + quarter
    df = df.sort_values(["_stratum", "_h", "post_id"])
    df["_rank"] = df.groupby("_stratum").cumcount()
    size = df.groupby("_stratum")["post_id"].transform("size")
    df["_key"] = (df["_rank"] + df["_h"]) / size
    chosen = df.sort_values(["_key", "post_id"]).head(target)
    return (
        chosen.drop(columns=["_h", "_stratum", "_rank", "_key"])
        .sort_values("post_id")
        .reset_index(drop=True)
    )
