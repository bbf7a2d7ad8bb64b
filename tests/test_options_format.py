"""options_format.items: the long option format regrouped into items."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.options_format import items


def _long() -> pd.DataFrame:
    # a filtered, re-sorted frame: its index labels are not positions
    return pd.DataFrame(
        {
            "post_id": ["a", "a", "a", "b", "c", "c"],
            "value": ["power", "security", "tradition", "power", "hedonism", "benevolence"],
            "relevance": [0.9, 0.5, 0.7, 0.4, 0.8, 0.6],
        },
        index=[10, 3, 7, 0, 5, 1],
    )


def test_one_item_per_key_with_its_rows_in_frame_order() -> None:
    got = items(_long(), "post_id")
    assert [i.key for i in got] == ["a", "b", "c"]
    assert [r["value"] for r in got[0].rows] == ["power", "security", "tradition"]
    assert got[2].rows == [
        {"post_id": "c", "value": "hedonism", "relevance": 0.8},
        {"post_id": "c", "value": "benevolence", "relevance": 0.6},
    ]


def test_positions_index_the_frame_by_position_not_label() -> None:
    frame = _long()
    got = items(frame, "post_id")
    assert [list(i.positions) for i in got] == [[0, 1, 2], [3], [4, 5]]
    rows = frame.iloc[list(got[2].positions)]
    assert rows["value"].tolist() == ["hedonism", "benevolence"]


def test_columns_limit_the_rows() -> None:
    got = items(_long(), "post_id", ["value"])
    assert got[1].key == "b" and got[1].rows == [{"value": "power"}]


def test_an_item_cut_in_two_is_refused() -> None:
    frame = _long().sort_values("value")  # post "a" no longer together
    with pytest.raises(ValueError, match="post_id 'a'.*not together"):
        items(frame, "post_id")


def test_an_empty_frame_has_no_items() -> None:
    assert items(_long().iloc[0:0], "post_id") == []
