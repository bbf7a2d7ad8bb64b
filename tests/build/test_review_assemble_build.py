"""Review -> assemble -> build on synthetic annotations, and the result loads with datasets."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pipeline.annotate.stage import run as annotate
from pipeline.artifacts import write_frame
from pipeline.assemble.stage import AssemblyError, assemble, assign_values, value_quotas
from pipeline.assemble.stage import run as assemble_run
from pipeline.build.stage import ReleaseError
from pipeline.build.stage import run as build_run
from pipeline.params import Params
from pipeline.review.stage import run as review_run
from pipeline.schemas import REVIEWED, UNIQUE_POSTS
from pipeline.values import VALUE_IDS
from stage_fixtures import seed_upstream_metrics, unique_posts


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    seed_upstream_metrics(tmp_path)  # ingest, clean, dedupe are not run here
    return tmp_path


def _annotations(workdir: Path, n: int, params: Params) -> Path:
    write_frame(unique_posts(n), workdir / "unique.parquet", UNIQUE_POSTS)
    annotate(params, src=workdir / "unique.parquet", out=workdir / "ann.parquet", progress=False)
    return workdir / "ann.parquet"


def _decide(folder: Path, name: str, rows: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("a") as fh:
        for r in rows:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")


def test_review_applies_decisions_and_reports_problems(workdir: Path) -> None:
    params = Params()
    ann = _annotations(workdir, 20, params)
    decisions = workdir / "decisions"
    _decide(decisions, "alice.jsonl", [
        {"item_id": "p00000", "reviewer": "alice", "decision": "reject", "reason": "unclear",
         "timestamp": "2026-11-01T10:00:00Z"},
        {"item_id": "p00001", "reviewer": "alice", "decision": "edit", "reason": "wording",
         "timestamp": "2026-11-01T10:01:00Z",
         "edits": {"question": "Should I take the job abroad?",
                   "options": {"power": "Negotiate for the bigger title before you decide."},
                   "relabel": {"hedonism": "stimulation", "stimulation": "hedonism"}}},
        # alice changes her mind on p00002: the later decision wins
        {"item_id": "p00002", "reviewer": "alice", "decision": "reject", "reason": "x",
         "timestamp": "2026-11-01T10:02:00Z"},
        {"item_id": "p00002", "reviewer": "alice", "decision": "accept", "reason": "ok",
         "timestamp": "2026-11-02T10:02:00Z"},
        {"item_id": "nope99", "reviewer": "alice", "decision": "accept",
         "timestamp": "2026-11-02T10:02:00Z"},
        "{not json",
        {"item_id": "p00003", "reviewer": "alice", "decision": "maybe",
         "timestamp": "2026-11-02T10:02:00Z"},
    ])
    metrics = review_run(params, src=ann, decisions_dir=decisions,
                         reviewed_out=workdir / "rev.parquet", queue_out=workdir / "queue.jsonl")
    rev = pd.read_parquet(workdir / "rev.parquet")
    REVIEWED.validate(rev)
    assert "p00000" not in set(rev["post_id"])
    edited = rev[rev["post_id"] == "p00001"]
    assert set(edited["review_status"]) == {"edited"}
    assert set(edited["question"]) == {"Should I take the job abroad?"}
    assert edited.set_index("value").loc["power", "option_text"].startswith("Negotiate")
    assert set(rev[rev["post_id"] == "p00002"]["review_status"]) == {"accepted"}
    assert metrics["decision_problems"] == 3  # unknown item, bad JSON, bad decision value
    assert metrics["decision_lines_malformed"] == 2  # bad JSON, bad decision value
    assert metrics["decision_lines_unknown_item"] == 1
    queue = [json.loads(line) for line in (workdir / "queue.jsonl").read_text().splitlines()]
    assert {q["item_id"] for q in queue} == {f"p{i:05d}" for i in range(3, 20)}
    assert all("offline_draft" in q["reasons"] and len(q["options"]) == 10 for q in queue)
    assert metrics["review_status"]["unreviewed"] == 17


def test_unreviewed_items_withheld_when_param_says_so(workdir: Path) -> None:
    params = Params()
    params = replace(params, review=replace(params.review, publish_unreviewed=False))
    ann = _annotations(workdir, 10, params)
    review_run(params, src=ann, decisions_dir=workdir / "none",
               reviewed_out=workdir / "rev.parquet", queue_out=workdir / "queue.jsonl")
    assert pd.read_parquet(workdir / "rev.parquet").empty


def _reviewed(workdir: Path, n: int, params: Params) -> pd.DataFrame:
    ann = _annotations(workdir, n, params)
    review_run(params, src=ann, decisions_dir=workdir / "none",
               reviewed_out=workdir / "rev.parquet", queue_out=workdir / "queue.jsonl")
    return pd.read_parquet(workdir / "rev.parquet")


def test_assemble_exact_balance_and_distinct_values(workdir: Path) -> None:
    params = Params()
    params = replace(params, assemble=replace(params.assemble, scenarios=40, allow_smaller=False))
    rev = _reviewed(workdir, 60, params)
    selected, metrics = assemble(rev, params)
    assert metrics["scenarios"] == 40 and metrics["options"] == 200
    assert set(metrics["options_per_value"].values()) == {20}
    assert (selected.groupby("scenario_id")["value"].nunique() == 5).all()
    again, _ = assemble(rev, params)
    pd.testing.assert_frame_equal(selected, again)  # deterministic


def test_assemble_balances_when_candidates_lack_values(workdir: Path) -> None:
    """Each post offers only 6 values (a rotating window): the flow must still balance."""
    params = Params()
    params = replace(params, assemble=replace(params.assemble, scenarios=20, allow_smaller=False))
    rev = _reviewed(workdir, 40, params)
    keep = []
    for i, (_pid, g) in enumerate(rev.groupby("post_id")):
        window = {VALUE_IDS[(i + j) % 10] for j in range(6)}
        keep.append(g[g["value"].isin(window)])
    rev = pd.concat(keep)
    selected, metrics = assemble(rev, params)
    assert set(metrics["options_per_value"].values()) == {10}
    assert value_quotas(20, 5) == dict.fromkeys(VALUE_IDS, 10)


def test_assemble_caps_years_and_subreddits(workdir: Path) -> None:
    """Two thirds of the candidates are from 2023: the cap keeps any year at half the set."""
    params = Params()
    params = replace(params, assemble=replace(params.assemble, scenarios=20, allow_smaller=False))
    rev = _reviewed(workdir, 60, params)
    posts = sorted(rev["post_id"].unique())
    assert len(posts) == 30
    years = {pid: (2023 if i % 3 else 2021 + i % 2) for i, pid in enumerate(posts)}
    selected, metrics = assemble(rev, params, years)
    per_year = metrics["scenarios_per_year"]
    assert max(per_year.values()) <= 10 and sum(per_year.values()) == 20, per_year
    assert metrics["caps_relaxed"] == []
    assert max(metrics["scenarios_per_subreddit"].values()) <= 10
    assert set(metrics["options_per_value"].values()) == {10}
    # only 2023 posts: the cap cannot hold, it is relaxed and reported, the set still built
    _, metrics = assemble(rev, params, dict.fromkeys(posts, 2023))
    assert metrics["caps_relaxed"] == ["year"] and metrics["scenarios_per_year"] == {"2023": 20}


def test_assign_values_prefers_options_the_verifier_agreed_with() -> None:
    """s1's power option is the most relevant but the blind verifier read another value."""
    options = pd.DataFrame({
        "post_id": ["s1", "s1", "s2", "s2"],
        "value": ["power", "security", "power", "security"],
        "relevance": [0.9, 0.8, 0.5, 0.5],
        "agreement": pd.array([False, True, True, pd.NA], dtype="boolean"),
    })
    quotas = dict.fromkeys(VALUE_IDS, 0) | {"power": 1, "security": 1}
    # by relevance alone s1 would take power (cost 100 + 500 < 200 + 500)
    assert assign_values(options, ["s1", "s2"], 1, quotas) == {"s1": ["security"],
                                                                "s2": ["power"]}
    options["agreement"] = pd.array([True, True, True, pd.NA], dtype="boolean")
    assert assign_values(options, ["s1", "s2"], 1, quotas) == {"s1": ["power"],
                                                                "s2": ["security"]}


def test_assemble_explains_shortfall(workdir: Path) -> None:
    params = Params()
    params = replace(params, assemble=replace(params.assemble, scenarios=100, allow_smaller=False))
    rev = _reviewed(workdir, 30, params)
    with pytest.raises(AssemblyError, match="only 30 candidate scenarios.*missing 70"):
        assemble(rev, params)
    params = replace(params, assemble=replace(params.assemble, allow_smaller=True))
    _, metrics = assemble(rev, params)
    assert metrics["scenarios"] == 30


def test_assemble_run_dates_posts_from_review_output(workdir: Path) -> None:
    """created_utc comes through annotate and review: assemble needs no unique.parquet."""
    params = Params()
    params = replace(params, assemble=replace(params.assemble, scenarios=20, allow_smaller=False))
    rev = _reviewed(workdir, 30, params)
    posts = unique_posts(30).set_index("post_id")
    assert (rev["created_utc"] == posts.loc[rev["post_id"], "created_utc"].to_numpy()).all()
    # the posts' dates seen by assemble are review's: move them to another year
    rev["created_utc"] = rev["created_utc"] - 2 * 365 * 86_400
    write_frame(rev, workdir / "rev.parquet", REVIEWED)
    (workdir / "unique.parquet").unlink()
    metrics = assemble_run(params, src=workdir / "rev.parquet", out=workdir / "sel.parquet")
    selected = pd.read_parquet(workdir / "sel.parquet")
    stamps = pd.to_datetime(rev.set_index("post_id")["created_utc"], unit="s", utc=True)
    months = stamps.dt.strftime("%Y-%m").groupby(level=0).first()
    assert (selected["created_month"] == months.loc[selected["post_id"]].to_numpy()).all()
    assert metrics["scenarios_per_year"] == {"2021": 20}


def test_assemble_run_shortfall_counts_posts_from_annotate_metrics(workdir: Path) -> None:
    """Every post was annotated (metrics/annotate.json: posts_available): more oversampling
    cannot help, and the message says so."""
    params = Params()
    params = replace(params, assemble=replace(params.assemble, scenarios=100, allow_smaller=False))
    _reviewed(workdir, 30, params)
    assert json.loads((workdir / "metrics" / "annotate.json").read_text())["posts_available"] == 30
    with pytest.raises(AssemblyError, match="All 30 posts left after dedupe were annotated"):
        assemble_run(params, src=workdir / "rev.parquet", out=workdir / "sel.parquet")


def test_build_folder_loads_with_datasets(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    params = Params()
    params = replace(params, assemble=replace(params.assemble, scenarios=20, allow_smaller=False))
    _reviewed(workdir, 30, params)
    assemble_run(params, src=workdir / "rev.parquet", out=workdir / "sel.parquet")
    out = workdir / "processed" / "valact-15k"
    metrics = build_run(params, src=workdir / "sel.parquet", out_dir=out,
                        metrics_out=workdir / "processed" / "metrics.json")
    assert metrics["scenarios"] == 20
    card = (out / "README.md").read_text()
    assert card.startswith("---\n") and "dataset_info" in card and "configs" in card
    assert "offline" in card and (out / "value_distribution.png").exists()

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(workdir / "hf_home"))
    import datasets

    scen = datasets.load_dataset(str(out), split="test", cache_dir=str(workdir / "hf_cache"))
    opts = datasets.load_dataset(str(out), "options", split="test",
                                 cache_dir=str(workdir / "hf_cache"))
    assert len(scen) == 20 and len(opts) == 100
    assert opts.features["value"].names == list(VALUE_IDS)
    assert scen.features["options"].feature["value"].names == list(VALUE_IDS)
    for row in scen:
        assert len({o["value"] for o in row["options"]}) == 5


def test_card_reports_reviewer_agreement() -> None:
    from pipeline.build.card import _agreement_md

    assert _agreement_md({}).startswith("No human decisions yet")
    text = _agreement_md({
        "items_decided": 6, "items_multi_reviewed": 3, "reviewers": {"bob": 3, "alice": 6},
        "decision": {"alpha": 0.0, "observed_agreement": 0.6667, "units": 3, "values": 6},
        "value_labels": {"alpha": None, "observed_agreement": 1.0, "units": 20, "values": 40},
        "llm_vs_human": {"options": 49, "intended_equals_human": 0.9796,
                         "options_with_verifier": 10, "verifier_equals_human": 0.9},
        "accept_rate_by_reason": {"offline_draft": {"accepted": 5, "decided": 6,
                                                    "accept_rate": 0.8333}},
    })
    assert "items per reviewer: alice 6, bob 3" in text
    assert "alpha on accept/reject: 0.000 over 3 multiply reviewed units" in text
    assert "alpha on value labels: undefined (no variation) over 20" in text
    assert "was the human's for 98.0% (the blind verifier's label: 90.0%)" in text
    assert "| offline_draft | 5/6 | 83% |" in text



def test_build_of_zero_scenarios_fails_with_the_reason(workdir: Path) -> None:
    """An LLM that ended every post badly leaves assemble nothing: build says so clearly."""
    params = Params()
    params = replace(params, assemble=replace(params.assemble, scenarios=20, allow_smaller=True))
    rev = _reviewed(workdir, 30, params)
    write_frame(rev.iloc[0:0], workdir / "rev.parquet", REVIEWED)
    assemble_run(params, src=workdir / "rev.parquet", out=workdir / "sel.parquet")
    annotate_json = workdir / "metrics" / "annotate.json"  # written by the annotate run above
    figures = json.loads(annotate_json.read_text())
    figures.update(posts_sampled=30, posts_annotated=0, options=0,
                   by_status={"invalid": 21, "error": 9})  # as if the LLM failed every post
    annotate_json.write_text(json.dumps(figures))
    out = workdir / "processed" / "valact-15k"
    with pytest.raises(ReleaseError) as info:
        build_run(params, src=workdir / "sel.parquet", out_dir=out,
                  metrics_out=workdir / "processed" / "metrics.json")
    message = str(info.value)
    assert "assemble selected 0 scenarios" in message and "target 20" in message
    assert "30 posts ended as: 9 error, 21 invalid" in message and "status_detail" in message
    assert not out.exists()


REPO = Path(__file__).resolve().parents[2]


def _ingest(workdir: Path, source: str) -> None:
    """The real ingest stage: the bundled sample, or a two-post dump file (metrics/ingest.json)."""
    from pipeline.ingest.stage import run as ingest_run
    from stage_fixtures import dump_record

    params = Params()
    if source == "sample":
        ip = replace(params.ingest, source="sample", sample_dir=str(REPO / "raw" / "sample"))
    else:
        dump = workdir / "RS_2024-01.ndjson"
        dump.write_text("".join(json.dumps(dump_record(p)) + "\n" for p in ("abc1", "abc2")))
        ip = replace(params.ingest, source="dump", paths=(str(dump),))
    ingest_run(replace(params, ingest=ip), out=workdir / "posts.parquet", progress=False)


def _build(workdir: Path, n_posts: int, scenarios: int) -> tuple[dict, str]:
    """review -> assemble -> build on offline annotations; returns metrics and the card."""
    params = Params()
    params = replace(params, assemble=replace(params.assemble, scenarios=scenarios,
                                              allow_smaller=True))
    ann = _annotations(workdir, n_posts, params)
    review_run(params, src=ann, decisions_dir=workdir / "decisions",
               reviewed_out=workdir / "rev.parquet", queue_out=workdir / "queue.jsonl")
    assemble_run(params, src=workdir / "rev.parquet", out=workdir / "sel.parquet")
    out = workdir / "processed" / "valact-15k"
    metrics = build_run(params, src=workdir / "sel.parquet", out_dir=out,
                        metrics_out=workdir / "processed" / "metrics.json")
    return metrics, (out / "README.md").read_text()


def _card_yaml(card: str) -> dict:
    import yaml

    return yaml.safe_load(card.split("---\n")[1])


def test_card_of_a_sample_build_says_synthetic_never_reddit(workdir: Path) -> None:
    from pipeline.build.summary import format_summary

    _ingest(workdir, "sample")
    assert json.loads((workdir / "metrics" / "ingest.json").read_text())["synthetic"] is True
    metrics, card = _build(workdir, 30, 20)
    assert metrics["source"] == "sample" and metrics["synthetic"] is True
    assert "synthetic" in card and "**synthetic** posts" in card
    assert "drawn from Reddit" not in card
    assert "Reddit id" not in card and "takedown" not in card
    assert "Reddit advice scenarios" not in card  # the citation title
    assert "Reddit advice subreddits skew" not in card
    # Reddit is named only to say the posts are not from it (and for the scrubber's "Reddit
    # usernames", a kind of personal data)
    denials = ("not collected from Reddit", "refers to no Reddit post",
               "none of them was collected from Reddit", "Reddit usernames")
    body = card.split("---\n", 2)[2]
    mentions = [line for line in body.splitlines() if "Reddit" in line]
    assert len(mentions) == 4, mentions
    assert all(any(d in line for d in denials) for line in mentions), mentions
    assert "synthetic" in _card_yaml(card)["tags"] and "reddit" not in _card_yaml(card)["tags"]
    assert "  source:             sample (synthetic posts, raw/sample/: not from Reddit)" in (
        format_summary(metrics)
    )


def test_card_of_a_dump_build_keeps_the_reddit_wording(workdir: Path) -> None:
    from pipeline.build.summary import format_summary

    _ingest(workdir, "dump")
    assert json.loads((workdir / "metrics" / "ingest.json").read_text())["synthetic"] is False
    metrics, card = _build(workdir, 30, 20)
    assert metrics["source"] == "dump" and metrics["synthetic"] is False
    assert "advice-seeking scenarios** drawn from Reddit" in card
    assert "| `post_id` | the Reddit id of the source post (base36), for provenance and " \
           "takedown requests |" in card
    assert "Source `dump`: 2 posts." in card
    assert "synthetic" not in card and "reddit" in _card_yaml(card)["tags"]
    assert "  source:             dump\n" in format_summary(metrics)


@pytest.mark.slow
def test_size_categories_counts_scenarios_not_options(workdir: Path) -> None:
    """250 scenarios x 5 = 1,250 options: n<1K (the default config's rows), not 1K<n<10K."""
    metrics, card = _build(workdir, 300, 250)
    assert metrics["scenarios"] == 250 and metrics["options"] == 1250
    assert _card_yaml(card)["size_categories"] == ["n<1K"]


def test_bad_decision_lines_are_counted_in_metrics_summary_and_card(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from pipeline.build.summary import format_summary
    from pipeline.cli import app

    _decide(workdir / "decisions", "alice.jsonl", [
        {"item_id": "p00000", "reviewer": "alice", "decision": "accept",
         "timestamp": "2026-11-01T10:00:00Z"},
        '{"item_id": "p00001", "reviewer": "alice", "decision": "accept"',  # cut short
        {"item_id": "p00002", "reviewer": "alice", "decision": "maybe",  # not a decision
         "timestamp": "2026-11-01T10:02:00Z"},
        {"item_id": "nope99", "reviewer": "alice", "decision": "accept",  # unknown item
         "timestamp": "2026-11-01T10:03:00Z"},
    ])
    metrics, card = _build(workdir, 30, 20)
    review = json.loads((workdir / "metrics" / "review.json").read_text())
    assert review["decision_lines_malformed"] == 2
    assert review["decision_lines_unknown_item"] == 1
    assert review["decision_problems"] == 3
    assert metrics["decision_lines_malformed"] == 2
    assert metrics["decision_lines_unknown_item"] == 1
    saved = json.loads((workdir / "processed" / "metrics.json").read_text())
    assert saved["decision_lines_malformed"] == 2 and saved["decision_lines_unknown_item"] == 1
    line = ("  bad decision lines: 2 malformed, 1 naming an unknown item (not applied; see "
            "metrics/review.json decision_problem_examples)")
    assert line in format_summary(metrics)
    result = CliRunner().invoke(app, ["summary"])  # workdir: processed/metrics.json
    assert result.exit_code == 0 and line in result.output
    review_section = card.split("### 5. Review")[1].split("### 6.")[0]
    assert ("Decision lines not applied: 2 malformed (not valid JSON, or not a valid decision), "
            "1 naming an item that is not among the annotated posts.") in " ".join(
        review_section.split())


@pytest.mark.slow
def test_no_bad_decision_lines_say_zero(workdir: Path) -> None:
    from pipeline.build.summary import format_summary

    metrics, card = _build(workdir, 30, 20)
    assert metrics["decision_lines_malformed"] == 0 == metrics["decision_lines_unknown_item"]
    assert "  bad decision lines: 0 malformed, 0 naming an unknown item\n" in (
        format_summary(metrics) + "\n"
    )
    assert "Decision lines not applied: 0 malformed" in " ".join(card.split())
