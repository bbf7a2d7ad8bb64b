"""The one lookup key of the personal-data scrubber's word lists: case and accents folded."""

from __future__ import annotations

import unicodedata


def fold(word: str) -> str:
    """Case- and accent-insensitive lookup key: "José" -> "jose"."""
    if word.isascii():
        return word.casefold()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
