"""The project's one LLM client: cached, rate-limited, retried, budgeted structured calls.

``LLMClient`` wraps the real ``openai.AsyncOpenAI`` (``max_retries=0``: the retry loop is
ours) against any OpenAI-compatible ``base_url``. For each :class:`LLMRequest` it

1. looks every wire request up in the :class:`~pipeline.llm.cache.ResponseCache` first
   (a fully cached run sends nothing and needs no API key);
2. waits for the rate limiter (:mod:`pipeline.llm.limits`) and a concurrency slot
   (``asyncio.Semaphore(concurrency)``: never more than ``concurrency`` calls in flight);
3. sends it, retrying 408/409/425/429/5xx, timeouts, connection errors and unreadable
   bodies with seeded exponential backoff and jitter; ``Retry-After`` / ``retry-after-ms``
   are honoured (capped at ``max_retry_after``) and a 429 pauses every worker; 400, 401,
   403, 404, 422 and ``insufficient_quota`` are not retried, and after a 401 or
   ``insufficient_quota`` nothing more is sent in the run (error messages are redacted of
   anything shaped like an API key). One loop, :meth:`LLMClient.with_retries`, applies this
   policy to every API call, the Batch API's file and batch calls included;
4. commits the response to the cache the moment it arrives, *before* looking at it (a
   reply that later fails validation was paid for);
5. interprets it (:mod:`pipeline.llm.structured`): ``ok``, ``refusal``, ``truncated``,
   ``content_filter``, or ``invalid`` -> one repair request with the validation error;
   an error rejecting ``response_format`` (400, 422 or 500 whose body names it, see
   :func:`~pipeline.llm.structured.is_format_rejection`; never retried) steps down the ladder
   json_schema -> json_object_schema -> json_object -> text (remembered per server host and
   model, also across runs, in the cache's meta table). ``response_format="auto"`` (the
   default) detects; a fixed mode starts there and fails with ``format_rejected`` instead
   of stepping down.

Error texts kept in results are short (:data:`MAX_ERROR_CHARS`) and carry no server
tracebacks or file paths (:func:`short_error`): they end up in artifact rows.

Every request ends as one :class:`LLMResult` in input order, nothing is dropped: the
failures a run expects (HTTP errors, timeouts, connection errors, unreadable or invalid
answers, the budget, a rejected ``response_format``) become ``status="error"`` with a
``reason``. Anything else is a bug and propagates: the run stops (the other workers are
cancelled) instead of turning it into error rows.

**Sessions.** ``async with client.session():`` holds one ``AsyncOpenAI`` connection pool, one
``concurrency`` semaphore and the stop after a 401 for every call made inside it;
:meth:`LLMClient.complete_many` opens one itself when none is open.

**Budget.** With ``budget_usd`` set, a request is sent only while ``spent + in-flight
reservations + its worst case`` (prompt estimate + ``max_tokens``, priced by
:mod:`pipeline.llm.costs`) stays under the cap. The first request that does not fit stops
all new sending: results already finished are kept, cached answers are still served, and
every request that would have needed a call gets ``status="error"``, ``reason="budget"``.

**Attempts.** ``LLMResult.attempts`` counts the HTTP requests this run sent for the result
(retries, fallbacks and the repair included); ``0`` with ``cached=True`` when every answer
came from the cache. ``cost_usd`` is the new spend of this run for the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ipaddress
import json
import logging
import os
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args
from urllib.parse import urlsplit

import httpx
import openai
from pydantic import BaseModel

from pipeline.llm import costs, structured
from pipeline.llm.cache import ResponseCache, request_key
from pipeline.llm.limits import RateLimiter
from pipeline.llm.structured import FORMAT_MODES, LADDER, Mode, Status
from pipeline.progress import progress_bar

log = logging.getLogger("valact.llm")

DEFAULT_BASE_URL = "https://api.openai.com/v1"
LOCAL_DUMMY_KEY = "local"
RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
ResponseFormat = Literal["auto", "json_schema", "json_object_schema", "json_object", "text"]
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = get_args(ResponseFormat)
MAX_ERROR_CHARS = 300
_T = TypeVar("_T")


# -- public types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LLMRequest:
    """One logical request. ``response_model=None`` asks for free text (no schema)."""

    custom_id: str
    messages: Sequence[Mapping[str, Any]]
    model: str
    response_model: type[BaseModel] | None = None
    temperature: float | None = 0.0
    max_tokens: int | None = None
    seed: int | None = None
    prompt_version: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "messages", tuple(dict(m) for m in self.messages))


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens,
                     self.completion_tokens + other.completion_tokens)


@dataclass(frozen=True)
class LLMResult:
    """The outcome of one :class:`LLMRequest`.

    ``status`` is ``ok``, ``refusal``, ``truncated``, ``content_filter``, ``invalid`` (not
    valid after the one repair) or ``error`` (no usable answer: ``reason`` says why, e.g.
    ``budget``, ``timeout``, ``http_401``, ``format_rejected``, ``batch_missing``).
    """

    custom_id: str
    status: Status
    parsed: BaseModel | None
    raw_text: str | None
    error: str | None
    usage: Usage
    cached: bool
    attempts: int
    repaired: bool
    reason: str | None = None
    mode: Mode | None = None
    cost_usd: float = 0.0
    key: str | None = None  # cache key of the final answer (``ResponseCache.delete`` to re-ask)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Estimate:
    """A dry run: what a run would send and roughly cost (nothing is sent)."""

    requests: int
    cached: int
    to_send: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # None when some model has no price (see unpriced_models)
    unpriced_models: tuple[str, ...] = ()
    batch: bool = False

    def summary(self) -> str:
        cost = "unknown" if self.cost_usd is None else f"${self.cost_usd:.4f}"
        extra = f" (no price for {', '.join(self.unpriced_models)})" if self.unpriced_models else ""
        return (
            f"{self.requests} requests: {self.cached} cached, {self.to_send} to send; "
            f"~{self.input_tokens} input + ~{self.output_tokens} output tokens; "
            f"~{cost}{' at batch prices' if self.batch else ''}{extra}"
        )


@dataclass(frozen=True)
class WireRequest:
    """One concrete chat-completions call (what is hashed, cached and sent)."""

    key: str
    spec: dict[str, Any]
    body: dict[str, Any]
    mode: Mode
    model: str
    prompt_version: str | None
    prompt_tokens_est: int
    max_tokens: int | None


# -- the ladder: sans-IO state machine for one logical request -----------------------------


class Ladder:
    """Which wire request to send next for one :class:`LLMRequest`, and the final result.

    Drivers (online, batch, estimate) loop: take :attr:`wire`, obtain its response (cache or
    network) and feed it back with :meth:`on_response`, or report :meth:`on_rejected` /
    :meth:`fail`; stop when :attr:`done`.
    """

    def __init__(
        self,
        request: LLMRequest,
        *,
        start_mode: Mode,
        repair: bool,
        build: Callable[[LLMRequest, Mode, Sequence[Mapping[str, Any]]], WireRequest],
        fixed: bool = False,
    ) -> None:
        self.request = request
        self.mode: Mode = start_mode if request.response_model is not None else "none"
        self.fixed = fixed  # the caller chose the mode: a rejection fails, no step-down
        self._repair_enabled = repair and request.response_model is not None
        self._repair_turns: list[dict[str, Any]] = []
        self._build = build
        self.repair_used = False
        self.usage = Usage()
        self.attempts = 0
        self.cost_usd = 0.0
        self.all_cached = True
        self.result: LLMResult | None = None
        self.wire: WireRequest = build(request, self.mode, ())

    @property
    def done(self) -> bool:
        return self.result is not None

    def _finish(self, status: Status, *, parsed: BaseModel | None = None,
                raw_text: str | None = None, error: str | None = None,
                reason: str | None = None, key: str | None = None) -> None:
        self.result = LLMResult(
            custom_id=self.request.custom_id, status=status, parsed=parsed, raw_text=raw_text,
            error=error, usage=self.usage, cached=self.all_cached and self.attempts == 0,
            attempts=self.attempts, repaired=self.repair_used and status == "ok",
            reason=reason, mode=self.mode, cost_usd=self.cost_usd, key=key,
        )

    def on_response(self, response: Mapping[str, Any], *, cached: bool, cost: float = 0.0) -> None:
        p_tok, c_tok = _usage_of(response)
        self.usage = self.usage + Usage(p_tok, c_tok)
        self.cost_usd += cost
        self.all_cached = self.all_cached and cached
        got = structured.interpret(response, self.request.response_model)
        if got.status == "invalid" and self._repair_enabled and not self.repair_used:
            self.repair_used = True
            assert got.error is not None
            turns = structured.repair_messages([], got.raw_text, got.error)
            self._repair_turns = turns
            self.wire = self._build(self.request, self.mode, turns)
            return
        error = got.error
        if got.status == "invalid" and self.repair_used:
            error = f"{error} (after one repair attempt)"
        reason = None if got.status == "ok" else ("validation" if got.status == "invalid"
                                                 else got.status)
        self._finish(got.status, parsed=got.parsed, raw_text=got.raw_text, error=error,
                     reason=reason, key=self.wire.key)

    def on_rejected(self, message: str, floor: Mode | None = None) -> Mode | None:
        """The server rejected this response_format: step down (to ``floor`` at least)."""
        if self.mode not in LADDER:
            self.fail("http_400", message)
            return None
        if self.fixed:
            self.fail("format_rejected", f"{message} [response_format is fixed to {self.mode}; "
                                         "'auto' steps down to a mode the server accepts]")
            return None
        idx = LADDER.index(self.mode) + 1
        if floor is not None and floor in LADDER:
            idx = max(idx, LADDER.index(floor))
        if idx >= len(LADDER):
            self.fail("format_rejected", message)
            return None
        self.mode = LADDER[idx]
        self.wire = self._build(self.request, self.mode, self._repair_turns)
        return self.mode

    def fail(self, reason: str, error: str) -> None:
        self._finish("error", error=error, reason=reason)


def _usage_of(response: Mapping[str, Any]) -> tuple[int, int]:
    usage = response.get("usage")
    if not isinstance(usage, Mapping):
        return 0, 0
    p, c = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return (int(p) if isinstance(p, int | float) else 0,
            int(c) if isinstance(c, int | float) else 0)


# -- errors inside a run (never escape it) --------------------------------------------------


class _FormatRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _CallFailed(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class _BudgetStop(Exception):
    pass


class _Transient(Exception):
    """An attempt failed in a way worth retrying that is no ``openai`` error (a bad body)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _completion(text: str) -> dict[str, Any]:
    """The chat completion in a 200 body, or ``_Transient`` (retried) when it is none."""
    try:
        loaded = json.loads(text)
    except ValueError:
        loaded = None
    if isinstance(loaded, dict) and isinstance(loaded.get("choices"), list):
        return loaded
    raise _Transient("bad_response", "the server answered 200 with no choices")


async def gather_or_cancel(*aws: Awaitable[Any]) -> None:
    """Await every one of ``aws``; when one raises, cancel the others and re-raise its error.

    ``asyncio.gather`` alone leaves the siblings running after the first error (they would
    keep sending on a session being closed), and a ``TaskGroup`` wraps the error in an
    ``ExceptionGroup``: a bug should stop the run and surface as itself.
    """
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def is_loopback(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_retry_after(headers: Mapping[str, str] | httpx.Headers | None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date)."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())


def _error_text(exc: openai.APIStatusError) -> str:
    """The whole error text of ``exc`` (for classification; store :func:`short_error` of it)."""
    body = exc.body
    if isinstance(body, Mapping):
        msg = body.get("message") or _detail_text(body.get("detail"))
        return f"HTTP {exc.status_code}: {msg or json.dumps(body, ensure_ascii=False)}"
    return f"HTTP {exc.status_code}: {exc.message}"


def _detail_text(detail: Any) -> str | None:
    """FastAPI/pydantic ``{"detail": [{"loc": [...], "msg": ...}]}`` as ``loc: msg; ...``."""
    if isinstance(detail, str):
        return detail
    if not isinstance(detail, list):
        return None
    parts = []
    for item in detail:
        if isinstance(item, Mapping):
            loc = ".".join(str(p) for p in item.get("loc") or ())
            parts.append(f"{loc}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
    return "; ".join(parts) or None


_KEYLIKE = re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-*.]{6,}")


def redact(text: str, secret: str | None = None) -> str:
    """``text`` without the API key or anything shaped like one (error messages echo keys)."""
    if secret and len(secret) >= 8:
        text = text.replace(secret, "***")
    return _KEYLIKE.sub(lambda m: m.group(1) + "-***", text)


_TRACEBACK = re.compile(r"Traceback \(most recent call last\):.*", re.DOTALL)
_FILE_LINE = re.compile(r'File "[^"]*"(?:, line \d+)?(?:, in [\w<>.]+)?')
_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_PATHLIKE = re.compile(r"(?:\b[A-Za-z]:)?(?:[\\/][\w.+\-@~]+){2,}")
_PYDANTIC_HINT = re.compile(r"\s*For further information visit \S+")


_FS_ROOTS = frozenset({"home", "usr", "opt", "tmp", "srv", "root", "var", "etc", "mnt",
                       "Users", "app", "workspace", "data", "lib", "nix", "private"})


def _hide_file_path(m: re.Match[str]) -> str:
    """``<path>`` for what looks like a file path; API routes (``/v1/chat/completions``) stay."""
    path = m.group(0)
    parts = [p for p in re.split(r"[\\/]", path) if p]
    drive = bool(re.match(r"[A-Za-z]:", path))
    looks_like_file = drive or "\\" in path or (parts and parts[0] in _FS_ROOTS) or any(
        re.search(r"\.(py|pyc|so|gguf|bin|json|yaml|yml|txt|log|cpp|h|c|sh)$", p) for p in parts)
    return "<path>" if looks_like_file else path


def short_error(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """``text`` without tracebacks, file paths or pydantic hints, on one line, capped."""
    # a traceback's last line is the exception itself: keep it, drop the frames
    text = _TRACEBACK.sub(lambda m: " " + (m.group(0).strip().splitlines() or [""])[-1], text)
    text = _PYDANTIC_HINT.sub("", text)
    text = _FILE_LINE.sub("", text)
    pieces, last = [], 0
    for url in _URL.finditer(text):  # URLs are kept; file paths outside them are not
        pieces.append(_PATHLIKE.sub(_hide_file_path, text[last:url.start()]))
        pieces.append(url.group(0))
        last = url.end()
    pieces.append(_PATHLIKE.sub(_hide_file_path, text[last:]))
    text = " ".join("".join(pieces).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _error_code(exc: openai.APIStatusError) -> str | None:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else None


# -- the client -----------------------------------------------------------------------------


@dataclass
class _RunStats:
    ok: int = 0
    cached: int = 0
    failed: int = 0
    sent: int = 0


@dataclass
class _Session:
    client: openai.AsyncOpenAI | None = None
    users: int = 0
    semaphore: asyncio.Semaphore | None = None
    fatal: tuple[str, str] | None = None  # 401 / insufficient_quota: stop sending
    inflight: dict[str, asyncio.Future[tuple[dict[str, Any], float]]] = field(
        default_factory=dict
    )


class LLMClient:
    """See the module docstring. Construct once per stage; the cache outlives the client."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        cache: ResponseCache | str | os.PathLike[str] | None = None,
        use_cache: bool = True,
        concurrency: int = 16,
        timeout: float = 120.0,
        connect_timeout: float = 10.0,
        max_attempts: int = 6,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 300.0,
        rpm: float | None = None,
        tpm: float | None = None,
        budget_usd: float | None = None,
        prices: Mapping[str, costs.Price] | None = None,
        seed: int = 0,
        response_format: ResponseFormat = "auto",
        cache_namespace: str | None = None,
        repair: bool = True,
        max_tokens_field: Literal["auto", "max_tokens", "max_completion_tokens"] = "auto",
        default_output_tokens: int = 512,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if response_format not in RESPONSE_FORMATS:
            raise ValueError(f"response_format must be one of {', '.join(RESPONSE_FORMATS)}, "
                             f"got {response_format!r}")
        self.response_format: ResponseFormat = response_format
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL)
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key and is_loopback(self.base_url):
            key = LOCAL_DUMMY_KEY
        self._api_key = key  # never logged, never in repr
        self.host = urlsplit(self.base_url).netloc or self.base_url
        self._owns_cache = False
        self.cache: ResponseCache | None
        if not use_cache:
            self.cache = None
        elif isinstance(cache, ResponseCache):
            self.cache = cache
        else:
            self.cache = ResponseCache(cache)
            self._owns_cache = True
        self.concurrency = concurrency
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.limiter = RateLimiter(rpm=rpm, tpm=tpm)
        self.budget_usd = budget_usd
        self.prices = dict(prices) if prices is not None else dict(costs.DEFAULT_PRICES)
        self.cache_namespace = cache_namespace
        self.repair = repair
        self.max_tokens_field = max_tokens_field
        self.default_output_tokens = default_output_tokens
        self._rng = random.Random(seed)
        self._modes: dict[str, Mode] = {}
        self._session = _Session()
        self.spent_usd = 0.0
        self._reserved_usd = 0.0
        self.budget_exhausted = False
        self.requests_sent = 0

    def __repr__(self) -> str:
        return f"LLMClient(base_url={self.base_url!r}, concurrency={self.concurrency})"

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_cache and self.cache is not None:
            self.cache.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[LLMClient]:
        """Share one session among the calls made inside the block (in one event loop).

        A session is one ``AsyncOpenAI`` connection pool, one ``concurrency`` semaphore over
        every call in flight, the table of identical requests in flight (sent once) and the
        stop after a 401 or ``insufficient_quota``. :meth:`complete_many` opens one when none
        is open; a caller making many separate calls (one chain of calls per post) wraps them
        in one session so that they share the pool and the limit. Sessions nest: the pool is
        closed when the outermost one ends.
        """
        s = self._session
        s.users += 1
        if s.semaphore is None:
            s.semaphore = asyncio.Semaphore(self.concurrency)
        try:
            yield self
        finally:
            s.users -= 1
            if s.users == 0:
                if s.client is not None:
                    await s.client.close()
                self._session = _Session()

    def openai_client(self) -> openai.AsyncOpenAI:
        """The session's ``AsyncOpenAI`` (created on first use, inside the running loop)."""
        s = self._session
        if s.client is None:
            if not self._api_key:
                raise _CallFailed(
                    "no_api_key", "OPENAI_API_KEY is not set (needed for " + self.host + ")"
                )
            s.client = openai.AsyncOpenAI(
                base_url=self.base_url,
                api_key=self._api_key,
                timeout=httpx.Timeout(self.timeout, connect=min(self.connect_timeout,
                                                                self.timeout)),
                max_retries=0,
            )
        return s.client

    # -- wire requests ----------------------------------------------------------------------

    def _max_tokens_name(self, model: str) -> str:
        if self.max_tokens_field != "auto":
            return self.max_tokens_field
        reasoning = model.startswith(("o1", "o3", "o4", "gpt-5"))
        return "max_completion_tokens" if reasoning else "max_tokens"

    def build_wire(
        self, request: LLMRequest, mode: Mode, extra_turns: Sequence[Mapping[str, Any]] = ()
    ) -> WireRequest:
        messages = [dict(m) for m in request.messages]
        model_cls = request.response_model
        if model_cls is not None and mode in ("json_object_schema", "json_object", "text"):
            messages = structured.with_schema_instructions(messages, model_cls, mode)
        messages.extend(dict(t) for t in extra_turns)
        rf = (structured.response_format(model_cls, mode)
              if model_cls is not None and mode in FORMAT_MODES else None)
        temperature = None if request.temperature is None else float(request.temperature)
        spec: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "temperature": temperature,
            "seed": request.seed,
            "max_tokens": request.max_tokens,
            "response_format": rf,
            "prompt_version": request.prompt_version,
            "namespace": self.cache_namespace,
        }
        body: dict[str, Any] = {"model": request.model, "messages": messages}
        if temperature is not None:
            body["temperature"] = temperature
        if request.seed is not None:
            body["seed"] = request.seed
        if request.max_tokens is not None:
            body[self._max_tokens_name(request.model)] = request.max_tokens
        if rf is not None:
            body["response_format"] = rf
        return WireRequest(
            key=request_key(spec), spec=spec, body=body, mode=mode, model=request.model,
            prompt_version=request.prompt_version,
            prompt_tokens_est=costs.estimate_prompt_tokens(messages, rf),
            max_tokens=request.max_tokens,
        )

    def _mode_meta(self, model: str) -> str:
        return f"format-mode|{self.host}|{model}"

    def load_modes(self, models: Sequence[str]) -> None:
        if self.cache is None or self.response_format != "auto":
            return
        for model in set(models):
            stored = self.cache.get_meta(self._mode_meta(model))
            if stored in LADDER:
                self._modes[model] = LADDER[LADDER.index(stored)]

    def remember_mode(self, model: str, mode: Mode) -> None:
        if self.response_format != "auto":
            return
        current = self._modes.get(model, "json_schema")
        if LADDER.index(mode) <= LADDER.index(current) and model in self._modes:
            return
        self._modes[model] = mode
        log.warning("%s rejected structured outputs for %s: using %s mode", self.host, model,
                    mode)
        if self.cache is not None:
            self.cache.set_meta(self._mode_meta(model), mode)

    def start_mode(self, model: str) -> Mode:
        """The mode a new request for ``model`` starts in (fixed, remembered or json_schema)."""
        if self.response_format != "auto":
            return self.response_format
        return self._modes.get(model, "json_schema")

    def new_ladder(self, request: LLMRequest) -> Ladder:
        return Ladder(request, start_mode=self.start_mode(request.model), repair=self.repair,
                      build=self.build_wire, fixed=self.response_format != "auto")

    # -- budget -----------------------------------------------------------------------------

    def check_prices(self, requests: Sequence[LLMRequest]) -> None:
        """Refuse a budget that could not be kept: with ``budget_usd`` every model needs a price."""
        if self.budget_usd is None:
            return
        missing = sorted({r.model for r in requests
                          if costs.price_for(r.model, self.prices) is None})
        if missing:
            raise ValueError(
                f"budget_usd is set but there is no price for {', '.join(missing)}: "
                "pass prices={model: Price(input_per_m, output_per_m)}"
            )

    def worst_case_cost(self, wire: WireRequest, *, batch: bool = False) -> float:
        out = wire.max_tokens if wire.max_tokens is not None else self.default_output_tokens
        usd = costs.cost_usd(wire.model, wire.prompt_tokens_est, out, prices=self.prices,
                             batch=batch)
        return usd or 0.0

    def reserve_budget(self, usd: float) -> None:
        """Reserve ``usd`` of the budget or raise ``_BudgetStop`` (then stop all sending)."""
        if self.budget_usd is None:
            return
        if self.budget_exhausted or self.spent_usd + self._reserved_usd + usd > self.budget_usd:
            if not self.budget_exhausted:
                log.warning("budget cap $%.4f reached (spent $%.4f): no new requests",
                            self.budget_usd, self.spent_usd)
            self.budget_exhausted = True
            raise _BudgetStop()
        self._reserved_usd += usd

    def settle_budget(self, reserved: float, actual: float) -> None:
        self._reserved_usd = max(0.0, self._reserved_usd - reserved)
        self.spent_usd += actual

    def budget_error(self) -> str:
        return (f"budget cap ${self.budget_usd:.4f} reached (spent ${self.spent_usd:.4f}): "
                "not sent")

    def cost_of(self, model: str, response: Mapping[str, Any], *, batch: bool = False) -> float:
        p_tok, c_tok = _usage_of(response)
        return costs.cost_usd(model, p_tok, c_tok, prices=self.prices, batch=batch) or 0.0

    # -- retries ----------------------------------------------------------------------------

    def backoff(self, attempt: int) -> float:
        """Seeded exponential backoff with jitter: half fixed, half random."""
        base = float(min(self.backoff_max, self.backoff_base * (2.0 ** (attempt - 1))))
        return base / 2 + self._rng.uniform(0, base / 2)

    def _retry_delay(self, exc: openai.APIStatusError, attempt: int) -> float:
        hinted = parse_retry_after(exc.response.headers)
        if hinted is None:
            return self.backoff(attempt)
        hinted = min(hinted, self.max_retry_after)
        return hinted + self._rng.uniform(0, min(1.0, 0.1 * hinted))

    async def with_retries(
        self,
        attempt_once: Callable[[], Awaitable[_T]],
        *,
        what: str | None = None,
        rejects_format: Callable[[int, str], bool] | None = None,
    ) -> _T:
        """``await attempt_once()`` under the client's one retry policy, for every API call.

        Retried, up to ``max_attempts`` tries in all: 408/409/425/429/5xx (after
        ``Retry-After`` / ``retry-after-ms`` when the server sends one, capped at
        ``max_retry_after``, else after seeded backoff; a 429 also pauses the rate limiter for
        every worker), timeouts, connection errors and ``_Transient`` failures of
        ``attempt_once`` (a 200 without a completion). Any other status is not retried
        (``_CallFailed``); a 401 or ``insufficient_quota`` also stops every later call of the
        session. An error that ``rejects_format(status, text)`` recognises as a rejected
        ``response_format`` raises ``_FormatRejected`` (never retried). Whatever else
        ``attempt_once`` raises (the budget stop, a bug) propagates. ``what`` names a call
        other than a chat completion in logs and error messages.
        """
        prefix = f"{what}: " if what else ""
        reason, message = "error", ""
        for attempt in range(1, self.max_attempts + 1):
            if self._session.fatal is not None:
                fatal_reason, fatal_message = self._session.fatal
                raise _CallFailed(fatal_reason,
                                  f"{prefix}not sent after an earlier {fatal_message}")
            try:
                return await attempt_once()
            except openai.APIStatusError as exc:
                full = redact(_error_text(exc), self._api_key)
                message = short_error(full)
                status = exc.status_code
                if rejects_format is not None and rejects_format(status, full):
                    log.debug("%s rejected the response_format: %s", self.host, full)
                    raise _FormatRejected(message) from exc
                retryable = status in RETRYABLE_STATUS or status >= 500
                reason = f"http_{status}"
                if status == 401 or _error_code(exc) == "insufficient_quota":
                    # the key or the account is wrong: every other call would fail the same way
                    self._session.fatal = (reason, message)
                    retryable = False
                if not retryable:
                    raise _CallFailed(reason, prefix + message) from exc
                delay = self._retry_delay(exc, attempt)
                if status == 429:
                    self.limiter.pause(delay)
            except openai.APITimeoutError:
                reason, message = "timeout", f"no answer within {self.timeout:g}s"
                delay = self.backoff(attempt)
            except openai.APIConnectionError as exc:
                reason, message = "connection", f"connection error: {exc.__cause__ or exc}"
                delay = self.backoff(attempt)
            except _Transient as exc:
                reason, message = exc.reason, exc.message
                delay = self.backoff(attempt)
            if attempt < self.max_attempts:
                log.info("%s: %s (%s); retry %d/%d in %.2fs", what or self.host, reason,
                         message, attempt, self.max_attempts - 1, delay)
                await asyncio.sleep(delay)
        raise _CallFailed(reason, f"{prefix}{message} (after {self.max_attempts} attempts)")

    # -- sending one wire request -----------------------------------------------------------

    async def fetch(self, wire: WireRequest, ladder: Ladder) -> tuple[dict[str, Any], bool, float]:
        """The response to ``wire``: ``(response, cached, cost)``; cache first, single-flight."""
        if self.cache is not None:
            hit = self.cache.get(wire.key)
            if hit is not None:
                return hit.response, True, 0.0
        inflight = self._session.inflight
        if wire.key in inflight:  # an identical request is already on its way: share it
            response, _ = await asyncio.shield(inflight[wire.key])
            return response, True, 0.0
        fut: asyncio.Future[tuple[dict[str, Any], float]] = (
            asyncio.get_running_loop().create_future()
        )
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        inflight[wire.key] = fut
        try:
            response, cost = await self._send(wire, ladder)
        except BaseException as exc:
            fut.set_exception(exc)
            raise
        else:
            fut.set_result((response, cost))
        finally:
            inflight.pop(wire.key, None)
        return response, False, cost

    async def _send(self, wire: WireRequest, ladder: Ladder) -> tuple[dict[str, Any], float]:
        oai = self.openai_client()
        sem = self._session.semaphore
        assert sem is not None

        async def attempt_once() -> tuple[dict[str, Any], float]:
            worst = self.worst_case_cost(wire)
            self.reserve_budget(worst)
            reservation = await self.limiter.acquire(
                wire.prompt_tokens_est + (wire.max_tokens or 0)
            )
            data: dict[str, Any] | None = None
            try:
                async with sem:
                    ladder.attempts += 1
                    self.requests_sent += 1
                    # The client's generic POST (same auth, headers, timeouts, error types as
                    # chat.completions.create) skips the typed-params transform, which re-walks
                    # the whole body and schema on every call: the body is plain JSON already.
                    raw = await oai.post("/chat/completions", body=wire.body,
                                         cast_to=httpx.Response)
                    text = raw.text
                data = _completion(text)
            finally:
                actual = self.cost_of(wire.model, data) if data is not None else 0.0
                self.settle_budget(worst, actual)
                used = sum(_usage_of(data)) if data is not None else 0
                self.limiter.settle(reservation, used)
            return data, actual

        rejects = structured.is_format_rejection if wire.mode in FORMAT_MODES else None
        data, cost = await self.with_retries(attempt_once, rejects_format=rejects)
        if self.cache is not None:
            await self.cache.aput(
                wire.key, model=wire.model, prompt_version=wire.prompt_version,
                request=wire.spec, response=data, source="online",
            )
        return data, cost

    async def run_ladder(self, ladder: Ladder) -> LLMResult:
        """Drive one ladder online to its result (inside a :meth:`session`).

        The failures a call can meet end the ladder with a status; anything else is a bug
        and propagates.
        """
        while not ladder.done:
            wire = ladder.wire
            try:
                response, cached, cost = await self.fetch(wire, ladder)
            except _FormatRejected as exc:
                new_mode = ladder.on_rejected(exc.message, floor=self._modes.get(wire.model))
                if new_mode is not None:
                    self.remember_mode(wire.model, new_mode)
                continue
            except _CallFailed as exc:
                ladder.fail(exc.reason, exc.message)
                continue
            except _BudgetStop:
                ladder.fail("budget", self.budget_error())
                continue
            ladder.on_response(response, cached=cached, cost=cost)
        assert ladder.result is not None
        return ladder.result

    # -- public entry points ----------------------------------------------------------------

    async def complete_many(
        self, requests: Sequence[LLMRequest], *, progress: bool = True
    ) -> list[LLMResult]:
        """Run every request; results in input order, one per request.

        Every failure a call can meet is a result. Raises ``ValueError`` for repeated
        custom_ids or a budget without prices, and propagates what is no call's failure: an
        unusable cache (sqlite errors) or a bug.
        """
        ids = [r.custom_id for r in requests]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})[:5]
            raise ValueError(f"custom_id must be unique; repeated: {dupes}")
        self.check_prices(requests)
        self.load_modes([r.model for r in requests])
        results: list[LLMResult | None] = [None] * len(requests)
        stats = _RunStats()
        order = iter(range(len(requests)))
        bar = progress_bar(total=len(requests), desc="llm", unit="req", disable=not progress,
                   dynamic_ncols=True)

        async def worker() -> None:
            for i in order:
                result = await self.run_ladder(self.new_ladder(requests[i]))
                results[i] = result
                if result.cached:
                    stats.cached += 1
                if result.ok:
                    stats.ok += 1
                else:
                    stats.failed += 1
                bar.set_postfix(ok=stats.ok, cached=stats.cached, failed=stats.failed,
                                refresh=False)
                bar.update(1)

        try:
            async with self.session():
                await gather_or_cancel(*(worker() for _ in range(
                    min(self.concurrency, max(1, len(requests))))))
        finally:
            bar.close()
        out = [r for r in results if r is not None]
        assert len(out) == len(requests)
        return out

    async def complete(self, request: LLMRequest) -> LLMResult:
        return (await self.complete_many([request], progress=False))[0]

    def run(self, requests: Sequence[LLMRequest], *, progress: bool = True) -> list[LLMResult]:
        """Synchronous :meth:`complete_many` (not from inside a running event loop)."""
        return asyncio.run(self.complete_many(requests, progress=progress))

    def estimate(
        self,
        requests: Sequence[LLMRequest],
        *,
        output_tokens: int | None = None,
        batch: bool = False,
    ) -> Estimate:
        """Dry run for ``--estimate``: nothing is sent.

        A request counts as cached when its whole ladder replays from the cache. For the
        others, input tokens are estimated (characters / 4) on the next wire request and
        output tokens are ``output_tokens`` if given, else the mean completion tokens of
        cached answers for the same model and prompt version, else ``max_tokens``, else
        ``default_output_tokens``.
        """
        self.load_modes([r.model for r in requests])
        cached = to_send = in_tok = out_tok = 0
        cost = 0.0
        unpriced: set[str] = set()
        means: dict[tuple[str, str | None], float | None] = {}
        for request in requests:
            ladder = self.new_ladder(request)
            while not ladder.done and self.cache is not None:
                hit = self.cache.get(ladder.wire.key)
                if hit is None:
                    break
                ladder.on_response(hit.response, cached=True)
            if ladder.done:
                cached += 1
                continue
            to_send += 1
            wire = ladder.wire
            if output_tokens is not None:
                out = output_tokens
            else:
                pair = (request.model, request.prompt_version)
                if pair not in means:
                    means[pair] = (self.cache.mean_completion_tokens(*pair)
                                   if self.cache is not None else None)
                mean = means[pair]
                out = (round(mean) if mean is not None else
                       request.max_tokens or self.default_output_tokens)
            in_tok += wire.prompt_tokens_est
            out_tok += out
            usd = costs.cost_usd(request.model, wire.prompt_tokens_est, out, prices=self.prices,
                                 batch=batch)
            if usd is None:
                unpriced.add(request.model)
            else:
                cost += usd
        return Estimate(
            requests=len(requests), cached=cached, to_send=to_send, input_tokens=in_tok,
            output_tokens=out_tok, cost_usd=None if unpriced else cost,
            unpriced_models=tuple(sorted(unpriced)), batch=batch,
        )

