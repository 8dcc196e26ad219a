"""The conversation of a work order: every message, whoever wrote it and whatever carried it (CH-VIR).

One action, :func:`post_message`, for the API, the work-order page, the portal and
every channel adapter (mail, chat...): the desk never knows which channel spoke, it
only records the channel a message says it came by.

Decisions (docs/desk.md, "Conversation"):

- **Who may write what (ET-4).** Staff who can see the work order write public replies
  and internal notes, in either direction (a technician notes down what the customer
  said on the phone: ``in``, ``telefonico``). A customer writes public messages, ``in``
  only, on their own work orders. A channel adapter speaking for someone without an
  account (``author=None``, with ``author_name``/``author_email``) writes public
  messages only. Internal notes are never shown to customers, anywhere.
- **A closed work order is read-only for staff** (409 ``work_order_closed``, SP-1).
  A customer who writes on it reopens it to satisfaction (the reopening is recorded
  with its reason, as a reopen by hand is), which is what a help desk does when the
  customer says the problem is back. A channel adapter's outgoing record on a closed
  work order (the closing email with its survey) is kept without reopening it.
- **Whose move it is.** A public reply from the help desk sets
  ``WorkOrder.awaiting_customer_since``; the customer's next message clears it (the
  reply wakes the work order). It is state, not an edit: the version does not change.
- **Credentials (ET-3)**: found in the text, the HTML or the original, they are replaced
  by their label everywhere and kept in the work order's vault, after a customer's message
  has reopened a closed work order (the vault takes nothing on a closed one: a message that
  would leave one closed with a credential in it is refused whole, 409 ``work_order_closed``).
- **HTML** is sanitised with nh3 (Ammonia) to a small set of formatting tags; no
  scripts, styles, images or event attributes survive. ``body`` is what is shown.
- **The language assistant** checks every public reply the staff send (NT, DN, PT-2,
  jargon for the customer's knowledge level, CO-3). Sending anyway is allowed; the
  findings are kept with the message (``checked_findings``).
- **A live conversation's lines** (``quiet=True``: a chat) leave a history line only when they change
  the work order: whose move it is (the customer's line after the help desk's reply, the help desk's
  reply to the customer), a reopening, files. A line that goes on with the same side's turn, or an
  internal note, is its message row alone: the history, and what follows it (the SLA clocks, whose facts
  are those turns: docs/desk.md), would be written again for nothing at every line of a chat.
- Inside the transaction, :data:`atiende.desk.signals.message_stored` is sent (the mail
  adapter writes the reply's outbox row there); after it commits,
  :data:`atiende.desk.signals.message_posted`.
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any, NamedTuple

import nh3
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende import db
from atiende.desk import attachments as files
from atiende.desk import credentials
from atiende.desk.models import (
    Attachment,
    Channel,
    ContactPoint,
    Message,
    MessageDirection,
    Phase,
    Visibility,
    WorkOrder,
)
from atiende.desk.selectors import visible_work_orders
from atiende.desk.services.checks import clean_choice, forbidden, require_open
from atiende.desk.services.history import record_event
from atiende.desk.signals import message_posted, message_stored
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_staff

BODY_LIMIT = 100_000  # characters of shown text (a long email fits; a book does not)
HTML_LIMIT = 2_000_000
ORIGINAL_LIMIT = 10_000_000
HEADER_LIMIT = 998  # RFC 5322 line length: Message-ID and In-Reply-To
# C0 and C1 control characters other than tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li",
    "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
# Channels the language assistant knows; a portal reply reads like an email.
_CHECK_CHANNEL: dict[str, str] = {Channel.EMAIL: "email", Channel.PORTAL: "email", Channel.CHAT: "chat",
                  Channel.PHONE: "telefonico", Channel.IN_PERSON: "presencial"}

FileItem = Attachment | tuple[str, IO[bytes] | bytes]


def sanitise_html(value: str) -> str:
    """Formatting only: the tags above, links with safe schemes, nothing that runs or loads."""
    return nh3.clean(value, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow").strip()


def _body(value: Any) -> str:
    if not isinstance(value, str):
        raise InputError("invalid_input", _("The message must be text."), field="body")
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(value):
        raise InputError("control_characters", _(
            "The message contains control characters (such as a null character); remove them and send it again."
        ), field="body")
    if len(value) > BODY_LIMIT:
        raise InputError("too_long", _("The message is too long (%(length)s characters; at most %(max)s).")
                         % {"length": len(value), "max": BODY_LIMIT}, field="body")
    return value


def _raw(value: Any, field: str, limit: int) -> str:
    """HTML or an original as it came: kept whole, except NUL (PostgreSQL cannot store it)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError("invalid_input", _("%(field)s must be text.") % {"field": field}, field=field)
    value = value.replace("\x00", "")
    if len(value) > limit:
        raise InputError("too_long", _("%(field)s is too long (%(length)s characters; at most %(max)s).")
                         % {"field": field, "length": len(value), "max": limit}, field=field)
    return value


def _header(value: Any, field: str, *, optional_none: bool = False) -> str | None:
    if value is None or value == "":
        return None if optional_none else ""
    if not isinstance(value, str):
        raise InputError("invalid_input", _("%(field)s must be text.") % {"field": field}, field=field)
    value = value.strip()
    if field == "message_id":
        value = value.strip("<>").strip()
    if _CONTROL.search(value) or (field == "message_id" and any(ch.isspace() for ch in value)):
        raise InputError("invalid_input", _("%(field)s contains spaces or control characters.") % {"field": field},
                         field=field)
    if len(value) > HEADER_LIMIT:
        raise InputError("too_long", _("%(field)s is too long (at most %(max)s characters).")
                         % {"field": field, "max": HEADER_LIMIT}, field=field)
    return value or (None if optional_none else "")


@functools.lru_cache(maxsize=4096)
def is_valid_email(address: str) -> bool:
    """Whether Django's ``validate_email`` takes the address (a pure check of the text, kept for the addresses
    seen lately: a mail's sender is checked when it is read, when its message is stored and when it is answered)."""
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _sender(author_name: Any, author_email: Any) -> tuple[str, str]:
    name = author_name if isinstance(author_name, str) else ""
    name = " ".join(_CONTROL.sub(" ", name).split())[:200]
    email = author_email.strip() if isinstance(author_email, str) else ""
    if email and not is_valid_email(email):
        raise InputError("invalid_email", _("%(value)r is not a valid email address.") % {"value": email[:100]},
                         field="author_email")
    return name, email[:254]


class CleanFields(NamedTuple):
    body: str
    author_name: str
    author_email: str
    html: str
    original: str
    message_id: str | None
    in_reply_to: str


def _clean_fields(*, body: Any, author_name: Any, author_email: Any, html: Any, original: Any, message_id: Any,
                  in_reply_to: Any) -> CleanFields:
    """A message's free fields checked and cleaned (:class:`InputError` naming the field), for :func:`post_message`
    and the set of mail written at once (``desk.bulk.prepare``): one place, so both store the same values."""
    text = _body(body)
    name, email = _sender(author_name, author_email)
    return CleanFields(text, name, email, _raw(html, "html", HTML_LIMIT), _raw(original, "original", ORIGINAL_LIMIT),
                       _header(message_id, "message_id", optional_none=True),
                       _header(in_reply_to, "in_reply_to") or "")


def _check_author(author: User | None, visibility: str, direction: str) -> None:
    """ET-4: who may write what (see the module docstring). Whether the author may see the work order
    is checked on the locked row, in the write transaction (``_store``)."""
    if author is None:
        if visibility == Visibility.INTERNAL:
            raise forbidden(_("Internal notes are written by the help desk staff only."))
        return
    if not getattr(author, "is_authenticated", False) or not author.is_active:
        raise forbidden(_("Sign in to write a message."))
    if is_staff(author):
        return
    if visibility == Visibility.INTERNAL:
        raise forbidden(_("Internal notes are written by the help desk staff only."))
    if direction != MessageDirection.INBOUND:
        raise InputError("invalid_direction", _("A customer's message goes to the help desk (direction «in»)."),
                         field="direction")


def _prepare_files(items: Iterable[FileItem], *, work_order: WorkOrder, author: User | None,
                   internal: bool) -> tuple[list[Attachment], list[Attachment]]:
    """New files checked and stored (rows unsaved), and files already attached to link to the message."""
    import io

    new: list[Attachment] = []
    existing: list[Attachment] = []
    try:
        for item in items:
            if isinstance(item, Attachment):
                if item.work_order_id != work_order.pk or item.message_id is not None:
                    raise InputError("not_found", _("No such attachment."), status=404, field="attachments")
                existing.append(item)
                continue
            if not (isinstance(item, tuple) and len(item) == 2):
                raise InputError("invalid_input", _("Each attachment is a file name and its content."),
                                 field="attachments")
            name, content = item
            handle = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
            new.append(files.prepare(file=handle, filename=name, uploaded_by=author, internal=internal))
    except BaseException:
        files.discard(new)
        raise
    return new, existing


def _take_credentials(body: str, html: str, original: str) -> tuple[str, str, str, credentials.Found]:
    """ET-3: every credential found in any of the three texts, replaced by its label in all three."""
    body, found = credentials.take_credentials(body)
    html_text = nh3.clean(html, tags=set()) if html else ""
    secrets = [*found, *credentials.take_credentials(html_lib.unescape(html_text))[1],
               *credentials.take_credentials(original)[1]]
    unique: dict[tuple[str, str], Any] = {}
    for secret in secrets:
        unique.setdefault((secret.kind, secret.value), secret)
    for secret in sorted(unique.values(), key=lambda s: -len(s.value)):
        body = body.replace(secret.value, secret.label)
        for form in {secret.value, html_lib.escape(secret.value, quote=False), html_lib.escape(secret.value)}:
            html = html.replace(form, secret.label)
            original = original.replace(form, secret.label)
    return body, html, original, [("message", secret) for secret in unique.values()]


def language_findings(*, work_order: WorkOrder, body: str, channel: str) -> list[dict[str, Any]]:
    """What the language assistant finds in a public reply (NT, DN, PT-2; jargon by CO-3 level)."""
    from atiende.language import LEVELS, analyze

    level = work_order.knowledge_level if work_order.knowledge_level in LEVELS else None
    language = (translation.get_language() or "es")[:2]
    analysis = analyze(body, as_="tecnico", level=level, channel=_CHECK_CHANNEL.get(channel, "email"),
                       language="en" if language == "en" else "es")
    return [finding.to_json() for finding in analysis.findings]


def _wake_or_reopen(work_order: WorkOrder, message: Message, now: datetime) -> bool:
    """A customer's public message: it is their move no more; a closed work order reopens (SP-1)."""
    values: dict[str, Any] = {"awaiting_customer_since": None, "updated_at": now}
    reopened = work_order.phase == Phase.CLOSURE
    if reopened:
        values.update(phase=Phase.SATISFACTION, closed_at=None, closing_contact_at=None,
                      closing_contact_channel="", closing_contact_note="")
        diff = {k: (getattr(work_order, k), v) for k, v in values.items()
                if k not in ("updated_at", "awaiting_customer_since") and getattr(work_order, k) != v}
        record_event(work_order, message.author, "reopened", diff, at=now,
                note=_("Reopened: the customer wrote after it was closed (message %(id)s).") % {"id": message.pk})
        WorkOrder.objects.filter(pk=work_order.pk).update(version=F("version") + 1, **values)
        work_order.version += 1
    else:
        WorkOrder.objects.filter(pk=work_order.pk).update(**values)
    for name, value in values.items():
        setattr(work_order, name, value)  # the caller's copy says what the row now says
    return reopened


def post_message(
    *,
    work_order: WorkOrder,
    body: str,
    visibility: str,
    channel: str,
    direction: str,
    author: User | None = None,
    author_name: str = "",
    author_email: str = "",
    html: str = "",
    original: str = "",
    message_id: str | None = None,
    in_reply_to: str = "",
    attachments: Iterable[FileItem] = (),
    at: datetime | None = None,
    quiet: bool = False,
) -> Message:
    """Add a message to a work order's conversation (see the module docstring for the rules).

    ``attachments``: ``(file name, bytes or file)`` pairs, checked as any upload is
    (``atiende.desk.attachments``), or files already attached to this work order and to no
    message. A message may have no text when it brings a file. Refusals store nothing and
    raise :class:`InputError`: 400 bad input, 403 a role that may not, 404 a work order or
    file not visible, 409 a closed work order or a Message-ID already stored
    (``duplicate_message``: what a retried delivery gets). ``quiet``: a line of a live conversation
    (see the module docstring).
    """
    visibility = clean_choice(visibility, "visibility", Visibility)
    channel = clean_choice(channel, "channel", Channel)
    direction = clean_choice(direction, "direction", MessageDirection)
    text, name, email, html, original, the_message_id, reply_to = _clean_fields(
        body=body, author_name=author_name, author_email=author_email, html=html, original=original,
        message_id=message_id, in_reply_to=in_reply_to)
    _check_author(author, visibility, direction)
    staff_author = is_staff(author)
    internal = visibility == Visibility.INTERNAL
    # A Message-ID already stored is found by its unique key when the row is written (a savepoint in
    # _store): one query less for every message, and the same 409 whoever wins a race.
    items = list(attachments or ())
    if not text and not items:
        raise InputError("required", _("Write a message or attach a file."), field="body")
    safe_html = sanitise_html(html) if html.strip() else ""
    text, safe_html, original, found = _take_credentials(text, safe_html, original)
    findings: list[dict[str, Any]] = []
    if staff_author and not internal and direction == MessageDirection.OUTBOUND and text:
        findings = language_findings(work_order=work_order, body=text, channel=channel)
    new_files, existing = _prepare_files(items, work_order=work_order, author=author,
                                         internal=internal and staff_author)
    try:
        message, reopened = _store(
            work_order=work_order, author=author, staff_author=staff_author,
            values={"author_name": name, "author_email": email, "direction": direction, "channel": channel,
                    "visibility": visibility, "body": text, "body_html": safe_html, "original": original or None,
                    "message_id": the_message_id, "in_reply_to": reply_to, "checked_findings": findings},
            new_files=new_files, existing=existing, found=found, at=at, quiet=quiet,
        )
    except BaseException:
        files.discard(new_files)
        raise
    transaction.on_commit(lambda: message_posted.send_robust(
        sender=Message, message=message, work_order=message.work_order, reopened=reopened))
    return message


def _duplicate(message_id: str) -> InputError:
    return InputError("duplicate_message", _("A message with this Message-ID is already stored."),
                      status=409, field="message_id")


def _store(*, work_order: WorkOrder, author: User | None, staff_author: bool, values: dict[str, Any],
           new_files: list[Attachment], existing: list[Attachment], found: credentials.Found,
           at: datetime | None, quiet: bool = False) -> tuple[Message, bool]:
    now = timezone.now()
    # Derived rows (the search entry, the SLA clocks) once, at the end of this transaction (atiende.db.coalesced).
    with transaction.atomic(), db.coalesced():
        # The work order's row, locked, and only if the author may see it (404 otherwise, ET-4); no joins:
        # nothing here needs the customer or the team.
        rows = WorkOrder.objects if author is None else visible_work_orders(author)
        current = rows.select_related(None).select_for_update(of=("self",)).filter(pk=work_order.pk).first()
        if current is None:
            raise InputError("not_found", _("No such work order."), status=404)
        from_customer = values["direction"] == MessageDirection.INBOUND and values["visibility"] == Visibility.PUBLIC
        if staff_author:
            require_open(current)  # SP-1: read-only for the staff until reopened
        if new_files:
            files.room_left(current, len(new_files))
        message = Message(work_order=current, author=author, created_at=at or now, **values)
        if values["message_id"]:
            try:
                with transaction.atomic():  # a savepoint: a duplicate Message-ID is a clear 409, not a broken transaction
                    message.save()
            except IntegrityError as exc:
                raise _duplicate(values["message_id"]) from exc
        else:
            message.save()
        for attachment in new_files:
            attachment.message = message
            files.save_prepared(work_order=current, actor=author, attachment=attachment)
        for attachment in existing:
            Attachment.objects.filter(pk=attachment.pk).update(
                message=message, internal=attachment.internal or values["visibility"] == Visibility.INTERNAL)
        public = values["visibility"] == Visibility.PUBLIC
        # Whose move it is changes: the customer's message while a reply of the help desk awaits them (or on a closed
        # work order, which it reopens), the help desk's public reply while it was the help desk's move.
        turns = (current.awaiting_customer_since is not None or current.phase == Phase.CLOSURE if from_customer
                 else public and current.awaiting_customer_since is None and current.phase != Phase.CLOSURE)
        if not quiet or turns or new_files or existing:
            record_event(current, author, "message", {
                "visibility": (None, values["visibility"]), "direction": (None, values["direction"]),
                "channel": (None, values["channel"]),
            }, note=f"message {message.pk}", at=now)
        reopened = False
        if from_customer:
            reopened = _wake_or_reopen(current, message, now)
        elif values["visibility"] == Visibility.PUBLIC and current.phase != Phase.CLOSURE:
            WorkOrder.objects.filter(pk=current.pk).update(awaiting_customer_since=now, updated_at=now)
            current.awaiting_customer_since = current.updated_at = now
        # After the reopening: the vault takes nothing on a closed work order (ET-3, purge on closure), and a
        # customer's password on one they reopen is theirs to keep. What stays closed refuses it (409, whole).
        credentials.store_in_vault(work_order=current, actor=author, found=found)
        message_stored.send_robust(sender=Message, message=message, work_order=current)
    return message, reopened


def default_channel(work_order: WorkOrder, author: User | None) -> str:
    """The channel of a message written in Atiende's own pages or API.

    A customer writes through the portal. The help desk's reply goes out by email when the
    customer has an address (the mail adapter sends it), else it waits in the portal.
    """
    if author is not None and not is_staff(author):
        return str(Channel.PORTAL)
    has_email = ContactPoint.objects.filter(customer_id=work_order.customer_id, kind=ContactPoint.Kind.EMAIL).exists()
    return str(Channel.EMAIL if has_email else Channel.PORTAL)
