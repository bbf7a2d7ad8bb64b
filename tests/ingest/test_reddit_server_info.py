"""The Reddit emulator's ``GET /api/info``, driven by the real praw client.

``praw.Reddit.info(fullnames=...)`` asks ``/api/info/?id=t3_a,t3_b,...`` in chunks of 100;
the emulator answers the known posts in the order asked and leaves the rest out. Posts are
deleted or removed after the fact with ``delete_post`` / ``remove_post``. praw talks to the
server on loopback only (``oauth_url`` / ``reddit_url``, a requests session with
``trust_env=False``), never to the real network.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from types import SimpleNamespace

import praw
import praw.config
import prawcore
import prawcore.sessions
import pytest
import requests

from servers.reddit_server import INFO_PATH, PostFactory, RedditServer, RequestRecord

CLIENT_ID = "info-test-client"
SECRET = "info-test-secret"
NOW = int(time.time())


pytestmark = pytest.mark.usefixtures("isolated_praw")  # tests/conftest.py


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """prawcore's retry pauses without their random part (0 s, then 2 s), to stay fast.

    Only prawcore's reference to ``random`` is replaced, not the ``random`` module.
    """
    monkeypatch.setattr(prawcore.sessions, "random", SimpleNamespace(random=lambda: 0.0))


@pytest.fixture
def server() -> Iterator[RedditServer]:
    factory = PostFactory(seed=3)
    with RedditServer(CLIENT_ID, SECRET) as srv:
        srv.add_subreddit("Advice", factory.posts("Advice", 150, newest_utc=NOW))
        srv.add_subreddit("AmItheAsshole", factory.posts("AmItheAsshole", 60, newest_utc=NOW))
        yield srv


@pytest.fixture
def reddit(server: RedditServer) -> praw.Reddit:
    session = requests.Session()
    session.trust_env = False
    return praw.Reddit(
        client_id=CLIENT_ID,
        client_secret=SECRET,
        user_agent="valact-tests/info (emulator)",
        oauth_url=server.url,
        reddit_url=server.url,
        timeout=5,
        check_for_updates=False,
        check_for_async=False,
        requestor_kwargs={"session": session},
    )


def known_fullnames(srv: RedditServer) -> list[str]:
    return [f"t3_{p['id']}" for sub in srv.subreddits.values() for p in sub.posts]


def info_gets(srv: RedditServer) -> list[RequestRecord]:
    return [r for r in srv.requests if r.method == "GET" and r.path == INFO_PATH]


# --------------------------------------------------------------------------- lookups


def test_info_250_fullnames_known_ones_in_order_in_three_requests(
    server: RedditServer, reddit: praw.Reddit
) -> None:
    rng = random.Random(7)
    known = known_fullnames(server)  # 210 posts in two subreddits
    unknown = [f"t3_zz{i:03d}" for i in range(36)] + [
        "t1_abcdef",  # a comment: not held, left out
        "t5_2qh1i",  # a subreddit: not emulated, left out
        "not-a-fullname",
        "T3_UPPER",
    ]
    asked = rng.sample(known, 210) + unknown
    rng.shuffle(asked)
    assert len(asked) == 250

    got = list(reddit.info(fullnames=asked))

    expected = [f for f in asked if f in set(known)]
    assert [s.fullname for s in got] == expected
    assert all(isinstance(s, praw.models.Submission) for s in got)
    assert {s.subreddit.display_name for s in got} == {"Advice", "AmItheAsshole"}

    batches = server.info_batches()
    assert [len(b) for b in batches] == [100, 100, 50]
    assert [i for b in batches for i in b] == asked  # praw's chunks, in order
    gets = info_gets(server)
    assert all(r.status == 200 and r.authorized for r in gets)
    assert all(r.query.get("raw_json") == "1" for r in gets)
    assert [i for r in gets for i in r.ids] == [f[3:] for f in expected]  # recorded
    assert server.served_ids(INFO_PATH) == {f[3:] for f in expected}
    assert server.hits("/api/info/") == 3  # trailing slash as praw sends it
    # prawcore read the rate-limit headers of the /api/info answers
    assert reddit.auth.limits["used"] == 3
    assert reddit.auth.limits["remaining"] == server.ratelimit_budget - 3


def test_info_fields_and_duplicates(server: RedditServer, reddit: praw.Reddit) -> None:
    post = server.subreddits["advice"].posts[4]
    fullname = f"t3_{post['id']}"
    got = list(reddit.info(fullnames=[fullname, "t3_unknown", fullname]))
    assert [s.id for s in got] == [post["id"], post["id"]]  # asked twice, answered twice
    sub = got[0]
    assert sub.title == post["title"]
    assert sub.selftext == post["selftext"]
    assert sub.created_utc == post["created_utc"]
    assert sub.removed_by_category == post["removed_by_category"]
    assert list(reddit.info(fullnames=[])) == []
    assert list(reddit.info(fullnames=["t3_nothing"])) == []
    assert [len(b) for b in server.info_batches()] == [3, 1]  # no request for no ids


def test_info_raw_json_shape(server: RedditServer, reddit: praw.Reddit) -> None:
    ids = [f"t3_{p['id']}" for p in server.subreddits["advice"].posts[:3]]
    body = reddit.request(method="GET", path="/api/info", params={"id": ",".join(ids)})
    assert body["kind"] == "Listing"
    data = body["data"]
    assert data["after"] is None and data["before"] is None
    assert data["dist"] == 3
    assert [c["kind"] for c in data["children"]] == ["t3"] * 3
    assert [c["data"]["name"] for c in data["children"]] == ids


def test_more_than_100_ids_is_a_400_and_100_is_fine(
    server: RedditServer, reddit: praw.Reddit
) -> None:
    known = known_fullnames(server)
    assert len(list(reddit.info(fullnames=known[:100]))) == 100
    # praw turns a 400 with a "reason" into a RedditAPIException of that error type
    with pytest.raises(praw.exceptions.RedditAPIException) as raised:
        reddit.get("/api/info/", params={"id": ",".join(known[:101])})
    assert raised.value.items[0].error_type == "TOO_MANY_THING_IDS"
    with pytest.raises(praw.exceptions.RedditAPIException) as raised:
        list(reddit.info(url="https://example.org/article/x"))
    assert raised.value.items[0].error_type == "NOT_EMULATED"
    assert [r.status for r in info_gets(server)] == [200, 400, 400]


def test_info_needs_a_token(server: RedditServer) -> None:
    session = requests.Session()
    session.trust_env = False
    ident = server.subreddits["advice"].posts[0]["id"]
    response = session.get(f"{server.url}/api/info?id=t3_{ident}", timeout=5)
    assert response.status_code == 401
    assert info_gets(server)[-1].authorized is False


# --------------------------------------------------------------------------- deleted / removed


def test_deleted_and_removed_posts_as_praw_sees_them(
    server: RedditServer, reddit: praw.Reddit
) -> None:
    posts = [
        p
        for p in server.subreddits["advice"].posts
        if p["is_self"] and p["author"] != "[deleted]" and p["removed_by_category"] is None
    ]
    deleted, removed, takedown, untouched = posts[:4]
    before = dict(deleted)

    after = server.delete_post(deleted["id"])
    assert after["author"] == "[deleted]" and after["title"] == before["title"]
    server.remove_post(f"t3_{removed['id']}")  # the fullname works too
    server.remove_post(takedown["id"], category="copyright_takedown")

    ids = [f"t3_{p['id']}" for p in (deleted, removed, takedown, untouched)]
    got = {s.id: s for s in reddit.info(fullnames=ids)}
    assert len(got) == 4  # changed posts are still answered

    d = got[deleted["id"]]
    assert d.author is None  # praw turns "[deleted]" into None
    assert d.selftext == "[deleted]"
    assert d.removed_by_category == "deleted"
    assert d.title == before["title"] and d.score == before["score"]

    r = got[removed["id"]]
    assert r.author is not None and r.author.name == removed["author"]  # author unchanged
    assert r.selftext == "[removed]"
    assert r.removed_by_category == "moderator"

    t = got[takedown["id"]]
    assert t.author.name == takedown["author"]
    assert (t.selftext, t.removed_by_category) == ("[removed]", "copyright_takedown")

    u = got[untouched["id"]]
    assert u.author.name == untouched["author"]
    assert u.selftext == untouched["selftext"] and u.removed_by_category is None

    # the listings serve the changed post as well
    newest = {s.id: s for s in reddit.subreddit("Advice").new(limit=100)}
    assert newest[deleted["id"]].selftext == "[deleted]"


def test_delete_and_remove_clear_extra_fields_and_check_input(server: RedditServer) -> None:
    post = server.subreddits["advice"].posts[0]
    post.update(
        author_fullname="t2_abc",
        author_flair_text="flair",
        selftext_html="<p>old text</p>",
        is_robot_indexable=True,
    )
    deleted = server.delete_post(post["id"])
    assert "author_fullname" not in deleted
    assert deleted["author_flair_text"] is None
    assert deleted["selftext_html"] is None
    assert deleted["is_robot_indexable"] is False

    other = server.subreddits["advice"].posts[1]
    other.update(selftext_html="<p>old</p>", author_fullname="t2_def")
    removed = server.remove_post(other["id"], "anti_evil_ops")
    assert removed["selftext_html"] is None
    assert removed["author_fullname"] == "t2_def"  # the author stays
    assert removed["removed_by_category"] == "anti_evil_ops"

    with pytest.raises(KeyError):
        server.delete_post("t3_nosuchpost")
    with pytest.raises(KeyError):
        server.remove_post("nosuchpost")
    with pytest.raises(ValueError, match="removal category"):
        server.remove_post(other["id"], "deleted")  # that is delete_post


# --------------------------------------------------------------------------- faults


def test_a_500_on_info_is_retried_by_prawcore(server: RedditServer, reddit: praw.Reddit) -> None:
    known = known_fullnames(server)[:150]
    server.fail("/api/info", 500)
    got = list(reddit.info(fullnames=known))
    assert [s.fullname for s in got] == known
    assert [r.status for r in info_gets(server)] == [500, 200, 200]
    assert [len(b) for b in server.info_batches()] == [100, 100, 50]  # first chunk twice


@pytest.mark.slow
def test_a_persistent_5xx_on_info_is_raised_after_three_attempts(
    server: RedditServer, reddit: praw.Reddit
) -> None:
    server.fail("/api/info", 502, times=100)
    with pytest.raises(prawcore.exceptions.ServerError):
        list(reddit.info(fullnames=known_fullnames(server)[:10]))
    assert server.hits(INFO_PATH, status=502) == 3
    assert server.hits(INFO_PATH) == 3


def test_a_429_on_info_is_raised_not_retried(server: RedditServer, reddit: praw.Reddit) -> None:
    known = known_fullnames(server)
    gen = reddit.info(fullnames=known)
    assert [next(gen).fullname for _ in range(100)] == known[:100]  # first chunk answered
    # the second chunk meets a 429: prawcore raises it at once, with its Retry-After
    server.fail(INFO_PATH, 429, retry_after=30)
    with pytest.raises(prawcore.exceptions.TooManyRequests) as raised:
        next(gen)
    assert raised.value.retry_after == "30"
    assert [r.status for r in info_gets(server)] == [200, 429]


def test_over_budget_info_answers_429() -> None:
    factory = PostFactory(seed=1)
    with RedditServer(CLIENT_ID, SECRET, ratelimit_budget=1, ratelimit_window=600) as srv:
        srv.add_subreddit("Advice", factory.posts("Advice", 5, newest_utc=NOW))
        session = requests.Session()
        session.trust_env = False
        small = praw.Reddit(
            client_id=CLIENT_ID,
            client_secret=SECRET,
            user_agent="valact-tests/info (emulator)",
            oauth_url=srv.url,
            reddit_url=srv.url,
            timeout=5,
            check_for_updates=False,
            check_for_async=False,
            requestor_kwargs={"session": session},
        )
        ids = known_fullnames(srv)
        assert len(list(small.info(fullnames=ids))) == 5
        # a client that ignores the headers (raw requests with a valid token) is refused
        token = srv.issued_tokens()[0]
        response = session.get(
            f"{srv.url}/api/info",
            params={"id": ",".join(ids)},
            headers={"Authorization": f"bearer {token}"},
            timeout=5,
        )
        assert response.status_code == 429
        assert response.headers["x-ratelimit-remaining"] == "0.0"
        assert srv.hits(INFO_PATH, status=429) == 1
