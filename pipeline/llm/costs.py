"""Model prices and cost arithmetic (USD per 1M tokens).

The table is a snapshot of OpenAI's public list prices for the chat models this project is
likely to use; check the pricing page before trusting a budget to the cent, and pass your own
``prices`` mapping to :class:`~pipeline.llm.client.LLMClient` for other models or providers
(for a local server, ``Price(0, 0)``).

Lookup is by exact model name, then by the longest table key that prefixes the name, so a
dated snapshot such as ``gpt-4o-mini-2024-07-18`` is priced as ``gpt-4o-mini``. A model
with no price gives ``None``: the client refuses to run with a budget cap it cannot enforce.

The Batch API bills half price (``BATCH_DISCOUNT``). Token estimates before a call use
``len(text) / 4`` (see :func:`estimate_tokens`); the usage reported by the server replaces
the estimate as soon as a response arrives.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CHARS_PER_TOKEN = 4.0
MESSAGE_OVERHEAD_TOKENS = 4  # role and separators, per message
REPLY_PRIMING_TOKENS = 3
BATCH_DISCOUNT = 0.5


@dataclass(frozen=True)
class Price:
    """USD per one million input (prompt) and output (completion) tokens."""

    input_per_m: float
    output_per_m: float

    def cost(self, input_tokens: int, output_tokens: int, *, batch: bool = False) -> float:
        usd = (input_tokens * self.input_per_m + output_tokens * self.output_per_m) / 1_000_000
        return usd * BATCH_DISCOUNT if batch else usd


# USD per 1M tokens (standard tier, list prices; snapshot, see module docstring).
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "o3": Price(2.00, 8.00),
    "o4-mini": Price(1.10, 4.40),
    "gpt-3.5-turbo": Price(0.50, 1.50),
}


def price_for(model: str, prices: Mapping[str, Price] | None = None) -> Price | None:
    """The price of ``model``: exact key first, then the longest key that prefixes it."""
    table = DEFAULT_PRICES if prices is None else prices
    if model in table:
        return table[model]
    best: str | None = None
    for key in table:
        if model.startswith(key) and (best is None or len(key) > len(best)):
            best = key
    return table[best] if best is not None else None


def cost_usd(
    model: str,
    input_tokens: int,
    output_tokens: int,
    *,
    prices: Mapping[str, Price] | None = None,
    batch: bool = False,
) -> float | None:
    """Cost of one call, or ``None`` when the model has no known price."""
    price = price_for(model, prices)
    if price is None:
        return None
    return price.cost(input_tokens, output_tokens, batch=batch)


def estimate_tokens(text: str) -> int:
    """Rough token count of ``text`` (characters / 4, rounded up)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate_prompt_tokens(
    messages: Sequence[Mapping[str, Any]], response_format: Mapping[str, Any] | None = None
) -> int:
    """Rough prompt tokens of a chat request: message text, per-message overhead, schema."""
    total = REPLY_PRIMING_TOKENS
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            text = content
        elif content is None:
            text = ""
        else:  # list of content parts
            text = json.dumps(content, ensure_ascii=False)
        total += MESSAGE_OVERHEAD_TOKENS + estimate_tokens(text)
    if response_format:
        total += estimate_tokens(json.dumps(response_format, ensure_ascii=False))
    return total
