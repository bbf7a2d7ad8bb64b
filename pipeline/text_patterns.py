"""Text patterns shared by the stages: one home for each rule the pipeline applies to text.

- **Deletion markers**: the text Reddit puts in place of a deleted or removed body, title or
  author (:data:`REMOVED_MARKERS`).
- **URLs**: the stages look for URLs for different reasons, so there are several named
  variants, all built from the same pieces (:data:`SCHEME`, :data:`WEB_SCHEME`,
  :data:`URL_CHARS`...). They differ on purpose: a whole-token test
  (:data:`URL_TOKEN_RE`, content shape) against a search in running text
  (:data:`URL_IN_TEXT_RE`); ``ftp://`` and bare ``domain.tld/path`` links counted or not;
  an e-mail address removed with the URLs before language identification
  (:data:`URL_OR_EMAIL_RE`); ``r/``/``u/`` mentions dropped with them for duplicate keys
  (:data:`URL_OR_MENTION_RE`); the PII scrubber's stricter URL characters. Changing one
  variant changes the output of the stage that uses it, so each keeps its exact pattern.
- **Edit notes** ("EDIT: thanks everyone"): clean drops a line that starts with a marker
  (:data:`EDIT_MARKER_RE`, a wide list of markers, a dash or ``:`` optional); dedupe cuts
  a note from the text it compares (:data:`EDIT_NOTE_LINE_RE` at a line start,
  :data:`EDIT_NOTE_INLINE_RE` after a sentence), with a narrower marker list that needs a
  ``:`` or dash, since cutting a post at a false marker would hide a real difference.
- **Seeded hashes**: a deterministic "random" number from a seed and some parts
  (:func:`hash_unit` in [0, 1), :func:`hash_bits` an int), so that samples, tie-breaks and
  orders do not depend on the process, the machine or Python's hash randomization.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

# --------------------------------------------------------------------------- deletion markers

#: Reddit's text for content its author deleted (also the author of such a post).
DELETED_MARKER: Final = "[deleted]"
#: Reddit's text for content moderators or Reddit removed.
REMOVED_MARKER: Final = "[removed]"
#: Either marker: text that is no content.
REMOVED_MARKERS: Final[frozenset[str]] = frozenset({REMOVED_MARKER, DELETED_MARKER})

# --------------------------------------------------------------------------- URLs: pieces

#: A URL scheme the stages treat as a link: web or ftp.
SCHEME: Final = r"(?:https?|ftp)://"
#: A web scheme only.
WEB_SCHEME: Final = r"https?://"
#: A URL up to the next space, from its scheme.
_SCHEME_URL: Final = SCHEME + r"\S+"
#: A ``www.`` link, no scheme, up to the next space.
_WWW_URL: Final = r"www\.\S+"
#: A web or ``www.`` link up to the next space.
_WEB_OR_WWW_URL: Final = r"(?:" + WEB_SCHEME + r"|www\.)\S+"
#: Links as content shape sees them: scheme, ``www.`` with a dot after it, or a bare
#: ``domain.tld/path``.
_LOOSE_URL: Final = _SCHEME_URL + r"|www\.[\w-]+\.\S+|(?:[\w-]+\.)+[a-z]{2,24}/\S*"
#: The characters of a URL for the PII scrubber: no space, quote, bracket or brace.
URL_CHARS: Final = r"[^\s<>\"'`{}|\\^\[\]]"

# --------------------------------------------------------------------------- URLs: variants

#: A URL anywhere: scheme or ``www.`` (clean's Markdown normalizer keeps these intact).
URL_RE: Final = re.compile(_SCHEME_URL + "|" + _WWW_URL, re.IGNORECASE)
#: :data:`URL_RE` or an e-mail address (removed before identifying the language).
URL_OR_EMAIL_RE: Final = re.compile(_SCHEME_URL + "|" + _WWW_URL + r"|\S+@\S+\.\w+", re.IGNORECASE)
#: A whole token that is a link (match it against a token stripped of punctuation).
URL_TOKEN_RE: Final = re.compile(r"^(?:" + _LOOSE_URL + r")$", re.IGNORECASE)
#: The links of :data:`URL_TOKEN_RE`, anywhere in a line.
URL_IN_TEXT_RE: Final = re.compile(_LOOSE_URL, re.IGNORECASE)
#: A web or ``www.`` link starting at a word boundary (the release check for leaked URLs).
WEB_URL_RE: Final = re.compile(r"(?i)\b" + _WEB_OR_WWW_URL)
#: The start of a web or ``www.`` link: enough to say a text holds one.
LINK_START_RE: Final = re.compile(r"(?i)\b" + WEB_SCHEME + r"|\bwww\.\w")
#: A web or ``www.`` link, or an ``r/``/``u/`` mention (dropped from exact-duplicate keys).
URL_OR_MENTION_RE: Final = re.compile(
    _WEB_OR_WWW_URL + r"|\b/?(?:r|u)/[A-Za-z0-9_-]+", re.IGNORECASE
)
#: A URL's scheme at the start of a string (``match``).
SCHEME_RE: Final = re.compile(SCHEME, re.IGNORECASE)
#: An optional web scheme and ``www.`` at the start: what to strip to compare two links.
URL_PREFIX_RE: Final = re.compile(r"^(?:" + WEB_SCHEME + r")?(?:www\.)?")
#: A Markdown autolink ``<...>`` (URL, ``mailto:`` or e-mail address); group 1 the target.
AUTOLINK_RE: Final = re.compile(r"<(" + SCHEME + r"[^\s>]+|mailto:[^\s>]+|[^\s@<>]+@[^\s@<>]+)>")
#: PII scrubber: a URL with a scheme.
URL_SCHEME_RE: Final = re.compile(r"(?i)\b" + SCHEME + URL_CHARS + "+")
#: PII scrubber: a ``www.`` URL (``www2.`` too), not inside another word, address or path.
URL_WWW_RE: Final = re.compile(r"(?i)(?<![\w@./\]-])www\d{0,3}\.[a-z0-9-]+\." + URL_CHARS + "+")
#: PII scrubber: a bare ``host.tld`` with an optional path (groups ``tld`` and ``path``).
URL_BARE_RE: Final = re.compile(
    r"(?<![\w@./:%+\]-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?P<tld>[A-Za-z]{2,12})(?![\w-])(?P<path>[/?#]" + URL_CHARS + "*)?"
)

# --------------------------------------------------------------------------- edit notes

# Clean: without extra words the marker may end with ":", a dash, ".", ")", "]" or the
# line; with 1-4 extra words ("Edit for clarity:", "Update on the situation:") it needs ":"
# or a dash, so that "Update my resume." stays.
_EDIT_WORD: Final = (
    r"(?:edit(?:ed)?s?|updated?s?|eta|ps\s*edit|p\.s\.\s*edit|"
    r"(?:late|final|another|last|quick|small|big|mini|important)\s+(?:edit|update))"
)
_EDIT_NUM: Final = r"(?:\s*(?:#|no\.?|n°)?\s*\d{1,2}|\s+(?:one|two|three|four|five|ii|iii|iv))?"
_EDIT_PAREN: Final = r"(?:\s*\([^)\n]{0,60}\))?"
#: Clean: a line that starts an edit note ("EDIT:", "Update 2:", "ETA:"...); ``match`` it.
EDIT_MARKER_RE: Final = re.compile(
    r"^\s*(?:[-*>#]\s*)*[\[(]?\s*"
    + _EDIT_WORD
    + _EDIT_NUM
    + r"\s*[\])]?"
    + _EDIT_PAREN
    + r"(?:\s*(?:[:\-\u2013\u2014.)\]]|$)|(?:\s+[\w'/&]+){1,4}\s*(?::|\s[-\u2013\u2014]\s))",
    re.IGNORECASE,
)

# Dedupe: a marker that opens an edit note: "EDIT:", "**Edit 2:**", "Update (solved) -",
# "ETA:".
_EDIT_NOTE_MARKER: Final = (
    r"(?:edit(?:ed)?|update[ds]?|upd|eta)\s*(?:\d+|#\s*\d+|\([^)\n]{0,40}\))?\s*"
    r"[:\-\u2013\u2014]"
)
#: Dedupe: the marker at the start of a line (after markdown emphasis, quotes, headings or
#: bullets); multiline.
EDIT_NOTE_LINE_RE: Final = re.compile(
    r"^[ \t]*(?:[*_~>#\-+\[]+[ \t]*)*" + _EDIT_NOTE_MARKER, re.IGNORECASE | re.MULTILINE
)
#: Dedupe: the marker inline, right after the end of a sentence.
EDIT_NOTE_INLINE_RE: Final = re.compile(
    r"(?<=[.!?)\"'])[ \t]+(?:[*_~]+)?" + _EDIT_NOTE_MARKER, re.IGNORECASE
)

# --------------------------------------------------------------------------- seeded hashes


def hash_bits(*parts: object, sep: str = "|", nbytes: int = 8) -> int:
    """The first ``nbytes`` bytes (big-endian) of SHA-256 of ``str`` of the parts joined by ``sep``.

    The key format is part of the output: ``hash_bits(seed, "x")`` hashes ``"13|x"``. Callers
    pass the separator and the byte count their published numbers were made with.
    """
    digest = hashlib.sha256(sep.join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:nbytes], "big")


def hash_unit(*parts: object, sep: str = "|") -> float:
    """A number in [0, 1) from the parts: :func:`hash_bits` (8 bytes) / 2**64."""
    return hash_bits(*parts, sep=sep) / 2**64
