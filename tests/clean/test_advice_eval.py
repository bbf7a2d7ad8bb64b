"""The advice and sensitive filters on the frozen set of real, hand-labelled posts.

Runs ``benchmarks/bench_advice_filter.py`` on ``benchmarks/advice_eval`` when the real dumps
are on this machine (``../shared/data/reddit`` or ``$VALACT_REDDIT_DATA``) and holds the
figures the rules reached there, so a rule change that loses them fails here. Without the
dumps the test is skipped with the reason.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_advice_filter as bench  # noqa: E402

DATA = bench.default_data_dir()
pytestmark = pytest.mark.skipif(
    not (DATA / "Advice_top_submissions.zst").exists(),
    reason=f"real dumps not found at {DATA} (set {bench.DATA_ENV})",
)


@pytest.fixture(scope="module")
def scores() -> dict[str, bench.Score]:
    posts = bench.load_posts(DATA)
    assert len(posts) == 620
    return bench.evaluate(posts)


@pytest.mark.slow
def test_advice_filter_meets_its_goal(scores: dict[str, bench.Score]) -> None:
    s = scores["require_advice"]
    assert s.tp + s.fn == 376
    assert s.precision is not None and s.precision >= 0.9, s.figures()
    assert s.recall is not None and s.recall >= 0.9, s.figures()


@pytest.mark.slow
def test_self_harm_filter_misses_none(scores: dict[str, bench.Score]) -> None:
    s = scores["self_harm"]
    assert s.fn == 0, [p.post_id for p in s.false_neg]
    assert s.fp <= 2, [p.post_id for p in s.false_pos]


@pytest.mark.slow
def test_child_abuse_filter_does_not_regress(scores: dict[str, bench.Score]) -> None:
    s = scores["child_abuse"]
    assert s.tp >= 2 and s.fp <= 1, s.figures()
