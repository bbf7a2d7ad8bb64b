"""Exact duplicates: posts whose normalized title + body are identical.

``normalize_for_exact`` removes everything that differs between two copies of the same post
without the words changing: Unicode compatibility forms, case, markdown, links, punctuation,
whitespace and trailing edit notes ("EDIT: thanks everyone"). Cross-posts and reposts then
hash to the same key. The normalized text is also what the near-duplicate stage shingles and
scores, so both stages see the same tokens.

The stage passes clean's text (``clean.normalize_text``), and this is not that normalization
done twice: clean keeps readable text (case, punctuation, URLs as ``text (url)``), this
builds a matching key from it. Even the steps that look shared are not no-ops on clean's
output, so they stay (dropping them would change which posts are duplicates): clean decodes
only ``;``-terminated entities (``this&not that`` stays, here it becomes ``this¬ that``),
applies NFC where this applies NFKC (``m²`` -> ``m2``, ``™`` -> ``TM``), keeps bidi controls
(U+202A-U+202E) and keeps ``[text](url)`` inside inline code, and drops edit notes only at
the start of a line (an inline "... it is far. Edit: I went" is cut here).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

from pipeline.text_patterns import EDIT_NOTE_INLINE_RE, EDIT_NOTE_LINE_RE, URL_OR_MENTION_RE

__all__ = ["exact_groups", "normalize_for_exact", "text_key"]

_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_NON_WORD = re.compile(r"[\W_]+")
# ASCII fast path of _NON_WORD: every ASCII byte that is not a letter or digit -> space.
_ASCII_NON_WORD = bytes(c if chr(c).isalnum() else 32 for c in range(256))


def strip_edit_notes(text: str) -> str:
    """Drop edit notes: a marker in the second half of the text cuts the rest of the text
    (the edit and anything after it); a marker line earlier (a prepended "UPDATE:" line)
    drops only that line."""
    lowered = text.lower()
    if "edit" not in lowered and "upd" not in lowered and "eta" not in lowered:
        return text
    half = len(text) // 2
    cut = len(text)
    for rx in (EDIT_NOTE_LINE_RE, EDIT_NOTE_INLINE_RE):
        for m in rx.finditer(text):
            if m.start() >= half:
                cut = min(cut, m.start())
                break
    text = text[:cut]
    if EDIT_NOTE_LINE_RE.search(text):
        text = "\n".join(
            line for line in text.split("\n") if not EDIT_NOTE_LINE_RE.match(line + "\n")
        )
    return text


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", html.unescape(text))
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
    if "](" in text:
        text = _MD_LINK.sub(r" \1 ", text)
    if "/" in text or "www." in text.lower():
        text = URL_OR_MENTION_RE.sub(" ", text)
    return text


def _words_only(text: str) -> str:
    """Casefold; every run of non-word characters (and ``_``) becomes one space; stripped."""
    text = text.casefold()
    if text.isascii():
        return " ".join(text.encode("ascii").translate(_ASCII_NON_WORD).decode("ascii").split())
    return _NON_WORD.sub(" ", text).strip()


def normalize_for_exact(title: str, body: str) -> str:
    """Title and body as one canonical string: NFKC, HTML entities decoded, markdown links
    reduced to their text, URLs and ``r/``/``u/`` mentions dropped, edit notes removed,
    casefolded, every run of punctuation/markdown/whitespace collapsed to one space.

    Missing parts (``None``/NA) count as empty. The result contains only word characters
    separated by single spaces, so ``str.split(" ")`` tokenizes it.
    """
    title = "" if not isinstance(title, str) else title
    body = "" if not isinstance(body, str) else body
    body = strip_edit_notes(_clean(body))
    return _words_only(_clean(title) + "\n" + body)


def text_key(normalized: str) -> bytes:
    """A 16-byte hash of a normalized text (the exact-duplicate key)."""
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=16).digest()


def exact_groups(normalized: Iterable[str]) -> np.ndarray:
    """Group ids (int64, numbered by first appearance) such that two texts share a group
    iff their normalized texts are identical. Empty texts carry no information and are
    never grouped: each gets its own group."""
    keys = pd.Series([text_key(t) if t else None for t in normalized], dtype=object)
    codes, _ = pd.factorize(keys, sort=False, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    empty = codes < 0
    if empty.any():
        codes[empty] = codes.max(initial=-1) + 1 + np.arange(int(empty.sum()), dtype=np.int64)
    return codes
