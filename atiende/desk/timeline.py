"""One timeline per work order: its messages, phase changes, commitments and the customer's calls.

What a customer sees (ET-4): the public messages, the phase moves (without the staff's
notes) and the commitments made to them. The staff also see internal notes and the
calls of the customer while the work order was open (the telephony links a call to
the customer, not to a work order, so this is the honest approximation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.desk.models import Commitment, Message, Phase, WorkOrder, WorkOrderEvent
from atiende.desk.selectors import conversation, sees_internal
from atiende.people.models import User

PHASE_EVENTS = ("created", "phase", "reopened", "closing_contact")
# A call just before the work order was opened is usually the one that opened it.
CALL_MARGIN = timedelta(minutes=30)


@dataclass
class Entry:
    at: datetime
    kind: str  # message, phase, commitment, call
    text: str = ""
    actor: str = ""
    note: str = ""
    message: Message | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _phase_entries(work_order: WorkOrder, staff: bool) -> list[Entry]:
    labels = dict(Phase.choices)
    entries = []
    for event in WorkOrderEvent.objects.filter(work_order=work_order, kind__in=PHASE_EVENTS).select_related("actor"):
        changes = event.changes if isinstance(event.changes, dict) else {}
        if event.kind == "created":
            text = _("Work order opened")
        elif event.kind == "closing_contact":
            if not staff:
                continue
            text = _("Closing contact recorded")
        else:
            new = (changes.get("phase") or [None, None])[-1]
            text = (_("Reopened") if event.kind == "reopened" else _("Phase: %(phase)s")
                    % {"phase": labels.get(new, new or "")})
        actor = event.actor.display_name if staff and event.actor is not None else ""
        entries.append(Entry(at=event.at, kind="phase", text=str(text), actor=actor,
                             note=event.note if staff else ""))
    return entries


def _commitment_entries(work_order: WorkOrder) -> list[Entry]:
    statuses = dict(Commitment.Status.choices)
    entries = []
    for commitment in Commitment.objects.filter(work_order=work_order).select_related("owner"):
        owner = commitment.owner.display_name if commitment.owner is not None else ""
        entries.append(Entry(at=commitment.created_at, kind="commitment", text=commitment.description, actor=owner,
                             data={"due_at": commitment.due_at, "status": ""}))
        if commitment.status != Commitment.Status.PENDING:
            when = commitment.resolved_at or commitment.alerted_at or commitment.due_at
            entries.append(Entry(at=when, kind="commitment", text=commitment.description, actor=owner,
                                 data={"due_at": commitment.due_at, "status": statuses[commitment.status]}))
    return entries


def _call_entries(work_order: WorkOrder) -> list[Entry]:
    from atiende.contact.models import Contact

    until = work_order.closed_at or timezone.now()
    calls = (Contact.objects.filter(customer_id=work_order.customer_id, created_at__gte=work_order.created_at
                                    - CALL_MARGIN, created_at__lte=until)
             .select_related("assignee").order_by("created_at")[:50])
    entries = []
    for call in calls:
        seconds = int((call.ended_at - call.answered_at).total_seconds()) if call.ended_at and call.answered_at else None
        entries.append(Entry(at=call.created_at, kind="call", text=call.caller,
                             actor=call.assignee.display_name if call.assignee is not None else "",
                             data={"state": call.get_state_display(), "seconds": seconds,
                                   "direction": call.direction}))
    return entries


def timeline(user: User, work_order: WorkOrder) -> list[Entry]:
    """Everything that happened on the work order that the user may see, oldest first."""
    staff = sees_internal(user)
    entries = [Entry(at=m.created_at, kind="message", message=m, actor=m.sender_name)
               for m in conversation(user, work_order)]
    entries += _phase_entries(work_order, staff)
    entries += _commitment_entries(work_order)
    if staff:
        entries += _call_entries(work_order)
    entries.sort(key=lambda e: e.at)
    return entries
