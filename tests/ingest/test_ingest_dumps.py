"""Reddit dump reader (pipeline.ingest.dumps): real dumps, field drift and fault injection."""

from __future__ import annotations

import gzip
import io
import json
import logging
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
import zstandard

from pipeline.ingest import dumps
from pipeline.ingest.dumps import (
    DamagedFiles,
    DumpReadReport,
    TooManyBadRecords,
    expand_globs,
    read_dumps,
)
from pipeline.ingest.normalize import RECORD_COLUMNS, BadRecord, normalize_post
from pipeline.ingest.raw_columns import DTYPES
from pipeline.schemas import RAW_POSTS, validate
from shared_data import REDDIT_DUMPS
from stage_fixtures import dump_record as _record

DATA = REDDIT_DUMPS
ASKWOMEN = DATA / "AskWomen_submissions_2019-10.zst"
UFC = DATA / "ufc_submissions_2018-10.jsonl"
ASKWOMEN_RECORDS = 8271


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"real Reddit dump {path.name} not found in {DATA} (shared test data absent)")
    return path


@pytest.fixture(scope="module")
def askwomen_lines() -> list[bytes]:
    """The AskWomen dump decompressed, one bytes line per record (without the newline)."""
    raw = _need(ASKWOMEN).read_bytes()
    text = zstandard.ZstdDecompressor(max_window_size=2**31).decompressobj().decompress(raw)
    lines = text.split(b"\n")
    assert lines[-1] == b""
    return lines[:-1]


def _read(paths: list[Path], **kw: Any) -> tuple[pd.DataFrame, DumpReadReport]:
    kw.setdefault("progress", False)
    kw.setdefault("workers", 1)
    return read_dumps(paths, **kw)


def _zst(path: Path, data: bytes) -> Path:
    path.write_bytes(zstandard.ZstdCompressor(level=3).compress(data))
    return path


def _ndjson(records: list[Any]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


# ----------------------------------------------------------------------------- real dumps
def test_askwomen_dump_matches_the_documented_facts() -> None:
    frame, report = _read([_need(ASKWOMEN)], subreddits=["askwomen"])
    assert len(frame) == ASKWOMEN_RECORDS
    assert list(frame.columns) == list(DTYPES)
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        c: ("string" if t == "string" else t) for c, t in DTYPES.items()
    }
    assert (frame["selftext"] == "[removed]").sum() == 6643
    assert (frame["selftext"] == "[deleted]").sum() == 508
    assert (frame["selftext"] == "").sum() == 804
    assert frame["over_18"].sum() == 168
    assert (frame["removed_by_category"] == "deleted").sum() == 345
    assert frame["removed_by_category"].isna().sum() == ASKWOMEN_RECORDS - 345
    # removed: [removed]/[deleted] text, or a removal category
    marked = frame["selftext"].isin(["[removed]", "[deleted]"])
    assert (frame["removed"] == (marked | frame["removed_by_category"].notna())).all()
    assert frame["removed"].sum() >= 6643 + 508
    assert (frame["subreddit"] == "AskWomen").all()
    assert frame["post_id"].str.fullmatch(r"[0-9a-z]+").all()
    assert (frame["source_file"] == ASKWOMEN.name).all()
    assert sorted(frame["source_line"]) == list(range(1, ASKWOMEN_RECORDS + 1))
    assert frame["created_utc"].is_monotonic_increasing
    assert frame["retrieved_utc"].notna().all()
    (info,) = report.files
    assert info["name"] == ASKWOMEN.name
    assert info["lines"] == info["parsed"] == info["kept"] == ASKWOMEN_RECORDS
    assert info["bad"] == {} and report.total_bad == 0
    assert report.total_lines == report.total_kept == ASKWOMEN_RECORDS
    json.dumps(report.to_dict())  # JSON-serialisable
    validate(frame, RAW_POSTS)  # the raw/posts.parquet contract


def test_subreddit_filter_is_case_insensitive_and_accepts_r_prefix() -> None:
    lower, _ = _read([_need(ASKWOMEN)], subreddits=["askwomen"])
    for names in (["ASKWOMEN"], ["r/AskWomen"], ["AskWomen", "ufc"]):
        frame, _ = _read([ASKWOMEN], subreddits=names)
        pd.testing.assert_frame_equal(frame, lower)
    everything, _ = _read([ASKWOMEN])  # no filter: the same posts
    pd.testing.assert_frame_equal(everything, lower)


def test_ufc_jsonl_with_int_edited() -> None:
    frame, report = _read([_need(UFC)])
    assert len(frame) == 20 and report.total_bad == 0
    assert (frame["subreddit"] == "ufc").all()
    assert frame["permalink"].str.startswith("/r/ufc/comments/").all()  # escaped slashes
    assert frame["title"].str.contains("’").any()  # non-ASCII kept
    validate(frame, RAW_POSTS)


def test_filtering_everything_out_counts_the_skip() -> None:
    frame, report = _read([_need(ASKWOMEN), _need(UFC)], subreddits=["Advice"])
    assert frame.empty and list(frame.columns) == list(DTYPES)
    assert [f["skipped_other_subreddit"] for f in report.files] == [ASKWOMEN_RECORDS, 20]
    assert [f["parsed"] for f in report.files] == [0, 0]  # the prefilter decoded nothing
    assert report.total_kept == 0 and report.total_lines == ASKWOMEN_RECORDS + 20


def test_since_until_window(askwomen_lines: list[bytes]) -> None:
    full, _ = _read([_need(ASKWOMEN)])
    times = full["created_utc"]
    since, until = int(times.iloc[1000]), int(times.iloc[5000])
    frame, report = _read([ASKWOMEN], since=since, until=until)
    expected = full[(times >= since) & (times < until)].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected)
    assert frame["created_utc"].min() == since  # inclusive
    assert frame["created_utc"].max() < until  # exclusive
    assert report.files[0]["skipped_window"] == ASKWOMEN_RECORDS - len(frame)
    with pytest.raises(ValueError, match="empty time window"):
        _read([ASKWOMEN], since=until, until=since)


# ----------------------------------------------------------------------------- prefilter
def test_prefilter_never_drops_a_wanted_post(tmp_path: Path) -> None:
    nested_other = {"crosspost_parent_list": [_record("zz", subreddit="pics")], **_record("a1")}
    lines = [
        orjson.dumps(_record("a2")).replace(b'"subreddit":"Advice"', b'"subreddit" : "ADVICE"'),
        orjson.dumps(_record("a3", subreddit=None, subreddit_name_prefixed="r/Advice")),
        orjson.dumps(_record("a4", subreddit=None, permalink="/r/advice/comments/a4/x/")),
        orjson.dumps(nested_other),  # the other subreddit comes first on the line
        orjson.dumps(_record("a5")).replace(b'"Advice"', b'"Advic\\u0065"', 1),  # escaped
        orjson.dumps(_record("a6", subreddit="pics", title='"subreddit":"Advice"')),  # text
        orjson.dumps(_record("a7", subreddit="pics", is_subreddit="Advice")),
        orjson.dumps(_record("a8", subreddit="pics", crosspost_parent_list=[_record("a0")])),
        b'{"subreddit":"pics","id":"a9","created_utc":1}',
    ]
    path = tmp_path / "tricky.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    frame, report = _read([path], subreddits=["advice"])
    assert sorted(frame["post_id"]) == ["a1", "a2", "a3", "a4", "a5"]
    assert frame.set_index("post_id").loc["a4", "subreddit"] == "advice"
    info = report.files[0]
    assert info["kept"] == 5 and info["skipped_other_subreddit"] == 4
    assert info["parsed"] == 6  # a6, a7 and a9 were skipped without decoding
    unfiltered, _ = _read([path])
    assert len(unfiltered) == 9


def test_prefilter_matches_full_parsing_on_a_mixed_dump(
    tmp_path: Path, askwomen_lines: list[bytes]
) -> None:
    mixed = []
    for i, line in enumerate(askwomen_lines[:3000]):
        if i % 3 == 0:
            line = line.replace(b'"subreddit":"AskWomen"', b'"subreddit":"AskMen"')
        mixed.append(line)
    path = _zst(tmp_path / "mixed.zst", b"\n".join(mixed) + b"\n")
    filtered, report = _read([path], subreddits=["AskWomen"])
    everything, _ = _read([path])
    expected = everything[everything["subreddit"] == "AskWomen"].reset_index(drop=True)
    pd.testing.assert_frame_equal(filtered, expected)
    assert report.files[0]["skipped_other_subreddit"] == 1000
    assert report.files[0]["parsed"] == 2000


# ----------------------------------------------------------------------------- formats
@pytest.mark.slow
def test_gzip_plain_multiframe_and_json_array_copies_agree(
    tmp_path: Path, askwomen_lines: list[bytes]
) -> None:
    reference, _ = _read([_need(ASKWOMEN)])
    blob = b"\n".join(askwomen_lines) + b"\n"
    gz = tmp_path / "copy.jsonl.gz"
    gz.write_bytes(gzip.compress(blob))
    plain = tmp_path / "copy.ndjson"
    plain.write_bytes(blob.replace(b"\n", b"\r\n"))  # CRLF line ends
    half = len(askwomen_lines) // 2
    multi = tmp_path / "multi.zst"
    compressor = zstandard.ZstdCompressor(level=3)
    multi.write_bytes(
        compressor.compress(b"\n".join(askwomen_lines[:half]) + b"\n")
        + compressor.compress(b"\n".join(askwomen_lines[half:]) + b"\n")
    )
    array = tmp_path / "array.json"  # one JSON array, pretty-printed, ~17 MB
    array.write_text(json.dumps([json.loads(x) for x in askwomen_lines], indent=1))
    columns = [c for c in DTYPES if c != "source_file"]
    for path in (gz, plain, multi, array):
        frame, report = _read([path])
        assert report.total_bad == 0, (path.name, report.bad_examples)
        assert (frame["source_file"] == path.name).all()
        pd.testing.assert_frame_equal(frame[columns], reference[columns], obj=path.name)
    assert report.files[0]["format"] == "json-array"


@pytest.mark.parametrize("chunk_size", [997, 4096])
def test_lines_and_elements_cut_by_small_chunks(
    tmp_path: Path,
    askwomen_lines: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
    chunk_size: int,
) -> None:
    subset = askwomen_lines[:1500]
    plain = tmp_path / "subset.jsonl"
    plain.write_bytes(b"\n".join(subset))
    array = tmp_path / "subset.json"
    array.write_bytes(b"[" + b",\n".join(subset) + b"]")
    reference, _ = _read([plain])
    assert len(reference) == 1500
    columns = [c for c in DTYPES if c != "source_file"]
    monkeypatch.setattr(dumps, "CHUNK_SIZE", chunk_size)
    for path in (plain, array):
        for subreddits in (None, ["askwomen"]):
            frame, report = _read([path], subreddits=subreddits)
            assert report.total_bad == 0 and report.total_lines == 1500
            pd.testing.assert_frame_equal(frame[columns], reference[columns])


def test_small_json_array_and_empty_files(tmp_path: Path) -> None:
    array = tmp_path / "posts.json"
    array.write_bytes(b'\xef\xbb\xbf  [ {"id":"b1","subreddit":"Advice","created_utc":"5"},\n'
                      b'  {"id":"t3_B2","subreddit":"Advice","created_utc":6.5} ]\n')  # fmt: skip
    frame, report = _read([array])
    assert list(frame["post_id"]) == ["b1", "b2"]
    assert list(frame["created_utc"]) == [5, 6]
    assert list(frame["source_line"]) == [1, 2]  # element index in an array file
    empty_array = tmp_path / "empty.json"
    empty_array.write_bytes(b"[]")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\n\n  \n")
    frame, report = _read([empty_array, empty, blank])
    assert frame.empty and report.total_lines == 0 and report.total_bad == 0


# ----------------------------------------------------------------------------- bad input
def test_truncated_zst_keeps_everything_before_the_cut(tmp_path: Path) -> None:
    raw = _need(ASKWOMEN).read_bytes()
    cut = tmp_path / "truncated.zst"
    cut.write_bytes(raw[: len(raw) // 2])
    reference, _ = _read([ASKWOMEN])
    with pytest.raises(DamagedFiles, match="truncated.zst: truncated at line"):
        _read([cut])
    frame, report = _read([cut], allow_damaged_files=True)
    info = report.files[0]
    assert 1000 < len(frame) < ASKWOMEN_RECORDS
    assert info["bad"] == {} and report.total_bad == 0  # the damage is not a bad line
    assert info["lines"] == len(frame)  # the partial line cut by the damage is not a line
    assert sorted(frame["source_line"]) == list(range(1, len(frame) + 1))
    expected = reference[reference["source_line"] <= len(frame)].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame.drop(columns="source_file"),
                                  expected.drop(columns="source_file"))  # fmt: skip
    detail = "the zstd stream ends in the middle of a frame"
    size = cut.stat().st_size
    assert info["damage"] == {"kind": "truncated", "detail": detail, "line": len(frame) + 1,
                              "bytes_read": size, "size": size}  # fmt: skip
    assert report.damaged_files == [
        {"file": "truncated.zst", "kind": "truncated", "line": len(frame) + 1,
         "detail": detail, "kept": len(frame)}
    ]  # fmt: skip
    assert report.bad_examples == []


def test_truncated_gzip_and_corrupt_files(tmp_path: Path, askwomen_lines: list[bytes]) -> None:
    data = gzip.compress(b"\n".join(askwomen_lines) + b"\n")
    cut = tmp_path / "truncated.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    frame, report = _read([cut], allow_damaged_files=True)
    assert 1000 < len(frame) < ASKWOMEN_RECORDS
    assert report.files[0]["bad"] == {}
    damage = report.files[0]["damage"]
    assert damage["kind"] == "truncated" and damage["line"] == len(frame) + 1
    assert damage["detail"] == "the gzip stream ends before its end-of-stream marker"
    garbage = tmp_path / "garbage.zst"
    garbage.write_bytes(b"this is not zstd at all" * 10)
    with pytest.raises(DamagedFiles, match=r"garbage.zst: corrupt at line 1 .*not a zstd stream"):
        _read([garbage])
    _, report = _read([garbage], allow_damaged_files=True)
    assert report.files[0]["bad"] == {} and report.files[0]["lines"] == 0


def _faulty_dump(lines: list[bytes]) -> tuple[bytes, dict[int, str]]:
    """Real lines with bad ones inserted; returns the blob and {line number: reason}."""
    out = list(lines[:4000])
    record = json.loads(lines[0])
    no_id = {k: v for k, v in record.items() if k != "id"}
    no_time = {k: v for k, v in record.items() if k != "created_utc"}
    inserted = [
        (10, b"this is not json", "invalid_json"),
        (20, b"\xff\xfe garbage \x80", "invalid_utf8"),
        (30, lines[5].replace(b"[removed]", b"[remo\xc3\x28ved]"), "invalid_utf8"),
        (40, b"[" + lines[6] + b"]", "not_an_object"),
        (50, orjson.dumps(no_id), "missing_id"),
        (60, orjson.dumps(no_time), "missing_created_utc"),
        (70, lines[7][: len(lines[7]) // 2], "invalid_json"),  # a line cut in the middle
        (80, b'{"id": "x1", "body": "a comment", "subreddit": "AskWomen"}', "not_a_submission"),
        (90, b"", ""),  # blank lines are not records
        (91, b"   ", ""),
    ]
    expected = {}
    for number, line, reason in inserted:
        out.insert(number - 1, line)
        if reason:
            expected[number] = reason
    out.extend(lines[4000:])
    return b"\n".join(out), expected  # no final newline: the last record must still count


def test_bad_lines_are_counted_with_line_numbers(
    tmp_path: Path, askwomen_lines: list[bytes], caplog: pytest.LogCaptureFixture
) -> None:
    blob, expected = _faulty_dump(askwomen_lines)
    reference, _ = _read([_need(ASKWOMEN)])
    columns = [c for c in DTYPES if c not in ("source_file", "source_line")]
    plain = tmp_path / "faulty.jsonl"
    plain.write_bytes(blob)
    for path in (_zst(tmp_path / "faulty.zst", blob), plain):
        with caplog.at_level(logging.WARNING, logger="valact.ingest"):
            frame, report = _read([path], subreddits=["AskWomen"])
        assert len(frame) == ASKWOMEN_RECORDS  # every good record, the last one included
        pd.testing.assert_frame_equal(frame[columns], reference[columns])
        info = report.files[0]
        assert info["lines"] == ASKWOMEN_RECORDS + len(expected)
        assert info["blank"] == 2
        reasons: dict[str, int] = {}
        for reason in expected.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        assert info["bad"] == reasons
        assert {e["line"]: e["reason"] for e in report.bad_examples} == expected
        assert all(set(e) == {"file", "line", "reason", "detail"} for e in report.bad_examples)
        assert all(len(e["detail"]) <= 200 for e in report.bad_examples)
        for number, reason in expected.items():
            assert f"{path.name}:{number}: bad record skipped ({reason})" in caplog.text
        # source_line points at the physical line, after the inserted ones
        lines = blob.split(b"\n")
        sample = frame.sample(50, random_state=0)
        for post_id, number in zip(sample["post_id"], sample["source_line"], strict=True):
            assert json.loads(lines[int(number) - 1])["id"] == post_id
        caplog.clear()


def test_too_many_bad_records_only_past_the_limit(
    tmp_path: Path, askwomen_lines: list[bytes]
) -> None:
    blob, expected = _faulty_dump(askwomen_lines)
    path = _zst(tmp_path / "faulty.zst", blob)
    n_lines = ASKWOMEN_RECORDS + len(expected)
    share = len(expected) / n_lines
    frame, report = _read([path], max_bad_fraction=share)  # at the limit: fine
    assert len(frame) == ASKWOMEN_RECORDS and report.total_bad == len(expected)
    with pytest.raises(TooManyBadRecords) as info:
        _read([path, _need(UFC)], max_bad_fraction=share * 0.9)
    message = str(info.value)
    assert f"{len(expected)} of {n_lines + 20:,} lines" in message
    assert "faulty.zst: 8 bad of" in message and UFC.name not in message
    assert "max_bad_fraction" in message and "params.yaml" in message
    assert "faulty.zst:10 invalid_json" in message
    assert info.value.report.total_bad == len(expected)


def test_overlong_line_is_skipped_with_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dumps, "MAX_LINE_BYTES", 5_000)
    monkeypatch.setattr(dumps, "CHUNK_SIZE", 1_000)  # many chunks per line
    lines = [orjson.dumps(_record(f"c{i}")) for i in range(5)]
    lines.insert(2, b'{"id": "huge", "selftext": "' + b"x" * 20_000 + b'"}')
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    frame, report = _read([path], max_bad_fraction=0.5)
    assert sorted(frame["post_id"]) == [f"c{i}" for i in range(5)]
    assert report.bad_examples[0]["line"] == 3
    assert report.files[0]["bad"] == {"line_too_long": 1}
    assert sorted(frame["source_line"]) == [1, 2, 4, 5, 6]


def test_broken_json_array(tmp_path: Path) -> None:
    records = [_record(f"d{i}") for i in range(5)]
    text = json.dumps(records)
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"d3"') + 10])
    with pytest.raises(DamagedFiles, match="cut.json: truncated at line 4"):
        _read([cut])
    frame, report = _read([cut], allow_damaged_files=True)
    assert list(frame["post_id"]) == ["d0", "d1", "d2"]
    assert report.files[0]["bad"] == {}
    assert report.damaged_files[0]["kind"] == "truncated"
    assert report.damaged_files[0]["line"] == 4  # the element the damage is in
    unclosed = tmp_path / "unclosed.json"
    unclosed.write_text(text[: text.index('{"id": "d3"')])
    _, report = _read([unclosed], allow_damaged_files=True)
    assert report.files[0]["kept"] == 3
    assert report.damaged_files[0]["detail"] == "the JSON array is not closed"
    broken = tmp_path / "broken.json"
    broken.write_text(text.replace('"d2"', "d2", 1))
    frame, report = _read([broken], max_bad_fraction=1.0)
    assert list(frame["post_id"]) == ["d0", "d1"]
    assert report.bad_examples[0]["line"] == 3
    assert report.files[0]["bad"] == {"invalid_json": 1}


# ----------------------------------------------------------------------------- rescans
def test_rescans_keep_one_post_and_prefer_real_text(tmp_path: Path) -> None:
    old = tmp_path / "RS_2020-01.jsonl"
    new = tmp_path / "RS_2020-02.jsonl"
    old.write_bytes(
        _ndjson(
            [
                _record("e1", retrieved_on=100, score=1),
                _record("e2", retrieved_on=100, score=1),
                _record("e3", retrieved_on=100, score=1),
            ]
        )
    )
    new.write_bytes(
        _ndjson(
            [
                _record("e1", retrieved_on=None, retrieved_utc=200, score=9, selftext="[deleted]"),
                _record("e2", retrieved_on=200, score=9),  # newer retrieval wins
                _record("e3", retrieved_on=100, score=5),  # same retrieval: later file wins
            ]
        )
    )
    frame, report = _read([old, new])
    posts = frame.set_index("post_id")
    assert report.duplicates_dropped == 3 and len(frame) == 3
    assert posts.loc["e1", "selftext"] == "text of e1" and posts.loc["e1", "score"] == 1
    assert posts.loc["e1", "source_file"] == old.name
    assert posts.loc["e2", "score"] == 9 and posts.loc["e3", "score"] == 5
    assert [f["kept"] for f in report.files] == [3, 3] and report.total_kept == 3
    again, _ = _read([new, old])  # file order only breaks exact ties
    assert again.set_index("post_id").loc["e3", "score"] == 1
    assert again.set_index("post_id").loc["e1", "selftext"] == "text of e1"


@pytest.mark.slow
def test_workers_do_not_change_the_output(tmp_path: Path, askwomen_lines: list[bytes]) -> None:
    gz = tmp_path / "rescan.jsonl.gz"
    gz.write_bytes(gzip.compress(b"\n".join(askwomen_lines[::7]).replace(b"[deleted]", b"")))
    paths = [_need(ASKWOMEN), gz, _need(UFC)]
    one, report_one = _read(paths, workers=1)
    two, report_two = _read(paths, workers=2)
    pd.testing.assert_frame_equal(one, two)
    assert report_one.to_dict() == report_two.to_dict()
    assert report_one.duplicates_dropped == len(askwomen_lines[::7])
    assert [f["name"] for f in report_two.files] == [p.name for p in paths]


def test_worker_logs_and_progress_reach_the_parent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "a.jsonl"
    first.write_bytes(_ndjson([_record("f1")]) + b"not json\n" + _ndjson([_record("f2")]))
    second = tmp_path / "b.jsonl"
    second.write_bytes(_ndjson([_record("f3")]))
    with caplog.at_level(logging.INFO, logger="valact.ingest"):
        frame, report = read_dumps([first, second], workers=2, progress=True,
                                   max_bad_fraction=0.5)  # fmt: skip
    assert len(frame) == 3 and report.total_bad == 1
    assert "a.jsonl:2: bad record skipped (invalid_json)" in caplog.text
    assert "lines/s" in capsys.readouterr().err


# ----------------------------------------------------------------------------- normalize
def test_normalize_handles_field_drift() -> None:
    row = dict(
        zip(
            RECORD_COLUMNS,
            normalize_post(
                {
                    "id": "t3_AbC12",
                    "subreddit_name_prefixed": "r/Advice",
                    "created_utc": "1600000000.0",
                    "retrieved_utc": 5,
                    "retrieved_on": "7",
                    "score": None,
                    "num_comments": "12",
                    "over_18": 1,
                    "stickied": "false",
                    "edited": 1600000100.5,
                    "selftext": None,
                    "title": 1984,
                    "domain": "self.Advice",
                    "removed_by_category": "",
                    "distinguished": "moderator",
                }
            ),
            strict=True,
        )
    )
    assert row["post_id"] == "abc12" and row["subreddit"] == "Advice"
    assert row["created_utc"] == 1_600_000_000 and row["retrieved_utc"] == 7
    assert row["score"] is None and row["num_comments"] == 12
    assert row["over_18"] is True and row["stickied"] is False
    assert row["selftext"] == "" and row["title"] == "1984"
    assert row["is_self"] is True  # missing: inferred from the self.* domain
    assert row["removed_by_category"] is None and row["removed"] is False
    assert row["author"] is None and row["distinguished"] == "moderator"

    base = {"id": "x", "subreddit": "a", "created_utc": 1}
    assert normalize_post({**base, "name": "t3_y"})[0] == "x"
    assert normalize_post({"name": "t3_y", "subreddit": "a", "created_utc": 1})[0] == "y"
    assert normalize_post({**base, "selftext": "[deleted]"})[13] is True
    assert normalize_post({**base, "title": "[deleted]"})[13] is True
    assert normalize_post({**base, "removed_by_category": "moderator"})[13] is True
    assert normalize_post({**base, "url": "https://i.redd.it/x.jpg"})[10] is False  # link post
    # the time of a request (API route) replaces the record's own retrieval fields
    fetched = normalize_post({**base, "retrieved_on": 7}, retrieved_utc=9)
    assert fetched[RECORD_COLUMNS.index("retrieved_utc")] == 9
    assert normalize_post({**base, "retrieved_on": 7})[RECORD_COLUMNS.index("retrieved_utc")] == 7
    for bad, reason in [
        ([1], "not_an_object"),
        ({**base, "id": None}, "missing_id"),
        ({**base, "id": 12}, "bad_id"),
        ({**base, "id": "no spaces"}, "bad_id"),
        ({**base, "subreddit": None}, "missing_subreddit"),
        ({**base, "created_utc": None}, "missing_created_utc"),
        ({**base, "created_utc": "soon"}, "bad_created_utc"),
        ({**base, "created_utc": True}, "bad_created_utc"),
        ({**base, "created_utc": -5}, "bad_created_utc"),
    ]:
        with pytest.raises(BadRecord) as info:
            normalize_post(bad)
        assert info.value.reason == reason


# ----------------------------------------------------------------------------- globs, args
def test_expand_globs(tmp_path: Path) -> None:
    for name in ("RS_2020-02.zst", "RS_2020-01.zst", "sub/RS_2020-03.jsonl", "notes.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    found = expand_globs(["RS_*.zst", "**/*.jsonl", "RS_2020-01.zst"], tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "RS_2020-01.zst", "RS_2020-02.zst", "sub/RS_2020-03.jsonl"
    ]  # fmt: skip
    assert expand_globs([str(tmp_path / "*.txt")], Path("/")) == [tmp_path / "notes.txt"]
    with pytest.raises(FileNotFoundError, match=r"'RC_\*\.zst' matched no files"):
        expand_globs(["RS_*.zst", "RC_*.zst"], tmp_path)


def test_argument_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="missing.zst"):
        _read([tmp_path / "missing.zst"])
    path = tmp_path / "ok.jsonl"
    path.write_bytes(_ndjson([_record("g1")]))
    with pytest.raises(ValueError, match="max_bad_fraction"):
        _read([path], max_bad_fraction=2)
    with pytest.raises(ValueError, match="not a subreddit name"):
        _read([path], subreddits=['bad"name'])
    with pytest.raises(TypeError):
        _read([path], subreddits="Advice")  # type: ignore[arg-type]
    frame, _ = _read([])
    assert frame.empty and list(frame.columns) == list(DTYPES)
    assert len(_read([path], subreddits=[])[0]) == 1  # empty filter keeps everything


def test_zstd_stream_reader_is_not_used_for_truncation() -> None:
    """Documents why the reader uses decompressobj: stream_reader hides a truncated frame."""
    data = b"".join(b'{"a": %d}\n' % i for i in range(200_000))  # several zstd blocks
    cut = zstandard.ZstdCompressor().compress(data)[:-100]
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(cut))
    assert 0 < len(reader.read()) < len(data)  # a clean EOF from stream_reader...
    dobj = zstandard.ZstdDecompressor().decompressobj()
    dobj.decompress(cut)
    assert not dobj.eof  # ...while decompressobj tells
