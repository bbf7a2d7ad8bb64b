"""pipeline.text_patterns: the variants differ where they are meant to, the hashes keep their
numbers (samples, tie-breaks and option orders of published builds depend on them)."""

from __future__ import annotations

import hashlib
import random
import re

import pandas as pd
import pytest

from pipeline import text_patterns as tp
from pipeline.annotate.sampling import stratified_sample
from pipeline.evaluate.conditions import option_order


def _found(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(0) if match else None


# --------------------------------------------------------------------------- markers


def test_removed_markers_are_exact_strings() -> None:
    assert {tp.REMOVED_MARKER, tp.DELETED_MARKER} == tp.REMOVED_MARKERS
    assert "[removed]" in tp.REMOVED_MARKERS and "[deleted]" in tp.REMOVED_MARKERS
    assert " [removed]" not in tp.REMOVED_MARKERS and "[Deleted]" not in tp.REMOVED_MARKERS


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("text", "url", "url_or_email", "in_text", "web", "mention"),
    [
        # a scheme URL: every variant but the web-only ones for ftp
        (
            "see https://a.org/x now",
            "https://a.org/x",
            "https://a.org/x",
            "https://a.org/x",
            "https://a.org/x",
            "https://a.org/x",
        ),
        ("get ftp://a.org/f", "ftp://a.org/f", "ftp://a.org/f", "ftp://a.org/f", None, None),
        # an e-mail address: only the language variant removes it
        ("mail me@mail.com", None, "me@mail.com", None, None, None),
        # a bare domain with a path: only content shape counts it
        ("read example.com/page", None, None, "example.com/page", None, None),
        # www. needs a dot after the name for content shape, not for the others
        ("at www.example", "www.example", "www.example", None, "www.example", "www.example"),
        # an r/ mention: only the exact-duplicate key drops it
        ("ask r/Advice", None, None, None, None, "r/Advice"),
    ],
)
def test_url_variants_differ_where_meant(
    text: str,
    url: str | None,
    url_or_email: str | None,
    in_text: str | None,
    web: str | None,
    mention: str | None,
) -> None:
    assert _found(tp.URL_RE, text) == url
    assert _found(tp.URL_OR_EMAIL_RE, text) == url_or_email
    assert _found(tp.URL_IN_TEXT_RE, text) == in_text
    assert _found(tp.WEB_URL_RE, text) == web
    assert _found(tp.URL_OR_MENTION_RE, text) == mention


def test_whole_token_against_search() -> None:
    assert tp.URL_TOKEN_RE.match("example.com/x")
    assert not tp.URL_TOKEN_RE.match("see example.com/x")  # the whole token or nothing
    assert tp.URL_IN_TEXT_RE.search("see example.com/x")
    assert not tp.URL_TOKEN_RE.match("example.com")  # a bare domain needs a path here...
    bare = tp.URL_BARE_RE.search("see example.com today")  # ... not for the PII scrubber
    assert bare is not None and bare.group("tld") == "com" and bare.group("path") is None


def test_link_start_needs_a_word_boundary() -> None:
    assert tp.LINK_START_RE.search("go to www.x")
    assert not tp.LINK_START_RE.search("awww.x")  # inside a word: no link
    assert _found(tp.URL_RE, "awww.x") == "www.x"  # the Markdown normalizer still protects it
    assert not tp.LINK_START_RE.search("www. spaced")


def test_pii_urls_stop_at_quotes_and_take_numbered_www() -> None:
    assert _found(tp.URL_SCHEME_RE, 'go http://a.com/x"y') == "http://a.com/x"
    assert _found(tp.URL_RE, 'go http://a.com/x"y') == 'http://a.com/x"y'
    assert _found(tp.URL_WWW_RE, "at www2.example.com/x") == "www2.example.com/x"
    assert _found(tp.URL_RE, "at www2.example.com/x") is None
    assert _found(tp.URL_WWW_RE, "me@www.example.com") is None  # part of an address


def test_small_url_helpers() -> None:
    assert tp.SCHEME_RE.match("FTP://host") and not tp.SCHEME_RE.match("emote|t5_x|1")
    assert tp.URL_PREFIX_RE.sub("", "https://www.a.org/") == "a.org/"
    assert tp.URL_PREFIX_RE.sub("", "ftp://a.org") == "ftp://a.org"  # web schemes only
    assert tp.AUTOLINK_RE.sub(r"\1", "<https://a.org> <mailto:x@y.z> <x@y.z> <b>") == (
        "https://a.org mailto:x@y.z x@y.z <b>"
    )


# --------------------------------------------------------------------------- edit notes


@pytest.mark.parametrize(
    ("line", "clean", "dedupe"),
    [
        ("EDIT: thanks", True, True),
        ("**Edit 2:** more", True, True),
        ("Update (solved) - done", True, True),
        ("ETA: a detail", True, True),
        ("Edit for clarity: x", True, False),  # extra words: clean only
        ("EDIT.", True, False),  # a full stop: clean only
        ("upd: x", False, True),  # the short form: dedupe only
        ("Update my resume.", False, False),  # a sentence, not a marker
    ],
)
def test_edit_marker_variants(line: str, clean: bool, dedupe: bool) -> None:
    assert bool(tp.EDIT_MARKER_RE.match(line)) is clean
    assert bool(tp.EDIT_NOTE_LINE_RE.match(line)) is dedupe


def test_inline_edit_note_follows_a_sentence() -> None:
    assert _found(tp.EDIT_NOTE_INLINE_RE, "Thanks all. EDIT: more") == " EDIT:"
    assert tp.EDIT_NOTE_INLINE_RE.search("my edit: more") is None
    assert tp.EDIT_NOTE_LINE_RE.search("first line\n> Edit: second")  # multiline


# --------------------------------------------------------------------------- seeded hashes


def _sha(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def test_hash_unit_is_the_first_8_bytes_over_2_64() -> None:
    assert tp.hash_unit(13, "abc", sep=":") == int.from_bytes(_sha("13:abc")[:8], "big") / 2**64
    assert tp.hash_unit(13, "rank", "abc") == int.from_bytes(_sha("13|rank|abc")[:8], "big") / 2**64
    # pinned: a change of key format or digest would move every seeded sample
    assert tp.hash_unit(13, "abc", sep=":") == 0.616628595970395
    assert tp.hash_unit("audit", 13, "abc", sep=":") == 0.6498765558398887
    values = [tp.hash_unit(1, i) for i in range(2000)]
    assert all(0 <= v < 1 for v in values) and 0.45 < sum(values) / len(values) < 0.55


def test_hash_bits_matches_the_hex_and_byte_forms() -> None:
    hex_form = int(hashlib.sha256(b"13|act|s1|").hexdigest()[:16], 16)  # evaluate's old form
    assert tp.hash_bits(13, "act", "s1", "") == hex_form
    assert tp.hash_bits("p1", "care", nbytes=4) == int.from_bytes(_sha("p1|care")[:4], "big")
    assert tp.hash_bits(13, "act", "s1", "") == 18136075407821696620


def test_callers_keep_their_numbers() -> None:
    """Two callers through their public API: the annotation sample and an option order."""
    order = list(range(5))
    random.Random(int(hashlib.sha256(b"7|act|s9|").hexdigest()[:16], 16)).shuffle(order)
    assert option_order(7, "act", "s9", None, 5) == order

    # one stratum (a subreddit, a quarter): the sample is the posts with the smallest hashes
    ids = [f"p{i}" for i in range(40)]
    posts = pd.DataFrame({"post_id": ids, "subreddit": "a", "created_utc": 1_600_000_000})
    picked = stratified_sample(posts, 10, seed=3)
    expected = sorted(ids, key=lambda p: _sha(f"3:{p}"))[:10]
    assert sorted(picked["post_id"]) == sorted(expected)
