"""Demo calls for `atiende demo`: a week of ended calls, each scored, so /calidad/ has cards on first run.

The calls go through the contact center's own actions (answer, hold with consent, transfer, hang up,
wrap-up) on a clock set in the past, so their events are the engine's own; most are handled in the
console alone (scored on their events, issue 22 item 19), two have the words the telephony side sent.
Loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from atiende import engine
from atiende.contact import clock as contact_clock
from atiende.contact.models import Contact, Queue
from atiende.contact.services import calls, routing
from atiende.desk.models import Customer
from atiende.people.models import User
from atiende.scorecards import jobs, services
from atiende.scorecards.models import Scorecard

# Every demo call comes from this range of numbers: how a second load knows the calls are there.
CALLER_PREFIX = "+34910000"


@dataclass(frozen=True)
class Step:
    at: float  # seconds after the answer
    action: str  # hold | resume | transfer | accept | hang_up
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoCall:
    days_ago: int
    hour: int
    technician: str
    customer: str | None  # the demo customer's name, when the caller was identified
    waited: float  # seconds in the queue before the answer (PO-2)
    steps: tuple[Step, ...]
    turns: tuple[tuple[float, str, str], ...] = ()  # (seconds after the answer, tecnico|cliente, text)


HOLD_LOG = Step(40, "hold", {"reason": "Consultar el registro de errores del equipo", "customer_consent": True,
                             "expected_minutes": 2})

CALLS: tuple[DemoCall, ...] = (
    # Words supplied by the telephony side: a textbook call with a hold the customer agreed to.
    DemoCall(6, 9, "lucia", "Carmen Ruiz Soler", 25, (HOLD_LOG, Step(100, "resume"), Step(150, "hang_up")), turns=(
        (1, "tecnico", "Buenos días, soporte técnico, le atiende Lucía. ¿Con quién hablo?"),
        (5, "cliente", "Soy Carmen Ruiz, de la gestoría."),
        (8, "tecnico", "Buenos días, doña Carmen. Cuénteme qué le ocurre."),
        (11, "cliente", "La impresora de la oficina no imprime desde esta mañana, sale un error de papel atascado "
                        "pero no hay ningún papel dentro."),
        (25, "tecnico", "Entiendo. Si le he entendido bien, la impresora marca papel atascado sin tenerlo, "
                        "¿es así?"),
        (31, "cliente", "Sí, eso es."),
        (33, "tecnico", "Voy a consultar el registro de errores de su modelo. ¿Le importa que le ponga en espera "
                        "unos dos minutos? Gracias."),
        (38, "cliente", "De acuerdo."),
        (101, "tecnico", "Gracias por esperar, doña Carmen. Hay que limpiar el sensor de papel: abra la tapa "
                         "trasera y pase un paño seco por el sensor."),
        (112, "cliente", "Ya está, ahora imprime."),
        (120, "tecnico", "Perfecto. Hemos limpiado el sensor y ya imprime. ¿Queda todo resuelto? Gracias por "
                         "llamar, doña Carmen, que tenga buen día."),
        (130, "cliente", "Sí, gracias, adiós."),
    )),
    # Words supplied: the technician interrupts and never paraphrases (AL-3, AL-4 missed).
    DemoCall(4, 11, "jorge", "Martín Gómez", 40, (Step(95, "hang_up"),), turns=(
        (1, "tecnico", "Soporte, dígame."),
        (4, "cliente", "Hola, buenas, le llamo porque desde ayer el correo no me deja enviar mensajes, los recibo "
                       "bien pero cuando envío uno se queda en la bandeja de salida y..."),
        (9, "tecnico", "Reinicie el ordenador."),
        (30, "cliente", "Ya lo reinicié dos veces esta mañana."),
        (34, "tecnico", "Entonces es el servidor SMTP, hay que cambiar el puerto a 587 con STARTTLS."),
        (60, "cliente", "No sé qué es eso."),
        (64, "tecnico", "En la configuración de la cuenta, servidor de salida, ponga 587. Ya está."),
        (90, "cliente", "Bueno, lo intentaré."),
    )),
    # Handled in the console alone (no words): scored on the events.
    DemoCall(5, 10, "lucia", "Silvina Paz", 30, (HOLD_LOG, Step(110, "resume"), Step(300, "hang_up"))),
    DemoCall(3, 12, "diego", "Alberto Ruiz Martínez", 50, (Step(420, "hang_up"),)),
    # A transfer to level 2 that Camila accepts (TR-1..5 from the events).
    DemoCall(3, 16, "jorge", "Jorge Méndez Ortega", 20, (
        Step(60, "transfer", {"to": "camila", "purpose": "Necesita un técnico de nivel 2 para el servidor de la "
                                                         "clínica", "customer_consent": True}),
        Step(80, "accept", {"by": "camila"}), Step(600, "hang_up"))),
    # A long call (PO-1: over 15 minutes) after a long wait (PO-2: over 3 minutes).
    DemoCall(2, 9, "camila", "Valentina Ríos", 260, (Step(1080, "hang_up"),)),
    # A hold announced for one minute that ran for five (HO-5).
    DemoCall(1, 13, "diego", "Andrés Cárdenas", 15, (
        Step(50, "hold", {"reason": "Comprobar la licencia del aula en el portal del fabricante",
                          "customer_consent": True, "expected_minutes": 1}),
        Step(350, "resume"), Step(480, "hang_up"))),
    DemoCall(1, 17, "lucia", None, 35, (Step(200, "hang_up"),)),
)


def _start(days_ago: int, hour: int) -> datetime:
    local = timezone.localtime(timezone.now() - timedelta(days=days_ago))
    return local.replace(hour=hour, minute=7, second=0, microsecond=0)


def _play(call: DemoCall, number: int, queue: str, staff: dict[str, User], clock: engine.ManualClock) -> Contact:
    technician = staff[call.technician]
    customer = Customer.objects.filter(name=call.customer).first() if call.customer else None
    clock.set(_start(call.days_ago, call.hour))
    routed = routing.create_contact(queue=queue, caller=f"{CALLER_PREFIX}{number:03d}",
                                    customer_id=customer.pk if customer else None, route=False)
    contact_id = routed.contact.pk
    clock.advance(call.waited)
    answered = clock.now()
    calls.answer(contact_id=contact_id, technician_id=technician.pk, from_pbx=True)
    holder = technician
    for step in call.steps:
        clock.set(answered + timedelta(seconds=step.at))
        if step.action == "hold":
            calls.put_on_hold(contact_id=contact_id, user=holder, **step.args)
        elif step.action == "resume":
            calls.resume(contact_id=contact_id, user=holder)
        elif step.action == "transfer":
            args = dict(step.args)
            calls.request_transfer(contact_id=contact_id, user=holder, to_technician=staff[args.pop("to")].pk, **args)
        elif step.action == "accept":
            holder = staff[step.args["by"]]
            calls.accept_transfer(contact_id=contact_id, user=holder)
        elif step.action == "hang_up":
            calls.hang_up(contact_id=contact_id)
    if call.turns:
        name = {"name": customer.name} if customer else None
        services.attach_transcript(contact_id=contact_id, user=technician, token_kind="cti", customer=name,
                                   turns=[{"t": t, "speaker": who, "text": text} for t, who, text in call.turns])
    clock.advance(20)
    calls.finish_wrap_up(contact_id=contact_id, user=holder)
    return routed.contact


def load_scorecard_demo(queue: str = "soporte") -> int:
    """Play the demo calls into ``queue`` and score them; returns how many calls were played (0 if there)."""
    if not Queue.objects.filter(name=queue).exists() or Contact.objects.filter(
            caller__startswith=CALLER_PREFIX).exists():
        return 0
    staff = {u.username: u for u in User.objects.filter(username__in={c.technician for c in CALLS} | {"camila"})}
    if len(staff) < len({c.technician for c in CALLS} | {"camila"}):
        return 0  # the demo people were renamed or removed: nothing to play the calls with
    manual = engine.ManualClock()
    previous = contact_clock.set_clock(manual)
    played: list[Contact] = []
    try:  # in the order they happened: the technicians' states move forward in time
        for number, call in sorted(enumerate(CALLS, start=1), key=lambda pair: _start(pair[1].days_ago,
                                                                                          pair[1].hour)):
            played.append(_play(call, number, queue, staff, manual))
    finally:
        contact_clock.set_clock(previous)
    jobs.run_pending_scoring()  # the worker's job, done now so the first page already shows the cards
    for contact in Contact.objects.filter(pk__in=[c.pk for c in played]):
        # dated when the call ended, as the worker would have scored it, so the trends spread over the week
        Scorecard.objects.filter(contact=contact).update(scored_at=contact.ended_at)
    return len(played)
