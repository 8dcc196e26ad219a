"""The SLA policies and calendars each process keeps (atiende.config_cache), and the clocks of a work order
opened in a block that goes on to touch it: what a help desk would see go wrong if either were cut short."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from atiende import config_cache, db
from atiende.desk.messages import post_message
from atiende.desk.services.work_orders import create_work_order
from atiende.knowledge.search import search
from atiende.sla.models import WEEKDAYS, SlaPolicy, TeamCalendar, WorkOrderSla

pytestmark = pytest.mark.django_db


def _open(tech, customer, title="No llega el correo", **extra):
    work_order = create_work_order(actor=tech, customer=customer, title=title, channel="email", **extra)
    return WorkOrderSla.objects.get(work_order=work_order)


def test_a_policy_changed_here_applies_to_the_next_work_order(tech, customer):
    policy = SlaPolicy.objects.create(name="Normal", first_response_minutes=60, resolution_minutes=480)
    assert _open(tech, customer).first_response_minutes == 60
    policy.first_response_minutes = 30
    policy.save()
    assert _open(tech, customer).first_response_minutes == 30
    policy.delete()
    assert _open(tech, customer).first_response_minutes is None


def test_a_policy_changed_by_another_process_applies_to_the_next_work_order(tech, customer):
    policy = SlaPolicy.objects.create(name="Normal", first_response_minutes=60, resolution_minutes=480)
    assert _open(tech, customer).first_response_minutes == 60
    # Another process's admin: the row written and the version moved there, this process's memory untouched.
    SlaPolicy.objects.filter(pk=policy.pk).update(first_response_minutes=20)
    config_cache.changed()
    assert _open(tech, customer).first_response_minutes == 20


def test_a_calendar_added_applies_to_the_next_work_order(tech, customer, team):
    SlaPolicy.objects.create(name="Normal", first_response_minutes=60, resolution_minutes=480)
    all_day = _open(tech, customer)
    assert all_day.first_response_due - all_day.started_at == timedelta(minutes=60)
    # Open one minute a day: sixty business minutes take about two months.
    TeamCalendar.objects.create(team=team, time_zone="UTC", **{day: "03:00-03:01" for day in WEEKDAYS})
    one_minute_a_day = _open(tech, customer)
    assert one_minute_a_day.first_response_due - one_minute_a_day.started_at > timedelta(days=50)


def test_a_change_rolled_back_leaves_no_setting_behind(tech, customer):
    SlaPolicy.objects.create(name="Normal", first_response_minutes=60, resolution_minutes=480)
    with pytest.raises(RuntimeError), transaction.atomic():
        SlaPolicy.objects.update(first_response_minutes=5)
        config_cache.changed()
        assert _open(tech, customer).first_response_minutes == 5
        raise RuntimeError
    assert _open(tech, customer).first_response_minutes == 60


def test_a_work_order_answered_in_the_block_that_opened_it_counts_the_answer(tech, customer):
    """The clocks of a new work order come from the row in hand only while nothing else touches it."""
    SlaPolicy.objects.create(name="Normal", first_response_minutes=60, resolution_minutes=480)
    with transaction.atomic(), db.coalesced():
        work_order = create_work_order(actor=tech, customer=customer, title="Sin correo", channel="email")
        message = post_message(work_order=work_order, body="Lo revisamos esta tarde, zafiro.", visibility="public",
                               channel="email", direction="out", author=tech)
    row = WorkOrderSla.objects.get(work_order=work_order)
    assert row.first_response_at == message.created_at
    assert [r.id for r in search(tech, "zafiro")] == [work_order.pk]
