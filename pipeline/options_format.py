"""The long option format regrouped into items: one helper for review, assemble and build.

Annotations, reviewed options and selected options hold one row per option, so an item (a
post, a scenario) spans several rows. Review (per post: its reasons and decisions),
assemble (per post: its score) and build (per scenario: the published row with its list of
options) each walk the items one at a time. They get each item's rows as plain dicts:
pandas per group costs 2-3 ms, which is 10-20 s over 4,500 items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["Item", "items"]


@dataclass(frozen=True)
class Item:
    """One item of a long-format frame: its key, its rows, and where they start."""

    key: Any  # the value of the key column (a post_id, a scenario_id)
    start: int  # position (not index label) of the item's first row in the frame
    rows: list[dict[str, Any]]

    @property
    def positions(self) -> range:
        """Positions of the item's rows in the frame (for ``frame.iloc``)."""
        return range(self.start, self.start + len(self.rows))


def items(frame: pd.DataFrame, key: str, columns: Sequence[str] | None = None) -> list[Item]:
    """The items of ``frame``, one per run of rows with the same ``key``, in frame order.

    Within an item the rows keep the frame's order, so a caller sorts by ``key`` and then by
    whatever order it wants inside an item. ``columns`` limits the dicts to those columns
    (all by default). Raises ValueError when an item's rows are not together: the frame was
    not sorted by ``key``, and an item would otherwise be cut in two.
    """
    keys = frame[key].tolist()
    records = (frame if columns is None else frame[list(columns)]).to_dict("records")
    out: list[Item] = []
    seen: set[Any] = set()
    lo = 0
    for hi in range(1, len(keys) + 1):
        if hi < len(keys) and keys[hi] == keys[lo]:
            continue
        if keys[lo] in seen:
            raise ValueError(
                f"the rows of {key} {keys[lo]!r} are not together: sort the frame by {key} first"
            )
        seen.add(keys[lo])
        out.append(Item(keys[lo], lo, records[lo:hi]))
        lo = hi
    return out
