"""PO-3 is «calls per technician per day» (PRACTICES): a visitor served at the walk-in desk is not a call, so
the live count on the console and the wallboard leaves it out; a call (a call-back included) counts."""

from __future__ import annotations

import pytest

from atiende.contact.models import TechnicianState
from atiende.contact.services import calls, routing
from atiende.walkin.services import calling
from atiende.walkin.services.checkin import check_in
from tests.contact.conftest import queue  # noqa: F401  (fixture)

from .conftest import PHONE

pytestmark = pytest.mark.django_db


def calls_today(user) -> int:
    return TechnicianState.objects.get(user=user).calls_today


@pytest.mark.usefixtures("queue")
def test_a_served_visitor_is_not_a_call_for_po3_and_a_call_is(repairs, reception, lucia, clock):
    visit = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    calling.call_next(user=lucia, desk="Mesa 1")
    calling.serve(user=lucia, visit_id=visit.pk)
    assert TechnicianState.objects.get(user=lucia).status == "ocupado"  # busy with the visitor all the same
    assert calls_today(lucia) == 0
    calls.hang_up(contact_id=visit.contact_id, user=lucia)
    calls.finish_wrap_up(contact_id=visit.contact_id, user=lucia)
    call = routing.create_contact(queue="soporte", caller="+34600999888")
    assert call.technician == lucia
    calls.answer(contact_id=call.contact.pk, user=lucia)
    assert calls_today(lucia) == 1
