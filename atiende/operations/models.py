"""What the operations side stores: one heartbeat row per background worker."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A worker's last sign of life: written every few seconds by its loop (``atiende worker``).

    ``/readyz`` and ``atiende check`` read the newest one: without a recent beat
    no timer fires, no webhook leaves and no call is scored, whatever the web
    processes say. A worker that stopped keeps its row (its last beat tells
    when); rows silent for a week are removed by the beats of the others.
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    host = models.CharField(_("host"), max_length=120, blank=True)
    pid = models.PositiveIntegerField(_("process id"), default=0)
    started_at = models.DateTimeField(_("started"))
    beat_at = models.DateTimeField(_("last beat"), db_index=True)

    class Meta:
        ordering = ["-beat_at"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} ({self.beat_at:%Y-%m-%d %H:%M:%S})"
