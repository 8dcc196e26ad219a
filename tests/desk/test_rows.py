"""atiende/desk/rows.py: hand-written SELECT, INSERT and upsert give and store what the ORM gives and stores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.utils import timezone

from atiende.desk import rows
from atiende.desk.models import WorkOrder, WorkOrderEvent
from atiende.knowledge.models import SearchEntry
from atiende.privacy.models import AuditEntry
from atiende.sla.models import WorkOrderSla

pytestmark = pytest.mark.django_db


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_a_row_built_from_hand_written_sql_is_the_orms(work_order):
    sla = WorkOrderSla.objects.get(pk=work_order.pk)
    sla.pauses = [["2026-12-01T10:00:00+00:00", None]]
    sla.paused = True
    sla.first_response_seconds = 12.5
    sla.save()
    shape = rows.shape(WorkOrderSla, "s")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {shape.columns} FROM {rows.table(WorkOrderSla)} s WHERE s.work_order_id = %s",
                       [work_order.pk])
        built = shape.build(cursor.fetchone(), 0)
    assert _fields(built) == _fields(WorkOrderSla.objects.get(pk=work_order.pk))
    assert built.paused is True and built.pauses == [["2026-12-01T10:00:00+00:00", None]]
    assert not built._state.adding


def test_insert_stores_the_row_and_tells_the_receivers(work_order, tech):
    told = []

    def receiver(sender, instance, created, **kwargs):
        told.append((instance.pk, created, kwargs["raw"]))

    post_save.connect(receiver, sender=WorkOrderEvent)
    try:
        at = timezone.now() - timedelta(minutes=3)
        event = WorkOrderEvent(work_order=work_order, actor=tech, kind="note", changes={"title": ["a", "ñ"]},
                               note="nota", at=at)
        rows.insert(event)
    finally:
        post_save.disconnect(receiver, sender=WorkOrderEvent)
    assert event.pk and told == [(event.pk, True, False)]
    assert _fields(WorkOrderEvent.objects.get(pk=event.pk)) == _fields(event)
    # The receivers ran as for save(): the audit chain has the event.
    assert AuditEntry.objects.filter(object_type="desk.workorder", object_id=str(work_order.pk),
                                     details__event=event.pk).exists()


def test_upsert_inserts_then_updates_the_named_fields(work_order):
    entry = SearchEntry(kind="work_order", object_id=10**9, title="uno", text="t", terms="uno", public=False)
    rows.upsert(entry, unique=("kind", "object_id"), update=("title", "terms"))
    again = SearchEntry(kind="work_order", object_id=10**9, title="dos", text="otro", terms="dos", public=True)
    rows.upsert(again, unique=("kind", "object_id"), update=("title", "terms"))
    stored = SearchEntry.objects.get(kind="work_order", object_id=10**9)
    assert (stored.title, stored.terms, stored.text, stored.public) == ("dos", "dos", "t", False)
    assert WorkOrder.objects.filter(pk=work_order.pk).exists()
