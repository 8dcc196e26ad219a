"""The mail the help desk writes: to customers in their language, to staff in theirs.

To customers (``templates/mail/``, Spanish and English by ``Customer.preferred_language``):
the acknowledgement of a request that came by email, each public reply written in
Atiende, the closing mail with the satisfaction survey's link (SP-4: the survey's
unguessable token is the key, no portal account needed), and the reminder of a
commitment (PT-2) shortly before it comes due. To staff: a copy of a notification
when its person wants it by email.

CH-IND: a customer's mail goes to the requester (else the customer) and, when someone
else decides, to the decision maker too: both are kept informed.

Loops (RFC 3834): automatic mail (everything here but the replies a person wrote)
says ``Auto-Submitted`` and never goes to an address whose latest mail to us was
automatic (an auto-responder, a list, a mailer daemon) or to our own addresses.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from atiende.desk.models import (
    Commitment,
    ContactPoint,
    Customer,
    Message,
    SatisfactionSurvey,
    WorkOrder,
)
from atiende.mail import config, outbox
from atiende.mail.core import compose
from atiende.mail.core.parse import ParsedMail, clean_text
from atiende.mail.core.threads import reply_subject
from atiende.mail.models import InboundMail, OutboundMail

Kind = OutboundMail.Kind


def _language(customer: Customer | None) -> str:
    language = (customer.preferred_language if customer is not None else "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _team_name() -> str:
    return config.from_name() or "Atiende"


def _render(template: str, language: str, context: dict[str, Any]) -> str:
    with translation.override(language):
        text = render_to_string(f"mail/{template}.txt", {"team_name": _team_name(), **context})
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


def render(template: str, language: str, context: dict[str, Any]) -> str:
    """A mail's text from ``mail/<template>.txt`` in the customer's language, with the team's name (the
    chat's transcript mail uses it too)."""
    return _render(template, language, context)


def is_robot(address: str) -> bool:
    """Our own address, or one whose latest mail to us was automatic: no automatic mail goes to it."""
    if address.lower() in config.own_addresses():
        return True
    latest = InboundMail.objects.filter(sender=address.lower()).order_by("-received_at", "-id").first()
    return latest is not None and bool(latest.automatic)


def _email_of(customer: Customer | None) -> str:
    if customer is None:
        return ""
    point = (ContactPoint.objects.filter(customer=customer, kind=ContactPoint.Kind.EMAIL)
             .order_by("-preferred", "id").first())
    return point.value if point is not None else ""


def recipients(work_order: WorkOrder, *, automatic: bool) -> list[str]:
    """CH-IND: the requester (else the customer) and the decision maker when it is someone else."""
    people: list[Customer | None] = [work_order.requester or work_order.customer]
    if work_order.is_indirect:
        people.append(work_order.decision_maker)
    found = [address for address in (_email_of(p) for p in people) if address]
    return [a for a in found if not (automatic and is_robot(a))]


def _thread_ids(work_order: WorkOrder) -> tuple[str, list[str]]:
    """In-Reply-To (the customer's latest mail) and References (the conversation's mail, oldest first)."""
    ids = list(Message.objects.filter(work_order=work_order, message_id__isnull=False)
               .order_by("-created_at", "-id").values_list("message_id", "direction")[:10])
    latest_in = next((mid for mid, direction in ids if direction == "in"), "")
    return latest_in or "", [mid for mid, _d in reversed(ids) if mid]


def acknowledge(inbound: InboundMail, mail: ParsedMail) -> OutboundMail | None:
    """A new request came by email: say we have it, with its number (an automatic answer, RFC 3834)."""
    row = acknowledgement(inbound, mail)
    if row is None:
        return None
    return outbox.enqueue(**row)


def acknowledgement(inbound: InboundMail, mail: ParsedMail) -> dict[str, Any] | None:
    """What :func:`acknowledge` enqueues (``outbox.enqueue``'s arguments), or None when nothing goes back."""
    work_order = inbound.work_order
    # Not is_robot(): this mail, a person's (not automatic, not from our address), is the sender's latest.
    if work_order is None or mail.automatic or mail.sender.email.lower() in config.own_addresses():
        return None
    language = _language(work_order.customer)
    return dict(
        kind=Kind.ACKNOWLEDGEMENT, key=f"acknowledgement:{inbound.pk}", to=[mail.sender.email],
        subject=reply_subject(mail.subject or work_order.title, work_order.number),
        text=_render("acknowledgement", language, {"customer": work_order.customer, "work_order": work_order}),
        work_order=work_order, in_reply_to=mail.message_id, references=[*mail.references, mail.message_id],
        automatic=compose.AUTO_REPLIED, language=language)


def reply(message: Message) -> OutboundMail | None:
    """A public reply written in Atiende goes to the customer by email (a person's mail: no Auto-Submitted)."""
    work_order = message.work_order
    if OutboundMail.objects.filter(message_id=message.message_id or "-").exists():
        return None  # a mail we sent ourselves, recorded in the conversation
    language = _language(work_order.customer)
    in_reply_to, references = _thread_ids(work_order)
    return outbox.enqueue(
        kind=Kind.REPLY, key=f"reply:{message.pk}", to=recipients(work_order, automatic=False),
        subject=reply_subject(work_order.title, work_order.number),
        text=_render("reply", language, {"body": clean_text(message.body), "work_order": work_order}),
        work_order=work_order, message=message, in_reply_to=in_reply_to, references=references,
        language=language)


def survey(found: SatisfactionSurvey) -> OutboundMail | None:
    """SP-4: the work order closed: what was done, and the survey's link (works without an account)."""
    work_order = found.work_order
    language = _language(work_order.customer)
    in_reply_to, references = _thread_ids(work_order)
    url = f"{config.base_url()}/encuesta/{found.token}/"
    return outbox.enqueue(
        kind=Kind.SURVEY, key=f"survey:{found.pk}:{found.token[:16]}", to=recipients(work_order, automatic=True),
        subject=reply_subject(work_order.title, work_order.number),
        text=_render("survey", language, {"customer": work_order.requester or work_order.customer,
                                          "work_order": work_order, "survey_url": url}),
        work_order=work_order, in_reply_to=in_reply_to, references=references,
        automatic=compose.AUTO_GENERATED, language=language)


def remind(commitment: Commitment) -> OutboundMail | None:
    """PT-2: shortly before a commitment comes due, the customer is reminded of it."""
    work_order = commitment.work_order
    language = _language(work_order.customer)
    with translation.override(language):
        due = formats.date_format(timezone.localtime(commitment.due_at), "DATETIME_FORMAT")
    in_reply_to, references = _thread_ids(work_order)
    return outbox.enqueue(
        kind=Kind.REMINDER, key=f"reminder:{commitment.pk}", to=recipients(work_order, automatic=True),
        subject=reply_subject(work_order.title, work_order.number),
        text=_render("reminder", language, {"customer": work_order.requester or work_order.customer,
                                            "work_order": work_order, "commitment": commitment, "due": due}),
        work_order=work_order, in_reply_to=in_reply_to, references=references,
        automatic=compose.AUTO_GENERATED, language=language)


def remind_due_commitments(*, now: Any = None) -> int:
    """Enqueue the reminders of pending commitments coming due within ``ATIENDE_MAIL_REMINDER_HOURS``
    that were made before that window opened (a promise made an hour ago needs no reminder)."""
    from datetime import timedelta

    now = now or timezone.now()
    lead = timedelta(hours=config.reminder_hours())
    if not lead:
        return 0
    due = (Commitment.objects.filter(status=Commitment.Status.PENDING, due_at__gt=now, due_at__lte=now + lead,
                                     work_order__closed_at__isnull=True)
           .select_related("work_order", "work_order__customer", "work_order__requester",
                           "work_order__decision_maker"))
    done = set(OutboundMail.objects.filter(kind=Kind.REMINDER, key__in=[f"reminder:{c.pk}" for c in due])
               .values_list("key", flat=True))
    count = 0
    for commitment in due:
        if f"reminder:{commitment.pk}" in done or commitment.created_at > commitment.due_at - lead:
            continue
        count += remind(commitment) is not None
    return count


def notify_staff(notification: Any) -> OutboundMail | None:
    """An email copy of a staff notification, for those who want this kind by email."""
    from atiende.notifications.selectors import wants_email

    user = notification.recipient
    if not user.email or not wants_email(user, notification.kind):
        return None
    language = user.language if user.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    url = f"{config.base_url()}{notification.url}" if notification.url else ""
    work_order = notification.work_order
    subject = notification.text.splitlines()[0][:200] if notification.text else "Atiende"
    if work_order is not None:
        subject = reply_subject(subject, work_order.number).removeprefix("Re: ")
    return outbox.enqueue(
        kind=Kind.NOTIFICATION, key=f"notification:{notification.pk}", to=[user.email], subject=subject,
        text=_render("notification", language, {"text": notification.text, "url": url}),
        work_order=work_order, automatic=compose.AUTO_GENERATED, language=language)

