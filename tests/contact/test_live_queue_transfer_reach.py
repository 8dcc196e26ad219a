"""A transfer to a queue is offered, on ``/ws/contacts/``, only to the technicians who may accept it (TR-4).

Serving the queue is not enough: the acceptance also asks that the queue takes
the technician's tier and that they have every skill it asks for. A technician
the acceptance would refuse hears nothing of the offer, so their console never
shows a button that can only fail; one it would let through hears of the offer
and of its end.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from atiende.contact import live
from atiende.contact.consumers import ContactConsumer
from atiende.contact.models import TechnicianState
from atiende.contact.services import calls, routing
from atiende.contact.services import queues as contact_queues
from atiende.people.models import User
from atiende.practices.refusal import Refusal
from tests.websocket import Socket, kinds, open_socket

from .conftest import make_technician


async def _connect(user) -> Socket:
    return await open_socket(ContactConsumer.as_asgi(), "/ws/contacts/", user)



def _serves(user, *queues: str) -> None:
    TechnicianState.objects.update_or_create(user=user, defaults={"queues": list(queues)})


@pytest.mark.django_db(transaction=True)
def test_only_a_technician_who_may_accept_is_offered_the_queue_transfer(clock):
    contact_queues.save_queue(name="soporte", tiers=[1, 2])
    contact_queues.save_queue(name="facturas", tiers=[2], skills=["facturación"])
    lucia = make_technician("lucia")
    call = routing.create_contact(queue="soporte", caller="+34600000001").contact.pk
    calls.answer(contact_id=call, user=lucia)
    ana = make_technician("ana", tier=2, skills=["facturación", "inglés"], available=False)
    pedro = make_technician("pedro", tier=1, skills=["facturación"], available=False)  # the queue takes tier 2
    rosa = make_technician("rosa", tier=2, available=False)  # without the skill
    luis = make_technician("luis", tier=2, skills=["facturación"], available=False)
    _serves(ana, "facturas")
    _serves(pedro)  # every queue
    _serves(luis, "soporte")  # not this queue

    async def scenario():
        sockets = {u.username: await _connect(u) for u in (ana, pedro, rosa, luis)}
        await sync_to_async(calls.request_transfer)(contact_id=call, user=lucia, purpose="una factura",
                                                       customer_consent=True, to_queue="facturas")
        offer = await sockets["ana"].update()
        assert kinds(offer) == ["transfer_requested"] and offer["contact"]["transfer"]["to_queue"] == "facturas"
        for name in ("pedro", "rosa", "luis"):
            assert await sockets[name].receive_nothing(0.2), name  # no offer they could not take

        for user in (pedro, rosa, luis):  # what the offer would have led to: a refusal
            with pytest.raises(Refusal) as refused:
                await sync_to_async(calls.accept_transfer)(contact_id=call, user=user)
            assert refused.value.code == "not_in_queue" and refused.value.rule == "TR-4"
        await sync_to_async(calls.accept_transfer)(contact_id=call, user=ana)
        accepted = await sockets["ana"].update()
        assert kinds(accepted) == ["transfer_accepted"] and accepted["contact"]["assignee"] == ana.pk
        for name, socket in sockets.items():
            assert await socket.receive_nothing(0.1), name  # the end only to whom had the offer
            await socket.close()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_a_tier_change_counts_from_the_next_offer_without_reconnecting(clock):
    contact_queues.save_queue(name="soporte", tiers=[1, 2])
    contact_queues.save_queue(name="nivel2", tiers=[2])
    lucia = make_technician("lucia")
    call = routing.create_contact(queue="soporte", caller="+34600000001").contact.pk
    calls.answer(contact_id=call, user=lucia)
    jorge = make_technician("jorge", tier=1, available=False)

    def request() -> None:
        calls.request_transfer(contact_id=call, user=lucia, purpose="nivel 2", customer_consent=True,
                                  to_queue="nivel2")

    async def scenario():
        socket = await _connect(jorge)
        await sync_to_async(request)()
        assert await socket.receive_nothing(0.2)  # tier 1: not for him
        await sync_to_async(calls.decline_transfer)(contact_id=call, user=lucia)
        assert await socket.receive_nothing(0.2)
        await sync_to_async(User.objects.filter(pk=jorge.pk).update)(tier=2)  # promoted, same socket
        await sync_to_async(request)()
        assert kinds(await socket.update()) == ["transfer_requested"]
        await socket.close()

    async_to_sync(scenario)()


@pytest.mark.django_db
def test_whom_the_offer_reaches_is_whom_the_acceptance_lets_through(clock):
    """The live fan-out and the acceptance's check (``_require_serves_queue``) agree for every kind of technician."""
    contact_queues.save_queue(name="facturas", tiers=[2, 3], skills=["facturación"])
    contact_queues.save_queue(name="soporte", tiers=[1])
    people = {
        "fits_serving_it": (2, ["facturación"], ["facturas"]),
        "fits_serving_all": (3, ["facturación", "inglés"], []),
        "fits_without_state": (2, ["facturación"], None),
        "serves_another_queue": (2, ["facturación"], ["soporte"]),
        "tier_not_taken": (1, ["facturación"], []),
        "skill_missing": (2, ["inglés"], ["facturas"]),
        "no_skills_no_state": (3, [], None),
    }
    users = {}
    for name, (tier, skills, queues) in people.items():
        users[name] = make_technician(name, tier=tier, skills=skills, available=False)
        if queues is not None:
            _serves(users[name], *queues)
    gone = make_technician("gone", tier=2, skills=["facturación"], available=False)
    User.objects.filter(pk=gone.pk).update(is_active=False)  # left the company: not offered anything

    def lets_through(user) -> bool:
        try:
            calls._require_serves_queue(user, "facturas")
        except Refusal:
            return False
        return True

    reached = live.technicians_who_may_accept(["facturas"])
    assert reached == {u.pk for u in users.values() if lets_through(u)}
    assert {name for name, u in users.items() if u.pk in reached} == {
        "fits_serving_it", "fits_serving_all", "fits_without_state"}
    assert live.technicians_who_may_accept(["no such queue"]) == set()


@pytest.mark.django_db
def test_a_teams_queue_transfer_reaches_its_members_and_who_names_it_as_the_acceptance_does(clock):
    """ET-4 teams in the same agreement: a team's queue goes to its members, and to whoever lists it."""
    from atiende.people.models import Team

    norte, sur = Team.objects.create(name="Norte"), Team.objects.create(name="Sur")
    contact_queues.save_queue(name="norte", tiers=[1], team_id=norte.pk)
    people = {"member": norte, "member_of_both": norte, "other_team": sur, "no_team": None,
              "other_team_naming_it": sur}
    users = {}
    for name, team in people.items():
        users[name] = make_technician(name, tier=1, available=False)
        if team is not None:
            users[name].teams.add(team)
    users["member_of_both"].teams.add(sur)
    _serves(users["other_team_naming_it"], "norte")

    def lets_through(user) -> bool:
        try:
            calls._require_serves_queue(user, "norte")
        except Refusal:
            return False
        return True

    reached = live.technicians_who_may_accept(["norte"])
    assert reached == {u.pk for u in users.values() if lets_through(u)}
    assert {name for name, u in users.items() if u.pk in reached} == {
        "member", "member_of_both", "other_team_naming_it"}
