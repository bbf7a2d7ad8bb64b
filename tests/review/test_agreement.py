"""Krippendorff's alpha and the review agreement figures, on examples with known answers."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from pipeline.review.agreement import (
    ItemOptions,
    coincidences,
    krippendorff_alpha_nominal,
    observed_agreement,
    review_agreement,
)
from pipeline.review.decisions import Decision, resolve_item

N = None
# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C: four
# observers, twelve units, values 1-5, missing data. Published: nominal alpha = 0.743,
# coincidence marginals n_1..n_5 = 9, 13, 10, 5, 3 (n = 40).
TEXTBOOK = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    "C": [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
}
# Same paper, section A: two observers, binary data, ten units. Published: alpha = 0.095.
BINARY = {
    "A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
}


def _units(by_observer: dict[str, list[Any]]) -> list[tuple[Any, ...]]:
    return list(zip(*by_observer.values(), strict=True))


def test_textbook_example_with_missing_data() -> None:
    units = _units(TEXTBOOK)
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)
    o = coincidences(units)
    n_c: defaultdict[Any, float] = defaultdict(float)
    for (c, _k), w in o.items():
        n_c[c] += w
    assert {k: round(v, 6) for k, v in n_c.items()} == {1: 9, 2: 13, 3: 10, 4: 5, 5: 3}
    assert o[(1, 1)] == pytest.approx(7) and o[(1, 2)] == pytest.approx(4 / 3)
    assert o[(5, 5)] == pytest.approx(3)


def test_binary_two_observer_example() -> None:
    assert krippendorff_alpha_nominal(_units(BINARY)) == pytest.approx(0.095, abs=5e-4)
    # 6 of 10 units agree: observed agreement is the share of agreeing pairs
    assert observed_agreement(_units(BINARY)) == pytest.approx(0.6)


def test_perfect_agreement_is_one_and_labels_need_not_be_numbers() -> None:
    units = [["power", "power", "power"], ["security", "security"], ["hedonism", None, "hedonism"]]
    assert krippendorff_alpha_nominal(units) == 1.0
    assert observed_agreement(units) == 1.0


def test_systematic_disagreement_is_negative() -> None:
    # o_ab = o_ba = 2, n_a = n_b = 2, n = 4: alpha = 1 - 3 * 4 / 8 = -0.5
    assert krippendorff_alpha_nominal([["a", "b"], ["b", "a"]]) == pytest.approx(-0.5)


def test_undefined_cases_return_none() -> None:
    assert krippendorff_alpha_nominal([]) is None
    assert krippendorff_alpha_nominal([["a"], ["b", None]]) is None  # nothing pairable
    assert krippendorff_alpha_nominal([["a", "a"], ["a", "a"]]) is None  # no variation
    assert observed_agreement([["a", "a"]]) == 1.0


def test_order_of_observers_and_units_does_not_matter() -> None:
    units = _units(TEXTBOOK)
    shuffled = [tuple(reversed(u)) for u in reversed(units)]
    assert krippendorff_alpha_nominal(shuffled) == pytest.approx(krippendorff_alpha_nominal(units))


def _d(item: str, reviewer: str, kind: str, minute: int, **kw: Any) -> Decision:
    return Decision.model_validate({
        "item_id": item, "reviewer": reviewer, "decision": kind,
        "timestamp": f"2026-11-01T10:{minute:02d}:00Z", **kw,
    })


def test_review_agreement_known_answers() -> None:
    options = {
        "i1": ItemOptions({"power": None, "security": "security"}),
        "i2": ItemOptions({"power": "achievement", "hedonism": None}),
        "i3": ItemOptions({"tradition": "tradition"}),
        "i4": ItemOptions({"power": "achievement", "hedonism": "stimulation"}),
    }
    standing = {
        "i1": {"alice": _d("i1", "alice", "accept", 1), "bob": _d("i1", "bob", "accept", 2)},
        "i2": {"alice": _d("i2", "alice", "edit", 3, edits={"relabel": {"power": "achievement"}}),
               "bob": _d("i2", "bob", "reject", 4)},
        "i3": {"alice": _d("i3", "alice", "reject", 5), "bob": _d("i3", "bob", "reject", 6),
               "carol": _d("i3", "carol", "accept", 7)},
        "i4": {"alice": _d("i4", "alice", "edit", 8, edits={"relabel": {"power": "achievement"}})},
    }
    reasons = {"i1": ["audit"], "i2": ["verifier_disagreement"], "i3": ["sensitive"],
               "i4": ["verifier_disagreement"]}
    resolutions = {k: resolve_item(k, v, list(options[k].verified)) for k, v in standing.items()}
    fig = review_agreement(standing, options, reasons, resolutions)
    # accept/reject units [a,a], [a,r], [r,r,a]: o_aa = 2, o_ar = o_ra = 1 + 1, o_rr = 1;
    # n_a = 4, n_r = 3, n = 7: alpha = 1 - 6 * 4 / (2 * 4 * 3) = 0
    assert fig["decision"] == {"alpha": 0.0, "observed_agreement": pytest.approx(3 / 7, abs=1e-4),
                               "units": 3, "values": 7}
    # labels: only i1's two options have two labels each, and they agree
    assert fig["value_labels"] == {"alpha": 1.0, "observed_agreement": 1.0, "units": 2,
                                   "values": 4}
    # approved: i1 (power, security unchanged) and i4 (power -> achievement, hedonism)
    assert fig["llm_vs_human"] == {
        "options": 4,
        "intended_equals_human": 0.75,
        "options_with_verifier": 3,
        "verifier_equals_human": pytest.approx(2 / 3, abs=1e-4),
        "intended_equals_verifier": pytest.approx(1 / 3, abs=1e-4),
    }
    assert fig["accept_rate"] == 0.5
    assert fig["accept_rate_by_reason"] == {
        "audit": {"decided": 1, "accepted": 1, "accept_rate": 1.0},
        "sensitive": {"decided": 1, "accepted": 0, "accept_rate": 0.0},
        "verifier_disagreement": {"decided": 2, "accepted": 1, "accept_rate": 0.5},
    }
    assert fig["conflicts"] == {"items": 2, "decision": 2, "label": 0, "text": 0,
                                "awaiting_adjudication": 1}  # i2 is a tie, i3 has a majority
    assert fig["items_multi_reviewed"] == 3 and fig["items_decided"] == 4
    assert fig["reviewers"] == {"alice": 4, "bob": 3, "carol": 1}
