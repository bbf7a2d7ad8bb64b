"""Damaged dump files (truncated, corrupt, not a dump at all): a file-level error by default,
kept up to the damage and recorded (metrics, summary, card) with ingest.allow_damaged_files."""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
import yaml
import zstandard
from typer.testing import CliRunner

from pipeline.annotate.stage import run as annotate_run
from pipeline.artifacts import write_frame
from pipeline.assemble.stage import run as assemble_run
from pipeline.build.stage import run as build_run
from pipeline.build.summary import summary
from pipeline.cli import app
from pipeline.ingest.dumps import DamagedFiles, TooManyBadRecords, read_dumps
from pipeline.ingest.stage import run as ingest_run
from pipeline.params import Params, load_params
from pipeline.review.stage import run as review_run
from pipeline.schemas import UNIQUE_POSTS
from shared_data import REDDIT_DUMPS
from stage_fixtures import dump_record, seed_upstream_metrics, unique_posts

ADVICE = REDDIT_DUMPS / "Advice_top_submissions.zst"
ADVICE_RECORDS = 1000
N_GOOD = 40
N_CUT = 3000  # records in the file before it is cut: about 10 zstd blocks
ZSTD_CUT = "the zstd stream ends in the middle of a frame"


def _record(post_id: str, rng: random.Random) -> dict[str, Any]:
    words = " ".join(rng.choice(("advice", "job", "move", "sister", "money")) for _ in range(60))
    return dump_record(post_id, selftext=f"{words} {post_id}",
                       created_utc=1_600_000_000 + int(post_id[1:]))


def _ndjson(prefix: str, n: int) -> bytes:
    rng = random.Random(prefix)
    return b"".join(orjson.dumps(_record(f"{prefix}{i:05d}", rng)) + b"\n" for i in range(n))


def _zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(data)


@pytest.fixture()
def dumps_dir(tmp_path: Path) -> Path:
    """good.zst (intact), truncated.zst (cut mid-frame), random.* (seeded random bytes)."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "good.zst").write_bytes(_zstd(_ndjson("g", N_GOOD)))
    whole = _zstd(_ndjson("t", N_CUT))
    (folder / "truncated.zst").write_bytes(whole[: len(whole) // 2])
    noise = random.Random(12).randbytes(5000)
    for suffix in (".zst", ".gz", ".jsonl"):
        (folder / f"random{suffix}").write_bytes(noise)
    return folder


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _write_params(workdir: Path, files: list[Path], allow: bool) -> None:
    ingest = {
        "source": "dump",
        "paths": [str(f) for f in files],
        "subreddits": ["Advice"],
        "workers": 2,  # the damage report comes back from the worker processes
        "allow_damaged_files": allow,
    }
    (workdir / "params.yaml").write_text(yaml.safe_dump({"ingest": ingest}))


def _cli_ingest(workdir: Path, files: list[Path], allow: bool) -> Any:
    _write_params(workdir, files, allow)
    return CliRunner().invoke(app, ["ingest", "--no-progress"])


def _outputs(workdir: Path) -> dict[str, bytes]:
    return {p: (workdir / p).read_bytes() for p in ("raw/posts.parquet", "metrics/ingest.json")}


def _ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(n)]


# ----------------------------------------------------------------------------- default: fail
def test_truncated_file_fails_the_stage_and_leaves_outputs(workdir: Path, dumps_dir: Path) -> None:
    good, cut = dumps_dir / "good.zst", dumps_dir / "truncated.zst"
    first = _cli_ingest(workdir, [good], allow=False)
    assert first.exit_code == 0, first.output
    before = _outputs(workdir)

    result = _cli_ingest(workdir, [cut, good], allow=False)
    assert result.exit_code == 1
    # the error, without the log lines (they name every file read)
    message = "\n".join(line for line in result.output.splitlines()
                        if not re.match(r"^\d{4}-\d\d-\d\d \d\d:", line))
    assert "valact ingest: 1 damaged dump file(s)" in message
    assert "truncated.zst: truncated at line " in message and ZSTD_CUT in message
    assert "good.zst" not in message.split("Re-download")[0]  # only damaged files are named
    assert "Re-download" in message and "ingest.allow_damaged_files: true" in message
    assert "raise the limit" not in message  # not the max_bad_fraction advice
    assert _outputs(workdir) == before  # nothing replaced


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("random.zst", "not a zstd stream"),
        ("random.gz", "not a gzip stream"),
        ("random.jsonl", "binary content, not an NDJSON, zstd or gzip dump"),
    ],
)
def test_random_bytes_file_fails_the_stage(
    workdir: Path, dumps_dir: Path, name: str, what: str
) -> None:
    good = dumps_dir / "good.zst"
    assert _cli_ingest(workdir, [good], allow=False).exit_code == 0
    before = _outputs(workdir)
    for files in ([dumps_dir / name, good], [dumps_dir / name]):  # next to a good one, alone
        result = _cli_ingest(workdir, files, allow=False)
        assert result.exit_code == 1
        assert f"{name}: corrupt at line 1 " in result.output and what in result.output
        assert "ingest.allow_damaged_files: true" in result.output
        assert "bad of" not in result.output and "raise the limit" not in result.output
        assert _outputs(workdir) == before


def test_damaged_files_error_from_the_stage_function(dumps_dir: Path, tmp_path: Path) -> None:
    params = Params()
    ingest = replace(
        params.ingest,
        source="dump",
        paths=(str(dumps_dir / "truncated.zst"), str(dumps_dir / "random.zst")),
        workers=1,
    )
    out = tmp_path / "posts.parquet"
    with pytest.raises(DamagedFiles) as info:
        ingest_run(replace(params, ingest=ingest), out=out, progress=False)
    damaged = info.value.report.damaged_files  # the stage sorts the files it is given
    assert [(d["file"], d["kind"]) for d in damaged] == [
        ("random.zst", "corrupt"),
        ("truncated.zst", "truncated"),
    ]
    assert not out.exists()


# ----------------------------------------------------------------------------- allowed
def _allowed_ingest(workdir: Path, dumps_dir: Path) -> dict[str, Any]:
    files = [dumps_dir / "truncated.zst", dumps_dir / "random.zst", dumps_dir / "good.zst"]
    result = _cli_ingest(workdir, files, allow=True)
    assert result.exit_code == 0, result.output
    return json.loads((workdir / "metrics" / "ingest.json").read_text())


def test_allowed_damage_keeps_complete_records_and_records_it(
    workdir: Path, dumps_dir: Path
) -> None:
    metrics = _allowed_ingest(workdir, dumps_dir)
    posts = pd.read_parquet(workdir / "raw" / "posts.parquet")
    by_file = posts.groupby("source_file")["post_id"].apply(sorted).to_dict()
    assert by_file["good.zst"] == _ids("g", N_GOOD)  # every record of the good file
    kept = len(by_file["truncated.zst"])
    assert 0 < kept < N_CUT
    assert by_file["truncated.zst"] == _ids("t", kept)  # the complete records before the cut
    assert "random.zst" not in by_file

    assert metrics["files_damaged"] == 2 and metrics["posts_ingested"] == N_GOOD + kept
    report = metrics["report"]
    assert report["damaged_files"] == [  # in file order (the stage sorts the paths)
        {"file": "random.zst", "kind": "corrupt", "line": 1, "kept": 0,
         "detail": "not a zstd stream (zstd decompressor error: Unknown frame descriptor)"},
        {"file": "truncated.zst", "kind": "truncated", "line": kept + 1, "detail": ZSTD_CUT,
         "kept": kept},
    ]  # fmt: skip
    files = {f["name"]: f for f in report["files"]}
    assert files["truncated.zst"]["damage"]["line"] == kept + 1
    assert files["truncated.zst"]["lines"] == kept and files["truncated.zst"]["bad"] == {}
    assert files["random.zst"]["damage"]["kind"] == "corrupt"
    assert files["good.zst"]["damage"] is None
    assert report["total_bad"] == 0  # damage is not counted against max_bad_fraction


def test_damage_shows_in_summary_and_card(workdir: Path, dumps_dir: Path) -> None:
    ingest_metrics = _allowed_ingest(workdir, dumps_dir)
    kept = ingest_metrics["report"]["damaged_files"][1]["kept"]  # truncated.zst
    # the later stages on synthetic posts: only the ingest metrics matter here
    params = load_params()
    params = replace(params, assemble=replace(params.assemble, scenarios=10, allow_smaller=True))
    seed_upstream_metrics(workdir, ("clean", "dedupe"))  # ingest ran above, on the damaged dump
    write_frame(unique_posts(20), workdir / "unique.parquet", UNIQUE_POSTS)
    annotate_run(params, src=workdir / "unique.parquet", out=workdir / "ann.parquet",
                 progress=False)  # fmt: skip
    review_run(params, src=workdir / "ann.parquet", decisions_dir=workdir / "none",
               reviewed_out=workdir / "rev.parquet", queue_out=workdir / "queue.jsonl")  # fmt: skip
    assemble_run(params, src=workdir / "rev.parquet", out=workdir / "sel.parquet")
    out = workdir / "processed" / "valact-15k"
    build_run(params, src=workdir / "sel.parquet", out_dir=out)

    build_metrics = json.loads((workdir / "processed" / "metrics.json").read_text())
    assert build_metrics["damaged_files"] == ingest_metrics["report"]["damaged_files"]
    text = summary()
    assert (
        "damaged files:      random.zst corrupt at line 1 (0 kept); "
        f"truncated.zst truncated at line {kept + 1:,} ({kept:,} kept)"
    ) in text
    card = (out / "README.md").read_text()
    ingest_section = card.split("### 1. Ingest")[1].split("### 2. Clean")[0]
    assert "**2 damaged input file(s)**" in ingest_section
    assert "`ingest.allow_damaged_files` was true" in ingest_section
    assert f"| `truncated.zst` | truncated | {ZSTD_CUT} | {kept + 1:,} | {kept:,} |" in card
    assert "| `random.zst` | corrupt | not a zstd stream" in ingest_section


def test_no_damage_in_summary_and_card_of_an_intact_build() -> None:
    from pipeline.build.card import _damaged_md
    from pipeline.build.summary import format_summary
    from pipeline.stage_metrics import IngestMetrics, read

    assert "damaged files:      none" in format_summary({})
    intact = read(IngestMetrics, Path(__file__).resolve().parents[2] / "metrics")  # the sample's
    assert intact.report["damaged_files"] == [] and _damaged_md(intact) == ""


# ----------------------------------------------------------------------------- reader
def _read(paths: list[Path], **kw: Any) -> Any:
    kw.setdefault("progress", False)
    kw.setdefault("workers", 1)
    return read_dumps(paths, **kw)


def test_workers_report_the_same_damage(dumps_dir: Path) -> None:
    paths = [dumps_dir / n for n in ("truncated.zst", "random.jsonl", "good.zst")]
    one, report_one = _read(paths, allow_damaged_files=True)
    two, report_two = _read(paths, allow_damaged_files=True, workers=3)
    pd.testing.assert_frame_equal(one, two)
    assert report_one.to_dict() == report_two.to_dict()
    assert [d["file"] for d in report_two.damaged_files] == ["truncated.zst", "random.jsonl"]


def test_corrupt_frame_in_the_middle_keeps_the_frames_before(tmp_path: Path) -> None:
    frames = [_zstd(_ndjson(f"{c}", 50)) for c in "abc"]  # three frames, one of 50 posts each
    middle = bytearray(frames[1])
    middle[len(middle) // 2 :] = random.Random(3).randbytes(len(middle) - len(middle) // 2)
    path = tmp_path / "multi.zst"
    path.write_bytes(frames[0] + bytes(middle) + frames[2])
    with pytest.raises(DamagedFiles, match="multi.zst: corrupt at line"):
        _read([path])
    frame, report = _read([path], allow_damaged_files=True)
    assert set(_ids("a", 50)) <= set(frame["post_id"])
    assert not any(i.startswith("c") for i in frame["post_id"])  # nothing after the damage
    damage = report.files[0]["damage"]
    assert damage["kind"] == "corrupt" and damage["line"] == len(frame) + 1
    assert damage["detail"].startswith("a zstd frame cannot be decompressed")


def test_truncated_gzip_and_binary_plain_files(tmp_path: Path) -> None:
    data = gzip.compress(_ndjson("z", 2000))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    xz = tmp_path / "RS_2020-01.jsonl"  # an xz file given a wrong name
    xz.write_bytes(b"\xfd7zXZ\x00" + random.Random(5).randbytes(3000))
    with pytest.raises(DamagedFiles) as info:
        _read([cut, xz])
    message = str(info.value)
    assert "2 damaged dump file(s)" in message
    assert "cut.jsonl.gz: truncated at line" in message and "end-of-stream marker" in message
    assert "RS_2020-01.jsonl: corrupt at line 1" in message
    assert "it starts like a file in xz format" in message
    binary_gz = tmp_path / "binary.jsonl.gz"
    binary_gz.write_bytes(gzip.compress(random.Random(6).randbytes(3000)))
    with pytest.raises(DamagedFiles, match="the gzip stream decompresses to binary content"):
        _read([binary_gz])
    frame, report = _read([cut, xz], allow_damaged_files=True)
    assert 0 < len(frame) < 2000
    assert sorted(frame["post_id"]) == _ids("z", len(frame))


def test_bad_lines_keep_their_meaning_next_to_damage(tmp_path: Path, dumps_dir: Path) -> None:
    """max_bad_fraction counts malformed lines in intact files, never the damage."""
    faulty = tmp_path / "faulty.jsonl"
    faulty.write_bytes(_ndjson("f", 10) + b"not json\n\xff\xfe\n" + _ndjson("h", 10)[:-1])
    paths = [dumps_dir / "truncated.zst", faulty]
    with pytest.raises(TooManyBadRecords, match="faulty.jsonl: 2 bad of 22"):
        _read(paths, allow_damaged_files=True, max_bad_fraction=0.0)
    frame, report = _read(paths, allow_damaged_files=True, max_bad_fraction=0.01)
    assert report.total_bad == 2 and report.files[1]["damage"] is None
    # an intact file's last line without a newline is still a record
    assert "h00009" in set(frame["post_id"])


def test_real_dump_cut_in_the_middle(tmp_path: Path) -> None:
    if not ADVICE.is_file():
        pytest.skip(f"real Reddit dump {ADVICE.name} not found in {REDDIT_DUMPS} "
                    "(shared test data ../shared/data absent)")  # fmt: skip
    whole = tmp_path / ADVICE.name
    whole.write_bytes(ADVICE.read_bytes())
    reference, _ = _read([whole])
    assert len(reference) == ADVICE_RECORDS
    raw = whole.read_bytes()
    cut = tmp_path / "Advice_cut.zst"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DamagedFiles, match=f"Advice_cut.zst: truncated at line .*{ZSTD_CUT}"):
        _read([cut])
    frame, report = _read([cut], allow_damaged_files=True)
    assert 0 < len(frame) < ADVICE_RECORDS
    # every record kept is complete: identical to the same record read from the intact file
    expected = reference[reference["source_line"] <= len(frame)].reset_index(drop=True)
    assert sorted(frame["source_line"]) == list(range(1, len(frame) + 1))
    columns = [c for c in frame.columns if c != "source_file"]
    pd.testing.assert_frame_equal(frame[columns], expected[columns])
    assert report.damaged_files[0]["line"] == len(frame) + 1
