"""Stage 4, annotate: scenario, question and one option per plausible value for each sampled post.

Writes ``interim/annotations.parquet`` in long format (one row per candidate option).
Providers: ``offline`` (a transparent heuristic, see ``offline.py``) and ``openai`` (any
OpenAI-compatible server, through ``pipeline.llm``: see ``llm_annotator.py``).

With ``provider: openai``, posts whose annotation ended in ``error`` (budget cap, network,
HTTP errors, a Batch API batch still pending) are written like every other row, and then
the stage fails (unless ``annotate.allow_errors``) so that ``dvc repro`` runs it again:
every answer received is in the LLM cache, so the rerun only sends what is missing.
:func:`estimate` is the dry run behind ``valact annotate --estimate``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from pipeline import paths
from pipeline.annotate import offline
from pipeline.annotate.sampling import annotation_target, stratified_sample
from pipeline.artifacts import write_frame, write_stage_metrics
from pipeline.params import Params
from pipeline.progress import progress_bar
from pipeline.schemas import ANNOTATIONS, UNIQUE_POSTS, ArtifactError, validate

log = logging.getLogger("valact.annotate")


def annotate_offline(posts: pd.DataFrame, min_relevance: float, progress: bool) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for post in progress_bar(
        posts.itertuples(index=False),
        total=len(posts),
        desc="annotate (offline)",
        unit="post",
        disable=not progress,
    ):
        ann = offline.annotate_post(post.post_id, post.title, post.body)
        kept = [o for o in ann.options if o.relevance >= min_relevance]
        if not kept:
            rows.append(_status_row(post, "rejected", "no value reached annotate.min_relevance"))
            continue
        for opt in kept:
            rows.append(
                {
                    "post_id": post.post_id,
                    "subreddit": post.subreddit,
                    "status": "ok",
                    "status_detail": None,
                    "scenario": ann.scenario,
                    "question": ann.question,
                    "value": opt.value,
                    "option_text": opt.text,
                    "relevance": opt.relevance,
                    "verified_value": None,
                    "flags": ["offline_draft"],
                    "annotator": offline.ANNOTATOR,
                    "prompt_version": offline.PROMPT_VERSION,
                }
            )
    return pd.DataFrame(rows, columns=list(ANNOTATIONS.columns))


def with_post_dates(annotations: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """Every row gets its post's ``created_utc`` from the sample.

    The date is carried forward so that assemble (per-year cap, ``created_month``) reads it
    from review's output instead of reading unique.parquet again. It is added here, after
    the annotator, for both providers: no LLM request and no cache key depends on it.
    """
    dates = dict(zip(sample["post_id"], sample["created_utc"], strict=True))
    return annotations.assign(created_utc=annotations["post_id"].map(dates))


def _status_row(post: Any, status: str, detail: str) -> dict[str, Any]:
    return {
        "post_id": post.post_id,
        "subreddit": post.subreddit,
        "status": status,
        "status_detail": detail,
        "scenario": None,
        "question": None,
        "value": None,
        "option_text": None,
        "relevance": None,
        "verified_value": None,
        "flags": [status],
        "annotator": offline.ANNOTATOR,
        "prompt_version": offline.PROMPT_VERSION,
    }


def sample_posts(params: Params, src: Path = paths.UNIQUE) -> tuple[int, pd.DataFrame]:
    """``(number of unique posts, the sample to annotate)``.

    Only the sampling keys of every post are read; the full rows only for the sample, so
    memory follows the annotation target, not the size of the corpus.
    """
    if not src.exists():
        raise ArtifactError(f"{src} does not exist: run the stage that writes it first")
    keys = pd.read_parquet(src, columns=["post_id", "subreddit", "created_utc"])
    target = annotation_target(params.assemble.scenarios, params.annotate.oversample)
    chosen = stratified_sample(keys, target, params.seed)
    ids = chosen["post_id"].astype(str).tolist()
    if ids:
        table = pq.read_table(src, filters=[("post_id", "in", ids)])
    else:
        table = pq.read_schema(src).empty_table()
    rows = table.to_pandas()
    sample = validate(rows.sort_values("post_id").reset_index(drop=True), UNIQUE_POSTS)
    if len(sample) != len(ids):
        raise ArtifactError(f"{src}: {len(ids)} sampled posts, {len(sample)} rows read back")
    return len(keys), sample


def run(
    params: Params,
    src: Path = paths.UNIQUE,
    out: Path = paths.ANNOTATIONS,
    progress: bool = True,
    *,
    client_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Annotate the sample and write ANNOTATIONS; ``client_options`` override LLMClient args."""
    ap = params.annotate
    n_posts, sample = sample_posts(params, src)
    target = annotation_target(params.assemble.scenarios, ap.oversample)
    log.info("annotating %d of %d unique posts (target %d)", len(sample), n_posts, target)
    extra: dict[str, Any] = {}
    if ap.provider == "offline":
        annotations = annotate_offline(sample, ap.min_relevance, progress)
    else:
        from pipeline.annotate import llm_annotator

        annotations, _ = llm_annotator.annotate(sample, params, progress=progress,
                                                client_options=client_options)
        extra = llm_annotator.summary_metrics(annotations, params)
    annotations = with_post_dates(annotations, sample)
    annotations = annotations.sort_values(["post_id", "value"], na_position="first")
    annotations = write_frame(annotations, out, ANNOTATIONS)
    ok = annotations[annotations["status"] == "ok"]
    per_post = annotations.drop_duplicates("post_id")
    metrics = {
        "provider": ap.provider,
        "annotator": offline.ANNOTATOR if ap.provider == "offline" else ap.model,
        "posts_available": n_posts,
        "posts_sampled": len(sample),
        "posts_annotated": int(ok["post_id"].nunique()),
        "options": len(ok),
        "by_status": {
            k: int(v)
            for k, v in per_post["status"].value_counts().sort_index().items()
        },
        **extra,
    }
    write_stage_metrics("annotate", metrics)
    errors = int((per_post["status"] == "error").sum())
    if errors and ap.provider != "offline" and not ap.allow_errors:
        reasons = ", ".join(f"{k} x{v}" for k, v in extra.get("error_reasons", {}).items())
        budget = " (after raising annotate.budget_usd)" if "budget" in reasons else ""
        raise RuntimeError(
            f"{errors} of {len(per_post)} posts ended in error ({reasons}); {out} was written "
            f"with them. Rerun `valact annotate` (or `dvc repro`){budget}: answers already "
            "received come from the LLM cache and only the rest is sent. To continue with the "
            "posts that succeeded, set annotate.allow_errors: true."
        )
    return metrics


def estimate(params: Params, src: Path = paths.UNIQUE) -> str:
    """``valact annotate --estimate``: requests, tokens and cost of a run; nothing is sent."""
    ap = params.annotate
    n_posts, sample = sample_posts(params, src)
    target = annotation_target(params.assemble.scenarios, ap.oversample)
    header = (f"annotate estimate: {len(sample)} posts sampled of {n_posts} unique "
              f"(target {target} = assemble.scenarios x annotate.oversample)")
    if ap.provider == "offline":
        return header + "\n  provider offline: no LLM requests, no cost."
    from pipeline.annotate import llm_annotator

    return llm_annotator.estimate(sample, params, header=header)
