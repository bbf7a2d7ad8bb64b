"""The offline annotator: a transparent heuristic for demos and tests, never an LLM.

What it does, in full:
- scenario: the poster's own (already scrubbed) sentences, condensed to the first
  ``MAX_SCENARIO_WORDS`` words at a sentence boundary;
- question: the first question sentence of the post that asks for advice, else the title;
- options: one templated action per Schwartz value (fixed sentences written for this
  project, a variant chosen by a hash of post and value), with a relevance score from a
  value cue lexicon counted over the post's words.

Every output carries ``annotator="offline"`` and the ``offline_draft`` review flag, and
the dataset card states that the options are templates, not model output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.text_patterns import hash_bits
from pipeline.values import VALUE_IDS

PROMPT_VERSION = "offline-v1"
ANNOTATOR = "offline"
MAX_SCENARIO_WORDS = 160

# Words that suggest a value is at stake in the post (lower-case prefixes).
VALUE_CUES: dict[str, tuple[str, ...]] = {
    "self_direction": (
        "freedom",
        "independen",
        "my own",
        "choose",
        "decide",
        "creative",
        "on my own",
        "myself",
        "autonom",
        "explore",
        "passion",
        "dream",
    ),
    "stimulation": (
        "adventure",
        "exciting",
        "excite",
        "new",
        "travel",
        "change",
        "bored",
        "challenge",
        "risk",
        "move abroad",
        "thrill",
        "different",
    ),
    "hedonism": (
        "fun",
        "enjoy",
        "pleasure",
        "party",
        "relax",
        "vacation",
        "treat",
        "happy",
        "comfort",
        "festival",
        "concert",
        "free time",
    ),
    "achievement": (
        "career",
        "promotion",
        "succe",
        "goal",
        "degree",
        "ambitio",
        "grade",
        "skill",
        "perform",
        "raise",
        "competit",
        "resume",
    ),
    "power": (
        "status",
        "money",
        "control",
        "boss",
        "respect",
        "prestig",
        "authority",
        "wealth",
        "salary",
        "influence",
        "dominan",
        "in charge",
    ),
    "security": (
        "stable",
        "stability",
        "safe",
        "secure",
        "savings",
        "debt",
        "insurance",
        "risk",
        "job security",
        "emergency fund",
        "rent",
        "health",
    ),
    "conformity": (
        "rules",
        "expected",
        "polite",
        "rude",
        "obey",
        "policy",
        "appropriate",
        "norm",
        "embarrass",
        "should",
        "allowed",
        "manners",
    ),
    "tradition": (
        "tradition",
        "religio",
        "church",
        "culture",
        "custom",
        "heritage",
        "wedding",
        "holiday",
        "family values",
        "ritual",
        "faith",
        "elders",
    ),
    "benevolence": (
        "family",
        "friend",
        "help",
        "support",
        "care",
        "loyal",
        "sister",
        "brother",
        "mom",
        "dad",
        "partner",
        "roommate",
    ),
    "universalism": (
        "fair",
        "justice",
        "environment",
        "equal",
        "everyone",
        "communit",
        "climate",
        "volunteer",
        "charity",
        "tolerance",
        "discriminat",
        "animals",
    ),
}

# Option templates: imperative, concrete enough to act on, and never naming the value.
OPTION_TEMPLATES: dict[str, tuple[str, ...]] = {
    "self_direction": (
        "Decide for yourself what you actually want here and act on your own judgement, "
        "even if others would choose differently.",
        "Take time to work out your own view, then make the call on your own terms rather "
        "than letting others make it for you.",
        "Choose the option that keeps your future in your own hands and lets you shape it "
        "the way you want.",
    ),
    "stimulation": (
        "Treat this as a chance to shake things up: pick the option that brings something "
        "new and challenging into your life.",
        "Go for the bolder path that breaks your routine, even if it is less predictable.",
        "Say yes to the new experience; you can learn from it even if it gets bumpy.",
    ),
    "hedonism": (
        "Pick the path that lets you enjoy your life more right now, and stop giving up "
        "the things that make you happy.",
        "Make room for what you would actually enjoy here instead of doing only what "
        "feels like duty.",
        "Choose the option that leaves you relaxed and content, and treat yourself a bit.",
    ),
    "achievement": (
        "Choose the option that moves your long-term goals forward and shows what you "
        "are capable of.",
        "Put your effort where it will count most for your progress, and aim to do it "
        "better than expected.",
        "Make the decision that builds your skills and track record, even if it is harder.",
    ),
    "power": (
        "Take charge of the situation and make sure you come out of it in the stronger position.",
        "Use the leverage you have to secure the better deal, the bigger role or the final say.",
        "Make the move that raises your standing and gives you more control over what "
        "happens next.",
    ),
    "security": (
        "Pick the safest, most predictable option and avoid anything that puts your "
        "situation at risk.",
        "Protect what you already have first: keep a safety net before you change anything.",
        "Choose the path that keeps your home, money and health on solid ground.",
    ),
    "conformity": (
        "Do what is expected of you here and avoid anything that would upset or "
        "embarrass the people involved.",
        "Follow the rules and the usual etiquette for this situation, even if you would "
        "rather not.",
        "Hold back from acting on impulse; go along with what the others have agreed.",
    ),
    "tradition": (
        "Follow the customs your family or community has always kept, and honour the "
        "way things have been done.",
        "Respect the expectations of your elders and your background when you decide.",
        "Keep to the long-standing practices you were raised with, even if it costs you "
        "something now.",
    ),
    "benevolence": (
        "Put the wellbeing of the people close to you first, even at some cost to yourself.",
        "Be there for the person who depends on you, and choose what helps them most.",
        "Choose the option that keeps your closest relationships strong and shows you "
        "can be counted on.",
    ),
    "universalism": (
        "Do what is fairest for everyone affected, including people outside your own circle.",
        "Consider the wider impact on others and the world, and choose the option that "
        "treats everyone justly.",
        "Stand up for what is right for all the people involved, not only for you and yours.",
    ),
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_ADVICE_Q = re.compile(
    r"\b(should|what do|what would|how do|how can|how should|am i|would it|is it|do i"
    r"|wibta|aita)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class OfflineOption:
    value: str
    text: str
    relevance: float


@dataclass(frozen=True)
class OfflineAnnotation:
    scenario: str
    question: str
    options: tuple[OfflineOption, ...]


def _stable_index(*parts: str, modulo: int) -> int:
    return hash_bits(*parts, nbytes=4) % modulo


def condense(body: str, max_words: int = MAX_SCENARIO_WORDS) -> str:
    """The first sentences of the body, up to ``max_words`` words, cut at a sentence end."""
    sentences = [s.strip() for s in _SENTENCE_END.split(" ".join(body.split())) if s.strip()]
    out: list[str] = []
    n = 0
    for s in sentences:
        w = len(s.split())
        if out and n + w > max_words:
            break
        out.append(s)
        n += w
    text = " ".join(out)
    words = text.split()
    if len(words) > max_words:  # one very long first sentence
        text = " ".join(words[:max_words]) + " ..."
    return text


def extract_question(title: str, body: str) -> str:
    for sentence in _SENTENCE_END.split(" ".join(f"{body} {title}".split())):
        s = sentence.strip()
        if s.endswith("?") and _ADVICE_Q.search(s) and 3 <= len(s.split()) <= 40:
            return s
    t = " ".join(title.split())
    return t if t.endswith("?") else f"{t.rstrip('.')}: what should I do?"


def relevance_scores(text: str) -> dict[str, float]:
    """Cue-lexicon relevance per value in [0.2, 1.0]: 0.2 with no cue, 1.0 with 3 or more."""
    lowered = f" {text.lower()} "
    scores = {}
    for value in VALUE_IDS:
        hits = sum(lowered.count(f" {cue}") for cue in VALUE_CUES[value])
        scores[value] = round(0.2 + 0.8 * min(hits, 3) / 3, 4)
    return scores


def annotate_post(post_id: str, title: str, body: str) -> OfflineAnnotation:
    scores = relevance_scores(f"{title} {body}")
    options = tuple(
        OfflineOption(
            value=v,
            text=OPTION_TEMPLATES[v][_stable_index(post_id, v, modulo=len(OPTION_TEMPLATES[v]))],
            relevance=scores[v],
        )
        for v in VALUE_IDS
    )
    return OfflineAnnotation(condense(body), extract_question(title, body), options)
