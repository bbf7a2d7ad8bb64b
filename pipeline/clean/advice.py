"""Does a post ask for advice about the poster's own situation? Rule-based, with spaCy.

``AdviceMatcher`` is built once on ``spacy.blank("en")`` with the lookup lemmatizer from
spacy-lookups-data (fully offline; no pretrained pipeline needed). Title and body are
lower-cased (the lookup tables are keyed by lower-case forms), age/gender tags such as
``(25F)`` are removed, and the two are joined into one ``Doc`` on which a spaCy ``Matcher``
runs token rules over ``LOWER`` and ``LEMMA``.

Decision, in order (first that applies):

1. a strong meta marker in the title (``[META]``, "mod post", "megathread", "weekly thread",
   "rules reminder"...) -> ``meta_post``;
2. a survey/poll recruitment marker anywhere ("fill out my survey", "survey for my class",
   "research study", "participants needed", a Google Forms/SurveyMonkey/strawpoll link,
   Reddit's "View Poll"), or a title that starts with "Poll"/"Survey" -> ``poll_or_survey``;
3. a positive rule (see :data:`RULES`) whose guards pass -> advice, the rule is recorded;
   when the title announces something that is not a request
   (:func:`pipeline.clean.advice_context.title_marker`: update, thanks, advice for others,
   crowd call, discussion, rant, hypothetical), rules that do not name the poster are
   skipped, and after advice-for-others, discussion or hypothetical titles no rule counts;
4. a first-person question: a clause ending in "?" that opens like a question (should, can,
   is, how, what... but not "why") and has I/me/my/we in it -> advice,
   rule ``first_person_question`` (not after thanks/advice-for-others/discussion/
   hypothetical titles);
5. ``meta_post`` when the title talks about the sub or its moderators ("this sub", "the
   mods"...) or the body holds a strong meta marker; ``poll_or_survey`` when the title says
   "survey", "poll" or "questionnaire";
6. when the title announces nothing: in an advice subreddit (``advice_subreddits``), a post
   with at least three first-person words -> advice, rule ``advice_subreddit``; anywhere, a
   question not put to the crowd ("you", "anyone", "people"...) in a post whose tokens are at
   least 4% first-person words -> advice, rule ``question_about_own_situation``;
7. otherwise ``no_advice_request`` (rants, stories, news, questions about other people).

Guards that keep the rules honest:

* rules that do not name the poster (``what_would_you_do``, ``need_advice``, ``torn_between``,
  ``is_it_wrong``...) need at least two first-person words (I, me, my, we...) outside the
  match, so "What would you do if you won the lottery?" or a question about a celebrity is
  not advice about the poster's own situation;
* "why should I...", "why do I..." (rhetorical), "nor/neither/never/only do I" (inversion in
  a statement) do not count; "I don't need advice" does not count as asking for it;
* "AITA" right after "r/" is a mention of the subreddit, not a question;
* choice questions ("stay or leave", "take the offer or stay?") and "would you take..." need
  to be in the title or in a clause that ends with "?"; "take it or leave it" is an idiom.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from pipeline.clean.advice_context import (
    DEFAULT_ADVICE_SUBREDDITS,
    NO_RULE_MARKERS,
    STRONG_MARKERS,
    is_advice_subreddit,
    title_marker,
)
from pipeline.clean.token_patterns import Pattern
from pipeline.clean.token_patterns import gap as _any
from pipeline.clean.token_patterns import lem as _lem
from pipeline.clean.token_patterns import w as _w

__all__ = [
    "AdviceMatch",
    "AdviceMatcher",
    "FIRST_PERSON",
    "RULES",
    "blank_english",
    "expand_first",
    "prepare_text",
]


NO_ADVICE = "no_advice_request"
META_POST = "meta_post"
POLL = "poll_or_survey"
FALLBACK_RULE = "first_person_question"
SUBREDDIT_RULE = "advice_subreddit"
PRIOR_MIN_FP = 3
QUESTION_MIN_FP_SHARE = 0.04
QUESTION_RULE = "question_about_own_situation"

FIRST_PERSON = frozenset(
    {"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"}
)
_NEGATORS = frozenset({"not", "n't", "nt", "no", "never", "dont", "without"})
_INVERSION = frozenset({"why", "nor", "neither", "never", "only", "rarely", "seldom", "hardly"})
_QUESTION_OPENERS = frozenset(
    {
        "should", "shall", "can", "could", "would", "will", "do", "does", "did", "is", "am",
        "are", "was", "were", "has", "have", "had", "may", "might", "must", "how", "what",
        "which", "where", "when", "who", "whom", "whose", "whats", "hows", "wwyd",
    }
)  # fmt: skip
_CLAUSE_FILLERS = frozenset(
    {
        "so", "but", "and", "or", "ok", "okay", "also", "anyway", "anyways", "now", "well",
        "like", "basically", "honestly", "seriously", "then", "tl;dr", "tldr", "question",
        "q", ",", ":", "-", "--", '"', "'", "(", "[", "*", "…", "lol", "edit", "help",
    }
)  # fmt: skip
_OTHER_SUBJECTS = frozenset(
    {
        "you", "your", "u", "ur", "yall", "y'all", "anyone", "anybody", "someone", "somebody",
        "people", "women", "men", "ladies", "guys", "everyone", "everybody", "he", "she",
        "they", "his", "her", "their", "redditors", "one",
    }
)  # fmt: skip
_CROWD_WORDS = frozenset(
    {"you", "your", "yours", "yourself", "yourselves", "u", "ur", "yall", "y'all", "anyone",
     "anybody", "someone", "somebody", "everyone", "everybody", "people", "guys", "ladies",
     "redditors", "reddit", "others", "folks"}
)  # fmt: skip
_INVERSION_RULES = frozenset({"should_i", "should_we", "do_i_verb", "how_do_i", "how_should_i"})
_BOUNDARIES = frozenset({".", "!", "?", "…", "...", ";"})

_AGE_TAG_RE = re.compile(
    r"[(\[]\s*(?:\d{1,2}\s*[/,-]?\s*(?:[mf]|nb|ftm|mtf|trans\s*[mf])|"
    r"(?:[mf]|nb)\s*[/,-]?\s*\d{1,2}|\d{1,2})\s*[)\]]",
    re.IGNORECASE,
)
_POLL_URL_RE = re.compile(
    r"forms\.gle/|docs\.google\.com/forms|forms\.office\.com|surveymonkey\.|qualtrics\.|"
    r"strawpoll\.|typeform\.com|reddit\.com/poll/|\bview poll\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AdviceMatch:
    """Outcome of :meth:`AdviceMatcher.match_many` for one post.

    ``rule`` names the positive rule that matched (when ``is_advice``); ``reason`` is one of
    ``no_advice_request``, ``meta_post``, ``poll_or_survey`` (when not).
    """

    is_advice: bool
    rule: str | None = None
    reason: str | None = None


# --------------------------------------------------------------------------- shared helpers


# Words after "AITA"/"WIBTA" that make it the name of the subreddit or its genre.
_ACRONYM_AS_NOUN = frozenset(
    {"post", "posts", "sub", "subreddit", "thread", "threads", "story", "stories", "reddit",
     "community", "comments", "comment", "mods", "users", "meme", "memes", "format", "style",
     "content", "crowd", "people", "judgement", "judgment", "verdict", "verdicts", "rules"}
)  # fmt: skip


def blank_english() -> Language:
    """``spacy.blank("en")`` with the lookup lemmatizer (spacy-lookups-data), initialized."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def prepare_text(title: str, body: str) -> tuple[str, int]:
    """Lower-cased ``title + "\\n\\n" + body`` without age tags; returns (text, title length)."""
    title = _clean(title)
    body = _clean(body)
    text = f"{title}\n\n{body}" if body else title
    return text, len(title)


def _clean(text: str) -> str:
    text = (text or "").replace("\u2019", "'").replace("\u2018", "'").lower()
    return _AGE_TAG_RE.sub(" ", text)


def clause_bounds(doc: Doc | Span, i: int) -> tuple[int, int]:
    """Token range (start, end) of the clause around token ``i``: between sentence
    punctuation (``. ! ? ; …``) or line breaks."""
    start = i
    while start > 0 and not _is_boundary(doc[start - 1]):
        start -= 1
    end = i
    while end < len(doc) and not _is_boundary(doc[end]):
        end += 1
    return start, min(end + 1, len(doc))


def _is_boundary(tok: Any) -> bool:
    return tok.text in _BOUNDARIES or (tok.is_space and "\n" in tok.text)


# --------------------------------------------------------------------------- patterns


def expand_first(patterns: Iterable[Pattern]) -> list[Pattern]:
    """Split patterns whose first token is ``{"LOWER"|"LEMMA": {"IN": [...]}}`` into one
    pattern per value. Same matches, but spaCy's Matcher checks a plain first-token value in
    C while an ``IN`` set costs a Python predicate call at every token of every document
    (this makes the matcher several times faster)."""
    out: list[Pattern] = []
    for pattern in patterns:
        first = pattern[0]
        keys = set(first) - {"OP"}
        if "OP" not in first and len(keys) == 1:
            (attr,) = keys
            value = first[attr]
            if isinstance(value, dict) and set(value) == {"IN"}:
                out.extend([{attr: v}, *pattern[1:]] for v in value["IN"])
                continue
        out.append(pattern)
    return out


_SUBJ = ("i", "we")
_YOU = ("you", "u", "ya", "yall", "y'all")
_ADV = ("really", "still", "even", "actually", "ever", "best", "possibly", "just", "too", "so",
        "that", "properly", "politely", "nicely", "gently", "finally", "now")  # fmt: skip
_JUDGE = (
    "wrong", "okay", "ok", "alright", "bad", "selfish", "rude", "unreasonable", "fair",
    "unfair", "acceptable", "petty", "weird", "inappropriate", "mean", "immoral", "unethical",
    "crazy", "stupid", "dumb", "worth", "unprofessional", "cruel", "disrespectful", "fine",
    "creepy", "entitled", "hypocritical", "irresponsible", "childish", "illegal", "legal",
)  # fmt: skip
_HOW_VERBS = (
    "tell", "deal", "handle", "approach", "get", "convince", "stop", "know", "talk", "ask",
    "cope", "respond", "explain", "break", "make", "help", "fix", "say", "confront",
    "navigate", "let", "bring", "support", "move", "forgive", "overcome", "find", "go",
    "keep", "react", "reply", "apologize", "apologise", "prepare", "decide", "choose",
    "balance", "manage", "avoid", "start", "repair", "rebuild", "word", "express",
    "reconnect", "end", "leave", "quit", "save", "pay", "gain", "become", "be", "stand",
    "set", "turn", "win", "earn", "show", "reach", "handle", "encourage", "persuade", "ensure",
    "protect", "prove", "trust", "heal", "accept", "learn", "afford", "survive", "cut",
)  # fmt: skip
_DO_VERBS = (
    "tell", "stay", "leave", "quit", "take", "accept", "confront", "say", "go", "break",
    "report", "keep", "move", "ask", "let", "forgive", "call", "text", "reach", "apologize",
    "apologise", "sell", "buy", "cut", "continue", "wait", "give", "invite", "end", "cancel",
    "return", "reply", "respond", "pay", "sign", "try", "push", "drop", "choose", "pick",
    "reject", "decline", "bring", "talk", "ghost", "block", "propose",
    "marry", "divorce", "attend", "skip", "lie", "admit", "forget", "ignore", "follow", "do",
)  # fmt: skip
_CHOICE = (
    "stay", "quit", "leave", "move", "accept", "take", "go", "keep", "sell", "buy", "rent",
    "decline", "reject", "wait", "continue", "stick", "tell", "confront", "ignore", "forgive",
    "report", "lease", "finish", "drop", "transfer", "switch", "break", "divorce", "return",
)  # fmt: skip
_ADVICE_NOUNS = (
    "advice", "advise", "tip", "tips", "suggestion", "suggestions", "opinion", "opinions",
    "input", "perspective", "perspectives", "guidance", "insight", "insights", "feedback",
    "recommendation", "recommendations", "thoughts", "idea", "ideas",
)  # fmt: skip
_ADVICE_FILLERS = (
    "some", "any", "your", "an", "a", "little", "honest", "serious", "outside", "objective",
    "good", "genuine", "urgent", "unbiased", "third", "party", "third-party", "quick", "real",
    "other", "people's", "peoples", "reddit's", "of", "external", "fresh", "more", "much",
    "desperate", "desperately", "really", "badly", "genuinely", "neutral", "sincere",
)  # fmt: skip
_WRONG_SELF = (
    "unreasonable", "selfish", "petty", "mean", "rude", "dramatic", "entitled", "irrational",
    "childish", "stupid", "dumb", "paranoid", "crazy", "insensitive", "overdramatic",
    "oversensitive", "ridiculous", "controlling", "jealous", "toxic", "manipulative",
)  # fmt: skip
_BAD_ROLE = ("person", "friend", "mom", "mother", "dad", "father", "parent", "partner",
             "boyfriend", "girlfriend", "wife", "husband", "son", "daughter", "sister",
             "brother", "employee", "boss", "roommate", "human")  # fmt: skip


@dataclass(frozen=True)
class Rule:
    """A named advice rule: ``anchored`` when the match itself names the poster (I/we/me)."""

    name: str
    anchored: bool
    patterns: tuple[Pattern, ...]
    needs_question: bool = False  # title, or a clause that ends with "?"


def _rules() -> tuple[Rule, ...]:
    adv = _w(*_ADV, op="?")
    of_me = [_w("of", "for", op="?"), _w("me", "us", op="?")]
    return (
        Rule("should_i", True, ([_w("should", "shall", "shld", "shd"), _w("i")],)),
        Rule("should_we", True, ([_w("should", "shall"), _w("we")],)),
        Rule(
            "think_i_should",
            True,
            (
                [_w("do", "would"), _w(*_YOU), _w("guys", "all", op="?"), _w("think"),
                 _w("that", op="?"), _w(*_SUBJ), _w("should", "ought", "need", "have")],
            ),
        ),  # fmt: skip
        Rule(
            "what_should_i_do",
            True,
            (
                [_w("what"), _w("should", "do", "can", "shall", "would"), _w(*_SUBJ), adv,
                 _w("do")],
                [_w("what"), _w("am", "are"), _w(*_SUBJ), _w("supposed"), _w("to"), _w("do")],
            ),
        ),  # fmt: skip
        Rule(
            "what_would_you_do",
            False,
            (
                [_w("what"), _w("would", "should", "will"), _w(*_YOU),
                 _w("guys", "all", "people", "folks", "lot", op="?"), _w("do", "have")],
                [_w("wwyd")],
                [_w("what"), _w("would", "do"), _w(*_YOU), _w("recommend", "suggest", "advise")],
            ),
        ),  # fmt: skip
        Rule(
            "aita",
            True,
            (
                [_w("aita", "aitah", "aitaf", "amita")],
                [_w("am"), _w("i"), _w("the", "an", "a"), _w("asshole", "ahole", "arsehole",
                                                         "jerk", "villain", "idiot")],
                [_w("am"), _w("i"), _w("the"), _w("a"), _w("-"), _w("hole")],
                [_w("am"), _w("i"), _w("the"), _w("bad"), _w("guy", "one", "person")],
            ),
        ),  # fmt: skip
        Rule(
            "wibta",
            True,
            (
                [_w("wibta", "wibtah", "wbta", "witb")],
                [_w("would"), _w("i"), _w("be"), _w("the", "an", "a"),
                 _w("asshole", "ahole", "arsehole", "jerk", "villain")],
                [_w("would"), _w("i"), _w("be"), _w("the"), _w("bad"), _w("guy", "one")],
            ),
        ),  # fmt: skip
        Rule(
            "am_i_wrong",
            True,
            (
                [_w("am"), _w("i"), _w("wrong")],
                [_w("am"), _w("i"), _w("in"), _w("the"), _w("wrong")],
                [_w("am"), _w("i"), _w("being", op="?"), adv, _w(*_WRONG_SELF)],
                [_w("am"), _w("i"), _w("a"), _w("bad", "terrible", "horrible", "awful"),
                 _w(*_BAD_ROLE)],
                [_w("was"), _w("i"), _w("wrong", "rude", "unreasonable", "selfish", "mean")],
                [_w("am"), _w("i"), _w("the"), _w("problem")],
            ),
        ),  # fmt: skip
        Rule(
            "am_i_overreacting",
            True,
            (
                [_w("am", "was"), _w("i"), _w("being", op="?"),
                 _w("overreacting", "overthinking", "over-reacting", "oversensitive",
                    "underreacting")],
                [_w("am", "was"), _w("i"), _w("over", "under"), _w("-", op="?"),
                 _w("reacting", "thinking")],
                [_w("am", "was"), _w("i"), _w("being", op="?"), _w("too"),
                 _w("sensitive", "dramatic", "harsh", "picky", "emotional", "needy", "clingy")],
            ),
        ),  # fmt: skip
        Rule(
            "need_advice",
            False,
            (
                [_lem("need", "want", "seek", "look", "ask", "appreciate", "welcome",
                      "request", "search", "beg"),
                 _w("for", "out", op="?"), _w(*_ADVICE_FILLERS, op="{0,3}"),
                 _w(*_ADVICE_NOUNS)],
                [_w("need"), _w(*_ADVICE_FILLERS, op="{0,3}"), _w("help")],
                [_w(*_ADVICE_NOUNS), _w("needed", "wanted", "required", "appreciated",
                                        "welcome", "welcomed", "please", "pls", "plz", "pleaseee",
                                        "requested", "sought")],
                [_w("any", "some"), _w("advice", "tips", "suggestions", "recommendations",
                                       "insight", "insights", "guidance", "input", "help")],
                [_w("please", "pls", "plz"), _w("advise", "help")],
                [_w("advise", "help"), _w("me"), _w("please", "pls", "plz")],
                [_w("advice"), {"ORTH": "?"}],
            ),
        ),  # fmt: skip
        Rule(
            "how_do_you_cope",
            False,
            (
                [_w("how"), _w("do", "can", "would", "should"), _w("you", "u", "one"), adv,
                 _lem("deal", "cope", "handle", "approach", "stop", "overcome", "forgive",
                      "respond", "react", "manage", "avoid", "balance", "decide", "confront",
                      "tell", "get", "move", "let", "keep", "prepare", "fix", "survive")],
            ),
        ),  # fmt: skip
        Rule("how_should_i", True, ([_w("how"), _w("should", "shall"), _w(*_SUBJ)],)),
        Rule(
            "how_do_i",
            True,
            (
                [_w("how"), _w("do", "can", "would", "could", "will"), _w(*_SUBJ), adv,
                 _lem(*_HOW_VERBS)],
                [_w("how"), _w("to"), _w("deal", "handle", "cope", "approach", "tell",
                                         "confront", "respond", "react"),
                 _any(4), {"ORTH": "?"}],
            ),
        ),  # fmt: skip
        Rule(
            "is_it_wrong",
            False,
            (
                [_w("is", "was"), _w("it"), adv, _w(*_JUDGE), *of_me,
                 _w("to", "if", "that", "for")],
                [_w("is", "was"), _w("it"), _w("a"), adv,
                 _w("bad", "good", "dumb", "stupid", "terrible", "smart", "wise", "mistake",
                    "horrible", "red"),
                 _w("idea", "move", "decision", "flag", "thing", "choice", op="?"),
                 _w("to", "if", "that")],
            ),
        ),  # fmt: skip
        Rule(
            "would_it_be_wrong",
            False,
            (
                [_w("would", "will", "wouldn't"), _w("it"), _w("be"), adv, _w(*_JUDGE), *of_me,
                 _w("to", "if", "that", "for")],
                [_w("would", "will"), _w("it"), _w("be"), _w("a"), adv,
                 _w("bad", "good", "dumb", "stupid", "terrible", "smart", "wise", "mistake"),
                 _w("idea", "move", "decision", "thing", "choice", op="?"),
                 _w("to", "if", "that")],
                [_w("would"), _w("i"), _w("be"), adv,
                 _w("wrong", "rude", "selfish", "unreasonable", "mean", "petty", "crazy",
                    "stupid", "justified", "overreacting", "in")],
            ),
        ),  # fmt: skip
        Rule(
            "do_i_verb",
            True,
            ([_w("do", "shall"), _w(*_SUBJ), adv, _lem(*_DO_VERBS)],),
        ),
        Rule(
            "help_me_decide",
            True,
            (
                [_w("help"), _w("me", "us"), _lem("decide", "choose", "pick", "make", "figure",
                                                  "weigh", "decided")],
            ),
        ),  # fmt: skip
        Rule(
            "torn_between",
            False,
            (
                [_w("torn", "conflicted", "undecided", "indecisive"),
                 _w("between", "about", "on", "whether", "over")],
                [_w("on"), _w("the"), _w("fence")],
            ),
        ),
        Rule(
            "cant_decide",
            False,
            (
                [_w("ca", "can", "could"), _w("n't", "not", "nt"), _w("decide", "choose")],
                [_w("cannot", "cant"), _w("decide", "choose")],
                [_w("trying", "struggling", "need"), _w("to"), _w("decide", "choose")],
                [_w("deciding", "debating", "weighing"), _w("whether", "between", "if")],
                [_w("hard", "difficult", "tough", "big"), _w("decision")],
            ),
        ),
        Rule(
            "choice_or",
            False,
            (
                [_lem(*_CHOICE), _any(3), _w("or"), _w("should", "to", "just", op="?"),
                 _w("i", "we", op="?"), _lem(*_CHOICE)],
                [_lem(*_CHOICE), _any(3), _w("or"), _w("not")],
            ),
            needs_question=True,
        ),
        Rule(
            "which_should_i",
            True,
            ([_w("which"), _any(3), _w("should", "do", "would", "shall"), _w(*_SUBJ)],),
        ),
        Rule(
            "whether_i_should",
            True,
            (
                [_w("wondering", "unsure", "sure", "know", "deciding", "debating", "decide",
                    "thinking", "asking", "considering", "question", "questioning", "idea",
                    "wonder", "clue", "confused"),
                 _w("if", "whether"), _w("or", op="?"), _w("not", op="?"), _w(*_SUBJ),
                 _w("should", "ought", "shall")],
            ),
        ),  # fmt: skip
        Rule(
            "what_to_do",
            False,
            (
                [_w("n't", "not", "nt", "no"), _w("know", "sure", "idea", "clue"),
                 _w("what", "how"), _w("to"),
                 _lem("do", "handle", "say", "proceed", "react", "respond", "feel", "think",
                      "approach", "deal", "go")],
                [_w("idk", "unsure", "confused", "lost"), _w("what", "how", "about"),
                 _w("to", "i", op="?"), _lem("do", "handle", "say", "proceed", "react")],
                [_w("what"), _w("to"), _w("do"), _any(3), {"ORTH": "?"}],
                [_w("what"), _w("are", "r"), _w("my", "our"), _w("options")],
                [_w("what"), _w("options"), _w("do"), _w(*_SUBJ), _w("have")],
                [_w("where"), _w("do"), _w(*_SUBJ), _w("go"), _w("from")],
            ),
        ),  # fmt: skip
        Rule(
            "would_you",
            False,
            (
                [_w("would", "will", "should"), _w(*_YOU), _w("guys", "all", op="?"),
                 _w("rather", op="?"),
                 _lem("take", "accept", "stay", "leave", "quit", "tell", "go", "choose",
                      "pick", "buy", "sell", "move", "forgive", "confront", "report",
                      "break", "keep", "decline", "reject", "sign", "invite", "cancel",
                      "recommend", "suggest", "advise", "consider", "react", "handle",
                      "respond")],
                [_w("which"), _any(3), _w("would", "should", "do"), _w(*_YOU),
                 _lem("choose", "pick", "take", "go", "prefer", "recommend")],
                [_w("if"), _w("you", "u"), _w("were"), _w("me", "in")],
                [_w("in"), _w("my"), _w("shoes", "position", "situation")],
            ),
            needs_question=True,
        ),  # fmt: skip
    )


RULES: tuple[Rule, ...] = _rules()
_RULE_INDEX = {r.name: i for i, r in enumerate(RULES)}

_META_STRONG = (
    "[meta]", "(meta)", "meta:", "mod post", "mods post", "moderator post", "mod announcement",
    "sub announcement", "subreddit announcement", "rules reminder", "rule reminder",
    "reminder about the rules", "reminder of the rules", "weekly thread", "daily thread",
    "monthly thread", "weekly discussion", "daily discussion", "discussion thread",
    "megathread", "mega thread", "mega-thread", "state of the sub", "state of the subreddit",
    "subreddit update", "sub update", "subreddit rules", "sub rules", "rules update",
    "mod applications", "moderator applications", "looking for moderators",
    "looking for new moderators", "looking for mods", "looking for new mods", "welcome to r/",
    "ama announcement", "announcement:",
)  # fmt: skip
_META_WEAK = (
    "this sub", "this subreddit", "the sub", "the subreddit", "this community", "the mods",
    "mod team", "moderators", "the moderators", "karma", "upvotes", "downvotes", "downvoted",
)  # fmt: skip
_POLL_STRONG = (
    "research study", "academic research", "academic study", "participants needed",
    "looking for participants", "seeking participants", "recruiting participants",
    "need participants", "study participants", "survey participants", "take my survey",
    "fill out my survey",
    "fill my survey", "complete my survey", "answer my survey", "take our survey",
    "fill out our survey", "complete our survey", "fill out this survey", "take this survey",
    "complete this survey", "fill out my questionnaire", "fill out this questionnaire",
    "fill out our questionnaire", "answer my questionnaire", "take this poll", "take my poll",
    "vote in my poll", "survey time", "responses are anonymous",
    "all responses are anonymous", "your responses will",
)  # fmt: skip
_POLL_WEAK = ("survey", "surveys", "poll", "polls", "questionnaire", "questionnaires", "census")
_POLL_TITLE_OPENERS = frozenset({"poll", "survey", "questionnaire"})
_POLL_TITLE_ADJ = frozenset({"quick", "short", "small", "brief", "anonymous", "mini", "fun"})


def _poll_patterns() -> list[Pattern]:
    what = _w("survey", "surveys", "questionnaire", "poll", "form", "study")
    course = _w("class", "course", "thesis", "dissertation", "research", "project", "school",
                "university", "college", "assignment", "module", "degree", "capstone", "paper",
                "uni", "homework", "psych", "psychology", "sociology", "statistics", "stats",
                "marketing", "seminar")  # fmt: skip
    return [
        [_w("survey", "surveys", "questionnaire", "poll"), _any(3), _w("for"),
         _w("my", "a", "our"), _any(2), course],
        [_lem("answer", "ask"), _any(3), _w("questions", "question"), _w("for"),
         _w("my", "a", "our"), _any(2), course],
        [_w("please", "pls", "plz", "kindly"), _w("fill", "take", "complete", "answer"),
         _w("out", "in", op="?"), _w("my", "our", "this", "a", "the", "an", op="?"), _any(2),
         what],
        [_lem("participate", "take"), _w("part", op="?"), _w("in"), _w("my", "our"), _any(2),
         what],
    ]  # fmt: skip


# --------------------------------------------------------------------------- the matcher


class AdviceMatcher:
    """Rule-based advice-request detector; build once, then ``match_many``.

    Args:
        nlp: an English spaCy pipeline whose tokens get lemmas, to reuse (default
            :func:`blank_english`, which :class:`pipeline.clean.sensitive.SensitiveTopicDetector`
            can share); only tokens, ``LOWER`` and ``LEMMA`` are used.
        min_first_person: first-person words needed outside the match for rules that do not
            name the poster themselves.
        advice_subreddits: subreddits whose purpose is asking for advice (see
            :mod:`pipeline.clean.advice_context`); default ``DEFAULT_ADVICE_SUBREDDITS``.
    """

    def __init__(
        self,
        nlp: Language | None = None,
        *,
        min_first_person: int = 2,
        advice_subreddits: Iterable[str] | None = None,
    ) -> None:
        self.nlp = nlp if nlp is not None else blank_english()
        self.min_first_person = min_first_person
        subs = DEFAULT_ADVICE_SUBREDDITS if advice_subreddits is None else advice_subreddits
        self.advice_subreddits = frozenset(s.casefold() for s in subs)
        vocab = self.nlp.vocab
        self._matcher = Matcher(vocab, validate=True)
        for rule in RULES:
            self._matcher.add(rule.name, expand_first(rule.patterns))
        self._poll_matcher = Matcher(vocab, validate=True)
        self._poll_matcher.add(POLL, expand_first(_poll_patterns()))
        self._fp_hashes = np.array(
            sorted(vocab.strings.add(w) for w in FIRST_PERSON), dtype=np.uint64
        )
        self._phrases = PhraseMatcher(vocab, attr="LOWER")
        make = self.nlp.make_doc
        self._phrases.add("META_STRONG", [make(p) for p in _META_STRONG])
        self._phrases.add("META_WEAK", [make(p) for p in _META_WEAK])
        self._phrases.add("POLL_STRONG", [make(p) for p in _POLL_STRONG])
        self._phrases.add("POLL_WEAK", [make(p) for p in _POLL_WEAK])
        self._strings = vocab.strings

    # ------------------------------------------------------------------ public API

    def match_many(
        self, posts: Iterable[tuple[str, str] | tuple[str, str, str | None]],
        batch_size: int = 256,
    ) -> list[AdviceMatch]:
        """Classify (title, body) or (title, body, subreddit) posts, tokenized in batches
        with ``nlp.pipe``. Title and body are normalized plain text; the subreddit a post
        was posted in, when known, is evidence (see :mod:`pipeline.clean.advice_context`)."""
        items = [(p[0], p[1], p[2] if len(p) > 2 else None) for p in posts]
        prepared = [prepare_text(t, b) for t, b, _ in items]
        docs = self.nlp.pipe((text for text, _ in prepared), batch_size=batch_size)
        return [
            self._decide(doc, text, title_len, title, sub)
            for doc, (text, title_len), (title, _, sub) in zip(docs, prepared, items, strict=True)
        ]

    def explain(self, title: str, body: str) -> list[tuple[str, str, bool]]:
        """Every rule match as (rule, matched text, accepted by its guards): for debugging."""
        text, title_len = prepare_text(title, body)
        doc = self.nlp(text)
        fp = _FirstPerson(doc, self._fp_hashes)
        return [
            (name, doc[s:e].text, self._accept(doc, name, s, e, title_len, fp))
            for name, s, e in self._rule_matches(doc)
        ]

    # ------------------------------------------------------------------ decision

    def _decide(
        self, doc: Doc, text: str, title_len: int, title: str, subreddit: str | None
    ) -> AdviceMatch:
        phrases = self._phrase_hits(doc, title_len)
        if "META_STRONG:title" in phrases:
            return AdviceMatch(False, None, META_POST)
        if self._is_poll(doc, text, phrases, title_len):
            return AdviceMatch(False, None, POLL)
        marker = title_marker(title)
        strong_marker = marker in STRONG_MARKERS
        fp = _FirstPerson(doc, self._fp_hashes)
        for name, start, end in self._rule_matches(doc):
            if marker is not None and not RULES[_RULE_INDEX[name]].anchored:
                continue
            if marker in NO_RULE_MARKERS:
                break
            if self._accept(doc, name, start, end, title_len, fp):
                return AdviceMatch(True, name, None)
        if not strong_marker and _first_person_question(doc):
            return AdviceMatch(True, FALLBACK_RULE, None)
        if phrases & {"META_STRONG:body", "META_WEAK:title"}:
            return AdviceMatch(False, None, META_POST)
        if "POLL_WEAK:title" in phrases:
            return AdviceMatch(False, None, POLL)
        if marker is None:
            n_fp = len(fp.positions)
            if n_fp >= PRIOR_MIN_FP and is_advice_subreddit(subreddit, self.advice_subreddits):
                return AdviceMatch(True, SUBREDDIT_RULE, None)
            if n_fp >= QUESTION_MIN_FP_SHARE * len(doc) and _asks_question(doc):
                return AdviceMatch(True, QUESTION_RULE, None)
        return AdviceMatch(False, None, NO_ADVICE)

    def _phrase_hits(self, doc: Doc, title_len: int) -> set[str]:
        hits: set[str] = set()
        for match_id, _start, end in self._phrases(doc):
            where = "title" if doc[end - 1].idx < title_len else "body"
            hits.add(f"{self._strings[match_id]}:{where}")
        return hits

    def _is_poll(self, doc: Doc, text: str, phrases: set[str], title_len: int) -> bool:
        if phrases & {"POLL_STRONG:title", "POLL_STRONG:body"}:
            return True
        if self._poll_matcher(doc):
            return True
        if _POLL_URL_RE.search(text):
            return True
        words = [t.lower_ for t in doc[:6] if t.idx < title_len and not t.is_punct]
        if words and words[0] in _POLL_TITLE_ADJ:
            words = words[1:]
        # "Poll: ...", "[Survey] ...", "Quick poll - ..."
        return bool(words) and words[0] in _POLL_TITLE_OPENERS

    def _rule_matches(self, doc: Doc) -> Iterator[tuple[str, int, int]]:
        found = [(self._strings[mid], s, e) for mid, s, e in self._matcher(doc)]
        found.sort(key=lambda m: (m[1], _RULE_INDEX[m[0]], m[2]))
        return iter(found)

    def _accept(
        self, doc: Doc, name: str, start: int, end: int, title_len: int, fp: _FirstPerson
    ) -> bool:
        rule = RULES[_RULE_INDEX[name]]
        prev = doc[start - 1].lower_ if start > 0 else ""
        if prev in _INVERSION and name in _INVERSION_RULES:
            return False
        if name in {"aita", "wibta"} and prev == "/":
            return False
        if name in {"aita", "wibta"} and end - start == 1:
            # the acronym as a name ("Me reading AITA posts", "the AITA sub"), not a question
            nxt = doc[end].lower_ if end < len(doc) else ""
            if nxt in _ACRONYM_AS_NOUN or prev in {"the", "on", "in", "reading", "read", "this"}:
                return False
        if name == "need_advice":
            window = {t.lower_ for t in doc[max(0, start - 4) : start]}
            if window & _NEGATORS:
                return False
        if name == "what_should_i_do" and end < len(doc) and doc[end].lower_ == "without":
            return False
        if name == "choice_or" and "take it or leave it" in doc[start : end + 1].text:
            return False
        if rule.needs_question and doc[start].idx >= title_len:
            _, clause_end = clause_bounds(doc, end - 1)
            if doc[clause_end - 1].text != "?":
                return False
        if not rule.anchored:
            outside = sum(1 for i in fp.positions if i < start or i >= end)
            if outside < self.min_first_person:
                return False
        return True


class _FirstPerson:
    """Token positions of first-person words in a doc, computed on first use."""

    def __init__(self, doc: Doc, hashes: np.ndarray) -> None:
        self._doc = doc
        self._hashes = hashes
        self._positions: list[int] | None = None

    @property
    def positions(self) -> list[int]:
        if self._positions is None:
            lower = self._doc.to_array("LOWER")
            self._positions = np.flatnonzero(np.isin(lower, self._hashes)).tolist()
        return self._positions


def _question_clauses(doc: Doc) -> Iterator[list[Any]]:
    """The clauses that end with "?" and open like a question (fillers skipped), as tokens
    without spaces."""
    for tok in doc:
        if tok.text != "?":
            continue
        start, _ = clause_bounds(doc, tok.i)
        clause = [t for t in doc[start : tok.i] if not t.is_space]
        while clause and clause[0].lower_ in _CLAUSE_FILLERS:
            clause = clause[1:]
        if clause and clause[0].lower_ in _QUESTION_OPENERS:
            yield clause


def _asks_question(doc: Doc) -> bool:
    """A question that is not put to the crowd about their own lives: a clause that ends
    with "?", opens like a question (not "why") and has no you/anyone/people in it."""
    for clause in _question_clauses(doc):
        if any(t.lower_ in _CROWD_WORDS for t in clause):
            continue
        if [t.lower_ for t in clause[:4]] == ["am", "i", "the", "only"]:
            continue  # "Am I the only one who hates Mondays?" asks for company, not advice
        return True
    return False


def _first_person_question(doc: Doc) -> bool:
    """A clause that ends with "?", opens like a question (not "why") and names the poster."""
    for clause in _question_clauses(doc):
        words = [t.lower_ for t in clause]
        if words[:4] == ["am", "i", "the", "only"]:
            continue
        # The poster must be the subject, near the start: "Can I...", "Is it normal that I...",
        # "Should my wife..."; not "What do you think of the song 'I love it'".
        for w in words[1:6]:
            if w in FIRST_PERSON:
                return True
            if w in _OTHER_SUBJECTS:
                break
    return False
