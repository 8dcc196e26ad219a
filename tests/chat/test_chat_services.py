"""The chat's backbone (CH-VIR): open, route, write, read, transfer with consent, coach, end."""

from __future__ import annotations

import pytest

from atiende.chat import selectors, services
from atiende.chat.models import ChatSession, ChatState
from atiende.contact.models import Contact, ContactState, TechnicianState, TechnicianStatus
from atiende.contact.services import calls, routing
from atiende.desk.models import Message, WorkOrder
from atiende.errors import InputError
from atiende.people.models import User
from atiende.practices import Refusal

from .conftest import make_technician

pytestmark = pytest.mark.django_db


def open_chat(name="Ana Pérez", email="ana@example.com", message="No puedo imprimir", **kw):
    return services.open_chat(widget_key="soporte", name=name, email=email, message=message,
                              origin="https://cliente.example", **kw)


def test_a_chat_opens_a_work_order_waits_in_the_queue_and_rings_a_technician(widget, lucia):
    opened = open_chat()
    session = opened.session
    assert session.contact.channel == "chat" and session.contact.state == ContactState.OFFERED
    assert session.contact.offered_to == lucia
    assert session.work_order.channel == "chat" and session.work_order.customer.name == "Ana Pérez"
    assert [m.body for m in selectors.customer_messages(session)] == ["No puedo imprimir"]
    assert selectors.session_for_token(opened.token) == session
    assert session.token_hash != opened.token and opened.token not in str(ChatSession.objects.values().get())
    # Offering a chat leaves the technician available for more chats.
    assert TechnicianState.objects.get(user=lucia).status == TechnicianStatus.AVAILABLE


def test_bad_widget_origin_and_offline_are_clear_errors(widget, queue, clock):
    with pytest.raises(InputError) as unknown:
        services.open_chat(widget_key="nope", name="Ana")
    assert unknown.value.status == 404
    with pytest.raises(InputError) as origin:
        services.open_chat(widget_key="soporte", name="Ana", origin="https://evil.example")
    assert origin.value.code == "origin_not_allowed" and origin.value.status == 403
    with pytest.raises(InputError) as offline:  # nobody signed in
        services.open_chat(widget_key="soporte", name="Ana", origin="https://cliente.example")
    assert offline.value.code == "chat_offline" and offline.value.rule == "CH-VIR"
    with pytest.raises(InputError):
        services.open_chat(widget_key="soporte", name="", origin="https://cliente.example")
    work_order = services.leave_message(widget_key="soporte", name="Ana", email="ana@example.com",
                                        body="Llamadme mañana", origin="https://cliente.example")
    assert work_order.channel == "chat" and work_order.messages.get().body == "Llamadme mañana"
    assert not Contact.objects.exists()


def test_accept_write_read_and_end_gives_transcript_survey_and_mail(widget, lucia, clock):
    opened = open_chat()
    session = services.accept_chat(user=lucia, chat_id=opened.session.pk)
    assert session.state == ChatState.ACTIVE and session.contact.assignee == lucia
    assert TechnicianState.objects.get(user=lucia).calls_today == 1  # PO-3 counts the chat
    reply = services.technician_writes(user=lucia, chat_id=session.pk, body="Buenos días, Ana. ¿Qué impresora es?")
    services.customer_writes(session=session, body="Una HP")
    assert services.customer_reads(session=session, up_to=reply.pk) == reply.pk
    clock.advance(60)
    ended = services.end_chat(user=lucia, chat_id=session.pk)
    assert ended.state == ChatState.ENDED and ended.contact.state == ContactState.WRAP_UP
    turns = ended.contact.transcript.turns
    assert [t["speaker"] for t in turns] == ["cliente", "tecnico", "cliente"]
    assert ended.work_order.survey.token
    from atiende.mail.models import OutboundMail

    mail = OutboundMail.objects.get(kind="transcript")
    assert mail.recipients == ["ana@example.com"] and "Una HP" in mail.text and "/encuesta/" in mail.text
    services.finish_wrap_up(user=lucia, chat_id=session.pk)
    from atiende.scorecards.jobs import run_pending_scoring

    run_pending_scoring()
    session.contact.refresh_from_db()
    assert session.contact.state == ContactState.ENDED and session.contact.scorecard is not None


def test_coach_messages_are_never_shown_to_the_customer(widget, lucia, supervisor):
    session = services.accept_chat(user=lucia, chat_id=open_chat().session.pk)
    with pytest.raises(InputError):
        services.coach(user=supervisor, chat_id=session.pk, body="Pregunta por el modelo")  # join first
    services.supervisor_joins(user=supervisor, chat_id=session.pk, mode="coach")
    whisper = services.coach(user=supervisor, chat_id=session.pk, body="Pregunta por el modelo")
    assert whisper.visibility == "internal"
    assert whisper not in selectors.customer_messages(session)
    assert whisper in selectors.staff_messages(session)
    services.technician_writes(user=lucia, chat_id=session.pk, body="nota interna", internal=True)
    assert [m.body for m in selectors.customer_messages(session)] == ["No puedo imprimir"]


def test_transfer_waits_for_the_customers_yes_then_for_the_receiver(widget, lucia, jorge, clock):
    first = open_chat()
    holder = ChatSession.objects.get(pk=first.session.pk).contact.offered_to
    other = jorge if holder == lucia else lucia
    session = services.accept_chat(user=holder, chat_id=first.session.pk)
    services.propose_transfer(user=holder, chat_id=session.pk, purpose="Es de facturación", to_technician=other.pk)
    session.contact.refresh_from_db()
    assert session.contact.state == ContactState.TALKING  # nothing moves before the customer says yes
    with pytest.raises(Refusal):  # no transfer was requested: the engine refuses the acceptance
        calls.accept_transfer(contact_id=session.contact_id, user=other)
    services.customer_answers_transfer(session=ChatSession.objects.get(pk=session.pk), consent=True)
    session.contact.refresh_from_db()
    assert session.contact.state == ContactState.TRANSFER_PENDING and session.contact.assignee == holder
    done = services.accept_transfer(user=other, chat_id=session.pk)
    assert done.contact.assignee == other


def test_declined_transfer_question_keeps_the_chat(widget, lucia, jorge):
    session = services.accept_chat(user=lucia, chat_id=open_chat().session.pk)
    services.propose_transfer(user=session.contact.assignee, chat_id=session.pk, purpose="Redes",
                              to_queue="soporte")
    services.customer_answers_transfer(session=ChatSession.objects.get(pk=session.pk), consent=False)
    session.contact.refresh_from_db()
    assert session.contact.state == ContactState.TALKING


def test_a_technician_with_chats_gets_no_call_and_a_fourth_chat_waits(widget, lucia):
    chats = [open_chat(name=f"Cliente {i}", email="") for i in range(4)]
    states = [Contact.objects.get(pk=c.session.contact_id) for c in chats]
    assert [c.offered_to_id for c in states] == [lucia.pk, lucia.pk, lucia.pk, None]
    call = routing.create_contact(queue="soporte", caller="+34600000001")
    assert call.technician is None  # a call is full occupancy: she has chats
    assert WorkOrder.objects.count() == 4 and Message.objects.count() == 4


def test_availability_and_origins_follow_the_queue_and_the_widget(widget, clock):
    from atiende.chat.models import ChatWidget

    assert selectors.availability(widget).reason == "nobody_available"
    ana = make_technician("ana", max_chats=1)
    assert selectors.availability(widget) == selectors.Availability(True, "", 0, 0)  # a free slot: no wait
    services.accept_chat(user=ana, chat_id=open_chat().session.pk)
    waiting = selectors.availability(widget)
    assert waiting.online and waiting.estimated_wait_seconds == 300  # her slot is taken: a chat's length
    ChatWidget.objects.filter(pk=widget.pk).update(allowed_origins=["https://*.cliente.example"])
    widget.refresh_from_db()
    assert selectors.origin_allowed(widget, "https://tienda.cliente.example")
    assert not selectors.origin_allowed(widget, "https://cliente.example.evil.test")
    assert selectors.origin_allowed(widget, None)  # the desk's own page sends no Origin


def test_the_wait_estimate_reads_as_many_statements_with_many_technicians_as_with_one(widget, clock):
    """Issue 17: the free chat slots are counted in the technicians' query, not one count per technician (167
    technicians: 167 statements for every chat opened and every waiting widget's join)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_technician("ana", max_chats=2)
    with CaptureQueriesContext(connection) as one:
        assert selectors.availability(widget).online
    for i in range(4):
        make_technician(f"tec{i}", max_chats=2)
    services.accept_chat(user=User.objects.get(username="ana"), chat_id=open_chat().session.pk)
    with CaptureQueriesContext(connection) as five:
        assert selectors.availability(widget) == selectors.Availability(True, "", 0, 0)  # 9 free slots
    assert len(five) == len(one)


def test_escalation_and_a_supervisors_take_over_free_the_technicians_slot(widget, lucia, supervisor, clock):
    from atiende.contact.models import Alert

    session = services.accept_chat(user=lucia, chat_id=open_chat().session.pk)
    services.escalate(user=lucia, chat_id=session.pk, reason="Pide un reembolso")
    assert Alert.objects.get(contact=session.contact).rule == "PO-5"
    services.supervisor_joins(user=supervisor, chat_id=session.pk, mode="join")
    assert TechnicianState.objects.filter(user=supervisor).values_list("status", flat=True).first() in (
        None, TechnicianStatus.OFFLINE)  # following a chat does not make a supervisor busy
    services.supervisor_joins(user=supervisor, chat_id=session.pk, mode="take_over")
    taken = ChatSession.objects.get(pk=session.pk)
    assert taken.contact.assignee == supervisor
    written = services.technician_writes(user=supervisor, chat_id=session.pk, body="Soy la supervisora, Marta.")
    assert written in selectors.customer_messages(taken)
    with pytest.raises(InputError) as gone:
        services.technician_writes(user=lucia, chat_id=session.pk, body="Hola")
    assert gone.value.status in (403, 404)
    from atiende.contact.services.technicians import chats_held

    assert chats_held(lucia.pk) == 0  # her slot is free for the next chat


def test_a_chat_whose_customer_went_silent_ends_by_itself_and_frees_the_slot(widget, lucia, settings):
    from datetime import timedelta

    from django.utils import timezone

    from atiende.chat.services.ending import end_idle_chats
    from atiende.contact.services.technicians import chats_held

    waiting = open_chat(name="Espera", email="")
    active = services.accept_chat(user=lucia, chat_id=open_chat(name="Activa", email="").session.pk)
    later = timezone.now() + timedelta(minutes=16)
    assert end_idle_chats(at=later) == 1  # the chat waiting for a technician is never ended here
    gone = ChatSession.objects.get(pk=active.pk)
    assert (gone.state, gone.ended_by) == (ChatState.ENDED, "timeout")
    assert ChatSession.objects.get(pk=waiting.session.pk).state == ChatState.WAITING
    services.finish_wrap_up(user=lucia, chat_id=active.pk)
    assert chats_held(lucia.pk) == 1  # the waiting chat, offered to her


def test_a_live_chat_line_is_read_in_the_console_not_told_as_a_customer_reply(widget, lucia, clock):
    from atiende.desk.messages import post_message
    from atiende.notifications.models import Kind, Notification

    opened = open_chat()
    session = services.accept_chat(user=lucia, chat_id=opened.session.pk)
    WorkOrder.objects.filter(pk=session.work_order.pk).update(assignee=lucia)  # someone to tell
    session.work_order.refresh_from_db()
    for line in ("¿Sigue ahí?", "Ya he reiniciado", "Sigue sin imprimir"):
        services.customer_writes(session=session, body=line)
    assert Message.objects.filter(work_order=session.work_order, channel="chat").count() == 4
    assert not Notification.objects.filter(kind=Kind.CUSTOMER_REPLY).exists()
    # The same customer writing on the work order by email afterwards is told (issue 16).
    post_message(work_order=session.work_order, author=None, author_name="Ana Pérez",
                 author_email="ana@example.com", body="Sigue igual.", visibility="public", channel="email",
                 direction="in")
    assert [n.recipient for n in Notification.objects.filter(kind=Kind.CUSTOMER_REPLY)] == [lucia]


def test_the_wallboard_figures_of_calls_leave_chats_out(widget, lucia, clock):
    from atiende.contact.selectors import stats

    since = clock.now()
    opened = open_chat()
    services.accept_chat(user=lucia, chat_id=opened.session.pk)
    open_chat(name="Pablo Sánchez")
    board = stats(since=since)
    assert (board["answered"], board["abandoned"], board["calls_per_technician"]) == (0, 0, {})
