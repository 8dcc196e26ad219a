"""The kinds of service a contact comes through (CH-*), and what each means for routing.

A phone call (CH-TEL) is rung at the best available technician as soon as one is
free: routing pushes it. A visitor at the service desk (CH-PRE, "presencial") is
called by a technician from the console when they are ready for the next one: the
same queue, skills, tiers and wait policy (PO-2) decide who may take whom, but
nobody is rung with a visitor, and the PBX never hears of one.

A chat from the web widget (CH-VIR, ``chat``) is pushed like a call, through the same
queues, tiers, skills and policies, but a technician holds several at once: up to the
chat capacity (``Policy.max_chats``, 3 by default; a technician's own setting wins). A
call is full occupancy. The rule (engine.routing.may_take):

- a technician on a call (busy, ringing, in its wrap-up) gets no chat and no other call;
- a technician with chats (offered, in conversation or in a chat's wrap-up) gets more
  chats up to the capacity, but no call and no visitor: calls go to whoever has none,
  so a caller is never put behind three written conversations.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    PHONE = "telefonico"  # CH-TEL
    IN_PERSON = "presencial"  # CH-PRE
    CHAT = "chat"  # CH-VIR: the web chat widget


# CH-PRE: contacts that only a technician's call-next takes (pull), never pushed routing or a PBX.
PULLED_ONLY: frozenset[Channel] = frozenset({Channel.IN_PERSON})


def pushed(channel: str) -> bool:
    """Whether routing rings a technician with a waiting contact of this channel (CH-TEL yes, CH-PRE no)."""
    return Channel(channel) not in PULLED_ONLY


# CH-VIR: channels a technician handles several of at once, up to their chat capacity; any other is full occupancy.
CONCURRENT: frozenset[Channel] = frozenset({Channel.CHAT})


def concurrent(channel: str) -> bool:
    """Whether a technician may hold several contacts of this channel at once (a chat yes, a call no)."""
    return Channel(channel) in CONCURRENT
