"""Print drawn posts (title and text) for labelling, by position in ``sample_ids.jsonl``.

    python benchmarks/advice_eval/show_posts.py 0 50      # posts 0..49

The text is read from ``../shared/data/reddit/`` and printed only; it is never written into
the repo.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from draw_sample import HERE, records


def main(ids: Path = HERE / "sample_ids.jsonl") -> None:
    start, stop = int(sys.argv[1]), int(sys.argv[2])
    data = HERE.parents[1] / ".." / "shared" / "data" / "reddit"
    with ids.open(encoding="utf-8") as fh:
        wanted = [json.loads(line) for line in fh][start:stop]
    by_file: dict[str, set[str]] = {}
    for row in wanted:
        by_file.setdefault(row["file"], set()).add(row["post_id"])
    texts: dict[tuple[str, str], dict] = {}
    for name, ids in by_file.items():
        for rec in records(data / name):
            if str(rec["id"]) in ids:
                texts[(name, str(rec["id"]))] = rec
    for i, row in enumerate(wanted, start):
        rec = texts[(row["file"], row["post_id"])]
        print(f"=== #{i} post_id={row['post_id']} r/{row['subreddit']}")
        print(f"TITLE: {rec.get('title', '')}")
        print((rec.get("selftext") or "").strip())
        print()


if __name__ == "__main__":
    main()
