"""The desk's pure rules: ticket labels and letters, booked-visit slots, the board's order (CH-PRE)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from atiende.practices import Refusal
from atiende.walkin.core import (
    BoardEntry,
    SlotPlan,
    board,
    check_booking,
    check_letter,
    slots_of_day,
    ticket_label,
)

MADRID = ZoneInfo("Europe/Madrid")
MONDAY = date(2026, 12, 7)


def test_a_ticket_reads_letter_hyphen_and_three_digits():
    assert ticket_label("A", 12) == "A-012"
    assert ticket_label("R", 1234) == "R-1234"


@pytest.mark.parametrize("letter, code", [("", "invalid_ticket_letter"), ("AB", "invalid_ticket_letter"),
                                          ("7", "invalid_ticket_letter"), ("c", "ticket_letter_reserved")])
def test_a_service_letter_is_one_letter_and_not_the_booked_visits_own(letter, code):
    with pytest.raises(Refusal) as refused:
        check_letter(letter)
    assert (refused.value.code, refused.value.rule) == (code, "CH-PRE")
    assert check_letter(" b ") == "B"


def test_slots_run_every_twenty_minutes_from_opening_and_none_on_a_saturday():
    slots = slots_of_day(MONDAY, SlotPlan(opens=time(9), closes=time(10)), tz=MADRID)
    assert [s.strftime("%H:%M") for s in slots] == ["09:00", "09:20", "09:40"]
    assert slots_of_day(MONDAY + timedelta(days=5), SlotPlan(), tz=MADRID) == []


def refusal_of(starts_at, *, taken=0, plan=None):
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    with pytest.raises(Refusal) as refused:
        check_booking(starts_at, plan or SlotPlan(), now=now, taken=taken)
    assert refused.value.rule == "CH-PRE"
    return refused.value.code


def test_a_booking_must_be_a_future_slot_of_a_working_day_with_room():
    plan = SlotPlan(capacity=2)
    check_booking(datetime(2026, 12, 7, 11, 20, tzinfo=MADRID), plan, now=datetime(2026, 12, 7, 8, tzinfo=UTC), taken=1)
    assert refusal_of(datetime(2026, 12, 7, 11, 25, tzinfo=MADRID)) == "not_a_slot"
    assert refusal_of(datetime(2026, 12, 7, 15, 0, tzinfo=MADRID)) == "not_a_slot"
    assert refusal_of(datetime(2026, 12, 12, 10, 0, tzinfo=MADRID)) == "desk_closed"
    assert refusal_of(datetime(2026, 12, 7, 9, 0, tzinfo=MADRID)) == "slot_in_the_past"
    assert refusal_of(datetime(2026, 12, 7, 11, 20, tzinfo=MADRID), taken=2, plan=plan) == "slot_full"
    assert refusal_of(datetime(2026, 12, 7, 11, 20)) == "naive_slot_time"


def test_the_board_shows_the_latest_call_first_and_a_ticket_called_again_once():
    at = datetime(2026, 12, 7, 10, tzinfo=UTC)
    entries = [BoardEntry("A-001", "Mesa 1", at), BoardEntry("A-002", "Mesa 2", at + timedelta(minutes=1)),
               BoardEntry("A-001", "Mesa 1", at + timedelta(minutes=2), calls=2)]
    shown = board(entries)
    assert [(e.ticket, e.calls) for e in shown] == [("A-001", 2), ("A-002", 1)]
    many = [BoardEntry(f"A-{n:03d}", "Mesa 1", at + timedelta(minutes=n)) for n in range(10)]
    assert [e.ticket for e in board(many)] == ["A-009", "A-008", "A-007", "A-006", "A-005", "A-004"]


def test_the_desk_calls_booked_visitors_whose_slot_has_come_first_then_by_arrival():
    from datetime import UTC, datetime, timedelta

    from atiende.engine.routing import Appointment, WaitingVisitor, serving_order

    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    slot = Appointment(at + timedelta(minutes=20), at + timedelta(minutes=40))
    walk_in = WaitingVisitor(1, at)
    booked = WaitingVisitor(2, at + timedelta(minutes=15), slot)
    late = WaitingVisitor(3, at + timedelta(minutes=41), slot)
    keys = lambda now: [v.key for v in serving_order([late, booked, walk_in], now=now)]  # noqa: E731
    assert keys(at + timedelta(minutes=16)) == [1, 2, 3]  # early: arrival order
    assert keys(at + timedelta(minutes=20)) == [2, 1, 3]  # the slot has begun: the booked visitor first
    assert keys(at + timedelta(minutes=45)) == [2, 1, 3]  # still first while waiting; the late one is a walk-in
