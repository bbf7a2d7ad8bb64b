"""A small OpenAI-compatible server on loopback, for testing the real ``openai`` client.

Endpoints (payloads shaped as openai-python 2.x parses them):

- ``POST /v1/chat/completions``: ``response_format`` json_schema (the answer is an instance
  generated from the schema), json_object / none (the schema is found after "JSON schema:"
  in the prompt, as ``pipeline.llm.structured`` writes it; text mode wraps the JSON in a
  ```json fence). Answers are scriptable: ``server.responder(request_json)`` may return an
  :class:`Answer`, a dict (JSON content), a str (content) or ``None`` (automatic answer).
  Faults queued with ``server.push(Fault.rate_limit(2.0), Fault.server_error(), ...)`` are
  consumed one per chat request, before the responder.
- ``GET /v1/models``.
- ``POST /v1/files`` (multipart), ``GET /v1/files/{id}``, ``GET /v1/files/{id}/content``.
- ``POST /v1/batches``, ``GET /v1/batches/{id}``, ``GET /v1/batches`` (list),
  ``POST /v1/batches/{id}/cancel``. A batch moves validating -> in_progress -> its final
  status over successive GETs, as scripted by the next queued :class:`BatchPlan`
  (``server.batch_plans.append(...)``; default: completed after two polls). ``expired`` and
  ``cancelled`` keep the answered part in the output file and list the rest as
  ``batch_expired`` / ``batch_cancelled`` errors; ``failed`` has no output;
  ``drop_lines`` silently omits lines from both files.

Every request is counted per endpoint (``server.count("POST /v1/chat/completions")``) and
recorded (time of arrival, path, JSON body, whether a bearer key was present: never the key).
``server.inflight`` / ``server.max_inflight`` track concurrent chat requests and
``server.latency`` adds a delay to every chat answer. Threaded (``ThreadingHTTPServer``,
HTTP/1.1 keep-alive), so concurrency is real. Use as a context manager::

    with OpenAIServer() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="x")
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

AUTO: Any = object()  # content marker: generate the answer from the schema


@dataclass
class Answer:
    """What the server answers to one chat request."""

    content: Any = AUTO  # AUTO, a str, a dict/list (JSON-encoded) or None
    refusal: str | None = None
    finish_reason: str = "stop"
    status: int = 200
    error_message: str | None = None  # for status != 200
    error_code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw_body: bytes | None = None  # sent verbatim with the status (e.g. a broken body)


class Fault:
    """Ready-made answers for the fault queue."""

    @staticmethod
    def rate_limit(retry_after: float = 1.0, *, ms: bool = False) -> Answer:
        headers = ({"retry-after-ms": str(int(retry_after * 1000))} if ms
                   else {"retry-after": f"{retry_after:g}"})
        return Answer(status=429, headers=headers, error_message="Rate limit reached",
                      error_code="rate_limit_exceeded")

    @staticmethod
    def server_error(status: int = 500) -> Answer:
        return Answer(status=status, error_message="The server had an error")

    @staticmethod
    def unavailable(retry_after: float | None = None) -> Answer:
        headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
        return Answer(status=503, headers=headers, error_message="Overloaded")

    @staticmethod
    def slow(delay: float) -> Answer:
        return Answer(delay=delay)

    @staticmethod
    def malformed() -> Answer:
        return Answer(content='{"this is": "not closed", ')

    @staticmethod
    def refusal(text: str = "I'm sorry, I can't help with that.") -> Answer:
        return Answer(content=None, refusal=text)

    @staticmethod
    def length() -> Answer:
        return Answer(content='{"scenario": "It was a long', finish_reason="length")

    @staticmethod
    def content_filter() -> Answer:
        return Answer(content=None, finish_reason="content_filter")

    @staticmethod
    def reject_json_schema() -> Answer:
        return Answer(status=400, error_message="Invalid parameter: 'response_format' of type "
                      "'json_schema' is not supported with this model.",
                      error_code="invalid_request_error")

    @staticmethod
    def llama_cpp_rejection() -> Answer:
        """What llama-cpp-python 0.3.36's server answers to ``json_schema`` (as seen): a 500
        whose message is a pydantic error, followed by the server's file path and route."""
        return Answer(status=500, error_message=(
            "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
            "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
            "'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n"
            "  File \"/srv/venv/lib/python3.11/site-packages/llama_cpp/server/app.py\", line "
            "376, in create_chat_completion\n    POST /v1/chat/completions"),
            error_code="internal_server_error")

    @staticmethod
    def status(code: int, message: str = "error") -> Answer:
        return Answer(status=code, error_message=message)


@dataclass
class BatchPlan:
    """How one batch evolves: polls per stage, final status, partial/dropped output."""

    final: str = "completed"  # completed | expired | cancelled | failed
    polls_validating: int = 1
    polls_in_progress: int = 1
    answered_fraction: float = 1.0  # for expired / cancelled
    drop_lines: int = 0  # lines silently missing from both files (completed batches)


@dataclass
class Record:
    method: str
    path: str
    endpoint: str
    time: float
    body: Any
    authorized: bool


@dataclass
class _Batch:
    data: dict[str, Any]
    plan: BatchPlan
    polls: int = 0
    finalized: bool = False


# -- automatic answers ------------------------------------------------------------------------


def example_from_schema(schema: dict[str, Any], root: dict[str, Any] | None = None,
                        depth: int = 0) -> Any:
    """A small instance valid for a (strict-subset) JSON schema."""
    root = root if root is not None else schema
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return example_from_schema(target, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        options = schema["anyOf"]
        non_null = [o for o in options if o.get("type") != "null"]
        pick = non_null[0] if non_null and depth < 6 else options[-1]
        return example_from_schema(pick, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {k: example_from_schema(v, root, depth + 1)
                for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        n = max(1, int(schema.get("minItems", 1))) if depth < 6 else int(schema.get("minItems", 0))
        return [example_from_schema(schema.get("items", {}), root, depth + 1) for _ in range(n)]
    if kind == "string":
        return "example text"
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 0.5))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "example"


def _schema_from_prompt(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    decoder = json.JSONDecoder()
    for message in messages:
        content = message.get("content")
        if not isinstance(content, str):
            continue
        idx = content.find("JSON schema")
        while idx != -1:
            brace = content.find("{", idx)
            if brace == -1:
                break
            try:
                obj, _ = decoder.raw_decode(content, brace)
                if isinstance(obj, dict):
                    return obj
            except ValueError:
                pass
            idx = content.find("JSON schema", idx + 1)
    return None


def auto_content(body: dict[str, Any]) -> str:
    """The default answer to a chat request body."""
    rf = body.get("response_format") or {}
    messages = body.get("messages") or []
    if rf.get("type") == "json_schema":
        return json.dumps(example_from_schema(rf["json_schema"]["schema"]))
    schema = _schema_from_prompt(messages)
    if schema is None:
        return "{}" if rf.get("type") == "json_object" else "OK"
    text = json.dumps(example_from_schema(schema))
    if rf.get("type") == "json_object":
        return text
    return f"Sure, here it is:\n```json\n{text}\n```\n"


def _tokens(obj: Any) -> int:
    text = obj if isinstance(obj, str) else json.dumps(obj)
    return max(1, len(text) // 4)


# -- the server -------------------------------------------------------------------------------


class OpenAIServer:
    """Start with ``start()`` or as a context manager; ``base_url`` ends with ``/v1``."""

    def __init__(self, *, latency: float = 0.0, require_auth: bool = True) -> None:
        self.latency = latency
        self.require_auth = require_auth
        self.responder: Callable[[dict[str, Any]], Any] | None = None
        self.reject_json_schema = False  # every json_schema request gets a 400
        self.reject_object_schema = False  # json_object with a "schema" key gets a 400
        self.reject_json_object = False  # every json_object request gets a 400
        # the status of those rejections: llama-cpp-python's server answers 500 with a
        # pydantic error naming response_format (see Fault.llama_cpp_rejection)
        self.format_rejection_status = 400
        self.faults: deque[Answer] = deque()
        self.batch_plans: deque[BatchPlan] = deque()
        self.batch_line_responder: Callable[[dict[str, Any]], Any] | None = None
        self.records: list[Record] = []
        self.counters: Counter[str] = Counter()
        self.inflight = 0
        self.max_inflight = 0
        self.completed = 0  # chat responses fully written
        self.files: dict[str, dict[str, Any]] = {}
        self.file_bytes: dict[str, bytes] = {}
        self.batches: dict[str, _Batch] = {}
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> OpenAIServer:
        handler = type("Handler", (_Handler,), {"app": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and inspection -----------------------------------------------------------

    def push(self, *answers: Answer) -> None:
        with self.lock:
            self.faults.extend(answers)

    def count(self, endpoint: str = "POST /v1/chat/completions") -> int:
        with self.lock:
            return self.counters[endpoint]

    def chat_records(self) -> list[Record]:
        with self.lock:
            return [r for r in self.records if r.endpoint == "POST /v1/chat/completions"]

    def reset_counts(self) -> None:
        with self.lock:
            self.records.clear()
            self.counters.clear()
            self.max_inflight = 0
            self.completed = 0

    def finish_batches(self) -> None:
        """Let every batch reach its final status on its next poll."""
        with self.lock:
            for job in self.batches.values():
                job.plan.polls_validating = 0
                job.plan.polls_in_progress = 0
                job.polls = 0

    def new_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}{next(self._ids):06d}"

    # -- chat -------------------------------------------------------------------------------

    def answer_for(self, body: dict[str, Any], *, use_faults: bool = True) -> Answer:
        fault: Answer | None = None
        with self.lock:
            if use_faults and self.faults:
                fault = self.faults.popleft()
        if fault is not None:
            return fault
        rf = body.get("response_format") or {}
        rf_type = rf.get("type")
        status = self.format_rejection_status
        if self.reject_json_schema and rf_type == "json_schema":
            if status == 500:
                return Fault.llama_cpp_rejection()
            return Fault.reject_json_schema()
        if self.reject_object_schema and rf_type == "json_object" and "schema" in rf:
            return Answer(status=status, error_message="Unrecognized request argument "
                          "supplied: response_format.schema")
        if self.reject_json_object and rf_type == "json_object":
            return Answer(status=status, error_message="'response_format' json_object is not "
                          "supported by this server")
        if self.responder is not None:
            got = self.responder(body)
            if isinstance(got, Answer):
                return got
            if isinstance(got, dict | list):
                return Answer(content=json.dumps(got))
            if isinstance(got, str):
                return Answer(content=got)
        return Answer()

    def completion_json(self, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
        content = answer.content
        if content is AUTO:
            content = auto_content(body)
        elif isinstance(content, dict | list):
            content = json.dumps(content)
        completion_tokens = _tokens(content or answer.refusal or "")
        prompt_tokens = _tokens(body.get("messages") or [])
        return {
            "id": self.new_id("chatcmpl-"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "unknown"),
            "system_fingerprint": "fp_local",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": answer.refusal},
                "finish_reason": answer.finish_reason,
                "logprobs": None,
            }],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    # -- batches ----------------------------------------------------------------------------

    def advance_batch(self, job: _Batch) -> None:
        job.polls += 1
        plan, data = job.plan, job.data
        now = int(time.time())
        if job.finalized:
            return
        if job.polls <= plan.polls_validating:
            data["status"] = "validating"
            return
        if job.polls <= plan.polls_validating + plan.polls_in_progress:
            data["status"] = "in_progress"
            data["in_progress_at"] = data.get("in_progress_at") or now
            return
        self._finalize(job, now)

    def _finalize(self, job: _Batch, now: int) -> None:
        plan, data = job.plan, job.data
        job.finalized = True
        data["status"] = plan.final
        data[f"{plan.final}_at"] = now
        if plan.final == "failed":
            data["errors"] = {"object": "list", "data": [
                {"code": "invalid_request", "message": "scripted failure", "line": None,
                 "param": None}]}
            return
        lines = [json.loads(line) for line in
                 self.file_bytes[data["input_file_id"]].decode().splitlines() if line.strip()]
        answered = len(lines)
        if plan.final in ("expired", "cancelled"):
            answered = int(len(lines) * plan.answered_fraction)
        out: list[str] = []
        err: list[str] = []
        for i, line in enumerate(lines):
            if plan.final == "completed" and i >= len(lines) - plan.drop_lines:
                continue
            cid = line["custom_id"]
            if i >= answered:
                code = "batch_expired" if plan.final == "expired" else "batch_cancelled"
                err.append(json.dumps({"id": self.new_id("batch_req_"), "custom_id": cid,
                                       "response": None,
                                       "error": {"code": code, "message": "not processed"}}))
                continue
            body = line["body"]
            answer = self.answer_for(body, use_faults=False)
            if self.batch_line_responder is not None:
                got = self.batch_line_responder(body)
                if isinstance(got, Answer):
                    answer = got
            if answer.status == 200:
                resp = {"status_code": 200, "request_id": self.new_id("req_"),
                        "body": self.completion_json(body, answer)}
                out.append(json.dumps({"id": self.new_id("batch_req_"), "custom_id": cid,
                                       "response": resp, "error": None}))
            else:
                resp = {"status_code": answer.status, "request_id": self.new_id("req_"),
                        "body": {"error": {"message": answer.error_message,
                                           "type": "invalid_request_error",
                                           "code": answer.error_code}}}
                err.append(json.dumps({"id": self.new_id("batch_req_"), "custom_id": cid,
                                       "response": resp, "error": None}))
        if out:
            data["output_file_id"] = self._store_file("batch_output.jsonl", "batch_output",
                                                      ("\n".join(out) + "\n").encode())
        if err:
            data["error_file_id"] = self._store_file("batch_errors.jsonl", "batch_output",
                                                     ("\n".join(err) + "\n").encode())
        data["request_counts"] = {"total": len(lines), "completed": len(out),
                                  "failed": len(err)}

    def _store_file(self, filename: str, purpose: str, content: bytes) -> str:
        fid = self.new_id("file-")
        with self.lock:
            self.file_bytes[fid] = content
            self.files[fid] = {"id": fid, "object": "file", "bytes": len(content),
                               "created_at": int(time.time()), "filename": filename,
                               "purpose": purpose, "status": "processed"}
        return fid


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/v1/chat/completions$"), "chat"),
    ("GET", re.compile(r"^/v1/models$"), "models"),
    ("POST", re.compile(r"^/v1/files$"), "file_create"),
    ("GET", re.compile(r"^/v1/files/(?P<id>[^/]+)$"), "file_get"),
    ("GET", re.compile(r"^/v1/files/(?P<id>[^/]+)/content$"), "file_content"),
    ("POST", re.compile(r"^/v1/batches$"), "batch_create"),
    ("GET", re.compile(r"^/v1/batches$"), "batch_list"),
    ("GET", re.compile(r"^/v1/batches/(?P<id>[^/]+)$"), "batch_get"),
    ("POST", re.compile(r"^/v1/batches/(?P<id>[^/]+)/cancel$"), "batch_cancel"),
]
_ENDPOINT_NAMES = {
    "chat": "POST /v1/chat/completions", "models": "GET /v1/models",
    "file_create": "POST /v1/files", "file_get": "GET /v1/files/{id}",
    "file_content": "GET /v1/files/{id}/content", "batch_create": "POST /v1/batches",
    "batch_list": "GET /v1/batches", "batch_get": "GET /v1/batches/{id}",
    "batch_cancel": "POST /v1/batches/{id}/cancel",
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # listen backlog: the default 5 drops SYNs of a burst (1 s stalls)


def _route(method: str, path: str) -> tuple[str, re.Match[str]] | None:
    for verb, pattern, name in _ROUTES:
        match = pattern.match(path)
        if verb == method and match:
            return name, match
    return None


class _Handler(BaseHTTPRequestHandler):
    app: OpenAIServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms Nagle/delayed-ACK stalls
    wbufsize = -1  # headers and body leave in one write (flushed in _send)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    # -- plumbing ---------------------------------------------------------------------------

    def _send(self, status: int, payload: Any = None, *, raw: bytes | None = None,
              headers: dict[str, str] | None = None, content_type: str = "application/json"
              ) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", self.app.new_id("req_"))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _error(self, status: int, message: str, *, code: str | None = None,
               headers: dict[str, str] | None = None) -> None:
        err_type = "invalid_request_error" if status < 500 else "server_error"
        if status == 429:
            err_type = "rate_limit_error"
        self._send(status, {"error": {"message": message, "type": err_type, "param": None,
                                      "code": code}}, headers=headers)

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization", "")
        authorized = auth.startswith("Bearer ") and len(auth) > len("Bearer ")
        route = _route(method, path)
        if route is None:
            self._error(404, f"no route {method} {path}")
            return
        name, match = route
        endpoint = _ENDPOINT_NAMES[name]
        body: Any = None
        if raw and (self.headers.get("Content-Type") or "").startswith("application/json"):
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        with self.app.lock:
            self.app.counters[endpoint] += 1
            self.app.records.append(Record(method, path, endpoint, time.monotonic(), body,
                                           authorized))
        if self.app.require_auth and not authorized:
            self._error(401, "Incorrect API key provided", code="invalid_api_key")
            return
        getattr(self, f"_{name}")(body, raw, **match.groupdict())

    # -- endpoints --------------------------------------------------------------------------

    def _chat(self, body: Any, raw: bytes) -> None:
        app = self.app
        if not isinstance(body, dict) or "messages" not in body or "model" not in body:
            self._error(400, "'messages' and 'model' are required")
            return
        with app.lock:
            app.inflight += 1
            app.max_inflight = max(app.max_inflight, app.inflight)
        try:
            answer = app.answer_for(body)
            wait = app.latency + answer.delay
            if wait > 0:
                time.sleep(wait)
            if answer.raw_body is not None:
                self._send(answer.status, raw=answer.raw_body, headers=answer.headers)
            elif answer.status != 200:
                self._error(answer.status, answer.error_message or "error",
                            code=answer.error_code, headers=answer.headers)
            else:
                self._send(200, app.completion_json(body, answer), headers=answer.headers)
        finally:
            with app.lock:
                app.inflight -= 1
                app.completed += 1

    def _models(self, body: Any, raw: bytes) -> None:
        self._send(200, {"object": "list", "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "local"}
            for m in ("gpt-4o-mini", "gpt-4o", "local-model")]})

    def _file_create(self, body: Any, raw: bytes) -> None:
        ctype = self.headers.get("Content-Type", "")
        msg = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + raw
        )
        fields: dict[str, bytes] = {}
        filename = "upload.jsonl"
        if msg.is_multipart():
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if isinstance(name, str):
                    fields[name] = payload if isinstance(payload, bytes) else b""
                if part.get_filename():
                    filename = str(part.get_filename())
        if "file" not in fields or "purpose" not in fields:
            self._error(400, "multipart fields 'file' and 'purpose' are required")
            return
        purpose = fields["purpose"].decode()
        content = fields["file"]
        if purpose == "batch":
            for n, line in enumerate(content.decode().splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    assert {"custom_id", "method", "url", "body"} <= item.keys()
                except (ValueError, AssertionError):
                    self._error(400, f"invalid batch input line {n}")
                    return
        fid = self.app._store_file(filename, purpose, content)
        self._send(200, self.app.files[fid])

    def _file_get(self, body: Any, raw: bytes, id: str) -> None:  # noqa: A002
        info = self.app.files.get(id)
        if info is None:
            self._error(404, f"no file {id}")
        else:
            self._send(200, info)

    def _file_content(self, body: Any, raw: bytes, id: str) -> None:  # noqa: A002
        data = self.app.file_bytes.get(id)
        if data is None:
            self._error(404, f"no file {id}")
        else:
            self._send(200, raw=data, content_type="application/octet-stream")

    def _batch_create(self, body: Any, raw: bytes) -> None:
        app = self.app
        if not isinstance(body, dict) or body.get("input_file_id") not in app.files:
            self._error(400, "input_file_id must name an uploaded file")
            return
        with app.lock:
            plan = copy.copy(app.batch_plans.popleft()) if app.batch_plans else BatchPlan()
        bid = app.new_id("batch_")
        now = int(time.time())
        data = {
            "id": bid, "object": "batch", "endpoint": body.get("endpoint"), "errors": None,
            "input_file_id": body["input_file_id"],
            "completion_window": body.get("completion_window", "24h"),
            "status": "validating", "output_file_id": None, "error_file_id": None,
            "created_at": now, "expires_at": now + 86400,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        with app.lock:
            app.batches[bid] = _Batch(data=data, plan=plan)
        self._send(200, data)

    def _batch_list(self, body: Any, raw: bytes) -> None:
        with self.app.lock:
            data = [copy.deepcopy(b.data) for b in reversed(list(self.app.batches.values()))]
        self._send(200, {"object": "list", "data": data,
                         "first_id": data[0]["id"] if data else None,
                         "last_id": data[-1]["id"] if data else None, "has_more": False})

    def _batch_get(self, body: Any, raw: bytes, id: str) -> None:  # noqa: A002
        with self.app.lock:
            job = self.app.batches.get(id)
            if job is not None:
                self.app.advance_batch(job)
                data = copy.deepcopy(job.data)
        if job is None:
            self._error(404, f"no batch {id}")
        else:
            self._send(200, data)

    def _batch_cancel(self, body: Any, raw: bytes, id: str) -> None:  # noqa: A002
        with self.app.lock:
            job = self.app.batches.get(id)
            if job is not None and not job.finalized:
                job.plan.final = "cancelled"
                job.plan.answered_fraction = 0.0
                job.data["status"] = "cancelling"
            data = copy.deepcopy(job.data) if job is not None else None
        if data is None:
            self._error(404, f"no batch {id}")
        else:
            self._send(200, data)


@contextmanager
def openai_server(**kwargs: Any) -> Iterator[OpenAIServer]:
    """``with openai_server(latency=0.2) as server: ...``"""
    server = OpenAIServer(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()


def main() -> None:  # pragma: no cover - manual use: python tests/servers/openai_server.py
    import argparse

    parser = argparse.ArgumentParser(description="local OpenAI-compatible test server")
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    with openai_server(latency=args.latency) as server:
        print(server.base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    main()
