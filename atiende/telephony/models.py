"""The caller-block list and the generic CTI calls (callId ↔ contact, replies kept for repeats)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BlockedCaller(models.Model):
    """A number (or a prefix ending in ``*``, or ``anonymous``) whose calls are rejected as busy."""

    pattern = models.CharField(
        _("number pattern"), max_length=80, unique=True,
        help_text=_("A number, a prefix ending in * (e.g. +34900*), or anonymous."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pattern"]
        verbose_name = _("blocked caller")
        verbose_name_plural = _("blocked callers")

    def __str__(self) -> str:
        return self.pattern


class CallOutcome(models.TextChoices):
    OPEN = "", _("In progress")
    REJECTED = "rejected", _("Rejected (blocked caller)")
    ENDED = "ended", _("Ended")
    ABANDONED = "abandoned", _("Abandoned")
    MISSED = "missed", _("Missed")


class GenericCall(models.Model):
    """One call reported through the generic CTI protocol: its contact and each event's reply.

    ``replies`` keeps, per event (newCall, answer, hangup), the reply that was
    given: a repeated event gets the very same reply and changes nothing.
    """

    call_id = models.CharField(_("call id"), max_length=250, unique=True)
    contact = models.OneToOneField("contact.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="generic_call")
    token = models.ForeignKey("people.ApiToken", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    direction = models.CharField(_("direction"), max_length=3, default="in")
    caller = models.CharField(_("from"), max_length=80, blank=True)
    callee = models.CharField(_("to"), max_length=80, blank=True)
    queue = models.CharField(_("queue"), max_length=60, blank=True)
    users = models.JSONField(_("users named by the PBX"), default=list, blank=True)
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("technician"))
    last_event = models.CharField(_("last event handled"), max_length=10)
    cause = models.CharField(_("hang-up cause"), max_length=20, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CallOutcome.choices, blank=True, default="")
    replies = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("generic CTI call")
        verbose_name_plural = _("generic CTI calls")

    def __str__(self) -> str:
        return self.call_id
