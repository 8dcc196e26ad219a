"""/api/v1/walk-ins (SPEC "Walk-in and proactive"): the kiosk's and the desk's actions for any client."""

from __future__ import annotations

import pytest

from atiende.desk.models import Customer

from .conftest import PHONE, bearer

pytestmark = pytest.mark.django_db
JSON = "application/json"


def post(client, user, path, body=None):
    return client.post(f"/api/v1/walk-ins{path}", body or {}, content_type=JSON, headers=bearer(user))


def test_check_in_call_next_serve_through_the_api(client, repairs, reception, lucia, clock):
    made = post(client, reception, "", {"service": "A", "name": "Carmen Ruiz", "phone": PHONE,
                                        "reason": "No enciende"})
    assert made.status_code == 201, made.content
    visit = made.json()
    assert (visit["ticket"], visit["state"], visit["work_order"]) == ("A-001", "waiting", 1)
    called = post(client, lucia, "/next", {"desk": "Mesa 2"})
    assert called.status_code == 200 and (called.json()["state"], called.json()["desk"]) == ("offered", "Mesa 2")
    served = post(client, lucia, f"/{visit['id']}/serve")
    assert served.json()["state"] == "talking"
    listed = client.get("/api/v1/walk-ins", headers=bearer(lucia)).json()
    assert [v["ticket"] for v in listed] == ["A-001"]
    nobody = post(client, lucia, "/next", {"desk": "Mesa 2"})
    assert (nobody.status_code, nobody.json()["error"]["code"]) == (404, "queue_empty")


def test_refusals_come_in_the_api_format_naming_the_rule(client, repairs, reception, lucia, clock):
    bad = post(client, reception, "", {"service": "A", "name": "Carmen", "phone": "12ab"})
    assert bad.status_code == 400 and bad.json()["error"]["rule"] == "CH-PRE"
    assert bad.json()["error"]["code"] == "invalid_phone"
    empty = post(client, lucia, "/next", {"desk": "Mesa 2"})
    assert empty.status_code == 404 and empty.json()["error"]["code"] == "queue_empty"
    wrong = post(client, lucia, "/99/no-show")
    assert wrong.status_code == 404 and wrong.json()["error"]["rule"] == "CH-PRE"
    customer = Customer.objects.create(name="Carmen Ruiz")
    slot = post(client, reception, "/bookings", {"service": "A", "customer": customer.pk,
                                                 "starts_at": "2026-01-05T11:25:00+01:00"})
    assert slot.status_code == 400 and slot.json()["error"]["code"] == "not_a_slot"
    assert slot.json()["error"]["rule"] == "CH-PRE"


def test_a_customer_account_is_refused(client, repairs, clock):
    from atiende.people.models import User

    portal = User.objects.create_user("carmen", role="cliente")
    assert post(client, portal, "", {"service": "A", "name": "x", "phone": PHONE}).status_code == 403


def test_a_booked_visit_checks_in_with_the_letter_c_and_keeps_its_work_order(client, repairs, reception, clock):
    customer = post(client, reception, "", {"service": "A", "name": "Carmen Ruiz", "phone": PHONE}).json()["customer"]
    booked = post(client, reception, "/bookings", {"service": "A", "customer": customer,
                                                   "starts_at": "2026-01-05T11:20:00+01:00", "reason": "Recoger"})
    assert booked.status_code == 201, booked.content
    full = post(client, reception, "/bookings", {"service": "A", "customer": customer,
                                                 "starts_at": "2026-01-05T11:20:00+01:00"})
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
    visit = post(client, reception, "", {"service": "A", "name": "Carmen Ruiz", "phone": PHONE, "booked": True})
    assert visit.status_code == 201 and visit.json()["ticket"] == "C-001"
    assert visit.json()["booking"] == booked.json()["id"] and visit.json()["reason"] == "Recoger"
    again = client.get("/api/v1/walk-ins/bookings", headers=bearer(reception)).json()
    assert [b["status"] for b in again] == ["presentada"]


def test_reception_records_a_visitor_who_left_before_being_called(client, repairs, reception, lucia, clock):
    visit = post(client, reception, "", {"service": "A", "name": "Carmen Ruiz", "phone": PHONE}).json()
    gone = post(client, reception, f"/{visit['id']}/left")
    assert gone.status_code == 200 and gone.json()["state"] == "abandoned"
    again = post(client, reception, f"/{visit['id']}/left")
    assert again.status_code == 409 and again.json()["error"]["rule"] == "CH-PRE"
    nobody = post(client, lucia, "/next", {"desk": "Mesa 2"})
    assert nobody.json()["error"]["code"] == "queue_empty"


def test_the_slots_still_open_on_a_day(client, repairs, reception, clock):
    customer = Customer.objects.create(name="Carmen Ruiz")
    open_ = client.get("/api/v1/walk-ins/slots?service=A&day=2026-01-05", headers=bearer(reception)).json()
    assert open_[0]["starts_at"] == "2026-01-05T10:20:00+01:00"  # the clock says 10:00 in Madrid: 10:00 is taken
    assert len(open_) == 11 and {s["free"] for s in open_} == {1}
    post(client, reception, "/bookings", {"service": "A", "customer": customer.pk,
                                          "starts_at": "2026-01-05T10:20:00+01:00"})
    after = client.get("/api/v1/walk-ins/slots?service=A&day=2026-01-05", headers=bearer(reception)).json()
    assert after[0]["starts_at"] == "2026-01-05T10:40:00+01:00"
    saturday = client.get("/api/v1/walk-ins/slots?service=A&day=2026-01-10", headers=bearer(reception))
    assert saturday.json() == []
