"""ET-4: every role tried against every desk endpoint.

Staff of the work order's team, a supervisor and an administrator may work on
it; a technician of another team and a customer who is not on it get 404 (its
existence is not revealed); the customer on it may read but not change it;
nobody gets in without signing in.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.desk.models import TraitObservation
from atiende.desk.services.commitments import add_commitment, resolve_commitment
from atiende.desk.services.customers import create_customer, update_customer
from atiende.desk.services.questions import add_closed_question
from atiende.desk.services.work_orders import create_work_order, update_work_order
from atiende.errors import InputError
from tests.desk.conftest import bearer, make_user

pytestmark = pytest.mark.django_db

ROLES = ["tech", "supervisor", "admin", "other_tech", "owner", "stranger", "anon"]


@pytest.fixture
def world(team, other_team, tech, other_tech, supervisor, admin):
    owner_account = make_user("carmen", "cliente")
    stranger_account = make_user("pedro", "cliente")
    carmen = create_customer(actor=admin, name="Carmen Ruiz", address_as="Doña", user=owner_account,
                             contact_points=[("email", "carmen@example.es")])
    pedro = create_customer(actor=admin, name="Pedro Gil", address_as="Don", user=stranger_account)
    wo = create_work_order(actor=tech, customer=carmen, title="No arranca el portátil", team=team,
                           problem_story="Al encender se queda la pantalla negra.",
                           paraphrase="Déjeme ver si comprendo: enciende y la pantalla queda negra.")
    create_work_order(actor=other_tech, customer=pedro, title="Sin correo")
    question = add_closed_question(actor=tech, work_order=wo, question="¿Oye algún pitido?", answer="Sí")
    commitment = add_commitment(actor=tech, work_order=wo, description="Llamar mañana",
                                due_at=timezone.now() + timedelta(days=1))
    TraitObservation.objects.create(customer=carmen, trait="CT-ENF", score=0.8, evidence=["¡NO FUNCIONA!"])
    people = {"tech": tech, "supervisor": supervisor, "admin": admin, "other_tech": other_tech,
              "owner": owner_account, "stranger": stranger_account}
    return {"wo": wo, "carmen": carmen, "question": question, "commitment": commitment, "people": people}


def _call(client, world, role, method, path, body=None):
    headers = bearer(world["people"][role]) if role != "anon" else {}
    kwargs = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(path, **kwargs)


READ = {"tech": 200, "supervisor": 200, "admin": 200, "other_tech": 404, "owner": 200, "stranger": 404, "anon": 401}
STAFF_ONLY = {"tech": 200, "supervisor": 200, "admin": 200, "other_tech": 404, "owner": 403, "stranger": 403,
              "anon": 401}
CREATED = {**STAFF_ONLY, "tech": 201, "supervisor": 201, "admin": 201}
EVERYONE = {r: 200 for r in ROLES} | {"anon": 401}


def _endpoints(w):
    n, c = w["wo"].number, w["carmen"].pk
    q, k = w["question"].pk, w["commitment"].pk
    soon = (timezone.now() + timedelta(hours=2)).isoformat()
    return [
        ("get", "/api/v1/work-orders", None, EVERYONE),
        ("post", "/api/v1/work-orders", {"customer": c, "title": "Otra"}, {**CREATED, "other_tech": 201}),
        ("post", "/api/v1/work-orders/requests", {"title": "No tengo internet", "problem_story": "Desde ayer."},
         {"tech": 403, "supervisor": 403, "admin": 403, "other_tech": 403, "owner": 201, "stranger": 201,
          "anon": 401}),
        ("get", f"/api/v1/work-orders/{n}", None, READ),
        ("patch", f"/api/v1/work-orders/{n}", {"version": 1, "priority": "alta"}, STAFF_ONLY),
        ("post", f"/api/v1/work-orders/{n}/phase", {"version": 1, "phase": "satisfaccion"}, STAFF_ONLY),
        ("post", f"/api/v1/work-orders/{n}/closing-contact", {"version": 1, "channel": "email", "note": "ok"},
         {**STAFF_ONLY, "tech": 409, "supervisor": 409, "admin": 409}),  # allowed, but not in that phase yet
        ("get", f"/api/v1/work-orders/{n}/closed-questions", None, READ),
        ("post", f"/api/v1/work-orders/{n}/closed-questions", {"question": "¿Windows 11?"}, CREATED),
        ("patch", f"/api/v1/work-orders/{n}/closed-questions/{q}", {"answer": "No"}, STAFF_ONLY),
        ("get", f"/api/v1/work-orders/{n}/commitments", None, READ),
        ("post", f"/api/v1/work-orders/{n}/commitments", {"description": "Enviar guía", "due_at": soon}, CREATED),
        ("post", f"/api/v1/work-orders/{n}/commitments/{k}/resolve", {"kept": True}, STAFF_ONLY),
        ("get", f"/api/v1/work-orders/{n}/history", None, STAFF_ONLY),
        ("get", "/api/v1/customers", None, EVERYONE),
        ("post", "/api/v1/customers", {"name": "Luis Soto"}, {**CREATED, "other_tech": 201}),
        ("get", "/api/v1/customers/organisations", None, {**STAFF_ONLY, "other_tech": 200}),
        ("get", f"/api/v1/customers/{c}", None, {**READ, "other_tech": 200}),
        ("patch", f"/api/v1/customers/{c}", {"country": "MX"}, {**STAFF_ONLY, "other_tech": 200}),
        ("post", f"/api/v1/customers/{c}/contact-points", {"kind": "movil", "value": "+52 55 1234 5678"},
         {**CREATED, "other_tech": 201}),
        ("get", f"/api/v1/customers/{c}/work-orders", None, {**READ, "other_tech": 200}),
        ("get", f"/api/v1/customers/{c}/traits", None, {**STAFF_ONLY, "other_tech": 200}),
        ("get", f"/api/v1/customers/{c}/history", None, {**STAFF_ONLY, "other_tech": 200}),
        ("delete", f"/api/v1/customers/{c}", None,
         {"tech": 403, "supervisor": 403, "admin": 409, "other_tech": 403, "owner": 403, "stranger": 403,
          "anon": 401}),
    ]


ENDPOINT_IDS = [
    "list", "create", "portal-request", "read", "patch", "phase", "closing-contact", "questions", "ask", "answer", "commitments",
    "commit", "resolve", "history", "customers", "create-customer", "organisations", "customer", "patch-customer",
    "contact-point", "customer-work-orders", "traits", "customer-history", "delete-customer",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("index", range(len(ENDPOINT_IDS)), ids=ENDPOINT_IDS)
def test_each_role_gets_exactly_what_it_may(client, world, role, index):
    method, path, body, expected = _endpoints(world)[index]
    response = _call(client, world, role, method, path, body)
    assert response.status_code == expected[role], (role, method, path, response.content[:300])
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"code", "message", "rule"}


def test_a_customer_cannot_see_another_customers_work_order(client, world):
    response = _call(client, world, "stranger", "get", f"/api/v1/work-orders/{world['wo'].number}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    listed = _call(client, world, "stranger", "get", "/api/v1/work-orders").json()
    assert world["wo"].number not in [item["number"] for item in listed["items"]]


def test_a_customer_sees_their_own_record_without_internal_notes(client, world):
    update_customer(actor=world["people"]["admin"], customer=world["carmen"], notes="Prefiere email.")
    mine = _call(client, world, "owner", "get", f"/api/v1/customers/{world['carmen'].pk}").json()
    assert mine["notes"] == ""
    listed = _call(client, world, "owner", "get", "/api/v1/customers").json()
    assert [c["name"] for c in listed["items"]] == ["Carmen Ruiz"]


def test_survey_token_is_shown_to_staff_but_not_to_the_customer(client, world, tech):
    from tests.desk.conftest import close

    resolve_commitment(actor=tech, commitment=world["commitment"], kept=True)
    close(tech, world["wo"])
    staff_view = _call(client, world, "tech", "get", f"/api/v1/work-orders/{world['wo'].number}").json()
    customer_view = _call(client, world, "owner", "get", f"/api/v1/work-orders/{world['wo'].number}").json()
    assert staff_view["survey"]["token"]
    assert customer_view["survey"]["token"] is None


def test_a_technician_cannot_move_a_work_order_to_another_team(world, tech, other_team):
    wo = world["wo"]
    with pytest.raises(InputError) as exc:
        update_work_order(actor=tech, work_order=wo, version=wo.version, team=other_team)
    assert exc.value.status == 403 and exc.value.rule == "ET-4"


def test_a_supervisor_moves_work_orders_only_between_their_teams(world, supervisor, other_team, team):
    wo = world["wo"]
    with pytest.raises(InputError):
        update_work_order(actor=supervisor, work_order=wo, version=wo.version, team=other_team)
    supervisor.teams.add(other_team)
    moved = update_work_order(actor=supervisor, work_order=wo, version=wo.version, team=other_team)
    assert moved.team == other_team


def test_an_administrator_reassigns_across_teams(world, admin, other_team, other_tech):
    wo = world["wo"]
    moved = update_work_order(actor=admin, work_order=wo, version=wo.version, team=other_team,
                              assignee=other_tech)
    assert (moved.team, moved.assignee) == (other_team, other_tech)


def test_the_assignee_must_belong_to_the_work_orders_team(world, tech, other_tech):
    wo = world["wo"]
    with pytest.raises(InputError) as exc:
        update_work_order(actor=tech, work_order=wo, version=wo.version, assignee=other_tech)
    assert exc.value.code == "assignee_not_in_team"


def test_work_assigned_to_a_technician_of_another_team_is_visible_to_them(world, admin, other_tech):
    from atiende.desk.selectors import visible_work_orders

    wo = world["wo"]
    other_tech.teams.add(wo.team)
    update_work_order(actor=admin, work_order=wo, version=wo.version, assignee=other_tech)
    other_tech.teams.remove(wo.team)
    assert visible_work_orders(other_tech).filter(pk=wo.pk).exists()


def test_a_portal_request_lands_in_the_customers_team_and_only_they_see_it(client, world, team):
    response = _call(client, world, "owner", "post", "/api/v1/work-orders/requests",
                     {"title": "No tengo internet", "problem_story": "Desde ayer no carga ninguna página."})
    assert response.status_code == 201
    body = response.json()
    assert (body["channel"], body["phase"], body["customer"]["name"]) == ("portal", "identificacion", "Carmen Ruiz")
    assert body["team"]["id"] == team.pk
    number = body["number"]
    assert _call(client, world, "tech", "get", f"/api/v1/work-orders/{number}").status_code == 200
    assert _call(client, world, "stranger", "get", f"/api/v1/work-orders/{number}").status_code == 404


def test_a_work_order_without_a_team_is_in_the_staff_intake_pool(world, admin, other_tech):
    from atiende.desk.selectors import visible_work_orders

    pooled = create_work_order(actor=admin, customer=world["carmen"], title="Sin equipo")
    assert pooled.team is None
    assert visible_work_orders(other_tech).filter(pk=pooled.pk).exists()
