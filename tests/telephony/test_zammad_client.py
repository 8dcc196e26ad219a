"""The real ``py-zammad-cti`` client from PyPI against a live Atiende server.

The client posts form-encoded (``requests``' ``data=``, a list ``user`` as a
repeated field) and reads every reply with ``response.json()``: so the
protocol's «empty» reply must be ``{}``, and errors raise ``requests.HTTPError``.
"""

from __future__ import annotations

import gc
import threading

import pytest
import requests
from zammad_cti import CTIClient

from atiende.contact import selectors
from atiende.contact.models import Alert, Contact, ContactEvent
from atiende.contact.services import deadlines
from atiende.telephony.models import GenericCall
from atiende.telephony.services import block_caller

pytestmark = pytest.mark.django_db(transaction=True)

CALLER = "+34600111222"


@pytest.fixture
def client(live_server, cti_token):
    cti = CTIClient(url=f"{live_server.url}/api/v1/cti/generic/{cti_token}")
    yield cti
    cti._session.close()  # keep-alive would hold the server thread's database connection open
    _wait_for_server_threads()


def _wait_for_server_threads() -> None:
    """Let the live server's request threads finish closing their database connections.

    Otherwise the last one may still be closing when the session tears the
    server (SQLite: its shared connection) or the test database (PostgreSQL) down.
    A request thread ends when its client closes the keep-alive socket; an error
    response the test caught (``pytest.raises``) sits in a reference cycle with
    its traceback and keeps the socket open until the cycle is collected. So when
    a thread still waits, collect, or each such thread costs the whole second.
    """
    threads = [thread for thread in threading.enumerate() if "process_request_thread" in thread.name]
    for thread in threads:
        thread.join(timeout=0.05)
    if any(thread.is_alive() for thread in threads):
        gc.collect()
    for thread in threads:
        thread.join(timeout=1)


def test_zammad_client_call_answered_by_extension_then_hung_up(client, queue, lucia, jorge, clock):
    arrived = clock.now()
    assert client.new_call(_from=CALLER, to="900100200", direction="in", call_id="z-1",
                           user=["Lucía Pérez", "Jorge Martín"], queue="soporte") == {}
    clock.advance(12)
    assert client.answer(_from=CALLER, to="900100200", direction="in", call_id="z-1",
                         answering_number="202", user="Jorge Martín") == {}
    clock.advance(95)
    assert client.hangup(_from=CALLER, to="900100200", direction="in", call_id="z-1",
                         cause="normalClearing", answering_number="202") == {}
    contact = Contact.objects.get(external_id="z-1")
    view = selectors.contact_view(contact)
    assert view["assignee"] == jorge.pk and view["state"] == "wrap_up"
    assert (view["answered_at"] - arrived).total_seconds() == 12
    assert view["timers"]["waited_seconds"] == 12 and view["timers"]["talking_seconds"] == 95
    call = GenericCall.objects.get(call_id="z-1")
    assert call.outcome == "ended" and call.technician == jorge and call.users == ["Lucía Pérez", "Jorge Martín"]
    # A retry of the hang-up (the client timed out, say) is answered the same and changes nothing.
    events = ContactEvent.objects.count()
    assert client.hangup(_from=CALLER, to="900100200", direction="in", call_id="z-1",
                         cause="normalClearing", answering_number="202") == {}
    assert ContactEvent.objects.count() == events


def test_zammad_client_unanswered_call_is_abandoned_against_po2(client, queue, clock):
    client.new_call(_from=CALLER, to="900100200", direction="in", call_id="z-2", queue="soporte")
    clock.advance(75)  # past the queue's 60 s maximum wait (PO-2), nobody free
    deadlines.run_due_deadlines(worker="t")
    assert client.hangup(_from=CALLER, to="900100200", direction="in", call_id="z-2", cause="cancel") == {}
    contact = Contact.objects.get(external_id="z-2")
    assert contact.state == "abandoned"
    abandoned = ContactEvent.objects.get(contact=contact, kind="abandoned")
    assert abandoned.rule == "PO-2" and abandoned.data["waited_seconds"] == 75
    assert Alert.objects.filter(contact=contact, rule="PO-2", level="breach").exists()
    assert GenericCall.objects.get(call_id="z-2").outcome == "abandoned"


def test_zammad_client_blocked_caller_gets_the_reject(client, queue, lucia, clock):
    block_caller(pattern=CALLER, reason="Spam")
    reply = client.new_call(_from=CALLER, to="900100200", direction="in", call_id="z-3")
    assert reply == {"action": "reject", "reason": "busy"}
    assert client.hangup(_from=CALLER, to="900100200", direction="in", call_id="z-3", cause="cancel") == {}
    assert not Contact.objects.exists()


def test_zammad_client_sees_errors_as_http_errors(client, queue, live_server):
    with pytest.raises(requests.HTTPError) as raised:
        client.hangup(_from=CALLER, to="900100200", direction="in", call_id="never-seen", cause="cancel")
    assert raised.value.response.status_code == 404
    assert raised.value.response.json()["error"]["code"] == "unknown_call"
    raised.value.response.close()  # an unread error response keeps its connection (and a server thread) open
    wrong = CTIClient(url=f"{live_server.url}/api/v1/cti/generic/atk_wrong")
    with pytest.raises(requests.HTTPError) as raised:
        wrong.new_call(_from=CALLER, to="900100200", direction="in", call_id="z-4")
    assert raised.value.response.status_code == 401
    raised.value.response.close()
    wrong._session.close()  # the client fixture waits for the server's threads afterwards
