#!/usr/bin/env python3
"""Build the pii_holdout5 corpus from source.md (python3, standard library only).

Reuses the markup parser of pii_eval (loaded with importlib, not copied):
  {{type|text}}  planted personal data the scrubber must remove
  [[kind|text]]  hard negative the scrubber must keep
Posts are separated by a line "=== <subreddit> ===". The first non-blank line of a post
is its title; the rest is the body ("text").

Usage:
  python3 build_corpus.py [--pii-eval PATH]
PATH defaults to ../pii_eval/build_corpus.py relative to this script's folder
(benchmarks/pii_holdout5/ next to benchmarks/pii_eval/).

Writes corpus.jsonl and truth.jsonl next to this script, prints counts, and exits
non-zero if any check fails or a minimum is missed.
"""

import argparse
import importlib.util
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "source.md")
CORPUS = os.path.join(HERE, "corpus.jsonl")
TRUTH = os.path.join(HERE, "truth.jsonl")
ID_PREFIX = "pii-holdout5"

MIN_WORDS, MAX_WORDS = 60, 300
MIN_POSTS = 90
MIN_ENTITIES = 550
MIN_NEGATIVES = 500
MIN_NAMES = 250
MIN_HANDLES = 40  # type "handle" alone (usernames counted separately)
MIN_STRUCTURED = 60
MIN_ADDRESSES = 20
STRUCTURED = ["ssn", "card", "iban", "id", "dob", "plate", "ip"]
# Per-type floors so that no type is represented by a token example.
MIN_PER_TYPE = {
    "email": 20,
    "phone": 20,
    "url": 15,
    "username": 8,
    "ssn": 5,
    "card": 5,
    "iban": 5,
    "id": 5,
    "dob": 5,
    "plate": 5,
    "ip": 5,
}


def load_pii_eval(path):
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        sys.exit(f"pii_eval parser not found at {path} (use --pii-eval PATH)")
    spec = importlib.util.spec_from_file_location("pii_eval_build_corpus", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--pii-eval",
        default=os.path.join(HERE, "..", "pii_eval", "build_corpus.py"),
        help="path to pii_eval's build_corpus.py (default: %(default)s)",
    )
    args = ap.parse_args()
    pe = load_pii_eval(args.pii_eval)

    posts = pe.parse_source(SOURCE)
    corpus_rows, truth_rows = [], []
    ent_counts, neg_counts, sub_counts = Counter(), Counter(), Counter()
    word_counts, warnings, errors = [], [], []

    for n, post in enumerate(posts, 1):
        pid = f"{ID_PREFIX}-{n:03d}"
        lines = post["lines"]
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        where = f"{pid} (source line {post['line']})"
        if len(lines) < 2:
            sys.exit(f"{where}: needs a title and a body")
        title, t_ents, t_negs = pe.strip_markup(lines[0], where + " title")
        body_raw = "\n".join(lines[1:]).strip("\n")
        body, b_ents, b_negs = pe.strip_markup(body_raw, where + " body")
        fields = {"title": title, "text": body}
        entities, negatives = [], []
        for field, ents, negs in (("title", t_ents, t_negs), ("text", b_ents, b_negs)):
            for e in ents:
                e["field"] = field
                entities.append(e)
            for g in negs:
                g["field"] = field
                negatives.append(g)

        # 1. every span points at exactly its text
        for span in entities + negatives:
            got = fields[span["field"]][span["start"] : span["end"]]
            if got != span["text"]:
                errors.append(f"{where}: span {span} reads {got!r}")
        # 2. spans do not overlap each other
        for field in fields:
            spans = sorted(
                (s["start"], s["end"]) for s in entities + negatives if s["field"] == field
            )
            for (a1, b1), (a2, b2) in zip(spans, spans[1:], strict=False):
                if a2 < b1:
                    errors.append(f"{where}: overlapping spans in {field} at {a1}-{b1}/{a2}-{b2}")
        # 3. checksums
        for e in entities:
            if e["type"] == "card" and not pe.luhn_ok(e["text"]):
                errors.append(f"{where}: card fails Luhn: {e['text']!r}")
            if e["type"] == "iban" and not pe.iban_ok(e["text"]):
                errors.append(f"{where}: IBAN fails mod-97: {e['text']!r}")
        # 4. no leftover markup (strip_markup exits on {{ }} [[ ]]; also catch half-marks)
        for field, value in fields.items():
            if re.search(r"\{\{|\}\}|\[\[|\]\]|\{[a-z_]+\||\[[a-z_]+\|", value):
                errors.append(f"{where}: leftover markup in {field}")
        # 5. word count
        nwords = len(body.split())
        word_counts.append(nwords)
        if not MIN_WORDS <= nwords <= MAX_WORDS:
            errors.append(f"{where}: body has {nwords} words (want {MIN_WORDS}-{MAX_WORDS})")
        # lint: an annotated entity string that appears un-annotated in the same post
        for e in entities:
            t = e["text"]
            if len(t) < 3:
                continue
            pat = re.compile(r"(?<![\w@$/.])" + re.escape(t) + r"(?![\w])")
            for field, value in fields.items():
                covered = [
                    (s["start"], s["end"]) for s in entities + negatives if s["field"] == field
                ]
                for m in pat.finditer(value):
                    if not any(a <= m.start() and m.end() <= b for a, b in covered):
                        warnings.append(f"{pid} {field}: un-annotated {t!r} at {m.start()}")

        corpus_rows.append(
            {"id": pid, "subreddit": post["subreddit"], "title": title, "text": body}
        )
        truth_rows.append({"id": pid, "entities": entities, "negatives": negatives})
        ent_counts.update(e["type"] for e in entities)
        neg_counts.update(g["kind"] for g in negatives)
        sub_counts[post["subreddit"]] += 1

    if errors:
        for e in errors:
            print("ERROR", e)
        sys.exit(1)

    with open(CORPUS, "w", encoding="utf-8") as fh:
        for row in corpus_rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(TRUTH, "w", encoding="utf-8") as fh:
        for row in truth_rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    n_ent = sum(ent_counts.values())
    n_neg = sum(neg_counts.values())
    n_struct = sum(ent_counts[t] for t in STRUCTURED)
    print(f"posts: {len(corpus_rows)}")
    print(
        f"body words: min {min(word_counts)}, max {max(word_counts)}, "
        f"mean {sum(word_counts) / len(word_counts):.0f}"
    )
    print(f"subreddits: {len(sub_counts)}")
    for sub, c in sorted(sub_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {sub:22s} {c}")
    print(f"entities (must remove): {n_ent}")
    for t in pe.ENTITY_TYPES:
        print(f"  {t:10s} {ent_counts[t]}")
    print(f"  structured identifiers ({'+'.join(STRUCTURED)}): {n_struct}")
    print(f"negatives (must keep): {n_neg}")
    for k in pe.NEGATIVE_KINDS:
        print(f"  {k:15s} {neg_counts[k]}")
    for w in sorted(set(warnings)):
        print("WARNING", w)

    problems = []
    if len(corpus_rows) < MIN_POSTS:
        problems.append(f"posts {len(corpus_rows)} < {MIN_POSTS}")
    if n_ent < MIN_ENTITIES:
        problems.append(f"entities {n_ent} < {MIN_ENTITIES}")
    if n_neg < MIN_NEGATIVES:
        problems.append(f"negatives {n_neg} < {MIN_NEGATIVES}")
    if neg_counts["sentence_start"] * 2 > n_neg:
        problems.append(
            f"sentence_start {neg_counts['sentence_start']} is more than half of negatives"
        )
    if ent_counts["name"] < MIN_NAMES:
        problems.append(f"name {ent_counts['name']} < {MIN_NAMES}")
    if ent_counts["handle"] < MIN_HANDLES:
        problems.append(f"handle {ent_counts['handle']} < {MIN_HANDLES}")
    if n_struct < MIN_STRUCTURED:
        problems.append(f"structured identifiers {n_struct} < {MIN_STRUCTURED}")
    if ent_counts["address"] < MIN_ADDRESSES:
        problems.append(f"address {ent_counts['address']} < {MIN_ADDRESSES}")
    for t, lo in MIN_PER_TYPE.items():
        if ent_counts[t] < lo:
            problems.append(f"{t} {ent_counts[t]} < {lo}")
    if warnings:
        problems.append(f"{len(set(warnings))} un-annotated repeats (see WARNING lines)")
    if problems:
        print("BELOW MINIMUMS / FAILED:", "; ".join(problems))
        sys.exit(1)
    print(
        "all minimums met; all offsets, overlap, Luhn, mod-97, markup and word-count checks passed"
    )


if __name__ == "__main__":
    main()
