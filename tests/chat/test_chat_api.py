"""/api/v1/chats: the technician's side, the JSON error shape naming rules, the demo's widget."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from atiende.chat import services
from atiende.chat.models import ChatWidget

from .conftest import make_technician

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _post(client, path, body=None):
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


def test_a_technician_takes_a_chat_writes_and_ends_it_through_the_api(widget, lucia, supervisor):
    opened = services.open_chat(widget_key="soporte", name="Ana", email="ana@example.com", message="Hola",
                                origin="https://cliente.example")
    api = _client(lucia)
    listed = api.get("/api/v1/chats").json()
    assert [c["id"] for c in listed] == [opened.session.pk] and listed[0]["contact_state"] == "offered"
    base = f"/api/v1/chats/{opened.session.pk}"
    early = _post(api, f"{base}/messages", {"body": "Buenos días"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "accept_first"
    assert _post(api, f"{base}/accept").json()["state"] == "active"
    sent = _post(api, f"{base}/messages", {"body": "Buenos días, Ana. ¿En qué puedo ayudarle?"})
    assert sent.status_code == 201 and sent.json()["visibility"] == "public"
    coach = _post(_client(supervisor), f"{base}/coach", {"body": "Bien"})
    assert coach.status_code in (404, 409)  # not in scope, or not joined: never a 500
    no_consent = _post(api, f"{base}/transfer", {"purpose": ""})
    assert no_consent.status_code == 400 and no_consent.json()["error"]["rule"] == "TR-2"
    detail = api.get(base).json()
    assert [m["body"] for m in detail["messages"]] == ["Hola", "Buenos días, Ana. ¿En qué puedo ayudarle?"]
    ended = _post(api, f"{base}/end").json()
    assert ended["state"] == "ended" and ended["contact_state"] == "wrap_up"
    assert _post(api, f"{base}/wrap-up").json()["contact_state"] == "ended"


def test_a_full_technician_is_refused_a_transferred_chat_naming_ch_vir(widget, clock):
    ana = make_technician("ana", max_chats=1)
    first = services.open_chat(widget_key="soporte", name="Uno", origin="https://cliente.example")
    services.accept_chat(user=ana, chat_id=first.session.pk)
    luis = make_technician("luis", max_chats=1)
    second = services.open_chat(widget_key="soporte", name="Dos", origin="https://cliente.example")
    services.accept_chat(user=luis, chat_id=second.session.pk)
    services.propose_transfer(user=luis, chat_id=second.session.pk, purpose="Facturación", to_technician=ana.pk)
    services.customer_answers_transfer(session=second.session, consent=True)
    refused = _post(_client(ana), f"/api/v1/chats/{second.session.pk}/transfer/accept")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "chat_capacity_full" and refused.json()["error"]["rule"] == "CH-VIR"


def test_the_demo_has_a_chat_widget_for_soporte(db):
    from atiende.demo import load_demo

    load_demo()
    load_demo()
    assert list(ChatWidget.objects.values_list("key", "queue__name")) == [("soporte", "soporte")]
