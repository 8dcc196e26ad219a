"""A work order's detail is written without django-ninja's output validation (issue 25), and answers the same bytes.

``detail_answer`` writes the shaped data straight to JSON; django-ninja would have validated it against
``WorkOrderDetailOut``, dumped the model and written it with its encoder (``ninja/operation.py``,
``_result_to_response``). Both are held equal here for answers with every part filled in and with every part
empty, so an API client sees the same fields, in the same order, with the same formats of times and choices.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from atiende.api.desk import WorkOrderDetailOut, _detail_data, _new_detail, detail_answer
from atiende.desk import selectors
from atiende.desk.models import Commitment, WorkOrder
from atiende.desk.services.commitments import add_commitment
from atiende.desk.services.customers import create_customer
from atiende.desk.services.questions import add_closed_question
from atiende.desk.services.surveys import send_survey
from atiende.desk.services.work_orders import create_work_order
from tests.desk.conftest import bearer, close, in_an_hour

pytestmark = pytest.mark.django_db


def _as_ninja_writes_it(data: dict) -> bytes:
    validated = WorkOrderDetailOut.model_validate(data)
    return json.dumps(validated.model_dump(by_alias=False), cls=NinjaJSONEncoder).encode("utf-8")


def _detail_of(user, number) -> dict:
    found = selectors.work_order_detail(user, number)
    return _detail_data(user, found.work_order, found.questions, found.commitments, found.survey)


def test_a_full_and_an_empty_detail_are_the_bytes_ninja_wrote(tech, team, customer):
    asking = create_customer(actor=tech, name="Pide", address_as="Don")
    deciding = create_customer(actor=tech, name="Decide")
    full = create_work_order(actor=tech, customer=customer, requester=asking, decision_maker=deciding,
                             title="La impresora «no» imprime", team=team, assignee=tech, problem_story="Historia",
                             os_name="Windows", priority="alta")
    add_closed_question(actor=tech, work_order=full, question="¿Está encendida?", answer="Sí")
    add_closed_question(actor=tech, work_order=full, question="¿Tiene papel?")
    add_commitment(actor=tech, work_order=full, description="Llamar mañana", due_at=in_an_hour())
    late = add_commitment(actor=tech, work_order=full, description="Enviar el controlador", due_at=in_an_hour())
    Commitment.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(minutes=3))  # overdue
    done = create_work_order(actor=tech, customer=customer, requester=asking, title="Cerrada", team=team)
    add_closed_question(actor=tech, work_order=done, question="¿Reinició?", answer="Sí")
    closed = close(tech, WorkOrder.objects.get(pk=done.pk))
    send_survey(WorkOrder.objects.get(pk=closed.pk), tech, timezone.now())
    empty = create_work_order(actor=tech, customer=customer, title="Sin nada")
    details = [_detail_of(tech, full.number), _detail_of(tech, closed.number), _detail_of(tech, empty.number),
               _new_detail(empty)]
    rich, ended = details[0], details[1]
    assert any(c["overdue"] for c in rich["commitments"]) and len(rich["closed_questions"]) == 2
    assert rich["requester"]["greeting_name"] == "Don Pide" and rich["assignee"] and rich["team"]
    assert ended["closed_at"] and ended["closing_contact_at"] and ended["survey"]["token"]
    assert details[2]["assignee"] is None and details[2]["survey"] is None
    for data in details:
        answer = detail_answer(data, 201)
        assert answer.status_code == 201
        assert answer["Content-Type"] == "application/json; charset=utf-8"
        assert answer.content == _as_ninja_writes_it(data)


def test_the_endpoints_answer_the_schemas_fields_in_its_order(client, tech, customer):
    headers = bearer(tech)
    made = client.post("/api/v1/work-orders", {"customer": customer.pk, "title": "Pantalla en negro"},
                       content_type="application/json", headers=headers)
    assert made.status_code == 201
    assert list(made.json()) == list(WorkOrderDetailOut.model_fields)
    body = made.json()
    assert body["channel"] == "telefonico" and body["phase"] == "identificacion" and body["survey"] is None
    assert body["created_at"].endswith("Z")
    read = client.get(f"/api/v1/work-orders/{body['number']}", headers=headers)
    assert read.status_code == 200 and list(read.json()) == list(WorkOrderDetailOut.model_fields)
    assert read.json()["created_at"] == body["created_at"]
