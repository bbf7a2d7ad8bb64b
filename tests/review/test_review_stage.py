"""The review stage: queue reasons and order, replaying decisions (retracts, several reviewers,
malformed lines, unknown items), and the agreement figures in metrics/review.json."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.artifacts import write_frame
from pipeline.params import Params, ReviewParams
from pipeline.review.decisions import (
    Decision,
    latest_per_item,
    load_decisions,
    resolve_item,
    standing_by_reviewer,
)
from pipeline.review.stage import run as review_run
from pipeline.schemas import ANNOTATIONS, REVIEWED
from pipeline.values import VALUE_IDS

SCENARIO = "My friend asked me to cover for her at work while she goes to a concert. I said maybe."


def make_annotations(specs: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Annotation rows from short specs: post_id, and optionally status, values, relevance
    (one number or one per value), verified ({value: verifier label}), flags."""
    rows = []
    for i, spec in enumerate(specs):
        pid = spec["post_id"]
        status = spec.get("status", "ok")
        base = {
            "post_id": pid,
            "subreddit": spec.get("subreddit", "Advice"),
            "created_utc": 1_700_000_000 + 3600 * i,
            "status": status,
            "flags": spec.get("flags", []),
            "annotator": "gpt-test",
            "prompt_version": "v-test",
        }
        if status != "ok":
            rows.append({**base, "status_detail": f"the model said {status}", "scenario": None,
                         "question": None, "value": None, "option_text": None,
                         "relevance": None, "verified_value": None,
                         "flags": spec.get("flags", [status])})
            continue
        values = spec.get("values", [VALUE_IDS[(i + j) % 10] for j in range(5)])
        rel = spec.get("relevance", 0.8)
        rels = rel if isinstance(rel, list) else [rel] * len(values)
        verified = spec.get("verified", {})
        for value, r in zip(values, rels, strict=True):
            rows.append({**base, "status_detail": None,
                         "scenario": f"{SCENARIO} ({pid})",
                         "question": "Should I cover for her?",
                         "value": value, "option_text": f"Do the {value} thing for {pid}.",
                         "relevance": r, "verified_value": verified.get(value)})
    frame = pd.DataFrame(rows, columns=list(ANNOTATIONS.columns))
    return ANNOTATIONS.validate(frame)


def write_annotations(path: Path, specs: Iterable[dict[str, Any]]) -> Path:
    write_frame(make_annotations(specs), path, ANNOTATIONS)
    return path


def write_decisions(folder: Path, name: str, rows: list[dict[str, Any] | str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("a", encoding="utf-8") as fh:
        for r in rows:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


def dec(item: str, reviewer: str, kind: str, minute: int, **kw: Any) -> dict[str, Any]:
    return {"item_id": item, "reviewer": reviewer, "decision": kind,
            "timestamp": f"2026-11-01T10:{minute:02d}:00Z", **kw}


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(workdir: Path, specs: list[dict[str, Any]], params: Params | None = None,
         decisions: Path | None = None) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                  pd.DataFrame]:
    ann = write_annotations(workdir / "ann.parquet", specs)
    metrics = review_run(params or Params(), src=ann,
                         decisions_dir=decisions or workdir / "decisions",
                         reviewed_out=workdir / "rev.parquet",
                         queue_out=workdir / "queue.jsonl")
    queue = [json.loads(x) for x in (workdir / "queue.jsonl").read_text().splitlines()]
    rev = pd.read_parquet(workdir / "rev.parquet")
    REVIEWED.validate(rev)
    return metrics, queue, rev


SPECS: list[dict[str, Any]] = [
    {"post_id": "a1", "verified": {"power": "achievement"}, "values":
        ["power", "security", "tradition", "benevolence", "hedonism"]},          # disagreement
    {"post_id": "a2", "relevance": 0.1},                                           # low relevance
    {"post_id": "a3", "flags": ["repaired"]},
    {"post_id": "a4", "status": "refusal"},
    {"post_id": "a5", "status": "truncated"},
    {"post_id": "a6", "flags": ["sensitive"]},
    {"post_id": "a7", "flags": ["offline_draft"]},
    {"post_id": "a8", "status": "error"},                                          # rerun, no human
    {"post_id": "a9", "relevance": [0.1, 0.9, 0.9, 0.9, 0.9]},                    # not all low
    {"post_id": "b1", "verified": {VALUE_IDS[(9 + j) % 10]: VALUE_IDS[(9 + j) % 10]
                                   for j in range(5)}},                            # verifier agrees
    {"post_id": "b2"},
    {"post_id": "b3"},
]


def test_queue_has_every_flagged_item_with_reasons_in_useful_order(workdir: Path) -> None:
    params = Params(review=ReviewParams(audit_rate=0.0))
    metrics, queue, rev = _run(workdir, SPECS, params)
    reasons = {q["item_id"]: q["reasons"] for q in queue}
    assert reasons == {
        "a1": ["verifier_disagreement"],
        "a2": ["low_relevance"],
        "a3": ["repaired"],
        "a4": ["refusal"],
        "a5": ["truncated"],
        "a6": ["sensitive"],
        "a7": ["offline_draft"],
    }
    assert [q["item_id"] for q in queue] == ["a1", "a6", "a4", "a5", "a3", "a2", "a7"]
    assert all(q["reviewed_by"] == [] for q in queue)
    assert queue[0]["options"][0] == {"value": "power", "text": "Do the power thing for a1.",
                                      "relevance": 0.8, "verified_value": "achievement"}
    assert metrics["review_status"] == {"no_options": 1, "not_flagged": 4, "unreviewed": 7}
    # unflagged items are published as not_flagged; flagged ones as unreviewed (the default)
    assert set(rev[rev["post_id"] == "b1"]["review_status"]) == {"not_flagged"}
    assert set(rev[rev["post_id"] == "a1"]["review_status"]) == {"unreviewed"}


def test_audit_sample_is_seeded_and_takes_unflagged_items(workdir: Path) -> None:
    specs = [{"post_id": f"c{i:03d}"} for i in range(200)]
    _, queue, _ = _run(workdir, specs, Params(review=ReviewParams(audit_rate=0.25)))
    picked = [q["item_id"] for q in queue]
    assert all(q["reasons"] == ["audit"] for q in queue)
    assert 30 <= len(picked) <= 70
    _, again, _ = _run(workdir, specs, Params(review=ReviewParams(audit_rate=0.25)))
    assert [q["item_id"] for q in again] == picked  # same seed, same sample
    _, other, _ = _run(workdir, specs, Params(seed=14, review=ReviewParams(audit_rate=0.25)))
    assert [q["item_id"] for q in other] != picked
    _, everything, _ = _run(workdir, specs, Params(review=ReviewParams(audit_rate=1.0)))
    assert len(everything) == 200


def test_replay_reports_malformed_lines_and_unknown_items(workdir: Path) -> None:
    decisions = workdir / "decisions"
    write_decisions(decisions, "alice.jsonl", [
        dec("a1", "alice", "accept", 1),
        "{not json",
        dec("a2", "alice", "maybe", 2),
        dec("a3", "alice", "edit", 3),  # edit without edits
        dec("a3", "alice", "edit", 4, edits={"relabel": {"power": "wealth"}}),
        dec("zz9", "alice", "accept", 5),
        "",
        dec("a6", "alice", "retract", 6, edits={"question": "x"}),
    ])
    write_decisions(decisions, "bob.jsonl", [dec("a2", "bob", "reject", 1, reason="vague")])
    params = Params(review=ReviewParams(audit_rate=0.0))
    metrics, queue, rev = _run(workdir, SPECS, params, decisions)
    problems = metrics["decision_problem_examples"]
    assert metrics["decision_problems"] == 6 == len(problems)
    assert problems[0].startswith("alice.jsonl:2: ")  # bad JSON, with file and line
    assert any(p.startswith("alice.jsonl:3: decision:") for p in problems)
    assert any(p.startswith("alice.jsonl:4: decision 'edit' without 'edits'") for p in problems)
    assert any(p.startswith("alice.jsonl:5: ") and "wealth" in p for p in problems)
    assert any(p.startswith("alice.jsonl:6: item 'zz9' is not among") for p in problems)
    assert any(p.startswith("alice.jsonl:8: ") and "retract" in p for p in problems)
    assert metrics["decisions_read"] == 3
    queued = {q["item_id"] for q in queue}
    assert "a1" not in queued and "a2" not in queued and "a3" in queued
    assert set(rev[rev["post_id"] == "a1"]["review_status"]) == {"accepted"}
    assert "a2" not in set(rev["post_id"])
    saved = json.loads((workdir / "metrics" / "review.json").read_text())
    assert saved["decision_problems"] == 6 and "agreement" in saved


def test_retract_undoes_and_a_later_decision_counts_again(workdir: Path) -> None:
    decisions = workdir / "decisions"
    write_decisions(decisions, "alice.jsonl", [
        dec("a1", "alice", "reject", 1, reason="bad"),
        dec("a1", "alice", "retract", 2, retracts="2026-11-01T10:01:00Z"),
        dec("a3", "alice", "accept", 3),
        dec("a3", "alice", "retract", 4),
        dec("a3", "alice", "edit", 5, edits={"question": "Should I cover for my friend?"}),
    ])
    params = Params(review=ReviewParams(audit_rate=0.0))
    metrics, queue, rev = _run(workdir, SPECS, params, decisions)
    assert metrics["decision_problems"] == 0
    assert "a1" in {q["item_id"] for q in queue}  # back in the queue, unreviewed
    assert set(rev[rev["post_id"] == "a1"]["review_status"]) == {"unreviewed"}
    a3 = rev[rev["post_id"] == "a3"]
    assert set(a3["review_status"]) == {"edited"}
    assert set(a3["question"]) == {"Should I cover for my friend?"}
    assert set(latest_per_item(load_decisions(decisions))) == {"a3"}


def test_several_reviewers_majority_conflicts_and_withheld_labels(workdir: Path) -> None:
    decisions = workdir / "decisions"
    relabel = {"edits": {"relabel": {"power": "achievement"}}}
    write_decisions(decisions, "alice.jsonl", [
        dec("a1", "alice", "edit", 1, **relabel),       # alice and bob relabel: applied
        dec("a2", "alice", "accept", 2),                 # 1-1 split: rejected, re-queued
        dec("a3", "alice", "accept", 3),                 # 2 accept, 1 reject: accepted
        dec("a6", "alice", "edit", 4, **relabel | {}),   # label split: power withheld
        dec("a7", "alice", "edit", 5, edits={"question": "Q from alice?"}),
    ])
    write_decisions(decisions, "bob.jsonl", [
        dec("a1", "bob", "edit", 6, **relabel),
        dec("a2", "bob", "reject", 7, reason="no dilemma"),
        dec("a3", "bob", "accept", 8),
        dec("a6", "bob", "accept", 9),
        dec("a7", "bob", "edit", 10, edits={"question": "Q from bob?"}),  # later text wins
    ])
    write_decisions(decisions, "carol.jsonl", [dec("a3", "carol", "reject", 11, reason="meh")])
    specs = [dict(s) for s in SPECS]
    specs[5] = {"post_id": "a6", "flags": ["sensitive"],
                "values": ["power", "security", "tradition", "benevolence", "hedonism"]}
    no_overlap = Params(review=ReviewParams(audit_rate=0.0, overlap_rate=0.0))
    metrics, queue, rev = _run(workdir, specs, no_overlap, decisions)
    status = rev.groupby("post_id")["review_status"].first().to_dict()
    assert "a2" not in status  # rejected on a tie
    assert status["a1"] == "edited" and status["a3"] == "accepted" and status["a6"] == "edited"
    a1 = rev[rev["post_id"] == "a1"].set_index("value")
    assert "achievement" in a1.index and "power" not in a1.index
    assert a1.loc["achievement", "option_text"] == "Do the power thing for a1."
    assert bool(a1.loc["achievement", "agreement"]) is True  # verifier said achievement
    a6 = set(rev[rev["post_id"] == "a6"]["value"])
    assert a6 == {"security", "tradition", "benevolence", "hedonism"}  # power withheld
    assert set(rev[rev["post_id"] == "a7"]["question"]) == {"Q from bob?"}
    queue_reasons = {q["item_id"]: q["reasons"] for q in queue}
    assert queue_reasons["a2"] == ["low_relevance", "reviewer_conflict"]
    assert queue_reasons["a6"] == ["reviewer_conflict", "sensitive"]
    assert [q for q in queue if q["item_id"] == "a2"][0]["reviewed_by"] == ["alice", "bob"]
    assert queue[0]["item_id"] in {"a2", "a6"}  # conflicts first
    assert "a1" not in queue_reasons and "a3" not in queue_reasons and "a7" not in queue_reasons
    assert metrics["options_withheld"] == 1
    conflicts = metrics["agreement"]["conflicts"]
    assert conflicts == {"items": 4, "decision": 2, "label": 1, "text": 1,
                         "awaiting_adjudication": 2}
    agreement = metrics["agreement"]
    assert agreement["items_multi_reviewed"] == 5
    assert agreement["reviewers"] == {"alice": 5, "bob": 5, "carol": 1}
    # accept/reject units: a1 [a,a], a2 [a,r], a3 [a,a,r], a6 [a,a], a7 [a,a]
    # o_aa = 2+1+2+2 = 7, o_ar = o_ra = 1+1 = 2, o_rr = 0; n_a = 9, n_r = 2, n = 11
    # alpha = 1 - (n-1) * 4 / (2 * 9 * 2) = 1 - 40/36 = -0.1111
    assert agreement["decision"]["alpha"] == pytest.approx(-0.1111, abs=1e-4)
    assert agreement["decision"]["units"] == 5


def test_invalid_decision_is_requeued_and_refusal_confirmed(workdir: Path) -> None:
    decisions = workdir / "decisions"
    write_decisions(decisions, "alice.jsonl", [
        # power -> security collides with the existing security option
        dec("a1", "alice", "edit", 1, edits={"relabel": {"power": "security"}}),
        dec("a4", "alice", "reject", 2, reason="refusal is right"),  # confirms: no problem
        dec("a5", "alice", "accept", 3),  # nothing to accept: reported
        dec("a3", "alice", "edit", 4, edits={"options": {"universalism": "x"}}),  # not in a3
        dec("a6", "alice", "edit", 5, edits={"relabel": {"self_direction": "power"}}),  # not in a6
    ])
    no_overlap = Params(review=ReviewParams(audit_rate=0.0, overlap_rate=0.0))
    metrics, queue, rev = _run(workdir, SPECS, no_overlap, decisions)
    problems = metrics["decision_problem_examples"]
    assert len(problems) == 4, problems
    assert any("a6: edits name option(s) the item does not have: self_direction" in p
               for p in problems)
    assert any("a1: relabel gives two options the same value" in p for p in problems)
    assert any("a5: alice accepted an item the annotator did not annotate" in p for p in problems)
    assert any("a3: edits name option(s) the item does not have: universalism" in p
               for p in problems)
    reasons = {q["item_id"]: q["reasons"] for q in queue}
    assert reasons["a1"] == ["invalid_decision", "verifier_disagreement"]
    assert reasons["a6"] == ["invalid_decision", "sensitive"]
    assert "a4" not in reasons and "a5" not in reasons
    assert metrics["review_status"]["rejected"] == 2


def test_second_review_sample_stays_in_queue(workdir: Path) -> None:
    decisions = workdir / "decisions"
    write_decisions(decisions, "alice.jsonl", [dec("a1", "alice", "accept", 1)])
    write_decisions(decisions, "bob.jsonl", [dec("a3", "bob", "accept", 1),
                                             dec("a3", "carol", "accept", 2)])
    params = Params(review=ReviewParams(audit_rate=0.0, overlap_rate=1.0))
    metrics, queue, _ = _run(workdir, SPECS, params, decisions)
    by_id = {q["item_id"]: q for q in queue}
    assert by_id["a1"]["reasons"] == ["second_review", "verifier_disagreement"]
    assert by_id["a1"]["reviewed_by"] == ["alice"]
    assert "a3" not in by_id  # already two reviewers
    assert metrics["overlap_rate"] == 1.0


def test_resolve_item_rules() -> None:
    def d(rev: str, kind: str, minute: int, **kw: Any) -> Decision:
        return Decision.model_validate(dec("x1", rev, kind, minute, **kw))

    values = ["power", "security", "hedonism"]
    r = resolve_item("x1", {"a": d("a", "accept", 1)}, values)
    assert r.approved and r.decision.decision == "accept" and not r.conflicts
    r = resolve_item("x1", {"a": d("a", "accept", 1), "b": d("b", "reject", 2)}, values)
    assert not r.approved and r.conflicts == ["decision"] and r.needs_adjudication
    r = resolve_item("x1", {
        "a": d("a", "edit", 1, edits={"relabel": {"power": "achievement"}, "drop": ["hedonism"]}),
        "b": d("b", "edit", 2, edits={"relabel": {"power": "achievement"}, "drop": ["hedonism"]}),
        "c": d("c", "accept", 3),
    }, values)
    assert r.approved and r.labels == {"power": "achievement", "security": "security",
                                       "hedonism": None}
    assert r.decision.edits is not None and r.decision.edits.drop == ["hedonism"]
    assert r.conflicts == ["label"] and not r.needs_adjudication  # c disagreed, 2 of 3 decided
    r = resolve_item("x1", {
        "a": d("a", "edit", 1, edits={"relabel": {"power": "achievement"}}),
        "b": d("b", "accept", 2),
    }, values)
    assert r.approved and r.labels["power"] is None and r.needs_adjudication  # 1-1: withheld


def test_standing_ignores_retracted_and_orders_by_time() -> None:
    from pipeline.review.decisions import LoadedDecisions

    rows = [dec("x1", "a", "accept", 5), dec("x1", "a", "reject", 1), dec("x1", "b", "reject", 1),
            dec("x1", "b", "retract", 2)]
    loaded = LoadedDecisions([(Decision.model_validate(r), "f", i) for i, r in enumerate(rows)])
    standing = standing_by_reviewer(loaded)
    assert {k: v.decision for k, v in standing["x1"].items()} == {"a": "accept"}


def test_commands_plug_into_the_real_review_group(workdir: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app, review_app
    from pipeline.review.commands import register

    if not any(c.name == "agreement" for c in review_app.registered_commands):
        register(review_app)
    write_annotations(workdir / "interim" / "annotations.parquet", SPECS)
    (workdir / "params.yaml").write_text("seed: 13\nreview:\n  audit_rate: 0.0\n")
    write_decisions(workdir / "review" / "decisions", "alice.jsonl",
                    [dec("a1", "alice", "accept", 1), dec("a2", "alice", "reject", 2)])
    write_decisions(workdir / "review" / "decisions", "bob.jsonl",
                    [dec("a1", "bob", "accept", 3), dec("a2", "bob", "accept", 4)])
    runner = CliRunner()
    res = runner.invoke(app, ["review"])  # no subcommand: the DVC stage
    assert res.exit_code == 0, res.output
    metrics = json.loads((workdir / "metrics" / "review.json").read_text())
    assert metrics["agreement"]["items_multi_reviewed"] == 2
    assert (workdir / "review" / "queue.jsonl").exists()
    res = runner.invoke(app, ["review", "agreement", "--json"])
    assert res.exit_code == 0, res.output
    figures = json.loads(res.stdout)  # log lines go to stderr
    assert figures == metrics["agreement"]
    # units [accept, accept] and [reject, accept]: o_aa = 2, o_ar = o_ra = 1, n_a = 3, n_r = 1
    # alpha = 1 - (4 - 1) * 2 / (2 * 3 * 1) = 0
    assert figures["decision"]["alpha"] == 0.0
    res = runner.invoke(app, ["review", "agreement"])
    assert "Krippendorff" in res.output and "reviewer_conflict" not in res.output
