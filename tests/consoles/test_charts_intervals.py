"""Today per half hour, the arithmetic alone (no database): bucketing, service level against PO-2, ASA, AHT."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from atiende.consoles.intervals import Call, bucket

MADRID = ZoneInfo("Europe/Madrid")
DAY = datetime(2026, 1, 5, tzinfo=MADRID)  # local midnight


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 1, 5, hour, minute, second, tzinfo=MADRID)


def call(arrived: datetime, *, waited: float | None = None, handled: float | None = None,
         abandoned_after: float | None = None, limit: float = 180, target: float = 0.99,
         inbound: bool = True) -> Call:
    answered = arrived + timedelta(seconds=waited) if waited is not None else None
    ended = None
    if answered is not None and handled is not None:
        ended = answered + timedelta(seconds=handled)
    if abandoned_after is not None:
        ended = arrived + timedelta(seconds=abandoned_after)
    return Call(arrived_at=arrived, answered_at=answered, ended_at=ended, abandoned=abandoned_after is not None,
                max_wait_seconds=limit, target=target, inbound=inbound)


def test_three_calls_one_abandoned_after_the_limit_give_two_thirds():
    calls = [call(at(9, 0), waited=20, handled=350), call(at(9, 1), waited=40),
             call(at(9, 2), abandoned_after=200)]
    rows, day = bucket(calls, day_start=DAY, moment=at(9, 50), zone=MADRID)
    assert [r.label for r in rows] == ["09:00", "09:30"]
    nine = rows[0]
    assert (nine.offered, nine.answered, nine.abandoned, nine.waiting) == (3, 2, 1, 0)
    assert (nine.met, nine.counted) == (2, 3) and nine.service_level == 0.6667
    assert nine.asa_seconds == 30.0  # (20 + 40) / 2
    assert nine.aht_seconds == 350.0  # only the call whose wrap-up ended
    assert rows[1].current and not nine.current
    assert rows[1].offered == 0 and rows[1].service_level is None and rows[1].asa_seconds is None
    assert (day.offered, day.answered, day.abandoned, day.service_level) == (3, 2, 1, 0.6667)


def test_who_gave_up_or_still_waits_within_the_limit_is_neither_met_nor_missed():
    calls = [call(at(10, 0), waited=100),  # met
             call(at(10, 5), waited=181),  # answered late: missed
             call(at(10, 6), abandoned_after=30),  # gave up early: not counted
             call(at(10, 29)),  # waiting 60 s at 10:30:00, under the limit: not yet counted
             call(at(10, 20))]  # waiting 10 minutes: already missed
    rows, _day = bucket(calls, day_start=DAY, moment=at(10, 30), zone=MADRID)
    ten = rows[0]
    assert ten.label == "10:00" and ten.offered == 5 and ten.waiting == 2 and ten.abandoned == 1
    assert (ten.met, ten.counted) == (1, 3)


def test_answered_exactly_at_the_limit_meets_it_and_each_call_has_its_own_limit():
    calls = [call(at(11, 0), waited=180), call(at(11, 1), waited=5, limit=4)]
    rows, _day = bucket(calls, day_start=DAY, moment=at(11, 10), zone=MADRID)
    assert (rows[0].met, rows[0].counted) == (1, 2)


def test_intervals_run_from_the_first_call_to_the_current_half_hour_with_the_gaps():
    calls = [call(at(8, 10), waited=5), call(at(10, 45), waited=5)]
    rows, _day = bucket(calls, day_start=DAY, moment=at(11, 2), zone=MADRID)
    assert [r.label for r in rows] == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00"]
    assert [r.offered for r in rows] == [1, 0, 0, 0, 0, 1, 0]
    assert [r.current for r in rows] == [False] * 6 + [True]


def test_no_call_today_leaves_only_the_current_half_hour_empty():
    rows, day = bucket([], day_start=DAY, moment=at(0, 20), zone=MADRID)
    assert [r.label for r in rows] == ["00:00"] and rows[0].current and day.offered == 0


def test_calls_from_yesterday_or_after_the_moment_are_not_counted():
    calls = [call(at(0, 0) - timedelta(seconds=1), waited=5), call(at(9, 10), waited=5)]
    rows, day = bucket(calls, day_start=DAY, moment=at(9, 5), zone=MADRID)
    assert day.offered == 0 and [r.label for r in rows] == ["09:00"]


def test_half_hours_follow_the_desk_clock_on_a_daylight_saving_day():
    """29 March 2026 in Madrid: 02:00 becomes 03:00; intervals are real half hours labelled in local time."""
    midnight = datetime(2026, 3, 29, tzinfo=MADRID)
    arrived = datetime(2026, 3, 29, 3, 10, tzinfo=MADRID)  # 01:10 UTC
    rows, _day = bucket([call(arrived, waited=5)], day_start=midnight, moment=arrived + timedelta(minutes=5),
                        zone=MADRID)
    assert [r.label for r in rows] == ["03:00"] and rows[0].offered == 1
    assert rows[0].start == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_handle_time_counts_in_the_half_hour_the_call_ended_not_the_one_it_arrived_in():
    """Answered at 09:25, wrap-up over at 09:42: its 17 minutes are 09:30's AHT; 09:00 has the arrival only."""
    calls = [call(at(9, 25), waited=0, handled=17 * 60), call(at(9, 31), waited=10, handled=120)]
    rows, day = bucket(calls, day_start=DAY, moment=at(9, 50), zone=MADRID)
    nine, half_past = rows
    assert (nine.offered, nine.answered, nine.aht_seconds, len(nine.handles)) == (1, 1, None, 0)
    assert (half_past.offered, half_past.aht_seconds, len(half_past.handles)) == (1, 570.0, 2)  # (1020 + 120) / 2
    assert day.aht_seconds == 570.0


def test_a_wrap_up_still_going_or_ending_after_the_moment_adds_no_handle_time_yet():
    calls = [call(at(9, 0), waited=5), call(at(9, 1), waited=5, handled=3600)]  # ends at 10:01
    rows, day = bucket(calls, day_start=DAY, moment=at(9, 40), zone=MADRID)
    assert [r.aht_seconds for r in rows] == [None, None] and day.aht_seconds is None


def test_a_call_of_yesterday_ending_today_adds_only_its_handle_time():
    yesterday = datetime(2026, 1, 4, 23, 50, tzinfo=MADRID)
    rows, day = bucket([call(yesterday, waited=10, handled=890)], day_start=DAY, moment=at(0, 10), zone=MADRID)
    assert [r.label for r in rows] == ["00:00"]
    assert (day.offered, day.answered, day.aht_seconds) == (0, 0, 890.0)


def test_outbound_calls_are_counted_apart_and_in_no_inbound_figure():
    calls = [call(at(9, 0), waited=20, handled=100),
             call(at(9, 1), waited=2, handled=600, inbound=False),
             call(at(9, 2), abandoned_after=300, inbound=False)]
    rows, day = bucket(calls, day_start=DAY, moment=at(9, 20), zone=MADRID)
    nine = rows[0]
    assert (nine.offered, nine.answered, nine.abandoned, nine.met, nine.counted) == (1, 1, 0, 1, 1)
    assert (nine.outbound, nine.outbound_answered) == (2, 1)
    assert nine.asa_seconds == 20.0 and nine.aht_seconds == 100.0
    assert (day.offered, day.outbound, day.service_level) == (1, 2, 1.0)


def test_the_target_of_a_half_hour_weighs_its_counted_calls_targets():
    """Two calls counted at 80 %, one at 95 %; a caller who gave up early is not counted, nor is their target."""
    calls = [call(at(9, 0), waited=10, target=0.8), call(at(9, 1), waited=200, target=0.8),
             call(at(9, 2), waited=5, target=0.95), call(at(9, 3), abandoned_after=20, target=0.5)]
    rows, day = bucket(calls, day_start=DAY, moment=at(9, 20), zone=MADRID)
    assert (rows[0].met, rows[0].counted, rows[0].target) == (2, 3, 0.85)
    assert rows[0].as_dict()["target"] == 0.85 and day.target == 0.85
    empty, _ = bucket([], day_start=DAY, moment=at(9, 20), zone=MADRID)
    assert empty[0].target is None
