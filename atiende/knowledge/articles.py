"""Help articles: who reads and writes them, their versions, files and "did this solve it?".

- Anyone, signed in or not, reads **public** articles (the help center); the staff also
  read **internal** ones. An article one may not read is "not found" (ET-4).
- The staff (technicians, supervisors, administrators) write and change articles;
  supervisors and administrators delete them.
- Every change names the version it read (409 otherwise, as work orders) and keeps
  what the article said before as an ``ArticleVersion``.
- Files go through ``privacy.uploads.check_upload`` (size, type proven by content,
  extension) before a byte is stored, as work-order attachments do.
- "Did this solve it?" answers are counted per article; a "yes" given before opening
  a request (the portal's suggestions) is a request avoided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from atiende.desk.attachments import clean_filename, file_digest
from atiende.desk.services.checks import clean_text, forbidden
from atiende.errors import InputError
from atiende.knowledge import index
from atiende.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleCategory,
    ArticleFeedback,
    ArticleLanguage,
    ArticleVersion,
    FeedbackContext,
    SearchKind,
)
from atiende.people.models import User
from atiende.people.roles import is_manager, is_staff
from atiende.privacy.uploads import check_upload

TITLE_LIMIT = 200
BODY_LIMIT = 100_000
FILES_PER_ARTICLE = 20


def _staff(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and is_staff(user)


def is_writer(user: User | None) -> bool:
    """Whether this user writes articles and reads internal ones (the staff)."""
    return _staff(user)


def visible_articles(user: User | None) -> QuerySet[Article]:
    qs = Article.objects.select_related("category")
    return qs if _staff(user) else qs.filter(public=True)


def _not_found() -> InputError:
    return InputError("not_found", _("No such article."), status=404)


def parse_id(value: Any) -> int | None:
    """A row id from a path or a body ("12", 12), or None for anything else."""
    if isinstance(value, bool):
        return None
    raw = str(value).strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 13 else None


def get_article(user: User | None, pk: Any) -> Article:
    key = parse_id(pk)
    found = visible_articles(user).filter(pk=key).first() if key is not None else None
    if found is None:
        raise _not_found()
    return found


def _require_writer(actor: User | None) -> User:
    if not _staff(actor):
        raise forbidden(_("Only the help desk staff may write articles."))
    assert actor is not None
    return actor


def _clean_language(value: Any) -> str:
    value = value or ArticleLanguage.SPANISH
    if value not in ArticleLanguage.values:
        raise InputError("invalid_input", _("language must be one of: %(values)s.")
                         % {"values": ", ".join(ArticleLanguage.values)}, field="language")
    return str(value)


def category_named(name: Any) -> ArticleCategory | None:
    """The category with this name, made when new; None for an empty name."""
    text = clean_text(name, "category", 100, label=_("Category"))
    if not text:
        return None
    category, _created = ArticleCategory.objects.get_or_create(name=text)
    return category


def _clean_fields(fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if creating or "title" in fields:
        clean["title"] = clean_text(fields.get("title"), "title", TITLE_LIMIT, required=True, label=_("Title"))
    if creating or "body" in fields:
        clean["body"] = clean_text(fields.get("body"), "body", BODY_LIMIT, required=True, label=_("Text"))
    if creating or "language" in fields:
        clean["language"] = _clean_language(fields.get("language"))
    if "category" in fields:
        clean["category"] = category_named(fields["category"])
    if creating or "public" in fields:
        public = fields.get("public", False)
        if not isinstance(public, bool):
            raise InputError("invalid_input", _("public must be true or false."), field="public")
        clean["public"] = public
    unknown = set(fields) - {"title", "body", "language", "category", "public"}
    if unknown:
        raise InputError("invalid_input", _("Unknown field: %(field)s.") % {"field": sorted(unknown)[0]},
                         field=sorted(unknown)[0])
    return clean


def _snapshot(article: Article, actor: User | None) -> None:
    ArticleVersion.objects.create(
        article=article, number=article.version, title=article.title, body=article.body,
        language=article.language, category_name=article.category.name if article.category else "",
        public=article.public, edited_by=actor, edited_at=article.updated_at,
    )


def article_document(article: Article) -> index.Document:
    category = article.category.name if article.category_id and article.category else ""
    return index.Document(SearchKind.ARTICLE, article.pk, article.title,
                          "\n".join(p for p in (article.body, category) if p),
                          public=article.public, language=article.language)


def create_article(*, actor: User, title: str, body: str, language: str = "es", category: str = "",
                   public: bool = False) -> Article:
    _require_writer(actor)
    clean = _clean_fields({"title": title, "body": body, "language": language, "category": category,
                           "public": public}, creating=True)
    now = timezone.now()
    with transaction.atomic():
        article = Article.objects.create(**clean, created_by=actor, updated_by=actor, created_at=now, updated_at=now)
        _snapshot(article, actor)
        index.store(article_document(article))
    return article


def update_article(*, actor: User, article: Article, version: Any, **changes: Any) -> Article:
    """Change an article read at ``version``; the text as it was stays in the history."""
    _require_writer(actor)
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError("invalid_input", _("version must be the number you read."), field="version")
    clean = _clean_fields(changes, creating=False)
    with transaction.atomic():
        current = Article.objects.select_for_update(of=("self",)).select_related("category").filter(pk=article.pk).first()
        if current is None:
            raise _not_found()
        if current.version != version:
            raise InputError("stale_version", _("The article was changed by someone else; reload it and try again."),
                             status=409, field="version")
        if all(getattr(current, k) == v for k, v in clean.items()):
            return current
        for key, value in clean.items():
            setattr(current, key, value)
        current.version += 1
        current.updated_by = actor
        current.updated_at = timezone.now()
        current.save()
        _snapshot(current, actor)
        index.store(article_document(current))
    return current


def delete_article(*, actor: User, article: Article) -> None:
    if not _staff(actor) or not is_manager(actor):
        raise forbidden(_("Only supervisors and administrators may delete articles."))
    with transaction.atomic():
        files = list(article.attachments.all())
        index.remove(SearchKind.ARTICLE, article.pk)
        article.delete()
        for item in files:
            transaction.on_commit(_remover(item))


def _remover(item: ArticleAttachment) -> Any:
    name, storage = str(item.file.name), item.file.storage
    return lambda: storage.delete(name)


def versions(user: User | None, article: Article) -> list[ArticleVersion]:
    """What the article said before, newest first: for the staff only (an earlier text may say what is
    no longer meant for customers)."""
    if not _staff(user):
        raise _not_found()
    return list(article.versions.select_related("edited_by").order_by("-number"))


def add_attachment(*, actor: User, article: Article, file: IO[bytes], filename: Any) -> ArticleAttachment:
    """Check a file as work-order attachments are checked, then keep it with the article."""
    _require_writer(actor)
    if article.attachments.count() >= FILES_PER_ARTICLE:
        raise InputError("too_many_files", _("An article holds at most %(limit)s files.")
                         % {"limit": FILES_PER_ARTICLE}, field="file")
    name = clean_filename(filename)
    file.seek(0)
    kind = check_upload(file, name=name)
    sha256, size = file_digest(file)
    attachment = ArticleAttachment(article=article, filename=name, content_type=kind.mime, size=size,
                                   sha256=sha256, uploaded_by=actor)
    attachment.file.save(name, File(file), save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(str(attachment.file.name))
        raise
    return attachment


def get_attachment(user: User | None, article_pk: Any, attachment_pk: Any) -> ArticleAttachment:
    article = get_article(user, article_pk)
    key = parse_id(attachment_pk)
    found = article.attachments.filter(pk=key).first() if key is not None else None
    if found is None:
        raise InputError("not_found", _("No such file."), status=404)
    return found


def voter(user: User | None, *, session_key: str | None = None, address: str | None = None) -> str:
    """Who answered "did this solve it?", as a keyed digest (no address or session is stored as such).

    A signed-in person by their account; a visitor by the session their browser already had,
    else by their address (so a script posting without cookies counts once per address).
    """
    if user is not None and getattr(user, "is_authenticated", False):
        who = f"user:{user.pk}"
    elif session_key:
        who = f"session:{session_key}"
    else:
        who = f"address:{address or ''}"
    return salted_hmac("atiende.knowledge.feedback", who, algorithm="sha256").hexdigest()[:40]


def request_voter(request: Any) -> str:
    """:func:`voter` of an HTTP request: its account, the session it came with, or its address."""
    user = request.user if request.user.is_authenticated else None
    session = getattr(request, "session", None)
    return voter(user, session_key=session.session_key if session is not None else None,
                 address=request.META.get("REMOTE_ADDR"))


def record_feedback(*, article: Article, solved: Any, context: str = FeedbackContext.HELP_CENTER,
                    user: User | None = None, voter: str = "") -> ArticleFeedback:
    """Count one answer; with ``voter``, one per voter, article and day (a new answer that day replaces it)."""
    if not isinstance(solved, bool):
        raise InputError("invalid_input", _("solved must be true or false."), field="solved")
    if context not in FeedbackContext.values:
        raise InputError("invalid_input", _("Unknown context: %(context)s.") % {"context": context}, field="context")
    person = user if user is not None and getattr(user, "is_authenticated", False) else None
    values = {"solved": solved, "context": context, "user": person, "at": timezone.now()}
    if not voter:
        return ArticleFeedback.objects.create(article=article, **values)
    key = {"article": article, "voter": voter, "day": timezone.localdate(values["at"])}
    for _attempt in range(2):  # two answers at once from one voter: the second updates the first's row
        try:
            with transaction.atomic():
                feedback, _created = ArticleFeedback.objects.update_or_create(**key, defaults=values)
                return feedback
        except IntegrityError:
            continue
    raise InputError("conflict", _("Your answer could not be saved; try again."), status=409)


@dataclass(frozen=True)
class FeedbackCounts:
    solved: int
    not_solved: int
    requests_avoided: int


def feedback_counts(article: Article | None = None) -> FeedbackCounts:
    """How many said it solved it, how many not, and the requests avoided (of one article, or all)."""
    qs = ArticleFeedback.objects.all() if article is None else ArticleFeedback.objects.filter(article=article)
    row = qs.aggregate(
        yes=Count("pk", filter=Q(solved=True)), no=Count("pk", filter=Q(solved=False)),
        avoided=Count("pk", filter=Q(solved=True, context=FeedbackContext.BEFORE_REQUEST)),
    )
    return FeedbackCounts(row["yes"], row["no"], row["avoided"])


def feedback_by_article(ids: list[int]) -> dict[int, FeedbackCounts]:
    """The counts of many articles in one query (the staff's list)."""
    rows = ArticleFeedback.objects.filter(article_id__in=ids).values("article_id").annotate(
        yes=Count("pk", filter=Q(solved=True)), no=Count("pk", filter=Q(solved=False)),
        avoided=Count("pk", filter=Q(solved=True, context=FeedbackContext.BEFORE_REQUEST)))
    return {r["article_id"]: FeedbackCounts(r["yes"], r["no"], r["avoided"]) for r in rows}


def categories_with_articles(user: User | None, language: str | None = None) -> list[tuple[str, list[Article]]]:
    """The articles one may read grouped by category (uncategorised last), for the help center."""
    qs = visible_articles(user)
    if language:
        qs = qs.filter(language=language)
    groups: dict[str, list[Article]] = {}
    for article in qs.order_by(F("category__position").asc(nulls_last=True), "category__name", "title"):
        groups.setdefault(article.category.name if article.category else "", []).append(article)
    return list(groups.items())


def _article_documents(batch: int) -> Any:
    last = 0
    while True:
        rows = list(Article.objects.select_related("category").filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        for article in rows:
            yield article_document(article)
        last = rows[-1].pk


index.SOURCES[SearchKind.ARTICLE] = _article_documents


def file_response(attachment: ArticleAttachment) -> Any:
    """The file's bytes: images inline (shown in the article), anything else as a download; never sniffed."""
    from django.http import FileResponse

    from atiende.desk.attachments import served_content_type

    content_type = served_content_type(attachment)  # type: ignore[arg-type]
    response = FileResponse(attachment.file.open("rb"), content_type=content_type,
                            as_attachment=not content_type.startswith("image/"), filename=attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
