"""The end of a chat: the contact hung up (or abandoned), the transcript kept for the scorecard, the survey
offered (SP-4), the transcript mailed through the outbox when the customer gave an address.

All of it in the ending's own transaction: a chat that ends has its transcript, survey and mail, or
nothing of it if the ending rolls back. The scorecard itself is made when the chat's wrap-up ends (the
contact becomes ``ended``: ``scorecards.signals`` stores its scoring job, a worker scores it from the
transcript stored here, as for a call with its speech turns).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import formats, timezone, translation

from atiende import env
from atiende.chat import live
from atiende.chat.models import ChatSession, ChatState, EndedBy
from atiende.chat.selectors import customer_messages
from atiende.chat.services.search import index_chat
from atiende.contact.models import IN_CONVERSATION, UNANSWERED
from atiende.contact.services import calls
from atiende.desk.models import MessageDirection, SatisfactionSurvey
from atiende.desk.services.surveys import send_survey
from atiende.mail import config, notices, outbox
from atiende.mail.core import compose
from atiende.mail.core.threads import reply_subject
from atiende.mail.models import OutboundMail
from atiende.people.models import User
from atiende.scorecards.models import ContactTranscript
from atiende.scorecards.transcripts import redact_text


def end_chat_as(session: ChatSession, *, ended_by: str, user: User | None) -> ChatSession:
    """End the chat for whoever ended it (``user`` None: the customer, or a timer)."""
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if locked.state in (ChatState.ENDED, ChatState.ABANDONED):
            return locked  # ended meanwhile by the other side: once is enough
        contact = session.contact
        contact.refresh_from_db()
        moment = timezone.now()
        if contact.state in UNANSWERED:
            calls.hang_up(contact_id=contact.pk, user=None, cause="customer_left")
            state = ChatState.ABANDONED
        else:
            if contact.state in IN_CONVERSATION:
                calls.hang_up(contact_id=contact.pk, user=user, cause=f"ended_by_{ended_by}")
            state = ChatState.ENDED
        ChatSession.objects.filter(pk=session.pk).update(state=state, ended_at=moment, ended_by=ended_by)
        index_chat(session)  # its lines were left out of the search while it went on (services.search)
        session.refresh_from_db()
        session.contact.refresh_from_db()
        extra: dict[str, Any] = {}
        if state == ChatState.ENDED:
            store_transcript(session)
            survey = offer_survey(session, user, moment)
            extra["survey_url"] = survey_url(survey)
            mail_transcript(session, survey)
        live.state_after_commit(session, **extra)
    return session


# A chat whose customer has not written nor read for this long is ended (they closed the page without
# leaving): its slot goes back to the technician. ATIENDE_CHAT_IDLE_MINUTES changes it.
IDLE_MINUTES = 15.0


def idle_minutes() -> float:
    """ATIENDE_CHAT_IDLE_MINUTES (at least 1), read at each use; IDLE_MINUTES when unset."""
    return env.number("ATIENDE_CHAT_IDLE_MINUTES", IDLE_MINUTES, minimum=1.0)


def end_idle_chats(*, at: datetime | None = None, minutes: float | None = None) -> int:
    """End the chats in conversation whose customer gave no sign (a message, a read mark) for ``minutes``
    (``ended_by`` timeout: transcript, survey, mail as any end). A chat still waiting for a technician is
    never ended here: the customer is waiting, not gone (PO-2 watches that wait). Run by the worker."""
    moment = at or timezone.now()
    limit = moment - timedelta(minutes=minutes if minutes is not None else idle_minutes())
    ended = 0
    for session in (ChatSession.objects.select_related("contact", "work_order", "widget", "customer")
                    .filter(state=ChatState.ACTIVE, last_customer_activity__lt=limit)[:100]):
        end_chat_as(session, ended_by=EndedBy.TIMEOUT, user=None)
        ended += 1
    return ended


def store_transcript(session: ChatSession) -> ContactTranscript:
    """The chat's public messages as the contact's transcript (speaker, seconds since the answer, text; ET-3
    redacted), which the scorecard scores as it scores a call's speech turns."""
    contact = session.contact
    start = contact.answered_at or session.created_at
    turns = [{"t": max(0.0, (m.created_at - start).total_seconds()),
              "speaker": "cliente" if m.direction == MessageDirection.INBOUND else "tecnico",
              "text": redact_text(m.body)}
             for m in customer_messages(session) if m.body.strip()]
    stored, _created = ContactTranscript.objects.update_or_create(
        contact=contact, defaults={"turns": turns, "customer": {"name": session.customer_name},
                                   "supplied_by": None})
    return stored


def offer_survey(session: ChatSession, actor: User | None, moment: datetime) -> SatisfactionSurvey:
    """SP-4: the chat's end offers the survey, in the widget and in the transcript mail (a fresh link; an
    earlier answer stays in the work order's history), without the closing mail of a close."""
    return send_survey(session.work_order, actor, moment, kind="survey_offered", note=f"chat {session.pk}")


def survey_url(survey: SatisfactionSurvey) -> str:
    return f"{config.base_url()}/encuesta/{survey.token}/"


def mail_transcript(session: ChatSession, survey: SatisfactionSurvey) -> Any:
    """The transcript to the address the customer gave, through the mail outbox (sent by the mail worker;
    kept in the local outbox when no SMTP server is set). Public messages only: never a note or a coach's
    word. None when they gave no address."""
    if not session.customer_email:
        return None
    language = session.language
    lines = []
    with translation.override(language):
        for message in customer_messages(session):
            when = formats.time_format(timezone.localtime(message.created_at), "H:i")
            who = session.customer_name if message.direction == MessageDirection.INBOUND else message.sender_name
            lines.append({"when": when, "who": who, "text": message.body})
        date = formats.date_format(timezone.localtime(session.created_at), "DATE_FORMAT")
    text = notices.render("chat_transcript", language, {
        "name": session.customer_name, "lines": lines, "work_order": session.work_order,
        "survey_url": survey_url(survey), "date": date})
    return outbox.enqueue(
        kind=OutboundMail.Kind.TRANSCRIPT, key=f"chat-transcript:{session.pk}", to=[session.customer_email],
        subject=reply_subject(session.work_order.title, session.work_order.number), text=text,
        work_order=session.work_order, automatic=compose.AUTO_GENERATED, language=language)
