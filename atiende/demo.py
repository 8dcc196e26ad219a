"""Realistic Spanish demo data for `atiende demo`. Loading twice changes nothing."""

from __future__ import annotations

from django.db import transaction

from atiende.chat.demo import load_chat_demo
from atiende.contact.demo import load_contact_demo
from atiende.desk.demo import load_desk_demo
from atiende.knowledge.demo import load_knowledge_demo
from atiende.people.models import Role, Team, User
from atiende.scorecards.demo import load_scorecard_demo
from atiende.sla.demo import load_sla_demo
from atiende.walkin.demo import load_walkin_demo

# (username, password, role, first name, last name, tier, skills, extension)
DEMO_PEOPLE = [
    ("admin", "admin-atiende-2026", Role.ADMINISTRATOR, "Ana", "Beltrán", 1, [], ""),
    ("supervisora", "super-atiende-2026", Role.SUPERVISOR, "Marta", "Quiroga", 2, [], "200"),
    ("lucia", "tecnico-atiende-2026", Role.TECHNICIAN, "Lucía", "Fernández", 1, ["windows", "impresoras"], "201"),
    ("jorge", "tecnico-atiende-2026", Role.TECHNICIAN, "Jorge", "Salinas", 1, ["redes", "correo"], "202"),
    ("camila", "tecnico-atiende-2026", Role.TECHNICIAN, "Camila", "Rojas", 2, ["redes", "servidores", "linux"], "203"),
    ("diego", "tecnico-atiende-2026", Role.TECHNICIAN, "Diego", "Herrera", 2, ["windows", "seguridad"], "204"),
]


@transaction.atomic
def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo people and desk data if missing; return (username, password, role) to print."""
    team, _ = Team.objects.get_or_create(name="Soporte Madrid")
    logins = []
    for username, password, role, first, last, tier, skills, extension in DEMO_PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults=dict(
                role=role, first_name=first, last_name=last, tier=tier, skills=skills, extension=extension,
                email=f"{username}@atiende.example", is_staff=role == Role.ADMINISTRATOR,
                is_superuser=role == Role.ADMINISTRATOR,
            ),
        )
        if created:
            user.set_password(password)
            user.save()
            if role != Role.ADMINISTRATOR:
                user.teams.add(team)
        logins.append((username, password, str(Role(role).label)))
    logins.extend(load_desk_demo(team))
    load_contact_demo(team)  # the "soporte" queue of the demo team (ET-4), technicians available for calls
    load_walkin_demo(team)  # the reception desk's services: /recepcion/, /sala/, the console's desk panel
    load_chat_demo()  # a chat widget for "soporte": data-queue="soporte" (docs/chat.md)
    load_sla_demo(team)  # business hours, holidays and SLA policies, so lists and the wallboard show them
    load_scorecard_demo()  # a week of ended calls, scored, so /calidad/ shows cards on first run
    load_knowledge_demo()  # help articles and canned answers: /ayuda/, search and the composer's picker
    return logins
