"""Bad input always gets a clear 4xx in the one error format, never a 500."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.desk.services.commitments import add_commitment
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order, update_work_order
from atiende.errors import InputError
from tests.desk.conftest import bearer

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=30)
    | st.floats(allow_nan=False),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=6,
)
WORK_ORDER_KEYS = ["customer", "title", "channel", "direction", "requester", "decision_maker", "priority",
                   "assignee", "team", "knowledge_level", "problem_story", "version", "phase", "note", "at"]


def _assert_error_format(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]


@pytest.mark.parametrize("email", ["carmen", "carmen@", "@example.es", "carmen@@example.es", "a b@example.es"])
def test_an_invalid_email_is_refused(tech, email):
    with pytest.raises(InputError) as exc:
        create_customer(actor=tech, name="Carmen", contact_points=[("email", email)])
    assert exc.value.code == "invalid_email"


@pytest.mark.parametrize("phone", ["12", "abc", "+34 91 ABC", "91+2345678", "1" * 20])
def test_an_invalid_phone_is_refused(tech, phone):
    with pytest.raises(InputError) as exc:
        create_customer(actor=tech, name="Carmen", contact_points=[("telefono", phone)])
    assert exc.value.code == "invalid_phone"


def test_valid_contact_points_are_kept_and_the_first_is_preferred(tech):
    customer = create_customer(
        actor=tech, name="Óscar Pérez", contact_points=[("movil", "+54 9 11 2345-6789"), ("email", "O@Ejemplo.AR")],
    )
    points = {(cp.kind, cp.value, cp.preferred) for cp in customer.contact_points.all()}
    assert points == {("movil", "+54 9 11 2345-6789", True), ("email", "O@ejemplo.ar", False)}


@pytest.mark.parametrize("field,value,code", [
    ("channel", "fax", "invalid_choice"),
    ("priority", "altísima", "invalid_choice"),
    ("direction", None, "invalid_choice"),
    ("title", "", "required"),
    ("title", "x" * 201, "too_long"),
    ("requester", 999_999, "unknown_customer"),
    ("assignee", 999_999, "unknown_user"),
    ("team", 999_999, "unknown_team"),
    ("team", 2**80, "unknown_team"),
])
def test_bad_work_order_fields_are_named(tech, customer, field, value, code):
    with pytest.raises(InputError) as exc:
        create_work_order(actor=tech, customer=customer, **{"title": "Ok", field: value})
    assert exc.value.code == code
    assert exc.value.status in (400, 404)


def test_unknown_and_read_only_fields_cannot_be_changed(tech, work_order):
    for field in ("phase", "number", "closed_at", "created_by", "colour"):
        with pytest.raises(InputError) as exc:
            update_work_order(actor=tech, work_order=work_order, version=1, **{field: "x"})
        assert exc.value.code == "unknown_field"


@pytest.mark.parametrize("version", [0, -1, "1", None, True, 1.5])
def test_a_malformed_version_is_refused(tech, work_order, version):
    with pytest.raises(InputError) as exc:
        update_work_order(actor=tech, work_order=work_order, version=version, title="x")
    assert exc.value.code == "invalid_version"


def test_a_customer_account_cannot_act_as_staff(customer, work_order):
    from atiende.people.models import User

    account = User.objects.create_user("cliente1", password="x-very-long-pass", role="cliente")
    with pytest.raises(InputError) as exc:
        update_work_order(actor=account, work_order=work_order, version=1, title="x")
    assert exc.value.status == 403 and exc.value.rule == "ET-4"


@pytest.mark.parametrize("country", ["ESP", "e1", "México"])
def test_country_must_be_a_two_letter_code(tech, country):
    with pytest.raises(InputError):
        create_customer(actor=tech, name="Ana", country=country)


def test_naive_due_times_are_read_in_the_local_time_zone(tech, work_order):
    due = datetime.now() + timedelta(days=1)
    commitment = add_commitment(actor=tech, work_order=work_order, description="Llamar", due_at=due)
    assert timezone.is_aware(commitment.due_at)


@pytest.mark.parametrize("path,body", [
    ("/api/v1/work-orders", {"customer": 1, "title": "x", "channel": "fax"}),
    ("/api/v1/work-orders", {"customer": 10**30, "title": "x"}),
    ("/api/v1/work-orders", {"customer": 999999, "title": "x"}),
    ("/api/v1/work-orders", {"title": "x"}),
    ("/api/v1/work-orders", "no es json"),
    ("/api/v1/customers", {"name": "Ana", "contact_points": [{"kind": "email", "value": "ana"}]}),
    ("/api/v1/customers", {"name": "Ana", "contact_points": [{"kind": "paloma", "value": "x"}]}),
    ("/api/v1/customers", {"name": "Ana", "country": "España"}),
    ("/api/v1/customers", {"name": "", "address_as": "Su Majestad"}),
])
def test_bad_api_bodies_get_a_clear_4xx(client, tech, customer, path, body):
    data = body if isinstance(body, str) else json.dumps(body)
    _assert_error_format(client.post(path, data, content_type="application/json", headers=bearer(tech)))


@pytest.mark.parametrize("path", [
    "/api/v1/work-orders/abc", "/api/v1/work-orders/99999999999999999999", "/api/v1/work-orders/%C3%B1",
    "/api/v1/customers/-1", "/api/v1/customers/" + "9" * 30,
    "/api/v1/work-orders?page=0", "/api/v1/work-orders?page_size=1000", "/api/v1/work-orders?phase=abierta",
    "/api/v1/work-orders?assignee=x", "/api/v1/work-orders?overdue=quizas",
])
def test_bad_paths_and_queries_get_a_clear_4xx(client, tech, work_order, path):
    _assert_error_format(client.get(path, headers=bearer(tech)))


def test_answering_a_question_that_does_not_exist_is_a_404(client, tech, work_order):
    response = client.patch(f"/api/v1/work-orders/{work_order.number}/closed-questions/zz",
                            json.dumps({"answer": "Sí"}), content_type="application/json", headers=bearer(tech))
    _assert_error_format(response)
    assert response.status_code == 404


def test_a_commitment_due_at_year_one_is_refused(client, tech, work_order):
    response = client.post(f"/api/v1/work-orders/{work_order.number}/commitments",
                           json.dumps({"description": "x", "due_at": "0001-01-01T00:00:00"}),
                           content_type="application/json", headers=bearer(tech))
    _assert_error_format(response)


@FUZZ
@given(body=st.dictionaries(st.sampled_from(WORK_ORDER_KEYS), json_values, max_size=6))
def test_fuzzed_work_order_bodies_never_crash(client, tech, work_order, body):
    headers = bearer(tech)
    for method, path in (("post", "/api/v1/work-orders"), ("patch", f"/api/v1/work-orders/{work_order.number}"),
                         ("post", f"/api/v1/work-orders/{work_order.number}/phase"),
                         ("post", f"/api/v1/work-orders/{work_order.number}/closing-contact")):
        response = getattr(client, method)(path, json.dumps(body), content_type="application/json", headers=headers)
        if response.status_code >= 400:
            _assert_error_format(response)
        else:
            assert response.status_code in (200, 201)


@FUZZ
@given(body=st.dictionaries(
    st.sampled_from(["name", "address_as", "organisation", "country", "preferred_language", "knowledge_level",
                     "notes", "contact_points"]),
    json_values, max_size=5))
def test_fuzzed_customer_bodies_never_crash(client, tech, body):
    response = client.post("/api/v1/customers", json.dumps(body), content_type="application/json",
                           headers=bearer(tech))
    if response.status_code >= 400:
        _assert_error_format(response)
    else:
        assert response.status_code == 201
