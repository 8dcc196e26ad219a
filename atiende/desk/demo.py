"""Demo customers and work orders in every phase, in realistic Spanish.

Everything is created through ``atiende.desk.services`` (so numbers, history,
phase rules and surveys are the real thing), then some times are moved into
the past so the desk looks like a working day. Loading twice changes nothing:
when the demo customers exist, nothing is created again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from atiende.desk.messages import post_message
from atiende.desk.models import (
    Commitment,
    Customer,
    Organisation,
    TraitObservation,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.desk.services.commitments import add_commitment, flag_missed_commitments
from atiende.desk.services.customers import create_customer
from atiende.desk.services.questions import add_closed_question
from atiende.desk.services.surveys import answer_survey
from atiende.desk.services.work_orders import (
    change_phase,
    create_work_order,
    record_closing_contact,
    update_work_order,
)
from atiende.people.models import Role, Team, User
from atiende.people.roles import ADMINS, STAFF, role_filter

PORTAL_LOGIN = ("pilar", "cliente-atiende-2026")
DEMO_MARK = "Cliente de demostración."

# (key, address_as, name, country, organisation, knowledge level, contact points, notes)
CUSTOMERS: list[tuple[str, str, str, str, str | None, str, list[tuple[str, str]], str]] = [
    ("carmen", "Doña", "Carmen Ruiz Soler", "ES", "Gestoría Ruiz y Asociados", "basico",
     [("telefono", "+34 913 456 782"), ("email", "carmen.ruiz@gestoriaruiz.es")],
     "Secretaria de la gestoría. Prefiere que la llamen por la mañana."),
    ("alberto", "Don", "Alberto Ruiz Martínez", "ES", "Gestoría Ruiz y Asociados", "intermedio",
     [("movil", "+34 622 118 904"), ("email", "alberto@gestoriaruiz.es")],
     "Titular de la gestoría: aprueba los gastos y los cambios."),
    ("jorge", "Dr.", "Jorge Méndez Ortega", "MX", "Clínica Dental Sonrisas", "avanzado",
     [("movil", "+52 55 8765 4321"), ("email", "dr.mendez@sonrisas.mx")],
     "Administra él mismo el servidor de la clínica; pide hablar con nivel 2."),
    ("lupita", "Sra.", "Guadalupe Hernández", "MX", "Clínica Dental Sonrisas", "basico",
     [("telefono", "+52 55 5523 1190")], "Recepción de la clínica."),
    ("martin", "Sr.", "Martín Gómez", "AR", "Ferretería El Clavo", "intermedio",
     [("telefono", "+54 11 4321 5678"), ("email", "martin@elclavo.com.ar")], ""),
    ("silvina", "Sra.", "Silvina Paz", "AR", None, "basico",
     [("movil", "+54 9 11 2345 6789")], "Particular; habla pausado, conviene explicar paso a paso."),
    ("valentina", "Dra.", "Valentina Ríos", "CO", "Colegio San Martín", "avanzado",
     [("email", "vrios@colegiosanmartin.edu.co"), ("telefono", "+57 601 345 6789")],
     "Rectora: decide sobre compras y contratos del colegio."),
    ("andres", "Sr.", "Andrés Cárdenas", "CO", "Colegio San Martín", "basico",
     [("movil", "+57 310 555 1234")], "Profesor de informática; pide ayuda para el aula."),
    ("ignacio", "Don", "Ignacio Fuentes", "CL", "Transportes Andinos", "intermedio",
     [("telefono", "+56 2 2345 6789"), ("email", "ifuentes@tandinos.cl")], ""),
    ("catalina", "Srta.", "Catalina Soto", "CL", "Transportes Andinos", "basico",
     [("email", "csoto@tandinos.cl")], "Escribe por el chat del portal."),
    ("pilar", "Doña", "Pilar Domínguez", "ES", None, "basico",
     [("email", "pilar.dominguez@correo.es"), ("telefono", "+34 954 221 907")],
     "Tiene cuenta en el portal de clientes."),
    ("tomas", "Sr.", "Tomás Herrera", "ES", None, "avanzado",
     [("email", "tomas.herrera@estudioherrera.es")], "Arquitecto; trabaja con copias de seguridad en red."),
]


def _staff(team: Team) -> dict[str, User]:
    found = {u.username: u for u in User.objects.filter(role_filter(STAFF), is_active=True)}
    members = list(team.members.filter(role_filter(STAFF), is_active=True).order_by("username"))
    fallback = members[0] if members else User.objects.filter(role_filter(ADMINS)).first()
    if fallback is None:
        raise RuntimeError("the desk demo needs at least one staff member")
    return {name: found.get(name, fallback) for name in ("lucia", "jorge", "camila", "diego", "supervisora")}


def _portal_account() -> User:
    username, password = PORTAL_LOGIN
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username, password=password, role=Role.CUSTOMER, first_name="Pilar", last_name="Domínguez",
            email="pilar.dominguez@correo.es",
        )
    return user


def _backdate(work_order: WorkOrder, created: datetime) -> None:
    """Move a work order's opening (and its "created" history line) back to ``created``."""
    WorkOrder.objects.filter(pk=work_order.pk).update(created_at=created)
    WorkOrderEvent.objects.filter(work_order=work_order, kind="created").update(at=created)


def _to_satisfaction(actor: User, wo: WorkOrder, story: str, paraphrase: str,
                     questions: tuple[tuple[str, str], ...] = ()) -> WorkOrder:
    wo = update_work_order(actor=actor, work_order=wo, version=wo.version, problem_story=story,
                           paraphrase=paraphrase)
    for question, answer in questions:
        add_closed_question(actor=actor, work_order=wo, question=question, answer=answer)
    return change_phase(actor=actor, work_order=wo, version=wo.version, phase="satisfaccion")


def _close(actor: User, wo: WorkOrder, resolution: str, contact_note: str, channel: str = "telefonico") -> WorkOrder:
    wo = update_work_order(actor=actor, work_order=wo, version=wo.version, resolution=resolution)
    wo = record_closing_contact(actor=actor, work_order=wo, version=wo.version, channel=channel,
                                note=contact_note)
    return change_phase(actor=actor, work_order=wo, version=wo.version, phase="cierre")


def _converse(wo: WorkOrder, lines: list[tuple[Any, ...]], opened: datetime | None = None) -> None:
    """A demo conversation: (minutes after opening, author or None, sender's name, sender's address,
    direction, channel, visibility, text), each through the real service. ``opened``: the time the work
    order will be backdated to, when it is backdated afterwards."""
    for minutes, author, name, email, direction, channel, visibility, body in lines:
        post_message(work_order=wo, author=author, author_name=name, author_email=email, direction=direction,
                     channel=channel, visibility=visibility, body=body,
                     at=(opened or wo.created_at) + timedelta(minutes=minutes))


@transaction.atomic
def load_desk_demo(team: Team) -> list[tuple[str, str, str]]:
    """Create the demo customers and work orders once; return the portal login to print."""
    portal = _portal_account()
    login = [(PORTAL_LOGIN[0], PORTAL_LOGIN[1], str(Role(Role.CUSTOMER).label))]
    if Customer.objects.filter(name="Carmen Ruiz Soler", notes__contains="Secretaria").exists():
        return login
    staff = _staff(team)
    admin = User.objects.filter(role_filter(ADMINS), is_active=True).first() or staff["supervisora"]
    lucia, jorge, camila, diego = staff["lucia"], staff["jorge"], staff["camila"], staff["diego"]

    for name in {c[4] for c in CUSTOMERS if c[4]}:
        Organisation.objects.get_or_create(name=name, defaults={"team": team})
    people: dict[str, Customer] = {}
    for key, address_as, name, country, org, level, points, notes in CUSTOMERS:
        people[key] = create_customer(
            actor=admin, name=name, address_as=address_as, organisation=org, country=country,
            knowledge_level=level, notes=notes, contact_points=points,
            user=portal if key == "pilar" and not Customer.objects.filter(user=portal).exists() else None,
        )
    now = timezone.now()
    tomorrow_10 = timezone.localtime(now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)

    def open_(actor: User, customer: str, title: str, **kwargs: Any) -> WorkOrder:
        return create_work_order(actor=actor, customer=people[customer], title=title, team=team, **kwargs)

    # 1. Identification, just opened: the story is still being told (AL-1).
    wo = open_(lucia, "silvina", "El portátil no enciende", channel="telefonico", assignee=lucia,
               equipment_type="Portátil", os_name="Windows", os_version="10",
               problem_story="Al pulsar el botón se enciende una luz naranja un momento y luego nada.")
    _backdate(wo, now - timedelta(minutes=12))

    # 2. Identification with paraphrase and closed questions, one still unanswered (AL-4, AL-5).
    wo = open_(jorge, "martin", "La caja registradora no imprime tickets", channel="telefonico", assignee=jorge,
               equipment_type="Impresora de tickets", os_name="Windows", os_version="11",
               problem_story="Desde esta mañana la impresora de tickets no saca nada; la pantalla de la caja "
                             "funciona y las ventas se registran.",
               paraphrase="Déjeme ver si comprendo lo que me comentó: las ventas se registran bien, pero desde "
                          "esta mañana la impresora de tickets no imprime nada. ¿Es así?")
    add_closed_question(actor=jorge, work_order=wo, question="¿La impresora tiene la luz verde encendida?",
                        answer="Sí")
    add_closed_question(actor=jorge, work_order=wo, question="¿Cambió el rollo de papel hoy?", answer="")
    _backdate(wo, now - timedelta(minutes=40))

    # 3. Indirect request (CH-IND): Carmen asks, Don Alberto decides. In satisfaction, with a commitment.
    wo = open_(lucia, "carmen", "Migración del correo de la gestoría", channel="telefonico",
               requester=people["carmen"].pk, decision_maker=people["alberto"].pk, assignee=camila,
               equipment_type="Servidor de correo", os_name="Microsoft 365")
    wo = _to_satisfaction(
        lucia, wo,
        "La gestoría quiere pasar el correo del servidor antiguo a la nube. Doña Carmen pregunta cuándo se puede "
        "hacer sin cortar el servicio; Don Alberto tiene que aprobar el presupuesto.",
        "Déjeme ver si comprendo: quieren mover el correo a la nube sin perder mensajes ni dejar de recibir "
        "correo, y Don Alberto debe aprobar el presupuesto antes de empezar.",
        (("¿Cuántos buzones tienen?", "Siete"), ("¿Necesitan conservar el correo de años anteriores?", "Sí")),
    )
    add_commitment(actor=camila, work_order=wo, owner=camila, due_at=tomorrow_10,
                   description="Llamar a Don Alberto mañana a las 10 con el presupuesto")
    _backdate(wo, now - timedelta(days=2, hours=3))
    wo.refresh_from_db()
    _converse(wo, [
        (20, None, "Carmen Ruiz Soler", "carmen.ruiz@gestoriaruiz.es", "in", "email", "public",
         "Buenos días:\n\nLes escribo por lo de la migración del correo. Don Alberto pregunta si el cambio se "
         "puede hacer un fin de semana, para no dejar a nadie sin correo en horario de oficina.\n\nUn saludo,\n"
         "Carmen"),
        (95, camila, "", "", "out", "email", "internal",
         "Presupuesto pedido al proveedor de licencias; lo tendremos mañana antes de las 10."),
        (110, camila, "", "", "out", "email", "public",
         "Buenos días, Doña Carmen:\n\nSí, podemos hacer el cambio el sábado por la mañana, sin cortar el correo "
         "en horario de oficina. Mañana a las 10 llamaré a Don Alberto con el presupuesto para que lo apruebe.\n\n"
         "Quedo a su disposición. Un cordial saludo,\nCamila"),
    ])

    # 4. Knowledgeable customer (CT-ENT), high priority, a commitment that was missed (PT-2).
    wo = open_(diego, "jorge", "El servidor de radiografías va muy lento", channel="telefonico", priority="alta",
               assignee=camila, equipment_type="Servidor", os_name="Ubuntu Server", os_version="22.04")
    wo = _to_satisfaction(
        diego, wo,
        "Desde la actualización del martes el visor tarda más de un minuto en abrir cada radiografía. El doctor ya "
        "revisó el disco y la red y pide hablar con un técnico de nivel 2.",
        "Déjeme ver si comprendo: desde la actualización del martes las radiografías tardan más de un minuto en "
        "abrirse, y usted ya descartó el disco y la red.",
        (("¿El problema ocurre en todos los equipos de la clínica?", "Sí"),
         ("¿Qué versión del visor tienen?", "4.2")),
    )
    missed = add_commitment(actor=camila, work_order=wo, owner=camila, due_at=now + timedelta(hours=1),
                            description="Enviar al doctor el informe de rendimiento del servidor")
    Commitment.objects.filter(pk=missed.pk).update(due_at=now - timedelta(hours=3))
    flag_missed_commitments(now=now)
    TraitObservation.objects.create(customer=people["jorge"], work_order=wo, trait="CT-ENT", score=0.86,
                                    evidence=["ya revisé el disco y la red", "páseme con nivel 2"])
    _backdate(wo, now - timedelta(days=1, hours=5))

    # 5. Proactive (CH-PRO) call-back, in satisfaction with the closing contact recorded: ready to close.
    wo = open_(jorge, "ignacio", "Renovación de las licencias del antivirus", channel="telefonico",
               direction="proactivo", assignee=jorge, equipment_type="12 equipos de oficina", os_name="Windows")
    wo = _to_satisfaction(
        jorge, wo,
        "Llamamos a Don Ignacio porque las licencias del antivirus vencen el día 30. Nos cuenta que dos equipos "
        "nuevos aún no lo tienen instalado.",
        "Déjeme ver si comprendo: hay que renovar las diez licencias y además instalar el antivirus en los dos "
        "equipos nuevos.",
        (("¿Autoriza la renovación por un año?", "Sí"),),
    )
    wo = update_work_order(actor=jorge, work_order=wo, version=wo.version,
                           resolution="Licencias renovadas por un año e instaladas en los dos equipos nuevos.")
    record_closing_contact(actor=jorge, work_order=wo, version=wo.version, channel="telefonico",
                           note="Se resumió lo hecho; Don Ignacio confirma que todo funciona y lo agradece.")
    _backdate(wo, now - timedelta(days=3))

    # 6. Closed, survey answered (SP-4): the portal customer.
    wo = open_(lucia, "pilar", "No puedo imprimir desde Word", channel="portal", assignee=lucia,
               equipment_type="Sobremesa", os_name="Windows", os_version="11")
    wo = _to_satisfaction(
        lucia, wo,
        "Cuando le doy a imprimir en Word sale un mensaje de que la impresora no está disponible, pero desde el "
        "navegador sí imprime.",
        "Déjeme ver si comprendo: desde el navegador imprime bien, pero Word dice que la impresora no está "
        "disponible.",
        (("¿La impresora está conectada por cable?", "No, por wifi"),),
    )
    _converse(wo, [
        (5, portal, "", "", "in", "portal", "public",
         "Hola, les adjunto lo que pasa: Word dice que la impresora no está disponible, pero desde el navegador "
         "imprime. ¿Me pueden ayudar?"),
        (30, lucia, "", "", "out", "portal", "public",
         "Buenos días, Doña Pilar:\n\nGracias por escribirnos. Vamos a revisar juntas la impresora que tiene "
         "elegida Word; la llamo en unos minutos para hacerlo paso a paso.\n\nUn cordial saludo,\nLucía"),
        (70, portal, "", "", "in", "portal", "public", "¡Ya imprime! Muchas gracias por la paciencia."),
    ], opened=now - timedelta(days=6))
    wo.refresh_from_db()
    wo = _close(lucia, wo, "Se eligió de nuevo la impresora predeterminada en Word y se reinstaló el controlador.",
                "Se le explicó lo hecho paso a paso; Doña Pilar imprimió una página de prueba y quedó conforme.")
    answer_survey(token=wo.survey.token, rating=5, resolved=True,
                  comment="Muy amables y me lo explicaron todo con paciencia.")
    _backdate(wo, now - timedelta(days=6))

    # 7. Closed, survey not answered yet; indirect request at a school (CH-IND).
    wo = open_(camila, "andres", "El wifi del aula de informática se corta", channel="email", assignee=camila,
               requester=people["andres"].pk, decision_maker=people["valentina"].pk,
               equipment_type="Punto de acceso", os_name="")
    wo = _to_satisfaction(
        camila, wo,
        "En el aula 3 el wifi se corta cada pocos minutos cuando están los 25 alumnos conectados.",
        "Déjeme ver si comprendo: con la clase completa el wifi del aula 3 se corta cada pocos minutos.",
        (("¿Pasa también con el aula vacía?", "No"),),
    )
    _close(camila, wo, "Se instaló un segundo punto de acceso aprobado por la rectora y se repartieron los canales.",
           "Correo con el resumen a la Dra. Ríos y al Sr. Cárdenas; el profesor confirma que la clase funcionó.",
           channel="email")
    _backdate(wo, now - timedelta(days=9))

    # 8. Identification via portal chat.
    wo = open_(jorge, "catalina", "No recuerdo la contraseña del correo", channel="chat", assignee=jorge,
               os_name="Android", problem_story="Cambié de teléfono y el correo me pide la contraseña, no la recuerdo.")
    _backdate(wo, now - timedelta(minutes=5))

    # 9. Walk-in (presencial), satisfaction.
    wo = open_(diego, "lupita", "La impresora de recetas atasca el papel", channel="presencial", assignee=diego,
               equipment_type="Impresora láser")
    _to_satisfaction(
        diego, wo,
        "Trae la bandeja de la impresora: cada tres o cuatro recetas se atasca una hoja.",
        "Déjeme ver si comprendo: la impresora imprime, pero cada pocas hojas se atasca una.",
        (("¿Usa el mismo papel de siempre?", "No, uno más fino"),),
    )
    _backdate(wo, now - timedelta(hours=4))

    # 10. Angry customer (CT-ENF), urgent, by email, unassigned: waiting in the team's queue.
    wo = open_(lucia, "tomas", "Las copias de seguridad fallan todas las noches", channel="email", priority="urgente",
               equipment_type="NAS", os_name="DSM", os_version="7.2",
               problem_story="¡¡LLEVO TRES NOCHES SIN COPIA!! El informe dice 'destino no disponible'.")
    TraitObservation.objects.create(customer=people["tomas"], work_order=wo, trait="CT-ENF", score=0.78,
                                    evidence=["¡¡LLEVO TRES NOCHES SIN COPIA!!"])
    _backdate(wo, now - timedelta(hours=1, minutes=20))
    wo.refresh_from_db()
    _converse(wo, [
        (0, None, "Tomás Herrera", "tomas.herrera@estudioherrera.es", "in", "email", "public",
         "¡¡LLEVO TRES NOCHES SIN COPIA!! El informe dice 'destino no disponible'. Necesito que alguien lo mire "
         "hoy mismo, tengo los planos de tres obras en ese disco."),
        (25, lucia, "", "", "out", "email", "internal",
         "El NAS responde al ping; el recurso compartido de destino cambió de nombre el lunes. Hay que pedirle "
         "la nueva ruta."),
    ])

    # 11. Low priority, identification, proactive follow-up.
    wo = open_(camila, "valentina", "Revisión anual de los equipos de secretaría", channel="telefonico",
               direction="proactivo", priority="baja", assignee=camila)
    _backdate(wo, now - timedelta(days=1))
    return login
