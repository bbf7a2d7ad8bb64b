"""Draw the held-out sample: real posts not in ``advice_eval``, for a figure the rules never saw.

``advice_eval`` was labelled before the filter rules were changed, and its errors were read
to change them; its "after" figure is therefore optimistic. This second sample was drawn and
labelled (by readers who saw neither the filter code nor the first set's errors) while the
rules were being changed, and was not looked at until they were final.

Same population as ``advice_eval/draw_sample.py`` (posts with real text in the ten real
dumps of ``../shared/data/reddit/``; ``ufc`` is left out: all 20 of its posts are in the
first set), 40 per file, seed 20261205, excluding every post of the first set.

    python benchmarks/advice_holdout/draw_holdout.py [--data ../shared/data/reddit]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "advice_eval"))

from draw_sample import has_text, records  # noqa: E402

SEED = 20261205
PER_FILE = 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parents[2] / "shared" / "data" / "reddit")
    parser.add_argument("--out", type=Path, default=HERE / "sample_ids.jsonl")
    args = parser.parse_args()
    with (HERE.parent / "advice_eval" / "sample_ids.jsonl").open(encoding="utf-8") as fh:
        taken = {(r["file"], r["post_id"]) for r in map(json.loads, fh)}
    rng = random.Random(SEED)
    rows = []
    for path in sorted(args.data.iterdir()):
        if not path.name.endswith(".zst"):
            continue
        pool = sorted(
            (str(r["id"]), str(r.get("subreddit") or ""))
            for r in records(path)
            if has_text(r) and (path.name, str(r["id"])) not in taken
        )
        for post_id, subreddit in sorted(rng.sample(pool, min(PER_FILE, len(pool)))):
            rows.append({"file": path.name, "post_id": post_id, "subreddit": subreddit})
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    print(f"drew {len(rows)} posts from {len({r['file'] for r in rows})} files -> {args.out}")


if __name__ == "__main__":
    main()
