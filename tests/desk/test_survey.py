"""SP-4: the satisfaction survey is sent on close and answered once, without signing in."""

from __future__ import annotations

import json

import pytest

from atiende.desk.models import WorkOrderEvent
from atiende.desk.services.surveys import answer_survey
from atiende.desk.services.work_orders import create_work_order
from atiende.errors import InputError
from tests.desk.conftest import close

pytestmark = pytest.mark.django_db


def test_the_customer_answers_the_survey_by_its_link(client, tech, work_order):
    token = close(tech, work_order).survey.token
    assert client.get(f"/api/v1/surveys/{token}").json()["answered"] is False
    response = client.post(f"/api/v1/surveys/{token}",
                           json.dumps({"rating": 5, "resolved": True, "comment": "¡Muy amables!"}),
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json() | {"sent_at": None} == {
        "work_order": work_order.number, "title": work_order.title, "sent_at": None, "answered": True,
        "rating": 5, "resolved": True, "comment": "¡Muy amables!",
    }
    assert WorkOrderEvent.objects.filter(work_order=work_order, kind="survey_answered").exists()


def test_a_survey_is_answered_only_once(client, tech, work_order):
    token = close(tech, work_order).survey.token
    answer_survey(token=token, rating=4, resolved=True)
    with pytest.raises(InputError) as exc:
        answer_survey(token=token, rating=1, resolved=False)
    assert exc.value.code == "survey_answered" and exc.value.status == 409
    response = client.post(f"/api/v1/surveys/{token}", json.dumps({"rating": 1, "resolved": False}),
                           content_type="application/json")
    assert response.status_code == 409


def test_an_unknown_token_is_a_404(client):
    response = client.post("/api/v1/surveys/no-such-token", json.dumps({"rating": 3, "resolved": True}),
                           content_type="application/json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "survey_not_found"


@pytest.mark.parametrize("rating", [0, 6, -1, "cinco", None, True])
def test_a_rating_outside_one_to_five_is_refused(client, tech, work_order, rating):
    token = close(tech, work_order).survey.token
    response = client.post(f"/api/v1/surveys/{token}", json.dumps({"rating": rating, "resolved": True}),
                           content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_the_same_time_record_only_one(tech, customer):
    from django.db import connection

    from tests.desk.test_concurrent_edit import _run_in_threads

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers are exercised on PostgreSQL")
    wo = create_work_order(actor=tech, customer=customer, title="Pantalla azul")
    token = close(tech, wo).survey.token

    def answer(i: int) -> object:
        return answer_survey(token=token, rating=i + 1, resolved=True)

    results = _run_in_threads(4, answer)
    refused = [r for r in results if isinstance(r, InputError)]
    assert len(refused) == 3 and all(r.code == "survey_answered" for r in refused)
    assert WorkOrderEvent.objects.filter(work_order=wo, kind="survey_answered").count() == 1
