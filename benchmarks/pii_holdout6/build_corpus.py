#!/usr/bin/env python3
"""Build the pii_holdout6 corpus from source.md.

Reuses the markup parser and the Luhn / mod-97 checks of ../pii_eval/build_corpus.py
by import (not a copy), and the id validators of gen_ids.py. Writes corpus.jsonl and
truth.jsonl next to this script in pii_eval's JSONL layout, prints the counts, and
exits non-zero if a check fails.

Run: /work/main/.venv/bin/python build_corpus.py   (stdlib only)
"""
import importlib.util
import ipaddress
import json
import os
import re
import sys
from collections import Counter

sys.dont_write_bytecode = True  # leave no __pycache__ next to pii_eval or here

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "source.md")
CORPUS = os.path.join(HERE, "corpus.jsonl")
TRUTH = os.path.join(HERE, "truth.jsonl")
ID_PREFIX = "pii-holdout6"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


base = _load("pii_eval_build", os.path.join(HERE, "..", "pii_eval", "build_corpus.py"))
gen_ids = _load("pii_holdout6_gen_ids", os.path.join(HERE, "gen_ids.py"))

MIN_POSTS = 100
MIN_WORDS, MAX_WORDS = 65, 300
MIN_NEGATIVES_PER_POST = 4
MIN_NEGATIVES = 550

# ------------------------------------------------------------------ phones
_WORD_DIGITS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3",
                "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
                "nine": "9"}
AU_FICTIONAL = {"0491570156", "0491570157", "0491570158", "0491570159",
                "0491570110", "0491570313", "0491570737"}


def phone_digits(s):
    out = []
    toks = re.findall(r"[A-Za-z]+|\d", s)
    i = 0
    while i < len(toks):
        t = toks[i].lower()
        if t.isdigit():
            out.append(t)
        elif t in _WORD_DIGITS:
            out.append(_WORD_DIGITS[t])
        elif t in ("double", "triple") and i + 1 < len(toks):
            nxt = toks[i + 1].lower()
            d = nxt if nxt.isdigit() else _WORD_DIGITS.get(nxt, "")
            out.append(d * (2 if t == "double" else 3))
            i += 1
        i += 1
    return "".join(out)


def phone_range(s):
    """Return the reserved fictional range a phone span falls in, or None."""
    d = phone_digits(s)
    if d.startswith("00"):
        d = "+" + d[2:]
    elif s.lstrip().startswith("+"):
        d = "+" + d
    # to national form: (country, national number with trunk 0 where used)
    country = None
    for cc, name in (("+44", "UK"), ("+61", "AU"), ("+353", "IE"), ("+33", "FR"), ("+46", "SE")):
        if d.startswith(cc):
            country, d = name, "0" + d[len(cc):]
            break
    else:
        if d.startswith("+1"):
            country, d = "NANP", d[2:]
        elif d.startswith("+"):
            return None
        elif d.startswith("1") and len(d) == 11:
            country, d = "NANP", d[1:]
        elif not d.startswith("0"):
            country = "NANP"
    if country in (None, "NANP"):
        if len(d) == 10 and d[3:8] == "55501":
            return "NANP 555-01xx"
        if len(d) == 7 and d.startswith("55501"):
            return "NANP 555-01xx"
        if country == "NANP":
            return None
    if country in (None, "UK") and len(d) == 11:
        for prefix, label in (("07700900", "UK 07700 900xxx"), ("02079460", "UK 020 7946 0xxx"),
                              ("01632960", "UK 01632 960xxx")):
            if d.startswith(prefix):
                return label
    if country in (None, "AU") and d in AU_FICTIONAL:
        return "AU 0491 570 xxx"
    if country in (None, "IE") and len(d) == 10 and d.startswith("02091"):
        return "IE 020 91x xxxx"
    if country in (None, "FR") and len(d) == 10 and d[:6] in ("063998", "019900"):
        return "FR 06 39 98 / 01 99 00"
    if country in (None, "SE") and len(d) == 10 and d.startswith("070174") \
            and 605 <= int(d[6:]) <= 699:
        return "SE 070-174 06 05..99"
    return None


# --------------------------------------------------------------------- ips
DOC_NETS = [ipaddress.ip_network(n) for n in
            ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def ip_ok(s):
    try:
        addr = ipaddress.ip_address(s)
    except ValueError:
        return False
    return any(addr.version == n.version and addr in n for n in DOC_NETS)


def norm(s):
    return re.sub(r"[^0-9A-Za-z]", "", s).upper()


def main():
    posts = base.parse_source(SOURCE)
    generated = {norm(v): (scheme, label) for scheme, label, v in gen_ids.generate()}
    corpus_rows, truth_rows = [], []
    ent_counts, neg_counts, sub_counts = Counter(), Counter(), Counter()
    word_counts, warnings, errors = [], [], []
    phone_ranges, other_phones, scheme_counts = Counter(), [], Counter()
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
        title, t_ents, t_negs = base.strip_markup(lines[0], where + " title")
        body, b_ents, b_negs = base.strip_markup("\n".join(lines[1:]).strip("\n"), where + " body")
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
            if fields[span["field"]][span["start"]:span["end"]] != span["text"]:
                errors.append(f"{where}: bad offsets for {span}")
        for e in entities:
            t, typ = e["text"], e["type"]
            if typ == "card" and not base.luhn_ok(t):
                errors.append(f"{where}: card fails Luhn: {t}")
            if typ == "iban" and not base.iban_ok(t):
                errors.append(f"{where}: IBAN fails mod-97: {t}")
            if typ == "ssn" and not gen_ids.ssn_ok(t):
                errors.append(f"{where}: SSN not in a valid 3-2-4 shape: {t}")
            if typ == "ip" and not ip_ok(t):
                errors.append(f"{where}: IP outside the documentation ranges: {t}")
            if typ in ("card", "iban", "ssn", "id", "plate"):
                hit = generated.get(norm(t))
                if hit:
                    scheme, label = hit
                    scheme_counts[label] += 1
                    want = gen_ids.SCHEME_TYPE.get(scheme)
                    if want and want != typ:
                        errors.append(f"{where}: {t} is a {label} but typed {typ}")
                    if scheme in gen_ids.VALIDATORS and not gen_ids.VALIDATORS[scheme](t):
                        errors.append(f"{where}: {label} fails its check: {t}")
                elif typ in ("card", "iban", "ssn"):
                    errors.append(f"{where}: {typ} {t} is not from gen_ids.py")
            if typ == "phone":
                r = phone_range(t)
                if r:
                    phone_ranges[r] += 1
                else:
                    other_phones.append(f"{pid}: {t}")
            if typ == "name" and re.match(
                    r"(?i)(mr|mrs|ms|miss|mx|dr|prof|officer|herr|frau|madam|chief|sir|fr|father|"
                    r"pastor|imam|rabbi|pan|pani|av|licenciado|doña|don|coach|judge)\.?\s", t):
                errors.append(f"{where}: honorific inside name span: {t}")
            if typ == "name" and t.endswith("'s"):
                errors.append(f"{where}: possessive inside name span: {t}")
            if typ == "url" and " " in t:
                errors.append(f"{where}: url with a space: {t}")
        nwords = len(body.split())
        word_counts.append(nwords)
        if not MIN_WORDS <= nwords <= MAX_WORDS:
            errors.append(f"{where}: body has {nwords} words (want {MIN_WORDS}-{MAX_WORDS})")
        if not entities:
            errors.append(f"{where}: no planted entities")
        if len(negatives) < MIN_NEGATIVES_PER_POST:
            errors.append(f"{where}: only {len(negatives)} negatives")
        # Lint 1 (as pii_eval): an annotated string that also appears un-annotated.
        # Lint 2: each capitalised token (3+ letters) of a name span, un-annotated.
        probes = {e["text"] for e in entities if len(e["text"]) >= 3}
        for e in entities:
            if e["type"] == "name":
                probes.update(tok for tok in re.findall(r"[\w'-]+", e["text"])
                              if len(tok) >= 3)
        for t in sorted(probes):
            pat = re.compile(r"(?<![\w@$/.#])" + re.escape(t) + r"(?![\w])")
            for field, value in fields.items():
                covered = [(s["start"], s["end"]) for s in entities + negatives
                           if s["field"] == field]
                for m in pat.finditer(value):
                    if not any(a <= m.start() and m.end() <= b for a, b in covered):
                        warnings.append(f"{pid} {field}: un-annotated {t!r} at {m.start()}")
        # Lint 4: a name token in another case (e.g. a lowercase chat label).
        low = {tok.lower() for e in entities if e["type"] == "name"
               for tok in re.findall(r"[\w'-]+", e["text"]) if len(tok) >= 3}
        for field, value in fields.items():
            covered = [(s["start"], s["end"]) for s in entities + negatives
                       if s["field"] == field]
            for m in re.finditer(r"[\w'-]+", value):
                tok = m.group().removesuffix("'s")
                end = m.start() + len(tok)
                if tok.lower() in low and not any(
                        a <= m.start() and end <= b for a, b in covered):
                    warnings.append(f"{pid} {field}: name-like {m.group()!r} un-annotated "
                                    f"at {m.start()}")
        # Lint 3: a negative whose text is also a name token in the same post.
        name_toks = {tok for e in entities if e["type"] == "name"
                     for tok in re.findall(r"[\w'-]+", e["text"])}
        for g in negatives:
            if g["text"] in name_toks and g["kind"] not in ("word_name", "month_weekday",
                                                             "public_figure"):
                warnings.append(f"{pid}: negative {g['kind']} {g['text']!r} is also a name here")
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
    print(f"subreddits: {len(sub_counts)}")
    for sub, c in sorted(sub_counts.items(), key=lambda kv: (-kv[1], kv[0].lower())):
        print(f"  {sub:26s} {c}")
    print(f"entities (must remove): {sum(ent_counts.values())}")
    for t in base.ENTITY_TYPES:
        print(f"  {t:10s} {ent_counts[t]}")
    print(f"negatives (must keep): {sum(neg_counts.values())}")
    for k in base.NEGATIVE_KINDS:
        print(f"  {k:15s} {neg_counts[k]}")
    print("generated ids used (by scheme):")
    for label, c in sorted(scheme_counts.items()):
        print(f"  {label:26s} {c}")
    print("phones in fictional ranges:")
    for r, c in sorted(phone_ranges.items()):
        print(f"  {r:26s} {c}")
    print(f"phones outside any reserved range (invented; see README): {len(other_phones)}")
    for p in other_phones:
        print(f"  {p}")
    for w in sorted(set(warnings)):
        print("WARNING", w)

    problems = list(errors)
    if len(corpus_rows) < MIN_POSTS:
        problems.append(f"only {len(corpus_rows)} posts (< {MIN_POSTS})")
    for t, lo in base.MIN_ENTITY.items():
        if ent_counts[t] < lo:
            problems.append(f"{t}: {ent_counts[t]} < {lo}")
    if ent_counts["username"] + ent_counts["handle"] < base.MIN_USER_OR_HANDLE:
        problems.append("username+handle below minimum")
    if sum(neg_counts.values()) < MIN_NEGATIVES:
        problems.append(f"negatives {sum(neg_counts.values())} < {MIN_NEGATIVES}")
    for k in base.NEGATIVE_KINDS:
        if neg_counts[k] == 0:
            problems.append(f"no negatives of kind {k}")
    if problems:
        print("CHECKS FAILED:")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print("all checks passed: offsets, Luhn, mod-97, SSN shape, id checksums, "
          "documentation-range IPs, word counts, guideline minimums")


if __name__ == "__main__":
    main()
