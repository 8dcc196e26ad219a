"""In-app notifications for the help desk staff, and what each person wants to hear of.

A notification is kept whether it is shown in the app, sent by email or both (its
``in_app`` says whether the bell shows it); the email copy is sent by the mail
adapter, which listens to ``notification_stored`` (inside the transaction) and asks
:func:`atiende.notifications.selectors.wants_email`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NEW_REQUEST = "new_request", _("New request in my team's queue")
    ASSIGNED = "assigned", _("A work order is assigned to me")
    CUSTOMER_REPLY = "customer_reply", _("A customer wrote on my work order")
    COMMITMENT_DUE = "commitment_due", _("A commitment of mine comes due or was missed")
    SLA_WARNING = "sla_warning", _("A work order I follow has used 80 % of its service-level target")
    SLA_BREACH = "sla_breach", _("A work order I follow breached its service level")
    LOW_SATISFACTION = "low_satisfaction", _("A customer of my team rated us low (SP-4)")


class Delivery(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("By email")


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications", verbose_name=_("recipient"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    work_order = models.ForeignKey("desk.WorkOrder", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="notifications", verbose_name=_("work order"))
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=500, blank=True)
    in_app = models.BooleanField(_("shown in the app"), default=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "in_app", "read_at"])]

    def __str__(self) -> str:
        return self.text


class Preference(models.Model):
    """One switch a person turned away from the default (see ``selectors.DEFAULTS``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    delivery = models.CharField(_("delivery"), max_length=8, choices=Delivery.choices)
    enabled = models.BooleanField(_("enabled"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "delivery"],
                                               name="notification_preference_once")]
