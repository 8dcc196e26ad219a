import pytest

from atiende.contact.models import Contact
from atiende.contact.services import availability, calls, deadlines, routing
from atiende.telephony.models import CtiEvent

from .conftest import bearer, make_technician

pytestmark = pytest.mark.django_db



@pytest.fixture
def auth(lucia):
    return bearer(lucia)


def test_hold_without_consent_is_a_409_naming_ho3(client, call_with_lucia, auth):
    response = client.post(f"/api/v1/contacts/{call_with_lucia.pk}/hold", {"reason": "consultar",
                           "expected_minutes": 2}, content_type="application/json", headers=auth)
    assert response.status_code == 409
    assert response.json()["error"]["rule"] == "HO-3"


def test_hold_without_a_reason_is_a_409_naming_ho2(client, call_with_lucia, auth):
    response = client.post(f"/api/v1/contacts/{call_with_lucia.pk}/hold", {"customer_consent": True,
                           "expected_minutes": 2}, content_type="application/json", headers=auth)
    assert response.status_code == 409 and response.json()["error"]["rule"] == "HO-2"


def test_contact_json_shows_state_timers_and_alerts(client, call_with_lucia, auth, clock):
    response = client.post(f"/api/v1/contacts/{call_with_lucia.pk}/hold", {
        "reason": "Consulto al fabricante", "customer_consent": True, "expected_minutes": 1},
        content_type="application/json", headers=auth)
    assert response.status_code == 200, response.content
    clock.advance(75)
    deadlines.run_due_deadlines(worker="t")
    body = client.get(f"/api/v1/contacts/{call_with_lucia.pk}", headers=auth).json()
    assert body["state"] == "on_hold" and body["state_label"] == "en espera"
    assert body["timers"]["on_hold_seconds"] == 75
    assert body["timers"]["hold_announced_end"] is not None
    assert body["timers"]["hold_overrun_seconds"] == 15
    assert [a["rule"] for a in body["alerts"]] == ["HO-5"]
    resumed = client.post(f"/api/v1/contacts/{call_with_lucia.pk}/resume", headers=auth).json()
    assert resumed["counts"]["hold_overruns"] == 1


def test_warm_transfer_over_the_api(client, call_with_lucia, auth, jorge):
    url = f"/api/v1/contacts/{call_with_lucia.pk}"
    refused = client.post(f"{url}/transfer", {"purpose": "Redes", "to_technician": jorge.pk},
                          content_type="application/json", headers=auth)
    assert refused.status_code == 409 and refused.json()["error"]["rule"] == "TR-3"
    asked = client.post(f"{url}/transfer", {"purpose": "Redes", "customer_consent": True,
                        "to_technician": jorge.pk}, content_type="application/json", headers=auth).json()
    assert asked["state"] == "transfer_pending" and asked["assignee"] == call_with_lucia.assignee_id
    accepted = client.post(f"{url}/transfer/accept", headers=bearer(jorge)).json()
    assert accepted["assignee"] == jorge.pk


def test_another_technician_cannot_see_my_call(client, call_with_lucia, jorge):
    response = client.get(f"/api/v1/contacts/{call_with_lucia.pk}", headers=bearer(jorge))
    assert response.status_code == 404  # ET-4: as a missing id (issue 22, item 10)


def test_only_supervisors_may_supervise(client, call_with_lucia, auth, supervisor):
    url = f"/api/v1/contacts/{call_with_lucia.pk}"
    client.post(f"{url}/escalate", {"reason": "Cliente enfadado"}, content_type="application/json", headers=auth)
    assert client.post(f"{url}/supervise", {"mode": "coach"}, content_type="application/json",
                       headers=auth).status_code == 403
    body = client.post(f"{url}/supervise", {"mode": "coach"}, content_type="application/json",
                       headers=bearer(supervisor)).json()
    assert body["escalation"]["mode"] == "coach"
    alerts = client.get("/api/v1/contacts/alerts", headers=bearer(supervisor)).json()
    assert any(a["rule"] == "PO-5" for a in alerts)


def test_technician_pauses_with_a_reason_and_comes_back(client, lucia, auth, queue):
    bad = client.post("/api/v1/contacts/technicians/me/pause", {"reason": ""}, content_type="application/json",
                      headers=auth)
    assert bad.status_code == 400
    paused = client.post("/api/v1/contacts/technicians/me/pause", {"reason": "Formación"},
                         content_type="application/json", headers=auth).json()
    assert paused["status"] == "en_pausa"
    assert client.post("/api/v1/contacts/technicians/me/available", headers=auth).json()["status"] == "disponible"


def test_invalid_queue_policy_is_a_clear_400(client, db, clock):
    admin = make_technician("admin", role="administrador", available=False)
    response = client.put("/api/v1/contacts/queues/ventas", {"tiers": [1], "policy": {"max_wait_seconds": 0}},
                          content_type="application/json", headers=bearer(admin))
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_policy"
    ok = client.put("/api/v1/contacts/queues/ventas", {"tiers": [1, 2], "policy": {"max_wait_seconds": 60}},
                    content_type="application/json", headers=bearer(admin)).json()
    assert ok["effective_policy"]["max_wait_seconds"] == 60 and ok["effective_policy"]["max_call_seconds"] == 900


# ---- CTI ------------------------------------------------------------------------

@pytest.fixture
def pbx(db):
    user = make_technician("pbx", role="administrador", available=False)
    return bearer(user, kind="cti")


def post_event(client, pbx, **event):
    return client.post("/api/v1/cti/events", event, content_type="application/json", headers=pbx)


def test_new_call_answer_carries_the_technician_to_ring(client, pbx, queue, clock):
    make_technician("lucia2", available=True)
    lucia = make_technician("l3", available=False)
    lucia.extension = "201"
    lucia.save()
    availability.make_available(user=lucia)
    response = post_event(client, pbx, id="e1", type="new_call", call_id="call-1", **{"from": "+34600"},
                          to="900100", queue="soporte")
    body = response.json()
    assert response.status_code == 200
    assert body["action"] == "ring" and body["technician"]["username"] == "lucia2"
    assert body["state"] == "offered"


def test_repeated_event_id_changes_nothing_and_returns_the_same_answer(client, pbx, queue, clock):
    first = post_event(client, pbx, id="e1", type="new_call", call_id="call-1", queue="soporte")
    again = post_event(client, pbx, id="e1", type="new_call", call_id="call-1", queue="soporte")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert Contact.objects.count() == 1 and CtiEvent.objects.count() == 1


def test_refused_event_is_remembered_with_its_refusal(client, pbx, queue, lucia, clock):
    post_event(client, pbx, id="e1", type="new_call", call_id="c", queue="soporte")
    post_event(client, pbx, id="e2", type="answered", call_id="c", technician="lucia")
    hold = post_event(client, pbx, id="e3", type="hold", call_id="c", reason="consulta", expected_minutes=2)
    assert hold.status_code == 409 and hold.json()["error"]["rule"] == "HO-3"
    again = post_event(client, pbx, id="e3", type="hold", call_id="c", reason="consulta", expected_minutes=2,
                       customer_consent=True)
    assert again.status_code == 409  # same id, same answer, even with a different body


def test_full_call_through_cti(client, pbx, queue, lucia, jorge, clock):
    jorge.extension = "202"
    jorge.save()
    assert post_event(client, pbx, id="1", type="new_call", call_id="c", queue="soporte").json()["action"] == "ring"
    assert post_event(client, pbx, id="2", type="answered", call_id="c").json()["state"] == "talking"
    held = post_event(client, pbx, id="3", type="hold", call_id="c", reason="consulta", customer_consent=True,
                      expected_minutes=2)
    assert held.json()["state"] == "on_hold"
    assert post_event(client, pbx, id="4", type="resumed", call_id="c").json()["state"] == "talking"
    moved = post_event(client, pbx, id="5", type="transfer", call_id="c", purpose="Redes", customer_consent=True,
                       to_technician="202").json()
    assert moved["state"] == "transfer_pending" and moved["consult"]["extension"] == "202"
    ended = post_event(client, pbx, id="6", type="hangup", call_id="c", cause="caller_hangup").json()
    assert ended["state"] == "wrap_up"


def test_cti_needs_a_bearer_token(client, lucia, queue):
    client.force_login(lucia)
    response = client.post("/api/v1/cti/events", {"id": "x", "type": "new_call", "call_id": "c"},
                           content_type="application/json")
    assert response.status_code in (401, 403)


def test_ordinary_technician_token_may_not_post_cti_events(client, lucia, queue):
    response = client.post("/api/v1/cti/events", {"id": "x", "type": "new_call", "call_id": "c"},
                           content_type="application/json", headers=bearer(lucia))
    assert response.status_code == 403


def test_unknown_call_is_a_404_and_malformed_event_a_422(client, pbx, queue):
    assert post_event(client, pbx, id="a", type="hangup", call_id="nope").status_code == 404
    assert post_event(client, pbx, id="b", type="explode", call_id="c").status_code == 422


def test_organisation_policy_applies_to_its_customers_calls(client, db, clock, queue):
    from atiende.contact.models import Deadline
    from atiende.desk.models import Customer, Organisation

    admin = make_technician("admin2", role="administrador", available=False)
    org = Organisation.objects.create(name="Hospital Norte")
    customer = Customer.objects.create(name="Dra. Pérez", organisation=org)
    response = client.put(f"/api/v1/contacts/organisations/{org.pk}/policy", {"policy": {"max_wait_seconds": 60}},
                          content_type="application/json", headers=bearer(admin))
    assert response.status_code == 200
    contact = routing.create_contact(queue="soporte", customer_id=customer.pk).contact
    breach = Deadline.objects.get(contact=contact, kind="wait_breach")
    assert (breach.due_at - clock.now()).total_seconds() == 60


def test_board_stats_count_the_transfer_rate(client, call_with_lucia, lucia, jorge, supervisor, clock):
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="Redes", customer_consent=True,
                              to_technician=jorge.pk)
    calls.accept_transfer(contact_id=call_with_lucia.pk, user=jorge)
    body = client.get("/api/v1/contacts/stats", headers=bearer(supervisor)).json()
    assert (body["answered"], body["transfers"], body["transfer_rate"]) == (1, 1, 1.0)
    assert client.get("/api/v1/contacts/stats", headers=bearer(lucia)).status_code == 403
