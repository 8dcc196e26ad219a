"""Rate limits (pure): a burst, then a steady rate; a refusal says how long to wait."""

from __future__ import annotations

import pytest

from atiende.chat.core import Limiter


def test_a_burst_passes_then_the_flood_waits_for_the_rate() -> None:
    limits = Limiter(burst=5, per_second=1)
    assert [limits.take("s1", 100.0) for _ in range(5)] == [0.0] * 5
    assert limits.take("s1", 100.0) == pytest.approx(1.0)
    assert limits.take("s1", 100.5) == pytest.approx(0.5)  # a refusal spends nothing
    assert limits.take("s1", 101.0) == 0.0
    assert limits.take("s2", 101.0) == 0.0  # another session has its own bucket


def test_idle_keys_are_forgotten_so_new_addresses_cannot_grow_it_without_bound() -> None:
    limits = Limiter(burst=2, per_second=1, max_keys=3)
    for n in range(10):
        limits.take(f"10.0.0.{n}", float(n * 10))
    assert len(limits.buckets) <= 3
    busy = Limiter(burst=2, per_second=0.001, max_keys=3)
    for n in range(10):
        busy.take(f"10.0.0.{n}", 0.0)
    assert len(busy.buckets) <= 3


def test_a_limit_without_a_burst_is_refused() -> None:
    with pytest.raises(ValueError):
        Limiter(burst=0, per_second=1)
