"""Stage 4, annotate: scenario, question and one option per plausible value for each sampled post.

Writes ``interim/annotations.parquet`` in long format (one row per candidate option).
Providers: ``offline`` (a transparent heuristic, see ``offline.py``) and ``openai`` (any
OpenAI-compatible server, through ``pipeline.llm``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from pipeline import paths
from pipeline.annotate import offline
from pipeline.annotate.sampling import annotation_target, stratified_sample
from pipeline.artifacts import read_frame, write_frame, write_stage_metrics
from pipeline.params import Params
from pipeline.schemas import ANNOTATIONS, UNIQUE_POSTS

log = logging.getLogger("valact.annotate")


def annotate_offline(posts: pd.DataFrame, min_relevance: float, progress: bool) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for post in tqdm(
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
                    "flags": "offline_draft",
                    "annotator": offline.ANNOTATOR,
                    "prompt_version": offline.PROMPT_VERSION,
                }
            )
    return pd.DataFrame(rows, columns=list(ANNOTATIONS.columns))


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
        "flags": status,
        "annotator": offline.ANNOTATOR,
        "prompt_version": offline.PROMPT_VERSION,
    }


def run(
    params: Params,
    src: Path = paths.UNIQUE,
    out: Path = paths.ANNOTATIONS,
    progress: bool = True,
) -> dict[str, Any]:
    ap = params.annotate
    posts = read_frame(src, UNIQUE_POSTS)
    target = annotation_target(params.assemble.scenarios, ap.oversample)
    sample = stratified_sample(posts, target, params.seed)
    log.info("annotating %d of %d unique posts (target %d)", len(sample), len(posts), target)
    if ap.provider == "offline":
        annotations = annotate_offline(sample, ap.min_relevance, progress)
    else:
        raise NotImplementedError(
            "annotate.provider 'openai' is not available yet in this version; "
            "use annotate.provider: offline"
        )
    annotations = annotations.sort_values(["post_id", "value"], na_position="first")
    annotations = write_frame(annotations, out, ANNOTATIONS)
    ok = annotations[annotations["status"] == "ok"]
    metrics = {
        "provider": ap.provider,
        "annotator": offline.ANNOTATOR if ap.provider == "offline" else ap.model,
        "posts_available": len(posts),
        "posts_sampled": len(sample),
        "posts_annotated": int(ok["post_id"].nunique()),
        "options": len(ok),
        "by_status": {
            k: int(v)
            for k, v in annotations.drop_duplicates("post_id")["status"]
            .value_counts()
            .sort_index()
            .items()
        },
    }
    write_stage_metrics("annotate", metrics)
    return metrics
