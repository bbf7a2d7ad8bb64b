"""Stage 5, review: replay human decisions and write the queue of items that still need a human.

Reads ``interim/annotations.parquet`` and ``review/decisions/*.jsonl``; writes
``interim/reviewed.parquet`` (the options that may be published, with each item's review
status), ``review/queue.jsonl`` (items that need a human, most useful first) and
``metrics/review.json`` (statuses, problems, and the ``agreement`` figures).

An item needs a human when it has a reason (an annotation flag such as ``repaired``,
``sensitive``, ``offline_draft``, ``refusal`` or ``truncated``; ``verifier_disagreement``;
``low_relevance``; or the seeded ``audit`` sample of unflagged items) and no standing
decision; or when its reviewers disagree without a majority (``reviewer_conflict``); or
when it is in the seeded sample reviewed twice for agreement figures (``second_review``);
or when its decisions cannot be applied (``invalid_decision``). How decisions combine is
documented in :mod:`pipeline.review.decisions` and ``review/decisions/README.md``.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from pipeline import paths
from pipeline.artifacts import read_frame, write_frame, write_jsonl, write_stage_metrics
from pipeline.params import Params
from pipeline.review.agreement import ItemOptions, review_agreement
from pipeline.review.decisions import (
    Decision,
    LoadedDecisions,
    Resolution,
    load_decisions,
    resolve_item,
    standing_by_reviewer,
)
from pipeline.schemas import ANNOTATIONS, REVIEWED

log = logging.getLogger("valact.review")

# Queue priority: higher first (an item's priority is the sum over its reasons).
# Reasons not listed weigh 1.
REASON_WEIGHT = {
    "reviewer_conflict": 60,  # withheld until a majority decides
    "invalid_decision": 55,  # a decision that cannot be applied (e.g. relabel collision)
    "verifier_disagreement": 50,
    "sensitive": 45,
    "refusal": 40,
    "truncated": 40,
    "content_filter": 40,
    "invalid": 35,
    "repaired": 30,
    "low_relevance": 20,
    "audit": 15,
    "second_review": 10,
    "offline_draft": 5,
    "rejected": 1,
}
# Annotation flags that ask for a rerun of the annotator, not for a human.
NOT_FOR_HUMANS = frozenset({"error"})
MAX_PROBLEMS_IN_METRICS = 10


def _seeded_pick(salt: str, seed: int, post_id: str, rate: float) -> bool:
    digest = hashlib.sha256(f"{salt}:{seed}:{post_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def _audit_pick(seed: int, post_id: str, rate: float) -> bool:
    return _seeded_pick("audit", seed, post_id, rate)


def item_reasons(group: pd.DataFrame, params: Params) -> list[str]:
    reasons: set[str] = set()
    for flags in group["flags"]:
        reasons.update(f for f in str(flags).split(";") if f and f not in NOT_FOR_HUMANS)
    ok = group[group["status"] == "ok"]
    if len(ok) and (ok["relevance"] < params.review.low_relevance).all():
        reasons.add("low_relevance")
    verified = ok.dropna(subset=["verified_value"])
    if len(verified) and (verified["verified_value"] != verified["value"]).any():
        reasons.add("verifier_disagreement")
    return sorted(reasons)


def apply_decision(group: pd.DataFrame, decision: Decision) -> tuple[pd.DataFrame | None, str]:
    """Return the item's rows after a decision (None when rejected) and its review status.

    Raises ValueError when the edits do not fit the item (an option it does not have, or
    a relabel that gives two options the same value).
    """
    if decision.decision == "reject":
        return None, "rejected"
    if decision.decision == "accept":
        return group, "accepted"
    if decision.decision != "edit" or decision.edits is None:
        raise ValueError(f"cannot apply a {decision.decision!r} decision")
    edits = decision.edits
    present = set(group["value"])
    named = set(edits.options) | set(edits.relabel) | set(edits.drop)
    missing = sorted(named - present)
    if missing:
        raise ValueError(f"edits name option(s) the item does not have: {', '.join(missing)}")
    out = group[~group["value"].isin(edits.drop)].copy()
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


def _priority_key(item: dict[str, Any]) -> tuple[Any, ...]:
    """Most useful first: priority, then more verifier disagreements, then lower relevance."""
    opts = item["options"]
    disagreements = sum(
        1 for o in opts if o["verified_value"] is not None and o["verified_value"] != o["value"]
    )
    min_relevance = min((o["relevance"] for o in opts if o["relevance"] is not None), default=1.0)
    return (-item["priority"], -disagreements, min_relevance, item["item_id"])


@dataclass
class Replay:
    """What replaying the decisions over the annotations gives (before anything is written)."""

    reviewed: pd.DataFrame
    queue: list[dict[str, Any]]
    metrics: dict[str, Any]
    problems: list[str] = field(default_factory=list)


def replay(
    annotations: pd.DataFrame, loaded: LoadedDecisions, params: Params, progress: bool = True
) -> Replay:
    """Apply the standing decisions to the annotations; build the queue and the metrics."""
    rp = params.review
    overlap_rate = rp.overlap_rate
    standing = standing_by_reviewer(loaded)
    items = set(annotations["post_id"])
    problems = [f"{p.file}:{p.line}: {p.problem}" for p in loaded.problems]
    for d, file, line in loaded.decisions:
        if d.item_id not in items:
            problems.append(f"{file}:{line}: item {d.item_id!r} is not among the annotated items")

    reviewed_parts: list[pd.DataFrame] = []
    queue: list[dict[str, Any]] = []
    status_counts: Counter[str] = Counter()
    reason_counts: Counter[str] = Counter()
    reasons_by_item: dict[str, list[str]] = {}
    options_by_item: dict[str, ItemOptions] = {}
    resolutions: dict[str, Resolution] = {}
    options_withheld = 0
    n_items = annotations["post_id"].nunique()
    groups = annotations.groupby("post_id", sort=True)
    for post_id, group in tqdm(groups, total=n_items, desc="review", unit="item",
                               disable=not progress or n_items < 500):
        pid = str(post_id)
        reasons = item_reasons(group, params)
        if not reasons and _audit_pick(params.seed, pid, rp.audit_rate):
            reasons = ["audit"]
        reason_counts.update(reasons)
        reasons_by_item[pid] = reasons
        ok = group[group["status"] == "ok"]
        by_reviewer = standing.get(pid, {})
        extra: list[str] = []
        rows: pd.DataFrame | None
        if by_reviewer and ok.empty:
            approving = sorted(r for r, d in by_reviewer.items() if d.decision != "reject")
            if approving:
                problems.append(
                    f"item {pid}: {', '.join(approving)} accepted an item the annotator did "
                    f"not annotate (status {group.iloc[0]['status']}); it stays out"
                )
            rows, status = None, "rejected"
        elif by_reviewer:
            options_by_item[pid] = ItemOptions(
                {
                    str(r.value): None if pd.isna(r.verified_value) else str(r.verified_value)
                    for r in ok.itertuples(index=False)
                }
            )
            resolution = resolve_item(pid, by_reviewer, [str(v) for v in ok["value"]])
            resolutions[pid] = resolution
            try:
                rows, status = apply_decision(ok, resolution.decision)
            except ValueError as exc:
                problems.append(f"item {pid}: {exc}")
                rows = ok if rp.publish_unreviewed else None
                status = "unreviewed"
                extra.append("invalid_decision")
            else:
                if rows is not None:
                    options_withheld += len(ok) - len(rows)
            if resolution.needs_adjudication:
                extra.append("reviewer_conflict")
            elif len(by_reviewer) == 1 and _seeded_pick("overlap", params.seed, pid, overlap_rate):
                extra.append("second_review")
        elif reasons:
            rows, status = (ok if rp.publish_unreviewed else None), "unreviewed"
            queue.append(_queue_item(pid, group, reasons, {}))
        elif ok.empty:
            rows, status = None, "no_options"  # e.g. an annotation error: rerun, no human
        else:
            rows, status = ok, "not_flagged"
        if extra:
            queue.append(_queue_item(pid, group, sorted(set(reasons) | set(extra)), by_reviewer))
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
    reviewed = reviewed.sort_values(["post_id", "value"])
    queue.sort(key=_priority_key)
    agreement = review_agreement(
        {k: v for k, v in standing.items() if k in options_by_item},
        options_by_item,
        reasons_by_item,
        resolutions,
    )
    metrics = {
        "items": int(annotations["post_id"].nunique()),
        "queue": len(queue),
        "queue_reasons": dict(sorted(reason_counts.items())),
        "queue_by_reason": dict(sorted(Counter(r for q in queue for r in q["reasons"]).items())),
        "review_status": dict(sorted(status_counts.items())),
        "decisions_read": len(loaded.decisions),
        "decision_problems": len(problems),
        "decision_problem_examples": problems[:MAX_PROBLEMS_IN_METRICS],
        "publish_unreviewed": rp.publish_unreviewed,
        "overlap_rate": overlap_rate,
        "options_publishable": len(reviewed),
        "options_withheld": options_withheld,
        "agreement": agreement,
    }
    return Replay(reviewed, queue, metrics, problems)


def run(
    params: Params,
    src: Path = paths.ANNOTATIONS,
    decisions_dir: Path = paths.DECISIONS_DIR,
    reviewed_out: Path = paths.REVIEWED,
    queue_out: Path = paths.REVIEW_QUEUE,
) -> dict[str, Any]:
    annotations = read_frame(src, ANNOTATIONS)
    result = replay(annotations, load_decisions(decisions_dir), params)
    for p in result.problems:
        log.warning("review decision problem: %s", p)
    write_frame(result.reviewed, reviewed_out, REVIEWED)
    write_jsonl(result.queue, queue_out)
    write_stage_metrics("review", result.metrics)
    return result.metrics


def _queue_item(
    post_id: str, group: pd.DataFrame, reasons: list[str], by_reviewer: dict[str, Decision]
) -> dict[str, Any]:
    ok = group[group["status"] == "ok"]
    first = group.iloc[0]
    return {
        "item_id": post_id,
        "post_id": post_id,
        "subreddit": first["subreddit"],
        "reasons": reasons,
        "priority": sum(REASON_WEIGHT.get(r, 1) for r in reasons),
        "reviewed_by": sorted(by_reviewer),
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
                "relevance": None if pd.isna(r.relevance) else float(r.relevance),
                "verified_value": None if pd.isna(r.verified_value) else r.verified_value,
            }
            for r in ok.itertuples(index=False)
        ],
    }
