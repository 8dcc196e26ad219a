"""Preview mode from the technician's side: the card first (PH-5), then the dial, then the outcome; retries,
call-backs, do-not-call and calling hours on the person's own clock; PO-3 counts the calls someone answered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.campaigns.models import Attempt, Target
from atiende.campaigns.services import campaigns, do_not_call, lists, preview
from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import routing
from atiende.desk.models import Customer, WorkOrder
from atiende.errors import InputError
from atiende.practices import Refusal

pytestmark = pytest.mark.django_db

LIST = (b"nombre;telefono;zona horaria\n"
        b"Carmen Ruiz;600 11 22 33;Europe/Madrid\n"
        b"Ana Sanz;+52 55 1234 5678;\n")


@pytest.fixture
def running(campaign, boss, carmen):
    lists.import_csv(actor=boss, campaign_id=campaign.pk, data=LIST)
    return campaigns.update_campaign(actor=boss, campaign_id=campaign.pk, status="active")


def _calls_today(user) -> int:
    return TechnicianState.objects.get(user=user).calls_today


def test_the_card_comes_first_then_the_dial_then_a_reached_call_on_a_new_proactive_work_order(running, lucia, morning):
    person = preview.next_person(user=lucia)
    assert person.name == "Carmen Ruiz" and person.held_by == lucia  # Ana's clock says 04:00 in Mexico City
    card = preview.card(person, user=lucia)
    assert card.opening == "Buenos días. ¿Podría hablar con Doña Carmen Ruiz, por favor?"  # PH-5, her record
    assert card.local_time == "11:00"
    attempt = preview.dial(user=lucia, target_id=person.pk)
    call = Contact.objects.get(pk=attempt.contact_id)
    assert (call.direction, call.callee, call.customer_id, call.state, call.offered_to_id) == (
        "outbound", "+34600112233", person.customer_id, "offered", lucia.pk)  # hers from the dial
    morning.advance(90)
    done = preview.record_outcome(user=lucia, target_id=person.pk, outcome="reached",
                                  note="Equipo reparado funciona; satisfecha.")
    call.refresh_from_db()
    assert done.outcome == "reached" and call.state == "wrap_up" and call.assignee_id == lucia.pk
    assert _calls_today(lucia) == 1  # PO-3: a call someone answered counts
    person.refresh_from_db()
    order = WorkOrder.objects.get(pk=person.work_order_id)
    assert (person.status, person.held_by, order.direction, order.customer_id) == (
        "reached", None, "proactivo", person.customer_id)
    assert order.messages.get().body == "Equipo reparado funciona; satisfecha."


def test_nobody_answering_is_tried_again_later_and_never_counted_as_a_call(running, lucia, morning):
    person = preview.next_person(user=lucia)
    for attempt_number in (1, 2):
        preview.dial(user=lucia, target_id=person.pk)
        preview.record_outcome(user=lucia, target_id=person.pk, outcome="no_answer")
        person.refresh_from_db()
        if attempt_number == 1:
            assert (person.status, person.next_attempt_at) == ("scheduled", morning.now() + timedelta(minutes=60))
            assert preview.next_person(user=lucia) is None  # not due yet; Ana is outside her hours
            morning.advance(60 * 60)
            assert preview.next_person(user=lucia).pk == person.pk
    assert (person.status, person.attempts) == ("exhausted", 2)  # max_attempts=2
    assert _calls_today(lucia) == 0
    assert set(Contact.objects.values_list("state", flat=True)) == {"abandoned"}


def test_a_call_back_goes_to_who_agreed_it_first(running, lucia, jorge, morning):
    person = preview.next_person(user=lucia)
    preview.dial(user=lucia, target_id=person.pk)
    at = morning.now() + timedelta(hours=3)
    with pytest.raises(Refusal) as caught:
        preview.record_outcome(user=lucia, target_id=person.pk, outcome="call_back",
                               call_back_at=morning.now() - timedelta(hours=1))
    assert (caught.value.code, caught.value.rule) == ("call_back_in_the_past", "CH-PRO")
    preview.record_outcome(user=lucia, target_id=person.pk, outcome="call_back", call_back_at=at)
    assert _calls_today(lucia) == 1  # someone answered and asked to be called later
    morning.advance(3 * 3600)
    assert preview.next_person(user=jorge) is None  # kept for Lucía a quarter of an hour
    morning.advance(16 * 60)
    assert preview.next_person(user=jorge).pk == person.pk


def test_the_do_not_call_list_is_respected_even_after_the_import(running, lucia, boss, carmen, morning):
    do_not_call.add_number(actor=lucia, number="+34 600 112 233", reason="Lo pidió")
    assert Target.objects.get(number="+34600112233").status == "do_not_call"
    assert preview.next_person(user=lucia) is None  # Carmen is set aside; Ana's clock: 04:00
    # A customer who asks while on screen: the dial is refused, naming the rule.
    Target.objects.filter(number="+34600112233").update(status="pending")
    do_not_call.remove_number(actor=boss, number="600112233")
    person = preview.next_person(user=lucia)
    Customer.objects.filter(pk=carmen.pk).update(do_not_call=True)
    with pytest.raises(InputError) as caught:
        preview.dial(user=lucia, target_id=person.pk)
    assert (caught.value.code, caught.value.rule, caught.value.status) == ("do_not_call", "CH-PRO", 409)
    assert not Attempt.objects.exists() and not Contact.objects.exists()
    person.refresh_from_db()
    assert (person.status, person.held_by) == ("do_not_call", None)  # set aside for good, not rolled back


def test_a_refusal_can_put_the_number_on_the_do_not_call_list(running, lucia, carmen, morning):
    person = preview.next_person(user=lucia)
    preview.dial(user=lucia, target_id=person.pk)
    preview.record_outcome(user=lucia, target_id=person.pk, outcome="refused", add_to_do_not_call=True)
    carmen.refresh_from_db()
    assert carmen.do_not_call and Target.objects.get(pk=person.pk).status == "refused"


def test_calling_hours_follow_the_persons_clock(running, lucia, morning):
    Target.objects.filter(name="Carmen Ruiz").update(status="reached")
    assert preview.next_person(user=lucia) is None  # 04:00 in Mexico City
    ana = Target.objects.get(name="Ana Sanz")
    assert ana.next_attempt_at.isoformat() == "2026-12-07T15:00:00+00:00"  # 09:00 there
    morning.advance(5 * 3600 - 60)
    assert preview.next_person(user=lucia) is None
    morning.advance(60)
    assert preview.next_person(user=lucia).pk == ana.pk
    morning.advance(11 * 3600)  # 20:00 there: the window has closed while the card was open
    with pytest.raises(InputError) as caught:
        preview.dial(user=lucia, target_id=ana.pk)
    assert (caught.value.code, caught.value.rule) == ("outside_calling_hours", "CH-PRO")


def test_a_campaign_call_rings_at_nobody_else(running, lucia, jorge, morning):
    person = preview.next_person(user=lucia)
    attempt = preview.dial(user=lucia, target_id=person.pk)
    routing.dispatch()  # Jorge is available: the outbound call is Lucía's, not his
    call = Contact.objects.get(pk=attempt.contact_id)
    assert call.state == "offered" and call.offered_to_id == lucia.pk


def test_a_person_is_on_one_screen_at_a_time(running, lucia, jorge, morning):
    mine = preview.next_person(user=lucia)
    assert preview.next_person(user=lucia).pk == mine.pk  # the same again, not a second one
    assert preview.next_person(user=jorge) is None  # Ana is outside her hours; Carmen is Lucía's
    with pytest.raises(InputError) as caught:
        preview.dial(user=jorge, target_id=mine.pk)
    assert caught.value.code == "not_yours_to_call"
    preview.release(user=lucia, target_id=mine.pk)
    assert preview.next_person(user=jorge).pk == mine.pk
