#!/usr/bin/env python3
# ruff: noqa: E501, B905  (a standalone corpus builder, kept as its author wrote it)
"""Build the pii_holdout corpus from source.md (python3, stdlib only).

Same markup and output format as ../pii_eval/build_corpus.py, whose parser
(strip_markup, parse_source, luhn_ok, iban_ok, type and kind lists) is reused
by import so that both corpora are built the same way:
  {{type|text}}  planted personal data the scrubber must remove
  [[kind|text]]  hard negative the scrubber must keep
Posts are separated by a line "=== <subreddit> ===". The first non-blank
line of a post is its title; the rest is the body ("text").

Ids are "pii-holdout-NNN". Writes corpus.jsonl and truth.jsonl next to this
script and prints counts. Also checks the national check digits of the id
values listed in CHECKED_IDS below.
"""
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pii_eval"))
from build_corpus import (  # noqa: E402
    ENTITY_TYPES,
    NEGATIVE_KINDS,
    iban_ok,
    luhn_ok,
    parse_source,
    strip_markup,
)

SOURCE = os.path.join(HERE, "source.md")
CORPUS = os.path.join(HERE, "corpus.jsonl")
TRUTH = os.path.join(HERE, "truth.jsonl")
ID_PREFIX = "pii-holdout-"

MIN_POSTS = 80
MIN_ENTITY = {"name": 280, "email": 20, "phone": 20, "address": 10, "url": 12,
              "ssn": 5, "card": 8, "iban": 8, "id": 12, "dob": 8, "plate": 8, "ip": 8}
MIN_STRUCTURED = 120  # everything except name, username, handle
MIN_USER_OR_HANDLE = 30
MIN_NEGATIVES = 380
MIN_WORDS, MAX_WORDS = 40, 400


def _digits(s):
    return [int(c) for c in s if c.isdigit()]


def nhs_ok(s):
    d = _digits(s)
    if len(d) != 10:
        return False
    c = 11 - sum(x * (10 - i) for i, x in enumerate(d[:9])) % 11
    return (0 if c == 11 else c) == d[9]


_VD = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
       [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
       [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
       [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
       [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VP = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
       [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
       [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
       [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]


def aadhaar_ok(s):  # Verhoeff
    d = _digits(s)
    if len(d) != 12 or d[0] < 2:
        return False
    c = 0
    for i, x in enumerate(reversed(d)):
        c = _VD[c][_VP[i % 8][x]]
    return c == 0


def medicare_ok(s):  # Australian Medicare: 9th digit = weighted sum of first 8 mod 10
    d = _digits(s)
    return len(d) == 10 and d[0] in (2, 3, 4, 5, 6) and \
        sum(a * b for a, b in zip(d[:8], [1, 3, 7, 9, 1, 3, 7, 9])) % 10 == d[8]


def tfn_ok(s):
    d = _digits(s)
    return len(d) == 9 and sum(a * b for a, b in zip(d, [1, 4, 3, 7, 5, 8, 6, 9, 10])) % 11 == 0


def bsn_ok(s):  # Dutch elfproef
    d = _digits(s)
    return len(d) == 9 and sum(a * b for a, b in zip(d, [9, 8, 7, 6, 5, 4, 3, 2, -1])) % 11 == 0


def pesel_ok(s):
    d = _digits(s)
    return len(d) == 11 and (10 - sum(a * b for a, b in zip(d[:10], [1, 3, 7, 9, 1, 3, 7, 9, 1, 3])) % 10) % 10 == d[10]


def dni_nie_ok(s):
    s = s.upper()
    m = re.fullmatch(r"([XYZ]?)(\d{7,8})([A-Z])", s)
    if not m:
        return False
    num = int(str("XYZ".index(m.group(1))) + m.group(2)) if m.group(1) else int(m.group(2))
    return "TRWAGMYFPDXBNJZSQVHLCKE"[num % 23] == m.group(3)


def pps_ok(s):
    m = re.fullmatch(r"(\d{7})([A-W])([A-IW]?)", s.upper())
    if not m:
        return False
    total = sum(int(x) * w for x, w in zip(m.group(1), range(8, 1, -1)))
    if m.group(3) and m.group(3) != "W":
        total += 9 * (ord(m.group(3)) - 64)
    return "WABCDEFGHIJKLMNOPQRSTUV"[total % 23] == m.group(2)


# id values whose national check digit is verified at build time
CHECKED_IDS = {
    "820 337 7637": nhs_ok, "760 128 1604": nhs_ok,
    "8652 5327 1003": aadhaar_ok, "9440 6323 4831": aadhaar_ok,
    "6923 20237 9": medicare_ok, "4100 40898 9": medicare_ok,
    "797 891 024": tfn_ok, "985115488": bsn_ok, "88071412342": pesel_ok,
    "69478560E": dni_nie_ok, "Y4821937R": dni_nie_ok, "7294615FA": pps_ok,
}


def main():
    posts = parse_source(SOURCE)
    corpus_rows, truth_rows = [], []
    ent_counts, neg_counts, sub_counts = Counter(), Counter(), Counter()
    word_counts, warnings, checked = [], [], set()
    for n, post in enumerate(posts, 1):
        pid = f"{ID_PREFIX}{n:03d}"
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
        for span in entities + negatives:
            got = fields[span["field"]][span["start"]:span["end"]]
            assert got == span["text"], (pid, span, got)
        for e in entities:
            if e["type"] == "card":
                assert luhn_ok(e["text"]), (pid, "card fails Luhn", e["text"])
            if e["type"] == "iban":
                assert iban_ok(e["text"]), (pid, "IBAN fails mod-97", e["text"])
            if e["type"] == "id" and e["text"] in CHECKED_IDS:
                assert CHECKED_IDS[e["text"]](e["text"]), (pid, "id check digit", e["text"])
                checked.add(e["text"])
        nwords = len(body.split())
        word_counts.append(nwords)
        if not MIN_WORDS <= nwords <= MAX_WORDS:
            sys.exit(f"{where}: body has {nwords} words (want {MIN_WORDS}-{MAX_WORDS})")
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

    missing = set(CHECKED_IDS) - checked
    if missing:
        sys.exit(f"CHECKED_IDS not found as id spans: {sorted(missing)}")

    with open(CORPUS, "w", encoding="utf-8") as fh:
        for row in corpus_rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(TRUTH, "w", encoding="utf-8") as fh:
        for row in truth_rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    structured = sum(c for t, c in ent_counts.items() if t not in ("name", "username", "handle"))
    print(f"posts: {len(corpus_rows)}")
    print(f"body words: min {min(word_counts)}, max {max(word_counts)}, "
          f"mean {sum(word_counts) / len(word_counts):.0f}")
    print("posts per subreddit:")
    for sub, c in sorted(sub_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {sub:22s} {c}")
    print(f"entities (must remove): {sum(ent_counts.values())}")
    for t in ENTITY_TYPES:
        print(f"  {t:10s} {ent_counts[t]}")
    print(f"structured identifiers (not name/username/handle): {structured}")
    print(f"negatives (must keep): {sum(neg_counts.values())}")
    for k in NEGATIVE_KINDS:
        print(f"  {k:15s} {neg_counts[k]}")
    print(f"id values with verified national check digits: {len(checked)}")
    for w in sorted(set(warnings)):
        print("WARNING", w)

    problems = []
    if len(corpus_rows) < MIN_POSTS:
        problems.append(f"only {len(corpus_rows)} posts (< {MIN_POSTS})")
    for t, lo in MIN_ENTITY.items():
        if ent_counts[t] < lo:
            problems.append(f"{t}: {ent_counts[t]} < {lo}")
    if structured < MIN_STRUCTURED:
        problems.append(f"structured {structured} < {MIN_STRUCTURED}")
    if ent_counts["username"] + ent_counts["handle"] < MIN_USER_OR_HANDLE:
        problems.append("username+handle below minimum")
    if sum(neg_counts.values()) < MIN_NEGATIVES:
        problems.append("negatives below minimum")
    if problems:
        print("BELOW MINIMUMS:", "; ".join(problems))
        sys.exit(1)
    print("all minimums met; all offsets, Luhn, mod-97 and id check-digit checks passed")


if __name__ == "__main__":
    main()
