"""Print held-out posts (title and text) for labelling, by position in ``sample_ids.jsonl``.

    python benchmarks/advice_holdout/show_posts.py 0 50      # posts 0..49

The text is read from ``../shared/data/reddit/`` and printed only; never written into the repo.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "advice_eval"))

from show_posts import main  # noqa: E402  (advice_eval's, on this set's ids)

if __name__ == "__main__":
    main(HERE / "sample_ids.jsonl")
