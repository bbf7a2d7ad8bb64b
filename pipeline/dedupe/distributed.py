"""Dedupe on a Dask cluster: the same duplicates as :func:`near.find_duplicates`, from
partitions of ``interim/clean.parquet`` that the workers read themselves.

The client never holds the corpus: it plans partitions from the parquet metadata (row
ranges of ``PARTITION_ROWS`` rows), and receives only candidate and verified pairs, the
exact groups' members and, for the members of clusters, ``post_id``, ``created_utc`` and
length. Every global document id (``gid``) is the row's position in the file.

1. **Sketch** (one task per partition): normalise (``exact.normalize_for_exact``), MinHash
   (``near.minhash_signatures``), and split light rows into hash buckets for three
   shuffles: exact (key ``exact.text_key``), LSH bands (key ``(band, band key)``) and
   authors (key: the author, minima kept for the Jaccard estimate). Texts stay behind.
2. **Exact** (one task per bucket): groups of equal normalised text; the representative of
   a group is its lowest ``post_id``, the others are "non-representatives".
3. **Candidates** (one task per bucket, after the exact step): non-representatives and
   documents without tokens dropped, then inside each band bucket (and each author) every
   document is paired with the next ``max_bucket_neighbors`` in ``(n_tokens, post_id)``
   order (``near.bucket_pairs``, the local rule: the canonical index is the ``post_id``
   order), same-author pairs kept when the estimated Jaccard reaches
   ``author_min_jaccard``, and the length guard (``near.length_ok``) applied.
4. **Verification** (one task per pair of partitions holding candidate pairs): each distinct
   candidate pair is scored once with ``near.pair_scores``; the task rereads its two
   partitions and normalises only the documents of its pairs. Verifying per band bucket
   instead would score a pair once per band it shares (up to ``bands`` = 42 times) and
   ship every text with each of its 42 band rows.
5. On the client: clusters (``clusters.components``) over exact and verified pairs, the keep
   rule (``clusters.choose_kept``) and the output rows (``near.duplicates_frame``).

A worker lost mid-run has its tasks (and the lost results they need) recomputed by the
scheduler; a task that keeps killing workers ends in :class:`execution.WorkerLost`.
"""

from __future__ import annotations

import logging
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


def _split(frame: pd.DataFrame, bucket: np.ndarray, n_buckets: int) -> list[pd.DataFrame]:
    """``frame``'s rows per bucket ``0..n_buckets-1``."""
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(n_buckets + 1))
    return [frame.iloc[order[bounds[b]:bounds[b + 1]]].reset_index(drop=True)
            for b in range(n_buckets)]


# ----------------------------------------------------------------------------- 1. sketch


def _partition_texts(df: pd.DataFrame) -> tuple[list[str], list[str], np.ndarray]:
    """Titles, bodies (missing as "") and post ids (Python str) of partition rows."""
    return (text_or_empty(df["title"]), text_or_empty(df["body"]),
            df["post_id"].astype(str).to_numpy(dtype=object))


def sketch_partition(
    src: Path, part: Partition, config: DedupeConfig, n_buckets: int
) -> dict[str, list[pd.DataFrame]]:
    """Read, validate and sketch one partition; its rows for each shuffle, per bucket."""
    df = validate(read_partition(src, part), CLEAN_POSTS)
    titles, bodies, pids = _partition_texts(df)
    gid = np.arange(part.start, part.stop, dtype=np.int64)
    if len(df) != len(gid):
        raise ArtifactError(f"{src}: partition {part.index} read {len(df)} rows, "
                            f"expected {len(gid)}")
    normalized = [normalize_for_exact(t, b) for t, b in zip(titles, bodies, strict=True)]
    ids = pd.DataFrame({"post_id": pids, "gid": gid})
    out: dict[str, list[pd.DataFrame]] = {
        "ids": _split(ids, _bucket_of(pd.util.hash_array(pids), n_buckets), n_buckets)
    }
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
    out["exact"] = _split(exact, _bucket_of(key_hash, n_buckets), n_buckets)
    if not config.near:
        return out
    sigs = minhash_signatures(normalized, config)
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
    out["bands"] = _split(band_rows, _bucket_of(band_hash, n_buckets), n_buckets)
    if config.same_author_candidates:
        authors = df["author_key"].astype(object).to_numpy()
        known = live[np.array([not author_is_unknown(a) for a in authors[live]], dtype=bool)]
        author_rows = pd.DataFrame({
            "author": authors[known].astype(str), "post_id": pids[known], "gid": gid[known],
            "n_tokens": n_tok[known], "minima": list(sigs.minima16[known]),
        })
        author_hash = pd.util.hash_array(author_rows["author"].to_numpy(dtype=object))
        out["authors"] = _split(author_rows, _bucket_of(author_hash, n_buckets), n_buckets)
    return out


def _pick(sketch: dict[str, list[pd.DataFrame]], kind: str, bucket: int) -> pd.DataFrame:
    return sketch[kind][bucket]


# ----------------------------------------------------------------------------- 2. exact


def duplicate_ids(pieces: Sequence[pd.DataFrame]) -> list[str]:
    """Post ids that occur more than once in one id bucket (at most a few, sorted)."""
    ids = pd.concat(pieces, ignore_index=True)["post_id"]
    return sorted(set(ids[ids.duplicated()].astype(str)))[:5]


def exact_bucket(pieces: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Members of the exact groups (2+ equal texts) of one bucket, with ``rep_gid`` (the
    member with the lowest post_id) and each member's post_id, created_utc, length."""
    rows = pd.concat(pieces, ignore_index=True)
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


def _representatives(pieces: Sequence[pd.DataFrame], nonrep: np.ndarray) -> pd.DataFrame:
    """The bucket's rows of representatives, in post_id order (the canonical index)."""
    rows = pd.concat(pieces, ignore_index=True)
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


def band_candidates(pieces: Sequence[pd.DataFrame], nonrep: np.ndarray, config: DedupeConfig
                    ) -> np.ndarray:
    """Candidate pairs ``(gid_a, gid_b)`` (a's post_id < b's) of one bucket of band rows."""
    rows = _representatives(pieces, nonrep)
    key = pd.MultiIndex.from_arrays([rows["band"], rows["key"]]).factorize()[0] \
        if len(rows) else _EMPTY
    i, j = _pairs_in_buckets(rows, np.asarray(key, dtype=np.int64), config.max_bucket_neighbors)
    return _length_checked(rows, i, j, config)


def author_candidates(pieces: Sequence[pd.DataFrame], nonrep: np.ndarray,
                      config: DedupeConfig) -> np.ndarray:
    """Same-author candidate pairs of one bucket of author rows (estimated Jaccard at least
    ``author_min_jaccard``)."""
    rows = _representatives(pieces, nonrep)
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


# ----------------------------------------------------------------------------- 4. verification


def verify_block(src: Path, parts: tuple[Partition, ...], left: np.ndarray, right: np.ndarray,
                 config: DedupeConfig) -> tuple[np.ndarray, pd.DataFrame]:
    """Scores of pairs whose documents lie in ``parts`` (one or two partitions), and the
    post_id, created_utc and length of every document of a pair."""
    frames = [read_partition(src, p, INPUT_COLUMNS).assign(
        gid=np.arange(p.start, p.stop, dtype=np.int64)) for p in parts]
    df = pd.concat(frames, ignore_index=True)
    df = df[np.isin(df["gid"].to_numpy(), np.r_[left, right])].reset_index(drop=True)
    titles, bodies, pids = _partition_texts(df)
    texts = [normalize_for_exact(t, b) for t, b in zip(titles, bodies, strict=True)]
    gid = df["gid"].to_numpy(dtype=np.int64)
    scores = pair_scores(texts, np.searchsorted(gid, left), np.searchsorted(gid, right), config)
    info = pd.DataFrame({"post_id": pids, "gid": gid,
                         "created_utc": pd.to_numeric(df["created_utc"]).to_numpy(np.int64),
                         "length": post_lengths(titles, bodies)})
    return scores, info


# ----------------------------------------------------------------------------- the run


class _Graph:
    """Submits the run's tasks under one unique key prefix."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.prefix = f"dedupe-{uuid.uuid4().hex[:8]}"

    def submit(self, name: str, fn: Callable[..., Any], *args: Any) -> Future:
        return self.client.submit(fn, *args, key=f"{self.prefix}-{name}", pure=False)

    def shuffle(self, kind: str, sketches: Sequence[Future], n_buckets: int
                ) -> list[list[Future]]:
        """Per bucket, the futures of that bucket's rows from every sketch."""
        return [[self.submit(f"{kind}-{i}-{b}", _pick, s, kind, b)
                 for i, s in enumerate(sketches)] for b in range(n_buckets)]


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
    client: Client, src: Path, config: DedupeConfig, partition_rows: int = PARTITION_ROWS
) -> tuple[pd.DataFrame, int]:
    """``(duplicates, rows read)`` of ``src`` (clean's parquet), computed on ``client``'s
    cluster: the same frame :func:`near.find_duplicates` returns for the file's rows."""
    parts = plan_partitions(src, partition_rows)
    n_rows = parts[-1].stop if parts else 0
    if n_rows == 0:
        return duplicates_frame(_EMPTY, _EMPTY, np.zeros(0), np.zeros(0, bool)), 0
    k = len(parts)
    g = _Graph(client)
    log.info("dedupe (dask): %d rows in %d partitions", n_rows, k)
    sketches = [g.submit(f"sketch-{p.index}", sketch_partition, src, p, config, k)
                for p in parts]
    id_checks = [g.submit(f"ids-check-{b}", duplicate_ids, pieces)
                 for b, pieces in enumerate(g.shuffle("ids", sketches, k))]
    groups = [g.submit(f"exact-group-{b}", exact_bucket, pieces)
              for b, pieces in enumerate(g.shuffle("exact", sketches, k))]
    nonrep = g.submit("nonrep", non_representatives, groups)
    cands: list[Future] = []
    if config.near:
        cands += [g.submit(f"bands-cand-{b}", band_candidates, pieces, nonrep, config)
                  for b, pieces in enumerate(g.shuffle("bands", sketches, k))]
        if config.same_author_candidates:
            cands += [g.submit(f"authors-cand-{b}", author_candidates, pieces, nonrep, config)
                      for b, pieces in enumerate(g.shuffle("authors", sketches, k))]
    dup_ids, exact_members, cand_pairs = _gather(client, [id_checks, groups, cands])
    bad = sorted({i for ids in dup_ids for i in ids})
    if bad:
        raise ValueError(f"find_duplicates: post_id is not unique (e.g. {bad[0]!r})")
    del sketches, groups, nonrep, cands  # release the shuffles' data on the workers
    exact = pd.concat(exact_members, ignore_index=True)
    left, right, scores, info = _verify(client, g, src, parts, cand_pairs, config)
    return _assemble(exact, left, right, scores, info, config), n_rows


def _verify(client: Client, g: _Graph, src: Path, parts: list[Partition],
            cand_pairs: Sequence[np.ndarray], config: DedupeConfig
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """Verified pairs ``(left, right, score)`` and the member info of their documents."""
    pairs = np.unique(np.concatenate([np.zeros((0, 2), np.int64), *cand_pairs]), axis=0)
    log.info("dedupe (dask): %d candidate pairs", len(pairs))
    empty_info = pd.DataFrame({"post_id": pd.Series([], dtype=object), "gid": _EMPTY,
                               "created_utc": _EMPTY, "length": _EMPTY})
    if len(pairs) == 0:
        return _EMPTY, _EMPTY, np.zeros(0), empty_info
    starts = np.array([p.start for p in parts], dtype=np.int64)
    pa_, pb_ = (np.searchsorted(starts, pairs[:, c], side="right") - 1 for c in (0, 1))
    lo, hi = np.minimum(pa_, pb_), np.maximum(pa_, pb_)
    block = lo * len(parts) + hi
    order = np.argsort(block, kind="stable")
    pairs, block = pairs[order], block[order]
    cuts = np.flatnonzero(np.r_[True, block[1:] != block[:-1], True])
    tasks = []
    for s, e in zip(cuts[:-1], cuts[1:], strict=True):
        a, b = divmod(int(block[s]), len(parts))
        tasks.append(g.submit(f"verify-{a}-{b}", verify_block, src,
                              (parts[a],) if a == b else (parts[a], parts[b]),
                              pairs[s:e, 0], pairs[s:e, 1], config))
    results = _gather(client, tasks)
    scores = np.concatenate([r[0] for r in results])
    info = pd.concat([empty_info, *[r[1] for r in results]], ignore_index=True)
    ok = scores >= config.threshold
    return pairs[ok, 0], pairs[ok, 1], scores[ok], info


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
