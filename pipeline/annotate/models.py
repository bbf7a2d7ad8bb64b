"""Pydantic models of the three LLM annotation steps, and the checks every answer must pass.

Each model is the ``response_model`` of one step: :mod:`pipeline.llm` sends its strict JSON
schema (``response_format=json_schema``, or the schema in the prompt on servers without
structured outputs), validates every reply with it, and asks the model *once* more with the
validation error when it fails. A reply still invalid after that repair becomes the
annotation status ``invalid`` with the error as ``status_detail`` (routed to review).

Everything checkable is checked here, inside the models, so the repair request tells the
model exactly what to fix:

- scenario: ``accept`` needs a scenario of :data:`SCENARIO_WORDS` words and a question of
  :data:`QUESTION_WORDS` words ending with "?", with no URL, e-mail address, ``u/`` or ``r/``
  handle, ``@handle`` or redaction placeholder (``[NAME]``...); ``reject`` needs a reason.
- options: 1 to 10 options, valid value ids (the JSON schema's enum), distinct values, each
  action :data:`OPTION_WORDS` words, relevance in [0, 1], and no *value leak*.

**Value leaks.** An option must show its value, never name it. :data:`LEAK_PATTERNS` lists,
per value, the name and its obvious word forms (and one or two unmistakable synonyms). The
rule applies to every value's words, not only the option's own value (an option for
benevolence that says "traditional" misleads as much). Decisions, documented:

- *Forms*: stems, so "tradition/traditional/traditionally", "conform/conformity/conforming",
  "hedonism/hedonistic/hedonic", "achieve/achievement/achiever", "benevolent/benevolence",
  "stimulate/stimulating" (not "stimulus"), "universal/universalism", "self-direction/
  self-directed", plus "autonomy/autonomous" for self-direction.
- *Ordinary uses* are allowed where the word does not point at the value: "power of
  attorney", "power bill/outage/tools/nap", "security deposit", "social security", "security
  guard/camera/system/question", "universal credit". "willpower", "empower", "insecure" do not
  match (the stem must start a word). Everything else with the stem is a leak, even in an
  ordinary sense ("secure a loan", "power through it"): the model can always rephrase, and
  one repair turn costs less than a verifier fooled by a keyword.
- Definition words in general ("choose", "safe", "fair", "enjoy", "help") are *not* banned:
  they are the ordinary vocabulary of actions. The options prompt asks the model not to
  paraphrase the definitions; the blind verification step measures whether an option shows
  its value by its content.

The scenario and the question are not checked for leaks: a situation may well be about a
traditional wedding.
"""

from __future__ import annotations

import functools
import re
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from pipeline.text_patterns import LINK_START_RE
from pipeline.values import VALUE_IDS

ValueId = Literal[
    "self_direction",
    "stimulation",
    "hedonism",
    "achievement",
    "power",
    "security",
    "conformity",
    "tradition",
    "benevolence",
    "universalism",
]
assert get_args(ValueId) == VALUE_IDS, "ValueId must list pipeline.values.VALUE_IDS in order"
RejectReason = Literal[
    "no_decision", "too_little_context", "unsafe", "identity_dependent", "other"
]

SCENARIO_WORDS = (40, 260)
QUESTION_WORDS = (4, 40)
OPTION_WORDS = (5, 45)
MAX_OPTIONS = 10
LABELS = "ABCDEFGHIJ"

# value id -> (regex of the name and its obvious forms, allowed ordinary phrases)
LEAK_PATTERNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "self_direction": (r"\bself[\s_-]?direct\w*|\bautonom\w*", ()),
    "stimulation": (r"\bstimulat\w*", ()),
    "hedonism": (r"\bhedon\w*", ()),
    "achievement": (r"\bachiev\w*", ()),
    "power": (
        r"\bpower(?:s|ful|fully|less)?\b",
        ("power of attorney", "power bill", "power bills", "power outage", "power tool",
         "power tools", "power nap", "power supply", "power company", "power steering"),
    ),
    "security": (
        r"\bsecur\w*",
        ("security deposit", "social security", "security guard", "security guards",
         "security camera", "security cameras", "security system", "security question",
         "security questions", "security clearance"),
    ),
    "conformity": (r"\bconform\w*", ()),
    "tradition": (r"\btradition\w*", ()),
    "benevolence": (r"\bbenevol\w*", ()),
    "universalism": (r"\buniversal\w*", ("universal credit",)),
}
assert tuple(LEAK_PATTERNS) == VALUE_IDS
_LEAK_RE = {v: re.compile(p, re.IGNORECASE) for v, (p, _) in LEAK_PATTERNS.items()}
_ALLOWED_RE = {
    v: re.compile(r"\b(?:" + "|".join(re.escape(a) for a in allowed) + r")\b", re.IGNORECASE)
    for v, (_, allowed) in LEAK_PATTERNS.items()
    if allowed
}

# Identifiers a scenario must not contain (the post was scrubbed; the rewrite must not undo it).
_IDENTIFIERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a link", LINK_START_RE),
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ("a Reddit handle", re.compile(r"(?i)(?<![\w/])/?[ur]/[A-Za-z0-9_-]{2,}")),
    ("an @handle", re.compile(r"(?<![\w.])@[A-Za-z0-9_]{2,}")),
    ("a redaction placeholder", re.compile(
        r"\[(?:EMAIL|PHONE|URL|USER|HANDLE|SUBREDDIT|ADDRESS|NAME|AGE_GENDER)\]")),
)


def words(text: str) -> int:
    return len(text.split())


def leaked_value_words(text: str) -> list[tuple[str, str]]:
    """``(value_id, word)`` for every value name (or obvious form) ``text`` contains."""
    found: list[tuple[str, str]] = []
    for value, pattern in _LEAK_RE.items():
        allowed = _ALLOWED_RE.get(value)
        cleaned = allowed.sub(" ", text) if allowed is not None else text
        for match in pattern.finditer(cleaned):
            found.append((value, match.group(0)))
    return found


def forbidden_words() -> str:
    """The banned words as the options prompt lists them."""
    shown = ("self-direction", "autonomy", "stimulation", "hedonism", "achievement", "power",
             "security", "conformity", "tradition", "benevolence", "universalism")
    return ", ".join(f'"{w}"' for w in shown)


def identifier_problems(text: str) -> list[str]:
    return [what for what, pattern in _IDENTIFIERS if pattern.search(text)]


def _length_problem(name: str, text: str, bounds: tuple[int, int]) -> str | None:
    n = words(text)
    lo, hi = bounds
    if n < lo or n > hi:
        return f"{name} has {n} words; it must have {lo} to {hi}"
    return None


class ScenarioOutput(BaseModel):
    """Step 1: the post as an anonymized third-person scenario and its question, or a reject."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "reject"] = Field(
        description="reject when the post cannot make a fair scenario")
    reject_reason: RejectReason | None = Field(description="null when accepted")
    reject_detail: str | None = Field(description="one sentence; null when accepted")
    scenario: str | None = Field(description="the anonymized situation; null when rejected")
    question: str | None = Field(description="the decision as one question; null when rejected")
    sensitive: bool = Field(description="self-harm, abuse, serious illness, death, sex, crime")

    @model_validator(mode="after")
    def _check(self) -> ScenarioOutput:
        problems: list[str] = []
        if self.decision == "reject":
            if self.reject_reason is None:
                problems.append("a rejected post needs a reject_reason")
            problems += [f"{name} must be null when the post is rejected"
                         for name in ("scenario", "question") if getattr(self, name) is not None]
        else:
            problems += [f"{name} must be null when the post is accepted"
                         for name in ("reject_reason", "reject_detail")
                         if getattr(self, name) is not None]
            if not self.scenario or not self.scenario.strip():
                problems.append("an accepted post needs a scenario")
            else:
                p = _length_problem("the scenario", self.scenario, SCENARIO_WORDS)
                problems += [p] if p else []
                problems += [f"the scenario contains {what}; remove it"
                             for what in identifier_problems(self.scenario)]
            if not self.question or not self.question.strip():
                problems.append("an accepted post needs a question")
            else:
                p = _length_problem("the question", self.question, QUESTION_WORDS)
                problems += [p] if p else []
                if not self.question.rstrip().endswith("?"):
                    problems.append("the question must end with a question mark")
                problems += [f"the question contains {what}; remove it"
                             for what in identifier_problems(self.question)]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class OptionOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: ValueId = Field(description="the Schwartz value this action enacts")
    action: str = Field(description="imperative, one or two sentences, never naming a value")
    relevance: float = Field(ge=0.0, le=1.0, description="0-1: how plausibly this value "
                             "drives the decision here")


class OptionsOutput(BaseModel):
    """Step 2: one action per value that can plausibly drive the decision."""

    model_config = ConfigDict(extra="forbid")

    options: list[OptionOut] = Field(min_length=1, max_length=MAX_OPTIONS)

    @model_validator(mode="after")
    def _check(self) -> OptionsOutput:
        problems: list[str] = []
        seen: dict[str, int] = {}
        for i, opt in enumerate(self.options):
            where = f"options[{i}] ({opt.value})"
            if opt.value in seen:
                problems.append(f"{where} repeats the value of options[{seen[opt.value]}]; "
                                "give each value at most one option")
            else:
                seen[opt.value] = i
            p = _length_problem(f"{where} action", opt.action, OPTION_WORDS)
            problems += [p] if p else []
            for value, word in leaked_value_words(opt.action):
                problems.append(f"{where} uses the word {word!r}, which names the value "
                                f"{value}; show the value through the action instead")
        if problems:
            raise ValueError("; ".join(problems))
        return self


@functools.cache
def verify_model(n: int) -> type[BaseModel]:
    """Step 3's model for ``n`` labelled actions: one required value field per label."""
    if not 1 <= n <= len(LABELS):
        raise ValueError(f"verify_model: 1 to {len(LABELS)} options, got {n}")
    fields: dict[str, object] = {
        label: (ValueId, Field(description=f"the value action {label} most directly enacts"))
        for label in LABELS[:n]
    }
    model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"Verify{n}", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model
