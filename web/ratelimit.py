"""Per-client-address rate limiting: a token bucket per address, in bounded memory."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request


class RateLimited(Exception):
    """Too many requests from one address; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    """Allows `burst` requests at once, refilled at `per_minute` a minute, per address.

    Keeps at most `max_clients` addresses: the least recently seen is forgotten first (it
    gets a full bucket if it returns), so memory stays bounded however many addresses appear.
    """

    def __init__(
        self,
        per_minute: int,
        burst: int,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def wait(self, key: str) -> int:
        """0 when a request from `key` may go ahead now (and count it), else seconds to wait."""
        now = self.clock()
        with self._lock:
            tokens, seen = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0
            else:
                self._buckets[key] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / self.rate))
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


def enforce(limiter: RateLimiter, address: str) -> None:
    """Count a request from `address`, or raise RateLimited when it must wait."""
    wait = limiter.wait(address)
    if wait:
        raise RateLimited(wait)


async def _limit(request: Request) -> None:
    limiter: RateLimiter | None = request.app.state.limiter
    if limiter is not None:
        enforce(limiter, request.client.host if request.client else "unknown")


RateLimit = Annotated[None, Depends(_limit)]
