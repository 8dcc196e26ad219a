"""Practice calls with simulated customers, the scenarios supervisors assign, and their pass marks.

The call itself is the pure core's (``atiende.training.Session``): ``PracticeSession.state`` keeps its
plain-data form between turns, and every line said (by the trainee, the customer, or the practice room's
notices) is also a ``PracticeTurn`` row, so a supervisor reads the call as it went. A finished session
keeps its scorecard items as scored, so progress by rule does not move when the scorer changes later.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PassMark(models.Model):
    """The organisation's pass mark for a scenario, set by a supervisor (default: the scenario's own)."""

    scenario_id = models.CharField(_("scenario"), max_length=80, unique=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark"), validators=[MinValueValidator(0),
                                                                             MaxValueValidator(100)])
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pass mark")
        verbose_name_plural = _("pass marks")


class Assignment(models.Model):
    """A scenario a supervisor asks a technician of their team to practise."""

    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="practice_assignments", verbose_name=_("technician"))
    scenario_id = models.CharField(_("scenario"), max_length=80)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("assigned by"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("practice assignment")
        verbose_name_plural = _("practice assignments")


class SessionStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    FINISHED = "finished", _("Finished")


class PracticeSession(models.Model):
    trainee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="practice_sessions", verbose_name=_("trainee"))
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="sessions")
    scenario_id = models.CharField(_("scenario"), max_length=80, db_index=True)
    customer_type = models.CharField(_("customer type"), max_length=20)
    seed = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.ACTIVE)
    state = models.JSONField()  # atiende.training.Session.to_dict()
    pass_mark = models.PositiveSmallIntegerField(_("pass mark"))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    # The scorer's items at the end: {"rule", "status", "evidence", "at", "coaching_es", "coaching_en"}
    items = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["trainee", "status", "-finished_at"])]
        verbose_name = _("practice session")
        verbose_name_plural = _("practice sessions")


class Speaker(models.TextChoices):
    TRAINEE = "tecnico", _("Technician")
    CUSTOMER = "cliente", _("Customer")
    NOTICE = "aviso", _("Practice room")


class PracticeTurn(models.Model):
    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="turns")
    index = models.PositiveIntegerField()
    speaker = models.CharField(max_length=10, choices=Speaker.choices)
    text = models.TextField()
    text_en = models.TextField(blank=True)  # a notice in English (the practice room speaks both)
    rule = models.CharField(max_length=12, blank=True)
    at = models.FloatField(default=0.0)  # seconds into the call
    # A line sent despite the language assistant's findings (the console's chat composer): [{"rule", "excerpt",
    # "suggestion"}], as the work-order reply composer keeps them; empty when there were none or none were shown.
    checked_findings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "index"]
        constraints = [models.UniqueConstraint(fields=["session", "index"], name="practice_turn_order")]
