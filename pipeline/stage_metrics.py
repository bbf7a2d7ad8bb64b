"""The figures each stage writes to ``metrics/<stage>.json``, as typed records.

A stage builds its figures as a dict and hands them to ``artifacts.write_stage_metrics``,
which turns them into the stage's record here: a missing, unknown or mistyped key is a
:class:`MetricsError` at the moment the stage writes them, not a ``"?"`` in the dataset card
three stages later. Readers (build, its card, ``nothing_selected_message``) get the records
back with :func:`read` and use attributes, so a renamed field is an error the linter and
the tests see.

Fields whose default is :data:`UNSET` exist on one route only (the LLM annotator's figures,
absent with ``provider: offline``); they are left out of the JSON when unset, so the files
keep the exact keys they always had. The JSON is written with sorted keys, so field order
here does not change a byte.

Light on purpose (standard library only): the CLI and the registry import it at start-up.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any, ClassVar, TypeVar, Union


class MetricsError(ValueError):
    """A stage's figures do not match its metrics record."""


class _Unset:
    """Marks a field that this run's route does not produce (left out of the JSON)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # the one instance: fields compare to it with `is`

R = TypeVar("R", bound="StageMetrics")


def _matches(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a field's annotation (shallow: containers by their type)."""
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is not None:  # dict[str, int], list[str]: the container's type
        return isinstance(value, origin)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


@dataclasses.dataclass(frozen=True)
class StageMetrics:
    """Base of the records: conversion from and to the JSON dict, with the checks."""

    stage: ClassVar[str]

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any]) -> R:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        required = {
            name for name, f in fields.items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        unknown = sorted(set(data) - set(fields))
        missing = sorted(required - set(data))
        if unknown or missing:
            parts = []
            if unknown:
                parts.append(f"unknown key(s) {', '.join(unknown)}")
            if missing:
                parts.append(f"missing key(s) {', '.join(missing)}")
            raise MetricsError(
                f"metrics/{cls.stage}.json: {'; '.join(parts)} "
                f"(the record is pipeline.stage_metrics.{cls.__name__})"
            )
        hints = typing.get_type_hints(cls)
        for name, value in data.items():
            if not _matches(value, hints[name]):
                raise MetricsError(
                    f"metrics/{cls.stage}.json: {name} is {type(value).__name__} "
                    f"{value!r:.60}, the record says {hints[name]}"
                )
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) is not UNSET
        }


@dataclasses.dataclass(frozen=True)
class IngestMetrics(StageMetrics):
    stage: ClassVar[str] = "ingest"
    source: str
    synthetic: bool  # source: sample is the bundled synthetic sample, not Reddit
    posts_ingested: int
    removed: int
    files_damaged: int
    per_subreddit: dict[str, int]
    report: dict[str, Any]  # the dump reader's or the API's report (files, damaged_files...)


@dataclasses.dataclass(frozen=True)
class CleanMetrics(StageMetrics):
    stage: ClassVar[str] = "clean"
    posts_in: int
    kept: int
    rejected: int
    rejected_by_reason: dict[str, int]  # every reason, in the order the filters apply
    redactions_by_type: dict[str, int]
    author_key_secret: str  # the secret's fingerprint, never the secret
    filters: list[str]  # clean's filters, in the order applied
    rejected_by_filter: dict[str, int]


@dataclasses.dataclass(frozen=True)
class DedupeMetrics(StageMetrics):
    stage: ClassVar[str] = "dedupe"
    posts_in: int
    unique: int
    duplicates: int
    duplicates_by_method: dict[str, int]
    clusters: int


@dataclasses.dataclass(frozen=True)
class AnnotateMetrics(StageMetrics):
    stage: ClassVar[str] = "annotate"
    provider: str
    annotator: str
    posts_available: int
    posts_sampled: int
    posts_annotated: int
    options: int
    by_status: dict[str, int]
    # the LLM route only (provider openai)
    model: str = UNSET
    verify_model: str | None = UNSET
    mode: str = UNSET
    prompt_version: str = UNSET
    reject_reasons: dict[str, int] = UNSET
    error_reasons: dict[str, int] = UNSET
    flags: dict[str, int] = UNSET
    options_per_post: float = UNSET
    options_verified: int = UNSET
    verifier_agreement: float | None = UNSET


@dataclasses.dataclass(frozen=True)
class ReviewMetrics(StageMetrics):
    stage: ClassVar[str] = "review"
    items: int
    queue: int
    queue_reasons: dict[str, int]
    queue_by_reason: dict[str, int]
    review_status: dict[str, int]
    decisions_read: int
    decision_lines_malformed: int  # unparseable or invalid lines: applied to nothing
    decision_lines_unknown_item: int  # lines naming an item this build does not have
    decision_problems: int
    decision_problem_examples: list[Any]
    publish_unreviewed: bool
    overlap_rate: float
    options_publishable: int
    options_withheld: int
    agreement: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class AssembleMetrics(StageMetrics):
    stage: ClassVar[str] = "assemble"
    target_scenarios: int
    candidates: int
    scenarios: int
    options: int
    options_per_value: dict[str, int]
    scenarios_per_subreddit: dict[str, int]
    scenarios_per_year: dict[str, int]
    scenarios_with_opposing_values: int
    caps_relaxed: list[Any]
    new_scenarios: int
    kept_from_previous_release: int
    edited_since_previous_release: int
    released_by_edit: list[Any]
    swapped_out: int
    ids_migrated: int
    withdrawn_candidates_excluded: int
    withdrawn_from_previous_release: list[Any]
    previous_release: dict[str, Any] | None  # ref, version, fingerprint, scenarios


RECORDS: dict[str, type[StageMetrics]] = {
    r.stage: r
    for r in (IngestMetrics, CleanMetrics, DedupeMetrics, AnnotateMetrics, ReviewMetrics,
              AssembleMetrics)
}


def record(stage: str, data: dict[str, Any]) -> StageMetrics:
    """``data`` as ``stage``'s record (:class:`MetricsError` when it does not fit)."""
    return RECORDS[stage].from_dict(data)


def read(record_type: type[R], folder: Path) -> R:
    """Read ``folder/<stage>.json`` as ``record_type``; a missing file names the stage to run."""
    path = folder / f"{record_type.stage}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `valact {record_type.stage}` first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MetricsError(f"{path}: not JSON ({exc})") from None
    return record_type.from_dict(data)


@dataclasses.dataclass(frozen=True)
class UpstreamMetrics:
    """What build reads: the records of every stage before it (one field per stage)."""

    ingest: IngestMetrics
    clean: CleanMetrics
    dedupe: DedupeMetrics
    annotate: AnnotateMetrics
    review: ReviewMetrics
    assemble: AssembleMetrics
