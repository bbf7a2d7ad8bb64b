"""Client-side rate limits: requests per minute and tokens per minute (token buckets).

Each bucket refills continuously at ``per_minute / 60`` units a second up to ``per_minute``
(so a full minute's allowance may go out in a burst, as the providers' limiters allow). A
request takes one unit from the request bucket and its *estimated* tokens (prompt
characters / 4 plus ``max_tokens``, which is also how OpenAI counts a request against the
limit) from the token bucket; once the response arrives :meth:`RateLimiter.settle` replaces
the estimate by the usage the server reported, refunding or charging the difference.

A request bigger than a whole bucket is let through when the bucket is full (the level
goes negative and later requests wait the debt off) instead of waiting forever.

:meth:`RateLimiter.pause` stops every caller until a deadline: the client calls it when the
server answers 429 with ``Retry-After``, so the other workers do not keep hammering.

Waiters are served first come, first served (one lock, held while waiting).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Clock = Callable[[], float]
Sleeper = Callable[[float], Awaitable[None]]


class TokenBucket:
    """A continuously refilling bucket of ``per_minute`` units (level may go negative)."""

    def __init__(self, per_minute: float, *, clock: Clock = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError(f"per_minute must be positive, got {per_minute}")
        self.capacity = float(per_minute)
        self.rate = self.capacity / 60.0
        self._clock = clock
        self._level = self.capacity
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._level = min(self.capacity, self._level + elapsed * self.rate)

    def wait_time(self, amount: float) -> float:
        """Seconds until ``amount`` may be taken (0 when it may be taken now)."""
        self._refill()
        need = min(float(amount), self.capacity)
        if self._level >= need:
            return 0.0
        return (need - self._level) / self.rate

    def take(self, amount: float) -> None:
        self._refill()
        self._level -= float(amount)

    def adjust(self, delta: float) -> None:
        """Charge (positive) or refund (negative) ``delta`` units after the fact."""
        self._refill()
        self._level = min(self.capacity, self._level - float(delta))


@dataclass
class Reservation:
    """What :meth:`RateLimiter.acquire` took, to be settled with the real usage."""

    tokens: int
    settled: bool = False


class RateLimiter:
    """Requests-per-minute and tokens-per-minute limits; ``None`` disables a limit."""

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleeper = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self.requests = TokenBucket(rpm, clock=clock) if rpm else None
        self.tokens = TokenBucket(tpm, clock=clock) if tpm else None
        self._resume_at = 0.0
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self.waited_s = 0.0

    def _wait_for(self, tokens: int) -> float:
        wait = max(0.0, self._resume_at - self._clock())
        if self.requests is not None:
            wait = max(wait, self.requests.wait_time(1))
        if self.tokens is not None:
            wait = max(wait, self.tokens.wait_time(tokens))
        return wait

    async def acquire(self, tokens: int) -> Reservation:
        """Wait until one request and ``tokens`` estimated tokens fit, then take them."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:  # one lock per event loop
            self._lock, self._lock_loop = asyncio.Lock(), loop
        async with self._lock:
            while True:
                wait = self._wait_for(tokens)
                if wait <= 0:
                    break
                self.waited_s += wait
                await self._sleep(wait)
            if self.requests is not None:
                self.requests.take(1)
            if self.tokens is not None:
                self.tokens.take(tokens)
        return Reservation(tokens=tokens)

    def settle(self, reservation: Reservation, actual_tokens: int | None) -> None:
        """Replace the estimate by the reported usage (``None``: keep the estimate)."""
        if reservation.settled:
            return
        reservation.settled = True
        if self.tokens is not None and actual_tokens is not None:
            self.tokens.adjust(actual_tokens - reservation.tokens)

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` from now (e.g. after a 429 with Retry-After)."""
        if seconds > 0:
            self._resume_at = max(self._resume_at, self._clock() + seconds)
