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


def test_insert_many_stores_the_rows_as_bulk_create_does(work_order, tech, monkeypatch):
    from django.db.models import Max

    told = []
    post_save.connect(lambda instance, **kwargs: told.append(instance.pk), sender=WorkOrderEvent, weak=False,
                      dispatch_uid="test-insert-many")
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 2)  # three statements for five
    try:
        at = timezone.now() - timedelta(minutes=3)
        events = [WorkOrderEvent(work_order=work_order, actor=tech if i % 2 else None, kind="note",
                                 changes={"n": [None, i], "t": ["a", "ñ"]}, note=f"nota {i}", at=at + timedelta(seconds=i))
                  for i in range(5)]
        before = WorkOrderEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        rows.insert_many(events)
    finally:
        post_save.disconnect(sender=WorkOrderEvent, dispatch_uid="test-insert-many")
    assert told == []  # no signal, as bulk_create: the caller sends what save() would
    assert all(e.pk > before and not e._state.adding for e in events)
    assert [e.pk for e in events] == sorted(e.pk for e in events)  # the keys in the objects' order
    for event in events:
        assert _fields(WorkOrderEvent.objects.get(pk=event.pk)) == _fields(event)


def test_insert_many_with_a_conflict_updates_the_named_fields_only():
    first = SearchEntry(kind="work_order", object_id=10**9, title="uno", text="t", terms="uno", public=False)
    rows.insert_many([first], unique=("kind", "object_id"), update=("title", "terms"))
    again = [SearchEntry(kind="work_order", object_id=10**9, title="dos", text="otro", terms="dos", public=True),
             SearchEntry(kind="work_order", object_id=10**9 + 1, title="tres", text="x", terms="tres", public=True)]
    rows.insert_many(again, unique=("kind", "object_id"), update=("title", "terms"))
    stored = {e.object_id: (e.title, e.terms, e.text, e.public) for e in SearchEntry.objects.filter(
        kind="work_order", object_id__gte=10**9)}
    assert stored == {10**9: ("dos", "dos", "t", False), 10**9 + 1: ("tres", "tres", "x", True)}
