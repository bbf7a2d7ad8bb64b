"""Scripted respondents for the local OpenAI-compatible server (``openai_server.py``).

A respondent reads the evaluation prompts (``pipeline.evaluate.conditions``) the way a
model would, but answers by a fixed policy whose true profile is known, so tests can check
that the harness recovers it. It knows the value of every option text and questionnaire
statement from the maps it is given (the test builds them from the dataset and the
questionnaire).

Answers come in rotating formats ("B", "(b)", "Option B", JSON, the option's text, ...),
picked by a hash of the prompt, so parsing is exercised on every run.

Use several at once with :class:`Router`, which dispatches on the request's ``model``::

    server.responder = Router({"benevolent": Benevolent(maps), "consistent": ...})
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.evaluate.conditions import ACT_ASK, HOLD_SYSTEM, SELECT_ASK, STATE_INTRO
from pipeline.values import VALUE_IDS, VALUES
from servers.openai_server import Answer

LABEL_TO_ID = {v.label: v.id for v in VALUES}
_OPTION = re.compile(r"^([A-Z])\. (.+)$", re.MULTILINE)
_VALUE = re.compile(r"^Value: ([^:]+):", re.MULTILINE)
_STATEMENT = re.compile(r'^"(.+)"$', re.MULTILINE)
_POINT = re.compile(r"^(\d) = (.+)$", re.MULTILINE)

CHOICE_FORMATS = (
    "{L}",
    "({l})",
    "Option {L}",
    '{{"choice": "{L}"}}',
    "{text}",
    "**{L}**",
    "I would choose {L}.",
    "{L}. {text}",
)
RATING_FORMATS = ("{r}", "{r}/{hi}", '{{"rating": {r}}}', "Rating: {r}", "{label}")


@dataclass(frozen=True)
class Prompt:
    condition: str
    key: str  # hash of the messages
    options: tuple[tuple[str, str], ...] = ()  # (letter, text) as presented
    target: str | None = None
    statement: str | None = None
    points: tuple[tuple[int, str], ...] = ()


def read_prompt(body: Mapping[str, Any]) -> Prompt:
    messages = body.get("messages") or []
    system = "\n".join(m["content"] for m in messages if m.get("role") == "system")
    user = "\n".join(m["content"] for m in messages if m.get("role") == "user")
    key = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()
    if STATE_INTRO in user:
        statement = _STATEMENT.search(user)
        return Prompt("state", key, statement=statement.group(1) if statement else None,
                      points=tuple((int(n), label) for n, label in _POINT.findall(user)))
    options = tuple(_OPTION.findall(user))
    value = _VALUE.search(system or user)
    target = LABEL_TO_ID.get(value.group(1)) if value else None
    if HOLD_SYSTEM in system:
        return Prompt("hold", key, options, target)
    if SELECT_ASK in user:
        return Prompt("select", key, options, target)
    if ACT_ASK in user:
        return Prompt("act", key, options)
    return Prompt("unknown", key)


@dataclass
class Maps:
    """What a respondent knows: option text -> value, statement -> value."""

    option_values: dict[str, str]
    statement_values: dict[str, str]


@dataclass
class Scripted:
    """Base policy: override ``act``, ``select``, ``hold``, ``rate``."""

    maps: Maps
    seen: Counter[str] = field(default_factory=Counter)  # prompts answered, per condition
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- policy (indices into the offered values) ------------------------------------------

    def act(self, offered: Sequence[str]) -> int:
        return 0

    def select(self, target: str, offered: Sequence[str]) -> int:
        return list(offered).index(target)

    def hold(self, target: str, offered: Sequence[str]) -> int:
        return list(offered).index(target)

    def rate(self, value: str) -> int:
        return 3

    def garble(self, prompt: Prompt) -> str | Answer | None:
        """Return a reply to send instead of a proper answer (None: answer properly)."""
        return None

    # -- plumbing --------------------------------------------------------------------------

    def __call__(self, body: Mapping[str, Any]) -> str | Answer:
        prompt = read_prompt(body)
        with self.lock:
            self.seen[prompt.condition] += 1
        garbled = self.garble(prompt)
        if garbled is not None:
            return garbled
        fmt_pick = int(prompt.key[:8], 16)
        if prompt.condition == "state":
            assert prompt.statement is not None, "no statement in the state prompt"
            value = self.maps.statement_values[prompt.statement]
            r = self.rate(value)
            labels = dict(prompt.points)
            fmt = RATING_FORMATS[fmt_pick % len(RATING_FORMATS)]
            hi = max(labels) if labels else 6
            return fmt.format(r=r, hi=hi, label=labels.get(r, str(r)))
        offered = [self.maps.option_values[text] for _, text in prompt.options]
        if prompt.condition == "act":
            idx = self.act(offered)
        elif prompt.condition == "select":
            assert prompt.target is not None
            idx = self.select(prompt.target, offered)
        elif prompt.condition == "hold":
            assert prompt.target is not None
            idx = self.hold(prompt.target, offered)
        else:
            return "I do not understand the question."
        letter, text = prompt.options[idx]
        fmt = CHOICE_FORMATS[fmt_pick % len(CHOICE_FORMATS)]
        return fmt.format(L=letter, l=letter.lower(), text=text)


@dataclass
class Benevolent(Scripted):
    """Picks benevolence whenever offered, else the first option.

    Questionnaire: benevolence items 6, power items 1, everything else 3. Select: right,
    except that asked for universalism it picks benevolence when offered. Hold: right,
    except that told to hold power it still picks benevolence (if offered, else the first
    option that is not power).
    """

    def act(self, offered: Sequence[str]) -> int:
        return offered.index("benevolence") if "benevolence" in offered else 0

    def rate(self, value: str) -> int:
        return {"benevolence": 6, "power": 1}.get(value, 3)

    def select(self, target: str, offered: Sequence[str]) -> int:
        if target == "universalism" and "benevolence" in offered:
            return list(offered).index("benevolence")
        return list(offered).index(target)

    def hold(self, target: str, offered: Sequence[str]) -> int:
        if target == "power":
            if "benevolence" in offered:
                return list(offered).index("benevolence")
            return next(i for i, v in enumerate(offered) if v != "power")
        return list(offered).index(target)


# A ranking of the ten values (most important first) for the profile respondents.
RANKING = ("universalism", "benevolence", "self_direction", "security", "achievement",
           "conformity", "hedonism", "stimulation", "tradition", "power")
# What the choice rule below implies: with 5 of the 10 values offered at random, the value
# ranked k is picked with probability C(10-k, 4) / C(9, 4) = 1, .56, .28, .12, .04, .01,
# 0, 0, 0, 0; its rating is 1 + 5 p, rounded.
RANK_RATINGS = (6, 4, 2, 2, 1, 1, 1, 1, 1, 1)


@dataclass
class Consistent(Scripted):
    """Says what it does: picks the offered value ranked highest in ``RANKING`` and rates
    each value by how often that rule picks it (``RANK_RATINGS``). Select and hold are
    always right."""

    ranking: tuple[str, ...] = RANKING

    def act(self, offered: Sequence[str]) -> int:
        return min(range(len(offered)), key=lambda i: self.ranking.index(offered[i]))

    def rate(self, value: str) -> int:
        return RANK_RATINGS[self.ranking.index(value)]


@dataclass
class Contrarian(Consistent):
    """Acts like :class:`Consistent` but states the mirror image of its ratings (7 - r):
    what it says is the opposite of what it does."""

    def rate(self, value: str) -> int:
        return 7 - RANK_RATINGS[self.ranking.index(value)]


GARBLED = ("I'd rather not pick just one of these.", "A or B, depending on the details.",
           "It depends on what matters most to them.", "")


@dataclass
class Flaky(Consistent):
    """:class:`Consistent`, but every prompt whose hash is 0 mod ``every`` gets an answer
    that points at no single option or rating; those prompts are recorded in ``garbled``."""

    every: int = 4
    garbled: set[str] = field(default_factory=set)

    def garble(self, prompt: Prompt) -> str | None:
        h = int(prompt.key[:8], 16)
        if h % self.every:
            return None
        with self.lock:
            self.garbled.add(prompt.key)
        return GARBLED[(h // self.every) % len(GARBLED)]


class Router:
    """Dispatch requests to respondents by ``body["model"]``; counts requests per model."""

    def __init__(self, respondents: Mapping[str, Scripted]) -> None:
        self.respondents = dict(respondents)
        self.requests: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, body: Mapping[str, Any]) -> str | Answer:
        model = str(body.get("model"))
        with self.lock:
            self.requests[model] += 1
        respondent = self.respondents.get(model)
        if respondent is None:
            return Answer(status=404, error_message=f"The model `{model}` does not exist",
                          error_code="model_not_found")
        return respondent(body)


def value_maps(scenarios: Sequence[Any], items: Sequence[Any]) -> Maps:
    """Maps from evaluate ``Scenario`` objects and questionnaire ``Item`` objects."""
    options: dict[str, str] = {}
    for s in scenarios:
        for o in s.options:
            if options.setdefault(o.text, o.value) != o.value:
                raise ValueError(f"option text used for two values: {o.text!r}")
    statements = {i.text: i.value for i in items}
    assert set(statements.values()) <= set(VALUE_IDS)
    return Maps(options, statements)
