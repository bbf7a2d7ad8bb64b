"""Tests for scripts/generate_sample.py, the synthetic Reddit sample in raw/sample/."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path
from random import Random
from types import ModuleType
from typing import Any

import orjson
import pytest
import zstandard
from rapidfuzz import fuzz, utils

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "generate_sample.py"
COMMITTED = REPO_ROOT / "raw" / "sample" / "RS_valact_sample.zst"
COMMITTED_TRUTH = REPO_ROOT / "raw" / "sample" / "sample_truth.jsonl"

Record = dict[str, Any]


def _load() -> ModuleType:
    name = "valact_generate_sample"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


gs = _load()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The default-size sample written once to a temporary folder."""
    out = tmp_path_factory.mktemp("sample") / "RS_valact_sample.zst"
    return gs.write_sample(out)


@pytest.fixture(scope="module")
def records(written: Any) -> list[Record]:
    return _read_lines(written.out)


@pytest.fixture(scope="module")
def truth(written: Any) -> list[Record]:
    return [orjson.loads(line) for line in written.truth.read_bytes().splitlines()]


@pytest.fixture(scope="module")
def by_id(records: list[Record]) -> dict[str, Record]:
    return {r["id"]: r for r in records}


def _read_lines(path: Path) -> list[Record]:
    """Stream the dump the way a real reader does (text wrapper over a long-window reader)."""
    out: list[Record] = []
    with path.open("rb") as fh:
        reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(fh)
        for line in io.TextIOWrapper(reader, encoding="utf-8"):
            if line.strip():
                out.append(json.loads(line))
    return out


def _text(rec: Record) -> str:
    return f"{rec.get('title', '')}\n{rec.get('selftext', '')}"


# ------------------------------------------------------------------------ file format


@pytest.mark.slow
def test_deterministic_bytes(tmp_path: Path, written: Any) -> None:
    again = gs.write_sample(tmp_path / "RS_valact_sample.zst")
    assert again.out.read_bytes() == written.out.read_bytes()
    assert again.truth.read_bytes() == written.truth.read_bytes()
    other = gs.write_sample(tmp_path / "other" / "RS.zst", n=120, seed=14)
    assert other.truth.read_bytes() != written.truth.read_bytes()


def test_long_window_and_every_line_parses(written: Any, records: list[Record]) -> None:
    blob = written.out.read_bytes()
    params = zstandard.get_frame_parameters(blob)
    assert params.window_size == 2**31
    with pytest.raises(zstandard.ZstdError):  # a reader without the long window fails
        zstandard.ZstdDecompressor().decompressobj().decompress(blob)
    raw = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(
        io.BytesIO(blob)
    ).read()
    lines = raw.split(b"\n")
    assert not raw.endswith(b"\n"), "last line deliberately has no newline"
    assert all(lines), "no blank lines"
    assert len(lines) == len(records) == written.records
    assert [orjson.loads(x) for x in lines] == records


def test_records_sorted_by_time_and_ids_grow(records: list[Record]) -> None:
    created = [int(float(r["created_utc"])) for r in records]
    assert created == sorted(created)
    assert all(gs.START_UTC <= c <= gs.END_UTC for c in created)
    nums = [int(r["id"], 36) for r in records]
    assert nums == sorted(nums)


def test_ids_unique_and_reddit_shaped(records: list[Record]) -> None:
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-z]{6,7}", i) for i in ids)
    assert {len(i) for i in ids} == {6, 7}
    for r in records:
        assert r["_synthetic"] is True
        assert r["name"] == f"t3_{r['id']}"
        sub = r.get("subreddit")
        assert r["permalink"].startswith(f"/r/{sub}/comments/{r['id']}/" if sub else "/r/u_")
        assert r["permalink"].endswith("/")
        if r["is_self"]:
            assert r["url"] == f"https://www.reddit.com{r['permalink']}"


def test_committed_sample_matches_generator(tmp_path: Path) -> None:
    if not COMMITTED.exists():
        pytest.skip("raw/sample/RS_valact_sample.zst is not there")
    fresh = gs.write_sample(tmp_path / COMMITTED.name)
    assert fresh.out.read_bytes() == COMMITTED.read_bytes(), (
        "raw/sample is stale: rerun `python scripts/generate_sample.py`"
    )
    assert fresh.truth.read_bytes() == COMMITTED_TRUTH.read_bytes()
    assert COMMITTED.stat().st_size < 300_000


def test_cli_writes_truth_next_to_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x" / "RS_small.zst"
    assert gs.main(["--n", "80", "--seed", "2", "--out", str(out)]) == 0
    assert out.exists() and (out.parent / "sample_truth.jsonl").exists()
    assert "synthetic records" in capsys.readouterr().out


# ------------------------------------------------------------------------ kinds and truth


def test_every_kind_present_in_sensible_shares(truth: list[Record]) -> None:
    counts = Counter(t["kind"] for t in truth)
    assert set(counts) == set(gs.KINDS)
    total = sum(counts.values())
    assert 360 <= total <= 440
    assert 0.55 <= counts["advice"] / total <= 0.70
    assert counts["stickied"] >= 2 and counts["automod"] >= 2
    assert {t["lang"] for t in truth if t["kind"] == "non_english"} == {"es", "de", "fr", "pt"}


def test_truth_matches_records(truth: list[Record], by_id: dict[str, Record]) -> None:
    assert [t["id"] for t in truth] == sorted(by_id)
    for t in truth:
        rec = by_id[t["id"]]
        kind = t["kind"]
        assert set(t) >= {"id", "kind", "dup_of", "pii", "lang"}
        assert (t["dup_of"] is not None) == (kind in ("exact_dup", "near_dup"))
        assert rec.get("subreddit") == t["subreddit"]
        if kind == "deleted":
            assert rec["selftext"] == "[deleted]" and rec["author"] == "[deleted]"
        elif kind == "removed":
            assert rec["selftext"] == "[removed]" or rec["removed_by_category"] is not None
        elif kind == "nsfw":
            assert rec["over_18"] is True
        elif kind == "link":
            assert rec["is_self"] is False and rec["selftext"] == ""
            assert not rec["url"].startswith("https://www.reddit.com")
        elif kind == "stickied":
            assert rec["stickied"] is True and rec["distinguished"] == "moderator"
        elif kind == "automod":
            assert rec["author"] == "AutoModerator"
        elif kind == "too_short":
            assert len(rec["selftext"].split()) < 10
        elif kind == "non_english":
            assert t["lang"] in ("es", "de", "fr", "pt")
        elif kind == "sensitive":
            assert re.search(r"kill myself|suicide|ending it|hurting myself|alive anymore|"
                             r"better off if I wasn't here", rec["selftext"])
        if kind not in ("nsfw",):
            assert rec["over_18"] is False
        if kind not in ("deleted", "removed"):
            assert rec["removed_by_category"] is None


def test_duplicates_point_back_to_earlier_advice(
    truth: list[Record], by_id: dict[str, Record]
) -> None:
    kinds = {t["id"]: t["kind"] for t in truth}
    for t in truth:
        if t["dup_of"] is None:
            continue
        rec, orig = by_id[t["id"]], by_id[t["dup_of"]]
        assert kinds[t["dup_of"]] == "advice"
        assert rec["id"] != orig["id"]
        assert int(float(rec["created_utc"])) > int(float(orig["created_utc"]))
        if t["kind"] == "exact_dup":
            assert (rec["title"], rec["selftext"]) == (orig["title"], orig["selftext"])
        else:
            assert rec["selftext"] != orig["selftext"]
            a, b = utils.default_process(rec["selftext"]), utils.default_process(orig["selftext"])
            assert fuzz.token_set_ratio(a, b) >= 90
            assert fuzz.ratio(a, b) >= 85


def test_field_drift_is_present(records: list[Record], truth: list[Record]) -> None:
    created_types = Counter(type(r["created_utc"]).__name__ for r in records)
    assert created_types["str"] >= 2 and created_types["float"] >= 2
    assert sum(1 for r in records if "score" in r and r["score"] is None) >= 2
    assert sum(1 for r in records if "score" not in r) >= 2
    edited = [r["edited"] for r in records]
    assert any(e is False for e in edited)
    assert any(type(e) is int and e == 0 for e in edited)
    assert any(type(e) is int and e > 0 for e in edited)
    assert any("retrieved_utc" in r for r in records)
    assert any("retrieved_on" in r for r in records)
    no_sub = [r["id"] for r in records if "subreddit" not in r]
    assert len(no_sub) >= 2
    kinds = {t["id"]: t["kind"] for t in truth}
    assert all(kinds[i] == "off_topic" for i in no_sub)
    cats = Counter(r["removed_by_category"] for r in records)
    assert {None, "deleted", "moderator", "reddit"} <= set(cats)
    assert {r["distinguished"] for r in records} == {None, "moderator"}


# ------------------------------------------------------------------------ advice posts


def test_advice_posts_look_like_advice(truth: list[Record], by_id: dict[str, Record]) -> None:
    subs = Counter()
    for t in truth:
        if t["kind"] != "advice":
            continue
        rec = by_id[t["id"]]
        words = len(rec["selftext"].split())
        assert 60 <= words <= 300, (rec["id"], words)
        assert "?" in rec["selftext"] or "?" in rec["title"]
        assert re.search(r"\b(I|I'm|I've|my|My)\b", rec["selftext"])
        assert t["lang"] == "en" and t["values"] and len(t["values"]) == 2
        subs[rec["subreddit"]] += 1
    assert set(subs) == set(gs.ADVICE_SUBREDDITS)
    assert len({t["subkind"] for t in truth if t["kind"] == "advice"}) >= 40


def test_advice_posts_carry_value_cues() -> None:
    text = " ".join(p.selftext.lower() for p in gs.generate_advice_posts(400, 3))
    for cue in ("freedom", "adventure", "fun", "career", "status", "stability", "rules",
                "tradition", "family", "fairness", "environment"):
        assert cue in text, cue


def test_advice_bodies_are_diverse_at_scale() -> None:
    """Random pairs of distinct generated posts are not near duplicates (token_set_ratio)."""
    posts = gs.generate_advice_posts(2000, 21)
    bodies = [utils.default_process(p.selftext) for p in posts]
    assert len(set(bodies)) == len(bodies)
    rng = Random(0)
    scores = []
    for _ in range(5000):
        i, j = rng.sample(range(len(bodies)), 2)
        scores.append(fuzz.token_set_ratio(bodies[i], bodies[j]))
    high = sum(s >= 80 for s in scores)
    assert high <= len(scores) * 0.001, f"{high} of {len(scores)} pairs score >= 80"
    scores.sort()
    assert scores[len(scores) // 2] < 65  # typical pairs are far apart


def test_every_template_renders() -> None:
    """Each slot in every pool has a value (a typo would only show up at random)."""
    pools = [
        gs.OPENERS, gs.FEELINGS, gs.OPINIONS, gs.CONSTRAINTS, gs.REFLECTIONS, gs.ASIDES,
        gs.EITHER_OR, gs.GENERIC_QUESTIONS, gs.AITA_CLOSINGS, gs.SIGNOFFS, gs.TLDRS,
        gs.ADVICE_TITLES, gs.AITA_TITLES, gs.LIFE_DETAILS, gs.NSFW_LINES,
        *gs.DOMAIN_COLOR.values(), *gs.VALUE_PULLS.values(), *gs.VALUE_CUES.values(),
        *gs.PII_TEMPLATES.values(),
    ]
    for frame in gs.FRAMES:
        ctx = gs.build_context(Random(frame.key), frame)
        ctx["x"] = "X"
        own = [frame.a, frame.b, frame.topic, frame.aita, frame.pa, frame.pb, *frame.beats]
        for pool in [*own, *pools]:
            for template in pool:
                assert "{" not in template.format_map(ctx), template


# ------------------------------------------------------------------------ personal data


def test_planted_pii_appears_verbatim(truth: list[Record], by_id: dict[str, Record]) -> None:
    types: Counter[str] = Counter()
    for t in truth:
        for item in t["pii"]:
            assert item["type"] in gs.PII_TYPES
            assert item["text"] in _text(by_id[t["id"]]), (t["id"], item)
            types[item["type"]] += 1
    assert set(types) == set(gs.PII_TYPES)
    advice = [t for t in truth if t["kind"] == "advice"]
    share = sum(1 for t in advice if t["pii"]) / len(advice)
    assert 0.10 <= share <= 0.20
    phones = {i["text"] for t in truth for i in t["pii"] if i["type"] == "phone"}
    assert any(p.startswith("+44") for p in phones) and any(p.startswith("+49") for p in phones)
    assert any(p.startswith("07700") for p in phones) and any(p.startswith("(") for p in phones)
    users = {i["text"] for t in truth for i in t["pii"] if i["type"] == "username"}
    assert any(u.startswith("u/") for u in users) and any(u.startswith("/u/") for u in users)


def test_no_unlisted_pii_like_strings(truth: list[Record], by_id: dict[str, Record]) -> None:
    """Text outside the planted strings has no emails, links, handles or planted names."""
    names = set(gs.FIRST_NAMES_F + gs.FIRST_NAMES_M)
    for t in truth:
        text = _text(by_id[t["id"]])
        for item in t["pii"]:
            text = text.replace(item["text"], " ")
        assert not re.search(r"@|https?://|www\.|\bu/|\d{3}[-.\s]\d{4}", text), (t["id"], text)
        words = set(re.findall(r"[A-Z][a-z]+", text))
        assert not words & names, (t["id"], words & names)


def test_generation_scales() -> None:
    records, truth = gs.generate_sample(1500, 5)
    assert len(records) == len(truth) > 1500
    assert len({r["id"] for r in records}) == len(records)
    counts = Counter(t["kind"] for t in truth)
    assert counts["advice"] / len(truth) > 0.55
