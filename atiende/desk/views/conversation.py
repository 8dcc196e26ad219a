"""The conversation panel of the work-order page: the timeline and the composer's state and rewrites.

Staff write a public reply or an internal note; customers (the portal) reply in
public, also on a closed work order, which their message reopens (SP-1). Before
a public reply from the staff goes out, the language assistant checks it (NT,
DN, PT-2, jargon for the customer's knowledge level, CO-3): its findings are shown
with their rewrites, each rewrite can be applied, and the reply can be sent anyway
(the findings are then kept with the message). Every message goes through
``atiende.desk.messages.post_message``.
"""

from __future__ import annotations

from typing import Any

from django.utils.safestring import mark_safe

from atiende.desk import messages, timeline
from atiende.desk.models import Phase, Visibility, WorkOrder
from atiende.language.suggest import apply_finding
from atiende.people.models import User
from atiende.people.roles import is_staff

ACTIONS = ("send", "check", "send_anyway", "apply")


def conversation_context(user: User, work_order: WorkOrder, composer: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the panel needs: the timeline (sanitised HTML ready to show to staff) and the composer's state."""
    staff = is_staff(user)
    entries = timeline.timeline(user, work_order)
    for entry in entries:
        if entry.message is not None and staff and entry.message.body_html:
            # Sanitised when stored; cleaned again on the way out (defence in depth).
            entry.data["html"] = mark_safe(messages.sanitise_html(entry.message.body_html))  # noqa: S308
    closed = work_order.phase == Phase.CLOSURE
    return {
        "timeline": entries,
        "composer": composer or {"body": "", "visibility": Visibility.PUBLIC, "findings": []},
        # SP-1: staff write on an open work order; a customer's message reopens a closed one.
        "can_write": not (staff and closed),
        "reopens": closed and not staff,
        "composer_staff": staff,
    }


def findings_for(work_order: WorkOrder, body: str, channel: str) -> list[dict[str, Any]]:
    found = messages.language_findings(work_order=work_order, body=body, channel=channel) if body.strip() else []
    for index, finding in enumerate(found):
        finding["index"] = index
    return found


def apply_rewrite(body: str, findings: list[dict[str, Any]], raw_index: str, work_order: WorkOrder) -> str:
    """The body with one finding's rewrite in place of its span (when it still matches the text).

    A greeting or closing that was missing is added at the start or the end, with the
    customer's name (PH-5 form of address) in place of the placeholder.
    """
    if not raw_index.isdigit() or int(raw_index) >= len(findings):
        return body
    return apply_finding(body, findings[int(raw_index)], name=work_order.customer.greeting_name)
