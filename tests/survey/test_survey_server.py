"""The survey served for real: ``valact survey serve`` (waitress) in its own process, on a
dataset folder built by the project's stages, answered over HTTP on 127.0.0.1.

- load: 55 simulated participants answer concurrently (some submit twice, some skip); every
  answer the server acknowledged is stored exactly once, and the scenarios stay balanced;
- durability: the server is killed (SIGKILL) twice while participants answer and restarted on
  the same database; every acknowledged answer is still there, sessions survive the restart,
  and everyone completes.

Both loops are bounded in time and send traffic only to 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from survey_helpers import (
    Participant,
    Profile,
    free_port,
    serve_args,
    served_study,
    value_lookup,
    wait_up,
)

from pipeline.evaluate.questionnaire import load_questionnaire
from pipeline.evaluate.scenarios import load_scenarios
from pipeline.survey.export import status
from pipeline.survey.store import Store
from stage_fixtures import build_dataset

pytestmark = pytest.mark.slow

PEOPLE = 55
N_SCENARIOS = 20


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_dataset(tmp_path_factory.mktemp("survey-data"), N_SCENARIOS)


@pytest.fixture(scope="module")
def values(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    sc = load_scenarios(dataset, cache_dir=tmp_path_factory.mktemp("hf"))
    return value_lookup(sc, load_questionnaire())


def check_stored(db: Path, people: list[Participant]) -> Store:
    """Every acknowledged answer is stored as acknowledged; every plan is fully answered."""
    store = Store(db)
    by_code = {}
    for who in people:
        assert who.code is not None
        p = store.by_code(who.code)
        assert p is not None and p.status == "completed", (who.code, p and p.status)
        by_code[who.code] = p
        stored = store.answers(p.number)
        assert set(stored) == {s.key for s in p.plan.steps}
        for key, answer in who.acknowledged.items():
            assert stored[key].answer == answer, (who.code, key)
            assert stored[key].skipped == (answer is None)
    assert len(by_code) == len(people) == len(store.participants())
    return store


def test_55_participants_at_once_lose_and_duplicate_nothing(
        dataset: Path, values: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "load.sqlite"
    with served_study(dataset, db, "--scenarios-per-participant", "5",
                      "--hold-per-participant", "1", "--threads", "8",
                      log=tmp_path / "server.log") as (base, _proc):
        people = [Participant(httpx.Client(base_url=base, timeout=30.0), Profile(i),
                              values_of=values) for i in range(PEOPLE)]
        gate = threading.Barrier(PEOPLE)
        errors: list[BaseException] = []
        requests = Counter[str]()

        def run(who: Participant, i: int) -> None:
            try:
                gate.wait(timeout=60)
                who.start()
                steps = who.finish(skip_every=17 if i % 3 == 0 else 0,
                                   twice_every=5 if i % 2 == 0 else 0)
                requests["steps"] += steps
            except BaseException as exc:  # reported below, with the participant
                errors.append(exc)

        started = time.monotonic()
        threads = [threading.Thread(target=run, args=(w, i), daemon=True)
                   for i, w in enumerate(people)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(1.0, 300 - (time.monotonic() - started)))
        elapsed = time.monotonic() - started
        assert not any(t.is_alive() for t in threads), "participants still answering at 300 s"
        assert not errors, errors[:3]
        for who in people:
            who.client.close()
    store = check_stored(db, people)
    answers = sum(len(store.answers(p.number)) for p in store.participants())
    assert answers == requests["steps"] == sum(len(w.acknowledged) for w in people)
    st = status(store, 3600.0)
    assert st["participants"]["completed"] == PEOPLE
    assert st["events"]["change"] == 0  # a double submit is not a change
    per = list(st["per_scenario"].values())
    assert len(per) == N_SCENARIOS and max(per) - min(per) <= 1, st["per_scenario"]
    print(f"\nsurvey load: {PEOPLE} participants, {answers} answers in {elapsed:.1f} s "
          f"({answers / elapsed:.0f} answers/s; each answer is a POST and a GET); answers "
          f"per scenario {min(per)}-{max(per)}")


def answer_through_outages(who: Participant, deadline: float, done: list[str]) -> None:
    """Answer to the end, retrying (with the same session cookie) while the server is down."""
    while time.monotonic() < deadline:
        try:
            if who.code is None:
                who.start()
            cur = who.current()
            if cur is None:
                done.append(who.code or "")
                return
            who.answer(*cur, twice=len(who.acknowledged) % 4 == 0)
        except httpx.TransportError:
            time.sleep(0.05)


def test_killing_the_server_loses_no_acknowledged_answer(
        dataset: Path, values: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "kill.sqlite"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = serve_args(dataset, db, port, "--scenarios-per-participant", "4", "--threads", "4")
    log = open(tmp_path / "server.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_up(base, proc)
        people = [Participant(httpx.Client(base_url=base, timeout=10.0), Profile(i),
                              values_of=values) for i in range(10)]
        done: list[str] = []
        deadline = time.monotonic() + 240
        threads = [threading.Thread(target=answer_through_outages, args=(w, deadline, done),
                                    daemon=True) for w in people]
        for t in threads:
            t.start()
        kills = 0
        for at in (60, 200):  # kill when this many answers are acknowledged in all
            while sum(len(w.acknowledged) for w in people) < at:
                assert time.monotonic() < deadline, "participants made no progress"
                time.sleep(0.01)
            proc.kill()  # SIGKILL: no clean shutdown, mid-request for some
            proc.wait(10)
            kills += 1
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
            wait_up(base, proc)
        for t in threads:
            t.join(timeout=max(1.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "participants unfinished at 240 s"
        assert len(done) == len(people) and kills == 2
        for who in people:
            who.client.close()
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)
        log.close()
    check_stored(db, people)
