"""Live chats in the console's «Chats» card (issue 17, the technician's side), without a browser: an offered chat
is accepted from the card, the customer's words give their traits and strategy card, a reply with findings is
held back once and sent anyway (the findings kept with the message), an internal note never reaches the
customer, a transfer asks the customer first (TR-3), the chat ends into wrap-up; another technician's chat is a
404 (ET-4)."""

from __future__ import annotations

import pytest

from atiende.chat import selectors, services
from atiende.chat.models import ChatSession, ChatWidget
from atiende.contact.models import ContactState
from atiende.contact.services import availability
from atiende.desk.models import Message
from tests.consoles.conftest import signed_in

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def chat(center) -> ChatSession:
    from atiende.contact.models import Queue

    ChatWidget.objects.create(key="soporte", name="Soporte", queue=Queue.objects.get(name="soporte"),
                              allowed_origins=["https://cliente.example"])
    availability.make_available(user=center.lucia)
    opened = services.open_chat(widget_key="soporte", name="Ana Pérez", email="ana@example.com",
                                message="¡Llevo tres días sin impresora y nadie me hace caso! Es una vergüenza.",
                                origin="https://cliente.example")
    return opened.session


def test_an_offered_chat_is_listed_accepted_and_answered_from_the_console(center, chat):
    client = signed_in(center.lucia)
    page = client.get("/consola/").content.decode()
    assert f'data-chat="{chat.pk}"' in page and "Ana Pérez" in page
    thread = client.get(f"/consola/chats/{chat.pk}/", headers=HX).content.decode()
    assert 'data-action="accept"' in thread and 'id="composer-body"' not in thread  # accept before writing
    assert 'data-trait="CT-ENF"' in thread  # the customer's traits from their first words
    accepted = client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "accept"}, headers=HX).content.decode()
    assert 'id="composer-body"' in accepted and 'data-action="end"' in accepted
    held = client.post(f"/consola/chats/{chat.pk}/enviar/", {"body": "TRANQUILA, ESO NO ES NADA"},
                       headers=HX).content.decode()
    assert "Enviar de todos modos" in held and 'data-rule="DN-1"' in held
    assert not Message.objects.filter(body__startswith="TRANQUILA").exists()
    client.post(f"/consola/chats/{chat.pk}/enviar/", {"body": "TRANQUILA, ESO NO ES NADA", "action": "send_anyway"},
                headers=HX)
    sent = Message.objects.get(body="TRANQUILA, ESO NO ES NADA")
    assert {f["rule"] for f in sent.checked_findings} >= {"NT-6", "DN-1"}  # recorded with the message
    note = client.post(f"/consola/chats/{chat.pk}/enviar/", {"body": "OJO: cliente muy molesta",
                                                              "visibility": "internal"}, headers=HX).content.decode()
    assert "OJO: cliente muy molesta" in note and "Nota interna" in note
    session = ChatSession.objects.get(pk=chat.pk)
    shown = [m.body for m in selectors.customer_messages(session)]
    assert "TRANQUILA, ESO NO ES NADA" in shown and "OJO: cliente muy molesta" not in shown
    fine = client.post(f"/consola/chats/{chat.pk}/enviar/", {"body": "Entiendo su enfado; vamos a resolverlo."},
                       headers=HX).content.decode()
    assert "Entiendo su enfado; vamos a resolverlo." in fine and "Enviar de todos modos" not in fine


def test_a_transfer_asks_the_customer_and_the_chat_ends_into_wrap_up(center, chat):
    client = signed_in(center.lucia)
    client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "accept"}, headers=HX)
    asked = client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "transfer", "purpose": "Es de facturación",
                                                              "queue": "soporte"}, headers=HX)
    assert asked.status_code == 200
    assert ChatSession.objects.get(pk=chat.pk).contact.state == ContactState.TALKING  # nothing moves before a yes
    refused = client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "transfer", "purpose": ""}, headers=HX)
    assert refused.status_code >= 400 and 'role="alert"' in refused.content.decode()
    ended = client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "end"}, headers=HX).content.decode()
    assert ChatSession.objects.get(pk=chat.pk).contact.state == ContactState.WRAP_UP
    assert 'data-action="wrap_up"' in ended and 'id="composer-body"' not in ended
    client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "wrap_up"}, headers=HX)
    assert ChatSession.objects.get(pk=chat.pk).contact.state == ContactState.ENDED
    assert client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "bogus"}, headers=HX).status_code in (400, 404)


def test_another_technicians_chat_is_not_found_and_bad_input_is_said(center, chat):
    assert signed_in(center.jorge).get(f"/consola/chats/{chat.pk}/", headers=HX).status_code == 404
    assert signed_in(center.jorge).post(f"/consola/chats/{chat.pk}/enviar/", {"body": "Hola"},
                                        headers=HX).status_code == 404
    client = signed_in(center.lucia)
    early = client.post(f"/consola/chats/{chat.pk}/enviar/", {"body": "Hola", "action": "send_anyway"}, headers=HX)
    assert early.status_code == 409 and "CH-VIR" in early.content.decode()  # accept before writing
    client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "accept"}, headers=HX)
    assert "Escriba algo para enviar" in client.post(f"/consola/chats/{chat.pk}/enviar/", {"body": " "},
                                                     headers=HX).content.decode()
    assert client.post(f"/consola/chats/{chat.pk}/enviar/", {"body": "x" * 2001}, headers=HX).status_code == 400
    without_js = client.post(f"/consola/chats/{chat.pk}/enviar/", {"body": "Buenos días, Ana.",
                                                                    "action": "send_anyway"})
    assert without_js.status_code == 302 and without_js.url == f"/consola/?chat={chat.pk}#chats"
    assert "Buenos días, Ana." in client.get(without_js.url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_customers_message_reaches_the_consoles_on_the_chat_as_which_chat_changed_never_its_text(center, chat):
    """The console of the technician the chat is offered to hears which chat changed; another technician's
    console hears nothing of it (issue 17: not every console for every line)."""
    from asgiref.sync import async_to_sync, sync_to_async

    from atiende.consoles.consumers import ConsoleConsumer
    from tests.websocket import connect

    async def scenario():
        consoles = []
        for user in (center.lucia, center.jorge):
            console, ok = await connect(ConsoleConsumer.as_asgi(), "/ws/consolas/", user)
            assert ok and (await console.receive_json_from())["type"] == "hello"
            consoles.append(console)
        lucia, jorge = consoles
        session = await sync_to_async(ChatSession.objects.get)(pk=chat.pk)
        await sync_to_async(services.customer_writes)(session=session, body="Mi contraseña es Secreta-123")
        heard = await lucia.receive_json_from()
        while heard["type"] != "chat.update":
            heard = await lucia.receive_json_from()
        assert heard == {"type": "chat.update", "chat": chat.pk, "contact": chat.contact_id, "kind": "message"}
        while not await jorge.receive_nothing(0.3):
            assert (await jorge.receive_json_from())["type"] != "chat.update"
        for console in consoles:
            await console.send_input({"type": "websocket.disconnect", "code": 1000})
            await console.wait(1)

    async_to_sync(scenario)()


def test_the_card_links_the_chat_to_an_existing_work_order_and_says_a_bad_number(center, chat):
    from atiende.desk.models import WorkOrder

    client = signed_in(center.lucia)
    accepted = client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "accept"}, headers=HX).content.decode()
    assert 'name="work_order"' in accepted  # the link form, for the technician on the chat
    from atiende.desk.intake import open_written_request

    # ET-4: a chat is linked only to its own customer's work orders.
    existing = open_written_request(customer=chat.customer, title="Impresora", problem_story="No imprime")
    WorkOrder.objects.filter(pk=existing.pk).update(team=None)
    bad = client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "link", "work_order": "12x"}, headers=HX)
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()
    missing = client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "link", "work_order": "99999"}, headers=HX)
    assert missing.status_code == 404 and "99999" in missing.content.decode()
    linked = client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "link", "work_order": str(existing.number)},
                         headers=HX)
    from django.urls import reverse

    where = reverse("desk:work_order_detail", args=[existing.number])
    assert linked.status_code == 200 and f'href="{where}"' in linked.content.decode()
    assert ChatSession.objects.get(pk=chat.pk).work_order_id == existing.pk


def test_a_canned_answer_inserted_in_a_live_chat_counts_as_used(center, chat):
    from atiende.knowledge.canned import create_canned_answer
    from atiende.knowledge.models import CannedAnswer

    answer = create_canned_answer(actor=center.lucia, title="Reiniciar la impresora",
                                  body="Apague la impresora, espere diez segundos y enciéndala.")
    client = signed_in(center.lucia)
    thread = client.post(f"/consola/chats/{chat.pk}/accion/", {"do": "accept"}, headers=HX).content.decode()
    assert f'name="chat" value="{chat.pk}"' in thread  # the canned search says which chat it inserts into
    listed = client.get("/consola/redactor/respuestas/", {"q": "impresora", "chat": chat.pk}).content.decode()
    used_url = f"/consola/chats/{chat.pk}/respuestas/{answer.pk}/usada/"
    assert f'hx-post="{used_url}"' in listed and "data-canned-insert" in listed
    assert client.post(used_url, headers=HX).status_code == 204
    assert CannedAnswer.objects.get(pk=answer.pk).times_used == 1  # the counter the work order's composer moves
    # A practice chat (no chat id) inserts without counting; another technician's chat is a 404 and counts nothing.
    assert "hx-post" not in client.get("/consola/redactor/respuestas/", {"q": "impresora"}).content.decode()
    assert signed_in(center.jorge).post(used_url, headers=HX).status_code == 404
    assert client.post(f"/consola/chats/{chat.pk}/respuestas/999999/usada/", headers=HX).status_code == 404
    assert CannedAnswer.objects.get(pk=answer.pk).times_used == 1
