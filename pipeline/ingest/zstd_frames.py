"""Where the zstd frames of a file start and end, found without decompressing anything.

A zstd file is a sequence of frames (RFC 8878, section 3.1.1), each decodable on its own:
so a multi-frame dump can be read in pieces, one per group of frames, on different workers.
The walk reads each frame's header (magic number, frame header descriptor, window
descriptor, dictionary id, frame content size), then only the 3-byte header of every block
(last-block flag, block type, block size), seeking over the block contents, and the
optional 4-byte checksum. Skippable frames (magic ``0x184D2A5?``, a 4-byte size, data) are
walked over too; they belong to the piece before them (the first piece if they lead).

Anything the walk does not understand (a wrong magic number, a reserved bit or block type,
a frame that runs past the end of the file) gives None: the file is then read whole, in one
piece, by the ordinary reader, which reports the damage exactly as it always does.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO, Final

__all__ = ["frame_spans", "group_spans", "zstd_pieces"]

ZSTD_MAGIC: Final = 0xFD2FB528
SKIPPABLE_MASK: Final = 0xFFFFFFF0
SKIPPABLE_MAGIC: Final = 0x184D2A50
#: A block's content is never larger than this (RFC 8878, Block_Maximum_Size).
MAX_BLOCK_SIZE: Final = 128 * 1024
_DICT_ID_BYTES: Final = (0, 1, 2, 4)
_FCS_BYTES: Final = (0, 2, 4, 8)  # for flag 0 the size is 1 byte if Single_Segment is set

#: Pieces of a multi-frame file hold at least this many compressed bytes (consecutive frames
#: are grouped): fewer, bigger tasks, and a first piece big enough for the content sniff.
MIN_PIECE_BYTES: Final = 16 << 20


class _NotZstd(Exception):
    """The walk met something that is not a well-formed, complete zstd frame."""


def _read_exact(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise _NotZstd("unexpected end of file")
    return data


def _skip(fh: BinaryIO, n: int, size: int) -> None:
    position = fh.tell() + n
    if position > size:
        raise _NotZstd("frame runs past the end of the file")
    fh.seek(position)


def _walk_zstd_frame(fh: BinaryIO, size: int) -> None:
    """Move ``fh`` from just after a zstd frame's magic number to the end of that frame."""
    (descriptor,) = _read_exact(fh, 1)
    fcs_flag = descriptor >> 6
    single_segment = (descriptor >> 5) & 1
    if (descriptor >> 3) & 1:
        raise _NotZstd("reserved bit set in the frame header descriptor")
    checksum = (descriptor >> 2) & 1
    header = (
        (0 if single_segment else 1)  # Window_Descriptor
        + _DICT_ID_BYTES[descriptor & 3]
        + (1 if fcs_flag == 0 and single_segment else _FCS_BYTES[fcs_flag])
    )
    _read_exact(fh, header)
    while True:
        (block,) = struct.unpack("<I", _read_exact(fh, 3) + b"\x00")
        last = block & 1
        block_type = (block >> 1) & 3
        block_size = block >> 3
        if block_type == 3:
            raise _NotZstd("reserved block type")
        if block_type != 1 and block_size > MAX_BLOCK_SIZE:
            raise _NotZstd("block larger than the maximum block size")
        _skip(fh, 1 if block_type == 1 else block_size, size)  # RLE blocks hold one byte
        if last:
            break
    if checksum:
        _skip(fh, 4, size)


def frame_spans(fh: BinaryIO) -> list[tuple[int, int, bool]] | None:
    """``(start, end, skippable)`` byte ranges of every frame in ``fh``, in file order, or None
    when the file is not a sequence of complete, well-formed frames (read it whole)."""
    fh.seek(0, 2)
    size = fh.tell()
    fh.seek(0)
    spans: list[tuple[int, int, bool]] = []
    try:
        while (start := fh.tell()) < size:
            (magic,) = struct.unpack("<I", _read_exact(fh, 4))
            if magic == ZSTD_MAGIC:
                _walk_zstd_frame(fh, size)
                spans.append((start, fh.tell(), False))
            elif magic & SKIPPABLE_MASK == SKIPPABLE_MAGIC:
                (length,) = struct.unpack("<I", _read_exact(fh, 4))
                _skip(fh, length, size)
                spans.append((start, fh.tell(), True))
            else:
                raise _NotZstd(f"no frame magic number at byte {start}")
    except _NotZstd:
        return None
    return spans


def group_spans(spans: list[tuple[int, int, bool]], min_bytes: int) -> list[tuple[int, int]]:
    """Consecutive frames grouped into ``(start, end)`` pieces of at least ``min_bytes``
    (a smaller last piece joins the one before). Skippable frames join the piece before
    them (leading ones, the first piece); every piece holds at least one zstd frame."""
    pieces: list[list[int]] = []  # [start, end, zstd frames in it]
    for start, end, skippable in spans:
        current = pieces[-1] if pieces else None
        if current is not None and (
            skippable or not current[2] or current[1] - current[0] < min_bytes
        ):
            current[1] = end
        else:
            current = [start, end, 0]
            pieces.append(current)
        current[2] += not skippable
    if len(pieces) > 1 and pieces[-1][1] - pieces[-1][0] < min_bytes:
        last = pieces.pop()
        pieces[-1][1] = last[1]
    return [(start, end) for start, end, _ in pieces]


def zstd_pieces(path: Path, min_bytes: int = MIN_PIECE_BYTES) -> list[tuple[int, int]] | None:
    """The pieces a zstd file can be read in (see :func:`group_spans`), or None when it
    cannot be split (damaged or malformed: the ordinary reader reads it and says why)."""
    with open(path, "rb") as fh:
        spans = frame_spans(fh)
    if not spans:
        return None
    return group_spans(spans, min_bytes)
