"""Social and payment handles in free text: ``@name``, Cash App ``$cashtag``, Discord
``name#1234``, and bare handles named by the app they belong to ("his snap (jayyy.k04)",
"her discord is kenzmae", "username is shadowfox_88").

``handle_spans(text, is_word)`` yields ``(start, end)`` spans; ``is_word(folded)`` tells an
ordinary English word from something else and keeps "my snap is down" or "Venmo is easier"
as they are. A bare word counts only right after an app or account word and only when its
shape is a handle's (digits, ``_``, ``.`` or ``-`` inside), or, for a plain lowercase word, when
the text says so ("discord is", "snap:", "insta (...)") and the word is not an ordinary one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from pipeline.clean.fold import fold


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_HANDLE_CHARS = r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,30}[A-Za-z0-9_])?"

# @name: letters, digits, "_", and "." / "-" inside ("@derek-sully-22", "@jayyy.k04"), not
# an e-mail address (nothing word-like right before the "@") and not a time ("@5pm").
AT_HANDLE_RE = re.compile(
    r"(?<![\w@./+\]-])@(?=[A-Za-z0-9_.\-]*[A-Za-z_])" + _HANDLE_CHARS + r"(?![\w@\[-]|\.\w)"
)
_AT_SKIP = _words("everyone here channel all home work school mods op")
_TIME_RE = re.compile(r"(?i)\d{1,2}(?::\d\d)?(?:am|pm|h)?")

# A UPI id (India): name@bank, the bank's handle without a dot ("rohitk99@okaxis").
UPI_RE = re.compile(
    r"(?<![\w.@-])[A-Za-z0-9][\w.-]{1,40}@(?:ok(?:axis|hdfcbank|icici|sbi)|ybl|ibl|axl|apl|"
    r"paytm|pthdfc|ptsbi|ptyes|ptaxis|upi|axisbank|hdfcbank|icici|sbi|kotak|yesbank|"
    r"airtel|jio|freecharge|fbl|idfcbank|indus|pnb|barodampay|allbank|aubank|jupiteraxis|"
    r"slice|waicici|wahdfcbank|wasbi|waaxis|timecosmos|abfspay|naviaxis)(?![\w@-]|\.\w)",
    re.IGNORECASE,
)

# $cashtag: "$" + a letter; a ticker or currency ("$AAPL", "$USD") is all capitals.
CASHTAG_RE = re.compile(r"(?<![\w$])\$[A-Za-z][A-Za-z0-9_\-]{1,19}(?![\w-])")

# Discord's old-style tag: name#1234.
DISCORD_TAG_RE = re.compile(r"(?<![\w#@.])[A-Za-z0-9_.]{2,32}#\d{4}(?![\w#])")

# An app or account word, then a short connector, then the candidate.
_APPS = (
    r"snap(?:chat)?|sc|discord|insta(?:gram)?|ig|tik\s?tok|twitter|telegram|kik|"
    r"threads|bluesky|bsky|twitch|youtube|github|gitlab|steam|roblox|xbox|psn|"
    r"playstation|fortnite|minecraft|venmo|cash\s?app|paypal|zelle|revolut|monzo|"
    r"wechat|skype|tumblr|pinterest|onlyfans|fb|facebook|messenger|linkedin|reddit"
)
_ACCOUNT = (
    r"user\s?name|handle|gamer\s?tag|screen\s?name|display\s?name|ign|"
    r"alt(?:\s+account)?|main\s+account|account|acc|user"
)
_CUE_RE = re.compile(
    r"(?i)(?<![\w.@/$-])(?:(?:" + _APPS + r")(?:\s+(?:" + _ACCOUNT + r"))?|" + _ACCOUNT
    + r"|(?<=my )main|(?<=his )main|(?<=her )main|(?<=their )main)\b"
    r"(?:\s+(?:name|profile|tag|id))?(?:\s+changed\s+from)?"
    r"(?P<gap>(?:['’]s)?(?:\s*(?:is|was|=|called|named|under|as|of|at)(?![\w]))?\s*[:(\[\"'“-]?\s*)"
    r"(?=[A-Za-z0-9_])"
)
# substrings without which _CUE_RE cannot match (a plain scan of the lowercased text)
_CUE_HINT_RE = re.compile(
    r"snap|sc|discord|insta|ig|tik|twitter|telegram|kik|threads|bluesky|bsky|twitch|"
    r"youtube|git|steam|roblox|xbox|psn|playstation|fortnite|minecraft|venmo|cash|paypal|"
    r"zelle|revolut|monzo|wechat|skype|tumblr|pinterest|onlyfans|fb|facebook|messenger|"
    r"linkedin|reddit|user|handle|gamer|screen|display|ign|alt|main|acc"
)
_BARE_RE = re.compile(_HANDLE_CHARS + r"(?![\w@/'’-]|\.\w)")
_PARTS_RE = re.compile(r"[.\-]")
_GAMERTAG_RE = re.compile(r"[A-Za-z][A-Za-z0-9]{2,14} \d{1,4}(?![\w-])")
_HANDLE_SHAPE_RE = re.compile(r"\d|_|[A-Za-z0-9][.\-][A-Za-z0-9]")
_NUMBERISH_RE = re.compile(r"[\d.,:\-]+(?:k|m|am|pm|st|nd|rd|th|s)?", re.I)
_BARE_SKIP = _words(
    """is was and or but the a an my his her their our your its to on in at for with from
    me him them us you it this that lol lmao idk tbh ngl rn btw omg smh yeah yes no ok okay
    app account acc page profile story stories dm dms chat messages message name handle"""
)


# A bare name with an underscore inside ("xo_blaze_2011", "jess_teaches_kr"): in an advice
# post that is a handle, wherever it stands (no app word needed). Not inside a link, a path,
# an e-mail or inline code, and not a file name or a call ("config_file.txt", "get_user(").
_UNDERSCORE_RE = re.compile(
    r"(?<![\w@/.$#`\\-])[A-Za-z0-9]+(?:_+[A-Za-z0-9]+)+(?:[.\-][A-Za-z0-9]+)*_*"
    r"(?![\w@/`(\\-]|\.\w)"
)


_FILE_EXTENSIONS = _words(
    """txt csv tsv json jsonl py ipynb js ts md rst yml yaml toml ini cfg conf log pdf doc
    docx xls xlsx ppt pptx odt png jpg jpeg gif webp svg mp3 mp4 mov wav zip gz tar rar 7z
    sh bat exe dll html htm css sql db sqlite xml apk dmg iso bak tmp"""
)


def _underscore_handles(text: str, is_word: Callable[[str], bool]) -> Iterator[tuple[int, int]]:
    for m in _UNDERSCORE_RE.finditer(text):
        cand = m.group()
        if len(cand) < 5 or cand.upper() == cand:
            continue  # "a_b", "MAX_SIZE", "ID_123": constants and codes
        if "." in cand and cand.rsplit(".", 1)[1].lower() in _FILE_EXTENSIONS:
            continue  # "config_file.txt", "tax_return_2024.pdf": a file
        parts = [p for p in re.split(r"[_.\-]+", cand) if p]
        if all(p.isalpha() and len(p) > 1 and is_word(fold(p)) for p in parts):
            continue  # "snake_case", "user_name": words joined, not a person's handle
        if text.count("`", 0, m.start()) % 2:
            continue  # inside inline code
        yield m.start(), m.end()


def handle_spans(
    text: str, is_word: Callable[[str], bool], low: str | None = None
) -> Iterator[tuple[int, int]]:
    """Spans of social/payment handles in ``text`` (see the module docstring); ``low`` is
    ``text.lower()`` when the caller has it."""
    if "@" in text:
        for m in UPI_RE.finditer(text):
            yield m.start(), m.end()
        for m in AT_HANDLE_RE.finditer(text):
            name = m.group()[1:]
            if name.lower() in _AT_SKIP or _TIME_RE.fullmatch(name):
                continue
            yield m.start(), m.end()
    if "$" in text:
        for m in CASHTAG_RE.finditer(text):
            tag = m.group()[1:]
            if tag.isupper() and len(tag) <= 5:
                continue  # "$AAPL", "$USD", "$CAD"
            if tag.isalpha() and is_word(fold(tag)):
                continue  # "$money"
            yield m.start(), m.end()
    if "#" in text:
        for m in DISCORD_TAG_RE.finditer(text):
            name = m.group().split("#", 1)[0]
            if is_word(fold(name)):
                continue  # "Order#1234", "room#2044"
            yield m.start(), m.end()
    if "_" in text:
        yield from _underscore_handles(text, is_word)
    if _CUE_HINT_RE.search(text.lower() if low is None else low) is None:
        return
    for m in _CUE_RE.finditer(text):
        g = _GAMERTAG_RE.match(text, m.end())
        if g is not None and re.search(r"(?i)xbox|gamer\s?tag|psn|profile", m.group()):
            yield g.start(), g.end()  # "gamertag is FrostByte 4412": a space inside
            continue
        b = _BARE_RE.match(text, m.end())
        if b is None:
            continue
        cand = b.group()
        if _NUMBERISH_RE.fullmatch(cand) or cand.lower() in _BARE_SKIP:
            continue
        if _HANDLE_SHAPE_RE.search(cand):
            parts = [p for p in _PARTS_RE.split(cand) if p]
            if all(p.isalpha() and (len(p) == 1 or is_word(fold(p))) for p in parts):
                continue  # "e-mail", "self-love", "full-time": hyphenated words
            if cand.count(".") and cand.rsplit(".", 1)[-1].isalpha() and not cand[0].isalnum():
                continue
            if re.fullmatch(r"\d+", cand.replace("-", "").replace(".", "")):
                continue  # digits only: a phone or an id, found by their own rules
            yield b.start(), b.end()
            continue
        gap = m.group("gap")
        told = any(ch in gap for ch in ":([\"'“") or re.search(r"(?i)\b(?:is|was|=)\b", gap)
        if (
            told
            and cand.isalpha()
            and cand.islower()
            and len(cand) >= 4
            and not is_word(fold(cand))
        ):
            yield b.start(), b.end()
