"""Who hears of a service-level warning or breach, and what they read.

- **warning** (80 % of a target used): the assignee; nobody has it, the team's staff.
- **breach**: the assignee and the team's supervisors (nobody has it: the team's staff
  and supervisors), so someone who can act on it always hears.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from atiende.desk.models import WorkOrder
from atiende.notifications.models import Kind
from atiende.notifications.services import notify
from atiende.people.models import User
from atiende.people.roles import STAFF, Role, role_filter
from atiende.sla.models import ClockName, SlaAlert


def _recipients(work_order: WorkOrder, *, breach: bool) -> list[User]:
    people = User.objects.filter(is_active=True)
    found: list[User] = []
    if work_order.assignee_id is not None:
        found += list(people.filter(pk=work_order.assignee_id))
    if work_order.team_id is not None:
        team = people.filter(teams=work_order.team_id)
        if work_order.assignee_id is None:
            found += list(team.filter(role_filter(STAFF)))
        if breach:
            found += list(team.filter(role_filter((Role.SUPERVISOR,))))
    return found


def notify_alert(alert: SlaAlert, work_order: WorkOrder) -> None:
    """Tell of an alert just raised (called in the transaction that raised it, see ``services._tell``)."""
    breach = alert.kind == SlaAlert.Kind.BREACH

    def text() -> str:
        clock = (_("first response") if alert.clock == ClockName.FIRST_RESPONSE else _("resolution"))
        values = {"number": work_order.number, "clock": clock, "title": work_order.title}
        if breach:
            return _("SLA breached: the %(clock)s target of #%(number)s has passed (%(title)s)") % values
        return _("SLA warning: #%(number)s has used 80 %% of its %(clock)s target (%(title)s)") % values

    notify(recipients=_recipients(work_order, breach=breach), kind=Kind.SLA_BREACH if breach else Kind.SLA_WARNING,
           text=text, work_order=work_order, url=reverse("desk:work_order_detail", args=[work_order.number]),
           now=alert.at)
