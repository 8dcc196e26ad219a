"""Routing reads available technicians a page at a time, longest idle first: the answer is the same as reading all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.contact.models import TechnicianState
from atiende.contact.services import routing

from .conftest import make_technician

pytestmark = pytest.mark.django_db


def _idle_in_order(users, clock):
    """The first user has been idle the longest."""
    for minutes, user in enumerate(users):
        TechnicianState.objects.filter(user=user).update(idle_since=clock.now() - timedelta(minutes=500 - minutes))


def test_a_fitting_technician_past_the_first_page_gets_the_call(queue, clock):
    idle_longest = [make_technician(f"tec{i:03d}") for i in range(routing.CANDIDATES_PAGE + 10)]
    networker = make_technician("redes", skills=["redes"])
    _idle_in_order([*idle_longest, networker], clock)
    routed = routing.create_contact(queue="soporte", required_skills=["redes"])
    assert routed.technician == networker
    assert routed.contact.offered_to_id == networker.pk


def test_the_longest_idle_of_many_gets_the_call(queue, clock):
    users = [make_technician(f"tec{i:03d}") for i in range(routing.CANDIDATES_PAGE * 2 + 5)]
    _idle_in_order(list(reversed(users)), clock)  # the last created has waited the longest
    assert routing.create_contact(queue="soporte").technician == users[-1]


def test_nobody_fitting_among_many_leaves_the_call_queued(queue, clock):
    for i in range(routing.CANDIDATES_PAGE + 3):
        make_technician(f"tec{i:03d}")
    routed = routing.create_contact(queue="soporte", required_skills=["mainframe"])
    assert routed.technician is None
    assert routed.contact.state == "waiting"
