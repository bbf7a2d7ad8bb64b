from pathlib import Path

import pandas as pd
import pytest

from pipeline.artifacts import read_frame, write_frame
from pipeline.release.ids import option_id, scenario_id
from pipeline.schemas import ANNOTATIONS, DUPLICATES, REJECTED, SELECTED, ArtifactError, validate


def _selected(n: int = 2) -> pd.DataFrame:
    rows = []
    for i in range(1, n + 1):
        for j, v in enumerate(["power", "benevolence"]):
            rows.append({
                "scenario_id": scenario_id(f"p{i}"), "post_id": f"p{i}", "subreddit": "Advice",
                "created_month": "2024-0" + str(j + 1),
                "scenario": "A situation.", "question": "Should I?",
                "option_id": option_id(f"p{i}", v), "value": v, "text": "Do it.",
                "relevance": 0.5, "annotator": "offline", "prompt_version": "offline-v1",
                "review_status": "unreviewed",
            })
    return pd.DataFrame(rows)


def test_valid_frame_passes_and_is_coerced() -> None:
    out = validate(_selected(), SELECTED)
    assert str(out["value"].dtype) == "string"


def test_error_names_column_check_and_rows() -> None:
    df = _selected()
    df.loc[0, "value"] = "loyalty"
    with pytest.raises(ArtifactError) as err:
        validate(df, SELECTED)
    msg = str(err.value)
    assert "interim/selected.parquet" in msg
    assert "column value" in msg and "isin" in msg
    assert "p1" in msg  # the post_id of the offending row
    assert "'loyalty'" in msg


def test_distinct_values_per_scenario_enforced() -> None:
    df = _selected()
    df.loc[1, "value"] = "power"
    with pytest.raises(ArtifactError, match="distinct_values_per_scenario"):
        validate(df, SELECTED)


def test_missing_and_extra_columns_rejected() -> None:
    with pytest.raises(ArtifactError, match="reason"):
        validate(pd.DataFrame({"post_id": ["abc"]}), REJECTED)
    with pytest.raises(ArtifactError):
        validate(pd.DataFrame({"post_id": ["abc"], "reason": ["nsfw"], "detail": [None],
                               "author": ["x"]}), REJECTED)


def test_unknown_reject_reason_and_bad_ids() -> None:
    with pytest.raises(ArtifactError, match="isin"):
        validate(pd.DataFrame({"post_id": ["abc"], "reason": ["because"], "detail": [None]}),
                 REJECTED)
    with pytest.raises(ArtifactError, match="str_matches"):
        validate(pd.DataFrame({"post_id": ["t3_ABC"], "reason": ["nsfw"], "detail": [None]}),
                 REJECTED)


def test_duplicate_cannot_point_to_itself() -> None:
    df = pd.DataFrame({"post_id": ["a"], "kept_post_id": ["a"], "score": [100.0],
                       "method": ["exact"]})
    with pytest.raises(ArtifactError, match="not_self"):
        validate(df, DUPLICATES)


def _annotation_rows(flags: list[object]) -> pd.DataFrame:
    return pd.DataFrame([{
        "post_id": f"p{i}", "subreddit": "Advice", "created_utc": 1_700_000_000,
        "status": "rejected", "status_detail": "no", "scenario": None, "question": None,
        "value": None, "option_text": None, "relevance": None, "verified_value": None,
        "flags": f, "annotator": "offline", "prompt_version": "offline-v1",
    } for i, f in enumerate(flags)])


def test_flags_are_a_list_column_read_back_as_lists(tmp_path: Path) -> None:
    path = tmp_path / "ann.parquet"
    write_frame(_annotation_rows([["rejected", "sensitive"], []]), path, ANNOTATIONS)
    back = read_frame(path, ANNOTATIONS)
    assert back["flags"].tolist() == [["rejected", "sensitive"], []]


@pytest.mark.parametrize("flags", [["sensitive", "rejected"], ["rejected", "rejected"], [""],
                                   "rejected;sensitive", None])
def test_flags_must_be_sorted_distinct_nonempty_strings(flags: object) -> None:
    with pytest.raises(ArtifactError, match="flags"):
        validate(_annotation_rows([flags]), ANNOTATIONS)
