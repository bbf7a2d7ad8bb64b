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

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import paths
from pipeline.artifacts import read_frame, write_frame, write_jsonl, write_stage_metrics
from pipeline.options_format import items
from pipeline.params import Params
from pipeline.progress import progress_bar
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
from pipeline.text_patterns import hash_unit

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
    return hash_unit(salt, seed, post_id, sep=":") < rate


def _audit_pick(seed: int, post_id: str, rate: float) -> bool:
    return _seeded_pick("audit", seed, post_id, rate)


def item_reasons(group: pd.DataFrame, params: Params) -> list[str]:
    """Why an item needs a human (its annotation rows as a frame)."""
    return reasons_from_records(group.to_dict("records"), params.review.low_relevance)


def reasons_from_records(rows: list[dict[str, Any]], low_relevance: float) -> list[str]:
    """:func:`item_reasons` on the item's rows as plain dicts (what the stage loop uses)."""
    reasons: set[str] = set()
    for r in rows:
        reasons.update(f for f in r["flags"] if f not in NOT_FOR_HUMANS)
    ok = [r for r in rows if r["status"] == "ok"]
    if ok and all(r["relevance"] < low_relevance for r in ok):
        reasons.add("low_relevance")
    if any(pd.notna(r["verified_value"]) and r["verified_value"] != r["value"] for r in ok):
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
    item_ids = set(annotations["post_id"])
    problems = [f"{p.file}:{p.line}: {p.problem}" for p in loaded.problems]
    unknown_item_lines = 0
    for d, file, line in loaded.decisions:
        if d.item_id not in item_ids:
            unknown_item_lines += 1
            problems.append(f"{file}:{line}: item {d.item_id!r} is not among the annotated items")

    # The loop works on each item's rows as plain dicts (options_format.items); frames are
    # built only for items with decisions, and once at the end for the rest.
    annotations = annotations.sort_values("post_id", kind="stable").reset_index(drop=True)
    # what each option was written for; a relabel below changes only ``value``
    annotations = annotations.assign(annotated_value=annotations["value"])

    publish_idx: list[int] = []  # rows published as they are, with their status
    publish_status: list[str] = []
    decided_parts: list[pd.DataFrame] = []
    queue: list[dict[str, Any]] = []
    status_counts: Counter[str] = Counter()
    reason_counts: Counter[str] = Counter()
    reasons_by_item: dict[str, list[str]] = {}
    options_by_item: dict[str, ItemOptions] = {}
    resolutions: dict[str, Resolution] = {}
    options_withheld = 0
    for item in progress_bar(items(annotations, "post_id"), desc="review", unit="item",
                             disable=not progress):
        pid = str(item.key)
        rows_r = item.rows
        reasons = reasons_from_records(rows_r, rp.low_relevance)
        if not reasons and _audit_pick(params.seed, pid, rp.audit_rate):
            reasons = ["audit"]
        reason_counts.update(reasons)
        reasons_by_item[pid] = reasons
        ok_idx = [i for i, r in zip(item.positions, rows_r, strict=True) if r["status"] == "ok"]
        ok_rows = [r for r in rows_r if r["status"] == "ok"]
        by_reviewer = standing.get(pid, {})
        extra: list[str] = []
        if by_reviewer and not ok_idx:
            approving = sorted(r for r, d in by_reviewer.items() if d.decision != "reject")
            if approving:
                problems.append(
                    f"item {pid}: {', '.join(approving)} accepted an item the annotator did "
                    f"not annotate (status {rows_r[0]['status']}); it stays out"
                )
            status = "rejected"
        elif by_reviewer:
            ok = annotations.iloc[ok_idx]
            options_by_item[pid] = ItemOptions(
                {
                    str(r["value"]): (
                        str(r["verified_value"]) if pd.notna(r["verified_value"]) else None
                    )
                    for r in ok_rows
                }
            )
            resolution = resolve_item(pid, by_reviewer, [str(r["value"]) for r in ok_rows])
            resolutions[pid] = resolution
            rows: pd.DataFrame | None
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
            if rows is not None and not rows.empty:
                decided_parts.append(rows.assign(review_status=status))
            if resolution.needs_adjudication:
                extra.append("reviewer_conflict")
            elif len(by_reviewer) == 1 and _seeded_pick("overlap", params.seed, pid, overlap_rate):
                extra.append("second_review")
        elif reasons:
            status = "unreviewed"
            if rp.publish_unreviewed:
                publish_idx.extend(ok_idx)
                publish_status.extend([status] * len(ok_idx))
            queue.append(_queue_item(pid, rows_r, reasons, {}))
        elif not ok_idx:
            status = "no_options"  # e.g. an annotation error: rerun, no human
        else:
            status = "not_flagged"
            publish_idx.extend(ok_idx)
            publish_status.extend([status] * len(ok_idx))
        if extra:
            queue.append(_queue_item(pid, rows_r, sorted(set(reasons) | set(extra)), by_reviewer))
        status_counts[status] += 1

    cols = list(REVIEWED.columns)
    bulk = annotations.iloc[publish_idx].assign(review_status=publish_status)
    parts = [p for p in (bulk, *decided_parts) if not p.empty]
    if parts:
        reviewed = pd.concat(parts, ignore_index=True)
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
        # lines that applied to nothing: unparseable or invalid, or naming an unknown item
        # (both also among decision_problems, with the decisions that could not be applied)
        "decision_lines_malformed": len(loaded.problems),
        "decision_lines_unknown_item": unknown_item_lines,
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
    progress: bool = True,
) -> dict[str, Any]:
    annotations = read_frame(src, ANNOTATIONS)
    result = replay(annotations, load_decisions(decisions_dir), params, progress=progress)
    for p in result.problems:
        log.warning("review decision problem: %s", p)
    write_frame(result.reviewed, reviewed_out, REVIEWED)
    write_jsonl(result.queue, queue_out)
    write_stage_metrics("review", result.metrics)
    return result.metrics


def _queue_item(
    post_id: str, rows: list[dict[str, Any]], reasons: list[str], by_reviewer: dict[str, Decision]
) -> dict[str, Any]:
    first = rows[0]

    def text(x: Any) -> Any:
        return x if pd.notna(x) else None

    return {
        "item_id": post_id,
        "post_id": post_id,
        "subreddit": first["subreddit"],
        "reasons": reasons,
        "priority": sum(REASON_WEIGHT.get(r, 1) for r in reasons),
        "reviewed_by": sorted(by_reviewer),
        "status": first["status"],
        "status_detail": text(first["status_detail"]),
        "scenario": text(first["scenario"]),
        "question": text(first["question"]),
        "annotator": first["annotator"],
        "prompt_version": first["prompt_version"],
        "options": [
            {
                "value": r["value"],
                "text": r["option_text"],
                "relevance": float(r["relevance"]) if pd.notna(r["relevance"]) else None,
                "verified_value": text(r["verified_value"]),
            }
            for r in rows
            if r["status"] == "ok"
        ],
    }
