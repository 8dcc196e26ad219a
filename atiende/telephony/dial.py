"""Asking the PBX to dial: one outbound call connecting a technician with a customer (call-backs, campaigns).

This is the one place that builds a ``dial`` request; call-backs (:mod:`atiende.telephony.callbacks`)
and outbound campaigns both use it. Usage, inside the transaction that gives the call to the technician::

    from atiende.telephony import dial

    request = dial.request_dial(contact_row, number="+34 600 111 222", technician=user,
                                purpose=dial.Purpose.CAMPAIGN, not_after=window_end, attempt=1)
    answer_body["dial"] = request.native()        # the native CTI answer, when an event led to it
    zammad_body = request.zammad()                 # the generic (Zammad-format) answer, where it applies

What it does:

* checks the request (a number the PBX can dial, a technician with an extension, a window still open,
  attempt >= 1) and refuses bad input with :class:`~atiende.errors.InputError` naming the rule
  (``dial_number_invalid`` CH-PRO, ``dial_needs_extension`` CH-TEL, ``dial_window_closed`` PT-2...);
* gives the outbound call its own call id, ``atiende-dial-<contact>-<n>`` (the contact's
  ``external_id``): the PBX reports that call's ``answered`` and ``hangup`` on the native endpoint
  with it, so the very same engine, timers and console apply as to any call. A second dial of the same
  contact (a retry) gets the next ``n``;
* stores a ``dial`` decision in the webhook outbox (:mod:`atiende.telephony.webhooks`) in the caller's
  transaction, when a webhook URL is configured: it commits or rolls back with the assignment, is
  signed, delivered at least once, retried, and alerts the supervisors if it gives up;
* returns the :class:`DialRequest`, whose :meth:`~DialRequest.native` is the same object the webhook
  carries (for a native CTI answer) and :meth:`~DialRequest.zammad` the generic protocol's
  ``{"action": "dial", "number", "caller_id"}``.

The PBX dials agent first: it rings the technician's ``extension``, and once they pick up it calls
``number`` showing ``caller_id`` (``ATIENDE_DIAL_CALLER_ID``, the support line; empty: the PBX's own).
It must not start dialling after ``not_after`` (the customer's window). Outcomes come back as native
events on ``call_id``: ``answered`` (the customer picked up: a normal call with the technician) or
``hangup`` before the answer with ``cause`` ``no_answer``, ``busy``, ``failed`` or ``rejected``.
See docs/cti.md, "Dialling out".
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.contact.clock import now
from atiende.contact.models import Contact
from atiende.errors import InputError
from atiende.people.models import User
from atiende.telephony import webhooks
from atiende.telephony.models import WebhookDelivery
from atiende.telephony.numbers import normalise_number

DIAL_PREFIX = "atiende-dial-"
# Causes a PBX reports for a dial the customer did not answer (hangup before ``answered``).
UNANSWERED_CAUSES = frozenset({"no_answer", "busy", "failed", "rejected", "congestion", "not_found"})


class Purpose(StrEnum):
    CALLBACK = "callback"  # a call-back the customer asked for (PT-2: its window is a commitment)
    CAMPAIGN = "campaign"  # a proactive call of an outbound campaign (CH-PRO)


@dataclass(frozen=True)
class DialRequest:
    """One dial decision, as the PBX receives it (webhook body and native answer alike)."""

    decision_id: str
    contact: int
    call_id: str
    number: str
    technician: dict[str, Any]
    purpose: str
    attempt: int
    not_after: datetime | None
    caller_id: str
    at: datetime
    rule: str

    def native(self) -> dict[str, Any]:
        """The decision as JSON: the webhook's body, and the ``dial`` object of a native CTI answer."""
        return {
            "id": self.decision_id, "action": "dial", "contact": self.contact, "call_id": self.call_id,
            "number": self.number, "caller_id": self.caller_id, "technician": self.technician,
            "purpose": self.purpose, "attempt": self.attempt,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "state": "offered", "rule": self.rule, "at": self.at.isoformat(), "zammad": self.zammad(),
        }

    def zammad(self) -> dict[str, Any]:
        """The generic (Zammad-format) answer: ``{"action": "dial", "number", "caller_id"}``."""
        return {"action": "dial", "number": self.number.lstrip("+"), "caller_id": self.caller_id.lstrip("+")}


def caller_id() -> str:
    """The number the customer sees (``ATIENDE_DIAL_CALLER_ID``); empty: the PBX's own."""
    return os.environ.get("ATIENDE_DIAL_CALLER_ID", "").strip()


def dialable(number: str, *, rule: str = "CH-PRO", field: str = "number") -> str:
    """The number in E.164 (``+34600111222``), or a refusal: the PBX cannot dial a name or a fragment."""
    if not isinstance(number, str) or not number.strip():
        raise InputError("dial_number_required", _("A phone number to call is required."), rule=rule, field=field)
    key = normalise_number(number, settings.ATIENDE_DEFAULT_REGION)
    if not re.fullmatch(r"\+[0-9]{8,15}", key):
        raise InputError("dial_number_invalid",
                         _("%(number)s is not a phone number that can be called (write it with its country "
                           "code, e.g. +34 600 111 222).") % {"number": number.strip()[:40]}, rule=rule, field=field)
    return key


def next_call_id(contact_id: int, attempt: int) -> str:
    return f"{DIAL_PREFIX}{contact_id}-{attempt}"


def request_dial(row: Contact, *, number: str, technician: User, purpose: Purpose | str, attempt: int = 1,
                 not_after: datetime | None = None, at: datetime | None = None) -> DialRequest:
    """Ask the PBX to connect ``technician`` with ``number`` for the contact ``row`` (see the module).

    Call inside the transaction that holds ``row`` locked (the one giving it to the technician). The row's
    ``external_id`` becomes the dial's call id (saved here). Raises :class:`InputError` for bad input,
    changing nothing.
    """
    purpose = Purpose(purpose)
    rule = "PT-2" if purpose is Purpose.CALLBACK else "CH-PRO"
    moment = at or now()
    clean = dialable(number, rule=rule)
    if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
        raise InputError("dial_attempt_invalid", _("The attempt number starts at 1."), rule=rule, field="attempt")
    if not_after is not None and not_after <= moment:
        raise InputError("dial_window_closed",
                         _("The customer's window to be called ended at %(end)s: it is too late to call.")
                         % {"end": not_after.isoformat(timespec="minutes")}, rule="PT-2", status=409,
                         field="not_after")
    if not technician.extension:
        raise InputError("dial_needs_extension",
                         _("%(user)s has no phone extension: the PBX cannot connect them to the customer.")
                         % {"user": technician.get_username()}, rule="CH-TEL", status=409, field="technician")
    call_id = next_call_id(row.pk, _dial_number(row))
    row.external_id = call_id
    row.save(update_fields=["external_id"])
    request = DialRequest(
        decision_id=str(uuid.uuid4()), contact=row.pk, call_id=call_id, number=clean,
        technician={"id": technician.pk, "username": technician.username, "extension": technician.extension},
        purpose=purpose.value, attempt=attempt, not_after=not_after, caller_id=caller_id(), at=moment, rule=rule,
    )
    if webhooks.webhook_url():
        WebhookDelivery.objects.create(decision_id=request.decision_id, contact=row, action="dial",
                                       payload=request.native(), created_at=moment, next_attempt_at=moment)
        transaction.on_commit(webhooks.nudge)
    return request


def _dial_number(row: Contact) -> int:
    """The n of this contact's next dial call id: one more than the last one it had."""
    current = row.external_id or ""
    prefix = f"{DIAL_PREFIX}{row.pk}-"
    if current.startswith(prefix) and current[len(prefix):].isdigit():
        return int(current[len(prefix):]) + 1
    return 1


def is_dial(call_id: str | None) -> bool:
    """Whether this call id is one Atiende gave a dial (the PBX reports its outcome with it)."""
    return bool(call_id) and str(call_id).startswith(DIAL_PREFIX)
