"""ET-4: a supervisor sees and acts on the calls of their teams' queues (and shared queues), the
technicians of their teams, and those alerts and figures; another team's are answered as missing (404).
An administrator sees everything; technicians keep seeing only their own calls."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.contact import clock as contact_clock
from atiende.contact import selectors
from atiende.contact.models import Alert, Contact, Queue
from atiende.contact.services import alerts as contact_alerts
from atiende.contact.services import availability, routing
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import queues as contact_queues
from atiende.demo import load_demo
from atiende.errors import InputError
from atiende.people.models import ApiToken, Team, User

from .conftest import make_technician

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(db, clock):
    """Team Norte (Nora supervises, Lucía answers cola-norte) and team Sur (Sara, Jorge, cola-sur);
    a shared queue; an administrator."""
    norte, sur = Team.objects.create(name="Norte"), Team.objects.create(name="Sur")
    nora = make_technician("nora", role="supervisor", tier=2, available=False)
    sara = make_technician("sara", role="supervisor", tier=2, available=False)
    lucia, jorge = make_technician("lucia"), make_technician("jorge")
    nora.teams.add(norte)
    lucia.teams.add(norte)
    sara.teams.add(sur)
    jorge.teams.add(sur)
    admin = User.objects.create_user("ana", role="administrador")
    contact_queues.save_queue(name="cola-norte", tiers=[1], team_id=norte.pk)
    contact_queues.save_queue(name="cola-sur", tiers=[1], team_id=sur.pk)
    contact_queues.save_queue(name="compartida", tiers=[1])
    return {"norte": norte, "sur": sur, "nora": nora, "sara": sara, "lucia": lucia, "jorge": jorge,
            "admin": admin}


def _call(queue: str, technician: User, clock) -> Contact:
    """A call on ``queue`` answered by ``technician`` (the only one available at that moment)."""
    others = [u for u in User.objects.filter(role="tecnico", desk_state__status="disponible")
              .exclude(pk=technician.pk)]
    for other in others:
        availability.pause(user=other, reason="formación")
    routed = routing.create_contact(queue=queue, caller="+34600000009")
    assert routed.technician == technician
    clock.advance(5)
    contact_calls.answer(contact_id=routed.contact.pk, user=technician)
    for other in others:
        availability.make_available(user=other)
    return Contact.objects.get(pk=routed.contact.pk)


def _auth(user: User) -> dict[str, str]:
    _token, raw = ApiToken.issue(user)
    return {"Authorization": f"Bearer {raw}"}


def test_supervisor_sees_their_teams_and_shared_queues_calls_only(teams, clock):
    norte = _call("cola-norte", teams["lucia"], clock)
    sur = _call("cola-sur", teams["jorge"], clock)
    contact_calls.hang_up(contact_id=norte.pk, user=teams["lucia"])
    contact_calls.finish_wrap_up(contact_id=norte.pk, user=teams["lucia"])
    shared = _call("compartida", teams["lucia"], clock)
    assert set(selectors.visible_contacts(teams["nora"])) == {shared}
    assert set(selectors.visible_contacts(teams["sara"])) == {sur, shared}
    assert set(selectors.visible_contacts(teams["admin"])) == {sur, shared}
    assert set(selectors.visible_contacts(teams["jorge"])) == {sur}  # technicians: their own, unchanged


def test_supervisor_of_another_team_cannot_take_over_the_call(teams, clock):
    call = _call("cola-sur", teams["jorge"], clock)
    with pytest.raises(InputError) as info:
        contact_calls.supervise(contact_id=call.pk, user=teams["nora"], mode="take_over")
    assert info.value.status == 404
    assert Contact.objects.get(pk=call.pk).assignee == teams["jorge"]
    contact_calls.supervise(contact_id=call.pk, user=teams["sara"], mode="take_over")  # their own team's call
    assert Contact.objects.get(pk=call.pk).assignee == teams["sara"]
    assert list(selectors.visible_contacts(teams["sara"])) == [Contact.objects.get(pk=call.pk)]


def test_supervisor_of_another_team_neither_sees_nor_acknowledges_its_escalation(teams, clock):
    call = _call("cola-sur", teams["jorge"], clock)
    contact_calls.escalate(contact_id=call.pk, user=teams["jorge"], reason="Cliente muy enfadado")
    alert = Alert.objects.get(kind="escalation")
    assert not selectors.visible_alerts(teams["nora"]).exists()
    with pytest.raises(InputError) as info:
        contact_alerts.acknowledge_alert(alert_id=alert.pk, user=teams["nora"])
    assert info.value.status == 404
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None
    assert list(selectors.visible_alerts(teams["sara"])) == [alert]
    contact_alerts.acknowledge_alert(alert_id=alert.pk, user=teams["sara"])
    assert Alert.objects.get(pk=alert.pk).acknowledged_by == teams["sara"]


def test_alert_about_no_call_follows_its_technician_team(teams):
    alert = Alert.objects.create(kind="calls_per_day", rule="PO-3", level="warning", technician=teams["jorge"],
                                 message_es="Pocas llamadas", message_en="Few calls")
    assert not selectors.visible_alerts(teams["nora"]).exists()
    assert list(selectors.visible_alerts(teams["sara"])) == [alert]
    assert list(selectors.visible_alerts(teams["admin"])) == [alert]


def test_api_answers_another_teams_call_as_missing(client, teams, clock):
    call = _call("cola-sur", teams["jorge"], clock)
    nora, sara = _auth(teams["nora"]), _auth(teams["sara"])
    assert client.get(f"/api/v1/contacts/{call.pk}", headers=nora).status_code == 404
    assert client.get(f"/api/v1/contacts/{call.pk}/events", headers=nora).status_code == 404
    assert client.post(f"/api/v1/contacts/{call.pk}/hangup", {}, content_type="application/json",
                       headers=nora).status_code == 404
    assert client.post(f"/api/v1/contacts/{call.pk}/supervise", {"mode": "join"}, content_type="application/json",
                       headers=nora).status_code == 404
    assert client.get("/api/v1/contacts", headers=nora).json() == []
    assert client.get(f"/api/v1/contacts/{call.pk}", headers=sara).status_code == 200
    assert [c["id"] for c in client.get("/api/v1/contacts", headers=sara).json()] == [call.pk]
    assert client.get(f"/api/v1/contacts/{call.pk}", headers=_auth(teams["admin"])).status_code == 200


def test_technicians_list_and_board_figures_show_only_the_supervisors_teams(client, teams, clock):
    _call("cola-sur", teams["jorge"], clock)
    nobody = make_technician("suelto")  # in no team: every supervisor sees them
    names = [t["username"] for t in client.get("/api/v1/contacts/technicians", headers=_auth(teams["nora"])).json()]
    assert names == ["lucia", "suelto"]  # not jorge (team Sur)
    names = [t["username"] for t in client.get("/api/v1/contacts/technicians", headers=_auth(teams["admin"])).json()]
    assert {"jorge", "lucia", "suelto"} <= set(names)
    assert nobody.pk
    assert client.get("/api/v1/contacts/stats", headers=_auth(teams["nora"])).json()["answered"] == 0
    assert client.get("/api/v1/contacts/stats", headers=_auth(teams["sara"])).json()["answered"] == 1
    assert selectors.stats(since=contact_clock.now() - timedelta(hours=1))["answered"] == 1  # unscoped for reports


def test_administrator_ties_a_queue_to_a_team_over_the_api(client, teams):
    admin = _auth(teams["admin"])
    body = client.put("/api/v1/contacts/queues/ventas", {"tiers": [1], "team": teams["sur"].pk},
                      content_type="application/json", headers=admin).json()
    assert body["team"] == teams["sur"].pk and Queue.objects.get(name="ventas").team == teams["sur"]
    bad = client.put("/api/v1/contacts/queues/ventas", {"tiers": [1], "team": 999999},
                     content_type="application/json", headers=admin)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "unknown_team"
    shared = client.put("/api/v1/contacts/queues/ventas", {"tiers": [1]}, content_type="application/json",
                        headers=admin).json()
    assert shared["team"] is None


def test_demo_queue_belongs_to_the_demo_team_and_its_supervisor_sees_it(db):
    load_demo()
    queue = Queue.objects.get(name="soporte")
    assert queue.team is not None and queue.team.name == "Soporte Madrid"
    assert queue in selectors.supervised_queues(User.objects.get(username="supervisora"))


@pytest.mark.django_db(transaction=True)
def test_live_board_updates_of_another_teams_call_do_not_reach_the_supervisor(teams, clock):
    """Both websockets: /ws/contacts/ sends a supervisor nothing of another team's call; /ws/consolas/
    sends it only as a technician gets it (no alert texts). The team's own supervisor gets it in full."""
    import json

    from asgiref.sync import async_to_sync, sync_to_async
    from asgiref.testing import ApplicationCommunicator

    from atiende.consoles.consumers import ConsoleConsumer
    from atiende.contact.consumers import ContactConsumer

    call = _call("cola-sur", teams["jorge"], clock)

    async def connect(consumer, path, user):
        socket = ApplicationCommunicator(consumer.as_asgi(), {"type": "websocket", "path": path, "headers": [],
                                                              "subprotocols": [], "user": user})
        await socket.send_input({"type": "websocket.connect"})
        assert (await socket.receive_output(5))["type"] == "websocket.accept"
        assert json.loads((await socket.receive_output(5))["text"])["type"] == "hello"
        return socket

    async def scenario():
        nora = await connect(ContactConsumer, "/ws/contacts/", teams["nora"])
        sara = await connect(ContactConsumer, "/ws/contacts/", teams["sara"])
        nora_console = await connect(ConsoleConsumer, "/ws/consolas/", teams["nora"])
        sara_console = await connect(ConsoleConsumer, "/ws/consolas/", teams["sara"])
        await sync_to_async(contact_calls.escalate)(contact_id=call.pk, user=teams["jorge"], reason="Asunto-Sur")
        update = json.loads((await sara.receive_output(5))["text"])
        assert update["contact"]["id"] == call.pk and update["alerts"][0]["rule"] == "PO-5"
        full = json.loads((await sara_console.receive_output(5))["text"])
        assert full["alerts"][0]["rule"] == "PO-5"
        brief = (await nora_console.receive_output(5))["text"]
        assert "alerts" not in json.loads(brief) and "Asunto-Sur" not in brief
        assert await nora.receive_nothing(0.3)
        for socket in (nora, sara, nora_console, sara_console):
            await socket.send_input({"type": "websocket.disconnect", "code": 1000})
            await socket.wait(1)

    async_to_sync(scenario)()


def test_supervisor_answering_calls_pulls_only_from_queues_they_see(teams, clock):
    for other in (teams["lucia"], teams["jorge"]):
        availability.pause(user=other, reason="formación")
    sur = routing.create_contact(queue="cola-sur", caller="+34600000010").contact
    availability.make_available(user=teams["nora"])
    assert routing.claim_next_contact(user=teams["nora"]) is None  # cola-sur is team Sur's
    norte = routing.create_contact(queue="cola-norte", caller="+34600000011", route=False).contact
    assert routing.claim_next_contact(user=teams["nora"]) == norte
    assert Contact.objects.get(pk=sur.pk).state == "waiting"
