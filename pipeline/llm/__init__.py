"""The project's one LLM client layer (used by ``annotate`` and ``evaluate``).

- :mod:`~pipeline.llm.client`: :class:`LLMClient` (cached, rate-limited, retried, budgeted
  async calls through the real ``openai.AsyncOpenAI``; ``async with llm.session():`` shares
  one connection pool and concurrency limit among many calls), :class:`LLMRequest`,
  :class:`LLMResult`, :class:`Estimate`, :func:`gather_or_cancel`.
- :mod:`~pipeline.llm.batch`: the same requests through the OpenAI Batch API, resumable.
- :mod:`~pipeline.llm.cache`: the persistent sqlite response cache (``.valact/``).
- :mod:`~pipeline.llm.structured`: strict JSON schemas from pydantic models, parsing, the
  json_schema -> json_object -> text fallback ladder, one repair attempt.
- :mod:`~pipeline.llm.limits`: requests/tokens per minute token buckets.
- :mod:`~pipeline.llm.costs`: prices per model and token estimates.

Typical use::

    from pipeline.llm import LLMClient, LLMRequest

    with LLMClient(base_url=..., concurrency=16, budget_usd=5.0) as llm:
        print(llm.estimate(requests).summary())
        results = llm.run(requests)          # or: await llm.complete_many(requests)
    for r in results:
        if r.ok: use(r.parsed)
        else: record(r.custom_id, r.status, r.reason, r.error)

Failures a call can meet come back as results; a bug in the code raises.

Prompts are not here: callers build the messages and pick the pydantic response model.
"""

from pipeline.llm.batch import BatchRunner
from pipeline.llm.cache import ResponseCache, default_cache_path, request_key
from pipeline.llm.client import (
    Estimate,
    LLMClient,
    LLMRequest,
    LLMResult,
    Usage,
    gather_or_cancel,
)
from pipeline.llm.costs import DEFAULT_PRICES, Price, cost_usd, price_for
from pipeline.llm.limits import RateLimiter, TokenBucket
from pipeline.llm.structured import StrictSchemaError, extract_json, strict_json_schema

__all__ = [
    "DEFAULT_PRICES",
    "BatchRunner",
    "Estimate",
    "LLMClient",
    "LLMRequest",
    "LLMResult",
    "Price",
    "RateLimiter",
    "ResponseCache",
    "StrictSchemaError",
    "TokenBucket",
    "Usage",
    "cost_usd",
    "default_cache_path",
    "extract_json",
    "gather_or_cancel",
    "price_for",
    "request_key",
    "strict_json_schema",
]
