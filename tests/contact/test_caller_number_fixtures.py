"""Customers loaded from a fixture (``loaddata``) are found by the CTI from their phone, like any other.

``loaddata`` saves rows raw, past ``ContactPoint.save()`` where the normalised
number is computed; the number is filled for those saves too, and a stale one
in the fixture (a dump of older data) is recomputed from the value.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from atiende.contact.models import Contact
from atiende.desk.models import ContactPoint

from .conftest import bearer, make_technician

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def fixture_file(tmp_path):
    rows = [
        {"model": "desk.customer", "pk": 501, "fields": {"name": "Dra. Pérez", "created_at": "2026-01-10T09:00:00Z"}},
        {"model": "desk.customer", "pk": 502, "fields": {"name": "Sr. Gil", "created_at": "2026-01-10T09:00:00Z"}},
        {"model": "desk.contactpoint", "pk": 601,
         "fields": {"customer": 501, "kind": "telefono", "value": "+34 600 11-22 33", "preferred": True}},
        {"model": "desk.contactpoint", "pk": 602,
         "fields": {"customer": 501, "kind": "email", "value": "perez@example.org"}},
        # Dumped before the number was kept, by hand, or from another installation: the value is what counts.
        {"model": "desk.contactpoint", "pk": 603,
         "fields": {"customer": 502, "kind": "movil", "value": "0034 611 22 33 44", "number": "611"}},
    ]
    path = tmp_path / "customers.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def test_a_cti_call_from_a_phone_loaded_with_loaddata_links_its_customer(client, queue, clock, fixture_file):
    call_command("loaddata", str(fixture_file), verbosity=0)
    assert dict(ContactPoint.objects.values_list("pk", "number")) == {601: "+34600112233", 602: "",
                                                                       603: "+34611223344"}
    admin = make_technician("admin", role="administrador", available=False)
    for call_id, caller, customer in (("c1", "0034600112233", 501), ("c2", "+34 611 22 33 44", 502)):
        response = client.post("/api/v1/cti/events", {"id": call_id, "type": "new_call", "call_id": call_id,
                                                       "queue": "soporte", "from": caller},
                                content_type=JSON, headers=bearer(admin, kind="cti"))
        assert response.status_code == 200, response.content
        assert Contact.objects.get(external_id=call_id).customer_id == customer
