"""Shape measures of a post's text: how many words, and how much of it is links, code or lists.

The clean stage rejects posts that are "mostly links, code or lists" with thresholds from
``params.yaml`` (``clean.max_link_share``, ``clean.max_code_share``, ``clean.max_list_share``).
All functions are pure, fast (regular expressions only) and return 0 for empty text.

They work on raw Reddit Markdown and on the output of
:func:`pipeline.clean.normalize_text.normalize`, which keeps list markers (as ``- `` and
``1. ``) and code (fenced with three backticks) visible for exactly this reason.

Shares are by default shares of non-blank *lines* (``weight="lines"``); with
``weight="chars"`` each line counts by its number of non-space characters instead, so a
post of three long paragraphs and eight one-word bullet points is not "mostly a list".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from pipeline.text_patterns import URL_IN_TEXT_RE, URL_TOKEN_RE

Weight = Literal["lines", "chars"]

_WORD_RE = re.compile(r"\w")
_TOKEN_STRIP = "()[]<>{}.,;:!?\"'*_`~|"
# Emoticons are not code symbols: ":)", ";-(", ":D", "<3", ":/", "xD" etc.
_EMOTICON_RE = re.compile(r"(?<!\S)(?:[:;=8][-'^]?[()DPpOo3/\\|\[\]*]+|<3+|\^_*\^|[xX]D+)(?!\S)")

_FENCE_RE = re.compile(r"^\s{0,3}(```+|~~~+)")
_INDENTED_RE = re.compile(r"^(?: {4,}|\t)\S")
_LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+\u2022\u25aa\u25e6\u2013]|\d{1,3}[.)]|[a-zA-Z]\))\s+\S")
# Markup lines (horizontal rules, table separators) are neither prose nor code.
_RULE_RE = re.compile(r"^\s*(?:[-*_]\s*){3,}$|^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CODE_SYMBOLS = frozenset("{}[]();=<>/\\|&$#@%^*+`~:")
_CODE_KEYWORD_RE = re.compile(
    r"^\s*(?:def |class \w+[:(]|import \w|from [\w.]+ import |return\b|#include|#!/|"
    r"public |private |protected |static |function\s*\w*\s*\(|var |let |const |"
    r"if\s*\(|for\s*\(|while\s*\(|else\s*[{:]|elif |try:|except\b|catch\s*\(|"
    r"print\(|console\.\w+\(|System\.out|SELECT |INSERT |UPDATE \w+ SET |<\/?\w+[^>]*>$|"
    r"\$ |>>> |sudo |pip install |npm |git )"
)


def word_count(text: str) -> int:
    """Whitespace-separated tokens that contain at least one letter or digit.

    Punctuation-only and emoji-only tokens are not words; a URL is one word.
    """
    if not text:
        return 0
    return sum(1 for tok in text.split() if _WORD_RE.search(tok))


def is_url(token: str) -> bool:
    """Whether one whitespace-free token is a URL (surrounding punctuation ignored)."""
    tok = token.strip(_TOKEN_STRIP)
    return bool(tok) and bool(URL_TOKEN_RE.match(tok))


def link_share(text: str) -> float:
    """Share of word tokens (see :func:`word_count`) that are URLs; 0.0 for empty text.

    ``"text (https://x.org/a)"`` as written by ``normalize`` for a Markdown link counts as
    one word and one URL.
    """
    words = [tok for tok in text.split() if _WORD_RE.search(tok)] if text else []
    if not words:
        return 0.0
    return sum(1 for tok in words if is_url(tok)) / len(words)


def _symbol_ratio(line: str) -> float:
    line = _EMOTICON_RE.sub("", URL_IN_TEXT_RE.sub("", line))
    chars = [c for c in line if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if c in _CODE_SYMBOLS) / len(chars)


def looks_like_code(line: str, *, indented: bool = False) -> bool:
    """Whether one line (outside a fenced block) looks like source code or a shell session.

    A line is code when it starts with a typical keyword (``def``, ``import``, ``return``,
    ``if (``, ``$ ``...), ends with ``;`` and has brackets or ``=``, is a lone brace, or has
    many code symbols ( ``{}[]();=<>/|&$#%^*+`~:`` , URLs ignored): at least 25 % of its
    non-space characters, or 10 % when the line is indented by 4 spaces or a tab (Markdown
    code) but is not a list item. Prose is rarely that dense in symbols; emoji are not symbols.
    """
    stripped = line.strip()
    if not stripped or _RULE_RE.match(stripped):
        return False
    if _CODE_KEYWORD_RE.match(stripped):
        return True
    if stripped in {"{", "}", "};", "})", "});", "]", "[", ")", "end"}:
        return True
    if stripped.endswith((";", "{")) and any(c in stripped for c in "()={}"):
        return True
    if _LIST_ITEM_RE.match(line):
        return False
    ratio = _symbol_ratio(stripped)
    if len(stripped) < 4:
        return False
    return ratio >= (0.10 if indented else 0.25)


def _classified_lines(text: str) -> Iterator[tuple[str, bool]]:
    """Yield (line, is_code) for every non-blank line; fence lines count as code."""
    in_fence: str | None = None
    prev_blank = True
    prev_code = False
    for line in text.splitlines():
        if not line.strip():
            prev_blank = True
            continue
        fence = _FENCE_RE.match(line)
        if in_fence is not None:
            if fence and fence.group(1)[0] == in_fence[0] and len(fence.group(1)) >= len(in_fence):
                in_fence = None
            yield line, True
            prev_blank, prev_code = False, True
            continue
        if fence:
            in_fence = fence.group(1)
            yield line, True
            prev_blank, prev_code = False, True
            continue
        indented = bool(_INDENTED_RE.match(line)) and (prev_blank or prev_code)
        code = looks_like_code(line, indented=indented)
        yield line, code
        prev_blank, prev_code = False, code


def _share(pairs: Iterator[tuple[str, bool]], weight: Weight) -> float:
    total = 0
    hits = 0
    for line, hit in pairs:
        w = 1 if weight == "lines" else sum(1 for c in line if not c.isspace())
        total += w
        if hit:
            hits += w
    return hits / total if total else 0.0


def code_share(text: str, *, weight: Weight = "lines") -> float:
    """Share of non-blank lines that look like code; 0.0 for empty text.

    Code lines: lines inside (and including) fenced blocks (three or more backticks or
    tildes, closed or not), Markdown-indented lines (4 spaces or a tab after a blank line or
    another code line) that are not prose, and any line that :func:`looks_like_code`.
    """
    if not text or not text.strip():
        return 0.0
    return _share(_classified_lines(text), weight)


def is_list_item(line: str) -> bool:
    """Whether a line is a list item: ``-``/``*``/``+``/``•`` bullets, ``1.``/``1)``, ``a)``."""
    return bool(_LIST_ITEM_RE.match(line)) and not _RULE_RE.match(line)


def list_share(text: str, *, weight: Weight = "lines") -> float:
    """Share of non-blank lines that are list items (see :func:`is_list_item`)."""
    if not text or not text.strip():
        return 0.0
    pairs = ((line, is_list_item(line)) for line in text.splitlines() if line.strip())
    return _share(pairs, weight)
