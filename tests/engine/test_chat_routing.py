"""CH-VIR: chats routed like calls, with a per-technician concurrency (engine only, no database).

A call is full occupancy: a technician on a call gets no chat, one with chats gets no call. A chat
takes one of a technician's slots (Policy.max_chats, 3 by default; their own setting wins).
"""

from datetime import timedelta

import pytest

from atiende.engine import Contact, Policy, QueueConfig, Technician, TechnicianStatus
from atiende.engine.channels import Channel, concurrent, pushed
from atiende.engine.contact import EventKind, SupervisorMode
from atiende.engine.outcome import TechnicianMove, decide
from atiende.engine.routing import assign_waiting, chat_capacity, may_take, pick_technician
from atiende.practices import Refusal

QUEUE = QueueConfig("soporte", tiers=(1, 2), skills=frozenset({"windows"}))


def tech(tid, clock, *, tier=1, idle=0, chats=0, max_chats=None, status=TechnicianStatus.AVAILABLE, calls=0):
    return Technician(tid, tier, frozenset({"windows"}), status, clock.now() - timedelta(seconds=idle),
                      calls_today=calls, chats=chats, max_chats=max_chats)


def chat(clock, cid="c", **kw):
    return Contact(id=cid, queue="soporte", created_at=clock.now(), channel=Channel.CHAT, **kw)


def call(clock, cid="k"):
    return Contact(id=cid, queue="soporte", created_at=clock.now())


def test_a_chat_is_pushed_and_concurrent_a_call_is_not_concurrent():
    assert pushed(Channel.CHAT) and concurrent(Channel.CHAT)
    assert not concurrent(Channel.PHONE) and not concurrent(Channel.IN_PERSON)


def test_default_capacity_is_three_and_a_technicians_own_setting_wins(clock):
    assert chat_capacity(tech(1, clock), Policy()) == 3
    assert chat_capacity(tech(1, clock, max_chats=5), Policy(max_chats=2)) == 5
    assert chat_capacity(tech(1, clock), Policy(max_chats=2)) == 2


def test_a_technician_never_gets_a_fourth_chat(clock):
    full = tech(1, clock, idle=900, chats=3)
    assert not may_take(full, chat(clock), Policy())
    assert pick_technician(chat(clock), [full], QUEUE, Policy(), now=clock.now()).technician is None
    assert may_take(tech(1, clock, chats=2), chat(clock), Policy())


def test_a_call_is_full_occupancy_both_ways(clock):
    # A technician with one chat gets no call; one on a call (busy) gets no chat.
    chatting = tech(1, clock, idle=900, chats=1)
    on_call = tech(2, clock, idle=900, status=TechnicianStatus.BUSY)
    assert pick_technician(call(clock), [chatting, on_call], QUEUE, Policy(), now=clock.now()).technician is None
    assert pick_technician(chat(clock), [on_call], QUEUE, Policy(), now=clock.now()).technician is None
    assert pick_technician(chat(clock), [chatting, on_call], QUEUE, Policy(), now=clock.now()).technician == 1


def test_the_chat_goes_to_the_fewest_chats_then_the_longest_idle(clock):
    team = [tech(1, clock, idle=900, chats=2), tech(2, clock, idle=10, chats=1), tech(3, clock, idle=60, chats=1)]
    assert pick_technician(chat(clock), team, QUEUE, Policy(), now=clock.now()).technician == 3


def test_chats_follow_tiers_skills_and_overflow_like_calls(clock):
    tier2 = tech(9, clock, tier=2, idle=900)
    waiting = chat(clock)
    assert pick_technician(waiting, [tier2], QUEUE, Policy(), now=clock.advance(60)).technician is None
    decision = pick_technician(waiting, [tier2], QUEUE, Policy(), now=clock.advance(100))  # 160 s of 180: PO-2
    assert decision.technician == 9 and decision.overflowed
    needs_net = chat(clock, "n", required_skills=("redes",))
    assert pick_technician(needs_net, [tech(1, clock)], QUEUE, Policy(), now=clock.now()).technician is None


def test_one_pass_gives_several_chats_to_one_technician_up_to_the_capacity_and_then_no_call(clock):
    only = tech(1, clock, idle=900)
    waiting = [chat(clock, f"c{i}") for i in range(4)]
    clock.advance(1)
    waiting.append(call(clock, "k"))
    out = assign_waiting(waiting, [only], {"soporte": QUEUE}, Policy(), now=clock.now())
    assert [a.contact.id for a in out] == ["c0", "c1", "c2"]  # the fourth chat and the call wait
    assert only.chats == 0  # the technicians given are not changed


def test_pause_is_allowed_while_chatting_and_stops_new_contacts(clock):
    chatting = tech(1, clock, chats=2)
    chatting.pause(reason="formación", now=clock.now())
    assert not may_take(chatting, chat(clock), Policy())


def test_accepting_a_chat_counts_for_po3_without_changing_the_technicians_status(clock):
    waiting = chat(clock)
    offered = decide(waiting, Policy(), lambda c, p: c.offer(1, now=clock.now()), now=clock.now())
    assert offered.technicians == ()  # no "reserve": a chat leaves them available for more chats
    answered = decide(offered.contact, Policy(), lambda c, p: c.answer(now=clock.now()), now=clock.now())
    assert [(m.move, m.technician) for m in answered.technicians] == [(TechnicianMove.COUNT, 1)]
    hung = decide(answered.contact, Policy(), lambda c, p: c.hang_up(now=clock.now(), by=1), now=clock.now())
    assert hung.technicians == ()


def test_a_chat_transfer_or_take_over_counts_for_the_new_technician_and_frees_a_slot(clock):
    waiting = chat(clock)
    waiting.offer(1, now=clock.now())
    waiting.answer(now=clock.now())
    waiting.request_transfer(purpose="facturación", customer_consent=True, now=clock.now(), timeout_seconds=60,
                             to_technician=2, by=1)
    accepted = decide(waiting, Policy(), lambda c, p: c.accept_transfer(by=2, now=clock.now()), now=clock.now())
    assert [(m.move, m.technician) for m in accepted.technicians] == [(TechnicianMove.COUNT, 2)]
    assert accepted.routes_again  # technician 1 holds one chat fewer
    taken = decide(accepted.contact, Policy(), lambda c, p: c.supervisor_joins(
        supervisor=7, mode=SupervisorMode.TAKE_OVER, now=clock.now()), now=clock.now())
    assert [(m.move, m.technician) for m in taken.technicians] == [(TechnicianMove.COUNT, 7)]
    coached = decide(taken.contact, Policy(), lambda c, p: c.supervisor_joins(
        supervisor=8, mode=SupervisorMode.COACH, now=clock.now()), now=clock.now())
    assert coached.technicians == () and coached.events[-1].kind == EventKind.SUPERVISOR_JOINED


def test_the_channel_survives_storage(clock):
    stored = chat(clock).to_dict()
    assert Contact.from_dict(stored).channel == Channel.CHAT
    del stored["channel"]  # a call stored before chats existed
    assert Contact.from_dict(stored).channel == Channel.PHONE


def test_capacity_policy_is_checked(clock):
    with pytest.raises(Refusal) as refused:
        Policy().with_overrides({"max_chats": 0})
    assert refused.value.rule == "CH-VIR"
    assert Policy().with_overrides({"max_chats": 5}).max_chats == 5
