import pytest

from atiende.desk.models import SatisfactionSurvey
from atiende.desk.selectors import work_order_history
from atiende.desk.services.surveys import answer_survey
from atiende.desk.services.work_orders import (
    change_phase,
    create_work_order,
    record_closing_contact,
    update_work_order,
)
from atiende.errors import InputError
from tests.desk.conftest import close

pytestmark = pytest.mark.django_db


def test_new_work_orders_get_consecutive_numbers(tech, customer):
    first = create_work_order(actor=tech, customer=customer, title="Sin red")
    second = create_work_order(actor=tech, customer=customer, title="Sin correo")
    assert second.number == first.number + 1


def test_a_work_order_walks_through_the_three_phases_and_sends_a_survey(tech, work_order):
    closed = close(tech, work_order)
    assert closed.phase == "cierre"
    assert closed.closed_at is not None
    assert SatisfactionSurvey.objects.filter(work_order=closed, answered_at__isnull=True).exists()
    kinds = [e.kind for e in work_order_history(closed)]
    assert kinds[0] == "created"
    assert "closing_contact" in kinds and "survey_sent" in kinds
    assert kinds.count("phase") == 2


def test_every_change_is_in_the_history_with_old_and_new_values(tech, work_order):
    update_work_order(actor=tech, work_order=work_order, version=1, priority="alta", os_name="Windows")
    event = work_order_history(work_order)[-1]
    assert event.kind == "changed"
    assert event.changes["priority"] == ["normal", "alta"]
    assert event.changes["os_name"] == ["", "Windows"]
    assert event.actor == tech


def test_a_closed_work_order_is_read_only_until_reopened(tech, work_order):
    closed = close(tech, work_order)
    with pytest.raises(InputError) as exc:
        update_work_order(actor=tech, work_order=closed, version=closed.version, title="Otro")
    assert exc.value.code == "work_order_closed" and exc.value.status == 409
    reopened = change_phase(actor=tech, work_order=closed, version=closed.version,
                            phase="satisfaccion", note="La clienta vuelve a llamar: falla otra vez.")
    assert reopened.closed_at is None and reopened.closing_contact_at is None
    edited = update_work_order(actor=tech, work_order=reopened, version=reopened.version, title="Otro")
    assert edited.title == "Otro"


def test_reclosing_sends_a_fresh_survey(tech, work_order):
    closed = close(tech, work_order)
    first_token = closed.survey.token
    answer_survey(token=first_token, rating=2, resolved=False)
    reopened = change_phase(actor=tech, work_order=closed, version=closed.version,
                            phase="satisfaccion", note="No quedó resuelto.")
    reopened = record_closing_contact(actor=tech, work_order=reopened, version=reopened.version,
                                      channel="email", note="Confirmado por correo.")
    again = change_phase(actor=tech, work_order=reopened, version=reopened.version, phase="cierre")
    survey = SatisfactionSurvey.objects.get(work_order=again)
    assert survey.token != first_token and survey.answered_at is None
    assert any(e.changes.get("rating") == [2, None] for e in work_order_history(again))


def test_the_whole_story_through_the_api(client, tech, customer):
    import json

    from tests.desk.conftest import bearer

    headers = bearer(tech)

    def send(method, path, body=None):
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(client, method)(f"/api/v1/work-orders{path}", **kwargs)
        assert response.status_code < 300, response.content
        return response.json()

    wo = send("post", "", {"customer": customer.pk, "title": "El correo no sincroniza", "channel": "telefonico",
                           "problem_story": "Desde el lunes el móvil no recibe correos nuevos."})
    n = wo["number"]
    wo = send("patch", f"/{n}", {"version": wo["version"],
                                 "paraphrase": "Déjeme ver si comprendo: el móvil dejó de recibir correo el lunes."})
    question = send("post", f"/{n}/closed-questions", {"question": "¿Usa Android?"})
    send("patch", f"/{n}/closed-questions/{question['id']}", {"answer": "Sí, Android 14"})
    wo = send("post", f"/{n}/phase", {"version": wo["version"], "phase": "satisfaccion"})
    promise = send("post", f"/{n}/commitments", {"description": "Llamar a las 17:00 para comprobar",
                                                 "due_at": "2099-01-01T17:00:00+01:00"})
    send("post", f"/{n}/commitments/{promise['id']}/resolve", {"kept": True})
    wo = send("patch", f"/{n}", {"version": wo["version"], "resolution": "Se volvió a añadir la cuenta."})
    wo = send("post", f"/{n}/closing-contact", {"version": wo["version"], "channel": "telefonico",
                                                "note": "Resumen hecho; la clienta recibe correo de nuevo."})
    wo = send("post", f"/{n}/phase", {"version": wo["version"], "phase": "cierre"})
    assert wo["phase"] == "cierre" and wo["closed_at"] and wo["survey"]["answered_at"] is None
    answer = client.post(f"/api/v1/surveys/{wo['survey']['token']}", json.dumps({"rating": 4, "resolved": True}),
                         content_type="application/json")
    assert answer.status_code == 200
    kinds = [e["kind"] for e in send("get", f"/{n}/history")]
    assert kinds == ["created", "changed", "question_added", "question_answered", "phase", "commitment_added",
                     "commitment_resolved", "changed", "closing_contact", "phase", "survey_sent", "survey_answered"]
