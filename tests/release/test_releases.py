"""Releases that extend instead of reshuffling: stable ids, the previous release kept,
withdrawals, the changelog, ``valact diff``, and ``created_month`` for ``--after``.

Builds run the real stages (annotate offline -> review -> assemble -> build) on synthetic
posts; a release is the folder build writes, copied aside as a maintainer would.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.annotate.stage import run as annotate
from pipeline.artifacts import write_frame
from pipeline.assemble.stage import AssemblyError
from pipeline.assemble.stage import run as assemble_run
from pipeline.build.stage import ReleaseError
from pipeline.build.stage import run as build_run
from pipeline.cli import app
from pipeline.params import Params
from pipeline.release.ids import option_id, scenario_id
from pipeline.release.previous import ReleaseReadError, read_folder, resolve
from pipeline.release.withdrawals import (
    WithdrawalsError,
    append_withdrawals,
    make_withdrawal,
    read_withdrawals,
)
from pipeline.review.stage import run as review_run
from pipeline.schemas import UNIQUE_POSTS
from pipeline.values import VALUE_IDS
from stage_fixtures import seed_upstream_metrics, unique_posts


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    seed_upstream_metrics(tmp_path, source="dump")  # a Reddit build's card; not run here
    return tmp_path


def _params(scenarios: int, version: str, previous: str | None = None,
            allow_smaller: bool = False) -> Params:
    p = Params()
    return replace(
        p,
        assemble=replace(p.assemble, scenarios=scenarios, previous_release=previous,
                         allow_smaller=allow_smaller),
        build=replace(p.build, version=version),
    )


def _build(work: Path, n_posts: int, params: Params, *, first_post: int = 0,
           seed: int = 1, days_apart: int = 0) -> tuple[Path, dict[str, Any]]:
    """The stages on ``n_posts`` synthetic posts; returns the dataset folder and metrics."""
    posts = unique_posts(first_post + n_posts, seed=seed).iloc[first_post:]
    if days_apart:
        posts = posts.assign(created_utc=[1_700_000_000 + 86_400 * days_apart * i
                                          for i in range(len(posts))])
    write_frame(posts.reset_index(drop=True), work / "unique.parquet", UNIQUE_POSTS)
    annotate(params, src=work / "unique.parquet", out=work / "ann.parquet", progress=False)
    review_run(params, src=work / "ann.parquet", decisions_dir=work / "decisions",
               reviewed_out=work / "rev.parquet", queue_out=work / "queue.jsonl")
    assemble_run(params, src=work / "rev.parquet", out=work / "sel.parquet",
                 withdrawn_src=work / "withdrawn.jsonl",
                 previous_out=work / "prev.parquet", root=work)
    out = work / "processed" / "valact-15k"
    metrics = build_run(params, src=work / "sel.parquet", out_dir=out,
                        metrics_out=work / "processed" / "metrics.json",
                        previous_src=work / "prev.parquet",
                        withdrawn_src=work / "withdrawn.jsonl")
    return out, metrics


def _release(work: Path, name: str) -> str:
    """Copy the built folder aside as a release (as the README says); its path."""
    target = work / "releases" / name
    shutil.copytree(work / "processed" / "valact-15k", target)
    return f"releases/{name}"


def _rows(folder: Path) -> pd.DataFrame:
    return read_folder(folder).rows


def _changes(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "CHANGES.json").read_text())


# -- stable ids -----------------------------------------------------------------------------


@pytest.mark.slow
def test_ids_of_a_post_are_the_same_in_two_unrelated_builds(workdir: Path) -> None:
    _build(workdir, 30, _params(20, "0.1.0"))
    a = _rows(workdir / _release(workdir, "a"))
    # another build: a bigger pool (70 posts, so ranks and positions differ), another size,
    # another seed
    params = _params(30, "0.1.0")
    _build(workdir, 70, replace(params, seed=99))
    b = _rows(workdir / "processed" / "valact-15k")
    common = set(a["post_id"]) & set(b["post_id"])
    assert len(common) >= 5
    for frame in (a, b):
        assert (frame["scenario_id"] == "valact-" + frame["post_id"]).all()
    a_ids = {(r.post_id, r.value): (r.scenario_id, r.option_id) for r in a.itertuples()}
    b_ids = {(r.post_id, r.value): (r.scenario_id, r.option_id) for r in b.itertuples()}
    shared = set(a_ids) & set(b_ids)
    assert shared and all(a_ids[k] == b_ids[k] for k in shared)
    assert option_id("p00001", "power") != option_id("p00001", "hedonism")
    assert not any(v in option_id("p00001", v) for v in VALUE_IDS)  # the id hides the label


# -- extending a release --------------------------------------------------------------------


@pytest.mark.slow
def test_extension_keeps_every_scenario_and_lists_exactly_the_added(workdir: Path) -> None:
    first, _ = _build(workdir, 40, _params(20, "0.1.0"))
    assert _changes(first)["previous_version"] is None
    v1 = _release(workdir, "0.1.0")
    old = _rows(workdir / v1)

    # the pool grows (60 posts), the target grows to 40, the previous release is the base
    second, metrics = _build(workdir, 60, _params(40, "0.2.0", previous=v1))
    new = _rows(second)
    cols = ["scenario_id", "post_id", "scenario", "question", "option_id", "value", "text"]
    kept = new[new["post_id"].isin(set(old["post_id"]))]
    pd.testing.assert_frame_equal(
        old[cols].sort_values("option_id").reset_index(drop=True),
        kept[cols].sort_values("option_id").reset_index(drop=True),
    )
    assert new["scenario_id"].nunique() == 40
    assert set(Counter(new["value"]).values()) == {20}  # exact balance over the whole set
    changes = _changes(second)
    assert changes["version"] == "0.2.0" and changes["previous_version"] == "0.1.0"
    assert changes["added"] == sorted(set(new["scenario_id"]) - set(old["scenario_id"]))
    assert len(changes["added"]) == 20
    assert changes["withdrawn"] == changes["removed"] == changes["edited"] == []
    assert changes["options_per_value"]["before"] == dict.fromkeys(VALUE_IDS, 10)
    assert changes["options_per_value"]["after"] == dict.fromkeys(VALUE_IDS, 20)
    card = (second / "README.md").read_text()
    assert "## Changes since 0.1.0" in card and "- added: 20" in card
    assert metrics["changes"]["added"] == 20
    from pipeline.build.summary import format_summary

    assert "changes:            since 0.1.0: 20 added, 0 withdrawn" in format_summary(metrics)

    # `valact diff` of the two folders says the same as CHANGES.json
    result = CliRunner().invoke(app, ["diff", v1, str(second), "--json"])
    assert result.exit_code == 0, result.output
    diffed = json.loads(result.output)
    assert diffed["added"] == changes["added"] and diffed["withdrawn"] == []
    text = CliRunner().invoke(app, ["diff", v1, str(second)])
    assert text.exit_code == 0 and "- added: 20" in text.output


@pytest.mark.slow
def test_withdrawal_removes_a_post_of_the_previous_release_and_is_listed(workdir: Path) -> None:
    _build(workdir, 40, _params(20, "0.1.0"))
    v1 = _release(workdir, "0.1.0")
    old = _rows(workdir / v1)
    gone = sorted(set(old["post_id"]))[3]
    result = CliRunner().invoke(app, [
        "withdrawals", "add", f"https://www.reddit.com/r/Advice/comments/{gone}/title/",
        "--reason", "takedown_request", "--who", "maint", "--file", "withdrawn.jsonl",
    ])
    assert result.exit_code == 0, result.output
    assert read_withdrawals(workdir / "withdrawn.jsonl")[gone].reason == "takedown_request"

    second, _ = _build(workdir, 40, _params(20, "0.1.1", previous=v1))
    new = _rows(second)
    assert gone not in set(new["post_id"])
    assert set(old["post_id"]) - {gone} <= set(new["post_id"])  # the others all stay
    assert new["scenario_id"].nunique() == 20  # one new post fills the place
    assert set(Counter(new["value"]).values()) == {10}
    changes = _changes(second)
    assert changes["withdrawn"] == [{
        "scenario_id": scenario_id(gone), "post_id": gone, "reason": "takedown_request",
        "date": read_withdrawals(workdir / "withdrawn.jsonl")[gone].date,
    }]
    assert len(changes["added"]) == 1
    assert "maint" not in (second / "CHANGES.json").read_text()  # who is never published
    card = (second / "README.md").read_text()
    assert "withdrawn: 1 (takedown_request: 1" in card
    assert "takedown" in card.split("## Releases, withdrawals and takedown requests")[1]

    # a withdrawn post is never a candidate again, with or without a previous release
    third, _ = _build(workdir, 40, _params(20, "0.1.2"))
    assert gone not in set(_rows(third)["post_id"])


@pytest.mark.slow
def test_a_review_edit_of_a_kept_scenario_is_applied_and_listed(workdir: Path) -> None:
    _build(workdir, 40, _params(20, "0.1.0"))
    v1 = _release(workdir, "0.1.0")
    pid, relabelled, spare = _relabel_one(workdir, _rows(workdir / v1))
    second, _ = _build(workdir, 60, _params(40, "0.2.0", previous=v1))
    new = _rows(second)
    mine = new[new["post_id"] == pid]
    assert set(mine["question"]) == {"What should I tell my sister?"}
    assert set(mine["review_status"]) == {"edited"}
    moved = option_id(pid, relabelled)
    assert mine.set_index("option_id").loc[moved, "value"] == spare  # same id, new label
    assert set(Counter(new["value"]).values()) == {20}  # the flow made up for the relabel
    changes = _changes(second)
    assert changes["relabelled"] == [
        {"scenario_id": scenario_id(pid), "option_id": moved, "from": relabelled, "to": spare}
    ]
    assert changes["edited"] == [{"scenario_id": scenario_id(pid), "fields": ["question"]}]


def _relabel_one(workdir: Path, old: pd.DataFrame) -> tuple[str, str, str]:
    """A reviewer relabels one published option to a value its scenario lacks."""
    pid = sorted(set(old["post_id"]))[0]
    published = list(old[old["post_id"] == pid].sort_values("option_id")["value"])
    spare = next(v for v in VALUE_IDS if v not in published)
    (workdir / "decisions").mkdir(exist_ok=True)
    (workdir / "decisions" / "alice.jsonl").write_text(json.dumps({
        "item_id": pid, "reviewer": "alice", "decision": "edit", "reason": "clearer",
        "timestamp": "2026-12-01T10:00:00Z",
        "edits": {"question": "What should I tell my sister?", "drop": [spare],
                  "relabel": {published[0]: spare}},
    }) + "\n")
    return pid, published[0], spare


@pytest.mark.slow
def test_kept_scenarios_that_break_the_balance_are_explained(workdir: Path) -> None:
    _build(workdir, 40, _params(20, "0.1.0"))
    v1 = _release(workdir, "0.1.0")
    with pytest.raises(AssemblyError, match="extended, never cut"):
        _build(workdir, 40, _params(10, "0.2.0", previous=v1))
    # after a relabel the 20 kept scenarios hold 11 options of one value: a set of 20 allows
    # 10 of each, so exact balance needs 22 scenarios (quotas of 11)
    _, moved_from, moved_to = _relabel_one(workdir, _rows(workdir / v1))
    with pytest.raises(AssemblyError, match=rf"{moved_to}: 11 > 10.*at least 22"):
        _build(workdir, 40, _params(20, "0.2.0", previous=v1))
    folder, _ = _build(workdir, 40, _params(22, "0.2.0", previous=v1))
    assert set(Counter(_rows(folder)["value"]).values()) == {11}


@pytest.mark.slow
def test_the_version_must_change_and_a_release_is_not_its_own_output(workdir: Path) -> None:
    _build(workdir, 40, _params(20, "0.1.0"))
    v1 = _release(workdir, "0.1.0")
    with pytest.raises(ReleaseError, match="raise build.version"):
        _build(workdir, 40, _params(20, "0.1.0", previous=v1))
    with pytest.raises(ReleaseReadError, match="the folder this build writes"):
        resolve("processed/valact-15k", root=workdir)
    with pytest.raises(ReleaseReadError, match="neither a dataset folder"):
        resolve("releases/9.9.9", root=workdir)


def test_build_refuses_a_withdrawn_post_left_in_the_data(workdir: Path) -> None:
    _build(workdir, 40, _params(20, "0.1.0"))
    sel = pd.read_parquet(workdir / "sel.parquet")
    append_withdrawals(workdir / "withdrawn.jsonl",
                       [make_withdrawal(sel["post_id"].iloc[0], "reviewer", "maint")])
    with pytest.raises(ReleaseError, match="withdrawn post"):
        build_run(_params(20, "0.1.0"), src=workdir / "sel.parquet",
                  out_dir=workdir / "out", metrics_out=workdir / "m.json",
                  previous_src=workdir / "prev.parquet",
                  withdrawn_src=workdir / "withdrawn.jsonl")


# -- the withdrawals file -------------------------------------------------------------------


def test_withdrawals_file_is_validated_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "withdrawn.jsonl"
    good = make_withdrawal("t3_ABC12", "author_deleted", "maint", date="2026-12-01")
    assert good.post_id == "abc12"
    assert append_withdrawals(path, [good, good]) == [good]  # one entry per post
    assert append_withdrawals(path, [good]) == []
    path.write_text("# a comment\n\n" + path.read_text())
    assert list(read_withdrawals(path)) == ["abc12"]
    with pytest.raises(WithdrawalsError, match="not a Reddit post id"):
        make_withdrawal("https://example.org/nothing", "reviewer", "m")


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ('{"post_id": "x1", "reason": "bored", "date": "2026-12-01", "who": "m"}', "reason"),
        ('{"post_id": "x1", "reason": "reviewer", "date": "01/12/2026", "who": "m"}', "date"),
        ('{"post_id": "x1", "reason": "reviewer", "date": "2026-12-01"}', "missing who"),
        ('{"post_id": "X 1", "reason": "reviewer", "date": "2026-12-01", "who": "m"}', "post_id"),
        ("not json", "not valid JSON"),
    ],
)
def test_a_bad_withdrawals_line_is_refused_with_its_number(
    tmp_path: Path, bad: str, why: str
) -> None:
    path = tmp_path / "withdrawn.jsonl"
    good = make_withdrawal("t3_ABC12", "author_deleted", "maint", date="2026-12-01")
    path.write_text(good.to_json() + "\n" + bad + "\n")
    with pytest.raises(WithdrawalsError, match=f"withdrawn.jsonl:2: .*{why}"):
        read_withdrawals(path)


def test_a_broken_withdrawals_file_stops_assemble(workdir: Path) -> None:
    (workdir / "withdrawn.jsonl").write_text('{"post_id": "p00001"}\n')
    with pytest.raises(WithdrawalsError, match="withdrawn.jsonl:1"):
        _build(workdir, 30, _params(20, "0.1.0"))


# -- created_month and evaluate --after -----------------------------------------------------


def test_created_month_is_published_and_after_filters(workdir: Path) -> None:
    from pipeline.evaluate.scenarios import ScenarioError, created_after, load_scenarios

    folder, _ = _build(workdir, 40, _params(20, "0.1.0"), days_apart=9)
    rows = _rows(folder)
    posts = pd.read_parquet(workdir / "unique.parquet").set_index("post_id")
    for r in rows.drop_duplicates("post_id").itertuples():
        stamp = pd.Timestamp(posts.loc[r.post_id, "created_utc"], unit="s", tz="UTC")
        assert r.created_month == stamp.strftime("%Y-%m")
    import pyarrow.parquet as pq

    options = pq.read_table(next((folder / "options").glob("*.parquet")))
    assert "created_month" in options.column_names
    assert all(len(m) == 7 for m in options.column("created_month").to_pylist())

    scenarios = load_scenarios(folder, cache_dir=workdir / "hf")
    months = sorted({s.created_month for s in scenarios})
    assert len(months) >= 2
    later, unknown = created_after(scenarios, months[0])
    assert unknown == 0 and later
    assert {s.created_month for s in later} == set(months[1:])
    with pytest.raises(ScenarioError, match="no scenario is from a month after"):
        created_after(scenarios, months[-1])
    with pytest.raises(ScenarioError, match="YYYY-MM"):
        created_after(scenarios, "2024-6")


# -- a previous release on the Hub ----------------------------------------------------------


@pytest.mark.slow
def test_previous_release_from_a_hub_revision(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, hub_client_on_loopback: None
) -> None:
    """`owner/name@revision` is fetched with the real huggingface_hub client (emulator)."""
    import huggingface_hub.constants as hf_constants
    from huggingface_hub import HfApi

    from servers.hub_server import running_hub

    token = "hf_ReleaseTestToken0123456789abcdefghij"
    _build(workdir, 40, _params(20, "0.1.0"))
    local = _rows(workdir / _release(workdir, "0.1.0"))
    with running_hub(token) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(workdir / "hub-cache"))
        monkeypatch.setenv("HF_TOKEN", token)
        with pytest.MonkeyPatch.context() as upload:  # CommitInfo parses URLs with it (0.36)
            upload.setattr(hf_constants, "ENDPOINT", hub.endpoint)
            api = HfApi(endpoint=hub.endpoint, token=token)
            api.create_repo("valact/valact-15k", repo_type="dataset", private=True)
            api.upload_folder(repo_id="valact/valact-15k", repo_type="dataset",
                              folder_path=workdir / "releases" / "0.1.0", commit_message="0.1.0")
            commit = hub.commits("valact/valact-15k")[-1].oid
            # a later commit on main must not matter: the reference pins the revision
            (workdir / "later.txt").write_text("later\n")
            api.upload_file(path_or_fileobj=workdir / "later.txt",
                            path_in_repo="data/later.txt",
                            repo_id="valact/valact-15k", repo_type="dataset")
        ref = f"valact/valact-15k@{commit[:12]}"
        second, metrics = _build(workdir, 60, _params(40, "0.2.0", previous=ref))
        with pytest.raises(ReleaseReadError, match="could not fetch"):
            resolve("valact/valact-15k@no-such-branch", root=workdir)
    new = _rows(second)
    assert set(local["option_id"]) <= set(new["option_id"])
    assert _changes(second)["previous_release"] == ref
    assert _changes(second)["previous_version"] == "0.1.0"
    assert len(_changes(second)["added"]) == 20
    assembled = json.loads((workdir / "metrics" / "assemble.json").read_text())
    assert assembled["previous_release"]["ref"] == ref
    assert assembled["kept_from_previous_release"] == 20
    assert token not in json.dumps(assembled) and token not in json.dumps(metrics)


# -- valact withdrawals check against the Reddit emulator -----------------------------------


@pytest.mark.slow
def test_withdrawals_check_asks_reddit_and_appends_deleted_and_removed(workdir: Path) -> None:
    from servers.reddit_server import PostFactory, RedditServer

    factory = PostFactory(seed=3)
    # posts that are still up (the factory also makes removed ones, on purpose)
    served = [p for p in factory.posts("Advice", 170, newest_utc=1_760_000_000, spacing=3600)
              if p["removed_by_category"] is None][:140]
    ids = [p["id"] for p in served]
    posts = unique_posts(140).assign(post_id=ids)
    write_frame(posts, workdir / "unique.parquet", UNIQUE_POSTS)
    params = _params(120, "0.1.0")
    annotate(params, src=workdir / "unique.parquet", out=workdir / "ann.parquet", progress=False)
    review_run(params, src=workdir / "ann.parquet", decisions_dir=workdir / "decisions",
               reviewed_out=workdir / "rev.parquet", queue_out=workdir / "queue.jsonl")
    assemble_run(params, src=workdir / "rev.parquet", out=workdir / "sel.parquet",
                 withdrawn_src=workdir / "none.jsonl",
                 previous_out=workdir / "prev.parquet", root=workdir)
    folder = workdir / "release"
    build_run(params, src=workdir / "sel.parquet", out_dir=folder,
              metrics_out=workdir / "m.json", previous_src=workdir / "prev.parquet",
              withdrawn_src=workdir / "none.jsonl")
    published = sorted(set(_rows(folder)["post_id"]))
    assert len(published) == 120  # two /api/info requests

    with RedditServer("cid", "csecret") as srv:
        srv.add_subreddit("Advice", served)
        srv.delete_post(published[5])
        srv.remove_post(published[50], category="copyright_takedown")
        srv.remove_post(published[99])  # moderator
        (workdir / "praw.ini").write_text(
            f"[emulator]\nclient_id=cid\nclient_secret=csecret\noauth_url={srv.url}\n"
            f"reddit_url={srv.url}\n"
        )
        (workdir / "params.yaml").write_text(
            "ingest:\n  source: reddit\n  reddit:\n    site_name: emulator\n"
        )
        runner = CliRunner()
        dry = runner.invoke(app, ["withdrawals", "check", "--dataset", str(folder),
                                  "--file", "withdrawn.jsonl", "--dry-run", "--no-progress"])
        assert dry.exit_code == 0, dry.output
        assert not (workdir / "withdrawn.jsonl").exists()
        result = runner.invoke(app, ["withdrawals", "check", "--dataset", str(folder),
                                     "--file", "withdrawn.jsonl", "--no-progress"])
        assert result.exit_code == 0, result.output
        batches = srv.info_batches()
        # a second check asks only about posts not withdrawn yet, and appends nothing new
        again = runner.invoke(app, ["withdrawals", "check", "--dataset", str(folder),
                                    "--file", "withdrawn.jsonl", "--no-progress"])
        assert again.exit_code == 0 and "0 appended" in again.output
    assert [len(b) for b in batches] == [100, 20, 100, 20]  # dry run, then the real one
    found = read_withdrawals(workdir / "withdrawn.jsonl")
    assert {pid: w.reason for pid, w in found.items()} == {
        published[5]: "author_deleted",
        published[50]: "removed_from_reddit",
        published[99]: "removed_from_reddit",
    }
    assert {w.who for w in found.values()} == {"withdrawals-check"}
    assert "3 gone, 0 not answered" in result.output

    # the synthetic sample has no Reddit posts to ask about
    (workdir / "params.yaml").write_text("ingest:\n  source: sample\n")
    refused = CliRunner().invoke(app, ["withdrawals", "check", "--dataset", str(folder)])
    assert refused.exit_code == 1 and "synthetic" in refused.output
