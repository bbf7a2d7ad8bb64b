"""The maintainer's terminal: CLI conventions, progress where stderr is not a terminal,
log lines through the bars, and the keyed author hash."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.clean.author_key import (
    SAMPLE_SECRET,
    SECRET_ENV,
    author_key,
    load_secret,
    secret_fingerprint,
)
from pipeline.cli import STAGE_COMMANDS, app
from pipeline.progress import PlainProgress, progress_bar

REPO = Path(__file__).resolve().parents[1]


def _valact(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed `valact` entry point, as a user runs it (click's real error paths)."""
    exe = Path(sys.executable).parent / "valact"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120,
                          cwd=REPO, env={**os.environ, "COLUMNS": "100"})


# -- CLI conventions ------------------------------------------------------------------------


def test_h_is_help_and_version_prints_the_package_version() -> None:
    from importlib.metadata import version

    runner = CliRunner()
    short, long = runner.invoke(app, ["-h"]), runner.invoke(app, ["--help"])
    assert short.exit_code == 0 and short.output == long.output
    sub = runner.invoke(app, ["review", "-h"])
    assert sub.exit_code == 0 and "Stage 5:" in sub.output
    assert runner.invoke(app, ["evaluate", "run", "-h"]).exit_code == 0
    out = runner.invoke(app, ["--version"])
    assert out.exit_code == 0 and out.output.strip() == f"valact {version('valact-pipeline')}"


def test_help_lists_the_stages_first_in_pipeline_order() -> None:
    text = CliRunner().invoke(app, ["--help"], terminal_width=100).output
    commands = text.split("Commands")[1]
    listed = [line.split()[1] for line in commands.splitlines()
              if line.startswith("│ ") and len(line.split()) > 1 and line.split()[1].isalpha()]
    assert listed[: len(STAGE_COMMANDS)] == list(STAGE_COMMANDS), listed
    for n, stage in enumerate(STAGE_COMMANDS, start=1):
        assert f"{stage}" in commands and f"Stage {n}:" in commands


def test_a_mistyped_command_suggests_once() -> None:
    result = _valact("ingst")
    assert result.returncode == 2
    assert result.stderr.count("Did you mean 'ingest'?") == 1, result.stderr


@pytest.mark.slow
def test_arguments_and_conditions_are_described_in_help() -> None:
    analyze = _valact("evaluate", "analyze", "--help").stdout
    assert "Run folders" in analyze  # the RUN_DIRS argument
    questionnaire = _valact("evaluate", "questionnaire", "--help").stdout
    assert "A .jsonl/.csv file" in questionnaire  # the FILE argument
    group = " ".join(_valact("evaluate", "--help").stdout.split())
    for condition in ("act =", "state =", "select =", "hold ="):
        assert condition in group


def test_every_stage_command_takes_progress_flags() -> None:
    runner = CliRunner()
    for stage in STAGE_COMMANDS:
        text = runner.invoke(app, [stage, "--help"], terminal_width=200).output
        assert "--progress" in text and "--no-progress" in text, stage


# -- progress and logs ----------------------------------------------------------------------


def test_progress_off_a_terminal_is_plain_lines() -> None:
    out = io.StringIO()  # not a TTY, like a dvc log or CI
    bar = progress_bar(total=1000, desc="clean", unit="post", file=out, mininterval=0)
    assert isinstance(bar, PlainProgress)
    for _ in range(4):
        bar.update(250)
    bar.close()
    text = out.getvalue()
    assert "\r" not in text and "\x1b[" not in text  # no carriage returns, no cursor moves
    lines = [line for line in text.splitlines() if line]
    assert lines[-1].startswith("clean: 100%") and "1000/1000" in lines[-1]
    assert len(lines) >= 2


def test_log_lines_go_through_the_bars(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.logs import TqdmLoggingHandler, setup_logging

    root = logging.getLogger()
    before = list(root.handlers)
    try:
        setup_logging(False)
        setup_logging(False)  # twice: still one handler, each line printed once
        handlers = [h for h in root.handlers if isinstance(h, TqdmLoggingHandler)]
        assert len(handlers) == 1
        logging.getLogger("valact.test").warning("a warning line")
        logging.getLogger("spacy").info("Created vocabulary")  # spaCy's chatter is off
        err = capsys.readouterr().err
        assert err.count("a warning line") == 1 and "Created vocabulary" not in err
    finally:
        root.handlers[:] = before


@pytest.mark.slow
def test_clean_shows_a_total_and_moves_per_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from pipeline.clean.stage import PROGRESS_CHUNK
    from pipeline.clean.stage import run as clean_run
    from pipeline.ingest.stage import run as ingest_run
    from pipeline.params import Params

    monkeypatch.chdir(tmp_path)  # stage metrics go to ./metrics
    params = Params()
    params = replace(params, ingest=replace(params.ingest, sample_dir=str(REPO / "raw/sample")),
                     clean=replace(params.clean, workers=1))
    raw = tmp_path / "posts.parquet"
    ingest_run(params, out=raw, progress=False)
    err = io.StringIO()
    old, sys.stderr = sys.stderr, err
    try:
        import pipeline.progress as prog

        saved = prog.PLAIN_INTERVAL
        prog.PLAIN_INTERVAL = 0.0
        clean_run(params, src=raw, clean_out=tmp_path / "c.parquet",
                  rejected_out=tmp_path / "r.parquet", progress=True)
    finally:
        sys.stderr = old
        prog.PLAIN_INTERVAL = saved
    import pyarrow.parquet as pq

    n = pq.ParquetFile(raw).metadata.num_rows
    assert n > PROGRESS_CHUNK
    lines = [ln for ln in err.getvalue().splitlines() if ln.startswith("clean:")]
    assert any(f"{PROGRESS_CHUNK}/{n}" in ln for ln in lines), lines  # a total, per chunk
    assert lines[-1].startswith("clean: 100%") and f"{n}/{n}" in lines[-1]
    assert not any("|" in ln for ln in lines)  # no bar drawn in a log


# -- the author key -------------------------------------------------------------------------


def test_author_key_is_keyed_and_the_secret_stays_out_of_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    monkeypatch.delenv(SECRET_ENV, raising=False)
    path = tmp_path / ".valact" / "author-key.secret"
    secret = load_secret("dump", path)
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret("dump", path) == secret  # kept, not regenerated
    assert len(secret) == 64
    key = author_key("throwaway_123", secret)
    assert key is not None and len(key) == 16
    # not the old unkeyed scheme anyone could recompute from a username
    assert key != hashlib.sha256(b"valact-author:throwaway_123").hexdigest()[:16]
    assert author_key("throwaway_123", b"another secret") != key
    assert author_key("[deleted]", secret) is None and author_key(None, secret) is None
    monkeypatch.setenv(SECRET_ENV, "shared-team-secret")
    assert load_secret("dump", path) == b"shared-team-secret"
    assert load_secret("sample", path) == SAMPLE_SECRET  # the sample builds the same anywhere


@pytest.mark.slow
def test_clean_of_a_dump_uses_the_project_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    import pandas as pd

    from pipeline.clean.stage import run as clean_run
    from pipeline.ingest.stage import run as ingest_run
    from pipeline.params import Params

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    params = Params()
    params = replace(params, ingest=replace(params.ingest, sample_dir=str(REPO / "raw/sample")),
                     clean=replace(params.clean, workers=1))
    ingest_run(params, out=tmp_path / "posts.parquet", progress=False)
    as_dump = replace(params, ingest=replace(params.ingest, source="dump"))
    metrics = clean_run(as_dump, src=tmp_path / "posts.parquet", clean_out=tmp_path / "c.parquet",
                        rejected_out=tmp_path / "r.parquet", progress=False)
    secret = (tmp_path / ".valact" / "author-key.secret").read_text().strip()
    kept = pd.read_parquet(tmp_path / "c.parquet")
    raw = pd.read_parquet(tmp_path / "posts.parquet").set_index("post_id")
    for r in kept.head(20).itertuples():
        assert r.author_key == author_key(raw.loc[r.post_id, "author"], secret.encode())
    assert metrics["author_key_secret"] == secret_fingerprint(secret.encode())
    for f in ("c.parquet", "r.parquet"):
        assert secret.encode() not in (tmp_path / f).read_bytes()
    assert secret not in json.dumps(metrics)
    assert secret not in (tmp_path / "metrics" / "clean.json").read_text()
