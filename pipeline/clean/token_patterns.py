"""Builders for spaCy ``Matcher`` token patterns, shared by the advice and sensitive rules."""

from __future__ import annotations

from typing import Any

#: One spaCy Matcher pattern: a list of token specs.
Pattern = list[dict[str, Any]]


def w(*words: str, op: str | None = None) -> dict[str, Any]:
    """A token whose lower-cased text is one of ``words``."""
    d: dict[str, Any] = {"LOWER": words[0]} if len(words) == 1 else {"LOWER": {"IN": list(words)}}
    if op:
        d["OP"] = op
    return d


def lem(*lemmas: str, op: str | None = None) -> dict[str, Any]:
    """A token whose lemma is one of ``lemmas``."""
    d: dict[str, Any] = {"LEMMA": {"IN": list(lemmas)}}
    if op:
        d["OP"] = op
    return d


def gap(n: int) -> dict[str, Any]:
    """Up to ``n`` ordinary words (no punctuation, no line breaks)."""
    return {"IS_PUNCT": False, "IS_SPACE": False, "OP": f"{{0,{n}}}"}
