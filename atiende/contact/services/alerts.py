"""Alerts acknowledged by the technician they are for, or by a supervisor in scope (ET-4)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from atiende.contact import selectors
from atiende.contact.clock import now
from atiende.contact.models import (
    Alert,
)
from atiende.contact.services.locking import tx
from atiende.db import single_writer
from atiende.errors import InputError
from atiende.people import roles
from atiende.people.models import User


@single_writer
def acknowledge_alert(*, alert_id: int, user: User) -> Alert:
    with tx():
        alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise InputError("unknown_alert", _("There is no such alert."), status=404)
        is_manager = roles.is_manager(user)
        # ET-4: another team's alert is answered like a missing one.
        if is_manager and not selectors.visible_alerts(user, open_only=False).filter(pk=alert.pk).exists():
            raise InputError("unknown_alert", _("There is no such alert."), status=404)
        if not is_manager and alert.technician_id != user.pk:
            # ET-4: another technician's alert answers like a missing one.
            raise InputError("unknown_alert", _("There is no such alert."), status=404)
        if alert.acknowledged_at is None:
            alert.acknowledged_at = now()
            alert.acknowledged_by = user
            alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert
