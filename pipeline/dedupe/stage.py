"""Stage 3, dedupe: exact and near duplicates -> interim/unique.parquet, interim/duplicates.parquet.

One post per duplicate cluster is kept (rule: ``dedupe.keep``); every removed post is
written to ``duplicates.parquet`` with the post it duplicates, the score and the method.
``unique.parquet`` is clean's file streamed again without the removed posts (clean's row
order), so both engines write it the same way and it is never held whole.

``execution.engine: dask`` finds the duplicates on a Dask cluster
(:mod:`pipeline.dedupe.distributed`, imported only then): the same output bytes. Its
shuffles go through a scratch folder next to the outputs (``interim/.dedupe-scratch-*``),
removed at the end of the run, success or failure; the workers must see the data paths
through a shared filesystem.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import paths
from pipeline.artifacts import (
    BatchWriter,
    iter_frames,
    read_frame,
    scratch_folder,
    write_frame,
    write_stage_metrics,
)
from pipeline.dedupe.near import DedupeConfig, find_duplicates
from pipeline.params import Params
from pipeline.schemas import CLEAN_POSTS, DUPLICATES, UNIQUE_POSTS

log = logging.getLogger("valact.dedupe")

UNIQUE_BATCH_ROWS = 5_000  # rows per batch (and row group) of unique.parquet
SCRATCH_PREFIX = ".dedupe-scratch-"  # the Dask engine's shuffle folder, next to the outputs


def dedupe_config(params: Params) -> DedupeConfig:
    """The engine settings from the params (``dedupe`` section and the seed)."""
    dp = params.dedupe
    return DedupeConfig(
        near=dp.near,
        threshold=dp.threshold,
        min_length_ratio=dp.min_length_ratio,
        keep=dp.keep,
        seed=params.seed,
    )


def write_unique(src: Path, removed: set[str], out: Path) -> int:
    """Stream ``src`` into ``out`` without the ``removed`` post ids; returns the rows kept."""
    with BatchWriter(out, UNIQUE_POSTS) as writer:
        for batch in iter_frames(src, UNIQUE_BATCH_ROWS):
            writer.write(batch[~batch["post_id"].astype(str).isin(removed)])
    return writer.rows


def _local_duplicates(src: Path, config: DedupeConfig, progress: bool) -> tuple[pd.DataFrame, int]:
    posts = read_frame(src, CLEAN_POSTS)
    return find_duplicates(posts, config, progress=progress), len(posts)


def scratch_dir(parent: Path) -> contextlib.AbstractContextManager[Path]:
    """The Dask engine's shuffle folder under ``parent`` (``.dedupe-scratch-*``), removed at
    the end, success or failure."""
    return scratch_folder(parent, SCRATCH_PREFIX)


def _dask_duplicates(
    params: Params, src: Path, config: DedupeConfig, scratch_parent: Path,
    partition_rows: int | None,
) -> tuple[pd.DataFrame, int]:
    """Duplicates found on the Dask cluster; the shuffles go through a scratch folder next
    to the outputs (the workers must see it, like ``src``, through a shared filesystem)."""
    from pipeline.dedupe.distributed import PARTITION_ROWS, find_duplicates_dask
    from pipeline.execution import dask_client

    with dask_client(params.execution) as client, scratch_dir(scratch_parent) as scratch:
        return find_duplicates_dask(client, src.resolve(), config, scratch.resolve(),
                                    partition_rows or PARTITION_ROWS)


def run(
    params: Params,
    src: Path = paths.CLEAN,
    unique_out: Path = paths.UNIQUE,
    dupes_out: Path = paths.DUPLICATES,
    progress: bool = True,
    partition_rows: int | None = None,
) -> dict[str, Any]:
    """Run the stage; ``partition_rows``: rows per Dask task (engine ``dask`` only; None =
    ``distributed.PARTITION_ROWS``). Outputs are written only once every duplicate is known."""
    config = dedupe_config(params)
    if params.execution.engine == "dask":
        dupes, posts_in = _dask_duplicates(params, src, config, dupes_out.parent,
                                           partition_rows)
    else:
        dupes, posts_in = _local_duplicates(src, config, progress)
    dupes = write_frame(dupes, dupes_out, DUPLICATES)
    n_unique = write_unique(src, set(dupes["post_id"].astype(str)), unique_out)
    if n_unique + len(dupes) != posts_in:
        raise RuntimeError(f"dedupe: {posts_in} posts in, {n_unique} unique + {len(dupes)} "
                           "duplicates written")
    metrics = {
        "posts_in": posts_in,
        "unique": n_unique,
        "duplicates": len(dupes),
        "duplicates_by_method": {m: int((dupes["method"] == m).sum()) for m in ("exact", "near")},
        "clusters": int(dupes["kept_post_id"].nunique()),
    }
    write_stage_metrics("dedupe", metrics)
    log.info("dedupe: %d in, %d unique, %d duplicates", posts_in, n_unique, len(dupes))
    return metrics
