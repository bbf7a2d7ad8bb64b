"""From the survey database to the responses format, and the study's status.

``export`` writes one row per answered or skipped step in the format
:func:`pipeline.evaluate.responses.read_human` reads (so ``valact evaluate analyze --human``
takes the file as is): ``respondent`` is ``P0001``, ``P0002``, ... (never the resume code);
``state`` rows carry the item's value, keying and the rating; ``act`` and ``hold`` rows the
options in the order the participant saw them, the position and option chosen, and for
``hold`` the target value. A skip is a row with no answer (``parse_status: unparseable``,
``parse_detail: skipped``). Attention checks are not items and are not exported.

Who is exported: completed participants; ``include_partial`` adds those who have not finished;
a participant who failed an attention check (wrong answer or skipped) is left out unless
``include_attention_failures``. Withdrawn participants have no answers left to export.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.artifacts import atomic_path
from pipeline.evaluate import responses as resp
from pipeline.survey.store import Answer, Participant, Store


def attention(p: Participant, answers: dict[str, Answer]) -> tuple[int, int, int]:
    """``(checks, answered, passed)`` of a participant's attention checks so far."""
    checks = [s for s in p.plan.steps if s.is_check]
    answered = [s for s in checks if s.key in answers]
    passed = [s for s in answered if answers[s.key].answer == s.answer]
    return len(checks), len(answered), len(passed)


def failed_attention(p: Participant, answers: dict[str, Answer]) -> bool:
    _, answered, passed = attention(p, answers)
    return passed < answered


def rows_of(p: Participant, answers: dict[str, Answer], scale: tuple[int, int]
            ) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in p.plan.steps:
        a = answers.get(s.key)
        if a is None or s.is_check:
            continue
        base: dict[str, Any] = {
            "respondent": p.respondent, "condition": s.kind,
            "parse_status": "unparseable" if a.skipped else "ok",
            "parse_method": "survey", "parse_detail": "skipped" if a.skipped else None,
            "answer_text": a.answer,
        }
        if s.kind == "state":
            out.append({**base, "item_id": s.item_id, "value": s.value, "reverse": s.reverse,
                        "rating": None if a.skipped else int(str(a.answer)),
                        "scale_min": scale[0], "scale_max": scale[1]})
            continue
        pos = None if a.skipped else s.options.index(str(a.answer))
        row = {**base, "item_id": s.item_id if s.kind == "act" else f"{s.item_id}|{s.target}",
               "scenario_id": s.item_id, "target_value": s.target,
               "option_ids": list(s.options), "option_values": list(s.values),
               "choice_position": pos,
               "chosen_option_id": None if pos is None else s.options[pos],
               "chosen_value": None if pos is None else s.values[pos]}
        if s.kind == "hold":
            row["correct"] = None if pos is None else s.values[pos] == s.target
        out.append(row)
    return out


@dataclass
class ExportResult:
    participants: int = 0
    rows: int = 0
    left_out: dict[str, int] = field(default_factory=dict)


def export(store: Store, out: Path, *, include_partial: bool = False,
           include_attention_failures: bool = False) -> ExportResult:
    """Write the responses file (``.parquet`` or ``.csv``, atomically); what went in."""
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValueError(f"{out}: the export must be a .parquet or .csv file")
    study = store.study()
    scale = (int(study["scale_min"]), int(study["scale_max"]))
    result = ExportResult(left_out={"withdrawn": 0, "not_completed": 0,
                                    "failed_attention": 0, "no_answers": 0})
    rows: list[dict[str, Any]] = []
    for p in store.participants():
        if p.status == "withdrawn":
            result.left_out["withdrawn"] += 1
            continue
        answers = store.answers(p.number)
        if p.status != "completed" and not include_partial:
            result.left_out["not_completed"] += 1
            continue
        if failed_attention(p, answers) and not include_attention_failures:
            result.left_out["failed_attention"] += 1
            continue
        mine = rows_of(p, answers, scale)
        if not mine:
            result.left_out["no_answers"] += 1
            continue
        rows.extend(mine)
        result.participants += 1
    df = resp.frame(rows)
    result.rows = len(df)
    if suffix == ".parquet":
        resp.write(df, out)
    else:
        text = df.astype(object).where(df.notna(), None)
        for c in resp.LIST_COLUMNS:
            text[c] = [None if v is None else json.dumps(list(v)) for v in text[c]]
        with atomic_path(out) as tmp:
            text.to_csv(tmp, index=False)
    return result


def status(store: Store, stale_seconds: float) -> dict[str, Any]:
    """Participants by state, attention checks, back/skip/change counts, answers per scenario."""
    study = store.study()
    now = store.now()
    people = store.participants()
    counts = {"started": len(people), "completed": 0, "in_progress": 0, "stale": 0,
              "withdrawn": 0}
    att = {"participants_checked": 0, "failed": 0}
    per_scenario: dict[str, int] = {}
    skipped = 0
    for p in people:
        if p.status == "withdrawn":
            counts["withdrawn"] += 1
            continue
        if p.status == "completed":
            counts["completed"] += 1
        elif now - p.last_seen <= stale_seconds:
            counts["in_progress"] += 1
        else:
            counts["stale"] += 1
        answers = store.answers(p.number)
        checks, answered, _ = attention(p, answers)
        if checks and answered:
            att["participants_checked"] += 1
            att["failed"] += failed_attention(p, answers)
        for s in p.plan.steps:
            a = answers.get(s.key)
            if a is None or s.is_check:
                continue
            skipped += a.skipped
            if s.kind == "act" and not a.skipped and p.status == "completed":
                per_scenario[s.item_id] = per_scenario.get(s.item_id, 0) + 1
    events = store.event_counts()
    answered = list(per_scenario.values())
    return {
        "study": study,
        "participants": counts,
        "attention_checks": att,
        "skipped_answers": skipped,
        "events": {k: events.get(k, 0) for k in ("back", "change", "skip", "resume", "stop",
                                                 "withdraw")},
        "answers_per_scenario": {
            "scenarios": int(study["scenarios"]),
            "answered": len(answered),
            "min": min(answered) if len(answered) == int(study["scenarios"]) else 0,
            "median": statistics.median(answered) if answered else 0,
            "max": max(answered) if answered else 0,
        },
        "per_scenario": dict(sorted(per_scenario.items())),
    }

