"""Dedupe on a Dask cluster: the same duplicates as :func:`near.find_duplicates`, from
partitions of ``interim/clean.parquet`` that the workers read themselves.

The client never holds the corpus: it plans partitions from the parquet metadata (row
ranges of ``PARTITION_ROWS`` rows), and receives only the exact groups' members, the
verified pairs and, for the documents of those pairs, ``post_id``, ``created_utc`` and
length. Every global document id (``gid``) is the row's position in the file.

Data between steps goes through a **scratch folder** that the client and every worker see
(a shared filesystem, like the data paths): each task writes its rows for the next step as
one Arrow IPC file with one record batch per bucket (``_write_buckets``) and returns only
the file's path; a task of the next step reads just its bucket's batch from each file
(``_read_bucket``). Nothing of the shuffles stays in worker memory, so what a worker holds
is bounded by the partition size (one partition's rows, or one bucket: about one
partition's rows of each shuffle), not by the corpus. The caller owns the folder
(``stage.py`` creates it next to the outputs and removes it, success or failure).

1. **Sketch** (one task per partition): normalise (``exact.normalize_for_exact``), MinHash
   (``near.minhash_signatures``), and write light rows per hash bucket for the shuffles:
   ids (the unique-``post_id`` check), exact (key ``exact.text_key``), LSH bands (key
   ``(band, band key)``) and authors (minima kept for the Jaccard estimate).
2. **Exact** (one task per bucket): groups of equal normalised text; the representative of
   a group is its lowest ``post_id``, the others are "non-representatives".
3. **Candidates** (one task per bucket, after the exact step): non-representatives and
   documents without tokens dropped, then inside each band bucket (and each author) every
   document is paired with the next ``max_bucket_neighbors`` in ``(n_tokens, post_id)``
   order (``near.bucket_pairs``, the local rule: the canonical index is the ``post_id``
   order), same-author pairs kept when the estimated Jaccard reaches
   ``author_min_jaccard``, and the length guard (``near.length_ok``) applied. The pairs are
   written per *verify group* (one of the pair's two partitions, chosen so that every
   partition gets about half of its partition pairs).
4. **Verification** (one task per verify group ``g``): its candidate pairs from every
   candidate file, each distinct pair scored once with ``near.pair_scores``; the task reads
   partition ``g``, then the other partitions of its pairs one at a time, normalising only
   the documents of its pairs. Verifying per band bucket instead would score a pair once
   per band it shares (up to ``bands`` = 42 times) and ship every text with each of its
   band rows.
5. On the client: clusters (``clusters.components``) over exact and verified pairs, the keep
   rule (``clusters.choose_kept``) and the output rows (``near.duplicates_frame``).

A worker lost mid-run has its tasks recomputed by the scheduler (a task rewrites the same
file, atomically); a task that keeps killing workers ends in :class:`execution.WorkerLost`.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.dedupe.clusters import choose_kept, components
from pipeline.dedupe.exact import normalize_for_exact, text_key
from pipeline.dedupe.near import (
    INPUT_COLUMNS,
    DedupeConfig,
    Signatures,
    author_is_unknown,
    bucket_pairs,
    duplicates_frame,
    length_ok,
    minhash_signatures,
    pair_scores,
    post_lengths,
    text_or_empty,
)
from pipeline.execution import WorkerLost
from pipeline.schemas import CLEAN_POSTS, ArtifactError, validate

if TYPE_CHECKING:
    from distributed import Client, Future

__all__ = ["PARTITION_ROWS", "Partition", "find_duplicates_dask", "plan_partitions"]

log = logging.getLogger("valact.dedupe")

# Rows per partition: what one task holds (texts, signatures) at a time. An execution
# setting (it changes where work runs, never the output).
PARTITION_ROWS = 10_000
_READ_BATCH = 4_096  # rows decoded at a time when a partition starts inside a row group
_EMPTY = np.zeros(0, dtype=np.int64)
# The rows of each shuffle, as written to the scratch folder (explicit: a partition with no
# rows for a shuffle must write the same schema as the others).
_SCHEMAS = {
    "ids": pa.schema([("post_id", pa.string()), ("gid", pa.int64())]),
    "exact": pa.schema([("key", pa.binary()), ("post_id", pa.string()), ("gid", pa.int64()),
                        ("created_utc", pa.int64()), ("length", pa.int64())]),
    "bands": pa.schema([("band", pa.int16()), ("key", pa.uint64()), ("post_id", pa.string()),
                        ("gid", pa.int64()), ("n_tokens", pa.int64())]),
    "authors": pa.schema([("author", pa.string()), ("post_id", pa.string()),
                          ("gid", pa.int64()), ("n_tokens", pa.int64()),
                          ("minima", pa.list_(pa.uint16()))]),
    "pairs": pa.schema([("left", pa.int64()), ("right", pa.int64())]),
}


# ----------------------------------------------------------------------------- partitions


@dataclass(frozen=True)
class Partition:
    """Rows ``[start, stop)`` of the file (positions = global document ids), as slices
    ``(row_group, first, last)`` of its row groups."""

    index: int
    start: int
    stop: int
    slices: tuple[tuple[int, int, int], ...]


def plan_partitions(src: Path, partition_rows: int = PARTITION_ROWS) -> list[Partition]:
    """Consecutive row ranges of ``partition_rows`` rows, from the parquet metadata only."""
    if partition_rows < 1:
        raise ValueError(f"partition_rows must be >= 1, got {partition_rows}")
    if not src.exists():
        raise ArtifactError(f"{src} does not exist: run the stage that writes it first")
    meta = pq.ParquetFile(src).metadata
    group_start = np.r_[0, np.cumsum([meta.row_group(g).num_rows
                                      for g in range(meta.num_row_groups)])].astype(np.int64)
    total = int(group_start[-1])
    parts = []
    for index, start in enumerate(range(0, total, partition_rows)):
        stop = min(start + partition_rows, total)
        slices = []
        for g in range(meta.num_row_groups):
            lo, hi = max(start, group_start[g]), min(stop, group_start[g + 1])
            if lo < hi:
                slices.append((g, int(lo - group_start[g]), int(hi - group_start[g])))
        parts.append(Partition(index, start, stop, tuple(slices)))
    return parts


def read_partition(src: Path, part: Partition, columns: Sequence[str] | None = None
                   ) -> pd.DataFrame:
    """The partition's rows (all columns unless ``columns``), in file order; memory bounded
    by the partition (a row group is decoded in batches when only part of it is needed)."""
    pf = pq.ParquetFile(src)
    cols = list(columns) if columns is not None else None
    tables = []
    for group, first, last in part.slices:
        if first == 0 and last == pf.metadata.row_group(group).num_rows:
            tables.append(pf.read_row_group(group, columns=cols))
            continue
        seen = 0
        for batch in pf.iter_batches(batch_size=_READ_BATCH, row_groups=[group], columns=cols):
            lo, hi = max(first, seen), min(last, seen + batch.num_rows)
            if lo < hi:
                tables.append(batch.slice(lo - seen, hi - lo))
            seen += batch.num_rows
            if seen >= last:
                break
    frames = [t.to_pandas() if isinstance(t, pa.Table) else pa.Table.from_batches([t]).to_pandas()
              for t in tables]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def _bucket_of(hashes: np.ndarray, n_buckets: int) -> np.ndarray:
    return (hashes % np.uint64(n_buckets)).astype(np.int64)


def _write_buckets(path: Path, frame: pd.DataFrame, schema: pa.Schema, bucket: np.ndarray,
                   n_buckets: int) -> str:
    """Write ``frame``'s rows as an Arrow IPC file at ``path`` with one record batch per
    bucket ``0..n_buckets-1`` (empty ones too, so batch ``b`` is bucket ``b``); returns the
    path. Written under a temporary name and renamed, so that a task rerun after a lost
    worker never exposes a half-written file."""
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(n_buckets + 1))
    batch = pa.RecordBatch.from_pandas(frame.iloc[order], schema=schema,
                                   preserve_index=False)
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, batch.schema) as out:
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
                out.write_batch(batch.slice(int(lo), int(hi - lo)))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return str(path)


def _read_bucket(paths: Sequence[str], bucket: int) -> pd.DataFrame:
    """Bucket ``bucket``'s rows from every file of :func:`_write_buckets` (only that batch
    of each file is read)."""
    batches = []
    for path in paths:
        with pa.OSFile(path, "rb") as source:
            batches.append(pa.ipc.open_file(source).get_batch(bucket))
    if not batches:
        raise ValueError("_read_bucket: no files")
    return pa.Table.from_batches(batches).to_pandas()


# ----------------------------------------------------------------------------- 1. sketch


def _partition_texts(df: pd.DataFrame) -> tuple[list[str], list[str], np.ndarray]:
    """Titles, bodies (missing as "") and post ids (Python str) of partition rows."""
    return (text_or_empty(df["title"]), text_or_empty(df["body"]),
            df["post_id"].astype(str).to_numpy(dtype=object))


def sketch_partition(
    src: Path, part: Partition, config: DedupeConfig, n_buckets: int, scratch: Path
) -> dict[str, str]:
    """Read, validate and sketch one partition; writes its rows for each shuffle (one batch
    per bucket) to ``scratch`` and returns the files' paths by shuffle."""
    df = validate(read_partition(src, part), CLEAN_POSTS)
    titles, bodies, pids = _partition_texts(df)
    gid = np.arange(part.start, part.stop, dtype=np.int64)
    if len(df) != len(gid):
        raise ArtifactError(f"{src}: partition {part.index} read {len(df)} rows, "
                            f"expected {len(gid)}")
    normalized = [normalize_for_exact(t, b) for t, b in zip(titles, bodies, strict=True)]

    def write(kind: str, rows: pd.DataFrame, hashes: np.ndarray) -> None:
        out[kind] = _write_buckets(scratch / f"{kind}-{part.index}.arrow", rows,
                                   _SCHEMAS[kind], _bucket_of(hashes, n_buckets), n_buckets)

    out: dict[str, str] = {}
    write("ids", pd.DataFrame({"post_id": pids, "gid": gid}), pd.util.hash_array(pids))
    # exact: non-empty texts only (an empty text is never grouped), with what the output
    # needs of each member
    has_text = np.array([bool(t) for t in normalized], dtype=bool)
    keys = np.array([text_key(t) if t else b"" for t in normalized], dtype=object)
    exact = pd.DataFrame({
        "key": keys, "post_id": pids, "gid": gid,
        "created_utc": pd.to_numeric(df["created_utc"]).to_numpy(dtype=np.int64),
        "length": post_lengths(titles, bodies),
    })[has_text].reset_index(drop=True)
    key_hash = np.array([int.from_bytes(k[:8], "little") for k in exact["key"]],
                        dtype=np.uint64)
    write("exact", exact, key_hash)
    del exact, keys
    if not config.near:
        return out
    sigs = minhash_signatures(normalized, config)
    del normalized
    n_tok = sigs.n_tokens
    live = np.flatnonzero(n_tok > 0)  # documents without tokens never share a bucket
    bands = config.bands
    band_rows = pd.DataFrame({
        "band": np.tile(np.arange(bands, dtype=np.int16), len(live)),
        "key": sigs.band_keys[live].reshape(-1),
        "post_id": np.repeat(pids[live], bands),
        "gid": np.repeat(gid[live], bands),
        "n_tokens": np.repeat(n_tok[live], bands),
    })
    band_hash = pd.util.hash_array(band_rows["key"].to_numpy() ^ (
        band_rows["band"].to_numpy().astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)))
    write("bands", band_rows, band_hash)
    del band_rows, band_hash
    if config.same_author_candidates:
        authors = df["author_key"].astype(object).to_numpy()
        known = live[np.array([not author_is_unknown(a) for a in authors[live]], dtype=bool)]
        author_rows = pd.DataFrame({
            "author": authors[known].astype(str), "post_id": pids[known], "gid": gid[known],
            "n_tokens": n_tok[known], "minima": list(sigs.minima16[known]),
        })
        author_hash = pd.util.hash_array(author_rows["author"].to_numpy(dtype=object))
        write("authors", author_rows, author_hash)
    return out


def read_shuffle(sketches: Sequence[dict[str, str]], kind: str, bucket: int) -> pd.DataFrame:
    """One bucket of a shuffle: its rows from every partition's sketch."""
    return _read_bucket([s[kind] for s in sketches], bucket)


# ----------------------------------------------------------------------------- 2. exact


def duplicate_ids(sketches: Sequence[dict[str, str]], bucket: int) -> list[str]:
    """Post ids that occur more than once in one id bucket (at most a few, sorted)."""
    ids = read_shuffle(sketches, "ids", bucket)["post_id"]
    return sorted(set(ids[ids.duplicated()].astype(str)))[:5]


def exact_bucket(sketches: Sequence[dict[str, str]], bucket: int) -> pd.DataFrame:
    """Members of the exact groups (2+ equal texts) of one bucket, with ``rep_gid`` (the
    member with the lowest post_id) and each member's post_id, created_utc, length."""
    rows = read_shuffle(sketches, "exact", bucket)
    if rows.empty:
        return rows.assign(rep_gid=pd.Series([], dtype=np.int64)).drop(columns="key")
    rows = rows.iloc[np.argsort(rows["post_id"].to_numpy(dtype=object), kind="stable")]
    size = rows.groupby("key", sort=False)["gid"].transform("size")
    rows = rows[size.to_numpy() > 1]
    rep = rows.groupby("key", sort=False)["gid"].transform("first")  # lowest post_id
    return rows.assign(rep_gid=rep.to_numpy(dtype=np.int64)).drop(columns="key") \
        .reset_index(drop=True)


def non_representatives(groups: Sequence[pd.DataFrame]) -> np.ndarray:
    """Sorted gids of exact-group members that are not their group's representative."""
    gids = [g["gid"].to_numpy()[g["gid"].to_numpy() != g["rep_gid"].to_numpy()]
            for g in groups]
    return np.unique(np.concatenate([_EMPTY, *gids]).astype(np.int64))


# ----------------------------------------------------------------------------- 3. candidates


def _representatives(rows: pd.DataFrame, nonrep: np.ndarray) -> pd.DataFrame:
    """The bucket's rows of representatives, in post_id order (the canonical index)."""
    rows = rows[~np.isin(rows["gid"].to_numpy(), nonrep)]
    order = np.argsort(rows["post_id"].to_numpy(dtype=object), kind="stable")
    return rows.iloc[order].reset_index(drop=True)


def _pairs_in_buckets(rows: pd.DataFrame, key: np.ndarray, window: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Local positions ``(i, j)``, ``i < j`` in post_id order, of the pairs the bucket rule
    forms; ``key`` groups the rows into buckets."""
    n = len(rows)
    if n < 2:
        return _EMPTY, _EMPTY
    codes = list(bucket_pairs(key, rows["n_tokens"].to_numpy(dtype=np.int64), window))
    if not codes:
        return _EMPTY, _EMPTY
    allc = np.unique(np.concatenate(codes))
    return allc // n, allc % n


def band_candidates(rows: pd.DataFrame, nonrep: np.ndarray, config: DedupeConfig
                    ) -> np.ndarray:
    """Candidate pairs ``(gid_a, gid_b)`` (a's post_id < b's) of one bucket of band rows."""
    rows = _representatives(rows, nonrep)
    key = pd.MultiIndex.from_arrays([rows["band"], rows["key"]]).factorize()[0] \
        if len(rows) else _EMPTY
    i, j = _pairs_in_buckets(rows, np.asarray(key, dtype=np.int64), config.max_bucket_neighbors)
    return _length_checked(rows, i, j, config)


def author_candidates(rows: pd.DataFrame, nonrep: np.ndarray, config: DedupeConfig
                      ) -> np.ndarray:
    """Same-author candidate pairs of one bucket of author rows (estimated Jaccard at least
    ``author_min_jaccard``)."""
    rows = _representatives(rows, nonrep)
    key = pd.factorize(rows["author"].to_numpy(dtype=object))[0].astype(np.int64)
    i, j = _pairs_in_buckets(rows, key, config.max_bucket_neighbors)
    if len(i):
        minima = np.stack(rows["minima"].to_list()).astype(np.uint16)
        sigs = Signatures(np.zeros((len(rows), 0), dtype=np.uint64), minima,
                          rows["n_tokens"].to_numpy(dtype=np.int64))
        similar = sigs.jaccard(i, j) >= config.author_min_jaccard
        i, j = i[similar], j[similar]
    return _length_checked(rows, i, j, config)


def _length_checked(rows: pd.DataFrame, i: np.ndarray, j: np.ndarray, config: DedupeConfig
                    ) -> np.ndarray:
    n_tok = rows["n_tokens"].to_numpy(dtype=np.int64)
    ok = length_ok(n_tok[i], n_tok[j], config.min_length_ratio)
    gid = rows["gid"].to_numpy(dtype=np.int64)
    return np.stack([gid[i[ok]], gid[j[ok]]], axis=1) if ok.any() else np.zeros((0, 2), np.int64)


_CANDIDATES = {"bands": band_candidates, "authors": author_candidates}


def verify_group(pairs: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The verify group of each pair ``(gid_a, gid_b)``: one of its two partitions, the lower
    when their index sum is even, else the higher (so every partition verifies about half
    of the partition pairs it is part of, instead of partition 0 verifying all of its)."""
    pa_, pb_ = (np.searchsorted(starts, pairs[:, c], side="right") - 1 for c in (0, 1))
    lo, hi = np.minimum(pa_, pb_), np.maximum(pa_, pb_)
    return np.where((lo + hi) % 2 == 0, lo, hi).astype(np.int64)


def candidates_task(kind: str, sketches: Sequence[dict[str, str]], bucket: int,
                    nonrep: np.ndarray, config: DedupeConfig, starts: np.ndarray,
                    scratch: Path) -> tuple[str, int]:
    """Candidate pairs of one bucket of a shuffle (``bands`` or ``authors``), written to
    ``scratch`` per verify group; returns the file's path and the number of pairs."""
    pairs = _CANDIDATES[kind](read_shuffle(sketches, kind, bucket), nonrep, config)
    frame = pd.DataFrame({"left": pairs[:, 0], "right": pairs[:, 1]})
    path = _write_buckets(scratch / f"pairs-{kind}-{bucket}.arrow", frame, _SCHEMAS["pairs"],
                          verify_group(pairs, starts), len(starts))
    return path, len(pairs)


# ----------------------------------------------------------------------------- 4. verification


def _documents(src: Path, part: Partition, gids: np.ndarray) -> pd.DataFrame:
    """The rows of ``part`` whose gid is in ``gids``, with ``gid`` and ``text`` (normalised)."""
    df = read_partition(src, part, INPUT_COLUMNS)
    df = df.assign(gid=np.arange(part.start, part.stop, dtype=np.int64))
    df = df[np.isin(df["gid"].to_numpy(), gids)].reset_index(drop=True)
    titles, bodies, pids = _partition_texts(df)
    return pd.DataFrame({
        "post_id": pids, "gid": df["gid"].to_numpy(dtype=np.int64),
        "created_utc": pd.to_numeric(df["created_utc"]).to_numpy(np.int64),
        "length": post_lengths(titles, bodies),
        "text": [normalize_for_exact(t, b) for t, b in zip(titles, bodies, strict=True)],
    })


def verify_task(src: Path, parts: Sequence[Partition], group: int,
                pair_files: Sequence[str], config: DedupeConfig
                ) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, int]:
    """Verified pairs ``(gid_a, gid_b)`` of verify group ``group`` and their scores (at least
    the threshold), the post_id, created_utc and length of their documents, and the
    number of distinct candidate pairs scored. Reads partition ``group``, then the other
    partitions of its pairs one at a time."""
    cand = _read_bucket(pair_files, group) if pair_files else pd.DataFrame(
        {"left": _EMPTY, "right": _EMPTY})
    pairs = np.unique(cand[["left", "right"]].to_numpy(dtype=np.int64).reshape(-1, 2), axis=0)
    del cand
    starts = np.array([p.start for p in parts], dtype=np.int64)
    part_of = (np.searchsorted(starts, pairs, side="right") - 1).reshape(-1, 2)
    other = np.where(part_of[:, 0] == group, part_of[:, 1], part_of[:, 0])
    home = _documents(src, parts[group], pairs.reshape(-1))
    found, found_scores, infos = [np.zeros((0, 2), np.int64)], [np.zeros(0)], []
    for o in np.unique(other):
        block = pairs[other == o]
        docs = home if o == group else pd.concat(
            [home, _documents(src, parts[int(o)], block.reshape(-1))], ignore_index=True)
        gid = docs["gid"].to_numpy()
        by_gid = np.argsort(gid)
        pos = by_gid[np.searchsorted(gid[by_gid], block)]
        scores = pair_scores(docs["text"].tolist(), pos[:, 0], pos[:, 1], config)
        ok = scores >= config.threshold
        found.append(block[ok])
        found_scores.append(scores[ok])
        used = np.isin(gid, block[ok].reshape(-1))
        infos.append(docs.loc[used, ["post_id", "gid", "created_utc", "length"]])
    info = pd.concat(infos, ignore_index=True).drop_duplicates("gid") if infos else \
        home[["post_id", "gid", "created_utc", "length"]].iloc[:0]
    return np.concatenate(found), np.concatenate(found_scores), info, len(pairs)


# ----------------------------------------------------------------------------- the run


class _Graph:
    """Submits the run's tasks under one unique key prefix, and remembers them (to cancel
    what is left when the run fails)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.prefix = f"dedupe-{uuid.uuid4().hex[:8]}"
        self.futures: list[Future] = []

    def submit(self, name: str, fn: Callable[..., Any], *args: Any) -> Future:
        future = self.client.submit(fn, *args, key=f"{self.prefix}-{name}", pure=False)
        self.futures.append(future)
        return future

    def cancel(self) -> None:
        self.client.cancel(self.futures)


def _gather(client: Client, futures: Any) -> Any:
    from distributed import KilledWorker

    try:
        return client.gather(futures)
    except KilledWorker as exc:
        raise WorkerLost(
            f"Dask workers died running {exc.task!r} (retried on other workers until the "
            "scheduler's allowed-failures ran out). Out of memory? A smaller partition "
            "size, or more memory per worker."
        ) from exc


def find_duplicates_dask(
    client: Client, src: Path, config: DedupeConfig, scratch: Path,
    partition_rows: int = PARTITION_ROWS,
) -> tuple[pd.DataFrame, int]:
    """``(duplicates, rows read)`` of ``src`` (clean's parquet), computed on ``client``'s
    cluster: the same frame :func:`near.find_duplicates` returns for the file's rows.

    ``scratch``: an existing, empty folder that every worker sees at this path, for the
    shuffles' files; the caller removes it. The run's tasks are cancelled if it fails."""
    parts = plan_partitions(src, partition_rows)
    n_rows = parts[-1].stop if parts else 0
    if n_rows == 0:
        return duplicates_frame(_EMPTY, _EMPTY, np.zeros(0), np.zeros(0, bool)), 0
    g = _Graph(client)
    try:
        return _run(client, g, src, parts, config, scratch), n_rows
    except BaseException:
        g.cancel()
        raise


def _run(client: Client, g: _Graph, src: Path, parts: list[Partition], config: DedupeConfig,
         scratch: Path) -> pd.DataFrame:
    k = len(parts)
    log.info("dedupe (dask): %d rows in %d partitions", parts[-1].stop, k)
    sketches = [g.submit(f"sketch-{p.index}", sketch_partition, src, p, config, k, scratch)
                for p in parts]
    id_checks = [g.submit(f"ids-check-{b}", duplicate_ids, sketches, b) for b in range(k)]
    groups = [g.submit(f"exact-group-{b}", exact_bucket, sketches, b) for b in range(k)]
    nonrep = g.submit("nonrep", non_representatives, groups)
    starts = np.array([p.start for p in parts], dtype=np.int64)
    kinds = ["bands", "authors"] if config.same_author_candidates else ["bands"]
    cands = [g.submit(f"{kind}-cand-{b}", candidates_task, kind, sketches, b, nonrep, config,
                      starts, scratch)
             for kind in (kinds if config.near else []) for b in range(k)]
    pair_files = g.submit("pair-files", _first_items, cands)
    checks = [g.submit(f"verify-{group}", verify_task, src, parts, group, pair_files, config)
              for group in range(k)] if cands else []
    dup_ids, exact_members = _gather(client, [id_checks, groups])
    bad = sorted({i for ids in dup_ids for i in ids})
    if bad:
        raise ValueError(f"find_duplicates: post_id is not unique (e.g. {bad[0]!r})")
    exact = pd.concat(exact_members, ignore_index=True)
    del exact_members
    results = _gather(client, checks)
    empty_info = pd.DataFrame({"post_id": pd.Series([], dtype=object), "gid": _EMPTY,
                               "created_utc": _EMPTY, "length": _EMPTY})
    pairs = np.concatenate([np.zeros((0, 2), np.int64), *[r[0] for r in results]])
    scores = np.concatenate([np.zeros(0), *[r[1] for r in results]])
    info = pd.concat([empty_info, *[r[2] for r in results]], ignore_index=True)
    log.info("dedupe (dask): %d candidate pairs, %d verified",
             sum(r[3] for r in results), len(pairs))
    return _assemble(exact, pairs[:, 0], pairs[:, 1], scores, info, config)


def _first_items(results: Sequence[tuple[str, int]]) -> list[str]:
    """The paths of the candidate tasks' results (a small task, so that each verify task
    depends on one list instead of on every candidate task)."""
    return [r[0] for r in results]


def _assemble(exact: pd.DataFrame, left: np.ndarray, right: np.ndarray, scores: np.ndarray,
              info: pd.DataFrame, config: DedupeConfig) -> pd.DataFrame:
    """Clusters of the members of exact groups and verified pairs, and the output rows."""
    members = pd.concat([exact.drop(columns="rep_gid"), info], ignore_index=True) \
        .drop_duplicates("gid")
    members = members.iloc[np.argsort(members["post_id"].to_numpy(dtype=object),
                                      kind="stable")].reset_index(drop=True)
    gid = members["gid"].to_numpy(dtype=np.int64)
    by_gid = np.argsort(gid)

    def pos(g: np.ndarray) -> np.ndarray:
        return by_gid[np.searchsorted(gid[by_gid], np.asarray(g, dtype=np.int64))]

    n = len(members)
    rep = np.arange(n, dtype=np.int64)  # each member's exact-group representative
    rep[pos(exact["gid"].to_numpy())] = pos(exact["rep_gid"].to_numpy())
    near_left, near_right = pos(left), pos(right)
    best_link = np.zeros(n, dtype=np.float64)
    np.maximum.at(best_link, near_left, scores)
    np.maximum.at(best_link, near_right, scores)
    labels = components(n, np.r_[np.arange(n, dtype=np.int64), near_left],
                        np.r_[rep, near_right])
    kept = choose_kept(labels, members["created_utc"].to_numpy(dtype=np.int64),
                       members["length"].to_numpy(dtype=np.int64), config.keep)
    removed = np.flatnonzero(kept != np.arange(n))
    post_ids = members["post_id"].to_numpy(dtype=object)
    return duplicates_frame(post_ids[removed], post_ids[kept[removed]],
                            best_link[rep[removed]], rep[removed] == rep[kept[removed]])
