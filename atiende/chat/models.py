"""Chat widgets and chat sessions (CH-VIR).

A chat's live state is its engine contact's (``ChatSession.contact``, channel ``chat``):
waiting in the queue, offered to a technician, in conversation (with transfer,
escalation, supervisors), in its wrap-up, over. Its messages are its work order's
conversation (``desk.Message``, channel ``chat``): a chat adds no message table. The
session keeps what only the chat has: the customer's secret token (hashed), who they
said they are, the read marks of each side, a transfer waiting for the customer's
consent (TR), and how it ended.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OfflineBehaviour(models.TextChoices):
    """What the widget offers when nobody can take a chat (nobody available, or out of hours)."""

    MESSAGE = "message", _("Leave a message (a request answered by email or in the portal)")
    HIDE = "hide", _("Hide the widget")


class ChatWidget(models.Model):
    """One embeddable widget: the queue its chats wait in, the sites that may embed it, what it does offline.

    The page that embeds it names it by ``key`` (``data-queue`` of the script tag, the queue's name
    by default): ``<script src="https://DESK/chat/widget.js" data-queue="soporte" defer></script>``.
    """

    key = models.SlugField(_("key"), max_length=60, unique=True,
                           help_text=_("What the script tag's data-queue says, e.g. soporte."))
    name = models.CharField(_("name"), max_length=120, help_text=_("The title the customer sees."))
    queue = models.ForeignKey("contact.Queue", on_delete=models.PROTECT, related_name="chat_widgets",
                              verbose_name=_("queue"))
    allowed_origins = models.JSONField(
        _("allowed origins"), default=list, blank=True,
        help_text=_("Sites that may embed it, e.g. https://www.example.com; empty: only this help desk's own."))
    enabled = models.BooleanField(_("enabled"), default=True)
    offline_behaviour = models.CharField(_("when nobody is available"), max_length=10,
                                         choices=OfflineBehaviour.choices, default=OfflineBehaviour.MESSAGE)
    # Hours when chats are taken, per weekday (0 Monday): {"0": ["09:00", "18:00"], ...}; empty: always
    # (then only the technicians' availability decides).
    hours = models.JSONField(_("opening hours"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")

    def __str__(self) -> str:
        return self.name or self.key


class ChatState(models.TextChoices):
    """The session as the customer sees it; the engine contact has the finer state."""

    WAITING = "waiting", _("Waiting for a technician")
    ACTIVE = "active", _("In conversation")
    ENDED = "ended", _("Ended")
    ABANDONED = "abandoned", _("Left before being attended")


class EndedBy(models.TextChoices):
    CUSTOMER = "customer", _("The customer")
    TECHNICIAN = "technician", _("The technician")
    SUPERVISOR = "supervisor", _("A supervisor")
    TIMEOUT = "timeout", _("Inactivity")


class ChatSession(models.Model):
    """One customer's chat from the widget: its contact in the engine, its work order, its token."""

    widget = models.ForeignKey(ChatWidget, on_delete=models.PROTECT, related_name="sessions",
                               verbose_name=_("widget"))
    # SHA-256 of the customer's secret token (hex); the token itself is shown once, to the widget.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    contact = models.OneToOneField("contact.Contact", on_delete=models.PROTECT, related_name="chat",
                                   verbose_name=_("contact"))
    work_order = models.ForeignKey("desk.WorkOrder", on_delete=models.PROTECT, related_name="chats",
                                   verbose_name=_("work order"))
    customer = models.ForeignKey("desk.Customer", on_delete=models.PROTECT, related_name="chats",
                                 verbose_name=_("customer"))
    customer_name = models.CharField(_("customer's name"), max_length=200)
    customer_email = models.EmailField(_("customer's email"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="es")
    state = models.CharField(_("state"), max_length=10, choices=ChatState.choices, default=ChatState.WAITING,
                             db_index=True)
    origin = models.CharField(_("origin"), max_length=200, blank=True)
    # Read marks: the last message (desk.Message id) each side has seen.
    customer_read_id = models.BigIntegerField(_("read by the customer up to"), null=True, blank=True)
    technician_read_id = models.BigIntegerField(_("read by the technician up to"), null=True, blank=True)
    # TR: a transfer the technician proposed, waiting for the customer's yes in the chat:
    # {"to_technician": id or None, "to_queue": name or None, "purpose": str, "by": id, "at": iso}.
    pending_transfer = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_customer_activity = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(_("ended by"), max_length=12, choices=EndedBy.choices, blank=True)
    transcript_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("chat")
        verbose_name_plural = _("chats")

    def __str__(self) -> str:
        return f"chat {self.pk} ({self.customer_name})"
