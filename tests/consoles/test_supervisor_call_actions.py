"""A supervisor who takes a call over (PO-5) holds, resumes, transfers and ends it from the wallboard, with the
technician's rules and refusals (HO-2..HO-4, TR-2..TR-4) and within their teams' calls (ET-4); on a call they
only joined or coach, the board offers nothing but taking it over. Through the pages and the API, as the
wallboard's script uses them."""

from __future__ import annotations

import pytest

from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import availability, routing
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import queues as contact_queues
from atiende.people.models import Team, User
from tests.consoles.conftest import signed_in
from tests.consoles.seed import CALLER

pytestmark = pytest.mark.django_db

HOLD = {"reason": "Consulto el contrato", "customer_consent": True, "expected_minutes": 2}
TRANSFER = {"purpose": "Revisar la licencia", "customer_consent": True}


def _escalated_call(center) -> Contact:
    availability.make_available(user=center.lucia)
    routed = routing.create_contact(queue="soporte", caller=CALLER)
    assert routed.technician == center.lucia
    contact_calls.answer(contact_id=routed.contact.pk, user=center.lucia)
    contact_calls.escalate(contact_id=routed.contact.pk, user=center.lucia, reason="Pide un responsable")
    return routed.contact


def _post(client, contact: Contact, path: str, body: dict | None = None):
    return client.post(f"/api/v1/contacts/{contact.pk}/{path}", body or {}, content_type="application/json")


def _mine(client) -> list[dict]:
    return client.get("/panel/estado/").json()["mine"]


def _taken_over(center) -> tuple[Contact, object]:
    contact = _escalated_call(center)
    marta = signed_in(center.marta)
    assert _post(marta, contact, "supervise", {"mode": "take_over"}).status_code == 200
    return contact, marta


def test_the_wallboard_carries_the_consoles_hold_and_transfer_dialogs(center):
    board = signed_in(center.marta).get("/panel/").content.decode()
    console = signed_in(center.lucia).get("/consola/").content.decode()
    for page in (board, console):
        assert page.count('id="dlg-hold"') == 1 and page.count('id="dlg-transfer"') == 1
        for rule in ("HO-2", "HO-3", "HO-4", "TR-2", "TR-3"):
            assert f'class="rule-id" href="/reglas/{rule}/"' in page
        assert "El cliente aceptó esperar" in page and "El cliente aceptó la transferencia" in page
    assert 'id="dlg-escalate"' in console and 'id="dlg-escalate"' not in board  # a supervisor is the escalation
    assert '"hold": "Poner en espera"' in board and '"transfer": "Transferir"' in board


def test_the_supervisor_still_has_no_technician_console(center):
    """The call taken over is on the wallboard, under 'Mis llamadas'; /consola/ stays the technicians'."""
    contact, marta = _taken_over(center)
    assert marta.get("/consola/").status_code == 403
    mine = _mine(marta)
    assert [(c["id"], c["mode"], c["state"]) for c in mine] == [(contact.pk, "take_over", "talking")]


def test_a_call_taken_over_offers_the_technicians_actions_one_joined_only_take_over(center):
    contact = _escalated_call(center)
    marta = signed_in(center.marta)
    assert _post(marta, contact, "supervise", {"mode": "join"}).status_code == 200
    assert [(c["mode"], c["actions"], c["technician"]) for c in _mine(marta)] == [("join", ["take_over"], "Lucía")]
    assert _post(marta, contact, "supervise", {"mode": "take_over"}).status_code == 200
    [call] = _mine(marta)
    assert (call["mode"], call["technician"], call["actions"]) == ("take_over", "", ["hold", "transfer", "hangup"])


def test_a_coached_call_offers_only_take_over(center):
    contact = _escalated_call(center)
    marta = signed_in(center.marta)
    assert _post(marta, contact, "supervise", {"mode": "coach"}).status_code == 200
    assert [(c["mode"], c["actions"]) for c in _mine(marta)] == [("coach", ["take_over"])]


@pytest.mark.parametrize(("body", "rule"), [
    ({**HOLD, "reason": "  "}, "HO-2"),
    ({**HOLD, "customer_consent": False}, "HO-3"),
    ({**HOLD, "expected_minutes": None}, "HO-4"),
    ({**HOLD, "expected_minutes": 90}, "HO-4"),
])
def test_a_supervisors_hold_is_refused_as_a_technicians_with_the_rule(center, body, rule):
    contact, marta = _taken_over(center)
    response = _post(marta, contact, "hold", body)
    assert response.status_code == 409
    assert response.json()["error"]["rule"] == rule
    assert Contact.objects.get(pk=contact.pk).state == "talking"


def test_the_supervisor_holds_with_consent_resumes_hangs_up_and_wraps_up(center):
    contact, marta = _taken_over(center)
    assert _post(marta, contact, "hold", HOLD).status_code == 200
    [call] = _mine(marta)
    assert call["state"] == "on_hold" and call["actions"] == ["resume", "hangup"]
    assert (call["hold"]["reason"], call["hold"]["expected_minutes"]) == ("Consulto el contrato", 2.0)
    assert call["timers"]["on_hold_seconds"] >= 0
    from atiende.privacy.models import Consent

    assert Consent.objects.filter(scope="hold", contact_ref=str(contact.pk), recorded_by=center.marta).exists()

    assert _post(marta, contact, "resume").status_code == 200
    assert _mine(marta)[0]["state"] == "talking"
    assert _post(marta, contact, "hangup", {"cause": "normal"}).status_code == 200
    [call] = _mine(marta)
    assert (call["state"], call["actions"]) == ("wrap_up", ["wrap_up"])
    assert _post(marta, contact, "wrap-up").status_code == 200
    assert _mine(marta) == []
    row = Contact.objects.get(pk=contact.pk)
    assert (row.state, row.assignee_id) == ("ended", center.marta.pk)
    kinds = list(row.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds[-5:] == ["supervisor_joined", "hold", "resumed", "hangup", "ended"]
    # She goes back to what she did before taking the call over (not signed in for calls), Lucía was freed.
    assert TechnicianState.objects.get(user=center.marta).status == "desconectado"
    assert TechnicianState.objects.get(user=center.lucia).status == "disponible"


@pytest.mark.parametrize(("body", "rule"), [
    ({**TRANSFER, "purpose": ""}, "TR-2"),
    ({**TRANSFER, "customer_consent": False}, "TR-3"),
])
def test_a_supervisors_transfer_is_refused_as_a_technicians_with_the_rule(center, body, rule):
    contact, marta = _taken_over(center)
    response = _post(marta, contact, "transfer", {**body, "to_technician": center.jorge.pk})
    assert response.status_code == 409
    assert response.json()["error"]["rule"] == rule
    assert Contact.objects.get(pk=contact.pk).state == "talking"


def test_the_supervisors_transfer_waits_for_the_receiver_who_accepts(center):
    contact, marta = _taken_over(center)
    board = marta.get("/panel/estado/").json()
    assert board["me"]["id"] == center.marta.pk  # the page leaves her out of the transfer's targets
    assert _post(marta, contact, "transfer", {**TRANSFER, "to_technician": center.jorge.pk}).status_code == 200
    [call] = _mine(marta)
    assert (call["state"], call["actions"]) == ("transfer_pending", ["cancel_transfer"])
    assert (call["transfer"]["purpose"], call["transfer_to"]) == ("Revisar la licencia", "Jorge")
    # TR-4: the call stays hers until Jorge accepts; he sees the offer with its purpose and who offers it.
    assert Contact.objects.get(pk=contact.pk).assignee_id == center.marta.pk
    jorge = signed_in(center.jorge)
    [offer] = jorge.get("/consola/estado/").json()["offers"]
    assert (offer["id"], offer["transfer"]["purpose"], offer["from_name"]) == (contact.pk, "Revisar la licencia",
                                                                              "Marta")
    assert _post(jorge, contact, "transfer/accept").status_code == 200
    assert _mine(marta) == []
    assert Contact.objects.get(pk=contact.pk).assignee_id == center.jorge.pk
    assert jorge.get("/consola/estado/").json()["contacts"][0]["id"] == contact.pk
    assert TechnicianState.objects.get(user=center.marta).status == "desconectado"


def test_the_supervisor_calls_her_transfer_off_and_keeps_the_call(center):
    contact, marta = _taken_over(center)
    assert _post(marta, contact, "transfer", {**TRANSFER, "to_queue": "soporte"}).status_code == 200
    assert _mine(marta)[0]["transfer_to"] == "soporte"
    assert _post(marta, contact, "transfer/decline").status_code == 200
    [call] = _mine(marta)
    assert (call["state"], call["actions"]) == ("talking", ["hold", "transfer", "hangup"])
    assert call["transfer_returned"] == {"cause": "cancelled", "by_name": "Marta"}


def test_a_declined_transfer_comes_back_to_the_supervisor(center):
    contact, marta = _taken_over(center)
    assert _post(marta, contact, "transfer", {**TRANSFER, "to_technician": center.jorge.pk}).status_code == 200
    assert _post(signed_in(center.jorge), contact, "transfer/decline").status_code == 200
    [call] = _mine(marta)
    assert call["state"] == "talking"
    assert call["transfer_returned"] == {"cause": "declined", "by_name": "Jorge"}
    assert Contact.objects.get(pk=contact.pk).assignee_id == center.marta.pk  # TR-5: never dropped


def test_the_receiver_must_accept_before_acting_on_the_supervisors_call(center):
    contact, marta = _taken_over(center)
    assert _post(marta, contact, "transfer", {**TRANSFER, "to_technician": center.jorge.pk}).status_code == 200
    response = _post(signed_in(center.jorge), contact, "hangup", {"cause": "normal"})
    assert response.status_code == 409 and response.json()["error"]["rule"] == "TR-4"


def test_another_teams_supervisor_sees_nothing_of_the_call_and_cannot_act_on_it(center):
    """ET-4: 'soporte' belongs to Marta's team; Sara supervises another team."""
    norte, sur = Team.objects.create(name="Norte"), Team.objects.create(name="Sur")
    center.marta.teams.add(norte)
    center.lucia.teams.add(norte)
    sara = User.objects.create_user("sara", role="supervisor", first_name="Sara", tier=2)
    sara.teams.add(sur)
    contact_queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2], team_id=norte.pk)
    contact, marta = _taken_over(center)
    other = signed_in(sara)
    board = other.get("/panel/estado/").json()
    assert board["mine"] == [] and board["queues"] == []
    assert all(t["contact"] is None for t in board["technicians"])
    for path, body in (("hold", HOLD), ("transfer", {**TRANSFER, "to_technician": center.jorge.pk}),
                       ("hangup", {"cause": "normal"}), ("supervise", {"mode": "take_over"})):
        assert _post(other, contact, path, body).status_code == 404
    row = Contact.objects.get(pk=contact.pk)
    assert (row.state, row.assignee_id) == ("talking", center.marta.pk)
    # Marta's own transfer targets are her board's: her team's technicians and people in no team, her queues.
    board = marta.get("/panel/estado/").json()
    assert {t["name"] for t in board["technicians"]} >= {"Lucía"}
    assert [q["name"] for q in board["queues"]] == ["soporte"]


def test_the_wallboards_call_actions_speak_english_when_asked(center):
    contact, _marta = _taken_over(center)
    client = signed_in(center.marta)
    client.cookies["django_language"] = "en"
    page = client.get("/panel/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '"hold": "Put on hold"' in page and "The customer agreed to wait" in page
    response = _post(client, contact, "hold", {**HOLD, "customer_consent": False})
    assert response.json()["error"]["rule"] == "HO-3"
