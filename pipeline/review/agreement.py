"""Agreement figures for the human review: between reviewers, and between the LLM and humans.

- **Krippendorff's alpha (nominal)**, ``alpha = 1 - D_o / D_e``, computed from the
  coincidence matrix: every unit (an item, or an option of an item) with ``m >= 2``
  values contributes each ordered pair of values from different reviewers with weight
  ``1 / (m - 1)``. With ``n_c`` the marginal of value ``c`` and ``n`` the number of
  pairable values, ``alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k``.
  Units with fewer than two values are not pairable and are left out. When every
  pairable value is the same there is no variation and alpha is undefined (``None``);
  the observed pairwise agreement is reported next to it for that reason.
- on **accept/reject**: units are items with two or more reviewers; an ``edit`` counts
  as an accept.
- on **value labels**: units are the options of items; a reviewer who approved the item
  gives each option a label (a relabel counts as its target, otherwise the intended
  value); dropped options and reviewers who rejected the item give none.
- **LLM vs human**: over the options of items humans approved whose final label is
  settled, the share whose final label equals the value the LLM intended, and, where the
  verifier gave a label, the share equal to the verifier's label.
- **accept rate by queue reason**: over items with a final human decision.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Any

from pipeline.review.decisions import Decision, Resolution

Units = Iterable[Sequence[Hashable | None]]


def coincidences(units: Units) -> dict[tuple[Hashable, Hashable], float]:
    """The coincidence matrix ``o_ck``, as a mapping of ordered value pairs to weights."""
    o: defaultdict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        for a, b in permutations(values, 2):
            o[(a, b)] += 1.0 / (m - 1)
    return dict(o)


def krippendorff_alpha_nominal(units: Units) -> float | None:
    """Krippendorff's alpha for nominal data; ``units`` holds each unit's values (None = missing).

    Returns ``None`` when alpha is undefined: fewer than two pairable values, or no
    variation at all (every pairable value identical).
    """
    o = coincidences(units)
    n_c: defaultdict[Hashable, float] = defaultdict(float)
    for (c, _k), w in o.items():
        n_c[c] += w
    n = sum(n_c.values())
    if n < 2:
        return None
    disagree_observed = sum(w for (c, k), w in o.items() if c != k)
    disagree_expected = n * n - sum(v * v for v in n_c.values())  # sum_{c != k} n_c n_k
    if disagree_expected <= 0:
        return None
    return float(1.0 - (n - 1) * disagree_observed / disagree_expected)


def observed_agreement(units: Units) -> float | None:
    """Share of agreeing pairs among all pairable value pairs (weighted as in alpha)."""
    o = coincidences(units)
    total = sum(o.values())
    if total == 0:
        return None
    return float(sum(w for (c, k), w in o.items() if c == k) / total)


def _figure(units: list[list[Hashable | None]]) -> dict[str, Any]:
    pairable = [u for u in units if sum(v is not None for v in u) >= 2]
    alpha = krippendorff_alpha_nominal(pairable)
    agree = observed_agreement(pairable)
    return {
        "alpha": None if alpha is None else round(alpha, 4),
        "observed_agreement": None if agree is None else round(agree, 4),
        "units": len(pairable),
        "values": sum(sum(v is not None for v in u) for u in pairable),
    }


def _label(d: Decision, value: str) -> str | None:
    """The label reviewer decision ``d`` gives the option whose intended value is ``value``."""
    if d.decision not in ("accept", "edit"):
        return None
    edits = d.edits
    if edits is not None:
        if value in edits.drop:
            return None
        if value in edits.relabel:
            return edits.relabel[value]
    return value


@dataclass(frozen=True)
class ItemOptions:
    """What the annotator produced for an item: intended value -> verifier's label (or None)."""

    verified: Mapping[str, str | None]


def _share(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def review_agreement(
    standing: Mapping[str, Mapping[str, Decision]],
    options: Mapping[str, ItemOptions],
    reasons: Mapping[str, Sequence[str]],
    resolutions: Mapping[str, Resolution],
) -> dict[str, Any]:
    """All the agreement figures, as the ``agreement`` section of ``metrics/review.json``.

    ``standing``: item -> reviewer -> standing decision; ``options``: the annotated options
    of each item; ``reasons``: each item's queue reasons; ``resolutions``: the combined
    decision of each decided item.
    """
    decision_units: list[list[Hashable | None]] = []
    label_units: list[list[Hashable | None]] = []
    multi = 0
    for item, by_reviewer in sorted(standing.items()):
        if item not in options:
            continue
        decs = [by_reviewer[r] for r in sorted(by_reviewer)]
        if len(decs) >= 2:
            multi += 1
            decision_units.append(["reject" if d.decision == "reject" else "accept" for d in decs])
        for value in sorted(options[item].verified):
            label_units.append([_label(d, value) for d in decs])

    # LLM vs human, over settled final labels of approved items.
    n_opts = same_intended = n_verified = same_verified = llm_verifier_same = 0
    for item, res in sorted(resolutions.items()):
        if not res.approved or item not in options:
            continue
        for value, verified in options[item].verified.items():
            final = res.labels.get(value, value)
            if final is None:
                continue
            n_opts += 1
            same_intended += final == value
            if verified is not None:
                n_verified += 1
                same_verified += final == verified
                llm_verifier_same += verified == value

    by_reason: dict[str, dict[str, Any]] = {}
    for item, res in sorted(resolutions.items()):
        for reason in reasons.get(item, ()):
            entry = by_reason.setdefault(reason, {"decided": 0, "accepted": 0})
            entry["decided"] += 1
            entry["accepted"] += int(res.approved)
    for entry in by_reason.values():
        entry["accept_rate"] = _share(entry["accepted"], entry["decided"])
    decided = len(resolutions)
    approved = sum(r.approved for r in resolutions.values())

    conflict_kinds: Counter[str] = Counter()
    for res in resolutions.values():
        conflict_kinds.update(res.conflicts)
    reviewers: Counter[str] = Counter()
    for by_reviewer in standing.values():
        reviewers.update(by_reviewer.keys())
    return {
        "items_decided": decided,
        "items_multi_reviewed": multi,
        "reviewers": dict(sorted(reviewers.items())),
        "decision": _figure(decision_units),
        "value_labels": _figure(label_units),
        "llm_vs_human": {
            "options": n_opts,
            "intended_equals_human": _share(same_intended, n_opts),
            "options_with_verifier": n_verified,
            "verifier_equals_human": _share(same_verified, n_verified),
            "intended_equals_verifier": _share(llm_verifier_same, n_verified),
        },
        "accept_rate": _share(approved, decided),
        "accept_rate_by_reason": dict(sorted(by_reason.items())),
        "conflicts": {
            "items": sum(bool(r.conflicts) for r in resolutions.values()),
            "decision": conflict_kinds["decision"],
            "label": conflict_kinds["label"],
            "text": conflict_kinds["text"],
            "awaiting_adjudication": sum(r.needs_adjudication for r in resolutions.values()),
        },
    }
