"""The OpenAI Batch API path: same requests, same cache, same results, half the price.

:class:`BatchRunner` drives the same per-request :class:`~pipeline.llm.client.Ladder` as the
online client, in rounds:

1. replay every ladder against the cache; the wire requests still missing are *needed*;
2. if a batch recorded in the state file (``llm-batches.json`` next to the cache) covers
   needed requests, **resume** it: poll it instead of paying again (a process killed while
   polling, or even between the batch's creation and its recording, picks it up: a
   submission is recorded with its input file id *before* the batch is created and is
   matched back through ``GET /v1/batches`` when the batch id is missing);
3. otherwise write the JSONL of the needed requests (``custom_id`` = the cache key, ``POST
   /v1/chat/completions``, the exact body), upload it (``files.create(purpose="batch")``),
   create the batch (``completion_window="24h"``), record it, poll it with backoff until
   ``completed`` / ``failed`` / ``expired`` / ``cancelled``;
4. download the output and error files and merge each answered line into the cache (one
   transaction per file), by ``custom_id`` = request key. A batch leaves the state file only
   after its lines are in the cache;
5. loop: repairs, response_format fallbacks and lines that came back missing (failed or
   expired batch, ``batch_expired`` errors, 5xx lines, silently absent lines) make the next
   round, which resubmits **only** what is still missing. A request submitted
   ``max_submissions`` times without an answer ends as ``status="error"``,
   ``reason="batch_missing"``: never silently short.

Per-line 4xx errors other than a response_format rejection end that request (``http_4xx``).
With ``max_wait`` set, a batch still running at the deadline stays in the state file and its
requests end as ``reason="batch_pending"`` (rerun to resume). The budget cap applies at
batch prices: requests whose worst case does not fit are not submitted (``reason="budget"``).
``LLMResult.attempts`` counts the batch submissions of the result's requests in this run
(``cached=True`` when everything came from the cache, including answers merged by an
earlier run).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.llm import structured
from pipeline.llm.client import (
    Ladder,
    LLMClient,
    LLMRequest,
    LLMResult,
    WireRequest,
    _BudgetStop,
    _CallFailed,
    gather_or_cancel,
)
from pipeline.progress import progress_bar

log = logging.getLogger("valact.llm.batch")

STATE_FILENAME = "llm-batches.json"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
NO_RETRY_LINE = frozenset({400, 401, 403, 404, 422})


@dataclass
class BatchRecord:
    """One submitted (or being submitted) batch, as kept in the state file."""

    input_file_id: str
    keys: list[str]
    submitted_at: float
    batch_id: str | None = None
    host: str = ""


@dataclass
class _Round:
    """Bookkeeping shared by the rounds of one run."""

    fresh: dict[str, float] = field(default_factory=dict)  # key merged this run -> cost
    rejections: dict[str, str] = field(default_factory=dict)
    failures: dict[str, tuple[str, str]] = field(default_factory=dict)
    submissions: Counter[str] = field(default_factory=Counter)
    reserved: dict[str, float] = field(default_factory=dict)


class BatchState:
    """The JSON state file of pending batches (atomic replace, POSIX file lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = self.path.with_suffix(self.path.suffix + ".lock")
        with open(lock_path, "a+") as handle:
            try:
                import fcntl

                fcntl.flock(handle, fcntl.LOCK_EX)
            except ImportError:  # pragma: no cover - non-POSIX
                pass
            yield

    def _read(self) -> list[BatchRecord]:
        if not self.path.exists():
            return []
        data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        return [BatchRecord(**item) for item in data.get("batches", [])]

    def _write(self, records: list[BatchRecord]) -> None:
        tmp = self.path.with_suffix(self.path.suffix + f".tmp{os.getpid()}")
        payload = {"version": 1, "batches": [asdict(r) for r in records]}
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def load(self) -> list[BatchRecord]:
        with self._locked():
            return self._read()

    def upsert(self, record: BatchRecord) -> None:
        with self._locked():
            records = [r for r in self._read() if r.input_file_id != record.input_file_id]
            records.append(record)
            self._write(records)

    def remove(self, input_file_id: str) -> None:
        with self._locked():
            self._write([r for r in self._read() if r.input_file_id != input_file_id])


def default_state_path(client: LLMClient) -> Path:
    if client.cache is None:
        raise ValueError("the batch path needs the response cache (use_cache=True)")
    return client.cache.path.parent / STATE_FILENAME


class BatchRunner:
    """Run requests through the Batch API (see the module docstring)."""

    def __init__(
        self,
        client: LLMClient,
        *,
        state_path: str | os.PathLike[str] | None = None,
        poll_interval: float = 10.0,
        poll_max: float = 300.0,
        max_wait: float | None = None,
        max_submissions: int = 3,
        completion_window: str = "24h",
        max_requests_per_batch: int = 50_000,
    ) -> None:
        if client.cache is None:
            raise ValueError("the batch path needs the response cache (use_cache=True)")
        self.client = client
        self.cache = client.cache
        self.state = BatchState(Path(state_path) if state_path else default_state_path(client))
        self.poll_interval = poll_interval
        self.poll_max = poll_max
        self.max_wait = max_wait
        self.max_submissions = max_submissions
        self.completion_window = completion_window
        self.max_requests_per_batch = max_requests_per_batch
        self.batches_created = 0
        self.batches_resumed = 0

    # -- main loop --------------------------------------------------------------------------

    async def complete_many(
        self, requests: Sequence[LLMRequest], *, progress: bool = True
    ) -> list[LLMResult]:
        client = self.client
        ids = [r.custom_id for r in requests]
        if len(set(ids)) != len(ids):
            raise ValueError("custom_id must be unique")
        client.check_prices(requests)
        client.load_modes([r.model for r in requests])
        ladders = [client.new_ladder(r) for r in requests]
        rnd = _Round()
        bar = progress_bar(total=len(ladders), desc="llm batch", unit="req", disable=not progress)
        try:
            async with client.session():
                while True:
                    needed = self._advance(ladders, rnd)
                    bar.n = sum(1 for lad in ladders if lad.done)
                    bar.refresh()
                    if not needed:
                        break
                    records = [r for r in self.state.load()
                               if set(r.keys) & needed.keys()]
                    if records:
                        self.batches_resumed += len(records)
                        log.info("resuming %d batch(es) from %s", len(records), self.state.path)
                        await gather_or_cancel(*(self._finish(r, needed, rnd)
                                                 for r in records))
                        continue
                    await self._submit_round(needed, rnd)
        finally:
            bar.close()
        results = []
        for ladder in ladders:  # _advance ends or records every ladder before it returns {}
            assert ladder.result is not None
            results.append(ladder.result)
        return results

    def run(self, requests: Sequence[LLMRequest], *, progress: bool = True) -> list[LLMResult]:
        return asyncio.run(self.complete_many(requests, progress=progress))

    def _advance(self, ladders: Sequence[Ladder], rnd: _Round) -> dict[str, WireRequest]:
        """Feed every ladder from the cache; return the wire requests still needed."""
        needed: dict[str, WireRequest] = {}
        for ladder in ladders:
            while not ladder.done:
                wire = ladder.wire
                key = wire.key
                if key in rnd.failures:
                    ladder.attempts += rnd.submissions[key]
                    ladder.fail(*rnd.failures[key])
                    break
                if key in rnd.rejections:
                    ladder.attempts += rnd.submissions[key]
                    # step down at least to where new requests for the model start
                    floor = self.client.start_mode(wire.model)
                    mode = ladder.on_rejected(rnd.rejections[key], floor=floor)
                    if mode is not None:
                        self.client.remember_mode(wire.model, mode)
                    continue
                hit = self.cache.get(key)
                if hit is None:
                    needed[key] = wire
                    break
                fresh = key in rnd.fresh
                ladder.attempts += rnd.submissions[key] if fresh else 0
                ladder.on_response(hit.response, cached=not fresh,
                                   cost=rnd.fresh.pop(key, 0.0) if fresh else 0.0)
        return needed

    async def _submit_round(self, needed: Mapping[str, WireRequest], rnd: _Round) -> None:
        client = self.client
        todo: list[WireRequest] = []
        for key, wire in needed.items():
            if rnd.submissions[key] >= self.max_submissions:
                rnd.failures[key] = (
                    "batch_missing",
                    f"no answer after {rnd.submissions[key]} batch submissions",
                )
                continue
            worst = client.worst_case_cost(wire, batch=True)
            try:
                client.reserve_budget(worst)
            except _BudgetStop:
                rnd.failures[key] = ("budget", client.budget_error())
                continue
            rnd.reserved[key] = worst
            todo.append(wire)
        records: list[BatchRecord] = []
        for start in range(0, len(todo), self.max_requests_per_batch):
            chunk = todo[start:start + self.max_requests_per_batch]
            try:
                records.append(await self._create(chunk))
            except _CallFailed as exc:
                for wire in chunk:
                    rnd.failures[wire.key] = (exc.reason, exc.message)
                    client.settle_budget(rnd.reserved.pop(wire.key, 0.0), 0.0)
                continue
            for wire in chunk:
                rnd.submissions[wire.key] += 1
        await gather_or_cancel(*(self._finish(r, needed, rnd) for r in records))
        for key in list(rnd.reserved):  # lines that never came back cost nothing
            client.settle_budget(rnd.reserved.pop(key), 0.0)

    # -- one batch --------------------------------------------------------------------------

    async def _create(self, wires: Sequence[WireRequest]) -> BatchRecord:
        oai = self.client.openai_client()
        lines = [
            json.dumps({"custom_id": w.key, "method": "POST", "url": ENDPOINT, "body": w.body},
                       ensure_ascii=False)
            for w in wires
        ]
        data = ("\n".join(lines) + "\n").encode("utf-8")
        name = f"valact-batch-{int(time.time())}-{len(wires)}.jsonl"
        uploaded = await self.client.with_retries(
            lambda: oai.files.create(file=(name, data, "application/jsonl"), purpose="batch"),
            what="upload batch input",
        )
        record = BatchRecord(input_file_id=uploaded.id, keys=[w.key for w in wires],
                             submitted_at=time.time(), host=self.client.host)
        self.state.upsert(record)  # before create: a kill now is resumable via the file id
        await self._ensure_batch(record)
        log.info("batch %s submitted: %d requests", record.batch_id, len(wires))
        return record

    async def _ensure_batch(self, record: BatchRecord) -> None:
        """Give ``record`` a batch id: find the batch made from its file, or create it."""
        if record.batch_id is not None:
            return
        oai = self.client.openai_client()

        async def find() -> str | None:
            page = await oai.batches.list(limit=100)
            async for batch in page:  # newest first
                if batch.input_file_id == record.input_file_id:
                    return batch.id
                if batch.created_at < record.submitted_at - 3600:
                    break
            return None

        found = await self.client.with_retries(find, what="list batches")
        if found is None:
            batch = await self.client.with_retries(
                lambda: oai.batches.create(
                    input_file_id=record.input_file_id,
                    endpoint=ENDPOINT,
                    completion_window=self.completion_window,  # type: ignore[arg-type]
                    metadata={"source": "valact-pipeline"},
                ),
                what="create batch",
            )
            found = batch.id
            self.batches_created += 1
        record.batch_id = found
        self.state.upsert(record)

    async def _finish(self, record: BatchRecord, needed: Mapping[str, WireRequest],
                      rnd: _Round) -> None:
        """Poll ``record`` to a terminal status and merge its lines; never raises."""
        waiting = [k for k in record.keys if k in needed]
        try:
            await self._ensure_batch(record)
            batch = await self._poll(record)
            if batch is None:
                for key in waiting:
                    rnd.failures.setdefault(key, (
                        "batch_pending",
                        f"batch {record.batch_id} still running after {self.max_wait}s; "
                        "rerun to resume it",
                    ))
                return
            await self._merge(record, batch, needed, rnd)
        except _CallFailed as exc:
            for key in waiting:
                rnd.failures.setdefault(key, (
                    "batch_pending" if record.batch_id else exc.reason,
                    f"batch {record.batch_id or record.input_file_id}: {exc.message}; "
                    "rerun to resume it",
                ))
            return
        self.state.remove(record.input_file_id)

    async def _poll(self, record: BatchRecord) -> Any:
        oai = self.client.openai_client()
        assert record.batch_id is not None
        batch_id = record.batch_id
        interval = self.poll_interval
        started = time.monotonic()
        while True:
            batch = await self.client.with_retries(
                lambda: oai.batches.retrieve(batch_id), what=f"poll batch {batch_id}"
            )
            if batch.status in TERMINAL:
                counts = batch.request_counts
                log.info("batch %s %s (%s)", batch_id, batch.status, counts)
                return batch
            if self.max_wait is not None and time.monotonic() - started > self.max_wait:
                return None
            await asyncio.sleep(interval)
            interval = min(self.poll_max, interval * 1.5)

    async def _download(self, file_id: str | None) -> list[dict[str, Any]]:
        if not file_id:
            return []
        oai = self.client.openai_client()
        content = await self.client.with_retries(lambda: oai.files.content(file_id),
                                                 what=f"download {file_id}")
        lines = []
        for raw in content.text.splitlines():
            if raw.strip():
                try:
                    line = json.loads(raw)
                except ValueError:
                    line = None
                if isinstance(line, dict):
                    lines.append(line)
                else:
                    log.warning("unreadable line in %s", file_id)
        return lines

    async def _merge(self, record: BatchRecord, batch: Any, needed: Mapping[str, WireRequest],
                     rnd: _Round) -> None:
        client = self.client
        if batch.status == "failed":
            errors = getattr(batch, "errors", None)
            log.warning("batch %s failed: %s", record.batch_id, errors)
        lines = await self._download(batch.output_file_id)
        lines += await self._download(batch.error_file_id)
        rows = []
        answered: set[str] = set()
        for line in lines:
            key = line.get("custom_id")
            if not isinstance(key, str):
                continue
            response = line.get("response")
            if not isinstance(response, Mapping):
                response = {}
            code = response.get("status_code")
            body = response.get("body")
            if code == 200 and isinstance(body, dict) and isinstance(body.get("choices"), list):
                wire = needed.get(key)
                model = wire.model if wire else str(body.get("model", ""))
                spec = wire.spec if wire else {"custom_id": key, "batch_id": record.batch_id}
                rows.append((key, model, wire.prompt_version if wire else None, spec, body,
                             "batch"))
                cost = client.cost_of(model, body, batch=True)
                client.settle_budget(rnd.reserved.pop(key, 0.0), cost)
                rnd.fresh[key] = cost
                answered.add(key)
                continue
            message = _line_error(line)
            if isinstance(code, int) and code in NO_RETRY_LINE:
                wire = needed.get(key)
                if wire is not None and wire.mode in structured.FORMAT_MODES and (
                    structured.is_format_rejection(code, message)
                ):
                    rnd.rejections[key] = message
                else:
                    rnd.failures[key] = (f"http_{code}", message)
            # anything else (expired, cancelled, 5xx, 429) stays missing: next round resubmits
        if rows:
            await asyncio.to_thread(self.cache.put_many, rows)
        missing = [k for k in record.keys if k not in answered and k in needed]
        if missing:
            log.warning("batch %s (%s): %d of %d requests came back without an answer; "
                        "they will be resubmitted", record.batch_id, batch.status,
                        len(missing), len(record.keys))


def _line_error(line: Mapping[str, Any]) -> str:
    error = line.get("error")
    if isinstance(error, Mapping):
        return f"{error.get('code')}: {error.get('message')}"
    response = line.get("response") or {}
    body = response.get("body") if isinstance(response, Mapping) else None
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        err = body["error"]
        return f"HTTP {response.get('status_code')}: {err.get('message')}"
    return f"HTTP {response.get('status_code') if isinstance(response, Mapping) else '?'}"

