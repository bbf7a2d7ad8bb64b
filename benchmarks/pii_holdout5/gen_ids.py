#!/usr/bin/env python3
"""Generate the synthetic structured identifiers used in source.md (stdlib only).

Seeded so the output is reproducible: python3 gen_ids.py
The values were pasted into source.md from this output. They are random numbers that pass
the checksums validators use (Luhn, ISO 7064 mod-97, Verhoeff, NRIC, DNI/NIE, CPF); they
are not linked to any real account or person.
"""

import random
import string

SEED = 20261204
rng = random.Random(SEED)


def luhn_complete(prefix, length):
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        digits = [int(c) for c in body + check]
        total = 0
        for i, d in enumerate(reversed(digits)):
            if i % 2 == 1:
                d *= 2
                if d > 9:
                    d -= 9
            total += d
        if total % 10 == 0:
            return body + check
    raise AssertionError


def iban(country, bban):
    rearranged = bban + country + "00"
    num = int("".join(str(int(ch, 36)) for ch in rearranged))
    check = 98 - num % 97
    return f"{country}{check:02d}{bban}"


def digits(n):
    return "".join(rng.choice(string.digits) for _ in range(n))


def letters(n):
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(n))


def group(s, n=4):
    return " ".join(s[i : i + n] for i in range(0, len(s), n))


# Verhoeff tables for Aadhaar
D = [
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
P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]
INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def verhoeff_check(num):
    c = 0
    for i, ch in enumerate(reversed(num)):
        c = D[c][P[(i + 1) % 8][int(ch)]]
    return str(INV[c])


def aadhaar():
    body = str(rng.randint(2, 9)) + digits(10)
    return body + verhoeff_check(body)


def nric():
    prefix = rng.choice("ST")
    ds = digits(7)
    w = [2, 7, 6, 5, 4, 3, 2]
    total = sum(int(a) * b for a, b in zip(ds, w, strict=False)) + (4 if prefix == "T" else 0)
    table = "JZIHGFEDCBA" if prefix == "S" else "GFEDCBAJZIH"
    return prefix + ds + table[total % 11]


def dni():
    n = rng.randint(10000000, 99999999)
    return f"{n:08d}" + "TRWAGMYFPDXBNJZSQVHLCKE"[n % 23]


def nie():
    lead = rng.choice("XYZ")
    n = digits(7)
    v = int(str("XYZ".index(lead)) + n)
    return f"{lead}{n}" + "TRWAGMYFPDXBNJZSQVHLCKE"[v % 23]


def cpf():
    ds = [int(c) for c in digits(9)]
    for length in (9, 10):
        s = sum(d * w for d, w in zip(ds, range(length + 1, 1, -1), strict=False))
        r = (s * 10) % 11
        ds.append(0 if r == 10 else r)
    s = "".join(map(str, ds))
    return f"{s[:3]}.{s[3:6]}.{s[6:9]}-{s[9:]}"


def ni_number():
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    while first + second in ("GB", "NK", "TN", "BG", "KN", "NT", "ZZ"):
        second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    return first + second + digits(6) + rng.choice("ABCD")


def pan():
    return letters(3) + "P" + letters(1) + digits(4) + letters(1)


def sin():
    return luhn_complete(str(rng.choice([1, 2, 4, 5, 6, 7])), 9)


def bsn():
    while True:
        ds = [int(c) for c in digits(8)]
        if ds[0] == 0:
            continue
        total = sum(d * w for d, w in zip(ds, range(9, 1, -1), strict=False))
        for last in range(10):
            if (total - last) % 11 == 0:
                return "".join(map(str, ds)) + str(last)


def pesel(year, month, day, female):
    mm = month + (20 if year >= 2000 else 0)
    base = f"{year % 100:02d}{mm:02d}{day:02d}" + digits(3)
    sex = rng.choice("02468" if female else "13579")
    base += sex
    w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
    c = (10 - sum(int(a) * b for a, b in zip(base, w, strict=False)) % 10) % 10
    return base + str(c)


def emirates_id(year):
    return luhn_complete("784" + str(year), 15)


def ppsn():
    ds = digits(7)
    total = sum(int(a) * b for a, b in zip(ds, range(8, 1, -1), strict=False))
    return ds + "WABCDEFGHIJKLMNOPQRSTUV"[total % 23]


if __name__ == "__main__":
    print("# cards")
    for _i in range(4):
        c = luhn_complete("4", 16)
        print("visa", c, group(c))
    for _i in range(3):
        c = luhn_complete(str(rng.randint(51, 55)), 16)
        print("mc", c, group(c))
    for _i in range(3):
        c = luhn_complete(rng.choice(["34", "37"]), 15)
        print("amex", c, f"{c[:4]} {c[4:10]} {c[10:]}")
    for _i in range(2):
        c = luhn_complete("6011", 16)
        print("disc", c, group(c))
    print("# ibans")
    specs = [
        ("DE", lambda: digits(18)),
        ("DE", lambda: digits(18)),
        ("GB", lambda: letters(4) + digits(14)),
        ("GB", lambda: letters(4) + digits(14)),
        ("IE", lambda: letters(4) + digits(14)),
        ("ES", lambda: digits(20)),
        ("FR", lambda: digits(10) + letters(1) + digits(10) + digits(2)),
        ("NL", lambda: letters(4) + digits(10)),
        ("IT", lambda: letters(1) + digits(22)),
        ("PL", lambda: digits(24)),
        ("AE", lambda: digits(19)),
        ("PT", lambda: digits(21)),
        ("BE", lambda: digits(12)),
    ]
    for cc, f in specs:
        s = iban(cc, f())
        print("iban", s, group(s))
    print("# national ids")
    for _ in range(3):
        a = aadhaar()
        print("aadhaar", a, group(a))
    for _ in range(2):
        print("pan", pan())
    for _ in range(3):
        print("nric", nric())
    for _ in range(2):
        s = sin()
        print("sin", s, f"{s[:3]} {s[3:6]} {s[6:]}")
    for _ in range(2):
        print("dni", dni())
    for _ in range(2):
        print("nie", nie())
    for _ in range(2):
        print("cpf", cpf())
    for _ in range(3):
        n = ni_number()
        print("ni", n, f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:8]} {n[8]}")
    print("# ssn (invented, area 001-899 excluding 666)")
    for _ in range(10):
        a = rng.randint(1, 899)
        while a == 666:
            a = rng.randint(1, 899)
        print("ssn", f"{a:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}")
    print("# more national ids")
    for _ in range(2):
        print("bsn", bsn())
    print("pesel", pesel(1987, 6, 14, True))
    e = emirates_id(1989)
    print("emirates_id", e, f"{e[:3]}-{e[3:7]}-{e[7:14]}-{e[14]}")
    print("ppsn", ppsn())
    print("# ABA routing numbers (checksum-valid, invented)")
    for _ in range(2):
        while True:
            r = str(rng.randint(1, 3)) + digits(7)
            for last in string.digits:
                d = [int(c) for c in r + last]
                if (
                    3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]
                ) % 10 == 0:
                    break
            print("aba", r + last)
            break
