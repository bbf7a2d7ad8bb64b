from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.build.summary import format_summary, summary
from pipeline.cli import app

METRICS = {
    "version": "0.1.0",
    "data_fingerprint": "abc123",
    "posts_ingested": 385,
    "posts_kept_by_clean": 284,
    "rejected_by_reason": {"removed": 32, "nsfw": 12, "bot_author": 0},
    "redactions_by_type": {"EMAIL": 11, "NAME": 12},
    "duplicates": 32,
    "posts_annotated": 252,
    "annotators": ["offline"],
    "scenarios": 252,
    "options": 1260,
    "options_per_value": {"power": 126, "security": 126},
    "review_status": {"unreviewed": 250, "accepted": 2},
    "review_queue": 250,
}


def test_format_summary_lists_the_funnel() -> None:
    text = format_summary(METRICS)
    assert text.splitlines()[0] == "ValAct-15k 0.1.0 (data fingerprint abc123)"
    assert "posts ingested           385" in text
    assert "(rejected 44)" in text
    assert "rejected by reason: removed 32, nsfw 12\n" in text  # zero counts left out
    assert "redactions:         NAME 12, EMAIL 11" in text
    assert "options per value:  self_direction 0, stimulation 0" in text
    assert "power 126, security 126" in text
    assert "review status:      unreviewed 250, accepted 2; queue 250 item(s)" in text


def test_summary_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["summary"])
    assert result.exit_code == 1 and "run `dvc repro` first" in result.output
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "metrics.json").write_text(json.dumps(METRICS))
    result = CliRunner().invoke(app, ["summary"])
    assert result.exit_code == 0 and "scenarios                252" in result.output
    assert summary(tmp_path / "processed" / "metrics.json") in result.output


def test_summary_says_synthetic_for_the_sample() -> None:
    text = format_summary({**METRICS, "source": "sample", "synthetic": True})
    assert "  source:             sample (synthetic posts, raw/sample/: not from Reddit)" in text
    assert "  source:             reddit\n" in format_summary({**METRICS, "source": "reddit"})


def test_summary_fails_on_a_misspelled_params_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dvc repro` reruns nothing for a section no stage reads: the summary says so."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "metrics.json").write_text(json.dumps(METRICS))
    (tmp_path / "params.yaml").write_text("seed: 13\nbuild:\n  name: ValAct-15k\n")
    result = CliRunner().invoke(app, ["summary"])
    assert result.exit_code == 0, result.output
    (tmp_path / "params.yaml").write_text("seed: 13\nbuidl:\n  name: ValAct-15k\n")
    result = CliRunner().invoke(app, ["summary"])
    assert result.exit_code == 1
    assert "scenarios                252" in result.output  # the figures are still printed
    assert (
        "valact summary: params.yaml: unknown top-level section 'buidl' (did you mean 'build'?)"
        in result.output
    )
