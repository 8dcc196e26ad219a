"""SP-4: the customer answers the satisfaction survey from the link sent on close."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.desk.models import SatisfactionSurvey
from atiende.desk.services.work_orders import (
    change_phase,
    record_closing_contact,
    update_work_order,
)
from tests.pages import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(desk):
    t = desk.technician
    wo = update_work_order(actor=t, work_order=desk.work_order, version=desk.work_order.version,
                           paraphrase="Déjeme ver si comprendo…", resolution="Cambio del tóner.")
    wo = change_phase(actor=t, work_order=wo, version=wo.version, phase="satisfaccion")
    wo = record_closing_contact(actor=t, work_order=wo, version=wo.version, channel="telefonico",
                                note="Doña Carmen confirma que imprime.")
    return change_phase(actor=t, work_order=wo, version=wo.version, phase="cierre")


def test_closed_work_order_shows_the_survey_sent(desk, closed):
    page = signed_in(desk.technician).get(f"/solicitudes/{closed.number}/").content.decode()
    assert "aún sin respuesta" in page
    assert 'aria-current="step">Cierre' in page
    assert "Reabrir" in page
    # SP-1: a closed work order changes only by reopening it.
    assert "Añadir una pregunta cerrada" not in page and "Añadir un compromiso" not in page
    assert f'href="/solicitudes/{closed.number}/editar/"' not in page


def test_customer_answers_the_survey_once(client: Client, desk, closed):
    survey = SatisfactionSurvey.objects.get(work_order=closed)
    url = f"/encuesta/{survey.token}/"
    assert "Sobre su solicitud" in client.get(url).content.decode()
    bad = client.post(url, {"rating": "9", "resolved": "quizá"})
    assert bad.status_code == 400
    assert "Escoja una opción válida" in bad.content.decode()
    response = client.post(url, {"rating": "5", "resolved": "yes", "comment": "Muy amables"})
    assert "¡Gracias por su respuesta!" in response.content.decode()
    survey.refresh_from_db()
    assert (survey.rating, survey.resolved) == (5, True)
    assert "ya se respondió" in client.get(url).content.decode()
    detail = signed_in(desk.technician).get(f"/solicitudes/{closed.number}/").content.decode()
    assert "Respondida: 5 sobre 5." in detail


def test_reopening_needs_a_reason(desk, closed):
    client = signed_in(desk.technician)
    response = client.post(f"/solicitudes/{closed.number}/fase/",
                           {"phase": "satisfaccion", "version": closed.version, "note": ""})
    assert response.status_code == 400
    assert "Diga por qué se reabre la solicitud." in response.content.decode()
    response = client.post(f"/solicitudes/{closed.number}/fase/",
                           {"phase": "satisfaccion", "version": closed.version, "note": "Vuelve a fallar"})
    assert response.status_code == 302


def test_unknown_survey_token_is_a_404(client: Client, db):
    assert client.get("/encuesta/inventado/").status_code == 404
