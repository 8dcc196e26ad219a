"""Properties every planner relies on, over many random queues."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from atiende.staffing.erlang import evaluate, solve_for_traffic

traffic = st.floats(min_value=0.05, max_value=5000, allow_nan=False)
aht = st.floats(min_value=10, max_value=3600, allow_nan=False)
within = st.floats(min_value=0, max_value=600, allow_nan=False)
target = st.floats(min_value=0.05, max_value=0.995, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(traffic, aht, within, target)
def test_the_answer_is_the_fewest_technicians_that_meet_the_target(a: float, h: float, t: float, goal: float) -> None:
    result = solve_for_traffic(traffic=a, aht_seconds=h, answer_within_seconds=t, target=goal)
    assert result.agents > a
    assert result.service_level >= goal
    fewer = evaluate(agents=result.agents - 1, traffic=a, aht_seconds=h, answer_within_seconds=t)
    assert fewer.service_level < goal


@settings(max_examples=100, deadline=None)
@given(traffic, aht, within)
def test_one_more_technician_never_makes_callers_wait_longer(a: float, h: float, t: float) -> None:
    n = math.floor(a) + 1
    now = evaluate(agents=n, traffic=a, aht_seconds=h, answer_within_seconds=t)
    more = evaluate(agents=n + 1, traffic=a, aht_seconds=h, answer_within_seconds=t)
    assert more.service_level >= now.service_level
    assert more.asa_seconds <= now.asa_seconds
    assert more.probability_wait <= now.probability_wait
    assert 0 <= more.probability_wait <= 1
    assert more.occupancy < now.occupancy <= 1
