"""Walk-in services, visits and booked visits (CH-PRE).

A visit's state is its contact's (``Visit.contact``): waiting in the queue, called
(the engine's "offered": it is the technician's until they serve the visitor or mark
a no-show), served (in conversation, then the wrap-up), or over. The visit keeps
only what the desk adds: the ticket, the desk the visitor was sent to, how many
times they were called, and the work order they came about.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from atiende.practices import Refusal
from atiende.walkin.core import check_letter, ticket_label


class Service(models.Model):
    """What a visitor can come for (a button on the kiosk): its queue, its ticket letter, its booking slots."""

    queue = models.OneToOneField("contact.Queue", on_delete=models.PROTECT, related_name="walkin_service",
                                 verbose_name=_("queue"))
    letter = models.CharField(_("ticket letter"), max_length=1, unique=True)
    label = models.CharField(_("label"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Booked visits (CH-PRE): a slot every ``slot_minutes`` from ``opens`` to ``closes``, ``slot_capacity`` each.
    opens = models.TimeField(_("opens"), default=time(9, 0))
    closes = models.TimeField(_("closes"), default=time(14, 0))
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per booked visit"), default=20)
    slot_capacity = models.PositiveSmallIntegerField(_("booked visits per slot"), default=1)

    class Meta:
        ordering = ["position", "letter"]
        verbose_name = _("walk-in service")
        verbose_name_plural = _("walk-in services")

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        """The admin's form checks the letter as the services do (one A-Z, not the booked visits' C)."""
        try:
            self.letter = check_letter(self.letter)
        except Refusal as refusal:
            raise ValidationError({"letter": f"{refusal.message(get_language() or 'es')} ({refusal.rule})"}) from None


class Booking(models.Model):
    """A visit booked for a slot of a given day, for a customer who asked for one."""

    class Status(models.TextChoices):
        BOOKED = "reservada", _("Booked")
        CHECKED_IN = "presentada", _("Checked in")
        CANCELLED = "cancelada", _("Cancelled")
        NO_SHOW = "no_vino", _("Did not come")  # not checked in by the slot's end, or called and absent

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings",
                                verbose_name=_("service"))
    customer = models.ForeignKey("desk.Customer", on_delete=models.PROTECT, related_name="bookings",
                                 verbose_name=_("customer"))
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    work_order = models.ForeignKey("desk.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="bookings", verbose_name=_("work order"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("booked visit")
        verbose_name_plural = _("booked visits")


class Visit(models.Model):
    """A visitor checked in at reception: their ticket, and the contact that queues them."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="visits")
    contact = models.OneToOneField("contact.Contact", on_delete=models.PROTECT, related_name="visit")
    day = models.DateField(_("day"))
    letter = models.CharField(_("ticket letter"), max_length=1)
    number = models.PositiveIntegerField(_("ticket number"))
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    customer = models.ForeignKey("desk.Customer", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="visits")
    work_order = models.ForeignKey("desk.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="visits")
    booking = models.OneToOneField(Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="visit")
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                      related_name="+")
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    desk = models.CharField(_("desk"), max_length=40, blank=True)
    calls = models.PositiveSmallIntegerField(_("times called"), default=0)

    class Meta:
        ordering = ["day", "letter", "number"]
        constraints = [models.UniqueConstraint(fields=["day", "letter", "number"], name="walkin_ticket_once")]
        indexes = [models.Index(fields=["day", "called_at"])]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return self.ticket

    @property
    def ticket(self) -> str:
        return ticket_label(self.letter, self.number)


class Station(models.Model):
    """The desk a technician calls visitors to («Mesa 3»), remembered between calls."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="walkin_station")
    desk = models.CharField(_("desk"), max_length=40)

    class Meta:
        verbose_name = _("desk station")
        verbose_name_plural = _("desk stations")
