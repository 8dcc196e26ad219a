"""A chat's lines are cheap to write (issue 17: 33 lines a second at 500 chats) and leave the work order right:
the SLA clocks follow the turns (first response, waiting for the customer), the history has a line when the
turn changes, the search finds the words at the chat's end and, while it goes on, after the worker's catch-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from atiende.chat import services
from atiende.chat.services.search import BEHIND_SECONDS, index_chats_behind
from atiende.desk.models import Message, WorkOrderEvent
from atiende.knowledge.search import search
from atiende.sla import services as sla
from atiende.sla.models import WorkOrderSla

pytestmark = pytest.mark.django_db


def open_and_accept(lucia):
    opened = services.open_chat(widget_key="soporte", name="Ana Pérez", email="ana@example.com",
                                message="No puedo imprimir", origin="https://cliente.example")
    return services.accept_chat(user=lucia, chat_id=opened.session.pk)


def clocks(work_order_id: int) -> tuple:
    row = WorkOrderSla.objects.get(work_order_id=work_order_id)
    return row.first_response_at, row.pauses, row.paused, row.first_response_state, row.resolution_state


def test_the_sla_clocks_follow_the_turns_of_a_chat_with_a_history_line_per_turn(widget, lucia, clock):
    session = open_and_accept(lucia)
    work_order = session.work_order
    lines = WorkOrderEvent.objects.filter(work_order=work_order, kind="message")
    steps = [
        ("customer", "¿Hay alguien?", False),  # still the help desk's move: nothing changes
        ("customer", "Sigue sin imprimir", False),
        ("technician", "Hola Ana, soy Lucía. Lo miro ahora.", True),  # the first response; now the customer's move
        ("technician", "¿Qué modelo de impresora es?", False),
        ("internal", "Seguramente el driver", False),
        ("customer", "Una HP 4250", True),  # the customer answers: the wait for them ends
        ("customer", "Está en la planta 2", False),
    ]
    sla.refresh(work_order.pk)  # the opening's refresh runs after its commit, which a test transaction never makes
    before = lines.count()
    for side, text, turn in steps:
        if side == "customer":
            message = services.customer_writes(session=session, body=text)
        else:
            message = services.technician_writes(user=lucia, chat_id=session.pk, body=text,
                                                 internal=side == "internal")
        stored = clocks(work_order.pk)
        sla.refresh(work_order.pk)  # everything derived again from the whole conversation
        assert clocks(work_order.pk) == stored, (text, "the stored clocks were behind the conversation")
        expected = before + 1 if turn else before
        assert lines.count() == expected, (text, "a history line only when the turn changes")
        before = expected
        assert Message.objects.filter(pk=message.pk).exists()
    first_reply = Message.objects.get(body="Hola Ana, soy Lucía. Lo miro ahora.")
    answer = Message.objects.get(body="Una HP 4250")
    first_response_at, pauses, paused, _first, _resolution = clocks(work_order.pk)
    assert first_response_at == first_reply.created_at
    # Waited for the customer from the first reply to their answer (the later lines of each turn change nothing).
    assert [parse_datetime(moment) for moment in pauses[0]] == [first_reply.created_at, answer.created_at]
    assert len(pauses) == 1 and not paused
    work_order.refresh_from_db()
    assert work_order.awaiting_customer_since is None


def test_a_chat_line_with_a_password_is_stored_with_its_label_and_the_secret_in_the_vault(widget, lucia, clock):
    from atiende.privacy.models import VaultSecret

    session = open_and_accept(lucia)
    message = services.customer_writes(session=session, body="mi contraseña: Tr1cky-Pass!")
    stored = Message.objects.get(pk=message.pk).body
    assert "Tr1cky-Pass!" not in stored and "[CONTRASEÑA]" in stored  # ET-3 on the quiet path too
    assert VaultSecret.objects.filter(work_order=session.work_order).exists()


def test_a_chats_words_are_found_at_its_end_and_by_the_worker_while_it_goes_on(widget, lucia, clock):
    session = open_and_accept(lucia)
    services.customer_writes(session=session, body="La impresora escupe tinta morada")
    assert search(lucia, "morada") == []  # a line does not index the whole work order again
    assert index_chats_behind() == 0  # indexed when it opened, less than BEHIND_SECONDS ago
    later = timezone.now() + timedelta(seconds=BEHIND_SECONDS + 1)
    assert index_chats_behind(now=later) == 1
    assert [r.id for r in search(lucia, "morada")] == [session.work_order.pk]
    assert index_chats_behind() == 0  # indexed just now: not again before BEHIND_SECONDS
    services.technician_writes(user=lucia, chat_id=session.pk, body="Cambie el cabezal de impresión")
    assert search(lucia, "cabezal") == []
    services.end_chat(user=lucia, chat_id=session.pk)
    assert [r.id for r in search(lucia, "cabezal")] == [session.work_order.pk]
