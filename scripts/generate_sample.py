#!/usr/bin/env python3
"""Generate the bundled SYNTHETIC Reddit sample for ValAct-15k (raw/sample/).

Every record is written by this script from templates; none is copied from Reddit. Each
carries ``"_synthetic": true``. The output imitates a Pushshift / Arctic-Shift submission
dump: zstd-compressed NDJSON written with a long window (readers need
``max_window_size=2**31``), sorted by ``created_utc``, ids growing with time, real-dump
field drift on a minority of records, and no newline after the last line.

Besides advice-seeking posts it plants everything the pipeline must handle: deleted and
removed posts, NSFW, too-short, off-topic, link, stickied and AutoModerator posts,
non-English posts, sensitive (self-harm) posts, exact and near-duplicate reposts, and
personal data (emails, phone numbers, URLs, usernames, handles, first names, street
addresses). ``sample_truth.jsonl`` says, per id, what each record is and which exact PII
strings were planted in it.

Output is byte-for-byte deterministic for a given ``--n`` and ``--seed`` (and the bundled
libzstd version). Only the standard library, ``zstandard`` and ``orjson`` are used.

    python scripts/generate_sample.py                 # the committed ~400-record sample
    python scripts/generate_sample.py --n 12000 --out /tmp/big/RS_valact_sample.zst
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import orjson
import zstandard

# ------------------------------------------------------------------------------ constants

DEFAULT_N = 368  # base posts; with ~8% reposts on top this gives ~400 records
DEFAULT_SEED = 13
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path("raw/sample/RS_valact_sample.zst")
TRUTH_NAME = "sample_truth.jsonl"

START_UTC = 1672531200  # 2023-01-01T00:00:00Z
END_UTC = 1735689599  # 2024-12-31T23:59:59Z
ZSTD_LEVEL = 19
ZSTD_WINDOW_LOG = 31  # like the real dumps (zstd --long=31)
MAX_WINDOW_SIZE = 2**31

KINDS: tuple[str, ...] = (
    "advice",
    "deleted",
    "removed",
    "nsfw",
    "too_short",
    "off_topic",
    "link",
    "stickied",
    "automod",
    "non_english",
    "sensitive",
    "exact_dup",
    "near_dup",
)

# Shares of the whole file. The duplicate kinds are added on top of the n base posts.
BASE_SHARES: dict[str, float] = {
    "advice": 0.63,
    "deleted": 0.04,
    "removed": 0.04,
    "nsfw": 0.03,
    "too_short": 0.04,
    "off_topic": 0.05,
    "link": 0.015,
    "stickied": 0.0075,
    "automod": 0.0075,
    "non_english": 0.04,
    "sensitive": 0.02,
}
DUP_SHARES: dict[str, float] = {"exact_dup": 0.04, "near_dup": 0.04}
MIN_COUNTS: dict[str, int] = {
    "advice": 10,
    "deleted": 2,
    "removed": 2,
    "nsfw": 2,
    "too_short": 2,
    "off_topic": 4,
    "link": 2,
    "stickied": 2,
    "automod": 2,
    "non_english": 4,
    "sensitive": 2,
}
PII_SHARE = 0.15  # of advice posts

ADVICE_SUBREDDITS: tuple[str, ...] = (
    "Advice",
    "relationship_advice",
    "AmItheAsshole",
    "careerguidance",
    "personalfinance",
    "internetparents",
)
OFF_TARGET_SUBREDDITS: tuple[str, ...] = ("mildlyinteresting", "gaming", "CasualConversation")
NON_ENGLISH_SUBREDDITS: dict[str, tuple[str, ...]] = {
    "es": ("Advice", "relationship_advice", "es", "mexico"),
    "de": ("Advice", "relationship_advice", "de", "Finanzen"),
    "fr": ("Advice", "relationship_advice", "france", "conseils"),
    "pt": ("Advice", "relationship_advice", "brasil", "desabafos"),
}

PII_TYPES: tuple[str, ...] = ("email", "phone", "url", "username", "handle", "name", "address")

# ------------------------------------------------------------------------------ helpers

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(n: int) -> str:
    """Reddit-style base36 (lowercase) of a non-negative int."""
    if n < 0:
        raise ValueError("negative")
    if n == 0:
        return "0"
    out: list[str] = []
    while n:
        n, r = divmod(n, 36)
        out.append(_B36[r])
    return "".join(reversed(out))


def stable_b36(text: str, length: int) -> str:
    """A deterministic base36 string derived from text (for subreddit ids etc.)."""
    digest = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    return base36(digest)[-length:].rjust(length, "0")


def slugify(title: str) -> str:
    """The permalink slug reddit derives from a title (lowercase words joined by '_')."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    slug = ""
    for w in words:
        nxt = f"{slug}_{w}" if slug else w
        if len(nxt) > 50:
            break
        slug = nxt
    return slug or "_"


def cap(s: str) -> str:
    """Upper-case the first letter of a sentence (leave the rest alone)."""
    for i, ch in enumerate(s):
        if ch.isalpha():
            return s[:i] + ch.upper() + s[i + 1 :]
        if ch not in "\"'([":
            break
    return s


_DOUBLE = {
    "stop", "quit", "cut", "get", "put", "let", "set", "run", "sit", "skip", "drop", "plan",
    "swap", "split", "admit", "commit", "forget", "regret", "submit", "hit", "shut", "chip",
    "rip", "step", "ship", "jog", "bet", "dig", "win", "begin", "swim", "rebut", "defer",
    "refer", "prefer", "occur", "transfer",
}
_IRREGULAR = {"be": "being", "see": "seeing", "lie": "lying", "die": "dying", "tie": "tying"}


def gerund(phrase: str) -> str:
    """'take the job' -> 'taking the job'; 'stay and fight' -> 'staying and fighting'."""
    if " and " in phrase:
        return " and ".join(_gerund_one(part) for part in phrase.split(" and "))
    return _gerund_one(phrase)


def _gerund_one(phrase: str) -> str:
    head, _, rest = phrase.partition(" ")
    if head.lower() in ("just", "really", "actually", "finally") and rest:
        return f"{head} {_gerund_one(rest)}"
    low = head.lower()
    if low in _IRREGULAR:
        g = _IRREGULAR[low]
    elif low in _DOUBLE:
        g = low + low[-1] + "ing"
    elif low.endswith("ie"):
        g = low[:-2] + "ying"
    elif low.endswith("e") and not low.endswith(("ee", "ye", "oe")):
        g = low[:-1] + "ing"
    else:
        g = low + "ing"
    return f"{g} {rest}" if rest else g


_NUM_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)


def num_word(n: int) -> str:
    return _NUM_WORDS[n] if 0 <= n < len(_NUM_WORDS) else str(n)


def word_count(text: str) -> int:
    return len(text.split())


def pick(rng: Random, seq: Sequence[str]) -> str:
    return seq[rng.randrange(len(seq))]


def money(rng: Random, cur: str, lo: int, hi: int, step: int, k: bool = False) -> str:
    v = rng.randrange(lo // step, hi // step + 1) * step
    if k and v >= 10000 and rng.random() < 0.5:
        return f"{cur}{v // 1000}k"
    return f"{cur}{v:,}"


# ------------------------------------------------------------------------------ word pools

JOBS = (
    "nurse", "software developer", "line cook", "accountant", "high school teacher",
    "electrician", "barista", "warehouse supervisor", "graphic designer", "paralegal",
    "dental hygienist", "data analyst", "pharmacy technician", "mechanic", "social worker",
    "sales rep", "lab technician", "project coordinator", "HR generalist",
    "physical therapist", "copywriter", "bank teller", "civil engineer", "store manager",
    "IT support tech", "logistics planner", "vet tech", "marketing associate", "sous chef",
    "carpenter", "payroll specialist", "UX researcher", "customer success manager",
    "QA tester", "receptionist", "bookkeeper", "truck dispatcher", "research assistant",
    "welder", "librarian", "plumber's apprentice", "claims adjuster", "flight attendant",
    "radiology tech", "preschool teacher", "court clerk", "sound engineer", "pastry cook",
)
ORGS = (
    "a mid-sized insurance company", "a small nonprofit", "a regional hospital",
    "a family-owned bakery", "a big logistics firm", "a local credit union", "a tech startup",
    "the school district", "a government office", "a construction company",
    "a marketing agency", "a chain of gyms", "a manufacturing plant", "a law firm",
    "a university lab", "a grocery chain", "a call center", "a boutique hotel",
    "the city transit agency", "an engineering consultancy", "a software company",
    "a retail bank", "a dental practice", "an architecture studio", "a shipping company",
    "a hardware store", "a history museum", "a small brewery", "a veterinary clinic",
    "a charity shop", "a print shop", "a solar installer", "a car dealership",
    "an accounting firm", "a hospice", "a garden centre", "a recycling plant",
)
PLACES = (
    "the other side of the country", "a small town up north", "a coastal town",
    "another state", "Germany", "Canada", "a city I've never even visited", "the capital",
    "a big city on the east coast", "a mountain town", "Spain", "Japan", "Australia",
    "a suburb two hours south", "my hometown", "the Netherlands", "Scotland",
    "a college town out west", "Ireland", "a river town in the midwest", "New Zealand",
    "a desert city", "a city on the coast", "a fishing village", "the Bay Area", "Denver",
    "Chicago", "Austin", "Seattle", "Toronto", "Manchester", "Lisbon", "Singapore",
    "a rural county three states away", "Dublin", "Melbourne", "Atlanta", "Edinburgh",
)
EVENTS = (
    "my cousin's wedding", "my best friend's 30th birthday", "my sister's graduation",
    "a family reunion", "my grandpa's 80th birthday", "my brother's engagement party",
    "our company retreat", "my niece's christening", "my aunt's retirement party",
    "my parents' 35th anniversary", "a friend's baby shower", "my college roommate's wedding",
    "my nephew's bar mitzvah", "my grandma's 90th", "my dad's retirement dinner",
)
HOLIDAYS = (
    "Christmas", "Thanksgiving", "Eid", "Diwali", "Lunar New Year", "Passover", "Easter",
    "Hanukkah", "the Fourth of July", "New Year's Eve",
)
TRIPS = (
    "a two-week trip to Thailand", "a road trip across the country", "a ski trip",
    "a music festival abroad", "a month backpacking in South America", "a week in Lisbon",
    "a surf camp in Portugal", "a hiking trip in Patagonia", "a cruise", "a week in Iceland",
    "a camping trip in the Rockies", "a beach week in Mexico", "a trip to Japan",
    "a bachelor party in Las Vegas", "a long weekend in New Orleans", "a trip to Morocco",
)
HOBBIES = (
    "climbing", "playing in a band", "painting", "woodworking", "running", "baking",
    "chess", "photography", "pottery", "coding side projects", "gardening",
    "salsa dancing", "writing short stories", "restoring old bikes", "birdwatching",
    "roller derby", "improv theatre", "sewing", "skateboarding", "board game design",
)
PETS = (
    "a rescue dog", "a cat", "two guinea pigs", "an old beagle", "a parrot",
    "a husky puppy", "two elderly cats", "a rabbit",
)
SUBJECTS = (
    "computer science", "nursing", "history", "graphic design", "accounting", "biology",
    "philosophy", "mechanical engineering", "music", "economics", "architecture",
    "psychology", "marine biology", "film", "pharmacy", "law", "linguistics",
    "environmental science", "fine art", "education", "chemistry", "journalism",
)
CARS = (
    "a used Civic", "a brand new SUV", "a ten-year-old hatchback", "a leased BMW",
    "a pickup truck", "a used Corolla", "an electric car", "a minivan", "a sports car",
)
CLUBS = (
    "the local running club", "my church choir", "the neighborhood association",
    "a community garden", "the volunteer fire department", "our mosque's youth committee",
    "the school PTA", "a rec soccer league", "the library's book club",
    "a tenants' union", "the town's historical society", "a chess club",
    "our temple's food drive", "a community theatre group", "the local Scouts troop",
)
CAUSES = (
    "the food bank", "an animal shelter", "a literacy program", "a river cleanup group",
    "a refugee support group", "a youth mentoring program", "a homeless outreach team",
    "a hospice", "a tree-planting charity", "a legal aid clinic", "a soup kitchen",
)
SPORTS = ("soccer", "basketball", "rugby", "swimming", "volleyball", "hockey", "tennis")
SCHOOLS = (
    "a state school", "a community college", "an Ivy League school", "a small liberal arts "
    "college", "the local university", "a big private university", "a technical college",
    "an art school", "a university abroad",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
CURRENCIES = ("$", "$", "$", "$", "£", "€")

# (phrase, gender) where gender "?" is chosen per post
ROLES: dict[str, tuple[tuple[str, str], ...]] = {
    "sibling": (
        ("my sister", "f"), ("my brother", "m"), ("my older sister", "f"),
        ("my younger brother", "m"), ("my little sister", "f"), ("my twin brother", "m"),
        ("my older brother", "m"), ("my half-sister", "f"), ("my stepbrother", "m"),
    ),
    "parent": (
        ("my mom", "f"), ("my dad", "m"), ("my mother", "f"), ("my father", "m"),
        ("my stepdad", "m"), ("my stepmom", "f"),
    ),
    "partner": (
        ("my boyfriend", "m"), ("my girlfriend", "f"), ("my husband", "m"), ("my wife", "f"),
        ("my fiancé", "m"), ("my fiancée", "f"), ("my partner", "?"),
    ),
    "dating": (("my boyfriend", "m"), ("my girlfriend", "f"), ("my partner", "?")),
    "fiance": (("my fiancé", "m"), ("my fiancée", "f"), ("my partner", "?")),
    "friend": (
        ("my best friend", "?"), ("a close friend", "?"), ("my oldest friend", "?"),
        ("a friend from college", "?"), ("my childhood friend", "?"),
        ("a friend from the gym", "?"), ("one of my closest friends", "?"),
    ),
    "coworker": (
        ("a coworker", "?"), ("my work friend", "?"), ("a colleague on my team", "?"),
        ("the new hire on my team", "?"), ("my desk neighbour", "?"),
        ("a senior colleague", "?"),
    ),
    "manager": (
        ("my manager", "?"), ("my boss", "?"), ("my team lead", "?"), ("my supervisor", "?"),
        ("the department head", "?"),
    ),
    "neighbour": (
        ("my neighbour", "?"), ("my neighbor", "?"), ("the guy next door", "m"),
        ("the woman upstairs", "f"), ("our neighbor across the street", "?"),
        ("the older man next door", "m"), ("the lady downstairs", "f"),
    ),
    "roommate": (("my roommate", "?"), ("my flatmate", "?"), ("my housemate", "?")),
    "relative": (
        ("my cousin", "?"), ("my aunt", "f"), ("my uncle", "m"), ("my grandma", "f"),
        ("my grandpa", "m"), ("my mother-in-law", "f"), ("my father-in-law", "m"),
        ("my sister-in-law", "f"), ("my brother-in-law", "m"),
    ),
    "child": (
        ("my son", "m"), ("my daughter", "f"), ("my teenage son", "m"),
        ("my stepdaughter", "f"), ("my oldest kid", "?"),
    ),
}
OPINION_ROLES = ("friend", "parent", "sibling", "partner", "relative", "coworker")
PRONOUNS = {"f": ("she", "her", "her"), "m": ("he", "him", "his")}

# Schwartz-value cue phrases: noun phrases that fit "I care about ___".
VALUE_CUES: dict[str, tuple[str, ...]] = {
    "self_direction": (
        "my freedom", "making my own choices", "my independence", "doing things my own way",
        "creative freedom", "deciding for myself",
    ),
    "stimulation": (
        "adventure", "something new and exciting", "a real change of scenery",
        "a bit of risk", "new experiences", "excitement",
    ),
    "hedonism": (
        "having fun", "enjoying my life while I'm young", "my own comfort",
        "a little pleasure", "actually enjoying my weekends", "fun",
    ),
    "achievement": (
        "my career", "getting ahead", "proving I can do it", "success",
        "building something I'm proud of", "being good at what I do",
    ),
    "power": (
        "status", "money and respect", "being taken seriously", "having a say",
        "influence", "how it looks to other people",
    ),
    "security": (
        "stability", "a safe, predictable life", "financial security", "a steady paycheck",
        "peace of mind", "not gambling with my future",
    ),
    "conformity": (
        "following the rules", "not rocking the boat", "doing what's expected of me",
        "keeping things proper", "playing by the rules", "not embarrassing anyone",
    ),
    "tradition": (
        "tradition", "the way my family has always done things", "my faith", "our customs",
        "respect for my heritage", "keeping our traditions alive",
    ),
    "benevolence": (
        "my family", "being there for the people I love", "loyalty", "taking care of {p}",
        "being a good friend", "not letting {p} down",
    ),
    "universalism": (
        "fairness", "the environment", "doing what's right for everyone", "justice",
        "treating people equally", "the bigger picture",
    ),
}

# ------------------------------------------------------------------------------ advice frames


@dataclass(frozen=True)
class Frame:
    """One dilemma: a situation and two choices, each pulling towards a Schwartz value.

    ``a``/``b`` are infinitive phrases ("take the job in {place}") that fit "Should I ___?"
    and "to ___"; ``beats`` are story beats (alternatives per beat, the first beat always
    used); ``pa``/``pb`` sentences argue for a/b; ``aita`` are gerund phrases for
    "AITA for ___?" titles (empty: the frame never goes to r/AmItheAsshole).
    """

    key: str
    domain: str
    va: str
    vb: str
    role: str
    a: tuple[str, ...]
    b: tuple[str, ...]
    topic: tuple[str, ...]
    beats: tuple[tuple[str, ...], ...]
    pa: tuple[str, ...]
    pb: tuple[str, ...]
    aita: tuple[str, ...] = ()
    ages: tuple[int, int] = (19, 58)


def F(key: str, domain: str, va: str, vb: str, role: str, **kw: Any) -> Frame:
    conv = {k: tuple(tuple(b) for b in v) if k == "beats" else tuple(v) for k, v in kw.items()}
    return Frame(key, domain, va, vb, role, **conv)


FRAMES: tuple[Frame, ...] = (
    # ---------------------------------------------------------------- work
    F(
        "work_move", "work", "security", "stimulation", "parent",
        a=("stay at my current job", "keep my safe job", "stay where I am"),
        b=("take the job in {place}", "move to {place} for the new role",
           "accept the offer in {place}"),
        topic=("a job offer in {place}", "an out-of-town job offer"),
        aita=("taking a job in {place} even though {p} begged me not to",),
        beats=(
            ("I've been a {job} at {org} for {dur}.",
             "I've worked at {org} as a {job} for {dur} now.",
             "For the past {dur} I've had a pretty comfortable job as a {job} at {org}."),
            ("It pays {salary} and the benefits are good.",
             "The pay is {salary}, which is decent for where I live.",
             "It's not exciting, but it's {salary} a year with a pension."),
            ("Out of nowhere a recruiter reached out about a role in {place}.",
             "A company in {place} offered me a position paying {salary2}.",
             "Last week I got an offer from a company in {place}, and it's {salary2}."),
            ("I've never lived more than an hour from where I grew up.",
             "{P} lives ten minutes from me and we see each other every week.",
             "I don't know a single person in {place}."),
        ),
        pa=("My current job is stable, and I know exactly what every year will look like.",
            "Staying means security: my lease, my routine, {p} nearby.",
            "The safe choice is obviously to stay, keep building seniority and not gamble."),
        pb=("The new role sounds like a real adventure, and I feel like I've been "
            "sleepwalking for years.",
            "Moving would be scary but exciting, and something new might be exactly what "
            "I need.",
            "If I don't try something like this now, I'm not sure I ever will."),
        ages=(23, 45),
    ),
    F(
        "work_promotion_layoffs", "work", "power", "benevolence", "coworker",
        a=("take the promotion", "accept the team lead role"),
        b=("turn the promotion down", "stay in my current role and protect my team"),
        topic=("a promotion that comes with layoffs", "a team lead offer"),
        aita=("turning down a promotion my whole team expected me to take",),
        beats=(
            ("{Manager} offered me the team lead position on {weekday}.",
             "I was just offered a promotion to team lead at {org}.",
             "After {dur} as a {job}, I finally got the promotion I'd been chasing."),
            ("The catch is that the first thing I'd have to do is cut {n} people from the "
             "team.",
             "HR made it clear the new lead has to handle the upcoming layoffs.",
             "The role comes with a big raise, but also the job of deciding who gets let go."),
            ("One of the people likely to be cut is {p}, who trained me when I started.",
             "{P} has {n} kids and has been here longer than me.",
             "I eat lunch with these people every day."),
        ),
        pa=("I'd finally have a say in how things are run, and the title would open doors.",
            "It's the status and salary I've been working towards, and if I say no someone "
            "else will do the cutting anyway.",
            "Being in charge means I could at least make the process less brutal."),
        pb=("I don't think I could look {p} in the eye afterwards.",
            "Loyalty to the people who had my back matters more to me than a title.",
            "Part of me feels like taking it would be stepping on my friends to get ahead."),
        ages=(26, 55),
    ),
    F(
        "work_report_timesheets", "work", "conformity", "benevolence", "coworker",
        a=("report it to HR", "tell my manager what I saw"),
        b=("keep quiet and cover for {p_him}", "talk to {p_him} privately and leave it there"),
        topic=("a coworker padding timesheets", "what I found in the timesheets"),
        aita=("reporting {p} for padding {p_his} timesheets",
              "refusing to keep covering for {p}"),
        beats=(
            ("I noticed that {p} has been clocking in for hours {p_he} doesn't work.",
             "While fixing a scheduling mess I realized {p} logs about {n} extra hours a week.",
             "{P} has been leaving early and still putting in full days on the timesheet."),
            ("{P_he} told me {p_he}'s going through a divorce and needs the money.",
             "I know {p_he} is supporting a sick parent right now.",
             "When I asked about it, {p_he} begged me not to say anything."),
            ("Company policy says anyone who knows about falsified hours and doesn't report it "
             "can be disciplined too.",
             "We had a training last month that said exactly this is grounds for firing.",
             "My name is on the approval step for our team's hours."),
        ),
        pa=("The rules are there for a reason, and I'm the one who signs off on the hours.",
            "If it comes out later, I'm complicit, and I don't want to break the rules for "
            "anyone.",
            "Everyone else follows the process, so it doesn't feel fair to just ignore it."),
        pb=("{P_he}'s been a good friend to me, and I know {p_he} is drowning right now.",
            "Reporting {p_him} would probably cost {p_him} the job, and I'd be the reason.",
            "Part of me thinks kindness matters more here than the handbook."),
    ),
    F(
        "work_freelance", "work", "security", "self_direction", "partner",
        a=("keep my salaried job", "stay employed for now"),
        b=("quit and go freelance", "go out on my own"),
        topic=("going freelance", "quitting to work for myself"),
        beats=(
            ("I'm a {job} and I've been doing freelance work on the side for {dur_s}.",
             "For about a year I've had side clients on top of my full-time job at {org}.",
             "My side gig has been growing faster than I expected."),
            ("Last month the side work brought in almost {amt_m}.",
             "I now have {n} regular clients, and two of them want more hours.",
             "I've saved about {amt_b} as a cushion."),
            ("{P} is nervous because we just signed a lease at {rent} a month.",
             "{P} thinks I should wait another year.",
             "We're thinking about having kids in the next couple of years."),
        ),
        pa=("The salary and health insurance are a safety net I'm scared to lose.",
            "A steady paycheck means I never have to worry about making rent.",
            "Stability has always mattered to me, and freelancing is anything but stable."),
        pb=("I love the idea of choosing my own projects and my own hours.",
            "Being my own boss would give me a kind of freedom I've never had.",
            "I'm tired of asking permission to take a day off."),
        ages=(24, 48),
    ),
    F(
        "work_overtime", "work", "achievement", "hedonism", "friend",
        a=("keep working the extra hours", "push for the promotion this year"),
        b=("cut back and enjoy my life", "stop doing the overtime"),
        topic=("working weekends for a promotion", "my work-life balance"),
        beats=(
            ("For the past {dur_s} I've been working most weekends at {org}.",
             "I've been putting in {n} extra hours a week for months.",
             "Since spring I've basically been living at the office."),
            ("My manager hinted that there's a senior role opening up in {month}.",
             "Everyone says I'm the obvious pick for the next promotion if I keep this up.",
             "The extra work is finally getting noticed by leadership."),
            ("Meanwhile I've stopped {hobby} completely and I miss it.",
             "{P} keeps inviting me to things and I keep cancelling.",
             "I can't remember the last weekend I just slept in."),
        ),
        pa=("This promotion would be a huge step for my career.",
            "I've always been ambitious, and I don't want to waste the momentum.",
            "If I ease up now, all the work I've put in could be for nothing."),
        pb=("I'm {age} and I feel like I'm missing out on all the fun.",
            "Life is short and I want to actually enjoy my weekends again.",
            "I keep thinking about how much I used to love {hobby}."),
        ages=(22, 40),
    ),
    F(
        "work_environment_report", "work", "universalism", "power", "manager",
        a=("speak up about the numbers", "report the emissions problem"),
        b=("stay quiet and keep my bonus", "let it go and focus on my own career"),
        topic=("fudged environmental numbers at work", "something shady at my company"),
        aita=("going over my boss's head about the emissions data",),
        beats=(
            ("I work in compliance at {org}.",
             "I'm a {job} at {org}, and part of my job is pulling reporting data.",
             "I recently moved into a reporting role at {org}."),
            ("I found out the waste numbers we send to regulators are being rounded down, a lot.",
             "The environmental figures in our annual report don't match the raw data.",
             "Our emissions report leaves out a whole site."),
            ("When I mentioned it, {p} told me to drop it.",
             "{P} said it's always been done this way and it's not my problem.",
             "{P} reminded me that my bonus depends on this quarter looking good."),
        ),
        pa=("It's not fair to the people living near the plant, and the environment matters "
            "to me.",
            "I care about doing what's right for everyone, not just for the company.",
            "If nobody says anything it will just keep happening."),
        pb=("My bonus is {amt_m}, and I'm in line for a bigger title next year.",
            "Speaking up could end my career here before it really starts.",
            "The people who stay quiet are the ones who get promoted."),
    ),
    F(
        "work_family_business", "work", "tradition", "self_direction", "parent",
        a=("take over the family business", "stay and run the shop"),
        b=("follow my own career", "turn the business down"),
        topic=("taking over my family's business", "my dad's shop"),
        aita=("telling {p} I don't want the family business",),
        beats=(
            ("My family has run a small {shop} for {n} generations.",
             "{P} has run our {shop} since before I was born.",
             "The {shop} has been in our family for decades."),
            ("{P} wants to retire next year and assumes I'll take over.",
             "Everyone in the family just expects me to step in.",
             "{P} has already told the regulars that I'm taking over."),
            ("I just got accepted into a {subject} program that I worked really hard for.",
             "I've been building a career as a {job} and I'm good at it.",
             "I have my own plans, and none of them involve the shop."),
        ),
        pa=("It's our tradition, and I'd hate to be the one who lets it end.",
            "My grandparents built this from nothing, and walking away feels like betraying "
            "them.",
            "There's something about keeping the family name on that sign that matters to me."),
        pb=("I want the freedom to build my own life, not inherit one.",
            "It's my life and I should get to decide what I do with it.",
            "I'd resent it if I took over just because it was expected."),
        ages=(20, 40),
    ),
    F(
        "work_unpaid_internship", "work", "achievement", "security", "parent",
        a=("take the unpaid internship", "go for the prestigious internship"),
        b=("take the paid job", "accept the boring but paid job"),
        topic=("an unpaid internship versus a paid job",),
        beats=(
            ("I just finished my degree in {subject}.",
             "I graduate in {month} with a degree in {subject}.",
             "I'm finishing a {subject} degree at {school}."),
            ("I got offered an unpaid internship at a well-known firm in {place}.",
             "A big-name company offered me a six-month internship, unpaid.",
             "My dream company offered me an internship, but it pays nothing."),
            ("I also have an offer from {org} paying {salary}.",
             "At the same time, {org} offered me a normal job at {salary}.",
             "The other option is a paid job at {org}, which is fine but dull."),
        ),
        pa=("The internship could launch my career, and people in my field say the name "
            "opens doors.",
            "I want to aim high, and this is the path to the work I actually care about."),
        pb=("I have {amt_b} in student loans and rent is {rent}.",
            "A steady income would mean I could finally stop borrowing from {p}.",
            "The paid job is the responsible, safe choice."),
        ages=(21, 27),
    ),
    # ---------------------------------------------------------------- family
    F(
        "family_lend_money", "family", "benevolence", "security", "sibling",
        a=("lend {p_him} the money", "help {p_him} out again"),
        b=("say no this time", "keep my savings"),
        topic=("lending {p} money again", "{p} asking for money"),
        aita=("refusing to lend {p} money again",
              "telling {p} I won't bail {p_him} out anymore"),
        beats=(
            ("{P} asked to borrow {amt_m} again.",
             "Yesterday {p} called asking for {amt_m}.",
             "{P} is short on rent and wants me to cover {amt_m}."),
            ("Last time I lent {p_him} {amt_s}, I never saw it again.",
             "This is the {ordinal} time in {dur} that {p_he}'s asked.",
             "{P_he} still owes me from the last time."),
            ("I'm not rich; I'm a {job} and I've been saving for a deposit on a place.",
             "That money is most of my emergency fund.",
             "I finally got my savings to {amt_b} after years of being careful."),
            ("Our parents think I should help because family helps family.",
             "{Q} says I'm enabling {p_him}.",
             "{P_he} has {n} kids, which makes it harder to say no."),
        ),
        pa=("{P_he}'s family, and I'd feel awful if {p_his} kids went without because of me.",
            "I love {p_him}, and I don't want money to come between us.",
            "If I can help, shouldn't I?"),
        pb=("I worked hard for that money, and I need to protect my own stability.",
            "My emergency fund is the only thing that lets me sleep at night.",
            "If I keep bailing {p_him} out, I'll never have any security of my own."),
    ),
    F(
        "family_skip_holiday", "family", "tradition", "hedonism", "parent",
        a=("go home for {holiday}", "do {holiday} with my family like always"),
        b=("go on the trip with my friends", "skip {holiday} this year for the trip"),
        topic=("skipping {holiday} with my family", "{holiday} plans"),
        aita=("skipping {holiday} at my parents' for a trip with friends",
              "telling {p} I won't be home for {holiday}"),
        beats=(
            ("Every single year, my whole family gets together at {p}'s house for {holiday}.",
             "In my family, {holiday} is a big deal and nobody misses it.",
             "I have never once missed {holiday} at home."),
            ("This year my friends planned {trip} over the same dates.",
             "My friends invited me on {trip}, and it's the only time everyone is free.",
             "A friend got a great deal on {trip} that overlaps with {holiday}."),
            ("{P} said it would break {p_his} heart if I wasn't there.",
             "When I mentioned it, {p} went quiet and then hung up.",
             "{P} is already guilt-tripping me and I haven't even decided."),
        ),
        pa=("It's tradition, and I know my grandparents won't be around forever.",
            "Our {holiday} traditions are one of the few things that keep the family together.",
            "Missing it feels like turning my back on how I was raised."),
        pb=("I'm {age}, I work hard all year, and I want to have some fun for once.",
            "The trip sounds amazing, and I rarely get to just enjoy myself.",
            "Just once I want to spend the holiday doing something I enjoy."),
        ages=(19, 40),
    ),
    F(
        "family_caregiving", "family", "benevolence", "achievement", "parent",
        a=("move back home to look after {p_him}", "put my plans on hold for {p}"),
        b=("stay and finish what I started", "keep going with my career plans"),
        topic=("caring for {p}", "moving home to be a caregiver"),
        beats=(
            ("{P} had a fall in {month} and can't really live alone anymore.",
             "{P} was diagnosed with early Parkinson's last year.",
             "{P}'s health has been going downhill for {dur_s}."),
            ("I'm the only one of my siblings without kids, so everyone looks at me.",
             "My brother lives overseas and my sister says she can't.",
             "There's nobody else nearby who could do it."),
            ("I was just accepted into a master's program in {subject}.",
             "I'm up for a big promotion at {org}.",
             "I finally got the job I spent {dur} working towards."),
        ),
        pa=("{P} took care of me my whole life, and it feels like my turn.",
            "I'd never forgive myself if something happened and I wasn't there.",
            "Being there for family is the most important thing to me."),
        pb=("This program is the thing I've worked towards for years.",
            "If I turn this down, I might never get another shot at this career.",
            "I want to achieve something I'm proud of, and the timing couldn't be worse."),
        ages=(23, 50),
    ),
    F(
        "family_wedding_religion", "family", "tradition", "self_direction", "parent",
        a=("have the religious ceremony", "do the big traditional wedding"),
        b=("do the small courthouse wedding", "plan the wedding we actually want"),
        topic=("our wedding plans", "a religious wedding I don't want"),
        aita=("refusing to have a church wedding for my parents",
              "telling {p} we're getting married at the courthouse"),
        beats=(
            ("My partner and I are getting married next {month}.",
             "We got engaged a few months ago after {dur} together.",
             "My fiancé and I are planning our wedding."),
            ("{P} expects a full ceremony at the church I grew up in.",
             "My family is very religious and assumes we'll do a traditional ceremony.",
             "{P} has already talked to the priest about dates."),
            ("Neither of us practices anymore, and we want something small.",
             "We'd rather spend {amt_b} on a house than a huge wedding.",
             "My partner isn't religious at all and feels uncomfortable about it."),
        ),
        pa=("It would mean a lot to {p}, and tradition is important in my family.",
            "There's a part of me that still feels connected to those traditions."),
        pb=("It's our wedding, and we should have the freedom to do it our way.",
            "I don't want to stand up and make promises in a faith I don't hold.",
            "I've spent my life doing things to keep {p} happy, and I'm done."),
        ages=(22, 40),
    ),
    F(
        "family_inheritance", "family", "universalism", "benevolence", "sibling",
        a=("split everything equally", "insist on an even split"),
        b=("give {p} a bigger share", "let {p} have the house"),
        topic=("splitting my grandma's estate", "an inheritance fight"),
        aita=("insisting on splitting the inheritance equally with {p}",),
        beats=(
            ("My grandmother passed away in {month} and left her house to me and {p}.",
             "When our grandpa died, the will split everything between {p} and me.",
             "We just got the paperwork for our parents' estate."),
            ("{P} has been struggling and wants to live in the house.",
             "{P} is a single parent and says {p_he} needs it more than I do.",
             "{P} asked me to give up my half so {p_he} can keep a roof over {p_his} head."),
            ("The house is worth around {amt_b}.",
             "My half would be enough to pay off my student loans.",
             "I've never had any kind of safety net, and this would be mine."),
        ),
        pa=("Fair is fair, and Grandma wanted it split evenly.",
            "I believe in treating everyone equally, including myself.",
            "If I make an exception now, it sets a precedent for every future decision."),
        pb=("{P_he}'s my sibling, and I hate seeing {p_him} struggle.",
            "Maybe being a good sibling matters more than getting my exact share.",
            "I could probably manage without it, and {p_he} really couldn't."),
    ),
    F(
        "family_baby_name", "family", "tradition", "self_direction", "relative",
        a=("use the family name", "name the baby after my grandfather"),
        b=("choose the name we love", "go with our own choice"),
        topic=("naming our baby", "a family naming tradition"),
        aita=("not naming my son after my late grandfather",),
        beats=(
            ("My partner and I are expecting our first baby in {month}.",
             "We're having a boy in about {n} weeks.",
             "Our baby is due this {month}."),
            ("In my family the first son is always named after the grandfather.",
             "{P} reminds us constantly that every first son for {n} generations has had the "
             "same name.",
             "There's a family naming tradition that goes back a long way."),
            ("We picked out a completely different name years ago and we love it.",
             "My partner hates the family name and honestly so do I.",
             "We want a name that feels like ours."),
        ),
        pa=("It's a tradition that connects our kids to people they'll never meet.",
            "Breaking the chain feels like disrespecting the people who came before."),
        pb=("It's our baby, and we should be free to choose.",
            "We want our son to have his own identity, not a copy of someone else's.",
            "I don't want to start parenthood by doing what everyone else wants."),
        ages=(24, 42),
    ),
    F(
        "family_sibling_secret", "family", "conformity", "benevolence", "sibling",
        a=("tell our parents the truth", "stop lying for {p_him}"),
        b=("keep {p_his} secret", "keep covering for {p}"),
        topic=("keeping {p}'s secret from our parents", "lying for {p}"),
        aita=("telling my parents {p} dropped out", "refusing to lie for {p} anymore"),
        beats=(
            ("{P} dropped out of college in {month} and hasn't told our parents.",
             "{P} quit {p_his} job {dur_s} ago and is pretending to still go every day.",
             "I found out {p} has been skipping classes all semester."),
            ("Our parents are paying {amt_m} a semester thinking {p_he}'s still enrolled.",
             "Our parents keep asking me how {p_he}'s doing.",
             "Mom and Dad think everything is fine."),
            ("{P} made me promise not to say anything until {p_he} figures things out.",
             "{P_he} says {p_he}'ll tell them in {p_his} own time.",
             "{P_he} cried and begged me to keep quiet."),
        ),
        pa=("Lying to my parents goes against everything I was taught.",
            "They deserve to know where their money is going, and I hate breaking the rules "
            "like this.",
            "I feel like I'm part of the lie every time they ask me."),
        pb=("{P_he}'s my sibling, and loyalty to {p_him} matters to me.",
            "If I tell, {p_he} might never trust me again.",
            "I want {p_him} to know I'm on {p_his} side no matter what."),
        ages=(17, 35),
    ),
    F(
        "family_teen_freedom", "family", "security", "self_direction", "child",
        a=("say no to the trip", "keep the rules as they are"),
        b=("let {p_him} go", "give {p_him} more freedom"),
        topic=("my teenager wanting to travel alone", "how much freedom to give {p}"),
        aita=("not letting {p} go on a trip with friends",),
        beats=(
            ("{P} is {teen_age} and wants to go on {trip} with friends.",
             "{P} ({teen_age}) asked to spend the summer working in {place}.",
             "{P} is {teen_age} and wants to take a gap year abroad."),
            ("{P_he} has saved {amt_m} from a part-time job to pay for it.",
             "{P_he}'s responsible and has never really given me reason to worry.",
             "{P_he} says all {p_his} friends' parents already agreed."),
            ("My gut says it's too much, too soon.",
             "My partner thinks I'm being overprotective.",
             "I still remember the trouble I got into at that age."),
        ),
        pa=("My job is to keep {p_him} safe, and I don't know these kids or their plans.",
            "I'd rather be the strict parent than the one who gets the phone call."),
        pb=("{P_he} has to learn independence at some point.",
            "I want {p_him} to grow up confident, free and able to make decisions.",
            "Holding on too tight might push {p_him} away."),
        ages=(38, 58),
    ),
    # ---------------------------------------------------------------- friends
    F(
        "friends_bachelor_trip", "friends", "hedonism", "security", "friend",
        a=("go on the trip", "just book it and enjoy myself"),
        b=("skip the trip and save the money", "sit this one out"),
        topic=("an expensive trip with friends", "a bachelor party I can't really afford"),
        aita=("backing out of {p}'s bachelor trip because of the cost",),
        beats=(
            ("{P} is getting married and planned {trip} for the bachelor party.",
             "My friends are planning {trip} for {p}'s 30th.",
             "The whole friend group is going on {trip} in {month}."),
            ("My share would be about {amt_m} with flights and everything.",
             "All in, it's going to cost at least {amt_m}.",
             "It's {amt_m} minimum, and that's before drinks."),
            ("I've been trying to pay off my credit card.",
             "That's most of what I've saved this year.",
             "I just had a big car repair bill."),
        ),
        pa=("It would be so much fun, and these trips are the memories you keep.",
            "I'm young and I want to enjoy life a bit, not just save for the future.",
            "Everyone will be there, and I hate the thought of missing out."),
        pb=("I've worked hard to get my finances stable and this would set me back months.",
            "Saying no is the responsible thing, even if it's boring.",
            "Financial security matters more to me than one weekend."),
        ages=(22, 38),
    ),
    F(
        "friends_cheating", "friends", "benevolence", "conformity", "friend",
        a=("tell {p_him} what I saw", "tell {p} the truth"),
        b=("stay out of it", "mind my own business"),
        topic=("whether to tell my friend {p_his} partner is cheating",
               "something I saw that I shouldn't have"),
        aita=("telling {p} that {p_his} partner is cheating",),
        beats=(
            ("Last {weekday} I saw {p}'s partner at a bar kissing someone else.",
             "I saw messages on {p}'s partner's phone that made it pretty clear they're "
             "cheating.",
             "A mutual friend showed me photos of {p}'s partner with someone else."),
            ("{P} and {p_his} partner have been together for {dur} and are talking about "
             "marriage.",
             "{P} just moved in with them.",
             "They just adopted {pet} together."),
            ("Our friend group has an unspoken rule about not getting involved in each other's "
             "relationships.",
             "The last person who got involved in something like this got frozen out.",
             "I'm not even 100% sure what I saw."),
        ),
        pa=("If it were me, I'd want to know, and {p_he}'s one of my closest friends.",
            "Being a good friend means telling hard truths.",
            "I can't sit across from {p_him} at dinner and pretend."),
        pb=("It's not my relationship, and I don't want to be the one who blows everything "
            "up.",
            "Maybe it's better not to rock the boat until I'm sure.",
            "People usually blame the messenger."),
    ),
    F(
        "friends_project_partner", "friends", "achievement", "benevolence", "friend",
        a=("cut {p_him} out of the project", "take over and do it myself"),
        b=("keep {p_him} on", "give {p_him} another chance"),
        topic=("a friend who isn't pulling their weight", "my business partner"),
        aita=("removing {p} from our side business",),
        beats=(
            ("{P} and I started a small online business {dur_s} ago.",
             "{P} and I have been building an app together for about a year.",
             "{P} and I co-run a small Etsy shop."),
            ("I've been doing maybe 90% of the work.",
             "{P_he} misses deadlines and barely answers messages.",
             "Lately {p_he} hasn't done anything except take {p_his} share of the money."),
            ("We just got an offer from a bigger company to partner with us.",
             "We have a real chance at growing this into something.",
             "Last month we made {amt_m}, our best month ever."),
        ),
        pa=("I want this to succeed, and I can't carry dead weight forever.",
            "This could be the thing that makes my career, and I don't want to blow it."),
        pb=("{P_he} has been my friend since we were kids.",
            "Friendship is worth more than any business to me.",
            "I know {p_he}'s going through some stuff right now."),
    ),
    F(
        "friends_new_group", "friends", "stimulation", "benevolence", "friend",
        a=("spend more time with my new friends", "go to the new group's trip"),
        b=("stick with my old friends", "go to {p}'s thing instead"),
        topic=("drifting from my old friends", "choosing between friend groups"),
        aita=("skipping {p}'s birthday for a trip with my new friends",),
        beats=(
            ("Since I started {hobby}, I've made a new group of friends who are always up to "
             "something.",
             "My new coworkers are always planning something new, like {trip}.",
             "I've been hanging out with a new crowd who are really spontaneous."),
            ("My old friends mostly do the same thing every weekend.",
             "My old group is lovely, but it's the same bar every Friday.",
             "{P} has started making comments about how I'm never around."),
            ("Now the new group invited me on a trip the same weekend as {p}'s birthday.",
             "{P} is hurt that I skipped our game night twice in a row.",
             "{P} told me I've changed."),
        ),
        pa=("The new group makes me feel alive, and I love the variety and the excitement.",
            "I've been bored for years and I finally feel like I'm trying new things."),
        pb=("My old friends were there for me through some really hard times.",
            "Loyalty matters to me, and I don't want to be the friend who disappears.",
            "I don't want to lose {p}."),
        ages=(19, 35),
    ),
    F(
        "friends_borrow_car", "friends", "security", "benevolence", "friend",
        a=("say no", "tell {p_him} I'm not comfortable with it"),
        b=("lend {p_him} my car", "let {p_him} borrow it"),
        topic=("lending my car to a friend", "a friend wanting to borrow my car"),
        aita=("refusing to lend {p} my car",),
        beats=(
            ("{P} asked to borrow my car for {dur_s} while {p_his} is in the shop.",
             "{P} wants to borrow my car to help {p_his} sister move across state.",
             "{P} asked if {p_he} could use my car for a weekend trip."),
            ("{P_he} had a fender bender last year and {p_his} insurance went up.",
             "My car is {car} and it's the only way I get to work.",
             "I'm still making payments on the car."),
            ("{P_he} offered to pay for gas.",
             "{P_he} said {p_he}'d be really careful.",
             "{P_he}'s helped me out plenty of times before."),
        ),
        pa=("If something happens, I can't get to work and I'm the one who pays.",
            "I like knowing my life isn't one accident away from falling apart."),
        pb=("{P_he}'s been there for me, and I want to be there for {p_him}.",
            "Good friends help each other out, and {p_he} would do the same for me."),
    ),
    F(
        "friends_festival_rules", "friends", "hedonism", "conformity", "friend",
        a=("go to the party", "sneak out and go"),
        b=("follow the rules and stay in", "skip the party"),
        topic=("breaking the rules for a party", "a party I'm not allowed to go to"),
        beats=(
            ("{P} is throwing a huge party this {weekday}.",
             "My friends are going to a festival this weekend.",
             "There's a big party in the dorms on {weekday} night."),
            ("Our residence has a strict no-guests-after-midnight rule and I'm an RA.",
             "My parents made it a rule that I can't go to parties during exam season.",
             "My scholarship contract has a conduct clause."),
            ("Everyone says it'll be the party of the year.",
             "{P} keeps telling me to just have some fun for once.",
             "I've been studying nonstop for {dur_s}."),
        ),
        pa=("I'm {age}, and I want to have fun and actually enjoy being young.",
            "Life can't be all work and no fun."),
        pb=("I've always followed the rules and it feels wrong to break them now.",
            "If I get caught, it could cost me a lot.",
            "Other people are counting on me to do the right thing."),
        ages=(17, 23),
    ),
    # ---------------------------------------------------------------- romance
    F(
        "romance_move_in", "romance", "self_direction", "benevolence", "dating",
        a=("keep my own place", "tell {p_him} I'm not ready"),
        b=("move in with {p_him}", "say yes to moving in"),
        topic=("moving in with {p}", "my partner wanting to move in"),
        aita=("telling {p} I don't want to move in yet",),
        beats=(
            ("{P} and I have been together for {dur}.",
             "{P} and I have been dating for {dur} and things are great.",
             "We've been together {dur} and are very happy."),
            ("{P_he} asked me to move in together when {p_his} lease ends in {month}.",
             "{P_he} found an apartment for us and wants an answer by {weekday}.",
             "{P_he} keeps bringing up moving in and I keep changing the subject."),
            ("I bought my own condo two years ago and love living alone.",
             "I've lived alone since I was {age_young} and I really like my space.",
             "This is the first time in my life I've had my own place."),
        ),
        pa=("I value my independence and I'm scared of losing it.",
            "My freedom to come and go as I please is really important to me.",
            "Living alone is the first time I've felt fully in charge of my own life."),
        pb=("I love {p_him}, and I don't want {p_him} to think I'm not committed.",
            "{P_he}'s been so patient with me and I want to show {p_him} I care.",
            "I want to be there for {p_him} the way {p_he}'s been there for me."),
        ages=(22, 45),
    ),
    F(
        "romance_long_distance", "romance", "stimulation", "security", "partner",
        a=("follow {p_him} to {place}", "move with {p_him}"),
        b=("stay here and try long distance", "stay put"),
        topic=("following my partner abroad", "long distance or moving"),
        beats=(
            ("{P} just got a job offer in {place}.",
             "{P} was accepted into a program in {place} that starts in {month}.",
             "{P}'s company is transferring {p_him} to {place}."),
            ("{P_he} wants me to come too.",
             "{P_he} asked me to move with {p_him} for at least two years.",
             "We've talked about it and {p_he} really wants me there."),
            ("I have a stable job as a {job}, my own apartment and a routine I like.",
             "I'd have to quit my job and start from scratch.",
             "I have never lived anywhere except this city."),
        ),
        pa=("Part of me thinks it would be the adventure of a lifetime.",
            "I've always wanted to live somewhere new and exciting.",
            "Something new might be exactly what we need."),
        pb=("Everything stable in my life is here.",
            "My job here is secure and I worked hard to get it.",
            "Moving would mean giving up the stability I fought for."),
        ages=(22, 40),
    ),
    F(
        "romance_conversion", "romance", "tradition", "benevolence", "dating",
        a=("convert like {p_his} family wants", "agree to the conversion classes"),
        b=("tell {p_his} family no", "keep my own beliefs"),
        topic=("my partner's family wanting me to convert", "religion in my relationship"),
        aita=("refusing to convert for {p}'s family",),
        beats=(
            ("{P} and I have been together {dur} and plan to get married.",
             "{P} and I got engaged this spring.",
             "After {dur} together, {p} and I are talking about marriage."),
            ("{P_his} family expects me to convert to their religion first.",
             "{P_his} parents said they won't attend the wedding unless I convert.",
             "{P_his} grandmother keeps asking when I'll start my classes."),
            ("I grew up in a different faith that still means a lot to me.",
             "My own family has strong traditions of its own.",
             "I'm not religious, but I don't want to pretend."),
        ),
        pa=("My own traditions are part of who I am.",
            "Giving up my family's faith feels like giving up my heritage."),
        pb=("I love {p_him}, and I want {p_his} family to accept me.",
            "Maybe this is a sacrifice worth making for someone I love.",
            "I don't want {p} stuck between me and {p_his} parents."),
        ages=(22, 40),
    ),
    F(
        "romance_wedding_size", "romance", "power", "security", "fiance",
        a=("have the big wedding", "go all out on the wedding"),
        b=("keep the wedding small", "put the money towards a house"),
        topic=("wedding budget", "a big wedding versus a house deposit"),
        aita=("refusing to pay for the big wedding {p} wants",),
        beats=(
            ("{P} and I are getting married next year.",
             "We just got engaged and the planning already has me stressed.",
             "{P} and I are starting to plan our wedding."),
            ("{P} wants a big wedding with 200 guests that would cost around {amt_b}.",
             "A big wedding would eat most of the {amt_b} we've saved.",
             "{P}'s parents are pushing for a huge venue in the city."),
            ("We've been saving for a house for {dur}.",
             "With that money we could put a deposit on a small place.",
             "We still rent, and rent goes up every year."),
        ),
        pa=("Everyone in {p}'s family has had a big wedding, and it matters to {p_him} how "
            "it looks.",
            "Honestly there's a part of me that wants people to see we've made it."),
        pb=("Owning a home would give us real security.",
            "I'd rather have stability than one fancy day.",
            "A small wedding and a house feels like the sensible choice."),
        ages=(22, 42),
    ),
    F(
        "romance_fellowship", "romance", "achievement", "benevolence", "partner",
        a=("take the fellowship", "accept the offer"),
        b=("turn it down for {p_him}", "stay for the relationship"),
        topic=("a fellowship abroad", "career versus relationship"),
        beats=(
            ("I was offered a research fellowship in {place} for {n} years.",
             "I got into a highly competitive program in {place}.",
             "My dream job offered me a position in {place}."),
            ("{P} can't move because of {p_his} job and {p_his} kids from a previous marriage.",
             "{P} told me {p_he} doesn't think {p_he} can do long distance.",
             "{P} asked me not to go."),
            ("We've been together for {dur}.",
             "I love {p_him} and we've talked about marriage.",
             "{P_he} has been incredibly supportive of everything else in my life."),
        ),
        pa=("This is the kind of career opportunity that doesn't come twice.",
            "I've worked my entire adult life to get here.",
            "If I say no, I think I'll always wonder."),
        pb=("{P} is the most important person in my life.",
            "I don't want to sacrifice the relationship for my career.",
            "Caring for the people I love should come first."),
        ages=(24, 40),
    ),
    F(
        "romance_ex_friendship", "romance", "benevolence", "security", "partner",
        a=("stay friends with my ex", "keep my ex in my life"),
        b=("cut contact with my ex", "end the friendship with my ex"),
        topic=("staying friends with an ex", "{p} asking me to cut off my ex"),
        aita=("staying friends with my ex even though {p} is uncomfortable",),
        beats=(
            ("My ex and I broke up {dur} ago but stayed close friends.",
             "My ex and I dated in college and are still good friends.",
             "My ex is one of my oldest friends; we dated briefly years ago."),
            ("{P} has asked me to stop talking to my ex.",
             "{P} says it makes {p_him} uncomfortable.",
             "{P} gave me an ultimatum last week."),
            ("My ex is going through a rough time right now.",
             "My ex doesn't have much of a support system.",
             "My ex and I share a friend group."),
        ),
        pa=("I don't drop people when they need me.",
            "Loyalty is important to me, and my ex has been a good friend."),
        pb=("I want my relationship to feel safe and stable for both of us.",
            "Maybe peace in my relationship is worth more than this friendship."),
    ),
    # ---------------------------------------------------------------- money
    F(
        "money_travel_year", "money", "security", "stimulation", "parent",
        a=("keep my savings for a house", "stay put and keep saving"),
        b=("spend my savings traveling for a year", "take the year off to travel"),
        topic=("spending my savings on travel", "a year of travel"),
        beats=(
            ("I've saved {amt_b} over the past {dur}.",
             "After {dur} of careful budgeting I have about {amt_b} saved.",
             "I finally have {amt_b} in savings."),
            ("The plan was always to use it for a house deposit.",
             "Everyone assumes I'll use it to buy a place.",
             "I was going to put it towards a down payment."),
            ("Lately I can't stop thinking about traveling for a year instead.",
             "A friend is doing a year in {place} and invited me along.",
             "I've always dreamed of spending a year on the road."),
        ),
        pa=("A house would give me stability for the rest of my life.",
            "Financial security has always been my priority.",
            "The responsible choice is to keep saving."),
        pb=("I'll never be this free again.",
            "I want adventure before I settle down.",
            "I'm {age}, and I'm scared I'll regret never taking the chance."),
        ages=(21, 38),
    ),
    F(
        "money_luxury_car", "money", "power", "security", "friend",
        a=("buy the nicer car", "get the car I want"),
        b=("pay off my debt first", "buy something cheap and clear my debt"),
        topic=("buying a nicer car", "a new car versus paying off debt"),
        beats=(
            ("I just got a raise to {salary}.",
             "I got promoted recently and now make {salary}.",
             "My income finally went up after a new job at {org}."),
            ("I have about {amt_m} on a credit card and student loans.",
             "I still owe {amt_b} on student loans.",
             "My car is old and I also have some debt."),
            ("I've been looking at {car} that would cost me about {amt_s} a month.",
             "{P} just bought a new car and keeps telling me to treat myself.",
             "I test drove a car way above my budget and fell in love."),
        ),
        pa=("My clients notice what I drive, and it affects how they see me.",
            "I'm tired of being seen as the broke one in my friend group.",
            "Having something impressive for once would feel good."),
        pb=("Paying off my debt would give me so much more peace of mind.",
            "Getting my finances stable should probably come first.",
            "I'd be one emergency away from trouble."),
        ages=(22, 45),
    ),
    F(
        "money_hot_tip", "money", "power", "security", "friend",
        a=("invest in {p_his} deal", "put the money in"),
        b=("keep my money in my savings", "stay out of it"),
        topic=("a friend's investment pitch", "a risky investment"),
        beats=(
            ("{P} has been telling me about an investment opportunity for weeks.",
             "{P} wants me to invest in {p_his} cousin's restaurant.",
             "{P} says crypto is about to take off and wants me in."),
            ("{P_he} says I could double my money within a year.",
             "{P_he} wants {amt_m} from me.",
             "The minimum to get in is {amt_m}."),
            ("That's almost everything I have saved.",
             "I'm not a finance person at all.",
             "I'd have to pull it from my emergency fund."),
        ),
        pa=("If it works I'd finally have real money and a bit of status.",
            "I'm tired of watching other people get rich."),
        pb=("I have a stable life and I'm scared of losing it.",
            "Financial security matters more to me than a gamble.",
            "It feels too good to be true."),
    ),
    F(
        "money_ethical_fund", "money", "universalism", "power", "relative",
        a=("move my savings into the ethical fund", "switch to the green fund"),
        b=("keep the higher-return fund", "stick with what earns the most"),
        topic=("ethical investing", "where to put my savings"),
        beats=(
            ("I have around {amt_b} invested through my workplace plan.",
             "I inherited {amt_b} from {p} and invested it.",
             "I've been investing {amt_s} a month for a few years."),
            ("I recently learned the fund I'm in is heavily invested in oil and weapons.",
             "The fund I picked holds a lot of fossil fuel companies.",
             "My fund has a terrible environmental rating."),
            ("The ethical options have lower returns and higher fees.",
             "Switching would probably cost me a few percent a year.",
             "My financial advisor says switching is a bad idea."),
        ),
        pa=("I care about the environment, and I don't want my money funding things I "
            "oppose.",
            "It's about fairness to future generations."),
        pb=("More money means more influence and options later in life.",
            "I want to build real wealth, and returns matter."),
    ),
    F(
        "money_parents_retirement", "money", "benevolence", "security", "parent",
        a=("help my parents with their bills", "give my parents money every month"),
        b=("keep saving for my own future", "say no to my parents"),
        topic=("supporting my parents financially", "my parents' retirement"),
        aita=("refusing to pay my parents' mortgage",),
        beats=(
            ("{P} retired last year and it turns out they have almost nothing saved.",
             "My parents are in their sixties and barely scraping by.",
             "{P} asked me if I could contribute {amt_s} a month to their bills."),
            ("I make {salary} and I'm trying to save for a house.",
             "I'm the only one of my siblings with a steady job.",
             "I'm already contributing to my own retirement."),
            ("They sacrificed a lot for me when I was a kid.",
             "My siblings refuse to help.",
             "It would mean pushing my own plans back years."),
        ),
        pa=("They're my family and they raised me.",
            "I want to take care of them the way they took care of me."),
        pb=("If I don't save now, I'll end up in the same situation.",
            "I need some financial security of my own first."),
        ages=(25, 50),
    ),
    F(
        "money_cashier_error", "money", "conformity", "power", "friend",
        a=("go back and return it", "tell the store about the mistake"),
        b=("keep the money", "just keep it and move on"),
        topic=("a billing mistake in my favour", "money I probably shouldn't keep"),
        beats=(
            ("A furniture store charged me {amt_s} for a couch that should have cost {amt_m}.",
             "My landlord accidentally refunded my deposit twice.",
             "My bank deposited {amt_m} into my account by mistake."),
            ("It's been {dur_s} and nobody has noticed.",
             "I could really use the money right now.",
             "It's a big company and they'll never miss it."),
            ("{P} says it's their problem, not mine.",
             "{P} says I'd be an idiot to say anything.",
             "I haven't told anyone except {p}."),
        ),
        pa=("It's not mine, and I want to do the right thing.",
            "I've always played by the rules, and this feels wrong."),
        pb=("Keeping it would put me in a much stronger position financially.",
            "Big companies would never return the favour."),
    ),
    F(
        "money_roommate_split", "money", "universalism", "hedonism", "roommate",
        a=("split the bills by income", "offer to pay more"),
        b=("keep splitting everything 50/50", "keep things equal"),
        topic=("splitting bills with my roommate", "money and my roommate"),
        aita=("asking {p} to pay half of everything",),
        beats=(
            ("I share an apartment with {p}.",
             "{P} and I have lived together for {dur}.",
             "I moved in with {p} last {month}."),
            ("I make about twice what {p_he} does.",
             "{P_he} works part time while studying.",
             "{P_he} recently lost {p_his} job."),
            ("We've always split rent and bills exactly in half.",
             "{P_he} asked if we could split things by income instead.",
             "{P_he} is always stressed about money."),
        ),
        pa=("It seems fairer for each of us to pay what we can afford.",
            "Fairness isn't always the same as equal."),
        pb=("I want to enjoy some of the money I've worked for.",
            "I earned it and I'd like to actually spend it on myself for once."),
        ages=(19, 35),
    ),
    # ---------------------------------------------------------------- school
    F(
        "school_major", "school", "achievement", "self_direction", "parent",
        a=("stay in {subject}", "finish the degree my parents want"),
        b=("switch to {subject2}", "change my major"),
        topic=("changing my major", "what to study"),
        aita=("switching my major against my parents' wishes",),
        beats=(
            ("I'm in my second year studying {subject} at {school}.",
             "I'm a sophomore majoring in {subject}.",
             "I'm halfway through a {subject} degree."),
            ("{P} always wanted me to be a doctor and is paying part of my tuition.",
             "My parents chose my major for me and I went along with it.",
             "Everyone in my family expects me to do well in {subject}."),
            ("Lately all I can think about is {subject2}.",
             "I took a {subject2} elective and loved it.",
             "I'm passionate about {subject2} in a way I never was about my current major."),
        ),
        pa=("My current major has better career prospects and I'm doing well.",
            "I want to be successful, and {subject} is a safer path to that."),
        pb=("It's my life and I want to choose my own path.",
            "I want the freedom to do something I actually care about.",
            "I'd rather be happy than just make my parents proud."),
        ages=(18, 23),
    ),
    F(
        "school_gap_year", "school", "stimulation", "conformity", "parent",
        a=("take a gap year", "defer my place for a year"),
        b=("start college in the fall like everyone expects", "start college on time"),
        topic=("taking a gap year", "a gap year versus starting college"),
        beats=(
            ("I graduate high school in {month} and got into {school}.",
             "I was accepted to {school} for the fall.",
             "I just finished high school and have a place at {school}."),
            ("I've been offered a chance to work on a farm in {place} for a year.",
             "A friend and I have been planning a year of travel.",
             "I could volunteer abroad for a year through a program."),
            ("{P} says gap years are for rich kids and that I'll never go back.",
             "My parents think it's irresponsible.",
             "All my friends are going straight to college."),
        ),
        pa=("I want to see the world and have some adventure before I settle down.",
            "I feel like I've never actually done anything exciting."),
        pb=("Everyone expects me to go straight to college.",
            "I don't want to disappoint my parents or fall behind."),
        ages=(17, 19),
    ),
    F(
        "school_plagiarism", "school", "conformity", "benevolence", "friend",
        a=("report it to the professor", "tell the professor"),
        b=("keep quiet", "handle it within the group"),
        topic=("a groupmate who plagiarised", "plagiarism in a group project"),
        aita=("reporting {p} for plagiarism",),
        beats=(
            ("I'm in a group project with {p} and two others.",
             "We have a big group project worth {pct} of our grade.",
             "I'm doing a group project for my {subject} class."),
            ("I found out that {p} copied most of {p_his} section from an online source.",
             "{P}'s part is clearly copied from a paper.",
             "I ran {p}'s section through a checker and it's basically copied."),
            ("If it's caught, the whole group could fail.",
             "Our university's honor code says we must report academic dishonesty.",
             "{P} is already on academic probation."),
        ),
        pa=("The rules are clear, and I don't want to be complicit.",
            "Following the honor code is important to me."),
        pb=("{P_he}'s a good friend and I don't want to ruin {p_his} life.",
            "I could help {p_him} rewrite it instead of getting {p_him} in trouble."),
        ages=(18, 26),
    ),
    F(
        "school_prestige", "school", "power", "security", "parent",
        a=("go to the prestigious school", "take the big-name offer"),
        b=("take the full scholarship", "go to the cheaper school"),
        topic=("choosing a college", "prestige versus a scholarship"),
        beats=(
            ("I got into {school} and a state school that offered me a full ride.",
             "I was accepted to a top program and a cheaper local one with a scholarship.",
             "I have two offers: a famous university and a full scholarship elsewhere."),
            ("The fancy one would leave me with about {amt_b} in debt.",
             "The prestigious school would cost {amt_b} even with aid.",
             "We'd need loans for the expensive option."),
            ("{P} went to the famous one and really wants me to go.",
             "People keep telling me the name will follow me forever.",
             "My family doesn't have much money."),
        ),
        pa=("The name would open doors and I'd be taken seriously.",
            "Status matters in my field, like it or not."),
        pb=("Graduating debt-free would give me so much security.",
            "I don't want to start adult life buried in debt."),
        ages=(17, 22),
    ),
    F(
        "school_exam_trip", "school", "achievement", "hedonism", "friend",
        a=("stay home and study", "skip the trip and prepare for exams"),
        b=("go on the trip", "take the weekend off"),
        topic=("a trip the week before exams", "studying versus a weekend away"),
        beats=(
            ("My finals are in {n} days.",
             "I have a huge exam on {weekday} that counts for half my grade.",
             "I'm studying for my licensing exam."),
            ("{P} invited me on {trip} this weekend.",
             "My friends rented a lake house and really want me to come.",
             "{P} has been planning a weekend away for months."),
            ("I've been studying nonstop for weeks and I'm burnt out.",
             "I'm worried I'm not ready.",
             "My grades have been borderline this semester."),
        ),
        pa=("This exam matters for my whole career.",
            "I want to do well, and I've worked too hard to blow it now."),
        pb=("I need a break and some fun before I burn out completely.",
            "Life isn't just exams, and I want to enjoy it."),
        ages=(18, 30),
    ),
    F(
        "school_trade", "school", "self_direction", "tradition", "parent",
        a=("drop out and start an apprenticeship", "leave university for the trade"),
        b=("finish my degree", "stay in university"),
        topic=("leaving university for a trade", "dropping out for an apprenticeship"),
        beats=(
            ("I'm in my third year of {subject} and I'm miserable.",
             "I'm studying {subject} and I hate it more every semester.",
             "University hasn't been what I expected."),
            ("I've been offered an electrician apprenticeship through a family friend.",
             "A local carpenter offered to take me on as an apprentice.",
             "I've been working with my hands on weekends and I love it."),
            ("I'd be the first person in my family not to finish a degree.",
             "My parents immigrated so I could go to university.",
             "{P} brags to everyone about me being at university."),
        ),
        pa=("I want to choose a life that fits me, not one that was chosen for me.",
            "This would be my decision, for once."),
        pb=("My family's values around education are a big part of who we are.",
            "My parents sacrificed so much for this tradition of education."),
        ages=(19, 25),
    ),
    # ---------------------------------------------------------------- housing
    F(
        "housing_dog_rule", "housing", "conformity", "hedonism", "neighbour",
        a=("follow the no-pets rule", "wait until I can move somewhere pet-friendly"),
        b=("adopt the dog anyway", "get the dog and hope nobody notices"),
        topic=("a no-pets rule", "adopting a dog in my apartment"),
        beats=(
            ("My lease has a strict no-pets clause.",
             "My building doesn't allow dogs.",
             "My landlord has a no-animals rule."),
            ("A shelter near me has {pet} I fell in love with.",
             "A friend needs to rehome {pet} and asked me first.",
             "I've wanted a dog my whole life."),
            ("{P} has a dog and nobody seems to mind.",
             "Other tenants have pets and the landlord doesn't check.",
             "My lease is up in {month}."),
        ),
        pa=("I signed the lease, and I'm a rules person.",
            "Breaking the rules could get me evicted."),
        pb=("A dog would make me so happy and life is short.",
            "I want to enjoy my life and come home to someone."),
    ),
    F(
        "housing_buy_rent", "housing", "security", "self_direction", "parent",
        a=("buy a house here", "buy in my hometown"),
        b=("keep renting and stay flexible", "keep renting for now"),
        topic=("buying versus renting", "whether to buy a house"),
        beats=(
            ("I've saved {amt_b} for a down payment.",
             "I finally have enough for a deposit on a small house.",
             "My parents offered to help me buy a place in my hometown."),
            ("Rent here is {rent} a month and keeps going up.",
             "Houses near my family are still affordable.",
             "I found a place I really like in my hometown."),
            ("But I'm not sure I want to stay here forever.",
             "Part of me wants to be free to move wherever.",
             "I've been thinking about moving to {place} someday."),
        ),
        pa=("Owning would give me stability and a place that's mine.",
            "Buying feels like the safe, grown-up choice."),
        pb=("Renting lets me stay free to change my life whenever I want.",
            "I don't want a mortgage to decide my future for me."),
        ages=(25, 45),
    ),
    F(
        "housing_city_move", "housing", "stimulation", "security", "parent",
        a=("move to the city", "take the leap and move"),
        b=("stay in my small town", "stay where it's comfortable"),
        topic=("moving to the big city", "leaving my small town"),
        beats=(
            ("I've lived in the same small town my whole life.",
             "I grew up in a tiny town and never left.",
             "My whole life is in this town."),
            ("A friend has a spare room in the city for {rent} a month.",
             "I've been offered a job in {place}.",
             "My cousin invited me to stay with her in {place} for a year."),
            ("My family is all here and my rent is cheap.",
             "{P} needs help sometimes.",
             "Everyone I know is here."),
        ),
        pa=("I want adventure and new experiences before it's too late.",
            "I feel like life is passing me by here."),
        pb=("Here I have a safe, comfortable life.",
            "I know what I have here and it's stable."),
        ages=(19, 35),
    ),
    F(
        "housing_landlord_rent", "housing", "universalism", "power", "relative",
        a=("keep the rent low for my tenant", "leave the rent where it is"),
        b=("raise the rent to market rate", "raise the rent"),
        topic=("raising rent on a long-time tenant", "being a landlord for the first time"),
        aita=("raising the rent on my late uncle's long-time tenant",),
        beats=(
            ("I inherited a small duplex from {p} last year.",
             "I recently became a landlord when I bought a two-family house.",
             "I own a rental unit I got from family."),
            ("The tenant is an elderly woman who has lived there for {n} years.",
             "The tenant pays about half of market rent.",
             "The tenant is a single mom who has always paid on time."),
            ("The market rent would be around {rent} more a month.",
             "Raising it would let me cover repairs and build equity.",
             "A property manager told me I'm leaving a lot of money on the table."),
        ),
        pa=("It doesn't feel fair to push someone out of her home.",
            "I care about treating people decently even when it costs me."),
        pb=("It's my property, and I could use the money to build wealth.",
            "I have a right to get a fair return on what I own."),
    ),
    F(
        "housing_roommate_behind", "housing", "benevolence", "security", "roommate",
        a=("cover {p}'s share for a while", "give {p_him} more time"),
        b=("ask {p_him} to move out", "find a new roommate"),
        topic=("a roommate who's behind on rent", "covering my roommate's rent"),
        aita=("asking {p} to move out after {p_he} lost {p_his} job",),
        beats=(
            ("{P} has been behind on rent for {dur_s}.",
             "{P} lost {p_his} job in {month}.",
             "{P} hasn't paid {p_his} share for two months."),
            ("I've been covering {p_his} half, which is {rent}.",
             "I've already spent {amt_m} covering the gap.",
             "The lease is in my name."),
            ("{P_he}'s a good person and a good friend.",
             "{P_he} is trying to find work.",
             "We've lived together since college."),
        ),
        pa=("{P_he}'s my friend, and I want to help {p_him} through this.",
            "Kicking someone out when they're down feels cruel."),
        pb=("I can't keep draining my savings.",
            "I need financial stability, and this isn't sustainable."),
        ages=(20, 40),
    ),
    F(
        "housing_back_home", "housing", "security", "self_direction", "parent",
        a=("move back in with my parents", "take my parents up on the offer"),
        b=("keep my own place", "stay independent"),
        topic=("moving back home to save money", "living with my parents again"),
        beats=(
            ("My rent is going up to {rent} next month.",
             "My lease is ending and rents in my area are brutal.",
             "I'm spending half my income on rent."),
            ("{P} offered to let me move back in rent-free.",
             "My parents said I could move back home for a year.",
             "{P} keeps suggesting I move home and save."),
            ("But {p} has strict house rules and opinions about everything.",
             "I fought hard to move out.",
             "I'm {age} and moving home feels like a step backwards."),
        ),
        pa=("I could save {amt_b} in a year and have a real safety net.",
            "Living at home would make my life so much more secure."),
        pb=("I value my independence more than the money.",
            "I don't want to give up my freedom to make my own choices."),
        ages=(22, 35),
    ),
    # ---------------------------------------------------------------- health (never self-harm)
    F(
        "health_surgery", "health", "security", "achievement", "manager",
        a=("get the surgery now", "schedule the surgery right away"),
        b=("wait until the project is done", "push the surgery back"),
        topic=("timing a knee surgery", "surgery versus a work deadline"),
        beats=(
            ("I tore my ACL playing {sport} a few weeks ago.",
             "My doctor says I need shoulder surgery.",
             "I've been putting off a hernia operation for {dur_s}."),
            ("Recovery would take about {n} weeks.",
             "I'd be out of work for a while.",
             "The surgeon had an opening in {month}."),
            ("At the same time, I'm leading the biggest project of my career.",
             "{P} said this project is my chance to prove myself.",
             "We have a product launch I've spent a year on."),
        ),
        pa=("Waiting could make the injury worse, and my health is what keeps me safe.",
            "I know putting off health stuff is how small problems become big ones."),
        pb=("This project could make my career.",
            "If I'm gone now, someone else takes the credit."),
        ages=(22, 55),
    ),
    F(
        "health_drinking", "health", "security", "hedonism", "friend",
        a=("stop drinking for a while", "take a break from drinking"),
        b=("keep going out like before", "keep partying with my friends"),
        topic=("cutting back on drinking", "my social life and alcohol"),
        beats=(
            ("My doctor told me my liver numbers are a bit high.",
             "I've been feeling rough after weekends lately.",
             "I decided to do a dry month and it's going badly."),
            ("My whole social life revolves around going out.",
             "{P} keeps inviting me to bars.",
             "My friends keep teasing me for not drinking."),
            ("I'm {age} and I don't want to be boring.",
             "{P} says I'm no fun anymore.",
             "I don't know how to socialize without a drink in my hand."),
        ),
        pa=("My health needs to come first.",
            "I want to feel safe in my own body."),
        pb=("Going out is fun and I love my friends.",
            "I'm young and I want to enjoy life."),
        ages=(21, 40),
    ),
    F(
        "health_vegan", "health", "universalism", "tradition", "parent",
        a=("stick with my vegan diet at family dinners", "stay vegan even at holidays"),
        b=("eat what my family cooks", "make an exception for family meals"),
        topic=("going vegan in a meat-heavy family", "family dinners and my diet"),
        aita=("bringing my own vegan food to {p}'s dinner",),
        beats=(
            ("I went vegan {dur_s} ago for environmental reasons.",
             "I've been vegan for about a year now.",
             "I stopped eating meat after learning about factory farming."),
            ("My family's culture revolves around food, especially at {holiday}.",
             "{P} cooks the same traditional dishes every {holiday}.",
             "My grandmother's recipes are a big part of our identity."),
            ("{P} says refusing the food is an insult.",
             "{P} cried when I didn't eat her food.",
             "My family thinks it's a phase."),
        ),
        pa=("This is about the environment and animals, not just my preferences.",
            "I want to stand by what I believe is right for the world."),
        pb=("Food is how my family shows love and keeps our traditions alive.",
            "Maybe respecting our traditions matters more on those days."),
    ),
    F(
        "health_therapy", "health", "self_direction", "tradition", "parent",
        a=("start therapy anyway", "go to therapy without telling them"),
        b=("keep it in the family like they want", "skip therapy to keep the peace"),
        topic=("starting therapy against my family's wishes", "therapy and my family"),
        beats=(
            ("I've been dealing with anxiety for a while and want to see a therapist.",
             "My doctor suggested I see someone for my anxiety.",
             "I've been struggling with stress and burnout."),
            ("In my family, talking to strangers about problems is seen as shameful.",
             "{P} believes problems should stay within the family.",
             "My parents think therapy is for 'crazy people'."),
            ("I'm still on {p}'s insurance, so they'd see the bills.",
             "{P} would find out eventually.",
             "I live at home right now."),
        ),
        pa=("It's my mind and my decision to get help.",
            "I want to take charge of my own life."),
        pb=("Our family traditions and values are strong, and I don't want to disrespect "
            "them.",
            "I don't want to shame my family."),
        ages=(18, 35),
    ),
    F(
        "health_marathon", "health", "achievement", "security", "partner",
        a=("run the marathon anyway", "race as planned"),
        b=("drop out of the race", "skip it this year"),
        topic=("running a marathon against advice", "a race I've trained for all year"),
        beats=(
            ("I've been training for my first marathon for {dur_s}.",
             "The marathon is in {n} weeks.",
             "I've been training for this race since {month}."),
            ("My doctor said I have a stress reaction in my shin.",
             "My physio said I risk a real injury if I race.",
             "My knee has been hurting on long runs."),
            ("{P} wants me to pull out.",
             "{P} is worried I'll hurt myself.",
             "I've raised {amt_m} for charity with this run."),
        ),
        pa=("Finishing this would be the biggest achievement of my life.",
            "I've worked so hard, and I hate the idea of quitting."),
        pb=("Staying healthy and safe matters more in the long run.",
            "There will be other races."),
        ages=(22, 55),
    ),
    # ---------------------------------------------------------------- neighbours
    F(
        "neighbour_noise", "neighbours", "conformity", "benevolence", "neighbour",
        a=("file a complaint with the HOA", "report the noise"),
        b=("talk to {p_him} directly", "let it slide"),
        topic=("a noisy neighbour", "loud parties next door"),
        aita=("reporting {p} to the HOA without talking to {p_him} first",),
        beats=(
            ("{P} has been throwing loud parties almost every {weekday}.",
             "{P} plays music until 2am most nights.",
             "The noise from {p}'s place is constant."),
            ("The HOA has clear quiet-hours rules.",
             "Our building has a complaint process.",
             "Other neighbours have complained to me."),
            ("{P_he} is otherwise friendly and helped me when my car broke down.",
             "{P_he}'s a single parent who works late shifts.",
             "{P_he} just moved in and seems nice."),
        ),
        pa=("Rules are rules, and everyone agreed to them.",
            "The process exists for exactly this situation."),
        pb=("I'd rather be a good neighbour and handle it kindly.",
            "{P_he}'s been kind to me, and I don't want to make {p_his} life harder."),
    ),
    F(
        "neighbour_tree", "neighbours", "universalism", "power", "neighbour",
        a=("fight to keep the tree", "object to the tree removal"),
        b=("let {p_him} cut it down", "sign {p_his} petition"),
        topic=("a neighbour wanting to cut down an old tree", "an old oak on our property line"),
        beats=(
            ("There's a huge old oak on the line between my yard and {p}'s.",
             "{P} wants to cut down the tree between our yards.",
             "An old tree sits right on our property line."),
            ("{P} says it blocks {p_his} solar panels.",
             "{P} wants to build an extension.",
             "{P} is worried about branches in storms."),
            ("Birds nest in it every spring.",
             "It's over 100 years old.",
             "The city has no protection order on it."),
        ),
        pa=("I care about the environment and that tree is part of the neighbourhood.",
            "Cutting it down feels wrong for everyone who lives here."),
        pb=("Going along with {p} would keep me on the good side of the most influential "
            "person on our street.",
            "{P} sits on the council and I'd rather keep some influence."),
    ),
    F(
        "neighbour_elderly", "neighbours", "benevolence", "hedonism", "neighbour",
        a=("keep helping {p_him} every weekend", "keep doing {p_his} errands"),
        b=("set boundaries and take my weekends back", "tell {p_him} I can't anymore"),
        topic=("an elderly neighbour who depends on me", "my weekends"),
        beats=(
            ("{P} is in {p_his} eighties and lives alone.",
             "I've been helping {p} with groceries and errands for {dur}.",
             "{P} has no family nearby."),
            ("Lately it's every Saturday and most Sundays.",
             "{P_he} calls me several times a week.",
             "It's taking up basically all my free time."),
            ("I haven't been {hobby} in months.",
             "My friends have stopped inviting me out.",
             "I'm exhausted."),
        ),
        pa=("{P_he} has nobody else, and I care about {p_him}.",
            "I'd feel terrible if something happened to {p_him}."),
        pb=("I want to have some fun and relax on my weekends.",
            "I deserve to enjoy my life too."),
    ),
    F(
        "neighbour_fence", "neighbours", "power", "benevolence", "neighbour",
        a=("make {p_him} move the fence", "enforce the property line"),
        b=("let it go", "leave the fence where it is"),
        topic=("a fence on my property", "a property line dispute"),
        aita=("making {p} move {p_his} fence two feet",),
        beats=(
            ("I had my property surveyed and found {p}'s fence is two feet onto my land.",
             "A survey showed {p}'s fence is on my side.",
             "My new survey shows the fence line is wrong."),
            ("{P_he} has had the fence there for {n} years.",
             "{P_he} planted a garden along it.",
             "Moving it would cost {p_him} about {amt_m}."),
            ("{P} and I have always gotten along.",
             "{P_he} helped me when my basement flooded.",
             "{P_he} is a widower."),
        ),
        pa=("It's my land, and I want what's mine.",
            "If I let it go now, it could cause problems when I sell."),
        pb=("Being a good neighbour matters more than two feet of grass.",
            "I don't want to hurt someone who has been kind to me."),
    ),
    F(
        "neighbour_parking", "neighbours", "conformity", "benevolence", "neighbour",
        a=("report the car to the city", "call parking enforcement"),
        b=("let {p_him} keep parking there", "work something out with {p_him}"),
        topic=("a neighbour always parking in my spot", "parking on our street"),
        beats=(
            ("{P} keeps parking in front of my driveway.",
             "{P} uses my assigned parking space.",
             "{P} parks in the fire lane outside my house."),
            ("I've asked {p_him} nicely {n} times.",
             "{P_he} says {p_he} only does it for a few minutes.",
             "{P_he} has a disabled kid and says it's easier."),
            ("There are clear rules about this.",
             "Parking enforcement says I can file a report.",
             "Other neighbours do the same thing."),
        ),
        pa=("The rules exist for a reason and everyone should follow them.",
            "I've been patient, and the system is there for this."),
        pb=("{P_he} has a lot going on and I want to be kind.",
            "I'd rather find a solution than get {p_him} fined."),
    ),
    # ---------------------------------------------------------------- community
    F(
        "community_volunteer", "community", "universalism", "achievement", "friend",
        a=("keep volunteering at {cause}", "keep my volunteer shifts"),
        b=("quit volunteering to take the course", "focus on my career instead"),
        topic=("volunteering versus a career course", "giving up my volunteer work"),
        beats=(
            ("I've volunteered at {cause} every weekend for {dur}.",
             "Every Saturday for {dur} I've helped out at {cause}.",
             "I coordinate volunteers at {cause}."),
            ("My company offered to pay for a certification course that runs on weekends.",
             "I've been accepted to a weekend program that would help my career.",
             "A new job opportunity requires weekend shifts."),
            ("The organization is short-staffed.",
             "If I leave, they might have to cut a program.",
             "The people there depend on me."),
        ),
        pa=("I believe in helping people and making the world a bit fairer.",
            "It's the most meaningful thing I do."),
        pb=("The course could really boost my career.",
            "I want to get ahead and this is a great opportunity."),
    ),
    F(
        "community_choir", "community", "tradition", "self_direction", "relative",
        a=("stay in {club}", "keep my role in {club}"),
        b=("step away and do my own thing", "leave {club}"),
        topic=("leaving a community group I grew up in", "stepping back from {club}"),
        beats=(
            ("I've been part of {club} since I was a kid.",
             "My family has been involved in {club} for generations.",
             "I've led {club} for {dur}."),
            ("Lately I feel like I've outgrown it.",
             "I want to spend my time on {hobby} instead.",
             "My beliefs have changed a lot."),
            ("{P} would be devastated.",
             "My whole family is involved.",
             "Everyone assumes I'll take over from {p}."),
        ),
        pa=("It's a tradition and part of who I am.",
            "Walking away feels like abandoning my roots."),
        pb=("I want the freedom to choose how I spend my time.",
            "I'm tired of doing things just because I always have."),
    ),
    F(
        "community_protest", "community", "universalism", "security", "manager",
        a=("join the protest", "speak at the rally"),
        b=("stay home and keep my head down", "stay out of it"),
        topic=("joining a protest", "a protest and my job"),
        beats=(
            ("There's a protest this {weekday} against a development that would displace "
             "families in my area.",
             "My community is organizing a rally for fair housing.",
             "A big climate march is happening in my city."),
            ("I've been asked to speak because I've been involved from the start.",
             "I helped organize it.",
             "My friends are all going."),
            ("My employer has a strict policy about public political activity.",
             "{P} hinted that people at my company who protest get 'noticed'.",
             "I'm on a work visa."),
        ),
        pa=("This is about justice and fairness for my neighbours.",
            "If people like me don't speak up, nothing changes."),
        pb=("I can't afford to lose my job.",
            "My family depends on my income and stability."),
    ),
    F(
        "community_run_for_office", "community", "power", "hedonism", "partner",
        a=("run for the school board", "put my name forward"),
        b=("keep my free time for myself", "stay out of local politics"),
        topic=("running for the school board", "getting into local politics"),
        beats=(
            ("Several people in town have asked me to run for the school board.",
             "There's an open seat on our town council.",
             "I've been asked to run for president of {club}."),
            ("It would take up most of my evenings and weekends.",
             "Campaigning would mean months of knocking on doors.",
             "It's basically an unpaid second job."),
            ("{P} isn't thrilled about it.",
             "I love my quiet weekends.",
             "I finally have time for {hobby}."),
        ),
        pa=("I'd have a real say in decisions that affect my community.",
            "I want the influence to actually change things."),
        pb=("I enjoy my life as it is.",
            "I'd be giving up a lot of fun for a lot of meetings."),
    ),
    F(
        "community_league", "community", "stimulation", "conformity", "friend",
        a=("start my own league", "go off and do something new"),
        b=("stay in the club and follow its rules", "stick with the club"),
        topic=("leaving a sports club to start my own", "club rules"),
        beats=(
            ("I've played {sport} at the local club for {dur}.",
             "I'm a coach at a youth {sport} club.",
             "I've been a member of {club} for {dur}."),
            ("The board has strict rules about everything.",
             "The club refuses to try anything new.",
             "The club recently banned a format I love."),
            ("A few friends want me to start a casual league with them.",
             "I have an idea for a new kind of event.",
             "{P} wants to start something fresh with me."),
        ),
        pa=("I want something new and exciting.",
            "Starting something from scratch sounds like an adventure."),
        pb=("The club has rules for a reason and people respect them.",
            "I don't want to be seen as disloyal or causing trouble."),
    ),
)
FRAMES_BY_KEY: dict[str, Frame] = {f.key: f for f in FRAMES}
DOMAINS: tuple[str, ...] = tuple(sorted({f.domain for f in FRAMES}))

DOMAIN_SUBREDDITS: dict[str, tuple[tuple[str, float], ...]] = {
    "work": (("careerguidance", 0.55), ("Advice", 0.3), ("AmItheAsshole", 0.15)),
    "family": (
        ("Advice", 0.3), ("AmItheAsshole", 0.25), ("internetparents", 0.2),
        ("relationship_advice", 0.25),
    ),
    "friends": (("Advice", 0.4), ("AmItheAsshole", 0.3), ("relationship_advice", 0.3)),
    "romance": (("relationship_advice", 0.6), ("Advice", 0.25), ("AmItheAsshole", 0.15)),
    "money": (("personalfinance", 0.6), ("Advice", 0.3), ("AmItheAsshole", 0.1)),
    "school": (("Advice", 0.4), ("internetparents", 0.3), ("careerguidance", 0.3)),
    "housing": (("Advice", 0.45), ("personalfinance", 0.35), ("AmItheAsshole", 0.2)),
    "health": (("Advice", 0.6), ("internetparents", 0.4)),
    "neighbours": (("Advice", 0.6), ("AmItheAsshole", 0.4)),
    "community": (("Advice", 0.7), ("AmItheAsshole", 0.3)),
}

# ------------------------------------------------------------------------------ generic pools
# Generic first-person sentences voicing one Schwartz value; they fit any frame with it.
VALUE_PULLS: dict[str, tuple[str, ...]] = {
    "self_direction": (
        "I've spent a lot of my life doing what other people decided for me.",
        "I want to be the one who decides what my life looks like.",
        "Nobody else has to live with this choice but me.",
        "Whenever I imagine choosing for myself, I feel lighter.",
        "Independence has always mattered to me more than comfort.",
        "I don't want to look back and realize I never made my own decisions.",
    ),
    "stimulation": (
        "I get restless when life becomes too predictable.",
        "The idea of shaking things up honestly excites me.",
        "I've been in the same routine for so long that the days blur together.",
        "Some risk is the price of an interesting life, I think.",
        "I'm craving a change, any change.",
        "Doing something new would wake me up a bit.",
    ),
    "hedonism": (
        "I want to enjoy the years I have while I have the energy for it.",
        "I've been so serious lately that I forgot what fun feels like.",
        "I don't want my whole life to be obligations.",
        "Treating myself now and then shouldn't feel like a crime.",
        "Pleasure isn't a dirty word, even if my family acts like it is.",
        "I deserve some good times too.",
    ),
    "achievement": (
        "I've always measured myself by what I manage to accomplish.",
        "Being good at what I do is a big part of who I am.",
        "I don't want to coast; I want to see how far I can go.",
        "I set goals for myself, and this one matters.",
        "Success isn't everything, but it matters a lot to me.",
        "I hate the thought of wasting my potential.",
    ),
    "power": (
        "I'm tired of being the person who gets overlooked.",
        "Having some control over the outcome matters to me.",
        "Money and status aren't everything, but they open a lot of doors.",
        "I want people to take me seriously for once.",
        "Being in a position of strength feels important right now.",
        "Let's be honest, how things look to others does matter.",
    ),
    "security": (
        "I like knowing what next year looks like.",
        "I grew up with a lot of instability, so safety matters to me.",
        "I sleep better when I know the bills are covered.",
        "Stability isn't glamorous, but it's underrated.",
        "I'm not much of a risk-taker.",
        "A safe, predictable life sounds pretty good to me, honestly.",
    ),
    "conformity": (
        "I've always been someone who follows the rules.",
        "I hate the idea of upsetting people or causing a scene.",
        "There are expectations for a reason.",
        "I don't like being the one who breaks the norm.",
        "Doing the proper thing has always felt important to me.",
        "I'd rather not rock the boat if I can help it.",
    ),
    "tradition": (
        "I was raised with strong traditions and they still mean a lot to me.",
        "Respecting the way things have always been done matters in my family.",
        "Our customs are part of who I am.",
        "I feel a duty to the generations before me.",
        "My faith plays a part in how I think about this.",
        "Some traditions are worth keeping even when they're inconvenient.",
    ),
    "benevolence": (
        "The people close to me have always come first.",
        "I'd do almost anything for my family and friends.",
        "Loyalty is one of the things I value most.",
        "I can't stand the thought of letting someone I love down.",
        "Being there for people is kind of my whole personality.",
        "I want to be someone the people in my life can count on.",
    ),
    "universalism": (
        "Fairness matters a lot to me, even when it costs me.",
        "I try to think about what's right for everyone, not just me.",
        "I care about the environment and the world my choices leave behind.",
        "Justice isn't just a word to me.",
        "Treating people equally is something I really believe in.",
        "I try to look at the bigger picture.",
    ),
}

# Sentences usable in any advice post. Slots are filled from the post's context.

OPENERS = (
    "Throwaway because people I know follow my main account.",
    "Long-time lurker, first time posting, so bear with me.",
    "Sorry in advance, this got long.",
    "Posting here because I honestly can't think straight anymore.",
    "Using a throwaway for obvious reasons.",
    "On mobile, so apologies for the formatting.",
    "I've never posted here before, but I need some outside perspective.",
    "Okay, I need some unbiased opinions from strangers.",
    "This has been eating at me for a while, so here goes.",
    "Not sure if this is the right sub, but here goes.",
    "I need a reality check.",
    "Hoping someone here has been in a similar spot.",
    "Some context: I'm {age}{g}.",
    "I'm {age}{g}, for context.",
    "Some background: I'm a {age}-year-old {gnoun}.",
    "Quick background: I'm {age} and I've always been the responsible one.",
    "English isn't my first language, so sorry for any mistakes.",
    "I've typed and deleted this post about five times.",
)
FEELINGS = (
    "I've been losing sleep over this for {dur_s}.",
    "Every time I think I've decided, I change my mind again.",
    "My stomach is in knots just writing this out.",
    "I feel guilty even considering it.",
    "Part of me is excited and part of me is terrified.",
    "I'm normally pretty decisive, so this is new for me.",
    "I keep making pro and con lists and they come out even.",
    "I don't want to look back in ten years and regret this.",
    "I know there's no perfect answer here.",
    "I'm exhausted from going back and forth.",
    "Honestly, I feel stuck.",
    "It's all I think about at work.",
    "I snapped at {q} yesterday because I'm so wound up about it.",
    "I cried in my car after the conversation, which is not like me.",
    "I hate that I'm even struggling with this.",
    "I feel like whatever I pick, someone ends up hurt.",
    "My anxiety about this is through the roof.",
    "It sounds silly written down, but it feels huge to me.",
    "I keep replaying the conversation in my head.",
    "I've started avoiding the topic entirely, which isn't helping.",
    "I'm scared of making the wrong call.",
    "I've been distracted and short-tempered all week.",
    "Weirdly, I feel calm about one option and sick about the other, and I can't tell "
    "which one is which.",
    "I'm worried I'm just being a coward.",
)
OPINIONS = (
    "{Q} thinks I'm overthinking it.",
    "{Q} told me to go with my gut, which isn't helpful because my gut is confused.",
    "When I brought it up with {q}, {q_he} just shrugged.",
    "Everyone I ask gives me a different answer.",
    "My friends are split down the middle.",
    "{Q} says I'd be crazy to {b}.",
    "{Q} reminded me that I once said I'd never do something like this.",
    "I haven't told anyone in real life yet.",
    "The only person I've talked to is {q}, and {q_he} thinks I should {a}.",
    "{Q} thinks I should {b} and says I'm making excuses.",
    "{Q} is firmly on team {ga}.",
    "{Q} said {q_he} would support me either way, which is sweet but doesn't help me decide.",
    "My therapist keeps asking what I want, and I genuinely don't know.",
    "{Q} called me selfish for even thinking about it.",
    "{Q} told me this is a once-in-a-lifetime chance.",
    "{Q} said that if {q_he} were me, {q_he}'d {b} in a heartbeat.",
    "The one time I mentioned it to {q}, it turned into an argument.",
    "{Q} has strong opinions about it, but {q_he} isn't the one who has to live with it.",
)
CONSTRAINTS = (
    "I need to give an answer by {weekday}.",
    "There's a deadline at the end of {month}.",
    "Nothing has to happen until {month}, but I don't want to drag this out.",
    "If I wait much longer, the choice will be made for me.",
    "I have about {dur_s} to decide.",
    "They want an answer by the end of the week.",
    "I said I'd let them know by {weekday}, and that's coming up fast.",
    "I can't really put this off any longer.",
    "The timing is awful, because everything is happening in {month}.",
    "Whatever I do, it has to be decided before {event}.",
)
REFLECTIONS = (
    "On one hand I care a lot about {cue_a}; on the other, {cue_b} matters to me too.",
    "It basically comes down to {cue_a} versus {cue_b}.",
    "I guess the real question is whether {cue_a} is worth more to me than {cue_b}.",
    "I was raised to value {cue_a}, but lately I find myself craving {cue_b}.",
    "I always thought {cue_a} was the most important thing, and now I'm not so sure.",
    "Maybe I'm overvaluing {cue_b} and underestimating {cue_a}.",
    "When I picture myself old, I wonder if I'll care more about {cue_a} or {cue_b}.",
    "I don't know how people weigh {cue_a} against {cue_b}.",
    "Everyone talks about {cue_b} like it's obvious, but {cue_a} is real too.",
    "Deep down I think I know what I value, but {cue_b} keeps pulling at me.",
)
ASIDES = (
    "For what it's worth, I've never been good at decisions like this.",
    "I know this sounds minor to some people.",
    "I'm not looking for anyone to decide for me, I just need perspective.",
    "I know I'm lucky to even have this choice.",
    "I'll try to keep this short.",
    "I've read a lot of similar posts here but none quite match my situation.",
    "I want to be fair to everyone involved, including myself.",
    "To be clear, nobody is a villain here.",
    "I've thought about this from every angle I can think of.",
    "I've been journaling about it, which helped a little.",
)
EITHER_OR = (
    "Should I {a} or {b}?",
    "So, should I {a}, or {b}?",
    "Do I {a}, or do I {b}?",
    "Be honest: {a} or {b}?",
    "What would you do: {a} or {b}?",
    "Would it be a mistake to {b}?",
    "Is it selfish of me to want to {b}?",
    "Am I crazy for even considering {gb}?",
    "Should I just {a} and stop overthinking?",
    "Is it wrong to {b}?",
    "Would I regret it if I chose to {b}?",
    "Am I wrong for leaning towards {ga}?",
)
GENERIC_QUESTIONS = (
    "What would you do if you were me?",
    "Has anyone been in a similar spot? How did you decide?",
    "How do I even make this decision?",
    "What do I do?",
    "Any advice would be really appreciated.",
    "Need advice, please.",
    "Is there a middle ground I'm not seeing?",
    "What questions should I be asking myself?",
    "How do I stop going back and forth?",
    "If you've done either, do you regret it?",
)
AITA_CLOSINGS = (
    "So, AITA?",
    "AITA here?",
    "WIBTA if I went through with it?",
    "Am I the asshole for this?",
    "AITA for {aita}?",
    "Would I be the asshole if I decided to {b}?",
)
SIGNOFFS = (
    "Thanks for reading.",
    "Thanks in advance.",
    "Any perspective helps.",
    "I'll answer questions in the comments.",
    "Thank you for reading all of this.",
    "Sorry for the long post.",
    "Please be kind, I'm already stressed.",
    "Thanks, internet strangers.",
)
TLDRS = (
    "TL;DR: torn between {ga} and {gb}.",
    "tl;dr should I {a} or {b}?",
    "TLDR: {topic}. Help me decide.",
)
DOMAIN_COLOR: dict[str, tuple[str, ...]] = {
    "work": (
        "My commute is about {mins} minutes each way.",
        "My performance reviews have always been good.",
        "I've turned down two other offers in the past year.",
        "The team culture at {org} is honestly pretty good.",
        "I'm not sure how much longer the company will last the way things are going.",
        "Work has been the one stable thing in my life lately.",
        "I've been updating my CV just in case.",
        "My contract is up for renewal in {month}.",
    ),
    "family": (
        "My family has always been close, maybe too close.",
        "We do dinner every {weekday} at my parents' house.",
        "I'm the oldest of {n} kids, so I'm used to being the responsible one.",
        "There's a lot of history here that's hard to explain in one post.",
        "Our family group chat has been tense for weeks.",
        "I'm the one everyone calls when something goes wrong.",
        "My parents divorced when I was young, which complicates things.",
    ),
    "friends": (
        "We've been friends since middle school.",
        "Our friend group has been together for {dur}.",
        "I'm usually the planner in our group.",
        "Things have been a bit strange between us since last {month}.",
        "We have a group chat that's basically silent now.",
        "I don't make friends easily, so the ones I have matter a lot.",
    ),
    "romance": (
        "Our relationship is honestly great otherwise.",
        "We met through friends and hit it off right away.",
        "We've never really had a serious fight before this.",
        "We've talked about the future a lot.",
        "Communication is usually our strong point.",
        "I love {p} a lot, that isn't the question here.",
    ),
    "money": (
        "I've been tracking every expense in a spreadsheet for {dur}.",
        "I don't have any debt except a small car loan.",
        "My emergency fund covers about {n} months of expenses.",
        "I grew up without much money, so I'm cautious.",
        "I make about {salary} before tax.",
        "I contribute {pct} to my retirement account.",
    ),
    "school": (
        "My GPA is decent but not amazing.",
        "I'm the first in my family to go to college.",
        "I work part time at a cafe to cover living costs.",
        "My academic advisor hasn't been much help.",
        "I've always been a good student, at least on paper.",
        "Most of my friends already seem to have their lives figured out.",
    ),
    "housing": (
        "Rent in my area has gone up {pct} in two years.",
        "I've lived in this apartment for {dur}.",
        "The housing market here is a mess.",
        "My lease renews in {month}.",
        "The building is old but I love it.",
        "I work from home, so my living space matters a lot to me.",
    ),
    "health": (
        "I've always been pretty healthy, so this is new territory.",
        "My doctor was kind but didn't really tell me what to do.",
        "I got a second opinion and it said roughly the same thing.",
        "I try to look after myself, but I'm not perfect.",
        "My insurance covers most of it, which helps.",
    ),
    "neighbours": (
        "I've lived on this street for {dur}.",
        "It's a quiet neighbourhood, mostly families and retirees.",
        "We share a driveway, so we see each other constantly.",
        "I really don't want to become the difficult neighbour.",
        "The rest of the street seems to avoid conflict at all costs.",
    ),
    "community": (
        "Our town is small enough that everyone knows everyone.",
        "I've been involved in local stuff since I moved here {dur} ago.",
        "People here have long memories.",
        "I'm not usually a public person.",
        "I care a lot about this place.",
    ),
}

# Neutral details about the poster's life; their slot values make posts distinct.
LIFE_DETAILS = (
    "Outside of everything else, I'm really into {hobby}.",
    "I also have {pet} at home, which complicates things a bit.",
    "I grew up in {place}, if that matters.",
    "I'm saving up for {trip} next year.",
    "I get around in {car}, for what it's worth.",
    "On weekends I usually help out at {cause}.",
    "I'm part of {club}, which takes up a lot of my evenings.",
    "My only real splurge is {hobby}.",
    "I've got {event} coming up, which is adding to the stress.",
    "I have {n} siblings and we're all very different.",
    "I recently picked up {hobby} again to keep my head clear.",
    "I'm the kind of person who plans {trip} a year in advance.",
    "I moved here from {place} a few years ago.",
    "Most of my free time goes to {hobby} and {pet}.",
    "My budget is tight since I pay {rent} in rent.",
    "I volunteer with {cause} when I can.",
    "I played {sport} seriously until my early twenties.",
    "My days off usually revolve around {hobby}.",
)

NSFW_LINES = (
    "Our sex life has basically stopped since {month}.",
    "This involves our intimate life, hence the NSFW tag.",
    "{P} wants to try things in the bedroom that I'm not sure about.",
    "We haven't been intimate in {dur_s}, and it's straining everything.",
    "{P} asked about opening the relationship.",
)

# ------------------------------------------------------------------------------ personal data
# Reserved or obviously fake values only: 555-01xx, Ofcom drama ranges, example.* domains.

FIRST_NAMES_F = (
    "Sarah", "Jessica", "Megan", "Priya", "Olivia", "Chloe", "Aisha", "Hannah", "Natalie",
    "Rachel", "Bethany", "Lauren", "Camila", "Ingrid", "Fatima", "Siobhan", "Yuki", "Brianna",
)
FIRST_NAMES_M = (
    "Brandon", "Tyler", "Marcus", "Ethan", "Dmitri", "Lucas", "Kevin", "Derek", "Colin",
    "Rafael", "Tobias", "Jamal", "Declan", "Hiroshi", "Mateo", "Connor", "Julian", "Nikhil",
)
LAST_NAMES = (
    "Doe", "Roe", "Whitfield", "Okafor", "Lindqvist", "Moreno", "Fairbanks", "Castellano",
    "Pemberton", "Novak", "Achterberg", "Ramaswamy", "Gallagher", "Thornbury", "Vasquez",
)
STREETS = (
    "Maple", "Oak", "Birch", "Willow", "Cedar", "Elm", "Juniper", "Sycamore", "Linden",
    "Chestnut", "Hawthorn", "Magnolia", "Alder", "Poplar",
)
STREET_SUFFIXES = ("Street", "Avenue", "Road", "Lane", "Court", "Drive", "Rd", "St.", "Close")
USER_WORDS = (
    "quiet", "lantern", "purple", "otter", "velvet", "comet", "maple", "static", "pocket",
    "thunder", "sleepy", "walrus", "copper", "kettle", "orbit", "mossy", "pixel", "harbor",
    "tangerine", "falcon", "biscuit", "cobalt", "meadow", "rusty", "sparrow", "noodle",
)
PII_TEMPLATES: dict[str, tuple[str, ...]] = {
    "email": (
        "If anyone has been through this and wants to talk privately, my email is {x}.",
        "{P} keeps emailing me from {x} even after I asked for space.",
        "The recruiter wrote from {x}, and it all looked legit.",
        "I even set up a separate address ({x}) just to deal with this.",
        "You can reach me at {x} if you'd rather not comment publicly.",
        "The landlord's email is {x}, and he hasn't replied in a week.",
    ),
    "phone": (
        "{P} started texting me from a new number, {x}, after I blocked the old one.",
        "The office left a voicemail asking me to call back on {x}.",
        "I wrote down the number they gave me, {x}, but haven't called yet.",
        "If it matters, the number that keeps calling me is {x}.",
        "My old number was {x}, and people still call it asking for me.",
    ),
    "url": (
        "Here's the listing so you can see what I mean: {x}",
        "{P} posted the whole story on a blog ({x}).",
        "The job ad is still up at {x} if anyone wants to look.",
        "This is the fundraiser page: {x}",
        "I put the numbers in a spreadsheet here: {x}",
    ),
    "username": (
        "My ex browses this sub as {x}, so I'm using a throwaway.",
        "{x} gave me some advice on my last post, but things have changed since.",
        "If {x} is reading this, please stop messaging me.",
        "I posted about this before from my main, {x}, but deleted it.",
    ),
    "handle": (
        "{P} has been posting about it on Instagram ({x}).",
        "{P} vague-posted about me on TikTok from {x} last night.",
        "Someone found {p_his} account, {x}, and it's full of posts about me.",
        "My small business account is {x}, which is how this all started.",
    ),
    "name": (
        "My friend {x} thinks I'm overreacting.",
        "My boyfriend {x} keeps telling me to just pick one.",
        "My coworker {x} is the only one who knows.",
        "I even drafted a message that started 'Dear {x},' and then deleted it.",
        "My sister {x} says I should trust my gut.",
        "My roommate {x} has heard about nothing else for weeks.",
    ),
    "address": (
        "We live at {x}, so everyone on the street knows our business.",
        "The apartment is at {x}, right by the bus depot.",
        "My parents' house is at {x}, and it's been in the family for years.",
        "{P} lives at {x}, two doors down.",
        "The office is at {x}, which is a nightmare commute for me.",
    ),
}
PHONE_FORMATS = (
    "us_paren", "us_dash", "us_intl", "uk_london", "uk_mobile", "de", "us_555_paren",
    "us_555_dash",
)
EMAIL_FORMATS = ("dot", "digits", "initial", "plus", "gmail", "obfuscated")
URL_FORMATS = ("https_path", "www", "https_blog", "fundraiser", "docs")


def make_pii(rng: Random, kind: str, fmt_index: int) -> str:
    """A fake value of one PII type; fmt_index rotates through the formats."""
    if kind == "email":
        fmt = EMAIL_FORMATS[fmt_index % len(EMAIL_FORMATS)]
        first = pick(rng, FIRST_NAMES_F + FIRST_NAMES_M)
        last = pick(rng, LAST_NAMES)
        if fmt == "dot":
            return f"{first.lower()}.{last.lower()}@example.com"
        if fmt == "digits":
            return f"{first.lower()}{last.lower()}{rng.randrange(10, 99)}@example.org"
        if fmt == "initial":
            return f"{first[0].lower()}{last.lower()}@mail.example.net"
        if fmt == "plus":
            return f"{first}.{last}+reddit@example.com"
        if fmt == "gmail":
            return f"{pick(rng, ('jane', 'john', 'j'))}.{pick(rng, ('doe', 'roe'))}"\
                f"{rng.randrange(1, 999)}@gmail.com"
        return f"{first.lower()} at example dot com"
    if kind == "phone":
        fmt = PHONE_FORMATS[fmt_index % len(PHONE_FORMATS)]
        area = pick(rng, ("212", "312", "415", "617", "503", "702", "404", "206"))
        xx = f"{rng.randrange(100):02d}"
        if fmt == "us_paren":
            return f"({area}) 555-01{xx}"
        if fmt == "us_dash":
            return f"{area}-555-01{xx}"
        if fmt == "us_intl":
            return f"+1 {area} 555 01{xx}"
        if fmt == "uk_london":
            return f"+44 20 7946 0{rng.randrange(1000):03d}"
        if fmt == "uk_mobile":
            return f"07700 900{rng.randrange(1000):03d}"
        if fmt == "de":
            return f"+49 30 {rng.randrange(1000000, 9999999)}"
        if fmt == "us_555_paren":
            return f"(555) {rng.randrange(200, 999)}-{rng.randrange(10000):04d}"
        return f"555-{rng.randrange(200, 999)}-{rng.randrange(10000):04d}"
    if kind == "url":
        fmt = URL_FORMATS[fmt_index % len(URL_FORMATS)]
        slug = "-".join(rng.sample(USER_WORDS, 2))
        if fmt == "https_path":
            return f"https://www.example.com/listing/{rng.randrange(1000, 99999)}"
        if fmt == "www":
            return f"www.example.org/{slug}"
        if fmt == "https_blog":
            return f"https://example.net/blog/{slug}"
        if fmt == "fundraiser":
            return f"https://fundraise.example.com/f/{slug}-{rng.randrange(100, 999)}"
        return f"https://docs.example.com/d/{rng.getrandbits(40):010x}"
    if kind == "username":
        a, b = rng.sample(USER_WORDS, 2)
        if fmt_index % 2 == 0:
            return f"u/{a}_{b}_{rng.randrange(10, 99)}"
        return f"/u/{a.capitalize()}-{b.capitalize()}-{rng.randrange(1000, 9999)}"
    if kind == "handle":
        a, b = rng.sample(USER_WORDS, 2)
        sep = pick(rng, ("_", ".", ""))
        return f"@{a}{sep}{b}{rng.randrange(1, 99)}"
    if kind == "name":
        return pick(rng, FIRST_NAMES_F + FIRST_NAMES_M)
    if kind == "address":
        return f"{rng.randrange(2, 1400)} {pick(rng, STREETS)} {pick(rng, STREET_SUFFIXES)}"
    raise ValueError(f"unknown PII type {kind!r}")


# ------------------------------------------------------------------------------ other kinds

SHORT_BODIES = (
    "title says it all", "help?", "see title", "pls help", "idk what to do",
    "Advice please.", "as above", "Title. Thoughts?", "What do I do", "Please help me decide",
    "This is driving me crazy", "Details in title, sorry", "Help me", "?", "urgent",
    "Need opinions asap", "Basically what the title says.", "thoughts??",
)
DELETED_TEXT = ("[deleted]", "[removed]")

OFF_TOPIC: dict[str, dict[str, tuple[str, ...]]] = {
    "meme": {
        "title": (
            "When the top comment is just 'communicate with your partner'",
            "Me reading AITA posts at 2am instead of sleeping",
            "Every post here: 'so this happened three years ago but...'",
            "The duality of this sub",
            "POV: you ask for advice and get 400 different answers",
            "Nobody: / This sub: 'have you tried therapy'",
        ),
        "body": ("lol", "[image]", "no context needed", "every single time",
                 "I'll see myself out", "😂😂😂"),
    },
    "update": {
        "title": (
            "UPDATE: I took the job!", "Update on my roommate situation",
            "Thank you all, I finally talked to my dad", "Final update: we moved!",
            "Update: I told my friend the truth", "Small update and a big thank you",
        ),
        "body": (
            "Just wanted to say thank you to everyone who commented on my last post.",
            "I took a lot of your advice and finally made a decision.",
            "It was scary, but it worked out better than I expected.",
            "A few of you messaged me privately and that meant a lot.",
            "Things are not perfect, but I feel so much lighter.",
            "Thanks again, this community is great.",
            "I'll probably post one more update in a few months.",
        ),
    },
    "rant": {
        "title": (
            "I'm so tired of people who never pay back borrowed money",
            "Rant: landlords in this city are unbelievable",
            "Nobody warns you how lonely your late twenties are",
            "Just need to vent about my week",
            "Customer service jobs should come with hazard pay",
        ),
        "body": (
            "I'm not even asking for advice, I just need to get this out.",
            "Three times this month people have treated me like a doormat.",
            "Everyone says 'just set boundaries' like it's easy.",
            "I'm done being the nice one all the time.",
            "It's exhausting and nobody ever notices.",
            "Anyway, that's my rant. Thanks for letting me vent.",
            "I'm going to go eat ice cream now.",
        ),
    },
    "survey": {
        "title": (
            "Survey for my class: how do you make big decisions? (5 min)",
            "[Academic] Survey on friendship and conflict (18+, anonymous)",
            "Quick poll: would you move for love or for a job?",
            "Research study on family money conflicts (anonymous, 10 min)",
        ),
        "body": (
            "Hi everyone! I'm a {subject} student working on a class project about how "
            "people make life decisions.",
            "The survey is anonymous and takes about five minutes.",
            "Here is the link: {url}",
            "Mods approved this post.",
            "Thank you so much for helping out a stressed student!",
            "Vote in the comments with A or B, and tell us why.",
        ),
    },
    "meta": {
        "title": (
            "Why was my post removed?", "Can we get a flair for career questions?",
            "Is it just me or is this sub mostly relationship posts now?",
            "Suggestion: a weekly thread for money questions",
            "Mods, please do something about the repost bots",
        ),
        "body": (
            "I posted something yesterday and it disappeared without any message.",
            "It would make the sub easier to browse.",
            "I've been here for years and the quality has really changed.",
            "Half the front page is the same story with the names changed.",
            "Not trying to start drama, just an observation.",
            "Curious what other regulars think.",
        ),
    },
    "announcement": {
        "title": (
            "I made a free decision-making worksheet",
            "Starting a support group for new grads",
            "PSA: read your lease before you sign it",
            "Reminder that it's okay to take your time with big decisions",
        ),
        "body": (
            "After getting so much help here, I wanted to give something back.",
            "It's nothing fancy, just a simple worksheet with questions to ask yourself.",
            "We meet online every other week, and everyone is welcome.",
            "I learned this the hard way and lost my deposit.",
            "Hope this helps someone.",
            "No pressure, just putting it out there.",
        ),
    },
    "offsub": {
        "title": (
            "My cat figured out how to open the fridge",
            "This tomato looks exactly like a duck",
            "Finally beat the final boss after 60 hours",
            "The fog this morning made my street look like a movie set",
            "Found my grandpa's old camera in the attic",
            "What's a small thing that made your day today?",
        ),
        "body": (
            "Not much to say, just thought it was cool.",
            "Took me forever but it was worth it.",
            "Photo in the comments.",
            "Mine was a stranger holding the door for me.",
            "",
        ),
    },
    "junk": {
        "title": ("test", "asdf", ".", "test post please ignore", "hello?", "aaaa"),
        "body": ("test", "", "asdfghjkl", "ignore", "."),
    },
}
OFF_TOPIC_WEIGHTS = (
    ("meme", 2), ("update", 3), ("rant", 3), ("survey", 2), ("meta", 2),
    ("announcement", 1), ("offsub", 2),
)
LINK_TITLES = (
    "Found this article on making hard decisions really helpful",
    "This video about setting boundaries with parents is great",
    "Interesting read on the real cost of renting versus buying",
    "Good breakdown of how to negotiate a salary offer",
    "Article: why we regret the chances we didn't take",
    "This helped me think about moving abroad",
    "Podcast episode on family estrangement, worth a listen",
)
MOD_NAMES = ("SubModTeam", "kindly_mod_bot", "the_mod_squad_22", "ModeratorLina", "helpful_mod")
STICKIED_POSTS = (
    ("Welcome to r/{sub}! Please read the rules before posting",
     "Welcome! This is a place to ask for advice about your own life. Please read the "
     "sidebar before posting. Be kind in the comments. Posts about medical or legal "
     "emergencies will be removed; contact a professional instead. Low-effort posts and "
     "surveys are not allowed."),
    ("Reminder: Rule 3, no surveys or promotion",
     "We have seen a lot of surveys and self-promotion lately. These are removed on sight. "
     "Repeat offenders will be banned. If you are a researcher, message the moderators "
     "first."),
    ("Monthly meta thread ({month})",
     "This is the place to talk about the subreddit itself: rules, flairs, moderation. "
     "Please keep it civil. We read every comment, even if we do not reply to all of them."),
    ("We're looking for new moderators!",
     "The sub has grown a lot and we need help. Ideal applicants are active here, have a "
     "few hours a week, and can stay calm. Apply through the form in the sidebar."),
    ("Changes to how we handle reposts",
     "Starting this month, reposting the same question within 30 days will be removed. "
     "If your situation has changed, please post an update instead and link the original."),
)
AUTOMOD_POSTS = (
    ("Weekly Vent Thread - {month} {day}",
     "This is the weekly thread for venting. No advice unless asked for. Please remember "
     "Rule 1: be kind. This thread is posted automatically every {weekday}."),
    ("Daily Check-in Thread ({month} {day})",
     "How are you doing today? Share a win, a worry, or anything else. This is an "
     "automated post."),
    ("Monthly Success Stories Thread",
     "Did advice from this sub help you? Tell us how things turned out! This post was made "
     "automatically."),
    ("Weekly Off-Topic Thread",
     "Talk about anything that isn't allowed as a normal post here. Rules still apply. "
     "I am a bot, and this action was performed automatically."),
    ("Open Discussion Thread - week of {month} {day}",
     "Use this thread for quick questions that don't need their own post. I am a bot, and "
     "this action was performed automatically."),
)

SENSITIVE_TITLES = (
    "I don't know what to do anymore", "Can't keep going like this",
    "Everything feels pointless lately", "Not sure where else to post this",
    "I need someone to talk to", "Scared of my own thoughts",
)
SENSITIVE_OPEN = (
    "I ({age}{g}) have been in a really dark place for {dur_s}.",
    "Things have been bad since I lost my job in {month}.",
    "I'm {age} and I've been struggling for a long time.",
    "I don't really know why I'm posting this.",
)
SENSITIVE_CORE = (
    "Lately I keep thinking about ending it.",
    "Some nights I want to kill myself, and that scares me.",
    "I've been having thoughts of suicide and I don't know who to tell.",
    "I've started thinking everyone would be better off if I wasn't here.",
    "I've thought about hurting myself more than once this week.",
    "I don't want to be alive anymore.",
)
SENSITIVE_CONTEXT = (
    "I haven't told my family because they would panic.",
    "My friends think I'm fine.",
    "I'm still going to work and pretending everything is okay.",
    "I stopped answering messages a while ago.",
)
SENSITIVE_CLOSE = (
    "I don't really know what I'm asking for.",
    "I just needed to say it somewhere.",
    "Is it normal to feel like this?",
    "How do people get through this?",
)

# Non-English advice posts: per language, situations (titles, body sentences, questions)
# plus shared openers/feelings/closers. Slots: {age} {g} {n} {amt} {month}.
NON_ENGLISH: dict[str, dict[str, Any]] = {
    "es": {
        "open": ("Hola a todos.", "Perdón por el texto tan largo.",
                 "Nunca había escrito aquí, pero necesito una opinión externa.",
                 "Cuenta desechable por si acaso."),
        "feel": ("Llevo semanas sin dormir bien pensando en esto.",
                 "Me siento muy culpable solo de pensarlo.",
                 "No sé a quién más preguntar.",
                 "Mis amigos me dicen cosas distintas y ya no sé qué pensar."),
        "close": ("Gracias por leer.", "Cualquier consejo es bienvenido.",
                  "Gracias de antemano."),
        "situations": (
            (("¿Debería aceptar un trabajo en otra ciudad?",
              "Necesito consejo: trabajo nuevo lejos de mi familia"),
             ("Tengo {age} años ({age}{g}) y trabajo de administrativa desde hace {n} años.",
              "Hace poco me ofrecieron un puesto en Madrid con un sueldo mucho mejor.",
              "El problema es que mi madre vive sola y yo soy quien la ayuda con todo.",
              "Mi pareja dice que es una oportunidad única, pero a mí me da miedo dejarlo "
              "todo."),
             ("¿Qué haríais vosotros en mi lugar?", "¿Acepto el trabajo o me quedo?")),
            (("Mi hermano me pide dinero otra vez", "¿Le presto dinero a mi hermano?"),
             ("Mi hermano me ha pedido dinero por tercera vez este año.",
              "La última vez le presté {amt} euros y nunca me los devolvió.",
              "Estoy ahorrando para la entrada de un piso y no me sobra nada.",
              "Mis padres dicen que la familia es lo primero y que tengo que ayudarle."),
             ("¿Soy mala persona si le digo que no?", "¿Qué debería hacer?")),
            (("Mis padres quieren boda por la iglesia y nosotros no",),
             ("Mi novio y yo nos casamos en {month} y llevamos {n} años juntos.",
              "Ninguno de los dos es creyente, pero mis padres insisten en una boda "
              "religiosa.",
              "Mi abuela dice que si no nos casamos por la iglesia no vendrá.",
              "No quiero hacerle daño, pero tampoco quiero fingir algo que no siento."),
             ("¿Cedo por mi familia o hago lo que queremos nosotros?",)),
            (("Quiero cambiarme de carrera pero mis padres no me dejan",),
             ("Estudio Derecho porque mis padres siempre quisieron que fuera abogada.",
              "Llevo dos años y cada vez lo odio más.",
              "Lo que de verdad me gusta es el diseño gráfico y ya he hecho algunos "
              "trabajos por mi cuenta.",
              "Ellos pagan la matrícula y me han dicho que si cambio no me ayudarán más."),
             ("¿Sigo con Derecho o me arriesgo?", "¿Alguien ha pasado por algo parecido?")),
            (("Mi compañera de piso no paga el alquiler",),
             ("Comparto piso con una amiga desde hace {n} años.",
              "Desde que perdió su trabajo no ha pagado su parte del alquiler.",
              "Ya llevo tres meses pagando todo yo y se me están acabando los ahorros.",
              "Es mi amiga y no quiero echarla, pero no puedo seguir así."),
             ("¿Cómo se lo digo sin perder la amistad?", "¿Qué hago?")),
        ),
    },
    "de": {
        "open": ("Hallo zusammen.", "Sorry für den langen Text.",
                 "Ich poste hier zum ersten Mal und brauche eine Meinung von außen.",
                 "Wegwerfkonto, weil meine Familie meinen Hauptaccount kennt."),
        "feel": ("Ich denke seit Wochen an nichts anderes mehr.",
                 "Ich habe schon ein schlechtes Gewissen, wenn ich nur darüber nachdenke.",
                 "Ich weiß wirklich nicht mehr weiter.",
                 "Jeder in meinem Umfeld sagt mir etwas anderes."),
        "close": ("Danke fürs Lesen.", "Ich bin für jeden Rat dankbar.",
                  "Danke schon mal im Voraus."),
        "situations": (
            (("Soll ich für einen Job ins Ausland ziehen?",
              "Jobangebot in Zürich – annehmen oder bleiben?"),
             ("Ich ({age}{g}) arbeite seit {n} Jahren als Ingenieur in einer kleinen Firma.",
              "Jetzt habe ich ein Angebot aus Zürich bekommen, mit fast doppeltem Gehalt.",
              "Meine Freundin hat hier gerade ihre Ausbildung angefangen und kann nicht mit.",
              "Meine Eltern sagen, so eine Chance bekommt man nur einmal."),
             ("Würdet ihr das Angebot annehmen?", "Was soll ich tun?")),
            (("Meine Schwester will schon wieder Geld von mir",),
             ("Meine Schwester hat mich gefragt, ob ich ihr {amt} Euro leihen kann.",
              "Das ist schon das dritte Mal in diesem Jahr.",
              "Beim letzten Mal habe ich das Geld nie zurückbekommen.",
              "Ich spare gerade für eine Eigentumswohnung und brauche jeden Euro."),
             ("Bin ich egoistisch, wenn ich nein sage?", "Wie würdet ihr das lösen?")),
            (("Meine Eltern wollen, dass ich den Familienbetrieb übernehme",),
             ("Meine Familie führt seit drei Generationen eine Bäckerei.",
              "Mein Vater will nächstes Jahr in Rente gehen und erwartet, dass ich übernehme.",
              "Ich habe aber gerade einen Studienplatz für Informatik bekommen.",
              "Wenn ich absage, bricht das meinem Vater das Herz."),
             ("Soll ich die Tradition fortführen oder meinen eigenen Weg gehen?",)),
            (("Nachbar parkt ständig vor meiner Einfahrt",),
             ("Mein Nachbar parkt seit Monaten fast jeden Tag vor meiner Einfahrt.",
              "Ich habe ihn schon {n} Mal freundlich darauf angesprochen.",
              "Er ist eigentlich ein netter älterer Herr und hilft mir oft im Garten.",
              "Meine Frau meint, ich soll endlich das Ordnungsamt anrufen."),
             ("Soll ich ihn melden oder es einfach lassen?",)),
            (("Zusammenziehen nach einem Jahr – zu früh?",),
             ("Mein Freund und ich sind seit gut einem Jahr zusammen.",
              "Er möchte, dass wir im {month} zusammenziehen.",
              "Ich wohne zum ersten Mal allein und genieße meine Freiheit sehr.",
              "Ich liebe ihn, habe aber Angst, mich selbst zu verlieren."),
             ("Wie habt ihr das entschieden?", "Was würdet ihr an meiner Stelle machen?")),
        ),
    },
    "fr": {
        "open": ("Bonjour à tous.", "Désolée pour le pavé.",
                 "Je n'ai jamais posté ici, mais j'ai besoin d'un avis extérieur.",
                 "Compte jetable pour des raisons évidentes."),
        "feel": ("J'en perds le sommeil depuis des semaines.",
                 "Je me sens coupable rien que d'y penser.",
                 "Je ne sais vraiment plus quoi faire.",
                 "Tout le monde autour de moi a un avis différent."),
        "close": ("Merci d'avoir lu.", "Tous les conseils sont les bienvenus.",
                  "Merci d'avance."),
        "situations": (
            (("Dois-je accepter un poste à Montréal ?",
              "Besoin de conseils : partir à l'étranger ou rester"),
             ("J'ai {age} ans ({age}{g}) et je travaille comme infirmière à Lyon depuis {n} ans.",
              "On vient de me proposer un poste à Montréal, mieux payé et plus intéressant.",
              "Mais toute ma famille est ici, et ma grand-mère est malade.",
              "Mon copain dit qu'il me suivra, mais je sens qu'il n'en a pas vraiment envie."),
             ("Qu'est-ce que vous feriez à ma place ?", "Je pars ou je reste ?")),
            (("Mon frère me demande encore de l'argent",),
             ("Mon frère m'a encore demandé de lui prêter {amt} euros.",
              "La dernière fois, il ne m'a jamais remboursée.",
              "J'économise pour acheter un appartement et chaque euro compte.",
              "Mes parents disent que la famille passe avant tout."),
             ("Est-ce que je suis égoïste si je refuse ?", "Comment je lui dis non ?")),
            (("Mes parents veulent un mariage religieux",),
             ("Mon fiancé et moi nous marions en {month}.",
              "Aucun de nous deux n'est croyant, mais mes parents tiennent à l'église.",
              "Ma mère pleure à chaque fois qu'on en parle.",
              "Je ne veux pas la blesser, mais c'est notre mariage."),
             ("Est-ce que je cède pour faire plaisir à ma famille ?",)),
            (("Changer d'études à 21 ans ?",),
             ("Je suis en deuxième année de médecine parce que mon père est médecin.",
              "Je déteste ça, et ce qui me passionne vraiment, c'est la musique.",
              "Mes parents paient mon loyer et me disent que la musique n'est pas un métier.",
              "J'ai peur de les décevoir, mais j'ai encore plus peur de gâcher ma vie."),
             ("Est-ce que je devrais tout arrêter ?", "Quelqu'un est passé par là ?")),
            (("Ma colocataire ne paie plus le loyer",),
             ("Je partage un appartement avec une amie depuis {n} ans.",
              "Depuis qu'elle a perdu son travail, elle ne paie plus sa part.",
              "Ça fait trois mois que je paie tout et mes économies fondent.",
              "C'est mon amie et je ne veux pas la mettre dehors."),
             ("Comment lui en parler sans perdre notre amitié ?",)),
        ),
    },
    "pt": {
        "open": ("Oi, pessoal.", "Desculpa o textão.",
                 "Nunca postei aqui, mas preciso de uma opinião de fora.",
                 "Conta secundária porque minha família conhece a principal."),
        "feel": ("Faz semanas que não durmo direito pensando nisso.",
                 "Me sinto culpada só de pensar.",
                 "Não sei mais a quem pedir conselho.",
                 "Cada pessoa me diz uma coisa diferente."),
        "close": ("Obrigada por lerem.", "Qualquer conselho ajuda.",
                  "Desde já, obrigada."),
        "situations": (
            (("Devo aceitar um emprego em outra cidade?",
              "Preciso de conselho: emprego novo longe da família"),
             ("Tenho {age} anos ({age}{g}) e trabalho como professora há {n} anos.",
              "Recebi uma proposta em São Paulo com um salário bem melhor.",
              "O problema é que minha mãe mora sozinha e depende muito de mim.",
              "Meu namorado acha que eu devo ir, mas tenho medo de me arrepender."),
             ("O que vocês fariam no meu lugar?", "Aceito ou fico?")),
            (("Meu irmão pediu dinheiro de novo",),
             ("Meu irmão me pediu R$ {amt} emprestado pela terceira vez este ano.",
              "Da última vez ele nunca me devolveu.",
              "Estou juntando dinheiro para dar entrada num apartamento.",
              "Meus pais dizem que família vem em primeiro lugar."),
             ("Sou uma pessoa ruim se disser não?", "O que eu faço?")),
            (("Meus pais querem casamento na igreja",),
             ("Eu e meu noivo vamos casar em {month}.",
              "Nenhum de nós é religioso, mas meus pais insistem numa cerimônia na igreja.",
              "Minha avó disse que não vai se a gente casar só no cartório.",
              "Não quero magoar ninguém, mas também não quero fingir."),
             ("Cedo pela família ou faço o que a gente quer?",)),
            (("Quero largar a faculdade de engenharia",),
             ("Estou no terceiro ano de engenharia porque meus pais queriam.",
              "Odeio o curso e o que eu amo mesmo é cozinhar.",
              "Recebi uma proposta para trabalhar num restaurante e estudar gastronomia.",
              "Meus pais dizem que vou jogar meu futuro fora."),
             ("Devo largar tudo e seguir o que eu gosto?",)),
            (("Minha colega de apartamento não paga o aluguel",),
             ("Divido apartamento com uma amiga há {n} anos.",
              "Desde que ela perdeu o emprego, não paga a parte dela do aluguel.",
              "Já são três meses pagando tudo sozinha e minhas economias estão acabando.",
              "Ela é minha amiga e não quero expulsá-la."),
             ("Como converso com ela sem estragar a amizade?", "O que vocês fariam?")),
        ),
    },
}
NON_ENGLISH_MONTHS = {
    "es": ("enero", "marzo", "mayo", "junio", "septiembre", "octubre"),
    "de": ("Januar", "März", "Mai", "Juni", "September", "Oktober"),
    "fr": ("janvier", "mars", "mai", "juin", "septembre", "octobre"),
    "pt": ("janeiro", "março", "maio", "junho", "setembro", "outubro"),
}

NEAR_DUP_EDIT_LINES = (
    "EDIT: thanks everyone for the replies, I'm reading all of them.",
    "Edit: fixed formatting.",
    "EDIT: to answer the common question, yes, I've already talked to them about it.",
    "EDIT 2: wow, I didn't expect this many comments. Thank you all.",
    "Edit: reposting because my first post got no replies.",
    "Edit: some people asked about money. It's not really the issue here.",
)
NEAR_DUP_ADDED = (
    "I should also mention that this has been going on for a while.",
    "For context, I'm the oldest sibling.",
    "Money isn't the main issue here, to be clear.",
    "I forgot to say that I've already asked a couple of friends.",
    "Also, I'm not in a rush, but I don't want to wait forever either.",
)
NEAR_DUP_SWAPS = (
    ("really", "truly"), ("honestly", "genuinely"), ("a lot", "alot"), ("I'm", "Im"),
    ("don't", "dont"), ("because", "bc"), ("definitely", "definately"), ("though", "tho"),
    ("probably", "prob"), ("going to", "gonna"), ("I've", "Ive"), ("can't", "cant"),
    ("people", "ppl"), ("anyway", "anyways"), ("mom", "mum"), ("realized", "realised"),
)
AUTHOR_ADJ = (
    "Quiet", "Purple", "Velvet", "Sleepy", "Copper", "Mossy", "Rusty", "Cobalt", "Brave",
    "Lucky", "Gentle", "Spicy", "Frosty", "Humble", "Sunny", "Wild", "Tired", "Curious",
)
AUTHOR_NOUN = (
    "Lantern", "Otter", "Comet", "Kettle", "Walrus", "Falcon", "Biscuit", "Meadow",
    "Sparrow", "Noodle", "Pocket", "Harbor", "Pixel", "Orbit", "Badger", "Teapot", "Cactus",
)
FLAIRS: dict[str, tuple[str | None, ...]] = {
    "AmItheAsshole": (None, "Not the A-hole", "Asshole", "Everyone Sucks", "No A-holes here",
                      "Not enough info"),
    "personalfinance": ("Budgeting", "Debt", "Saving", "Housing", "Planning", "Other",
                        "Employment", "Investing"),
    "careerguidance": (None, "Advice", "Job Offers"),
    "relationship_advice": (None,),
    "Advice": (None, None, "Advice Received"),
    "internetparents": (None, "Life Skills", "Relationships"),
}

# ------------------------------------------------------------------------------ composition


@dataclass
class Post:
    """One generated post before it becomes a dump record."""

    title: str
    selftext: str
    subreddit: str | None
    lang: str = "en"
    pii: list[dict[str, str]] = field(default_factory=list)
    values: tuple[str, str] | None = None
    subkind: str | None = None
    over_18: bool = False
    is_self: bool = True
    url: str | None = None
    author: str | None = None
    distinguished: str | None = None
    stickied: bool = False
    removed_by_category: str | None = None


class _Ctx(dict[str, str]):
    """format_map mapping that fails loudly on an unknown slot."""

    def __missing__(self, key: str) -> str:
        raise KeyError(f"template slot {{{key}}} has no value")


def _fill(template: str, ctx: Mapping[str, str]) -> str:
    return cap(template.format_map(ctx))


def _person(rng: Random, role: str, avoid: str = "") -> tuple[str, str]:
    options = [r for r in ROLES[role] if r[0] != avoid] or list(ROLES[role])
    phrase, gender = options[rng.randrange(len(options))]
    if gender == "?":
        gender = "f" if rng.random() < 0.5 else "m"
    return phrase, gender


def _duration(rng: Random, long: bool) -> str:
    if long:
        choice = rng.random()
        if choice < 0.7:
            k = rng.randint(2, 15)
            return f"{pick(rng, ('', 'about ', 'almost ', 'over ', 'nearly '))}{num_word(k)} years"
        return pick(rng, ("a little over a year", "eighteen months", "almost a decade",
                          "most of my adult life", "a year and a half", "since college"))
    k = rng.randint(2, 11)
    unit = pick(rng, ("weeks", "months", "days"))
    return pick(rng, (f"{num_word(k)} {unit}", f"about {num_word(k)} {unit}",
                      "a couple of weeks", "about a month", "the past few weeks",
                      f"{k} {unit}"))


def build_context(rng: Random, frame: Frame) -> _Ctx:
    """Every slot a template may use, drawn at random for one post."""
    g = "F" if rng.random() < 0.52 else "M"
    if rng.random() < 0.03:
        g = "NB"
    age = rng.randint(*frame.ages)
    cur = pick(rng, CURRENCIES)
    p_phrase, p_gender = _person(rng, frame.role)
    q_phrase, q_gender = _person(rng, pick(rng, OPINION_ROLES), avoid=p_phrase)
    if q_phrase == p_phrase:
        q_phrase, q_gender = "a friend of mine", "f" if rng.random() < 0.5 else "m"
    mgr, _ = _person(rng, "manager")
    ph, pm, pp = PRONOUNS[p_gender]
    qh, qm, qp = PRONOUNS[q_gender]
    salary = rng.randrange(28, 140) * 1000
    subject, subject2 = rng.sample(SUBJECTS, 2)
    ctx = _Ctx(
        age=str(age), g=g,
        gnoun={"F": "woman", "M": "guy", "NB": "person"}[g],
        p=p_phrase, P=cap(p_phrase), p_he=ph, p_him=pm, p_his=pp, P_he=cap(ph), P_his=cap(pp),
        q=q_phrase, Q=cap(q_phrase), q_he=qh, q_him=qm, q_his=qp,
        manager=mgr, Manager=cap(mgr),
        job=pick(rng, JOBS), org=pick(rng, ORGS), place=pick(rng, PLACES),
        salary=f"{cur}{salary // 1000}k" if rng.random() < 0.5 else f"{cur}{salary:,}",
        salary2=f"{cur}{int(salary * rng.uniform(1.15, 1.7)) // 1000}k",
        amt_s=money(rng, cur, 40, 950, 5), amt_m=money(rng, cur, 1000, 9800, 50),
        amt_b=money(rng, cur, 10000, 95000, 500, k=True), rent=money(rng, cur, 600, 2900, 25),
        dur=_duration(rng, True), dur_s=_duration(rng, False),
        n=num_word(rng.randint(2, 9)), pct=f"{rng.randrange(5, 45)}%",
        mins=str(rng.randrange(15, 95, 5)), weekday=pick(rng, WEEKDAYS),
        month=pick(rng, MONTHS), event=pick(rng, EVENTS), hobby=pick(rng, HOBBIES),
        pet=pick(rng, PETS), subject=subject, subject2=subject2,
        holiday=pick(rng, HOLIDAYS), trip=pick(rng, TRIPS), car=pick(rng, CARS),
        club=pick(rng, CLUBS), cause=pick(rng, CAUSES), sport=pick(rng, SPORTS),
        school=pick(rng, SCHOOLS),
        shop=pick(rng, ("bakery", "hardware store", "restaurant", "print shop", "farm",
                        "butcher shop", "garage", "flower shop", "pharmacy")),
        ordinal=pick(rng, ("third", "fourth", "fifth", "sixth")),
        teen_age=str(rng.randint(15, 18)), age_young=str(rng.randint(18, 23)),
    )
    ctx["a"] = pick(rng, frame.a).format_map(ctx)
    ctx["b"] = pick(rng, frame.b).format_map(ctx)
    ctx["ga"], ctx["gb"] = gerund(ctx["a"]), gerund(ctx["b"])
    ctx["topic"] = pick(rng, frame.topic).format_map(ctx)
    ctx["aita"] = pick(rng, frame.aita).format_map(ctx) if frame.aita else ctx["gb"]
    ctx["cue_a"] = pick(rng, VALUE_CUES[frame.va]).format_map(ctx)
    ctx["cue_b"] = pick(rng, VALUE_CUES[frame.vb]).format_map(ctx)
    return ctx


def _weighted(rng: Random, pairs: Sequence[tuple[str, float]]) -> str:
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for name, w in pairs:
        x -= w
        if x < 0:
            return name
    return pairs[-1][0]


def _marker(rng: Random, ctx: Mapping[str, str]) -> str:
    age, g = ctx["age"], ctx["g"]
    return pick(rng, (f"{age}{g}", f"{age}{g}", f"{age}{g.lower()}", f"{age}/{g}", f"{g}{age}"))


ADVICE_TITLES = (
    "Should I {a} or {b}?",
    "Should I {b}?",
    "Should I {a}? Or is it time to {b}?",
    "Torn between {ga} and {gb}",
    "Need advice: {ga} vs {gb}",
    "Need advice: should I {b}?",
    "Would I be stupid to {b}?",
    "Is it a mistake to {b}?",
    "What would you do: {a} or {b}?",
    "Can't decide whether to {a} or {b}",
    "Help me decide: {a} or {b}?",
    "{topic} - what do I do?",
    "What do I do about {topic}?",
    "Advice needed about {topic}",
    "Is it selfish to want to {b}?",
    "How do I decide whether to {b}?",
    "{topic}. Should I {b}?",
    "Do I {a} or {b}? Really stuck",
)
AITA_TITLES = (
    "AITA for {aita}?",
    "AITA for {aita}",
    "WIBTA if I decided to {b}?",
    "AITA for wanting to {b}?",
    "WIBTA if I {b}?",
)


def _title(rng: Random, ctx: Mapping[str, str], aita: bool) -> str:
    t = _fill(pick(rng, AITA_TITLES if aita else ADVICE_TITLES), ctx)
    if rng.random() < 0.25:
        m = _marker(rng, ctx)
        t = pick(rng, (f"[{m}] {t}", f"({m}) {t}", f"{m} - {t}", f"{t} ({m})"))
    return t


def _insert_marker_in_first(sentence: str, rng: Random, ctx: Mapping[str, str]) -> str:
    m = f"({ctx['age']}{ctx['g']})"
    for head, repl in (("I've ", f"I {m} have "), ("I'm ", f"I {m} am "), ("I ", f"I {m} ")):
        if sentence.startswith(head):
            return repl + sentence[len(head):]
    return sentence


def _apply_person_marker(text: str, rng: Random, ctx: Mapping[str, str], role: str) -> str:
    """Add an age/gender marker to the first mention of the main person, as people do."""
    spans = {"sibling": (-8, 8), "partner": (-5, 6), "dating": (-5, 6), "fiance": (-5, 6),
             "friend": (-2, 2), "roommate": (-3, 3), "parent": (20, 34)}
    if role not in spans or rng.random() > 0.35:
        return text
    lo, hi = spans[role]
    other_age = max(16, int(ctx["age"]) + rng.randint(lo, hi))
    g = "F" if ctx["p_he"] == "she" else "M"
    phrase = ctx["p"]
    idx = text.find(phrase)
    if idx < 0:
        idx = text.find(cap(phrase))
    if idx < 0:
        return text
    end = idx + len(phrase)
    if text[end:end + 2] in ("'s", " ("):
        return text
    return f"{text[:end]} ({other_age}{g}){text[end:]}"


_CASUAL = (("I am ", "I'm "), ("do not ", "don't "), ("It is ", "It's "), ("going to ", "gonna "))


def _casual(text: str, rng: Random) -> str:
    for a, b in _CASUAL:
        if rng.random() < 0.7:
            text = text.replace(a, b)
    if rng.random() < 0.15:
        text = text.replace(" really ", " rly ")
    return text


def compose_advice(
    rng: Random,
    pii_plan: Sequence[tuple[str, int]] = (),
    frame: Frame | None = None,
    subreddit: str | None = None,
    nsfw: bool = False,
) -> Post:
    """One advice-seeking post: title + 60-300 word first-person body ending in a question.

    ``pii_plan`` lists (pii type, format index) to plant; the planted strings are returned
    in ``Post.pii`` exactly as they appear in the text.
    """
    frame = frame or FRAMES[rng.randrange(len(FRAMES))]
    ctx = build_context(rng, frame)
    if subreddit is None:
        subreddit = _weighted(rng, DOMAIN_SUBREDDITS[frame.domain])
        if subreddit == "AmItheAsshole" and not frame.aita:
            subreddit = "Advice"
    aita = subreddit == "AmItheAsshole"

    def fill_all(pool: Sequence[str], k: int) -> list[str]:
        k = min(k, len(pool))
        return [_fill(t, ctx) for t in rng.sample(list(pool), k)] if k > 0 else []

    opener: list[str] = []
    if rng.random() < 0.4:
        opener = [_fill(pick(rng, OPENERS), ctx)]
    setup = [_fill(pick(rng, frame.beats[0]), ctx)]
    for beat in frame.beats[1:]:
        if rng.random() < 0.8:
            setup.append(_fill(pick(rng, beat), ctx))
    if rng.random() < 0.55:
        setup[0] = _insert_marker_in_first(setup[0], rng, ctx)
    color = fill_all(DOMAIN_COLOR[frame.domain], rng.choice((0, 1, 1, 2)))
    color += fill_all(LIFE_DETAILS, rng.choice((0, 1, 1, 2)))
    for c in color:
        setup.insert(rng.randint(1, len(setup)), c)
    pulls_a = fill_all(frame.pa, rng.choice((1, 1, 2)))
    pulls_b = fill_all(frame.pb, rng.choice((1, 1, 2)))
    for pulls_x, value in ((pulls_a, frame.va), (pulls_b, frame.vb)):
        if rng.random() < 0.55:
            pulls_x.insert(rng.randint(0, len(pulls_x)), _fill(pick(rng, VALUE_PULLS[value]), ctx))
    pulls = pulls_a + pulls_b if rng.random() < 0.5 else pulls_b + pulls_a
    if rng.random() < 0.6:
        pulls.insert(rng.randint(0, len(pulls)), _fill(pick(rng, REFLECTIONS), ctx))
    mood = fill_all(OPINIONS, rng.choice((0, 1, 1, 2)))
    if len(mood) == 2:  # a second opinion comes from someone else
        q2, q2g = _person(rng, pick(rng, OPINION_ROLES), avoid=ctx["q"])
        h, m, ps = PRONOUNS[q2g]
        ctx2 = _Ctx(ctx, q=q2, Q=cap(q2), q_he=h, q_him=m, q_his=ps)
        mood[1] = _fill(pick(rng, [o for o in OPINIONS if "{q" in o or "{Q" in o]), ctx2)
        if mood[1] == mood[0]:
            mood.pop()
    mood += fill_all(FEELINGS, rng.choice((0, 1, 1, 2)))
    if rng.random() < 0.3:
        mood.insert(0, _fill(pick(rng, ASIDES), ctx))
    if rng.random() < 0.4:
        mood.append(_fill(pick(rng, CONSTRAINTS), ctx))
    rng.shuffle(mood)
    if aita:
        closing = [_fill(pick(rng, AITA_CLOSINGS), ctx)]
    else:
        closing = [_fill(pick(rng, EITHER_OR), ctx)]
        if rng.random() < 0.45:
            q = _fill(pick(rng, GENERIC_QUESTIONS), ctx)
            closing.insert(rng.randrange(2), q)
    tail: list[str] = []
    if rng.random() < 0.35:
        tail.append(_fill(pick(rng, SIGNOFFS), ctx))
    if rng.random() < 0.12:
        tail.append(_fill(pick(rng, TLDRS), ctx))
    if nsfw:
        setup.insert(rng.randint(1, len(setup)), _fill(pick(rng, NSFW_LINES), ctx))

    # Plant personal data in the middle sections.
    pii: list[dict[str, str]] = []
    for ptype, fmt in pii_plan:
        template = pick(rng, PII_TEMPLATES[ptype])
        value = make_pii(rng, ptype, fmt)
        if ptype == "name" and ("boyfriend" in template or "sister" in template):
            value = pick(rng, FIRST_NAMES_M if "boyfriend" in template else FIRST_NAMES_F)
        sentence = _fill(template.replace("{x}", "\x00"), ctx)
        sentence = sentence.replace("\x00", value)
        target = setup if rng.random() < 0.5 or not mood else mood
        target.insert(rng.randint(1 if target is setup else 0, len(target)), sentence)
        pii.append({"type": ptype, "text": value})

    sections = [s for s in (opener, setup, pulls, mood, closing, tail) if s]
    # keep the body within 60-300 words: drop optional parts, then top up with colour
    def body_words() -> int:
        return sum(word_count(x) for s in sections for x in s)

    while body_words() > 300 and len(mood) > 1:
        removable = [i for i, s in enumerate(mood) if not any(p["text"] in s for p in pii)]
        if not removable:
            break
        mood.pop(removable[-1])
    extra_pool = DOMAIN_COLOR[frame.domain] + LIFE_DETAILS + ASIDES
    while body_words() < 60:
        setup.append(_fill(pick(rng, extra_pool), ctx))

    style = rng.random()
    if style < 0.15:
        body = " ".join(x for s in sections for x in s)
    else:
        paras: list[str] = []
        for s in sections:
            if s is setup and len(s) > 3 and rng.random() < 0.5:
                cut = rng.randint(2, len(s) - 1)
                paras += [" ".join(s[:cut]), " ".join(s[cut:])]
            else:
                paras.append(" ".join(s))
        if len(paras) > 2 and rng.random() < 0.3:  # merge two neighbours
            i = rng.randrange(len(paras) - 1)
            paras[i : i + 2] = [paras[i] + " " + paras[i + 1]]
        body = "\n\n".join(paras)
    body = _apply_person_marker(body, rng, ctx, frame.role)
    if rng.random() < 0.18:
        body = _casual(body, rng)
    title = _title(rng, ctx, aita)
    # planted strings must survive every transformation verbatim
    pii = [p for p in pii if p["text"] in body]
    return Post(
        title=title, selftext=body, subreddit=subreddit, pii=pii,
        values=(frame.va, frame.vb), subkind=frame.key, over_18=nsfw,
    )


def generate_advice_posts(count: int, seed: int) -> list[Post]:
    """``count`` advice posts without PII (for diversity checks)."""
    return [compose_advice(Random(f"{seed}:advice:{i}")) for i in range(count)]


def compose_deleted(rng: Random, removed: bool) -> Post:
    post = compose_advice(rng)
    if removed:
        post.selftext = "[removed]"
        post.removed_by_category = pick(rng, ("moderator", "moderator", "reddit", None, None))
        post.subkind = "removed"
        # some removals were captured before the text vanished: only the category tells
        if post.removed_by_category and rng.random() < 0.2:
            post.selftext = compose_advice(rng, subreddit=post.subreddit).selftext
            post.subkind = "removed_text_kept"
    else:
        post.selftext = "[deleted]"
        post.author = "[deleted]"
        post.removed_by_category = pick(rng, ("deleted", "deleted", None))
        post.subkind = "deleted"
    post.values = None
    return post


def compose_too_short(rng: Random) -> Post:
    post = compose_advice(rng)
    post.selftext = pick(rng, SHORT_BODIES)
    post.subkind, post.values = "too_short", None
    return post


def compose_off_topic(rng: Random, junk: bool) -> Post:
    sub = "junk" if junk else _weighted(rng, [(k, float(w)) for k, w in OFF_TOPIC_WEIGHTS])
    pool = OFF_TOPIC[sub]
    title = pick(rng, pool["title"])
    bodies = list(pool["body"])
    k = 1 if sub in ("meme", "junk", "offsub") else rng.randint(2, min(5, len(bodies)))
    parts = rng.sample(bodies, k)
    pii: list[dict[str, str]] = []
    ctx = {"subject": pick(rng, SUBJECTS), "url": ""}
    if sub == "survey" and not any("{url}" in s for s in parts) and rng.random() < 0.7:
        parts.append("Here is the link: {url}")
    if any("{url}" in s for s in parts):
        ctx["url"] = f"https://forms.example.com/s/{rng.getrandbits(32):08x}"
        pii.append({"type": "url", "text": ctx["url"]})
    body = " ".join(s.format_map(ctx) for s in parts).strip()
    if sub == "junk":
        subreddit = None
    elif sub == "offsub":
        subreddit = pick(rng, OFF_TARGET_SUBREDDITS)
    else:
        subreddit = pick(rng, ADVICE_SUBREDDITS)
    return Post(title=title, selftext=body, subreddit=subreddit, pii=pii, subkind=sub,
                lang="en" if sub != "junk" else "und")


def compose_link(rng: Random) -> Post:
    kind = rng.randrange(5)
    tok = "".join(pick(rng, _B36 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(11))
    slug = "-".join(rng.sample(USER_WORDS, 3))
    url = (
        f"https://www.youtube.com/watch?v={tok}",
        f"https://i.redd.it/{tok.lower()}.jpg",
        f"https://www.example.com/articles/{slug}",
        f"https://news.example.org/2024/{rng.randint(1, 12):02d}/{slug}",
        f"https://i.imgur.com/{tok[:7]}.png",
    )[kind]
    return Post(title=pick(rng, LINK_TITLES), selftext="", subreddit=pick(rng, ADVICE_SUBREDDITS),
                is_self=False, url=url, subkind="link")


def compose_stickied(rng: Random) -> Post:
    sub = pick(rng, ADVICE_SUBREDDITS)
    title, body = STICKIED_POSTS[rng.randrange(len(STICKIED_POSTS))]
    ctx = {"sub": sub, "month": pick(rng, MONTHS)}
    return Post(title=title.format_map(ctx), selftext=body.format_map(ctx), subreddit=sub,
                author=pick(rng, MOD_NAMES), distinguished="moderator", stickied=True,
                subkind="mod_post")


def compose_automod(rng: Random) -> Post:
    title, body = AUTOMOD_POSTS[rng.randrange(len(AUTOMOD_POSTS))]
    ctx = {"month": pick(rng, MONTHS), "day": str(rng.randint(1, 28)),
           "weekday": pick(rng, WEEKDAYS)}
    stickied = rng.random() < 0.7
    return Post(title=title.format_map(ctx), selftext=body.format_map(ctx),
                subreddit=pick(rng, ADVICE_SUBREDDITS), author="AutoModerator",
                distinguished="moderator" if stickied or rng.random() < 0.5 else None,
                stickied=stickied, subkind="automod_thread")


def compose_non_english(rng: Random, lang: str) -> Post:
    spec = NON_ENGLISH[lang]
    titles, body, questions = spec["situations"][rng.randrange(len(spec["situations"]))]
    g = pick(rng, ("F", "M")) if lang != "de" else pick(rng, ("w", "m"))
    amt = rng.randrange(3, 60) * 100
    sep = " " if lang == "fr" else "."
    ctx = {"age": str(rng.randint(19, 40)), "g": g, "n": str(rng.randint(2, 9)),
           "amt": f"{amt:,}".replace(",", sep), "month": pick(rng, NON_ENGLISH_MONTHS[lang])}
    parts: list[str] = []
    if rng.random() < 0.5:
        parts.append(pick(rng, spec["open"]))
    parts += [s.format_map(ctx) for s in body]
    parts.insert(rng.randint(len(parts) - 2, len(parts)), pick(rng, spec["feel"]))
    parts.append(pick(rng, questions))
    if rng.random() < 0.5:
        parts.append(pick(rng, spec["close"]))
    if rng.random() < 0.5:
        text = " ".join(parts)
    else:
        cut = rng.randint(2, len(parts) - 2)
        text = " ".join(parts[:cut]) + "\n\n" + " ".join(parts[cut:])
    return Post(title=pick(rng, titles), selftext=text,
                subreddit=pick(rng, NON_ENGLISH_SUBREDDITS[lang]), lang=lang,
                subkind=f"non_english_{lang}")


def compose_sensitive(rng: Random) -> Post:
    ctx = _Ctx(age=str(rng.randint(16, 45)), g=pick(rng, ("F", "M")),
               dur_s=_duration(rng, False), month=pick(rng, MONTHS))
    parts = [_fill(pick(rng, SENSITIVE_OPEN), ctx)]
    parts += rng.sample(SENSITIVE_CORE, rng.randint(1, 2))
    parts += rng.sample(SENSITIVE_CONTEXT, rng.randint(0, 2))
    parts.append(pick(rng, SENSITIVE_CLOSE))
    return Post(title=pick(rng, SENSITIVE_TITLES), selftext=" ".join(parts),
                subreddit=pick(rng, ("Advice", "Advice", "internetparents", "relationship_advice")),
                subkind="self_harm")


def make_near_dup(rng: Random, orig: Post) -> Post:
    """A repost with small edits: an edit line, a few words changed, a sentence added."""
    for _ in range(20):
        text = orig.selftext
        ops = rng.sample(("edit_line", "swap", "add", "swap2"), rng.randint(1, 3))
        if "swap" in ops or "swap2" in ops:
            swaps = [s for s in NEAR_DUP_SWAPS if re.search(rf"\b{re.escape(s[0])}\b", text)]
            for a, b in rng.sample(swaps, min(len(swaps), rng.randint(1, 3))):
                text = re.sub(rf"\b{re.escape(a)}\b", b, text, count=rng.randint(1, 2))
        if "add" in ops:
            paras = text.split("\n\n")
            i = rng.randrange(len(paras))
            paras[i] = f"{paras[i]} {pick(rng, NEAR_DUP_ADDED)}"
            text = "\n\n".join(paras)
        if "edit_line" in ops or text == orig.selftext:
            text = f"{text}\n\n{pick(rng, NEAR_DUP_EDIT_LINES)}"
        if all(p["text"] in text for p in orig.pii):
            break
    title = orig.title
    r = rng.random()
    if r < 0.2:
        title = f"{title} (repost)"
    elif r < 0.35:
        title = title.rstrip("?") + "??"
    elif r < 0.45:
        title = f"Reposting: {title}"
    sub = orig.subreddit
    if rng.random() < 0.3:
        sub = pick(rng, [s for s in ADVICE_SUBREDDITS if s != orig.subreddit])
    pii = [dict(p) for p in orig.pii if p["text"] in text or p["text"] in title]
    return Post(title=title, selftext=text, subreddit=sub, pii=pii, values=orig.values,
                subkind=orig.subkind)


def make_exact_dup(rng: Random, orig: Post) -> Post:
    sub = orig.subreddit
    if rng.random() < 0.4:
        sub = pick(rng, [s for s in ADVICE_SUBREDDITS if s != orig.subreddit])
    return Post(title=orig.title, selftext=orig.selftext, subreddit=sub,
                pii=[dict(p) for p in orig.pii], values=orig.values, subkind=orig.subkind)


def make_author(rng: Random, subreddit: str | None) -> str:
    r = rng.random()
    n = rng.randrange(1, 9999)
    adj, noun = pick(rng, AUTHOR_ADJ), pick(rng, AUTHOR_NOUN)
    if subreddit == "relationship_advice" and r < 0.4:
        return f"ThrowRA{noun.lower()}{n}"
    if r < 0.35:
        return f"{adj}-{noun}-{rng.randrange(1000, 9999)}"
    if r < 0.6:
        return f"{adj}{noun}{n}"
    if r < 0.8:
        return f"{adj.lower()}_{noun.lower()}_{n}"
    return f"throwaway_{noun.lower()}{n}"


# ------------------------------------------------------------------------------ records


@dataclass
class _Item:
    kind: str
    post: Post
    created: int
    author: str
    dup_of: int | None = None  # index into items
    record_id: str = ""


def allocate(n: int) -> dict[str, int]:
    """How many records of each kind for n base posts (largest remainder, with minimums)."""
    base_total = sum(BASE_SHARES.values())
    raw = {k: n * s / base_total for k, s in BASE_SHARES.items()}
    counts = {k: int(v) for k, v in raw.items()}
    rest = n - sum(counts.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), k))[:rest]:
        counts[k] += 1
    for k, m in MIN_COUNTS.items():
        if counts[k] < m:
            counts["advice"] -= m - counts[k]
            counts[k] = m
    if counts["advice"] < MIN_COUNTS["advice"]:
        raise ValueError(f"--n {n} is too small; use at least 60")
    total = n / base_total
    for k, s in DUP_SHARES.items():
        counts[k] = max(2, round(total * s))
    return counts


def _drift_indices(rng: Random, total: int, share: float, minimum: int = 2) -> set[int]:
    k = min(total, max(minimum, round(total * share)))
    return set(rng.sample(range(total), k))


def generate_sample(n: int = DEFAULT_N, seed: int = DEFAULT_SEED) -> tuple[
    list[dict[str, Any]], list[dict[str, Any]]
]:
    """(records, truth) for n base posts: records in file order, truth sorted by id."""
    if n < 60:
        raise ValueError(f"--n {n} is too small; use at least 60")
    master = Random(f"valact-sample:{seed}")
    counts = allocate(n)
    kinds = [k for k in BASE_SHARES for _ in range(counts[k])]
    master.shuffle(kinds)

    advice_positions = [i for i, k in enumerate(kinds) if k == "advice"]
    n_pii = max(len(PII_TYPES), round(len(advice_positions) * PII_SHARE))
    pii_positions = sorted(master.sample(advice_positions, min(n_pii, len(advice_positions))))
    pii_plans: dict[int, list[tuple[str, int]]] = {}
    fmt_counter: Counter[str] = Counter()
    for j, pos in enumerate(pii_positions):
        types = [PII_TYPES[j % len(PII_TYPES)]]
        while master.random() < 0.4 and len(types) < 3:
            extra = pick(master, PII_TYPES)
            if extra not in types:
                types.append(extra)
        plan = []
        for t in types:
            plan.append((t, fmt_counter[t]))
            fmt_counter[t] += 1
        pii_plans[pos] = plan
    junk_positions = set(
        master.sample([i for i, k in enumerate(kinds) if k == "off_topic"], 2)
    ) if counts["off_topic"] >= 2 else set()
    langs = ("es", "de", "fr", "pt")
    ne_seen = 0

    items: list[_Item] = []
    for i, kind in enumerate(kinds):
        rng = Random(f"{seed}:{kind}:{i}")
        if kind == "advice":
            post = compose_advice(rng, pii_plan=pii_plans.get(i, ()))
        elif kind == "nsfw":
            frame = pick_frame(rng, ("romance",))
            post = compose_advice(rng, frame=frame, nsfw=True)
            if rng.random() < 0.4:
                post.title = f"{pick(rng, ('NSFW', '[NSFW]', '(nsfw)'))} {post.title}"
            post.subkind = "nsfw_advice"
        elif kind in ("deleted", "removed"):
            post = compose_deleted(rng, removed=kind == "removed")
        elif kind == "too_short":
            post = compose_too_short(rng)
        elif kind == "off_topic":
            post = compose_off_topic(rng, junk=i in junk_positions)
        elif kind == "link":
            post = compose_link(rng)
        elif kind == "stickied":
            post = compose_stickied(rng)
        elif kind == "automod":
            post = compose_automod(rng)
        elif kind == "non_english":
            post = compose_non_english(rng, langs[ne_seen % len(langs)])
            ne_seen += 1
        elif kind == "sensitive":
            post = compose_sensitive(rng)
        else:  # pragma: no cover
            raise AssertionError(kind)
        author = post.author or make_author(rng, post.subreddit)
        created = rng.randint(START_UTC, END_UTC)
        items.append(_Item(kind, post, created, author))

    # reposts of earlier advice posts
    originals = [i for i, it in enumerate(items) if it.kind == "advice"
                 and it.created < END_UTC - 7 * 86400]
    for kind in ("exact_dup", "near_dup"):
        for j in range(counts[kind]):
            rng = Random(f"{seed}:{kind}:{j}")
            oi = originals[rng.randrange(len(originals))]
            orig = items[oi]
            post = make_exact_dup(rng, orig.post) if kind == "exact_dup" \
                else make_near_dup(rng, orig.post)
            created = min(END_UTC, orig.created + rng.randint(3600, 60 * 86400))
            author = orig.author if rng.random() < 0.7 else make_author(rng, post.subreddit)
            items.append(_Item(kind, post, created, author, dup_of=oi))

    # ids grow with time, like reddit's: 6-char ids early, 7-char later
    order = sorted(range(len(items)), key=lambda i: (items[i].created, i))
    lo, hi = int("y00000", 36), int("1a00000", 36)
    ids = sorted(master.sample(range(lo, hi), len(items)))
    for rank, i in enumerate(order):
        items[i].record_id = base36(ids[rank])

    total = len(items)
    drift_created_str = _drift_indices(master, total, 0.02)
    drift_created_float = _drift_indices(master, total, 0.02) - drift_created_str
    drift_score_null = _drift_indices(master, total, 0.02)
    drift_score_missing = _drift_indices(master, total, 0.015) - drift_score_null
    drift_edited_zero = _drift_indices(master, total, 0.02)

    records: list[dict[str, Any]] = []
    for rank, i in enumerate(order):
        it = items[i]
        rng = Random(f"{seed}:record:{it.record_id}")
        rec = _record(it, rng)
        if rank in drift_created_str:
            rec["created_utc"] = str(it.created)
        elif rank in drift_created_float:
            rec["created_utc"] = float(it.created)
        if rank in drift_score_null:
            rec["score"] = None
        elif rank in drift_score_missing:
            del rec["score"]
        if rank in drift_edited_zero:
            rec["edited"] = 0
        records.append(rec)

    truth = [
        {
            "id": it.record_id,
            "kind": it.kind,
            "dup_of": items[it.dup_of].record_id if it.dup_of is not None else None,
            "pii": it.post.pii,
            "lang": it.post.lang,
            "subreddit": it.post.subreddit,
            "subkind": it.post.subkind,
            "values": list(it.post.values) if it.post.values else None,
        }
        for it in items
    ]
    truth.sort(key=lambda t: t["id"])
    return records, truth


def pick_frame(rng: Random, domains: Iterable[str]) -> Frame:
    pool = [f for f in FRAMES if f.domain in set(domains)]
    return pool[rng.randrange(len(pool))]


def _record(it: _Item, rng: Random) -> dict[str, Any]:
    p = it.post
    rid = it.record_id
    sub = p.subreddit
    removed = p.selftext in DELETED_TEXT or p.removed_by_category is not None
    score = 1 if removed else int(rng.paretovariate(1.3)) + rng.randrange(0, 4)
    if p.stickied:
        score = rng.randrange(3, 60)
    permalink = f"/r/{sub or 'u_' + it.author}/comments/{rid}/{slugify(p.title)}/"
    url = p.url or f"https://www.reddit.com{permalink}"
    domain = url.split("/")[2] if not p.is_self else f"self.{sub or 'u_' + it.author}"
    edited: bool | int = False
    if rng.random() < 0.07 and not removed:
        edited = it.created + rng.randint(120, 5 * 86400)
    retrieved = it.created + rng.randint(20, 36 * 3600)
    rec: dict[str, Any] = {
        "_synthetic": True,
        "author": it.author,
        "author_fullname": None if it.author == "[deleted]"
        else f"t2_{stable_b36('author:' + it.author, 8)}",
        "created_utc": it.created,
        "distinguished": p.distinguished,
        "domain": domain,
        "edited": edited,
        "id": rid,
        "is_self": p.is_self,
        "link_flair_text": pick(rng, FLAIRS.get(sub or "", (None,))) if not removed else None,
        "locked": p.stickied and rng.random() < 0.5,
        "name": f"t3_{rid}",
        "num_comments": 0 if p.subkind == "junk" else int(rng.paretovariate(1.1)) - 1
        + rng.randrange(0, 6),
        "over_18": p.over_18,
        "permalink": permalink,
        "removed_by_category": p.removed_by_category,
        "score": score,
        "selftext": p.selftext,
        "spoiler": False,
        "stickied": p.stickied,
        "subreddit": sub,
        "subreddit_id": f"t5_{stable_b36('sub:' + sub, 5)}" if sub else None,
        "subreddit_name_prefixed": f"r/{sub}" if sub else None,
        "thumbnail": "self" if p.is_self else "default",
        "title": p.title,
        "upvote_ratio": round(rng.uniform(0.55, 1.0), 2),
        "url": url,
    }
    # Pushshift-era records (before May 2023) say retrieved_utc, later ones retrieved_on
    rec["retrieved_utc" if it.created < 1682899200 else "retrieved_on"] = retrieved
    if sub is None:  # off-target junk: the subreddit fields are simply absent
        for k in ("subreddit", "subreddit_id", "subreddit_name_prefixed"):
            del rec[k]
    return rec


# ------------------------------------------------------------------------------ writing


def encode_records(records: Iterable[Mapping[str, Any]]) -> bytes:
    """NDJSON with sorted keys; like some real dumps, no newline after the last line."""
    lines = [orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in records]
    return b"\n".join(lines)


def compress(data: bytes, level: int = ZSTD_LEVEL) -> bytes:
    """zstd frame with a 2 GiB window in the header, as written by `zstd --long=31`.

    The size is not written into the frame, so readers must allow max_window_size=2**31.
    Long-distance matching is disabled explicitly: with it zstd would allocate over 1 GB.
    """
    params = zstandard.ZstdCompressionParameters.from_level(
        level, window_log=ZSTD_WINDOW_LOG, enable_ldm=2, write_content_size=False,
        write_checksum=True,
    )
    buf = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(
        buf, closefd=False
    ) as w:
        w.write(data)
    return buf.getvalue()


def encode_truth(truth: Iterable[Mapping[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(t) + b"\n" for t in truth)


def read_sample(path: Path) -> list[dict[str, Any]]:
    """Decompress a dump written by this script (or any RS_*.zst) into records."""
    with path.open("rb") as fh:
        reader = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW_SIZE).stream_reader(fh)
        data = reader.read()
        while chunk := reader.read(1 << 20):
            data += chunk
    return [orjson.loads(line) for line in data.split(b"\n") if line.strip()]


@dataclass(frozen=True)
class SampleStats:
    out: Path
    truth: Path
    records: int
    counts: dict[str, int]
    bytes_written: int
    uncompressed: int


def generate_records(n: int = DEFAULT_N, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    return generate_sample(n, seed)[0]


def write_sample(
    out: Path = DEFAULT_OUT,
    truth_path: Path | None = None,
    n: int = DEFAULT_N,
    seed: int = DEFAULT_SEED,
    level: int = ZSTD_LEVEL,
) -> SampleStats:
    """Generate and write the dump and its truth file; returns what was written."""
    records, truth = generate_sample(n, seed)
    truth_path = truth_path or out.parent / TRUTH_NAME
    raw = encode_records(records)
    blob = compress(raw, level)
    out.parent.mkdir(parents=True, exist_ok=True)
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    truth_path.write_bytes(encode_truth(truth))
    counts = Counter(t["kind"] for t in truth)
    return SampleStats(out, truth_path, len(records), {k: counts[k] for k in KINDS}, len(blob),
                       len(raw))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=DEFAULT_N,
                    help=f"number of base posts; reposts (~8%%) come on top (default {DEFAULT_N}"
                         " gives ~400 records; 12000 for a full-scale build)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--truth", type=Path, default=None,
                    help=f"truth file (default: {TRUTH_NAME} next to --out)")
    ap.add_argument("--level", type=int, default=ZSTD_LEVEL, help="zstd level (default 19)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    stats = write_sample(args.out, args.truth, args.n, args.seed, args.level)
    dt = time.perf_counter() - t0
    print(f"wrote {stats.records} synthetic records to {stats.out} "
          f"({stats.bytes_written:,} bytes, {stats.uncompressed:,} uncompressed) "
          f"and {stats.truth} in {dt:.1f}s")
    print("  " + ", ".join(f"{k}={v}" for k, v in stats.counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
