"""Social and payment handles (pipeline.clean.pii_handles) and the scrubber's other new
forms: addresses with their unit and town, phones typed digit by digit or in words."""

from __future__ import annotations

import pytest

from pipeline.clean.pii import Scrubber


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber()


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("sent it over Venmo to @derek-sully-22 so", "sent it over Venmo to [HANDLE] so"),
        ("her insta is @kenzie.mae_04 lol", "her insta is [HANDLE] lol"),
        ("pay me on cash app $DSully2022 today", "pay me on cash app [HANDLE] today"),
        ("i messaged her on snap (kayla-b99) bc", "i messaged her on snap ([HANDLE]) bc"),
        ("a kid (discord voidwalker#7731) griefed", "a kid (discord [HANDLE]) griefed"),
        ("His username is shadowfox_88 and", "His username is [HANDLE] and"),
        ("her discord is kenzmae (the new kind)", "her discord is [HANDLE] (the new kind)"),
        ("add me on insta: jay.k_04", "add me on insta: [HANDLE]"),
        ("he tagged my alt birchbark.exe and", "he tagged my alt [HANDLE] and"),
        ("his PayPal (paypal.me/joostdesigns) but", "his PayPal ([URL]) but"),
    ],
)
def test_handles_are_replaced(scrubber: Scrubber, text: str, want: str) -> None:
    assert scrubber.scrub(text).text == want


@pytest.mark.parametrize(
    "text",
    [
        "my snap is down lol",
        "Venmo is easier than Zelle",
        "I bought $AAPL and $TSLA, and paid in $USD",
        "Order#1234 shipped",
        "my main e-mail is down",
        "I saw it on her reddit t-shirt",
        "at 11AM-2PM the kitchen is busy",
        "a lot of self-love and full-time work",
        "the YouTube (doesn't matter which) video",
        "meet me @ 5pm, I will be @home",
    ],
)
def test_handle_lookalikes_are_kept(scrubber: Scrubber, text: str) -> None:
    assert scrubber.scrub(text).text == text


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "My forwarding address is PO Box 771, Westerville, OH 43081 and I",
            "My forwarding address is [ADDRESS] and I",
        ),
        ("we live at 6100 Old Stage Rd, Lot 14 without", "we live at [ADDRESS] without"),
        ("a flat at Flat 4, 27 Wilmslow Road, M14 5TQ. The", "a flat at [ADDRESS]. The"),
        ("address, Calle de Colón 18, 3º B, 46004 Valencia, and", "address, [ADDRESS], and"),
    ],
)
def test_addresses_take_their_unit_town_and_postcode(
    scrubber: Scrubber, text: str, want: str
) -> None:
    assert scrubber.scrub(text).text == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("her number (five five five, zero one nine three, two two one eight) and",
         "her number ([PHONE]) and"),
        ('"call me": 4 0 7 5 5 5 0 1 2 6. my friend', '"call me": [PHONE]. my friend'),
        ("- (203) 555-0134\n- 2035550161\n", "- [PHONE]\n- [PHONE]\n"),
    ],
)
def test_phones_in_words_and_spaced_digits(scrubber: Scrubber, text: str, want: str) -> None:
    assert scrubber.scrub(text).text == want


@pytest.mark.parametrize(
    "text",
    ["one two three, go", "I scored 1 2 3 4 5 in a row", "in 2019 I paid 1234567 rupees"],
)
def test_phone_lookalikes_are_kept(scrubber: Scrubber, text: str) -> None:
    assert scrubber.scrub(text).text == text


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "i typed rohitk99@okaxis but it was rohitk98@ybl.",
            "i typed [HANDLE] but it was [HANDLE].",
        ),
        ("under the GitHub user vk-devbuilds, resume", "under the GitHub user [HANDLE], resume"),
        ("it's at github.com/lenawirth/chronoq. Today", "it's at [URL]. Today"),
    ],
)
def test_upi_ids_and_app_users(scrubber: Scrubber, text: str, want: str) -> None:
    assert scrubber.scrub(text).text == want


def test_chat_speaker_labels_are_names(scrubber: Scrubber) -> None:
    text = "Matched with him on Tinder.\n\nRob: so when can i see u\nme: who is Hayley?\nRob: who??"
    out = scrubber.scrub(text).text
    assert "Rob" not in out and "me: who" in out, out
    kept = "EDIT: thanks all\nEDIT2: she left\nStep 1: open it\nStep 2: close it"
    assert scrubber.scrub(kept).text == kept


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Contact Dazza (Darren Walsh) texted me", ["Dazza", "Darren", "Walsh"]),
        ("her ex Jacko (Jack Morrissey) because", ["Jacko", "Jack", "Morrissey"]),
        ("me: hey it's Dev from Marcus's party!!", ["Dev"]),
        ("The branch manager, Sr. Ortega, just", ["Ortega"]),
        ("by a recruiter, Nina Castellano, for a role", ["Nina", "Castellano"]),
        ("address 27 Windmill Road, Croydon CR0 2XN. Also", ["Windmill", "Croydon", "2XN"]),
        ("attended 14/62 Smith Street, Fitzroy VIC 3065 re", ["Smith", "Fitzroy", "3065"]),
    ],
)
def test_names_and_addresses_in_more_forms(scrubber: Scrubber, text: str, gone: list[str]) -> None:
    out = scrubber.scrub(text).text
    for g in gone:
        assert g not in out, (g, out)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("add me, I'm xo_blaze_2011 on there", "add me, I'm [HANDLE] on there"),
        ("she posts as jess_teaches_kr now", "she posts as [HANDLE] now"),
    ],
)
def test_a_bare_name_with_an_underscore_is_a_handle(
    scrubber: Scrubber, text: str, want: str
) -> None:
    assert scrubber.scrub(text).text == want


@pytest.mark.parametrize(
    "text",
    [
        "set config_file.txt and MAX_SIZE in the snake_case module",
        "I emailed tax_return_2024.pdf to my accountant",
        "run `get_user_id` first",
        "the function get_user(1) fails",
    ],
)
def test_underscored_words_files_constants_and_code_are_kept(
    scrubber: Scrubber, text: str
) -> None:
    assert scrubber.scrub(text).text == text
