"""The API's one-work-order read in hand-written SQL (selectors.work_order_detail, issue 25) answers as the ORM did.

Two forms of two things are held together here: who may see a work order (``may_see`` on a row in hand against
``visible_work_orders``' query, ET-4: anything not visible is a 404), and what the answer shows (the rows built
from the joined statement against the ORM's related objects, field by field).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from atiende.api.desk import _detail_data
from atiende.desk import selectors
from atiende.desk.models import Customer, SatisfactionSurvey, WorkOrder
from atiende.desk.services.commitments import add_commitment
from atiende.desk.services.customers import create_customer
from atiende.desk.services.questions import add_closed_question
from atiende.desk.services.surveys import send_survey
from atiende.desk.services.work_orders import create_work_order
from atiende.errors import InputError
from atiende.people.models import Team
from tests.desk.conftest import bearer, in_an_hour, make_user

pytestmark = pytest.mark.django_db


def _sees(user, wo) -> bool:
    try:
        selectors.work_order_detail(user, wo.number)
    except InputError as exc:
        assert exc.status == 404
        return False
    return True


def test_both_forms_of_the_visibility_rule_agree_for_every_role(tech, other_tech, supervisor, admin, team,
                                                                 other_team):
    far = Team.objects.create(name="Soporte Lima")
    stranger = make_user("remoto", "tecnico", far)
    asleep = make_user("dormido", "administrador")
    asleep.is_active = False
    asleep.save()
    portal = make_user("cliente1", "cliente")
    carmen = create_customer(actor=tech, name="Carmen Ruiz")
    asking = create_customer(actor=tech, name="Pide")
    deciding = create_customer(actor=tech, name="Decide")
    Customer.objects.filter(pk=deciding.pk).update(user=portal)
    orders = [
        create_work_order(actor=tech, customer=carmen, title="Del equipo", team=team),
        create_work_order(actor=other_tech, customer=carmen, title="De otro equipo", team=other_team),
        create_work_order(actor=other_tech, customer=carmen, title="Asignada", team=other_team,
                          assignee=other_tech),
        create_work_order(actor=admin, customer=carmen, title="Sin equipo"),
        create_work_order(actor=other_tech, customer=carmen, requester=asking, decision_maker=deciding,
                          title="Indirecta", team=other_team),
        create_work_order(actor=stranger, customer=carmen, title="De Lima", team=far),
    ]
    WorkOrder.objects.filter(pk=orders[3].pk).update(team=None)
    for user in (tech, other_tech, supervisor, admin, stranger, portal, asleep):
        for wo in orders:
            expected = selectors.visible_work_orders(user).filter(pk=wo.pk).exists()
            assert _sees(user, wo) == expected, (user.username, wo.title)
    assert _sees(portal, orders[4]) and not _sees(portal, orders[0])
    assert _sees(stranger, orders[3]) and _sees(stranger, orders[5]) and not _sees(stranger, orders[0])


def test_the_answer_is_the_orms_field_by_field(tech, other_tech, team, customer):
    asking = create_customer(actor=tech, name="Pide", address_as="Don")
    deciding = create_customer(actor=tech, name="Decide")
    wo = create_work_order(actor=tech, customer=customer, requester=asking, decision_maker=deciding,
                           title="La impresora no imprime", team=team, assignee=tech, problem_story="Historia")
    add_closed_question(actor=tech, work_order=wo, question="¿Está encendida?", answer="Sí")
    add_closed_question(actor=tech, work_order=wo, question="¿Tiene papel?")
    add_commitment(actor=tech, work_order=wo, description="Llamar mañana", due_at=in_an_hour())
    send_survey(WorkOrder.objects.get(pk=wo.pk), tech, timezone.now())
    for user in (tech,):
        orm = selectors.get_work_order(user, wo.number)
        orm = WorkOrder.objects.select_related("customer", "requester", "decision_maker", "assignee", "team",
                                               "sla").get(pk=orm.pk)
        expected = _detail_data(user, orm, orm.closed_questions.select_related("asked_by"),
                                orm.commitments.select_related("owner"),
                                SatisfactionSurvey.objects.filter(work_order=orm).first())
        found = selectors.work_order_detail(user, f"#{wo.number}")
        with CaptureQueriesContext(connection) as queries:
            answer = _detail_data(user, found.work_order, found.questions, found.commitments, found.survey)
        assert answer == expected
        assert len(queries) == 0  # everything the answer shows was in hand: no lazy load
    assert expected["survey"] is not None and expected["survey"]["token"]
    assert len(expected["closed_questions"]) == 2 and len(expected["commitments"]) == 1
    assert expected["requester"]["greeting_name"] == "Don Pide" and expected["is_indirect"]


def test_the_read_endpoint_uses_four_statements_and_404s_as_before(client, tech, other_tech, other_team, customer):
    wo = create_work_order(actor=tech, customer=customer, title="La impresora no imprime")
    hidden = create_work_order(actor=other_tech, customer=customer, title="Ajena", team=other_team)
    headers = bearer(tech)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(f"/api/v1/work-orders/{wo.number}", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["number"] == wo.number and body["closed_questions"] == [] and body["survey"] is None
    assert body["sla_first_response"] in ("none", "running")
    reads = [q["sql"] for q in queries.captured_queries if "desk_workorder" in q["sql"] or "desk_" in q["sql"]]
    assert len(reads) == 4, reads
    for number in (hidden.number, 999_999, "x1", "1234567890"):
        missing = client.get(f"/api/v1/work-orders/{number}", headers=headers)
        assert missing.status_code == 404, number
        assert missing.json()["error"]["code"] == "not_found"
