"""Knowledge pages. Thin: who finds what lives in ``search.py``, changes in ``services/``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atiende.errors import InputError
from atiende.knowledge.models import SearchKind
from atiende.knowledge.search import search


def search_page(request: HttpRequest) -> HttpResponse:
    """GET /buscar/?q=: everything the user may see that matches, grouped by kind (the top bar's box)."""
    text = request.GET.get("q", "")
    error = ""
    try:
        results = search(request.user if request.user.is_authenticated else None, text, limit=20)  # type: ignore[arg-type]
    except InputError as exc:
        results, error = [], str(exc.message)
    groups = [(label, [r for r in results if r.kind == kind]) for kind, label in SearchKind.choices]
    context = {"q": text, "results": results, "groups": [g for g in groups if g[1]], "error": error,
               "searched": bool(text.strip()), "nav": "search"}
    template = "knowledge/_search_results.html" if request.headers.get("HX-Request") else "knowledge/search.html"
    return render(request, template, context, status=400 if error else 200)
