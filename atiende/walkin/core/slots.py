"""Booked visits: the slots a service offers on a day, and whether one may be booked.

A service opens at a time and closes at another (in the desk's time zone) and
receives visitors with an appointment every ``minutes``, ``capacity`` at a time
(one per desk that serves them). A booking must fall on one of those slots, on a
working day, in the future, and in a slot that is not full. Each refusal names
CH-PRE and says what would be accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from atiende.practices import Refusal

WEEKDAYS = frozenset(range(5))  # Monday to Friday


@dataclass(frozen=True, slots=True)
class SlotPlan:
    opens: time = time(9, 0)
    closes: time = time(14, 0)
    minutes: int = 20
    capacity: int = 1
    weekdays: frozenset[int] = WEEKDAYS

    def __post_init__(self) -> None:
        if not 5 <= self.minutes <= 240:
            raise Refusal("invalid_slot_length", rule="CH-PRE", status=400,
                          es="Una cita dura entre 5 y 240 minutos.", en="A slot lasts 5 to 240 minutes.")
        if not 1 <= self.capacity <= 50:
            raise Refusal("invalid_slot_capacity", rule="CH-PRE", status=400,
                          es="Cada franja admite entre 1 y 50 citas.", en="A slot takes 1 to 50 visits.")
        if self.closes <= self.opens:
            raise Refusal("invalid_opening_hours", rule="CH-PRE", status=400,
                          es="La hora de cierre debe ser posterior a la de apertura.",
                          en="The closing time must be after the opening time.")


def slots_of_day(day: date, plan: SlotPlan, *, tz: tzinfo | None) -> list[datetime]:
    """The start of every slot on ``day`` (aware datetimes in ``tz``); none on a day the desk is closed."""
    if day.weekday() not in plan.weekdays:
        return []
    start = datetime.combine(day, plan.opens, tzinfo=tz)
    end = datetime.combine(day, plan.closes, tzinfo=tz)
    step = timedelta(minutes=plan.minutes)
    out = []
    while start + step <= end:
        out.append(start)
        start += step
    return out


def check_booking(starts_at: datetime, plan: SlotPlan, *, now: datetime, taken: int) -> None:
    """Refuse a booking at ``starts_at`` unless it is a future slot of the plan with room (``taken`` so far)."""
    tz = starts_at.tzinfo
    if tz is None:
        raise Refusal("naive_slot_time", rule="CH-PRE", status=400,
                      es="Indique la hora de la cita con su zona horaria.", en="Give the slot's time with its time zone.")
    local = starts_at.astimezone(tz)
    slots = slots_of_day(local.date(), plan, tz=tz)
    if not slots:
        raise Refusal("desk_closed", rule="CH-PRE", status=400,
                      es="Ese día no hay atención presencial: elija un día laborable.",
                      en="The desk is closed that day: choose a working day.")
    if local not in slots:
        first, last = slots[0].strftime("%H:%M"), slots[-1].strftime("%H:%M")
        raise Refusal("not_a_slot", rule="CH-PRE", status=400,
                      es=f"Las citas empiezan cada {plan.minutes} minutos, de {first} a {last}.",
                      en=f"Visits start every {plan.minutes} minutes, from {first} to {last}.")
    if starts_at <= now:
        raise Refusal("slot_in_the_past", rule="CH-PRE", status=400,
                      es="Esa franja ya ha pasado: elija una futura.", en="That slot has passed: choose a later one.")
    if taken >= plan.capacity:
        raise Refusal("slot_full", rule="CH-PRE", status=409,
                      es="Esa franja ya está completa: elija otra.", en="That slot is full: choose another.")
