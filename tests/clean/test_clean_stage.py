"""The clean stage as DVC runs it: every post kept or rejected with a reason, and the
multi-process path writes exactly what one process writes."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pipeline.clean.author_key import SAMPLE_SECRET
from pipeline.clean.filters import FilterChain, FilterStats, Post, Rejection
from pipeline.clean.reasons import FILTER_REASONS
from pipeline.clean.stage import PostFilter, process_batch
from pipeline.clean.stage import run as clean_run
from pipeline.ingest.stage import run as ingest_run
from pipeline.params import Params
from pipeline.schemas import REJECT_REASONS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def raw_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("raw")
    params = Params()
    params = replace(params, ingest=replace(params.ingest, sample_dir=str(REPO / "raw/sample")))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        ingest_run(params, out=work / "posts.parquet", progress=False)
    return work / "posts.parquet"


def _timings(out: Path) -> dict[str, float]:
    """The seconds per filter of a run in ``out`` (metrics/timings/clean.json)."""
    seconds = json.loads((out / "metrics" / "timings" / "clean.json").read_text())
    assert all(v >= 0 for v in seconds["seconds_by_filter"].values())
    return dict(seconds["seconds_by_filter"])


def _clean(raw: Path, out: Path, workers: int, batch_size: int) -> dict:
    params = Params()
    params = replace(params, clean=replace(params.clean, workers=workers))
    out.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(out)
        return clean_run(params, src=raw, clean_out=out / "clean.parquet",
                         rejected_out=out / "rejected.parquet", batch_size=batch_size,
                         progress=False)


@pytest.mark.slow
def test_two_workers_write_the_same_files_as_one(
    raw_sample: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    one = _clean(raw_sample, tmp_path / "one", workers=1, batch_size=60)
    with caplog.at_level("INFO", logger="valact.clean"):
        two = _clean(raw_sample, tmp_path / "two", workers=2, batch_size=60)
    assert "clean: local (2 workers)" in caplog.text  # the pool really ran
    assert one == two
    assert set(_timings(tmp_path / "one")) == set(_timings(tmp_path / "two"))
    for name in ("clean.parquet", "rejected.parquet"):  # the same bytes, row groups included
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    m1 = json.loads((tmp_path / "one" / "metrics" / "clean.json").read_text())
    m2 = json.loads((tmp_path / "two" / "metrics" / "clean.json").read_text())
    assert m1 == m2 == one  # no figure that differs between runs (timings apart)


@pytest.mark.slow
def test_every_post_is_kept_or_rejected_with_a_reason(raw_sample: Path, tmp_path: Path) -> None:
    metrics = _clean(raw_sample, tmp_path / "w", workers=1, batch_size=2000)
    raw = pd.read_parquet(raw_sample)
    kept = pd.read_parquet(tmp_path / "w" / "clean.parquet")
    rejected = pd.read_parquet(tmp_path / "w" / "rejected.parquet")
    assert len(kept) + len(rejected) == len(raw) == metrics["posts_in"]
    assert set(kept["post_id"]) | set(rejected["post_id"]) == set(raw["post_id"])
    assert rejected["reason"].isin(REJECT_REASONS).all()
    counts = rejected["reason"].value_counts().to_dict()
    assert {r: c for r, c in metrics["rejected_by_reason"].items() if c} == counts
    # per filter, in the order applied: every rejection counted once, at its filter
    assert metrics["filters"] == list(FILTER_REASONS)
    by_filter = metrics["rejected_by_filter"]
    assert sum(by_filter.values()) == metrics["rejected"]
    for name, reasons in FILTER_REASONS.items():
        if reasons != ("empty_body",):  # given by two filters
            assert by_filter[name] == sum(counts.get(r, 0) for r in reasons), name
    assert by_filter["empty_body"] + by_filter["normalize"] == counts.get("empty_body", 0)
    seconds = _timings(tmp_path / "w")
    assert seconds["not_english"] > 0 and set(seconds) == set(FILTER_REASONS)


@pytest.mark.slow
def test_workers_fall_back_to_one_process_when_main_cannot_be_reimported(
    raw_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`python - < script` or `python -c`: spawned workers could not start; say so, go on."""
    import sys

    monkeypatch.setattr(sys.modules["__main__"], "__file__", "<stdin>", raising=False)
    with caplog.at_level("WARNING", logger="valact.execution"):
        two = _clean(raw_sample, tmp_path / "two", workers=2, batch_size=60)
    assert "2 workers ignored" in caplog.text
    one = _clean(raw_sample, tmp_path / "one", workers=1, batch_size=60)
    assert one == two
    assert set(_timings(tmp_path / "one")) == set(_timings(tmp_path / "two"))


def test_reject_reasons_are_the_filters_reasons_in_their_order() -> None:
    expected = []
    for reasons in FILTER_REASONS.values():
        expected += [r for r in reasons if r not in expected]
    assert tuple(expected) == REJECT_REASONS
    # the record checks as the code applies them: a link post with no body is a link post
    assert REJECT_REASONS.index("link_post") < REJECT_REASONS.index("empty_body")


@pytest.fixture(scope="module")
def post_filter() -> PostFilter:
    return PostFilter(Params().clean, SAMPLE_SECRET)


def test_a_post_gets_the_reason_of_the_first_filter_that_rejects_it(
    raw_sample: Path, post_filter: PostFilter
) -> None:
    raw = pd.read_parquet(raw_sample)
    ok = raw[~raw["removed"] & raw["is_self"] & ~raw["over_18"]].head(4).copy()
    assert len(ok) == 4
    ok.iloc[0, ok.columns.get_loc("is_self")] = False  # a link post ...
    ok.iloc[0, ok.columns.get_loc("selftext")] = ""  # ... with no body
    ok.iloc[1, ok.columns.get_loc("selftext")] = ""  # no body, and NSFW
    ok.iloc[1, ok.columns.get_loc("over_18")] = True
    ok.iloc[2, ok.columns.get_loc("selftext")] = "**  **"  # empty once normalized, and NSFW
    ok.iloc[2, ok.columns.get_loc("over_18")] = True
    ok.iloc[3, ok.columns.get_loc("selftext")] = "**  **"  # empty once normalized
    stats = FilterStats()
    funnel: Counter[str] = Counter()
    kept, rejected = process_batch(ok.reset_index(drop=True), post_filter, funnel, Counter(), stats)
    assert kept.empty
    assert list(rejected["reason"]) == ["link_post", "empty_body", "nsfw", "empty_body"]
    assert list(rejected["detail"].fillna("")) == ["", "", "", "empty after normalization"]
    assert +stats.rejected == Counter({"link_post": 1, "empty_body": 1, "nsfw": 1,
                                      "normalize": 1})
    # no post reached the filters after normalize
    names = list(FILTER_REASONS)
    assert list(stats.seconds) == names[: names.index("normalize") + 1]


class _Rejects:
    def __init__(self, name: str, reason: str, which: set[int]) -> None:
        self.name, self.reason, self.which = name, reason, which
        self.seen: list[int] = []

    def filter_batch(self, posts: list[Post]) -> list[Rejection | None]:
        self.seen += [p.row for p in posts]
        return [Rejection(self.reason, "x") if p.row in self.which else None for p in posts]


def test_filter_chain_shows_each_filter_only_the_posts_still_kept() -> None:
    first = _Rejects("removed", "removed", {1, 3})
    second = _Rejects("link_post", "link_post", {2, 3})
    stats = FilterStats()
    decisions = FilterChain([first, second]).apply([Post(i) for i in range(5)], stats)
    assert [d.reason if d else None for d in decisions] == [
        None, "removed", "link_post", "removed", None
    ]
    assert first.seen == [0, 1, 2, 3, 4] and second.seen == [0, 2, 4]
    assert stats.rejected == Counter({"removed": 2, "link_post": 1})


def test_filter_chain_refuses_a_reason_its_filter_does_not_declare() -> None:
    chain = FilterChain([_Rejects("nsfw", "too_short", {0})])
    with pytest.raises(ValueError, match="gave reason 'too_short'"):
        chain.apply([Post(0)])
    with pytest.raises(ValueError, match="not in FILTER_REASONS"):
        FilterChain([_Rejects("made_up", "removed", set())])
    with pytest.raises(ValueError, match="unique"):
        FilterChain([_Rejects("nsfw", "nsfw", set()), _Rejects("nsfw", "nsfw", set())])
