"""A chat linked to an existing work order (CH-VIR: "a chat belongs to a work order, created or linked")."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from atiende.chat import selectors, services
from atiende.chat.models import ChatSession
from atiende.desk.intake import customer_for_email, open_written_request
from atiende.desk.messages import post_message
from atiende.desk.models import Channel, Message, Phase, WorkOrder
from atiende.errors import InputError
from atiende.people.models import Team

pytestmark = pytest.mark.django_db


def _open():
    return services.open_chat(widget_key="soporte", name="Ana Pérez", email="ana@example.com",
                              message="Sigo sin poder imprimir", origin="https://cliente.example")


def _existing(team=None, title="La impresora no imprime"):
    customer, _new = customer_for_email(email="ana@example.com", name="Ana Pérez", language="es")
    work_order = open_written_request(customer=customer, title=title, problem_story="No imprime",
                                      channel=Channel.EMAIL)
    post_message(work_order=work_order, body="Os escribí ayer", visibility="public", channel=Channel.EMAIL,
                 direction="in", author_name="Ana Pérez", author_email="ana@example.com")
    WorkOrder.objects.filter(pk=work_order.pk).update(team=team)  # none: the common pool everyone sees
    return WorkOrder.objects.get(pk=work_order.pk)


def test_a_linked_chat_moves_its_lines_and_later_ones_to_the_work_order(widget, lucia):
    existing = _existing()
    opened = _open()
    own = opened.session.work_order
    session = services.accept_chat(user=lucia, chat_id=opened.session.pk)
    reply = services.technician_writes(user=lucia, chat_id=session.pk, body="Buenos días, Ana.")
    stale = ChatSession.objects.get(pk=session.pk)  # what the customer's socket holds since it joined

    linked = services.link_work_order(user=lucia, chat_id=session.pk, work_order=f"#{existing.number}")

    assert linked.work_order == existing
    # The chat's own work order held nothing else: it is gone, no request nobody made waits in the queues.
    assert not WorkOrder.objects.filter(pk=own.pk).exists()
    # The customer's next line lands on the linked work order, even from a session read before the link.
    later = services.customer_writes(session=stale, body="Es una HP")
    assert later.work_order_id == existing.pk
    assert services.customer_reads(session=stale, up_to=reply.pk) == reply.pk
    bodies = [m.body for m in Message.objects.filter(work_order=existing).order_by("created_at", "id")]
    assert bodies == ["Os escribí ayer", "Sigo sin poder imprimir", "Buenos días, Ana.", "Es una HP"]
    # The customer sees the chat's lines, not the earlier email of the work order (it began before the chat).
    assert [m.body for m in selectors.customer_messages(linked)] == ["Sigo sin poder imprimir", "Buenos días, Ana.",
                                                                    "Es una HP"]
    assert existing.events.filter(kind="chat_linked").exists()
    assert selectors.chat_view(ChatSession.objects.get(pk=session.pk))["work_order"] == existing.number


def test_bad_numbers_other_teams_closed_and_same_work_order_are_clear_errors(widget, lucia, jorge):
    opened = _open()
    holder = ChatSession.objects.get(pk=opened.session.pk).contact.offered_to
    session = services.accept_chat(user=holder, chat_id=opened.session.pk)
    for bad in ("abc", "", None, "12345678901", True):
        with pytest.raises(InputError) as error:
            services.link_work_order(user=holder, chat_id=session.pk, work_order=bad)
        assert error.value.code == "invalid_work_order" and error.value.status == 400
    with pytest.raises(InputError) as missing:
        services.link_work_order(user=holder, chat_id=session.pk, work_order=999999)
    assert missing.value.code == "unknown_work_order" and missing.value.status == 404
    # ET-4: another team's work order is as missing as one that does not exist.
    hidden = _existing(team=Team.objects.create(name="Redes"))
    with pytest.raises(InputError) as other_team:
        services.link_work_order(user=holder, chat_id=session.pk, work_order=hidden.number)
    assert other_team.value.code == "unknown_work_order" and other_team.value.rule == "ET-4"
    closed = _existing(title="Cerrada")
    WorkOrder.objects.filter(pk=closed.pk).update(phase=Phase.CLOSURE)
    with pytest.raises(InputError) as shut:
        services.link_work_order(user=holder, chat_id=session.pk, work_order=closed.number)
    assert shut.value.code == "work_order_closed" and shut.value.rule == "SP-1"
    with pytest.raises(InputError) as same:
        services.link_work_order(user=holder, chat_id=session.pk, work_order=session.work_order.number)
    assert same.value.code == "already_linked"
    # Nothing moved on any refusal.
    assert ChatSession.objects.get(pk=session.pk).work_order_id == opened.session.work_order_id
    # Only who is on the chat links it.
    other = jorge if holder != jorge else lucia
    with pytest.raises(InputError):
        services.link_work_order(user=other, chat_id=session.pk, work_order=_existing(title="Otra").number)


def test_a_chat_work_order_someone_worked_on_is_kept_with_a_line_of_history(widget, lucia):
    existing = _existing()
    opened = _open()
    own = opened.session.work_order
    session = services.accept_chat(user=lucia, chat_id=opened.session.pk)
    post_message(work_order=own, body="Llamó también por teléfono", visibility="internal", channel=Channel.PHONE,
                 direction="out", author=lucia)
    services.link_work_order(user=lucia, chat_id=session.pk, work_order=existing.number)
    kept = WorkOrder.objects.get(pk=own.pk)
    assert [m.body for m in kept.messages.all()] == ["Llamó también por teléfono"]
    assert kept.events.filter(kind="chat_linked").exists()


def test_the_api_links_a_chat_and_refuses_a_bad_number_clearly(widget, lucia):
    existing = _existing()
    opened = _open()
    services.accept_chat(user=lucia, chat_id=opened.session.pk)
    api = Client()
    api.force_login(lucia)
    path = f"/api/v1/chats/{opened.session.pk}/work-order"
    refused = api.post(path, data=json.dumps({"work_order": 987654}), content_type="application/json")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_work_order"
    done = api.post(path, data=json.dumps({"work_order": existing.number}), content_type="application/json")
    assert done.status_code == 200 and done.json()["work_order"] == existing.number


def _someone_else():
    customer, _new = customer_for_email(email="roberto@example.com", name="Roberto Díaz", language="es")
    return open_written_request(customer=customer, title="Sin correo", problem_story="No me llega el correo",
                                channel=Channel.EMAIL)


def test_another_customers_work_order_is_refused_and_nothing_moves(widget, lucia):
    """ET-4: the chat's lines would show in that customer's portal."""
    theirs = _someone_else()
    opened = _open()
    own = opened.session.work_order
    session = services.accept_chat(user=lucia, chat_id=opened.session.pk)
    for confirm in (False, True):  # a customer known by their email is never swapped for another
        with pytest.raises(InputError) as refused:
            services.link_work_order(user=lucia, chat_id=session.pk, work_order=theirs.number,
                                     confirm_customer=confirm)
        assert (refused.value.code, refused.value.status, refused.value.rule) == ("other_customer", 409, "ET-4")
        assert "Roberto Díaz" in str(refused.value.message)
    assert ChatSession.objects.get(pk=session.pk).work_order_id == own.pk
    assert not Message.objects.filter(work_order=theirs).exists()
    assert not theirs.events.filter(kind="chat_linked").exists()


def test_a_chat_without_email_takes_the_work_orders_customer_only_when_the_technician_confirms(widget, lucia):
    theirs = _someone_else()
    opened = services.open_chat(widget_key="soporte", name="Roberto", email="", message="Sigo sin correo",
                                origin="https://cliente.example")
    session = services.accept_chat(user=lucia, chat_id=opened.session.pk)
    assert session.customer_id != theirs.customer_id
    with pytest.raises(InputError) as unconfirmed:
        services.link_work_order(user=lucia, chat_id=session.pk, work_order=theirs.number)
    assert (unconfirmed.value.code, unconfirmed.value.status, unconfirmed.value.rule) == ("confirm_customer", 409,
                                                                                          "ET-4")
    linked = services.link_work_order(user=lucia, chat_id=session.pk, work_order=theirs.number, confirm_customer=True)
    assert linked.work_order_id == theirs.pk and linked.customer_id == theirs.customer_id
    assert linked.contact.customer_id == theirs.customer_id
    assert [m.body for m in Message.objects.filter(work_order=theirs)] == ["Sigo sin correo"]
    assert theirs.events.filter(kind="chat_customer_confirmed").exists()


def test_the_linked_work_orders_first_response_clock_counts_the_chats_reply(widget, lucia,
                                                                          django_capture_on_commit_callbacks):
    from atiende.sla.models import WorkOrderSla

    existing = _existing()
    assert WorkOrderSla.objects.get(work_order=existing).first_response_at is None
    opened = _open()
    session = services.accept_chat(user=lucia, chat_id=opened.session.pk)
    reply = services.technician_writes(user=lucia, chat_id=session.pk, body="Buenos días, Ana.")
    with django_capture_on_commit_callbacks(execute=True):
        services.link_work_order(user=lucia, chat_id=session.pk, work_order=existing.number)
    clocks = WorkOrderSla.objects.get(work_order=existing)
    assert clocks.first_response_at == Message.objects.get(pk=reply.pk).created_at


def test_the_api_and_the_card_refuse_another_customers_work_order(widget, lucia):
    theirs = _someone_else()
    opened = _open()
    services.accept_chat(user=lucia, chat_id=opened.session.pk)
    web = Client()
    web.force_login(lucia)
    refused = web.post(f"/api/v1/chats/{opened.session.pk}/work-order",
                       data=json.dumps({"work_order": theirs.number, "confirm_customer": True}),
                       content_type="application/json")
    assert refused.status_code == 409
    assert (refused.json()["error"]["code"], refused.json()["error"]["rule"]) == ("other_customer", "ET-4")
    from django.urls import reverse

    card = web.post(reverse("consoles:chat_action", args=[opened.session.pk]),
                    {"do": "link", "work_order": str(theirs.number)}, HTTP_HX_REQUEST="true")
    assert card.status_code == 409 and card["Content-Type"].startswith("text/html")
    assert "Roberto Díaz" in card.content.decode() and "ET-4" in card.content.decode()
    assert ChatSession.objects.get(pk=opened.session.pk).work_order_id != theirs.pk


def test_the_card_links_a_chat_without_email_once_the_technician_confirms(widget, lucia):
    theirs = _someone_else()
    opened = services.open_chat(widget_key="soporte", name="Roberto", email="", message="Sigo sin correo",
                                origin="https://cliente.example")
    services.accept_chat(user=lucia, chat_id=opened.session.pk)
    web = Client()
    web.force_login(lucia)
    from django.urls import reverse

    path = reverse("consoles:chat_action", args=[opened.session.pk])
    thread = web.get(reverse("consoles:chat_thread", args=[opened.session.pk]), HTTP_HX_REQUEST="true")
    assert 'name="confirm_customer"' in thread.content.decode()
    asked = web.post(path, {"do": "link", "work_order": str(theirs.number)}, HTTP_HX_REQUEST="true")
    assert asked.status_code == 409 and "confirme que quien escribe es Roberto Díaz" in asked.content.decode()
    done = web.post(path, {"do": "link", "work_order": str(theirs.number), "confirm_customer": "on"},
                    HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert ChatSession.objects.get(pk=opened.session.pk).customer_id == theirs.customer_id
