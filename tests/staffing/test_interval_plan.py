"""A day's plan: technicians per interval from a CSV of calls, or from history."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from importlib import resources

import pytest

from atiende.staffing.plan import (
    IntervalDemand,
    PlanError,
    demand_from_history,
    parse_calls_csv,
    plan_day,
)


def test_spanish_header_with_handle_time_per_interval() -> None:
    demand = parse_calls_csv("intervalo,llamadas,tmo\n08:00,40,300\n08:30,65,\n")
    assert demand == [IntervalDemand("08:00", 40.0, 300.0), IntervalDemand("08:30", 65.0, None)]


def test_english_header_in_any_order_and_semicolons() -> None:
    demand = parse_calls_csv("calls;interval\n12,5;09:00\n")
    assert demand == [IntervalDemand("09:00", 12.5, None)]


def test_no_header_and_comments_are_skipped() -> None:
    demand = parse_calls_csv("# lunes\n08:00,10\n\n08:30,20\n")
    assert [d.calls for d in demand] == [10.0, 20.0]


@pytest.mark.parametrize(
    ("text", "line"),
    [("intervalo,llamadas\n08:00,muchas\n", "2"), ("08:00,10\n08:30,-4\n", "2"), ("08:00,10,0\n", "1")],
)
def test_a_bad_line_is_named(text: str, line: str) -> None:
    with pytest.raises(PlanError) as caught:
        parse_calls_csv(text)
    assert f"Línea {line}" in caught.value.message("es")
    assert f"Line {line}" in caught.value.message("en")


def test_an_empty_csv_is_refused() -> None:
    with pytest.raises(PlanError):
        parse_calls_csv("intervalo,llamadas\n")


def test_every_interval_meets_the_target_and_totals_add_up() -> None:
    demand = parse_calls_csv("08:00,38\n08:30,64\n09:00,131\n09:30,0\n")
    plan = plan_day(demand, aht_seconds=300, answer_within_seconds=20, target=0.8, shrinkage=0.25)
    assert all(i.staffing.service_level >= 0.8 for i in plan.intervals)
    assert plan.intervals[-1].staffing.agents == 0
    assert plan.peak_agents == plan.intervals[2].staffing.agents
    assert plan.agent_hours == sum(i.staffing.scheduled_agents for i in plan.intervals) / 2
    assert plan.as_dict()["intervals"][0]["interval"] == "08:00"


def test_text_and_chart_are_in_the_chosen_language() -> None:
    plan = plan_day(parse_calls_csv("08:00,38\n08:30,64\n"), aht_seconds=300, answer_within_seconds=20, target=0.8)
    assert "técnicos" in plan.text("es")
    assert "technicians" in plan.text("en")
    svg = plan.chart_svg("es")
    root = ET.fromstring(svg)  # well-formed SVG
    assert root.tag.endswith("svg")
    assert "Técnicos a programar" in svg
    assert svg.count("<rect") == 2


def test_the_bundled_example_day_plans_cleanly() -> None:
    text = resources.files("atiende.staffing").joinpath("examples/dia-tipico.csv").read_text("utf-8")
    plan = plan_day(parse_calls_csv(text), aht_seconds=300, answer_within_seconds=20, target=0.8)
    assert len(plan.intervals) == 20
    assert plan.intervals[0].label == "08:00"


def test_history_is_averaged_per_time_of_day() -> None:
    arrivals = [datetime(2026, 11, 2, 8, 5), datetime(2026, 11, 2, 8, 20), datetime(2026, 11, 2, 9, 10),
                datetime(2026, 11, 3, 8, 45)]
    demand = demand_from_history(arrivals)
    assert [(d.label, d.calls) for d in demand] == [("08:00", 1.0), ("08:30", 0.5), ("09:00", 0.5)]
