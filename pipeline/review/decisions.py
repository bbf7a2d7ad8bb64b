"""Human review decisions: append-only JSONL files under ``review/decisions/``.

One decision per line::

    {"item_id": "abc123", "reviewer": "alice", "decision": "accept" | "reject" | "edit",
     "reason": "...", "timestamp": "2026-11-28T12:00:00Z",
     "edits": {"scenario": "...", "question": "...",
               "options": {"<value>": "new option text"},
               "relabel": {"<intended value>": "<corrected value>"}}}

``item_id`` is the post_id of the annotated post. Files are read in name order and lines
in file order; a malformed line is reported with its file and line number, never
silently skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.values import VALUE_IDS


class Edits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: str | None = None
    question: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    relabel: dict[str, str] = Field(default_factory=dict)

    @field_validator("options", "relabel")
    @classmethod
    def _known_values(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            if key not in VALUE_IDS:
                raise ValueError(f"unknown value {key!r}")
        return v

    @field_validator("relabel")
    @classmethod
    def _known_targets(cls, v: dict[str, str]) -> dict[str, str]:
        for target in v.values():
            if target not in VALUE_IDS:
                raise ValueError(f"unknown value {target!r}")
        return v


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: str = Field(min_length=1)
    reviewer: str = Field(min_length=1)
    decision: Literal["accept", "reject", "edit"]
    reason: str = ""
    timestamp: datetime
    edits: Edits | None = None


@dataclass
class DecisionProblem:
    file: str
    line: int
    problem: str


@dataclass
class LoadedDecisions:
    decisions: list[tuple[Decision, str, int]] = field(
        default_factory=list
    )  # (decision, file, line)
    problems: list[DecisionProblem] = field(default_factory=list)


def load_decisions(folder: Path) -> LoadedDecisions:
    loaded = LoadedDecisions()
    if not folder.exists():
        return loaded
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    decision = Decision.model_validate(json.loads(line))
                except (json.JSONDecodeError, ValidationError) as exc:
                    msg = str(exc).splitlines()[0] if isinstance(exc, ValidationError) else str(exc)
                    if isinstance(exc, ValidationError):
                        msg = "; ".join(
                            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
                        )
                    loaded.problems.append(DecisionProblem(path.name, lineno, msg))
                    continue
                if decision.decision == "edit" and decision.edits is None:
                    loaded.problems.append(
                        DecisionProblem(path.name, lineno, "decision 'edit' without 'edits'")
                    )
                    continue
                loaded.decisions.append((decision, path.name, lineno))
    return loaded


def latest_per_item(loaded: LoadedDecisions) -> dict[str, Decision]:
    """The decision that stands for each item.

    For each (item, reviewer) the reviewer's latest decision (by timestamp, then file
    order) wins; across reviewers the most recent of those stands.
    """
    per_reviewer: dict[tuple[str, str], tuple[datetime, int, Decision]] = {}
    for order, (d, _file, _line) in enumerate(loaded.decisions):
        key = (d.item_id, d.reviewer)
        cur = per_reviewer.get(key)
        if cur is None or (d.timestamp, order) >= (cur[0], cur[1]):
            per_reviewer[key] = (d.timestamp, order, d)
    final: dict[str, tuple[datetime, int, Decision]] = {}
    for (item, _rev), entry in per_reviewer.items():
        cur = final.get(item)
        if cur is None or (entry[0], entry[1]) >= (cur[0], cur[1]):
            final[item] = entry
    return {item: entry[2] for item, entry in final.items()}
