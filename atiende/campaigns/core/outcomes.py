"""What a call attempt's outcome means for the person on the list (CH-PRO, tolerant of rejection).

- **reached**: the person was on the line; the call is a contact of the engine (PO-3
  counts it) with a work order or a note. Done.
- **no_answer**: tried again ``retry_minutes`` later, until ``max_attempts`` tries;
  then *exhausted* (kept on the list, visible, never called again by the campaign).
- **call_back**: the person asked to be called at a given time: scheduled then (a
  call-back is what they asked for, so it does not use up the no-answer tries).
- **refused**: they do not want the call. Done; not insisted on (CH-PRO).
- **wrong_number**: the number is not theirs. Done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from atiende.practices import Refusal

LONGEST_CALL_BACK = timedelta(days=60)


class Outcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    CALL_BACK = "call_back"
    REFUSED = "refused"
    WRONG_NUMBER = "wrong_number"


class TargetStatus(StrEnum):
    PENDING = "pending"  # not tried yet
    SCHEDULED = "scheduled"  # a retry after no answer, or a call-back the person asked for
    REACHED = "reached"
    REFUSED = "refused"
    WRONG_NUMBER = "wrong_number"
    EXHAUSTED = "exhausted"  # no answer after the last try
    DO_NOT_CALL = "do_not_call"  # on the do-not-call list or flagged: never dialled


# Statuses a technician may still be given to call.
TO_CALL = frozenset({TargetStatus.PENDING, TargetStatus.SCHEDULED})
DONE = frozenset(TargetStatus) - TO_CALL


@dataclass(frozen=True)
class RetryPlan:
    max_attempts: int = 3
    retry_minutes: int = 60


@dataclass(frozen=True)
class Next:
    status: TargetStatus
    next_attempt_at: datetime | None


def after_outcome(outcome: Outcome, *, attempts: int, plan: RetryPlan, now: datetime,
                  call_back_at: datetime | None = None) -> Next:
    """Where the person stands after an attempt (``attempts``: the tries made, this one included)."""
    if outcome is Outcome.NO_ANSWER:
        if attempts >= plan.max_attempts:
            return Next(TargetStatus.EXHAUSTED, None)
        return Next(TargetStatus.SCHEDULED, now + timedelta(minutes=plan.retry_minutes))
    if outcome is Outcome.CALL_BACK:
        return Next(TargetStatus.SCHEDULED, check_call_back(call_back_at, now=now))
    return Next(TargetStatus(outcome.value), None)


def check_call_back(at: datetime | None, *, now: datetime) -> datetime:
    """A call-back time the person gave: in the future, within :data:`LONGEST_CALL_BACK`."""
    if at is None:
        raise Refusal("call_back_time_required", rule="CH-PRO", status=400,
                      es="Indique cuándo quiere la persona que la llamen.",
                      en="Say when the person wants to be called back.")
    if at.tzinfo is None:
        raise Refusal("call_back_time_without_zone", rule="CH-PRO", status=400,
                      es="La hora de la nueva llamada debe llevar su zona horaria.",
                      en="The call-back time needs its time zone.")
    if at <= now:
        raise Refusal("call_back_in_the_past", rule="CH-PRO", status=400,
                      es="La hora de la nueva llamada ya ha pasado: indique una hora futura.",
                      en="The call-back time has passed: give a time in the future.")
    if at - now > LONGEST_CALL_BACK:
        raise Refusal("call_back_too_far", rule="CH-PRO", status=400,
                      es="Una nueva llamada se programa como mucho a 60 días vista.",
                      en="A call-back is scheduled at most 60 days ahead.")
    return at
