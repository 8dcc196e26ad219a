"""The SLA clock counts the team's open hours only, in its own time zone, and never the pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atiende.sla.core.calendar import BusinessCalendar, CalendarError, parse_hours
from atiende.sla.core.clock import ClockState, Facts, Targets, elapsed, evaluate
from atiende.sla.core.policy import Policy, choose

MADRID = BusinessCalendar.weekdays(9 * 60, 18 * 60, time_zone="Europe/Madrid", holidays={date(2026, 12, 8)})
SPLIT = BusinessCalendar(time_zone="America/Mexico_City",
                         hours={0: parse_hours("09:00-14:00, 15:00-18:00"), 5: parse_hours("10:00-13:00")})
CALENDARS = [BusinessCalendar.always_open(), MADRID, SPLIT,
             BusinessCalendar(time_zone="Europe/Madrid", hours={6: ((0, 1440),)})]

instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=st.just(UTC))
calendars = st.sampled_from(CALENDARS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_working_day_in_madrid_counts_nine_hours():
    # Monday 7 December 2026, 08:00 to 20:00 in Madrid (UTC+1): open 09:00-18:00.
    assert MADRID.business_seconds(utc(2026, 12, 7, 7), utc(2026, 12, 7, 19)) == 9 * 3600


def test_a_holiday_and_the_weekend_do_not_count():
    # Friday 18:00 to Tuesday 9 December 10:00: Monday 7 counts, Tuesday 8 is a holiday... and 9 at 10:00.
    start, end = utc(2026, 12, 4, 17), utc(2026, 12, 9, 9)  # 18:00 and 10:00 Madrid time
    assert MADRID.business_seconds(start, end) == 9 * 3600 + 3600


@pytest.mark.parametrize(("day", "hours"), [(date(2026, 3, 30), 9), (date(2026, 10, 26), 9)])
def test_open_hours_follow_the_wall_clock_across_daylight_saving_changes(day, hours):
    # The Mondays after the changes of March and October 2026: 09:00-18:00 local is still nine hours,
    # though the offset to UTC changed the day before.
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=3)
    assert MADRID.business_seconds(start, start + timedelta(days=1, hours=6)) == hours * 3600


@pytest.mark.parametrize(("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25)])
def test_a_sunday_open_all_day_is_23_or_25_hours_on_the_changes(day, hours):
    sunday = CALENDARS[3]
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=4)
    assert sunday.business_seconds(start, start + timedelta(days=2)) == hours * 3600


def test_bad_calendars_are_refused_with_a_clear_reason():
    with pytest.raises(CalendarError, match="unknown time zone"):
        BusinessCalendar(time_zone="Mars/Olympus")
    with pytest.raises(CalendarError, match="never open"):
        BusinessCalendar(hours={})
    with pytest.raises(CalendarError, match="09:00-18:00"):
        parse_hours("nine to five")
    with pytest.raises(CalendarError, match="timezone-aware"):
        MADRID.business_seconds(datetime(2026, 1, 1), datetime(2026, 1, 2))


@settings(max_examples=150, deadline=None)
@given(calendars, instants, instants, instants)
def test_business_time_adds_up_and_never_goes_backwards(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    ab, bc, ac = calendar.business_seconds(a, b), calendar.business_seconds(b, c), calendar.business_seconds(a, c)
    assert ab >= 0 and bc >= 0
    assert ab + bc == pytest.approx(ac, abs=1e-6)
    assert ac <= (c - a).total_seconds()


@settings(max_examples=150, deadline=None)
@given(calendars, instants, st.floats(min_value=0, max_value=30 * 24 * 3600))
def test_adding_business_time_lands_where_that_much_has_passed(calendar, start, seconds):
    end = calendar.add_business_seconds(start, seconds)
    assert end >= start
    assert calendar.business_seconds(start, end) == pytest.approx(seconds, abs=1e-3)


@settings(max_examples=100, deadline=None)
@given(instants, st.floats(min_value=0, max_value=10 * 24 * 3600))
def test_an_always_open_calendar_is_the_wall_clock(start, seconds):
    calendar = BusinessCalendar.always_open("America/Argentina/Buenos_Aires")
    assert calendar.business_seconds(start, start + timedelta(seconds=seconds)) == pytest.approx(seconds, abs=1e-3)


@settings(max_examples=150, deadline=None)
@given(calendars, instants, st.lists(st.tuples(instants, st.integers(1, 5 * 24 * 3600)), max_size=4),
       st.integers(0, 20 * 24 * 3600), st.integers(0, 20 * 24 * 3600))
def test_the_clock_never_counts_a_pause_and_never_runs_backwards(calendar, start, raw_pauses, later, more):
    pauses = tuple((p, p + timedelta(seconds=s)) for p, s in raw_pauses)
    t1 = start + timedelta(seconds=later)
    t2 = t1 + timedelta(seconds=more)
    with_pauses = elapsed(calendar, start, t1, pauses)
    assert with_pauses <= calendar.business_seconds(start, t1) + 1e-6
    assert elapsed(calendar, start, t2, pauses) >= with_pauses - 1e-6
    # Inside a pause the clock stands still.
    for p_start, p_end in pauses:
        if start <= p_start and p_end <= t2:
            assert elapsed(calendar, start, p_end, pauses) == pytest.approx(
                elapsed(calendar, start, p_start, pauses), abs=1e-6)
    # And without overlaps it is exactly the open time minus the open time of the pauses.
    ordered = sorted(pauses)
    if all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:], strict=False)) and all(start <= p[0] for p in ordered):
        paused = sum(calendar.business_seconds(max(s, start), min(e, t1)) for s, e in ordered if s < t1)
        assert with_pauses == pytest.approx(calendar.business_seconds(start, t1) - paused, abs=1e-6)


def test_waiting_for_the_customer_pauses_resolution_and_their_reply_resumes_it():
    calendar = BusinessCalendar.always_open()
    opened = utc(2026, 12, 7, 9)
    targets = Targets(first_response_minutes=60, resolution_minutes=8 * 60)
    replied = opened + timedelta(minutes=30)
    facts = Facts(started_at=opened, first_response_at=replied, pauses=((replied, None),))
    status = evaluate(targets, calendar, facts, now=opened + timedelta(days=3))
    assert status.first_response.state == ClockState.MET
    assert status.resolution.state == ClockState.PAUSED and status.paused
    assert status.resolution.elapsed_seconds == 30 * 60
    assert status.resolution.due_at is None
    answered = replied + timedelta(days=3)
    facts = Facts(started_at=opened, first_response_at=replied, pauses=((replied, answered),))
    status = evaluate(targets, calendar, facts, now=answered)
    assert status.resolution.state == ClockState.RUNNING
    assert status.resolution.due_at == answered + timedelta(hours=7, minutes=30)
    assert status.resolution.warn_at == answered + timedelta(hours=5, minutes=54)


def test_eighty_percent_warns_and_the_target_breaches():
    calendar = BusinessCalendar.always_open()
    opened = utc(2026, 12, 7, 9)
    targets = Targets(first_response_minutes=100)
    facts = Facts(started_at=opened)
    assert evaluate(targets, calendar, facts, opened + timedelta(minutes=79)).first_response.state == "running"
    assert evaluate(targets, calendar, facts, opened + timedelta(minutes=80)).first_response.state == "warning"
    late = evaluate(targets, calendar, facts, opened + timedelta(minutes=100))
    assert late.first_response.state == "breached" and late.breached
    answered_late = Facts(started_at=opened, first_response_at=opened + timedelta(minutes=101))
    assert evaluate(targets, calendar, answered_late, opened + timedelta(days=1)).first_response.state == "breached"
    assert evaluate(Targets(), calendar, facts, opened).first_response.state == "none"


def test_a_ticket_opened_on_friday_evening_is_due_on_monday():
    opened = utc(2026, 12, 4, 17, 30)  # Friday 18:30 in Madrid, after hours
    status = evaluate(Targets(first_response_minutes=120), MADRID, Facts(started_at=opened), now=opened)
    assert status.first_response.due_at == utc(2026, 12, 7, 10)  # Monday 11:00 Madrid


def test_the_most_specific_policy_applies():
    default = Policy(1, Targets(60, 480))
    urgent = Policy(2, Targets(15, 120), priority="urgente")
    team = Policy(3, Targets(30, 240), queue=7)
    customer = Policy(4, Targets(10, 60), organisation=3)
    policies = [default, urgent, team, customer]
    assert choose(policies, priority="normal", queue=None, organisation=None) is default
    assert choose(policies, priority="urgente", queue=None, organisation=None) is urgent
    assert choose(policies, priority="urgente", queue=7, organisation=None) is team
    assert choose(policies, priority="baja", queue=7, organisation=3) is customer
    assert choose([urgent], priority="normal", queue=None, organisation=None) is None
