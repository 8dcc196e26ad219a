"""The solver returns the fewest technicians that meet the target, with the options a planner uses."""

from __future__ import annotations

import math

import pytest

from atiende.staffing.erlang import StaffingInputError, evaluate, solve, traffic_erlangs


@pytest.mark.parametrize(
    ("calls", "aht", "within", "target"),
    [(100, 180, 20, 0.8), (240, 300, 20, 0.8), (3, 400, 20, 0.8), (500, 240, 180, 0.99),
     (120_000, 300, 20, 0.8), (100, 180, 0, 0.5)],
)
def test_one_technician_less_would_miss_the_target(calls: int, aht: int, within: int, target: float) -> None:
    result = solve(calls=calls, period_seconds=1800, aht_seconds=aht, answer_within_seconds=within, target=target)
    assert result.service_level >= target
    fewer = evaluate(agents=result.agents - 1, traffic=result.traffic_erlangs, aht_seconds=aht,
                     answer_within_seconds=within)
    assert fewer.service_level < target


def test_the_classic_example_needs_fourteen_technicians() -> None:
    # 100 calls in half an hour, 3 minutes each: 10 erlangs; 80 % within 20 s needs 14.
    result = solve(calls=100, period_seconds=1800, aht_seconds=180, answer_within_seconds=20, target=0.8)
    assert result.traffic_erlangs == 10.0
    assert result.agents == 14
    assert result.service_level == pytest.approx(0.88835, abs=1e-5)
    assert result.occupancy == pytest.approx(10 / 14)


def test_nobody_waits_more_than_three_minutes_is_a_share_close_to_one() -> None:
    # PO-2 expressed as 99.9 % answered within 180 s.
    po2 = solve(calls=100, period_seconds=1800, aht_seconds=180, answer_within_seconds=180, target=0.999)
    assert po2.service_level >= 0.999
    fewer = evaluate(agents=po2.agents - 1, traffic=10.0, aht_seconds=180, answer_within_seconds=180)
    assert fewer.service_level < 0.999


def test_target_of_one_is_refused_with_the_po2_hint() -> None:
    with pytest.raises(StaffingInputError) as caught:
        solve(calls=100, period_seconds=1800, aht_seconds=180, answer_within_seconds=180, target=1.0)
    assert "PO-2" in caught.value.message("es")
    assert "PO-2" in caught.value.message("en")
    assert caught.value.field == "target"


def test_occupancy_cap_adds_technicians_when_the_target_alone_would_burn_them_out() -> None:
    free = solve(calls=2000, period_seconds=1800, aht_seconds=300, answer_within_seconds=20, target=0.8)
    assert free.occupancy > 0.85
    capped = solve(calls=2000, period_seconds=1800, aht_seconds=300, answer_within_seconds=20, target=0.8,
                   max_occupancy=0.85)
    assert capped.occupancy <= 0.85
    assert capped.agents == math.ceil(free.traffic_erlangs / 0.85)
    assert capped.as_dict()["max_occupancy"] == 0.85


def test_shrinkage_gives_the_technicians_to_schedule() -> None:
    result = solve(calls=100, period_seconds=1800, aht_seconds=180, answer_within_seconds=20, target=0.8,
                   shrinkage=0.3)
    assert result.agents == 14
    assert result.scheduled_agents == 20  # 14 / 0.7
    assert result.as_dict()["scheduled_agents"] == 20


def test_json_shape_is_exactly_the_public_contract_without_options() -> None:
    result = solve(calls=100, period_seconds=1800, aht_seconds=180, answer_within_seconds=20, target=0.8)
    assert list(result.as_dict()) == ["traffic_erlangs", "agents", "service_level", "asa_seconds", "occupancy",
                                      "probability_wait"]


def test_no_calls_need_no_technicians() -> None:
    result = solve(calls=0, period_seconds=1800, aht_seconds=180, answer_within_seconds=20, target=0.8)
    assert result.agents == 0
    assert result.service_level == 1.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"calls": -1}, "calls"), ({"period_seconds": 0}, "period"), ({"aht_seconds": 0}, "aht"),
     ({"aht_seconds": float("nan")}, "aht"), ({"answer_within_seconds": -5}, "answer_within"),
     ({"target": 0}, "target"), ({"max_occupancy": 1.5}, "max_occupancy"), ({"shrinkage": 1}, "shrinkage"),
     ({"calls": "muchas"}, "calls")],
)
def test_bad_input_is_refused_in_both_languages(kwargs: dict, field: str) -> None:
    args = {"calls": 100, "period_seconds": 1800, "aht_seconds": 180, "answer_within_seconds": 20, "target": 0.8}
    args.update(kwargs)
    with pytest.raises(StaffingInputError) as caught:
        solve(**args)
    assert caught.value.field == field
    assert caught.value.message("es") != caught.value.message("en")


def test_traffic_is_calls_times_handle_time_over_the_period() -> None:
    assert traffic_erlangs(120, 3600, 300) == 10.0
