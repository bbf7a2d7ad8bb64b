"""The Batch API path end to end, against the local OpenAI-compatible server."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from pipeline.llm import BatchRunner, LLMClient, LLMRequest, Price, ResponseCache
from pipeline.llm.batch import STATE_FILENAME, BatchRecord, BatchState
from servers.openai_server import Answer, BatchPlan, Fault, OpenAIServer

MODEL = "gpt-4o-mini"


class Verdict(BaseModel):
    answer: str
    confidence: float


pytestmark = pytest.mark.usefixtures("no_openai_env")  # tests/conftest.py


def make_requests(n: int) -> list[LLMRequest]:
    return [
        LLMRequest(custom_id=f"q{i}", messages=[{"role": "user", "content": f"question {i}"}],
                   model=MODEL, response_model=Verdict, max_tokens=50, prompt_version="v1")
        for i in range(n)
    ]


def make_client(llm_server: OpenAIServer, tmp_path: Path, **kw: Any) -> LLMClient:
    opts: dict[str, Any] = {"base_url": llm_server.base_url, "cache": tmp_path / "cache.sqlite",
                            "backoff_base": 0.02, "timeout": 10.0}
    opts.update(kw)
    return LLMClient(**opts)


def runner(client: LLMClient, **kw: Any) -> BatchRunner:
    opts: dict[str, Any] = {"poll_interval": 0.02, "poll_max": 0.1}
    opts.update(kw)
    return BatchRunner(client, **opts)


def uploaded_custom_ids(llm_server: OpenAIServer) -> list[list[str]]:
    """custom_ids of every batch input file, in upload order."""
    out = []
    for fid, info in sorted(llm_server.files.items()):
        if info["purpose"] == "batch":
            lines = llm_server.file_bytes[fid].decode().splitlines()
            out.append([json.loads(line)["custom_id"] for line in lines if line.strip()])
    return out


def test_batch_end_to_end_and_online_rerun_is_free(llm_server: OpenAIServer,
                                                   tmp_path: Path) -> None:
    reqs = make_requests(10)
    with make_client(llm_server, tmp_path) as llm:
        results = runner(llm).run(reqs, progress=False)
    assert [r.custom_id for r in results] == [r.custom_id for r in reqs]
    assert all(r.ok and isinstance(r.parsed, Verdict) and not r.cached for r in results)
    assert all(r.attempts == 1 for r in results)
    assert llm_server.count("POST /v1/files") == 1 and llm_server.count("POST /v1/batches") == 1
    assert llm_server.count() == 0  # no online chat calls
    (ids,) = uploaded_custom_ids(llm_server)
    assert len(ids) == 10 and len(set(ids)) == 10
    line = json.loads(next(iter(
        b for f, b in llm_server.file_bytes.items() if llm_server.files[f]["purpose"] == "batch"
    )).decode().splitlines()[0])
    assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
    assert line["body"]["response_format"]["type"] == "json_schema"
    with ResponseCache(tmp_path / "cache.sqlite") as cache:
        row = cache.get(ids[0])
        assert len(cache) == 10 and row is not None and row.source == "batch"
    assert json.loads((tmp_path / STATE_FILENAME).read_text())["batches"] == []
    # the same requests online: all from the cache, nothing sent
    llm_server.reset_counts()
    with make_client(llm_server, tmp_path) as llm:
        online = llm.run(reqs, progress=False)
    assert all(r.cached and r.ok for r in online) and sum(llm_server.counters.values()) == 0


def test_expired_batch_resubmits_only_the_missing(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.batch_plans.append(BatchPlan(final="expired", answered_fraction=0.5))
    reqs = make_requests(10)
    with make_client(llm_server, tmp_path) as llm:
        results = runner(llm).run(reqs, progress=False)
    assert all(r.ok for r in results)
    first, second = uploaded_custom_ids(llm_server)
    assert len(first) == 10 and len(second) == 5
    assert set(second) == set(first[5:])  # exactly the unanswered half
    assert llm_server.count("POST /v1/batches") == 2
    assert sorted(r.attempts for r in results) == [1] * 5 + [2] * 5


def test_silently_short_batch_is_completed(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.batch_plans.append(BatchPlan(final="completed", drop_lines=3))
    with make_client(llm_server, tmp_path) as llm:
        results = runner(llm).run(make_requests(8), progress=False)
    assert all(r.ok for r in results)
    first, second = uploaded_custom_ids(llm_server)
    assert second == first[-3:]


def test_failed_batches_end_as_batch_missing(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.batch_plans.extend([BatchPlan(final="failed")] * 2)
    with make_client(llm_server, tmp_path) as llm:
        results = runner(llm, max_submissions=2).run(make_requests(3), progress=False)
    assert all(r.status == "error" and r.reason == "batch_missing" for r in results)
    assert all(r.attempts == 2 for r in results)
    assert llm_server.count("POST /v1/batches") == 2  # bounded: never an endless resubmission
    # later, with a healthy batch, only what is missing is asked for
    with make_client(llm_server, tmp_path) as llm:
        again = runner(llm).run(make_requests(3), progress=False)
    assert all(r.ok for r in again) and llm_server.count("POST /v1/batches") == 3


def test_repair_and_statuses_in_batch(llm_server: OpenAIServer, tmp_path: Path) -> None:
    seen: dict[str, int] = {}

    def line_responder(body: dict[str, Any]) -> Any:
        text = body["messages"][0]["content"]
        seen[text] = seen.get(text, 0) + 1
        if text == "question 0" and len(body["messages"]) == 1:
            return Fault.malformed()
        if text == "question 1":
            return Fault.refusal()
        if text == "question 2":
            return Answer(status=404, error_message="no such model")
        return None

    llm_server.batch_line_responder = line_responder
    with make_client(llm_server, tmp_path) as llm:
        results = runner(llm).run(make_requests(4), progress=False)
    by_id = {r.custom_id: r for r in results}
    assert by_id["q0"].ok and by_id["q0"].repaired and by_id["q0"].attempts == 2
    assert by_id["q1"].status == "refusal"
    assert by_id["q2"].status == "error" and by_id["q2"].reason == "http_404"
    assert by_id["q3"].ok
    second = uploaded_custom_ids(llm_server)[1]
    assert len(second) == 1  # only the repair went into the second batch


def test_batch_line_rejecting_json_schema_falls_back(llm_server: OpenAIServer,
                                                     tmp_path: Path) -> None:
    llm_server.batch_line_responder = lambda body: (
        Fault.reject_json_schema()
        if (body.get("response_format") or {}).get("type") == "json_schema" else None
    )
    with make_client(llm_server, tmp_path) as llm:
        results = runner(llm).run(make_requests(3), progress=False)
    assert all(r.ok and r.mode == "json_object_schema" for r in results)
    assert llm_server.count("POST /v1/batches") == 2


def test_batch_budget(llm_server: OpenAIServer, tmp_path: Path) -> None:
    prices = {MODEL: Price(0.0, 20_000.0)}  # worst case at batch price: 50 * 0.02 / 2 = $0.5
    with make_client(llm_server, tmp_path, budget_usd=1.2, prices=prices) as llm:
        results = runner(llm).run(make_requests(4), progress=False)
    assert [r.status for r in results] == ["ok", "ok", "error", "error"]
    assert all(r.reason == "budget" for r in results[2:])
    assert len(uploaded_custom_ids(llm_server)[0]) == 2


def test_resume_from_state_without_batch_id(llm_server: OpenAIServer, tmp_path: Path) -> None:
    """Killed between creating the batch and recording its id: found again by file id."""
    import openai

    reqs = make_requests(3)
    with make_client(llm_server, tmp_path) as llm:
        wires = [llm.new_ladder(r).wire for r in reqs]
        data = "".join(json.dumps({"custom_id": w.key, "method": "POST",
                                   "url": "/v1/chat/completions", "body": w.body}) + "\n"
                       for w in wires).encode()
        sync = openai.OpenAI(base_url=llm_server.base_url, api_key="x", max_retries=0)
        uploaded = sync.files.create(file=("x.jsonl", data, "application/jsonl"),
                                     purpose="batch")
        sync.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                            completion_window="24h")
        BatchState(tmp_path / STATE_FILENAME).upsert(BatchRecord(
            input_file_id=uploaded.id, keys=[w.key for w in wires], submitted_at=time.time()))
        results = runner(llm).run(reqs, progress=False)
    assert all(r.ok for r in results)
    assert llm_server.count("POST /v1/batches") == 1 and llm_server.count("POST /v1/files") == 1


BATCH_SCRIPT = r"""
import sys
from pydantic import BaseModel
from pipeline.llm import BatchRunner, LLMClient, LLMRequest

class Verdict(BaseModel):
    answer: str
    confidence: float

base_url, cache = sys.argv[1], sys.argv[2]
reqs = [LLMRequest(custom_id=f"q{i}", messages=[{"role": "user", "content": f"question {i}"}],
                   model="gpt-4o-mini", response_model=Verdict, max_tokens=50,
                   prompt_version="v1") for i in range(6)]
with LLMClient(base_url=base_url, cache=cache) as llm:
    BatchRunner(llm, poll_interval=0.05, poll_max=0.05).run(reqs, progress=False)
"""


@pytest.mark.slow
def test_resume_polling_after_kill(llm_server: OpenAIServer, tmp_path: Path,
                                   child_env: dict[str, str]) -> None:
    llm_server.batch_plans.append(BatchPlan(polls_in_progress=10**9))  # runs until released
    cache_path = tmp_path / "cache.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", BATCH_SCRIPT, llm_server.base_url,
                             str(cache_path)], env=child_env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while llm_server.count("GET /v1/batches/{id}") < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert llm_server.count("POST /v1/batches") == 1
    state = json.loads((tmp_path / STATE_FILENAME).read_text())["batches"]
    assert len(state) == 1 and state[0]["batch_id"] and len(state[0]["keys"]) == 6

    llm_server.finish_batches()
    with make_client(llm_server, tmp_path) as llm:
        batch_runner = runner(llm)
        results = batch_runner.run(make_requests(6), progress=False)
    assert all(r.ok for r in results)
    assert batch_runner.batches_resumed == 1 and batch_runner.batches_created == 0
    assert llm_server.count("POST /v1/batches") == 1  # polled the same batch, paid once
    assert llm_server.count("POST /v1/files") == 1
    assert json.loads((tmp_path / STATE_FILENAME).read_text())["batches"] == []


def test_max_wait_leaves_the_batch_to_resume(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.batch_plans.append(BatchPlan(polls_in_progress=10**9))
    with make_client(llm_server, tmp_path) as llm:
        results = runner(llm, poll_max=0.02, max_wait=0.3).run(make_requests(2), progress=False)
    assert all(r.status == "error" and r.reason == "batch_pending" for r in results)
    assert "rerun to resume" in (results[0].error or "")
    assert len(json.loads((tmp_path / STATE_FILENAME).read_text())["batches"]) == 1
    llm_server.finish_batches()
    with make_client(llm_server, tmp_path) as llm:
        results = runner(llm).run(make_requests(2), progress=False)
    assert all(r.ok for r in results) and llm_server.count("POST /v1/batches") == 1
