"""«Llámenme» in the chat widget (issue 18, PT-2): a visitor asks to be called back, with the phone, a window and
their consent, whether or not anyone can chat now. It becomes a call-back contact in the widget's queue with its
PT-2 commitment on a new request the customer is told the number of; a bad number, a missing consent or a window
that makes no sense is refused naming the field and the rule, and nothing is stored."""

from __future__ import annotations

import json

import pytest

from atiende.contact.models import Contact
from atiende.contact.services import queues
from atiende.desk.models import ContactPoint, Customer, WorkOrder
from atiende.telephony.models import Callback

pytestmark = pytest.mark.django_db

SITE = "https://cliente.example"
URL = "/chat/w/soporte/callback"


@pytest.fixture(autouse=True)
def _no_phone_system(monkeypatch):
    monkeypatch.delenv("ATIENDE_WEBHOOK_URL", raising=False)


@pytest.fixture
def takes_callbacks(widget):
    return queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2], policy={"callback_max_attempts": 2})


def ask(client, body: dict, *, lang: str = "es"):
    return client.post(f"{URL}?lang={lang}", data=json.dumps(body), content_type="application/json",
                       HTTP_ORIGIN=SITE)


def test_the_widget_offers_call_me_only_when_the_queue_takes_call_backs(client, widget, clock):
    settings = client.get("/chat/w/soporte/", HTTP_ORIGIN=SITE).json()
    assert settings["callback"] is False
    queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2], policy={"callback_max_attempts": 1})
    settings = client.get("/chat/w/soporte/", HTTP_ORIGIN=SITE).json()
    assert settings["callback"] is True and settings["strings"]["callback_open"] == "Llámenme"


def test_a_visitor_asks_to_be_called_in_a_window_and_is_told_the_promise(client, takes_callbacks, clock):
    # 2026-01-05 09:00 UTC is 10:00 in Madrid: a window from 11:00 to 13:00 there, later today.
    answer = ask(client, {"name": "Eva Gil", "phone": "600 11 22 33", "consent": True, "day": "2026-01-05",
                          "from": "11:00", "until": "13:00", "note": "La impresora no imprime"})
    assert answer.status_code == 200, answer.content
    assert answer["Access-Control-Allow-Origin"] == SITE
    data = answer.json()
    assert data["number"] == "+34600112233" and data["status"] == "pendiente"
    assert data["message"] == (f"Le llamaremos al +34600112233 entre el 05/01 11:00 y las 13:00. Su solicitud es la "
                               f"número {data['work_order']}.")
    callback = Callback.objects.select_related("contact", "commitment", "work_order").get()
    assert (callback.origin, callback.note, callback.window_start.isoformat()) == (
        "chat", "La impresora no imprime", "2026-01-05T10:00:00+00:00")
    # A call-back contact in the widget's queue, held until its window opens.
    assert (callback.contact.direction, callback.contact.state, callback.contact.queue.name) == (
        "outbound", "waiting", "soporte")
    # Its PT-2 commitment is on the visitor's new request: the customer sees it there.
    order = WorkOrder.objects.get(number=data["work_order"])
    assert callback.work_order == order and order.channel == "chat"
    assert callback.commitment.work_order == order and callback.commitment.status == "pendiente"
    assert data["commitment"] == callback.commitment.description and "+34600112233" in data["commitment"]
    customer = Customer.objects.get(pk=order.customer_id)
    assert customer.name == "Eva Gil"
    assert ContactPoint.objects.filter(customer=customer, value="+34600112233").exists()


def test_a_window_past_midnight_ends_the_next_day(client, takes_callbacks, clock):
    """From 23:30 until 01:00 in Madrid is one window ending the next day (telephony.callbacks.day_window), not a
    window that ends before it starts; 13:00 until 11:00 is still refused (the parametrized case above)."""
    answer = ask(client, {"name": "Eva Gil", "phone": "600 11 22 33", "consent": True, "day": "2026-01-05",
                          "from": "23:30", "until": "01:00"})
    assert answer.status_code == 200, answer.content
    assert "entre el 05/01 23:30 y las 01:00" in answer.json()["message"]
    callback = Callback.objects.get()
    assert (callback.window_start.isoformat(), callback.window_end.isoformat()) == (
        "2026-01-05T22:30:00+00:00", "2026-01-06T00:00:00+00:00")

def test_with_no_window_the_call_back_is_dialled_now_by_a_free_technician(client, takes_callbacks, lucia, clock):
    answer = ask(client, {"name": "Eva Gil", "phone": "+34 600 11 22 33", "consent": True,
                          "email": "eva@example.com"})
    assert answer.status_code == 200
    row = Contact.objects.get(callback__isnull=False)
    assert (row.state, row.offered_to_id, row.data["dialled"]) == ("offered", lucia.pk, "callback_hand")
    assert ContactPoint.objects.filter(kind="email", value="eva@example.com").count() == 1


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"phone": "600 11"}, "phone_invalid", "phone"),
    ({"phone": "+34 123 456 789"}, "phone_invalid", "phone"),  # the right length, but no such Spanish number
    ({"phone": "llámeme"}, "phone_invalid", "phone"),
    ({"phone": ""}, "phone_required", "phone"),
    ({"consent": False}, "callback_consent_required", "consent"),
    ({"consent": "yes"}, "callback_consent_required", "consent"),
    ({"day": "2026-01-05", "from": "13:00", "until": "11:00"}, "callback_window_invalid", "until"),
    ({"day": "2026-01-05", "from": "11:00"}, "callback_window_invalid", "day"),
    ({"day": "mañana", "from": "11:00", "until": "13:00"}, "callback_window_invalid", "from"),
    ({"day": "2026-01-04", "from": "11:00", "until": "13:00"}, "callback_window_past", "window_end"),
])
def test_bad_input_is_refused_naming_the_field_and_the_rule_and_nothing_is_stored(client, takes_callbacks, clock,
                                                                                  body, code, field):
    answer = ask(client, {"name": "Eva Gil", "phone": "600 11 22 33", "consent": True, **body})
    error = answer.json()["error"]
    assert (answer.status_code, error["code"], error["field"], error["rule"]) == (400, code, field, "PT-2")
    assert error["message"] and "Traceback" not in error["message"]
    assert not Callback.objects.exists() and not WorkOrder.objects.exists() and not Customer.objects.exists()


def test_a_queue_without_call_backs_refuses_clearly(client, widget, clock):
    answer = ask(client, {"name": "Eva Gil", "phone": "600 11 22 33", "consent": True}, lang="en")
    error = answer.json()["error"]
    assert answer.status_code in (400, 409) and error["rule"] and "call-back" in error["message"].lower()
    assert not Callback.objects.exists() and not WorkOrder.objects.exists()


def test_a_site_not_on_the_allow_list_cannot_ask(client, takes_callbacks, clock):
    answer = client.post(URL, data=json.dumps({"name": "Eva", "phone": "600 11 22 33", "consent": True}),
                         content_type="application/json", HTTP_ORIGIN="https://atacante.example")
    assert answer.status_code == 403 and not Callback.objects.exists()
