"""The one Reddit adapter: a submission object -> a ``raw/posts.parquet`` row.

Both ingest routes hand their submissions to :func:`normalize_post`: the dump reader
(:mod:`pipeline.ingest.dumps`) a parsed dump line, the API route
(:mod:`pipeline.ingest.reddit_api`) the ``data`` of a ``t3`` child of a listing or of
``/api/info``, which has the same field names. One function means one set of rules, so the
same submission gives the same row by either route (but ``retrieved_utc``, which the API
route sets to the time of its request, and ``source_file`` / ``source_line``).

Reddit dumps (Pushshift, then Arctic Shift) span many years and the field types drift:

- ``created_utc`` is an int, a float or a numeric string: always returned as an int;
- ``score`` / ``num_comments`` can be null, missing, floats or strings: nullable ints;
- ``subreddit`` can be null or missing: recovered from ``subreddit_name_prefixed``
  (``r/Name``) or ``permalink`` (``/r/Name/comments/...``) when possible;
- ``id`` is usually bare base36 but sometimes ``t3_``-prefixed (and only ``name`` = ``t3_...``
  in some exports): returned bare and lowercase;
- booleans (``over_18``, ``stickied``...) can be missing, null, ``0``/``1`` or strings:
  missing means False, except ``is_self`` (see :func:`infer_is_self`);
- ``retrieved_on`` (Pushshift) or ``retrieved_utc`` (newer dumps): the later of the two;
- ``edited`` is ``false`` or a timestamp (or ``0`` in some months) and is not a column, so it
  cannot break anything; likewise unknown extra fields are ignored;
- deleted content is ``[deleted]`` / ``[removed]`` with or without ``removed_by_category``;
  ``selftext`` null becomes ``""``; a post is ``removed`` when its body or its title is
  exactly such a marker or a removal category is set (see :func:`is_removed`);
- ``author`` is kept as written, ``[deleted]`` included (clean turns a deleted author into
  no author key: :mod:`pipeline.clean.author_key`).

A record that cannot become a row raises :class:`BadRecord` with a short machine-readable
reason (never the record text).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

from pipeline.ingest.raw_columns import COLUMNS
from pipeline.text_patterns import REMOVED_MARKERS

#: Columns produced by :func:`normalize_post` (the routes append ``source_file``/``source_line``).
RECORD_COLUMNS: Final[tuple[str, ...]] = COLUMNS[:-2]
SUBREDDIT_INDEX: Final[int] = RECORD_COLUMNS.index("subreddit")
CREATED_INDEX: Final[int] = RECORD_COLUMNS.index("created_utc")

_POST_ID_RE: Final = re.compile(r"[0-9a-z]{1,13}")
_PERMALINK_SUB_RE: Final = re.compile(r"^/?r/([^/\s]+)/")
_TRUE_STRINGS: Final = frozenset({"true", "t", "1", "yes", "y"})
_FALSE_STRINGS: Final = frozenset({"false", "f", "0", "no", "n", ""})


class BadRecord(ValueError):
    """A JSON value that cannot become a post row. ``reason`` is a short slug."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def to_int(value: Any) -> int | None:
    """An int from an int, float, bool or numeric string; None when absent or not numeric."""
    if value is None:
        return None
    if isinstance(value, int):  # bool is an int: True -> 1
        return int(value)
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return None
            return int(number) if math.isfinite(number) else None
    return None


def to_bool(value: Any, default: bool = False) -> bool:
    """A bool from a bool, number or string such as ``"true"``; ``default`` when absent/unknown."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_STRINGS:
            return True
        if text in _FALSE_STRINGS:
            return False
    return default


def to_text(value: Any) -> str:
    """A str for a required text column: null -> ``""``, scalars -> ``str(value)``."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def to_opt_text(value: Any, *, empty_is_null: bool = False) -> str | None:
    """A str or None for a nullable text column; containers become None."""
    if isinstance(value, str):
        return None if empty_is_null and not value else value
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def post_id_of(obj: Mapping[str, Any]) -> str:
    """The bare base36 id (``t3_`` stripped, lowercase) from ``id``, else from ``name``."""
    raw = obj.get("id")
    if raw is None:
        name = obj.get("name")
        if isinstance(name, str) and name.lower().startswith("t3_"):
            raw = name
    if raw is None:
        raise BadRecord("missing_id")
    if not isinstance(raw, str):
        raise BadRecord("bad_id", f"id is a {type(raw).__name__}")
    post_id = raw.strip().lower()
    if post_id.startswith("t3_"):
        post_id = post_id[3:]
    if not _POST_ID_RE.fullmatch(post_id):
        raise BadRecord("bad_id", f"id {raw[:40]!r} is not base36")
    return post_id


def subreddit_of(obj: Mapping[str, Any]) -> str:
    """``subreddit`` as written, else recovered from ``subreddit_name_prefixed``/``permalink``."""
    sub = obj.get("subreddit")
    if isinstance(sub, str) and sub.strip():
        return sub.strip()
    prefixed = obj.get("subreddit_name_prefixed")
    if isinstance(prefixed, str) and prefixed.lower().startswith("r/") and len(prefixed) > 2:
        return prefixed[2:].strip()
    permalink = obj.get("permalink")
    if isinstance(permalink, str):
        match = _PERMALINK_SUB_RE.match(permalink)
        if match:
            return match.group(1)
    raise BadRecord("missing_subreddit")


def created_utc_of(obj: Mapping[str, Any]) -> int:
    """``created_utc`` (int, float or numeric string) as int seconds."""
    raw = obj.get("created_utc")
    if raw is None:
        raise BadRecord("missing_created_utc")
    if isinstance(raw, bool):
        raise BadRecord("bad_created_utc", "created_utc is a bool")
    value = to_int(raw)
    if value is None or value < 0:
        raise BadRecord("bad_created_utc", f"created_utc {str(raw)[:40]!r}")
    return value


def retrieved_utc_of(obj: Mapping[str, Any]) -> int | None:
    """The later of ``retrieved_on`` / ``retrieved_utc``, or None when neither is usable."""
    values = [to_int(obj.get(key)) for key in ("retrieved_on", "retrieved_utc")]
    present = [v for v in values if v is not None]
    return max(present) if present else None


def infer_is_self(obj: Mapping[str, Any], selftext: str) -> bool:
    """``is_self`` when present; otherwise True for a ``self.*`` domain or a non-empty body.

    Deliberately simple: a missing ``is_self`` is rare (very old dumps) and the clean stage
    rejects link posts on other evidence too.
    """
    raw = obj.get("is_self")
    if raw is not None:
        return to_bool(raw)
    domain = obj.get("domain")
    if isinstance(domain, str) and domain.startswith("self."):
        return True
    return bool(selftext)


def is_removed(title: str, selftext: str, removed_by_category: str | None) -> bool:
    """True when the body (or title) is ``[removed]``/``[deleted]`` or a removal category is set."""
    return (
        removed_by_category is not None or selftext in REMOVED_MARKERS or title in REMOVED_MARKERS
    )


def normalize_post(obj: Any, *, retrieved_utc: int | None = None) -> tuple[Any, ...]:
    """One row (values in :data:`RECORD_COLUMNS` order) from a submission object.

    ``retrieved_utc``: when the caller fetched ``obj`` (the API route: its request time);
    None takes it from the object's own ``retrieved_on`` / ``retrieved_utc`` (dumps).

    Raises :class:`BadRecord` when ``obj`` is not an object, looks like a comment, or lacks a
    usable ``id``, ``subreddit`` or ``created_utc``.
    """
    if not isinstance(obj, dict):
        raise BadRecord("not_an_object", f"a JSON {type(obj).__name__}")
    if "title" not in obj and "body" in obj:
        raise BadRecord("not_a_submission", "looks like a comment (body, no title)")
    post_id = post_id_of(obj)
    subreddit = subreddit_of(obj)
    created_utc = created_utc_of(obj)
    title = to_text(obj.get("title"))
    selftext = to_text(obj.get("selftext"))
    removed_by_category = to_opt_text(obj.get("removed_by_category"), empty_is_null=True)
    return (
        post_id,
        subreddit,
        title,
        selftext,
        to_opt_text(obj.get("author")),
        created_utc,
        retrieved_utc_of(obj) if retrieved_utc is None else retrieved_utc,
        to_int(obj.get("score")),
        to_int(obj.get("num_comments")),
        to_bool(obj.get("over_18")),
        infer_is_self(obj, selftext),
        to_bool(obj.get("stickied")),
        to_opt_text(obj.get("distinguished"), empty_is_null=True),
        is_removed(title, selftext, removed_by_category),
        removed_by_category,
        to_opt_text(obj.get("link_flair_text")),
        to_opt_text(obj.get("crosspost_parent"), empty_is_null=True),
        to_opt_text(obj.get("permalink")),
        to_opt_text(obj.get("url")),
    )
