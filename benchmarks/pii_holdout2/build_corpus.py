#!/usr/bin/env python3
# ruff: noqa
"""Build the pii_holdout2 corpus from source.md (python3, stdlib only).

Reuses the parser of ../pii_eval/build_corpus.py (parse_source, strip_markup,
luhn_ok, iban_ok, ENTITY_TYPES, NEGATIVE_KINDS) so that both corpora are built
with the same markup rules:
  {{type|text}}  planted personal data the scrubber must remove
  [[kind|text]]  hard negative the scrubber must keep
Posts are separated by a line "=== <subreddit> ===". The first non-blank
line of a post is its title; the rest is the body ("text").

Writes corpus.jsonl and truth.jsonl next to this script and prints counts.
Exits non-zero if a check fails or a minimum of this corpus is missed.
"""
import importlib.util
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
PII_EVAL_DIR = os.path.normpath(os.path.join(HERE, "..", "pii_eval"))
# Put pii_eval's directory on sys.path and load its build_corpus.py under a
# distinct module name (this script has the same file name).
sys.path.insert(0, PII_EVAL_DIR)
_spec = importlib.util.spec_from_file_location(
    "pii_eval_build_corpus", os.path.join(PII_EVAL_DIR, "build_corpus.py"))
_pe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_pe)
parse_source = _pe.parse_source
strip_markup = _pe.strip_markup
luhn_ok = _pe.luhn_ok
iban_ok = _pe.iban_ok
ENTITY_TYPES = _pe.ENTITY_TYPES
NEGATIVE_KINDS = _pe.NEGATIVE_KINDS

SOURCE = os.path.join(HERE, "source.md")
CORPUS = os.path.join(HERE, "corpus.jsonl")
TRUTH = os.path.join(HERE, "truth.jsonl")
ID_PREFIX = "pii-holdout2"

# Minimums set for this corpus by its brief.
MIN_POSTS = 80
MIN_ENTITIES = 450
MIN_NEGATIVES = 350
MIN_WORDS, MAX_WORDS = 40, 400


def main():
    posts = parse_source(SOURCE)
    corpus_rows, truth_rows = [], []
    ent_counts, neg_counts, sub_counts = Counter(), Counter(), Counter()
    word_counts = []
    warnings = []
    errors = []
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
        # Offsets must point at exactly the annotated text.
        for span in entities + negatives:
            got = fields[span["field"]][span["start"]:span["end"]]
            if got != span["text"]:
                errors.append(f"{where}: offset mismatch {span} -> {got!r}")
        # Structured identifiers must be valid.
        for e in entities:
            if e["type"] == "card" and not luhn_ok(e["text"]):
                errors.append(f"{where}: card fails Luhn: {e['text']!r}")
            if e["type"] == "iban" and not iban_ok(e["text"]):
                errors.append(f"{where}: IBAN fails mod-97: {e['text']!r}")
        # No markup may be left in the stripped fields.
        for field, value in fields.items():
            for leftover in ("{{", "}}", "[[", "]]"):
                if leftover in value:
                    errors.append(f"{where} {field}: leftover markup {leftover!r}")
        nwords = len(body.split())
        word_counts.append(nwords)
        if not MIN_WORDS <= nwords <= MAX_WORDS:
            errors.append(f"{where}: body has {nwords} words (want {MIN_WORDS}-{MAX_WORDS})")
        # Lint: an annotated entity string that also appears un-annotated in the
        # same post is probably a missed annotation.
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

    print(f"posts: {len(corpus_rows)}")
    print(f"body words: min {min(word_counts)}, max {max(word_counts)}, "
          f"mean {sum(word_counts) / len(word_counts):.0f}")
    print("posts per subreddit:")
    for sub, c in sorted(sub_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {sub:22s} {c}")
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
    print("all minimums met; all offsets, Luhn, mod-97 and leftover-markup checks passed")


if __name__ == "__main__":
    main()
