"""Personal-data scrubber for the clean stage: typed placeholders instead of personal data.

``Scrubber(config).scrub(text)`` replaces, in one pass over the text:

========== =============== ==========================================================
type        placeholder     what
========== =============== ==========================================================
EMAIL       ``[EMAIL]``     addresses, also obfuscated ("jane at gmail dot com",
                            "jane [at] example [dot] com")
PHONE       ``[PHONE]``     international (+CC) and national formats (US/CA, UK, DE,
                            FR, IN, AU...), checked by digit counts and grouping so
                            money, years, dates, times and counts stay
URL         ``[URL]``       http(s)://, www., bare domains with a known TLD, markdown
                            link targets (the link text stays)
USERNAME    ``[USER]``      u/name, /u/name, U/Name, reddit.com/user/name
HANDLE      ``[HANDLE]``    @handles (not e-mail addresses)
SUBREDDIT   ``[SUBREDDIT]`` r/name and /r/name, only with ``subreddit_links=True``
ADDRESS     ``[ADDRESS]``   house number + street ("42 Maple Street, Apt 4B",
                            "221B Baker St", "7 north elm street"), French, Spanish
                            and German street forms, PO boxes, UK postcodes
NAME        ``[NAME]``      personal names (see below)
========== =============== ==========================================================

Names, without a pretrained model, come from rules over data files written for this
project (``data/``: ~3,200 given names across cultures, ~650 surnames, a stoplist, brand
and fictional phrases) and spaCy's English lexeme probabilities (from
``spacy-lookups-data``, loaded once per process), which tell an ordinary word ("will",
"grace", "target") from a name ("sarah"):

* a given name that is not an ordinary word is a name when capitalized, anywhere in the
  sentence ("Sarah", "Dmitri's"), and a following capitalized surname joins it
  ("Sarah Connor" -> one ``[NAME]``; titles stay: "Dr. [NAME]");
* a given name that is also a word, a month, a place or a brand ("Will", "May", "Grace",
  "Paris", "Chase": ``data/ambiguous_names.txt`` plus the frequency check) is a name only in
  a name context: after kinship/role words ("my friend Will", "my boss, Mark,"), greetings
  ("Hi Grace,"), "named"/"called"/"my name is" (not "a cat named..."), titles ("Mr.",
  "Aunt"), communication verbs ("I told May", "talked to Will", "broke up with Chase"),
  before a speech verb ("Will said"), before "and I", before an age/gender marker
  ("Grace (25F)"), before a known surname ("Will Smith"), or when coordinated with another
  name ("Sarah and Will"); never after a time preposition or determiner ("in May",
  "the Will"), nor as a modal ("Will you", "May I");
* an unknown capitalized word is a name only in the strongest contexts (kinship, "Dear",
  "named", titles, age markers, "X and I" at the start of a sentence) and only when it is
  not a frequent ordinary word;
* lowercase given names ("my friend sarah") count in a name context only; Title Cased lines
  (headings) only take names that do not depend on capitalization; a name right after "in"
  is taken for a place ("in Savannah"), and one followed by a place noun is an institution
  ("Sarah Lawrence College").

Age/gender markers ("(25F)", "I (32M)", "M24", "my (f30) wife", "27f") stay unless
``keep_age_gender=False`` (then they become ``[AGE_GENDER]``, counted as ``AGE_GENDER``).
With ``spacy_model`` set, the model's PERSON entities are redacted too, GPE/LOC/FAC
entities veto ambiguous-name rules inside them, and FAC entities starting with a house
number become ``[ADDRESS]``.

Placeholders already in the text are left alone, so scrubbing is idempotent.
"""

from __future__ import annotations

import bisect
import gzip
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from pipeline.clean.fold import fold
from pipeline.clean.pii_handles import handle_spans
from pipeline.clean.pii_ids import _DIGIT_RE, ID_TYPES, id_candidates
from pipeline.clean.pii_phrases import PhraseIndex
from pipeline.text_patterns import (
    URL_BARE_RE,
    URL_CHARS,
    URL_SCHEME_RE,
    URL_WWW_RE,
    WEB_SCHEME,
)

log = logging.getLogger("valact.clean.pii")

PII_TYPES = (
    "EMAIL", "PHONE", "URL", "USERNAME", "HANDLE", "SUBREDDIT", "ADDRESS", "NAME", *ID_TYPES
)  # fmt: skip
AGE_GENDER = "AGE_GENDER"  # only replaced when ScrubConfig.keep_age_gender is False

PLACEHOLDERS: dict[str, str] = {
    "EMAIL": "[EMAIL]",
    "PHONE": "[PHONE]",
    "URL": "[URL]",
    "USERNAME": "[USER]",
    "HANDLE": "[HANDLE]",
    "SUBREDDIT": "[SUBREDDIT]",
    "ADDRESS": "[ADDRESS]",
    "NAME": "[NAME]",
    **{t: f"[{t}]" for t in ID_TYPES},  # [SSN] [CARD] [IBAN] [IP] [DOB] [PLATE] [ID]
    AGE_GENDER: "[AGE_GENDER]",
}
PLACEHOLDER_RE = re.compile(
    r"\[(?:EMAIL|PHONE|URL|USER|HANDLE|SUBREDDIT|ADDRESS|NAME|AGE_GENDER|"
    + "|".join(ID_TYPES)
    + r")\]"
)

DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True)
class ScrubConfig:
    subreddit_links: bool = False  # redact r/xyz mentions when True
    spacy_model: str | None = None  # e.g. "en_core_web_sm" (or a path); None = rules only
    keep_age_gender: bool = True  # "(25F)", "I (32M)", "M24", "my (f30) wife" stay


@dataclass
class ScrubResult:
    text: str
    counts: dict[str, int] = field(default_factory=dict)  # type -> number of replacements


class SpacyModelNotInstalled(RuntimeError):
    """``ScrubConfig.spacy_model`` names a spaCy pipeline that cannot be loaded."""


# --------------------------------------------------------------------------- word lists


def _read_words(name: str) -> list[str]:
    """Whitespace-separated entries of a data file, without ``#`` comments."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [w for line in text.splitlines() for w in line.split("#", 1)[0].split()]


def _read_lines(name: str) -> list[str]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [s for line in text.splitlines() if (s := line.split("#", 1)[0].strip())]


def _lexeme_probs() -> dict[str, float]:
    """spaCy's English unigram log-probabilities (a dependency: spacy-lookups-data)."""
    try:
        root = resources.files("spacy_lookups_data") / "data" / "en_lexeme_prob.json.gz"
        with root.open("rb") as fh, gzip.open(fh, "rt", encoding="utf-8") as gz:
            probs: dict[str, float] = json.load(gz)
        return probs
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:  # pragma: no cover
        log.warning("spacy-lookups-data not available (%s): common-word checks disabled", exc)
        return {}


@dataclass(frozen=True)
class Lexicon:
    first_names: frozenset[str]  # folded given names
    ambiguous: frozenset[str]  # folded given names that need a name context
    surnames: frozenset[str]
    not_names: frozenset[str]
    common: frozenset[str]  # folded ordinary lowercase words ("will", "group", "tre")
    frequent: frozenset[str]  # the frequent ones among them ("will", "group", "said")
    phrases: tuple[str, ...]  # brand / fictional phrases kept as they are
    public_figures: tuple[str, ...] = ()  # full names of public figures kept as they are


OOV_PROB = -20.5
MORE_MAX_LOWER = -16.5  # log-prob of the lowercase form: above it, an ordinary word
MORE_MAX_CAP = -13.0  # log-prob of the capitalized form: above it, a frequent proper noun


def _ws(words: str) -> frozenset[str]:
    """A frozenset of the whitespace-separated words of a literal."""
    return frozenset(words.split())


@cache
def load_lexicon() -> Lexicon:
    """Build the word lists once per process (about a second: the lexeme table is large)."""
    first = {fold(w) for w in _read_words("first_names.txt")}
    manual_amb: set[str] = set()
    not_amb: set[str] = set()
    for w in _read_words("ambiguous_names.txt"):
        if w.startswith("-"):
            not_amb.add(fold(w[1:]))
        else:
            manual_amb.add(fold(w))
    probs = _lexeme_probs()
    # The longer list (first_names_more.txt) adds only names that are rare as lowercase words
    # and not frequent proper nouns: "Gillian", "Gurleen", "Jaxon" are in; "My", "Bing",
    # "Kenya", "Thor" (given names somewhere, words or places here) are not.
    for w in _read_words("first_names_more.txt"):
        key = fold(w)
        if len(key) < 3 or key in first or not w[:1].isupper():
            continue
        if probs.get(key, OOV_PROB) <= MORE_MAX_LOWER and probs.get(w, OOV_PROB) <= MORE_MAX_CAP:
            first.add(key)
    common: set[str] = set()
    frequent: set[str] = set()
    auto_amb: set[str] = set()
    for word, p in probs.items():
        if p <= -17.0 or not word.isalpha() or not word.islower() or not word.isascii():
            continue
        cap = probs.get(word.capitalize(), OOV_PROB)
        # An ordinary word: its lowercase use is at least ~37% of its capitalized use.
        if p >= cap - 1.0 and len(word) > 1:
            common.add(word)
            if p > -13.0:
                frequent.add(word)
        # A given name is ambiguous when lowercase use dominates (will, grace, hunter).
        if word in first and p > -16.0 and p >= cap:
            auto_amb.add(word)
    ambiguous = (manual_amb | auto_amb) - not_amb
    return Lexicon(
        first_names=frozenset(first),
        ambiguous=frozenset(ambiguous),
        surnames=frozenset(fold(w) for w in _read_words("surnames.txt")),
        not_names=frozenset(fold(w) for w in _read_words("not_names.txt")),
        common=frozenset(common),
        frequent=frozenset(frequent),
        phrases=tuple(_read_lines("not_name_phrases.txt")),
        public_figures=tuple(_read_lines("public_figures.txt")),
    )


# ------------------------------------------------------------------------------ regexes

_TRAIL_PUNCT = ".,;:!?'\"*_~"

EMAIL_RE = re.compile(
    r"(?<![\w.%+\]-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\[-])"
)
_OBF_TLDS = (
    r"com|org|net|edu|gov|io|co|uk|us|ca|au|nz|ie|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|"
    r"pt|br|mx|in|jp|kr|cn|ru|info|biz|me|xyz|app|dev|ai"
)
_AT = (
    r"(?:\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*"  # [at] (at) {at} <at>
    r"|\s+at\s+"  # " at "
    r"|\s+@\s*|\s*@\s+)"  # spaced @
)
_DOT = r"(?:\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*|\s+dot\s+|\s+\.\s+|\.)"
_WORD_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"  # "jane dot doe at ..."
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
OBF_EMAIL_RE = re.compile(
    rf"(?<![\w.%+/:=?&#\]'’-])(?P<local>[a-z0-9][a-z0-9._%+-]{{0,63}}"
    rf"(?:{_WORD_DOT}[a-z0-9][a-z0-9._%+-]{{0,63}})*){_AT}"
    rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*){_DOT}(?P<tld>{_OBF_TLDS})(?![\w-])",
    re.IGNORECASE,
)
_OBF_HINT_RE = re.compile(
    r"\bdot\b|[\[({<]\s*at\s*[\])}>]|\s@|@\s|\sat\s+[a-z0-9-]+\.[a-z]", re.IGNORECASE
)
MAIL_PROVIDERS = _ws(
    "gmail googlemail yahoo hotmail outlook live msn icloud me mac aol protonmail proton "
    "pm gmx mail yandex zoho fastmail hey tutanota example comcast verizon att btinternet "
    "sky web orange free laposte qq"
)
_LOCAL_STOP = _ws(
    "me us him her them it you i we they home work school there here this that look looked "
    "looking is was be been meet met see seen arrive arrived stay stayed live lives living "
    "working works one"
)

REDDIT_USER_URL_RE = re.compile(
    rf"(?i)(?<![\w.-])(?:{WEB_SCHEME})?(?:[a-z]+\.)?reddit\.com/(?:user|u)/[A-Za-z0-9_-]{{3,32}}"
    rf"(?:/{URL_CHARS}*)?"
)
SAFE_TLDS = _ws(
    "com org net edu gov mil int io co ly gg tv fm uk de fr ca au nz ie jp cn kr ru br mx es "
    "nl se dk fi pl cz ch eu info biz app dev xyz ai tech online site store blog shop club "
    "live news page link cloud wiki ee gl ws tk ml cf ga gq space website email bio gd"
)
RISKY_TLDS = _ws(
    "in it me to be us at is no so my am as by id im la cc md sh rs py pm ms do go "
    "pt gr hu ro sk si lt lv is tw hk sg my ph th vn za ng ke gh"
)
MARKDOWN_LINK_RE = re.compile(
    r"\[(?P<label>[^\[\]\n]{0,500})\]\(\s*(?P<target><[^<>\n]*>|[^\s()<>]+"
    r"(?:\([^\s()]*\)[^\s()<>]*)*)(?:\s+\"[^\"\n]*\")?\s*\)"
)

USERNAME_RE = re.compile(r"(?<![\w/\]])/?[uU]/[A-Za-z0-9_-]{3,32}(?![A-Za-z0-9_\[-])")
SUBREDDIT_RE = re.compile(r"(?<![\w/\]])/?[rR]/[A-Za-z0-9][A-Za-z0-9_]{1,20}(?![\w\[])")

AGE_GENDER_RE = re.compile(
    r"(?i)(?<![\w\]])(?:"
    r"[(\[]\s*(?:\d{1,2}\s*[/,-]?\s*(?:[mf]|nb|ftm|mtf|enby)|(?:[mf]|nb)\s*[/,-]?\s*\d{1,2})"
    r"\s*[)\]]"
    r"|\d{2}[mf](?![\w])"
    r"|[mf]\d{2}(?![\w])"
    r")"
)

# Phones: a run of digit groups, then checked by digit counts (see _valid_phone).
_PH_GROUP = r"(?:\(\d{1,5}\)|\d{1,15})"
_PH_SEP = r"(?:[ \u00a0]?[.\-][ \u00a0]?|[ \u00a0]|(?<=\))[ \u00a0]?)"
PHONE_CAND_RE = re.compile(
    rf"(?<![\w+$€£¥%/.,\]-])(?:\+|00(?=[1-9]))?{_PH_GROUP}(?:{_PH_SEP}{_PH_GROUP}){{0,7}}"
    r"(?![\w%$€£\[]|[.,]\d)"
)
_PH_DIGITS_RE = re.compile(r"\(\d+\)|\d+")
_PHONE_CONTEXT_RE = re.compile(
    r"(?i)(?<!\[)\b(?:call|phone|number|cell|mobile|tel|telephone|text|whats\s?app|signal|reach|"
    r"dial|fax|contact|ring|hotline|voicemail)[a-z]*[ \t,:;.-]+(?:[a-z']+[ \t,:;-]+){0,3}$"
)

_PHONE_EXT_RE = re.compile(r"(?i)[ \t]*,?[ \t]*(?:ext\.?|extension|x)[ \t]*\d{1,6}\b")

_STREET_FULL = (
    "Street|Avenue|Road|Lane|Drive|Court|Boulevard|Way|Place|Terrace|Close|Crescent|"
    "Parkway|Highway|Circle|Square|Trail|Mews|Grove|Gardens|Alley|Plaza"
)
_STREET_ABBR = "St|Ave|Av|Rd|Ln|Dr|Ct|Blvd|Pl|Ter|Cres|Pkwy|Hwy|Cir|Sq|Trl"
ADDRESS_RE = re.compile(
    r"\d(?<![\w$£€.,/\]-]\d)\d{0,4}[A-Za-z]?(?:[-–/]\d{1,5}[A-Za-z]?)?,?[ \t]+"
    r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?[ \t]+)?"
    r"(?P<name>(?:(?:[A-Z][A-Za-z'’-]*\.?|\d{1,3}(?:st|nd|rd|th))[ \t]+){1,3})"
    rf"(?P<suffix>{_STREET_FULL}|{_STREET_FULL.lower()}|{_STREET_ABBR})\b"
    r"(?:[ \t]+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
    r"(?:(?:\.?,?[ \t]*|[ \t]+)(?:[Aa]pt|[Aa]partment|[Uu]nit|[Ss]uite|[Ss]te|[Ff]lat|[Ff]l|"
    r"[Ff]loor|APT|UNIT|#)\.?[ \t]*#?[ \t]*[A-Za-z0-9-]{1,6}\b(?![/@]))?"
    r"(?:\.?,[ \t]*[A-Z][a-z]+(?:[ \t][A-Z][a-z]+){0,2},?[ \t]+[A-Z]{2}(?:[ \t]+\d{5}(?:-\d{4})?)?"
    r"(?![\w]))?"
)
_COURT_NOT_STREET = _ws(
    "supreme district circuit family county federal small claims high appeals traffic "
    "tax juvenile food basketball tennis volleyball squash superior municipal"
)
ADDRESS_FR_RE = re.compile(
    r"(?<![\w])\d{1,4}(?:[ \t]?(?:bis|ter))?,?[ \t]+"
    r"(?i:rue|avenue|av\.|boulevard|bd|place|chemin|allée|allee|impasse|quai|cours|route)"
    r"[ \t]+(?:(?:de la|de l['’]|du|des|de|d['’]|la|le|les)[ \t]*)?"
    r"[A-ZÀ-Ý][\w'’-]+(?:[ \t]+(?:de|du|des|la|le|[A-ZÀ-Ý][\w'’-]+))*"
)
ADDRESS_ES_RE = re.compile(
    r"\b(?:Calle|Avenida|Avda\.|Paseo|Plaza|Carrer|Rua)[ \t]+(?:(?:de|del|la|las|los)[ \t]+)*"
    r"[A-ZÁÉÍÓÚÑ][\w]+(?:[ \t]+[A-ZÁÉÍÓÚÑ][\w]+)*,?[ \t]+(?:n[º°o]\.?[ \t]*)?\d{1,4}\b"
)
ADDRESS_DE_RE = re.compile(
    r"\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer"
    r"|[ \t](?:Str\.|Straße|Strasse|Weg|Platz|Allee|Gasse|Ring|Damm))"
    r"[ \t]+\d{1,4}(?:[a-z]|[ \t][a-z](?![\w]))?(?![\w])"
)
# Italian "Via dei Mille 12", Dutch "Biltstraat 207-bis" / "Keizersgracht 12"
ADDRESS_IT_RE = re.compile(
    r"\b(?:Via|Viale|Piazza|Corso|Vicolo|Largo|Piazzale|Strada)[ \t]+"
    r"(?:(?:del|della|dei|degli|delle|di|da|dal|san|santa)[ \t]+)*[A-Z][\w'’]+"
    r"(?:[ \t]+[A-Z][\w'’]+){0,3},?[ \t]+\d{1,4}[A-Za-z]?(?![\w])"
)
ADDRESS_NL_RE = re.compile(
    r"\b[A-Z][a-z]+(?:straat|laan|weg|gracht|plein|kade|singel|dijk|dreef|steeg|hof)"
    r"[ \t]+\d{1,4}(?:[ -]?(?:[a-z]{1,3}|bis|hs|\d{1,3}))?(?![\w])"
)
_IT_HINTS = ("via ", "viale ", "piazza ", "corso ", "vicolo ", "largo ", "strada ")
_NL_HINTS = ("straat ", "laan ", "weg ", "gracht ", "plein ", "kade ", "singel ", "dijk ")
# "7 north elm street": lowercase, full street word only, checked against _ADDR_STOP
ADDRESS_LOWER_RE = re.compile(
    r"\d(?<![\w$£€.,/\]-]\d)\d{0,4}[a-z]?[ \t]+(?:(?:north|south|east|west)[ \t]+)?"
    r"(?P<name>(?:[a-z][a-z'’-]*[ \t]+){1,2})"
    r"(?:street|avenue|road|lane|drive|court|boulevard|terrace|crescent|parkway|highway)\b"
)
_ADDR_STOP = _ws(
    """the a an my our your his her their this that these those its down up on in at to from
    of off by for with into onto over past along across around near blocks block doors door
    houses house miles mile minutes minute steps step times cars people kids years days
    weeks hours more other same different next whole one two three four five six seven
    eight nine ten dead end main way"""
)
# substrings (of the lowercased text) without which the street-form regexes cannot match
_FR_HINTS = (
    "rue ", "avenue ", "av. ", "boulevard ", "bd ", "place ", "chemin ", "allée ", "allee ",
    "impasse ", "quai ", "cours ", "route ",
)  # fmt: skip
_ES_HINTS = ("calle ", "avenida ", "avda. ", "paseo ", "plaza ", "carrer ", "rua ")
_DE_HINTS = (
    "straße", "strasse", "str.", "weg ", "platz ", "allee ", "gasse ", "ring ", "damm ",
    "ufer ",
)  # fmt: skip
_BOX_HINTS = ("box",)
PO_BOX_RE = re.compile(r"(?i)\bP\.?[ \t]?O\.?[ \t]*Box[ \t]+\d{1,6}\b")
UK_POSTCODE_RE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) \d[A-Z]{2}\b")
# What may follow a street address and belongs to it: the unit ("Lot 14", "Apt 4B", "3º B"),
# the town, the state or province with its ZIP ("Westerville, OH 43081"), a postcode with
# its town ("46004 Valencia", "M14 5TQ").
_ADDR_UNIT_RE = re.compile(
    r"(?:,[ \t]*|[ \t]+)(?:(?:(?i:Lot|Apt|Apartment|Unit|Suite|Ste|Flat|Space|Trailer|Rm|Room|"
    r"Bldg|Building|Block|Floor|Fl|Piso|Puerta|Pta|Etage|Wohnung)|No|Nr)\.?[ \t]*#?[ \t]*"
    r"[A-Za-z0-9-]{1,6}|#[ \t]?[A-Za-z0-9-]{1,6}"
    r"|\d{1,2}[º°ª](?:[ \t]?(?:izq(?:da)?|dcha|der(?:echa)?|centro|[A-Za-z]))?)"
    r"(?![\w@/])"
)
_ADDR_TOWN_RE = re.compile(
    r",[ \t]*(?:[A-Z][\w'’.-]+(?:[ \t][A-Z][\w'’.-]+){0,2}"
    r"(?=[,.;!?)]|[ \t]+[A-Z]{2,3}\b|[ \t]+[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}\b|[ \t]+\d{4}\b"
    r"|[ \t]*$|[ \t]*\n)"
    r"|\d{4,5}[ \t]+[A-Z][\w'’-]+(?:[ \t][A-Z][\w'’-]+)?|"
    r"(?:[A-Z]{1,2}\d[A-Z\d]?) \d[A-Z]{2}\b)"
)
_ADDR_STATE_RE = re.compile(
    r",?[ \t]+(?:[A-Z]{2,3}(?:[ \t]+\d{4,5}(?:-\d{4})?)?|\d{4,5}(?:-\d{4})?|"
    r"[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}|[A-Z]{2}[ \t]+[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)(?![\w])"
)
_ADDR_UNIT_BEFORE_RE = re.compile(
    r"(?:Flat|Apt|Apartment|Unit|Suite|Lot)\.?[ \t]*#?[A-Za-z0-9-]{1,5},?[ \t]+$"
)


# "my address is ...", "renting at ...", "the flat is at ...": what follows, to the end of
# the clause, is an address when it holds a digit (any country's form: "ul. Długa 27/14,
# 31-147 Kraków", "Blk 12 Lot 7, Brgy. San Isidro, Cainta, Rizal 1900").
_ADDRESS_CUE_RE = re.compile(
    r"(?i)\b(?:(?:home|postal|mailing|billing|forwarding|old|new|current|previous|delivery|"
    r"return|shipping|street|flat|his|her|my|their|our|the|your|recipient's|sender's)\s+)"
    r"address(?:es)?(?:\s+(?:is|was|as|on\s+(?:it|the\s+\w+)|of\s+\w+))?"
    r"(?:\s+(?:supposedly|apparently|listed\s+as|now))?\s*[:,(-]?\s*"
    r"|\b(?:live|lives|living|lived|moved|moving|renting|rented|staying|stayed|registered|"
    r"located|based|reside|resides|residing)\s+(?:at|to|in)\s+"
    r"|\b(?:room|flat|apartment|unit|studio|house|home|office|property|place|condo)\s+"
    r"(?:is\s+|was\s+)?(?:supposedly\s+)?at\s+"
)
_ADDRESS_STOP_RE = re.compile(
    r"\n|[()\"“”<>]|[!?;](?=\s|$)|\.(?=\s|$)"
    r"|,\s+(?=(?-i:[a-z]))(?!(?:ul|pta|apt|no|nr|piso|puerta|esc|izq|dcha)\b)"  # ", two doors down"
    r"|\s+(?:and|but|so|which|where|since|because|"
    r"for|from|to|until|with|without|who|that|if|when|re|is|was|are|were|has|had|have|"
    r"said|says|goes|went|got|gets|keeps|kept|asked|wants|now|today|tonight|anymore|"
    r"currently|too|though|btw|lol|haha|in\s+(?:19|20)\d\d|"
    r"(?:in|on|last|this|next|since)\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    r"mon|tue|wed|thu|fri|sat|sun)[a-z]*)\b",
    re.IGNORECASE,
)
_TIME_START_RE = re.compile(r"(?i)\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm|a\.m|p\.m|o'?clock|h)\b")
_ADDR_ABBREV = _ws(
    "st rd ave av brgy blk ul col no nr apt mt dr ln pl ct bldg ma sta pta sr jr bd dist"
)


def _cued_addresses(text: str) -> Iterator[tuple[int, int]]:
    for c in _ADDRESS_CUE_RE.finditer(text):
        start = c.end()
        if start >= len(text):
            continue
        first = re.match(r"[\w']+", text[start:start + 12])
        if not (
            text[start].isdigit()
            or text[start].isupper()
            or (first is not None and first.group().lower() in _ADDR_ABBREV)
        ):
            continue
        end = min(len(text), start + 120)
        for m in _ADDRESS_STOP_RE.finditer(text, start, end):
            if m.group() == "." and text[m.end() : m.end() + 1] == " ":
                word = re.search(r"(\w+)$", text[max(start, m.start() - 6) : m.start()])
                nxt = text[m.end() + 1 : m.end() + 2]
                if word is not None and word.group(1).lower() in _ADDR_ABBREV and (
                    nxt.isupper() or nxt.isdigit()
                ) and not re.match(r"\s+(?:I|The|My|He|She|We|They|It|But|So|And)\b",
                                   text[m.end() :]):
                    continue  # "Brgy. San Isidro", "ul. Długa"
            end = m.start()
            break
        value = text[start:end].rstrip(" ,-")
        if len(value) < 6 or not _DIGIT_RE.search(value[:40]) or _TIME_START_RE.match(value):
            continue
        if not ("," in value or _DIGIT_RE.match(value) or " " in value.strip()):
            continue
        yield start, start + len(value)


def _extend_address(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow an address span over the unit, town, state/ZIP and postcode around it."""
    m = _ADDR_UNIT_BEFORE_RE.search(text, max(0, start - 20), start)
    if m is not None:
        start = m.start()
    for _ in range(4):
        for rx in (_ADDR_UNIT_RE, _ADDR_TOWN_RE, _ADDR_STATE_RE):
            m = rx.match(text, end)
            if m is not None:
                end = m.end()
                break
        else:
            break
    return start, end

# ------------------------------------------------------------------------ name contexts

_LOWER_I_RE = re.compile(r"(?:^|(?<=[\s(\"“]))i(?=[\s']|’|$)", re.M)  # "i think", "i'm"
_WORD_RE = re.compile(
    r"\[(?:EMAIL|PHONE|URL|USER|HANDLE|SUBREDDIT|ADDRESS|NAME|AGE_GENDER|"
    + "|".join(ID_TYPES)
    + r")\]"
    r"|[^\W\d_]+(?:[-'’][^\W\d_]+)*"
)
_POSS_RE = re.compile(r"['’]s$")

KIN = _ws(
    """friend bestfriend bff bestie buddy pal mate bf gf boyfriend girlfriend husband hubby
    wife wifey partner fiance fiancee fiancé fiancée spouse ex sister brother sis bro sibling
    twin mom mum mother dad father stepmom stepdad stepmother stepfather stepsister
    stepbrother stepson stepdaughter son daughter kid child baby toddler cousin aunt auntie
    uncle niece nephew grandma grandpa grandmother grandfather granddaughter grandson nan
    nana gran granny grandad granddad boss manager supervisor coworker cowork colleague
    teammate employee employer intern assistant roommate roomie flatmate housemate neighbor
    neighbour landlord landlady tenant teacher professor tutor student therapist counselor
    counsellor doctor dentist nurse coach mentor pastor priest rabbi classmate crush date
    acquaintance client customer lawyer attorney realtor babysitter nanny mil fil sil bil
    soulmate lover affair ap bride groom godmother godfather godson goddaughter stepkid
    supervisee subordinate lead recruiter interviewer trainer captain sergeant officer
    doc vet tenant guest host advisor adviser accountant agent broker solicitor barrister
    caseworker planner consultant contractor handyman plumber electrician mechanic builder
    adjuster inspector paralegal notary dietitian physio physiotherapist psychiatrist
    psychologist midwife receptionist secretary headteacher headmaster principal parent
    stepparent carer caregiver sponsor collector caller rep representative seller buyer
    driver courier girl guy boy bloke dude lady woman man chachu chacha chachi mami mausi
    masi bua bhaiya bhai didi dadi nani tita tito lola lolo ate kuya tia tio abuela abuelo
    nonna nonno oma opa tante onkel"""
)
KIN_MODIFIERS = _ws(
    """best old older oldest young younger youngest little big baby new ex former late future
    current dear close good great twin half step childhood college school work online
    long distance then now soon to be elder eldest other favorite favourite only real
    biological bio adopted foster sweet lovely amazing married female male year years yr
    yrs month months week weeks day days"""
)
KIN_DETS = _ws("my our his her their your a an the this that whose mine")
TITLES = _ws(
    """Mr Mrs Ms Miss Mx Dr Prof Professor Coach Officer Detective Judge Aunt Auntie Uncle
    Nurse Pastor Father Rabbi Imam Cousin Grandma Grandpa Granny Nana Sir Madam Madame
    Mister Mistress Sister Brother Captain Sergeant Sgt Lt Principal Dean Reverend Rev
    Senator Deacon Sr Sra Srta Mme Mlle Herr Frau Signor Signora Sig Dott Dra Shri Smt
    Dona Dom Lic Ing Arq Tita Tito Ate Kuya Pani Pan Aling Mang Capt Insp Barrister"""
)
LOWER_TITLES = _ws("aunt auntie uncle cousin grandma grandpa granny nana")
GREETINGS = _ws(
    "dear hi hey hello hiya heya howdy yo thanks cheers congrats congratulations bye "
    "goodbye morning evening night love sincerely regards"
)
NAMED_WORDS = _ws("named nicknamed called aka dubbed signed")
# Nouns whose "named X" / "called X" is not a person.
NON_PERSON_NOUNS = _ws(
    """dog dogs puppy pup cat cats kitten kitty rabbit bunny hamster guinea pig bird parrot
    fish horse pony pet pets snake lizard turtle goat cow chicken car truck boat bike van
    hurricane storm tornado plant doll teddy toy band company business app game show movie
    film song album book novel podcast place town city village restaurant bar cafe shop
    store street road brand channel server account website site group chat"""
)
# Words that can precede a sentence subject ("Then Xochitl and I went").
SUBJECT_LEAD = _ws("then so but and when because after before since while yesterday today")
COMM_VERBS = _ws(
    """told tell tells telling asked ask asks asking texted text texting messaged message
    messaging dmed dm'd emailed email called call calling phoned met meet meeting invited
    invite inviting married marry marrying dated dating date kissed kissing hugged hugging
    thanked thank blocked block unblocked ghosted ghosting dumped dump hired fired visited
    visiting befriended introduced warned begged convinced reminded promised congratulated
    confronted forgave forgive trusted trust helped help helping thank thanks"""
)
# Verbs before "to X" / "with X" / "on X" that make X a person ("talked to Will", "broke up
# with Grace", "cheated on May"); "went to Paris" is a place, so "went" is a WITH verb only.
TO_VERBS = _ws(
    """talked talk talking talks spoke speak speaking said say says wrote write writing
    explained explain lied lie lying listen listened listening sent send sending gave give
    giving apologized apologised apologize apologise complained complain mentioned mention
    confessed confess admitted admit introduced introduce married engaged replied reply
    responded respond texting vented vent opened reached yelled yell out up belongs belonged
    proposed propose"""
)
WITH_VERBS = _ws(
    """talked talk talking spoke speak speaking texting chatting chatted chat hanging hang
    hung out up broke went go going came come coming moved living lives live stay stayed
    staying argued arguing fought fight fighting slept sleeping cheated hooked friends
    met meet meeting dinner lunch coffee date dates matched match"""
)
ON_VERBS = _ws("cheated cheating cheat checked check")
IN_VERBS = _ws("confided confide confiding believe believed believes interested trust faith")
SPEECH = _ws(
    """said says told tells asked asks texted texts replied responded answered thinks
    thought wants wanted knows knew admitted insisted yelled screamed shouted laughed
    cried agreed refused promised decided lied apologized apologised explained mentioned
    suggested claims claimed insists messaged called calls emailed snapped whispered
    sighed smiled nodded shrugged admits agrees refuses suggests reckons hugged kissed
    texting asking telling saying"""
)
# Words after which an ambiguous name is a date or place, not a person.
PRE_BLOCK = _ws(
    "st saint san santa santo sao são lake mount mt fort port cape prophet pope lord virgin "
    "king queen prince princess lady"
)
DETERMINERS = _ws("a an the this that these those every each another any some no per")
TIME_PREPS = _ws(
    """in on by since until till from of during last next early late mid before after
    around through throughout into to at for this every each whole entire"""
)
MODAL_NEXT = _ws(
    """not be have i you we he she they it this that there never always also still just
    probably definitely only really get go do make take need be be, say tell help let
    come see know try give keep find think feel work ever already"""
)
PLACE_NOUNS = _ws(
    """street avenue road lane drive boulevard way st ave rd college university school high
    elementary middle academy institute hospital clinic church cathedral chapel county
    city town beach bay lake river island park square station airport mall center centre
    hall bridge library museum theater theatre stadium arena heights hills valley springs
    falls foundation corporation inc llc ltd company co restaurant hotel cafe bank fund
    memorial state province district"""
)
PARTICLES = _ws("van von de da di del della der den du la le bin ibn al el dos das")
_AGE_GAP_RE = re.compile(r"[ -]\d{1,2}[ -]")  # "my 15 year old daughter", "my 6-year-old son"
_KIN_GAP_RE = re.compile(r"(?:\s*,\s*|\s*[—–]\s*|\s+)(?:\([^()\n]{1,25}\)\s*,?\s*)?")
_AGE_AFTER_RE = re.compile(
    r"\s*[(\[]\s*(?:\d{1,2}\s*[/,-]?\s*(?:[mMfF]|nb|NB|ftm|mtf)?|(?:[mMfF]|nb|NB)\s*[/,-]?\s*"
    r"\d{1,2})\s*[)\]]"
)
_SENT_END_RE = re.compile(r"(?:[.!?:;]|\n)[\s\"'“”‘’()\[\]*_>~-]*$")
_NAMED_GAPS = frozenset({" ", ' "', " '", " “", " ‘", ": ", ' ("'})


class _Span(NamedTuple):
    start: int
    end: int
    kind: str  # a PII type, AGE_GENDER, or "KEEP" (protected text)
    prio: int


_PRIO = {
    "KEEP": 0,
    "EMAIL": 1,
    "USER_URL": 2,
    "URL": 3,
    "USERNAME": 4,
    "SUBREDDIT": 4,
    "HANDLE": 5,
    "URL_BARE": 6,
    "PHONE": 7,
    "ADDRESS": 8,
    "NAME": 9,
    **dict.fromkeys(ID_TYPES, 1),  # validated (check digits) or named by a context word
}

# token kinds
_W, _PH, _BLK = 0, 1, 2


def _trim_url(text: str, start: int, end: int) -> int:
    """End of a URL match without trailing punctuation or an unbalanced ')'."""
    while end > start:
        c = text[end - 1]
        if c in _TRAIL_PUNCT or (
            c == ")" and text.count("(", start, end) < text.count(")", start, end)
        ):
            end -= 1
        else:
            break
    return end


def _valid_phone(groups: list[str], plus: bool, context: bool) -> bool:
    """Is this run of digit groups a phone number? (groups may be "(020)"-style)."""
    digits = "".join(g.strip("()") for g in groups)
    nd = len(digits)
    lens = [len(g.strip("()")) for g in groups]
    if plus:
        return 8 <= nd <= 15 and (len(groups) >= 2 or nd >= 10)
    if len(groups) == 1:
        if 10 <= nd <= 11 and digits[0] == "0" and digits[1] != "0":
            return True
        if nd == 10 and digits[0] in "23456789" and digits[3] in "23456789" and digits[1:3] != "00":
            return True  # a North American number typed without separators: 2035550161
        return context and (
            (nd == 10 and digits[0] in "23456789") or (nd == 11 and digits[0] == "1")
        )
    # dates such as 12.05.2023 or 2023-05-12
    if len(lens) == 3 and (
        (lens[2] == 4 and lens[0] <= 2 and lens[1] <= 2)
        or (lens[0] == 4 and lens[1] <= 2 and lens[2] <= 2)
    ):
        return False
    if lens == [3, 3, 4]:
        return True
    if 10 <= nd <= 12 and max(lens) == 1:
        return True  # spaced out digit by digit: "4 0 7 5 5 5 0 1 2 6"
    if lens == [1, 3, 3, 4] and digits[0] == "1":
        return True
    if digits[0] == "0" and 9 <= nd <= 12 and lens[0] >= 2 and min(lens[1:]) >= 2:
        return True
    if lens == [5, 5] and digits[0] in "6789":
        return True
    return context and lens in ([3, 4], [4, 4], [2, 4, 4]) and digits[0] not in "01"


_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
SPELLED_PHONE_RE = re.compile(
    rf"(?i)(?<![\w-]){_DIGIT_WORD}(?:(?:[ \t]*[,.-][ \t]*|[ \t]+){_DIGIT_WORD}){{6,14}}(?![\w-])"
)


SPACED_PHONE_RE = re.compile(r"(?<![\w.,+-])\d(?:[ \t]\d){9,11}(?![\w]|[.,]\d)")


def spelled_phone_spans(text: str) -> Iterator[_Span]:
    """A phone number written out in words: "five five five, zero one nine three, ..."
    (seven digit words or more in a row)."""
    for m in SPELLED_PHONE_RE.finditer(text):
        yield _Span(m.start(), m.end(), "PHONE", _PRIO["PHONE"])


def spaced_phone_spans(text: str) -> Iterator[_Span]:
    """A phone number typed digit by digit: "4 0 7 5 5 5 0 1 2 6" (10 to 12 digits)."""
    for m in SPACED_PHONE_RE.finditer(text):
        yield _Span(m.start(), m.end(), "PHONE", _PRIO["PHONE"])


def phone_spans(text: str) -> Iterator[_Span]:
    """Phone numbers in ``text`` (several national formats; dates and years are not)."""
    for m in PHONE_CAND_RE.finditer(text):
        s = m.group()
        if len(s) < 7 or sum(ch.isdigit() for ch in s) < 7:
            continue
        groups = [(g.start(), g.end(), g.group()) for g in _PH_DIGITS_RE.finditer(s)]
        plus = s.startswith(("+", "00"))
        context: bool | None = None
        i = 0
        while i < len(groups):
            found = False
            for j in range(len(groups), i, -1):
                strings = [g[2] for g in groups[i:j]]
                needs_ctx = not (plus and i == 0)
                if needs_ctx and context is None:
                    context = bool(
                        _PHONE_CONTEXT_RE.search(text, max(0, m.start() - 60), m.start())
                    )
                # context-only formats (555-0199) must stand alone, not be part of a
                # longer run of numbers or glued to a placeholder
                whole = i == 0 and j == len(groups) and _isolated(text, m.start(), m.end())
                if _valid_phone(strings, plus and i == 0, bool(context) and whole):
                    start = m.start() if (plus and i == 0) else m.start() + groups[i][0]
                    end = m.start() + groups[j - 1][1]
                    ext = _PHONE_EXT_RE.match(text, end)
                    yield _Span(start, ext.end() if ext else end, "PHONE", _PRIO["PHONE"])
                    i, found = j, True
                    break
            if not found:
                i += 1


class Scrubber:
    """Replaces personal data with typed placeholders; build once, reuse for many texts."""

    def __init__(self, config: ScrubConfig = ScrubConfig()) -> None:  # noqa: B008
        self.config = config
        self.lex = load_lexicon()
        person_words = self.lex.first_names | self.lex.surnames
        self._phrases = PhraseIndex(
            _without_person_words(self.lex.phrases, person_words),
            _without_person_words(self.lex.public_figures, person_words),
            _is_kin,
        )
        self._unamb = self.lex.first_names - self.lex.ambiguous
        self.nlp: Any = None
        if config.spacy_model:
            self.nlp = _load_spacy(config.spacy_model)

    # ------------------------------------------------------------------ public API

    def scrub(self, text: str, known_names: frozenset[str] = frozenset()) -> ScrubResult:
        """Replace the personal data in ``text``; ``known_names`` (from :meth:`post_names`)
        are folded name words found elsewhere in the post, taken here too (see
        :meth:`scrub_post`, which does this for a post's fields)."""
        if not text:
            return ScrubResult(text, {})
        doc = self.nlp(text) if self.nlp is not None else None
        return self._scrub(text, doc, known_names)

    def scrub_many(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[ScrubResult]:
        if self.nlp is None:
            for text in texts:
                yield self.scrub(text)
            return
        pairs = ((t or "", t) for t in texts)
        for doc, text in self.nlp.pipe(pairs, batch_size=batch_size, as_tuples=True):
            yield self._scrub(text, doc) if text else ScrubResult(text, {})

    # ------------------------------------------------------------------ detection

    def scrub_post(self, *fields: str) -> list[ScrubResult]:
        """Scrub the fields of one post (title, body) with one decision per name across
        them: a name found in the title is taken in the body too, and the other way round."""
        return [_render(t, spans) for t, spans in zip(fields, self.post_spans(*fields),
                                                      strict=True)]  # fmt: skip

    def post_spans(self, *fields: str) -> list[list[tuple[int, int, str]]]:
        """:meth:`find_spans` of each field of a post, names shared across the fields; each
        field's spans are found once."""
        found: list[tuple[list[_Span], list[_Span]] | None] = []
        words: set[str] = set()
        for text in fields:
            if not text:
                found.append(None)
                continue
            doc = self.nlp(text) if self.nlp is not None else None
            accepted, names = self._spans(text, doc)
            found.append((accepted, names))
            words |= self.name_words(text, names)
        known = frozenset(words)
        out: list[list[tuple[int, int, str]]] = []
        for text, spans in zip(fields, found, strict=True):
            if spans is None:
                out.append([])
                continue
            accepted, names = spans
            if known:
                names = self._propagate_names(text, accepted, names, known)
            out.append([(s.start, s.end, s.kind) for s in sorted(accepted + names)])
        return out

    def _scrub(
        self, text: str, doc: Any = None, known_names: frozenset[str] = frozenset()
    ) -> ScrubResult:
        return _render(text, self.find_spans(text, doc, known_names))

    def find_spans(
        self, text: str, doc: Any = None, known_names: frozenset[str] = frozenset()
    ) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, type) spans, in text order (type "KEEP" = protected).

        One decision per name: once a word is taken as (part of) a person's name, its other
        mentions in the text (and the words in ``known_names``, folded: names found in the
        other fields of the same post) are taken too, "Bill" after "[NAME] Harrington",
        "jamal" after "Jamal", a possessive "Tasha's". A name that is also an ordinary word
        ("Will", "Rose") is taken again only capitalized and not at a sentence start.
        """
        accepted, names = self._spans(text, doc)
        words = self.name_words(text, names) | known_names
        if words:
            names = self._propagate_names(text, accepted, names, words)
        return [(s.start, s.end, s.kind) for s in sorted(accepted + names)]

    def _spans(self, text: str, doc: Any = None) -> tuple[list[_Span], list[_Span]]:
        labels = list(self._chat_label_spans(text))  # one scan: handle-shaped and name labels
        candidates = self._regex_candidates(text, [s for s in labels if s.kind == "HANDLE"])
        ner_names: list[_Span] = []
        places: list[tuple[int, int]] = []
        if doc is not None:
            ner_names, places, ner_addr = self._ner_spans(doc)
            candidates.extend(ner_addr)
        accepted = _resolve(candidates)
        names = self._find_names(text, accepted, places)
        extra = list(
            _form_and_nick_names(text, names, self.lex.first_names, self.lex.frequent)
        )
        extra += [s for s in labels if s.kind == "NAME"]
        if extra:
            names = _merge_names(names, [s for s in extra if not _overlaps(accepted, s)])
        if ner_names:
            names = _merge_names(names, [s for s in ner_names if not _overlaps(accepted, s)])
        if names:
            names = self._close_names(text, accepted, names)
        return accepted, names

    def _close_names(self, text: str, accepted: list[_Span], names: list[_Span]) -> list[_Span]:
        """Each name with the name words written next to it: a name is never left half
        removed ("Jordan [NAME]" for "Jordan R. Whitlock", "[NAME] Tan", "Lim [NAME]",
        "[NAME] al-Mansoori"). A capitalized word joins a name it touches (one space, the same
        line; after an initial's period too) unless it is a title, a month or weekday, a
        place noun, a word the rules never take as a name, an acronym next to a name not in
        capitals, or opens a new sentence; on the left it must also be a given name, a
        surname or a word no frequency list has, and not a kinship word nor, unless a given name
        or surname, a sentence's first word ("Yesterday Sarah", "Colleague Reto" stay)."""
        lex = self.lex
        tokens = list(_WORD_RE.finditer(text))
        if len(tokens) < 2:
            return names
        starts = [m.start() for m in tokens]
        blocked = sorted((sp.start, sp.end) for sp in accepted)

        def free(k: int) -> bool:
            a, b = tokens[k].span()
            j = bisect.bisect_right(blocked, (a, len(text)))
            before = j > 0 and blocked[j - 1][1] > a
            return not (before or (j < len(blocked) and blocked[j][0] < b))

        def joinable(k: int, caps: bool) -> bool:
            w = tokens[k].group()
            base = _POSS_RE.sub("", w)
            if w[0] == "[" or not free(k):
                return False
            lw = base.lower()
            head = lw.split("-", 1)[0]
            if not base[0].isupper() and not (head in PARTICLES and "-" in lw):
                return False  # "al-Mansoori" joins, "said" does not
            key = fold(base)
            if key in lex.not_names or lw in PLACE_NOUNS or base in TITLES or key in _CLOSE_STOP:
                return False
            return caps or not (base.isupper() and len(base) > 1)

        out: list[_Span] = []
        for sp in names:
            k0 = bisect.bisect_left(starts, sp.start)
            k1 = bisect.bisect_left(starts, sp.end) - 1
            if k0 >= len(tokens) or k1 < k0 or tokens[k0].start() != sp.start:
                out.append(sp)
                continue
            inner = text[sp.start : sp.end]
            caps = inner.isupper()
            start, end = sp.start, sp.end
            k = k1 + 1
            for _ in range(3):
                if k >= len(tokens) or _POSS_RE.search(tokens[k - 1].group()):
                    break
                gap = text[tokens[k - 1].end() : tokens[k].start()]
                initial = len(tokens[k - 1].group()) == 1 and gap == ". "
                if (gap != " " and not initial) or not joinable(k, caps):
                    break
                end = tokens[k].start() + len(_POSS_RE.sub("", tokens[k].group()))
                k += 1
            k = k0 - 1
            for _ in range(2):
                if k < 0 or text[tokens[k].end() : start] != " " or not joinable(k, caps):
                    break
                base = _POSS_RE.sub("", tokens[k].group())
                if base != tokens[k].group():
                    break  # "Sarah's Tom": two people
                key = fold(base)
                person = key in lex.first_names or key in lex.surnames
                if "-" in base:  # "Amber-Lynn" joins, "TP-Link" does not
                    person = all(fold(p) in lex.first_names or fold(p) in lex.surnames
                                 for p in base.split("-"))
                    if not person:
                        break
                if (key in lex.frequent and not person) or _is_kin(base.lower()):
                    break
                if not person and _sentence_start(text, tokens[k].start()):
                    break  # "Meanwhile Gareth", "Colleague Reto"
                start = tokens[k].start()
                k -= 1
            out.append(_Span(start, end, sp.kind, sp.prio))
        if '"' in text or "“" in text or "(" in text:
            # 'Richard "Rick" Tolliver', 'Dolores ("Dee") Castellano': one name, nickname
            # and all, when the rules took a part of it
            for m in NICKNAMED_NAME_RE.finditer(text):
                a, b = m.span()
                if fold(m.group("s")) in lex.not_names or m.group("s") in TITLES:
                    continue
                if any(sp.start < b and a < sp.end for sp in out):
                    out.append(_Span(a, b, "NAME", _PRIO["NAME"]))
        return _merge_names(out, [])

    def _chat_label_spans(self, text: str) -> Iterator[_Span]:
        """Speaker labels of a pasted chat log ("Rob: who??", "mia: sorry", "[21:04] Kerry:",
        a Slack paste's "**Gillian** 9:02 AM"): two chat lines or more, with two labels or
        one of them "me", or one bold label. A label shaped like a handle ("xX_v0idwalker_Xx:",
        "xo.kyla.xo:") is a HANDLE; one that is a given name, or a capitalized word no
        dictionary has, a NAME."""
        has_bold = "**" in text
        if text.count(":") < 2 and not has_bold:
            return
        lines = list(CHAT_LINE_RE.finditer(text))
        bold = list(BOLD_LABEL_RE.finditer(text)) if has_bold else []
        lines += bold
        if not lines or (len(lines) < 2 and not has_bold):
            return
        labels = {m.group("label") for m in lines}
        lowered = {lab.lower() for lab in labels}
        if len(labels) < 2 and not lowered & _ME_LABELS and not bold:
            return
        lex = self.lex
        for m in lines:
            label = m.group("label")
            key = fold(label.split()[0])
            if (
                key in _ME_LABELS
                or key.rstrip("0123456789") in _NOT_LABEL_NAMES
                or key in lex.not_names
            ):
                continue  # "me:", "EDIT2:", "Mom:"
            if _LABEL_HANDLE_RE.search(label) is not None:
                yield _Span(m.start("label"), m.end("label"), "HANDLE", _PRIO["HANDLE"])
            elif key in lex.first_names or (
                label[0].isupper() and key not in lex.common and key not in lex.frequent
            ):
                yield _Span(m.start("label"), m.end("label"), "NAME", _PRIO["NAME"])

    def name_words(self, text: str, names: Iterable[_Span]) -> frozenset[str]:
        """The folded words (possessive dropped, 2+ letters) of the NAME spans in ``text``."""
        out: set[str] = set()
        for sp in names:
            for m in _WORD_RE.finditer(text, sp.start, sp.end):
                w = _POSS_RE.sub("", m.group())
                if len(w) >= 2 and w.isalpha():
                    out.add(fold(w))
        return frozenset(out)

    def _propagate_names(
        self, text: str, accepted: list[_Span], names: list[_Span], words: frozenset[str]
    ) -> list[_Span]:
        taken = sorted(accepted + names)
        starts = [s.start for s in taken]
        common, ambiguous = self.lex.common, self.lex.ambiguous
        added: list[_Span] = []
        tokens = list(_WORD_RE.finditer(text))
        for t, m in enumerate(tokens):
            token = m.group()
            base = _POSS_RE.sub("", token)
            key = fold(base)
            if key not in words or not base.isalpha() or key in self.lex.not_names:
                continue
            start, end = m.start(), m.start() + len(base)
            k = bisect.bisect_right(starts, start)
            if (k > 0 and taken[k - 1].end > start) or (k < len(taken) and taken[k].start < end):
                continue
            if (key in common or key in ambiguous) and not _mention_is_name(
                text, tokens, t, base
            ):
                continue
            added.append(_Span(start, end, "NAME", _PRIO["NAME"]))
        return _merge_names(names, added) if added else names

    def _regex_candidates(self, text: str, label_handles: Iterable[_Span] = ()) -> list[_Span]:
        """Every candidate span but names; ``label_handles`` are the chat labels shaped like
        handles (:meth:`_chat_label_spans`)."""
        c: list[_Span] = []
        add = c.append
        for m in PLACEHOLDER_RE.finditer(text):
            add(_Span(m.start(), m.end(), "KEEP", 0))
        # Age/gender markers are never matched by the other rules; they are found only to
        # replace them when keep_age_gender is False.
        if not self.config.keep_age_gender:
            for m in AGE_GENDER_RE.finditer(text):
                add(_Span(m.start(), m.end(), AGE_GENDER, 0))
        for a, b in self._phrases.spans(text):
            # a brand or public figure is protected from the name rules only: a handle,
            # username, plate or link that contains one ("u/Copper-Comet") is still taken
            add(_Span(a, b, "KEEP", _PRIO["NAME"]))
        if "@" in text:
            for m in EMAIL_RE.finditer(text):
                add(_Span(m.start(), m.end(), "EMAIL", _PRIO["EMAIL"]))
        if _OBF_HINT_RE.search(text):
            for m in OBF_EMAIL_RE.finditer(text):
                if self._valid_obf_email(m):
                    add(_Span(m.start(), m.end(), "EMAIL", _PRIO["EMAIL"]))
        low = text.lower()
        if "/" in text:
            if "reddit.com/" in low:
                for m in REDDIT_USER_URL_RE.finditer(text):
                    add(_Span(m.start(), _trim_url(text, m.start(), m.end()), "USERNAME", 2))
            if "://" in text:
                for m in URL_SCHEME_RE.finditer(text):
                    add(_Span(m.start(), _trim_url(text, m.start(), m.end()), "URL", 3))
            if "](" in text:
                for m in MARKDOWN_LINK_RE.finditer(text):
                    span = self._markdown_target(m)
                    if span is not None:
                        add(span)
            if "u/" in low:
                for m in USERNAME_RE.finditer(text):
                    add(_Span(m.start(), m.end(), "USERNAME", _PRIO["USERNAME"]))
            if self.config.subreddit_links and "r/" in low:
                for m in SUBREDDIT_RE.finditer(text):
                    add(_Span(m.start(), m.end(), "SUBREDDIT", _PRIO["SUBREDDIT"]))
        if "." in text:
            if "www" in low:
                for m in URL_WWW_RE.finditer(text):
                    add(_Span(m.start(), _trim_url(text, m.start(), m.end()), "URL", 3))
            for m in URL_BARE_RE.finditer(text):
                if _valid_bare_url(m):
                    end = _trim_url(text, m.start(), m.end())
                    add(_Span(m.start(), end, "URL", _PRIO["URL_BARE"]))
        handles = list(handle_spans(text, self.lex.frequent.__contains__, low))
        handles += [(sp.start, sp.end) for sp in label_handles]
        for a, b in _other_mentions(text, handles):
            add(_Span(a, b, "HANDLE", _PRIO["HANDLE"]))
        c.extend(_Span(a, b, kind, _PRIO[kind]) for a, b, kind in id_candidates(text))
        c.extend(phone_spans(text))
        c.extend(spaced_phone_spans(text))
        if "five" in low or "nine" in low or "zero" in low or "seven" in low:
            c.extend(spelled_phone_spans(text))
        c.extend(self._address_spans(text, low))
        return c

    def _valid_obf_email(self, m: re.Match[str]) -> bool:
        whole = m.group()
        if "@" in whole and not any(ch.isspace() for ch in whole) and "[" not in whole:
            return False  # a plain address: EMAIL_RE has it
        local = m.group("local").lower()
        if local in _LOCAL_STOP:
            return False
        domain_first = re.split(r"[\s.\[\](){}<>]", m.group("domain").lower(), maxsplit=1)[0]
        return not (local in self.lex.common and domain_first not in MAIL_PROVIDERS)

    def _markdown_target(self, m: re.Match[str]) -> _Span | None:
        start, end = m.span("target")
        target = m.group("target")
        if target.startswith("<") and target.endswith(">"):
            start, end, target = start + 1, end - 1, target[1:-1]
        if not target or target.startswith("#") or PLACEHOLDER_RE.fullmatch(target):
            return None
        if PLACEHOLDER_RE.fullmatch(f"[{m.group('label')}]"):
            return None  # "[HANDLE](...)": a placeholder followed by parentheses, not a link
        if USERNAME_RE.fullmatch(target) or re.fullmatch(r"/?[rR]/[A-Za-z0-9_]+/?", target):
            return None  # u/ and r/ links: the username and subreddit rules decide
        if target.lower().startswith("mailto:"):
            return None  # EMAIL_RE redacts the address
        return _Span(start, end, "URL", 3)

    def _address_spans(self, text: str, low: str) -> Iterator[_Span]:
        for sp in self._street_spans(text, low):
            a, b = _extend_address(text, sp.start, sp.end)
            yield _Span(a, b, sp.kind, sp.prio)

    def _street_spans(self, text: str, low: str) -> Iterator[_Span]:
        prio = _PRIO["ADDRESS"]
        if "address" in low or " at " in low:
            for a, b in _cued_addresses(text):
                yield _Span(a, b, "ADDRESS", prio)
        if _DIGIT_RE.search(text):
            for m in ADDRESS_RE.finditer(text):
                suffix = m.group("suffix").lower()
                words = {fold(w.rstrip(".")) for w in m.group("name").split()}
                if suffix in ("court", "ct") and words & _COURT_NOT_STREET:
                    continue
                yield _Span(m.start(), m.end(), "ADDRESS", prio)
            for m in ADDRESS_LOWER_RE.finditer(text):
                if not set(m.group("name").split()) & _ADDR_STOP:
                    yield _Span(m.start(), m.end(), "ADDRESS", prio)
            for rx, hints in (
                (ADDRESS_FR_RE, _FR_HINTS),
                (ADDRESS_ES_RE, _ES_HINTS),
                (ADDRESS_DE_RE, _DE_HINTS + (" str.",)),
                (ADDRESS_IT_RE, _IT_HINTS),
                (ADDRESS_NL_RE, _NL_HINTS),
                (PO_BOX_RE, _BOX_HINTS),
            ):
                if any(h in low for h in hints):
                    for m in rx.finditer(text):
                        yield _Span(m.start(), m.end(), "ADDRESS", prio)
            for m in UK_POSTCODE_RE.finditer(text):
                yield _Span(m.start(), m.end(), "ADDRESS", prio)

    # ------------------------------------------------------------------ spaCy NER

    def _ner_spans(self, doc: Any) -> tuple[list[_Span], list[tuple[int, int]], list[_Span]]:
        names: list[_Span] = []
        places: list[tuple[int, int]] = []
        addresses: list[_Span] = []
        for ent in doc.ents:
            label = ent.label_
            if label in ("PERSON", "PER"):
                toks = [t for t in ent if not (t.is_punct or t.text in TITLES)]
                if not toks:
                    continue
                start = toks[0].idx
                last = toks[-1]
                end = last.idx + len(last.text)
                if last.text in ("'s", "’s") and len(toks) > 1:
                    end = toks[-2].idx + len(toks[-2].text)
                surface = doc.text[start:end]
                words = [fold(w) for w in _WORD_RE.findall(surface)]
                if not words or all(w in self.lex.not_names for w in words):
                    continue
                if PLACEHOLDER_RE.search(surface):
                    continue
                names.append(_Span(start, end, "NAME", _PRIO["NAME"]))
            elif label in ("GPE", "LOC", "FAC"):
                places.append((ent.start_char, ent.end_char))
                if label == "FAC" and ent.text[:1].isdigit():
                    addresses.append(
                        _Span(ent.start_char, ent.end_char, "ADDRESS", _PRIO["ADDRESS"])
                    )
        return names, places, addresses

    # ------------------------------------------------------------------ names

    def _find_names(
        self, text: str, accepted: list[_Span], places: list[tuple[int, int]]
    ) -> list[_Span]:
        lex = self.lex
        first_names, ambiguous, common = lex.first_names, lex.ambiguous, lex.common
        unamb, not_names, surnames = self._unamb, lex.not_names, lex.surnames
        matches = list(_WORD_RE.finditer(text))
        n = len(matches)
        starts = [m.start() for m in matches]
        ends = [m.end() for m in matches]
        words = [m.group() for m in matches]
        kinds = [_W] * n
        if "[" in text:
            for k, w in enumerate(words):
                if w[0] == "[":
                    kinds[k] = _PH if w == "[NAME]" else _BLK
        if accepted:  # tokens inside e-mails, URLs, protected text...: context only
            j, n_acc = 0, len(accepted)
            for k in range(n):
                while j < n_acc and accepted[j].end <= starts[k]:
                    j += 1
                if j == n_acc:
                    break
                if accepted[j].start < ends[k] and kinds[k] == _W:
                    kinds[k] = _BLK
        if n == 0:
            return []
        lowers = [w.lower() for w in words]
        ctx = _Ctx(text, starts, ends, words, lowers, kinds, self)
        lower_style = _LOWER_I_RE.search(text) is not None
        is_name = [False] * n
        spans: list[_Span] = []
        pending: list[int] = []  # ambiguous names left for the coordination pass

        for i in range(n):
            if kinds[i] != _W or is_name[i]:
                continue
            word = words[i]
            c0 = word[0]
            upper0 = c0.isupper()
            if not upper0:
                # lowercase: only given names that are not ordinary words, in context
                lw = lowers[i]
                if lw not in unamb and (
                    ("'" not in lw and "’" not in lw and lw.isascii())
                    or fold(_POSS_RE.sub("", lw)) not in unamb
                ):
                    if (
                        len(lw) >= 3
                        and lw.isalpha()
                        and lw not in common
                        and lw not in lex.ambiguous
                        and lw not in not_names
                        and lw not in _NOT_LOWER_NAMES
                        and _is_kin(ctx.prev_word(i))
                        and ctx.before(i) == "KIN"
                    ):  # "my friend devontae": a word no dictionary has, after a kin word
                        is_name[i] = True
                        spans.append(_Span(starts[i], ends[i], "NAME", _PRIO["NAME"]))
                    continue
            base = _POSS_RE.sub("", word) if ("'" in word or "’" in word) else word
            key = fold(base)
            if key in not_names or len(base) < 2:
                continue
            if base in TITLES and i + 1 < n and words[i + 1][:1].isupper():
                continue  # "Sr. Ortega", "Coach Ricky": the title, then the name
            apo = max(base.find("'"), base.find("’"))
            if apo >= 0 and (apo + 1 >= len(base) or not base[apo + 1].isupper()):
                continue  # a contraction (I'm, Don't), not O'Neil or D'Angelo
            all_caps = base.isupper()
            in_gaz = key in first_names
            amb = in_gaz and key in ambiguous
            if not in_gaz and "-" in base:
                parts = [fold(p) for p in base.split("-")]
                if all(p in unamb for p in parts):
                    in_gaz, amb = True, False
            if not in_gaz and (not upper0 or all_caps):
                continue
            if (
                not in_gaz
                and key in lex.frequent
                and key not in surnames
                and not (
                    upper0
                    and ctx.prev_word(i) in ("her", "him", "them")
                    and ctx.before(i) == "NAMED"
                )
            ):
                continue
            prev = ctx.prev_word(i)
            if prev in PRE_BLOCK or (prev in DETERMINERS and ctx.gap(i) == " "):
                continue
            if places and (amb or not in_gaz) and _inside(places, starts[i], ends[i]):
                continue
            if (
                prev == "in"
                and base == word
                and ctx.prev_word(i - 1) not in IN_VERBS
                and (amb or in_gaz)
            ):
                continue  # "in Savannah", "in Madison": a place (but "confided in Sarah")
            plain_name = in_gaz and not amb and upper0 and not all_caps
            before = "" if plain_name else ctx.before(i)
            decided = False
            if plain_name:
                decided = True
            elif in_gaz and not amb and not upper0:  # a lowercase given name
                decided = before in ("KIN", "NAMED", "GREET", "DEAR", "VERB", "TITLE", "ME")
                decided = decided or ctx.after(i, base) in ("AGE", "AND_I", "SPEECH")
                # a writer who types "i" for "I" types names in lowercase too: "i love jamal"
                decided = decided or (lower_style and "'" not in word and "’" not in word)
            elif in_gaz and not amb:  # ALL CAPS
                decided = before in ("KIN", "NAMED", "DEAR")
                if not decided and i + 1 < n and ctx.gap(i + 1) == " " and kinds[i + 1] == _W:
                    # "JOSEPH KAMAU": a given name, then a capitalized word no dictionary has
                    nxt = words[i + 1]
                    f2 = fold(nxt)
                    decided = (
                        nxt.isupper() and nxt.isalpha() and len(nxt) >= 3
                        and f2 not in common and f2 not in lex.frequent
                        and f2 not in not_names and not ctx.title_case(i)
                    )
            elif amb:
                if all_caps or not upper0:
                    continue
                if prev in TIME_PREPS and before != "VERB":
                    continue
                if (
                    key in ("will", "may")
                    and before not in ("VERB", "TITLE", "NAMED", "DEAR", "KIN")
                    and ctx.next_word(i) in MODAL_NEXT
                ):
                    continue
                after = ctx.after(i, base)
                if ctx.title_case(i):
                    decided = after in ("AGE", "AND_I", "SURNAME") or before in ("NAMED", "DEAR")
                else:
                    decided = (
                        before in ("KIN", "NAMED", "DEAR", "TITLE", "VERB", "ME")
                        or (before == "GREET")
                        or after in ("AGE", "AND_I", "SPEECH", "KINPOSS", "SURNAME")
                    )
                if not decided:
                    pending.append(i)
                    continue
            else:  # an unknown capitalized word
                if ctx.title_case(i):
                    continue
                after = ctx.after(i, base)
                if key in common and key not in surnames:
                    # a rarer ordinary word ("my co-worker Tre"): only right after a strong cue
                    decided = before in ("KIN", "NAMED", "DEAR", "TITLE")
                else:
                    decided = (
                        before in ("KIN", "NAMED", "DEAR", "TITLE")
                        or after == "AGE"
                        or (before == "GREET" and ctx.punct_after(i, base))
                        or (after == "AND_I" and (ctx.sentence_start(i) or prev in SUBJECT_LEAD))
                    )
                    if (
                        not decided
                        and not all_caps
                        and base.isalpha()
                        and prev not in TIME_PREPS
                        and prev not in ("at", "near", "to", "in", "from")
                        and not ctx.sentence_start(i)
                    ):
                        pending.append(i)  # "Tyler, Mikey and Bobby": a name among names
                        continue
            if not decided:
                continue
            span = self._extend_name(ctx, i, base)
            if span is None:
                continue
            start, end, last = span
            for k in range(i, last + 1):
                is_name[k] = True
            spans.append(_Span(start, end, "NAME", _PRIO["NAME"]))

        # Coordination: "Sarah and Will", "Sarah, Mark and Grace", "[NAME] & May".
        changed = True
        rounds = 0
        while pending and changed and rounds < 4:
            changed = False
            rounds += 1
            rest: list[int] = []
            for i in pending:
                # an unknown word joins names the rules found, not placeholders: what a
                # second pass sees as "[NAME] and Smith" the first pass saw as "Grace and Smith"
                if ctx.coordinated(i, is_name, placeholders=fold(words[i]) in first_names):
                    base = _POSS_RE.sub("", words[i])
                    span = self._extend_name(ctx, i, base)
                    if span is not None:
                        start, end, last = span
                        for k in range(i, last + 1):
                            is_name[k] = True
                        spans.append(_Span(start, end, "NAME", _PRIO["NAME"]))
                        changed = True
                        continue
                rest.append(i)
            pending = rest
        return _merge_names(spans, [])

    def _extend_name(self, ctx: _Ctx, i: int, base: str) -> tuple[int, int, int] | None:
        """(start, end, last token index) of the name at token i, with a following surname."""
        lex = self.lex
        words, kinds = ctx.words, ctx.kinds
        start = ctx.starts[i]
        end = start + len(base)
        last = i
        if base == words[i]:  # no possessive: a surname may follow
            k = i + 1
            n = len(words)
            added = 0
            while k < n and added < 2 and kinds[k] == _W:
                gap = ctx.gap(k)
                w = words[k]
                if gap == " " and len(w) == 1 and w.isupper() and k + 1 < n:
                    # a middle initial: "John F. Kennedy"
                    if ctx.gap(k + 1) == ". " and kinds[k + 1] == _W and words[k + 1][0].isupper():
                        k += 1
                        continue
                    break
                if gap not in (" ", ". ") or (gap == ". " and len(words[k - 1]) != 1):
                    break
                if ctx.lowers[k] in PARTICLES:
                    # "van der Berg", "de la Cruz", "bin Rashid": particles, then the surname
                    j = k
                    while j + 1 < n and ctx.lowers[j] in PARTICLES and j - k < 3:
                        if ctx.gap(j + 1) != " " or kinds[j + 1] != _W:
                            break
                        j += 1
                    nxt = words[j]
                    if (
                        j > k
                        and ctx.lowers[j] not in PARTICLES
                        and nxt[0].isupper()
                        and fold(_POSS_RE.sub("", nxt)) not in lex.frequent
                    ):
                        b2 = _POSS_RE.sub("", nxt)
                        end = ctx.starts[j] + len(b2)
                        last = j
                        added += 1
                        if b2 != nxt:
                            break
                        k = j + 1
                        continue
                    break
                b2 = _POSS_RE.sub("", w)
                if not b2[0].isupper() or (b2.isupper() and len(b2) > 1):
                    break
                f2 = fold(b2)
                if f2 in lex.not_names or f2 in PLACE_NOUNS:
                    break
                ok = (
                    f2 in lex.surnames
                    or f2 in self._unamb
                    # a rarer word ("Castellano") is a surname after a given name; a
                    # frequent one ("Sarah Said") is not
                    or (f2 not in lex.frequent and f2 not in lex.first_names)
                )
                if not ok:
                    break
                end = ctx.starts[k] + len(b2)
                last = k
                added += 1
                if b2 != w:
                    break
                k += 1
        # "Sarah Lawrence College", "Victoria Park": an institution or a place, not a person
        nk = last + 1
        if (
            nk < len(words)
            and kinds[nk] == _W
            and ctx.gap(nk) == " "
            and ctx.lowers[nk] in PLACE_NOUNS
            and words[nk][0].isupper()
            and ctx.before(i) not in ("KIN", "NAMED", "DEAR", "GREET")
        ):
            return None
        return start, end, last


class _Ctx:
    """Token view of one text with the context tests the name rules use."""

    __slots__ = ("text", "starts", "ends", "words", "lowers", "kinds", "scrubber", "_tc")

    def __init__(
        self,
        text: str,
        starts: list[int],
        ends: list[int],
        words: list[str],
        lowers: list[str],
        kinds: list[int],
        scrubber: Scrubber,
    ) -> None:
        self.text = text
        self.starts = starts
        self.ends = ends
        self.words = words
        self.lowers = lowers
        self.kinds = kinds
        self.scrubber = scrubber
        self._tc: dict[int, bool] = {}

    def gap(self, i: int) -> str:
        """Text between token i-1 and token i (the text before it for i == 0)."""
        return self.text[self.ends[i - 1] if i > 0 else 0 : self.starts[i]]

    def prev_word(self, i: int) -> str:
        if i == 0 or self.kinds[i - 1] != _W:
            return ""
        gap = self.gap(i)
        if gap not in (" ", ". "):
            return ""
        return self.lowers[i - 1]

    def next_word(self, i: int) -> str:
        j = i + 1
        if j >= len(self.words) or self.kinds[j] != _W:
            return ""
        return self.lowers[j] if self.gap(j).strip() in ("", ",") else ""

    def sentence_start(self, i: int) -> bool:
        gap = self.gap(i)
        if i == 0:
            return not any(ch.isalnum() for ch in gap)
        if self.words[i - 1] in TITLES and self.kinds[i - 1] == _W:
            return False  # "Dr. Smith"
        return bool(_SENT_END_RE.search(gap))

    def before(self, i: int) -> str:
        """The name context set up by the words before token i, or ""."""
        if i == 0:
            return ""
        p = i - 1
        gap = self.gap(i)
        kinds, lowers, words = self.kinds, self.lowers, self.words
        if kinds[p] != _W:
            return ""
        pw = lowers[p]
        if words[p] in TITLES and gap in (" ", ". "):
            return "TITLE"
        if pw in LOWER_TITLES and gap == " ":
            return "TITLE"
        if _KIN_GAP_RE.fullmatch(gap) and (_is_kin(pw) or words[p] == "SO"):
            q = p - 1
            skipped = free = 0
            while (
                q >= 0
                and kinds[q] == _W
                and (self.gap(q + 1) in (" ", "-") or _AGE_GAP_RE.fullmatch(self.gap(q + 1)))
                and skipped < 4
                and (
                    lowers[q] in KIN_MODIFIERS
                    or lowers[q].isdigit()  # "my 15 year old daughter"
                    # "the property manager", "the hiring manager": one free word
                    or (free == 0 and words[q].isalpha() and words[q].islower()
                        and lowers[q] not in KIN_DETS and lowers[q] not in _CLAUSE_WORDS)
                )
            ):
                if lowers[q] not in KIN_MODIFIERS:
                    free += 1
                q -= 1
                skipped += 1
            if (q < 0 or self.sentence_start(q + 1)) and skipped == 0 and words[p].islower():
                return "KIN"  # "coworker Hope keeps...", a title or line opening with it
            if q >= 0:
                g = self.gap(q + 1)
                if (
                    kinds[q] == _W
                    and (g in (" ", "-") or _AGE_GAP_RE.fullmatch(g))
                    and (lowers[q] in KIN_DETS or _POSS_RE.search(lowers[q]))
                ):
                    return "KIN"
                if kinds[q] == _PH and g in ("'s ", "’s "):
                    return "KIN"
        if (
            gap == " "
            and pw in ("is", "was")
            and p > 0
            and kinds[p - 1] == _W
            and _is_kin(lowers[p - 1])
            and self.gap(p) == " "
        ):
            return "KIN"  # "Landlord is Jose Luis ...", "HR is Moira"
        if gap in _NAMED_GAPS:
            if pw == "called" and (
                p == 0 or self.sentence_start(p) or lowers[p - 1] in _CALLER_WORDS
            ):
                return "VERB"  # "I called Geico", "Called Sarah": a phone call
            if pw in NAMED_WORDS:
                # "a cat named Luna", "a hurricane called Ian": not a person
                seen, k = 0, p - 1
                while k >= 0 and seen < 4:  # the 4 words before (placeholders not counted)
                    if kinds[k] == _W:
                        if lowers[k] in NON_PERSON_NOUNS:
                            return ""
                        seen += 1
                    k -= 1
                return "NAMED"
            if pw in ("name's", "name’s"):
                return "NAMED"
            if (
                pw in ("her", "him", "them", "me", "us", "it")
                and p > 0
                and lowers[p - 1] in ("call", "calls", "called", "calling", "nicknamed")
            ):
                return "NAMED"  # "we call her Win"
            if pw == "name" and gap == ": " and (p == 0 or self.sentence_start(p)):
                return "NAMED"  # a form's "Name: ..." line
            if pw == "of" and p > 0 and lowers[p - 1] == "name":
                return "NAMED"  # "an account in (the) name of Josiane Rocha"
            if (pw in ("i'm", "i’m", "im") or (pw == "am" and p > 0 and lowers[p - 1] == "i")) and (
                fold(_POSS_RE.sub("", words[i])) in self.scrubber.lex.first_names
            ):
                return "NAMED"  # "I'm Marta", "I am Johanna Huber": a given name only
            if (
                (pw in ("it's", "it’s", "its", "im", "i'm", "i’m") or (
                    pw == "is" and p > 0 and lowers[p - 1] in ("this", "it")
                ))
                and self.next_word(i) in ("from", "here")
            ):
                return "NAMED"  # "hey it's Dev from Marcus's party", "this is Priya from HR"
            if pw in ("is", "was", "are", "were") and p > 0 and lowers[p - 1] in ("name", "names"):
                return "NAMED"
        if gap in (" ", ", ") or (gap == ",\n" and pw == "dear"):
            if pw in GREETINGS and (
                p == 0 or self.sentence_start(p) or pw == "dear" or self._opens_aside(p)
            ):
                return "DEAR" if pw == "dear" else "GREET"
            if pw == "you" and p > 0 and lowers[p - 1] == "thank":
                return "GREET"
        if gap == " ":
            if pw in COMM_VERBS:
                return "VERB"
            if p > 0 and self.gap(p) == " ":
                pp = lowers[p - 1]
                if (
                    (pw == "to" and pp in TO_VERBS)
                    or (pw == "with" and pp in WITH_VERBS)
                    or (pw == "on" and pp in ON_VERBS)
                ):
                    return "VERB"
            if pw == "and" and p > 0 and lowers[p - 1] in ("me", "i") and self.gap(p) == " ":
                return "ME"
        return ""

    def _opens_aside(self, p: int) -> bool:
        """Is token p right after an opening parenthesis ("(hi sam, ...")?"""
        start = self.starts[p]
        return start > 0 and self.text[start - 1] == "("

    def after(self, i: int, base: str) -> str:
        """The name context set up by what follows token i, or ""."""
        end = self.starts[i] + len(base)
        if _AGE_AFTER_RE.match(self.text, end):
            return "AGE"
        j = i + 1
        n = len(self.words)
        if j >= n or self.kinds[j] != _W:
            return ""
        gap = self.gap(j)
        lw = self.lowers[j]
        possessive = base != self.words[i]
        if possessive:
            return "KINPOSS" if gap == " " and _is_kin(lw) else ""
        if gap == " & " and lw in ("i", "me"):
            return "AND_I"
        if gap != " ":
            return ""
        if (
            lw == "and"
            and j + 1 < n
            and self.gap(j + 1) == " "
            and self.lowers[j + 1] in ("i", "me", "myself")
        ):
            return "AND_I"
        if lw in SPEECH:
            return "SPEECH"
        w = self.words[j]
        if w[0].isupper() and not w.isupper():
            f = fold(_POSS_RE.sub("", w))
            lex = self.scrubber.lex
            if f in lex.surnames or f in self.scrubber._unamb:
                return "SURNAME"
            # a word no dictionary has, capitalized after the name: "Faith Bridgewater",
            # "Ivy Santangelo" (not "Ivy League", "Grace Church", "Rose Bowl")
            parts = f.split("-")
            if (
                all(p.isalpha() and len(p) >= 3 and p not in lex.common for p in parts)
                and f not in lex.not_names
                and lw not in PLACE_NOUNS
                and f not in lex.first_names
            ):
                return "SURNAME"
        return ""

    def punct_after(self, i: int, base: str) -> bool:
        rest = self.text[self.starts[i] + len(base) : self.starts[i] + len(base) + 2]
        return not rest or rest[0] in ",.!?:;—-\n" or rest == " -"

    def coordinated(self, i: int, is_name: list[bool], placeholders: bool = True) -> bool:
        """Joined by and/or/&/comma to a name (or a [NAME] placeholder, with
        ``placeholders``)."""
        kinds = self.kinds
        n = len(self.words)

        def named(k: int) -> bool:
            return 0 <= k < n and ((placeholders and kinds[k] == _PH) or is_name[k])

        gap = self.gap(i)
        if gap in (", ", " & ", " / ") and named(i - 1):
            return True
        if (
            gap == " "
            and i >= 2
            and self.lowers[i - 1] in ("and", "or")
            and kinds[i - 1] == _W
            and self.gap(i - 1) in (" ", ", ")
            and named(i - 2)
        ):
            return True
        if i + 1 < n:
            g2 = self.gap(i + 1)
            if g2 in (", ", " & ", " / ") and named(i + 1):
                return True
            if (
                g2 == " "
                and self.lowers[i + 1] in ("and", "or")
                and i + 2 < n
                and self.gap(i + 2) == " "
                and named(i + 2)
            ):
                return True
        return False

    def title_case(self, i: int) -> bool:
        """Is token i on a Title Cased line (a heading or a title written In Caps)?"""
        text = self.text
        line_start = text.rfind("\n", 0, self.starts[i]) + 1
        if line_start in self._tc:
            return self._tc[line_start]
        line_end = text.find("\n", self.starts[i])
        if line_end < 0:
            line_end = len(text)
        lex = self.scrubber.lex
        lo = bisect.bisect_left(self.starts, line_start)
        hi = bisect.bisect_left(self.starts, line_end)
        total = caps = 0
        for k in range(lo, hi):
            w = self.lowers[k]
            if len(w) < 4 or self.kinds[k] != _W:
                continue
            if "'" in w or "’" in w:
                w = _POSS_RE.sub("", w)
            if w not in lex.common or w in lex.first_names or w in lex.surnames:
                continue
            upper = self.words[k][0].isupper()
            if upper and self.sentence_start(k):
                continue
            total += 1
            caps += upper
            if total >= 40:  # a paragraph, not a title
                break
        result = total >= 3 and caps >= 0.75 * total
        self._tc[line_start] = result
        return result


def _is_kin(word: str) -> bool:
    w = word
    for prefix in ("ex-", "step-", "half-", "x-", "future-", "soon-to-be-"):
        if w.startswith(prefix):
            w = w[len(prefix) :]
    for suffix in ("-in-law", "-to-be", "-inlaw"):
        if w.endswith(suffix):
            w = w[: -len(suffix)]
    if "-" in w:
        w = w.replace("-", "")  # co-worker, room-mate
    if w in KIN:
        return True
    return w.endswith("s") and w[:-1] in KIN


_NUM_BEFORE_RE = re.compile(r"[\d\]][ .\-]?$")
_NUM_AFTER_RE = re.compile(r"[ .\-]?[\d\[]")


def _isolated(text: str, start: int, end: int) -> bool:
    """No digit group or placeholder right before or after text[start:end]."""
    return not _NUM_BEFORE_RE.search(text, max(0, start - 2), start) and not (
        _NUM_AFTER_RE.match(text, end)
    )


def _valid_bare_url(m: re.Match[str]) -> bool:
    tld = m.group("tld")
    low = tld.lower()
    host = m.group()[: m.start("tld") - m.start()]
    if not any(ch.isalpha() for ch in host):
        return False
    if not (tld.islower() or (tld.isupper() and host.isupper())):
        return bool(m.group("path")) and low in SAFE_TLDS
    if low in SAFE_TLDS:
        return True
    path = m.group("path") or ""
    if low in RISKY_TLDS and len(path) > 1:
        return True
    # any other TLD with a real path ("discord-gifts.promo/claim/8Hx2Qa"): a link
    return tld.islower() and len(low) >= 3 and len(path) > 2 and path[1].isalnum()


def _overlaps(spans: list[_Span], sp: _Span) -> bool:
    return any(s.start < sp.end and sp.start < s.end for s in spans)


def _inside(places: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in places)


def _render(text: str, spans: list[tuple[int, int, str]]) -> ScrubResult:
    """``text`` with each span replaced by its placeholder ("KEEP" spans stay)."""
    out: list[str] = []
    counts: dict[str, int] = {}
    pos = 0
    for start, end, kind in spans:
        if kind == "KEEP":
            continue
        out.append(text[pos:start])
        out.append(PLACEHOLDERS[kind])
        counts[kind] = counts.get(kind, 0) + 1
        pos = end
    if not counts:
        return ScrubResult(text, {})
    out.append(text[pos:])
    return ScrubResult("".join(out), counts)


def _sentence_start(text: str, i: int) -> bool:
    """Is position ``i`` the first word of a sentence, line or quotation?"""
    j = i - 1
    while j >= 0 and text[j] in " \t\"'“‘([*_":
        j -= 1
    return j < 0 or text[j] in ".!?\n:;…"


# Lowercase words no dictionary lists that are still not names ("the friend lets me", "my
# boss cannot", "my mom wont"): contractions typed without the apostrophe, and the like.
_NOT_LOWER_NAMES = _ws(
    """cannot wont dont doesnt didnt isnt wasnt arent werent cant couldnt wouldnt shouldnt
    havent hasnt hadnt im ive id ill hes shes theyre youre thats whats lets gonna wanna
    gotta kinda sorta dunno lol lmao tbh idk ngl imo imho irl rn btw omg smh ok okay"""
)
# Words before "called" that make it a phone call ("I called X"), not a naming ("a guy called X").
_CALLER_WORDS = _ws(
    "i we he she they you u then just also finally already and so even never literally"
)
# Words that end a noun phrase's left side ("I told my manager"), never a modifier of a kin
# word ("the hiring manager").
_CLAUSE_WORDS = _ws(
    """i you he she we they it is was are were be been am and or but to of in on at for
    with from by as that which who when while if so than then told asked said met saw"""
)

# A mention of a name that is also an ordinary word ("hope", "will", "frank", "amber"),
# once the post has used it as a name: the words around it say which it is here.
_WORD_USE_BEFORE = _ws(
    """i we you they he she it u im i'm ive i've id i'd we're they're to be been being not
    dont don't do did does didn't doesn't can can't could couldn't would wouldn't should
    shouldn't will won't may might must shall a an the this that these those some any no
    every each of in on at by with for from into than as so very more most much too such
    its it's is was are were am get got make made good great big little real true false
    last next early late mid since until till during per my your our their him her them
    me us have has had"""
)
_CAP_WORD_BEFORE = _ws(
    """a an the this that these those some any no every each in on by since until till
    during last next early late mid before after around through throughout whole entire
    be been being"""
)
_WORD_USE_AFTER = _ws(
    """i you we he she they it this that these those there my your his her our their u ur
    ya y'all all everyone everything everybody someone somebody anyone anybody something
    anything nobody a an the some any no so to not be have"""
)
# After a lowercase mention, words that make it the subject of a sentence: "faith asked".
_NAME_NEXT = SPEECH | _ws(
    """is was has had gave got went came left keeps kept wants wanted needs needed made
    makes did does didnt didn't doesnt doesn't isnt isn't wasnt wasn't can can't cant could
    couldnt couldn't would wouldnt wouldn't will won't wont should just always never also
    still seemed seems looks looked started stopped showed sent took takes brought invited
    loves loved likes liked hates hated goes came comes lives lived works worked called
    texted messaged dmed replied"""
)


_IRREGULAR_PAST = _ws(
    """saw heard thought felt found gave made took left came went ran sent paid owes knew
    told got put let met brought bought caught kept sat stood wrote drove broke chose spoke
    woke wore won lost hit cut began became did does has had was is can could would will
    should might must may never always also just still really already finally actually
    literally basically then even recently suddenly apparently"""
)


def _looks_like_verb(word: str) -> bool:
    return (
        word in _NAME_NEXT
        or word in _IRREGULAR_PAST
        or (len(word) > 3 and (word.endswith("ed") or word.endswith("s")))
        or "'" in word
        or "’" in word
    )


def _mention_is_name(text: str, tokens: list[re.Match[str]], t: int, base: str) -> bool:
    """Is token ``t`` (a name of this post that is also an ordinary word) the name here?

    Capitalized, it is the name unless it opens a sentence before a pronoun or article ("Will
    you", "Hope this helps", "Drew a blank") or follows a determiner, preposition or
    auxiliary ("in May", "the Will", "to be Frank"). Lowercase, it is the name only with
    evidence: a chat speaker label ("grace: ..."), a verb after it ("faith asked"), or a
    verb of talking to someone before it ("asked win", "send hope").
    """
    m = tokens[t]
    prev = tokens[t - 1].group().lower() if t > 0 else ""
    adjacent = t > 0 and text[tokens[t - 1].end() : m.start()].strip(" ") == ""
    nxt = tokens[t + 1].group().lower() if t + 1 < len(tokens) else ""
    gap_after = text[m.start() + len(base) : tokens[t + 1].start()] if nxt else ""
    if base == m.group() and gap_after.startswith(":") and _sentence_start(text, m.start()):
        return True  # "grace: today was so boring": a chat speaker label
    if base != m.group():
        return True  # "Tasha's mom", "at Rose's"
    if base[0].isupper():
        if adjacent and prev in _CAP_WORD_BEFORE:
            return False
        if not (_sentence_start(text, m.start()) and gap_after == " "):
            return True
        if nxt in _WORD_USE_AFTER:
            return False  # "Will you", "Hope this helps"
        # "Grace period", "Sunny weather": a sentence opening with the word before a noun;
        # "Drew saw me", "Hope didn't know": the name before a verb
        nxt_tok = tokens[t + 1].group() if t + 1 < len(tokens) else ""
        return not (nxt_tok.islower() and nxt_tok.isalpha() and not _looks_like_verb(nxt))
    if adjacent and prev in _WORD_USE_BEFORE:
        return False
    if gap_after == " " and (
        (nxt in _NAME_NEXT and nxt not in _WEAK_NEXT) or (nxt.endswith("ed") and len(nxt) > 3)
    ):
        return True
    if adjacent and (prev in COMM_VERBS or prev in TO_VERBS):
        return True
    # the object of a verb or joined by "and"/"or" ("confront hunter", "me and grace"): the
    # post's name, written lowercase; not after a pronoun, modal, article or preposition
    # ("we hope", "to chase", "with grace"), nor before a noun it would qualify
    return (
        t > 0
        and text[tokens[t - 1].end() : m.start()] == " "
        and prev.isalpha()
        and prev not in _WORD_USE_BEFORE
        and prev not in _LOWER_NAME_NOT_AFTER
        and not (gap_after == " " and nxt in _LOWER_NAME_NOT_BEFORE)
    )


# Verbs after a lowercase word too common after the word itself to mark it as a name
# ("summer is almost over", "ivy is growing", "hope was gone").
_WEAK_NEXT = _ws("is was has had will would can could should just always never also still")
_LOWER_NAME_NOT_AFTER = _ws(
    """pure full little lots lot kind sort bit such all lose lost losing give gave giving
    find found keep kept hold held show showed saying say without full new old young just
    really still also always never only even actually literally honestly totally kinda sorta
    seriously truly sincerely def definitely probably maybe card phone electric water gas
    medical hospital credit vet power cable internet utility dollar"""
)
_LOWER_NAME_NOT_BEFORE = _ws("period periods green card cards note notes")


_NAME_TOKEN = (
    r"(?:[A-Z]\.|[A-Z][\w'’-]+|(?:van|von|de|der|den|da|di|del|della|la|le|bin|ibn|al|el))"
)
# A form's name line: "Name: J. van der Berg", "Account name: Priya Raman".
FORM_NAME_RE = re.compile(
    r"(?im)^[ \t>*-]*(?:(?:full|legal|account|beneficiary|payee|recipient|card ?holder)[ \t]+)?"
    r"name[ \t]*:[ \t]*(?-i:(?P<v>[A-Z][\w'’.-]*(?:[ \t]+" + _NAME_TOKEN + r"){0,4}))[ \t]*$"
)
# A given name, a nickname in quotes (or parentheses), a surname: 'Richard "Rick" Tolliver'.
NICKNAMED_NAME_RE = re.compile(
    r"(?<![\w'’-])[A-Z][\w'’-]+[ \t]+\(?[\"“][A-Z][\w'’.-]{0,20}[\"”]\)?[ \t]+"
    r"(?P<s>[A-Z][\w'’-]+)"
)
# A nickname in quotes right after a name: 'Zbigniew ("Ziggy" to everyone)', 'Robert "Bobby"'.
NICK_AFTER_RE = re.compile(r"[ \t]*\(?[ \t]*[\"“‘'](?P<v>[A-Z][\w'’-]{1,20})[\"”’']")


# A chat line: optional "[21:04]" or "9:41 pm -", a one-word label, ":", the message.
CHAT_LINE_RE = re.compile(
    r"(?m)^[ \t>*-]*(?:\[[^\]\n]{1,25}\][ \t]*)?(?:\d{1,2}[:.]\d{2}(?:[ \t]?[apAP][mM])?"
    r"[ \t,-]*)?(?P<label>[A-Za-z][\w'’.-]{1,20}(?:[ \t][A-Z](?:[a-z]{1,15}|\.)?)?)"
    r"(?:[ \t]*\([^()\n]{1,30}\))?[ \t]*:[ \t]+\S"
)
BOLD_LABEL_RE = re.compile(
    r"(?m)^[ \t>]*\*\*(?P<label>[A-Z][\w'’-]+(?:[ \t][A-Z][\w'’.-]+){0,2})\*\*[ \t]+"
    r"(?:\d{1,2}[:.]\d{2}|\(|\[|—|-)"
)
_ME_LABELS = frozenset(["me", "i", "myself", "you", "u"])
_LABEL_HANDLE_RE = re.compile(r"\d|_|[a-z][.][a-z]")
_NOT_LABEL_NAMES = _ws(
    """him her them he she they mom mum dad mother father boss landlord agent edit update
    tldr tl note ps q a answer question op bot mod admin support system customer service
    scammer recruiter manager seller buyer sender subject from to date re cc bcc sent
    reply step pros cons update1 update2 ex bf gf husband wife friend"""
)
# A full name in parentheses right after a name: "Jacko (Jack Morrissey)".
FULL_AFTER_RE = re.compile(r"[ \t]*\([ \t]*(?P<v>[A-Z][\w'’-]+(?:[ \t][A-Z][\w'’-]+){1,2})[ \t]*\)")
# A nickname right before a full name in parentheses: "Dazza (Darren Walsh)".
NICK_BEFORE_RE = re.compile(r"(?<![\w'’-])(?P<v>[A-Z][a-z]{2,15})[ \t]*\([ \t]*$")


# "Clarissa Tan <clarissa.tan@...>", an e-mail header's or a signature's name.
NAME_BEFORE_EMAIL_RE = re.compile(
    r"(?<![\w'’-])(?P<v>[A-Z][\w'’-]+(?:[ \t][A-Z][\w'’.-]+){0,3})[ \t]*<[^<>\s@]+@"
)
# A sign-off, then a name on the next line ("Best regards,\n> Clarissa Tan").
SIGNOFF_RE = re.compile(
    r"(?im)^[ \t>]*(?:best(?:\s+regards)?|kind\s+regards|regards|thanks|thank\s+you|cheers|"
    r"sincerely|warm\s+regards|best\s+wishes|many\s+thanks|yours(?:\s+truly|\s+sincerely)?)"
    r"[,!.]?[ \t]*\n[ \t>]*(?-i:(?P<v>[A-Z][\w'’-]+(?:[ \t][A-Z][\w'’.-]+){0,3}))[ \t]*$"
)
# An initial and a surname: "M. Kowalczyk", "R. Szymański", "J. van der Berg".
INITIAL_NAME_RE = re.compile(
    r"(?<![\w.])[A-Z]\.[ \t]?(?:(?:van|von|de|der|den|da|di|del|la|le|al|el|bin)[ \t])*"
    r"(?P<s>(?:[A-Z]['’])?[A-Z][^\W\d_]{2,}(?:-[A-Z][^\W\d_]+)?)(?![\w'’])"
)


def _form_and_nick_names(
    text: str, names: list[_Span], first_names: frozenset[str], frequent: frozenset[str]
) -> Iterator[_Span]:
    if "@" in text:
        for m in NAME_BEFORE_EMAIL_RE.finditer(text):
            yield _Span(m.start("v"), m.end("v"), "NAME", _PRIO["NAME"])
    if "\n" in text:
        for m in SIGNOFF_RE.finditer(text):
            first = fold(m.group("v").split()[0])
            if first in first_names or first not in frequent:  # not "The Team"
                yield _Span(m.start("v"), m.end("v"), "NAME", _PRIO["NAME"])
    if ". " in text or "." in text:
        for m in INITIAL_NAME_RE.finditer(text):
            if fold(m.group("s")) not in frequent:
                yield _Span(m.start(), m.end(), "NAME", _PRIO["NAME"])
    if "name" in text or "Name" in text:
        for m in FORM_NAME_RE.finditer(text):
            a, b = m.span("v")
            yield _Span(a, b, "NAME", _PRIO["NAME"])
    for sp in names:
        m = NICK_AFTER_RE.match(text, sp.end)
        if m is None:
            m = FULL_AFTER_RE.match(text, sp.end)
            if m is not None and fold(m.group("v").split()[0]) not in first_names:
                m = None  # "Brooks (Mythical Man Month)": a title, not a name
        if m is not None:
            a, b = m.span("v")
            yield _Span(a, b, "NAME", _PRIO["NAME"])
        if sp.start and text[sp.start - 1] in "( \t":
            m = NICK_BEFORE_RE.search(text, max(0, sp.start - 20), sp.start)
            if m is not None and " " in text[sp.start : sp.end]:
                a, b = m.span("v")
                yield _Span(a, b, "NAME", _PRIO["NAME"])


def _without_person_words(phrases: Iterable[str], person_words: frozenset[str]) -> list[str]:
    """The phrases except one-word ones that are given names or surnames ("Chase", "Alexa",
    "Ortega"): keeping those would keep "my ex Chase" and "Luis Ortega" too; the name rules
    decide them by context instead."""
    out = []
    for p in phrases:
        words = _WORD_RE.findall(p)
        if len(words) == 1 and fold(words[0]) in person_words:  # "Wendy's" stays
            continue
        out.append(p)
    return out


def _other_mentions(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans, and every other mention of a sigil-less handle among them
    ("lilbunny_gamer10: ..." and later "lilbunny_gamer10 is my daughter")."""
    out = list(spans)
    seen = {text[a:b] for a, b in spans}
    for value in seen:
        if len(value) < 5 or value[0] in "@$" or value not in text:
            continue
        rx = re.compile(r"(?<![\w@$.-])" + re.escape(value) + r"(?![\w-]|\.\w)")
        out.extend(m.span() for m in rx.finditer(text))
    return out


def _resolve(candidates: list[_Span]) -> list[_Span]:
    """Keep non-overlapping spans: higher priority first, then earlier, then longer."""
    accepted: list[_Span] = []
    starts: list[int] = []
    for sp in sorted(candidates, key=lambda s: (s.prio, s.start, s.start - s.end)):
        if sp.end <= sp.start:
            continue
        k = bisect.bisect_right(starts, sp.start)
        if k > 0 and accepted[k - 1].end > sp.start:
            continue
        if k < len(accepted) and accepted[k].start < sp.end:
            continue
        accepted.insert(k, sp)
        starts.insert(k, sp.start)
    return accepted


# Capitalized words that never join a name next to them (``Scrubber._close_names``).
_CLOSE_STOP = _ws(
    """i im i'm ive i've id i'd january february march april june july august september
    october november december jan feb mar apr jun jul aug sep sept oct nov dec monday
    tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
    sat sun today tomorrow yesterday tonight ok okay yes no hi hey hello thanks dear"""
)


def _merge_names(a: list[_Span], b: list[_Span]) -> list[_Span]:
    """Union of two lists of NAME spans (overlapping spans become one)."""
    merged: list[_Span] = []
    for sp in sorted(a + b):
        if merged and sp.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = _Span(last.start, max(last.end, sp.end), "NAME", last.prio)
        else:
            merged.append(sp)
    return merged


def _load_spacy(model: str) -> Any:
    import spacy

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise SpacyModelNotInstalled(
            f"spaCy model {model!r} is not installed, so the personal-data scrubber cannot "
            f"use its named-entity recognizer. Install it (for example "
            f"`python -m spacy download {model}`, or pip install the model's wheel) or set "
            f"`clean.spacy_model: null` in params.yaml to use the rules only."
        ) from exc
    if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
        raise SpacyModelNotInstalled(
            f"spaCy pipeline {model!r} has no 'ner' or 'entity_ruler' component: choose a "
            f"pipeline with named-entity recognition or set `clean.spacy_model: null`."
        )
    keep = {"ner", "entity_ruler", "tok2vec", "transformer", "curated_transformer"}
    disable = [p for p in nlp.pipe_names if p not in keep]
    if disable:
        nlp.select_pipes(disable=disable)
    nlp.max_length = max(nlp.max_length, 2_000_000)
    return nlp
