"""The simulated day: agrees with Erlang C where its assumptions hold, and measures the policies."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from atiende.staffing.charts import ProgressBar
from atiende.staffing.erlang import StaffingInputError, evaluate
from atiende.staffing.simulation import DayScenario, simulate_day


def _erlang_day(calls: int, traffic: float, agents: int, aht: float = 180.0) -> DayScenario:
    # One long interval with a constant team: exactly Erlang C's model.
    return DayScenario(calls=[calls], agents=[agents], interval_seconds=calls * aht / traffic, aht_seconds=aht,
                       answer_within_seconds=20)


def test_service_level_agrees_with_erlang_c_within_one_point_over_100000_calls() -> None:
    # About 0.3 s. Moderate occupancy keeps the estimate's spread well below a point
    # (standard deviation about 0.3 points over seeds).
    reference = evaluate(agents=4, traffic=2.0, aht_seconds=180, answer_within_seconds=20)
    result = simulate_day(_erlang_day(100_000, 2.0, 4), seed=2026)
    assert result.offered > 99_000
    assert abs(result.service_level - reference.service_level) < 0.01
    assert result.asa_seconds == pytest.approx(reference.asa_seconds, rel=0.05)
    assert result.occupancy == pytest.approx(reference.occupancy, abs=0.01)


def test_quick_agreement_with_erlang_c_for_a_bigger_team() -> None:
    reference = evaluate(agents=12, traffic=8.0, aht_seconds=180, answer_within_seconds=20)
    result = simulate_day(_erlang_day(20_000, 8.0, 12), seed=7)
    assert abs(result.service_level - reference.service_level) < 0.02


def test_the_same_seed_gives_the_same_day() -> None:
    scenario = DayScenario(calls=[60, 90, 40], agents=[10, 14, 8], patience_seconds=120, hold_share=0.2,
                           transfer_share=0.1, difficult_share=0.2)
    first = simulate_day(scenario, seed=11).as_dict()
    assert simulate_day(scenario, seed=11).as_dict() == first
    assert simulate_day(scenario, seed=12).as_dict() != first


def test_impatient_callers_hang_up_when_the_team_is_too_small() -> None:
    scenario = DayScenario(calls=[200], agents=[20], aht_seconds=300, patience_seconds=60)
    result = simulate_day(scenario, seed=3)
    assert result.abandoned > 0
    assert result.answered + result.abandoned == result.offered
    assert result.abandonment == result.abandoned / result.offered


def test_waits_past_three_minutes_are_counted_for_po2() -> None:
    scenario = DayScenario(calls=[200], agents=[30], aht_seconds=300)  # 33 erlangs on 30 technicians
    result = simulate_day(scenario, seed=5)
    assert result.waits_over_max > 0
    assert result.as_dict()["policies"]["PO-2"]["waits_over"] == result.waits_over_max
    assert result.max_wait > 180


def test_long_calls_are_counted_for_po1() -> None:
    scenario = DayScenario(calls=[100], agents=[40], aht_seconds=600, difficult_share=1.0, difficult_factor=2.0)
    result = simulate_day(scenario, seed=5)
    assert result.difficult == result.answered
    assert result.calls_over_max > 0


def test_holds_keep_the_technician_busy() -> None:
    # HO: a 2-minute hold on every 5-minute call: 7 minutes of the technician's time per call.
    with_holds = DayScenario(calls=[1000] * 4, agents=[300] * 4, aht_seconds=300, hold_share=1.0,
                             hold_seconds=120)
    result = simulate_day(with_holds, seed=1)
    assert result.holds == result.answered
    assert result.busy_seconds / result.answered == pytest.approx(420, rel=0.05)


def test_a_transferred_call_is_taken_by_another_technician() -> None:
    scenario = DayScenario(calls=[30], agents=[2], aht_seconds=60, transfer_share=1.0)
    result = simulate_day(scenario, seed=9)
    assert result.transfers == result.answered
    # Each call is taken twice, by two technicians: both of them took calls.
    assert sum(result.calls_per_technician) == 2 * result.answered
    assert all(n > 0 for n in result.calls_per_technician)


def test_a_single_technician_cannot_take_their_own_transfer() -> None:
    scenario = DayScenario(calls=[5], agents=[1], aht_seconds=60, transfer_share=1.0)
    result = simulate_day(scenario, seed=9)
    assert result.transfers == result.answered
    assert sum(result.calls_per_technician) == result.answered  # the second parts never start


def test_technicians_follow_the_plan_per_interval_and_finish_their_call_before_leaving() -> None:
    scenario = DayScenario(calls=[150, 150, 0], agents=[30, 5, 5], aht_seconds=300)
    result = simulate_day(scenario, seed=4)
    assert len(result.calls_per_technician) == 30
    # Too few in the second interval: a queue builds up, and the 5 who stay work it off.
    assert result.intervals[1].service_level < 0.5 < result.intervals[0].service_level
    assert result.answered == result.offered
    # Staffed time follows the plan: 30, then 5, then 5 until the last call ends.
    assert result.staffed_seconds >= 30 * 1800 + 5 * 1800 + 5 * 1800


def test_nobody_on_shift_leaves_calls_unanswered() -> None:
    result = simulate_day(DayScenario(calls=[20], agents=[0]), seed=1)
    assert result.unanswered == result.offered > 0
    assert result.service_level == 0.0


def test_calls_per_technician_are_measured_for_po3() -> None:
    scenario = DayScenario(calls=[60] * 16, agents=[12] * 16, aht_seconds=300)
    result = simulate_day(scenario, seed=8)
    po3 = result.as_dict()["policies"]["PO-3"]
    assert po3["technicians"] == 12
    assert po3["mean_calls_per_technician"] == pytest.approx(result.answered / 12)
    assert po3["technicians_meeting"] == sum(1 for n in result.calls_per_technician if n >= 30)


def test_lognormal_handle_times_keep_their_mean() -> None:
    scenario = DayScenario(calls=[5000], agents=[200], aht_seconds=300, handle_time="lognormal", handle_cv=0.5)
    result = simulate_day(scenario, seed=2)
    assert result.busy_seconds / result.answered == pytest.approx(300, rel=0.03)


def test_charts_are_well_formed_svg() -> None:
    scenario = DayScenario(calls=[60, 90], agents=[10, 14], labels=["08:00", "08:30"])
    result = simulate_day(scenario, seed=1)
    for svg in (result.waits_chart_svg("es"), result.service_level_chart_svg("en")):
        assert ET.fromstring(svg).tag.endswith("svg")
    assert "08:30" in result.service_level_chart_svg("es")


def test_progress_bar_reaches_the_end() -> None:
    stream = io.StringIO()
    bar = ProgressBar(label="simulando", stream=stream, force=True)
    simulate_day(DayScenario(calls=[500] * 4, agents=[90] * 4), seed=1, progress=bar)
    assert "100.0 %" in stream.getvalue()
    assert stream.getvalue().endswith("\n")


def test_progress_bar_stays_quiet_when_not_on_a_terminal() -> None:
    stream = io.StringIO()
    simulate_day(DayScenario(calls=[50], agents=[9]), seed=1, progress=ProgressBar(stream=stream))
    assert stream.getvalue() == ""


@pytest.mark.parametrize(
    "changes",
    [{"agents": [1, 2]}, {"calls": [-1]}, {"agents": [-1]}, {"hold_share": 1.5}, {"handle_time": "uniform"},
     {"patience_seconds": 0}, {"aht_seconds": 0}, {"calls": []}],
)
def test_an_impossible_scenario_is_refused(changes: dict) -> None:
    values = {"calls": [10], "agents": [3]}
    values.update(changes)
    with pytest.raises(StaffingInputError):
        simulate_day(DayScenario(**values), seed=1)
