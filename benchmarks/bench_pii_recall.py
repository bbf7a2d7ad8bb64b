"""Recall, precision, false redaction and throughput of the personal-data scrubber.

``python benchmarks/bench_pii_recall.py [--posts 5000] [--words 200] [--repeat 3] [--seed 13]``

Reads the planted corpus ``tests/data/pii_corpus.jsonl`` (sentences with their planted
personal data, and sentences with none but with tricky ordinary words) and prints:

* per type: planted items, found, recall, placeholders inserted and precision;
* the false-redaction rate: share of whitespace tokens changed in the clean sentences;
* collateral redaction: tokens changed in the PII sentences outside the planted items;
* throughput in posts/s on ``--posts`` synthetic posts of about ``--words`` words (built
  from the corpus sentences, ~15% of them with personal data), for ``Scrubber.scrub_many``
  and for a naive baseline: the same regexes applied one by one with ``re.sub``, without
  the validation steps (phone digit counts, TLD checks, e-mail obfuscation checks) and
  without the name rules, and the ratio of the two.

The scoring functions are imported by ``tests/clean/test_pii.py``. A planted item counts as found
when its text no longer appears, a placeholder of its type is in the output (any
``[NAME]`` for names) and no identifying fragment of it (a run of 4+ letters or digits that
does not occur elsewhere in the sentence) survived.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pipeline.clean import pii, pii_handles  # noqa: E402
from pipeline.clean.pii import PII_TYPES, PLACEHOLDERS, Scrubber, ScrubConfig  # noqa: E402

CORPUS = REPO / "tests" / "data" / "pii_corpus.jsonl"

# Fragments that are scaffolding, not identifying, when they survive next to a placeholder.
_SCAFFOLD = frozenset(
    [
        "http",
        "https",
        "www",
        "com",
        "org",
        "net",
        "edu",
        "gov",
        "example",
        "mail",
        "gmail",
        "hotmail",
        "outlook",
        "yahoo",
        "icloud",
        "reddit",
        "user",
        "street",
        "road",
        "lane",
        "drive",
        "avenue",
        "court",
    ]
)
_FRAGMENT_RE = re.compile(r"[^\W_]{4,}")


@dataclass
class TypeScore:
    planted: int = 0
    found: int = 0
    placeholders: int = 0
    matched: int = 0  # placeholders that stand for a planted item of this type
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (id, item, output)

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else float("nan")

    @property
    def precision(self) -> float:
        return self.matched / self.placeholders if self.placeholders else float("nan")


@dataclass
class Report:
    types: dict[str, TypeScore]
    clean_tokens: int
    clean_changed: int
    changed_clean: list[tuple[str, str, str]]  # (id, input, output)
    pii_tokens: int
    collateral: int
    collateral_examples: list[tuple[str, str, str]]

    @property
    def false_redaction_rate(self) -> float:
        return self.clean_changed / self.clean_tokens if self.clean_tokens else 0.0

    @property
    def collateral_rate(self) -> float:
        return self.collateral / self.pii_tokens if self.pii_tokens else 0.0


def load_corpus(path: Path = CORPUS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _count(text: str, item: str) -> int:
    """Occurrences of item in text as a whole (not inside a longer word)."""
    return len(re.findall(r"(?<![\w])" + re.escape(item) + r"(?![\w])", text))


def changed_tokens(before: str, after: str) -> int:
    """Whitespace tokens of ``before`` that are not kept as they were in ``after``."""
    a, b = before.split(), after.split()
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(i2 - i1 for op, i1, i2, _j1, _j2 in sm.get_opcodes() if op != "equal")


def score_record(record: dict, output: str, scores: dict[str, TypeScore]) -> None:
    """Add one planted record's results to ``scores``."""
    text = record["text"]
    items = record["pii"]
    outside = text
    for it in sorted(items, key=lambda i: -len(i["text"])):
        outside = outside.replace(it["text"], " ")
    by_text: dict[str, int] = {}
    for it in items:
        by_text[it["text"]] = by_text.get(it["text"], 0) + 1
    # planted copies still in the output, by text
    left = {t: max(0, _count(output, t) - (_count(text, t) - n)) for t, n in by_text.items()}
    missed_texts = [t for t, k in left.items() for _ in range(k)]
    per_type_found: dict[str, int] = {}
    for it in items:
        typ, item = it["type"], it["text"]
        sc = scores.setdefault(typ, TypeScore())
        sc.planted += 1
        ok = PLACEHOLDERS[typ] in output
        if left[item] > 0:
            left[item] -= 1
            ok = False
        else:
            # an identifying fragment that survived (not explained by a copy still there)
            for f in _FRAGMENT_RE.findall(item):
                if f.lower() in _SCAFFOLD or f in outside:
                    continue
                if output.count(f) > sum(t.count(f) for t in missed_texts):
                    ok = False
        if ok:
            sc.found += 1
            per_type_found[typ] = per_type_found.get(typ, 0) + 1
        else:
            sc.misses.append((record["id"], item, output))
    for typ in {it["type"] for it in items} | set(PII_TYPES):
        n_ph = output.count(PLACEHOLDERS[typ]) - text.count(PLACEHOLDERS[typ])
        if n_ph <= 0:
            continue
        sc = scores.setdefault(typ, TypeScore())
        sc.placeholders += n_ph
        sc.matched += min(n_ph, per_type_found.get(typ, 0))


def evaluate(scrub: Callable[[str], str], records: Iterable[dict]) -> Report:
    """Score a scrub function (text -> scrubbed text) on the planted corpus."""
    scores: dict[str, TypeScore] = {t: TypeScore() for t in PII_TYPES}
    clean_tokens = clean_changed = pii_tokens = collateral = 0
    changed_clean: list[tuple[str, str, str]] = []
    collateral_examples: list[tuple[str, str, str]] = []
    for rec in records:
        text = rec["text"]
        out = scrub(text)
        if not rec["pii"]:
            n = len(text.split())
            c = changed_tokens(text, out)
            clean_tokens += n
            clean_changed += c
            # placeholders in clean sentences are false positives of their type
            for typ in PII_TYPES:
                n_ph = out.count(PLACEHOLDERS[typ]) - text.count(PLACEHOLDERS[typ])
                if n_ph > 0:
                    scores[typ].placeholders += n_ph
            if c:
                changed_clean.append((rec["id"], text, out))
            continue
        score_record(rec, out, scores)
        # collateral: the sentence with only its planted items replaced, against the output
        expected = text
        for it in sorted(rec["pii"], key=lambda i: -len(i["text"])):
            expected = expected.replace(it["text"], PLACEHOLDERS[it["type"]])
        pii_tokens += len(text.split())
        extra = changed_tokens(expected, out)
        if extra:
            collateral += extra
            collateral_examples.append((rec["id"], expected, out))
    return Report(
        scores,
        clean_tokens,
        clean_changed,
        changed_clean,
        pii_tokens,
        collateral,
        collateral_examples,
    )


# ------------------------------------------------------------------------- baseline


def naive_baseline(subreddit_links: bool = True) -> Callable[[str], str]:
    """The scrubber's regexes applied one by one with re.sub: no validation, no names."""
    steps: list[tuple[re.Pattern[str], str]] = [
        (pii.EMAIL_RE, "[EMAIL]"),
        (pii.OBF_EMAIL_RE, "[EMAIL]"),
        (pii.REDDIT_USER_URL_RE, "[USER]"),
        (pii.URL_SCHEME_RE, "[URL]"),
        (pii.URL_WWW_RE, "[URL]"),
        (pii.URL_BARE_RE, "[URL]"),
        (pii.USERNAME_RE, "[USER]"),
        (pii_handles.AT_HANDLE_RE, "[HANDLE]"),
        (pii.PHONE_CAND_RE, "[PHONE]"),
        (pii.ADDRESS_RE, "[ADDRESS]"),
        (pii.ADDRESS_FR_RE, "[ADDRESS]"),
        (pii.ADDRESS_ES_RE, "[ADDRESS]"),
        (pii.ADDRESS_DE_RE, "[ADDRESS]"),
        (pii.PO_BOX_RE, "[ADDRESS]"),
        (pii.UK_POSTCODE_RE, "[ADDRESS]"),
    ]
    if subreddit_links:
        steps.insert(7, (pii.SUBREDDIT_RE, "[SUBREDDIT]"))

    def scrub(text: str) -> str:
        for rx, placeholder in steps:
            text = rx.sub(placeholder, text)
        return text

    return scrub


# ------------------------------------------------------------------------- throughput


def synthetic_posts(records: list[dict], n: int, words: int, seed: int) -> list[str]:
    """Posts of about ``words`` words from corpus sentences, ~15% of them with PII."""
    rng = random.Random(seed)
    clean = [r["text"] for r in records if not r["pii"]]
    planted = [r["text"] for r in records if r["pii"]]
    posts = []
    for _ in range(n):
        parts: list[str] = []
        count = 0
        while count < words:
            s = rng.choice(planted) if rng.random() < 0.15 else rng.choice(clean)
            parts.append(s)
            count += len(s.split())
        # paragraphs of 3-5 sentences, like a post body
        paras, i = [], 0
        while i < len(parts):
            k = rng.randint(3, 5)
            paras.append(" ".join(parts[i : i + k]))
            i += k
        posts.append("\n\n".join(paras))
    return posts


def best_rate(fn: Callable[[list[str]], None], posts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(posts)
        best = min(best, time.perf_counter() - t0)
    return len(posts) / best


def _fmt(x: float) -> str:
    return "   n/a" if x != x else f"{100 * x:6.1f}%"


def print_report(title: str, rep: Report) -> None:
    print(f"\n{title}")
    print(f"{'type':<10} {'planted':>7} {'found':>6} {'recall':>7} {'placed':>7} {'precision':>9}")
    for typ in PII_TYPES:
        sc = rep.types[typ]
        print(
            f"{typ:<10} {sc.planted:>7} {sc.found:>6} {_fmt(sc.recall):>7} "
            f"{sc.placeholders:>7} {_fmt(sc.precision):>9}"
        )
    print(
        f"false redaction (clean sentences): {rep.clean_changed}/{rep.clean_tokens} tokens "
        f"= {100 * rep.false_redaction_rate:.2f}%"
    )
    print(
        f"collateral redaction (PII sentences, outside planted items): {rep.collateral}/"
        f"{rep.pii_tokens} tokens = {100 * rep.collateral_rate:.2f}%"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--posts", type=int, default=5000)
    ap.add_argument("--words", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--show-misses", action="store_true", help="print misses and changes")
    args = ap.parse_args(argv)

    records = load_corpus()
    n_pii = sum(1 for r in records if r["pii"])
    print(f"corpus: {n_pii} sentences with planted items, {len(records) - n_pii} without")

    t0 = time.perf_counter()
    scrubber = Scrubber(ScrubConfig(subreddit_links=True))
    print(f"Scrubber() built in {time.perf_counter() - t0:.2f} s")
    rep = evaluate(lambda t: scrubber.scrub(t).text, records)
    print_report("Scrubber (rules, subreddit_links=True)", rep)
    base = naive_baseline()
    base_rep = evaluate(base, records)
    print_report("naive baseline (re.sub one regex at a time, no validation, no names)", base_rep)

    if args.show_misses:
        print("\nmisses:")
        for typ in PII_TYPES:
            for rid, item, out in rep.types[typ].misses:
                print(f"  {typ:<9} {rid}: {item!r}\n            -> {out}")
        print("\nchanged clean sentences:")
        for rid, before, after in rep.changed_clean:
            print(f"  {rid}: {before}\n         -> {after}")
        print("\ncollateral:")
        for rid, expected, after in rep.collateral_examples:
            print(f"  {rid}: {expected}\n         -> {after}")

    posts = synthetic_posts(records, args.posts, args.words, args.seed)
    n_words = sum(len(p.split()) for p in posts)
    print(
        f"\nthroughput on {len(posts)} synthetic posts, {n_words / len(posts):.0f} words "
        f"on average (best of {args.repeat}):"
    )

    def run_scrubber(ps: list[str]) -> None:
        for _ in scrubber.scrub_many(ps):
            pass

    def run_base(ps: list[str]) -> None:
        for p in ps:
            base(p)

    r_s = best_rate(run_scrubber, posts, args.repeat)
    r_b = best_rate(run_base, posts, args.repeat)
    print(f"  Scrubber.scrub_many : {r_s:9.0f} posts/s ({r_s * n_words / len(posts):,.0f} words/s)")
    print(f"  naive re.sub        : {r_b:9.0f} posts/s ({r_b * n_words / len(posts):,.0f} words/s)")
    print(f"  ratio scrubber/naive: {r_s / r_b:.2f}")


if __name__ == "__main__":
    main()
