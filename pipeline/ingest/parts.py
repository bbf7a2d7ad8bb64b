"""Reading dumps on Dask: one task per file, or per piece of a multi-frame zstd file.

A monthly dump of tens of GB is often one zstd frame (one task), but a file of several
frames can be cut at frame boundaries (:mod:`pipeline.ingest.zstd_frames`, found without
decompressing) and its pieces read on different workers. Each task streams its file or
piece with the ordinary reader (:class:`~pipeline.ingest.dumps._FileReader`) and **writes
the rows it keeps to its own parquet part** in a scratch folder, returning only counts,
bad-line examples and, for a piece, the bytes of the lines it could not finish:

- a piece after the first starts in the middle of a line: the bytes up to its first
  newline (its *head*) belong to a line an earlier piece started;
- a piece's last line may go on in the next piece: its bytes (its *tail*) are not parsed.

This process stitches each tail to the following head(s) and parses those few lines itself,
with the same scan, so every line is read exactly once whatever the cut. Line numbers:
a piece counts its lines from 1 at its first whole line, and the merge adds the number of
the straddling line before it, so ``source_line`` is the line number within the whole file.
Then the parts are merged in (file, piece) order and de-duplicated with the local engine's
rescans rule (:func:`~pipeline.ingest.dumps.dedupe_and_sort`), and each file's entry in the
report is the sum of its pieces'. The result and the report equal the local engine's.

A file whose pieces cannot stand for the whole file is read again as one task: a piece found
damage (the damage report, which depends on what was read before, must be the file's), the
first piece holds no content or less than the sniffed bytes (the binary-content check looks
at the first 64 KiB), or the file is a JSON array rather than NDJSON.

The scratch folder (``.ingest-parts-*``, made in ``scratch_dir``) must be writable by every
worker and readable here: on a multi-host cluster, a shared filesystem. It is removed at the
end, also when the reading fails.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from pipeline.artifacts import atomic_path, scratch_folder
from pipeline.execution import Executor, open_executor
from pipeline.ingest.dumps import (
    MAX_BAD_EXAMPLES,
    MAX_LINE_BYTES,
    SNIFF_BYTES,
    FileTask,
    _coalesce,
    _codec,
    _FileReader,
    _FileResult,
    _zstd_parts,
    dedupe_and_sort,
    rows_frame,
)
from pipeline.ingest.raw_columns import DTYPES, empty_frame
from pipeline.ingest.zstd_frames import MIN_PIECE_BYTES, zstd_pieces
from pipeline.params import ExecutionParams
from pipeline.progress import progress_bar

__all__ = ["read_on_dask", "read_pieces"]

log = logging.getLogger("valact.ingest")

_COUNTS = ("lines", "blank", "parsed", "kept", "skipped_other_subreddit", "skipped_window")


@dataclass(frozen=True)
class PieceTask:
    """Read bytes ``start:end`` of ``path`` (piece ``piece`` of ``pieces``; 1 = the whole file)
    and write the kept rows to ``part``."""

    path: str
    index: int
    piece: int
    pieces: int
    start: int
    end: int
    wanted: frozenset[str] | None
    since: int | None
    until: int | None
    part: str


@dataclass
class PieceResult:
    """What a task sends back: the counts, examples and where its rows are.

    For a piece of a split file also: ``head`` (bytes before its first newline; None when over
    :data:`MAX_LINE_BYTES`, ``head_size`` still counts them), ``newline`` (it has one),
    ``tail`` (its unfinished last line), ``tail_skipping`` (that line is over-long and already
    counted bad), ``last_line`` (the piece's own number of that last line) and
    ``first_size`` (length of its first content chunk, -1 for none: piece 0 only).
    """

    index: int
    piece: int
    stats: dict[str, Any]
    examples: list[dict[str, Any]]
    part: str | None
    head: bytes | None = b""
    head_size: int = 0
    newline: bool = False
    tail: bytes = b""
    tail_skipping: bool = False
    last_line: int = 1
    first_size: int = -1


# ----------------------------------------------------------------------------- workers
class _Range:
    """Bytes ``start:end`` of an open file, as a file object whose offsets start at 0."""

    def __init__(self, fh: IO[bytes], start: int, end: int) -> None:
        self._fh = fh
        self._start = start
        self._end = end
        fh.seek(start)

    @property
    def closed(self) -> bool:
        return self._fh.closed

    def tell(self) -> int:
        return self._fh.tell() - self._start

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence != 0:
            raise ValueError("a file range seeks from its start only")
        self._fh.seek(self._start + min(max(offset, 0), self._end - self._start))
        return self.tell()

    def read(self, n: int = -1) -> bytes:
        left = self._end - self._fh.tell()
        return self._fh.read(left if n < 0 else min(n, left))


class _PieceReader(_FileReader):
    """Reads one piece of a split zstd file: keeps its head and tail for the merge."""

    def __init__(self, task: PieceTask) -> None:
        super().__init__(Path(task.path), task.index, task.wanted, task.since, task.until, None)
        self.task = task
        self.head: list[bytes] | None = []
        self.head_size = 0
        self.newline = False
        self.tail = b""
        self.tail_skipping = False
        self.first_size = -1

    def _first_chunk(self, chunks: Iterator[bytes]) -> bytes | None:
        first = super()._first_chunk(chunks)
        self.first_size = -1 if first is None else len(first)
        return first

    def _end_lines(
        self, tail: list[bytes], skipping: bool, scan: Callable[[bytes, int, int, int], int]
    ) -> None:
        self.tail_skipping = skipping
        self.tail = b"" if skipping else b"".join(tail)

    def _after_head(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The chunks after the piece's first newline; the bytes before it become the head."""
        for chunk in chunks:
            if self.newline:
                yield chunk
                continue
            cut = chunk.find(b"\n")
            piece = chunk if cut < 0 else chunk[:cut]
            self.head_size += len(piece)
            if self.head is not None:
                self.head.append(piece)
                if self.head_size > MAX_LINE_BYTES:
                    self.head = None  # over-long: only its size matters
            if cut >= 0:
                self.newline = True
                if cut + 1 < len(chunk):
                    yield chunk[cut + 1 :]

    def read(self) -> PieceResult:
        task = self.task
        with open(self.path, "rb") as raw:
            fh = _Range(raw, task.start, task.end)
            self._fh = fh  # type: ignore[assignment]
            self._size = task.end - task.start
            if task.piece == 0:
                self._read_content(fh)  # type: ignore[arg-type]
            else:
                self._read_lines(self._after_head(_coalesce(_zstd_parts(fh))))  # type: ignore[arg-type]
        return PieceResult(
            index=task.index,
            piece=task.piece,
            stats=self.stats(),
            examples=self.examples,
            part=_write_part(self.rows, Path(task.part)),
            head=None if self.head is None else b"".join(self.head),
            head_size=self.head_size,
            newline=self.newline,
            tail=self.tail,
            tail_skipping=self.tail_skipping,
            last_line=self.line_no,
            first_size=self.first_size,
        )


def _write_part(rows: list[tuple[Any, ...]], path: Path) -> str | None:
    """The rows as a parquet part (written atomically: a rerun task overwrites it whole)."""
    if not rows:
        return None
    with atomic_path(path) as tmp:
        rows_frame(rows).to_parquet(tmp, index=False)
    return str(path)


def _read_task(task: PieceTask) -> PieceResult:
    """A Dask task: read a whole file or one piece, write the part, return the rest."""
    if task.pieces > 1:
        return _PieceReader(task).read()
    result = _FileReader(
        Path(task.path), task.index, task.wanted, task.since, task.until, None
    ).run()
    return PieceResult(
        task.index, 0, result.stats, result.examples, _write_part(result.rows, Path(task.part))
    )


def _plan_file(path: str, min_bytes: int) -> list[tuple[int, int]] | None:
    """The pieces of a multi-frame zstd file, or None: read the file whole."""
    with open(path, "rb") as fh:
        if _codec(fh, Path(path)) != "zst":
            return None
    pieces = zstd_pieces(Path(path), min_bytes)
    return pieces if pieces is not None and len(pieces) > 1 else None


# ----------------------------------------------------------------------------- merge
@dataclass
class _FileMerge:
    """One file's pieces, merged in order: counts summed, straddling lines parsed here."""

    task: FileTask
    results: list[PieceResult] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)

    def usable(self, pieces: int) -> bool:
        """Whether the pieces stand for the whole file (else it is read again, whole)."""
        if pieces == 1:
            return True
        first = self.results[0]
        return (
            first.stats["format"] == "ndjson"
            and first.first_size >= SNIFF_BYTES
            and all(r.stats["damage"] is None for r in self.results)
        )

    def merge(self) -> tuple[_FileResult, list[pd.DataFrame]]:
        """The file's report entry and examples, and its rows (parts, then stitched lines)."""
        if len(self.results) == 1:
            only = self.results[0]
            self.offsets = [0]
            return _FileResult(only.index, only.stats, only.examples, []), self._frames(None)
        path, index, wanted, since, until = self.task
        reader = _FileReader(Path(path), index, wanted, since, until, None)
        scan = reader._scan_all if wanted is None else reader._scan_filtered
        line, carry, size, skipping = 1, [b""], 0, False

        def finish() -> None:
            """The straddling line ``line`` is complete: count it or parse it."""
            if not skipping:
                joined = b"".join(carry)
                reader.line_no = scan(joined, 0, len(joined), line)

        for result in self.results:
            if result.piece > 0:
                size += result.head_size
                if not skipping and (result.head is None or size > MAX_LINE_BYTES):
                    reader.lines += 1
                    reader._bad(line, "line_too_long", f"over {MAX_LINE_BYTES:,} bytes")
                    skipping, carry = True, []
                elif not skipping:
                    carry.append(result.head)  # type: ignore[arg-type]
                if not result.newline:
                    self.offsets.append(line)  # a piece within one line: no lines of its own
                    continue
                finish()
            offset = 0 if result.piece == 0 else line
            self.offsets.append(offset)
            line = result.last_line + offset
            carry, size, skipping = [result.tail], len(result.tail), result.tail_skipping
        if not skipping and size:
            finish()
        stats = self._sum_stats(reader)
        examples = [
            {**e, "line": e["line"] + offset}
            for result, offset in zip(self.results, self.offsets, strict=True)
            for e in result.examples
        ]
        examples = sorted(examples + reader.examples, key=lambda e: e["line"])[:MAX_BAD_EXAMPLES]
        return _FileResult(index, stats, examples, []), self._frames(reader)

    def _sum_stats(self, reader: _FileReader) -> dict[str, Any]:
        stats = reader.stats()
        bad = dict(stats["bad"])
        for result in self.results:
            for key in _COUNTS:
                stats[key] += result.stats[key]
            for reason, count in result.stats["bad"].items():
                bad[reason] = bad.get(reason, 0) + count
        stats["bad"] = dict(sorted(bad.items()))
        return stats

    def _frames(self, reader: _FileReader | None) -> list[pd.DataFrame]:
        frames = []
        for result, offset in zip(self.results, self.offsets, strict=True):
            if result.part is not None:
                frame = pd.read_parquet(result.part)
                frame["source_line"] += offset
                frames.append(frame)
        if reader is not None and reader.rows:
            frames.append(rows_frame(reader.rows))
        return frames


def _run_tasks(
    executor: Executor, tasks: list[PieceTask], bar: Any
) -> Iterator[PieceResult]:
    for result in executor.map(_read_task, tasks):
        bar.update(1)
        yield result


def _merge_files(
    files: list[FileTask], merges: dict[int, _FileMerge]
) -> tuple[list[_FileResult], pd.DataFrame, int]:
    results: list[_FileResult] = []
    frames: list[pd.DataFrame] = []
    order: list[np.ndarray] = []
    for task in files:
        result, file_frames = merges[task[1]].merge()
        results.append(result)
        for frame in file_frames:
            frames.append(frame)
            order.append(np.full(len(frame), task[1], dtype=np.int64))
    if not frames:
        return results, empty_frame(), 0
    frame = pd.concat(frames, ignore_index=True).astype(DTYPES)
    frame, dropped = dedupe_and_sort(frame, np.concatenate(order))
    return results, frame, dropped


def _piece_tasks(
    file: FileTask, plan: list[tuple[int, int]] | None, scratch: Path, name: str = ""
) -> list[PieceTask]:
    """The tasks reading ``file``: one per piece of ``plan``, or one for the whole file."""
    path, index, wanted, since, until = file
    spans = plan or [(0, Path(path).stat().st_size)]
    return [
        PieceTask(path, index, piece, len(spans), start, end, wanted, since, until,
                  str(scratch / f"{index:05d}-{name or piece:05}.parquet"))
        for piece, (start, end) in enumerate(spans)
    ]  # fmt: skip


def read_on_dask(
    files: list[FileTask],
    execution: ExecutionParams,
    workers: int | None,
    progress: bool,
    scratch_dir: Path | None,
) -> tuple[list[_FileResult], pd.DataFrame, int]:
    """Read ``files`` on the Dask cluster ``execution`` names: the per-file results (for the
    report), the merged, de-duplicated frame and the number of duplicates dropped."""
    with (
        scratch_folder(scratch_dir, ".ingest-parts-") as scratch,
        open_executor(execution, workers, units=len(files)) as executor,
    ):
        log.info("reading %d file(s) on %s", len(files), executor.describe())
        return read_pieces(executor, files, scratch, progress)


def read_pieces(
    executor: Executor, files: list[FileTask], scratch: Path, progress: bool = False
) -> tuple[list[_FileResult], pd.DataFrame, int]:
    """Plan, read and merge ``files`` on ``executor``, the parts written in ``scratch``."""
    plan_file = functools.partial(_plan_file, min_bytes=MIN_PIECE_BYTES)
    plans = list(executor.map(plan_file, [task[0] for task in files]))
    tasks = [
        task for file, plan in zip(files, plans, strict=True)
        for task in _piece_tasks(file, plan, scratch)
    ]  # fmt: skip
    merges = {task[1]: _FileMerge(task) for task in files}
    with progress_bar(
        total=len(tasks), desc="ingest tasks", unit=" tasks", disable=not progress
    ) as bar:
        for result in _run_tasks(executor, tasks, bar):
            merges[result.index].results.append(result)
        again = [
            _piece_tasks(f, None, scratch, "whole")[0]
            for f, plan in zip(files, plans, strict=True)
            if plan and not merges[f[1]].usable(len(plan))
        ]
        if again:
            log.info(
                "%d split file(s) read again whole (damaged, or not NDJSON): %s",
                len(again), ", ".join(Path(t.path).name for t in again),
            )  # fmt: skip
            bar.total += len(again)
            for task in again:
                merges[task.index].results.clear()
            for result in _run_tasks(executor, again, bar):
                merges[result.index].results.append(result)
    return _merge_files(files, merges)
