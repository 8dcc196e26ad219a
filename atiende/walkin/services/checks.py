"""Input checks of the walk-in desk: the desk's own texts, with CH-PRE named in every refusal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from atiende.desk.services.checks import clean_text
from atiende.errors import InputError
from atiende.walkin.models import Service


def text(value: Any, field: str, max_length: int, *, label: str, required: bool = False) -> str:
    """:func:`desk.services.checks.clean_text`, its refusal naming CH-PRE."""
    try:
        return clean_text(value, field, max_length, required=required, label=label)
    except InputError as error:
        error.rule = error.rule or "CH-PRE"
        raise


def service_named(value: Any) -> Service:
    """A service by its id or its ticket letter; an unknown one is refused naming CH-PRE (404)."""
    if isinstance(value, Service):
        return value
    key = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    services = Service.objects.select_related("queue")
    found = (services.filter(pk=int(key)) if key.isdigit() else services.filter(letter=key.upper())).first() if key \
        else None
    if found is None:
        raise InputError("unknown_service", _("Choose one of the services offered at the desk."), status=404,
                         field="service", rule="CH-PRE")
    return found
