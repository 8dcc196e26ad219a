"""Help articles under /api/v1/articles: the help center's text, its versions, files and "did this solve it?".

Reading public articles needs no sign-in (the help center); the staff read internal ones
too and write them. See ``atiende.knowledge.articles`` for who may do what.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.responses import codes_4xx

from atiende.api.auth import default_auth
from atiende.api.desk import ErrorOut, answers
from atiende.knowledge import articles
from atiende.knowledge.models import Article, ArticleAttachment
from atiende.knowledge.search import search

PREFIX = "articles"
router = Router(tags=["knowledge"])


def _anyone(request: HttpRequest) -> bool:
    return True  # the help center: visitors read public articles


READERS = [*default_auth, _anyone]


class FileOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class ArticleOut(Schema):
    id: int
    title: str
    body: str
    language: Literal["es", "en"]
    category: str | None
    public: bool
    version: int
    updated_at: datetime
    files: list[FileOut]
    solved: int = Field(..., description="How many said it solved their problem")
    not_solved: int
    requests_avoided: int = Field(..., description="Solved before opening a request (the portal's suggestions)")


class ArticleIn(Schema):
    title: str = Field(..., max_length=articles.TITLE_LIMIT)
    body: str = Field(..., max_length=articles.BODY_LIMIT)
    language: Literal["es", "en"] = "es"
    category: str = Field("", max_length=100)
    public: bool = False


class ArticlePatch(Schema):
    version: int = Field(..., description="The version you read (409 if someone changed it since)")
    title: str | None = Field(None, max_length=articles.TITLE_LIMIT)
    body: str | None = Field(None, max_length=articles.BODY_LIMIT)
    language: Literal["es", "en"] | None = None
    category: str | None = Field(None, max_length=100)
    public: bool | None = None


class VersionOut(Schema):
    number: int
    title: str
    body: str
    language: str
    category: str
    public: bool
    edited_by: str | None
    edited_at: datetime


class FeedbackIn(Schema):
    solved: bool
    context: Literal["help_center", "before_request", "staff"] = "help_center"


class ListParams(Schema):
    q: str = Field("", max_length=500, description="Words to find; empty lists every article one may read")
    language: Literal["es", "en"] | None = None


def file_data(item: ArticleAttachment) -> dict[str, Any]:
    return {"id": item.pk, "filename": item.filename, "content_type": item.content_type, "size": item.size,
            "sha256": item.sha256, "url": reverse("api:article_file", kwargs={
                "article_id": str(item.article_id), "file_id": str(item.pk)})}


def article_data(article: Article) -> dict[str, Any]:
    counts = articles.feedback_counts(article)
    return {
        "id": article.pk, "title": article.title, "body": article.body, "language": article.language,
        "category": article.category.name if article.category else None, "public": article.public,
        "version": article.version, "updated_at": article.updated_at,
        "files": [file_data(f) for f in article.attachments.all()],
        "solved": counts.solved, "not_solved": counts.not_solved, "requests_avoided": counts.requests_avoided,
    }


@router.get("", response=answers(list[ArticleOut]), auth=READERS,
            summary="Articles one may read (public ones without signing in), best matches first with q")
def list_articles(request: HttpRequest, params: Query[ListParams]) -> list[dict[str, Any]]:
    user = request.user if request.user.is_authenticated else None
    if params.q.strip():
        ids = [r.id for r in search(user, params.q, kinds=["article"], limit=50)]  # type: ignore[arg-type]
        found = {a.pk: a for a in articles.visible_articles(user).filter(pk__in=ids)}  # type: ignore[arg-type]
        rows = [found[i] for i in ids if i in found]
    else:
        rows = list(articles.visible_articles(user)[:200])  # type: ignore[arg-type]
    if params.language:
        rows = [a for a in rows if a.language == params.language]
    return [article_data(a) for a in rows]


@router.post("", response=answers(ArticleOut, 201), summary="Write an article (staff)")
def create_article(request: HttpRequest, payload: ArticleIn) -> Status:
    article = articles.create_article(actor=request.user, **payload.dict())  # type: ignore[arg-type]
    return Status(201, article_data(article))


@router.get("/{article_id}", response=answers(ArticleOut), auth=READERS, summary="One article")
def read_article(request: HttpRequest, article_id: str) -> dict[str, Any]:
    user = request.user if request.user.is_authenticated else None
    return article_data(articles.get_article(user, article_id))  # type: ignore[arg-type]


@router.patch("/{article_id}", response=answers(ArticleOut),
              summary="Change an article (staff); the previous text stays in its versions")
def change_article(request: HttpRequest, article_id: str, payload: ArticlePatch) -> dict[str, Any]:
    article = articles.get_article(request.user, article_id)  # type: ignore[arg-type]
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    version = changes.pop("version")
    updated = articles.update_article(actor=request.user, article=article, version=version,  # type: ignore[arg-type]
                                      **changes)
    return article_data(updated)


@router.delete("/{article_id}", response={204: None, codes_4xx: ErrorOut},
               summary="Delete an article (supervisors and administrators)")
def delete_article(request: HttpRequest, article_id: str) -> Status:
    article = articles.get_article(request.user, article_id)  # type: ignore[arg-type]
    articles.delete_article(actor=request.user, article=article)  # type: ignore[arg-type]
    return Status(204, None)


@router.get("/{article_id}/versions", response=answers(list[VersionOut]), summary="What the article said before")
def article_versions(request: HttpRequest, article_id: str) -> list[dict[str, Any]]:
    article = articles.get_article(request.user, article_id)  # type: ignore[arg-type]
    return [{"number": v.number, "title": v.title, "body": v.body, "language": v.language,
             "category": v.category_name, "public": v.public,
             "edited_by": v.edited_by.display_name if v.edited_by else None, "edited_at": v.edited_at}
            for v in articles.versions(request.user, article)]  # type: ignore[arg-type]


@router.post("/{article_id}/feedback", response=answers(ArticleOut, 201), auth=READERS,
             summary="Did this solve it? (anyone who may read the article)")
def article_feedback(request: HttpRequest, article_id: str, payload: FeedbackIn) -> Status:
    user = request.user if request.user.is_authenticated else None
    article = articles.get_article(user, article_id)  # type: ignore[arg-type]
    articles.record_feedback(article=article, solved=payload.solved, context=payload.context, user=user,  # type: ignore[arg-type]
                             voter=articles.request_voter(request))
    return Status(201, article_data(article))


@router.post("/{article_id}/files", response={**answers(FileOut, 201), 413: ErrorOut, 415: ErrorOut},
             summary="Add an image or a file (multipart/form-data, part «file»; staff)")
def add_file(request: HttpRequest, article_id: str, file: File[UploadedFile]) -> Status:
    article = articles.get_article(request.user, article_id)  # type: ignore[arg-type]
    item = articles.add_attachment(actor=request.user, article=article, file=file,  # type: ignore[arg-type]
                                   filename=file.name or "")
    return Status(201, file_data(item))


@router.get("/{article_id}/files/{file_id}", response={codes_4xx: ErrorOut}, auth=READERS, url_name="article_file",
            summary="An article's image (inline) or file (as an attachment)")
def read_file(request: HttpRequest, article_id: str, file_id: str) -> FileResponse:
    user = request.user if request.user.is_authenticated else None
    return articles.file_response(articles.get_attachment(user, article_id, file_id))  # type: ignore[arg-type]
