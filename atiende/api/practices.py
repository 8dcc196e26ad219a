"""Read-only catalogue of the practices, so any client can explain a rule ID."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema

from atiende.api.errors import ApiError
from atiende.practices import all_rules

router = Router(tags=["practices"])


class RuleOut(Schema):
    id: str
    family: str
    how: list[str]
    text: str


def _out(rule_id: str) -> RuleOut:
    rule = all_rules()[rule_id]
    return RuleOut(id=rule.id, family=rule.family, how=list(rule.how), text=rule.text(get_language() or "es"))


@router.get("", response=list[RuleOut], auth=None, summary="Every practice rule")
def list_rules(request: HttpRequest) -> list[RuleOut]:
    return [_out(rid) for rid in all_rules()]


@router.get("/{rule_id}", response=RuleOut, auth=None, summary="One practice rule")
def get_rule(request: HttpRequest, rule_id: str) -> RuleOut:
    if rule_id not in all_rules():
        raise ApiError(404, "unknown_rule", _("There is no rule %(id)s.") % {"id": rule_id})
    return _out(rule_id)
