"""Names that are not private people's: brands and public figures, kept as they are.

``PhraseIndex(brands, figures).spans(text)`` yields ``(start, end)`` of every listed phrase in
``text``, matched token by token (letter/digit runs and "&"; what lies between two tokens may
only be spaces, "'", "’", ".", "-" or "&"), so thousands of phrases cost one dictionary lookup
per word of the text:

* brands, companies and products ("Levi's", "Mack Weldon", "Geico"): case-sensitive, so the
  brand "Chase" is kept and "my friend chase" is not protected by it;
* public figures by their full name ("Taylor Swift", "Warren Buffett"): case- and accent-
  insensitive ("taylor swift"), except right after a kinship or role word ("my uncle Michael
  Jordan" is a private person who shares the name, and is redacted).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from pipeline.clean.fold import fold

_TOKEN_RE = re.compile(r"[^\W_]+|&")
_GAP_RE = re.compile(r"[ \t'’.\-&]{0,3}")
_KIN_BEFORE_RE = re.compile(
    r"(?i)\b(?:my|our|his|her|their|your)\s+(?:[a-z-]+\s+)?(?P<kin>[a-z-]+)\s*,?\s*$"
)


def _after_capitalized(text: str, prev: re.Match[str], tok: re.Match[str]) -> bool:
    w = prev.group()
    return w[:1].isupper() and w.isalpha() and text[prev.end() : tok.start()] == " "


class PhraseIndex:
    def __init__(
        self,
        brands: Iterable[str],
        figures: Iterable[str],
        is_kin: Callable[[str], bool] = lambda w: False,
    ) -> None:
        # one-token phrases in a set; longer ones under their first two tokens
        self._one: dict[bool, set[str]] = {False: set(), True: set()}
        self._two: dict[bool, dict[tuple[str, str], list[tuple[str, ...]]]] = {False: {}, True: {}}
        self._is_kin = is_kin
        for folded, phrases in ((False, brands), (True, figures)):
            for phrase in phrases:
                tokens = _TOKEN_RE.findall(phrase)
                if folded:
                    tokens = [fold(t) for t in tokens]
                if len(tokens) == 1:
                    self._one[folded].add(tokens[0])
                elif tokens:
                    key = (tokens[0], tokens[1])
                    self._two[folded].setdefault(key, []).append(tuple(tokens))
        for index in self._two.values():
            for entries in index.values():
                entries.sort(key=len, reverse=True)
        # lowercased first tokens and first pairs: set lookups rule out almost every word
        self._ones = frozenset([t.lower() for t in self._one[False]] + list(self._one[True]))
        self._pairs = frozenset(
            [(a.lower(), b.lower()) for a, b in self._two[False]] + list(self._two[True])
        )
        self._firsts = self._ones | frozenset(a for a, _ in self._pairs)

    def __len__(self) -> int:
        return sum(len(v) for v in self._one.values()) + sum(
            len(e) for index in self._two.values() for e in index.values()
        )

    def _match(
        self, text: str, toks: list[re.Match[str]], i: int, tokens: tuple[str, ...], folded: bool
    ) -> int:
        """End offset of ``tokens`` matched at token ``i``, or -1."""
        k = len(tokens)
        if i + k > len(toks):
            return -1
        for j in range(1, k):
            a, b = toks[i + j - 1], toks[i + j]
            if j > 1:
                got = b.group()
                if (fold(got) if folded else got) != tokens[j]:
                    return -1
            if not _GAP_RE.fullmatch(text, a.end(), b.start()):
                return -1
        return self._end(text, toks[i + k - 1].end())

    @staticmethod
    def _end(text: str, end: int) -> int:
        if end < len(text) and (text[end].isalnum() or text[end] == "_"):
            return -1
        return end

    def _private(self, text: str, start: int) -> bool:
        before = _KIN_BEFORE_RE.search(text, max(0, start - 40), start)
        return before is not None and self._is_kin(before.group("kin").lower())

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        toks = list(_TOKEN_RE.finditer(text))
        n = len(toks)
        firsts = self._firsts
        i = 0
        while i < n:
            m = toks[i]
            word = m.group()
            low = word.lower()
            if not low.isascii():
                low = fold(word)
            if low not in firsts or (
                m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_")
            ):
                i += 1
                continue
            if low not in self._ones:
                nxt = toks[i + 1].group().lower() if i + 1 < n else ""
                if not nxt.isascii():
                    nxt = fold(nxt)
                if (low, nxt) not in self._pairs:
                    i += 1
                    continue
            found = self._longest(text, toks, i, word, low)
            if found is None:
                i += 1
                continue
            end, k = found
            yield m.start(), end
            i += k

    def _longest(
        self, text: str, toks: list[re.Match[str]], i: int, word: str, low: str
    ) -> tuple[int, int] | None:
        """(end, tokens) of the longest phrase at token ``i``: a brand first, then a figure."""
        nxt = toks[i + 1].group() if i + 1 < len(toks) else ""
        for folded, first, second in ((False, word, nxt), (True, low, fold(nxt) if nxt else "")):
            for tokens in self._two[folded].get((first, second), ()):
                end = self._match(text, toks, i, tokens, folded)
                if end < 0:
                    continue
                if folded and self._private(text, toks[i].start()):
                    return None  # "my uncle Michael Jordan": a private person
                return end, len(tokens)
            if first in self._one[folded] and (not folded or word[0].isupper()):
                if folded and i > 0 and _after_capitalized(text, toks[i - 1], toks[i]):
                    continue  # "Jack Morrissey": a surname in a private person's name
                end = self._end(text, toks[i].end())
                if end >= 0 and not (folded and self._private(text, toks[i].start())):
                    return end, 1
        return None
