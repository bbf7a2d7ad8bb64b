"""A small Reddit API emulator on loopback, for testing the real praw client.

It answers what ``pipeline.ingest.reddit_api`` (through praw 7.8 / prawcore 2.4) calls:

- ``POST /api/v1/access_token``: the client-credentials grant. Checks HTTP basic auth
  against the configured client id and secret (401 otherwise) and returns a bearer token
  (``expires_in``, ``scope: "*"``).
- ``GET /r/{sub}/about``: ``{"kind": "t5", "data": {...}}``; a banned subreddit answers
  404 ``{"reason": "banned"}``, a private one 403 ``{"reason": "private"}``, a
  quarantined one 403 ``{"reason": "quarantined"}``, an unknown one a 302 to
  ``/subreddits/search`` (as Reddit does).
- ``GET /r/{sub}/new``, ``/hot``, ``/top?t=...``, ``/controversial?t=...``,
  ``/search?q=...&restrict_sr=on&sort=new&t=...``: Listing JSON as Reddit returns it
  (``kind: "Listing"``, ``data.children`` of kind ``t3``, ``data.after``), paged with
  ``after`` (a fullname) and ``limit`` (at most ``page_size_max``, default 100). Like
  Reddit, a listing reaches at most ``listing_cap`` items (default 1,000). Search matches
  when every word of ``q`` occurs in the title or body.
- ``GET /api/info?id=t3_a,t3_b,...``: what ``praw.Reddit.info(fullnames=...)`` asks (praw
  7.8 sends ``GET /api/info/`` with ``id`` the comma-joined fullnames, at most 100 per
  request, plus prawcore's ``raw_json=1``). The answer is the same Listing shape as above
  (``after`` and ``before`` null, ``dist`` the number of children) holding, in the order
  asked, a ``t3`` child for each id that names a post the server holds, in any subreddit
  and whatever the subreddit's state. Anything else is left out silently, as Reddit does:
  unknown posts, malformed ids, other kinds (``t1_``, ``t5_``...: not emulated). An id
  asked twice comes back twice. More than 100 ids answer 400 ``{"reason":
  "TOO_MANY_THING_IDS"}``: a guard for the tests, not Reddit's behaviour (the open-source
  r2 code dropped the whole batch and answered an empty 200 Listing, which would hide a
  client bug). ``url=`` and ``sr_name=`` lookups are not emulated (400
  ``"NOT_EMULATED"``); no ``id`` at all gives an empty Listing. Only the top-level path
  is routed, not ``/r/{sub}/api/info``.

Posts change after the fact the way they do on Reddit:
:meth:`RedditServer.delete_post` (the author deleted it) and
:meth:`RedditServer.remove_post` (a moderator, Reddit or a legal takedown removed it). Both
edit the stored dict in place, so every later answer (``/api/info`` and the listings alike)
shows the new state. Listings keep serving such posts; real Reddit mostly drops them from
public listings, and tests that care can look them up by id. The JSON assumed (from
praw's docs and what Reddit is publicly known to return to a client that is not a
moderator; Reddit documents none of it):

- deleted by its author: ``author`` ``"[deleted]"`` (praw then gives ``author`` None),
  ``selftext`` ``"[deleted]"``, ``removed_by_category`` ``"deleted"``; title, score and
  the rest unchanged.
- removed: ``selftext`` ``"[removed]"``, ``removed_by_category`` the category
  (``"moderator"``, ``"automod_filtered"``, ``"reddit"``, ``"anti_evil_ops"``,
  ``"community_ops"``, ``"legal_operations"``, ``"copyright_takedown"``,
  ``"content_takedown"``), ``author`` unchanged.
- in both cases the marker replaces ``selftext`` of link posts too (whose ``selftext`` was
  ``""``; what Reddit does there is less clear), and fields the factory does not emit but
  a test may have added are cleared where they would still carry what was taken down:
  ``selftext_html`` None, ``author_fullname`` dropped and ``author_flair_text`` None on
  deletion, ``is_robot_indexable`` False.

Paths are matched case-insensitively, with or without a trailing slash or ``.json``.
Every API answer carries ``x-ratelimit-remaining/used/reset``: ``ratelimit_budget``
requests per ``ratelimit_window`` seconds; past the budget the server answers 429. The
defaults are generous so prawcore never paces the tests (with Reddit's real budget,
about 1,000 requests per 600 s, prawcore spreads requests some 0.6 s apart); a test of
the pacing sets a small budget and a window of a second or two.

Faults are scripted with :meth:`RedditServer.fail`: a status for a path (optionally only
for one ``after`` value, ``None`` meaning the first page and every ``/api/info`` request),
a number of times, and an optional ``Retry-After``. Every request is recorded (method,
path, query, status, whether it was authorized, the ids of the posts answered): never a
credential or token. ``/api/info`` goes through the same authorization, rate-limit
headers, budget, faults and recording as the listings; :meth:`RedditServer.info_batches`
gives the fullnames asked in each of its requests.

Synthetic submissions come from :class:`PostFactory`.
"""

from __future__ import annotations

import base64
import json
import math
import random
import re
import secrets
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

ANY: Any = object()  # matches any ``after`` value in :meth:`RedditServer.fail`

TIME_SPANS: dict[str, int | None] = {
    "hour": 3_600,
    "day": 86_400,
    "week": 7 * 86_400,
    "month": 30 * 86_400,
    "year": 365 * 86_400,
    "all": None,
}
_ROUTE = re.compile(r"^/r/([A-Za-z0-9_]+)/(about|new|hot|rising|top|controversial|search)$")
_WORD = re.compile(r"[a-z0-9']+")
INFO_PATH = "/api/info"
INFO_MAX_IDS = 100  # praw sends at most 100 fullnames per /api/info request
_FULLNAME = re.compile(r"^t[0-9]+_[0-9a-z]+$")
REMOVAL_CATEGORIES = frozenset(
    {
        "moderator",
        "automod_filtered",
        "reddit",
        "anti_evil_ops",
        "community_ops",
        "legal_operations",
        "copyright_takedown",
        "content_takedown",
    }
)


def to_base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


# --------------------------------------------------------------------------- synthetic posts

_TOPICS = (
    "my roommate keeps eating my food",
    "my boss wants me to work every weekend",
    "my sister asked to borrow money again",
    "I was offered a job in another city",
    "my best friend forgot my birthday",
    "my partner wants to move in together",
    "a coworker takes credit for my work",
    "my parents disapprove of my career change",
)
_ASKS = (
    "What should I do?",
    "Should I say something?",
    "I need advice.",
    "Any help is welcome.",
    "How do I handle this?",
)


class PostFactory:
    """Makes Reddit-like submission dicts (the ``data`` of a ``t3`` child) with unique ids.

    Posts come newest first, ``spacing`` seconds apart, ending at ``newest_utc``. Some are
    edge cases on purpose: a deleted author, ``[removed]`` text with a removal category, a
    link post, a crosspost, NSFW, a stickied moderator post.
    """

    def __init__(self, seed: int = 0, first_id: int = 36**5) -> None:
        self._rng = random.Random(seed)
        self._next_id = first_id

    def posts(
        self, subreddit: str, n: int, *, newest_utc: int, spacing: int = 600
    ) -> list[dict[str, Any]]:
        out = []
        for i in range(n):
            number = self._next_id
            self._next_id += 1
            out.append(self.post(subreddit, number, newest_utc - i * spacing))
        return out

    def post(self, subreddit: str, number: int, created_utc: int) -> dict[str, Any]:
        rng = self._rng
        post_id = to_base36(number)
        topic = _TOPICS[number % len(_TOPICS)]
        ask = _ASKS[number % len(_ASKS)]
        is_link = number % 11 == 0
        removed = number % 13 == 0
        selftext = "" if is_link else f"So {topic}. It has happened {number % 7 + 2} times. {ask}"
        if removed:
            selftext = "[removed]"
        mod_post = number % 29 == 0
        permalink = f"/r/{subreddit}/comments/{post_id}/post_{post_id}/"
        return {
            "id": post_id,
            "name": f"t3_{post_id}",
            "subreddit": subreddit,
            "subreddit_name_prefixed": f"r/{subreddit}",
            "subreddit_id": "t5_" + to_base36(zlib.crc32(subreddit.lower().encode())),
            "title": f"AITA? {topic} ({post_id})" if number % 3 == 0 else f"{topic}, {ask}",
            "selftext": selftext,
            "author": "[deleted]" if number % 17 == 0 else f"user_{to_base36(number * 7)}",
            "created_utc": float(created_utc),
            "created": float(created_utc),
            "score": rng.randint(0, 5000),
            "num_comments": rng.randint(0, 900),
            "upvote_ratio": round(rng.uniform(0.5, 1.0), 2),
            "over_18": number % 23 == 0,
            "is_self": not is_link,
            "stickied": mod_post,
            "distinguished": "moderator" if mod_post else None,
            "removed_by_category": "moderator" if removed else None,
            "link_flair_text": ("Advice", "Update", None)[number % 3],
            "permalink": permalink,
            "url": (
                f"https://example.org/article/{post_id}"
                if is_link
                else f"https://www.reddit.com{permalink}"
            ),
            **({"crosspost_parent": f"t3_{to_base36(number + 1)}"} if number % 19 == 0 else {}),
            "edited": False,
            "locked": False,
            "spoiler": False,
        }


# --------------------------------------------------------------------------- server state


@dataclass
class Fault:
    path: str  # normalized, lower case, e.g. "/r/advice/new"
    status: int
    after: Any = ANY
    times: int = 1
    retry_after: str | None = None
    body: dict[str, Any] | None = None


@dataclass
class RequestRecord:
    method: str
    path: str  # normalized
    query: dict[str, str]
    status: int
    authorized: bool
    ids: list[str] = field(default_factory=list)  # post ids served in this answer


@dataclass
class _Subreddit:
    name: str
    state: str = "public"  # public | banned | private | quarantined
    posts: list[dict[str, Any]] = field(default_factory=list)


class RedditServer:
    """A threaded loopback server; use as a context manager or ``start()``/``stop()``."""

    def __init__(
        self,
        client_id: str = "test-client-id",
        client_secret: str = "test-client-secret",
        *,
        page_size_max: int = 100,
        listing_cap: int = 1000,
        ratelimit_budget: int = 100_000,
        ratelimit_window: int = 60,
        token_ttl: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self.page_size_max = page_size_max
        self.listing_cap = listing_cap
        self.ratelimit_budget = ratelimit_budget
        self.ratelimit_window = ratelimit_window
        self.token_ttl = token_ttl
        self.clock = clock
        self.lock = threading.Lock()
        self.subreddits: dict[str, _Subreddit] = {}
        self.faults: list[Fault] = []
        self.requests: list[RequestRecord] = []
        self.token_requests = 0
        self._tokens: dict[str, float] = {}
        self._window_start: float | None = None
        self._used = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> RedditServer:
        server = self

        class Handler(_Handler):
            state = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> RedditServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # ----------------------------------------------------------------- scripting
    def add_subreddit(
        self, name: str, posts: Iterable[dict[str, Any]] = (), *, state: str = "public"
    ) -> None:
        with self.lock:
            sub = self.subreddits.setdefault(name.lower(), _Subreddit(name))
            sub.state = state
            sub.posts.extend(posts)

    def add_posts(self, name: str, posts: Iterable[dict[str, Any]]) -> None:
        self.add_subreddit(name, posts, state=self.subreddits[name.lower()].state)

    def fail(
        self,
        path: str,
        status: int,
        *,
        after: Any = ANY,
        times: int = 1,
        retry_after: float | str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer ``status`` to the next ``times`` GETs of ``path`` (with ``after``)."""
        with self.lock:
            self.faults.append(
                Fault(
                    _normalize(path),
                    status,
                    after,
                    times,
                    None if retry_after is None else str(retry_after),
                    body,
                )
            )

    def set_secret(self, secret: str) -> None:
        with self.lock:
            self._client_secret = secret

    def delete_post(self, post_id: str) -> dict[str, Any]:
        """The author deleted ``post_id`` (``abc`` or ``t3_abc``); returns a copy of it now."""
        with self.lock:
            post = self._find_post(post_id)
            post["author"] = "[deleted]"
            post["selftext"] = "[deleted]"
            post["removed_by_category"] = "deleted"
            post.pop("author_fullname", None)
            for key, value in (
                ("author_flair_text", None),
                ("selftext_html", None),
                ("is_robot_indexable", False),
            ):
                if key in post:
                    post[key] = value
            return dict(post)

    def remove_post(self, post_id: str, category: str = "moderator") -> dict[str, Any]:
        """``post_id`` was removed (by a moderator, Reddit...); returns a copy of it now.

        ``category`` is Reddit's ``removed_by_category``, one of :data:`REMOVAL_CATEGORIES`
        (an author's own deletion is :meth:`delete_post`). The author stays as it was.
        """
        if category not in REMOVAL_CATEGORIES:
            raise ValueError(
                f"unknown removal category {category!r}: one of {sorted(REMOVAL_CATEGORIES)}"
            )
        with self.lock:
            post = self._find_post(post_id)
            post["selftext"] = "[removed]"
            post["removed_by_category"] = category
            for key, value in (("selftext_html", None), ("is_robot_indexable", False)):
                if key in post:
                    post[key] = value
            return dict(post)

    def _find_post(self, post_id: str) -> dict[str, Any]:
        """The stored dict of a post (caller holds the lock); KeyError if there is none."""
        fullname = post_id if post_id.startswith("t3_") else f"t3_{post_id}"
        post = self._posts_by_fullname().get(fullname)
        if post is None:
            raise KeyError(f"no post {post_id!r} on this server")
        return post

    def _posts_by_fullname(self) -> dict[str, dict[str, Any]]:
        """Every stored post by fullname, across subreddits (the first one wins a clash)."""
        index: dict[str, dict[str, Any]] = {}
        for sub in self.subreddits.values():
            for post in sub.posts:
                index.setdefault(f"t3_{post['id']}", post)
        return index

    # ----------------------------------------------------------------- counters
    def hits(self, path: str, *, status: int | None = None) -> int:
        """GETs of ``path`` (normalized) so far, optionally only those answered ``status``."""
        target = _normalize(path)
        with self.lock:
            return sum(
                1
                for r in self.requests
                if r.path == target and (status is None or r.status == status)
            )

    def afters(self, path: str) -> list[str | None]:
        """The ``after`` value of each GET of ``path``, in order (None for a first page)."""
        target = _normalize(path)
        with self.lock:
            return [r.query.get("after") for r in self.requests if r.path == target]

    def info_batches(self) -> list[list[str]]:
        """The fullnames asked in each GET of ``/api/info``, in order (whatever the answer)."""
        with self.lock:
            return [
                [i for i in r.query.get("id", "").split(",") if i]
                for r in self.requests
                if r.method == "GET" and r.path == INFO_PATH
            ]

    def served_ids(self, prefix: str = "/") -> set[str]:
        """Ids of every post served by listings whose path starts with ``prefix``."""
        target = _normalize(prefix)
        with self.lock:
            return {i for r in self.requests if r.path.startswith(target) for i in r.ids}

    def issued_tokens(self) -> list[str]:
        """Access tokens handed out so far (for tests that check they never leak)."""
        with self.lock:
            return list(self._tokens)

    def reset_counters(self) -> None:
        with self.lock:
            self.requests.clear()
            self.token_requests = 0

    # ----------------------------------------------------------------- behaviour
    def _ratelimit(self) -> tuple[dict[str, str], bool]:
        """Count one API request; returns the headers and whether it is over budget."""
        now = self.clock()
        if self._window_start is None or now >= self._window_start + self.ratelimit_window:
            self._window_start = now
            self._used = 0
        over = self._used >= self.ratelimit_budget
        if not over:
            self._used += 1
        reset = max(0, math.ceil(self._window_start + self.ratelimit_window - now))
        headers = {
            "x-ratelimit-remaining": f"{float(max(self.ratelimit_budget - self._used, 0)):.1f}",
            "x-ratelimit-used": str(self._used),
            "x-ratelimit-reset": str(reset),
        }
        return headers, over

    def _take_fault(self, path: str, after: str | None) -> Fault | None:
        for fault in self.faults:
            if fault.times <= 0 or fault.path != path:
                continue
            if fault.after is not ANY and fault.after != after:
                continue
            fault.times -= 1
            return fault
        return None

    def _info(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """``GET /api/info``: the known posts among ``id``, in the order asked."""
        for param in ("url", "sr_name"):
            if param in query:
                return 400, {
                    "message": "Bad Request",
                    "error": 400,
                    "reason": "NOT_EMULATED",
                    "explanation": f"/api/info?{param}= is not emulated",
                }
        asked = [i for i in re.split(r"[ ,]+", query.get("id", "")) if i]
        if len(asked) > INFO_MAX_IDS:
            return 400, {
                "message": "Bad Request",
                "error": 400,
                "reason": "TOO_MANY_THING_IDS",
                "explanation": f"{len(asked)} ids; at most {INFO_MAX_IDS}",
            }
        index = self._posts_by_fullname()
        found = [index[i] for i in asked if _FULLNAME.match(i) and i in index]
        return 200, {
            "kind": "Listing",
            "data": {
                "after": None,
                "dist": len(found),
                "modhash": None,
                "geo_filter": "",
                "children": [{"kind": "t3", "data": dict(p)} for p in found],
                "before": None,
            },
        }

    def _listing(self, sub: _Subreddit, sort: str, query: dict[str, str]) -> dict[str, Any]:
        now = self.clock()
        posts = list(sub.posts)
        t = query.get("t", "all")
        span = TIME_SPANS.get(t)
        if sort in ("top", "controversial", "search") and span is not None:
            posts = [p for p in posts if p["created_utc"] >= now - span]
        if sort == "search":
            words = _WORD.findall(query.get("q", "").lower())
            posts = [
                p
                for p in posts
                if all(
                    w in set(_WORD.findall(f"{p['title']} {p['selftext']}".lower())) for w in words
                )
            ]
            search_sort = query.get("sort", "relevance")
            sort = "new" if search_sort == "new" else "top"
        if sort in ("new", "rising"):
            posts.sort(key=lambda p: (p["created_utc"], p["id"]), reverse=True)
        elif sort == "controversial":
            posts.sort(key=lambda p: (p["num_comments"] - p["score"], p["id"]), reverse=True)
        elif sort == "hot":
            posts.sort(
                key=lambda p: (p["score"] / (1 + (now - p["created_utc"]) / 3600), p["id"]),
                reverse=True,
            )
        else:
            posts.sort(key=lambda p: (p["score"], p["id"]), reverse=True)
        posts = posts[: self.listing_cap]
        try:
            limit = int(query.get("limit", "25"))
        except ValueError:
            limit = 25
        limit = max(1, min(limit, self.page_size_max))
        start = 0
        after = query.get("after")
        if after:
            ids = [f"t3_{p['id']}" for p in posts]
            start = ids.index(after) + 1 if after in ids else len(posts)
        page = posts[start : start + limit]
        more = start + limit < len(posts)
        children = [{"kind": "t3", "data": dict(p)} for p in page]
        return {
            "kind": "Listing",
            "data": {
                "after": f"t3_{page[-1]['id']}" if page and more else None,
                "dist": len(page),
                "modhash": None,
                "geo_filter": "",
                "children": children,
                "before": None,
            },
        }


def _normalize(path: str) -> str:
    path = urlsplit(path).path.rstrip("/")
    if path.endswith(".json"):
        path = path[: -len(".json")]
    return path.lower() or "/"


_STATE_ERRORS = {
    "banned": (404, {"reason": "banned", "message": "Not Found", "error": 404}),
    "private": (403, {"reason": "private", "message": "Forbidden", "error": 403}),
    "quarantined": (403, {"reason": "quarantined", "message": "Forbidden", "error": 403}),
}


class _Handler(BaseHTTPRequestHandler):
    state: RedditServer
    server_version = "reddit-emulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        return

    def _send(
        self,
        status: int,
        body: dict[str, Any] | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    # ----------------------------------------------------------------- token
    def do_POST(self) -> None:  # noqa: N802 - http.server API
        srv = self.state
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        path = _normalize(self.path)
        if path != "/api/v1/access_token":
            self._send(404, {"message": "Not Found", "error": 404})
            return
        with srv.lock:
            srv.token_requests += 1
            expected = base64.b64encode(f"{srv._client_id}:{srv._client_secret}".encode()).decode()
            ok = self.headers.get("Authorization", "") == f"Basic {expected}"
            srv.requests.append(RequestRecord("POST", path, {}, 200 if ok else 401, ok))
            if not ok:
                self._send(401, {"message": "Unauthorized", "error": 401})
                return
            if form.get("grant_type") != "client_credentials":
                self._send(200, {"error": "unsupported_grant_type"})
                return
            token = secrets.token_urlsafe(24)
            srv._tokens[token] = srv.clock() + srv.token_ttl
        self._send(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": srv.token_ttl,
                "scope": "*",
            },
        )

    # ----------------------------------------------------------------- API
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        srv = self.state
        parts = urlsplit(self.path)
        path = _normalize(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        with srv.lock:
            authorized = scheme.lower() == "bearer" and srv._tokens.get(token, 0.0) > srv.clock()
            record = RequestRecord("GET", path, query, 0, authorized)
            srv.requests.append(record)
            if not authorized:
                record.status = 401
                self._send(
                    401,
                    {"message": "Unauthorized", "error": 401},
                    {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
                )
                return
            headers, over = srv._ratelimit()
            status, body, extra = self._answer(srv, path, query, over)
            record.status = status
            if status == 200 and body and body.get("kind") == "Listing":
                record.ids = [c["data"]["id"] for c in body["data"]["children"]]
            headers.update(extra)
        self._send(status, body, headers)

    def _answer(
        self, srv: RedditServer, path: str, query: dict[str, str], over: bool
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        if over:
            return 429, {"message": "Too Many Requests", "error": 429}, {}
        fault = srv._take_fault(path, query.get("after"))
        if fault is not None:
            extra = {"retry-after": fault.retry_after} if fault.retry_after else {}
            body = fault.body or {"message": "scripted fault", "error": fault.status}
            return fault.status, body, extra
        if path == INFO_PATH:
            status, body = srv._info(query)
            return status, body, {}
        match = _ROUTE.match(path)
        if not match:
            return 404, {"message": "Not Found", "error": 404}, {}
        name, endpoint = match.groups()
        sub = srv.subreddits.get(name.lower())
        if sub is None:
            location = f"{srv.url}/subreddits/search.json?q={quote(name)}"
            return 302, None, {"Location": location}
        if sub.state in _STATE_ERRORS:
            status, body = _STATE_ERRORS[sub.state]
            return status, body, {}
        if endpoint == "about":
            return (
                200,
                {
                    "kind": "t5",
                    "data": {
                        "display_name": sub.name,
                        "display_name_prefixed": f"r/{sub.name}",
                        "subreddit_type": "public",
                        "over18": False,
                        "subscribers": 1000 + len(sub.posts),
                        "quarantine": False,
                    },
                },
                {},
            )
        return 200, srv._listing(sub, endpoint, query), {}
