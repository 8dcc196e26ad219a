"""The chat's live channel: the customer's widget socket and the technician's, over the real consumers.

Every message a side writes reaches the other once and in order with the number the database gave it;
a reconnect gets what was missed; an internal note never reaches the customer; bad input, a wrong
token, a wrong origin and a flood get clear errors, and nothing is stored for them.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync

from atiende.chat import guards, services
from atiende.chat.core import FRAME_LIMIT, TEXT_LIMIT
from atiende.desk.models import Message
from tests.chat.sockets import (
    closed_with,
    customer_socket,
    frames_until,
    join,
    run,
    send,
    technician_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chat(widget, lucia):
    """A chat Lucía took: (session id, the customer's token)."""
    opened = services.open_chat(widget_key="soporte", name="Carmen Ruiz", email="carmen@example.com",
                                origin="https://cliente.example")
    services.accept_chat(user=lucia, chat_id=opened.session.pk)
    return opened.session.pk, opened.token


async def both_sides(token: str, user, chat_id: int):
    """The customer's widget socket joined, and ``user``'s console socket subscribed to the chat."""
    customer, _joined = await join(token)
    console = await technician_socket(user)
    await send(console, {"type": "subscribe", "chat": chat_id})
    assert (await console.receive_json_from())["type"] == "joined"
    return customer, console


def stored(chat_id: int) -> list[tuple[str, str]]:
    from atiende.chat.models import ChatSession

    session = ChatSession.objects.get(pk=chat_id)
    return [(m.visibility, m.body) for m in Message.objects.filter(work_order=session.work_order).order_by("id")]


def test_a_customer_message_reaches_the_technician_and_the_answer_comes_back(chat, lucia):
    chat_id, token = chat

    async def scenario():
        customer, joined = await join(token)
        assert joined["chat"]["state"] == "active"
        assert joined["chat"]["technician"]
        console = await technician_socket(lucia)
        await send(console, {"type": "subscribe", "chat": chat_id})
        assert (await console.receive_json_from())["type"] == "joined"

        await send(customer, {"type": "message", "client_id": "c1", "text": "No me arranca el portátil"})
        ack = await customer.receive_json_from()
        assert ack["type"] == "ack" and ack["client_id"] == "c1"
        echoed = await customer.receive_json_from()  # the widget's own message, as stored
        assert (echoed["type"], echoed["seq"], echoed["author"]) == ("message", ack["seq"], "customer")
        got = await console.receive_json_from()
        assert (got["type"], got["seq"], got["text"], got["author"]) == (
            "message", ack["seq"], "No me arranca el portátil", "customer")

        await send(console, {"type": "message", "chat": chat_id, "client_id": "t1", "text": "Entiendo. ¿Enciende alguna luz?"})
        reply_ack = await console.receive_json_from()
        assert reply_ack["type"] == "ack" and reply_ack["seq"] > ack["seq"]
        reply = await customer.receive_json_from()
        assert (reply["type"], reply["seq"], reply["author"]) == ("message", reply_ack["seq"], "technician")
        assert reply["text"] == "Entiendo. ¿Enciende alguna luz?"
        assert "visibility" not in reply and "author_id" not in reply
        await customer.close()
        await console.close()

    async_to_sync(scenario)()


def test_an_internal_note_never_reaches_the_customer_live_or_on_reconnect(chat, lucia):
    chat_id, token = chat

    async def scenario():
        customer, console = await both_sides(token, lucia, chat_id)
        await send(console, {"type": "message", "chat": chat_id, "client_id": "n1", "visibility": "internal",
                             "text": "Cliente CT-ENF: nivel básico"})
        note = await frames_until(console, "message")
        assert note[-1]["visibility"] == "internal"
        await send(console, {"type": "message", "chat": chat_id, "client_id": "p1", "text": "Le ayudo ahora mismo."})
        public = await frames_until(customer, "message")
        assert [f["text"] for f in public if f["type"] == "message"] == ["Le ayudo ahora mismo."]
        await customer.close()
        again, _joined = await join(token, last_seq=0)
        replayed = [await again.receive_json_from()]
        assert [f["text"] for f in replayed] == ["Le ayudo ahora mismo."]
        assert await again.receive_nothing(timeout=0.3)
        await again.close()
        await console.close()

    async_to_sync(scenario)()
    assert ("internal", "Cliente CT-ENF: nivel básico") in stored(chat_id)


def test_a_reconnect_gets_what_was_missed_in_order_and_a_resent_message_is_stored_once(chat, lucia):
    chat_id, token = chat

    async def scenario():
        customer, _joined = await join(token)
        await send(customer, {"type": "message", "client_id": "c1", "text": "uno"})
        first = (await customer.receive_json_from())["seq"]
        await customer.receive_json_from()  # its echo
        await customer.close()
        for n, text in enumerate(["dos", "tres", "cuatro"]):
            await run(services.technician_writes, user=lucia, chat_id=chat_id, body=text, client_id=f"t{n}")
        back, joined = await join(token, last_seq=first)
        missed = [await back.receive_json_from() for _ in range(3)]
        assert [m["text"] for m in missed] == ["dos", "tres", "cuatro"]
        assert [m["seq"] for m in missed] == sorted(m["seq"] for m in missed)
        # The widget never saw the receipt of "cinco": it sends it again with the same id after the rejoin.
        await send(back, {"type": "message", "client_id": "c5", "text": "cinco"})
        ack = await back.receive_json_from()
        await send(back, {"type": "message", "client_id": "c5", "text": "cinco"})
        frames = await frames_until(back, "ack")
        assert frames[-1]["seq"] == ack["seq"]
        await back.close()

    async_to_sync(scenario)()
    assert [body for _v, body in stored(chat_id)].count("cinco") == 1


def test_typing_and_read_marks_go_both_ways(chat, lucia):
    chat_id, token = chat

    async def scenario():
        customer, console = await both_sides(token, lucia, chat_id)
        await send(customer, {"type": "typing", "active": True})
        typing = await console.receive_json_from()
        assert (typing["type"], typing["side"], typing["name"]) == ("typing", "customer", "Carmen Ruiz")
        await send(console, {"type": "typing", "chat": chat_id, "active": True})
        shown = await customer.receive_json_from()
        assert shown["type"] == "typing" and shown["active"] is True and shown["name"]
        await send(console, {"type": "message", "chat": chat_id, "client_id": "t1", "text": "Hola, Carmen."})
        seq = (await console.receive_json_from())["seq"]
        await frames_until(customer, "message")
        await send(customer, {"type": "read", "seq": seq})
        read = await frames_until(console, "read")
        assert (read[-1]["side"], read[-1]["seq"]) == ("customer", seq)
        await send(customer, {"type": "message", "client_id": "c1", "text": "Gracias"})
        mine = (await customer.receive_json_from())["seq"]
        await send(console, {"type": "read", "chat": chat_id, "seq": mine})
        seen = await frames_until(customer, "read")
        assert seen[-1]["seq"] == mine
        await customer.close()
        await console.close()

    async_to_sync(scenario)()


def test_a_wrong_token_a_wrong_origin_and_no_join_are_refused(chat):
    _chat_id, token = chat

    async def scenario():
        socket, accepted = await customer_socket()
        assert accepted
        await send(socket, {"type": "message", "client_id": "c1", "text": "hola"})
        assert (await socket.receive_json_from())["error"]["code"] == "join_first"
        await send(socket, {"type": "join", "token": "x" * 43})
        refused = await socket.receive_json_from()
        assert refused["error"]["code"] == "unknown_chat"
        assert await closed_with(socket) == 4401

        other, accepted = await customer_socket(origin="https://atacante.example")
        await send(other, {"type": "join", "token": token})
        refused = await other.receive_json_from()
        assert refused["error"]["code"] == "origin_not_allowed"
        assert await closed_with(other) == 4403

    async_to_sync(scenario)()


def test_oversize_and_malformed_frames_get_clear_errors_and_store_nothing(chat):
    chat_id, token = chat
    before = stored(chat_id)

    async def scenario():
        customer, _joined = await join(token)
        cases = [("not json", "bad_frame"),
                 (json.dumps({"type": "message", "client_id": "a", "text": "x" * (TEXT_LIMIT + 1)}), "text_too_long"),
                 (json.dumps({"type": "ping", "pad": "x" * FRAME_LIMIT}), "frame_too_large"),
                 (json.dumps({"type": "message", "client_id": "a", "text": "   "}), "empty_text"),
                 (json.dumps({"type": "read", "seq": 10**12}), "unknown_message")]
        for data, code in cases:
            await send(customer, data)
            error = await customer.receive_json_from()
            assert error["type"] == "error" and error["error"]["code"] == code, (code, error)
            assert error["error"]["message"]
        await customer.close()

    async_to_sync(scenario)()
    assert stored(chat_id) == before


def test_a_flood_is_rate_limited_with_the_time_to_wait(chat, monkeypatch):
    chat_id, token = chat
    monkeypatch.setenv("ATIENDE_CHAT_MESSAGES", "3/6")
    guards.LIMITS.reset()

    async def scenario():
        customer, _joined = await join(token)
        codes = []
        for n in range(6):
            await send(customer, {"type": "message", "client_id": f"f{n}", "text": f"mensaje {n}"})
            frames = await frames_until(customer, "ack" if n < 3 else "error")
            codes.append(frames[-1].get("error", {}).get("code", frames[-1]["type"]))
        assert codes == ["ack", "ack", "ack", "rate_limited", "rate_limited", "rate_limited"]
        await customer.close()

    async_to_sync(scenario)()
    assert len([b for _v, b in stored(chat_id) if b.startswith("mensaje")]) == 3


def test_too_many_sockets_from_one_address_are_closed(chat, monkeypatch):
    monkeypatch.setenv("ATIENDE_CHAT_SOCKETS", "2/0")
    guards.LIMITS.reset()

    async def scenario():
        sockets = []
        for _n in range(2):
            socket, accepted = await customer_socket(address="198.51.100.9")
            assert accepted
            sockets.append(socket)
        third, _accepted = await customer_socket(address="198.51.100.9")
        assert (await third.receive_json_from())["error"]["code"] == "rate_limited"
        assert await closed_with(third) == 4429
        elsewhere, accepted = await customer_socket(address="198.51.100.10")
        assert accepted
        for socket in [*sockets, elsewhere]:
            await socket.close()

    async_to_sync(scenario)()


def test_a_technician_cannot_subscribe_to_a_chat_that_is_not_theirs_nor_write_unsubscribed(chat, jorge):
    chat_id, _token = chat

    async def scenario():
        console = await technician_socket(jorge)
        await send(console, {"type": "message", "chat": chat_id, "client_id": "x", "text": "hola"})
        assert (await console.receive_json_from())["error"]["code"] == "subscribe_first"
        await send(console, {"type": "subscribe", "chat": chat_id})
        assert (await console.receive_json_from())["error"]["code"] == "unknown_chat"
        await console.close()

    async_to_sync(scenario)()


def test_a_customer_account_or_nobody_cannot_open_the_technician_socket(chat):
    from atiende.chat.consumers import TechnicianChatConsumer
    from tests.websocket import connect

    async def scenario():
        _socket, accepted = await connect(TechnicianChatConsumer.as_asgi(), "/ws/chat/tecnico/", None)
        assert not accepted

    async_to_sync(scenario)()


def test_the_contact_centers_socket_hears_that_a_chat_changed_without_its_words(chat, lucia):
    """/ws/contacts/ (the socket for other clients) gets chat.* notices for the technician's chats: ids only."""
    from atiende.contact.consumers import ContactConsumer
    from tests.websocket import open_socket

    chat_id, token = chat

    async def scenario():
        contacts = await open_socket(ContactConsumer.as_asgi(), "/ws/contacts/", lucia)
        customer, _joined = await join(token)
        await send(customer, {"type": "message", "client_id": "c1", "text": "La impresora hace un ruido raro"})
        notice = await frames_until(contacts, "chat.message")
        assert notice[-1] == {"type": "chat.message", "chat": chat_id, "contact": notice[-1]["contact"]}
        assert "impresora" not in json.dumps(notice)
        await customer.close()
        await contacts.close()

    async_to_sync(scenario)()
