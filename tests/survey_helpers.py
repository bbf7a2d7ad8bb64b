"""Shared by the survey tests: small studies, a participant that answers over HTTP, a server.

``Participant`` drives the real app through HTML (it reads the step's hidden key and radio
values out of the page, as a browser would) with any client that has ``get``/``post``: the
Flask test client or an ``httpx.Client`` against a served study. ``served_study`` starts
``valact survey serve`` as its own process on 127.0.0.1 (waitress, the real server).
"""

from __future__ import annotations

import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pipeline.evaluate.questionnaire import Item, Questionnaire, load_questionnaire
from pipeline.evaluate.scenarios import Option, Scenario
from pipeline.values import VALUE_IDS

KEY = re.compile(r'name="key" value="([^"]+)"')
ANSWER = re.compile(r'name="answer" value="([^"]+)"')
CODE = re.compile(r'class="code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})<')
STEP_URL = re.compile(r"/q/(\d+)")


def scenarios(n: int) -> list[Scenario]:
    """``n`` scenarios of 5 options, values rotating through the ten."""
    out = []
    for i in range(n):
        values = [VALUE_IDS[(i + k * 2) % len(VALUE_IDS)] for k in range(5)]
        out.append(Scenario(
            f"valact-s{i:03d}", f"Situation {i}: my friend asked me something.\n\nMore text.",
            f"What should I do about {i}?",
            tuple(Option(f"valact-s{i:03d}-{v[:4]}", f"Do the {v} thing in case {i}.", v)
                  for v in values)))
    return out


def small_questionnaire(per_value: int = 1) -> Questionnaire:
    full = load_questionnaire()
    kept: list[Item] = []
    for v in VALUE_IDS:
        kept.extend([i for i in full.items if i.value == v][:per_value])
    return Questionnaire(tuple(kept), "test", full.scale, full.stem)


@dataclass
class Profile:
    """A simulated person: a weight per value; ratings and choices follow it, with noise."""

    seed: int
    weights: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        r = random.Random(self.seed)
        self.weights = {v: r.gauss(0, 1) for v in VALUE_IDS}
        self.rng = random.Random(self.seed + 1)

    def rate(self, value: str) -> str:
        score = 3.5 + 1.2 * self.weights[value] + self.rng.gauss(0, 0.5)
        return str(min(6, max(1, round(score))))

    def choose(self, options: list[tuple[str, str]]) -> str:
        """``options``: (option id, value); the best-weighted value with noise."""
        return max(options, key=lambda o: self.weights[o[1]] + self.rng.gauss(0, 0.4))[0]


class Participant:
    """Answers a served survey page by page, keeping what the server acknowledged."""

    def __init__(self, client: Any, profile: Profile | None = None, *,
                 values_of: dict[str, str] | None = None) -> None:
        self.client = client
        self.profile = profile or Profile(0)
        self.values_of = values_of or {}  # option id -> value, to answer by profile
        self.code: str | None = None
        self.acknowledged: dict[str, str | None] = {}  # step key -> answer the server took

    @staticmethod
    def text(r: Any) -> str:
        return r.text if hasattr(r, "text") and isinstance(r.text, str) else r.get_data(
            as_text=True)

    @staticmethod
    def location(r: Any) -> str:
        return str(r.headers.get("location") or r.headers.get("Location") or "")

    def start(self) -> str:
        r = self.client.post("/start", data={"consent": "yes"})
        assert r.status_code == 303, r.status_code
        page = self.text(self.client.get("/code"))
        m = CODE.search(page)
        assert m, page[:500]
        self.code = m.group(1)
        return self.code

    def current(self) -> tuple[int, str] | None:
        """The page of the next unanswered step (``None`` when done)."""
        r = self.client.get("/q")
        where = self.location(r)
        if "/done" in where:
            return None
        m = STEP_URL.search(where)
        assert m, (r.status_code, where)
        n = int(m.group(1))
        return n, self.text(self.client.get(f"/q/{n}"))

    def pick(self, page: str) -> str:
        choices = ANSWER.findall(page)
        if all(c.isdigit() for c in choices):  # a rating
            key = KEY.search(page).group(1)  # type: ignore[union-attr]
            value = key.split(":", 1)[1]
            if value in self.values_of:
                return self.profile.rate(self.values_of[value])
            return choices[2]  # the attention check asks for the third point
        known = [(c, self.values_of[c]) for c in choices if c in self.values_of]
        if known:
            return self.profile.choose(known)
        return "check-umbrella" if "check-umbrella" in choices else choices[0]

    def answer(self, n: int, page: str, *, skip: bool = False, twice: bool = False) -> None:
        key = KEY.search(page).group(1)  # type: ignore[union-attr]
        data = {"key": key, "action": "skip"} if skip else {
            "key": key, "answer": self.pick(page), "action": "next"}
        for _ in range(2 if twice else 1):
            r = self.client.post(f"/q/{n}", data=data)
            assert r.status_code == 303, (r.status_code, self.text(r)[:300])
        self.acknowledged[key] = None if skip else data["answer"]

    def finish(self, *, skip_every: int = 0, twice_every: int = 0) -> int:
        steps = 0
        while (cur := self.current()) is not None:
            n, page = cur
            steps += 1
            self.answer(n, page, skip=bool(skip_every) and steps % skip_every == 0,
                        twice=bool(twice_every) and steps % twice_every == 0)
        return steps


def value_lookup(study_scenarios: list[Scenario], questionnaire: Questionnaire
                 ) -> dict[str, str]:
    """Option id -> value and questionnaire item id -> value (what a profile answers by)."""
    out = {o.option_id: o.value for s in study_scenarios for o in s.options}
    out.update({i.item_id: i.value for i in questionnaire.items})
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(base_url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the survey server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the survey server did not answer within {timeout} s")


def serve_args(dataset: Path, db: Path, port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "survey", "serve", "--dataset", str(dataset),
            "--db", str(db), "--port", str(port), *extra]


@contextmanager
def served_study(dataset: Path, db: Path, *extra: str, log: Path | None = None
                 ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``valact survey serve`` on 127.0.0.1 in its own process; yields (base URL, process)."""
    port = free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(serve_args(dataset, db, port, *extra), stdout=out,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base, proc)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        if log:
            out.close()  # type: ignore[union-attr]
