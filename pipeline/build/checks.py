"""Release checks on the final tables, run by ``build`` before writing and by ``publish``."""

from __future__ import annotations

import re

import pandas as pd

from pipeline.clean.pii import phone_spans
from pipeline.clean.pii_ids import card_spans, iban_spans, ssn_spans
from pipeline.text_patterns import WEB_URL_RE
from pipeline.values import VALUE_IDS

# Patterns that must never appear in published text (placeholders like [EMAIL] are fine).
PII_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    "url": WEB_URL_RE,
    "username": re.compile(r"(?i)(?<![A-Za-z0-9_])/?u/[A-Za-z0-9_-]{3,}"),
}


# Structured identifiers, found by the scrubber's own validators (the SSN's reserved-number
# rules, Luhn for cards, ISO 7064 mod 97 for IBANs), so a number that fails them is not one.
ID_FINDERS = {"ssn": ssn_spans, "card": card_spans, "iban": iban_spans}


def find_pii(text: str) -> list[str]:
    """Kinds of personal data left in ``text``; phones and structured identifiers use the
    scrubber's own detectors."""
    hits = [name for name, pat in PII_PATTERNS.items() if pat.search(text)]
    if next(phone_spans(text), None) is not None:
        hits.append("phone")
    if any(ch.isdigit() for ch in text):
        hits.extend(name for name, find in ID_FINDERS.items() if next(find(text), None))
    return hits


def release_problems(
    scenarios: pd.DataFrame,
    options: pd.DataFrame,
    expected_scenarios: int | None,
    options_per_scenario: int,
) -> list[str]:
    """Every problem that must stop a release; empty when the tables are publishable."""
    problems: list[str] = []
    n = len(scenarios)
    if expected_scenarios is not None and n != expected_scenarios:
        problems.append(f"{n} scenarios, expected {expected_scenarios}")
    if len(options) != n * options_per_scenario:
        problems.append(f"{len(options)} options, expected {n} x {options_per_scenario}")
    for col, df in (("scenario_id", scenarios), ("option_id", options)):
        if df[col].duplicated().any():
            problems.append(
                f"duplicate {col}: {df.loc[df[col].duplicated(), col].head(3).tolist()}"
            )
    if scenarios["post_id"].duplicated().any():
        problems.append("the same post appears in two scenarios")
    counts = options.groupby("scenario_id")["value"].agg(["size", "nunique"])
    bad = counts[(counts["size"] != options_per_scenario) | (counts["nunique"] != counts["size"])]
    if len(bad):
        problems.append(
            f"{len(bad)} scenarios without {options_per_scenario} distinct values, "
            f"e.g. {bad.index[:3].tolist()}"
        )
    unknown = set(options["value"]) - set(VALUE_IDS)
    if unknown:
        problems.append(f"unknown values {sorted(unknown)}")
    texts = {
        "scenario": scenarios["scenario"],
        "question": scenarios["question"],
        "option text": options["text"],
    }
    for name, series in texts.items():
        empty = series.isna() | (series.astype(str).str.strip() == "")
        if empty.any():
            problems.append(f"{int(empty.sum())} empty {name}(s)")
        for i, text in series.dropna().items():
            hits = find_pii(str(text))
            if hits:
                problems.append(f"personal data pattern ({', '.join(hits)}) in {name} row {i}")
    return problems
