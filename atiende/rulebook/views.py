"""The practice pages: the catalogue by family, and one page per rule in the user's language.

Staff only: customers never see rule codes (the portal shows the help desk's work, not its rulebook)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from atiende.practices import all_rules
from atiende.practices.guide import family_title, rule_guide
from atiende.web.access import not_found, staff_required


@staff_required
def rule_index(request: HttpRequest) -> HttpResponse:
    language = get_language() or "es"
    families: dict[str, dict] = {}
    for rule in all_rules().values():
        family = families.setdefault(rule.family, {"id": rule.family, "title": family_title(rule.family, language),
                                                   "rules": []})
        family["rules"].append({"id": rule.id, "text": rule.text(language)})
    return render(request, "rulebook/index.html", {"families": list(families.values()), "nav": "rules"})


@staff_required
def rule_page(request: HttpRequest, rule_id: str) -> HttpResponse:
    language = get_language() or "es"
    try:
        guide = rule_guide(rule_id.upper(), language)
    except KeyError:
        return not_found(request)
    family = [rule for rule in all_rules().values() if rule.family == guide.rule.family]
    return render(request, "rulebook/rule.html", {
        "guide": guide, "nav": "rules",
        "siblings": [{"id": rule.id, "text": rule.text(language)} for rule in family if rule.id != guide.rule.id],
    })
