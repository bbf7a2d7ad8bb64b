"""National identity and tax numbers of many countries, found by their own shape and check.

``national_id_spans(text)`` yields ``(start, end, "ID")``. A shape that rarely occurs in
ordinary text (UK National Insurance "JK 48 29 17 B", Indian PAN "BKRPS4827Q", Italian
codice fiscale, UK driving licence) is taken on its own; a shape with a check digit is taken
when the check holds (Aadhaar: Verhoeff; Spanish DNI/NIE and Irish PPSN: mod 23; Singapore
NRIC; Brazilian CPF); bare digit runs that any number could match (Dutch BSN, Polish PESEL,
Australian TFN, Canadian SIN, South African ID, NHS number) need their name nearby and a
valid check too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_B = r"(?<![\w-])"
_E = r"(?![\w-])"

# ----------------------------------------------------------------- check-digit functions
_VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def verhoeff_ok(digits: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def _weighted(digits: str, weights: list[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False))


def dni_ok(value: str) -> bool:
    """Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): mod 23."""
    v = value.upper().replace("-", "").replace(" ", "")
    if v[0] in "XYZ":
        v = str("XYZ".index(v[0])) + v[1:]
    return len(v) == 9 and v[:8].isdigit() and "TRWAGMYFPDXBNJZSQVHLCKE"[int(v[:8]) % 23] == v[8]


def ppsn_ok(value: str) -> bool:
    """Irish PPS number: 7 digits, a check letter, maybe a second letter (W=0...)."""
    v = value.upper().replace(" ", "")
    digits, check = v[:7], v[7]
    total = _weighted(digits, [8, 7, 6, 5, 4, 3, 2])
    if len(v) == 9 and v[8] != "W":
        total += 9 * (ord(v[8]) - 64)
    return "WABCDEFGHIJKLMNOPQRSTUV"[total % 23] == check


def nric_ok(value: str) -> bool:
    """Singapore NRIC/FIN: S/T/F/G/M + 7 digits + check letter."""
    v = value.upper()
    total = _weighted(v[1:8], [2, 7, 6, 5, 4, 3, 2])
    if v[0] in "TG":
        total += 4
    elif v[0] == "M":
        total += 3
    r = total % 11
    table = "JZIHGFEDCBA" if v[0] in "ST" else "XWUTRQPNMLK" if v[0] in "FG" else "KLJNPQRTUWX"
    return table[r] == v[8]


def cpf_ok(value: str) -> bool:
    d = re.sub(r"\D", "", value)
    if len(d) != 11 or len(set(d)) == 1:
        return False
    for n in (9, 10):
        s = _weighted(d[:n], list(range(n + 1, 1, -1)))
        if (s * 10 % 11) % 10 != int(d[n]):
            return False
    return True


def bsn_ok(digits: str) -> bool:
    return len(digits) == 9 and _weighted(digits, [9, 8, 7, 6, 5, 4, 3, 2, -1]) % 11 == 0


def tfn_ok(digits: str) -> bool:
    return len(digits) == 9 and _weighted(digits, [1, 4, 3, 7, 5, 8, 6, 9, 10]) % 11 == 0


def pesel_ok(digits: str) -> bool:
    if len(digits) != 11:
        return False
    s = _weighted(digits[:10], [1, 3, 7, 9, 1, 3, 7, 9, 1, 3])
    return (10 - s % 10) % 10 == int(digits[10])


def nhs_ok(digits: str) -> bool:
    if len(digits) != 10:
        return False
    r = 11 - _weighted(digits[:9], [10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11
    return (0 if r == 11 else r) == int(digits[9]) and r != 10


def luhn_ok(digits: str) -> bool:
    """The Luhn check (payment cards, Canadian SIN, South African ID)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# ------------------------------------------------------------------ shapes taken alone
_ALONE: list[tuple[re.Pattern[str], Callable[[str], bool]]] = [
    # UK National Insurance number (HMRC's prefix rules)
    (
        re.compile(
            _B + r"(?!BG|GB|NK|KN|TN|NT|ZZ)(?:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ)"
            r"[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D]" + _E
        ),
        lambda v: True,
    ),
    # Indian PAN: 5 letters (4th = holder type), 4 digits, a letter
    (re.compile(_B + r"[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z]" + _E), lambda v: True),
    # Italian codice fiscale
    (
        re.compile(_B + r"[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]" + _E, re.IGNORECASE),
        lambda v: any(c.isupper() for c in v[:6]),
    ),
    # UK driving licence number (16 characters)
    (re.compile(_B + r"[A-Z9]{5}\d[0156]\d{4}[A-Z9]{2}\d[A-Z]{2}" + _E), lambda v: True),
    # Mexican CURP (the RFC needs its name: "reference NFRC240918337" has its shape)
    (re.compile(_B + r"[A-Z]{4}\d{6}[HM][A-Z]{5}[A-Z0-9]\d" + _E), lambda v: True),
    # Aadhaar: 12 digits, first 2-9, Verhoeff check
    (
        re.compile(_B + r"[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}" + _E),
        lambda v: verhoeff_ok(re.sub(r"\D", "", v)),
    ),
    # Spanish DNI / NIE
    (re.compile(_B + r"(?:\d{8}|[XYZ]\d{7})[ -]?[A-Z]" + _E), dni_ok),
    # Irish PPSN
    (re.compile(_B + r"\d{7}[A-W][A-IW]?" + _E), ppsn_ok),
    # Singapore NRIC / FIN
    (re.compile(_B + r"[STFGM]\d{7}[A-Z]" + _E), nric_ok),
    # Brazilian CPF, written with its dots and dash
    (re.compile(_B + r"\d{3}\.\d{3}\.\d{3}-\d{2}" + _E), cpf_ok),
    # Pakistani CNIC 12345-1234567-1, Swiss AHV 756.1234.5678.97, Malaysian MyKad
    # yymmdd-pb-####, Belgian national number yy.mm.dd-xxx.cc: shapes nothing else has
    (re.compile(_B + r"\d{5}-\d{7}-\d" + _E), lambda v: True),
    (re.compile(_B + r"756\.\d{4}\.\d{4}\.\d{2}" + _E), lambda v: True),
    (re.compile(_B + r"\d{2}[01]\d[0-3]\d-\d{2}-\d{4}" + _E), lambda v: True),
    (re.compile(_B + r"\d{2}\.[01]\d\.[0-3]\d-\d{3}\.\d{2}" + _E), lambda v: True),
]

# ------------------------------------------------- digit runs that need their name nearby
_NAMED: list[tuple[re.Pattern[str], re.Pattern[str], Callable[[str], bool]]] = [
    (
        re.compile(r"(?i)\b(?:bsn|burgerservicenummer|sofi)\b"),
        re.compile(r"\d{9}|\d{3}[ .]\d{2}[ .]\d{2}[ .]\d{2}|\d{4}[ .]\d{2}[ .]\d{3}"),
        bsn_ok,
    ),  # noqa: E501
    (re.compile(r"(?i)\bpesel\b"), re.compile(r"\d{11}"), pesel_ok),
    (
        re.compile(r"(?i)\b(?:rodn[ée]\s+[čc][íi]slo|birth\s+number)\b"),
        re.compile(r"\d{6}/?\d{3,4}"),
        lambda d: True,
    ),
    (
        re.compile(r"(?i)\b(?:tfn|tax\s+file\s+(?:number|no))\b"),
        re.compile(r"\d{3}[ ]?\d{3}[ ]?\d{3}"),
        tfn_ok,
    ),  # noqa: E501
    (
        re.compile(r"(?i)\b(?:sin|social\s+insurance)\b"),
        re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{3}"),
        luhn_ok,
    ),  # noqa: E501
    (re.compile(r"(?i)\b(?:nhs)\b"), re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{4}"), nhs_ok),
    (
        re.compile(r"(?i)\b(?:sa\s+)?id\s+(?:number|no)\b|\bidentity\s+number\b"),
        re.compile(r"\d{13}"),
        luhn_ok,
    ),  # noqa: E501
]


# Cheap gates: the letter-and-digit shapes need a capital next to a digit, the digit-only
# ones a run of seven digits (spaces, dots or hyphens between), the named ones their name.
_LETTER_DIGIT_RE = re.compile(r"[A-Z] ?\d|\d[A-Z]")
_SEVEN_DIGITS_RE = re.compile(r"\d(?:[ ./-]?\d){6}")
_ANY_CUE_RE = re.compile(
    r"(?i)\b(?:bsn|burgerservicenummer|sofi|pesel|rodn[ée]|birth\s+number|tfn|tax\s+file|sin|"
    r"social\s+insurance|nhs|"
    r"id\s+(?:number|no)|identity\s+number)\b"
)
_DIGIT_ONLY = 5  # _ALONE[5:] need no capital (Aadhaar, DNI, PPSN, NRIC, CPF, CNIC... digits)


def national_id_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """National identity and tax numbers in ``text`` (see the module docstring)."""
    letters = _LETTER_DIGIT_RE.search(text) is not None
    digits = _SEVEN_DIGITS_RE.search(text) is not None
    if not (letters or digits):
        return
    for k, (rx, ok) in enumerate(_ALONE):
        if (k < _DIGIT_ONLY and not letters) or (k >= _DIGIT_ONLY and not digits):
            continue
        for m in rx.finditer(text):
            if ok(m.group()):
                yield m.start(), m.end(), "ID"
    if not digits or _ANY_CUE_RE.search(text) is None:
        return
    for cue, shape, ok in _NAMED:
        for c in cue.finditer(text):
            window_end = min(len(text), c.end() + 60)
            for m in shape.finditer(text, c.end(), window_end):
                alone = (m.start() == 0 or not text[m.start() - 1].isalnum()) and (
                    m.end() == len(text) or not text[m.end()].isalnum()
                )
                if alone and ok(re.sub(r"\D", "", m.group())):
                    yield m.start(), m.end(), "ID"
                    break
