"""Demo service levels for `atiende demo`: the demo team's calendar and three policies. Loading twice changes nothing."""

from __future__ import annotations

from datetime import date

from atiende.desk.models import WorkOrder
from atiende.people.models import Team
from atiende.sla import services
from atiende.sla.models import Holiday, SlaPolicy, TeamCalendar

# National holidays in Spain around the demo's dates.
HOLIDAYS = [(date(2026, 12, 8), "Inmaculada Concepción"), (date(2026, 12, 25), "Navidad"),
            (date(2027, 1, 1), "Año Nuevo"), (date(2027, 1, 6), "Epifanía del Señor")]
POLICIES = [
    ("Estándar", "", 4 * 60, 3 * 9 * 60, 10),  # four business hours to answer, three working days to solve
    ("Alta", "alta", 2 * 60, 2 * 9 * 60, 5),
    ("Urgente", "urgente", 30, 8 * 60, 1),
]


def load_sla_demo(team: Team) -> None:
    calendar, _created = TeamCalendar.objects.get_or_create(team=team, defaults={"time_zone": "Europe/Madrid"})
    for day, name in HOLIDAYS:
        Holiday.objects.get_or_create(calendar=calendar, day=day, defaults={"name": name})
    for name, priority, first, resolution, rank in POLICIES:
        SlaPolicy.objects.get_or_create(name=name, defaults={
            "priority": priority, "first_response_minutes": first, "resolution_minutes": resolution, "rank": rank})
    for work_order_id in WorkOrder.objects.values_list("pk", flat=True):
        services.refresh(work_order_id)
