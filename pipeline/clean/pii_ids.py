"""Structured identifiers in free text: SSNs, payment cards, IBANs, IP addresses, dates of
birth, licence plates and document/account numbers.

Each finder yields ``(start, end, type)`` with type one of :data:`ID_TYPES`. Shapes that are
common in ordinary text (nine digits, a date, a short letter-digit code) count only with the
evidence a reader would use: a check digit (Luhn for cards, ISO 7064 mod 97 for IBANs), the
SSN's reserved-number rules, or a context word before the value ("SSN", "born on", "plate",
"passport number"...). A value glued to letters or digits on either side is not taken.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from pipeline.clean.pii_national_ids import luhn_ok, national_id_spans

ID_TYPES = ("SSN", "CARD", "IBAN", "IP", "DOB", "PLATE", "ID")

_B = r"(?<![\w-])"  # not glued to a word or a hyphenated run on the left
_E = r"(?![\w-]|[.,]\d)"  # ... nor on the right ("123-45-6789-0", "1.2.3.4.5")

# ---------------------------------------------------------------------------------- SSN
_SSN_RE = re.compile(_B + r"(\d{3})([- ]?)(\d{2})\2(\d{4})" + _E)
_SSN_CONTEXT_RE = re.compile(
    r"(?i)\b(?:ssn|ss#|ss\s*no|social(?:\s+security)?(?:\s+(?:number|no|#))?|ssi|itin|tin|"
    r"tax\s*(?:id|payer)?)\b[^\n]{0,40}$"
)


def _valid_ssn(area: str, group: str, serial: str) -> bool:
    """An SSN (never 000, 666 or 9xx areas, 00 groups, 0000 serials) or an ITIN (9xx with
    a group of 50-65, 70-88, 90-92 or 94-99), which has the same shape: [SSN] either way."""
    if area.startswith("9"):
        g = int(group)
        return 50 <= g <= 65 or 70 <= g <= 88 or 90 <= g <= 92 or 94 <= g <= 99
    return not (area in {"000", "666"} or group == "00" or serial == "0000")


def ssn_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """123-45-6789 / 123 45 6789 in SSN shape; nine bare digits only after an SSN word."""
    for m in _SSN_RE.finditer(text):
        area, sep, group, serial = m.groups()
        if not _valid_ssn(area, group, serial):
            continue
        if not sep and not _SSN_CONTEXT_RE.search(text, max(0, m.start() - 60), m.start()):
            continue  # nine digits in a row: an SSN only when the text says so
        yield m.start(), m.end(), "SSN"


# --------------------------------------------------------------------------------- cards
_CARD_RE = re.compile(_B + r"\d(?:[ -]?\d){12,18}" + _E)




def card_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """13-19 digit runs (spaces or hyphens allowed) that pass the Luhn check and start like
    a payment card (Visa 4, Mastercard 2/5, Amex 34/37, Discover 6, JCB/Diners 3)."""
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(set(digits)) > 1 and digits[0] in "234569" and luhn_ok(digits):
            yield m.start(), m.end(), "CARD"


# --------------------------------------------------------------------------------- IBANs
_IBAN_RE = re.compile(
    r"(?<![\w])([A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?)(?![\w])",
    re.IGNORECASE,
)


def iban_ok(value: str) -> bool:
    s = re.sub(r"\s", "", value).upper()
    if not 15 <= len(s) <= 34 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    moved = s[4:] + s[:4]
    num = "".join(str(int(ch, 36)) for ch in moved)
    return int(num) % 97 == 1


def iban_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """IBANs (grouped by four or not) whose ISO 7064 mod-97 check holds; a trailing group
    that breaks the check is left off (an IBAN followed by a word in capitals)."""
    for m in _IBAN_RE.finditer(text):
        value = m.group(1)
        while value:
            if iban_ok(value):
                yield m.start(1), m.start(1) + len(value), "IBAN"
                break
            cut = value.rfind(" ")
            if cut < 0:
                break
            value = value[:cut]


# ----------------------------------------------------------------------------------- IPs
_IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6_RE = re.compile(
    r"(?<![\w:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", re.IGNORECASE
)  # candidates; ipaddress decides
_VERSION_BEFORE_RE = re.compile(r"(?i)\b(?:v|version|ver|build|release|firmware)\.?\s*$")


_MAC_RE = re.compile(
    r"(?<![\w:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![\w:-])"
)


def ip_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """IPv4 (four octets 0-255, not a version number "v1.2.3.4"), IPv6 and MAC addresses
    (a device's hardware address: ``[IP]`` too)."""
    for m in _MAC_RE.finditer(text):
        yield m.start(), m.end(), "IP"
    for m in _IPV4_RE.finditer(text):
        try:
            ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        if _VERSION_BEFORE_RE.search(text, max(0, m.start() - 12), m.start()):
            continue
        if text.endswith(("//", "@"), 0, m.start()):
            continue  # a link's host: the link is redacted whole
        yield m.start(), m.end(), "IP"
    if ":" in text:
        for m in _IPV6_RE.finditer(text):
            try:
                ipaddress.IPv6Address(m.group())
            except ValueError:
                continue
            if m.group().count(":") >= 3:
                yield m.start(), m.end(), "IP"


# ------------------------------------------------------------------------ dates of birth
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    # Spanish, French, German, Italian
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    r"noviembre|diciembre|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|"
    r"octobre|novembre|d[ée]cembre|januar|februar|m[äa]rz|juni|juli|oktober|dezember|"
    r"gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre)\.?"
)
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:of\s+|de\s+)?{_MONTHS},?\s+(?:de\s+)?\d{{4}})"
)
_DOB_RE = re.compile(
    r"(?i)\b(?:d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday|birth|born(?:\s+on)?|"
    r"fecha\s+de\s+nacimiento|nacid[oa](?:\s+el)?|date\s+de\s+naissance|geburtsdatum|"
    r"geboren(?:\s+am)?|n[ée]e?\s+le|"
    r"b\.)(?:[^\n.!?\d]{0,45}?[\s(\[:\"])?\s*(?:is|was|:|-|=)?\s*[(\[\"]?\s*(?:on\s+)?(?:the\s+)?"
    r"(" + _DATE + r")(?![\w/.-]\d)"
)


def dob_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """A full date (day, month and year) right after a birth word: "DOB: 04/12/1988",
    "born on March 3, 1990", "date of birth is 1988-12-04". A date alone is kept."""
    for m in _DOB_RE.finditer(text):
        yield m.start(1), m.end(1), "DOB"


# --------------------------------------------------------------------------------- plates
_PLATE_RE = re.compile(
    r"(?i)\b(?:licen[cs]e\s+plate|number\s+plate|plate(?:\s+(?:number|no\.?|#))?"
    r"|reg(?:istration)?(?:\s+(?:number|no\.?|plate))?|rego|tags?|kenteken|kennzeichen|"
    r"immatriculation|targa|matr[ií]cula)"
    r"(?:\s+(?:on|of)\s+(?:it|the\s+\w+))?(?:\s*\([A-Z]{2,5}\))?"
    r"\s*(?:is|was|:|#|-|,|reads|read|says|said)?\s*(?:on\s+dashcam\s*:?\s*)?(?:number\s+)?"
    r"[(\"'“]?"
    r"(?-i:((?=[A-Z0-9 -]*\d)(?=[A-Z0-9 -]*[A-ZÄÖÜ])"
    r"[A-ZÄÖÜ0-9]{1,4}(?:[ -]?[A-Z0-9]{1,6})?(?:[ -](?!(?:I|A)\s+[a-z])[A-Z0-9]{1,6}){0,2}))"
    r"[\"'”]?(?![\w-])"
)
# Plate shapes distinctive enough to be taken without a plate word: UK (since 2001) "BD71
# OPX", France (SIV) "FK-318-RB", India "MH 12 KT 4471". (German "M-KE 4719" needs the word:
# "USB-C 3" has its shape.)
_INDIAN_STATES = (
    "AN|AP|AR|AS|BR|CG|CH|DD|DL|DN|GA|GJ|HP|HR|JH|JK|KA|KL|LA|LD|MH|ML|MN|MP|MZ|NL|OD|OR|PB|"
    "PY|RJ|SK|TN|TR|TS|UK|UP|WB"
)
_PLATE_ALONE_RE = re.compile(
    r"(?<![\w-])(?:[A-Z]{2}\d{2} [A-Z]{3}|[A-Z]{2}-\d{3}-[A-Z]{2}|\d{2,3}-[A-Z]{1,2}-\d{1,6}"
    rf"|(?:{_INDIAN_STATES})[ -]?\d{{1,2}}[ -]?[A-Z]{{1,3}}[ -]?\d{{4}})(?![\w-])"
)


def plate_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """A licence plate after a plate word ("plate ABC 1234", "reg: AB12 CDE", "rego:
    CPW48K"): letters and digits together, in capitals, 2-12 characters; and the national
    shapes of :data:`_PLATE_ALONE_RE` anywhere."""
    if _PLATE_HINT_RE.search(text):
        for m in _PLATE_RE.finditer(text):
            value = m.group(1)
            compact = re.sub(r"[ -]", "", value)
            if 2 <= len(compact) <= 12 and value.upper() == value:
                yield m.start(1), m.end(1), "PLATE"
    for m in _PLATE_ALONE_RE.finditer(text):
        yield m.start(), m.end(), "PLATE"


# ----------------------------------------------------------- document and account numbers
_ID_RE = re.compile(
    r"(?i)\b(?:passport|driver'?s?\s+licen[cs]e|driving\s+licen[cs]e|licen[cs]e|dl|"
    r"national\s+(?:id|insurance)|ni|nhs|medicare|medicaid|member(?:ship)?|policy|"
    r"account|acct|routing|sort\s+code|case|claim|employee|student|patient|badge|"
    r"visa|green\s+card|alien|a-?number|uscis|id|identification|tax\s+file|sin|"
    r"customer|pin|aadhaar|aadhar|pan|ppsn|pps|bsn|tfn|pesel|dni|nie|nif|"
    r"brp|residence\s+permit|codice\s+fiscale|cpf|curp|nric|steuer-?id|tax\s+id|itin|"
    r"voter\s+id|id\s+card|tin|bsb|crn|nhi|bvn|nin|philsys|psn|personnummer|"
    r"personal\s+(?:id\s+)?number|f[øo]dselsnummer|henkil[öo]tunnus|s[ée]curit[ée]\s+sociale|"
    r"health\s+(?:card|number|insurance)|ohip|care\s+card|insurance\s+number|umid|sss|acc|"
    r"sozialversicherungsnummer|sv-?nummer|svnr|cnic|nic|mykad|ic|rfc|cuit|cuil|rut|nif)\b\s*"
    r"(?:number|num|no\.?|#|code|id|card)?"
    r"(?:\s+(?:on|of|for|in)\s+(?:it|this|that|there|the\s+\w+|my|his|her|their|your))?"
    r"\s*(?:is|was|:|#|=|-|,|reads|says)?\s*[(\[\"]?\s*(?:(?:number|no\.?|#)\s*)?"
    r"(\d[\d -]{5,20}[ -]?(?-i:[A-Z]{1,2})|[A-Z]{0,3}[ -]?\d[\dA-Z .-]{4,22}\d"
    r"|[A-Z]{1,3}\d{4,12}[A-Z]?|(?-i:(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{7,18}))(?![\w-])"
)


def id_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """A number after a document or account word ("passport number 123456789", "account
    #: 0045-2231-99", "NI: QQ123456C"): at least 6 digits."""
    for m in _ID_RE.finditer(text):
        value = m.group(1).rstrip(" -")
        digits = sum(ch.isdigit() for ch in value)
        compact = len(value.replace(" ", "").replace("-", ""))
        letters = compact - digits
        if digits >= 6 or (digits >= 2 and letters and compact >= 7):  # "C4RJ7T2KM"
            yield m.start(1), m.start(1) + len(value), "ID"


# An identifier named by an acronym right before it, whatever the country: "UTR 4418 29036
# 7", "IFSC HDFC0001294", "My NID is 1994 2615 7840 331", "HKID is Y 728451(3)", "CPR is
# 140389-1183", "ΑΦΜ is 128 449 031". The acronym is separated from the value (a space, a
# colon, "is"), so a reference's own prefix ("CL-0093318442", "NFRC240918337") is no cue;
# currency codes and the acronyms of references, units and products are not cues ("NOK 215
# 000", "ZIP 62704-1234", "RTX 40901").
_ACRONYM_ID_RE = re.compile(
    r"(?<![\w-])(?P<cue>[A-ZΑ-Ω]{2,6}|I-94)(?:\s+(?:[Nn]umber|[Nn]o\.?|#|ID|[Cc]ard))?"
    r"(?:\s+(?:is|was)|\s*[:#=])?(?:\s+|\s*[(\[\"«]\s*)"
    r"(?P<v>\d[\d -]{4,20}\d(?:\s?\(\w\))?|[A-Z]{0,3}[ -]?\d[\dA-Z.-]{4,22}\d"
    r"|[A-Z]{1,3}\d{4,12}[A-Z]?|(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{7,18})(?![\w-])"
)


def _upper_words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_CURRENCY_CODES = _upper_words(
    """USD EUR GBP CAD AUD NZD JPY CNY RMB HKD SGD INR PKR BDT LKR NPR PHP IDR MYR THB VND KRW
    TWD CHF SEK NOK DKK ISK PLN CZK HUF RON BGN HRK RSD UAH RUB TRY ILS AED SAR QAR KWD BHD
    OMR JOD EGP MAD TND NGN GHS KES UGX TZS ZAR ZMW ETB BRL ARS CLP COP PEN MXN UYU BOB PYG
    VES DOP GTQ CRC KSH RS TK"""
)
# Acronyms of references, products and places, not of a person's number.
_NOT_ID_CUES = _upper_words(
    """ZIP PO REF INV SKU RMA ORDER CASE TICKET ISBN ASIN UPC EAN FY HTTP COVID AM PM EST PST
    CST MST GMT UTC BST CET IST AEST JST KST HST Q TLDR TL DR OP EDIT PS NB FYI ETA MPG MPH
    KM KG LB LBS CC GB MB TB GHZ RTX GTX RX DDR USB HDMI"""
)


def acronym_id_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """A number after an acronym naming it (see :data:`_ACRONYM_ID_RE`): 5 digits or more."""
    for m in _ACRONYM_ID_RE.finditer(text):
        cue = m.group("cue").upper()
        if cue in _CURRENCY_CODES or cue in _NOT_ID_CUES:
            continue
        value = m.group("v").rstrip(" -.")
        if sum(ch.isdigit() for ch in value) >= 5:
            yield m.start("v"), m.start("v") + len(value), "ID"


_DIGIT_RE = re.compile(r"\d")
_DIGIT_RUN_RE = re.compile(r"\d(?:[ -]?\d){5,}")  # six digits, spaces or hyphens between
_MIXED_CODE_RE = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{7,}\b")
_DOB_HINT_RE = re.compile(
    r"(?i)birth|\bdob\b|d\.o\.b|\bborn\b|\bb\.|nacimiento|nacid|naissance|\bn[ée]e?\s+le|geburt|geboren"
)
_PLATE_HINT_RE = re.compile(
    r"(?i)plate|\breg|\btags?\b|kenteken|kennzeichen|immatriculation|targa|matr[ií]cula"
)


def _in_link(text: str, start: int) -> bool:
    """Is ``start`` inside a link ("...item?id=5461259")? The link is redacted whole."""
    ws = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), text.rfind("(", 0, start))
    token = text[ws + 1 : start]
    return "://" in token or "www." in token or "/" in token and "." in token


def id_candidates(text: str) -> Iterator[tuple[int, int, str]]:
    """Every structured identifier in ``text`` except inside links (see :func:`_candidates`)."""
    for span in _candidates(text):
        if "/" in text and _in_link(text, span[0]):
            continue
        yield span


def _candidates(text: str) -> Iterator[tuple[int, int, str]]:
    """Every structured identifier in ``text`` (may overlap; the scrubber resolves them).
    Cheap prefilters (a run of six digits, a birth word, a plate word, three dots) keep the
    context rules off the texts that cannot hold what they look for."""
    if not _DIGIT_RE.search(text):
        return
    yield from national_id_spans(text)
    if _DIGIT_RUN_RE.search(text):
        yield from ssn_spans(text)
        yield from card_spans(text)
        yield from id_spans(text)
        yield from iban_spans(text)  # every country's IBAN holds a run of 6+ digits
    elif _MIXED_CODE_RE.search(text):
        yield from id_spans(text)  # "passport number C01X7HT43": letters and digits
    if text.count(".") >= 3 or text.count(":") >= 3:
        yield from ip_spans(text)
    if _DOB_HINT_RE.search(text):
        yield from dob_spans(text)
    yield from plate_spans(text)
    # last: where a typed rule finds the same value ("SSN is 123-45-6789"), its type wins
    yield from acronym_id_spans(text)
