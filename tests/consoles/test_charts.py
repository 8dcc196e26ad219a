"""The wallboard's today per half hour, from stored calls: figures, PO-2 limits, ET-4 scope, queries, the page."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.consoles import selectors
from atiende.contact import clock as contact_clock
from atiende.contact import selectors as contact_selectors
from atiende.contact.services import availability, queues
from atiende.contact.services import calls as contact_calls
from tests.consoles.conftest import MADRID, arrives, signed_in

pytestmark = pytest.mark.django_db



def _nine_oclock(center, clock):
    """09:00 Madrid: three calls. Two answered after 20 and 40 s, one abandoned after 200 s (past PO-2's 180 s).
    Lucía's call ends with its wrap-up at 09:06:30 (handled 370 s)."""
    availability.make_available(user=center.lucia)
    first = arrives()  # rings at Lucía
    clock.advance(20)
    contact_calls.answer(contact_id=first.pk, user=center.lucia)
    clock.set(datetime(2026, 1, 5, 9, 1, tzinfo=MADRID))
    second = arrives()  # nobody free: waits
    clock.advance(40)
    availability.make_available(user=center.jorge)  # rings at Jorge at once
    contact_calls.answer(contact_id=second.pk, user=center.jorge)
    clock.set(datetime(2026, 1, 5, 9, 2, tzinfo=MADRID))
    third = arrives()
    clock.advance(200)
    contact_calls.hang_up(contact_id=third.pk)  # the caller gives up (PBX)
    clock.set(datetime(2026, 1, 5, 9, 6, tzinfo=MADRID))
    contact_calls.hang_up(contact_id=first.pk, user=center.lucia)
    clock.advance(30)
    contact_calls.finish_wrap_up(contact_id=first.pk, user=center.lucia)
    return first, second, third


def _interval(day, label):
    return next(i for i in day["intervals"] if i["label"] == label)


def test_a_seeded_morning_gives_the_known_figures(center, clock):
    _nine_oclock(center, clock)
    clock.set(datetime(2026, 1, 5, 9, 40, tzinfo=MADRID))
    arrives()  # 09:40, nobody free, still waiting at 09:50: already 10 minutes, past the limit
    clock.set(datetime(2026, 1, 5, 9, 50, tzinfo=MADRID))
    day = signed_in(center.marta).get("/panel/estado/").json()["charts"]["intraday"]
    assert [i["label"] for i in day["intervals"]] == ["09:00", "09:30"]
    nine = _interval(day, "09:00")
    assert (nine["offered"], nine["answered"], nine["abandoned"], nine["waiting"]) == (3, 2, 1, 0)
    assert (nine["met"], nine["counted"], nine["service_level"]) == (2, 3, 0.6667)
    assert nine["asa_seconds"] == 30.0 and nine["aht_seconds"] == 370.0
    assert nine["current"] is False
    half_past = _interval(day, "09:30")
    assert half_past["current"] is True and half_past["waiting"] == 1
    assert (half_past["met"], half_past["counted"], half_past["service_level"]) == (0, 1, 0.0)
    assert day["today"]["offered"] == 4 and day["today"]["service_level"] == 0.5
    assert day["max_wait_seconds"] == [180] and day["target"] == 0.99 and day["minutes"] == 30


def test_each_call_is_measured_against_its_queue_and_organisations_limit(center, clock):
    """PO-2 as the engine resolves it (contact_selectors.policy_for): the organisation's 60 s, a queue's own 4 s."""
    from atiende.contact.models import Queue
    from atiende.desk.models import Organisation

    organisation = Organisation.objects.create(name="Clínica Norte")
    center.customer.organisation = organisation
    center.customer.save()
    queues.set_organisation_policy(organisation_id=organisation.pk, policy={"max_wait_seconds": 60})
    queues.save_queue(name="urgente", label="Urgente", tiers=[1, 2], policy={"max_wait_seconds": 4})
    late = arrives(customer_id=center.customer.pk)  # 90 s: within the default 180, not the organisation's 60
    clock.advance(90)
    availability.make_available(user=center.lucia)
    contact_calls.answer(contact_id=late.pk, user=center.lucia)
    urgent = arrives("urgente")
    clock.advance(10)
    availability.make_available(user=center.jorge)
    contact_calls.answer(contact_id=urgent.pk, user=center.jorge)
    on_time = arrives()  # nobody free; answered after 100 s
    clock.advance(100)
    contact_calls.hang_up(contact_id=late.pk, user=center.lucia)
    contact_calls.finish_wrap_up(contact_id=late.pk, user=center.lucia)  # free again: the waiting call rings at her
    contact_calls.answer(contact_id=on_time.pk, user=center.lucia)
    day = selectors.intraday(contact_clock.now(), user=center.ana)
    nine = _interval(day, "09:00")
    assert (nine["offered"], nine["answered"], nine["met"], nine["counted"]) == (3, 3, 1, 3)
    assert day["max_wait_seconds"] == [4, 60, 180]
    limits = {contact_selectors.policy_for(Queue.objects.get(name="soporte"), organisation.pk).max_wait_seconds,
              contact_selectors.policy_for(Queue.objects.get(name="urgente")).max_wait_seconds}
    assert limits == {60, 4}


def test_a_supervisor_counts_only_their_teams_and_shared_queues(center, clock):
    """ET-4: Marta leads Norte; a call in Sur's queue is not hers to count. The administrator counts it."""
    from atiende.people.models import Team

    norte, sur = Team.objects.create(name="Norte"), Team.objects.create(name="Sur")
    center.marta.teams.add(norte)
    queues.save_queue(name="ventas", label="Ventas", tiers=[1, 2], team_id=sur.pk)
    queues.save_queue(name="norte", label="Norte", tiers=[1, 2], team_id=norte.pk)
    arrives("ventas")
    arrives("ventas")
    arrives("norte")
    arrives()  # soporte: shared
    clock.advance(60)
    marta = selectors.intraday(contact_clock.now(), user=center.marta)
    ana = selectors.intraday(contact_clock.now(), user=center.ana)
    assert marta["today"]["offered"] == 2 and ana["today"]["offered"] == 4
    page = signed_in(center.marta).get("/panel/estado/").json()["charts"]["intraday"]
    assert page["today"]["offered"] == 2


def test_the_figures_cost_the_same_few_queries_however_many_calls_and_intervals(center, clock):
    from atiende.desk.models import Organisation

    organisation = Organisation.objects.create(name="Clínica Norte")
    center.customer.organisation = organisation
    center.customer.save()
    queues.set_organisation_policy(organisation_id=organisation.pk, policy={"max_wait_seconds": 60})
    queues.save_queue(name="urgente", label="Urgente", tiers=[1, 2], policy={"max_wait_seconds": 4})
    arrives(customer_id=center.customer.pk)
    clock.advance(60)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.intraday(contact_clock.now(), user=center.marta)
        return len(captured)

    few = queries()
    for hour in range(9, 13):
        for minute in (5, 35):
            clock.set(datetime(2026, 1, 5, hour, minute, tzinfo=MADRID))
            arrives("urgente")
            arrives(customer_id=center.customer.pk)
    clock.advance(60)
    day = selectors.intraday(contact_clock.now(), user=center.marta)
    assert len(day["intervals"]) == 8 and day["today"]["offered"] == 17
    assert few == queries() == 2  # today's calls; the organisations' policies


def test_outbound_calls_are_not_offered_calls(center, clock):
    arrives(direction="outbound")
    arrives()
    clock.advance(30)
    assert selectors.intraday(contact_clock.now(), user=center.ana)["today"]["offered"] == 1


def test_the_page_shows_the_half_hours_in_a_table_in_spanish_and_english(center, clock):
    _nine_oclock(center, clock)
    clock.set(datetime(2026, 1, 5, 9, 20, tzinfo=MADRID))
    client = signed_in(center.marta)
    page = client.get("/panel/").content.decode()
    assert "Hoy por media hora" in page and "Ver las cifras en una tabla" in page
    row = re.search(r'<tr aria-current="time">(.*?)</tr>', page).group(1)
    assert "09:00 (en curso)" in row and "<td>3</td><td>2</td><td>1</td><td>67 %</td>" in row
    assert '"service_level": "Nivel de servicio"' in page and '"target": "Objetivo %(percent)s"' in page
    client.cookies["django_language"] = "en"
    page = client.get("/panel/").content.decode()
    assert "Today per half hour" in page and "Show the figures as a table" in page
    assert "09:00 (in progress)" in page
    assert '"service_level": "Service level"' in page and '"asa": "Mean wait to answer (ASA)"' in page


def test_the_charts_add_no_inline_script_or_style(center, clock):
    _nine_oclock(center, clock)
    page = signed_in(center.marta).get("/panel/").content.decode()
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    section = page[page.index('id="intraday-title"'):page.index('id="charts-title"')]
    assert " style=" not in section
    assert not re.search(r"<[^>]+\son[a-z]+=", section)
    assert "consoles/wallboard.js" in page


def test_the_default_service_level_target_is_the_planning_pages_po2_target():
    """The policies' default service_level_target (a queue or organisation may set another)."""
    from atiende.engine import Policy
    from atiende.planning.views import PRESETS

    assert PRESETS["po2"]["target"] == Policy().service_level_target == 0.99
