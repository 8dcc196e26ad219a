"""Search for people: what matches, through what the user may see, ranked and highlighted.

Who finds what (ET-4), with the desk's own visibility rules (``desk.selectors``):

- staff (technicians, supervisors, administrators): the work orders and customers they
  may see, every article (internal and public) and the canned answers of their teams
  (and those for everyone);
- customers and visitors: public articles only.

Each kind gives at most ``limit`` results; together they are ranked by
``atiende.search.score`` (stems in the title first), then newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from atiende.desk.selectors import visible_customers, visible_work_orders
from atiende.errors import InputError
from atiende.knowledge import index
from atiende.knowledge.models import SearchKind
from atiende.people.models import User
from atiende.people.roles import is_admin, is_staff
from atiende.search import Query, highlight, parse_query, score
from atiende.search.query import MAX_QUERY_LENGTH

MAX_LIMIT = 50
SNIPPET_LENGTH = 180
KIND_ORDER: list[str] = [SearchKind.WORK_ORDER, SearchKind.CUSTOMER, SearchKind.ARTICLE, SearchKind.CANNED_ANSWER]


@dataclass(frozen=True)
class Result:
    kind: str
    id: int
    title: str
    title_html: str  # HTML-escaped, matches in <mark>
    snippet_html: str
    url: str
    score: float
    language: str
    public: bool


def _first_url(names: Sequence[str], *args: object) -> str:
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


URLS: dict[str, Callable[[int, str], str]] = {
    # A work order's page is by number: the title starts "#<number> ".
    SearchKind.WORK_ORDER: lambda pk, title: _first_url(
        ["desk:work_order_detail", "web:work_order_detail"], int(title.split(" ", 1)[0].lstrip("#") or 0)),
    SearchKind.CUSTOMER: lambda pk, title: _first_url(["desk:customer_detail", "web:customer_detail"], pk),
    SearchKind.ARTICLE: lambda pk, title: _first_url(["knowledge:article"], pk),
    SearchKind.CANNED_ANSWER: lambda pk, title: _first_url(["knowledge:canned_answer_edit"], pk),
}


def _ids(qs: QuerySet) -> tuple[str, list]:
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    return sql, list(params)


def _scope(user: User | None, kind: str) -> tuple[bool, tuple[str, list] | None, bool]:
    """(may search this kind, ids it is limited to, public articles only)."""
    staff = user is not None and is_staff(user)
    if kind == SearchKind.ARTICLE:
        return True, None, not staff
    if not staff:
        return False, None, False
    assert user is not None
    if is_admin(user):
        return True, None, False
    if kind == SearchKind.WORK_ORDER:
        return True, _ids(visible_work_orders(user)), False
    if kind == SearchKind.CUSTOMER:
        return True, _ids(visible_customers(user)), False
    restrict = RESTRICTIONS.get(kind)
    return True, (_ids(restrict(user)) if restrict else None), False


# Kinds whose visibility another module of this app defines (canned answers: by team).
RESTRICTIONS: dict[str, Callable[[User], QuerySet]] = {}


def clean_query(text: object) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise InputError("invalid_input", _("The search must be text."), field="q")
    if "\x00" in text:
        raise InputError("invalid_input", _("The search contains a null character."), field="q")
    if len(text) > MAX_QUERY_LENGTH:
        raise InputError("too_long", _("The search is too long (at most %(max)s characters).")
                         % {"max": MAX_QUERY_LENGTH}, field="q")
    return text


def rank(query: Query, found: list[index.Candidate]) -> list[Result]:
    results = []
    for candidate in found:
        match = score(candidate.title, candidate.text, query)
        url = URLS[candidate.kind](candidate.object_id, candidate.title)
        results.append(Result(
            kind=candidate.kind, id=candidate.object_id, title=candidate.title,
            title_html=highlight(candidate.title, query), snippet_html=highlight(candidate.text, query,
                                                                                 length=SNIPPET_LENGTH),
            url=url, score=match.score, language=candidate.language, public=candidate.public,
        ))
    order: dict[str, int] = {kind: i for i, kind in enumerate(KIND_ORDER)}
    results.sort(key=lambda r: (-r.score, order.get(r.kind, 9), -r.id))
    return results


def search(user: User | None, text: str, *, kinds: Sequence[str] | None = None, limit: int = 10) -> list[Result]:
    """What ``user`` may see that matches ``text`` (see the module docstring); at most ``limit`` per kind."""
    query = parse_query(clean_query(text))
    if not query:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    results: list[Result] = []
    for kind in kinds or KIND_ORDER:
        allowed, within, public_only = _scope(user, kind)
        if not allowed:
            continue
        # The database's rank picks a wide pool; Python ranks it (the same on both databases).
        found = index.candidates(query, kind, within=within, public_only=public_only, limit=max(limit * 5, 50))
        results.extend(rank(query, found)[:limit])
    order: dict[str, int] = {kind: i for i, kind in enumerate(KIND_ORDER)}
    results.sort(key=lambda r: (-r.score, order.get(r.kind, 9), -r.id))
    return results


def related_articles(user: User | None, query: Query, *, limit: int = 5, exclude: Sequence[int] = ()) -> list[Result]:
    """Articles sharing the most stems with a longer text (a work order, a request being written)."""
    if not query:
        return []
    _allowed, _within, public_only = _scope(user, SearchKind.ARTICLE)
    found = index.candidates(query, SearchKind.ARTICLE, public_only=public_only, limit=50, any_term=True)
    ranked = [r for r in rank(query, found) if r.id not in exclude]
    # One shared word is chance; an article about the request shares two or more.
    return [r for r in ranked if r.score >= 8][:limit]
