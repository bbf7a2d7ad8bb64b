#!/usr/bin/env python3
# ruff: noqa
"""Build the pii_holdout3 corpus from source.md (python3, stdlib only).

Reuses the parser from ../pii_eval/build_corpus.py (loaded under another
module name, because both scripts are called build_corpus.py).
Markup: {{type|text}} planted personal data, [[kind|text]] hard negative.
Writes corpus.jsonl and truth.jsonl next to this script and prints counts.
"""
import importlib.util
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
PARSER_PATH = os.path.join(HERE, "..", "pii_eval", "build_corpus.py")
_spec = importlib.util.spec_from_file_location("pii_eval_parser", PARSER_PATH)
pii_eval_parser = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pii_eval_parser)

parse_source = pii_eval_parser.parse_source
strip_markup = pii_eval_parser.strip_markup
luhn_ok = pii_eval_parser.luhn_ok
iban_ok = pii_eval_parser.iban_ok
ENTITY_TYPES = pii_eval_parser.ENTITY_TYPES
NEGATIVE_KINDS = pii_eval_parser.NEGATIVE_KINDS

SOURCE = os.path.join(HERE, "source.md")
CORPUS = os.path.join(HERE, "corpus.jsonl")
TRUTH = os.path.join(HERE, "truth.jsonl")
ID_PREFIX = "pii-holdout3"

MIN_POSTS = 80
MIN_ENTITIES = 450
MIN_NEGATIVES = 350
MIN_WORDS, MAX_WORDS = 40, 400


def main():
    posts = parse_source(SOURCE)
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
        title, t_ents, t_negs = strip_markup(lines[0], where + " title")
        body_raw = "\n".join(lines[1:]).strip("\n")
        body, b_ents, b_negs = strip_markup(body_raw, where + " body")
        fields = {"title": title, "text": body}
        entities, negatives = [], []
        for field, ents, negs in (("title", t_ents, t_negs), ("text", b_ents, b_negs)):
            for e in ents:
                e["field"] = field
                entities.append(e)
            for g in negs:
                g["field"] = field
                negatives.append(g)
        for span in entities + negatives:
            got = fields[span["field"]][span["start"]:span["end"]]
            if got != span["text"]:
                errors.append(f"{where}: offset mismatch {span!r} -> {got!r}")
        for e in entities:
            if e["type"] == "card" and not luhn_ok(e["text"]):
                errors.append(f"{where}: card fails Luhn {e['text']!r}")
            if e["type"] == "iban" and not iban_ok(e["text"]):
                errors.append(f"{where}: IBAN fails mod-97 {e['text']!r}")
        for field, value in fields.items():
            for leftover in ("{{", "}}", "[[", "]]"):
                if leftover in value:
                    errors.append(f"{where} {field}: leftover markup {leftover!r}")
        nwords = len(body.split())
        word_counts.append(nwords)
        if not MIN_WORDS <= nwords <= MAX_WORDS:
            errors.append(f"{where}: body has {nwords} words (want {MIN_WORDS}-{MAX_WORDS})")
        # Lint: annotated entity string also present un-annotated in the same post.
        for e in entities:
            t = e["text"]
            if len(t) < 3:
                continue
            pat = re.compile(r"(?<![\w@$/.])" + re.escape(t) + r"(?![\w])")
            for field, value in fields.items():
                covered = [(s["start"], s["end"]) for s in entities + negatives
                           if s["field"] == field]
                for m in pat.finditer(value):
                    if not any(a <= m.start() and m.end() <= b for a, b in covered):
                        warnings.append(f"{pid} {field}: un-annotated {t!r} at {m.start()}")
        corpus_rows.append({"id": pid, "subreddit": post["subreddit"],
                            "title": title, "text": body})
        truth_rows.append({"id": pid, "entities": entities, "negatives": negatives})
        ent_counts.update(e["type"] for e in entities)
        neg_counts.update(g["kind"] for g in negatives)
        sub_counts[post["subreddit"]] += 1

    if errors:
        for e in errors:
            print("ERROR", e)
        sys.exit(2)

    with open(CORPUS, "w", encoding="utf-8") as fh:
        for row in corpus_rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(TRUTH, "w", encoding="utf-8") as fh:
        for row in truth_rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    print(f"posts: {len(corpus_rows)}")
    print(f"body words: min {min(word_counts)}, max {max(word_counts)}, "
          f"mean {sum(word_counts) / len(word_counts):.0f}")
    print(f"subreddits: {len(sub_counts)}")
    print(f"entities (must remove): {sum(ent_counts.values())}")
    for t in ENTITY_TYPES:
        print(f"  {t:10s} {ent_counts[t]}")
    print(f"negatives (must keep): {sum(neg_counts.values())}")
    for k in NEGATIVE_KINDS:
        print(f"  {k:15s} {neg_counts[k]}")
    for w in sorted(set(warnings)):
        print("WARNING", w)

    problems = []
    if len(corpus_rows) < MIN_POSTS:
        problems.append(f"only {len(corpus_rows)} posts (< {MIN_POSTS})")
    if sum(ent_counts.values()) < MIN_ENTITIES:
        problems.append(f"entities {sum(ent_counts.values())} < {MIN_ENTITIES}")
    if sum(neg_counts.values()) < MIN_NEGATIVES:
        problems.append(f"negatives {sum(neg_counts.values())} < {MIN_NEGATIVES}")
    if problems:
        print("BELOW MINIMUMS:", "; ".join(problems))
        sys.exit(1)
    print("all minimums met; all offsets, Luhn and mod-97 checks passed")


if __name__ == "__main__":
    main()
