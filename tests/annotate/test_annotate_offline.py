from pathlib import Path

import pytest

from pipeline.annotate import offline
from pipeline.annotate.sampling import stratified_sample
from pipeline.annotate.stage import run
from pipeline.artifacts import read_frame, write_frame
from pipeline.params import Params
from pipeline.schemas import ANNOTATIONS, UNIQUE_POSTS
from pipeline.values import VALUE_IDS
from stage_fixtures import unique_posts


def test_offline_annotation_is_honest_and_complete() -> None:
    ann = offline.annotate_post("abc", "Should I move abroad?",
                                "I got an exciting job offer abroad. My family wants me to stay. "
                                "Should I take it? It pays more money.")
    assert [o.value for o in ann.options] == list(VALUE_IDS)
    assert ann.question == "Should I take it?"
    for o in ann.options:
        assert o.value.replace("_", " ") not in o.text.lower()  # never names its value
        assert 0.2 <= o.relevance <= 1.0
    scores = {o.value: o.relevance for o in ann.options}
    assert scores["stimulation"] > scores["tradition"]


def test_condense_cuts_at_sentence_end() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(100))
    out = offline.condense(text, max_words=20)
    assert out.endswith(".") and len(out.split()) <= 20


def test_sample_grows_as_superset_and_is_stratified() -> None:
    posts = unique_posts(300)
    small = set(stratified_sample(posts, 60, seed=3)["post_id"])
    large = set(stratified_sample(posts, 150, seed=3)["post_id"])
    assert len(small) == 60 and small <= large
    chosen = posts[posts["post_id"].isin(small)]
    counts = chosen["subreddit"].value_counts()
    assert counts.max() - counts.min() <= 3  # three equal strata
    assert set(stratified_sample(posts, 60, seed=4)["post_id"]) != small


def test_stage_writes_valid_long_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_frame(unique_posts(30), tmp_path / "unique.parquet", UNIQUE_POSTS)
    out = tmp_path / "annotations.parquet"
    params = Params()
    metrics = run(params, src=tmp_path / "unique.parquet", out=out, progress=False)
    df = read_frame(out, ANNOTATIONS)
    assert metrics["posts_annotated"] == 30
    assert len(df) == 300
    assert set(df["annotator"]) == {"offline"}
    assert all(f == ["offline_draft"] for f in df["flags"])
    assert (tmp_path / "metrics" / "annotate.json").exists()
