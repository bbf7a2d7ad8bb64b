"""Context for the advice decision: the subreddit's purpose, and titles that say "not a request".

:class:`pipeline.clean.advice.AdviceMatcher` asks two questions of a post beyond its request
phrases; the answers live here so they can be read (and configured) in one place.

* **Is the post in an advice subreddit?** (``clean.advice_subreddits``) A subreddit whose
  purpose is to ask for advice about one's own situation: there a post that describes a
  problem is a request even when it never says "what should I do" ("Landlord kept my deposit",
  "Scooter accident"), unless its title says it is something else.
* **Does the title say it is not a request?** :func:`title_marker` names the kind:
  ``update`` (a follow-up, "UPDATE: ..."), ``thanks`` ("Thank you r/...", "thanks for helping
  me"), ``advice_for_others`` (PSA, LPT, "my advice to you", "things I've learned", "3 ways
  to...", a guide), ``crowd_call`` (a question to the crowd about *their* lives: "Have you
  ever...", "What was your experience", "Anyone else...", "Women of Reddit, ..."),
  ``discussion`` ("(Open discussion)", "Why is it legal for companies to...").
"""

from __future__ import annotations

import re

#: Subreddits whose stated purpose is asking for advice on one's own situation (matched
#: case-insensitively). Used when ``clean.advice_subreddits`` is not set.
DEFAULT_ADVICE_SUBREDDITS: tuple[str, ...] = (
    "Advice", "needadvice", "legaladvice", "relationship_advice", "relationships",
    "dating_advice", "AmItheAsshole", "AITAH", "WouldIBeTheAsshole", "LegalAdviceUK",
    "familyadvice", "careeradvice", "internetparents",
)  # fmt: skip

_UPDATE_RE = re.compile(
    r"^\W*(?:final|small|quick|mini|long|another|an|big)\s+update\b"
    r"|\bupdated?\s*(?:\d+|#\s*\d+)?\s*(?::|-|\]|\)|to\b|on\b|for\b|regarding\b|$)"
    r"|[\[(]\s*update\w*\s*[\])]",
    re.IGNORECASE,
)
_THANKS_RE = re.compile(
    r"^\W*(?:thanks?|thank\s+you|thankyou|ty)\b|\bthank(?:s|\s+you)\s+(?:to\s+)?"
    r"(?:r/|/r/|reddit|everyone|all|you\s+all|guys|so\s+much|for\s+(?:all|the|your|helping))",
    re.IGNORECASE,
)
_FOR_OTHERS_RE = re.compile(
    r"^\W*(?:psa|lpt|til|fyi|protip|pro\s+tip|reminder|a\s+reminder|guide|a\s+guide)\b"
    r"|^\W*advice\s+from\b"
    r"|\b(?:my|some|our)\s+(?:unsolicited\s+)?(?:\w+\s+){0,5}advice\s+(?:to|for)\s+"
    r"(?:you|all|the|those|anyone|everyone|new|future|incoming|fellow|young|\w+ers\b)"
    r"|\bhere(?:'s|\s+is|\s+are)\s+(?:my|some|a\s+few|what|how)\b"
    r"|\bthings\s+i(?:'ve|\s+have)\s+learned\b|\blessons?\s+(?:i(?:'ve)?\s+)?learned\b"
    r"|^\W*\d+\s+(?:\w+\s+){0,2}(?:ways|tips|things|reasons|rules|steps|lessons|mistakes)\b"
    r"|^\W*(?:some\s+)?(?:general|free|unsolicited|my)\s+advi[cs]e\s*[:-]|\ba\s+guide\s+(?:to|for|on)\b|\bhow\s+i\s+(?:got|landed|found|paid|saved|made|beat|went)\b"
    r"|\bquick\s+notes\s+on\b|\bmy\s+(?:experience|story|journey)\s+(?:with|of|as|from)\b",
    re.IGNORECASE,
)
_CROWD_RE = re.compile(
    r"^\W*(?:(?:ladies|women|guys|men|girls|gentlemen|fellas|people|folks|redditors|"
    r"parents|moms|dads|mothers|fathers|everyone)\s*(?:of\s+reddit)?\s*[,:-]"
    r"|\w+(?:\s+\w+)?\s+of\s+reddit\b"
    r"|has\s+anyone\s+(?:else\s+)?(?:ever\s+)?|anyone\s+else\b|does\s+anyone\s+else\b"
    r"|have\s+you\s+(?:ever|guys|all)?\b|has\s+any(?:one|body)\s+(?:here\s+)?(?:ever\s+)?"
    r"(?:had|been|met|tried|used|done|experienced|gone|dated|worked)\b"
    r"|what(?:'s|\s+is|\s+was|\s+are|\s+were)\s+(?:your|some\s+of\s+your|the\s+best|the\s+worst|"
    r"the\s+craziest|the\s+weirdest|the\s+most)\b"
    r"|what\s+are\s+some\b|how\s+did\s+you\b|how\s+do\s+you\s+(?:guys|all|feel|spend)\b"
    r"|do\s+you\s+(?:guys\s+|ever\s+|all\s+)?(?:ever|think|prefer|like|treat|feel)\b"
    r"|what\s+do\s+you\s+(?:guys\s+)?(?:think|consider|look|wear|do\s+when)\b"
    r"|things?\s*/?\s*(?:places\s+)?(?:that\s+)?(?:are\s+)?(?:forever\s+)?ruined\b"
    r"|share\s+your\b|tell\s+(?:me|us)\s+(?:about\s+)?your\b|who\s+else\b)"
    r"|\bwhat\s+(?:was|is)\s+your\s+experience\b|\bshare\s+your\s+(?:stories|experiences?)\b",
    re.IGNORECASE,
)
_DISCUSSION_RE = re.compile(
    r"[(\[]\s*(?:open\s+)?discussion\s*[)\]]|^\W*discussion\s*[:-]"
    r"|^\W*why\s+(?:is|are|do|does|would)\s+(?:it|companies|employers|people|so\s+many|there)\b",
    re.IGNORECASE,
)
_RANT_RE = re.compile(
    r"[\[(]\s*(?:a\s+)?rant\s*[\])]|^\W*rant\s*[:-]|\bend\s+rant\b", re.IGNORECASE
)
_HYPOTHETICAL_RE = re.compile(
    r"\b(?:i'?m|i\s+am|we'?re)\s+writing\s+(?:a|an|my|our|this)\s+(?:\w+\s+){0,3}"
    r"(?:story|novel|book|fiction|screenplay|script|paper|essay|article|piece|thesis|report)\b"
    r"|\bhypothetical(?:ly)?\b|[\[(]\s*(?:fiction|writing|hypothetical)\s*[\])]",
    re.IGNORECASE,
)
_FIRST_PERSON_RE = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|we|our|us)\b", re.IGNORECASE)

#: After any marker, request phrases that do not name the poster ("any advice?", "what would
#: you do?") are not trusted; after these, no request phrase is (the post quotes or imagines
#: requests: "my advice to those asking 'should I...'", "I'm writing a story where..."), and
#: after these, neither is a bare first-person question.
NO_RULE_MARKERS = frozenset({"advice_for_others", "hypothetical", "discussion"})
STRONG_MARKERS = frozenset({"thanks", "advice_for_others", "hypothetical", "discussion"})


def is_advice_subreddit(subreddit: str | None, advice_subreddits: frozenset[str]) -> bool:
    """``subreddit`` is one of ``advice_subreddits`` (already case-folded)."""
    return bool(subreddit) and str(subreddit).casefold() in advice_subreddits


def title_marker(title: str) -> str | None:
    """The kind of not-a-request post the title announces, or None."""
    t = (title or "").replace("\u2019", "'").strip()
    if not t:
        return None
    if _UPDATE_RE.search(t):
        return "update"
    if _THANKS_RE.search(t):
        return "thanks"
    if _FOR_OTHERS_RE.search(t):
        return "advice_for_others"
    if _DISCUSSION_RE.search(t):
        return "discussion"
    if _RANT_RE.search(t):
        return "rant"
    if _HYPOTHETICAL_RE.search(t):
        return "hypothetical"
    if _CROWD_RE.search(t) and not _FIRST_PERSON_RE.search(t):
        return "crowd_call"
    return None
