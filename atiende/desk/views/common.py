"""The desk pages' own helpers: history values shown as people read them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from atiende.desk.models import (
    Channel,
    Commitment,
    ContactPoint,
    Direction,
    FormOfAddress,
    KnowledgeLevel,
    Phase,
    Priority,
)

# History values stored as codes, shown as the labels people read.
VALUE_CHOICES: dict[str, dict[str, Any]] = {
    "channel": dict(Channel.choices), "closing_contact_channel": dict(Channel.choices),
    "direction": dict(Direction.choices), "phase": dict(Phase.choices), "priority": dict(Priority.choices),
    "knowledge_level": dict(KnowledgeLevel.choices), "status": dict(Commitment.Status.choices),
    "address_as": dict(FormOfAddress.choices), "preferred_language": dict(settings.LANGUAGES),
}


def readable_value(field: str, value: Any) -> Any:
    """A stored history value as a person reads it: names, labels, local times."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return value.get("name") or value.get("id")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(readable_value(field, v)) for v in value)
    if field == "contact_points" and isinstance(value, str) and ":" in value:
        kind, _sep, point = value.partition(":")  # stored as «movil:+34 622 118 904»
        return f"{dict(ContactPoint.Kind.choices).get(kind, kind)}: {point}"
    if field in VALUE_CHOICES:
        return VALUE_CHOICES[field].get(value, value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        moment = parse_datetime(value)
        if moment is not None:
            return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return value
