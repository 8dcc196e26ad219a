"""A small contact center for the scorecard tests: two teams, a call that Lucía answers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from atiende.contact import clock as contact_clock
from atiende.contact.services import availability, calls, queues, routing
from atiende.engine import ManualClock
from atiende.people.models import ApiToken, Team, User


@pytest.fixture
def clock():
    manual = ManualClock()
    previous = contact_clock.set_clock(manual)
    yield manual
    contact_clock.set_clock(previous)


@dataclass
class People:
    lucia: User  # technician, team Soporte
    jorge: User  # technician, team Redes
    marta: User  # supervisor of Soporte
    pablo: User  # supervisor of Redes
    admin: User


@pytest.fixture
def people(db, clock) -> People:
    soporte = Team.objects.create(name="Soporte")
    redes = Team.objects.create(name="Redes")

    def make(username: str, role: str, team: Team | None, first: str) -> User:
        user = User.objects.create_user(username, role=role, tier=1, first_name=first)
        if team is not None:
            user.teams.add(team)
        return user

    people = People(make("lucia", "tecnico", soporte, "Lucía"), make("jorge", "tecnico", redes, "Jorge"),
                    make("marta", "supervisor", soporte, "Marta"), make("pablo", "supervisor", redes, "Pablo"),
                    make("admin", "administrador", None, "Ada"))
    queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2])
    availability.make_available(user=people.lucia)
    return people


def bearer(user: User, kind: str = "api") -> dict[str, str]:
    _token, raw = ApiToken.issue(user, kind=kind)
    return {"Authorization": f"Bearer {raw}"}


PASSWORD_SAID = "Gato2024xyz"

# Seconds since the answer. A good call with a hold the customer agreed to.
GOOD_TURNS = [
    {"t": 1, "speaker": "tecnico", "text": "Buenos días, soporte técnico, le atiende Lucía. ¿Con quién hablo?"},
    {"t": 5, "speaker": "cliente", "text": "Soy Ana Pérez."},
    {"t": 8, "speaker": "tecnico", "text": "Buenos días, Ana. Cuénteme qué le ocurre."},
    {"t": 11, "speaker": "cliente", "text": "La impresora de la oficina no imprime desde esta mañana, sale un error "
                                          "de papel atascado pero no hay ningún papel dentro."},
    {"t": 25, "speaker": "tecnico", "text": "Entiendo. Si le he entendido bien, la impresora marca papel atascado "
                                          "sin tenerlo, ¿es así?"},
    {"t": 31, "speaker": "cliente", "text": "Sí, eso es."},
    {"t": 33, "speaker": "tecnico", "text": "Voy a consultar el registro de errores de su modelo. ¿Le importa que "
                                          "le ponga en espera unos dos minutos? Gracias."},
    {"t": 38, "speaker": "cliente", "text": "De acuerdo."},
    {"t": 101, "speaker": "tecnico", "text": "Gracias por esperar, Ana. Hay que limpiar el sensor de papel: abra "
                                           "la tapa trasera y pase un paño seco por el sensor."},
    {"t": 112, "speaker": "cliente", "text": f"Ya está, ahora imprime. Mi contraseña es {PASSWORD_SAID} por si "
                                           "la necesita."},
    {"t": 120, "speaker": "tecnico", "text": "Perfecto. Hemos limpiado el sensor y ya imprime. ¿Queda todo "
                                           "resuelto? Gracias por llamar, Ana, que tenga buen día."},
    {"t": 130, "speaker": "cliente", "text": "Sí, gracias, adiós."},
]


def run_call(people: People, clock: ManualClock, *, turns: list | None = None, end: bool = True):
    """Lucía answers, holds with consent at 40 s, resumes at 100 s, the customer hangs up at 140 s."""
    routed = routing.create_contact(queue="soporte", caller="+34600000001")
    clock.advance(20)
    calls.answer(contact_id=routed.contact.pk, user=people.lucia)
    clock.advance(40)
    calls.put_on_hold(contact_id=routed.contact.pk, user=people.lucia, reason="Consultar el registro de errores",
                        customer_consent=True, expected_minutes=2)
    clock.advance(60)
    calls.resume(contact_id=routed.contact.pk, user=people.lucia)
    clock.advance(40)
    calls.hang_up(contact_id=routed.contact.pk)
    if turns:
        from atiende.scorecards import services

        services.attach_transcript(contact_id=routed.contact.pk, user=people.lucia, turns=turns,
                                   customer={"name": "Ana Pérez"})
    if end:
        calls.finish_wrap_up(contact_id=routed.contact.pk, user=people.lucia)
    routed.contact.refresh_from_db()
    return routed.contact


def hold_without_consent() -> dict:
    """A phone transcript whose hold was taken without asking (HO-3 missed)."""
    return {
        "channel": "telefonico", "customer": {"name": "Felipe Ramos"}, "technician": {"name": "Lucía", "tier": 1},
        "events": [
            {"t": 0, "type": "start", "wait_seconds": 20},
            {"t": 1, "speaker": "tecnico", "text": "Buenos días, soporte técnico, le atiende Lucía. ¿Con quién hablo?"},
            {"t": 6, "speaker": "cliente", "text": "Felipe Ramos. El programa de rutas no guarda los cambios que hago."},
            {"t": 12, "speaker": "tecnico", "text": "Un segundo."},
            {"t": 13, "type": "hold"},
            {"t": 80, "type": "resume"},
            {"t": 81, "speaker": "tecnico", "text": "Ya estoy. Instale la versión 4.3 desde el menú Ayuda."},
            {"t": 90, "speaker": "cliente", "text": "Vale, gracias."},
            {"t": 95, "type": "end"},
        ],
    }
