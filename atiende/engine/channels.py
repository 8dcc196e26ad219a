"""The kinds of service a contact comes through (CH-*), and what each means for routing.

A phone call (CH-TEL) is rung at the best available technician as soon as one is
free: routing pushes it. A visitor at the service desk (CH-PRE, "presencial") is
called by a technician from the console when they are ready for the next one: the
same queue, skills, tiers and wait policy (PO-2) decide who may take whom, but
nobody is rung with a visitor, and the PBX never hears of one.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    PHONE = "telefonico"  # CH-TEL
    IN_PERSON = "presencial"  # CH-PRE


# CH-PRE: contacts that only a technician's call-next takes (pull), never pushed routing or a PBX.
PULLED_ONLY: frozenset[Channel] = frozenset({Channel.IN_PERSON})


def pushed(channel: str) -> bool:
    """Whether routing rings a technician with a waiting contact of this channel (CH-TEL yes, CH-PRE no)."""
    return Channel(channel) not in PULLED_ONLY
