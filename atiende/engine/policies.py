"""Call-center policies (PO-1..PO-3) and their overrides per organisation and per queue.

The defaults come from the company's policy document (seed 002/003): a call
lasts at most 15 minutes (PO-1), nobody waits more than 3 minutes (PO-2), a
technician handles at least 30 calls a day (PO-3). A warning goes out before a
breach (by default at 80 % of the limit) and an alert at the breach.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from atiende.practices import Refusal

# The range of each setting: seconds up to a day for call and wait limits, an hour for the short timers,
# at most 1,000 calls a day; fractions in (0, 1].
DAY, HOUR = 24 * 3600, 3600
SETTING_RANGES: dict[str, tuple[float, float]] = {
    "max_call_seconds": (1, DAY),
    "max_wait_seconds": (1, DAY),
    "calls_per_day": (0, 1000),
    "warn_fraction": (0, 1),
    "transfer_timeout_seconds": (1, HOUR),
    "wrap_up_seconds": (0, HOUR),
    "ring_timeout_seconds": (1, HOUR),
    "overflow_fraction": (0, 1),
    "service_level_target": (0, 1),
    "max_chats": (1, 20),
    "callback_max_attempts": (0, 10),
    "callback_retry_minutes": (1, 24 * 60),
    "dial_timeout_seconds": (5, HOUR),
}
FRACTIONS = frozenset({"warn_fraction", "overflow_fraction", "service_level_target"})


@dataclass(frozen=True, slots=True)
class Policy:
    max_call_seconds: int = 15 * 60  # PO-1
    max_wait_seconds: int = 3 * 60  # PO-2
    calls_per_day: int = 30  # PO-3 (a target: at least this many)
    warn_fraction: float = 0.8  # warn before the breach, at this share of the limit
    transfer_timeout_seconds: int = 60  # TR-5: an unanswered transfer returns the call
    wrap_up_seconds: int = 30  # technician's "cierre" after a call
    ring_timeout_seconds: int = 20  # an unanswered offer goes back to the queue
    overflow_fraction: float = 0.8  # PO-2: open the next tier at this share of the max wait
    # PO-2 measured: the share of calls to answer within max_wait_seconds (the wallboard's service-level
    # target). PO-2 wants nobody past the limit; 0.99 is that as a share, the staffing calculator's "po2" preset.
    service_level_target: float = 0.99
    # CH-VIR: chats a technician holds at once (offered, in conversation or in their wrap-up); a call is full
    # occupancy. A technician's own capacity (TechnicianState.max_chats) wins over this.
    max_chats: int = 3
    # Call-backs (CH-PRO/PO-2): offered to a caller at the PO-2 warning (warn_fraction of max_wait_seconds);
    # dialled up to this many times, this many minutes apart after an unanswered dial. 0 (the default): the
    # queue neither offers nor takes call-backs; a queue turns them on (e.g. 3) once its PBX plays the offer.
    # A dial that nobody reports back within dial_timeout_seconds goes back to the queue (the technician's
    # phone, then the customer's, ring in that time).
    callback_max_attempts: int = 0
    callback_retry_minutes: int = 10
    dial_timeout_seconds: int = 60

    def __post_init__(self) -> None:
        # Every setting has a range (issue 22, item 3): a value past it (1e308 seconds) was stored, then broke
        # the timers of every call of the queue. One table, checked here, so no other door can let one in.
        for name, (low, high) in SETTING_RANGES.items():
            value = getattr(self, name)
            if name in FRACTIONS:
                if not low < value <= high:
                    raise _invalid(name, "must be between 0 and 1", "debe estar entre 0 y 1")
            elif low > 0 and value < low:
                raise _invalid(name, "must be greater than zero", "debe ser mayor que cero")
            elif value < low:
                raise _invalid(name, "cannot be negative", "no puede ser negativo")
            elif value > high:
                raise _invalid(name, f"must be at most {high}", f"debe ser como máximo {high}")

    def warning_after(self, limit_seconds: int) -> float:
        return limit_seconds * self.warn_fraction

    def with_overrides(self, overrides: Mapping[str, Any]) -> Policy:
        known = {f.name: f.type for f in fields(self)}
        clean: dict[str, Any] = {}
        for key, value in overrides.items():
            if key not in known:
                raise _invalid(key, "is not a policy setting", "no es un ajuste de política")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _invalid(key, "must be a number", "debe ser un número")
            low, high = SETTING_RANGES[key]
            if not (math.isfinite(value) and low <= value <= high):  # before int(): int(inf) would raise
                raise _invalid(key, f"must be between {low} and {high}", f"debe estar entre {low} y {high}")
            clean[key] = float(value) if known[key] in ("float", float) else int(value)
        return replace(self, **clean)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# The policy document's values (seed 002/003): what every queue starts from, and what the staffing
# estimates, the day simulation, the scorecard and the planning forms assume unless told otherwise.
DEFAULT_POLICY = Policy()


# The rule each setting serves, cited when a value for it is refused.
SETTING_RULES: dict[str, str] = {
    "max_call_seconds": "PO-1",
    "warn_fraction": "PO-1",  # the warning before a breach (PO-1 calls, PO-2 waits)
    "max_wait_seconds": "PO-2",
    "overflow_fraction": "PO-2",  # when the next tier opens for a waiting caller
    "service_level_target": "PO-2",  # the share of calls to answer within the maximum wait
    "calls_per_day": "PO-3",
    "transfer_timeout_seconds": "TR-5",  # an unanswered transfer returns the call
    "ring_timeout_seconds": "CH-TEL",  # an unanswered offer goes back to the queue
    "wrap_up_seconds": "CH-TEL",
    "max_chats": "CH-VIR",
    "callback_max_attempts": "PT-2",  # a call-back is a promise: how hard Atiende tries to keep it
    "callback_retry_minutes": "PT-2",
    "dial_timeout_seconds": "CH-TEL",
}


def _invalid(name: str, en: str, es: str) -> Refusal:
    return Refusal(
        "invalid_policy", rule=SETTING_RULES.get(name),
        es=f"Política no válida: «{name}» {es}.", en=f"Invalid policy: '{name}' {en}.", status=400,
    )


@dataclass(slots=True)
class PolicySet:
    """Defaults, then the organisation's overrides, then the queue's: the most specific wins."""

    defaults: Policy = field(default_factory=Policy)
    organisations: dict[str, dict[str, Any]] = field(default_factory=dict)
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)

    def set_organisation(self, organisation: str, overrides: Mapping[str, Any]) -> None:
        self.defaults.with_overrides(overrides)  # validate now, not at the first call
        self.organisations[organisation] = dict(overrides)

    def set_queue(self, queue: str, overrides: Mapping[str, Any]) -> None:
        self.defaults.with_overrides(overrides)
        self.queues[queue] = dict(overrides)

    def resolve(self, *, organisation: str | None = None, queue: str | None = None) -> Policy:
        policy = self.defaults
        if organisation is not None and organisation in self.organisations:
            policy = policy.with_overrides(self.organisations[organisation])
        if queue is not None and queue in self.queues:
            policy = policy.with_overrides(self.queues[queue])
        return policy
