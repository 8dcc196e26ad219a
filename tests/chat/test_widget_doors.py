"""The widget's HTTP doors, as a customer's site calls them: the script, its settings, starting a chat,
leaving a message offline, sending a screenshot; origins, limits and bad input."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.chat import guards
from atiende.chat.models import ChatSession
from atiende.desk.models import Message, WorkOrder
from tests.attachments import EXE, PNG, stored_files

SITE = "https://cliente.example"


def post(client, path: str, body: object, *, origin: str | None = SITE, **extra: str):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers, **extra)


def test_the_script_is_served_for_other_sites_to_embed(client):
    response = client.get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"attachShadow" in body and b"innerHTML" not in body


@pytest.mark.django_db
def test_the_settings_answer_an_allowed_site_in_its_language(client, widget, lucia):
    response = client.get("/chat/w/soporte/?lang=en", HTTP_ORIGIN=SITE)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SITE
    data = response.json()
    assert data["available"] is True and data["wait_seconds"] == 0
    assert data["strings"]["launcher"] == "Chat with us"
    assert data["limits"]["text"] == 4000
    spanish = client.get("/chat/w/soporte/", HTTP_ORIGIN=SITE, HTTP_ACCEPT_LANGUAGE="es").json()
    assert spanish["strings"]["launcher"] != "Chat with us"


@pytest.mark.django_db
def test_a_site_not_on_the_allow_list_is_refused_and_gets_no_cors_grant(client, widget, lucia):
    response = client.get("/chat/w/soporte/", HTTP_ORIGIN="https://atacante.example")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response
    refused = post(client, "/chat/w/soporte/start", {"name": "Eva"}, origin="https://atacante.example")
    assert refused.status_code == 403
    assert not ChatSession.objects.exists()


@pytest.mark.django_db
def test_a_family_of_subdomains_on_the_allow_list_is_allowed(client, widget, lucia):
    widget.allowed_origins = ["https://*.cliente.example"]
    widget.save()
    assert client.get("/chat/w/soporte/", HTTP_ORIGIN="https://tienda.cliente.example").status_code == 200
    assert client.get("/chat/w/soporte/", HTTP_ORIGIN="https://cliente.example").status_code == 403


@pytest.mark.django_db
def test_the_preflight_names_what_the_widget_may_send(client, widget):
    response = client.options("/chat/w/soporte/start", HTTP_ORIGIN=SITE,
                              HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SITE
    assert "Authorization" in response["Access-Control-Allow-Headers"]


@pytest.mark.django_db(transaction=True)
def test_starting_a_chat_gives_the_token_once_and_the_socket(client, widget, lucia):
    response = post(client, "/chat/w/soporte/start", {"name": "Carmen Ruiz", "email": "carmen@example.com",
                                                       "text": "No imprime"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["socket"] == "/ws/chat/" and len(data["token"]) >= 32
    session = ChatSession.objects.get(pk=data["chat"])
    assert session.token_hash != data["token"]
    assert session.customer_name == "Carmen Ruiz"
    assert Message.objects.filter(work_order=session.work_order, body="No imprime").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "status", "code"), [
    ("no es json", 400, "bad_json"),
    ("[]", 400, "bad_json"),
    ({"name": "Eva", "admin": True}, 400, "unknown_field"),
    ({"name": ""}, 400, "required"),
    ({"name": "Eva", "email": "no-es-correo"}, 400, "invalid_email"),
    ({"name": "Eva", "text": "x" * 4001}, 400, "too_long"),
])
def test_bad_input_to_the_start_call_is_a_clear_error(client, widget, lucia, body, status, code):
    response = post(client, "/chat/w/soporte/start", body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response["Access-Control-Allow-Origin"] == SITE  # the widget can read why
    assert not ChatSession.objects.exists()


@pytest.mark.django_db
def test_an_unknown_widget_is_a_404(client, widget):
    response = client.get("/chat/w/ventas/", HTTP_ORIGIN=SITE)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_widget"


@pytest.mark.django_db(transaction=True)
def test_nobody_available_offers_leaving_a_message_which_becomes_a_request(client, widget):
    config = client.get("/chat/w/soporte/", HTTP_ORIGIN=SITE).json()
    assert config["available"] is False and config["offline"] == "message"
    refused = post(client, "/chat/w/soporte/start", {"name": "Eva"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "chat_offline"
    left = post(client, "/chat/w/soporte/offline", {"name": "Eva Gil", "email": "eva@example.com",
                                                     "text": "El router parpadea en rojo."})
    assert left.status_code == 200, left.content
    number = left.json()["work_order"]
    assert str(number) in left.json()["message"]
    work_order = WorkOrder.objects.get(number=number)
    assert work_order.messages.get().body == "El router parpadea en rojo."
    no_email = post(client, "/chat/w/soporte/offline", {"name": "Eva Gil", "text": "hola"})
    assert no_email.status_code == 400 and no_email.json()["error"]["field"] == "email"


@pytest.mark.django_db(transaction=True)
def test_starting_chats_from_one_address_is_rate_limited(client, widget, lucia, monkeypatch):
    monkeypatch.setenv("ATIENDE_CHAT_STARTS", "2/1")
    guards.LIMITS.reset()
    answers = [post(client, "/chat/w/soporte/start", {"name": f"Cliente {n}"}) for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert int(answers[-1]["Retry-After"]) >= 1
    assert ChatSession.objects.count() == 2
    other = post(client, "/chat/w/soporte/start", {"name": "Otra"}, REMOTE_ADDR="198.51.100.20")
    assert other.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_screenshot_goes_into_the_chat_through_the_upload_checks(client, widget, lucia, media):
    started = post(client, "/chat/w/soporte/start", {"name": "Carmen"}).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {started['token']}", "HTTP_ORIGIN": SITE}
    sent = client.post("/chat/w/soporte/attachment", {"file": SimpleUploadedFile("captura.png", PNG)}, **auth)
    assert sent.status_code == 200, sent.content
    assert sent.json()["files"] == ["captura.png"]
    message = Message.objects.get(pk=sent.json()["seq"])
    assert message.direction == "in" and message.attachments.get().content_type == "image/png"
    files_before = len(stored_files(media))
    refused = client.post("/chat/w/soporte/attachment", {"file": SimpleUploadedFile("captura.png", EXE)}, **auth)
    assert refused.status_code == 415
    assert len(stored_files(media)) == files_before
    no_token = client.post("/chat/w/soporte/attachment", {"file": SimpleUploadedFile("a.png", PNG)},
                           HTTP_ORIGIN=SITE)
    assert no_token.status_code == 404 and no_token.json()["error"]["code"] == "unknown_chat"
