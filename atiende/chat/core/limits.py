"""Rate limits as token buckets: ``burst`` actions at once, then ``per_second`` on average.

A customer typing fast sends a few messages in a row (the burst); a script flooding the chat is
refused after it, each refusal saying how many seconds to wait. The clock is passed in (seconds,
any monotonic origin), so tests decide the time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(slots=True)
class Bucket:
    burst: float
    per_second: float
    tokens: float
    updated: float

    def take(self, now: float, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens if there are enough: 0.0; else the seconds until there will be (nothing spent)."""
        if now > self.updated:
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.per_second)
            self.updated = now
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        if self.per_second <= 0:
            return math.inf
        return (cost - self.tokens) / self.per_second

    def full(self, now: float) -> bool:
        return self.tokens + max(0.0, now - self.updated) * self.per_second >= self.burst


class Limiter:
    """One bucket per key (an address, a session). Idle keys are forgotten once ``max_keys`` is reached, so a
    stream of new addresses cannot grow it without bound (a full bucket is the same as a forgotten one)."""

    def __init__(self, *, burst: float, per_second: float, max_keys: int = 10_000) -> None:
        if burst < 1 or per_second < 0:
            raise ValueError("a limit needs a burst of at least 1 and a non-negative rate")
        self.burst = burst
        self.per_second = per_second
        self.max_keys = max_keys
        self.buckets: dict[str, Bucket] = {}

    def take(self, key: str, now: float, cost: float = 1.0) -> float:
        """0.0 when the action is allowed (and counted), else the seconds to wait before trying again."""
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.max_keys:
                self._forget_idle(now)
            bucket = self.buckets[key] = Bucket(self.burst, self.per_second, self.burst, now)
        return bucket.take(now, cost)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, b in self.buckets.items() if b.full(now)]:
            del self.buckets[key]
        if len(self.buckets) >= self.max_keys:  # every key is busy: drop the oldest (dicts keep insertion order)
            for key in list(self.buckets)[: len(self.buckets) - self.max_keys + 1]:
                del self.buckets[key]
