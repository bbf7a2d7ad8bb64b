"""Stage 3, dedupe: exact and near duplicates -> interim/unique.parquet, interim/duplicates.parquet.

One post per duplicate cluster is kept (rule: ``dedupe.keep``); every removed post is
written to ``duplicates.parquet`` with the post it duplicates, the score and the method.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pipeline import paths
from pipeline.artifacts import read_frame, write_frame, write_stage_metrics
from pipeline.dedupe.near import DedupeConfig, find_duplicates
from pipeline.params import Params
from pipeline.schemas import CLEAN_POSTS, DUPLICATES, UNIQUE_POSTS

log = logging.getLogger("valact.dedupe")


def run(
    params: Params,
    src: Path = paths.CLEAN,
    unique_out: Path = paths.UNIQUE,
    dupes_out: Path = paths.DUPLICATES,
    progress: bool = True,
) -> dict[str, Any]:
    dp = params.dedupe
    posts = read_frame(src, CLEAN_POSTS)
    config = DedupeConfig(
        near=dp.near,
        threshold=dp.threshold,
        min_length_ratio=dp.min_length_ratio,
        keep=dp.keep,
        seed=params.seed,
    )
    dupes = find_duplicates(posts, config, progress=progress)
    dupes = write_frame(dupes, dupes_out, DUPLICATES)
    unique = posts[~posts["post_id"].isin(set(dupes["post_id"]))]
    unique = unique.sort_values(["created_utc", "post_id"], kind="stable")
    unique = write_frame(unique, unique_out, UNIQUE_POSTS)
    metrics = {
        "posts_in": len(posts),
        "unique": len(unique),
        "duplicates": len(dupes),
        "duplicates_by_method": {m: int((dupes["method"] == m).sum()) for m in ("exact", "near")},
        "clusters": int(dupes["kept_post_id"].nunique()),
    }
    write_stage_metrics("dedupe", metrics)
    log.info("dedupe: %d in, %d unique, %d duplicates", len(posts), len(unique), len(dupes))
    return metrics
