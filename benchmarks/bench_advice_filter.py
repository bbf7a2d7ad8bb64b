"""Precision and recall of clean's advice and sensitive filters on real, hand-labelled posts.

The evaluation set is ``benchmarks/advice_eval/`` (620 real posts drawn with a fixed seed from
``../shared/data/reddit/`` and labelled by reading, before any rule was changed; see its
README). The post text is read from the dumps at run time and never written anywhere.

Each post goes through what the clean stage does to it: the title and body are normalized
(``pipeline.clean.normalize_text.normalize``, edit notes as ``clean.keep_edit_notes``
default), then

* ``require_advice``: ``AdviceMatcher.match_many`` (with the post's subreddit), positive =
  ``is_advice``; label ``advice``;
* ``self_harm`` / ``child_abuse``: ``SensitiveTopicDetector.explain`` on title + body,
  positive = a hit of that category; labels ``self_harm`` / ``child_abuse``;
* ``clean keeps``: the whole textual decision of the clean stage (length, links, language,
  sensitive, advice) against "advice and not sensitive".

    python benchmarks/bench_advice_filter.py [--data DIR] [--labels FILE] [--json OUT] [--quiet]

Prints, per filter: the confusion counts, precision, recall, and the titles of every
misclassified post (to the terminal only); with ``--json`` also writes the figures (counts,
no text) to OUT.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks" / "advice_eval"))

from draw_sample import records as _records  # noqa: E402  (the reader the sample was drawn with)

from pipeline.clean.author_key import SAMPLE_SECRET  # noqa: E402
from pipeline.clean.filters import Post as FilterPost  # noqa: E402
from pipeline.clean.sensitive import CHILD_ABUSE, SELF_HARM  # noqa: E402
from pipeline.clean.stage import PostFilter, normalize_post  # noqa: E402
from pipeline.params import CleanParams  # noqa: E402

EVAL_DIR = ROOT / "benchmarks" / "advice_eval"
LABELS = EVAL_DIR / "labels.jsonl"
DATA_ENV = "VALACT_REDDIT_DATA"


def default_data_dir() -> Path:
    """``$VALACT_REDDIT_DATA``, else ``../shared/data/reddit`` next to the repo, else the
    team machines' ``/work/shared/data/reddit`` (a clone elsewhere, as CI makes)."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    beside = ROOT.parent / "shared" / "data" / "reddit"
    team = Path("/work/shared/data/reddit")
    return beside if beside.exists() or not team.exists() else team


@dataclass
class Post:
    post_id: str
    subreddit: str
    title: str
    body: str
    labels: dict[str, bool]


def load_posts(data: Path, labels_path: Path = LABELS) -> list[Post]:
    """The labelled posts, their text read from the dumps in ``data`` and normalized."""
    with labels_path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    wanted: dict[str, set[str]] = {}
    for row in rows:
        wanted.setdefault(row["file"], set()).add(row["post_id"])
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for name, ids in wanted.items():
        path = data / name
        if not path.exists():
            raise FileNotFoundError(f"{path}: a dump of the evaluation set is missing")
        for rec in _records(path):
            if str(rec.get("id")) in ids:
                found[(name, str(rec["id"]))] = rec
    missing = [r["post_id"] for r in rows if (r["file"], r["post_id"]) not in found]
    if missing:
        raise LookupError(f"{len(missing)} labelled posts not in the dumps: {missing[:5]}")
    cp = CleanParams()
    posts = []
    for row in rows:
        rec = found[(row["file"], row["post_id"])]
        title, body = normalize_post(rec.get("title"), rec.get("selftext"), cp)
        posts.append(
            Post(
                row["post_id"], row["subreddit"], title, body,
                {k: bool(row[k]) for k in ("advice", "self_harm", "child_abuse")},
            )
        )  # fmt: skip
    return posts


@dataclass
class Score:
    name: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    false_pos: list[Post] = field(default_factory=list)
    false_neg: list[Post] = field(default_factory=list)

    def add(self, post: Post, predicted: bool, truth: bool) -> None:
        if predicted and truth:
            self.tp += 1
        elif predicted:
            self.fp += 1
            self.false_pos.append(post)
        elif truth:
            self.fn += 1
            self.false_neg.append(post)
        else:
            self.tn += 1

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def figures(self) -> dict[str, Any]:
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
            "precision": None if self.precision is None else round(self.precision, 4),
            "recall": None if self.recall is None else round(self.recall, 4),
        }  # fmt: skip


def evaluate(posts: list[Post]) -> dict[str, Score]:
    """Score the advice filter, each sensitive filter and the whole clean decision.

    The filters are the clean stage's own (default ``CleanParams``, one spaCy pipeline
    shared by the advice and sensitive filters); "clean keeps" runs every filter after
    ``normalize`` on the normalized posts, as the stage does."""
    flt = PostFilter(CleanParams(), SAMPLE_SECRET)
    matches = flt.advice.match_many([(p.title, p.body, p.subreddit) for p in posts])
    on_text = [
        FilterPost(SimpleNamespace(subreddit=p.subreddit), title=p.title, body=p.body)
        for p in posts
    ]
    decisions = flt.chain.after("normalize").apply(on_text)
    scores = {n: Score(n) for n in ("require_advice", SELF_HARM, CHILD_ABUSE, "clean_keeps")}
    for post, match, decision in zip(posts, matches, decisions, strict=True):
        scores["require_advice"].add(post, match.is_advice, post.labels["advice"])
        text = f"{post.title}\n\n{post.body}"
        hits = {cat for cat, _rule, _span in flt.sensitive.explain(text)}
        scores[SELF_HARM].add(post, SELF_HARM in hits, post.labels["self_harm"])
        scores[CHILD_ABUSE].add(post, CHILD_ABUSE in hits, post.labels["child_abuse"])
        kept = decision is None
        wanted = post.labels["advice"] and not (
            post.labels["self_harm"] or post.labels["child_abuse"]
        )
        scores["clean_keeps"].add(post, kept, wanted)
    return scores


def _pct(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def report(scores: dict[str, Score], posts: list[Post], quiet: bool = False) -> str:
    lines = [f"{len(posts)} labelled real posts"]
    lines.append(f"{'filter':<16} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4} {'precision':>9} "
                 f"{'recall':>7}")  # fmt: skip
    for s in scores.values():
        lines.append(f"{s.name:<16} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.tn:>4} "
                     f"{_pct(s.precision):>9} {_pct(s.recall):>7}")  # fmt: skip
    adv = scores["require_advice"]
    by_sub: dict[str, Counter[str]] = {}
    for p in adv.false_pos:
        by_sub.setdefault(p.subreddit, Counter())["fp"] += 1
    for p in adv.false_neg:
        by_sub.setdefault(p.subreddit, Counter())["fn"] += 1
    lines.append("require_advice errors by subreddit: " + ", ".join(
        f"{sub} FP {c['fp']} FN {c['fn']}" for sub, c in sorted(by_sub.items())
    ))  # fmt: skip
    if not quiet:
        for s in scores.values():
            if s.name == "clean_keeps":
                continue
            for kind, items in (("false positive", s.false_pos), ("false negative", s.false_neg)):
                for p in items:
                    lines.append(f"  {s.name} {kind}: {p.post_id} r/{p.subreddit}: {p.title!r}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--labels", type=Path, default=LABELS,
                        help="labels file (default advice_eval; advice_holdout/labels.jsonl "
                             "for the held-out set)")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--quiet", action="store_true", help="no misclassified titles")
    args = parser.parse_args()
    posts = load_posts(args.data, args.labels)
    scores = evaluate(posts)
    print(report(scores, posts, quiet=args.quiet))
    if args.json:
        args.json.write_text(
            json.dumps({"posts": len(posts), **{n: s.figures() for n, s in scores.items()}},
                       indent=2) + "\n", encoding="utf-8",
        )  # fmt: skip


if __name__ == "__main__":
    main()
