"""The ``raw/posts.parquet`` columns as both ingest routes build them, read off the schema.

:data:`pipeline.schemas.RAW_POSTS` is the one description of the raw columns (names, order,
dtypes, which may be null). The dump reader builds its frame column by column from
:data:`DTYPES`, and the Reddit API route coerces its rows (and the previous file it refreshes)
with :func:`coerce_frame`; both are derived here, so a column added to or changed in the
schema reaches both routes and nothing restates it.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from pipeline.schemas import RAW_POSTS

#: Output columns, in order, with their pandas dtypes (``"string"``, ``"int64"``,
#: ``"Int64"``, ``"bool"``): ``str`` of the schema's pandas dtype.
DTYPES: Final[dict[str, str]] = {
    name: str(column.dtype.type) for name, column in RAW_POSTS.columns.items()
}
COLUMNS: Final[tuple[str, ...]] = tuple(DTYPES)
#: Text columns the schema does not let be null: a null there becomes ``""``.
NOT_NULL_TEXT: Final[frozenset[str]] = frozenset(
    name
    for name, column in RAW_POSTS.columns.items()
    if DTYPES[name] == "string" and not column.nullable
)


def empty_frame() -> pd.DataFrame:
    """A frame with no rows and every raw column, typed."""
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in DTYPES.items()})


def coerce_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s raw columns, in order, as :data:`DTYPES` (a fresh 0..n-1 index).

    Null text in a column that may not be null becomes ``""`` and a null bool False, so a
    frame from rows or from an older parquet file meets :data:`~pipeline.schemas.RAW_POSTS`.
    Raises ValueError naming the columns ``frame`` lacks.
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"posts frame lacks column(s): {', '.join(missing)}")
    out = pd.DataFrame(index=range(len(frame)))
    for column, dtype in DTYPES.items():
        values = frame[column].reset_index(drop=True)
        if column in NOT_NULL_TEXT:
            values = values.astype("string").fillna("")
        elif dtype == "bool":
            values = values.astype("boolean").fillna(False).astype(bool)
        else:
            values = values.astype(dtype)
        out[column] = values
    return out
