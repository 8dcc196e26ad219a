"""The do-not-call list: numbers no campaign dials, whoever they belong to (beside the customer's own flag).

Numbers are kept in E.164, the key the lists and the PBX compare by, so «600 11 22 33» and
«+34 600 112 233» are one entry. Adding a number sets aside, at once, the people still to
call with it on every campaign (they show as *do not call*); the rule is checked again when
a technician takes the next person and when they dial (atiende/campaigns/services/preview.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from atiende.campaigns.core import TO_CALL
from atiende.campaigns.core import TargetStatus as Status
from atiende.campaigns.models import DoNotCall, Target
from atiende.campaigns.services.checks import require_manager, require_staff
from atiende.contact.clock import now
from atiende.db import single_writer
from atiende.errors import InputError
from atiende.people.models import User
from atiende.telephony.numbers import normalise_number


def number_of(value: Any) -> str:
    """The E.164 key of a phone number, or a refusal naming CH-PRO."""
    if not isinstance(value, str) or not value.strip():
        raise InputError("number_required", _("A phone number is required."), field="number", rule="CH-PRO")
    number = normalise_number(value, settings.ATIENDE_DEFAULT_REGION or None)
    if not number.startswith("+") or not number[1:].isdigit() or not 8 <= len(number) <= 16:
        raise InputError("invalid_phone", _("%(number)s is not a phone number (write it with its country code, "
                                            "e.g. +34 600 111 222).") % {"number": value.strip()[:40]},
                         field="number", rule="CH-PRO")
    return number


@single_writer
def add_number(*, actor: User, number: Any, reason: Any = "") -> DoNotCall:
    """Put a number on the list (any staff member: a customer's wish is honoured by whoever hears it)."""
    require_staff(actor)
    key = number_of(number)
    clean_reason = reason.strip()[:300] if isinstance(reason, str) else ""
    with transaction.atomic():
        entry, _created = DoNotCall.objects.get_or_create(number=key, defaults={"reason": clean_reason,
                                                                                "added_by": actor})
        Target.objects.filter(number=key, status__in=list(TO_CALL), held_by__isnull=True).update(
            status=Status.DO_NOT_CALL, updated_at=now())
    return entry


@single_writer
def remove_number(*, actor: User, number: Any) -> None:
    """Take a number off the list (supervisors: it undoes a customer's wish). People set aside stay so."""
    require_manager(actor)
    key = number_of(number)
    deleted, _rows = DoNotCall.objects.filter(number=key).delete()
    if not deleted:
        raise InputError("not_on_list", _("%(number)s is not on the do-not-call list.") % {"number": key},
                         status=404, field="number", rule="CH-PRO")
