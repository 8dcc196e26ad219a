"""The search index (one row per searchable thing), help articles with their versions, files and
"did this solve it?" answers, and canned answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.desk.models import attachment_storage_name


class SearchKind(models.TextChoices):
    WORK_ORDER = "work_order", _("Work order")
    CUSTOMER = "customer", _("Customer")
    ARTICLE = "article", _("Article")
    CANNED_ANSWER = "canned_answer", _("Canned answer")


class SearchEntry(models.Model):
    """One searchable thing as the index sees it.

    ``title`` and ``text`` are the original words (shown, highlighted); ``terms`` their
    folded Spanish stems (``atiende.search.index_terms``), the only column the database
    matches: SQLite through the FTS5 table ``knowledge_searchentry_fts`` (columns kind, public
    and terms) kept in step by triggers, PostgreSQL through the generated ``tsvector`` column
    ``search_vector`` and its GIN index (made by migrations 0001, 0003 and 0004, outside the model).
    Never change this table in a way that makes SQLite rebuild it: the triggers would go.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=SearchKind.choices)
    object_id = models.BigIntegerField(_("object id"))
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    terms = models.TextField(_("terms"), blank=True)
    # The title's stems alone (ranking weighs them most); nullable so SQLite adds the column in place.
    title_terms = models.TextField(_("title terms"), null=True, blank=True)
    # Articles: readable by customers and visitors (the help center); everything else is for staff.
    public = models.BooleanField(_("public"), default=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Who among the staff may find it (``atiende.search.scope`` tokens: "staff t3 u7"); empty for articles.
    # Matched with the terms in one go: an FTS5 column on SQLite, lexemes of ``search_vector`` on PostgreSQL.
    scope = models.TextField(_("scope"), null=True, blank=True)
    # A work order's customers ("12 40"), whose scope follows the work order's.
    refs = models.TextField(_("references"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="knowledge_entry_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"


class ArticleLanguage(models.TextChoices):
    SPANISH = "es", "Español"
    ENGLISH = "en", "English"


class ArticleCategory(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """A help article: public ones form the help center (no sign-in needed); internal ones are for staff.

    ``body`` is plain text (paragraphs separated by a blank line), shown escaped: an
    article can never carry a script. Every change keeps the previous text as an
    ``ArticleVersion`` and bumps ``version`` (optimistic concurrency, as work orders).
    """

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=2, choices=ArticleLanguage.choices,
                                default=ArticleLanguage.SPANISH)
    category = models.ForeignKey(ArticleCategory, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="articles", verbose_name=_("category"))
    public = models.BooleanField(_("public"), default=False,
                                 help_text=_("Public articles are in the help center, readable without signing in."))
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """An article as it was: kept on every change, never edited."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=2)
    category_name = models.CharField(_("category"), max_length=100, blank=True)
    public = models.BooleanField(_("public"))
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="knowledge_article_version")]


class ArticleAttachment(models.Model):
    """An image or file of an article, checked by ``privacy.uploads.check_upload`` before it was stored."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("stored file"), upload_to=attachment_storage_name, max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("article file")
        verbose_name_plural = _("article files")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class FeedbackContext(models.TextChoices):
    HELP_CENTER = "help_center", _("Help center")
    BEFORE_REQUEST = "before_request", _("Before opening a request")
    STAFF = "staff", _("Staff")


class ArticleFeedback(models.Model):
    """One answer to "did this solve it?". Solved before opening a request = a request avoided.

    One per visitor, article and day (``voter``: a keyed digest of who answered, see
    ``articles.voter``): answering again that day replaces the answer, so repeated posts
    cannot inflate the counts.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    solved = models.BooleanField(_("solved"))
    context = models.CharField(_("where"), max_length=16, choices=FeedbackContext.choices,
                               default=FeedbackContext.HELP_CENTER)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    voter = models.CharField(_("voter"), max_length=64, blank=True, default="")
    day = models.DateField(_("day"), null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [models.UniqueConstraint(fields=["article", "voter", "day"], condition=~models.Q(voter=""),
                                               name="knowledge_feedback_once_a_day")]


class CannedAnswer(models.Model):
    """A reply ready to insert, with placeholders ({cliente}, {numero}, {tecnico}).

    ``plain_body`` is the same answer for customers of basic knowledge level (CO-3, DN-2:
    no jargon); it is used for them when it exists. ``findings`` / ``plain_findings``:
    what the language assistant found when it was last saved.
    """

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    plain_body = models.TextField(_("plain text for basic-level customers"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=ArticleLanguage.choices,
                                default=ArticleLanguage.SPANISH)
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="canned_answers", verbose_name=_("team"),
                             help_text=_("Empty: for everyone."))
    findings = models.JSONField(_("findings"), default=list, blank=True)
    plain_findings = models.JSONField(_("findings in the plain text"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    times_used = models.PositiveIntegerField(_("times used"), default=0)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("canned answer")
        verbose_name_plural = _("canned answers")

    def __str__(self) -> str:
        return self.title
