"""Benchmark of the dedupe engine against datasketch and exhaustive rapidfuzz.

    python benchmarks/bench_dedupe.py [--posts 100000] [--allpairs-posts 5000] [--seed 0]

Builds a seeded synthetic corpus with planted duplicates and hard negatives
(``benchmarks/synthetic_dupes.py``), then runs each method in its own subprocess (so its
peak RSS, ``VmHWM`` from /proc/self/status, is its own) and scores it against the planted
truth with pairwise precision and recall over clusters:

- ``ours``: ``pipeline.dedupe.near.find_duplicates`` with the default ``DedupeConfig``
  (rapidfuzz ``workers=1``), on the whole corpus and on the all-pairs subset;
- ``datasketch default``: ``MinHash(num_perm=128)`` over the same normalized 5-word
  shingles, ``MinHashLSH()`` with its defaults (threshold 0.9, 128 permutations), every LSH
  match taken as a duplicate (the usual recipe);
- ``datasketch t=0.3 +verify``: the same MinHashes, ``MinHashLSH(threshold=0.3)`` (tuned for
  recall) and its candidates verified like ours (length guard + token_sort_ratio): the
  datasketch pipeline at our quality;
- ``all-pairs``: ``rapidfuzz.process.cdist`` with our scorer (token_sort_ratio, as ratio on
  pre-sorted tokens) over every pair of a subset of whole families, ``workers=1``, plus the
  same length guard.

Wall time is the method alone (normalization included, corpus loading excluded). If
datasketch does not finish within ``--datasketch-timeout`` seconds it is rerun on half the
corpus until it does, and the table says at which size it ran.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE), str(_HERE.parent)]  # synthetic_dupes, and pipeline when not installed
from pipeline.dedupe.clusters import components  # noqa: E402
from pipeline.dedupe.exact import normalize_for_exact  # noqa: E402
from pipeline.dedupe.near import (  # noqa: E402
    INPUT_COLUMNS,
    DedupeConfig,
    find_duplicates,
    pair_scores,
)
from synthetic_dupes import (  # noqa: E402
    family_subset,
    kind_report,
    make_corpus,
    pair_metrics,
    predicted_labels,
)

# the synthetic corpus has raw posts' column names; the engine takes clean's
CLEAN_NAMES = {"selftext": "body", "author": "author_key"}
TUNED_THRESHOLD = 0.3


def _status_mb(field: str) -> float | None:
    """``VmHWM`` (peak RSS) or ``VmRSS`` of this process from /proc, in MiB (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    """Peak RSS of this process. ``VmHWM`` belongs to the process's own address space;
    ``ru_maxrss`` is a fallback only: on Linux it inherits the parent's peak across
    fork/exec, so a worker started by a big parent would report the parent's size."""
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _current_mb() -> float:
    rss = _status_mb("VmRSS")
    return rss if rss is not None else _peak_mb()


def _labels_from_pairs(post_ids: pd.Series, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    comp = components(len(post_ids), left, right)
    return post_ids.to_numpy(dtype=object)[comp]


def _score(corpus: pd.DataFrame, labels: np.ndarray) -> dict[str, Any]:
    m = pair_metrics(corpus["truth"].to_numpy(), labels)
    kinds = kind_report(corpus, labels)["merged_with_source"].round(4).to_dict()
    return {
        "precision": m.precision,
        "recall": m.recall,
        "predicted_pairs": m.predicted_pairs,
        "truth_pairs": m.truth_pairs,
        "kinds": kinds,
    }


def _normalized(corpus: pd.DataFrame) -> list[str]:
    return [normalize_for_exact(t, b) for t, b in zip(corpus["title"], corpus["selftext"],
                                                      strict=True)]


def _shingles(text: str, k: int) -> list[bytes]:
    words = text.split(" ") if text else []
    if not words:
        return []
    return [" ".join(words[i : i + k]).encode("utf-8") for i in range(max(1, len(words) - k + 1))]


# ----------------------------------------------------------------------------- workers


def run_ours(corpus: pd.DataFrame) -> list[dict[str, Any]]:
    config = DedupeConfig(workers=1)
    posts = corpus.rename(columns=CLEAN_NAMES)[list(INPUT_COLUMNS)]
    t0 = time.perf_counter()
    dupes = find_duplicates(posts, config, progress=False)
    wall = time.perf_counter() - t0
    labels = predicted_labels(corpus["post_id"], dupes)
    return [{"method": "ours", "wall_s": wall, **_score(corpus, labels)}]


def run_datasketch(corpus: pd.DataFrame) -> list[dict[str, Any]]:
    from datasketch import MinHash, MinHashLSH

    config = DedupeConfig(workers=1)
    ids = corpus["post_id"]
    t0 = time.perf_counter()
    texts = _normalized(corpus)
    minhashes = []
    for text in texts:
        m = MinHash(num_perm=128)
        m.update_batch(_shingles(text, config.shingle_size))
        minhashes.append(m)
    t_minhash = time.perf_counter() - t0
    has = [bool(t) for t in texts]

    def lsh_pairs(lsh: MinHashLSH) -> tuple[np.ndarray, np.ndarray]:
        for i, m in enumerate(minhashes):
            if has[i]:
                lsh.insert(i, m)
        left, right = [], []
        for i, m in enumerate(minhashes):
            if has[i]:
                for j in lsh.query(m):
                    if j > i:
                        left.append(i)
                        right.append(j)
        return np.array(left, dtype=np.int64), np.array(right, dtype=np.int64)

    rows = []
    t1 = time.perf_counter()
    left, right = lsh_pairs(MinHashLSH())  # defaults: threshold=0.9, num_perm=128
    wall = t_minhash + time.perf_counter() - t1
    rows.append({"method": "datasketch default", "wall_s": wall,
                 **_score(corpus, _labels_from_pairs(ids, left, right))})

    t1 = time.perf_counter()
    left, right = lsh_pairs(MinHashLSH(threshold=TUNED_THRESHOLD, num_perm=128))
    n_tok = np.array([len(t.split(" ")) if t else 0 for t in texts], dtype=np.int64)
    lo, hi = np.minimum(n_tok[left], n_tok[right]), np.maximum(n_tok[left], n_tok[right])
    ok = lo >= config.min_length_ratio * hi
    left, right = left[ok], right[ok]
    scores = pair_scores(texts, left, right, config)
    ok = scores >= config.threshold
    wall = t_minhash + time.perf_counter() - t1
    rows.append({"method": f"datasketch t={TUNED_THRESHOLD} +verify", "wall_s": wall,
                 **_score(corpus, _labels_from_pairs(ids, left[ok], right[ok]))})
    return rows


def run_allpairs(corpus: pd.DataFrame) -> list[dict[str, Any]]:
    from rapidfuzz import fuzz, process

    from pipeline.dedupe.near import sorted_tokens

    config = DedupeConfig(workers=1)
    t0 = time.perf_counter()
    texts = _normalized(corpus)
    sorted_texts = [sorted_tokens(t) for t in texts]
    scores = process.cdist(sorted_texts, sorted_texts, scorer=fuzz.ratio,
                           score_cutoff=config.threshold, workers=1, dtype=np.float32)
    left, right = np.nonzero(np.triu(scores >= config.threshold, k=1))
    n_tok = np.array([len(t.split(" ")) if t else 0 for t in texts], dtype=np.int64)
    lo, hi = np.minimum(n_tok[left], n_tok[right]), np.maximum(n_tok[left], n_tok[right])
    ok = (lo > 0) & (lo >= config.min_length_ratio * hi)
    labels = _labels_from_pairs(corpus["post_id"], left[ok], right[ok])
    wall = time.perf_counter() - t0
    return [{"method": "all-pairs cdist", "wall_s": wall, **_score(corpus, labels)}]


WORKERS = {"ours": run_ours, "datasketch": run_datasketch, "allpairs": run_allpairs}


def worker_main(method: str, corpus_path: Path, out_path: Path) -> None:
    corpus = pd.read_parquet(corpus_path)
    base_mb = _current_mb()
    rows = WORKERS[method](corpus)
    peak = _peak_mb()
    for row in rows:
        row.update(posts=len(corpus), peak_rss_mb=peak, loaded_rss_mb=base_mb)
    out_path.write_text(json.dumps(rows))


# ----------------------------------------------------------------------------- driver


def spawn(method: str, corpus_path: Path, workdir: Path, timeout: float | None
          ) -> list[dict[str, Any]] | None:
    out = workdir / f"{method}-{corpus_path.stem}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", method,
           "--corpus", str(corpus_path), "--out", str(out)]
    try:
        subprocess.run(cmd, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return list(json.loads(out.read_text()))


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("| method | posts | recall | precision | wall time (s) | peak RSS (MB) "
            "| RSS over loaded corpus (MB) |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['posts']:,} | {r['recall']:.4f} | {r['precision']:.4f} "
            f"| {r['wall_s']:.1f} | {r['peak_rss_mb']:.0f} "
            f"| {r['peak_rss_mb'] - r['loaded_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--allpairs-posts", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--datasketch-timeout", type=float, default=600.0)
    ap.add_argument("--skip-allpairs", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker, args.corpus, args.out)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench_dedupe_") as tmp:
        workdir = Path(tmp)
        t0 = time.perf_counter()
        corpus = make_corpus(args.posts, seed=args.seed)
        print(f"corpus: {len(corpus):,} posts in {time.perf_counter() - t0:.1f} s; planted kinds:")
        print(corpus["kind"].value_counts().to_string())
        full = workdir / f"corpus_{len(corpus)}.parquet"
        corpus.to_parquet(full)
        small_corpus = family_subset(corpus, args.allpairs_posts)
        small = workdir / f"corpus_{len(small_corpus)}.parquet"
        small_corpus.to_parquet(small)

        rows: list[dict[str, Any]] = []
        print("running ours ...", flush=True)
        rows += spawn("ours", full, workdir, None) or []
        rows += spawn("ours", small, workdir, None) or []
        size = len(corpus)
        path = full
        while True:
            print(f"running datasketch on {size:,} posts ...", flush=True)
            got = spawn("datasketch", path, workdir, args.datasketch_timeout)
            if got is not None:
                rows += got
                break
            size //= 2
            print(f"  datasketch timed out ({args.datasketch_timeout:.0f} s); halving")
            path = workdir / f"corpus_{size}.parquet"
            family_subset(corpus, size).to_parquet(path)
        if not args.skip_allpairs:
            print(f"running all-pairs on {len(small_corpus):,} posts ...", flush=True)
            rows += spawn("allpairs", small, workdir, None) or []

    print()
    print(_table(rows))
    by = {(r["method"], r["posts"]): r for r in rows}
    ours_full = by[("ours", len(corpus))]
    ours_small = by[("ours", len(small_corpus))]
    print()
    for r in rows:
        if r["method"].startswith("datasketch"):
            ref = by.get(("ours", r["posts"]), ours_full)
            scale = r["posts"] / ref["posts"]
            print(f"{r['method']}: {r['wall_s'] / ref['wall_s'] / scale:.1f}x our wall time "
                  f"(per post), {r['peak_rss_mb'] / ref['peak_rss_mb']:.2f}x our peak RSS")
        if r["method"] == "all-pairs cdist":
            print(f"all-pairs: {r['wall_s'] / ours_small['wall_s']:.0f}x our wall time on "
                  f"{r['posts']:,} posts; extrapolated to {len(corpus):,} posts (quadratic): "
                  f"{r['wall_s'] * (len(corpus) / r['posts']) ** 2 / 3600:.1f} h vs our "
                  f"{ours_full['wall_s']:.1f} s")
    print()
    print("share of planted posts merged with their source (1 = found; 0 for *_neg = correct):")
    kinds = pd.DataFrame({f"{r['method']} ({r['posts']:,})": r["kinds"] for r in rows})
    print(kinds.to_string(float_format=lambda x: f"{x:.4f}"))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
