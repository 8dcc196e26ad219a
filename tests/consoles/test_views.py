"""The consoles from the user's side, without a browser: who may open which screen, and what it shows."""

from __future__ import annotations

import json

import pytest

from atiende.contact.services import availability, routing
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import queues as contact_queues
from tests.consoles.conftest import signed_in
from tests.consoles.seed import CALLER

pytestmark = pytest.mark.django_db


def _call_answered_by(center, user):
    availability.make_available(user=user)
    routed = routing.create_contact(queue="soporte", caller=CALLER)
    assert routed.technician == user
    contact_calls.answer(contact_id=routed.contact.pk, user=user)
    return routed.contact


def test_only_technicians_reach_the_technician_console(center, client):
    assert signed_in(center.lucia).get("/consola/").status_code == 200
    for user in (center.marta, center.ana):
        response = signed_in(user).get("/consola/")
        assert response.status_code == 403
        assert "ET-4" in response.content.decode()
    assert client.get("/consola/").status_code == 302  # anonymous: to the sign-in page
    assert signed_in(center.marta).get("/consola/estado/").status_code == 403


def test_only_supervisors_and_administrators_reach_the_wallboard(center, client):
    assert signed_in(center.marta).get("/panel/").status_code == 200
    assert signed_in(center.ana).get("/panel/").status_code == 200
    assert signed_in(center.lucia).get("/panel/").status_code == 403
    assert signed_in(center.lucia).get("/panel/estado/").status_code == 403
    assert client.get("/panel/").status_code == 302


def test_console_shows_my_state_calls_against_the_minimum_and_whom_to_greet(center):
    _call_answered_by(center, center.lucia)
    page = signed_in(center.lucia).get("/consola/").content.decode()
    assert "Consola" in page and "PO-3" in page
    assert "/ 30" in page  # calls today against the daily minimum (PO-3)
    assert "Doña Carmen Ruiz" in page  # CO-1, PH-5: the caller's number found the customer
    state = signed_in(center.lucia).get("/consola/estado/").json()
    assert state["me"]["status"] == "ocupado"
    assert state["me"]["calls_today"] == 1
    assert state["contacts"][0]["state"] == "talking"
    assert state["contacts"][0]["policy"]["max_call_seconds"] == 900  # PO-1: 15 minutes
    card = state["customer"]
    assert card["greeting"] == "Doña Carmen Ruiz" and card["knowledge_level"] == "basico"
    assert [t["id"] for t in card["traits"]] == ["CT-INX"] and card["traits"][0]["do"]


def test_the_caller_is_found_however_the_number_is_written(center):
    """The PBX sends 0034 and no spaces; the desk kept +34 with spaces: the same customer (CO-1)."""
    from atiende.desk.models import ContactPoint

    ContactPoint.objects.filter(customer=center.customer).update(value="+34 910 00 01 11")
    for point in ContactPoint.objects.filter(customer=center.customer):
        point.save()  # the desk's own writes keep the normalised number
    availability.make_available(user=center.lucia)
    routed = routing.create_contact(queue="soporte", caller="0034910000111")
    contact_calls.answer(contact_id=routed.contact.pk, user=center.lucia)
    card = signed_in(center.lucia).get("/consola/estado/").json()["customer"]
    assert card["greeting"] == "Doña Carmen Ruiz"


def test_transfer_offer_reaches_the_receiving_technician_with_its_purpose(center):
    contact = _call_answered_by(center, center.lucia)
    contact_calls.request_transfer(contact_id=contact.pk, user=center.lucia, purpose="Revisar la licencia",
                              customer_consent=True, to_technician=center.jorge.pk)
    mine = signed_in(center.lucia).get("/consola/estado/").json()
    assert mine["contacts"][0]["state"] == "transfer_pending"
    offers = signed_in(center.jorge).get("/consola/estado/").json()["offers"]
    assert [(o["id"], o["transfer"]["purpose"], o["from_name"]) for o in offers] == [
        (contact.pk, "Revisar la licencia", center.lucia.display_name)]


def test_a_queue_transfer_is_offered_only_to_who_may_accept_it(center):
    """TR-4: the console shows Accept only where the acceptance would let the technician through."""
    from atiende.people.models import User

    contact_queues.save_queue(name="nivel2", label="Nivel 2", tiers=[2], skills=["redes"])
    camila = User.objects.create_user("camila", role="tecnico", tier=2, skills=["redes"], first_name="Camila")
    contact = _call_answered_by(center, center.lucia)
    contact_calls.request_transfer(contact_id=contact.pk, user=center.lucia, purpose="Router caído",
                              customer_consent=True, to_queue="nivel2")
    assert [o["id"] for o in signed_in(camila).get("/consola/estado/").json()["offers"]] == [contact.pk]
    assert signed_in(center.jorge).get("/consola/estado/").json()["offers"] == []  # tier 1: refused


def test_a_teams_queue_transfer_is_offered_to_its_members_only(center):
    """ET-4: a queue of a team goes to that team's people (and whoever lists it), as the acceptance decides."""
    from atiende.people.models import Team, User

    redes = Team.objects.create(name="Redes")
    contact_queues.save_queue(name="redes", label="Redes", tiers=[1, 2], team_id=redes.pk)
    member = User.objects.create_user("nuria", role="tecnico", tier=1, first_name="Nuria")
    member.teams.add(redes)
    outsider = User.objects.create_user("omar", role="tecnico", tier=1, first_name="Omar")
    contact = _call_answered_by(center, center.lucia)
    contact_calls.request_transfer(contact_id=contact.pk, user=center.lucia, purpose="Cortafuegos",
                              customer_consent=True, to_queue="redes")
    assert [o["id"] for o in signed_in(member).get("/consola/estado/").json()["offers"]] == [contact.pk]
    assert signed_in(outsider).get("/consola/estado/").json()["offers"] == []


def test_the_console_lists_the_calls_waiting_in_queues_whose_calls_may_go_to_me(center):
    """ET-4: a team's queue shows its waiting calls to its members (and whoever lists it), not to other teams."""
    from atiende.people.models import Team, User

    norte = Team.objects.create(name="Norte")
    contact_queues.save_queue(name="norte", label="Norte", tiers=[1, 2], team_id=norte.pk)
    member = User.objects.create_user("nuria", role="tecnico", tier=1, first_name="Nuria")
    member.teams.add(norte)
    outsider = User.objects.create_user("omar", role="tecnico", tier=1, first_name="Omar")
    team_call = routing.create_contact(queue="norte", caller="+34600000003").contact  # nobody available
    shared_call = routing.create_contact(queue="soporte", caller="+34600000004").contact

    def waiting(user) -> list[int]:
        return [w["id"] for w in signed_in(user).get("/consola/estado/").json()["queue"]]

    assert waiting(member) == [team_call.pk, shared_call.pk]
    assert waiting(outsider) == [shared_call.pk]


def test_wallboard_shows_waiting_calls_technicians_and_the_escalation_alert(center):
    contact = _call_answered_by(center, center.lucia)
    waiting = routing.create_contact(queue="soporte", caller="+34600000002").contact  # nobody available
    contact_calls.escalate(contact_id=contact.pk, user=center.lucia, reason="Cliente muy molesto")
    board = signed_in(center.marta).get("/panel/estado/").json()
    queue = board["queues"][0]
    assert [w["id"] for w in queue["waiting"]] == [waiting.pk] and queue["max_wait_seconds"] == 180
    lucia = next(t for t in board["technicians"] if t["id"] == center.lucia.pk)
    assert lucia["contact"]["id"] == contact.pk and lucia["calls_today"] == 1
    escalation = next(a for a in board["alerts"] if a["rule"] == "PO-5" and a["contact"] == contact.pk)
    assert escalation["call_live"]  # join / take over / coach are offered
    assert board["charts"]["answered"] == 1 and board["charts"]["escalations"] == 1
    page = signed_in(center.marta).get("/panel/").content.decode()
    assert "Panel" in page and "Cliente muy molesto" in page


def test_an_alert_whose_call_has_ended_offers_no_join_or_take_over(center):
    contact = _call_answered_by(center, center.lucia)
    contact_calls.escalate(contact_id=contact.pk, user=center.lucia, reason="Cliente muy molesto")
    contact_calls.hang_up(contact_id=contact.pk)
    board = signed_in(center.marta).get("/panel/estado/").json()
    escalation = next(a for a in board["alerts"] if a["contact"] == contact.pk and a["rule"] == "PO-5")
    assert escalation["call_live"] is False  # still listed to acknowledge, nothing to join


def test_assistant_panel_gives_paraphrase_and_closed_questions(center):
    client = signed_in(center.lucia)
    text = "Hola, la impresora de recepción no imprime desde ayer y no sé dónde está el botón."
    response = client.post("/consola/asistente/", data=json.dumps({"text": text}), content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["paraphrase"] and isinstance(body["questions"], list)
    assert all({"id", "do", "avoid"} <= set(t) for t in body["traits"])


def test_assistant_panel_bad_input_is_a_clear_400(center):
    client = signed_in(center.lucia)
    for raw in ("no es json", json.dumps({"text": 3}), json.dumps({"text": "x" * 20_001})):
        response = client.post("/consola/asistente/", data=raw, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"]["message"]


def test_customer_card_lists_open_work_orders_with_their_phase(center):
    from atiende.desk.services.work_orders import create_work_order

    order = create_work_order(actor=center.lucia, customer=center.customer, title="La impresora no imprime",
                              channel="telefonico")
    _call_answered_by(center, center.lucia)
    card = signed_in(center.lucia).get("/consola/estado/").json()["customer"]
    [shown] = card["work_orders"]
    assert shown["number"] == order.number and shown["url"].endswith(f"/solicitudes/{order.number}/")
    assert [p["id"] for p in shown["phases"] if p["current"]] == ["identificacion"]  # SP-1


def test_console_speaks_english_when_asked(center):
    client = signed_in(center.lucia)
    client.cookies["django_language"] = "en"
    page = client.get("/consola/").content.decode()
    assert "<h1>Console</h1>" in page and '"hold": "Put on hold"' in page
    client.cookies["django_language"] = "es"
    page = client.get("/consola/").content.decode()
    assert "<h1>Consola</h1>" in page and '"hold": "Poner en espera"' in page


def test_wallboard_quality_chart_averages_todays_scorecards_per_technician(center):
    from atiende.scorecards.models import Scorecard

    for score in (80, 90):
        Scorecard.objects.create(technician=center.lucia, channel="telefonico", transcript=[], score=score,
                                 final_score=score, items=[], scorer_version="test")
    quality = signed_in(center.marta).get("/panel/estado/").json()["charts"]["quality"]
    assert quality == [{"technician": center.lucia.display_name, "score": 85.0, "cards": 2}]


def test_wallboard_speaks_english_when_asked(center):
    client = signed_in(center.marta)
    client.cookies["django_language"] = "en"
    page = client.get("/panel/").content.decode()
    assert "<h1>Wallboard</h1>" in page and '"take_over": "Take over"' in page


def test_pages_run_no_inline_script_under_the_csp(center):
    import re

    for user, path in ((center.lucia, "/consola/"), (center.marta, "/panel/")):
        page = signed_in(user).get(path).content.decode()
        for tag in re.findall(r"<script[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert " onclick=" not in page and " oninput=" not in page


def test_work_order_opened_from_the_call_starts_in_identification(center):
    from atiende.desk.models import WorkOrder

    _call_answered_by(center, center.lucia)
    client = signed_in(center.lucia)
    body = {"customer": center.customer.pk, "title": "La impresora no imprime",
            "problem_story": "No imprime desde ayer.", "paraphrase": "Déjeme ver si comprendo: no imprime."}
    response = client.post("/consola/solicitud/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    order = WorkOrder.objects.get(number=response.json()["number"])
    assert (order.customer, order.phase, order.channel) == (center.customer, "identificacion", "telefonico")
    assert order.problem_story == "No imprime desde ayer." and order.assignee == center.lucia
    shown = client.get("/consola/estado/").json()["customer"]["work_orders"]
    assert [w["number"] for w in shown] == [order.number]


def test_work_order_from_the_console_bad_input_is_a_clear_4xx(center):
    client = signed_in(center.lucia)
    cases = [("[]", 400), (json.dumps({"customer": center.customer.pk, "title": " "}), 400),
             (json.dumps({"customer": "1", "title": "x"}), 400),
             (json.dumps({"customer": 999999, "title": "x"}), 404)]
    for raw, status in cases:
        response = client.post("/consola/solicitud/", data=raw, content_type="application/json")
        assert response.status_code == status, raw
        assert response.json()["error"]["message"]
    assert signed_in(center.marta).post("/consola/solicitud/", data="{}",
                                        content_type="application/json").status_code == 403
