"""Issue 22, item 10: another person's or team's record answers exactly as a missing one (ET-4).

A different status or message for "exists but not yours" and "does not exist" lets anyone confirm which ids
exist. Each lookup below is asked for a foreign id and for a missing id; the answers must be the same
(status and error code; the message may only differ by the id it repeats).
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from atiende.contact.models import Alert
from atiende.desk.models import Customer, WorkOrder
from atiende.people.models import Team
from tests.contact.conftest import bearer, call_with_lucia, clock, jorge, lucia, queue  # noqa: F401

pytestmark = pytest.mark.django_db
MISSING = 987654321


def _same(foreign, missing) -> None:
    assert foreign.status_code == missing.status_code, (foreign.status_code, missing.status_code)
    assert foreign.status_code == 404
    f, m = foreign.json()["error"], missing.json()["error"]
    assert f["code"] == m["code"]
    assert re.sub(r"\d+", "N", f["message"]) == re.sub(r"\d+", "N", m["message"])


def test_another_technicians_call_answers_as_a_missing_one(client, call_with_lucia, jorge):  # noqa: F811
    for path in ("", "/events"):
        foreign = client.get(f"/api/v1/contacts/{call_with_lucia.pk}{path}", headers=bearer(jorge))
        missing = client.get(f"/api/v1/contacts/{MISSING}{path}", headers=bearer(jorge))
        _same(foreign, missing)
    for action in ("hold", "resume", "escalate", "wrap-up"):
        foreign = client.post(f"/api/v1/contacts/{call_with_lucia.pk}/{action}", {"reason": "x"},
                              content_type="application/json", headers=bearer(jorge))
        missing = client.post(f"/api/v1/contacts/{MISSING}/{action}", {"reason": "x"},
                              content_type="application/json", headers=bearer(jorge))
        if missing.status_code == 404:
            _same(foreign, missing)


def test_another_technicians_alert_answers_as_a_missing_one(client, lucia, jorge):  # noqa: F811
    alert = Alert.objects.create(kind="hold_overrun", rule="HO-5", level="warning", technician=lucia,
                                 message_es="x", message_en="x")
    foreign = client.post(f"/api/v1/contacts/alerts/{alert.pk}/acknowledge", headers=bearer(jorge))
    missing = client.post(f"/api/v1/contacts/alerts/{MISSING}/acknowledge", headers=bearer(jorge))
    _same(foreign, missing)
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None


def test_the_consoles_customer_lookup_answers_a_foreign_customer_as_a_missing_one(lucia):  # noqa: F811
    team, other = Team.objects.create(name="Soporte"), Team.objects.create(name="Redes")
    lucia.teams.add(team)
    from atiende.desk.models import Organisation

    served = Organisation.objects.create(name="Hospital Norte", team=other)
    foreign_customer = Customer.objects.create(name="Dra. Pérez", organisation=served)
    WorkOrder.objects.create(number=4242, title="Red caída", customer=foreign_customer, team=other)
    browser = Client()
    browser.force_login(lucia)

    def open_for(customer_id: int):
        return browser.post("/consola/solicitud/", json.dumps({"title": "No imprime", "customer": customer_id}),
                            content_type="application/json")

    _same(open_for(foreign_customer.pk), open_for(MISSING))
    assert not WorkOrder.objects.filter(customer=foreign_customer).exclude(number=4242).exists()
    big = open_for(2**63)
    assert big.status_code in (400, 404) and big.json()["error"]["code"]
