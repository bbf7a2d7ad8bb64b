#!/usr/bin/env python3
# ruff: noqa
"""Build the pii_holdout4 corpus from source.md (python3, stdlib only).

Reuses the parser of ../pii_eval/build_corpus.py (parse_source, strip_markup,
luhn_ok, iban_ok, ENTITY_TYPES, NEGATIVE_KINDS), loaded under another module
name because both scripts are called build_corpus.py.

Writes corpus.jsonl and truth.jsonl next to this script and prints counts.
Exits non-zero if a check fails or a minimum is missed.
"""
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
PARSER = os.path.join(HERE, os.pardir, "pii_eval", "build_corpus.py")

_spec = importlib.util.spec_from_file_location("pii_eval_parser", PARSER)
_pe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_pe)
parse_source = _pe.parse_source
strip_markup = _pe.strip_markup
luhn_ok = _pe.luhn_ok
iban_ok = _pe.iban_ok
ENTITY_TYPES = _pe.ENTITY_TYPES
NEGATIVE_KINDS = _pe.NEGATIVE_KINDS

ID_PREFIX = "pii-holdout4"
MIN_POSTS = 80
MIN_ENTITIES = 450
MIN_NEGATIVES = 350
MIN_ENTITY = {"name": 200, "handle": 30, "id": 40, "address": 20}
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
                errors.append(f"{where}: offset mismatch {span!r} got {got!r}")
        for e in entities:
            if e["type"] == "card" and not luhn_ok(e["text"]):
                errors.append(f"{where}: card fails Luhn {e['text']!r}")
            if e["type"] == "iban" and not iban_ok(e["text"]):
                errors.append(f"{where}: IBAN fails mod-97 {e['text']!r}")
        for field, value in fields.items():
            for leftover in ("{{", "}}", "[[", "]]"):
                if leftover in value:
                    errors.append(f"{where}: leftover markup {leftover!r} in {field}")
        nwords = len(body.split())
        word_counts.append(nwords)
        if not MIN_WORDS <= nwords <= MAX_WORDS:
            errors.append(f"{where}: body has {nwords} words (want {MIN_WORDS}-{MAX_WORDS})")
        # An annotated entity string that also appears un-annotated in the same
        # post is probably a missed occurrence.
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
        sys.exit(1)

    with open(CORPUS, "w", encoding="utf-8") as fh:
        for row in corpus_rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(TRUTH, "w", encoding="utf-8") as fh:
        for row in truth_rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    n_ent = sum(ent_counts.values())
    n_neg = sum(neg_counts.values())
    figures = {g["text"] for r in truth_rows for g in r["negatives"]
               if g["kind"] == "public_figure"}
    print(f"posts: {len(corpus_rows)}")
    print(f"body words: min {min(word_counts)}, max {max(word_counts)}, "
          f"mean {sum(word_counts) / len(word_counts):.0f}")
    print(f"subreddits: {len(sub_counts)}")
    for sub, c in sorted(sub_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {sub:28s} {c}")
    print(f"entities (must remove): {n_ent}")
    for t in ENTITY_TYPES:
        print(f"  {t:10s} {ent_counts[t]}")
    print(f"negatives (must keep): {n_neg}")
    for k in NEGATIVE_KINDS:
        print(f"  {k:15s} {neg_counts[k]}")
    print(f"distinct public figures: {len(figures)}")
    for w in sorted(set(warnings)):
        print("WARNING", w)

    problems = []
    if len(corpus_rows) < MIN_POSTS:
        problems.append(f"only {len(corpus_rows)} posts (< {MIN_POSTS})")
    if n_ent < MIN_ENTITIES:
        problems.append(f"entities {n_ent} < {MIN_ENTITIES}")
    if n_neg < MIN_NEGATIVES:
        problems.append(f"negatives {n_neg} < {MIN_NEGATIVES}")
    for t, lo in MIN_ENTITY.items():
        if ent_counts[t] < lo:
            problems.append(f"{t}: {ent_counts[t]} < {lo}")
    if neg_counts["sentence_start"] * 2 > n_neg:
        problems.append("more than half of the negatives are sentence starts")
    if problems:
        print("BELOW MINIMUMS:", "; ".join(problems))
        sys.exit(1)
    print("all minimums met; all offsets, Luhn and mod-97 checks passed")


if __name__ == "__main__":
    main()
