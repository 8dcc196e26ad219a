"""Erlang C agrees with an exact, independent computation to within 1e-9."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest

from atiende.staffing.erlang import (
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    evaluate,
    service_level,
    traffic_erlangs,
)


def exact_reference(agents: int, traffic: Fraction, aht: int, within: int) -> tuple[Decimal, Decimal, Decimal]:
    """Textbook Erlang C from its definition, with exact fractions and 50-digit decimals.

    B = (A^N / N!) / sum_k (A^k / k!) as an exact fraction, C from B, then the
    exponential in 50-digit decimal arithmetic: (probability of waiting, SL, ASA).
    """
    term = Fraction(1)
    total = Fraction(1)
    for k in range(1, agents + 1):
        term = term * traffic / k
        total += term
    b = term / total
    c = agents * b / (agents - traffic * (1 - b))
    with localcontext() as ctx:
        ctx.prec = 50
        c_dec = Decimal(c.numerator) / Decimal(c.denominator)
        gap = Decimal((agents - traffic).numerator) / Decimal((agents - traffic).denominator)
        sl = 1 - c_dec * (-(gap * within / aht)).exp()
        asa = c_dec * aht / gap
    return c_dec, sl, asa


CASES = [
    # (calls in 30 min, AHT s, agents, answer within s)
    (100, 180, 11, 20),
    (100, 180, 14, 20),
    (37, 240, 6, 30),
    (250, 300, 45, 20),
    (600, 420, 150, 60),
    (1000, 300, 172, 20),
    (1500, 360, 320, 180),   # PO-2 threshold
    (7, 600, 3, 0),
]


@pytest.mark.parametrize(("calls", "aht", "agents", "within"), CASES)
def test_service_level_and_asa_match_the_exact_reference(calls: int, aht: int, agents: int, within: int) -> None:
    traffic = Fraction(calls * aht, 1800)
    c_ref, sl_ref, asa_ref = exact_reference(agents, traffic, aht, within)
    a = traffic_erlangs(calls, 1800, aht)
    assert abs(erlang_c(agents, a) - float(c_ref)) < 1e-9
    assert abs(service_level(agents, a, aht, within) - float(sl_ref)) < 1e-9
    assert abs(average_speed_of_answer(agents, a, aht) - float(asa_ref)) < 1e-9


def _decimal_recurrence_b(agents: int, traffic: str) -> Decimal:
    """Erlang B by the full recurrence from B(0) = 1, in 40-digit decimals."""
    with localcontext() as ctx:
        ctx.prec = 40
        a = Decimal(traffic)
        b = Decimal(1)
        for n in range(1, agents + 1):
            b = a * b / (n + a * b)
        return b


@pytest.mark.parametrize(("agents", "traffic"), [(2050, "2000.5"), (20080, "20000"), (19990, "20000")])
def test_large_teams_match_a_high_precision_recurrence(agents: int, traffic: str) -> None:
    # The fast start (10 standard deviations below the traffic) must lose nothing.
    reference = _decimal_recurrence_b(agents, traffic)
    assert math.isclose(erlang_b(agents, float(traffic)), float(reference), rel_tol=1e-12)


def test_twenty_thousand_technicians_do_not_overflow() -> None:
    result = evaluate(agents=20_100, traffic=20_000.0, aht_seconds=300, answer_within_seconds=20)
    values = [result.service_level, result.asa_seconds, result.occupancy, result.probability_wait]
    assert all(math.isfinite(v) for v in values)
    assert 0 < result.probability_wait < 1
    assert 0 < result.service_level <= 1


def test_two_hundred_thousand_technicians_are_still_fine() -> None:
    result = evaluate(agents=200_500, traffic=200_000.0, aht_seconds=300, answer_within_seconds=20)
    assert math.isfinite(result.asa_seconds)
    assert 0 < result.service_level <= 1


def test_fewer_technicians_than_traffic_can_never_keep_up() -> None:
    result = evaluate(agents=9, traffic=10.0, aht_seconds=180, answer_within_seconds=20)
    assert result.probability_wait == 1.0
    assert result.service_level == 0.0
    assert result.asa_seconds == math.inf
    assert result.occupancy == 1.0


def test_no_calls_means_nobody_waits() -> None:
    assert erlang_c(3, 0.0) == 0.0
    assert service_level(3, 0.0, 180, 20) == 1.0
    assert average_speed_of_answer(3, 0.0, 180) == 0.0
