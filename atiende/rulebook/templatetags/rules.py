"""``{% rule "HO-3" %}``: the one way a page shows a rule code.

A link to the rule's page (/reglas/HO-3/) with the rule's text as a tooltip (on hover and on keyboard focus)
and as the link's accessible description. Customers, and anyone not signed in, see nothing: rule codes are
the help desk's vocabulary, not theirs. A code the catalogue does not know is shown as plain text.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from atiende.people.roles import is_staff
from atiende.practices import all_rules

register = template.Library()


@register.simple_tag(takes_context=True)
def rule(context: Any, rule_id: object) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else context.get("user")
    code = str(rule_id or "").strip()
    if not code or not is_staff(user):
        return SafeString("")
    found = all_rules().get(code)
    if found is None:
        return format_html('<span class="rule-id">{}</span>', code)
    text = found.text(get_language() or "es")
    return format_html(
        '<a class="rule-id" href="{}" target="_blank" data-tip="{}" aria-label="{}">{}</a>',
        reverse("rulebook:rule", args=[code]), text,
        _("Rule %(code)s: %(text)s (opens in a new tab)") % {"code": code, "text": text}, code,
    )


@register.simple_tag(takes_context=True)
def rule_texts(context: Any) -> SafeString:
    """The rule texts in the user's language as a JSON script, for pages whose scripts show rule codes
    (the consoles' ``AtiendeLive.rule``). Nothing for customers."""
    from django.utils.html import json_script

    request = context.get("request")
    if not is_staff(getattr(request, "user", None)):
        return SafeString("")
    language = get_language() or "es"
    return json_script({"texts": {code: found.text(language) for code, found in all_rules().items()},
                        "label": _("Rule %(code)s: %(text)s (opens in a new tab)")}, "rule-texts")
