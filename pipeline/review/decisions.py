"""Human review decisions: append-only JSONL files under ``review/decisions/``.

One decision per line::

    {"item_id": "abc123", "reviewer": "alice",
     "decision": "accept" | "reject" | "edit" | "retract",
     "reason": "...", "timestamp": "2026-11-28T12:00:00Z",
     "edits": {"scenario": "...", "question": "...",
               "options": {"<value>": "new option text"},
               "relabel": {"<intended value>": "<corrected value>"},
               "drop": ["<value of an option to withdraw>"]},
     "retracts": "2026-11-28T11:59:00Z",   # retract only: the decision it undoes
     "source": "session" | "label-studio:task=12,annotation=1001"}

``item_id`` is the post_id of the annotated post. Files are read in name order and lines
in file order; a malformed line is reported with its file and line number, never
silently skipped.

How decisions combine (also documented in ``review/decisions/README.md``):

1. *Per reviewer*: for each (item, reviewer) the latest line wins (by timestamp, then by
   file and line order). A ``retract`` line is an undo: when it is the latest, the
   reviewer has no standing decision on the item (the log stays append-only).
2. *Across reviewers* (:func:`resolve_item`): reviewers who ``accept`` or ``edit``
   approve; the item is published only when a strict majority of its reviewers approve
   (so a 1-1 split rejects it; the split is reported as a conflict and the item goes back
   to the queue for another reviewer to break the tie). For an approved item:
   - each option's label is the label a strict majority of approving reviewers give it
     (a relabel counts as its target, an accept or an edit without relabel as the
     intended value); an option without such a majority is withheld and re-queued, and
     an option a majority of approving reviewers drop is dropped (any disagreement on
     labels is reported as a ``label`` conflict);
   - text edits (scenario, question, option texts) are taken from approving reviewers in
     time order, the latest edit of a field winning; two different texts for one field
     are reported as a ``text`` conflict.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.values import VALUE_IDS

DecisionKind = Literal["accept", "reject", "edit", "retract"]


class Edits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: str | None = None
    question: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    relabel: dict[str, str] = Field(default_factory=dict)
    drop: list[str] = Field(default_factory=list)

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

    @field_validator("drop")
    @classmethod
    def _known_drops(cls, v: list[str]) -> list[str]:
        for key in v:
            if key not in VALUE_IDS:
                raise ValueError(f"unknown value {key!r}")
        return v

    def is_empty(self) -> bool:
        return not (self.scenario or self.question or self.options or self.relabel or self.drop)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: str = Field(min_length=1)
    reviewer: str = Field(min_length=1)
    decision: DecisionKind
    reason: str = ""
    timestamp: datetime
    edits: Edits | None = None
    retracts: datetime | None = None
    source: str | None = None

    @field_validator("timestamp", "retracts")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        # Naive timestamps are taken as UTC, so that all timestamps compare.
        if v is not None and v.tzinfo is None:
            return v.replace(tzinfo=UTC)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Decision:
        if self.decision == "retract" and self.edits is not None:
            raise ValueError("a 'retract' carries no edits")
        if self.decision != "retract" and self.retracts is not None:
            raise ValueError("'retracts' is only for decision 'retract'")
        return self

    def to_json(self) -> str:
        """One JSON line (no newline): UTC timestamps ending in Z, empty fields left out."""
        data: dict[str, Any] = {
            "item_id": self.item_id,
            "reviewer": self.reviewer,
            "decision": self.decision,
            "reason": self.reason,
            "timestamp": utc_iso(self.timestamp),
        }
        if self.edits is not None:
            data["edits"] = self.edits.model_dump(exclude_defaults=True)
        if self.retracts is not None:
            data["retracts"] = utc_iso(self.retracts)
        if self.source:
            data["source"] = self.source
        return json.dumps(data, ensure_ascii=False, sort_keys=False)

    def key(self) -> tuple[str, str, str, str]:
        """Identity of a decision line, to avoid appending the same decision twice."""
        edits = self.edits.model_dump_json() if self.edits else ""
        return (self.item_id, self.reviewer, utc_iso(self.timestamp), self.decision + edits)


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_iso(ts: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix (microseconds kept when present)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    text = ts.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


REVIEWER_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def check_reviewer(name: str) -> str:
    """A reviewer name doubles as a file name: letters, digits, ``_.-`` only."""
    if not name or not set(name) <= REVIEWER_CHARS or name.startswith("."):
        raise ValueError(
            f"reviewer name {name!r} must be letters, digits, '_', '.' or '-' "
            "(it names the file review/decisions/<reviewer>.jsonl)"
        )
    return name


def decisions_file(folder: Path, reviewer: str) -> Path:
    return folder / f"{check_reviewer(reviewer)}.jsonl"


def append_decisions(path: Path, decisions: list[Decision]) -> None:
    """Append decisions to a reviewer's file, flushed and fsynced before returning."""
    if not decisions:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    with path.open("a", encoding="utf-8") as fh:
        for d in decisions:
            fh.write(d.to_json() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    if created:  # make the new directory entry durable too
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
                    msg = str(exc)
                    if isinstance(exc, ValidationError):
                        msg = "; ".join(
                            f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}"
                            for e in exc.errors()
                        )
                    loaded.problems.append(DecisionProblem(path.name, lineno, msg))
                    continue
                if decision.decision == "edit" and (
                    decision.edits is None or decision.edits.is_empty()
                ):
                    loaded.problems.append(
                        DecisionProblem(path.name, lineno, "decision 'edit' without 'edits'")
                    )
                    continue
                loaded.decisions.append((decision, path.name, lineno))
    return loaded


def standing_by_reviewer(loaded: LoadedDecisions) -> dict[str, dict[str, Decision]]:
    """item -> reviewer -> that reviewer's standing decision (retracted ones left out).

    The latest line per (item, reviewer) wins, by timestamp and then by read order; when
    the latest is a ``retract`` the reviewer has no standing decision on the item.
    """
    latest: dict[tuple[str, str], tuple[datetime, int, Decision]] = {}
    for order, (d, _file, _line) in enumerate(loaded.decisions):
        key = (d.item_id, d.reviewer)
        cur = latest.get(key)
        if cur is None or (d.timestamp, order) >= (cur[0], cur[1]):
            latest[key] = (d.timestamp, order, d)
    out: dict[str, dict[str, Decision]] = {}
    for (item, reviewer), (_ts, _order, d) in sorted(latest.items()):
        if d.decision != "retract":
            out.setdefault(item, {})[reviewer] = d
    return out


@dataclass
class Resolution:
    """How an item's standing decisions combine (see the module docstring)."""

    item_id: str
    reviewers: list[str]
    approved: bool
    decision: Decision  # the combined decision: accept, edit (merged edits) or reject
    conflicts: list[str] = field(default_factory=list)  # "decision", "label", "text"
    # intended value -> final human label (None: withheld or dropped); approved items only
    labels: dict[str, str | None] = field(default_factory=dict)
    # no majority: on the decision (a tie), or on some option's label
    needs_adjudication: bool = False


def _approving(d: Decision) -> bool:
    return d.decision in ("accept", "edit")


def resolve_item(
    item_id: str, standing: dict[str, Decision], option_values: list[str] | None = None
) -> Resolution:
    """Combine the standing decisions of an item's reviewers into one decision.

    ``option_values`` are the intended values of the item's options (for the per-option
    label vote); when ``None`` the values named in the decisions are used.
    """
    decisions = sorted(standing.values(), key=lambda d: (d.timestamp, d.reviewer))
    if not decisions:
        raise ValueError(f"item {item_id}: no standing decision to resolve")
    reviewers = [d.reviewer for d in decisions]
    approvers = [d for d in decisions if _approving(d)]
    rejecters = [d for d in decisions if d.decision == "reject"]
    conflicts: list[str] = []
    if approvers and rejecters:
        conflicts.append("decision")
    approved = 2 * len(approvers) > len(decisions)
    latest = decisions[-1]
    if not approved:
        reason = "; ".join(d.reason for d in rejecters if d.reason)
        combined = Decision(
            item_id=item_id,
            reviewer="+".join(reviewers),
            decision="reject",
            reason=reason,
            timestamp=latest.timestamp,
        )
        tie = 2 * len(approvers) == len(decisions)
        return Resolution(item_id, reviewers, False, combined, conflicts, {}, tie)

    # Labels: a strict majority of approving reviewers decides each option's label.
    values: list[str] = list(option_values) if option_values is not None else []
    if option_values is None:
        seen: set[str] = set()
        for d in approvers:
            if d.edits:
                seen.update(d.edits.relabel)
                seen.update(d.edits.options)
                seen.update(d.edits.drop)
        values = sorted(seen)
    labels: dict[str, str | None] = {}
    relabel: dict[str, str] = {}
    drop: list[str] = []
    label_conflict = False
    unsettled = False
    for value in values:
        votes: Counter[str] = Counter()
        for d in approvers:
            edits = d.edits
            if edits is not None and value in edits.drop:
                votes["\0drop"] += 1
            elif edits is not None and value in edits.relabel:
                votes[edits.relabel[value]] += 1
            else:
                votes[value] += 1
        top, count = votes.most_common(1)[0]
        if len(votes) > 1:
            label_conflict = True
        if 2 * count > len(approvers):
            if top == "\0drop":
                labels[value] = None
                drop.append(value)
            else:
                labels[value] = top
                if top != value:
                    relabel[value] = top
        else:
            labels[value] = None
            drop.append(value)
            unsettled = True
    if label_conflict:
        conflicts.append("label")
    # Relabels and drops of options the item does not have are kept, so that applying
    # the decision reports them instead of silently ignoring them.
    known = set(values)
    for d in approvers:
        if d.edits is not None:
            relabel.update({k: v for k, v in d.edits.relabel.items() if k not in known})
            drop.extend(k for k in d.edits.drop if k not in known and k not in drop)

    # Texts: the latest approving edit of each field wins.
    scenario: str | None = None
    question: str | None = None
    options: dict[str, str] = {}
    text_conflict = False
    for d in approvers:  # time order
        edits = d.edits
        if edits is None:
            continue
        if edits.scenario:
            text_conflict |= scenario is not None and scenario != edits.scenario
            scenario = edits.scenario
        if edits.question:
            text_conflict |= question is not None and question != edits.question
            question = edits.question
        for value, text in edits.options.items():
            text_conflict |= value in options and options[value] != text
            options[value] = text
    if text_conflict:
        conflicts.append("text")
    merged = Edits(
        scenario=scenario, question=question, options=options, relabel=relabel, drop=drop
    )
    reason = "; ".join(d.reason for d in approvers if d.reason)
    combined = Decision(
        item_id=item_id,
        reviewer="+".join(reviewers),
        decision="accept" if merged.is_empty() else "edit",
        reason=reason,
        timestamp=latest.timestamp,
        edits=None if merged.is_empty() else merged,
    )
    return Resolution(
        item_id,
        reviewers,
        True,
        combined,
        conflicts,
        labels,
        needs_adjudication=unsettled,
    )


def latest_per_item(loaded: LoadedDecisions) -> dict[str, Decision]:
    """The decision that stands for each item, all reviewers combined (:func:`resolve_item`).

    Items whose every decision was retracted are left out.
    """
    return {
        item: resolve_item(item, by_reviewer).decision
        for item, by_reviewer in standing_by_reviewer(loaded).items()
    }
