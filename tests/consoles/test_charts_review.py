"""The wallboard's intraday figures after review: the service-level target a desk sets (PO-2 policy),
AHT in the half hour a call ended, and the 'Hoy' figures counting inbound calls only."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from atiende.consoles import selectors
from atiende.contact import clock as contact_clock
from atiende.contact.services import availability
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import queues as contact_queues
from tests.consoles.conftest import MADRID, arrives, signed_in

pytestmark = pytest.mark.django_db



def _interval(day, label):
    return next(i for i in day["intervals"] if i["label"] == label)


def _row(page: str, label: str) -> list[str]:
    """The cells of the table row of this half hour, as the page serves it."""
    for row in re.findall(r"<tr[^>]*><th scope=\"row\">(.*?)</tr>", page):
        if row.startswith(label):
            return re.findall(r"<td>(.*?)</td>", row)
    raise AssertionError(f"no row {label}")


def _answered_after(clock, user, seconds: float, queue: str = "soporte", **extra):
    call = arrives(queue, **extra)
    clock.advance(seconds)
    availability.make_available(user=user)
    contact_calls.answer(contact_id=call.pk, user=user)
    return call


def _finish(call, user, clock, talk: float):
    clock.advance(talk)
    contact_calls.hang_up(contact_id=call.pk, user=user)
    contact_calls.finish_wrap_up(contact_id=call.pk, user=user)


# ---- 1. the service-level target comes from the policies (service_level_target, default 0.99) ----------

def test_by_default_the_target_is_99_percent_and_the_table_shows_it(center, clock):
    _answered_after(clock, center.lucia, 20)
    clock.advance(60)
    day = selectors.intraday(contact_clock.now(), user=center.marta)
    assert day["target"] == 0.99 and day["targets"] == [0.99]
    assert _interval(day, "09:00")["target"] == 0.99
    page = signed_in(center.marta).get("/panel/").content.decode()
    assert "Objetivo de nivel de servicio" in page
    assert _row(page, "09:00")[3:5] == ["100 %", "99 %"]  # service level, then its target


def test_a_queue_that_sets_80_percent_is_measured_and_drawn_against_80(center, clock):
    contact_queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2], policy={"service_level_target": 0.8})
    empty = selectors.intraday(contact_clock.now(), user=center.marta)
    assert empty["target"] == 0.8  # no call yet: the target of the supervisor's queues, not a fixed 99 %
    _answered_after(clock, center.lucia, 20)
    clock.advance(60)
    day = signed_in(center.marta).get("/panel/estado/").json()["charts"]["intraday"]
    assert day["target"] == 0.8 and _interval(day, "09:00")["target"] == 0.8
    page = signed_in(center.marta).get("/panel/").content.decode()
    assert _row(page, "09:00")[4] == "80 %"


def test_an_organisations_target_applies_to_its_customers_calls(center, clock):
    from atiende.desk.models import Organisation

    organisation = Organisation.objects.create(name="Clínica Norte")
    center.customer.organisation = organisation
    center.customer.save()
    contact_queues.set_organisation_policy(organisation_id=organisation.pk, policy={"service_level_target": 0.9})
    _answered_after(clock, center.lucia, 20, customer_id=center.customer.pk)
    clock.advance(60)
    day = selectors.intraday(contact_clock.now(), user=center.ana)
    assert day["target"] == 0.9 and day["today"]["target"] == 0.9


def test_queues_with_different_targets_give_each_half_hour_their_weighted_target(center, clock):
    """Soporte 80 % with three calls counted, Urgente 95 % with one: 09:00's target is (3 × 0.8 + 0.95) / 4."""
    contact_queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2], policy={"service_level_target": 0.8})
    contact_queues.save_queue(name="urgente", label="Urgente", tiers=[1, 2], policy={"service_level_target": 0.95})
    for _ in range(3):
        arrives()
    arrives("urgente")
    clock.advance(200)  # nobody free: the four wait past PO-2's 180 s, four missed
    day = selectors.intraday(contact_clock.now(), user=center.ana)
    nine = _interval(day, "09:00")
    assert (nine["met"], nine["counted"], nine["service_level"]) == (0, 4, 0.0)
    assert nine["target"] == 0.8375
    assert day["target"] is None and day["targets"] == [0.8, 0.95]
    strings = selectors_strings()
    assert strings["targets_by_queue"].startswith("Objetivos %(percents)s")


def selectors_strings():
    from django.utils import translation

    from atiende.consoles.strings import board_strings

    with translation.override("es"):
        return board_strings()


def test_the_desk_sets_the_target_over_the_api_and_a_wrong_one_is_a_clear_400(center, clock):
    client = signed_in(center.ana)
    bad = client.put("/api/v1/contacts/queues/soporte", {"tiers": [1, 2], "policy": {"service_level_target": 1.5}},
                     content_type="application/json")
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "invalid_policy" and error.get("rule") == "PO-2"
    ok = client.put("/api/v1/contacts/queues/soporte", {"tiers": [1, 2], "policy": {"service_level_target": 0.8}},
                    content_type="application/json")
    assert ok.status_code == 200 and ok.json()["effective_policy"]["service_level_target"] == 0.8
    assert selectors.intraday(contact_clock.now(), user=center.marta)["target"] == 0.8


def test_the_chart_names_its_target_in_both_languages(center, clock):
    client = signed_in(center.marta)
    page = client.get("/panel/").content.decode()
    assert '"target": "Objetivo %(percent)s"' in page and '"target_weighted": "Objetivo (ponderado)"' in page
    client.cookies["django_language"] = "en"
    page = client.get("/panel/").content.decode()
    assert '"target": "Target %(percent)s"' in page and "Service-level target" in page


# ---- 2. AHT counts in the half hour the call ended ---------------------------------------------------

def test_a_call_answered_at_0925_and_ended_at_0942_adds_its_handle_time_to_0930(center, clock):
    clock.set(datetime(2026, 1, 5, 9, 25, tzinfo=MADRID))
    call = _answered_after(clock, center.lucia, 0)
    clock.set(datetime(2026, 1, 5, 9, 41, 30, tzinfo=MADRID))
    contact_calls.hang_up(contact_id=call.pk, user=center.lucia)
    clock.advance(30)
    contact_calls.finish_wrap_up(contact_id=call.pk, user=center.lucia)  # 09:42:00: 17 minutes handled
    clock.set(datetime(2026, 1, 5, 9, 50, tzinfo=MADRID))
    day = signed_in(center.marta).get("/panel/estado/").json()["charts"]["intraday"]
    arrived, ended = _interval(day, "09:00"), _interval(day, "09:30")
    assert (arrived["offered"], arrived["answered"], arrived["aht_seconds"]) == (1, 1, None)
    assert (ended["offered"], ended["handled"], ended["aht_seconds"]) == (0, 1, 1020.0)
    assert day["today"]["aht_seconds"] == 1020.0
    page = signed_in(center.marta).get("/panel/").content.decode()
    assert _row(page, "09:00")[6] == "—" and _row(page, "09:30")[6] == "1020 s"
    assert "each call in the half hour it ended" not in page  # the page is in Spanish
    assert '"aht_rule": "cada llamada en la media hora en que termin\\u00f3' in page  # the chart's caption


def test_a_call_of_yesterday_that_ended_today_counts_its_handle_time_today_and_nothing_else(center, clock):
    clock.set(datetime(2026, 1, 4, 23, 50, tzinfo=MADRID))
    call = _answered_after(clock, center.lucia, 10)
    clock.set(datetime(2026, 1, 5, 0, 5, tzinfo=MADRID))
    contact_calls.hang_up(contact_id=call.pk, user=center.lucia)
    contact_calls.finish_wrap_up(contact_id=call.pk, user=center.lucia)
    clock.set(datetime(2026, 1, 5, 0, 10, tzinfo=MADRID))
    day = selectors.intraday(contact_clock.now(), user=center.marta)
    midnight = _interval(day, "00:00")
    assert (midnight["offered"], midnight["answered"], midnight["handled"]) == (0, 0, 1)
    assert midnight["aht_seconds"] == 890.0  # 23:50:10 to 00:05:00
    assert day["today"]["offered"] == 0


def test_the_today_card_handle_time_is_the_inbound_calls_ended_today(center, clock):
    inbound = _answered_after(clock, center.lucia, 10)
    _finish(inbound, center.lucia, clock, 300)
    outbound = arrives(direction="outbound")  # Lucía is free again: it rings at her
    clock.advance(5)
    contact_calls.answer(contact_id=outbound.pk, user=center.lucia)
    _finish(outbound, center.lucia, clock, 1200)
    charts = signed_in(center.marta).get("/panel/estado/").json()["charts"]
    assert charts["handle_seconds"] == {"mean": 300.0, "max": 300.0}


# ---- 3. offered, answered, abandoned and service level: inbound calls only --------------------------

def test_outbound_calls_are_not_counted_as_offered_answered_or_abandoned_today(center, clock):
    """Two outbound calls (one picked up, one not) and one inbound call answered after 20 s."""
    _answered_after(clock, center.lucia, 20)
    picked_up = _answered_after(clock, center.jorge, 3, direction="outbound")
    unanswered = arrives(direction="outbound")
    clock.advance(40)
    contact_calls.hang_up(contact_id=unanswered.pk)  # nobody picked up at the other end
    clock.advance(60)
    charts = signed_in(center.marta).get("/panel/estado/").json()["charts"]
    assert (charts["answered"], charts["abandoned"], charts["abandonment_rate"]) == (1, 0, 0.0)
    assert charts["wait_seconds"]["mean"] == 20.0
    assert charts["outbound"] == {"calls": 2, "answered": 1}
    day = charts["intraday"]
    assert (day["today"]["offered"], day["today"]["answered"], day["today"]["abandoned"]) == (1, 1, 0)
    assert (day["today"]["met"], day["today"]["counted"], day["today"]["service_level"]) == (1, 1, 1.0)
    assert day["today"]["outbound"] == 2 and _interval(day, "09:00")["outbound"] == 2
    page = signed_in(center.marta).get("/panel/").content.decode()
    assert _row(page, "09:00")[:3] == ["1", "1", "0"] and _row(page, "09:00")[-1] == "2"
    assert picked_up.pk != unanswered.pk


def test_the_contact_stats_count_outbound_calls_apart_as_the_board_does(center, clock):
    """The stats API (GET /api/v1/contacts/stats) once counted an outbound call nobody picked up as an
    abandoned call, and its ringing as a wait: the figures now agree with the board's 'Hoy'."""
    from atiende.contact import selectors as contact_selectors

    _finish(_answered_after(clock, center.jorge, 12), center.jorge, clock, 60)
    dialled = arrives(direction="outbound")  # Jorge is free again: it rings him at once
    clock.advance(3)
    contact_calls.answer(contact_id=dialled.pk, user=center.jorge)
    _finish(dialled, center.jorge, clock, 30)
    unanswered = arrives(direction="outbound")
    clock.advance(40)
    contact_calls.hang_up(contact_id=unanswered.pk)
    stats = contact_selectors.stats(since=selectors._start_of_day(contact_clock.now()), user=center.marta)
    charts = selectors.charts(contact_clock.now(), user=center.marta)
    assert (stats["answered"], stats["abandoned"], stats["abandonment_rate"]) == (1, 0, 0.0)
    assert stats["wait_seconds"]["max"] == charts["wait_seconds"]["max"] == 12.0
    assert stats["outbound"] == {"answered": 1, "unanswered": 1}
    assert stats["calls_per_technician"] == {str(center.jorge.pk): 2}  # PO-3 counts every call
    assert (charts["answered"], charts["abandoned"], charts["outbound"]["calls"]) == (1, 0, 2)
