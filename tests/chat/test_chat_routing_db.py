"""CH-VIR routing with the database: concurrency under racing routes, tiers, skills, overflow, capacity settings,
calls and chats never mixed on one technician. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from atiende.contact.models import Contact, ContactState, TechnicianState
from atiende.contact.services import availability, calls, queues, routing
from atiende.contact.services import routing as routing_module
from atiende.contact.services.technicians import chats_held
from atiende.errors import InputError
from atiende.people.models import User

from .conftest import make_technician


def chat(queue="soporte", **kw):
    return routing.create_contact(queue=queue, channel="chat", **kw)


@pytest.mark.django_db
def test_chat_waits_for_the_skill_and_the_tier_then_overflows(clock):
    queues.save_queue(name="redes", tiers=[1, 2], skills=["redes"])
    make_technician("sin_redes", tier=1)
    senior = make_technician("senior", tier=2, skills=["redes"])
    routed = chat("redes")
    assert routed.technician is None  # tier 1 lacks the skill; tier 2 is kept free while the wait is short
    clock.advance(150)  # 150 s of the 180 s maximum: past 80 %, the next tier opens (PO-2)
    routing.dispatch()
    row = Contact.objects.get(pk=routed.contact.pk)
    assert row.offered_to == senior and row.state == ContactState.OFFERED


@pytest.mark.django_db
def test_capacity_from_the_queue_policy_and_the_technicians_own_setting(clock):
    queues.save_queue(name="soporte", tiers=[1], policy={"max_chats": 2})
    ana = make_technician("ana")
    offered = [chat().technician for _ in range(3)]
    assert offered == [ana, ana, None]  # the queue's policy: two at once
    TechnicianState.objects.filter(user=ana).update(max_chats=4)  # her own setting wins
    routing.dispatch()
    assert chats_held(ana.pk) == 3


@pytest.mark.django_db
def test_calls_and_chats_never_share_a_technician(clock):
    queues.save_queue(name="soporte", tiers=[1])
    ana = make_technician("ana")
    ringing = routing.create_contact(queue="soporte", caller="+34600000001")
    assert ringing.technician == ana
    calls.answer(contact_id=ringing.contact.pk, user=ana)
    assert chat().technician is None  # on a call: full occupancy
    calls.hang_up(contact_id=ringing.contact.pk)
    calls.finish_wrap_up(contact_id=ringing.contact.pk, user=ana)
    waiting_chat = Contact.objects.get(channel="chat")
    assert waiting_chat.offered_to == ana  # free again: the waiting chat is routed to her at once
    assert routing.create_contact(queue="soporte", caller="+34600000002").technician is None  # she has a chat
    with pytest.raises(InputError) as refused:
        routing.claim_next_contact(user=ana)
    assert refused.value.code == "chats_in_progress" and refused.value.rule == "CH-VIR"


@pytest.mark.django_db
def test_pause_while_chatting_keeps_the_chats_and_takes_no_new_one(clock):
    queues.save_queue(name="soporte", tiers=[1])
    ana = make_technician("ana")
    first = chat()
    calls.answer(contact_id=first.contact.pk, user=ana)
    availability.pause(user=ana, reason="reunión")
    assert chat().technician is None
    assert Contact.objects.get(pk=first.contact.pk).state == ContactState.TALKING


@pytest.mark.django_db
def test_the_end_of_a_chat_frees_its_slot_for_a_waiting_chat(clock):
    queues.save_queue(name="soporte", tiers=[1])
    ana = make_technician("ana", max_chats=1)
    first, second = chat(), chat()
    assert (first.technician, second.technician) == (ana, None)
    calls.answer(contact_id=first.contact.pk, user=ana)
    calls.hang_up(contact_id=first.contact.pk, user=ana)
    assert Contact.objects.get(pk=second.contact.pk).state == ContactState.WAITING  # the wrap-up holds the slot
    calls.finish_wrap_up(contact_id=first.contact.pk, user=ana)
    assert Contact.objects.get(pk=second.contact.pk).offered_to == ana


@pytest.mark.django_db(transaction=True)
def test_two_chats_routed_at_once_never_give_a_technician_a_fourth(monkeypatch):
    """Lucía holds two chats of three; two chats arrive at once. The second routing reads her with a free slot,
    then the first offers her its chat and commits, then the second goes on to claim her. Her status does not
    change with chats (she stays available), so only the lock on her state row and the count read again under
    it stop the second: without them she would hold four chats. (On SQLite the single writer keeps the two
    apart: the waits time out and the same answer must come.)"""
    queues.save_queue(name="soporte", tiers=[1])
    lucia = User.objects.create_user("lucia", role="tecnico")
    availability.make_available(user=lucia)
    for _ in range(2):
        assert routing.create_contact(queue="soporte", channel="chat").technician == lucia
    second_read, first_done = threading.Event(), threading.Event()
    local = threading.local()
    real_pick = routing_module.pick_technician

    def pick_in_order(*args, **kwargs):
        decision = real_pick(*args, **kwargs)
        if not getattr(local, "waited", False):
            local.waited = True
            if local.role == "second":
                second_read.set()
                first_done.wait(5)  # it has read her with a free slot; now the first one commits
            else:
                second_read.wait(5)
        return decision

    monkeypatch.setattr(routing_module, "pick_technician", pick_in_order)
    results: dict[str, object] = {}
    errors: list[BaseException] = []

    def arrive(role: str) -> None:
        local.role = role
        try:
            results[role] = routing.create_contact(queue="soporte", channel="chat").technician
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            if role == "first":
                first_done.set()
            connection.close()

    second = threading.Thread(target=arrive, args=("second",))
    second.start()
    second_read.wait(5)
    first = threading.Thread(target=arrive, args=("first",))
    first.start()
    for thread in (first, second):
        thread.join(30)
    assert not errors, errors
    assert sorted(str(r) for r in results.values()) == sorted([str(lucia), "None"])
    assert chats_held(lucia.pk) == 3
    assert Contact.objects.filter(channel="chat", state=ContactState.WAITING).count() == 1
