"""Work-order pages: list and filters, detail, create and edit, inline actions."""

from __future__ import annotations

import pytest

from atiende.desk.models import Commitment, WorkOrder
from atiende.desk.services.commitments import add_commitment
from atiende.desk.services.work_orders import change_phase, create_work_order, update_work_order
from tests.pages import signed_in, soon

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_list_filters_by_phase_priority_and_text(desk):
    client = signed_in(desk.supervisor)
    assert "La impresora no imprime" in client.get("/solicitudes/?priority=alta").content.decode()
    assert "La impresora no imprime" not in client.get("/solicitudes/?priority=baja").content.decode()
    assert "La impresora no imprime" not in client.get("/solicitudes/?phase=cierre").content.decode()
    assert "La impresora no imprime" in client.get("/solicitudes/?q=impresora").content.decode()
    assert "La impresora no imprime" in client.get(f"/solicitudes/?q=%23{desk.work_order.number}").content.decode()
    assert "No hay solicitudes." in client.get("/solicitudes/?q=nada-parecido").content.decode()


def test_list_filters_by_assignee_and_channel(desk):
    client = signed_in(desk.technician)
    assert "La impresora no imprime" in client.get("/solicitudes/?assignee=me").content.decode()
    assert "La impresora no imprime" not in client.get("/solicitudes/?assignee=none").content.decode()
    assert "La impresora no imprime" in client.get("/solicitudes/?channel=telefonico").content.decode()
    assert "La impresora no imprime" not in client.get("/solicitudes/?channel=chat").content.decode()


def test_live_search_answers_htmx_with_the_results_only(desk):
    response = signed_in(desk.technician).get(
        "/solicitudes/?q=impresora", headers={**HTMX, "HX-Target": "work-order-results"})
    page = response.content.decode()
    assert "La impresora no imprime" in page
    assert "<html" not in page
    assert "1 solicitud" in page


def test_list_is_paginated(desk, settings):
    settings.ATIENDE_PAGE_SIZE = 2
    for n in range(3):
        create_work_order(actor=desk.technician, customer=desk.customer, title=f"Extra {n}",
                          team=desk.team)
    client = signed_in(desk.technician)
    first = client.get("/solicitudes/").content.decode()
    assert "Página 1 de 2" in first
    assert "Página 2 de 2" in client.get("/solicitudes/?page=2").content.decode()
    assert client.get("/solicitudes/?page=999").status_code == 200


def test_detail_shows_the_whole_work_order(desk):
    page = signed_in(desk.technician).get(f"/solicitudes/{desk.work_order.number}/").content.decode()
    for text in ["La impresora no imprime", "Doña Carmen Ruiz", "Impresora láser", "Windows 11",
                 'aria-current="step">Identificación', "Solicitud indirecta", "CH-IND", "Sr. Roberto Díaz",
                 "Aún no enviada", "Historial", "creada", "canal: — → Teléfono", "prioridad: — → Alta"]:
        assert text in page, text


def test_phase_guard_is_shown_with_its_rule(desk):
    wo = desk.work_order
    client = signed_in(desk.technician)
    response = client.post(f"/solicitudes/{wo.number}/fase/", {"phase": "satisfaccion", "version": wo.version})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Parafrasee la historia" in page
    assert 'class="rule-id" href="/reglas/AL-6/"' in page
    wo.refresh_from_db()
    assert wo.phase == "identificacion"


def test_phase_moves_forward_when_the_work_order_is_complete(desk):
    wo = update_work_order(actor=desk.technician, work_order=desk.work_order,
                           version=desk.work_order.version, paraphrase="Déjeme ver si comprendo…")
    client = signed_in(desk.technician)
    response = client.post(f"/solicitudes/{wo.number}/fase/", {"phase": "satisfaccion", "version": wo.version},
                           headers=HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-current="step">Satisfacción' in page
    # The confirmation sits inside the part htmx swaps in.
    swapped = page[page.index('<div id="work-order">'):]
    assert "Fase cambiada a Satisfacción." in swapped
    assert WorkOrder.objects.get(pk=wo.pk).phase == "satisfaccion"


def test_closing_needs_resolution_and_closing_contact(desk):
    wo = update_work_order(actor=desk.technician, work_order=desk.work_order,
                           version=desk.work_order.version, paraphrase="Déjeme ver…")
    wo = change_phase(actor=desk.technician, work_order=wo, version=wo.version, phase="satisfaccion")
    client = signed_in(desk.technician)
    response = client.post(f"/solicitudes/{wo.number}/fase/", {"phase": "cierre", "version": wo.version})
    assert response.status_code == 409
    assert "no se puede cerrar sin una resolución" in response.content.decode()
    assert "SP-1" in response.content.decode()
    response = client.post(f"/solicitudes/{wo.number}/contacto-de-cierre/",
                           {"channel": "telefonico", "note": "Confirma que imprime.", "version": wo.version})
    assert response.status_code == 302
    wo.refresh_from_db()
    assert wo.closing_contact_note == "Confirma que imprime."


def test_stale_phase_change_offers_a_reload(desk):
    wo = desk.work_order
    update_work_order(actor=desk.supervisor, work_order=wo, version=wo.version, title="Otro título")
    response = signed_in(desk.technician).post(
        f"/solicitudes/{wo.number}/fase/", {"phase": "satisfaccion", "version": wo.version})
    assert response.status_code == 409
    assert "Recargar la versión actual" in response.content.decode()


def test_create_form_shows_messages_for_bad_input(desk):
    response = signed_in(desk.technician).post("/solicitudes/nueva/", {"title": "", "customer": "999999",
                                                                       "channel": "paloma", "priority": "x"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Este campo es obligatorio." in page
    assert "Escoja una opción válida" in page
    assert WorkOrder.objects.count() == 2


def test_create_form_refusal_from_the_service_is_shown(desk):
    # The technician may not place a work order in a team they are not in.
    other_team = desk.other_technician.teams.get()
    response = signed_in(desk.technician).post("/solicitudes/nueva/", {
        "title": "Pantalla azul", "customer": desk.customer.pk, "channel": "telefonico",
        "direction": "reactivo", "priority": "normal", "team": other_team.pk,
    })
    assert response.status_code == 400
    assert "Solo puede poner solicitudes en sus propios equipos." in response.content.decode()


def test_create_work_order(desk):
    response = signed_in(desk.technician).post("/solicitudes/nueva/", {
        "title": "Pantalla azul al arrancar", "customer": desk.customer.pk, "channel": "presencial",
        "direction": "reactivo", "priority": "urgente", "team": desk.team.pk, "assignee": desk.technician.pk,
        "problem_story": "Al encender sale una pantalla azul.",
    }, follow=True)
    page = response.content.decode()
    assert "Pantalla azul al arrancar" in page
    assert "creada." in page
    created = WorkOrder.objects.get(title="Pantalla azul al arrancar")
    assert created.channel == "presencial" and created.created_by == desk.technician


def _edit_data(wo: WorkOrder, **changes: object) -> dict[str, object]:
    data = {"title": wo.title, "customer": wo.customer_id, "channel": wo.channel, "direction": wo.direction,
            "priority": wo.priority, "team": wo.team_id or "", "assignee": wo.assignee_id or "",
            "version": wo.version}
    data.update(changes)
    return data


def test_edit_work_order(desk):
    wo = desk.work_order
    response = signed_in(desk.technician).post(f"/solicitudes/{wo.number}/editar/",
                                               _edit_data(wo, os_version="10", priority="urgente"))
    assert response.status_code == 302
    wo.refresh_from_db()
    assert (wo.os_version, wo.priority, wo.version) == ("10", "urgente", 2)


def test_edit_with_a_stale_version_is_a_friendly_409(desk):
    wo = desk.work_order
    data = _edit_data(wo, title="Mi cambio")
    update_work_order(actor=desk.supervisor, work_order=wo, version=wo.version, title="Su cambio")
    response = signed_in(desk.technician).post(f"/solicitudes/{wo.number}/editar/", data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Otra persona cambió esta solicitud mientras usted la editaba" in page
    assert f'href="/solicitudes/{wo.number}/editar/"' in page
    wo.refresh_from_db()
    assert wo.title == "Su cambio"


def test_add_and_answer_a_closed_question_inline(desk):
    wo = desk.work_order
    client = signed_in(desk.technician)
    response = client.post(f"/solicitudes/{wo.number}/preguntas/", {"question": "¿Tiene papel?"}, headers=HTMX)
    assert response.status_code == 200
    assert "¿Tiene papel?" in response.content.decode()
    question = wo.closed_questions.get()
    response = client.post(f"/solicitudes/{wo.number}/preguntas/{question.pk}/respuesta/", {"answer": "Sí"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == "Sí"
    assert "Respuesta: Sí" in client.get(f"/solicitudes/{wo.number}/").content.decode()


def test_empty_closed_question_shows_a_message(desk):
    response = signed_in(desk.technician).post(f"/solicitudes/{desk.work_order.number}/preguntas/",
                                               {"question": "  "})
    assert response.status_code == 400
    assert "Este campo es obligatorio." in response.content.decode()


def test_commitment_in_the_past_is_refused_with_its_rule(desk):
    response = signed_in(desk.technician).post(f"/solicitudes/{desk.work_order.number}/compromisos/",
                                               {"description": "Llamar", "due_at": "2020-01-01T10:00"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Un compromiso debe vencer en el futuro. (PT-2)" in page


def test_add_and_keep_a_commitment(desk):
    wo = desk.work_order
    client = signed_in(desk.technician)
    response = client.post(f"/solicitudes/{wo.number}/compromisos/",
                           {"description": "Llamar a las 10", "due_at": soon()}, headers=HTMX)
    assert response.status_code == 200
    assert "Llamar a las 10" in response.content.decode()
    commitment = wo.commitments.get()
    client.post(f"/solicitudes/{wo.number}/compromisos/{commitment.pk}/", {"status": "cumplido"})
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.KEPT


def test_overdue_commitment_is_flagged_on_the_detail_and_home(desk):
    from datetime import timedelta

    from django.utils import timezone

    commitment = add_commitment(actor=desk.technician, work_order=desk.work_order,
                                description="Enviar el presupuesto",
                                due_at=timezone.now() + timedelta(minutes=1))
    Commitment.objects.filter(pk=commitment.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client = signed_in(desk.technician)
    detail = client.get(f"/solicitudes/{desk.work_order.number}/").content.decode()
    assert 'class="overdue"' in detail and "vencido" in detail
    home = client.get("/").content.decode()
    assert "Enviar el presupuesto" in home


def test_unknown_work_order_is_a_404_page(desk):
    client = signed_in(desk.technician)
    assert client.get("/solicitudes/999999/").status_code == 404
    assert client.post("/solicitudes/999999/fase/", {"phase": "cierre", "version": 1}).status_code == 404


def test_list_filters_work_orders_with_overdue_commitments(desk):
    from datetime import timedelta

    from django.utils import timezone

    client = signed_in(desk.technician)
    assert "La impresora no imprime" not in client.get("/solicitudes/?overdue=on").content.decode()
    commitment = add_commitment(actor=desk.technician, work_order=desk.work_order,
                                description="Llamar", due_at=timezone.now() + timedelta(minutes=1))
    Commitment.objects.filter(pk=commitment.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    assert "La impresora no imprime" in client.get("/solicitudes/?overdue=on").content.decode()
    assert "La impresora no imprime" in client.get("/solicitudes/").content.decode()


def test_customer_opens_a_request_in_their_own_words(desk):
    client = signed_in(desk.portal)
    assert "Abrir una solicitud" in client.get("/").content.decode()
    bad = client.post("/solicitudes/abrir/", {"title": "", "problem_story": ""})
    assert bad.status_code == 400 and "Este campo es obligatorio." in bad.content.decode()
    response = client.post("/solicitudes/abrir/", {
        "title": "El portátil no arranca", "problem_story": "Al encenderlo se queda la pantalla negra.",
        "equipment_type": "Portátil",
    }, follow=True)
    page = response.content.decode()
    assert "El portátil no arranca" in page and "Solicitud n.º" in page
    opened = WorkOrder.objects.get(title="El portátil no arranca")
    assert opened.customer == desk.customer and opened.channel == "portal"


def test_staff_use_the_full_form_not_the_portal_one(desk):
    assert signed_in(desk.technician).get("/solicitudes/abrir/").status_code == 403
