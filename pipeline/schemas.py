"""Pandera schemas: one per artifact of ARCHITECTURE.md's stage table, in pipeline order.

Every stage validates what it writes (and what it reads) with ``validate(df, SCHEMA)``.
A failure raises :class:`ArtifactError` whose message names the artifact, the column, the
check and the first offending rows (by ``post_id`` when the frame has one).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from pipeline.release.ids import OPTION_ID_PATTERN, POST_ID_PATTERN, SCENARIO_ID_PATTERN
from pipeline.values import VALUE_IDS

TEXT = "string"  # pandas nullable string dtype for every text column


class ArtifactError(ValueError):
    """An artifact does not match its schema."""


def _text(nullable: bool = False, **kw: object) -> pa.Column:
    return pa.Column(TEXT, nullable=nullable, coerce=True, **kw)  # type: ignore[arg-type]


def _nonempty() -> pa.Check:
    return pa.Check(lambda s: s.str.strip().str.len() > 0, element_wise=False, name="non_empty")


def _as_list(x: object) -> object:
    return x.tolist() if isinstance(x, np.ndarray) else x


def _is_flag_list(x: object) -> bool:
    return isinstance(x, list) and all(isinstance(f, str) and f for f in x) and x == sorted(set(x))


def _flags() -> pa.Column:
    """Review flags: a list of strings, sorted, distinct, none empty (``[]`` when none).

    Parquet gives a list column back as numpy arrays; the parser makes them lists again, so
    a reader sees lists whether the frame was built in memory or read from a file."""
    return pa.Column(
        object,
        parsers=pa.Parser(lambda s: s.map(_as_list)),
        checks=pa.Check(lambda s: s.map(_is_flag_list), name="sorted_distinct_nonempty_strings"),
    )


MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"  # created_month: YYYY-MM (UTC), never the timestamp
POST_ID = _text(checks=pa.Check.str_matches(POST_ID_PATTERN))

# ---------------------------------------------------------------- ingest: raw/posts.parquet
RAW_POSTS = pa.DataFrameSchema(
    {
        "post_id": POST_ID,
        "subreddit": _text(checks=_nonempty()),
        "title": _text(),
        "selftext": _text(),
        "author": _text(nullable=True),
        "created_utc": pa.Column("int64", pa.Check.ge(0), coerce=True),
        "retrieved_utc": pa.Column("Int64", nullable=True, coerce=True),
        "score": pa.Column("Int64", nullable=True, coerce=True),
        "num_comments": pa.Column("Int64", nullable=True, coerce=True),
        "over_18": pa.Column("bool", coerce=True),
        "is_self": pa.Column("bool", coerce=True),
        "stickied": pa.Column("bool", coerce=True),
        "distinguished": _text(nullable=True),
        "removed": pa.Column("bool", coerce=True),
        "removed_by_category": _text(nullable=True),
        "link_flair_text": _text(nullable=True),
        "crosspost_parent": _text(nullable=True),
        "permalink": _text(nullable=True),
        "url": _text(nullable=True),
        "source_file": _text(checks=pa.Check(lambda s: ~s.str.startswith("/"), name="relative")),
        "source_line": pa.Column("int64", coerce=True),
    },
    unique=["post_id"],
    strict=True,
    ordered=True,
    name="raw/posts.parquet",
)

# ---------------------------------------------------------------- clean
REJECT_REASONS: tuple[str, ...] = (
    # In the order they are checked: a post gets the first reason that applies.
    "removed",
    "empty_body",
    "link_post",
    "nsfw",
    "stickied_or_moderator",
    "bot_author",
    "too_short",
    "too_long",
    "mostly_links",
    "mostly_code",
    "mostly_list",
    "not_english",
    "sensitive_self_harm",
    "sensitive_child_abuse",
    "meta_post",
    "poll_or_survey",
    "no_advice_request",
)

CLEAN_POSTS = pa.DataFrameSchema(
    {
        "post_id": POST_ID,
        "subreddit": _text(checks=_nonempty()),
        "created_utc": pa.Column("int64", coerce=True),
        "score": pa.Column("Int64", nullable=True, coerce=True),
        "author_key": _text(nullable=True),  # salted hash: same author -> same key, no name
        "title": _text(checks=_nonempty()),
        "body": _text(checks=_nonempty()),
        "n_words": pa.Column("int64", pa.Check.gt(0), coerce=True),
        "language": _text(),
        "language_confidence": pa.Column("float64", pa.Check.in_range(0, 1), coerce=True),
        "advice_rule": _text(nullable=True),
        "n_redactions": pa.Column("int64", pa.Check.ge(0), coerce=True),
    },
    unique=["post_id"],
    strict=True,
    ordered=True,
    name="interim/clean.parquet",
)

REJECTED = pa.DataFrameSchema(
    {
        "post_id": POST_ID,
        "reason": _text(checks=pa.Check.isin(REJECT_REASONS)),
        "detail": _text(nullable=True),
    },
    unique=["post_id"],
    strict=True,
    ordered=True,
    name="interim/rejected.parquet",
)

# ---------------------------------------------------------------- dedupe
UNIQUE_POSTS = copy.deepcopy(CLEAN_POSTS)
UNIQUE_POSTS.name = "interim/unique.parquet"

DUPLICATES = pa.DataFrameSchema(
    {
        "post_id": POST_ID,
        "kept_post_id": POST_ID,
        "score": pa.Column("float64", pa.Check.in_range(0, 100), coerce=True),
        "method": _text(checks=pa.Check.isin(["exact", "near"])),
    },
    checks=pa.Check(lambda df: df["post_id"] != df["kept_post_id"], name="not_self"),
    unique=["post_id"],
    strict=True,
    ordered=True,
    name="interim/duplicates.parquet",
)

# ---------------------------------------------------------------- annotate
# Long format: one row per candidate option (post_id, value). A post the annotator
# rejected has a single row with status != "ok" and null option columns.
ANNOTATION_STATUS = ("ok", "rejected", "refusal", "truncated", "content_filter", "invalid", "error")

ANNOTATIONS = pa.DataFrameSchema(
    {
        "post_id": POST_ID,
        "subreddit": _text(),
        # the post's date, carried forward for assemble (per-year cap, created_month)
        "created_utc": pa.Column("int64", coerce=True),
        "status": _text(checks=pa.Check.isin(ANNOTATION_STATUS)),
        "status_detail": _text(nullable=True),
        "scenario": _text(nullable=True),
        "question": _text(nullable=True),
        "value": _text(nullable=True, checks=pa.Check.isin(VALUE_IDS)),
        "option_text": _text(nullable=True),
        "relevance": pa.Column("float64", pa.Check.in_range(0, 1), nullable=True, coerce=True),
        "verified_value": _text(nullable=True, checks=pa.Check.isin(VALUE_IDS)),
        "flags": _flags(),
        "annotator": _text(),
        "prompt_version": _text(),
    },
    checks=[
        pa.Check(
            lambda df: ~df[df["status"] == "ok"]
            .duplicated(["post_id", "value"])
            .reindex(df.index, fill_value=False),
            name="one_option_per_value_per_post",
        ),
        pa.Check(
            lambda df: (df["status"] != "ok")
            | (df["scenario"].notna() & df["value"].notna() & df["option_text"].notna()),
            name="ok_rows_complete",
        ),
    ],
    strict=True,
    ordered=True,
    name="interim/annotations.parquet",
)

# ---------------------------------------------------------------- review
REVIEW_STATUS = ("accepted", "edited", "rejected", "unreviewed", "not_flagged")

REVIEWED = pa.DataFrameSchema(
    {
        "post_id": POST_ID,
        "subreddit": _text(),
        "created_utc": pa.Column("int64", coerce=True),
        "scenario": _text(checks=_nonempty()),
        "question": _text(checks=_nonempty()),
        "value": _text(checks=pa.Check.isin(VALUE_IDS)),
        # the value the annotator wrote the option for (``value`` differs after a relabel)
        "annotated_value": _text(checks=pa.Check.isin(VALUE_IDS)),
        "option_text": _text(checks=_nonempty()),
        "relevance": pa.Column("float64", pa.Check.in_range(0, 1), coerce=True),
        "agreement": pa.Column("boolean", nullable=True, coerce=True),
        "flags": _flags(),
        "review_status": _text(checks=pa.Check.isin(REVIEW_STATUS)),
        "annotator": _text(),
        "prompt_version": _text(),
    },
    unique=["post_id", "value"],
    strict=True,
    ordered=True,
    name="interim/reviewed.parquet",
)

# ---------------------------------------------------------------- assemble
SELECTED = pa.DataFrameSchema(
    {
        "scenario_id": _text(checks=pa.Check.str_matches(SCENARIO_ID_PATTERN)),
        "post_id": POST_ID,
        "subreddit": _text(),
        "created_month": _text(nullable=True, checks=pa.Check.str_matches(MONTH_PATTERN)),
        "scenario": _text(checks=_nonempty()),
        "question": _text(checks=_nonempty()),
        "option_id": _text(checks=pa.Check.str_matches(OPTION_ID_PATTERN)),
        "value": _text(checks=pa.Check.isin(VALUE_IDS)),
        "text": _text(checks=_nonempty()),
        # null for an option carried from the previous release that this build did not score
        "relevance": pa.Column("float64", nullable=True, coerce=True),
        "annotator": _text(),
        "prompt_version": _text(),
        "review_status": _text(checks=pa.Check.isin(REVIEW_STATUS)),
    },
    checks=[
        pa.Check(
            lambda df: ~df.duplicated(["scenario_id", "value"]), name="distinct_values_per_scenario"
        ),
    ],
    unique=["option_id"],
    strict=True,
    ordered=True,
    name="interim/selected.parquet",
)

# The previous release (assemble.previous_release) as read back: one row per option.
PREVIOUS_RELEASE = pa.DataFrameSchema(
    {
        "scenario_id": _text(),
        "post_id": POST_ID,
        "subreddit": _text(),
        "created_month": _text(nullable=True),
        "scenario": _text(),
        "question": _text(),
        "option_id": _text(),
        "value": _text(checks=pa.Check.isin(VALUE_IDS)),
        "text": _text(),
        "annotator": _text(),
        "prompt_version": _text(),
        "review_status": _text(checks=pa.Check.isin(REVIEW_STATUS)),
    },
    unique=["option_id"],
    strict=True,
    ordered=True,
    name="interim/previous_release.parquet",
)


def _rows_hint(df: pd.DataFrame, index_values: list[object]) -> str:
    shown = index_values[:5]
    if "post_id" in df.columns:
        ids = []
        for i in shown:
            try:
                ids.append(str(df.loc[i, "post_id"]))  # type: ignore[index]
            except (KeyError, TypeError):
                ids.append(f"row {i}")
        return ", ".join(ids)
    return ", ".join(f"row {i}" for i in shown)


def validate(df: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Validate (and coerce) ``df``; raise ArtifactError with a readable summary."""
    try:
        return schema.validate(df, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        lines = [f"{schema.name}: {len(cases)} schema violation(s)"]
        grouped = cases.groupby(["column", "check"], dropna=False, sort=False)
        for (column, check), group in grouped:
            idx = [i for i in group["index"].tolist() if i is not None and not pd.isna(i)]
            where = f" in rows with post_id {_rows_hint(df, idx)}" if idx else ""
            examples = ", ".join(repr(v) for v in group["failure_case"].head(3).tolist())
            lines.append(
                f"  - column {column if column is not None else '<frame>'!s}: "
                f"failed {check} ({len(group)} case(s)){where}; e.g. {examples}"
            )
        raise ArtifactError("\n".join(lines)) from None
    except SchemaError as exc:  # pragma: no cover - lazy=True collects into SchemaErrors
        raise ArtifactError(f"{schema.name}: {exc}") from None
