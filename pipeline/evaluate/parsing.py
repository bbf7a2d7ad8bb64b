"""Robust, conservative parsing of a model's answers: which option, which rating.

The rule is *never guess*: an answer is mapped to an option only when the evidence points
to exactly one of them; otherwise it is ``unparseable`` and counted as such.

Choices (:func:`parse_choice`), tried in order:

1. ``json``: a JSON object (whole reply, fenced block or the first ``{...}``) with a key
   ``choice`` / ``answer`` / ``option`` / ``letter`` / ``selection``, whose value is then
   parsed as below (a letter or an option text);
2. ``letter``: the reply is a letter alone, ``B``, ``(b)``, ``**B**``, ``B.``; or it
   starts with one, ``B. Put the...``, ``(B) ...``, ``B) ...``, ``B: ...``; or it names one,
   ``Option B``, ``answer: c``, ``I would choose (D)``, ``The answer is B.``. Lower-case
   letters count only in the unambiguous forms (alone, in parentheses, after
   ``option``/``answer``/``choice``), so the article "a" is never read as option A.
   Several different letters named (``A or B``) make the reply unparseable; a letter
   outside the options offered (``F`` of five) likewise; so does a letter whose reply
   quotes the full text of a *different* option (``A. <the text of option B>``): the two
   pieces of evidence contradict each other, and the parser does not pick one;
3. ``text``: the reply equals an option's text, or contains exactly one option's full text
   (case, spacing and punctuation ignored), or is a long enough prefix of exactly one.

Ratings (:func:`parse_rating`) on a ``lo..hi`` scale: JSON ``{"rating": 5}`` (also
``score``/``answer``), a lone number (``5``, ``5/6``, ``5 out of 6``), a scale label
(``strongly agree``; the longest label wins), or exactly one distinct in-range number left
once scale restatements such as ``1 to 6`` or ``on a scale of 1-6`` are removed.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.llm import extract_json

ParseStatus = Literal["ok", "unparseable"]
LETTERS = string.ascii_uppercase

_CHOICE_KEYS = ("choice", "answer", "option", "letter", "selection", "selected", "pick")
_RATING_KEYS = ("rating", "score", "answer", "value", "agreement", "response")


@dataclass(frozen=True)
class Parsed:
    """``index``: 0-based option position (or the rating), None when unparseable."""

    status: ParseStatus
    index: int | None
    method: str | None  # json | letter | text | number | label (None when unparseable)
    detail: str | None = None  # why it failed (ambiguous, out_of_range, no_answer, ...)


def _fail(detail: str) -> Parsed:
    return Parsed("unparseable", None, None, detail)


def _norm(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def _strip_markup(text: str) -> str:
    """Drop markdown emphasis, quotes and a leading 'Answer:' label."""
    text = text.strip().strip("`").strip()
    text = re.sub(r"[*_]{1,3}", "", text)
    return text.strip().strip("\"'\u201c\u201d").strip()


_ALONE = re.compile(r"^\W*\(?\[?([A-Za-z])\]?\)?\W*$")
_LEADING = re.compile(r"^\s*[\(\[]?([A-Z])(?:[\)\]]\s*|[.:)]\s+|\s+[-\u2013\u2014]\s+)")
_LEADING_PAREN_LOWER = re.compile(r"^\s*[\(\[]([a-z])[\)\]]")
_NAMED = re.compile(
    r"\b(?:option|answer|choice|letter)\s*(?:is|would be|:|-|=)?\s*[\(\[]?([A-Za-z])[\)\]]?"
    r"(?![A-Za-z'])",
    re.IGNORECASE,
)
_VERB_UPPER = re.compile(
    r"\b(?:choose|chose|pick|picked|select|selected|go with|going with|recommend|advise)"
    r"\s+(?:option\s+)?[\(\[]?([A-Z])[\)\]]?(?![A-Za-z'])"
)
_PAREN_ANY = re.compile(r"[\(\[]([A-Za-z])[\)\]]")
_BOLD_UPPER = re.compile(r"\*\*\(?([A-Z])\)?[.):]?\*\*")
_BARE_UPPER = re.compile(r"(?<![\w'])([A-Z])(?![\w'])")
_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)")
_JOINERS = frozenset({"or", "and", "nor", "vs", "versus", "then"})


def _letters_in(text: str) -> list[str]:
    """Every letter the reply points at (upper-cased), in order.

    A reply that opens with its answer (``B``, ``B. ...``, ``(B) ...``) is taken at its
    word: later mentions are explanation. Otherwise every explicit mention counts, and so
    does every bare capital letter except the pronoun "I" and the article "A" (a capital A
    followed by a lower-case word other than or/and).
    """
    raw = text.strip()
    stripped = _strip_markup(raw)
    m = _ALONE.match(stripped)
    if m:
        return [m.group(1).upper()]
    m = _LEADING.match(stripped) or _LEADING_PAREN_LOWER.match(stripped)
    if m:
        return [m.group(1).upper()]
    found: list[str] = []
    for pattern in (_NAMED, _VERB_UPPER, _PAREN_ANY, _BOLD_UPPER):
        for hit in pattern.finditer(raw):
            letter = hit.group(1)
            if pattern is _NAMED and letter.islower() and len(letter) == 1:
                # "option a" is fine, but "the answer is a difficult one" is not
                after = raw[hit.end():hit.end() + 2]
                if after[:1].isspace() and after[1:2].isalpha():
                    continue
            found.append(letter.upper())
    for hit in _BARE_UPPER.finditer(stripped):
        letter = hit.group(1)
        if letter == "I":
            continue
        if letter == "A":
            nxt = _NEXT_WORD.match(stripped, hit.end())
            if nxt and nxt.group(1)[0].islower() and nxt.group(1) not in _JOINERS:
                continue
        found.append(letter)
    return found


def _by_text(text: str, options: Sequence[str]) -> int | None:
    reply = _norm(text)
    if not reply:
        return None
    norms = [_norm(o) for o in options]
    exact = [i for i, o in enumerate(norms) if o and o == reply]
    if len(exact) == 1:
        return exact[0]
    contained = [i for i, o in enumerate(norms) if o and o in reply]
    if len(contained) == 1:
        return contained[0]
    if len(reply) >= 20:
        prefixed = [i for i, o in enumerate(norms) if o.startswith(reply)]
        if len(prefixed) == 1:
            return prefixed[0]
    return None


def _by_letter(idx: int, text: str, options: Sequence[str], method: str) -> Parsed:
    """The option a single letter names, unless the reply quotes another option's text."""
    if idx >= len(options):
        return _fail("out_of_range")
    quoted = _by_text(_strip_markup(text), options)
    if quoted is not None and quoted != idx:
        return _fail("ambiguous")  # the letter and the quoted text disagree
    return Parsed("ok", idx, method)


def _choice_from_value(value: Any, options: Sequence[str]) -> Parsed:
    if isinstance(value, str):
        letters = set(_letters_in(value))
        if len(letters) == 1:
            return _by_letter(LETTERS.index(letters.pop()), value, options, "json")
        by_text = _by_text(value, options)
        if by_text is not None:
            return Parsed("ok", by_text, "json")
        return _fail("ambiguous" if len(letters) > 1 else "json_unreadable")
    return _fail("json_unreadable")


def parse_choice(text: str | None, options: Sequence[str]) -> Parsed:
    """Which of ``options`` (presented as A, B, C, ... in this order) the reply picks."""
    if text is None or not text.strip():
        return _fail("empty")
    if "{" in text:
        try:
            obj = extract_json(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            lowered = {str(k).lower(): v for k, v in obj.items()}
            for key in _CHOICE_KEYS:
                if key in lowered:
                    return _choice_from_value(lowered[key], options)
    letters = _letters_in(text)
    distinct = sorted(set(letters))
    if len(distinct) == 1:
        return _by_letter(LETTERS.index(distinct[0]), text, options, "letter")
    by_text = _by_text(_strip_markup(text), options)
    if len(distinct) > 1:
        # letters disagree: accept only when the option text settles it and agrees
        if by_text is not None and LETTERS[by_text] in distinct:
            return Parsed("ok", by_text, "text")
        return _fail("ambiguous")
    if by_text is not None:
        return Parsed("ok", by_text, "text")
    return _fail("no_choice")


_SCALE_RESTATEMENT = re.compile(
    r"(?:scale\s+(?:of|from)\s+)?\b\d\s*(?:-|\u2013|to|through|and)\s*\d\b"
    r"|\bout\s+of\s+\d\b|/\s*\d\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\d.])(\d)(?![\d.]\d)")


def parse_rating(text: str | None, lo: int, hi: int,
                 labels: Sequence[str] = ()) -> Parsed:
    """A rating on ``lo..hi`` (``index`` is the rating itself), or unparseable."""
    if text is None or not text.strip():
        return _fail("empty")
    if "{" in text:
        try:
            obj = extract_json(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            lowered = {str(k).lower(): v for k, v in obj.items()}
            for key in _RATING_KEYS:
                if key in lowered:
                    value = lowered[key]
                    if isinstance(value, bool):
                        return _fail("json_unreadable")
                    if isinstance(value, int | float) and float(value).is_integer():
                        r = int(value)
                        return (Parsed("ok", r, "json") if lo <= r <= hi
                                else _fail("out_of_range"))
                    if isinstance(value, str):
                        inner = parse_rating(value, lo, hi, labels)
                        return (Parsed("ok", inner.index, "json") if inner.status == "ok"
                                else inner)
                    return _fail("json_unreadable")
    stripped = _strip_markup(text)
    m = re.fullmatch(r"\W*(\d)\s*(?:/\s*\d|out\s+of\s+\d)?\W*", stripped, re.IGNORECASE)
    if m:
        r = int(m.group(1))
        return Parsed("ok", r, "number") if lo <= r <= hi else _fail("out_of_range")
    low = _norm(text)
    # labels: longest first, so "strongly agree" is not read as "agree"
    hits: set[int] = set()
    remaining = f" {low} "
    for i, label in sorted(enumerate(labels), key=lambda p: -len(p[1])):
        norm_label = _norm(label)
        if norm_label and not norm_label.isdigit() and f" {norm_label} " in remaining:
            hits.add(lo + i)
            remaining = remaining.replace(f" {norm_label} ", " | ")
    without_scale = _SCALE_RESTATEMENT.sub(" ", text)
    numbers = {int(d) for d in _NUMBER.findall(without_scale)}
    in_range = {r for r in numbers if lo <= r <= hi}
    if len(in_range) == 1 and (not hits or hits == in_range):
        return Parsed("ok", in_range.pop(), "number")
    if not in_range and len(hits) == 1:
        return Parsed("ok", hits.pop(), "label")
    if len(in_range) > 1 or len(hits) > 1 or (hits and in_range and hits != in_range):
        return _fail("ambiguous")
    if numbers:
        return _fail("out_of_range")
    return _fail("no_rating")
