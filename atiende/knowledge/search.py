"""Search for people: what matches, through what the user may see, ranked and highlighted.

Who finds what (ET-4), with the desk's own visibility rules (``desk.selectors``):

- staff (technicians, supervisors, administrators): the work orders and customers they
  may see, every article (internal and public) and the canned answers of their teams
  (and those for everyone);
- customers and visitors: public articles only.

Each kind gives at most ``limit`` results: of its newest ``POOL`` matches the user may see
(the same rows on both databases), the best by ``atiende.search.score`` (stems in the
title first, then in the text, then how often), newest first among equals. Together they
are sorted the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from atiende.desk.selectors import visible_customer_ids, visible_work_orders
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


Visible = Callable[[list[int]], set[int]]


def _ids_in(qs: QuerySet) -> Visible:
    return lambda ids: set(qs.order_by().filter(pk__in=ids).values_list("pk", flat=True))


def _scope(user: User | None, kind: str) -> tuple[bool, Visible | None, bool]:
    """(may search this kind, which of some ids the user may see, public articles only)."""
    staff = user is not None and is_staff(user)
    if kind == SearchKind.ARTICLE:
        return True, None, not staff
    if not staff:
        return False, None, False
    assert user is not None
    if is_admin(user):
        return True, None, False
    if kind == SearchKind.WORK_ORDER:
        return True, _ids_in(visible_work_orders(user)), False
    if kind == SearchKind.CUSTOMER:
        return True, lambda ids: visible_customer_ids(user, ids), False
    restrict = RESTRICTIONS.get(kind)
    return True, (_ids_in(restrict(user)) if restrict else None), False


# Kinds whose visibility another module of this app defines (canned answers: by team).
RESTRICTIONS: dict[str, Callable[[User], QuerySet]] = {}

POOL = 100  # matches ranked per kind: the newest visible ones (by when they were indexed)
PAGES = 3  # pages of newest matches read to find them, for someone who may see few


def _pool(query: Query, kind: str, visible: Visible | None, public_only: bool) -> list[index.Candidate]:
    """The newest matches of ``kind`` the user may see, at most ``POOL`` (the same rows on both databases)."""
    pool: list[index.Candidate] = []
    before = None
    for _page in range(PAGES):
        page = index.candidates(query, kind, public_only=public_only, limit=POOL, before=before)
        kept = page
        if visible is not None and page:
            ids = visible([c.object_id for c in page])
            kept = [c for c in page if c.object_id in ids]
        pool.extend(kept)
        if len(page) < POOL or len(pool) >= POOL:
            break
        before = page[-1].entry_id
    return pool[:POOL]


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


def rank(query: Query, found: list[index.Candidate], limit: int) -> list[Result]:
    """The ``limit`` best of ``found`` (one kind), with their titles and snippets highlighted."""
    scored = sorted(((score(c.title_terms, c.terms, query, title=c.title).score, c) for c in found),
                    key=lambda pair: (-pair[0], -pair[1].entry_id))[:limit]
    texts = index.texts(scored[0][1].kind, [c.object_id for _s, c in scored]) if scored else {}
    return [Result(
        kind=c.kind, id=c.object_id, title=c.title, title_html=highlight(c.title, query),
        snippet_html=highlight(texts.get(c.object_id, ""), query, length=SNIPPET_LENGTH),
        url=URLS[c.kind](c.object_id, c.title), score=value, language=c.language, public=c.public,
    ) for value, c in scored]


def search(user: User | None, text: str, *, kinds: Sequence[str] | None = None, limit: int = 10) -> list[Result]:
    """What ``user`` may see that matches ``text`` (see the module docstring); at most ``limit`` per kind."""
    query = parse_query(clean_query(text))
    if not query:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    results: list[Result] = []
    for kind in kinds or KIND_ORDER:
        allowed, visible, public_only = _scope(user, kind)
        if allowed:
            results.extend(rank(query, _pool(query, kind, visible, public_only), limit))
    order: dict[str, int] = {kind: i for i, kind in enumerate(KIND_ORDER)}
    results.sort(key=lambda r: (-r.score, order.get(r.kind, 9), -r.id))
    return results


def related_articles(user: User | None, query: Query, *, limit: int = 5, exclude: Sequence[int] = ()) -> list[Result]:
    """Articles sharing the most stems with a longer text (a work order, a request being written)."""
    if not query:
        return []
    _allowed, _visible, public_only = _scope(user, SearchKind.ARTICLE)
    found = index.candidates(query, SearchKind.ARTICLE, public_only=public_only, limit=50, any_term=True)
    ranked = [r for r in rank(query, found, limit + len(exclude)) if r.id not in exclude]
    # One shared word is chance; an article about the request shares two or more.
    return [r for r in ranked if r.score >= 8][:limit]
