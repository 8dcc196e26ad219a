"""Pull mode and queue transfers follow the routing rules (issue 3, item 9; PO-2, CT-ENT, TR-4).

A technician who takes the next call themselves gets only one they could have
been rung for: their queues, the skills it needs, the tiers open for it now.
"""

import pytest

from atiende.contact.models import Contact, TechnicianState
from atiende.contact.services import calls
from atiende.contact.services import queues as contact_queues
from atiende.contact.services import routing as contact_routing
from atiende.errors import InputError

from .conftest import bearer, make_technician

pytestmark = pytest.mark.django_db
JSON = "application/json"



def claim(client, user, language=None, **query):
    suffix = f"?queue={query['queue']}" if query else ""
    headers = {**bearer(user), **({"Accept-Language": language} if language else {})}
    return client.post(f"/api/v1/contacts/claim{suffix}", headers=headers)


NONE_YOURS = ("none_you_can_take", "PO-2")


def refusal(response):
    assert response.status_code == 404, response.content
    return response.json()["error"]["code"], response.json()["error"]["rule"]


def waiting(queue="soporte", **more):
    return contact_routing.create_contact(queue=queue, route=False, **more).contact


def test_a_level_2_technician_takes_the_caller_who_asked_for_level_2_not_a_fresh_level_1_call(client, queue, clock):
    ana = make_technician("ana", tier=2)
    first = waiting()
    clock.advance(1)
    knowledgeable = waiting(level2_requested=True)
    response = claim(client, ana)
    assert response.status_code == 200 and response.json()["id"] == knowledgeable.pk  # CT-ENT
    assert Contact.objects.get(pk=first.pk).state == "waiting"


def test_the_level_1_call_reaches_level_2_once_it_overflows(client, queue, clock):
    ana = make_technician("ana", tier=2)
    call = waiting()
    assert refusal(claim(client, ana)) == NONE_YOURS  # only tier 1 is open for a call just arrived
    clock.advance(150)  # past 80 % of the 3-minute maximum wait: tier 2 opens (PO-2)
    response = claim(client, ana)
    assert response.status_code == 200 and response.json()["id"] == call.pk


def test_a_technician_without_the_skill_does_not_take_the_call(client, db, clock):
    contact_queues.save_queue(name="redes", tiers=[1], skills=["redes"])
    lucia = make_technician("lucia")
    pablo = make_technician("pablo", skills=["redes"])
    call = waiting("redes")
    assert refusal(claim(client, lucia)) == NONE_YOURS
    assert claim(client, pablo).json()["id"] == call.pk


def test_a_technician_takes_calls_only_from_their_queues(client, queue, clock):
    contact_queues.save_queue(name="ventas", tiers=[1])
    lucia = make_technician("lucia")
    TechnicianState.objects.filter(user=lucia).update(queues=["ventas"])
    support = waiting("soporte")
    clock.advance(1)
    sale = waiting("ventas")
    assert claim(client, lucia).json()["id"] == sale.pk  # the older support call is not hers to take
    assert Contact.objects.get(pk=support.pk).state == "waiting"


def test_an_empty_queue_is_nobody_waiting(client, queue, clock):
    lucia = make_technician("lucia")
    for language, message in (("es", "No hay nadie esperando."), ("en", "Nobody is waiting.")):
        response = claim(client, lucia, language)
        assert refusal(response) == ("queue_empty", None)
        assert response.json()["error"]["message"] == message


def test_calls_waiting_none_of_them_yours_is_not_told_as_nobody_waiting(client, queue, clock):
    contact_queues.save_queue(name="ventas", tiers=[1])
    lucia = make_technician("lucia")
    TechnicianState.objects.filter(user=lucia).update(queues=["ventas"])
    waiting("soporte")
    es = claim(client, lucia, "es")
    assert refusal(es) == NONE_YOURS
    assert es.json()["error"]["message"] == (
        "Hay llamadas en espera, pero ninguna que usted pueda atender ahora (cola, nivel o habilidades).")
    en = claim(client, lucia, "en")
    assert en.json()["error"]["message"] == "Calls are waiting, but none you can take now (queue, tier or skills)."


def test_asking_for_one_empty_queue_while_others_wait_is_nobody_waiting_there(client, queue, clock):
    contact_queues.save_queue(name="ventas", tiers=[1])
    lucia = make_technician("lucia")
    waiting("soporte")
    assert refusal(claim(client, lucia, queue="ventas")) == ("queue_empty", None)
    contact_queues.save_queue(name="redes", tiers=[1], skills=["redes"])
    waiting("redes")
    assert refusal(claim(client, lucia, queue="redes")) == NONE_YOURS


def test_the_service_tells_the_two_cases_apart(queue, clock):
    ana = make_technician("ana", tier=2)
    assert contact_routing.claim_next_contact(user=ana) is None  # nobody waiting
    waiting()
    with pytest.raises(InputError) as refused:
        contact_routing.claim_next_contact(user=ana)  # tier 2, and only tier 1 is open yet (PO-2)
    assert (refused.value.code, refused.value.status) == ("none_you_can_take", 404)


def test_an_older_call_nobody_here_may_take_does_not_block_the_next(client, queue, clock):
    contact_queues.save_queue(name="redes", tiers=[1], skills=["redes"])
    lucia = make_technician("lucia")
    waiting("redes")
    clock.advance(1)
    mine = waiting("soporte")
    assert claim(client, lucia).json()["id"] == mine.pk


@pytest.fixture
def to_level_2(db, call_with_lucia, lucia):
    contact_queues.save_queue(name="nivel2", tiers=[2])
    calls.request_transfer(contact_id=call_with_lucia.pk, user=lucia, purpose="Lo ve nivel 2",
                              customer_consent=True, to_queue="nivel2")
    return call_with_lucia


def test_only_someone_of_the_queue_accepts_a_queue_transfer(client, to_level_2, jorge, lucia):
    refused = client.post(f"/api/v1/contacts/{to_level_2.pk}/transfer/accept", headers=bearer(jorge))
    assert refused.status_code == 403
    assert (refused.json()["error"]["code"], refused.json()["error"]["rule"]) == ("not_in_queue", "TR-4")
    assert Contact.objects.get(pk=to_level_2.pk).assignee_id == lucia.pk  # still Lucía's (TR-4)
    ana = make_technician("ana", tier=2)
    accepted = client.post(f"/api/v1/contacts/{to_level_2.pk}/transfer/accept", headers=bearer(ana))
    assert accepted.status_code == 200 and accepted.json()["assignee"] == ana.pk


def test_a_level_2_technician_of_another_queue_cannot_accept(client, to_level_2):
    ana = make_technician("ana", tier=2)
    TechnicianState.objects.filter(user=ana).update(queues=["ventas"])
    refused = client.post(f"/api/v1/contacts/{to_level_2.pk}/transfer/accept", headers=bearer(ana))
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "TR-4"
