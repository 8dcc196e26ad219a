"""ET-4: every role tries every API endpoint (and the web pages) on objects of another team.

The world: team A (a technician, a supervisor, a portal customer) and team B,
whose customer, organisation, work order, questions, commitments, consent, vault secret,
attachment, API token, canned answer, technician and scorecard belong to B only. Users of A must get a 4xx on every endpoint that
names one of B's objects, list endpoints must not show B's data, and nothing
of B's may change. An administrator reads the same objects (the positive
control: the ids below really are B's objects).

Every write is sent with a body valid for its documented schema (``valid_bodies``: JSON or multipart), so
the answer comes from the team check, not from the input validation (issue 22, item 28): it must be the
exact 404 of a missing object, or the role's own refusal, which the actor gets for a missing object too.
An administrator sending the same bodies (undone after each) reaches every one of those objects.
"""

from __future__ import annotations

import functools
import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from atiende.campaigns.models import Campaign, Target
from atiende.contact.services import queues as contact_queues
from atiende.desk.attachments import add_attachment
from atiende.desk.models import (
    Attachment,
    ClosedQuestion,
    Commitment,
    ContactPoint,
    Customer,
    Organisation,
    WorkOrder,
)
from atiende.knowledge.models import CannedAnswer
from atiende.people.models import ApiToken, Team, User
from atiende.practice import services as practice_services
from atiende.practice.models import Assignment, PracticeSession
from atiende.privacy.models import Consent, VaultSecret
from atiende.privacy.services import give_consent, store_secret
from atiende.scorecards.models import Scorecard

from .conftest import make_work_order
from .valid_bodies import request_body

pytestmark = pytest.mark.django_db
MARKERS = ("Bernardo-Privado", "Asunto-Privado-B", "bernardo@privado.example")
PUBLIC_TAGS = {"practices", "surveys"}  # public by design: no customer data behind an id
# Not objects of a team: a scenario (and its pass mark) is the organisation's, a report name is the catalogue's
# (its team, queue and technician filters are swept by test_reports_filtered_to_another_team_*).
ORGANISATION_WIDE = {"/api/v1/training/scenarios/{scenario_id}/pass-mark", "/api/v1/reports/{name}"}


@pytest.fixture
def world(vault_key):
    team_a, team_b = Team.objects.create(name="Equipo A"), Team.objects.create(name="Equipo B")
    org_b = Organisation.objects.create(name="Organización B", team=team_b)
    tech_a = User.objects.create_user("tech_a", password="x-very-long-pass", role="tecnico")
    sup_a = User.objects.create_user("sup_a", password="x-very-long-pass", role="supervisor")
    tech_b = User.objects.create_user("tech_b", password="x-very-long-pass", role="tecnico")
    tech_a.teams.add(team_a)
    sup_a.teams.add(team_a)
    tech_b.teams.add(team_b)
    portal_a = User.objects.create_user("cliente_a", password="x-very-long-pass", role="cliente")
    customer_a = Customer.objects.create(name="Alicia", user=portal_a)
    wo_a = make_work_order(customer_a, tech_a, team_a)
    admin = User.objects.create_user("admin", password="x-very-long-pass", role="administrador",
                                     is_staff=True, is_superuser=True)
    customer_b = Customer.objects.create(name="Bernardo-Privado", organisation=org_b)
    point = ContactPoint.objects.create(customer=customer_b, kind="email", value="bernardo@privado.example")
    wo_b = make_work_order(customer_b, tech_b, team_b)
    WorkOrder.objects.filter(pk=wo_b.pk).update(title="Asunto-Privado-B")
    wo_b.refresh_from_db()
    question = ClosedQuestion.objects.create(work_order=wo_b, question="¿Asunto-Privado-B?", asked_by=tech_b)
    commitment = Commitment.objects.create(work_order=wo_b, description="Asunto-Privado-B",
                                           due_at=timezone.now() + timedelta(days=1), owner=tech_b)
    consent = give_consent(customer=customer_b, scope="account_access", method="written",
                           recorded_by=tech_b, work_order=wo_b)
    secret = store_secret(work_order=wo_b, kind="password", label="Asunto-Privado-B", value="Clave-B-991",
                          created_by=tech_b)
    attachment = add_attachment(actor=tech_b, work_order=wo_b, file=io.BytesIO(b"Asunto-Privado-B: disco lleno\n"),
                                filename="Asunto-Privado-B.log")
    wo_b.refresh_from_db()
    token, _raw = ApiToken.issue(tech_b)
    canned = CannedAnswer.objects.create(title="Asunto-Privado-B", body="Asunto-Privado-B", team=team_b,
                                         created_by=tech_b)
    card = Scorecard.objects.create(
        technician=tech_b, channel="chat", source="upload", score=50, final_score=50, scorer_version="prueba",
        transcript={"channel": "chat", "customer": {"name": "Bernardo-Privado"},
                    "events": [{"t": 0, "speaker": "cliente", "text": "Asunto-Privado-B"}]},
        items=[{"rule": "SP-3", "status": "missed", "evidence": ["Asunto-Privado-B"], "at": None}])
    queue_b = contact_queues.save_queue(name="cola-b", tiers=[1], team_id=team_b.pk)
    practice = practice_services.start_session(user=tech_b, customer_type="locuaz", seed=7)
    practice_services.take_turn(user=tech_b, session_id=practice.pk, text="Soy Bernardo-Privado, Asunto-Privado-B")
    assignment = Assignment.objects.create(technician=tech_b, scenario_id=practice.scenario_id, assigned_by=admin,
                                           note="Asunto-Privado-B")
    campaign = Campaign.objects.create(name="Asunto-Privado-B", queue=queue_b, status="active")
    person = Target.objects.create(campaign=campaign, name="Bernardo-Privado", phone="+34600777888",
                                   number="+34600777888", zones="Europe/Madrid", zone_source="center",
                                   customer=customer_b, held_by=tech_b)
    chat_b = _chat_of_team_b(queue_b, tech_b)
    callback_b = _callback_of_team_b(queue_b, customer_b)
    ids = {
        "session_id": practice.pk, "name": queue_b.name, "chat_id": chat_b.pk,
        "number": wo_b.number, "customer_id": customer_b.pk, "consent_id": consent.pk,
        "secret_id": secret.pk, "token_id": token.pk, "question_id": question.pk,
        "commitment_id": commitment.pk, "point_id": point.pk, "attachment_id": attachment.pk,
        "answer_id": canned.pk, "scorecard_id": card.pk, "user_id": tech_b.pk, "organisation_id": org_b.pk,
        "campaign_id": campaign.pk, "person_id": person.pk, "callback_id": callback_b.pk,
    }
    _refs["work_order"] = wo_a.number  # a body that names a work order names team A's own
    return {"actors": [tech_a, sup_a, portal_a], "admin": admin, "ids": ids, "wo_b": wo_b, "version_b": wo_b.version,
            "consent": consent, "token": token, "customer_b": customer_b, "canned": canned, "card": card,
            "practice": practice, "turns_b": practice.turns.count(), "assignment": assignment, "campaign": campaign,
            "person": person}


def _chat_of_team_b(queue_b, tech_b):
    """A chat of team B's queue (CH-VIR), which its customer left before anyone took it: B's technician is
    free again, and the board's figures of the other sweeps count no answered contact of it."""
    from atiende.chat import services as chat_services
    from atiende.chat.models import ChatWidget
    from atiende.contact.services import availability

    ChatWidget.objects.create(key="cola-b", name="Chat B", queue=queue_b)
    availability.make_available(user=tech_b)
    opened = chat_services.open_chat(widget_key="cola-b", name="Bernardo-Privado", email="bernardo@privado.example",
                                     message="Asunto-Privado-B")
    chat_services.customer_leaves(session=opened.session)
    availability.pause(user=tech_b, reason="fin del chat")
    return opened.session


def _callback_of_team_b(queue_b, customer_b):
    """A call-back pending in team B's queue, for tomorrow (nobody dials it during the sweep)."""
    from atiende.contact.services import routing
    from atiende.telephony.models import Callback

    row = routing.create_contact(queue=queue_b, direction="outbound", callee="+34600777888", route=False,
                                 customer_id=customer_b.pk).contact
    moment = timezone.now()
    return Callback.objects.create(contact=row, customer=customer_b, number="+34600777888", origin="chat",
                                   requested_at=moment, window_start=moment + timedelta(days=1),
                                   window_end=moment + timedelta(days=1, hours=2),
                                   not_before=moment + timedelta(days=1), max_attempts=2, retry_minutes=10)


@functools.cache
def _spec() -> dict[str, Any]:
    from atiende.api import api

    return api.get_openapi_schema()  # built once for the three sweeps (about a second each time)


def _operations():
    for path, item in _spec()["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            yield path, method, set(op.get("tags", [])), op


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _call(client: Client, method: str, path: str, op: dict[str, Any] | None = None):
    """The operation with a body valid for its schema (a new one each time: a file is read when sent)."""
    body = request_body(op, _spec(), _refs) if op is not None and method != "get" else None
    if body is None:
        return getattr(client, method)(path)
    kind, data = body
    if kind == "multipart":
        return getattr(client, method)(path, data)
    return getattr(client, method)(path, data=json.dumps(data), content_type="application/json")


MISSING = 2**40  # a valid id (1..2^62) that names nothing
_refs: dict[str, Any] = {}  # objects a body may name (the world's fixture fills it)


def _error(response) -> tuple[int, str | None]:
    try:
        return response.status_code, response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return response.status_code, None


def _as_if_missing(client: Client, method: str, path: str, params: list[str], ids: dict[str, Any], op, response,
                   what: str) -> None:
    """A write on another team's object is answered exactly as on a missing one: the 404, or the refusal of
    the actor's role (403 ``forbidden``, the same for any id), never the input validation (400/422)."""
    got = _error(response)
    assert got[0] == 404 or got == (403, "forbidden"), f"{what}: {got} {response.content[:200]!r}"
    missing_url = re.sub(r"{(\w+)}", lambda m: str(MISSING), path)
    assert _error(_call(client, method, missing_url, op)) == got, f"{what}: differs from a missing id"


def test_no_role_reaches_another_teams_objects_through_the_api(world):
    ids, checked, writes, unknown, covered = world["ids"], 0, 0, [], set()
    admin = _client(world["admin"])
    clients = {actor.username: _client(actor) for actor in world["actors"]}
    for path, method, tags, op in _operations():
        if tags & PUBLIC_TAGS or path in ORGANISATION_WIDE:
            continue
        params = re.findall(r"{(\w+)}", path)
        if any(p not in ids for p in params):
            unknown.append(f"{method.upper()} {path}")
            continue
        url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
        covered.add(f"{method.upper()} {path}")
        for actor in world["actors"]:
            response = _call(clients[actor.username], method, url, op)
            body = response.content.decode(errors="replace")
            if params:
                assert response.status_code >= 400, f"{actor.username} {method.upper()} {url}: {response.status_code}"
                assert response.status_code < 500, f"{method.upper()} {url}: {response.status_code}"
            if params and method != "get":
                _as_if_missing(clients[actor.username], method, path, params, ids, op, response,
                               f"{actor.username} {method.upper()} {url}")
                writes += 1
            for marker in MARKERS:
                assert marker not in body, f"{actor.username} {method.upper()} {url} shows {marker}"
            checked += 1
        if params and method == "get" and "token_id" not in params:
            # Positive control: these ids are real, an administrator reads them.
            assert admin.get(url).status_code == 200, f"admin GET {url}"
        elif params and "token_id" not in params:
            # Positive control of the bodies: an administrator's same write reaches the object (undone after).
            with transaction.atomic():
                reached = _call(admin, method, url, op)
                transaction.set_rollback(True)
            assert reached.status_code not in (404, 422), f"admin {method.upper()} {url}: {reached.content[:200]!r}"
    print(f"checked {checked} calls ({writes} writes); not covered (unknown path parameters): {unknown}")
    assert checked >= 3 * 25 and writes >= 3 * 18, (checked, writes, unknown)
    assert {"GET /api/v1/training/sessions/{session_id}", "POST /api/v1/training/sessions/{session_id}/turns",
            "GET /api/v1/training/technicians/{user_id}/progress", "PUT /api/v1/contacts/queues/{name}",
            "POST /api/v1/campaigns/{campaign_id}/import", "PATCH /api/v1/campaigns/{campaign_id}",
            "POST /api/v1/campaigns/contacts/{person_id}/outcome", "GET /api/v1/campaigns/{campaign_id}/contacts",
            "GET /api/v1/chats/{chat_id}", "POST /api/v1/chats/{chat_id}/messages",
            "POST /api/v1/chats/{chat_id}/transfer/accept", "POST /api/v1/callbacks/{callback_id}/cancel"} <= covered
    # Nothing of B's changed.
    world["wo_b"].refresh_from_db()
    assert world["wo_b"].title == "Asunto-Privado-B" and world["wo_b"].version == world["version_b"]
    assert Consent.objects.get(pk=world["consent"].pk).withdrawn_at is None
    assert ApiToken.objects.get(pk=world["token"].pk).revoked_at is None
    assert Customer.objects.filter(pk=world["customer_b"].pk).exists()
    assert VaultSecret.objects.filter(work_order=world["wo_b"]).count() == 1
    assert ClosedQuestion.objects.filter(work_order=world["wo_b"]).count() == 1
    assert Commitment.objects.get(pk=ids["commitment_id"]).status == "pendiente"
    assert Attachment.objects.filter(pk=ids["attachment_id"], internal=False).exists()
    canned = CannedAnswer.objects.get(pk=world["canned"].pk)
    assert (canned.title, canned.version, canned.times_used) == ("Asunto-Privado-B", 1, 0)
    card = Scorecard.objects.get(pk=world["card"].pk)
    assert not card.overrides.exists() and not card.acknowledgements.exists() and card.final_score == 50
    practice = PracticeSession.objects.get(pk=world["practice"].pk)
    assert practice.turns.count() == world["turns_b"] and practice.status == "active"
    campaign = Campaign.objects.get(pk=world["campaign"].pk)
    assert (campaign.name, campaign.status, campaign.targets.count()) == ("Asunto-Privado-B", "active", 1)
    person = Target.objects.get(pk=world["person"].pk)
    assert (person.held_by_id, person.attempts, person.status) == (world["person"].held_by_id, 0, "pending")
    from atiende.telephony.models import Callback
    assert Callback.objects.get(pk=ids["callback_id"]).status == "pendiente"


def test_no_role_opens_another_teams_pages_in_the_web_ui(world):
    from django.urls import URLPattern, get_resolver

    ids, checked = world["ids"], 0
    admin = _client(world["admin"])
    for pattern in get_resolver("atiende.desk.urls").url_patterns:
        if not isinstance(pattern, URLPattern):
            continue
        route = str(pattern.pattern)
        if re.fullmatch(r"solicitudes/<int:number>/(editar/)?", route):
            url = "/" + route.replace("<int:number>", str(ids["number"]))
        elif re.fullmatch(r"clientes/<int:pk>/(editar/)?", route):
            url = "/" + route.replace("<int:pk>", str(ids["customer_id"]))
        else:
            continue
        assert "Bernardo-Privado" in admin.get(url).content.decode(), f"admin GET {url}"
        for actor in world["actors"]:
            response = _client(actor).get(url)
            assert response.status_code in (302, 403, 404), f"{actor.username} GET {url}: {response.status_code}"
            assert "Bernardo-Privado" not in response.content.decode()
            checked += 1
    assert checked >= 3 * 2


def test_no_role_of_another_team_reaches_team_bs_calls_alerts_or_board(world):
    """The contact center's calls and alerts (``{contact_id}``, ``{alert_id}``), the lists and the
    board, for a technician, a supervisor and a portal customer of team A, on a call of a queue of
    team B. Supervisors of A get 404 (its existence is not revealed); B's supervisor and an
    administrator see it (the positive controls)."""
    from atiende.contact.models import Alert
    from atiende.contact.services import availability, routing
    from atiende.contact.services import calls as contact_calls
    from atiende.contact.services import queues as contact_queues

    tech_b = User.objects.get(username="tech_b")
    team_b = Team.objects.get(name="Equipo B")
    sup_b = User.objects.create_user("sup_b", password="x-very-long-pass", role="supervisor")
    sup_b.teams.add(team_b)
    contact_queues.save_queue(name="cola-b", tiers=[1], team_id=team_b.pk)
    availability.make_available(user=tech_b)
    routed = routing.create_contact(queue="cola-b", caller="Bernardo-Privado")
    assert routed.technician == tech_b
    contact = contact_calls.answer(contact_id=routed.contact.pk, user=tech_b).contact
    contact.refresh_from_db()
    version = contact.version
    alert = Alert.objects.create(kind="hold_overrun", rule="HO-5", level="warning", contact=contact,
                                 technician=tech_b, message_es="Asunto-Privado-B", message_en="Asunto-Privado-B")
    ids = {"contact_id": contact.pk, "alert_id": alert.pk}
    actors = world["actors"]
    clients = {a.username: _client(a) for a in actors}
    checked = 0
    writes = 0
    for path, method, _tags, op in _operations():
        params = re.findall(r"{(\w+)}", path)
        if not params and method == "get" and path.startswith("/api/v1/contacts"):
            for actor in actors:  # lists: nothing of B's in them
                body = clients[actor.username].get(path).content.decode(errors="replace")
                assert all(marker not in body for marker in MARKERS), f"{actor.username} GET {path}"
                assert f'"user": {tech_b.pk},' not in body, f"{actor.username} GET {path} lists tech_b"
                checked += 1
            continue
        if not params or any(p not in ids for p in params):
            continue
        url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
        for actor in actors:
            response = _call(clients[actor.username], method, url, op)  # a valid body: the answer is about the call
            assert 400 <= response.status_code < 500, f"{actor.username} {method.upper()} {url}: {response.status_code}"
            if method != "get":
                _as_if_missing(clients[actor.username], method, path, params, ids, op, response,
                               f"{actor.username} {method.upper()} {url}")
                writes += 1
            if actor.role == "supervisor" and path.startswith("/api/v1/contacts"):  # ET-4: as if it did not exist
                assert response.status_code == 404, f"{actor.username} {method.upper()} {url}: {response.status_code}"
            for marker in MARKERS:
                assert marker not in response.content.decode(errors="replace")
            checked += 1
        if method == "get" and path.startswith("/api/v1/contacts"):  # (a scorecard needs one to exist)
            for positive in (world["admin"], sup_b):
                assert _client(positive).get(url).status_code == 200, f"{positive.username} GET {url}"
    assert checked >= 3 * 10 and writes >= 3 * 10, (checked, writes)
    # The board figures: A's supervisor counts nothing of B's; B's supervisor and the admin count it.
    for user, answered in ((world["actors"][1], 0), (sup_b, 1), (world["admin"], 1)):
        figures = _client(user).get("/api/v1/contacts/stats").json()
        assert figures["answered"] == answered, user.username
        assert (str(tech_b.pk) in figures["calls_per_technician"]) == bool(answered), user.username
    board = _client(world["actors"][1]).get("/panel/estado/")
    assert all(marker not in board.content.decode() for marker in MARKERS)
    assert "cola-b" not in board.content.decode() and board.json()["alerts"] == []
    assert tech_b.pk not in [t["id"] for t in board.json()["technicians"]]
    own = _client(sup_b).get("/panel/estado/").json()  # positive control
    assert [q["name"] for q in own["queues"]] == ["cola-b"] and own["alerts"][0]["id"] == alert.pk
    assert [t["contact"]["id"] for t in own["technicians"] if t["id"] == tech_b.pk] == [contact.pk]
    contact.refresh_from_db()
    alert.refresh_from_db()
    assert contact.state == "talking" and contact.version == version and alert.acknowledged_at is None


def _sup_b() -> User:
    sup_b = User.objects.create_user("sup_b", password="x-very-long-pass", role="supervisor")
    sup_b.teams.add(Team.objects.get(name="Equipo B"))
    return sup_b


def test_practice_of_another_team_is_missing(world):
    """Issue 19's practice room under item 10's rule: another technician's practice call, its turns, its
    assignments and its trainee's progress answer as missing (the exact 404 of a missing id) for A's
    technician and A's supervisor, in the API and the pages; B's supervisor reads them (the positive control),
    and only the trainee speaks."""
    tech_a, sup_a, _portal = world["actors"]
    tech_b, sup_b = User.objects.get(username="tech_b"), _sup_b()
    practice, assignment = world["practice"], world["assignment"]
    scenario = practice.scenario_id
    for actor in (tech_a, sup_a):
        client = _client(actor)
        for listing in ("/api/v1/training/sessions", f"/api/v1/training/sessions?trainee={tech_b.pk}",
                        "/api/v1/training/assignments"):
            answer = client.get(listing)
            assert answer.status_code == 200, (actor.username, listing)
            assert all(m not in answer.content.decode() for m in MARKERS), (actor.username, listing)
            assert tech_b.pk not in [row.get("trainee", row.get("technician"))["id"] for row in answer.json()]
        for missing, foreign in ((MISSING, practice.pk),):
            for path in ("/api/v1/training/sessions/{}", "/api/v1/training/sessions/{}/turns"):
                sent = (lambda url, c=client: c.post(url, {"text": "Hola"}, content_type="application/json")) \
                    if path.endswith("turns") else client.get
                got = sent(path.format(foreign))
                assert _error(got) == _error(sent(path.format(missing))) == (404, "unknown_session"), \
                    (actor.username, path, got.content[:200])
        # A body that names B's assignment or B's technician: the 404 of a missing one.
        start = [_error(client.post("/api/v1/training/sessions", {"assignment": a}, content_type="application/json"))
                 for a in (assignment.pk, MISSING)]
        assert start[0] == start[1] and start[0][0] == 404, (actor.username, start)
        given = [_error(client.post("/api/v1/training/assignments", {"technician": t, "scenario": scenario},
                                    content_type="application/json")) for t in (tech_b.pk, MISSING)]
        assert given[0] == given[1] and given[0] in ((404, "unknown_technician"), (403, "forbidden")), given
        for page in (f"/practica/sesiones/{practice.pk}/", f"/practica/tecnicos/{tech_b.pk}/"):
            answer = client.get(page)
            assert answer.status_code == 404 and "Asunto-Privado-B" not in answer.content.decode(), page
        answer = client.post(f"/practica/sesiones/{practice.pk}/turno/", {"text": "Hola"})
        assert answer.status_code == 404, actor.username
        answer = client.post("/practica/asignar/", {"technician": tech_b.pk, "scenario": scenario})
        assert answer.status_code in (302, 403, 404), actor.username
        assert "tech_b" not in client.get("/practica/").content.decode(), actor.username
    assert PracticeSession.objects.get(pk=practice.pk).turns.count() == world["turns_b"]
    assert Assignment.objects.filter(technician=tech_b).count() == 1
    # Positive controls: B's supervisor and the administrator read them; a supervisor does not speak for the trainee.
    for reader in (sup_b, world["admin"]):
        client = _client(reader)
        assert "Asunto-Privado-B" in client.get(f"/api/v1/training/sessions/{practice.pk}").content.decode()
        assert "Asunto-Privado-B" in client.get(f"/practica/sesiones/{practice.pk}/").content.decode()
        assert [a["id"] for a in client.get("/api/v1/training/assignments").json()] == [assignment.pk]
        assert client.get(f"/api/v1/training/technicians/{tech_b.pk}/progress").status_code == 200
        spoke = client.post(f"/api/v1/training/sessions/{practice.pk}/turns", {"text": "Hola"},
                            content_type="application/json")
        assert _error(spoke) == (403, "not_your_session")
    made = _client(sup_b).post("/api/v1/training/assignments", {"technician": tech_b.pk, "scenario": scenario},
                               content_type="application/json")
    assert made.status_code == 201


def _report(client: Client, **filters: str):
    today = timezone.localdate().isoformat()
    return client.get("/api/v1/reports/calls", {"from": today, "to": today, **filters})


def test_queues_of_another_team_are_not_shown(world):
    """GET /contacts/queues lists the queues a user's scope holds (the desk's team scoping): A's technician and
    A's supervisor see shared queues and A's, never B's; B's supervisor and the administrator see B's."""
    contact_queues.save_queue(name="cola-compartida", tiers=[1])
    contact_queues.save_queue(name="cola-a", tiers=[1], team_id=Team.objects.get(name="Equipo A").pk)
    sup_b = _sup_b()
    for user, expected in ((world["actors"][0], {"cola-compartida", "cola-a"}),
                           (world["actors"][1], {"cola-compartida", "cola-a"}),
                           (sup_b, {"cola-compartida", "cola-b"}),
                           (world["admin"], {"cola-compartida", "cola-a", "cola-b"})):
        answer = _client(user).get("/api/v1/contacts/queues")
        assert answer.status_code == 200
        assert {q["name"] for q in answer.json()} == expected, user.username
    # A caller waiting in B's queue: A's technician taking the next call hears of nobody (not "none you can take",
    # which told that B's queue had callers), whether they name B's queue, a missing one or none.
    from atiende.contact.services import availability, routing

    routing.create_contact(queue="cola-b", caller="+34600999888", route=False)
    tech_a = world["actors"][0]
    availability.make_available(user=tech_a)
    client = _client(tech_a)
    answers = [_error(client.post(url)) for url in ("/api/v1/contacts/claim?queue=cola-b",
                                                     "/api/v1/contacts/claim?queue=cola-z", "/api/v1/contacts/claim")]
    assert answers == [(404, "queue_empty")] * 3, answers


def test_reports_filtered_to_another_team_answer_as_missing(world):
    """A report filtered to B's team, B's queue or B's technician: A's supervisor gets the 404 of a team, queue
    or user that does not exist (not an empty report that confirms it), in the API and on /informes/, whose
    filter choices name nothing of B's; B's supervisor and the administrator get the report."""
    sup_a, sup_b, admin = world["actors"][1], _sup_b(), world["admin"]
    foreign = {"team": ("Equipo B", "Equipo Z"), "queue": ("cola-b", "cola-z"), "technician": ("tech_b", "nadie")}
    client = _client(sup_a)
    for key, (theirs, missing) in foreign.items():
        got, absent = _report(client, **{key: theirs}), _report(client, **{key: missing})
        assert _error(got) == _error(absent) and got.status_code == 404, (key, got.content[:200])
        assert got.json()["error"]["message"] == absent.json()["error"]["message"].replace(missing, theirs), key
        today = timezone.localdate().isoformat()
        page = client.get("/informes/calls/", {"from": today, "to": today, key: theirs})
        assert page.status_code == 404, key
        for reader in (sup_b, admin):
            assert _report(_client(reader), **{key: theirs}).status_code == 200, (reader.username, key)
    page = client.get("/informes/calls/").content.decode()
    assert all(f">{name}</option>" not in page for name in ("Equipo B", "cola-b", "tech_b")), "choices name B's"
    own = _client(sup_b).get("/informes/calls/").content.decode()
    assert all(f">{name}</option>" in own for name in ("Equipo B", "cola-b", "tech_b")), "B's supervisor chooses"
    assert _error(_report(_client(world["actors"][0]), team="Equipo B")) == (403, "forbidden")


def test_organisations_of_another_team_are_not_offered_nor_joined(world):
    """GET /customers/organisations and the customer form's suggestions name shared organisations and the user's
    teams', never another team's; a customer is not put into another team's organisation, by id (the 404 of a
    missing one) nor by name (refused, ET-4), so nothing of A's enters B's scope. An administrator may."""
    tech_a, sup_a, _portal = world["actors"]
    org_b = Organisation.objects.get(name="Organización B")
    Organisation.objects.create(name="Organización Común")
    for user, sees_b in ((tech_a, False), (sup_a, False), (_sup_b(), True), (world["admin"], True)):
        names = {o["name"] for o in _client(user).get("/api/v1/customers/organisations").json()}
        assert "Organización Común" in names and ("Organización B" in names) == sees_b, user.username
    for actor in (tech_a, sup_a):
        client = _client(actor)
        assert "Organización B" not in client.get("/clientes/nuevo/").content.decode(), actor.username
        made = client.post("/api/v1/customers", {"name": "Carla", "organisation": "organización b"},
                           content_type="application/json")
        assert _error(made) == (409, "organisation_of_another_team"), made.content[:200]
        mine = Customer.objects.get(name="Alicia")
        moved = client.patch(f"/api/v1/customers/{mine.pk}", {"organisation": "Organización B"},
                             content_type="application/json")
        assert _error(moved) == (409, "organisation_of_another_team"), moved.content[:200]
        from atiende.desk.services.customers import create_customer
        from atiende.errors import InputError
        codes = []
        for org_id in (org_b.pk, MISSING):
            with pytest.raises(InputError) as refused:
                create_customer(actor=actor, name="Carla", organisation=org_id)
            codes.append((refused.value.status, refused.value.code))
        assert codes[0] == codes[1] == (404, "unknown_organisation"), codes
    assert Customer.objects.filter(organisation=org_b).count() == 1
    admin_made = _client(world["admin"]).post("/api/v1/customers", {"name": "Carla", "organisation": "Organización B"},
                                              content_type="application/json")
    assert admin_made.status_code == 201, admin_made.content[:200]


def test_walk_ins_of_another_team_are_missing(world):
    """Walk-in visits and bookings follow the contact center's scoping (a sibling of the queue list): A's
    technician and A's supervisor do not list B's visitors (name, reason, work order) nor B's bookings, cannot
    end B's waiting visitor (left) nor cancel B's booking, and a foreign visit answers exactly as a missing one
    (404, not "not called by you" naming the ticket). B's supervisor and the administrator see them."""
    from atiende.walkin.models import Booking, Visit
    from atiende.walkin.services.catalogue import save_service
    from atiende.walkin.services.checkin import check_in

    team_b = Team.objects.get(name="Equipo B")
    service = save_service(queue="mostrador-b", letter="B", label="Mostrador B", team_id=team_b.pk)
    visit = check_in(actor=world["admin"], service="B", name="Bernardo-Privado", phone="+34600111222",
                     reason="Asunto-Privado-B")
    booking = Booking.objects.create(service=service, customer=world["customer_b"], reason="Asunto-Privado-B",
                                     starts_at=timezone.now() + timedelta(days=1), created_by=world["admin"])
    for actor in world["actors"][:2]:
        client = _client(actor)
        for listing in ("/api/v1/walk-ins", "/api/v1/walk-ins/bookings"):
            answer = client.get(listing)
            assert answer.status_code == 200 and "Asunto-Privado-B" not in answer.content.decode(), listing
        for action in ("serve", "call-again", "no-show", "left"):
            got = client.post(f"/api/v1/walk-ins/{visit.pk}/{action}")
            assert _error(got) == _error(client.post(f"/api/v1/walk-ins/{MISSING}/{action}")), action
            assert got.status_code == 404, (actor.username, action, got.content[:200])
        got = client.post(f"/api/v1/walk-ins/bookings/{booking.pk}/cancel")
        assert _error(got) == _error(client.post(f"/api/v1/walk-ins/bookings/{MISSING}/cancel"))
        assert got.status_code == 404
    assert Visit.objects.get(pk=visit.pk).contact.state == "waiting"
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.BOOKED
    for reader in (_sup_b(), world["admin"]):
        client = _client(reader)
        assert [v["id"] for v in client.get("/api/v1/walk-ins").json()] == [visit.pk], reader.username
        assert [b["id"] for b in client.get("/api/v1/walk-ins/bookings").json()] == [booking.pk], reader.username
