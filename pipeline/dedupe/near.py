"""Near duplicates and the engine's entry point, :func:`find_duplicates`.

1. Exact: posts with the same :func:`~pipeline.dedupe.exact.normalize_for_exact` text form
   one group; each group has one representative for the next steps.
2. Blocking, without comparing all pairs: MinHash over word shingles of the normalized
   text, vectorised in numpy (tokens hashed from their UTF-8 bytes, shingle hashes combined
   from token hashes, ``num_perm`` multiply-shift hash functions, minima per document with
   ``np.minimum.reduceat``), then LSH banding: documents sharing a band key are candidates.
   Posts by the same author are candidates too when their estimated Jaccard similarity is
   not negligible (a retold story may share too few shingles for the bands).
3. Verification with rapidfuzz on the normalized texts: the score of a pair is
   ``token_sort_ratio`` (robust to reordered sentences; on the benchmark corpus, taking the
   larger of it and plain ``ratio`` changed 4 of 13,600 verified pairs and no cluster). A
   pair whose shorter text has fewer than ``min_length_ratio`` of the longer one's tokens is
   never a duplicate, whatever its score: that guards the token-subset trap (a short post
   made of some sentences of a long one), which ``token_set_ratio`` would score 100.
4. Union-find over exact groups and verified pairs; one post kept per cluster.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.dedupe.clusters import KeepRule, choose_kept, components
from pipeline.dedupe.exact import exact_groups, normalize_for_exact
from pipeline.progress import progress_bar
from pipeline.text_patterns import REMOVED_MARKERS

__all__ = [
    "INPUT_COLUMNS",
    "OUTPUT_COLUMNS",
    "DedupeConfig",
    "author_is_unknown",
    "bucket_pairs",
    "candidate_pairs",
    "duplicates_frame",
    "find_duplicates",
    "length_ok",
    "Signatures",
    "minhash_signatures",
    "pair_scores",
    "post_lengths",
    "sorted_tokens",
    "text_or_empty",
]

log = logging.getLogger("valact.dedupe")

OUTPUT_COLUMNS = ("post_id", "kept_post_id", "score", "method")
INPUT_COLUMNS = ("post_id", "title", "body", "created_utc", "author_key")  # clean's columns


@dataclass(frozen=True)
class DedupeConfig:
    """Settings of the dedupe engine.

    - ``near``: look for near duplicates (else exact duplicates only).
    - ``threshold``: rapidfuzz ``token_sort_ratio`` (0-100) at or above which a candidate
      pair is a near duplicate.
    - ``min_length_ratio``: shorter/longer token count below which a pair is never a near
      duplicate, whatever its score (the token-subset trap).
    - ``shingle_size``, ``num_perm``, ``bands``, ``rows``: MinHash over ``shingle_size``-word
      shingles with ``num_perm`` hash functions; the first ``bands * rows`` form ``bands``
      LSH bands of ``rows`` rows. With 42 bands of 3 rows a pair with shingle Jaccard 0.4 is a
      candidate with probability 0.94, at 0.5 with 0.995.
    - ``seed``: seeds the hash functions (the output is deterministic for a seed).
    - ``keep``: ``earliest`` (lowest ``created_utc``, then ``post_id``) or ``longest`` (most
      characters of title + body, then earliest).
    - ``same_author_candidates``, ``author_min_jaccard``: posts of one author whose estimated
      Jaccard similarity reaches ``author_min_jaccard`` are candidates too.
    - ``max_bucket_neighbors``: within one band bucket (or one author) each post is compared
      with at most this many posts of the nearest token counts (bounds the work on huge
      buckets of boilerplate).
    - ``batch_docs``: documents hashed per batch (bounds memory); ``workers``: rapidfuzz
      worker threads (-1: all cores).
    """

    near: bool = True
    threshold: float = 85.0
    min_length_ratio: float = 0.6
    shingle_size: int = 5
    num_perm: int = 126
    bands: int = 42
    rows: int = 3
    seed: int = 13
    keep: KeepRule = "earliest"
    same_author_candidates: bool = True
    author_min_jaccard: float = 0.15
    max_bucket_neighbors: int = 32
    batch_docs: int = 512
    workers: int = 1

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 100.0:
            raise ValueError(f"threshold must be in [0, 100], got {self.threshold}")
        if not 0.0 <= self.min_length_ratio <= 1.0:
            raise ValueError(f"min_length_ratio must be in [0, 1], got {self.min_length_ratio}")
        if self.shingle_size < 1:
            raise ValueError("shingle_size must be >= 1")
        if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"need bands * rows <= num_perm, got {self.bands} * {self.rows} > {self.num_perm}"
            )
        if self.keep not in ("earliest", "longest"):
            raise ValueError(f"keep must be 'earliest' or 'longest', got {self.keep!r}")
        if self.max_bucket_neighbors < 1 or self.batch_docs < 1:
            raise ValueError("max_bucket_neighbors and batch_docs must be >= 1")


# ----------------------------------------------------------------------------- hashing


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer (in place on a uint64 array, which is returned)."""
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


class _TokenHasher:
    """Polynomial hash of every token's UTF-8 bytes, for all tokens of a batch at once.

    With ``C`` the prefix sums of ``byte[t] * M**t`` over the batch's bytes, a token at
    ``[s, e)`` hashes to ``(C[e-1] - C[s-1]) * M**-s`` (mod 2**64; ``M`` is odd, hence
    invertible), which does not depend on where the token sits. Its length is added and the
    sum goes through a 64-bit mixer. Stable across processes, no per-token Python objects.
    """

    def __init__(self, multiplier: int) -> None:
        self.m = multiplier | 1
        inv = self.m
        for _ in range(6):  # Newton's iteration for the inverse modulo 2**64
            inv = (inv * (2 - self.m * inv)) % 2**64
        self.m_inv = inv
        self.powers = np.ones(1, dtype=np.uint64)
        self.inv_powers = np.ones(1, dtype=np.uint64)

    @staticmethod
    def _power_table(base: int, n: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            table = np.cumprod(np.full(n, base, dtype=np.uint64))
        return np.r_[np.uint64(1), table[:-1]].astype(np.uint64)

    def _ensure(self, n: int) -> None:
        if len(self.powers) < n:
            size = max(n, 2 * len(self.powers))
            self.powers = self._power_table(self.m, size)
            self.inv_powers = self._power_table(self.m_inv, size)

    def __call__(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token hashes (uint64, all documents concatenated) and document offsets (int64,
        n+1) of normalized texts (tokens separated by single spaces, no leading or trailing
        space)."""
        counts = np.fromiter(
            (t.count(" ") + 1 if t else 0 for t in texts), dtype=np.int64, count=len(texts)
        )
        offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
        if offsets[-1] == 0:
            return np.zeros(0, dtype=np.uint64), offsets
        buf = np.frombuffer(" ".join(t for t in texts if t).encode("utf-8"), dtype=np.uint8)
        spaces = np.flatnonzero(buf == 32)
        starts = np.r_[0, spaces + 1]
        ends = np.r_[spaces, len(buf)]
        if len(starts) != offsets[-1]:
            raise ValueError("texts must be normalized: single spaces, no leading/trailing space")
        self._ensure(len(buf) + 1)
        with np.errstate(over="ignore"):
            prefix = np.empty(len(buf) + 1, dtype=np.uint64)
            prefix[0] = 0
            np.cumsum(buf * self.powers[: len(buf)], out=prefix[1:])
            h = (prefix[ends] - prefix[starts]) * self.inv_powers[starts]
            h += (ends - starts).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        return _mix64(h), offsets


def _shingles(
    token_hash: np.ndarray, offsets: np.ndarray, k: int, multipliers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the ``k``-token shingles of each document (a document shorter than ``k``
    tokens has one shingle, all its tokens) and per-document shingle counts."""
    n_tok = len(token_hash)
    lengths = np.diff(offsets)
    counts = np.where(lengths >= k, lengths - k + 1, np.minimum(lengths, 1))
    if n_tok == 0:
        return np.zeros(0, dtype=np.uint64), counts
    doc = np.repeat(np.arange(len(lengths)), lengths)
    end = offsets[1:][doc]
    pos = np.arange(n_tok, dtype=np.int64)
    acc = np.zeros(n_tok, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            idx = pos + j
            term = token_hash[np.minimum(idx, n_tok - 1)] * multipliers[j]
            term[idx >= end] = 0
            acc += term
    start = offsets[:-1][doc]
    is_shingle = (pos + k <= end) | ((pos == start) & (lengths[doc] < k))
    return _mix64(acc[is_shingle]), counts


@dataclass(frozen=True)
class Signatures:
    """MinHash sketch of each document: LSH band keys, the low 16 bits of every minimum
    (enough to estimate Jaccard similarity) and the token count."""

    band_keys: np.ndarray  # (docs, bands) uint64
    minima16: np.ndarray  # (docs, num_perm) uint16
    n_tokens: np.ndarray  # (docs,) int64

    def jaccard(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Estimated shingle Jaccard similarity of each pair (share of equal minima)."""
        out = np.zeros(len(left), dtype=np.float64)
        step = 65_536
        for lo in range(0, len(left), step):
            a = self.minima16[left[lo : lo + step]]
            b = self.minima16[right[lo : lo + step]]
            out[lo : lo + step] = (a == b).mean(axis=1)
        return out


class _MinHasher:
    """``num_perm`` multiply-shift hash functions h(x) = (a*x + b) mod 2**64 on 64-bit
    shingle hashes (the minimum's high 32 bits are the MinHash value), and LSH band keys."""

    def __init__(self, config: DedupeConfig) -> None:
        rng = np.random.default_rng(config.seed)

        def odd(n: int) -> np.ndarray:
            return rng.integers(0, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)

        self.k = config.shingle_size
        self.bands, self.rows = config.bands, config.rows
        n_hash = config.num_perm
        self.a = odd(n_hash)
        self.b = rng.integers(0, 2**63, size=n_hash, dtype=np.uint64)
        self.shingle_mult = odd(self.k)
        self.band_mult = odd(config.rows)
        self.tokens = _TokenHasher(int(odd(1)[0]))
        # Elements of one (shingles x hashes) block: 1 MiB of uint64 stays in cache.
        self.max_block = 1 << 17

    def signatures(self, shingles: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """(docs, hashes) uint32 minima; a document without shingles gets all-ones."""
        n_docs, n_hash = len(counts), len(self.a)
        sig = np.full((n_docs, n_hash), np.iinfo(np.uint32).max, dtype=np.uint32)
        starts = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
        per_block = max(1, self.max_block // n_hash)
        shift = np.uint64(32)
        d = 0
        while d < n_docs:
            # Whole documents per block, at least one.
            s0 = starts[d]
            stop = int(np.searchsorted(starts, s0 + per_block, side="left"))
            stop = min(max(stop, d + 1), n_docs)
            s1 = starts[stop - 1] + counts[stop - 1]
            nonempty = d + np.flatnonzero(counts[d:stop] > 0)
            if len(nonempty):
                with np.errstate(over="ignore"):
                    h = shingles[s0:s1, None] * self.a[None, :]
                    h += self.b[None, :]
                low = np.minimum.reduceat(h, starts[nonempty] - s0, axis=0)
                sig[nonempty] = (low >> shift).astype(np.uint32)
            d = stop
        return sig

    def band_keys(self, sig: np.ndarray) -> np.ndarray:
        """(docs, bands) uint64 bucket keys, one per band of ``rows`` minima."""
        n = len(sig)
        used = self.bands * self.rows
        s = sig[:, :used].reshape(n, self.bands, self.rows).astype(np.uint64)
        key = np.zeros((n, self.bands), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for r in range(self.rows):
                key = _mix64(key + s[:, :, r] * self.band_mult[r])
        return key


def minhash_signatures(
    texts: Sequence[str], config: DedupeConfig, progress: bool = False
) -> Signatures:
    """MinHash sketches of normalized texts, computed in batches of ``config.batch_docs``
    documents: apart from the sketches (``8 * bands + 2 * num_perm`` bytes a document)
    the memory used does not grow with the corpus."""
    hasher = _MinHasher(config)
    n = len(texts)
    keys = np.zeros((n, config.bands), dtype=np.uint64)
    minima16 = np.zeros((n, config.num_perm), dtype=np.uint16)
    n_tokens = np.zeros(n, dtype=np.int64)
    bar = progress_bar(total=n, desc="dedupe: minhash", unit="post", disable=not progress)
    for lo in range(0, n, config.batch_docs):
        batch = texts[lo : lo + config.batch_docs]
        token_hash, offsets = hasher.tokens(batch)
        shingles, counts = _shingles(token_hash, offsets, hasher.k, hasher.shingle_mult)
        sig = hasher.signatures(shingles, counts)
        keys[lo : lo + len(batch)] = hasher.band_keys(sig)
        minima16[lo : lo + len(batch)] = sig.astype(np.uint16)
        n_tokens[lo : lo + len(batch)] = np.diff(offsets)
        bar.update(len(batch))
    bar.close()
    return Signatures(keys, minima16, n_tokens)


# ----------------------------------------------------------------------------- candidates


def bucket_pairs(key: np.ndarray, tiebreak: np.ndarray, window: int) -> Iterator[np.ndarray]:
    """Pairs (as ``i * n + j`` codes, i < j) of elements with the same key: each element is
    paired with the next ``window`` elements of its bucket in (key, tiebreak, index) order."""
    n = len(key)
    order = np.lexsort((np.arange(n), tiebreak, key))
    ks = key[order]
    for d in range(1, min(window, n - 1) + 1):
        same = np.flatnonzero(ks[:-d] == ks[d:])
        if len(same) == 0:
            break
        a, b = order[same], order[same + d]
        yield np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)


def candidate_pairs(
    sigs: Signatures,
    config: DedupeConfig,
    authors: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct candidate pairs ``(i, j)``, ``i < j``, sorted by ``(i, j)``.

    A pair is a candidate when both documents have tokens, the shorter has at least
    ``min_length_ratio`` of the longer's tokens, and either they share a bucket in some LSH
    band, or they have the same author (``authors``: int codes, negative for unknown) and an
    estimated shingle Jaccard similarity of at least ``author_min_jaccard``.
    """
    n_tokens = sigs.n_tokens
    n = len(n_tokens)
    codes: list[np.ndarray] = []
    has_tokens = n_tokens > 0
    blank = np.arange(int((~has_tokens).sum()), dtype=np.uint64)
    for b in range(sigs.band_keys.shape[1]):
        key = sigs.band_keys[:, b].copy()
        key[~has_tokens] = blank  # documents without tokens never share a bucket
        codes.extend(bucket_pairs(key, n_tokens, config.max_bucket_neighbors))
        if len(codes) > 64:  # keep the buffer small
            codes = [np.unique(np.concatenate(codes))]
    if authors is not None and config.same_author_candidates:
        idx = np.flatnonzero((authors >= 0) & has_tokens)
        if len(idx) > 1:
            for c in bucket_pairs(authors[idx], n_tokens[idx], config.max_bucket_neighbors):
                i, j = idx[c // len(idx)], idx[c % len(idx)]
                similar = sigs.jaccard(i, j) >= config.author_min_jaccard
                codes.append(i[similar].astype(np.int64) * n + j[similar])
    if not codes:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    allc = np.unique(np.concatenate(codes))
    left, right = allc // n, allc % n
    ok = length_ok(n_tokens[left], n_tokens[right], config.min_length_ratio)
    return left[ok], right[ok]


def length_ok(a_tokens: np.ndarray, b_tokens: np.ndarray, min_length_ratio: float) -> np.ndarray:
    """Which pairs may be duplicates by length: both have tokens and the shorter has at least
    ``min_length_ratio`` of the longer's tokens (the token-subset guard)."""
    lo = np.minimum(a_tokens, b_tokens)
    hi = np.maximum(a_tokens, b_tokens)
    return (lo > 0) & (lo >= min_length_ratio * hi)


# ----------------------------------------------------------------------------- verification


def sorted_tokens(text: str) -> str:
    """The tokens of a normalized text in sorted order (token_sort_ratio's preprocessing)."""
    return " ".join(sorted(text.split(" ")))


def pair_scores(
    texts: Sequence[str],
    left: np.ndarray,
    right: np.ndarray,
    config: DedupeConfig,
    progress: bool = False,
) -> np.ndarray:
    """``token_sort_ratio`` (0-100, float64) of each pair of normalized texts.

    Each text's tokens are sorted once and the pairs scored with ``fuzz.ratio`` on the sorted
    strings, which is what ``fuzz.token_sort_ratio`` computes. Scores below
    ``config.threshold`` are returned as 0 (rapidfuzz's ``score_cutoff``).
    """
    n_pairs = len(left)
    scores = np.zeros(n_pairs, dtype=np.float64)
    if n_pairs == 0:
        return scores
    involved = np.unique(np.r_[left, right])
    sorted_text = {int(i): sorted_tokens(texts[i]) for i in involved}
    step = 50_000
    bar = progress_bar(total=n_pairs, desc="dedupe: verify", unit="pair", disable=not progress)
    for lo in range(0, n_pairs, step):
        li, ri = left[lo : lo + step].tolist(), right[lo : lo + step].tolist()
        scores[lo : lo + len(li)] = process.cpdist(
            [sorted_text[i] for i in li], [sorted_text[j] for j in ri],
            scorer=fuzz.ratio, score_cutoff=config.threshold, workers=config.workers,
            dtype=np.float64,
        )
        bar.update(len(li))
    bar.close()
    return np.round(scores, 4)


# ----------------------------------------------------------------------------- entry point


def _empty_output() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "post_id": pd.Series([], dtype="string"),
            "kept_post_id": pd.Series([], dtype="string"),
            "score": pd.Series([], dtype="float64"),
            "method": pd.Series([], dtype="string"),
        }
    )


def text_or_empty(values: pd.Series) -> list[str]:
    """A text column as Python strings, missing values as ``""``."""
    return [v if isinstance(v, str) else "" for v in values.astype(object).tolist()]


def post_lengths(titles: Sequence[str], bodies: Sequence[str]) -> np.ndarray:
    """Characters of each post's stripped title + body (the ``longest`` keep rule)."""
    return np.fromiter(
        (len(t.strip()) + len(b.strip()) for t, b in zip(titles, bodies, strict=True)),
        dtype=np.int64, count=len(titles),
    )


def author_is_unknown(author: object) -> bool:
    """An author key that names nobody (missing, blank, ``[deleted]``): such posts are never
    same-author candidates."""
    return not isinstance(author, str) or author.strip().lower() in ("", *REMOVED_MARKERS)


def duplicates_frame(
    post_id: np.ndarray, kept_post_id: np.ndarray, score: np.ndarray, exact: np.ndarray
) -> pd.DataFrame:
    """The output rows (one per removed post), sorted by ``(kept_post_id, post_id)``."""
    if len(post_id) == 0:
        return _empty_output()
    out = pd.DataFrame(
        {
            "post_id": pd.array(post_id, dtype="string"),
            "kept_post_id": pd.array(kept_post_id, dtype="string"),
            "score": np.where(exact, 100.0, score),
            "method": pd.array(np.where(exact, "exact", "near"), dtype="string"),
        }
    )
    return out.sort_values(["kept_post_id", "post_id"], kind="stable").reset_index(drop=True)


def find_duplicates(
    df: pd.DataFrame, config: DedupeConfig, progress: bool = True
) -> pd.DataFrame:
    """Find exact and near duplicates; one row per removed post.

    ``df`` has clean's columns (interim/clean.parquet; others are ignored): ``post_id``
    (unique), ``title``, ``body``, ``created_utc`` (int) and ``author_key`` (nullable; posts
    with the same key count as one author). Returns ``post_id``, ``kept_post_id``,
    ``score`` (100 for exact, else the best verified score linking the post's exact group
    into its cluster) and
    ``method`` (``"exact"`` when the post's normalized text equals the kept post's, else
    ``"near"``), sorted by ``(kept_post_id, post_id)``. The kept post of a cluster is never
    in the output. The result depends only on the rows' content and ``config``, not on the
    row order.
    """
    missing = [c for c in INPUT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"find_duplicates: missing input columns {missing}")
    if len(df) == 0:
        return _empty_output()
    ids = df["post_id"].astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise ValueError(f"find_duplicates: post_id is not unique (e.g. {dup!r})")

    # Canonical row order: everything below depends only on content, not input order.
    frame = (
        df[list(INPUT_COLUMNS)].assign(post_id=ids)
        .sort_values("post_id", kind="stable").reset_index(drop=True)
    )
    n = len(frame)
    titles, bodies = text_or_empty(frame["title"]), text_or_empty(frame["body"])
    created = pd.to_numeric(frame["created_utc"]).to_numpy(dtype=np.int64)
    lengths = post_lengths(titles, bodies)
    normalized = [
        normalize_for_exact(t, b)
        for t, b in progress_bar(zip(titles, bodies, strict=True), total=n,
                                 desc="dedupe: normalize", unit="post", disable=not progress)
    ]

    # 1. exact groups; representative = lowest position (lowest post_id) of each group.
    group = exact_groups(normalized)
    n_groups = int(group.max()) + 1
    rep_of_group = np.full(n_groups, n, dtype=np.int64)
    np.minimum.at(rep_of_group, group, np.arange(n, dtype=np.int64))
    rep = rep_of_group[group]

    # 2-3. near duplicates among representatives.
    best_link = np.zeros(n, dtype=np.float64)  # per representative position
    near_left = np.zeros(0, dtype=np.int64)
    near_right = np.zeros(0, dtype=np.int64)
    if config.near and n_groups > 1:
        reps = rep_of_group  # positions, ascending in group id order
        rep_texts = [normalized[i] for i in reps]
        sigs = minhash_signatures(rep_texts, config, progress=progress)
        author_codes = None
        if config.same_author_candidates:
            author = frame["author_key"].astype(object).to_numpy()[reps]
            unknown = np.array([author_is_unknown(a) for a in author], dtype=bool)
            codes, _ = pd.factorize(pd.Series(author, dtype=object), sort=True)
            author_codes = np.where(unknown, -1, codes).astype(np.int64)
        left, right = candidate_pairs(sigs, config, author_codes)
        log.info("dedupe: %d representatives, %d candidate pairs", len(reps), len(left))
        scores = pair_scores(rep_texts, left, right, config, progress=progress)
        ok = scores >= config.threshold
        near_left, near_right, near_score = reps[left[ok]], reps[right[ok]], scores[ok]
        np.maximum.at(best_link, near_left, near_score)
        np.maximum.at(best_link, near_right, near_score)

    # 4. clusters and the kept post of each.
    labels = components(
        n, np.r_[np.arange(n, dtype=np.int64), near_left], np.r_[rep, near_right]
    )
    kept = choose_kept(labels, created, lengths, config.keep)
    removed = np.flatnonzero(kept != np.arange(n))
    post_ids = frame["post_id"].to_numpy(dtype=object)
    return duplicates_frame(
        post_ids[removed], post_ids[kept[removed]], best_link[rep[removed]],
        group[removed] == group[kept[removed]],
    )
