"""Flag posts on topics the dataset must not turn into scenarios: self-harm and child abuse.

``SensitiveTopicDetector.check_many(texts)`` gives, per text, ``"self_harm"``,
``"child_abuse"`` or None.
It is deliberately conservative (a hyperbolic "I'll kill myself if I have to sit through
another meeting" is flagged too): a wrongly dropped post costs little, a published
scenario about a suicidal poster or an abused child costs a lot.

How it works: a fast regular-expression prefilter on trigger stems lets most posts through
without tokenizing; the rest are lower-cased and run through spaCy (``blank("en")`` with the
lookup lemmatizer, shared with :class:`pipeline.clean.advice.AdviceMatcher` when given) and
token ``Matcher`` / ``PhraseMatcher`` rules with guards:

* **self_harm**: "kill myself", "end my life", "take my own life", "ending it all",
  "suicidal"/"suicide" (not "career/social suicide", "Suicide Squad", "suicide doors"),
  "self harm"/"self-harm"/"self injury", "cutting myself" (not "cutting myself off/some
  slack", "cut myself while cooking/shaving/on a knife"), "harm myself", "want to hurt myself",
  "slit my wrists", "hang myself", "want to die" (not "die of embarrassment"), "don't want to
  be alive", "don't want to live" (not "...live in this city"), "no reason to live", "better off
  dead", "unalive", "kms", "kys".
* **child_abuse**: explicit terms ("child abuse", "child porn", "CSAM", "pedophile",
  "statutory rape", "child molester"...) anywhere; sexual-abuse words (molest, rape, fondle,
  "sexually abused/assaulted", "touched me inappropriately", grooming, incest) within
  ``window`` (20) tokens of a minor marker (child, kid, minor, underage, daughter, teen,
  "when I was 12", "14 year old", "(15F)", "in middle school"...) in the same paragraph;
  sexual words that are not abuse by themselves ("had sex with", nudes, sexting, porn,
  "touched me") only within ``near_window`` (3) tokens of one ("had sex with a 15 year
  old", not "had sex with my wife while the kids were out"). Non-sexual childhood abuse
  ("my dad was abusive when I was a kid") is not flagged by default (estrangement and
  forgiveness posts are core advice material); ``include_physical_abuse=True`` flags abuse,
  beating or neglect near a minor marker as well.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from pipeline.clean.advice import blank_english, expand_first
from pipeline.clean.token_patterns import Pattern
from pipeline.clean.token_patterns import gap as _any
from pipeline.clean.token_patterns import lem as _lem
from pipeline.clean.token_patterns import w as _w

__all__ = ["CATEGORIES", "SensitiveTopicDetector"]

SELF_HARM = "self_harm"
CHILD_ABUSE = "child_abuse"
#: Categories in the order they are checked (the first found is returned).
CATEGORIES: tuple[str, ...] = (SELF_HARM, CHILD_ABUSE)


# A superset of what the rules below can match: posts without any of these never reach spaCy.
_PREFILTER_RE = re.compile(
    r"suicid|self[\s-]*(?:harm|injur|mutil|destruct)|selfharm|\bkms\b|\bkys\b|unaliv|sewerslide"
    r"|(?:kill|off|murder|hang|hung|shoot|shot|drown|poison|starv|harm|cut|burn|hurt|slit)\w*\s+"
    r"(?:my\s*self|meself|mysef|myslef|himself|herself|themselves|themself|hisself)"
    r"|\bend\w*\s+(?:it\s+all|my|things)|own\s+life|\bdie\b|\bdead\b|\balive\b|off\s+without\s+me"
    r"|\bbe\s+(?:here|around)\b|no\s+(?:reason|point|will)\s+to|(?:to|wanna|gonna)\s+live\b|\blive\s+anymore|living\b|wrists?\b"
    r"|molest|\brap(?:e|ed|es|ing|ist)\b|fondl|sodomi|\bsex|nudes?\b|naked|explicit|lewd"
    r"|dick\s+pic|porn|groom|incest|pedo|paedo|csam|predator|traffick|loli|jailbait"
    r"|minor\s+attracted|map\s+community|statutor|touch|grop|abus|beat|neglect",
    re.IGNORECASE,
)
_AGE = (
    r"(?:[1-9]|1[0-7]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen)"
)
_MINOR_AGE_RE = re.compile(
    rf"\b{_AGE}\s*-?\s*(?:years?|yrs?)\s*-?\s*old\b|\b{_AGE}\s*(?:yo|y/o|y\.o\.)(?!\w)"
    rf"|\b{_AGE}\s?[mf]\b|[(\[]\s*{_AGE}\s*[mf]?\s*[)\]]"
    rf"|\b(?:when|since|at|age|aged|until|till)\s+(?:(?:i|she|he|they|we)\s+)?"
    rf"(?:(?:was|were|turned|am|is)\s+)?(?:only\s+|just\s+|about\s+|around\s+)?{_AGE}\b"
    rf"(?!\s*(?:%|percent|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|dollars|times|am\b|"
    rf"pm\b|o'clock|k\b|\$|:|\.\d))"
    rf"|\b(?:i|she|he|they)(?:'s|'m|\s+am|\s+is|\s+was|\s+were|\s+are)\s+(?:only\s+|just\s+)?{_AGE}\b"
    rf"(?!\s*(?:%|percent|minutes?|mins?|hours?|days?|weeks?|months?|dollars|times|am\b|pm\b|"
    rf"o'clock|k\b|\$|:|\.\d))",
    re.IGNORECASE,
)


_MYSELF = ("myself", "meself", "mysef", "myslef")
_THEMSELF = ("himself", "herself", "themselves", "themself", "hisself")
_PRONOUN_OBJ = ("me", "her", "him", "them", "us", "my", "kids", "children", "minors", "girls",
                "boys", "teens")  # fmt: skip

# Self-harm: rule name -> patterns. Guards live in SensitiveTopicDetector._accept_self_harm.
_SELF_HARM_RULES: dict[str, list[Pattern]] = {
    "kill_myself": [
        [_lem("kill", "off", "murder"), _w(*_MYSELF)],
        [_lem("kill"), _w("my"), _w("self")],
        [_w("kms", "kys", "unalive", "unaliving", "unalived", "sewerslide")],
        [_lem("hang", "shoot", "drown", "poison", "starve"), _w(*_MYSELF)],
    ],
    "suicide": [[_w("suicide", "suicides", "suicidal", "suicidality", "suicidally")]],
    "end_my_life": [
        [_lem("end", "take"), _w("my"), _w("own", op="?"), _w("life")],
        [_lem("end"), _w("it"), _w("all")],
        [_w("end"), _w("things"), _w("for"), _w("good")],
    ],
    "self_harm": [
        [_w("self"), _w("-", op="?"),
         _w("harm", "harming", "harmed", "harms", "injury", "injuring", "injure", "injured",
            "mutilation", "mutilate", "mutilating", "destructive")],
        [_w("selfharm", "selfharming", "self-harm", "self-harming", "self-injury")],
        [_lem("harm"), _w(*_MYSELF)],
        [_lem("cut", "slit", "slash"), _w("my"), _w("wrist", "wrists", "arm", "arms", "thigh",
                                                  "thighs")],
        [_lem("cut", "burn"), _w(*_MYSELF)],
        [_lem("want", "urge", "thought", "think", "tempt", "temptation", "wanna", "afraid",
              "scared", "fear", "going", "gonna", "relapse", "start", "stop"),
         _any(3), _lem("hurt", "harm", "cut", "burn"), _w(*_MYSELF)],
    ],  # fmt: skip
    # someone in the story: "threatening to kill himself", "keeps hurting herself"
    "harms_themself": [
        [_lem("kill", "hang", "shoot", "drown", "poison", "starve", "harm", "hurt", "cut",
              "burn", "slit"), _w(*_THEMSELF)],
    ],  # fmt: skip
    "want_to_die": [
        [_lem("want", "wish"), _w("to"), _w("die")],
        [_w("wanna", "gonna"), _w("die")],
        [_w("wish"), _w("i"), _w("was", "were", "'d", "had", "would"), _w("never", op="?"),
         _w("been", "be", op="?"), _w("dead", "born")],
        [_w("n't", "not", "nt", "no"), _lem("want", "wanna", "wish"), _w("to", op="?"),
         _w("be"), _w("alive", "here", "around")],
        [_w("n't", "not", "nt", "no"), _lem("want", "wanna"), _w("to", op="?"), _w("live")],
        [_w("no"), _w("reason", "point", "will"), _w("to"), _w("live")],
        [_w("no"), _w("reason", "point"), _w("to"), _w("keep"), _w("going", "living")],
        [_w("not"), _w("worth"), _w("living")],
        [_w("better"), _w("off"), _w("dead")],
        [_w("better"), _w("off"), _w("without"), _w("me")],
        [_w("tired", "sick"), _w("of"), _w("living")],
        [_w("tired", "sick"), _w("of"), _w("being"), _w("alive")],
    ],  # fmt: skip
}
_SUICIDE_NOT_BEFORE = frozenset(
    {"career", "social", "political", "financial", "professional", "academic", "commercial",
     "electoral", "relationship", "fashion", "marketing", "pr", "brand"}
)  # fmt: skip
_SUICIDE_NOT_AFTER = frozenset(
    {"squad", "door", "doors", "bomber", "bombers", "bombing", "bombings", "vest", "mission",
     "missions", "run", "runs", "king", "kings", "blonde", "lane", "girls", "pact"}
)  # fmt: skip
_CUT_NOT_AFTER = frozenset(
    {"off", "some", "a", "slack", "out", "short", "on", "while", "shaving", "with", "by",
     "accidentally", "in", "from", "loose", "free", "down", "back", "open", "into", "cooking",
     "chopping", "badly", "up", "and", "trying", "once", "making", "opening"}
)  # fmt: skip
_DIE_NOT_AFTER = frozenset(
    {"of", "from", "laughing", "inside", "when", "in", "alone", "old", "happy", "young",
     "before", "for", "at", "rich", "peacefully", "a", "with", "on", "without"}
)  # fmt: skip
_LIVE_NOT_AFTER = frozenset(
    {"in", "with", "at", "near", "here", "there", "on", "abroad", "together", "alone",
     "somewhere", "next", "close", "far", "under", "paycheck", "off", "by", "like", "as",
     "forever", "without", "a", "the", "my", "our", "their", "his", "her", "that", "this",
     "through", "up", "out", "downtown", "anywhere", "home", "back", "apart", "long",
     "past", "for", "so", "too", "and", "or", "if", "where", "again"}
)  # fmt: skip
_WITHOUT_ME_NOT_AFTER = frozenset(
    {"as", "on", "in", "at", "for", "running", "leading", "managing", "there", "involved"}
)
_INJURY_CONTEXT = frozenset(
    {"playing", "during", "at", "skiing", "running", "lifting", "falling", "working", "when",
     "badly", "pretty", "slightly", "seriously", "to", "for", "up", "over", "laughing"}
)  # fmt: skip
# "people like that only hurt themselves": consequences, not injury
_FIGURATIVE_BEFORE = frozenset({"only", "just", "ultimately", "mostly", "really", "also"})
_ACCIDENT_BEFORE = frozenset({"accidentally", "accidently", "nearly", "almost", "literally"})

_CHILD_ABUSE_PHRASES = (
    "child abuse", "child sexual abuse", "child porn", "child pornography", "csam", "cp videos",
    "pedophile", "pedophiles", "paedophile", "paedophiles", "pedophilia", "paedophilia",
    "pedophilic", "pedo", "pedos", "paedo", "paedos", "child molester", "child molesters",
    "child molestation", "child molesting", "child predator", "child predators",
    "statutory rape", "statutorily raped", "underage sex", "sex with a minor",
    "sex with minors", "sexual abuse of a child", "sexual abuse of children",
    "sexual abuse of a minor", "sexually abusing a child", "grooming a minor",
    "grooming minors", "grooming children", "grooming kids", "grooming a child",
    "child grooming", "child sex", "child trafficking", "minor attracted", "map community",
    "loli", "lolicon", "jailbait",
)  # fmt: skip
# Strong sexual-abuse words count within ``window`` tokens of a minor marker; weak ones (sexual
# but not abusive by themselves: "had sex with", "nudes", "porn") only within ``near_window``.
_SEXUAL_STRONG: list[Pattern] = [
    [_lem("molest", "molester", "molestation", "fondle", "rape", "rapist", "sodomize",
          "incest")],
    [_w("molested", "molesting", "molests", "raped", "raping", "fondled", "fondling",
        "incestuous")],
    [_w("sexually"), _lem("abuse", "assault", "harass", "exploit", "abused", "assaulted",
                          "harassed", "exploited")],
    [_w("sexually"), _w("and", "or", "&"), _w("physically", "emotionally", "verbally"),
     _lem("abuse", "abused", "assault", "assaulted")],
    [_w("sexual"), _w("abuse", "assault", "harassment", "exploitation", "favors", "favours")],
    [_lem("touch", "grope"), _w("me", "her", "him", "them", "my"), _any(2),
     _w("inappropriately", "sexually", "down", "private", "privates")],
    [_w("inappropriately"), _lem("touch", "touched")],
    [_lem("groom", "groomed", "grooming"), _w(*_PRONOUN_OBJ)],
    [_w("was", "been", "being", "got", "get"), _w("groomed")],
    [_w("groomed", "grooming"), _w("by")],
]  # fmt: skip
_SEXUAL_WEAK: list[Pattern] = [
    [_w("sexually"), _w("active", "involved", "touched", "touching")],
    [_w("sexual"), _w("contact", "relationship", "relations", "acts", "content", "pictures",
                      "photos", "videos", "messages", "things")],
    [_w("touched", "groped"), _w("me", "her", "him")],
    [_lem("have", "had"), _w("sex"), _w("with")],
    [_w("nudes", "sexted", "sexting", "sext", "sexts")],
    [_w("nude", "naked", "explicit", "dick", "lewd"),
     _w("pics", "pictures", "photos", "images", "videos", "selfies", "snaps", "pic", "photo")],
    [_w("porn", "porno", "pornography", "pornographic")],
]  # fmt: skip
_PHYSICAL_ABUSE: list[Pattern] = [
    [_lem("abuse", "abused", "abusive", "abuser", "neglect", "neglected", "beat", "beaten")],
    [_w("abused", "abusing", "abusive", "beaten", "beating", "beatings", "neglected")],
]
_MINOR_WORDS: list[Pattern] = [
    [_w("child", "children", "kid", "kids", "minor", "minors", "underage", "under-age",
        "toddler", "toddlers", "preteen", "pre-teen", "preteens", "infant", "infants",
        "schoolgirl", "schoolboy", "childhood", "daughter", "daughters", "son", "sons",
        "stepdaughter", "stepson", "niece", "nephew", "granddaughter", "grandson", "teen",
        "teens", "teenager", "teenagers", "teenage", "adolescent", "adolescents", "juvenile",
        "kiddo", "kiddos", "child's", "kid's", "daycare", "preschool", "preschooler",
        "kindergarten", "kindergartener", "babysitter", "nanny")],
    [_w("little", "young", "younger", "small"), _w("girl", "boy", "girls", "boys", "sister",
                                                     "brother", "cousin", "me")],
    [_w("middle", "elementary", "primary", "grade", "junior", "high"),
     _w("school", "schooler", "high")],
    [_w("under"), _w("18", "16", "15", "14", "13", "12", "age")],
    [_w("age"), _w("of"), _w("consent")],
]  # fmt: skip


class SensitiveTopicDetector:
    """Self-harm and child-abuse detector; build once, then ``check_many``.

    Args:
        nlp: a spaCy pipeline with a lookup lemmatizer to reuse (default: a new
            :func:`pipeline.clean.advice.blank_english`).
        window: sexual-abuse and minor markers must be at most this many tokens apart (and
            in the same paragraph) for ``child_abuse``.
        near_window: the same for sexual words that are not abuse by themselves ("had sex
            with", "nudes", "sexting", "porn"): the minor must be right next to them.
        include_physical_abuse: also flag abuse, beating or neglect near a minor marker.
    """

    def __init__(
        self,
        nlp: Language | None = None,
        *,
        window: int = 20,
        near_window: int = 3,
        include_physical_abuse: bool = False,
    ) -> None:
        self.nlp = nlp if nlp is not None else blank_english()
        self.window = window
        self.near_window = near_window
        vocab = self.nlp.vocab
        self._self_harm = Matcher(vocab, validate=True)
        for name, patterns in _SELF_HARM_RULES.items():
            self._self_harm.add(name, expand_first(patterns))
        self._abuse = Matcher(vocab, validate=True)
        strong = _SEXUAL_STRONG + (_PHYSICAL_ABUSE if include_physical_abuse else [])
        self._abuse.add("STRONG", expand_first(strong))
        self._abuse.add("WEAK", expand_first(_SEXUAL_WEAK))
        self._minor = Matcher(vocab, validate=True)
        self._minor.add("MINOR", expand_first(_MINOR_WORDS))
        self._phrases = PhraseMatcher(vocab, attr="LOWER")
        self._phrases.add("CHILD_ABUSE", [self.nlp.make_doc(p) for p in _CHILD_ABUSE_PHRASES])
        self._strings = vocab.strings

    # ------------------------------------------------------------------ public API

    def check_many(self, texts: Iterable[str], batch_size: int = 256) -> list[str | None]:
        """Per text, the first sensitive category found in it (see :data:`CATEGORIES`) or
        None; the texts past the prefilter are tokenized in batches of ``batch_size``."""
        prepared = [_prepare(t) for t in texts]
        todo = [p for p in prepared if p is not None]
        docs = iter(self.nlp.pipe(todo, batch_size=batch_size))
        return [None if p is None else self._check_doc(next(docs)) for p in prepared]

    def explain(self, text: str) -> list[tuple[str, str, str]]:
        """Accepted hits as (category, rule, matched text): for debugging and review."""
        prepared = _prepare(text)
        if prepared is None:
            return []
        doc = self.nlp(prepared)
        hits = [(SELF_HARM, name, doc[s:e].text) for name, s, e in self._self_harm_hits(doc)]
        hits += [(CHILD_ABUSE, rule, span) for rule, span in self._child_abuse_hits(doc)]
        return hits

    # ------------------------------------------------------------------ rules

    def _check_doc(self, doc: Doc) -> str | None:
        if next(self._self_harm_hits(doc), None) is not None:
            return SELF_HARM
        if next(iter(self._child_abuse_hits(doc)), None) is not None:
            return CHILD_ABUSE
        return None

    def _self_harm_hits(self, doc: Doc) -> Iterator[tuple[str, int, int]]:
        for match_id, start, end in self._self_harm(doc):
            name = self._strings[match_id]
            if self._accept_self_harm(doc, name, start, end):
                yield name, start, end

    @staticmethod
    def _accept_self_harm(doc: Doc, name: str, start: int, end: int) -> bool:
        prev = doc[start - 1].lower_ if start > 0 else ""
        nxt = doc[end].lower_ if end < len(doc) else ""
        last = doc[end - 1].lower_
        if name == "suicide":
            return prev not in _SUICIDE_NOT_BEFORE and nxt not in _SUICIDE_NOT_AFTER
        if name == "self_harm" and last in _MYSELF and doc[start].lemma_ in {"cut", "burn"}:
            return prev not in _ACCIDENT_BEFORE and nxt not in _CUT_NOT_AFTER
        if name == "want_to_die" and last == "die":
            return nxt not in _DIE_NOT_AFTER
        if name == "want_to_die" and last == "live":
            return nxt not in _LIVE_NOT_AFTER
        if name == "want_to_die" and last in {"here", "around"}:
            # "don't want to be here anymore", not "...be around him" / "...here for this"
            return end == len(doc) or nxt in {"anymore", "any", "no"} or doc[end].is_punct or (
                doc[end].is_space
            )
        if name == "want_to_die" and last == "me" and doc[end - 2].lower_ == "without":
            # "everyone would be better off without me", not "...without me as their manager"
            return nxt not in _WITHOUT_ME_NOT_AFTER
        if name == "harms_themself":
            # not "hurt himself playing football", "cut herself shaving", "burned himself out"
            if prev in _ACCIDENT_BEFORE or prev in _FIGURATIVE_BEFORE or nxt in _INJURY_CONTEXT:
                return False
            return doc[start].lemma_ not in {"cut", "burn"} or nxt not in _CUT_NOT_AFTER
        if name == "kill_myself" and doc[start].lemma_ in {"hang", "shoot", "drown"}:
            return nxt not in {"up", "out", "in", "a", "the", "into", "for", "with"}
        return True

    def _child_abuse_hits(self, doc: Doc) -> list[tuple[str, str]]:
        hits = [
            ("explicit_term", doc[s:e].text) for _, s, e in self._phrases(doc)
        ]
        if hits:
            return hits
        weak_id = self._strings["WEAK"]
        abuse = [(s, e, mid == weak_id) for mid, s, e in self._abuse(doc)]
        if not abuse:
            return []
        minors = [(s, e) for _, s, e in self._minor(doc)]
        for m in _MINOR_AGE_RE.finditer(doc.text):
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is not None:
                minors.append((span.start, span.end))
        if not minors:
            return []
        para = _paragraph_ids(doc)
        minors.sort()
        starts = [m[0] for m in minors]
        longest = max(e - s for s, e in minors)
        for a_start, a_end, weak in abuse:
            limit = self.near_window if weak else self.window
            k = bisect.bisect_left(starts, a_start - limit - longest)
            while k < len(minors) and minors[k][0] <= a_end + limit:
                m_start, m_end = minors[k]
                k += 1
                if para[a_start] != para[m_start]:
                    continue
                if max(m_start - a_end, a_start - m_end, 0) <= limit:
                    lo, hi = min(a_start, m_start), max(a_end, m_end)
                    return [("abuse_near_minor", doc[lo:hi].text)]
        return []


def _prepare(text: str) -> str | None:
    """Lower-cased text with straight apostrophes, or None when no trigger stem is present."""
    if not text or not _PREFILTER_RE.search(text):
        return None
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


def _paragraph_ids(doc: Doc) -> list[int]:
    """Paragraph number of each token (a paragraph ends at a blank line)."""
    ids: list[int] = []
    n = 0
    for tok in doc:
        ids.append(n)
        if tok.is_space and tok.text.count("\n") >= 2:
            n += 1
    return ids
