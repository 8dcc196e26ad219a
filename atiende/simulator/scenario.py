"""What a simulation runs: the scenario (how many calls, technicians, difficult callers...) and the
API paths and call states the simulated PBX and consoles use."""

from __future__ import annotations

from dataclasses import dataclass

from atiende.engine import OPEN_STATES

API = "/api/v1"

CTI_EVENTS = f"{API}/cti/events"

LIVE = OPEN_STATES  # the engine's states, as the API reports them

SKILL = "simulacion"

@dataclass(frozen=True)
class Scenario:
    minutes: float = 60
    calls_per_hour: float = 120
    technicians: int = 8
    tier2_share: float = 0.25
    handle_seconds: float = 300
    difficult_share: float = 0.2
    patience_seconds: float = 240
    seed: int = 1
    queue: str = "simulacion"
    phone_share: float = 0.5  # holds and transfers made with the phone's keys (CTI) rather than the console
    break_share: float = 0.05  # after a call, a technician takes a short break (pause with a reason)
    retry_share: float = 0.02  # PBX events sent twice, as after a timeout (idempotency)
