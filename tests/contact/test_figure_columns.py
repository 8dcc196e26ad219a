"""A call's hold and transfer figures as columns (issue 20): copied from the engine's data in the same
statement that writes it, backfilled by the migration, and the reports read them."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.contact.models import FIGURE_COLUMNS, Contact, figures_of
from atiende.contact.services import calls, deadlines

from .conftest import make_technician

backfill = importlib.import_module("atiende.contact.migrations.0008_contact_figure_columns")


def _columns(contact: Contact) -> dict[str, float]:
    contact.refresh_from_db()
    return {column: getattr(contact, column) for column in FIGURE_COLUMNS}


def test_holds_overruns_and_transfers_reach_the_columns_in_the_events_own_update(call_with_lucia, lucia, clock):
    jorge = make_technician("jorge")
    calls.put_on_hold(contact_id=call_with_lucia.pk, user=lucia, reason="Consulto al fabricante",
                      customer_consent=True, expected_minutes=1)
    clock.advance(61)
    deadlines.run_due_deadlines(worker="t")
    clock.advance(30)
    with CaptureQueriesContext(connection) as resumed:
        calls.resume(contact_id=call_with_lucia.pk, user=lucia)
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="Redes", customer_consent=True,
                           to_technician=jorge.pk)
    calls.accept_transfer(contact_id=call_with_lucia.pk, user=jorge)
    assert _columns(call_with_lucia) == {"hold_count": 1, "hold_seconds": 91.0, "hold_overruns": 1,
                                         "transfer_count": 1}
    assert _columns(call_with_lucia) == figures_of(Contact.objects.get(pk=call_with_lucia.pk).data)
    # No statement of its own: the resume wrote the call's row once, the columns with it.
    updates = [q["sql"] for q in resumed.captured_queries if q["sql"].startswith('UPDATE "contact_contact"')]
    assert len(updates) == 1 and '"hold_seconds"' in updates[0]


@pytest.mark.django_db
def test_a_later_change_of_the_data_moves_the_columns_and_other_updates_leave_them(queue):
    contact = Contact.objects.create(queue=queue, state="ended", data={"hold_count": 2, "hold_seconds": 50.5})
    assert _columns(contact) == {"hold_count": 2, "hold_seconds": 50.5, "hold_overruns": 0, "transfer_count": 0}
    contact.data = {**contact.data, "transfer_count": 1, "hold_overruns": 1}  # a late event, after the end
    contact.save(update_fields=["data"])
    assert _columns(contact) == {"hold_count": 2, "hold_seconds": 50.5, "hold_overruns": 1, "transfer_count": 1}
    contact.state = "abandoned"
    contact.save(update_fields=["state"])
    assert _columns(contact)["transfer_count"] == 1


@pytest.mark.django_db
def test_the_migration_copies_every_stored_calls_figures_as_the_reports_read_them(queue, monkeypatch):
    odd = [{"hold_count": 3, "hold_seconds": 12.25, "hold_overruns": 1, "transfer_count": 2},
           {"hold_count": "3", "hold_seconds": True, "hold_overruns": None, "transfer_count": [1]},
           {"hold_count": 2.9, "hold_seconds": 7, "transfer_count": -1.5}, {}, {"hold_count": 10**12}]
    stored = [Contact.objects.create(queue=queue, data=data) for data in odd]
    Contact.objects.update(hold_count=0, hold_seconds=0.0, hold_overruns=0, transfer_count=0)  # as before 0008
    monkeypatch.setattr(backfill, "BATCH", 2)  # several batches
    backfill.copy_figures(apps, SimpleNamespace(connection=connection))  # it uses the editor's connection only
    for contact, data in zip(stored, odd, strict=True):
        assert _columns(contact) == figures_of(data), data
