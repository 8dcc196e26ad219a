"""«Llámenme» in the chat widget (issue 18, PT-2): a visitor of the site, online or not, asks to be called back.

The widget sends a name, the phone to call, the window they can take the call in (a day and two times in the
contact center's time zone; none: from now, for the next two hours), their explicit consent to be called at
that number, and optionally an email and what it is about. It becomes:

* the customer: the one whose email it is (as the offline form), else the one whose phone it is, else a new one
  with that phone;
* a request (work order, channel chat) saying what they asked, so the promise has a place the customer and the
  technicians see;
* the call-back itself (:func:`atiende.telephony.callbacks.request_callback`, origin ``chat``): a contact in the
  queue, dialled in the window, with its PT-2 commitment on that request.

A phone number libphonenumber does not take for a real number is refused (``phone_invalid``, PT-2), naming the
field, before anything is stored; so is a missing consent (``callback_consent_required``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.chat.selectors import widget_for_key
from atiende.chat.services.customer import _check_origin, _clean_email, _clean_language, _clean_name
from atiende.contact import selectors as contact_selectors
from atiende.db import single_writer
from atiende.desk.intake import customer_for_email, open_written_request
from atiende.desk.models import Channel, ContactPoint, Customer, WorkOrder
from atiende.errors import InputError
from atiende.telephony import callbacks
from atiende.telephony.models import Callback

NOTE_LIMIT = 300


@dataclass(frozen=True)
class Asked:
    callback: Callback
    work_order: WorkOrder


def clean_phone(value: Any) -> str:
    """The number in E.164, or a clear refusal: libphonenumber must take it for a number that can exist."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InputError("phone_required", _("Give the phone number we should call."), field="phone", rule="PT-2")
    try:
        parsed = phonenumbers.parse(text[:40], settings.ATIENDE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise InputError("phone_invalid", _("%(number)s is not a phone number we can call: write it with its country "
                                            "code, e.g. +34 600 111 222.") % {"number": text[:40]},
                         field="phone", rule="PT-2")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _parsed(read: Any, text: Any, field: str) -> Any:
    try:
        return read(str(text))
    except (TypeError, ValueError):
        raise InputError("callback_window_invalid", _("Give the day as YYYY-MM-DD and the time as HH:MM."),
                         field=field, rule="PT-2") from None


def window(day: Any, start: Any, end: Any) -> tuple[datetime | None, datetime | None]:
    """The window in the contact center's time zone; nothing given: None, None (from now, two hours)."""
    if not day and not start and not end:
        return None, None
    if not (day and start and end):
        raise InputError("callback_window_invalid", _("Give the day and both times of the window, or none of them."),
                         field="day", rule="PT-2")
    return callbacks.day_window(_parsed(date.fromisoformat, day, "from"), _parsed(time.fromisoformat, start, "from"),
                                _parsed(time.fromisoformat, end, "until"), end_field="until")


def _customer_for(*, name: str, email: str, phone: str, language: str) -> tuple[Customer, bool]:
    if email:
        customer, new = customer_for_email(email=email, name=name, language=language)
    else:
        found = contact_selectors.customer_for_caller(phone)
        if found is not None:
            return Customer.objects.get(pk=found), False
        customer, new = Customer.objects.create(name=name, preferred_language=language), True
    if not ContactPoint.objects.filter(customer=customer, kind__in=(ContactPoint.Kind.PHONE, ContactPoint.Kind.MOBILE),
                                       value=phone).exists():
        ContactPoint.objects.create(customer=customer, kind=ContactPoint.Kind.PHONE, value=phone)
    return customer, new


@single_writer
def ask_for_callback(*, widget_key: Any, name: Any, phone: Any, consent: Any, day: Any = None, start: Any = None,
                     end: Any = None, email: Any = "", note: Any = "", language: Any = "es",
                     origin: str | None = None) -> Asked:
    """The visitor's «Llámenme» (see the module): the call-back and the request its commitment is on."""
    widget = widget_for_key(widget_key)
    _check_origin(widget, origin)
    clean_name, lang = _clean_name(name), _clean_language(language)
    number = clean_phone(phone)
    if consent is not True:
        raise InputError("callback_consent_required", _("Tick that we may call you at this number."),
                         field="consent", rule="PT-2")
    clean_email = _clean_email(email) if email else ""
    text = note.strip() if isinstance(note, str) else ""
    if len(text) > NOTE_LIMIT or (note not in (None, "") and not isinstance(note, str)):
        raise InputError("callback_note_too_long", _("The note is at most 300 characters."), field="note")
    opens, closes = window(day, start, end)
    with transaction.atomic():
        customer, new = _customer_for(name=clean_name, email=clean_email, phone=number, language=lang)
        title = _("Call me back, please (chat)")
        order = open_written_request(customer=customer, title=title, problem_story=text or title, channel=Channel.CHAT,
                                     new_customer=new)
        if widget.queue.team_id and order.team_id is None:
            WorkOrder.objects.filter(pk=order.pk).update(team_id=widget.queue.team_id)
        callback = callbacks.request_callback(
            actor=None, number=number, window_start=opens, window_end=closes, queue=widget.queue.name,
            customer=customer, work_order=order, note=text, origin=Callback.Origin.CHAT)
    return Asked(Callback.objects.select_related("commitment", "work_order").get(pk=callback.pk), order)
