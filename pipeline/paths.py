"""Artifact paths (the stage table of ARCHITECTURE.md), relative to the repository root."""

from __future__ import annotations

from pathlib import Path

RAW_POSTS = Path("raw/posts.parquet")
CLEAN = Path("interim/clean.parquet")
REJECTED = Path("interim/rejected.parquet")
UNIQUE = Path("interim/unique.parquet")
DUPLICATES = Path("interim/duplicates.parquet")
ANNOTATIONS = Path("interim/annotations.parquet")
REVIEWED = Path("interim/reviewed.parquet")
REVIEW_QUEUE = Path("review/queue.jsonl")
DECISIONS_DIR = Path("review/decisions")
SELECTED = Path("interim/selected.parquet")
DATASET_DIR = Path("processed/valact-15k")
METRICS = Path("processed/metrics.json")
STAGE_METRICS_DIR = Path("metrics")
# per-run timings (different on every run): next to the metrics, in no DVC out, not in git
TIMINGS_DIR = Path("metrics/timings")
LLM_CACHE_DIR = Path(".valact")
WITHDRAWN = Path("review/withdrawn.jsonl")
PREVIOUS_RELEASE = Path("interim/previous_release.parquet")
CHANGES_FILE = "CHANGES.json"  # inside the dataset folder
