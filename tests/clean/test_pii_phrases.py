"""Brands and public figures kept by the scrubber (pipeline.clean.pii_phrases)."""

from __future__ import annotations

import pytest

from pipeline.clean.pii import Scrubber
from pipeline.clean.pii_phrases import PhraseIndex


def _kin(word: str) -> bool:
    return word in {"uncle", "friend", "boss"}


@pytest.fixture(scope="module")
def index() -> PhraseIndex:
    return PhraseIndex(["Levi's", "Mack Weldon", "Chase", "Dr Pepper"], ["Taylor Swift"], _kin)


def _found(index: PhraseIndex, text: str) -> list[str]:
    return [text[a:b] for a, b in index.spans(text)]


def test_brands_are_case_sensitive(index: PhraseIndex) -> None:
    assert _found(index, "Levi’s jeans, Mack Weldon socks, a Chase card") == [
        "Levi’s",
        "Mack Weldon",
        "Chase",
    ]
    assert _found(index, "my friend chase and mack weldon") == []


def test_public_figures_in_any_case_but_not_after_a_kin_word(index: PhraseIndex) -> None:
    assert _found(index, "I like Taylor Swift; taylor swift too.") == [
        "Taylor Swift",
        "taylor swift",
    ]
    assert _found(index, "my uncle Taylor Swift is 60") == []
    assert _found(index, "TaylorSwift and Taylor Swifts") == []


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber()


@pytest.mark.parametrize(
    "text",
    [
        "My boyfriend only quotes Warren Buffett and Joe Rogan.",
        "My daughter wants to see Olivia Rodrigo; Taylor Swift tickets sold out.",
        "I buy Levi's at Macy's and socks from Mack Weldon, insured with Geico.",
    ],
)
def test_shipped_lists_keep_public_figures_and_brands(scrubber: Scrubber, text: str) -> None:
    assert scrubber.scrub(text).text == text


def test_a_private_namesake_is_still_redacted(scrubber: Scrubber) -> None:
    out = scrubber.scrub("My uncle Joe Rogan (no relation) lent me money.").text
    assert "Rogan" not in out, out
