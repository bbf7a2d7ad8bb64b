"""``valact evaluate``: conditions, parsing, resume, analysis and report, end to end.

A small dataset folder is built with the project's own stages (annotate offline -> review
-> assemble -> build) on synthetic posts; scripted respondents (``servers/respondents.py``)
answer through the local OpenAI-compatible server, so the real ``openai`` client and the
``pipeline.llm`` layer are exercised, and the harness must recover their known profiles.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from pipeline.evaluate import responses as resp
from pipeline.evaluate.analysis import run_analysis
from pipeline.evaluate.commands import register
from pipeline.evaluate.conditions import build_items, option_order
from pipeline.evaluate.parsing import parse_choice, parse_rating
from pipeline.evaluate.questionnaire import (
    Questionnaire,
    QuestionnaireError,
    Scale,
    load_questionnaire,
    stated_profile,
)
from pipeline.evaluate.report import write_report
from pipeline.evaluate.runner import RunError, RunSpec, run_condition
from pipeline.evaluate.scenarios import Scenario, fingerprint, load_scenarios
from pipeline.llm import LLMClient, ResponseCache
from pipeline.schemas import ArtifactError
from pipeline.values import VALUE_IDS
from servers.openai_server import Fault, OpenAIServer
from servers.respondents import Benevolent, Consistent, Flaky, Maps, Router, value_maps
from stage_fixtures import build_dataset

N_SCENARIOS = 20


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset folder built by the project's stages from synthetic posts."""
    return build_dataset(tmp_path_factory.mktemp("build"), N_SCENARIOS)


@pytest.fixture(scope="module")
def scenarios(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Scenario]:
    return load_scenarios(dataset_dir, cache_dir=tmp_path_factory.mktemp("hf_cache"))


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_questionnaire()


@pytest.fixture(scope="module")
def maps(scenarios: list[Scenario], questionnaire: Questionnaire) -> Maps:
    return value_maps(scenarios, questionnaire.items)


pytestmark = pytest.mark.usefixtures("no_openai_env")  # tests/conftest.py


def client(llm_server: OpenAIServer, cache: Path, **kw: Any) -> LLMClient:
    opts: dict[str, Any] = {"base_url": llm_server.base_url, "cache": cache, "concurrency": 8,
                            "timeout": 10.0, "max_attempts": 2, "backoff_base": 0.01}
    opts.update(kw)
    return LLMClient(**opts)


def run_all(llm_server: OpenAIServer, out: Path, models: list[str], scenarios: list[Scenario],
            questionnaire: Questionnaire, **spec_kw: Any) -> dict[tuple[str, str], Path]:
    dirs = {}
    with client(llm_server, out / "cache.sqlite") as llm:
        for model in models:
            for cond in ("act", "state", "select", "hold"):
                run_dir = out / f"{model}-{cond}"
                run_condition(RunSpec(cond, model, run_dir, **spec_kw), llm,  # type: ignore[arg-type]
                              scenarios=scenarios, questionnaire=questionnaire, progress=False)
                dirs[(model, cond)] = run_dir
    return dirs


# -- parsing ---------------------------------------------------------------------------------

OPTIONS = [
    "Put the wellbeing of the people close to you first.",
    "Use the leverage you have to secure the better deal.",
    "Choose the option that leaves you relaxed and content.",
    "Treat this as a chance to shake things up.",
    "Follow the rules everyone expects you to follow.",
]


@pytest.mark.parametrize(("reply", "index"), [
    ("B", 1), ("(b)", 1), ("Option B", 1), ("option b", 1), ("**B**", 1), ("B.", 1),
    ("b", 1), ("Answer: B", 1), ("The answer is B.", 1), ("I would choose (D)", 3),
    ("I recommend C because it is kind.", 2), ('{"choice": "B"}', 1),
    ('```json\n{"choice": "e"}\n```', 4), ('{"answer": "Follow the rules everyone expects '
                                          'you to follow."}', 4),
    ("Use the leverage you have to secure the better deal.", 1),
    ("use the leverage you have to secure the better deal", 1),
    ("E - Follow the rules everyone expects you to follow.", 4),
    ("B. Use the leverage you have to secure the better deal.", 1),
    ("I choose option a", 0), ("a", 0), ("A good option is B.", 1),
    ("B. Option A would hurt them.", 1), ("(c) because A is unkind", 2),
])
def test_parse_choice_accepts_common_formats(reply: str, index: int) -> None:
    got = parse_choice(reply, OPTIONS)
    assert got.status == "ok" and got.index == index, got


@pytest.mark.parametrize(("reply", "detail"), [
    ("", "empty"), ("F", "out_of_range"), ("A or B", "ambiguous"),
    ("I think a good idea is to talk first.", "no_choice"),
    ("The answer is a difficult one.", "no_choice"),
    ("I would choose A, or maybe C.", "ambiguous"),
    ('{"choice": "Z"}', "out_of_range"), ("As an AI I cannot choose.", "no_choice"),
    # the letter says one option, the quoted text another: never guessed
    ("A. Use the leverage you have to secure the better deal.", "ambiguous"),
    ("**C** Follow the rules everyone expects you to follow.", "ambiguous"),
    ('{"choice": "D. Put the wellbeing of the people close to you first."}', "ambiguous"),
])
def test_parse_choice_never_guesses(reply: str, detail: str) -> None:
    got = parse_choice(reply, OPTIONS)
    assert got.status == "unparseable" and got.index is None and got.detail == detail, got


@pytest.mark.parametrize(("reply", "rating"), [
    ("5", 5), ("5/6", 5), ("5 out of 6", 5), ("Rating: 4", 4), ('{"rating": 2}', 2),
    ('{"rating": "6"}', 6), ("strongly agree", 6), ("I agree.", 5), ("Slightly disagree", 3),
    ("On a scale of 1 to 6, I would say 4.", 4), ("**6**", 6), ("I disagree (2).", 2),
])
def test_parse_rating(reply: str, rating: int) -> None:
    got = parse_rating(reply, 1, 6, Scale().labels)
    assert got.status == "ok" and got.index == rating, got


@pytest.mark.parametrize("reply", ["7", "0", "3 or 4", "As an AI, I have no values.", "",
                                   "I agree, 2", '{"rating": 9}'])
def test_parse_rating_unparseable(reply: str) -> None:
    assert parse_rating(reply, 1, 6, Scale().labels).status == "unparseable"


# -- questionnaire ----------------------------------------------------------------------------


def test_shipped_questionnaire(questionnaire: Questionnaire) -> None:
    assert len(questionnaire.items) == 40
    assert questionnaire.per_value() == dict.fromkeys(VALUE_IDS, 4)
    assert len({i.item_id for i in questionnaire.items}) == 40
    for item in questionnaire.items:
        words = set(item.text.replace(".", " ").replace(",", " ").split())
        assert words & {"I", "me", "my", "My", "Me"}, item  # first person
        assert "important to him" not in item.text and "important to her" not in item.text
    assert questionnaire.source == "builtin:questionnaire.v1"
    assert questionnaire.fingerprint == load_questionnaire().fingerprint
    assert (questionnaire.scale.minimum, questionnaire.scale.maximum) == (1, 6)


def test_user_questionnaire_files_and_reverse_scoring(tmp_path: Path) -> None:
    csv_path = tmp_path / "q.csv"
    csv_path.write_text(
        "item_id,text,value,reverse\n"
        "b1,I help people,benevolence,false\n"
        "b2,I ignore others' needs,benevolence,true\n"
        "p1,I want to be in charge,power,no\n"
        "p2,I am happy to let others lead,4,yes\n",
        encoding="utf-8",
    )
    q = load_questionnaire(csv_path)
    assert [i.reverse for i in q.items] == [False, True, False, True]
    assert q.items[3].value == "power"  # ClassLabel index 4
    jsonl = tmp_path / "q.jsonl"
    jsonl.write_text("\n".join(json.dumps({"text": i.text, "value": i.value,
                                           "reverse": i.reverse}) for i in q.items))
    assert [i.value for i in load_questionnaire(jsonl).items] == [i.value for i in q.items]
    # benevolence 6 and (reversed) 1 -> 6, 6; power 2 and (reversed) 5 -> 2, 2
    state = pd.DataFrame({"value": ["benevolence", "benevolence", "power", "power"],
                          "reverse": [False, True, False, True], "rating": [6, 1, 2, 5],
                          "scale_min": 1, "scale_max": 6})
    prof = stated_profile(state).set_index("value")
    assert prof.loc["benevolence", "stated_score"] == pytest.approx(2.0)  # 6 - mean 4
    assert prof.loc["power", "stated_score"] == pytest.approx(-2.0)
    assert pd.isna(prof.loc["hedonism", "stated_score"])

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "value": "kindness"}\n')
    with pytest.raises(QuestionnaireError, match=r"bad.jsonl:1: unknown value 'kindness'"):
        load_questionnaire(bad)
    bad.write_text('{"text": "x", "value": "power", "reverse": "sometimes"}\n')
    with pytest.raises(QuestionnaireError, match="reverse"):
        load_questionnaire(bad)
    with pytest.raises(QuestionnaireError, match="needs 7 labels"):
        Scale(1, 7, ("a",))


# -- scenarios and option order --------------------------------------------------------------


def test_scenarios_from_folder_and_parquet(dataset_dir: Path, scenarios: list[Scenario],
                                           tmp_path: Path) -> None:
    assert len(scenarios) == N_SCENARIOS
    assert all(len(s.options) == 5 and {o.value for o in s.options} <= set(VALUE_IDS)
               for s in scenarios)
    nested = pd.DataFrame([{"scenario_id": s.scenario_id, "scenario": s.scenario,
                            "question": s.question,
                            "options": [{"option_id": o.option_id, "text": o.text,
                                         "value": VALUE_IDS.index(o.value)}
                                        for o in s.options]} for s in scenarios])
    nested.to_parquet(tmp_path / "nested.parquet")
    flat = pd.DataFrame([{"scenario_id": s.scenario_id, "scenario": s.scenario,
                          "question": s.question, "option_id": o.option_id, "text": o.text,
                          "value": o.value} for s in scenarios for o in s.options])
    flat.to_parquet(tmp_path / "flat.parquet")
    for path in (tmp_path / "nested.parquet", tmp_path / "flat.parquet"):
        assert fingerprint(load_scenarios(path)) == fingerprint(scenarios)


def test_option_order_is_seeded_and_balanced(scenarios: list[Scenario]) -> None:
    a = [option_order(7, "act", f"s{i}", None, 5) for i in range(2000)]
    assert a == [option_order(7, "act", f"s{i}", None, 5) for i in range(2000)]
    b = [option_order(8, "act", f"s{i}", None, 5) for i in range(2000)]
    assert sum(x != y for x, y in zip(a, b, strict=True)) > 1900
    assert option_order(7, "select", "s1", "power", 5) != option_order(7, "select", "s1",
                                                                       "tradition", 5) or \
        option_order(7, "select", "s2", "power", 5) != option_order(7, "select", "s2",
                                                                   "tradition", 5)
    first = Counter(o.index(0) for o in a)  # where the dataset's first option lands
    assert all(330 < first[p] < 470 for p in range(5)), first
    items = build_items("act", scenarios=scenarios[:5], seed=7)
    assert [[o.option_id for o in it.options] for it in items] == [
        [s.options[i].option_id for i in option_order(7, "act", s.scenario_id, None, 5)]
        for s in scenarios[:5]
    ]
    # --limit does not change the order of the scenarios it keeps
    assert build_items("act", scenarios=scenarios, seed=7)[:5] == items


# -- the whole harness ------------------------------------------------------------------------


@pytest.mark.slow
def test_harness_recovers_scripted_respondents(
    llm_server: OpenAIServer, scenarios: list[Scenario], questionnaire: Questionnaire,
    maps: Maps, tmp_path: Path,
) -> None:
    flaky = Flaky(maps)
    router = Router({"benevolent": Benevolent(maps), "consistent": Consistent(maps),
                     "flaky": flaky})
    llm_server.responder = router
    dirs = run_all(llm_server, tmp_path / "evaluations", list(router.respondents), scenarios,
                   questionnaire, seed=3)
    n_targets = sum(len(s.options) for s in scenarios)
    per_model = N_SCENARIOS + 40 + 2 * n_targets
    assert llm_server.count() == 3 * per_model  # one request per item, nothing repeated

    # -- the benevolent respondent: every choice as scripted, through every answer format
    act = resp.read(dirs[("benevolent", "act")] / "responses.parquet")
    assert len(act) == N_SCENARIOS and (act["parse_status"] == "ok").all()
    for row in act.itertuples():
        offered = list(row.option_values)
        expected = "benevolence" if "benevolence" in offered else offered[0]
        assert row.chosen_value == expected
        assert row.option_ids[row.choice_position] == row.chosen_option_id
    methods = set()
    for d in dirs.values():
        methods |= set(resp.read(d / "responses.parquet")["parse_method"].dropna())
    assert {"letter", "json", "text", "number", "label"} <= methods

    analysis = run_analysis(sorted(dirs.values()))
    prof = analysis.profiles.set_index(["respondent", "value"])
    ben = prof.loc["benevolent"]
    offered_ben = sum("benevolence" in [o.value for o in s.options] for s in scenarios)
    assert ben.loc["benevolence", "enacted_rate"] == 1.0
    assert ben.loc["benevolence", "offered"] == offered_ben
    # questionnaire: benevolence 6, power 1, the rest 3 -> mean 3.1
    assert ben.loc["benevolence", "stated_score"] == pytest.approx(2.9)
    assert ben.loc["power", "stated_score"] == pytest.approx(-2.1)
    assert ben.loc["tradition", "stated_score"] == pytest.approx(-0.1)

    # -- select / hold accuracies as scripted
    sh = analysis.select_hold.set_index(["respondent", "value"])
    uni = [s for s in scenarios if "universalism" in [o.value for o in s.options]]
    expected_uni = sum("benevolence" not in [o.value for o in s.options] for s in uni) / len(uni)
    assert sh.loc[("benevolent", "universalism"), "select_accuracy"] == pytest.approx(
        expected_uni)
    assert sh.loc[("benevolent", "power"), "hold_accuracy"] == 0.0
    assert sh.loc[("benevolent", "power"), "drop"] == 1.0
    for v in VALUE_IDS:
        if v != "universalism":
            assert sh.loc[("benevolent", v), "select_accuracy"] == 1.0
        if v != "power":
            assert sh.loc[("benevolent", v), "hold_accuracy"] == 1.0
        assert sh.loc[("consistent", v), "select_accuracy"] == 1.0
        assert sh.loc[("consistent", v), "hold_accuracy"] == 1.0

    # -- the consistent respondent says what it does: a high stated-enacted correlation
    gap = analysis.gap.set_index("respondent")
    assert gap.loc["consistent", "n_values"] == 10
    assert gap.loc["consistent", "pearson_r"] > 0.85
    assert gap.loc["consistent", "spearman_rho"] > 0.8

    # -- the flaky respondent: every garbled reply counted, none guessed
    parsing = analysis.parsing.set_index(["respondent", "condition"])
    assert parsing.loc["flaky", "unparseable"].sum() == len(flaky.garbled) > 0
    assert parsing.loc["benevolent", "unparseable"].sum() == 0
    flaky_rows = pd.concat([resp.read(dirs[("flaky", c)] / "responses.parquet")
                            for c in ("act", "state", "select", "hold")])
    bad = flaky_rows[flaky_rows["parse_status"] == "unparseable"]
    assert bad["chosen_value"].isna().all() and bad["rating"].isna().all()

    # -- consistency: consistent and flaky choose alike
    cons = analysis.consistency.set_index(["profile", "respondent_a", "respondent_b"])
    assert cons.loc[("enacted", "consistent", "flaky"), "pearson_r"] > 0.9

    # -- settings record what the answers depend on, and no key
    settings = json.loads((dirs[("benevolent", "act")] / "settings.json").read_text())
    assert settings["seed"] == 3 and settings["condition"] == "act"
    assert settings["dataset_fingerprint"] == fingerprint(scenarios)
    assert "sha256" in settings["option_order"] and settings["option_labels"] == "ABCDE"
    assert settings["last_invocation"]["requests_sent"] == N_SCENARIOS
    assert "local" not in json.dumps(settings)  # the dummy API key never lands in settings

    # -- results and report
    out = tmp_path / "report"
    tables = analysis.write(out)
    assert {p.name for p in tables} >= {"profiles.parquet", "gap.parquet",
                                        "consistency.parquet", "select_hold.parquet"}
    report = write_report(analysis, out)
    text = report.read_text()
    for fig in ("profiles_bar.png", "profiles_radar.png", "consistency_enacted.png",
                "select_hold.png", "positions.png"):
        assert (out / fig).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({fig})" in text
    assert "## Summary" in text and "| consistent |" in text
    pd.testing.assert_frame_equal(pd.read_parquet(out / "gap.parquet"),
                                  analysis.gap.reset_index(drop=True), check_dtype=False)


def test_same_seed_same_orders_in_another_run(
    llm_server: OpenAIServer, scenarios: list[Scenario], questionnaire: Questionnaire,
    maps: Maps, tmp_path: Path,
) -> None:
    llm_server.responder = Router({"consistent": Consistent(maps)})
    with client(llm_server, tmp_path / "cache.sqlite") as llm:
        orders = []
        for name, seed in (("a", 5), ("b", 5), ("c", 6)):
            run_condition(RunSpec("act", "consistent", tmp_path / name, seed=seed, limit=10),
                          llm, scenarios=scenarios, progress=False)
            df = resp.read(tmp_path / name / "responses.parquet").set_index("item_id")
            orders.append(df["option_ids"].map(tuple).sort_index())
    assert orders[0].equals(orders[1])
    assert (orders[0] != orders[2]).sum() >= 8
    assert llm_server.count() == 20  # run b was served from the cache


@pytest.mark.slow
def test_resume_after_interruption_sends_no_duplicates(
    llm_server: OpenAIServer, scenarios: list[Scenario], questionnaire: Questionnaire,
    maps: Maps, tmp_path: Path,
) -> None:
    """Ctrl-C in the middle of a chunk: the resumed run asks only what was never received."""
    respondent = Consistent(maps)
    calls = {"n": 0}

    def interrupting(body: dict[str, Any]) -> Any:
        calls["n"] += 1
        if calls["n"] == 37:  # mid-way through the second chunk
            os.kill(os.getpid(), signal.SIGINT)
        return respondent(body)

    llm_server.responder = interrupting
    spec = RunSpec("select", "consistent", tmp_path / "run", chunk_size=25, limit=12)
    cache_path = tmp_path / "cache.sqlite"
    with pytest.raises(KeyboardInterrupt), client(llm_server, cache_path, concurrency=4) as llm:
        run_condition(spec, llm, scenarios=scenarios, progress=False)
    total = 12 * 5
    # (a request cut off while it was being sent reaches the server without a body)
    first = [json.dumps(r.body["messages"]) for r in llm_server.chat_records() if r.body]
    saved = resp.read(spec.run_dir / "responses.parquet")
    assert len(saved) == 25  # the first chunk was written before the interruption
    with ResponseCache(cache_path) as cache:
        cached_before = len(cache)
    assert 25 < cached_before < total
    llm_server.reset_counts()
    llm_server.responder = respondent
    with client(llm_server, cache_path) as llm:
        summary = run_condition(spec, llm, scenarios=scenarios, progress=False)
    resumed = [json.dumps(r.body["messages"]) for r in llm_server.chat_records()]
    assert len(resumed) == total - cached_before == summary.requests_sent
    assert summary.skipped == 25
    assert len(set(first) | set(resumed)) == total
    lost_in_flight = set(first) & set(resumed)  # sent, but cut off before the reply arrived
    assert len(lost_in_flight) <= 4
    done = resp.read(spec.run_dir / "responses.parquet")
    assert len(done) == total and (done["parse_status"] == "ok").all()
    assert done["item_id"].is_unique

    # a finished run sends nothing again: not without its cache, not without its responses
    llm_server.reset_counts()
    cache_path.unlink()
    with client(llm_server, cache_path) as llm:
        assert run_condition(spec, llm, scenarios=scenarios, progress=False).asked == 0
    (spec.run_dir / "responses.parquet").unlink()
    with client(llm_server, tmp_path / "cache2.sqlite") as llm:
        run_condition(spec, llm, scenarios=scenarios, progress=False)  # refill a cache
    llm_server.reset_counts()
    (spec.run_dir / "responses.parquet").unlink()
    with client(llm_server, tmp_path / "cache2.sqlite") as llm:
        run_condition(spec, llm, scenarios=scenarios, progress=False)
    assert llm_server.count() == 0
    again = resp.read(spec.run_dir / "responses.parquet").set_index("item_id").sort_index()
    ref = done.set_index("item_id").sort_index()
    assert again["chosen_value"].equals(ref["chosen_value"])


def test_failed_requests_are_asked_again_and_settings_guarded(
    llm_server: OpenAIServer, scenarios: list[Scenario], questionnaire: Questionnaire,
    maps: Maps, tmp_path: Path,
) -> None:
    llm_server.responder = Router({"consistent": Consistent(maps)})
    llm_server.push(Fault.status(400, "bad request"), Fault.status(400, "bad request"))
    spec = RunSpec("state", "consistent", tmp_path / "run")
    with client(llm_server, tmp_path / "cache.sqlite", concurrency=1) as llm:
        first = run_condition(spec, llm, questionnaire=questionnaire, progress=False)
    assert first.errors == 2 and first.ok == 38
    llm_server.reset_counts()
    with client(llm_server, tmp_path / "cache.sqlite") as llm:
        second = run_condition(spec, llm, questionnaire=questionnaire, progress=False)
        assert llm_server.count() == 2 and second.ok == 40 and second.errors == 0
        with pytest.raises(RunError, match="temperature: 0.0 -> 0.7"):
            run_condition(replace(spec, temperature=0.7), llm, questionnaire=questionnaire,
                          progress=False)
        other = Questionnaire(questionnaire.items[:10], "x", questionnaire.scale)
        with pytest.raises(RunError, match="questionnaire_fingerprint"):
            run_condition(spec, llm, questionnaire=other, progress=False)


def test_human_responses_are_analyzed_like_a_model(
    llm_server: OpenAIServer, scenarios: list[Scenario], questionnaire: Questionnaire,
    maps: Maps, tmp_path: Path,
) -> None:
    llm_server.responder = Router({"consistent": Consistent(maps)})
    dirs = []
    with client(llm_server, tmp_path / "cache.sqlite") as llm:
        for cond in ("act", "state"):
            dirs.append(tmp_path / cond)
            run_condition(RunSpec(cond, "consistent", dirs[-1]), llm,  # type: ignore[arg-type]
                          scenarios=scenarios, questionnaire=questionnaire, progress=False)
    # three people: two always pick the first option shown; p3 rates everything 4
    rows = []
    for person in ("p1", "p2", "p3"):
        for s in scenarios:
            rows.append({"respondent": person, "condition": "act",
                         "scenario_id": s.scenario_id,
                         "option_values": ";".join(o.value for o in s.options),
                         "chosen_value": "" if person == "p3" and s is scenarios[0]
                         else s.options[0].value})
        for item in questionnaire.items:
            rating = 4 if person == "p3" else (6 if item.value == "tradition" else 2)
            rows.append({"respondent": person, "condition": "state", "item_id": item.item_id,
                         "value": item.value, "rating": rating})
        rows.append({"respondent": person, "condition": "select", "scenario_id": "x",
                     "target_value": "power", "chosen_value": "power"})
    human = tmp_path / "humans.csv"
    pd.DataFrame(rows).to_csv(human, index=False)
    analysis = run_analysis(dirs, [("human", human)])
    assert analysis.respondents == ["consistent", "human"]
    prof = analysis.profiles.set_index(["respondent", "value"])
    firsts = Counter(s.options[0].value for s in scenarios)
    offered = Counter(o.value for s in scenarios for o in s.options)
    v = scenarios[0].options[0].value
    assert prof.loc[("human", v), "chosen"] == 3 * firsts[v] - 1  # p3's blank is unanswered
    assert prof.loc[("human", v), "offered"] == 3 * offered[v] - 1
    # stated: ipsatized per person, then averaged (p3 is flat: 0 everywhere)
    assert prof.loc[("human", "tradition"), "stated_score"] == pytest.approx(
        (2 * (6 - 2.4) + 0) / 3)
    assert len(analysis.individuals) == 3
    assert analysis.parsing.set_index(["respondent", "condition"]).loc[
        ("human", "act"), "unparseable"] == 1
    acc = analysis.accuracy.set_index(["respondent", "condition", "value"])
    assert acc.loc[("human", "select", "power"), "accuracy"] == 1.0
    text = write_report(analysis, tmp_path / "report", plots=False).read_text()
    assert "## Individual people" in text and "| human |" in text

    broken = tmp_path / "broken.csv"
    pd.DataFrame([{"respondent": "p1", "condition": "state", "value": "power"}]).to_csv(
        broken, index=False)
    with pytest.raises(ArtifactError, match="state rows need the column 'rating'"):
        resp.read_human(broken)
    pd.DataFrame([{"condition": "act", "option_values": "power;kindness",
                   "chosen_value": "power"}]).to_csv(broken, index=False)
    with pytest.raises(ArtifactError, match="option_values"):
        resp.read_human(broken)


@pytest.mark.slow
def test_cli_run_and_analyze(
    llm_server: OpenAIServer, dataset_dir: Path, maps: Maps, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    llm_server.responder = Router({"benevolent": Benevolent(maps)})
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """valact"""

    register(app)
    runner = CliRunner()
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("VALACT_LLM_CACHE", str(tmp_path / "cache.sqlite"))
    runs = tmp_path / "evaluations"
    common = [str(dataset_dir), "--model", "benevolent", "--runs-dir", str(runs),
              "--limit", "4", "--no-progress"]
    est = runner.invoke(app, ["evaluate", "run", *common, "--estimate"])
    assert est.exit_code == 0, est.output
    assert llm_server.count() == 0 and "4 requests: 0 cached, 4 to send" in est.output
    res = runner.invoke(app, ["evaluate", "run", *common, "-c", "act", "-c", "state"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in runs.iterdir()) == ["benevolent-act", "benevolent-state"]
    assert llm_server.count() == 4 + 40
    res = runner.invoke(app, ["evaluate", "run", *common, "-c", "act", "-c", "state"])
    assert res.exit_code == 0 and llm_server.count() == 44  # resumed: nothing left to ask
    res = runner.invoke(app, ["evaluate", "run", *common, "-c", "act"])
    assert res.exit_code == 0 and llm_server.count() == 44, res.output
    act_settings = json.loads((runs / "benevolent-act" / "settings.json").read_text())
    assert act_settings["questionnaire"] is None and act_settings["dataset_fingerprint"]
    res = runner.invoke(app, ["evaluate", "run", *common, "-c", "act", "--seed", "9"])
    assert res.exit_code == 1 and "other settings" in res.output
    res = runner.invoke(app, ["evaluate", "run", *common, "-c", "nope"])
    assert res.exit_code == 1 and "unknown condition" in res.output
    # --after: the dataset's posts are all from one month (created_month)
    res = runner.invoke(app, ["evaluate", "run", *common, "-c", "act", "--estimate",
                              "--after", "2000-01"])
    assert res.exit_code == 0 and f"{N_SCENARIOS} of {N_SCENARIOS} scenarios" in res.output
    res = runner.invoke(app, ["evaluate", "run", *common, "-c", "act", "--after", "2099-12"])
    assert res.exit_code == 1 and "no scenario is from a month after 2099-12" in res.output
    assert llm_server.count() == 44
    # a model the server does not know: the first chunk fails with 404 and the run stops
    llm_server.reset_counts()
    res = runner.invoke(app, ["evaluate", "run", *common[:1], "--model", "nobody",
                              "--runs-dir", str(tmp_path / "other"), "-c", "state",
                              "--chunk-size", "10", "--no-progress"])
    assert res.exit_code == 1 and "stopped early (http_404)" in res.output
    assert llm_server.count() == 10
    res = runner.invoke(app, ["evaluate", "analyze", "--runs-dir", str(runs)])
    assert res.exit_code == 0, res.output
    assert (runs / "report" / "report.md").exists()
    assert (runs / "report" / "profiles_bar.png").exists()
    people = tmp_path / "people.csv"
    pd.DataFrame([{"respondent": "p1", "condition": "state", "value": v, "rating": 1 + i % 6}
                  for i, v in enumerate(VALUE_IDS)]).to_csv(people, index=False)
    res = runner.invoke(app, ["evaluate", "analyze", "--runs-dir", str(runs), "--human",
                              f"crowd={people}", "--out", str(tmp_path / "rep2"),
                              "--no-plots"])
    assert res.exit_code == 0, res.output
    assert "| crowd |" in (tmp_path / "rep2" / "report.md").read_text()
    assert not list((tmp_path / "rep2").glob("*.png"))
    res = runner.invoke(app, ["evaluate", "questionnaire"])
    assert res.exit_code == 0 and '"items": 40' in res.output
