"""``review/withdrawn.jsonl``: posts that leave every later build, and why.

One JSON object per line, appended, never rewritten (the file is tracked in git, so its
history is the record of who withdrew what, and when)::

    {"post_id": "1abc23", "reason": "takedown_request", "date": "2026-12-03", "who": "mk"}

- ``post_id``: the Reddit id (base36) of the source post;
- ``reason``: one of :data:`REASONS`;
- ``date``: ``YYYY-MM-DD``, the day it was recorded;
- ``who``: who recorded it (a maintainer's handle; never published);
- ``note`` (optional): free text, never published.

Lines starting with ``#`` are comments (the shipped file starts with one, saying this).

Assemble drops a withdrawn post from the candidates and from the previous release; build
refuses a dataset that still holds one and lists the withdrawals in ``CHANGES.json``. A
line that cannot be read fails both stages, naming the file and line: skipping a
takedown would publish it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.artifacts import atomic_path
from pipeline.release.ids import POST_ID_PATTERN

REASONS: dict[str, str] = {
    "author_deleted": "the author deleted the post on Reddit",
    "removed_from_reddit": "moderators or Reddit removed the post",
    "takedown_request": "someone asked for it to be taken down",
    "reviewer": "a reviewer withdrew it (e.g. personal data left, harmful content)",
}
_POST_ID = re.compile(POST_ID_PATTERN)
_URL_ID = re.compile(r"/comments/([0-9a-z]{1,13})(?:/|$)", re.IGNORECASE)
_FIELDS = {"post_id", "reason", "date", "who", "note"}


class WithdrawalsError(ValueError):
    """The withdrawals file, or an entry for it, is not valid."""


@dataclass(frozen=True)
class Withdrawal:
    post_id: str
    reason: str
    date: str
    who: str
    note: str | None = None

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v is not None}
        return json.dumps(data, ensure_ascii=False, sort_keys=False)


def normalize_post_id(ref: str) -> str:
    """A post id from ``1abc23``, ``t3_1abc23`` or a Reddit URL of the post."""
    ref = ref.strip()
    match = _URL_ID.search(ref)
    if match:
        ref = match.group(1)
    if ref.lower().startswith("t3_"):
        ref = ref[3:]
    ref = ref.lower()
    if not _POST_ID.match(ref):
        raise WithdrawalsError(
            f"{ref!r} is not a Reddit post id (base36, e.g. 1abc23), a t3_ fullname or a "
            "post URL (.../comments/<id>/...)"
        )
    return ref


def make_withdrawal(
    post_id: str, reason: str, who: str, date: str | None = None, note: str | None = None
) -> Withdrawal:
    """A validated entry; ``date`` defaults to today (UTC)."""
    if reason not in REASONS:
        raise WithdrawalsError(f"reason {reason!r}: expected one of {', '.join(REASONS)}")
    if not who.strip():
        raise WithdrawalsError("who recorded the withdrawal is required (a maintainer handle)")
    day = date or dt.datetime.now(dt.UTC).date().isoformat()
    try:
        dt.date.fromisoformat(day)
    except ValueError as exc:
        raise WithdrawalsError(f"date {day!r} is not YYYY-MM-DD") from exc
    if len(day) != 10:
        raise WithdrawalsError(f"date {day!r} is not YYYY-MM-DD")
    return Withdrawal(normalize_post_id(post_id), reason, day, who.strip(), note or None)


def _parse_line(text: str, where: str) -> Withdrawal:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WithdrawalsError(f"{where}: not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise WithdrawalsError(f"{where}: expected a JSON object")
    unknown = sorted(set(data) - _FIELDS)
    missing = sorted({"post_id", "reason", "date", "who"} - set(data))
    if unknown or missing:
        raise WithdrawalsError(
            f"{where}: "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown field(s) {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
        )
    if not all(isinstance(data[k], str) for k in ("post_id", "reason", "date", "who")):
        raise WithdrawalsError(f"{where}: post_id, reason, date and who must be strings")
    if data["post_id"] != data["post_id"].strip().lower() or not _POST_ID.match(data["post_id"]):
        raise WithdrawalsError(f"{where}: post_id {data['post_id']!r} is not a base36 post id")
    try:
        return make_withdrawal(
            data["post_id"], data["reason"], data["who"], data["date"], data.get("note")
        )
    except WithdrawalsError as exc:
        raise WithdrawalsError(f"{where}: {exc}") from exc


def read_withdrawals(path: Path) -> dict[str, Withdrawal]:
    """post_id -> its first withdrawal (later lines for the same post change nothing).

    A missing file means no withdrawals; blank lines and ``#`` comments are allowed; anything
    else that is not a valid entry raises :class:`WithdrawalsError` naming the line.
    """
    if not path.exists():
        return {}
    out: dict[str, Withdrawal] = {}
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            w = _parse_line(line, f"{path}:{n}")
            out.setdefault(w.post_id, w)
    return out


def append_withdrawals(path: Path, entries: Iterable[Withdrawal]) -> list[Withdrawal]:
    """Append the entries for posts not withdrawn yet; return those appended.

    The existing bytes are kept as they are; the new file replaces the old atomically.
    """
    existing = read_withdrawals(path)
    new: list[Withdrawal] = []
    seen = set(existing)
    for w in entries:
        if w.post_id not in seen:
            new.append(w)
            seen.add(w.post_id)
    if not new:
        return []
    old = path.read_bytes() if path.exists() else b""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    with atomic_path(path) as tmp:
        tmp.write_bytes(old + "".join(w.to_json() + "\n" for w in new).encode("utf-8"))
    return new
