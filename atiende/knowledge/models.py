"""The search index (one row per searchable thing) and, later in this module, the knowledge itself."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SearchKind(models.TextChoices):
    WORK_ORDER = "work_order", _("Work order")
    CUSTOMER = "customer", _("Customer")
    ARTICLE = "article", _("Article")
    CANNED_ANSWER = "canned_answer", _("Canned answer")


class SearchEntry(models.Model):
    """One searchable thing as the index sees it.

    ``title`` and ``text`` are the original words (shown, highlighted); ``terms`` their
    folded Spanish stems (``atiende.search.index_terms``), the only column the database
    matches: SQLite through the FTS5 table ``knowledge_searchentry_fts`` kept in step by
    triggers, PostgreSQL through the generated ``tsvector`` column ``search_vector`` and
    its GIN index (both made by migration 0001, outside the model).
    """

    kind = models.CharField(_("kind"), max_length=16, choices=SearchKind.choices)
    object_id = models.BigIntegerField(_("object id"))
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    terms = models.TextField(_("terms"), blank=True)
    # Articles: readable by customers and visitors (the help center); everything else is for staff.
    public = models.BooleanField(_("public"), default=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="knowledge_entry_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"
