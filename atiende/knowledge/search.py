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

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from atiende.errors import InputError
from atiende.knowledge import index
from atiende.knowledge.models import SearchKind
from atiende.people.models import User
from atiende.people.roles import is_admin, is_staff
from atiende.search import Query, highlight, parse_query, score
from atiende.search import scope as scopes
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
        ["desk:work_order_detail", "desk:work_order_detail"], int(title.split(" ", 1)[0].lstrip("#") or 0)),
    SearchKind.CUSTOMER: lambda pk, title: _first_url(["desk:customer_detail", "desk:customer_detail"], pk),
    SearchKind.ARTICLE: lambda pk, title: _first_url(["knowledge:article"], pk),
    SearchKind.CANNED_ANSWER: lambda pk, title: _first_url(["knowledge:canned_answer_edit"], pk),
}


def staff_tokens(user: User | None) -> list[str] | None:
    """The scope tokens a staff member's search matches; None for an administrator (or anyone else: unused)."""
    if user is None or not is_staff(user) or is_admin(user):
        return None
    team_ids = User.teams.through.objects.filter(user_id=user.pk).values_list("team_id", flat=True)
    return scopes.user_tokens(user.pk, team_ids)


def _scope(user: User | None, kind: str, tokens: list[str] | None) -> tuple[bool, list[str] | None, bool]:
    """(may search this kind, the scope tokens to match or None for all, public articles only)."""
    staff = user is not None and is_staff(user)
    if kind == SearchKind.ARTICLE:
        return True, None, not staff
    if not staff or kind not in SCOPED:
        return False, None, False
    return True, tokens, False


# The kinds staff search within their scope (``atiende.search.scope``; the index writes each one's tokens).
SCOPED = frozenset({SearchKind.WORK_ORDER, SearchKind.CUSTOMER, SearchKind.CANNED_ANSWER})

POOL = 100  # matches ranked per kind: the newest the user may see (by when they were first indexed)


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


def _best(query: Query, found: list[index.Candidate], limit: int) -> list[tuple[float, index.Candidate]]:
    """The ``limit`` best of ``found`` (one kind) with their scores: best first, newest first among equals."""
    return sorted(((score(c.title_terms, c.terms, query, title=c.title).score, c) for c in found),
                  key=lambda pair: (-pair[0], -pair[1].entry_id))[:limit]


def _results(query: Query, scored: list[tuple[float, index.Candidate]]) -> list[Result]:
    """The chosen entries with their titles and snippets highlighted (the texts read in one query)."""
    texts = index.texts([c.entry_id for _s, c in scored])
    return [Result(
        kind=c.kind, id=c.object_id, title=c.title, title_html=highlight(c.title, query),
        snippet_html=highlight(texts.get(c.entry_id, ""), query, length=SNIPPET_LENGTH),
        url=URLS[c.kind](c.object_id, c.title), score=value, language=c.language, public=c.public,
    ) for value, c in scored]


def search(user: User | None, text: str, *, kinds: Sequence[str] | None = None, limit: int = 10) -> list[Result]:
    """What ``user`` may see that matches ``text`` (see the module docstring); at most ``limit`` per kind."""
    query = parse_query(clean_query(text))
    if not query:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    tokens = staff_tokens(user)
    wanted = []
    for kind in kinds or KIND_ORDER:
        allowed, scope, public_only = _scope(user, kind, tokens)
        if allowed:
            wanted.append(index.Wanted(kind, public_only, scope))
    scored = [pair for found in index.newest_matches(query, wanted, limit=POOL).values()
              for pair in _best(query, found, limit)]
    results = _results(query, scored)
    order: dict[str, int] = {kind: i for i, kind in enumerate(KIND_ORDER)}
    results.sort(key=lambda r: (-r.score, order.get(r.kind, 9), -r.id))
    return results


def related_articles(user: User | None, query: Query, *, limit: int = 5, exclude: Sequence[int] = ()) -> list[Result]:
    """Articles sharing the most stems with a longer text (a work order, a request being written)."""
    if not query:
        return []
    _allowed, _scope_tokens, public_only = _scope(user, SearchKind.ARTICLE, None)
    found = index.best_matches(query, SearchKind.ARTICLE, public_only=public_only, limit=50)
    # One shared word is chance; an article about the request shares two or more.
    kept = [(value, c) for value, c in _best(query, found, limit + len(exclude))
            if c.object_id not in exclude and value >= 8][:limit]
    return _results(query, kept)
