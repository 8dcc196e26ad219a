"""Queues, technicians' live state, contacts and their append-only log, deadlines, alerts.

The engine's full view of a contact is kept in ``Contact.data`` (JSON, written
by the engine's ``to_dict``); the columns beside it copy what queries need
(state, queue, assignee, times) so lists and claims use indexes.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende import engine

# The engine's lists of states by meaning, re-exported for queries on the models.
from atiende.engine import FINAL_STATES as FINAL_STATES
from atiende.engine import HUNG_UP as HUNG_UP
from atiende.engine import IN_CONVERSATION as IN_CONVERSATION
from atiende.engine import OPEN_STATES as OPEN_STATES
from atiende.engine import UNANSWERED as UNANSWERED
from atiende.engine.channels import Channel as EngineChannel


def _choices(name: str, vocabulary: type[StrEnum], labels: dict[Any, Any]) -> Any:
    """Django choices for one of the engine's enums: its names and values, with translated labels here.

    The engine's enum is the one source: a member without a label (one added to the engine) stops the
    start, and the database values are the engine's values.
    """
    missing = [member.name for member in vocabulary if member not in labels]
    if missing:
        raise RuntimeError(f"{name}: no label for the engine's {', '.join(missing)}")
    return models.TextChoices(name, [(member.name, (member.value, labels[member])) for member in vocabulary])


class Queue(models.Model):
    """Where waiting contacts line up: the tiers that serve it in order, the skills it needs, its policies."""

    name = models.SlugField(_("name"), max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=120, blank=True)
    tiers = models.JSONField(_("tiers"), default=list, help_text=_("Support levels in order, e.g. [1, 2]."))
    skills = models.JSONField(_("skills"), default=list, blank=True)
    policy = models.JSONField(
        _("policy overrides"), default=dict, blank=True,
        help_text=_("Overrides of the organisation's or the default policies (PO-1, PO-2...)."),
    )
    # ET-4: the team whose supervisors see and act on this queue's contacts. No team means a shared
    # queue that every supervisor sees (see atiende/contact/selectors.py, visible_contacts).
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="queues", verbose_name=_("team"),
                             help_text=_("Supervisors of this team see its calls; empty: every supervisor."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.label or self.name


class OrganisationPolicy(models.Model):
    """An organisation's own call policies (PO-1..PO-3), between the defaults and a queue's."""

    organisation = models.OneToOneField("desk.Organisation", on_delete=models.CASCADE, related_name="call_policy")
    policy = models.JSONField(_("policy overrides"), default=dict, blank=True)

    class Meta:
        verbose_name = _("organisation call policy")
        verbose_name_plural = _("organisation call policies")


# The engine's technician status (engine.TechnicianStatus) as model choices.
TechnicianStatus = _choices("TechnicianStatus", engine.TechnicianStatus, {
    engine.TechnicianStatus.AVAILABLE: _("Available"),
    engine.TechnicianStatus.BUSY: _("Busy"),
    engine.TechnicianStatus.PAUSED: _("Paused"),
    engine.TechnicianStatus.WRAP_UP: _("Wrap-up"),
    engine.TechnicianStatus.OFFLINE: _("Offline"),
})


class TechnicianState(models.Model):
    """A technician's live state for routing; one row per user, locked when a call is offered."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="desk_state"
    )
    status = models.CharField(_("status"), max_length=20, choices=TechnicianStatus.choices,
                              default=TechnicianStatus.OFFLINE, db_index=True)
    pause_reason = models.CharField(_("pause reason"), max_length=200, blank=True)
    idle_since = models.DateTimeField(_("idle since"), null=True, blank=True)
    calls_today = models.PositiveIntegerField(_("calls today"), default=0)  # PO-3
    calls_day = models.DateField(_("day counted"), null=True, blank=True)
    queues = models.JSONField(_("queues"), default=list, blank=True,
                              help_text=_("Queues this technician serves; empty means all."))
    # CH-VIR: chats this technician holds at once; empty: the queue's policy (max_chats, 3 by default).
    max_chats = models.PositiveSmallIntegerField(
        _("chats at once"), null=True, blank=True,
        help_text=_("Chats this technician holds at once; empty: the queue's policy (3 by default)."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("technician state")
        verbose_name_plural = _("technician states")

    def __str__(self) -> str:
        return f"{self.user} ({self.status})"


# The engine's contact state (engine.ContactState) as model choices; the lists of states by meaning
# (IN_CONVERSATION, HUNG_UP, UNANSWERED, OPEN_STATES...) are the engine's, imported above.
ContactState = _choices("ContactState", engine.ContactState, {
    engine.ContactState.WAITING: _("Waiting"),
    engine.ContactState.OFFERED: _("Ringing"),
    engine.ContactState.TALKING: _("Talking"),
    engine.ContactState.ON_HOLD: _("On hold"),
    engine.ContactState.TRANSFER_PENDING: _("Transfer pending"),
    engine.ContactState.ESCALATED: _("Escalated"),
    engine.ContactState.WRAP_UP: _("Wrap-up"),
    engine.ContactState.ENDED: _("Ended"),
    engine.ContactState.ABANDONED: _("Abandoned"),
})


# The engine's channels (engine.channels.Channel) as model choices: a call, or a visitor at the desk (CH-PRE).
ContactChannel = _choices("ContactChannel", EngineChannel, {
    EngineChannel.PHONE: _("Phone"),
    EngineChannel.IN_PERSON: _("In person"),
    EngineChannel.CHAT: _("Chat"),
})


class Contact(models.Model):
    """A call (or other live contact) from arrival to the end of the wrap-up."""

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="contacts")
    state = models.CharField(_("state"), max_length=20, choices=ContactState.choices,
                             default=ContactState.WAITING)
    direction = models.CharField(_("direction"), max_length=10, default="inbound")
    # CH-PRE: a visitor waits for a technician's call-next; routing rings nobody with them (engine.channels).
    channel = models.CharField(_("channel"), max_length=12, choices=ContactChannel.choices,
                               default=ContactChannel.PHONE)
    caller = models.CharField(_("from"), max_length=80, blank=True)
    callee = models.CharField(_("to"), max_length=80, blank=True)
    external_id = models.CharField(_("telephony call id"), max_length=120, null=True, blank=True, unique=True)
    customer = models.ForeignKey("desk.Customer", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="contacts")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="contacts")
    offered_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("arrived"), default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict)  # the engine's contact (engine.Contact.to_dict)
    version = models.PositiveIntegerField(default=1)
    # The engine's figures of the call (HO, TR-1) copied out of ``data`` on every save that writes it, in the
    # same statement (see save): reports add them up in SQL without reading JSON (reports/aggregates.py).
    hold_count = models.IntegerField(_("holds"), default=0, editable=False)
    hold_seconds = models.FloatField(_("seconds on hold"), default=0.0, editable=False)
    hold_overruns = models.IntegerField(_("hold overruns"), default=0, editable=False)
    transfer_count = models.IntegerField(_("transfers"), default=0, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        # created_at alone: reports read the calls that arrived in a period (reports/aggregates.py).
        indexes = [models.Index(fields=["state", "queue", "created_at"]), models.Index(fields=["created_at"],
                                                                                        name="contact_arrived_idx")]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"#{self.pk} {self.state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, with the figure columns copied from ``data`` whenever ``data`` is written (one statement)."""
        fields = kwargs.get("update_fields")
        if fields is None or "data" in fields:
            for column, value in figures_of(self.data).items():
                setattr(self, column, value)
            if fields is not None:
                kwargs["update_fields"] = [*fields, *(f for f in FIGURE_COLUMNS if f not in fields)]
        super().save(*args, **kwargs)


FIGURE_COLUMNS = ("hold_count", "hold_seconds", "hold_overruns", "transfer_count")


def figures_of(data: Any) -> dict[str, int | float]:
    """The figure columns of a call's engine data: a JSON number each (an integer one truncated toward zero);
    anything else (missing, text, a boolean) counts as 0, as the reports always read them."""
    found: dict[str, int | float] = {}
    for column in FIGURE_COLUMNS:
        value = data.get(column) if isinstance(data, dict) else None
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else 0
        found[column] = float(number) if column == "hold_seconds" else _whole(number)
    return found


def _whole(number: float) -> int:
    """Truncated toward zero, kept inside a 4-byte integer column (nothing the engine writes comes near it)."""
    if not math.isfinite(number):
        return 0
    return max(-(2**31), min(2**31 - 1, int(number)))


class ContactEvent(models.Model):
    """Append-only: what happened to a contact, when, who did it, and the rule it concerns."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    rule = models.CharField(max_length=12, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["contact", "at"]), models.Index(fields=["kind", "at"])]


class Deadline(models.Model):
    """A stored timer: any worker claims it when due and fires it; nothing lives only in memory."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=30)
    key = models.CharField(max_length=60)
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["contact", "key"], name="contact_deadline_once")]
        indexes = [models.Index(fields=["fired_at", "due_at"])]


class AlertLevel(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class Alert(models.Model):
    """A policy warning or breach, a hold overrun reminder, an escalation: stored, shown, acknowledged."""

    kind = models.CharField(max_length=30)
    rule = models.CharField(max_length=12)
    level = models.CharField(max_length=10, choices=AlertLevel.choices)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="contact_alerts")
    message_es = models.TextField()
    message_en = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["acknowledged_at", "created_at"])]

    def message(self, language: str = "es") -> str:
        return self.message_en if language.startswith("en") else self.message_es
