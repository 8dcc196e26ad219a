"""A queue with a team is served by that team: its calls ring (push), are claimed (pull) and are
accepted as transfers only by members of the team, technicians and supervisors alike, or by
whoever has the queue named in their own queues (a deliberate cross-team assignment). Shared
queues (no team) go to everyone, as before. Before: any available technician or supervisor was
rung with another team's calls, which that team's supervisors (ET-4) could not even see."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import availability, deadlines, routing
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import queues as contact_queues
from atiende.people.models import Team, User
from atiende.practices import Refusal

from .conftest import make_technician

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(db, clock):
    """Team Norte (Lucía) and team Sur (Jorge, Sara supervises); Pablo is in no team. Jorge and Pablo
    have been available longer than Lucía. cola-norte belongs to Norte; compartida to no team."""
    norte, sur = Team.objects.create(name="Norte"), Team.objects.create(name="Sur")
    jorge = make_technician("jorge")
    pablo = make_technician("pablo")
    clock.advance(60)
    lucia = make_technician("lucia")
    jorge.teams.add(sur)
    lucia.teams.add(norte)
    contact_queues.save_queue(name="cola-norte", tiers=[1, 2], team_id=norte.pk)
    contact_queues.save_queue(name="compartida", tiers=[1, 2])
    return {"norte": norte, "sur": sur, "lucia": lucia, "jorge": jorge, "pablo": pablo}


def serve_only(user: User, queues: list[str]) -> None:
    TechnicianState.objects.filter(user=user).update(queues=queues)


def pause(*users: User) -> None:
    for user in users:
        availability.pause(user=user, reason="formación")


def test_a_team_queue_call_rings_at_the_team_not_at_whoever_is_idle_longest(teams):
    routed = routing.create_contact(queue="cola-norte")
    assert routed.technician == teams["lucia"]


def test_a_shared_queue_call_still_rings_at_whoever_is_idle_longest(teams):
    assert routing.create_contact(queue="compartida").technician == teams["jorge"]


def test_with_no_member_free_the_team_call_waits_and_rings_when_one_is(teams, clock):
    pause(teams["lucia"])
    routed = routing.create_contact(queue="cola-norte")
    assert routed.technician is None
    routing.dispatch()  # Jorge and Pablo are free, but not of Norte
    assert Contact.objects.get(pk=routed.contact.pk).state == "waiting"
    assert routing.route_contact(contact_id=routed.contact.pk).technician is None
    clock.advance(5)
    availability.make_available(user=teams["lucia"])
    assert Contact.objects.get(pk=routed.contact.pk).offered_to_id == teams["lucia"].pk


def test_the_queue_named_in_someones_own_queues_reaches_them_across_teams(teams):
    serve_only(teams["jorge"], ["cola-norte"])
    assert routing.create_contact(queue="cola-norte").technician == teams["jorge"]


def test_a_queues_list_without_the_queue_still_keeps_a_member_away(teams):
    serve_only(teams["lucia"], ["compartida"])
    assert routing.create_contact(queue="cola-norte").technician is None


def test_supervisors_are_offered_only_their_own_teams_calls(teams, clock):
    pause(teams["lucia"], teams["jorge"], teams["pablo"])
    sara = make_technician("sara", role="supervisor", tier=2)
    sara.teams.add(teams["sur"])
    clock.advance(150)  # tier 2 opens near the wait limit (PO-2 overflow)
    routed = routing.create_contact(queue="cola-norte")
    clock.advance(150)
    deadlines.run_due_deadlines(worker="t")
    assert Contact.objects.get(pk=routed.contact.pk).state == "waiting"
    nora = make_technician("nora", role="supervisor", tier=2)
    nora.teams.add(teams["norte"])
    routing.dispatch()
    assert Contact.objects.get(pk=routed.contact.pk).offered_to_id == nora.pk


def test_routing_a_team_queue_call_reads_the_candidates_in_one_query(teams, clock):
    # Many free people of other teams, longest idle first: not one lookup each.
    for n in range(12):
        make_technician(f"sur{n}").teams.add(teams["sur"])
    clock.advance(5)
    make_technician("norte-nuevo").teams.add(teams["norte"])
    pause(teams["lucia"])
    routed = routing.create_contact(queue="cola-norte", route=False)
    with CaptureQueriesContext(connection) as queries:
        chosen = routing.route_contact(contact_id=routed.contact.pk)
    assert chosen.technician.username == "norte-nuevo"
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "contact_technicianstate"' in q["sql"]
             and "people_user_teams" in q["sql"]]
    assert len(reads) == 1


def test_pull_mode_takes_only_the_teams_calls(teams):
    call = routing.create_contact(queue="cola-norte", route=False).contact
    # ET-4 (issue 22, item 10): another team's callers are not even "waiting" for them (as for a supervisor),
    # not "none you can take", which told a technician that team B's queue had callers.
    assert routing.claim_next_contact(user=teams["jorge"]) is None
    assert routing.claim_next_contact(user=teams["pablo"]) is None  # in no team: shared queues only
    claimed = routing.claim_next_contact(user=teams["lucia"])
    assert claimed is not None and claimed.pk == call.pk


def test_pull_mode_across_teams_when_the_queue_is_named(teams):
    call = routing.create_contact(queue="cola-norte", route=False).contact
    serve_only(teams["jorge"], ["cola-norte"])
    claimed = routing.claim_next_contact(user=teams["jorge"])
    assert claimed is not None and claimed.pk == call.pk


def test_a_supervisor_assigned_to_another_teams_queue_may_pull_its_calls(teams):
    sara = make_technician("sara", role="supervisor", tier=2)
    sara.teams.add(teams["sur"])
    call = routing.create_contact(queue="cola-norte", route=False).contact
    assert routing.claim_next_contact(user=sara) is None  # ET-4: not her team's queue, so not even "waiting"
    serve_only(sara, ["cola-norte"])
    claimed = routing.claim_next_contact(user=sara)
    assert claimed is not None and claimed.pk == call.pk


def test_a_transfer_to_a_team_queue_is_accepted_only_by_the_team(teams, clock):
    pause(teams["lucia"], teams["pablo"])
    routed = routing.create_contact(queue="compartida")
    assert routed.technician == teams["jorge"]
    contact_calls.answer(contact_id=routed.contact.pk, user=teams["jorge"])
    availability.make_available(user=teams["pablo"])
    availability.make_available(user=teams["lucia"])
    contact_calls.request_transfer(contact_id=routed.contact.pk, user=teams["jorge"], purpose="Redes del norte",
                              customer_consent=True, to_queue="cola-norte")
    with pytest.raises(Refusal) as refused:
        contact_calls.accept_transfer(contact_id=routed.contact.pk, user=teams["pablo"])
    assert (refused.value.code, refused.value.rule) == ("not_in_queue", "TR-4")
    outcome = contact_calls.accept_transfer(contact_id=routed.contact.pk, user=teams["lucia"])
    assert outcome.contact.assignee_id == teams["lucia"].pk
