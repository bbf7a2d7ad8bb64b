"""Which published posts are gone from Reddit: ``valact withdrawals check``.

Asks the Reddit API through praw's ``Reddit.info`` for the ``t3_`` fullnames of the posts,
100 per request (Reddit's limit), and reads what Reddit answers for each:

- ``removed_by_category == "deleted"``, or the text ``[deleted]`` with no author: the author
  deleted it -> ``author_deleted``;
- any other ``removed_by_category`` (moderator, reddit, copyright_takedown, ...), or the
  text ``[removed]``: moderators or Reddit removed it -> ``removed_from_reddit``;
- an id Reddit does not answer at all is reported as ``missing`` (not withdrawn: an id that
  was never a Reddit post, e.g. a synthetic one, answers nothing either).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.progress import progress_bar
from pipeline.text_patterns import DELETED_MARKER, REMOVED_MARKER

BATCH = 100  # fullnames per /api/info request


@dataclass
class CheckResult:
    asked: int = 0
    requests: int = 0
    gone: dict[str, str] = field(default_factory=dict)  # post_id -> reason
    detail: dict[str, str] = field(default_factory=dict)  # post_id -> what Reddit said
    missing: list[str] = field(default_factory=list)


def status_of(submission: Any) -> tuple[str, str] | None:
    """(reason, detail) when the submission is deleted or removed, else None."""
    category = getattr(submission, "removed_by_category", None)
    text = getattr(submission, "selftext", None)
    author = getattr(submission, "author", None)
    if category == "deleted" or (text == DELETED_MARKER and author is None):
        return "author_deleted", f"removed_by_category={category!r}, selftext={text!r}"
    if category or text == REMOVED_MARKER:
        return "removed_from_reddit", f"removed_by_category={category!r}, selftext={text!r}"
    return None


def check_posts(reddit: Any, post_ids: Iterable[str], *, progress: bool = True) -> CheckResult:
    """Ask Reddit about every post id (base36, no ``t3_``); nothing is written."""
    ids = sorted(set(post_ids))
    out = CheckResult(asked=len(ids))
    seen: set[str] = set()
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    bar = progress_bar(batches, desc="withdrawals check", unit="request", disable=not progress)
    for batch in bar:
        out.requests += 1
        for submission in reddit.info(fullnames=[f"t3_{pid}" for pid in batch]):
            pid = str(submission.id)
            seen.add(pid)
            found = status_of(submission)
            if found is not None:
                out.gone[pid], out.detail[pid] = found
    out.missing = [pid for pid in ids if pid not in seen]
    return out
