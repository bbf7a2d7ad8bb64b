"""Ingest from the Reddit API with praw (``ingest.source: reddit``).

What this route does, and what it cannot do
--------------------------------------------
Reddit listings stop after roughly 1,000 items, so one listing never reaches far back. We
therefore read several listings per subreddit (``new``, ``top`` over several time filters,
and the subreddit's search sorted by ``new`` for a handful of generic advice queries) and
merge them by ``post_id``. Even together they cover only part of a busy subreddit's
history: the API has no "all posts between t0 and t1" endpoint since the ``timestamp:``
search syntax was removed, search results are capped and the search index is incomplete.
``since``/``until`` are applied locally to ``created_utc``; for the time-ordered listings
(``new`` and ``search`` sorted by ``new``) paging stops at the first page that reaches
older than the window. For history beyond the listings' reach, use the dump route.

Incremental refresh (``existing`` = the current ``raw/posts.parquet``): for the time-ordered
listings, paging stops after the first page that reaches a post older than the newest
``created_utc`` already held for that subreddit; every listing skips ids already held.
Held posts are never fetched again nor updated (their score stays the first snapshot).

praw does the HTTP work: credentials from praw.ini or ``praw_*`` environment variables,
the OAuth client-credentials token, sleeping on ``x-ratelimit-*`` headers and the retries
of 5xx answers and connection errors (prawcore: three attempts). prawcore raises a 429 at
once, so each listing page gets a bounded retry with backoff here (``Retry-After`` when the
server sends it). A banned, private, quarantined or missing subreddit is reported and
skipped. Nothing here logs or reports a credential.
"""

from __future__ import annotations

import configparser
import logging
import math
import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import praw
import prawcore
from praw.exceptions import MissingRequiredAttributeException, PRAWException

from pipeline.ingest.normalize import BadRecord, normalize_post
from pipeline.ingest.raw_columns import COLUMNS, coerce_frame
from pipeline.progress import progress_bar

log = logging.getLogger("valact.ingest.reddit")

SOURCE_FILE = "reddit-api"
DEFAULT_USER_AGENT = "valact-pipeline/0.1 (dataset research; read-only)"
DEFAULT_SEARCH_QUERIES: tuple[str, ...] = (
    "advice",
    "should I",
    "what should I do",
    "help",
    "how do I",
)

TIME_FILTERS: dict[str, int | None] = {
    "hour": 3_600,
    "day": 86_400,
    "week": 7 * 86_400,
    "month": 30 * 86_400,
    "year": 365 * 86_400,
    "all": None,
}
_SORTS_WITH_TIME = ("top", "controversial")
_SORTS_PLAIN = ("new", "hot", "rising")
_SUBREDDIT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
_SLEEP_RE = re.compile(r"^Sleeping: ([0-9.]+) seconds prior to (call|retry)")


class RedditConfigError(ValueError):
    """The Reddit route is misconfigured: a missing credential, an unknown site, a bad listing."""


class RedditAuthError(RuntimeError):
    """Reddit refused the configured client credentials."""


class RedditFetchError(RuntimeError):
    """Reddit could not be reached, or no subreddit could be read at all."""


@dataclass(frozen=True)
class RedditFetchConfig:
    """What to fetch, and how hard to retry.

    ``listings`` entries: ``new``, ``hot``, ``rising``, ``top[:t]``, ``controversial[:t]``
    (``t`` one of hour, day, week, month, year, all; default all) and ``search`` (the
    subreddit's search sorted by new, once per entry of ``search_queries``, with the
    narrowest time filter that still covers the window).
    """

    subreddits: tuple[str, ...]
    listings: tuple[str, ...] = ("new", "top:all", "top:year", "top:month", "search")
    limit_per_listing: int | None = 1000
    since: int | None = None
    until: int | None = None
    site_name: str | None = None
    user_agent: str = DEFAULT_USER_AGENT
    search_queries: tuple[str, ...] = DEFAULT_SEARCH_QUERIES
    page_size: int = 100  # Reddit's maximum ``limit`` per request
    max_pages_per_listing: int = 50  # a guard against a listing that never ends
    max_retries: int = 5  # per page, on 429
    server_error_retries: int = 1  # per page, on top of prawcore's own three attempts
    backoff_base: float = 2.0  # seconds; doubled on each retry
    max_backoff: float = 120.0

    def __post_init__(self) -> None:
        for name in ("subreddits", "listings", "search_queries"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(dict.fromkeys(value)))
        lowered = {s.lower(): s for s in reversed(self.subreddits)}
        object.__setattr__(
            self, "subreddits", tuple(s for s in self.subreddits if lowered[s.lower()] == s)
        )
        if not self.subreddits:
            raise RedditConfigError("no subreddits to fetch: set ingest.subreddits")
        if not self.listings:
            raise RedditConfigError("no listings to read: set ingest.reddit.listings")
        for spec in self.listings:
            parse_listing(spec)
        if "search" in self.listings and not self.search_queries:
            raise RedditConfigError("listing 'search' needs at least one search query")
        if self.limit_per_listing is not None and self.limit_per_listing < 1:
            raise RedditConfigError("limit_per_listing must be positive or null")
        if not 1 <= self.page_size <= 100:
            raise RedditConfigError("page_size must be between 1 and 100")
        if self.max_pages_per_listing < 1:
            raise RedditConfigError("max_pages_per_listing must be positive")
        if self.max_retries < 0 or self.server_error_retries < 0:
            raise RedditConfigError("retry counts must be zero or more")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise RedditConfigError(f"empty time window: since={self.since} >= until={self.until}")
        if len(self.user_agent) < 7:
            raise RedditConfigError("user_agent must be descriptive (Reddit's API rules)")


def parse_listing(spec: str) -> tuple[str, str | None]:
    """``"top:year"`` -> ``("top", "year")``; ``"new"`` -> ``("new", None)``."""
    sort, _, time_filter = spec.strip().lower().partition(":")
    if sort in _SORTS_WITH_TIME:
        time_filter = time_filter or "all"
        if time_filter not in TIME_FILTERS:
            raise RedditConfigError(
                f"listing {spec!r}: time filter must be one of {', '.join(TIME_FILTERS)}"
            )
        return sort, time_filter
    if sort in (*_SORTS_PLAIN, "search") and not time_filter:
        return sort, None
    raise RedditConfigError(
        f"unknown listing {spec!r}: use new, hot, rising, top[:t], controversial[:t] or search"
    )


# --------------------------------------------------------------------------- client


def make_reddit(config: RedditFetchConfig, **praw_overrides: Any) -> praw.Reddit:
    """A read-only ``praw.Reddit`` whose credentials come from praw's own conventions.

    ``client_id`` and ``client_secret`` are read by praw from the ``praw_client_id`` /
    ``praw_client_secret`` environment variables or from praw.ini (section
    ``config.site_name``, else ``praw_site``, else ``DEFAULT``). ``praw_overrides`` go to
    ``praw.Reddit`` as keyword arguments (e.g. ``oauth_url``, ``reddit_url``, ``timeout``,
    ``requestor_kwargs``); they take precedence over praw.ini and the environment. The
    update check against PyPI is off unless an override turns it on.
    """
    settings: dict[str, Any] = {"user_agent": config.user_agent, "check_for_updates": False}
    settings.update(praw_overrides)
    section = config.site_name or os.getenv("praw_site") or "DEFAULT"  # noqa: SIM112 - praw's name
    try:
        reddit = praw.Reddit(site_name=config.site_name, **settings)
    except MissingRequiredAttributeException as exc:
        match = re.search(r"setting '(\w+)' missing", str(exc))
        name = match.group(1) if match else "client_id"
        raise RedditConfigError(_missing_message(name, section)) from None
    except configparser.NoSectionError:
        raise RedditConfigError(
            f"praw.ini has no site [{config.site_name}] (ingest.reddit.site_name): add the "
            "section to a praw.ini in the working directory or $XDG_CONFIG_HOME, or set "
            "site_name to null to use [DEFAULT] and the praw_* environment variables"
        ) from None
    if not reddit.config.client_secret:
        raise RedditConfigError(_missing_message("client_secret", section))
    reddit.read_only = True
    return reddit


def _missing_message(name: str, section: str) -> str:
    return (
        f"Reddit API credential {name!r} is not set. praw reads it from the environment "
        f"variable praw_{name} or from `{name}=...` in the [{section}] section of a praw.ini "
        "(working directory, or $XDG_CONFIG_HOME / ~/.config). Both client_id and "
        "client_secret are needed: create a 'script' app in Reddit's app preferences."
    )


# --------------------------------------------------------------------------- fetching


@dataclass
class _ListingStats:
    requests: int = 0
    fetched: int = 0
    new: int = 0
    skipped: int = 0
    duplicates: int = 0
    out_of_window: int = 0
    foreign: int = 0
    malformed: int = 0
    passes: int = 0
    stopped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "fetched": self.fetched,
            "new": self.new,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "out_of_window": self.out_of_window,
            "foreign": self.foreign,
            "malformed": self.malformed,
            "passes": self.passes,
            "stopped": sorted(set(self.stopped)),
        }


@dataclass
class _RetryStats:
    retries_429: int = 0
    server_error_retries: int = 0
    retry_wait_seconds: float = 0.0
    prawcore_waits: int = 0
    prawcore_wait_seconds: float = 0.0
    prawcore_retries: int = 0


@dataclass(frozen=True)
class _Pass:
    """One paging pass over one listing URL (``search`` makes one per query)."""

    key: str
    path: str
    params: dict[str, str | int]
    time_ordered: bool
    time_filter: str | None


class _Stop(Exception):
    """A listing pass ends early with an error already recorded."""


def fetch_posts(
    reddit: praw.Reddit,
    config: RedditFetchConfig,
    *,
    existing: pd.DataFrame | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fetch the configured subreddits' posts; returns ``(existing + new, report)``.

    The frame has :data:`COLUMNS`, one row per ``post_id``, sorted by
    ``(created_utc, post_id)``. The report (JSON-serializable) has, per subreddit and
    listing, the requests made and the posts fetched / new / skipped (already held) /
    duplicates (seen in an earlier listing of this run) / out_of_window, the errors
    (a subreddit that cannot be read is skipped, not fatal) and the rate-limit waits.
    Raises :class:`RedditAuthError` when the credentials are refused and
    :class:`RedditFetchError` when Reddit cannot be reached or no subreddit could be read.
    """
    fetcher = _Fetcher(reddit, config, existing)
    started = int(time.time())
    with _watch_prawcore_sleeps(fetcher.retry_stats):
        fetcher.run(progress=progress)
    new_frame = posts_frame(list(fetcher.collected.values()))
    merged = _merge(fetcher.existing_frame, new_frame)
    report = fetcher.report(started=started, merged=len(merged), new=len(new_frame))
    failed = [s for s, r in report["subreddits"].items() if r["status"] == "skipped"]
    if len(failed) == len(report["subreddits"]):
        raise RedditFetchError(
            "no subreddit could be read: "
            + "; ".join(
                f"r/{e['subreddit']} {e['listing']}: {e['message']}" for e in report["errors"]
            )
        )
    return merged, report


class _Fetcher:
    def __init__(
        self, reddit: praw.Reddit, config: RedditFetchConfig, existing: pd.DataFrame | None
    ) -> None:
        self.reddit = reddit
        self.config = config
        self.existing_frame = coerce_frame(existing) if existing is not None else None
        self.existing_ids: set[str] = set()
        self.newest: dict[str, int] = {}
        if self.existing_frame is not None and len(self.existing_frame):
            frame = self.existing_frame
            self.existing_ids = set(frame["post_id"])
            grouped = frame.groupby(frame["subreddit"].str.lower())["created_utc"].max()
            self.newest = {str(k): int(v) for k, v in grouped.items()}
        self.collected: dict[str, dict[str, Any]] = {}
        self.stats: dict[str, dict[str, _ListingStats]] = {}
        self.status: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        self.retry_stats = _RetryStats()
        self.requests = 0

    # ----------------------------------------------------------------- driving
    def run(self, *, progress: bool) -> None:
        cfg = self.config
        with progress_bar(
            total=len(cfg.subreddits) * len(cfg.listings),
            desc="reddit",
            unit="listing",
            disable=not progress,
        ) as bar:
            for name in cfg.subreddits:
                self.status[name] = {"status": "ok"}
                self.stats[name] = {}
                if not self._check_subreddit(name):
                    bar.update(len(cfg.listings))
                    continue
                for spec in cfg.listings:
                    stats = self.stats[name].setdefault(spec, _ListingStats())
                    for listing_pass in self._passes(name, spec):
                        stats.passes += 1
                        try:
                            self._page_through(name, listing_pass, stats)
                        except _Stop:
                            stats.stopped.append("error")
                            self.status[name]["status"] = "partial"
                    bar.update(1)
                    bar.set_postfix(posts=len(self.collected), errors=len(self.errors))
                    log.info(
                        "r/%s %s: %d fetched, %d new, %d skipped in %d request(s)",
                        name,
                        spec,
                        stats.fetched,
                        stats.new,
                        stats.skipped,
                        stats.requests,
                    )

    def _check_subreddit(self, name: str) -> bool:
        if not _SUBREDDIT_RE.match(name):
            self._record_error(name, "about", "InvalidName", None, None, "not a subreddit name")
            self.status[name] = {"status": "skipped"}
            return False
        try:
            about = self._request(name, "about", f"r/{name}/about", {})
        except _Stop:
            self.status[name] = {"status": "skipped"}
            return False
        data = about.get("data", {}) if isinstance(about, dict) else {}
        if not isinstance(data, dict):
            data = {}
        subreddit_type = data.get("subreddit_type")
        self.status[name].update(
            {"display_name": data.get("display_name"), "subreddit_type": subreddit_type}
        )
        if subreddit_type == "private":
            self._record_error(name, "about", "Private", None, "private", "subreddit is private")
            self.status[name]["status"] = "skipped"
            return False
        return True

    def _passes(self, name: str, spec: str) -> list[_Pass]:
        cfg = self.config
        sort, time_filter = parse_listing(spec)
        now = int(time.time())
        span = TIME_FILTERS.get(time_filter or "all")
        if span is not None and cfg.until is not None and cfg.until <= now - span:
            # The whole listing is newer than the window: nothing to find there.
            self.stats[name][spec].stopped.append("outside_window")
            return []
        if sort != "search":
            params: dict[str, str | int] = {"t": time_filter} if time_filter else {}
            return [_Pass(spec, f"r/{name}/{sort}", params, sort == "new", time_filter)]
        lower = self._lower_bound(name)
        t = "all" if lower is None else _narrowest_time_filter(now - lower)
        return [
            _Pass(
                spec,
                f"r/{name}/search",
                {
                    "q": query,
                    "restrict_sr": "on",
                    "sort": "new",
                    "t": t,
                    "type": "link",
                    "syntax": "lucene",
                },
                True,
                t,
            )
            for query in cfg.search_queries
        ]

    def _lower_bound(self, name: str) -> int | None:
        bounds = [b for b in (self.config.since, self.newest.get(name.lower())) if b is not None]
        return max(bounds) if bounds else None

    # ----------------------------------------------------------------- one pass
    def _page_through(self, name: str, listing_pass: _Pass, stats: _ListingStats) -> None:
        cfg = self.config
        since, until = cfg.since, cfg.until
        cutoff = self.newest.get(name.lower())
        limit = cfg.limit_per_listing
        after: str | None = None
        seen = 0
        pages = 0
        while True:
            if limit is not None and seen >= limit:
                stats.stopped.append("limit")
                return
            if pages >= cfg.max_pages_per_listing:
                stats.stopped.append("max_pages")
                return
            page_limit = cfg.page_size if limit is None else min(cfg.page_size, limit - seen)
            params: dict[str, str | int] = {**listing_pass.params, "limit": page_limit}
            if after:
                params["after"] = after
            payload = self._request(name, listing_pass.key, listing_pass.path, params)
            stats.requests += 1
            pages += 1
            retrieved = int(time.time())
            children, next_after = _listing_children(payload)
            reached_window_start = reached_known = False
            for child in children:
                seen += 1
                stats.fetched += 1
                row = submission_row(child, retrieved)
                if row is None:
                    stats.malformed += 1
                    continue
                if row["subreddit"].lower() != name.lower():
                    stats.foreign += 1
                    continue
                created = row["created_utc"]
                if listing_pass.time_ordered:
                    reached_window_start |= since is not None and created < since
                    reached_known |= cutoff is not None and created < cutoff
                if (since is not None and created < since) or (
                    until is not None and created >= until
                ):
                    stats.out_of_window += 1
                    continue
                post_id = row["post_id"]
                if post_id in self.existing_ids:
                    stats.skipped += 1
                elif post_id in self.collected:
                    stats.duplicates += 1
                else:
                    self.collected[post_id] = row
                    stats.new += 1
            if reached_window_start:
                stats.stopped.append("window")
                return
            if reached_known:
                stats.stopped.append("incremental")
                return
            if not children or not next_after or next_after == after:
                stats.stopped.append("exhausted")
                return
            after = next_after

    # ----------------------------------------------------------------- one request
    def _request(self, name: str, listing: str, path: str, params: Mapping[str, str | int]) -> Any:
        """GET ``path`` through praw, with bounded retries for 429 and persistent 5xx."""
        cfg = self.config
        attempt_429 = attempt_5xx = 0
        while True:
            self.requests += 1
            try:
                return self.reddit.request(method="GET", path=path, params=dict(params))
            except prawcore.TooManyRequests as exc:
                if attempt_429 >= cfg.max_retries:
                    self._record_exception(name, listing, exc)
                    raise _Stop from None
                wait = _retry_after(exc)
                if wait is None:
                    wait = cfg.backoff_base * 2**attempt_429
                attempt_429 += 1
                self.retry_stats.retries_429 += 1
                self._backoff(min(wait, cfg.max_backoff), f"429 on {path}")
            except prawcore.ServerError as exc:
                if attempt_5xx >= cfg.server_error_retries:
                    self._record_exception(name, listing, exc)
                    raise _Stop from None
                attempt_5xx += 1
                self.retry_stats.server_error_retries += 1
                wait = min(cfg.backoff_base * 2 ** (attempt_5xx - 1), cfg.max_backoff)
                self._backoff(wait, f"HTTP {exc.response.status_code} on {path}")
            except prawcore.OAuthException as exc:
                raise RedditAuthError(
                    f"Reddit refused the client credentials ({exc.error}): check "
                    "praw_client_id / praw_client_secret or praw.ini"
                ) from None
            except prawcore.ResponseException as exc:
                if _is_token_request(exc):
                    raise RedditAuthError(
                        f"Reddit refused the client credentials (HTTP "
                        f"{exc.response.status_code} from the token endpoint): check "
                        "praw_client_id / praw_client_secret or praw.ini"
                    ) from None
                self._record_exception(name, listing, exc)
                raise _Stop from None
            except prawcore.RequestException as exc:
                raise RedditFetchError(
                    f"cannot reach Reddit ({type(exc.original_exception).__name__}) while "
                    f"reading r/{name} {listing}"
                ) from None
            except PRAWException as exc:
                self._record_error(name, listing, type(exc).__name__, None, None, str(exc))
                raise _Stop from None

    def _backoff(self, seconds: float, why: str) -> None:
        log.warning("%s: retrying in %.2f s", why, seconds)
        self.retry_stats.retry_wait_seconds += seconds
        time.sleep(seconds)

    # ----------------------------------------------------------------- reporting
    def _record_exception(self, name: str, listing: str, exc: prawcore.ResponseException) -> None:
        status = exc.response.status_code
        reason = None
        try:
            body = exc.response.json()
            if isinstance(body, dict) and body.get("reason") is not None:
                reason = str(body["reason"])
        except ValueError:
            pass
        if isinstance(exc, prawcore.Redirect) and exc.path.startswith("/subreddits/search"):
            reason = "not_found"  # Reddit redirects an unknown subreddit to its search
        self._record_error(name, listing, type(exc).__name__, status, reason, str(exc))

    def _record_error(
        self,
        name: str,
        listing: str,
        error: str,
        status: int | None,
        reason: str | None,
        message: str,
    ) -> None:
        entry = {
            "subreddit": name,
            "listing": listing,
            "error": error,
            "status": status,
            "reason": reason,
            "message": message,
        }
        self.errors.append(entry)
        log.warning(
            "r/%s %s: %s%s%s, skipped",
            name,
            listing,
            error,
            f" (HTTP {status})" if status else "",
            f" reason={reason}" if reason else "",
        )

    def report(self, *, started: int, merged: int, new: int) -> dict[str, Any]:
        subreddits: dict[str, Any] = {}
        totals = {"requests": 0, "fetched": 0, "new": 0, "skipped": 0, "duplicates": 0}
        for name, listings in self.stats.items():
            entry = dict(self.status[name])
            entry["listings"] = {spec: stats.to_dict() for spec, stats in listings.items()}
            subreddits[name] = entry
            for stats in listings.values():
                for key in totals:
                    totals[key] += getattr(stats, key)
        limits: dict[str, Any] = {}
        try:
            raw_limits = self.reddit.auth.limits
            limits = {
                k: v for k, v in raw_limits.items() if v is None or isinstance(v, int | float)
            }
        except (AttributeError, TypeError):  # pragma: no cover - praw internals changed
            limits = {}
        rs = self.retry_stats
        return {
            "source": SOURCE_FILE,
            "started_utc": started,
            "finished_utc": int(time.time()),
            "window": {"since": self.config.since, "until": self.config.until},
            "listings": list(self.config.listings),
            "subreddits": subreddits,
            "errors": list(self.errors),
            "rate_limit": {
                "waits": rs.prawcore_waits,
                "wait_seconds": round(rs.prawcore_wait_seconds, 3),
                "retries_429": rs.retries_429,
                "server_error_retries": rs.server_error_retries,
                "prawcore_retries": rs.prawcore_retries,
                "retry_wait_seconds": round(rs.retry_wait_seconds, 3),
                "last": limits,
            },
            "totals": {
                **totals,
                "http_requests": self.requests,
                "existing": 0 if self.existing_frame is None else len(self.existing_frame),
                "added": new,
                "merged": merged,
            },
        }


# --------------------------------------------------------------------------- helpers


def _is_token_request(exc: prawcore.ResponseException) -> bool:
    request = getattr(exc.response, "request", None)
    url = getattr(request, "url", "") or ""
    return "/api/v1/access_token" in url


def _retry_after(exc: prawcore.TooManyRequests) -> float | None:
    value = exc.retry_after
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None  # an HTTP date: fall back to our backoff
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _narrowest_time_filter(age_seconds: int) -> str:
    """The smallest search ``t`` whose span still covers posts ``age_seconds`` old."""
    for name, span in TIME_FILTERS.items():
        if span is not None and age_seconds <= span * 0.9:
            return name
    return "all"


def _listing_children(payload: Any) -> tuple[list[Any], str | None]:
    if not isinstance(payload, dict) or payload.get("kind") != "Listing":
        raise RedditFetchError(f"expected a Listing, got {type(payload).__name__}")
    data = payload.get("data") or {}
    children = data.get("children") or []
    after = data.get("after")
    return list(children), (str(after) if after else None)


def submission_row(child: Any, retrieved_utc: int) -> dict[str, Any] | None:
    """One listing child (``{"kind": "t3", "data": {...}}``) -> an output row, or None.

    The ``data`` goes through the adapter the dump reader uses too
    (:func:`pipeline.ingest.normalize.normalize_post`), so a post gives the same row by
    either route; only ``retrieved_utc`` (the time of the request), ``source_file``
    (:data:`SOURCE_FILE`) and ``source_line`` (0) are the API's own. None for a child that
    is not a submission or that the adapter cannot read (counted ``malformed``).
    """
    if not isinstance(child, dict) or child.get("kind") != "t3":
        return None
    try:
        values = normalize_post(child.get("data"), retrieved_utc=retrieved_utc)
    except BadRecord:
        return None
    return dict(zip(COLUMNS, (*values, SOURCE_FILE, 0), strict=True))


def posts_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows from :func:`submission_row` -> a frame with :data:`COLUMNS`, sorted."""
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    return _sort(coerce_frame(frame))


def _sort(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["created_utc", "post_id"], kind="stable").reset_index(drop=True)


def _merge(existing: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    if existing is None or not len(existing):
        return new
    if not len(new):
        return _sort(existing.drop_duplicates("post_id", keep="first"))
    merged = pd.concat([existing, new], ignore_index=True)
    return _sort(coerce_frame(merged.drop_duplicates("post_id", keep="first")))


@contextmanager
def _watch_prawcore_sleeps(stats: _RetryStats) -> Iterator[None]:
    """Count prawcore's own sleeps (rate-limit waits and 5xx retry pauses).

    prawcore announces each sleep with a debug record on the ``prawcore`` logger. We lower
    that logger to DEBUG for the duration and add a filter that counts those records and
    drops every record below the level that was in effect, so nothing extra reaches the
    application's handlers.
    """
    logger = logging.getLogger("prawcore")
    previous_level = logger.level
    passthrough = logger.getEffectiveLevel()

    class _Counter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            match = _SLEEP_RE.match(record.getMessage())
            if match:
                if match.group(2) == "call":
                    stats.prawcore_waits += 1
                    stats.prawcore_wait_seconds += float(match.group(1))
                else:
                    stats.prawcore_retries += 1
            return record.levelno >= passthrough

    counter = _Counter()
    logger.addFilter(counter)
    if passthrough > logging.DEBUG:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeFilter(counter)
        logger.setLevel(previous_level)
