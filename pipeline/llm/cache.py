"""Persistent, crash-safe cache of LLM responses (sqlite3, WAL mode).

Every chat completion the client pays for is written here the moment it arrives, in its own
committed transaction, before the result is handed on: a run killed at any point loses at
most the calls that were in flight. The default file is ``.valact/llm-cache.sqlite`` at the
repository root (the nearest parent of the working directory holding ``dvc.yaml`` or
``.git``), outside every DVC output, so ``dvc repro`` never deletes paid answers.
``VALACT_LLM_CACHE`` overrides the location.

**Key.** One row per *wire request*: the sha256 of a canonical JSON (sorted keys, no
whitespace, floats normalised by the caller) of everything that determines the answer:
``model``, ``messages`` (exactly as sent, including any schema instructions or repair turns),
``temperature``, ``seed``, ``max_tokens``, the full ``response_format`` (with the schema),
``prompt_version`` and an optional ``namespace``. The ``base_url`` is deliberately **not**
part of the key: the same model name behind another endpoint (a proxy, a moved gateway, the
Batch API) reuses the answers already paid for. Set ``namespace`` (``LLMClient(cache_namespace=
...)``) when two servers expose *different* weights under the same model name (e.g. a local
vLLM and OpenAI), to keep their answers apart.

**Rows.** The canonical request, the raw response JSON, the message content, finish_reason,
usage tokens, where it came from (``online`` or ``batch``) and when it was stored. The
timestamp lives only here: it never reaches a pipeline output.

**Concurrency.** Reads and writes use separate connections (WAL lets readers run beside the
writer); writes are serialised by a lock and, from asyncio, by a one-thread executor
(:meth:`ResponseCache.aput`), so the event loop never blocks on an fsync. Several processes
may share the file: sqlite's locking with a busy timeout arbitrates (``BEGIN IMMEDIATE``).
``synchronous=FULL`` by default (durable across power loss; ``NORMAL`` is enough to survive a
killed process and is a little faster).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

KEY_VERSION = "valact-llm-cache/v1"
CACHE_FILENAME = "llm-cache.sqlite"
CACHE_ENV = "VALACT_LLM_CACHE"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    prompt_version TEXT,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    content TEXT,
    finish_reason TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    source TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_model ON responses (model, prompt_version);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text: sorted keys, no whitespace, unicode kept, NaN refused."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def request_key(spec: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical JSON of a request spec (see the module docstring)."""
    payload = KEY_VERSION + "\n" + canonical_json(dict(spec))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def find_repo_root(start: Path | None = None) -> Path:
    """The nearest parent of ``start`` (default: cwd) holding ``dvc.yaml`` or ``.git``."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "dvc.yaml").exists() or (candidate / ".git").exists():
            return candidate
    return here


def default_cache_path() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    return find_repo_root() / ".valact" / CACHE_FILENAME


@dataclass(frozen=True)
class CachedResponse:
    key: str
    model: str
    prompt_version: str | None
    request: dict[str, Any] | None  # loaded only with ``get(key, with_request=True)``
    response: dict[str, Any]
    content: str | None
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    source: str
    created_at: float


def _usage(response: Mapping[str, Any]) -> tuple[int | None, int | None]:
    usage = response.get("usage") or {}
    if not isinstance(usage, Mapping):
        return None, None
    p, c = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return (int(p) if isinstance(p, int | float) else None,
            int(c) if isinstance(c, int | float) else None)


def _first_choice(response: Mapping[str, Any]) -> tuple[str | None, str | None]:
    choices = response.get("choices") or []
    if not choices or not isinstance(choices[0], Mapping):
        return None, None
    message = choices[0].get("message") or {}
    content = message.get("content") if isinstance(message, Mapping) else None
    return (content if isinstance(content, str) else None), choices[0].get("finish_reason")


class ResponseCache:
    """The sqlite response cache. Thread-safe; one instance per process is plenty."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = 30.0,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
    ) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._timeout = timeout
        self._synchronous = synchronous
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._writer = self._connect()
        with self._write_lock:
            self._writer.execute("PRAGMA journal_mode=WAL")
            self._writer.executescript(_SCHEMA)
            self._writer.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._reader = self._connect()
        self._executor: ThreadPoolExecutor | None = None
        self.writes = 0

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        return conn

    # -- reads ------------------------------------------------------------------------------

    def get(self, key: str, *, with_request: bool = False) -> CachedResponse | None:
        """The cached response for ``key`` (its request JSON only when asked: it is large)."""
        request_col = "request" if with_request else "NULL"
        with self._read_lock:
            row = self._reader.execute(
                f"SELECT key, model, prompt_version, {request_col}, response, content,"
                " finish_reason, prompt_tokens, completion_tokens, source, created_at"
                " FROM responses WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        return CachedResponse(
            key=row[0], model=row[1], prompt_version=row[2],
            request=json.loads(row[3]) if row[3] is not None else None,
            response=json.loads(row[4]), content=row[5], finish_reason=row[6],
            prompt_tokens=row[7], completion_tokens=row[8], source=row[9], created_at=row[10],
        )

    def __len__(self) -> int:
        with self._read_lock:
            return int(self._reader.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def mean_completion_tokens(self, model: str, prompt_version: str | None) -> float | None:
        """Mean completion tokens of cached answers for this model and prompt version."""
        with self._read_lock:
            row = self._reader.execute(
                "SELECT AVG(completion_tokens), COUNT(completion_tokens) FROM responses"
                " WHERE model = ? AND prompt_version IS ?",
                (model, prompt_version),
            ).fetchone()
        return float(row[0]) if row and row[1] else None

    def get_meta(self, name: str) -> str | None:
        with self._read_lock:
            row = self._reader.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    # -- writes -----------------------------------------------------------------------------

    def put(
        self,
        key: str,
        *,
        model: str,
        prompt_version: str | None,
        request: Mapping[str, Any],
        response: Mapping[str, Any],
        source: str = "online",
    ) -> None:
        """Store one response, committed before returning (replaces an older row)."""
        self.put_many([(key, model, prompt_version, request, response, source)])

    def put_many(
        self,
        rows: Iterable[
            tuple[str, str, str | None, Mapping[str, Any], Mapping[str, Any], str]
        ],
    ) -> int:
        """Store ``(key, model, prompt_version, request, response, source)`` rows, one commit."""
        now = time.time()
        params: list[tuple[Any, ...]] = []
        for key, model, prompt_version, request, response, source in rows:
            content, finish = _first_choice(response)
            p_tok, c_tok = _usage(response)
            params.append((
                key, model, prompt_version, canonical_json(dict(request)),
                json.dumps(response, ensure_ascii=False), content, finish, p_tok, c_tok,
                source, now,
            ))
        if not params:
            return 0
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                self._writer.executemany(
                    "INSERT OR REPLACE INTO responses (key, model, prompt_version, request,"
                    " response, content, finish_reason, prompt_tokens, completion_tokens,"
                    " source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    params,
                )
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")
            self.writes += len(params)
        return len(params)

    async def aput(
        self,
        key: str,
        *,
        model: str,
        prompt_version: str | None,
        request: Mapping[str, Any],
        response: Mapping[str, Any],
        source: str = "online",
    ) -> None:
        """:meth:`put` on the cache's one writer thread (writes stay serialised)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-cache")
        loop = asyncio.get_running_loop()
        row = (key, model, prompt_version, request, response, source)
        await loop.run_in_executor(self._executor, self.put_many, [row])

    def set_meta(self, name: str, value: str) -> None:
        with self._write_lock:
            self._writer.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value)
            )

    def delete(self, keys: Iterable[str]) -> int:
        """Forget responses (e.g. to re-ask refused or truncated requests)."""
        keys = list(keys)
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            cur = self._writer.executemany("DELETE FROM responses WHERE key = ?",
                                           [(k,) for k in keys])
            self._writer.execute("COMMIT")
        return cur.rowcount if cur.rowcount is not None else 0

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        with self._write_lock:
            self._writer.close()
        with self._read_lock:
            self._reader.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
