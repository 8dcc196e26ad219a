"""GET /api/v1/search?q=: one search over work orders, customers, articles and canned answers.

Accent- and case-insensitive, with Spanish stems («ferreterias» finds «Ferretería»);
the last word may be the start of one while the user types. Each result carries its
title and a snippet as HTML with the matching words in ``<mark>`` (the rest escaped).
What a user may see decides what they find (``atiende.knowledge.search``): staff get
the work orders and customers in their scope, every article and their teams' canned
answers; customers get public articles only.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from atiende.api.permissions import current_user
from atiende.knowledge.search import MAX_LIMIT, search
from atiende.search.query import MAX_QUERY_LENGTH

PREFIX = "search"
router = Router(tags=["search"])

Kind = Literal["work_order", "customer", "article", "canned_answer"]


class SearchParams(Schema):
    q: str = Field("", max_length=MAX_QUERY_LENGTH, description="The words to find (accents and capitals ignored)")
    kind: list[Kind] | None = Field(None, description="Only these kinds (repeat the parameter for several)")
    limit: int = Field(10, ge=1, le=MAX_LIMIT, description="At most this many results of each kind")


class ResultOut(Schema):
    kind: Kind
    id: int
    title: str
    title_html: str = Field(..., description="The title, HTML-escaped, matching words in <mark>")
    snippet_html: str = Field(..., description="Some text around the first match, HTML-escaped, matches in <mark>")
    url: str = Field(..., description="The page that shows it")
    score: float = Field(..., description="Higher is better: stems found in the title count most")
    language: str = Field(..., description="es or en for articles and canned answers; empty otherwise")
    public: bool = Field(..., description="Articles: readable by customers")


class SearchOut(Schema):
    query: str
    results: list[ResultOut]


@router.get("", response=SearchOut, summary="Search work orders, customers, articles and canned answers")
def search_everything(request: HttpRequest, params: Query[SearchParams]) -> dict:
    found = search(current_user(request), params.q, kinds=params.kind, limit=params.limit)
    return {"query": params.q, "results": [vars(result) for result in found]}
