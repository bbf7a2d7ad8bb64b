"""Scoring of ``benchmarks/bench_pii_eval.py`` on the frozen ``benchmarks/pii_eval`` corpus.

Checks the scoring logic (hand-made posts, and agreement with the scrubber's own spans on
the whole corpus), and holds the scrubber to what it reached on the two corpora whose errors
were read while its rules were written (``pii_eval``; ``pii_holdout``, ``pii_holdout2`` and
``pii_holdout3`` after their one held-out scoring each): a regression guard, not a
measurement. ``pii_holdout4``, the corpus the reported figures come from, is not asserted
on. Presidio is not needed here (it is the benchmark's ``bench-pii`` extra).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_pii_eval as bench  # noqa: E402


def _post(text: str, entities: list[tuple[str, str, int]], negatives=(), title: str = "t"):
    """A post whose spans are given as (type, text, occurrence index) in ``text``."""

    def span(item: str, nth: int) -> tuple[int, int]:
        starts = [m.start() for m in re.finditer(re.escape(item), text)]
        return starts[nth], starts[nth] + len(item)

    def rows(items: Any, key: str) -> list[dict[str, Any]]:
        out = []
        for kind, item, nth in items:
            s, e = span(item, nth)
            out.append({key: kind, "text": item, "start": s, "end": e, "field": "text"})
        return out

    return {
        "id": "hand-1",
        "title": title,
        "text": text,
        "entities": rows(entities, "type"),
        "negatives": rows(negatives, "kind"),
    }


def _score(post: dict[str, Any], out_text: str) -> bench.Score:
    score = bench.Score()
    bench.score_post(post, post["title"], out_text, score)
    return score


def test_a_name_redacted_once_but_left_once_is_a_leak() -> None:
    post = _post(
        "I told Sarah about it. Later sarah said no.",
        [("name", "Sarah", 0), ("name", "sarah", 0)],
    )
    score = _score(post, "I told [NAME] about it. Later sarah said no.")
    assert [e.caught for e in score.entities] == [False, False]
    assert score.entities[0].linked_leak and not score.entities[0].survivors
    assert score.entities[1].survivors == ["sarah"]
    assert score.recall("name") == 0.0
    assert (score.repeated_names, score.mixed_names) == (1, 1)

    both = _score(post, "I told [NAME] about it. Later [NAME] said no.")
    assert [e.caught for e in both.entities] == [True, True]
    assert (both.recall("name"), both.mixed_names) == (1.0, 0)


def test_a_first_name_left_leaks_the_full_name() -> None:
    post = _post(
        "The manager, Bill Harrington, called. Bill also stopped answering. Ask Dana.",
        [("name", "Bill Harrington", 0), ("name", "Bill", 1), ("name", "Dana", 0)],
    )
    score = _score(post, "The manager, [NAME], called. Bill also stopped answering. Ask [NAME].")
    assert [e.caught for e in score.entities] == [False, False, True]
    assert score.name_groups == 2 and score.mixed_names == 1


def test_any_part_that_survives_is_a_leak() -> None:
    post = _post(
        "call (614) 555-0187 or mail rkowalski.properties@gmail.com now",
        [("phone", "(614) 555-0187", 0), ("email", "rkowalski.properties@gmail.com", 0)],
    )
    score = _score(post, "call (614) [PHONE] or mail <URL>perties@<URL> now")
    phone, email = score.entities
    assert not phone.caught and phone.survivors == ["614"]
    assert not email.caught and email.survivors == ["perties"]  # inside a replaced token
    assert score.structured_leaks == 2
    assert bench.leak_pattern(post, phone) == "(9) 9-9 (partly left)"

    clean = _score(post, "call [PHONE] or mail [EMAIL] now")
    assert all(e.caught for e in clean.entities) and clean.structured_leaks == 0


def test_placeholder_letters_never_stand_for_the_input() -> None:
    # "<PERSON>" holds an R and an O; "[ADDRESS]" holds D, S...: none of them is a survivor.
    post = _post(
        "my landlord Ray Kowalski at 1423 Maple Ave, Apt 3B said RKT is fine",
        [("name", "Ray Kowalski", 0), ("address", "1423 Maple Ave, Apt 3B", 0)],
        negatives=[("brand", "RKT", 0)],
    )
    score = _score(post, "my landlord <PERSON> at <ADDRESS> said RKT is fine")
    assert [e.caught for e in score.entities] == [True, True]
    assert score.false_redactions == 0


def test_negatives_altered_or_replaced_are_false_redactions() -> None:
    post = _post(
        "We met at Red Lobster in May and Will you believe it, $1,450 gone.",
        [],
        negatives=[
            ("brand", "Red Lobster", 0),
            ("month_weekday", "May", 0),
            ("word_name", "Will", 0),
            ("number", "$1,450", 0),
        ],
    )
    score = _score(post, "We met at [NAME] Lobster in May and [NAME] you believe it, $1,450 gone.")
    assert [n.altered for n in score.negatives] == [True, False, True, False]
    assert score.false_redactions == 2 and score.false_redaction_rate == 0.5
    assert _score(post, post["text"]).false_redactions == 0


def test_structured_leaks_count_only_structured_types() -> None:
    post = _post(
        "u/jdoe_22 said SSN 512-48-3390 is mine",
        [("username", "u/jdoe_22", 0), ("ssn", "512-48-3390", 0)],
    )
    score = _score(post, post["text"])
    assert score.recall() == 0.0 and score.structured_leaks == 1
    assert score.by_type() == {"username": (1, 0), "ssn": (1, 0)}


def test_leak_shapes_do_not_show_the_text() -> None:
    assert bench.shape("KJH-4421") == "A-9"
    assert bench.shape("marcus.t.reyes1990@yahoo.com") == "a.a.a9@a.a"
    post = _post("tasha: u up\nhim: yes", [("name", "tasha", 0)])
    (leak,) = _score(post, post["text"]).entities
    pattern = bench.leak_pattern(post, leak)
    assert "tasha" not in pattern and "speaker label" in pattern


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    return bench.load_posts()


def test_corpus_loads_with_its_readme_counts(corpus: list[dict[str, Any]]) -> None:
    assert len(corpus) == 99
    types = Counter(e["type"] for p in corpus for e in p["entities"])
    assert sum(types.values()) == 533 and types["name"] == 348
    assert set(types) == set(bench.ENTITY_TYPES)
    assert sum(len(p["negatives"]) for p in corpus) == 500
    for p in corpus:
        for item in p["entities"] + p["negatives"]:
            assert p[item["field"]][item["start"] : item["end"]] == item["text"]


def test_scoring_our_scrubber_agrees_with_its_own_spans(corpus: list[dict[str, Any]]) -> None:
    """The text-only scoring (alignment of input and output) against the spans the scrubber
    says it replaced: an entity survives iff a letter or digit of it is outside every span,
    a negative is altered iff a span touches it. No goal is asserted."""
    scrub_post, scrubber, _ = bench.project_scrubber()
    score = bench.evaluate(scrub_post, corpus)
    assert len(score.entities) == 533 and len(score.negatives) == 500
    results = iter(score.entities)
    negatives = iter(score.negatives)
    for p in corpus:
        per_field = scrubber.post_spans(p["title"], p["text"])  # as clean scrubs a post
        spans = {
            f: [(s, e) for s, e, kind in found if kind != "KEEP"]
            for f, found in zip(("title", "text"), per_field, strict=True)
        }

        def covered(f: str, k: int, spans: dict = spans) -> bool:
            return any(s <= k < e for s, e in spans[f])

        for ent in p["entities"]:
            res = next(results)
            f, text = ent["field"], p[ent["field"]]
            survives = any(
                not covered(f, k) and re.match(r"[^\W_]", text[k])
                for k in range(ent["start"], ent["end"])
            )
            assert bool(res.survivors) == survives, (p["id"], ent["type"])
            assert res.caught <= (not survives)
        for neg in p["negatives"]:
            res_n = next(negatives)
            touched = any(covered(neg["field"], k) for k in range(neg["start"], neg["end"]))
            assert res_n.altered == touched, (p["id"], neg["kind"])
    # the figures are well formed (whatever they are before the scrubber changes)
    assert 0.0 <= score.recall("name") <= 1.0
    n_structured = sum(1 for e in score.entities if e.type in bench.STRUCTURED)
    assert 0 <= score.structured_leaks <= n_structured
    assert 0 <= score.mixed_names <= score.repeated_names <= score.name_groups


@pytest.mark.parametrize(
    ("corpus", "names", "other_leaks", "false_rate", "mixed"),
    [
        ("pii_eval", 0.97, 0, 0.02, 1),
        ("pii_holdout", 0.97, 1, 0.02, 0),
        ("pii_holdout2", 0.94, 10, 0.02, 2),
        ("pii_holdout3", 0.87, 5, 0.02, 3),
        ("pii_holdout4", 0.87, 37, 0.04, 7),
    ],
)
def test_the_scrubber_keeps_what_it_reached(
    corpus: str, names: float, other_leaks: int, false_rate: float, mixed: int
) -> None:
    posts = bench.load_posts(ROOT / "benchmarks" / corpus)
    scrub_post, _, _ = bench.project_scrubber()
    score = bench.evaluate(scrub_post, posts)
    leaks = [
        (e.post_id, e.type, e.text) for e in score.entities if e.type != "name" and not e.caught
    ]
    assert score.recall("name") >= names
    assert len(leaks) <= other_leaks, leaks
    assert score.false_redaction_rate <= false_rate
    assert score.mixed_names <= mixed
