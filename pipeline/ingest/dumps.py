"""Streaming reader for Reddit dump files (Pushshift / Arctic Shift submissions).

:func:`read_dumps` turns dump files into the ``raw/posts.parquet`` frame (columns in
:data:`pipeline.ingest.raw_columns.COLUMNS`) plus a :class:`DumpReadReport`.

Formats, recognised by magic bytes first and by suffix second:

- ``.zst``: zstandard, long window (``max_window_size=2**31``), one or several frames;
- ``.gz``: gzip (one or several members);
- anything else: uncompressed.

After decompression the content is either NDJSON (one JSON object a line; ``.jsonl``,
``.ndjson``, ``.json``...) or, when the first non-space byte is ``[``, a single JSON array
of objects. Both are streamed: memory stays bounded whatever the file size (the reader holds
one decompressed chunk of about 1 MiB plus the line being cut, capped at
:data:`MAX_LINE_BYTES`), and only the kept records are collected. In a JSON-array file,
``source_line`` is the 1-based index of the element, not a line number, and a malformed
element ends the reading of that file (one bad record: the next element cannot be found
reliably); arrays are decoded with the standard ``json`` module, every element parsed.

Speed: most lines of a monthly dump belong to other subreddits. With a ``subreddits``
filter, each decompressed chunk is scanned with one compiled bytes regex for the
``"subreddit": "<name>"`` pairs; only lines with a wanted name (compared in lowercase) or
with no readable ``"subreddit"`` string at all are JSON-decoded with orjson, and the parsed
record is checked again exactly. A line is skipped undecoded only when every ``"subreddit"``
key on it holds a plain string naming another subreddit, so the prefilter never drops a
wanted post; the price is that such lines are not validated (a corrupt line of another
subreddit is counted as skipped, not bad). Known limit: a post whose top-level
``subreddit`` key is missing (not null) and that embeds another subreddit's post
(``crosspost_parent_list``) is skipped with the embedded subreddit.

Bad lines never crash the reader: malformed JSON, invalid UTF-8, non-object values,
records without ``id``/``subreddit``/``created_utc`` and over-long lines are counted per
reason, logged with the file basename and line number (logger ``valact.ingest``), and the
good records around them are kept. The call fails with :class:`TooManyBadRecords` only at
the end, when the share of bad lines passes ``max_bad_fraction``.

A damaged file is another matter: one that cannot be read to its end. It is ``truncated``
(a zstd stream ending in the middle of a frame, a gzip stream without its end marker, a
JSON array never closed) or ``corrupt`` (not a zstd or gzip stream at all, a frame that
fails to decompress, or content that is binary rather than UTF-8 text: see
:func:`_binary_reason`). Reading such a file stops at the damage; the partial line the
damage cuts is not a record and not a bad line. Every file is read, then the call fails
with :class:`DamagedFiles` naming each damaged file, unless ``allow_damaged_files`` is true:
then the complete records before the damage are kept and the damage is recorded in the
report (``damaged_files``, and ``damage`` in the file's entry).
"""

from __future__ import annotations

import codecs
import functools
import glob
import gzip
import itertools
import json
import logging
import logging.handlers
import multiprocessing
import os
import queue
import re
import threading
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Final

import numpy as np
import orjson
import pandas as pd
import zstandard
from tqdm import tqdm

from pipeline.execution import InProcess, open_executor
from pipeline.ingest.normalize import CREATED_INDEX, SUBREDDIT_INDEX, BadRecord, normalize_post
from pipeline.ingest.raw_columns import COLUMNS, DTYPES, empty_frame
from pipeline.params import ExecutionParams
from pipeline.progress import progress_bar
from pipeline.text_patterns import REMOVED_MARKERS

__all__ = ["DamagedFiles", "DumpReadReport", "TooManyBadRecords", "expand_globs", "read_dumps"]

log = logging.getLogger("valact.ingest")

ZSTD_MAX_WINDOW: Final = 2**31
#: Compressed bytes read at a time.
READ_SIZE: Final = 1 << 17
#: Decompressed bytes handed to the line splitter at a time (at least).
CHUNK_SIZE: Final = 1 << 20
#: A line longer than this is counted bad (``line_too_long``) and skipped, to bound memory.
MAX_LINE_BYTES: Final = 64 << 20
#: Bad lines kept as examples in the report (all files together).
MAX_BAD_EXAMPLES: Final = 20
#: Bad lines logged at WARNING per file; the rest go to DEBUG.
LOG_BAD_PER_FILE: Final = 100
PROGRESS_EVERY_S: Final = 0.25
#: Decompressed bytes at the start of a file checked for binary content.
SNIFF_BYTES: Final = 1 << 16
#: Content whose share of bytes that are not text (not UTF-8, or control characters JSON
#: never holds raw) passes this is binary: not a dump (random bytes: over half).
MAX_BINARY_SHARE: Final = 0.1
#: The two kinds of damage: the word recorded in the report.
TRUNCATED: Final = "truncated"
CORRUPT: Final = "corrupt"

_ZSTD_MAGIC: Final = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC: Final = b"\x1f\x8b"
_UTF8_BOM: Final = codecs.BOM_UTF8
# Other formats a dump may be mistaken for, named when such a file is found binary.
_OTHER_MAGIC: Final = (
    (b"\xfd7zXZ\x00", "xz"),
    (b"BZh", "bzip2"),
    (b"PK\x03\x04", "zip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x04\x22\x4d\x18", "lz4"),
)
# Bytes never found raw in JSON text (C0 controls but tab, LF, CR; DEL is allowed).
_CONTROL_BYTES: Final = bytes(b for b in range(32) if b not in (9, 10, 13))
# Any "subreddit" key; group 1 is its value when it is a plain string without escapes.
# Anything else (null, an escape, a number, an object) matches with group 1 = None.
# The pattern starts at the "b": re scans for the first byte of a literal prefix, and "b"
# is much rarer in dumps than '"' (about 25% faster). The 3 bytes before are checked after.
_SUBREDDIT_RE: Final = re.compile(rb'breddit"[ \t\r]*:[ \t\r]*(?:"([^"\\\n]*)")?')
_SUBREDDIT_HEAD: Final = b'"su'
_JSON_WS_RE: Final = re.compile(r"[ \t\n\r]*")
_SUBREDDIT_NAME_RE: Final = re.compile(r"[A-Za-z0-9_.\-]+")


class TooManyBadRecords(RuntimeError):
    """More than ``max_bad_fraction`` of the lines read could not become records."""

    def __init__(self, message: str, report: DumpReadReport) -> None:
        super().__init__(message)
        self.report = report


class DamagedFiles(RuntimeError):
    """Some files cannot be read to their end (truncated or corrupt) and that is not allowed."""

    def __init__(self, message: str, report: DumpReadReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class DumpReadReport:
    """What :func:`read_dumps` read, kept, skipped and rejected.

    ``files`` has one dict per input file, in input order: ``name`` (basename), ``format``
    (``ndjson`` or ``json-array``), ``lines`` (non-blank lines, or array elements, seen),
    ``blank``, ``parsed`` (lines handed to the JSON parser; the prefilter skips the rest),
    ``kept`` (before cross-file de-duplication), ``skipped_other_subreddit``,
    ``skipped_window``, ``bad`` (reason -> count) and ``damage``: None, or where reading
    stopped in a damaged file: ``kind`` (``truncated`` or ``corrupt``), ``detail``, ``line``
    (the line, or array element, the damage is on: the first one not read whole),
    ``bytes_read`` (of the file, compressed, when the damage was found) and ``size``.
    ``damaged_files`` lists the damaged files in short: ``file``, ``kind``, ``line``,
    ``detail`` and ``kept``. ``total_kept`` is after de-duplication, i.e. the number of rows
    returned.
    """

    files: list[dict[str, Any]] = field(default_factory=list)
    damaged_files: list[dict[str, Any]] = field(default_factory=list)
    bad_examples: list[dict[str, Any]] = field(default_factory=list)
    duplicates_dropped: int = 0
    total_lines: int = 0
    total_kept: int = 0
    total_bad: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ----------------------------------------------------------------------------- byte sources
class _StreamError(Exception):
    """The file is damaged (``kind``: truncated or corrupt); everything before was yielded."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def _coalesce(parts: Iterator[bytes]) -> Iterator[bytes]:
    """Join small pieces into chunks of at least CHUNK_SIZE; flush before an error escapes."""
    pending: list[bytes] = []
    size = 0
    try:
        for part in parts:
            pending.append(part)
            size += len(part)
            if size >= CHUNK_SIZE:
                yield b"".join(pending)
                pending, size = [], 0
    except _StreamError:
        if pending:
            yield b"".join(pending)
        raise
    if pending:
        yield b"".join(pending)


def _zstd_error(exc: zstandard.ZstdError, data: bytes, started: bool) -> _StreamError:
    """The damage a decompression error means: no zstd magic at the start is not zstd."""
    if not started and not data.startswith(_ZSTD_MAGIC):
        return _StreamError(CORRUPT, f"not a zstd stream ({exc})")
    return _StreamError(CORRUPT, f"a zstd frame cannot be decompressed ({exc})")


def _zstd_parts(fh: IO[bytes]) -> Iterator[bytes]:
    # decompressobj rather than stream_reader: stream_reader reports a clean EOF on a
    # truncated frame, decompressobj tells (eof stays False) so truncation is not silent.
    dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
    dobj = dctx.decompressobj()
    in_frame = False
    started = False  # some input was decompressed without error
    while data := fh.read(READ_SIZE):
        while data:
            try:
                out = dobj.decompress(data)
            except zstandard.ZstdError as exc:
                raise _zstd_error(exc, data, started) from exc
            in_frame = started = True
            if out:
                yield out
            if not dobj.eof:
                break
            data = dobj.unused_data  # the next frame starts here
            dobj = dctx.decompressobj()
            in_frame = False
    if in_frame:
        raise _StreamError(TRUNCATED, "the zstd stream ends in the middle of a frame")


def _gzip_parts(fh: IO[bytes]) -> Iterator[bytes]:
    is_gzip = fh.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
    fh.seek(0)
    with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
        while True:
            try:
                # read1: one decompression step, so data before a truncation is not lost
                data = gz.read1(CHUNK_SIZE)
            except EOFError as exc:
                raise _StreamError(
                    TRUNCATED, "the gzip stream ends before its end-of-stream marker"
                ) from exc
            except (OSError, zlib.error) as exc:
                what = "gzip data cannot be decompressed" if is_gzip else "not a gzip stream"
                raise _StreamError(CORRUPT, f"{what} ({exc})") from exc
            if not data:
                return
            yield data


def _plain_parts(fh: IO[bytes]) -> Iterator[bytes]:
    while data := fh.read(CHUNK_SIZE):
        yield data


def _codec(fh: IO[bytes], path: Path) -> str:
    magic = fh.read(4)
    fh.seek(0)
    if magic.startswith(_ZSTD_MAGIC):
        return "zst"
    if magic.startswith(_GZIP_MAGIC):
        return "gz"
    suffix = path.suffix.lower()
    if suffix in (".zst", ".zstd"):
        return "zst"
    if suffix == ".gz":
        return "gz"
    return "plain"


_PARTS: Final[dict[str, Callable[[IO[bytes]], Iterator[bytes]]]] = {
    "zst": _zstd_parts,
    "gz": _gzip_parts,
    "plain": _plain_parts,
}


def _binary_reason(sample: bytes, codec: str) -> str | None:
    """Why content starting with ``sample`` is binary rather than a dump, or None.

    Dumps are UTF-8 JSON text, where the odd bad line is a bad line. When more than
    :data:`MAX_BINARY_SHARE` of the first bytes are not text (not UTF-8, or control bytes
    such as NUL that JSON never holds raw) the file is not a dump at all. A character cut by
    the end of the sample counts as a few undecodable bytes, which does not matter.
    """
    if not sample:
        return None
    undecodable = len(sample) - len(sample.decode("utf-8", "ignore").encode("utf-8"))
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    share = (undecodable + control) / len(sample)
    if share <= MAX_BINARY_SHARE:
        return None
    how = f"{share:.0%} of the first {len(sample):,} bytes are not UTF-8 text"
    if codec != "plain":
        name = {"zst": "zstd", "gz": "gzip"}[codec]
        return f"the {name} stream decompresses to binary content, not NDJSON ({how})"
    for magic, name in _OTHER_MAGIC:
        if sample.startswith(magic):
            how = f"it starts like a file in {name} format"
            break
    return f"binary content, not an NDJSON, zstd or gzip dump ({how})"


# ----------------------------------------------------------------------------- one file
ProgressSink = Callable[[tuple[Any, ...]], None]


@dataclass
class _FileResult:
    index: int
    stats: dict[str, Any]
    examples: list[dict[str, Any]]
    rows: list[tuple[Any, ...]]


class _FileReader:
    """Reads one file; counters become the per-file dict of the report."""

    def __init__(
        self,
        path: Path,
        index: int,
        wanted: frozenset[str] | None,
        since: int | None,
        until: int | None,
        sink: ProgressSink | None,
    ) -> None:
        self.path = path
        self.name = path.name
        self.index = index
        self.wanted = wanted
        self.wanted_bytes = None if wanted is None else frozenset(w.encode() for w in wanted)
        self.since = since
        self.until = until
        self.sink = sink
        self.format = "ndjson"
        self.line_no = 1  # number of the line being cut (1-based)
        self.lines = 0
        self.blank = 0
        self.parsed = 0
        self.skipped_other = 0
        self.skipped_window = 0
        self.bad: dict[str, int] = {}
        self.n_bad = 0
        self.damage: dict[str, Any] | None = None
        self.examples: list[dict[str, Any]] = []
        self.rows: list[tuple[Any, ...]] = []
        self._fh: IO[bytes] | None = None
        self._size = 0
        self._last_progress = 0.0

    # -- results --------------------------------------------------------------------------
    def _bad(self, line_no: int, reason: str, detail: str = "") -> None:
        self.bad[reason] = self.bad.get(reason, 0) + 1
        self.n_bad += 1
        detail = detail[:200]
        if len(self.examples) < MAX_BAD_EXAMPLES:
            self.examples.append(
                {"file": self.name, "line": line_no, "reason": reason, "detail": detail}
            )
        if self.n_bad <= LOG_BAD_PER_FILE:
            log.warning("%s:%d: bad record skipped (%s) %s", self.name, line_no, reason, detail)
            if self.n_bad == LOG_BAD_PER_FILE:
                log.warning("%s: further bad records are logged at DEBUG level", self.name)
        elif log.isEnabledFor(logging.DEBUG):
            log.debug("%s:%d: bad record skipped (%s) %s", self.name, line_no, reason, detail)

    def _damaged(self, kind: str, detail: str, line_no: int) -> None:
        """Record where reading of this damaged file stops (``kind``: truncated or corrupt)."""
        position = self._fh.tell() if self._fh is not None and not self._fh.closed else 0
        self.damage = {
            "kind": kind,
            "detail": detail[:300],
            "line": line_no,
            "bytes_read": min(position, self._size),
            "size": self._size,
        }
        log.warning(
            "%s: damaged file, %s at line %d: %s; the rest of the file is not read",
            self.name,
            kind,
            line_no,
            detail,
        )

    def _accept(self, obj: Any, line_no: int) -> None:
        try:
            row = normalize_post(obj)
        except BadRecord as exc:
            self._bad(line_no, exc.reason, exc.detail)
            return
        if self.wanted is not None and row[SUBREDDIT_INDEX].lower() not in self.wanted:
            self.skipped_other += 1
            return
        created = row[CREATED_INDEX]
        if (self.since is not None and created < self.since) or (
            self.until is not None and created >= self.until
        ):
            self.skipped_window += 1
            return
        self.rows.append((*row, self.name, line_no))

    def _parse(self, line: bytes, line_no: int) -> None:
        self.parsed += 1
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            message = str(exc)
            self._bad(line_no, "invalid_utf8" if "UTF-8" in message else "invalid_json", message)
            return
        self._accept(obj, line_no)

    def _progress(self, final: bool = False) -> None:
        if self.sink is None:
            return
        now = time.monotonic()
        if final or now - self._last_progress >= PROGRESS_EVERY_S:
            self._last_progress = now
            position = self._fh.tell() if self._fh is not None and not self._fh.closed else 0
            damage = self.damage
            note = "" if damage is None else f"{damage['kind']} at line {damage['line']:,}"
            self.sink(("progress", self.index, self.line_no - 1, len(self.rows), position, note))

    # -- NDJSON ---------------------------------------------------------------------------
    def _scan_all(self, buf: bytes, start: int, end: int, line_no: int) -> int:
        """Parse every line of ``buf[start:end]``; return the number of the next line."""
        for line in buf[start:end].split(b"\n"):
            if not line or line.isspace():
                self.blank += 1
            else:
                self.lines += 1
                self._parse(line, line_no)
            line_no += 1
        return line_no

    def _scan_filtered(self, buf: bytes, start: int, end: int, line_no: int) -> int:
        """Like :meth:`_scan_all`, but lines naming only other subreddits are not decoded.

        This is the hot loop: one regex pass over the chunk finds every ``"subreddit"`` key;
        the Python body runs once per key, with locals only.
        """
        wanted = self.wanted_bytes
        assert wanted is not None
        parse = self._parse
        find = buf.find
        pos = start  # start of the first line not accounted for yet
        cur_start = cur_end = -1  # bounds of the line holding the previous key
        pending_other = False  # that line named only other subreddits so far
        lines = other = 0
        for match in _SUBREDDIT_RE.finditer(buf, start, end):
            hit = match.start()
            if hit - 3 < start or buf[hit - 3 : hit] != _SUBREDDIT_HEAD:
                continue  # a key that only ends in "subreddit", or cut by the region start
            if hit < cur_end:  # another "subreddit" key on the same line (e.g. a crosspost)
                if pending_other:
                    name = match.group(1)
                    if name is None or name.lower() in wanted:
                        pending_other = False
                        parse(buf[cur_start:cur_end], line_no)
                continue
            if cur_end >= 0:  # settle the previous line
                if pending_other:
                    other += 1
                line_no += 1
            line_end = find(b"\n", pos, end)
            if line_end < 0:
                line_end = end
            if hit > line_end:  # lines without any "subreddit" key come first: parse them
                newline = buf.rfind(b"\n", pos, hit)
                line_no = self._scan_all(buf, pos, newline, line_no)
                pos = newline + 1
                line_end = find(b"\n", hit, end)
                if line_end < 0:
                    line_end = end
            lines += 1
            cur_start, cur_end = pos, line_end
            pos = line_end + 1
            name = match.group(1)
            if name is None or name.lower() in wanted:
                pending_other = False
                parse(buf[cur_start:cur_end], line_no)
            else:
                pending_other = True
        if cur_end >= 0:
            if pending_other:
                other += 1
            line_no += 1
        self.lines += lines
        self.skipped_other += other
        if pos <= end:
            line_no = self._scan_all(buf, pos, end, line_no)
        return line_no

    def _read_lines(self, chunks: Iterable[bytes]) -> None:
        scan = self._scan_all if self.wanted is None else self._scan_filtered
        tail: list[bytes] = []  # pieces of the line being cut (no newline seen yet)
        tail_size = 0
        skipping = False  # inside an over-long line: drop bytes up to its newline
        try:
            for chunk in chunks:
                first = chunk.find(b"\n")
                if first < 0:
                    if not skipping:
                        tail.append(chunk)
                        tail_size += len(chunk)
                        if tail_size > MAX_LINE_BYTES:
                            self.lines += 1
                            self._bad(
                                self.line_no, "line_too_long", f"over {MAX_LINE_BYTES:,} bytes"
                            )
                            skipping, tail, tail_size = True, [], 0
                    continue
                # the line this chunk's first newline ends
                if skipping:
                    skipping = False
                    self.line_no += 1
                elif tail:
                    tail.append(chunk[:first])
                    line = b"".join(tail)
                    self.line_no = scan(line, 0, len(line), self.line_no)
                else:
                    self.line_no = scan(chunk, 0, first, self.line_no)
                # whole lines, scanned in place (no copy of the chunk)
                last = chunk.rfind(b"\n")
                if first < last:
                    self.line_no = scan(chunk, first + 1, last, self.line_no)
                tail = [chunk[last + 1 :]] if last + 1 < len(chunk) else []
                tail_size = len(chunk) - last - 1
                self._progress()
        except _StreamError as exc:
            # the partial line the damage cuts (the tail) is not a record: it is the damage
            self._damaged(exc.kind, exc.detail, self.line_no)
            return
        self._end_lines(tail, skipping, scan)

    def _end_lines(
        self, tail: list[bytes], skipping: bool, scan: Callable[[bytes, int, int, int], int]
    ) -> None:
        """The content ended: a final line without newline is a line too (a reader of one
        piece of a file keeps it instead, for the next piece to finish)."""
        if skipping:
            self.line_no += 1
        elif tail:
            line = b"".join(tail)
            self.line_no = scan(line, 0, len(line), self.line_no)

    # -- JSON array -----------------------------------------------------------------------
    def _read_array(self, first: bytes, chunks: Iterator[bytes]) -> None:
        """Stream the elements of a top-level JSON array; ``line_no`` is the element index."""
        self.format = "json-array"
        decoder = json.JSONDecoder()
        utf8 = codecs.getincrementaldecoder("utf-8")()
        element = 0
        eof = False

        def more(text: str) -> str:
            nonlocal eof
            chunk = next(chunks, None)
            if chunk is None:
                eof = True
                return text + utf8.decode(b"", final=True)
            return text + utf8.decode(chunk)

        def fail(reason: str, detail: str) -> None:
            self.lines += 1
            self._bad(element + 1, reason, detail)

        try:
            text = utf8.decode(first)
            pos = text.index("[") + 1
            expect_value, first_value = True, True
            while True:
                pos = _JSON_WS_RE.match(text, pos).end()  # type: ignore[union-attr]
                if pos >= len(text):
                    if eof:
                        self._damaged(TRUNCATED, "the JSON array is not closed", element + 1)
                        return
                    text = more(text)
                    continue
                char = text[pos]
                if not expect_value:
                    if char == ",":
                        pos += 1
                        expect_value = True
                        continue
                    if char == "]":
                        pos += 1
                        break
                    fail("invalid_json", f"expected ',' or ']' after element {element}")
                    return
                if char == "]" and first_value:
                    pos += 1
                    break
                try:
                    obj, end = decoder.raw_decode(text, pos)
                except json.JSONDecodeError as exc:
                    # an error at the end of the text, or an unterminated string, may only mean
                    # that the element is cut by the chunk boundary: read on and retry
                    cut = len(text) - exc.pos <= 64 or exc.msg.startswith("Unterminated")
                    if cut and not eof and len(text) - pos <= MAX_LINE_BYTES:
                        text = more(text)
                        continue
                    if cut and eof:
                        detail = f"the JSON array ends inside element {element + 1} ({exc})"
                        self._damaged(TRUNCATED, detail, element + 1)
                    else:
                        fail("invalid_json", f"{exc}; the rest of the JSON array is not read")
                    return
                if end >= len(text) and not eof:  # a bare number could continue: read on
                    text = more(text)
                    continue
                element += 1
                self.line_no = element + 1
                self.lines += 1
                self.parsed += 1
                self._accept(obj, element)
                pos = end
                expect_value, first_value = False, False
                if pos > CHUNK_SIZE:
                    text, pos = text[pos:], 0
                    self._progress()
            # after the closing bracket only whitespace may follow
            rest = text[pos:]
            while not rest.strip() and not eof:
                rest = more("")
            if rest.strip():
                self.lines += 1
                self._bad(element + 1, "trailing_data", "content after the closing ']'")
        except UnicodeDecodeError as exc:
            fail("invalid_utf8", str(exc))
        except _StreamError as exc:
            self._damaged(exc.kind, exc.detail, element + 1)

    # -- driver ---------------------------------------------------------------------------
    def _first_chunk(self, chunks: Iterator[bytes]) -> bytes | None:
        """The first chunk with content (BOM stripped); leading blank chunks are counted."""
        at_start = True
        for chunk in chunks:
            if at_start:
                at_start = False
                if chunk.startswith(_UTF8_BOM):
                    chunk = chunk[len(_UTF8_BOM) :]
            if chunk.strip():
                return chunk
            newlines = chunk.count(b"\n")
            self.blank += newlines
            self.line_no += newlines
        return None

    def _read_content(self, fh: IO[bytes]) -> None:
        """Decompress, check that the content is text, then read lines or array elements."""
        codec = _codec(fh, self.path)
        chunks = _coalesce(_PARTS[codec](fh))
        try:
            first = self._first_chunk(chunks)
        except _StreamError as exc:
            self._damaged(exc.kind, exc.detail, self.line_no)
            return
        if first is None:
            return
        binary = _binary_reason(first[:SNIFF_BYTES], codec)
        if binary is not None:
            self._damaged(CORRUPT, binary, self.line_no)
        elif first.lstrip()[:1] == b"[":
            self._read_array(first, chunks)
        else:
            self._read_lines(itertools.chain([first], chunks))

    def run(self) -> _FileResult:
        started = time.monotonic()
        self._size = self.path.stat().st_size
        if self.sink is not None:
            self.sink(("start", self.index, self.name, self._size))
        with open(self.path, "rb") as fh:
            self._fh = fh
            self._read_content(fh)
            self._progress(final=True)
        elapsed = time.monotonic() - started
        log.info(
            "%s: %d lines in %.1fs (%.0f lines/s), kept %d, other subreddits %d, "
            "outside window %d, bad %d",
            self.name,
            self.lines,
            elapsed,
            self.lines / elapsed if elapsed > 0 else 0.0,
            len(self.rows),
            self.skipped_other,
            self.skipped_window,
            self.n_bad,
        )
        return _FileResult(self.index, self.stats(), self.examples, self.rows)

    def stats(self) -> dict[str, Any]:
        """This file's entry in the report."""
        return {
            "name": self.name,
            "format": self.format,
            "lines": self.lines,
            "blank": self.blank,
            "parsed": self.parsed,
            "kept": len(self.rows),
            "skipped_other_subreddit": self.skipped_other,
            "skipped_window": self.skipped_window,
            "bad": dict(sorted(self.bad.items())),
            "damage": self.damage,
        }


# ----------------------------------------------------------------------------- processes
_WORKER_SINK: ProgressSink | None = None


class _QueueLogHandler(logging.handlers.QueueHandler):
    def enqueue(self, record: logging.LogRecord) -> None:
        self.queue.put_nowait(("log", record))


def _init_worker(progress_queue: Any, level: int) -> None:
    global _WORKER_SINK
    _WORKER_SINK = progress_queue.put
    logger = logging.getLogger(log.name)
    logger.handlers[:] = [_QueueLogHandler(progress_queue)]
    logger.setLevel(level)
    logger.propagate = False


#: One file to read: path, index in the input, wanted subreddits, since, until.
FileTask = tuple[str, int, frozenset[str] | None, int | None, int | None]


def _read_file_task(task: FileTask, sink: ProgressSink | None = None) -> _FileResult:
    """Read one whole file (in a worker process, or here with ``sink``); says "done" last."""
    path, index, wanted, since, until = task
    sink = sink or _WORKER_SINK
    try:
        return _FileReader(Path(path), index, wanted, since, until, sink).run()
    finally:
        if sink is not None:
            sink(("done", index))


class _ProgressBoard:
    """One tqdm bar per file being read (lines/s); also replays worker log records."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[int, tqdm[Any]] = {}
        self.sizes: dict[int, int] = {}
        self.done: set[int] = set()

    def handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "log":
            record: logging.LogRecord = message[1]
            logger = logging.getLogger(record.name)
            if not logger.disabled:
                logger.handle(record)
        elif kind == "start":
            _, index, name, size = message
            self.sizes[index] = size
            self.bars[index] = progress_bar(
                desc=name,
                unit=" lines",
                unit_scale=True,
                disable=not self.enabled,
                leave=True,
                mininterval=0.5,
            )
        elif kind == "progress":
            _, index, lines, kept, position, note = message
            bar = self.bars.get(index)
            if bar is not None:
                size = self.sizes.get(index) or 1
                note = note or f"{min(position / size, 1):.0%} read"
                bar.set_postfix_str(f"kept {kept:,}, {note}", False)
                bar.update(lines - bar.n)
        elif kind == "done":
            self.done.add(message[1])
            bar = self.bars.pop(message[1], None)
            if bar is not None:
                bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()


class _Drain:
    """Replays the workers' progress and log messages on the board, from a thread, while
    the results are collected (a worker's "done" may arrive after its result)."""

    def __init__(self, messages: Any, board: _ProgressBoard, expected: set[int]) -> None:
        self.messages = messages
        self.board = board
        self.waiting = set(expected)
        self.stop_at: float | None = None
        self.thread = threading.Thread(target=self._run, name="ingest-progress", daemon=True)

    def _run(self) -> None:
        while self.waiting:
            try:
                message = self.messages.get(timeout=0.1)
            except queue.Empty:
                if self.stop_at is not None and time.monotonic() > self.stop_at:
                    return
                continue
            self.board.handle(message)
            if message[0] == "done":
                self.waiting.discard(message[1])

    def __enter__(self) -> _Drain:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # every result is in: the last messages are on their way (a worker that died never
        # sends its "done": give up on it after a few seconds)
        self.stop_at = time.monotonic() + (5.0 if exc[0] is None else 0.5)
        self.thread.join()


def _read_local(
    tasks: list[FileTask], execution: ExecutionParams, workers: int | None, board: _ProgressBoard
) -> list[_FileResult]:
    """Every file read whole, in this process or in a local pool of worker processes (a
    progress bar per file; the workers' log records replayed here)."""
    messages = multiprocessing.get_context("spawn").Queue()
    executor = open_executor(
        execution,
        workers,
        units=len(tasks),
        initializer=_init_worker,
        initargs=(messages, log.getEffectiveLevel()),
    )
    try:
        with executor:
            if isinstance(executor, InProcess):
                fn = functools.partial(_read_file_task, sink=board.handle)
                return list(executor.map(fn, tasks))
            log.info("reading %d file(s) on %s", len(tasks), executor.describe())
            with _Drain(messages, board, {task[1] for task in tasks}):
                return list(executor.map(_read_file_task, tasks))
    finally:
        messages.close()


# ----------------------------------------------------------------------------- frame
def _column(values: list[Any], dtype: str) -> Any:
    if dtype == "bool":
        return np.array(values, dtype=np.bool_)
    if dtype == "int64":
        return np.array(values, dtype=np.int64)
    if dtype == "Int64":
        return pd.array(values, dtype="Int64")
    if dtype == "string":
        return pd.array(values, dtype="string")
    raise ValueError(f"no column builder for dtype {dtype!r}")


def rows_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Kept rows (tuples in :data:`COLUMNS` order) as a frame with the raw dtypes."""
    if not rows:
        return empty_frame()
    columns = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            name: _column(list(values), DTYPES[name])
            for name, values in zip(COLUMNS, columns, strict=True)
        }
    )


def _build_frame(results: list[_FileResult]) -> tuple[pd.DataFrame, int]:
    """All kept rows as one frame, de-duplicated by post_id and sorted; and the drop count."""
    rows = [row for result in results for row in result.rows]
    if not rows:
        return empty_frame(), 0
    file_order = np.concatenate(
        [np.full(len(result.rows), result.index, dtype=np.int64) for result in results]
    )
    frame = rows_frame(rows)
    del rows
    return dedupe_and_sort(frame, file_order)


def dedupe_and_sort(frame: pd.DataFrame, file_order: np.ndarray) -> tuple[pd.DataFrame, int]:
    """One row per post_id (``file_order``: each row's file index), sorted by created_utc
    then post_id; and the number of rows dropped. The order of the input rows does not
    matter: the rescans rule below decides between copies of a post."""
    dropped = 0
    if frame["post_id"].duplicated().any():
        # rescans: real text beats [deleted]/[removed]/"", then the newest retrieval, then the
        # later file, then the later line
        keys = pd.DataFrame(
            {
                "post_id": frame["post_id"],
                "real_text": ~frame["selftext"].isin([*REMOVED_MARKERS, ""]).to_numpy(),
                "retrieved": frame["retrieved_utc"].fillna(-1).to_numpy(dtype=np.int64),
                "file": file_order,
                "line": frame["source_line"],
            }
        )
        keys = keys.sort_values(["post_id", "real_text", "retrieved", "file", "line"])
        keep = keys.drop_duplicates("post_id", keep="last").index
        dropped = len(frame) - len(keep)
        frame = frame.loc[keep]
    frame = frame.sort_values(["created_utc", "post_id"], kind="stable").reset_index(drop=True)
    return frame, dropped


# ----------------------------------------------------------------------------- public API
def _wanted(subreddits: Collection[str] | None) -> frozenset[str] | None:
    if subreddits is None or isinstance(subreddits, str):
        if isinstance(subreddits, str):
            raise TypeError("subreddits must be a collection of names, not a single string")
        return None
    names = set()
    for raw in subreddits:
        name = raw.strip()
        if name.lower().startswith(("r/", "/r/")):
            name = name.split("r/", 1)[1].strip("/")
        if not _SUBREDDIT_NAME_RE.fullmatch(name):
            raise ValueError(f"not a subreddit name: {raw!r}")
        names.add(name.lower())
    return frozenset(names) or None


def _too_many_message(report: DumpReadReport, limit: float) -> str:
    share = report.total_bad / report.total_lines
    bad_files = sorted((f for f in report.files if f["bad"]), key=lambda f: -sum(f["bad"].values()))
    lines = [
        f"too many bad records: {report.total_bad:,} of {report.total_lines:,} lines "
        f"({share:.3%}) in {len(bad_files)} file(s) could not be read, above the limit "
        f"max_bad_fraction={limit} ({limit:.3%})."
    ]
    for f in bad_files[:10]:
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in f["bad"].items())
        lines.append(f"  {f['name']}: {sum(f['bad'].values()):,} bad of {f['lines']:,} ({reasons})")
    if len(bad_files) > 10:
        lines.append(f"  ... and {len(bad_files) - 10} more file(s)")
    if report.bad_examples:
        examples = "; ".join(
            f"{e['file']}:{e['line']} {e['reason']}" for e in report.bad_examples[:5]
        )
        lines.append(f"  first bad lines: {examples}")
    lines.append(
        "Fix or drop those files, or raise the limit: ingest.max_bad_fraction in params.yaml "
        "(the max_bad_fraction argument of read_dumps)."
    )
    return "\n".join(lines)


def _damage_text(info: dict[str, Any]) -> str:
    """One damaged file in a line: what is wrong, where, and what was read before it."""
    d = info["damage"]
    return (
        f"{info['name']}: {d['kind']} at line {d['line']:,} ({d['bytes_read']:,} of "
        f"{d['size']:,} bytes read): {d['detail']}; {info['lines']:,} line(s) read before it"
    )


def _damaged_message(report: DumpReadReport) -> str:
    damaged = [f for f in report.files if f["damage"]]
    lines = [f"{len(damaged)} damaged dump file(s), which cannot be read to their end:"]
    lines += [f"  {_damage_text(f)}" for f in damaged]
    lines += [
        "Re-download or re-copy these files (`zstd -t FILE` or `gzip -t FILE` checks a copy).",
        "Or keep every complete record before the damage, with the damage recorded in "
        "metrics/ingest.json: set ingest.allow_damaged_files: true in params.yaml (the "
        "allow_damaged_files argument of read_dumps).",
        "(ingest.max_bad_fraction does not apply: it counts malformed lines in files that "
        "read to their end.)",
    ]
    return "\n".join(lines)


def _damaged_files(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's short list of damaged files."""
    return [
        {
            "file": f["name"],
            "kind": d["kind"],
            "line": d["line"],
            "detail": d["detail"],
            "kept": f["kept"],
        }
        for f in files
        if (d := f["damage"])
    ]


def read_dumps(
    paths: Sequence[Path],
    *,
    subreddits: Collection[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    max_bad_fraction: float = 0.01,
    workers: int | None = None,
    progress: bool = True,
    allow_damaged_files: bool = False,
    execution: ExecutionParams | None = None,
    scratch_dir: Path | None = None,
) -> tuple[pd.DataFrame, DumpReadReport]:
    """Read Reddit submission dumps into the ``raw/posts.parquet`` frame.

    Args:
        paths: dump files (``.zst``, ``.gz``, NDJSON or a JSON array), in the order that
            breaks ties between rescans of the same post (later wins).
        subreddits: names to keep, case-insensitive (``r/`` prefix allowed); None or empty
            keeps every subreddit.
        since, until: keep ``since <= created_utc < until`` (either may be None).
        max_bad_fraction: raise :class:`TooManyBadRecords` when bad lines / lines is above it
            (checked once everything is read). Damaged files do not count here.
        workers: processes reading files in parallel; None = ``os.cpu_count()``. One file,
            or ``workers=1``, reads in this process. The output does not depend on it. On
            Dask, the size of the LocalCluster started when no scheduler is configured.
        progress: show a tqdm bar per file (lines/s); on Dask, one bar over the tasks.
        allow_damaged_files: keep the complete records before the damage in a truncated or
            corrupt file (recorded in the report) instead of raising :class:`DamagedFiles`
            (raised once every file is read, naming each damaged one).
        execution: where the reading runs (:mod:`pipeline.execution`); None = locally. On
            Dask, the tasks are files and the pieces of multi-frame zstd files
            (:mod:`pipeline.ingest.parts`); the output and the report are the same.
        scratch_dir: on Dask, where the tasks write their parts (a temporary folder made
            inside it, removed at the end): a folder every worker can write to and this
            process can read, i.e. on a shared filesystem for a multi-host cluster.
            None = the system's temporary folder (enough for a LocalCluster).

    Returns:
        The frame (columns and dtypes of :data:`~pipeline.ingest.raw_columns.DTYPES`, one row
        per post, sorted by ``created_utc`` then ``post_id``) and the report.
    """
    files = [Path(p) for p in paths]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"dump file(s) not found: {', '.join(missing)}")
    if not 0.0 <= max_bad_fraction <= 1.0:
        raise ValueError(f"max_bad_fraction must be between 0 and 1, got {max_bad_fraction}")
    if since is not None and until is not None and since >= until:
        raise ValueError(f"empty time window: since={since} is not before until={until}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    wanted = _wanted(subreddits)
    tasks: list[FileTask] = [(str(p), i, wanted, since, until) for i, p in enumerate(files)]
    if execution is not None and execution.engine == "dask":
        from pipeline.ingest.parts import read_on_dask

        results, frame, dropped = read_on_dask(tasks, execution, workers, progress, scratch_dir)
    else:
        board = _ProgressBoard(progress)  # log lines go through the bars (pipeline.logs)
        try:
            results = _read_local(tasks, execution or ExecutionParams(), workers, board)
        finally:
            board.close()
        frame, dropped = _build_frame(results)
    examples = [e for r in results for e in r.examples][:MAX_BAD_EXAMPLES]
    files_stats = [r.stats for r in results]
    report = DumpReadReport(
        files=files_stats,
        damaged_files=_damaged_files(files_stats),
        bad_examples=examples,
        duplicates_dropped=dropped,
        total_lines=sum(r.stats["lines"] for r in results),
        total_kept=len(frame),
        total_bad=sum(sum(r.stats["bad"].values()) for r in results),
    )
    if dropped:
        log.info("dropped %d duplicate post(s) seen in several files or lines", dropped)
    if report.damaged_files and not allow_damaged_files:
        raise DamagedFiles(_damaged_message(report), report)
    for info in report.files:
        if info["damage"]:
            log.warning(
                "kept the records before the damage (allow_damaged_files): %s", _damage_text(info)
            )
    if report.total_lines and report.total_bad / report.total_lines > max_bad_fraction:
        raise TooManyBadRecords(_too_many_message(report, max_bad_fraction), report)
    log.info(
        "read %d file(s): %d lines, kept %d posts, %d bad, %d damaged file(s)",
        len(files),
        report.total_lines,
        report.total_kept,
        report.total_bad,
        len(report.damaged_files),
    )
    return frame, report


def expand_globs(patterns: Sequence[str], root: Path) -> list[Path]:
    """Files matching the glob ``patterns`` (relative ones from ``root``; ``**`` recurses).

    Returns a sorted, de-duplicated list. Raises FileNotFoundError naming the first pattern
    that matches no file.
    """
    found: set[Path] = set()
    for pattern in patterns:
        expanded = os.path.expanduser(pattern)
        if os.path.isabs(expanded):
            matches = glob.glob(expanded, recursive=True)
        else:
            matches = [
                os.path.join(root, m) for m in glob.glob(expanded, root_dir=root, recursive=True)
            ]
        files = [Path(os.path.normpath(m)) for m in matches if os.path.isfile(m)]
        if not files:
            raise FileNotFoundError(
                f"dump pattern {pattern!r} matched no files (relative patterns are searched "
                f"from {root}); check ingest.paths in params.yaml"
            )
        found.update(files)
    return sorted(found)
