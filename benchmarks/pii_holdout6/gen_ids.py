# ruff: noqa: E501  (long literal lines of generated values)
#!/usr/bin/env python3
"""Generate the synthetic structured identifiers used in pii_holdout6/source.md.

Fixed seed 20261205, python3 standard library only. Run it to print the values;
they were pasted by hand into source.md (sometimes re-spaced or dashed, the
digits are unchanged). build_corpus.py imports VALIDATORS and generate() from
here to re-check every planted card, IBAN, SSN and national id.

Every value is random. None was taken from a real document or account; the
checksums are there only so that validating scrubbers accept them.
"""
import random
import re
import string

SEED = 20261205


# ---------------------------------------------------------------- checksums
def luhn_digit(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(s):
    digits = re.sub(r"\D", "", s)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return len(digits) >= 9 and total % 10 == 0


def iban_check(country, bban):
    rearranged = bban + country + "00"
    num = int("".join(str(int(c, 36)) for c in rearranged))
    return f"{98 - num % 97:02d}"


def iban_ok(s):
    c = re.sub(r"[\s-]", "", s).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", c):
        return False
    return int("".join(str(int(ch, 36)) for ch in c[4:] + c[:4])) % 97 == 1


_VD = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
       [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
       [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
       [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
       [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VP = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
       [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
       [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
       [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
_VINV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def verhoeff_digit(body):
    c = 0
    for i, ch in enumerate(reversed(body)):
        c = _VD[c][_VP[(i + 1) % 8][int(ch)]]
    return str(_VINV[c])


def verhoeff_ok(s):
    c = 0
    for i, ch in enumerate(reversed(s)):
        c = _VD[c][_VP[i % 8][int(ch)]]
    return c == 0


def aadhaar_ok(s):
    d = re.sub(r"\D", "", s)
    return len(d) == 12 and d[0] not in "01" and verhoeff_ok(d)


def pesel_digit(body):
    w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
    return str((10 - sum(int(a) * b for a, b in zip(body, w, strict=False)) % 10) % 10)


def pesel_ok(s):
    d = re.sub(r"\D", "", s)
    return len(d) == 11 and pesel_digit(d[:10]) == d[10]


def tckn_digits(body9):
    d = [int(c) for c in body9]
    d10 = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    d11 = (sum(d) + d10) % 10
    return f"{d10}{d11}"


def tckn_ok(s):
    d = re.sub(r"\D", "", s)
    return len(d) == 11 and d[0] != "0" and tckn_digits(d[:9]) == d[9:]


def cpf_digits(body9):
    d = [int(c) for c in body9]
    r1 = sum(v * (10 - i) for i, v in enumerate(d)) * 10 % 11 % 10
    d.append(r1)
    r2 = sum(v * (11 - i) for i, v in enumerate(d)) * 10 % 11 % 10
    return f"{r1}{r2}"


def cpf_ok(s):
    d = re.sub(r"\D", "", s)
    return len(d) == 11 and len(set(d)) > 1 and cpf_digits(d[:9]) == d[9:]


def rrn_digit(body12):
    w = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    return str((11 - sum(int(a) * b for a, b in zip(body12, w, strict=False)) % 11) % 10)


def rrn_ok(s):
    d = re.sub(r"\D", "", s)
    return len(d) == 13 and rrn_digit(d[:12]) == d[12]


def sa_id_ok(s):
    d = re.sub(r"\D", "", s)
    return len(d) == 13 and luhn_ok(d)


def sin_ok(s):
    d = re.sub(r"\D", "", s)
    return len(d) == 9 and d[0] not in "08" and luhn_ok(d)


def tfn_ok(s):
    d = re.sub(r"\D", "", s)
    w = [1, 4, 3, 7, 5, 8, 6, 9, 10]
    return len(d) == 9 and sum(int(a) * b for a, b in zip(d, w, strict=False)) % 11 == 0


def mynumber_digit(body11):
    total = 0
    for n in range(1, 12):
        p = int(body11[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return "0" if r <= 1 else str(11 - r)


def mynumber_ok(s):
    d = re.sub(r"\D", "", s)
    return len(d) == 12 and mynumber_digit(d[:11]) == d[11]


def steuer_digit(body10):
    product = 10
    for ch in body10:
        total = (int(ch) + product) % 10
        if total == 0:
            total = 10
        product = (total * 2) % 11
    check = 11 - product
    return "0" if check == 10 else str(check)


def steuer_ok(s):
    d = re.sub(r"\D", "", s)
    if len(d) != 11 or d[0] == "0":
        return False
    counts = sorted((d[:10].count(c) for c in set(d[:10])), reverse=True)
    return counts[0] in (2, 3) and counts[1] == 1 and steuer_digit(d[:10]) == d[10]


CURP_CHARS = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"


def curp_digit(body17):
    total = sum(CURP_CHARS.index(c) * (18 - i) for i, c in enumerate(body17))
    return str((10 - total % 10) % 10)


def curp_ok(s):
    return (re.fullmatch(r"[A-Z]{4}\d{6}[HM][A-Z]{5}[0-9A-Z]\d", s) is not None
            and curp_digit(s[:17]) == s[17])


def nino_ok(s):
    c = s.replace(" ", "").upper()
    if not re.fullmatch(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]", c):
        return False
    return c[:2] not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def aba_ok(s):
    d = [int(c) for c in re.sub(r"\D", "", s)]
    if len(d) != 9:
        return False
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def ssn_ok(s):
    m = re.fullmatch(r"(\d{3})([- ]?)(\d{2})\2(\d{4})", s)
    if not m:
        return False
    area, group, serial = m.group(1), m.group(3), m.group(4)
    return (area not in ("000", "666") and area[0] != "9"
            and group != "00" and serial != "0000")


VALIDATORS = {
    "card": luhn_ok, "iban": iban_ok, "ssn": ssn_ok, "aadhaar": aadhaar_ok,
    "pesel": pesel_ok, "tckn": tckn_ok, "cpf": cpf_ok, "rrn": rrn_ok,
    "sa_id": sa_id_ok, "sin": sin_ok, "tfn": tfn_ok, "mynumber": mynumber_ok,
    "steuer_id": steuer_ok, "curp": curp_ok, "nino": nino_ok, "aba": aba_ok,
}
# The truth type each scheme is annotated with in source.md.
SCHEME_TYPE = {"card": "card", "iban": "iban", "ssn": "ssn"}
for _k in VALIDATORS:
    SCHEME_TYPE.setdefault(_k, "id")


# --------------------------------------------------------------- generators
def digits(rng, n):
    return "".join(rng.choice(string.digits) for _ in range(n))


def card(rng, prefix, length):
    body = prefix + digits(rng, length - len(prefix) - 1)
    return body + luhn_digit(body)


def iban(rng, country, bban):
    return country + iban_check(country, bban) + bban


def es_bban(rng):
    bank, branch, acct = digits(rng, 4), digits(rng, 4), digits(rng, 10)
    w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

    def dc(ten):
        r = 11 - sum(int(a) * b for a, b in zip(ten, w, strict=False)) % 11
        return {10: 1, 11: 0}.get(r, r)
    return f"{bank}{branch}{dc('00' + bank + branch)}{dc(acct)}{acct}"


def fr_bban(rng):
    bank, branch, acct = digits(rng, 5), digits(rng, 5), digits(rng, 11)
    key = 97 - ((89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97)
    return f"{bank}{branch}{acct}{key:02d}"


def letters(rng, n, pool=string.ascii_uppercase):
    return "".join(rng.choice(pool) for _ in range(n))


def generate():
    """Return a list of (scheme, label, value) in a fixed order."""
    rng = random.Random(SEED)
    out = []
    # cards
    for label, prefix, length in [
        ("visa16", "4", 16), ("visa16", "4", 16), ("visa16", "4", 16),
        ("mc16", "5" + rng.choice("12345"), 16), ("mc16_2series", "2" + "2" + rng.choice("3456789"), 16),
        ("mc16", "5" + rng.choice("12345"), 16),
        ("amex15", "37", 15), ("amex15", "34", 15), ("discover16", "6011", 16),
        ("jcb16", "35" + str(rng.randint(28, 89)), 16), ("rupay16", "6521", 16),
        ("verve19", "506" + str(rng.randint(100, 198)), 19), ("elo16", "636368", 16),
        ("visa13", "4", 13),
    ]:
        out.append(("card", label, card(rng, prefix, length)))
    # IBANs
    out.append(("iban", "DE", iban(rng, "DE", digits(rng, 18))))
    out.append(("iban", "DE", iban(rng, "DE", digits(rng, 18))))
    out.append(("iban", "GB", iban(rng, "GB", letters(rng, 4) + digits(rng, 14))))
    out.append(("iban", "NL", iban(rng, "NL", letters(rng, 4) + digits(rng, 10))))
    out.append(("iban", "FR", iban(rng, "FR", fr_bban(rng))))
    out.append(("iban", "ES", iban(rng, "ES", es_bban(rng))))
    out.append(("iban", "PL", iban(rng, "PL", digits(rng, 24))))
    out.append(("iban", "TR", iban(rng, "TR", digits(rng, 5) + "0" + digits(rng, 16))))
    out.append(("iban", "BR", iban(rng, "BR", digits(rng, 23) + "C" + "1")))
    out.append(("iban", "IT", iban(rng, "IT", letters(rng, 1) + digits(rng, 10) + digits(rng, 12))))
    out.append(("iban", "IE", iban(rng, "IE", letters(rng, 4) + digits(rng, 14))))
    out.append(("iban", "AE", iban(rng, "AE", digits(rng, 19))))
    # SSNs
    for _ in range(12):
        while True:
            area = rng.randint(1, 899)
            if area != 666:
                break
        out.append(("ssn", "ssn", f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"))
    # national ids with checksums
    for _ in range(2):
        body = str(rng.randint(2, 9)) + digits(rng, 10)
        out.append(("aadhaar", "IN Aadhaar", body + verhoeff_digit(body)))
    # PESEL: born 1994-07-23 and 2001-03-09 (month +20 for 2000s)
    for ymd in ["940723", "012309"]:
        body = ymd + digits(rng, 4)
        out.append(("pesel", "PL PESEL", body + pesel_digit(body)))
    for _ in range(2):
        body = str(rng.randint(1, 9)) + digits(rng, 8)
        out.append(("tckn", "TR TC Kimlik", body + tckn_digits(body)))
    for _ in range(2):
        body = digits(rng, 9)
        v = body + cpf_digits(body)
        out.append(("cpf", "BR CPF", f"{v[:3]}.{v[3:6]}.{v[6:9]}-{v[9:]}"))
    # Korean RRN, born 1996-11-02, female, 1900s -> gender digit 2
    body = "961102" + "2" + digits(rng, 5)
    out.append(("rrn", "KR RRN", body[:6] + "-" + body[6:] + rrn_digit(body)))
    # South African ID, born 1988-05-17, male (5000-9999), citizen 0, 8
    body = "880517" + str(rng.randint(5000, 9999)) + "08"
    out.append(("sa_id", "ZA ID", body + luhn_digit(body)))
    # Canadian SIN
    for _ in range(2):
        body = str(rng.choice([1, 2, 3, 4, 5, 6, 7])) + digits(rng, 7)
        v = body + luhn_digit(body)
        out.append(("sin", "CA SIN", f"{v[:3]} {v[3:6]} {v[6:]}"))
    # Australian TFN
    while True:
        v = digits(rng, 9)
        if tfn_ok(v):
            break
    out.append(("tfn", "AU TFN", f"{v[:3]} {v[3:6]} {v[6:]}"))
    # Japanese My Number
    body = digits(rng, 11)
    v = body + mynumber_digit(body)
    out.append(("mynumber", "JP My Number", f"{v[:4]} {v[4:8]} {v[8:]}"))
    # German Steuer-ID
    while True:
        body = str(rng.randint(1, 9)) + digits(rng, 9)
        counts = sorted((body.count(c) for c in set(body)), reverse=True)
        if counts[0] == 2 and counts[1] == 1:
            break
    v = body + steuer_digit(body)
    out.append(("steuer_id", "DE Steuer-ID", f"{v[:2]} {v[2:5]} {v[5:8]} {v[8:]}"))
    # Mexican CURP, invented person "Ximena Ortega Ruiz", born 1999-08-14, female, Jalisco
    body = "OERX990814MJCRZM" + "0"
    out.append(("curp", "MX CURP", body + curp_digit(body)))
    # UK National Insurance number
    pool1 = "ABCEGHJKLMNPRSTWXYZ"
    pool2 = "ABCEGHJKLMNPRSTWXYZ"
    while True:
        pre = rng.choice(pool1) + rng.choice(pool2)
        if pre not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
            break
    d = digits(rng, 6)
    out.append(("nino", "UK NINO", f"{pre} {d[:2]} {d[2:4]} {d[4:]} {rng.choice('ABCD')}"))
    # ABA routing numbers (two)
    for _ in range(2):
        while True:
            v = f"{rng.randint(1, 12):02d}" + digits(rng, 7)
            if aba_ok(v):
                break
        out.append(("aba", "US routing", v))
    # ids without a public checksum (random digits in the right shape)
    out.append(("plain", "NG NIN", digits(rng, 11)))
    out.append(("plain", "KE national ID", digits(rng, 8)))
    d = digits(rng, 16)
    out.append(("plain", "PH PhilSys PCN", f"{d[:4]}-{d[4:8]}-{d[8:12]}-{d[12:]}"))
    out.append(("plain", "US bank account", digits(rng, 10)))
    out.append(("plain", "US bank account", digits(rng, 12)))
    out.append(("plain", "NG bank account (NUBAN)", digits(rng, 10)))
    out.append(("plain", "IN bank account", digits(rng, 14)))
    out.append(("plain", "US passport", digits(rng, 9)))
    out.append(("plain", "US passport (new)", "A" + digits(rng, 8)))
    out.append(("plain", "UK passport", digits(rng, 9)))
    out.append(("plain", "IN passport", rng.choice("JKLMNPRSTUVWZ") + digits(rng, 7)))
    out.append(("plain", "NG passport", "A" + digits(rng, 8)))
    out.append(("plain", "PH passport", "P" + digits(rng, 7) + rng.choice("ABC")))
    out.append(("plain", "DE passport", "C" + letters(rng, 8, "CFGHJKLMNPRTVWXYZ0123456789")))
    out.append(("plain", "CA DL", rng.choice("ABDFGHJKMNPRSTWY") + digits(rng, 7)))
    out.append(("plain", "TX DL", digits(rng, 8)))
    d = digits(rng, 12)
    out.append(("plain", "FL DL", f"{rng.choice('BDHKMRSTW')}{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:11]}-{d[11]}"))
    d = digits(rng, 9)
    out.append(("plain", "NY DL", f"{d[:3]} {d[3:6]} {d[6:]}"))
    d = digits(rng, 14)
    out.append(("plain", "ON DL", f"{rng.choice('BDKMPRST')}{d[:4]}-{d[4:9]}-{d[9:]}"))
    out.append(("plain", "NSW DL", digits(rng, 8)))
    out.append(("plain", "IN DL", "KA05 " + "20" + str(rng.randint(10, 22)) + digits(rng, 7)))
    # plates
    out.append(("plain", "CA plate", str(rng.randint(5, 9)) + letters(rng, 3) + digits(rng, 3)))
    out.append(("plain", "TX plate", letters(rng, 3) + "-" + digits(rng, 4)))
    out.append(("plain", "UK plate", letters(rng, 2, "ABDEFGHKLMNOPRSVWY") + str(rng.choice([19, 21, 22, 70, 71, 72])) + " " + letters(rng, 3, "ABCDEFGHJKLMNOPRSTUVWXYZ")))
    out.append(("plain", "DE plate", "M-" + letters(rng, 2) + " " + str(rng.randint(100, 9999))))
    out.append(("plain", "IN plate", "KA 05 " + letters(rng, 2) + " " + digits(rng, 4)))
    out.append(("plain", "BR plate", letters(rng, 3) + digits(rng, 1) + letters(rng, 1) + digits(rng, 2)))
    out.append(("plain", "KE plate", "KD" + letters(rng, 1) + " " + digits(rng, 3) + letters(rng, 1)))
    out.append(("plain", "NG plate", "LSD-" + digits(rng, 3) + letters(rng, 2)))
    out.append(("plain", "AU plate", letters(rng, 3) + "-" + digits(rng, 2) + letters(rng, 1)))
    out.append(("plain", "PH plate", letters(rng, 3) + " " + digits(rng, 4)))
    out.append(("plain", "ON plate", letters(rng, 4) + " " + digits(rng, 3)))
    out.append(("plain", "NY plate", letters(rng, 3) + "-" + digits(rng, 4)))
    return out


def main():
    for scheme, label, value in generate():
        ok = VALIDATORS[scheme](value) if scheme in VALIDATORS else "-"
        print(f"{scheme:10s} {label:26s} {value:34s} valid={ok}")


if __name__ == "__main__":
    main()
