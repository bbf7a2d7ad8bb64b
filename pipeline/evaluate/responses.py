"""The responses table: one row per item answered (or not) by one respondent.

A run writes ``responses.parquet`` with these columns; a file of human responses uses the
same format (``.parquet`` or ``.csv``), of which only a few columns are required:

=================  ======================================================================
column             meaning
=================  ======================================================================
respondent         who answered: a run's label (the model by default), or a person's id
condition          ``act`` | ``state`` | ``select`` | ``hold``
item_id            the item (scenario id; ``scenario_id|value`` for select/hold; the
                   questionnaire item id for state)
scenario_id        the scenario (act/select/hold)
target_value       the value named in a select/hold item
option_ids         the option ids in the order presented
option_values      their values, same order (act: *required* for humans)
choice_position    0-based position chosen (A = 0)
chosen_option_id   the option chosen
chosen_value       its value (act/select/hold: *required* for humans; empty = no answer)
correct            chosen_value == target_value (select/hold)
value              the value a state item measures (state: *required*)
reverse            the state item is reverse-keyed (default false)
rating             the rating given (state: *required*; empty = no answer)
scale_min/max      the rating scale (default 1 and 6)
answer_text        the raw reply
parse_status       ``ok`` | ``unparseable`` | ``refusal`` | ``content_filter`` | ``error``
parse_method       how it was parsed (``letter``, ``json``, ``text``, ``number``, ...)
parse_detail       why parsing failed (``ambiguous``, ``out_of_range``, ``no_choice``, ...)
llm_status         :class:`pipeline.llm.LLMResult` status; llm_reason, llm_error likewise
model              the model asked
cached, attempts, cost_usd, prompt_tokens, completion_tokens: from the LLM layer
=================  ======================================================================

``parse_status`` values other than ``error`` are final: a resumed run skips those items.
``error`` rows (budget cap, network, HTTP errors) are asked again on resume.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from pipeline.artifacts import write_table
from pipeline.evaluate.conditions import CONDITIONS
from pipeline.schemas import ArtifactError, validate
from pipeline.values import VALUE_IDS

PARSE_STATUSES = ("ok", "unparseable", "refusal", "content_filter", "error")
FINAL_STATUSES = frozenset({"ok", "unparseable", "refusal", "content_filter"})

TEXT_COLUMNS = (
    "respondent", "condition", "item_id", "scenario_id", "target_value", "chosen_option_id",
    "chosen_value", "value", "answer_text", "parse_status", "parse_method", "parse_detail",
    "llm_status", "llm_reason", "llm_error", "model",
)
LIST_COLUMNS = ("option_ids", "option_values")
INT_COLUMNS = ("choice_position", "rating", "scale_min", "scale_max", "attempts",
               "prompt_tokens", "completion_tokens")
BOOL_COLUMNS = ("correct", "reverse", "cached")
FLOAT_COLUMNS = ("cost_usd",)
COLUMNS = (
    "respondent", "condition", "item_id", "scenario_id", "target_value", "option_ids",
    "option_values", "choice_position", "chosen_option_id", "chosen_value", "correct",
    "value", "reverse", "rating", "scale_min", "scale_max", "answer_text", "parse_status",
    "parse_method", "parse_detail", "llm_status", "llm_reason", "llm_error", "model",
    "cached", "attempts", "cost_usd", "prompt_tokens", "completion_tokens",
)

_VALUE_OR_NULL = pa.Check(lambda s: s.dropna().isin(VALUE_IDS).all(), element_wise=False,
                          name="a value id")

_VALUE_LISTS = pa.Check(
    lambda s: s.map(lambda v: v is None or all(x in VALUE_IDS for x in v)),
    element_wise=False, name="lists of value ids",
)


def _text(nullable: bool = True, checks: list[pa.Check] | None = None) -> pa.Column:
    return pa.Column("string", nullable=nullable, coerce=True, checks=checks)


RESPONSES = pa.DataFrameSchema(
    {
        "respondent": _text(False),
        "condition": _text(False, [pa.Check.isin(CONDITIONS)]),
        "item_id": _text(False),
        "scenario_id": _text(),
        "target_value": _text(checks=[_VALUE_OR_NULL]),
        "option_ids": pa.Column(object, nullable=True),
        "option_values": pa.Column(object, nullable=True, checks=[_VALUE_LISTS]),
        "choice_position": pa.Column("Int64", nullable=True, coerce=True),
        "chosen_option_id": _text(),
        "chosen_value": _text(checks=[_VALUE_OR_NULL]),
        "correct": pa.Column("boolean", nullable=True, coerce=True),
        "value": _text(checks=[_VALUE_OR_NULL]),
        "reverse": pa.Column("boolean", nullable=True, coerce=True),
        "rating": pa.Column("Int64", nullable=True, coerce=True),
        "scale_min": pa.Column("Int64", nullable=True, coerce=True),
        "scale_max": pa.Column("Int64", nullable=True, coerce=True),
        "answer_text": _text(),
        "parse_status": _text(False, [pa.Check.isin(PARSE_STATUSES)]),
        "parse_method": _text(),
        "parse_detail": _text(),
        "llm_status": _text(),
        "llm_reason": _text(),
        "llm_error": _text(),
        "model": _text(),
        "cached": pa.Column("boolean", nullable=True, coerce=True),
        "attempts": pa.Column("Int64", nullable=True, coerce=True),
        "cost_usd": pa.Column(float, nullable=True, coerce=True),
        "prompt_tokens": pa.Column("Int64", nullable=True, coerce=True),
        "completion_tokens": pa.Column("Int64", nullable=True, coerce=True),
    },
    strict=True,
    ordered=True,
    name="responses",
)

_ARROW_TYPES: dict[str, pa_arrow.DataType] = {
    **{c: pa_arrow.string() for c in TEXT_COLUMNS},
    **{c: pa_arrow.list_(pa_arrow.string()) for c in LIST_COLUMNS},
    **{c: pa_arrow.int64() for c in INT_COLUMNS},
    **{c: pa_arrow.bool_() for c in BOOL_COLUMNS},
    **{c: pa_arrow.float64() for c in FLOAT_COLUMNS},
}
ARROW_SCHEMA = pa_arrow.schema([(c, _ARROW_TYPES[c]) for c in COLUMNS])


def empty() -> pd.DataFrame:
    return frame([])


def frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts, missing keys = null) as a validated responses frame."""
    df = pd.DataFrame([{c: r.get(c) for c in COLUMNS} for r in rows], columns=list(COLUMNS))
    return validate(_normalise(df), RESPONSES)


def _as_list(cell: Any) -> list[str] | None:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return None
    if isinstance(cell, str):
        text = cell.strip()
        if not text:
            return None
        if text.startswith("["):
            cell = json.loads(text)
        else:
            cell = [p.strip() for p in text.replace("|", ";").split(";") if p.strip()]
    return [str(x) for x in list(cell)]


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in LIST_COLUMNS:
        df[c] = pd.Series([_as_list(x) for x in df[c]], index=df.index, dtype=object)
    for c in ("target_value", "chosen_value", "value"):
        df[c] = pd.Series([_value_or_none(x) for x in df[c]], index=df.index, dtype=object)
    df["option_values"] = pd.Series(
        [None if v is None else [_value_or_none(x) for x in v] for v in df["option_values"]],
        index=df.index, dtype=object)
    for c in BOOL_COLUMNS:
        df[c] = df[c].map(_bool_or_none).astype("boolean")
    return df


def _value_or_none(x: Any) -> str | None:
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA:
        return None
    if isinstance(x, int | np.integer) and not isinstance(x, bool):
        return VALUE_IDS[int(x)] if 0 <= int(x) < len(VALUE_IDS) else str(x)
    text = str(x).strip()
    if not text:
        return None
    if text.isdigit() and int(text) < len(VALUE_IDS):
        return VALUE_IDS[int(text)]
    return text


def _bool_or_none(x: Any) -> bool | None:
    if x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)):
        return None
    if isinstance(x, bool | np.bool_):
        return bool(x)
    text = str(x).strip().lower()
    if text in ("true", "1", "yes", "t", "y", "1.0"):
        return True
    if text in ("false", "0", "no", "f", "n", "0.0"):
        return False
    if not text:
        return None
    raise ArtifactError(f"responses: {x!r} is not a boolean")


def write(df: pd.DataFrame, path: Path) -> None:
    """Validate and write atomically (a crash never leaves half a file)."""
    checked = validate(df.reset_index(drop=True), RESPONSES)
    records = checked.astype(object).where(checked.notna(), None).to_dict(orient="list")
    table = pa_arrow.table({c: pa_arrow.array(records[c], type=ARROW_SCHEMA.field(c).type)
                            for c in COLUMNS}, schema=ARROW_SCHEMA)
    write_table(table, path)


def read(path: Path) -> pd.DataFrame:
    """A responses.parquet written by a run (validated)."""
    df = pd.read_parquet(path)
    return validate(_normalise(df.reindex(columns=list(COLUMNS))), RESPONSES)


def read_human(path: str | Path, label: str = "human") -> pd.DataFrame:
    """A file of human responses (``.parquet``/``.csv``) in the responses format.

    Missing optional columns are filled: ``respondent`` (``label``), ``parse_status``
    (``ok`` where the choice or rating is present, else ``unparseable``), ``correct``,
    ``scale_min``/``scale_max`` (1/6), ``reverse`` (false), ``item_id`` (from scenario and
    target, or the row number).
    """
    p = Path(path)
    if not p.exists():
        raise ArtifactError(f"{p} does not exist")
    if p.suffix.lower() == ".csv":
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""])
    elif p.suffix.lower() == ".parquet":
        raw = pd.read_parquet(p)
    else:
        raise ArtifactError(f"{p}: human responses must be a .parquet or .csv file")
    if "condition" not in raw.columns:
        raise ArtifactError(f"{p}: the column 'condition' is required")
    unknown = set(raw.columns) - set(COLUMNS)
    if unknown:
        raise ArtifactError(f"{p}: unknown columns {sorted(unknown)}; expected some of "
                            f"{', '.join(COLUMNS)}")
    df = raw.reindex(columns=list(COLUMNS)).astype(object)
    df = df.where(pd.notna(df), None)
    df["respondent"] = [str(r) if r is not None else label for r in df["respondent"]]
    required = {
        "act": ("option_values", "chosen_value"),
        "select": ("target_value", "chosen_value"),
        "hold": ("target_value", "chosen_value"),
        "state": ("value", "rating"),
    }
    problems = []
    for cond, cols in required.items():
        rows = df[df["condition"] == cond]
        for col in cols:
            if len(rows) and col not in raw.columns:
                problems.append(f"{cond} rows need the column '{col}'")
    if problems:
        raise ArtifactError(f"{p}: " + "; ".join(problems))
    answer = np.where(df["condition"] == "state", df["rating"], df["chosen_value"])
    status = ["ok" if a is not None and str(a).strip() != "" else "unparseable" for a in answer]
    df["parse_status"] = [s if s is not None else d for s, d in zip(df["parse_status"], status,
                                                                        strict=True)]
    df["item_id"] = [
        i if i is not None else (f"{s}|{t}" if t is not None else (s or f"row{n}"))
        for n, (i, s, t) in enumerate(zip(df["item_id"], df["scenario_id"],
                                          df["target_value"], strict=True))
    ]
    state = df["condition"] == "state"
    for col, default in (("scale_min", 1), ("scale_max", 6), ("reverse", False)):
        df[col] = [default if is_state and x is None else x
                   for is_state, x in zip(state, df[col], strict=True)]
    for c in INT_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    df["cost_usd"] = pd.to_numeric(df["cost_usd"], errors="coerce")
    normalised = _normalise(df)
    chosen = normalised["chosen_value"]
    target = normalised["target_value"]
    computed = [None if c is None or t is None else c == t for c, t in zip(chosen, target,
                                                                             strict=True)]
    normalised["correct"] = pd.array(
        [x if x is not pd.NA and x is not None else y
         for x, y in zip(normalised["correct"], computed, strict=True)], dtype="boolean")
    return validate(normalised, RESPONSES)
