"""The survey under load: simulated participants answering ``valact survey serve`` at once.

Starts the real server (waitress, its own process) on 127.0.0.1 with a fresh database, lets
``--participants`` simulated people (tests/survey_helpers.py: each rates and chooses by a
random weight per value, with noise) complete the survey concurrently over HTTP, then checks
that every acknowledged answer is stored once, and reports answers/s and the latency of an
answer (its POST). Baseline, in the same run: the same number of answers written straight
into a store (``Store.record``, the same SQLite settings, as many threads, no HTTP), so the
ratio is what the web layer costs. Finally exports the answers and runs the analysis
(``valact evaluate analyze --human``): the simulated people's stated-enacted correlations.

    python benchmarks/bench_survey.py --dataset processed/valact-15k --participants 55

Traffic goes only to 127.0.0.1; every loop is bounded (``--timeout``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import httpx  # noqa: E402
from survey_helpers import Participant, Profile, served_study, value_lookup  # noqa: E402

from pipeline.evaluate.analysis import run_analysis  # noqa: E402
from pipeline.evaluate.questionnaire import load_questionnaire  # noqa: E402
from pipeline.evaluate.scenarios import load_scenarios  # noqa: E402
from pipeline.survey.export import export  # noqa: E402
from pipeline.survey.plan import Design  # noqa: E402
from pipeline.survey.store import Store  # noqa: E402
from pipeline.survey.study import Study  # noqa: E402


class TimedClient(httpx.Client):
    """An httpx client that keeps the latency of every POST."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.posts: list[float] = []

    def post(self, *args: object, **kwargs: object) -> httpx.Response:  # type: ignore[override]
        t = time.perf_counter()
        r = super().post(*args, **kwargs)  # type: ignore[arg-type]
        self.posts.append(time.perf_counter() - t)
        return r


def run_http(dataset: Path, db: Path, people: int, per: int, hold: int, threads: int,
             values: dict[str, str], timeout: float) -> tuple[float, list[Participant]]:
    args = ("--scenarios-per-participant", str(per), "--hold-per-participant", str(hold),
            "--threads", str(threads))
    with served_study(dataset, db, *args, log=db.with_suffix(".log")) as (base, _):
        crowd = [Participant(TimedClient(base_url=base, timeout=30.0), Profile(i),
                             values_of=values) for i in range(people)]
        gate = threading.Barrier(people)
        errors: list[BaseException] = []

        def one(who: Participant) -> None:
            try:
                gate.wait(timeout=60)
                who.start()
                who.finish()
            except BaseException as exc:
                errors.append(exc)

        workers = [threading.Thread(target=one, args=(w,), daemon=True) for w in crowd]
        t0 = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=max(1.0, timeout - (time.perf_counter() - t0)))
        elapsed = time.perf_counter() - t0
        if errors or any(w.is_alive() for w in workers):
            raise SystemExit(f"participants failed or unfinished: {errors[:3]}")
    return elapsed, crowd


def run_direct(study: Study, db: Path, people: int, threads: int) -> tuple[float, int]:
    """The baseline: enrol and answer through the store only, ``threads`` at a time."""
    store = Store(db)
    store.bind_study(study.identity())
    plans = [store.enroll(study.plan_for, study.scenario_ids, study.stale_seconds)[0]
             for _ in range(people)]
    chunks = [plans[i::threads] for i in range(threads)]
    total = sum(len(p.plan.steps) for p in plans)

    def answer(mine: list) -> None:  # type: ignore[type-arg]
        for p in mine:
            for s in p.plan.steps:
                store.record(p, s.key, s.answer or (s.options[0] if s.options else "3"))

    workers = [threading.Thread(target=answer, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - t0, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", type=Path, default=ROOT / "processed" / "valact-15k")
    ap.add_argument("--participants", type=int, default=55)
    ap.add_argument("--scenarios-per-participant", type=int, default=10)
    ap.add_argument("--hold-per-participant", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8, help="server threads")
    ap.add_argument("--timeout", type=float, default=600.0)
    a = ap.parse_args()
    if not a.dataset.exists():
        raise SystemExit(f"{a.dataset} does not exist: run `make run` first, or pass --dataset")
    work = Path(tempfile.mkdtemp(prefix="bench-survey-"))
    scenarios = load_scenarios(a.dataset, cache_dir=work / "hf")
    q = load_questionnaire()
    values = value_lookup(scenarios, q)
    study = Study(scenarios, q, Design(0, a.scenarios_per_participant, a.hold_per_participant))

    elapsed, crowd = run_http(a.dataset, work / "http.sqlite", a.participants,
                              a.scenarios_per_participant, a.hold_per_participant,
                              a.threads, values, a.timeout)
    store = Store(work / "http.sqlite")
    stored = {p.number: store.answers(p.number) for p in store.participants()}
    answers = sum(len(v) for v in stored.values())
    acked = sum(len(w.acknowledged) for w in crowd)
    lost = sum(1 for w in crowd for k, v in w.acknowledged.items()
               if (p := store.by_code(w.code or "")) is None
               or stored[p.number].get(k) is None or stored[p.number][k].answer != v)
    posts = sorted(x for w in crowd for x in w.client.posts)  # type: ignore[attr-defined]
    base_s, base_n = run_direct(study, work / "direct.sqlite", a.participants, a.threads)

    http_rate, base_rate = answers / elapsed, base_n / base_s
    print(f"survey load: {a.participants} participants at once, "
          f"{len(crowd[0].acknowledged)} steps each, server threads {a.threads}")
    print(f"  http: {answers} answers in {elapsed:.1f} s = {http_rate:.0f} answers/s "
          f"(acknowledged {acked}, stored {answers}, lost or changed {lost}); POST latency "
          f"p50 {statistics.median(posts) * 1000:.0f} ms, "
          f"p95 {posts[int(0.95 * (len(posts) - 1))] * 1000:.0f} ms, "
          f"max {posts[-1] * 1000:.0f} ms")
    print(f"  baseline (Store.record, no HTTP, {a.threads} threads): {base_n} answers in "
          f"{base_s:.1f} s = {base_rate:.0f} answers/s")
    print(f"  ratio http / baseline: {http_rate / base_rate:.2f}")

    out = work / "humans.csv"
    result = export(store, out)
    analysis = run_analysis([], [("simulated", out)])
    gap = analysis.gap.iloc[0]
    ind = analysis.individuals
    r = ind["pearson_r"].astype(float)
    print(f"analysis of {result.participants} simulated participants ({result.rows} rows): "
          f"pooled stated-enacted r {float(gap['pearson_r']):.2f} (rho "
          f"{float(gap['spearman_rho']):.2f}); per person r median {r.median():.2f}, "
          f"range {r.min():.2f} to {r.max():.2f}")
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
