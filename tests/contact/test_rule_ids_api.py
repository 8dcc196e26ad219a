"""The API's refusals name the right rule (issue 3, item 8)."""

import pytest

from .conftest import bearer, make_technician

pytestmark = pytest.mark.django_db
JSON = "application/json"



def test_a_negative_daily_call_target_is_refused_citing_po3(client, clock):
    admin = make_technician("admin", role="administrador", available=False)
    response = client.put("/api/v1/contacts/queues/ventas", {"tiers": [1], "policy": {"calls_per_day": -1}},
                          content_type=JSON, headers=bearer(admin))
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["rule"]) == ("invalid_policy", "PO-3")


def test_a_transfer_to_yourself_is_refused_citing_tr4(client, call_with_lucia, lucia):
    response = client.post(f"/api/v1/contacts/{call_with_lucia.pk}/transfer",
                           {"purpose": "x", "customer_consent": True, "to_technician": lucia.pk},
                           content_type=JSON, headers=bearer(lucia))
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["rule"]) == ("transfer_to_self", "TR-4")
