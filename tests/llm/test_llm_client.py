"""The LLM client layer against a real OpenAI-compatible server on 127.0.0.1.

The real ``openai.AsyncOpenAI`` talks HTTP to ``servers.openai_server``; nothing is mocked.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from pipeline.llm import (
    LLMClient,
    LLMRequest,
    Price,
    RateLimiter,
    ResponseCache,
    StrictSchemaError,
    TokenBucket,
    extract_json,
    request_key,
    strict_json_schema,
)
from pipeline.llm.client import is_loopback, parse_retry_after
from pipeline.llm.costs import estimate_prompt_tokens
from servers.openai_server import Answer, Fault, OpenAIServer, openai_server

MODEL = "gpt-4o-mini"


class Option(BaseModel):
    value: Literal["benevolence", "security", "achievement"]
    text: str = Field(min_length=3, description="the action, in one sentence")


class Scenario(BaseModel):
    """A scenario with options."""

    scenario: str
    question: str
    options: list[Option] = Field(min_length=1)
    best: Option = Field(description="the option we like best")
    note: str | None = None


class Answer1(BaseModel):
    answer: str


pytestmark = pytest.mark.usefixtures("no_openai_env")  # tests/conftest.py


def make_client(llm_server: OpenAIServer, tmp_path: Path, **kw: Any) -> LLMClient:
    opts: dict[str, Any] = {
        "base_url": llm_server.base_url,
        "cache": tmp_path / "cache.sqlite",
        "concurrency": 4,
        "timeout": 10.0,
        "backoff_base": 0.05,
        "backoff_max": 0.5,
    }
    opts.update(kw)
    return LLMClient(**opts)


def requests_for(n: int, model_cls: type[BaseModel] = Scenario, **kw: Any) -> list[LLMRequest]:
    return [
        LLMRequest(
            custom_id=f"post-{i}",
            messages=[{"role": "system", "content": "You write scenarios."},
                      {"role": "user", "content": f"Post number {i}: what should I do?"}],
            model=kw.get("model", MODEL),
            response_model=model_cls,
            max_tokens=kw.get("max_tokens", 200),
            seed=kw.get("seed", 7),
            prompt_version=kw.get("prompt_version", "v1"),
            temperature=kw.get("temperature", 0.0),
        )
        for i in range(n)
    ]


# -- structured: strict schema, extraction ---------------------------------------------------


def _walk_objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for value in node.values():
            yield from _walk_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_objects(value)


def test_strict_schema_nested_models_and_lists() -> None:
    schema = strict_json_schema(Scenario)
    objects = list(_walk_objects(schema))
    assert len(objects) >= 3  # root, Option in $defs (list items), inlined `best`
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])
    # optional field: required, but nullable
    assert {"type": "null"} in schema["properties"]["note"]["anyOf"]
    # $ref with a description was inlined; list items keep a bare $ref
    assert "$ref" not in schema["properties"]["best"]
    assert schema["properties"]["best"]["description"] == "the option we like best"
    assert schema["properties"]["options"]["items"] == {"$ref": "#/$defs/Option"}
    # unsupported keywords dropped, supported kept
    text = json.dumps(schema)
    assert "title" not in text and "default" not in text and "minLength" not in text
    assert schema["properties"]["options"]["minItems"] == 1


def test_strict_schema_rejects_free_form_mappings() -> None:
    class Bad(BaseModel):
        scores: dict[str, float]

    with pytest.raises(StrictSchemaError, match="scores"):
        strict_json_schema(Bad)


def test_extract_json_variants() -> None:
    assert extract_json('{"a": 1}') == {"a": 1}
    assert extract_json('Sure!\n```json\n{"a": 2}\n```\nbye') == {"a": 2}
    assert extract_json('prefix {"a": {"b": [3]}} suffix {broken') == {"a": {"b": [3]}}
    with pytest.raises(ValueError):
        extract_json("no json here")


# -- the happy path through the real openai client -------------------------------------------


def test_structured_output_with_real_client(llm_server: OpenAIServer, tmp_path: Path) -> None:
    reqs = requests_for(5)
    with make_client(llm_server, tmp_path) as llm:
        results = llm.run(reqs, progress=False)
    assert [r.custom_id for r in results] == [r.custom_id for r in reqs]
    assert all(r.status == "ok" and r.mode == "json_schema" for r in results)
    assert all(isinstance(r.parsed, Scenario) for r in results)
    assert all(not r.cached and r.attempts == 1 for r in results)
    assert all(r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0 for r in results)
    body = llm_server.chat_records()[0].body
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["name"] == "Scenario"
    assert fmt["json_schema"]["schema"] == strict_json_schema(Scenario)
    assert body["seed"] == 7 and body["max_tokens"] == 200 and body["temperature"] == 0.0
    # loopback + no OPENAI_API_KEY -> a dummy bearer key was sent
    assert all(r.authorized for r in llm_server.records)


def test_free_text_request(llm_server: OpenAIServer, tmp_path: Path) -> None:
    req = LLMRequest(custom_id="t", messages=[{"role": "user", "content": "hi"}], model=MODEL)
    with make_client(llm_server, tmp_path) as llm:
        (result,) = llm.run([req], progress=False)
    assert result.status == "ok" and result.raw_text == "OK" and result.parsed is None
    assert "response_format" not in llm_server.chat_records()[0].body


# -- fallback ladder and repair -----------------------------------------------------------------


def test_fallback_to_json_object_is_remembered(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.reject_json_schema = True
    llm_server.reject_object_schema = True
    reqs = requests_for(6)
    with make_client(llm_server, tmp_path, concurrency=1) as llm:
        results = llm.run(reqs, progress=False)
    assert all(r.ok and r.mode == "json_object" for r in results)
    bodies = [r.body for r in llm_server.chat_records()]
    assert bodies[0]["response_format"]["type"] == "json_schema"  # rejected with a 400
    assert bodies[1]["response_format"]["type"] == "json_object"  # with a schema: rejected
    assert "schema" in bodies[1]["response_format"]
    assert bodies[2]["response_format"] == {"type": "json_object"}
    assert "JSON schema" in bodies[2]["messages"][0]["content"]  # schema moved to the prompt
    assert len(bodies) == len(reqs) + 2  # two 400s, then the mode is remembered
    assert results[0].attempts == 3 and results[1].attempts == 1
    # a new client (new process) remembers the mode: the rerun sends nothing
    llm_server.reset_counts()
    with make_client(llm_server, tmp_path) as llm:
        again = llm.run(reqs, progress=False)
    assert llm_server.count() == 0 and all(r.cached and r.ok for r in again)


def test_llama_cpp_style_500_steps_down_to_json_object_schema(llm_server: OpenAIServer,
                                                              tmp_path: Path) -> None:
    """llama-cpp-python answers json_schema with a 500 naming response_format: not retried,
    the next rung (json_object + schema) is taken, and the stored error is short."""
    llm_server.reject_json_schema = True
    llm_server.format_rejection_status = 500
    reqs = requests_for(4)
    with make_client(llm_server, tmp_path, concurrency=1, max_attempts=6) as llm:
        results = llm.run(reqs, progress=False)
    assert all(r.ok and r.mode == "json_object_schema" for r in results)
    bodies = [r.body for r in llm_server.chat_records()]
    assert len(bodies) == len(reqs) + 1  # one 500, never retried; then remembered
    rf = bodies[1]["response_format"]
    assert rf["type"] == "json_object" and rf["schema"]["additionalProperties"] is False
    assert "JSON schema" in bodies[1]["messages"][0]["content"]
    assert results[0].attempts == 2


def test_unrelated_500_is_still_retried(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.push(Fault.server_error(500), Fault.server_error(500))
    with make_client(llm_server, tmp_path, concurrency=1) as llm:
        (result,) = llm.run(requests_for(1), progress=False)
    assert result.ok and result.mode == "json_schema" and result.attempts == 3


def test_fixed_response_format_is_sent_and_never_stepped_down(llm_server: OpenAIServer,
                                                              tmp_path: Path) -> None:
    with make_client(llm_server, tmp_path, response_format="json_object") as llm:
        results = llm.run(requests_for(2), progress=False)
    assert all(r.ok and r.mode == "json_object" for r in results)
    assert all(r.body["response_format"] == {"type": "json_object"}
               for r in llm_server.chat_records())
    llm_server.reset_counts()
    llm_server.reject_json_schema = True
    llm_server.format_rejection_status = 500
    with make_client(llm_server, tmp_path / "fixed", response_format="json_schema") as llm:
        results = llm.run(requests_for(2, seed=5), progress=False)
    for r in results:
        assert r.status == "error" and r.reason == "format_rejected"
        assert "fixed to json_schema" in (r.error or "")
        assert "Traceback" not in (r.error or "") and "/srv/venv" not in (r.error or "")
        assert r.attempts == 1
    with pytest.raises(ValueError, match="response_format must be one of"):
        make_client(llm_server, tmp_path, response_format="json")  # type: ignore[arg-type]


@pytest.mark.parametrize(("raw", "kept", "gone"), [
    (Fault.llama_cpp_rejection().error_message, "Input should be 'text' or 'json_object'",
     ["site-packages", "app.py", "line 376", "/srv/venv"]),
    ("HTTP 500: 1 validation error\nresponse_format.type\n  Input should be 'text' [type="
     "literal_error]\n    For further information visit https://errors.pydantic.dev/2/v/x\n"
     "Traceback (most recent call last):\n  File \"/srv/venv/lib/errors.py\", line 173, in h"
     "\npydantic_core.ValidationError: 1 validation error", "Input should be 'text'",
     ["Traceback", "errors.py", "line 173", "errors.pydantic.dev"]),
    ("HTTP 500: Traceback (most recent call last):\n  File \"/opt/app/x.py\", line 3, in f\n"
     "ValueError: model not loaded", "ValueError: model not loaded", ["/opt/app", "File"]),
    ("HTTP 400: see https://platform.openai.com/docs/guides/structured-outputs for help",
     "https://platform.openai.com/docs/guides/structured-outputs", []),
    ("could not open C:\\Users\\me\\models\\m.gguf", "could not open", ["Users"]),
])
def test_short_error_drops_tracebacks_and_paths(raw: str, kept: str, gone: list[str]) -> None:
    from pipeline.llm.client import MAX_ERROR_CHARS, short_error

    out = short_error(raw)
    assert kept in out and "\n" not in out and len(out) <= MAX_ERROR_CHARS
    for word in gone:
        assert word not in out
    assert len(short_error("x " * 1000)) == MAX_ERROR_CHARS


def test_fallback_to_text_mode(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.reject_json_schema = True
    llm_server.reject_json_object = True
    with make_client(llm_server, tmp_path, concurrency=1) as llm:
        results = llm.run(requests_for(3), progress=False)
    assert all(r.ok and r.mode == "text" for r in results)
    assert all("```json" in (r.raw_text or "") for r in results)
    last = llm_server.chat_records()[-1].body
    assert "response_format" not in last


def test_repair_once_then_ok(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.push(Fault.malformed())
    with make_client(llm_server, tmp_path, concurrency=1) as llm:
        (result,) = llm.run(requests_for(1), progress=False)
    assert result.status == "ok" and result.repaired and result.attempts == 2
    second = llm_server.chat_records()[1].body["messages"]
    assert second[-2]["role"] == "assistant" and second[-2]["content"].startswith('{"this is"')
    assert "not valid JSON" in second[-1]["content"]
    with ResponseCache(tmp_path / "cache.sqlite") as cache:
        assert len(cache) == 2  # the invalid answer was paid for: cached too


def test_invalid_after_repair_is_a_typed_failure(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.responder = lambda body: {"scenario": "s", "question": "q", "options": []}
    with make_client(llm_server, tmp_path, concurrency=2) as llm:
        results = llm.run(requests_for(2), progress=False)
    for r in results:
        assert r.status == "invalid" and not r.repaired and r.attempts == 2
        assert r.reason == "validation" and "after one repair" in (r.error or "")
        assert "options" in (r.error or "")
    assert llm_server.count() == 4


# -- failures routed as statuses ----------------------------------------------------------------


def test_refusal_truncation_content_filter_are_statuses(
    llm_server: OpenAIServer, tmp_path: Path
) -> None:
    by_post = {
        "post-1": Fault.refusal(),
        "post-2": Fault.length(),
        "post-3": Fault.content_filter(),
        "post-4": Answer(status=404, error_message="model not found"),
    }

    def responder(body: dict[str, Any]) -> Any:
        text = body["messages"][-1]["content"]
        for cid, answer in by_post.items():
            if f"number {cid.split('-')[1]}:" in text:
                return answer
        return None

    llm_server.responder = responder
    with make_client(llm_server, tmp_path) as llm:
        results = llm.run(requests_for(5), progress=False)
    statuses = {r.custom_id: (r.status, r.reason) for r in results}
    assert statuses == {
        "post-0": ("ok", None),
        "post-1": ("refusal", "refusal"),
        "post-2": ("truncated", "truncated"),
        "post-3": ("content_filter", "content_filter"),
        "post-4": ("error", "http_404"),
    }
    assert all(not r.repaired and r.attempts == 1 for r in results)
    assert "refused" in (results[1].error or "")


# -- retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ms", [False, True])
def test_429_retry_after_is_honoured(llm_server: OpenAIServer, tmp_path: Path, ms: bool) -> None:
    delay = 0.8
    llm_server.push(Fault.rate_limit(delay, ms=ms))
    with make_client(llm_server, tmp_path, concurrency=1, backoff_base=0.01) as llm:
        (result,) = llm.run(requests_for(1), progress=False)
    assert result.ok and result.attempts == 2
    first, second = llm_server.chat_records()
    assert second.time - first.time >= delay - 0.02  # the server saw the retry after the wait


def test_500_then_success_and_503_retry_after(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.push(Fault.server_error(500), Fault.unavailable(0.3))
    with make_client(llm_server, tmp_path, concurrency=1) as llm:
        (result,) = llm.run(requests_for(1), progress=False)
    assert result.ok and result.attempts == 3
    records = llm_server.chat_records()
    assert records[2].time - records[1].time >= 0.3 - 0.02


def test_timeout_then_success(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.push(Fault.slow(2.0))
    with make_client(llm_server, tmp_path, concurrency=1, timeout=0.5) as llm:
        (result,) = llm.run(requests_for(1), progress=False)
    # gave up on the slow call instead of waiting it out (then it would have taken 1 attempt)
    assert result.ok and result.attempts == 2
    assert llm_server.count() == 2


def test_retries_exhausted_and_no_retry_on_401(llm_server: OpenAIServer, tmp_path: Path) -> None:
    llm_server.push(*[Fault.server_error(502)] * 3)
    with make_client(llm_server, tmp_path, concurrency=1, max_attempts=3) as llm:
        first = llm.run(requests_for(1), progress=False)[0]
    assert first.status == "error" and first.reason == "http_502" and first.attempts == 3
    assert "after 3 attempts" in (first.error or "")
    llm_server.reset_counts()
    llm_server.push(Answer(status=401,
                           error_message="Incorrect API key provided: sk-abc123***wxyz"))
    with make_client(llm_server, tmp_path, concurrency=1) as llm:
        second, third = llm.run(requests_for(3)[1:], progress=False)
    assert second.status == "error" and second.reason == "http_401" and second.attempts == 1
    assert "sk-abc123" not in (second.error or "") and "sk-***" in (second.error or "")
    assert third.reason == "http_401" and third.attempts == 0  # not sent after a 401
    assert llm_server.count() == 1


def test_connection_error_is_an_error_result(tmp_path: Path) -> None:
    with openai_server() as srv:
        url = srv.base_url
    with LLMClient(base_url=url, cache=tmp_path / "c.sqlite", max_attempts=2,
                   backoff_base=0.01, timeout=2.0) as llm:
        (result,) = llm.run(requests_for(1), progress=False)
    assert result.status == "error" and result.reason == "connection"


def test_unreadable_200_body_is_retried_then_an_error(llm_server: OpenAIServer,
                                                      tmp_path: Path) -> None:
    """A 200 whose body is no chat completion is a server fault: retried, then an error."""
    llm_server.push(Answer(raw_body=b"<html>502 Bad Gateway</html>"),
                Answer(raw_body=json.dumps({"object": "error"}).encode()))
    with make_client(llm_server, tmp_path, concurrency=1, max_attempts=3) as llm:
        (recovered,) = llm.run(requests_for(1), progress=False)
        llm_server.push(*[Answer(raw_body=b"{truncated")] * 3)
        (failed,) = llm.run(requests_for(2)[1:], progress=False)
    assert recovered.ok and recovered.attempts == 3
    assert failed.status == "error" and failed.reason == "bad_response" and failed.attempts == 3
    assert "no choices" in (failed.error or "") and "after 3 attempts" in (failed.error or "")
    assert llm_server.count() == 6


def test_a_bug_raises_instead_of_becoming_error_results(llm_server: OpenAIServer, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A programming error in the reply parser stops the run; the client stays usable."""
    from pipeline.llm import structured

    def broken(text: str | None, model: type[BaseModel]) -> Any:
        raise KeyError("bug in parse_reply")

    with make_client(llm_server, tmp_path, concurrency=4) as llm:
        with monkeypatch.context() as patch:
            patch.setattr(structured, "parse_reply", broken)
            with pytest.raises(KeyError, match="bug in parse_reply"):
                llm.run(requests_for(8), progress=False)
        results = llm.run(requests_for(8), progress=False)  # a fresh session: all answered
    assert all(r.ok for r in results)
    cached = sum(r.cached for r in results)
    assert cached >= 1  # the answer that hit the bug had been paid for: it was kept
    # the rerun sent each of the others once; the broken run sent at most one per worker (a
    # cancelled request may reach the server late): it stopped, no error results for the rest
    assert 1 <= llm_server.count() - (8 - cached) <= 4


def test_one_session_shares_the_pool_and_the_limit(tmp_path: Path) -> None:
    """Separate ``complete`` calls inside ``session()``: one AsyncOpenAI, one semaphore."""
    reqs = requests_for(9)

    async def scenario(llm: LLMClient) -> Any:
        async with llm.session():
            pool = llm.openai_client()
            results = list(await asyncio.gather(*(llm.complete(r) for r in reqs[:8])))
            results.append(await llm.complete(reqs[8]))  # no other call overlaps this one
            assert llm.openai_client() is pool
        return results, pool

    with openai_server(latency=0.1) as srv:
        with make_client(srv, tmp_path, concurrency=2) as llm:
            results, pool = asyncio.run(scenario(llm))
        assert srv.max_inflight == 2
    assert all(r.ok for r in results)
    assert pool.is_closed()  # the pool ends with the session


# -- concurrency, cache ------------------------------------------------------------------------


@pytest.mark.slow
def test_concurrency_is_really_parallel_and_bounded(tmp_path: Path) -> None:
    with openai_server(latency=0.2) as srv:
        with make_client(srv, tmp_path, concurrency=4) as llm:
            results = llm.run(requests_for(24), progress=False)
        assert all(r.ok for r in results)
        assert srv.max_inflight == 4  # up to N in flight, never more
    # the throughput this buys (measured / ideal): benchmarks/bench_llm_throughput.py


def test_second_run_makes_zero_requests(llm_server: OpenAIServer, tmp_path: Path) -> None:
    reqs = requests_for(8)
    with make_client(llm_server, tmp_path) as llm:
        first = llm.run(reqs, progress=False)
    assert llm_server.count() == 8
    llm_server.reset_counts()
    with make_client(llm_server, tmp_path) as llm:
        second = llm.run(reqs, progress=False)
    assert llm_server.count() == 0
    assert all(r.cached and r.attempts == 0 and r.ok for r in second)
    assert [r.parsed for r in second] == [r.parsed for r in first]
    assert [r.usage for r in second] == [r.usage for r in first]


def test_cached_run_needs_no_api_key(llm_server: OpenAIServer, tmp_path: Path) -> None:
    reqs = requests_for(2)
    with make_client(llm_server, tmp_path) as llm:
        llm.run(reqs, progress=False)
    with LLMClient(base_url="https://api.example.invalid/v1", cache=tmp_path / "cache.sqlite",
                   timeout=1.0, max_attempts=1) as remote:
        cached = remote.run(reqs, progress=False)
        missing = remote.run(requests_for(3)[2:], progress=False)
    assert all(r.cached and r.ok for r in cached)  # base_url is not part of the key
    assert missing[0].status == "error" and missing[0].reason == "no_api_key"


def test_cache_key_contents() -> None:
    base = {"model": MODEL, "messages": [{"role": "user", "content": "x"}], "temperature": 0.0,
            "seed": 1, "max_tokens": 10, "response_format": None, "prompt_version": "v1",
            "namespace": None}
    key = request_key(base)
    assert request_key(dict(reversed(list(base.items())))) == key  # canonical order
    for field_name, other in [("temperature", 0.5), ("seed", 2), ("max_tokens", 11),
                              ("prompt_version", "v2"), ("namespace", "vllm"),
                              ("model", "gpt-4o"), ("response_format", {"type": "json_object"})]:
        assert request_key({**base, field_name: other}) != key, field_name


def test_single_flight_for_identical_requests(llm_server: OpenAIServer, tmp_path: Path) -> None:
    one, two = requests_for(1) * 2
    twin = LLMRequest(custom_id="twin", messages=two.messages, model=two.model,
                      response_model=two.response_model, max_tokens=two.max_tokens,
                      seed=two.seed, prompt_version=two.prompt_version)
    with make_client(llm_server, tmp_path) as llm:
        results = llm.run([one, twin], progress=False)
    assert all(r.ok for r in results) and llm_server.count() == 1


def test_duplicate_custom_ids_are_refused(llm_server: OpenAIServer, tmp_path: Path) -> None:
    reqs = requests_for(1) * 2
    with make_client(llm_server, tmp_path) as llm, pytest.raises(ValueError, match="unique"):
        llm.run(reqs, progress=False)


@pytest.mark.slow
def test_cache_shared_by_processes_and_threads(tmp_path: Path, child_env: dict[str, str]) -> None:
    path = tmp_path / "shared.sqlite"
    ResponseCache(path).close()
    script = (
        "import sys\n"
        "from pipeline.llm.cache import ResponseCache\n"
        "c = ResponseCache(sys.argv[1])\n"
        "for i in range(60):\n"
        "    c.put(f'{sys.argv[2]}-{i}', model='m', prompt_version=None, request={'i': i},\n"
        "          response={'choices': [], 'usage': {'prompt_tokens': 1}})\n"
        "c.close()\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), f"p{n}"], env=child_env)
             for n in range(3)]
    with ResponseCache(path) as cache:
        def writer(tag: str) -> None:
            for i in range(40):
                cache.put(f"{tag}-{i}", model="m", prompt_version=None, request={},
                          response={"choices": []})
        threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(p.wait(timeout=60) == 0 for p in procs)
        assert len(cache) == 3 * 60 + 3 * 40
        row = cache.get("p1-5", with_request=True)
        assert row is not None and row.prompt_tokens == 1 and row.request == {"i": 5}


KILL_SCRIPT = r"""
import sys
from pydantic import BaseModel
from pipeline.llm import LLMClient, LLMRequest

class Answer1(BaseModel):
    answer: str

base_url, cache, n, conc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
reqs = [LLMRequest(custom_id=f"r{i}", messages=[{"role": "user", "content": f"question {i}"}],
                   model="gpt-4o-mini", response_model=Answer1) for i in range(n)]
with LLMClient(base_url=base_url, cache=cache, concurrency=conc) as llm:
    results = llm.run(reqs, progress=False)
print(sum(r.ok for r in results))
"""


def kill_requests(n: int) -> list[LLMRequest]:
    return [LLMRequest(custom_id=f"r{i}", messages=[{"role": "user", "content": f"question {i}"}],
                       model=MODEL, response_model=Answer1) for i in range(n)]


@pytest.mark.slow
def test_kill_mid_run_then_rerun_loses_at_most_in_flight(tmp_path: Path,
                                                         child_env: dict[str, str]) -> None:
    n, conc = 40, 4
    cache_path = tmp_path / "cache.sqlite"
    with openai_server(latency=0.3) as srv:
        proc = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT, srv.base_url, str(cache_path), str(n), str(conc)],
            env=child_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while srv.completed < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        sent_before = srv.count()
        assert 10 <= sent_before < n, "the kill must land in the middle of the run"
        with ResponseCache(cache_path) as cache:
            saved = len(cache)
        assert saved >= sent_before - conc  # every answer received was already committed
        with LLMClient(base_url=srv.base_url, cache=cache_path, concurrency=conc) as llm:
            results = llm.run(kill_requests(n), progress=False)
        total = srv.count()
    assert all(r.ok for r in results)
    assert sum(r.cached for r in results) == saved
    # distinct requests + exactly those sent but not yet committed at the kill (<= in flight)
    assert total - n == sent_before - saved <= conc


# -- budget, estimate, limiter --------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [1, 4])
def test_budget_cap_stops_cleanly(llm_server: OpenAIServer, tmp_path: Path,
                                  concurrency: int) -> None:
    prices = {MODEL: Price(input_per_m=0.0, output_per_m=10_000.0)}  # worst case $2/request
    reqs = requests_for(20)
    with make_client(llm_server, tmp_path, concurrency=concurrency, budget_usd=5.0,
                     prices=prices) as llm:
        results = llm.run(reqs, progress=False)
        spent = llm.spent_usd
    ok = [r for r in results if r.ok]
    stopped = [r for r in results if r.status == "error"]
    assert len(ok) + len(stopped) == len(reqs)
    assert ok and stopped and all(r.reason == "budget" for r in stopped)
    assert "budget cap" in (stopped[0].error or "")
    assert llm_server.count() == len(ok)  # no request after the cap
    assert spent <= 5.0 and abs(spent - sum(r.cost_usd for r in ok)) < 1e-9
    # a rerun with more budget: finished answers come from the cache, only the rest is sent
    llm_server.reset_counts()
    with make_client(llm_server, tmp_path, budget_usd=100.0, prices=prices) as llm:
        again = llm.run(reqs, progress=False)
    assert all(r.ok for r in again) and llm_server.count() == len(stopped)


def test_budget_needs_prices(llm_server: OpenAIServer, tmp_path: Path) -> None:
    reqs = requests_for(1, model="my-local-model")
    with make_client(llm_server, tmp_path, budget_usd=1.0) as llm, pytest.raises(ValueError,
                                                                          match="no price"):
        llm.run(reqs, progress=False)


def test_estimate(llm_server: OpenAIServer, tmp_path: Path) -> None:
    reqs = requests_for(10)
    with make_client(llm_server, tmp_path) as llm:
        empty = llm.estimate(reqs)
        assert empty.cached == 0 and empty.to_send == 10
        assert empty.output_tokens == 10 * 200  # max_tokens, no cached answers to learn from
        llm.run(reqs[:4], progress=False)
        llm_server.reset_counts()
        est = llm.estimate(reqs, output_tokens=50)
        batch_est = llm.estimate(reqs, output_tokens=50, batch=True)
    assert llm_server.count() == 0  # a dry run sends nothing
    assert (est.requests, est.cached, est.to_send) == (10, 4, 6)
    wires = [llm.build_wire(r, "json_schema") for r in reqs[4:]]
    assert est.input_tokens == sum(w.prompt_tokens_est for w in wires)
    assert est.input_tokens == sum(
        estimate_prompt_tokens(w.body["messages"], w.body["response_format"]) for w in wires)
    assert est.output_tokens == 6 * 50
    expected = (est.input_tokens * 0.15 + est.output_tokens * 0.60) / 1e6
    assert est.cost_usd == pytest.approx(expected, rel=1e-4)
    assert batch_est.cost_usd == pytest.approx(expected / 2, rel=1e-4)
    assert "4 cached, 6 to send" in est.summary()


def test_token_bucket_and_limiter_with_fake_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(60, clock=lambda: now[0])
    assert bucket.wait_time(60) == 0 and bucket.wait_time(61) == 0  # clamp to capacity
    bucket.take(60)
    assert bucket.wait_time(1) == pytest.approx(1.0)

    limiter = RateLimiter(rpm=120, tpm=1000, clock=lambda: now[0], sleep=fake_sleep)

    async def scenario() -> None:
        reservations = [await limiter.acquire(100) for _ in range(10)]  # 1000 tokens: no wait
        assert slept == []
        res = await limiter.acquire(100)  # tokens bucket empty: wait 100 / (1000/60) s
        assert slept[-1] == pytest.approx(6.0)
        for r in reservations:
            limiter.settle(r, 20)  # used far less than estimated: refund
        limiter.settle(res, 100)
        slept.clear()
        await limiter.acquire(500)
        assert slept == []
        limiter.pause(3.0)
        await limiter.acquire(1)
        assert slept == [pytest.approx(3.0)]

    asyncio.run(scenario())


def test_retry_after_parsing_and_loopback() -> None:
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({}) is None
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 < (parse_retry_after({"retry-after": date}) or 0) <= 31
    assert is_loopback("http://127.0.0.1:8000/v1") and is_loopback("http://localhost/v1")
    assert not is_loopback("https://api.openai.com/v1")


def test_api_key_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-123")
    with LLMClient(cache=tmp_path / "c.sqlite") as llm:
        assert "sk-secret" not in repr(llm) and "sk-secret" not in str(vars(llm).keys())
        assert llm.base_url == "https://api.openai.com/v1"


def test_client_reusable_across_runs_with_limits(llm_server: OpenAIServer, tmp_path: Path) -> None:
    with make_client(llm_server, tmp_path, rpm=6000, tpm=10_000_000, use_cache=False) as llm:
        for _ in range(3):  # each run() is a new event loop: locks must not leak across them
            results = llm.run(requests_for(6), progress=False)
            assert all(r.ok for r in results)
    assert llm_server.count() == 18

