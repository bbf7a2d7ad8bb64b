"""Draw the seeded sample of real posts for the advice/sensitive evaluation set.

Reads the real dumps in ``../shared/data/reddit/`` (never copied into the repo) and writes
``sample_ids.jsonl``: one line per drawn post, ``{"file", "post_id", "subreddit"}``. The
draw was made once, before any filter rule was changed, and is frozen: labels live in
``labels.jsonl`` next to it.

Only posts with real text are drawn (not empty, ``[removed]`` or ``[deleted]``): a filter
that judges whether a post asks for advice is measured on posts that have words.

    python benchmarks/advice_eval/draw_sample.py [--data ../shared/data/reddit]
"""

from __future__ import annotations

import argparse
import io
import json
import random
from pathlib import Path

import zstandard

SEED = 20261203
PER_ADVICE_FILE = 60   # nine advice-subreddit files
PER_OTHER_FILE = 60    # non-advice subreddits (AskWomen, ufc: all it has)
HERE = Path(__file__).resolve().parent


def records(path: Path):
    if path.suffix == ".zst":
        with path.open("rb") as fh:
            reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(fh)
            lines = io.TextIOWrapper(reader, encoding="utf-8")
            yield from (json.loads(line) for line in lines if line.strip())
    else:
        with path.open(encoding="utf-8") as fh:
            yield from (json.loads(line) for line in fh if line.strip())


def has_text(rec: dict) -> bool:
    text = (rec.get("selftext") or "").strip()
    return bool(text) and text not in {"[removed]", "[deleted]"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = HERE.parents[1] / ".." / "shared" / "data" / "reddit"
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--out", type=Path, default=HERE / "sample_ids.jsonl")
    args = parser.parse_args()
    rng = random.Random(SEED)
    rows = []
    for path in sorted(args.data.iterdir()):
        if not path.name.endswith((".zst", ".jsonl")):
            continue
        pool = [(str(r["id"]), str(r.get("subreddit") or "")) for r in records(path) if has_text(r)]
        pool.sort()
        k = PER_ADVICE_FILE if "_top_submissions" in path.name else PER_OTHER_FILE
        for post_id, subreddit in sorted(rng.sample(pool, min(k, len(pool)))):
            rows.append({"file": path.name, "post_id": post_id, "subreddit": subreddit})
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    print(f"drew {len(rows)} posts from {len({r['file'] for r in rows})} files -> {args.out}")


if __name__ == "__main__":
    main()
