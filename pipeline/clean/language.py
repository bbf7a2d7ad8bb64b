"""Language identification for Reddit posts with lingua (offline, rule-based + n-gram models).

``LanguageIdentifier`` is built once per process: it preloads the n-gram models of a fixed
set of languages (the ones most common on Reddit, :data:`DEFAULT_LANGUAGES`), so every call
is CPU-only; it classifies a batch of texts at a time (``detect_many``), in parallel.
Restricting the set keeps lingua fast and its confidences meaningful: the confidence is
lingua's relative confidence among these languages (they sum to 1).

Before classification the text is cleaned of what carries no language signal (URLs,
``u/``/``r/`` mentions, code blocks, numbers, Markdown symbols) and cut to its first
``max_chars`` characters at a word boundary: the language of a post is settled long before
its thousandth character, and lingua's cost grows with length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from pipeline.text_patterns import URL_OR_EMAIL_RE

__all__ = ["DEFAULT_LANGUAGES", "LanguageIdentifier"]

#: ISO 639-1 codes of the languages the detector chooses between: English plus the languages
#: most often met on Reddit and in its non-English communities.
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en", "es", "pt", "fr", "de", "it", "nl", "sv", "da", "nb", "fi", "pl", "cs", "ro",
    "hu", "tr", "ru", "uk", "el", "ar", "he", "fa", "hi", "bn", "zh", "ja", "ko", "id",
    "tl", "vi", "th",
)  # fmt: skip

_CODE_BLOCK_RE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_MENTION_RE = re.compile(r"(?<![\w/])/?[ur]/[\w-]+", re.IGNORECASE)
_NOISE_RE = re.compile(r"[\d_*#>|~^`=+\[\](){}<>\\/]+")
_SPACE_RE = re.compile(r"\s+")
_LETTER_WORD_RE = re.compile(r"[^\W\d_]")
# Scripts written without spaces between words: count characters instead of words.
_UNSPACED_RE = re.compile("[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class LanguageIdentifier:
    """Detects the language of posts: ``detect_many(texts) -> [(iso_639_1 | None, confidence)]``.

    Args:
        languages: ISO 639-1 codes to choose between (default :data:`DEFAULT_LANGUAGES`).
        min_words: texts with fewer words (tokens with a letter; for Chinese, Japanese and
            Thai, every two characters count as a word) give ``(None, 0.0)``.
        max_chars: classify only the first ``max_chars`` characters of the cleaned text.
        low_accuracy: lingua's low-accuracy mode (trigrams only): faster, less memory, much
            worse on short texts; off by default.
        preload: load every model now (a few seconds) rather than on first use.
    """

    def __init__(
        self,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        *,
        min_words: int = 3,
        max_chars: int = 1000,
        low_accuracy: bool = False,
        preload: bool = True,
    ) -> None:
        codes = [_iso(code) for code in languages]
        if len(codes) < 2:
            raise ValueError("LanguageIdentifier needs at least two languages")
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        if preload:
            builder = builder.with_preloaded_language_models()
        if low_accuracy:
            builder = builder.with_low_accuracy_mode()
        self._detector: LanguageDetector = builder.build()
        self.languages = tuple(c.name.lower() for c in codes)
        self.min_words = min_words
        self.max_chars = max_chars

    # ------------------------------------------------------------------ text preparation

    def prepare(self, text: str) -> str | None:
        """The text lingua sees, or None when it is too short to classify."""
        if not text:
            return None
        text = _CODE_BLOCK_RE.sub(" ", text)
        text = URL_OR_EMAIL_RE.sub(" ", text)
        text = _MENTION_RE.sub(" ", text)
        text = _NOISE_RE.sub(" ", text)
        text = _SPACE_RE.sub(" ", text).strip()
        if len(text) > self.max_chars:
            cut = text.rfind(" ", 0, self.max_chars)
            text = text[: cut if cut > self.max_chars // 2 else self.max_chars]
        words = sum(1 for tok in text.split() if _LETTER_WORD_RE.search(tok))
        unspaced = len(_UNSPACED_RE.findall(text))
        if max(words, unspaced // 2) < self.min_words:
            return None
        return text

    # ------------------------------------------------------------------ detection

    @staticmethod
    def _top(values: Sequence[object]) -> tuple[str | None, float]:
        if not values:
            return None, 0.0
        best = values[0]
        value = float(best.value)  # type: ignore[attr-defined]
        if value <= 0.0:
            return None, 0.0
        return best.language.iso_code_639_1.name.lower(), value  # type: ignore[attr-defined]

    def detect_many(self, texts: Iterable[str]) -> list[tuple[str | None, float]]:
        """Per text, the ISO 639-1 code of the most likely language and lingua's confidence
        in it (0-1); the texts are classified in parallel on all cores by lingua.

        ``(None, 0.0)`` for empty text, fewer than ``min_words`` words, or text lingua cannot
        place (digits, emoji, symbols only).
        """
        prepared = [self.prepare(t) for t in texts]
        todo = [p for p in prepared if p is not None]
        values = (
            self._detector.compute_language_confidence_values_in_parallel(todo) if todo else []
        )
        it = iter(values)
        return [(None, 0.0) if p is None else self._top(next(it)) for p in prepared]


def _iso(code: str) -> IsoCode639_1:
    try:
        iso = IsoCode639_1.from_str(code.strip().lower())
    except (ValueError, AttributeError) as exc:  # pragma: no cover - message only
        raise ValueError(f"unknown ISO 639-1 language code: {code!r}") from exc
    try:
        Language.from_iso_code_639_1(iso)
    except ValueError as exc:
        raise ValueError(f"lingua does not support language {code!r}") from exc
    return iso
