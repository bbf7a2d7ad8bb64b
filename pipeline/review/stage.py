"""Stage 5, review: replay human decisions and write the queue of items that still need a human.

Reads ``interim/annotations.parquet`` and ``review/decisions/*.jsonl``; writes
``interim/reviewed.parquet`` (the options that may be published, with each item's review
status) and ``review/queue.jsonl`` (flagged items without a decision, most useful first).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import paths
from pipeline.artifacts import read_frame, write_frame, write_jsonl, write_stage_metrics
from pipeline.params import Params
from pipeline.review.decisions import Decision, latest_per_item, load_decisions
from pipeline.schemas import ANNOTATIONS, REVIEWED

log = logging.getLogger("valact.review")

# Queue priority: higher first. Reasons not listed weigh 1.
REASON_WEIGHT = {
    "verifier_disagreement": 50,
    "sensitive": 45,
    "refusal": 40,
    "truncated": 40,
    "content_filter": 40,
    "invalid": 35,
    "repaired": 30,
    "low_relevance": 20,
    "audit": 15,
    "offline_draft": 5,
}


def _audit_pick(seed: int, post_id: str, rate: float) -> bool:
    digest = hashlib.sha256(f"audit:{seed}:{post_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def item_reasons(group: pd.DataFrame, params: Params) -> list[str]:
    reasons: set[str] = set()
    for flags in group["flags"]:
        reasons.update(f for f in str(flags).split(";") if f)
    ok = group[group["status"] == "ok"]
    if len(ok) and (ok["relevance"] < params.review.low_relevance).all():
        reasons.add("low_relevance")
    verified = ok.dropna(subset=["verified_value"])
    if len(verified) and (verified["verified_value"] != verified["value"]).any():
        reasons.add("verifier_disagreement")
    return sorted(reasons)


def apply_decision(group: pd.DataFrame, decision: Decision) -> tuple[pd.DataFrame | None, str]:
    """Return the item's rows after a decision (None when rejected) and its review status."""
    if decision.decision == "reject":
        return None, "rejected"
    if decision.decision == "accept":
        return group, "accepted"
    edits = decision.edits
    assert edits is not None
    out = group.copy()
    if edits.scenario:
        out["scenario"] = edits.scenario
    if edits.question:
        out["question"] = edits.question
    for value, text in edits.options.items():
        out.loc[out["value"] == value, "option_text"] = text
    if edits.relabel:
        out["value"] = out["value"].map(lambda v: edits.relabel.get(v, v))
        if out["value"].duplicated().any():
            raise ValueError(f"relabel gives two options the same value: {edits.relabel}")
    return out, "edited"


def run(
    params: Params,
    src: Path = paths.ANNOTATIONS,
    decisions_dir: Path = paths.DECISIONS_DIR,
    reviewed_out: Path = paths.REVIEWED,
    queue_out: Path = paths.REVIEW_QUEUE,
) -> dict[str, Any]:
    rp = params.review
    annotations = read_frame(src, ANNOTATIONS)
    loaded = load_decisions(decisions_dir)
    final = latest_per_item(loaded)
    items = set(annotations["post_id"])
    problems = [f"{p.file}:{p.line}: {p.problem}" for p in loaded.problems]
    for d, file, line in loaded.decisions:
        if d.item_id not in items:
            problems.append(f"{file}:{line}: item {d.item_id!r} is not among the annotated items")
    for p in problems:
        log.warning("review decision problem: %s", p)

    reviewed_parts: list[pd.DataFrame] = []
    queue: list[dict[str, Any]] = []
    status_counts: Counter[str] = Counter()
    reason_counts: Counter[str] = Counter()
    for post_id, group in annotations.groupby("post_id", sort=True):
        reasons = item_reasons(group, params)
        if not reasons and _audit_pick(params.seed, str(post_id), rp.audit_rate):
            reasons = ["audit"]
        reason_counts.update(reasons)
        ok = group[group["status"] == "ok"]
        decision = final.get(str(post_id))
        if decision is not None:
            if ok.empty:
                problems.append(f"item {post_id}: decision on an item the annotator rejected")
                status_counts["rejected"] += 1
                continue
            try:
                rows, status = apply_decision(ok, decision)
            except ValueError as exc:
                problems.append(f"item {post_id}: {exc}")
                rows, status = ok, "unreviewed"
        elif reasons:
            rows, status = (ok if rp.publish_unreviewed else None), "unreviewed"
            queue.append(_queue_item(str(post_id), group, reasons))
        else:
            rows, status = ok, "not_flagged"
        status_counts[status] += 1
        if rows is not None and not rows.empty:
            reviewed_parts.append(rows.assign(review_status=status))

    cols = list(REVIEWED.columns)
    if reviewed_parts:
        reviewed = pd.concat(reviewed_parts, ignore_index=True)
        reviewed["agreement"] = [
            None if pd.isna(vv) else bool(vv == v)
            for v, vv in zip(reviewed["value"], reviewed["verified_value"], strict=True)
        ]
        reviewed = reviewed[cols]
    else:
        reviewed = pd.DataFrame(columns=cols)
    reviewed = write_frame(reviewed.sort_values(["post_id", "value"]), reviewed_out, REVIEWED)
    queue.sort(key=lambda q: (-q["priority"], q["item_id"]))
    write_jsonl(queue, queue_out)
    metrics = {
        "items": int(annotations["post_id"].nunique()),
        "queue": len(queue),
        "queue_reasons": dict(sorted(reason_counts.items())),
        "review_status": dict(sorted(status_counts.items())),
        "decisions_read": len(loaded.decisions),
        "decision_problems": len(problems),
        "publish_unreviewed": rp.publish_unreviewed,
        "options_publishable": len(reviewed),
    }
    write_stage_metrics("review", metrics)
    return metrics


def _queue_item(post_id: str, group: pd.DataFrame, reasons: list[str]) -> dict[str, Any]:
    ok = group[group["status"] == "ok"]
    first = group.iloc[0]
    return {
        "item_id": post_id,
        "post_id": post_id,
        "subreddit": first["subreddit"],
        "reasons": reasons,
        "priority": sum(REASON_WEIGHT.get(r, 1) for r in reasons),
        "status": first["status"],
        "status_detail": None if pd.isna(first["status_detail"]) else first["status_detail"],
        "scenario": None if pd.isna(first["scenario"]) else first["scenario"],
        "question": None if pd.isna(first["question"]) else first["question"],
        "annotator": first["annotator"],
        "prompt_version": first["prompt_version"],
        "options": [
            {
                "value": r.value,
                "text": r.option_text,
                "relevance": float(r.relevance),
                "verified_value": None if pd.isna(r.verified_value) else r.verified_value,
            }
            for r in ok.itertuples(index=False)
        ],
    }
