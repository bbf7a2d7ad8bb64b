"""The Reddit API route of ingest: the real praw client against a Reddit emulator on loopback.

praw is pointed at the server with the ``oauth_url`` / ``reddit_url`` settings (keyword
arguments, or a praw.ini site); credentials come from ``praw_client_id`` /
``praw_client_secret`` environment variables, as in production. The requests session is
built with ``trust_env=False`` so no proxy setting of the machine can divert the traffic.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import praw
import praw.config
import pytest
import requests
import zstandard

from pipeline.ingest.dumps import read_dumps
from pipeline.ingest.raw_columns import COLUMNS, DTYPES
from pipeline.ingest.reddit_api import (
    SOURCE_FILE,
    RedditAuthError,
    RedditConfigError,
    RedditFetchConfig,
    RedditFetchError,
    fetch_posts,
    make_reddit,
    posts_frame,
    submission_row,
)
from pipeline.schemas import RAW_POSTS, validate
from servers.reddit_server import PostFactory, RedditServer
from shared_data import REDDIT_DUMPS

CLIENT_ID = "valact-test-client"
SECRET = "s3cr3t-DO-NOT-LOG-7f3a9c"
NOW = int(time.time())
DAY = 86_400


@pytest.fixture(autouse=True)
def praw_credentials(isolated_praw: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """No praw.ini of the machine (tests/conftest.py), no praw_* variables but ours."""
    monkeypatch.setenv("praw_client_id", CLIENT_ID)
    monkeypatch.setenv("praw_client_secret", SECRET)


@pytest.fixture
def server() -> Iterator[RedditServer]:
    with RedditServer(CLIENT_ID, SECRET, page_size_max=20) as srv:
        yield srv


def reddit_for(srv: RedditServer, config: RedditFetchConfig, **overrides: Any) -> praw.Reddit:
    session = requests.Session()
    session.trust_env = False
    return make_reddit(
        config,
        oauth_url=srv.url,
        reddit_url=srv.url,
        timeout=5,
        requestor_kwargs={"session": session},
        **overrides,
    )


def fetch(
    srv: RedditServer, config: RedditFetchConfig, existing: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    return fetch_posts(reddit_for(srv, config), config, existing=existing, progress=False)


def spread_posts(factory: PostFactory, sub: str, n: int, *, days: float) -> list[dict[str, Any]]:
    """``n`` posts evenly spread over the last ``days`` days, newest an hour ago."""
    spacing = int(days * DAY / n)
    return factory.posts(sub, n, newest_utc=NOW - 3600, spacing=spacing)


# --------------------------------------------------------------------------- paging


def test_pages_through_every_listing_and_keeps_each_post_once() -> None:
    factory = PostFactory(seed=1)
    with RedditServer(CLIENT_ID, SECRET, page_size_max=20, listing_cap=60) as srv:
        posts = spread_posts(factory, "Advice", 200, days=700)
        srv.add_subreddit("Advice", posts)
        config = RedditFetchConfig(subreddits=("advice",))  # case differs from the server's
        df, report = fetch(srv, config)

        served = srv.served_ids("/r/advice")
        new_afters = srv.afters("/r/Advice/new")
    assert df["post_id"].is_unique
    assert set(df["post_id"]) == served  # everything served, once
    assert len(df) > 60  # the listings together get past the 60-item cap of each
    assert set(df["subreddit"]) == {"Advice"}
    # ``after`` paging: a first page, then the last fullname of each page, 20 at a time.
    assert len(new_afters) == 3 and new_afters[0] is None
    assert all(a is not None and a.startswith("t3_") for a in new_afters[1:])
    listings = report["subreddits"]["advice"]["listings"]
    assert listings["new"]["fetched"] == 60 and listings["new"]["requests"] == 3
    assert listings["new"]["new"] == 60
    assert listings["search"]["passes"] == len(config.search_queries)
    assert sum(v["new"] for v in listings.values()) == len(df)
    assert report["totals"]["duplicates"] > 0
    assert report["errors"] == []


def test_output_columns_dtypes_and_row_mapping(server: RedditServer) -> None:
    factory = PostFactory(seed=2)
    posts = spread_posts(factory, "relationship_advice", 60, days=20)
    server.add_subreddit("relationship_advice", posts)
    df, _ = fetch(server, RedditFetchConfig(subreddits=("relationship_advice",), listings=("new",)))

    assert list(df.columns) == list(COLUMNS)
    # the same columns and dtypes as the dump reader writes (one raw/posts.parquet contract)
    assert {c: str(t) for c, t in df.dtypes.items()} == DTYPES
    assert len(df) == 60
    keys = list(zip(df["created_utc"], df["post_id"], strict=True))
    assert keys == sorted(keys)
    assert (df["source_file"] == "reddit-api").all() and (df["source_line"] == 0).all()
    assert df["retrieved_utc"].between(NOW - 5, int(time.time()) + 5).all()

    by_id = df.set_index("post_id")
    for post in posts:
        row = by_id.loc[post["id"]]
        assert row["created_utc"] == int(post["created_utc"])
        assert row["title"] == post["title"] and row["score"] == post["score"]
        assert row["selftext"] == post["selftext"]
        assert row["author"] == post["author"]  # "[deleted]" kept, as the dump route does
        assert row["removed"] == (post["selftext"] == "[removed]")
        assert row["is_self"] == post["is_self"] and row["over_18"] == post["over_18"]
        if "crosspost_parent" in post:
            assert row["crosspost_parent"] == post["crosspost_parent"]
        else:
            assert pd.isna(row["crosspost_parent"])
        if post["distinguished"] is None:
            assert pd.isna(row["distinguished"])
    assert df["removed"].any() and (df["author"] == "[deleted]").any() and (~df["is_self"]).any()
    validate(df, RAW_POSTS)  # the stage's schema accepts the frame as is


def test_limit_per_listing_caps_requests(server: RedditServer) -> None:
    server.add_subreddit("Advice", spread_posts(PostFactory(seed=3), "Advice", 100, days=50))
    config = RedditFetchConfig(subreddits=("Advice",), listings=("new",), limit_per_listing=30)
    df, report = fetch(server, config)
    assert len(df) == 30
    assert server.hits("/r/Advice/new") == 2
    assert [r.query["limit"] for r in server.requests if r.path == "/r/advice/new"] == [
        "30",
        "10",
    ]  # asked 30, got 20 (server cap), then the rest
    assert report["subreddits"]["Advice"]["listings"]["new"]["stopped"] == ["limit"]


# --------------------------------------------------------------------------- time window


def test_time_window_filters_and_stops_paging_early(server: RedditServer) -> None:
    posts = spread_posts(PostFactory(seed=4), "Advice", 200, days=200)  # one a day
    server.add_subreddit("Advice", posts)
    since, until = NOW - 60 * DAY, NOW - 30 * DAY
    config = RedditFetchConfig(
        subreddits=("Advice",), listings=("new", "top:all", "search"), since=since, until=until
    )
    df, report = fetch(server, config)

    expected = {p["id"] for p in posts if since <= p["created_utc"] < until}
    assert df["created_utc"].between(since, until - 1).all()
    assert set(df["post_id"]) == expected  # "new" reaches the whole window
    listings = report["subreddits"]["Advice"]["listings"]
    assert listings["new"]["stopped"] == ["window"]
    # 200 posts at 20 a page would be 10 pages; the window ends about 60 posts down.
    assert server.hits("/r/Advice/new") == 4
    assert listings["new"]["out_of_window"] > 0
    # search sorted by new with the narrowest time filter covering the window
    searches = [r.query for r in server.requests if r.path == "/r/advice/search"]
    assert searches and all(q["sort"] == "new" and q["t"] == "year" for q in searches)
    assert all(q["restrict_sr"] == "on" for q in searches)


def test_listing_entirely_outside_the_window_is_not_requested(server: RedditServer) -> None:
    server.add_subreddit("Advice", spread_posts(PostFactory(seed=5), "Advice", 40, days=800))
    config = RedditFetchConfig(
        subreddits=("Advice",),
        listings=("top:month", "top:year", "top:all"),
        until=NOW - 400 * DAY,
    )
    df, report = fetch(server, config)
    assert server.hits("/r/Advice/top") == 2  # top:all only (two pages of 20)
    listings = report["subreddits"]["Advice"]["listings"]
    assert listings["top:month"]["stopped"] == listings["top:year"]["stopped"] == ["outside_window"]
    assert (df["created_utc"] < NOW - 400 * DAY).all()


# --------------------------------------------------------------------------- incremental


@pytest.mark.slow
def test_incremental_refresh_requests_only_the_first_overlapping_page(
    server: RedditServer,
) -> None:
    factory = PostFactory(seed=6)
    old = factory.posts("Advice", 120, newest_utc=NOW - 10 * DAY, spacing=3600)
    server.add_subreddit("Advice", old)
    config = RedditFetchConfig(subreddits=("Advice",), listings=("new", "search"))
    first, _ = fetch(server, config)
    assert len(first) == 120

    fresh = factory.posts("Advice", 30, newest_utc=NOW - 60, spacing=600)
    server.add_posts("Advice", fresh)
    server.reset_counters()
    time.sleep(1.1)  # so a refetched row would show a later retrieved_utc
    merged, report = fetch(server, config, existing=first)

    # 30 new posts at 20 a page: page 1 is all new, page 2 reaches the old ones; no page 3.
    assert server.hits("/r/Advice/new") == 2
    listings = report["subreddits"]["Advice"]["listings"]
    assert listings["new"] == {**listings["new"], "new": 30, "skipped": 10, "requests": 2}
    assert listings["new"]["stopped"] == ["incremental"]
    # each search query also stops at its first page that reaches the old posts
    assert listings["search"]["requests"] == server.hits("/r/Advice/search")
    assert listings["search"]["new"] == 0  # the fresh posts were all found by "new" first
    assert report["totals"]["added"] == 30 and report["totals"]["existing"] == 120
    assert len(merged) == 150 and merged["post_id"].is_unique
    assert set(merged["post_id"]) == {p["id"] for p in old + fresh}
    # old rows are kept as they were, not refetched
    kept = merged.set_index("post_id").loc[first["post_id"], "retrieved_utc"]
    assert (kept.to_numpy() == first["retrieved_utc"].to_numpy()).all()
    keys = list(zip(merged["created_utc"], merged["post_id"], strict=True))
    assert keys == sorted(keys)
    validate(merged, RAW_POSTS)


def test_incremental_refresh_skips_known_ids_in_top_listings(server: RedditServer) -> None:
    factory = PostFactory(seed=7)
    server.add_subreddit("Advice", factory.posts("Advice", 50, newest_utc=NOW - DAY, spacing=600))
    config = RedditFetchConfig(subreddits=("Advice",), listings=("top:all",))
    first, _ = fetch(server, config)
    server.add_posts("Advice", factory.posts("Advice", 5, newest_utc=NOW - 60, spacing=60))
    merged, report = fetch(server, config, existing=first)
    stats = report["subreddits"]["Advice"]["listings"]["top:all"]
    assert stats["new"] == 5 and stats["skipped"] == 50
    assert len(merged) == 55


def test_existing_frame_from_parquet_round_trips(server: RedditServer, tmp_path: Path) -> None:
    server.add_subreddit("Advice", spread_posts(PostFactory(seed=8), "Advice", 30, days=5))
    config = RedditFetchConfig(subreddits=("Advice",), listings=("new",))
    first, _ = fetch(server, config)
    path = tmp_path / "posts.parquet"
    validate(first, RAW_POSTS).to_parquet(path, index=False)
    merged, report = fetch(server, config, existing=pd.read_parquet(path))
    assert report["totals"]["added"] == 0 and len(merged) == 30
    assert list(merged.dtypes.astype(str)) == list(DTYPES.values())


# --------------------------------------------------------------------------- faults


@pytest.mark.slow
def test_server_error_then_success(server: RedditServer) -> None:
    posts = spread_posts(PostFactory(seed=9), "Advice", 50, days=10)  # newest first
    server.add_subreddit("Advice", posts)
    page_two, page_three = f"t3_{posts[19]['id']}", f"t3_{posts[39]['id']}"
    server.fail("/r/Advice/new", 500, after=page_two)
    config = RedditFetchConfig(subreddits=("Advice",), listings=("new",))
    df, report = fetch(server, config)
    assert len(df) == 50
    assert server.hits("/r/Advice/new", status=500) == 1
    assert server.afters("/r/Advice/new") == [None, page_two, page_two, page_three]
    assert report["errors"] == []
    assert report["rate_limit"]["prawcore_retries"] == 1  # prawcore retried it


@pytest.mark.slow
def test_persistent_server_error_is_reported_and_other_listings_go_on(
    server: RedditServer,
) -> None:
    server.add_subreddit("Advice", spread_posts(PostFactory(seed=10), "Advice", 30, days=10))
    server.fail("/r/Advice/new", 502, times=100)
    config = RedditFetchConfig(
        subreddits=("Advice",), listings=("new", "top:all"), server_error_retries=0
    )
    df, report = fetch(server, config)
    assert server.hits("/r/Advice/new") == 3  # prawcore's three attempts, then reported
    assert report["rate_limit"]["prawcore_retries"] == 2  # two pauses, no retry loop of ours
    assert len(df) == 30  # top:all still read
    assert report["subreddits"]["Advice"]["status"] == "partial"
    assert report["subreddits"]["Advice"]["listings"]["new"]["stopped"] == ["error"]
    [error] = report["errors"]
    assert error["listing"] == "new" and error["status"] == 502


def test_too_many_requests_is_retried_after_retry_after(server: RedditServer) -> None:
    server.add_subreddit("Advice", spread_posts(PostFactory(seed=11), "Advice", 50, days=10))
    server.fail("/r/Advice/top", 429, after=None, times=2, retry_after=0.2)
    config = RedditFetchConfig(subreddits=("Advice",), listings=("top:all",))
    df, report = fetch(server, config)
    assert len(df) == 50
    assert server.hits("/r/Advice/top", status=429) == 2
    assert server.afters("/r/Advice/top")[:3] == [None, None, None]  # same page retried
    assert report["rate_limit"]["retries_429"] == 2
    assert report["rate_limit"]["retry_wait_seconds"] == pytest.approx(0.4)
    assert report["errors"] == []


def test_too_many_requests_without_retry_after_backs_off_and_gives_up(
    server: RedditServer,
) -> None:
    server.add_subreddit("Advice", spread_posts(PostFactory(seed=12), "Advice", 30, days=10))
    server.fail("/r/Advice/new", 429, times=1000)
    config = RedditFetchConfig(
        subreddits=("Advice",),
        listings=("new", "top:all"),
        max_retries=3,
        backoff_base=0.01,
    )
    df, report = fetch(server, config)
    assert server.hits("/r/Advice/new") == 4  # one try and three retries: bounded
    assert report["rate_limit"]["retries_429"] == 3
    assert report["rate_limit"]["retry_wait_seconds"] == pytest.approx(0.01 + 0.02 + 0.04)
    [error] = report["errors"]
    assert error["status"] == 429 and error["error"] == "TooManyRequests"
    assert len(df) == 30  # top:all


@pytest.mark.slow
def test_rate_limit_headers_make_prawcore_wait_not_fail() -> None:
    with RedditServer(
        CLIENT_ID, SECRET, page_size_max=10, ratelimit_budget=3, ratelimit_window=1
    ) as srv:
        srv.add_subreddit("Advice", spread_posts(PostFactory(seed=13), "Advice", 50, days=10))
        config = RedditFetchConfig(subreddits=("Advice",), listings=("new",))
        df, report = fetch(srv, config)
        assert srv.hits("/r/Advice/new", status=429) == 0  # prawcore paced itself
    assert len(df) == 50  # 1 about + 5 pages = 6 requests on a budget of 3 a second
    assert report["rate_limit"]["waits"] >= 1
    assert 0 < report["rate_limit"]["wait_seconds"] < 6  # the sleeps the headers asked for


def test_banned_private_quarantined_and_missing_subreddits_are_skipped(
    server: RedditServer,
) -> None:
    server.add_subreddit("Advice", spread_posts(PostFactory(seed=14), "Advice", 25, days=10))
    server.add_subreddit("gone", state="banned")
    server.add_subreddit("secret_club", state="private")
    server.add_subreddit("edgy", state="quarantined")
    config = RedditFetchConfig(
        subreddits=("gone", "Advice", "secret_club", "edgy", "nosuchsub", "bad/name"),
        listings=("new", "top:all"),
    )
    df, report = fetch(server, config)
    assert len(df) == 25 and set(df["subreddit"]) == {"Advice"}
    reasons = {e["subreddit"]: (e["status"], e["reason"]) for e in report["errors"]}
    assert reasons == {
        "gone": (404, "banned"),
        "secret_club": (403, "private"),
        "edgy": (403, "quarantined"),
        "nosuchsub": (302, "not_found"),
        "bad/name": (None, None),
    }
    for name in ("gone", "secret_club", "edgy", "nosuchsub"):
        assert report["subreddits"][name]["status"] == "skipped"
        assert server.hits(f"/r/{name}/new") == server.hits(f"/r/{name}/top") == 0
    assert report["subreddits"]["Advice"]["status"] == "ok"


def test_no_readable_subreddit_is_an_error(server: RedditServer) -> None:
    server.add_subreddit("gone", state="banned")
    with pytest.raises(RedditFetchError, match="no subreddit could be read: r/gone about"):
        fetch(server, RedditFetchConfig(subreddits=("gone",)))


@pytest.mark.slow
def test_unreachable_reddit_is_an_error() -> None:
    with RedditServer(CLIENT_ID, SECRET) as srv:
        url = srv.url
    config = RedditFetchConfig(subreddits=("Advice",), listings=("new",))
    session = requests.Session()
    session.trust_env = False
    reddit = make_reddit(
        config, oauth_url=url, reddit_url=url, timeout=2, requestor_kwargs={"session": session}
    )
    with pytest.raises(RedditFetchError, match="cannot reach Reddit"):
        fetch_posts(reddit, config, progress=False)


# --------------------------------------------------------------------------- credentials


def test_missing_client_id_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("praw_client_id")
    with pytest.raises(RedditConfigError) as info:
        make_reddit(RedditFetchConfig(subreddits=("Advice",)))
    message = str(info.value)
    assert "'client_id'" in message and "praw_client_id" in message and "praw.ini" in message
    assert SECRET not in message


def test_missing_client_secret_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("praw_client_secret")
    with pytest.raises(RedditConfigError, match="'client_secret'.*praw_client_secret"):
        make_reddit(RedditFetchConfig(subreddits=("Advice",)))


def test_unknown_praw_ini_site_is_a_clear_error() -> None:
    with pytest.raises(RedditConfigError, match=r"praw.ini has no site \[nope\]"):
        make_reddit(RedditFetchConfig(subreddits=("Advice",), site_name="nope"))


def test_praw_ini_site_points_praw_at_the_server(
    server: RedditServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("praw_client_id")
    monkeypatch.delenv("praw_client_secret")
    (tmp_path / "praw.ini").write_text(
        "[valact-test]\n"
        f"client_id={CLIENT_ID}\n"
        f"client_secret={SECRET}\n"
        f"oauth_url={server.url}\n"
        f"reddit_url={server.url}\n"
        "timeout=5\n"
    )
    server.add_subreddit("Advice", spread_posts(PostFactory(seed=15), "Advice", 10, days=3))
    config = RedditFetchConfig(subreddits=("Advice",), listings=("new",), site_name="valact-test")
    session = requests.Session()
    session.trust_env = False
    reddit = make_reddit(config, requestor_kwargs={"session": session})
    assert reddit.read_only
    df, _ = fetch_posts(reddit, config, progress=False)
    assert len(df) == 10


def test_rejected_credentials_are_a_clear_error(server: RedditServer) -> None:
    server.set_secret("another-secret")
    server.add_subreddit("Advice", [])
    with pytest.raises(RedditAuthError, match="refused the client credentials") as info:
        fetch(server, RedditFetchConfig(subreddits=("Advice",)))
    assert SECRET not in str(info.value)


def test_secrets_never_in_report_or_logs(
    server: RedditServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # everything: praw, prawcore, urllib3, ours
    prawcore_level = logging.getLogger("prawcore").level
    server.add_subreddit("Advice", spread_posts(PostFactory(seed=16), "Advice", 45, days=10))
    server.add_subreddit("gone", state="banned")
    server.fail("/r/Advice/new", 500, after=None)
    server.fail("/r/Advice/top", 429, retry_after=0)
    df, report = fetch(server, RedditFetchConfig(subreddits=("Advice", "gone")))
    assert len(df) == 45 and report["errors"]
    tokens = server.issued_tokens()
    assert tokens
    text = caplog.text + json.dumps(report)
    for secret in (SECRET, *tokens):
        assert secret not in text
    assert "bearer" not in text.lower()
    assert logging.getLogger("prawcore").level == prawcore_level  # restored
    assert "Sleeping" in caplog.text or "Retrying" in caplog.text  # prawcore did log


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"subreddits": ()}, "no subreddits"),
        ({"listings": ("top:decade",)}, "time filter"),
        ({"listings": ("best",)}, "unknown listing"),
        ({"since": 10, "until": 5}, "empty time window"),
        ({"limit_per_listing": 0}, "limit_per_listing"),
        ({"search_queries": ()}, "search query"),
    ],
)
def test_config_is_validated(kwargs: dict[str, Any], match: str) -> None:
    base: dict[str, Any] = {"subreddits": ("Advice",)}
    with pytest.raises(RedditConfigError, match=match):
        RedditFetchConfig(**{**base, **kwargs})


def test_config_dedupes_subreddits_case_insensitively() -> None:
    config = RedditFetchConfig(subreddits=("Advice", "advice", "family", "Advice"))
    assert config.subreddits == ("Advice", "family")


def test_config_accepts_lists_from_params() -> None:
    config = RedditFetchConfig(subreddits=["Advice"], listings=["new", "top"])  # type: ignore[arg-type]
    assert config.subreddits == ("Advice",) and config.listings == ("new", "top")


# --------------------------------------------------------------------------- one adapter

ASKWOMEN = REDDIT_DUMPS / "AskWomen_submissions_2019-10.zst"
#: Columns that say how a row was fetched, not what the post is: the API route's
#: ``retrieved_utc`` is the time of its request, its ``source_file`` is ``reddit-api``.
FETCH_COLUMNS = ["retrieved_utc", "source_file", "source_line"]


def _askwomen_records(n: int) -> list[dict[str, Any]]:
    if not ASKWOMEN.is_file():
        pytest.skip(f"real Reddit dump {ASKWOMEN.name} not found in {REDDIT_DUMPS}")
    raw = (
        zstandard.ZstdDecompressor(max_window_size=2**31)
        .decompressobj()
        .decompress(ASKWOMEN.read_bytes())
    )
    return [orjson.loads(line) for line in raw.split(b"\n")[:n]]


def _edge_cases(real: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Real posts changed where the two routes used to disagree, one change each."""
    changes: list[dict[str, Any]] = [
        {"title": "[deleted]"},  # removed by the dump's rule (the API route once said no)
        {"selftext": " [removed] "},  # not exactly the marker: not removed by itself
        {"author": "[deleted]"},  # kept as written (the API route once made it null)
        {"link_flair_text": "", "url": ""},  # kept "" (the API route once made them null)
        {"is_self": None, "domain": "self.AskWomen", "selftext": ""},  # inferred self post
        {"over_18": "false", "stickied": "true"},  # strings read as booleans
        {"subreddit": None},  # recovered from subreddit_name_prefixed
    ]
    # new ids: each is a post of its own, not a rescan of the real one
    return [
        {**post, **change, "id": f"zz{number:04d}"}
        for number, (post, change) in enumerate(zip(real, changes, strict=False))
    ]


def test_a_submission_gives_the_same_row_by_the_dump_and_the_api_route(
    server: RedditServer, tmp_path: Path
) -> None:
    real = _askwomen_records(150)
    records = real + _edge_cases(real)
    dump = tmp_path / "RS_askwomen.jsonl"
    dump.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    by_dump, _ = read_dumps([dump], progress=False, workers=1)
    server.add_subreddit("AskWomen", records)
    config = RedditFetchConfig(subreddits=("AskWomen",), listings=("new",), limit_per_listing=None)
    by_api, report = fetch(server, config)

    assert report["subreddits"]["AskWomen"]["listings"]["new"]["malformed"] == 0
    assert len(by_dump) == len(by_api) == len(records)
    pd.testing.assert_frame_equal(
        by_api.drop(columns=FETCH_COLUMNS), by_dump.drop(columns=FETCH_COLUMNS)
    )
    assert (by_api["source_file"] == SOURCE_FILE).all()
    assert by_api["retrieved_utc"].between(NOW - 5, int(time.time()) + 5).all()
    # the real data holds every kind of deletion; the edge cases came through as meant
    rows = by_api.set_index("post_id")
    assert rows.loc["zz0000", "removed"] and not rows.loc["zz0001", "removed"]
    assert rows.loc["zz0002", "author"] == "[deleted]" and rows.loc["zz0003", "url"] == ""
    assert rows.loc["zz0004", "is_self"] and rows.loc["zz0006", "subreddit"] == "AskWomen"
    assert not rows.loc["zz0005", "over_18"] and rows.loc["zz0005", "stickied"]
    assert set(by_api["selftext"]) >= {"[removed]", "[deleted]"}
    validate(by_api, RAW_POSTS)


def test_info_json_goes_through_the_same_adapter(server: RedditServer) -> None:
    """``/api/info`` answers with the listings' ``t3`` children: same rows, same rules."""
    posts = spread_posts(PostFactory(seed=21), "Advice", 30, days=3)
    server.add_subreddit("Advice", posts)
    deleted = server.delete_post(posts[0]["id"])
    config = RedditFetchConfig(subreddits=("Advice",), listings=("new",))
    listed, _ = fetch(server, config)
    reddit = reddit_for(server, config)
    fullnames = ",".join(f"t3_{p['id']}" for p in posts)
    payload = reddit.request(method="GET", path="/api/info", params={"id": fullnames})
    rows = [submission_row(child, NOW) for child in payload["data"]["children"]]
    assert None not in rows
    by_info = posts_frame([r for r in rows if r is not None])
    pd.testing.assert_frame_equal(
        by_info.drop(columns=FETCH_COLUMNS), listed.drop(columns=FETCH_COLUMNS)
    )
    row = by_info.set_index("post_id").loc[deleted["id"]]
    assert row["removed"] and row["author"] == "[deleted]"
    assert submission_row({"kind": "t1", "data": posts[1]}, NOW) is None  # a comment
    assert submission_row({"kind": "t3", "data": {"title": "no id"}}, NOW) is None
