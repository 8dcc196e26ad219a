"""GET|POST /api/v1/work-orders/{number}/messages: the SPEC's contract, scoping and refusals."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.desk.messages import post_message
from atiende.desk.models import Message
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from tests.attachments import PNG
from tests.desk.conftest import bearer, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
KEYS = {"id", "author", "direction", "channel", "visibility", "body", "created_at", "attachments"}


@pytest.fixture
def portal(admin, team, tech):
    owner = make_user("carmen", "cliente")
    carmen = create_customer(actor=admin, name="Carmen Ruiz", user=owner,
                             contact_points=[("email", "carmen@example.es")])
    return {"owner": owner, "wo": create_work_order(actor=tech, customer=carmen, title="No imprime",
                                                    team=team)}


def url(wo) -> str:
    return f"/api/v1/work-orders/{wo.number}/messages"


def send(client, user, wo, **body):
    return client.post(url(wo), body, content_type="application/json", headers=bearer(user))


def test_staff_reply_and_note_then_the_customer_sees_only_the_reply(client, portal, tech):
    wo, owner = portal["wo"], portal["owner"]
    response = send(client, tech, wo, body="Buenos días, Doña Carmen. Saludos.", visibility="public")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == KEYS and data["direction"] == "out" and data["channel"] == "email"
    assert data["author"] == {"id": tech.pk, "name": "lucia"} and data["attachments"] == []
    assert send(client, tech, wo, body="Nota interna", visibility="internal").status_code == 201
    assert [m["visibility"] for m in client.get(url(wo), headers=bearer(tech)).json()] == ["public", "internal"]
    assert [m["body"] for m in client.get(url(wo), headers=bearer(owner)).json()] == [
        "Buenos días, Doña Carmen. Saludos."]


def test_the_customer_replies_with_a_file_they_uploaded(client, portal):
    wo, owner = portal["wo"], portal["owner"]
    upload = client.post(f"/api/v1/work-orders/{wo.number}/attachments",
                         {"file": SimpleUploadedFile("captura.png", PNG, content_type="image/png")},
                         headers=bearer(owner))
    file_id = upload.json()["id"]
    response = send(client, owner, wo, body="Adjunto la captura.", attachments=[file_id])
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["direction"] == "in" and data["channel"] == "portal" and data["visibility"] == "public"
    assert [a["id"] for a in data["attachments"]] == [file_id]
    # The same file cannot be put on a second message.
    assert send(client, owner, wo, body="otra vez", attachments=[file_id]).status_code == 404


def test_a_customer_asking_for_an_internal_note_gets_403(client, portal):
    response = send(client, portal["owner"], portal["wo"], body="hola", visibility="internal")
    assert response.status_code == 403 and response.json()["error"]["rule"] == "ET-4"


def test_another_team_and_strangers_get_404_and_no_idor_through_file_ids(client, portal, tech, other_tech, team):
    wo = portal["wo"]
    assert client.get(url(wo), headers=bearer(other_tech)).status_code == 404
    assert send(client, other_tech, wo, body="hola").status_code == 404
    other = create_work_order(actor=tech, customer=wo.customer, title="Otra", team=team)
    post_message(work_order=other, author=tech, body="nota", visibility="internal", channel="portal",
                 direction="out", attachments=[("interno.png", PNG)])
    foreign_file = other.attachments.get().pk
    # A file of another work order is not found through this one.
    assert send(client, tech, wo, body="hola", attachments=[foreign_file]).status_code == 404
    # An internal file is not found by the customer even on their own work order.
    assert send(client, portal["owner"], other, body="hola", attachments=[foreign_file]).status_code == 404
    assert Message.objects.count() == 1


@pytest.mark.parametrize("body, status, code", [
    ({}, 422, None), ({"body": 5}, 422, None), ({"body": "hola", "visibility": "secreta"}, 422, None),
    ({"body": ""}, 400, "required"), ({"body": "a\x00b"}, 400, None), ({"body": "a\x07b"}, 400, "control_characters"),
])
def test_bad_bodies_get_a_clear_4xx_in_the_one_error_format(client, portal, tech, body, status, code):
    response = send(client, tech, portal["wo"], **body)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "rule"}
    if code:
        assert error["code"] == code


def test_a_closed_work_order_refuses_staff_messages_with_the_rule(client, portal, tech):
    from tests.desk.conftest import close

    close(tech, portal["wo"])
    response = send(client, tech, portal["wo"], body="hola")
    assert response.status_code == 409 and response.json()["error"]["rule"] == "SP-1"


def test_a_customer_password_posted_on_a_closed_work_order_reopens_it_and_is_vaulted(client, portal, tech):
    from atiende.desk.models import WorkOrder
    from atiende.privacy.models import VaultSecret
    from tests.desk.conftest import close

    close(tech, portal["wo"])
    response = send(client, portal["owner"], portal["wo"], body="Otra vez. La contraseña es Perro2024")
    assert response.status_code == 201, response.content
    assert "Perro2024" not in response.json()["body"]
    assert WorkOrder.objects.get(pk=portal["wo"].pk).phase == "satisfaccion"
    assert VaultSecret.objects.filter(work_order=portal["wo"], kind="password").count() == 1


def test_internal_notes_are_in_no_export_and_no_customer_listing(client, portal, tech):
    post_message(work_order=portal["wo"], author=tech, body="NOTA-SECRETA del equipo", visibility="internal",
                 channel="portal", direction="out")
    owner = portal["owner"]
    for path in ("/api/v1/exports/work-orders?format=json", "/api/v1/exports/customers?format=json",
                 url(portal["wo"]), f"/api/v1/work-orders/{portal['wo'].number}",
                 f"/api/v1/work-orders/{portal['wo'].number}/attachments"):
        response = client.get(path, headers=bearer(owner))
        assert response.status_code == 200, path
        assert "NOTA-SECRETA" not in response.content.decode(), path
