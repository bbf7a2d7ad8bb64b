"""``valact survey``: plans, balance, storage, the app's rules and the export, in process.

The app is driven through its HTML with Flask's test client (the same pages a browser gets);
the real server, the load and the browser are in test_survey_server.py and
test_survey_browser.py.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from survey_helpers import (
    ANSWER,
    KEY,
    Participant,
    Profile,
    scenarios,
    small_questionnaire,
    value_lookup,
)
from typer.testing import CliRunner

from pipeline.cli import app as cli
from pipeline.evaluate import responses as resp
from pipeline.evaluate.analysis import run_analysis
from pipeline.survey.app import create_app
from pipeline.survey.export import export, status
from pipeline.survey.plan import Design, Plan, Step, assign_scenarios, make_plan
from pipeline.survey.store import Store, StudyMismatch, code_hash, normalise_code
from pipeline.survey.study import Study


class Clock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def study(n: int = 6, **design: int) -> Study:
    d = {"scenarios_per_participant": 3, "hold_per_participant": 1, "attention_checks": 2}
    d.update(design)
    return Study(scenarios(n), small_questionnaire(), Design(**d))


@pytest.fixture
def made(tmp_path: Path) -> tuple[Study, Store, object]:
    s = study()
    store = Store(tmp_path / "s.sqlite")
    return s, store, create_app(s, store).test_client()


# -- plans --------------------------------------------------------------------------------


def test_a_plan_is_seeded_complete_and_keeps_checks_inside_their_block() -> None:
    s = study(8, scenarios_per_participant=4, hold_per_participant=2)
    chosen = s.scenarios[:4]
    p1 = make_plan(s.design, 1, s.questionnaire, chosen)
    assert p1 == make_plan(s.design, 1, s.questionnaire, chosen)  # reproducible
    p2 = make_plan(s.design, 2, s.questionnaire, chosen)
    assert [x.key for x in p1.steps] != [x.key for x in p2.steps]  # another participant
    kinds = Counter(x.kind for x in p1.steps)
    assert kinds == {"state": 10, "act": 4, "hold": 2, "check_state": 1, "check_act": 1}
    blocks = [x.block for x in p1.steps]
    assert blocks == sorted(blocks, key=["questionnaire", "scenarios", "hold"].index)
    assert blocks[0] == "questionnaire" and p1.steps[0].kind == "state"  # a check never opens
    for x in p1.steps:
        if x.kind in ("act", "hold"):
            sc = s.by_id[x.item_id]
            assert sorted(x.options) == sorted(o.option_id for o in sc.options)
            assert dict(zip(x.options, x.values, strict=True)) == {
                o.option_id: o.value for o in sc.options}
        if x.kind == "hold":
            assert x.target in x.values and x.item_id in p1.scenario_ids
    orders = {tuple(x.options) for p in (p1, p2) for x in p.steps if x.kind == "act"}
    assert len(orders) > 4  # option orders differ between participants
    assert Plan(tuple(Step.from_json(x.to_json()) for x in p1.steps)) == p1


def test_assignment_takes_the_least_loaded_scenarios() -> None:
    loads = {f"s{i}": (5 if i < 7 else 1) for i in range(10)}
    assert sorted(assign_scenarios(loads, 3, 0, 1)) == ["s7", "s8", "s9"]
    assert assign_scenarios(loads, 3, 0, 1) == assign_scenarios(loads, 3, 0, 1)
    assert len(assign_scenarios(loads, 50, 0, 1)) == 10


def test_the_design_refuses_impossible_settings() -> None:
    with pytest.raises(ValueError, match="hold_per_participant cannot exceed"):
        Design(scenarios_per_participant=2, hold_per_participant=3)
    with pytest.raises(ValueError, match="at least 1"):
        Design(scenarios_per_participant=0)


# -- storage and balance ------------------------------------------------------------------


def complete(store: Store, participant: object) -> None:
    p = store.by_number(participant.number)  # type: ignore[attr-defined]
    assert p is not None
    for x in p.plan.steps:
        store.record(p, x.key, x.answer or (x.options[0] if x.options else "3"))


def test_every_scenario_gets_the_same_number_of_answers_when_everyone_completes(
        tmp_path: Path) -> None:
    s = study(10, hold_per_participant=0)
    store = Store(tmp_path / "s.sqlite")
    store.bind_study(s.identity())
    for _ in range(20):
        p, _code = store.enroll(s.plan_for, s.scenario_ids, s.stale_seconds)
        complete(store, p)
    st = status(store, s.stale_seconds)
    assert st["participants"]["completed"] == 20
    assert set(st["per_scenario"].values()) == {6}  # 20 x 3 / 10


def test_a_stale_dropout_gives_its_scenarios_to_the_next_participant(tmp_path: Path) -> None:
    clock = Clock()
    s = study(6, hold_per_participant=0)
    store = Store(tmp_path / "s.sqlite", clock=clock)
    store.bind_study(s.identity())
    first, _ = store.enroll(s.plan_for, s.scenario_ids, s.stale_seconds)
    second, _ = store.enroll(s.plan_for, s.scenario_ids, s.stale_seconds)
    assert not set(first.plan.scenario_ids) & set(second.plan.scenario_ids)  # both live
    complete(store, second)
    clock.t += s.stale_seconds + 1  # the first participant walked away
    third, _ = store.enroll(s.plan_for, s.scenario_ids, s.stale_seconds)
    assert set(third.plan.scenario_ids) == set(first.plan.scenario_ids)
    assert status(store, s.stale_seconds)["participants"]["stale"] == 1


def test_an_answer_is_stored_once_and_a_change_is_counted(tmp_path: Path) -> None:
    s = study()
    store = Store(tmp_path / "s.sqlite")
    store.bind_study(s.identity())
    p, code = store.enroll(s.plan_for, s.scenario_ids, s.stale_seconds)
    key = p.plan.steps[0].key
    assert store.record(p, key, "4") is True
    assert store.record(p, key, "4") is False  # a double submit
    assert store.answers(p.number)[key].revisions == 0
    assert store.record(p, key, "5") is True
    assert store.answers(p.number)[key].revisions == 1
    assert store.event_counts() == {"change": 1}
    store.close()
    again = Store(tmp_path / "s.sqlite")  # a restart keeps it
    assert again.answers(p.number)[key].answer == "5"
    assert again.by_code(code.lower()) is not None  # codes are typed in any case
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        stored = db.execute("SELECT code_hash FROM participants").fetchone()[0]
        assert stored == code_hash(code) and code not in stored  # only the hash is kept


def test_a_database_refuses_another_study(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.bind_study(study().identity())
    store.bind_study(study().identity())  # the same study again is fine
    with pytest.raises(StudyMismatch, match="scenarios_per_participant: 3 in the database"):
        store.bind_study(study(scenarios_per_participant=4).identity())
    with pytest.raises(StudyMismatch, match="dataset"):
        store.bind_study(study(7).identity())


def test_codes_normalise_what_people_type() -> None:
    assert normalise_code(" k7qf-m2xd ") == "K7QFM2XD"


# -- the app's rules ----------------------------------------------------------------------


def page(r: object) -> str:
    return r.get_data(as_text=True)  # type: ignore[attr-defined]


def test_consent_is_required_and_start_shows_a_code(made: tuple) -> None:
    s, store, client = made
    r = client.post("/start", data={})
    assert r.status_code == 422 and "tick the box" in page(r)
    assert store.participants() == []
    who = Participant(client)
    code = who.start()
    assert len(normalise_code(code)) == 8
    client.post("/start", data={"consent": "yes"})  # a double click enrols nobody new
    assert len(store.participants()) == 1
    assert "18 or older" in page(client.get("/"))


def test_no_jumping_ahead_and_an_empty_answer_is_refused(made: tuple) -> None:
    s, store, client = made
    Participant(client).start()
    assert client.get("/q/5").headers["Location"].endswith("/q")
    r = client.post("/q/0", data={"key": page(client.get("/q/0")).split('name="key" value="'
                                                                         )[1].split('"')[0]})
    assert r.status_code == 422 and "Choose one answer, or press Skip" in page(r)
    assert store.answers(1) == {}
    r = client.post("/q/0", data={"key": "state:not-this-one", "answer": "3"})
    assert r.status_code == 303 and store.answers(1) == {}  # a stale page stores nothing


def test_back_within_a_part_skip_and_the_finished_part_is_closed(made: tuple) -> None:
    s, store, client = made
    who = Participant(client, values_of=value_lookup(s.scenarios, s.questionnaire))
    who.start()
    n, first = who.current()  # type: ignore[misc]
    who.answer(n, first)
    n2, second = who.current()  # type: ignore[misc]
    assert n2 == 1 and "Back to the previous question" in second
    assert "Back to the previous question" not in first
    back = page(client.get("/q/0?back=1"))
    chosen = who.acknowledged[KEY.search(first).group(1)]  # type: ignore[union-attr]
    assert f'value="{chosen}" required checked' in back  # the stored answer is shown
    assert store.event_counts()["back"] == 1
    who.answer(1, second, skip=True)
    assert store.answers(1)[KEY.search(second).group(1)].skipped  # type: ignore[union-attr]
    # answer the rest of the questionnaire, then the first part is closed
    plan = store.by_number(1).plan  # type: ignore[union-attr]
    q_len = sum(x.block == "questionnaire" for x in plan.steps)
    while (cur := who.current()) is not None and cur[0] < q_len:
        who.answer(*cur)
    assert cur is not None and cur[0] == q_len
    assert client.get("/q/0").headers["Location"].endswith("/q")
    assert "Back to the previous question" not in cur[1]  # not across parts
    r = client.post("/q/0", data={"key": plan.steps[0].key, "answer": "6"})
    assert r.status_code == 303
    assert store.answers(1)[plan.steps[0].key].answer == chosen  # unchanged


def test_a_double_submit_stores_one_answer_and_resume_continues(made: tuple,
                                                               tmp_path: Path) -> None:
    s, store, client = made
    who = Participant(client)
    code = who.start()
    for _ in range(3):
        who.answer(*who.current(), twice=True)  # type: ignore[misc]
    assert len(store.answers(1)) == 3
    assert store.event_counts().get("change", 0) == 0
    fresh = create_app(s, store).test_client()  # another browser: no cookie
    assert fresh.get("/q").headers["Location"].endswith("/")
    r = fresh.post("/resume", data={"code": "NOPE-NOPE"})
    assert r.status_code == 422 and "No participant has this code" in page(r)
    r = fresh.post("/resume", data={"code": code.lower().replace("-", " ")})
    assert r.headers["Location"].endswith("/q")
    assert fresh.get("/q").headers["Location"].endswith("/q/3")
    other = Participant(fresh)
    assert other.finish() == len(store.by_number(1).plan.steps) - 3  # type: ignore[union-attr]
    assert "Thank you" in page(fresh.get("/done"))
    assert store.by_number(1).status == "completed"  # type: ignore[union-attr]


def test_withdrawal_deletes_the_answers(made: tuple) -> None:
    s, store, client = made
    who = Participant(client)
    code = who.start()
    who.answer(*who.current())  # type: ignore[misc]
    r = client.post("/withdraw", data={})
    assert r.status_code == 422 and store.answers(1)
    r = client.post("/withdraw", data={"confirm": "yes"})
    assert "You have withdrawn" in page(r)
    assert store.answers(1) == {} and store.by_number(1).status == "withdrawn"  # type: ignore[union-attr]
    assert client.get("/q").headers["Location"].endswith("/")  # the session is gone
    fresh = create_app(s, store).test_client()
    assert fresh.post("/resume", data={"code": code}).status_code == 422


def test_a_withdrawal_by_code_from_the_command_line(made: tuple, tmp_path: Path) -> None:
    s, store, client = made
    code = Participant(client).start()
    runner = CliRunner()
    r = runner.invoke(cli, ["survey", "withdraw", code, "--db", str(store.path)])
    assert r.exit_code == 0 and "P0001 withdrawn" in r.stdout
    assert store.by_number(1).status == "withdrawn"  # type: ignore[union-attr]
    r = runner.invoke(cli, ["survey", "withdraw", "AAAA-AAAA", "--db", str(store.path)])
    assert r.exit_code == 1


# -- export and analysis ------------------------------------------------------------------


def run_people(s: Study, store: Store, n: int, *, wrong_check: set[int] = frozenset(),
               unfinished: set[int] = frozenset()) -> None:
    values = value_lookup(s.scenarios, s.questionnaire)
    for i in range(n):
        client = create_app(s, store).test_client()
        who = Participant(client, Profile(100 + i), values_of=values)
        who.start()
        steps = 0
        while (cur := who.current()) is not None:
            steps += 1
            if i in unfinished and steps > 5:
                break
            n_, text = cur
            if i in wrong_check and "check-umbrella" in text:
                key = KEY.search(text).group(1)  # type: ignore[union-attr]
                other = [c for c in ANSWER.findall(text) if c != "check-umbrella"][0]
                client.post(f"/q/{n_}", data={"key": key, "answer": other})
                continue
            who.answer(n_, text, skip=(i == 0 and steps == 2))


@pytest.mark.slow
def test_export_is_what_analyze_human_reads(tmp_path: Path) -> None:
    s = study(10, scenarios_per_participant=10, hold_per_participant=2)
    store = Store(tmp_path / "s.sqlite")
    create_app(s, store)
    run_people(s, store, 8, wrong_check={6}, unfinished={7})
    out = tmp_path / "humans.csv"
    result = export(store, out)
    assert result.participants == 6
    assert result.left_out == {"withdrawn": 0, "not_completed": 1, "failed_attention": 1,
                               "no_answers": 0}
    df = resp.read_human(out)
    assert sorted(df["respondent"].unique()) == [f"P000{i}" for i in range(1, 7)]
    assert Counter(df["condition"]) == {"state": 60, "act": 60, "hold": 12}
    skipped = df[df["parse_detail"] == "skipped"]
    assert len(skipped) == 1 and skipped.iloc[0]["parse_status"] == "unparseable"
    act = df[(df["condition"] == "act") & (df["parse_status"] == "ok")]
    for _, row in act.iterrows():  # the chosen option is the one at the chosen position
        assert row["option_ids"][row["choice_position"]] == row["chosen_option_id"]
        assert row["option_values"][row["choice_position"]] == row["chosen_value"]
    hold = df[df["condition"] == "hold"]
    assert hold["item_id"].str.contains(r"\|").all() and hold["target_value"].notna().all()
    assert not df["item_id"].str.startswith("check").any()  # checks are not items
    assert len(resp.read_human(_export(store, tmp_path / "all.parquet", True))) > len(df)
    analysis = run_analysis([], [("human", out)])
    ind = analysis.individuals
    assert len(ind) == 6
    # simulated people rate and choose by the same weights: their gap correlations are positive
    assert float(pd.to_numeric(ind["pearson_r"]).median()) > 0.3


def _export(store: Store, out: Path, everyone: bool) -> Path:
    export(store, out, include_partial=everyone, include_attention_failures=everyone)
    return out


@pytest.mark.slow
def test_status_and_export_commands(tmp_path: Path) -> None:
    s = study(6)
    store = Store(tmp_path / "s.sqlite")
    create_app(s, store)
    run_people(s, store, 3)
    runner = CliRunner()
    r = runner.invoke(cli, ["survey", "status", "--db", str(store.path)])
    assert r.exit_code == 0, r.output
    assert "3 started, 3 completed" in r.stdout and "min 1" in r.stdout
    out = tmp_path / "x.parquet"
    r = runner.invoke(cli, ["survey", "export", "--db", str(store.path), "--out", str(out)])
    assert r.exit_code == 0 and "3 participants" in r.stdout
    r = runner.invoke(cli, ["evaluate", "analyze", "--human", str(out),
                            "--out", str(tmp_path / "report")])
    assert r.exit_code == 0, r.output
    report = (tmp_path / "report" / "report.md").read_text()
    assert "human" in report
    r = runner.invoke(cli, ["survey", "status", "--db", str(tmp_path / "none.sqlite")])
    assert r.exit_code == 1 and "does not exist" in r.output
    r = runner.invoke(cli, ["survey", "export", "--db", str(store.path), "--out",
                            str(tmp_path / "x.json")])
    assert r.exit_code == 1 and ".parquet or .csv" in r.output
