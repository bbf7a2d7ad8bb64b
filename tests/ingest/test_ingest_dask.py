"""Ingest on the executor and on Dask (pipeline.ingest.parts, pipeline.ingest.zstd_frames):
zstd frame boundaries found without decompressing, multi-frame files read in pieces with
the lines that straddle pieces stitched, and the same raw/posts.parquet and
metrics/ingest.json bytes from the local engine (1 and 2 workers) and Dask (1 and 2
workers), also when a Dask worker is killed while it reads."""

from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
import zstandard

from pipeline.execution import InProcess, WorkerLost
from pipeline.ingest import parts
from pipeline.ingest.dumps import SNIFF_BYTES, DamagedFiles, _wanted, read_dumps
from pipeline.ingest.stage import run as ingest_run
from pipeline.ingest.zstd_frames import frame_spans, group_spans, zstd_pieces
from pipeline.params import ExecutionParams, Params
from shared_data import REDDIT_DUMPS
from stage_fixtures import dump_record

REPO = Path(__file__).resolve().parents[2]
SUBREDDITS = ("Advice", "jobs", "AskWomen", "other")


# ----------------------------------------------------------------------------- builders
def _ndjson_lines(prefix: str, n: int, seed: int) -> list[bytes]:
    """``n`` submission lines of mixed subreddits and lengths (some over 1 KiB)."""
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(("advice", "job", "sister", "money", "é")) for _ in range(n))
             for n in (3, 40, 400) for _ in range(10)]  # fmt: skip
    lines = []
    for i in range(n):
        rec = dump_record(
            f"{prefix}{i:06d}",
            subreddit=rng.choice(SUBREDDITS),
            selftext=rng.choice(texts),
            created_utc=1_600_000_000 + rng.randrange(10**6),
        )
        lines.append(orjson.dumps(rec))
    return lines


def _frames(data: bytes, cuts: list[int], skippable_after: int | None = None) -> bytes:
    """``data`` compressed as one zstd frame per ``cuts`` segment (one checksummed, one
    without content size), a skippable frame after frame ``skippable_after``."""
    bounds = [0, *cuts, len(data)]
    out = []
    for k, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        cctx = zstandard.ZstdCompressor(level=1, write_checksum=k % 2 == 1,
                                        write_content_size=k % 3 != 2)  # fmt: skip
        out.append(cctx.compress(data[a:b]))
        if k == skippable_after:
            out.append(struct.pack("<II", 0x184D2A53, 6) + b"skip!!")
    return b"".join(out)


def _mid(data: bytes, start: int, into: int) -> int:
    """A byte offset ``into`` bytes into the first line starting after ``start``."""
    return data.index(b"\n", start) + 1 + into


def multi_frame_dump(path: Path) -> Path:
    """A dump of 12 frames cut anywhere: mid-line, at and just after a newline, a frame that
    lies inside one line (that line spans three frames), with a bad line, a rescanned post
    (its older copy in another frame), a blank line and a final line without newline."""
    lines = _ndjson_lines("m", 1500, seed=7)
    for i in (10, 20):  # older copies of the rescanned posts below
        lines[i] = orjson.dumps(dump_record(f"m{i:06d}", subreddit="Advice", selftext="old",
                                            created_utc=1_600_000_000 + i))  # fmt: skip
    lines[40] = b"{not json"
    lines[700] = b""
    # m000010 rescanned later in the file (newer retrieval, real text): the later copy wins
    lines[1200] = orjson.dumps(dump_record("m000010", subreddit="Advice", selftext="rescan",
                                           created_utc=1_600_000_010,
                                           retrieved_on=1_700_000_000))  # fmt: skip
    data = b"\n".join(lines)  # no newline after the last line
    step = len(data) // 12
    first = max(step, SNIFF_BYTES + 1000)
    long_line = data.index(b"\n", 5 * step) + 1  # a line over 1 KiB holds a whole frame
    while data.index(b"\n", long_line) - long_line < 1000:
        long_line = data.index(b"\n", long_line) + 1
    cuts = [
        _mid(data, first, 17),
        data.index(b"\n", 2 * step),  # the newline starts the next frame
        data.index(b"\n", 3 * step) + 1,  # the next frame starts with a line
        _mid(data, 4 * step, 300),
        long_line + 100,
        long_line + 400,  # the frame in between holds the middle of one line
        _mid(data, 7 * step, 1),
        _mid(data, 8 * step, 50),
        _mid(data, 9 * step, 2),
        _mid(data, 10 * step, 90),
        _mid(data, 11 * step, 5),
    ]
    assert cuts == sorted(set(cuts))
    path.write_bytes(_frames(data, cuts, skippable_after=3))
    return path


def second_dump(path: Path) -> Path:
    """A single-frame file holding a post also in the multi-frame dump: [removed] here, so the
    multi-frame file's copy (real text) wins although this file is later."""
    lines = _ndjson_lines("s", 200, seed=8)
    lines.append(orjson.dumps(dump_record("m000020", subreddit="Advice", selftext="[removed]",
                                          retrieved_on=1_800_000_000)))  # fmt: skip
    path.write_bytes(zstandard.ZstdCompressor(level=3).compress(b"\n".join(lines) + b"\n"))
    return path


def corrupt_middle_frame(source: Path, path: Path) -> Path:
    """``source`` with the content of the first block of its fourth frame (checksummed)
    overwritten: the frame and block headers stay valid, decompression fails."""
    raw = bytearray(source.read_bytes())
    spans = [s for s in frame_spans(io.BytesIO(bytes(raw))) or [] if not s[2]]
    start = spans[3][0]
    block = start + zstandard.frame_header_size(bytes(raw[start : start + 18]))
    (header,) = struct.unpack("<I", bytes(raw[block : block + 3]) + b"\x00")
    assert (header >> 1) & 3 == 2  # a compressed block
    content = block + 3
    size = header >> 3
    raw[content + 10 : content + size - 10] = random.Random(3).randbytes(size - 20)
    path.write_bytes(bytes(raw))
    return path


def truncated(source: Path, path: Path) -> Path:
    """``source`` cut in the middle of its fifth frame."""
    raw = source.read_bytes()
    spans = [s for s in frame_spans(io.BytesIO(raw)) or [] if not s[2]]
    start, end, _ = spans[4]
    path.write_bytes(raw[: (start + end) // 2])
    return path


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("dumps")
    multi = multi_frame_dump(folder / "RS_multi.zst")
    return {
        "multi": multi,
        "second": second_dump(folder / "RS_second.zst"),
        "corrupt": corrupt_middle_frame(multi, folder / "RS_corrupt.zst"),
        "truncated": truncated(multi, folder / "RS_truncated.zst"),
    }


@pytest.fixture()
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every frame its own piece (real dumps' pieces hold at least 16 MiB)."""
    monkeypatch.setattr(parts, "MIN_PIECE_BYTES", 1)


# ----------------------------------------------------------------------------- frames
def test_frame_spans_walk_headers_blocks_checksums_and_skippable_frames() -> None:
    rng = random.Random(1)
    pieces = [rng.randbytes(300_000), b"abc" * 100_000, b"x" * 10, b""]
    skip = struct.pack("<II", 0x184D2A5F, 3) + b"abc"
    frames = [
        zstandard.ZstdCompressor(level=3, write_checksum=True, write_content_size=False)
        .compress(pieces[0]),  # raw blocks (incompressible), a checksum, no content size
        zstandard.ZstdCompressor(level=19).compress(pieces[1]),  # RLE / compressed blocks
        zstandard.ZstdCompressor(level=1).compress(pieces[2]),  # single segment
        zstandard.ZstdCompressor(level=1).compress(pieces[3]),  # an empty frame
    ]  # fmt: skip
    data = skip + frames[0] + frames[1] + skip + frames[2] + frames[3]
    spans = frame_spans(io.BytesIO(data))
    assert spans is not None
    ends = [0]
    for size in (len(skip), *map(len, frames[:2]), len(skip), *map(len, frames[2:])):
        ends.append(ends[-1] + size)
    assert [(a, b) for a, b, _ in spans] == list(zip(ends, ends[1:], strict=False))
    assert [s for _, _, s in spans] == [True, False, False, True, False, False]
    for (a, b, skippable), content in zip(
        [s for s in spans if not s[2]], pieces, strict=True
    ):  # each span decompresses on its own to its frame's content
        assert zstandard.ZstdDecompressor().decompressobj().decompress(data[a:b]) == content
        assert not skippable
    # a leading skippable frame joins the first piece, a trailing small piece the one before
    assert group_spans(spans, 1) == [(0, ends[2]), (ends[2], ends[4]), (ends[4], ends[5]),
                                     (ends[5], ends[6])]  # fmt: skip
    assert group_spans(spans, 1000) == [(0, ends[6])]
    assert group_spans(spans, 10**9) == [(0, ends[6])]


@pytest.mark.parametrize(
    "damage", ["cut", "extra", "garbage", "reserved"], ids=lambda d: f"{d}-not-split"
)
def test_files_that_are_not_whole_frames_are_not_split(tmp_path: Path, damage: str) -> None:
    c = zstandard.ZstdCompressor(level=3)
    data = c.compress(b"a" * 1000 + b"\n") + c.compress(random.Random(2).randbytes(5000))
    data = {
        "cut": data[:-10],
        "extra": data + b"\x00",
        "garbage": data[:20] + b"\x11" * 40 + data[60:],
        "reserved": data[:4] + bytes([data[4] | 0x08]) + data[5:],
    }[damage]
    path = tmp_path / "x.zst"
    path.write_bytes(data)
    assert zstd_pieces(path, 1) is None


# ----------------------------------------------------------------------------- pieces
def _pieces_in_process(paths: list[Path], scratch: Path, subreddits: Any) -> Any:
    wanted = _wanted(subreddits)
    tasks = [(str(p), i, wanted, None, None) for i, p in enumerate(paths)]
    return parts.read_pieces(InProcess(), tasks, scratch)


@pytest.mark.parametrize("subreddits", [None, ["Advice", "jobs"]], ids=["all", "filtered"])
def test_pieces_equal_the_whole_file(
    dumps: dict[str, Path], tmp_path: Path, small_pieces: None, subreddits: Any
) -> None:
    paths = [dumps["multi"], dumps["second"]]
    assert len(zstd_pieces(dumps["multi"], 1) or []) == 12  # the skippable frame joins one
    reference, report = read_dumps(paths, subreddits=subreddits, workers=1, progress=False)
    results, frame, dropped = _pieces_in_process(paths, tmp_path, subreddits)
    pd.testing.assert_frame_equal(frame, reference)
    assert [r.stats for r in results] == report.files
    assert [e for r in results for e in r.examples] == report.bad_examples
    assert dropped == report.duplicates_dropped == 2
    assert report.files[0]["bad"] == {"invalid_json": 1} and report.files[0]["blank"] == 1
    rescan = frame.set_index("post_id").loc["m000010"]
    assert rescan["selftext"] == "rescan" and rescan["source_line"] == 1201
    assert frame.set_index("post_id").loc["m000020", "source_file"] == "RS_multi.zst"


def test_damaged_or_unsplittable_files_are_read_whole(
    dumps: dict[str, Path], tmp_path: Path, small_pieces: None
) -> None:
    array = tmp_path / "array.zst"  # a JSON array in several frames: not NDJSON
    text = b"[" + b",\n".join(_ndjson_lines("a", 400, seed=9)) + b"]"
    array.write_bytes(_frames(text, [SNIFF_BYTES + 5000, SNIFF_BYTES + 9000]))
    paths = [dumps["corrupt"], array, dumps["truncated"]]
    assert zstd_pieces(dumps["corrupt"], 1) and zstd_pieces(array, 1)
    assert zstd_pieces(dumps["truncated"], 1) is None
    reference, report = read_dumps(paths, workers=1, progress=False, allow_damaged_files=True)
    results, frame, _ = _pieces_in_process(paths, tmp_path, None)
    pd.testing.assert_frame_equal(frame, reference)
    assert [r.stats for r in results] == report.files
    assert [f["damage"]["kind"] for f in report.files if f["damage"]] == ["corrupt", "truncated"]
    assert report.files[1]["format"] == "json-array"


# ----------------------------------------------------------------------------- engines
def _params(dataset: str, dumps: dict[str, Path], workers: int, execution: ExecutionParams,
            allow: bool = False) -> Params:  # fmt: skip
    base = Params()
    ingest = replace(base.ingest, workers=workers, allow_damaged_files=allow)
    if dataset == "sample":
        ingest = replace(ingest, source="sample", sample_dir=str(REPO / "raw" / "sample"))
    else:
        files = {
            "real": sorted(str(p) for p in REDDIT_DUMPS.glob("*") if p.is_file()
                           and p.name != "README.md"),
            "multi": [str(dumps["multi"]), str(dumps["second"])],
            "filtered": [str(dumps["multi"]), str(dumps["second"])],
            "damaged": [str(dumps["multi"]), str(dumps["corrupt"]), str(dumps["truncated"])],
        }[dataset]  # fmt: skip
        ingest = replace(ingest, source="dump", paths=tuple(files))
        if dataset == "filtered":
            ingest = replace(ingest, subreddits=("advice", "r/jobs"))
    return replace(base, ingest=ingest, execution=execution)


def _stage_outputs(work: Path, params: Params) -> dict[str, Any]:
    """raw/posts.parquet and metrics/ingest.json bytes, or the error (and no output)."""
    work.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        try:
            ingest_run(params, out=work / "raw" / "posts.parquet", progress=False)
        except (DamagedFiles, WorkerLost) as exc:
            assert not (work / "raw" / "posts.parquet").exists()
            return {"error": f"{type(exc).__name__}: {exc}"}
        finally:  # the parts' scratch folder is gone, whatever happened
            assert not list((work / "raw").glob(".ingest-parts-*"))
    return {name: (work / name).read_bytes() for name in ("raw/posts.parquet",
                                                          "metrics/ingest.json")}  # fmt: skip


DATASETS = [
    ("sample", False), ("real", False), ("multi", False), ("filtered", False),
    ("damaged", False), ("damaged", True),
]  # fmt: skip


@contextlib.contextmanager
def local_cluster(n_workers: int) -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=n_workers, processes=True, threads_per_worker=1, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        yield cluster


@pytest.fixture(scope="module")
def engine_outputs(
    dumps: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, bool], dict[str, dict[str, Any]]]:
    """Every dataset through the stage on local 1, local 2, Dask 1 and Dask 2 workers (one
    cluster at a time)."""
    root = tmp_path_factory.mktemp("engines")
    outputs: dict[tuple[str, bool], dict[str, dict[str, Any]]] = {d: {} for d in DATASETS}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parts, "MIN_PIECE_BYTES", 1)

        def run_all(engine: str, workers: int, execution: ExecutionParams) -> None:
            for dataset, allow in DATASETS:
                if dataset == "real" and not any(REDDIT_DUMPS.glob("*.zst")):
                    continue
                params = _params(dataset, dumps, workers, execution, allow)
                work = root / f"{engine}{workers}-{dataset}-{allow}"
                outputs[dataset, allow][f"{engine}-{workers}"] = _stage_outputs(work, params)

        for workers in (1, 2):
            run_all("local", workers, ExecutionParams())
        for workers in (1, 2):
            with local_cluster(workers) as cluster:
                run_all("dask", workers, ExecutionParams("dask", cluster.scheduler_address))
    return outputs


@pytest.mark.slow
@pytest.mark.parametrize(("dataset", "allow"), DATASETS,
                         ids=[f"{d}{'-allowed' if a else ''}" for d, a in DATASETS])  # fmt: skip
def test_engines_write_identical_bytes(
    engine_outputs: dict[tuple[str, bool], dict[str, dict[str, Any]]], dataset: str, allow: bool
) -> None:
    runs = engine_outputs[dataset, allow]
    if not runs:
        pytest.skip(f"real Reddit dumps not found in {REDDIT_DUMPS} (shared test data absent)")
    assert sorted(runs) == ["dask-1", "dask-2", "local-1", "local-2"]
    reference = runs["local-1"]
    for name, output in runs.items():
        assert output == reference, f"{name} differs from local-1"
    if dataset == "damaged":
        if allow:
            assert b'"files_damaged": 2' in reference["metrics/ingest.json"]
        else:
            assert reference["error"].startswith("DamagedFiles: 2 damaged dump file(s)")
            assert "RS_corrupt.zst: corrupt at line" in reference["error"]
            assert "RS_truncated.zst: truncated at line" in reference["error"]
    else:
        assert len(pd.read_parquet(io.BytesIO(reference["raw/posts.parquet"]))) > 0


# ----------------------------------------------------------------------------- killed worker
def big_dump(path: Path) -> Path:
    """About 100k lines in 10 frames: each task takes long enough to be caught running."""
    data = b"\n".join(_ndjson_lines("k", 100_000, seed=11)) + b"\n"
    step = len(data) // 10
    path.write_bytes(_frames(data, [_mid(data, k * step, 10) for k in range(1, 10)]))
    return path


def _kill_a_reading_worker(client: Any, killed: list[int], stop: threading.Event) -> None:
    """Kill (SIGKILL) the first worker seen running a reading task; poll for at most 60 s."""
    pids = client.run(os.getpid)
    deadline = time.monotonic() + 60
    while not stop.is_set() and time.monotonic() < deadline:
        for address, keys in client.processing().items():
            if any(str(k).startswith("_read_task") for k in keys) and address in pids:
                os.kill(pids[address], signal.SIGKILL)
                killed.append(pids[address])
                return
        time.sleep(0.02)


@pytest.mark.slow
def test_a_worker_killed_while_reading(
    tmp_path: Path, dumps: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parts, "MIN_PIECE_BYTES", 1)
    path = big_dump(tmp_path / "RS_big.zst")
    base = _params("multi", dumps, 1, ExecutionParams())
    params = replace(base, ingest=replace(base.ingest, paths=(str(path),)))
    reference = _stage_outputs(tmp_path / "local", params)
    distributed = pytest.importorskip("distributed")
    with local_cluster(2) as cluster, distributed.Client(cluster) as client:
        killed: list[int] = []
        stop = threading.Event()
        killer = threading.Thread(target=_kill_a_reading_worker, args=(client, killed, stop))
        killer.start()
        try:
            on_dask = ExecutionParams("dask", cluster.scheduler_address)
            outputs = _stage_outputs(tmp_path / "dask", replace(params, execution=on_dask))
        finally:
            stop.set()
            killer.join()
    assert killed, "no worker was seen reading: the input is too small to catch one"
    if "error" in outputs:  # allowed: a clear error, and no output (checked above)
        assert outputs["error"].startswith("WorkerLost")
    else:
        assert outputs == reference
