"""The subreddit and the title as evidence in the advice decision (advice_context)."""

from __future__ import annotations

import pytest

from pipeline.clean.advice import AdviceMatch, AdviceMatcher
from pipeline.clean.advice_context import DEFAULT_ADVICE_SUBREDDITS, title_marker

PROBLEM = (
    "Electrical contractor ran off with my deposit",
    "We paid him 4,000 dollars in March for rewiring the kitchen. He has not shown up since "
    "and stopped answering my calls. The permit was never filed.",
)


@pytest.fixture(scope="module")
def advice() -> AdviceMatcher:
    return AdviceMatcher()


def test_a_problem_in_an_advice_subreddit_is_a_request(advice: AdviceMatcher) -> None:
    legal, upper = advice.match_many([(*PROBLEM, "legaladvice"), (*PROBLEM, "LEGALADVICE")])
    assert legal == AdviceMatch(True, "advice_subreddit", None)
    assert upper.is_advice  # case-insensitive


def test_the_same_post_elsewhere_or_without_a_subreddit_is_not(advice: AdviceMatcher) -> None:
    elsewhere, nowhere = advice.match_many([(*PROBLEM, "ufc"), PROBLEM])
    assert elsewhere.reason == nowhere.reason == "no_advice_request"


def test_the_advice_subreddits_are_configurable() -> None:
    only_ufc = AdviceMatcher(advice_subreddits=["ufc"])
    ufc, legal = only_ufc.match_many([(*PROBLEM, "ufc"), (*PROBLEM, "legaladvice")])
    assert ufc.is_advice
    assert not legal.is_advice
    assert "legaladvice" in DEFAULT_ADVICE_SUBREDDITS


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("UPDATE: my landlord finally returned the deposit", "update"),
        ("[Update] The neighbour and the fence", "update"),
        ("Thank you r/legaladvice, you saved my job", "thanks"),
        ("PSA: check your lease for an automatic renewal clause", "advice_for_others"),
        ("Things I've learned in ten years of renting", "advice_for_others"),
        ("5 tips for your first salary negotiation", "advice_for_others"),
        ("Have you ever had a landlord keep the whole deposit?", "crowd_call"),
        ("Women of Reddit, what was your first job?", "crowd_call"),
        ("Is college really worth it? (Open discussion)", "discussion"),
        ("Screw this job market [rant]", "rant"),
        ("I'm writing a short story and need to know how bail works", "hypothetical"),
        ("Some general advice: rejection isn't personal", "advice_for_others"),
        ("My landlord kept my deposit", None),
        ("Need advice: should I keep renting for now?", None),
        ("Advice: my landlord kept my deposit", None),
        ("Have I been scammed by my landlord?", None),  # the poster's own question
        ("Update my resume or start over?", None),  # "update" as a verb
    ],
)
def test_title_markers(title: str, kind: str | None) -> None:
    assert title_marker(title) == kind


@pytest.mark.parametrize(
    "title",
    [
        "UPDATE: the contractor and my deposit",
        "Thanks everyone for the help with my contractor",
        "PSA: the contractor who ran off with my deposit",
    ],
)
def test_a_marked_title_in_an_advice_subreddit_is_not_a_request(
    advice: AdviceMatcher, title: str
) -> None:
    assert not advice.match_many([(title, PROBLEM[1], "legaladvice")])[0].is_advice


def test_an_update_that_asks_again_is_a_request(advice: AdviceMatcher) -> None:
    body = PROBLEM[1] + " He now says he will sue me for defamation. Should I get a lawyer?"
    assert advice.match_many([("UPDATE: the contractor", body, "legaladvice")])[0].is_advice
