"""A technician's own availability: a pause with its reason, and back to available (then routing)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from atiende import engine
from atiende.contact.clock import now
from atiende.contact.models import (
    Contact,
    ContactState,
    TechnicianState,
    TechnicianStatus,
)
from atiende.contact.services.locking import tx
from atiende.contact.services.routing import dispatch
from atiende.contact.services.technicians import (
    engine_technician,
    require_staff,
    store_technician,
    technician_changed,
    technician_state,
)
from atiende.db import single_writer
from atiende.errors import InputError
from atiende.people.models import User


@single_writer
def pause(*, user: User, reason: str) -> TechnicianState:
    """The technician steps away, with a reason (en pausa)."""
    require_staff(user)
    with tx():
        row = TechnicianState.objects.select_for_update().select_related("user").get(pk=technician_state(user).pk)
        tech = engine_technician(row)
        tech.pause(reason=reason, now=now())
        store_technician(row, tech, now())
        technician_changed(row)
    return row


@single_writer
def make_available(*, user: User) -> TechnicianState:
    """The technician is ready for calls (disponible); waiting contacts are routed at once."""
    require_staff(user)
    with tx():
        row = TechnicianState.objects.select_for_update().select_related("user").get(pk=technician_state(user).pk)
        if row.status in (TechnicianStatus.WRAP_UP, TechnicianStatus.PAUSED):
            # A pause taken during the wrap-up does not skip it: the wrap-up still has to end first.
            live = Contact.objects.filter(assignee=user, state=ContactState.WRAP_UP).exists()
            if live:
                raise InputError("wrap_up_pending", _("Finish the wrap-up of your last call first."),
                                 status=409, rule="CH-TEL")
        tech = engine_technician(row)
        if tech.status is engine.TechnicianStatus.OFFLINE:
            tech.status = engine.TechnicianStatus.PAUSED  # so make_available stamps idle_since
        tech.make_available(now=now())
        store_technician(row, tech, now())
        technician_changed(row)
    dispatch()
    row.refresh_from_db()
    return row
