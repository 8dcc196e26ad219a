"""The wallboard's «Chats» card (issue 17, PO-5): a supervisor joins, coaches or takes over a live chat from the page,
not only through the API; a coach's word reaches the technician and never the customer (stored internal, not in
the customer's messages, not on the widget's socket); bad input is said; another team's chat is a 404."""

from __future__ import annotations

import pytest

from atiende.chat import selectors, services
from atiende.chat.models import ChatSession, ChatWidget
from atiende.contact.services import availability
from atiende.desk.models import Message
from tests.consoles.conftest import signed_in

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
WHISPER = "Pregúntale el modelo exacto de la impresora"


def _open_and_accept(center):
    from atiende.contact.models import Queue

    ChatWidget.objects.get_or_create(key="soporte", defaults={"name": "Soporte",
                                                              "queue": Queue.objects.get(name="soporte"),
                                                              "allowed_origins": ["https://cliente.example"]})
    availability.make_available(user=center.lucia)
    opened = services.open_chat(widget_key="soporte", name="Ana Pérez", email="ana@example.com",
                                message="No puedo imprimir", origin="https://cliente.example")
    services.accept_chat(user=center.lucia, chat_id=opened.session.pk)
    return opened


def test_a_supervisor_coaches_a_chat_from_the_wallboard_and_the_customer_never_sees_it(center):
    opened = _open_and_accept(center)
    chat = opened.session
    board = signed_in(center.marta)
    assert 'id="board-chats"' in board.get("/panel/").content.decode()
    listed = board.get("/panel/chats/", headers=HX).content.decode()
    assert f'data-chat="{chat.pk}"' in listed and "Ana Pérez" in listed
    thread = board.get(f"/panel/chats/{chat.pk}/", headers=HX).content.decode()
    assert "No puedo imprimir" in thread and 'data-action="coach"' in thread and 'name="body"' not in thread
    # Coaching before joining is refused with its rule; then joined in coach mode, the word goes to the technician.
    early = board.post(f"/panel/chats/{chat.pk}/accion/", {"do": "whisper", "body": WHISPER}, headers=HX)
    assert early.status_code == 409 and "PO-5" in early.content.decode()
    joined = board.post(f"/panel/chats/{chat.pk}/accion/", {"do": "coach"}, headers=HX).content.decode()
    assert 'data-mode="coach"' in joined and 'value="whisper"' in joined and 'value="write"' not in joined
    said = board.post(f"/panel/chats/{chat.pk}/accion/", {"do": "whisper", "body": WHISPER}, headers=HX)
    assert said.status_code == 200 and WHISPER in said.content.decode()
    whisper = Message.objects.get(body=WHISPER)
    assert whisper.visibility == "internal" and whisper.author == center.marta
    session = ChatSession.objects.get(pk=chat.pk)
    assert WHISPER not in [m.body for m in selectors.customer_messages(session)]
    # The technician reads it in their console, marked staff-only.
    console = signed_in(center.lucia).get(f"/consola/chats/{chat.pk}/", headers=HX).content.decode()
    assert WHISPER in console and "Nota interna" in console
    # Empty words and unknown actions are said, never a 500.
    empty = board.post(f"/panel/chats/{chat.pk}/accion/", {"do": "whisper", "body": "  "}, headers=HX)
    assert empty.status_code == 400 and 'role="alert"' in empty.content.decode()
    assert board.post(f"/panel/chats/{chat.pk}/accion/", {"do": "bogus"}, headers=HX).status_code == 400


def test_joined_the_supervisor_writes_to_the_customer_and_taking_over_makes_it_theirs(center):
    chat = _open_and_accept(center).session
    board = signed_in(center.marta)
    joined = board.post(f"/panel/chats/{chat.pk}/accion/", {"do": "join"}, headers=HX).content.decode()
    assert 'value="write"' in joined and 'value="whisper"' in joined
    board.post(f"/panel/chats/{chat.pk}/accion/", {"do": "write", "body": "Buenos días, Ana; soy Marta, la supervisora."},
               headers=HX)
    session = ChatSession.objects.get(pk=chat.pk)
    assert "Buenos días, Ana; soy Marta, la supervisora." in [m.body for m in selectors.customer_messages(session)]
    taken = board.post(f"/panel/chats/{chat.pk}/accion/", {"do": "take_over"}, headers=HX).content.decode()
    assert 'data-mode="take_over"' in taken
    assert ChatSession.objects.get(pk=chat.pk).contact.assignee == center.marta


def test_technicians_cannot_use_the_board_and_a_missing_chat_is_a_404(center):
    chat = _open_and_accept(center).session
    assert signed_in(center.jorge).post(f"/panel/chats/{chat.pk}/accion/", {"do": "join"},
                                        headers=HX).status_code in (302, 403)
    assert signed_in(center.marta).get("/panel/chats/999999/", headers=HX).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_coach_word_written_on_the_board_never_reaches_the_widgets_socket(center):
    from asgiref.sync import async_to_sync, sync_to_async

    from tests.chat.sockets import join

    opened = _open_and_accept(center)
    chat = opened.session
    board = signed_in(center.marta)
    board.post(f"/panel/chats/{chat.pk}/accion/", {"do": "coach"}, headers=HX)

    async def scenario():
        widget, joined = await join(opened.token)
        await sync_to_async(board.post)(f"/panel/chats/{chat.pk}/accion/", {"do": "whisper", "body": WHISPER},
                                        headers=HX)
        await sync_to_async(services.technician_writes)(user=center.lucia, chat_id=chat.pk, body="¿Qué modelo es?")
        seen = []
        while True:
            frame = await widget.receive_json_from(timeout=5)
            seen.append(frame)
            if frame.get("type") == "message" and frame.get("text") == "¿Qué modelo es?":
                break
        assert WHISPER not in str(seen)
        await widget.send_input({"type": "websocket.disconnect", "code": 1000})
        await widget.wait(1)

    async_to_sync(scenario)()
