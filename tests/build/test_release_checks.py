"""The release check's personal-data patterns (pipeline.build.checks.find_pii)."""

from __future__ import annotations

import pytest

from pipeline.build.checks import find_pii


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to jane.doe@example.com", "email"),
        ("see https://example.com/x", "url"),
        ("ask u/someone_else", "username"),
        ("call (614) 555-0187", "phone"),
        ("SSN 512-48-3390", "ssn"),
        ("card 4539 1488 0343 6467", "card"),
        ("IBAN DE89 3704 0044 0532 0130 00", "iban"),
    ],
)
def test_personal_data_is_found(text: str, kind: str) -> None:
    assert kind in find_pii(text)


@pytest.mark.parametrize(
    "text",
    [
        "Option A: tell your [NAME] at [EMAIL] or [PHONE]; your [SSN] and [CARD] stay private.",
        "The code 666-12-3456 is not an SSN, and 4539148803436468 fails Luhn.",
        "GB82 WEST 1234 5698 7654 33 fails the IBAN check; $1,450 was paid in 2019.",
    ],
)
def test_placeholders_and_lookalikes_pass(text: str) -> None:
    assert find_pii(text) == []
