"""The clean stage as DVC runs it: every post kept or rejected with a reason, and the
multi-process path writes exactly what one process writes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pipeline.clean.stage import run as clean_run
from pipeline.ingest.stage import run as ingest_run
from pipeline.params import Params
from pipeline.schemas import REJECT_REASONS

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def raw_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("raw")
    params = Params()
    params = replace(params, ingest=replace(params.ingest, sample_dir=str(REPO / "raw/sample")))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        ingest_run(params, out=work / "posts.parquet", progress=False)
    return work / "posts.parquet"


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
    assert "clean: 2 worker processes" in caplog.text  # the pool really ran
    assert one == two
    for name in ("clean.parquet", "rejected.parquet"):
        a = pd.read_parquet(tmp_path / "one" / name)
        b = pd.read_parquet(tmp_path / "two" / name)
        pd.testing.assert_frame_equal(a, b)
    m1 = json.loads((tmp_path / "one" / "metrics" / "clean.json").read_text())
    m2 = json.loads((tmp_path / "two" / "metrics" / "clean.json").read_text())
    assert m1 == m2


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


@pytest.mark.slow
def test_workers_fall_back_to_one_process_when_main_cannot_be_reimported(
    raw_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`python - < script` or `python -c`: spawned workers could not start; say so, go on."""
    import sys

    monkeypatch.setattr(sys.modules["__main__"], "__file__", "<stdin>", raising=False)
    with caplog.at_level("WARNING", logger="valact.clean"):
        two = _clean(raw_sample, tmp_path / "two", workers=2, batch_size=60)
    assert "clean.workers=2 ignored" in caplog.text
    one = _clean(raw_sample, tmp_path / "one", workers=1, batch_size=60)
    assert one == two
