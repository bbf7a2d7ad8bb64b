#!/usr/bin/env python3
"""Build the pii_eval corpus from source.md (python3, stdlib only).

Markup in source.md:
  {{type|text}}  planted personal data the scrubber must remove
  [[kind|text]]  hard negative the scrubber must keep
Posts are separated by a line "=== <subreddit> ===". The first non-blank
line of a post is its title; the rest is the body ("text").

Writes corpus.jsonl and truth.jsonl next to this script and prints counts.
"""
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "source.md")
CORPUS = os.path.join(HERE, "corpus.jsonl")
TRUTH = os.path.join(HERE, "truth.jsonl")

ENTITY_TYPES = ["name", "username", "handle", "email", "phone", "url", "address",
                "ssn", "card", "iban", "id", "dob", "plate", "ip"]
NEGATIVE_KINDS = ["brand", "place", "public_figure", "month_weekday",
                  "sentence_start", "word_name", "number", "other"]

# Minimums from the annotation guidelines.
MIN_POSTS = 90
MIN_ENTITY = {"name": 250, "email": 20, "phone": 20, "address": 10, "url": 15,
              "ssn": 5, "card": 5, "iban": 5, "id": 5, "dob": 5, "plate": 5, "ip": 5}
MIN_USER_OR_HANDLE = 40  # username + handle together
MIN_NEGATIVES = 150
MIN_WORDS, MAX_WORDS = 40, 400

HEADER_RE = re.compile(r"^=== (.+?) ===\s*$")
MARK_RE = re.compile(r"\{\{([a-z_]+)\|(.*?)\}\}|\[\[([a-z_]+)\|(.*?)\]\]")


def luhn_ok(s):
    digits = [int(c) for c in s if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(s):
    compact = re.sub(r"[\s-]", "", s).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def strip_markup(raw, where):
    """Return (plain_text, entities, negatives) for one field."""
    out = []
    pos = 0
    plain_len = 0
    entities, negatives = [], []
    for m in MARK_RE.finditer(raw):
        before = raw[pos:m.start()]
        out.append(before)
        plain_len += len(before)
        if m.group(1) is not None:
            label, text, bucket, allowed = m.group(1), m.group(2), entities, ENTITY_TYPES
            key = "type"
        else:
            label, text, bucket, allowed = m.group(3), m.group(4), negatives, NEGATIVE_KINDS
            key = "kind"
        if label not in allowed:
            sys.exit(f"{where}: unknown {key} {label!r} in {m.group(0)!r}")
        if not text or text != text.strip():
            sys.exit(f"{where}: empty or padded span {m.group(0)!r}")
        bucket.append({key: label, "text": text, "start": plain_len,
                       "end": plain_len + len(text)})
        out.append(text)
        plain_len += len(text)
        pos = m.end()
    out.append(raw[pos:])
    plain = "".join(out)
    for leftover in ("{{", "}}", "[[", "]]"):
        if leftover in plain:
            sys.exit(f"{where}: unparsed markup {leftover!r} left in: {plain[:200]!r}")
    return plain, entities, negatives


def parse_source(path):
    posts = []
    current = None
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            m = HEADER_RE.match(line)
            if m:
                current = {"subreddit": m.group(1).strip(), "lines": [], "line": lineno}
                posts.append(current)
            elif current is not None:
                current["lines"].append(line.rstrip())
            elif line.strip():
                sys.exit(f"line {lineno}: text before the first post header")
    return posts


def main():
    posts = parse_source(SOURCE)
    corpus_rows, truth_rows = [], []
    ent_counts, neg_counts, sub_counts = Counter(), Counter(), Counter()
    word_counts = []
    warnings = []
    for n, post in enumerate(posts, 1):
        pid = f"pii-eval-{n:03d}"
        lines = post["lines"]
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        if len(lines) < 2:
            sys.exit(f"{pid} (source line {post['line']}): needs a title and a body")
        where = f"{pid} (source line {post['line']})"
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
            assert got == span["text"], (pid, span, got)
        # Structured identifiers must be valid.
        for e in entities:
            if e["type"] == "card":
                assert luhn_ok(e["text"]), (pid, "card fails Luhn", e["text"])
            if e["type"] == "iban":
                assert iban_ok(e["text"]), (pid, "IBAN fails mod-97", e["text"])
        nwords = len(body.split())
        word_counts.append(nwords)
        if not MIN_WORDS <= nwords <= MAX_WORDS:
            sys.exit(f"{where}: body has {nwords} words (want {MIN_WORDS}-{MAX_WORDS})")
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
    for t, lo in MIN_ENTITY.items():
        if ent_counts[t] < lo:
            problems.append(f"{t}: {ent_counts[t]} < {lo}")
    if ent_counts["username"] + ent_counts["handle"] < MIN_USER_OR_HANDLE:
        problems.append("username+handle below minimum")
    if sum(neg_counts.values()) < MIN_NEGATIVES:
        problems.append("negatives below minimum")
    if problems:
        print("BELOW GUIDELINE MINIMUMS:", "; ".join(problems))
        sys.exit(1)
    print("all guideline minimums met; all offsets, Luhn and mod-97 checks passed")


if __name__ == "__main__":
    main()
