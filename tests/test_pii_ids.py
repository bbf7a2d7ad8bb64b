"""Structured identifiers (pipeline.clean.pii_ids): check digits, reserved numbers, context."""

from __future__ import annotations

import pytest

from pipeline.clean.pii import Scrubber
from pipeline.clean.pii_ids import iban_ok, id_candidates, luhn_ok


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber()


def test_check_digits() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB82 WEST 1234 5698 7654 33")
    assert iban_ok("DE89370400440532013000")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("my SSN is 123-45-6789, please", "my SSN is [SSN], please"),
        ("social security number 123456789 was on it", "social security number [SSN] was on it"),
        ("card 4111 1111 1111 1111 was charged", "card [CARD] was charged"),
        ("wire it to DE89 3704 0044 0532 0130 00 today", "wire it to [IBAN] today"),
        ("the login came from 203.0.113.7 at night", "the login came from [IP] at night"),
        ("DOB: 04/12/1988 on the form", "DOB: [DOB] on the form"),
        ("she was born on March 3, 1990 in Ohio", "she was born on [DOB] in Ohio"),
        ("his plate is ABC 1234 I think", "his plate is [PLATE] I think"),
        ("passport number 533380006 expired", "passport number [ID] expired"),
    ],
)
def test_structured_ids_are_replaced(scrubber: Scrubber, text: str, want: str) -> None:
    assert scrubber.scrub(text).text == want


@pytest.mark.parametrize(
    "text",
    [
        "a run of 4111 1111 1111 1112 screws",  # fails Luhn
        "the code 000-12-3456 is not an SSN",  # area 000 is never issued
        "I paid 123456789 cents",  # nine digits, no SSN word
        "update to v1.2.3.4 fixed it",  # a version, not an IP
        "we met on 04/12/1988 at a party",  # a date, not a birth date
        "the meeting is on 2023-05-12",
        "I drove 1500 miles on 3 tanks",
    ],
)
def test_lookalikes_are_kept(text: str) -> None:
    assert list(id_candidates(text)) == []


# ------------------------------------------------------------ one decision per name


def test_a_name_taken_once_is_taken_everywhere_in_the_text(scrubber: Scrubber) -> None:
    text = "My brother Dmitri keeps borrowing my car. Last week dmitri crashed it and Dmitri's " \
        "insurance will not pay."
    out = scrubber.scrub(text).text
    assert "mitri" not in out.lower(), out


def test_a_name_that_is_a_word_is_not_taken_as_the_word(scrubber: Scrubber) -> None:
    text = "My friend Will Okafor lent me money. I will pay him back. Will you help me plan it?"
    out = scrubber.scrub(text).text
    assert "I will pay" in out and "Will you help" in out, out
    assert "Okafor" not in out


def test_one_decision_per_name_across_title_and_body(scrubber: Scrubber) -> None:
    title, body = scrubber.scrub_post(
        "Should I tell Priyanka?",
        "priyanka is my coworker and she has been taking credit for my work for months now.",
    )
    assert "riyanka" not in title.text.lower() + body.text.lower(), (title, body)
    assert body.counts.get("NAME", 0) >= 1
