"""The waiting-room display (/sala/): the numbers called and the desk to go to, live, names never shown."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from atiende.walkin.consumers import DisplayConsumer
from atiende.walkin.services import calling
from atiende.walkin.services.checkin import check_in
from tests.websocket import connect

from .conftest import PHONE


@pytest.mark.django_db
def test_the_display_page_shows_the_calls_to_anyone_without_the_visitors_names(repairs, reception, lucia, clock):
    visit = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE, reason="El portátil no arranca")
    calling.call_next(user=lucia, desk="Mesa 3")
    page = Client().get("/sala/")
    assert page.status_code == 200
    html = page.content.decode()
    assert visit.ticket in html and "Mesa 3" in html and "Llamando" in html
    assert "Carmen" not in html and "portátil" not in html and PHONE not in html


@pytest.mark.django_db(transaction=True)
def test_a_call_next_reaches_a_connected_display_with_the_ticket_and_the_desk(repairs, reception, lucia, jorge,
                                                                            clock):
    first = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    second = check_in(actor=reception, service="A", name="Pedro Gil", phone="+34600999888")

    async def scenario():
        display, accepted = await connect(DisplayConsumer.as_asgi(), "/ws/sala/", AnonymousUser())
        assert accepted
        assert await display.receive_json_from() == {"type": "sala.board", "called": []}
        await sync_to_async(calling.call_next)(user=lucia, desk="Mesa 3")
        board = await display.receive_json_from()
        assert [(e["ticket"], e["desk"], e["waiting"]) for e in board["called"]] == [(first.ticket, "Mesa 3", True)]
        clock.advance(10)
        await sync_to_async(calling.call_next)(user=jorge, desk="Mesa 5")
        board = await display.receive_json_from()
        assert [e["ticket"] for e in board["called"]] == [second.ticket, first.ticket]
        clock.advance(10)
        await sync_to_async(calling.call_again)(user=lucia, visit_id=first.pk)
        board = await display.receive_json_from()
        assert [(e["ticket"], e["calls"]) for e in board["called"]] == [(first.ticket, 2), (second.ticket, 1)]
        await sync_to_async(calling.mark_no_show)(user=jorge, visit_id=second.pk)
        board = await display.receive_json_from()
        assert [e["ticket"] for e in board["called"]] == [first.ticket]
        assert "Carmen" not in str(board) and PHONE not in str(board)
        await display.close()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_a_visitor_served_from_the_consoles_call_controls_reaches_the_display_on_its_next_refresh(
        repairs, reception, lucia, clock, monkeypatch):
    from atiende.contact.services import calls
    from atiende.walkin import consumers

    monkeypatch.setattr(consumers, "REFRESH_SECONDS", 0.2)
    visit = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    calling.call_next(user=lucia, desk="Mesa 3")

    async def scenario():
        display, _accepted = await connect(DisplayConsumer.as_asgi(), "/ws/sala/", AnonymousUser())
        assert (await display.receive_json_from())["called"][0]["waiting"] is True
        await sync_to_async(calls.answer)(contact_id=visit.contact_id, user=lucia)  # not the desk panel's button
        board = await display.receive_json_from()
        assert (board["called"][0]["ticket"], board["called"][0]["waiting"]) == (visit.ticket, False)
        await display.close()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_the_consoles_own_answer_reaches_the_display_at_once_not_at_the_next_refresh(
        repairs, reception, lucia, clock, monkeypatch):
    """Issue 18's gap: «Contestar» in the console (the contact API, not the desk panel) repaints the waiting
    room live; the periodic refresh is set to an hour here, so only the live update can arrive in time."""
    from atiende.contact.services import calls
    from atiende.walkin import consumers

    monkeypatch.setattr(consumers, "REFRESH_SECONDS", 3600)
    visit = check_in(actor=reception, service="A", name="Carmen Ruiz", phone=PHONE)
    calling.call_next(user=lucia, desk="Mesa 3")

    async def scenario():
        display, _accepted = await connect(DisplayConsumer.as_asgi(), "/ws/sala/", AnonymousUser())
        assert (await display.receive_json_from())["called"][0]["waiting"] is True
        await sync_to_async(calls.answer)(contact_id=visit.contact_id, user=lucia)
        board = await display.receive_json_from(timeout=2)
        assert (board["called"][0]["ticket"], board["called"][0]["waiting"]) == (visit.ticket, False)
        await display.close()

    async_to_sync(scenario)()
