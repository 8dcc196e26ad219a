"""The contact center's clock: what every contact service and selector calls "now".

The system clock by default; the simulator and tests replace it with
``engine.ManualClock`` (:func:`set_clock`) to drive time as they want.
"""

from __future__ import annotations

from datetime import datetime

from atiende import engine

_clock: engine.Clock = engine.SystemClock()


def set_clock(new_clock: engine.Clock) -> engine.Clock:
    """Replace the clock (accelerated simulation, tests); returns the previous one."""
    global _clock
    previous, _clock = _clock, new_clock
    return previous


def now() -> datetime:
    return _clock.now()
