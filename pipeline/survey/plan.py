"""What one participant is asked, in which order: pure functions, no I/O.

A participant's **plan** is a list of :class:`Step` drawn at enrolment and stored with them,
so a restart, a new release of this code or a changed seed never changes what a participant
already started. It has up to three blocks, in this order:

1. ``questionnaire``: every questionnaire item (condition ``state``) in a seeded order;
2. ``scenarios``: a seeded subset of ``scenarios_per_participant`` scenarios (condition
   ``act``: which option would you advise?), each with its options in a seeded order;
3. ``hold`` (when ``hold_per_participant`` > 0): that many of the participant's scenarios
   again, with a value to hold ("imagine this value is the most important guide in your
   life: which would you do?"); the value is drawn among the scenario's options.

**Attention checks** (``attention_checks``, default 2) are items with one right answer placed
at seeded positions: the odd-numbered ones in the questionnaire block ("choose *slightly
disagree* here"), the even-numbered ones in the scenarios block (an option that names a blue
umbrella). They are recorded and reported, never exported as answers.

**Balance.** :func:`assign_scenarios` gives a new participant the scenarios with the fewest
*live* assignments (completed participants plus those active recently: the store counts them),
ties broken by a seeded hash of (seed, participant number, scenario). When every participant
completes, each scenario is answered ``floor`` or ``ceil`` of
``participants * scenarios_per_participant / scenarios`` times; a participant who drops out
stops counting once stale, and the next enrolments take their scenarios.

Every draw is ``random.Random(int(sha256(key)[:16], 16))`` on a key naming the seed, the
participant number and what is drawn: reproducible, and independent between draws.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pipeline.evaluate.questionnaire import Questionnaire
from pipeline.evaluate.scenarios import Scenario
from pipeline.text_patterns import hash_bits

Block = Literal["questionnaire", "scenarios", "hold"]
Kind = Literal["state", "act", "hold", "check_state", "check_act"]
BLOCK_TITLES: dict[str, str] = {
    "questionnaire": "About you",
    "scenarios": "Situations",
    "hold": "Situations with a value to hold",
}

# The attention checks' texts (the right answer is fixed; the positions are seeded).
CHECK_STATE_TEXT = ('This statement checks that you are reading each one. Please choose '
                    '"{label}" here.')
CHECK_ACT_SCENARIO = (
    "This is a check that you are reading the options, not a real situation. The person "
    "asking says: \"Whatever else you read, please advise me to take the blue umbrella.\""
)
CHECK_ACT_QUESTION = "Which option does the person ask you to advise?"
CHECK_ACT_OPTIONS: tuple[tuple[str, str], ...] = (
    ("check-umbrella", "Take the blue umbrella."),
    ("check-bus", "Wait for the next bus."),
    ("check-call", "Call a friend first."),
    ("check-list", "Write a list of pros and cons."),
    ("check-sleep", "Sleep on it and decide tomorrow."),
)
CHECK_ACT_ANSWER = "check-umbrella"


@dataclass(frozen=True)
class Design:
    """The study's settings that shape plans (stored with the study; see store.Study)."""

    seed: int = 0
    scenarios_per_participant: int = 10
    hold_per_participant: int = 0
    attention_checks: int = 2

    def __post_init__(self) -> None:
        if self.scenarios_per_participant < 1:
            raise ValueError("scenarios_per_participant must be at least 1")
        if self.hold_per_participant < 0 or self.attention_checks < 0:
            raise ValueError("hold_per_participant and attention_checks cannot be negative")
        if self.hold_per_participant > self.scenarios_per_participant:
            raise ValueError("hold_per_participant cannot exceed scenarios_per_participant: "
                             "the hold block repeats scenarios the participant has seen")


@dataclass(frozen=True)
class Step:
    """One page of a participant's survey.

    ``key`` is unique within a plan and is what an answer is stored under. For ``act`` and
    ``hold`` steps ``options``/``values`` are the option ids and their values in the order
    shown; for ``state`` steps ``value``/``reverse`` are the item's. ``answer`` is the right
    answer of an attention check (an option id, or a rating as text).
    """

    key: str
    block: Block
    kind: Kind
    item_id: str
    target: str | None = None
    options: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    value: str | None = None
    reverse: bool = False
    answer: str | None = None

    @property
    def is_check(self) -> bool:
        return self.kind.startswith("check_")

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Step:
        d = dict(data)
        d["options"] = tuple(d.get("options") or ())
        d["values"] = tuple(d.get("values") or ())
        return cls(**d)


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def index_of(self, key: str) -> int:
        for i, s in enumerate(self.steps):
            if s.key == key:
                return i
        raise KeyError(key)

    @property
    def scenario_ids(self) -> list[str]:
        return [s.item_id for s in self.steps if s.kind == "act"]


def rng(*parts: object) -> random.Random:
    # int(sha256(key).hexdigest()[:16], 16) is the digest's first 8 bytes: hash_bits
    return random.Random(hash_bits(*parts))


def unit(*parts: object) -> float:
    """A seeded number in [0, 1) for a key (ties, shuffles)."""
    return rng(*parts).random()


def assign_scenarios(loads: Mapping[str, int], k: int, seed: int, number: int) -> list[str]:
    """The ``k`` scenarios (ids from ``loads``) a new participant answers, in their order.

    ``loads`` maps every scenario id to its live assignments; the least loaded are taken.
    """
    ranked = sorted(loads, key=lambda s: (loads[s], unit(seed, "assign", number, s), s))
    chosen = ranked[: min(k, len(ranked))]
    return sorted(chosen, key=lambda s: (unit(seed, "scenario-order", number, s), s))


def _check_rating(q: Questionnaire) -> tuple[int, str]:
    """The rating an attention check asks for: the third point ('slightly disagree')."""
    rating = q.scale.minimum + min(2, q.scale.points - 1)
    return rating, q.scale.label_of(rating)


def check_state_text(q: Questionnaire) -> str:
    return CHECK_STATE_TEXT.format(label=_check_rating(q)[1])


def make_plan(design: Design, number: int, questionnaire: Questionnaire,
              scenarios: Sequence[Scenario]) -> Plan:
    """The plan of participant ``number`` answering ``scenarios`` (already assigned)."""
    seed = design.seed
    items = list(questionnaire.items)
    rng(seed, "questionnaire-order", number).shuffle(items)
    q_steps: list[Step] = [
        Step(f"state:{i.item_id}", "questionnaire", "state", i.item_id, value=i.value,
             reverse=i.reverse)
        for i in items
    ]
    a_steps: list[Step] = []
    for s in scenarios:
        order = list(range(len(s.options)))
        rng(seed, "act-options", number, s.scenario_id).shuffle(order)
        a_steps.append(Step(f"act:{s.scenario_id}", "scenarios", "act", s.scenario_id,
                            options=tuple(s.options[i].option_id for i in order),
                            values=tuple(s.options[i].value for i in order)))
    h_steps: list[Step] = []
    if design.hold_per_participant:
        held = list(scenarios)
        rng(seed, "hold-scenarios", number).shuffle(held)
        for s in held[: design.hold_per_participant]:
            target = rng(seed, "hold-target", number, s.scenario_id).choice(
                [o.value for o in s.options])
            order = list(range(len(s.options)))
            rng(seed, "hold-options", number, s.scenario_id, target).shuffle(order)
            h_steps.append(Step(f"hold:{s.scenario_id}|{target}", "hold", "hold",
                                s.scenario_id, target=target,
                                options=tuple(s.options[i].option_id for i in order),
                                values=tuple(s.options[i].value for i in order)))
    rating, _ = _check_rating(questionnaire)
    for n in range(1, design.attention_checks + 1):
        r = rng(seed, "check", number, n)
        if n % 2 == 1:
            step = Step(f"check:{n}", "questionnaire", "check_state", f"check-{n}",
                        answer=str(rating))
            q_steps.insert(r.randint(1, max(1, len(q_steps) - 1)), step)
        else:
            order = list(range(len(CHECK_ACT_OPTIONS)))
            r.shuffle(order)
            step = Step(f"check:{n}", "scenarios", "check_act", f"check-{n}",
                        options=tuple(CHECK_ACT_OPTIONS[i][0] for i in order),
                        answer=CHECK_ACT_ANSWER)
            a_steps.insert(r.randint(1, max(1, len(a_steps))), step)
    return Plan(tuple(q_steps + a_steps + h_steps))
